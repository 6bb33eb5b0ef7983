#!/bin/bash
# A distributed run over several generator "hosts" on one machine: three
# network namespaces, one per generator (198.18.0.10-12), and one for the
# gateway simulator (198.18.0.1), joined by a bridge (tests/lib/netns.sh).
# Each generator runs `gatecap run --shard I/3 --start-at T`; then
# `gatecap merge`. Checks, all exact but the latency truth:
#  - every shard ran its third: index, count, source, run id, start time,
#    and exactly RATE×DURATION/3 requests;
#  - the simulator saw three source addresses, and from each exactly that
#    shard's requests plus its node check (nftables counters in the
#    simulator's namespace, tests/lib/netns.sh), and in all the merged
#    count plus the three checks;
#  - the merged count is the one-machine schedule's, RATE×DURATION;
#  - a planted stall (D every P) makes the merged p90 and p99 the analytic
#    (D − x)/P truth within the tolerances tests/it/run_capacity_model.sh
#    uses, as a one-machine run of the same scenario does;
#  - one shard runs under libfaketime with its wall clock 250 ms ahead
#    (CLOCK_REALTIME only: DONT_FAKE_MONOTONIC=1): its results.json has
#    shard.clock.offset_ms ≈ 250 (the others ≈ 0), merge flags it, and the
#    merged latency truth is unchanged (a shard's offset moves its time
#    zero, never a latency, which is read on its monotonic clock; and any
#    window of whole stall periods holds the same stall time).
# Needs root (namespaces, nftables); CI runs as root. ~15 s.
# test: alone (network namespaces of its own, and a clock shifted by libfaketime)
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
. "$GATECAP_TOP/tests/lib/netns.sh"

FAKETIME_LIB=$(dpkg -L libfaketime 2> /dev/null | grep '/libfaketime\.so\.1$' | head -1 || true)
[ -n "$FAKETIME_LIB" ] && [ -r "$FAKETIME_LIB" ] ||
    fail "libfaketime not installed: tools/install-deps test (this test never skips)"

# near NAME VALUE WANT TOL: |VALUE − WANT| ≤ TOL (as run_capacity_model.sh)
near() {
    awk -v v="$2" -v w="$3" -v t="$4" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= t) }' ||
        fail "$1: $2, expected $3 ± $4"
    log "  $1: $2 (expected $3 ± $4)"
}

N=3
RATE=300 # per second, in all
DUR=4    # seconds: whole stall periods
D=250    # ms: a stall of D every P
P=1000
COUNT=$((RATE * DUR))
PORT=8280
# The fraction of requests slower than x (0 < x < D) is (D − x)/P, so the
# latency at percentile q (≥ 100·(1 − D/P)) is D − (1 − q/100)·P: p90 =
# 150 ms, p99 = 240 ms (+ the 1 ms service time).
want() { awk -v d=$D -v p=$P -v q="$1" 'BEGIN { print d - (1 - q / 100) * p }'; }

netns_setup $N
bg_start "$T_TMP/sim.log" ip netns exec "$NS_SIM" "$GATEWAYSIM" --listen "$NS_SIM_ADDR" \
    --http-port $PORT --name gw1 --quiet --service-time fixed:1ms --stall ${D}ms:${P}ms
SIM=$BG_PID
netns_wait_sim $PORT $SIM
stats() { in_sim curl -sf --max-time 5 "http://$NS_SIM_ADDR:$PORT/_sim/stats" || fail "no /_sim/stats"; }
# The first stall comes P after the simulator starts; from then on any
# window of whole periods holds the same stall time, whatever its phase.
for i in $(seq 1 100); do
    [ "$(stats | jq .queue.stalls)" -ge 1 ] && break
    sleep 0.05
done
assert_ge "the first stall came" 1 "$(stats | jq .queue.stalls)"
in_sim curl -sf --max-time 5 -X POST "http://$NS_SIM_ADDR:$PORT/_sim/reset" > /dev/null || fail "reset"
# Counted from here: nothing but the runs below reaches the port from the
# generators' addresses.
netns_count_sources $PORT

cat > "$T_TMP/s.yaml" << YAML
name: netns
targets: ["http://$NS_SIM_ADDR:$PORT"]
requests: [{name: echo, path: /echo/1.0.0}]
load: {workers: 1, max_inflight: 1000, phases: [{name: s, duration: ${DUR}s, rate: ${RATE}/s}]}
YAML

log "three shards, one per namespace, shard 2 with its wall clock 250 ms ahead"
# T: whole seconds, 3 s ahead: time for three gatecaps to start in their
# namespaces and check the node (the default grace is 1 s beyond T).
T=$(($(date +%s) + 3))
pids=()
for ((i = 0; i < N; i++)); do
    pre=()
    if [ "$i" = 2 ]; then
        # After `ip netns exec`, so that only gatecap is preloaded; env
        # execs, so the PID is gatecap's.
        pre=(env LD_PRELOAD="$FAKETIME_LIB" FAKETIME=+0.25 FAKETIME_DONT_FAKE_MONOTONIC=1)
    fi
    bg_start "$T_TMP/shard-$i.log" ip netns exec "${NS_GEN[i]}" "${pre[@]+"${pre[@]}"}" \
        "$GATECAP" run "$T_TMP/s.yaml" --shard "$i/$N" --start-at "$T" \
        -o "$T_TMP/dist/shard-$i" --quiet
    pids[i]=$BG_PID
done
for ((i = 0; i < N; i++)); do
    rc=0
    wait "${pids[i]}" || rc=$?
    [ "$rc" = 0 ] || fail "shard $i exited $rc: $(tail -3 "$T_TMP/shard-$i.log")"
done

