/*
 * report_md.c — report.md: the report model (report.h) as GitHub-flavoured
 * Markdown for pull requests and wikis: its header and footer around the
 * sections both renderers write (report_sections.c), and the tables of
 * rows per request and per node that report.html places among its charts;
 * and the text helpers both renderers share (numbers, times, escaping).
 * Every string from the inputs goes through report_md_escape; numbers
 * through report_fmt.
 */
#include "output/report_int.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "output/report_prose.h"

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

int report_markdown(const struct report *r, FILE *f)
{
    struct report_prose w;
    report_prose_init(&w, f, REPORT_MD);
    fputs("# gatecap report: ", f);
    report_md_escape(f, r->scenario);
    fputs("\n\n", f);
    report_section_banner(&w, r);
    report_section_run(&w, r);
    report_section_summary(&w, r);
    report_prose_heading(&w, 2, NULL, "Per request");
    report_table_rows(f, REPORT_MD, "request", r->by_request, r->n_by_request, NULL);
    report_prose_heading(&w, 2, NULL, "Per node");
    report_table_rows(f, REPORT_MD, "node", r->by_node, r->n_by_node, NULL);
    report_section_rest(&w, r);
    fputs("---\n\nCharts: report.html beside this file. ", f);
    report_section_closing(&w, r);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}
