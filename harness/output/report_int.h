/*
 * report_int.h — the report model and what the report's own files share
 * (report*.c; tests/output/test_report*.c): report_load fills a struct
 * report from results.json (read by output/results_read.h) and plan.json
 * (output/plan_json.h); the renderers, charts, tables and sections write
 * it. Callers outside output/ use report.h.
 */
#ifndef GATECAP_REPORT_INT_H
#define GATECAP_REPORT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/errbuf.h"
#include "measure/hdr.h"
#include "measure/recorder.h"
#include "output/report.h"
#include "output/results_read.h"

struct plan_json;

#define REPORT_MAX_SERIES 8 /* requests or nodes drawn in one chart */

/* The numbers a report shows come from results.json as results_read.h
 * reads it: a CELL of totals is a struct results_cell, an interval's
 * numbers a struct results_slice, a latency summary a struct
 * results_lat, a gate a struct results_gate; outcome classes are indexed
 * and named as the recorder names them (rec_outcome_name). */

struct report_interval {
    double start_s, length_s, offered_rps, achieved_rps;
    int phase;                   /* index in report.phases; -1 when the drain */
    bool drain;                  /* after the arrivals ended: answers to earlier ones */
    struct results_slice all;    /* the cluster */
    struct results_slice *nodes; /* n_nodes, owned; parallel to report.nodes */
};

/* A phase as it ran (results.json scenario.load.phases and run). */
struct report_phase {
    const char *name;                                         /* borrowed from the model */
    double duration_s, rate_start, rate_end, users, think_ms; /* NaN when absent */
    double ran_s; /* seconds it sent arrivals: its duration, less when the run ended
                     during it, 0 when before; NaN when unknown */
    bool record;
    const char *workload; /* its workload (borrowed), or NULL without workloads */
};

/* Full histograms (µs) of one request (its cells summed), or of every
 * request ("all", from totals.all). */
struct report_dist {
    const char *name;                   /* borrowed from the model, or "all" */
    struct hdr_hist *latency, *service; /* owned; NULL when results.json has none */
};

/* One error class with an example message (error_examples). */
struct report_example {
    const char *cls, *message; /* rec_outcome_name, and borrowed from the model */
};

/* A step of the capacity model: from plan.json (per node) or, without a
 * plan, from the results' constant-rate phases (the cluster). */
struct report_step {
    char *name; /* owned */
    double offered_rps, achieved_rps, latency_ms, error_pct;
    char verdict[16]; /* good, bad, unconfirmed, invalid, ignored; "" without a plan */
    char role[12];    /* last_good, first_bad or "" */
    char *why;        /* owned; NULL: the violated metrics or why invalid */
};

struct report_whatif {
    int nodes;
    double capacity_rps, util_peak_pct, util_after_loss_pct, headroom_left_pct;
    bool meets_policy;
};

struct report_sens {
    const char *what; /* borrowed from the plan read */
    double peak_rps, per_node_rps;
    int nodes; /* 0: out of range */
};

struct report_usl_point {
    double concurrency, throughput_rps;
};

/* What the report shows of a plan.json (read by output/plan_json.h). */
struct report_plan {
    struct plan_json *doc; /* owned: the plan.json read; the strings below are its */
    char *file;            /* owned: as found or given */
    const char *sentence;  /* NULL when the plan has none */
    char percentile[8];
    double slo_latency_ms, slo_error_pct, slo_min_achieved_pct;
    bool have_capacity;
    double capacity_rps; /* per node at the SLO */
    bool at_least;
    char limited_by[64], interpolated_on[16];
    double peak_rps; /* NaN without demand */
    double headroom_pct;
    int redundancy, min_nodes;
    bool have_rec;
    int rec_nodes, n_base, traffic_managers;
    char binding[16]; /* "peak" or "min_nodes" */
    double per_node_effective_rps, util_peak_pct, util_after_loss_pct;
    bool loss_ok;
    struct report_whatif *whatif;
    size_t n_whatif;
    struct report_sens *sens;
    size_t n_sens;
    bool have_usl, usl_has_peak;
    double gamma, alpha, beta, r2, rse, peak_n, peak_x, ceiling_x;
    struct report_usl_point *points; /* the measured points (plan.json "points") */
    size_t n_points;
    const char *const *assumptions;
    size_t n_assumptions;
};

