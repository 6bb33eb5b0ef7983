# tests/lib/common.sh — shared helpers for the bash integration tests in
# tests/it/*.sh. Source it first thing:
#
#     . "$(dirname "$0")/../lib/common.sh"
#
# It sets `set -euo pipefail`, defines the variables below, and installs an
# EXIT/INT/TERM trap that runs every registered cleanup (newest first) and
# kills every process started with `bg_start`, even when the test fails.
# Nothing here is specific to one tool; see tests/lib/gatewaysim.sh for the
# gateway simulator helpers.
#
# Variables (exported by tests/run-tests; defaults for running a script by
# hand from the repo root):
#   GATECAP_TOP  repo root            BUILD     build folder (default build)
#   GATECAP      gatecap binary       GATEWAYSIM  gateway simulator binary
#   T_TMP        a fresh temp folder for this test, removed at exit unless
#                KEEP_TMP=1 (its path is printed on failure).
#
# Functions (all print to stderr; none needs root; loopback only):
#   log MSG...                 progress line "[test] MSG"
#   fail MSG...                print "FAIL: MSG" and exit 1 (cleanup runs)
#   skip MSG...                print "SKIP: MSG" and exit 0
#   require_cmd CMD...         skip unless every CMD is on PATH
#   on_exit CMD...             run CMD (eval'd string) at exit, LIFO order
#   bg_start LOG CMD ARGS...   start CMD in the background, output to LOG;
#                              sets BG_PID; killed (TERM, then KILL after
#                              3 s) at exit if still running
#   bg_stop PID [TIMEOUT_S]    TERM PID, wait up to TIMEOUT_S (default 5),
#                              then KILL; returns the exit status (143 when
#                              killed by TERM without handling it, 137 KILL)
#   wait_for_port HOST PORT [TIMEOUT_S] [PID]
#                              poll until a TCP connect succeeds (default
#                              10 s); fails early when PID has exited
#   wait_for_no_port HOST PORT [TIMEOUT_S]
#                              poll until connects are refused
#   wait_for_exit PID [TIMEOUT_S]
#                              poll until PID is gone; returns 1 on timeout
#   proc_alive PID             true when PID runs (a zombie counts as gone:
#                              in containers whose PID 1 does not reap,
#                              orphans stay <defunct> after they exit)
#   free_port [HOST]           print a TCP port that nothing listens on at
#                              HOST (default 127.0.0.1), from 20000-59999;
#                              racy by nature, so bind soon after
#   assert_eq WHAT EXPECTED ACTUAL
#   assert_ne WHAT UNEXPECTED ACTUAL
#   assert_ge WHAT MIN ACTUAL   (integers)
#   assert_le WHAT MAX ACTUAL   (integers)
#   assert_contains WHAT NEEDLE HAYSTACK
#   now_ms                     monotonic-enough milliseconds (date +%s%3N)
#   http_code URL [CURL ARGS...]  print the HTTP status ("000" on failure)
#   it_http                    the scenario line for the HTTP version the test
#                              speaks: IT_HTTP ("1.1" unless set; the tests in
#                              tests/it/h2/ run others again with IT_HTTP=2)

set -euo pipefail

