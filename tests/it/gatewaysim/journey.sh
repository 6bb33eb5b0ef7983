# gatewaysim's Open Banking payment journey (--journey open-banking) on
# two nodes that share nothing but the secret: a consent made on node 1
# pays on node 2, rejected consents (an exact planted share) and unknown
# consent ids are refused and counted, bad bodies counted apart, polling
# settles on a clock the test moves, and journey requests take the same
# stalls, faults, authentication and method checks as every API route.
# Every count is compared with what curl saw.
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"

A1=127.0.1.21
A2=127.0.1.22
A3=127.0.1.23
P=/open-banking/v3.1/pisp
SECRET='not the default: journey test'

# node 1: every second consent Rejected (even spacing: exactly floor(n/2) of n)
sim_start "$A1" --name jn1 --journey open-banking --journey-refuse 50% --fault-spacing even \
    --route /open-banking/v3.1
U1=$SIM_HTTP
sim_start "$A2" --name jn2 --journey open-banking
U2=$SIM_HTTP
# node 3: another cluster (another secret)
sim_start "$A3" --name jn3 --journey open-banking --journey-secret "$SECRET"
U3=$SIM_HTTP

j() { jq -r "$1" "$T_TMP/b"; }
# post URL BODY: the answer's body in $T_TMP/b, headers in $T_TMP/h; prints the status
post() {
    curl -s -o "$T_TMP/b" -D "$T_TMP/h" -w '%{http_code}' --max-time 10 -X POST \
        -H 'Content-Type: application/json' --data-binary "$2" "$1" || true
}
get() { curl -s -o "$T_TMP/b" -D "$T_TMP/h" -w '%{http_code}' --max-time 10 "$1" || true; }
jstat() { sim_stats "$1" | jq -c ".journey.$2"; }

# ---- the options -----------------------------------------------------------------
rc=0
"$GATEWAYSIM" --journey bogus --help > /dev/null 2> "$T_TMP/err" || rc=$?
assert_eq "bad --journey: exit 2" 2 "$rc"
assert_contains "bad --journey names it" "--journey" "$(cat "$T_TMP/err")"
rc=0
"$GATEWAYSIM" --journey-refuse 150% --help > /dev/null 2> "$T_TMP/err" || rc=$?
assert_eq "bad --journey-refuse: exit 2" 2 "$rc"
cfg=$(curl -sf "$U3/_sim/config")
assert_eq "config: journey" open-banking "$(jq -r .journey <<< "$cfg")"
assert_eq "config: the secret is only said to be set" set "$(jq -r .journey_secret <<< "$cfg")"
case "$cfg" in *"$SECRET"*) fail "GET /_sim/config shows the journey secret" ;; esac
assert_eq "config: refuse share" 0.5 "$(curl -sf "$U1/_sim/config" | jq .journey_refuse)"
# off: the paths are nobody's (node 2 has no --route for them)
sim_config "$U2" journey=off
assert_eq "journey off: consent path 404" 404 "$(post "$U2$P/domestic-payment-consents" '{}')"
sim_config "$U2" journey=open-banking
# journey paths come before --route; other paths of the API still echo
assert_eq "--route still answers the rest of the API" 200 "$(get "$U1$P/domestic-payment-consents/x")"

# ---- consents on node 1, payments on node 2 --------------------------------------------
sim_reset "$U1"
sim_reset "$U2"
N=10
: > "$T_TMP/consents"
for i in $(seq 1 $N); do
    code=$(post "$U1$P/domestic-payment-consents" \
        "{\"Data\":{\"Initiation\":{\"InstructionIdentification\":\"i$i\"}},\"Risk\":{\"k\":$i}}")
    assert_eq "consent $i: 201" 201 "$code"
    jq -e --arg i "i$i" '(.Data.ConsentId | test("^[A-Za-z0-9_-]{32}$")) and
        (.Data.Status == "AwaitingAuthorisation" or .Data.Status == "Rejected") and
        (.Data.CreationDateTime | test("^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+\\+00:00$")) and
        .Data.Initiation.InstructionIdentification == $i and .Risk.k > 0 and
        .Links.Self == "/open-banking/v3.1/pisp/domestic-payment-consents/" + .Data.ConsentId and
        .Meta == {}' "$T_TMP/b" > /dev/null || fail "consent $i: body not in Open Banking shape: $(cat "$T_TMP/b")"
    grep -qi '^x-fapi-interaction-id: [0-9a-f-]\{36\}' "$T_TMP/h" || fail "consent $i: no x-fapi-interaction-id"
    echo "$(j .Data.ConsentId) $(j .Data.Status)" >> "$T_TMP/consents"
done
rejected=$(grep -c ' Rejected$' "$T_TMP/consents" || true)
assert_eq "exactly half the consents Rejected" $((N / 2)) "$rejected"
assert_eq "ids are unique" $N "$(cut -d' ' -f1 "$T_TMP/consents" | sort -u | wc -l)"
assert_eq "node 1 counts every consent" $N "$(jstat "$U1" consents_created)"
assert_eq "node 1 counts the refused ones as curl saw them" "$rejected" "$(jstat "$U1" consents_refused)"

