# gatewaysim with OAuth applications: tokens name the client they were
# issued to (valid, and attributed, on every node), per-application quotas
# (429 with WSO2 code 900803 for exactly the application over its quota,
# checked after the node limit and before the per-token limit), Retry-After
# only when asked for, the password grant, client authentication by mutual
# TLS (tls_client_auth), --token-delay (answered later, no worker held),
# --token-error-rate (exact with --fault-spacing even), a hostile key
# manager (--token-expires-in, --token-echo, --token-pad), and the
# per-client and per-code counters of /_sim/stats, zeroed by /_sim/reset.
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"
# HTTPS would now choose HTTP/2 by ALPN; this test is about HTTP/1.1 over
# TLS (tests/it/gatewaysim/http2.sh covers HTTP/2)
curl() { command curl --http1.1 "$@"; }

ADDR=127.0.1.17
ADDR2=127.0.1.18
sim_certs
C=$SIM_CERTS
MTLS=(--cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key")

# node 1: three clients (appA with a quota of 5 in its client line, appB
# and appM from a file), one user, HTTPS requiring client certificates
printf '# clients of node 1\nappB:sb\nappM:sm\n' > "$T_TMP/clients"
sim_start "$ADDR" --name apps-1 --auth on --client appA:sa:5 --clients-file "$T_TMP/clients" \
    --user alice:wonder --cert "$C/server.pem" --key "$C/server.key" --client-ca "$C/ca.pem"
U=$SIM_HTTP
S=$SIM_HTTPS
# node 2: any client accepted, no users, only appA's quota known
sim_start "$ADDR2" --name apps-2 --auth on --app-quota appA:5
U2=$SIM_HTTP

# burst BASE TOKEN NAME [N]: N (default 20) GETs on one connection, in
# order; "CODE RETRY-AFTER" lines in $T_TMP/NAME.codes and bodies
# in $T_TMP/NAME.bI
burst() {
    local base=$1 tok=$2 name=$3 n=${4:-20} i
    for i in $(seq 1 "$n"); do
        echo "url = \"$base/echo/1.0.0\""
        echo "output = \"$T_TMP/$name.b$i\""
    done > "$T_TMP/$name.cfg"
    curl -s -K "$T_TMP/$name.cfg" -H "Authorization: Bearer $tok" \
        -w '%{http_code} %header{retry-after}\n' > "$T_TMP/$name.codes"
}
count() { grep -c "^$1" "$T_TMP/$2.codes" || true; }

# ---- tokens carry their client ------------------------------------------------
TA=$(sim_token "$U" appA:sa)
TB=$(sim_token "$U" appB:sb)
[[ $TA =~ ^[0-9a-f]{80}$ ]] || fail "token is not 80 hex digits: $TA"
# a token of node 1 is valid on node 2, and node 2 knows whose it is:
# appA by name (node 2 has its quota), appB by its hash until node 2 learns
# the name
assert_eq "appA's token on node 2" 200 "$(http_code "$U2/echo/1.0.0" -H "Authorization: Bearer $TA")"
assert_eq "appB's token on node 2" 200 "$(http_code "$U2/echo/1.0.0" -H "Authorization: Bearer $TB")"
assert_eq "appB's token on node 2, again" 200 "$(http_code "$U2/echo/1.0.0" -H "Authorization: Bearer $TB")"
st=$(sim_stats "$U2")
assert_eq "node 2: appA's requests" 1 "$(jq '.clients.appA.requests' <<< "$st")"
assert_eq "node 2: appB's requests under its hash" 2 \
    "$(jq '[.clients | to_entries[] | select(.key | test("^#[0-9a-f]{8}$")) | .value.requests] | add' <<< "$st")"
# node 2 accepts any client, and its token names the client asked for
TB2=$(sim_token "$U2" appB:anything)
st=$(sim_stats "$U2")
assert_eq "node 2: appB named once it issued a token" 2 "$(jq '.clients.appB.requests' <<< "$st")"
assert_eq "node 2: appB's tokens" 1 "$(jq '.clients.appB.tokens' <<< "$st")"
TA2=$(sim_token "$U2" appA:whatever)
assert_eq "node 2's appA token on node 1" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TA2")"
assert_eq "node 2's appB token on node 1" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TB2")"
st=$(sim_stats "$U")
assert_eq "node 1: appA's request from node 2's token" 1 "$(jq '.clients.appA["2xx"]' <<< "$st")"
assert_eq "node 1: tokens issued to appA" 1 "$(jq '.clients.appA.tokens' <<< "$st")"
# requests without a (genuine) token count under "(none)"
assert_eq "no token" 401 "$(http_code "$U/echo/1.0.0")"
assert_eq "forged token" 401 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer ${TA:0:60}$(printf '%s' "${TA:60}" | tr '0-9a-f' '1-9a-f0')")"
assert_eq "requests without a genuine token" 2 "$(sim_stats "$U" | jq '.clients["(none)"]["401"]')"

# ---- per-application quota ------------------------------------------------------
# Throttle windows of 60 s, opened by the reset just before each burst: every
# burst falls in one window however slow the machine, so counts are exact.
# appA: 5 a unit. Of 20 requests the first 5 pass and the other 15 get
# 900803; appB, without a quota, gets no 429 at all.
sim_config "$U" throttle_unit=60s
sim_config "$U2" throttle_unit=60s
sim_reset "$U"
burst "$U" "$TA" a
burst "$U" "$TB" b
assert_eq "appA: the quota's 5 admitted, first ($(tr '\n' ' ' < "$T_TMP/a.codes"))" \
    "200 200 200 200 200 429" "$(head -n 6 "$T_TMP/a.codes" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
assert_eq "appA: 5 admitted" 5 "$(count 200 a)"
assert_eq "appA: 15 throttled" 15 "$(count 429 a)"
assert_eq "appB: all 200" 20 "$(count 200 b)"
for i in $(seq 6 20); do
    jq -e '.fault.code == 900803 and .fault.message == "Application level throttle out" and
           (.fault.description | startswith("You have exceeded your quota")) and
           (.fault.nextAccessTime | length) > 10' "$T_TMP/a.b$i" > /dev/null ||
        fail "appA's 429 is not WSO2's application-level body: $(cat "$T_TMP/a.b$i")"
done
grep -q '^429 [0-9]' "$T_TMP/a.codes" && fail "Retry-After sent while --retry-after is off"
st=$(sim_stats "$U")
assert_eq "stats: appA's 429s" 15 "$(jq '.clients.appA["429"]' <<< "$st")"
assert_eq "stats: appA's 2xx" 5 "$(jq '.clients.appA["2xx"]' <<< "$st")"
assert_eq "stats: appB's requests" 20 "$(jq '.clients.appB.requests' <<< "$st")"
assert_eq "stats: appB's 429s" 0 "$(jq '.clients.appB["429"]' <<< "$st")"
assert_eq "stats: 900803 count" 15 "$(jq '.throttled_by_code["900803"]' <<< "$st")"
assert_eq "stats: no 900800" 0 "$(jq '.throttled_by_code["900800"]' <<< "$st")"
# quotas are per node: node 2 limits appA on its own
sim_reset "$U2"
burst "$U2" "$TA" a2
assert_eq "node 2 limits appA too" 15 "$(count 429 a2)"
assert_eq "node 2: 900803 count" 15 "$(sim_stats "$U2" | jq '.throttled_by_code["900803"]')"

# ---- Retry-After, runtime quotas, order of the checks ----------------------------
sim_config "$U" retry_after=on app_quota=appB:3
jq -e '.retry_after == true and .app_quotas == {"appA":5,"appB":3}' <<< "$(curl -s "$U/_sim/config")" > /dev/null ||
    fail "config does not show retry_after and the quotas: $(curl -s "$U/_sim/config")"
sim_reset "$U"
burst "$U" "$TB" rb
assert_eq "appB throttled after app_quota=appB:3" 17 "$(count 429 rb)"
# fixed windows: Retry-After is the rest of the window in whole seconds,
# rounded up. Every request was sent between the reset and now (T seconds
# later), so each wait lies in [60 - T, 60].
T=$(sim_stats "$U" | jq .since_reset_s)
lo=$(awk -v t="$T" 'BEGIN { w = 60 - t; n = int(w); if (n < w) n++; if (n < 1) n = 1; print n }')
assert_eq "every 429 carries Retry-After" 17 "$(grep -c '^429 [0-9]' "$T_TMP/rb.codes" || true)"
while read -r code ra; do
    [ "$code" = 429 ] || continue
    assert_ge "Retry-After: the rest of the 60 s window (reset ${T}s ago)" "$lo" "$ra"
    assert_le "Retry-After: the rest of the 60 s window" 60 "$ra"
done < "$T_TMP/rb.codes"
assert_eq "no 200 carries Retry-After" 3 "$(grep -c '^200 $' "$T_TMP/rb.codes" || true)"
# with 1 s windows the rest of a window is under a second: always 1
sim_config "$U" throttle_unit=1s
burst "$U" "$TB" rb1 10
assert_ge "1 s windows: some 429" 1 "$(count 429 rb1)"
assert_eq "1 s windows: every 429 carries Retry-After: 1" "$(count 429 rb1)" "$(grep -c '^429 1$' "$T_TMP/rb1.codes" || true)"
sim_config "$U" throttle_unit=60s
# the node limit (900800) is checked first: with 2 a unit per node, appA's
# quota of 5 is never reached
sim_config "$U" throttle_rate=2
sim_reset "$U"
burst "$U" "$TA" n
assert_eq "node limit throttles" 18 "$(count 429 n)"
st=$(sim_stats "$U")
assert_eq "node limit first: all 429s are 900800" 18 "$(jq '.throttled_by_code["900800"]' <<< "$st")"
assert_eq "node limit first: no 900803" 0 "$(jq '.throttled_by_code["900803"]' <<< "$st")"
grep -q '^429 [0-9]' "$T_TMP/n.codes" || fail "the node limit's 429 lacks Retry-After"
# the application quota before the per-token limit (900804)
sim_config "$U" throttle_rate=0 app_quota=appB:2 throttle_per_token=4
sim_reset "$U"
burst "$U" "$TB" t
st=$(sim_stats "$U")
assert_eq "quota before per-token limit: 2 admitted" 2 "$(count 200 t)"
assert_eq "quota before per-token limit: all 429s are 900803" 18 "$(jq '.throttled_by_code["900803"]' <<< "$st")"
assert_eq "quota before per-token limit: no 900804" 0 "$(jq '.throttled_by_code["900804"]' <<< "$st")"
sim_config "$U" app_quota=appB:0 throttle_per_token=0 retry_after=off
assert_eq "app_quota=appB:0 lifts the quota" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TB")"

# ---- password grant -------------------------------------------------------------
pw() { curl -s -o "$T_TMP/pw" -w '%{http_code}' -d grant_type=password "$@"; }
assert_eq "password grant" 200 "$(pw -u appB:sb -d username=alice -d password=wonder "$U/oauth2/token")"
TP=$(jq -r .access_token "$T_TMP/pw")
[[ $TP =~ ^[0-9a-f]{80}$ ]] || fail "password grant: no token: $(cat "$T_TMP/pw")"
assert_eq "password grant token" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TP")"
assert_eq "wrong password" 400 "$(pw -u appB:sb -d username=alice -d password=rabbit "$U/oauth2/token")"
assert_eq "wrong password: error" invalid_grant "$(jq -r .error "$T_TMP/pw")"
assert_eq "unknown user" 400 "$(pw -u appB:sb -d username=bob -d password=wonder "$U/oauth2/token")"
assert_eq "unknown user: error" invalid_grant "$(jq -r .error "$T_TMP/pw")"
assert_eq "no username" 400 "$(pw -u appB:sb -d password=wonder "$U/oauth2/token")"
assert_eq "no username: error" invalid_request "$(jq -r .error "$T_TMP/pw")"
assert_eq "password grant, wrong client secret" 401 "$(pw -u appB:bad -d username=alice -d password=wonder "$U/oauth2/token")"
assert_eq "password grant, no users configured: anyone" 200 \
    "$(pw -u appC:x -d username=carol -d password=anything "$U2/oauth2/token")"

# ---- client authentication by mutual TLS (tls_client_auth) -----------------------
tls_tok() { curl -s -o "$T_TMP/tt" -w '%{http_code}' -d grant_type=client_credentials "$@"; }
assert_eq "mTLS: client_id and a certificate" 200 "$(tls_tok "${MTLS[@]}" -d client_id=appM "$S/oauth2/token")"
TM=$(jq -r .access_token "$T_TMP/tt")
assert_eq "mTLS token" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TM")"
assert_eq "mTLS: unknown client_id" 401 "$(tls_tok "${MTLS[@]}" -d client_id=nobody "$S/oauth2/token")"
assert_eq "mTLS: unknown client_id error" invalid_client "$(jq -r .error "$T_TMP/tt")"
assert_eq "mTLS: a wrong secret still counts" 401 \
    "$(tls_tok "${MTLS[@]}" -d client_id=appM -d client_secret=wrong "$S/oauth2/token")"
assert_eq "no certificate (plain HTTP): client_id alone" 401 "$(tls_tok -d client_id=appM "$U/oauth2/token")"
st=$(sim_stats "$U")
assert_eq "stats: appM's token and request" "1 1" "$(jq -r '"\(.clients.appM.tokens) \(.clients.appM["2xx"])"' <<< "$st")"

# ---- token delay: answered later, without a worker -------------------------------
# (8 s: far longer than the two requests made while it waits, so the API
# request is answered while the token request is still delayed, as the
# stats read afterwards confirm)
sim_config "$U" token_delay=8s workers=1
curl -s -o "$T_TMP/slow_tok" -w '%{http_code} %{time_total}\n' -u appA:sa -d grant_type=client_credentials \
    "$U/oauth2/token" > "$T_TMP/slow_tok.out" &
slow_pid=$!
for i in $(seq 1 200); do
    [ "$(sim_stats "$U" | jq .queue.delayed)" = 1 ] && break
    sleep 0.05
done
assert_eq "token request waits in its delay" 1 "$(sim_stats "$U" | jq .queue.delayed)"
assert_eq "an API request meanwhile" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TB")"
st=$(sim_stats "$U")
assert_eq "the delayed token request holds no worker" 0 "$(jq .queue.in_service <<< "$st")"
assert_eq "still delayed after the API request" 1 "$(jq .queue.delayed <<< "$st")"
wait "$slow_pid" || fail "delayed token request failed"
read -r code secs < "$T_TMP/slow_tok.out"
assert_eq "delayed token request" 200 "$code"
assert_ge "token delay of 8s seen (ms)" 8000 "$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')"

# ---- token error rate: exact with even spacing -----------------------------------
# (curl -K with "next": each request is its own group with its own options)
sim_config "$U" token_delay=0 workers=0 token_error_rate=0.25 fault_spacing=even
sim_reset "$U"
for i in $(seq 1 20); do
    echo "url = \"$U/oauth2/token\""
    echo "data = \"grant_type=client_credentials\""
    echo "user = \"appA:sa\""
    echo "output = \"$T_TMP/te.b$i\""
    echo 'write-out = "%{http_code}\\n"'
    [ "$i" -lt 20 ] && echo "next"
done > "$T_TMP/te.cfg"
curl -s -K "$T_TMP/te.cfg" > "$T_TMP/te.codes"
assert_eq "token errors: 5 of 20 answered 503" 5 "$(grep -c '^503$' "$T_TMP/te.codes" || true)"
assert_eq "token errors: the rest issued" 15 "$(grep -c '^200$' "$T_TMP/te.codes" || true)"
grep -l . "$T_TMP"/te.b* | while read -r f; do jq -r 'select(.error) | .error' "$f"; done | sort -u > "$T_TMP/te.errs"
assert_eq "token error body" temporarily_unavailable "$(cat "$T_TMP/te.errs")"
st=$(sim_stats "$U")
assert_eq "stats: token errors" 5 "$(jq .tokens.errors <<< "$st")"
assert_eq "stats: appA's tokens" 15 "$(jq .clients.appA.tokens <<< "$st")"
sim_config "$U" token_error_rate=0 fault_spacing=random

# ---- a hostile key manager: odd expires_in, echoed requests, huge answers --------
sim_config "$U" token_expires_in=9223372036854775 token_echo=on
b=$(curl -s -u appA:sa -d grant_type=client_credentials -d password=p%40ss "$U/oauth2/token")
assert_contains "expires_in written as given" '"expires_in":9223372036854775,' "$b"
req=$(jq -r .request <<< "$b")
assert_contains "echo: the Authorization header" "Authorization: Basic $(printf appA:sa | base64)" "$req"
assert_contains "echo: the form body" "grant_type=client_credentials&password=p%40ss" "$req"
b=$(curl -s -u appA:wrong -d grant_type=client_credentials "$U/oauth2/token")
assert_eq "echo: the error stays WSO2's" invalid_client "$(jq -r .error <<< "$b")"
assert_contains "echo: in the error description" \
    "Authorization: Basic $(printf appA:wrong | base64)" "$(jq -r .error_description <<< "$b")"
sim_config "$U" token_expires_in=%22soon%22 token_echo=off token_pad=4MiB
curl -s -u appA:sa -d grant_type=client_credentials -o "$T_TMP/pad.b" "$U/oauth2/token"
assert_ge "pad: a 4 MiB answer" 4194304 "$(stat -c %s "$T_TMP/pad.b")"
assert_eq "pad: still JSON, expires_in as given, no echo" '"soon" null' \
    "$(jq -r '"\(.expires_in | tojson) \(.request | tojson)"' "$T_TMP/pad.b")"
assert_eq "a backslash in expires_in refused" 400 \
    "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U/_sim/config?token_expires_in=a%5Cb")"
