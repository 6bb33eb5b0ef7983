/*
 * compare.c — a run against a baseline; see compare.h and docs/compare.md.
 */
#include "analysis/compare.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errbuf.h"
#include "base/stats.h"
#include "base/units.h"
#include "output/results_read.h"

static const char *const metric_names[CMP_N_METRICS] = {
    "p50",        "p90",    "p99",       "p99.9",     "service_p99",
    "throughput", "errors", "throttled", "completed", "passed",
};

const char *compare_metric_name(enum compare_metric m)
{
    return m < CMP_N_METRICS ? metric_names[m] : "?";
}

const char *compare_scope_name(enum compare_scope s)
{
    static const char *const names[CMP_N_SCOPES] = {"all",      "request", "node",
                                                    "workload", "flow",    "check"};
    return s < CMP_N_SCOPES ? names[s] : "?";
}

const char *compare_verdict_name(enum compare_verdict v)
{
    static const char *const names[] = {"ok", "improved", "noise", "REGRESSION", "no data"};
    return v <= CMP_NO_DATA ? names[v] : "?";
}

bool compare_metric_is_rate(enum compare_metric m)
{
    return m == CMP_ERRORS || m == CMP_THROTTLED || m == CMP_COMPLETED || m == CMP_PASSED;
}

bool compare_metric_higher_better(enum compare_metric m)
{
    return m == CMP_THROUGHPUT || m == CMP_COMPLETED || m == CMP_PASSED;
}

static bool is_latency(enum compare_metric m)
{
    return m <= CMP_SERVICE_P99;
}

const char *compare_metric_unit(enum compare_metric m)
{
    return is_latency(m) ? "ms" : m == CMP_THROUGHPUT ? "req/s" : "%";
}

void compare_opts_defaults(struct compare_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int m = 0; m < CMP_N_METRICS; m++)
        o->tol[m] = (struct compare_tolerance){.value = 0.10, .absolute = false};
    o->tol[CMP_THROUGHPUT].value = 0.05;
    o->tol[CMP_ERRORS] = (struct compare_tolerance){.value = 0.1, .absolute = true};
    o->tol[CMP_THROTTLED] = (struct compare_tolerance){.value = 0.1, .absolute = true};
    o->tol[CMP_COMPLETED] = (struct compare_tolerance){.value = 0.1, .absolute = true};
    o->tol[CMP_PASSED] = (struct compare_tolerance){.value = 0.1, .absolute = true};
    o->alpha = COMPARE_DEFAULT_ALPHA;
    for (int k = 0; k < CMP_N_SCOPES; k++)
        o->scope[k] = true;
}

/* ---- --tolerance ---- */

/* "N<suffix>" with N ≥ 0: true with *v set when s ends in suffix. */
static bool number_with(const char *s, const char *suffix, double *v)
{
    size_t n = strlen(s), k = strlen(suffix);
    char num[64];
    const char *why = NULL;
    if (n <= k || n - k >= sizeof num || strcmp(s + n - k, suffix) != 0)
        return false;
    memcpy(num, s, n - k);
    num[n - k] = '\0';
    return units_number(num, v, &why) == UNITS_OK && *v >= 0;
}

