/*
 * xfer_curl_setup.c — the libcurl transport's life outside the request
 * path: descriptors it needs, creating it (multi handles on libev, the
 * share, pre-built URLs and header lists, the CA store), reporting what
 * could not start, abandoning what is in flight, freeing; see xfer.h and
 * xfer_curl_int.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "net/reqsig.h"
#include "net/xfer_curl_int.h"
#include "net/xfer_tls.h"
#include "scenario/scenario.h"

static const struct xfer_ops xcurl_ops;
static void xcurl_free(struct xfer *xb);

size_t xfer_curl_fds(const struct scenario *scn, size_t slots, size_t *own)
{
    /* A connection per node and certificate in use: the scenario's, and
     * each application's own. */
    size_t ids = 1;
    for (size_t i = 0; i < scn->auth.n_apps; i++)
        ids += scn->auth.apps[i].cert.data != NULL;
    size_t pools = scn->n_targets * ids, conns = 0, multis = 0;
    for (size_t left = slots; left; multis++) {
        size_t k = left < XFER_SLOTS_PER_MULTI ? left : XFER_SLOTS_PER_MULTI;
        conns += k * pools < XFER_CONNS_PER_MULTI ? k * pools : XFER_CONNS_PER_MULTI;
        left -= k;
    }
    *own = 2 * multis; /* curl_multi_init's wake-up socket pair */
    return conns;
}

/* Reports the requests that could not start, from the loop (never from
 * inside xfer_start, so a caller starting the next request from a
 * completion cannot recurse). */
static void on_defer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct xcurl *x = w->data;
    struct slot *sl = x->defer_head;
    x->defer_head = NULL;
    while (sl) {
        struct slot *next = sl->defer_next;
        struct xfer_result r = {.sent_ns = sl->sent_ns,
                                .done_ns = clock_now_ns(),
                                .outcome = OC_OTHER,
                                .error = sl->defer_error,
                                .local = sl->defer_local,
                                .throttle_kind = -1,
                                .retry_after_s = -1};
        sl->busy = false;
        x->inflight--;
        x->done(x->user, sl->index, &r); /* may start requests (and defer more) */
        sl = next;
    }
}

int xfer_curl_new(struct ev_loop *loop, const struct scenario *scn, const char *const *resolve,
                  size_t n_resolve, struct auth_pool *auth, size_t slots, uint64_t seed,
                  xfer_done_fn done, void *user, struct xfer **out, char *err, size_t err_len)
{
    struct xcurl *x = calloc(1, sizeof *x);
    if (!x)
        goto nomem;
    x->base.ops = &xcurl_ops;
    x->loop = loop;
    x->auth = auth;
    if (auth && reqsig_new(scn, &x->sig))
        goto nomem;
    x->scn = scn;
    x->done = done;
    x->user = user;
    x->rng = seed ? seed : 1;
    x->n_slots = slots;
    x->node_header_len = scn->node_header ? strlen(scn->node_header) : 0;
    ev_timer_init(&x->defer_timer, on_defer, 0., 0.);
    x->defer_timer.data = x;
    x->n_mhs = (slots + XFER_SLOTS_PER_MULTI - 1) / XFER_SLOTS_PER_MULTI;
    x->mhs = calloc(x->n_mhs, sizeof *x->mhs);
    x->share = curl_share_init();
    x->slots = calloc(slots, sizeof *x->slots);
    x->urls = calloc(scn->n_requests * scn->n_targets, sizeof *x->urls);
    x->headers = calloc(scn->n_requests, sizeof *x->headers);
    x->single_size = malloc(scn->n_requests * scn->n_targets * sizeof *x->single_size);
    if (!x->mhs || !x->share || !x->slots || !x->urls || !x->headers || !x->single_size)
        goto nomem;
    for (size_t i = 0; i < scn->n_requests * scn->n_targets; i++)
        x->single_size[i] = LONG_MAX;
    /* the CAs once, here: every connection's context takes a reference */
    if (!(x->store = xfer_tls_store(&scn->tls, err, err_len))) {
        xcurl_free(&x->base);
        return -1;
    }
    if (n_resolve && !(x->resolve = xfer_build_resolve(resolve, n_resolve)))
        goto nomem;
    /* One worker, one thread: the share needs no lock callbacks. TLS
     * sessions are shared so that resumption works across handles. */
    curl_share_setopt(x->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(x->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    x->dynamic = calloc(scn->n_requests, sizeof *x->dynamic);
    x->url_prefix = calloc(scn->n_targets, sizeof *x->url_prefix);
    x->connect_to = calloc(scn->n_targets, sizeof *x->connect_to);
    if (!x->dynamic || !x->url_prefix || !x->connect_to)
        goto nomem;
    for (size_t t = 0; t < scn->n_targets; t++)
        if (!(x->url_prefix[t] = xfer_target_prefix(&scn->targets[t])) ||
            xfer_build_connect_to(&scn->targets[t], resolve, n_resolve, &x->connect_to[t]))
            goto nomem;
    for (size_t r = 0; r < scn->n_requests; r++) {
        x->dynamic[r] = render_needed(&scn->requests[r]);
        if (scn->requests[r].n_headers > x->max_headers)
            x->max_headers = scn->requests[r].n_headers;
        if (!(x->headers[r] = xfer_build_headers(&scn->requests[r])))
            goto nomem;
        for (size_t t = 0; t < scn->n_targets && !scn->requests[r].path_tpl; t++)
            if (xfer_build_url(x->url_prefix[t], &scn->requests[r],
                               &x->urls[r * scn->n_targets + t])) {
                snprintf(err, err_len, "target %s, request %s: URL does not parse",
                         scn->targets[t].name, scn->requests[r].name);
                xcurl_free(&x->base);
                return -1;
            }
    }
    for (size_t i = 0; i < x->n_mhs; i++) {
        struct mh *m = &x->mhs[i];
        m->x = x;
        ev_timer_init(&m->timer, xcurl_on_ev_timer, 0., 0.);
        m->timer.data = m;
        if (!(m->multi = curl_multi_init()))
            goto nomem;
        curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, xcurl_on_socket);
        curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
        curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, xcurl_on_timer);
        curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
        /* Keep as many idle connections as there can be requests in
         * flight, so keep-alive never closes one it will need again. */
        curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, (long)XFER_CONNS_PER_MULTI);
        curl_multi_setopt(m->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    }
    for (size_t i = 0; i < slots; i++) {
        x->slots[i].x = x;
        x->slots[i].m = &x->mhs[i / XFER_SLOTS_PER_MULTI];
        x->slots[i].index = i;
    }
    for (size_t i = 0; i < slots && i < XFER_PREPARED_HANDLES; i++)
        if (xcurl_slot_prepare(&x->slots[i]))
            goto nomem;
    *out = &x->base;
    return 0;
nomem:
    snprintf(err, err_len, "out of memory creating %zu transfer slots", slots);
    xcurl_free(&x->base);
    return -1;
}

