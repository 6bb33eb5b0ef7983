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
    json_t *oc = reader_maybe(d, o, where, "outcomes", JSON_OBJECT);
    reader_field(w, sizeof w, where, "outcomes");
    const char *key;
    json_t *v;
    json_object_foreach(oc, key, v)
    {
        double x = reader_num0(d, oc, w, key, K_COUNT); /* classes this gatecap lacks: checked */
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
    json_t *by = reader_maybe(d, o, where, key, JSON_OBJECT);
    reader_field(w, sizeof w, where, key);
    const char *k;
    json_t *v;
    json_object_foreach(by, k, v)
    {
        int i = other;
        for (int j = 0; j < n; j++)
            if (!strcmp(name(j), k))
                i = j;
        out[i] += reader_num0(d, by, w, k, K_COUNT);
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
    const json_t *s = reader_maybe(d, o, where, key, JSON_OBJECT);
    reader_field(w, sizeof w, where, key);
    l->count = reader_num(d, s, w, "count", K_COUNT);
    l->min = reader_num(d, s, w, "min", K_NONNEG);
    l->mean = reader_num(d, s, w, "mean", K_NONNEG);
    l->stddev = reader_num(d, s, w, "stddev", K_NONNEG);
    l->p50 = reader_num(d, s, w, "p50", K_NONNEG);
    l->p90 = reader_num(d, s, w, "p90", K_NONNEG);
    l->p99 = reader_num(d, s, w, "p99", K_NONNEG);
    l->p999 = reader_num(d, s, w, "p99.9", K_NONNEG);
    l->p9999 = reader_num(d, s, w, "p99.99", K_NONNEG);
    l->max = reader_num(d, s, w, "max", K_NONNEG);
    l->overflow = reader_num(d, s, w, "overflow", K_COUNT);
}

/* The base64 histogram at o[key] decoded into *h (a string is required
 * when the member is there; null: the writer could not encode it). */
void reader_histogram(struct reader *d, const json_t *o, const char *where, const char *key,
                      struct hdr_hist **h)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return;
    char f[320];
    reader_field(f, sizeof f, where, key);
    if (!json_is_string(v)) {
        reader_fail(d, RESULTS_EFORMAT, "%s is not a string; " DAMAGED, f);
        return;
    }
    int rc = hdr_decode_base64(json_string_value(v), json_string_length(v), h);
    if (rc == HDR_CODEC_ENOMEM)
        reader_nomem(d);
    else if (rc != HDR_CODEC_OK)
        reader_fail(d, RESULTS_EFORMAT, "%s: %s; " DAMAGED, f, hdr_codec_strerror(rc));
}

/* A CELL into c (a sum in totals when name is set, else one of "cells"). */
static void cell(struct reader *d, const json_t *o, const char *where, const char *name,
                 struct results_cell *c)
{
    c->name = name;
    c->phase = c->request = c->node = SIZE_MAX;
    if (!json_is_object(o) || !json_is_number(json_object_get(o, "count"))) {
        reader_fail(d, RESULTS_EFORMAT, "%s: not a CELL (an object with \"count\"); " DAMAGED,
                    where);
        return;
    }
    c->count = reader_num(d, o, where, "count", K_COUNT);
    c->throughput_rps = reader_num(d, o, where, "throughput_rps", K_NONNEG);
    c->errors = reader_num(d, o, where, "errors", K_COUNT);
    c->error_pct = reader_num(d, o, where, "error_pct", K_PCT);
    c->throttled = reader_num(d, o, where, "throttled", K_COUNT);
    c->throttled_pct = reader_num(d, o, where, "throttled_pct", K_PCT);
    c->unexpected = reader_num(d, o, where, "unexpected_status", K_COUNT);
    c->retried = reader_num(d, o, where, "retried", K_COUNT);
    c->new_connections = reader_num(d, o, where, "new_connections", K_COUNT);
    c->bytes_sent = reader_num(d, o, where, "bytes_sent", K_COUNT);
    c->bytes_received = reader_num(d, o, where, "bytes_received", K_COUNT);
    reader_outcomes(d, o, where, c->outcomes);
    reader_kinds(d, o, where, "throttled_by", rec_throttle_name, REC_THROTTLE_KINDS,
                 REC_THROTTLE_OTHER, c->throttled_by);
    c->has_faults_by = reader_kinds(d, o, where, "faults_by", rec_fault_name, REC_FAULT_KINDS,
                                    REC_FAULT_OTHER, c->faults_by);
    char w[320];
    const json_t *ra = reader_maybe(d, o, where, "retry_after", JSON_OBJECT);
    reader_field(w, sizeof w, where, "retry_after");
    c->retry_after = reader_num0(d, ra, w, "count", K_COUNT);
    c->retry_after_max_s = reader_num0(d, ra, w, "max_s", K_NONNEG);
    const json_t *h = reader_maybe(d, o, where, "histograms", JSON_OBJECT);
    reader_field(w, sizeof w, where, "histograms");
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
        reader_fail(d, RESULTS_EFORMAT, "%s.%s %s%s%s is not among %s; " DAMAGED, where, key,
                    name ? "'" : "(missing)", name ? name : "", name ? "'" : "", among);
    return i;
}

