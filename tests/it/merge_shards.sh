#!/bin/bash
# merge_shards — `gatecap merge` on the shards of one run (docs/merge.md):
#
#  - the merged counts are the sums of the shards' counts, exactly (all,
#    per node, per request, per cell, per interval), and the merged
#    run.hlog's untagged lines count every request once;
#  - `gatecap report`, `compare`, `plan` and `hlog` accept the merged
#    folder as they accept a run's;
#  - the reference Java HdrHistogram (HistogramLogProcessor) reads the
#    merged run.hlog: its untagged lines and a shard's own lines
#    (shard-<i>::TAG);
#  - the gates are evaluated on the merged data;
#  - a missing shard, a duplicate and a shard of another run are exit 3,
#    naming them, and nothing is written.
#
# The shards are three `gatecap run --shard i/3 --start-at T --run-id
# test-42` processes of one scenario, run at once.
#
# Addresses 127.0.61.x; about 6 s of load.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

require_cmd jq
NET=127.0.61
sim_start $NET.1 --name gw1 --service-time fixed:1ms
S1=$SIM_HTTP
sim_start $NET.2 --name gw2 --service-time fixed:2ms
S2=$SIM_HTTP
cat > "$T_TMP/shard.yaml" << YAML
name: sharded
targets: [{url: "$S1", name: gw1}, {url: "$S2", name: gw2}]
requests:
  - {name: echo, path: /echo/1.0.0, weight: 3}
  - {name: other, path: "/echo/1.0.0?other=1"}
interval: 500ms
load:
  workers: 1
  phases:
    - {name: steady, duration: 2s, rate: 60/s}
generator: {late_threshold: 50ms}
gates:
  - p99 < 5s
  - "errors < 1%"
  - {gate: "requests >= 1", node: "*"}
YAML

RUN=$T_TMP/run-42
at=$(date -u -d '+3 sec' +%FT%T.%3NZ)
pids=()
for i in 0 1 2; do
    "$GATECAP" run "$T_TMP/shard.yaml" --shard "$i/3" --start-at "$at" --start-grace 30s \
        --run-id test-42 -o "$RUN/shard-$i" --quiet > "$T_TMP/shard-$i.log" 2>&1 &
    pids+=($!)
done
for i in 0 1 2; do
    wait "${pids[i]}" || fail "shard $i: exit $?: $(tail -3 "$T_TMP/shard-$i.log")"
done

M=$T_TMP/merged
MRC=0
"$GATECAP" merge "$RUN" -o "$M" > "$T_TMP/merge.out" 2> "$T_TMP/merge.err" || MRC=$?
if [ "$MRC" != 0 ]; then
    # a busy machine may leave a shard generator-limited: that is exit 3
    # with every output written, and the status says so
    [ "$MRC" = 3 ] && [ "$(jq -r .run.status "$M/results.json")" = generator-limited ] \
        || fail "merge: exit $MRC: $(cat "$T_TMP/merge.err")"
fi
for f in results.json run.hlog report.md report.html; do
    [ -s "$M/$f" ] || fail "merge wrote no $f"
done
assert_contains "summary names the command" "gatecap merge: sharded" "$(cat "$T_TMP/merge.out")"
assert_contains "summary lists the shards" "shards (3, run test-42)" "$(cat "$T_TMP/merge.out")"

# ---- counts: the sums of the shards' ----
sum() { jq -s "map($1) | add" "$RUN"/shard-*/results.json; }
mj() { jq -r "$1" "$M/results.json"; }
for f in .totals.all.count '.totals.by_node.gw1.count' '.totals.by_node.gw2.count' \
    '.totals.by_request.echo.count' '.totals.by_request.other.count' \
    '.totals.all.outcomes["2xx"]' .totals.all.bytes_received .generator.scheduled \
    .generator.started '.intervals[1].all.completed' '.intervals[2].scheduled' \
    '.intervals[0].nodes.gw1.completed'; do
    assert_eq "merged $f = sum of the shards'" "$(sum "$f // 0")" "$(mj "$f // 0")"
