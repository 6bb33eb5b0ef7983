#!/bin/bash
# `gatecap hlog` on the run.hlog of a real run (tags latency|service/
# PHASE/REQUEST/NODE, and untagged lines holding every request's latency):
#
#  - --all-tags refuses to add latency, service time and the untagged
#    lines together (it counted every request three times), naming the
#    series and what to give instead; exit 2;
#  - --tag-prefix merges one series, or one phase of it: latency/ and
#    service/ each count every request once (as the untagged lines and
#    results.json do), latency/PHASE/ the phase's;
#  - a tag or prefix no line has is an input error listing the tags that
#    exist (exit 2); one whose lines lie outside --start/--end is not;
#  - --list-tags prints them as Java's HistogramLogProcessor -listtags.
#
# Addresses 127.0.22.x; about 2 s of load.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

NET=127.0.22
sim_start $NET.1 --name gw1 --service-time fixed:1ms
S1=$SIM_HTTP
sim_start $NET.2 --name gw2 --service-time fixed:1ms
cat > "$T_TMP/tags.yaml" << YAML
name: tags
targets: [{url: "$S1", name: gw1}, {url: "$SIM_HTTP", name: gw2}]
requests: [{name: echo, path: /echo/1.0.0}]
interval: 500ms
load:
  workers: 1
  phases:
    - {name: warm, duration: 0.5s, rate: 100/s, record: false}
    - {name: steady, duration: 1s, rate: 100/s}
    - {name: burst, duration: 1s, rate: 200/s}
YAML
run tags
run_ok tags
LOG=$T_TMP/tags/run.hlog
ALL=$(jr tags .totals.all.count)
assert_ge "requests recorded" 250 "$ALL"

# hl NAME ARGS...: gatecap hlog LOG ARGS; sets HRC, output in $T_TMP/NAME.{out,err}
hl() {
    local name=$1
    shift
    HRC=0
    "$GATECAP" hlog "$LOG" "$@" > "$T_TMP/$name.out" 2> "$T_TMP/$name.err" || HRC=$?
}
count() { jq -r .summary.count "$T_TMP/$1.out"; }

hl untagged --json
assert_eq "untagged: exit code" 0 "$HRC"
assert_eq "untagged lines: every request once" "$ALL" "$(count untagged)"

hl all --all-tags
assert_eq "--all-tags on latency, service and untagged lines: exit code" 2 "$HRC"
E=$(cat "$T_TMP/all.err")
for s in "latency/..." "service/..." "untagged lines" "--tag-prefix latency/" "--tag-prefix service/"; do
    assert_contains "--all-tags message names '$s'" "$s" "$E"
done
assert_eq "--all-tags prints no distribution" "" "$(cat "$T_TMP/all.out")"

hl lat --tag-prefix latency/ --json
assert_eq "--tag-prefix latency/: exit code ($(cat "$T_TMP/lat.err"))" 0 "$HRC"
assert_eq "latency lines: every request once" "$ALL" "$(count lat)"
assert_eq "--json names the prefix" "latency/" "$(jq -r .selection.tag_prefix "$T_TMP/lat.out")"
hl svc --tag-prefix=service/ --json
assert_eq "--tag-prefix service/: exit code" 0 "$HRC"
assert_eq "service lines: every request once" "$ALL" "$(count svc)"
hl burst --tag-prefix latency/burst/ --json
assert_eq "one phase's latency" "$(jr tags .totals.by_phase.burst.count)" "$(count burst)"
hl text --tag-prefix latency/steady/
assert_contains "the text names the prefix" "(tag prefix latency/steady/)" "$(head -1 "$T_TMP/text.out")"
hl mixed --tag-prefix l
assert_eq "a prefix within one series: exit code" 0 "$HRC"

hl list --list-tags
assert_eq "--list-tags: exit code" 0 "$HRC"
printf '%s\n' "Tags found in input file:" "[NO TAG (default)]" latency/burst/echo/gw1 \
    latency/burst/echo/gw2 latency/steady/echo/gw1 latency/steady/echo/gw2 \
    service/burst/echo/gw1 service/burst/echo/gw2 service/steady/echo/gw1 \
    service/steady/echo/gw2 > "$T_TMP/want-tags"
diff -u "$T_TMP/want-tags" "$T_TMP/list.out" || fail "--list-tags: not the run's tags"

hl unknown --tag latency/stedy/echo/gw1
assert_eq "an unknown tag: exit code" 2 "$HRC"
E=$(cat "$T_TMP/unknown.err")
assert_contains "unknown tag named" "no line has the tag 'latency/stedy/echo/gw1'" "$E"
assert_contains "the tags listed" "latency/steady/echo/gw1, latency/steady/echo/gw2" "$E"
assert_contains "untagged lines mentioned" "untagged lines" "$E"
assert_eq "an unknown tag prints no distribution" "" "$(cat "$T_TMP/unknown.out")"
hl unknownp --tag-prefix latency/nosuch/
assert_eq "an unknown prefix: exit code" 2 "$HRC"
assert_contains "unknown prefix named" "prefix 'latency/nosuch/'" "$(cat "$T_TMP/unknownp.err")"
hl later --tag latency/steady/echo/gw1 --start 1000 --json
assert_eq "a known tag outside the time range: exit code" 0 "$HRC"
assert_eq "... an empty distribution" 0 "$(count later)"
assert_contains "... and a note" "starts between" "$(cat "$T_TMP/later.err")"

hl both --tag a --tag-prefix b
assert_eq "--tag with --tag-prefix: exit code" 2 "$HRC"
hl lj --list-tags --json
assert_eq "--list-tags with --json: exit code" 2 "$HRC"
log ok
