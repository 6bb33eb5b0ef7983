#!/bin/bash
# The lines `gatecap run` prints while it runs (stderr, one per interval
# when stderr is not a terminal), and its header line, against the gateway
# simulator:
#
#  - the header names targets, not nodes: a target with node_header (a
#    load balancer) stands for the nodes that answer through it, which are
#    known only once they answer;
#  - warm-up intervals (record: false) say "warm-up (not recorded)", not
#    a latency of 0.00 ms and an achieved rate of 0/s;
#  - the drain is labelled "drain" and offers nothing;
#  - errors are shown as a count and as a share of the interval's answers;
#  - a closed model shows its users, not an offered rate;
#  - phase names are never cut ("staircase-of-ten-1", not "staircase-");
#  - with node_header, the nodes that answered in the interval;
#  - an interval shorter than a second shows the time to a tenth.
#
# Addresses 127.0.21.x; about 6 s of load.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"

NET=127.0.21
# every second answer a 503 (even spacing: exact shares)
sim_start $NET.1 --name gw-a --error-rate 0.5 --fault-spacing even
SIM=$SIM_HTTP
sim_start $NET.2 --name gw-b --service-time fixed:1ms
SIM_B=$SIM_HTTP

cat > "$T_TMP/open.yaml" << YAML
name: progress
targets: [{url: "$SIM", name: lb}]
node_header: X-Gateway-Node
requests: [{name: echo, path: /echo/1.0.0}]
interval: 500ms
generator: {late_threshold: 50ms}
load:
  workers: 1
  phases:
    - {name: warm, duration: 1s, rate: 100/s, record: false}
    - {name: staircase-of-ten, steps: {from: 100/s, to: 200/s, step: 100/s, duration: 1s}}
YAML
rc=0
"$GATECAP" run "$T_TMP/open.yaml" -o "$T_TMP/open" > "$T_TMP/open.out" 2> "$T_TMP/open.err" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "open run: exit code $rc: $(tail -3 "$T_TMP/open.err")"
log "open model, progress:"
sed 's/^/    /' "$T_TMP/open.err" >&2

grep -qE '^\[ +1\.5s/3s\] ' "$T_TMP/open.err" || fail "500 ms intervals: no line at 1.5 s"
head=$(head -1 "$T_TMP/open.err")
assert_contains "header: targets" "gatecap: progress — 1 target(s)" "$head"
assert_contains "header: nodes named by the header" "nodes named by X-Gateway-Node" "$head"
case "$head" in *"node(s)"*) fail "the header counts nodes before any answered: $head" ;; esac

lines() { grep -E "^\[ *[0-9.]+s/[0-9]+s\] $1 " "$T_TMP/open.err" || true; }
warm=$(lines warm)
[ -n "$warm" ] || fail "no progress line of the warm-up"
assert_eq "every warm-up line says it is not recorded" "$(echo "$warm" | wc -l)" \
    "$(echo "$warm" | grep -c 'warm-up (not recorded)')"
echo "$warm" | grep -q 'p50\|achieved' && fail "a warm-up line shows latency or achieved: $warm"

for step in staircase-of-ten-1 staircase-of-ten-2; do
    sl=$(lines $step)
    [ -n "$sl" ] || fail "no progress line names $step in full"
    echo "$sl" | grep -q 'offered .* achieved .* p50 .* p99 ' || fail "$step: $sl"
    # errors as a count and a share of the answers: every second one is a 503
    while read -r l; do
        [[ $l =~ err\ ([0-9]+)\ \(([0-9.]+)%\) ]] || fail "$step: no 'err N (P%)' in: $l"
        awk -v p="${BASH_REMATCH[2]}" 'BEGIN { exit !(p >= 40 && p <= 60) }' ||
            fail "$step: error share ${BASH_REMATCH[2]}% of 50% in: $l"
    done <<< "$sl"
    echo "$sl" | grep -q ' nodes 1' || fail "$step: nodes that answered not shown: $sl"
done
drain=$(lines drain)
if [ -n "$drain" ]; then
    echo "$drain" | grep -q 'offered' && fail "the drain offers nothing: $drain"
fi
# the sum of the intervals' error counts is the run's (warm-up not recorded)
sum=$(grep -oE 'err [0-9]+' "$T_TMP/open.err" | awk '{s += $2} END {print s + 0}')
assert_eq "error counts add up to results.json's" \
    "$(jq -r .totals.all.errors "$T_TMP/open/results.json")" "$sum"
# the summary's per node table lists the node that answered, not the target
assert_contains "summary: per node" "gw-a" "$(sed -n '/^per node/,/^$/p' "$T_TMP/open.out")"
sed -n '/^per node/,/^$/p' "$T_TMP/open.out" | grep -q '^  lb ' &&
    fail "the load balancer target is listed as a node that answered"

cat > "$T_TMP/closed.yaml" << YAML
name: progress-closed
targets: [{url: "$SIM_B", name: gw-b}]
requests: [{name: echo, path: /echo/1.0.0}]
interval: 500ms
load:
  model: closed
  workers: 1
  phases:
    - {name: warm, duration: 1s, users: 2, record: false}
    - {name: users-staircase, steps: {from: 1, to: 3, step: 2, duration: 1s}}
YAML
rc=0
"$GATECAP" run "$T_TMP/closed.yaml" -o "$T_TMP/closed" > /dev/null 2> "$T_TMP/closed.err" || rc=$?
[ "$rc" = 0 ] || fail "closed run: exit code $rc: $(tail -3 "$T_TMP/closed.err")"
log "closed model, progress:"
sed 's/^/    /' "$T_TMP/closed.err" >&2
assert_contains "closed header: targets" "1 target(s)" "$(head -1 "$T_TMP/closed.err")"
grep -E '^\[' "$T_TMP/closed.err" | grep -q offered && fail "a closed-model line shows an offered rate"
assert_contains "closed: users of step 1" "users-staircase-1 users 1 " \
    "$(grep -E '^\[' "$T_TMP/closed.err" | tr -s ' ')"
assert_contains "closed: users of step 2" "users-staircase-2 users 3 " \
    "$(grep -E '^\[' "$T_TMP/closed.err" | tr -s ' ')"
assert_contains "closed: warm-up" "warm users 2 warm-up (not recorded)" \
    "$(grep -E '^\[' "$T_TMP/closed.err" | tr -s ' ')"
grep -E '^\[.*users-staircase-2' "$T_TMP/closed.err" | grep -q 'achieved ' ||
    fail "closed: achieved not shown"
log ok
