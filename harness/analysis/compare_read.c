/*
 * compare_read.c — a results.json read and checked for compare; see
 * compare_read.h.
 */
#include "analysis/compare_read.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"

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

double compare_read_num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static bool recorded(const struct compare_run *r, const char *phase)
{
    size_t i;
    json_t *ph;
    json_array_foreach(r->phases, i, ph)
    {
        const char *name = json_string_value(json_object_get(ph, "name"));
        if (name && !strcmp(name, phase))
            return !json_is_false(json_object_get(ph, "record"));
    }
    return false;
}

void compare_read_free(struct compare_run *r)
{
    free(r->usable);
    json_decref(r->root);
    memset(r, 0, sizeof *r);
}

/* ---- checking the numbers ---- */

/* What a number read from results.json may be. */
enum num_kind { NUM_COUNT, NUM_NONNEG, NUM_PCT };

struct num_rule {
    const char *sub; /* the member object it sits in, or NULL */
    const char *key;
    enum num_kind kind;
};

static const struct num_rule cell_rules[] = {
    {NULL, "count", NUM_COUNT},           {NULL, "errors", NUM_COUNT},
    {NULL, "throttled", NUM_COUNT},       {NULL, "unexpected", NUM_COUNT},
    {NULL, "throughput_rps", NUM_NONNEG}, {NULL, "error_pct", NUM_PCT},
    {NULL, "throttled_pct", NUM_PCT},     {"latency_ms", "count", NUM_COUNT},
    {"latency_ms", "p50", NUM_NONNEG},    {"latency_ms", "p90", NUM_NONNEG},
    {"latency_ms", "p99", NUM_NONNEG},    {"latency_ms", "p99.9", NUM_NONNEG},
    {"service_ms", "count", NUM_COUNT},   {"service_ms", "p99", NUM_NONNEG},
};
static const struct num_rule slice_rules[] = {
    {NULL, "completed", NUM_COUNT}, {NULL, "errors", NUM_COUNT},
    {NULL, "throttled", NUM_COUNT}, {NULL, "p50_ms", NUM_NONNEG},
    {NULL, "p90_ms", NUM_NONNEG},   {NULL, "p99_ms", NUM_NONNEG},
    {NULL, "max_ms", NUM_NONNEG},   {NULL, "service_p99_ms", NUM_NONNEG},
};
static const struct num_rule interval_rules[] = {
    {NULL, "length_s", NUM_NONNEG},
    {NULL, "scheduled", NUM_COUNT},
    {NULL, "achieved_rps", NUM_NONNEG},
};

/* Checks one number (absent or null: not measured, fine). */
static int check_number(const struct compare_run *r, const json_t *v, const char *path,
                        enum num_kind kind, char *err, size_t errlen)
{
    if (!v || json_is_null(v))
        return 0;
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    const char *why =
        !json_is_number(v) ? NULL
        : !isfinite(x)     ? "it is not a finite number"
        : x < 0 ? (kind == NUM_COUNT ? "a count cannot be negative" : "it cannot be negative")
        : kind == NUM_PCT && x > 100 ? "a percentage is 0 to 100"
                                     : "";
    if (why && !why[0])
        return 0;
    if (!why)
        return fail(err, errlen, COMPARE_EFORMAT,
                    "%s %s: %s is not a number; the file was edited or damaged: restore it or "
                    "record the run again",
                    r->role, r->path, path);
    return fail(err, errlen, COMPARE_EFORMAT,
                "%s %s: %s is %g: %s; the file was edited or damaged: restore it or record the "
                "run again",
                r->role, r->path, path, x, why);
}

/* Checks obj's numbers named by rules, and its outcome counts; where
 * names obj in messages ("totals.all"). */
static int check_object(const struct compare_run *r, const json_t *obj, const char *where,
                        const struct num_rule *rules, size_t n, char *err, size_t errlen)
{
    char path[COMPARE_NAME_LEN + 96];
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const json_t *o = rules[i].sub ? json_object_get(obj, rules[i].sub) : obj;
        snprintf(path, sizeof path, "%s.%s%s%s", where, rules[i].sub ? rules[i].sub : "",
                 rules[i].sub ? "." : "", rules[i].key);
        rc = check_number(r, json_object_get(o, rules[i].key), path, rules[i].kind, err, errlen);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(obj, "outcomes"), key, v)
    {
        if (rc)
            break;
        snprintf(path, sizeof path, "%s.outcomes.%s", where, key);
        rc = check_number(r, v, path, NUM_COUNT, err, errlen);
    }
    return rc;
}

#define N_RULES(a) (sizeof(a) / sizeof(a)[0])

/* Every number compare reads, checked before anything is compared: a
 * negative count made rows "no data" and the verdict "no regression". */
