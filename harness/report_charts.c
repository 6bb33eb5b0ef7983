/*
 * report_charts.c — the charts of report.html (report.h), as inline SVG
 * drawn with svg.h. Each is one <svg id="chart-ID" data-chart="ID"> in a
 * <figure> with a caption that says what is drawn and how:
 *
 *   latency-percentiles  latency and service time by percentile, per request
 *   throughput           offered and achieved rate over time, per node
 *   latency-time         p50 and p99 over time, per node
 *   errors-time          errors and throttled requests over time, by class
 *   steps-rate           offered vs achieved per step (knee with a plan)
 *   steps-latency        latency per step (SLO line and knee with a plan)
 *   what-if              capacity by node count, the recommendation marked
 *   usl                  the USL fit over the measured points
 *
 * Phases are shaded bands; lines over time have at most MAX_POINTS points
 * and the errors chart MAX_BARS bars (longer runs are grouped and the
 * caption says so), so a report stays small whatever the run's length.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"

#define B 48
#define W 900.0     /* chart width (px of the viewBox) */
#define PLOT_L 76.0 /* room for y tick labels and the y title */
#define PLOT_R 24.0
#define PLOT_T 14.0
#define PLOT_H 300.0
#define AXIS_H 52.0     /* x tick labels and title below the plot */
#define MAX_POINTS 1000 /* points per line over time; more intervals are grouped */
#define MAX_BARS 300
#define MAX_BANDS 120 /* phases shaded; a run with more is not shaded (the note says so) */

static void esc(FILE *f, const char *s)
{
    svg_escape(f, s);
}
/* A growable pair of arrays for one line. */
struct xy {
    double *x, *y;
    size_t n;
};

static bool xy_alloc(struct xy *a, size_t n)
{
    a->n = 0;
    a->x = calloc(n ? n : 1, sizeof *a->x);
    a->y = calloc(n ? n : 1, sizeof *a->y);
    return a->x && a->y;
}

static void xy_free(struct xy *a)
{
    free(a->x);
    free(a->y);
    a->x = a->y = NULL;
}

/* Chart height for a plot of PLOT_H with a legend of these items. */
static double chart_h(const struct svg_legend_item *it, size_t n)
{
    return PLOT_T + PLOT_H + AXIS_H + svg_legend_height(W - PLOT_L - PLOT_R, it, n) + 8;
}

static void legend_below(FILE *f, const struct svg_legend_item *it, size_t n)
{
    svg_legend(f, PLOT_L, PLOT_T + PLOT_H + AXIS_H, W - PLOT_L - PLOT_R, it, n);
}

static void fig_open(FILE *f)
{
    fputs("<figure>\n", f);
}

static void fig_close(FILE *f, const char *caption)
{
    fputs("<figcaption>", f);
    esc(f, caption);
    fputs("</figcaption></figure>\n", f);
}

/* Highest finite value of y[0..n), or 0. */
static double top_of(const double *y, size_t n, double top)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(y[i]) && y[i] > top)
            top = y[i];
    return top;
}

/* ---- the latency percentile distribution ---- */

/* The percentile ladder of h (µs) as x = svg_percentile_x, y = ms; the
 * 100 % step at the resolution of the count, log10(count). */
static bool ladder(const struct hdr_hist *h, struct xy *out)
{
    struct hdr_iter it;
    size_t n = 0;
    hdr_iter_percentiles(&it, h, 5);
    while (hdr_iter_next(&it))
        n++;
    if (!xy_alloc(out, n))
        return false;
    double last = log10((double)hdr_count(h) > 1 ? (double)hdr_count(h) : 10);
    hdr_iter_percentiles(&it, h, 5);
    while (hdr_iter_next(&it)) {
        double x = svg_percentile_x(it.percentile);
        if (!isfinite(x) || x > last)
            x = out->n && out->x[out->n - 1] > last ? out->x[out->n - 1] : last;
        out->x[out->n] = x;
        out->y[out->n++] = (double)it.value / 1000.0;
    }
    return true;
}

