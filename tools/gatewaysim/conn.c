/*
 * conn.c — client connections: socket and TLS I/O, request framing,
 * response writing, keep-alive and closing (see conn.h).
 */
#include "conn.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "h2.h"

/* Lingering close: after our FIN, how long we keep reading (and
 * discarding) so the client sees the response rather than a reset. */
#define LINGER_S 2.0
/* Connections kept on the free list for reuse (with their buffers). */
#define MAX_FREE 1024
/* Bytes of filler pattern written per send call. */
#define FILLER_BYTES 16384

/* The filler body: constant, shared, never written. */
static const char filler_pattern[FILLER_BYTES] = {[0 ... FILLER_BYTES - 1] = 'x'};

enum { IO_AGAIN_READ = -1, IO_AGAIN_WRITE = -2, IO_ERROR = -3 };

static void io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void flush(struct gsconn *c);

void gsconn_pool_init(struct gsconn_pool *p, struct ev_loop *loop, size_t max_body_bytes,
                      const struct gsconn_events *ev)
{
    memset(p, 0, sizeof *p);
    p->loop = loop;
    p->ev = ev;
    p->max_head_bytes = GSHTTP_MAX_HEAD_BYTES;
    p->max_body_bytes = max_body_bytes;
}

static void destroy(struct gsconn *c)
{
    gsbuf_free(&c->in);
    gsbuf_free(&c->out);
    free(c);
}

void gsconn_pool_free(struct gsconn_pool *p)
{
    while (p->open) {
        struct gsconn *c = p->open;
        p->open = c->next;
        ev_io_stop(p->loop, &c->io);
        if (c->ssl)
            SSL_free(c->ssl);
        close(c->fd);
        gsh2_free(c); /* its streams too, without callbacks */
        destroy(c);
    }
    while (p->free) {
        struct gsconn *c = p->free;
        p->free = c->next;
        destroy(c);
    }
    p->n_open = p->n_free = 0;
}

/* A zeroed connection from the free list (buffers kept) or new memory;
 * NULL when out of memory. */
static struct gsconn *take(struct gsconn_pool *p)
{
    struct gsconn *c = p->free;
    if (c) {
        p->free = c->next;
        p->n_free--;
        struct gsbuf in = c->in, out = c->out;
        memset(c, 0, sizeof *c);
        c->in = in;
        c->out = out;
        gsbuf_clear(&c->in);
        gsbuf_clear(&c->out);
        return c;
    }
    c = calloc(1, sizeof *c);
    if (!c || gsbuf_init(&c->in) || gsbuf_init(&c->out)) {
        if (c)
            destroy(c);
        return NULL;
    }
    return c;
}

/* Puts c on the free list (or frees it when the list is full). */
static void recycle(struct gsconn_pool *p, struct gsconn *c)
{
    if (p->n_free < MAX_FREE) {
        c->next = p->free;
        p->free = c;
        p->n_free++;
    } else {
        destroy(c);
    }
}

struct gsconn *gsconn_stream_new(struct gsconn *parent)
{
    struct gsconn *st = take(parent->pool);
    if (!st)
        return NULL;
    st->srv = parent->srv;
    st->pool = parent->pool;
    st->fd = -1;
    st->state = GSCONN_READING;
    st->tq_index = -1;
    st->keep_alive = true;
    st->proto_known = true;
    st->h2_parent = parent;
    st->last_active_s = gs_mono_s();
    return st;
}

void gsconn_stream_free(struct gsconn *st)
{
    destroy(st);
}

