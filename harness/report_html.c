/*
 * report_html.c — report.html: the report model (report.h) as one
 * self-contained page. No script, no font, no request of any kind (a
 * Content-Security-Policy of default-src 'none' says so to the browser);
 * the charts are inline SVG (report_charts.c). Every string from the
 * inputs is escaped (svg_escape), so a scenario, request, node or error
 * message can hold anything.
 */
#include "report.h"

#include <math.h>
#include <string.h>

#include "svg.h"

#define B 48

static const char *const CSS =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "color:#1f2328;margin:0;background:#fff;line-height:1.45}"
    "main{max-width:1000px;margin:0 auto;padding:16px 24px 48px}"
    "h1{font-size:1.6em;margin:.4em 0 .2em}h2{font-size:1.3em;margin:1.6em 0 .5em;"
    "border-bottom:1px solid #d8dee4;padding-bottom:.2em}h3{font-size:1.1em;margin:1.2em 0 .4em}"
    "table{border-collapse:collapse;margin:.4em 0 1em;font-size:.92em}"
    "th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.total td{font-weight:bold}"
    "table.facts th{width:9em}"
    ".banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:bold;font-size:1.1em}"
    ".banner.pass{background:#dafbe1;border:1px solid #4ac26b;color:#116329}"
    ".banner.fail{background:#ffebe9;border:1px solid #ff8182;color:#a40e26}"
    ".banner.warn{background:#fff8c5;border:1px solid #d4a72c;color:#633c01}"
    ".verdict-pass{color:#116329;font-weight:bold}.verdict-fail{color:#a40e26;font-weight:bold}"
    ".sentence{font-size:1.1em;font-weight:bold;background:#f6f8fa;padding:8px 12px;"
    "border-left:4px solid #4e79a7}"
    "figure{margin:1em 0 1.6em}figcaption{color:#57606a;font-size:.9em;margin-top:.2em}"
    "svg.chart{max-width:100%;height:auto;display:block}"
    "svg .axis-title{font-size:13px;fill:#24292f}svg .band-label{font-size:11px;fill:#57606a}"
    "nav a{margin-right:1em}footer{margin-top:3em;color:#57606a;font-size:.85em}"
    "code{background:#f6f8fa;padding:0 3px;border-radius:3px}";

static void esc(FILE *f, const char *s)
{
    svg_escape(f, s);
}
/* ---- tables and text ---- */

static void td_num(FILE *f, const char *s)
{
    fprintf(f, "<td class=\"n\">%s</td>", s);
}