static size_t xcurl_inflight(const struct xfer *xb)
{
    const struct xcurl *x = (const struct xcurl *)xb;
    return x->inflight;
}

static size_t xcurl_abandon_all(struct xfer *xb,
                                void (*each)(void *ctx, size_t slot, int64_t sent_ns), void *ctx)
{
    struct xcurl *x = (struct xcurl *)xb;
    size_t n = 0;
    for (size_t i = 0; i < x->n_slots; i++) {
        if (x->slots[i].busy) {
            if (each)
                each(ctx, i, x->slots[i].sent_ns);
            /* (a deferred one's handle is in no multi: a no-op) */
            if (x->slots[i].easy)
                curl_multi_remove_handle(x->slots[i].m->multi, x->slots[i].easy);
            x->slots[i].busy = false;
            n++;
        }
    }
    x->defer_head = NULL;
    if (x->loop)
        ev_timer_stop(x->loop, &x->defer_timer);
    x->inflight = 0;
    return n;
}

static void xcurl_free(struct xfer *xb)
{
    struct xcurl *x = (struct xcurl *)xb;
    if (!x)
        return;
    if (x->slots) {
        xcurl_abandon_all(xb, NULL, NULL);
        for (size_t i = 0; i < x->n_slots; i++) {
            if (x->slots[i].easy)
                curl_easy_cleanup(x->slots[i].easy);
            free(x->slots[i].auth_line);
            free(x->slots[i].sig_line);
            render_bufs_free(&x->slots[i].rb);
            h1p_keep_free(&x->slots[i].kept);
            free(x->slots[i].hnodes);
        }
    }
    /* Closing the multi handle closes its connections; no more socket
     * callbacks during that, every watcher is stopped and freed here. */
    for (size_t i = 0; x->mhs && i < x->n_mhs; i++) {
        struct mh *m = &x->mhs[i];
        if (m->multi) {
            curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, NULL);
            curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, NULL);
            curl_multi_cleanup(m->multi);
        }
        if (x->loop)
            ev_timer_stop(x->loop, &m->timer);
    }
    while (x->all_sockets) {
        struct sockw *n = x->all_sockets->next_all;
        ev_io_stop(x->loop, &x->all_sockets->io);
        free(x->all_sockets);
        x->all_sockets = n;
    }
    if (x->share)
        curl_share_cleanup(x->share);
    X509_STORE_free(x->store);
    reqsig_free(x->sig);
    if (x->urls)
        for (size_t i = 0; i < x->scn->n_requests * x->scn->n_targets; i++)
            curl_url_cleanup(x->urls[i]);
    if (x->headers)
        for (size_t i = 0; i < x->scn->n_requests; i++)
            curl_slist_free_all(x->headers[i]);
    curl_slist_free_all(x->resolve);
    for (size_t i = 0; x->url_prefix && i < x->scn->n_targets; i++)
        free(x->url_prefix[i]);
    free(x->url_prefix);
    for (size_t i = 0; x->connect_to && i < x->scn->n_targets; i++)
        curl_slist_free_all(x->connect_to[i]);
    free(x->connect_to);
    free(x->dynamic);
    free(x->mhs);
    free(x->urls);
    free(x->single_size);
    free(x->headers);
    free(x->slots);
    free(x);
}

static const struct xfer_ops xcurl_ops = {
    .start = xcurl_start,
    .inflight = xcurl_inflight,
    .abandon_all = xcurl_abandon_all,
    .free = xcurl_free,
};
