/*
 * tests/measure/test_recorder_flow.c — flow instances' and checks'
 * records (harness/measure/recorder_flow.c): the tables a set gets, cells
 * made on first use and peeked, merging at hand-off (cells with only
 * completions are merged: an instance may start in one interval and end
 * in another; a check's first failing example is kept), sums over
 * phases, and reset (cells stay allocated, zeroed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "measure/hdr.h"
#include "measure/recorder.h"
#include "measure/recorder_flow.h"

/* A set of 3 phases with flows of 2 and 3 steps and 4 check names. */
static struct rec_set *set_new(void)
{
    struct rec_set *s = NULL;
    assert_int_equal(rec_set_new(3, 5, &s), 0);
    const size_t steps[] = {2, 3};
    assert_int_equal(rec_set_flows(s, 2, steps, 4), 0);
    return s;
}

static void tables_and_cells(void **state)
{
    (void)state;
    struct rec_set *s = set_new();
    const struct rec_flows *fs = s->flows;
    assert_non_null(fs);
    assert_int_equal(fs->n_phases, 3);
    assert_int_equal(fs->n_flows, 2);
    assert_int_equal(fs->n_steps[0], 2);
    assert_int_equal(fs->n_steps[1], 3);
    assert_int_equal(fs->n_checks, 4);
    for (size_t k = 0; k < 4; k++)
        assert_true(fs->checks[k].passed == 0 && fs->checks[k].failed == 0 &&
                    !fs->checks[k].example[0]);
    /* no cell until used */
    assert_null(rec_flow_peek(s, 1, 1));
    assert_false(rec_flow_used(NULL));
    struct rec_flow *c = rec_flow_get(s, 1, 1);
    assert_non_null(c);
    assert_ptr_equal(rec_flow_peek(s, 1, 1), c);
    assert_ptr_equal(rec_flow_get(s, 1, 1), c); /* the same cell again */
    assert_null(rec_flow_peek(s, 1, 0));
    assert_null(rec_flow_peek(s, 0, 1));
    assert_false(rec_flow_used(c)); /* made, but nothing in it */
    assert_int_equal(hdr_count(c->duration), 0);
    /* out of range */
    assert_null(rec_flow_get(s, 3, 0));
    assert_null(rec_flow_get(s, 0, 2));
    assert_null(rec_flow_peek(s, 3, 0));
    assert_null(rec_flow_peek(s, 0, 2));
    /* every counter on its own makes the cell used */
    c->completed = 1;
    assert_true(rec_flow_used(c));
    c->completed = 0;
    c->local = 1;
    assert_true(rec_flow_used(c));
    c->local = 0;
    c->failed = 1;
    assert_true(rec_flow_used(c));
    /* the tables are given again: the old ones freed, new ones empty */
    const size_t one[] = {1};
    assert_int_equal(rec_set_flows(s, 1, one, 0), 0);
    assert_null(rec_flow_peek(s, 1, 0));
    assert_int_equal(s->flows->n_flows, 1);
    assert_null(rec_flow_get(s, 0, 1));
    rec_set_free(s);
}

/* A set without flows: nothing to get, nothing to add. */
static void set_without_flows(void **state)
{
    (void)state;
    struct rec_set *s = NULL, *t = set_new();
    assert_int_equal(rec_set_new(3, 5, &s), 0);
    assert_null(rec_flow_get(s, 0, 0));
    assert_null(rec_flow_peek(s, 0, 0));
    assert_null(rec_flow_new(s, 0));
    rec_flow_get(t, 0, 0)->started = 4;
    assert_int_equal(rec_flows_add(s, t), 0);
    assert_int_equal(rec_flows_add(t, s), 0);
    assert_int_equal(rec_flow_peek(t, 0, 0)->started, 4);
    rec_flows_reset(s);
    rec_set_free(s);
    rec_set_free(t);
}

static void fill(struct rec_flow *c, int64_t started, int64_t completed, int64_t failed,
                 int64_t local)
{
    c->started += started;
    c->completed += completed;
    c->failed += failed;
    c->local += local;
}

/* Merging adds every counter and the durations; a cell of the source with
 * only completions (the instances started in an earlier interval) is
 * merged too; unused cells are not made in the destination. */
