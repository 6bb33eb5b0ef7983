# gatewaysim fault injection: 5xx fraction (exact with even spacing, loose
# with random), connection resets, refused connections (reset at accept and
# closed listeners, reverting with refuse_for), slow responses, stalls (a
# request during a stall takes at least the stall; service timers pause),
# and stats counters equal to what curl saw.
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"

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
# Refusing ends by itself after refuse_for (the control endpoint is refused
# too). 4 s is far longer than the one request the test makes meanwhile;
# the end is then awaited (up to 20 s), and must not come early.
# served_again URL: polls until URL answers 200; prints the ms it took
served_again() {
    local t0 i
    t0=$(now_ms)
    for i in $(seq 1 200); do
        [ "$(http_code "$1")" = 200 ] && { echo $(($(now_ms) - t0)); return 0; }
        sleep 0.1
    done
    fail "$1 not served again within 20 s"
}
sim_reset
t0=$(now_ms)
sim_config refuse=rst refuse_for=4s
rc=0
curl -s -o /dev/null --max-time 5 "$U/echo/1.0.0" || rc=$?
case "$rc" in 7 | 52 | 55 | 56) ;; *) fail "refuse=rst: curl exit $rc, expected a reset/refused error" ;; esac
served_again "$U/echo/1.0.0" > /dev/null
assert_ge "refuse=rst lasted refuse_for (ms)" 4000 "$(($(now_ms) - t0))"
st=$(sim_stats)
assert_ge "refused connections counted" 1 "$(jq .connections.refused <<< "$st")"
assert_eq "refused connections are not requests" 1 "$(jq .requests.total <<< "$st")"

t0=$(now_ms)
sim_config refuse=close refuse_for=4s
rc=0
curl -s -o /dev/null --max-time 5 "$U/echo/1.0.0" || rc=$?
assert_eq "refuse=close: curl exit 7 (connection refused)" 7 "$rc"
assert_eq "health on a refusing node (over the listener): refused" 000 "$(http_code "$U/_sim/health")"
served_again "$U/echo/1.0.0" > /dev/null
assert_ge "refuse=close lasted refuse_for (ms)" 4000 "$(($(now_ms) - t0))"
assert_eq "health when up" 200 "$(http_code "$U/_sim/health")"

# ---- slow responses -----------------------------------------------------------------
# the extra delay does not hold a worker: with one worker, 3 parallel slow
# requests are all in their delay at once (seen in the stats while they
# wait), none queued for the worker
# wait_stat JQ: polls /_sim/stats until JQ holds (up to 20 s)
wait_stat() {
    local i
    for i in $(seq 1 200); do
        sim_stats | jq -e "$1" > /dev/null && return 0
        sleep 0.1
    done
    fail "stats never showed $1: $(sim_stats | jq -c .queue)"
}
sim_config slow=3s:1 workers=1
sim_reset
for i in 1 2 3; do echo "url = \"$U/echo/1.0.0\""; echo "output = /dev/null"; done > "$T_TMP/urls"
curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 3 -K "$T_TMP/urls" \
    -w '%{http_code} %{time_total}\n' > "$T_TMP/times" &
cpid=$!
wait_stat '.queue.delayed == 3'
st=$(sim_stats)
assert_eq "slow: none holds the worker" 0 "$(jq .queue.in_service <<< "$st")"
assert_eq "slow: none waits for the worker" 0 "$(jq .queue.max_length <<< "$st")"
wait "$cpid" || fail "slow requests failed"
assert_eq "slow: all answered" 3 "$(grep -c '^200 ' "$T_TMP/times" || true)"
while read -r code t; do
    awk -v t="$t" 'BEGIN { exit !(t >= 2.99) }' || fail "slow response took only ${t}s (< 3 s)"
done < "$T_TMP/times"
sim_config slow=off workers=0

# ---- stalls ---------------------------------------------------------------------------
# a request sent during a stall waits in the queue and completes only when
# the stall is over; control endpoints answer meanwhile (a stats call with
# a 2 s limit, inside a 4 s stall)
t0=$(now_ms)
sim_config stall_now=4s
curl -s -o /dev/null -w '%{http_code}' "$U/echo/1.0.0" > "$T_TMP/stall_code" &
cpid=$!
wait_stat '.queue.stalled and .queue.length == 1'
curl -sf --max-time 2 "$U/_sim/stats" > /dev/null || fail "stats did not answer during a stall"
wait "$cpid"
assert_eq "request held by the stall answered" 200 "$(cat "$T_TMP/stall_code")"
assert_ge "stall: request completed >= 4 s after the stall began (ms)" 4000 "$(($(now_ms) - t0))"
wait_stat '.queue.stalled == false'

# a request in service when the stall starts finishes stall + service later:
# service 2 s, stalled 1 s while in service -> at least 3 s in all
sim_config service_time=2s
curl -s -o /dev/null -w '%{time_total}' "$U/echo/1.0.0" > "$T_TMP/t_svc" &
cpid=$!
wait_stat '.queue.in_service == 1'
sim_config stall_now=1s
wait "$cpid"
t=$(cat "$T_TMP/t_svc")
awk -v t="$t" 'BEGIN { exit !(t >= 2.99) }' || fail "service timer did not pause during the stall (${t}s < 3 s)"
sim_config service_time=0

# periodic stalls from the command line: 200 ms every 700 ms. Wait for 3;
# never more than the schedule allows in the node's uptime
sim_stop
sim_start "$ADDR" --stall 200ms:700ms
wait_stat '.queue.stalls >= 3'
st=$(sim_stats)
max=$(jq '(.uptime_s / 0.7 | floor) + 1' <<< "$st")
assert_le "periodic stalls: at most one per 700 ms of uptime" "$max" "$(jq .queue.stalls <<< "$st")"
log "ok"
