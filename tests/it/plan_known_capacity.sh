#!/bin/bash
# gatecap plan against ground truth: simulated gateway nodes whose capacity
# is known (W workers × fixed service time S: W/S requests/s each).
#
#  1. two nodes (W = 4, S = 10 ms: 400/s each, 800/s together) behind
#     haproxy (round robin per request, tools/gateway-cluster on 127.0.4.x),
#     an open-model step run through it, then `gatecap plan`: the per-node
#     capacity at the SLO is within 5 % of W/S, and the node count is what
#     the truth implies for several demands and policies (N+1, N+2, the
#     2-node minimum, --avg-rps × peak factor × growth, Traffic Managers);
#  2. the same results marked generator-limited are refused (exit 2), and a
#     step with late arrivals is kept out of the knee;
#  3. a closed-model user sweep against a node with planted USL contention
#     (α = 0.05, β = 0.002, γ = 1/S = 50/s): the fit recovers them;
#  4. CSV input (USL and steps) and the error cases: exit 2 with a message.
#
# Why the steps are 40/s apart (20/s per node, 5 % of a node's capacity):
# the knee is interpolated between the last good and the first bad step,
# so it always lies between them. Below capacity, arrivals spaced evenly
# and alternated by the balancer meet a node with nothing queued (D/D/4),
# so every step up to 400/s per node is good; at 420/s a node still
# completes at most 400/s, 95.2 % of offered, below the 99 % criterion —
# the achieved share is what fails first above capacity (latency follows a
# step later as the queue grows). So the last good step is ≥ 380 and the
# first bad ≤ 420 per node: within 5 % of 400 by construction. Coarser
# steps (e.g. 100/s per node) interpolate the hinge-shaped shortfall
# (0 below capacity, 1 − C/r above) with a straight line and land up to a
# step below the truth. With random routing instead of a balancer, a node
# at 95 % load queues during bursts and fails early: measured 373/s.
# test: alone (compares gatecap's numbers with a planted truth)
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
require_cmd haproxy

NET=127.0.4
W=4
S_MS=10
CAP=$(awk -v w=$W -v s=$S_MS 'BEGIN { print w * 1000 / s }') # 400 per node
NODES=2

# near NAME VALUE WANT REL: |VALUE − WANT| ≤ REL × WANT
near() {
    awk -v v="$2" -v w="$3" -v r="$4" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= r * w) }' ||
        fail "$1: $2, expected $3 ± $(awk -v w="$3" -v r="$4" 'BEGIN { print r * w }')"
    log "  $1: $2 (expected $3 ± $(awk -v r="$4" 'BEGIN { print r * 100 }') %)"
}

plan() { # plan OUT ARGS...: gatecap plan ARGS --json > $T_TMP/p_OUT.json; sets PRC
    local out=$1
    shift
    PRC=0
    "$GATECAP" plan "$@" --json > "$T_TMP/p_$out.json" 2> "$T_TMP/p_$out.err" || PRC=$?
}
pj() { jq -r "$2" "$T_TMP/p_$1.json"; }
perr() { cat "$T_TMP/p_$1.err"; }

# ---- 1. ground truth through a balancer -----------------------------------
CL="$T_TMP/cluster"
on_exit "'$GATECAP_TOP/tools/gateway-cluster' stop --dir '$CL'"
"$GATECAP_TOP/tools/gateway-cluster" start $NODES --net $NET --dir "$CL" --no-check -- \
    --workers $W --service-time fixed:${S_MS}ms > "$T_TMP/cluster.log" 2>&1 ||
    fail "cluster did not start: $(tail -5 "$T_TMP/cluster.log")"

cat > "$T_TMP/steps.yaml" << YAML
name: plan-truth
targets: [{url: "http://$NET.10:8280", name: lb}]
node_header: X-Gateway-Node
requests: [{name: echo, path: /echo/1.0.0}]
timeouts: {request: 30s}
# On a busy machine gatecap's own sends can start tens of milliseconds late
# (its thread waits for a core); that is the machine, not what this test
# measures (plan against the simulator's truth, decided by the achieved
# share), so only lateness past 50 ms counts here.
generator: {late_threshold: 50ms}
load:
  workers: 1
  phases:
    - {name: warm, duration: 1s, rate: 400/s, record: false}
    - {name: s, steps: {from: 600/s, to: 880/s, step: 40/s, duration: 3s}}
