#!/bin/bash
# Every example in scenarios/ runs as its comment says. Each file carries a
# "Try it locally" block: the commands that start the simulated cluster
# (tools/gateway-cluster) the way that example needs it, run the example
# for a few seconds (durations shortened with --set), and stop the cluster.
# This test runs those lines as they are written, for every
# scenarios/*.yaml (a new example without such a block fails here), and
# checks what came of each run:
#   - `gatecap validate` accepts the example as it is (not shortened);
#   - the run exits 0, or 3 only when generator-limited (run_ok: a busy
#     machine), or 1 only when every gate that failed is a latency gate
#     (`p99 < 250ms`: on a busy machine the simulated nodes wait for a
#     core too, and a test must not depend on the machine's speed); it
#     writes results.json with requests;
#   - every request of the example and every node was answered, with no
#     error, unexpected status or throttling in gatecap's results, and none
#     in the nodes' own counters (a missing route would be a 404 there);
#   - an example that presents a client certificate ran against nodes that
#     require one; one with `auth:` got its tokens from the key manager.
#
# The examples name the cluster's default addresses (127.0.0.1-3, haproxy
# on 127.0.0.10, the key manager on 127.0.0.1:9443), so this test uses
# them; nothing else in the suite listens there on the cluster's ports, and
# when something does (a cluster or `make demo` left running) it skips. The
# cluster's state folder and certificates are its own (GATECAP_CLUSTER_DIR,
# GATECAP_CERTS), outputs go to its temporary folder.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
require_cmd haproxy

for hp in 127.0.0.1:8280 127.0.0.1:8243 127.0.0.2:8243 127.0.0.3:8243 127.0.0.10:8280 \
    127.0.0.10:8243 127.0.0.10:8404 127.0.0.1:9443; do
    if timeout 1 bash -c "exec 3<>/dev/tcp/${hp%:*}/${hp#*:}" 2> /dev/null; then
        skip "$hp is in use (a cluster or make demo running?); the examples need it"
    fi
done

export GATECAP_CLUSTER_DIR=$T_TMP/cluster
export GATECAP_CERTS=$GATECAP_CLUSTER_DIR/certs
GC=$GATECAP_TOP/tools/gateway-cluster
on_exit "'$GC' stop"
cd "$GATECAP_TOP"

# try_block FILE: the commands of FILE's "Try it locally" block, one per
# line (lines continued with a backslash joined).
try_block() {
    awk '
        /^# Try it locally/ { on = 1; next }
        on && /^#   / {
            line = substr($0, 2); sub(/^ +/, "", line)
            if (cont != "") line = cont " " line
            if (line ~ /\\$/) { sub(/ *\\$/, "", line); cont = line; next }
            cont = ""; cmds = 1; print line; next
        }
        on && cmds { exit }
    ' "$1"
}

# The commands of a block, as a user would run them from the repository's
# root: `gatecap` is the binary under test, with its output in $T_TMP.
cluster() { "$GC" "$@"; }
gatecap() {
    if [ "${1:-}" != run ]; then
        "$GATECAP" "$@"
        return
    fi
    shift
    local f=$1
    shift
    RUN=$(basename "$f" .yaml)
    RC=0
    "$GATECAP" run "$f" "$@" -o "$T_TMP/$RUN" --quiet > "$T_TMP/$RUN.log" 2>&1 || RC=$?
    log "  $RUN: exit $RC, $(jr "$RUN" .totals.all.count 2> /dev/null || echo no) requests"
    check_run "$RUN"
}

# node_stats: the /_sim/stats of every node of the running cluster, one
# JSON document per line.
node_stats() {
    local addr
    for addr in $("$GC" status --json | jq -r '.processes[] | select(.name | test("^node")) | .address'); do
        curl -sf --max-time 5 "http://$addr:8280/_sim/stats" | jq -c . || fail "no stats from $addr"
    done
}

