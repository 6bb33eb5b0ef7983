/*
 * scenario_gates.c — the `gates:` section: pass/fail thresholds, each an
 * expression (gate.h) and a scope that must name a phase or request of
 * the scenario (or a target, when nodes are the targets).
 */
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"
#include "measure/judge.h"
#include "scenario/gate.h"
#include "scenario/scenario_int.h"

/* in enum gate_scope's order from GATE_PHASE */
static const char *const scope_keys[] = {"phase", "request", "node", "workload"};

/* True when name is a recorded phase or a step group of recorded phases. */
static bool recorded_phase(const struct scenario *s, const char *name, bool *warmup)
{
    bool any = false;
    *warmup = false;
    for (size_t i = 0; i < s->n_phases; i++) {
        const struct scn_phase *ph = &s->phases[i];
        if (strcmp(ph->name, name) && !(ph->group && !strcmp(ph->group, name)))
            continue;
        if (ph->record)
            any = true;
        else
            *warmup = true;
    }
    return any;
}

static bool known_request(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->n_requests; i++)
        if (!strcmp(s->requests[i].name, name))
            return true;
    return false;
}

static bool known_target(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->n_targets; i++)
        if (!strcmp(s->targets[i].name, name))
            return true;
    return false;
}

/* Checks that the scope names something the run will have. */
static void check_scope(struct scnp_ctx *c, const struct ytree_node *at, const char *field,
                        const struct scenario *s, const struct gate *g)
{
    const char *name = g->scope_name;
    bool warmup;
    if (!name || !strcmp(name, "*"))
        return;
    if (g->scope == GATE_PHASE && !recorded_phase(s, name, &warmup)) {
        if (warmup)
            scnp_error(c, at, field,
                       "phase '%s' is a warm-up (record: false), so nothing is measured in it; "
                       "gate a recorded phase",
                       name);
        else
            scnp_error(c, at, field, "no phase is named '%s'; use a name from load.phases, or *",
                       name);
    } else if (g->scope == GATE_REQUEST && !known_request(s, name)) {
        scnp_error(c, at, field, "no request is named '%s'; use a name from requests, or *", name);
    } else if (g->scope == GATE_WORKLOAD && !s->workloads_explicit) {
        scnp_error(c, at, field,
                   "this scenario has no workloads: section, so its one load is the whole run; "
                   "remove the scope (or add workloads:)");
    } else if (g->scope == GATE_WORKLOAD) {
        bool known = false;
        for (size_t i = 0; i < s->n_workloads && !known; i++)
            known = s->workloads[i].name && !strcmp(s->workloads[i].name, name);
        if (!known)
            scnp_error(c, at, field,
                       "no workload is named '%s'; use a name from workloads, or * for each "
                       "workload",
                       name);
    } else if (g->scope == GATE_NODE && !s->node_header && s->n_targets && !known_target(s, name)) {
        scnp_error(c, at, field,
                   "no target is named '%s'; nodes are the targets' names (host:port unless "
                   "`name:` is given), or * for each node",
                   name);
    }
}

/* Reads a mapping's scope (phase, request or node), abort_on_fail, grace. */
static void read_scope(struct scnp_ctx *c, const struct ytree_node *item, const char *field,
                       const struct scenario *s, struct gate *g)
{
    char f[SCNP_FIELD_MAX];
    const struct ytree_node *scope_at = NULL;
    for (size_t k = 0; k < sizeof scope_keys / sizeof scope_keys[0]; k++) {
        const struct ytree_node *v = scnp_get(item, scope_keys[k]);
        if (!v)
            continue;
        scnp_field(f, field, scope_keys[k]);
        if (scope_at) {
            scnp_error(c, v, f,
                       "a gate has one scope: phase, request, node or workload; write two gates");
            return;
        }
        scope_at = v;
        g->scope = (enum gate_scope)(GATE_PHASE + k);
        if (scnp_string(c, v, f, &g->scope_name, NULL))
            return;
        check_scope(c, v, f, s, g);
    }
    const struct ytree_node *v;
    if ((v = scnp_get(item, "abort_on_fail")))
        scnp_bool(c, v, scnp_field(f, field, "abort_on_fail"), &g->abort_on_fail);
    if ((v = scnp_get(item, "grace"))) {
        double ms;
        scnp_field(f, field, "grace");
        if (!scnp_duration_ms(c, v, f, 0, 86400e3, &ms))
            g->grace_s = ms / 1e3;
        if (!g->abort_on_fail)
            scnp_error(c, v, f, "grace only applies with abort_on_fail: true");
    }
}

