#!/bin/bash
# gatecap compare against the gateway simulator, whose service time is
# known: two nodes (127.0.5.1 and .2) with a fixed service time S = 20 ms,
# a light open-model load (100/s, far below capacity), recorded in 0.5 s
# intervals after an unrecorded warm-up.
#
#  a. the baseline against itself passes (exit 0);
#  b. a run with the simulators at 1.2·S fails (exit 1) on latency, with
#     the Mann-Whitney test significant; its JUnit report validates
#     against tests/data/junit.xsd and its counts match its test cases;
#     its Markdown table marks the regression;
#  c. run-to-run noise, built deterministically from the baseline's own
#     interval samples (not from timing luck): the recorded intervals
#     permuted (every total stays exactly as it was) pass; the same with
#     the totals' tail (p99, p99.9) 25 % worse — what one unlucky interval
#     does to a run's tail — passes too: beyond tolerance, but the
#     interval samples show no shift, so the verdict is "within noise";
#  d. a corrupt file, a missing file, another scenario, another load
#     model and a bad --tolerance exit 2 with a message naming the
#     problem; --allow-different-scenario lets a renamed scenario through;
#     a baseline with a negative count exits 2 naming the field, and a run
#     whose latencies are missing everywhere gets no verdict (exit 2), not
#     "no regression".
# test: alone (two runs' latencies compared: a neighbour's load would read as a regression)
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
require_cmd xmllint

A1=127.0.5.1
A2=127.0.5.2
XSD=$GATECAP_TOP/tests/data/junit.xsd

sim_start "$A1" --service-time fixed:20ms --name gw1
S1=$SIM_HTTP
sim_start "$A2" --service-time fixed:20ms --name gw2
S2=$SIM_HTTP

cat > "$T_TMP/base.yaml" << YAML
name: compare-sim
targets: ["$S1", "$S2"]
node_header: X-Gateway-Node
requests:
  - {name: get, path: /echo/1.0.0, weight: 3}
  - {name: post, method: POST, path: /echo/1.0.0/orders, body: '{"n": 1}', weight: 1}
interval: 500ms
load:
  workers: 1
  phases:
    - {name: warmup, duration: 1s, rate: 100/s, record: false}
    - {name: steady, duration: 6s, rate: 100/s}
YAML

# cmp NAME BASE CUR [ARGS...]: gatecap compare; output in $T_TMP/NAME.out
# and .err; sets CRC (its exit code)
cmp() {
    local name=$1 base=$2 cur=$3
    shift 3
    CRC=0
    "$GATECAP" compare "$base" "$cur" "$@" > "$T_TMP/$name.out" 2> "$T_TMP/$name.err" || CRC=$?
}
out() { cat "$T_TMP/$1.out"; }
err() { cat "$T_TMP/$1.err"; }

log "baseline: S = 20 ms on two nodes, 100/s"
run base
run_ok base
B=$T_TMP/base/results.json
whole=$(jr base '[.intervals[] | select(.phase == "steady" and .length_s >= 0.45 and .scheduled > 0)] | length')
assert_ge "whole recorded intervals in the baseline" 10 "$whole"

log "a. the baseline against itself"
cmp same "$B" "$B" --junit "$T_TMP/same.xml"
assert_eq "exit code, identical runs ($(tail -1 "$T_TMP/same.out"))" 0 "$CRC"
assert_contains "verdict line" "OK: no regression" "$(tail -1 "$T_TMP/same.out")"
xmllint --noout --schema "$XSD" "$T_TMP/same.xml" 2> "$T_TMP/xmllint.log" ||
    fail "JUnit report of identical runs does not validate: $(cat "$T_TMP/xmllint.log")"
assert_eq "no failures in the JUnit report" 0 \
    "$(xmllint --xpath 'string(/testsuites/testsuite/@failures)' "$T_TMP/same.xml")"

