/*
 * tests/run/test_thinkq.c — the closed model's waiting users
 * (harness/run/thinkq.c): they come out soonest first whatever order they
 * went in, equal times lowest slot first, and the room is what was asked
 * for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "base/rng.h"
#include "run/thinkq.h"

static void empty_has_nothing(void **state)
{
    (void)state;
    struct thinkq q;
    assert_int_equal(thinkq_init(&q, 4), 0);
    int64_t due;
    size_t slot;
    assert_false(thinkq_peek(&q, &due, &slot));
    thinkq_pop(&q); /* nothing to pop: no harm */
    assert_false(thinkq_peek(&q, &due, &slot));
    thinkq_free(&q);
    thinkq_free(&q); /* twice is fine */
}

/* Random due times (with many equal ones) come out in order: by time,
 * then by slot. */
static void soonest_first(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct thinkq q;
    assert_int_equal(thinkq_init(&q, N), 0);
    uint64_t rng = 42;
    for (size_t i = 0; i < N; i++)
        assert_int_equal(thinkq_push(&q, (int64_t)(rng_next(&rng) % 100), (i * 7919) % N), 0);
    int64_t last_due = -1, due;
    size_t last_slot = 0, slot, n = 0;
    while (thinkq_peek(&q, &due, &slot)) {
        assert_true(due > last_due || (due == last_due && slot > last_slot));
        last_due = due;
        last_slot = slot;
        thinkq_pop(&q);
        n++;
    }
    assert_int_equal(n, N);
    thinkq_free(&q);
}

/* Pops between pushes, as a worker does: a user that is pushed after
 * others with a sooner time comes out first. */
static void interleaved(void **state)
{
    (void)state;
    struct thinkq q;
    int64_t due;
    size_t slot;
    assert_int_equal(thinkq_init(&q, 3), 0);
    assert_int_equal(thinkq_push(&q, 300, 0), 0);
    assert_int_equal(thinkq_push(&q, 200, 1), 0);
    assert_true(thinkq_peek(&q, &due, &slot));
    assert_int_equal(due, 200);
    assert_int_equal(slot, 1);
    thinkq_pop(&q);
    assert_int_equal(thinkq_push(&q, 100, 2), 0);
    assert_int_equal(thinkq_push(&q, 100, 1), 0);
    /* full: three users wait */
    assert_int_equal(thinkq_push(&q, 50, 3), -1);
    assert_true(thinkq_peek(&q, &due, &slot));
    assert_int_equal(due, 100);
    assert_int_equal(slot, 1);
    thinkq_pop(&q);
    assert_true(thinkq_peek(&q, &due, &slot));
    assert_int_equal(slot, 2);
    thinkq_clear(&q);
    assert_false(thinkq_peek(&q, &due, &slot));
    assert_int_equal(thinkq_push(&q, 7, 0), 0);
    thinkq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_has_nothing),
        cmocka_unit_test(soonest_first),
        cmocka_unit_test(interleaved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