/* One application of a token pool (results.json auth.applications). */
struct report_app {
    const char *name;   /* borrowed from the model */
    char *throttled_by; /* owned: "application 80, other 2", or NULL */
    double count, errors, error_pct, unauthorized, throttled, throttled_pct;
    double mean_ms, max_ms, tokens, token_failures, rejected_after_refresh;
};

/* The token endpoint (results.json auth.token_endpoint). */
struct report_token {
    const char *url; /* borrowed from the model */
    double requests, failed, initial, ahead, after_401, retry;
    struct results_lat latency;
};

struct report {
    struct results *res; /* owned: the results.json read; the strings below are its */
    char *results_file;  /* owned: base name of results.json */
    /* run facts */
    const char *scenario, *description, *scenario_file;
    const char *version, *transport, *libcurl, *openssl; /* transport: NULL before it was
                                                            recorded */
    const char *status, *model, *latency_definition;
    const char *stop_reason; /* what stopped the run early (a gate); NULL if nothing */
    double start_epoch_s, elapsed_s, planned_s, interval_s;
    int cores, workers;
    bool insecure_tls;
    double gen_late_pct, gen_queue_drops, gen_abandoned, gen_max_lag_ms, gen_cpu_pct;
    double gen_local_failures;             /* requests never sent for want of a local resource (NaN:
                                              results.json from before the counter) */
    const char *http;                      /* "1.1", "2", or NULL (results from before) */
    double h2_max_streams, h2_connections; /* HTTP/2's settings; NaN when absent */
    const char *conn_policy;               /* keep-alive, new, fraction; NULL when absent */
    double new_conn_fraction;              /* with fraction: 0..1 */
    double gen_bound_waits;                /* arrivals that waited for the in-flight bound */
    double gen_stream_waits;       /* requests that waited for an HTTP/2 stream (NaN: results.json
                                      from before the counter) */
    const char *gen_local_example; /* one of their messages, or NULL */
    char **targets;                /* "name  url", owned */
    size_t n_targets;
    const char *node_header;      /* scenario.node_header, or NULL */
    const char *const *overrides; /* scenario.overrides: the --set overrides as recorded */
    size_t n_overrides;
    double arrivals_end_s; /* run.arrivals_end_s; NaN in results.json from before it */
    /* numbers (the model's) */
    const struct results_cell *all;
    const struct results_cell *by_phase, *by_request, *by_node;
    size_t n_by_phase, n_by_request, n_by_node;
    struct report_phase *phases;
    size_t n_phases;
    const char **nodes; /* the nodes of results.json "nodes" that answered (a CELL in
                           totals.by_node); the order of report_interval.nodes; owned array */
    size_t n_nodes;
    const char **silent; /* the other nodes: targets that answered nothing themselves (a load
                            balancer whose nodes node_header names); owned array */
    size_t n_silent;
    struct report_interval *intervals;
    size_t n_intervals;
    struct report_dist *dists; /* dists[0] is "all", then one per request */
    size_t n_dists;
    struct report_example *examples;
    size_t n_examples;
    char *faults; /* owned: totals.all.faults_by as "101503 12, no_code 2", or NULL */
    bool have_gates;
    const struct results_gate *gates;
    size_t n_gates;
    int gates_failed;
    /* steps: from the plan when there is one, else from the phases */
    struct report_step *steps;
    size_t n_steps;
    bool steps_from_plan;
    struct report_plan *plan; /* owned; NULL without a plan */
    /* token pool (auth); n_apps 0 without one */
    struct report_app *apps; /* the REPORT_MAX_APPS with the most non-2xx answers */
    size_t n_apps, n_apps_total;
    struct report_token token;
};

