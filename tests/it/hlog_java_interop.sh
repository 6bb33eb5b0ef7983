#!/bin/bash
# hlog_java_interop — gatecap's histogram encoding, interval logs and
# `gatecap hlog` checked against the reference Java HdrHistogram (Debian's
# libhdrhistogram-java 2.1.11), in both directions:
#
#   1. Java writes logs (relative, absolute, no StartTime) with
#      HistogramLogWriter; gatecap's reader must see the same intervals,
#      counts, min, max, mean/stddev bits and percentiles as Java's reader.
#   2. gatecap writes the same data set; Java's reader must see the same
#      numbers as for the Java-written log, and the V2 encoding must be the
#      same bytes (before and after zlib).
#   3. `gatecap hlog` must print the same .hgrm lines as Java's
#      HistogramLogProcessor for the same selection and unit ratio, and
#      `--list-tags` the same as its -listtags.
#   4. Number formatting: hlog_format_fixed against Java's "%.Nf".
#   5. `gatecap hlog` on bad input: file:line messages, exit 2; a
#      half-written last line is only a warning.
#
# Builds tests/java/HlogInterop.java into $BUILD/java and
# tests/it/hlog_interop.c into $BUILD/it against $BUILD/libgatecap.a.
. "$(dirname "$0")/../lib/common.sh"

JAR=/usr/share/java/hdrhistogram.jar
require_cmd java javac
[ -f "$JAR" ] || skip "$JAR missing (apt-get install libhdrhistogram-java)"
LIB="$BUILD_DIR/libgatecap.a"
[ -f "$LIB" ] || fail "$LIB missing: run make first"
[ -x "$GATECAP" ] || fail "$GATECAP missing: run make first"

JDIR="$BUILD_DIR/java"
HELPER="$BUILD_DIR/it/hlog_interop"
mkdir -p "$JDIR" "$(dirname "$HELPER")"

log "compiling tests/java/HlogInterop.java"
javac -d "$JDIR" -cp "$JAR" "$GATECAP_TOP/tests/java/HlogInterop.java" \
    || fail "javac failed"

log "compiling tests/it/hlog_interop.c against $LIB"
san=""
# (no grep -q: it would stop reading early and pipefail would see nm's SIGPIPE)
if nm "$LIB" 2> /dev/null | grep __asan_init > /dev/null; then
    san="-fsanitize=address,undefined"
fi
${CC:-cc} -std=c11 -D_GNU_SOURCE -O1 -g $san -iquote "$GATECAP_TOP/harness" \
    -o "$HELPER" "$GATECAP_TOP/tests/it/hlog_interop.c" "$LIB" -lz -lm \
    || fail "cannot build the C helper"

# Java's Date.toString() uses the default time zone; gatecap prints UTC.
jrun() { TZ=UTC java -Duser.timezone=UTC -cp "$JAR:$JDIR" "$@"; }
jproc() { TZ=UTC java -Duser.timezone=UTC -cp "$JAR" org.HdrHistogram.HistogramLogProcessor "$@"; }

mismatches=0
# same WHAT EXPECTED_FILE ACTUAL_FILE: diff, count a mismatch.
same() {
    if diff -u "$2" "$3" > "$T_TMP/diff.out"; then
        log "ok: $1"
    else
        echo "MISMATCH: $1 ($2 vs $3):" >&2
        head -n 40 "$T_TMP/diff.out" | cut -c1-220 >&2
        mismatches=$((mismatches + 1))
    fi
}

cd "$T_TMP"

# ---- 4. number formatting ------------------------------------------------
jrun HlogInterop format > fmt.txt || fail "HlogInterop format failed"
if "$HELPER" format < fmt.txt > fmt.out; then
    log "ok: $(tail -n 1 fmt.out) (hlog_format_fixed vs Java %.Nf)"
else
    head -n 20 fmt.out >&2
    mismatches=$((mismatches + 1))
fi

# ---- 1 and 2. logs both ways ------------------------------------------------
for style in relative absolute nostart; do
    jrun HlogInterop write "java-$style.hlog" "$style" || fail "Java writer failed ($style)"
done
"$HELPER" write gatecap.hlog || fail "gatecap writer failed"

for l in java-relative java-absolute java-nostart gatecap; do
    jrun HlogInterop read "$l.hlog" > "$l.java.txt" || fail "Java cannot read $l.hlog"
    "$HELPER" read "$l.hlog" > "$l.gatecap.txt" || fail "gatecap cannot read $l.hlog"
    [ "$(grep -c '^interval ' "$l.java.txt")" -eq 16 ] \
        || fail "Java read $(grep -c '^interval ' "$l.java.txt") intervals from $l.hlog, not 16"
    same "$l.hlog read by Java and by gatecap" "$l.java.txt" "$l.gatecap.txt"