sim_config "$U" token_expires_in= token_pad=0
assert_eq "expires_in back to the lifetime" number \
    "$(curl -s -u appA:sa -d grant_type=client_credentials "$U/oauth2/token" | jq -r '.expires_in | type')"

# ---- revoked tokens count as their client's 401s; reset zeroes the counters ------
sim_config "$U" expire_tokens=1
assert_eq "revoked token" 401 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TB")"
assert_eq "stats: a revoked token's 401 under its client" 1 "$(sim_stats "$U" | jq '.clients.appB["401"]')"
sim_reset "$U"
st=$(sim_stats "$U")
assert_eq "reset: no client counters" "{}" "$(jq -c .clients <<< "$st")"
assert_eq "reset: no throttled counters" 0 "$(jq '[.throttled_by_code[]] | add' <<< "$st")"

# ---- more than 256 clients: the rest under "(other)" ------------------------------
sim_reset "$U2"
for i in $(seq 1 300); do
    echo "url = \"$U2/oauth2/token\""
    echo "data = \"grant_type=client_credentials&client_id=many$i\""
    echo "output = /dev/null"
    echo 'write-out = "%{http_code}\\n"'
    [ "$i" -lt 300 ] && echo "next"
done > "$T_TMP/many.cfg"
curl -s -K "$T_TMP/many.cfg" > "$T_TMP/many.codes"
assert_eq "300 tokens for 300 clients" 300 "$(grep -c '^200$' "$T_TMP/many.codes" || true)"
st=$(sim_stats "$U2")
assert_eq "tokens per client add up" 300 "$(jq '[.clients[].tokens] | add' <<< "$st")"
# the table keeps entries seen before the reset (zero counts are not shown),
# so the first up to 256 distinct clients have their own entry
named=$(jq '[.clients | keys[] | select(startswith("(") | not)] | length' <<< "$st")
other=$(jq '.clients["(other)"].tokens' <<< "$st")
assert_le "at most 256 clients by name" 256 "$named"
assert_ge "the rest under (other)" 44 "$other"
assert_eq "one token each, named or (other)" 300 "$((named + other))"
log "ok"