static int check_run(const struct compare_run *r, char *err, size_t errlen)
{
    char where[COMPARE_NAME_LEN + 48];
    const char *key;
    json_t *cell, *iv;
    size_t i;
    int rc = check_object(r, r->all, "totals.all", cell_rules, N_RULES(cell_rules), err, errlen);
    for (int k = 0; k < 2 && !rc; k++) {
        json_object_foreach(k ? r->by_node : r->by_request, key, cell)
        {
            snprintf(where, sizeof where, "totals.%s.%s", k ? "by_node" : "by_request", key);
            if ((rc = check_object(r, cell, where, cell_rules, N_RULES(cell_rules), err, errlen)))
                break;
        }
    }
    json_array_foreach(r->intervals, i, iv)
    {
        if (rc)
            break;
        snprintf(where, sizeof where, "intervals[%zu]", i);
        rc = check_object(r, iv, where, interval_rules, N_RULES(interval_rules), err, errlen);
        snprintf(where, sizeof where, "intervals[%zu].all", i);
        if (!rc)
            rc = check_object(r, json_object_get(iv, "all"), where, slice_rules,
                              N_RULES(slice_rules), err, errlen);
        for (int k = 0; k < 2 && !rc; k++) {
            json_object_foreach(json_object_get(iv, k ? "nodes" : "requests"), key, cell)
            {
                snprintf(where, sizeof where, "intervals[%zu].%s.%s", i, k ? "nodes" : "requests",
                         key);
                if ((rc = check_object(r, cell, where, slice_rules, N_RULES(slice_rules), err,
                                       errlen)))
                    break;
            }
        }
    }
    return rc;
}

int compare_read_run(struct compare_run *r, const char *path, const char *role, char *err,
                     size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->role = role;
    json_error_t jerr;
    r->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!r->root) {
        FILE *f = fopen(path, "r");
        if (!f)
            return fail(err, errlen, COMPARE_EIO,
                        "%s %s: cannot read: %s; give the path of a results.json written by "
                        "gatecap run (docs/ci.md shows how to keep a baseline)",
                        role, path, strerror(errno));
        fclose(f);
        return fail(err, errlen, COMPARE_EFORMAT,
                    "%s %s:%d:%d: not valid JSON: %s; the file is corrupt or cut short: restore "
                    "it or run again",
                    role, path, jerr.line, jerr.column, jerr.text);
    }
    const char *fmt = json_string_value(json_object_get(r->root, "format"));
    if (!fmt || strcmp(fmt, "gatecap-results") != 0)
        return fail(err, errlen, COMPARE_EFORMAT,
                    "%s %s: not a gatecap results.json (\"format\": \"gatecap-results\" is "
                    "missing); give the results.json a gatecap run wrote",
                    role, path);
    if (!(compare_read_num(r->root, "version") == 1))
        return fail(err, errlen, COMPARE_EFORMAT,
                    "%s %s: results version %g; this gatecap reads version 1: compare with the "
                    "gatecap that wrote it, or record the run again",
                    role, path, compare_read_num(r->root, "version"));
    json_t *scn = json_object_get(r->root, "scenario");
    json_t *run = json_object_get(r->root, "run");
    json_t *totals = json_object_get(r->root, "totals");
    r->scenario = json_string_value(json_object_get(scn, "name"));
    r->model = json_string_value(json_object_get(run, "model"));
    r->status = json_string_value(json_object_get(run, "status"));
    r->phases = json_object_get(json_object_get(scn, "load"), "phases");
    r->intervals = json_object_get(r->root, "intervals");
    r->all = json_object_get(totals, "all");
    r->by_request = json_object_get(totals, "by_request");
    r->by_node = json_object_get(totals, "by_node");
    r->interval_s = compare_read_num(scn, "interval_s");
    if (!(r->interval_s > 0))
        r->interval_s = 1;
    const char *missing = !r->scenario                     ? "scenario.name"
                          : !r->model                      ? "run.model"
                          : !json_is_array(r->phases)      ? "scenario.load.phases"
                          : !json_is_array(r->intervals)   ? "intervals"
                          : !json_is_object(totals)        ? "totals"
                          : !json_is_object(r->by_request) ? "totals.by_request"
                          : !json_is_object(r->by_node)    ? "totals.by_node"
                                                           : NULL;
    if (missing)
        return fail(err, errlen, COMPARE_EFORMAT,
                    "%s %s: results.json lacks %s; was it cut short or edited? Record the run "
                    "again",
                    role, path, missing);
    if (!json_is_object(r->all))
        return fail(err, errlen, COMPARE_EFORMAT,
                    "%s %s: no request completed in the recorded phases (totals.all is null): "
                    "nothing to compare; check the run's log",
                    role, path);
    if (r->status && !strcmp(r->status, "generator-limited"))
        return fail(err, errlen, COMPARE_EINCOMPATIBLE,
                    "%s %s: the run was generator-limited (gatecap could not keep its schedule): "
                    "its latencies and rates measure the load generator, not the gateway. Run "
                    "it again with more load-generator CPU (load.workers) or lower rates",
                    role, path);

    int bad = check_run(r, err, errlen);
    if (bad)
        return bad;
    size_t n = json_array_size(r->intervals);
    r->usable = calloc(n ? n : 1, sizeof *r->usable);
    if (!r->usable)
        return fail(err, errlen, COMPARE_ENOMEM, "out of memory");
    size_t i;
    json_t *iv;
    json_array_foreach(r->intervals, i, iv)
    {
        const char *ph = json_string_value(json_object_get(iv, "phase"));
        if (!ph || !recorded(r, ph) || !json_is_object(json_object_get(iv, "all")))
            continue;
        if (!(compare_read_num(iv, "length_s") >= COMPARE_WHOLE_INTERVAL * r->interval_s) ||
            !(compare_read_num(iv, "scheduled") > 0))
            continue;
        r->usable[r->n_usable++] = iv;
        if (json_is_object(json_object_get(iv, "requests")))
            r->has_request_slices = true;
    }
    return COMPARE_OK;
}
