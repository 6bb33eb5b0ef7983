#!/bin/bash
# Gates (`gates:` in a scenario) against two simulated nodes of known
# behaviour: gw1 answers in 2 ms, gw2 in 30 ms with 20 % 503s (expected by
# the requests, so the check before each run passes). Checks that
# each gate lands on the right side of its threshold for the whole run,
# per node, per request and per phase; that any failing gate makes the run
# exit 1 and a passing set exits 0; that an abort_on_fail gate stops the
# run early, with results still complete on disk; and that a gate typo is
# an input error (exit 2) naming file, line and field.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

A=127.0.7.1
B=127.0.7.2
sim_start "$A" --http-port 8280 --workers 8 --service-time fixed:2ms
sim_start "$B" --http-port 8280 --workers 8 --service-time fixed:30ms --error-rate 0.2 \
    --fault-spacing even

scenario() { # NAME GATES-YAML [DURATION]
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: [{url: "http://$A:8280", name: gw1}, {url: "http://$B:8280", name: gw2}]
requests:
  - {name: fast, path: /echo/1.0.0, expect: [200, 503]}
  - {name: also, path: /echo/1.0.0/also, expect: [200, 503]}
load:
  workers: 1
  phases:
    - {name: warm, duration: 1s, rate: 40/s, record: false}
    - {name: steady, duration: ${3:-3s}, rate: 100/s}
gates:
$2
YAML
}
# verdict NAME GATE [SCOPE-NAME]: the verdict of a gate in results.json
verdict() {
    jr "$1" "[.gates[] | select(.gate == \"$2\" and (.name // \"\") == \"${3:-}\") | .verdict] | join(\",\")"
}
want() { # NAME GATE SCOPE-NAME VERDICT
    local got
    got=$(verdict "$1" "$2" "$3")
    [ "$got" = "$4" ] || fail "$1: gate '$2' ${3:+on $3 }: $got, expected $4 ($(jr "$1" "[.gates[] | select(.gate == \"$2\")]"))"
}

log "mixed gates: per node, per request, whole run; exit 1"
scenario mixed '  - {gate: "p50 < 10ms", node: "*"}
  - {gate: "errors < 1%", node: gw1}
  - {gate: "errors < 1%", node: gw2}
  - {gate: "p50 > 20ms", node: gw2}
  - {gate: "p90 < 1s", request: "*"}
  - p99 < 1s
  - errors > 5%
  - errors < 15%
  - {gate: "throughput >= 80/s", phase: steady}
  - "achieved >= 90%"
  - "requests >= 250"'
run mixed --junit "$T_TMP/mixed.xml"
[ "$RC" = 1 ] || fail "mixed: exit code $RC, expected 1 (a gate fails): $(tail -5 "$T_TMP/mixed.log")"
want mixed "p50 < 10ms" gw1 pass
want mixed "p50 < 10ms" gw2 fail
want mixed "errors < 1%" gw1 pass
want mixed "errors < 1%" gw2 fail
want mixed "p50 > 20ms" gw2 pass
want mixed "p90 < 1s" fast pass
want mixed "p90 < 1s" also pass
want mixed "p99 < 1s" "" pass
# Half the requests go to gw2, a fifth of those fail: 10 % of all.
want mixed "errors > 5%" "" pass
want mixed "errors < 15%" "" pass
want mixed "throughput >= 80/s" steady pass
want mixed "achieved >= 90%" "" pass
want mixed "requests >= 250" "" pass
[ "$(jr mixed .run.gates_failed)" = 2 ] || fail "mixed: gates_failed $(jr mixed .run.gates_failed), expected 2"
grep -q "FAIL    p50 < 10ms (node gw2)" "$T_TMP/mixed.log" || fail "summary lacks the failing node gate"
grep -q "gates: 11 passed, 2 failed" "$T_TMP/mixed.log" || fail "summary lacks the gate count"
# The measured value is the run's own number.
m=$(jr mixed '.gates[] | select(.gate == "errors < 15%") | .measured')
t=$(jr mixed '.totals.all.error_pct')
awk -v m="$m" -v t="$t" 'BEGIN { d = m - t; exit !(d < 1e-9 && d > -1e-9) }' ||
    fail "errors measured $m, results say $t"

log "JUnit: one case per verdict and one for the generator, valid against the schema"
require_cmd xmllint
xmllint --noout --schema "$GATECAP_TOP/tests/data/junit.xsd" "$T_TMP/mixed.xml" 2> "$T_TMP/xsd.log" ||
    fail "mixed.xml does not validate: $(cat "$T_TMP/xsd.log")"
[ "$(xmllint --xpath 'count(//testcase)' "$T_TMP/mixed.xml")" = 14 ] || fail "expected 14 test cases"
[ "$(xmllint --xpath 'string(/testsuites/@failures)' "$T_TMP/mixed.xml")" = 2 ] ||
    fail "expected 2 failures in mixed.xml"
# gw2 answers in 30 ms; the sanitizers or a busy machine add a little.
xmllint --xpath 'string(//testcase[@classname="gates.node.gw2" and @name="p50 < 10ms"]/failure/@message)' \
    "$T_TMP/mixed.xml" | grep -Eq "^measured 3[0-9](\.[0-9]+)?ms, required < 10.0ms$" ||
    fail "the failing node gate's message: $(xmllint --xpath '//testcase[@classname="gates.node.gw2"]' "$T_TMP/mixed.xml")"

log "only passing gates: exit 0"
scenario passing '  - {gate: "p50 < 10ms", node: gw1}
  - p99 < 1s'
run_undisturbed passing
[ "$RC" = 0 ] || fail "passing: exit code $RC"
[ "$(jr passing .run.gates_failed)" = 0 ] || fail "passing: gates_failed is not 0"

log "abort_on_fail: a 20 s run stops after the grace"
scenario abort '  - {gate: "errors < 1%", node: gw2, abort_on_fail: true, grace: 2s}
  - p99 < 1s' 20s
run abort
[ "$RC" = 1 ] || fail "abort: exit code $RC, expected 1"
[ "$(jr abort .run.status)" = stopped ] || fail "abort: status $(jr abort .run.status)"
# The gate is judged at interval ends on the interval grid: the first end
# at or past the 2 s grace is 2 s, however late the machine handled it.
jr abort .run.stop_reason | grep -q "gate 'errors < 1%' on node gw2 failed at 2 s" ||
    fail "abort: stop_reason $(jr abort .run.stop_reason)"
# Stopped early (warm-up 40 + 2,000 arrivals planned); what was sent is
# recorded: the steady second's 100, and any sent while the stop was made.
sched=$(jq -r .generator.scheduled "$T_TMP/abort/results.json")
assert_le "abort: arrivals stopped after about 2 s of the 20" 200 "$sched"
assert_ge "abort: the steady second recorded" 100 "$(jr abort .totals.all.count)"
assert_eq "abort: every arrival after the warm-up recorded" "$((sched - 40))" "$(jr abort .totals.all.count)"
want abort "p99 < 1s" "" pass

log "a gate typo is an input error naming the line"
scenario typo '  - p99 < 250
  - p99 < 1s'
run typo
[ "$RC" = 2 ] || fail "typo: exit code $RC, expected 2"
grep -q "typo.yaml:12:5: gates.0: 'p99 < 250': a time needs a unit" "$T_TMP/typo.log" ||
    fail "typo: message: $(cat "$T_TMP/typo.log")"
log "ok"
