/*
 * worker_flow.c — flow instances on a worker's slots (docs/scenario.md,
 * "Flows"); see worker_int.h. A slot runs one instance from its first step
 * to its last: each step's answer is judged (its status, its checks), its
 * captures fill the instance's variables, and the next step is due at the
 * answer plus the step's think time; that due time is the step's intended
 * start, from which its latency counts. On the worker's loop: nothing is
 * allocated once the variables' buffers have grown.
 */
#include <string.h>

#include "base/rng.h"
#include "measure/recorder_flow.h"
#include "run/worker_int.h"
#include "scenario/scenario.h"

bool worker_keeps(const struct scn_request *req, size_t *body_limit)
{
    (void)req;
    *body_limit = 0;
    return false;
}

void worker_flow_begin(struct worker *w, struct wslot *s, int64_t intended_ns)
{
    const struct scn_flow *fl = &w->scn->flows[s->flow - 1];
    s->flow_start_ns = intended_ns;
    s->flow_failed = false;
    for (size_t v = 0; v < fl->n_vars; v++)
        s->vars[v] = (struct tpl_span){"", 0};
    if (!w->scn->phases[s->phase].record)
        return;
    struct rec_flow *c = rec_flow_get(front(w), s->phase, s->flow - 1);
    if (c)
        c->started++;
}

/* A think time's draw, ns. */
static int64_t think_ns(struct worker *w, const struct scn_think *t)
{
    double ms;
    switch (t->kind) {
    case SCN_THINK_FIXED:
        ms = t->a_ms;
        break;
    case SCN_THINK_UNIFORM:
        ms = t->a_ms + (t->b_ms - t->a_ms) * rng_uniform(&w->rng);
        break;
    case SCN_THINK_EXP:
        ms = t->a_ms * rng_exp(&w->rng);
        break;
    default:
        return 0;
    }
    return (int64_t)(ms * 1e6);
}

/* Whether the step's answer passed: an answer with an expected status. */
static bool step_passed(const struct xfer_result *r)
{
    return !r->local && r->status && r->expected && !r->error;
}

/* The instance ends: completed (every step passed), else failed (counted
 * already) or ended by gatecap's own failure (local). */
static void flow_end(struct worker *w, struct wslot *s, const struct xfer_result *r, bool local)
{
    if (w->scn->phases[s->phase].record) {
        struct rec_flow *c = rec_flow_get(front(w), s->phase, s->flow - 1);
        if (c && local) {
            c->local++;
        } else if (c && !s->flow_failed) {
            c->completed++;
            int64_t us = (r->done_ns - (w->sh->start_ns + s->flow_start_ns)) / 1000;
            hdr_record(c->duration, us > 0 ? us : 0);
        }
    }
    s->flow = 0;
}

/* The instance's first failure: counted by step (and by check, check >= 0). */
static void flow_failed(struct worker *w, struct wslot *s, long check)
{
    if (s->flow_failed)
        return;
    s->flow_failed = true;
    if (!w->scn->phases[s->phase].record)
        return;
    struct rec_flow *c = rec_flow_get(front(w), s->phase, s->flow - 1);
    if (!c)
        return;
    c->failed++;
    c->failed_by_step[w->scn->requests[s->request].step]++;
    if (check >= 0)
        c->failed_by_check[check]++;
}

bool worker_flow_next(struct worker *w, size_t si, const struct xfer_result *r, int64_t *due_ns)
{
    struct wslot *s = &w->slots[si];
    const struct scn_request *req = &w->scn->requests[s->request];
    const struct scn_flow *fl = &w->scn->flows[s->flow - 1];
    if (r->local) {
        flow_end(w, s, r, true);
        return false;
    }
    if (!step_passed(r)) {
        flow_failed(w, s, -1);
        if (req->on_fail == SCN_ON_FAIL_STOP) {
            flow_end(w, s, r, false);
            return false;
        }
    }
    if (req->step + 1 >= fl->n_steps || atomic_load(&w->stop)) {
        flow_end(w, s, r, false);
        return false;
    }
    *due_ns = r->done_ns - w->sh->start_ns + think_ns(w, &req->think);
    return true;
}
