/*
 * h2.c — HTTP/2 connections and streams of the gateway simulator on
 * nghttp2's server API, driven by conn.c's reads and writes (see h2.h).
 */
#include "h2.h"

#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Frames buffered in c->out before writing (then nghttp2 is asked again
 * once they are out), in bytes. */
#define OUT_HIGH_BYTES 65536
/* Response header fields passed on (the simulator sends fewer). */
#define MAX_RESPONSE_FIELDS 32

struct gsh2 {
    nghttp2_session *session;
    struct gsconn *streams; /* open streams, linked through next/prev */
    int n_streams;
    uint64_t streams_begun; /* on this connection (for --h2-goaway-after) */
    int32_t goaway_last_id; /* 0 until a GOAWAY was submitted */
    bool in_session;        /* inside mem_recv/mem_send: submit, never write */
};

/* ---- ALPN ---------------------------------------------------------------- */

/* Finds proto (length-prefixed, as in the wire list) in the client's list. */
static bool alpn_has(const unsigned char *in, unsigned int inlen, const char *proto, size_t n)
{
    for (unsigned int i = 0; i < inlen; i += 1u + in[i])
        if (in[i] == n && i + 1 + n <= inlen && memcmp(in + i + 1, proto, n) == 0)
            return true;
    return false;
}

