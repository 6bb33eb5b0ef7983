/*
 * xfer_h2_setup.c — the native HTTP/2 transport's life outside the
 * request path: creating it (node addresses, pre-built requests as header
 * fields, nghttp2's callbacks and options, the TLS context with ALPN "h2",
 * CA store and certificate identities), abandoning what is in flight,
 * freeing; see xfer.h and xfer_h2_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/xfer_h2_int.h"
#include "net/xfer_tls.h"
#include "scenario/scenario.h"

static const struct xfer_ops xh2_ops;

static size_t xh2_inflight(const struct xfer *xb)
{
    return ((const struct xh2 *)xb)->inflight;
}

static size_t xh2_abandon_all(struct xfer *xb,
                              void (*each)(void *ctx, size_t slot, int64_t sent_ns), void *ctx)
{
    struct xh2 *x = (struct xh2 *)xb;
    size_t n = 0;
    for (size_t i = 0; i < x->n_slots; i++) {
        struct h2slot *s = &x->slots[i];
        if (!s->busy)
            continue;
        if (each)
            each(ctx, i, s->sent_ns);
        h2_unlink_slot(s);
        s->busy = false;
        n++;
    }
    while (x->all)
        h2_conn_close(x->all);
    x->defer_head = NULL;
    ev_timer_stop(x->loop, &x->deadline);
    ev_timer_stop(x->loop, &x->defer_timer);
    x->inflight = 0;
    return n;
}

static void xh2_free(struct xfer *xb)
{
    struct xh2 *x = (struct xh2 *)xb;
    const struct scenario *scn = x->scn;
    if (x->slots) {
        xh2_abandon_all(xb, NULL, NULL);
        for (size_t i = 0; i < x->n_slots; i++) {
            tpl_buf_free(&x->slots[i].wbuf);
            h1p_keep_free(&x->slots[i].kept);
            render_bufs_free(&x->slots[i].rb);
            free(x->slots[i].nv_own);
        }
    }
    size_t nk = scn->n_requests * scn->n_targets;
    xfer_tls_client_free(&x->tls);
    reqsig_free(x->sig);
    for (size_t i = 0; x->static_reqs && i < nk; i++)
        tpl_buf_free(&x->static_reqs[i]);
    for (size_t i = 0; x->statics && i < nk; i++)
        free(x->statics[i].nv);
    xfer_native_free(&x->nv, scn);
    if (x->cbs)
        nghttp2_session_callbacks_del(x->cbs);
    if (x->opt)
        nghttp2_option_del(x->opt);
    free(x->static_reqs);
    free(x->statics);
    free(x->avail);
    free(x->wait_head);
    free(x->wait_tail);
    free(x->conns);
    free(x->slots);
    free(x);
}

/* Connections one worker's transport may open per pool: http2.connections
 * shared out among the run's workers, rounded up (a transport does not
 * know which worker it is, so with 3 workers and 10 connections each may
 * open 4). 0: no cap. */
static size_t conn_cap(const struct scenario *scn)
{
    if (scn->http2.connections <= 0)
        return 0;
    size_t w = scn->workers > 0 ? (size_t)scn->workers : 1;
    return ((size_t)scn->http2.connections + w - 1) / w;
}

size_t xfer_h2_fds(const struct scenario *scn, size_t slots)
{
    size_t cap = conn_cap(scn);
    size_t ids = 1;
    for (size_t a = 0; a < scn->auth.n_apps; a++)
        if (scn->auth.apps[a].cert_file)
            ids = 1 + scn->auth.n_apps;
    size_t most = cap * scn->n_targets * ids;
    return cap && most < slots ? most : slots;
}

/* Builds the static request k of r to target t as header fields. */
static int make_static(struct xh2 *x, size_t r, size_t t)
{
    const struct scenario *scn = x->scn;
    size_t k = r * scn->n_targets + t;
    struct h2static *st = &x->statics[k];
    if (h1req_build(&scn->requests[r], &scn->targets[t], NULL, NULL, NULL, NULL, &x->static_reqs[k],
                    &st->out) ||
        !(st->nv = calloc(x->nv_max, sizeof *st->nv)))
        return -1;
    long n = h2_sess_nv(&st->out, scn->targets[t].https ? "https" : "http", st->nv, x->nv_max,
                        &st->body, &st->body_len);
    if (n < 0)
        return -1;
    st->nv_len = (size_t)n;
    return 0;
}