sj() { jq -r "$2" "$T_TMP/dist/shard-$1/results.json"; }
run_id=$(sj 0 .shard.run_id)
[ -n "$run_id" ] && [ "$run_id" != null ] || fail "shard 0 has no run id"
for ((i = 0; i < N; i++)); do
    assert_eq "shard $i index" "$i" "$(sj $i .shard.index)"
    assert_eq "shard $i count" "$N" "$(sj $i .shard.count)"
    assert_eq "shard $i source" option "$(sj $i .shard.source)"
    assert_eq "shard $i run id" "$run_id" "$(sj $i .shard.run_id)"
    assert_eq "shard $i start" "$T" "$(sj $i '.shard.start_at_epoch_s | floor')"
    assert_eq "shard $i requests (its third of the schedule)" $((COUNT / N)) "$(sj $i .totals.all.count)"
done
off() { sj "$1" .shard.clock.offset_ms; }
# The offset is this process's CLOCK_REALTIME minus ntp_gettime()'s time,
# two reads in a row: a few µs apart, unless the process is preempted
# between them (tens of ms on a busy machine); ±50 ms still tells 250 from 0.
near "shard 0 clock offset (ms)" "$(off 0)" 0 50
near "shard 1 clock offset (ms)" "$(off 1)" 0 50
near "shard 2 clock offset under libfaketime +0.25 (ms)" "$(off 2)" 250 50

log "the simulator's view: three sources, each exactly its shard's requests"
s=$(stats)
for ((i = 0; i < N; i++)); do
    read -r syns reqs <<< "$(netns_source_counts $i)"
    assert_ge "connections from ${NS_GEN_ADDR[i]}" 1 "$syns"
    # + 1: the node check before the run, from the same namespace
    assert_eq "requests from ${NS_GEN_ADDR[i]} (shard $i + its node check)" \
        $(($(sj $i .totals.all.count) + 1)) "$reqs"
done
assert_eq "simulator served the schedule plus three node checks" $((COUNT + N)) "$(jq .requests.total <<< "$s")"
assert_eq "simulator answered all 2xx" $((COUNT + N)) "$(jq '.requests["2xx"]' <<< "$s")"

log "merge"
RC=0
"$GATECAP" merge "$T_TMP/dist" -o "$T_TMP/merged" > "$T_TMP/merge.log" 2>&1 || RC=$?
M=$T_TMP/merged/results.json
# 0, or on a busy machine 3 with the merged run generator-limited (a shard
# sent more than its tolerance of arrivals late; latency still counts from
# the intended start, as run_ok accepts for one machine).
[ "$RC" = 0 ] || { [ "$RC" = 3 ] && [ "$(jq -r .run.status "$M" 2> /dev/null)" = generator-limited ]; } ||
    fail "merge exited $RC: $(tail -5 "$T_TMP/merge.log")"
assert_eq "merged requests = the one-machine schedule" $COUNT "$(jq .totals.all.count "$M")"
assert_eq "merged requests of the node" $COUNT "$(jq --arg n "$NS_SIM_ADDR:$PORT" ".totals.by_node[\$n].count" "$M")"
assert_eq "merged errors" 0 "$(jq '.totals.all.errors // 0' "$M")"
# Merge flags shard 2 for its offset (default tolerance 10 ms), in the
# merged file's table of shards and on stderr; shards 0 and 1 have no
# offset to flag (they may be flagged for other reasons: a machine without
# a time daemon reports its clock unsynchronised, ntp_gettime's TIME_ERROR).
flag() { jq -r --argjson i "$1" '.shards[] | select(.index == $i) | .clock_flag // ""' "$M"; }
assert_eq "shard 2 flagged" true "$(jq --argjson i 2 '.shards[] | select(.index == $i) | .clock_flagged' "$M")"
assert_contains "shard 2's flag names its offset" offset "$(flag 2)"
case "$(flag 0)$(flag 1)" in *offset*) fail "shard 0 or 1 flagged for an offset: $(flag 0) / $(flag 1)" ;; esac
grep 'shard 2' "$T_TMP/merge.log" | grep -q offset ||
    fail "merge did not warn about shard 2's offset: $(cat "$T_TMP/merge.log")"
merged_p90=$(jq .totals.all.latency_ms.p90 "$M")
merged_p99=$(jq .totals.all.latency_ms.p99 "$M")
near "merged p90 (ms)" "$merged_p90" "$(want 90)" 30
near "merged p99 (ms)" "$merged_p99" "$(want 99)" 25

log "the same scenario on one machine (generator 0's namespace)"
ip netns exec "${NS_GEN[0]}" "$GATECAP" run "$T_TMP/s.yaml" -o "$T_TMP/one" --quiet > "$T_TMP/one.log" 2>&1 ||
    [ "$(jq -r .run.status "$T_TMP/one/results.json" 2> /dev/null)" = generator-limited ] ||
    fail "one-machine run failed: $(tail -3 "$T_TMP/one.log")"
assert_eq "one-machine requests" $COUNT "$(jq .totals.all.count "$T_TMP/one/results.json")"
one_p90=$(jq .totals.all.latency_ms.p90 "$T_TMP/one/results.json")
one_p99=$(jq .totals.all.latency_ms.p99 "$T_TMP/one/results.json")
near "one-machine p90 (ms)" "$one_p90" "$(want 90)" 30
near "one-machine p99 (ms)" "$one_p99" "$(want 99)" 25
log "  p99 off the truth: merged $(awk -v a="$merged_p99" -v w="$(want 99)" 'BEGIN{print a-w}') ms," \
    "one machine $(awk -v a="$one_p99" -v w="$(want 99)" 'BEGIN{print a-w}') ms"

sim_stop "$SIM" || true
log ok
