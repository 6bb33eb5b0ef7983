/*
 * xfer_h2_sess.c — the nghttp2 side of a native HTTP/2 connection: the
 * client session and its settings, requests turned into header fields,
 * and the callbacks that read answers into their slots and classify how
 * each stream ended. Nothing here touches a socket: bytes come in through
 * h2_conn_feed, and xfer_h2.c writes what the session has to send (the
 * fuzz target feeds a session the same way).
 *
 * How a stream ends, as docs/scenario.md ("HTTP/2") says:
 *   - END_STREAM after a final status: the answer's class, whatever
 *     follows (a RST_STREAM NO_ERROR, RFC 9113 8.1).
 *   - RST_STREAM from the server: reset, naming its error code
 *     (REFUSED_STREAM: "refused stream"); never re-sent.
 *   - GOAWAY whose last stream id is below the stream: reset ("GOAWAY").
 *   - closed by nghttp2 for a malformed answer, or the whole session ended
 *     for bytes that are not HTTP/2: other ("HTTP/2 protocol error").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "net/xfer_h2_int.h"
#include "scenario/scenario.h"

#define H2_WINDOW ((1 << 30) - 1) /* flow-control windows (h2load's) */

/* The request on stream id of c, or NULL (none, or one that ended: a
 * stream whose request timed out before it was opened may still carry
 * its slot). */
static struct h2slot *stream_slot(struct h2conn *c, int32_t id)
{
    struct h2slot *s = id > 0 ? nghttp2_session_get_stream_user_data(c->sess, id) : NULL;
    return s && s->busy && s->conn == c && s->stream_id == id ? s : NULL;
}

static const char *node_name(const struct h2conn *c)
{
    return c->x->scn->targets[c->target].name;
}

/* nghttp2_on_begin_headers_callback: the first byte of an answer. */
static int on_begin_headers(nghttp2_session *sess, const nghttp2_frame *f, void *user)
{
    (void)sess;
    (void)user;
    struct h2slot *s = f->hd.type == NGHTTP2_HEADERS ? stream_slot(user, f->hd.stream_id) : NULL;
    if (s) {
        if (!s->first_byte_ns)
            s->first_byte_ns = clock_now_ns();
        s->interim = false;
    }
    return 0;
}

static void keep_head(struct h2slot *s, const uint8_t *name, size_t nlen, const uint8_t *value,
                      size_t vlen)
{
    h1p_keep_head(&s->kept, (const char *)name, nlen);
    h1p_keep_head(&s->kept, ": ", 2);
    h1p_keep_head(&s->kept, (const char *)value, vlen);
    h1p_keep_head(&s->kept, "\r\n", 2);
}

/* nghttp2_on_header_callback: the status, the node header, Retry-After,
 * and every field of a kept answer. Trailers and 1xx blocks are skipped. */
static int on_header(nghttp2_session *sess, const nghttp2_frame *f, const uint8_t *name,
                     size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *user)
{
    (void)sess;
    (void)flags;
    (void)user;
    struct h2slot *s = f->hd.type == NGHTTP2_HEADERS ? stream_slot(user, f->hd.stream_id) : NULL;
    if (!s || s->interim)
        return 0;
    struct xh2 *x = s->x;
    if (nlen == 7 && !memcmp(name, ":status", 7)) {
        int st = 0;
        for (size_t i = 0; i < vlen && i < 4 && value[i] >= '0' && value[i] <= '9'; i++)
            st = st * 10 + (value[i] - '0');
        if (st >= 100 && st < 200) {
            s->interim = true; /* a 1xx: its fields are not the answer's */
            return 0;
        }
        s->status = st;
        s->peek = st < 200 || st > 299 || x->nv.peek_2xx[s->request];
        if (s->keep) {
            char line[32];
            int n = snprintf(line, sizeof line, "HTTP/2 %d\r\n", st);
            h1p_keep_clear(&s->kept, s->body_limit);
            h1p_keep_head(&s->kept, line, (size_t)n);
        }
        return 0;
    }
    if (!s->status || s->ended)
        return 0; /* trailers */
    if (s->keep)
        keep_head(s, name, nlen, value, vlen);
    if (x->node_header_len && nlen == x->node_header_len &&
        !strncasecmp((const char *)name, x->scn->node_header, nlen)) {
        while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
            vlen--;
        while (vlen && (*value == ' ' || *value == '\t')) {
            value++;
            vlen--;
        }
        s->node_len = vlen < sizeof s->node - 1 ? vlen : sizeof s->node - 1;
        memcpy(s->node, value, s->node_len);
        s->node[s->node_len] = '\0';
    } else if (nlen == 11 && !memcmp(name, "retry-after", 11)) {
        while (vlen && (*value == ' ' || *value == '\t')) {
            value++;
            vlen--;
        }
        s->retry_after_s = h1p_retry_after((const char *)value, vlen);
    }
    return 0;
}

