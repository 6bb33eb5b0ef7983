/*
 * report_charts_plan.c — the charts of the steps and the capacity plan in
 * report.html (report.h), as inline SVG drawn with svg.h; the run's are in
 * report_charts.c:
 *
 *   steps-rate      offered vs achieved per step (knee with a plan)
 *   steps-latency   latency per step (SLO line and knee with a plan)
 *   what-if         capacity by node count, the recommendation marked
 *   usl             the USL fit over the measured points
 *
 * Every mark has a legend entry and every entry a mark (svg.h, keys):
 * each verdict a step can have its color and its entry, shown when a step
 * has it. The what-if chart names its lines and its recommendation in the
 * legend, never by a label over the bars.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/report_charts_int.h"

/* ---- steps and the capacity plan ---- */

const char *report_verdict_color(const char *v)
{
    return !strcmp(v, "good")          ? "#59a14f"
           : !strcmp(v, "bad")         ? "#e15759"
           : !strcmp(v, "ignored")     ? "#f28e2b"
           : !strcmp(v, "unconfirmed") ? "#b8860b"
           : !strcmp(v, "invalid")     ? "#757575"
                                       : "#4e79a7";
}

/* The steps' offered rates as the x axis, with the knee when known. */
static void steps_x(const struct report *r, double *x0, double *x1, struct svg_ticks *t)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < r->n_steps; i++) {
        if (isfinite(r->steps[i].offered_rps)) {
            lo = r->steps[i].offered_rps < lo ? r->steps[i].offered_rps : lo;
            hi = r->steps[i].offered_rps > hi ? r->steps[i].offered_rps : hi;
        }
    }
    double pad = (hi - lo) * 0.06 + 1;
    *x0 = lo - pad > 0 ? lo - pad : 0;
    *x1 = hi + pad;
    svg_nice_ticks(x0, x1, 10, t);
}

/* The verdicts a step can have, as drawn: color (report_verdict_color),
 * legend entry and key; "" is a step without a plan's verdict (its points
 * belong to the line they are on), and a verdict this gatecap does not
 * know is drawn as "other". */
static const struct {
    const char *verdict, *label, *key;
} verdicts[] = {
    {"good", "good step", "v-good"},
    {"bad", "bad step", "v-bad"},
    {"unconfirmed", "unconfirmed (failed; the next step passed)", "v-unconfirmed"},
    {"ignored", "ignored (good, above the first bad)", "v-ignored"},
    {"invalid", "invalid (gatecap's own shortfall)", "v-invalid"},
    {"", NULL, NULL},
    {NULL, "other verdict", "v-other"},
};
#define N_VERDICTS (sizeof verdicts / sizeof verdicts[0])

static size_t verdict_index(const char *v)
{
    for (size_t i = 0; i + 1 < N_VERDICTS; i++)
        if (!strcmp(v, verdicts[i].verdict))
            return i;
    return N_VERDICTS - 1;
}

/* Whether step i has a point at (offered, ys[i]). */
static bool step_drawn(const struct report *r, const double *ys, size_t i)
{
    return isfinite(r->steps[i].offered_rps) && isfinite(ys[i]);
}

/* Legend entries for the verdicts of the steps drawn at ys. */
static void verdict_keys(const struct report *r, const double *ys, struct svg_legend_item *key,
                         size_t *nk)
{
    for (size_t v = 0; v < N_VERDICTS; v++) {
        if (!verdicts[v].key)
            continue;
        for (size_t i = 0; i < r->n_steps; i++)
            if (step_drawn(r, ys, i) && verdict_index(r->steps[i].verdict) == v) {
                key[(*nk)++] = (struct svg_legend_item){
                    verdicts[v].label,
                    {report_verdict_color(verdicts[v].verdict ? verdicts[v].verdict : "?"), 0, NULL,
                     verdicts[v].key},
                    SVG_KEY_POINT};
                break;
            }
    }
}