struct gsconn *gsconn_accept(struct gsconn_pool *p, struct gssrv *srv, int fd, SSL_CTX *ssl_ctx)
{
    struct gsconn *c = take(p);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->srv = srv;
    c->pool = p;
    c->fd = fd;
    c->state = GSCONN_READING;
    c->tq_index = -1;
    c->last_active_s = gs_mono_s();
    if (ssl_ctx) {
        c->ssl = SSL_new(ssl_ctx);
        if (!c->ssl || !SSL_set_fd(c->ssl, fd)) {
            ERR_clear_error();
            if (c->ssl)
                SSL_free(c->ssl);
            close(fd);
            c->ssl = NULL;
            c->next = p->free;
            p->free = c;
            p->n_free++;
            return NULL;
        }
        SSL_set_accept_state(c->ssl);
        SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    }
    c->next = p->open;
    c->prev = NULL;
    if (p->open)
        p->open->prev = c;
    p->open = c;
    p->n_open++;
    ev_io_init(&c->io, io_cb, fd, EV_READ);
    c->io.data = c;
    c->io_events = EV_READ;
    ev_io_start(p->loop, &c->io);
    return c;
}

/* Unlinks, closes the socket and recycles (or frees) the memory. */
static void finish(struct gsconn *c)
{
    struct gsconn_pool *p = c->pool;
    if (c->h2_parent) { /* a stream: on no list of the pool */
        recycle(p, c);
        return;
    }
    gsh2_free(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        p->open = c->next;
    if (c->next)
        c->next->prev = c->prev;
    p->n_open--;
    recycle(p, c);
}

static void kill_conn(struct gsconn *c, bool rst)
{
    if (c->dead)
        return;
    c->dead = true;
    c->pool->ev->on_conn_end(c->srv, c);
    if (c->h2_parent) { /* a stream: no socket of its own */
        gsh2_stream_end(c, rst);
        if (c->busy == 0)
            finish(c);
        return;
    }
    if (c->h2)
        gsh2_conn_end(c);
    ev_io_stop(c->pool->loop, &c->io);
    if (rst) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    close(c->fd);
    c->fd = -1;
    if (c->busy == 0)
        finish(c);
}

void gsconn_reset(struct gsconn *c)
{
    kill_conn(c, true);
}

void gsconn_close(struct gsconn *c)
{
    kill_conn(c, false);
}

void gsconn_release(struct gsconn *c)
{
    if (--c->busy == 0 && c->dead)
        finish(c);
}

/* ---- raw I/O: plain and TLS behind one pair of functions -------------- */

static ssize_t tls_result(struct gsconn *c, int n)
{
    int e = SSL_get_error(c->ssl, n);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return IO_AGAIN_READ;
    case SSL_ERROR_WANT_WRITE:
        return IO_AGAIN_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        /* EOF without close_notify: most clients do this */
        return (errno == 0 || n == 0) ? 0 : IO_ERROR;
    default:
        ERR_clear_error();
        return IO_ERROR;
    }
}

static ssize_t io_read(struct gsconn *c, void *p, size_t n)
{
    if (c->ssl) {
        ERR_clear_error();
        errno = 0;
        int r = SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
        if (r > 0) {
            if (!c->handshake_done) {
                c->handshake_done = true;
                c->pool->ev->on_tls_handshake(c->srv, true);
            }
            return r;
        }
        ssize_t rc = tls_result(c, r);
        if (!c->handshake_done && SSL_is_init_finished(c->ssl)) {
            c->handshake_done = true;
            c->pool->ev->on_tls_handshake(c->srv, true);
        }
        if (rc == IO_ERROR && !c->handshake_done) {
            c->handshake_done = true; /* count once */
            c->pool->ev->on_tls_handshake(c->srv, false);
        }
        return rc;
    }
    for (;;) {
        ssize_t r = read(c->fd, p, n);
        if (r >= 0)
            return r;
        if (errno == EINTR)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? IO_AGAIN_READ : IO_ERROR;
    }
}

static ssize_t io_write(struct gsconn *c, const void *p, size_t n)
{
    if (c->ssl) {
        ERR_clear_error();
        errno = 0;
        int r = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
        if (r > 0)
            return r;
        ssize_t rc = tls_result(c, r);
        return rc == 0 ? IO_ERROR : rc;
    }
    for (;;) {
        ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);
        if (r >= 0)
            return r;
        if (errno == EINTR)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? IO_AGAIN_WRITE : IO_ERROR;
    }
}

/* ---- watcher bookkeeping ---------------------------------------------- */