done
assert_eq "cells: the shards' counts summed per (phase, request, node)" \
    "$(jq -s '[.[].cells[] | {k: "\(.phase)/\(.request)/\(.node)", c: .count}]
              | group_by(.k) | map({k: .[0].k, c: (map(.c) | add)}) | sort_by(.k)' \
        "$RUN"/shard-*/results.json)" \
    "$(jq '[.cells[] | {k: "\(.phase)/\(.request)/\(.node)", c: .count}] | sort_by(.k)' \
        "$M/results.json")"
ALL=$(mj .totals.all.count)
assert_eq "requests merged: the one-machine schedule, 60/s × 2 s" 120 "$ALL"
assert_eq "shard member" "null 3 test-42 true" \
    "$(mj '"\(.shard.index) \(.shard.count) \(.shard.run_id) \(.shard.merged)"')"
assert_eq "shards table" "0 1 2" "$(mj '[.shards[].index] | join(" ")')"
assert_eq "gates evaluated on the merged run (one verdict per node)" "4" "$(mj '.gates | length')"
assert_eq "node gate per merged node" "gw1 gw2" \
    "$(mj '[.gates[] | select(.scope == "node") | .name] | sort | join(" ")')"

# ---- the other commands accept the merged folder ----
"$GATECAP" report "$M/results.json" -o "$T_TMP/rep" > /dev/null 2> "$T_TMP/rep.err" \
    || fail "report: $(cat "$T_TMP/rep.err")"
grep -q "^| 2 | $(hostname) | complete |" "$T_TMP/rep/report.md" || fail "report.md does not list the shards"
CRC=0
"$GATECAP" compare "$M/results.json" "$M/results.json" > "$T_TMP/cmp.out" 2>&1 || CRC=$?
assert_eq "compare merged with itself: exit" 0 "$CRC"
PRC=0
# (achieved=90%: this checks that plan reads a merged run, not the step's
# verdict; one answer of 90 that lands after its interval's end, as on a
# busy machine under the sanitizers, is 98.9 % achieved, "bad" at 99 %)
"$GATECAP" plan "$M/results.json" --slo p99=5s,achieved=90% > "$T_TMP/plan.out" 2>&1 || PRC=$?
[ "$PRC" = 0 ] || [ "$PRC" = 1 ] || fail "plan: exit $PRC: $(tail -3 "$T_TMP/plan.out")"
"$GATECAP" hlog "$M/run.hlog" --json > "$T_TMP/hl.json" 2> "$T_TMP/hl.err" \
    || fail "hlog: $(cat "$T_TMP/hl.err")"
assert_eq "hlog: untagged lines count every request once" "$ALL" \
    "$(jq -r .summary.count "$T_TMP/hl.json")"
"$GATECAP" hlog "$M/run.hlog" --tag-prefix latency/ --json > "$T_TMP/hl2.json" 2> /dev/null \
    || fail "hlog --tag-prefix latency/ failed"
assert_eq "hlog: latency/ tags count every request once" "$ALL" \
    "$(jq -r .summary.count "$T_TMP/hl2.json")"
S0=$(jq -r .totals.all.count "$RUN/shard-0/results.json")
"$GATECAP" hlog "$M/run.hlog" --tag shard-0 --json > "$T_TMP/hl3.json" 2> /dev/null \
    || fail "hlog --tag shard-0 failed"
assert_eq "hlog: shard 0's own untagged lines" "$S0" "$(jq -r .summary.count "$T_TMP/hl3.json")"

# ---- the Java library reads the merged log ----
JAR=/usr/share/java/hdrhistogram.jar
if command -v java > /dev/null && [ -f "$JAR" ]; then
    jproc() { TZ=UTC java -Duser.timezone=UTC -cp "$JAR" org.HdrHistogram.HistogramLogProcessor "$@"; }
    # jcount NAME ARGS...: HistogramLogProcessor's total count of a selection
    jcount() {
        local name=$1
        shift
        jproc -i "$M/run.hlog" -outputValueUnitRatio 1000 "$@" -o "$T_TMP/j-$name" \
            > "$T_TMP/j-$name.err" 2>&1 || fail "Java's HistogramLogProcessor $*: $(head -5 "$T_TMP/j-$name.err")"
        sed -n 's/^#\[Max .*Total count *= *\([0-9]*\)\]$/\1/p' "$T_TMP/j-$name.hgrm"
    }
    assert_eq "Java: untagged lines, every request once" "$ALL" "$(jcount all)"
    assert_eq "Java: shard 0's lines (-tag shard-0)" "$S0" "$(jcount s0 -tag shard-0)"
    T1=$(jq -r '.cells[0] | "latency/\(.phase)/\(.request)/\(.node)"' "$M/results.json")
    assert_eq "Java: a merged tag ($T1)" "$(mj '.cells[0].count')" "$(jcount tag -tag "$T1")"
