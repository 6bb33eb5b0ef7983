/*
 * net/test_xfer_h2.c — the native HTTP/2 transport (harness/net/xfer_h2*.c)
 * against an HTTP/2 server on loopback: a thread of this test running
 * nghttp2's server side, answering as the test case says. h2c with prior
 * knowledge, TLS with ALPN h2 (and a server that does not agree), many
 * streams on one connection (max_streams), requests waiting for a stream
 * when the server allows fewer (SETTINGS_MAX_CONCURRENT_STREAMS), the
 * server's RST_STREAM and REFUSED_STREAM, GOAWAY, bytes that are not
 * HTTP/2, request timeouts (the stream cancelled), the node header, 429
 * with Retry-After, kept answers, a request body, a large answer
 * (flow-control windows), what goes out as header fields (templates,
 * :authority, no connection-specific fields), a new connection per
 * request (tls.connections new), running out of descriptors (local) and
 * a refused connect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ev.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/xfer.h"
#include "scenario/scenario.h"
#include "testcerts.h"
#include "testutil.h"

#define ADDR "127.0.12.1"

/* ------------------------------------------------------- HTTP/2 server */

enum mode {
    S_OK,      /* 200 "ok" with x-node: n1 */
    S_SLOW,    /* 200, 50 ms after the request */
    S_RST,     /* RST_STREAM INTERNAL_ERROR */
    S_REFUSED, /* RST_STREAM REFUSED_STREAM */
    S_GOAWAY,  /* GOAWAY with last stream 1 once two requests came; stream 1 answered */
    S_PROTO,   /* a DATA frame on stream 0: not HTTP/2 */
    S_SILENT,  /* never answers */
    S_429,     /* WSO2-style throttled answer with retry-after: 7 */
    S_BIG,     /* 200 with a 1 MiB body */
    S_ECHO,    /* 200 with the request body's length as its body */
};

#define BODY_429 "{\"fault\":{\"code\":900803,\"message\":\"Message throttled out\",\"x\":\"yy\"}}"
#define BIG_BYTES (1 << 20)

struct sconn;
struct srv {
    int lfd, port;
    SSL_CTX *ctx; /* TLS, or NULL */
    bool alpn_h2; /* select "h2" */
    uint32_t max_streams;
    pthread_t th;
    atomic_int mode;
    atomic_bool stop;
    atomic_int conns, requests, open, max_open;
    atomic_uint last_rst;   /* error code of the last RST_STREAM received, +1 (0: none) */
    atomic_bool close_idle; /* GOAWAY NO_ERROR to each idle connection, then close it */
    atomic_int idle_closed; /* connections so closed (counted once the socket is closed) */
    pthread_mutex_t mu;     /* guards the last request's fields below */
    char path[128], authority[128], seq[32], ctype[64];
    int bad_fields; /* connection-specific or upper-case names received */
};

struct pend {
    int32_t id;
    int64_t at_ns;
    size_t body_len;
};

struct sconn {
    struct srv *sv;
    int fd;
    SSL *ssl;
    nghttp2_session *sess;
    struct pend pend[64];
    size_t n_pend;
    size_t got_body[256]; /* request body bytes by stream id / 2 */
    bool dead;
    int seen; /* requests on this connection */
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void raw_write(struct sconn *c, const void *p, size_t n)
{
    const char *b = p;
    while (n && !c->dead) {
        ssize_t w = c->ssl ? SSL_write(c->ssl, b, (int)n) : send(c->fd, b, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (!c->ssl && (errno == EAGAIN || errno == EINTR))
                continue;
            c->dead = true;
            return;
        }
        b += w;
        n -= (size_t)w;
    }
}

static void flush_out(struct sconn *c)
{
    const uint8_t *p;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(c->sess, &p)) > 0)
        raw_write(c, p, (size_t)n);
}

static ssize_t body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *user)
{
    (void)s;
    (void)id;
    (void)user;
    size_t *left = src->ptr; /* [0]: bytes left, [1]: offset into the text (or 0) */
    const char *text = (const char *)left[2];
    size_t n = left[0] < len ? left[0] : len;
    for (size_t i = 0; i < n; i++)
        buf[i] = text ? (uint8_t)text[left[1] + i] : (uint8_t)'b';
    left[0] -= n;
    left[1] += n;
    if (!left[0]) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        free(left);
    }
    return (ssize_t)n;
}

