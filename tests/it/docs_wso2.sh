#!/bin/bash
# docs/wso2.md, run as written: every block marked <!-- test: NAME --> in
# the page is taken from it (tests/lib/docblock.sh), its example addresses
# swapped for loopback ones, and run; each shell block's expected-output
# lines (`#   OUTPUT`) must appear in what it printed. So the page's
# commands are the ones that work here:
#  - keytool makes wso2carbon.jks (alias wso2carbon, password wso2carbon,
#    CN=localhost, self-signed) and client-truststore.jks as WSO2 ships
#    them; the certificate is exported to PEM from both and is the same;
#  - a client key pair in a JKS becomes client.pem and client.key
#    (keytool -importkeystore to PKCS12, openssl pkcs12 -nodes);
#  - stand-in gateways (gatewaysim on 8243, tokens required) and a Key
#    Manager (gatewaysim on 9443) present that very certificate and key
#    (taken out of the JKS the same way); openssl s_client fails on the
#    address and verifies with the name; curl gets a token through
#    --connect-to;
#  - the page's scenario validates and runs with tls.server_name and
#    auth.server_name (the check before the run, then every request 2xx
#    on both nodes); without server_name it fails naming the fix;
#  - client.pem/client.key carry a run through a node that requires that
#    client certificate;
#  - the load balancer snippets (haproxy, nginx) give node_header a value
#    per node;
#  - the capacity commands (a staircase, shortened; plan; report) run.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
. "$GATECAP_TOP/tests/lib/docblock.sh"
require_cmd keytool openssl curl haproxy nginx

DOC=$GATECAP_TOP/docs/wso2.md
GW1=127.0.21.1
GW2=127.0.21.2
GW3=127.0.21.3 # requires the client certificate
KM=127.0.21.5
LB=127.0.21.10
LB2=127.0.21.11
W=$T_TMP/work
mkdir -p "$W" "$T_TMP/bin"
export CLIENT_ID=first-hour-app CLIENT_SECRET=s3cret-$RANDOM$RANDOM CLIENT_STOREPASS=change-me

# The page's example addresses and placeholders, made local.
localize() {
    sed -e "s/10\.0\.0\.11/$GW1/g; s/10\.0\.0\.12/$GW2/g; s/10\.0\.0\.5/$KM/g" \
        -e 's/^export CLIENT_ID=\.\.\. CLIENT_SECRET=\.\.\..*/: the test exports them/'
}

# `gatecap` inside the blocks: runs shortened (the page's durations, and
# the staircase's rates, are for a real gateway), quiet, with a late threshold above what a busy
# machine adds; a run that only gatecap's own lateness made exit 3
# (generator-limited) counts as done, as in run_ok.
cat > "$T_TMP/bin/gatecap" << 'WRAP'
#!/bin/bash
[ "$1" = run ] || exec "$GATECAP" "$@"
extra=(--quiet --set generator.late_threshold=50ms --set load.workers=1)
case "$(basename "$2")" in
    my-step.yaml)
        extra+=(--set 'load.phases=[{name: warmup, duration: 1s, rate: 20/s, record: false},
                {name: steps, steps: {from: 20/s, to: 60/s, step: 20/s, duration: 3s, warmup: 1s}}]') ;;
    *)
        extra+=(--set load.phases.0.duration=1s --set load.phases.1.duration=2s) ;;
