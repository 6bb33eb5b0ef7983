# gatewaysim over HTTP/2: h2 chosen by ALPN on HTTPS (HTTP/1.1 still there
# for clients that ask for it), h2c with prior knowledge on the plain port
# (HTTP/1.1 beside it), the same routes and auth as HTTP/1.1, 100
# concurrent streams on one connection, the capacity model holding for
# streams as for connections, refused streams exact with even spacing,
# resets as RST_STREAM, GOAWAY after N streams, and the http2 counters of
# /_sim/stats agreeing with what nghttp2's clients (curl, h2load, nghttp)
# saw. Times are only bounded below, by the simulated service times.
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/gatewaysim.sh"
require_cmd h2load nghttp

ADDR=127.0.1.20
sim_certs
C=$SIM_CERTS

# h2load_count KEY FILE: one number of h2load's "requests:" line (KEY:
# total, started, done, succeeded, failed, errored, timeout)
h2load_count() {
    local key=$1 file=$2
    awk -v k="$key" '/^requests:/ { for (i = 2; i < NF; i++) if ($(i + 1) ~ "^" k) print $i }' "$file"
}
# version URL [CURL ARGS]: the HTTP version curl used ("2", "1.1")
version() {
    local url=$1
    shift
    curl -s -o /dev/null -w '%{http_version}' --max-time 10 "$@" "$url" || true
}

# ---- protocol selection ------------------------------------------------------------
sim_start "$ADDR" --name h2-node --cert "$C/server.pem" --key "$C/server.key"
U=$SIM_HTTP
S=$SIM_HTTPS
assert_eq "h2c with prior knowledge" 2 "$(version "$U/echo/1.0.0" --http2-prior-knowledge)"
assert_eq "plain HTTP/1.1 beside it" 1.1 "$(version "$U/echo/1.0.0")"
assert_eq "HTTPS: ALPN chooses h2" 2 "$(version "$S/echo/1.0.0" --cacert "$C/ca.pem" --http2)"
assert_eq "HTTPS: a client asking for HTTP/1.1 gets it" 1.1 \
    "$(version "$S/echo/1.0.0" --cacert "$C/ca.pem" --http1.1)"
out=$(curl -s --http2-prior-knowledge -D - "$U/echo/1.0.0?size=7")
assert_contains "h2c answer" "HTTP/2 200" "$out"
assert_contains "node header over HTTP/2" "x-gateway-node: h2-node" "$out"
assert_contains "echo body over HTTP/2" "xxxxxxx" "$out"
# the server's SETTINGS: --h2-max-streams (default 128) and a 16 MiB window
nghttp -nv "$U/echo/1.0.0" > "$T_TMP/nghttp" 2>&1 || fail "nghttp failed: $(tail -3 "$T_TMP/nghttp")"
assert_contains "SETTINGS max streams" "SETTINGS_MAX_CONCURRENT_STREAMS(0x03):128" "$(grep -A3 'recv SETTINGS' "$T_TMP/nghttp")"
assert_contains "SETTINGS window" "SETTINGS_INITIAL_WINDOW_SIZE(0x04):16777216" "$(cat "$T_TMP/nghttp")"
sim_config h2_max_streams=64
nghttp -nv "$U/echo/1.0.0" > "$T_TMP/nghttp" 2>&1 || fail "nghttp failed"
assert_contains "h2_max_streams at run time (new connections)" \
    "SETTINGS_MAX_CONCURRENT_STREAMS(0x03):64" "$(cat "$T_TMP/nghttp")"
sim_config h2_max_streams=128
assert_eq "config shows h2_max_streams" 128 "$(curl -s "$U/_sim/config" | jq .h2_max_streams)"

# a 1 MiB body both ways (more than HTTP/2's default 64 KiB windows)
head -c 1048576 /dev/zero | tr '\0' 'b' > "$T_TMP/body"
got=$(curl -s --http2-prior-knowledge --data-binary @"$T_TMP/body" -H 'Content-Type: text/plain' \
    "$U/echo/1.0.0" | wc -c)
assert_eq "1 MiB POST echoed over h2c" 1048576 "$got"
got=$(curl -s --http2 --cacert "$C/ca.pem" --data-binary @"$T_TMP/body" -H 'Content-Type: text/plain' \
    "$S/echo/1.0.0" | wc -c)
assert_eq "1 MiB POST echoed over h2 (TLS)" 1048576 "$got"

# the same routes and auth as HTTP/1.1
assert_eq "404 over h2" 404 "$(http_code "$U/nope" --http2-prior-knowledge)"
sim_config auth=on
assert_eq "no token: 401 over h2" 401 "$(http_code "$U/echo/1.0.0" --http2-prior-knowledge)"
tok=$(curl -s --http2-prior-knowledge -u c1:s1 -d grant_type=client_credentials "$U/oauth2/token" |
    jq -r '.access_token // empty')
[ -n "$tok" ] || fail "no token from /oauth2/token over h2"
assert_eq "token from h2 accepted" 200 \
    "$(http_code "$U/echo/1.0.0" --http2-prior-knowledge -H "Authorization: Bearer $tok")"
sim_config auth=off

