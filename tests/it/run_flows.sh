#!/bin/bash
# Flows (docs/scenario.md, "Flows") against the simulator's Open Banking
# payment journey (docs/gatewaysim.md), whose counts are the truth:
#  1. consent → payment → status on two nodes: every payment carries a
#     consent id captured from its consent's answer (the simulator counts
#     payments with ids it never issued: none), checks are counted by name,
#     and the consents the simulator refuses (1 %, evenly spaced, so the
#     count is exact) stop exactly those flows, counted by step and check;
#  2. on_fail: continue sends the next step anyway (the simulator counts
#     payments on rejected consents: exactly the refused ones);
#  3. the same through libcurl; the closed model loops users through their
#     flow, pacing bounds their iterations;
#  4. coordinated omission at the flow level: a stall of D every P under a
#     constant arrival rate of flows gives flow durations with
#     P(duration > x) = (D − x)/P, as single requests' latencies (the flow
#     counts from its arrival's intended start; each step from its own).
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

near() {
    awk -v v="$2" -v w="$3" -v t="$4" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= t) }' ||
        fail "$1: $2, expected $3 ± $4"
    log "  $1: $2 (expected $3 ± $4)"
}

A=127.0.3.1
B=127.0.3.2
JOURNEY=(--journey open-banking --journey-secret flows-test --service-time fixed:1ms)

# The journey as scenarios/open-banking.yaml writes it, cut to its flow;
# ON_FAIL and the load are filled in per case.
journey() { # NAME TARGETS ON_FAIL LOAD
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: $2
flows:
  - name: payment
    on_fail: $3
    steps:
      - name: consent
        method: POST
        path: /open-banking/v3.1/pisp/domestic-payment-consents
        headers: {Content-Type: application/json}
        body: '{"Data":{"Initiation":{"InstructionIdentification":"\${uuid}","InstructedAmount":{"Amount":"10.00","Currency":"GBP"}}},"Risk":{}}'
        checks:
          - {name: consent-created, status: 201}
          - {name: consent-accepted, json: \$.Data.Status, equals: AwaitingAuthorisation}
        capture:
          consent_id: {json: \$.Data.ConsentId}
      - name: submit
        method: POST
        path: /open-banking/v3.1/pisp/domestic-payments
        headers: {Content-Type: application/json}
        body: '{"Data":{"ConsentId":"\${consent_id}","Initiation":{}},"Risk":{}}'
        checks:
          - {name: payment-created, status: 201}
        capture:
          payment_id: {json: \$.Data.DomesticPaymentId}
      - name: status
        path: /open-banking/v3.1/pisp/domestic-payments/\${payment_id}
        checks:
          - {name: settled, json: \$.Data.Status, equals: AcceptedSettlementCompleted}
load: $4
YAML
}

# sum FIELD: the journey counter FIELD over both nodes
sum() { echo $(($(sim_stats "$SA" | jq ".journey.$1") + $(sim_stats "$SB" | jq ".journey.$1"))); }

log "the payment journey on two nodes, 1 % of consents refused"
sim_start "$A" "${JOURNEY[@]}" --journey-refuse 1% --fault-spacing even
SA=$SIM_HTTP
sim_start "$B" "${JOURNEY[@]}" --journey-refuse 1% --fault-spacing even
SB=$SIM_HTTP
journey pay "[\"$SA\", \"$SB\"]" stop \
    "{workers: 2, phases: [{name: steady, duration: 4s, rate: 150/s}]}"
# (the node check sends one consent to each node: counted by the nodes,
# not by the run)
run pay
run_ok pay
started=$(jr pay '.flows[0].totals.started')
assert_eq "flows started" 600 "$started"
refused=$(sum consents_refused)
assert_eq "consents the nodes refused (1 % of 600, evenly)" 6 "$refused"
assert_eq "payments with a consent id the nodes never issued" 0 "$(sum payments_unknown_consent)"
assert_eq "payments on rejected consents (those flows stopped)" 0 \
    "$(sum payments_rejected_consent)"
assert_eq "flows failed" "$refused" "$(jr pay '.flows[0].totals.failed')"
assert_eq "... at the consent step" "$refused" \
    "$(jr pay '.flows[0].totals.failed_by_step["payment.consent"]')"
assert_eq "... by the check consent-accepted" "$refused" \
    "$(jr pay '.flows[0].totals.failed_by_check["consent-accepted"]')"