static void respond(struct sconn *c, int32_t id, const char *status, const char *body, size_t len,
                    const char *extra_name, const char *extra_value)
{
    nghttp2_nv nv[3];
    size_t n = 0;
#define NV(N, V)                                                                                   \
    nv[n++] = (nghttp2_nv){(uint8_t *)(uintptr_t)(N), (uint8_t *)(uintptr_t)(V), strlen(N),        \
                           strlen(V), NGHTTP2_NV_FLAG_NONE}
    NV(":status", status);
    NV("x-node", "n1");
    if (extra_name)
        NV(extra_name, extra_value);
#undef NV
    size_t *src = malloc(3 * sizeof *src);
    src[0] = len;
    src[1] = 0;
    src[2] = (size_t)(uintptr_t)body;
    nghttp2_data_provider dp = {.source = {.ptr = src}, .read_callback = body_read};
    nghttp2_submit_response(c->sess, id, nv, n, &dp);
}

/* Acts on a complete request per the mode. */
static void on_request(struct sconn *c, struct pend *p)
{
    static char echo[32];
    switch (atomic_load(&c->sv->mode)) {
    case S_OK:
    case S_SLOW:
        respond(c, p->id, "200", "ok", 2, NULL, NULL);
        break;
    case S_RST:
        nghttp2_submit_rst_stream(c->sess, NGHTTP2_FLAG_NONE, p->id, NGHTTP2_INTERNAL_ERROR);
        break;
    case S_REFUSED:
        nghttp2_submit_rst_stream(c->sess, NGHTTP2_FLAG_NONE, p->id, NGHTTP2_REFUSED_STREAM);
        break;
    case S_GOAWAY:
        break; /* (done when two are pending) */
    case S_PROTO:
        flush_out(c);
        raw_write(c, "\x00\x00\x01\x00\x00\x00\x00\x00\x00x", 10);
        break;
    case S_SILENT:
        break;
    case S_429:
        respond(c, p->id, "429", BODY_429, strlen(BODY_429), "retry-after", "7");
        break;
    case S_BIG:
        respond(c, p->id, "200", NULL, BIG_BYTES, NULL, NULL);
        break;
    case S_ECHO:
        snprintf(echo, sizeof echo, "%zu", p->body_len);
        respond(c, p->id, "200", echo, strlen(echo), NULL, NULL);
        break;
    }
}

static int s_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
    (void)s;
    struct sconn *c = user;
    if (f->hd.type == NGHTTP2_RST_STREAM)
        atomic_store(&c->sv->last_rst, f->rst_stream.error_code + 1);
    if ((f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) &&
        f->hd.stream_id) {
        int o = atomic_fetch_add(&c->sv->open, 1) + 1;
        int m = atomic_load(&c->sv->max_open);
        while (o > m && !atomic_compare_exchange_weak(&c->sv->max_open, &m, o))
            ;
    }
    if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
        (f->hd.flags & NGHTTP2_FLAG_END_STREAM) && c->n_pend < 64) {
        atomic_fetch_add(&c->sv->requests, 1);
        c->seen++;
        int32_t id = f->hd.stream_id;
        c->pend[c->n_pend++] =
            (struct pend){id, now_ns() + (atomic_load(&c->sv->mode) == S_SLOW ? 50000000 : 0),
                          (size_t)id / 2 < 256 ? c->got_body[id / 2] : 0};
    }
    return 0;
}

static int s_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *d, size_t len,
                  void *user)
{
    (void)s;
    (void)flags;
    (void)d;
    struct sconn *c = user;
    if ((size_t)id / 2 < 256)
        c->got_body[id / 2] += len;
    return 0;
}

static int s_stream_close(nghttp2_session *s, int32_t id, uint32_t code, void *user)
{
    (void)s;
    (void)id;
    (void)code;
    atomic_fetch_sub(&((struct sconn *)user)->sv->open, 1);
    return 0;
}

static void copy_field(struct srv *sv, char *dst, size_t cap, const uint8_t *v, size_t n)
{
    pthread_mutex_lock(&sv->mu);
    snprintf(dst, cap, "%.*s", (int)n, (const char *)v);
    pthread_mutex_unlock(&sv->mu);
}