int xfer_h2_new(struct ev_loop *loop, const struct scenario *scn, const char *const *resolve,
                size_t n_resolve, struct auth_pool *auth, size_t slots, uint64_t seed,
                xfer_done_fn done, void *user, struct xfer **out, char *err, size_t err_len)
{
    struct xh2 *x = calloc(1, sizeof *x);
    if (!x)
        goto nomem;
    x->base.ops = &xh2_ops;
    x->loop = loop;
    x->scn = scn;
    x->auth = auth;
    if (auth && reqsig_new(scn, &x->sig))
        goto nomem;
    x->done = done;
    x->user = user;
    x->rng = seed ? seed : 1;
    x->n_slots = slots;
    x->request_timeout_ns = (int64_t)(scn->request_timeout_ms * 1e6);
    x->connect_timeout_ns = (int64_t)(scn->connect_timeout_ms * 1e6);
    x->node_header_len = scn->node_header ? strlen(scn->node_header) : 0;
    x->conn_cap = conn_cap(scn);
    /* offering only "h2": a node that does not select it fails the
     * connection (xfer_h2_io.c) */
    static const unsigned char alpn[] = "\x02h2";
    if (xfer_tls_client_init(&x->tls, scn, auth, alpn, sizeof alpn - 1, err, err_len))
        goto fail;
    /* fields: the four pseudo-headers, Accept, Content-Type and -Length,
     * the token and signature, and the request's own */
    size_t most = 0;
    for (size_t r = 0; r < scn->n_requests; r++)
        if (scn->requests[r].n_headers > most)
            most = scn->requests[r].n_headers;
    x->nv_max = H2_NV_FIXED + 6 + most;
    if (xfer_native_init(&x->nv, scn, resolve, n_resolve, err, err_len))
        goto fail;
    size_t nt = scn->n_targets, pools = x->tls.n_pools, nk = scn->n_requests * nt;
    x->slots = calloc(slots, sizeof *x->slots);
    x->avail = calloc(pools, sizeof *x->avail);
    x->wait_head = calloc(pools, sizeof *x->wait_head);
    x->wait_tail = calloc(pools, sizeof *x->wait_tail);
    x->conns = calloc(pools, sizeof *x->conns);
    x->static_reqs = calloc(nk, sizeof *x->static_reqs);
    x->statics = calloc(nk, sizeof *x->statics);
    if (!x->slots || !x->avail || !x->wait_head || !x->wait_tail || !x->conns || !x->static_reqs ||
        !x->statics || h2_sess_callbacks(&x->cbs) || nghttp2_option_new(&x->opt))
        goto nomem;
    /* nghttp2 sends WINDOW_UPDATE as bodies are read (its default), so
     * the 2^30-1 windows (xfer_h2_sess.c) stay open */
    nghttp2_option_set_no_auto_window_update(x->opt, 0);
    /* Before the server's SETTINGS, one stream goes out (nghttp2 holds the
     * rest, 100 by default): a server allowing fewer than a first burst
     * would refuse the excess, and that refusal would be gatecap's doing,
     * reported as the gateway's. */
    nghttp2_option_set_peer_max_concurrent_streams(x->opt, 1);
    ev_timer_init(&x->deadline, h2_on_deadline, 0., 0.);
    x->deadline.data = x;
    ev_timer_init(&x->defer_timer, h2_on_defer, 0., 0.);
    x->defer_timer.data = x;
    for (size_t r = 0; r < scn->n_requests; r++) {
        for (size_t t = 0; t < nt && !x->nv.dynamic[r]; t++)
            if (make_static(x, r, t))
                goto nomem;
    }
    *out = &x->base;
    return 0;
nomem:
    snprintf(err, err_len, "out of memory creating %zu HTTP/2 transfer slots", slots);
fail:
    if (x)
        xh2_free(&x->base);
    return -1;
}

static const struct xfer_ops xh2_ops = {
    .start = h2_start,
    .inflight = xh2_inflight,
    .abandon_all = xh2_abandon_all,
    .free = xh2_free,
};
