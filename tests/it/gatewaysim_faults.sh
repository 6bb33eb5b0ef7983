# gatewaysim fault injection: 5xx fraction (exact with even spacing, loose
# with random), connection resets, refused connections (reset at accept and
# closed listeners, reverting with refuse_for), slow responses, stalls (a
# request during a stall takes at least the stall; service timers pause),
# and stats counters equal to what curl saw.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/gatewaysim.sh"

ADDR=127.0.1.15
sim_start "$ADDR" --name fault-node --seed 42
U=$SIM_HTTP

# one curl process, N requests in sequence (reconnecting after a reset)
urls() {
    local n=$1 url=$2 i
    for i in $(seq 1 "$n"); do
        echo "url = \"$url\""
        echo "output = /dev/null"
    done > "$T_TMP/urls"
}
count() { grep -c "^$1\$" "$T_TMP/codes" || true; }

# ---- 5xx fraction ----------------------------------------------------------------
sim_config error_rate=0.25 fault_spacing=even error_status=503
sim_reset
urls 100 "$U/echo/1.0.0"
curl -s -K "$T_TMP/urls" -w '%{http_code}\n' > "$T_TMP/codes"
assert_eq "even spacing: exactly 25 of 100 are 503" 25 "$(count 503)"
assert_eq "even spacing: the rest are 200" 75 "$(count 200)"
st=$(sim_stats)
assert_eq "stats 5xx" 25 "$(jq '.requests["5xx"]' <<< "$st")"
assert_eq "stats 2xx" 75 "$(jq '.requests["2xx"]' <<< "$st")"
assert_eq "stats 503" 25 "$(jq '.by_status["503"]' <<< "$st")"
sim_config error_rate=1 error_status=503
curl -s "$U/echo/1.0.0" | jq -e '.fault.code == 101503 and .fault.message == "Runtime Error"' > /dev/null ||
    fail "5xx body is not WSO2-like"

sim_config error_rate=0.3 fault_spacing=random error_status=500
sim_reset
urls 200 "$U/echo/1.0.0"
curl -s -K "$T_TMP/urls" -w '%{http_code}\n' > "$T_TMP/codes"
n500=$(count 500)
assert_ge "random 30%: at least 30 of 200" 30 "$n500"
assert_le "random 30%: at most 90 of 200" 90 "$n500"
assert_eq "stats 5xx (random)" "$n500" "$(sim_stats | jq '.requests["5xx"]')"
# control endpoints are never faulted
sim_config error_rate=1
assert_eq "stats endpoint not faulted" 200 "$(http_code "$U/_sim/stats")"
sim_config error_rate=0

# ---- resets ---------------------------------------------------------------------
sim_config reset_rate=1
rc=0
curl -s -o /dev/null "$U/echo/1.0.0" || rc=$?
assert_eq "reset: curl exit 56 (connection reset)" 56 "$rc"
# Note: a client reusing a keep-alive connection that gets reset before any
# response byte retries the request on a new connection (curl and libcurl
# do), so the server sees more requests than the client sent. Fresh
# connections (Connection: close) make the counts comparable.
sim_config reset_rate=0.5 fault_spacing=even
sim_reset
urls 20 "$U/echo/1.0.0"
curl -s -K "$T_TMP/urls" -H 'Connection: close' -w '%{http_code}\n' > "$T_TMP/codes" || true
assert_eq "half the requests reset (curl code 000)" 10 "$(count 000)"
assert_eq "the other half served" 10 "$(count 200)"
st=$(sim_stats)
assert_eq "stats resets" 10 "$(jq .requests.reset <<< "$st")"
assert_eq "stats by path resets" 10 "$(jq '.by_path["/echo/1.0.0"].reset' <<< "$st")"
sim_config reset_rate=0 fault_spacing=random

# ---- refused connections ----------------------------------------------------------
sim_reset
sim_config refuse=rst refuse_for=1500ms
rc=0
curl -s -o /dev/null --max-time 5 "$U/echo/1.0.0" || rc=$?
case "$rc" in 7 | 52 | 55 | 56) ;; *) fail "refuse=rst: curl exit $rc, expected a reset/refused error" ;; esac
sleep 1.7
assert_eq "served again after refuse_for" 200 "$(http_code "$U/echo/1.0.0")"
st=$(sim_stats)
assert_ge "refused connections counted" 1 "$(jq .connections.refused <<< "$st")"
assert_eq "refused connections are not requests" 1 "$(jq .requests.total <<< "$st")"

sim_config refuse=close refuse_for=1500ms
rc=0
curl -s -o /dev/null --max-time 5 "$U/echo/1.0.0" || rc=$?
assert_eq "refuse=close: curl exit 7 (connection refused)" 7 "$rc"
assert_eq "health on a refusing node (over the listener): refused" 000 "$(http_code "$U/_sim/health")"
sleep 1.7
wait_for_port "$ADDR" "${U##*:}" 3
assert_eq "listening again after refuse_for" 200 "$(http_code "$U/echo/1.0.0")"
assert_eq "health when up" 200 "$(http_code "$U/_sim/health")"

# ---- slow responses -----------------------------------------------------------------
# the extra delay does not hold a worker: 3 parallel requests with one
# worker all finish after about one delay
sim_config slow=400ms:1 workers=1
for i in 1 2 3; do echo "url = \"$U/echo/1.0.0\""; echo "output = /dev/null"; done > "$T_TMP/urls"
t0=$(now_ms)
curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 3 -K "$T_TMP/urls" -w '%{time_total}\n' > "$T_TMP/times"
t1=$(now_ms)
for t in $(cat "$T_TMP/times"); do
    awk -v t="$t" 'BEGIN { exit !(t >= 0.39) }' || fail "slow response took only ${t}s (< 400 ms)"
done
assert_le "slow delay does not serialise on the worker (ms)" 1150 "$((t1 - t0))"
sim_config slow=off workers=0

# ---- stalls ---------------------------------------------------------------------------
# a request sent during a stall completes only when the stall is over
t0=$(now_ms)
sim_config stall_now=800ms
t_req=$(curl -s -o /dev/null -w '%{time_total}' "$U/echo/1.0.0")
t1=$(now_ms)
assert_ge "stall: request completed >= 800 ms after the stall began (ms)" 790 "$((t1 - t0))"
awk -v t="$t_req" 'BEGIN { exit !(t >= 0.5) }' || fail "request during the stall took only ${t_req}s"
# control endpoints answer during a stall
sim_config stall_now=1s
t0=$(now_ms)
st=$(sim_stats)
t1=$(now_ms)
assert_eq "stats show the stall" true "$(jq .queue.stalled <<< "$st")"
assert_le "stats answer during a stall (ms)" 500 "$((t1 - t0))"
sleep 1.1

# a request in service when the stall starts finishes stall + service later
sim_config service_time=300ms
curl -s -o /dev/null -w '%{time_total}' "$U/echo/1.0.0" > "$T_TMP/t_svc" &
cpid=$!
sleep 0.1
sim_config stall_now=500ms
wait "$cpid"
t=$(cat "$T_TMP/t_svc")
awk -v t="$t" 'BEGIN { exit !(t >= 0.78) }' || fail "service timer did not pause during the stall (${t}s < 0.8 s)"
sim_config service_time=0

# periodic stalls from the command line
sim_stop
sim_start "$ADDR" --stall 200ms:700ms
sleep 2.3
st=$(sim_stats)
assert_ge "periodic stalls" 2 "$(jq .queue.stalls <<< "$st")"
assert_le "periodic stalls" 4 "$(jq .queue.stalls <<< "$st")"
log "ok"
