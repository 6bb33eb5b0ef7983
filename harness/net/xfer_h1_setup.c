/*
 * xfer_h1_setup.c — the native transport's life outside the request path:
 * creating it (node addresses, pre-built requests, its TLS context, CA
 * store and certificate identities, all from the scenario's bytes),
 * abandoning what is in flight, freeing; see xfer.h and xfer_h1_int.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/xfer_h1_int.h"
#include "net/xfer_tls.h"
#include "scenario/scenario.h"

static const struct xfer_ops xh1_ops;

static size_t xh1_inflight(const struct xfer *xb)
{
    return ((const struct xh1 *)xb)->inflight;
}

static size_t xh1_abandon_all(struct xfer *xb,
                              void (*each)(void *ctx, size_t slot, int64_t sent_ns), void *ctx)
{
    struct xh1 *x = (struct xh1 *)xb;
    size_t n = 0;
    for (size_t i = 0; i < x->n_slots; i++) {
        struct h1slot *s = &x->slots[i];
        if (!s->busy)
            continue;
        if (each)
            each(ctx, i, s->sent_ns);
        h1_unlink_slot(s);
        if (s->conn) {
            s->conn->slot = NULL;
            h1_conn_close(s->conn);
            s->conn = NULL;
        }
        s->busy = false;
        n++;
    }
    x->defer_head = NULL;
    ev_timer_stop(x->loop, &x->defer_timer);
    ev_timer_stop(x->loop, &x->deadline);
    x->inflight = 0;
    return n;
}

static void xh1_free(struct xfer *xb)
{
    struct xh1 *x = (struct xh1 *)xb;
    const struct scenario *scn = x->scn;
    if (x->slots) {
        xh1_abandon_all(xb, NULL, NULL);
        for (size_t i = 0; i < x->n_slots; i++) {
            tpl_buf_free(&x->slots[i].wbuf);
            h1p_keep_free(&x->slots[i].keep);
            render_bufs_free(&x->slots[i].rb);
        }
    }
    for (size_t i = 0; x->idle && i < x->tls.n_pools; i++)
        while (x->idle[i]) {
            struct h1conn *c = x->idle[i];
            x->idle[i] = c->next;
            h1_conn_close(c);
        }
    xfer_tls_client_free(&x->tls);
    reqsig_free(x->sig);
    for (size_t i = 0; x->static_reqs && i < scn->n_requests * scn->n_targets; i++)
        tpl_buf_free(&x->static_reqs[i]);
    xfer_native_free(&x->nv, scn);
    free(x->static_reqs);
    free(x->static_out);
    free(x->idle);
    free(x->slots);
    free(x);
}

/* The address of node t into *out and *addr_len. Returns 0, or -1 when
 * there is none. */
static int target_addr(const struct scn_target *t, const char *const *resolve, size_t n_resolve,
                       struct sockaddr_storage *out, socklen_t *addr_len)
{
    char want[512];
    const char *addr = t->host;
    int n = snprintf(want, sizeof want, "%s:%d:", t->host, t->port);
    for (size_t i = 0; i < n_resolve && n > 0 && (size_t)n < sizeof want; i++)
        if (!strncmp(resolve[i], want, (size_t)n))
            addr = resolve[i] + n;
    char buf[INET6_ADDRSTRLEN + 2];
    size_t len = strlen(addr);
    if (addr[0] == '[' && len > 2 && len < sizeof buf) {
        memcpy(buf, addr + 1, len - 2);
        buf[len - 2] = '\0';
        addr = buf;
    }
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)t->port);
        *addr_len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)t->port);
        *addr_len = sizeof *v6;
        return 0;
    }
    return -1;
}