static bool wants_read(const struct gsconn *c)
{
    if (c->write_wants_read)
        return true;
    if (c->read_eof)
        return false;
    switch (c->state) {
    case GSCONN_READING:
    case GSCONN_CLOSING:
        return true;
    default:
        /* A request is in progress: keep reading (to notice resets and
         * buffer pipelined requests) while there is room. */
        return c->in.cap - c->in.len > 0;
    }
}

static bool pending_output(const struct gsconn *c)
{
    return gsbuf_used(&c->out) || c->filler_left || c->tail_off < c->tail_len;
}

static void update_io(struct gsconn *c)
{
    if (c->dead)
        return;
    int ev = 0;
    if (wants_read(c))
        ev |= EV_READ;
    if (pending_output(c) || c->read_wants_write)
        ev |= EV_WRITE;
    if (ev == c->io_events)
        return;
    ev_io_stop(c->pool->loop, &c->io);
    c->io_events = ev;
    if (ev) {
        ev_io_set(&c->io, c->fd, ev);
        ev_io_start(c->pool->loop, &c->io);
    }
}

/* ---- reading and framing ---------------------------------------------- */

/* Reads what the socket has into c->in. Returns 1 when bytes arrived,
 * 0 when it would block (or the buffer is full and may not grow), -1 when
 * the connection ended (EOF recorded in read_eof, or closed on error). */
static int fill(struct gsconn *c, bool may_grow)
{
    c->read_wants_write = false;
    if (c->in.cap - c->in.len < 1024) {
        if (c->state == GSCONN_READING || c->state == GSCONN_CLOSING)
            gsbuf_compact(&c->in);
        if (c->in.cap - c->in.len < 1024 && may_grow) {
            if (gsbuf_reserve(&c->in, c->in.cap)) {
                gsconn_close(c);
                return -1;
            }
        }
        if (c->in.cap == c->in.len)
            return 0;
    }
    ssize_t n = io_read(c, c->in.data + c->in.len, c->in.cap - c->in.len);
    if (n > 0) {
        c->in.len += (size_t)n;
        c->last_active_s = gs_mono_s();
        return 1;
    }
    if (n == IO_AGAIN_READ)
        return 0;
    if (n == IO_AGAIN_WRITE) {
        c->read_wants_write = true;
        return 0;
    }
    if (n == 0) {
        c->read_eof = true;
        return -1;
    }
    gsconn_close(c); /* reset by peer, TLS failure */
    return -1;
}

/* Bytes between the end of this request's head and what has arrived. */
static int frame_body(struct gsconn *c)
{
    size_t have = gsbuf_used(&c->in) - c->req.head_bytes;
    const char *body = c->in.data + c->in.off + c->req.head_bytes;
    if (c->req.chunked) {
        size_t wire, dec;
        int rc = gshttp_chunked_scan(body, have, &wire, &dec);
        if (rc < 0)
            return 400;
        if (rc == 0) {
            if (have > c->pool->max_body_bytes + 65536)
                return 413;
            return 0;
        }
        if (dec > c->pool->max_body_bytes)
            return 413;
        gshttp_chunked_decode(c->in.data + c->in.off + c->req.head_bytes, wire);
        c->req_wire_bytes = c->req.head_bytes + wire;
        c->body_bytes = dec;
        return 1;
    }
    if (c->req.content_length > c->pool->max_body_bytes)
        return 413;
    if (have < c->req.content_length) {
        if (gsbuf_reserve(&c->in, (size_t)c->req.content_length - have))
            return 413;
        return 0;
    }
    c->req_wire_bytes = c->req.head_bytes + (size_t)c->req.content_length;
    c->body_bytes = (size_t)c->req.content_length;
    return 1;
}

/* Tries to frame one request from c->in. Returns 1 when dispatched (or
 * answered with an error), 0 when more bytes are needed. */
