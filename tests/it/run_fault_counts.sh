#!/bin/bash
# Faults injected in the gateway simulator appear in gatecap's outcome
# classes with the counts the simulator itself reports: 5xx answers,
# connection resets, refused connections; 429s count as throttled, not as
# errors.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

A=127.0.2.2
scenario() { # name rate seconds
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
$(it_http)
targets: ["http://$A:8280"]
requests: [{name: echo, path: /echo/1.0.0}]
timeouts: {connect: 1s, request: 5s}
load: {workers: 1, phases: [{name: s, duration: ${3}s, rate: ${2}/s}]}
YAML
}

sim_start "$A" --http-port 8280 --fault-spacing even
# The simulator also counts the node check, one 2xx request before the run.
log "5xx: every 10th answer is a 503"
sim_config "$SIM_HTTP" error_rate=0.1
sim_reset
scenario err 200 3
run err
run_ok err
stats=$(sim_stats)
assert_eq "5xx: gatecap vs simulator" "$(echo "$stats" | jq '.requests["5xx"]')" "$(jr err '.totals.all.outcomes["5xx"]')"
assert_eq "2xx: gatecap vs simulator" "$(( $(echo "$stats" | jq '.requests["2xx"]') - 1 ))" "$(jr err '.totals.all.outcomes["2xx"]')"
assert_eq "5xx share" 60 "$(jr err '.totals.all.outcomes["5xx"]')"
assert_eq "errors are the 5xx" 60 "$(jr err '.totals.all.errors')"

log "resets: every 20th request is answered with a TCP reset"
sim_config "$SIM_HTTP" error_rate=0 reset_rate=0.05
sim_reset
scenario rst 200 3
run rst
run_ok rst
stats=$(sim_stats)
# The native transport never re-sends: every reset the server made is a
# reset in gatecap.
assert_eq "resets: gatecap vs simulator" "$(echo "$stats" | jq '.requests.reset')" "$(jr rst '.totals.all.outcomes.reset')"
assert_eq "nothing re-sent" 0 "$(jr rst '.totals.all.retried')"
assert_eq "all requests accounted for" 600 "$(jr rst '.totals.all.count')"

# (libcurl on Debian 12 cannot carry h2c: over HTTP/2 this part is the
# HTTP/1.1 run's alone)
if [ "$IT_HTTP" = 1.1 ]; then
    log "resets through libcurl: its silent re-sends are counted as retried"
    sim_reset
    scenario rstc 200 3
    echo "generator: {transport: curl}" >> "$T_TMP/rstc.yaml"
    run rstc
    run_ok rstc
    stats=$(sim_stats)
    # A reset on a reused keep-alive connection before any answer makes libcurl
    # re-send the request on a new connection; gatecap counts those re-sends
    # ("retried"), so every reset the server made is accounted for.
    gc_resets=$(( $(jr rstc '.totals.all.outcomes.reset') + $(jr rstc '.totals.all.retried') ))
    assert_eq "resets: gatecap (reset + retried) vs simulator" "$(echo "$stats" | jq '.requests.reset')" "$gc_resets"
    assert_ge "re-sends seen" 1 "$(jr rstc '.totals.all.retried')"
    assert_eq "all requests accounted for (curl)" 600 "$(jr rstc '.totals.all.count')"
fi

log "429: throttling above 100/s is throttled, not an error"
sim_config "$SIM_HTTP" reset_rate=0 throttle_rate=100
sim_reset
scenario thr 150 4
run thr
run_ok thr
stats=$(sim_stats)
assert_eq "429: gatecap vs simulator" "$(echo "$stats" | jq '.requests["429"]')" "$(jr thr '.totals.all.throttled')"
assert_ge "some throttled" 100 "$(jr thr '.totals.all.throttled')"
assert_eq "throttling is not an error" 0 "$(jr thr '.totals.all.errors')"
assert_eq "all requests accounted for" 600 "$(jr thr '.totals.all.count')"

log "refused: the node refuses new connections mid-run"
sim_config "$SIM_HTTP" throttle_rate=0
scenario ref 100 4
sed -i 's/timeouts:.*/timeouts: {connect: 1s, request: 5s}\ntls: {connections: new}/' "$T_TMP/ref.yaml"
RC=0
sim_reset
"$GATECAP" run "$T_TMP/ref.yaml" -o "$T_TMP/ref" --quiet > "$T_TMP/ref.log" 2>&1 &
GC=$!
# switch once the node served a quarter of the run (the node check + 100),
# placed by what the simulator saw rather than by a sleep
for i in $(seq 1 300); do
    [ "$(sim_stats | jq .requests.total)" -ge 101 ] && break
    sleep 0.1
done
sim_config "$SIM_HTTP" refuse=close
wait "$GC" || RC=$?
run_ok ref
refused=$(jr ref '.totals.all.outcomes.refused')
assert_ge "refused connections counted" 100 "$refused"
# A connection accepted just as the node switched to refusing is closed
# without an answer: counted as a reset, not lost. (How many depends on how
# many connections waited in the listener's queue at the switch: 100/s
# arrivals, so a handful unless the simulator was held up for long.)
resets=$(jr ref '.totals.all.outcomes.reset')
assert_le "resets at the switch (a few, not the run)" 20 "$resets"
assert_eq "2xx + refused + reset = all" 400 "$(( $(jr ref '.totals.all.outcomes["2xx"]') + refused + resets ))"
assert_contains "an example message" "onnect" "$(jr ref '.error_examples.refused')"
log ok
