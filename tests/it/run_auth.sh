#!/bin/bash
# OAuth2 token pools against the gateway simulator: one simulator as the
# key manager (its token endpoint over verified HTTPS), others as gateway
# nodes with --auth on (tokens are signed, so every node accepts what the
# key manager issued). Checks that
#  - tokens are fetched before the run and refreshed ahead of expiry during
#    a run three times longer than their lifetime, with no 401 and no gap
#    in the achieved rate, and the token endpoint is its own series;
#  - a revoked token costs each application one 401 and one refresh;
#  - bad client credentials stop the run before any load (exit 3) with a
#    message naming the application and the key manager's answer;
#  - an application whose keys the gateway refuses is reported as an auth
#    failure, while the others run normally;
#  - per-application quotas give 429s (WSO2 code 900803) to exactly the
#    application over its quota, counted as the simulator counted them,
#    with Retry-After reported; closed-model back-off waits it out;
#  - each application's own client certificate is used for mutual TLS to
#    the token endpoint and to the gateway (nginx logs the certificate), on
#    both transports;
#  - client secrets and tokens appear nowhere in what gatecap writes.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
. "$GATECAP_TOP/tests/lib/nginx.sh"

KM=127.0.2.11
GW1=127.0.2.12
GW2=127.0.2.13
sim_certs
SEC1=sec-one-$RANDOM$RANDOM
SEC2=sec-two-$RANDOM$RANDOM
export GC_APP1_SECRET=$SEC1 GC_APP2_SECRET=$SEC2

sim_start "$KM" --cert "$SIM_CERTS/server.pem" --key "$SIM_CERTS/server.key" \
    --client "app1:$SEC1" --client "app2:$SEC2" --token-ttl 3
KM_HTTP=$SIM_HTTP
KM_URL=$SIM_HTTPS/oauth2/token
sim_start "$GW1" --auth on
GW1_URL=$SIM_HTTP
sim_start "$GW2" --auth on
GW2_URL=$SIM_HTTP

scenario() { # NAME TARGETS DURATION [EXTRA-AUTH-YAML]
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
$(it_http)
targets: [$2]
tls: {ca: "$SIM_CERTS/ca.pem"}
requests: [{name: echo, path: /echo/1.0.0}]
auth:
  token_url: "$KM_URL"
  applications:
    - {name: a1, client_id: app1, client_secret: "\${GC_APP1_SECRET}"}
    - {name: a2, client_id: app2, client_secret: "\${GC_APP2_SECRET}"}
${4:-}
load:
  workers: 1
  phases: [{name: steady, duration: $3, rate: 100/s}]
YAML
}

log "tokens refreshed ahead of expiry: no 401, no gap"
sim_reset "$KM_HTTP"
# (refreshed at half the 3 s lifetime: a 1.5 s margin, which no busy
# machine's scheduling delays of a refresh come near)
scenario life "$GW1_URL, $GW2_URL" 9s
sed -i 's|^  token_url: .*|&\n  refresh_before: 50%|' "$T_TMP/life.yaml"
run life
run_ok life
count=$(jr life .totals.all.count)
assert_eq "life: every request 2xx" "$count" "$(jr life '.totals.all.outcomes["2xx"]')"
assert_eq "life: no 401" 0 "$(jr life '.totals.all.outcomes.unauthorized')"
assert_eq "life: initial tokens" 2 "$(jr life .auth.token_endpoint.by_reason.initial)"
# Lifetime 3 s, refreshed at 50 % (less a little jitter): about 5 times per
# application in 9 s; at least twice each is certain.
assert_ge "life: refreshes ahead of expiry" 4 "$(jr life .auth.token_endpoint.by_reason.ahead)"
assert_eq "life: no refresh after a 401" 0 "$(jr life .auth.token_endpoint.by_reason.after_401)"
assert_eq "life: token endpoint failures" 0 "$(jr life .auth.token_endpoint.failed)"
# The key manager issued exactly what gatecap counted.
issued=$(sim_stats "$KM_HTTP" | jq .tokens.issued)
assert_eq "life: tokens issued = token requests" "$issued" "$(jr life .auth.token_endpoint.requests)"
assert_eq "life: token latency recorded" "$issued" "$(jr life .auth.token_endpoint.latency_ms.count)"
for a in a1 a2; do
    n=$(jr life ".auth.applications[] | select(.name == \"$a\") | .count")
    assert_ge "life: $a requests" 400 "$n"
    assert_ge "life: $a tokens" 3 "$(jr life ".auth.applications[] | select(.name == \"$a\") | .tokens_fetched")"