static int s_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
                    const uint8_t *value, size_t vlen, uint8_t flags, void *user)
{
    (void)s;
    (void)f;
    (void)flags;
    struct srv *sv = ((struct sconn *)user)->sv;
#define IS(lit) (nlen == sizeof(lit) - 1 && !memcmp(name, lit, nlen))
    if (IS(":path"))
        copy_field(sv, sv->path, sizeof sv->path, value, vlen);
    else if (IS(":authority"))
        copy_field(sv, sv->authority, sizeof sv->authority, value, vlen);
    else if (IS("x-seq"))
        copy_field(sv, sv->seq, sizeof sv->seq, value, vlen);
    else if (IS("content-type"))
        copy_field(sv, sv->ctype, sizeof sv->ctype, value, vlen);
    else if (IS("host") || IS("connection") || IS("keep-alive") || IS("transfer-encoding") ||
             IS("te"))
        sv->bad_fields++;
#undef IS
    for (size_t i = 0; i < nlen; i++)
        if (name[i] >= 'A' && name[i] <= 'Z')
            sv->bad_fields++;
    return 0;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    for (unsigned i = 0; i + 1 < inlen; i += 1u + in[i])
        if (in[i] == 2 && i + 3 <= inlen && !memcmp(in + i + 1, "h2", 2)) {
            *out = in + i + 1;
            *outlen = 2;
            return SSL_TLSEXT_ERR_OK;
        }
    return SSL_TLSEXT_ERR_NOACK;
}

static struct sconn *sconn_new(struct srv *sv, int fd)
{
    struct sconn *c = calloc(1, sizeof *c);
    c->sv = sv;
    c->fd = fd;
    if (sv->ctx) {
        c->ssl = SSL_new(sv->ctx);
        SSL_set_fd(c->ssl, fd);
        if (SSL_accept(c->ssl) != 1)
            c->dead = true;
    }
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, s_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, s_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, s_stream_close);
    nghttp2_session_callbacks_set_on_header_callback(cb, s_header);
    nghttp2_session_server_new(&c->sess, cb, c);
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, sv->max_streams}};
    nghttp2_submit_settings(c->sess, NGHTTP2_FLAG_NONE, iv, 1);
    flush_out(c);
    return c;
}

static void sconn_free(struct sconn *c)
{
    nghttp2_session_del(c->sess);
    if (c->ssl)
        SSL_free(c->ssl);
    close(c->fd);
    free(c);
}

/* Reads what came on c and answers what is due. */
static void sconn_serve(struct sconn *c, bool readable)
{
    uint8_t buf[16384];
    while (readable && !c->dead) {
        ssize_t n = c->ssl ? SSL_read(c->ssl, buf, sizeof buf) : recv(c->fd, buf, sizeof buf, 0);
        if (n <= 0) {
            c->dead = true;
            break;
        }
        if (nghttp2_session_mem_recv(c->sess, buf, (size_t)n) < 0)
            c->dead = true;
        if (!c->ssl || !SSL_pending(c->ssl))
            break;
    }
    if (atomic_load(&c->sv->mode) == S_GOAWAY) {
        if (c->n_pend >= 2) {
            nghttp2_submit_goaway(c->sess, NGHTTP2_FLAG_NONE, c->pend[0].id, NGHTTP2_NO_ERROR, NULL,
                                  0);
            respond(c, c->pend[0].id, "200", "ok", 2, NULL, NULL);
            c->n_pend = 0;
        }
    } else {
        int64_t now = now_ns();
        for (size_t i = 0; i < c->n_pend;)
            if (c->pend[i].at_ns <= now) {
                struct pend p = c->pend[i];
                c->pend[i] = c->pend[--c->n_pend];
                on_request(c, &p);
            } else {
                i++;
            }
    }
    if (!c->dead)
        flush_out(c);
}

static void *srv_main(void *arg)
{
    struct srv *sv = arg;
    struct pollfd p[17];
    struct sconn *cs[17] = {0};
    size_t n = 1;
    p[0] = (struct pollfd){.fd = sv->lfd, .events = POLLIN};
    while (!atomic_load(&sv->stop)) {
        int r = poll(p, n, 5);
        if (r > 0 && (p[0].revents & POLLIN)) {
            int fd = accept(sv->lfd, NULL, NULL);
            if (fd >= 0 && n < 17) {
                cs[n] = sconn_new(sv, fd);
                p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
                atomic_fetch_add(&sv->conns, 1);
            } else if (fd >= 0) {
                close(fd);
            }
        }
        for (size_t i = 1; i < n; i++) {
            sconn_serve(cs[i], r > 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)));
            bool idle_close = !cs[i]->dead && atomic_load(&sv->close_idle) && !cs[i]->n_pend &&
                              !nghttp2_session_want_write(cs[i]->sess);
            if (idle_close) {
                nghttp2_submit_goaway(cs[i]->sess, NGHTTP2_FLAG_NONE,
                                      nghttp2_session_get_last_proc_stream_id(cs[i]->sess),
                                      NGHTTP2_NO_ERROR, NULL, 0);
                flush_out(cs[i]);
                cs[i]->dead = true;
            }
            if (cs[i]->dead) {
                sconn_free(cs[i]);
                cs[i] = cs[n - 1];
                p[i--] = p[--n];
                if (idle_close)
                    atomic_fetch_add(&sv->idle_closed, 1);
            }
        }
    }
    for (size_t i = 1; i < n; i++)
        sconn_free(cs[i]);
    close(sv->lfd);
    return NULL;
}

