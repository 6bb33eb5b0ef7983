/*
 * xfer_h1.c — the native transport: HTTP/1.1 over TCP or TLS (OpenSSL) on
 * the worker's libev loop; see xfer.h.
 *
 * A slot is a request in flight; a connection carries one request at a
 * time and, kept alive, waits in its node's idle stack (most recently used
 * first) for the next. Connections are opened on demand, so there are as
 * many as the concurrency needed, per node and client certificate.
 *
 * The hot path of a reused connection is: build nothing (the bytes of a
 * request without templates or tokens are made once per node), one
 * write(), the response parsed as it arrives from one read() per event
 * into a buffer shared by the whole transport (only the status and a few
 * headers are kept), and the connection back on its stack with its read
 * watcher left as it was (an idle connection is watched too, to notice a
 * server closing it). No allocation, no timer operation per request:
 * every request has the same timeout, so deadlines expire in start order
 * and a FIFO list with one ev_timer serves them all (likewise for connect
 * timeouts).
 *
 * Failures that happen inside xfer_start (a refused connect) are reported
 * from the loop (a zero-delay timer), never from within xfer_start, so a
 * caller starting the next request from its completion never recurses.
 *
 * Out of file descriptors, an idle connection is closed to make room for a
 * request that needs a new one; when there is none, the request fails as
 * local (xfer_result.local): gatecap's failure, not the node's.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/clock.h"
#include "net/auth.h"
#include "net/hint.h"
#include "net/xfer_h1_int.h"
#include "net/xfer_tls.h"
#include "scenario/scenario.h"

static void defer_fail(struct h1slot *s, enum rec_outcome oc);
static void slot_write(struct h1slot *s);
static void on_io(struct ev_loop *loop, ev_io *w, int revents);

/* ---------------------------------------------------------------- FIFOs */

#define FIFO_PUSH(f, s, P, N) XFER_LIST_PUSH((f)->head, (f)->tail, s, P, N)
#define FIFO_DROP(f, s, P, N) XFER_LIST_DROP((f)->head, (f)->tail, s, P, N)

/* Arms the deadline timer for the earliest head, unless it is already
 * armed for an earlier time (it then fires early and re-arms). */
static void arm_deadline(struct xh1 *x)
{
    int64_t when = INT64_MAX;
    if (x->rq_fifo.head)
        when = x->rq_fifo.head->req_deadline_ns;
    if (x->cq_fifo.head && x->cq_fifo.head->conn_deadline_ns < when)
        when = x->cq_fifo.head->conn_deadline_ns;
    if (when == INT64_MAX || (ev_is_active(&x->deadline) && x->armed_ns <= when))
        return;
    ev_timer_stop(x->loop, &x->deadline);
    x->armed_ns = when;
    int64_t d = when - clock_now_ns();
    ev_timer_set(&x->deadline, d > 0 ? (double)d / 1e9 : 0., 0.);
    ev_timer_start(x->loop, &x->deadline);
}

void h1_unlink_slot(struct h1slot *s)
{
    struct xh1 *x = s->x;
    if (s->in_rq) {
        FIFO_DROP(&x->rq_fifo, s, rq_prev, rq_next);
        s->in_rq = false;
    }
    if (s->in_cq) {
        FIFO_DROP(&x->cq_fifo, s, cq_prev, cq_next);
        s->in_cq = false;
    }
}

/* ----------------------------------------------------------- completion */

/* Ends slot s's request: the connection goes back to its stack (keep) or
 * is closed, then the completion is reported. s may be started again from
 * inside the callback. */
