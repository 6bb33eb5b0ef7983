/* tests/output/test_results_read.c — the one results.json reader
 * (harness/output/results_read.c): a run built with a real recorder is
 * written by results.c and read back equal (counts, outcome classes,
 * percentiles, histograms, phases, intervals, generator health, gates,
 * auth, environment); a newer format version is refused with a message
 * that names the file and both versions and says what to do; every other
 * refusal names the file and the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/version.h"
#include "measure/hdr_codec.h"
#include "net/auth.h"
#include "output/results.h"
#include "output/results_read.h"
#include "testresults.h"
#include "testutil.h"

static const char YAML[] = "name: roundtrip\n"
                           "description: a run read back\n"
                           "targets:\n"
                           "  - {url: 'http://127.0.0.1:8280', name: gw1}\n"
                           "  - {url: 'http://127.0.0.2:8280', name: gw2}\n"
                           "auth:\n"
                           "  token_url: 'http://127.0.0.9:9763/oauth2/token'\n"
                           "  applications:\n"
                           "    - {name: tpp-1, client_id: one, client_secret: x}\n"
                           "    - {name: tpp-2, client_id: two, client_secret: y}\n"
                           "requests:\n"
                           "  - {name: echo, path: /echo}\n"
                           "  - {name: slow, path: /slow, weight: 2}\n"
                           "load:\n"
                           "  workers: 1\n"
                           "  phases:\n"
                           "    - {name: warm, duration: 2s, rate: 10/s, record: false}\n"
                           "    - {name: steady, duration: 3s, rate: 100/s}\n"
                           "    - {name: ramp, duration: 3s, rate: 100/s..200/s}\n"
                           "gates:\n"
                           "  - p99 < 250ms\n"
                           "  - {gate: 'errors < 1%', node: '*'}\n"
                           "  - {gate: 'p50 < 1ms', phase: ramp}\n";

/* ---- the run ---- */

static struct scenario *g_scn;
static struct engine_result *g_run;
static char g_path[128];

/* What one interval of a recorded phase holds: echo on gw1 (fast, 2xx,
 * one new connection over TLS), echo on gw2 (5xx with a WSO2 fault
 * code), slow on gw1 (throttled, with Retry-After), slow on gw2
 * (refused: no latency). k varies the values from interval to interval. */
static void fill(struct rec_set *s, size_t p, int k)
{
    tr_scheduled(s, p, 100 + k);
    struct rec_cell *c = tr_record(s, p, 0, 0, 60 + k, 900 + 10 * k, 7, OC_2XX);
    hdr_record(c->connect, 300 + k);
    hdr_record(c->tls, 1200 + k);
    c->new_connections += 1;
    c->bytes_sent += 6000 + k;
    c->bytes_received += 9000 + k;
    c = tr_record(s, p, 0, 1, 20, 4000 + 100 * k, 50, OC_5XX);
    c->faults_by[rec_fault_kind("{\"fault\":{\"code\":101503}}", 25)] += 15;
    c->faults_by[REC_FAULT_NONE] += 5;
    c->unexpected += 20;
    c = tr_record(s, p, 1, 0, 10, 30000 + 1000 * k, 900, OC_429);
    c->throttled_by[REC_THROTTLE_OTHER] -= 7; /* 7 of the 10 by WSO2 code 900803 */
    c->throttled_by[3] += 7;
    c->retry_after += 10;
    c->retry_after_max_s = 2;
    c->retried += 1;
    tr_record(s, p, 1, 1, 5 + k, 0, 0, OC_REFUSED);
    tr_record(s, p, 1, 1, 1, 0, 0, OC_ABANDONED);
    s->by_phase[p].late += k;
    s->health.late += k;
    s->by_phase[p].max_lag_us = 1500 + k;
    s->health.max_lag_us = 1500 + k;
    s->by_phase[p].bound_waits += 2;
    s->health.bound_waits += 2;
    s->by_phase[p].stream_waits += 3 + k;
    s->health.stream_waits += 3 + k;
}

