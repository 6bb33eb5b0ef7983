#!/bin/bash
# The native HTTP/1.1 transport (harness/net/xfer_h1.c) against Debian's nginx
# and the gateway simulator: it sends the same bytes as libcurl does
# (nginx logs both alike), follows "Connection: close" and servers closing
# idle keep-alive connections without losing a request, reads chunked
# (gzip) and HEAD answers, times out a request that gets no answer, and
# fails cleanly when a node goes away.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
require_cmd nginx jq

A=127.0.10.1
N="$T_TMP/nginx"
mkdir -p "$N/tmp" "$N/html" "$N/certs"
head -c 20000 /dev/zero | tr '\0' 'a' > "$N/html/big.txt"
head -c 102400 /dev/zero | tr '\0' 'b' > "$T_TMP/100k.bin"
"$GATECAP_TOP/tools/make-certs" "$N/certs" > /dev/null
# Every field nginx can tell about the request, to compare transports.
cat > "$N/nginx.conf" << CONF
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path $N/tmp/body; proxy_temp_path $N/tmp/proxy;
  fastcgi_temp_path $N/tmp/fcgi; uwsgi_temp_path $N/tmp/uwsgi; scgi_temp_path $N/tmp/scgi;
  log_format req '\$request len=\$request_length host=\$http_host accept=\$http_accept '
                 'ct=\$content_type cl=\$content_length x=\$http_x_test status=\$status '
                 'conn=\$connection_requests';
  default_type text/plain;
  # keep-alive: 5 requests per connection, then "Connection: close"
  server { listen $A:8280; keepalive_requests 5; access_log $N/short.log req;
           location / { return 200 'ok'; } }
  # idle connections closed after 300 ms
  server { listen $A:8282; keepalive_timeout 300ms; access_log $N/idle.log req;
           location / { return 200 'ok'; } }
  # gzip: a 20,000-byte file goes out chunked
  server { listen $A:8283; gzip on; gzip_min_length 1; gzip_types text/plain;
           access_log $N/gzip.log req; root $N/html; }
  # plenty of keep-alive: the transports compared byte for byte
  server { listen $A:8284; keepalive_requests 100000; access_log $N/parity.log req;
           location / { return 200 'ok'; } }
  # large bodies over TLS (by host name: SNI, name verification) and plain,
  # and IPv6
  server { listen $A:8285; listen 127.0.0.1:8286 ssl; listen [::1]:8286 ssl; listen [::1]:8287;
           ssl_certificate $N/certs/server.pem; ssl_certificate_key $N/certs/server.key;
           client_max_body_size 1m; access_log $N/big.log req;
           location / { return 200 'ok'; } }
}
CONF
bg_start "$N/nginx.out" nginx -p "$N" -c "$N/nginx.conf" -g 'daemon off; user root;'
for p in 8280 8282 8283 8284 8285; do wait_for_port "$A" "$p" 10 "$BG_PID"; done
wait_for_port 127.0.0.1 8286 10 "$BG_PID"

log "the same bytes as libcurl: nginx logs both transports' requests alike"
for tr in native curl; do
    cat > "$T_TMP/parity-$tr.yaml" << YAML
name: parity-$tr
targets: ["http://$A:8284"]
requests:
  - {name: get, path: "/a/b?q=1", headers: {X-Test: one}}
  - {name: post, method: POST, path: /p, body: '{"k":"v"}', headers: {Content-Type: application/json}}
  - {name: form, method: PUT, path: /f, body: 'a=1'}
  - {name: empty, method: POST, path: /e}
  - {name: host, path: /h, headers: {Host: api.example.com, Accept: application/json}}
load: {model: closed, workers: 1, phases: [{name: s, duration: 1s, users: 1, think: 100ms}]}
generator: {transport: $tr}
YAML
    : > "$N/parity.log"
    run "parity-$tr"
    run_ok "parity-$tr"
    # one line per distinct request (the counts differ run to run)
    grep -v ' conn=1$' "$N/parity.log" | sed 's/ conn=[0-9]*$//' | sort -u > "$T_TMP/parity-$tr.txt"
done
assert_eq "distinct requests seen (native)" 5 "$(wc -l < "$T_TMP/parity-native.txt")"
# One deliberate difference: a POST without a body carries
# "Content-Length: 0" (RFC 9110 8.6); libcurl sends no length.
assert_eq "nginx saw the same requests from both" "$(grep -v 'POST /e' "$T_TMP/parity-curl.txt")" \
    "$(grep -v 'POST /e' "$T_TMP/parity-native.txt")"
assert_contains "Host with the port" "host=$A:8284" "$(cat "$T_TMP/parity-native.txt")"
assert_contains "an empty POST has Content-Length: 0" "POST /e HTTP/1.1 len=" "$(grep 'cl=0 ' "$T_TMP/parity-native.txt")"
assert_eq "results say which transport" native "$(jr parity-native .gatecap.transport)"
assert_eq "results say which transport (curl)" libcurl "$(jr parity-curl .gatecap.transport)"