done
# No gap: every whole interval delivered its offered rate.
gaps=$(jr life '[.intervals[] | select(.length_s > 0.9 and .phase == "steady" and .start_s < 8
                 and .scheduled > 0 and (.all.completed < 0.9 * .scheduled))] | length')
assert_eq "life: intervals short of their arrivals" 0 "$gaps"
grep -q "token endpoint $KM_URL: .* requests (2 before the run" "$T_TMP/life.log" ||
    fail "life: the summary lacks the token endpoint line: $(grep -i token "$T_TMP/life.log")"

log "a revoked token costs one 401 and one refresh per application"
scenario revoke "$GW1_URL" 5s
# Tokens live an hour here; the gateway revokes every token issued so far
# two seconds into the run.
sim_config "$KM_HTTP" token_ttl=3600
(sleep 2.5 && curl -s -X POST "$GW1_URL/_sim/config?expire_tokens=1" > /dev/null) &
on_exit "kill $! 2>/dev/null"
run revoke
run_ok revoke
assert_eq "revoke: refreshes after a 401" 2 "$(jr revoke .auth.token_endpoint.by_reason.after_401)"
for a in a1 a2; do
    u=$(jr revoke ".auth.applications[] | select(.name == \"$a\") | .unauthorized")
    assert_ge "revoke: $a got a 401" 1 "$u"
    # requests sent before the new token arrived: a few ms at 50/s each on
    # loopback; never more than the application's second of requests
    assert_le "revoke: $a 401s" 50 "$u"
    assert_eq "revoke: $a refreshed once" 1 \
        "$(jr revoke ".auth.applications[] | select(.name == \"$a\") | .refreshed_after_401")"
done
assert_eq "revoke: no application rejected" 0 "$(jr revoke '.auth.rejected_applications | length')"
last=$(jr revoke '[.intervals[] | select(.start_s >= 4)] | map(.all.outcomes.unauthorized) | add')
assert_eq "revoke: no 401 once refreshed" 0 "$last"

log "bad client credentials: exit 3 before any load, naming the application"
sim_reset "$GW1_URL"
scenario badcred "$GW1_URL" 2s
sed -i 's/client_id: app2, client_secret: "${GC_APP2_SECRET}"/client_id: app2, client_secret: wrong/' \
    "$T_TMP/badcred.yaml"
run badcred
assert_eq "badcred: exit code" 3 "$RC"
assert_contains "badcred: message" "no token for application a2" "$(cat "$T_TMP/badcred.log")"
assert_contains "badcred: key manager's answer" "invalid_client" "$(cat "$T_TMP/badcred.log")"
assert_eq "badcred: nothing sent to the gateway" 0 "$(sim_stats "$GW1_URL" | jq .requests.total)"

log "an application the gateway refuses: AUTH FAILURE for it alone"
sim_reset "$GW1_URL"
sim_config "$GW1_URL" deny_client=app2
scenario denied "$GW1_URL" 3s
run denied
run_ok denied
app() { jr "$1" ".auth.applications[] | select(.name == \"$2\") | $3"; }
assert_eq "denied: a1 unharmed" "$(app denied a1 .count)" "$(app denied a1 '.outcomes["2xx"]')"
assert_eq "denied: a2 all 401" "$(app denied a2 .count)" "$(app denied a2 .unauthorized)"
assert_ge "denied: a2 rejected after a refresh" 1 "$(app denied a2 .rejected_after_refresh)"
assert_eq "denied: rejected applications" '["a2"]' "$(jq -c .auth.rejected_applications "$T_TMP/denied/results.json")"
# one refresh after the first 401; the next waits 5 s, beyond this run
assert_eq "denied: refreshes after a 401" 1 "$(jr denied .auth.token_endpoint.by_reason.after_401)"
grep -q "AUTH FAILURE: application a2" "$T_TMP/denied.log" ||
    fail "denied: no AUTH FAILURE line: $(tail -5 "$T_TMP/denied.log")"
