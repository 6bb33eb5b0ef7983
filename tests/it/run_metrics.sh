#!/bin/bash
# Live series into a real Prometheus (docs/metrics.md): Debian's prometheus
# (2.42) with its remote-write receiver and native histograms, on loopback,
# one for every check of this file.
#   push    gatecap run --metrics-push: the final counters equal
#           results.json's per node and outcome class exactly; the native
#           histograms' histogram_quantile(0.99) is within a factor
#           2^(1/32) of results.json's p99 (the bucket's width), the
#           classic buckets' within their bucket; every panel query of
#           tools/grafana/gatecap-dashboard.json returns data over the run
#   scrape  gatecap run --metrics-listen, Prometheus scraping it every
#           500 ms: the same counters and the classic p99, read from the
#           last scrape (the endpoint waits for it after the run)
#   loss    receivers that are down, answer 500, or stall: the run sends
#           what it was scheduled to, none late, and the loss is counted
#           in results.json and the summary
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/gatewaysim.sh"
. "$(dirname "$0")/../lib/gatecap.sh"
require_cmd prometheus

A=127.0.14
sim_start $A.2 --name gw1 --service-time fixed:2ms --error-rate 0.05 --fault-spacing even
SIM1=$SIM_HTTP
sim_start $A.3 --name gw2 --service-time fixed:4ms --throttle-rate 60
SIM2=$SIM_HTTP

PROM_PORT=$(free_port $A.1)
SCRAPE=$A.1:$(free_port $A.1)
PROM=http://$A.1:$PROM_PORT
cat > "$T_TMP/prometheus.yml" <<YAML
global: {scrape_interval: 500ms, scrape_timeout: 400ms}
scrape_configs:
  - job_name: gatecap
    static_configs: [{targets: ["$SCRAPE"]}]
YAML
bg_start "$T_TMP/prometheus.log" prometheus --config.file="$T_TMP/prometheus.yml" \
    --storage.tsdb.path="$T_TMP/tsdb" --web.listen-address="$A.1:$PROM_PORT" \
    --web.enable-remote-write-receiver --enable-feature=native-histograms
PROM_PID=$BG_PID
wait_for_port $A.1 "$PROM_PORT" 30 "$PROM_PID"
for _ in $(seq 1 100); do curl -sf "$PROM/-/ready" > /dev/null && break; sleep 0.1; done
curl -sf "$PROM/-/ready" > /dev/null || fail "prometheus not ready: $(tail -3 "$T_TMP/prometheus.log")"

# scenario NAME PHASE EXTRA-YAML: two nodes, 2 s at 150/s and 1 s at 100/s
scenario() {
    cat > "$T_TMP/$1.yaml" <<YAML
name: $1
targets: ["$SIM1", "$SIM2"]
node_header: X-Gateway-Node
requests: [{name: echo, path: /echo/1.0.0}]
load: {phases: [{name: $2, duration: 2s, rate: 150/s}, {name: $2-b, duration: 1s, rate: 100/s}]}
generator: {late_threshold: 50ms}
$3
YAML
}

# instant query at time T (default now): the result array
promq() {
    curl -sf --max-time 10 --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} \
        "$PROM/api/v1/query" | jq -c '.data.result' || fail "query failed: $1"
}
scalar() { promq "$1" | jq -r '.[0].value[1] // "none"'; }

