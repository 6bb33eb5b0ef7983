#!/bin/bash
# A distributed run under a real Slurm (Debian's 22.05, one machine:
# tests/lib/slurm.sh) against two gateway simulator nodes on loopback, one
# cluster for all the checks:
#  (a) the recipe users submit, tools/slurm/gatecap.sbatch, with `sbatch -n 3
#      --overcommit`: three shards (their identity from srun's environment:
#      source slurm, index 0..2 of 3, one run id), merged; the merged count
#      is the one-machine schedule's exactly (RATE × DURATION), each shard
#      has its third, and each node's merged count is what the simulator
#      node served minus the three shards' node checks;
#  (b) in a batch script outside srun (SLURM_PROCID set, SLURM_STEP_ID not)
#      gatecap does not take the shard from the environment: it runs the
#      whole schedule as 0 of 1 and says why;
#  (c) the recipe with one shard killed before the start: the job exits 3
#      (merge's code), merge names shard 1 as missing, the script says srun
#      failed;
#  (d) a shard whose --start-at is already past beyond the grace exits 3,
#      "missed start", sending nothing, and srun passes the 3 on.
# Needs root (munged as the munge user); CI runs as root. ~25 s.
# test: alone (Slurm's daemons and munge's socket belong to the machine)
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
. "$GATECAP_TOP/tests/lib/slurm.sh"

SBATCH_SCRIPT=$GATECAP_TOP/tools/slurm/gatecap.sbatch
A=127.0.41
RATE=240 # per second, in all
DUR=3    # seconds
COUNT=$((RATE * DUR))
N=3

sim_start $A.1
GW1=$SIM_HTTP
sim_start $A.2
GW2=$SIM_HTTP
slurm_start

scenario() { # NAME DURATION
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: ["$GW1", "$GW2"]
requests: [{name: echo, path: /echo/1.0.0}]
load: {workers: 1, phases: [{name: s, duration: ${2}s, rate: ${RATE}/s}]}
YAML
}
scenario dist $DUR
served() { sim_stats "$1" | jq .requests.total; }

log "(a) the sbatch recipe: 3 shards, merged"
sim_reset "$GW1"
sim_reset "$GW2"
# The start 3 s ahead (the recipe's default is 30 s, for real clusters):
# srun starts three tasks on this machine in well under a second.
job=$(GATECAP_START_DELAY=3 GATECAP="$GATECAP" sbatch --parsable -n $N --overcommit \
    -o "$T_TMP/job-a.out" "$SBATCH_SCRIPT" "$T_TMP/dist.yaml" "$T_TMP/res") ||
    fail "sbatch refused the recipe"
state=$(slurm_wait_job "$job" 90)
R=$T_TMP/res/$job
M=$R/merged/results.json
# COMPLETED (merge exited 0), or, on a busy machine, FAILED with merge's 3
# because a shard sent more than its tolerance of arrivals late: merge
# marks that run generator-limited (as run_ok accepts for one machine);
# the counts below hold either way.
if [ "$state" != COMPLETED ]; then
    [ "$state" = FAILED ] && [ "$(jq -r .run.status "$M" 2> /dev/null)" = generator-limited ] ||
        fail "job $job ended $state: $(tail -20 "$T_TMP/job-a.out")"
    log "  (a busy machine: the merged run is generator-limited; counts still exact)"
fi
sj() { jq -r "$2" "$R/shard-$1/results.json"; }
run_id=$(sj 0 .shard.run_id)
[ -n "$run_id" ] && [ "$run_id" != null ] || fail "shard 0 has no run id"
for ((i = 0; i < N; i++)); do
    [ -f "$R/shard-$i/results.json" ] || fail "no results from shard $i: $(tail -20 "$T_TMP/job-a.out")"
    assert_eq "shard $i index (from SLURM_PROCID)" "$i" "$(sj $i .shard.index)"
    assert_eq "shard $i count (from SLURM_NTASKS)" $N "$(sj $i .shard.count)"
    assert_eq "shard $i source" slurm "$(sj $i .shard.source)"
    assert_eq "shard $i run id" "$run_id" "$(sj $i .shard.run_id)"
    assert_eq "shard $i requests (its third)" $((COUNT / N)) "$(sj $i .totals.all.count)"
done
[ -f "$M" ] || fail "no merged results: $(tail -20 "$T_TMP/job-a.out")"
assert_eq "merged requests = the one-machine schedule" $COUNT "$(jq .totals.all.count "$M")"
# Nodes are named by their address (no node_header in the scenario).
g1=$(jq --arg n "${GW1#http://}" '.totals.by_node[$n].count // 0' "$M")
g2=$(jq --arg n "${GW2#http://}" '.totals.by_node[$n].count // 0' "$M")
# + N: each shard checked each node once before its start.
assert_eq "gw1 served the merged gw1 requests and 3 node checks" $((g1 + N)) "$(served "$GW1")"
assert_eq "gw2 served the merged gw2 requests and 3 node checks" $((g2 + N)) "$(served "$GW2")"
assert_eq "merged per-node counts add up" $COUNT $((g1 + g2))
assert_contains "the recipe reports merge's exit" "gatecap merge exited" "$(cat "$T_TMP/job-a.out")"