done
same "Java reads gatecap's log as it reads its own (same data)" \
    java-relative.java.txt gatecap.java.txt

"$HELPER" payloads java-relative.hlog > java.payloads || fail "cannot decode Java's payloads"
"$HELPER" payloads gatecap.hlog > gatecap.payloads || fail "cannot decode gatecap's payloads"
same "uncompressed V2 encodings, Java vs gatecap" java.payloads gatecap.payloads
"$HELPER" compressed java-relative.hlog > java.b64
"$HELPER" compressed gatecap.hlog > gatecap.b64
same "compressed base64 histograms, Java vs gatecap (same zlib, level 9)" java.b64 gatecap.b64

# The case where Java and the HdrHistogram C library disagree: N = 3, p40
# is the 2nd value in Java (and gatecap), the 1st in the C library.
for f in java-relative.gatecap.txt gatecap.java.txt; do
    line0=$(grep '^interval 0 ' "$f")
    assert_contains "N=3 interval in $f" " count=3 " "$line0"
    assert_contains "p40 of {1,2,3} in $f (Java: 2)" " p40=2 " "$line0"
    assert_contains "p33.3 of {1,2,3} in $f" " p33.3=1 " "$line0"
    assert_contains "p66.7 of {1,2,3} in $f" " p66.7=2 " "$line0"
done

# ---- 3. gatecap hlog vs HistogramLogProcessor --------------------------------
# hgrm NAME "JAVA ARGS" "GATECAP ARGS"
hgrm() {
    local name=$1 jargs=$2 gargs=$3
    # shellcheck disable=SC2086
    jproc $jargs -o "j-$name" > "j-$name.stderr" 2>&1 || fail "HistogramLogProcessor $jargs failed"
    # shellcheck disable=SC2086
    "$GATECAP" hlog $gargs > "g-$name.out" 2> "g-$name.stderr" || fail "gatecap hlog $gargs failed"
    grep -v '^#\[gatecap hlog: ' "g-$name.out" > "g-$name.hgrm"
    [ "$(grep -c '^#\[gatecap hlog: ' "g-$name.out")" -eq 3 ] \
        || fail "gatecap hlog $gargs: expected 3 summary lines"
    same "gatecap hlog $gargs == HistogramLogProcessor $jargs" "j-$name.hgrm" "g-$name.hgrm"
}
hgrm jrel "-i java-relative.hlog" "java-relative.hlog"
hgrm jabs "-i java-absolute.hlog" "java-absolute.hlog"
hgrm jnostart "-i java-nostart.hlog" "java-nostart.hlog"
hgrm jseries "-i java-relative.hlog -tag series" "java-relative.hlog --tag series"
hgrm jbounds "-i java-relative.hlog -tag bounds" "java-relative.hlog --tag bounds"
hgrm jcoarse "-i java-absolute.hlog -tag coarse" "java-absolute.hlog --tag coarse"
hgrm jempty "-i java-relative.hlog -tag empty" "java-relative.hlog --tag empty"
hgrm jsingle "-i java-relative.hlog -tag single" "java-relative.hlog --tag single"
hgrm jrange "-i java-absolute.hlog -start 2 -end 5" "java-absolute.hlog --start 2 --end 5"
hgrm jrange2 "-i java-relative.hlog -start 4.5 -end 7.25 -tag series" \
    "java-relative.hlog --start 4.5 --end 7.25 --tag series"
hgrm jnsrange "-i java-nostart.hlog -start 1 -end 4" "java-nostart.hlog --start 1 --end 4"
hgrm jratio "-i java-relative.hlog -outputValueUnitRatio 1" "java-relative.hlog --unit-ratio 1"
# gatecap's own log: values in µs, so gatecap's default (ms) is ratio 1000.
hgrm gdefault "-i gatecap.hlog -outputValueUnitRatio 1000" "gatecap.hlog"
hgrm gseries "-i gatecap.hlog -tag series -outputValueUnitRatio 1000" "gatecap.hlog --tag series"
hgrm gratio7 "-i gatecap.hlog -tag bounds -outputValueUnitRatio 7" \
    "gatecap.hlog --tag bounds --unit-ratio 7"
hgrm gratio03 "-i gatecap.hlog -tag coarse -outputValueUnitRatio 0.3" \
    "gatecap.hlog --tag coarse --unit-ratio 0.3"

