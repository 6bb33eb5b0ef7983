#!/bin/bash
# Scale-out measured, not assumed: the same staircase against one node
# (directly) and against three nodes behind haproxy (tools/gateway-cluster
# on 127.0.9.x), each node 2 workers × 10 ms = 200 req/s (modest rates,
# so that gatecap keeps its schedule under sanitizers on a busy machine).
# `gatecap plan` over both results finds a knee per cluster size (within
# 5 % of 200 and 600 req/s), fits the scale-out between them (the simulated nodes share
# nothing, so it must come out close to linear), and sizes the cluster on
# the fitted curve: the recommendation is the one the curve implies, and
# within one node of what linear truth implies.
# test: alone (compares gatecap's numbers with a planted truth)
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
require_cmd haproxy

NET=127.0.9
near() { # NAME VALUE WANT REL
    awk -v v="$2" -v w="$3" -v r="$4" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= r * w) }' ||
        fail "$1: $2, expected $3 ± $(awk -v w="$3" -v r="$4" 'BEGIN { print r * w }')"
    log "  $1: $2 (expected $3 ± $(awk -v r="$4" 'BEGIN { print r * 100 }') %)"
}

CL="$T_TMP/cluster"
on_exit "'$GATECAP_TOP/tools/gateway-cluster' stop --dir '$CL'"
"$GATECAP_TOP/tools/gateway-cluster" start 3 --net $NET --dir "$CL" --no-check -- \
    --workers 2 --service-time fixed:10ms > "$T_TMP/cluster.log" 2>&1 ||
    fail "cluster did not start: $(tail -5 "$T_TMP/cluster.log")"

# staircase NAME TARGET K: per node 180..220/s in steps of 10/s (5 % of a
# node's capacity; see plan_known_capacity.sh for why), times K nodes,
# measured again when gatecap could not deliver it (run_undisturbed).
staircase() {
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: [{url: "$2", name: entry}]
node_header: X-Gateway-Node
requests: [{name: echo, path: /echo/1.0.0}]
interval: 500ms
load:
  workers: 1
  phases:
    - {name: warm, duration: 1s, rate: $((150 * $3))/s, record: false}
    - {name: s, steps: {from: $((180 * $3))/s, to: $((220 * $3))/s, step: $((10 * $3))/s, duration: 2s}}
YAML
    run_undisturbed "$1"
    [ "$RC" = 0 ] || fail "$1: exit code $RC ($(jr "$1" .run.status 2> /dev/null)): $(tail -3 "$T_TMP/$1.log")"
}
log "one node, directly: 180..220/s"
staircase one "http://$NET.1:8280" 1
log "three nodes behind haproxy: 540..660/s"
staircase three "http://$NET.10:8280" 3
[ "$(jr three '.totals.by_node | keys | length')" = 3 ] || fail "three nodes did not all serve"

P=$T_TMP/plan.json
"$GATECAP" plan "$T_TMP/one/results.json" "$T_TMP/three/results.json" --slo p99=100ms \
    --target-rps 1500 --json -o "$P" > "$T_TMP/plan.log" 2>&1 || fail "plan: $(cat "$T_TMP/plan.log")"
[ "$(jq -r .capacity.scale_out "$P")" = measured ] || fail "scale-out not measured: $(jq -c .scale_out "$P")"
near "one node at the SLO" "$(jq -r '.scale_out.sizes[0].capacity_rps' "$P")" 200 0.05
near "three nodes at the SLO" "$(jq -r '.scale_out.sizes[1].capacity_rps' "$P")" 600 0.05
alpha=$(jq -r .scale_out.alpha "$P")
log "  fitted: gamma $(jq -r .scale_out.gamma "$P"), alpha $alpha ($(jq -r .scale_out.method "$P"))"
awk -v a="$alpha" 'BEGIN { exit !(a >= 0 && a < 0.05) }' || fail "alpha $alpha: nodes that share nothing scale about linearly"
# The recommendation is the smallest n whose fitted capacity at 70 % carries
# 1,500/s, plus one (N+1)...
want=$(jq -r '.scale_out as $s | [range(1; 100) | select(($s.gamma * . / (1 + $s.alpha * (. - 1) + $s.beta * . * (. - 1))) * 0.7 >= 1500)][0] + 1' "$P")
[ "$(jq -r .recommendation.nodes "$P")" = "$want" ] ||
    fail "recommended $(jq -r .recommendation.nodes "$P"), the fitted curve implies $want"
# ... and linear truth (200/s × 0.7 = 140/s a node: 11 + 1 = 12) is within one.
awk -v n="$want" 'BEGIN { exit !(n >= 11 && n <= 13) }' || fail "recommended $want nodes; truth implies 12"
log "  recommended $want nodes (truth: 12)"
log "ok"
