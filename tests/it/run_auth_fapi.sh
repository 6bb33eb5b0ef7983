#!/bin/bash
# FAPI client authentication against the gateway simulator (its token
# endpoint with registered client public keys) and nginx. Checks that
#  - private_key_jwt with PS256 (RSA) and ES256 (EC P-256) gets tokens:
#    the simulator verifies one fresh assertion per token request, and the
#    requests that carry those tokens succeed;
#  - an assertion signed with the wrong key, or for the wrong audience, is
#    refused (401 invalid_client): gatecap exits 3 before any load, naming
#    the application and the answer;
#  - a signing key from a PKCS#12 bundle (password from a file) works the
#    same, and a wrong PKCS#12 password is a load error naming the field
#    (exit 2);
#  - a client certificate from a PKCS#12 bundle (tls.cert, password from
#    ${ENV}) reaches nginx (its access log shows the certificate's DN);
#  - requests with sign: carry a detached JWS (x-jws-signature) that the
#    simulator verifies with the application's registered key, on both
#    transports; one signed with an unknown key is refused (400) and counted;
#  - the refresh_token grant renews tokens (with a fresh assertion each
#    time), and a refresh token the key manager refuses falls back to the
#    primary grant, counted alike by gatecap and the simulator;
#  - no private key, PKCS#12 password or assertion appears in anything
#    gatecap writes.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
. "$GATECAP_TOP/tests/lib/nginx.sh"

KM=127.0.2.16
GW=127.0.2.17
sim_certs
P12_PASS=$(cat "$SIM_CERTS/client.p12.pass")

sim_start "$KM" --cert "$SIM_CERTS/server.pem" --key "$SIM_CERTS/server.key" \
    --client-key "rsa-app=$SIM_CERTS/sign-rsa.pub.pem" \
    --client-key "ec-app=$SIM_CERTS/sign-ec.pub.pem" --token-ttl 3600
KM_HTTP=$SIM_HTTP
KM_URL=$SIM_HTTPS/oauth2/token
sim_start "$GW" --auth on
GW_URL=$SIM_HTTP

scenario() { # NAME APPLICATIONS-YAML [EXTRA-AUTH-YAML]
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
$(it_http)
targets: ["$GW_URL"]
tls: {ca: "$SIM_CERTS/ca.pem"}
requests: [{name: echo, path: /echo/1.0.0}]
auth:
  token_url: "$KM_URL"
  client_auth: private_key_jwt
${3:-}
  applications:
$2
load:
  workers: 1
  phases: [{name: steady, duration: 2s, rate: 50/s}]
YAML
}
assertions() { sim_stats "$KM_HTTP" | jq ".client_assertions.$1"; }