static int parse_value(const char *key, enum compare_metric m, const char *val,
                       struct compare_tolerance *t, char *err, size_t errlen)
{
    double v;
    const char *why = NULL;
    if (compare_metric_is_rate(m)) {
        if (number_with(val, "pp", &v) || (units_number(val, &v, &why) == UNITS_OK && v >= 0)) {
            *t = (struct compare_tolerance){v, true};
            return 0;
        }
        return errbuf_set(
            err, errlen, COMPARE_EUSAGE,
            "--tolerance %s=%s: %s is a rate; its tolerance is an absolute allowance in "
            "percentage points, e.g. %s=0.1pp (0.1 %% of requests more)",
            key, val, key, key);
    }
    if (number_with(val, "%", &v)) {
        *t = (struct compare_tolerance){v / 100, false};
        return 0;
    }
    if (m == CMP_THROUGHPUT) {
        if (units_rate_per_s(val, &v, &why) == UNITS_OK) {
            *t = (struct compare_tolerance){v, true};
            return 0;
        }
        return errbuf_set(
            err, errlen, COMPARE_EUSAGE,
            "--tolerance %s=%s: write a share of the baseline (throughput=5%%) or a rate "
            "(throughput=50/s)",
            key, val);
    }
    if (units_duration_ms(val, &v, &why) == UNITS_OK) {
        *t = (struct compare_tolerance){v, true};
        return 0;
    }
    return errbuf_set(
        err, errlen, COMPARE_EUSAGE,
        "--tolerance %s=%s: write a share of the baseline (%s=10%%) or a time (%s=2ms)", key, val,
        key, key);
}

int compare_parse_tolerance(struct compare_opts *o, const char *spec, char *err, size_t errlen)
{
    char copy[512];
    if (!spec || !spec[0])
        return errbuf_set(err, errlen, COMPARE_EUSAGE,
                          "--tolerance: empty; write e.g. --tolerance p99=10%%,throughput=5%%");
    if (strlen(spec) >= sizeof copy)
        return errbuf_set(err, errlen, COMPARE_EUSAGE, "--tolerance: longer than %zu characters",
                          sizeof copy - 1);
    snprintf(copy, sizeof copy, "%s", spec);
    struct compare_opts next = *o;
    char *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv || !eq[1])
            return errbuf_set(err, errlen, COMPARE_EUSAGE,
                              "--tolerance: '%s' is not METRIC=VALUE (e.g. p99=10%%, errors=0.1pp)",
                              kv);
        *eq = '\0';
        const char *key = kv, *val = eq + 1;
        int first = -1, last = -1;
        if (!strcmp(key, "latency")) {
            first = CMP_P50;
            last = CMP_SERVICE_P99;
        } else if (!strcmp(key, "service.p99")) {
            first = last = CMP_SERVICE_P99;
        } else {
            for (int m = 0; m < CMP_N_METRICS; m++)
                if (!strcmp(key, metric_names[m]))
                    first = last = m;
        }
        if (first < 0)
            return errbuf_set(err, errlen, COMPARE_EUSAGE,
                              "--tolerance: unknown metric '%s'; metrics are p50, p90, p99, p99.9, "
                              "service_p99, latency (all of those), throughput, errors, "
                              "throttled, completed (flows), passed (checks)",
                              key);
        struct compare_tolerance t;
        int rc = parse_value(key, (enum compare_metric)first, val, &t, err, errlen);
        if (rc)
            return rc;
        for (int m = first; m <= last; m++)
            next.tol[m] = t;
    }
    *o = next;
    return 0;
}

/* ---- reading a run ---- */

/* An interval counts as a sample when it lasted >= 90 % of interval_s. */
#define WHOLE_INTERVAL 0.9

/* One run, read by results_read (which checks every number compare
 * reads: a baseline with a negative count made rows "no data" and the
 * verdict "no regression"). */
struct run {
    const char *path;
    const char *role; /* "baseline" or "current" */
    struct results *res;
    const struct results_interval **usable; /* recorded phases, whole, with arrivals */
    size_t n_usable;
    bool has_request_slices; /* some usable interval has "requests" */
};

/* Reads the results.json at path into r; a generator-limited run is
 * refused (its numbers measure gatecap). Messages start with the role. */
