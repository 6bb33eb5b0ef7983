/*
 * scenario_flows.c — the `flows:` section (docs/scenario.md, "Flows"):
 * named sequences of steps, each a request as in `requests:` plus what
 * comes after it (think time, what a failed check does). Every step is
 * appended to the scenario's requests (named "FLOW.STEP"), so that it is
 * recorded, reported and gated like any request; the flow keeps the range.
 * A step's templates may name the variables that earlier steps of its
 * flow capture (`capture:`), compiled as flow variables (template.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/recorder_flow.h"
#include "scenario/check.h"
#include "scenario/scenario_int.h"

#define MAX_THINK_MS 3600e3

/* think: 200ms | 0 | {fixed: D} | {uniform: [D1, D2]} | {exponential: MEAN} */
static void read_think(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                       struct scn_think *out)
{
    static const char *const kinds[] = {"fixed", "uniform", "exponential", NULL};
    char f[SCNP_FIELD_MAX];
    struct scn_think t = {0};
    if (n->kind == YTREE_SCALAR) {
        if (scnp_duration_ms(c, n, field, 0, MAX_THINK_MS, &t.a_ms))
            return;
        t.kind = t.a_ms > 0 ? SCN_THINK_FIXED : SCN_THINK_NONE;
        *out = t;
        return;
    }
    if (n->kind != YTREE_MAP || n->n != 1) {
        scnp_error(c, n, field,
                   "expected a duration or one of {fixed: 200ms}, {uniform: [100ms, 300ms]}, "
                   "{exponential: 200ms} (the mean)");
        return;
    }
    if (scnp_keys(c, n, field, kinds))
        return;
    const struct ytree_node *v;
    if ((v = scnp_get(n, "fixed"))) {
        if (scnp_duration_ms(c, v, scnp_field(f, field, "fixed"), 0, MAX_THINK_MS, &t.a_ms))
            return;
        t.kind = t.a_ms > 0 ? SCN_THINK_FIXED : SCN_THINK_NONE;
    } else if ((v = scnp_get(n, "exponential"))) {
        if (scnp_duration_ms(c, v, scnp_field(f, field, "exponential"), 1e-3, MAX_THINK_MS,
                             &t.a_ms))
            return;
        t.kind = SCN_THINK_EXP;
    } else if ((v = scnp_get(n, "uniform"))) {
        scnp_field(f, field, "uniform");
        if (v->kind != YTREE_SEQ || v->n != 2) {
            scnp_error(c, v, f, "expected [LEAST, MOST], e.g. uniform: [100ms, 300ms]");
            return;
        }
        char g[SCNP_FIELD_MAX];
        if (scnp_duration_ms(c, v->items[0], scnp_field_i(g, f, 0), 0, MAX_THINK_MS, &t.a_ms) ||
            scnp_duration_ms(c, v->items[1], scnp_field_i(g, f, 1), 0, MAX_THINK_MS, &t.b_ms))
            return;
        if (t.b_ms < t.a_ms) {
            scnp_error(c, v, f, "the most (%gms) is less than the least (%gms); write [%gms, %gms]",
                       t.b_ms, t.a_ms, t.b_ms, t.a_ms);
            return;
        }
        t.kind = t.b_ms > 0 ? SCN_THINK_UNIFORM : SCN_THINK_NONE;
    } else {
        return; /* an unknown kind: scnp_keys said so */
    }
    *out = t;
}

static void read_on_fail(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                         enum scn_on_fail *out)
{
    if (n->kind == YTREE_SCALAR && !strcmp(n->text, "stop"))
        *out = SCN_ON_FAIL_STOP;
    else if (n->kind == YTREE_SCALAR && !strcmp(n->text, "continue"))
        *out = SCN_ON_FAIL_CONTINUE;
    else
        scnp_error(c, n, field,
                   "expected stop (the flow instance ends: later steps are not sent) or "
                   "continue (the next step is sent anyway)");
}

