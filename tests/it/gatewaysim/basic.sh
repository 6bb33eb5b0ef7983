# gatewaysim: echo API, node header, keep-alive and pipelining, chunked
# bodies, 404/405/400, stats counters equal what curl saw, /_sim/reset,
# bad flags (exit 2), --help, SIGTERM clean exit with pid-file removal.
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"

ADDR=127.0.1.11

# ---- bad flags: exit 2, message names the flag ------------------------------
expect_usage_error() {
    local want=$1 rc=0 out
    shift
    out=$("$GATEWAYSIM" "$@" 2>&1) || rc=$?
    assert_eq "exit status of gatewaysim $*" 2 "$rc"
    assert_contains "message of gatewaysim $*" "$want" "$out"
}
expect_usage_error "--workers" --workers lots
expect_usage_error "unknown option '--frobnicate'" --frobnicate 1
expect_usage_error "--service-time" --service-time weibull:10ms
expect_usage_error "--error-rate" --error-rate 1.5
expect_usage_error "--stall" --stall 5s:1s
expect_usage_error "--cert" --https-port 9443
expect_usage_error "--http-port" --http-port 70000
expect_usage_error "needs a value" --name
expect_usage_error "--listen" --listen not-an-address --http-port "$(free_port)"
help=$("$GATEWAYSIM" --help)
assert_contains "--help" "--service-time" "$help"
assert_contains "--help" "--throttle-per-token" "$help"

# ---- a node -------------------------------------------------------------------
sim_start "$ADDR" --name basic-node --body-bytes 64 --seed 7
U=$SIM_HTTP

# GET: JSON filler of --body-bytes, X-Gateway-Node
hdrs=$(curl -s -D - -o "$T_TMP/body" "$U/echo/1.0.0")
assert_contains "status" "HTTP/1.1 200 OK" "$hdrs"
assert_contains "node header" "X-Gateway-Node: basic-node" "$hdrs"
assert_eq "GET body size" 64 "$(stat -c %s "$T_TMP/body")"
jq -e '.echo | test("^x+$")' "$T_TMP/body" > /dev/null || fail "GET body is not {\"echo\":\"xx..\"}"

# ?size= override, small and large (streamed)
assert_eq "size=5" 5 "$(curl -s "$U/echo/1.0.0/any/resource?size=5" | wc -c)"
assert_eq "size=1000000" 1000000 "$(curl -s "$U/echo/1.0.0?size=1000000" | wc -c)"
assert_eq "size=0" 0 "$(curl -s "$U/echo/1.0.0?size=0" | wc -c)"
assert_eq "size=bad" 400 "$(http_code "$U/echo/1.0.0?size=-3")"

# POST echoes the body and its content type
out=$(curl -s -D "$T_TMP/h" -H 'Content-Type: text/plain' --data-binary 'hello gateway' "$U/echo/1.0.0")
assert_eq "POST echo" "hello gateway" "$out"
grep -qi '^Content-Type: text/plain' "$T_TMP/h" || fail "POST echo lost the content type"
head -c 300000 /dev/urandom > "$T_TMP/big"
curl -s --data-binary @"$T_TMP/big" -o "$T_TMP/big.out" "$U/echo/1.0.0"
cmp -s "$T_TMP/big" "$T_TMP/big.out" || fail "300 kB POST not echoed byte for byte"
# chunked request body
out=$(printf 'abc%.0s' $(seq 1000) | curl -s -H 'Transfer-Encoding: chunked' --data-binary @- "$U/echo/1.0.0")
assert_eq "chunked POST echo length" 3000 "${#out}"

# HEAD: length, no body
hdrs=$(curl -s -I "$U/echo/1.0.0?size=42")
assert_contains "HEAD length" "Content-Length: 42" "$hdrs"

# errors
assert_eq "unknown API" 404 "$(http_code "$U/pizza/1.0.0")"
assert_eq "method" 405 "$(http_code "$U/echo/1.0.0" -X OPTIONS)"
curl -s "$U/nope" | jq -e '.fault.description == "No matching resource found for given API Request"' > /dev/null ||
    fail "404 body is not WSO2-like"

