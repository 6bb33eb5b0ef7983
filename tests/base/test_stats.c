/* tests/base/test_stats.c — the Mann–Whitney U test (harness/base/stats.c) against
 * published values (R's wilcox.test documentation, Hollander & Wolfe),
 * hand-computed tie corrections, and a brute-force permutation count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "base/stats.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.10g, want %.10g ± %g", got, want, tol);
}

/* Completely separated samples: the exact p is 1 / C(nx+ny, ny). */
static void test_separated(void **state)
{
    (void)state;
    struct stats_mw r;
    double x3[] = {1, 2, 3}, y3[] = {4, 5, 6};
    assert_int_equal(stats_mann_whitney(x3, 3, y3, 3, STATS_GREATER, &r), STATS_OK);
    assert_true(r.exact);
    assert_false(r.ties);
    assert_near(r.u, 9, 0);
    assert_near(r.p, 1.0 / 20, 1e-12);
    assert_int_equal(stats_mann_whitney(x3, 3, y3, 3, STATS_LESS, &r), STATS_OK);
    assert_near(r.p, 1, 1e-12);
    assert_int_equal(stats_mann_whitney(x3, 3, y3, 3, STATS_TWO_SIDED, &r), STATS_OK);
    assert_near(r.p, 2.0 / 20, 1e-12);

    double x5[] = {1, 2, 3, 4, 5}, y5[] = {6, 7, 8, 9, 10};
    assert_int_equal(stats_mann_whitney(x5, 5, y5, 5, STATS_GREATER, &r), STATS_OK);
    assert_near(r.p, 1.0 / 252, 1e-12);
    /* Five per side is the least that can reach α = 0.01 one-sided. */
    assert_true(r.p < 0.01);
    assert_int_equal(stats_mann_whitney(y5, 5, x5, 5, STATS_LESS, &r), STATS_OK);
    assert_near(r.p, 1.0 / 252, 1e-12);
    assert_near(r.u, 0, 0);
}

/* R's ?wilcox.test, after Hollander & Wolfe (1973) p. 69: permeability at
 * term (x) vs at 12–26 weeks (y), alternative "greater": W = 35,
 * exact p = 0.1272; the large-sample approximation without continuity
 * correction gives 0.1103 (z = 10 / √(50·16/12)), with it 0.1223. In
 * stats' terms the reference sample is R's y, the tested one R's x. */
static const double hw_term[] = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
static const double hw_early[] = {1.15, 0.88, 0.90, 0.74, 1.21};

static void test_hollander_wolfe(void **state)
{
    (void)state;
    struct stats_mw r;
    assert_int_equal(stats_mann_whitney(hw_early, 5, hw_term, 10, STATS_GREATER, &r), STATS_OK);
    assert_true(r.exact);
    assert_near(r.u, 35, 0);
    assert_near(r.p, 0.1272061272, 1e-9); /* R: 0.1272; by enumeration 0.127206127 */
    /* The normal approximation, on the same data (no ties): the formula
     * gives the documented corrected value. */
    double z = (35 - 25 - 0.5) / sqrt(50.0 * 16 / 12);
    assert_near(stats_normal_upper(z), 0.1223, 5e-5);
    assert_near(stats_normal_upper(10 / sqrt(50.0 * 16 / 12)), 0.1103, 5e-5);
}

/* Ties: x = {1,2,3,3}, y = {3,4,5,5}. Mid-ranks 1, 2, 4, 4 | 4, 6, 7.5,
 * 7.5; R_y = 25, U_y = 25 − 10 = 15, μ = 8; tie groups of 3 and 2:
 * Σ(t³−t) = 24 + 6 = 30; σ² = 16/12·(9 − 30/56) = 11.2857; z = (7 − ½)/σ
 * = 1.93486; p = 0.026504. */
static void test_ties(void **state)
{
    (void)state;
    double x[] = {1, 2, 3, 3}, y[] = {3, 4, 5, 5};
    struct stats_mw r;
    assert_int_equal(stats_mann_whitney(x, 4, y, 4, STATS_GREATER, &r), STATS_OK);
    assert_false(r.exact);
    assert_true(r.ties);
    assert_near(r.u, 15, 0);
    assert_near(r.z, 1.9348568128, 1e-9);
    assert_near(r.p, 0.0265039346, 1e-9);
    assert_int_equal(stats_mann_whitney(x, 4, y, 4, STATS_LESS, &r), STATS_OK);
    assert_near(r.z, (7 + 0.5) / sqrt(11.285714285714285), 1e-9);
    assert_near(r.p, 1 - stats_normal_upper((7 + 0.5) / sqrt(11.285714285714285)), 1e-12);
    assert_int_equal(stats_mann_whitney(x, 4, y, 4, STATS_TWO_SIDED, &r), STATS_OK);
    assert_near(r.p, 2 * 0.0265039346, 2e-9);
}

/* The same sample twice: U sits on its mean, so one-sided p is a little
 * above ½ (the continuity correction), two-sided p is 1: no evidence. With
 * every value equal, nothing can be told apart: p = 1. */
