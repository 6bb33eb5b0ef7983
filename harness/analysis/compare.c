/*
 * compare.c — a run against a baseline; see compare.h and docs/compare.md.
 */
#include "analysis/compare.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis/compare_read.h"
#include "base/stats.h"
#include "base/units.h"

static const char *const metric_names[CMP_N_METRICS] = {
    "p50", "p90", "p99", "p99.9", "service_p99", "throughput", "errors", "throttled",
};

const char *compare_metric_name(enum compare_metric m)
{
    return m < CMP_N_METRICS ? metric_names[m] : "?";
}

const char *compare_scope_name(enum compare_scope s)
{
    return s == CMP_SCOPE_ALL ? "all" : s == CMP_SCOPE_REQUEST ? "request" : "node";
}

const char *compare_verdict_name(enum compare_verdict v)
{
    static const char *const names[] = {"ok", "improved", "noise", "REGRESSION", "no data"};
    return v <= CMP_NO_DATA ? names[v] : "?";
}

bool compare_metric_is_rate(enum compare_metric m)
{
    return m == CMP_ERRORS || m == CMP_THROTTLED;
}

static bool is_latency(enum compare_metric m)
{
    return m <= CMP_SERVICE_P99;
}

const char *compare_metric_unit(enum compare_metric m)
{
    return is_latency(m) ? "ms" : m == CMP_THROUGHPUT ? "req/s" : "%";
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

void compare_opts_defaults(struct compare_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int m = 0; m < CMP_N_METRICS; m++)
        o->tol[m] = (struct compare_tolerance){.value = 0.10, .absolute = false};
    o->tol[CMP_THROUGHPUT].value = 0.05;
    o->tol[CMP_ERRORS] = (struct compare_tolerance){.value = 0.1, .absolute = true};
    o->tol[CMP_THROTTLED] = (struct compare_tolerance){.value = 0.1, .absolute = true};
    o->alpha = COMPARE_DEFAULT_ALPHA;
    o->scope[CMP_SCOPE_ALL] = o->scope[CMP_SCOPE_REQUEST] = o->scope[CMP_SCOPE_NODE] = true;
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
        return fail(err, errlen, COMPARE_EUSAGE,
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
        return fail(err, errlen, COMPARE_EUSAGE,
                    "--tolerance %s=%s: write a share of the baseline (throughput=5%%) or a rate "
                    "(throughput=50/s)",
                    key, val);
    }
    if (units_duration_ms(val, &v, &why) == UNITS_OK) {
        *t = (struct compare_tolerance){v, true};
        return 0;
    }
    return fail(err, errlen, COMPARE_EUSAGE,
                "--tolerance %s=%s: write a share of the baseline (%s=10%%) or a time (%s=2ms)",
                key, val, key, key);
}

