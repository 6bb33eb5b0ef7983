# tools/gateway-cluster: 3 simulated nodes on 127.0.1.1-3 behind haproxy on
# 127.0.1.10; requests through haproxy are spread round robin (seen in
# X-Gateway-Node and in each node's counters), an option passed to every
# node (--journey: a payment journey whose steps land on three nodes), HTTPS
# passes through with the
# test CA, status reports, stop leaves no process, a key manager on
# NET.1:9443 and nodes that require client certificates (--key-manager,
# --mtls), a stale PID file naming
# someone else's process is removed without killing it, bad usage exits 2.
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"
require_cmd haproxy

GC=$GATECAP_TOP/tools/gateway-cluster
NET=127.0.1
DIR=$T_TMP/cluster
export GATECAP_CLUSTER_DIR=$DIR
for a in $NET.1 $NET.2 $NET.3 $NET.10; do
    for p in 8280 8243; do
        if timeout 1 bash -c "exec 3<>/dev/tcp/$a/$p" 2> /dev/null; then
            skip "$a:$p is in use (another cluster running?)"
        fi
    done
done

# usage errors
rc=0; "$GC" start > /dev/null 2>&1 || rc=$?
assert_eq "start without N" 2 "$rc"
rc=0; "$GC" start 12 --net $NET > /dev/null 2>&1 || rc=$?
assert_eq "start 12" 2 "$rc"
rc=0; "$GC" start 2 --net 10.0.0 > /dev/null 2>&1 || rc=$?
assert_eq "non-loopback net" 2 "$rc"
rc=0; out=$("$GC" start 2 --net $NET --workers nope 2>&1) || rc=$?
assert_eq "bad simulator option" 2 "$rc"
assert_contains "bad simulator option message" "--workers" "$out"
rc=0; "$GC" frobnicate > /dev/null 2>&1 || rc=$?
assert_eq "unknown command" 2 "$rc"

