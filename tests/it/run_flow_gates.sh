#!/bin/bash
# Gates on flows and checks (docs/gates.md, "Flows and checks") and the
# report's Flows and Checks sections, against gatewaysim's Open Banking
# payment journey with exactly 10 % of consents refused (--journey-refuse
# 10% --fault-spacing even): 90 % of the instances complete, 10 % fail at
# the consent step by check consent-accepted. Each gate sits far on one
# side of its threshold (durations: 60 s or 1 µs; shares: 80 % or 95 %), so
# no verdict depends on the machine's speed. Then: the run exits 1, the
# verdicts are in results.json and the JUnit file, report.md and
# report.html (from `gatecap run` and again from `gatecap report`) hold
# the Flows and Checks sections; `gatecap plan --slo flow.payment.p99=...`
# judges the step on the flow's durations; two shards of one run merged (gatecap
# merge) have the sums of their flows and checks, and the flow gates are
# evaluated on those; and a misspelt flow or check name is an input error
# (exit 2) naming the line and the closest name.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
require_cmd jq

A=127.0.7.31
sim_start "$A" --http-port 8280 --workers 4 --service-time fixed:1ms --journey open-banking \
    --journey-refuse 10% --fault-spacing even

scenario() { # NAME GATES-YAML
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: [{url: "http://$A:8280", name: gw1}]
flows:
  - name: payment
    steps:
      - name: consent
        method: POST
        path: /open-banking/v3.1/pisp/domestic-payment-consents
        json: {Data: {Initiation: {InstructedAmount: {Amount: "10.00", Currency: GBP}}}, Risk: {}}
        checks:
          - {name: consent-created, status: 201}
          - {name: consent-accepted, json: \$.Data.Status, equals: AwaitingAuthorisation}
        capture:
          consent_id: {json: \$.Data.ConsentId}
      - name: submit
        method: POST
        path: /open-banking/v3.1/pisp/domestic-payments
        body: '{"Data":{"ConsentId":"\${consent_id}","Initiation":{}},"Risk":{}}'
        headers: {Content-Type: application/json}
        expect: [201]
        capture:
          payment_id: {json: \$.Data.DomesticPaymentId}
      - name: status
        path: /open-banking/v3.1/pisp/domestic-payments/\${payment_id}
        checks:
          - {name: settled, json: \$.Data.Status, equals: AcceptedSettlementCompleted}
load:
  workers: 1
  phases: [{name: steady, duration: 2s, rate: 50/s}]
gates:
$2
YAML
}
verdict() { # NAME GATE [SCOPE-NAME]
    jr "$1" "[.gates[] | select(.gate == \"$2\" and (.name // \"\") == \"${3:-}\") | .verdict] | join(\",\")"
}
want() { # NAME GATE SCOPE-NAME VERDICT
    local got
    got=$(verdict "$1" "$2" "$3")
    [ "$got" = "$4" ] || fail "$1: gate '$2' ${3:+on $3 }: $got, expected $4 ($(jr "$1" "[.gates[] | select(.gate == \"$2\")]"))"
}

log "flow and check gates on each side of their thresholds; exit 1"
scenario flows '  - flow.payment.p99 < 60s
  - flow.payment.p50 < 1us
  - flow.payment.completed >= 80%
  - flow.payment.completed >= 95%
  - flow.payment.failed > 5%
  - {gate: "flow.payment.started >= 1", phase: steady}
  - checks.consent-accepted >= 80%
  - checks.consent-accepted >= 99.9%
  - checks.settled >= 99%'
run flows --junit "$T_TMP/flows.xml"
[ "$RC" = 1 ] || fail "flows: exit code $RC, expected 1 (gates fail): $(tail -5 "$T_TMP/flows.log")"
want flows "flow.payment.p99 < 60s" "" pass
want flows "flow.payment.p50 < 1us" "" fail
want flows "flow.payment.completed >= 80%" "" pass
want flows "flow.payment.completed >= 95%" "" fail
want flows "flow.payment.failed > 5%" "" pass
want flows "flow.payment.started >= 1" steady pass
want flows "checks.consent-accepted >= 80%" "" pass
want flows "checks.consent-accepted >= 99.9%" "" fail
want flows "checks.settled >= 99%" "" pass
assert_eq "flows: gates_failed" 3 "$(jr flows .run.gates_failed)"
# the measured share is the one results.json's flows section says
m=$(jr flows '.gates[] | select(.gate == "flow.payment.completed >= 80%") | .measured')
t=$(jr flows '.flows[0].totals.completed_pct')
[ "$m" = "$t" ] || fail "flows: completed measured $m, flows[0].totals.completed_pct $t"
assert_eq "flows: failures at the consent step" \
    "$(jr flows '.flows[0].totals.failed')" "$(jr flows '.flows[0].totals.failed_by_step["payment.consent"]')"
grep -q 'flow.payment.p50 &lt; 1us' "$T_TMP/flows.xml" || grep -q 'flow.payment.p50 < 1us' "$T_TMP/flows.xml" ||
    fail "flows: the JUnit file lacks the flow gate: $(head -c 600 "$T_TMP/flows.xml")"

