#!/bin/bash
# Running out of local file descriptors is the generator's failure, never
# the gateway's:
#  - a scenario whose connections cannot fit under the file limit is
#    refused before anything is sent (exit 2), the message naming the
#    numbers and the fix (ulimit -n, limits.conf / LimitNOFILE, fewer users
#    or a lower max_inflight); a soft limit below the hard one is raised
#    first, so a run that fits under the hard limit goes ahead;
#  - a run that fits up front but runs out mid-run (the limit lowered with
#    prlimit on the running gatecap, connections: new so every request
#    needs a new socket) counts the local failures apart from the gateway's
#    outcomes, is generator-limited (exit 3) with the file limit in its
#    advice, agrees with the simulator that the gateway saw no error, and
#    does not spin: each user backs off after a local failure, so failures
#    stay below what the back-off allows in the run's own elapsed time.
# Both transports (native and libcurl).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/gatewaysim.sh"
. "$(dirname "$0")/../lib/gatecap.sh"
require_cmd prlimit
HARD=$(ulimit -Hn)
[ "$HARD" = unlimited ] || [ "$HARD" -ge 1024 ] ||
    skip "the hard file limit ($HARD) is below the 1024 this test needs to set its own"

sim_start 127.0.13.2 --name fd-node

cat > "$T_TMP/closed2000.yaml" <<YAML
name: closed2000
targets: ["$SIM_HTTP"]
requests: [{name: echo, path: /echo/1.0.0}]
load: {model: closed, workers: 4, phases: [{name: s, duration: 2s, users: 2000}]}
YAML
cat > "$T_TMP/open-default.yaml" <<YAML
name: open-default
targets: ["$SIM_HTTP"]
requests: [{name: echo, path: /echo/1.0.0}]
load: {workers: 2, phases: [{name: s, duration: 2s, rate: 10/s}]}
YAML

log "2,000 users under ulimit -n 256: refused up front, nothing sent"
RC=0
(ulimit -n 256 && exec "$GATECAP" run "$T_TMP/closed2000.yaml" -o "$T_TMP/closed2000" --quiet) \
    > "$T_TMP/closed2000.log" 2>&1 || RC=$?
assert_eq "exit code" 2 "$RC"
msg=$(cat "$T_TMP/closed2000.log")
assert_contains "names the connections" "2000 connections" "$msg"
assert_contains "names the limit" "hard limit is 256" "$msg"
need=$(echo "$msg" | sed -n 's/.*ulimit -n \([0-9]*\).*/\1/p' | head -1)
assert_ge "names the limit needed (ulimit -n N)" 2000 "${need:-0}"
assert_contains "how to raise the hard limit" "/etc/security/limits.conf" "$msg"
assert_contains "or for a service" "LimitNOFILE" "$msg"
assert_contains "or fewer users" "users" "$msg"
[ -e "$T_TMP/closed2000/results.json" ] && fail "results.json written for a refused run"
assert_eq "the simulator saw no request" 0 "$(sim_stats | jq .requests.total)"

log "the open model's bound (max_inflight 10,000 by default) under ulimit -n 256: refused"
RC=0
(ulimit -n 256 && exec "$GATECAP" run "$T_TMP/open-default.yaml" -o "$T_TMP/open-default" --quiet) \
    > "$T_TMP/open-default.log" 2>&1 || RC=$?
assert_eq "exit code" 2 "$RC"
assert_contains "names the bound and its fix" "load.max_inflight" "$(cat "$T_TMP/open-default.log")"
assert_eq "the simulator saw no request" 0 "$(sim_stats | jq .requests.total)"

log "a soft limit below the hard one is raised first: 300 users under a soft limit of 64 run"
sed 's/users: 2000/users: 300/; s/closed2000/closed300/' "$T_TMP/closed2000.yaml" > "$T_TMP/closed300.yaml"
RC=0
(ulimit -Sn 64 && exec "$GATECAP" run "$T_TMP/closed300.yaml" -o "$T_TMP/closed300" --quiet) \
    > "$T_TMP/closed300.log" 2>&1 || RC=$?
run_ok closed300
assert_eq "the run had the hard limit" "${HARD/unlimited/null}" "$(jr closed300 .generator.fd_limit)"
assert_eq "no local failures" 0 "$(jr closed300 .generator.local_failures)"

# ---- out of descriptors mid-run ---------------------------------------------
USERS=40
for tr in native curl; do
    name=midrun-$tr
    cat > "$T_TMP/$name.yaml" <<YAML
name: $name
targets: ["$SIM_HTTP"]
tls: {connections: new}
requests: [{name: echo, path: /echo/1.0.0}]
generator: {transport: $tr}
load: {model: closed, workers: 1, phases: [{name: s, duration: 4s, users: $USERS}]}
YAML
    log "$tr: the limit lowered mid-run below what $USERS users on new connections need"
    sim_reset
    RC=0
    "$GATECAP" run "$T_TMP/$name.yaml" -o "$T_TMP/$name" --quiet > "$T_TMP/$name.log" 2>&1 &
    GC=$!
    # once it sends (a window of seconds against steps of milliseconds;
    # the local failures counted below confirm the limit bit during the run)
    for i in $(seq 1 300); do
        [ "$(sim_stats | jq .requests.total)" -ge 100 ] && break
        sleep 0.1
    done
    # room for what is open now (but connections; they come and go
    # meanwhile) and a few connections
    other=0
    for f in "/proc/$GC/fd/"*; do
        l=$(readlink "$f" 2> /dev/null) || continue
        case "$l" in socket:*) ;; *) other=$((other + 1)) ;; esac
    done
    prlimit --pid "$GC" --nofile=$((other + 12)):$((other + 12))
    wait "$GC" || RC=$?
    R=$T_TMP/$name/results.json
    [ -f "$R" ] || fail "$name: no results.json: $(tail -5 "$T_TMP/$name.log")"
    assert_eq "$name: exit code" 3 "$RC"
    assert_eq "$name: status" generator-limited "$(jq -r .run.status "$R")"
    lf=$(jq .generator.local_failures "$R")
    assert_ge "$name: local failures counted" 1 "$lf"
    assert_contains "$name: an example" "Too many open files" "$(jq -r .generator.local_failure_example "$R")"
    assert_eq "$name: no gateway error recorded" 0 "$(jq .totals.all.errors "$R")"
    assert_eq "$name: every recorded request answered 2xx" "$(jq .totals.all.count "$R")" \
        "$(jq '.totals.all.outcomes["2xx"]' "$R")"
    S=$(sim_stats)
    assert_eq "$name: the simulator saw no error either" "$(echo "$S" | jq .requests.total)" \
        "$(echo "$S" | jq '.requests["2xx"]')"
    assert_eq "$name: every request gatecap recorded reached the simulator (and the node check)" \
        "$(echo "$S" | jq .requests.total)" "$(( $(jq .totals.all.count "$R") + 1 ))"
    # no busy loop: a user waits at least 100 ms after a local failure
    bound=$(jq -r --argjson u "$USERS" '($u * (.run.elapsed_s / 0.1 + 1)) | floor' "$R")
    assert_le "$name: local failures within the back-off's bound" "$bound" "$lf"
    out=$(cat "$T_TMP/$name.log")
    assert_contains "$name: summary counts them" "dropped, $lf local failures," "$out"
    assert_contains "$name: advice names the file limit" "ulimit -n" "$out"
done
log "ok"
