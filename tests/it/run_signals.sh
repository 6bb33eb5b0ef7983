#!/bin/bash
# Signals at every phase of a run end it with whole, readable results: a
# stop request during the token fetch (before the node check), during the
# check of the nodes, during the load (SIGTERM, SIGINT, SIGHUP, SIGQUIT,
# SIGUSR1), during the drain (a second signal abandons what is in flight,
# counted), and during the writing of the results (it always finishes).
# Each phase is reached by what the servers show (a token request waiting
# in the key manager's delay, the check request held by a stall, requests
# served, the stop acknowledged on stderr), never by a sleep; the writing
# phase by a breakpoint in gdb, from which gatecap sends itself the signals.
# "Whole" means: exit 130 (or the run's own code when the load had
# ended), results.json with its status, run.hlog that `gatecap hlog`
# reads with the same count, both reports, nothing temporary left, and
# `gatecap report` reading the results again. tests/it/h2/run_signals.sh
# runs it all again over the native HTTP/2 transport (h2c).
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

KM=127.0.12.1
GW=127.0.12.2
sim_start "$KM" --client app1:s3cret
KM_HTTP=$SIM_HTTP
sim_start "$GW"
GW_HTTP=$SIM_HTTP

# scenario NAME [EXTRA-YAML]: 30 s at 40/s against the node
scenario() {
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: [{url: "$GW_HTTP", name: gw}]
$(it_http)
requests: [{name: echo, path: /echo/1.0.0}]
timeouts: {request: 120s}
load: {workers: 1, phases: [{name: steady, duration: 30s, rate: 40/s}]}
${2:-}
YAML
}

# launch NAME [ARGS...]: gatecap run in the background; sets GC
launch() {
    local name=$1
    shift
    "$GATECAP" run "$T_TMP/$name.yaml" -o "$T_TMP/$name" "$@" > "$T_TMP/$name.out" 2> "$T_TMP/$name.err" &
    GC=$!
    on_exit "kill -KILL $GC 2>/dev/null"
}

# finish: waits for gatecap; sets RC
finish() {
    RC=0
    wait "$GC" || RC=$?
}

# poll WHAT CMD...: until CMD succeeds (up to 60 s)
poll() {
    local what=$1 i
    shift
    for i in $(seq 1 600); do
        "$@" && return 0
        kill -0 "$GC" 2> /dev/null || fail "gatecap exited while waiting for $what"
        sleep 0.1
    done
    fail "never saw $what"
}
stat_at_least() { [ "$(curl -sf --max-time 5 "$1/_sim/stats" | jq "$2")" -ge "$3" ]; }
said() { grep -q "$2" "$T_TMP/$1.err"; }

# whole NAME STATUS REQUESTS-AT-LEAST: the results of run NAME are whole
whole() {
    local name=$1 status=$2 least=$3 d=$T_TMP/$1
    [ -s "$d/results.json" ] || fail "$name: no results.json ($(ls "$d" 2> /dev/null | tr '\n' ' '))"
    assert_eq "$name: results format" gatecap-results "$(jq -r .format "$d/results.json")"
    assert_eq "$name: run status" "$status" "$(jq -r .run.status "$d/results.json")"
    it_http_spoken "$name" "$d/results.json"
    local n
    n=$(jq .totals.all.count "$d/results.json")
    assert_ge "$name: requests recorded" "$least" "$n"
    "$GATECAP" hlog "$d/run.hlog" --json > "$T_TMP/$name.hlog.json" ||
        fail "$name: gatecap hlog cannot read run.hlog"
    assert_eq "$name: run.hlog holds what results.json counts" "$n" "$(jq .summary.count "$T_TMP/$name.hlog.json")"
    # every request sent is in the results: answered, or abandoned (an
    # outcome of its own) when the run stopped waiting for it
    assert_eq "$name: every request sent recorded" "$(jq .generator.started "$d/results.json")" "$n"
    assert_eq "$name: the abandoned ones among them" "$(jq .generator.abandoned "$d/results.json")" \
        "$(jq '.totals.all.outcomes.abandoned // 0' "$d/results.json")"
    [ -s "$d/report.md" ] && [ -s "$d/report.html" ] || fail "$name: a report is missing"
    assert_eq "$name: nothing temporary left" "" "$(ls "$d" | grep '\.tmp\.' || true)"
    "$GATECAP" report "$d/results.json" -o "$T_TMP/$name-again" > /dev/null 2>&1 ||
        fail "$name: gatecap report cannot read its results again"
}

log "during the token fetch (before the node check): SIGTERM"
sim_config "$KM_HTTP" token_delay=600s
scenario tokens "auth: {token_url: \"$KM_HTTP/oauth2/token\", client_id: app1, client_secret: s3cret}"
sim_reset "$GW_HTTP"
launch tokens
poll "the token request waiting in the key manager" stat_at_least "$KM_HTTP" .queue.delayed 1
kill -TERM "$GC"
finish
assert_eq "tokens: exit code" 130 "$RC"
whole tokens interrupted 0
assert_eq "tokens: nothing sent to the node" 0 "$(sim_stats "$GW_HTTP" | jq .requests.total)"
assert_contains "tokens: the summary says so" "interrupted by SIGTERM before the load started" "$(cat "$T_TMP/tokens.out")"
sim_config "$KM_HTTP" token_delay=0

