/*
 * worker_flow.c — flow instances on a worker's slots (docs/scenario.md,
 * "Flows"); see worker_int.h. A slot runs one instance from its first step
 * to its last: each step's answer is judged (its status, its checks), its
 * captures fill the instance's variables, and the next step is due at the
 * answer plus the step's think time; that due time is the step's intended
 * start, from which its latency counts. On the worker's loop: nothing is
 * allocated once the variables' buffers have grown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "measure/recorder_flow.h"
#include "run/worker_int.h"
#include "scenario/check.h"
#include "scenario/scenario.h"

bool worker_keeps(const struct scn_request *req, size_t *body_limit)
{
    *body_limit = req->needs_body ? req->body_limit : 0;
    return req->needs_head || req->needs_body;
}

/* Counts check or capture `id` passed or failed; a failure keeps an
 * example: the answer's status and node, why, and the body's start. */
static void count_check(struct worker *w, const struct wslot *s, const struct xfer_result *r,
                        size_t id, bool passed, const char *why)
{
    struct rec_flows *fs = front(w)->flows;
    if (!fs || id >= fs->n_checks || !w->scn->phases[s->phase].record)
        return;
    struct rec_check *k = &fs->checks[id];
    if (passed) {
        k->passed++;
        return;
    }
    k->failed++;
    if (k->example[0])
        return;
    const char *body = r->whole_body ? r->whole_body : r->body;
    size_t len = r->whole_body ? r->whole_body_len : r->body_len;
    int n = snprintf(k->example, sizeof k->example, "HTTP %d from %s: %s: ", r->status,
                     r->node ? r->node : w->scn->targets[s->target].name, why);
    if (n > 0 && (size_t)n < sizeof k->example - 8 && body && len)
        rec_body_line(k->example + n, sizeof k->example - (size_t)n, body, len);
}

/* The index of variable var among the flow's, or -1. */
static long var_of(const struct scn_flow *fl, const char *var)
{
    for (size_t v = 0; v < fl->n_vars; v++)
        if (!strcmp(fl->vars[v], var))
            return (long)v;
    return -1;
}

int worker_checks_new(struct worker *w)
{
    const struct scenario *scn = w->scn;
    bool any = false;
    for (size_t q = 0; q < scn->n_requests; q++)
        any |= scn->requests[q].n_checks || scn->requests[q].n_captures;
    if (!any)
        return 0;
    if (!(w->checks = calloc(scn->n_requests, sizeof *w->checks)))
        return -1;
    for (size_t q = 0; q < scn->n_requests; q++) {
        const struct scn_request *r = &scn->requests[q];
        struct worker_checks *c = &w->checks[q];
        if ((r->n_checks && !(c->checks = calloc(r->n_checks, sizeof *c->checks))) ||
            (r->n_captures && !(c->captures = calloc(r->n_captures, sizeof *c->captures))))
            return -1;
        for (size_t i = 0; i < r->n_checks; i++)
            if (chk_check_dup(&r->checks[i], &c->checks[i]))
                return -1;
        for (size_t i = 0; i < r->n_captures; i++)
            if (chk_capture_dup(&r->captures[i], &c->captures[i]))
                return -1;
    }
    return 0;
}

void worker_checks_free(struct worker *w)
{
    for (size_t q = 0; w->checks && q < w->scn->n_requests; q++) {
        const struct scn_request *r = &w->scn->requests[q];
        struct worker_checks *c = &w->checks[q];
        for (size_t i = 0; c->checks && i < r->n_checks; i++)
            chk_free(&c->checks[i]);
        for (size_t i = 0; c->captures && i < r->n_captures; i++)
            chk_capture_free(&c->captures[i]);
        free(c->checks);
        free(c->captures);
    }
    free(w->checks);
    w->checks = NULL;
}

