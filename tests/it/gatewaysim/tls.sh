# gatewaysim over HTTPS: certificates from tools/make-certs, verification
# against the test CA, failure with an untrusted CA, mutual TLS required
# (no client certificate: handshake refused; with one: served) or optional
# (--verify-client optional: verified when given; the token endpoint takes
# the certificate or the secret), TLS counters, and clear start-up errors
# for bad certificate files.
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"
# HTTPS would now choose HTTP/2 by ALPN; this test is about HTTP/1.1 over
# TLS (tests/it/gatewaysim/http2.sh covers HTTP/2)
curl() { command curl --http1.1 "$@"; }

ADDR=127.0.1.12
sim_certs
C=$SIM_CERTS
for f in ca.pem ca.key server.pem server.key client.pem client.key untrusted/server.pem untrusted/server.key; do
    [ -s "$C/$f" ] || fail "make-certs did not create $f"
done
# idempotent: a second run changes nothing
sum1=$(cat "$C"/*.pem | md5sum)
"$GATECAP_TOP/tools/make-certs" "$C"
assert_eq "make-certs is idempotent" "$sum1" "$(cat "$C"/*.pem | md5sum)"
openssl verify -CAfile "$C/ca.pem" "$C/server.pem" "$C/client.pem" > /dev/null || fail "certs do not verify"
openssl verify -CAfile "$C/ca.pem" "$C/untrusted/server.pem" > /dev/null 2>&1 && fail "untrusted cert verifies"

# ---- server-only TLS ----------------------------------------------------------
sim_start "$ADDR" --name tls-node --cert "$C/server.pem" --key "$C/server.key"
out=$(curl -s --cacert "$C/ca.pem" -D - "$SIM_HTTPS/echo/1.0.0?size=4")
assert_contains "HTTPS answer" "HTTP/1.1 200" "$out"
assert_contains "HTTPS node header" "X-Gateway-Node: tls-node" "$out"
# the same node still serves plain HTTP
assert_eq "HTTP beside HTTPS" 200 "$(http_code "$SIM_HTTP/echo/1.0.0")"
# a client that trusts another CA refuses the server
rc=0
curl -s -o /dev/null --cacert "$C/untrusted/ca.pem" "$SIM_HTTPS/echo/1.0.0" || rc=$?
assert_eq "untrusted CA: curl exit (60 = peer certificate not verified)" 60 "$rc"
# TLS 1.2 works too; keep-alive over TLS
assert_eq "TLS 1.2" 200 "$(http_code "$SIM_HTTPS/echo/1.0.0" --cacert "$C/ca.pem" --tls-max 1.2)"
sim_reset
curl -s -o /dev/null -o /dev/null --cacert "$C/ca.pem" "$SIM_HTTPS/echo/1.0.0" "$SIM_HTTPS/echo/1.0.0"
st=$(sim_stats)
assert_eq "TLS handshakes for a keep-alive pair" 1 "$(jq .connections.tls_handshakes <<< "$st")"
assert_eq "requests over TLS" 2 "$(jq '.requests["2xx"]' <<< "$st")"
sim_stop

# a server with the untrusted pair: clients trusting the test CA refuse it
sim_start "$ADDR" --cert "$C/untrusted/server.pem" --key "$C/untrusted/server.key"
rc=0
curl -s -o /dev/null --cacert "$C/ca.pem" "$SIM_HTTPS/echo/1.0.0" || rc=$?
assert_eq "untrusted server cert: curl exit" 60 "$rc"
sim_stop

# ---- mutual TLS ---------------------------------------------------------------
sim_start "$ADDR" --name mtls-node --cert "$C/server.pem" --key "$C/server.key" --client-ca "$C/ca.pem"
rc=0
curl -s -o /dev/null --cacert "$C/ca.pem" "$SIM_HTTPS/echo/1.0.0" || rc=$?
[ "$rc" -ne 0 ] || fail "mTLS: a client without a certificate was served"
code=$(http_code "$SIM_HTTPS/echo/1.0.0" --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key")
assert_eq "mTLS with client certificate" 200 "$code"
# a client certificate from another CA is refused
rc=0
curl -s -o /dev/null --cacert "$C/ca.pem" --cert "$C/untrusted/server.pem" --key "$C/untrusted/server.key" \
    "$SIM_HTTPS/echo/1.0.0" || rc=$?
[ "$rc" -ne 0 ] || fail "mTLS: a certificate from an untrusted CA was accepted"
st=$(sim_stats)
assert_ge "TLS failures counted" 2 "$(jq .connections.tls_failures <<< "$st")"
assert_eq "only the authenticated request was served" 1 "$(jq .requests.total <<< "$st")"
assert_eq "config: client certificates required" require "$(curl -s "$SIM_HTTP/_sim/config" | jq -r .verify_client)"
sim_stop

# ---- mutual TLS, optional: a certificate is verified when one is given ------------
# (a gateway that serves mutual-TLS APIs beside others on one port; a key
# manager that takes tls_client_auth and client secrets alike)
sim_start "$ADDR" --name opt-node --cert "$C/server.pem" --key "$C/server.key" --client-ca "$C/ca.pem" \
    --verify-client optional --client tpp-1:s3cret
assert_eq "optional: no certificate, served" 200 "$(http_code "$SIM_HTTPS/echo/1.0.0" --cacert "$C/ca.pem")"
assert_eq "optional: with a certificate, served" 200 \
    "$(http_code "$SIM_HTTPS/echo/1.0.0" --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key")"
rc=0
curl -s -o /dev/null --cacert "$C/ca.pem" --cert "$C/untrusted/server.pem" --key "$C/untrusted/server.key" \
    "$SIM_HTTPS/echo/1.0.0" || rc=$?
[ "$rc" -ne 0 ] || fail "optional mTLS: a certificate from an untrusted CA was accepted"
# the token endpoint: the certificate proves the client (tls_client_auth),
# or the secret does; neither is refused
tok() { curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.pem" "$@" "$SIM_HTTPS/oauth2/token"; }
assert_eq "tls_client_auth with a certificate" 200 \
    "$(tok --cert "$C/client.pem" --key "$C/client.key" -d grant_type=client_credentials -d client_id=tpp-1)"
assert_eq "client_id alone, no certificate" 401 "$(tok -d grant_type=client_credentials -d client_id=tpp-1)"
assert_eq "the secret, no certificate" 200 "$(tok -u tpp-1:s3cret -d grant_type=client_credentials)"
cfg=$(curl -s "$SIM_HTTP/_sim/config")
assert_eq "config: mutual TLS" true "$(jq .mutual_tls <<< "$cfg")"
assert_eq "config: optional" optional "$(jq -r .verify_client <<< "$cfg")"
sim_stop
rc=0
out=$("$GATEWAYSIM" --listen "$ADDR" --cert "$C/server.pem" --key "$C/server.key" --verify-client optional 2>&1) || rc=$?
assert_eq "--verify-client without --client-ca: exit" 2 "$rc"
assert_contains "--verify-client without --client-ca: message" "--client-ca" "$out"
rc=0
out=$("$GATEWAYSIM" --verify-client sometimes 2>&1) || rc=$?
assert_eq "--verify-client sometimes: exit" 2 "$rc"
assert_contains "--verify-client sometimes: message" "require or optional" "$out"

# ---- start-up errors name the file ----------------------------------------------
expect_start_error() {
    local want=$1 rc=0 out
    shift
    out=$("$GATEWAYSIM" --listen "$ADDR" --http-port "$(free_port "$ADDR")" \
        --https-port "$(free_port "$ADDR")" "$@" 2>&1) || rc=$?
    assert_eq "exit status for $*" 1 "$rc"
    assert_contains "message for $*" "$want" "$out"
}
expect_start_error "$T_TMP/missing.pem" --cert "$T_TMP/missing.pem" --key "$C/server.key"
expect_start_error "does not match" --cert "$C/server.pem" --key "$C/client.key"
echo "not a key" > "$T_TMP/junk.key"
expect_start_error "$T_TMP/junk.key" --cert "$C/server.pem" --key "$T_TMP/junk.key"
expect_start_error "$T_TMP/none.pem" --cert "$C/server.pem" --key "$C/server.key" --client-ca "$T_TMP/none.pem"
rc=0
"$GATEWAYSIM" --cert "$C/server.pem" > /dev/null 2>&1 || rc=$?
assert_eq "--cert without --key" 2 "$rc"
log "ok"
