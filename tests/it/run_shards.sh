#!/bin/bash
# Shards of one run on one machine (docs/distributed.md): three `gatecap run
# --shard i/3 --start-at T` processes against two simulated nodes send,
# together, exactly the one-machine schedule — the same count in all, the
# same count per node (round robin is striped like the arrivals), for
# constant and Poisson arrivals — and each simulator counts what the shards
# say they sent it. Also: where the shard comes from (Kubernetes' variables,
# an sbatch script's PROCID without a step is not taken), what is refused
# (exit 2), a missed start (exit 3, nothing written), a shard whose gate
# fails exits 0 (merge judges), and a stop request while waiting for the
# start ends the wait at once with whole, empty results.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/gatewaysim.sh"
. "$(dirname "$0")/../lib/gatecap.sh"

sim_start 127.0.15.1 --name node-a
A=$SIM_HTTP
sim_start 127.0.15.2 --name node-b
B=$SIM_HTTP

scenario() { # NAME POISSON GATE
    cat > "$T_TMP/$1.yaml" <<YAML
name: $1
targets: ["$A", "$B"]
node_header: X-Gateway-Node
requests: [{name: echo, path: /echo/1.0.0}]
load: {poisson: $2, workers: 2, phases: [{name: s, duration: 1s, rate: 300/s}]}
gates: ["$3"]
YAML
}

# shards NAME N [ENV...]: N shards of NAME started together, their exit
# codes in SHARD_RC[i]; results in $T_TMP/NAME-shards/shard-i.
shards() {
    local name=$1 n=$2 i pids=()
    shift 2
    # a second ahead: a shard that starts or checks the nodes slower on a
    # busy machine is late within the grace, which counts its late
    # arrivals and changes no count checked here
    local at
    at=$(date -u -d '+1 sec' +%FT%T.%3NZ)
    for ((i = 0; i < n; i++)); do
        env "$@" "$GATECAP" run "$T_TMP/$name.yaml" --shard "$i/$n" --start-at "$at" \
            --start-grace 30s -o "$T_TMP/$name-shards/shard-$i" --quiet \
            > "$T_TMP/$name-shard-$i.log" 2>&1 &
        pids+=($!)
    done
    SHARD_RC=()
    for ((i = 0; i < n; i++)); do
        SHARD_RC[i]=0
        wait "${pids[i]}" || SHARD_RC[i]=$?
    done
}

# sum NAME N FILTER: FILTER (a number) summed over the shards' results.json.
sum() {
    local i total=0 v
    for ((i = 0; i < $2; i++)); do
        v=$(jq -r "$3" "$T_TMP/$1-shards/shard-$i/results.json")
        total=$((total + v))
    done
    echo "$total"
}

for kind in false true; do
    name=split-$kind
    log "poisson: $kind — one machine, then three shards of the same scenario"
    scenario "$name" "$kind" "p99 < 10s"
    run "$name"
    run_ok "$name"
    one=$(jr "$name" .totals.all.count)
    one_a=$(jr "$name" '.totals.by_node."node-a".count')
    one_b=$(jr "$name" '.totals.by_node."node-b".count')
    [ "$kind" = false ] && assert_eq "one machine: rate × duration" 300 "$one"
    sim_reset "$A"
    sim_reset "$B"
    shards "$name" 3
    for i in 0 1 2; do
        assert_eq "shard $i exit code" 0 "${SHARD_RC[i]}"
        assert_eq "shard $i knows its place" "$i/3" \
            "$(jq -r '"\(.shard.index)/\(.shard.count)"' "$T_TMP/$name-shards/shard-$i/results.json")"
    done
    assert_eq "the shards' sum is the one-machine count" "$one" "$(sum "$name" 3 .totals.all.count)"
    assert_eq "node-a: as on one machine" "$one_a" "$(sum "$name" 3 '.totals.by_node."node-a".count')"
    assert_eq "node-b: as on one machine" "$one_b" "$(sum "$name" 3 '.totals.by_node."node-b".count')"
    # (and one request more from each shard: its check of the node)
    assert_eq "node-a counted them too" "$((one_a + 3))" "$(sim_stats "$A" | jq .requests.total)"
    assert_eq "node-b counted them too" "$((one_b + 3))" "$(sim_stats "$B" | jq .requests.total)"
    ids=$(for i in 0 1 2; do jq -r .shard.run_id "$T_TMP/$name-shards/shard-$i/results.json"; done | sort -u)
    assert_eq "one run id in all shards" 1 "$(echo "$ids" | wc -l)"
    digests=$(for i in 0 1 2; do jq -r .shard.scenario_digest "$T_TMP/$name-shards/shard-$i/results.json"; done | sort -u)
    assert_eq "one scenario digest in all shards" 1 "$(echo "$digests" | wc -l)"
done