static void complete(struct h1slot *s, enum rec_outcome oc, bool keep)
{
    struct xh1 *x = s->x;
    struct h1conn *c = s->conn;
    const struct h1p *p = &s->parser;
    h1_unlink_slot(s);
    struct xfer_result r = {
        .sent_ns = s->sent_ns,
        .done_ns = clock_now_ns(),
        .outcome = oc,
        .new_connection = s->new_conn,
        .auth_gen = s->auth_gen,
        .local = s->local,
        .throttle_kind = -1,
        .retry_after_s = -1,
    };
    if (!s->err[0]) { /* an answer */
        struct xfer_answer a = {.status = p->status,
                                .node = p->node,
                                .node_len = p->node_len,
                                .peek = p->peek,
                                .peek_len = p->peek_len,
                                .retry_after_s = p->retry_after_s,
                                .keep = p->keep};
        xfer_answer(x->scn, s->request, s->target, &a, &r, s->err, sizeof s->err);
    } else {
        r.error = s->err;
    }
    if (s->new_conn) {
        r.connect_us = s->connected_ns ? (s->connected_ns - s->sent_ns) / 1000 : 0;
        r.tls_us = s->tls_ns ? (s->tls_ns - s->connected_ns) / 1000 : 0;
    }
    r.ttfb_us = s->first_byte_ns && s->write_ns ? (s->first_byte_ns - s->write_ns) / 1000 : 0;
    r.bytes_sent = (int64_t)s->out_off;
    r.bytes_received = (int64_t)(p->header_bytes + p->body_bytes);
    if (c) {
        c->slot = NULL;
        s->conn = NULL;
        if (keep) {
            c->state = C_IDLE;
            struct h1conn **top = &x->idle[c->pool];
            c->prev = NULL;
            c->next = *top;
            if (*top)
                (*top)->prev = c;
            *top = c;
        } else {
            h1_conn_close(c);
        }
    }
    s->busy = false;
    x->inflight--;
    x->done(x->user, s->index, &r);
}

/* A failure with its message (printf-style) into the slot. */
static void fail(struct h1slot *s, enum rec_outcome oc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct h1slot *s, enum rec_outcome oc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    if (s->x->starting)
        defer_fail(s, oc); /* never complete inside xfer_start */
    else
        complete(s, oc, false);
}

void h1_on_defer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct xh1 *x = w->data;
    struct h1slot *s = x->defer_head;
    x->defer_head = NULL;
    while (s) {
        struct h1slot *n = s->defer_next;
        complete(s, s->defer_outcome, false);
        s = n;
    }
}

static void defer_fail(struct h1slot *s, enum rec_outcome oc)
{
    struct xh1 *x = s->x;
    /* Out of the deadline lists and deaf to its socket until reported. */
    h1_unlink_slot(s);
    if (s->conn)
        ev_io_stop(x->loop, &s->conn->io);
    s->defer_outcome = oc;
    s->defer_next = x->defer_head;
    x->defer_head = s;
    if (!ev_is_active(&x->defer_timer)) {
        ev_timer_set(&x->defer_timer, 0., 0.);
        ev_timer_start(x->loop, &x->defer_timer);
    }
}

void h1_on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct xh1 *x = w->data;
    int64_t now = clock_now_ns();
    struct h1slot *s;
    while ((s = x->cq_fifo.head) && s->conn_deadline_ns <= now) {
        const struct scn_target *t = &x->scn->targets[s->target];
        char hint[160];
        /* (only a port whose usual role is plain HTTP: during a run a
         * handshake that gets no answer is mostly a busy gateway) */
        if (s->conn && s->conn->state == C_HANDSHAKE && !s->conn->tls.first_len &&
            hint_scheme(hint, sizeof hint, t->port, false, HINT_PORT))
            fail(s, OC_TIMEOUT, "TLS handshake with %s: no answer within %.0f ms: %s", t->name,
                 x->scn->connect_timeout_ms, hint);
        else
            fail(s, OC_TIMEOUT, "connection to %s timed out after %.0f ms", t->name,
                 x->scn->connect_timeout_ms);
    }
    while ((s = x->rq_fifo.head) && s->req_deadline_ns <= now)
        fail(s, OC_TIMEOUT, "request timed out after %.0f ms (%s)", x->scn->request_timeout_ms,
             s->parser.status ? "response incomplete" : "no response");
    arm_deadline(x);
}

/* ---------------------------------------------------------- connections */