static void merge(void **state)
{
    (void)state;
    struct rec_set *dst = set_new(), *src = set_new();
    struct rec_flow *d = rec_flow_get(dst, 0, 1);
    fill(d, 5, 2, 1, 1);
    d->failed_by_step[2] = 1;
    d->failed_by_check[3] = 1;
    hdr_record(d->duration, 1000);
    hdr_record(d->duration, 2000);

    struct rec_flow *c = rec_flow_get(src, 0, 1);
    fill(c, 3, 1, 2, 0);
    c->failed_by_step[0] = 2;
    c->failed_by_check[3] = 1;
    c->failed_by_check[0] = 1;
    hdr_record(c->duration, 5000);
    struct rec_flow *late = rec_flow_get(src, 2, 0); /* only completions */
    fill(late, 0, 3, 0, 0);
    hdr_record(late->duration, 70000);
    rec_flow_get(src, 1, 0); /* made, unused */
    src->flows->checks[1].passed = 7;
    src->flows->checks[1].failed = 2;

    assert_int_equal(rec_flows_add(dst, src), 0);
    d = rec_flow_get(dst, 0, 1);
    assert_int_equal(d->started, 8);
    assert_int_equal(d->completed, 3);
    assert_int_equal(d->failed, 3);
    assert_int_equal(d->local, 1);
    assert_int_equal(d->failed_by_step[0], 2);
    assert_int_equal(d->failed_by_step[1], 0);
    assert_int_equal(d->failed_by_step[2], 1);
    assert_int_equal(d->failed_by_check[0], 1);
    assert_int_equal(d->failed_by_check[3], 2);
    assert_int_equal(hdr_count(d->duration), 3);
    assert_true(hdr_values_equivalent(d->duration, hdr_max(d->duration), 5000));
    const struct rec_flow *l = rec_flow_peek(dst, 2, 0);
    assert_non_null(l);
    assert_int_equal(l->completed, 3);
    assert_int_equal(l->started, 0);
    assert_int_equal(hdr_count(l->duration), 1);
    assert_null(rec_flow_peek(dst, 1, 0)); /* nothing to merge: not made */
    assert_int_equal(dst->flows->checks[1].passed, 7);
    assert_int_equal(dst->flows->checks[1].failed, 2);
    /* the source is unchanged */
    assert_int_equal(c->started, 3);
    assert_int_equal(hdr_count(c->duration), 1);
    rec_set_free(dst);
    rec_set_free(src);
}

/* A check's example: the first one kept (the destination's own, else the
 * first source's that had one). */
static void check_examples(void **state)
{
    (void)state;
    struct rec_set *dst = set_new(), *a = set_new(), *b = set_new();
    snprintf(a->flows->checks[2].example, sizeof a->flows->checks[2].example, "%s",
             "HTTP 500 from gw1: first");
    a->flows->checks[2].failed = 1;
    snprintf(b->flows->checks[2].example, sizeof b->flows->checks[2].example, "%s",
             "HTTP 503 from gw2: second");
    b->flows->checks[2].failed = 1;
    snprintf(b->flows->checks[0].example, sizeof b->flows->checks[0].example, "%s",
             "HTTP 200 from gw2: zero");
    assert_int_equal(rec_flows_add(dst, a), 0);
    assert_int_equal(rec_flows_add(dst, b), 0);
    assert_string_equal(dst->flows->checks[2].example, "HTTP 500 from gw1: first");
    assert_int_equal(dst->flows->checks[2].failed, 2);
    assert_string_equal(dst->flows->checks[0].example, "HTTP 200 from gw2: zero");
    assert_string_equal(dst->flows->checks[1].example, "");
    rec_set_free(dst);
    rec_set_free(a);
    rec_set_free(b);
}

static int odd_phase(const void *ctx, size_t phase)
{
    assert_ptr_equal(ctx, (const void *)&odd_phase);
    return phase % 2 == 1;
}