static int try_request(struct gsconn *c)
{
    /* RFC 9112 2.2: ignore at least one empty line before a request */
    while (gsbuf_used(&c->in) && (c->in.data[c->in.off] == '\r' || c->in.data[c->in.off] == '\n'))
        c->in.off++;
    size_t used = gsbuf_used(&c->in);
    if (!used)
        return 0;
    int rc = c->req.head_bytes ? (int)c->req.head_bytes
                               : gshttp_parse_head(c->in.data + c->in.off, used, &c->req);
    if (rc == 0)
        return 0;
    if (rc < 0) {
        c->req_wire_bytes = used;
        c->pool->ev->on_bad_request(c->srv, c, gshttp_error_status(rc));
        return 1;
    }
    int st = frame_body(c);
    if (st == 0) {
        if (c->req.expect_continue && !c->continue_sent && c->req.minor >= 1) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            c->continue_sent = true;
            if (gsbuf_append(&c->out, cont, sizeof cont - 1) == 0)
                flush(c);
        }
        return 0;
    }
    if (st > 1) {
        c->req_wire_bytes = used;
        c->pool->ev->on_bad_request(c->srv, c, st);
        return 1;
    }
    c->keep_alive = c->req.keep_alive;
    c->state = GSCONN_QUEUED; /* the server moves it on */
    c->pool->ev->on_request(c->srv, c);
    return 1;
}

/* Decides HTTP/1.1 or HTTP/2 from ALPN or the first bytes (starting the
 * HTTP/2 session). Returns true when more bytes are needed to decide. */
static bool detect_protocol(struct gsconn *c)
{
    size_t used = gsbuf_used(&c->in);
    bool h2;
    if (c->ssl) {
        if (!c->handshake_done)
            return true;
        h2 = gsh2_alpn_chose_h2(c);
    } else {
        if (used == 0)
            return true;
        size_t n = used < GSH2_PREFACE_BYTES ? used : GSH2_PREFACE_BYTES;
        h2 = memcmp(c->in.data + c->in.off, GSH2_PREFACE, n) == 0;
        if (h2 && n < GSH2_PREFACE_BYTES)
            return true; /* so far it is the preface */
    }
    c->proto_known = true;
    if (h2 && gsh2_start(c))
        gsconn_close(c);
    return false;
}

/* HTTP/2: whatever arrives goes to nghttp2 at once (requests are
 * dispatched from its callbacks); then the answers it has are written. */
static void process_h2(struct gsconn *c)
{
    for (;;) {
        if (gsbuf_used(&c->in)) {
            int rc = gsh2_recv(c, c->in.data + c->in.off, gsbuf_used(&c->in));
            c->in.off = c->in.len = 0;
            if (c->dead)
                return;
            if (rc) { /* protocol error: send nghttp2's GOAWAY, then close */
                flush(c);
                if (!c->dead)
                    gsconn_close(c);
                return;
            }
        }
        if (c->read_eof) { /* the client is gone, and so are its streams */
            gsconn_close(c);
            return;
        }
        int r = fill(c, false);
        if (c->dead)
            return;
        if (r == 0)
            break; /* r < 0: EOF, seen above next time round */
    }
    flush(c);
}

void gsconn_stream_request(struct gsconn *st)
{
    gsconn_hold(st);
    if (!try_request(st) && !st->dead) /* incomplete: cannot be, the body is all there */
        st->pool->ev->on_bad_request(st->srv, st, 400);
    gsconn_release(st);
}

void gsconn_send_more(struct gsconn *c)
{
    if (c->dead)
        return;
    gsconn_hold(c);
    flush(c);
    gsconn_release(c);
}

