/* tests/analysis/test_search.c — the adaptive capacity search (harness/analysis/search.c)
 * against known truths: a gateway that meets the SLO up to a capacity C. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "analysis/search.h"

/* Runs the search against a truth (met iff rate <= capacity); returns the
 * end and the number of probes. */
static enum search_end run(struct search *s, double capacity)
{
    double rate;
    double last = 0;
    while ((rate = search_next(s)) > 0) {
        assert_true(rate != last); /* never the same probe twice in a row */
        last = rate;
        search_record(s, rate, rate <= capacity);
    }
    return search_end(s);
}

static void finds_the_knee_to_the_precision(void **state)
{
    (void)state;
    const double truths[] = {437, 100, 150.5, 999, 1234.5, 99999};
    for (size_t i = 0; i < sizeof truths / sizeof truths[0]; i++) {
        struct search s;
        assert_int_equal(search_init(&s, 100, 100000, 0.02, 40), 0);
        assert_int_equal(run(&s, truths[i]), SEARCH_FOUND);
        assert_true(s.good_rps <= truths[i]);
        assert_true(s.bad_rps > truths[i]);
        assert_true(s.bad_rps - s.good_rps <= 0.02 * s.good_rps);
    }
    /* 437 from 100: 100, 200, 400 pass, 800 fails; then bisection of
     * [400, 800] to 2 % of 400 (8/s): 400/2^k ≤ 8 → k = 6 probes. */
    struct search s;
    search_init(&s, 100, 100000, 0.02, 40);
    run(&s, 437);
    assert_int_equal(s.probes, 4 + 6);
}

static void says_at_least_below_and_exhausted(void **state)
{
    (void)state;
    struct search s;
    /* the maximum itself passes: at least max, and max was probed */
    search_init(&s, 100, 1000, 0.02, 40);
    assert_int_equal(run(&s, 5000), SEARCH_AT_LEAST);
    assert_true(s.good_rps == 1000);
    assert_int_equal(s.probes, 5); /* 100, 200, 400, 800, 1000 */
    /* from fails: halvings below it, then bisection once one passes */
    search_init(&s, 100, 1000, 0.05, 40);
    assert_int_equal(run(&s, 30), SEARCH_FOUND);
    assert_true(s.good_rps <= 30 && s.bad_rps > 30);
    /* nothing passes: below, after SEARCH_MAX_HALVINGS halvings */
    search_init(&s, 100, 1000, 0.05, 40);
    assert_int_equal(run(&s, 1), SEARCH_BELOW);
    assert_int_equal(s.probes, 1 + SEARCH_MAX_HALVINGS);
    assert_true(fabs(s.bad_rps - 100.0 / 16) < 1e-9);
    /* a small budget */
    search_init(&s, 100, 100000, 0.001, 5);
    assert_int_equal(run(&s, 437), SEARCH_EXHAUSTED);
    assert_int_equal(s.probes, 5);
    assert_true(s.good_rps == 400 && s.bad_rps == 600);
    assert_true(search_next(&s) == 0);
    assert_string_equal(search_end_name(SEARCH_EXHAUSTED), "exhausted");
}

static void rejects_bad_arguments(void **state)
{
    (void)state;
    struct search s;
    assert_int_equal(search_init(&s, 0, 10, 0.02, 5), -1);
    assert_int_equal(search_init(&s, 10, 5, 0.02, 5), -1);
    assert_int_equal(search_init(&s, 10, INFINITY, 0.02, 5), -1);
    assert_int_equal(search_init(&s, 10, 20, 0, 5), -1);
    assert_int_equal(search_init(&s, 10, 20, 1, 5), -1);
    assert_int_equal(search_init(&s, 10, 20, NAN, 5), -1);
    assert_int_equal(search_init(&s, 10, 20, 0.1, 0), -1);
    assert_int_equal(search_init(&s, 10, 10, 0.1, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_the_knee_to_the_precision),
        cmocka_unit_test(says_at_least_below_and_exhausted),
        cmocka_unit_test(rejects_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
