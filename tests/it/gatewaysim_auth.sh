# gatewaysim as a WSO2 gateway with OAuth2: token endpoint
# (client_credentials, HTTP Basic client auth), 401 without / with a bad /
# with an expired token (WSO2 fault bodies), tokens valid on every node,
# 429 throttling per node (WSO2 code 900800) and per token (900804), and
# the token counters. Per-application quotas, the password grant, mutual
# TLS client authentication and token faults: gatewaysim_apps.sh.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/gatewaysim.sh"

ADDR=127.0.1.13
ADDR2=127.0.1.14
printf '# test clients\napp2:s3cret2\n\n' > "$T_TMP/clients"
sim_start "$ADDR" --name auth-node --auth on --client app1:s3cret --clients-file "$T_TMP/clients" \
    --token-ttl 1500ms
U=$SIM_HTTP

# ---- token endpoint -----------------------------------------------------------------
resp=$(curl -s -D "$T_TMP/h" -u app1:s3cret -d grant_type=client_credentials "$U/oauth2/token")
jq -e '.token_type == "Bearer" and (.access_token | length) > 20 and .expires_in == 2 and .scope == "default"' \
    <<< "$resp" > /dev/null || fail "token response not as expected: $resp"
grep -qi '^Cache-Control: no-store' "$T_TMP/h" || fail "token response lacks Cache-Control: no-store"
TOK=$(jq -r .access_token <<< "$resp")
# client from the clients file; credentials in the form body
TOK2=$(curl -s -d grant_type=client_credentials -d client_id=app2 -d client_secret=s3cret2 "$U/oauth2/token" |
    jq -r .access_token)
[ -n "$TOK2" ] && [ "$TOK2" != null ] || fail "no token for a client from --clients-file"
[ "$TOK" != "$TOK2" ] || fail "two tokens are equal"
# errors
code=$(curl -s -o "$T_TMP/b" -w '%{http_code}' -u app1:wrong -d grant_type=client_credentials "$U/oauth2/token")
assert_eq "wrong secret" 401 "$code"
assert_eq "wrong secret error" invalid_client "$(jq -r .error "$T_TMP/b")"
code=$(curl -s -o "$T_TMP/b" -w '%{http_code}' -d grant_type=client_credentials "$U/oauth2/token")
assert_eq "no client credentials" 401 "$code"
code=$(curl -s -o "$T_TMP/b" -w '%{http_code}' -u app1:s3cret -d grant_type=authorization_code "$U/oauth2/token")
assert_eq "unsupported grant" 400 "$code"
assert_eq "unsupported grant error" unsupported_grant_type "$(jq -r .error "$T_TMP/b")"
code=$(curl -s -o "$T_TMP/b" -w '%{http_code}' -u app1:s3cret -d scope=x "$U/oauth2/token")
assert_eq "missing grant_type" 400 "$code"
assert_eq "GET token endpoint" 405 "$(http_code "$U/oauth2/token" -u app1:s3cret)"

# ---- API calls need a valid token -------------------------------------------------
code=$(curl -s -o "$T_TMP/b" -w '%{http_code}' "$U/echo/1.0.0")
assert_eq "no token" 401 "$code"
assert_eq "no token: WSO2 code" 900902 "$(jq .fault.code "$T_TMP/b")"
code=$(curl -s -o "$T_TMP/b" -w '%{http_code}' -H "Authorization: Bearer not-a-token" "$U/echo/1.0.0")
assert_eq "bad token" 401 "$code"
assert_eq "bad token: WSO2 code" 900901 "$(jq .fault.code "$T_TMP/b")"
assert_eq "bad token: WSO2 message" "Invalid Credentials" "$(jq -r .fault.message "$T_TMP/b")"
forged=${TOK:0:40}$(printf '%s' "${TOK:40}" | tr '0-9a-f' '1-9a-f0')
assert_eq "forged token" 401 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $forged")"
assert_eq "valid token" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"
assert_eq "valid token (lower-case scheme)" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: bearer $TOK2")"
# the token endpoint and control endpoints need no token
assert_eq "stats without token" 200 "$(http_code "$U/_sim/stats")"

# a token from one node is valid on another (as with a shared key manager)
sim_start "$ADDR2" --name other-node --auth on
TOK=$(sim_token "$U" app1:s3cret)
assert_eq "token on another node" 200 "$(http_code "$SIM_HTTP/echo/1.0.0" -H "Authorization: Bearer $TOK")"
sim_stop
SIM_HTTP=$U

# expiry: 1.5 s TTL
TOK=$(sim_token "$U" app1:s3cret)
assert_eq "fresh token" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"
sleep 1.6
code=$(curl -s -D "$T_TMP/h" -o "$T_TMP/b" -w '%{http_code}' -H "Authorization: Bearer $TOK" "$U/echo/1.0.0")
assert_eq "expired token" 401 "$code"
assert_eq "expired token: WSO2 code" 900901 "$(jq .fault.code "$T_TMP/b")"
grep -qi 'WWW-Authenticate:.*expired' "$T_TMP/h" || fail "expired token: no WWW-Authenticate saying so"

