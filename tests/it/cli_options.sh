#!/bin/bash
# Options that name an output (-o / --output, and the report files
# --junit and --markdown) must have a value, and not an empty one, in
# every command that takes them: `-o ""` made `gatecap run` write
# /results.json and `gatecap search` its probes under /, after the whole
# load test; `gatecap validate -o ""` said "valid". Each is a usage error:
# exit 2 before anything is loaded or sent, with a message naming the
# option. Every command prints its usage on stdout and exits 0 for -h and
# --help. Nothing listens where the scenario points, and nothing is sent.
. "$(dirname "$0")/../lib/common.sh"

PORT=$(free_port)
cat > "$T_TMP/s.yaml" << YAML
targets: ["http://127.0.0.1:$PORT"]
requests: [{path: /a}]
load: {phases: [{duration: 1s, rate: 1/s}]}
YAML
S=$T_TMP/s.yaml
printf 'rate,throughput,p99_ms\n100,100,10\n200,200,12\n400,390,30\n' > "$T_TMP/steps.csv"
echo '{"format": "gatecap-results", "version": 1}' > "$T_TMP/results.json"

# expect_usage WHAT NEEDLE CMD...: CMD exits 2 and says NEEDLE on stderr
expect_usage() {
    local what=$1 needle=$2 rc=0
    shift 2
    (cd "$T_TMP/cwd" && timeout 60 "$GATECAP" "$@") > "$T_TMP/out" 2> "$T_TMP/err" || rc=$?
    assert_eq "$what: exit code ($(head -c 300 "$T_TMP/err"))" 2 "$rc"
    assert_contains "$what: message" "$needle" "$(cat "$T_TMP/err")"
}
mkdir -p "$T_TMP/cwd"

for cmd in run validate; do
    expect_usage "$cmd -o ''" "-o" $cmd "$S" -o ""
    expect_usage "$cmd -o (last)" "-o" $cmd "$S" -o
    expect_usage "$cmd --output ''" "--output" $cmd "$S" --output ""
done
expect_usage "run --junit ''" "--junit" run "$S" --junit ""
expect_usage "run --junit (last)" "--junit" run "$S" --junit
expect_usage "search -o ''" "-o" search "$S" --slo 'p99 < 1s' -o ""
expect_usage "search --output ''" "--output" search "$S" --slo 'p99 < 1s' --output ""
expect_usage "search -o (last)" "-o" search "$S" --slo 'p99 < 1s' -o
expect_usage "plan -o ''" "-o" plan "$T_TMP/steps.csv" --target-rps 100 -o ""
expect_usage "plan -o=" "-o" plan "$T_TMP/steps.csv" --target-rps 100 -o=
expect_usage "plan -o (last)" "-o" plan "$T_TMP/steps.csv" --target-rps 100 -o
expect_usage "report -o ''" "-o" report "$T_TMP/results.json" -o ""
expect_usage "report -o (last)" "-o" report "$T_TMP/results.json" -o
expect_usage "compare --junit ''" "--junit" compare "$T_TMP/results.json" "$T_TMP/results.json" --junit ""
expect_usage "compare --markdown ''" "--markdown" compare "$T_TMP/results.json" "$T_TMP/results.json" --markdown ""
expect_usage "compare --junit=" "--junit" compare "$T_TMP/results.json" "$T_TMP/results.json" --junit=

# Every command takes -h and --help: its usage on stdout, nothing on
# stderr, exit 0, nothing loaded, sent or written (`run`, `validate` and
# `search` used to call --help an unexpected argument and exit 2). After
# other arguments too.
for cmd in run validate search plan compare report hlog; do
    for h in -h --help; do
        for args in "$h" "$S $h"; do
            rc=0
            # shellcheck disable=SC2086 # $args is two words on purpose
            (cd "$T_TMP/cwd" && timeout 60 "$GATECAP" $cmd $args) > "$T_TMP/out" 2> "$T_TMP/err" || rc=$?
            assert_eq "$cmd $args: exit code ($(head -c 300 "$T_TMP/err"))" 0 "$rc"
            assert_contains "$cmd $args: usage on stdout" "usage: gatecap $cmd" "$(cat "$T_TMP/out")"
            assert_eq "$cmd $args: nothing on stderr" "" "$(cat "$T_TMP/err")"
        done
    done
done
assert_contains "gatecap help points to COMMAND --help" "gatecap COMMAND --help" "$("$GATECAP" help)"
[ -e /results.json ] && [ /results.json -nt "$S" ] && fail "something wrote /results.json"
assert_eq "nothing written where the commands ran" "" "$(ls -A "$T_TMP/cwd")"
log ok