static void conn_events(struct h1conn *c, int events)
{
    if ((c->io.events & (EV_READ | EV_WRITE)) == events)
        return;
    ev_io_stop(c->x->loop, &c->io);
    ev_io_set(&c->io, c->io.fd, events);
    ev_io_start(c->x->loop, &c->io);
}

void h1_conn_close(struct h1conn *c)
{
    ev_io_stop(c->x->loop, &c->io);
    xfer_tls_conn_close(&c->tls, c->state != C_CONNECTING && c->state != C_HANDSHAKE);
    close(c->io.fd);
    free(c);
}

/* An idle connection leaves its stack. */
static void idle_remove(struct h1conn *c)
{
    struct h1conn **top = &c->x->idle[c->pool];
    if (c->prev)
        c->prev->next = c->next;
    else
        *top = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

/* Closes one idle connection (of any node and identity) to free its
 * descriptor; false when there is none. */
static bool close_an_idle(struct xh1 *x)
{
    for (size_t i = 0; i < x->tls.n_pools; i++) {
        struct h1conn *c = x->idle[i];
        if (c) {
            idle_remove(c);
            h1_conn_close(c);
            return true;
        }
    }
    return false;
}

/* A socket for family, or -1 with errno. Out of descriptors, an idle
 * connection makes room: the requests in flight need them more. */
static int open_socket(struct xh1 *x, int family)
{
    for (;;) {
        int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || !close_an_idle(x))
            return fd;
    }
}