/* A server (TLS with a certificate for ADDR signed by a CA written to
 * ca_path when ca_path is not NULL; alpn_h2: it selects "h2"). */
static struct srv *srv_start(const char *ca_path, bool alpn_h2, uint32_t max_streams)
{
    struct srv *sv = calloc(1, sizeof *sv);
    pthread_mutex_init(&sv->mu, NULL);
    sv->max_streams = max_streams;
    sv->alpn_h2 = alpn_h2;
    if (ca_path) {
        EVP_PKEY *ca_key = test_key(), *key = test_key();
        X509 *ca = test_cert(ca_key, "test CA", NULL, NULL, -60, 86400, NULL);
        X509 *cert = test_cert(key, "node", ca, ca_key, -60, 86400, "IP:" ADDR);
        test_save_cert(ca_path, ca);
        sv->ctx = SSL_CTX_new(TLS_server_method());
        assert_int_equal(SSL_CTX_use_certificate(sv->ctx, cert), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey(sv->ctx, key), 1);
        if (alpn_h2)
            SSL_CTX_set_alpn_select_cb(sv->ctx, alpn_select, NULL);
        X509_free(ca);
        X509_free(cert);
        EVP_PKEY_free(ca_key);
        EVP_PKEY_free(key);
    }
    sv->lfd = test_listen(ADDR, 0, &sv->port);
    assert_int_equal(pthread_create(&sv->th, NULL, srv_main, sv), 0);
    return sv;
}

static void srv_stop(struct srv *sv)
{
    atomic_store(&sv->stop, true);
    pthread_join(sv->th, NULL);
    SSL_CTX_free(sv->ctx);
    pthread_mutex_destroy(&sv->mu);
    free(sv);
}

/* ------------------------------------------------------------- client */

#define SLOTS 16

struct client {
    struct ev_loop *loop;
    struct scenario *scn;
    struct xfer *x;
    bool in_start, reported_in_start;
    int done;
    struct xfer_result res[SLOTS];
    char error[SLOTS][256];
    char node[SLOTS][64];
    char body[SLOTS][512];
    char head[SLOTS][512];
};

static void on_done(void *user, size_t slot, const struct xfer_result *r)
{
    struct client *c = user;
    if (c->in_start)
        c->reported_in_start = true;
    c->done++;
    c->res[slot] = *r;
    snprintf(c->error[slot], sizeof c->error[slot], "%s", r->error ? r->error : "");
    snprintf(c->node[slot], sizeof c->node[slot], "%s", r->node ? r->node : "");
    if (r->whole_body)
        snprintf(c->body[slot], sizeof c->body[slot], "%.*s", (int)r->whole_body_len,
                 r->whole_body);
    else
        snprintf(c->body[slot], sizeof c->body[slot], "%.*s", (int)r->body_len,
                 r->body ? r->body : "");
    snprintf(c->head[slot], sizeof c->head[slot], "%.*s", (int)r->head_len, r->head ? r->head : "");
}

static void client_new(struct client *c, const char *scheme, int port, const char *extra)
{
    char yaml[2048], err[1024];
    memset(c, 0, sizeof *c);
    snprintf(yaml, sizeof yaml,
             "targets: [\"%s://" ADDR ":%d\"]\nhttp: \"2\"\nnode_header: X-Node\n"
             "load: {workers: 1, phases: [{duration: 1s, rate: 1/s}]}\n%s%s",
             scheme, port, extra && strstr(extra, "requests:") ? "" : "requests: [{path: /t}]\n",
             extra ? extra : "timeouts: {request: 2s}\n");
    if (scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &c->scn, err, sizeof err))
        fail_msg("scenario: %s", err);
    c->loop = ev_loop_new(EVFLAG_AUTO);
    if (xfer_new(c->loop, c->scn, NULL, 0, NULL, SLOTS, 1, on_done, c, &c->x, err, sizeof err))
        fail_msg("xfer_new: %s", err);
}