void report_chart_percentiles(const struct report *r, FILE *f)
{
    /* one request: its own line is the whole run's */
    size_t first = r->n_dists == 2 ? 1 : 0, n = r->n_dists - first;
    if (n > REPORT_MAX_SERIES)
        n = REPORT_MAX_SERIES;
    struct xy lat[REPORT_MAX_SERIES] = {{0}}, svc[REPORT_MAX_SERIES] = {{0}};
    double xmax = 2, ymax = 0;
    size_t drawn = 0;
    for (size_t i = 0; i < n; i++) {
        const struct report_dist *d = &r->dists[first + i];
        if (d->latency && hdr_count(d->latency) > 0 && ladder(d->latency, &lat[i]))
            drawn++;
        if (d->service && hdr_count(d->service) > 0)
            ladder(d->service, &svc[i]);
        xmax = top_of(lat[i].x, lat[i].n, xmax);
        ymax = top_of(lat[i].y, lat[i].n, ymax);
        ymax = top_of(svc[i].y, svc[i].n, ymax);
    }
    if (drawn == 0) {
        fputs(r->dists[0].latency ? "<p>No latency was recorded.</p>\n"
                                  : "<p>results.json holds no latency histograms.</p>\n",
              f);
        goto out;
    }
    struct svg_legend_item key[REPORT_MAX_SERIES + 2];
    size_t nk = 0;
    for (size_t i = 0; i < n; i++)
        key[nk++] = (struct svg_legend_item){
            r->dists[first + i].name, {svg_color(i), 2, NULL}, SVG_KEY_BOX};
    key[nk++] =
        (struct svg_legend_item){"latency (from intended start)", {"#555", 2, NULL}, SVG_KEY_LINE};
    key[nk++] =
        (struct svg_legend_item){"service time (from send)", {"#555", 1.5, "5 4"}, SVG_KEY_LINE};
    fig_open(f);
    svg_begin(f, "latency-percentiles", "Latency by percentile, per request", W, chart_h(key, nk));
    int decades = (int)ceil(xmax - 1e-9);
    struct svg_ticks xt, yt;
    double pw = W - PLOT_L - PLOT_R;
    svg_percentile_ticks(decades, pw / decades, &xt);
    double y0 = 0;
    svg_nice_ticks(&y0, &ymax, 8, &yt);
    struct svg_plot p;
    svg_plot_init(&p, f, PLOT_L, PLOT_T, pw, PLOT_H, 0, decades, y0, ymax);
    svg_axes(&p, &xt, &yt, "percentile (1/(1−p) scale)", "latency (ms)");
    for (size_t i = 0; i < n; i++) {
        const char *name = r->dists[first + i].name;
        char sname[160];
        snprintf(sname, sizeof sname, "service %s", name);
        svg_line(&p, svc[i].x, svc[i].y, svc[i].n, &(struct svg_style){svg_color(i), 1.5, "5 4"},
                 sname);
        svg_line(&p, lat[i].x, lat[i].y, lat[i].n, &(struct svg_style){svg_color(i), 2.2, NULL},
                 name);
    }
    legend_below(f, key, nk);
    svg_end(f);
    char cap[400];
    int len = snprintf(cap, sizeof cap,
                       "Latency (solid) and service time (dashed) at each percentile, from the "
                       "full histograms; the x axis stretches the tail: each step right is ten "
                       "times rarer (90 %%, 99 %%, 99.9 %%, …). The line ends at the maximum.");
    if (r->n_dists - first > n && len > 0 && (size_t)len < sizeof cap)
        snprintf(cap + len, sizeof cap - (size_t)len, " Only the first %zu of %zu are drawn.", n,
                 r->n_dists - first);
    fig_close(f, cap);
out:
    for (size_t i = 0; i < n; i++) {
        xy_free(&lat[i]);
        xy_free(&svc[i]);
    }
}

/* ---- over time ---- */

enum metric { M_OFFERED, M_ACHIEVED, M_P50, M_P99 };

static bool recorded(const struct report *r, const struct report_interval *iv)
{
    return iv->phase < 0 || r->phases[iv->phase].record;
}

