/*
 * xfer_h2.c — the native HTTP/2 transport's request path: connections
 * (h2c with prior knowledge, or TLS with ALPN "h2") on the worker's libev
 * loop, their pools, requests waiting for a stream, deadlines and
 * completions; see xfer.h and docs/scenario.md ("HTTP/2"). The nghttp2
 * session of a connection is in xfer_h2_sess.c, its socket and TLS in
 * xfer_h2_io.c.
 *
 * Pools are per node and client certificate (identity). A request goes on
 * a connection of its pool with a free stream (the most recently freed
 * first), else on a new connection, else — http2.connections reached — it
 * waits in its pool's FIFO until a stream frees (xfer_result.stream_wait).
 * A connection carries at most min(http2.max_streams, the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS) streams. Before the server's SETTINGS
 * arrive a new connection takes up to max_streams requests but sends one
 * (nghttp2 holds the rest in its queue until the limit is known, then
 * sends what it allows): a first burst is never refused for a limit
 * gatecap had not heard; those held beyond the limit count as having
 * waited for a stream.
 *
 * Every request has the same timeouts, so deadlines expire in start order:
 * one FIFO of requests and one of connecting connections, one ev_timer.
 * A request that times out is cancelled (RST_STREAM CANCEL) and its
 * connection goes on. Failures inside xfer_start are reported from the
 * loop (a zero-delay timer), never from within xfer_start.
 *
 * nghttp2 calls back from inside nghttp2_session_mem_recv, and a
 * completion may start the next request then: it is submitted at once
 * (nghttp2 allows that) and written when the receive returns; a
 * connection is never closed inside its own receive (close_pending).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "net/hint.h"
#include "net/xfer_h2_int.h"
#include "scenario/scenario.h"

static void dispatch(struct xh2 *x, size_t pool);

/* ------------------------------------------------------------ deadlines */

static void arm_deadline(struct xh2 *x)
{
    int64_t when = INT64_MAX;
    if (x->rq_head)
        when = x->rq_head->req_deadline_ns;
    if (x->cq_head && x->cq_head->conn_deadline_ns < when)
        when = x->cq_head->conn_deadline_ns;
    if (when == INT64_MAX || (ev_is_active(&x->deadline) && x->armed_ns <= when))
        return;
    ev_timer_stop(x->loop, &x->deadline);
    x->armed_ns = when;
    int64_t d = when - clock_now_ns();
    ev_timer_set(&x->deadline, d > 0 ? (double)d / 1e9 : 0., 0.);
    ev_timer_start(x->loop, &x->deadline);
}

void h2_cq_drop(struct h2conn *c)
{
    if (c->in_cq) {
        XFER_LIST_DROP(c->x->cq_head, c->x->cq_tail, c, cq_prev, cq_next);
        c->in_cq = false;
    }
}

/* ---------------------------------------------------------------- pools */

/* Streams c may carry: max_streams, and once the server's SETTINGS are
 * known, no more than it allows (before, nghttp2 sends one and holds the
 * rest: xfer_h2_sess.c). */