static void client_free(struct client *c)
{
    xfer_free(c->x);
    ev_loop_destroy(c->loop);
    scenario_free(c->scn);
}

static void on_spin(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)t;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

static void spin(struct client *c, double ms)
{
    ev_timer t;
    ev_timer_init(&t, on_spin, ms / 1000.0, 0.);
    ev_timer_start(c->loop, &t);
    ev_run(c->loop, 0);
    ev_timer_stop(c->loop, &t);
}

/* Starts n requests in slots 0..n-1 (keep: their answers kept) and waits
 * (up to 10 s) for them all. */
static void run_n(struct client *c, int n, bool keep)
{
    int want = c->done + n;
    for (int i = 0; i < n; i++) {
        struct xfer_req rq = {
            .request = 0, .target = 0, .app = XFER_NO_APP, .keep = keep, .body_limit = 100};
        c->in_start = true;
        xfer_start(c->x, (size_t)i, &rq);
        c->in_start = false;
    }
    for (int i = 0; i < 1000 && c->done < want; i++)
        spin(c, 10);
    assert_int_equal(c->done, want);
    assert_false(c->reported_in_start);
}

/* ------------------------------------------------------------------ tests */

static void h2c_get(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    struct client c;
    client_new(&c, "http", sv->port, NULL);
    run_n(&c, 1, false);
    assert_int_equal(c.res[0].outcome, OC_2XX);
    assert_int_equal(c.res[0].status, 200);
    assert_true(c.res[0].expected);
    assert_true(c.res[0].new_connection);
    assert_string_equal(c.node[0], "n1");
    assert_true(c.res[0].ttfb_us > 0);
    assert_true(c.res[0].bytes_sent > 0 && c.res[0].bytes_received > 0);
    assert_false(c.res[0].stream_wait);
    run_n(&c, 1, false); /* the connection is reused */
    assert_int_equal(c.res[0].outcome, OC_2XX);
    assert_false(c.res[0].new_connection);
    assert_int_equal(atomic_load(&sv->conns), 1);
    client_free(&c);
    srv_stop(sv);
}

static void tls_alpn_h2_and_refusal(void **state)
{
    (void)state;
    char ca[128], extra[256];
    snprintf(ca, sizeof ca, "%s/h2ca.pem", test_dir);
    struct srv *sv = srv_start(ca, true, 100);
    struct client c;
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\"}\n", ca);
    client_new(&c, "https", sv->port, extra);
    run_n(&c, 1, false);
    if (c.res[0].outcome != OC_2XX)
        fail_msg("TLS h2: %s", c.error[0]);
    assert_true(c.res[0].new_connection);
    assert_true(c.res[0].tls_us > 0);
    assert_string_equal(c.node[0], "n1");
    client_free(&c);
    srv_stop(sv);
    /* a server that selects no protocol */
    sv = srv_start(ca, false, 100);
    client_new(&c, "https", sv->port, extra);
    run_n(&c, 1, false);
    assert_int_equal(c.res[0].outcome, OC_TLS);
    if (!strstr(c.error[0], "did not agree to HTTP/2 (ALPN)") || !strstr(c.error[0], ADDR))
        fail_msg("ALPN refusal: %s", c.error[0]);
    client_free(&c);
    srv_stop(sv);
}

static void many_streams_on_one_connection(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    atomic_store(&sv->mode, S_SLOW);
    struct client c;
    client_new(&c, "http", sv->port,
               "http2: {max_streams: 8, connections: 1}\ntimeouts: {request: 5s}\n");
    run_n(&c, 8, false);
    for (int i = 0; i < 8; i++)
        assert_int_equal(c.res[i].outcome, OC_2XX);
    assert_int_equal(atomic_load(&sv->conns), 1);
    assert_int_equal(atomic_load(&sv->max_open), 8);
    client_free(&c);
    srv_stop(sv);
    /* max_streams 1 (the default): a connection per request in flight */
    sv = srv_start(NULL, false, 100);
    atomic_store(&sv->mode, S_SLOW);
    client_new(&c, "http", sv->port, NULL);
    run_n(&c, 4, false);
    assert_int_equal(atomic_load(&sv->conns), 4);
    client_free(&c);
    srv_stop(sv);
}

