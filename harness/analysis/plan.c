/*
 * plan.c — from measurements to a capacity plan; see plan.h.
 */
#include "analysis/plan.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/errbuf.h"
#include "base/version.h"
#include "measure/judge.h"
#include "output/plan_json.h"

void plan_request_defaults(struct plan_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->target_rps = rq->avg_rps = rq->peak_factor = rq->growth = NAN;
    snprintf(rq->percentile, sizeof rq->percentile, "p99");
    rq->slo_latency_ms = 250;
    rq->slo_error_pct = 0.1;
    rq->slo_min_achieved = 0.99;
    rq->policy.headroom = 0.30;
    rq->policy.redundancy = 1;
    rq->policy.min_nodes = 2;
    rq->policy.km_share = 1;
}

static void assume(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void assume(struct plan *p, const char *fmt, ...)
{
    if (p->n_assume >= PLAN_MAX_ASSUMPTIONS)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) >= 0)
        p->assume[p->n_assume++] = s;
    va_end(ap);
}

/* 1,234 / 12.3 / 1.23: thousands separated, fewer decimals as it grows. */
const char *plan_fmt_num(char *buf, size_t n, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "%s", isnan(v) ? "-" : v > 0 ? "inf" : "-inf");
        return buf;
    }
    if (fabs(v) < 100) {
        snprintf(buf, n, fabs(v) < 10 ? "%.2f" : "%.1f", v);
        return buf;
    }
    char digits[48];
    snprintf(digits, sizeof digits, "%.0f", fabs(v));
    size_t len = strlen(digits), o = 0;
    if (v < 0 && o + 1 < n)
        buf[o++] = '-';
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* ---- computing ---- */

const char *plan_slo_text(const struct plan_request *a, char *buf, size_t n)
{
    char l[32];
    if (a->flow[0])
        snprintf(buf, n, "flow %s duration %s ≤ %s ms", a->flow, a->percentile,
                 plan_fmt_num(l, sizeof l, a->slo_latency_ms));
    else
        snprintf(buf, n, "%s ≤ %s ms", a->percentile, plan_fmt_num(l, sizeof l, a->slo_latency_ms));
    return buf;
}

static void make_sentence(struct plan *p, const struct plan_request *a, double peak)
{
    char pk[32], cap[32], s[64];
    const struct capacity_plan *r = &p->rec;
    int keep = (int)lround((1 - a->policy.headroom) * 100);
    int len;
    if (p->have_scale) {
        struct capacity_policy pol = a->policy;
        pol.scale_alpha = p->scale.alpha;
        pol.scale_beta = p->scale.beta;
        len = snprintf(
            p->sentence, sizeof p->sentence,
            "Recommend %d gateway node%s: the peak of %s req/s needs %d node%s at "
            "%d %% of the %s req/s they carry together at %s (measured scale-out)",
            r->nodes, r->nodes == 1 ? "" : "s", plan_fmt_num(pk, sizeof pk, peak), r->n_base,
            r->n_base == 1 ? "" : "s", keep,
            plan_fmt_num(cap, sizeof cap, capacity_cluster_rps(r->per_node_rps, &pol, r->n_base)),
            plan_slo_text(a, s, sizeof s));
    } else {
        len =
            snprintf(p->sentence, sizeof p->sentence,
                     "Recommend %d gateway node%s: the peak of %s req/s needs %d node%s at "
                     "%d %% of the %s req/s each carries at %s",
                     r->nodes, r->nodes == 1 ? "" : "s", plan_fmt_num(pk, sizeof pk, peak),
                     r->n_base, r->n_base == 1 ? "" : "s", keep,
                     plan_fmt_num(cap, sizeof cap, r->per_node_rps), plan_slo_text(a, s, sizeof s));
    }
    if (len < 0 || (size_t)len >= sizeof p->sentence)
        return;
    if (a->policy.redundancy > 0)
        len += snprintf(p->sentence + len, sizeof p->sentence - (size_t)len, ", plus %d for N+%d",
                        a->policy.redundancy, a->policy.redundancy);
    if (r->binding == CAPACITY_BIND_MIN_NODES && len > 0 && (size_t)len < sizeof p->sentence)
        len += snprintf(p->sentence + len, sizeof p->sentence - (size_t)len,
                        "; %d is the minimum for high availability", a->policy.min_nodes);
    if (r->km_binds && len > 0 && (size_t)len < sizeof p->sentence) {
        char kl[32], kc[32];
        len += snprintf(p->sentence + len, sizeof p->sentence - (size_t)len,
                        ". But the Key Manager binds: at the peak it must validate %s tokens/s "
                        "and one node carries %s/s, so it needs %d nodes (or JWT tokens, or "
                        "token caching on the gateways); more gateways do not help",
                        plan_fmt_num(kl, sizeof kl, r->km_load_rps),
                        plan_fmt_num(kc, sizeof kc, a->policy.km_rps), r->km_nodes);
    }
    if (p->knee.at_least && len > 0 && (size_t)len < sizeof p->sentence)
        len += snprintf(p->sentence + len, sizeof p->sentence - (size_t)len,
                        "; the knee was not reached (a node carries at least %s req/s), so "
                        "this is an upper bound",
                        cap);
    if (len > 0 && (size_t)len < sizeof p->sentence)
        snprintf(p->sentence + len, sizeof p->sentence - (size_t)len, ".");
}

