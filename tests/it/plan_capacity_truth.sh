#!/bin/bash
# The capacity workflow tells the truth on the shipped example, against
# simulated nodes of known capacity (8 workers × 20 ms = 400 req/s each):
#
#  1. scenarios/step-load.yaml as shipped (Poisson arrivals, TLS, its
#     stop rule), its rates and durations shortened with --set: `gatecap
#     plan` gives the rate at which the node holds the SLO under Poisson
#     arrivals (390/s, below) within one step of the staircase; with
#     evenly spaced arrivals, 400 ± 5 %; a dip planted in one interval of
#     a low step (the machine paused: completions late, latency high)
#     changes nothing;
#  2. three nodes addressed directly (no balancer): gatecap sends to them
#     in turn, so the cluster sustains 95 % of its 1,200/s and plan gives
#     1,200 ± 3 %;
#  3. a staircase that overloads its last steps eight times over still
#     yields the plan from its clean steps: the overload steps are judged
#     (bad, with the reason), not voided; requests abandoned or timed out
#     there count in their step; the drain after the last step is labelled
#     as such.
# (search against the same truth, and plan on search's probes agreeing
# with it: tests/it/search_known_capacity.sh)
# test: alone (compares gatecap's numbers with a planted truth)
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

near() { # NAME VALUE WANT REL
    awk -v v="$2" -v w="$3" -v r="$4" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= r * w) }' ||
        fail "$1: $2, expected $3 ± $(awk -v w="$3" -v r="$4" 'BEGIN { print r * w }')"
    log "  $1: $2 (expected $3 ± $(awk -v r="$4" 'BEGIN { print r * 100 }') %)"
}
near_abs() { # NAME VALUE WANT TOLERANCE (same unit as VALUE)
    awk -v v="$2" -v w="$3" -v t="$4" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= t) }' ||
        fail "$1: $2, expected $3 ± $4"
    log "  $1: $2 (expected $3 ± $4)"
}
plan() { # plan OUT ARGS...: gatecap plan --json > $T_TMP/OUT.plan.json; sets PRC
    local out=$1
    shift
    PRC=0
    "$GATECAP" plan "$@" --json > "$T_TMP/$out.plan.json" 2> "$T_TMP/$out.plan.err" || PRC=$?
    [ "$PRC" = 0 ] || fail "plan $out: exit code $PRC: $(cat "$T_TMP/$out.plan.err")"
}
pj() { jq -r "$2" "$T_TMP/$1.plan.json"; }
ran_ok() { # the run exits 0, or 3 when gatecap marked a step it could not deliver
    [ "$RC" = 0 ] || { [ "$RC" = 3 ] && [ "$(jr "$1" .run.status)" = generator-limited ]; } ||
        fail "$1: exit code $RC: $(tail -5 "$T_TMP/$1.log")"
}

# ---- 1. the shipped step-load.yaml --------------------------------------------
sim_certs
export GATECAP_CERTS=$SIM_CERTS
sim_start 127.0.0.1 --http-port 8280 --https-port 8243 --cert "$SIM_CERTS/server.pem" \
    --key "$SIM_CERTS/server.key" --workers 8 --service-time fixed:20ms --name gw1
cp "$GATECAP_TOP/scenarios/step-load.yaml" "$T_TMP/shipped.yaml"
cp "$T_TMP/shipped.yaml" "$T_TMP/even.yaml"
SETS=(--set load.phases.0.duration=2s --set load.phases.0.rate=200/s
    --set load.phases.1.steps.from=300/s --set load.phases.1.steps.to=500/s
    --set load.phases.1.steps.step=25/s --set load.phases.1.steps.duration=3s
    --set load.phases.1.steps.warmup=1s --set load.max_inflight=2000)
log "step-load.yaml with Poisson arrivals, 300..500/s in steps of 25/s"
run shipped "${SETS[@]}"
ran_ok shipped
[ "$(jr shipped .scenario.load.poisson)" = true ] || fail "the shipped scenario lost poisson: true"
plan shipped "$T_TMP/shipped/results.json" --slo p99=250ms --target-rps 2000
# The truth under Poisson arrivals is not 400/s: eight servers of 20 ms fed
# by a Poisson stream (M/D/8) keep p99 <= 250 ms up to 390/s in steady
# state (p99 108 ms at 375/s, 250 ms at 390/s, unbounded at 400/s: an
# event-by-event simulation of 4 million arrivals). A staircase of 25/s
# steps brackets it between 375/s and 400/s; the step at 400/s (rho = 1)
# passes or fails by its 3 s sample path, so the knee, interpolated between
# the last good and the first bad step, lands within one step of 390/s.
near_abs "Poisson: per-node capacity" "$(pj shipped .capacity.per_node_rps)" 390 25
# no step below the truth is taken for the knee: clean up to 350/s (87.5 %
# of the truth); at 375/s (94 %) Poisson bursts on a busy machine may fail
# one step now and then, which plan reads as a dip (unconfirmed), never bad
assert_eq "Poisson: steps up to 350/s all good" good \
    "$(pj shipped '[.steps[] | select(.offered_rps <= 350) | .verdict] | unique | join(",")')"
assert_eq "Poisson: no step below 390/s bad" "" \
    "$(pj shipped '[.steps[] | select(.offered_rps < 390 and (.verdict == "good" or .verdict == "unconfirmed" | not)) | .verdict] | unique | join(",")')"
assert_contains "steps named by their folder" "shipped/steps-1" "$(pj shipped '[.steps[].name] | join(" ")')"

