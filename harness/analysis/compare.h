/*
 * compare.h — a run against a stored baseline (docs/compare.md): the logic
 * of `gatecap compare`. It reads two results.json files (docs/results.md),
 * checks that they measured the same thing, and for every metric of the
 * whole run, of each request and of each node present in both, computes
 * the change and a verdict. Nothing here prints or exits.
 *
 * A metric regresses when both hold:
 *  1. its change in the worse direction exceeds the tolerance (relative
 *     for latency and throughput, in percentage points for error and
 *     throttle rates), measured on the run's totals;
 *  2. a one-sided Mann–Whitney U test of the per-interval samples of the
 *     two runs (intervals of recorded phases only, whole ones, with
 *     arrivals) finds the current run worse at significance alpha: the
 *     change is not explained by run-to-run noise.
 * With fewer than COMPARE_MIN_SAMPLES interval samples on a side (or none
 * at all, as for per-request metrics when a results.json of an older
 * gatecap has no per-request interval slices), the test cannot be made
 * and the tolerance alone decides; the row says so. The files are read by
 * output/results_read.h, which checks every number compare uses.
 */
#ifndef GATECAP_COMPARE_H
#define GATECAP_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

enum {
    COMPARE_OK = 0,
    COMPARE_EIO = -1,           /* a file cannot be read */
    COMPARE_EFORMAT = -2,       /* not a gatecap results.json v1, malformed JSON, missing parts */
    COMPARE_EINCOMPATIBLE = -3, /* the runs measured different things */
    COMPARE_EUSAGE = -4,        /* a bad tolerance or option value */
    COMPARE_ENOMEM = -5,
};

/* Interval samples needed on each side for the test. */
#define COMPARE_MIN_SAMPLES 5
#define COMPARE_NAME_LEN 96
#define COMPARE_DEFAULT_ALPHA 0.01

/* The compared metrics, in table order. */
enum compare_metric {
    CMP_P50,         /* latency_ms.p50 */
    CMP_P90,         /* latency_ms.p90 */
    CMP_P99,         /* latency_ms.p99 */
    CMP_P999,        /* latency_ms.p99.9 (tested on the intervals' max_ms) */
    CMP_SERVICE_P99, /* service_ms.p99 */
    CMP_THROUGHPUT,  /* throughput_rps (intervals: achieved_rps, completed/length) */
    CMP_ERRORS,      /* error_pct */
    CMP_THROTTLED,   /* throttled_pct */
    /* flows' and checks' (scopes flow, check; no interval samples) */
    CMP_COMPLETED, /* a flow's completed_pct (the flow's p50, p90, p99 are its durations) */
    CMP_PASSED,    /* a check's passed_pct */
    CMP_N_METRICS
};

/* The metrics of a CELL (whole run, request, node): those before it. */
#define CMP_N_CELL_METRICS CMP_COMPLETED

enum compare_scope {
    CMP_SCOPE_ALL,
    CMP_SCOPE_REQUEST,
    CMP_SCOPE_NODE,
    CMP_SCOPE_WORKLOAD, /* each workload of runs with `workloads:` (when both runs have it) */
    CMP_SCOPE_FLOW,     /* a flow: duration p50, p90, p99 and completed % */
    CMP_SCOPE_CHECK,    /* a check: passed % */
    CMP_N_SCOPES
};

/* How much worse a metric may get. Relative: a fraction of the baseline
 * (0.1 = 10 %). Absolute: milliseconds for latency metrics, percentage
 * points for error and throttle rates, requests/s for throughput. */
struct compare_tolerance {
    double value;
    bool absolute;
};

struct compare_opts {
    struct compare_tolerance tol[CMP_N_METRICS];
    double alpha;                  /* significance of the one-sided test, 0 < alpha < 0.5 */
    bool allow_different_scenario; /* compare runs of differently named scenarios */
    bool scope[CMP_N_SCOPES];      /* [enum compare_scope]: rows of that scope wanted */
};

enum compare_verdict {
    CMP_OK,         /* within tolerance (better or worse) */
    CMP_IMPROVED,   /* better by more than the tolerance */
    CMP_NOISE,      /* worse beyond tolerance, but not significant: run-to-run noise */
    CMP_REGRESSION, /* worse beyond tolerance, and significant (or untestable) */
    CMP_NO_DATA,    /* not measured in one or both runs */
};

