/*
 * results_read.c — results.json into the model of results_read.h: the
 * file, its format and version, the run's facts (scenario, run, generator,
 * gates, auth), and the checked reading of members every part uses; the
 * numbers of cells, totals and intervals are results_read_cells.c's.
 */
#include "output/results_read.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/version.h"
#include "measure/hdr_codec.h"
#include "net/auth.h"
#include "output/results.h"
#include "output/results_read_int.h"

_Static_assert(AUTH_REASONS == sizeof(((struct results_auth *)0)->by_reason) / sizeof(double),
               "results_auth.by_reason holds one count per enum auth_reason");

/* ---- strings: copied into blocks the model owns ---- */

struct block {
    struct block *next;
    size_t used, cap;
    char data[];
};

/* Sets the error (the path, then the message) unless one is set. */
int reader_fail(struct reader *d, int code, const char *fmt, ...)
{
    if (d->rc)
        return d->rc;
    d->rc = code;
    if (d->err && d->errlen) {
        int n = snprintf(d->err, d->errlen, "%s: ", d->path);
        if (n >= 0 && (size_t)n < d->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

int reader_nomem(struct reader *d)
{
    return reader_fail(d, RESULTS_ENOMEM, "out of memory reading it");
}

/* A copy of s owned by the model; NULL for NULL or without memory. */
const char *reader_keep(struct reader *d, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    struct block *b = d->r->priv;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        struct block *nb = malloc(sizeof *nb + cap);
        if (!nb) {
            reader_nomem(d);
            return NULL;
        }
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        d->r->priv = b = nb;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    b->used += n;
    return p;
}

/* An array of n elements of size elem (at least one, zeroed). */
void *reader_array(struct reader *d, size_t n, size_t elem)
{
    void *p = calloc(n ? n : 1, elem);
    if (!p)
        reader_nomem(d);
    return p;
}

/* ---- members ---- */

/* "where.key", or "key" at the top. */
const char *reader_field(char *buf, size_t n, const char *where, const char *key)
{
    snprintf(buf, n, "%s%s%s", where, where[0] ? "." : "", key);
    return buf;
}

/* o[key] as a number of kind k; NaN when absent or null (not measured). */
double reader_num(struct reader *d, const json_t *o, const char *where, const char *key,
                  enum kind k)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NAN;
    char f[320];
    if (!json_is_number(v)) {
        reader_fail(d, RESULTS_EFORMAT, "%s is not a number; " DAMAGED,
                    reader_field(f, sizeof f, where, key));
        return NAN;
    }
    double x = json_number_value(v);
    const char *why = !isfinite(x)            ? "it is not a finite number"
                      : k == K_ANY            ? NULL
                      : x < 0 && k == K_COUNT ? "a count cannot be negative"
                      : x < 0                 ? "it cannot be negative"
                      : k == K_PCT && x > 100 ? "a percentage is 0 to 100"
                                              : NULL;
    if (!why)
        return x;
    reader_fail(d, RESULTS_EFORMAT, "%s is %g: %s; " DAMAGED, reader_field(f, sizeof f, where, key),
                x, why);
    return NAN;
}

/* As num, 0 when absent. */
double reader_num0(struct reader *d, const json_t *o, const char *where, const char *key,
                   enum kind k)
{
    double x = reader_num(d, o, where, key, k);
    return isnan(x) ? 0 : x;
}

/* o[key] as a string owned by the model; NULL when absent or null. */
const char *reader_str(struct reader *d, const json_t *o, const char *where, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    char f[320];
    if (!json_is_string(v)) {
        reader_fail(d, RESULTS_EFORMAT, "%s is not a string; " DAMAGED,
                    reader_field(f, sizeof f, where, key));
        return NULL;
    }
    return reader_keep(d, json_string_value(v));
}

/* o[key] as true or false; dflt when absent. */
bool reader_flag(struct reader *d, const json_t *o, const char *where, const char *key, bool dflt)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return dflt;
    if (json_is_boolean(v))
        return json_is_true(v);
    char f[320];
    reader_fail(d, RESULTS_EFORMAT, "%s is not true or false; " DAMAGED,
                reader_field(f, sizeof f, where, key));
    return dflt;
}

/* o[key], which must be there with type t. */
json_t *reader_need(struct reader *d, const json_t *o, const char *where, const char *key,
                    json_type t)
{
    json_t *v = json_object_get(o, key);
    if (v && json_typeof(v) == t)
        return v;
    char f[320];
    reader_fail(d, RESULTS_EFORMAT, "%s is missing or not %s; " CUT,
                reader_field(f, sizeof f, where, key),
                t == JSON_OBJECT  ? "an object"
                : t == JSON_ARRAY ? "an array"
                                  : "a string");
    return NULL;
}

/* o[key] when it is there: it must have type t. */
json_t *reader_maybe(struct reader *d, const json_t *o, const char *where, const char *key,
                     json_type t)
{
    json_t *v = json_object_get(o, key);
    return !v || json_is_null(v) ? NULL : reader_need(d, o, where, key, t);
}

/* ---- the run ---- */

static void reader_strings(struct reader *d, const json_t *a, const char *where, const char ***out,
                           size_t *n)
{
    if (!a || !(*out = reader_array(d, json_array_size(a), sizeof **out)))
        return;
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v)) {
            reader_fail(d, RESULTS_EFORMAT, "%s[%zu] is not a string; " DAMAGED, where, i);
            return;
        }
        (*out)[(*n)++] = reader_keep(d, json_string_value(v));
    }
}