static int setup(void **state)
{
    if (test_dir_setup(state))
        return -1;
    const char *ov[] = {"load.workers=1"};
    char err[512];
    if (scenario_load_mem("rt.yaml", YAML, strlen(YAML), ov, 1, &g_scn, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    const char *nodes[] = {"gw1", "gw2"};
    struct engine_result *r = g_run = tr_run(g_scn, nodes, 2, 9);
    /* warm-up: 2 intervals, nothing recorded; steady and ramp: 3 each;
     * the drain after the planned 8 s */
    for (size_t i = 0; i < 8; i++) {
        struct rec_set *s = tr_set(g_scn);
        size_t p = i < 2 ? 0 : i < 5 ? 1 : 2;
        if (p)
            fill(s, p, (int)i);
        else
            tr_scheduled(s, 0, 10);
        tr_interval(g_scn, r, i, p, (double)i, 1.0, s);
        tr_add(r, s);
        rec_set_free(s);
    }
    struct rec_set *s = tr_set(g_scn);
    tr_record(s, 2, 0, 0, 3, 2000, 1, OC_2XX);
    tr_interval(g_scn, r, 8, 2, 8.0, 0.4, s);
    r->intervals[8].drain = true;
    tr_add(r, s);
    rec_set_free(s);
    r->elapsed_s = 8.4;
    r->abandoned = 6;
    r->late_pct = 100.0 * (double)r->health.late / (double)r->health.scheduled;
    r->total->by_phase[2].abandoned = 6;
    r->total->by_phase[2].queue_drops = 1; /* not delivered */
    r->health.queue_drops = 1;
    r->generator_limited = true;
    rec_note_error(r->total, OC_REFUSED, "Failed to connect to 127.0.0.2 port 8280");
    rec_note_answer(r->total, OC_5XX, 503, "gw2", "{\"fault\":{\"code\":101503}}", 25);
    rec_note_local(r->total, "node gw1: cannot open a socket: Too many open files");
    r->health.local_failures = 0;
    /* the token pool, as its thread leaves its statistics */
    assert_int_equal(auth_pool_new(g_scn, 1, &r->auth, err, sizeof err), 0);
    struct auth_stats *st = (struct auth_stats *)(uintptr_t)auth_pool_stats(r->auth);
    st->requests = 7;
    st->failed = 1;
    st->outcomes[OC_2XX] = 6;
    st->outcomes[OC_5XX] = 1;
    st->by_reason[AUTH_INITIAL] = 2;
    st->by_reason[AUTH_AHEAD] = 3;
    st->by_reason[AUTH_AFTER_401] = 1;
    st->by_reason[AUTH_RETRY] = 1;
    for (int i = 0; i < 6; i++)
        hdr_record(st->latency, 20000 + 3000 * i);
    st->apps[0] = (struct auth_app_stats){.fetched = 4, .lifetime_s = 3600};
    st->apps[1] = (struct auth_app_stats){.fetched = 2, .failed = 1, .refreshed_after_401 = 1};
    snprintf(st->apps[1].last_error, sizeof st->apps[1].last_error, "invalid_client");
    assert_int_equal(rec_set_apps(r->total, 2), 0);
    r->total->apps[0] = (struct rec_app){.completed = 300,
                                         .outcomes = {[OC_2XX] = 290, [OC_429] = 10},
                                         .throttled_by = {[3] = 10},
                                         .latency_count = 290,
                                         .latency_sum_us = 290 * 1500,
                                         .latency_max_us = 9000};
    r->total->apps[1] =
        (struct rec_app){.completed = 50, .outcomes = {[OC_401] = 50}, .rejected_fresh = 40};
    snprintf(g_path, sizeof g_path, "%s/results.json", test_dir);
    tr_write(g_scn, r, g_path);
    return 0;
}

static int teardown(void **state)
{
    tr_free(g_scn, g_run);
    return test_dir_teardown(state);
}

/* ---- checks ---- */

/* read is written as results_write writes it: a number with 10
 * significant digits (JSON_REAL_PRECISION(10)); integers exactly. NaN is
 * no number, so never. */
static void same(double read, double written, const char *what)
{
    char text[64];
    snprintf(text, sizeof text, "%.10g", written);
    if (!(read == strtod(text, NULL)))
        fail_msg("%s: read %.17g, written %.17g", what, read, written);
}

/* The histogram the model kept (hist) decodes to h's counts. */
static void same_hist(const char *hist, const struct hdr_hist *h, const char *what)
{
    if (!hist)
        fail_msg("%s: no histogram read", what);
    struct hdr_hist *read = NULL;
    assert_int_equal(results_hist(hist, &read), RESULTS_OK);
    assert_non_null(read);
    char *a = NULL, *b = NULL;
    assert_int_equal(hdr_encode_base64(read, &a), 0);
    assert_int_equal(hdr_encode_base64(h, &b), 0);
    if (strcmp(a, b) != 0)
        fail_msg("%s: the histogram read back differs", what);
    assert_int_equal(hdr_count(read), hdr_count(h));
    assert_int_equal(hdr_max(read), hdr_max(h));
    assert_int_equal(read->overflow_count, h->overflow_count);
    free(a);
    free(b);
    hdr_close(read);
}

static void same_lat(const struct results_lat *l, const struct hdr_hist *h, const char *what)
{
    same(l->count, (double)hdr_count(h), what);
    same(l->min, results_ms(hdr_min(h)), what);
    same(l->mean, hdr_mean(h) / 1000.0, what);
    same(l->p50, results_ms(hdr_value_at_percentile(h, 50)), what);
    same(l->p90, results_ms(hdr_value_at_percentile(h, 90)), what);
    same(l->p99, results_ms(hdr_value_at_percentile(h, 99)), what);
    same(l->p999, results_ms(hdr_value_at_percentile(h, 99.9)), what);
    same(l->p9999, results_ms(hdr_value_at_percentile(h, 99.99)), what);
    same(l->max, results_ms(hdr_max(h)), what);
    same(l->overflow, (double)h->overflow_count, what);
    same(results_lat_at(l, 99.9), l->p999, what);
    assert_true(isnan(results_lat_at(l, 95)));
}

/* A cell read against the recorder's cell c (summed or not) over
 * `seconds`; with its histograms when hists. */
static void same_cell(const struct results_cell *m, const struct rec_cell *c, double seconds,
                      bool hists, const char *what)
{
    same(m->count, (double)c->completed, what);
    int64_t errors = 0;
    for (int i = 0; i < OC_COUNT; i++) {
        same(m->outcomes[i], (double)c->outcomes[i], rec_outcome_name(i));
        errors += rec_outcome_is_error(i) ? c->outcomes[i] : 0;
    }
    same(m->errors, (double)errors, what);
    same(m->error_pct, c->completed ? 100.0 * (double)errors / (double)c->completed : 0, what);
    same(m->throttled, (double)c->outcomes[OC_429], what);
    same(m->throughput_rps, (double)c->completed / seconds, what);
    same(m->unexpected, (double)c->unexpected, what);
    same(m->retried, (double)c->retried, what);
    same(m->new_connections, (double)c->new_connections, what);
    same(m->bytes_sent, (double)c->bytes_sent, what);
    same(m->bytes_received, (double)c->bytes_received, what);
    for (int k = 0; k < REC_THROTTLE_KINDS; k++)
        same(m->throttled_by[k], c->outcomes[OC_429] ? (double)c->throttled_by[k] : 0,
             rec_throttle_name(k));
    for (int k = 0; k < REC_FAULT_KINDS; k++)
        same(m->faults_by[k], (double)c->faults_by[k], rec_fault_name(k));
    same(m->retry_after, (double)c->retry_after, what);
    same(m->retry_after_max_s, c->retry_after ? (double)c->retry_after_max_s : 0, what);
    const struct hdr_hist *h[RESULTS_N_SERIES] = {c->latency, c->service, c->connect, c->tls,
                                                  c->ttfb};
    for (int s = 0; s < RESULTS_N_SERIES; s++) {
        same_lat(results_cell_lat(m, (enum results_series)s), h[s], results_series_name(s));
        if (hists)
            same_hist(m->hists[s], h[s], results_series_name(s));
        else
            assert_null(m->hists[s]);
    }
}

static struct rec_cell *sum(size_t phase, size_t request, size_t node)
{
    struct rec_cell *c = rec_cell_new();
    assert_non_null(c);
    rec_set_sum(g_run->total, g_run->n_nodes, phase, request, node, c);
    return c;
}

static void same_slice(const struct results_slice *m, const struct engine_slice *e,
                       const char *what)
{
    assert_int_equal(m->present, true);
    same(m->completed, (double)e->completed, what);
    same(m->errors, (double)e->errors, what);
    same(m->throttled, (double)e->outcomes[OC_429], what);
    same(m->p50_ms, results_ms(e->p50_us), what);
    same(m->p90_ms, results_ms(e->p90_us), what);
    same(m->p99_ms, results_ms(e->p99_us), what);
    same(m->max_ms, results_ms(e->max_us), what);
    same(m->service_p99_ms, results_ms(e->svc_p99_us), what);
    for (int i = 0; i < OC_COUNT; i++)
        same(m->outcomes[i], (double)e->outcomes[i], rec_outcome_name(i));
}

static void same_health(const struct results_health *m, const struct rec_health *h,
                        const char *what)
{
    same(m->scheduled, (double)h->scheduled, what);
    same(m->started, (double)h->started, what);
    same(m->late, (double)h->late, what);
    same(m->bound_waits, (double)h->bound_waits, what);
    same(m->stream_waits, (double)h->stream_waits, what);
    same(m->queue_drops, (double)h->queue_drops, what);
    same(m->local_failures, (double)h->local_failures, what);
    same(m->max_lag_ms, results_ms(h->max_lag_us), what);
}

/* ---- tests ---- */

static void round_trip_run(void **state)
{
    (void)state;
    struct results *m = NULL;
    char err[512] = "";
    assert_int_equal(results_read(g_path, RESULTS_HISTS_ALL, &m, err, sizeof err), RESULTS_OK);
    const struct scenario *scn = g_scn;
    const struct engine_result *r = g_run;
    assert_string_equal(m->path, g_path);
    assert_int_equal(m->version, RESULTS_VERSION);
    assert_string_equal(m->gatecap_version, GATECAP_VERSION);
    assert_string_equal(m->transport, "native");
    assert_non_null(m->libcurl);
    assert_non_null(m->openssl);
    same(m->cores, (double)sysconf(_SC_NPROCESSORS_ONLN), "cores");
    same(m->workers, 1, "workers");
    /* the scenario */
    assert_string_equal(m->scenario, "roundtrip");
    assert_string_equal(m->description, "a run read back");
    assert_string_equal(m->scenario_file, "rt.yaml");
    assert_null(m->node_header);
    same(m->interval_s, 1, "interval_s");
    assert_int_equal(m->n_targets, 2);
    assert_string_equal(m->targets[1].name, "gw2");
    assert_string_equal(m->targets[1].url, "http://127.0.0.2:8280");
    assert_int_equal(m->n_overrides, 1);
    assert_string_equal(m->overrides[0], "load.workers=1");
    assert_int_equal(m->n_phases, scn->n_phases);
    for (size_t p = 0; p < scn->n_phases; p++) {
        const struct results_phase *ph = &m->phases[p];
        assert_string_equal(ph->name, scn->phases[p].name);
        same(ph->duration_s, scn->phases[p].duration_s, "duration_s");
        same(ph->rate_start, scn->phases[p].rate_start, "rate_start");
        same(ph->rate_end, scn->phases[p].rate_end, "rate_end");
        assert_true(isnan(ph->users));
        assert_int_equal(ph->record, scn->phases[p].record);
        assert_true(ph->has_health);
        same_health(&ph->health, &r->total->by_phase[p], ph->name);
        same(ph->health.abandoned, (double)r->total->by_phase[p].abandoned, "abandoned");
        assert_int_equal(ph->delivered, !engine_phase_undelivered(scn, r, p));
        assert_int_equal(results_phase_index(m, ph->name), p);
    }
    assert_true(m->phases[0].delivered && !m->phases[2].delivered);
    assert_int_equal(results_phase_index(m, "nope"), RESULTS_NO_PHASE);
    assert_int_equal(m->n_requests, 2);
    assert_string_equal(m->requests[1], "slow");
    /* the run */
    assert_string_equal(m->status, "generator-limited");
    assert_string_equal(m->model, "open");
    assert_non_null(strstr(m->latency_definition, "intended start"));
    assert_null(m->stop_reason);
    same(m->start_epoch_s, r->start_epoch_s, "start_epoch_s");
    same(m->elapsed_s, 8.4, "elapsed_s");
    same(m->planned_s, 8, "planned_s");
    same(m->arrivals_end_s, 8, "arrivals_end_s");
    assert_true(m->generator_limited && !m->interrupted && !m->stopped_early && !m->insecure_tls);
    /* the generator */
    same_health(&m->gen, &r->health, "generator");
    same(m->gen.abandoned, 6, "abandoned");
    same(m->gen.late_pct, r->late_pct, "late_pct");
    same(m->late_tolerance_pct, scn->late_tolerance_pct, "late_tolerance_pct");
    same(m->late_threshold_ms, scn->late_threshold_ms, "late_threshold_ms");
    same(m->cpu_user_s, 0.25, "cpu_user_s");
    same(m->cpu_pct, 100 * 0.375 / 8.4, "cpu_pct");
    assert_string_equal(m->local_failure_example,
                        "node gw1: cannot open a socket: Too many open files");
    /* nodes and examples, by the recorder's class names */
    assert_int_equal(m->n_nodes, 2);
    assert_string_equal(m->nodes[0], "gw1");
    for (int i = 0; i < OC_COUNT; i++)
        if (r->total->first_error[i][0])
            assert_string_equal(m->examples[i], r->total->first_error[i]);
        else
            assert_null(m->examples[i]);
    assert_non_null(m->examples[OC_5XX]);
    results_free(m);
}

static void round_trip_numbers(void **state)
{
    (void)state;
    struct results *m = NULL;
    char err[512] = "";
    assert_int_equal(results_read(g_path, RESULTS_HISTS_ALL, &m, err, sizeof err), RESULTS_OK);
    const struct scenario *scn = g_scn;
    const struct engine_result *r = g_run;
    /* every cell with data, with its histograms */
    size_t k = 0;
    for (size_t p = 0; p < scn->n_phases; p++)
        for (size_t q = 0; q < scn->n_requests; q++)
            for (size_t n = 0; n < r->n_nodes; n++) {
                const struct rec_cell *c = rec_cell_peek(r->total, p, q, n);
                if (!c || !c->completed)
                    continue;
                assert_true(k < m->n_cells);
                const struct results_cell *mc = &m->cells[k++];
                assert_null(mc->name);
                assert_int_equal(mc->phase, p);
                assert_int_equal(mc->request, q);
                assert_int_equal(mc->node, n);
                same_cell(mc, c, engine_phase_ran_s(scn, r, p), true, "cell");
            }
    assert_int_equal(m->n_cells, k);
    assert_int_equal(k, 8);
    /* totals: all (with histograms), by phase, request and node */
    struct rec_cell *c = sum(SIZE_MAX, SIZE_MAX, SIZE_MAX);
    assert_string_equal(m->all.name, "all");
    same_cell(&m->all, c, engine_recorded_s(scn, r, SIZE_MAX), true, "totals.all");
    rec_cell_free(c);
    assert_int_equal(m->n_by_phase, 2); /* the warm-up recorded nothing */
    for (size_t p = 1; p < scn->n_phases; p++) {
        c = sum(p, SIZE_MAX, SIZE_MAX);
        const struct results_cell *t = m->phases[p].total;
        assert_non_null(t);
        assert_ptr_equal(t, results_named(m->by_phase, m->n_by_phase, scn->phases[p].name));
        same_cell(t, c, engine_recorded_s(scn, r, p), false, "by_phase");
        rec_cell_free(c);
    }
    assert_null(m->phases[0].total);
    assert_int_equal(m->n_by_request, 2);
    for (size_t q = 0; q < scn->n_requests; q++) {
        c = sum(SIZE_MAX, q, SIZE_MAX);
        same_cell(results_named(m->by_request, m->n_by_request, scn->requests[q].name), c,
                  engine_recorded_s(scn, r, SIZE_MAX), false, "by_request");
        rec_cell_free(c);
    }
    assert_int_equal(m->n_by_node, 2);
    for (size_t n = 0; n < r->n_nodes; n++) {
        c = sum(SIZE_MAX, SIZE_MAX, n);
        same_cell(results_named(m->by_node, m->n_by_node, r->node_names[n]), c,
                  engine_recorded_s(scn, r, SIZE_MAX), false, "by_node");
        rec_cell_free(c);
    }
    assert_null(results_named(m->by_node, m->n_by_node, "gw3"));
    /* intervals */
    assert_int_equal(m->n_intervals, r->n_intervals);
    for (size_t i = 0; i < r->n_intervals; i++) {
        const struct engine_interval *e = &r->intervals[i];
        const struct results_interval *iv = &m->intervals[i];
        same(iv->start_s, e->start_s, "start_s");
        same(iv->length_s, e->length_s, "length_s");
        assert_int_equal(iv->drain, e->drain);
        assert_int_equal(iv->phase, e->drain ? RESULTS_NO_PHASE : e->phase);
        same(iv->offered_rps, e->offered_rps, "offered_rps");
        same(iv->achieved_rps, e->achieved_rps, "achieved_rps");
        same(iv->cpu_pct, e->cpu_pct, "cpu_pct");
        same_health(&iv->health, &e->health, "interval");
        same(iv->health.inflight, (double)e->health.inflight, "inflight");
        same_slice(&iv->all, &e->all, "all");
        for (size_t n = 0; n < r->n_nodes; n++)
            if (e->nodes[n].completed)
                same_slice(&iv->nodes[n], &e->nodes[n], "node");
            else
                assert_false(iv->nodes[n].present);
        assert_true(iv->has_requests);
        for (size_t q = 0; q < scn->n_requests; q++)
            if (e->requests[q].completed)
                same_slice(&iv->requests[q], &e->requests[q], "request");
            else
                assert_false(iv->requests[q].present);
    }
    results_free(m);
}

static void round_trip_gates_auth(void **state)
{
    (void)state;
    struct results *m = NULL;
    char err[512] = "";
    assert_int_equal(results_read(g_path, RESULTS_HIST(RESULTS_LATENCY), &m, err, sizeof err),
                     RESULTS_OK);
    /* only the latency histograms kept */
    assert_non_null(m->all.hists[RESULTS_LATENCY]);
    assert_null(m->all.hists[RESULTS_SERVICE]);
    /* gates, as gate_evaluate judged them */
    struct gate_verdict *v = NULL;
    size_t n = 0;
    assert_int_equal(gate_evaluate(g_scn, g_run, false, &v, &n), 0);
    assert_true(m->has_gates);
    assert_int_equal(m->n_gates, n);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        const struct gate *g = &g_scn->gates[v[i].gate];
        const struct results_gate *mg = &m->gates[i];
        assert_string_equal(mg->gate, g->text);
        assert_string_equal(mg->verdict, gate_outcome_name(v[i].outcome));
        assert_string_equal(mg->scope, gate_scope_name(g->scope));
        assert_string_equal(mg->op, "<");
        same(mg->threshold, g->expr.threshold, "threshold");
        if (v[i].outcome == GATE_NO_DATA)
            assert_true(isnan(mg->measured));
        else
            same(mg->measured, v[i].measured, "measured");
        if (g->scope == GATE_ALL)
            assert_null(mg->name);
        else
            assert_string_equal(mg->name, v[i].name);
        assert_false(mg->abort_on_fail);
        failed += v[i].outcome != GATE_PASS;
    }
    assert_int_equal(n, 4); /* p99; errors on gw1 and gw2; p50 in ramp */
    assert_string_equal(m->gates[1].metric, "errors");
    same(m->gates_failed, failed, "gates_failed");
    free(v);
    /* auth */
    const struct results_auth *a = m->auth;
    assert_non_null(a);
    const struct auth_stats *st = auth_pool_stats(g_run->auth);
    assert_string_equal(a->url, "http://127.0.0.9:9763/oauth2/token");
    same(a->requests, 7, "requests");
    same(a->failed, 1, "failed");
    for (int i = 0; i < OC_COUNT; i++)
        same(a->outcomes[i], (double)st->outcomes[i], rec_outcome_name(i));
    for (int i = 0; i < AUTH_REASONS; i++)
        same(a->by_reason[i], (double)st->by_reason[i], results_reason_name(i));
    same_lat(&a->latency, st->latency, "token endpoint");
    same_hist(a->hist, st->latency, "token endpoint");
    assert_int_equal(a->n_apps, 2);
    const struct results_app *a0 = &a->apps[0], *a1 = &a->apps[1];
    assert_string_equal(a0->name, "tpp-1");
    same(a0->count, 300, "count");
    same(a0->outcomes[OC_429], 10, "429");
    same(a0->throttled, 10, "throttled");
    same(a0->throttled_pct, 100.0 * 10 / 300, "throttled_pct");
    same(a0->throttled_by[3], 10, "throttled_by application");
    same(a0->latency_mean_ms, 1.5, "latency_mean_ms");
    same(a0->latency_max_ms, 9, "latency_max_ms");
    same(a0->tokens_fetched, 4, "tokens_fetched");
    same(a0->token_lifetime_s, 3600, "token_lifetime_s");
    assert_null(a0->token_error);
    same(a1->unauthorized, 50, "unauthorized");
    same(a1->errors, 50, "errors");
    same(a1->error_pct, 100, "error_pct");
    same(a1->rejected_after_refresh, 40, "rejected_after_refresh");
    same(a1->token_failures, 1, "token_failures");
    same(a1->refreshed_after_401, 1, "refreshed_after_401");
    assert_string_equal(a1->token_error, "invalid_client");
    assert_int_equal(a->n_rejected, 1);
    assert_string_equal(a->rejected[0], "tpp-2");
    results_free(m);

    static struct hdr_hist sentinel;
    struct hdr_hist *none = &sentinel; /* must be set to NULL */
    assert_int_equal(results_hist(NULL, &none), RESULTS_OK);
    assert_null(none);
    /* nothing kept when nothing is asked */
    assert_int_equal(results_read(g_path, RESULTS_HISTS_NONE, &m, err, sizeof err), RESULTS_OK);
    assert_null(m->all.hists[RESULTS_LATENCY]);
    assert_null(m->cells[0].hists[RESULTS_LATENCY]);
    assert_null(m->auth->hist);
    results_free(m);
}

/* ---- refusals ---- */

/* The written document, edited, saved as name; returns its path. */
static const char *variant(const char *name, void (*edit)(json_t *))
{
    static char path[160];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    json_error_t jerr;
    json_t *doc = json_load_file(g_path, 0, &jerr);
    assert_non_null(doc);
    edit(doc);
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
    json_decref(doc);
    return path;
}

static void refused(const char *path, unsigned hists, int code, const char *const *needles)
{
    static struct results sentinel;
    struct results *m = &sentinel; /* must be set to NULL */
    char err[600] = "";
    int rc = results_read(path, hists, &m, err, sizeof err);
    if (rc != code)
        fail_msg("%s: rc %d, want %d ('%s')", path, rc, code, err);
    assert_null(m);
    if (strncmp(err, path, strlen(path)) != 0)
        fail_msg("'%s' does not start with the file", err);
    for (size_t i = 0; needles[i]; i++)
        if (!strstr(err, needles[i]))
            fail_msg("'%s' lacks '%s'", err, needles[i]);
}

/* ---- flows and checks ---- */

static char *g_flow_hist; /* a duration histogram, base64 */

/* A "flows" and "checks" as results_flows.c writes them. */
static void add_flows(json_t *d)
{
    char *doc = NULL;
    assert_true(asprintf(&doc,
                         "{\"flows\": [{\"name\": \"pay\", \"weight\": 1, \"steps\": "
                         "[\"pay.a\", \"pay.b\"],"
                         " \"totals\": {\"started\": 10, \"completed\": 7, \"failed\": 2, "
                         "\"local\": 0, \"unfinished\": 1, \"completed_pct\": 77.77777778,"
                         " \"duration\": {\"count\": 7, \"p50\": 120.5, \"p99\": 300},"
                         " \"failed_by_step\": {\"pay.b\": 2}, \"failed_by_check\": "
                         "{\"pay.b.status\": 2}},"
                         " \"by_phase\": [{\"phase\": \"steady\", \"started\": 10, "
                         "\"completed\": 7, \"failed\": 2, \"local\": 0, \"unfinished\": 1,"
                         " \"completed_pct\": 77.77777778, \"duration_hist\": \"%s\"}]}],"
                         " \"checks\": [{\"name\": \"pay.b.status\", \"passed\": 7, "
                         "\"failed\": 2, \"passed_pct\": 77.77777778, \"example\": \"HTTP 500 "
                         "from gw1\"},"
                         " {\"name\": \"never\", \"passed\": 0, \"failed\": 0, "
                         "\"passed_pct\": null, \"example\": null}]}",
                         g_flow_hist) > 0);
    json_error_t je;
    json_t *add = json_loads(doc, 0, &je);
    free(doc);
    assert_non_null(add);
    json_object_update(d, add);
    json_decref(add);
}

static void bad_flow_phase(json_t *d)
{
    add_flows(d);
    json_t *ph = json_array_get(
        json_object_get(json_array_get(json_object_get(d, "flows"), 0), "by_phase"), 0);
    json_object_set_new(ph, "phase", json_string("nowhere"));
}

static void round_trip_flows(void **state)
{
    (void)state;
    struct hdr_hist *h = NULL;
    assert_int_equal(hdr_init_default(&h), 0);
    hdr_record_n(h, 120000, 7);
    assert_int_equal(hdr_encode_base64(h, &g_flow_hist), 0);
    const char *path = variant("flows.json", add_flows);
    struct results *m = NULL;
    char err[512] = "";
    assert_int_equal(results_read(path, RESULTS_HIST(RESULTS_LATENCY), &m, err, sizeof err),
                     RESULTS_OK);
    assert_int_equal(m->n_flows, 1);
    const struct results_flow *f = &m->flows[0];
    assert_string_equal(f->name, "pay");
    assert_int_equal(f->n_steps, 2);
    assert_string_equal(f->steps[1], "pay.b");
    same(f->totals.started, 10, "started");
    same(f->totals.completed, 7, "completed");
    same(f->totals.unfinished, 1, "unfinished");
    same(f->totals.duration.p50, 120.5, "p50");
    assert_int_equal(f->totals.n_failed_by_step, 1);
    assert_string_equal(f->totals.failed_by_step[0].name, "pay.b");
    same(f->totals.failed_by_step[0].count, 2, "failed_by_step");
    assert_string_equal(f->totals.failed_by_check[0].name, "pay.b.status");
    assert_int_equal(f->totals.phase, RESULTS_NO_PHASE);
    assert_int_equal(f->n_by_phase, 1);
    assert_int_equal(f->by_phase[0].phase, results_phase_index(m, "steady"));
    struct hdr_hist *back = NULL;
    assert_int_equal(results_hist(f->by_phase[0].hist, &back), RESULTS_OK);
    assert_non_null(back);
    assert_int_equal(hdr_count(back), 7);
    hdr_close(back);
    assert_int_equal(m->n_checks, 2);
    assert_string_equal(m->checks[0].example, "HTTP 500 from gw1");
    same(m->checks[0].failed, 2, "check failed");
    assert_true(isnan(m->checks[1].passed_pct));
    assert_null(m->checks[1].example);
    results_free(m);
    /* histograms not asked for are not kept */
    assert_int_equal(results_read(path, RESULTS_HISTS_NONE, &m, err, sizeof err), RESULTS_OK);
    assert_null(m->flows[0].by_phase[0].hist);
    results_free(m);
    const char *want[] = {"flows[0].by_phase[0].phase", "names no phase", NULL};
    refused(variant("flowphase.json", bad_flow_phase), RESULTS_HISTS_ALL, RESULTS_EFORMAT, want);
    hdr_close(h);
    free(g_flow_hist);
}

static void newer_version(json_t *d)
{
    json_object_set_new(d, "version", json_integer(RESULTS_VERSION + 1));
    json_object_set_new(json_object_get(d, "gatecap"), "version", json_string("9.9.9"));
}

static void newer_version_unknown_writer(json_t *d)
{
    json_object_set_new(d, "version", json_integer(RESULTS_VERSION + 1));
    json_object_del(d, "gatecap");
}

static void newer(void **state)
{
    (void)state;
    char found[64], reads[64], gc[64];
    snprintf(found, sizeof found, "results version %d", RESULTS_VERSION + 1);
    snprintf(reads, sizeof reads, "reads results version %d", RESULTS_VERSION);
    snprintf(gc, sizeof gc, "gatecap %s reads", GATECAP_VERSION);
    const char *want[] = {found,
                          "written by gatecap 9.9.9",
                          gc,
                          reads,
                          "Read it with the gatecap that wrote it or a newer one",
                          "or record the run again",
                          NULL};
    refused(variant("newer.json", newer_version), RESULTS_HISTS_ALL, RESULTS_EVERSION, want);
    const char *want2[] = {found, "written by gatecap of a later release", reads, NULL};
    refused(variant("newer2.json", newer_version_unknown_writer), RESULTS_HISTS_NONE,
            RESULTS_EVERSION, want2);
}

static void no_version(json_t *d)
{
    json_object_del(d, "version");
}
static void version_zero(json_t *d)
{
    json_object_set_new(d, "version", json_integer(0));
}
static void version_text(json_t *d)
{
    json_object_set_new(d, "version", json_string("1"));
}
static void other_format(json_t *d)
{
    json_object_set_new(d, "format", json_string("gatecap-plan"));
}
static void negative_count(json_t *d)
{
    json_object_set_new(json_object_get(json_object_get(d, "totals"), "all"), "count",
                        json_integer(-5));
}
static void node_count(json_t *d)
{
    json_t *n = json_object_get(json_object_get(json_object_get(d, "totals"), "by_node"), "gw1");
    json_object_set_new(json_object_get(n, "latency_ms"), "count", json_integer(-2));
}
static void big_pct(json_t *d)
{
    json_object_set_new(json_object_get(json_object_get(d, "totals"), "all"), "error_pct",
                        json_real(140));
}
static void text_length(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "intervals"), 4), "length_s",
                        json_string("1s"));
}
static void slice_count(json_t *d)
{
    json_t *iv = json_array_get(json_object_get(d, "intervals"), 3);
    json_object_set_new(json_object_get(json_object_get(iv, "nodes"), "gw2"), "completed",
                        json_integer(-7));
}
static void outcome_count(json_t *d)
{
    json_object_set_new(json_object_get(json_array_get(json_object_get(d, "cells"), 1), "outcomes"),
                        "5xx", json_integer(-1));
}
static void no_by_node(json_t *d)
{
    json_object_del(json_object_get(d, "totals"), "by_node");
}
static void all_null(json_t *d)
{
    json_object_set_new(json_object_get(d, "totals"), "all", json_null());
}
static void unknown_node(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "cells"), 2), "node", json_string("gw9"));
}
static void unknown_phase(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "intervals"), 5), "phase",
                        json_string("p9"));
}
static void unknown_interval_node(json_t *d)
{
    json_t *nodes = json_object_get(json_array_get(json_object_get(d, "intervals"), 3), "nodes");
    json_object_set(nodes, "gw9", json_object_get(nodes, "gw1"));
}
static void bad_hist(json_t *d)
{
    json_object_set_new(
        json_object_get(json_array_get(json_object_get(d, "cells"), 1), "histograms"), "latency",
        json_string("bm90IGEgaGlzdG9ncmFt"));
}
static void no_scenario_name(json_t *d)
{
    json_object_del(json_object_get(d, "scenario"), "name");
}
static void bad_cell(json_t *d)
{
    json_object_set_new(json_object_get(json_object_get(d, "totals"), "by_phase"), "p9",
                        json_string("x"));
}
static void bad_gates(json_t *d)
{
    json_object_set_new(d, "gates", json_string("p99 < 1s"));
}
static void gate_without_verdict(json_t *d)
{
    json_object_del(json_array_get(json_object_get(d, "gates"), 1), "verdict");
}
static void bad_auth(json_t *d)
{
    json_object_set_new(d, "auth", json_pack("{s:i}", "applications", 3));
}
static void no_start(json_t *d)
{
    json_object_del(json_array_get(json_object_get(d, "intervals"), 3), "start_s");
}