/* Most applications a report lists (the rest are in results.json). */
#define REPORT_MAX_APPS 50

/* Reads results_path and the plan into *r (zeroed first): plan_path, or
 * when it is NULL a plan.json in results_path's folder if one exists.
 * Returns 0, or -1 with err set (unreadable file, malformed JSON with
 * file:line:column, not a gatecap results.json or plan.json, a required
 * field missing or of the wrong type, named). Call report_free either way. */
int report_load(struct report *r, const char *results_path, const char *plan_path, char *err,
                size_t errlen);

/* Frees what r owns; r is zeroed. */
void report_free(struct report *r);

/* Writes report.md to f (Markdown, GitHub flavour; report_md.c). Returns
 * 0 or -1 when f has a write error. */
int report_markdown(const struct report *r, FILE *f);

/* Writes report.html to f (report_html.c). Returns 0 or -1 when f has a
 * write error. */
int report_html(const struct report *r, FILE *f);

/* The charts of report.html (report_charts.c): each writes a <figure>
 * with one <svg id="chart-ID" data-chart="ID"> and its caption to f, or a
 * sentence when there is nothing to draw (no latency recorded, no errors)
 * or nothing at all when the chart does not apply (no steps, no plan, no
 * what-if, no USL fit). Charts over time group intervals beyond a bound,
 * so their size does not grow with the run's length. */
void report_chart_percentiles(const struct report *r, FILE *f);  /* latency-percentiles */
void report_chart_throughput(const struct report *r, FILE *f);   /* throughput */
void report_chart_latency_time(const struct report *r, FILE *f); /* latency-time */
void report_chart_errors(const struct report *r, FILE *f);       /* errors-time */
void report_chart_steps(const struct report *r, FILE *f);        /* steps-rate, steps-latency */
void report_chart_whatif(const struct report *r, FILE *f);       /* what-if */
void report_chart_usl(const struct report *r, FILE *f);          /* usl */

/* The tables both renderers write (report_table.c), in one markup. Each
 * writes one whole table to f: Markdown rows and a blank line, or an HTML
 * <table>. Strings from the inputs are escaped for the markup. */
enum report_markup { REPORT_MD, REPORT_HTML };

/* The facts of the run: scenario, the --set overrides, targets, the nodes
 * that answered, start, duration and status, load model, latency
 * definition, generator health, versions. HTML puts the description under
 * the scenario; Markdown leaves it to the caller. */
void report_table_facts(const struct report *r, FILE *f, enum report_markup m);
/* The phases as they ran: load (rate, ramp or users), planned and ran
 * seconds, recorded or warm-up, achieved rate. */
void report_table_phases(const struct report *r, FILE *f, enum report_markup m);
/* Latency and outcome counts a row: first is the first column's title
 * ("phase"); total, when not NULL, is a last row set apart ("**all**"). */
void report_table_rows(FILE *f, enum report_markup m, const char *first,
                       const struct results_cell *rows, size_t n, const struct results_cell *total);
/* Outcome classes per node and in all (classes all nodes lack left out). */
void report_table_outcomes(const struct report *r, FILE *f, enum report_markup m);
/* A run with `workloads:`: one row per workload (model, workers, phases,
 * requests, offered and achieved rates, latency, errors). */
void report_table_workloads(const struct report *r, FILE *f, enum report_markup m);
/* The gates with their scope, measure and verdict. */
void report_table_gates(const struct report *r, FILE *f, enum report_markup m);
/* The steps: offered and achieved rates, latency, errors (and, from a
 * plan, verdicts); a row never wraps (HTML: class "nowrap"): a verdict's
 * long reason is a numbered note below the table. */
void report_table_steps(const struct report *r, FILE *f, enum report_markup m);
/* Applications of the token pool and the token endpoint's line
 * (report_auth.c; r->n_apps must be > 0). */
void report_table_apps(const struct report *r, FILE *f, enum report_markup m);

/* The flows (results.json "flows" totals): instances started,
 * completed and failed (with their share of the ended ones), ended by
 * gatecap's own failure, unfinished; the completed ones' duration p50,
 * p90, p99, max; failures by step and by check. */