static size_t conn_limit(const struct h2conn *c)
{
    size_t mine = (size_t)c->x->scn->http2.max_streams;
    if (!c->settings_seen)
        return mine;
    uint32_t remote =
        nghttp2_session_get_remote_settings(c->sess, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    return remote < mine ? remote : mine;
}

static bool has_room(const struct h2conn *c)
{
    return c->sess && !c->goaway && !c->fresh && c->streams < conn_limit(c);
}

static void avail_drop(struct h2conn *c)
{
    if (!c->in_avail)
        return;
    struct h2conn **top = &c->x->avail[c->pool];
    if (c->av_prev)
        c->av_prev->av_next = c->av_next;
    else
        *top = c->av_next;
    if (c->av_next)
        c->av_next->av_prev = c->av_prev;
    c->in_avail = false;
}

static void avail_push(struct h2conn *c)
{
    if (c->in_avail)
        return;
    struct h2conn **top = &c->x->avail[c->pool];
    c->av_prev = NULL;
    c->av_next = *top;
    if (*top)
        (*top)->av_prev = c;
    *top = c;
    c->in_avail = true;
}

/* A connection of pool with a free stream, or NULL. */
static struct h2conn *pick(struct xh2 *x, size_t pool)
{
    struct h2conn *c;
    while ((c = x->avail[pool]) && !has_room(c))
        avail_drop(c);
    return c;
}

/* After its streams or limits changed: c back among those with room, or
 * closed when it has no use left. */
void h2_conn_update(struct h2conn *c)
{
    if (has_room(c)) {
        avail_push(c);
        dispatch(c->x, c->pool);
    } else if ((c->goaway || c->fresh) && !c->streams) {
        if (c->in_recv)
            c->close_pending = true;
        else
            h2_conn_close_r(c, true);
    }
}

/* ----------------------------------------------------------- completion */

void h2_unlink_slot(struct h2slot *s)
{
    struct xh2 *x = s->x;
    if (s->in_rq) {
        XFER_LIST_DROP(x->rq_head, x->rq_tail, s, rq_prev, rq_next);
        s->in_rq = false;
    }
    if (s->waiting) {
        XFER_LIST_DROP(x->wait_head[s->pool], x->wait_tail[s->pool], s, wt_prev, wt_next);
        s->waiting = false;
    }
    struct h2conn *c = s->conn;
    if (c) {
        XFER_LIST_DROP(c->s_first, c->s_last, s, cs_prev, cs_next);
        c->streams--;
        if (s->stream_id > 0 && c->sess)
            nghttp2_session_set_stream_user_data(c->sess, s->stream_id, NULL);
        s->conn = NULL;
    }
}

void h2_complete(struct h2slot *s, enum rec_outcome oc)
{
    struct xh2 *x = s->x;
    struct h2conn *c = s->conn;
    h2_unlink_slot(s);
    struct xfer_result r = {
        .sent_ns = s->sent_ns,
        .done_ns = clock_now_ns(),
        .outcome = oc,
        .new_connection = s->new_conn,
        .auth_gen = s->auth_gen,
        .local = s->local,
        .throttle_kind = -1,
        .retry_after_s = -1,
        .stream_wait = s->stream_wait,
        .bytes_sent = s->bytes_sent,
        .bytes_received = s->bytes_received,
    };
    if (!s->err[0]) { /* an answer */
        struct xfer_answer a = {.status = s->status,
                                .node = s->node,
                                .node_len = s->node_len,
                                .peek = s->peek_buf,
                                .peek_len = s->peek_len,
                                .retry_after_s = s->retry_after_s,
                                .keep = s->keep ? &s->kept : NULL};
        xfer_answer(x->scn, s->request, s->target, &a, &r, s->err, sizeof s->err);
    } else {
        r.error = s->err;
    }
    if (s->new_conn) {
        r.connect_us = s->connected_ns ? (s->connected_ns - s->sent_ns) / 1000 : 0;
        r.tls_us = s->tls_ns ? (s->tls_ns - s->connected_ns) / 1000 : 0;
    }
    r.ttfb_us = s->first_byte_ns && s->write_ns ? (s->first_byte_ns - s->write_ns) / 1000 : 0;
    s->busy = false;
    x->inflight--;
    /* the stream it freed goes to the oldest waiter before the callback
     * can start another request */
    if (c)
        h2_conn_update(c);
    x->done(x->user, s->index, &r);
}

void h2_on_defer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct xh2 *x = w->data;
    struct h2slot *s = x->defer_head;
    x->defer_head = NULL;
    while (s) {
        struct h2slot *n = s->defer_next;
        h2_complete(s, s->defer_outcome);
        s = n;
    }
}

/* Reports s's failure (s->err) from the loop. */
static void defer_fail(struct h2slot *s, enum rec_outcome oc)
{
    struct xh2 *x = s->x;
    struct h2conn *c = s->conn;
    h2_unlink_slot(s);
    if (c)
        h2_conn_update(c);
    s->defer_outcome = oc;
    s->defer_next = x->defer_head;
    x->defer_head = s;
    if (!ev_is_active(&x->defer_timer)) {
        ev_timer_set(&x->defer_timer, 0., 0.);
        ev_timer_start(x->loop, &x->defer_timer);
    }
}

void h2_conn_fail(struct h2conn *c, enum rec_outcome oc, const char *fmt, ...)
{
    struct xh2 *x = c->x;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->goaway = true; /* no new stream; not closed while its requests end */
    avail_drop(c);
    h2_cq_drop(c);
    bool was = c->in_recv;
    c->in_recv = true;
    struct h2slot *s;
    while ((s = c->s_first)) {
        snprintf(s->err, sizeof s->err, "%s", msg);
        if (x->starting)
            defer_fail(s, oc);
        else
            h2_complete(s, oc);
    }
    c->in_recv = was;
}

/* ----------------------------------------------------------- connections */

void h2_conn_close(struct h2conn *c)
{
    h2_conn_close_r(c, false);
}

void h2_conn_close_r(struct h2conn *c, bool redispatch)
{
    struct xh2 *x = c->x;
    size_t pool = c->pool;
    avail_drop(c);
    h2_cq_drop(c);
    if (c->io.fd >= 0) {
        ev_io_stop(x->loop, &c->io);
        xfer_tls_conn_close(&c->tls, false);
        close(c->io.fd);
    }
    if (c->sess)
        nghttp2_session_del(c->sess);
    free(c->pbuf);
    if (c->all_prev)
        c->all_prev->all_next = c->all_next;
    else
        x->all = c->all_next;
    if (c->all_next)
        c->all_next->all_prev = c->all_prev;
    x->conns[pool]--;
    free(c);
    if (redispatch)
        dispatch(x, pool); /* room under http2.connections */
}

