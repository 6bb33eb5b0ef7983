/* tests/base/test_rng.c — the generator and its exponential draws (harness/base/rng.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "base/rng.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A million draws from a fixed seed against the exponential law: mean
 * and variance 1, the share beyond the ziggurat's base edge (its tail
 * path), and the Kolmogorov–Smirnov distance to 1 − e^−x below the 1 %
 * critical value 1.628/√n (a draw that is off in any layer shows here). */
static void exponential_draws_follow_the_law(void **state)
{
    (void)state;
    enum { N = 1000000 };
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    rng_exp_init();
    rng_exp_init(); /* idempotent */
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    double sum = 0, sum2 = 0;
    size_t tail = 0;
    for (int i = 0; i < N; i++) {
        x[i] = rng_exp(&s);
        assert_true(x[i] >= 0 && isfinite(x[i]));
        sum += x[i];
        sum2 += x[i] * x[i];
        tail += x[i] > 7.697117470131487;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    assert_true(fabs(mean - 1) < 0.005); /* sd of the mean: 0.001 */
    assert_true(fabs(var - 1) < 0.015);
    /* P(X > 7.697) = 4.54e-4: 454 expected, sd 21 */
    assert_true(tail > 350 && tail < 560);
    qsort(x, N, sizeof *x, cmp);
    double d = 0;
    for (int i = 0; i < N; i++) {
        double f = 1 - exp(-x[i]);
        double lo = f - (double)i / N, hi = (double)(i + 1) / N - f;
        d = fmax(d, fmax(lo, hi));
    }
    assert_true(d < 1.628 / sqrt((double)N));
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exponential_draws_follow_the_law),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
