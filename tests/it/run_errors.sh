#!/bin/bash
# Errors that point to the fix (issue 16), against the gateway simulator
# and Debian's nginx on their usual ports (127.0.2.18-20: 8280 HTTP, 8243
# HTTPS; nginx also 8244 with required client certificates):
#  - the node check names a plain request to a TLS port (the simulator
#    resets it, nginx answers 400) and TLS to a plain port (nginx answers
#    HTTP, the simulator stays silent until the connect timeout the test
#    sets): "8243 is the gateway's HTTPS port: use https://" and the
#    converse;
#  - a gateway that requires a client certificate, asked without one
#    (the simulator refuses the handshake over TLS 1.3 and 1.2, nginx
#    answers 400): "set tls.cert and tls.key";
#  - a failed check leaves no output folder it made, and leaves an
#    existing folder's previous results as they were;
#  - 5xx answers are counted by the WSO2 fault code in their bodies
#    (101503 from one node, 101504 from the other, exactly as many as the
#    simulator sent) and an example of what the gateway said is in the
#    summary, results.json and the reports, on both transports.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/gatewaysim.sh"
. "$GATECAP_TOP/tests/lib/nginx.sh"
. "$GATECAP_TOP/tests/lib/gatecap.sh"
require_cmd nginx jq

SIM=127.0.2.19 MTLS=127.0.2.18 NGX=127.0.2.20
sim_certs
C=$SIM_CERTS
sim_start "$SIM" --http-port 8280 --https-port 8243 --cert "$C/server.pem" --key "$C/server.key"
sim_start "$MTLS" --http-port 8280 --https-port 8243 --cert "$C/server.pem" --key "$C/server.key" \
    --client-ca "$C/ca.pem" --client app:right-secret
N="$T_TMP/nginx"
nginx_nodes "$N" "$NGX"
NCA="$N/certs/ca.pem"

# scenario NAME URL CA [EXTRA YAML]: a one-second run against URL.
scenario() {
    cat > "$T_TMP/$1.yaml" <<YAML
name: $1
targets: [{url: "$2", name: gw}]
tls: {ca: "$3"}
timeouts: {connect: 500ms, request: 10s}
requests: [{name: get, path: /echo/1.0.0}]
load: {phases: [{name: s, duration: 1s, rate: 5/s}]}
${4:-}
YAML
}

# check_fails NAME WANT: the run stopped at the node check (exit 3), its
# message has WANT, and it left no output folder.
check_fails() {
    run "$1"
    assert_eq "$1: exit code" 3 "$RC"
    assert_contains "$1: message" "$2" "$(cat "$T_TMP/$1.log")"
    [ ! -e "$T_TMP/$1" ] || fail "$1: the failed check left $(ls -a "$T_TMP/$1" | tr '\n' ' ')"
}

for tr in native curl; do
    log "$tr: http:// to the simulator's TLS port (it resets the connection)"
    scenario "plain-sim-$tr" "http://$SIM:8243" "$C/ca.pem" "generator: {transport: $tr}"
    check_fails "plain-sim-$tr" "port 8243 speaks TLS, not plain HTTP: 8243 is the gateway's HTTPS port: use https://"

    log "$tr: https:// to the simulator's plain port (silent until the connect timeout)"
    scenario "tls-sim-$tr" "https://$SIM:8280" "$C/ca.pem" "generator: {transport: $tr}"
    check_fails "tls-sim-$tr" "no answer within 500 ms: port 8280 speaks plain HTTP, not TLS: 8280 is the gateway's HTTP port: use http://"

    for v in 1.3 1.2; do
        log "$tr: no client certificate to the simulator's mutual TLS port (TLS $v)"
        scenario "mtls-sim-$tr-$v" "https://$MTLS:8243" "$C/ca.pem" \
            "generator: {transport: $tr}"
        sed -i "s|^tls: {ca: \"\\(.*\\)\"}|tls: {ca: \"\\1\", max_version: \"$v\"}|" \
            "$T_TMP/mtls-sim-$tr-$v.yaml"
        check_fails "mtls-sim-$tr-$v" "the gateway requires a client certificate (mutual TLS): set tls.cert and tls.key"
    done
done

log "http:// to nginx's TLS port (it answers 400)"
scenario plain-nginx "http://$NGX:8243" "$NCA"
check_fails plain-nginx "port 8243 speaks TLS, not plain HTTP: 8243 is the gateway's HTTPS port: use https://"
assert_contains "nginx: what it said" "It said: <html>" "$(cat "$T_TMP/plain-nginx.log")"

log "https:// to nginx's plain port (it answers HTTP to the ClientHello)"
scenario tls-nginx "https://$NGX:8280" "$NCA"
check_fails tls-nginx "port 8280 speaks plain HTTP, not TLS: 8280 is the gateway's HTTP port: use http://"

log "no client certificate to nginx's 8244 (it answers 400)"
scenario mtls-nginx "https://$NGX:8244" "$NCA"
check_fails mtls-nginx "the gateway requires a client certificate (mutual TLS): set tls.cert and tls.key"
assert_contains "nginx: what it said" "No required SSL certificate was sent" \
    "$(cat "$T_TMP/mtls-nginx.log")"
