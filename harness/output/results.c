/*
 * results.c — builds and writes results.json; see results.h and
 * docs/results.md for the schema.
 */
#include "output/results.h"

#include <errno.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/version.h"
#include "measure/hdr_codec.h"
#include "net/auth.h"
#include "net/xfer.h"
#include "run/engine.h"
#include "run/fdbudget.h"
#include "run/gate_eval.h"
#include "scenario/gate.h"
#include "scenario/scenario.h"

double results_ms(int64_t us)
{
    return (double)us / 1000.0;
}

const char *results_reason_name(int reason)
{
    static const char *const reasons[AUTH_REASONS] = {
        [AUTH_INITIAL] = "initial",
        [AUTH_AHEAD] = "ahead",
        [AUTH_AFTER_401] = "after_401",
        [AUTH_RETRY] = "retry",
    };
    return reason >= 0 && reason < AUTH_REASONS ? reasons[reason] : "?";
}

static json_t *hist_summary(const struct hdr_hist *h)
{
    return json_pack("{s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:I}", "count",
                     (json_int_t)hdr_count(h), "min", results_ms(hdr_min(h)), "mean",
                     hdr_mean(h) / 1000.0, "stddev", hdr_stddev(h) / 1000.0, "p50",
                     results_ms(hdr_value_at_percentile(h, 50)), "p90",
                     results_ms(hdr_value_at_percentile(h, 90)), "p99",
                     results_ms(hdr_value_at_percentile(h, 99)), "p99.9",
                     results_ms(hdr_value_at_percentile(h, 99.9)), "p99.99",
                     results_ms(hdr_value_at_percentile(h, 99.99)), "max", results_ms(hdr_max(h)),
                     "overflow", (json_int_t)h->overflow_count);
}

static json_t *hist_encoded(const struct hdr_hist *h)
{
    char *b64 = NULL;
    if (hdr_encode_base64(h, &b64))
        return json_null();
    json_t *s = json_string(b64);
    free(b64);
    return s;
}

void *results_hist_summary(const struct hdr_hist *h)
{
    return hist_summary(h);
}

void *results_hist_base64(const struct hdr_hist *h)
{
    return hist_encoded(h);
}

static json_t *outcomes_json(const int64_t *oc)
{
    json_t *o = json_object();
    for (int i = 0; i < OC_COUNT; i++)
        json_object_set_new(o, rec_outcome_name(i), json_integer(oc[i]));
    return o;
}

/* 429s by WSO2 throttling code: only the kinds seen. */
static json_t *throttled_by_json(const int64_t *by)
{
    json_t *o = json_object();
    for (int k = 0; o && k < REC_THROTTLE_KINDS; k++)
        if (by[k])
            json_object_set_new(o, rec_throttle_name(k), json_integer(by[k]));
    return o;
}

/* Error answers by WSO2 fault code: only the kinds seen; NULL without
 * any. */
static json_t *faults_by_json(const int64_t *by)
{
    json_t *o = NULL;
    for (int k = 0; k < REC_FAULT_KINDS; k++)
        if (by[k] && (o || (o = json_object())))
            json_object_set_new(o, rec_fault_name(k), json_integer(by[k]));
    return o;
}

static json_t *pct(int64_t part, int64_t whole)
{
    return json_real(whole ? 100.0 * (double)part / (double)whole : 0.0);
}