static void html_rows(FILE *f, const char *first, const struct report_row *rows, size_t n,
                      const struct report_row *total)
{
    fprintf(f,
            "<table><tr><th>%s</th><th class=\"n\">requests</th><th class=\"n\">req/s</th>"
            "<th class=\"n\">p50 ms</th><th class=\"n\">p90 ms</th><th class=\"n\">p99 ms</th>"
            "<th class=\"n\">p99.9 ms</th><th class=\"n\">max ms</th><th class=\"n\">errors"
            "</th><th class=\"n\">throttled</th></tr>\n",
            first);
    for (size_t i = 0; i <= n; i++) {
        const struct report_row *w = i < n ? &rows[i] : total;
        if (!w)
            break;
        char b[B];
        fputs(w == total && n ? "<tr class=\"total\"><td>" : "<tr><td>", f);
        esc(f, w->name);
        fputs("</td>", f);
        td_num(f, report_fmt(b, sizeof b, w->count));
        td_num(f, report_fmt(b, sizeof b, w->throughput_rps));
        const double l[] = {w->latency.p50, w->latency.p90, w->latency.p99, w->latency.p999,
                            w->latency.max};
        for (size_t k = 0; k < sizeof l / sizeof l[0]; k++)
            td_num(f, report_fmt_ms(b, sizeof b, l[k]));
        char e[B * 2];
        snprintf(e, sizeof e, "%s (%.2f %%)", report_fmt(b, sizeof b, w->errors), w->error_pct);
        td_num(f, e);
        snprintf(e, sizeof e, "%s (%.2f %%)", report_fmt(b, sizeof b, w->throttled),
                 w->throttled_pct);
        td_num(f, e);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void html_banner(const struct report *r, FILE *f)
{
    if (r->have_gates) {
        if (r->gates_failed > 0)
            fprintf(f,
                    "<div class=\"banner fail\" id=\"gates-banner\">FAIL: %d of %zu gate%s "
                    "failed</div>\n",
                    r->gates_failed, r->n_gates, r->n_gates == 1 ? "" : "s");
        else
            fprintf(f,
                    "<div class=\"banner pass\" id=\"gates-banner\">PASS: %s %zu gate%s "
                    "passed</div>\n",
                    r->n_gates == 1 ? "the" : "all", r->n_gates, r->n_gates == 1 ? "" : "s");
    }
    if (!strcmp(r->status, "interrupted"))
        fputs("<div class=\"banner warn\">Interrupted: the run was stopped before its plan "
              "ended; the numbers cover what ran.</div>\n",
              f);
    else if (!strcmp(r->status, "generator-limited"))
        fputs("<div class=\"banner warn\">Generator-limited: gatecap could not send on time, so "
              "these numbers may understate the gateway's capacity.</div>\n",
              f);
    if (r->stop_reason) {
        fputs("<div class=\"banner warn\">Stopped early: ", f);
        esc(f, r->stop_reason);
        fputs("</div>\n", f);
    }
    if (r->insecure_tls)
        fputs("<div class=\"banner warn\">TLS certificate verification was off "
              "(tls.insecure).</div>\n",
              f);
}

static void html_facts(const struct report *r, FILE *f)
{
    char a[B], b[B], c[B], d[B], e[B], t[64];
    fputs("<h2 id=\"run\">Run</h2>\n<table class=\"facts\"><tr><th>Scenario</th><td>", f);
    esc(f, r->scenario);
    if (r->scenario_file) {
        fputs(" (<code>", f);
        esc(f, r->scenario_file);
        fputs("</code>)", f);
    }
    if (r->description) {
        fputs("<br>", f);
        esc(f, r->description);
    }
    fputs("</td></tr>\n<tr><th>Targets</th><td>", f);
    for (size_t i = 0; i < r->n_targets; i++) {
        fputs(i ? "<br><code>" : "<code>", f);
        esc(f, r->targets[i]);
        fputs("</code>", f);
    }
    fputs("</td></tr>\n", f);
    if (report_fmt_start(t, sizeof t, r->start_epoch_s)[0])
        fprintf(f, "<tr><th>Started</th><td>%s</td></tr>\n", t);
    fprintf(f, "<tr><th>Duration</th><td>%s s of %s s planned; status <b>",
            report_fmt(a, sizeof a, r->elapsed_s), report_fmt(b, sizeof b, r->planned_s));
    esc(f, r->status);
    fputs("</b></td></tr>\n<tr><th>Load model</th><td>", f);
    esc(f, r->model ? r->model : "?");
    fputs("</td></tr>\n<tr><th>Latency</th><td>", f);
    esc(f, r->latency_definition ? r->latency_definition : "?");
    fprintf(f,
            "</td></tr>\n<tr><th>Generator</th><td>%d worker%s on %d core%s; %s %% of arrivals "
            "late, %s dropped, %s abandoned, max lag %s ms, CPU %s %% of one core</td></tr>\n",
            r->workers, r->workers == 1 ? "" : "s", r->cores, r->cores == 1 ? "" : "s",
            report_fmt(a, sizeof a, r->gen_late_pct), report_fmt(b, sizeof b, r->gen_queue_drops),
            report_fmt(c, sizeof c, r->gen_abandoned),
            report_fmt_ms(d, sizeof d, r->gen_max_lag_ms), report_fmt(e, sizeof e, r->gen_cpu_pct));
    fputs("<tr><th>Versions</th><td>gatecap ", f);
    esc(f, r->version ? r->version : "?");
    fputs(", libcurl ", f);
    esc(f, r->libcurl ? r->libcurl : "?");
    fputs(", ", f);
    esc(f, r->openssl ? r->openssl : "?");
    fputs("</td></tr>\n</table>\n", f);
}

static void html_outcomes(const struct report *r, FILE *f)
{
    bool used[REPORT_OUTCOMES];
    fputs("<h2 id=\"outcomes\">Outcome classes</h2>\n<table><tr><th>node</th>", f);
    for (int k = 0; k < REPORT_OUTCOMES; k++) {
        used[k] = k == 0 || r->all.outcomes[k] > 0;
        if (used[k])
            fprintf(f, "<th class=\"n\">%s</th>", report_outcome_name(k));
    }
    fputs("</tr>\n", f);
    for (size_t i = 0; i <= r->n_by_node; i++) {
        const struct report_row *w = i < r->n_by_node ? &r->by_node[i] : &r->all;
        fputs(i < r->n_by_node ? "<tr><td>" : "<tr class=\"total\"><td>", f);
        esc(f, w->name);
        fputs("</td>", f);
        for (int k = 0; k < REPORT_OUTCOMES; k++) {
            char b[B];
            if (used[k])
                td_num(f, report_fmt(b, sizeof b, w->outcomes[k]));
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<p>Throttled: 429 answers (not errors). Errors: 4xx other than 429, 5xx, "
          "timeouts, refused and reset connections, TLS and other transport failures.</p>\n",
          f);
    if (r->n_examples) {
        fputs("<p>Examples:</p>\n<ul>\n", f);
        for (size_t i = 0; i < r->n_examples; i++) {
            fputs("<li><b>", f);
            esc(f, r->examples[i].cls);
            fputs("</b>: <code>", f);
            esc(f, r->examples[i].message);
            fputs("</code></li>\n", f);
        }
        fputs("</ul>\n", f);
    }
}

static void html_gates(const struct report *r, FILE *f)
{
    fputs("<h2 id=\"gates\">Gates</h2>\n<table><tr><th>gate</th><th>scope</th>"
          "<th class=\"n\">measured</th><th>verdict</th></tr>\n",
          f);
    for (size_t i = 0; i < r->n_gates; i++) {
        const struct report_gate *g = &r->gates[i];
        char sc[160], m[B];
        fputs("<tr><td><code>", f);
        esc(f, g->gate);
        fputs("</code></td><td>", f);
        esc(f, report_gate_scope(sc, sizeof sc, g));
        fprintf(f, "</td><td class=\"n\">%s ",
                g->unit && !strcmp(g->unit, "ms") ? report_fmt_ms(m, sizeof m, g->measured)
                                                  : report_fmt(m, sizeof m, g->measured));
        esc(f, g->unit);
        bool pass = !strcmp(g->verdict, "pass"), fl = !strcmp(g->verdict, "fail");
        fprintf(f, "</td><td class=\"%s\">", pass ? "verdict-pass" : fl ? "verdict-fail" : "");
        esc(f, g->verdict);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void html_steps_table(const struct report *r, FILE *f)
{
    bool plan = r->steps_from_plan;
    const char *pct = plan && r->plan->percentile[0] ? r->plan->percentile : "p99";
    fprintf(f,
            "<table><tr><th>step</th><th class=\"n\">offered/s</th><th class=\"n\">achieved/s"
            "</th><th class=\"n\">achieved</th><th class=\"n\">%s ms</th><th class=\"n\">"
            "errors</th>%s</tr>\n",
            pct, plan ? "<th>verdict</th>" : "");
    for (size_t i = 0; i < r->n_steps; i++) {
        const struct report_step *s = &r->steps[i];
        char b[B];
        fputs("<tr><td>", f);
        esc(f, s->name);
        fputs("</td>", f);
        td_num(f, report_fmt(b, sizeof b, s->offered_rps));
        td_num(f, report_fmt(b, sizeof b, s->achieved_rps));
        snprintf(b, sizeof b, "%.1f %%", 100 * s->achieved_rps / s->offered_rps);
        td_num(f, isfinite(s->achieved_rps) ? b : "–");
        td_num(f, report_fmt_ms(b, sizeof b, s->latency_ms));
        snprintf(b, sizeof b, "%.2f %%", s->error_pct);
        td_num(f, isfinite(s->error_pct) ? b : "–");
        if (plan) {
            fprintf(f, "<td style=\"color:%s\">", report_verdict_color(s->verdict));
            esc(f, s->verdict);
            if (s->why) {
                fputs(": ", f);
                esc(f, s->why);
            }
            fputs(!strcmp(s->role, "last_good")   ? " (last good)"
                  : !strcmp(s->role, "first_bad") ? " (first bad)"
                                                  : "",
                  f);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void html_plan(const struct report *r, FILE *f)
{
    const struct report_plan *p = r->plan;
    char a[B], b[B], c[B], d[B];
    fputs("<h2 id=\"capacity\">Capacity plan</h2>\n", f);
    if (p->sentence) {
        fputs("<p class=\"sentence\" id=\"recommendation\">", f);
        esc(f, p->sentence);
        fputs("</p>\n", f);
    }
    fputs("<ul>\n", f);
    if (p->have_capacity) {
        fprintf(f,
                "<li>Capacity per node at the SLO (%s ≤ %s ms, errors ≤ %s %%, achieved ≥ %s %% "
                "of offered): %s<b>%s req/s</b>",
                p->percentile, report_fmt(a, sizeof a, p->slo_latency_ms),
                report_fmt(b, sizeof b, p->slo_error_pct),
                report_fmt(c, sizeof c, p->slo_min_achieved_pct), p->at_least ? "at least " : "",
                report_fmt(d, sizeof d, p->capacity_rps));
        if (p->limited_by[0]) {
            fputs("; limited by ", f);
            esc(f, p->limited_by);
        }
        fputs(".</li>\n", f);
    }
    if (p->have_rec) {
        fprintf(f,
                "<li>Binding constraint: <b>%s</b>. Peak %s req/s; headroom %s %%; N+%d; at "
                "least %d nodes.",
                !strcmp(p->binding, "min_nodes") ? "the minimum node count"
                : p->redundancy > 0              ? "the peak at the headroom, plus redundancy"
                                                 : "the peak at the headroom",
                report_fmt(a, sizeof a, p->peak_rps), report_fmt(b, sizeof b, p->headroom_pct),
                p->redundancy, p->min_nodes);
        if (p->redundancy > 0)
            fprintf(f, " With %d lost, the rest run at %s %% of their SLO capacity.", p->redundancy,
                    report_fmt(c, sizeof c, p->util_after_loss_pct));
        if (p->traffic_managers)
            fprintf(f, " Traffic Managers: %d.", p->traffic_managers);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
    if (r->steps_from_plan) {
        fputs("<h3>Steps (per node)</h3>\n", f);
        report_chart_steps(r, f);
        html_steps_table(r, f);
    }
    if (p->n_whatif) {
        fputs("<h3>What if</h3>\n", f);
        report_chart_whatif(r, f);
        fprintf(f,
                "<table><tr><th class=\"n\">nodes</th><th class=\"n\">capacity/s</th>"
                "<th class=\"n\">util at peak</th><th class=\"n\">after losing %d</th>"
                "<th class=\"n\">headroom left</th><th>meets policy</th></tr>\n",
                p->redundancy);
        for (size_t i = 0; i < p->n_whatif; i++) {
            const struct report_whatif *w = &p->whatif[i];
            bool rec = p->have_rec && w->nodes == p->rec_nodes;
            fprintf(f, "<tr%s><td class=\"n\">%d</td>", rec ? " class=\"total\"" : "", w->nodes);
            td_num(f, report_fmt(a, sizeof a, w->capacity_rps));
            td_num(f, report_fmt_pct(b, sizeof b, w->util_peak_pct));
            td_num(f, report_fmt_pct(b, sizeof b, w->util_after_loss_pct));
            td_num(f, report_fmt_pct(b, sizeof b, w->headroom_left_pct));
            fprintf(f, "<td>%s%s</td></tr>\n", w->meets_policy ? "yes" : "no",
                    rec ? " ← recommended" : "");
        }
        fputs("</table>\n", f);
    }
    if (p->n_sens) {
        fputs("<h3>Sensitivity</h3>\n<table><tr><th>case</th><th class=\"n\">peak req/s</th>"
              "<th class=\"n\">per node req/s</th><th class=\"n\">nodes</th></tr>\n",
              f);
        for (size_t i = 0; i < p->n_sens; i++) {
            const struct report_sens *s = &p->sens[i];
            fputs("<tr><td>", f);
            esc(f, s->what);
            fputs("</td>", f);
            td_num(f, report_fmt(a, sizeof a, s->peak_rps));
            td_num(f, report_fmt(a, sizeof a, s->per_node_rps));
            td_num(f, s->nodes ? report_fmt(a, sizeof a, s->nodes) : "out of range");
            fputs("</tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    if (p->have_usl) {
        fputs("<h3>USL fit</h3>\n", f);
        report_chart_usl(r, f);
        fprintf(f, "<p>γ = %.6g req/s, α = %.6g, β = %.6g; ", p->gamma, p->alpha, p->beta);
        if (p->usl_has_peak)
            fprintf(f, "peak at N* = %.4g, X(N*) = %s req/s", p->peak_n,
                    report_fmt(a, sizeof a, p->peak_x));
        else
            fprintf(f, "no peak (β = 0), ceiling γ/α = %s req/s",
                    report_fmt(a, sizeof a, p->ceiling_x));
        snprintf(b, sizeof b, "%.4f", p->r2);
        fprintf(f, "; R² = %s.</p>\n", isfinite(p->r2) ? b : "n/a");
    }
    if (p->n_assumptions) {
        fputs("<h3>Assumptions</h3>\n<ul>\n", f);
        for (size_t i = 0; i < p->n_assumptions; i++) {
            fputs("<li>", f);
            esc(f, p->assumptions[i]);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
}

int report_html(const struct report *r, FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n<meta name=\"generator\" "
          "content=\"gatecap ",
          f);
    esc(f, r->version);
    fputs("\">\n<title>gatecap report: ", f);
    esc(f, r->scenario);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<h1>gatecap report: ", CSS);
    esc(f, r->scenario);
    fputs("</h1>\n", f);
    html_banner(r, f);
    fputs("<nav><a href=\"#run\">Run</a><a href=\"#summary\">Summary</a><a href=\"#latency\">"
          "Latency</a><a href=\"#time\">Over time</a><a href=\"#outcomes\">Outcomes</a>",
          f);
    if (r->have_gates)
        fputs("<a href=\"#gates\">Gates</a>", f);
    if (r->plan)
        fputs("<a href=\"#capacity\">Capacity plan</a>", f);
    else if (r->n_steps)
        fputs("<a href=\"#steps\">Steps</a>", f);
    fputs("</nav>\n", f);
    html_facts(r, f);
    fputs("<h2 id=\"summary\">Summary</h2>\n", f);
    html_rows(f, "phase", r->by_phase, r->n_by_phase, &r->all);
    fputs("<h2 id=\"latency\">Latency distribution</h2>\n", f);
    report_chart_percentiles(r, f);
    fputs("<h3>Per request</h3>\n", f);
    html_rows(f, "request", r->by_request, r->n_by_request, NULL);
    fputs("<h2 id=\"time\">Over time</h2>\n", f);
    report_chart_throughput(r, f);
    report_chart_latency_time(r, f);
    report_chart_errors(r, f);
    fputs("<h3>Per node</h3>\n", f);
    html_rows(f, "node", r->by_node, r->n_by_node, NULL);
    html_outcomes(r, f);
    if (r->have_gates)
        html_gates(r, f);
    if (r->n_steps && !r->steps_from_plan) {
        fputs("<h2 id=\"steps\">Steps</h2>\n", f);
        report_chart_steps(r, f);
        html_steps_table(r, f);
    }
    if (r->plan)
        html_plan(r, f);
    fputs("<footer>Made by <code>gatecap report</code> from ", f);
    esc(f, r->results_file);
    if (r->plan) {
        const char *s = strrchr(r->plan->file, '/');
        fputs(" and ", f);
        esc(f, s ? s + 1 : r->plan->file);
    }
    fputs(" alone: regenerate it any time with the same result.</footer>\n</main>\n</body>\n"
          "</html>\n",
          f);
    return ferror(f) ? -1 : 0;
}