/* achieved needs an offered rate: the open model, the run or a phase. */
static void check_achieved(struct scnp_ctx *c, const struct ytree_node *expr,
                           const char *expr_field, const struct scenario *s, const struct gate *g)
{
    if (g->expr.metric == GATE_ACHIEVED) {
        bool closed_workload = false;
        for (size_t w = 0; g->scope == GATE_WORKLOAD && g->scope_name && w < s->n_workloads; w++)
            closed_workload |=
                s->workloads[w].model == SCN_CLOSED &&
                (!strcmp(g->scope_name, "*") || !strcmp(g->scope_name, s->workloads[w].name));
        if (s->model != SCN_OPEN || closed_workload)
            scnp_error(c, expr, expr_field,
                       "achieved compares with an offered rate, which only the open model has; "
                       "gate throughput instead");
        else if (g->scope == GATE_REQUEST || g->scope == GATE_NODE)
            scnp_error(c, expr, expr_field,
                       "achieved is measured for the whole run or a phase (the schedule offers "
                       "arrivals to the run, not to one %s); gate throughput instead",
                       gate_scope_name(g->scope));
    }
}

/* The closest of names[0..n) to name (for "did you mean"), or NULL. */
static const char *closest(const char *name, char *const *names, size_t n, size_t stride)
{
    const char *best = NULL;
    size_t best_d = 4;
    for (size_t i = 0; i < n; i++) {
        const char *k = *(char *const *)((const char *)names + i * stride);
        size_t d = suggest_distance(name, strlen(name), k, strlen(k));
        if (d < best_d) {
            best = k;
            best_d = d;
        }
    }
    return best;
}

/* A flow or check gate names a flow or check of the scenario, over a scope
 * its records have: flows per phase or the run, checks the run. */
static void check_subject(struct scnp_ctx *c, const struct ytree_node *expr, const char *expr_field,
                          const struct scenario *s, const struct gate *g)
{
    const char *name = g->expr.subject;
    if (gate_is_flow(&g->expr)) {
        for (size_t i = 0; i < s->n_flows; i++)
            if (!strcmp(s->flows[i].name, name))
                goto scope;
        const char *near =
            s->n_flows ? closest(name, &s->flows[0].name, s->n_flows, sizeof *s->flows) : NULL;
        if (!s->n_flows)
            scnp_error(c, expr, expr_field,
                       "'%s' gates flow '%s', but the scenario has no flows:; write a flow under "
                       "flows: or remove the gate",
                       g->text, name);
        else if (near)
            scnp_error(c, expr, expr_field, "no flow is named '%s' (did you mean '%s'?)", name,
                       near);
        else
            scnp_error(c, expr, expr_field, "no flow is named '%s'; use a name from flows:", name);
        return;
    scope:
        if (g->scope == GATE_REQUEST || g->scope == GATE_NODE)
            scnp_error(c, expr, expr_field,
                       "a flow is measured over the whole run or a phase, not per %s; drop the "
                       "%s: scope (gate a step with a request: scope and p99, errors...)",
                       gate_scope_name(g->scope), gate_scope_name(g->scope));
        return;
    }
    if (g->expr.metric != GATE_CHECK_PASSED)
        return;
    for (size_t i = 0; i < s->n_check_names; i++)
        if (!strcmp(s->check_names[i], name)) {
            if (g->scope != GATE_ALL)
                scnp_error(c, expr, expr_field,
                           "checks are counted over the whole run, not per %s; drop the %s: "
                           "scope",
                           gate_scope_name(g->scope), gate_scope_name(g->scope));
            return;
        }
    const char *near =
        s->n_check_names ? closest(name, s->check_names, s->n_check_names, sizeof(char *)) : NULL;
    if (!s->n_check_names)
        scnp_error(c, expr, expr_field,
                   "'%s' gates check '%s', but the scenario has no checks; add checks: to a "
                   "request or step, or remove the gate",
                   g->text, name);
    else if (near)
        scnp_error(c, expr, expr_field, "no check is named '%s' (did you mean '%s'?)", name, near);
    else
        scnp_error(c, expr, expr_field,
                   "no check is named '%s'; a check's name is its name: or REQUEST.status, "
                   "REQUEST.json:PATH... (docs/scenario.md, \"Checks\")",
                   name);
}