# check_run NAME: what a run of example NAME must have come to (above);
# runs while its cluster is still up.
check_run() {
    local n=$1 r count stats served slow
    if [ "$RC" = 1 ] && [ -s "$T_TMP/$n/results.json" ]; then
        # latency gates only: what a busy machine decides
        slow=$(jr "$n" '[.gates[] | select(.verdict != "pass")] | if length > 0 and all(.unit == "ms")
            then map(.gate + (if .name then " (" + .name + ")" else "" end) + ": " + (.measured | tostring)) | join(", ")
            else empty end')
        [ -z "$slow" ] || { log "  $n: latency gates failed (a busy machine): $slow"; RC=0; }
    fi
    run_ok "$n"
    [ -s "$T_TMP/$n/results.json" ] || fail "$n: no results.json"
    count=$(jr "$n" .totals.all.count)
    assert_ge "$n: requests recorded" 1 "$count"
    assert_eq "$n: errors (outcomes $(jq -c .totals.all.outcomes "$T_TMP/$n/results.json"))" 0 \
        "$(jr "$n" .totals.all.errors)"
    assert_eq "$n: unexpected statuses" 0 "$(jr "$n" .totals.all.unexpected_status)"
    assert_eq "$n: throttled" 0 "$(jr "$n" .totals.all.throttled)"
    for r in $(jr "$n" '.scenario.requests[].name'); do
        assert_ge "$n: requests '$r' answered" 1 "$(jr "$n" ".totals.by_request[\"$r\"].count // 0")"
    done
    assert_ge "$n: nodes answering" "$(jr "$n" '.scenario.targets | length')" \
        "$(jr "$n" '[.totals.by_node[] | select(.count > 0)] | length')"
    stats=$(node_stats)
    served=$(jq -s 'map(.requests["2xx"]) | add' <<< "$stats")
    assert_ge "$n: the nodes served what gatecap counted" "$count" "$served"
    assert_eq "$n: the nodes' non-2xx answers and resets" 0 \
        "$(jq -s 'map(.requests.total - .requests["2xx"] - .requests.aborted) | add' <<< "$stats")"
    if [ "$(jr "$n" '[.scenario.tls.cert, .scenario.auth.applications[]?.cert] | any(. != null)')" = true ]; then
        for r in $("$GC" status --json | jq -r '.processes[] | select(.name | test("^node")) | .address'); do
            assert_eq "$n: node $r requires client certificates" true \
                "$(curl -sf --max-time 5 "http://$r:8280/_sim/config" | jq .mutual_tls)"
        done
    fi
    if [ "$(jr "$n" '.auth != null')" = true ]; then
        assert_eq "$n: token requests failed" 0 "$(jr "$n" .auth.token_endpoint.failed)"
        assert_eq "$n: applications without a token" 0 \
            "$(jr "$n" '[.auth.applications[] | select(.tokens_fetched < 1)] | length')"
    fi
    RAN+=("$n")
}

RAN=()
examples=0
for f in scenarios/*.yaml; do
    examples=$((examples + 1))
    name=$(basename "$f" .yaml)
    block=$(try_block "$f")
    [ -n "$block" ] || fail "$f has no 'Try it locally' block: add one (see the other examples and docs/scenario.md)"
    log "$f"
    before=${#RAN[@]}
    while IFS= read -r cmd; do
        case "$cmd" in
            "tools/gateway-cluster "*) cmd="cluster ${cmd#tools/gateway-cluster }" ;;
            "gatecap "* | [A-Z]*=*" gatecap "*) ;;
            *) fail "$f: its Try it locally block runs '$cmd'; use tools/gateway-cluster and gatecap only" ;;
        esac
        eval "$cmd" || fail "$f: '$cmd' failed (exit $?)"
        # validated as written, once its cluster's certificates exist
        if [ "${cmd#cluster start}" != "$cmd" ]; then
            out=$("$GATECAP" validate "$f" 2>&1) || fail "$f does not validate: $out"
        fi
    done <<< "$block"
    [ "${#RAN[@]}" -gt "$before" ] || fail "$f: its Try it locally block runs no 'gatecap run $f'"
    [ "${RAN[-1]}" = "$name" ] || fail "$f: its block ran ${RAN[-1]}, not $name"
    "$GC" status > /dev/null 2>&1 && fail "$f: its block leaves the cluster running (end it with tools/gateway-cluster stop)"
done
assert_ge "examples found in scenarios/" 1 "$examples"
log "ok: ${RAN[*]}"
