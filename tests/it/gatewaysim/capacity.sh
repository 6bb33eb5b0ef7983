# gatewaysim capacity with known truth: W workers x service time S give a
# ceiling of W/S requests per second and a FIFO queue beyond it; the USL
# knobs stretch service times by 1 + alpha(N-1) + beta N(N-1); service-time
# distributions have the configured mean; wrk's count of answers matches
# the simulator's. Assertions check the model, never the machine's speed:
# service times in the stats are the model's (drawn or computed, not
# measured), elapsed times are only bounded below (the model's minimum),
# and where requests must overlap, the node is stalled until all of them
# have arrived (the stats show it), so they start service together. How fast
# the simulator's loop is belongs to make bench.
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"

ADDR=127.0.1.16

# N URLs for one curl process; print per-request times; set ELAPSED_MS
run_parallel() {
    local n=$1 par=$2 url=$3 i t0 t1
    for i in $(seq 1 "$n"); do
        echo "url = \"$url\""
        echo "output = /dev/null"
    done > "$T_TMP/urls"
    t0=$(now_ms)
    curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max "$par" -K "$T_TMP/urls" \
        -w '%{http_code} %{time_total}\n' > "$T_TMP/out"
    t1=$(now_ms)
    ELAPSED_MS=$((t1 - t0))
    assert_eq "all $n answered 200" "$n" "$(grep -c '^200 ' "$T_TMP/out" || true)"
}

# wait_stats JQ: polls /_sim/stats until JQ holds (up to 20 s)
wait_stats() {
    local i
    for i in $(seq 1 200); do
        sim_stats | jq -e "$1" > /dev/null && return 0
        sleep 0.1
    done
    fail "stats never showed $1: $(sim_stats | jq -c .queue)"
}

# together N: N parallel requests to $U that start service at one moment:
# a 3 s stall (far longer than N connections take to arrive) holds them in
# the queue, the stats confirm all N are there, and the stall's end starts
# them together
together() {
    local n=$1 i
    sim_config stall_now=3s
    curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max "$n" -K <(
        for i in $(seq 1 "$n"); do echo "url = \"$U/echo/1.0.0\""; echo "output = /dev/null"; done) \
        -w '%{http_code}\n' > "$T_TMP/together" &
    local cpid=$!
    wait_stats ".queue.stalled and .queue.length == $n"
    wait "$cpid" || fail "requests held by a stall failed"
    assert_eq "all $n held by the stall answered" "$n" "$(grep -c '^200$' "$T_TMP/together" || true)"
}

# ---- W=2, S=500ms: 8 parallel requests need 4 rounds --------------------------------
# (500 ms: the 8 connections arrive well within one service, so they queue)
sim_start "$ADDR" --name cap-node --workers 2 --service-time 500ms
U=$SIM_HTTP
run_parallel 8 8 "$U/echo/1.0.0"
# 8 x 500 ms of work on 2 workers cannot take less than 2 s, whatever the
# arrival spread
assert_ge "8 requests on 2 workers of 500 ms (ms)" 2000 "$ELAPSED_MS"
st=$(sim_stats)
assert_eq "services" 8 "$(jq .service.count <<< "$st")"
jq -e '(.service.mean_ms - 500 | fabs) < 0.01' <<< "$st" > /dev/null ||
    fail "mean service time not 500 ms: $(jq -c .service <<< "$st")"
assert_ge "requests queued" 2 "$(jq .queue.max_length <<< "$st")"
jq -e '.service.queue_wait_max_ms >= 400' <<< "$st" > /dev/null ||
    fail "no queueing seen: $(jq -c .service <<< "$st")"
assert_eq "queue empty afterwards" 0 "$(jq .queue.length <<< "$st")"
assert_eq "nothing in service afterwards" 0 "$(jq .queue.in_service <<< "$st")"

# throughput saturates at W/S = 40/s: 100 requests from 16 clients take >= 2.5 s
sim_config service_time=50ms
sim_reset
run_parallel 100 16 "$U/echo/1.0.0"
assert_ge "100 requests at a 40/s ceiling (ms)" 2400 "$ELAPSED_MS"
st=$(sim_stats)
assert_eq "stats count what curl saw" 100 "$(jq '.requests["2xx"]' <<< "$st")"
# latency grows past saturation: 16 clients, 2 workers -> waits of ~7 services
jq -e '.service.queue_wait_mean_ms >= 150' <<< "$st" > /dev/null ||
    fail "queue wait did not grow past saturation: $(jq -c .service <<< "$st")"