/* SSL_CTX_set_alpn_select_cb: h2 when offered, else http/1.1, else no
 * ALPN at all (HTTP/1.1 then). */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char h2[] = "h2", h1[] = "http/1.1";
    if (alpn_has(in, inlen, "h2", 2)) {
        *out = h2;
        *outlen = 2;
        return SSL_TLSEXT_ERR_OK;
    }
    if (alpn_has(in, inlen, "http/1.1", 8)) {
        *out = h1;
        *outlen = 8;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

void gsh2_tls_setup(SSL_CTX *ctx)
{
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
}

bool gsh2_alpn_chose_h2(const struct gsconn *c)
{
    const unsigned char *p = NULL;
    unsigned int n = 0;
    if (c->ssl)
        SSL_get0_alpn_selected(c->ssl, &p, &n);
    return n == 2 && memcmp(p, "h2", 2) == 0;
}

/* ---- streams ------------------------------------------------------------- */

static void stream_link(struct gsh2 *h, struct gsconn *st)
{
    st->prev = NULL;
    st->next = h->streams;
    if (h->streams)
        h->streams->prev = st;
    h->streams = st;
    h->n_streams++;
}

static void stream_unlink(struct gsh2 *h, struct gsconn *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else if (h->streams == st)
        h->streams = st->next;
    else
        return; /* not linked */
    if (st->next)
        st->next->prev = st->prev;
    st->next = st->prev = NULL;
    h->n_streams--;
}

/* Writes the request line (and Host) into st->in from the pseudo-headers
 * kept in st->out, once. Returns 0 or -ENOMEM. */
static int request_line(struct gsconn *st)
{
    if (st->h2_line_done)
        return 0;
    const char *o = st->out.data;
    struct gshttp_span m = st->h2_method, p = st->h2_path, a = st->h2_authority;
    int rc = gsbuf_printf(&st->in, "%.*s %.*s HTTP/1.1\r\n", (int)m.len, o + m.off, (int)p.len,
                          o + p.off);
    if (!rc && a.len)
        rc = gsbuf_printf(&st->in, "Host: %.*s\r\n", (int)a.len, o + a.off);
    st->out.off = st->out.len = 0;
    st->h2_line_done = true;
    return rc;
}

/* Request header fields that mean nothing once the request is HTTP/1.1
 * on no wire: connection-specific ones, and the length (written anew). */
static bool skip_field(const uint8_t *name, size_t n, bool have_authority)
{
    static const char *const skip[] = {
        "content-length",    "connection", "keep-alive", "proxy-connection",
        "transfer-encoding", "upgrade",    "te",         "expect"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (gshttp_ieq((const char *)name, n, skip[i]))
            return true;
    return have_authority && gshttp_ieq((const char *)name, n, "host");
}

/* The whole request is in: hand it to the server as HTTP/1.1. */
static void dispatch(struct gsconn *st)
{
    st->h2_dispatched = true;
    size_t body = st->h2_body_seen;
    int rc = request_line(st);
    if (!rc)
        rc = gsbuf_printf(&st->in, "Content-Length: %zu\r\n\r\n", body);
    /* a body over --max-body was not kept: its length alone gets the 413 */
    if (!rc && body <= st->pool->max_body_bytes)
        rc = gsbuf_append(&st->in, st->out.data + st->out.off, gsbuf_used(&st->out));
    st->out.off = st->out.len = 0;
    if (rc) {
        gsconn_close(st); /* out of memory: RST_STREAM */
        return;
    }
    gsconn_stream_request(st);
}

/* ---- nghttp2 callbacks --------------------------------------------------- */

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    struct gsconn *c = user_data;
    struct gsh2 *h = c->h2;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    int32_t id = frame->hd.stream_id;
    if (h->goaway_last_id && id > h->goaway_last_id)
        return 0; /* after our GOAWAY: nghttp2 closes it unanswered */
    struct gssrv *s = c->srv;
    const struct gscfg *cfg = &s->cfg;
    s->stats.http2.streams++;
    h->streams_begun++;
    if (cfg->h2_goaway_after > 0 && !h->goaway_last_id &&
        h->streams_begun >= (uint64_t)cfg->h2_goaway_after &&
        nghttp2_submit_goaway(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR, NULL, 0) == 0) {
        h->goaway_last_id = id;
        s->stats.http2.goaways++;
    }
    if (gsrng_fault_hit(&s->rng, &s->f_h2_refuse, cfg->fault_spacing, cfg->h2_refuse_rate)) {
        s->stats.http2.refused_streams++;
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
        return 0;
    }
    struct gsconn *st = gsconn_stream_new(c);
    if (!st)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM */
    st->h2_id = id;
    stream_link(h, st);
    nghttp2_session_set_stream_user_data(session, id, st);
    return 0;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data)
{
    (void)flags;
    (void)user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0; /* trailers are dropped */
    struct gsconn *st = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (!st)
        return 0;
    if (namelen && name[0] == ':') {
        /* pseudo-headers come first: kept in out until the request line */
        struct gshttp_span *sp = NULL;
        if (gshttp_ieq((const char *)name, namelen, ":method"))
            sp = &st->h2_method;
        else if (gshttp_ieq((const char *)name, namelen, ":path"))
            sp = &st->h2_path;
        else if (gshttp_ieq((const char *)name, namelen, ":authority"))
            sp = &st->h2_authority;
        if (!sp || st->h2_line_done)
            return 0;
        sp->off = (uint32_t)st->out.len;
        sp->len = (uint32_t)valuelen;
        return gsbuf_append(&st->out, value, valuelen) ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE : 0;
    }
    if (request_line(st))
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (skip_field(name, namelen, st->h2_authority.len > 0))
        return 0;
    if (st->in.len > GSHTTP_MAX_HEAD_BYTES)
        return 0; /* the parser answers 431 */
    int rc = gsbuf_append(&st->in, name, namelen);
    rc = rc ? rc : gsbuf_append(&st->in, ": ", 2);
    rc = rc ? rc : gsbuf_append(&st->in, value, valuelen);
    rc = rc ? rc : gsbuf_append(&st->in, "\r\n", 2);
    return rc ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE : 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *user_data)
{
    (void)flags;
    (void)user_data;
    struct gsconn *st = nghttp2_session_get_stream_user_data(session, stream_id);
    if (!st || st->h2_dispatched)
        return 0;
    if (request_line(st))
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    st->h2_body_seen += len;
    if (st->h2_body_seen > st->pool->max_body_bytes)
        return 0; /* answered 413 at the end */
    return gsbuf_append(&st->out, data, len) ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE : 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    (void)user_data;
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    struct gsconn *st = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (!st || st->h2_dispatched)
        return 0;
    if (request_line(st))
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
        dispatch(st);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *user_data)
{
    (void)error_code;
    (void)user_data;
    struct gsconn *st = nghttp2_session_get_stream_user_data(session, stream_id);
    if (!st)
        return 0;
    nghttp2_session_set_stream_user_data(session, stream_id, NULL);
    /* answered, or the client cancelled it (RST_STREAM): the server
     * counts a request still waiting or in service as aborted */
    st->h2_gone = true;
    gsconn_close(st);
    return 0;
}

/* Response body: st->out after the head, then the filler, then the tail. */
static ssize_t read_body(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                         uint32_t *data_flags, nghttp2_data_source *source, void *user_data)
{
    (void)source;
    (void)user_data;
    struct gsconn *st = nghttp2_session_get_stream_user_data(session, stream_id);
    if (!st)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    size_t done = 0;
    while (done < length) {
        size_t room = length - done, n;
        if (gsbuf_used(&st->out)) {
            n = gsbuf_used(&st->out) < room ? gsbuf_used(&st->out) : room;
            memcpy(buf + done, st->out.data + st->out.off, n);
            st->out.off += n;
        } else if (st->filler_left) {
            n = st->filler_left < room ? st->filler_left : room;
            memset(buf + done, 'x', n); /* conn.c's filler pattern */
            st->filler_left -= n;
        } else if (st->tail_off < st->tail_len) {
            n = st->tail_len - st->tail_off < room ? st->tail_len - st->tail_off : room;
            memcpy(buf + done, st->tail + st->tail_off, n);
            st->tail_off += n;
        } else {
            break;
        }
        done += n;
    }
    if (!gsbuf_used(&st->out) && !st->filler_left && st->tail_off >= st->tail_len)
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)done;
}

