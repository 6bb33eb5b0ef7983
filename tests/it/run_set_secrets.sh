#!/bin/bash
# Command-line and --set messages never repeat a secret the user typed: a
# target URL's user:password@, an apikey= query value, a secret header's
# value, a --set value split off its key by a space, or a credential-shaped
# stray argument; for gatecap validate, run and search. What is wrong is
# still said (exit 2, the key and the reason). No server is needed: every
# case fails before anything is sent.
. "$(dirname "$0")/../lib/common.sh"

cat > "$T_TMP/s.yaml" << 'YAML'
name: s
targets: ["http://127.0.0.1:1"]
requests: [{name: echo, path: /echo}]
load: {phases: [{name: steady, duration: 1s, rate: 10/s}]}
YAML

S=sekrit-$RANDOM$RANDOM
# CASE: ARGS... ; expects exit 2, WANT in stderr, and $S nowhere
check() {
    local name=$1 want=$2 rc=0
    shift 2
    "$GATECAP" "$@" > "$T_TMP/$name.out" 2> "$T_TMP/$name.err" || rc=$?
    assert_eq "$name: exit code" 2 "$rc"
    assert_contains "$name: the message" "$want" "$(cat "$T_TMP/$name.err")"
    ! grep -qF -- "$S" "$T_TMP/$name.out" "$T_TMP/$name.err" ||
        fail "$name: the secret is repeated: $(grep -hF -- "$S" "$T_TMP/$name.out" "$T_TMP/$name.err")"
}

for cmd in validate run; do
    log "$cmd: --set values"
    check "$cmd-userinfo" "targets.0.url=https://<redacted>@bad host:8243: targets.0.url: credentials" \
        "$cmd" "$T_TMP/s.yaml" --set "targets.0.url=https://user:$S@bad host:8243"
    check "$cmd-query" "requests.0.path: 'x?apikey=<redacted>' must start with '/'" \
        "$cmd" "$T_TMP/s.yaml" --set "requests.0.path=x?apikey=$S"
    check "$cmd-header" "requests.0.headers.X-Api-Key: malformed '\${' reference '<redacted>'" \
        "$cmd" "$T_TMP/s.yaml" --set "requests.0.headers.X-Api-Key=ab\${$S"
    check "$cmd-flow" "--set requests.0.headers=<redacted>: requests.0.headers.apikey: expected a single value" \
        "$cmd" "$T_TMP/s.yaml" --set "requests.0.headers={apikey: [$S]}"
    log "$cmd: stray arguments"
    check "$cmd-split" "after --set requests.0.headers.apikey" \
        "$cmd" "$T_TMP/s.yaml" --set requests.0.headers.apikey "$S"
    check "$cmd-stray" "unexpected argument 'requests.0.headers.apikey=<redacted>'" \
        "$cmd" "$T_TMP/s.yaml" "requests.0.headers.apikey=$S"
done

log "search: --set values and stray arguments"
check search-query "requests.0.path: 'x?apikey=<redacted>' must start with '/'" \
    search "$T_TMP/s.yaml" --slo 'p99 < 250ms' --set "requests.0.path=x?apikey=$S"
check search-split "argument after --set 'requests.0.headers.apikey': not shown" \
    search "$T_TMP/s.yaml" --slo 'p99 < 250ms' --set requests.0.headers.apikey "$S"
check search-stray "option '--set=requests.0.headers.apikey=<redacted>': unknown" \
    search "$T_TMP/s.yaml" "--set=requests.0.headers.apikey=$S" --slo 'p99 < 250ms'
check search-last "--set=requests.0.headers.apikey=<redacted> '': needs a value" \
    search "$T_TMP/s.yaml" --slo 'p99 < 250ms' "--set=requests.0.headers.apikey=$S"
log "ok"