/* The first sentence when no node count is made. */
static void summary_sentence(struct plan *p, const struct plan_request *a)
{
    char b1[32], b2[32], s[64];
    if (p->have_knee)
        snprintf(p->sentence, sizeof p->sentence,
                 "No node count: no demand given (--target-rps, or --avg-rps with "
                 "--peak-factor); each node carries %s%s req/s at %s.",
                 p->knee.at_least ? "at least " : "",
                 plan_fmt_num(b1, sizeof b1, p->knee.capacity_rps), plan_slo_text(a, s, sizeof s));
    else if (p->have_usl && p->usl.has_peak)
        snprintf(p->sentence, sizeof p->sentence,
                 "No node count: the input holds concurrency points only (no rate steps); the "
                 "USL fit peaks at %s req/s with %s concurrent requests.",
                 plan_fmt_num(b1, sizeof b1, p->usl.peak_x),
                 plan_fmt_num(b2, sizeof b2, p->usl.peak_n));
    else if (p->have_usl)
        snprintf(p->sentence, sizeof p->sentence,
                 "No node count: the input holds concurrency points only (no rate steps); the "
                 "USL fit has no peak (β = 0) and approaches %s req/s.",
                 plan_fmt_num(b1, sizeof b1, p->usl.ceiling_x));
}

static void collect_assumptions(struct plan *p, const struct plan_request *a);
static int knees(struct plan *p, const struct plan_request *a, char *err, size_t errlen);

/* The plan's SLO as a step's criteria (judge.h): the latency percentile
 * at most its bound (when one is set), errors at most the budget (when
 * one is set), achieved at least its share. metric[i] is the CAPACITY_M_*
 * criterion i stands for. Returns how many. */
static size_t criteria(const struct plan_request *a, struct judge_criterion *c, int *metric)
{
    size_t n = 0;
    int k = judge_pct_index(strtod(a->percentile + 1, NULL));
    if (k >= 0 && a->slo_latency_ms > 0) {
        c[n] = (struct judge_criterion){JUDGE_LATENCY, k, false, a->slo_latency_ms};
        metric[n++] = CAPACITY_M_LATENCY;
    }
    if (!isnan(a->slo_error_pct)) {
        c[n] = (struct judge_criterion){JUDGE_ERRORS, 0, false, a->slo_error_pct};
        metric[n++] = CAPACITY_M_ERRORS;
    }
    c[n] = (struct judge_criterion){JUDGE_ACHIEVED, 0, false, 100 * a->slo_min_achieved};
    metric[n++] = CAPACITY_M_ACHIEVED;
    return n;
}

/* Judges a step of a results.json as the run's stop rule and search do:
 * its achieved, its verdict, its validity. */
static void judge_one(struct plan_input_step *s, const struct judge_criterion *c, const int *metric,
                      size_t n, struct capacity_step *cs)
{
    struct judge_verdict v;
    judge_step(&s->judge, c, n, &v);
    s->achieved_rps = isfinite(v.achieved_pct) ? s->offered_rps * v.achieved_pct / 100 : 0;
    s->valid = v.measured && v.valid;
    if (!s->valid)
        snprintf(s->invalid_why, sizeof s->invalid_why, "%s", v.why);
    cs->judged = true;
    cs->bad = 0;
    for (size_t i = 0; i < n; i++)
        if (v.failed[i])
            cs->bad |= metric[i];
}
static void fit_scale_out(struct plan *p);