/* ---- connections ----------------------------------------------------------- */

int gsh2_start(struct gsconn *c)
{
    struct gsh2 *h = calloc(1, sizeof *h);
    nghttp2_session_callbacks *cbs = NULL;
    if (!h || nghttp2_session_callbacks_new(&cbs)) {
        free(h);
        return -ENOMEM;
    }
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    int rc = nghttp2_session_server_new(&h->session, cbs, c);
    nghttp2_session_callbacks_del(cbs);
    if (rc) {
        free(h);
        return -ENOMEM;
    }
    const struct gscfg *cfg = &c->srv->cfg;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, (uint32_t)cfg->h2_max_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, GSH2_STREAM_WINDOW_BYTES},
    };
    if (nghttp2_submit_settings(h->session, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) ||
        nghttp2_session_set_local_window_size(h->session, NGHTTP2_FLAG_NONE, 0,
                                              GSH2_CONN_WINDOW_BYTES)) {
        nghttp2_session_del(h->session);
        free(h);
        return -ENOMEM;
    }
    c->h2 = h;
    c->srv->stats.http2.connections++;
    return 0;
}

int gsh2_recv(struct gsconn *c, const char *data, size_t len)
{
    struct gsh2 *h = c->h2;
    h->in_session = true;
    ssize_t n = nghttp2_session_mem_recv(h->session, (const uint8_t *)data, len);
    h->in_session = false;
    return n < 0 ? -1 : 0;
}

int gsh2_produce(struct gsconn *c)
{
    struct gsh2 *h = c->h2;
    int rc = 0;
    h->in_session = true;
    while (gsbuf_used(&c->out) < OUT_HIGH_BYTES) {
        const uint8_t *p;
        ssize_t n = nghttp2_session_mem_send(h->session, &p);
        if (n <= 0) {
            rc = n < 0 ? -1 : 0;
            break;
        }
        if (gsbuf_append(&c->out, p, (size_t)n)) {
            rc = -1;
            break;
        }
    }
    h->in_session = false;
    return rc;
}

bool gsh2_want_write(const struct gsconn *c)
{
    return c->h2 && nghttp2_session_want_write(c->h2->session);
}

bool gsh2_finished(const struct gsconn *c)
{
    return c->h2 && !nghttp2_session_want_read(c->h2->session) &&
           !nghttp2_session_want_write(c->h2->session);
}

void gsh2_goaway_idle(struct gsconn *c)
{
    struct gsh2 *h = c->h2;
    if (!h || h->goaway_last_id) /* (a fault's GOAWAY went already) */
        return;
    int32_t last = nghttp2_session_get_last_proc_stream_id(h->session);
    nghttp2_submit_goaway(h->session, NGHTTP2_FLAG_NONE, last, NGHTTP2_NO_ERROR, NULL, 0);
}

int gsh2_open_streams(const struct gsconn *c)
{
    return c->h2 ? c->h2->n_streams : 0;
}

