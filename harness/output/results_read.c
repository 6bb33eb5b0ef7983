/*
 * results_read.c — results.json into the model of results_read.h: the
 * file and its format and version (through jsonread.h), the run's facts
 * (scenario, run, generator, gates, auth); the numbers of cells, totals
 * and intervals are results_read_cells.c's.
 */
#include "output/results_read.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "net/auth.h"
#include "output/results.h"
#include "output/results_read_int.h"

_Static_assert((int)RESULTS_EIO == (int)JSONREAD_EIO &&
                   (int)RESULTS_EFORMAT == (int)JSONREAD_EFORMAT &&
                   (int)RESULTS_EVERSION == (int)JSONREAD_EVERSION &&
                   (int)RESULTS_ENOMEM == (int)JSONREAD_ENOMEM,
               "results_read returns jsonread's codes");
_Static_assert(AUTH_REASONS == sizeof(((struct results_auth *)0)->by_reason) / sizeof(double),
               "results_auth.by_reason holds one count per enum auth_reason");

/* ---- the run ---- */

static void phases(struct reader *d, const json_t *scn)
{
    struct results *r = d->r;
    const json_t *load = jsonread_need(&d->j, scn, "scenario", "load", JSON_OBJECT);
    const json_t *a =
        load ? jsonread_need(&d->j, load, "scenario.load", "phases", JSON_ARRAY) : NULL;
    if (!a || !(r->phases = jsonread_array(&d->j, json_array_size(a), sizeof *r->phases)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[48];
        snprintf(w, sizeof w, "scenario.load.phases[%zu]", i);
        struct results_phase *ph = &r->phases[r->n_phases++];
        if (!json_is_string(json_object_get(o, "name"))) {
            jsonread_cut(&d->j, "%s.name is missing", w);
            return;
        }
        ph->name = jsonread_str(&d->j, o, w, "name");
        ph->duration_s = jsonread_num(&d->j, o, w, "duration_s", JSONREAD_NONNEG);
        ph->rate_start = jsonread_num(&d->j, o, w, "rate_start_per_s", JSONREAD_NONNEG);
        ph->rate_end = jsonread_num(&d->j, o, w, "rate_end_per_s", JSONREAD_NONNEG);
        ph->users = jsonread_num(&d->j, o, w, "users", JSONREAD_COUNT);
        ph->think_ms = jsonread_num(&d->j, o, w, "think_ms", JSONREAD_NONNEG);
        ph->record = jsonread_flag(&d->j, o, w, "record", true);
        ph->workload = jsonread_str(&d->j, o, w, "workload");
        ph->start_s = jsonread_num(&d->j, o, w, "start_s", JSONREAD_NONNEG);
        ph->delivered = true;
    }
}

static void scenario(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *scn = jsonread_need(&d->j, root, "", "scenario", JSON_OBJECT);
    if (!scn || !jsonread_need(&d->j, scn, "scenario", "name", JSON_STRING))
        return;
    r->scenario = jsonread_str(&d->j, scn, "scenario", "name");
    r->description = jsonread_str(&d->j, scn, "scenario", "description");
    r->scenario_file = jsonread_str(&d->j, scn, "scenario", "file");
    r->node_header = jsonread_str(&d->j, scn, "scenario", "node_header");
    r->interval_s = jsonread_num(&d->j, scn, "scenario", "interval_s", JSONREAD_NONNEG);
    if (!(r->interval_s > 0))
        r->interval_s = 1;
    r->http = jsonread_str(&d->j, scn, "scenario", "http");
    const json_t *h2 = jsonread_maybe(&d->j, scn, "scenario", "http2", JSON_OBJECT);
    r->h2_max_streams =
        h2 ? jsonread_num(&d->j, h2, "scenario.http2", "max_streams", JSONREAD_COUNT) : NAN;
    r->h2_connections =
        h2 ? jsonread_num(&d->j, h2, "scenario.http2", "connections", JSONREAD_COUNT) : NAN;
    const json_t *tls = jsonread_maybe(&d->j, scn, "scenario", "tls", JSON_OBJECT);
    r->conn_policy = tls ? jsonread_str(&d->j, tls, "scenario.tls", "connections") : NULL;
    r->new_conn_fraction =
        tls ? jsonread_num(&d->j, tls, "scenario.tls", "new_connection_fraction", JSONREAD_NONNEG)
            : NAN;
    const json_t *t = jsonread_maybe(&d->j, scn, "scenario", "targets", JSON_ARRAY);
    if (t && (r->targets = jsonread_array(&d->j, json_array_size(t), sizeof *r->targets))) {
        size_t i;
        const json_t *o;
        json_array_foreach(t, i, o)
        {
            char w[48];
            snprintf(w, sizeof w, "scenario.targets[%zu]", i);
            r->targets[r->n_targets++] = (struct results_target){jsonread_str(&d->j, o, w, "name"),
                                                                 jsonread_str(&d->j, o, w, "url")};
        }
    }
    jsonread_strings(&d->j, jsonread_maybe(&d->j, scn, "scenario", "overrides", JSON_ARRAY),
                     "scenario.overrides", &r->overrides, &r->n_overrides);
    phases(d, scn);
    const json_t *q = jsonread_need(&d->j, scn, "scenario", "requests", JSON_ARRAY);
    if (q && (r->requests = jsonread_array(&d->j, json_array_size(q), sizeof *r->requests))) {
        size_t i;
        const json_t *o;
        json_array_foreach(q, i, o)
        {
            char w[48];
            snprintf(w, sizeof w, "scenario.requests[%zu]", i);
            if (!json_is_string(json_object_get(o, "name"))) {
                jsonread_cut(&d->j, "%s.name is missing", w);
                return;
            }
            r->requests[r->n_requests++] = jsonread_str(&d->j, o, w, "name");
        }
    }
}

static void run(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *o = jsonread_need(&d->j, root, "", "run", JSON_OBJECT);
    if (!o || !jsonread_need(&d->j, o, "run", "status", JSON_STRING) ||
        !jsonread_need(&d->j, o, "run", "model", JSON_STRING))
        return;
    r->status = jsonread_str(&d->j, o, "run", "status");
    r->model = jsonread_str(&d->j, o, "run", "model");
    r->latency_definition = jsonread_str(&d->j, o, "run", "latency_definition");
    r->stop_reason = jsonread_str(&d->j, o, "run", "stop_reason");
    r->start_epoch_s = jsonread_num(&d->j, o, "run", "start_epoch_s", JSONREAD_NONNEG);
    r->elapsed_s = jsonread_num(&d->j, o, "run", "elapsed_s", JSONREAD_NONNEG);
    r->planned_s = jsonread_num(&d->j, o, "run", "planned_s", JSONREAD_NONNEG);
    r->arrivals_end_s = jsonread_num(&d->j, o, "run", "arrivals_end_s", JSONREAD_NONNEG);
    r->interrupted = jsonread_flag(&d->j, o, "run", "interrupted", false);
    r->generator_limited = jsonread_flag(&d->j, o, "run", "generator_limited", false);
    r->stopped_early = jsonread_flag(&d->j, o, "run", "stopped_early", false);
    r->insecure_tls = jsonread_flag(&d->j, o, "run", "insecure_tls", false);
    r->gates_failed = jsonread_num(&d->j, o, "run", "gates_failed", JSONREAD_COUNT);
}

static void generator(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *g = jsonread_maybe(&d->j, root, "", "generator", JSON_OBJECT);
    reader_health(d, g, "generator", &r->gen);
    r->late_threshold_ms =
        jsonread_num(&d->j, g, "generator", "late_threshold_ms", JSONREAD_NONNEG);
    r->late_tolerance_pct = jsonread_num(&d->j, g, "generator", "late_tolerance_pct", JSONREAD_PCT);
    r->cpu_user_s = jsonread_num(&d->j, g, "generator", "cpu_user_s", JSONREAD_NONNEG);
    r->cpu_sys_s = jsonread_num(&d->j, g, "generator", "cpu_sys_s", JSONREAD_NONNEG);
    r->cpu_pct = jsonread_num(&d->j, g, "generator", "cpu_pct", JSONREAD_NONNEG);
    r->fd_limit = jsonread_num(&d->j, g, "generator", "fd_limit", JSONREAD_COUNT);
    r->local_failure_example = jsonread_str(&d->j, g, "generator", "local_failure_example");
    json_t *by = g ? jsonread_maybe(&d->j, g, "generator", "by_phase", JSON_OBJECT) : NULL;
    const char *name;
    json_t *o;
    json_object_foreach(by, name, o)
    {
        char w[320];
        snprintf(w, sizeof w, "generator.by_phase.%s", name);
        size_t p = results_phase_index(r, name);
        if (p == RESULTS_NO_PHASE) {
            jsonread_damaged(&d->j, "%s: no such phase in scenario.load.phases", w);
            return;
        }
        if (!json_is_object(o)) {
            jsonread_damaged(&d->j, "%s is not an object", w);
            return;
        }
        r->phases[p].has_health = true;
        reader_health(d, o, w, &r->phases[p].health);
        r->phases[p].delivered = jsonread_flag(&d->j, o, w, "delivered", true);
    }
}

static void head(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *gc = jsonread_need(&d->j, root, "", "gatecap", JSON_OBJECT);
    r->gatecap_version = jsonread_str(&d->j, gc, "gatecap", "version");
    r->transport = jsonread_str(&d->j, gc, "gatecap", "transport");
    r->libcurl = jsonread_str(&d->j, gc, "gatecap", "libcurl");
    r->openssl = jsonread_str(&d->j, gc, "gatecap", "openssl");
    const json_t *env = jsonread_maybe(&d->j, root, "", "environment", JSON_OBJECT);
    r->cores = jsonread_num(&d->j, env, "environment", "cores", JSONREAD_COUNT);
    r->workers = jsonread_num(&d->j, env, "environment", "workers", JSONREAD_COUNT);
    jsonread_strings(&d->j, jsonread_need(&d->j, root, "", "nodes", JSON_ARRAY), "nodes", &r->nodes,
                     &r->n_nodes);
    json_t *ex = jsonread_maybe(&d->j, root, "", "error_examples", JSON_OBJECT);
    const char *cls;
    json_t *v;
    json_object_foreach(ex, cls, v)
    {
        const char *msg = jsonread_str(&d->j, ex, "error_examples", cls);
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
        jsonread_damaged(&d->j, "\"gates\" is not an array");
        return;
    }
    r->has_gates = true;
    if (!(r->gates = jsonread_array(&d->j, json_array_size(a), sizeof *r->gates)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[32];
        snprintf(w, sizeof w, "gates[%zu]", i);
        if (!json_is_string(json_object_get(o, "gate")) ||
            !json_is_string(json_object_get(o, "verdict"))) {
            jsonread_cut(&d->j, "%s: \"gate\" and \"verdict\" are required", w);
            return;
        }
        struct results_gate *g = &r->gates[r->n_gates++];
        g->gate = jsonread_str(&d->j, o, w, "gate");
        g->verdict = jsonread_str(&d->j, o, w, "verdict");
        g->scope = jsonread_str(&d->j, o, w, "scope");
        g->name = jsonread_str(&d->j, o, w, "name");
        g->metric = jsonread_str(&d->j, o, w, "metric");
        g->op = jsonread_str(&d->j, o, w, "op");
        g->unit = jsonread_str(&d->j, o, w, "unit");
        g->threshold = jsonread_num(&d->j, o, w, "threshold", JSONREAD_ANY);
        g->measured = jsonread_num(&d->j, o, w, "measured", JSONREAD_ANY);
        g->abort_on_fail = jsonread_flag(&d->j, o, w, "abort_on_fail", false);
    }
}

static void app(struct reader *d, const json_t *o, const char *w, struct results_app *a)
{
    if (!json_is_string(json_object_get(o, "name"))) {
        jsonread_cut(&d->j, "%s.name is missing", w);
        return;
    }
    a->name = jsonread_str(&d->j, o, w, "name");
    a->count = jsonread_num(&d->j, o, w, "count", JSONREAD_COUNT);
    a->errors = jsonread_num(&d->j, o, w, "errors", JSONREAD_COUNT);
    a->error_pct = jsonread_num(&d->j, o, w, "error_pct", JSONREAD_PCT);
    a->throttled = jsonread_num(&d->j, o, w, "throttled", JSONREAD_COUNT);
    a->throttled_pct = jsonread_num(&d->j, o, w, "throttled_pct", JSONREAD_PCT);
    a->unauthorized = jsonread_num(&d->j, o, w, "unauthorized", JSONREAD_COUNT);
    a->rejected_after_refresh = jsonread_num(&d->j, o, w, "rejected_after_refresh", JSONREAD_COUNT);
    a->latency_mean_ms = jsonread_num(&d->j, o, w, "latency_mean_ms", JSONREAD_NONNEG);
    a->latency_max_ms = jsonread_num(&d->j, o, w, "latency_max_ms", JSONREAD_NONNEG);
    a->tokens_fetched = jsonread_num(&d->j, o, w, "tokens_fetched", JSONREAD_COUNT);
    a->token_failures = jsonread_num(&d->j, o, w, "token_failures", JSONREAD_COUNT);
    a->refreshed_after_401 = jsonread_num(&d->j, o, w, "refreshed_after_401", JSONREAD_COUNT);
    a->token_lifetime_s = jsonread_num(&d->j, o, w, "token_lifetime_s", JSONREAD_NONNEG);
    a->token_error = jsonread_str(&d->j, o, w, "token_error");
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
        jsonread_cut(&d->j, "auth: expected an object with applications and token_endpoint "
                            "(docs/results.md)");
        return;
    }
    struct results_auth *a = jsonread_array(&d->j, 1, sizeof *a);
    if (!(d->r->auth = a))
        return;
    const char *w = "auth.token_endpoint";
    a->url = jsonread_str(&d->j, ep, w, "url");
    a->requests = jsonread_num(&d->j, ep, w, "requests", JSONREAD_COUNT);
    a->failed = jsonread_num(&d->j, ep, w, "failed", JSONREAD_COUNT);
    reader_outcomes(d, ep, w, a->outcomes);
    const json_t *why = jsonread_maybe(&d->j, ep, w, "by_reason", JSON_OBJECT);
    for (int i = 0; i < AUTH_REASONS; i++)
        a->by_reason[i] = jsonread_num0(&d->j, why, "auth.token_endpoint.by_reason",
                                        results_reason_name(i), JSONREAD_COUNT);
    reader_summary(d, ep, w, "latency_ms", &a->latency);
    if (d->hists & RESULTS_HIST(RESULTS_LATENCY))
        reader_histogram(d, ep, w, "histogram", &a->hist);
    if (!(a->apps = jsonread_array(&d->j, json_array_size(apps), sizeof *a->apps)))
        return;
    size_t i;
    const json_t *v;
    json_array_foreach(apps, i, v)
    {
        char wa[48];
        snprintf(wa, sizeof wa, "auth.applications[%zu]", i);
        app(d, v, wa, &a->apps[a->n_apps++]);
    }
    jsonread_strings(&d->j, jsonread_maybe(&d->j, o, "auth", "rejected_applications", JSON_ARRAY),
                     "auth.rejected_applications", &a->rejected, &a->n_rejected);
}

/* ---- the file ---- */

int results_read(const char *path, unsigned hists, struct results **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    struct reader d = {
        .j = {.path = path, .err = err, .errlen = errlen, .redo = "record the run again"},
        .hists = hists};
    if (!(d.r = calloc(1, sizeof *d.r)))
        return jsonread_nomem(&d.j);
    d.r->path = path;
    json_t *root = jsonread_load(&d.j);
    if (root)
        d.r->version = jsonread_version(&d.j, root, RESULTS_FORMAT, RESULTS_VERSION, "results.json",
                                        "results", "give the results.json a gatecap run wrote");
    /* in order: later parts name what earlier ones declared */
    void (*const parts[])(struct reader *, const json_t *) = {
        head,         scenario,         reader_scenario_extra, run,   generator,
        reader_cells, reader_totals,    reader_intervals,      gates, auth,
        reader_shard, reader_workloads, reader_flows};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !d.j.rc; i++)
        parts[i](&d, root);
    json_decref(root);
    d.r->priv = d.j.strings;
    if (d.j.rc) {
        results_free(d.r);
        return d.j.rc;
    }
    *out = d.r;
    return RESULTS_OK;
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
    free(r->cells);
    free(r->by_phase);
    free(r->by_request);
    free(r->by_node);
    for (size_t i = 0; i < r->n_workloads; i++) {
        free(r->workloads[i].phases);
        free(r->workloads[i].requests);
    }
    free(r->workloads);
    for (size_t i = 0; i < r->n_intervals; i++) {
        free(r->intervals[i].nodes);
        free(r->intervals[i].requests);
        free(r->intervals[i].workloads);
    }
    free(r->intervals);
    free(r->gates);
    free(r->scn_gates);
    free(r->shards);
    reader_flows_free(r);
    if (r->auth) {
        free(r->auth->apps);
        free(r->auth->rejected);
        free(r->auth);
    }
    jsonread_strings_free(r->priv);
    free(r);
}