log "the report's Flows and Checks sections (from the run, and from gatecap report)"
check_report() { # DIR
    grep -q '^## Flows' "$1/report.md" || fail "$1/report.md: no Flows section"
    grep -q '^| payment | ' "$1/report.md" || fail "$1/report.md: no payment row: $(grep -A4 '^## Flows' "$1/report.md")"
    grep -q '^## Checks' "$1/report.md" || fail "$1/report.md: no Checks section"
    grep -q '^| consent-accepted | ' "$1/report.md" || fail "$1/report.md: no consent-accepted row"
    grep -q 'id="flows"' "$1/report.html" || fail "$1/report.html: no Flows section"
    grep -q '<td>settled</td>' "$1/report.html" || fail "$1/report.html: no settled row"
}
check_report "$T_TMP/flows"
"$GATECAP" report "$T_TMP/flows/results.json" -o "$T_TMP/again" > "$T_TMP/again.log" 2>&1 ||
    fail "gatecap report: $(cat "$T_TMP/again.log")"
check_report "$T_TMP/again"

log "gatecap plan judges steps on a flow's durations (--slo flow.NAME.pN)"
PRC=0
"$GATECAP" plan "$T_TMP/flows/results.json" --slo flow.payment.p99=60s -o "$T_TMP/plan.json" \
    > "$T_TMP/plan.out" 2>&1 || PRC=$?
[ "$PRC" = 0 ] || fail "plan: exit $PRC: $(cat "$T_TMP/plan.out")"
assert_contains "plan: the SLO names the flow" "flow payment duration p99" "$(cat "$T_TMP/plan.out")"
assert_eq "plan.json: slo.flow" payment "$(jq -r .slo.flow "$T_TMP/plan.json")"
assert_eq "plan: the step's latency is the flow's p99 in its phase" \
    "$(jr flows '.flows[0].by_phase[0].duration.p99')" "$(jq -r '.steps[0].latency_ms' "$T_TMP/plan.json")"
PRC=0
"$GATECAP" plan "$T_TMP/flows/results.json" --slo flow.paymnet.p99=60s > "$T_TMP/plan2.out" 2>&1 || PRC=$?
[ "$PRC" = 2 ] || fail "plan of a misspelt flow: exit $PRC, expected 2"
assert_contains "plan: names the missing flow" "no flow named 'paymnet'" "$(cat "$T_TMP/plan2.out")"

log "gatecap merge sums two shards' flows and checks, and evaluates the flow gates on the sums"
scenario shard '  - flow.payment.p99 < 60s
  - flow.payment.completed >= 80%
  - checks.consent-accepted >= 80%'
RUN=$T_TMP/run-7
at=$(date -u -d '+2 sec' +%FT%T.%3NZ)
pids=()
for i in 0 1; do
    "$GATECAP" run "$T_TMP/shard.yaml" --shard "$i/2" --start-at "$at" --start-grace 30s \
        --run-id test-7 -o "$RUN/shard-$i" --quiet > "$T_TMP/shard-$i.log" 2>&1 &
    pids+=($!)
done
for i in 0 1; do
    wait "${pids[i]}" || fail "shard $i: exit $?: $(tail -3 "$T_TMP/shard-$i.log")"
done
MRC=0
"$GATECAP" merge "$RUN" -o "$T_TMP/merged" > "$T_TMP/merge.out" 2> "$T_TMP/merge.err" || MRC=$?
[ "$MRC" = 0 ] || fail "merge: exit $MRC: $(cat "$T_TMP/merge.err")"
sum() { jq -s "map($1) | add" "$RUN"/shard-*/results.json; }
mj() { jq -r "$1" "$T_TMP/merged/results.json"; }
for f in started completed failed local; do
    assert_eq "merged flow $f = sum of the shards'" "$(sum ".flows[0].totals.$f")" "$(mj ".flows[0].totals.$f")"
done
assert_eq "merged durations: one per completed instance" "$(mj '.flows[0].totals.completed')" \
    "$(mj '.flows[0].totals.duration.count')"
assert_ge "merged: both shards' instances" 2 "$(mj '.flows[0].totals.started')"
for k in 0 1; do
    assert_eq "merged check $k passed" "$(sum ".checks[$k].passed")" "$(mj ".checks[$k].passed")"
    assert_eq "merged check $k failed" "$(sum ".checks[$k].failed")" "$(mj ".checks[$k].failed")"
done
assert_eq "merged gates pass" "pass,pass,pass" "$(mj '[.gates[].verdict] | join(",")')"
m=$(mj '.gates[] | select(.gate == "flow.payment.completed >= 80%") | .measured')
assert_eq "merged completed share measured on the sums" "$(mj '.flows[0].totals.completed_pct')" "$m"
"$GATECAP" report "$T_TMP/merged/results.json" -o "$T_TMP/merged" > /dev/null 2>&1 ||
    fail "gatecap report of the merged run"
check_report "$T_TMP/merged"

log "a misspelt flow or check is an input error naming the line and the closest name"
scenario typo '  - flow.paymnet.p99 < 2s'
run typo
[ "$RC" = 2 ] || fail "typo: exit code $RC, expected 2"
grep -q "typo.yaml:31:5: gates.0: no flow is named 'paymnet' (did you mean 'payment'?)" "$T_TMP/typo.log" ||
    fail "typo: message: $(cat "$T_TMP/typo.log")"
scenario typo2 '  - checks.setled >= 99%'
run typo2
[ "$RC" = 2 ] || fail "typo2: exit code $RC, expected 2"
grep -q "did you mean 'settled'?" "$T_TMP/typo2.log" || fail "typo2: message: $(cat "$T_TMP/typo2.log")"
log "ok"