int plan_build(struct plan *p, const struct plan_request *a, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->peak_rps = NAN;
    char buf[64], b2[64];
    struct plan_input_opts o = {.percentile = a->percentile, .nodes = a->nodes, .flow = a->flow};
    for (int i = 0; i < a->n_files; i++) {
        if (plan_input_read(&p->in, a->files[i], &o, err, errlen) != PLAN_INPUT_OK)
            return -1;
    }
    if (p->in.n_steps == 0 && p->in.n_points == 0)
        return errbuf_set(
            err, errlen, -1,
            "no steps or points in the input: a results.json of an open-model step run "
            "(constant-rate phases) or of a closed-model user sweep, or a CSV with rate "
            "or concurrency rows (docs/plan.md)");

    /* The knee, on per-node rates: one per cluster size measured. */
    if (p->in.n_steps > 0) {
        p->steps = calloc(p->in.n_steps, sizeof *p->steps);
        if (!p->steps)
            return errbuf_set(err, errlen, -1, "out of memory");
        struct judge_criterion crit[3];
        int metric[3];
        size_t n_crit = criteria(a, crit, metric);
        for (size_t i = 0; i < p->in.n_steps; i++) {
            struct plan_input_step *s = &p->in.steps[i];
            struct capacity_step *cs = &p->steps[i];
            *cs = (struct capacity_step){.offered_rps = s->offered_rps / s->nodes,
                                         .latency_ms = s->latency_ms,
                                         .error_pct = s->error_pct};
            if (s->judged)
                judge_one(s, crit, metric, n_crit, cs);
            cs->achieved_rps = s->achieved_rps / s->nodes;
            cs->valid = s->valid;
        }
        if (knees(p, a, err, errlen))
            return -1;
        p->have_knee = true;
        fit_scale_out(p);
    }

    /* USL over concurrency points (as measured, not divided by nodes). */
    if (p->in.n_points > 0) {
        struct usl_point *pts = calloc(p->in.n_points, sizeof *pts);
        if (!pts)
            return errbuf_set(err, errlen, -1, "out of memory");
        for (size_t i = 0; i < p->in.n_points; i++)
            pts[i] =
                (struct usl_point){p->in.points[i].concurrency, p->in.points[i].throughput_rps};
        const char *why = NULL;
        int rc = usl_fit(pts, p->in.n_points, &p->usl, &why);
        if (rc == USL_OK) {
            p->have_usl = true;
            const char *qwhy = NULL;
            p->have_quad = usl_fit_quadratic(pts, p->in.n_points, &p->quad, &qwhy) == USL_OK;
            p->quad_why = p->have_quad ? NULL : qwhy;
        }
        free(pts);
        if (rc != USL_OK)
            return errbuf_set(err, errlen, -1, "USL fit over %zu concurrency point%s: %s",
                              p->in.n_points, p->in.n_points == 1 ? "" : "s", why);
    }

    /* Demand and sizing. */
    double peak = NAN;
    if (!isnan(a->target_rps)) {
        peak = a->target_rps;
        assume(p, "Peak: %s req/s, as given (--target-rps).", plan_fmt_num(buf, sizeof buf, peak));
    } else if (!isnan(a->avg_rps)) {
        double g = isnan(a->growth) ? 1 : a->growth;
        peak = a->avg_rps * a->peak_factor * g;
        assume(p, "Peak = average %s req/s × peak factor %g × growth %g = %s req/s%s.",
               plan_fmt_num(buf, sizeof buf, a->avg_rps), a->peak_factor, g,
               plan_fmt_num(b2, sizeof b2, peak), isnan(a->growth) ? " (no --growth: 1)" : "");
    }
    p->have_demand = !isnan(peak);
    struct capacity_policy pol = a->policy;
    pol.peak_rps = peak;
    /* Measured scale-out: one node's capacity and the contention between
     * nodes come from the fit; else n nodes carry n × the knee. */
    double per_node = p->knee.capacity_rps;
    if (p->have_scale) {
        per_node = p->scale.gamma;
        pol.scale_alpha = p->scale.alpha;
        pol.scale_beta = p->scale.beta;
    }
    if (p->have_knee && p->have_demand) {
        const char *why = NULL;
        if (capacity_size(per_node, &pol, &p->rec, &why) != CAPACITY_OK)
            return errbuf_set(err, errlen, -1, "cannot size: %s", why);
        int top = p->rec.nodes + 3 > 6 ? p->rec.nodes + 3 : 6;
        if (top > (int)(sizeof p->whatif / sizeof p->whatif[0]))
            top = (int)(sizeof p->whatif / sizeof p->whatif[0]);
        for (int n = 1; n <= top; n++)
            capacity_whatif_row(per_node, &pol, n, &p->whatif[p->n_whatif++]);
        if (top < p->rec.nodes + 3)
            assume(p, "The what-if table stops at %d nodes.", top);
        capacity_sensitivity(per_node, &pol, p->sens);
        make_sentence(p, a, peak);
    }
    p->peak_rps = peak;
    if (!p->sentence[0])
        summary_sentence(p, a);
    collect_assumptions(p, a);
    return 0;
}

/* The group of steps measured on `nodes` nodes (created in ascending
 * order of nodes), or NULL when PLAN_MAX_GROUPS sizes exist already. */