# ... and with it, the same scenario runs
sed -i "s|^tls: {ca: \"\\(.*\\)\"}|tls: {ca: \"\\1\", cert: \"$N/certs/client.pem\", key: \"$N/certs/client.key\"}|" \
    "$T_TMP/mtls-nginx.yaml"
run mtls-nginx
run_ok mtls-nginx
assert_eq "mutual TLS with the certificate" 5 "$(jr mtls-nginx '.totals.all.outcomes["2xx"]')"

log "a failed check: folders gatecap made are removed; a folder that was there keeps its files"
scenario deep "https://$NGX:8280" "$NCA"
RC=0
"$GATECAP" run "$T_TMP/deep.yaml" -o "$T_TMP/a/b/c" --junit "$T_TMP/j/k/junit.xml" --quiet \
    > "$T_TMP/deep.log" 2>&1 || RC=$?
assert_eq "deep: exit code" 3 "$RC"
[ ! -e "$T_TMP/a" ] || fail "the failed check left $T_TMP/a"
[ ! -e "$T_TMP/j" ] || fail "the failed check left $T_TMP/j"
mkdir -p "$T_TMP/kept"
echo '{"old": true}' > "$T_TMP/kept/results.json"
RC=0
"$GATECAP" run "$T_TMP/deep.yaml" -o "$T_TMP/kept" --quiet > "$T_TMP/deep.log" 2>&1 || RC=$?
assert_eq "kept: exit code" 3 "$RC"
assert_eq "kept: the previous results" '{"old": true}' "$(cat "$T_TMP/kept/results.json")"
assert_eq "kept: nothing else" "results.json" "$(ls -A "$T_TMP/kept")"
# a token endpoint that refuses the application stops the run there too
scenario token "http://$SIM:8280" "$C/ca.pem" \
    "auth: {token_url: \"http://$MTLS:8280/oauth2/token\", client_id: app, client_secret: wrong}"
check_fails token "invalid_client"

# Half of each node's answers are 5xx, evenly spaced: 503 (WSO2 code
# 101503) from one node, 504 (101504) from the other. Each run sends 49
# requests to each node after its check, so every check is an even
# request of the simulator's count: a 200.
sim_config "http://$SIM:8280" error_rate=0.5 fault_spacing=even error_status=503
sim_config "http://$MTLS:8280" error_rate=0.5 fault_spacing=even error_status=504
for tr in native curl; do
    log "$tr: 5xx answers counted by WSO2 fault code, and shown"
    sim_reset "http://$SIM:8280"
    sim_reset "http://$MTLS:8280"
    cat > "$T_TMP/faults-$tr.yaml" <<YAML
name: faults-$tr
targets: [{url: "http://$SIM:8280", name: gw1}, {url: "http://$MTLS:8280", name: gw2}]
generator: {transport: $tr}
requests: [{name: get, path: /echo/1.0.0}]
load: {phases: [{name: s, duration: 2s, rate: 49/s}]}
YAML
    run "faults-$tr"
    [ "$RC" = 0 ] || [ "$RC" = 3 ] || fail "faults-$tr: exit code $RC"
    n503=$(sim_stats "http://$SIM:8280" | jq '.by_status["503"] // 0')
    n504=$(sim_stats "http://$MTLS:8280" | jq '.by_status["504"] // 0')
    assert_ge "$tr: 503s sent" 20 "$n503"
    assert_ge "$tr: 504s sent" 20 "$n504"
    assert_eq "$tr: gw1 101503" "$n503" "$(jr "faults-$tr" '.totals.by_node.gw1.faults_by["101503"]')"
    assert_eq "$tr: gw2 101504" "$n504" "$(jr "faults-$tr" '.totals.by_node.gw2.faults_by["101504"]')"
    assert_eq "$tr: all faults" "{\"101503\":$n503,\"101504\":$n504}" \
        "$(jr "faults-$tr" '.totals.all.faults_by | tojson')"
    assert_eq "$tr: 5xx" "$((n503 + n504))" "$(jr "faults-$tr" '.totals.all.outcomes["5xx"]')"
    ex=$(jr "faults-$tr" '.error_examples["5xx"]')
    case "$ex" in
        'HTTP 503 from gw1: {"fault":{"code":101503,"message":"Runtime Error","description":"Error connecting to the back end"}}' | \
        'HTTP 504 from gw2: {"fault":{"code":101504,"message":"Runtime Error","description":"Send timeout"}}') ;;
        *) fail "$tr: the 5xx example: $ex" ;;
    esac
    assert_contains "$tr: the summary's example" "5xx, e.g.: $ex" "$(cat "$T_TMP/faults-$tr.log")"
    assert_contains "$tr: the summary's counts" "fault:101503=$n503 fault:101504=$n504" \
        "$(cat "$T_TMP/faults-$tr.log")"
    assert_contains "$tr: report.md" "WSO2 fault codes in the error answers: 101503 $n503, 101504 $n504" \
        "$(cat "$T_TMP/faults-$tr/report.md")"
    assert_contains "$tr: report.html" "101503" "$(cat "$T_TMP/faults-$tr/report.html")"
done
log "ok"
