#!/bin/bash
# gatecap search against a simulated node of known capacity (4 workers ×
# 10 ms = 400 req/s): doubling from 100/s brackets the knee, bisection
# narrows it to the precision, and the answer straddles the truth. Every
# probe leaves its results.json; bad input is exit 2 before any probe.
# test: alone (compares gatecap's numbers with a planted truth)
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"

A=127.0.8.2
sim_start "$A" --http-port 8280 --workers 4 --service-time fixed:10ms
cat > "$T_TMP/s.yaml" << YAML
name: search
targets: ["http://$A:8280"]
requests: [{name: echo, path: /echo/1.0.0}]
interval: 500ms
# (a busy machine delays gatecap's own sends by tens of milliseconds: not
# what this test measures, so only lateness past 50 ms counts)
generator: {late_threshold: 50ms}
load:
  workers: 1
  phases: [{name: steady, duration: 1m, rate: 10/s}]
gates: [{gate: "p99 < 1s", phase: steady}]   # names a phase the probes replace
YAML
rc=0
# From 150/s no probe lands exactly on the capacity (where a probe may go
# either way): 150, 300 pass, 600 fails, then 450, 375, 412.5, 393.75, ...
# The achieved share decides each probe (above 400/s at most 400/412.5 =
# 97 % is achieved); the latency SLO is loose enough that a busy machine's
# delays to gatecap itself cannot fail a probe below the capacity.
"$GATECAP" search "$T_TMP/s.yaml" --slo "p99 < 250ms, errors < 0.1%, achieved >= 99%" \
    --from 150/s --max 2000/s --precision 3% --probe 2s --warmup 1s -o "$T_TMP/out" --quiet \
    > "$T_TMP/search.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "search exit code $rc: $(tail -5 "$T_TMP/search.log")"
S=$T_TMP/out/search.json
[ "$(jq -r .status "$S")" = found ] || fail "status $(jq -r .status "$S")"
good=$(jq -r .capacity_rps "$S")
bad=$(jq -r .failing_rps "$S")
log "  sustainable $good/s, failing $bad/s (truth 400/s), $(jq '.probes | length' "$S") probes"
awk -v g="$good" -v b="$bad" 'BEGIN { exit !(g >= 380 && g <= 420 && b > g && b <= 420 && (b - g) <= 0.03 * g) }' ||
    fail "search answer $good..$bad is not 400 ± 5 % within 3 %"
# The probes: 150, 300 pass and 600 fails (the bracket), then halves.
[ "$(jq -c '[.probes[0:3][] | [.rate_rps, .verdict]]' "$S")" = '[[150,"pass"],[300,"pass"],[600,"fail"]]' ] ||
    fail "bracketing probes: $(jq -c '[.probes[] | [.rate_rps, .verdict]]' "$S")"
for f in $(jq -r '.probes[].results' "$S"); do
    [ "$(jq -r .format "$T_TMP/out/$f")" = gatecap-results ] || fail "$f is not a results file"
done
# Probe results carry the probe's own phases, not the scenario's.
[ "$(jq -r '[.scenario.load.phases[].name] | join(",")' "$T_TMP/out/probe-01/results.json")" = warmup,probe ] ||
    fail "probe phases: $(jq -c '[.scenario.load.phases[].name]' "$T_TMP/out/probe-01/results.json")"
grep -q "sustainable: $good/s meets the SLO, $bad/s does not" "$T_TMP/search.log" ||
    fail "summary line missing: $(tail -3 "$T_TMP/search.log")"

log "plan on search's probes: the same verdicts, the same truth"
"$GATECAP" plan "$T_TMP"/out/probe-*/results.json --slo p99=250ms,errors=0.1%,achieved=99% \
    --target-rps 1000 --json > "$T_TMP/plan.json" 2> "$T_TMP/plan.err" || fail "plan: $(cat "$T_TMP/plan.err")"
cap=$(jq -r .capacity.per_node_rps "$T_TMP/plan.json")
awk -v c="$cap" 'BEGIN { exit !(c >= 380 && c <= 420) }' || fail "plan on the probes: $cap, expected 400 ± 5 %"
log "  plan on the probes: $cap req/s per node"
# each probe named by its folder, and judged as search judged it
jq -r '.probes[] | [.step, .verdict] | @tsv' "$S" | sort > "$T_TMP/search.verdicts"
jq -r '.steps[] | [.name, (if .verdict == "good" or .verdict == "ignored" then "pass" else "fail" end)] | @tsv' \
    "$T_TMP/plan.json" | sort > "$T_TMP/plan.verdicts"
cmp -s "$T_TMP/search.verdicts" "$T_TMP/plan.verdicts" ||
    fail "search and plan disagree: $(diff "$T_TMP/search.verdicts" "$T_TMP/plan.verdicts" | tr '\n' ' ')"

log "bad input: exit 2, nothing sent"
expect_input_error() { # WHAT GREP ARGS...
    local what=$1 want=$2 rc=0
    shift 2
    "$GATECAP" search "$@" > "$T_TMP/bad.log" 2>&1 || rc=$?
    [ "$rc" = 2 ] || fail "$what: exit code $rc, expected 2"
    grep -q -- "$want" "$T_TMP/bad.log" || fail "$what: message: $(cat "$T_TMP/bad.log")"
}
expect_input_error "no --slo" "--slo '': missing" "$T_TMP/s.yaml"
expect_input_error "bad expression" "a time needs a unit" "$T_TMP/s.yaml" --slo "p99 < 50"
expect_input_error "bad precision" "--precision" "$T_TMP/s.yaml" --slo "p99 < 50ms" --precision 120%
sed 's/^load:/load:\n  model: closed/; s/rate: 10\/s/users: 2/' "$T_TMP/s.yaml" > "$T_TMP/closed.yaml"
expect_input_error "closed model" "needs load.model: open" "$T_TMP/closed.yaml" --slo "p99 < 50ms" -o "$T_TMP/c"
log "ok"