/* A flow's cells summed over chosen phases into a standalone cell. */
static void sum_over_phases(void **state)
{
    (void)state;
    struct rec_set *s = set_new();
    for (size_t p = 0; p < 3; p++) {
        struct rec_flow *c = rec_flow_get(s, p, 1);
        fill(c, (int64_t)(p + 1), 1, 0, 0);
        c->failed_by_step[2] = (int64_t)p;
        hdr_record(c->duration, (int64_t)(1000 * (p + 1)));
    }
    fill(rec_flow_get(s, 0, 0), 100, 0, 0, 0); /* another flow: not summed */
    struct rec_flow *all = rec_flow_new(s, 1), *odd = rec_flow_new(s, 1);
    assert_non_null(all);
    assert_non_null(odd);
    assert_null(rec_flow_new(s, 2));
    rec_flow_sum(s, 1, NULL, NULL, all);
    assert_int_equal(all->started, 6);
    assert_int_equal(all->completed, 3);
    assert_int_equal(all->failed_by_step[2], 3);
    assert_int_equal(hdr_count(all->duration), 3);
    rec_flow_sum(s, 1, (const void *)&odd_phase, odd_phase, odd);
    assert_int_equal(odd->started, 2);
    assert_int_equal(odd->failed_by_step[2], 1);
    assert_int_equal(hdr_count(odd->duration), 1);
    rec_flow_sum(s, 5, NULL, NULL, odd); /* no such flow: nothing */
    assert_int_equal(odd->started, 2);
    rec_flow_free(all);
    rec_flow_free(odd);
    rec_flow_free(NULL);
    rec_set_free(s);
}

/* Reset zeroes every cell and check; the cells stay allocated (the same
 * pointers: nothing is allocated per interval once they exist). */
static void reset_keeps_cells(void **state)
{
    (void)state;
    struct rec_set *s = set_new();
    struct rec_flow *c = rec_flow_get(s, 2, 1);
    fill(c, 4, 2, 1, 1);
    c->failed_by_step[1] = 1;
    c->failed_by_check[2] = 1;
    hdr_record(c->duration, 1234);
    struct rec_flow *only_done = rec_flow_get(s, 0, 0);
    fill(only_done, 0, 2, 0, 0);
    s->flows->checks[3].passed = 9;
    s->flows->checks[3].failed = 1;
    snprintf(s->flows->checks[3].example, sizeof s->flows->checks[3].example, "%s",
             "HTTP 500 from gw1: x");
    rec_set_reset(s);
    assert_ptr_equal(rec_flow_peek(s, 2, 1), c);
    assert_ptr_equal(rec_flow_peek(s, 0, 0), only_done);
    assert_false(rec_flow_used(c));
    assert_false(rec_flow_used(only_done));
    assert_int_equal(c->failed_by_step[1], 0);
    assert_int_equal(c->failed_by_check[2], 0);
    assert_int_equal(hdr_count(c->duration), 0);
    assert_int_equal(s->flows->checks[3].passed, 0);
    assert_int_equal(s->flows->checks[3].failed, 0);
    assert_string_equal(s->flows->checks[3].example, "");
    /* and records again */
    fill(c, 1, 1, 0, 0);
    hdr_record(c->duration, 10);
    assert_int_equal(hdr_count(c->duration), 1);
    rec_set_free(s);
}

/* A flow without check names, or with none at all: tables still work. */
static void no_checks(void **state)
{
    (void)state;
    struct rec_set *s = NULL;
    assert_int_equal(rec_set_new(1, 1, &s), 0);
    const size_t steps[] = {1};
    assert_int_equal(rec_set_flows(s, 1, steps, 0), 0);
    struct rec_flow *c = rec_flow_get(s, 0, 0);
    assert_non_null(c);
    c->failed = 1;
    c->failed_by_step[0] = 1;
    struct rec_set *t = NULL;
    assert_int_equal(rec_set_new(1, 1, &t), 0);
    assert_int_equal(rec_set_flows(t, 1, steps, 0), 0);
    assert_int_equal(rec_flows_add(t, s), 0);
    assert_int_equal(rec_flow_peek(t, 0, 0)->failed_by_step[0], 1);
    rec_set_free(s);
    rec_set_free(t);
    assert_int_equal(rec_set_new(1, 1, &s), 0);
    assert_int_equal(rec_set_flows(s, 0, NULL, 2), 0);
    assert_null(rec_flow_get(s, 0, 0));
    s->flows->checks[1].passed = 1;
    rec_set_reset(s);
    assert_int_equal(s->flows->checks[1].passed, 0);
    rec_set_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tables_and_cells),
        cmocka_unit_test(set_without_flows),
        cmocka_unit_test(merge),
        cmocka_unit_test(check_examples),
        cmocka_unit_test(sum_over_phases),
        cmocka_unit_test(reset_keeps_cells),
        cmocka_unit_test(no_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