YAML
log "step run: 600..880/s through haproxy to $NODES nodes of ${CAP}/s each"
run_undisturbed steps
[ "$RC" = 0 ] || fail "step run: exit code $RC ($(jr steps .run.status 2> /dev/null)): $(tail -3 "$T_TMP/steps.log")"
R="$T_TMP/steps/results.json"
assert_eq "phases recorded" 8 "$(jq '[.scenario.load.phases[] | select(.record)] | length' "$R")"

plan base "$R" --slo p99=100ms --target-rps 1000
[ "$PRC" = 0 ] || fail "plan: exit code $PRC: $(perr base)"
near "per-node capacity (req/s)" "$(pj base .capacity.per_node_rps)" "$CAP" 0.05
assert_eq "nodes that served" $NODES "$(pj base '.inputs[0].nodes')"
assert_eq "nodes counted from the results" served "$(pj base '.inputs[0].nodes_from')"
assert_eq "the nodes named" "node1,node2" "$(pj base '.inputs[0].node_names | sort | join(",")')"
assert_eq "capacity reached" false "$(pj base .capacity.at_least)"
assert_eq "the knee is an achieved shortfall" true "$(pj base '.capacity.limited_by | index("achieved") != null')"
[ "$(pj base '[.steps[] | select(.valid)] | length')" = 8 ] ||
    fail "not every step valid: $(pj base '[.steps[] | [.name, .invalid_reason]]')"
# the steps below capacity are good, those above it bad
assert_eq "steps at or below 380/s per node are good" good \
    "$(pj base '[.steps[] | select(.valid and .per_node_offered_rps <= 381) | .verdict] | unique | join(",")')"
assert_eq "steps at or above 420/s per node are bad" bad \
    "$(pj base '[.steps[] | select(.valid and .per_node_offered_rps >= 419) | .verdict] | unique | join(",")')"

# The node count the truth implies: n_base = ceil(peak / (CAP × (1 − h))),
# n = max(min, n_base + r). Each peak is (k − ½) × the truth's effective
# per-node rate, so a capacity measured within ±5 % gives the same count
# for k < 10 (k − ½ over 0.95..1.05 stays inside (k − 1, k)).
truth() { # truth PEAK HEADROOM R MIN → nodes
    awk -v p="$1" -v h="$2" -v r="$3" -v m="$4" -v c="$CAP" 'BEGIN {
        e = c * (1 - h); b = p / e; n = int(b); if (n < b) n++; if (n < 1) n = 1
        n += r; if (n < m) n = m; print n }'
}
peak_at() { awk -v k="$1" -v h="$2" -v c="$CAP" 'BEGIN { print (k - 0.5) * c * (1 - h) }'; }
check_count() { # check_count LABEL PEAK HEADROOM R MIN [EXTRA ARGS...]
    local label=$1 peak=$2 h=$3 r=$4 m=$5
    shift 5
    local want
    want=$(truth "$peak" "$h" "$r" "$m")
    plan count "$R" --slo p99=100ms --target-rps "$peak" --headroom "$h" --redundancy "$r" \
        --min-nodes "$m" "$@"
    [ "$PRC" = 0 ] || fail "$label: plan exit code $PRC: $(perr count)"
    assert_eq "$label: nodes for a peak of $peak" "$want" "$(pj count .recommendation.nodes)"
    log "  $label: peak $peak req/s → $want nodes ($(pj count .recommendation.binding) binds)"
}
check_count "N+1, 30 % headroom" "$(peak_at 4 0.3)" 0.3 1 2
assert_eq "N+1: the peak binds" peak "$(pj count .recommendation.binding)"
assert_eq "N+1: nodes − 1 still carry the peak" true "$(pj count .recommendation.loss_ok)"
assert_contains "the sentence" "Recommend 5 gateway nodes: the peak of 980 req/s needs 4 nodes at 70 %" \
    "$(pj count .sentence)"