/* Opens a connection of pool for slot s. */
static void conn_open(struct h1slot *s, size_t pool)
{
    struct xh1 *x = s->x;
    const struct scn_target *t = &x->scn->targets[s->target];
    s->new_conn = true;
    s->conn_deadline_ns = s->sent_ns + x->connect_timeout_ns;
    FIFO_PUSH(&x->cq_fifo, s, cq_prev, cq_next);
    s->in_cq = true;
    struct h1conn *c = calloc(1, sizeof *c);
    int fd = c ? open_socket(x, x->nv.addrs[s->target].ss_family) : -1;
    if (fd < 0) {
        int err = c ? errno : ENOMEM;
        snprintf(s->err, sizeof s->err, "node %s: cannot open a socket: %s", t->name,
                 strerror(err));
        free(c);
        s->local = xfer_errno_local(err);
        defer_fail(s, OC_OTHER);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->x = x;
    c->pool = pool;
    c->slot = s;
    c->state = C_CONNECTING;
    ev_io_init(&c->io, on_io, fd, EV_WRITE);
    s->conn = c;
    if (t->https &&
        xfer_tls_conn_start(&c->tls, &x->tls, pool, fd, t, &s->local, s->err, sizeof s->err)) {
        defer_fail(s, s->local ? OC_OTHER : OC_TLS);
        return;
    }
    if (connect(fd, (struct sockaddr *)&x->nv.addrs[s->target], x->nv.addr_lens[s->target]) &&
        errno != EINPROGRESS) {
        int err = errno;
        snprintf(s->err, sizeof s->err, "connect to %s: %s", t->name, strerror(err));
        s->local = xfer_errno_local(err); /* e.g. no ephemeral port left */
        defer_fail(s, err == ECONNREFUSED ? OC_REFUSED : OC_OTHER);
        return;
    }
    ev_io_start(x->loop, &c->io);
    arm_deadline(x);
}

/* The TCP connection is up (or failed). Returns true when a TLS
 * handshake is to follow (c still exists). */
static bool on_connected(struct h1conn *c)
{
    struct h1slot *s = c->slot;
    int soerr = 0;
    socklen_t len = sizeof soerr;
    getsockopt(c->io.fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (soerr) {
        s->local = xfer_errno_local(soerr);
        fail(s,
             soerr == ECONNREFUSED ? OC_REFUSED
             : soerr == ECONNRESET ? OC_RESET
                                   : OC_OTHER,
             "connect to %s: %s", s->x->scn->targets[s->target].name, strerror(soerr));
        return false;
    }
    s->connected_ns = clock_now_ns();
    if (!c->tls.ssl) {
        FIFO_DROP(&s->x->cq_fifo, s, cq_prev, cq_next);
        s->in_cq = false;
        c->state = C_WRITING;
        slot_write(s);
        return false;
    }
    c->state = C_HANDSHAKE;
    return true;
}

/* Continues the TLS handshake; on success writes the request. */
static void handshake(struct h1conn *c)
{
    struct h1slot *s = c->slot;
    const struct scn_target *t = &s->x->scn->targets[s->target];
    enum rec_outcome oc;
    char msg[sizeof s->err];
    switch (xfer_tls_conn_handshake(&c->tls, t, &oc, msg, sizeof msg)) {
    case XFER_TLS_DONE:
        s->tls_ns = clock_now_ns();
        if (s->in_cq) {
            FIFO_DROP(&s->x->cq_fifo, s, cq_prev, cq_next);
            s->in_cq = false;
        }
        c->state = C_WRITING;
        slot_write(s);
        return;
    case XFER_TLS_WANT_READ:
        conn_events(c, EV_READ);
        return;
    case XFER_TLS_WANT_WRITE:
        conn_events(c, EV_WRITE);
        return;
    case XFER_TLS_FAILED:
        fail(s, oc, "%s", msg);
        return;
    }
}

/* Writes what is left of the request; then waits for the answer. */
static void slot_write(struct h1slot *s)
{
    struct h1conn *c = s->conn;
    size_t total = s->out.head_len + s->out.body_len;
    if (!s->write_ns)
        s->write_ns = clock_now_ns();
    while (s->out_off < total) {
        const char *p;
        size_t n;
        if (s->out_off < s->out.head_len) {
            p = s->out.head + s->out_off;
            n = s->out.head_len - s->out_off;
        } else {
            p = s->out.body + (s->out_off - s->out.head_len);
            n = total - s->out_off;
        }
        ssize_t w;
        if (c->tls.ssl) {
            ERR_clear_error();
            errno = 0;
            int rc = SSL_write(c->tls.ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n));
            if (rc <= 0) {
                int e = SSL_get_error(c->tls.ssl, rc);
                if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
                    conn_events(c, e == SSL_ERROR_WANT_WRITE ? EV_WRITE : EV_READ);
                    return;
                }
                int saved = errno;
                char why[128];
                xfer_tls_error(c->tls.ssl, e, saved, why, sizeof why);
                if (c->tls.cert_requested) /* TLS 1.3: refused after our Finished */
                    fail(s, OC_TLS, "sending to %s: %s", s->x->scn->targets[s->target].name,
                         HINT_CLIENT_CERT);
                else
                    fail(s,
                         saved == EPIPE || saved == ECONNRESET || e == SSL_ERROR_ZERO_RETURN
                             ? OC_RESET
                             : OC_TLS,
                         "sending to %s: %s", s->x->scn->targets[s->target].name, why);
                return;
            }
            w = rc;
        } else if (s->out_off < s->out.head_len && s->out.body_len) {
            struct iovec iov[2] = {{(void *)(uintptr_t)p, n},
                                   {(void *)(uintptr_t)s->out.body, s->out.body_len}};
            struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
            w = sendmsg(c->io.fd, &m, MSG_NOSIGNAL);
        } else {
            w = send(c->io.fd, p, n, MSG_NOSIGNAL);
        }
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                conn_events(c, EV_WRITE);
                return;
            }
            fail(s, errno == EPIPE || errno == ECONNRESET ? OC_RESET : OC_OTHER,
                 "sending to %s: %s", s->x->scn->targets[s->target].name, strerror(errno));
            return;
        }
        s->out_off += (size_t)w;
    }
    c->state = C_READING;
    conn_events(c, EV_READ);
}

/* Feeds n bytes of the answer to slot s's parser; returns true when the
 * request completed (the slot and maybe the connection are gone). */
