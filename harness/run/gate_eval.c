/*
 * gate_eval.c — a scenario's gates applied to a run; see gate_eval.h.
 */
#include "run/gate_eval.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/judge.h"
#include "measure/recorder.h"
#include "measure/recorder_flow.h"
#include "run/engine.h"
#include "run/judge_run.h"
#include "scenario/gate.h"
#include "scenario/scenario.h"

const char *gate_outcome_name(enum gate_outcome o)
{
    static const char *const names[] = {"pass", "fail", "no-data"};
    return names[o];
}

static bool phase_matches(const struct scn_phase *ph, const char *name)
{
    return !strcmp(ph->name, name) || (ph->group && !strcmp(ph->group, name));
}

/* True when phase p is in the scope (recorded phases only): a request's
 * are its workload's, a workload's its own. */
static bool in_scope(const struct scenario *scn, size_t p, enum gate_scope scope, size_t index,
                     const char *name)
{
    const struct scn_phase *ph = &scn->phases[p];
    if (!ph->record)
        return false;
    if (scope == GATE_WORKLOAD)
        return ph->workload == index;
    if (scope == GATE_REQUEST && index != SIZE_MAX && scn->n_workloads)
        return ph->workload == scn->requests[index].workload;
    return scope != GATE_PHASE || (index != SIZE_MAX ? p == index : phase_matches(ph, name));
}

struct scope_arg {
    enum gate_scope scope;
    size_t index;
    const char *name;
};

static bool in_scope_fn(const struct scenario *scn, size_t p, const void *arg)
{
    const struct scope_arg *a = arg;
    return in_scope(scn, p, a->scope, a->index, a->name);
}

/* Sums the cells of one scope member into c, with its recorded seconds and
 * achieved rate as a % of the offered rate. index is the phase, request or
 * node; SIZE_MAX for GATE_ALL; for GATE_PHASE, name selects the phases (a
 * step group sums). */
static void sum_scope(const struct scenario *scn, const struct engine_result *r,
                      enum gate_scope scope, size_t index, const char *name, struct rec_cell *c,
                      double *seconds, double *achieved_pct)
{
    rec_cell_reset(c);
    for (size_t p = 0; p < scn->n_phases; p++) {
        if (!in_scope(scn, p, scope, index, name))
            continue;
        rec_set_sum(r->total, r->n_nodes, p, scope == GATE_REQUEST ? index : SIZE_MAX,
                    scope == GATE_NODE ? index : SIZE_MAX, c);
    }
    /* (phases of workloads side by side overlap: their time counts once) */
    struct scope_arg arg = {scope, index, name};
    *seconds = engine_span_s(scn, r, in_scope_fn, &arg);
    /* Achieved is a step's (judge.h): completions over the arrivals
     * scheduled in each phase's judged intervals, summed over the phases
     * in scope. The schedule offers arrivals to the run, not to one
     * request or node. */
    *achieved_pct = -1;
    if (scope == GATE_REQUEST || scope == GATE_NODE)
        return;
    double scheduled = 0, done = 0;
    for (size_t p = 0; p < scn->n_phases; p++) {
        if (!in_scope(scn, p, scope, index, name))
            continue;
        struct judge_step js;
        struct judge_interval *iv = calloc(r->n_intervals ? r->n_intervals : 1, sizeof *iv);
        if (!iv)
            return;
        size_t n = judge_from_run(scn, r, p, &js, iv, r->n_intervals);
        double sch, dn;
        judge_achieved_counts(iv, n, scn->interval_s, &sch, &dn, NULL);
        scheduled += sch;
        done += dn;
        free(iv);
    }
    if (scheduled > 0)
        *achieved_pct = 100.0 * done / scheduled;
}

static int push(struct gate_verdict **v, size_t *n, size_t *cap, struct gate_verdict x)
{
    if (*n == *cap) {
        size_t c2 = *cap ? *cap * 2 : 16;
        struct gate_verdict *g = realloc(*v, c2 * sizeof *g);
        if (!g)
            return -1;
        *v = g;
        *cap = c2;
    }
    (*v)[(*n)++] = x;
    return 0;
}

static int judge(const struct gate *g, size_t gi, const char *name, const struct rec_cell *c,
                 double seconds, double achieved, struct gate_verdict **v, size_t *n, size_t *cap)
{
    struct gate_verdict x = {.gate = gi};
    snprintf(x.name, sizeof x.name, "%s", name ? name : "");
    if (!gate_measure(&g->expr, c, seconds, achieved, &x.measured))
        x.outcome = GATE_NO_DATA;
    else
        x.outcome = gate_holds(&g->expr, x.measured) ? GATE_PASS : GATE_FAIL;
    return push(v, n, cap, x);
}

/* ---- flows and checks ---- */

struct flow_scope {
    const struct scenario *scn;
    size_t phase;     /* one phase, or SIZE_MAX with name */
    const char *name; /* the phases of a name (a step group sums); NULL: all recorded */
};

static int flow_wants(const void *ctx, size_t p)
{
    const struct flow_scope *fs = ctx;
    const struct scn_phase *ph = &fs->scn->phases[p];
    if (!ph->record)
        return 0;
    if (fs->phase != SIZE_MAX)
        return p == fs->phase;
    return !fs->name || phase_matches(ph, fs->name);
}

static size_t flow_index(const struct scenario *scn, const char *name)
{
    for (size_t f = 0; f < scn->n_flows; f++)
        if (!strcmp(scn->flows[f].name, name))
            return f;
    return SIZE_MAX;
}

