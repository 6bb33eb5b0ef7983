# gatewaysim --route: any path can be an API like /echo/1.0.0, answering
# with the status its route names (a created payment consent: 201), the
# longest route first, 405 with the route's methods in Allow, 404
# elsewhere; route traffic is API traffic (authentication, faults,
# counters); routes can be added at run time; bad routes are refused at
# start (exit 2) and at run time (400, nothing changed).
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"

ADDR=127.0.1.14
OB=/open-banking/v3.1
sim_start "$ADDR" --name routes --route "$OB" --route "POST $OB/pisp/domestic-payment-consents=201" \
    --route 'GET /acc=203' --body-bytes 20

# status, headers and body of one request: "STATUS|ALLOW|BODY"
req() {
    local method=$1 path=$2
    shift 2
    curl -s --max-time 5 -X "$method" -o "$T_TMP/body" -D "$T_TMP/head" "$@" "$SIM_HTTP$path" > /dev/null ||
        fail "$method $path: no answer"
    printf '%s|%s|%s' "$(awk 'NR == 1 { print $2 }' "$T_TMP/head")" \
        "$(sed -n 's/^Allow: \(.*\)\r$/\1/p' "$T_TMP/head")" "$(cat "$T_TMP/body")"
}

body='{"Data":{"Initiation":{"InstructedAmount":{"Amount":"10.00"}}}}'
assert_eq "POST consent: 201, the body echoed" "201||$body" \
    "$(req POST "$OB/pisp/domestic-payment-consents" -H 'Content-Type: application/json' -d "$body")"
assert_contains "201 keeps the Content-Type" "Content-Type: application/json" "$(cat "$T_TMP/head")"
assert_contains "201 names the node" "X-Gateway-Node: routes" "$(cat "$T_TMP/head")"
assert_eq "below the consent route" "201||" "$(req POST "$OB/pisp/domestic-payment-consents/c1" -d '')"
assert_eq "GET consent: the API's route" '200||{"echo":"xxxxxxxxx"}' \
    "$(req GET "$OB/pisp/domestic-payment-consents")"
assert_eq "balances, below the API" '200||{"echo":"xxxxxxxxx"}' "$(req GET "$OB/aisp/accounts/a1/balances")"
assert_eq "?size= on a route" "200||xxxx" "$(req GET "$OB/aisp/accounts?size=4")"
head=$(curl -s --max-time 5 -I "$SIM_HTTP/acc")
assert_contains "GET route answers HEAD" "HTTP/1.1 203 Non-Authoritative Information" "$head"
assert_contains "HEAD: the length of the GET body" "Content-Length: 20" "$head"
assert_eq "GET route with its status" '203||{"echo":"xxxxxxxxx"}' "$(req GET /acc/1)"
out=$(req POST /acc -d x)
assert_eq "another method: 405 with the route's methods" "405|GET, HEAD" "${out%|*}"
assert_contains "405 body" "Method not allowed" "$out"
assert_eq "OPTIONS on the echo API: 405" "405|GET, HEAD, POST, PUT, DELETE, PATCH" \
    "$(req OPTIONS /echo/1.0.0 | cut -d'|' -f1-2)"
out=$(req GET /open-banking/v3.10/x)
assert_eq "no route: 404" 404 "${out%%|*}"
assert_contains "404 is WSO2's" "No matching resource found" "$out"
assert_eq "the echo API is still there" '200||{"echo":"xxxxxxxxx"}' "$(req GET /echo/1.0.0)"

st=$(sim_stats)
assert_eq "201s counted" 2 "$(jq '.by_status["201"]' <<< "$st")"
assert_eq "203s counted" 2 "$(jq '.by_status["203"]' <<< "$st")"
assert_eq "2xx" 8 "$(jq '.requests["2xx"]' <<< "$st")"
assert_eq "by path" 2 "$(jq --arg p "$OB/pisp/domestic-payment-consents" '.by_path[$p]["2xx"]' <<< "$st")"
assert_eq "served by the workers: each had a service time" 8 "$(jq .service.count <<< "$st")"

# route traffic is API traffic: faults and authentication apply
sim_config error_rate=1 fault_spacing=even
assert_eq "5xx on a route" 503 "$(req POST "$OB/pisp/domestic-payment-consents" -d x | cut -d'|' -f1)"
sim_config error_rate=0 auth=on
assert_eq "401 on a route without a token" 401 "$(req GET "$OB/aisp/accounts" | cut -d'|' -f1)"
tok=$(sim_token "$SIM_HTTP" tpp-1:s)
assert_eq "201 with a token" 201 \
    "$(req POST "$OB/pisp/domestic-payment-consents" -H "Authorization: Bearer $tok" -d x | cut -d'|' -f1)"
assert_eq "per-client counters see route traffic" 1 "$(sim_stats | jq '.clients["tpp-1"]["2xx"]')"
sim_config auth=off

# at run time: a new route, a changed status; the config shows them
sim_config 'route=PUT+/new=202' "route=POST+$OB/pisp/domestic-payment-consents=202"
assert_eq "route added at run time" 202 "$(req PUT /new/x -d x | cut -d'|' -f1)"
assert_eq "status changed at run time" 202 "$(req POST "$OB/pisp/domestic-payment-consents" -d x | cut -d'|' -f1)"
cfg=$(curl -s "$SIM_HTTP/_sim/config")
assert_eq "routes in /_sim/config" 5 "$(jq '.routes | length' <<< "$cfg")"
assert_eq "the echo API first" '{"methods":"*","path":"/echo/1.0.0","status":200}' "$(jq -c '.routes[0]' <<< "$cfg")"
assert_eq "a changed route" 202 "$(jq --arg p "$OB/pisp/domestic-payment-consents" '.routes[] | select(.path == $p) | .status' <<< "$cfg")"
# a bad route: 400 naming it, nothing changed (all or nothing)
out=$(curl -s -X POST -w ' %{http_code}' "$SIM_HTTP/_sim/config?route=PUT+/other=201&route=/x=302")
assert_contains "bad route at run time: 400" " 400" "$out"
assert_contains "bad route at run time: the message" "route: status '302'" "$out"
assert_eq "nothing changed" 404 "$(req PUT /other -d x | cut -d'|' -f1)"
sim_stop

# start-up errors name the option and say what to write
for bad in 'FETCH /x' 'x' '/x=204' 'GET /a b'; do
    rc=0
    out=$("$GATEWAYSIM" --listen "$ADDR" --http-port "$(free_port "$ADDR")" --route "$bad" 2>&1) || rc=$?
    assert_eq "--route '$bad': exit" 2 "$rc"
    assert_contains "--route '$bad': message" "--route: " "$out"
    assert_contains "--route '$bad': what to write" "[METHOD ]PATH[=STATUS]" "$out"
done
log "ok"