int compare_parse_tolerance(struct compare_opts *o, const char *spec, char *err, size_t errlen)
{
    char copy[512];
    if (!spec || !spec[0])
        return fail(err, errlen, COMPARE_EUSAGE,
                    "--tolerance: empty; write e.g. --tolerance p99=10%%,throughput=5%%");
    if (strlen(spec) >= sizeof copy)
        return fail(err, errlen, COMPARE_EUSAGE, "--tolerance: longer than %zu characters",
                    sizeof copy - 1);
    snprintf(copy, sizeof copy, "%s", spec);
    struct compare_opts next = *o;
    char *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv || !eq[1])
            return fail(err, errlen, COMPARE_EUSAGE,
                        "--tolerance: '%s' is not METRIC=VALUE (e.g. p99=10%%, errors=0.1pp)", kv);
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
            return fail(err, errlen, COMPARE_EUSAGE,
                        "--tolerance: unknown metric '%s'; metrics are p50, p90, p99, p99.9, "
                        "service_p99, latency (all of those), throughput, errors, throttled",
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

/* ---- reading a run (compare_read.c) ---- */

static double num(const json_t *o, const char *key)
{
    return compare_read_num(o, key);
}

/* ---- values and samples ---- */

/* The metric's value in a totals cell; NaN when not measured. */
static double cell_value(const json_t *cell, enum compare_metric m)
{
    if (!json_is_object(cell))
        return NAN;
    static const char *const pkey[] = {"p50", "p90", "p99", "p99.9"};
    switch (m) {
    case CMP_P50:
    case CMP_P90:
    case CMP_P99:
    case CMP_P999: {
        const json_t *lat = json_object_get(cell, "latency_ms");
        return num(lat, "count") > 0 ? num(lat, pkey[m]) : NAN;
    }
    case CMP_SERVICE_P99: {
        const json_t *svc = json_object_get(cell, "service_ms");
        return num(svc, "count") > 0 ? num(svc, "p99") : NAN;
    }
    case CMP_THROUGHPUT:
        return num(cell, "throughput_rps");
    case CMP_ERRORS:
        return num(cell, "count") > 0 ? num(cell, "error_pct") : NAN;
    case CMP_THROTTLED:
        return num(cell, "count") > 0 ? num(cell, "throttled_pct") : NAN;
    case CMP_N_METRICS:
        break;
    }
    return NAN;
}

/* The metric's sample in one interval slice (NULL: the scope had no
 * request then); NaN when the interval says nothing about it. */
static double slice_value(const json_t *iv, const json_t *s, enum compare_scope scope,
                          enum compare_metric m)
{
    double completed = s ? num(s, "completed") : 0;
    if (m == CMP_THROUGHPUT) {
        double len = num(iv, "length_s");
        if (scope == CMP_SCOPE_ALL && isfinite(num(iv, "achieved_rps")))
            return num(iv, "achieved_rps");
        return len > 0 && isfinite(completed) ? completed / len : NAN;
    }
    if (!s || !(completed > 0))
        return NAN;
    if (m == CMP_ERRORS || m == CMP_THROTTLED) {
        double k = num(s, m == CMP_ERRORS ? "errors" : "throttled");
        return isfinite(k) ? 100 * k / completed : NAN;
    }
    if (!(num(s, "max_ms") > 0)) /* no latency recorded (refused, reset, TLS) */
        return NAN;
    static const char *const key[] = {"p50_ms", "p90_ms", "p99_ms", "max_ms", "service_p99_ms"};
    double v = num(s, key[m]);
    return m == CMP_SERVICE_P99 && !(v > 0) ? NAN : v;
}

/* Fills v (r->n_usable slots) with the samples of (metric, scope, name);
 * returns how many. */
static size_t samples(const struct compare_run *r, enum compare_scope scope, const char *name,
                      enum compare_metric m, double *v)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_usable; i++) {
        const json_t *iv = r->usable[i], *s;
        if (scope == CMP_SCOPE_ALL)
            s = json_object_get(iv, "all");
        else
            s = json_object_get(json_object_get(iv, scope == CMP_SCOPE_NODE ? "nodes" : "requests"),
                                name);
        double x = slice_value(iv, s, scope, m);
        if (isfinite(x))
            v[k++] = x;
    }
    return k;
}

/* ---- rows ---- */

struct ctx {
    const struct compare_opts *o;
    struct compare_run base, cur;
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
    return m == CMP_THROUGHPUT ? -d : d;
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

