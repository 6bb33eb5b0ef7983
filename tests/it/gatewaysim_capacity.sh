# gatewaysim capacity with known truth: W workers x service time S give a
# ceiling of W/S requests per second and a FIFO queue beyond it; the USL
# knobs stretch service times by 1 + alpha(N-1) + beta N(N-1); service-time
# distributions have the configured mean; the single-threaded loop is not
# the bottleneck (brief wrk run when wrk is installed). Assertions are loose
# on purpose: they check the model, not the machine's timing.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/gatewaysim.sh"

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

# ---- W=2, S=50ms: 8 parallel requests need 4 rounds ---------------------------------
sim_start "$ADDR" --name cap-node --workers 2 --service-time 50ms
U=$SIM_HTTP
run_parallel 8 8 "$U/echo/1.0.0"
# 8 x 50 ms of work on 2 workers cannot take less than 200 ms, whatever the
# arrival spread
assert_ge "8 requests on 2 workers of 50 ms (ms)" 190 "$ELAPSED_MS"
assert_le "8 requests on 2 workers of 50 ms (ms)" 3000 "$ELAPSED_MS"
st=$(sim_stats)
assert_eq "services" 8 "$(jq .service.count <<< "$st")"
jq -e '.service.mean_ms >= 45 and .service.mean_ms <= 90' <<< "$st" > /dev/null ||
    fail "mean service time not ~50 ms: $(jq -c .service <<< "$st")"
assert_ge "requests queued" 2 "$(jq .queue.max_length <<< "$st")"
jq -e '.service.queue_wait_max_ms >= 40' <<< "$st" > /dev/null ||
    fail "no queueing seen: $(jq -c .service <<< "$st")"
assert_eq "queue empty afterwards" 0 "$(jq .queue.length <<< "$st")"
assert_eq "nothing in service afterwards" 0 "$(jq .queue.in_service <<< "$st")"

# throughput saturates at W/S = 40/s: 100 requests from 16 clients take >= 2.5 s
sim_reset
run_parallel 100 16 "$U/echo/1.0.0"
assert_ge "100 requests at a 40/s ceiling (ms)" 2400 "$ELAPSED_MS"
assert_le "100 requests at a 40/s ceiling (ms)" 8000 "$ELAPSED_MS"
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

# raising W at run time starts queued requests at once
sim_config workers=1 service_time=400ms
sim_reset
pids=()
for i in 1 2 3 4; do
    curl -s -o /dev/null --max-time 10 "$U/echo/1.0.0" &
    pids+=($!)
    sleep 0.02
done
sleep 0.2
assert_ge "queued behind one worker" 2 "$(sim_stats | jq .queue.length)"
sim_config workers=8
sleep 0.05
assert_eq "queue drained after raising workers" 0 "$(sim_stats | jq .queue.length)"
# (never a bare `wait`: it would wait for the simulator too)
for p in "${pids[@]}"; do wait "$p" || fail "a queued request failed"; done
sim_stop

# ---- USL: service time x (1 + alpha(N-1)) with N in service --------------------------
# 4 simultaneous requests, S = 100 ms, alpha = 0.5: N = 1..4 give 100, 150,
# 200, 250 ms (mean 175). Without alpha all would take 100 ms.
sim_start "$ADDR" --service-time 100ms --usl-alpha 0.5
run_parallel 4 4 "$SIM_HTTP/echo/1.0.0"
st=$(sim_stats)
jq -e '.service.max_ms >= 190 and .service.max_ms <= 320' <<< "$st" > /dev/null ||
    fail "USL alpha: longest service not ~250 ms: $(jq -c .service <<< "$st")"
jq -e '.service.mean_ms >= 130 and .service.mean_ms <= 220' <<< "$st" > /dev/null ||
    fail "USL alpha: mean service not ~175 ms: $(jq -c .service <<< "$st")"
# beta: 1 + beta N(N-1): N = 1..3 with beta = 1 give 100, 300, 700 ms
sim_config usl_alpha=0 usl_beta=1
sim_reset
run_parallel 3 3 "$SIM_HTTP/echo/1.0.0"
st=$(sim_stats)
jq -e '.service.max_ms >= 550 and .service.max_ms <= 800' <<< "$st" > /dev/null ||
    fail "USL beta: longest service not ~700 ms: $(jq -c .service <<< "$st")"
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

# ---- the loop is not the bottleneck ------------------------------------------------------
if command -v wrk > /dev/null; then
    sim_start "$ADDR"
    out=$(wrk -t1 -c20 -d1s "$SIM_HTTP/echo/1.0.0")
    rps=$(awk '/Requests\/sec/ { printf "%d", $2 }' <<< "$out")
    n=$(awk '/requests in/ { print $1 }' <<< "$out")
    log "wrk -t1 -c20 -d1s: $rps requests/s"
    assert_ge "requests/s on plain keep-alive HTTP (very loose)" 2000 "$rps"
    served=$(sim_stats | jq '.requests["2xx"]')
    # wrk does not count answers still in flight when it stops
    assert_ge "server answered what wrk counted" "$n" "$served"
    assert_le "server answered what wrk counted" "$((n + 20))" "$served"
    assert_eq "wrk saw no errors" "" "$(grep -E 'Non-2xx|Socket errors' <<< "$out" || true)"
fi
log "ok"