# unlimited workers: no queue
sim_config workers=0
sim_reset
run_parallel 8 8 "$U/echo/1.0.0"
assert_eq "no queue with unlimited workers" 0 "$(sim_stats | jq .queue.max_length)"

# raising W at run time starts queued requests at once: one worker busy
# for 5 s with the first of 4 requests, 3 queued behind it (awaited in the
# stats), then 8 workers take the 3 at once
sim_config workers=1 service_time=5s
sim_reset
curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 4 -K <(
    for i in 1 2 3 4; do echo "url = \"$U/echo/1.0.0\""; echo "output = /dev/null"; done) \
    -w '%{http_code}\n' > "$T_TMP/raise" &
cpid=$!
wait_stats '.queue.length == 3 and .queue.in_service == 1'
sim_config workers=8
st=$(sim_stats)
assert_eq "queue drained after raising workers" 0 "$(jq .queue.length <<< "$st")"
assert_eq "all 4 in service after raising workers" 4 "$(jq .queue.in_service <<< "$st")"
wait "$cpid" || fail "a queued request failed"
assert_eq "all 4 answered" 4 "$(grep -c '^200$' "$T_TMP/raise" || true)"
sim_stop

# ---- USL: service time x (1 + alpha(N-1)) with N in service --------------------------
# 4 requests held by a stall start service together when it ends, as
# N = 1..4: with S = 100 ms and alpha = 0.5 they take 100, 150, 200, 250 ms
# (mean 175). Without alpha all would take 100 ms.
sim_start "$ADDR" --service-time 100ms --usl-alpha 0.5
U=$SIM_HTTP
together 4
st=$(sim_stats)
jq -e '.service.count == 4 and (.service.max_ms - 250 | fabs) < 0.01 and (.service.mean_ms - 175 | fabs) < 0.01' \
    <<< "$st" > /dev/null || fail "USL alpha: services not 100, 150, 200, 250 ms: $(jq -c .service <<< "$st")"
# beta: 1 + beta N(N-1): N = 1..3 with beta = 1 give 100, 300, 700 ms
sim_config usl_alpha=0 usl_beta=1
sim_reset
together 3
st=$(sim_stats)
jq -e '.service.count == 3 and (.service.max_ms - 700 | fabs) < 0.01 and (.service.mean_ms - 366.667 | fabs) < 0.01' \
    <<< "$st" > /dev/null || fail "USL beta: services not 100, 300, 700 ms: $(jq -c .service <<< "$st")"
sim_stop

# ---- distributions: the configured mean -----------------------------------------------
for spec in exp:20ms lognormal:20ms:10ms uniform:20ms:10ms; do
    sim_start "$ADDR" --service-time "$spec" --seed 1
    run_parallel 200 25 "$SIM_HTTP/echo/1.0.0"
    st=$(sim_stats)
    jq -e '.service.mean_ms >= 14 and .service.mean_ms <= 28' <<< "$st" > /dev/null ||
        fail "$spec: mean service not ~20 ms: $(jq -c .service <<< "$st")"
    sim_stop
done

# ---- wrk's count of answers is the simulator's ----------------------------------------
if command -v wrk > /dev/null; then
    sim_start "$ADDR"
    out=$(wrk -t1 -c20 -d1s "$SIM_HTTP/echo/1.0.0")
    n=$(awk '/requests in/ { print $1 }' <<< "$out")
    log "wrk -t1 -c20 -d1s: $n requests (how many is make bench's business)"
    assert_ge "wrk got answers" 1 "$n"
    served=$(sim_stats | jq '.requests["2xx"]')
    # wrk does not count answers still in flight when it stops
    assert_ge "server answered what wrk counted" "$n" "$served"
    assert_le "server answered what wrk counted" "$((n + 20))" "$served"
    assert_eq "wrk saw no errors" "" "$(grep -E 'Non-2xx|Socket errors' <<< "$out" || true)"
fi
log "ok"