log "b. the simulators at 1.2·S = 24 ms"
sim_config "$S1" service_time=fixed:24ms
sim_config "$S2" service_time=fixed:24ms
cp "$T_TMP/base.yaml" "$T_TMP/slow.yaml"
run slow
run_ok slow
cmp slow "$B" "$T_TMP/slow/results.json" --junit "$T_TMP/slow.xml" --markdown "$T_TMP/slow.md"
assert_eq "exit code, 20 % longer service time ($(tail -1 "$T_TMP/slow.out"))" 1 "$CRC"
p50_row=$(grep -E '^p50 +all ' "$T_TMP/slow.out") || fail "no p50 row: $(out slow)"
assert_contains "p50 of the whole run" "REGRESSION" "$p50_row"
log "  $p50_row"
# The test, not only the tolerance: a p-value below alpha on the run's row.
p=$(awk '{ print $(NF-1) }' <<< "$p50_row")
case "$p" in "<0.0001") ;; *) awk -v p="$p" 'BEGIN { exit !(p < 0.01) }' || fail "p50 p-value $p" ;; esac
grep -qE '^p50 +node gw1 .*REGRESSION' "$T_TMP/slow.out" || fail "no p50 regression on node gw1: $(out slow)"
grep -qE '^throughput +all .* ok$' "$T_TMP/slow.out" || fail "throughput should be ok: $(out slow)"
assert_contains "verdict line" "REGRESSION:" "$(tail -1 "$T_TMP/slow.out")"
cmp slow_all "$B" "$T_TMP/slow/results.json" --scopes all
assert_eq "exit code, whole run only" 1 "$CRC"
assert_eq "rows of the whole run only" 8 "$(grep -cE '^[a-z0-9_.]+ +all ' "$T_TMP/slow_all.out")"
assert_eq "no node or request rows" 0 "$(grep -cE '^[a-z0-9_.]+ +(node|request) ' "$T_TMP/slow_all.out")"

log "e. the JUnit report: schema, counts, the failing case"
X=$T_TMP/slow.xml
xmllint --noout --schema "$XSD" "$X" 2> "$T_TMP/xmllint.log" ||
    fail "JUnit report does not validate: $(cat "$T_TMP/xmllint.log")"
x() { xmllint --xpath "$1" "$X"; }
assert_eq "testsuite tests = test cases" "$(x 'count(//testcase)')" "$(x 'string(/testsuites/testsuite/@tests)')"
assert_eq "testsuite failures = failed cases" "$(x 'count(//testcase[failure])')" \
    "$(x 'string(/testsuites/testsuite/@failures)')"
assert_eq "testsuites tests = testsuite tests" "$(x 'string(/testsuites/@tests)')" \
    "$(x 'string(/testsuites/testsuite/@tests)')"
assert_eq "a test case per row of the table" \
    "$(grep -cE '^(p50|p90|p99|p99\.9|service_p99|throughput|errors|throttled) ' "$T_TMP/slow.out")" \
    "$(x 'count(//testcase)')"