# the cells' counts per node and outcome against Prometheus' sums
check_counts() { # RUN SELECTOR
    local n=0 node oc want got
    while read -r node oc want; do
        got=$(scalar "sum(max_over_time(gatecap_requests_total{$2,node=\"$node\",outcome=\"$oc\"}[5m]))")
        assert_eq "$1: requests of $node, $oc" "$want" "$got"
        n=$((n + 1))
    done < <(jq -r '[.cells[] | {node, o: (.outcomes | to_entries[] | select(.value > 0))}]
                    | group_by([.node, .o.key])[] | "\(.[0].node) \(.[0].o.key) \(map(.o.value) | add)"' \
        "$T_TMP/$1/results.json")
    assert_ge "$1: node and outcome pairs compared" 4 "$n"
}

# results.json's p99 of NODE (its two cells merged by gatecap: totals per node)
p99_of() { jq -r --arg n "$2" '.totals.by_node[$n].latency_ms.p99' "$T_TMP/$1/results.json"; }

log "push: remote write every interval, then a final sample"
scenario mpush push ""
T0=$(date +%s)
run mpush --metrics-push "$PROM/api/v1/write"
run_ok mpush
T1=$(($(date +%s) + 1))
assert_eq "every sample pushed" "$(jr mpush .metrics_export.push.offered)" \
    "$(jr mpush .metrics_export.push.pushed)"
assert_eq "the final one too" true "$(jr mpush .metrics_export.push.final_pushed)"
assert_contains "the summary says so" "metrics: $(jr mpush .metrics_export.push.pushed) of" \
    "$(cat "$T_TMP/mpush.log")"
check_counts mpush 'phase=~"push|push-b"'
assert_eq "run_info" 1 "$(scalar 'gatecap_run_info{scenario="mpush",shard="0"}')"
for node in gw1 gw2; do
    want=$(p99_of mpush $node)
    # pushed series have no staleness markers: the last sample is the run's
    got=$(scalar "histogram_quantile(0.99, sum(gatecap_latency_seconds{phase=~\"push|push-b\",node=\"$node\"}))")
    [ "$got" != none ] || fail "no native p99 for $node: $(promq "gatecap_latency_seconds{node=\"$node\"}")"
    awk -v w="$want" -v g="$got" 'BEGIN { r = log(g * 1000 / w) / log(2) * 32; exit !(r <= 1 + 1e-9 && r >= -1 - 1e-9) }' ||
        fail "native p99 of $node: Prometheus ${got}s, results.json ${want}ms: more than a bucket (2^(1/32)) apart"
    log "  $node p99: results.json ${want} ms, native histogram_quantile $(awk -v g="$got" 'BEGIN { printf "%.4f", g * 1000 }') ms"
done
log "push: every panel query of the Grafana dashboard returns data over the run"
D=$GATECAP_TOP/tools/grafana/gatecap-dashboard.json
n=0
while IFS= read -r expr; do
    got=$(curl -sf --max-time 10 --data-urlencode "query=$expr" --data-urlencode "start=$T0" \
        --data-urlencode "end=$T1" --data-urlencode "step=1" "$PROM/api/v1/query_range" |
        jq '.data.result | length') || fail "dashboard query failed: $expr"
    assert_ge "series of dashboard query $expr" 1 "$got"
    n=$((n + 1))
done < <(jq -r '.panels[].targets[].expr, .annotations.list[].expr' "$D")
assert_ge "dashboard queries run" 10 "$n"

log "scrape: Prometheus scrapes --metrics-listen"
scenario mscrape scrape "metrics: {linger: 20s}"
run mscrape --metrics-listen "$SCRAPE"
run_ok mscrape
assert_eq "the final sample was scraped" true "$(jr mscrape .metrics_export.scrape.final_scraped)"
check_counts mscrape 'job="gatecap",phase=~"scrape|scrape-b"'
for node in gw1 gw2; do
    want=$(p99_of mscrape $node)
    got=$(scalar "histogram_quantile(0.99, sum by (le) (max_over_time(gatecap_latency_seconds_bucket{job=\"gatecap\",node=\"$node\"}[5m])))")
    # the classic bucket (lo, hi] that holds results.json's p99 holds Prometheus' estimate
    awk -v w="$want" -v g="$got" 'BEGIN {
        split("0.1 0.2 0.5 1 2 5 10 20 50 100 200 500 1000 2000 5000 10000 20000 50000", b, " ")
        lo = 0; for (i = 1; i <= 18; i++) { if (w <= b[i]) { hi = b[i]; break } lo = b[i] }
        exit !(g * 1000 >= lo - 1e-9 && g * 1000 <= hi + 1e-9) }' ||
        fail "classic p99 of $node: Prometheus ${got}s, results.json ${want}ms: not in the same bucket"
done

log "tokens: the token endpoint's series come with every sample, not only the last"
sim_certs
sim_start $A.8 --cert "$SIM_CERTS/server.pem" --key "$SIM_CERTS/server.key" \
    --client "app1:metrics-secret" --token-ttl 1