static int read_run(struct run *r, const char *path, const char *role, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->role = role;
    char why[1024];
    int rc = results_read(path, RESULTS_HISTS_NONE, &r->res, why, sizeof why);
    if (rc == RESULTS_EIO)
        return errbuf_set(
            err, errlen, COMPARE_EIO,
            "%s %s; give the path of a results.json written by gatecap run (docs/ci.md "
            "shows how to keep a baseline)",
            role, why);
    if (rc != RESULTS_OK)
        return errbuf_set(err, errlen, rc == RESULTS_ENOMEM ? COMPARE_ENOMEM : COMPARE_EFORMAT,
                          "%s %s", role, why);
    const struct results *res = r->res;
    if (!strcmp(res->status, "generator-limited"))
        return errbuf_set(
            err, errlen, COMPARE_EINCOMPATIBLE,
            "%s %s: the run was generator-limited (gatecap could not keep its schedule): "
            "its latencies and rates measure the load generator, not the gateway. Run "
            "it again with more load-generator CPU (load.workers) or lower rates",
            role, path);
    r->usable = calloc(res->n_intervals + 1, sizeof *r->usable);
    if (!r->usable)
        return errbuf_set(err, errlen, COMPARE_ENOMEM, "out of memory");
    for (size_t i = 0; i < res->n_intervals; i++) {
        const struct results_interval *iv = &res->intervals[i];
        if (iv->phase == RESULTS_NO_PHASE || !res->phases[iv->phase].record || !iv->all.present)
            continue;
        if (!(iv->length_s >= WHOLE_INTERVAL * res->interval_s) || !(iv->health.scheduled > 0))
            continue;
        r->usable[r->n_usable++] = iv;
        r->has_request_slices |= iv->has_requests;
    }
    return COMPARE_OK;
}

static void free_run(struct run *r)
{
    free(r->usable);
    results_free(r->res);
    memset(r, 0, sizeof *r);
}

/* ---- values and samples ---- */

/* The metric's value in a totals cell (NULL: not in this run); NaN when
 * not measured. */
static double cell_value(const struct results_cell *cell, enum compare_metric m)
{
    if (!cell)
        return NAN;
    const struct results_lat *lat = &cell->latency;
    switch (m) {
    case CMP_P50:
        return lat->count > 0 ? lat->p50 : NAN;
    case CMP_P90:
        return lat->count > 0 ? lat->p90 : NAN;
    case CMP_P99:
        return lat->count > 0 ? lat->p99 : NAN;
    case CMP_P999:
        return lat->count > 0 ? lat->p999 : NAN;
    case CMP_SERVICE_P99:
        return cell->service.count > 0 ? cell->service.p99 : NAN;
    case CMP_THROUGHPUT:
        return cell->throughput_rps;
    case CMP_ERRORS:
        return cell->count > 0 ? cell->error_pct : NAN;
    case CMP_THROTTLED:
        return cell->count > 0 ? cell->throttled_pct : NAN;
    case CMP_COMPLETED: /* flows' and checks': not in a cell */
    case CMP_PASSED:
    case CMP_N_METRICS:
        break;
    }
    return NAN;
}

/* The metric's sample in one interval slice (NULL: the scope had no
 * request then); NaN when the interval says nothing about it. */
static double slice_value(const struct results_interval *iv, const struct results_slice *s,
                          enum compare_scope scope, enum compare_metric m)
{
    double completed = s ? s->completed : 0;
    if (m == CMP_THROUGHPUT) {
        if (scope == CMP_SCOPE_ALL && isfinite(iv->achieved_rps))
            return iv->achieved_rps;
        return iv->length_s > 0 && isfinite(completed) ? completed / iv->length_s : NAN;
    }
    if (!s || !(completed > 0))
        return NAN;
    if (m == CMP_ERRORS || m == CMP_THROTTLED) {
        double k = m == CMP_ERRORS ? s->errors : s->throttled;
        return isfinite(k) ? 100 * k / completed : NAN;
    }
    if (!(s->max_ms > 0)) /* no latency recorded (refused, reset, TLS) */
        return NAN;
    const double v[] = {s->p50_ms, s->p90_ms, s->p99_ms, s->max_ms, s->service_p99_ms};
    return m == CMP_SERVICE_P99 && !(v[m] > 0) ? NAN : v[m];
}

/* The index of name among names[0..n), or SIZE_MAX. */
static size_t index_of(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return i;
    return SIZE_MAX;
}

