/*
 * worker_record.c — what a finished request leaves in its worker's front
 * set; see worker_int.h. On the worker's loop, per request: no
 * allocation (a cell is created once per phase, request and node).
 */
#include <stdio.h>
#include <string.h>

#include "measure/recorder.h"
#include "net/auth.h"
#include "net/xfer.h"
#include "run/worker_int.h"
#include "scenario/scenario.h"

/* Node index for a response: the target, or the name in node_header. */
static size_t node_index(struct worker *w, size_t target, const char *name)
{
    if (!name)
        return target;
    for (size_t i = w->scn->n_targets; i < w->n_nodes; i++)
        if (!strcmp(w->names[i], name))
            return i;
    if (w->n_nodes >= REC_MAX_NODES)
        return target; /* more names than nodes we track: count at the target */
    /* A new name: written before the next hand-off publishes n_nodes. */
    snprintf(w->names[w->n_nodes], REC_NODE_NAME_LEN, "%s", name);
    return w->n_nodes++;
}

/* The application's own counters; a 401 also tells the token pool. */
static void record_app(struct worker *w, const struct wslot *s, const struct xfer_result *r,
                       int64_t latency_us, bool recorded)
{
    enum auth_rejection rej = AUTH_REJ_PENDING;
    if (r->status == 401 && r->auth_gen)
        rej = auth_token_rejected(w->sh->auth, s->app, r->auth_gen);
    struct rec_set *set = front(w);
    if (!recorded || s->app >= set->n_apps)
        return;
    struct rec_app *a = &set->apps[s->app];
    a->completed++;
    a->outcomes[r->outcome]++;
    if (r->throttle_kind >= 0)
        a->throttled_by[r->throttle_kind]++;
    if (latency_us >= 0) {
        a->latency_count++;
        a->latency_sum_us += latency_us;
        if (latency_us > a->latency_max_us)
            a->latency_max_us = latency_us;
    }
    if (r->status == 401) {
        a->refresh_asked += rej == AUTH_REJ_ASKED;
        a->rejected_fresh += rej == AUTH_REJ_FRESH;
    }
}

void worker_record_done(struct worker *w, const struct wslot *s, const struct xfer_result *r)
{
    bool recorded = w->scn->phases[s->phase].record;
    int64_t lat = -1;
    if (r->status || r->outcome == OC_TIMEOUT || r->outcome == OC_ABANDONED) {
        int64_t due_ns = w->sh->start_ns + s->intended_ns;
        lat = (r->done_ns - (w->wl->model == SCN_OPEN ? due_ns : r->sent_ns)) / 1000;
        if (lat < 0)
            lat = 0;
    }
    if (s->app != XFER_NO_APP)
        record_app(w, s, r, lat, recorded);
    if (!recorded)
        return;
    size_t node = node_index(w, s->target, r->node);
    struct rec_cell *c = rec_cell_get(front(w), s->phase, s->request, node);
    if (!c)
        return;
    c->completed++;
    c->outcomes[r->outcome]++;
    if (r->error)
        rec_note_error(front(w), r->outcome, r->error);
    else if (r->status &&
             (!r->expected || rec_outcome_is_error(r->outcome) || r->outcome == OC_429))
        /* what the gateway said, once per class and interval: an error,
         * a 429, a status the request does not expect */
        rec_note_answer(front(w), r->outcome, r->status,
                        r->node ? r->node : w->scn->targets[s->target].name, r->body, r->body_len);
    if (r->status >= 400 && r->status != 429 && xfer_status_valid(r->status))
        c->faults_by[rec_fault_kind(r->body, r->body_len)]++;
    if (r->status && !r->expected)
        c->unexpected++;
    c->retried += r->retries;
    c->bytes_sent += r->bytes_sent;
    c->bytes_received += r->bytes_received;
    /* Latency is recorded for every request that got a response or timed
     * out (its latency is at least the timeout); fast transport failures
     * (refused, reset, TLS) only count, so they cannot make latency look
     * better than it was. */
    if (r->throttle_kind >= 0)
        c->throttled_by[r->throttle_kind]++;
    if (r->retry_after_s >= 0) {
        c->retry_after++;
        if (r->retry_after_s > c->retry_after_max_s)
            c->retry_after_max_s = r->retry_after_s;
    }
    if (lat >= 0) {
        hdr_record(c->latency, lat);
        int64_t svc = (r->done_ns - r->sent_ns) / 1000;
        hdr_record(c->service, svc > 0 ? svc : 0);
        if (r->status)
            hdr_record(c->ttfb, r->ttfb_us);
    }
    if (r->new_connection) {
        c->new_connections++;
        hdr_record(c->connect, r->connect_us);
        if (r->tls_us)
            hdr_record(c->tls, r->tls_us);
    }
}

/* xfer_abandon_all's each: a request in flight when the run stopped
 * waiting (the second stop request, or the drain's grace ran out). It is
 * an outcome of its step like any other, with a latency of at least its
 * age: an overloaded step's tail is not cut off where the run ended. */
void worker_record_abandoned(void *ctx, size_t si, int64_t sent_ns)
{
    struct worker *w = ctx;
    struct wslot *s = &w->slots[si];
    int64_t now = w->sh->now_ns(w->sh->clock_ctx);
    struct xfer_result r = {.outcome = OC_ABANDONED,
                            .sent_ns = sent_ns ? sent_ns : now,
                            .done_ns = now,
                            .error = "no answer when gatecap stopped waiting (the run ended)",
                            .throttle_kind = -1,
                            .retry_after_s = -1};
    health_add(w, s->phase, abandoned, 1);
    s->busy = false;
    worker_record_done(w, s, &r);
}

/* A request that never left gatecap: the generator's failure, in its
 * health and no cell (the gateway saw nothing). It was not sent, and in
 * the closed model not scheduled either (the user tries again); an open
 * model's arrival stays scheduled, and is lost. */
void worker_record_local(struct worker *w, size_t phase, const struct xfer_result *r)
{
    health_add(w, phase, local_failures, 1);
    health_add(w, phase, started, -1);
    if (w->wl->model == SCN_CLOSED)
        health_add(w, phase, scheduled, -1);
    rec_note_local(front(w), r->error);
}
