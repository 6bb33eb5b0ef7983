/*
 * xfer.c — picks the transport for a scenario and dispatches xfer.h's
 * calls to it; see xfer.h and xfer_int.h.
 */
#include "net/xfer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/rng.h"
#include "net/h1parse.h"
#include "net/xfer_int.h"
#include "scenario/scenario.h"

bool xfer_native(const struct scenario *scn)
{
    switch (scn->transport) {
    case SCN_TRANSPORT_NATIVE:
        return true;
    case SCN_TRANSPORT_CURL:
        return false;
    default:
        return true; /* HTTP/1.1 and HTTP/2 both have their own */
    }
}

int xfer_new(struct ev_loop *loop, const struct scenario *scn, const char *const *resolve,
             size_t n_resolve, struct auth_pool *auth, size_t slots, uint64_t seed,
             xfer_done_fn done, void *user, struct xfer **out, char *err, size_t err_len)
{
    xfer_new_fn fn = !xfer_native(scn)        ? xfer_curl_new
                     : scn->http_version == 2 ? xfer_h2_new
                                              : xfer_h1_new;
    return fn(loop, scn, resolve, n_resolve, auth, slots, seed, done, user, out, err, err_len);
}

size_t xfer_fds(const struct scenario *scn, size_t slots, size_t *own)
{
    if (!xfer_native(scn))
        return xfer_curl_fds(scn, slots, own);
    *own = 0;
    if (scn->http_version == 2)
        return xfer_h2_fds(scn, slots);
    /* One connection per request in flight; idle ones beyond them are
     * closed to make room when descriptors run short (xfer_h1.c). */
    return slots;
}

int xfer_start(struct xfer *x, size_t slot, const struct xfer_req *rq)
{
    return x->ops->start(x, slot, rq);
}

size_t xfer_inflight(const struct xfer *x)
{
    return x->ops->inflight(x);
}

size_t xfer_abandon_all(struct xfer *x, void (*each)(void *ctx, size_t slot, int64_t sent_ns),
                        void *ctx)
{
    return x->ops->abandon_all(x, each, ctx);
}

void xfer_free(struct xfer *x)
{
    if (x)
        x->ops->free(x);
}

bool xfer_status_valid(int status)
{
    return status >= 100 && status <= 599;
}

bool xfer_errno_local(int err)
{
    switch (err) {
    case EMFILE: /* this process's file limit */
    case ENFILE: /* the system's */
    case ENOBUFS:
    case ENOMEM:
    case EADDRNOTAVAIL: /* no ephemeral port left for a connect */
        return true;
    default:
        return false;
    }
}

bool xfer_want_fresh(const struct scn_tls *t, uint64_t *rng)
{
    switch (t->conn_policy) {
    case SCN_CONN_NEW:
        return true;
    case SCN_CONN_FRACTION:
        return rng_uniform(rng) < t->new_conn_fraction;
    default:
        return false;
    }
}

void xfer_kept(const struct h1p_keep *k, struct xfer_result *r)
{
    const char *eol = k->head ? memchr(k->head, '\n', k->head_len) : NULL;
    r->head = eol ? eol + 1 : "";
    r->head_len = eol ? k->head_len - (size_t)(eol + 1 - k->head) : 0;
    r->whole_body = k->body ? k->body : "";
    r->whole_body_len = k->body_len;
    r->body_truncated = k->truncated || k->oom;
}

void xfer_answer(const struct scenario *scn, size_t request, size_t target,
                 const struct xfer_answer *a, struct xfer_result *r, char *err, size_t err_len)
{
    r->status = a->status;
    if (!xfer_status_valid(a->status)) {
        snprintf(err, err_len, "invalid response from %s: status %d is outside 100..599",
                 scn->targets[target].name, a->status);
        r->error = err;
    }
    r->expected = scn_request_expects(&scn->requests[request], a->status);
    if (a->node_len)
        r->node = a->node;
    if (a->status == 429) {
        r->throttle_kind = rec_throttle_kind(a->peek, a->peek_len);
        r->retry_after_s = a->retry_after_s;
    }
    r->body = a->peek_len ? a->peek : NULL;
    r->body_len = a->peek_len;
    if (a->keep)
        xfer_kept(a->keep, r);
}