static void phases(struct reader *d, const json_t *scn)
{
    struct results *r = d->r;
    const json_t *load = reader_need(d, scn, "scenario", "load", JSON_OBJECT);
    const json_t *a = load ? reader_need(d, load, "scenario.load", "phases", JSON_ARRAY) : NULL;
    if (!a || !(r->phases = reader_array(d, json_array_size(a), sizeof *r->phases)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[48];
        snprintf(w, sizeof w, "scenario.load.phases[%zu]", i);
        struct results_phase *ph = &r->phases[r->n_phases++];
        if (!json_is_string(json_object_get(o, "name"))) {
            reader_fail(d, RESULTS_EFORMAT, "%s.name is missing; " CUT, w);
            return;
        }
        ph->name = reader_str(d, o, w, "name");
        ph->duration_s = reader_num(d, o, w, "duration_s", K_NONNEG);
        ph->rate_start = reader_num(d, o, w, "rate_start_per_s", K_NONNEG);
        ph->rate_end = reader_num(d, o, w, "rate_end_per_s", K_NONNEG);
        ph->users = reader_num(d, o, w, "users", K_COUNT);
        ph->think_ms = reader_num(d, o, w, "think_ms", K_NONNEG);
        ph->record = reader_flag(d, o, w, "record", true);
        ph->delivered = true;
    }
}

static void scenario(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *scn = reader_need(d, root, "", "scenario", JSON_OBJECT);
    if (!scn || !reader_need(d, scn, "scenario", "name", JSON_STRING))
        return;
    r->scenario = reader_str(d, scn, "scenario", "name");
    r->description = reader_str(d, scn, "scenario", "description");
    r->scenario_file = reader_str(d, scn, "scenario", "file");
    r->node_header = reader_str(d, scn, "scenario", "node_header");
    r->interval_s = reader_num(d, scn, "scenario", "interval_s", K_NONNEG);
    if (!(r->interval_s > 0))
        r->interval_s = 1;
    const json_t *t = reader_maybe(d, scn, "scenario", "targets", JSON_ARRAY);
    if (t && (r->targets = reader_array(d, json_array_size(t), sizeof *r->targets))) {
        size_t i;
        const json_t *o;
        json_array_foreach(t, i, o)
        {
            char w[48];
            snprintf(w, sizeof w, "scenario.targets[%zu]", i);
            r->targets[r->n_targets++] =
                (struct results_target){reader_str(d, o, w, "name"), reader_str(d, o, w, "url")};
        }
    }
    reader_strings(d, reader_maybe(d, scn, "scenario", "overrides", JSON_ARRAY),
                   "scenario.overrides", &r->overrides, &r->n_overrides);
    phases(d, scn);
    const json_t *q = reader_need(d, scn, "scenario", "requests", JSON_ARRAY);
    if (q && (r->requests = reader_array(d, json_array_size(q), sizeof *r->requests))) {
        size_t i;
        const json_t *o;
        json_array_foreach(q, i, o)
        {
            char w[48];
            snprintf(w, sizeof w, "scenario.requests[%zu]", i);
            if (!json_is_string(json_object_get(o, "name"))) {
                reader_fail(d, RESULTS_EFORMAT, "%s.name is missing; " CUT, w);
                return;
            }
            r->requests[r->n_requests++] = reader_str(d, o, w, "name");
        }
    }
}

static void run(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *o = reader_need(d, root, "", "run", JSON_OBJECT);
    if (!o || !reader_need(d, o, "run", "status", JSON_STRING) ||
        !reader_need(d, o, "run", "model", JSON_STRING))
        return;
    r->status = reader_str(d, o, "run", "status");
    r->model = reader_str(d, o, "run", "model");
    r->latency_definition = reader_str(d, o, "run", "latency_definition");
    r->stop_reason = reader_str(d, o, "run", "stop_reason");
    r->start_epoch_s = reader_num(d, o, "run", "start_epoch_s", K_NONNEG);
    r->elapsed_s = reader_num(d, o, "run", "elapsed_s", K_NONNEG);
    r->planned_s = reader_num(d, o, "run", "planned_s", K_NONNEG);
    r->arrivals_end_s = reader_num(d, o, "run", "arrivals_end_s", K_NONNEG);
    r->interrupted = reader_flag(d, o, "run", "interrupted", false);
    r->generator_limited = reader_flag(d, o, "run", "generator_limited", false);
    r->stopped_early = reader_flag(d, o, "run", "stopped_early", false);
    r->insecure_tls = reader_flag(d, o, "run", "insecure_tls", false);
    r->gates_failed = reader_num(d, o, "run", "gates_failed", K_COUNT);
}

static void generator(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *g = reader_maybe(d, root, "", "generator", JSON_OBJECT);
    reader_health(d, g, "generator", &r->gen);
    r->late_threshold_ms = reader_num(d, g, "generator", "late_threshold_ms", K_NONNEG);
    r->late_tolerance_pct = reader_num(d, g, "generator", "late_tolerance_pct", K_PCT);
    r->cpu_user_s = reader_num(d, g, "generator", "cpu_user_s", K_NONNEG);
    r->cpu_sys_s = reader_num(d, g, "generator", "cpu_sys_s", K_NONNEG);
    r->cpu_pct = reader_num(d, g, "generator", "cpu_pct", K_NONNEG);
    r->fd_limit = reader_num(d, g, "generator", "fd_limit", K_COUNT);
    r->local_failure_example = reader_str(d, g, "generator", "local_failure_example");
    json_t *by = g ? reader_maybe(d, g, "generator", "by_phase", JSON_OBJECT) : NULL;
    const char *name;
    json_t *o;
    json_object_foreach(by, name, o)
    {
        char w[320];
        snprintf(w, sizeof w, "generator.by_phase.%s", name);
        size_t p = results_phase_index(r, name);
        if (p == RESULTS_NO_PHASE) {
            reader_fail(d, RESULTS_EFORMAT, "%s: no such phase in scenario.load.phases; " DAMAGED,
                        w);
            return;
        }
        if (!json_is_object(o)) {
            reader_fail(d, RESULTS_EFORMAT, "%s is not an object; " DAMAGED, w);
            return;
        }
        r->phases[p].has_health = true;
        reader_health(d, o, w, &r->phases[p].health);
        r->phases[p].delivered = reader_flag(d, o, w, "delivered", true);
    }
}

static void head(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *gc = reader_need(d, root, "", "gatecap", JSON_OBJECT);
    r->gatecap_version = reader_str(d, gc, "gatecap", "version");
    r->transport = reader_str(d, gc, "gatecap", "transport");
    r->libcurl = reader_str(d, gc, "gatecap", "libcurl");
    r->openssl = reader_str(d, gc, "gatecap", "openssl");
    const json_t *env = reader_maybe(d, root, "", "environment", JSON_OBJECT);
    r->cores = reader_num(d, env, "environment", "cores", K_COUNT);
    r->workers = reader_num(d, env, "environment", "workers", K_COUNT);
    reader_strings(d, reader_need(d, root, "", "nodes", JSON_ARRAY), "nodes", &r->nodes,
                   &r->n_nodes);
    json_t *ex = reader_maybe(d, root, "", "error_examples", JSON_OBJECT);
    const char *cls;
    json_t *v;
    json_object_foreach(ex, cls, v)
    {
        const char *msg = reader_str(d, ex, "error_examples", cls);
        int i = reader_outcome(cls);
        if (i >= 0)
            r->examples[i] = msg;
    }
}

/* ---- gates, auth ---- */

static void gates(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *a = json_object_get(root, "gates");
    if (!a)
        return;
    if (!json_is_array(a)) {
        reader_fail(d, RESULTS_EFORMAT, "\"gates\" is not an array; " DAMAGED);
        return;
    }
    r->has_gates = true;
    if (!(r->gates = reader_array(d, json_array_size(a), sizeof *r->gates)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[32];
        snprintf(w, sizeof w, "gates[%zu]", i);
        if (!json_is_string(json_object_get(o, "gate")) ||
            !json_is_string(json_object_get(o, "verdict"))) {
            reader_fail(d, RESULTS_EFORMAT, "%s: \"gate\" and \"verdict\" are required; " CUT, w);
            return;
        }
        struct results_gate *g = &r->gates[r->n_gates++];
        g->gate = reader_str(d, o, w, "gate");
        g->verdict = reader_str(d, o, w, "verdict");
        g->scope = reader_str(d, o, w, "scope");
        g->name = reader_str(d, o, w, "name");
        g->metric = reader_str(d, o, w, "metric");
        g->op = reader_str(d, o, w, "op");
        g->unit = reader_str(d, o, w, "unit");
        g->threshold = reader_num(d, o, w, "threshold", K_ANY);
        g->measured = reader_num(d, o, w, "measured", K_ANY);
        g->abort_on_fail = reader_flag(d, o, w, "abort_on_fail", false);
    }
}

static void app(struct reader *d, const json_t *o, const char *w, struct results_app *a)
{
    if (!json_is_string(json_object_get(o, "name"))) {
        reader_fail(d, RESULTS_EFORMAT, "%s.name is missing; " CUT, w);
        return;
    }
    a->name = reader_str(d, o, w, "name");
    a->count = reader_num(d, o, w, "count", K_COUNT);
    a->errors = reader_num(d, o, w, "errors", K_COUNT);
    a->error_pct = reader_num(d, o, w, "error_pct", K_PCT);
    a->throttled = reader_num(d, o, w, "throttled", K_COUNT);
    a->throttled_pct = reader_num(d, o, w, "throttled_pct", K_PCT);
    a->unauthorized = reader_num(d, o, w, "unauthorized", K_COUNT);
    a->rejected_after_refresh = reader_num(d, o, w, "rejected_after_refresh", K_COUNT);
    a->latency_mean_ms = reader_num(d, o, w, "latency_mean_ms", K_NONNEG);
    a->latency_max_ms = reader_num(d, o, w, "latency_max_ms", K_NONNEG);
    a->tokens_fetched = reader_num(d, o, w, "tokens_fetched", K_COUNT);
    a->token_failures = reader_num(d, o, w, "token_failures", K_COUNT);
    a->refreshed_after_401 = reader_num(d, o, w, "refreshed_after_401", K_COUNT);
    a->token_lifetime_s = reader_num(d, o, w, "token_lifetime_s", K_NONNEG);
    a->token_error = reader_str(d, o, w, "token_error");
    reader_outcomes(d, o, w, a->outcomes);
    reader_kinds(d, o, w, "throttled_by", rec_throttle_name, REC_THROTTLE_KINDS, REC_THROTTLE_OTHER,
                 a->throttled_by);
}

static void auth(struct reader *d, const json_t *root)
{
    const json_t *o = json_object_get(root, "auth");
    if (!o || json_is_null(o))
        return;
    const json_t *apps = json_object_get(o, "applications");
    const json_t *ep = json_object_get(o, "token_endpoint");
    if (!json_is_object(o) || !json_is_array(apps) || !json_is_object(ep)) {
        reader_fail(d, RESULTS_EFORMAT,
                    "auth: expected an object with applications and token_endpoint "
                    "(docs/results.md); " CUT);
        return;
    }
    struct results_auth *a = reader_array(d, 1, sizeof *a);
    if (!(d->r->auth = a))
        return;
    const char *w = "auth.token_endpoint";
    a->url = reader_str(d, ep, w, "url");
    a->requests = reader_num(d, ep, w, "requests", K_COUNT);
    a->failed = reader_num(d, ep, w, "failed", K_COUNT);
    reader_outcomes(d, ep, w, a->outcomes);
    const json_t *why = reader_maybe(d, ep, w, "by_reason", JSON_OBJECT);
    for (int i = 0; i < AUTH_REASONS; i++)
        a->by_reason[i] =
            reader_num0(d, why, "auth.token_endpoint.by_reason", results_reason_name(i), K_COUNT);
    reader_summary(d, ep, w, "latency_ms", &a->latency);
    if (d->hists & RESULTS_HIST(RESULTS_LATENCY))
        reader_histogram(d, ep, w, "histogram", &a->hist);
    if (!(a->apps = reader_array(d, json_array_size(apps), sizeof *a->apps)))
        return;
    size_t i;
    const json_t *v;
    json_array_foreach(apps, i, v)
    {
        char wa[48];
        snprintf(wa, sizeof wa, "auth.applications[%zu]", i);
        app(d, v, wa, &a->apps[a->n_apps++]);
    }
    reader_strings(d, reader_maybe(d, o, "auth", "rejected_applications", JSON_ARRAY),
                   "auth.rejected_applications", &a->rejected, &a->n_rejected);
}

/* ---- the file ---- */

/* Loads path as JSON; the error names file:line:column. */
static json_t *load(struct reader *d)
{
    json_error_t jerr;
    json_t *root = json_load_file(d->path, JSON_REJECT_DUPLICATES, &jerr);
    if (root)
        return root;
    FILE *f = fopen(d->path, "r");
    if (!f) {
        reader_fail(d, errno == ENOMEM ? RESULTS_ENOMEM : RESULTS_EIO, "cannot read: %s",
                    strerror(errno));
        return NULL;
    }
    fclose(f);
    d->rc = RESULTS_EFORMAT;
    snprintf(d->err, d->errlen,
             "%s:%d:%d: not valid JSON: %s; the file is corrupt or cut short: restore it or "
             "record the run again",
             d->path, jerr.line, jerr.column, jerr.text);
    return NULL;
}

/* The one format and version check. */
static void format(struct reader *d, const json_t *root)
{
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!json_is_object(root) || !fmt || strcmp(fmt, RESULTS_FORMAT) != 0) {
        reader_fail(d, RESULTS_EFORMAT,
                    "not a gatecap results.json (\"format\": \"" RESULTS_FORMAT "\" is missing); "
                    "give the results.json a gatecap run wrote");
        return;
    }
    const json_t *v = json_object_get(root, "version");
    json_int_t version = json_integer_value(v);
    if (!json_is_integer(v) || version < 1) {
        reader_fail(d, RESULTS_EFORMAT,
                    "\"version\" is missing or not a whole number from 1; " DAMAGED);
        return;
    }
    if (version > RESULTS_VERSION) {
        const char *by =
            json_string_value(json_object_get(json_object_get(root, "gatecap"), "version"));
        reader_fail(
            d, RESULTS_EVERSION,
            "results version %lld (written by gatecap %s) is newer than this gatecap reads: "
            "gatecap %s reads results version %d. Read it with the gatecap that wrote it or a "
            "newer one, or record the run again with this one",
            (long long)version, by ? by : "of a later release", GATECAP_VERSION, RESULTS_VERSION);
        return;
    }
    d->r->version = (int)version;
}

int results_read(const char *path, unsigned hists, struct results **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    struct reader d = {.path = path, .err = err, .errlen = errlen, .hists = hists};
    if (!(d.r = calloc(1, sizeof *d.r)))
        return reader_nomem(&d);
    d.r->path = path;
    json_t *root = load(&d);
    if (root)
        format(&d, root);
    /* in order: later parts name what earlier ones declared */
    void (*const parts[])(struct reader *, const json_t *) = {
        head, scenario, run, generator, reader_cells, reader_totals, reader_intervals, gates, auth};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !d.rc; i++)
        parts[i](&d, root);
    json_decref(root);
    if (d.rc) {
        results_free(d.r);
        return d.rc;
    }
    *out = d.r;
    return RESULTS_OK;
}

static void free_cells(struct results_cell *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < RESULTS_N_SERIES; s++)
            hdr_close(c[i].hists[s]);
    free(c);
}

void results_free(struct results *r)
{
    if (!r)
        return;
    free(r->targets);
    free(r->overrides);
    free(r->phases);
    free(r->requests);
    free(r->nodes);
    free_cells(r->cells, r->n_cells);
    for (int s = 0; s < RESULTS_N_SERIES; s++)
        hdr_close(r->all.hists[s]);
    free_cells(r->by_phase, r->n_by_phase);
    free_cells(r->by_request, r->n_by_request);
    free_cells(r->by_node, r->n_by_node);
    for (size_t i = 0; i < r->n_intervals; i++) {
        free(r->intervals[i].nodes);
        free(r->intervals[i].requests);
    }
    free(r->intervals);
    free(r->gates);
    if (r->auth) {
        hdr_close(r->auth->hist);
        free(r->auth->apps);
        free(r->auth->rejected);
        free(r->auth);
    }
    for (struct block *b = r->priv, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(r);
}