/* The token endpoint's series and each application's view of the run. */
static json_t *auth_json(const struct scenario *scn, const struct engine_result *r)
{
    const struct auth_stats *st = auth_pool_stats(r->auth);
    json_t *ep = json_pack("{s:s,s:I,s:I,s:o,s:o}", "url", scn->auth.token_url, "requests",
                           (json_int_t)st->requests, "failed", (json_int_t)st->failed, "outcomes",
                           outcomes_json(st->outcomes), "latency_ms", hist_summary(st->latency));
    json_t *by = json_object();
    for (int i = 0; i < AUTH_REASONS; i++)
        json_object_set_new(by, results_reason_name(i), json_integer(st->by_reason[i]));
    json_object_set_new(ep, "by_reason", by);
    json_object_set_new(ep, "by_grant",
                        json_pack("{s:I,s:I,s:I}", "primary",
                                  (json_int_t)st->by_grant[AUTH_GRANT_PRIMARY], "refresh_token",
                                  (json_int_t)st->by_grant[AUTH_GRANT_REFRESH], "refresh_refused",
                                  (json_int_t)st->by_grant[AUTH_GRANT_REFRESH_REFUSED]));
    json_object_set_new(ep, "histogram", hist_encoded(st->latency));
    json_t *apps = json_array(), *failing = json_array();
    const struct rec_set *tot = r->total;
    for (size_t i = 0; i < st->n_apps; i++) {
        const struct rec_app *a = i < tot->n_apps ? &tot->apps[i] : &(struct rec_app){0};
        const struct auth_app_stats *as = &st->apps[i];
        int64_t errors = 0;
        for (int k = 0; k < OC_COUNT; k++)
            if (rec_outcome_is_error(k))
                errors += a->outcomes[k];
        json_t *o = json_pack(
            "{s:s,s:I,s:o,s:I,s:o,s:I,s:o,s:I,s:I,s:f,s:f,s:I,s:I,s:I,s:f}", "name",
            scn->auth.apps[i].name, "count", (json_int_t)a->completed, "outcomes",
            outcomes_json(a->outcomes), "errors", (json_int_t)errors, "error_pct",
            pct(errors, a->completed), "throttled", (json_int_t)a->outcomes[OC_429],
            "throttled_pct", pct(a->outcomes[OC_429], a->completed), "unauthorized",
            (json_int_t)a->outcomes[OC_401], "rejected_after_refresh",
            (json_int_t)a->rejected_fresh, "latency_mean_ms",
            a->latency_count ? (double)a->latency_sum_us / (double)a->latency_count / 1000.0 : 0.0,
            "latency_max_ms", results_ms(a->latency_max_us), "tokens_fetched",
            (json_int_t)as->fetched, "token_failures", (json_int_t)as->failed,
            "refreshed_after_401", (json_int_t)as->refreshed_after_401, "token_lifetime_s",
            as->lifetime_s);
        json_object_set_new(o, "throttled_by", throttled_by_json(a->throttled_by));
        json_object_set_new(o, "token_error",
                            as->last_error[0] ? json_string(as->last_error) : json_null());
        json_array_append_new(apps, o);
        if (a->rejected_fresh)
            json_array_append_new(failing, json_string(scn->auth.apps[i].name));
    }
    json_t *o = json_object();
    json_object_set_new(o, "token_endpoint", ep);
    json_object_set_new(o, "applications", apps);
    json_object_set_new(o, "rejected_applications", failing);
    return o;
}

/* Summary of one cell (or a sum of cells) over `seconds` of load. */
static json_t *cell_json(const struct rec_cell *c, double seconds, bool with_hists)
{
    int64_t errors = 0;
    for (int i = 0; i < OC_COUNT; i++)
        if (rec_outcome_is_error(i))
            errors += c->outcomes[i];
    json_t *o = json_pack(
        "{s:I,s:f,s:o,s:I,s:I,s:I,s:f,s:f,s:I,s:I,s:I,s:I}", "count", (json_int_t)c->completed,
        "throughput_rps", seconds > 0 ? (double)c->completed / seconds : 0.0, "outcomes",
        outcomes_json(c->outcomes), "errors", (json_int_t)errors, "throttled",
        (json_int_t)c->outcomes[OC_429], "unexpected_status", (json_int_t)c->unexpected,
        "error_pct", c->completed ? 100.0 * (double)errors / (double)c->completed : 0.0,
        "throttled_pct",
        c->completed ? 100.0 * (double)c->outcomes[OC_429] / (double)c->completed : 0.0,
        "new_connections", (json_int_t)c->new_connections, "retried", (json_int_t)c->retried,
        "bytes_sent", (json_int_t)c->bytes_sent, "bytes_received", (json_int_t)c->bytes_received);
    if (c->outcomes[OC_429])
        json_object_set_new(o, "throttled_by", throttled_by_json(c->throttled_by));
    json_t *faults = faults_by_json(c->faults_by);
    if (faults)
        json_object_set_new(o, "faults_by", faults);
    if (c->retry_after)
        json_object_set_new(o, "retry_after",
                            json_pack("{s:I,s:I}", "count", (json_int_t)c->retry_after, "max_s",
                                      (json_int_t)c->retry_after_max_s));
    json_object_set_new(o, "latency_ms", hist_summary(c->latency));
    json_object_set_new(o, "service_ms", hist_summary(c->service));
    json_object_set_new(o, "connect_ms", hist_summary(c->connect));
    json_object_set_new(o, "tls_handshake_ms", hist_summary(c->tls));
    json_object_set_new(o, "ttfb_ms", hist_summary(c->ttfb));
    if (with_hists)
        json_object_set_new(o, "histograms",
                            json_pack("{s:o,s:o,s:o,s:o,s:o}", "latency", hist_encoded(c->latency),
                                      "service", hist_encoded(c->service), "connect",
                                      hist_encoded(c->connect), "tls_handshake",
                                      hist_encoded(c->tls), "ttfb", hist_encoded(c->ttfb)));
    return o;
}