log "a shard whose gate fails still exits 0: the merge judges the run"
scenario strict false "p99 < 1us"
shards strict 2
assert_eq "shard 0 exit code" 0 "${SHARD_RC[0]}"
assert_contains "it says why" "gatecap merge judges the run" "$(cat "$T_TMP/strict-shard-0.log")"
assert_eq "its gate is recorded as failed" fail "$(jq -r '.gates[0].verdict' "$T_TMP/strict-shards/shard-0/results.json")"

log "Kubernetes: the index from JOB_COMPLETION_INDEX, the count from GATECAP_SHARDS"
scenario k8s false "p99 < 10s"
RC=0
JOB_COMPLETION_INDEX=1 "$GATECAP" run "$T_TMP/k8s.yaml" -o "$T_TMP/k8s-x" --quiet > "$T_TMP/k8s-x.log" 2>&1 || RC=$?
assert_eq "an index without a count: exit code" 2 "$RC"
assert_contains "names what to set" "GATECAP_SHARDS is not" "$(cat "$T_TMP/k8s-x.log")"
RC=0
JOB_COMPLETION_INDEX=1 GATECAP_SHARDS=3 "$GATECAP" run "$T_TMP/k8s.yaml" -o "$T_TMP/k8s-y" --quiet > "$T_TMP/k8s-y.log" 2>&1 || RC=$?
assert_eq "a shard without a run id or start time: exit code" 2 "$RC"
assert_contains "names what to give" "give --start-at TIME" "$(cat "$T_TMP/k8s-y.log")"
RC=0
JOB_COMPLETION_INDEX=1 GATECAP_SHARDS=3 GATECAP_RUN_ID=job-42 "$GATECAP" run "$T_TMP/k8s.yaml" -o "$T_TMP/k8s" --quiet > "$T_TMP/k8s.log" 2>&1 || RC=$?
assert_eq "exit code" 0 "$RC"
assert_eq "shard, count, source, run id" "1 3 kubernetes job-42" "$(jr k8s '"\(.shard.index) \(.shard.count) \(.shard.source) \(.shard.run_id)"')"
assert_eq "its third of the schedule" 100 "$(jr k8s .totals.all.count)"

log "sbatch's batch script (SLURM_PROCID without SLURM_STEP_ID): not a shard"
cp "$T_TMP/k8s.yaml" "$T_TMP/batch.yaml"
SLURM_PROCID=0 SLURM_NTASKS=3 SLURM_JOB_ID=9 run_undisturbed batch
assert_eq "exit code" 0 "$RC"
assert_eq "the whole schedule" 300 "$(jr batch .totals.all.count)"
assert_eq "shard 0 of 1" "0 1 none" "$(jr batch '"\(.shard.index) \(.shard.count) \(.shard.source)"')"
assert_contains "the note says why and what to do" "start the shards with srun" "$(cat "$T_TMP/batch.log")"

log "a start already past (beyond the grace): exit 3, nothing written"
RC=0
"$GATECAP" run "$T_TMP/k8s.yaml" --shard 0/2 --start-at "$(date -u -d '-10 sec' +%FT%TZ)" -o "$T_TMP/late" --quiet > "$T_TMP/late.log" 2>&1 || RC=$?
assert_eq "exit code" 3 "$RC"
assert_contains "missed start" "missed start: ready" "$(cat "$T_TMP/late.log")"
[ ! -e "$T_TMP/late/results.json" ] || fail "a missed start wrote results"

log "ready late but within the grace: time zero stays the start time; what was due is sent late"
at=$(date -u -d '-2 sec' +%s)
RC=0
"$GATECAP" run "$T_TMP/k8s.yaml" --shard 0/2 --start-at "$at" --start-grace 60s -o "$T_TMP/lateok" --quiet > "$T_TMP/lateok.log" 2>&1 || RC=$?
assert_eq "exit code (a shard leaves its health to the merge)" 0 "$RC"
assert_eq "time zero is the start time" "$at" "$(jr lateok '.run.start_epoch_s | floor')"
assert_ge "released at least 2 s late" 2000 "$(jr lateok '.shard.release_offset_ms | floor')"
assert_eq "the whole share sent all the same" 150 "$(jr lateok .totals.all.count)"
assert_ge "the arrivals of the missed seconds counted late" 150 "$(jr lateok .generator.late)"

log "a stop request while waiting for the start: the wait ends, results are whole and empty"
"$GATECAP" run "$T_TMP/k8s.yaml" --shard 0/2 --start-at "$(date -u -d '+300 sec' +%FT%TZ)" -o "$T_TMP/wait" --quiet > "$T_TMP/wait.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q . "$T_TMP/wait.log" 2> /dev/null && break; sleep 0.1; done
sleep 1 # (the node check done, it waits)
kill -INT "$pid"
wait_for_exit "$pid" 30 || fail "still waiting 30 s after SIGINT"
RC=0
wait "$pid" || RC=$?
assert_eq "exit code" 130 "$RC"
assert_eq "interrupted, nothing sent" "interrupted 0" "$(jr wait '"\(.run.status) \(.totals.all.count)"')"
log "ok"