static void stream_wait_under_server_limit(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 2);
    atomic_store(&sv->mode, S_SLOW);
    struct client c;
    client_new(&c, "http", sv->port,
               "http2: {max_streams: 10, connections: 1}\ntimeouts: {request: 5s}\n");
    run_n(&c, 1, false); /* the server's SETTINGS are known after this */
    run_n(&c, 6, false);
    int waited = 0;
    for (int i = 0; i < 6; i++) {
        if (c.res[i].outcome != OC_2XX)
            fail_msg("request %d: %s", i, c.error[i]);
        waited += c.res[i].stream_wait;
    }
    assert_int_equal(waited, 4);
    assert_int_equal(atomic_load(&sv->max_open), 2);
    assert_int_equal(atomic_load(&sv->conns), 1);
    client_free(&c);
    srv_stop(sv);
}

/* A first burst on a new connection, before the server's SETTINGS: one
 * stream goes out, the rest once the server's limit is known; none is
 * refused for exceeding a limit gatecap had not heard yet. */
static void first_burst_waits_for_the_server_settings(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 2);
    atomic_store(&sv->mode, S_SLOW);
    struct client c;
    client_new(&c, "http", sv->port,
               "http2: {max_streams: 10, connections: 1}\ntimeouts: {request: 5s}\n");
    run_n(&c, 6, false);
    int waited = 0;
    for (int i = 0; i < 6; i++) {
        if (c.res[i].outcome != OC_2XX)
            fail_msg("request %d: %s", i, c.error[i]);
        waited += c.res[i].stream_wait;
    }
    assert_int_equal(waited, 4); /* those beyond the server's 2 */
    assert_int_equal(atomic_load(&sv->requests), 6);
    assert_int_equal(atomic_load(&sv->max_open), 2);
    assert_int_equal(atomic_load(&sv->conns), 1);
    client_free(&c);
    srv_stop(sv);
}

static void rst_stream_is_a_reset_with_its_code(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    atomic_store(&sv->mode, S_RST);
    struct client c;
    client_new(&c, "http", sv->port, NULL);
    run_n(&c, 1, false);
    assert_int_equal(c.res[0].outcome, OC_RESET);
    if (!strstr(c.error[0], "RST_STREAM INTERNAL_ERROR"))
        fail_msg("%s", c.error[0]);
    atomic_store(&sv->mode, S_REFUSED);
    run_n(&c, 1, false);
    assert_int_equal(c.res[0].outcome, OC_RESET);
    if (!strstr(c.error[0], "refused stream"))
        fail_msg("%s", c.error[0]);
    assert_int_equal(atomic_load(&sv->requests), 2); /* never re-sent */
    atomic_store(&sv->mode, S_OK);
    run_n(&c, 1, false); /* the connection carries on */
    assert_int_equal(c.res[0].outcome, OC_2XX);
    assert_int_equal(atomic_load(&sv->conns), 1);
    client_free(&c);
    srv_stop(sv);
}

static void goaway_fails_the_streams_above_it(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    atomic_store(&sv->mode, S_GOAWAY);
    struct client c;
    client_new(&c, "http", sv->port, "http2: {max_streams: 2}\ntimeouts: {request: 5s}\n");
    run_n(&c, 2, false);
    assert_int_equal(c.res[0].outcome, OC_2XX);
    assert_int_equal(c.res[1].outcome, OC_RESET);
    if (!strstr(c.error[1], "GOAWAY"))
        fail_msg("%s", c.error[1]);
    atomic_store(&sv->mode, S_OK);
    run_n(&c, 1, false); /* on a new connection */
    assert_int_equal(c.res[0].outcome, OC_2XX);
    assert_true(c.res[0].new_connection);
    assert_int_equal(atomic_load(&sv->conns), 2);
    client_free(&c);
    srv_stop(sv);
}

/* A server closing an idle connection on purpose (GOAWAY NO_ERROR, then
 * the close: a gateway's keep-alive timeout, gatewaysim's --idle-timeout):
 * nothing is reported, and the next request goes on a new connection. */