/* Fills v (r->n_usable slots) with the samples of (metric, scope, name);
 * returns how many. */
static size_t samples(const struct run *r, enum compare_scope scope, const char *name,
                      enum compare_metric m, double *v)
{
    const struct results *res = r->res;
    size_t at = scope == CMP_SCOPE_NODE      ? index_of(res->nodes, res->n_nodes, name)
                : scope == CMP_SCOPE_REQUEST ? index_of(res->requests, res->n_requests, name)
                                             : SIZE_MAX;
    for (size_t w = 0; scope == CMP_SCOPE_WORKLOAD && w < res->n_workloads; w++)
        if (!strcmp(res->workloads[w].name, name))
            at = w;
    size_t k = 0;
    for (size_t i = 0; i < r->n_usable; i++) {
        const struct results_interval *iv = r->usable[i];
        const struct results_slice *s = NULL;
        if (scope == CMP_SCOPE_ALL)
            s = &iv->all;
        else if (at != SIZE_MAX && scope == CMP_SCOPE_WORKLOAD)
            s = iv->workloads ? &iv->workloads[at] : NULL;
        else if (at != SIZE_MAX)
            s = scope == CMP_SCOPE_NODE ? &iv->nodes[at] : &iv->requests[at];
        double x = slice_value(iv, s && s->present ? s : NULL, scope, m);
        if (isfinite(x))
            v[k++] = x;
    }
    return k;
}

/* ---- rows ---- */

struct ctx {
    const struct compare_opts *o;
    struct run base, cur;
    struct compare_result *res;
    size_t cap_rows, cap_notes;
    double *xb, *xc; /* sample scratch, n_usable of each run */
};