static size_t check_index(const struct scenario *scn, const char *name)
{
    for (size_t k = 0; k < scn->n_check_names; k++)
        if (!strcmp(scn->check_names[k], name))
            return k;
    return SIZE_MAX;
}

static int verdict(size_t gi, const char *name, bool measured, const struct gate *g, double value,
                   struct gate_verdict **v, size_t *n, size_t *cap)
{
    struct gate_verdict x = {.gate = gi, .measured = measured ? value : 0};
    snprintf(x.name, sizeof x.name, "%s", name ? name : "");
    x.outcome = !measured ? GATE_NO_DATA : gate_holds(&g->expr, value) ? GATE_PASS : GATE_FAIL;
    return push(v, n, cap, x);
}

/* A flow's gate over one scope member: its cells summed over the phases. */
static int judge_flow(const struct scenario *scn, const struct engine_result *r, size_t gi,
                      const struct flow_scope *fs, const char *name, struct gate_verdict **v,
                      size_t *n, size_t *cap)
{
    const struct gate *g = &scn->gates[gi];
    size_t f = flow_index(scn, g->expr.subject);
    double value = 0;
    bool measured = false;
    if (f != SIZE_MAX && r->total->flows) {
        struct rec_flow *sum = rec_flow_new(r->total, f);
        if (!sum)
            return -1;
        rec_flow_sum(r->total, f, fs, flow_wants, sum);
        measured = gate_measure_flow(&g->expr, sum, &value);
        rec_flow_free(sum);
    }
    return verdict(gi, name, measured, g, value, v, n, cap);
}

/* A flow or check gate (scope: the run or phases; checks: the run). */
static int judge_subject(const struct scenario *scn, const struct engine_result *r, size_t gi,
                         struct gate_verdict **v, size_t *n, size_t *cap)
{
    const struct gate *g = &scn->gates[gi];
    if (g->expr.metric == GATE_CHECK_PASSED) {
        size_t k = check_index(scn, g->expr.subject);
        const struct rec_flows *fl = r->total->flows;
        const struct rec_check *c = k != SIZE_MAX && fl && k < fl->n_checks ? &fl->checks[k] : NULL;
        double value = 0;
        bool measured = gate_measure_check(&g->expr, c, &value);
        return verdict(gi, g->scope_name, measured, g, value, v, n, cap);
    }
    bool each = g->scope == GATE_PHASE && g->scope_name && !strcmp(g->scope_name, "*");
    if (!each) {
        struct flow_scope fs = {scn, SIZE_MAX, g->scope == GATE_PHASE ? g->scope_name : NULL};
        return judge_flow(scn, r, gi, &fs, g->scope_name, v, n, cap);
    }
    for (size_t p = 0; p < scn->n_phases; p++) {
        if (!scn->phases[p].record)
            continue;
        struct flow_scope fs = {scn, p, NULL};
        if (judge_flow(scn, r, gi, &fs, scn->phases[p].name, v, n, cap))
            return -1;
    }
    return 0;
}

int gate_evaluate(const struct scenario *scn, const struct engine_result *r, bool abort_only,
                  struct gate_verdict **out, size_t *n_out)
{
    struct gate_verdict *v = NULL;
    size_t n = 0, cap = 0;
    double seconds, achieved;
    int rc = -1;
    struct rec_cell *c = rec_cell_new();
    if (!c)
        goto done;
    for (size_t gi = 0; gi < scn->n_gates; gi++) {
        const struct gate *g = &scn->gates[gi];
        if (abort_only && !g->abort_on_fail)
            continue;
        if (gate_is_flow(&g->expr) || g->expr.metric == GATE_CHECK_PASSED) {
            if (judge_subject(scn, r, gi, &v, &n, &cap))
                goto done;
            continue;
        }
        bool each = g->scope_name && !strcmp(g->scope_name, "*");
        size_t members = g->scope == GATE_PHASE      ? scn->n_phases
                         : g->scope == GATE_REQUEST  ? scn->n_requests
                         : g->scope == GATE_NODE     ? r->n_nodes
                         : g->scope == GATE_WORKLOAD ? scn->n_workloads
                                                     : 1;
        if (g->scope == GATE_ALL || (g->scope == GATE_PHASE && !each)) {
            sum_scope(scn, r, g->scope, SIZE_MAX, g->scope_name, c, &seconds, &achieved);
            if (judge(g, gi, g->scope_name, c, seconds, achieved, &v, &n, &cap))
                goto done;
            continue;
        }
        bool found = false;
        for (size_t m = 0; m < members; m++) {
            const char *name = g->scope == GATE_REQUEST    ? scn->requests[m].name
                               : g->scope == GATE_NODE     ? r->node_names[m]
                               : g->scope == GATE_WORKLOAD ? scn->workloads[m].name
                                                           : scn->phases[m].name;
            if (g->scope == GATE_PHASE && !scn->phases[m].record)
                continue;
            if (!each && strcmp(name, g->scope_name))
                continue;
            found = true;
            sum_scope(scn, r, g->scope, m, name, c, &seconds, &achieved);
            if (judge(g, gi, name, c, seconds, achieved, &v, &n, &cap))
                goto done;
        }
        /* A named node that served nothing still gets its verdict. */
        if (!found) {
            rec_cell_reset(c);
            if (judge(g, gi, each ? "" : g->scope_name, c, 0, -1, &v, &n, &cap))
                goto done;
        }
    }
    rc = 0;
done:
    rec_cell_free(c);
    if (rc) {
        free(v);
        v = NULL;
        n = 0;
    }
    *out = v;
    *n_out = n;
    return rc;
}