/* The steps' points, one group per verdict, each with its tooltip; points
 * without a verdict carry line_key (the line they lie on). */
static void step_points(const struct report *r, const struct svg_plot *p, const double *ys,
                        const char *what, const char *line_key)
{
    for (size_t v = 0; v < N_VERDICTS; v++) {
        struct xy a = {0};
        char **tips = calloc(r->n_steps + 1, sizeof *tips);
        if (!tips || !xy_alloc(&a, r->n_steps)) {
            free(tips);
            xy_free(&a);
            return;
        }
        for (size_t i = 0; i < r->n_steps; i++) {
            const struct report_step *s = &r->steps[i];
            if (verdict_index(s->verdict) != v)
                continue;
            char o[B], y[B];
            if (asprintf(&tips[a.n], "%s: offered %s/s, %s %s%s%s", s->name,
                         report_fmt(o, sizeof o, s->offered_rps), what,
                         report_fmt(y, sizeof y, ys[i]), s->verdict[0] ? ", " : "", s->verdict) < 0)
                tips[a.n] = NULL;
            a.x[a.n] = s->offered_rps;
            a.y[a.n++] = ys[i];
        }
        char series[32];
        snprintf(series, sizeof series, "steps %s",
                 !verdicts[v].verdict     ? "other"
                 : verdicts[v].verdict[0] ? verdicts[v].verdict
                                          : "measured");
        if (a.n)
            svg_points(p, a.x, a.y, a.n, 5,
                       &(struct svg_style){
                           report_verdict_color(verdicts[v].verdict ? verdicts[v].verdict : "?"), 1,
                           0, verdicts[v].key ? verdicts[v].key : line_key},
                       series, (const char *const *)tips);
        for (size_t i = 0; i < a.n; i++)
            free(tips[i]);
        free(tips);
        xy_free(&a);
    }
}

static const struct svg_style knee_st = {"#6f42c1", 2, "3 3", "knee"};

/* Whether the knee line is drawn on an x axis of x0..x1. */
static bool knee_drawn(const struct report *r, double x0, double x1)
{
    const struct report_plan *pl = r->plan;
    return r->steps_from_plan && pl->have_capacity && isfinite(pl->capacity_rps) &&
           pl->capacity_rps >= x0 && pl->capacity_rps <= x1;
}

static void knee_line(const struct report *r, const struct svg_plot *p)
{
    const struct report_plan *pl = r->plan;
    if (!knee_drawn(r, p->x0, p->x1))
        return;
    char b[B], label[96];
    snprintf(label, sizeof label, "knee: %s%s req/s", pl->at_least ? "≥ " : "",
             report_fmt(b, sizeof b, pl->capacity_rps));
    svg_vline(p, pl->capacity_rps, &knee_st, label);
}