log "private_key_jwt with PS256 and ES256: tokens issued, requests succeed"
scenario jwt "    - {name: r, client_id: rsa-app, signing_key: \"$SIM_CERTS/sign-rsa.key\", kid: rsa-1}
    - {name: e, client_id: ec-app, signing_key: \"$SIM_CERTS/sign-ec.key\"}"
run jwt
run_ok jwt
count=$(jr jwt .totals.all.count)
assert_ge "jwt: requests sent" 50 "$count"
assert_eq "jwt: every request 2xx" "$count" "$(jr jwt '.totals.all.outcomes["2xx"]')"
assert_eq "jwt: assertions verified" 2 "$(assertions verified)"
assert_eq "jwt: tokens issued" 2 "$(sim_stats "$KM_HTTP" | jq .tokens.issued)"
assert_eq "jwt: one token each" "1 1" \
    "$(sim_stats "$KM_HTTP" | jq -r '"\(.clients["rsa-app"].tokens) \(.clients["ec-app"].tokens)"')"
assert_eq "jwt: algorithms echoed" "PS256 ES256" \
    "$(jq -r '[.scenario.auth.applications[].signing_alg] | join(" ")' "$T_TMP/jwt/results.json")"

log "RS256 on request; a fresh assertion for each token request (no replay)"
sim_reset "$KM_HTTP"
scenario rs "    - {name: r, client_id: rsa-app, signing_key: \"$SIM_CERTS/sign-rsa.key\"}" \
    "  assertion_alg: RS256"
run rs
run_ok rs
run rs
run_ok rs
assert_eq "rs: assertions verified" 2 "$(assertions verified)"
assert_eq "rs: none replayed" 0 "$(assertions replayed)"

log "the wrong key: refused, exit 3 before any load, naming the application"
sim_reset "$KM_HTTP"
sim_reset "$GW_URL"
scenario wrongkey "    - {name: mallory, client_id: rsa-app, signing_key: \"$SIM_CERTS/client.key\"}"
run wrongkey
assert_eq "wrongkey: exit code" 3 "$RC"
assert_contains "wrongkey: names the application" "no token for application mallory" \
    "$(cat "$T_TMP/wrongkey.log")"
assert_contains "wrongkey: the answer" "invalid_client" "$(cat "$T_TMP/wrongkey.log")"
assert_eq "wrongkey: bad signature counted" 1 "$(assertions bad_signature)"
assert_eq "wrongkey: nothing sent to the gateway" 0 "$(sim_stats "$GW_URL" | jq .requests.total)"

log "the wrong audience: refused"
sim_config "$KM_HTTP" token_audience="$KM_URL"
scenario aud "    - {name: e, client_id: ec-app, signing_key: \"$SIM_CERTS/sign-ec.key\"}" \
    "  assertion_audience: https://elsewhere.example/oauth2/token"
run aud
assert_eq "aud: exit code" 3 "$RC"
assert_eq "aud: wrong audience counted" 1 "$(assertions wrong_aud)"
# the simulator's own URL as audience passes
scenario aud2 "    - {name: e, client_id: ec-app, signing_key: \"$SIM_CERTS/sign-ec.key\"}" \
    "  assertion_audience: \"$KM_URL\""
run aud2
run_ok aud2
sim_config "$KM_HTTP" token_audience=

log "a signing key from PKCS#12, its password from a file"
sim_reset "$KM_HTTP"
scenario p12 "    - {name: r, client_id: rsa-app, signing_key: \"$SIM_CERTS/sign-rsa.p12\", key_password_file: \"$SIM_CERTS/client.p12.pass\"}"
run p12
run_ok p12
assert_eq "p12: assertion verified" 1 "$(assertions verified)"
echo wrong-password > "$T_TMP/wrong.pass"
scenario p12bad "    - {name: r, client_id: rsa-app, signing_key: \"$SIM_CERTS/sign-rsa.p12\", key_password_file: \"$T_TMP/wrong.pass\"}"
run p12bad
assert_eq "p12bad: exit code" 2 "$RC"
assert_contains "p12bad: names the field" "auth.applications.0.signing_key" "$(cat "$T_TMP/p12bad.log")"
assert_contains "p12bad: says why" "does not open with the password" "$(cat "$T_TMP/p12bad.log")"
grep -Eq 'p12bad.yaml:[0-9]+:[0-9]+' "$T_TMP/p12bad.log" || fail "p12bad: no file:line:col: $(cat "$T_TMP/p12bad.log")"

log "a client certificate from PKCS#12 (tls.cert) reaches nginx"
nginx_nodes "$T_TMP" 127.0.2.18
export GC_P12_PASS=$P12_PASS
for t in native curl; do
    cat > "$T_TMP/mtls-$t.yaml" << YAML
name: mtls-$t
$(it_http)
generator: {transport: $t}
targets: ["https://127.0.2.18:8244"]
tls: {ca: "$SIM_CERTS/ca.pem", cert: "$SIM_CERTS/client.p12", key_password: "\${GC_P12_PASS}"}
requests: [{name: accounts, path: /accounts-$t}]
load:
  workers: 1
  phases: [{name: steady, duration: 1s, rate: 50/s}]
YAML
    run mtls-$t
    run_ok mtls-$t
    count=$(jr mtls-$t .totals.all.count)
    assert_ge "mtls-$t: requests sent" 20 "$count"
    assert_eq "mtls-$t: every request 2xx" "$count" "$(jr mtls-$t '.totals.all.outcomes["2xx"]')"
    n=$(grep -c "/accounts-$t .*dn=.*CN=gatecap-client" "$T_TMP/access-gw1.log" || true)
    assert_ge "mtls-$t: nginx saw the certificate" "$count" "$n"
done

log "refresh_token grant with private_key_jwt; a refused refresh token falls back"
sim_reset "$KM_HTTP"
sim_config "$KM_HTTP" refresh_tokens=on token_ttl=2
scenario refresh "    - {name: e, client_id: ec-app, signing_key: \"$SIM_CERTS/sign-ec.key\"}" \
    "  refresh_before: 50%"
sed -i 's/duration: 2s/duration: 6s/' "$T_TMP/refresh.yaml"
# the key manager revokes every token (refresh tokens too) 3 s into the run
(sleep 3.5 && curl -s -X POST "$KM_HTTP/_sim/config?expire_tokens=1" > /dev/null) &
on_exit "kill $! 2>/dev/null"
run refresh
run_ok refresh
st=$(sim_stats "$KM_HTTP")
acc=$(echo "$st" | jq .refresh_tokens.accepted)
ref=$(echo "$st" | jq .refresh_tokens.refused)
assert_ge "refresh: refresh tokens accepted" 2 "$acc"
assert_eq "refresh: refresh_token grants as the key manager counted" "$((acc + ref))" \
    "$(jr refresh .auth.token_endpoint.by_grant.refresh_token)"
assert_ge "refresh: a revoked refresh token refused" 1 "$ref"
assert_eq "refresh: refusals as counted" "$ref" "$(jr refresh .auth.token_endpoint.by_grant.refresh_refused)"
# every token request carried a verified assertion, the refresh grants too
assert_eq "refresh: assertions verified" "$(jr refresh .auth.token_endpoint.requests)" \
    "$(echo "$st" | jq .client_assertions.verified)"
# after a refusal the primary grant again: the initial one and the fallbacks
assert_eq "refresh: primary grants" "$((1 + ref))" "$(jr refresh .auth.token_endpoint.by_grant.primary)"
count=$(jr refresh .totals.all.count)
assert_eq "refresh: every request 2xx" "$count" "$(jr refresh '.totals.all.outcomes["2xx"]')"
sim_config "$KM_HTTP" refresh_tokens=off token_ttl=3600

log "JWS request signatures (x-jws-signature), verified by the simulator, both transports"
GWJ=127.0.2.19
sim_start "$GWJ" --auth on --verify-jws x-jws-signature \
    --client-key "rsa-app=$SIM_CERTS/sign-rsa.pub.pem" --client-key "ec-app=$SIM_CERTS/sign-ec.pub.pem"
GWJ_URL=$SIM_HTTP
# (over HTTP/2 a plain URL is h2c, which Debian 12's libcurl cannot carry)
jws_transports="native curl"
[ "$IT_HTTP" = 2 ] && jws_transports=native
for t in $jws_transports; do
    cat > "$T_TMP/jws-$t.yaml" << YAML
name: jws-$t
$(it_http)
generator: {transport: $t}
targets: ["$GWJ_URL"]
tls: {ca: "$SIM_CERTS/ca.pem"}
requests:
  - name: pay
    method: POST
    path: /echo/1.0.0/payments
    headers: {Content-Type: application/json}
    body: '{"Data":{"Amount":"\${seq}.00"}}'
    sign: {header: x-jws-signature, tan: openbanking.org.uk}
auth:
  token_url: "$KM_URL"
  client_auth: private_key_jwt
  applications:
    - {name: r, client_id: rsa-app, signing_key: "$SIM_CERTS/sign-rsa.key", kid: rsa-1}
    - {name: e, client_id: ec-app, signing_key: "$SIM_CERTS/sign-ec.key"}
load:
  workers: 1
  phases: [{name: steady, duration: 1s, rate: 50/s}]
YAML
    sim_reset "$GWJ_URL"
    run jws-$t
    run_ok jws-$t
    count=$(jr jws-$t .totals.all.count)
    assert_ge "jws-$t: requests sent" 20 "$count"
    assert_eq "jws-$t: every request 2xx" "$count" "$(jr jws-$t '.totals.all.outcomes["2xx"]')"
    st=$(sim_stats "$GWJ_URL")
    # the node check sends one signed request more than the run counts
    assert_eq "jws-$t: signatures verified" "$((count + 1))" "$(echo "$st" | jq .jws_signatures.verified)"
    assert_eq "jws-$t: none invalid" 0 "$(echo "$st" | jq .jws_signatures.invalid)"
    assert_eq "jws-$t: none missing" 0 "$(echo "$st" | jq .jws_signatures.missing)"
done
log "a request signed with a key the gateway does not know: refused and counted"
sed -e 's/^name: jws-native/name: jwsbad/' -e "s|signing_key: \"$SIM_CERTS/sign-ec.key\"|signing_key: \"$SIM_CERTS/client.key\"|" \
    -e 's/client_auth: private_key_jwt/client_auth: body/' \
    -e 's/client_id: rsa-app, /client_id: rsa-app, client_secret: s1, /' \
    -e 's/client_id: ec-app, /client_id: ec-app, client_secret: s2, /' "$T_TMP/jws-native.yaml" > "$T_TMP/jwsbad.yaml"
sim_reset "$GWJ_URL"
run jwsbad
st=$(sim_stats "$GWJ_URL")
bad=$(echo "$st" | jq .jws_signatures.invalid)
assert_ge "jwsbad: invalid signatures refused" 10 "$bad"
assert_eq "jwsbad: the gateway's 400s" "$bad" "$(echo "$st" | jq '.by_status["400"]')"
assert_ge "jwsbad: the RSA application's still verified" 10 "$(echo "$st" | jq .jws_signatures.verified)"

log "no key, password or assertion in any output"
keys=()
for k in sign-rsa.key sign-ec.key client.key; do
    # a line from the middle of each PEM key
    keys+=("$(sed -n 3p "$SIM_CERTS/$k")")
done
for f in "$T_TMP"/jwt/* "$T_TMP"/refresh/* "$T_TMP"/jws-native/* "$T_TMP"/rs/* "$T_TMP"/p12/* "$T_TMP"/mtls-native/* "$T_TMP"/*.log; do
    [ -f "$f" ] || continue
    ! grep -qF -- "$P12_PASS" "$f" || fail "the PKCS#12 password in $f"
    for s in "${keys[@]}"; do
        ! grep -qF -- "$s" "$f" || fail "private key bytes in $f"
    done
    # a signed JWT: three base64url parts, the first one '{"alg"...' encoded
    ! grep -Eq 'eyJhbGci[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.' "$f" || fail "an assertion in $f"
done
log "ok"