static struct h2conn *conn_alloc(struct xh2 *x, size_t pool)
{
    struct h2conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->x = x;
    c->pool = pool;
    c->target = pool / x->tls.n_ids;
    c->io.fd = -1;
    if (h2_sess_new(c)) {
        free(c);
        return NULL;
    }
    c->all_next = x->all;
    if (x->all)
        x->all->all_prev = c;
    x->all = c;
    x->conns[pool]++;
    return c;
}

struct h2conn *h2_conn_detached(struct xh2 *x, size_t pool)
{
    struct h2conn *c = conn_alloc(x, pool);
    if (c) {
        c->state = H2C_OPEN;
        avail_push(c);
    }
    return c;
}

/* Puts s's request on c. */
static void attach(struct h2slot *s, struct h2conn *c)
{
    s->conn = c;
    XFER_LIST_PUSH(c->s_first, c->s_last, s, cs_prev, cs_next);
    c->streams++;
    if (!has_room(c))
        avail_drop(c);
    if (h2_sess_submit(s)) {
        defer_fail(s, OC_OTHER);
        return;
    }
    h2_conn_flush(c);
}

/* A socket for family, or -1 with errno. Out of descriptors, a
 * connection without a request (other than but) makes room: the requests
 * in flight need them more. */
static int open_socket(struct xh2 *x, int family, const struct h2conn *but)
{
    for (;;) {
        int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd >= 0 || (errno != EMFILE && errno != ENFILE))
            return fd;
        struct h2conn *idle = x->all;
        while (idle && (idle == but || idle->streams || idle->in_recv))
            idle = idle->all_next;
        if (!idle)
            return fd;
        h2_conn_close_r(idle, false);
    }
}

/* Opens a connection of s's pool for s (fresh: for s alone). */
static void conn_open(struct h2slot *s, bool fresh)
{
    struct xh2 *x = s->x;
    const struct scn_target *t = &x->scn->targets[s->target];
    s->new_conn = true;
    struct h2conn *c = conn_alloc(x, s->pool);
    int fd = c ? open_socket(x, x->nv.addrs[s->target].ss_family, c) : -1;
    if (fd < 0) {
        int err = c ? errno : ENOMEM;
        snprintf(s->err, sizeof s->err, "node %s: cannot open a socket: %s", t->name,
                 strerror(err));
        if (c)
            h2_conn_close_r(c, false);
        s->local = xfer_errno_local(err);
        defer_fail(s, OC_OTHER);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fresh = fresh;
    c->state = H2C_CONNECTING;
    ev_io_init(&c->io, h2_on_io, fd, EV_WRITE);
    c->conn_deadline_ns = s->sent_ns + x->connect_timeout_ns;
    XFER_LIST_PUSH(x->cq_head, x->cq_tail, c, cq_prev, cq_next);
    c->in_cq = true;
    if (t->https &&
        xfer_tls_conn_start(&c->tls, &x->tls, c->pool, fd, t, &s->local, s->err, sizeof s->err)) {
        h2_conn_close_r(c, false);
        defer_fail(s, s->local ? OC_OTHER : OC_TLS);
        return;
    }
    if (connect(fd, (struct sockaddr *)&x->nv.addrs[s->target], x->nv.addr_lens[s->target]) &&
        errno != EINPROGRESS) {
        int err = errno;
        snprintf(s->err, sizeof s->err, "connect to %s: %s", t->name, strerror(err));
        s->local = xfer_errno_local(err);
        h2_conn_close_r(c, false);
        defer_fail(s, err == ECONNREFUSED ? OC_REFUSED : OC_OTHER);
        return;
    }
    ev_io_start(x->loop, &c->io);
    if (!fresh)
        avail_push(c);
    attach(s, c);
}

/* Places s: a connection with a free stream, a new one, or the wait. */
static void place(struct h2slot *s, bool fresh)
{
    struct xh2 *x = s->x;
    bool room = !x->conn_cap || x->conns[s->pool] < x->conn_cap;
    struct h2conn *c = fresh && room ? NULL : pick(x, s->pool);
    if (c) {
        attach(s, c);
    } else if (room) {
        conn_open(s, fresh);
    } else {
        s->waiting = s->stream_wait = true;
        XFER_LIST_PUSH(x->wait_head[s->pool], x->wait_tail[s->pool], s, wt_prev, wt_next);
    }
}

/* Starts the requests waiting in pool while there is room. */
static void dispatch(struct xh2 *x, size_t pool)
{
    struct h2slot *s;
    while ((s = x->wait_head[pool]) &&
           (pick(x, pool) || !x->conn_cap || x->conns[pool] < x->conn_cap)) {
        XFER_LIST_DROP(x->wait_head[pool], x->wait_tail[pool], s, wt_prev, wt_next);
        s->waiting = false;
        place(s, false);
    }
}

void h2_on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct xh2 *x = w->data;
    int64_t now = clock_now_ns();
    struct h2conn *c;
    while ((c = x->cq_head) && c->conn_deadline_ns <= now) {
        const struct scn_target *t = &x->scn->targets[c->target];
        h2_conn_fail(c, OC_TIMEOUT, "%s with %s timed out after %.0f ms",
                     c->state == H2C_HANDSHAKE ? "TLS handshake" : "connection", t->name,
                     x->scn->connect_timeout_ms);
        h2_conn_close_r(c, true);
    }
    struct h2slot *s;
    while ((s = x->rq_head) && s->req_deadline_ns <= now) {
        const char *node = x->scn->targets[s->target].name;
        if (s->waiting) {
            snprintf(s->err, sizeof s->err,
                     "no answer from %s within %.0f ms: waited all that time for a stream "
                     "(http2.connections and max_streams in use)",
                     node, x->scn->request_timeout_ms);
            h2_complete(s, OC_TIMEOUT);
            continue;
        }
        c = s->conn;
        snprintf(s->err, sizeof s->err, "no answer from %s within %.0f ms", node,
                 x->scn->request_timeout_ms);
        if (!c) { /* (cannot be: a request not waiting is on a connection) */
            h2_complete(s, OC_TIMEOUT);
            continue;
        }
        if (s->stream_id > 0) {
            nghttp2_submit_rst_stream(c->sess, NGHTTP2_FLAG_NONE, s->stream_id, NGHTTP2_CANCEL);
            size_t k = strlen(s->err);
            snprintf(s->err + k, sizeof s->err - k, " (stream cancelled: RST_STREAM CANCEL)");
        }
        /* c is not closed under the completion (a fresh one would be) */
        bool was = c->in_recv;
        c->in_recv = true;
        h2_complete(s, OC_TIMEOUT);
        c->in_recv = was;
        if (c->close_pending && !was)
            h2_conn_close_r(c, true);
        else
            h2_conn_flush(c);
    }
    arm_deadline(x);
}