static void idle_close_by_the_server(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    struct client c;
    client_new(&c, "http", sv->port, NULL);
    run_n(&c, 1, false);
    assert_int_equal(c.res[0].outcome, OC_2XX);
    atomic_store(&sv->close_idle, true);
    for (int i = 0; i < 1000 && atomic_load(&sv->idle_closed) < 1; i++)
        spin(&c, 10);
    assert_int_equal(atomic_load(&sv->idle_closed), 1);
    atomic_store(&sv->close_idle, false);
    spin(&c, 10);                /* the GOAWAY and the close are in the socket: read them */
    assert_int_equal(c.done, 1); /* nothing reported for them */
    run_n(&c, 1, false);
    if (c.res[0].outcome != OC_2XX)
        fail_msg("%s", c.error[0]);
    assert_true(c.res[0].new_connection);
    assert_int_equal(atomic_load(&sv->conns), 2);
    client_free(&c);
    srv_stop(sv);
}

static void protocol_error_is_other(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    atomic_store(&sv->mode, S_PROTO);
    struct client c;
    client_new(&c, "http", sv->port, NULL);
    run_n(&c, 1, false);
    if (c.res[0].outcome != OC_OTHER)
        fail_msg("outcome %d: %s", c.res[0].outcome, c.error[0]);
    if (!strstr(c.error[0], "HTTP/2 protocol error") || !strstr(c.error[0], ADDR))
        fail_msg("%s", c.error[0]);
    client_free(&c);
    srv_stop(sv);
}

static void timeout_cancels_the_stream(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    atomic_store(&sv->mode, S_SILENT);
    struct client c;
    client_new(&c, "http", sv->port, "timeouts: {request: 200ms}\n");
    run_n(&c, 1, false);
    assert_int_equal(c.res[0].outcome, OC_TIMEOUT);
    if (!strstr(c.error[0], "RST_STREAM CANCEL"))
        fail_msg("%s", c.error[0]);
    for (int i = 0; i < 100 && !atomic_load(&sv->last_rst); i++)
        spin(&c, 10);
    assert_int_equal(atomic_load(&sv->last_rst), NGHTTP2_CANCEL + 1);
    atomic_store(&sv->mode, S_OK);
    run_n(&c, 1, false); /* same connection */
    assert_int_equal(c.res[0].outcome, OC_2XX);
    assert_false(c.res[0].new_connection);
    client_free(&c);
    srv_stop(sv);
}

static void throttled_answer_details(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    atomic_store(&sv->mode, S_429);
    struct client c;
    client_new(&c, "http", sv->port, NULL);
    run_n(&c, 1, false);
    assert_int_equal(c.res[0].outcome, OC_429);
    assert_int_equal(c.res[0].retry_after_s, 7);
    assert_int_equal(c.res[0].throttle_kind, 900803 - REC_THROTTLE_CODE0);
    assert_string_equal(c.body[0], BODY_429);
    client_free(&c);
    srv_stop(sv);
}

static void kept_answer_and_bodies(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    struct client c;
    client_new(&c, "http", sv->port, NULL);
    run_n(&c, 1, true);
    assert_int_equal(c.res[0].outcome, OC_2XX);
    assert_string_equal(c.body[0], "ok");
    if (!strstr(c.head[0], "x-node: n1\r\n"))
        fail_msg("head: %s", c.head[0]);
    /* a large answer is not held up by flow control */
    atomic_store(&sv->mode, S_BIG);
    run_n(&c, 1, true);
    assert_int_equal(c.res[0].outcome, OC_2XX);
    assert_true(c.res[0].body_truncated);
    assert_true(c.res[0].bytes_received > BIG_BYTES);
    client_free(&c);
    /* a request body goes out whole */
    atomic_store(&sv->mode, S_ECHO);
    client_new(&c, "http", sv->port,
               "requests: [{method: POST, path: /p, body: \"0123456789\"}]\n"
               "timeouts: {request: 2s}\n");
    run_n(&c, 1, true);
    assert_int_equal(c.res[0].outcome, OC_2XX);
    assert_string_equal(c.body[0], "10");
    client_free(&c);
    srv_stop(sv);
}

/* What goes out: the request as HTTP/1.1 would send it, as HTTP/2 fields
 * (templates rendered per request, Host as :authority, lower-case names,
 * nothing connection-specific). */