static void damaged(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        void (*edit)(json_t *);
        const char *say[3];
    } cases[] = {
        {"noversion.json", no_version, {"\"version\" is missing or not a whole number"}},
        {"v0.json", version_zero, {"\"version\" is missing or not a whole number"}},
        {"vtext.json", version_text, {"\"version\" is missing"}},
        {"plan.json",
         other_format,
         {"not a gatecap results.json", "give the results.json a gatecap run wrote"}},
        {"neg.json",
         negative_count,
         {"totals.all.count is -5: a count cannot be negative",
          "restore it or record the run again"}},
        {"neglat.json", node_count, {"totals.by_node.gw1.latency_ms.count is -2"}},
        {"pct.json", big_pct, {"totals.all.error_pct is 140: a percentage is 0 to 100"}},
        {"text.json", text_length, {"intervals[4].length_s is not a number"}},
        {"slice.json", slice_count, {"intervals[3].nodes.gw2.completed is -7"}},
        {"outcome.json", outcome_count, {"cells[1].outcomes.5xx is -1"}},
        {"cut.json", no_by_node, {"totals.by_node is missing or not an object", "cut short"}},
        {"null.json", all_null, {"no request completed", "totals.all is null"}},
        {"node.json", unknown_node, {"cells[2].node 'gw9' is not among \"nodes\""}},
        {"phase.json",
         unknown_phase,
         {"intervals[5].phase 'p9' is not among scenario.load.phases"}},
        {"ivnode.json", unknown_interval_node, {"intervals[3].nodes.gw9: not among \"nodes\""}},
        {"hist.json", bad_hist, {"cells[1].histograms.latency: "}},
        {"noname.json", no_scenario_name, {"scenario.name is missing"}},
        {"cell.json", bad_cell, {"totals.by_phase.p9: not a CELL"}},
        {"gates.json", bad_gates, {"\"gates\" is not an array"}},
        {"verdict.json", gate_without_verdict, {"gates[1]: \"gate\" and \"verdict\""}},
        {"auth.json", bad_auth, {"auth: expected an object"}},
        {"start.json", no_start, {"intervals[3]: start_s and length_s are required"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *want[4] = {cases[i].say[0], cases[i].say[1], cases[i].say[2], NULL};
        refused(variant(cases[i].name, cases[i].edit), RESULTS_HISTS_ALL, RESULTS_EFORMAT, want);
    }
    /* a damaged histogram matters only to a reader that decodes it */
    struct results *m = NULL;
    char err[512], path[160];
    snprintf(path, sizeof path, "%s/hist.json", test_dir);
    assert_int_equal(results_read(path, RESULTS_HIST(RESULTS_SERVICE), &m, err, sizeof err),
                     RESULTS_OK);
    results_free(m);
}

static void not_results(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/missing.json", test_dir);
    const char *missing[] = {"missing.json: cannot read: No such file", NULL};
    refused(path, RESULTS_HISTS_NONE, RESULTS_EIO, missing);
    test_put(path, sizeof path, "broken.json",
             "{\"format\": \"gatecap-results\",\n \"version\": 1,\n \"run\": }\n");
    const char *broken[] = {"broken.json:3:", "not valid JSON", NULL};
    refused(path, RESULTS_HISTS_NONE, RESULTS_EFORMAT, broken);
    test_put(path, sizeof path, "array.json", "[1, 2]\n");
    const char *array[] = {"array.json: not a gatecap results.json", NULL};
    refused(path, RESULTS_HISTS_NONE, RESULTS_EFORMAT, array);
    test_put(path, sizeof path, "dup.json", "{\"format\": \"gatecap-results\", \"format\": \"x\"}");
    const char *dup[] = {"dup.json:1:", "duplicate", NULL};
    refused(path, RESULTS_HISTS_NONE, RESULTS_EFORMAT, dup);
}

/* What a file of an older gatecap lacks reads as "not measured", or, for
 * outcome classes, as 0; a class this gatecap does not know is checked
 * and left out. */
static void old_new_members(json_t *d)
{
    json_object_del(json_object_get(d, "generator"), "by_phase");
    json_object_del(json_object_get(d, "generator"), "local_failures");
    json_object_del(json_object_get(d, "run"), "arrivals_end_s");
    json_t *oc = json_object_get(json_object_get(json_object_get(d, "totals"), "all"), "outcomes");
    json_object_del(oc, "abandoned");
    json_object_set_new(oc, "teapot", json_integer(4));
    size_t i;
    json_t *iv;
    json_array_foreach(json_object_get(d, "intervals"), i, iv) json_object_del(iv, "requests");
    json_object_set_new(json_array_get(json_object_get(d, "cells"), 1), "faults_by",
                        json_pack("{s:i,s:i}", "101503", 3, "999999", 2));
}

static void older_files(void **state)
{
    (void)state;
    struct results *m = NULL;
    char err[512] = "";
    assert_int_equal(
        results_read(variant("old.json", old_new_members), RESULTS_HISTS_NONE, &m, err, sizeof err),
        RESULTS_OK);
    for (size_t p = 0; p < m->n_phases; p++)
        assert_false(m->phases[p].has_health);
    assert_true(isnan(m->gen.local_failures));
    assert_true(isnan(m->arrivals_end_s));
    assert_true(m->all.outcomes[OC_ABANDONED] == 0);
    assert_true(m->all.outcomes[OC_2XX] > 0);
    for (size_t i = 0; i < m->n_intervals; i++) {
        assert_false(m->intervals[i].has_requests);
        assert_false(m->intervals[i].requests[0].present);
    }
    /* a fault code this gatecap does not list counts as "other" */
    int k = rec_fault_kind("{\"fault\":{\"code\":101503}}", 25);
    assert_true(m->cells[1].faults_by[k] == 3);
    assert_true(m->cells[1].faults_by[REC_FAULT_OTHER] == 2);
    assert_true(m->cells[1].has_faults_by);
    assert_false(m->cells[0].has_faults_by);
    results_free(m);
}

/* ---- workloads ---- */

static void bad_workload_model(json_t *d)
{
    json_object_set_new(json_object_get(json_object_get(d, "workloads"), "adm"), "model",
                        json_string("x"));
}

/* A run with `workloads:` writes each workload's totals and rates over
 * its own recorded time, and reads them back; the run's throughput counts
 * the time its workloads ran side by side once (4 s, not 2 + 2 + 3); a
 * workload's achieved rate is judged on its own part of each interval. */
static void round_trip_workloads(void **state)
{
    (void)state;
    struct scenario *scn = tr_scenario(
        "targets: [{url: 'http://127.0.0.1:8280', name: gw1}]\n"
        "workloads:\n"
        "  - name: api\n"
        "    load: {phases: [{name: p1, duration: 2s, rate: 10/s}, {name: p2, duration: 2s, "
        "rate: 20/s}]}\n"
        "    requests: [{name: a, path: /a}]\n"
        "  - name: adm\n"
        "    load: {model: closed, phases: [{name: u, duration: 3s, users: 2}]}\n"
        "    requests: [{name: b, path: /b}, {name: c, path: /c}]\n"
        "gates:\n"
        "  - {gate: 'requests >= 60', workload: api}\n"
        "  - {gate: 'throughput >= 4/s', workload: adm}\n"
        "  - 'throughput >= 18/s'\n"
        "  - {gate: 'achieved >= 99%', workload: api}\n");
    const char *nodes[] = {"gw1"};
    struct engine_result *r = tr_run(scn, nodes, 1, 4);
    for (size_t i = 0; i < 4; i++) {
        struct rec_set *s = tr_set(scn);
        size_t p = i < 2 ? 0 : 1;
        tr_scheduled(s, p, i < 2 ? 10 : 20);
        tr_record(s, p, 0, 0, i < 2 ? 10 : 20, 1000, 10, OC_2XX);
        if (i < 3) {
            tr_scheduled(s, 2, 8); /* (half of them unanswered: not api's concern) */
            tr_record(s, 2, 1, 0, 3, 5000, 100, OC_2XX);
            tr_record(s, 2, 2, 0, 1, 7000, 0, OC_5XX);
        }
        tr_interval(scn, r, i, p, (double)i, 1.0, s);
        tr_add(r, s);
        rec_set_free(s);
    }
    char path[sizeof g_path];
    snprintf(path, sizeof path, "%.100s/workloads.json", test_dir);
    tr_write(scn, r, path);
    struct results *m = NULL;
    char err[600];
    if (results_read(path, RESULTS_HISTS_NONE, &m, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(m->n_workloads, 2);
    const struct results_workload *api = &m->workloads[0], *adm = &m->workloads[1];
    assert_string_equal(api->name, "api");
    assert_string_equal(api->model, "open");
    assert_string_equal(adm->model, "closed");
    assert_string_equal(m->model, "mixed");
    assert_int_equal(api->n_phases, 2);
    assert_string_equal(api->phases[1], "p2");
    assert_int_equal(adm->n_requests, 2);
    assert_string_equal(adm->requests[1], "c");
    same(api->total.count, 60, "api count");
    same(api->recorded_s, 4, "api recorded_s");
    same(api->offered_rps, 15, "api offered");
    same(api->achieved_rps, 15, "api achieved");
    same(adm->total.count, 12, "adm count");
    same(adm->total.errors, 3, "adm errors");
    same(adm->recorded_s, 3, "adm recorded_s");
    same(adm->scheduled, 24, "adm scheduled");
    same(adm->achieved_rps, 4, "adm achieved");
    assert_true(fabs(adm->total.latency.max - 7.0) < 0.01); /* (the histogram's precision) */
    /* a request's rate is over its workload's time */
    same(results_named(m->by_request, m->n_by_request, "b")->throughput_rps, 3, "b rate");
    same(m->all.throughput_rps, 18, "run rate over 4 s");
    assert_int_equal(m->n_gates, 4);
    for (size_t g = 0; g < 4; g++)
        if (strcmp(m->gates[g].verdict, "pass"))
            fail_msg("gate %s: %s (measured %g)", m->gates[g].gate, m->gates[g].verdict,
                     m->gates[g].measured);
    assert_string_equal(m->gates[0].scope, "workload");
    same(m->gates[0].measured, 60, "api requests");
    /* achieved from api's own interval slices (the run's would be 72/84) */
    same(m->gates[3].measured, 100, "api achieved");
    results_free(m);
    /* the interval's per-workload slices */
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    assert_non_null(doc);
    json_t *iv = json_object_get(json_array_get(json_object_get(doc, "intervals"), 2), "workloads");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(iv, "api"), "scheduled")),
                     20);
    json_decref(doc);
    /* a damaged workload is refused, naming it */
    char *save = strdup(g_path);
    snprintf(g_path, sizeof g_path, "%s", path);
    refused(variant("bad-workload.json", bad_workload_model), RESULTS_HISTS_NONE, RESULTS_EFORMAT,
            (const char *const[]){"workloads.adm.model", NULL});
    snprintf(g_path, sizeof g_path, "%s", save);
    free(save);
    tr_free(scn, r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_run),
        cmocka_unit_test(round_trip_numbers),
        cmocka_unit_test(round_trip_gates_auth),
        cmocka_unit_test(round_trip_flows),
        cmocka_unit_test(newer),
        cmocka_unit_test(damaged),
        cmocka_unit_test(not_results),
        cmocka_unit_test(older_files),
        cmocka_unit_test(round_trip_workloads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