/* Adds the names step n captures (the keys of its `capture:`) to the
 * flow's variables, once each. */
static void add_vars(struct scnp_ctx *c, const struct ytree_node *n, struct scn_flow *fl)
{
    const struct ytree_node *cap = scnp_get(n, "capture");
    if (!cap || cap->kind != YTREE_MAP)
        return; /* its reader says what is wrong */
    for (size_t i = 0; i < cap->n; i++) {
        const char *name = cap->items[2 * i]->text;
        bool known = false;
        for (size_t v = 0; v < fl->n_vars && !known; v++)
            known = !strcmp(fl->vars[v], name);
        if (known)
            continue;
        if (fl->n_vars == TPL_MAX_VARS) {
            scnp_error(c, cap->items[2 * i], "capture",
                       "flow '%s' captures more than %d variables; capture fewer", fl->name,
                       TPL_MAX_VARS);
            return;
        }
        char **v = realloc(fl->vars, (fl->n_vars + 1) * sizeof *v);
        if (!v || !(v[fl->n_vars] = strdup(name))) {
            if (v)
                fl->vars = v;
            c->oom = true;
            return;
        }
        fl->vars = v;
        fl->n_vars++;
    }
}

static void read_steps(struct scnp_ctx *c, const struct ytree_node *steps, const char *field,
                       struct scenario *s, struct scn_flow *fl, size_t fi,
                       const struct scn_think *think, enum scn_on_fail on_fail)
{
    char f[SCNP_FIELD_MAX], g[SCNP_FIELD_MAX];
    struct scn_request *rq = realloc(s->requests, (s->n_requests + steps->n) * sizeof *rq);
    if (!rq) {
        c->oom = true;
        return;
    }
    s->requests = rq;
    memset(rq + s->n_requests, 0, steps->n * sizeof *rq);
    fl->first_request = s->n_requests;
    for (size_t i = 0; i < steps->n; i++) {
        const struct ytree_node *n = steps->items[i];
        struct scn_request *r = &s->requests[s->n_requests++];
        fl->n_steps++;
        scnp_field_i(f, field, i);
        r->flow = fi + 1;
        r->step = i;
        r->think = *think;
        r->on_fail = on_fail;
        c->vars = (const char *const *)fl->vars;
        c->n_vars = fl->n_vars;
        int rc = scnp_step(c, n, f, i, s, r);
        c->vars = NULL;
        c->n_vars = 0;
        add_vars(c, n, fl); /* also after an error: later steps' references stay known */
        if (rc)
            continue;
        r->weight = i == 0 ? fl->weight : 0;
        const struct ytree_node *v;
        if ((v = scnp_get(n, "think")))
            read_think(c, v, scnp_field(g, f, "think"), &r->think);
        if ((v = scnp_get(n, "on_fail")))
            read_on_fail(c, v, scnp_field(g, f, "on_fail"), &r->on_fail);
        char *full;
        if (asprintf(&full, "%s.%s", fl->name, r->name) < 0) {
            c->oom = true;
            return;
        }
        free(r->name);
        r->name = full;
        scnp_request_check_names(c, n, f, r);
    }
}