esac
rc=0
"$GATECAP" "$@" "${extra[@]}" || rc=$?
out=$(sed -n 's/^output: *//p' "$2")
for ((i = 3; i <= $#; i++)); do [ "${!i}" = -o ] && { j=$((i + 1)); out=${!j}; }; done
if [ $rc = 3 ] && [ "$(jq -r .run.status "$out/results.json" 2> /dev/null)" = generator-limited ]; then
    rc=0
fi
exit $rc
WRAP
chmod +x "$T_TMP/bin/gatecap"
export PATH="$T_TMP/bin:$PATH"

# block NAME: the block, made local, run in $W; its output is checked
# against its expected lines and left in $T_TMP/NAME.out.
block() {
    local text out rc=0
    text=$(doc_block "$DOC" "$1" | localize)
    out=$(cd "$W" && bash -euo pipefail -c "$text" 2>&1) || rc=$?
    printf '%s\n' "$out" > "$T_TMP/$1.out"
    [ $rc = 0 ] || fail "docs/wso2.md block $1 failed (exit $rc):
$out"
    doc_check "$1" "$text" "$out"
}

# file NAME: the block NAME (a file's contents), made local, as $W/NAME.
file() {
    doc_block "$DOC" "$1" | localize > "$W/$1"
}

log "keystores as WSO2 ships them, and their certificate as PEM"
block rehearse-keystores
block export-certificate
[ -s "$W/wso2carbon.pem" ] || fail "no wso2carbon.pem"
openssl x509 -in "$W/wso2carbon.pem" -noout -issuer | grep -q 'CN = localhost' || fail "not self-signed for localhost"
log "a client key pair from a JKS as PEM"
block rehearse-client
block client-pem
openssl pkey -in "$W/client.key" -noout || fail "client.key is no private key"
[ "$(openssl x509 -in "$W/client.pem" -noout -pubkey | openssl sha256)" = \
  "$(openssl pkey -in "$W/client.key" -pubout | openssl sha256)" ] || fail "client.key does not belong to client.pem"
assert_eq "client.key is private" 600 "$(stat -c %a "$W/client.key")"

# The stand-ins present wso2carbon's own key pair, taken out of the JKS
# as the page takes out a client's.
keytool -importkeystore -srckeystore "$W/wso2carbon.jks" -srcstoretype JKS -srcstorepass wso2carbon \
    -srcalias wso2carbon -destkeystore "$T_TMP/gw.p12" -deststoretype PKCS12 \
    -deststorepass wso2carbon > /dev/null 2>&1 || fail "keytool -importkeystore failed"
openssl pkcs12 -in "$T_TMP/gw.p12" -passin pass:wso2carbon -nodes -nocerts -out "$T_TMP/gw.key" 2> /dev/null
sim_start "$KM" --http-port 9763 --https-port 9443 --cert "$W/wso2carbon.pem" --key "$T_TMP/gw.key" \
    --client "$CLIENT_ID:$CLIENT_SECRET"
KM_HTTP=$SIM_HTTP
sim_start "$GW1" --http-port 8280 --https-port 8243 --cert "$W/wso2carbon.pem" --key "$T_TMP/gw.key" \
    --auth on --name sim-1
GW1_HTTP=$SIM_HTTP
sim_start "$GW2" --http-port 8280 --https-port 8243 --cert "$W/wso2carbon.pem" --key "$T_TMP/gw.key" \
    --auth on --name sim-2
GW2_HTTP=$SIM_HTTP
sim_start "$GW3" --http-port 8280 --https-port 8243 --cert "$W/wso2carbon.pem" --key "$T_TMP/gw.key" \
    --auth on --name sim-3 --client-ca "$W/client.pem"
GW3_HTTP=$SIM_HTTP

log "openssl and curl against the gateway and the Key Manager"
block check-gateway
block token-curl

log "the first run, by address, with server_name"
file my-gateway.yaml
grep -q "server_name: localhost" "$W/my-gateway.yaml" || fail "my-gateway.yaml sets no server_name"
issued=$(sim_stats "$KM_HTTP" | jq .tokens.issued) # (curl's token above)
block first-run
R=$W/results/first-hour/results.json
[ -s "$R" ] || fail "first run: no results.json"
count=$(jq .totals.all.count "$R")
assert_ge "first run: requests" 40 "$count"
assert_eq "first run: all 2xx" "$count" "$(jq '.totals.all.outcomes["2xx"]' "$R")"
assert_eq "first run: one token" 1 "$(jq .auth.token_endpoint.requests "$R")"
assert_eq "first run: verified for" localhost "$(jq -r .scenario.tls.server_name "$R")"
# Each stand-in served at least what gatecap counted for it, plus the
# check (and some of the unrecorded warm-up), and refused no token.
for i in 1 2; do
    h=GW${i}_HTTP
    st=$(sim_stats "${!h}")
    assert_ge "first run: gw$i served what gatecap counted, and the check" \
        "$(($(jq .totals.by_node.gw$i.count "$R") + 1))" "$(jq '.requests["2xx"]' <<< "$st")"
    assert_eq "first run: gw$i took every token" 0 "$(jq '.requests["401"]' <<< "$st")"
done
assert_eq "first run: the Key Manager issued one token" "$((issued + 1))" "$(sim_stats "$KM_HTTP" | jq .tokens.issued)"
block one-node
R1=$W/results/first-hour/results.json
assert_eq "one node: one target" '["https://127.0.21.1:8243"]' "$(jq -c '[.scenario.targets[].url]' "$R1")"
assert_eq "one node: the rate set" 50 "$(jq '.scenario.load.phases[1].rate_start_per_s' "$R1")"

log "without server_name: the check names the fix"
rc=0
(cd "$W" && "$GATECAP" run my-gateway.yaml --quiet --set tls.server_name= -o "$T_TMP/noname") \
    > "$T_TMP/noname.log" 2>&1 || rc=$?
assert_eq "no server_name: exit code" 3 "$rc"
assert_contains "no server_name: the fix" "the certificate names localhost, not the address $GW1; set tls.server_name: localhost" "$(cat "$T_TMP/noname.log")"
rc=0
(cd "$W" && "$GATECAP" run my-gateway.yaml --quiet --set auth.server_name= -o "$T_TMP/nokm") \
    > "$T_TMP/nokm.log" 2>&1 || rc=$?
assert_eq "no auth.server_name: exit code" 3 "$rc"
assert_contains "no auth.server_name: the fix" "set auth.server_name: localhost" "$(cat "$T_TMP/nokm.log")"

log "the client certificate from the JKS, where one is required"
(cd "$W" && gatecap run my-gateway.yaml -o "$T_TMP/mtls" --set "targets=[https://$GW3:8243]" \
    --set tls.cert=client.pem --set tls.key=client.key) > "$T_TMP/mtls.log" 2>&1 ||
    fail "mutual TLS run: $(tail -3 "$T_TMP/mtls.log")"
count=$(jq .totals.all.count "$T_TMP/mtls/results.json")
assert_eq "mutual TLS: all 2xx" "$count" "$(jq '.totals.all.outcomes["2xx"]' "$T_TMP/mtls/results.json")"
assert_ge "mutual TLS: served there" "$((count + 1))" "$(sim_stats "$GW3_HTTP" | jq '.requests["2xx"]')"
rc=0
(cd "$W" && "$GATECAP" run my-gateway.yaml --quiet -o "$T_TMP/nocert" --set "targets=[https://$GW3:8243]") \
    > /dev/null 2>&1 || rc=$?
assert_eq "no client certificate: refused before the run" 3 "$rc"

log "node_header from the load balancer: haproxy"
cat "$W/wso2carbon.pem" "$T_TMP/gw.key" > "$T_TMP/lb-combined.pem"
{
    printf 'global\n    maxconn 1000\ndefaults\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n'
    printf 'frontend lb\n    mode http\n    bind %s:8243 ssl crt %s\n    default_backend gateways\n' "$LB" "$T_TMP/lb-combined.pem"
    doc_block "$DOC" haproxy | localize | sed "s|/etc/haproxy/|$W/|g"
} > "$T_TMP/haproxy.cfg"
haproxy -c -f "$T_TMP/haproxy.cfg" > "$T_TMP/haproxy-check.log" 2>&1 || fail "haproxy rejects the page's snippet: $(cat "$T_TMP/haproxy-check.log")"
bg_start "$T_TMP/haproxy.log" haproxy -db -f "$T_TMP/haproxy.cfg"
wait_for_port "$LB" 8243 10 "$BG_PID"
(cd "$W" && gatecap run my-gateway.yaml -o "$T_TMP/viahaproxy" --set "targets=[https://$LB:8243]" \
    --set node_header=X-Gateway-Node) > "$T_TMP/viahaproxy.log" 2>&1 ||
    fail "run through haproxy: $(tail -3 "$T_TMP/viahaproxy.log")"
R=$T_TMP/viahaproxy/results.json
assert_eq "haproxy: nodes named by its server lines" '["gw1","gw2"]' "$(jq -c '[.totals.by_node | keys[] | select(. == "gw1" or . == "gw2")]' "$R")"
assert_eq "haproxy: every request from a named node" "$(jq .totals.all.count "$R")" \
    "$(jq '.totals.by_node.gw1.count + .totals.by_node.gw2.count' "$R")"

log "node_header from the load balancer: nginx"
N=$T_TMP/ngx
mkdir -p "$N/tmp"
cp "$W/wso2carbon.pem" "$W/lb.pem"
cp "$T_TMP/gw.key" "$W/lb.key"
{
    echo "worker_processes 1; pid $N/nginx.pid; error_log $N/error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "  client_body_temp_path $N/tmp/body; proxy_temp_path $N/tmp/proxy;"
    echo "  fastcgi_temp_path $N/tmp/fcgi; uwsgi_temp_path $N/tmp/uwsgi; scgi_temp_path $N/tmp/scgi;"
    echo "  access_log off;"
    echo "  proxy_hide_header X-Gateway-Node; # the stand-ins name themselves; WSO2 does not"
    doc_block "$DOC" nginx | localize | sed -e "s|/etc/nginx/|$W/|g" -e "s|listen 443 ssl;|listen $LB2:8243 ssl;|"
    echo "}"
} > "$N/nginx.conf"
bg_start "$N/nginx.out" nginx -p "$N" -c "$N/nginx.conf" -g 'daemon off; user root;'
wait_for_port "$LB2" 8243 10 "$BG_PID"
(cd "$W" && gatecap run my-gateway.yaml -o "$T_TMP/vianginx" --set "targets=[https://$LB2:8243]" \
    --set node_header=X-Gateway-Node) > "$T_TMP/vianginx.log" 2>&1 ||
    fail "run through nginx: $(tail -3 "$T_TMP/vianginx.log")"
R=$T_TMP/vianginx/results.json
n1=$(jq ".totals.by_node[\"$GW1:8243\"].count // 0" "$R")
n2=$(jq ".totals.by_node[\"$GW2:8243\"].count // 0" "$R")
assert_ge "nginx: node 1 named by address" 1 "$n1"
assert_ge "nginx: node 2 named by address" 1 "$n2"
assert_eq "nginx: every request from a named node" "$(jq .totals.all.count "$R")" "$((n1 + n2))"

log "the capacity test: staircase, plan, report"
file my-step.yaml
block capacity
[ -s "$W/results/step-gw1/plan.json" ] || fail "no plan.json"
[ -s "$W/results/step-gw1/report.html" ] || fail "no report.html"
assert_contains "plan: a recommendation" "Recommend" "$(cat "$T_TMP/capacity.out")"
assert_eq "step run: three steps" 3 "$(jq '[.scenario.load.phases[] | select(.group == "steps" and .record)] | length' "$W/results/step-gw1/results.json")"
log "ok"