else
    log "java or $JAR missing: the Java check is skipped"
fi

# ---- merged into a folder beside the shards, twice (Kubernetes' and
# Slurm's layout): the earlier merge is not taken for a shard ----
for i in 1 2; do
    RRC=0
    "$GATECAP" merge "$RUN" -o "$RUN/merged" -q > /dev/null 2> "$T_TMP/again.err" || RRC=$?
    [ "$RRC" = "$MRC" ] || fail "merge into $RUN/merged (time $i): exit $RRC: $(cat "$T_TMP/again.err")"
done
assert_eq "merged again: same count" "$ALL" "$(jq -r .totals.all.count "$RUN/merged/results.json")"

# ---- wrong sets of shards: exit 3, named, nothing written ----
# merge_bad NAME ARGS...: merge into $T_TMP/NAME; sets BRC, stderr in $T_TMP/NAME.err
merge_bad() {
    local name=$1
    shift
    BRC=0
    "$GATECAP" merge "$@" -o "$T_TMP/$name" > /dev/null 2> "$T_TMP/$name.err" || BRC=$?
    assert_eq "$name: exit code" 3 "$BRC"
    [ ! -e "$T_TMP/$name" ] || fail "$name: the output folder was made"
}
mkdir -p "$T_TMP/partial"
cp -r "$RUN/shard-0" "$RUN/shard-2" "$T_TMP/partial/"
merge_bad missing "$T_TMP/partial"
assert_contains "missing shard named" "shard 1 of 3 is missing (run test-42): found shards 0, 2" \
    "$(cat "$T_TMP/missing.err")"
merge_bad duplicate "$RUN"/shard-*/results.json "$RUN/shard-1/results.json"
assert_contains "duplicate shard named" "shard 1 of 3 appears twice" \
    "$(cat "$T_TMP/duplicate.err")"
mkdir -p "$T_TMP/other/shard-1"
cp "$RUN/shard-1/run.hlog" "$T_TMP/other/shard-1/"
jq '.shard.run_id = "test-43"' "$RUN/shard-1/results.json" > "$T_TMP/other/shard-1/results.json"
merge_bad otherrun "$RUN/shard-0/results.json" "$T_TMP/other/shard-1/results.json" \
    "$RUN/shard-2/results.json"
assert_contains "another run's shard named" "run id test-42" "$(cat "$T_TMP/otherrun.err")"
assert_contains "another run's shard: its file" "other/shard-1/results.json" \
    "$(cat "$T_TMP/otherrun.err")"

# A shard stopped by a signal wrote whole results marked interrupted (as
# run_signals.sh shows run does): the merge adds what it sent, says so, and
# exits 3 — the run was not carried out as planned. (Its results.json is
# marked here as such a shard's would be.)
mkdir -p "$T_TMP/intr"
cp -r "$RUN/shard-0" "$RUN/shard-1" "$RUN/shard-2" "$T_TMP/intr/"
jq '.run.status = "interrupted" | .run.interrupted = true | .run.signal = "SIGTERM"' \
    "$RUN/shard-1/results.json" > "$T_TMP/intr/shard-1/results.json"
IRC=0
"$GATECAP" merge "$T_TMP/intr" -o "$T_TMP/intr-out" > "$T_TMP/intr.out" 2> "$T_TMP/intr.err" || IRC=$?
assert_eq "an interrupted shard: merge exit code" 3 "$IRC"
assert_eq "the merged run is interrupted, with every request of every shard" \
    "interrupted $ALL" "$(jq -r '"\(.run.status) \(.totals.all.count)"' "$T_TMP/intr-out/results.json")"

log "ok"