/* Reads one list item into g; returns -1 after reporting an error. */
static int read_gate(struct scnp_ctx *c, const struct ytree_node *item, const char *field,
                     struct scenario *s, struct gate *g)
{
    static const char *const keys[] = {"gate",     "phase",         "request", "node",
                                       "workload", "abort_on_fail", "grace",   NULL};
    char why[256];
    const struct ytree_node *expr = item;
    const char *expr_field = field;
    char expr_buf[SCNP_FIELD_MAX];
    if (item->kind == YTREE_MAP) {
        if (scnp_keys(c, item, field, keys))
            return -1;
        expr_field = scnp_field(expr_buf, field, "gate");
        if (!(expr = scnp_get(item, "gate"))) {
            scnp_error(c, item, field,
                       "a gate with a scope needs `gate:`, e.g. {gate: \"p99 < 250ms\", phase: "
                       "steady}");
            return -1;
        }
    } else if (item->kind != YTREE_SCALAR) {
        scnp_error(c, item, field,
                   "a gate is an expression (\"p99 < 250ms\") or a mapping with `gate:` and a "
                   "scope");
        return -1;
    }
    if (scnp_string(c, expr, expr_field, &g->text, NULL))
        return -1;
    int rc = 0;
    if (gate_parse(g->text, &g->expr, why, sizeof why)) {
        scnp_error(c, expr, expr_field, "'%s': %s", g->text, why);
        rc = -1;
    }
    if (item->kind == YTREE_MAP)
        read_scope(c, item, field, s, g);
    if (!rc) {
        check_achieved(c, expr, expr_field, s, g);
        check_subject(c, expr, expr_field, s, g);
    }
    return rc;
}

void scnp_gates(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    const struct ytree_node *list = scnp_get(root, "gates");
    if (!list || scnp_list(c, list, "gates", "gates: [\"p99 < 250ms\", \"errors < 0.1%\"]"))
        return;
    if (!list->n)
        return;
    if (!(s->gates = calloc(list->n, sizeof *s->gates))) {
        c->oom = true;
        return;
    }
    char f[SCNP_FIELD_MAX];
    for (size_t i = 0; i < list->n; i++) {
        struct gate *g = &s->gates[s->n_gates++];
        g->grace_s = SCN_GATE_GRACE_S;
        read_gate(c, list->items[i], scnp_field_i(f, "gates", i), s, g);
    }
}

int scnp_step_stop(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   struct scenario *s, const char *group, size_t *rule)
{
    static const char *const keys[] = {"slo", "after", NULL};
    static const char example[] = "stop: {slo: [\"p99 < 250ms\", \"errors < 0.1%\", "
                                  "\"achieved >= 99%\"], after: 2}";
    char f[SCNP_FIELD_MAX], why[256];
    if (scnp_keys(c, n, field, keys))
        return -1;
    const struct ytree_node *slo = scnp_get(n, "slo"), *v;
    scnp_field(f, field, "slo");
    if (!slo) {
        scnp_error(c, n, f, "missing; what a step must meet, e.g. %s", example);
        return -1;
    }
    if (scnp_list(c, slo, f, example))
        return -1;
    if (!slo->n) {
        scnp_error(c, slo, f, "empty; give at least one expression, e.g. %s", example);
        return -1;
    }
    struct scn_step_stop st = {.after = 2};
    if ((v = scnp_get(n, "after"))) {
        long long a;
        if (scnp_int(c, v, scnp_field(f, field, "after"), 1, 1000, &a))
            return -1;
        st.after = (int)a;
    }
    struct scn_step_stop *grown =
        realloc(s->step_stops, (s->n_step_stops + 1) * sizeof *s->step_stops);
    if (!grown || !(st.slo = calloc(slo->n, sizeof *st.slo)) || !(st.group = strdup(group))) {
        if (grown)
            s->step_stops = grown;
        free(st.slo);
        c->oom = true;
        return -1;
    }
    s->step_stops = grown;
    int rc = 0;
    for (size_t i = 0; i < slo->n; i++) {
        struct gate *g = &st.slo[st.n_slo++];
        char fi[SCNP_FIELD_MAX];
        scnp_field_i(fi, f, i);
        g->scope = GATE_PHASE;
        if (scnp_string(c, slo->items[i], fi, &g->text, NULL)) {
            rc = -1;
            continue;
        }
        struct judge_criterion jc;
        if (gate_parse(g->text, &g->expr, why, sizeof why) ||
            gate_judge_criterion(&g->expr, &jc, why, sizeof why)) {
            scnp_error(c, slo->items[i], fi, "'%s': %s", g->text, why);
            rc = -1;
        } else {
            check_achieved(c, slo->items[i], fi, s, g);
        }
    }
    s->step_stops[s->n_step_stops++] = st;
    *rule = s->n_step_stops;
    return rc;
}
