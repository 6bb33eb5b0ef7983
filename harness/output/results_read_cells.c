/*
 * results_read_cells.c — the numbers of a results.json (cells, totals,
 * intervals) into the model; see results_read.h and results_read_int.h.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "measure/hdr_codec.h"
#include "output/results.h"
#include "output/results_read.h"
#include "output/results_read_int.h"

/* ---- outcome classes and kinds, by the recorder's names ---- */

int reader_outcome(const char *name)
{
    for (int i = 0; i < OC_COUNT; i++)
        if (!strcmp(rec_outcome_name(i), name))
            return i;
    return -1;
}

void reader_outcomes(struct reader *d, const json_t *o, const char *where, double *out)
{
    char w[320];
    json_t *oc = jsonread_maybe(&d->j, o, where, "outcomes", JSON_OBJECT);
    jsonread_field(w, sizeof w, where, "outcomes");
    const char *key;
    json_t *v;
    json_object_foreach(oc, key, v)
    {
        double x = jsonread_num0(&d->j, oc, w, key,
                                 JSONREAD_COUNT); /* classes this gatecap lacks: checked */
        int i = reader_outcome(key);
        if (i >= 0)
            out[i] = x;
    }
}

/* A count per kind ("throttled_by", "faults_by") into out[0..n); names
 * this gatecap does not know count as kind `other`. */
bool reader_kinds(struct reader *d, const json_t *o, const char *where, const char *key,
                  const char *(*name)(int), int n, int other, double *out)
{
    char w[320];
    json_t *by = jsonread_maybe(&d->j, o, where, key, JSON_OBJECT);
    jsonread_field(w, sizeof w, where, key);
    const char *k;
    json_t *v;
    json_object_foreach(by, k, v)
    {
        int i = other;
        for (int j = 0; j < n; j++)
            if (!strcmp(name(j), k))
                i = j;
        out[i] += jsonread_num0(&d->j, by, w, k, JSONREAD_COUNT);
    }
    return by != NULL;
}

/* ---- cells ---- */

static const char *const series_names[RESULTS_N_SERIES] = {"latency", "service", "connect",
                                                           "tls_handshake", "ttfb"};

const char *results_series_name(enum results_series s)
{
    return (unsigned)s < RESULTS_N_SERIES ? series_names[s] : "?";
}

static struct results_lat *lat_of(struct results_cell *c, enum results_series s)
{
    switch (s) {
    case RESULTS_LATENCY:
        return &c->latency;
    case RESULTS_SERVICE:
        return &c->service;
    case RESULTS_CONNECT:
        return &c->connect;
    case RESULTS_TLS_HANDSHAKE:
        return &c->tls_handshake;
    default:
        return &c->ttfb;
    }
}

const struct results_lat *results_cell_lat(const struct results_cell *c, enum results_series s)
{
    const struct results_lat *l[RESULTS_N_SERIES] = {&c->latency, &c->service, &c->connect,
                                                     &c->tls_handshake, &c->ttfb};
    return l[(unsigned)s < RESULTS_N_SERIES ? s : RESULTS_TTFB];
}

double results_lat_at(const struct results_lat *l, double percentile)
{
    return percentile == 50      ? l->p50
           : percentile == 90    ? l->p90
           : percentile == 99    ? l->p99
           : percentile == 99.9  ? l->p999
           : percentile == 99.99 ? l->p9999
                                 : NAN;
}

/* A latency summary (latency_ms, ...) at o[key]; all NaN when absent. */
void reader_summary(struct reader *d, const json_t *o, const char *where, const char *key,
                    struct results_lat *l)
{
    char w[320];
    const json_t *s = jsonread_maybe(&d->j, o, where, key, JSON_OBJECT);
    jsonread_field(w, sizeof w, where, key);
    l->count = jsonread_num(&d->j, s, w, "count", JSONREAD_COUNT);
    l->min = jsonread_num(&d->j, s, w, "min", JSONREAD_NONNEG);
    l->mean = jsonread_num(&d->j, s, w, "mean", JSONREAD_NONNEG);
    l->stddev = jsonread_num(&d->j, s, w, "stddev", JSONREAD_NONNEG);
    l->p50 = jsonread_num(&d->j, s, w, "p50", JSONREAD_NONNEG);
    l->p90 = jsonread_num(&d->j, s, w, "p90", JSONREAD_NONNEG);
    l->p99 = jsonread_num(&d->j, s, w, "p99", JSONREAD_NONNEG);
    l->p999 = jsonread_num(&d->j, s, w, "p99.9", JSONREAD_NONNEG);
    l->p9999 = jsonread_num(&d->j, s, w, "p99.99", JSONREAD_NONNEG);
    l->max = jsonread_num(&d->j, s, w, "max", JSONREAD_NONNEG);
    l->overflow = jsonread_num(&d->j, s, w, "overflow", JSONREAD_COUNT);
}