    bool no_slices = row->scope == CMP_SCOPE_REQUEST &&
                     !(c->base.has_request_slices && c->cur.has_request_slices);
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

static int add_rows(struct ctx *c, enum compare_scope scope, const char *name,
                    const json_t *base_cell, const json_t *cur_cell)
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
    for (int m = 0; m < CMP_N_METRICS; m++) {
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
static int add_scope(struct ctx *c, enum compare_scope scope, json_t *base, json_t *cur)
{
    const char *what = scope == CMP_SCOPE_REQUEST ? "request" : "node";
    const char *key;
    json_t *cell;
    int rc;
    if (json_object_size(base) == 1 && json_object_size(cur) == 1) {
        json_object_foreach(base, key, cell)
        {
            if (json_object_get(cur, key))
                return note(c, "one %s (%s) in both runs: its rows would repeat the whole run's",
                            what, key);
        }
    }
    json_object_foreach(base, key, cell)
    {
        json_t *other = json_object_get(cur, key);
        if (!other)
            rc = note(c, "%s %s is only in the baseline: not compared", what, key);
        else
            rc = add_rows(c, scope, key, cell, other);
        if (rc)
            return rc;
    }
    json_object_foreach(cur, key, cell)
    {
        if (!json_object_get(base, key) &&
            (rc = note(c, "%s %s is only in the current run: not compared", what, key)))
            return rc;
    }
    return 0;
}

/* Differences that do not stop the comparison but that a reader must know. */
static int compat_notes(struct ctx *c)
{
    const struct compare_run *b = &c->base, *u = &c->cur;
    int rc = 0;
    if (strcmp(b->scenario, u->scenario) != 0)
        rc = note(c,
                  "different scenarios compared on purpose (--allow-different-scenario): "
                  "baseline '%s', current '%s'",
                  b->scenario, u->scenario);
    for (int k = 0; !rc && k < 2; k++) {
        const struct compare_run *r = k ? u : b;
        if (r->status && strcmp(r->status, "complete") != 0)
            rc = note(c, "the %s run's status is '%s': it ran shorter than planned", r->role,
                      r->status);
    }
    if (!rc && b->interval_s != u->interval_s)
        rc = note(c,
                  "interval lengths differ (%g s in the baseline, %g s now): per-interval "
                  "samples vary differently",
                  b->interval_s, u->interval_s);
    /* Recorded phases: same names, same rates, same lengths. */
    size_t i;
    json_t *ph;
    bool same = json_array_size(b->phases) == json_array_size(u->phases);
    json_array_foreach(b->phases, i, ph)
    {
        json_t *o = json_array_get(u->phases, i);
        const char *n1 = json_string_value(json_object_get(ph, "name"));
        const char *n2 = json_string_value(json_object_get(o, "name"));
        static const char *const keys[] = {"duration_s", "rate_start_per_s", "rate_end_per_s",
                                           "users"};
        if (!n1 || !n2 || strcmp(n1, n2) != 0 ||
            json_is_false(json_object_get(ph, "record")) !=
                json_is_false(json_object_get(o, "record")))
            same = false;
        for (size_t k = 0; same && k < sizeof keys / sizeof keys[0]; k++) {
            double v1 = num(ph, keys[k]), v2 = num(o, keys[k]);
            if ((isfinite(v1) || isfinite(v2)) && v1 != v2)
                same = false;
        }
    }
    if (!rc && !same)
        rc = note(c, "the phases differ (names, rates, users, durations or recording): the runs "
                     "put different loads on the gateway, so their numbers differ for that reason "
                     "too");
    for (int k = 0; !rc && k < 2; k++) {
        const struct compare_run *r = k ? u : b;
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
    int rc = compare_read_run(&c.base, baseline_path, "baseline", err, errlen);
    if (!rc)
        rc = compare_read_run(&c.cur, current_path, "current", err, errlen);
    if (rc)
        goto out;
    if (strcmp(c.base.scenario, c.cur.scenario) != 0 && !o->allow_different_scenario) {
        rc = fail(err, errlen, COMPARE_EINCOMPATIBLE,
                  "the runs are of different scenarios: baseline %s ran '%s', current %s ran "
                  "'%s'. Compare runs of one scenario (refresh the baseline when the scenario "
                  "changes), or pass --allow-different-scenario if the rename is deliberate",
                  baseline_path, c.base.scenario, current_path, c.cur.scenario);
        goto out;
    }
    if (strcmp(c.base.model, c.cur.model) != 0) {
        rc = fail(err, errlen, COMPARE_EINCOMPATIBLE,
                  "the runs used different load models: baseline %s is %s, current %s is %s; "
                  "their latencies mean different things (open: from the intended start; closed: "
                  "from the send). Record both with the same load.model",
                  baseline_path, c.base.model, current_path, c.cur.model);
        goto out;
    }
    snprintf(out->scenario, sizeof out->scenario, "%s", c.base.scenario);
    snprintf(out->model, sizeof out->model, "%s", c.base.model);
    c.xb = malloc((c.base.n_usable + 1) * sizeof *c.xb);
    c.xc = malloc((c.cur.n_usable + 1) * sizeof *c.xc);
    if (!c.xb || !c.xc) {
        rc = fail(err, errlen, COMPARE_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = compat_notes(&c)) ||
        (o->scope[CMP_SCOPE_ALL] &&
         (rc = add_rows(&c, CMP_SCOPE_ALL, "", c.base.all, c.cur.all))) ||
        (o->scope[CMP_SCOPE_REQUEST] &&
         (rc = add_scope(&c, CMP_SCOPE_REQUEST, c.base.by_request, c.cur.by_request))) ||
        (rc = request_note(&c)) ||
        (o->scope[CMP_SCOPE_NODE] &&
         (rc = add_scope(&c, CMP_SCOPE_NODE, c.base.by_node, c.cur.by_node))))
        fail(err, errlen, rc, "out of memory");
    if (!rc)
        undecided(out);
out:
    free(c.xb);
    free(c.xc);
    compare_read_free(&c.base);
    compare_read_free(&c.cur);
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