/* Sum over the matching cells; NULL when nothing matched. */
/* The summary of the cells selected (SIZE_MAX: every one), or NULL when
 * they hold nothing, unless always (then an all-zero summary). */
static json_t *sum_json(const struct scenario *scn, const struct engine_result *r, size_t phase,
                        size_t request, size_t node, bool with_hists, bool always)
{
    struct rec_cell *sum = rec_cell_new();
    if (!sum)
        return NULL;
    rec_set_sum(r->total, r->n_nodes, phase, request, node, sum);
    json_t *o = NULL;
    if (sum->completed || always)
        o = cell_json(sum, engine_recorded_s(scn, r, phase), with_hists);
    rec_cell_free(sum);
    return o;
}

static bool of_workload(const struct scenario *scn, size_t p, const void *arg)
{
    return scn->phases[p].workload == *(const size_t *)arg;
}

/* Seconds of recorded load of workload w: the union of its phases' ran
 * parts (the run's without workloads). */
static double workload_s(const struct scenario *scn, const struct engine_result *r, size_t w)
{
    if (!scn->workloads_explicit)
        return engine_recorded_s(scn, r, SIZE_MAX);
    return engine_span_s(scn, r, of_workload, &w);
}

/* "workloads" (with `workloads:` only): each workload's settings, phases
 * and requests, its own totals over its recorded time, and its offered
 * and achieved rates (docs/results.md). */
static json_t *workloads_json(const struct scenario *scn, const struct engine_result *r)
{
    json_t *o = json_object();
    struct rec_cell *sum = rec_cell_new();
    for (size_t w = 0; o && sum && w < scn->n_workloads; w++) {
        const struct scn_workload *wl = &scn->workloads[w];
        rec_cell_reset(sum);
        for (size_t q = wl->first_request; q < wl->first_request + wl->n_requests; q++)
            rec_set_sum(r->total, r->n_nodes, SIZE_MAX, q, SIZE_MAX, sum);
        struct rec_health h = {0};
        json_t *phases = json_array(), *reqs = json_array();
        for (size_t p = wl->first_phase; p < wl->first_phase + wl->n_phases; p++) {
            json_array_append_new(phases, json_string(scn->phases[p].name));
            if (scn->phases[p].record)
                rec_health_add(&h, &r->total->by_phase[p]);
        }
        for (size_t q = wl->first_request; q < wl->first_request + wl->n_requests; q++)
            json_array_append_new(reqs, json_string(scn->requests[q].name));
        double seconds = workload_s(scn, r, w);
        json_t *one =
            json_pack("{s:i,s:s,s:i,s:f,s:o,s:o,s:I,s:I,s:f,s:f}", "index", (int)w, "model",
                      wl->model == SCN_OPEN ? "open" : "closed", "workers", wl->workers,
                      "recorded_s", seconds, "phases", phases, "requests", reqs, "scheduled",
                      (json_int_t)h.scheduled, "late", (json_int_t)h.late, "offered_rps",
                      seconds > 0 ? (double)h.scheduled / seconds : 0.0, "achieved_rps",
                      seconds > 0 ? (double)sum->completed / seconds : 0.0);
        if (one) {
            json_object_set_new(one, "totals", cell_json(sum, seconds, false));
            json_object_set_new(o, wl->name, one);
        }
    }
    rec_cell_free(sum);
    return o ? o : json_null();
}