static void templates_and_fields(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    struct client c;
    client_new(&c, "http", sv->port,
               "requests: [{path: \"/t/${seq}\", method: POST, body: \"n=${seq}\",\n"
               "            headers: {X-Seq: \"s${seq}\", TE: gzip}}]\n"
               "timeouts: {request: 2s}\n");
    struct xfer_req rq = {.request = 0, .target = 0, .app = XFER_NO_APP, .seq = 42};
    xfer_start(c.x, 0, &rq);
    for (int i = 0; i < 500 && !c.done; i++)
        spin(&c, 10);
    assert_int_equal(c.res[0].outcome, OC_2XX);
    char want[64];
    snprintf(want, sizeof want, ADDR ":%d", sv->port);
    pthread_mutex_lock(&sv->mu);
    assert_string_equal(sv->path, "/t/42");
    assert_string_equal(sv->authority, want);
    assert_string_equal(sv->seq, "s42");
    assert_string_equal(sv->ctype, "application/x-www-form-urlencoded");
    assert_int_equal(sv->bad_fields, 0);
    pthread_mutex_unlock(&sv->mu);
    client_free(&c);
    srv_stop(sv);
}

/* tls.connections: new — a connection per request, closed after it. */
static void new_connection_per_request(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    struct client c;
    client_new(&c, "http", sv->port,
               "tls: {connections: new}\nhttp2: {max_streams: 4}\ntimeouts: {request: 2s}\n");
    for (int i = 0; i < 3; i++) {
        run_n(&c, 1, false);
        assert_int_equal(c.res[0].outcome, OC_2XX);
        assert_true(c.res[0].new_connection);
    }
    assert_int_equal(atomic_load(&sv->conns), 3);
    client_free(&c);
    srv_stop(sv);
}

#define FILL_MAX 64

/* Every descriptor this process may open, taken (the limit lowered to a
 * few above those open). */
struct filled {
    struct rlimit was;
    int fds[FILL_MAX];
    int n;
};

static void fill_fds(struct filled *f)
{
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &f->was), 0);
    int lowest = 0;
    while (fcntl(lowest, F_GETFD) >= 0)
        lowest++;
    struct rlimit rl = f->was;
    rl.rlim_cur = (rlim_t)lowest + 8;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    f->n = 0;
    while (f->n < FILL_MAX && (f->fds[f->n] = open("/dev/null", O_RDONLY)) >= 0)
        f->n++;
    assert_int_equal(errno, EMFILE);
}

static void unfill_fds(struct filled *f)
{
    while (f->n)
        close(f->fds[--f->n]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &f->was), 0);
}

/* Out of descriptors: the generator's failure (local), not the node's;
 * reported from the loop, never from inside xfer_start. */
static void out_of_descriptors_is_local(void **state)
{
    (void)state;
    struct srv *sv = srv_start(NULL, false, 100);
    struct client c;
    client_new(&c, "http", sv->port, NULL);
    struct filled f;
    fill_fds(&f);
    run_n(&c, 1, false);
    unfill_fds(&f);
    assert_true(c.res[0].local);
    if (!strstr(c.error[0], "cannot open a socket: Too many open files"))
        fail_msg("error: %s", c.error[0]);
    run_n(&c, 1, false); /* with descriptors again, all is well */
    assert_false(c.res[0].local);
    assert_int_equal(c.res[0].outcome, OC_2XX);
    client_free(&c);
    srv_stop(sv);
}

static void refused_connect(void **state)
{
    (void)state;
    int port;
    int fd = test_listen(ADDR, 0, &port);
    close(fd); /* nothing listens there now */
    struct client c;
    client_new(&c, "http", port, NULL);
    run_n(&c, 1, false);
    assert_int_equal(c.res[0].outcome, OC_REFUSED);
    client_free(&c);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* (the server's SSL_write to a closed client) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(h2c_get),
        cmocka_unit_test(tls_alpn_h2_and_refusal),
        cmocka_unit_test(many_streams_on_one_connection),
        cmocka_unit_test(stream_wait_under_server_limit),
        cmocka_unit_test(first_burst_waits_for_the_server_settings),
        cmocka_unit_test(rst_stream_is_a_reset_with_its_code),
        cmocka_unit_test(goaway_fails_the_streams_above_it),
        cmocka_unit_test(idle_close_by_the_server),
        cmocka_unit_test(protocol_error_is_other),
        cmocka_unit_test(timeout_cancels_the_stream),
        cmocka_unit_test(throttled_answer_details),
        cmocka_unit_test(kept_answer_and_bodies),
        cmocka_unit_test(templates_and_fields),
        cmocka_unit_test(new_connection_per_request),
        cmocka_unit_test(out_of_descriptors_is_local),
        cmocka_unit_test(refused_connect),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