static struct plan_group *group_of(struct plan *p, int nodes)
{
    int i = 0;
    while (i < p->n_groups && p->groups[i].nodes < nodes)
        i++;
    if (i < p->n_groups && p->groups[i].nodes == nodes)
        return &p->groups[i];
    if (p->n_groups == PLAN_MAX_GROUPS)
        return NULL;
    memmove(&p->groups[i + 1], &p->groups[i], (size_t)(p->n_groups - i) * sizeof p->groups[0]);
    p->n_groups++;
    p->groups[i] = (struct plan_group){.nodes = nodes};
    return &p->groups[i];
}

/* One knee per cluster size (the other sizes' steps count as invalid for
 * it); the plan's knee is the smallest size's that has one. */
static int knees(struct plan *p, const struct plan_request *a, char *err, size_t errlen)
{
    char buf[64];
    for (size_t i = 0; i < p->in.n_steps; i++)
        if (!group_of(p, p->in.steps[i].nodes))
            return errbuf_set(err, errlen, -1, "steps from more than %d cluster sizes",
                              PLAN_MAX_GROUPS);
    struct capacity_step *tmp = calloc(p->in.n_steps, sizeof *tmp);
    if (!tmp)
        return errbuf_set(err, errlen, -1, "out of memory");
    struct capacity_slo slo = {a->slo_latency_ms, a->slo_error_pct, a->slo_min_achieved};
    const struct plan_group *first = NULL;
    for (int g = 0; g < p->n_groups; g++) {
        struct plan_group *gr = &p->groups[g];
        for (size_t i = 0; i < p->in.n_steps; i++) {
            tmp[i] = p->steps[i];
            tmp[i].valid = tmp[i].valid && p->in.steps[i].nodes == gr->nodes;
        }
        if (capacity_knee(tmp, p->in.n_steps, &slo, &gr->knee, &gr->why) == CAPACITY_OK) {
            gr->have_knee = true;
            gr->cluster_rps = gr->knee.capacity_rps * gr->nodes;
            if (!first)
                first = gr;
        }
    }
    free(tmp);
    if (!first)
        return errbuf_set(err, errlen, -1,
                          "no capacity: %s (SLO: %s, errors ≤ %g %%, achieved ≥ %g %% of offered)",
                          p->groups[0].why, plan_slo_text(a, buf, sizeof buf), a->slo_error_pct,
                          a->slo_min_achieved * 100);
    p->knee = first->knee;
    return 0;
}

/* Fits n nodes → cluster capacity over the sizes with a knee: the USL by
 * least squares with three sizes or more; with two, the contention α
 * that joins them exactly (β = 0). Leaves have_scale false (linear) when
 * fewer than two sizes have a knee or the fit fails (said in the
 * assumptions). */
static void fit_scale_out(struct plan *p)
{
    struct usl_point pts[PLAN_MAX_GROUPS];
    size_t n = 0;
    for (int g = 0; g < p->n_groups; g++)
        if (p->groups[g].have_knee)
            pts[n++] = (struct usl_point){p->groups[g].nodes, p->groups[g].cluster_rps};
    if (n < 2)
        return;
    struct usl_fit *f = &p->scale;
    memset(f, 0, sizeof *f);
    if (n >= USL_MIN_POINTS) {
        if (usl_fit(pts, n, f, NULL) != USL_OK)
            return;
    } else {
        /* n/X = (1 + α(n − 1))/γ is a line in n − 1 through both sizes. */
        double r1 = pts[0].n / pts[0].x, r2 = pts[1].n / pts[1].x;
        double slope = (r2 - r1) / (pts[1].n - pts[0].n);
        double icpt = r1 - slope * (pts[0].n - 1);
        if (!(icpt > 0))
            return;
        f->gamma = 1 / icpt;
        f->alpha = slope * f->gamma;
        if (f->alpha < 0)
            f->alpha = 0; /* better than linear: planned as linear */
        if (f->alpha > 1)
            f->alpha = 1;
        f->points = 2;
        p->scale_two_point = true;
    }
    p->have_scale = true;
}

