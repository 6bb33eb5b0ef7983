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
#     flow, pacing bounds their iterations; flows in a workload beside a
#     workload of plain requests.
# Flow durations under a planted stall against the analytic truth:
# run_flow_truth.sh.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
. "$GATECAP_TOP/tests/lib/journey.sh"

A=127.0.3.1
B=127.0.3.2

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

log "flows in a workload, beside a workload of plain requests"
cat > "$T_TMP/wl.yaml" << YAML
name: wl
targets: ["$SA"]
workloads:
  - name: api
    load: {phases: [{name: a, duration: 2s, rate: 50/s}]}
    requests: [{name: echo, path: /echo/1.0.0}]
  - name: pay
YAML
journey wlpay "[\"$SA\"]" stop "{model: closed, phases: [{name: b, duration: 2s, users: 2}]}"
# the journey's flows: and load: become the second workload's
sed -n '/^flows:/,$p' "$T_TMP/wlpay.yaml" | sed 's/^/    /' >> "$T_TMP/wl.yaml"
sed -i 's/^        on_fail: stop/        on_fail: stop\n        pacing: 250ms/' "$T_TMP/wl.yaml"
grep -q '^        pacing: 250ms' "$T_TMP/wl.yaml" || fail "wl.yaml: no pacing: $(cat "$T_TMP/wl.yaml")"
sim_reset "$SA"
run wl
run_ok wl
assert_eq "the api workload's requests" 100 "$(jr wl '.workloads.api.totals.count')"
done_flows=$(jr wl '.flows[0].totals.completed + .flows[0].totals.failed')
assert_le "the pay workload's iterations (2 users, pacing 250 ms, 2 s)" 16 "$done_flows"
assert_ge "the pay workload's iterations" 2 "$done_flows"
assert_eq "payments with an unknown consent id" 0 \
    "$(sim_stats "$SA" | jq .journey.payments_unknown_consent)"
assert_eq "payments made = flows completed" "$(jr wl '.flows[0].totals.completed')" \
    "$(sim_stats "$SA" | jq .journey.payments_created)"
assert_eq "the pay workload's requests are its flow's steps" \
    "$(jr wl '[.totals.by_request["payment.consent"].count, .totals.by_request["payment.submit"].count, .totals.by_request["payment.status"].count] | add')" \
    "$(jr wl '.workloads.pay.totals.count')"
sim_stop "$(cat "$T_TMP"/sim-$B-*.pid)"
sim_stop "$(cat "$T_TMP"/sim-$A-*.pid)"
log "ok"