log "(b) a batch script outside srun: no shard from SLURM_PROCID"
scenario one 1
cat > "$T_TMP/batch-b.sh" << SH
#!/bin/sh
echo "PROCID=\${SLURM_PROCID-unset} NTASKS=\${SLURM_NTASKS-unset} STEP=\${SLURM_STEP_ID-unset}"
exec "$GATECAP" run "$T_TMP/one.yaml" -o "$T_TMP/one" --quiet
SH
job=$(sbatch --parsable -n 2 --overcommit -o "$T_TMP/job-b.out" "$T_TMP/batch-b.sh") || fail "sbatch"
state=$(slurm_wait_job "$job" 60)
[ "$state" = COMPLETED ] || fail "job $job ended $state: $(tail -20 "$T_TMP/job-b.out")"
# The trap itself: Slurm sets PROCID and NTASKS in the batch script.
assert_contains "the batch script's environment" "PROCID=0 NTASKS=2 STEP=unset" "$(cat "$T_TMP/job-b.out")"
assert_eq "batch run's shard index" 0 "$(jr one .shard.index)"
assert_eq "batch run's shard count" 1 "$(jr one .shard.count)"
assert_eq "batch run's shard source" none "$(jr one .shard.source)"
assert_eq "batch run sent the whole schedule" $RATE "$(jr one .totals.all.count)"
grep -i 'note' "$T_TMP/job-b.out" | grep -q 'SLURM_PROCID' ||
    fail "gatecap did not say why it ignored SLURM_PROCID: $(cat "$T_TMP/job-b.out")"

log "(c) the recipe with shard 1 killed before the start: merge exits 3 naming it"
# GATECAP for the recipe: task 1's gatecap is killed (SIGKILL) 1 s after it
# starts, 2 s before the common start; the other tasks run normally.
cat > "$T_TMP/gatecap-kill1" << SH
#!/bin/sh
if [ "\$1" = run ] && [ "\${SLURM_PROCID:-}" = 1 ]; then
    exec timeout -s KILL 1 "$GATECAP" "\$@"
fi
exec "$GATECAP" "\$@"
SH
chmod +x "$T_TMP/gatecap-kill1"
job=$(GATECAP_START_DELAY=3 GATECAP="$T_TMP/gatecap-kill1" sbatch --parsable -n $N --overcommit \
    -o "$T_TMP/job-c.out" "$SBATCH_SCRIPT" "$T_TMP/one.yaml" "$T_TMP/res") || fail "sbatch"
state=$(slurm_wait_job "$job" 90)
out=$(cat "$T_TMP/job-c.out")
assert_eq "job state (the recipe exits with merge's code)" FAILED "$state"
assert_eq "job exit code" 3:0 "$(scontrol -o show job "$job" | sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p')"
[ -f "$T_TMP/res/$job/shard-0/results.json" ] && [ -f "$T_TMP/res/$job/shard-2/results.json" ] ||
    fail "shards 0 and 2 should have run: $out"
[ ! -e "$T_TMP/res/$job/shard-1/results.json" ] || fail "shard 1 was killed, yet wrote results"
# No -K: the other shards ran to their end (srun still prints "Force
# Terminated" for the step once a task died by a signal).
assert_eq "shard 0 ran to its end" complete "$(jq -r .run.status "$T_TMP/res/$job/shard-0/results.json")"
assert_eq "shard 2 ran to its end" complete "$(jq -r .run.status "$T_TMP/res/$job/shard-2/results.json")"
assert_contains "the recipe says srun failed" "gatecap.sbatch: srun exited" "$out"
grep -v '^gatecap.sbatch' "$T_TMP/job-c.out" | grep -i 'missing' | grep -qw 1 ||
    fail "merge did not name shard 1 as missing: $out"
assert_contains "the recipe reports merge's exit" "gatecap merge exited 3" "$out"

log "(d) a start already past beyond the grace: exit 3, missed start, nothing sent"
before1=$(served "$GW1")
before2=$(served "$GW2")
past=$(($(date +%s) - 60))
rc=0
srun -n 1 "$GATECAP" run "$T_TMP/one.yaml" --start-at "$past" -o "$T_TMP/late" > "$T_TMP/late.log" 2>&1 || rc=$?
assert_eq "srun's exit code (the shard's)" 3 "$rc"
grep -qi 'missed start' "$T_TMP/late.log" || fail "no 'missed start' message: $(cat "$T_TMP/late.log")"
# The node check runs before the start is due (each node once); no load.
assert_le "gw1 got no load from the late shard" $((before1 + 1)) "$(served "$GW1")"
assert_le "gw2 got no load from the late shard" $((before2 + 1)) "$(served "$GW2")"

log ok