void report_chart_steps(const struct report *r, FILE *f)
{
    bool plan = r->steps_from_plan;
    double *ach = calloc(r->n_steps + 1, sizeof *ach), *lat = calloc(r->n_steps + 1, sizeof *lat),
           *off = calloc(r->n_steps + 1, sizeof *off);
    if (!ach || !lat || !off)
        goto out;
    double ymax = 0, lmin = INFINITY, lmax = 0;
    bool any_ach = false;
    for (size_t i = 0; i < r->n_steps; i++) {
        off[i] = r->steps[i].offered_rps;
        ach[i] = r->steps[i].achieved_rps;
        lat[i] = r->steps[i].latency_ms;
        ymax = top_of(&off[i], 1, top_of(&ach[i], 1, ymax));
        any_ach = any_ach || step_drawn(r, ach, i);
        if (isfinite(lat[i]) && lat[i] > 0) {
            lmin = lat[i] < lmin ? lat[i] : lmin;
            lmax = lat[i] > lmax ? lat[i] : lmax;
        }
    }
    const char *per = plan ? " per node" : "";
    char xtitle[64], ytitle[64];
    snprintf(xtitle, sizeof xtitle, "offered rate%s (requests/s)", per);
    struct svg_ticks xt, yt;
    double x0, x1, y0 = 0, y1 = ymax * 1.08;
    steps_x(r, &x0, &x1, &xt);

    /* offered vs achieved */
    const struct svg_style ach_st = {"#4e79a7", 2, NULL, "ach"},
                           diag_st = {"#999", 1.2, "6 4", "diag"},
                           slo_st = {"#e15759", 1.2, "2 3", "slo"};
    struct svg_legend_item key[12];
    size_t nk = 0;
    if (any_ach)
        key[nk++] = (struct svg_legend_item){"achieved", ach_st, SVG_KEY_LINE};
    key[nk++] = (struct svg_legend_item){"achieved = offered", diag_st, SVG_KEY_LINE};
    char mk[48] = "";
    if (plan && isfinite(r->plan->slo_min_achieved_pct)) {
        snprintf(mk, sizeof mk, "SLO: achieved ≥ %g %%", r->plan->slo_min_achieved_pct);
        key[nk++] = (struct svg_legend_item){mk, slo_st, SVG_KEY_LINE};
    }
    if (knee_drawn(r, x0, x1))
        key[nk++] = (struct svg_legend_item){"knee (capacity at the SLO)", knee_st, SVG_KEY_LINE};
    verdict_keys(r, ach, key, &nk);
    fig_open(f);
    svg_begin(f, "steps-rate", "Offered vs achieved rate per step", W, chart_h(key, nk));
    svg_nice_ticks(&y0, &y1, 8, &yt);
    struct svg_plot p;
    svg_plot_init(&p, f, PLOT_L, PLOT_T, W - PLOT_L - PLOT_R, PLOT_H, x0, x1, y0, y1);
    snprintf(ytitle, sizeof ytitle, "achieved rate%s (requests/s)", per);
    svg_axes(&p, &xt, &yt, xtitle, ytitle);
    double dx[2] = {x0, x1}, dy[2] = {x0, x1};
    svg_line(&p, dx, dy, 2, &diag_st, "offered");
    if (mk[0]) {
        double my[2] = {x0 * r->plan->slo_min_achieved_pct / 100,
                        x1 * r->plan->slo_min_achieved_pct / 100};
        svg_line(&p, dx, my, 2, &slo_st, "slo-achieved");
    }
    knee_line(r, &p);
    svg_line(&p, off, ach, r->n_steps, &ach_st, "achieved");
    step_points(r, &p, ach, "achieved", "ach");
    legend_below(f, key, nk);
    svg_end(f);
    fig_close(f, plan ? "Each step's achieved rate per node (mean of its whole intervals, the "
                        "first left out) against what was offered; where the points fall below "
                        "the diagonal, the node no longer keeps up."
                      : "Each constant-rate phase's achieved rate (mean of its whole intervals, "
                        "the first left out) against what was offered, all nodes together.");

    /* latency per step */
    if (!(lmax > 0))
        goto out;
    const struct report_plan *pl = r->plan;
    double slo = plan && isfinite(pl->slo_latency_ms) ? pl->slo_latency_ms : NAN;
    const char *pct = plan && pl->percentile[0] ? pl->percentile : "p99";
    if (isfinite(slo)) {
        lmax = slo > lmax ? slo : lmax;
        lmin = slo < lmin ? slo : lmin;
    }
    bool logy = lmax / lmin > 30;
    for (size_t i = 0; logy && i < r->n_steps; i++)
        lat[i] = lat[i] > 0 ? log10(lat[i]) : NAN;
    const struct svg_style lat_st = {"#4e79a7", 2, NULL, "lat"},
                           slo_lat_st = {"#e15759", 1.8, "8 4", "slo"};
    nk = 0;
    char lk[32], sk[64], b[B];
    snprintf(lk, sizeof lk, "%s latency", pct);
    key[nk++] = (struct svg_legend_item){lk, lat_st, SVG_KEY_LINE};
    if (isfinite(slo)) {
        snprintf(sk, sizeof sk, "SLO: %s ≤ %s ms", pct, report_fmt(b, sizeof b, slo));
        key[nk++] = (struct svg_legend_item){sk, slo_lat_st, SVG_KEY_LINE};
    }
    if (knee_drawn(r, x0, x1))
        key[nk++] = (struct svg_legend_item){"knee (capacity at the SLO)", knee_st, SVG_KEY_LINE};
    verdict_keys(r, lat, key, &nk);
    char title[64];
    snprintf(title, sizeof title, "%s latency per step", pct);
    fig_open(f);
    svg_begin(f, "steps-latency", title, W, chart_h(key, nk));
    double ly0 = logy ? lmin : 0, ly1 = logy ? lmax * 1.2 : lmax * 1.1;
    if (logy)
        svg_log_ticks(&ly0, &ly1, 12, &yt);
    else
        svg_nice_ticks(&ly0, &ly1, 8, &yt);
    svg_plot_init(&p, f, PLOT_L, PLOT_T, W - PLOT_L - PLOT_R, PLOT_H, x0, x1, ly0, ly1);
    snprintf(ytitle, sizeof ytitle, "%s latency (ms%s)", pct, logy ? ", log scale" : "");
    svg_axes(&p, &xt, &yt, xtitle, ytitle);
    if (isfinite(slo))
        svg_hline(&p, logy ? log10(slo) : slo, &slo_lat_st, sk);
    knee_line(r, &p);
    svg_line(&p, off, lat, r->n_steps, &lat_st, lk);
    step_points(r, &p, lat, logy ? "log10 ms" : "ms", "lat");
    legend_below(f, key, nk);
    svg_end(f);
    fig_close(f, "The latency percentile of each step (from the step's whole histogram) against "
                 "the offered rate; past the knee the queue grows and latency with it.");
out:
    free(ach);
    free(lat);
    free(off);
}