/* One value of series (node −1: the cluster) over intervals [a, b). */
static double group_value(const struct report *r, size_t a, size_t b, int node, enum metric m)
{
    double sum = 0, len = 0, top = NAN, lat_sum = 0;
    int lat_n = 0;
    for (size_t i = a; i < b; i++) {
        const struct report_interval *iv = &r->intervals[i];
        const struct report_point *pt = node < 0 ? &iv->all : &iv->nodes[node];
        if (!recorded(r, iv))
            continue;
        if (m == M_OFFERED || m == M_ACHIEVED) {
            if (!(iv->length_s >= 0.5 * r->interval_s))
                continue; /* a tail interval's rate is noise */
            double v =
                m == M_OFFERED ? iv->offered_rps * iv->length_s : (pt->present ? pt->completed : 0);
            if (!isfinite(v))
                continue;
            sum += v;
            len += iv->length_s;
        } else if (pt->present && pt->completed > 0) {
            if (m == M_P99 && isfinite(pt->p99_ms) && !(pt->p99_ms <= top))
                top = pt->p99_ms;
            if (m == M_P50 && isfinite(pt->p50_ms)) {
                lat_sum += pt->p50_ms;
                lat_n++;
            }
        }
    }
    if (m == M_OFFERED || m == M_ACHIEVED)
        return len > 0 ? sum / len : NAN;
    return m == M_P99 ? top : lat_n ? lat_sum / lat_n : NAN;
}

static size_t group_size(size_t n, size_t max)
{
    return n <= max ? 1 : (n + max - 1) / max;
}

static bool time_series(const struct report *r, int node, enum metric m, struct xy *out)
{
    size_t k = group_size(r->n_intervals, MAX_POINTS);
    if (!xy_alloc(out, r->n_intervals / k + 1))
        return false;
    for (size_t a = 0; a < r->n_intervals; a += k) {
        size_t b = a + k < r->n_intervals ? a + k : r->n_intervals;
        const struct report_interval *l = &r->intervals[b - 1];
        out->x[out->n] = (r->intervals[a].start_s + l->start_s + l->length_s) / 2;
        out->y[out->n++] = group_value(r, a, b, node, m);
    }
    return true;
}

static double run_end(const struct report *r)
{
    double end = 0;
    for (size_t i = 0; i < r->n_intervals; i++)
        if (r->intervals[i].start_s + r->intervals[i].length_s > end)
            end = r->intervals[i].start_s + r->intervals[i].length_s;
    return end > 0 ? end : 1;
}

/* Phase bands: runs of consecutive intervals of one phase. */
static void phase_bands(const struct report *r, const struct svg_plot *p)
{
    struct svg_band *b = calloc(r->n_intervals + 1, sizeof *b);
    if (!b)
        return;
    size_t n = 0;
    for (size_t i = 0; i < r->n_intervals; i++) {
        const struct report_interval *iv = &r->intervals[i];
        if (n && r->intervals[i - 1].phase == iv->phase && r->intervals[i - 1].drain == iv->drain) {
            b[n - 1].x1 = iv->start_s + iv->length_s;
            continue;
        }
        bool rec = recorded(r, iv);
        b[n++] = (struct svg_band){iv->start_s, iv->start_s + iv->length_s,
                                   iv->drain        ? "drain"
                                   : iv->phase >= 0 ? r->phases[iv->phase].name
                                                    : "?",
                                   !rec};
    }
    if (n <= MAX_BANDS)
        svg_bands(p, b, n);
    free(b);
}

/* Phase runs in the intervals (what phase_bands would draw). */
static size_t band_count(const struct report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_intervals; i++)
        n += i == 0 || r->intervals[i - 1].phase != r->intervals[i].phase;
    return n;
}

/* Nodes drawn one by one: the first REPORT_MAX_SERIES − 1 (the cluster
 * takes a color too). */
static size_t nodes_drawn(const struct report *r)
{
    return r->n_nodes < REPORT_MAX_SERIES - 1 ? r->n_nodes : REPORT_MAX_SERIES - 1;
}

static void time_axes(const struct report *r, struct svg_plot *p, FILE *f, double ymax,
                      const char *ytitle)
{
    struct svg_ticks xt, yt;
    double end = run_end(r), x0 = 0, x1 = end, y0 = 0;
    svg_nice_ticks(&x0, &x1, 12, &xt);
    while (xt.n > 1 && xt.v[xt.n - 1] > end * 1.0001) /* the axis ends with the run */
        xt.n--;
    svg_nice_ticks(&y0, &ymax, 7, &yt);
    svg_plot_init(p, f, PLOT_L, PLOT_T, W - PLOT_L - PLOT_R, PLOT_H, 0, end, y0, ymax);
    phase_bands(r, p);
    svg_axes(p, &xt, &yt, "time since the start (s)", ytitle);
}