# ---- 100 concurrent streams on one connection ------------------------------------------
sim_reset
timeout 60 h2load -n 100 -c 1 -m 100 "$S/echo/1.0.0" > "$T_TMP/h2load" 2>&1 || fail "h2load failed"
assert_contains "h2load chose h2 by ALPN" "Application protocol: h2" "$(cat "$T_TMP/h2load")"
assert_eq "100 concurrent streams answered" 100 "$(h2load_count succeeded "$T_TMP/h2load")"
st=$(sim_stats)
assert_eq "one HTTP/2 connection" 1 "$(jq .http2.connections <<< "$st")"
assert_eq "100 streams" 100 "$(jq .http2.streams <<< "$st")"
assert_eq "100 requests 2xx" 100 "$(jq '.requests["2xx"]' <<< "$st")"
sim_stop

# ---- the capacity model holds for streams ------------------------------------------------
# W=2, S=20ms: 200 requests need 200 x 20 ms / 2 = 2 s of service at least,
# whatever number of streams bring them
sim_start "$ADDR" --name h2-cap --workers 2 --service-time fixed:20ms
U=$SIM_HTTP
t0=$(now_ms)
timeout 60 h2load -n 200 -c 1 -m 50 "$U/echo/1.0.0" > "$T_TMP/h2load" 2>&1 || fail "h2load failed"
elapsed=$(($(now_ms) - t0))
assert_eq "200 answered" 200 "$(h2load_count succeeded "$T_TMP/h2load")"
assert_ge "2 workers x 20 ms: 200 requests take >= 2 s (ms)" 1990 "$elapsed"
st=$(sim_stats)
assert_eq "200 services" 200 "$(jq .service.count <<< "$st")"
assert_eq "the model's service time (ms)" 20 "$(jq '.service.max_ms | round' <<< "$st")"
assert_ge "streams waited for a worker" 1 "$(jq .queue.max_length <<< "$st")"
sim_stop

# ---- faults ------------------------------------------------------------------------------
sim_start "$ADDR" --name h2-faults --seed 7
U=$SIM_HTTP
# refused streams: exactly one in four with even spacing; never requests
sim_config h2_refuse_rate=0.25 fault_spacing=even
sim_reset
timeout 60 h2load -n 100 -c 1 -m 1 "$U/echo/1.0.0" > "$T_TMP/h2load" 2>&1 || true
assert_eq "refused: 75 answered" 75 "$(h2load_count succeeded "$T_TMP/h2load")"
assert_eq "refused: 25 failed at the client" 25 "$(h2load_count failed "$T_TMP/h2load")"
st=$(sim_stats)
assert_eq "stats refused_streams" 25 "$(jq .http2.refused_streams <<< "$st")"
assert_eq "refused streams are not requests" 75 "$(jq .requests.total <<< "$st")"
assert_eq "refused streams are counted as streams" 100 "$(jq .http2.streams <<< "$st")"
sim_config h2_refuse_rate=0

# --reset-rate: RST_STREAM INTERNAL_ERROR, the connection lives on
sim_config reset_rate=0.5
sim_reset
timeout 60 h2load -n 20 -c 1 -m 1 "$U/echo/1.0.0" > "$T_TMP/h2load" 2>&1 || true
assert_eq "reset: 10 answered" 10 "$(h2load_count succeeded "$T_TMP/h2load")"
assert_eq "reset: 10 failed" 10 "$(h2load_count failed "$T_TMP/h2load")"
st=$(sim_stats)
assert_eq "stats rst_streams" 10 "$(jq .http2.rst_streams <<< "$st")"
assert_eq "counted as resets" 10 "$(jq .requests.reset <<< "$st")"
assert_eq "one connection for all of them" 1 "$(jq .http2.connections <<< "$st")"
sim_config reset_rate=0

# GOAWAY after 5 streams: those 5 answered, then the node closes
sim_config h2_goaway_after=5
sim_reset
timeout 60 h2load -n 20 -c 1 -m 1 "$U/echo/1.0.0" > "$T_TMP/h2load" 2>&1 || true
assert_eq "goaway: 5 answered" 5 "$(h2load_count succeeded "$T_TMP/h2load")"
st=$(sim_stats)
assert_eq "stats goaways" 1 "$(jq .http2.goaways <<< "$st")"
assert_eq "5 streams on the connection" 5 "$(jq .http2.streams <<< "$st")"
assert_eq "5 requests" 5 "$(jq .requests.total <<< "$st")"
# in-flight streams finish before the close: 3 at once, GOAWAY after the 2nd
sim_config h2_goaway_after=2 service_time=fixed:300ms
sim_reset
nghttp -n "$U/echo/1.0.0?a=1" "$U/echo/1.0.0?a=2" "$U/echo/1.0.0?a=3" > /dev/null 2>&1 || true
st=$(sim_stats)
assert_eq "goaway: the 2 streams before it answered" 2 "$(jq '.requests["2xx"]' <<< "$st")"
assert_eq "goaway: none aborted" 0 "$(jq .requests.aborted <<< "$st")"
assert_eq "goaway counted" 1 "$(jq .http2.goaways <<< "$st")"
sim_config h2_goaway_after=0 service_time=0

# garbage after the preface: the connection is dropped, the node lives on
printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nnot a frame at all.....' |
    timeout 5 bash -c "exec 3<>/dev/tcp/$ADDR/${U##*:}; cat >&3; cat <&3 > /dev/null" || true
assert_eq "node alive after a bad HTTP/2 client" 200 "$(http_code "$U/echo/1.0.0" --http2-prior-knowledge)"
sim_stop