static int note(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int note(struct ctx *c, const char *fmt, ...)
{
    struct compare_result *r = c->res;
    if (r->n_notes == c->cap_notes) {
        size_t cap = c->cap_notes ? 2 * c->cap_notes : 8;
        char **p = realloc(r->notes, cap * sizeof *p);
        if (!p)
            return COMPARE_ENOMEM;
        r->notes = p;
        c->cap_notes = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int rc = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return COMPARE_ENOMEM;
    r->notes[r->n_notes++] = s;
    return 0;
}

/* How much worse current is than baseline, in the tolerance's terms. */
static double worse_by(enum compare_metric m, const struct compare_tolerance *t, double base,
                       double cur)
{
    double d = t->absolute ? cur - base : base > 0 ? (cur - base) / base : cur > 0 ? INFINITY : 0;
    return compare_metric_higher_better(m) ? -d : d;
}

static void judge(struct ctx *c, struct compare_row *row, const char *name)
{
    const struct compare_tolerance *t = &c->o->tol[row->metric];
    row->tol = *t;
    row->p_value = NAN;
    row->change = NAN;
    row->worse_by = NAN;
    if (!isfinite(row->baseline) || !isfinite(row->current)) {
        row->test = CMP_TEST_SKIPPED;
        row->verdict = CMP_NO_DATA;
        return;
    }
    if (compare_metric_is_rate(row->metric))
        row->change = row->current - row->baseline;
    else
        row->change = row->baseline > 0  ? (row->current - row->baseline) / row->baseline
                      : row->current > 0 ? INFINITY
                                         : 0;
    row->worse_by = worse_by(row->metric, t, row->baseline, row->current);

    bool no_slices = (row->scope == CMP_SCOPE_REQUEST &&
                      !(c->base.has_request_slices && c->cur.has_request_slices)) ||
                     row->scope == CMP_SCOPE_FLOW || row->scope == CMP_SCOPE_CHECK;
    if (no_slices) {
        row->test = CMP_TEST_NONE;
    } else {
        row->n_baseline = samples(&c->base, row->scope, name, row->metric, c->xb);
        row->n_current = samples(&c->cur, row->scope, name, row->metric, c->xc);
        row->test = CMP_TEST_FEW;
        struct stats_mw mw;
        if (row->n_baseline >= COMPARE_MIN_SAMPLES && row->n_current >= COMPARE_MIN_SAMPLES &&
            stats_mann_whitney(c->xb, row->n_baseline, c->xc, row->n_current,
                               row->metric == CMP_THROUGHPUT ? STATS_LESS : STATS_GREATER,
                               &mw) == STATS_OK) {
            row->test = CMP_TEST_DONE;
            row->p_value = mw.p;
            row->exact = mw.exact;
        }
    }
    if (row->worse_by > t->value)
        row->verdict = row->test == CMP_TEST_DONE && !(row->p_value < c->o->alpha) ? CMP_NOISE
                                                                                   : CMP_REGRESSION;
    else if (-row->worse_by > t->value)
        row->verdict = CMP_IMPROVED;
    else
        row->verdict = CMP_OK;
}

/* A row of metric m on scope member name, judged and counted. */
static int add_row(struct ctx *c, enum compare_scope scope, const char *name, enum compare_metric m,
                   double base, double cur)
{
    struct compare_result *r = c->res;
    if (r->n_rows + 1 > c->cap_rows) {
        size_t cap = c->cap_rows ? 2 * c->cap_rows : 4 * CMP_N_METRICS;
        struct compare_row *p = realloc(r->rows, cap * sizeof *p);
        if (!p)
            return COMPARE_ENOMEM;
        r->rows = p;
        c->cap_rows = cap;
    }
    struct compare_row *row = &r->rows[r->n_rows++];
    memset(row, 0, sizeof *row);
    row->metric = m;
    row->scope = scope;
    snprintf(row->name, sizeof row->name, "%s", name);
    row->baseline = base;
    row->current = cur;
    judge(c, row, name);
    r->regressions += row->verdict == CMP_REGRESSION;
    r->noise += row->verdict == CMP_NOISE;
    r->improved += row->verdict == CMP_IMPROVED;
    r->no_data += row->verdict == CMP_NO_DATA;
    return 0;
}

/* A flow's rows (duration p50, p90, p99; completed %) and a check's row
 * (passed %), for those in both runs; notes for the others. Their numbers
 * come from the totals alone (no interval samples): the tolerance decides. */
static const struct results_flow *flow_named(const struct results *r, const char *name)
{
    for (size_t i = 0; i < r->n_flows; i++)
        if (!strcmp(r->flows[i].name, name))
            return &r->flows[i];
    return NULL;
}

static const struct results_check *check_named(const struct results *r, const char *name)
{
    for (size_t i = 0; i < r->n_checks; i++)
        if (!strcmp(r->checks[i].name, name))
            return &r->checks[i];
    return NULL;
}

static int add_flows(struct ctx *c, const struct results *b, const struct results *u)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < b->n_flows; i++) {
        const struct results_flow_counts *x = &b->flows[i].totals;
        const struct results_flow *other = flow_named(u, b->flows[i].name);
        const char *name = b->flows[i].name;
        if (!other) {
            rc = note(c, "flow %s is only in the baseline: not compared", name);
            continue;
        }
        const struct results_flow_counts *y = &other->totals;
        /* durations of completed instances: none completed, none measured */
        bool bx = x->duration.count > 0, by = y->duration.count > 0;
        if ((rc = add_row(c, CMP_SCOPE_FLOW, name, CMP_P50, bx ? x->duration.p50 : NAN,
                          by ? y->duration.p50 : NAN)) ||
            (rc = add_row(c, CMP_SCOPE_FLOW, name, CMP_P90, bx ? x->duration.p90 : NAN,
                          by ? y->duration.p90 : NAN)) ||
            (rc = add_row(c, CMP_SCOPE_FLOW, name, CMP_P99, bx ? x->duration.p99 : NAN,
                          by ? y->duration.p99 : NAN)))
            break;
        rc = add_row(c, CMP_SCOPE_FLOW, name, CMP_COMPLETED, x->completed_pct, y->completed_pct);
    }
    for (size_t i = 0; !rc && i < u->n_flows; i++)
        if (!flow_named(b, u->flows[i].name))
            rc = note(c, "flow %s is only in the current run: not compared", u->flows[i].name);
    return rc;
}