# revoking all tokens from the control endpoint
sim_config token_ttl=60s
TOK=$(sim_token "$U" app1:s3cret)
assert_eq "fresh token" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"
sim_config expire_tokens=1
assert_eq "revoked token" 401 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"

# counters: what curl saw
st=$(sim_stats)
assert_eq "tokens issued" 5 "$(jq .tokens.issued <<< "$st")"
assert_eq "token errors" 5 "$(jq .tokens.errors <<< "$st")"

# ---- throttling -------------------------------------------------------------------
# per token: 5 requests/s in fixed 1 s windows. One curl process sends 12
# requests on one connection (milliseconds), started at the beginning of a
# second, so they fall in one window or at worst two.
sim_config auth=off throttle_per_token=5
TOK=$(sim_token "$U" app1:s3cret)
sim_reset
for i in $(seq 1 12); do
    echo "url = \"$U/echo/1.0.0\""
    echo "output = /dev/null"
done > "$T_TMP/urls12"
sleep "0.$(printf '%03d' $((1000 - 10#$(date +%3N))))"
curl -s -K "$T_TMP/urls12" -H "Authorization: Bearer $TOK" -w '%{http_code}\n' > "$T_TMP/codes"
codes=$(tr '\n' ' ' < "$T_TMP/codes")
n200=$(grep -c '^200$' "$T_TMP/codes" || true)
n429=$(grep -c '^429$' "$T_TMP/codes" || true)
assert_eq "per-token limit: every answer 200 or 429 ($codes)" 12 "$((n200 + n429))"
assert_ge "per-token limit: one window's worth ($codes)" 5 "$n200"
assert_le "per-token limit: at most two windows' worth ($codes)" 10 "$n200"
# requests without a token are not limited per token
assert_eq "no token, per-token limit" 200 "$(http_code "$U/echo/1.0.0")"
body=$(curl -s -H "Authorization: Bearer $TOK" "$U/echo/1.0.0")
if jq -e .fault <<< "$body" > /dev/null 2>&1; then
    jq -e '.fault.code == 900804 and .fault.message == "Subscription level throttled out" and
           (.fault.description | startswith("You have exceeded your quota")) and
           (.fault.nextAccessTime | length) > 10' <<< "$body" > /dev/null ||
        fail "per-token 429 body is not WSO2's subscription-level one: $body"
fi
st=$(sim_stats)
n429=$((n429 + $(jq -e .fault <<< "$body" > /dev/null 2>&1 && echo 1 || echo 0)))
assert_eq "429 counted" "$n429" "$(jq '.requests["429"]' <<< "$st")"
assert_eq "429 counted as 900804" "$n429" "$(jq '.throttled_by_code["900804"]' <<< "$st")"
assert_eq "no 900800 for the per-token limit" 0 "$(jq '.throttled_by_code["900800"]' <<< "$st")"

# per node: 10 requests/s for everyone; a burst of 30 gets at most 20 through
# (two windows at most) and some 429s with the WSO2 body
sim_config throttle_per_token=0 throttle_rate=10
sim_reset
for i in $(seq 1 30); do
    echo "url = \"$U/echo/1.0.0\""
    echo "output = /dev/null"
done > "$T_TMP/urls"
curl -s -K "$T_TMP/urls" -w '%{http_code}\n' > "$T_TMP/codes"
n200=$(grep -c '^200$' "$T_TMP/codes" || true)
n429=$(grep -c '^429$' "$T_TMP/codes" || true)
assert_eq "node limit: every answer is 200 or 429" 30 "$((n200 + n429))"
assert_ge "node limit: some 200" 10 "$n200"
assert_le "node limit: at most two windows' worth" 20 "$n200"
st=$(sim_stats)
assert_eq "node limit: 429 counted" "$n429" "$(jq '.requests["429"]' <<< "$st")"
assert_eq "node limit: 2xx counted" "$n200" "$(jq '.requests["2xx"]' <<< "$st")"
assert_eq "node limit: 429 counted as 900800" "$n429" "$(jq '.throttled_by_code["900800"]' <<< "$st")"
curl -s "$U/echo/1.0.0" | jq -e '.fault.code == 900800 and .fault.message == "Message throttled out"' > /dev/null ||
    fail "no 900800 body under the node limit"

# sliding window: after a full burst, half a second later about half the
# limit is available again, not all of it
sim_config throttle_rate=10 throttle_window=sliding
sleep 1.1
curl -s -K "$T_TMP/urls" -w '%{http_code}\n' > "$T_TMP/codes"
assert_le "sliding window: never more than the limit at once" 10 "$(grep -c '^200$' "$T_TMP/codes" || true)"
log "ok"