log "the same with evenly spaced arrivals"
run even "${SETS[@]}" --set load.poisson=false
ran_ok even
plan even "$T_TMP/even/results.json" --slo p99=250ms --target-rps 2000
near "even: per-node capacity" "$(pj even .capacity.per_node_rps)" 400 0.05
# Even arrivals (D/D/8) queue nothing up to 400/s, so their knee is the
# node's capacity itself; Poisson's lies below it, as said above.
log "a dip planted in one interval of a low step changes nothing"
# steps-2's last judged interval: 30 % of its completions late (gone into
# the next step), a pause that put the step's p99 at 2 s
jq '(.intervals | map(.phase == "steps-2") | index(true)) as $i
    | .intervals[$i + 2].all.completed |= (. * 0.7 | floor)
    | .intervals[$i + 2].all.p99_ms = 2000
    | .totals.by_phase["steps-2"].latency_ms.p99 = 2000' \
    "$T_TMP/shipped/results.json" > "$T_TMP/dip.json"
plan dip "$T_TMP/dip.json" --slo p99=250ms --target-rps 2000
assert_eq "dip: steps-2 fails, unconfirmed" unconfirmed \
    "$(pj dip '.steps[] | select(.name | endswith("/steps-2")) | .verdict')"
assert_eq "dip: the same capacity" "$(pj shipped .capacity.per_node_rps)" "$(pj dip .capacity.per_node_rps)"
assert_eq "dip: the same node count" "$(pj shipped .recommendation.nodes)" "$(pj dip .recommendation.nodes)"
assert_contains "dip: said" "taken for a dip" "$(pj dip '.assumptions | join(" ")')"
sim_stop

# ---- 2. three nodes addressed directly -----------------------------------------
log "three nodes addressed directly: in turn, 1,200/s between them"
for i in 1 2 3; do
    sim_start 127.0.13.$i --http-port 8280 --workers 8 --service-time fixed:20ms --name node$i
done
cat > "$T_TMP/three.yaml" << YAML
name: three-direct
targets: ["http://127.0.13.1:8280", "http://127.0.13.2:8280", "http://127.0.13.3:8280"]
requests: [{name: echo, path: /echo/1.0.0}]
timeouts: {request: 10s}
generator: {late_threshold: 50ms}
load:
  workers: 2
  max_inflight: 2000
  phases:
    - {name: warm, duration: 2s, rate: 600/s, record: false}
    - {name: s, steps: {from: 1110/s, to: 1290/s, step: 30/s, duration: 3s, warmup: 1s}}
YAML
run three
ran_ok three
assert_eq "three: round robin by default" round_robin "$(jr three .scenario.load.balance)"
plan three "$T_TMP/three/results.json" --slo p99=250ms --target-rps 2000
near "three: per-node capacity" "$(pj three .capacity.per_node_rps)" 400 0.03
assert_eq "three: 95 % of the truth (1,140/s) sustained" good \
    "$(pj three '.steps[] | select(.offered_rps == 1140) | .verdict')"
# each node got a third, exactly as the balancer's turn would give it
n1=$(jr three '.totals.by_node["127.0.13.1:8280"].count')
n3=$(jr three '.totals.by_node["127.0.13.3:8280"].count')
assert_le "three: node shares differ by at most a request per worker" 2 "$(( n1 > n3 ? n1 - n3 : n3 - n1 ))"

# ---- 3. a staircase far past the knee ---------------------------------------------
log "a staircase eight times past the knee keeps its clean steps"
sim_start 127.0.13.4 --http-port 8280 --workers 8 --service-time fixed:20ms --name over
cat > "$T_TMP/over.yaml" << YAML
name: overload
targets: ["http://127.0.13.4:8280"]
requests: [{name: echo, path: /echo/1.0.0}]
timeouts: {request: 2s}
load:
  max_inflight: 4000
  phases:
    # 200, 400 (the truth) and 600/s, then four and eight times the truth
    - {name: s, steps: {from: 200/s, to: 600/s, step: 200/s, duration: 3s}}
    - {name: big, steps: {from: 1600/s, to: 3200/s, step: 1600/s, duration: 3s}}
YAML
run over
ran_ok over
plan over "$T_TMP/over/results.json" --slo p99=250ms --target-rps 2000
cap=$(pj over .capacity.per_node_rps)
awk -v c="$cap" 'BEGIN { exit !(c >= 380 && c <= 420) }' || fail "overload: capacity $cap, expected 380..420"
log "  overload: capacity $cap req/s from the clean steps"
assert_eq "overload: the clean steps good" good "$(pj over '[.steps[] | select(.offered_rps <= 200) | .verdict] | unique | join(",")')"
for st in big-1 big-2; do
    v=$(pj over ".steps[] | select(.name | endswith(\"/$st\")) | .verdict")
    case "$v" in bad | invalid) ;; *) fail "overload: $st judged '$v'" ;; esac
done
assert_ge "overload: timed-out requests counted in their step" 1 \
    "$(jr over '.totals.by_phase["big-2"].outcomes.timeout + .totals.by_phase["big-2"].outcomes.abandoned')"
assert_eq "overload: the drain labelled" true "$(jr over '[.intervals[] | select(.drain)] | length > 0')"
assert_eq "overload: drain intervals carry no phase that never ran" "(drain)" \
    "$(jr over '[.intervals[] | select(.drain) | .phase] | unique | join(",")')"
log "ok"