/* What the plan assumed about n nodes. */
static void scale_assumptions(struct plan *p, const struct plan_request *a)
{
    char b1[64], b2[64], list[256] = "";
    size_t len = 0;
    for (int g = 0; g < p->n_groups; g++) {
        const struct plan_group *gr = &p->groups[g];
        if (!gr->have_knee) {
            if (p->n_groups > 1)
                assume(p, "Steps on %d node%s: no knee (%s); not used for the scale-out.",
                       gr->nodes, gr->nodes == 1 ? "" : "s", gr->why);
            continue;
        }
        int w = snprintf(list + len, sizeof list - len, "%s%d node%s %s%s req/s", len ? ", " : "",
                         gr->nodes, gr->nodes == 1 ? "" : "s", gr->knee.at_least ? "at least " : "",
                         plan_fmt_num(b1, sizeof b1, gr->cluster_rps));
        if (w > 0 && len + (size_t)w < sizeof list)
            len += (size_t)w;
    }
    const char *others = a->policy.km_rps > 0 ? "Load balancer, Traffic Manager and backends"
                                              : "Load balancer, Key Manager, Traffic Manager "
                                                "and backends";
    if (!p->have_scale) {
        assume(p,
               "Scale-out is linear: n nodes carry n × one node's capacity (%s). %s are "
               "assumed not to bind.",
               p->n_groups > 1 ? "fewer than two cluster sizes had a knee"
                               : "no multi-node measurement was used",
               others);
        return;
    }
    assume(p,
           "Scale-out measured: at the SLO %s. Fitted %s: n nodes carry γn / (1 + α(n − 1) + "
           "βn(n − 1)) with γ = %s req/s, α = %.4g, β = %.4g; the node count and what-if "
           "use that curve, not n × one node.",
           list, p->scale_two_point ? "through both sizes (β = 0)" : "by least squares",
           plan_fmt_num(b2, sizeof b2, p->scale.gamma), p->scale.alpha, p->scale.beta);
    assume(p, "%s beyond the measured cluster sizes are assumed to scale as fitted.", others);
}

/* The assumptions that follow from the arguments and the inputs. */
static void collect_assumptions(struct plan *p, const struct plan_request *a)
{
    char b1[64], b2[64];
    if (p->have_knee) {
        assume(p,
               "A step is sustainable when achieved ≥ %g %% of offered, %s and errors ≤ %g %% "
               "(throttled 429s are not errors). Per-node capacity is the highest sustainable "
               "rate, interpolated linearly between the last good and the first bad step on "
               "the metric that failed, never extrapolated.",
               a->slo_min_achieved * 100, plan_slo_text(a, b1, sizeof b1), a->slo_error_pct);
        for (size_t i = 0; i < p->in.n_sources; i++) {
            const struct plan_input_source *s = &p->in.sources[i];
            if (!s->steps)
                continue;
            if (s->nodes_column)
                assume(p, "%s: each row's rates divided by its nodes column.", s->file);
            else if (s->nodes_overridden)
                assume(p, "%s: rates divided by %d node%s (--nodes).", s->file, s->nodes,
                       s->nodes == 1 ? "" : "s");
            else if (s->csv)
                assume(p,
                       "%s: CSV rates are taken as one node's (give --nodes N when N nodes "
                       "served them).",
                       s->file);
            else
                assume(p,
                       "%s: per-node capacity = the cluster's ÷ %d, the node%s that served "
                       "(%s); each node is assumed to carry an equal share.",
                       s->file, s->nodes, s->nodes == 1 ? "" : "s", s->node_names);
            if (!s->csv)
                assume(p,
                       "%s: achieved = mean completions/s over each step's whole intervals, "
                       "the first interval of each step left out (completions lag under "
                       "saturation).",
                       s->file);
        }
        if (p->knee.at_least)
            assume(p,
                   "Capacity NOT reached: every valid step met the SLO, so a node carries "
                   "at least %s req/s and the node count is an upper bound. Measure higher "
                   "rates (steps past %s req/s) to find the knee.",
                   plan_fmt_num(b1, sizeof b1, p->knee.capacity_rps),
                   plan_fmt_num(b2, sizeof b2, p->knee.capacity_rps));
        if (p->knee.unconfirmed)
            assume(p,
                   "%zu failing step%s below the knee, each followed by a passing step: taken "
                   "for a dip (one bad interval, a pause), not the knee (docs/plan.md).",
                   p->knee.unconfirmed, p->knee.unconfirmed == 1 ? " was" : "s were");
        if (p->knee.ignored_good)
            assume(p,
                   "%zu good step%s above the first failing one ignored: capacity is never "
                   "placed above a failure.",
                   p->knee.ignored_good, p->knee.ignored_good == 1 ? " was" : "s were");
        for (size_t i = 0; i < p->in.n_steps; i++)
            if (!p->in.steps[i].valid)
                assume(p, "%s %s (%s req/s) not used: %s.", p->in.steps[i].file,
                       p->in.steps[i].name, plan_fmt_num(b1, sizeof b1, p->in.steps[i].offered_rps),
                       p->in.steps[i].invalid_why);
        scale_assumptions(p, a);
    }
    if (p->have_demand && p->have_knee) {
        assume(p, "Headroom %g %%: each node planned at %g %% of its SLO capacity.",
               a->policy.headroom * 100, (1 - a->policy.headroom) * 100);
        if (a->policy.redundancy > 0)
            assume(p,
                   "N+%d: with %d node%s lost (failure, rolling update) the rest still carry "
                   "the peak within their SLO capacity.",
                   a->policy.redundancy, a->policy.redundancy,
                   a->policy.redundancy == 1 ? "" : "s");
        assume(p, "At least %d node%s%s.", a->policy.min_nodes, a->policy.min_nodes == 1 ? "" : "s",
               a->policy.min_nodes == 2 ? " (WSO2's minimum for high availability)" : "");
        if (a->policy.gateways_per_tm > 0)
            assume(p, "One Traffic Manager per %d gateways: %d needed.", a->policy.gateways_per_tm,
                   p->rec.traffic_managers);
        if (a->policy.km_rps > 0)
            assume(p,
                   "Key Manager: %g %% of requests need a token validation (opaque tokens not "
                   "in the gateway's cache), %s/s at the peak, against %s/s per Key Manager "
                   "node (--km-rps): %d node%s needed.",
                   a->policy.km_share * 100, plan_fmt_num(b1, sizeof b1, p->rec.km_load_rps),
                   plan_fmt_num(b2, sizeof b2, a->policy.km_rps), p->rec.km_nodes,
                   p->rec.km_nodes == 1 ? "" : "s");
    } else if (p->have_knee) {
        assume(p, "No demand given (--target-rps, or --avg-rps with --peak-factor): capacity "
                  "only, no node count.");
    } else if (p->have_demand) {
        assume(p,
               "No rate steps: the USL fit describes throughput against concurrency, not a "
               "capacity at the SLO, so no node count is made. Measure rate steps (docs/plan.md).");
    }
    if (p->have_usl)
        assume(p, "USL fitted to the concurrency points as measured (not divided by nodes); "
                  "bounded least squares, the quadratic method as a cross-check when X(1) "
                  "was measured.");
    for (size_t i = 0; i < p->in.n_notes; i++)
        assume(p, "%s.", p->in.notes[i]);
}

