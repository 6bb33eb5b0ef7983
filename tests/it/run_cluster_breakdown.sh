#!/bin/bash
# Through the load balancer (haproxy in front of 3 simulated nodes), the
# per-node breakdown gatecap builds from X-Gateway-Node matches each node's
# own counters, request for request.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
require_cmd haproxy

NET=127.0.3
CL="$T_TMP/cluster"
on_exit "'$GATECAP_TOP/tools/gateway-cluster' stop --dir '$CL'"
"$GATECAP_TOP/tools/gateway-cluster" start 3 --net $NET --dir "$CL" --no-check -- \
    --service-time 1ms > "$T_TMP/cluster.log" 2>&1 || fail "cluster did not start: $(tail -5 "$T_TMP/cluster.log")"

# HTTP/1.1: haproxy in HTTP mode balances each request. HTTP/2 (IT_HTTP=2,
# tests/it/h2/): TLS through haproxy in TCP mode, balanced per connection,
# half the requests on a new connection (each node then gets at least a
# third of those) and half on a kept one.
URL=http://$NET.10:8280 TLS="" SHARE=350
if [ "$IT_HTTP" = 2 ]; then
    URL=https://$NET.10:8243 SHARE=150
    TLS="tls: {ca: \"$CL/certs/ca.pem\", connections: fraction, new_connection_fraction: 50%}"
fi
cat > "$T_TMP/lb.yaml" << YAML
name: through-lb
$(it_http)
$TLS
targets: [{url: "$URL", name: lb}]
node_header: X-Gateway-Node
requests: [{name: echo, path: /echo/1.0.0}]
load: {workers: 2, phases: [{name: s, duration: 4s, rate: 300/s}]}
YAML
RC=0
"$GATECAP" run "$T_TMP/lb.yaml" -o "$T_TMP/out" --quiet > "$T_TMP/run.log" 2>&1 || RC=$?
[ "$RC" = 0 ] || [ "$(jq -r .run.status "$T_TMP/out/results.json")" = generator-limited ] ||
    fail "exit code $RC: $(tail -5 "$T_TMP/run.log")"
R="$T_TMP/out/results.json"
assert_eq "all requests" 1200 "$(jq .totals.all.count "$R")"
total=0
for i in 1 2 3; do
    served=$(curl -s "http://$NET.$i:8280/_sim/stats" | jq '.requests.total')
    seen=$(jq ".totals.by_node.node$i.count // 0" "$R")
    # The node check before the run went to one of the nodes.
    [ "$seen" = "$served" ] || [ "$seen" = $((served - 1)) ] ||
        fail "node$i: gatecap saw $seen, the node served $served"
    assert_ge "node$i has its share" "$SHARE" "$seen"
    total=$((total + served))
done
assert_eq "nodes served the run plus the check" 1201 "$total"
assert_eq "no request without a node name" null "$(jq '.totals.by_node.lb' "$R")"
log ok