on_exit "'$GC' stop --dir '$DIR'"
"$GC" start 3 --net $NET --workers 8 --journey open-banking > "$T_TMP/start.out" || fail "start failed: $(cat "$T_TMP/start.out")"
pids=$(cat "$DIR"/*.pid)
assert_eq "four PID files" 4 "$(ls "$DIR"/*.pid | wc -l)"
"$GC" status > "$T_TMP/status" || fail "status says not all up: $(cat "$T_TMP/status")"
assert_eq "status lists 4 up" 4 "$(grep -c ' up ' "$T_TMP/status")"
assert_eq "status --json" 4 "$("$GC" status --json | jq .up)"

# starting twice is refused
rc=0; "$GC" start 3 --net $NET > /dev/null 2>&1 || rc=$?
assert_eq "second start refused" 1 "$rc"

# ---- round robin over HTTP: per request, even on one connection --------------------
LB=http://$NET.10:8280
for i in $(seq 1 9); do
    echo "url = \"$LB/echo/1.0.0\""
    echo "output = /dev/null"
done > "$T_TMP/urls"
curl -s -K "$T_TMP/urls" -w '%header{x-gateway-node}\n' > "$T_TMP/nodes"
assert_eq "9 answers" 9 "$(grep -c '^node[123]$' "$T_TMP/nodes")"
for n in node1 node2 node3; do
    assert_eq "requests on $n" 3 "$(grep -c "^$n\$" "$T_TMP/nodes")"
done
# consecutive answers come from different nodes (round robin order)
assert_eq "round robin order" 0 "$(uniq -d "$T_TMP/nodes" | wc -l)"
# each node's own counters agree (haproxy health checks are control requests)
for i in 1 2 3; do
    assert_eq "node$i counted" 3 "$(sim_stats "http://$NET.$i:8280" | jq '.requests["2xx"]')"
done

# ---- the payment journey (an option passed to every node), one step per node ------------
P=/open-banking/v3.1/pisp
curl -s -o "$T_TMP/b" -w '%{http_code} %header{x-gateway-node}\n' -X POST -d '{}' \
    "$LB$P/domestic-payment-consents" > "$T_TMP/steps"
cons=$(jq -r .Data.ConsentId "$T_TMP/b")
curl -s -o "$T_TMP/b" -w '%{http_code} %header{x-gateway-node}\n' -X POST \
    -d "{\"Data\":{\"ConsentId\":\"$cons\"}}" "$LB$P/domestic-payments" >> "$T_TMP/steps"
pay=$(jq -r .Data.DomesticPaymentId "$T_TMP/b")
curl -s -o "$T_TMP/b" -w '%{http_code} %header{x-gateway-node}\n' "$LB$P/domestic-payments/$pay" >> "$T_TMP/steps"
assert_eq "journey: 201, 201, 200" "201 201 200" "$(cut -d' ' -f1 "$T_TMP/steps" | paste -sd' ')"
assert_eq "journey: each step on another node" 3 "$(cut -d' ' -f2 "$T_TMP/steps" | sort -u | wc -l)"
assert_eq "journey: the poll names the consent" "$cons" "$(jq -r .Data.ConsentId "$T_TMP/b")"

# ---- HTTPS: TLS passed through to the nodes, verified with the test CA ---------------
for i in 1 2 3; do
    curl -s --cacert "$DIR/certs/ca.pem" -o /dev/null -w '%header{x-gateway-node}\n' "https://$NET.10:8243/echo/1.0.0"
done > "$T_TMP/tls_nodes"
assert_eq "HTTPS answers from 3 nodes" 3 "$(sort -u "$T_TMP/tls_nodes" | grep -c '^node[123]$')"

# a node set to refuse is taken out by the health checks (awaited in
# haproxy's own statistics, not guessed from a sleep), and back in when it
# serves again
# lb_status NODE: haproxy's status of NODE in the HTTP backend (UP, DOWN, ...)
lb_status() {
    curl -s --max-time 5 "http://$NET.10:8404/;csv" |
        awk -F, -v n="$1" '$1 == "nodes_http" && $2 == n { print $18 }'
}
# wait_lb NODE STATUS: polls until haproxy says so (up to 30 s)
wait_lb() {
    local i
    for i in $(seq 1 300); do
        [ "$(lb_status "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    fail "haproxy never showed $1 as $2 (now: $(lb_status "$1"))"
}
sim_config "http://$NET.2:8280" refuse=close refuse_for=6s
wait_lb node2 DOWN
curl -s -K "$T_TMP/urls" -w '%header{x-gateway-node}\n' > "$T_TMP/nodes"
assert_eq "no requests to the refusing node" 0 "$(grep -c '^node2$' "$T_TMP/nodes" || true)"
assert_eq "all answered by the others" 9 "$(grep -c '^node[13]$' "$T_TMP/nodes")"
wait_lb node2 UP
curl -s -K "$T_TMP/urls" -w '%header{x-gateway-node}\n' > "$T_TMP/nodes"
assert_eq "the node serves again once back" 3 "$(grep -c '^node2$' "$T_TMP/nodes" || true)"

# ---- stop: every process gone ---------------------------------------------------------
"$GC" stop > "$T_TMP/stop.out"
for p in $pids; do
    wait_for_exit "$p" 5 || fail "process $p still runs after stop"
done
[ -z "$(ls "$DIR"/*.pid 2> /dev/null)" ] || fail "PID files left after stop"
rc=0; "$GC" status > /dev/null || rc=$?
assert_eq "status after stop" 1 "$rc"
wait_for_no_port $NET.10 8280 3

# ---- a key manager, and nodes that require client certificates ------------------------
# --key-manager: one more gatewaysim on NET.1:9443 (HTTPS, as API Manager's
# Key Manager; HTTP on 9763) whose tokens every node accepts; it takes a
# client certificate (tls_client_auth) or a secret. --mtls: the nodes
# verify client certificates against the cluster's CA (--verify-client
# passes through: require by default).
rc=0; out=$("$GC" start 2 --net $NET --mtls --lb-tls terminate 2>&1) || rc=$?
assert_eq "--mtls with a terminating balancer" 2 "$rc"
assert_contains "--mtls with a terminating balancer: message" "passthrough" "$out"
"$GC" start 2 --net $NET --key-manager --mtls --auth on > "$T_TMP/start2.out" ||
    fail "start with a key manager failed: $(cat "$T_TMP/start2.out")"
assert_contains "start names the key manager" "key manager https://$NET.1:9443/oauth2/token" "$(cat "$T_TMP/start2.out")"
pids=$(cat "$DIR"/*.pid)
assert_eq "status: 2 nodes, haproxy and the key manager up" 4 "$("$GC" status --json | jq .up)"
assert_eq "status: the key manager's address" "$NET.1" \
    "$("$GC" status --json | jq -r '.processes[] | select(.name == "km") | .address')"
C=$DIR/certs
KM=https://$NET.1:9443
tok() { curl -s --max-time 5 --cacert "$C/ca.pem" "$@" "$KM/oauth2/token" | jq -r '.access_token // empty'; }
t1=$(tok --cert "$C/client.pem" --key "$C/client.key" -d grant_type=client_credentials -d client_id=tpp-1)
[ -n "$t1" ] || fail "no token by tls_client_auth from the key manager"
t2=$(tok -u app:secret -d grant_type=client_credentials)
[ -n "$t2" ] || fail "no token by client secret from the key manager"
assert_eq "the key manager's tokens" 2 "$(curl -s "http://$NET.1:9763/_sim/stats" | jq .tokens.issued)"
mt=(--cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key")
for i in 1 2; do
    rc=0
    curl -s -o /dev/null --cacert "$C/ca.pem" "https://$NET.$i:8243/echo/1.0.0" || rc=$?
    [ "$rc" -ne 0 ] || fail "node$i served a client without a certificate"
    assert_eq "node$i: a client certificate, no token" 401 "$(http_code "https://$NET.$i:8243/echo/1.0.0" "${mt[@]}")"
    assert_eq "node$i: a client certificate and the key manager's token" 200 \
        "$(http_code "https://$NET.$i:8243/echo/1.0.0" "${mt[@]}" -H "Authorization: Bearer $t1")"
done
assert_eq "through the balancer, TLS passed through" 200 \
    "$(http_code "https://$NET.10:8243/echo/1.0.0" "${mt[@]}" -H "Authorization: Bearer $t2")"
"$GC" stop > /dev/null
for p in $pids; do
    wait_for_exit "$p" 5 || fail "process $p still runs after stop"
done
[ -z "$(ls "$DIR"/*.pid 2> /dev/null)" ] || fail "PID files left after stop"
wait_for_no_port $NET.1 9443 3

# ---- any --net: the node certificates cover its addresses --------------------------------
# (tools/make-certs covers 127.0.0-2.x by itself; the cluster asks for the rest)
NET2=127.0.16
"$GC" start 1 --net $NET2 --no-check > "$T_TMP/start3.out" ||
    fail "start on $NET2 failed: $(cat "$T_TMP/start3.out")"
assert_eq "HTTPS to the node on $NET2, verified" 200 \
    "$(http_code "https://$NET2.1:8243/echo/1.0.0" --cacert "$DIR/certs/ca.pem")"
assert_eq "HTTPS through the balancer on $NET2, verified" 200 \
    "$(http_code "https://$NET2.10:8243/echo/1.0.0" --cacert "$DIR/certs/ca.pem")"
"$GC" stop > /dev/null
wait_for_no_port $NET2.1 8243 5

# ---- stale PID files: not ours -> removed, nothing killed ------------------------------
mkdir -p "$DIR"
sleep 30 &
decoy=$!
on_exit "kill $decoy"
echo "$decoy" > "$DIR/node1.pid"
echo "$decoy" > "$DIR/haproxy.pid"
"$GC" stop > "$T_TMP/stop2.out"
proc_alive "$decoy" || fail "stop killed a process that was not the cluster's"
assert_contains "stale PID file reported" "stale" "$(cat "$T_TMP/stop2.out")"
[ ! -e "$DIR/node1.pid" ] || fail "stale PID file not removed"
kill "$decoy"
log "ok"