/* ---- JSON ---- */

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *usl_json(const struct usl_fit *f)
{
    return json_pack("{s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:i}", "gamma", jnum(f->gamma),
                     "alpha", jnum(f->alpha), "beta", jnum(f->beta), "has_peak", f->has_peak,
                     "peak_concurrency", jnum(f->peak_n), "peak_throughput", jnum(f->peak_x),
                     "ceiling_throughput", jnum(f->ceiling_x), "r2", jnum(f->r2),
                     "residual_std_error", jnum(f->rse), "sse", jnum(f->sse), "points",
                     (json_int_t)f->points, "iterations", f->iterations);
}

/* good, bad (with *viol the metrics violated), unconfirmed (bad, below
 * the first bad step, the next step up passed: a dip), invalid, or
 * ignored (good, but above the first bad step). */
const char *plan_step_verdict(const struct plan *p, const struct plan_request *a, size_t i,
                              int *viol)
{
    *viol = 0;
    if (!p->in.steps[i].valid)
        return "invalid";
    struct capacity_slo slo = {a->slo_latency_ms, a->slo_error_pct, a->slo_min_achieved};
    *viol = p->steps[i].judged ? p->steps[i].bad : capacity_step_check(&p->steps[i], &slo);
    const struct capacity_knee *k = &p->knee;
    for (int g = 0; g < p->n_groups; g++)
        if (p->groups[g].nodes == p->in.steps[i].nodes && p->groups[g].have_knee)
            k = &p->groups[g].knee;
    if (*viol) {
        bool below =
            k->first_bad < 0 || p->steps[i].offered_rps < p->steps[k->first_bad].offered_rps;
        return below && !capacity_confirmed(p->steps, p->in.n_steps, i, &slo) ? "unconfirmed"
                                                                              : "bad";
    }
    if (k->first_bad >= 0 && p->steps[i].offered_rps >= p->steps[k->first_bad].offered_rps)
        return "ignored";
    return "good";
}

