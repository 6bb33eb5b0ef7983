/*
 * report_html.c — report.html: the report model (report.h) as one
 * self-contained page: its shell, style, navigation and charts around
 * the sections both renderers write (report_sections.c). No script, no
 * font, no request of any kind (a Content-Security-Policy of default-src
 * 'none' says so to the browser); the charts are inline SVG
 * (report_charts.c). Every string from the
 * inputs is escaped (svg_escape), so a scenario, request, node or error
 * message can hold anything.
 */
#include "output/report_int.h"

#include <string.h>

#include "output/report_prose.h"
#include "output/svg.h"

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

int report_html(const struct report *r, FILE *f)
{
    struct report_prose w;
    report_prose_init(&w, f, REPORT_HTML);
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
    report_section_banner(&w, r);
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
    report_section_run(&w, r);
    report_section_summary(&w, r);
    report_prose_heading(&w, 2, "latency", "Latency distribution");
    report_chart_percentiles(r, f);
    report_prose_heading(&w, 3, NULL, "Per request");
    report_table_rows(f, REPORT_HTML, "request", r->by_request, r->n_by_request, NULL);
    report_prose_heading(&w, 2, "time", "Over time");
    report_chart_throughput(r, f);
    report_chart_latency_time(r, f);
    report_chart_errors(r, f);
    report_prose_heading(&w, 3, NULL, "Per node");
    report_table_rows(f, REPORT_HTML, "node", r->by_node, r->n_by_node, NULL);
    report_section_rest(&w, r);
    fputs("<footer>", f);
    report_section_closing(&w, r);
    fputs("</footer>\n</main>\n</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}
