#!/bin/bash
# A run's outputs are whole or absent, and printing never decides its fate:
#  - a closed pipe on the progress stream (`gatecap run ... 2>&1 | head -1`)
#    stops the printing, not the run: exit 0, every file written;
#  - standard output on a full device: the results are written, the run
#    exits 3 and says the summary was lost;
#  - a file too large to write (a file-size limit, as a full disk does):
#    none of this run's files is kept, the previous run's stay as they
#    were, the summary names no file, exit 3;
#  - an output folder or --junit path that cannot be written is an input
#    error found before anything is sent (exit 2, the node saw nothing);
#  - a run that recorded nothing (every phase record: false) writes
#    results that report, hlog and compare read back, and plan declines
#    with its reason rather than a format error.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

A=127.0.12.20
sim_start "$A"
cat > "$T_TMP/base.yaml" << YAML
name: outputs
targets: [{url: "$SIM_HTTP", name: gw}]
requests: [{name: echo, path: /echo/1.0.0}]
generator: {late_threshold: 50ms}
load: {workers: 1, phases: [{name: steady, duration: 3s, rate: 50/s}]}
YAML
files="results.json run.hlog report.md report.html"

log "a closed pipe on the progress stream: the run goes on, whole"
set +o pipefail
"$GATECAP" run "$T_TMP/base.yaml" -o "$T_TMP/pipe" 2>&1 | head -n 1 > "$T_TMP/pipe.head"
rc=${PIPESTATUS[0]}
set -o pipefail
assert_eq "closed pipe: exit code" 0 "$rc"
assert_eq "closed pipe: one line read" 1 "$(wc -l < "$T_TMP/pipe.head")"
for f in $files; do [ -s "$T_TMP/pipe/$f" ] || fail "closed pipe: $f missing"; done
assert_eq "closed pipe: every arrival recorded" 150 "$(jq .totals.all.count "$T_TMP/pipe/results.json")"

log "standard output on a full device: results written, exit 3, said on stderr"
rc=0
"$GATECAP" run "$T_TMP/base.yaml" -o "$T_TMP/full" --quiet > /dev/full 2> "$T_TMP/full.err" || rc=$?
assert_eq "stdout full: exit code" 3 "$rc"
assert_contains "stdout full: said" "the summary could not be written to standard output" "$(cat "$T_TMP/full.err")"
for f in $files; do [ -s "$T_TMP/full/$f" ] || fail "stdout full: $f missing"; done

log "a file too large to write: none of this run's files kept, the previous run's intact"
cp "$T_TMP/base.yaml" "$T_TMP/prev.yaml"
run_undisturbed prev -o "$T_TMP/big"
[ "$RC" = 0 ] || fail "previous run: exit code $RC"
(cd "$T_TMP/big" && md5sum $files) > "$T_TMP/big.md5"
rc=0
# 16 KiB: far less than results.json with its histograms
(ulimit -f 16 && exec "$GATECAP" run "$T_TMP/base.yaml" -o "$T_TMP/big" > "$T_TMP/big.out" 2> "$T_TMP/big.err") || rc=$?
assert_eq "file too large: exit code" 3 "$rc"
assert_contains "file too large: the file and the cause named" "File too large" "$(cat "$T_TMP/big.err")"
assert_contains "file too large: nothing kept, said" "no output files were written" "$(cat "$T_TMP/big.out")"
grep -q "^results: " "$T_TMP/big.out" && fail "file too large: the summary names files that were not written"
(cd "$T_TMP/big" && md5sum -c --quiet "$T_TMP/big.md5") || fail "file too large: the previous run's files changed"
assert_eq "file too large: nothing temporary left" "" "$(ls "$T_TMP/big" | grep '\.tmp\.' || true)"

log "an output folder or --junit path that cannot be written: exit 2 before anything is sent"
sim_reset
: > "$T_TMP/a-file"
rc=0
"$GATECAP" run "$T_TMP/base.yaml" -o "$T_TMP/a-file/out" --quiet > /dev/null 2> "$T_TMP/nodir.err" || rc=$?
assert_eq "output folder under a file: exit code" 2 "$rc"
assert_contains "output folder: named" "$T_TMP/a-file/out" "$(cat "$T_TMP/nodir.err")"
rc=0
"$GATECAP" run "$T_TMP/base.yaml" -o "$T_TMP/j" --junit "$T_TMP/a-file/gates.xml" --quiet > /dev/null \
    2> "$T_TMP/nojunit.err" || rc=$?
assert_eq "--junit under a file: exit code" 2 "$rc"
assert_contains "--junit: named" "$T_TMP/a-file/gates.xml" "$(cat "$T_TMP/nojunit.err")"
rc=0
"$GATECAP" run "$T_TMP/base.yaml" -o "" --quiet > /dev/null 2> "$T_TMP/empty.err" || rc=$?
assert_eq "-o '': exit code" 2 "$rc"
assert_eq "the node saw nothing (not even the check)" 0 "$(sim_stats | jq .requests.total)"
# a --junit folder that does not exist yet is made
run_undisturbed prev -o "$T_TMP/jk" --junit "$T_TMP/new/dir/gates.xml"
[ "$RC" = 0 ] || fail "--junit in a new folder: exit code $RC: $(tail -3 "$T_TMP/prev.log")"
xmllint --noout "$T_TMP/new/dir/gates.xml" || fail "--junit in a new folder: not XML"

log "a run that recorded nothing: results read back by report, hlog and compare"
cat > "$T_TMP/zero.yaml" << YAML
name: zero
targets: [{url: "$SIM_HTTP", name: gw}]
requests: [{name: echo, path: /echo/1.0.0}]
generator: {late_threshold: 50ms}
load: {workers: 1, phases: [{name: warm, duration: 1s, rate: 20/s, record: false}]}
YAML
run zero
[ "$RC" = 0 ] || fail "zero: exit code $RC: $(tail -3 "$T_TMP/zero.log")"
for f in $files; do [ -s "$T_TMP/zero/$f" ] || fail "zero: $f missing"; done
assert_eq "zero: totals.all.count" 0 "$(jr zero .totals.all.count)"
"$GATECAP" report "$T_TMP/zero/results.json" -o "$T_TMP/zero-report" > /dev/null 2> "$T_TMP/zr.err" ||
    fail "zero: report: $(cat "$T_TMP/zr.err")"
"$GATECAP" hlog "$T_TMP/zero/run.hlog" --json > "$T_TMP/zh.json" || fail "zero: hlog cannot read run.hlog"
assert_eq "zero: hlog count" 0 "$(jq .summary.count "$T_TMP/zh.json")"
rc=0
"$GATECAP" compare "$T_TMP/zero/results.json" "$T_TMP/zero/results.json" > "$T_TMP/zc.out" 2> "$T_TMP/zc.err" || rc=$?
grep -qi "not a gatecap results\|cut short\|is missing" "$T_TMP/zc.err" && fail "zero: compare calls the results malformed: $(cat "$T_TMP/zc.err")"
rc=0
"$GATECAP" plan "$T_TMP/zero/results.json" --target-rps 10 > /dev/null 2> "$T_TMP/zp.err" || rc=$?
assert_eq "zero: plan declines" 2 "$rc"
assert_contains "zero: plan says why" "nothing to plan from" "$(cat "$T_TMP/zp.err")"
log "ok"