static void read_flow(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                      struct scenario *s, size_t fi)
{
    static const char *const keys[] = {"name",    "weight", "steps", "think",
                                       "on_fail", "pacing", NULL};
    char f[SCNP_FIELD_MAX];
    struct scn_flow *fl = &s->flows[fi];
    fl->weight = 1;
    if (scnp_keys(c, n, field, keys))
        return;
    const struct ytree_node *v;
    if (!(v = scnp_get(n, "name"))) {
        scnp_error(c, n, field, "missing name; write e.g. name: payment");
        return;
    }
    if (scnp_name(c, v, scnp_field(f, field, "name"), &fl->name))
        return;
    if (strchr(fl->name, '.')) {
        scnp_error(c, v, f,
                   "'%s' holds a '.', which separates a flow's name from its metric in gates "
                   "(flow.NAME.p99); use '-' or '_'",
                   fl->name);
        return;
    }
    if ((v = scnp_get(n, "weight")))
        scnp_number(c, v, scnp_field(f, field, "weight"), 1e-9, 1e6, &fl->weight);
    struct scn_think think = {0};
    enum scn_on_fail on_fail = SCN_ON_FAIL_STOP;
    if ((v = scnp_get(n, "think")))
        read_think(c, v, scnp_field(f, field, "think"), &think);
    if ((v = scnp_get(n, "on_fail")))
        read_on_fail(c, v, scnp_field(f, field, "on_fail"), &on_fail);
    if ((v = scnp_get(n, "pacing"))) {
        scnp_field(f, field, "pacing");
        if (s->model != SCN_CLOSED)
            scnp_error(c, v, f,
                       "only for load.model: closed (a user's least time per iteration); in "
                       "the open model the arrival schedule starts flow instances");
        else
            scnp_duration_ms(c, v, f, 0, MAX_THINK_MS, &fl->pacing_ms);
    }
    const struct ytree_node *steps = scnp_get(n, "steps");
    scnp_field(f, field, "steps");
    if (!steps) {
        scnp_error(c, n, f, "missing; list the flow's requests in order, e.g. steps: [{path: /a}]");
        return;
    }
    if (scnp_list(c, steps, f, "steps: [{name: consent, method: POST, path: /consents}]"))
        return;
    if (!steps->n) {
        scnp_error(c, steps, f, "empty; list at least one step");
        return;
    }
    read_steps(c, steps, f, s, fl, fi, &think, on_fail);
}

/* Reports a request or step named like an earlier one. */
/* Reports a step named like an earlier request or step, and a flow named
 * like an earlier one; flows[base..] are those of `flows` (the section
 * just read: a workload's, after the workloads before it). */
static void unique_names(struct scnp_ctx *c, const struct ytree_node *flows, struct scenario *s,
                         size_t base)
{
    struct uniq_key *keys = calloc(s->n_requests + s->n_flows + 1, sizeof *keys);
    if (!keys) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < s->n_requests; i++)
        if (s->requests[i].name)
            keys[i] = (struct uniq_key){s->requests[i].name, strlen(s->requests[i].name)};
    size_t *first = scnp_first_names(c, keys, s->n_requests, 0);
    char f[SCNP_FIELD_MAX];
    for (size_t i = 0; first && i < s->n_requests; i++) {
        const struct scn_request *r = &s->requests[i];
        if (first[i] == i || r->flow <= base)
            continue;
        const struct ytree_node *fn = flows->items[r->flow - 1 - base];
        const struct ytree_node *steps = scnp_get(fn, "steps");
        scnp_field_i(f, "flows", r->flow - 1 - base);
        scnp_error(
            c, steps && r->step < steps->n ? steps->items[r->step] : fn, f,
            "the step name '%s' is already used by %s %s; give each step its own name:", r->name,
            s->requests[first[i]].flow ? "the step" : "the request", s->requests[first[i]].name);
    }
    free(first);
    for (size_t i = 0; i < s->n_flows; i++)
        keys[i] =
            (struct uniq_key){s->flows[i].name, s->flows[i].name ? strlen(s->flows[i].name) : 0};
    first = scnp_first_names(c, keys, s->n_flows, 0);
    for (size_t i = base; first && i < s->n_flows; i++)
        if (first[i] != i && s->flows[i].name) {
            char by[48] = "a flow of an earlier workload";
            if (first[i] >= base)
                snprintf(by, sizeof by, "flows.%zu", first[i] - base);
            scnp_error(c, flows->items[i - base], scnp_field_i(f, "flows", i - base),
                       "the flow name '%s' is already used by %s; give each flow its own name",
                       s->flows[i].name, by);
        }
    free(first);
    free(keys);
}