void reader_cells(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *a = reader_need(d, root, "", "cells", JSON_ARRAY);
    if (!a || !(r->cells = reader_array(d, json_array_size(a), sizeof *r->cells)))
        return;
    const char **phases = reader_array(d, r->n_phases, sizeof *phases);
    for (size_t i = 0; phases && i < r->n_phases; i++)
        phases[i] = r->phases[i].name;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        if (d->rc)
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

/* totals.by_*: a CELL per name. */
static void named_cells(struct reader *d, const json_t *totals, const char *key,
                        struct results_cell **out, size_t *n)
{
    json_t *by = reader_need(d, totals, "totals", key, JSON_OBJECT);
    if (!by || !(*out = reader_array(d, json_object_size(by), sizeof **out)))
        return;
    const char *name;
    json_t *c;
    json_object_foreach(by, name, c)
    {
        if (d->rc)
            break;
        char w[320];
        snprintf(w, sizeof w, "totals.%s.%s", key, name);
        cell(d, c, w, reader_keep(d, name), &(*out)[(*n)++]);
    }
}

void reader_totals(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *t = reader_need(d, root, "", "totals", JSON_OBJECT);
    if (!t)
        return;
    const json_t *all = json_object_get(t, "all");
    if (json_is_null(all)) {
        reader_fail(d, RESULTS_EFORMAT,
                    "no request completed in the recorded phases (totals.all is null): there is "
                    "nothing to read; check the run's log and record it again");
        return;
    }
    if (!reader_need(d, t, "totals", "all", JSON_OBJECT))
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
    h->scheduled = reader_num(d, o, where, "scheduled", K_COUNT);
    h->started = reader_num(d, o, where, "started", K_COUNT);
    h->late = reader_num(d, o, where, "late", K_COUNT);
    h->late_pct = reader_num(d, o, where, "late_pct", K_PCT);
    h->bound_waits = reader_num(d, o, where, "bound_waits", K_COUNT);
    h->queue_drops = reader_num(d, o, where, "queue_drops", K_COUNT);
    h->local_failures = reader_num(d, o, where, "local_failures", K_COUNT);
    h->abandoned = reader_num(d, o, where, "abandoned", K_COUNT);
    h->max_lag_ms = reader_num(d, o, where, "max_lag_ms", K_NONNEG);
    h->inflight = reader_num(d, o, where, "inflight", K_COUNT);
}

/* ---- intervals ---- */

static void slice(struct reader *d, const json_t *o, const char *where, struct results_slice *s)
{
    if (!o || json_is_null(o))
        return;
    if (!json_is_object(o)) {
        reader_fail(d, RESULTS_EFORMAT, "%s is not an object; " DAMAGED, where);
        return;
    }
    s->present = true;
    s->completed = reader_num(d, o, where, "completed", K_COUNT);
    s->errors = reader_num(d, o, where, "errors", K_COUNT);
    s->throttled = reader_num(d, o, where, "throttled", K_COUNT);
    s->p50_ms = reader_num(d, o, where, "p50_ms", K_NONNEG);
    s->p90_ms = reader_num(d, o, where, "p90_ms", K_NONNEG);
    s->p99_ms = reader_num(d, o, where, "p99_ms", K_NONNEG);
    s->max_ms = reader_num(d, o, where, "max_ms", K_NONNEG);
    s->service_p99_ms = reader_num(d, o, where, "service_p99_ms", K_NONNEG);
    reader_outcomes(d, o, where, s->outcomes);
}

/* An interval's "nodes" or "requests": slices by name into out (parallel
 * to names). */
static void slices(struct reader *d, const json_t *o, const char *where, const char *key,
                   const char *const *names, size_t n, const char *among,
                   struct results_slice **out)
{
    if (!(*out = reader_array(d, n, sizeof **out)))
        return;
    json_t *by = reader_maybe(d, o, where, key, JSON_OBJECT);
    const char *name;
    json_t *s;
    json_object_foreach(by, name, s)
    {
        char w[320];
        snprintf(w, sizeof w, "%s.%s.%s", where, key, name);
        size_t i = index_of(names, n, name);
        if (i == SIZE_MAX) {
            reader_fail(d, RESULTS_EFORMAT, "%s: not among %s; " DAMAGED, w, among);
            return;
        }
        slice(d, s, w, &(*out)[i]);
    }
}

void reader_intervals(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *a = reader_need(d, root, "", "intervals", JSON_ARRAY);
    if (!a || !(r->intervals = reader_array(d, json_array_size(a), sizeof *r->intervals)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        if (d->rc)
            return;
        char w[32];
        snprintf(w, sizeof w, "intervals[%zu]", i);
        struct results_interval *iv = &r->intervals[r->n_intervals++];
        iv->start_s = reader_num(d, o, w, "start_s", K_NONNEG);
        iv->length_s = reader_num(d, o, w, "length_s", K_NONNEG);
        if (!json_is_object(o) || isnan(iv->start_s) || isnan(iv->length_s)) {
            reader_fail(d, RESULTS_EFORMAT, "%s: start_s and length_s are required; " CUT, w);
            return;
        }
        const char *ph = json_string_value(json_object_get(o, "phase"));
        iv->drain =
            reader_flag(d, o, w, "drain", false) || (ph && !strcmp(ph, RESULTS_DRAIN_PHASE));
        iv->phase = iv->drain ? RESULTS_NO_PHASE : results_phase_index(r, ph);
        if (!iv->drain && iv->phase == RESULTS_NO_PHASE) {
            reader_fail(d, RESULTS_EFORMAT,
                        "%s.phase %s%s%s is not among scenario.load.phases; " DAMAGED, w,
                        ph ? "'" : "(missing)", ph ? ph : "", ph ? "'" : "");
            return;
        }
        iv->offered_rps = reader_num(d, o, w, "offered_rps", K_NONNEG);
        iv->achieved_rps = reader_num(d, o, w, "achieved_rps", K_NONNEG);
        iv->cpu_pct = reader_num(d, o, w, "cpu_pct", K_NONNEG);
        reader_health(d, o, w, &iv->health);
        char ws[48];
        snprintf(ws, sizeof ws, "%s.all", w);
        slice(d, json_object_get(o, "all"), ws, &iv->all);
        slices(d, o, w, "nodes", r->nodes, r->n_nodes, "\"nodes\"", &iv->nodes);
        iv->has_requests = json_is_object(json_object_get(o, "requests"));
        slices(d, o, w, "requests", r->requests, r->n_requests, "scenario.requests", &iv->requests);
    }
}
