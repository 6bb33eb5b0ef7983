/*
 * tests/run/test_engine.c — the coordinator's judgements over a run's
 * records (harness/run/engine.c), on results built by hand: when a phase
 * counts as not delivered (generator-limited: local failures, drops, a
 * late share beyond the tolerance with confidence, never for the closed
 * model's lateness), how long each phase ran when a run ends early or
 * drains late, the recorded seconds, and the slices of an interval set by
 * request and node. engine_run itself (threads, the node check, signals)
 * is exercised by tests/it/run_*.sh against real servers, and the worker
 * it drives by tests/run/test_worker.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "measure/hdr.h"
#include "measure/recorder.h"
#include "run/engine.h"
#include "scenario/scenario.h"

static char n_warm[] = "warm", n_steady[] = "steady";

/* Two phases: a 10 s warm-up (not recorded) and 20 s recorded. */
static struct scenario scn_of(enum scn_model model, struct scn_phase ph[2])
{
    ph[0] = (struct scn_phase){.name = n_warm, .duration_s = 10, .record = false};
    ph[1] = (struct scn_phase){.name = n_steady, .duration_s = 20, .record = true};
    return (struct scenario){.model = model,
                             .phases = ph,
                             .n_phases = 2,
                             .n_requests = 2,
                             .late_tolerance_pct = 1.0,
                             .late_threshold_ms = 10};
}

static struct engine_result *result_of(const struct scenario *scn)
{
    static struct engine_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(rec_set_new(scn->n_phases, scn->n_requests, &r.total), 0);
    return &r;
}

/* Open model: one local failure, any dropped arrival, or a late share
 * whose 95 % Wilson lower bound is beyond late_tolerance makes a phase
 * undelivered; one late arrival in forty is noise. */
static void undelivered_open(void **state)
{
    (void)state;
    struct scn_phase ph[2];
    struct scenario scn = scn_of(SCN_OPEN, ph);
    struct engine_result *r = result_of(&scn);
    struct rec_health *h = &r->total->by_phase[1];
    h->scheduled = 40;
    h->late = 1; /* 2.5 %, its lower bound 0.44 % */
    assert_false(engine_phase_undelivered(&scn, r, 1));
    h->scheduled = 1000;
    h->late = 30; /* 3 %, its lower bound 2.1 % */
    assert_true(engine_phase_undelivered(&scn, r, 1));
    h->late = 0;
    h->queue_drops = 1;
    assert_true(engine_phase_undelivered(&scn, r, 1));
    h->queue_drops = 0;
    h->local_failures = 1;
    assert_true(engine_phase_undelivered(&scn, r, 1));
    /* another phase's trouble is not this one's */
    assert_false(engine_phase_undelivered(&scn, r, 0));
    rec_set_free(r->total);
}

/* Closed model: a request is due when it is sent, so lateness and drops
 * do not apply; a local failure still does. */
static void undelivered_closed(void **state)
{
    (void)state;
    struct scn_phase ph[2];
    struct scenario scn = scn_of(SCN_CLOSED, ph);
    struct engine_result *r = result_of(&scn);
    struct rec_health *h = &r->total->by_phase[1];
    h->scheduled = 1000;
    h->late = 500;
    h->queue_drops = 3;
    assert_false(engine_phase_undelivered(&scn, r, 1));
    h->local_failures = 1;
    assert_true(engine_phase_undelivered(&scn, r, 1));
    rec_set_free(r->total);
}

/* A phase ran until the arrivals ended (the planned end, or a stop),
 * never into the drain after it; the recorded seconds leave the warm-up
 * out. */