assert_contains "the sentence names N+1" "plus 1 for N+1." "$(pj count .sentence)"
check_count "2-node minimum" "$(peak_at 1 0.3)" 0.3 0 2
assert_eq "small peak: the minimum binds" min_nodes "$(pj count .recommendation.binding)"
check_count "N+1 reaches the minimum" "$(peak_at 1 0.3)" 0.3 1 2
assert_eq "N+1 on one node's worth: the peak binds" peak "$(pj count .recommendation.binding)"
check_count "one node, no redundancy" "$(peak_at 1 0.3)" 0.3 0 1
check_count "N+2, 20 % headroom" "$(peak_at 6 0.2)" 0.2 2 2
check_count "no headroom" "$(peak_at 3 0)" 0 1 2
check_count "Traffic Managers" "$(peak_at 9 0.3)" 0.3 1 2 --gateways-per-tm 4
assert_eq "TMs for $(pj count .recommendation.nodes) gateways, 4 each" \
    $((($(pj count .recommendation.nodes) + 3) / 4)) "$(pj count .recommendation.traffic_managers)"
# the what-if table: n = 1..max(n + 3, 6), and its first "meets" row is the answer
assert_eq "what-if rows" "$(($(pj count .recommendation.nodes) + 3))" "$(pj count '.what_if | length')"
assert_eq "first row meeting the policy" "$(pj count .recommendation.nodes)" \
    "$(pj count '[.what_if[] | select(.meets_policy)][0].nodes')"

# average × peak factor × growth: 100 × 3 × 1.5 = 450 → ceil(450/280) + 1 = 3
plan avg "$R" --slo p99=100ms --avg-rps 100 --peak-factor 3 --growth 1.5
near "peak from the average" "$(pj avg .demand.peak_rps)" 450 0.0001
assert_eq "nodes for 450 req/s" "$(truth 450 0.3 1 2)" "$(pj avg .recommendation.nodes)"
# --nodes 1: the cluster taken as one node, twice the capacity
plan one "$R" --slo p99=100ms --target-rps 1000 --nodes 1
near "--nodes 1: the cluster as one node" "$(pj one .capacity.per_node_rps)" "$((CAP * NODES))" 0.05
assert_eq "--nodes noted" --nodes "$(pj one '.inputs[0].nodes_from')"
# the text says the same, sentence first
"$GATECAP" plan "$R" --slo p99=100ms --target-rps 1000 -o "$T_TMP/plan.json" > "$T_TMP/plan.txt" ||
    fail "plan (text) failed"
assert_contains "text starts with the recommendation" "Recommend " "$(head -c 10 "$T_TMP/plan.txt")"
for s in "What if" "Sensitivity" "Assumptions" "divided by the 2 nodes that served" "linear"; do
    assert_contains "text has '$s'" "$s" "$(cat "$T_TMP/plan.txt")"
done
assert_eq "-o writes the same plan" "$(pj base .recommendation.nodes)" "$(jq .recommendation.nodes "$T_TMP/plan.json")"

# ---- 2. steps gatecap could have decided ------------------------------------
# A run marked generator-limited is not refused: every step is judged on
# its own (docs/plan.md), and these were all delivered.
jq '.run.status = "generator-limited" | .run.generator_limited = true' "$R" > "$T_TMP/limited.json"
plan limited "$T_TMP/limited.json" --slo p99=100ms --target-rps 1000
assert_eq "generator-limited run: exit code" 0 "$PRC"
assert_eq "generator-limited run: the same knee" "$(pj base .capacity.per_node_rps)" \
    "$(pj limited .capacity.per_node_rps)"
