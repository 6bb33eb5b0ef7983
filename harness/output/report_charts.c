/*
 * report_charts.c — the charts of a run in report.html (report.h), as
 * inline SVG drawn with svg.h; the steps and the capacity plan's are in
 * report_charts_plan.c. Each is one <svg id="chart-ID" data-chart="ID">
 * in a <figure> with a caption that says what is drawn and how:
 *
 *   latency-percentiles  latency and service time by percentile, per request
 *   throughput           offered and achieved rate over time, per node
 *   latency-time         p50 and p99 over time, per node
 *   errors-time          errors and throttled requests over time, by class
 *
 * Phases are shaded bands; lines over time have at most MAX_POINTS points
 * and the errors chart MAX_BARS bars (longer runs are grouped and the
 * caption says so), so a report stays small whatever the run's length.
 * Only the nodes that answered are drawn (report.h, nodes).
 *
 * Every mark has a legend entry and every entry a mark (svg.h, keys): an
 * entry is added only for what is drawn. The plots over time leave room
 * above their data for the phase names, so no name lies over a bar.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/report_charts_int.h"

#define MAX_POINTS 1000 /* points per line over time; more intervals are grouped */
#define MAX_BARS 300
#define MAX_BANDS 120 /* phases shaded; a run with more is not shaded (the note says so) */

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
    key_buf kk[REPORT_MAX_SERIES], kl[REPORT_MAX_SERIES], ks[REPORT_MAX_SERIES];
    size_t nk = 0;
    bool any_svc = false;
    for (size_t i = 0; i < n; i++) {
        if (xy_any(&lat[i]) || xy_any(&svc[i]))
            key[nk++] = (struct svg_legend_item){r->dists[first + i].name,
                                                 {svg_color(i), 2, NULL, key_of(kk[i], i, NULL)},
                                                 SVG_KEY_BOX};
        any_svc = any_svc || xy_any(&svc[i]);
    }
    key[nk++] = (struct svg_legend_item){
        "latency (from intended start)", {"#555", 2, NULL, "lat"}, SVG_KEY_LINE};
    if (any_svc)
        key[nk++] = (struct svg_legend_item){
            "service time (from send)", {"#555", 1.5, "5 4", "svc"}, SVG_KEY_LINE};
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
        svg_line(&p, svc[i].x, svc[i].y, svc[i].n,
                 &(struct svg_style){svg_color(i), 1.5, "5 4", key_of(ks[i], i, "svc")}, sname);
        svg_line(&p, lat[i].x, lat[i].y, lat[i].n,
                 &(struct svg_style){svg_color(i), 2.2, NULL, key_of(kl[i], i, "lat")}, name);
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
    /* with workloads side by side an interval holds several phases: its
     * phase is the first workload's, not the others' */
    if (r->res && r->res->n_workloads)
        return true;
    return iv->phase < 0 || r->phases[iv->phase].record;
}