void gsconn_process(struct gsconn *c)
{
    /* A response completed synchronously inside a dispatch lands here
     * again; the outer call's loop picks up the next request, so pipelined
     * requests never recurse. */
    if (c->processing)
        return;
    c->processing = true;
    gsconn_hold(c);
    while (!c->dead && c->state == GSCONN_READING && !c->h2) {
        bool more = !c->proto_known && detect_protocol(c);
        if (c->h2)
            break;
        if (!more && try_request(c))
            continue;
        if (c->dead || c->state != GSCONN_READING)
            break;
        if (pending_output(c))
            break; /* a 100 Continue is on its way */
        if (c->read_eof) {
            gsconn_close(c);
            break;
        }
        int r = fill(c, true);
        if (r <= 0) {
            if (r < 0 && !c->dead && gsbuf_used(&c->in) == 0)
                gsconn_close(c); /* clean EOF between requests */
            else if (r < 0 && !c->dead)
                continue; /* EOF mid-request: frame what we have, then close */
            break;
        }
    }
    if (!c->dead && c->h2)
        process_h2(c);
    if (!c->dead && c->state == GSCONN_CLOSING) {
        /* drain and discard until EOF */
        for (;;) {
            c->in.off = c->in.len = 0;
            int r = fill(c, false);
            if (r < 0) {
                if (!c->dead)
                    gsconn_close(c);
                break;
            }
            if (r == 0)
                break;
        }
    }
    c->processing = false;
    update_io(c);
    gsconn_release(c);
}

/* ---- writing ------------------------------------------------------------ */

int gsconn_respond_begin(struct gsconn *c, const char *node_header, int status, const char *ctype,
                         size_t content_length, const char *extra_headers)
{
    bool http11 = c->req.minor >= 1;
    int rc = gsbuf_printf(&c->out, "HTTP/1.%d %d %s\r\n%s", http11 ? 1 : 0, status,
                          gshttp_reason(status), node_header);
    if (!rc && ctype)
        rc = gsbuf_printf(&c->out, "Content-Type: %s\r\n", ctype);
    if (!rc)
        rc = gsbuf_printf(&c->out, "Content-Length: %zu\r\n", content_length);
    if (!rc && !c->keep_alive)
        rc = gsbuf_puts(&c->out, "Connection: close\r\n");
    else if (!rc && !http11)
        rc = gsbuf_puts(&c->out, "Connection: keep-alive\r\n");
    if (!rc && extra_headers)
        rc = gsbuf_puts(&c->out, extra_headers);
    if (!rc)
        rc = gsbuf_append(&c->out, "\r\n", 2);
    return rc;
}

/* After the last byte of a response went out. */
static void response_sent(struct gsconn *c)
{
    if (c->state != GSCONN_RESPONDING)
        return;
    if (!c->keep_alive) {
        c->state = GSCONN_CLOSING;
        c->linger_until_s = gs_mono_s() + LINGER_S;
        if (c->ssl)
            SSL_shutdown(c->ssl); /* close_notify; one attempt */
        shutdown(c->fd, SHUT_WR);
        gsconn_process(c);
        return;
    }
    c->state = GSCONN_READING;
    c->continue_sent = false;
    gsconn_process(c);
}

/* Writes c->out, then the filler and tail. Returns 0 when all is
 * written, 1 when the socket would block, -1 when c was closed. */
static int write_out(struct gsconn *c)
{
    while (!c->dead && pending_output(c)) {
        const char *p;
        size_t n;
        if (gsbuf_used(&c->out)) {
            p = c->out.data + c->out.off;
            n = gsbuf_used(&c->out);
        } else if (c->filler_left) {
            p = filler_pattern;
            n = c->filler_left < FILLER_BYTES ? c->filler_left : FILLER_BYTES;
        } else {
            p = c->tail + c->tail_off;
            n = c->tail_len - c->tail_off;
        }
        ssize_t w = io_write(c, p, n);
        if (w > 0) {
            c->last_active_s = gs_mono_s();
            if (gsbuf_used(&c->out)) {
                c->out.off += (size_t)w;
                if (c->out.off == c->out.len)
                    gsbuf_clear(&c->out);
            } else if (c->filler_left) {
                c->filler_left -= (size_t)w;
            } else {
                c->tail_off += (size_t)w;
            }
            continue;
        }
        if (w == IO_AGAIN_WRITE)
            return 1;
        if (w == IO_AGAIN_READ) {
            c->write_wants_read = true;
            return 1;
        }
        c->pool->ev->on_write_failed(c->srv, c);
        gsconn_close(c);
        return -1;
    }
    return c->dead ? -1 : 0;
}

