/* tests/gatewaysim/test_throttle.c — the simulator's throttling windows
 * (tools/gatewaysim/throttle.c) on a virtual clock: time is given in
 * units, so every count and wait here is exact whatever the machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "../../tools/gatewaysim/throttle.h"

/* Admits requests at now_u while the limit allows, up to max; returns how
 * many it admitted. */
static int admit(struct gsthr *t, double now_u, double rate, enum gscfg_window mode, int max)
{
    int n = 0;
    while (n < max && gsthr_allows(t, now_u, rate, mode)) {
        gsthr_take(t, now_u);
        n++;
    }
    return n;
}

static void near(double got, double want)
{
    if (fabs(got - want) > 1e-9)
        fail_msg("got %.12g, want %.12g", got, want);
}

static void fixed_windows(void **state)
{
    (void)state;
    struct gsthr t = {0};
    enum gscfg_window F = GSCFG_WINDOW_FIXED;
    assert_int_equal(admit(&t, 0.0, 10, F, 100), 10);
    assert_false(gsthr_allows(&t, 0.999, 10, F));
    near(gsthr_wait(&t, 0.25, 10, F), 0.75); /* the rest of the window */
    assert_int_equal(admit(&t, 1.0, 10, F, 100), 10);
    /* a window with nothing admitted: the next starts empty as well */
    assert_int_equal(admit(&t, 3.5, 10, F, 100), 10);
    /* floor(R) per window; R < 1 never admits and waits out the window */
    struct gsthr u = {0};
    assert_int_equal(admit(&u, 0.2, 2.5, F, 100), 2);
    struct gsthr v = {0};
    assert_int_equal(admit(&v, 0.2, 0.5, F, 100), 0);
    near(gsthr_wait(&v, 0.2, 0.5, F), 0.8);
    /* no limit */
    assert_int_equal(admit(&v, 0.2, 0, F, 1000), 1000);
    near(gsthr_wait(&v, 0.2, 0, F), 0);
}

static void sliding_windows(void **state)
{
    (void)state;
    struct gsthr t = {0};
    enum gscfg_window S = GSCFG_WINDOW_SLIDING;
    /* first window: nothing before it, so exactly the limit */
    assert_int_equal(admit(&t, 0.1, 10, S, 100), 10);
    /* the next window would admit at 1.1: 10 x (1 - 0.1) + 0 + 1 <= 10 */
    near(gsthr_wait(&t, 0.5, 10, S), 0.6);
    assert_false(gsthr_allows(&t, 1.05, 10, S));
    /* halfway through the next window, half the limit again:
     * 10 x 0.5 + cur + 1 <= 10 admits cur = 0..4 */
    assert_int_equal(admit(&t, 1.5, 10, S, 100), 5);
    /* a moment later in that window the previous one weighs less:
     * 10 x 0.3 + 5 + 1 <= 10 admits one more (cur 5 -> 6), then
     * 3 + 6 + 1 = 10 one more, then no */
    assert_int_equal(admit(&t, 1.7, 10, S, 100), 2);
    /* waiting inside the window: 10 (1 - f) + 7 + 1 <= 10  <=>  f >= 0.8 */
    near(gsthr_wait(&t, 1.7, 10, S), 0.1);
    /* one window later the 7 of window 1 weigh half */
    assert_int_equal(admit(&t, 2.5, 10, S, 100), 6);
    /* after an empty window nothing is carried over */
    assert_int_equal(admit(&t, 4.5, 10, S, 100), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_windows),
        cmocka_unit_test(sliding_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
