/*
 * plan_input.h — the measurements `gatecap plan` reads (docs/plan.md):
 *
 *  - results.json of gatecap runs (docs/results.md): every recorded
 *    open-model phase at a constant rate is a step, carried as what
 *    judge.h judges (its intervals, its whole-step latency and errors,
 *    gatecap's health during it); the plan judges it under its SLO. Every
 *    recorded closed-model phase is a concurrency point for a USL fit:
 *    throughput = completions over the judged intervals' time,
 *    concurrency = requests in flight at the gateway by Little's law
 *    (throughput × mean latency), which is the users when they do not
 *    think and gatecap adds nothing between a response and the next send.
 *  - CSV from any tool: a header row naming `rate` and/or `concurrency`,
 *    `throughput`, optional `p50_ms`, `p90_ms`, `p99_ms`, `p99.9_ms`,
 *    `error_pct`; one measurement per row; blank lines and lines starting
 *    with '#' skipped; other columns ignored (listed in the notes).
 *
 * Rates are what was measured on the whole cluster of `nodes` nodes;
 * dividing by nodes is the caller's decision. Nothing here prints: errors
 * come back as a negative code and a message in the caller's buffer that
 * names the file (and line, field or phase) and what to do.
 */
#ifndef GATECAP_PLAN_INPUT_H
#define GATECAP_PLAN_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "measure/judge.h"

enum {
    PLAN_INPUT_OK = 0,
    PLAN_INPUT_EIO = -1,     /* cannot read the file */
    PLAN_INPUT_EFORMAT = -2, /* not a results.json / CSV as documented, bad value */
    PLAN_INPUT_ENOMEM = -4,
};

#define PLAN_INPUT_MAX_ROWS 100000
#define PLAN_INPUT_NAME_LEN 72
#define PLAN_INPUT_WHY_LEN 320

/* One open-model step. */
struct plan_input_step {
    const char *file;               /* borrowed: the path given */
    char name[PLAN_INPUT_NAME_LEN]; /* FOLDER/PHASE for a results.json (its folder
                                       tells the files apart: probe-03/probe,
                                       step-gw1/steps-2), or "line N" of a CSV */
    double offered_rps;             /* cluster, as measured */
    double achieved_rps;            /* CSV: as given; results.json: set by the judge */
    double latency_ms;              /* at the requested percentile; NaN when not measured */
    double error_pct;               /* NaN when not measured */
    int nodes;                      /* nodes that served the run (or --nodes) */
    int intervals;                  /* judged intervals (CSV: 0) */
    double late_pct;                /* arrivals late beyond the threshold (CSV: 0) */
    bool valid;                     /* CSV: true; results.json: set by the judge */
    char invalid_why[PLAN_INPUT_WHY_LEN];
    bool judged;                /* from results.json: judge holds it */
    struct judge_step judge;    /* its iv points into ivs */
    struct judge_interval *ivs; /* owned */
};

/* One concurrency point (closed model or CSV concurrency rows). */
struct plan_input_point {
    const char *file;
    char name[PLAN_INPUT_NAME_LEN];
    double concurrency;
    double throughput_rps;
    double users; /* results.json: the phase's users (concurrency is in flight) */
    int nodes;
};

/* One file read. */
struct plan_input_source {
    const char *file;
    bool csv;
    int nodes;             /* nodes that served (or --nodes, or 1 for CSV) */
    bool nodes_overridden; /* from --nodes */
    bool nodes_column;     /* CSV: each row gives its nodes (scale-out data) */
    char node_names[256];  /* results.json: the serving nodes, comma-separated */
    char status[32];       /* results.json run.status; "" for CSV */
    size_t steps, points;
};

struct plan_input {
    struct plan_input_step *steps;
    size_t n_steps, cap_steps;
    struct plan_input_point *points;
    size_t n_points, cap_points;
    struct plan_input_source *sources;
    size_t n_sources, cap_sources;
    char **notes; /* what the reader assumed or skipped, one sentence each */
    size_t n_notes, cap_notes;
};

/* What the caller asks of the readers. */
struct plan_input_opts {
    const char *percentile; /* "p50", "p90", "p99" or "p99.9" */
    const char *flow;       /* NULL or "": steps' latency is the requests'; else the
                               completed durations of this flow (results.json only) */
    int nodes;              /* > 0: the nodes that served, overriding results.json/CSV */
};

/* Reads one results.json into in (steps, points, a source, notes).
 * Returns 0 or a negative PLAN_INPUT_E* with err (errlen bytes) set. On
 * error, in keeps what earlier calls added. */
int plan_input_results(struct plan_input *in, const char *path, const struct plan_input_opts *o,
                       char *err, size_t errlen);

/* Reads one CSV file; as plan_input_results. */
int plan_input_csv(struct plan_input *in, const char *path, const struct plan_input_opts *o,
                   char *err, size_t errlen);

/* Reads path as CSV when it ends in .csv, as results.json when it ends in
 * .json, else by its first character ('{' → JSON). */
int plan_input_read(struct plan_input *in, const char *path, const struct plan_input_opts *o,
                    char *err, size_t errlen);

/* Frees what in owns (not the borrowed file names); in is zeroed. */
void plan_input_free(struct plan_input *in);

#endif