void report_table_flows(const struct report *r, FILE *f, enum report_markup m);
/* The checks: passes, failures, share passed, a failing answer's example
 * (redacted by the run). */
void report_table_checks(const struct report *r, FILE *f, enum report_markup m);

/* The generators of a merged run ("shards"): host, status, clock (flagged
 * beyond tolerance), release offset, lateness, drops, CPU. */
void report_table_shards(const struct report *r, FILE *f, enum report_markup m);
/* The applications and the token endpoint of r->res->auth (none: nothing)
 * into r (report_auth.c). Returns 0 or -1 with err set (no memory). */
int report_load_auth(struct report *r, char *err, size_t errlen);
/* "application 80, other 2" from counts[0..n) named name(k) (throttled_by,
 * faults_by), the kinds with a count only; NULL when there is none.
 * Owned (free). */
char *report_kinds(const double *counts, int n, const char *(*name)(int));
/* Frees what report_load_auth made. */
void report_free_auth(struct report *r);

/* The plan's what-if rows (r->plan must be set). */
void report_table_whatif(const struct report *r, FILE *f, enum report_markup m);
/* The plan's sensitivity cases (r->plan must be set). */
void report_table_sensitivity(const struct report *r, FILE *f, enum report_markup m);

/* The report's sentences and headings, written once for both renderers
 * with the prose writer w (output/report_prose.h, which sets the markup;
 * report_sections.c). Each writes its part of the page in order; the
 * page around them is the renderer's. */
struct report_prose;
/* The banners: the gates' verdict, an interrupted or generator-limited
 * run, what stopped it early, TLS verification off. */
void report_section_banner(struct report_prose *w, const struct report *r);
/* "Run": the facts, the description, and the phases. */
void report_section_run(struct report_prose *w, const struct report *r);
/* "Summary": the phases' rows and what latency and rates mean. */
void report_section_summary(struct report_prose *w, const struct report *r);
/* What follows the rows: the outcome classes (what they mean, examples,
 * WSO2 fault codes), the applications, the gates, the steps and the
 * capacity plan, each when the inputs have it. */
void report_section_rest(struct report_prose *w, const struct report *r);
/* The closing sentence: what made the report from which files (their
 * base names); no paragraph of its own (the renderer's footer holds it). */
void report_section_closing(struct report_prose *w, const struct report *r);

/* The color of a step verdict (good, bad, unconfirmed, ignored, invalid;
 * others blue). Static. */
const char *report_verdict_color(const char *verdict);

/* Text helpers shared by the renderers (report_md.c). */

/* s escaped for a Markdown table cell or text: backslash before the
 * characters Markdown would act on (| * _ ` [ ] < > # ~ \ etc.), & as
 * &amp;, line breaks and control characters as a space. */
void report_md_escape(FILE *f, const char *s);

/* A number as the report prints it: thousands separated, decimals
 * falling as it grows (12.3, 1.23, 0.123); "–" for NaN. Returns buf. */
const char *report_fmt(char *buf, size_t n, double v);

/* A percentage: "12.3 %", "–" for NaN. Returns buf. */
const char *report_fmt_pct(char *buf, size_t n, double pct);

/* A latency in ms: "0.412", "24.4", "1,204"; "–" for NaN. Returns buf. */
const char *report_fmt_ms(char *buf, size_t n, double ms);

/* The run's start as UTC "2026-11-23 13:26:52 UTC"; "" when unknown. */
const char *report_fmt_start(char *buf, size_t n, double epoch_s);

/* The gate's scope and name: "all", "phase steady", "node gw1". */
const char *report_gate_scope(char *buf, size_t n, const struct results_gate *g);

/* Reads the plan.json at path (plan_json.h) into r->plan, and its steps
 * into r->steps (report_plan.c). Returns 0, or -1 with err naming the file
 * (line and column for malformed JSON) and the field. */
int report_read_plan(struct report *r, const char *path, char *err, size_t errlen);

#endif