! grep -q "AUTH FAILURE: application a1" "$T_TMP/denied.log" || fail "denied: a1 reported"
sim_config "$GW1_URL" deny_client=app2:off

log "per-application quota: 429 (application) for exactly that application"
sim_reset "$GW1_URL"
sim_config "$GW1_URL" app_quota=app1:20 retry_after=on
scenario quota "$GW1_URL" 3s
run quota
run_ok quota
# 50/s each: a1 is over its 20/s, a2 has no quota
assert_eq "quota: a2 not throttled" 0 "$(app quota a2 .throttled)"
t1=$(app quota a1 .throttled)
assert_ge "quota: a1 throttled" 60 "$t1"
assert_eq "quota: a1's 429s are application-level" "$t1" "$(app quota a1 .throttled_by.application)"
stats=$(sim_stats "$GW1_URL")
assert_eq "quota: a1 429s as the gateway counted" "$(echo "$stats" | jq '.clients.app1["429"]')" "$t1"
# the gateway also answered the check before the run, sent with a1's token
assert_eq "quota: a1 2xx as the gateway counted" "$(echo "$stats" | jq '.clients.app1["2xx"]')" \
    "$(( $(app quota a1 '.outcomes["2xx"]') + 1 ))"
assert_eq "quota: Retry-After on every 429" "$t1" "$(jr quota .totals.all.retry_after.count)"
assert_eq "quota: by code in the totals" "$t1" "$(jr quota .totals.all.throttled_by.application)"
grep -q "throttled:application=$t1" "$T_TMP/quota.log" || fail "quota: summary lacks the 429 kind"

log "closed model: back-off waits out Retry-After"
for b in none backoff; do
    cat > "$T_TMP/$b.yaml" << YAML
name: $b
$(it_http)
targets: ["$GW1_URL"]
tls: {ca: "$SIM_CERTS/ca.pem"}
requests: [{name: echo, path: /echo/1.0.0}]
auth: {token_url: "$KM_URL", client_id: app1, client_secret: "\${GC_APP1_SECRET}"}
load:
  model: closed
$([ $b = backoff ] && echo "  backoff: 5s")
  workers: 1
  phases: [{name: steady, duration: 2s, users: 2}]
YAML
    run $b
    run_ok $b
done
# Without back-off two users spin on 429s; with it each waits >= 1 s after one.
assert_ge "no back-off: throttled" 200 "$(jr none .totals.all.throttled)"
assert_le "back-off: throttled" 10 "$(jr backoff .totals.all.throttled)"
assert_ge "back-off: still served" 20 "$(jr backoff '.totals.all.outcomes["2xx"]')"
sim_config "$GW1_URL" app_quota=app1:0 retry_after=off

log "mutual TLS with each application's own certificate (nginx logs it)"
nginx_nodes "$T_TMP" 127.0.2.14
for a in tpp-a tpp-b; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T_TMP/$a.key" 2> /dev/null
    openssl req -new -key "$T_TMP/$a.key" -subj "/CN=$a" -out "$T_TMP/$a.csr"
    printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n' > "$T_TMP/$a.ext"
    openssl x509 -req -in "$T_TMP/$a.csr" -CA "$SIM_CERTS/ca.pem" -CAkey "$SIM_CERTS/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$T_TMP/$a.ext" \
        -out "$T_TMP/$a.pem" 2> /dev/null || fail "cannot issue a client certificate for $a"
done
KM2=127.0.2.15
sim_start "$KM2" --cert "$SIM_CERTS/server.pem" --key "$SIM_CERTS/server.key" \
    --client-ca "$SIM_CERTS/ca.pem"
KM2_HTTP=$SIM_HTTP
# C has no certificate of its own: it uses tls.cert (CN=gatecap-client).
printf 'name,client_id,cert,key\nA,tppA,tpp-a.pem,tpp-a.key\nB,tppB,tpp-b.pem,tpp-b.key\nC,tppC,,\n' \
    > "$T_TMP/apps.csv"