static bool feed(struct h1slot *s, const char *buf, size_t n)
{
    struct h1conn *c = s->conn;
    bool first = !s->first_byte_ns;
    if (first)
        s->first_byte_ns = clock_now_ns();
    size_t used = 0;
    enum h1p_rc rc = h1p_feed(&s->parser, buf, n, &used);
    if (rc == H1P_MORE)
        return false;
    if (rc == H1P_ERROR) {
        const struct scn_target *t = &s->x->scn->targets[s->target];
        char hint[160];
        if (first && !c->tls.ssl && hint_sniff(buf, n) == HINT_TLS &&
            hint_scheme(hint, sizeof hint, t->port, true, HINT_SAW))
            fail(s, OC_OTHER, "invalid response from %s: %s", t->name, hint);
        else
            fail(s, OC_OTHER, "invalid response from %s: %s", t->name, s->parser.error);
        return true;
    }
    c->tls.cert_requested = false; /* it answers without one: not required */
    /* Bytes after the response belong to no request: the connection
     * cannot be trusted with another. */
    bool keep = s->parser.keep_alive && !s->fresh && used == n &&
                (!c->tls.ssl || !SSL_has_pending(c->tls.ssl));
    complete(s, rec_outcome_of_status(s->parser.status), keep);
    return true;
}

/* The peer closed (n == 0) or the read failed (errno). */
static void read_end(struct h1slot *s, bool eof, int err, const char *tls_why)
{
    if (eof && h1p_eof(&s->parser) == H1P_DONE) {
        complete(s, rec_outcome_of_status(s->parser.status), false);
        return;
    }
    const struct scn_target *t = &s->x->scn->targets[s->target];
    const char *node = t->name;
    bool started = h1p_started(&s->parser);
    if (s->conn->tls.cert_requested && !started) { /* TLS 1.3: refused after our Finished */
        fail(s, OC_TLS, "receiving from %s: %s", node, HINT_CLIENT_CERT);
        return;
    }
    if (tls_why) {
        fail(s, OC_TLS, "receiving from %s: %s", node, tls_why);
        return;
    }
    /* a TLS port closing on a plain request? (no byte to tell: its port) */
    char hint[160] = "";
    if (!started && !s->conn->tls.ssl &&
        hint_scheme(hint + 2, sizeof hint - 2, t->port, true, HINT_PORT)) {
        hint[0] = ';';
        hint[1] = ' ';
    }
    if (eof)
        fail(s, OC_RESET, "%s closed the connection %s%s", node,
             started ? "before the response completed" : "without a response", hint);
    else
        fail(s, err == ECONNRESET || err == EPIPE ? OC_RESET : OC_OTHER, "receiving from %s: %s%s",
             node, strerror(err), hint);
}

/* Reads what arrived on c; for an idle connection, anything but a TLS
 * message of its own closes it. */
