/*
 * report_plan.c — a plan.json (docs/plan.md, read by plan_json.h) into the
 * report model: the recommendation, the capacity at the SLO, the steps
 * with their verdicts, the what-if rows, the sensitivity, the USL fit and
 * its measured points, the assumptions; see report.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/plan_json.h"
#include "output/report_int.h"

/* "a, b, c" from names[0..n) into out (cap bytes). */
static void joined(char *out, size_t cap, const char *const *names, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0, len = 0; i < n && len < cap; i++, len = strlen(out))
        snprintf(out + len, cap - len, "%s%s", len ? ", " : "", names[i] ? names[i] : "?");
}

/* The plan's steps into r->steps: per node, with their verdicts. */
static int plan_steps(struct report *r, const struct plan_json *pj)
{
    if (pj->n_steps == 0)
        return 0;
    r->steps = calloc(pj->n_steps, sizeof *r->steps);
    if (!r->steps)
        return -1;
    r->steps_from_plan = true;
    for (size_t i = 0; i < pj->n_steps; i++) {
        const struct plan_json_step *v = &pj->steps[i];
        struct report_step *s = &r->steps[r->n_steps++];
        if (!(s->name = strdup(v->name)))
            return -1;
        s->offered_rps = v->per_node_offered_rps;
        s->achieved_rps = v->per_node_achieved_rps;
        s->latency_ms = v->latency_ms;
        s->error_pct = v->error_pct;
        snprintf(s->verdict, sizeof s->verdict, "%s", v->verdict ? v->verdict : "");
        snprintf(s->role, sizeof s->role, "%s", v->role ? v->role : "");
        char why[160];
        joined(why, sizeof why, v->violates, v->n_violates);
        if ((v->invalid_reason || why[0]) &&
            !(s->why = strdup(v->invalid_reason ? v->invalid_reason : why)))
            return -1;
    }
    return 0;
}

int report_read_plan(struct report *r, const char *path, char *err, size_t errlen)
{
    struct plan_json *pj = NULL;
    if (plan_json_read(path, &pj, err, errlen) != PLAN_JSON_OK)
        return -1;
    struct report_plan *p = calloc(1, sizeof *p);
    if (!p) {
        plan_json_free(pj);
        return errbuf_set(err, errlen, -1, "out of memory");
    }
    r->plan = p;
    p->doc = pj;
    if (!(p->file = strdup(path)))
        return errbuf_set(err, errlen, -1, "out of memory");
    p->sentence = pj->sentence;
    snprintf(p->percentile, sizeof p->percentile, "%s", pj->percentile ? pj->percentile : "");
    p->slo_latency_ms = pj->slo_latency_ms;
    p->slo_error_pct = pj->slo_error_pct;
    p->slo_min_achieved_pct = pj->slo_min_achieved_pct;
    p->have_capacity = pj->has_capacity;
    p->capacity_rps = pj->capacity_rps;
    p->at_least = pj->at_least;
    joined(p->limited_by, sizeof p->limited_by, pj->limited_by, pj->n_limited_by);
    snprintf(p->interpolated_on, sizeof p->interpolated_on, "%s",
             pj->interpolated_on ? pj->interpolated_on : "");
    p->peak_rps = pj->peak_rps;
    p->headroom_pct = pj->headroom_pct;
    p->redundancy = pj->redundancy;
    p->min_nodes = pj->min_nodes;
    p->have_rec = pj->has_recommendation;
    p->rec_nodes = pj->rec_nodes;
    p->n_base = pj->n_base;
    p->traffic_managers = pj->traffic_managers;
    snprintf(p->binding, sizeof p->binding, "%s", pj->binding ? pj->binding : "");
    p->per_node_effective_rps = pj->per_node_effective_rps;
    p->util_peak_pct = pj->util_peak_pct;
    p->util_after_loss_pct = pj->util_after_loss_pct;
    p->loss_ok = pj->loss_ok;
    p->whatif = calloc(pj->n_what_if + 1, sizeof *p->whatif);
    p->sens = calloc(pj->n_sensitivity + 1, sizeof *p->sens);
    p->points = calloc(pj->n_points + 1, sizeof *p->points);
    if (!p->whatif || !p->sens || !p->points || plan_steps(r, pj))
        return errbuf_set(err, errlen, -1, "out of memory");
    for (size_t i = 0; i < pj->n_what_if; i++) {
        const struct plan_json_whatif *w = &pj->what_if[i];
        p->whatif[p->n_whatif++] = (struct report_whatif){w->nodes,
                                                          w->capacity_rps,
                                                          w->util_peak_pct,
                                                          w->util_after_loss_pct,
                                                          w->headroom_left_pct,
                                                          w->meets_policy};
    }
    for (size_t i = 0; i < pj->n_sensitivity; i++) {
        const struct plan_json_sens *s = &pj->sensitivity[i];
        p->sens[p->n_sens++] =
            (struct report_sens){s->what, s->peak_rps, s->per_node_rps, s->nodes};
    }
    for (size_t i = 0; i < pj->n_points; i++)
        p->points[p->n_points++] =
            (struct report_usl_point){pj->points[i].concurrency, pj->points[i].throughput_rps};
    p->assumptions = pj->assumptions;
    p->n_assumptions = pj->n_assumptions;
    p->have_usl = pj->has_usl;
    p->gamma = pj->usl.gamma;
    p->alpha = pj->usl.alpha;
    p->beta = pj->usl.beta;
    p->usl_has_peak = pj->usl.has_peak;
    p->peak_n = pj->usl.peak_concurrency;
    p->peak_x = pj->usl.peak_throughput;
    p->ceiling_x = pj->usl.ceiling_throughput;
    p->r2 = pj->usl.r2;
    p->rse = pj->usl.residual_std_error;
    return 0;
}