static int add_checks(struct ctx *c, const struct results *b, const struct results *u)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < b->n_checks; i++) {
        const struct results_check *other = check_named(u, b->checks[i].name);
        if (!other)
            rc = note(c, "check %s is only in the baseline: not compared", b->checks[i].name);
        else
            rc = add_row(c, CMP_SCOPE_CHECK, b->checks[i].name, CMP_PASSED, b->checks[i].passed_pct,
                         other->passed_pct);
    }
    for (size_t i = 0; !rc && i < u->n_checks; i++)
        if (!check_named(b, u->checks[i].name))
            rc = note(c, "check %s is only in the current run: not compared", u->checks[i].name);
    return rc;
}

static int add_rows(struct ctx *c, enum compare_scope scope, const char *name,
                    const struct results_cell *base_cell, const struct results_cell *cur_cell)
{
    struct compare_result *r = c->res;
    if (r->n_rows + CMP_N_METRICS > c->cap_rows) {
        size_t cap = c->cap_rows ? 2 * c->cap_rows : 4 * CMP_N_METRICS;
        struct compare_row *p = realloc(r->rows, cap * sizeof *p);
        if (!p)
            return COMPARE_ENOMEM;
        r->rows = p;
        c->cap_rows = cap;
    }
    for (int m = 0; m < CMP_N_CELL_METRICS; m++) {
        struct compare_row *row = &r->rows[r->n_rows++];
        memset(row, 0, sizeof *row);
        row->metric = (enum compare_metric)m;
        row->scope = scope;
        snprintf(row->name, sizeof row->name, "%s", name);
        row->baseline = cell_value(base_cell, row->metric);
        row->current = cell_value(cur_cell, row->metric);
        judge(c, row, name);
        r->regressions += row->verdict == CMP_REGRESSION;
        r->noise += row->verdict == CMP_NOISE;
        r->improved += row->verdict == CMP_IMPROVED;
        r->no_data += row->verdict == CMP_NO_DATA;
    }
    return 0;
}

/* Rows for every request (or node) in both runs; notes for the others. A
 * single entry, the same in both runs, would repeat the whole run's rows. */
static int add_scope(struct ctx *c, enum compare_scope scope, const struct results_cell *base,
                     size_t n_base, const struct results_cell *cur, size_t n_cur)
{
    const char *what = compare_scope_name(scope);
    int rc;
    if (n_base == 1 && n_cur == 1 && results_named(cur, n_cur, base[0].name) &&
        scope != CMP_SCOPE_WORKLOAD) /* (workloads: at least two, or none) */
        return note(c, "one %s (%s) in both runs: its rows would repeat the whole run's", what,
                    base[0].name);
    for (size_t i = 0; i < n_base; i++) {
        const struct results_cell *other = results_named(cur, n_cur, base[i].name);
        if (!other)
            rc = note(c, "%s %s is only in the baseline: not compared", what, base[i].name);
        else
            rc = add_rows(c, scope, base[i].name, &base[i], other);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < n_cur; i++)
        if (!results_named(base, n_base, cur[i].name) &&
            (rc = note(c, "%s %s is only in the current run: not compared", what, cur[i].name)))
            return rc;
    return 0;
}

/* Rows for every workload of both runs (their totals), when both have
 * workloads; a note when only one has. */