static void test_identical(void **state)
{
    (void)state;
    double v[] = {12.1, 12.7, 11.9, 13.4, 12.2, 12.9, 12.0, 14.1};
    struct stats_mw r;
    assert_int_equal(stats_mann_whitney(v, 8, v, 8, STATS_GREATER, &r), STATS_OK);
    assert_near(r.u, 32, 0);
    assert_true(r.ties);
    /* σ² = 64/12·(17 − 8·6/240) = 89.6; z = −½/σ */
    assert_near(r.p, 0.5210631899, 1e-9);
    assert_int_equal(stats_mann_whitney(v, 8, v, 8, STATS_TWO_SIDED, &r), STATS_OK);
    assert_near(r.p, 1, 1e-12);

    double zeros[12] = {0};
    assert_int_equal(stats_mann_whitney(zeros, 6, zeros + 6, 6, STATS_GREATER, &r), STATS_OK);
    assert_near(r.p, 1, 0);
    assert_true(isnan(r.z));
    assert_near(r.u, 18, 0);
}

/* P(U ≥ u_obs) by visiting every way to choose which ny of the pooled
 * values are "y": the definition of the exact test, independent of the
 * recursion stats.c uses. */
static double brute_p_greater(const double *x, size_t nx, const double *y, size_t ny)
{
    size_t n = nx + ny;
    double pool[32];
    for (size_t i = 0; i < nx; i++)
        pool[i] = x[i];
    for (size_t i = 0; i < ny; i++)
        pool[nx + i] = y[i];
    double obs = 0;
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++)
            obs += y[j] > x[i];
    unsigned long ge = 0, total = 0;
    for (unsigned long mask = 0; mask < (1UL << n); mask++) {
        if ((size_t)__builtin_popcountl(mask) != ny)
            continue;
        double u = 0;
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b < n; b++)
                if (!(mask >> a & 1) && (mask >> b & 1))
                    u += pool[b] > pool[a];
        total++;
        ge += u >= obs;
    }
    return (double)ge / (double)total;
}

static void test_exact_vs_enumeration(void **state)
{
    (void)state;
    /* Interleaved samples of unequal sizes, a few shapes. */
    double x[] = {3.1, 7.4, 1.2, 9.9, 5.5, 4.4, 8.8};
    double y[] = {6.2, 2.5, 10.4, 7.7, 11.0, 9.1};
    for (size_t nx = 1; nx <= N_OF(x); nx += 2)
        for (size_t ny = 1; ny <= N_OF(y); ny++) {
            struct stats_mw r;
            assert_int_equal(stats_mann_whitney(x, nx, y, ny, STATS_GREATER, &r), STATS_OK);
            assert_true(r.exact);
            assert_near(r.p, brute_p_greater(x, nx, y, ny), 1e-12);
            /* LESS of (x, y) is GREATER of (y, x). */
            struct stats_mw a, b;
            assert_int_equal(stats_mann_whitney(x, nx, y, ny, STATS_LESS, &a), STATS_OK);
            assert_int_equal(stats_mann_whitney(y, ny, x, nx, STATS_GREATER, &b), STATS_OK);
            assert_near(a.p, b.p, 1e-12);
            assert_near(a.u + b.u, (double)(nx * ny), 0);
        }
}

/* At the exact limit the normal approximation (forced by a tie that
 * leaves U alone) agrees closely with the exact p; above the limit the
 * approximation is used. */
static void test_exact_vs_normal(void **state)
{
    (void)state;
    double x[60], y[60];
    for (int i = 0; i < 60; i++) { /* y shifted up by a tenth of the spread */
        x[i] = (double)((i * 37) % 60) + 0.25;
        y[i] = (double)((i * 23) % 60) + 6.5;
    }
    struct stats_mw ex, ap;
    assert_int_equal(stats_mann_whitney(x, 50, y, 50, STATS_GREATER, &ex), STATS_OK);
    assert_true(ex.exact);
    double xt[50];
    int low = -1;
    for (int i = 0; i < 50; i++) {
        xt[i] = x[i];
        if (i > 0 && x[i] < 6 && low < 0)
            low = i;
    }
    assert_true(low > 0);
    xt[0] = xt[low] = -1; /* both stay below every y: U unchanged */
    assert_int_equal(stats_mann_whitney(xt, 50, y, 50, STATS_GREATER, &ap), STATS_OK);
    assert_false(ap.exact);
    assert_true(ap.ties);
    assert_near(ap.u, ex.u, 0);
    assert_true(ex.p > 0.001 && ex.p < 0.2);
    assert_near(ap.p, ex.p, 0.002);

    assert_int_equal(stats_mann_whitney(x, 60, y, 60, STATS_GREATER, &ap), STATS_OK);
    assert_false(ap.exact);
    assert_false(ap.ties);
    assert_true(ap.p < 0.2);
}

static void test_invalid(void **state)
{
    (void)state;
    double v[] = {1, 2, NAN}, w[] = {1, INFINITY};
    struct stats_mw r;
    assert_int_equal(stats_mann_whitney(v, 0, v, 2, STATS_GREATER, &r), STATS_EINVAL);
    assert_int_equal(stats_mann_whitney(v, 2, v, 0, STATS_GREATER, &r), STATS_EINVAL);
    assert_int_equal(stats_mann_whitney(v, 3, v, 2, STATS_GREATER, &r), STATS_EINVAL);
    assert_int_equal(stats_mann_whitney(v, 2, w, 2, STATS_GREATER, &r), STATS_EINVAL);
    assert_near(stats_normal_upper(0), 0.5, 1e-15);
    assert_near(stats_normal_upper(1.959963985), 0.025, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separated),
        cmocka_unit_test(test_hollander_wolfe),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_identical),
        cmocka_unit_test(test_exact_vs_enumeration),
        cmocka_unit_test(test_exact_vs_normal),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
