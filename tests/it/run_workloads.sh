#!/bin/bash
# Workloads (`workloads:`) side by side against the gateway simulator:
# two open workloads at different rates with different request mixes on
# different paths, and a closed one with a fixed number of users. Checks
# that each workload's rate and mix is delivered, that gatecap reports
# each one separately (results.json's workloads section, the per-workload
# interval slices, the report's Workloads table, a workload-scoped gate),
# and that the simulator's own count of each path agrees with gatecap's.
#
# Counts are exact without depending on the machine's speed: an open
# schedule offers exactly rate × duration arrivals; the closed users'
# think time (1 s) is long against the simulator's answer (microseconds),
# so each user sends at about 0, 1, 2 and 3 s of its 3.5 s phase: 4 each.
# Before the run gatecap checks the node with the scenario's first request
# once: that path's count at the simulator is gatecap's plus one.
#
# Also: top-level load: beside workloads: is refused with file:line:col
# (exit 2), a scenario with workloads cannot run as shards (exit 2), and
# gatecap plan refuses such a run (exit 2).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/gatewaysim.sh"
. "$(dirname "$0")/../lib/gatecap.sh"

sim_start 127.0.16.1 --name wl-node

cat > "$T_TMP/wl.yaml" << YAML
name: wl
targets: ["$SIM_HTTP"]
generator: {late_threshold: 50ms}
workloads:
  - name: tokens
    load: {phases: [{name: tok-steady, duration: 3s, rate: 20/s}]}
    requests: [{name: token, method: POST, path: /echo/1.0.0/token, body: "grant_type=x"}]
  - name: api
    load:
      workers: 2
      phases:
        - {name: api-warm, duration: 1s, rate: 50/s, record: false}
        - {name: api-steady, duration: 3s, rate: 200/s}
    requests:
      - {name: api-a, path: /echo/1.0.0/api/a, weight: 3}
      - {name: api-b, path: /echo/1.0.0/api/b, weight: 1}
  - name: admin
    load: {model: closed, phases: [{name: adm, duration: 3500ms, users: 3, think: 1s}]}
    requests: [{name: admin, path: /echo/1.0.0/admin}]
gates:
  - {gate: "requests >= 600", workload: api}
  - {gate: "requests <= 60", workload: tokens}
  - {gate: "errors < 1%", workload: "*"}
YAML

log "three workloads side by side: each its own rate, mix and model"
run wl
run_ok wl
S=$(sim_stats)
path_count() { echo "$S" | jq ".by_path[\"$1\"].total // 0"; }

assert_eq "run.model" mixed "$(jr wl .run.model)"
assert_eq "workloads listed in order" "tokens api admin" "$(jr wl '.workloads | keys_unsorted | join(" ")')"
assert_eq "tokens: open" open "$(jr wl .workloads.tokens.model)"
assert_eq "admin: closed" closed "$(jr wl .workloads.admin.model)"
assert_eq "api: its 2 workers" 2 "$(jr wl .workloads.api.workers)"
assert_eq "workers in all" 4 "$(jr wl .environment.workers)"

# open schedules: exactly rate × duration (api's warm-up is sent, not recorded)
assert_eq "tokens: 20/s for 3 s" 60 "$(jr wl .workloads.tokens.totals.count)"
assert_eq "tokens: offered 20/s" 20 "$(jr wl ".workloads.tokens.offered_rps | round")"
assert_eq "api: 200/s for 3 s recorded" 600 "$(jr wl .workloads.api.totals.count)"
assert_eq "api: offered 200/s" 200 "$(jr wl ".workloads.api.offered_rps | round")"
assert_eq "api: recorded 3 s" 3 "$(jr wl ".workloads.api.recorded_s | round")"
assert_eq "admin: 3 users × 4 requests" 12 "$(jr wl .workloads.admin.totals.count)"
assert_eq "admin: no errors" 0 "$(jr wl .workloads.admin.totals.errors)"
assert_eq "all answered 2xx" "$(jr wl .totals.all.count)" "$(jr wl '.totals.all.outcomes["2xx"]')"
assert_eq "the run: the three summed" 672 "$(jr wl .totals.all.count)"

