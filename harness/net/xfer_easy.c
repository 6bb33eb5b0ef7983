/*
 * xfer_easy.c — one libcurl easy handle's options for a request (shared
 * settings, TLS from the scenario's bytes, URL, headers, the rendered
 * parts of a templated request), libcurl's failures explained, and an
 * easy handle set up for request 0 outside the transports (the node
 * check's, run/probe.c); see xfer_easy.h and xfer_int.h.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "measure/recorder.h"
#include "net/auth.h"
#include "net/hint.h"
#include "net/render.h"
#include "net/reqsig.h"
#include "net/xfer.h"
#include "net/xfer_easy.h"
#include "net/xfer_int.h"
#include "net/xfer_tls.h"
#include "scenario/scenario.h"

int xfer_check_support(const struct scenario *scn, char *err, size_t err_len)
{
    curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (scn->http_version != 2)
        return 0;
    if (!(v->features & CURL_VERSION_HTTP2)) {
        snprintf(err, err_len,
                 "http: \"2\" needs a libcurl built with HTTP/2 (this one, %s, "
                 "is not)",
                 v->version);
        return -1;
    }
    /* libcurl before 8.0.0 fails every request after the first on a reused
     * HTTP/2 prior-knowledge connection ("Error in the HTTP2 framing
     * layer", curl issue 10634): refuse rather than measure that. The
     * native HTTP/2 transport speaks h2c itself. */
    for (size_t i = 0; !xfer_native(scn) && i < scn->n_targets; i++)
        if (!scn->targets[i].https && v->version_num < 0x080000) {
            snprintf(err, err_len,
                     "target %s: HTTP/2 without TLS (h2c) is broken in libcurl %s (reused "
                     "prior-knowledge connections fail; fixed in libcurl 8.0.0); use an https "
                     "target for http: \"2\", generator.transport: auto (gatecap's own HTTP/2 "
                     "client), or http: \"1.1\"",
                     scn->targets[i].name, v->version);
            return -1;
        }
    return 0;
}

static long tls_version(const char *s, bool max)
{
    if (!s)
        return max ? CURL_SSLVERSION_MAX_DEFAULT : CURL_SSLVERSION_TLSv1_2;
    if (!strcmp(s, "1.0"))
        return max ? CURL_SSLVERSION_MAX_TLSv1_0 : CURL_SSLVERSION_TLSv1_0;
    if (!strcmp(s, "1.1"))
        return max ? CURL_SSLVERSION_MAX_TLSv1_1 : CURL_SSLVERSION_TLSv1_1;
    if (!strcmp(s, "1.3"))
        return max ? CURL_SSLVERSION_MAX_TLSv1_3 : CURL_SSLVERSION_TLSv1_3;
    return max ? CURL_SSLVERSION_MAX_TLSv1_2 : CURL_SSLVERSION_TLSv1_2;
}

/* Options shared by every request of the run, set once per easy handle. */
void xfer_set_common(CURL *e, const struct scenario *scn, struct curl_slist *resolve,
                     struct xfer_tls_hook *hook)
{
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)scn->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)scn->request_timeout_ms);
    if (resolve)
        curl_easy_setopt(e, CURLOPT_RESOLVE, resolve);
    const struct scn_tls *t = &scn->tls;
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, t->insecure ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, t->insecure ? 0L : 2L);
    xfer_easy_tls_hook(e, hook);
    xfer_easy_cert(e, &t->cert, &t->key, t->key_password);
    if (t->ciphers)
        curl_easy_setopt(e, CURLOPT_SSL_CIPHER_LIST, t->ciphers);
    if (t->tls13_ciphers)
        curl_easy_setopt(e, CURLOPT_TLS13_CIPHERS, t->tls13_ciphers);
    curl_easy_setopt(e, CURLOPT_SSLVERSION,
                     tls_version(t->min_version, false) | tls_version(t->max_version, true));
    curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, t->session_resumption ? 1L : 0L);
    if (scn->http_version == 2)
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
}

/* HTTP/2 is negotiated by ALPN over TLS and spoken with prior knowledge
 * over plain HTTP. */
static long http_version(const struct scenario *scn, const struct scn_target *t)
{
    if (scn->http_version != 2)
        return CURL_HTTP_VERSION_1_1;
    return t->https ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
}

/* Per-request options: URL, method, headers, body, connection policy. */
void xfer_set_request(CURL *e, const struct scenario *scn, const struct scn_request *rq,
                      size_t target, CURLU *url, struct curl_slist *headers, bool fresh)
{
    curl_easy_setopt(e, CURLOPT_CURLU, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, http_version(scn, &scn->targets[target]));
    if (rq->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_bytes);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, strcmp(rq->method, "POST") ? rq->method : NULL);
    } else if (!strcmp(rq->method, "HEAD")) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, strcmp(rq->method, "GET") ? rq->method : NULL);
    }
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, fresh ? 1L : 0L);
}

