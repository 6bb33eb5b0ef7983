#!/bin/bash
# A hostile key manager (gatewaysim's --token-expires-in, --token-echo,
# --token-pad) against gatecap's token pool. Checks that
#  - a lifetime too long to schedule (WSO2's 9223372036854775 for tokens
#    that do not expire, 1e308) means "does not expire": exactly one token
#    per application in a run of several seconds, no refresh storm;
#  - a token answer too large to be one (4 MiB) is called that;
. "$(dirname "$0")/../lib/common.sh"
. "$GATECAP_TOP/tests/lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"

KM=127.0.2.31
GW=127.0.2.32
sim_start "$KM" --client app1:sec-one --client app2:sec-two
KM_URL=$SIM_HTTP
sim_start "$GW" --auth on
GW_URL=$SIM_HTTP

# NAME CLIENT-AUTH DURATION [EXTRA-AUTH-YAML]
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
${4:-}
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
log "ok"
