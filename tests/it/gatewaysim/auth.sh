# gatewaysim as a WSO2 gateway with OAuth2: token endpoint
# (client_credentials, HTTP Basic client auth), 401 without / with a bad /
# with an expired token (WSO2 fault bodies), tokens valid on every node,
# 429 throttling per node (WSO2 code 900800) and per token (900804), and
# the token counters. Per-application quotas, the password grant, mutual
# TLS client authentication and token faults: apps.sh.
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"

ADDR=127.0.1.13
ADDR2=127.0.1.14
printf '# test clients\napp2:s3cret2\n\n' > "$T_TMP/clients"
sim_start "$ADDR" --name auth-node --auth on --client app1:s3cret --clients-file "$T_TMP/clients" \
    --token-ttl 600s
U=$SIM_HTTP

# ---- token endpoint -----------------------------------------------------------------
resp=$(curl -s -D "$T_TMP/h" -u app1:s3cret -d grant_type=client_credentials "$U/oauth2/token")
jq -e '.token_type == "Bearer" and (.access_token | length) > 20 and .expires_in == 600 and .scope == "default"' \
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

# expiry: a token lives token_ttl (600 s here) on the node's clock;
# advance_clock moves that clock, so expiry is seen without waiting, and
# the test's own steps (seconds at most, however busy the machine) are
# far inside the margins: 300 s on is within the lifetime, 601 s past it
TOK=$(sim_token "$U" app1:s3cret)
assert_eq "fresh token" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"
sim_config advance_clock=300s
assert_eq "token 300 s older, within its 600 s" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"
sim_config advance_clock=301s
code=$(curl -s -D "$T_TMP/h" -o "$T_TMP/b" -w '%{http_code}' -H "Authorization: Bearer $TOK" "$U/echo/1.0.0")
assert_eq "expired token" 401 "$code"
assert_eq "expired token: WSO2 code" 900901 "$(jq .fault.code "$T_TMP/b")"
grep -qi 'WWW-Authenticate:.*expired' "$T_TMP/h" || fail "expired token: no WWW-Authenticate saying so"
assert_eq "a token issued after the clock moved" 200 \
    "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $(sim_token "$U" app1:s3cret)")"
assert_eq "advance_clock=bogus refused" 400 "$(http_code "$U/_sim/config?advance_clock=bogus" -X POST)"

# revoking all tokens from the control endpoint
sim_config token_ttl=60s
TOK=$(sim_token "$U" app1:s3cret)
assert_eq "fresh token" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"
sim_config expire_tokens=1
assert_eq "revoked token" 401 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"
# a token issued after the revocation is valid, however soon after (token
# times are in microseconds: a client refreshing right after its 401 gets
# a good token)
TOK=$(sim_token "$U" app1:s3cret)
assert_eq "token issued after the revocation" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"

# counters: what curl saw
st=$(sim_stats)
assert_eq "tokens issued" 7 "$(jq .tokens.issued <<< "$st")"
assert_eq "token errors" 5 "$(jq .tokens.errors <<< "$st")"

# ---- throttling -------------------------------------------------------------------
# Windows of one throttle unit, counted from the last reset: with a 60 s
# unit every request below falls in the window the reset opened, however
# slow the machine, so every count is exact.
# burst NAME N [CURL ARGS...]: N GETs on one connection; codes in $T_TMP/NAME
burst() {
    local name=$1 n=$2 i
    shift 2
    for i in $(seq 1 "$n"); do
        echo "url = \"$U/echo/1.0.0\""
        echo "output = /dev/null"
    done > "$T_TMP/$name.urls"
    curl -s -K "$T_TMP/$name.urls" "$@" -w '%{http_code}\n' > "$T_TMP/$name"
}
count() { grep -c "^$1\$" "$T_TMP/$2" || true; }

# per token: 5 requests a unit
sim_config auth=off throttle_per_token=5 throttle_unit=60s
TOK=$(sim_token "$U" app1:s3cret)
sim_reset
burst tok 12 -H "Authorization: Bearer $TOK"
assert_eq "per-token limit: the window's 5 admitted ($(tr '\n' ' ' < "$T_TMP/tok"))" 5 "$(count 200 tok)"
assert_eq "per-token limit: the other 7 throttled" 7 "$(count 429 tok)"
assert_eq "per-token limit: the first 5 are the admitted ones" "200 200 200 200 200 429" \
    "$(head -n 6 "$T_TMP/tok" | tr '\n' ' ' | sed 's/ $//')"
# requests without a token are not limited per token
assert_eq "no token, per-token limit" 200 "$(http_code "$U/echo/1.0.0")"
body=$(curl -s -H "Authorization: Bearer $TOK" "$U/echo/1.0.0")
jq -e '.fault.code == 900804 and .fault.message == "Subscription level throttled out" and
       (.fault.description | startswith("You have exceeded your quota")) and
       (.fault.nextAccessTime | length) > 10' <<< "$body" > /dev/null ||
    fail "per-token 429 body is not WSO2's subscription-level one: $body"
st=$(sim_stats)
assert_eq "429 counted" 8 "$(jq '.requests["429"]' <<< "$st")"
assert_eq "429 counted as 900804" 8 "$(jq '.throttled_by_code["900804"]' <<< "$st")"
assert_eq "no 900800 for the per-token limit" 0 "$(jq '.throttled_by_code["900800"]' <<< "$st")"
# a new window admits again: a reset opens one
sim_reset
assert_eq "per-token limit: a new window admits" 200 "$(http_code "$U/echo/1.0.0" -H "Authorization: Bearer $TOK")"

# per node: 10 requests a unit for everyone; a burst of 30 gets exactly 10
# through and 20 WSO2 429s, and the next request is refused too
sim_config throttle_per_token=0 throttle_rate=10
sim_reset
burst node 30
assert_eq "node limit: 10 admitted ($(tr '\n' ' ' < "$T_TMP/node"))" 10 "$(count 200 node)"
assert_eq "node limit: 20 throttled" 20 "$(count 429 node)"
st=$(sim_stats)
assert_eq "node limit: 429 counted" 20 "$(jq '.requests["429"]' <<< "$st")"
assert_eq "node limit: 2xx counted" 10 "$(jq '.requests["2xx"]' <<< "$st")"
assert_eq "node limit: 429 counted as 900800" 20 "$(jq '.throttled_by_code["900800"]' <<< "$st")"
curl -s "$U/echo/1.0.0" | jq -e '.fault.code == 900800 and .fault.message == "Message throttled out"' > /dev/null ||
    fail "no 900800 body under the node limit"
# setting the unit starts the windows anew (as a reset does)
sim_config throttle_unit=30s
assert_eq "node limit: a new unit opens a new window" 200 "$(http_code "$U/echo/1.0.0")"
jq -e '.throttle_unit_s == 30' <<< "$(curl -s "$U/_sim/config")" > /dev/null ||
    fail "config does not show throttle_unit_s: $(curl -s "$U/_sim/config")"

# sliding window, in the first window after a reset (no previous window to
# weigh): never more than the limit at once. Its arithmetic across windows
# is in the unit test of throttle.c (tests/gatewaysim/test_throttle.c).
sim_config throttle_rate=10 throttle_window=sliding throttle_unit=60s
sim_reset
burst sliding 30
assert_eq "sliding window: exactly the limit admitted in a burst" 10 "$(count 200 sliding)"
log "ok"