long worker_checks(struct worker *w, size_t si, const struct xfer_result *r)
{
    struct wslot *s = &w->slots[si];
    const struct scn_request *req = &w->scn->requests[s->request];
    const struct worker_checks *own = w->checks ? &w->checks[s->request] : NULL;
    if (!r->status || (!req->n_checks && !req->n_captures))
        return -1; /* no answer: the request failed, its checks were not reached */
    struct chk_response resp = {.status = r->status,
                                .head = r->head,
                                .head_len = r->head_len,
                                .body = r->whole_body,
                                .body_len = r->whole_body_len,
                                .truncated = r->body_truncated};
    long failed = -1;
    for (size_t i = 0; i < req->n_checks; i++) {
        const struct scn_check *ck = own ? &own->checks[i] : &req->checks[i];
        enum chk_result res = chk_eval(ck, &resp);
        count_check(w, s, r, ck->id, res == CHK_PASS, chk_result_str(res));
        if (res != CHK_PASS && failed < 0)
            failed = (long)ck->id;
    }
    const struct scn_flow *fl = s->flow ? &w->scn->flows[s->flow - 1] : NULL;
    for (size_t i = 0; i < req->n_captures; i++) {
        const struct scn_capture *cp = own ? &own->captures[i] : &req->captures[i];
        /* outside a flow the value goes nowhere, but the capture counts */
        long v = fl ? var_of(fl, cp->var) : -1;
        struct tpl_buf *b = v >= 0 ? &s->var_bufs[v] : &w->cap_scratch;
        int rc = chk_capture(cp, &resp, b);
        const char *why = rc == CHK_ETRUNCATED ? "the body exceeded body_limit"
                          : rc == CHK_NOTFOUND ? "nothing to capture"
                          : rc                 ? "out of memory"
                                               : NULL;
        /* a value for a header or a path: no line breaks, no NULs */
        if (!rc && b->len &&
            (memchr(b->data, '\r', b->len) || memchr(b->data, '\n', b->len) ||
             memchr(b->data, '\0', b->len)))
            why = "the captured value holds a line break or a NUL";
        count_check(w, s, r, cp->id, !why, why);
        if (why && failed < 0)
            failed = (long)cp->id;
        if (v >= 0)
            s->vars[v] = why ? (struct tpl_span){"", 0} : (struct tpl_span){b->data, b->len};
    }
    return failed;
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

/* Whether the step's answer passed: an answer with an expected status,
 * and no failed check (failed_check < 0). */
static bool step_passed(const struct xfer_result *r, long failed_check)
{
    return !r->local && r->status && r->expected && !r->error && failed_check < 0;
}

/* The instance ends: completed (every step passed), else failed (counted
 * already) or ended by gatecap's own failure (local; an instance that
 * failed before stays counted as failed only). */
static void flow_end(struct worker *w, struct wslot *s, const struct xfer_result *r, bool local)
{
    if (w->scn->phases[s->phase].record) {
        struct rec_flow *c = rec_flow_get(front(w), s->phase, s->flow - 1);
        if (c && local) {
            if (!s->flow_failed)
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

bool worker_flow_next(struct worker *w, size_t si, const struct xfer_result *r, long failed_check,
                      int64_t *due_ns)
{
    struct wslot *s = &w->slots[si];
    const struct scn_request *req = &w->scn->requests[s->request];
    const struct scn_flow *fl = &w->scn->flows[s->flow - 1];
    if (r->local) {
        flow_end(w, s, r, true);
        return false;
    }
    if (!step_passed(r, failed_check)) {
        flow_failed(w, s, failed_check);
        if (req->on_fail == SCN_ON_FAIL_STOP) {
            flow_end(w, s, r, false);
            return false;
        }
    }
    if (req->step + 1 >= fl->n_steps) {
        flow_end(w, s, r, false);
        return false;
    }
    if (atomic_load(&w->stop)) { /* unfinished: its later steps are not sent */
        s->flow = 0;
        return false;
    }
    *due_ns = r->done_ns - w->sh->start_ns + think_ns(w, &req->think);
    return true;
}
