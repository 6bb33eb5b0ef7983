#!/bin/bash
# A hostile key manager (gatewaysim's --token-expires-in, --token-echo,
# --token-pad) against gatecap's token pool. Checks that
#  - a lifetime too long to schedule (WSO2's 9223372036854775 for tokens
#    that do not expire, 1e308) means "does not expire": exactly one token
#    per application in a run of several seconds, no refresh storm;
#  - a token answer too large to be one (4 MiB) is called that;
#  - a key manager that echoes the whole request (Authorization, form body)
#    in its error answers and its tokens leaks no secret into anything
#    gatecap writes: stdout, stderr, results.json, run.hlog, report.md,
#    report.html, JUnit; searched for every secret raw, form-encoded and
#    as HTTP Basic credentials. Its errors still say what went wrong;
#  - the message of a node that refuses the check request does not repeat
#    the API key in the request's path.
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

KM=127.0.2.31
GW=127.0.2.32
sim_start "$KM" --client app1:sec-one --client app2:sec-two
KM_URL=$SIM_HTTP
sim_start "$GW" --auth on
GW_URL=$SIM_HTTP

# NAME CLIENT-AUTH DURATION
scenario() {
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: ["$GW_URL"]
requests: [{name: echo, path: /echo/1.0.0}]
auth:
  token_url: "$KM_URL/oauth2/token"
  client_auth: $2
  applications:
    - {name: a1, client_id: app1, client_secret: sec-one}
    - {name: a2, client_id: app2, client_secret: sec-two}
load:
  workers: 1
  phases: [{name: steady, duration: $3, rate: 50/s}]
YAML
}

for life in 9223372036854775 1e308 '"9223372036854775"' '"1e400"'; do
    log "expires_in $life: does not expire, one token per application"
    sim_reset "$KM_URL"
    sim_config "$KM_URL" "token_expires_in=$(jq -rn --arg s "$life" '$s | @uri')"
    scenario never basic 4s
    run never
    run_ok never
    assert_eq "$life: tokens the key manager issued" 2 "$(sim_stats "$KM_URL" | jq .tokens.issued)"
    assert_eq "$life: token requests" 2 "$(jr never .auth.token_endpoint.requests)"
    assert_eq "$life: no refresh ahead of expiry" 0 "$(jr never .auth.token_endpoint.by_reason.ahead)"
    assert_eq "$life: every request 2xx" "$(jr never .totals.all.count)" \
        "$(jr never '.totals.all.outcomes["2xx"]')"
    # the lifetime as given (saturated at 1e308): results.json reads back
    assert_eq "$life: lifetime reported" true \
        "$(jr never '.auth.applications | all(.token_lifetime_s > 315576000)')"
    for a in a1 a2; do
        assert_eq "$life: $a tokens" 1 \
            "$(jr never ".auth.applications[] | select(.name == \"$a\") | .tokens_fetched")"
    done
done
sim_config "$KM_URL" token_expires_in=

log "a 4 MiB token answer: no run, and a message that says why"
sim_config "$KM_URL" token_pad=4MiB
sim_reset "$GW_URL"
scenario huge basic 2s
run huge
assert_eq "huge: exit code" 3 "$RC"
msg=$(cat "$T_TMP/huge.log")
assert_contains "huge: the application" "no token for 2 of 2 applications" "$msg"
assert_contains "huge: why" "the answer is larger than 65536 bytes" "$msg"
case "$msg" in *"not a JSON object"*) fail "huge: misleading message: $msg" ;; esac
assert_eq "huge: nothing sent to the gateway" 0 "$(sim_stats "$GW_URL" | jq .requests.total)"
sim_config "$KM_URL" token_pad=0

# ---- a key manager that echoes every request ------------------------------------
R=$RANDOM$RANDOM
ID1=tpp-one-id-$R                 # a client_id from the environment: secret
SEC1=Sec1-$R.x~y_z                # Basic credentials are not decoded by the
SEC2=Sec2-$R-kK                   # simulator: no characters to encode here
SECB="s3c&r+t/$R"                 # form bodies are: here there are
PW="p@ss w0rd!$R"
export GC_H_ID1=$ID1 GC_H_SEC1=$SEC1 GC_H_SEC2=$SEC2 GC_H_SECB=$SECB GC_H_PW=$PW
sim_start 127.0.2.33 --token-echo on --token-ttl 1 --client "$ID1:$SEC1" --client "app2:$SEC2" \
    --client "$ID1-b:$SECB" --user "alice:$PW"
KM2_URL=$SIM_HTTP

uri() { jq -rn --arg s "$1" '$s | @uri'; }
b64() { printf '%s' "$1" | base64 -w0; }
# Every form a secret may take in an echo: raw, form-encoded, Basic.
SECRETS=("$ID1" "$SEC1" "$SEC2" "$SECB" "$(uri "$SECB")" "$PW" "$(uri "$PW")"
    "$(uri "$PW" | sed 's/%20/+/g')" "$(b64 "$ID1:$SEC1")" "$(b64 "app2:$SEC2")"
    "$(b64 "$(uri "$ID1-b"):$(uri "$SECB")")")