KM_URL=$SIM_HTTPS/oauth2/token
cat > "$T_TMP/mtok.yaml" <<YAML
name: mtok
targets: ["$SIM1"]
tls: {ca: "$SIM_CERTS/ca.pem"}
requests: [{name: echo, path: /echo/1.0.0}]
auth: {token_url: "$KM_URL", server_name: localhost, client_id: app1, client_secret: metrics-secret}
load: {phases: [{name: tok, duration: 3s, rate: 50/s}]}
generator: {late_threshold: 50ms}
YAML
run mtok --metrics-push "$PROM/api/v1/write"
run_ok mtok
for reason in initial ahead; do
    assert_eq "tokens ($reason): Prometheus' last value is results.json's" \
        "$(jr mtok ".auth.token_endpoint.by_reason.$reason")" \
        "$(scalar "gatecap_token_requests_total{reason=\"$reason\"}")"
done
assert_ge "tokens: refreshed ahead of expiry during the run" 1 "$(jr mtok .auth.token_endpoint.by_reason.ahead)"
# one sample per interval pushed, and the final one: all of them carry it
assert_eq "tokens: in every pushed sample" "$(jr mtok .metrics_export.push.pushed)" \
    "$(scalar "count_over_time(gatecap_token_requests_total{reason=\"initial\"}[10m])")"

log "https and a bearer token: the receiver verified with tls.ca; the token in no output"
# (127.0.1.19: an address the test certificate names)
sim_start 127.0.1.19 --cert "$SIM_CERTS/server.pem" --key "$SIM_CERTS/server.key" --name rwtls \
    --route "POST /api/v1/write"
RTLS=$SIM_HTTPS
RTLS_PLAIN=$SIM_HTTP
export GC_RW_TOKEN=rw-bearer-$RANDOM$RANDOM
scenario mtls tls "tls: {ca: \"$SIM_CERTS/ca.pem\"}
metrics: {push: \"$RTLS/api/v1/write\", bearer_token: \"\${GC_RW_TOKEN}\"}"
run mtls
run_ok mtls
assert_eq "https: every sample pushed" "$(jr mtls .metrics_export.push.offered)" \
    "$(jr mtls .metrics_export.push.pushed)"
assert_ge "https: the receiver got them" "$(jr mtls .metrics_export.push.pushed)" \
    "$(sim_stats "$RTLS_PLAIN" | jq '.requests.total')"
for f in "$T_TMP"/mtls/* "$T_TMP/mtls.log"; do
    ! grep -q -- "$GC_RW_TOKEN" "$f" || fail "the bearer token is in $f"
done
scenario mtlsbad tls "metrics: {push: \"$RTLS/api/v1/write\"}"
run mtlsbad
run_ok mtlsbad
assert_eq "https without tls.ca: nothing pushed (not verified)" 0 "$(jr mtlsbad .metrics_export.push.pushed)"

log "loss: a receiver that is down, answers 500, or stalls"
sim_start $A.5 --name rw500 --route "POST /api/v1/write" --error-rate 1 --error-status 500
R500=$SIM_HTTP
sim_start $A.6 --name rwstall --route "POST /api/v1/write" --slow 60s
RSTALL=$SIM_HTTP
DOWN=http://$A.7:$(free_port $A.7)
scenario mbase base ""
run mbase
run_ok mbase
for kind in down 500 stall; do
    case $kind in down) url=$DOWN ;; 500) url=$R500 ;; stall) url=$RSTALL ;; esac
    scenario "m$kind" base "metrics: {timeout: 1s, queue: 2}"
    run "m$kind" --metrics-push "$url/api/v1/write"
    run_ok "m$kind"
    assert_eq "$kind: nothing pushed" 0 "$(jr "m$kind" .metrics_export.push.pushed)"
    assert_eq "$kind: every sample lost and counted" "$(jr "m$kind" .metrics_export.push.offered)" \
        "$(jr "m$kind" '.metrics_export.push.failed + .metrics_export.push.dropped')"
    assert_contains "$kind: the summary reports it" "metrics: 0 of" "$(cat "$T_TMP/m$kind.log")"
    assert_eq "$kind: the same requests as without pushing" "$(jr mbase .totals.all.count)" \
        "$(jr "m$kind" .totals.all.count)"
    assert_eq "$kind: none late" 0 "$(jr "m$kind" .generator.late)"
done
assert_contains "500: the reason" "HTTP 500" "$(jr m500 .metrics_export.push.last_error)"
assert_ge "stall: the queue of 2 dropped the rest" 1 "$(jr mstall .metrics_export.push.dropped)"
log "ok"