void scnp_flows(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    const struct ytree_node *fl = scnp_get(root, "flows");
    if (!fl)
        return;
    if (scnp_list(c, fl, "flows",
                  "flows: [{name: payment, steps: [{path: /consents}, {path: /payments}]}]"))
        return;
    if (!fl->n) {
        scnp_error(c, fl, "flows", "empty; list at least one flow, or leave flows out");
        return;
    }
    /* appended: each workload's flows after those of the workloads before */
    size_t base = s->n_flows;
    struct scn_flow *grown = realloc(s->flows, (base + fl->n) * sizeof *s->flows);
    if (!grown) {
        c->oom = true;
        return;
    }
    s->flows = grown;
    memset(s->flows + base, 0, fl->n * sizeof *s->flows);
    char f[SCNP_FIELD_MAX];
    for (size_t i = 0; i < fl->n && !c->oom; i++) {
        s->n_flows++;
        read_flow(c, fl->items[i], scnp_field_i(f, "flows", i), s, base + i);
    }
    if (!c->oom)
        unique_names(c, fl, s, base);
}

/* The name of check k of the scenario's checks and captures, in request
 * order (each request's checks, then its captures). */
static const char *nth_check(struct scenario *s, size_t k, size_t **id)
{
    for (size_t i = 0; i < s->n_requests; i++) {
        struct scn_request *r = &s->requests[i];
        if (k < r->n_checks) {
            *id = &r->checks[k].id;
            return r->checks[k].name;
        }
        k -= r->n_checks;
        if (k < r->n_captures) {
            *id = &r->captures[k].id;
            return r->captures[k].name;
        }
        k -= r->n_captures;
    }
    return NULL;
}

void scnp_check_names(struct scnp_ctx *c, struct scenario *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_requests; i++)
        n += s->requests[i].n_checks + s->requests[i].n_captures;
    if (!n)
        return;
    struct uniq_key *keys = calloc(n, sizeof *keys);
    size_t **ids = calloc(n, sizeof *ids);
    if (!keys || !ids) {
        free(keys);
        free(ids);
        c->oom = true;
        return;
    }
    for (size_t k = 0; k < n; k++) {
        const char *name = nth_check(s, k, &ids[k]);
        if (name)
            keys[k] = (struct uniq_key){name, strlen(name)};
    }
    size_t *first = scnp_first_names(c, keys, n, 0);
    if (first && !(s->check_names = calloc(n, sizeof *s->check_names)))
        c->oom = true;
    for (size_t k = 0; first && s->check_names && k < n; k++) {
        if (first[k] != k) { /* the same name elsewhere: counted together */
            *ids[k] = *ids[first[k]];
            continue;
        }
        *ids[k] = s->n_check_names;
        if (!(s->check_names[s->n_check_names] = strdup(keys[k].s ? keys[k].s : "?"))) {
            c->oom = true;
            break;
        }
        s->n_check_names++;
    }
    free(first);
    free(keys);
    free(ids);
}

void scn_flows_free(struct scenario *s)
{
    for (size_t i = 0; i < s->n_flows; i++) {
        free(s->flows[i].name);
        for (size_t v = 0; v < s->flows[i].n_vars; v++)
            free(s->flows[i].vars[v]);
        free(s->flows[i].vars);
    }
    free(s->flows);
    s->flows = NULL;
    s->n_flows = 0;
    for (size_t i = 0; i < s->n_check_names; i++)
        free(s->check_names[i]);
    free(s->check_names);
    s->check_names = NULL;
    s->n_check_names = 0;
}

int scn_rec_flows(const struct scenario *s, struct rec_set *set)
{
    if (!s->n_flows && !s->n_check_names)
        return 0;
    size_t *steps = calloc(s->n_flows + 1, sizeof *steps);
    if (!steps)
        return -1;
    for (size_t f = 0; f < s->n_flows; f++)
        steps[f] = s->flows[f].n_steps;
    int rc = rec_set_flows(set, s->n_flows, steps, s->n_check_names);
    free(steps);
    return rc;
}