static void conn_read(struct h1conn *c)
{
    struct xh1 *x = c->x;
    for (;;) {
        struct h1slot *s = c->slot;
        ssize_t n;
        if (c->tls.ssl) {
            ERR_clear_error();
            errno = 0;
            int rc = SSL_read(c->tls.ssl, x->rbuf, (int)sizeof x->rbuf);
            if (rc <= 0) {
                int e = SSL_get_error(c->tls.ssl, rc);
                if (e == SSL_ERROR_WANT_READ)
                    return;
                if (e == SSL_ERROR_WANT_WRITE) {
                    conn_events(c, EV_READ | EV_WRITE);
                    return;
                }
                int saved = errno;
                if (!s) {
                    idle_remove(c);
                    h1_conn_close(c);
                } else if (e == SSL_ERROR_ZERO_RETURN ||
                           (e == SSL_ERROR_SYSCALL && !saved && !ERR_peek_error())) {
                    read_end(s, true, 0, NULL);
                } else if (e == SSL_ERROR_SYSCALL && saved && !ERR_peek_error()) {
                    read_end(s, false, saved, NULL);
                } else {
                    char why[128];
                    xfer_tls_error(c->tls.ssl, e, saved, why, sizeof why);
                    read_end(s, false, 0, why);
                }
                return;
            }
            n = rc;
        } else {
            n = recv(c->io.fd, x->rbuf, sizeof x->rbuf, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            if (n <= 0) {
                if (!s) {
                    idle_remove(c);
                    h1_conn_close(c);
                } else {
                    read_end(s, n == 0, errno, NULL);
                }
                return;
            }
        }
        if (!s) {
            /* An answer nobody asked for. */
            idle_remove(c);
            h1_conn_close(c);
            return;
        }
        if (feed(s, x->rbuf, (size_t)n))
            return;
        /* Plain sockets: level-triggered, a short read drained it. TLS:
         * OpenSSL may hold more records than the one returned. */
        if (c->tls.ssl ? !SSL_has_pending(c->tls.ssl) : (size_t)n < sizeof x->rbuf)
            return;
    }
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    struct h1conn *c = (struct h1conn *)w;
    switch (c->state) {
    case C_CONNECTING:
        if (on_connected(c))
            handshake(c);
        return;
    case C_HANDSHAKE:
        handshake(c);
        return;
    case C_WRITING:
        if (c->tls.ssl && (revents & EV_READ) && SSL_want_read(c->tls.ssl)) {
            slot_write(c->slot);
            return;
        }
        if (revents & EV_WRITE)
            slot_write(c->slot);
        return;
    case C_READING:
    case C_IDLE:
        if (revents & EV_WRITE) /* a TLS read that wanted to write has written */
            conn_events(c, EV_READ);
        conn_read(c);
        return;
    }
}

/* -------------------------------------------------------------- starting */

/* The request's bytes: pre-built, or built into the slot's buffer.
 * Returns 0, or -1 with the reason in s->err. */
static int prepare(struct xh1 *x, struct h1slot *s, const struct xfer_req *rq)
{
    size_t k = rq->request * x->scn->n_targets + rq->target;
    bool with_token = x->auth && rq->app != XFER_NO_APP;
    if (!x->nv.dynamic[rq->request] && !with_token) {
        s->out = x->static_out[k];
        return 0;
    }
    struct h1req_src src = {x->scn, x->auth, x->sig, x->sig_line, &x->rng, x->nv.base_paths};
    return h1req_prepare(&src, rq, x->nv.dynamic[rq->request], &s->rb, &s->wbuf, &s->out,
                         &s->auth_gen, &s->local, s->err, sizeof s->err);
}

int h1_start(struct xfer *xb, size_t slot, const struct xfer_req *rq)
{
    struct xh1 *x = (struct xh1 *)xb;
    struct h1slot *s = &x->slots[slot];
    s->x = x;
    s->index = slot;
    s->sent_ns = clock_now_ns();
    s->request = rq->request;
    s->target = rq->target;
    s->app = rq->app;
    s->auth_gen = 0;
    s->out_off = 0;
    s->new_conn = false;
    s->connected_ns = s->tls_ns = s->write_ns = s->first_byte_ns = 0;
    s->err[0] = '\0';
    s->local = false;
    h1p_reset(&s->parser, x->scn->node_header, x->node_header_len,
              h1req_head(&x->scn->requests[rq->request]));
    s->parser.peek_2xx = x->nv.peek_2xx[rq->request];
    if (rq->keep)
        h1p_keep_begin(&s->parser, &s->keep, rq->body_limit);
    s->busy = true;
    s->conn = NULL;
    x->inflight++;
    if (prepare(x, s, rq)) {
        defer_fail(s, OC_OTHER); /* never complete inside xfer_start */
        return 0;
    }
    s->fresh = xfer_want_fresh(&x->scn->tls, &x->rng);
    s->req_deadline_ns = s->sent_ns + x->request_timeout_ns;
    FIFO_PUSH(&x->rq_fifo, s, rq_prev, rq_next);
    s->in_rq = true;
    size_t pool = xfer_tls_client_pool(&x->tls, rq->target, rq->app);
    struct h1conn *c = s->fresh ? NULL : x->idle[pool];
    x->starting = true;
    if (!c) {
        conn_open(s, pool);
    } else {
        idle_remove(c);
        c->slot = s;
        c->state = C_WRITING;
        s->conn = c;
        slot_write(s);
        arm_deadline(x);
    }
    x->starting = false;
    return 0;
}