/* The base64 histogram at o[key] into *h, as written (a string is
 * required when the member is there; null: the writer could not encode
 * it), once it is known to decode. */
void reader_histogram(struct reader *d, const json_t *o, const char *where, const char *key,
                      const char **h)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return;
    char f[320];
    jsonread_field(f, sizeof f, where, key);
    if (!json_is_string(v)) {
        jsonread_damaged(&d->j, "%s is not a string", f);
        return;
    }
    struct hdr_hist *hist = NULL;
    int rc = hdr_decode_base64(json_string_value(v), json_string_length(v), &hist);
    hdr_close(hist);
    if (rc == HDR_CODEC_ENOMEM)
        jsonread_nomem(&d->j);
    else if (rc != HDR_CODEC_OK)
        jsonread_damaged(&d->j, "%s: %s", f, hdr_codec_strerror(rc));
    else
        *h = jsonread_keep(&d->j, json_string_value(v));
}

int results_hist(const char *hist, struct hdr_hist **out)
{
    *out = NULL;
    if (!hist)
        return RESULTS_OK;
    int rc = hdr_decode_base64(hist, strlen(hist), out);
    return rc == HDR_CODEC_OK ? RESULTS_OK : RESULTS_ENOMEM;
}

/* A CELL into c (a sum in totals when name is set, else one of "cells"). */
static void cell(struct reader *d, const json_t *o, const char *where, const char *name,
                 struct results_cell *c)
{
    c->name = name;
    c->phase = c->request = c->node = SIZE_MAX;
    if (!json_is_object(o) || !json_is_number(json_object_get(o, "count"))) {
        jsonread_damaged(&d->j, "%s: not a CELL (an object with \"count\")", where);
        return;
    }
    c->count = jsonread_num(&d->j, o, where, "count", JSONREAD_COUNT);
    c->throughput_rps = jsonread_num(&d->j, o, where, "throughput_rps", JSONREAD_NONNEG);
    c->errors = jsonread_num(&d->j, o, where, "errors", JSONREAD_COUNT);
    c->error_pct = jsonread_num(&d->j, o, where, "error_pct", JSONREAD_PCT);
    c->throttled = jsonread_num(&d->j, o, where, "throttled", JSONREAD_COUNT);
    c->throttled_pct = jsonread_num(&d->j, o, where, "throttled_pct", JSONREAD_PCT);
    c->unexpected = jsonread_num(&d->j, o, where, "unexpected_status", JSONREAD_COUNT);
    c->retried = jsonread_num(&d->j, o, where, "retried", JSONREAD_COUNT);
    c->new_connections = jsonread_num(&d->j, o, where, "new_connections", JSONREAD_COUNT);
    c->bytes_sent = jsonread_num(&d->j, o, where, "bytes_sent", JSONREAD_COUNT);
    c->bytes_received = jsonread_num(&d->j, o, where, "bytes_received", JSONREAD_COUNT);
    reader_outcomes(d, o, where, c->outcomes);
    reader_kinds(d, o, where, "throttled_by", rec_throttle_name, REC_THROTTLE_KINDS,
                 REC_THROTTLE_OTHER, c->throttled_by);
    c->has_faults_by = reader_kinds(d, o, where, "faults_by", rec_fault_name, REC_FAULT_KINDS,
                                    REC_FAULT_OTHER, c->faults_by);
    char w[320];
    const json_t *ra = jsonread_maybe(&d->j, o, where, "retry_after", JSON_OBJECT);
    jsonread_field(w, sizeof w, where, "retry_after");
    c->retry_after = jsonread_num0(&d->j, ra, w, "count", JSONREAD_COUNT);
    c->retry_after_max_s = jsonread_num0(&d->j, ra, w, "max_s", JSONREAD_NONNEG);
    const json_t *h = jsonread_maybe(&d->j, o, where, "histograms", JSON_OBJECT);
    jsonread_field(w, sizeof w, where, "histograms");
    for (int s = 0; s < RESULTS_N_SERIES; s++) {
        char key[32];
        snprintf(key, sizeof key, "%s_ms", series_names[s]);
        reader_summary(d, o, where, key, lat_of(c, (enum results_series)s));
        if (d->hists & RESULTS_HIST(s))
            reader_histogram(d, h, w, series_names[s], &c->hists[s]);
    }
}

/* A name among names[0..n), as an index; SIZE_MAX when not there. */
static size_t index_of(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (!strcmp(names[i], name))
            return i;
    return SIZE_MAX;
}

size_t results_phase_index(const struct results *r, const char *name)
{
    for (size_t i = 0; name && i < r->n_phases; i++)
        if (!strcmp(r->phases[i].name, name))
            return i;
    return RESULTS_NO_PHASE;
}