# NAME: no secret, nor the start of one (a message cut inside it), in
# anything gatecap wrote for run NAME.
no_secrets() {
    local f s p
    for f in "$T_TMP/$1".out "$T_TMP/$1".err "$T_TMP/$1".junit.xml "$T_TMP/$1"/*; do
        [ -f "$f" ] || continue
        for s in "${SECRETS[@]}"; do
            for p in "$s" "${s:0:8}"; do
                ! grep -qF -- "$p" "$f" || fail "$1: a secret ($s) in $f: $(grep -F -- "$p" "$f" | head -2)"
            done
        done
    done
}

# NAME CLIENT-AUTH AUTH-YAML: a run of 5 s whose token refreshes fail once
# the first tokens are out (the key manager answers 503, echoing the
# request); tokens live 1 s, so refreshes come every second.
echo_run() {
    cat > "$T_TMP/$1.yaml" << YAML
name: $1
targets: ["$GW_URL"]
requests: [{name: echo, path: /echo/1.0.0}]
auth:
  token_url: "$KM2_URL/oauth2/token"
  client_auth: $2
$3
load:
  workers: 1
  phases: [{name: steady, duration: 5s, rate: 50/s}]
gates: ["p99 < 10s"]
YAML
    sim_reset "$KM2_URL"
    sim_config "$KM2_URL" token_error_rate=0
    "$GATECAP" run "$T_TMP/$1.yaml" -o "$T_TMP/$1" --junit "$T_TMP/$1.junit.xml" \
        > "$T_TMP/$1.out" 2> "$T_TMP/$1.err" &
    local pid=$!
    on_exit "kill $pid 2>/dev/null"
    # the first tokens are out before the run starts; the refreshes fail
    while proc_alive "$pid" && [ "$(sim_stats "$KM2_URL" | jq .tokens.issued)" -lt 2 ]; do
        sleep 0.05
    done
    sim_config "$KM2_URL" token_error_rate=1
    RC=0
    wait "$pid" || RC=$?
    [ -f "$T_TMP/$1/results.json" ] || fail "$1: no results.json (exit $RC): $(tail -3 "$T_TMP/$1.err")"
    assert_eq "$1: first tokens" 2 "$(jr "$1" .auth.token_endpoint.by_reason.initial)"
    assert_ge "$1: failed refreshes" 1 "$(jr "$1" .auth.token_endpoint.failed)"
    for a in a1 a2; do
        assert_contains "$1: $a's token error" "HTTP 503: temporarily_unavailable: Your request was: grant_type=" \
            "$(jr "$1" ".auth.applications[] | select(.name == \"$a\") | .token_error")"
    done
    grep -q "TOKEN FAILURE: application a1: its last token request failed: HTTP 503" "$T_TMP/$1.out" ||
        fail "$1: no TOKEN FAILURE line: $(grep -i token "$T_TMP/$1.out")"
    no_secrets "$1"
}

log "an echoing key manager, client_credentials with Basic: no secret written"
echo_run echo_basic basic "  applications:
    - {name: a1, client_id: \"\${GC_H_ID1}\", client_secret: \"\${GC_H_SEC1}\"}
    - {name: a2, client_id: app2, client_secret: \"\${GC_H_SEC2}\"}"

log "an echoing key manager, password grant with secrets in the body: no secret written"
echo_run echo_body body "  grant: password
  applications:
    - {name: a1, client_id: \"\${GC_H_ID1}-b\", client_secret: \"\${GC_H_SECB}\", username: alice, password: \"\${GC_H_PW}\"}
    - {name: a2, client_id: \"\${GC_H_ID1}-b\", client_secret: \"\${GC_H_SECB}\", username: alice, password: \"\${GC_H_PW}\"}"

log "a refused first token: exit 3, the key manager's error kept, its echo masked"
sed 's/password: "${GC_H_PW}"}$/password: "${GC_H_PW}x"}/' "$T_TMP/echo_body.yaml" > "$T_TMP/refused.yaml"
sim_config "$KM2_URL" token_error_rate=0
RC=0
"$GATECAP" run "$T_TMP/refused.yaml" -o "$T_TMP/refused" > "$T_TMP/refused.out" 2> "$T_TMP/refused.err" ||
    RC=$?
assert_eq "refused: exit code" 3 "$RC"
assert_contains "refused: the key manager's error" \
    "no token for 2 of 2 applications (first: a1)" "$(cat "$T_TMP/refused.err")"
assert_contains "refused: its error, and the echo masked" \
    "HTTP 400: invalid_grant: Your request was: grant_type=password&username=alice&password=<redacted>" \
    "$(cat "$T_TMP/refused.err")"
SECRETS+=("${PW}x" "$(uri "${PW}x")" "$(uri "${PW}x" | sed 's/%20/+/g')")
no_secrets refused
no_secrets echo_basic
no_secrets echo_body

log "a node that refuses the check request: its path's API key is not repeated"
KEY=api-key-$R
export GC_H_KEY=$KEY
cat > "$T_TMP/nodecheck.yaml" << YAML
name: nodecheck
targets: ["$GW_URL"]
requests: [{name: echo, path: "/echo/1.0.0?apikey=$KEY", headers: {X-Key: "\${GC_H_KEY}"}}]
load: {phases: [{duration: 1s, rate: 10/s}]}
YAML
RC=0
"$GATECAP" run "$T_TMP/nodecheck.yaml" -o "$T_TMP/nodecheck" > "$T_TMP/nodecheck.out" \
    2> "$T_TMP/nodecheck.err" || RC=$?
assert_eq "nodecheck: exit code" 3 "$RC"
assert_contains "nodecheck: the node, its answer and the path" \
    "answered HTTP 401 to the check request 'GET /echo/1.0.0?apikey=<redacted>'" \
    "$(cat "$T_TMP/nodecheck.err")"
SECRETS+=("$KEY")
no_secrets nodecheck
log "ok"