static void flush(struct gsconn *c)
{
    c->write_wants_read = false;
    if (c->h2) {
        /* frame, write, frame again while nghttp2 has more */
        int w;
        size_t made;
        do {
            size_t before = gsbuf_used(&c->out);
            if (gsh2_produce(c)) {
                gsconn_close(c);
                return;
            }
            made = gsbuf_used(&c->out) - before;
            w = write_out(c);
        } while (w == 0 && made > 0 && gsh2_want_write(c));
        if (w < 0)
            return;
        if (w == 0 && gsh2_finished(c)) {
            gsconn_close(c);
            return;
        }
        update_io(c);
        return;
    }
    if (write_out(c) < 0)
        return;
    if (!pending_output(c))
        response_sent(c);
    update_io(c);
}

void gsconn_respond_end(struct gsconn *c)
{
    gsconn_hold(c);
    if (c->h2_parent) {
        c->state = GSCONN_RESPONDING;
        gsh2_stream_respond(c);
        gsconn_release(c);
        return;
    }
    /* the request's bytes are no longer needed: the body was copied */
    c->in.off += c->req_wire_bytes;
    if (c->in.off >= c->in.len)
        c->in.off = c->in.len = 0;
    c->req_wire_bytes = 0;
    memset(&c->req, 0, sizeof c->req);
    c->state = GSCONN_RESPONDING;
    flush(c);
    gsconn_release(c);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    struct gsconn *c = w->data;
    gsconn_hold(c);
    if ((revents & EV_WRITE) && c->read_wants_write) {
        c->read_wants_write = false;
        revents |= EV_READ;
    }
    if ((revents & EV_READ) && c->write_wants_read) {
        c->write_wants_read = false;
        revents |= EV_WRITE;
    }
    if ((revents & EV_WRITE) && !c->dead && pending_output(c))
        flush(c);
    if ((revents & EV_READ) && !c->dead) {
        if (c->state == GSCONN_READING || c->state == GSCONN_CLOSING) {
            gsconn_process(c);
        } else {
            /* request in progress: buffer what comes, notice EOF/reset.
             * A client that closes while its request waits or is served
             * has gone (few HTTP clients half-close): abort it, freeing
             * its place, as nginx does by default. Once the answer is
             * being written, finish writing it. */
            int r;
            while ((r = fill(c, false)) > 0)
                ;
            if (r < 0 && !c->dead) {
                if (c->state == GSCONN_RESPONDING)
                    update_io(c);
                else
                    gsconn_close(c);
            }
        }
    }
    if (!c->dead)
        update_io(c);
    gsconn_release(c);
}

bool gsconn_client_cert_verified(const struct gsconn *c)
{
    if (c->h2_parent) /* a stream: its connection's certificate */
        c = c->h2_parent;
    if (!c->ssl || !c->handshake_done)
        return false;
    /* a certificate is only asked for (and verified) with --client-ca */
    return SSL_get_verify_mode(c->ssl) != SSL_VERIFY_NONE && SSL_get0_peer_certificate(c->ssl) &&
           SSL_get_verify_result(c->ssl) == X509_V_OK;
}

int gsconn_sweep(struct gsconn_pool *p, double now_s, double idle_s)
{
    int closed = 0;
    struct gsconn *c = p->open;
    while (c) {
        struct gsconn *next = c->next;
        if (c->state == GSCONN_CLOSING && now_s > c->linger_until_s) {
            gsconn_close(c);
        } else if ((c->state == GSCONN_READING || c->state == GSCONN_RESPONDING) &&
                   now_s - c->last_active_s > idle_s && !(c->h2 && gsh2_open_streams(c) > 0)) {
            closed++;
            gsconn_hold(c);
            if (c->h2) { /* HTTP/2 says so first (RFC 9113 6.8) */
                gsh2_goaway_idle(c);
                flush(c);
            }
            if (!c->dead)
                gsconn_close(c);
            gsconn_release(c);
        }
        c = next;
    }
    return closed;
}