/* "scheme://host:port/base" of a target (owned), or NULL; host is the
 * server_name when it has one (libcurl verifies, sends as SNI and puts in
 * Host the URL's host; CURLOPT_CONNECT_TO takes it to the address). */
char *xfer_target_prefix(const struct scn_target *t)
{
    char *p = NULL;
    const char *host = t->server_name ? t->server_name : t->host;
    bool v6 = strchr(host, ':') != NULL;
    if (asprintf(&p, "%s://%s%s%s:%d%s", t->https ? "https" : "http", v6 ? "[" : "", host,
                 v6 ? "]" : "", t->port, t->base_path) < 0)
        return NULL;
    return p;
}

const char *xfer_target_address(const struct scn_target *t, const char *const *resolve,
                                size_t n_resolve)
{
    char want[512];
    int n = snprintf(want, sizeof want, "%s:%d:", t->host, t->port);
    for (size_t i = 0; i < n_resolve && n > 0 && (size_t)n < sizeof want; i++)
        if (!strncmp(resolve[i], want, (size_t)n))
            return resolve[i] + n;
    unsigned char a[16];
    if (inet_pton(AF_INET, t->host, a) == 1 || inet_pton(AF_INET6, t->host, a) == 1)
        return t->host;
    return NULL;
}

int xfer_build_connect_to(const struct scn_target *t, const char *const *resolve, size_t n_resolve,
                          struct curl_slist **out)
{
    *out = NULL;
    const char *addr = xfer_target_address(t, resolve, n_resolve);
    const char *host = t->server_name ? t->server_name : t->host;
    unsigned char a[16];
    if (!addr || inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1)
        return 0; /* reached by its address already, or not pinned */
    bool v6 = strchr(addr, ':') && addr[0] != '[';
    char entry[600];
    int n = snprintf(entry, sizeof entry, v6 ? "%s:%d:[%s]:%d" : "%s:%d:%s:%d", host, t->port, addr,
                     t->port);
    if (n < 0 || (size_t)n >= sizeof entry || !(*out = curl_slist_append(NULL, entry)))
        return -1;
    return 0;
}

int xfer_build_url(const char *prefix, const struct scn_request *rq, CURLU **out)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s%s", prefix, rq->path);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    CURLU *u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, buf, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        return -1;
    }
    *out = u;
    return 0;
}

struct curl_slist *xfer_build_headers(const struct scn_request *rq)
{
    /* "Expect:" stops libcurl from waiting for 100-continue on bodies. */
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");
    for (size_t i = 0; l && i < rq->n_headers; i++) {
        char line[8192];
        const struct scn_header *h = &rq->headers[i];
        snprintf(line, sizeof line, "%s: %s", h->name, h->value);
        struct curl_slist *n = curl_slist_append(l, line);
        if (!n) {
            curl_slist_free_all(l);
            return NULL;
        }
        l = n;
    }
    return l;
}

struct curl_slist *xfer_build_resolve(const char *const *resolve, size_t n)
{
    struct curl_slist *l = NULL;
    for (size_t i = 0; i < n; i++) {
        struct curl_slist *m = curl_slist_append(l, resolve[i]);
        if (!m) {
            curl_slist_free_all(l);
            return NULL;
        }
        l = m;
    }
    return l;
}

/* The request's header list with templated values: nodes (n_headers + 1
 * of them) are chained in the order of base (the request's static list:
 * "Expect:", then its headers), taking rb's line for each templated one. */
struct curl_slist *xfer_chain_headers(struct curl_slist *nodes, const struct scn_request *rq,
                                      struct curl_slist *base, const struct render_bufs *rb)
{
    struct curl_slist *b = base;
    for (size_t i = 0; i <= rq->n_headers && b; i++, b = b->next) {
        const struct scn_header *h = i ? &rq->headers[i - 1] : NULL;
        nodes[i].data = h && h->tpl ? rb->lines[i - 1].data : b->data;
        nodes[i].next = i < rq->n_headers ? &nodes[i + 1] : NULL;
    }
    return nodes;
}

/* Points e at the rendered URL and body (after set_request). */
void xfer_set_rendered(CURL *e, const struct scn_request *rq, const struct render_bufs *rb)
{
    if (rq->path_tpl) {
        curl_easy_setopt(e, CURLOPT_CURLU, NULL);
        curl_easy_setopt(e, CURLOPT_URL, rb->url.data);
    }
    if (rq->body_tpl) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rb->body.len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, rb->body.data);
    }
}

/* OpenSSL's client-certificate callback (a CertificateRequest came and
 * the connection holds no certificate): noted in the hook the context's
 * app data points to. None is sent. */