int xfer_native_init(struct xfer_native *nv, const struct scenario *scn, const char *const *resolve,
                     size_t n_resolve, char *err, size_t err_len)
{
    size_t nt = scn->n_targets, nr = scn->n_requests;
    nv->addrs = calloc(nt, sizeof *nv->addrs);
    nv->addr_lens = calloc(nt, sizeof *nv->addr_lens);
    nv->base_paths = calloc(nt, sizeof *nv->base_paths);
    nv->dynamic = calloc(nr, sizeof *nv->dynamic);
    nv->peek_2xx = calloc(nr, sizeof *nv->peek_2xx);
    if (!nv->addrs || !nv->addr_lens || !nv->base_paths || !nv->dynamic || !nv->peek_2xx)
        goto nomem;
    for (size_t t = 0; t < nt; t++) {
        if (!(nv->base_paths[t] = strdup(scn->targets[t].base_path)))
            goto nomem;
        if (target_addr(&scn->targets[t], resolve, n_resolve, &nv->addrs[t], &nv->addr_lens[t])) {
            snprintf(err, err_len, "node %s: no address for host '%s'", scn->targets[t].name,
                     scn->targets[t].host);
            return -1;
        }
    }
    for (size_t r = 0; r < nr; r++) {
        nv->dynamic[r] = render_needed(&scn->requests[r]);
        for (int st = 200; st < 300 && !nv->peek_2xx[r]; st++)
            nv->peek_2xx[r] = !scn_request_expects(&scn->requests[r], st);
    }
    return 0;
nomem:
    snprintf(err, err_len, "out of memory for %zu nodes and %zu requests", nt, nr);
    return -1;
}

void xfer_native_free(struct xfer_native *nv, const struct scenario *scn)
{
    for (size_t t = 0; nv->base_paths && t < scn->n_targets; t++)
        free(nv->base_paths[t]);
    free(nv->base_paths);
    free(nv->addrs);
    free(nv->addr_lens);
    free(nv->dynamic);
    free(nv->peek_2xx);
    memset(nv, 0, sizeof *nv);
}

int xfer_h1_new(struct ev_loop *loop, const struct scenario *scn, const char *const *resolve,
                size_t n_resolve, struct auth_pool *auth, size_t slots, uint64_t seed,
                xfer_done_fn done, void *user, struct xfer **out, char *err, size_t err_len)
{
    struct xh1 *x = calloc(1, sizeof *x);
    if (!x)
        goto nomem;
    x->base.ops = &xh1_ops;
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
    if (xfer_tls_client_init(&x->tls, scn, auth, NULL, 0, err, err_len))
        goto fail;
    if (xfer_native_init(&x->nv, scn, resolve, n_resolve, err, err_len))
        goto fail;
    size_t nt = scn->n_targets, nk = scn->n_requests * nt;
    x->slots = calloc(slots, sizeof *x->slots);
    x->idle = calloc(x->tls.n_pools, sizeof *x->idle);
    x->static_reqs = calloc(nk, sizeof *x->static_reqs);
    x->static_out = calloc(nk, sizeof *x->static_out);
    if (!x->slots || !x->idle || !x->static_reqs || !x->static_out)
        goto nomem;
    ev_timer_init(&x->deadline, h1_on_deadline, 0., 0.);
    x->deadline.data = x;
    ev_timer_init(&x->defer_timer, h1_on_defer, 0., 0.);
    x->defer_timer.data = x;
    /* Slots are set up when first started: a generous in-flight bound
     * costs no resident memory until the concurrency reaches it. */
    for (size_t r = 0; r < scn->n_requests; r++) {
        for (size_t t = 0; t < nt && !x->nv.dynamic[r]; t++)
            if (h1req_build(&scn->requests[r], &scn->targets[t], NULL, NULL, NULL, NULL,
                            &x->static_reqs[r * nt + t], &x->static_out[r * nt + t]))
                goto nomem;
    }
    *out = &x->base;
    return 0;
nomem:
    snprintf(err, err_len, "out of memory creating %zu transfer slots", slots);
fail:
    if (x)
        xh1_free(&x->base);
    return -1;
}

static const struct xfer_ops xh1_ops = {
    .start = h1_start,
    .inflight = xh1_inflight,
    .abandon_all = xh1_abandon_all,
    .free = xh1_free,
};