# malformed request: 400 and the connection closes
resp=$(printf 'GARBAGE\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/${ADDR}/${U##*:}; cat >&3; cat <&3")
assert_contains "malformed request" "HTTP/1.1 400 Bad Request" "$resp"

# keep-alive: three requests on one connection; pipelining: two in one write
sim_reset
curl -s -o /dev/null -o /dev/null -o /dev/null "$U/echo/1.0.0" "$U/echo/1.0.0?size=3" "$U/echo/1.0.0/x"
# one connection for the three requests, one for the stats request itself
assert_eq "keep-alive connections" 2 "$(sim_stats | jq .connections.accepted)"
req="GET /echo/1.0.0?size=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/1.0.0?size=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
resp=$(printf "$req" | timeout 5 bash -c "exec 3<>/dev/tcp/${ADDR}/${U##*:}; cat >&3; cat <&3")
assert_eq "pipelined responses" 2 "$(grep -o 'HTTP/1.1 200 OK' <<< "$resp" | wc -l)"

# ---- counters equal what curl saw ---------------------------------------------
sim_reset
declare -A seen=()
for i in $(seq 1 30); do
    case $((i % 3)) in
        0) url="$U/echo/1.0.0" ;;
        1) url="$U/echo/1.0.0?size=10" ;;
        2) url="$U/missing" ;;
    esac
    code=$(http_code "$url")
    seen[$code]=$((${seen[$code]:-0} + 1))
done
st=$(sim_stats)
assert_eq "stats total" 30 "$(jq .requests.total <<< "$st")"
assert_eq "stats 2xx" "${seen[200]}" "$(jq .requests['"2xx"'] <<< "$st")"
assert_eq "stats 404" "${seen[404]}" "$(jq '.by_status["404"]' <<< "$st")"
assert_eq "stats by path" 20 "$(jq '.by_path["/echo/1.0.0"].total' <<< "$st")"
assert_eq "stats by path 404" 10 "$(jq '.by_path["/missing"]["4xx_other"]' <<< "$st")"
assert_eq "control not counted" 0 "$(jq '.by_path | keys | map(select(startswith("/_sim"))) | length' <<< "$st")"
sim_reset
assert_eq "after reset" 0 "$(sim_stats | jq .requests.total)"

# runtime config: bad key and bad value are refused with 400, nothing applied
assert_eq "bad config key" 400 "$(http_code "$U/_sim/config?nonsense=1" -X POST)"
assert_eq "bad config value" 400 "$(http_code "$U/_sim/config?body_bytes=12&workers=-1" -X POST)"
assert_eq "nothing applied" 64 "$(curl -s "$U/_sim/config" | jq .body_bytes)"
assert_eq "start-up-only key" 400 "$(http_code "$U/_sim/config?name=x" -X POST)"

# ---- SIGTERM: clean exit 0, pid file removed, port closed ---------------------
pidf=$T_TMP/sim-$ADDR-${U##*:}.pid
[ -f "$pidf" ] || fail "pid file $pidf missing"
assert_eq "pid file content" "$SIM_PID" "$(cat "$pidf")"
rc=0
sim_stop || rc=$?
assert_eq "exit status after SIGTERM" 0 "$rc"
[ ! -e "$pidf" ] || fail "pid file left behind"
wait_for_no_port "$ADDR" "${U##*:}" 2

# SIGINT too
sim_start "$ADDR"
kill -INT "$SIM_PID"
wait_for_exit "$SIM_PID" 5 || fail "no exit after SIGINT"
rc=0
wait "$SIM_PID" || rc=$?
assert_eq "exit status after SIGINT" 0 "$rc"

# a taken port: exit 1 with a message naming address and port
sim_start "$ADDR"
rc=0
out=$("$GATEWAYSIM" --listen "$ADDR" --http-port "${SIM_HTTP##*:}" 2>&1) || rc=$?
assert_eq "port taken exit" 1 "$rc"
assert_contains "port taken message" "$ADDR port ${SIM_HTTP##*:}" "$out"
log "ok"