static int on_cert_request(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    (void)x509;
    (void)pkey;
    struct xfer_tls_hook *hook = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    if (hook && !SSL_get_certificate(ssl))
        hook->cert_asked = true;
    return 0;
}

/* CURLOPT_SSL_CTX_FUNCTION: every new connection's context, after libcurl
 * set it up (libcurl leaves SSL_CTX app data alone). */
static CURLcode on_ssl_ctx(CURL *e, void *ctx, void *userp)
{
    (void)e;
    struct xfer_tls_hook *hook = userp;
    if (hook->store)
        SSL_CTX_set1_cert_store((SSL_CTX *)ctx, hook->store);
    SSL_CTX_set_app_data((SSL_CTX *)ctx, hook);
    SSL_CTX_set_client_cert_cb((SSL_CTX *)ctx, on_cert_request);
    return CURLE_OK;
}

void xfer_easy_tls_hook(CURL *e, struct xfer_tls_hook *hook)
{
    curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
    curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, hook);
}

void xfer_easy_cert(CURL *e, const struct scn_pem *cert, const struct scn_pem *key,
                    const char *password)
{
    /* NOCOPY: the scenario's bytes outlive every handle (libcurl keeps
     * the pointer, and compares the bytes to match connections) */
    struct curl_blob c = {.flags = CURL_BLOB_NOCOPY}, k = {.flags = CURL_BLOB_NOCOPY};
    bool some = cert && cert->data;
    if (some) {
        c.data = cert->data;
        c.len = cert->len;
        k.data = key->data ? key->data : cert->data;
        k.len = key->data ? key->len : cert->len;
    }
    curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, some ? &c : NULL);
    curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, some ? &k : NULL);
    curl_easy_setopt(e, CURLOPT_KEYPASSWD, some ? password : NULL);
}

bool xfer_easy_explain(CURL *e, const struct scenario *scn, size_t target, int rc, bool cert_asked,
                       enum rec_outcome *oc, char *msg, size_t cap)
{
    const struct scn_target *t = &scn->targets[target];
    char why[CURL_ERROR_SIZE], hint[160];
    snprintf(why, sizeof why, "%s", msg);
    if (rc == CURLE_OK || *oc == OC_REFUSED)
        return false;
    if (!t->https) {
        /* libcurl shows none of the bytes ("Received HTTP/0.9 when not
         * allowed", a reset): the port's usual role alone can say */
        if ((*oc != OC_OTHER && *oc != OC_RESET) ||
            !hint_scheme(hint, sizeof hint, t->port, true, HINT_PORT))
            return false;
        snprintf(msg, cap, "%s; %s", why, hint);
        return true;
    }
    if (cert_asked && *oc != OC_TIMEOUT) {
        *oc = OC_TLS; /* however it ended: a reset, a closed connection, an alert */
        snprintf(msg, cap, "TLS with %s: %s", t->name, HINT_CLIENT_CERT);
        return true;
    }
    if (*oc == OC_TIMEOUT) {
        /* connected (libcurl keeps no connect time for a failed transfer,
         * but the local port), handshake not done */
        long local_port = 0;
        curl_off_t tls = 0;
        curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &local_port);
        curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &tls);
        /* (a run's transports name only a port whose usual role is plain
         * HTTP: a handshake that gets no answer is mostly a busy gateway;
         * the node check says more, probe_failure) */
        if (!local_port || tls || !hint_scheme(hint, sizeof hint, t->port, false, HINT_PORT))
            return false;
        snprintf(msg, cap, "TLS handshake with %s: no answer within %.0f ms: %s", t->name,
                 scn->connect_timeout_ms, hint);
        return true;
    }
    struct hint_tls_facts f = {.port = t->port, .why = why};
    if (!hint_tls_failure(&f, hint, sizeof hint))
        return false;
    snprintf(msg, cap, "TLS handshake with %s: %s", t->name, hint);
    return true;
}

struct xfer_easy {
    CURL *e;
    struct xfer_tls_hook hook; /* the CAs, built for this handle */
    CURLU *url;
    struct curl_slist *headers, *nodes, *res, *connect_to;
    struct curl_slist auth_node; /* the token header, ahead of the request's */
    struct curl_slist sig_node;  /* request 0's sign: header (reqsig.h), ahead of that */
    char *auth_line, *prefix, *sig_line;
    struct render_bufs rb;
};

void xfer_easy_free(struct xfer_easy *xe)
{
    if (!xe)
        return;
    curl_easy_cleanup(xe->e);
    curl_url_cleanup(xe->url);
    curl_slist_free_all(xe->headers);
    curl_slist_free_all(xe->res);
    curl_slist_free_all(xe->connect_to);
    free(xe->nodes);
    free(xe->prefix);
    free(xe->sig_line);
    render_bufs_free(&xe->rb);
    if (xe->auth_line) {
        explicit_bzero(xe->auth_line, strlen(xe->auth_line));
        free(xe->auth_line);
    }
    X509_STORE_free(xe->hook.store);
    free(xe);
}

