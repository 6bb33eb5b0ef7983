/*
 * report_html.c — report.html: the report model (report.h) as one
 * self-contained page. No script, no font, no request of any kind (a
 * Content-Security-Policy of default-src 'none' says so to the browser);
 * the charts are inline SVG (report_charts.c). Every string from the
 * inputs is escaped (svg_escape), so a scenario, request, node or error
 * message can hold anything.
 */
#include "output/report.h"

#include <math.h>
#include <string.h>

#include "output/svg.h"

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
    "table.facts th{width:9em}table.nowrap td,table.nowrap th{white-space:nowrap}"
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
        fputs("<div class=\"banner warn\">Generator-limited: gatecap could not send on time or "
              "ran out of its own resources (see Generator), so these numbers may understate the "
              "gateway's capacity.</div>\n",
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

static void html_outcomes(const struct report *r, FILE *f)
{
    fputs("<h2 id=\"outcomes\">Outcome classes</h2>\n", f);
    report_table_outcomes(r, f, REPORT_HTML);
    fputs("<p>Throttled: 429 answers (not errors). Errors: 4xx other than 429, 5xx, "
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
    if (r->faults) {
        fputs("<p>WSO2 fault codes in the error answers: ", f);
        esc(f, r->faults);
        fputs(".</p>\n", f);
    }
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
        report_table_steps(r, f, REPORT_HTML);
    }
    if (p->n_whatif) {
        fputs("<h3>What if</h3>\n", f);
        report_chart_whatif(r, f);
        report_table_whatif(r, f, REPORT_HTML);
    }
    if (p->n_sens) {
        fputs("<h3>Sensitivity</h3>\n", f);
        report_table_sensitivity(r, f, REPORT_HTML);
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
    fputs("<h2 id=\"run\">Run</h2>\n", f);
    report_table_facts(r, f, REPORT_HTML);
    fputs("<h3>Phases</h3>\n", f);
    report_table_phases(r, f, REPORT_HTML);
    fputs("<h2 id=\"summary\">Summary</h2>\n", f);
    report_table_rows(f, REPORT_HTML, "phase", r->by_phase, r->n_by_phase, r->all);
    fputs("<h2 id=\"latency\">Latency distribution</h2>\n", f);
    report_chart_percentiles(r, f);
    fputs("<h3>Per request</h3>\n", f);
    report_table_rows(f, REPORT_HTML, "request", r->by_request, r->n_by_request, NULL);
    fputs("<h2 id=\"time\">Over time</h2>\n", f);
    report_chart_throughput(r, f);
    report_chart_latency_time(r, f);
    report_chart_errors(r, f);
    fputs("<h3>Per node</h3>\n", f);
    report_table_rows(f, REPORT_HTML, "node", r->by_node, r->n_by_node, NULL);
    html_outcomes(r, f);
    if (r->n_apps) {
        fputs("<h2 id=\"applications\">Applications</h2>\n", f);
        report_table_apps(r, f, REPORT_HTML);
    }
    if (r->have_gates) {
        fputs("<h2 id=\"gates\">Gates</h2>\n", f);
        report_table_gates(r, f, REPORT_HTML);
    }
    if (r->n_steps && !r->steps_from_plan) {
        fputs("<h2 id=\"steps\">Steps</h2>\n", f);
        report_chart_steps(r, f);
        report_table_steps(r, f, REPORT_HTML);
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