log "during the check of the nodes: SIGINT (the check request held by a stall)"
scenario check
sim_reset "$GW_HTTP"
sim_config "$GW_HTTP" stall_now=600s
launch check
poll "the check request held by the node" stat_at_least "$GW_HTTP" .queue.length 1
kill -INT "$GC"
finish
assert_eq "check: exit code" 130 "$RC"
whole check interrupted 0
assert_eq "check: nothing answered by the node" 0 "$(sim_stats "$GW_HTTP" | jq '.requests["2xx"]')"
assert_le "check: nothing but the check reached the node" 1 "$(sim_stats "$GW_HTTP" | jq .requests.total)"
# the simulator keeps that stall: a fresh node for the rest
sim_stop "$SIM_PID"
GW=127.0.12.3
sim_start "$GW"
GW_HTTP=$SIM_HTTP

for sig in TERM INT HUP QUIT USR1; do
    log "during the load: SIG$sig"
    scenario "load-$sig"
    sim_reset "$GW_HTTP"
    launch "load-$sig"
    poll "50 requests served" stat_at_least "$GW_HTTP" '.requests["2xx"]' 51
    kill "-$sig" "$GC"
    finish
    assert_eq "SIG$sig during the load: exit code" 130 "$RC"
    whole "load-$sig" interrupted 50
    assert_contains "SIG$sig: named in the summary" "interrupted by SIG$sig" "$(cat "$T_TMP/load-$sig.out")"
    assert_le "SIG$sig: stopped long before the planned 1,200" 1000 \
        "$(jq .generator.scheduled "$T_TMP/load-$sig/results.json")"
done

log "during the drain: a second SIGINT abandons what is in flight"
scenario drain
sim_reset "$GW_HTTP"
launch drain
poll "20 requests served" stat_at_least "$GW_HTTP" '.requests["2xx"]' 21
sim_config "$GW_HTTP" service_time=600s
poll "5 requests in service" stat_at_least "$GW_HTTP" .queue.in_service 5
kill -INT "$GC"
poll "the stop acknowledged" said drain "SIGINT: stopping: no new arrivals"
kill -INT "$GC"
finish
assert_eq "drain: exit code" 130 "$RC"
whole drain interrupted 20
assert_ge "drain: the requests in flight abandoned, counted" 5 \
    "$(jq .generator.abandoned "$T_TMP/drain/results.json")"
sim_stop "$SIM_PID"
sim_start "$GW"
GW_HTTP=$SIM_HTTP

# During the writing: gdb stops gatecap where it writes results.json (and,
# in a second run, where it renames the files into place); gatecap sends
# itself SIGTERM twice from there and goes on. The load had ended, so the
# run keeps its own exit code, and says a signal came.
if command -v gdb > /dev/null; then
    for at in results_fprint fs_outset_commit; do
        log "during the writing (at $at): SIGTERM twice"
        cat > "$T_TMP/w-$at.yaml" << YAML
name: w-$at
targets: [{url: "$GW_HTTP", name: gw}]
$(it_http)
requests: [{name: echo, path: /echo/1.0.0}]
generator: {late_threshold: 50ms}
load: {workers: 1, phases: [{name: steady, duration: 2s, rate: 40/s}]}
YAML
        RC=0
        # (LeakSanitizer cannot work under a debugger: leaks are checked by
        # every other run of make check)
        gdb -q -batch -nx -ex 'set debuginfod enabled off' -ex 'set pagination off' \
            -ex 'set confirm off' -ex 'set environment ASAN_OPTIONS detect_leaks=0' \
            -ex "break $at" -ex 'run' \
            -ex 'call (int)kill((int)getpid(), 15)' -ex 'call (int)kill((int)getpid(), 15)' \
            -ex 'delete' -ex 'continue' \
            --args "$GATECAP" run "$T_TMP/w-$at.yaml" -o "$T_TMP/w-$at" --quiet \
            > "$T_TMP/w-$at.gdb" 2>&1 || RC=$?
        grep -q "exited normally" "$T_TMP/w-$at.gdb" ||
            fail "writing ($at): gatecap did not exit normally under gdb: $(tail -5 "$T_TMP/w-$at.gdb")"
        grep -q "Breakpoint 1, .*$at" "$T_TMP/w-$at.gdb" || fail "writing ($at): the breakpoint was not hit"
        assert_contains "writing ($at): the late signal noted" "SIGTERM arrived after the load ended" \
            "$(cat "$T_TMP/w-$at.gdb")"
        whole "w-$at" complete 80
    done
else
    fail "gdb is not installed (tools/install-deps installs it)"
fi
log "ok"