/* Request 0's sign: header, as application 0 signs it, ahead of *use. */
static int add_sign(struct xfer_easy *xe, const struct scenario *scn, struct auth_pool *auth,
                    const struct scn_request *rq0, struct curl_slist **use)
{
    struct reqsig *rs = NULL;
    if (reqsig_new(scn, &rs) || !(xe->sig_line = malloc(REQSIG_LINE_MAX))) {
        reqsig_free(rs);
        return -1;
    }
    bool rendered = rq0->body_tpl != NULL;
    long n = reqsig_line(rs, auth, scn, rq0, 0, rendered ? xe->rb.body.data : rq0->body,
                         rendered    ? xe->rb.body.len
                         : rq0->body ? rq0->body_bytes
                                     : 0,
                         xe->sig_line, REQSIG_LINE_MAX);
    reqsig_free(rs);
    if (n <= 0)
        return -1;
    xe->sig_node.data = xe->sig_line;
    xe->sig_node.next = *use;
    *use = &xe->sig_node;
    return 0;
}

int xfer_easy_new(const struct scenario *scn, const char *const *resolve, size_t n_resolve,
                  struct auth_pool *auth, size_t target, struct xfer_easy **out, char *err,
                  size_t err_len)
{
    const struct scn_request *rq0 = &scn->requests[0];
    const struct scn_target *t = &scn->targets[target];
    struct xfer_easy *xe = calloc(1, sizeof *xe);
    *out = NULL;
    if (!xe)
        goto nomem;
    if (!(xe->hook.store = xfer_tls_store(&scn->tls, err, err_len))) {
        xfer_easy_free(xe);
        return -1;
    }
    struct curl_slist *use = xe->headers = xfer_build_headers(rq0);
    bool dynamic = render_needed(rq0);
    if (!(xe->e = curl_easy_init()) || !use || !(xe->prefix = xfer_target_prefix(t)) ||
        (n_resolve && !(xe->res = xfer_build_resolve(resolve, n_resolve))) ||
        (!rq0->path_tpl && xfer_build_url(xe->prefix, rq0, &xe->url)) ||
        xfer_build_connect_to(t, resolve, n_resolve, &xe->connect_to))
        goto nomem;
    if (dynamic) {
        /* the first row of every feeder, without using up any */
        static const size_t first_rows[TPL_MAX_FEEDERS];
        uint64_t rng = 0x2545f4914f6cdd1dULL;
        struct tpl_ctx ctx = {.feeders = (const struct feeder *const *)scn->feeders,
                              .rows = first_rows,
                              .rng = &rng,
                              .wall_ns = clock_wall_ns()};
        if (render_request(rq0, xe->prefix, &ctx, &xe->rb))
            goto nomem;
        if (xe->rb.n_lines) {
            if (!(xe->nodes = calloc(rq0->n_headers + 1, sizeof *xe->nodes)))
                goto nomem;
            use = xfer_chain_headers(xe->nodes, rq0, use, &xe->rb);
        }
    }
    if (auth) {
        uint32_t gen;
        char tok[8192];
        size_t len = auth_token_copy(auth, 0, tok, sizeof tok, &gen);
        if (!len || len >= sizeof tok ||
            asprintf(&xe->auth_line, "%s: %s%s", scn->auth.header, scn->auth.prefix, tok) < 0) {
            xe->auth_line = NULL;
            explicit_bzero(tok, sizeof tok);
            goto nomem;
        }
        explicit_bzero(tok, sizeof tok);
        xe->auth_node.data = xe->auth_line;
        xe->auth_node.next = use;
        use = &xe->auth_node;
        if (rq0->sign && add_sign(xe, scn, auth, rq0, &use))
            goto nomem;
    }
    xfer_set_common(xe->e, scn, xe->res, &xe->hook);
    xfer_set_request(xe->e, scn, rq0, target, xe->url, use, false);
    curl_easy_setopt(xe->e, CURLOPT_CONNECT_TO, xe->connect_to);
    if (dynamic)
        xfer_set_rendered(xe->e, rq0, &xe->rb);
    if (auth && scn->auth.apps[0].cert.data)
        xfer_easy_cert(xe->e, &scn->auth.apps[0].cert, &scn->auth.apps[0].key, NULL);
    *out = xe;
    return 0;
nomem:
    snprintf(err, err_len, "could not prepare the request");
    xfer_easy_free(xe);
    return -1;
}

CURL *xfer_easy_handle(const struct xfer_easy *xe)
{
    return xe->e;
}

bool xfer_easy_cert_asked(const struct xfer_easy *xe)
{
    return xe->hook.cert_asked;
}
