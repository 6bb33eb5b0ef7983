#!/bin/bash
# load.max_inflight bounds the requests in flight of the whole run, not of
# each worker: more workers than the bound is refused before anything is
# sent (exit 2, naming load.workers and what to do); with the worker count
# left to gatecap it never exceeds the bound. The simulator has one worker
# and a 20 ms service time, and arrivals come far faster than that, so any
# second request in flight waits in its queue: its queue's maximum length
# is how many requests gatecap had in flight at once, less one.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/gatewaysim.sh"
. "$(dirname "$0")/../lib/gatecap.sh"

sim_start 127.0.13.1 --name inflight-node --workers 1 --service-time 20ms

scenario() { # NAME MAX_INFLIGHT WORKERS
    cat > "$T_TMP/$1.yaml" <<YAML
name: $1
targets: ["$SIM_HTTP"]
requests: [{name: echo, path: /echo/1.0.0}]
load: {max_inflight: $2, workers: $3, phases: [{name: s, duration: 1s, rate: 100/s}]}
generator: {late_threshold: 50ms}
YAML
}

log "max_inflight 1 with 4 workers: refused before anything is sent"
scenario one-of-four 1 4
run one-of-four
assert_eq "exit code" 2 "$RC"
msg=$(cat "$T_TMP/one-of-four.log")
assert_contains "the message names the file, field and both numbers" \
    "one-of-four.yaml:4:34: load.workers: 4 workers need load.max_inflight 4 or more" "$msg"
assert_contains "and what to do" "lower load.workers to 1 or raise load.max_inflight" "$msg"
assert_eq "the simulator saw no request" 0 "$(sim_stats | jq .requests.total)"

log "max_inflight 1, workers chosen by gatecap: one request in flight at a time"
scenario one-auto 1 0
run one-auto
run_ok one-auto # arrivals wait for the bound: generator-limited is expected
assert_eq "workers used" 1 "$(jr one-auto .environment.workers)"
S=$(sim_stats)
assert_ge "requests served" 20 "$(echo "$S" | jq .requests.total)"
assert_eq "no request ever waited in the simulator's queue" 0 "$(echo "$S" | jq .queue.max_length)"
assert_ge "arrivals waited for the bound in gatecap" 1 "$(jr one-auto .generator.bound_waits)"

log "max_inflight 2 over 2 workers: never more than 2 at once"
sim_reset
scenario two-of-two 2 2
run two-of-two
run_ok two-of-two
S=$(sim_stats)
assert_ge "requests served" 20 "$(echo "$S" | jq .requests.total)"
assert_le "at most one waited behind the one in service" 1 "$(echo "$S" | jq .queue.max_length)"
log "ok"