/* What a chart over time leaves out or groups, as sentences (or ""). */
static const char *grouping_note(const struct report *r, char *buf, size_t n)
{
    size_t k = group_size(r->n_intervals, MAX_POINTS), len = 0;
    buf[0] = '\0';
    if (k > 1)
        len += (size_t)snprintf(buf, n, " Each point covers %zu intervals.", k);
    if (r->n_nodes > nodes_drawn(r) && len < n)
        len += (size_t)snprintf(buf + len, n - len, " Only the first %zu of %zu nodes are drawn.",
                                nodes_drawn(r), r->n_nodes);
    if (band_count(r) > MAX_BANDS && len < n)
        snprintf(buf + len, n - len, " Phases are not shaded: the run changed phase %zu times.",
                 band_count(r));
    return buf;
}

void report_chart_throughput(const struct report *r, FILE *f)
{
    size_t nn = nodes_drawn(r);
    struct xy off = {0}, all = {0}, node[REPORT_MAX_SERIES] = {{0}};
    double ymax = 1;
    bool ok = time_series(r, -1, M_OFFERED, &off) && time_series(r, -1, M_ACHIEVED, &all);
    for (size_t i = 0; ok && i < nn; i++)
        ok = time_series(r, (int)i, M_ACHIEVED, &node[i]);
    if (!ok)
        goto out;
    ymax = top_of(off.y, off.n, top_of(all.y, all.n, ymax));
    struct svg_legend_item key[REPORT_MAX_SERIES + 2];
    size_t nk = 0;
    key[nk++] = (struct svg_legend_item){"offered (scheduled)", {"#777", 1.5, "6 4"}, SVG_KEY_LINE};
    key[nk++] = (struct svg_legend_item){"achieved, all nodes", {"#222", 2.2, NULL}, SVG_KEY_LINE};
    for (size_t i = 0; nn > 1 && i < nn; i++)
        key[nk++] = (struct svg_legend_item){r->nodes[i], {svg_color(i), 1.8, NULL}, SVG_KEY_LINE};
    fig_open(f);
    svg_begin(f, "throughput", "Throughput over time, per node", W, chart_h(key, nk));
    struct svg_plot p;
    time_axes(r, &p, f, ymax * 1.08, "throughput (requests/s)");
    svg_line(&p, off.x, off.y, off.n, &key[0].style, "offered");
    for (size_t i = 0; nn > 1 && i < nn; i++)
        svg_line(&p, node[i].x, node[i].y, node[i].n, &key[2 + i].style, r->nodes[i]);
    svg_line(&p, all.x, all.y, all.n, &key[1].style, "achieved");
    legend_below(f, key, nk);
    svg_end(f);
    char note[200];
    char cap[400];
    snprintf(cap, sizeof cap,
             "Completed requests per second in each interval, by the node that answered; "
             "phases shaded, warm-up (not recorded) in grey.%s",
             grouping_note(r, note, sizeof note));
    fig_close(f, cap);
out:
    xy_free(&off);
    xy_free(&all);
    for (size_t i = 0; i < nn; i++)
        xy_free(&node[i]);
}

void report_chart_latency_time(const struct report *r, FILE *f)
{
    size_t nn = nodes_drawn(r);
    bool per_node = nn > 1;
    size_t ns = per_node ? nn : 1;
    struct xy p50[REPORT_MAX_SERIES] = {{0}}, p99[REPORT_MAX_SERIES] = {{0}};
    double ymax = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < ns; i++) {
        int node = per_node ? (int)i : -1;
        ok = time_series(r, node, M_P50, &p50[i]) && time_series(r, node, M_P99, &p99[i]);
        ymax = top_of(p99[i].y, p99[i].n, top_of(p50[i].y, p50[i].n, ymax));
    }
    if (!ok)
        goto out;
    struct svg_legend_item key[REPORT_MAX_SERIES + 2];
    size_t nk = 0;
    for (size_t i = 0; per_node && i < ns; i++)
        key[nk++] = (struct svg_legend_item){r->nodes[i], {svg_color(i), 2, NULL}, SVG_KEY_BOX};
    key[nk++] =
        (struct svg_legend_item){"p99", {per_node ? "#555" : svg_color(0), 2, NULL}, SVG_KEY_LINE};
    key[nk++] = (struct svg_legend_item){
        "p50", {per_node ? "#555" : svg_color(0), 1.5, "5 4"}, SVG_KEY_LINE};
    fig_open(f);
    svg_begin(f, "latency-time", "Latency p50 and p99 over time, per node", W, chart_h(key, nk));
    struct svg_plot p;
    time_axes(r, &p, f, ymax > 0 ? ymax * 1.08 : 1, "latency (ms)");
    for (size_t i = 0; i < ns; i++) {
        const char *name = per_node ? r->nodes[i] : "all";
        char s50[160], s99[160];
        snprintf(s50, sizeof s50, "p50 %s", name);
        snprintf(s99, sizeof s99, "p99 %s", name);
        svg_line(&p, p50[i].x, p50[i].y, p50[i].n, &(struct svg_style){svg_color(i), 1.5, "5 4"},
                 s50);
        svg_line(&p, p99[i].x, p99[i].y, p99[i].n, &(struct svg_style){svg_color(i), 2, NULL}, s99);
    }
    legend_below(f, key, nk);
    svg_end(f);
    char note[200], cap[400];
    snprintf(cap, sizeof cap, "Latency percentiles of each interval%s.%s",
             per_node ? ", by node" : "", grouping_note(r, note, sizeof note));
    fig_close(f, cap);