/* Is the response field name[0, n) one HTTP/2 forbids? */
static bool hop_field(const char *name, size_t n)
{
    return gshttp_ieq(name, n, "connection") || gshttp_ieq(name, n, "keep-alive") ||
           gshttp_ieq(name, n, "transfer-encoding") || gshttp_ieq(name, n, "proxy-connection") ||
           gshttp_ieq(name, n, "upgrade");
}

void gsh2_stream_respond(struct gsconn *st)
{
    struct gsconn *c = st->h2_parent;
    struct gsh2 *h = c->h2;
    if (st->h2_gone || c->dead || !h)
        return; /* the connection is ending: so is st */
    /* the head gsconn_respond_begin wrote: "HTTP/1.1 NNN Reason\r\n",
     * "Name: value\r\n" lines, "\r\n" */
    char *p = st->out.data + st->out.off;
    size_t used = gsbuf_used(&st->out);
    char *end = used >= 4 ? memmem(p, used, "\r\n\r\n", 4) : NULL;
    if (!end || used < 12) {
        gsconn_close(st);
        return;
    }
    char status_name[] = ":status"; /* nghttp2_nv wants non-const bytes */
    nghttp2_nv nva[MAX_RESPONSE_FIELDS];
    size_t nv = 0;
    nva[nv++] = (nghttp2_nv){(uint8_t *)status_name, (uint8_t *)p + 9, 7, 3, NGHTTP2_NV_FLAG_NONE};
    char *line = (char *)memchr(p, '\n', (size_t)(end - p)) + 1;
    while (line < end + 2 && nv < MAX_RESPONSE_FIELDS) {
        char *eol = memchr(line, '\r', (size_t)(end + 2 - line));
        char *colon = eol ? memchr(line, ':', (size_t)(eol - line)) : NULL;
        if (!eol)
            break;
        if (colon) {
            char *v = colon + 1;
            while (v < eol && *v == ' ')
                v++;
            size_t nl = (size_t)(colon - line);
            if (!hop_field(line, nl))
                nva[nv++] = (nghttp2_nv){(uint8_t *)line, (uint8_t *)v, nl, (size_t)(eol - v),
                                         NGHTTP2_NV_FLAG_NONE};
        }
        line = eol + 2;
    }
    st->out.off += (size_t)(end + 4 - p);
    bool body = gsbuf_used(&st->out) || st->filler_left || st->tail_off < st->tail_len;
    nghttp2_data_provider prd = {.source.ptr = st, .read_callback = read_body};
    /* nghttp2 copies the fields (and lower-cases the names) */
    if (nghttp2_submit_response(h->session, st->h2_id, nva, nv, body ? &prd : NULL)) {
        gsconn_close(st);
        return;
    }
    if (!h->in_session)
        gsconn_send_more(c);
}

void gsh2_stream_end(struct gsconn *st, bool rst)
{
    (void)rst; /* a reset fault and an internal failure look alike */
    struct gsconn *c = st->h2_parent;
    struct gsh2 *h = c->h2;
    if (!h)
        return;
    stream_unlink(h, st);
    if (st->h2_gone)
        return;
    st->h2_gone = true;
    nghttp2_session_set_stream_user_data(h->session, st->h2_id, NULL);
    if (nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE, st->h2_id,
                                  NGHTTP2_INTERNAL_ERROR) == 0)
        c->srv->stats.http2.rst_streams++;
    if (!h->in_session)
        gsconn_send_more(c);
}

void gsh2_conn_end(struct gsconn *c)
{
    struct gsh2 *h = c->h2;
    if (!h)
        return;
    while (h->streams) {
        struct gsconn *st = h->streams;
        st->h2_gone = true; /* no RST_STREAM: the connection goes */
        gsconn_close(st);   /* unlinks it */
    }
}

void gsh2_free(struct gsconn *c)
{
    struct gsh2 *h = c->h2;
    if (!h)
        return;
    /* the session first (it calls nothing back), then the streams: some
     * are left only when the pool is torn down */
    nghttp2_session_del(h->session);
    while (h->streams) {
        struct gsconn *st = h->streams;
        stream_unlink(h, st);
        gsconn_stream_free(st);
    }
    free(h);
    c->h2 = NULL;
}
