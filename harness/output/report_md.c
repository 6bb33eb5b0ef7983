/*
 * report_md.c — report.md: the report model (report.h) as GitHub-flavoured
 * Markdown for pull requests and wikis; and the text helpers both
 * renderers share (numbers, times, escaping). Every string from the
 * inputs goes through report_md_escape; numbers through report_fmt.
 */
#include "output/report.h"

#include <math.h>
#include <string.h>
#include <time.h>

#define B 48 /* number buffers */

/* ---- text helpers (report.h) ---- */

const char *report_fmt(char *buf, size_t n, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "–");
        return buf;
    }
    double a = fabs(v);
    if (a < 100) {
        snprintf(buf, n, a == 0 || a == floor(a) ? "%.0f" : a < 10 ? "%.2f" : "%.1f", v);
        return buf;
    }
    char digits[48];
    snprintf(digits, sizeof digits, "%.0f", a);
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

const char *report_fmt_pct(char *buf, size_t n, double pct)
{
    char v[48];
    if (isfinite(pct))
        snprintf(buf, n, "%s %%", report_fmt(v, sizeof v, pct));
    else
        snprintf(buf, n, "–");
    return buf;
}

const char *report_fmt_ms(char *buf, size_t n, double ms)
{
    if (isfinite(ms) && fabs(ms) < 1 && ms != 0)
        snprintf(buf, n, "%.3f", ms);
    else if (isfinite(ms) && fabs(ms) < 100 && ms != floor(ms))
        snprintf(buf, n, fabs(ms) < 10 ? "%.2f" : "%.1f", ms);
    else
        report_fmt(buf, n, ms);
    return buf;
}

const char *report_fmt_start(char *buf, size_t n, double epoch_s)
{
    buf[0] = '\0';
    if (!(epoch_s > 0) || epoch_s > 1e11)
        return buf;
    time_t t = (time_t)epoch_s;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

const char *report_gate_scope(char *buf, size_t n, const struct results_gate *g)
{
    const char *scope = g->scope ? g->scope : "all";
    if (g->name && strcmp(scope, "all") != 0)
        snprintf(buf, n, "%s %s", scope, g->name);
    else
        snprintf(buf, n, "%s", scope);
    return buf;
}

void report_md_escape(FILE *f, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '&')
            fputs("&amp;", f);
        else if (c < 0x20 || c == 0x7f)
            fputc(' ', f);
        else if (strchr("\\`*_[]<>#|~$", c))
            fprintf(f, "\\%c", c);
        else
            fputc(c, f);
    }
}

/* ---- report.md ---- */

static void esc(FILE *f, const char *s)
{
    report_md_escape(f, s);
}

static void md_banner(const struct report *r, FILE *f)
{
    if (r->have_gates) {
        if (r->gates_failed > 0)
            fprintf(f, "> ❌ **FAIL: %d of %zu gate%s failed.**\n\n", r->gates_failed, r->n_gates,
                    r->n_gates == 1 ? "" : "s");
        else
            fprintf(f, "> ✅ **PASS: %s %zu gate%s passed.**\n\n", r->n_gates == 1 ? "the" : "all",
                    r->n_gates, r->n_gates == 1 ? "" : "s");
    }
    if (!strcmp(r->status, "interrupted"))
        fputs("> ⚠️ **Interrupted**: the run was stopped before its plan ended; the numbers "
              "cover what ran.\n\n",
              f);
    else if (!strcmp(r->status, "generator-limited"))
        fputs("> ⚠️ **Generator-limited**: gatecap could not send on time (late or dropped "
              "arrivals) or ran out of its own resources (requests never sent, see Generator), so "
              "these numbers may understate the gateway's capacity.\n\n",
              f);
    if (r->stop_reason) {
        fputs("> ⚠️ **Stopped early**: ", f);
        esc(f, r->stop_reason);
        fputs("\n\n", f);
    }
    if (r->insecure_tls)
        fputs("> ⚠️ TLS certificate verification was **off** (tls.insecure).\n\n", f);
}

static void md_facts(const struct report *r, FILE *f)
{
    fputs("## Run\n\n", f);
    report_table_facts(r, f, REPORT_MD);
    if (r->description) {
        esc(f, r->description);
        fputs("\n\n", f);
    }
    fputs("### Phases\n\n", f);
    report_table_phases(r, f, REPORT_MD);
}