const struct results_cell *results_named(const struct results_cell *cells, size_t n,
                                         const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (cells[i].name && !strcmp(cells[i].name, name))
            return &cells[i];
    return NULL;
}

/* A cell's phase, request or node, by name, as an index. */
static size_t member(struct reader *d, const json_t *o, const char *where, const char *key,
                     const char *const *names, size_t n, const char *among)
{
    const char *name = json_string_value(json_object_get(o, key));
    size_t i = index_of(names, n, name);
    if (i == SIZE_MAX)
        jsonread_damaged(&d->j, "%s.%s %s%s%s is not among %s", where, key,
                         name ? "'" : "(missing)", name ? name : "", name ? "'" : "", among);
    return i;
}

void reader_cells(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *a = jsonread_need(&d->j, root, "", "cells", JSON_ARRAY);
    if (!a || !(r->cells = jsonread_array(&d->j, json_array_size(a), sizeof *r->cells)))
        return;
    const char **phases = jsonread_array(&d->j, r->n_phases, sizeof *phases);
    for (size_t i = 0; phases && i < r->n_phases; i++)
        phases[i] = r->phases[i].name;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        if (d->j.rc)
            break;
        char w[32];
        snprintf(w, sizeof w, "cells[%zu]", i);
        struct results_cell *c = &r->cells[r->n_cells++];
        cell(d, o, w, NULL, c);
        c->phase = member(d, o, w, "phase", phases, r->n_phases, "scenario.load.phases");
        c->request = member(d, o, w, "request", r->requests, r->n_requests, "scenario.requests");
        c->node = member(d, o, w, "node", r->nodes, r->n_nodes, "\"nodes\"");
    }
    free(phases);
}

void reader_cell(struct reader *d, const json_t *o, const char *where, const char *name,
                 struct results_cell *c)
{
    cell(d, o, where, name, c);
}

/* totals.by_*: a CELL per name. */
static void named_cells(struct reader *d, const json_t *totals, const char *key,
                        struct results_cell **out, size_t *n)
{
    json_t *by = jsonread_need(&d->j, totals, "totals", key, JSON_OBJECT);
    if (!by || !(*out = jsonread_array(&d->j, json_object_size(by), sizeof **out)))
        return;
    const char *name;
    json_t *c;
    json_object_foreach(by, name, c)
    {
        if (d->j.rc)
            break;
        char w[320];
        snprintf(w, sizeof w, "totals.%s.%s", key, name);
        cell(d, c, w, jsonread_keep(&d->j, name), &(*out)[(*n)++]);
    }
}

void reader_totals(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *t = jsonread_need(&d->j, root, "", "totals", JSON_OBJECT);
    if (!t)
        return;
    const json_t *all = json_object_get(t, "all");
    if (json_is_null(all)) {
        jsonread_fail(&d->j, JSONREAD_EFORMAT,
                      "no request completed in the recorded phases (totals.all is null): there is "
                      "nothing to read; check the run's log and record it again");
        return;
    }
    if (!jsonread_need(&d->j, t, "totals", "all", JSON_OBJECT))
        return;
    cell(d, all, "totals.all", "all", &r->all);
    named_cells(d, t, "by_phase", &r->by_phase, &r->n_by_phase);
    named_cells(d, t, "by_request", &r->by_request, &r->n_by_request);
    named_cells(d, t, "by_node", &r->by_node, &r->n_by_node);
    for (size_t i = 0; i < r->n_phases; i++)
        r->phases[i].total = results_named(r->by_phase, r->n_by_phase, r->phases[i].name);
}

void reader_health(struct reader *d, const json_t *o, const char *where, struct results_health *h)
{
    h->scheduled = jsonread_num(&d->j, o, where, "scheduled", JSONREAD_COUNT);
    h->started = jsonread_num(&d->j, o, where, "started", JSONREAD_COUNT);
    h->late = jsonread_num(&d->j, o, where, "late", JSONREAD_COUNT);
    h->late_pct = jsonread_num(&d->j, o, where, "late_pct", JSONREAD_PCT);
    h->bound_waits = jsonread_num(&d->j, o, where, "bound_waits", JSONREAD_COUNT);
    h->stream_waits = jsonread_num(&d->j, o, where, "stream_waits", JSONREAD_COUNT);
    h->queue_drops = jsonread_num(&d->j, o, where, "queue_drops", JSONREAD_COUNT);
    h->local_failures = jsonread_num(&d->j, o, where, "local_failures", JSONREAD_COUNT);
    h->abandoned = jsonread_num(&d->j, o, where, "abandoned", JSONREAD_COUNT);
    h->max_lag_ms = jsonread_num(&d->j, o, where, "max_lag_ms", JSONREAD_NONNEG);
    h->inflight = jsonread_num(&d->j, o, where, "inflight", JSONREAD_COUNT);
}

