#!/bin/bash
# tls.server_name: nodes reached by address whose certificate names only
# "localhost" (as WSO2's default certificate does). nginx serves two such
# nodes and logs, per request, the address it was reached on, the SNI
# ($ssl_server_name) and the Host header. Checks, on both transports
# (generator.transport: native and curl):
#  - without server_name the check before the run fails (exit 3), naming
#    the certificate's name and tls.server_name;
#  - with tls.server_name: localhost every request succeeds, nginx saw the
#    SNI localhost and Host localhost:8243 on every one, and each address
#    got exactly the requests gatecap counted for its node (connections to
#    two nodes that share one name are never mixed up);
#  - targets.N.server_name applies to its node only;
#  - results.json shows the setting;
#  - auth.server_name does the same for the token endpoint (gatewaysim as
#    the key manager with the same certificate).
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
require_cmd nginx openssl

A1=127.0.20.1
A2=127.0.20.2
KM=127.0.20.3
C=$T_TMP/certs
mkdir -p "$C" "$T_TMP/ngx/tmp"

# A CA, and a server certificate that names localhost and nothing else.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=server-name test CA" -keyout "$C/ca.key" -out "$C/ca.pem" 2> /dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$C/localhost.key" -out "$C/localhost.csr" 2> /dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$C/ext"
openssl x509 -req -in "$C/localhost.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
    -days 30 -extfile "$C/ext" -out "$C/localhost.pem" 2> /dev/null
openssl verify -CAfile "$C/ca.pem" -verify_hostname localhost "$C/localhost.pem" > /dev/null ||
    fail "test certificate does not verify for localhost"
if openssl verify -CAfile "$C/ca.pem" -verify_ip "$A1" "$C/localhost.pem" > /dev/null 2>&1; then
    fail "test certificate must not name $A1"
fi

N=$T_TMP/ngx
cat > "$N/nginx.conf" << CONF
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path $N/tmp/body; proxy_temp_path $N/tmp/proxy;
  fastcgi_temp_path $N/tmp/fcgi; uwsgi_temp_path $N/tmp/uwsgi; scgi_temp_path $N/tmp/scgi;
  keepalive_requests 1000000; keepalive_timeout 120s;
  log_format sni '\$server_addr sni=\$ssl_server_name host=\$http_host \$status';
  access_log $N/access.log sni;
  ssl_certificate $C/localhost.pem; ssl_certificate_key $C/localhost.key;
  server {
    listen $A1:8243 ssl http2; listen $A2:8243 ssl http2;
    location / { default_type text/plain; return 200 'ok'; }
  }
}
CONF
bg_start "$N/nginx.out" nginx -p "$N" -c "$N/nginx.conf" -g 'daemon off; user root;'
NGINX_PID=$BG_PID
wait_for_port "$A1" 8243 10 "$NGINX_PID"
wait_for_port "$A2" 8243 10 "$NGINX_PID"

# scenario NAME TRANSPORT TLS-EXTRA [TARGET1-EXTRA] [HTTP]
scenario() {
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets:
  - {url: "https://$A1:8243", name: gw1 ${4:-}}
  - {url: "https://$A2:8243", name: gw2}
tls: {ca: "$C/ca.pem" $3}
http: "${5:-1.1}"
requests: [{name: echo, path: /echo/1.0.0}]
load:
  workers: 1
  phases: [{name: steady, duration: 2s, rate: 40/s}]
generator: {transport: $2, late_threshold: 50ms}
YAML
}

# Lines of nginx's log for ADDR with FIELD=VALUE; all lines for ADDR.
ngx_lines() { grep -c "^$1 $2" "$N/access.log" || true; }