static void md_outcomes(const struct report *r, FILE *f)
{
    fputs("## Outcome classes\n\n", f);
    report_table_outcomes(r, f, REPORT_MD);
    fputs("Throttled: 429 answers (not errors). Errors: 4xx other than 429, 5xx, timeouts, "
          "refused and reset connections, TLS failures and other transport failures.\n\n",
          f);
    if (r->n_examples) {
        fputs("Examples:\n\n", f);
        for (size_t i = 0; i < r->n_examples; i++) {
            fputs("- **", f);
            esc(f, r->examples[i].cls);
            fputs("**: ", f);
            esc(f, r->examples[i].message);
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    if (r->faults) {
        fputs("WSO2 fault codes in the error answers: ", f);
        esc(f, r->faults);
        fputs(".\n\n", f);
    }
}

static void md_steps(const struct report *r, FILE *f)
{
    fputs(r->steps_from_plan ? "### Steps (per node)\n\n" : "## Steps\n\n", f);
    report_table_steps(r, f, REPORT_MD);
}

static void md_plan(const struct report *r, FILE *f)
{
    const struct report_plan *p = r->plan;
    char a[B], b[B], c[B], d[B];
    fputs("## Capacity plan\n\n", f);
    if (p->sentence) {
        fputs("**", f);
        esc(f, p->sentence);
        fputs("**\n\n", f);
    }
    if (p->have_capacity) {
        fprintf(f,
                "- Capacity per node at the SLO (%s ≤ %s ms, errors ≤ %s %%, achieved ≥ %s %% of "
                "offered): %s**%s req/s**",
                p->percentile, report_fmt(a, sizeof a, p->slo_latency_ms),
                report_fmt(b, sizeof b, p->slo_error_pct),
                report_fmt(c, sizeof c, p->slo_min_achieved_pct), p->at_least ? "at least " : "",
                report_fmt(d, sizeof d, p->capacity_rps));
        if (p->limited_by[0])
            fprintf(f, "; limited by %s", p->limited_by);
        fputs(".\n", f);
    }
    if (p->have_rec) {
        fprintf(f, "- Binding constraint: %s.",
                !strcmp(p->binding, "min_nodes") ? "the minimum node count"
                : p->redundancy > 0              ? "the peak at the headroom, plus redundancy"
                                                 : "the peak at the headroom");
        fprintf(f, " Peak %s req/s; headroom %s %%; N+%d; at least %d nodes.",
                report_fmt(a, sizeof a, p->peak_rps), report_fmt(b, sizeof b, p->headroom_pct),
                p->redundancy, p->min_nodes);
        if (p->redundancy > 0)
            fprintf(f, " With %d lost, the rest run at %s %% of their SLO capacity.", p->redundancy,
                    report_fmt(c, sizeof c, p->util_after_loss_pct));
        if (p->traffic_managers)
            fprintf(f, " Traffic Managers: %d.", p->traffic_managers);
        fputc('\n', f);
    }
    fputc('\n', f);
    if (r->steps_from_plan)
        md_steps(r, f);
    if (p->n_whatif) {
        fputs("### What if\n\n", f);
        report_table_whatif(r, f, REPORT_MD);
    }
    if (p->n_sens) {
        fputs("### Sensitivity\n\n", f);
        report_table_sensitivity(r, f, REPORT_MD);
    }
    if (p->have_usl) {
        fprintf(f,
                "### USL fit\n\nX(N) = γN / (1 + α(N−1) + βN(N−1)): γ = %.6g req/s, α = %.6g, "
                "β = %.6g; ",
                p->gamma, p->alpha, p->beta);
        if (p->usl_has_peak)
            fprintf(f, "peak at N* = %.4g, X(N*) = %s req/s", p->peak_n,
                    report_fmt(a, sizeof a, p->peak_x));
        else
            fprintf(f, "no peak (β = 0), ceiling γ/α = %s req/s",
                    report_fmt(a, sizeof a, p->ceiling_x));
        snprintf(b, sizeof b, "%.4f", p->r2);
        fprintf(f, "; R² = %s; %zu measured point%s.\n\n", isfinite(p->r2) ? b : "n/a", p->n_points,
                p->n_points == 1 ? "" : "s");
    }
    if (p->n_assumptions) {
        fputs("### Assumptions\n\n", f);
        for (size_t i = 0; i < p->n_assumptions; i++) {
            fputs("- ", f);
            esc(f, p->assumptions[i]);
            fputc('\n', f);
        }
        fputc('\n', f);
    }
}

int report_markdown(const struct report *r, FILE *f)
{
    fputs("# gatecap report: ", f);
    esc(f, r->scenario);
    fputs("\n\n", f);
    md_banner(r, f);
    md_facts(r, f);
    fputs("## Summary\n\n", f);
    report_table_rows(f, REPORT_MD, "phase", r->by_phase, r->n_by_phase, r->all);
    fputs("Latency in milliseconds, ", f);
    esc(f, r->latency_definition ? r->latency_definition : "");
    fputs(". Rates are per second of the phases that ran.\n\n## Per request\n\n", f);
    report_table_rows(f, REPORT_MD, "request", r->by_request, r->n_by_request, NULL);
    fputs("## Per node\n\n", f);
    report_table_rows(f, REPORT_MD, "node", r->by_node, r->n_by_node, NULL);
    md_outcomes(r, f);
    if (r->n_apps) {
        fputs("## Applications\n\n", f);
        report_table_apps(r, f, REPORT_MD);
    }
    if (r->have_gates) {
        fputs("## Gates\n\n", f);
        report_table_gates(r, f, REPORT_MD);
    }
    if (r->n_steps && !r->steps_from_plan)
        md_steps(r, f);
    if (r->plan)
        md_plan(r, f);
    fputs("---\n\nCharts: report.html beside this file. Made by `gatecap report` from ", f);
    esc(f, r->results_file);
    if (r->plan) {
        fputs(" and ", f);
        const char *s = strrchr(r->plan->file, '/');
        esc(f, s ? s + 1 : r->plan->file);
    }
    fputs(".\n", f);
    return ferror(f) ? -1 : 0;
}