out:
    for (size_t i = 0; i < ns; i++) {
        xy_free(&p50[i]);
        xy_free(&p99[i]);
    }
}

/* Classes drawn in the errors chart, bottom up, with their colors. */
static const struct {
    int cls;
    const char *color;
} err_classes[] = {{3, "#f28e2b"}, {2, "#edc948"}, {4, "#e15759"}, {5, "#b07aa1"},
                   {6, "#9c755f"}, {7, "#ff9da7"}, {8, "#76b7b2"}, {9, "#7f7f7f"}};
#define N_ERR_CLASSES (sizeof err_classes / sizeof err_classes[0])

void report_chart_errors(const struct report *r, FILE *f)
{
    double total[N_ERR_CLASSES] = {0};
    for (size_t i = 0; i < r->n_intervals; i++)
        for (size_t c = 0; c < N_ERR_CLASSES; c++)
            total[c] += r->intervals[i].all.outcomes[err_classes[c].cls];
    struct svg_legend_item key[N_ERR_CLASSES];
    size_t nk = 0;
    for (size_t c = 0; c < N_ERR_CLASSES; c++)
        if (total[c] > 0)
            key[nk++] = (struct svg_legend_item){report_outcome_name(err_classes[c].cls),
                                                 {err_classes[c].color, 0, NULL},
                                                 SVG_KEY_BOX};
    if (nk == 0) {
        fputs("<p>No errors and no throttled requests in any interval.</p>\n", f);
        return;
    }
    size_t k = group_size(r->n_intervals, MAX_BARS);
    double ymax = 1;
    for (size_t a = 0; a < r->n_intervals; a += k) {
        double s = 0;
        for (size_t i = a; i < a + k && i < r->n_intervals; i++)
            for (size_t c = 0; c < N_ERR_CLASSES; c++)
                s += r->intervals[i].all.outcomes[err_classes[c].cls];
        ymax = s > ymax ? s : ymax;
    }
    fig_open(f);
    svg_begin(f, "errors-time", "Errors and throttled requests over time, by class", W,
              chart_h(key, nk));
    struct svg_plot p;
    char yt[64];
    if (k == 1)
        snprintf(yt, sizeof yt, "requests per interval (%g s)", r->interval_s);
    else
        snprintf(yt, sizeof yt, "requests per %zu intervals", k);
    time_axes(r, &p, f, ymax * 1.08, yt);
    for (size_t a = 0; a < r->n_intervals; a += k) {
        size_t b = a + k < r->n_intervals ? a + k : r->n_intervals;
        double x0 = r->intervals[a].start_s;
        double x1 = r->intervals[b - 1].start_s + r->intervals[b - 1].length_s;
        double gap = (x1 - x0) * 0.08, y = 0;
        for (size_t c = 0; c < N_ERR_CLASSES; c++) {
            double v = 0;
            for (size_t i = a; i < b; i++)
                v += r->intervals[i].all.outcomes[err_classes[c].cls];
            if (v <= 0)
                continue;
            char tip[128];
            snprintf(tip, sizeof tip, "%s: %.0f in %.1f–%.1f s",
                     report_outcome_name(err_classes[c].cls), v, x0, x1);
            svg_rect(&p, x0 + gap, x1 - gap, y, y + v,
                     &(struct svg_style){err_classes[c].color, 0, NULL}, NULL,
                     report_outcome_name(err_classes[c].cls), tip);
            y += v;
        }
    }
    legend_below(f, key, nk);
    svg_end(f);
    fig_close(f, "Requests that were throttled (429) or failed, by class, stacked per interval "
                 "(all nodes).");
}