/* -------------------------------------------------------------- starting */

/* Sets slot `slot` up for rq. Returns it; -1 in *bad when it failed
 * (reported from the loop). */
static struct h2slot *slot_begin(struct xh2 *x, size_t slot, const struct xfer_req *rq, int *bad)
{
    struct h2slot *s = &x->slots[slot];
    s->x = x;
    s->index = slot;
    s->sent_ns = clock_now_ns();
    s->request = rq->request;
    s->target = rq->target;
    s->app = rq->app;
    s->pool = xfer_tls_client_pool(&x->tls, rq->target, rq->app);
    s->auth_gen = 0;
    s->stream_id = 0;
    s->new_conn = s->stream_wait = s->waiting = false;
    s->connected_ns = s->tls_ns = s->write_ns = s->first_byte_ns = 0;
    s->bytes_sent = s->bytes_received = 0;
    s->err[0] = '\0';
    s->local = false;
    s->status = 0;
    s->interim = s->ended = s->rst = s->peek = false;
    s->retry_after_s = -1;
    s->node_len = s->peek_len = 0;
    s->keep = rq->keep;
    s->body_limit = rq->body_limit;
    if (rq->keep)
        h1p_keep_clear(&s->kept, rq->body_limit);
    s->conn = NULL;
    s->busy = true;
    x->inflight++;
    *bad = 0;
    if (h2_prepare(x, s, rq)) {
        *bad = -1;
        defer_fail(s, OC_OTHER);
    }
    return s;
}

int h2_start(struct xfer *xb, size_t slot, const struct xfer_req *rq)
{
    struct xh2 *x = (struct xh2 *)xb;
    int bad;
    struct h2slot *s = slot_begin(x, slot, rq, &bad);
    if (bad)
        return 0;
    s->req_deadline_ns = s->sent_ns + x->request_timeout_ns;
    XFER_LIST_PUSH(x->rq_head, x->rq_tail, s, rq_prev, rq_next);
    s->in_rq = true;
    x->starting = true;
    place(s, xfer_want_fresh(&x->scn->tls, &x->rng));
    x->starting = false;
    arm_deadline(x);
    return 0;
}

int h2_start_on(struct xh2 *x, size_t slot, const struct xfer_req *rq, struct h2conn *c)
{
    int bad;
    struct h2slot *s = slot_begin(x, slot, rq, &bad);
    if (bad)
        return -1;
    attach(s, c);
    return 0;
}