static json_t *slice_json(const struct engine_slice *s)
{
    json_t *o = json_pack(
        "{s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f}", "completed", (json_int_t)s->completed, "errors",
        (json_int_t)s->errors, "throttled", (json_int_t)s->outcomes[OC_429], "p50_ms",
        results_ms(s->p50_us), "p90_ms", results_ms(s->p90_us), "p99_ms", results_ms(s->p99_us),
        "max_ms", results_ms(s->max_us), "service_p99_ms", results_ms(s->svc_p99_us));
    json_object_set_new(o, "outcomes", outcomes_json(s->outcomes));
    return o;
}

/* gatecap's health by the phase of each arrival (docs/results.md). */
static json_t *phase_health_json(const struct scenario *scn, const struct engine_result *r)
{
    json_t *o = json_object();
    for (size_t p = 0; p < scn->n_phases && p < r->total->n_phases; p++) {
        const struct rec_health *h = &r->total->by_phase[p];
        json_object_set_new(
            o, scn->phases[p].name,
            json_pack(
                "{s:I,s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:f,s:b}", "scheduled", (json_int_t)h->scheduled,
                "started", (json_int_t)h->started, "late", (json_int_t)h->late, "late_pct",
                h->scheduled ? 100.0 * (double)h->late / (double)h->scheduled : 0.0, "bound_waits",
                (json_int_t)h->bound_waits, "queue_drops", (json_int_t)h->queue_drops,
                "local_failures", (json_int_t)h->local_failures, "abandoned",
                (json_int_t)h->abandoned, "max_lag_ms", results_ms(h->max_lag_us), "delivered",
                !engine_phase_undelivered(scn, r, p)));
        json_object_set_new(json_object_get(o, scn->phases[p].name), "stream_waits",
                            json_integer(h->stream_waits));
    }
    return o;
}

static json_t *intervals_json(const struct scenario *scn, const struct engine_result *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_intervals; i++) {
        const struct engine_interval *iv = &r->intervals[i];
        json_t *o = json_pack(
            "{s:f,s:f,s:s,s:f,s:f,s:f,s:I,s:I,s:I,s:I,s:I,s:f,s:I}", "start_s", iv->start_s,
            "length_s", iv->length_s, "phase",
            iv->drain ? RESULTS_DRAIN_PHASE : scn->phases[iv->phase].name, "offered_rps",
            iv->offered_rps, "achieved_rps", iv->achieved_rps, "cpu_pct", iv->cpu_pct, "scheduled",
            (json_int_t)iv->health.scheduled, "started", (json_int_t)iv->health.started, "late",
            (json_int_t)iv->health.late, "bound_waits", (json_int_t)iv->health.bound_waits,
            "queue_drops", (json_int_t)iv->health.queue_drops, "max_lag_ms",
            results_ms(iv->health.max_lag_us), "inflight", (json_int_t)iv->health.inflight);
        json_object_set_new(o, "local_failures", json_integer(iv->health.local_failures));
        json_object_set_new(o, "stream_waits", json_integer(iv->health.stream_waits));
        if (iv->drain)
            json_object_set_new(o, "drain", json_true());
        json_object_set_new(o, "all", slice_json(&iv->all));
        json_t *nodes = json_object();
        for (size_t n = 0; n < iv->n_nodes; n++)
            if (iv->nodes[n].completed)
                json_object_set_new(nodes, r->node_names[n], slice_json(&iv->nodes[n]));
        json_object_set_new(o, "nodes", nodes);
        json_t *reqs = json_object();
        for (size_t q = 0; iv->requests && q < iv->n_requests; q++)
            if (iv->requests[q].completed)
                json_object_set_new(reqs, scn->requests[q].name, slice_json(&iv->requests[q]));
        json_object_set_new(o, "requests", reqs);
        if (iv->n_workloads) {
            json_t *wls = json_object();
            for (size_t w = 0; w < iv->n_workloads; w++) {
                json_t *sl = slice_json(&iv->workloads[w]);
                json_object_set_new(sl, "scheduled", json_integer(iv->workload_scheduled[w]));
                json_object_set_new(wls, scn->workloads[w].name, sl);
            }
            json_object_set_new(o, "workloads", wls);
        }
        json_array_append_new(a, o);
    }
    return a;
}