log "Connection: close every 5th answer: no request lost, a new connection each time"
cat > "$T_TMP/short.yaml" << YAML
name: short
targets: ["http://$A:8280"]
requests: [{name: get, path: /s}]
load: {model: closed, workers: 1, phases: [{name: s, duration: 2s, users: 4, think: 2ms}]}
YAML
: > "$N/short.log"
run short
run_ok short
count=$(jr short .totals.all.count)
assert_eq "all 2xx" "$count" "$(jr short '.totals.all.outcomes["2xx"]')"
assert_eq "nginx saw every request (and the node check)" "$((count + 1))" "$(wc -l < "$N/short.log")"
# 4 users, 5 requests per connection: one connection per 5 requests (the
# node check's is libcurl's own).
nc=$(jr short .totals.all.new_connections)
assert_ge "new connections" "$((count / 5))" "$nc"
assert_le "new connections" "$((count / 5 + 4))" "$nc"

log "idle keep-alive connections closed by the server are noticed, not used"
cat > "$T_TMP/idle.yaml" << YAML
name: idle
targets: ["http://$A:8282"]
requests: [{name: get, path: /i}]
load: {model: closed, workers: 1, phases: [{name: s, duration: 3s, users: 1, think: 500ms}]}
YAML
run idle
run_ok idle
count=$(jr idle .totals.all.count)
assert_ge "requests" 4 "$count"
assert_eq "no errors" 0 "$(jr idle .totals.all.errors)"
assert_eq "every request on a new connection" "$count" "$(jr idle .totals.all.new_connections)"

log "chunked (gzip) and HEAD answers"
cat > "$T_TMP/gzip.yaml" << YAML
name: gzip
targets: ["http://$A:8283"]
requests:
  - {name: gz, path: /big.txt, headers: {Accept-Encoding: gzip}}
  - {name: plain, path: /big.txt}
  - {name: head, method: HEAD, path: /big.txt}
load: {model: closed, workers: 1, phases: [{name: s, duration: 1s, users: 2, think: 5ms}]}
YAML
: > "$N/gzip.log"
run gzip
run_ok gzip
count=$(jr gzip .totals.all.count)
assert_eq "all 2xx" "$count" "$(jr gzip '.totals.all.outcomes["2xx"]')"
assert_eq "connections kept alive" 2 "$(jr gzip .totals.all.new_connections)"
gz=$(jr gzip .totals.by_request.gz.count)
plain=$(jr gzip .totals.by_request.plain.count)
# the 20,000 bytes as is vs gzipped (a few dozen bytes, chunked)
assert_ge "plain answers carry the file" "$((plain * 20000))" "$(jr gzip .totals.by_request.plain.bytes_received)"
assert_le "gzip answers are small" "$((gz * 600))" "$(jr gzip .totals.by_request.gz.bytes_received)"

log "100 KiB bodies over plain HTTP and TLS (to localhost), and an IPv6 node"
cat > "$T_TMP/big.yaml" << YAML
name: big
targets: ["http://$A:8285", "https://localhost:8286", "http://[::1]:8287"]
tls: {ca: "$N/certs/ca.pem"}
requests: [{name: up, method: POST, path: /up, body_file: "$T_TMP/100k.bin",
            headers: {Content-Type: application/octet-stream}}]
load: {model: closed, workers: 1, phases: [{name: s, duration: 1s, users: 3, think: 20ms}]}
YAML
: > "$N/big.log"
run big
run_ok big
count=$(jr big .totals.all.count)
assert_eq "all 2xx" "$count" "$(jr big '.totals.all.outcomes["2xx"]')"
# nginx reads (and discards) each body to keep the connection: a short
# body would stall the next request on it.
assert_eq "nginx saw every upload (and the node checks)" "$((count + 3))" \
    "$(grep -cE 'POST /up HTTP/1.1 .*cl=102400 .*status=200' "$N/big.log")"
assert_ge "bytes sent" "$((count * 102400))" "$(jr big .totals.all.bytes_sent)"
assert_le "connections kept alive (3 users, 3 nodes)" 9 "$(jr big .totals.all.new_connections)"
for node in "$A:8285" "localhost:8286" "[::1]:8287"; do
    assert_ge "requests to $node" 1 "$(jr big ".totals.by_node[\"$node\"].count")"
done

log "a request with no answer times out; the run goes on"
sim_start 127.0.10.2 --service-time fixed:1ms
cat > "$T_TMP/slow.yaml" << YAML
name: slow
targets: ["$SIM_HTTP"]
requests: [{name: get, path: /echo/1.0.0}]
timeouts: {request: 300ms}
load: {model: open, workers: 1, phases: [{name: s, duration: 2s, rate: 10/s}]}
YAML
RC=0
sim_reset
"$GATECAP" run "$T_TMP/slow.yaml" -o "$T_TMP/slow" --quiet > "$T_TMP/slow.log" 2>&1 &
GC=$!
# switch after the node check and 5 of the 20 requests (seen by the
# simulator, not guessed from a sleep)
for i in $(seq 1 300); do
    [ "$(sim_stats | jq '.requests["2xx"]')" -ge 6 ] && break
    sleep 0.05
done
sim_config "$SIM_HTTP" service_time=fixed:3s
wait "$GC" || RC=$?
run_ok slow
to=$(jr slow .totals.all.outcomes.timeout)
ok=$(jr slow '.totals.all.outcomes["2xx"]')
assert_ge "requests timed out after the switch" 5 "$to"
assert_ge "requests answered before it" 5 "$ok"
assert_eq "every request accounted for" 20 "$((to + ok))"
assert_contains "timeout message" "timed out after 300 ms" "$(jr slow .error_examples.timeout)"
log ok