assert_contains "generator-limited run: said" "generator-limited" "$(pj limited '.assumptions | join(" ")')"
# arrivals lost in gatecap during a good step (s-3): the gateway did not
# get the whole load, so that step is invalid and not used
jq '.generator.by_phase["s-3"].queue_drops = 5' "$R" > "$T_TMP/lost.json"
plan lost "$T_TMP/lost.json" --slo p99=100ms --target-rps 1000
[ "$PRC" = 0 ] || fail "plan with a lossy step: exit code $PRC: $(perr lost)"
s3=$(pj lost '.steps[] | select(.name | endswith("/s-3"))')
assert_eq "lossy step marked invalid" invalid "$(jq -r .verdict <<< "$s3")"
assert_contains "lossy step: why" "never reached the gateway" "$(jq -r .invalid_reason <<< "$s3")"
assert_eq "lossy step: the knee does not move" "$(pj base .capacity.per_node_rps)" "$(pj lost .capacity.per_node_rps)"
# late arrivals in a good step cannot make it look good (latency counts
# from the intended start): it stays valid
jq '.generator.by_phase["s-3"].late = (.generator.by_phase["s-3"].scheduled / 10 | floor)' "$R" \
    > "$T_TMP/late.json"
plan late "$T_TMP/late.json" --slo p99=100ms --target-rps 1000
assert_eq "a good step with late arrivals stays valid" good \
    "$(pj late '.steps[] | select(.name | endswith("/s-3")) | .verdict')"

"$GATECAP_TOP/tools/gateway-cluster" stop --dir "$CL" > /dev/null 2>&1

# ---- 3. USL: a closed-model user sweep against planted contention ----------
log "closed-model sweep 1..29 users against α = 0.05, β = 0.002, S = 20 ms"
sim_start $NET.3 --http-port 8280 --service-time fixed:20ms --usl-alpha 0.05 --usl-beta 0.002
cat > "$T_TMP/sweep.yaml" << YAML
name: usl-sweep
targets: ["http://$NET.3:8280"]
requests: [{name: echo, path: /echo/1.0.0}]
load:
  model: closed
  workers: 1
  phases:
    - {name: u, steps: {from: 1, to: 29, step: 4, duration: 2s}}
YAML
run sweep
run_ok sweep
sim_stop
plan usl "$T_TMP/sweep/results.json"
[ "$PRC" = 0 ] || fail "plan on the sweep: exit code $PRC: $(perr usl)"
assert_eq "USL points" 8 "$(pj usl .usl.fit.points)"
# γ is one user's throughput per request in service: 1/S, less what the
# network, gatecap and the machine add to each request (about 0.5 ms here,
# more under the sanitizers or on a busy machine). So the fit must recover
# the single-user throughput this run measured (at its lowest
# concurrency), which the planted 1/S bounds from above; the machine's
# speed moves the measurement, not the check.
gamma_seen=$(pj usl '.points | min_by(.concurrency) | .throughput_rps / .concurrency')
log "  one user measured $gamma_seen/s (planted ceiling 50/s)"
awk -v g="$gamma_seen" 'BEGIN { exit !(g > 25 && g <= 50 * 1.01) }' ||
    fail "one user's throughput $gamma_seen/s: not within (25, 50.5]"
near "USL α (planted 0.05)" "$(pj usl .usl.fit.alpha)" 0.05 0.2
near "USL β (planted 0.002)" "$(pj usl .usl.fit.beta)" 0.002 0.15
near "USL γ (measured $gamma_seen/s)" "$(pj usl .usl.fit.gamma)" "$gamma_seen" 0.05
near "USL N* (planted sqrt(0.95/0.002) = 21.8)" "$(pj usl .usl.fit.peak_concurrency)" 21.79 0.1
assert_eq "no node count from concurrency alone" null "$(pj usl .recommendation)"

# ---- 4. CSV input and errors ------------------------------------------------
cat > "$T_TMP/sgi.csv" << 'CSV'
# SGI Origin 2000 ray tracer (Gunther); concurrency = processors
concurrency,throughput
1,20
4,78
8,130
12,170
16,190
20,200
24,210
28,230
32,260
48,280
64,310
CSV
plan sgi "$T_TMP/sgi.csv"
[ "$PRC" = 0 ] || fail "plan on the SGI CSV: $(perr sgi)"
near "SGI quadratic α" "$(pj sgi .usl.quadratic.alpha)" 0.05002394 0.0001
near "SGI quadratic β" "$(pj sgi .usl.quadratic.beta)" 0.00000471 0.002
"$GATECAP" plan "$T_TMP/sgi.csv" > "$T_TMP/sgi.txt" || fail "plan text on the SGI CSV"
for s in "α =" "β =" "γ =" "R² =" "residual standard error" "quadratic method"; do
    assert_contains "USL text has '$s'" "$s" "$(cat "$T_TMP/sgi.txt")"