static const char *run_status(const struct engine_result *r)
{
    if (r->interrupted)
        return "interrupted";
    if (r->generator_limited)
        return "generator-limited";
    if (r->stopped_early)
        return "stopped";
    return "complete";
}

void *results_build(const struct scenario *scn, const struct engine_result *r)
{
    return results_build_echo(scn, r, scenario_to_json(scn));
}

void *results_build_echo(const struct scenario *scn, const struct engine_result *r, void *echo)
{
    curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    double planned = scenario_duration_s(scn);
    double cpu = r->cpu_user_s + r->cpu_sys_s;
    bool mixed = false;
    for (size_t w = 1; scn->workloads_explicit && w < scn->n_workloads; w++)
        mixed |= scn->workloads[w].model != scn->workloads[0].model;
    json_t *doc = json_pack("{s:s,s:i,s:{s:s,s:s,s:s,s:s},s:{s:i,s:i}}", "format", RESULTS_FORMAT,
                            "version", RESULTS_VERSION, "gatecap", "version", GATECAP_VERSION,
                            "transport", xfer_native(scn) ? "native" : "libcurl", "libcurl",
                            cv->version, "openssl", OpenSSL_version(OPENSSL_VERSION), "environment",
                            "cores", (int)sysconf(_SC_NPROCESSORS_ONLN), "workers", r->workers);
    if (!doc) {
        json_decref(echo);
        return NULL;
    }
    json_object_set_new(doc, "scenario", (json_t *)echo);
    json_object_set_new(
        doc, "run",
        json_pack("{s:s,s:f,s:f,s:f,s:s,s:s,s:b,s:b,s:b}", "status", run_status(r), "start_epoch_s",
                  r->start_epoch_s, "elapsed_s", r->elapsed_s, "planned_s", planned, "model",
                  mixed                    ? "mixed"
                  : scn->model == SCN_OPEN ? "open"
                                           : "closed",
                  "latency_definition",
                  mixed ? "per workload: completion - intended start for open-model workloads, "
                          "completion - send for closed-model ones (workloads.NAME.model)"
                  : scn->model == SCN_OPEN
                      ? "completion - intended start (open model, no coordinated omission)"
                      : "completion - send (closed model: latency is service time, not corrected "
                        "for coordinated omission)",
                  "interrupted", r->interrupted, "generator_limited", r->generator_limited,
                  "insecure_tls", scn->tls.insecure));
    json_object_set_new(json_object_get(doc, "run"), "stopped_early",
                        json_boolean(r->stopped_early));
    /* when arrivals ended, as engine_phase_ran_s counts each phase's time */
    json_object_set_new(
        json_object_get(doc, "run"), "arrivals_end_s",
        json_real(r->elapsed_s < r->schedule_end_s ? r->elapsed_s : r->schedule_end_s));
    json_object_set_new(
        doc, "generator",
        json_pack("{s:I,s:I,s:I,s:f,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f}", "scheduled",
                  (json_int_t)r->health.scheduled, "started", (json_int_t)r->health.started, "late",
                  (json_int_t)r->health.late, "late_pct", r->late_pct, "bound_waits",
                  (json_int_t)r->health.bound_waits, "queue_drops",
                  (json_int_t)r->health.queue_drops, "abandoned", (json_int_t)r->abandoned,
                  "max_lag_ms", results_ms(r->health.max_lag_us), "late_threshold_ms",
                  scn->late_threshold_ms, "late_tolerance_pct", scn->late_tolerance_pct,
                  "cpu_user_s", r->cpu_user_s, "cpu_sys_s", r->cpu_sys_s, "cpu_pct",
                  r->elapsed_s > 0 ? 100.0 * cpu / r->elapsed_s : 0.0));
    json_t *gen = json_object_get(doc, "generator");
    uint64_t fd_soft, fd_hard;
    fdbudget_limits(&fd_soft, &fd_hard);
    json_object_set_new(gen, "local_failures", json_integer(r->health.local_failures));
    json_object_set_new(gen, "stream_waits", json_integer(r->health.stream_waits));
    json_object_set_new(gen, "local_failure_example",
                        r->total->local_error[0] ? json_string(r->total->local_error)
                                                 : json_null());
    json_object_set_new(gen, "fd_limit",
                        fd_soft == UINT64_MAX ? json_null() : json_integer((json_int_t)fd_soft));
    json_object_set_new(gen, "by_phase", phase_health_json(scn, r));
    json_t *nodes = json_array();
    for (size_t n = 0; n < r->n_nodes; n++)
        json_array_append_new(nodes, json_string(r->node_names[n]));
    json_object_set_new(doc, "nodes", nodes);
    json_t *examples = json_object();
    for (int i = 0; i < OC_COUNT; i++)
        if (r->total->first_error[i][0])
            json_object_set_new(examples, rec_outcome_name(i),
                                json_string(r->total->first_error[i]));
    json_object_set_new(doc, "error_examples", examples);

    json_t *cells = json_array();
    for (size_t p = 0; p < scn->n_phases; p++)
        for (size_t q = 0; q < scn->n_requests; q++)
            for (size_t n = 0; n < r->n_nodes; n++) {
                const struct rec_cell *c = rec_cell_peek(r->total, p, q, n);
                if (!c || !c->completed)
                    continue;
                json_t *o = cell_json(c, engine_phase_ran_s(scn, r, p), true);
                json_object_set_new(o, "phase", json_string(scn->phases[p].name));
                json_object_set_new(o, "request", json_string(scn->requests[q].name));
                json_object_set_new(o, "node", json_string(r->node_names[n]));
                json_array_append_new(cells, o);
            }
    json_object_set_new(doc, "cells", cells);

    json_t *tot = json_object();
    /* always there: a run that recorded nothing has all-zero totals */
    json_t *all = sum_json(scn, r, SIZE_MAX, SIZE_MAX, SIZE_MAX, true, true);
    json_object_set_new(tot, "all", all ? all : json_null());
    json_t *by = json_object();
    for (size_t p = 0; p < scn->n_phases; p++) {
        json_t *o = sum_json(scn, r, p, SIZE_MAX, SIZE_MAX, false, false);
        if (o)
            json_object_set_new(by, scn->phases[p].name, o);
    }
    json_object_set_new(tot, "by_phase", by);
    by = json_object();
    for (size_t q = 0; q < scn->n_requests; q++) {
        json_t *o = sum_json(scn, r, SIZE_MAX, q, SIZE_MAX, false, false);
        if (o && scn->workloads_explicit) /* its rate over its workload's time */
            json_object_set_new(
                o, "throughput_rps",
                json_real(workload_s(scn, r, scn->requests[q].workload) > 0
                              ? (double)json_integer_value(json_object_get(o, "count")) /
                                    workload_s(scn, r, scn->requests[q].workload)
                              : 0.0));
        if (o)
            json_object_set_new(by, scn->requests[q].name, o);
    }
    json_object_set_new(tot, "by_request", by);
    by = json_object();
    for (size_t n = 0; n < r->n_nodes; n++) {
        json_t *o = sum_json(scn, r, SIZE_MAX, SIZE_MAX, n, false, false);
        if (o)
            json_object_set_new(by, r->node_names[n], o);
    }
    json_object_set_new(tot, "by_node", by);
    json_object_set_new(doc, "totals", tot);
    if (scn->workloads_explicit)
        json_object_set_new(doc, "workloads", workloads_json(scn, r));
    json_object_set_new(doc, "intervals", intervals_json(scn, r));
    if (scn->n_flows)
        json_object_set_new(doc, "flows", results_flows_json(scn, r));
    if (scn->n_check_names)
        json_object_set_new(doc, "checks", results_checks_json(scn, r));
    if (r->auth)
        json_object_set_new(doc, "auth", auth_json(scn, r));
    return doc;
}