completed=$(jr pay '.flows[0].totals.completed')
assert_eq "flows completed" $((started - refused)) "$completed"
assert_eq "payments the nodes made" "$completed" "$(sum payments_created)"
assert_eq "status polls" "$completed" "$(sum polls)"
assert_eq "check consent-created passed" "$started" \
    "$(jr pay '.checks[] | select(.name == "consent-created") | .passed')"
assert_eq "check consent-accepted failed" "$refused" \
    "$(jr pay '.checks[] | select(.name == "consent-accepted") | .failed')"
assert_contains "a failing answer's example" '"Status":"Rejected"' \
    "$(jr pay '.checks[] | select(.name == "consent-accepted") | .example')"
assert_eq "check settled passed" "$completed" \
    "$(jr pay '.checks[] | select(.name == "settled") | .passed')"
assert_eq "the submit step, as a request" "$completed" \
    "$(jr pay '.totals.by_request["payment.submit"].count')"
assert_eq "flow durations recorded" "$completed" "$(jr pay '.flows[0].totals.duration.count')"
assert_contains "the summary's flows" "failed by check consent-accepted: $refused" \
    "$(cat "$T_TMP/pay.log")"
assert_ge "flow durations in run.hlog" 1 "$(grep -c '^Tag=flow/steady/payment/all,' "$T_TMP/pay/run.hlog")"

log "on_fail: continue sends the payment on a rejected consent"
journey cont "[\"$SA\"]" continue "{workers: 1, phases: [{duration: 2s, rate: 100/s}]}"
sim_reset "$SA"
sim_reset "$SB"
run cont
run_ok cont
refused=$(sim_stats "$SA" | jq .journey.consents_refused)
assert_eq "consents refused" 2 "$refused"
assert_eq "payments on rejected consents" "$refused" \
    "$(sim_stats "$SA" | jq .journey.payments_rejected_consent)"
assert_eq "flows failed (counted once, at their first failure)" "$refused" \
    "$(jr cont '.flows[0].totals.failed')"
assert_eq "... at the consent step" "$refused" \
    "$(jr cont '.flows[0].totals.failed_by_step["payment.consent"]')"
assert_eq "flows ended" 200 \
    "$(jr cont '.flows[0].totals.completed + .flows[0].totals.failed')"

log "the same journey through libcurl (generator.transport: curl)"
journey viacurl "[\"$SA\"]" stop "{workers: 1, phases: [{duration: 1s, rate: 100/s}]}"
sim_reset "$SA"
run viacurl --set generator.transport=curl
run_ok viacurl
assert_eq "flows started" 100 "$(jr viacurl '.flows[0].totals.started')"
assert_eq "payments with an unknown consent id" 0 \
    "$(sim_stats "$SA" | jq .journey.payments_unknown_consent)"
assert_eq "payments made = flows completed" "$(jr viacurl '.flows[0].totals.completed')" \
    "$(sim_stats "$SA" | jq .journey.payments_created)"
assert_eq "check consent-accepted failed = consents refused" \
    "$(sim_stats "$SA" | jq .journey.consents_refused)" \
    "$(jr viacurl '.checks[] | select(.name == "consent-accepted") | .failed')"

log "closed model: users loop their flow, pacing bounds the iterations"
journey loop "[\"$SA\"]" stop \
    "{model: closed, workers: 1, phases: [{duration: 2s, users: 3}]}"
sed -i 's/    on_fail: stop/    on_fail: stop\n    pacing: 250ms/' "$T_TMP/loop.yaml"
sim_reset "$SA"
run loop
run_ok loop
done_flows=$(jr loop '.flows[0].totals.completed + .flows[0].totals.failed')
# 3 users, one iteration per 250 ms at most, for 2 s: at most 8 each
assert_le "iterations (pacing: 3 users × 8)" 24 "$done_flows"
assert_ge "iterations" 3 "$done_flows"
assert_eq "every flow's consent (and the node check's) reached the node" \
    "$(($(jr loop '.flows[0].totals.started') + 1))" "$(sim_stats "$SA" | jq .journey.consents_created)"
sim_stop "$(cat "$T_TMP"/sim-$B-*.pid)"

log "coordinated omission, flow level: stall 500ms every 2s, 200 flows/s"
sim_stop "$(cat "$T_TMP"/sim-$A-*.pid)"
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