done
# rate rows: the same truth as a table (per node, as a CSV from any tool)
printf 'rate,throughput,p99_ms,error_pct\n300,300,12,0\n380,380,15,0\n420,400,250,0\n' > "$T_TMP/steps.csv"
plan csv "$T_TMP/steps.csv" --slo p99=100ms --target-rps 980
[ "$PRC" = 0 ] || fail "plan on a rate CSV: $(perr csv)"
# shortfall 0 at 380, 1 − 400/420 at 420: crosses 1 % at 380 + 40 × 0.01 × 420/20 = 388.4
near "CSV knee" "$(pj csv .capacity.per_node_rps)" 388.4 0.0001
assert_eq "CSV: nodes" "$(truth 980 0.3 1 2)" "$(pj csv .recommendation.nodes)"
# several inputs at once: the run (2 nodes) and the CSV (1 node), compared per node
plan both "$R" "$T_TMP/steps.csv" --slo p99=100ms --target-rps 980
[ "$PRC" = 0 ] || fail "plan on two inputs: $(perr both)"
assert_eq "two inputs: steps" 11 "$(pj both '.steps | length')"
assert_eq "two inputs: sources" "2 1" "$(pj both '[.inputs[].nodes] | join(" ")')"

expect_error() { # expect_error LABEL NEEDLE ARGS...
    local label=$1 needle=$2
    shift 2
    plan err "$@"
    assert_eq "$label: exit code" 2 "$PRC"
    assert_contains "$label: message" "$needle" "$(perr err)"
    assert_eq "$label: nothing on stdout" "" "$(cat "$T_TMP/p_err.json")"
}
expect_error "missing file" "missing.json: cannot read" "$T_TMP/missing.json"
printf '{"format": "gatecap-results",\n "version": 1,\n "run": }\n' > "$T_TMP/broken.json"
expect_error "malformed JSON" "broken.json:3:" "$T_TMP/broken.json"
printf 'rate,throughput\n100,100\n200,2o0\n' > "$T_TMP/typo.csv"
expect_error "malformed CSV" "typo.csv:3: throughput" "$T_TMP/typo.csv"
printf 'rate,throughput\n100,100\n200,NaN\n' > "$T_TMP/nan.csv"
expect_error "NaN" "nan.csv:3:" "$T_TMP/nan.csv"
printf 'concurrency,throughput\n1,10\n2,-19\n4,30\n' > "$T_TMP/neg.csv"
expect_error "negative" "neg.csv:3: throughput" "$T_TMP/neg.csv"
printf 'concurrency,throughput\n1,10\n2,19\n' > "$T_TMP/few.csv"
expect_error "too few points" "at least 3 points" "$T_TMP/few.csv"
printf 'rate,throughput\n100,100\n200\n' > "$T_TMP/short.csv"
expect_error "short row" "short.csv:3: 1 field" "$T_TMP/short.csv"
printf 'rate,throughput,p99_ms\n100,60,10\n200,70,10\n' > "$T_TMP/fail.csv"
expect_error "all steps failing" "every step fails the SLO" "$T_TMP/fail.csv" --target-rps 100
expect_error "unsupported percentile" "p50, p90, p99 and p99.9" "$T_TMP/steps.csv" --slo p95=100ms
expect_error "--avg-rps alone" "--peak-factor" "$T_TMP/steps.csv" --avg-rps 100
expect_error "unwritable -o" "cannot write $T_TMP/no/such/dir/plan.json" "$T_TMP/steps.csv" \
    --target-rps 100 -o "$T_TMP/no/such/dir/plan.json"
log ok
