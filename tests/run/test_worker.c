/*
 * tests/run/test_worker.c — how a run's load is split over its workers
 * (harness/run/worker.c): the open model's in-flight bound, load.max_inflight,
 * must hold for the run as a whole, not per worker; a closed-model worker
 * has a slot for each of its users in the busiest phase.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run/worker.h"
#include "scenario/scenario.h"

static size_t total_slots(const struct scenario *scn, int workers)
{
    size_t sum = 0;
    for (int id = 0; id < workers; id++)
        sum += worker_slots(scn, id, workers);
    return sum;
}

/* Every request in flight holds a slot, so the slots of all workers
 * together are the bound: exactly max_inflight, whatever the number of
 * workers; a worker beyond the bound gets none. */
static void open_slots_add_up_to_max_inflight(void **state)
{
    (void)state;
    struct scenario scn = {.model = SCN_OPEN};
    for (int mi = 1; mi <= 40; mi++) {
        scn.max_inflight = mi;
        for (int workers = 1; workers <= 12; workers++) {
            assert_int_equal(total_slots(&scn, workers), mi);
            for (int id = 0; id < workers; id++) {
                size_t n = worker_slots(&scn, id, workers);
                /* an even split: shares differ by at most one */
                assert_true(n == (size_t)(mi / workers) || n == (size_t)(mi / workers + 1));
            }
        }
    }
}

/* The case: max_inflight 1 with 4 workers let 4 requests fly. */
static void max_inflight_one_with_four_workers(void **state)
{
    (void)state;
    struct scenario scn = {.model = SCN_OPEN, .max_inflight = 1};
    assert_int_equal(worker_slots(&scn, 0, 4), 1);
    assert_int_equal(worker_slots(&scn, 1, 4), 0);
    assert_int_equal(worker_slots(&scn, 2, 4), 0);
    assert_int_equal(worker_slots(&scn, 3, 4), 0);
}

/* Closed model: a worker's slots hold its share of the users of the
 * busiest phase; together, those of that phase. */
static void closed_slots_hold_the_busiest_phase(void **state)
{
    (void)state;
    struct scn_phase ph[3] = {{.users = 5}, {.users = 17}, {.users = 2}};
    struct scenario scn = {.model = SCN_CLOSED, .phases = ph, .n_phases = 3};
    for (int workers = 1; workers <= 17; workers++) {
        assert_int_equal(total_slots(&scn, workers), 17);
        for (int id = 0; id < workers; id++)
            assert_true(worker_slots(&scn, id, workers) >= 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_slots_add_up_to_max_inflight),
        cmocka_unit_test(max_inflight_one_with_four_workers),
        cmocka_unit_test(closed_slots_hold_the_busiest_phase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