void *plan_to_json(const struct plan *p, const struct plan_request *a)
{
    json_t *root = json_object();
    json_t *inputs = json_array(), *steps = json_array(), *wi = json_array(), *sens = json_array(),
           *as = json_array();
    if (!root || !inputs || !steps || !wi || !sens || !as) {
        json_decref(root);
        json_decref(inputs);
        json_decref(steps);
        json_decref(wi);
        json_decref(sens);
        json_decref(as);
        return NULL;
    }
    json_object_set_new(root, "format", json_string(PLAN_JSON_FORMAT));
    json_object_set_new(root, "version", json_integer(PLAN_JSON_VERSION));
    json_object_set_new(root, "gatecap", json_string(GATECAP_VERSION));
    json_object_set_new(root, "sentence", p->sentence[0] ? json_string(p->sentence) : json_null());
    for (size_t i = 0; i < p->in.n_sources; i++) {
        const struct plan_input_source *s = &p->in.sources[i];
        json_t *names = json_array();
        for (const char *n = s->node_names; n && *n;) { /* "a, b, c" */
            size_t len = strcspn(n, ",");
            json_array_append_new(names, json_stringn(n, len));
            n += len;
            n += strspn(n, ", ");
        }
        json_array_append_new(
            inputs, json_pack("{s:s,s:s,s:i,s:s,s:o,s:s,s:I,s:I}", "file", s->file, "kind",
                              s->csv ? "csv" : "results", "nodes", s->nodes, "nodes_from",
                              s->nodes_overridden ? "--nodes"
                              : s->csv            ? "default"
                                                  : "served",
                              "node_names", names, "status", s->status, "steps",
                              (json_int_t)s->steps, "points", (json_int_t)s->points));
    }
    json_object_set_new(root, "inputs", inputs);
    json_object_set_new(root, "slo",
                        json_pack("{s:s,s:f,s:f,s:f}", "percentile", a->percentile, "latency_ms",
                                  a->slo_latency_ms, "error_pct", a->slo_error_pct,
                                  "min_achieved_pct", a->slo_min_achieved * 100));
    json_object_set_new(json_object_get(root, "slo"), "flow",
                        a->flow[0] ? json_string(a->flow) : json_null());
    for (size_t i = 0; i < p->in.n_steps; i++) {
        const struct plan_input_step *s = &p->in.steps[i];
        int v = 0;
        const char *vd = plan_step_verdict(p, a, i, &v);
        json_t *viol = json_array();
        for (int m = CAPACITY_M_ACHIEVED; m <= CAPACITY_M_ERRORS; m <<= 1)
            if (v & m)
                json_array_append_new(viol, json_string(capacity_metric_name(m)));
        const char *role = (long)i == p->knee.last_good   ? "last_good"
                           : (long)i == p->knee.first_bad ? "first_bad"
                                                          : NULL;
        json_array_append_new(
            steps,
            json_pack("{s:s,s:s,s:o,s:o,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:b,s:o,s:s,s:o,s:o}",
                      "file", s->file, "name", s->name, "offered_rps", jnum(s->offered_rps),
                      "achieved_rps", jnum(s->achieved_rps), "nodes", s->nodes,
                      "per_node_offered_rps", jnum(p->steps[i].offered_rps),
                      "per_node_achieved_rps", jnum(p->steps[i].achieved_rps), "achieved_pct",
                      jnum(100 * s->achieved_rps / s->offered_rps), "latency_ms",
                      jnum(s->latency_ms), "error_pct", jnum(s->error_pct), "late_pct",
                      jnum(s->late_pct), "intervals", s->intervals, "valid", s->valid,
                      "invalid_reason", s->valid ? json_null() : json_string(s->invalid_why),
                      "verdict", vd, "violates", viol, "role",
                      role ? json_string(role) : json_null()));
    }
    json_object_set_new(root, "steps", steps);
    json_t *points = json_array(); /* the USL's measured points, for charts */
    for (size_t i = 0; points && i < p->in.n_points; i++) {
        const struct plan_input_point *pt = &p->in.points[i];
        json_array_append_new(points,
                              json_pack("{s:s,s:s,s:o,s:o,s:i}", "file", pt->file, "name", pt->name,
                                        "concurrency", jnum(pt->concurrency), "throughput_rps",
                                        jnum(pt->throughput_rps), "nodes", pt->nodes));
    }
    json_object_set_new(root, "points", points ? points : json_array());
    if (p->have_knee) {
        json_t *lim = json_array();
        for (int m = CAPACITY_M_ACHIEVED; m <= CAPACITY_M_ERRORS; m <<= 1)
            if (p->knee.limited_by & m)
                json_array_append_new(lim, json_string(capacity_metric_name(m)));
        json_object_set_new(
            root, "capacity",
            json_pack("{s:o,s:b,s:o,s:o,s:o,s:I}", "per_node_rps", jnum(p->knee.capacity_rps),
                      "at_least", p->knee.at_least, "limited_by", lim, "interpolated_on",
                      p->knee.interpolated_on
                          ? json_string(capacity_metric_name(p->knee.interpolated_on))
                          : json_null(),
                      "scale_out", json_string(p->have_scale ? "measured" : "linear"),
                      "valid_steps", (json_int_t)p->knee.valid_steps));
    } else {
        json_object_set_new(root, "capacity", json_null());
    }
    if (p->have_knee && p->n_groups > 1) {
        json_t *sizes = json_array();
        for (int g = 0; g < p->n_groups; g++) {
            const struct plan_group *gr = &p->groups[g];
            json_array_append_new(
                sizes,
                json_pack("{s:i,s:o,s:o,s:b}", "nodes", gr->nodes, "capacity_rps",
                          gr->have_knee ? jnum(gr->cluster_rps) : json_null(), "per_node_rps",
                          gr->have_knee ? jnum(gr->knee.capacity_rps) : json_null(), "at_least",
                          gr->have_knee && gr->knee.at_least));
        }
        json_object_set_new(root, "scale_out",
                            json_pack("{s:o,s:o,s:o,s:o,s:o}", "sizes", sizes, "method",
                                      !p->have_scale       ? json_null()
                                      : p->scale_two_point ? json_string("two-point")
                                                           : json_string("usl"),
                                      "gamma", p->have_scale ? jnum(p->scale.gamma) : json_null(),
                                      "alpha", p->have_scale ? jnum(p->scale.alpha) : json_null(),
                                      "beta", p->have_scale ? jnum(p->scale.beta) : json_null()));
    } else {
        json_object_set_new(root, "scale_out", json_null());
    }
    double peak = p->peak_rps;
    json_object_set_new(root, "demand",
                        p->have_demand ? json_pack("{s:o,s:o,s:o,s:o,s:o}", "peak_rps", jnum(peak),
                                                   "target_rps", jnum(a->target_rps), "avg_rps",
                                                   jnum(a->avg_rps), "peak_factor",
                                                   jnum(a->peak_factor), "growth", jnum(a->growth))
                                       : json_null());
    json_object_set_new(
        root, "policy",
        json_pack("{s:f,s:i,s:i,s:o,s:o,s:o}", "headroom_pct", a->policy.headroom * 100,
                  "redundancy", a->policy.redundancy, "min_nodes", a->policy.min_nodes,
                  "gateways_per_tm",
                  a->policy.gateways_per_tm ? json_integer(a->policy.gateways_per_tm) : json_null(),
                  "km_rps", a->policy.km_rps > 0 ? json_real(a->policy.km_rps) : json_null(),
                  "km_share_pct",
                  a->policy.km_rps > 0 ? json_real(a->policy.km_share * 100) : json_null()));
    if (p->have_knee && p->have_demand) {
        const struct capacity_plan *r = &p->rec;
        json_object_set_new(
            root, "recommendation",
            json_pack("{s:i,s:i,s:s,s:o,s:o,s:o,s:o,s:b,s:o}", "nodes", r->nodes, "n_base",
                      r->n_base, "binding",
                      r->binding == CAPACITY_BIND_MIN_NODES ? "min_nodes" : "peak", "per_node_rps",
                      jnum(r->per_node_rps), "per_node_effective_rps", jnum(r->effective_rps),
                      "util_peak_pct", jnum(100 * r->util_peak), "util_after_loss_pct",
                      jnum(100 * r->util_after_loss), "loss_ok", r->loss_ok, "traffic_managers",
                      r->traffic_managers ? json_integer(r->traffic_managers) : json_null()));
        if (a->policy.km_rps > 0)
            json_object_set_new(json_object_get(root, "recommendation"), "key_manager",
                                json_pack("{s:f,s:f,s:i,s:b}", "load_rps", r->km_load_rps,
                                          "per_node_rps", a->policy.km_rps, "nodes", r->km_nodes,
                                          "binds", r->km_binds));
        for (int i = 0; i < p->n_whatif; i++) {
            const struct capacity_whatif *w = &p->whatif[i];
            json_array_append_new(
                wi, json_pack("{s:i,s:o,s:o,s:o,s:o,s:b}", "nodes", w->nodes, "capacity_rps",
                              jnum(w->capacity_rps), "util_peak_pct", jnum(100 * w->util_peak),
                              "util_after_loss_pct", jnum(100 * w->util_after_loss),
                              "headroom_left_pct", jnum(100 * w->headroom_left), "meets_policy",
                              w->meets_policy));
        }
        for (int i = 0; i < CAPACITY_SENS_ROWS; i++)
            json_array_append_new(
                sens, json_pack("{s:s,s:o,s:o,s:o}", "case", p->sens[i].what, "peak_rps",
                                jnum(p->sens[i].peak_rps), "per_node_rps",
                                jnum(p->sens[i].per_node_rps), "nodes",
                                p->sens[i].nodes ? json_integer(p->sens[i].nodes) : json_null()));
    } else {
        json_object_set_new(root, "recommendation", json_null());
    }
    json_object_set_new(root, "what_if", wi);
    json_object_set_new(root, "sensitivity", sens);
    if (p->have_usl)
        json_object_set_new(root, "usl",
                            json_pack("{s:o,s:o,s:o}", "fit", usl_json(&p->usl), "quadratic",
                                      p->have_quad ? usl_json(&p->quad) : json_null(),
                                      "quadratic_error",
                                      p->quad_why ? json_string(p->quad_why) : json_null()));
    else
        json_object_set_new(root, "usl", json_null());
    for (int i = 0; i < p->n_assume; i++)
        json_array_append_new(as, json_string(p->assume[i]));
    json_object_set_new(root, "assumptions", as);
    return root;
}

void plan_free(struct plan *p)
{
    plan_input_free(&p->in);
    free(p->steps);
    for (int i = 0; i < p->n_assume; i++)
        free(p->assume[i]);
}