/* nghttp2_on_data_chunk_recv_callback: body bytes. */
static int on_data(nghttp2_session *sess, uint8_t flags, int32_t id, const uint8_t *data,
                   size_t len, void *user)
{
    (void)sess;
    (void)flags;
    (void)user;
    struct h2slot *s = stream_slot(user, id);
    if (!s)
        return 0;
    if (!s->first_byte_ns)
        s->first_byte_ns = clock_now_ns();
    if (s->peek && s->peek_len < sizeof s->peek_buf) {
        size_t n = sizeof s->peek_buf - s->peek_len;
        if (n > len)
            n = len;
        memcpy(s->peek_buf + s->peek_len, data, n);
        s->peek_len += n;
    }
    if (s->keep)
        h1p_keep_body(&s->kept, (const char *)data, len);
    return 0;
}

/* The server's first SETTINGS: its stream limit is known. The requests a
 * new connection took beyond it (in the order sent, nghttp2's) wait in
 * nghttp2's queue for a stream, as they would have in the pool's. */
static void first_settings(struct h2conn *c)
{
    c->settings_seen = true;
    uint32_t limit =
        nghttp2_session_get_remote_settings(c->sess, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    uint32_t k = 0;
    for (struct h2slot *s = c->s_first; s; s = s->cs_next)
        if (k++ >= limit)
            s->stream_wait = true;
}

/* nghttp2_on_frame_recv_callback: bytes per stream, END_STREAM,
 * RST_STREAM's code, GOAWAY. */
static int on_frame_recv(nghttp2_session *sess, const nghttp2_frame *f, void *user)
{
    (void)sess;
    struct h2conn *c = user;
    struct h2slot *s = stream_slot(user, f->hd.stream_id);
    if (s)
        s->bytes_received += (int64_t)f->hd.length + 9;
    switch (f->hd.type) {
    case NGHTTP2_DATA:
    case NGHTTP2_HEADERS:
        if (s && (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
            s->ended = true;
        break;
    case NGHTTP2_RST_STREAM:
        if (s) {
            s->rst = true;
            s->rst_code = f->rst_stream.error_code;
        }
        break;
    case NGHTTP2_SETTINGS:
        if (!(f->hd.flags & NGHTTP2_FLAG_ACK) && !c->settings_seen)
            first_settings(c);
        break;
    case NGHTTP2_GOAWAY:
        c->goaway = true;
        c->goaway_last = f->goaway.last_stream_id;
        c->goaway_code = f->goaway.error_code;
        break;
    default:
        break;
    }
    return 0;
}

/* nghttp2_on_frame_send_callback: when the request went out (TTFB
 * counts from its HEADERS), its bytes, and a GOAWAY nghttp2 sends for a
 * protocol error of the server's. */
static int on_frame_send(nghttp2_session *sess, const nghttp2_frame *f, void *user)
{
    (void)sess;
    struct h2conn *c = user;
    struct h2slot *s = stream_slot(user, f->hd.stream_id);
    if (s) {
        s->bytes_sent += (int64_t)f->hd.length + 9;
        if (f->hd.type == NGHTTP2_HEADERS && !s->write_ns)
            s->write_ns = clock_now_ns();
    }
    if (f->hd.type == NGHTTP2_GOAWAY && f->goaway.error_code != NGHTTP2_NO_ERROR) {
        c->proto_error = true;
        if (!c->perr[0])
            snprintf(c->perr, sizeof c->perr, "%s", nghttp2_http2_strerror(f->goaway.error_code));
    }
    return 0;
}

/* nghttp2_error_callback2: keeps nghttp2's first message about the
 * server's bytes, for the protocol error it leads to. */
static int on_error(nghttp2_session *sess, int code, const char *msg, size_t len, void *user)
{
    (void)sess;
    (void)code;
    struct h2conn *c = user;
    if (!c->perr[0])
        snprintf(c->perr, sizeof c->perr, "%.*s", (int)len, msg);
    return 0;
}

/* nghttp2_on_stream_close_callback: the stream's outcome. */
static int on_stream_close(nghttp2_session *sess, int32_t id, uint32_t code, void *user)
{
    (void)sess;
    struct h2conn *c = user;
    struct h2slot *s = stream_slot(user, id);
    if (!s)
        return 0;
    const char *node = node_name(c);
    enum rec_outcome oc;
    if (s->ended && s->status) {
        /* a whole answer, whatever came after it: a server may reset the
         * stream with NO_ERROR once it answered without reading all of
         * the request (RFC 9113 8.1) */
        oc = rec_outcome_of_status(s->status);
    } else if (s->rst && s->rst_code == NGHTTP2_REFUSED_STREAM) {
        oc = OC_RESET;
        snprintf(s->err, sizeof s->err,
                 "refused stream: %s reset it with RST_STREAM REFUSED_STREAM (not re-sent)", node);
    } else if (s->rst) {
        oc = OC_RESET;
        snprintf(s->err, sizeof s->err, "%s reset the stream: RST_STREAM %s", node,
                 nghttp2_http2_strerror(s->rst_code));
    } else if (c->goaway && id > c->goaway_last) {
        oc = OC_RESET;
        snprintf(s->err, sizeof s->err,
                 "GOAWAY from %s (%s, last stream %d): stream %d not processed (not re-sent)", node,
                 nghttp2_http2_strerror(c->goaway_code), (int)c->goaway_last, (int)id);
    } else if (code != NGHTTP2_NO_ERROR) {
        oc = OC_OTHER;
        snprintf(s->err, sizeof s->err, "HTTP/2 protocol error from %s: stream closed with %s%s%s",
                 node, nghttp2_http2_strerror(code), c->perr[0] ? ": " : "", c->perr);
    } else {
        oc = OC_RESET;
        snprintf(s->err, sizeof s->err, "%s closed the stream %s", node,
                 s->status ? "before the response completed" : "without a response");
    }
    h2_complete(s, oc);
    return 0;
}

/* nghttp2_data_source_read_callback: the request's body. */
static ssize_t read_body(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t length,
                         uint32_t *flags, nghttp2_data_source *src, void *user)
{
    (void)sess;
    (void)src;
    (void)user;
    struct h2slot *s = stream_slot(user, id);
    if (!s) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        return 0;
    }
    size_t n = s->body_len - s->body_off;
    if (n > length)
        n = length;
    memcpy(buf, s->body + s->body_off, n);
    s->body_off += n;
    if (s->body_off == s->body_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

int h2_sess_callbacks(nghttp2_session_callbacks **out)
{
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb))
        return -1;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_session_callbacks_set_error_callback2(cb, on_error);
    *out = cb;
    return 0;
}

int h2_sess_new(struct h2conn *c)
{
    if (nghttp2_session_client_new2(&c->sess, c->x->cbs, c, c->x->opt))
        return -1;
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_WINDOW}};
    if (nghttp2_submit_settings(c->sess, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) ||
        nghttp2_session_set_local_window_size(c->sess, NGHTTP2_FLAG_NONE, 0, H2_WINDOW)) {
        nghttp2_session_del(c->sess);
        c->sess = NULL;
        return -1;
    }
    return 0;
}