static int add_workloads(struct ctx *c)
{
    const struct results *b = c->base.res, *u = c->cur.res;
    if (!b->n_workloads && !u->n_workloads)
        return 0;
    if (!b->n_workloads || !u->n_workloads)
        return note(c, "only the %s run has workloads: they are not compared one by one",
                    b->n_workloads ? "baseline" : "current");
    struct results_cell *bc = calloc(b->n_workloads, sizeof *bc);
    struct results_cell *uc = calloc(u->n_workloads, sizeof *uc);
    int rc = COMPARE_ENOMEM;
    if (bc && uc) {
        for (size_t i = 0; i < b->n_workloads; i++)
            bc[i] = b->workloads[i].total;
        for (size_t i = 0; i < u->n_workloads; i++)
            uc[i] = u->workloads[i].total;
        rc = add_scope(c, CMP_SCOPE_WORKLOAD, bc, b->n_workloads, uc, u->n_workloads);
    }
    free(bc);
    free(uc);
    return rc;
}

/* Differences that do not stop the comparison but that a reader must know. */
static int compat_notes(struct ctx *c)
{
    const struct run *b = &c->base, *u = &c->cur;
    const struct results *rb = b->res, *ru = u->res;
    int rc = 0;
    if (strcmp(rb->scenario, ru->scenario) != 0)
        rc = note(c,
                  "different scenarios compared on purpose (--allow-different-scenario): "
                  "baseline '%s', current '%s'",
                  rb->scenario, ru->scenario);
    for (int k = 0; !rc && k < 2; k++) {
        const struct run *r = k ? u : b;
        if (strcmp(r->res->status, "complete") != 0)
            rc = note(c, "the %s run's status is '%s': it ran shorter than planned", r->role,
                      r->res->status);
    }
    if (!rc && rb->interval_s != ru->interval_s)
        rc = note(c,
                  "interval lengths differ (%g s in the baseline, %g s now): per-interval "
                  "samples vary differently",
                  rb->interval_s, ru->interval_s);
    /* Recorded phases: same names, same rates, same lengths. */
    bool same = rb->n_phases == ru->n_phases;
    for (size_t i = 0; same && i < rb->n_phases; i++) {
        const struct results_phase *p1 = &rb->phases[i], *p2 = &ru->phases[i];
        const double v1[] = {p1->duration_s, p1->rate_start, p1->rate_end, p1->users};
        const double v2[] = {p2->duration_s, p2->rate_start, p2->rate_end, p2->users};
        if (strcmp(p1->name, p2->name) != 0 || p1->record != p2->record)
            same = false;
        for (size_t k = 0; same && k < sizeof v1 / sizeof v1[0]; k++)
            if ((isfinite(v1[k]) || isfinite(v2[k])) && v1[k] != v2[k])
                same = false;
    }
    if (!rc && !same)
        rc = note(c, "the phases differ (names, rates, users, durations or recording): the runs "
                     "put different loads on the gateway, so their numbers differ for that reason "
                     "too");
    for (int k = 0; !rc && k < 2; k++) {
        const struct run *r = k ? u : b;
        if (r->n_usable < COMPARE_MIN_SAMPLES)
            rc = note(c,
                      "the %s run has %zu whole interval%s of recorded load (the test needs "
                      "%d): verdicts rest on the tolerance alone; record longer phases",
                      r->role, r->n_usable, r->n_usable == 1 ? "" : "s", COMPARE_MIN_SAMPLES);
    }
    return rc;
}

/* Per-request rows without per-request interval samples: say so once. */
static int request_note(struct ctx *c)
{
    if (c->base.has_request_slices && c->cur.has_request_slices)
        return 0;
    for (size_t i = 0; i < c->res->n_rows; i++)
        if (c->res->rows[i].scope == CMP_SCOPE_REQUEST)
            return note(c, "a results.json has no per-request interval samples (written by an "
                           "older gatecap): per-request rows are judged on the tolerance alone "
                           "(the whole run's and the nodes' rows are tested; --scopes all,node "
                           "leaves them out)");
    return 0;
}

/* Most rows without data (or none at all): no verdict. A run whose
 * latencies were never recorded, or a file with nothing in it, would
 * otherwise pass as "no regression". */