int results_fprint(const void *doc, FILE *f)
{
    char *text = json_dumps((const json_t *)doc, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    size_t len = strlen(text);
    int rc = fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF && fflush(f) == 0 ? 0 : -1;
    free(text);
    return rc;
}

int results_write(const void *doc, const char *path)
{
    char *text = json_dumps((const json_t *)doc, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    if (!text)
        return -1;
    size_t len = strlen(text);
    text[len] = '\n'; /* replaces the terminator; written with its length */
    int rc = fs_write_atomic(path, text, len + 1);
    free(text);
    return rc;
}

int results_add_shard(void *doc, const struct results_shard_id *sh, const struct engine_result *r)
{
    const struct wallclock_state *c = &r->clock;
    json_t *clock = json_pack("{s:b,s:i,s:f,s:f,s:f}", "synchronised", c->synchronised, "state",
                              c->state, "maxerror_ms", c->maxerror_ms, "esterror_ms",
                              c->esterror_ms, "offset_ms", c->offset_ms);
    json_t *o = clock ? json_pack("{s:i,s:i,s:s,s:s?,s:s,s:s?,s:o,s:s,s:o,s:o}", "index", sh->index,
                                  "count", sh->count, "source", sh->source, "run_id",
                                  sh->run_id[0] ? sh->run_id : NULL, "scenario_digest", sh->digest,
                                  "start_at", sh->start_at, "start_at_epoch_s",
                                  sh->start_at ? json_real(sh->start_at_epoch_s) : json_null(),
                                  "host", sh->host, "release_offset_ms",
                                  r->start_at ? json_real(r->release_offset_ms) : json_null(),
                                  "clock", clock)
                      : NULL;
    if (!o) {
        json_decref(clock);
        return -1;
    }
    return json_object_set_new(doc, "shard", o) ? -1 : 0;
}

int results_add_gates(void *doc, const struct scenario *scn, const struct gate_verdict *v, size_t n,
                      const char *stop_reason)
{
    json_t *run = json_object_get(doc, "run");
    json_t *gates = json_array();
    int failed = 0;
    if (!run || !gates)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        const struct gate *g = &scn->gates[v[i].gate];
        json_t *o = json_pack("{s:s,s:s,s:s,s:f,s:s,s:s}", "gate", g->text, "scope",
                              gate_scope_name(g->scope), "op", gate_op_name(g->expr.op),
                              "threshold", g->expr.threshold, "unit", gate_unit(&g->expr),
                              "verdict", gate_outcome_name(v[i].outcome));
        if (!o || json_array_append_new(gates, o))
            goto fail;
        /* The metric as written: the expression up to its comparison. */
        size_t len = strcspn(g->text, "<>");
        while (len && (g->text[len - 1] == ' ' || g->text[len - 1] == '\t'))
            len--;
        const char *m = g->text + strspn(g->text, " \t");
        json_object_set_new(o, "metric", json_stringn(m, len - (size_t)(m - g->text)));
        if (g->scope != GATE_ALL)
            json_object_set_new(o, "name", json_string(v[i].name));
        json_object_set_new(o, "measured",
                            v[i].outcome == GATE_NO_DATA ? json_null() : json_real(v[i].measured));
        json_object_set_new(o, "abort_on_fail", json_boolean(g->abort_on_fail));
        if (v[i].outcome != GATE_PASS)
            failed++;
    }
    if (json_object_set_new(doc, "gates", gates) ||
        json_object_set_new(run, "gates_failed", json_integer(failed)))
        return -1;
    if (stop_reason && json_object_set_new(run, "stop_reason", json_string(stop_reason)))
        return -1;
    return 0;
fail:
    json_decref(gates);
    return -1;
}