for tr in native curl; do
    log "$tr: without server_name the check names the certificate's name"
    : > "$N/access.log"
    scenario "plain-$tr" "$tr" ""
    run "plain-$tr"
    assert_eq "plain-$tr: exit code" 3 "$RC"
    out=$(cat "$T_TMP/plain-$tr.log")
    assert_contains "plain-$tr: names the node" "gw1" "$out"
    assert_contains "plain-$tr: names the certificate's name" "localhost" "$out"
    assert_contains "plain-$tr: suggests tls.server_name" "tls.server_name: localhost" "$out"
    assert_eq "plain-$tr: nothing served" 0 "$(wc -l < "$N/access.log")"

    log "$tr: tls.server_name: localhost verifies, sends SNI and Host"
    : > "$N/access.log"
    scenario "named-$tr" "$tr" ", server_name: localhost"
    run "named-$tr"
    run_ok "named-$tr"
    count=$(jr "named-$tr" .totals.all.count)
    assert_ge "named-$tr: requests" 60 "$count"
    assert_eq "named-$tr: all 2xx" "$count" "$(jr "named-$tr" '.totals.all.outcomes["2xx"]')"
    assert_eq "named-$tr: results show tls.server_name" localhost "$(jr "named-$tr" .scenario.tls.server_name)"
    assert_eq "named-$tr: results show the node's name" localhost "$(jr "named-$tr" '.scenario.targets[1].server_name')"
    total=$(wc -l < "$N/access.log")
    # the check request, then the run's
    assert_eq "named-$tr: nginx saw them all" "$((count + 2))" "$total"
    assert_eq "named-$tr: SNI and Host on every request" "$total" \
        "$(grep -c ' sni=localhost host=localhost:8243 200$' "$N/access.log")"
    for i in 1 2; do
        a=A$i
        n=$(jr "named-$tr" ".totals.by_node.gw$i.count")
        assert_eq "named-$tr: gw$i served on its own address" "$((n + 1))" "$(ngx_lines "${!a}" sni=)"
    done
done

log "curl, HTTP/2: SNI and :authority"
: > "$N/access.log"
scenario h2 curl ", server_name: localhost" "" 2
run h2
run_ok h2
count=$(jr h2 .totals.all.count)
assert_eq "h2: all 2xx" "$count" "$(jr h2 '.totals.all.outcomes["2xx"]')"
assert_eq "h2: SNI on every request" "$((count + 2))" "$(grep -c ' sni=localhost host=localhost:8243 200$' "$N/access.log")"

log "targets.N.server_name applies to its node only"
scenario per-target native "" ", server_name: localhost"
run per-target
assert_eq "per-target: exit code" 3 "$RC"
assert_contains "per-target: the other node fails" "node gw2" "$(cat "$T_TMP/per-target.log")"
scenario per-target2 curl "" ", server_name: localhost"
sed -i "s|name: gw2}|name: gw2, server_name: localhost}|" "$T_TMP/per-target2.yaml"
run per-target2
run_ok per-target2
assert_eq "per-target2: results" localhost "$(jr per-target2 '.scenario.targets[0].server_name')"
assert_eq "per-target2: no tls.server_name" null "$(jr per-target2 .scenario.tls.server_name)"

log "auth.server_name: the token endpoint reached by address"
sim_start "$KM" --cert "$C/localhost.pem" --key "$C/localhost.key" --client "app1:s3cret-app1"
KM_URL="https://$KM:${SIM_HTTPS##*:}/oauth2/token"
km_scenario() { # NAME AUTH-EXTRA
    scenario "$1" native ", server_name: localhost"
    cat >> "$T_TMP/$1.yaml" << YAML
auth:
  token_url: "$KM_URL"
  client_id: app1
  client_secret: s3cret-app1
  $2
YAML
}
km_scenario km-plain ""
run km-plain
assert_eq "km-plain: exit code" 3 "$RC"
out=$(cat "$T_TMP/km-plain.log")
assert_contains "km-plain: names the certificate's name" "localhost" "$out"
assert_contains "km-plain: suggests auth.server_name" "auth.server_name: localhost" "$out"
km_scenario km-named "server_name: localhost"
run km-named
run_ok km-named
assert_eq "km-named: tokens" 1 "$(jr km-named .auth.token_endpoint.requests)"
assert_eq "km-named: all 2xx" "$(jr km-named .totals.all.count)" "$(jr km-named '.totals.all.outcomes["2xx"]')"
assert_eq "km-named: results" localhost "$(jr km-named .scenario.auth.server_name)"
assert_eq "km-named: the simulator issued it" 1 "$(sim_stats | jq .tokens.issued)"
log "ok"
