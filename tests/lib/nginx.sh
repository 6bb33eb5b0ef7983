# tests/lib/nginx.sh — Debian's nginx as gateway nodes for integration tests.
# Source after common.sh.
#
#   nginx_nodes DIR ADDR...   starts one nginx (1 worker) serving, for each
#       loopback ADDR (node i = i-th address, named gw1, gw2, ...):
#         ADDR:8280  HTTP/1.1 (and h2c with prior knowledge on 8281)
#         ADDR:8243  HTTPS, HTTP/1.1 and HTTP/2 by ALPN, test-CA certificate
#         ADDR:8244  HTTPS (HTTP/1.1 and HTTP/2) that requires a client
#                    certificate from the CA
#         ADDR:8245  HTTPS (HTTP/1.1 and HTTP/2) with a certificate from an
#                    untrusted CA
#       Every answer: 200, a 100-byte body, header X-Gateway-Node: gwN.
#       Access logs: DIR/access-gwN.log, one line per request:
#         ADDR METHOD PATH PROTO STATUS h=X-TEST-HEADER dn=CLIENT-CERT-DN r|.
#       Certificates in DIR/certs (tools/make-certs). Sets NGINX_PID; the
#       server is stopped at exit by common.sh's trap.
#   nginx_count DIR NODE      requests in NODE's access log so far.

nginx_nodes() {
    local dir=$1; shift
    mkdir -p "$dir/tmp" "$dir/certs"
    "$GATECAP_TOP/tools/make-certs" "$dir/certs"
    local body
    body=$(printf '%0100d' 0)
    {
        echo "worker_processes 1;"
        echo "pid $dir/nginx.pid;"
        echo "error_log $dir/error.log warn;"
        echo "events { worker_connections 20000; }"
        echo "http {"
        echo "  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;"
        echo "  fastcgi_temp_path $dir/tmp/fcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;"
        echo "  keepalive_requests 10000000; keepalive_timeout 120s;"
        echo "  log_format plain '\$remote_addr \$request \$status h=\$http_x_test dn=\$ssl_client_s_dn \$ssl_session_reused';"
        echo "  ssl_certificate $dir/certs/server.pem; ssl_certificate_key $dir/certs/server.key;"
        echo "  ssl_session_cache shared:SSL:10m;"
        local i=0 addr
        for addr in "$@"; do
            i=$((i + 1))
            local loc="access_log $dir/access-gw$i.log plain; add_header X-Gateway-Node gw$i always;
    location / { default_type text/plain; return 200 '$body'; }"
            echo "  server { listen $addr:8280; listen $addr:8243 ssl http2; $loc }"
            echo "  server { listen $addr:8281 http2; $loc }"
            echo "  server { listen $addr:8244 ssl http2; ssl_verify_client on; ssl_client_certificate $dir/certs/ca.pem; $loc }"
            echo "  server { listen $addr:8245 ssl http2; ssl_certificate $dir/certs/untrusted/server.pem; ssl_certificate_key $dir/certs/untrusted/server.key; $loc }"
        done
        echo "}"
    } > "$dir/nginx.conf"
    bg_start "$dir/nginx.out" nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off; user root;'
    NGINX_PID=$BG_PID
    for addr in "$@"; do
        wait_for_port "$addr" 8280 10 "$NGINX_PID"
        wait_for_port "$addr" 8243 10 "$NGINX_PID"
    done
}

nginx_count() {
    local f="$1/access-$2.log"
    [ -f "$f" ] || { echo 0; return; }
    wc -l < "$f" | tr -d ' '
}
