/*
 * plan_json.c — plan.json into the model of plan_json.h, through
 * jsonread.h.
 */
#include "output/plan_json.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "output/jsonread.h"

_Static_assert((int)PLAN_JSON_EIO == (int)JSONREAD_EIO &&
                   (int)PLAN_JSON_EFORMAT == (int)JSONREAD_EFORMAT &&
                   (int)PLAN_JSON_EVERSION == (int)JSONREAD_EVERSION &&
                   (int)PLAN_JSON_ENOMEM == (int)JSONREAD_ENOMEM,
               "plan_json_read returns jsonread's codes");

#define ANY JSONREAD_ANY
#define NONNEG JSONREAD_NONNEG
#define PCT JSONREAD_PCT

static int count(struct jsonread *d, const json_t *o, const char *where, const char *key)
{
    return (int)jsonread_int(d, o, where, key, 0, INT_MAX, 0);
}

static void steps(struct jsonread *d, const json_t *root, struct plan_json *p)
{
    const json_t *a = jsonread_need(d, root, "", "steps", JSON_ARRAY);
    if (!a || !(p->steps = jsonread_array(d, json_array_size(a), sizeof *p->steps)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[48];
        snprintf(w, sizeof w, "steps[%zu]", i);
        if (!json_is_string(json_object_get(o, "name"))) {
            jsonread_cut(d, "%s.name is missing", w);
            return;
        }
        struct plan_json_step *s = &p->steps[p->n_steps++];
        s->file = jsonread_str(d, o, w, "file");
        s->name = jsonread_str(d, o, w, "name");
        s->offered_rps = jsonread_num(d, o, w, "offered_rps", NONNEG);
        s->achieved_rps = jsonread_num(d, o, w, "achieved_rps", NONNEG);
        s->per_node_offered_rps = jsonread_num(d, o, w, "per_node_offered_rps", NONNEG);
        s->per_node_achieved_rps = jsonread_num(d, o, w, "per_node_achieved_rps", NONNEG);
        s->achieved_pct = jsonread_num(d, o, w, "achieved_pct", NONNEG);
        s->latency_ms = jsonread_num(d, o, w, "latency_ms", NONNEG);
        s->error_pct = jsonread_num(d, o, w, "error_pct", PCT);
        s->late_pct = jsonread_num(d, o, w, "late_pct", PCT);
        s->nodes = count(d, o, w, "nodes");
        s->intervals = count(d, o, w, "intervals");
        s->valid = jsonread_flag(d, o, w, "valid", true);
        s->invalid_reason = jsonread_str(d, o, w, "invalid_reason");
        s->verdict = jsonread_str(d, o, w, "verdict");
        s->role = jsonread_str(d, o, w, "role");
        char wv[64];
        snprintf(wv, sizeof wv, "%s.violates", w);
        jsonread_strings(d, jsonread_maybe(d, o, w, "violates", JSON_ARRAY), wv, &s->violates,
                         &s->n_violates);
    }
}

static void points(struct jsonread *d, const json_t *root, struct plan_json *p)
{
    const json_t *a = jsonread_maybe(d, root, "", "points", JSON_ARRAY);
    if (!a || !(p->points = jsonread_array(d, json_array_size(a), sizeof *p->points)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[48];
        snprintf(w, sizeof w, "points[%zu]", i);
        p->points[p->n_points++] = (struct plan_json_point){
            .file = jsonread_str(d, o, w, "file"),
            .name = jsonread_str(d, o, w, "name"),
            .concurrency = jsonread_num(d, o, w, "concurrency", NONNEG),
            .throughput_rps = jsonread_num(d, o, w, "throughput_rps", NONNEG),
            .nodes = count(d, o, w, "nodes"),
        };
    }
}

/* capacity, demand, policy, recommendation */
static void sizing(struct jsonread *d, const json_t *root, struct plan_json *p)
{
    const json_t *cap = jsonread_maybe(d, root, "", "capacity", JSON_OBJECT);
    p->has_capacity = cap != NULL;
    p->capacity_rps = jsonread_num(d, cap, "capacity", "per_node_rps", NONNEG);
    p->at_least = jsonread_flag(d, cap, "capacity", "at_least", false);
    jsonread_strings(d, jsonread_maybe(d, cap, "capacity", "limited_by", JSON_ARRAY),
                     "capacity.limited_by", &p->limited_by, &p->n_limited_by);
    p->interpolated_on = jsonread_str(d, cap, "capacity", "interpolated_on");
    const json_t *dem = jsonread_maybe(d, root, "", "demand", JSON_OBJECT);
    p->has_demand = dem != NULL;
    p->peak_rps = jsonread_num(d, dem, "demand", "peak_rps", NONNEG);
    p->target_rps = jsonread_num(d, dem, "demand", "target_rps", NONNEG);
    p->avg_rps = jsonread_num(d, dem, "demand", "avg_rps", NONNEG);
    p->peak_factor = jsonread_num(d, dem, "demand", "peak_factor", NONNEG);
    p->growth = jsonread_num(d, dem, "demand", "growth", NONNEG);
    const json_t *pol = jsonread_maybe(d, root, "", "policy", JSON_OBJECT);
    p->headroom_pct = jsonread_num(d, pol, "policy", "headroom_pct", PCT);
    p->redundancy = count(d, pol, "policy", "redundancy");
    p->min_nodes = count(d, pol, "policy", "min_nodes");
    const json_t *rec = jsonread_maybe(d, root, "", "recommendation", JSON_OBJECT);
    const char *w = "recommendation";
    p->has_recommendation = rec != NULL;
    p->rec_nodes = count(d, rec, w, "nodes");
    p->n_base = count(d, rec, w, "n_base");
    p->traffic_managers = count(d, rec, w, "traffic_managers");
    p->binding = jsonread_str(d, rec, w, "binding");
    p->per_node_rps = jsonread_num(d, rec, w, "per_node_rps", NONNEG);
    p->per_node_effective_rps = jsonread_num(d, rec, w, "per_node_effective_rps", NONNEG);
    p->util_peak_pct = jsonread_num(d, rec, w, "util_peak_pct", NONNEG);
    p->util_after_loss_pct = jsonread_num(d, rec, w, "util_after_loss_pct", NONNEG);
    p->loss_ok = jsonread_flag(d, rec, w, "loss_ok", false);
}

/* what_if, sensitivity, usl, assumptions */
static void cases(struct jsonread *d, const json_t *root, struct plan_json *p)
{
    const json_t *wi = jsonread_maybe(d, root, "", "what_if", JSON_ARRAY);
    const json_t *se = jsonread_maybe(d, root, "", "sensitivity", JSON_ARRAY);
    if (!(p->what_if = jsonread_array(d, json_array_size(wi), sizeof *p->what_if)) ||
        !(p->sensitivity = jsonread_array(d, json_array_size(se), sizeof *p->sensitivity)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(wi, i, o)
    {
        char w[48];
        snprintf(w, sizeof w, "what_if[%zu]", i);
        p->what_if[p->n_what_if++] = (struct plan_json_whatif){
            .nodes = count(d, o, w, "nodes"),
            .capacity_rps = jsonread_num(d, o, w, "capacity_rps", NONNEG),
            .util_peak_pct = jsonread_num(d, o, w, "util_peak_pct", NONNEG),
            .util_after_loss_pct = jsonread_num(d, o, w, "util_after_loss_pct", NONNEG),
            .headroom_left_pct = jsonread_num(d, o, w, "headroom_left_pct", ANY),
            .meets_policy = jsonread_flag(d, o, w, "meets_policy", false),
        };
    }
    json_array_foreach(se, i, o)
    {
        char w[48];
        snprintf(w, sizeof w, "sensitivity[%zu]", i);
        p->sensitivity[p->n_sensitivity++] = (struct plan_json_sens){
            .what = jsonread_str(d, o, w, "case"),
            .peak_rps = jsonread_num(d, o, w, "peak_rps", NONNEG),
            .per_node_rps = jsonread_num(d, o, w, "per_node_rps", NONNEG),
            .nodes = count(d, o, w, "nodes"),
        };
    }
    const json_t *usl = jsonread_maybe(d, root, "", "usl", JSON_OBJECT);
    const json_t *fit = jsonread_maybe(d, usl, "usl", "fit", JSON_OBJECT);
    const char *w = "usl.fit";
    p->has_usl = fit != NULL;
    p->usl = (struct plan_json_fit){
        .gamma = jsonread_num(d, fit, w, "gamma", ANY),
        .alpha = jsonread_num(d, fit, w, "alpha", ANY),
        .beta = jsonread_num(d, fit, w, "beta", ANY),
        .has_peak = jsonread_flag(d, fit, w, "has_peak", false),
        .peak_concurrency = jsonread_num(d, fit, w, "peak_concurrency", ANY),
        .peak_throughput = jsonread_num(d, fit, w, "peak_throughput", ANY),
        .ceiling_throughput = jsonread_num(d, fit, w, "ceiling_throughput", ANY),
        .r2 = jsonread_num(d, fit, w, "r2", ANY),
        .residual_std_error = jsonread_num(d, fit, w, "residual_std_error", ANY),
    };
    jsonread_strings(d, jsonread_maybe(d, root, "", "assumptions", JSON_ARRAY), "assumptions",
                     &p->assumptions, &p->n_assumptions);
}

int plan_json_read(const char *path, struct plan_json **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    struct jsonread d = {
        .path = path, .err = err, .errlen = errlen, .redo = "run gatecap plan again"};
    struct plan_json *p = calloc(1, sizeof *p);
    if (!p)
        return jsonread_nomem(&d);
    p->path = path;
    json_t *root = jsonread_load(&d);
    if (root)
        p->version =
            jsonread_version(&d, root, PLAN_JSON_FORMAT, PLAN_JSON_VERSION, "plan.json", "plan",
                             "make one with gatecap plan RESULTS.json ... -o plan.json");
    if (!d.rc) {
        const json_t *slo = jsonread_need(&d, root, "", "slo", JSON_OBJECT);
        p->gatecap = jsonread_str(&d, root, "", "gatecap");
        p->sentence = jsonread_str(&d, root, "", "sentence");
        p->percentile = jsonread_str(&d, slo, "slo", "percentile");
        p->slo_latency_ms = jsonread_num(&d, slo, "slo", "latency_ms", NONNEG);
        p->slo_error_pct = jsonread_num(&d, slo, "slo", "error_pct", PCT);
        p->slo_min_achieved_pct = jsonread_num(&d, slo, "slo", "min_achieved_pct", PCT);
    }
    void (*const parts[])(struct jsonread *, const json_t *, struct plan_json *) = {steps, points,
                                                                                    sizing, cases};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !d.rc; i++)
        parts[i](&d, root, p);
    json_decref(root);
    p->priv = d.strings;
    if (d.rc) {
        plan_json_free(p);
        return d.rc;
    }
    *out = p;
    return PLAN_JSON_OK;
}

void plan_json_free(struct plan_json *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_steps; i++)
        free(p->steps[i].violates);
    free(p->steps);
    free(p->points);
    free(p->limited_by);
    free(p->what_if);
    free(p->sensitivity);
    free(p->assumptions);
    jsonread_strings_free(p->priv);
    free(p);
}