# No interval selected: Java 2.1.11 dies with a NullPointerException;
# gatecap prints the empty distribution Java's code means to print.
"$GATECAP" hlog gatecap.hlog --tag series --start 100000 > none.out 2> none.err \
    || fail "gatecap hlog with a tag outside the time range should succeed"
assert_contains "empty selection" "Total count    =            0" "$(cat none.out)"
assert_contains "empty selection hint" "no interval with the tag 'series' starts between" \
    "$(cat none.err)"
# A tag no line has is a mistake: exit 2, the log's tags listed.
rc=0
"$GATECAP" hlog gatecap.hlog --tag nosuchtag > none.out 2> none.err || rc=$?
assert_eq "an unknown tag: exit code" 2 "$rc"
assert_contains "an unknown tag: the tags listed" "its tags (" "$(cat none.err)"
assert_contains "an unknown tag: series among them" "series" "$(cat none.err)"

# The tags of a log, as Java's -listtags prints them (whole log and a range).
for args in "-i java-relative.hlog" "-i gatecap.hlog" "-i java-absolute.hlog -start 2 -end 5"; do
    # shellcheck disable=SC2086 # $args is several words on purpose
    jproc $args -listtags > j-tags.txt 2> /dev/null || fail "HistogramLogProcessor $args -listtags"
    gargs=$(echo "$args" | sed -e 's/^-i //' -e 's/-start/--start/' -e 's/-end/--end/')
    # shellcheck disable=SC2086
    "$GATECAP" hlog $gargs --list-tags > g-tags.txt || fail "gatecap hlog $gargs --list-tags"
    same "gatecap hlog $gargs --list-tags == HistogramLogProcessor $args -listtags" j-tags.txt g-tags.txt
done

# --json carries the same numbers.
if command -v jq > /dev/null 2>&1; then
    "$GATECAP" hlog gatecap.hlog --tag series --json > series.json || fail "--json failed"
    jcount=$(jq -r '.summary.count' series.json)
    hcount=$(sed -n 's/^#\[Max .*Total count *= *\([0-9]*\)\]$/\1/p' g-gseries.hgrm)
    assert_eq "--json count vs .hgrm" "$hcount" "$jcount"
    assert_eq "--json unit ratio" "1000" "$(jq -r '.unit_ratio' series.json)"
    assert_eq "--json rows vs .hgrm rows" \
        "$(grep -c '^ *[0-9]' g-gseries.hgrm)" "$(jq -r '.distribution | length' series.json)"
    last=$(jq -r '.distribution[-1].value_raw' series.json)
    assert_eq "--json last value_raw is the max (100031 µs)" "100031" "$last"
fi

# ---- 5. bad input ----------------------------------------------------------
head -n 9 gatecap.hlog > half.hlog
sed -n 10p gatecap.hlog | head -c 40 >> half.hlog # half-written last line, no newline
"$GATECAP" hlog half.hlog --all-tags > half.out 2> half.err || fail "half-written last line must not fail"
assert_contains "half-written last line warning" "half.hlog:10: last line is incomplete" \
    "$(cat half.err)"

{ head -n 9 gatecap.hlog; sed -n 10p gatecap.hlog | head -c 40; echo; sed -n '11,$p' gatecap.hlog; } \
    > broken.hlog
rc=0
"$GATECAP" hlog broken.hlog --all-tags > broken.out 2> broken.err || rc=$?
assert_eq "exit code on a corrupt line" 2 "$rc"
assert_contains "corrupt line named" "broken.hlog:10:" "$(cat broken.err)"

printf '#[Histogram log format version 1.3]\n0.000,1.000,0.000,HISTnotbase64!!\n' > garbage.hlog
rc=0
"$GATECAP" hlog garbage.hlog > /dev/null 2> garbage.err || rc=$?
assert_eq "exit code on a bad histogram" 2 "$rc"
assert_contains "bad histogram named" "garbage.hlog:2: histogram does not decode" \
    "$(cat garbage.err)"

rc=0
"$GATECAP" hlog "$T_TMP/does-not-exist.hlog" 2> missing.err || rc=$?
assert_eq "exit code on a missing file" 2 "$rc"
rc=0
"$GATECAP" hlog gatecap.hlog --unit-ratio zero 2> usage.err || rc=$?
assert_eq "exit code on a bad option value" 2 "$rc"

[ "$mismatches" -eq 0 ] || fail "$mismatches mismatch(es) between gatecap and Java HdrHistogram"
log "all interop checks passed"