assert_eq "p50 of the whole run failed" 1 "$(x "count(//testcase[@classname='compare.all' and @name='p50']/failure)")"
assert_contains "failure message" "p50 all" "$(x "string(//testcase[@classname='compare.all' and @name='p50']/failure/@message)")"
assert_eq "throughput passed" 0 "$(x "count(//testcase[@classname='compare.all' and @name='throughput']/failure)")"
grep -q '^| metric | scope | baseline | current | change | tolerance | p-value | verdict |$' "$T_TMP/slow.md" ||
    fail "Markdown table header missing: $(head -20 "$T_TMP/slow.md")"
grep -qE '^\| p50 \| all \| .*\*\*REGRESSION\*\* \|$' "$T_TMP/slow.md" || fail "Markdown: no p50 regression row"

log "c. noise from the baseline's own intervals"
# The recorded intervals in another (fixed) order: reversed, then rotated
# by 3; start_s keeps its place so time still runs forward. Every total
# (counts, percentiles, rates) is exactly the baseline's.
jq '(.scenario.load.phases | map(select(.record != false) | .name)) as $rec
    | (.intervals | map(select(.phase as $p | $rec | index($p)))) as $r
    | ($r | length) as $n
    | ($r | map(.start_s)) as $starts
    | [range($n) | $r[($n - 1 - . + 3) % $n]] as $perm
    | .intervals = (.intervals | map(select(.phase as $p | $rec | index($p) | not)))
        + [range($n) | $perm[.] + {start_s: $starts[.]}]' "$B" > "$T_TMP/perm.json"
assert_eq "permuted intervals: same count" "$(jq '.intervals | length' "$B")" "$(jq '.intervals | length' "$T_TMP/perm.json")"
assert_ne "permuted intervals: another order" "$(jq -c '[.intervals[].all.p50_ms]' "$B")" \
    "$(jq -c '[.intervals[].all.p50_ms]' "$T_TMP/perm.json")"
assert_eq "permuted intervals: the same samples" "$(jq -c '[.intervals[].all.p50_ms] | sort' "$B")" \
    "$(jq -c '[.intervals[].all.p50_ms] | sort' "$T_TMP/perm.json")"
cmp perm "$B" "$T_TMP/perm.json"
assert_eq "exit code, permuted intervals ($(tail -1 "$T_TMP/perm.out"))" 0 "$CRC"

jq '.totals.all.latency_ms["p99"] *= 1.25 | .totals.all.latency_ms["p99.9"] *= 1.25' \
    "$T_TMP/perm.json" > "$T_TMP/tail.json"
cmp tail "$B" "$T_TMP/tail.json"
assert_eq "exit code, tail 25 % worse, same interval samples ($(tail -1 "$T_TMP/tail.out"))" 0 "$CRC"
grep -qE '^p99 +all .*\+25\.0 %.*within noise' "$T_TMP/tail.out" || fail "p99 should be within noise: $(out tail)"
assert_contains "verdict line" "within run-to-run noise" "$(tail -1 "$T_TMP/tail.out")"
log "  $(grep -E '^p99 +all ' "$T_TMP/tail.out")"

log "d. input errors exit 2"
head -c 3000 "$B" > "$T_TMP/cut.json"
cmp cut "$B" "$T_TMP/cut.json"
assert_eq "exit code, truncated file" 2 "$CRC"
assert_contains "truncated file: named, with line:column" "$T_TMP/cut.json:" "$(err cut)"
assert_contains "truncated file: what is wrong" "not valid JSON" "$(err cut)"

cmp missing "$T_TMP/nothing-here.json" "$B"
assert_eq "exit code, missing baseline" 2 "$CRC"
assert_contains "missing baseline named" "baseline $T_TMP/nothing-here.json: cannot read" "$(err missing)"

jq '.scenario.name = "another"' "$B" > "$T_TMP/other.json"
cmp other "$B" "$T_TMP/other.json"
assert_eq "exit code, another scenario" 2 "$CRC"
assert_contains "another scenario" "ran 'another'" "$(err other)"
cmp other_ok "$B" "$T_TMP/other.json" --allow-different-scenario
assert_eq "exit code, another scenario allowed" 0 "$CRC"
assert_contains "the override is noted" "different scenarios compared on purpose" "$(out other_ok)"

jq '.run.model = "closed"' "$B" > "$T_TMP/closed.json"
cmp closed "$B" "$T_TMP/closed.json"
assert_eq "exit code, another load model" 2 "$CRC"
assert_contains "another load model" "different load models" "$(err closed)"

echo '{"format": "something-else"}' > "$T_TMP/foreign.json"
cmp foreign "$B" "$T_TMP/foreign.json"
assert_eq "exit code, not a results.json" 2 "$CRC"
assert_contains "not a results.json" "not a gatecap results.json" "$(err foreign)"

jq '.totals.all.count = -5' "$B" > "$T_TMP/negative.json"
cmp negative "$T_TMP/negative.json" "$B"
assert_eq "exit code, a negative count in the baseline" 2 "$CRC"
assert_contains "negative count named" "totals.all.count is -5: a count cannot be negative" "$(err negative)"
jq '(.totals.all, .totals.by_request[], .totals.by_node[]) |= (.latency_ms.count = 0 | .service_ms.count = 0)' \
    "$B" > "$T_TMP/nolatency.json"
cmp nolatency "$B" "$T_TMP/nolatency.json" --junit "$T_TMP/nolatency.xml"
assert_eq "exit code, no latency data in the current run" 2 "$CRC"
assert_contains "no verdict, said on stderr" "no verdict" "$(err nolatency)"
assert_contains "no verdict, in the verdict line" "NO VERDICT:" "$(tail -1 "$T_TMP/nolatency.out")"
xmllint --noout --schema "$XSD" "$T_TMP/nolatency.xml" 2> "$T_TMP/xmllint.log" ||
    fail "JUnit report without a verdict does not validate: $(cat "$T_TMP/xmllint.log")"
assert_eq "the JUnit report fails without a verdict" 1 \
    "$(xmllint --xpath 'count(//testcase[@name="verdict"]/failure)' "$T_TMP/nolatency.xml")"

cmp tol "$B" "$B" --tolerance p95=10%
assert_eq "exit code, unknown metric" 2 "$CRC"
assert_contains "unknown metric named" "unknown metric 'p95'" "$(err tol)"
cmp tol2 "$B" "$B" --tolerance errors=1%
assert_eq "exit code, rate tolerance in %" 2 "$CRC"
assert_contains "rate tolerance explained" "percentage points" "$(err tol2)"
CRC=0
"$GATECAP" compare "$B" > "$T_TMP/args.out" 2> "$T_TMP/args.err" || CRC=$?
assert_eq "exit code, one file" 2 "$CRC"
assert_contains "one file: what is missing" "give two results.json files" "$(err args)"
log ok
