/*
 * report_plan.c — a plan.json (docs/plan.md) into the report model: the
 * recommendation, the capacity at the SLO, the steps with their verdicts,
 * the what-if rows, the sensitivity, the USL fit and its measured points,
 * the assumptions; see report.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output/report_int.h"

int report_read_plan(struct report *r, const char *path, char *err, size_t errlen)
{
    json_t *root = load_json(path, "gatecap plan.json", err, errlen);
    if (!root)
        return -1;
    int rc = -1;
    struct report_plan *p = calloc(1, sizeof *p);
    if (!p) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    r->plan = p;
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!fmt || strcmp(fmt, "gatecap-plan") != 0 || num(root, "version") != 1) {
        fail(err, errlen,
             "%s: not a gatecap plan.json version 1 (\"format\": \"gatecap-plan\"); make one "
             "with gatecap plan RESULTS.json ... -o plan.json",
             path);
        goto out;
    }
    const json_t *slo = json_object_get(root, "slo");
    if (!json_is_object(slo) || !json_is_array(json_object_get(root, "steps"))) {
        fail(err, errlen, "%s: \"slo\" (object) and \"steps\" (array) are required", path);
        goto out;
    }
    p->file = strdup(path);
    p->sentence = dup_str(root, "sentence");
    copy_str(p->percentile, sizeof p->percentile, slo, "percentile");
    p->slo_latency_ms = num(slo, "latency_ms");
    p->slo_error_pct = num(slo, "error_pct");
    p->slo_min_achieved_pct = num(slo, "min_achieved_pct");
    const json_t *cap = json_object_get(root, "capacity");
    p->have_capacity = json_is_object(cap);
    p->capacity_rps = num(cap, "per_node_rps");
    p->at_least = json_is_true(json_object_get(cap, "at_least"));
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(cap, "limited_by"), i, v)
    {
        size_t len = strlen(p->limited_by);
        snprintf(p->limited_by + len, sizeof p->limited_by - len, "%s%s", len ? ", " : "",
                 json_string_value(v) ? json_string_value(v) : "?");
    }
    copy_str(p->interpolated_on, sizeof p->interpolated_on, cap, "interpolated_on");
    p->peak_rps = num(json_object_get(root, "demand"), "peak_rps");
    const json_t *pol = json_object_get(root, "policy");
    p->headroom_pct = num(pol, "headroom_pct");
    p->redundancy = (int)json_integer_value(json_object_get(pol, "redundancy"));
    p->min_nodes = (int)json_integer_value(json_object_get(pol, "min_nodes"));
    const json_t *rec = json_object_get(root, "recommendation");
    p->have_rec = json_is_object(rec);
    p->rec_nodes = (int)json_integer_value(json_object_get(rec, "nodes"));
    p->n_base = (int)json_integer_value(json_object_get(rec, "n_base"));
    p->traffic_managers = (int)json_integer_value(json_object_get(rec, "traffic_managers"));
    copy_str(p->binding, sizeof p->binding, rec, "binding");
    p->per_node_effective_rps = num(rec, "per_node_effective_rps");
    p->util_peak_pct = num(rec, "util_peak_pct");
    p->util_after_loss_pct = num(rec, "util_after_loss_pct");
    p->loss_ok = json_is_true(json_object_get(rec, "loss_ok"));

    const json_t *steps = json_object_get(root, "steps");
    if (json_array_size(steps) > 0) {
        r->steps = calloc(json_array_size(steps), sizeof *r->steps);
        if (!r->steps)
            goto nomem;
        r->steps_from_plan = true;
        json_array_foreach(steps, i, v)
        {
            struct report_step *s = &r->steps[r->n_steps++];
            s->name = dup_str(v, "name");
            if (!s->name) {
                fail(err, errlen, "%s: steps[%zu].name is missing", path, i);
                goto out;
            }
            s->offered_rps = num(v, "per_node_offered_rps");
            s->achieved_rps = num(v, "per_node_achieved_rps");
            s->latency_ms = num(v, "latency_ms");
            s->error_pct = num(v, "error_pct");
            copy_str(s->verdict, sizeof s->verdict, v, "verdict");
            copy_str(s->role, sizeof s->role, v, "role");
            char why[160] = "";
            size_t k;
            const json_t *m;
            json_array_foreach(json_object_get(v, "violates"), k, m)
            {
                size_t len = strlen(why);
                snprintf(why + len, sizeof why - len, "%s%s", len ? ", " : "",
                         json_string_value(m) ? json_string_value(m) : "?");
            }
            const char *inv = json_string_value(json_object_get(v, "invalid_reason"));
            s->why = inv ? strdup(inv) : why[0] ? strdup(why) : NULL;
        }
    }
    const json_t *wi = json_object_get(root, "what_if");
    p->whatif = calloc(json_array_size(wi) + 1, sizeof *p->whatif);
    const json_t *se = json_object_get(root, "sensitivity");
    p->sens = calloc(json_array_size(se) + 1, sizeof *p->sens);
    const json_t *pts = json_object_get(root, "points");
    p->points = calloc(json_array_size(pts) + 1, sizeof *p->points);
    const json_t *as = json_object_get(root, "assumptions");
    p->assumptions = calloc(json_array_size(as) + 1, sizeof *p->assumptions);
    if (!p->whatif || !p->sens || !p->points || !p->assumptions)
        goto nomem;
    json_array_foreach(wi, i, v)
    {
        struct report_whatif *w = &p->whatif[p->n_whatif++];
        w->nodes = (int)json_integer_value(json_object_get(v, "nodes"));
        w->capacity_rps = num(v, "capacity_rps");
        w->util_peak_pct = num(v, "util_peak_pct");
        w->util_after_loss_pct = num(v, "util_after_loss_pct");
        w->headroom_left_pct = num(v, "headroom_left_pct");
        w->meets_policy = json_is_true(json_object_get(v, "meets_policy"));
    }
    json_array_foreach(se, i, v)
    {
        struct report_sens *s = &p->sens[p->n_sens++];
        s->what = dup_str(v, "case");
        s->peak_rps = num(v, "peak_rps");
        s->per_node_rps = num(v, "per_node_rps");
        s->nodes = (int)json_integer_value(json_object_get(v, "nodes"));
    }
    json_array_foreach(pts, i, v)
    {
        p->points[p->n_points++] =
            (struct report_usl_point){num(v, "concurrency"), num(v, "throughput_rps")};
    }
    json_array_foreach(as, i, v)
    {
        const char *s = json_string_value(v);
        if (s && !(p->assumptions[p->n_assumptions++] = strdup(s)))
            goto nomem;
    }
    const json_t *fit = json_object_get(json_object_get(root, "usl"), "fit");
    p->have_usl = json_is_object(fit);
    p->gamma = num(fit, "gamma");
    p->alpha = num(fit, "alpha");
    p->beta = num(fit, "beta");
    p->usl_has_peak = json_is_true(json_object_get(fit, "has_peak"));
    p->peak_n = num(fit, "peak_concurrency");
    p->peak_x = num(fit, "peak_throughput");
    p->ceiling_x = num(fit, "ceiling_throughput");
    p->r2 = num(fit, "r2");
    p->rse = num(fit, "residual_std_error");
    rc = 0;
    goto out;
nomem:
    fail(err, errlen, "out of memory");
out:
    json_decref(root);
    return rc;
}