/* ---- intervals ---- */

static void slice(struct reader *d, const json_t *o, const char *where, struct results_slice *s)
{
    if (!o || json_is_null(o))
        return;
    if (!json_is_object(o)) {
        jsonread_damaged(&d->j, "%s is not an object", where);
        return;
    }
    s->present = true;
    s->completed = jsonread_num(&d->j, o, where, "completed", JSONREAD_COUNT);
    s->errors = jsonread_num(&d->j, o, where, "errors", JSONREAD_COUNT);
    s->throttled = jsonread_num(&d->j, o, where, "throttled", JSONREAD_COUNT);
    s->p50_ms = jsonread_num(&d->j, o, where, "p50_ms", JSONREAD_NONNEG);
    s->p90_ms = jsonread_num(&d->j, o, where, "p90_ms", JSONREAD_NONNEG);
    s->p99_ms = jsonread_num(&d->j, o, where, "p99_ms", JSONREAD_NONNEG);
    s->max_ms = jsonread_num(&d->j, o, where, "max_ms", JSONREAD_NONNEG);
    s->service_p99_ms = jsonread_num(&d->j, o, where, "service_p99_ms", JSONREAD_NONNEG);
    reader_outcomes(d, o, where, s->outcomes);
}

/* An interval's "nodes" or "requests": slices by name into out (parallel
 * to names). */
static void slices(struct reader *d, const json_t *o, const char *where, const char *key,
                   const char *const *names, size_t n, const char *among,
                   struct results_slice **out)
{
    if (!(*out = jsonread_array(&d->j, n, sizeof **out)))
        return;
    json_t *by = jsonread_maybe(&d->j, o, where, key, JSON_OBJECT);
    const char *name;
    json_t *s;
    json_object_foreach(by, name, s)
    {
        char w[320];
        snprintf(w, sizeof w, "%s.%s.%s", where, key, name);
        size_t i = index_of(names, n, name);
        if (i == SIZE_MAX) {
            jsonread_damaged(&d->j, "%s: not among %s", w, among);
            return;
        }
        slice(d, s, w, &(*out)[i]);
    }
}

void reader_intervals(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *a = jsonread_need(&d->j, root, "", "intervals", JSON_ARRAY);
    if (!a || !(r->intervals = jsonread_array(&d->j, json_array_size(a), sizeof *r->intervals)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        if (d->j.rc)
            return;
        char w[32];
        snprintf(w, sizeof w, "intervals[%zu]", i);
        struct results_interval *iv = &r->intervals[r->n_intervals++];
        iv->start_s = jsonread_num(&d->j, o, w, "start_s", JSONREAD_NONNEG);
        iv->length_s = jsonread_num(&d->j, o, w, "length_s", JSONREAD_NONNEG);
        if (!json_is_object(o) || isnan(iv->start_s) || isnan(iv->length_s)) {
            jsonread_cut(&d->j, "%s: start_s and length_s are required", w);
            return;
        }
        const char *ph = json_string_value(json_object_get(o, "phase"));
        iv->drain =
            jsonread_flag(&d->j, o, w, "drain", false) || (ph && !strcmp(ph, RESULTS_DRAIN_PHASE));
        iv->phase = iv->drain ? RESULTS_NO_PHASE : results_phase_index(r, ph);
        if (!iv->drain && iv->phase == RESULTS_NO_PHASE) {
            jsonread_damaged(&d->j, "%s.phase %s%s%s is not among scenario.load.phases", w,
                             ph ? "'" : "(missing)", ph ? ph : "", ph ? "'" : "");
            return;
        }
        iv->offered_rps = jsonread_num(&d->j, o, w, "offered_rps", JSONREAD_NONNEG);
        iv->achieved_rps = jsonread_num(&d->j, o, w, "achieved_rps", JSONREAD_NONNEG);
        iv->cpu_pct = jsonread_num(&d->j, o, w, "cpu_pct", JSONREAD_NONNEG);
        reader_health(d, o, w, &iv->health);
        char ws[48];
        snprintf(ws, sizeof ws, "%s.all", w);
        slice(d, json_object_get(o, "all"), ws, &iv->all);
        slices(d, o, w, "nodes", r->nodes, r->n_nodes, "\"nodes\"", &iv->nodes);
        iv->has_requests = json_is_object(json_object_get(o, "requests"));
        slices(d, o, w, "requests", r->requests, r->n_requests, "scenario.requests", &iv->requests);
    }
}

void reader_slices(struct reader *d, const json_t *o, const char *where, const char *key,
                   const char *const *names, size_t n, const char *among,
                   struct results_slice **out)
{
    slices(d, o, where, key, names, n, among, out);
}