static void phase_ran_seconds(void **state)
{
    (void)state;
    struct scn_phase ph[2];
    struct scenario scn = scn_of(SCN_OPEN, ph);
    struct engine_result *r = result_of(&scn);
    /* whole run, 4 s of drain after the schedule */
    r->schedule_end_s = 30;
    r->elapsed_s = 34;
    assert_float_equal(engine_phase_ran_s(&scn, r, 0), 10, 1e-9);
    assert_float_equal(engine_phase_ran_s(&scn, r, 1), 20, 1e-9);
    assert_float_equal(engine_recorded_s(&scn, r, SIZE_MAX), 20, 1e-9);
    assert_float_equal(engine_recorded_s(&scn, r, 0), 0, 1e-9);
    /* stopped 15 s in: the recorded phase ran 5 s */
    r->schedule_end_s = 15;
    r->elapsed_s = 17;
    assert_float_equal(engine_phase_ran_s(&scn, r, 0), 10, 1e-9);
    assert_float_equal(engine_phase_ran_s(&scn, r, 1), 5, 1e-9);
    assert_float_equal(engine_recorded_s(&scn, r, 1), 5, 1e-9);
    /* stopped during the warm-up: nothing recorded ran */
    r->schedule_end_s = 4;
    r->elapsed_s = 4.5;
    assert_float_equal(engine_phase_ran_s(&scn, r, 0), 4, 1e-9);
    assert_float_equal(engine_phase_ran_s(&scn, r, 1), 0, 1e-9);
    assert_float_equal(engine_recorded_s(&scn, r, SIZE_MAX), 0, 1e-9);
    /* interrupted before anything was sent */
    r->schedule_end_s = 0;
    r->elapsed_s = 0;
    assert_float_equal(engine_recorded_s(&scn, r, SIZE_MAX), 0, 1e-9);
    rec_set_free(r->total);
}

static void add(struct rec_set *s, size_t phase, size_t rq, size_t node, enum rec_outcome oc,
                int64_t latency_us, int n)
{
    struct rec_cell *c = rec_cell_get(s, phase, rq, node);
    assert_non_null(c);
    for (int i = 0; i < n; i++) {
        c->completed++;
        c->outcomes[oc]++;
        hdr_record(c->latency, latency_us);
        hdr_record(c->service, latency_us / 2);
    }
}

/* A slice sums the cells of one request or node (or all) over every
 * phase: counts, errors (429 is not one), percentiles. */
static void slices_by_request_and_node(void **state)
{
    (void)state;
    struct rec_set *s;
    struct rec_cell *scratch = rec_cell_new();
    assert_non_null(scratch);
    assert_int_equal(rec_set_new(2, 2, &s), 0);
    add(s, 0, 0, 0, OC_2XX, 1000, 90);
    add(s, 1, 0, 0, OC_5XX, 50000, 10);
    add(s, 1, 1, 1, OC_429, 2000, 5);
    add(s, 1, 1, 2, OC_2XX, 3000, 5); /* node 2: beyond n_nodes below, left out */
    struct engine_slice sl;
    engine_slice_of(s, 2, SIZE_MAX, SIZE_MAX, scratch, &sl);
    assert_int_equal(sl.completed, 105);
    assert_int_equal(sl.errors, 10);
    assert_int_equal(sl.outcomes[OC_429], 5);
    assert_true(hdr_values_equivalent(scratch->latency, sl.p50_us, 1000));
    assert_true(hdr_values_equivalent(scratch->latency, sl.max_us, 50000));
    engine_slice_of(s, 2, 0, SIZE_MAX, scratch, &sl); /* request 0 */
    assert_int_equal(sl.completed, 100);
    assert_true(hdr_values_equivalent(scratch->latency, sl.p99_us, 50000));
    assert_true(hdr_values_equivalent(scratch->service, sl.svc_p99_us, 25000));
    engine_slice_of(s, 2, SIZE_MAX, 1, scratch, &sl); /* node 1 */
    assert_int_equal(sl.completed, 5);
    assert_int_equal(sl.errors, 0);
    engine_slice_of(s, 3, SIZE_MAX, SIZE_MAX, scratch, &sl); /* with node 2 */
    assert_int_equal(sl.completed, 110);
    rec_set_free(s);
    rec_cell_free(scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(undelivered_open),
        cmocka_unit_test(undelivered_closed),
        cmocka_unit_test(phase_ran_seconds),
        cmocka_unit_test(slices_by_request_and_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