void report_chart_whatif(const struct report *r, FILE *f)
{
    const struct report_plan *pl = r->plan;
    if (!pl->n_whatif || !pl->have_rec)
        return;
    double ymax = isfinite(pl->peak_rps) ? pl->peak_rps : 0;
    bool meets = false, fails = false, rec_drawn = false;
    for (size_t i = 0; i < pl->n_whatif; i++) {
        const struct report_whatif *w = &pl->whatif[i];
        ymax = w->capacity_rps > ymax ? w->capacity_rps : ymax;
        if (isfinite(w->capacity_rps)) {
            *(w->meets_policy ? &meets : &fails) = true;
            rec_drawn = rec_drawn || w->nodes == pl->rec_nodes;
        }
    }
    double need = pl->peak_rps / (1 - pl->headroom_pct / 100);
    ymax = need > ymax && isfinite(need) ? need : ymax;
    /* The lines and the recommendation are named in the legend, never by
     * a label over the bars. */
    char b[B], c[B], pk[64], hk[96], rk[64];
    snprintf(pk, sizeof pk, "peak: %s req/s", report_fmt(b, sizeof b, pl->peak_rps));
    snprintf(hk, sizeof hk, "peak at %s %% headroom: %s req/s",
             report_fmt(b, sizeof b, pl->headroom_pct), report_fmt(c, sizeof c, need));
    snprintf(rk, sizeof rk, "recommended: %d node%s", pl->rec_nodes, pl->rec_nodes == 1 ? "" : "s");
    const struct svg_style meets_st = {"#59a14f", 0, NULL, "meets"},
                           fails_st = {"#c9c9c9", 0, NULL, "fails"},
                           peak_st = {"#e15759", 2, "8 4", "peak"},
                           need_st = {"#f28e2b", 1.5, "3 3", "need"},
                           rec_st = {"#1f2328", 2.5, NULL, "rec"};
    struct svg_legend_item key[5];
    size_t nk = 0;
    if (meets)
        key[nk++] = (struct svg_legend_item){"meets the policy", meets_st, SVG_KEY_BOX};
    if (fails)
        key[nk++] = (struct svg_legend_item){"does not", fails_st, SVG_KEY_BOX};
    if (isfinite(pl->peak_rps))
        key[nk++] = (struct svg_legend_item){pk, peak_st, SVG_KEY_LINE};
    if (isfinite(need))
        key[nk++] = (struct svg_legend_item){hk, need_st, SVG_KEY_LINE};
    if (rec_drawn)
        key[nk++] = (struct svg_legend_item){rk, rec_st, SVG_KEY_RING};
    fig_open(f);
    svg_begin(f, "what-if", "Cluster capacity at the SLO by node count", W, chart_h(key, nk));
    struct svg_ticks xt, yt;
    double y0 = 0, y1 = ymax * 1.15;
    svg_nice_ticks(&y0, &y1, 8, &yt);
    int nmax = pl->whatif[pl->n_whatif - 1].nodes;
    xt.n = 0;
    for (int n = 1; n <= nmax && xt.n < SVG_MAX_TICKS; n += 1 + nmax / SVG_MAX_TICKS) {
        xt.v[xt.n] = n;
        snprintf(xt.label[xt.n++], SVG_LABEL_LEN, "%d", n);
    }
    struct svg_plot p;
    svg_plot_init(&p, f, PLOT_L, PLOT_T, W - PLOT_L - PLOT_R, PLOT_H, 0.4, nmax + 0.6, y0, y1);
    svg_axes(&p, &xt, &yt, "gateway nodes", "capacity at the SLO (requests/s)");
    for (size_t i = 0; i < pl->n_whatif; i++) {
        const struct report_whatif *w = &pl->whatif[i];
        bool rec = w->nodes == pl->rec_nodes;
        char tip[160], c1[B], c2[B];
        snprintf(tip, sizeof tip, "%d nodes: %s req/s at the SLO, %s %% used at the peak%s%s",
                 w->nodes, report_fmt(c1, sizeof c1, w->capacity_rps),
                 report_fmt(c2, sizeof c2, w->util_peak_pct),
                 w->meets_policy ? ", meets the policy" : "", rec ? " (recommended)" : "");
        struct svg_style st = w->meets_policy ? meets_st : fails_st;
        if (rec) {
            st.width = 3;
            st.keys = w->meets_policy ? "meets rec" : "fails rec";
        }
        svg_rect(&p, w->nodes - 0.32, w->nodes + 0.32, 0, w->capacity_rps, &st, rec_st.color,
                 rec ? "recommended" : "capacity", tip);
    }
    svg_hline(&p, need, &need_st, NULL);
    svg_hline(&p, pl->peak_rps, &peak_st, NULL);
    for (size_t i = 0; i < pl->n_whatif; i++)
        if (pl->whatif[i].nodes == pl->rec_nodes)
            svg_marker(&p, pl->rec_nodes, pl->whatif[i].capacity_rps, &rec_st, NULL);
    legend_below(f, key, nk);
    svg_end(f);
    char cap[256];
    snprintf(cap, sizeof cap,
             "Capacity of n nodes at the SLO (linear scale-out) against the peak; the "
             "recommendation (outlined, ringed) is the first count that meets the headroom, N+%d "
             "and the minimum of %d nodes.",
             pl->redundancy, pl->min_nodes);
    fig_close(f, cap);
}