# the simulator counted each path as gatecap did (api's warm-up: 50 more)
assert_eq "sim: token path (+ the node check)" 61 "$(path_count /echo/1.0.0/token)"
a=$(jr wl '.totals.by_request["api-a"].count')
b=$(jr wl '.totals.by_request["api-b"].count')
assert_eq "api: its mix adds up" 600 $((a + b))
assert_eq "sim: api paths (+ 50 warm-up arrivals)" 650 $(($(path_count /echo/1.0.0/api/a) + $(path_count /echo/1.0.0/api/b)))
assert_eq "sim: admin path" 12 "$(path_count /echo/1.0.0/admin)"
# mix 3:1 over 600 draws: 450 expected, sd ~11; 380..520 is beyond doubt
assert_ge "api-a about 3/4 of api" 380 "$a"
assert_le "api-a about 3/4 of api" 520 "$a"
# each request only where its workload sends it
assert_eq "no api request in tokens' phase" "" "$(jr wl '[.cells[] | select(.phase == "tok-steady" and .request != "token")] | map(.request) | join(",")')"
assert_eq "no admin request in api's phase" "" "$(jr wl '[.cells[] | select(.phase == "api-steady" and (.request | startswith("api") | not))] | map(.request) | join(",")')"

# every workload starts at 0: the run lasts its longest workload's 4 s
assert_eq "planned: the longest workload" 4 "$(jr wl ".run.planned_s | round")"
# intervals carry each workload's slice (which interval an arrival near a
# boundary falls in is the machine's; their sums are exact)
assert_eq "intervals: tokens scheduled" 60 "$(jr wl '[.intervals[].workloads.tokens.scheduled] | add')"
assert_eq "intervals: api scheduled (with warm-up)" 650 "$(jr wl '[.intervals[].workloads.api.scheduled] | add')"
assert_eq "intervals: admin completed" 12 "$(jr wl '[.intervals[].workloads.admin.completed] | add')"

# gates scoped to workloads
assert_eq "gates failed" 0 "$(jr wl .run.gates_failed)"
assert_eq "api gate measured" 600 "$(jr wl '[.gates[] | select(.scope == "workload" and .name == "api" and .metric == "requests")][0].measured')"
assert_eq "one errors verdict per workload" 3 "$(jr wl '[.gates[] | select(.gate == "errors < 1%")] | length')"

# the report's Workloads table
md=$(cat "$T_TMP/wl/report.md")
assert_contains "report.md: Workloads table" "| workload | model | workers |" "$md"
assert_contains "report.md: api row" "| api | open | 2 | api-warm, api-steady | api-a, api-b | 200 | 200 | 600 |" "$md"
assert_contains "report.md: admin row" "| admin | closed | 1 | adm | admin |" "$md"
# each phase ran from its own workload's start, not after the others'
assert_contains "report.md: api-steady ran its 3 s" "| api | api-steady | 200/s | 3 s | 3 s | yes |" "$md"
assert_contains "report.html: Workloads" 'id="workloads"' "$(cat "$T_TMP/wl/report.html")"
# the terminal summary has a per-workload table
assert_contains "summary: per workload" "per workload" "$(cat "$T_TMP/wl.log")"

log "compare: a row per workload and metric when both runs have workloads"
RC=0
"$GATECAP" compare "$T_TMP/wl/results.json" "$T_TMP/wl/results.json" --scopes workload > "$T_TMP/cmp.log" 2>&1 || RC=$?
assert_eq "compare: a run against itself" 0 "$RC"
assert_eq "compare: 8 metrics × 3 workloads" 24 "$(grep -cE '^[a-z0-9.]+_?[a-z0-9]* +workload (tokens|api|admin) ' "$T_TMP/cmp.log")"
assert_contains "compare: throughput of api" "workload api" "$(grep '^throughput' "$T_TMP/cmp.log")"

log "plan refuses a run with workloads (no step is one load)"
RC=0
"$GATECAP" plan "$T_TMP/wl/results.json" -o "$T_TMP/plan" > "$T_TMP/plan.log" 2>&1 || RC=$?
assert_eq "plan: exit code" 2 "$RC"
assert_contains "plan: says why" "a run with workloads: (3 side by side) has no steps of one load" "$(cat "$T_TMP/plan.log")"

log "top-level load: beside workloads: is refused before anything is sent"
sim_reset
sed 's|^workloads:|load: {phases: [{duration: 1s, rate: 1/s}]}\nworkloads:|' "$T_TMP/wl.yaml" > "$T_TMP/both.yaml"
run both
assert_eq "exit code" 2 "$RC"
assert_contains "names file, line, column and field" "both.yaml:4:7: load: a scenario with workloads: gives each workload its own load: and requests:" "$(cat "$T_TMP/both.log")"
assert_eq "the simulator saw nothing" 0 "$(sim_stats | jq .requests.total)"

log "a scenario with workloads is not split into shards"
cp "$T_TMP/wl.yaml" "$T_TMP/wl-shard.yaml"
run wl-shard --shard 0/2
assert_eq "exit code" 2 "$RC"
assert_contains "says why and what to do" "workloads: cannot run as shards" "$(cat "$T_TMP/wl-shard.log")"
assert_eq "the simulator saw nothing" 0 "$(sim_stats | jq .requests.total)"

log "ok"