: "${GATECAP_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${BUILD:=build}"
case "$BUILD" in /*) ;; *) BUILD_DIR="$GATECAP_TOP/$BUILD" ;; esac
: "${BUILD_DIR:=$BUILD}"
: "${GATECAP:=$BUILD_DIR/gatecap}"
: "${GATEWAYSIM:=$BUILD_DIR/gatewaysim}"
export GATECAP_TOP BUILD GATECAP GATEWAYSIM
: "${IT_HTTP:=1.1}"
it_http() { echo "http: \"$IT_HTTP\""; }

T_NAME=$(basename "${0%.sh}")
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatecap-$T_NAME.XXXXXX")
_T_CLEANUPS=()
_T_PIDS=()
_T_FAILED=0

log() { echo "[$T_NAME] $*" >&2; }

fail() {
    _T_FAILED=1
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $*" >&2
    exit 0
}

require_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" > /dev/null 2>&1 || skip "$c not installed"
    done
}

on_exit() { _T_CLEANUPS+=("$*"); }

_t_kill_pid() {
    local pid=$1 i
    kill -0 "$pid" 2> /dev/null || return 0
    kill -TERM "$pid" 2> /dev/null || true
    for i in $(seq 1 30); do
        kill -0 "$pid" 2> /dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2> /dev/null || true
}

_t_exit() {
    local rc=$? i
    trap - EXIT INT TERM
    set +e
    for ((i = ${#_T_CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${_T_CLEANUPS[$i]}" > /dev/null 2>&1
    done
    for ((i = ${#_T_PIDS[@]} - 1; i >= 0; i--)); do
        _t_kill_pid "${_T_PIDS[$i]}"
        wait "${_T_PIDS[$i]}" 2> /dev/null # reap; never a bare wait (it could hang)
    done
    if [ "$rc" -ne 0 ] || [ "$_T_FAILED" -ne 0 ]; then
        echo "[$T_NAME] failed (rc=$rc); temp folder: $T_TMP" >&2
        # Show the tail of every log a failed test wrote.
        for f in "$T_TMP"/*.log; do
            [ -f "$f" ] || continue
            echo "---- $f (tail)" >&2
            tail -n 15 "$f" >&2
        done
    fi
    if [ "${KEEP_TMP:-0}" != 1 ]; then rm -rf "$T_TMP"; fi
    exit "$rc"
}
trap _t_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bg_start() {
    local logf=$1
    shift
    # exec: $! must be the command itself, never a wrapper subshell that a
    # kill would orphan the command from
    { exec "$@"; } > "$logf" 2>&1 &
    BG_PID=$!
    _T_PIDS+=("$BG_PID")
}

bg_stop() {
    local pid=$1 timeout_s=${2:-5} rc i n
    kill -TERM "$pid" 2> /dev/null || true
    n=$((timeout_s * 10))
    for ((i = 0; i < n; i++)); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2> /dev/null && kill -KILL "$pid" 2> /dev/null
    rc=0
    wait "$pid" 2> /dev/null || rc=$?
    return "$rc"
}

_t_can_connect() {
    # bash's /dev/tcp, with a 1 s bound so a black-holed address can't hang.
    timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2> /dev/null
}

wait_for_port() {
    local host=$1 port=$2 timeout_s=${3:-10} pid=${4:-} i n
    n=$((timeout_s * 20))
    for ((i = 0; i < n; i++)); do
        _t_can_connect "$host" "$port" && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2> /dev/null; then
            fail "process $pid exited before listening on $host:$port"
        fi
        sleep 0.05
    done
    fail "nothing listens on $host:$port after ${timeout_s}s"
}

wait_for_no_port() {
    local host=$1 port=$2 timeout_s=${3:-10} i n
    n=$((timeout_s * 20))
    for ((i = 0; i < n; i++)); do
        _t_can_connect "$host" "$port" || return 0
        sleep 0.05
    done
    fail "$host:$port still accepts connections after ${timeout_s}s"
}

proc_alive() {
    local st
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f1) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

wait_for_exit() {
    local pid=$1 timeout_s=${2:-10} i n
    n=$((timeout_s * 10))
    for ((i = 0; i < n; i++)); do
        proc_alive "$pid" || return 0
        sleep 0.1
    done
    return 1
}

free_port() {
    local host=${1:-127.0.0.1} p i
    for i in $(seq 1 100); do
        p=$((20000 + RANDOM % 40000))
        if ! ss -Htln "sport = :$p" 2> /dev/null | grep -q . && ! _t_can_connect "$host" "$p"; then
            echo "$p"
            return 0
        fi
    done
    fail "no free port found on $host"
}

assert_eq() {
    [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

assert_ne() {
    [ "$2" != "$3" ] || fail "$1: expected anything but '$2'"
}

assert_ge() {
    [ "$3" -ge "$2" ] 2> /dev/null || fail "$1: expected >= $2, got '$3'"
}

assert_le() {
    [ "$3" -le "$2" ] 2> /dev/null || fail "$1: expected <= $2, got '$3'"
}

assert_contains() {
    case "$3" in
        *"$2"*) ;;
        *) fail "$1: expected to contain '$2', got '$3'" ;;
    esac
}

now_ms() { date +%s%3N; }

http_code() {
    local url=$1
    shift
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$url" || true
}
