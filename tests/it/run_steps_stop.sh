#!/bin/bash
# A staircase with `warmup:` and `stop:` against a simulated node of known
# capacity (4 workers × 10 ms = 400 req/s): steps below capacity pass their
# SLO, the steps above fail it, and after two consecutive failing steps the
# run stops by itself instead of hammering the node with the rest. The run
# exits 0 (finding the knee is what it is for), says why it stopped, keeps
# warm-ups out of the records, and `gatecap plan` still places the knee at
# the truth, naming the steps that were never measured.
# test: alone (steps judged against a planted capacity)
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

A=127.0.8.1
sim_start "$A" --http-port 8280 --workers 4 --service-time fixed:10ms
cat > "$T_TMP/stairs.yaml" << YAML
name: stairs
targets: ["http://$A:8280"]
requests: [{name: echo, path: /echo/1.0.0}]
interval: 500ms
# (a busy machine delays gatecap's own sends by tens of milliseconds: not
# what this test measures, so only lateness past 50 ms counts)
generator: {late_threshold: 50ms}
load:
  workers: 1
  phases:
    - name: steps
      steps:
        from: 340/s
        to: 520/s
        step: 20/s
        duration: 2s
        warmup: 500ms
        stop: {slo: ["p99 < 250ms", "achieved >= 99%"], after: 2}
YAML
run stairs
run_ok stairs
[ "$(jr stairs .run.status)" = stopped ] || fail "status $(jr stairs .run.status), expected stopped"
reason=$(jr stairs .run.stop_reason)
log "  stop_reason: $reason"
# Steps 20/s apart around the capacity (see plan_known_capacity.sh for why): 340, 360
# and 380/s meet the SLO, 420/s and above do not, 400/s (exactly the
# capacity) may go either way; so the stop comes after step 5 or 6.
echo "$reason" | grep -Eq "steps 'steps': 2 consecutive step\(s\) failed the SLO, the last steps-[56]: " ||
    fail "stop_reason: $reason"
# The whole staircase offers 2.5 s × (340 + ... + 520)/s = 10,750
# arrivals; stopping 0.5 s after step 6 leaves at most ~6,100.
[ "$(jr stairs .generator.scheduled)" -lt 7000 ] ||
    fail "$(jr stairs .generator.scheduled) arrivals scheduled: the run did not stop after step 5 or 6"
# Below capacity the steps meet the SLO; above it latency grows. (The
# achieved share decides the steps: the latency SLO leaves room for a busy
# machine delaying gatecap's own sends by tens of milliseconds, which
# counts in latency. A queue that grows cannot read shorter on any machine:
# at 420/s for 2.5 s, ~50 requests wait, ~125 ms.)
for k in 1 2 3; do
    [ "$(jr stairs ".totals.by_phase[\"steps-$k\"].latency_ms.p99 < 250")" = true ] ||
        fail "steps-$k (below capacity): p99 $(jr stairs ".totals.by_phase[\"steps-$k\"].latency_ms.p99") ms"
done
[ "$(jr stairs '.totals.by_phase["steps-5"].latency_ms.p99 > 50')" = true ] ||
    fail "steps-5 (above capacity): p99 $(jr stairs '.totals.by_phase["steps-5"].latency_ms.p99') ms"
# Warm-ups ran (their arrivals were scheduled) but are not recorded.
[ "$(jr stairs '.totals.by_phase | keys | map(select(test("warmup"))) | length')" = 0 ] ||
    fail "warm-up phases were recorded"
[ "$(jr stairs '[.scenario.load.phases[] | select(.record == false)] | length')" = 10 ] ||
    fail "expected 10 warm-up phases in the scenario"
[ "$(jr stairs '.totals.by_phase["steps-8"] // empty')" = "" ] || fail "step 8 ran"

"$GATECAP" plan "$T_TMP/stairs/results.json" --slo p99=250ms --json -o "$T_TMP/plan.json" \
    > "$T_TMP/plan.log" 2>&1 || fail "plan: $(cat "$T_TMP/plan.log")"
cap=$(jq -r '.capacity.per_node_rps' "$T_TMP/plan.json")
awk -v c="$cap" 'BEGIN { exit !(c >= 380 && c <= 420) }' || fail "plan: capacity $cap, expected 400 ± 5 %"
log "  plan: $cap req/s per node (truth 400)"
jq -r '.assumptions[]' "$T_TMP/plan.json" | grep -q "phase steps-8 not measured: the run stopped early" ||
    fail "plan does not say step 8 was not measured"
log "ok"