paid=0 refused=0
while read -r id status; do
    code=$(post "$U2$P/domestic-payments" "{ \"Data\" : {\"ConsentId\" : \"$id\", \"Initiation\":{\"x\":1}}, \"Risk\":{}}")
    if [ "$status" = Rejected ]; then
        assert_eq "payment on a rejected consent: 400" 400 "$code"
        jq -e '.Code == "400 BadRequest" and (.Id | length) > 0 and
            .Errors[0].ErrorCode == "UK.OBIE.Resource.InvalidConsentStatus" and
            .Errors[0].Path == "Data.ConsentId"' "$T_TMP/b" > /dev/null ||
            fail "rejected consent: not an OB error body: $(cat "$T_TMP/b")"
        refused=$((refused + 1))
    else
        assert_eq "payment on node 2 with node 1's consent: 201" 201 "$code"
        jq -e --arg c "$id" '.Data.ConsentId == $c and .Data.Status == "AcceptedSettlementInProcess" and
            (.Data.DomesticPaymentId | test("^[A-Za-z0-9_-]{40}$")) and .Data.Initiation.x == 1' \
            "$T_TMP/b" > /dev/null || fail "payment: body not as expected: $(cat "$T_TMP/b")"
        echo "$(j .Data.DomesticPaymentId) $id" >> "$T_TMP/payments"
        paid=$((paid + 1))
    fi
done < "$T_TMP/consents"
assert_eq "node 2: payments" "$paid" "$(jstat "$U2" payments_created)"
assert_eq "node 2: payments on rejected consents" "$refused" "$(jstat "$U2" payments_rejected_consent)"
assert_eq "node 2: no unknown consent so far" 0 "$(jstat "$U2" payments_unknown_consent)"

# ---- unknown consent ids, bad bodies ---------------------------------------------------------
good=$(head -n1 "$T_TMP/payments" | cut -d' ' -f2)
# one character changed; a made-up id; a payment id; another cluster's node
forged=$(sed 's/^\(.\{10\}\)./\1A/' <<< "$good")
[ "$forged" != "$good" ] || forged=$(sed 's/^\(.\{10\}\)./\1B/' <<< "$good")
for id in "$forged" "no-such-consent" "$(head -n1 "$T_TMP/payments" | cut -d' ' -f1)" \
    "$(printf 'x%.0s' $(seq 1 300))"; do
    assert_eq "unknown consent id: 400" 400 "$(post "$U2$P/domestic-payments" "{\"Data\":{\"ConsentId\":\"$id\"}}")"
    assert_eq "unknown consent: error code" UK.OBIE.Resource.NotFound "$(j '.Errors[0].ErrorCode')"
done
assert_eq "another cluster's node: unknown" 400 "$(post "$U3$P/domestic-payments" "{\"Data\":{\"ConsentId\":\"$good\"}}")"
assert_eq "another cluster's node counts it" 1 "$(jstat "$U3" payments_unknown_consent)"
assert_eq "node 2 counts 4 unknown consent ids" 4 "$(jstat "$U2" payments_unknown_consent)"
# bad bodies: none, not JSON, truncated, no ConsentId, not a string
for body in '' 'ConsentId=x' "{\"Data\":{\"ConsentId\":\"$good\"}" '{"Data":{"Consent":"x"}}' \
    '{"Data":{"ConsentId":42}}'; do
    assert_eq "bad body '$body': 400" 400 "$(post "$U2$P/domestic-payments" "$body")"
done
st=$(sim_stats "$U2")
assert_eq "bad bodies counted apart" 5 "$(jq .journey.payments_bad_body <<< "$st")"
assert_eq "and not as unknown consents" 4 "$(jq .journey.payments_unknown_consent <<< "$st")"
assert_eq "every 400 of node 2 is a journey refusal" $((refused + 4 + 5)) "$(jq '.by_status["400"]' <<< "$st")"
# an escaped id is the same id
esc=$(sed 's/^Q/\\u0051/' <<< "$good")
assert_eq "ConsentId with an escape pays" 201 "$(post "$U2$P/domestic-payments" "{\"Data\":{\"ConsentId\":\"$esc\"}}")"

# ---- methods -----------------------------------------------------------------------------
# x-fapi-interaction-id: the request's comes back
curl -s -o /dev/null -D "$T_TMP/h" -X POST -H 'X-FAPI-Interaction-Id:  93bac548-d2de-4546-b106-880a5018460d ' \
    -d '{}' "$U2$P/domestic-payment-consents"
grep -qi '^x-fapi-interaction-id: 93bac548-d2de-4546-b106-880a5018460d'$'\r''$' "$T_TMP/h" ||
    fail "x-fapi-interaction-id not echoed: $(cat "$T_TMP/h")"

