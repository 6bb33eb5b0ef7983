/* tests/testresults.h — results.json fixtures made by the writer
 * (output/results.c) from a run built by hand, the way the engine builds
 * one: a scenario loaded from YAML text, recorder sets filled with real
 * histogram values, interval slices computed from the interval's set by
 * engine_slice_of, the sets added into the run's totals. The readers'
 * tests read what `gatecap run` would have written, not JSON typed by
 * hand. Static inline, as tests/testutil.h; include after <cmocka.h>.
 *
 * tr_plan_save writes a plan.json the same way, from analysis/plan.c's
 * plan_to_json.
 *
 * A typical fixture:
 *
 *   struct scenario *scn = tr_scenario(YAML);
 *   struct engine_result *r = tr_run(scn, nodes, 2, 10);
 *   for (size_t i = 0; i < 10; i++) {
 *       struct rec_set *s = tr_set(scn);
 *       tr_scheduled(s, 1, 100);
 *       tr_record(s, 1, 0, 0, 100, 20000, 10, OC_2XX);   // 100 answers of 20 ms..
 *       tr_interval(scn, r, i, 1, 2.0 + i, 1.0, s);       // slices from s
 *       tr_add(r, s);                                     // ... and into the totals
 *       rec_set_free(s);
 *   }
 *   tr_write(scn, r, path);
 *   tr_free(scn, r);
 */
#ifndef GATECAP_TESTRESULTS_H
#define GATECAP_TESTRESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "measure/hdr.h"
#include "measure/recorder.h"
#include "output/results.h"
#include "run/engine.h"
#include "run/gate_eval.h"
#include "scenario/scenario.h"

/* The scenario of yaml (as a file tr.yaml would hold it; asserts it
 * loads). Owned: scenario_free (tr_free does it). */
static inline struct scenario *tr_scenario(const char *yaml)
{
    struct scenario *scn = NULL;
    char err[1024] = "";
    if (scenario_load_mem("tr.yaml", yaml, strlen(yaml), NULL, 0, &scn, err, sizeof err))
        fail_msg("the fixture's scenario does not load: %s", err);
    return scn;
}

/* An empty run of scn over nodes[0..n_nodes) with n_intervals zeroed
 * intervals (tr_interval fills them): it ran as planned, from a start
 * time fixed so that reports are the same bytes every time. Owned:
 * tr_free. */
static inline struct engine_result *tr_run(const struct scenario *scn, const char *const *nodes,
                                           size_t n_nodes, size_t n_intervals)
{
    struct engine_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    assert_int_equal(rec_set_new(scn->n_phases, scn->n_requests, &r->total), 0);
    r->node_names = calloc(REC_MAX_NODES, REC_NODE_NAME_LEN);
    assert_non_null(r->node_names);
    for (size_t n = 0; n < n_nodes; n++)
        snprintf(r->node_names[n], REC_NODE_NAME_LEN, "%s", nodes[n]);
    r->n_nodes = r->total->n_nodes = n_nodes;
    r->intervals = calloc(n_intervals ? n_intervals : 1, sizeof *r->intervals);
    assert_non_null(r->intervals);
    r->n_intervals = n_intervals;
    r->elapsed_s = r->schedule_end_s = scenario_duration_s(scn);
    r->start_epoch_s = 1795440412.5;
    r->workers = 1;
    r->cpu_user_s = 0.25;
    r->cpu_sys_s = 0.125;
    return r;
}

/* An empty recorder set for one interval of scn (nodes up to
 * REC_MAX_NODES). Owned: rec_set_free. */
static inline struct rec_set *tr_set(const struct scenario *scn)
{
    struct rec_set *s = NULL;
    assert_int_equal(rec_set_new(scn->n_phases, scn->n_requests, &s), 0);
    return s;
}

/* n arrivals of phase p scheduled, and sent, in set s. */
static inline void tr_scheduled(struct rec_set *s, size_t phase, int64_t n)
{
    s->health.scheduled += n;
    s->health.started += n;
    s->by_phase[phase].scheduled += n;
    s->by_phase[phase].started += n;
}

/* n requests of (phase, request, node) completed with outcome oc into s:
 * latencies latency_us, latency_us + step_us, ... (none when latency_us
 * is 0: a refused connection has no latency), service times 3/4 of them,
 * times to first byte half of them. */