static double usl_x(const struct report_plan *p, double n)
{
    return p->gamma * n / (1 + p->alpha * (n - 1) + p->beta * n * (n - 1));
}

void report_chart_usl(const struct report *r, FILE *f)
{
    const struct report_plan *pl = r->plan;
    if (!pl->have_usl || !isfinite(pl->gamma))
        return;
    double nmax = 1, ymax = 0;
    for (size_t i = 0; i < pl->n_points; i++) {
        nmax = pl->points[i].concurrency > nmax ? pl->points[i].concurrency : nmax;
        ymax = pl->points[i].throughput_rps > ymax ? pl->points[i].throughput_rps : ymax;
    }
    if (pl->usl_has_peak && isfinite(pl->peak_n) && pl->peak_n > nmax && pl->peak_n < 4 * nmax)
        nmax = pl->peak_n;
    nmax *= 1.15;
    enum { STEPS = 120 };
    double cx[STEPS + 1], cy[STEPS + 1];
    for (int i = 0; i <= STEPS; i++) {
        cx[i] = 1 + (nmax - 1) * i / STEPS;
        cy[i] = usl_x(pl, cx[i]);
        ymax = cy[i] > ymax ? cy[i] : ymax;
    }
    const struct svg_style pts_st = {"#4e79a7", 0, NULL, "pts"},
                           fit_st = {"#e15759", 2, NULL, "fit"},
                           peak_st = {"#e15759", 2.5, NULL, "peak"};
    bool peak = pl->usl_has_peak && isfinite(pl->peak_n) && isfinite(pl->peak_x);
    char b[B], pl_label[96];
    snprintf(pl_label, sizeof pl_label, "peak N* = %.3g: %s req/s", pl->peak_n,
             report_fmt(b, sizeof b, pl->peak_x));
    struct svg_legend_item key[3];
    size_t nk = 0;
    if (pl->n_points)
        key[nk++] = (struct svg_legend_item){"measured", pts_st, SVG_KEY_POINT};
    key[nk++] = (struct svg_legend_item){"USL fit", fit_st, SVG_KEY_LINE};
    struct svg_ticks xt, yt;
    double x0 = 0, x1 = nmax, y0 = 0, y1 = ymax * 1.12;
    svg_nice_ticks(&x0, &x1, 12, &xt);
    svg_nice_ticks(&y0, &y1, 8, &yt);
    peak = peak && pl->peak_n <= x1 && pl->peak_x <= y1;
    if (peak)
        key[nk++] = (struct svg_legend_item){pl_label, peak_st, SVG_KEY_RING};
    fig_open(f);
    svg_begin(f, "usl", "Universal Scalability Law fit over the measured points", W,
              chart_h(key, nk));
    struct svg_plot p;
    svg_plot_init(&p, f, PLOT_L, PLOT_T, W - PLOT_L - PLOT_R, PLOT_H, x0, x1, y0, y1);
    svg_axes(&p, &xt, &yt, "concurrency N (users or requests in flight)",
             "throughput X(N) (requests/s)");
    svg_line(&p, cx, cy, STEPS + 1, &fit_st, "USL fit");
    if (pl->n_points) {
        double *px = calloc(pl->n_points, sizeof *px), *py = calloc(pl->n_points, sizeof *py);
        if (px && py) {
            for (size_t i = 0; i < pl->n_points; i++) {
                px[i] = pl->points[i].concurrency;
                py[i] = pl->points[i].throughput_rps;
            }
            svg_points(&p, px, py, pl->n_points, 5, &pts_st, "measured", NULL);
        }
        free(px);
        free(py);
    }
    if (peak)
        svg_marker(&p, pl->peak_n, pl->peak_x, &peak_st, NULL);
    legend_below(f, key, nk);
    svg_end(f);
    char cap[256];
    snprintf(cap, sizeof cap,
             "X(N) = γN / (1 + α(N−1) + βN(N−1)) with γ = %.4g req/s, α = %.4g, β = %.4g%s.",
             pl->gamma, pl->alpha, pl->beta,
             pl->n_points ? "" : " (this plan.json lists no measured points)");
    fig_close(f, cap);
}
