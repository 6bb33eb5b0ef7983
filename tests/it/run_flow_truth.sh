#!/bin/bash
# Coordinated omission at the flow level, against an analytic truth: a
# stall of D every P under a constant arrival rate of flows (the payment
# journey of tests/it/run_flows.sh) gives flow durations with
# P(duration > x) = (D − x)/P, as single requests' latencies have
# (tests/it/run_capacity_model.sh): a flow counts from its arrival's
# intended start, each step from its own. An accuracy test, like
# run_capacity_model: make check leaves it to make test.
# test: alone (compares gatecap's numbers with a planted truth)
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
. "$GATECAP_TOP/tests/lib/journey.sh"

A=127.0.3.5
log "coordinated omission, flow level: stall 500ms every 2s, 200 flows/s"
D=500
P=2000
want() { awk -v d=$D -v p=$P -v q="$1" 'BEGIN { print d - (1 - q / 100) * p }'; }
sim_start "$A" "${JOURNEY[@]}" --stall ${D}ms:${P}ms
for i in $(seq 1 300); do
    [ "$(sim_stats | jq .queue.stalls)" -ge 1 ] && break
    sleep 0.1
done
assert_ge "the first stall came" 1 "$(sim_stats | jq .queue.stalls)"
journey co "[\"$SIM_HTTP\"]" stop \
    "{workers: 1, max_inflight: 1000, phases: [{name: s, duration: 10s, rate: 200/s}]}"
run co
run_ok co
assert_eq "flows completed" 2000 "$(jr co '.flows[0].totals.completed')"
# A flow arriving x before a stall ends waits x at its first step; its
# two other steps follow: P(duration > x) = (D − x)/P, plus the steps'
# own time — three round trips, in the burst of the 100 flows the stall
# held, which go on together when it ends (about 10 ms here).
want_flow() { awk -v w="$(want "$1")" 'BEGIN { print w + 10 }'; }
near "flow p90 (ms)" "$(jr co '.flows[0].totals.duration.p90')" "$(want_flow 90)" 30
near "flow p99 (ms)" "$(jr co '.flows[0].totals.duration.p99')" "$(want_flow 99)" 25
# and never below the stall's truth: a flow is not timed from a later step
awk -v v="$(jr co '.flows[0].totals.duration.p99')" -v w="$(want 99)" 'BEGIN { exit !(v >= w - 5) }' ||
    fail "flow p99 below the stall's truth $(want 99) ms: coordinated omission"

near "flow p50 (ms, outside the stalls)" "$(jr co '.flows[0].totals.duration.p50')" 3 6
near "consent step p99 (ms, from its arrival)" \
    "$(jr co '.totals.by_request["payment.consent"].latency_ms.p99')" "$(want 99)" 25
# a later step counts from its own intended start (the answer before it):
# only a stall that begins inside the flow's few ms delays it, so its p90
# is a small fraction of the first step's (which holds the stall's wait)
status_p90=$(jr co '.totals.by_request["payment.status"].latency_ms.p90')
awk -v s="$status_p90" -v w="$(want 90)" 'BEGIN { exit !(s < w / 10) }' ||
    fail "status step p90 $status_p90 ms: expected far below the stall's $(want 90) ms"
log "  status step p90 $status_p90 ms (from the answer before it)"
log "ok"