static void nv_set(nghttp2_nv *nv, const char *name, size_t nlen, const char *value, size_t vlen)
{
    nv->name = (uint8_t *)(uintptr_t)name;
    nv->namelen = nlen;
    nv->value = (uint8_t *)(uintptr_t)value;
    nv->valuelen = vlen;
    nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/* Header fields HTTP/2 forbids (RFC 9113 8.2.2), Host (it becomes
 * :authority) aside. */
static bool connection_specific(const char *n, size_t len, const char *v, size_t vlen)
{
    static const char *const drop[] = {"connection",        "keep-alive", "proxy-connection",
                                       "transfer-encoding", "upgrade",    NULL};
    for (size_t i = 0; drop[i]; i++)
        if (len == strlen(drop[i]) && !memcmp(n, drop[i], len))
            return true;
    return len == 2 && !memcmp(n, "te", 2) && !(vlen == 8 && !strncasecmp(v, "trailers", 8));
}

long h2_sess_nv(struct h1req *out, const char *scheme, nghttp2_nv *nv, size_t cap,
                const char **body, size_t *body_len)
{
    char *p = (char *)(uintptr_t)out->head, *end = p + out->head_len;
    char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    char *sp1 = eol ? memchr(p, ' ', (size_t)(eol - p)) : NULL;
    char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp2 || cap < H2_NV_FIXED)
        return -1;
    nv_set(&nv[0], ":method", 7, p, (size_t)(sp1 - p));
    nv_set(&nv[1], ":scheme", 7, scheme, strlen(scheme));
    nv_set(&nv[2], ":authority", 10, "", 0);
    nv_set(&nv[3], ":path", 5, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    size_t n = H2_NV_FIXED;
    bool host = false;
    for (p = eol + 2; p < end; p = eol + 2) {
        if (!(eol = memmem(p, (size_t)(end - p), "\r\n", 2)))
            return -1;
        if (eol == p) /* the blank line: the body follows when inlined */
            break;
        char *colon = memchr(p, ':', (size_t)(eol - p));
        if (!colon)
            return -1;
        size_t nlen = (size_t)(colon - p);
        for (size_t i = 0; i < nlen; i++)
            if (p[i] >= 'A' && p[i] <= 'Z')
                p[i] = (char)(p[i] + ('a' - 'A'));
        char *v = colon + 1;
        while (v < eol && (*v == ' ' || *v == '\t'))
            v++;
        size_t vlen = (size_t)(eol - v);
        if (nlen == 4 && !memcmp(p, "host", 4)) {
            nv_set(&nv[2], ":authority", 10, v, vlen);
            host = true;
            continue;
        }
        if (connection_specific(p, nlen, v, vlen))
            continue;
        if (n == cap)
            return -1;
        nv_set(&nv[n++], p, nlen, v, vlen);
    }
    if (p >= end)
        return -1;
    if (!host) { /* (h1req_build always writes one) */
        memmove(&nv[2], &nv[3], (n - 3) * sizeof *nv);
        n--;
    }
    if (out->body) {
        *body = out->body;
        *body_len = out->body_len;
    } else {
        *body = eol + 2;
        *body_len = (size_t)(end - (eol + 2));
    }
    return (long)n;
}

int h2_prepare(struct xh2 *x, struct h2slot *s, const struct xfer_req *rq)
{
    const struct scenario *scn = x->scn;
    bool with_token = x->auth && rq->app != XFER_NO_APP;
    if (!x->nv.dynamic[rq->request] && !with_token) {
        const struct h2static *st = &x->statics[rq->request * scn->n_targets + rq->target];
        s->nv = st->nv;
        s->nv_len = st->nv_len;
        s->body = st->body;
        s->body_len = st->body_len;
        return 0;
    }
    struct h1req_src src = {scn, x->auth, x->sig, x->sig_line, &x->rng, x->nv.base_paths};
    if (h1req_prepare(&src, rq, x->nv.dynamic[rq->request], &s->rb, &s->wbuf, &s->out, &s->auth_gen,
                      &s->local, s->err, sizeof s->err))
        return -1;
    if (!s->nv_own && !(s->nv_own = calloc(x->nv_max, sizeof *s->nv_own))) {
        snprintf(s->err, sizeof s->err, "out of memory building the request");
        s->local = true;
        return -1;
    }
    long n = h2_sess_nv(&s->out, scn->targets[rq->target].https ? "https" : "http", s->nv_own,
                        x->nv_max, &s->body, &s->body_len);
    if (n < 0) {
        snprintf(s->err, sizeof s->err, "the request's headers cannot be sent over HTTP/2");
        return -1;
    }
    s->nv = s->nv_own;
    s->nv_len = (size_t)n;
    return 0;
}

int h2_sess_submit(struct h2slot *s)
{
    struct h2conn *c = s->conn;
    nghttp2_data_provider dp = {.source = {.ptr = NULL}, .read_callback = read_body};
    s->body_off = 0;
    int32_t id =
        nghttp2_submit_request(c->sess, NULL, s->nv, s->nv_len, s->body_len ? &dp : NULL, s);
    s->stream_id = id; /* (before it is sent: the callbacks find it by it) */
    if (id < 0) {
        snprintf(s->err, sizeof s->err, "HTTP/2: cannot send the request to %s: %s", node_name(c),
                 nghttp2_strerror(id));
        if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE)
            c->goaway = true; /* (stream ids used up: no new stream here) */
        return -1;
    }
    s->stream_id = id;
    return 0;
}

int h2_conn_feed(struct h2conn *c, const uint8_t *buf, size_t n)
{
    bool was = c->in_recv;
    c->in_recv = true;
    ssize_t rv = nghttp2_session_mem_recv(c->sess, buf, n);
    c->in_recv = was;
    if (rv < 0) {
        h2_conn_fail(c, OC_OTHER, "HTTP/2 protocol error from %s: %s%s%s", node_name(c),
                     nghttp2_strerror((int)rv), c->perr[0] ? ": " : "", c->perr);
        return -1;
    }
    /* nghttp2 ends a session for a connection error of the server's by
     * queueing a GOAWAY and reading no more: streams left are lost. */
    if (c->proto_error || (!nghttp2_session_want_read(c->sess) && c->streams)) {
        c->proto_error = true;
        h2_conn_fail(c, OC_OTHER, "HTTP/2 protocol error from %s: %s", node_name(c),
                     c->perr[0] ? c->perr : "invalid frames");
        return -1;
    }
    return 0;
}