static void undecided(struct compare_result *r)
{
    size_t base = 0, cur = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        base += !isfinite(r->rows[i].baseline);
        cur += !isfinite(r->rows[i].current);
    }
    if (!r->n_rows) {
        r->undecided = true;
        snprintf(r->undecided_why, sizeof r->undecided_why,
                 "nothing was compared (no rows for the scopes asked; see the notes); a gate "
                 "that compares nothing cannot pass: add --scopes all");
    } else if (2 * r->no_data > r->n_rows) {
        r->undecided = true;
        snprintf(r->undecided_why, sizeof r->undecided_why,
                 "%zu of %zu metrics have no data (%zu without data in the baseline, %zu in the "
                 "current run): most of what compare judges was not measured, so 'no "
                 "regression' would mean nothing; check the run's error examples and record it "
                 "again",
                 r->no_data, r->n_rows, base, cur);
    }
}

int compare_files(const char *baseline_path, const char *current_path, const struct compare_opts *o,
                  struct compare_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct ctx c = {.o = o, .res = out};
    int rc = read_run(&c.base, baseline_path, "baseline", err, errlen);
    if (!rc)
        rc = read_run(&c.cur, current_path, "current", err, errlen);
    if (rc)
        goto out;
    const struct results *b = c.base.res, *u = c.cur.res;
    if (strcmp(b->scenario, u->scenario) != 0 && !o->allow_different_scenario) {
        rc =
            errbuf_set(err, errlen, COMPARE_EINCOMPATIBLE,
                       "the runs are of different scenarios: baseline %s ran '%s', current %s ran "
                       "'%s'. Compare runs of one scenario (refresh the baseline when the scenario "
                       "changes), or pass --allow-different-scenario if the rename is deliberate",
                       baseline_path, b->scenario, current_path, u->scenario);
        goto out;
    }
    if (strcmp(b->model, u->model) != 0) {
        rc = errbuf_set(
            err, errlen, COMPARE_EINCOMPATIBLE,
            "the runs used different load models: baseline %s is %s, current %s is %s; "
            "their latencies mean different things (open: from the intended start; closed: "
            "from the send). Record both with the same load.model",
            baseline_path, b->model, current_path, u->model);
        goto out;
    }
    snprintf(out->scenario, sizeof out->scenario, "%s", b->scenario);
    snprintf(out->model, sizeof out->model, "%s", b->model);
    c.xb = malloc((c.base.n_usable + 1) * sizeof *c.xb);
    c.xc = malloc((c.cur.n_usable + 1) * sizeof *c.xc);
    if (!c.xb || !c.xc) {
        rc = errbuf_set(err, errlen, COMPARE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = compat_notes(&c)) ||
        (o->scope[CMP_SCOPE_ALL] && (rc = add_rows(&c, CMP_SCOPE_ALL, "", &b->all, &u->all))) ||
        (o->scope[CMP_SCOPE_WORKLOAD] && (rc = add_workloads(&c))) ||
        (o->scope[CMP_SCOPE_REQUEST] &&
         (rc = add_scope(&c, CMP_SCOPE_REQUEST, b->by_request, b->n_by_request, u->by_request,
                         u->n_by_request))) ||
        (rc = request_note(&c)) ||
        (o->scope[CMP_SCOPE_NODE] && (rc = add_scope(&c, CMP_SCOPE_NODE, b->by_node, b->n_by_node,
                                                     u->by_node, u->n_by_node))) ||
        (o->scope[CMP_SCOPE_FLOW] && (rc = add_flows(&c, b, u))) ||
        (o->scope[CMP_SCOPE_CHECK] && (rc = add_checks(&c, b, u))))
        errbuf_set(err, errlen, rc, "out of memory");
    if (!rc)
        undecided(out);
out:
    free(c.xb);
    free(c.xc);
    free_run(&c.base);
    free_run(&c.cur);
    if (rc)
        compare_free(out);
    return rc;
}

void compare_free(struct compare_result *r)
{
    for (size_t i = 0; i < r->n_notes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r->rows);
    memset(r, 0, sizeof *r);
}