/* One value of series (node −1: the cluster) over intervals [a, b). */
static double group_value(const struct report *r, size_t a, size_t b, int node, enum metric m)
{
    double sum = 0, len = 0, top = NAN, lat_sum = 0;
    int lat_n = 0;
    for (size_t i = a; i < b; i++) {
        const struct report_interval *iv = &r->intervals[i];
        const struct results_slice *pt = node < 0 ? &iv->all : &iv->nodes[node];
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

/* Room at the top of a plot over time for the two rows of phase names
 * (svg_bands): the data stay below it, so no name lies over a bar. */
#define BAND_ROWS_H 30.0

static void time_axes(const struct report *r, struct svg_plot *p, FILE *f, double ymax,
                      const char *ytitle)
{
    struct svg_ticks xt, yt;
    double end = run_end(r), x0 = 0, x1 = end, y0 = 0;
    ymax *= PLOT_H / (PLOT_H - BAND_ROWS_H);
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
    const struct svg_style off_st = {"#777", 1.5, "6 4", "off"},
                           all_st = {"#222", 2.2, NULL, "all"};
    struct svg_style node_st[REPORT_MAX_SERIES];
    key_buf kn[REPORT_MAX_SERIES];
    struct svg_legend_item key[REPORT_MAX_SERIES + 2];
    size_t nk = 0;
    if (xy_any(&off))
        key[nk++] = (struct svg_legend_item){"offered (scheduled)", off_st, SVG_KEY_LINE};
    if (xy_any(&all))
        key[nk++] = (struct svg_legend_item){"achieved, all nodes", all_st, SVG_KEY_LINE};
    for (size_t i = 0; nn > 1 && i < nn; i++) {
        node_st[i] = (struct svg_style){svg_color(i), 1.8, NULL, key_of(kn[i], i, NULL)};
        if (xy_any(&node[i]))
            key[nk++] = (struct svg_legend_item){r->nodes[i], node_st[i], SVG_KEY_LINE};
    }
    fig_open(f);
    svg_begin(f, "throughput", "Throughput over time, per node", W, chart_h(key, nk));
    struct svg_plot p;
    time_axes(r, &p, f, ymax * 1.08, "throughput (requests/s)");
    svg_line(&p, off.x, off.y, off.n, &off_st, "offered");
    for (size_t i = 0; nn > 1 && i < nn; i++)
        svg_line(&p, node[i].x, node[i].y, node[i].n, &node_st[i], r->nodes[i]);
    svg_line(&p, all.x, all.y, all.n, &all_st, "achieved");
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
    key_buf kn[REPORT_MAX_SERIES], k50[REPORT_MAX_SERIES], k99[REPORT_MAX_SERIES];
    size_t nk = 0;
    bool any50 = false, any99 = false;
    for (size_t i = 0; i < ns; i++) {
        if (per_node && (xy_any(&p50[i]) || xy_any(&p99[i])))
            key[nk++] = (struct svg_legend_item){
                r->nodes[i], {svg_color(i), 2, NULL, key_of(kn[i], i, NULL)}, SVG_KEY_BOX};
        any50 = any50 || xy_any(&p50[i]);
        any99 = any99 || xy_any(&p99[i]);
        /* per node: the node's key and the percentile's; else the percentile's */
        key_of(k50[i], i, "p50");
        key_of(k99[i], i, "p99");
    }
    if (any99)
        key[nk++] = (struct svg_legend_item){
            "p99", {per_node ? "#555" : svg_color(0), 2, NULL, "p99"}, SVG_KEY_LINE};
    if (any50)
        key[nk++] = (struct svg_legend_item){
            "p50", {per_node ? "#555" : svg_color(0), 1.5, "5 4", "p50"}, SVG_KEY_LINE};
    fig_open(f);
    svg_begin(f, "latency-time", "Latency p50 and p99 over time, per node", W, chart_h(key, nk));
    struct svg_plot p;
    time_axes(r, &p, f, ymax > 0 ? ymax * 1.08 : 1, "latency (ms)");
    for (size_t i = 0; i < ns; i++) {
        const char *name = per_node ? r->nodes[i] : "all";
        char s50[160], s99[160];
        snprintf(s50, sizeof s50, "p50 %s", name);
        snprintf(s99, sizeof s99, "p99 %s", name);
        svg_line(&p, p50[i].x, p50[i].y, p50[i].n,
                 &(struct svg_style){svg_color(i), 1.5, "5 4", per_node ? k50[i] : "p50"}, s50);
        svg_line(&p, p99[i].x, p99[i].y, p99[i].n,
                 &(struct svg_style){svg_color(i), 2, NULL, per_node ? k99[i] : "p99"}, s99);
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

/* Classes drawn in the errors chart, bottom up, with their colors: every
 * class but 2xx and 3xx. Named, and keyed in the legend, as the recorder
 * names them (rec_outcome_name). */
static const struct {
    enum rec_outcome cls;
    const char *color;
} err_classes[] = {{OC_401, "#f28e2b"},      {OC_4XX, "#edc948"},     {OC_429, "#e15759"},
                   {OC_5XX, "#b07aa1"},      {OC_TIMEOUT, "#9c755f"}, {OC_REFUSED, "#ff9da7"},
                   {OC_RESET, "#76b7b2"},    {OC_TLS, "#7f7f7f"},     {OC_OTHER, "#bab0ac"},
                   {OC_ABANDONED, "#4e79a7"}};
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
            key[nk++] = (struct svg_legend_item){
                rec_outcome_name(err_classes[c].cls),
                {err_classes[c].color, 0, NULL, rec_outcome_name(err_classes[c].cls)},
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
                     rec_outcome_name(err_classes[c].cls), v, x0, x1);
            svg_rect(&p, x0 + gap, x1 - gap, y, y + v,
                     &(struct svg_style){err_classes[c].color, 0, NULL,
                                         rec_outcome_name(err_classes[c].cls)},
                     NULL, rec_outcome_name(err_classes[c].cls), tip);
            y += v;
        }
    }
    legend_below(f, key, nk);
    svg_end(f);
    fig_close(f, "Requests that were throttled (429) or failed, by class, stacked per interval "
                 "(all nodes).");
}