/* ---- steps and the capacity plan ---- */

const char *report_verdict_color(const char *v)
{
    return !strcmp(v, "good")          ? "#59a14f"
           : !strcmp(v, "bad")         ? "#e15759"
           : !strcmp(v, "ignored")     ? "#f28e2b"
           : !strcmp(v, "unconfirmed") ? "#edc948"
           : !strcmp(v, "invalid")     ? "#9e9e9e"
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

static void step_points(const struct report *r, const struct svg_plot *p, const double *ys,
                        const char *what)
{
    /* one group per verdict, each point with its tooltip */
    static const char *const verdicts[] = {"good", "bad", "unconfirmed", "ignored", "invalid", ""};
    for (size_t v = 0; v < sizeof verdicts / sizeof verdicts[0]; v++) {
        struct xy a = {0};
        char **tips = calloc(r->n_steps + 1, sizeof *tips);
        if (!tips || !xy_alloc(&a, r->n_steps)) {
            free(tips);
            xy_free(&a);
            return;
        }
        for (size_t i = 0; i < r->n_steps; i++) {
            const struct report_step *s = &r->steps[i];
            if (strcmp(s->verdict, verdicts[v]) != 0)
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
        snprintf(series, sizeof series, "steps %s", verdicts[v][0] ? verdicts[v] : "measured");
        if (a.n)
            svg_points(p, a.x, a.y, a.n, 5,
                       &(struct svg_style){report_verdict_color(verdicts[v]), 1, 0}, series,
                       (const char *const *)tips);
        for (size_t i = 0; i < a.n; i++)
            free(tips[i]);
        free(tips);
        xy_free(&a);
    }
}

static void knee_line(const struct report *r, const struct svg_plot *p)
{
    const struct report_plan *pl = r->plan;
    if (!r->steps_from_plan || !pl->have_capacity)
        return;
    char b[B], label[96];
    snprintf(label, sizeof label, "knee: %s%s req/s", pl->at_least ? "≥ " : "",
             report_fmt(b, sizeof b, pl->capacity_rps));
    svg_vline(p, pl->capacity_rps, &(struct svg_style){"#6f42c1", 2, "3 3"}, label);
}

void report_chart_steps(const struct report *r, FILE *f)
{
    bool plan = r->steps_from_plan;
    double *ach = calloc(r->n_steps + 1, sizeof *ach), *lat = calloc(r->n_steps + 1, sizeof *lat),
           *off = calloc(r->n_steps + 1, sizeof *off);
    if (!ach || !lat || !off)
        goto out;
    double ymax = 0, lmin = INFINITY, lmax = 0;
    for (size_t i = 0; i < r->n_steps; i++) {
        off[i] = r->steps[i].offered_rps;
        ach[i] = r->steps[i].achieved_rps;
        lat[i] = r->steps[i].latency_ms;
        ymax = top_of(&off[i], 1, top_of(&ach[i], 1, ymax));
        if (isfinite(lat[i]) && lat[i] > 0) {
            lmin = lat[i] < lmin ? lat[i] : lmin;
            lmax = lat[i] > lmax ? lat[i] : lmax;
        }
    }
    const char *per = plan ? " per node" : "";
    char xtitle[64], ytitle[64];
    snprintf(xtitle, sizeof xtitle, "offered rate%s (requests/s)", per);

    /* offered vs achieved */
    struct svg_legend_item key[7];
    size_t nk = 0;
    key[nk++] = (struct svg_legend_item){"achieved", {"#4e79a7", 2, NULL}, SVG_KEY_LINE};
    key[nk++] = (struct svg_legend_item){"achieved = offered", {"#999", 1.2, "6 4"}, SVG_KEY_LINE};
    char mk[48] = "";
    if (plan && isfinite(r->plan->slo_min_achieved_pct)) {
        snprintf(mk, sizeof mk, "SLO: achieved ≥ %g %%", r->plan->slo_min_achieved_pct);
        key[nk++] = (struct svg_legend_item){mk, {"#e15759", 1.2, "2 3"}, SVG_KEY_LINE};
    }
    if (plan) {
        key[nk++] = (struct svg_legend_item){"good step", {"#59a14f", 0, NULL}, SVG_KEY_POINT};
        key[nk++] = (struct svg_legend_item){"bad step", {"#e15759", 0, NULL}, SVG_KEY_POINT};
        key[nk++] = (struct svg_legend_item){
            "knee (capacity at the SLO)", {"#6f42c1", 2, "3 3"}, SVG_KEY_LINE};
    }
    fig_open(f);
    svg_begin(f, "steps-rate", "Offered vs achieved rate per step", W, chart_h(key, nk));
    struct svg_ticks xt, yt;
    double x0, x1, y0 = 0, y1 = ymax * 1.08;
    steps_x(r, &x0, &x1, &xt);
    svg_nice_ticks(&y0, &y1, 8, &yt);
    struct svg_plot p;
    svg_plot_init(&p, f, PLOT_L, PLOT_T, W - PLOT_L - PLOT_R, PLOT_H, x0, x1, y0, y1);
    snprintf(ytitle, sizeof ytitle, "achieved rate%s (requests/s)", per);
    svg_axes(&p, &xt, &yt, xtitle, ytitle);
    double dx[2] = {x0, x1}, dy[2] = {x0, x1};
    svg_line(&p, dx, dy, 2, &key[1].style, "offered");
    if (mk[0]) {
        double my[2] = {x0 * r->plan->slo_min_achieved_pct / 100,
                        x1 * r->plan->slo_min_achieved_pct / 100};
        svg_line(&p, dx, my, 2, &key[2].style, "slo-achieved");
    }
    knee_line(r, &p);
    svg_line(&p, off, ach, r->n_steps, &key[0].style, "achieved");
    step_points(r, &p, ach, "achieved");
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
    nk = 0;
    char lk[32], sk[64], b[B];
    snprintf(lk, sizeof lk, "%s latency", pct);
    key[nk++] = (struct svg_legend_item){lk, {"#4e79a7", 2, NULL}, SVG_KEY_LINE};
    if (isfinite(slo)) {
        snprintf(sk, sizeof sk, "SLO: %s ≤ %s ms", pct, report_fmt(b, sizeof b, slo));
        key[nk++] = (struct svg_legend_item){sk, {"#e15759", 1.8, "8 4"}, SVG_KEY_LINE};
        key[nk++] = (struct svg_legend_item){
            "knee (capacity at the SLO)", {"#6f42c1", 2, "3 3"}, SVG_KEY_LINE};
        lmax = slo > lmax ? slo : lmax;
        lmin = slo < lmin ? slo : lmin;
    }
    char title[64];
    snprintf(title, sizeof title, "%s latency per step", pct);
    fig_open(f);
    svg_begin(f, "steps-latency", title, W, chart_h(key, nk));
    bool logy = lmax / lmin > 30;
    double ly0 = logy ? lmin : 0, ly1 = logy ? lmax * 1.2 : lmax * 1.1;
    if (logy)
        svg_log_ticks(&ly0, &ly1, 12, &yt);
    else
        svg_nice_ticks(&ly0, &ly1, 8, &yt);
    svg_plot_init(&p, f, PLOT_L, PLOT_T, W - PLOT_L - PLOT_R, PLOT_H, x0, x1, ly0, ly1);
    snprintf(ytitle, sizeof ytitle, "%s latency (ms%s)", pct, logy ? ", log scale" : "");
    svg_axes(&p, &xt, &yt, xtitle, ytitle);
    for (size_t i = 0; logy && i < r->n_steps; i++)
        lat[i] = lat[i] > 0 ? log10(lat[i]) : NAN;
    if (isfinite(slo))
        svg_hline(&p, logy ? log10(slo) : slo, &key[1].style, sk);
    knee_line(r, &p);
    svg_line(&p, off, lat, r->n_steps, &key[0].style, lk);
    step_points(r, &p, lat, logy ? "log10 ms" : "ms");
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
    double ymax = pl->peak_rps;
    for (size_t i = 0; i < pl->n_whatif; i++)
        ymax = pl->whatif[i].capacity_rps > ymax ? pl->whatif[i].capacity_rps : ymax;
    double need = pl->peak_rps / (1 - pl->headroom_pct / 100);
    ymax = need > ymax && isfinite(need) ? need : ymax;
    char b[B], pk[64], hk[80], rk[64];
    snprintf(pk, sizeof pk, "peak %s req/s", report_fmt(b, sizeof b, pl->peak_rps));
    snprintf(hk, sizeof hk, "peak at %s %% headroom", report_fmt(b, sizeof b, pl->headroom_pct));
    snprintf(rk, sizeof rk, "recommended: %d node%s", pl->rec_nodes, pl->rec_nodes == 1 ? "" : "s");
    struct svg_legend_item key[] = {
        {"meets the policy", {"#59a14f", 0, NULL}, SVG_KEY_BOX},
        {"does not", {"#c9c9c9", 0, NULL}, SVG_KEY_BOX},
        {pk, {"#e15759", 2, "8 4"}, SVG_KEY_LINE},
        {hk, {"#f28e2b", 1.5, "3 3"}, SVG_KEY_LINE},
    };
    size_t nk = sizeof key / sizeof key[0];
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
        snprintf(tip, sizeof tip, "%d nodes: %s req/s at the SLO, %s %% used at the peak%s",
                 w->nodes, report_fmt(c1, sizeof c1, w->capacity_rps),
                 report_fmt(c2, sizeof c2, w->util_peak_pct),
                 w->meets_policy ? ", meets the policy" : "");
        svg_rect(&p, w->nodes - 0.32, w->nodes + 0.32, 0, w->capacity_rps,
                 &(struct svg_style){w->meets_policy ? "#59a14f" : "#c9c9c9", rec ? 3 : 0, NULL},
                 "#1f2328", rec ? "recommended" : "capacity", tip);
    }
    svg_hline(&p, need, &key[3].style, hk);
    svg_hline(&p, pl->peak_rps, &key[2].style, pk);
    for (size_t i = 0; i < pl->n_whatif; i++)
        if (pl->whatif[i].nodes == pl->rec_nodes)
            svg_marker(&p, pl->rec_nodes, pl->whatif[i].capacity_rps, "#1f2328", rk);
    legend_below(f, key, nk);
    svg_end(f);
    char cap[256];
    snprintf(cap, sizeof cap,
             "Capacity of n nodes at the SLO (linear scale-out) against the peak; the "
             "recommendation (outlined) is the first count that meets the headroom, N+%d "
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
    struct svg_legend_item key[] = {
        {"measured", {"#4e79a7", 0, NULL}, SVG_KEY_POINT},
        {"USL fit", {"#e15759", 2, NULL}, SVG_KEY_LINE},
    };
    fig_open(f);
    svg_begin(f, "usl", "Universal Scalability Law fit over the measured points", W,
              chart_h(key, 2));
    struct svg_ticks xt, yt;
    double x0 = 0, x1 = nmax, y0 = 0, y1 = ymax * 1.12;
    svg_nice_ticks(&x0, &x1, 12, &xt);
    svg_nice_ticks(&y0, &y1, 8, &yt);
    struct svg_plot p;
    svg_plot_init(&p, f, PLOT_L, PLOT_T, W - PLOT_L - PLOT_R, PLOT_H, x0, x1, y0, y1);
    svg_axes(&p, &xt, &yt, "concurrency N (users or requests in flight)",
             "throughput X(N) (requests/s)");
    svg_line(&p, cx, cy, STEPS + 1, &key[1].style, "USL fit");
    if (pl->n_points) {
        double *px = calloc(pl->n_points, sizeof *px), *py = calloc(pl->n_points, sizeof *py);
        if (px && py) {
            for (size_t i = 0; i < pl->n_points; i++) {
                px[i] = pl->points[i].concurrency;
                py[i] = pl->points[i].throughput_rps;
            }
            svg_points(&p, px, py, pl->n_points, 5, &key[0].style, "measured", NULL);
        }
        free(px);
        free(py);
    }
    if (pl->usl_has_peak && isfinite(pl->peak_n) && pl->peak_n <= x1) {
        char b[B], l[96];
        snprintf(l, sizeof l, "peak N* = %.3g: %s req/s", pl->peak_n,
                 report_fmt(b, sizeof b, pl->peak_x));
        svg_marker(&p, pl->peak_n, pl->peak_x, "#e15759", l);
    }
    svg_legend(f, PLOT_L, PLOT_T + PLOT_H + AXIS_H, W - PLOT_L - PLOT_R, key, 2);
    svg_end(f);
    char cap[256];
    snprintf(cap, sizeof cap,
             "X(N) = γN / (1 + α(N−1) + βN(N−1)) with γ = %.4g req/s, α = %.4g, β = %.4g%s.",
             pl->gamma, pl->alpha, pl->beta,
             pl->n_points ? "" : " (this plan.json lists no measured points)");
    fig_close(f, cap);
}
