/*
 * gate.h — pass/fail thresholds on a run's results ("p99 < 250ms",
 * "errors < 0.1%", "throughput >= 950/s"), as written under `gates:` in a
 * scenario (docs/gates.md).
 *
 * A gate is an expression (what to measure, a comparison, a threshold with
 * its unit) and a scope (the whole run, or one phase, request or node, or
 * each of them). gate_parse reads the expression; gate_measure takes the
 * value from a summed rec_cell; run/gate_eval.h applies every gate of a
 * scenario to a run.
 * Nothing here prints or allocates per request.
 */
#ifndef GATECAP_GATE_H
#define GATECAP_GATE_H

#include <stdbool.h>
#include <stddef.h>

struct rec_cell;
struct rec_check;
struct rec_flow;
struct scenario;

/* What is measured. */
enum gate_metric {
    GATE_TIME,         /* a statistic of a time series, milliseconds */
    GATE_ERRORS,       /* requests counted as errors: % of completed, or a count */
    GATE_THROTTLED,    /* 429 responses: % of completed, or a count */
    GATE_UNAUTHORIZED, /* 401 responses: % of completed, or a count */
    GATE_UNEXPECTED,   /* statuses outside `expect`: % of completed, or a count */
    GATE_THROUGHPUT,   /* completed requests per second of recorded load */
    GATE_ACHIEVED,     /* achieved / offered rate, % (open model): completions over
                          scheduled arrivals in the scope's intervals */
    GATE_REQUESTS,     /* completed requests, a count */
    /* a flow's (subject names it; docs/gates.md, "Flows and checks") */
    GATE_FLOW_TIME,      /* a statistic of its completed instances' durations, ms */
    GATE_FLOW_COMPLETED, /* completed instances: % of completed + failed, or a count */
    GATE_FLOW_FAILED,    /* failed instances: % of completed + failed, or a count */
    GATE_FLOW_STARTED,   /* instances started, a count */
    GATE_CHECK_PASSED,   /* a check's passes, % of its evaluations (subject names it) */
};

/* The longest flow or check name a gate names, bytes with the NUL. */
#define GATE_SUBJECT_MAX 136

/* For GATE_TIME: which histogram and which statistic. */
enum gate_series { GATE_LATENCY, GATE_SERVICE, GATE_TTFB, GATE_CONNECT, GATE_TLS };
enum gate_stat { GATE_PCTL, GATE_MIN, GATE_MEAN, GATE_MAX };

enum gate_op { GATE_LT, GATE_LE, GATE_GT, GATE_GE };

struct gate_expr {
    enum gate_metric metric;
    enum gate_series series;
    enum gate_stat stat;
    double percentile; /* GATE_PCTL: 0 < p <= 100 */
    bool as_pct;       /* errors/throttled/unexpected: a share, not a count */
    enum gate_op op;
    double threshold;               /* ms, %, count or per second, as the metric says */
    char subject[GATE_SUBJECT_MAX]; /* the flow or check of GATE_FLOW_* and
                                       GATE_CHECK_PASSED; "" otherwise */
};

/* True for the metrics of a flow (GATE_FLOW_*). */
static inline bool gate_is_flow(const struct gate_expr *e)
{
    return e->metric >= GATE_FLOW_TIME && e->metric <= GATE_FLOW_STARTED;
}

/* What a gate applies to. A scope name of "*" means each phase, request,
 * node or workload on its own (one verdict each). A workload is the sum of
 * its phases (scenario `workloads:`). A phase name also matches the steps
 * of a `steps:` phase written with that name (summed). */
enum gate_scope { GATE_ALL, GATE_PHASE, GATE_REQUEST, GATE_NODE, GATE_WORKLOAD };

struct gate {
    char *text; /* the expression as written, e.g. "p99 < 250ms" */
    struct gate_expr expr;
    enum gate_scope scope;
    char *scope_name;   /* NULL for GATE_ALL */
    bool abort_on_fail; /* also checked after every interval; stops the run */
    double grace_s;     /* abort checks start this long after the run's start */
};

struct judge_criterion;

/* The step criterion (judge.h) a gate expression stands for: latency
 * percentiles p50, p90, p99, p99.9 below a time, errors below a share,
 * achieved at least a share. Returns 0, or -1 with a sentence in why when
 * e cannot judge a step. */
int gate_judge_criterion(const struct gate_expr *e, struct judge_criterion *out, char *why,
                         size_t why_len);

/* Parses "METRIC OP VALUE" (spaces optional). Metrics: pN (latency
 * percentile, e.g. p99, p99.9), min, mean, max, and SERIES.STAT for the
 * series latency, service, ttfb, connect, tls (e.g. service.p99);
 * errors, throttled, unexpected (N% or a count); throughput (N/s, /m, /h);
 * achieved (N%); requests (a count); flow.NAME.STAT (STAT as above: a
 * flow's completed durations), flow.NAME.completed and flow.NAME.failed
 * (N% of completed + failed, or a count), flow.NAME.started (a count);
 * checks.NAME (N%: passes of its evaluations). A flow or check name is
 * not checked here (scenario_gates.c does). Times take us, ms or s. OP: < <= >
 * >=. Returns 0, or -1 with a sentence naming what is wrong and a correct
 * example in why (why_len bytes). */
int gate_parse(const char *text, struct gate_expr *out, char *why, size_t why_len);

/* The measured value of e over cell c: seconds is the recorded time of the
 * scope (for throughput), achieved_pct the achieved rate as a share of the
 * offered rate over the scope's intervals (for achieved; < 0 when
 * unknown). Returns false when there is nothing to measure (no requests,
 * no latencies, unknown achieved). */
bool gate_measure(const struct gate_expr *e, const struct rec_cell *c, double seconds,
                  double achieved_pct, double *value);

/* The measured value of a flow gate e (gate_is_flow) over f (a sum of the
 * scope's cells; may be NULL: nothing recorded). False when there is
 * nothing to measure (no completed instance for a time, none ended for a
 * share). */
bool gate_measure_flow(const struct gate_expr *e, const struct rec_flow *f, double *value);

/* The measured value of a GATE_CHECK_PASSED gate over k (may be NULL).
 * False when the check was never evaluated. */
bool gate_measure_check(const struct gate_expr *e, const struct rec_check *k, double *value);

/* True when value satisfies e's comparison. */
bool gate_holds(const struct gate_expr *e, double value);

/* The unit e's values are written in: "ms", "%", "/s" or "" (a count). */
const char *gate_unit(const struct gate_expr *e);

/* "<", "<=", ">", ">=". */
const char *gate_op_name(enum gate_op op);

/* "all", "phase", "request", "node". */
const char *gate_scope_name(enum gate_scope s);

/* Writes the measured value with its unit ("182.4ms", "0.12%", "951/s",
 * "1200") into buf. */
void gate_format(const struct gate_expr *e, double value, char *buf, size_t len);

#endif
