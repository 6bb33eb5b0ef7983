# tests/lib/gatecap.sh — running gatecap in integration tests. Source after
# common.sh.
#
#   run NAME [ARGS...]   gatecap run $T_TMP/NAME.yaml -o $T_TMP/NAME --quiet ARGS,
#                        output in $T_TMP/NAME.log; sets RC (its exit code)
#   jr NAME FILTER       jq -r FILTER on $T_TMP/NAME/results.json
#   run_ok NAME          fail unless the run exited 0, or 3 with status
#                        generator-limited (a busy machine delays some sends;
#                        that is reported, and latency still counts from the
#                        intended start) — never anything else

run() {
    local name=$1
    shift
    RC=0
    "$GATECAP" run "$T_TMP/$name.yaml" -o "$T_TMP/$name" --quiet "$@" > "$T_TMP/$name.log" 2>&1 || RC=$?
    [ -f "$T_TMP/$name/results.json" ] && it_http_spoken "$name" "$T_TMP/$name/results.json"
    return 0
}

# it_http_spoken NAME RESULTS: in tests/it/h2/ (IT_HTTP=2) every run speaks
# HTTP/2, through the native transport unless its scenario asks for libcurl
it_http_spoken() {
    [ "${IT_HTTP:-1.1}" = 2 ] || return 0
    local h t
    h=$(jq -r .scenario.http "$2")
    [ "$h" = 2 ] || fail "$1: IT_HTTP=2, but the run spoke HTTP/$h"
    t=$(jq -r .gatecap.transport "$2")
    [ "$(jq -r '.scenario.generator.transport // "auto"' "$2")" = curl ] || [ "$t" = native ] ||
        fail "$1: HTTP/2 went through $t, not the native transport"
}

jr() { jq -r "$2" "$T_TMP/$1/results.json"; }

# run_undisturbed NAME [ARGS...]: run, for a test that needs every arrival
# sent when it was due (a measurement compared with a planted truth, an exit
# code of 0). A run that gatecap marks generator-limited (exit 3: its
# threads waited for cores that other processes held, as on a busy CI
# machine) measured the machine, not the gateway; it is run again, three
# attempts in all. RC is the last attempt's exit code.
run_undisturbed() {
    local name=$1 out=$T_TMP/$1 attempt a prev=
    for a in "$@"; do # an -o among ARGS wins over run's
        [ "$prev" = -o ] && out=$a
        prev=$a
    done
    for attempt in 1 2 3; do
        run "$@"
        [ "$RC" = 3 ] && [ "$(jq -r .run.status "$out/results.json" 2> /dev/null)" = generator-limited ] ||
            return 0
        log "  $name: attempt $attempt was generator-limited" \
            "($(jq -r '"\(.generator.late) late, max lag \(.generator.max_lag_ms) ms"' "$out/results.json"):" \
            "a busy machine)"
    done
}

run_ok() {
    [ "$RC" = 0 ] && return 0
    [ "$RC" = 3 ] && [ "$(jr "$1" .run.status)" = generator-limited ] && return 0
    fail "$1: exit code $RC: $(tail -3 "$T_TMP/$1.log")"
}