assert_eq "GET on consents: 405" 405 "$(get "$U2$P/domestic-payment-consents")"
grep -qi '^Allow: POST' "$T_TMP/h" || fail "405 does not say Allow: POST"
assert_eq "POST on a payment id: 405" 405 "$(post "$U2$P/domestic-payments/x" '{}')"

# ---- polling ---------------------------------------------------------------------------
read -r pay cons < "$T_TMP/payments"
# node 2 settles at once (default 0)
assert_eq "poll on node 2: 200" 200 "$(get "$U2$P/domestic-payments/$pay")"
assert_eq "settled at the first poll by default" AcceptedSettlementCompleted "$(j .Data.Status)"
assert_eq "poll names the consent" "$cons" "$(j .Data.ConsentId)"
# node 1: settles an hour after the payment; its clock is moved on
sim_config "$U1" journey_settle=3600
sim_reset "$U1"
assert_eq "poll on node 1: 200" 200 "$(get "$U1$P/domestic-payments/$pay")"
assert_eq "not settled before the hour" AcceptedSettlementInProcess "$(j .Data.Status)"
assert_eq "...same payment" "$pay" "$(j .Data.DomesticPaymentId)"
assert_eq "...its consent made again on another node" "$cons" "$(j .Data.ConsentId)"
created=$(j .Data.CreationDateTime)
sim_config "$U1" advance_clock=3601
assert_eq "poll after the hour: 200" 200 "$(get "$U1$P/domestic-payments/$pay")"
assert_eq "settled after the hour" AcceptedSettlementCompleted "$(j .Data.Status)"
upd=$(j .Data.StatusUpdateDateTime)
diff_s=$(( $(date -d "${upd%+00:00}Z" +%s) - $(date -d "${created%+00:00}Z" +%s) ))
assert_eq "status updated when it settled, an hour after creation" 3600 "$diff_s"
assert_eq "unknown payment id: 404" 404 "$(get "$U1$P/domestic-payments/$cons")"
assert_eq "404 error code" UK.OBIE.Resource.NotFound "$(j '.Errors[0].ErrorCode')"
assert_eq "HEAD poll: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -I "$U1$P/domestic-payments/$pay")"
st=$(sim_stats "$U1")
assert_eq "polls (HEAD included)" 4 "$(jq .journey.polls <<< "$st")"
assert_eq "polls settled" 2 "$(jq .journey.polls_settled <<< "$st")"
assert_eq "polls unknown" 1 "$(jq .journey.polls_unknown <<< "$st")"
assert_eq "every poll under one path" 4 \
    "$(jq '.by_path["/open-banking/v3.1/pisp/domestic-payments/{DomesticPaymentId}"].total' <<< "$st")"
sim_config "$U1" journey_settle=0

# ---- the same paths as every API route: faults, stalls, authentication ------------------------
sim_reset "$U1"
sim_config "$U1" error_rate=1 error_status=503
assert_eq "a planted 5xx answers a consent" 503 "$(post "$U1$P/domestic-payment-consents" '{}')"
sim_config "$U1" error_rate=0
assert_eq "a consent that failed is not counted" 0 "$(jstat "$U1" consents_created)"

# a planted stall holds journey steps as it holds the echo API
wait_stat() {
    local i
    for i in $(seq 1 200); do
        sim_stats "$1" | jq -e "$2" > /dev/null && return 0
        sleep 0.1
    done
    fail "stats never showed $2: $(sim_stats "$1" | jq -c .queue)"
}
t0=$(now_ms)
sim_config "$U1" stall_now=2s
curl -s -o /dev/null -w '%{http_code}\n' -X POST -d '{}' "$U1$P/domestic-payment-consents" > "$T_TMP/s1" &
c1=$!
curl -s -o /dev/null -w '%{http_code}\n' "$U1$P/domestic-payments/$pay" > "$T_TMP/s2" &
c2=$!
wait_stat "$U1" '.queue.stalled and .queue.length == 2'
wait "$c1" "$c2"
assert_ge "stall: journey steps answered >= 2 s after it began (ms)" 2000 "$(($(now_ms) - t0))"
assert_eq "stalled consent answered" 201 "$(cat "$T_TMP/s1")"
assert_eq "stalled poll answered" 200 "$(cat "$T_TMP/s2")"

# --auth on: a token from node 1's token endpoint pays on node 2
sim_config "$U2" auth=on
assert_eq "no token: 401" 401 "$(post "$U2$P/domestic-payments" "{\"Data\":{\"ConsentId\":\"$good\"}}")"
tok=$(sim_token "$U1" app:secret)
code=$(curl -s -o "$T_TMP/b" -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" \
    --data-binary "{\"Data\":{\"ConsentId\":\"$good\"}}" "$U2$P/domestic-payments")
assert_eq "with a token: 201" 201 "$code"
sim_config "$U2" auth=off
log "ok"