/* Whether a row's samples were tested. The test is made for every row
 * with enough samples (its p-value is shown beside an "ok" too); only a
 * change beyond the tolerance needs it for the verdict. */
enum compare_test {
    CMP_TEST_DONE,    /* p_value is set */
    CMP_TEST_FEW,     /* fewer than COMPARE_MIN_SAMPLES samples on a side */
    CMP_TEST_NONE,    /* results.json holds no interval samples for this scope */
    CMP_TEST_SKIPPED, /* no data in a run's totals: nothing to test */
};

struct compare_row {
    enum compare_metric metric;
    enum compare_scope scope;
    char name[COMPARE_NAME_LEN]; /* request, node or workload name; "" for the whole run */
    double baseline, current;    /* ms, req/s or % as the metric; NaN when not measured */
    double change;               /* relative (0.1 = +10 %) or absolute pp for rates; NaN
                                    when not measured; ±INFINITY from a baseline of 0 */
    double worse_by;             /* the change in the worse direction, in the tolerance's
                                    terms (fraction, ms, pp or req/s); negative = better */
    struct compare_tolerance tol;
    enum compare_test test;
    double p_value;               /* one-sided, in the worse direction; NaN unless DONE */
    bool exact;                   /* p from the exact distribution */
    size_t n_baseline, n_current; /* interval samples */
    enum compare_verdict verdict;
};

struct compare_result {
    char scenario[COMPARE_NAME_LEN]; /* the baseline's scenario name */
    char model[16];                  /* "open" or "closed" */
    struct compare_row *rows;
    size_t n_rows;
    size_t regressions, noise, improved, no_data;
    char **notes; /* what was assumed or left out, one sentence each */
    size_t n_notes;
    /* No verdict can be given: most rows (or all: none were made) have no
     * data in one run or both, so "no regression" would mean "not
     * measured". The command fails (exit 2) with undecided_why. */
    bool undecided;
    char undecided_why[400];
};

/* The default options: 10 % on latency percentiles and service p99, 5 %
 * on throughput, 0.1 pp on error and throttle rates and on flows'
 * completed and checks' passed shares, alpha 0.01, every scope. */
void compare_opts_defaults(struct compare_opts *o);

/* Applies a --tolerance list to o: "KEY=VALUE[,KEY=VALUE...]" with keys
 * p50, p90, p99, p99.9, service_p99 (or service.p99), latency (all five),
 * throughput, errors, throttled; values "10%" (relative), "2ms" (absolute,
 * latency only), "0.1pp" or "0.1" (errors, throttled), "50/s" (absolute,
 * throughput). Returns 0 or COMPARE_EUSAGE with err (errlen bytes) naming
 * the key or value and the accepted forms; o is unchanged then. */
int compare_parse_tolerance(struct compare_opts *o, const char *spec, char *err, size_t errlen);

/* Compares the run in current_path against baseline_path. Returns
 * COMPARE_OK with *out filled (owned: compare_free), or a negative
 * COMPARE_E* with err naming the file (and line:column, field or
 * scenario) and what to do; *out is then empty. */
int compare_files(const char *baseline_path, const char *current_path, const struct compare_opts *o,
                  struct compare_result *out, char *err, size_t errlen);

/* Frees what r owns; r is zeroed. */
void compare_free(struct compare_result *r);

/* Stable short names: "p50" ... "throttled", "completed", "passed"; "all",
 * "request", "node", "flow", "check";
 * "ok", "improved", "noise", "REGRESSION", "no data". */
const char *compare_metric_name(enum compare_metric m);
const char *compare_scope_name(enum compare_scope s);
const char *compare_verdict_name(enum compare_verdict v);

/* Unit of the metric's values: "ms", "req/s" or "%". */
const char *compare_metric_unit(enum compare_metric m);

/* True for error, throttle, completed and passed rates (changes in
 * percentage points). */
bool compare_metric_is_rate(enum compare_metric m);

/* True when a higher value is better (throughput, completed, passed). */
bool compare_metric_higher_better(enum compare_metric m);

#endif