static inline struct rec_cell *tr_record(struct rec_set *s, size_t phase, size_t request,
                                         size_t node, int64_t n, int64_t latency_us,
                                         int64_t step_us, enum rec_outcome oc)
{
    struct rec_cell *c = rec_cell_get(s, phase, request, node);
    assert_non_null(c);
    if (node >= s->n_nodes)
        s->n_nodes = node + 1;
    for (int64_t i = 0; latency_us > 0 && i < n; i++) {
        int64_t v = latency_us + i * step_us;
        assert_int_equal(hdr_record(c->latency, v), HDR_OK);
        assert_int_equal(hdr_record(c->service, v * 3 / 4), HDR_OK);
        assert_int_equal(hdr_record(c->ttfb, v / 2), HDR_OK);
    }
    c->outcomes[oc] += n;
    c->completed += n;
    if (oc == OC_429)
        c->throttled_by[REC_THROTTLE_OTHER] += n;
    return c;
}

/* Interval i of r: phase, start_s, length_s, its health and its slices
 * (all, per node, per request) from set s, as the engine closes one. */
static inline void tr_interval(const struct scenario *scn, struct engine_result *r, size_t i,
                               size_t phase, double start_s, double length_s,
                               const struct rec_set *s)
{
    struct engine_interval *iv = &r->intervals[i];
    struct rec_cell *scratch = rec_cell_new();
    assert_non_null(scratch);
    free(iv->nodes);
    free(iv->requests);
    free(iv->workloads);
    free(iv->workload_scheduled);
    memset(iv, 0, sizeof *iv);
    iv->start_s = start_s;
    iv->length_s = length_s;
    iv->phase = phase;
    iv->health = s->health;
    iv->offered_rps = (double)s->health.scheduled / length_s;
    iv->cpu_pct = 10;
    engine_slice_of(s, r->n_nodes, SIZE_MAX, SIZE_MAX, scratch, &iv->all);
    iv->achieved_rps = (double)iv->all.completed / length_s;
    iv->n_nodes = r->n_nodes;
    iv->nodes = calloc(r->n_nodes ? r->n_nodes : 1, sizeof *iv->nodes);
    assert_non_null(iv->nodes);
    for (size_t n = 0; n < r->n_nodes; n++)
        engine_slice_of(s, r->n_nodes, SIZE_MAX, n, scratch, &iv->nodes[n]);
    iv->n_requests = scn->n_requests;
    iv->requests = calloc(scn->n_requests, sizeof *iv->requests);
    assert_non_null(iv->requests);
    for (size_t q = 0; q < scn->n_requests; q++)
        engine_slice_of(s, r->n_nodes, q, SIZE_MAX, scratch, &iv->requests[q]);
    assert_int_equal(engine_interval_workloads(scn, s, r->n_nodes, scratch, iv), 0);
    rec_cell_free(scratch);
}

/* Adds set s into r's totals (cells, health, examples), as the engine
 * adds each interval. */
static inline void tr_add(struct engine_result *r, const struct rec_set *s)
{
    for (size_t p = 0; p < s->n_phases; p++)
        for (size_t q = 0; q < s->n_requests; q++)
            for (size_t n = 0; n < REC_MAX_NODES; n++) {
                const struct rec_cell *c = rec_cell_peek(s, p, q, n);
                if (c)
                    assert_int_equal(rec_cell_add(rec_cell_get(r->total, p, q, n), c), 0);
            }
    rec_set_health_add(r->total, s);
    rec_health_add(&r->health, &s->health);
    rec_merge_errors(r->total, s);
}

/* The results document of r (results_build, the gates evaluated and
 * added as `gatecap run` adds them). Owned: json_decref. */
static inline json_t *tr_doc(const struct scenario *scn, const struct engine_result *r)
{
    json_t *doc = results_build(scn, r);
    assert_non_null(doc);
    struct gate_verdict *v = NULL;
    size_t n = 0;
    assert_int_equal(gate_evaluate(scn, r, false, &v, &n), 0);
    assert_int_equal(results_add_gates(doc, scn, v, n, NULL), 0);
    free(v);
    return doc;
}

/* Writes doc to path as `gatecap run` does (results_write); takes doc. */
static inline void tr_save(json_t *doc, const char *path)
{
    assert_int_equal(results_write(doc, path), 0);
    json_decref(doc);
}

/* Writes r's results.json to path. */
static inline void tr_write(const struct scenario *scn, const struct engine_result *r,
                            const char *path)
{
    tr_save(tr_doc(scn, r), path);
}

/* Writes a plan.json document (plan_to_json) to path as `gatecap plan
 * -o` writes it (cmd_plan.c: indented, reals to 10 digits); takes doc. */
static inline void tr_plan_save(json_t *doc, const char *path)
{
    assert_non_null(doc);
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    assert_non_null(text);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fputc('\n', f);
    assert_int_equal(fclose(f), 0);
    free(text);
    json_decref(doc);
}

/* Frees what tr_scenario and tr_run made (either may be NULL). */
static inline void tr_free(struct scenario *scn, struct engine_result *r)
{
    engine_result_free(r);
    scenario_free(scn);
}

#endif