cat > "$T_TMP/mtls.yaml" << YAML
name: mtls
$(it_http)
targets: ["https://127.0.2.14:8244"]
tls: {ca: "$SIM_CERTS/ca.pem", cert: "$SIM_CERTS/client.pem", key: "$SIM_CERTS/client.key"}
requests: [{name: accounts, path: /accounts}]
auth:
  token_url: "$SIM_HTTPS/oauth2/token"
  client_auth: mtls
  applications: apps.csv
load:
  workers: 1
  phases: [{name: steady, duration: 2s, rate: 100/s}]
YAML
run mtls
run_ok mtls
count=$(jr mtls .totals.all.count)
assert_eq "mtls: every request 2xx" "$count" "$(jr mtls '.totals.all.outcomes["2xx"]')"
ka=$(sim_stats "$KM2_HTTP" | jq '.clients.tppA.tokens // 0')
kb=$(sim_stats "$KM2_HTTP" | jq '.clients.tppB.tokens // 0')
kc=$(sim_stats "$KM2_HTTP" | jq '.clients.tppC.tokens // 0')
assert_eq "mtls: tokens issued to A, B and C by certificate" "1 1 1" "$ka $kb $kc"
na=$(grep -c "/accounts .*CN=tpp-a" "$T_TMP/access-gw1.log" || true)
nb=$(grep -c "/accounts .*CN=tpp-b" "$T_TMP/access-gw1.log" || true)
nc=$(grep -c "/accounts .*CN=gatecap-client" "$T_TMP/access-gw1.log" || true)
assert_eq "mtls: A's requests carried A's certificate" "$(app mtls A .count)" "$((na - 1))"
assert_eq "mtls: B's requests carried B's certificate" "$(app mtls B .count)" "$nb"
assert_eq "mtls: C's requests carried tls.cert" "$(app mtls C .count)" "$nc"

log "the same through libcurl (generator.transport: curl), certificates from memory"
sed 's/^name: mtls$/name: mtlsc\ngenerator: {transport: curl}/' "$T_TMP/mtls.yaml" > "$T_TMP/mtlsc.yaml"
run mtlsc
run_ok mtlsc
count=$(jr mtlsc .totals.all.count)
assert_eq "mtlsc: every request 2xx" "$count" "$(jr mtlsc '.totals.all.outcomes["2xx"]')"
ka=$(sim_stats "$KM2_HTTP" | jq '.clients.tppA.tokens // 0')
kb=$(sim_stats "$KM2_HTTP" | jq '.clients.tppB.tokens // 0')
kc=$(sim_stats "$KM2_HTTP" | jq '.clients.tppC.tokens // 0')
assert_eq "mtlsc: tokens issued to A, B and C by certificate" "2 2 2" "$ka $kb $kc"
na2=$(grep -c "/accounts .*CN=tpp-a" "$T_TMP/access-gw1.log" || true)
nb2=$(grep -c "/accounts .*CN=tpp-b" "$T_TMP/access-gw1.log" || true)
nc2=$(grep -c "/accounts .*CN=gatecap-client" "$T_TMP/access-gw1.log" || true)
assert_eq "mtlsc: A's requests carried A's certificate" "$(app mtlsc A .count)" "$((na2 - na - 1))"
assert_eq "mtlsc: B's requests carried B's certificate" "$(app mtlsc B .count)" "$((nb2 - nb))"
assert_eq "mtlsc: C's requests carried tls.cert" "$(app mtlsc C .count)" "$((nc2 - nc))"

log "secrets and tokens appear nowhere in the outputs"
for f in "$T_TMP"/life/* "$T_TMP"/revoke/* "$T_TMP"/quota/* "$T_TMP"/denied/* "$T_TMP"/mtlsc/* "$T_TMP"/*.log; do
    [ -f "$f" ] || continue
    for s in "$SEC1" "$SEC2"; do
        ! grep -q -- "$s" "$f" || fail "secret found in $f"
    done
    # the simulator's tokens are long runs of hex digits
    ! grep -Eq '[0-9a-f]{64}' "$f" || fail "something like a token in $f: $(grep -Eo '[0-9a-f]{64}' "$f" | head -1)"
done
log "ok"
