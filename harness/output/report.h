/*
 * report.h — the reports of a run (docs/report.md): report.md (GitHub
 * Markdown) and report.html (one self-contained file with inline SVG
 * charts), made from results.json alone (docs/results.md) and, when there
 * is one, a plan.json (docs/plan.md) for the capacity section.
 *
 * report_load reads and checks the inputs into a struct report (every
 * number a report shows, and the full latency and service histograms per
 * request); report_markdown (report_md.c) and report_html (report_html.c,
 * its charts in report_charts.c) render it, their sentences written once
 * for both (report_sections.c) and their tables too (report_table.c);
 * report_write does all of it and writes both files atomically. The same
 * inputs always give the same bytes: no clock, no host name, no paths
 * beyond the inputs' base names.
 *
 * Nothing here prints: errors are -1 with a message in the caller's buffer
 * naming the file (line and column for malformed JSON) and the field.
 */
#ifndef GATECAP_REPORT_H
#define GATECAP_REPORT_H

#include <stddef.h>
#include <stdio.h>

/* Loads the inputs and writes report.md to md and report.html to html
 * (neither closed; both flushed). Returns 0, or -1 with err set. */
int report_render(const char *results_path, const char *plan_path, FILE *md, FILE *html, char *err,
                  size_t errlen);

/* Loads the inputs and writes outdir/report.md and outdir/report.html,
 * each atomically (created if missing: outdir too). plan_path as in
 * report_load. Returns 0, or -1 with err set. */
int report_write(const char *results_path, const char *plan_path, const char *outdir, char *err,
                 size_t errlen);

/* The report model and its renderers are output/report_int.h's (the
 * report's own files and their tests). */

#endif
