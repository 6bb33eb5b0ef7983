# tests/lib/gatewaysim.sh — helpers to run the gateway simulator in a test.
# Source after common.sh:
#
#     . "$(dirname "$0")/../lib/common.sh"
#     . "$(dirname "$0")/../lib/gatewaysim.sh"
#
# Functions:
#   sim_certs                 make (once per test) a test CA and certificates
#                             with tools/make-certs in $T_TMP/certs; sets
#                             SIM_CERTS to that folder (ca.pem, server.pem,
#                             server.key, client.pem, client.key,
#                             untrusted/...). Server SANs cover
#                             127.0.{0,1,2}.1-20, localhost, ::1.
#   sim_start ADDR [OPTIONS...]
#                             start $GATEWAYSIM --listen ADDR with a free HTTP
#                             port (unless --http-port is among OPTIONS) and
#                             --quiet --pid-file; HTTPS on a free port too
#                             when --cert is among OPTIONS (unless
#                             --https-port is given). Waits until it
#                             listens. Sets SIM_PID, SIM_HTTP (base URL
#                             http://ADDR:PORT), SIM_HTTPS (https://... or
#                             empty), SIM_LOG. Stopped automatically at exit.
#   sim_stop [PID]            SIGTERM the simulator (default $SIM_PID), wait;
#                             returns its exit status
#   sim_stats [BASE_URL]      print GET /_sim/stats (JSON) of BASE_URL
#                             (default $SIM_HTTP)
#   sim_config [BASE_URL] KEY=VALUE...
#                             POST /_sim/config?KEY=VALUE&...; fails the test
#                             unless the simulator accepts every setting
#   sim_reset [BASE_URL]      POST /_sim/reset (zero the counters)
#   sim_token BASE_URL ID:SECRET [CURL ARGS...]
#                             print a fresh access token from POST
#                             /oauth2/token (client_credentials)
#
# Addresses: tests of the simulator use 127.0.1.x (x <= 20 for TLS, as the
# certificates cover those) so they never collide with tests on 127.0.0.x.

[ -x "$GATEWAYSIM" ] || skip "gateway simulator not built ($GATEWAYSIM); run make"
require_cmd curl jq

sim_certs() {
    if [ -z "${SIM_CERTS:-}" ]; then
        SIM_CERTS=$T_TMP/certs
        "$GATECAP_TOP/tools/make-certs" "$SIM_CERTS" || fail "tools/make-certs failed"
    fi
}

_sim_has_opt() {
    local want=$1 a
    shift
    for a in "$@"; do
        case "$a" in "$want" | "$want="*) return 0 ;; esac
    done
    return 1
}

_sim_opt_value() {
    local want=$1 prev=""
    shift
    for a in "$@"; do
        case "$a" in "$want="*) echo "${a#*=}"; return 0 ;; esac
        if [ "$prev" = "$want" ]; then echo "$a"; return 0; fi
        prev=$a
    done
    return 1
}

sim_start() {
    local addr=$1
    shift
    local args=("$@") http_port https_port="" pidf
    if _sim_has_opt --http-port "${args[@]+"${args[@]}"}"; then
        http_port=$(_sim_opt_value --http-port "${args[@]}")
    else
        http_port=$(free_port "$addr")
        args+=(--http-port "$http_port")
    fi
    if _sim_has_opt --cert "${args[@]+"${args[@]}"}"; then
        if _sim_has_opt --https-port "${args[@]}"; then
            https_port=$(_sim_opt_value --https-port "${args[@]}")
        else
            https_port=$(free_port "$addr")
            while [ "$https_port" = "$http_port" ]; do https_port=$(free_port "$addr"); done
            args+=(--https-port "$https_port")
        fi
        [ "$https_port" = 0 ] && https_port=""
    fi
    pidf=$T_TMP/sim-$addr-$http_port.pid
    SIM_LOG=$T_TMP/sim-$addr-$http_port.log
    bg_start "$SIM_LOG" "$GATEWAYSIM" --listen "$addr" --quiet --pid-file "$pidf" "${args[@]}"
    SIM_PID=$BG_PID
    if [ "$http_port" != 0 ]; then
        wait_for_port "$addr" "$http_port" 10 "$SIM_PID"
        SIM_HTTP=http://$addr:$http_port
    else
        SIM_HTTP=""
    fi
    if [ -n "$https_port" ]; then
        wait_for_port "$addr" "$https_port" 10 "$SIM_PID"
        SIM_HTTPS=https://$addr:$https_port
    else
        SIM_HTTPS=""
    fi
}

sim_stop() {
    local pid=${1:-$SIM_PID}
    bg_stop "$pid" 5
}

sim_stats() {
    local base=${1:-${SIM_HTTP:-}}
    curl -sf --max-time 5 "$base/_sim/stats" || fail "GET $base/_sim/stats failed"
}

sim_config() {
    local base=${SIM_HTTP:-} q="" kv out
    case "${1:-}" in http://* | https://*) base=$1; shift ;; esac
    for kv in "$@"; do q="$q${q:+&}$kv"; done
    out=$(curl -s --max-time 5 -X POST -w '\n%{http_code}' "$base/_sim/config?$q") ||
        fail "POST $base/_sim/config?$q: no answer"
    [ "${out##*$'\n'}" = 200 ] || fail "POST $base/_sim/config?$q: ${out%$'\n'*}"
}

sim_reset() {
    local base=${1:-${SIM_HTTP:-}}
    curl -sf --max-time 5 -X POST "$base/_sim/reset" > /dev/null || fail "POST $base/_sim/reset failed"
}

sim_token() {
    local base=$1 client=$2 tok
    shift 2
    tok=$(curl -s --max-time 5 -u "$client" -d grant_type=client_credentials "$@" "$base/oauth2/token" |
        jq -r '.access_token // empty') || true
    [ -n "$tok" ] || fail "no token from $base/oauth2/token for ${client%%:*}"
    echo "$tok"
}
