/* tests/analysis/test_usl.c — Universal Scalability Law fits (harness/analysis/usl.c),
 * against the check vectors of ../shared/reference/capacity.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "analysis/usl.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* |got − want| within 4 significant figures of want (half a unit in the
 * 4th figure). */
static void sig4(const char *what, double got, double want)
{
    double tol = 0.5e-3 * pow(10, floor(log10(fabs(want))));
    if (!(fabs(got - want) <= tol))
        fail_msg("%s = %.9g, want %.9g (4 significant figures: ± %.3g)", what, got, want, tol);
}

/* Exact synthetic data: α = β = 0.02, γ = 1. */
static const struct usl_point synthetic[] = {
    {1, 1}, {2, 1.8868}, {4, 3.0769}, {6, 3.5294}, {8, 3.5398}, {10, 3.3557},
};

/* SGI Origin 2000 ray tracer (Gunther). */
static const struct usl_point sgi[] = {
    {1, 20},   {4, 78},   {8, 130},  {12, 170}, {16, 190}, {20, 200},
    {24, 210}, {28, 230}, {32, 260}, {48, 280}, {64, 310},
};

/* The synthetic vector's X are rounded to 4 decimals (errors up to
 * 2.3e-5). The quadratic method meets 4 significant figures on it. The
 * least-squares fit finds the true minimum of the rounded data's SSE
 * (2.7e-10, against 1.3e-9 at exactly 0.02/0.02/1), whose α is 0.020006:
 * one unit off in the 4th figure, which is the data, not the fitter. So
 * the fitter is held to 4 figures on the same vector computed without
 * rounding, and to the rounding's reach (±1e-5) on the published one. */
static void synthetic_both_methods(void **state)
{
    (void)state;
    struct usl_fit f;
    const char *why = NULL;
    struct usl_point exact[N_OF(synthetic)];
    for (size_t i = 0; i < N_OF(synthetic); i++) {
        double n = synthetic[i].n;
        exact[i] = (struct usl_point){n, n / (1 + 0.02 * (n - 1) + 0.02 * n * (n - 1))};
    }
    assert_int_equal(usl_fit(exact, N_OF(exact), &f, &why), USL_OK);
    sig4("nls alpha (exact data)", f.alpha, 0.02);
    sig4("nls beta (exact data)", f.beta, 0.02);
    sig4("nls gamma (exact data)", f.gamma, 1.0);
    assert_true(f.sse < 1e-20);

    assert_int_equal(usl_fit(synthetic, N_OF(synthetic), &f, &why), USL_OK);
    assert_true(fabs(f.alpha - 0.02) <= 1e-5);
    sig4("nls beta", f.beta, 0.02);
    sig4("nls gamma", f.gamma, 1.0);
    assert_true(f.r2 > 0.99999);
    assert_true(f.rse < 1e-4);
    assert_true(f.has_peak);
    sig4("N*", f.peak_n, sqrt(0.98 / 0.02)); /* 7.0 */
    sig4("X(N*)", f.peak_x, 7.0 / (1 + 0.02 * 6 + 0.02 * 42));

    assert_int_equal(usl_fit_quadratic(synthetic, N_OF(synthetic), &f, &why), USL_OK);
    sig4("quadratic alpha", f.alpha, 0.02);
    sig4("quadratic beta", f.beta, 0.02);
    sig4("quadratic gamma", f.gamma, 1.0);
    assert_int_equal(f.iterations, 0);
}

static void synthetic_without_n1(void **state)
{
    (void)state;
    /* The non-linear fit needs no N = 1 point; the quadratic method does. */
    struct usl_fit f;
    const char *why = NULL;
    assert_int_equal(usl_fit(synthetic + 1, N_OF(synthetic) - 1, &f, &why), USL_OK);
    assert_true(fabs(f.alpha - 0.02) <= 1e-5); /* see above */
    sig4("beta", f.beta, 0.02);
    sig4("gamma", f.gamma, 1.0);
    assert_int_equal(usl_fit_quadratic(synthetic + 1, N_OF(synthetic) - 1, &f, &why), USL_ETOOFEW);
    assert_non_null(strstr(why, "concurrency 1"));
}

static void sgi_quadratic(void **state)
{
    (void)state;
    struct usl_fit q;
    const char *why = NULL;
    assert_int_equal(usl_fit_quadratic(sgi, N_OF(sgi), &q, &why), USL_OK);
    /* Published to 8 decimals: α to all its 7 significant figures; β
     * (0.00000471, 3 figures as published) to the same 8 decimals. */
    assert_true(fabs(q.alpha - 0.05002394) <= 0.5e-8);
    sig4("alpha", q.alpha, 0.05002394);
    assert_true(fabs(q.beta - 0.00000471) <= 0.5e-8);
    assert_true(q.gamma == 20);
    assert_true(q.has_peak);
    sig4("N*", q.peak_n, sqrt((1 - q.alpha) / q.beta));
    assert_true(fabs(q.peak_n / sqrt((1 - 0.05002394) / 0.00000471) - 1) < 1e-3); /* ≈ 449 */
    assert_true(q.r2 > 0.9 && q.r2 < 1);
    assert_true(q.rse > 0);
}

static void sgi_nonlinear(void **state)
{
    (void)state;
    /* No published NLS coefficients to 4 figures are in the reference;
     * what must hold: the bounded least-squares fit is at least as good as
     * the quadratic one on the same data (it minimises the same SSE over
     * a set that contains the quadratic's parameters), it stays in the
     * box, and it is near the quadratic's answer. */
    struct usl_fit f, q;
    const char *why = NULL;
    assert_int_equal(usl_fit(sgi, N_OF(sgi), &f, &why), USL_OK);
    assert_int_equal(usl_fit_quadratic(sgi, N_OF(sgi), &q, &why), USL_OK);
    assert_true(f.sse <= q.sse * (1 + 1e-9));
    assert_true(f.alpha >= 0 && f.alpha <= 1 && f.beta >= 0 && f.beta <= 1 && f.gamma > 0);
    assert_true(fabs(f.alpha - q.alpha) < 0.02);
    assert_true(fabs(f.gamma - q.gamma) < 3);
    assert_true(f.r2 > q.r2 - 1e-12);
    /* Here β ends on its bound (0): moving it inside the box costs. */
    if (f.beta == 0) {
        struct usl_fit g = f;
        g.beta = 1e-6;
        double sse = 0;
        for (size_t i = 0; i < N_OF(sgi); i++) {
            double r = sgi[i].x - usl_model(&g, sgi[i].n);
            sse += r * r;
        }
        assert_true(sse > f.sse);
    }
    /* A local minimum: nudging any parameter (inside the box) costs. */
    for (int k = 0; k < 3; k++)
        for (int s = -1; s <= 1; s += 2) {
            struct usl_fit g = f;
            double *v = k == 0 ? &g.gamma : k == 1 ? &g.alpha : &g.beta;
            *v *= 1 + s * 1e-4;
            if (*v < 0 || *v > 1e9)
                continue;
            double sse = 0;
            for (size_t i = 0; i < N_OF(sgi); i++) {
                double r = sgi[i].x - usl_model(&g, sgi[i].n);
                sse += r * r;
            }
            assert_true(sse >= f.sse * (1 - 1e-12));
        }
}

static void bounds_hold(void **state)
{
    (void)state;
    /* Super-linear data would want α < 0: the fit stops at α = 0. */
    struct usl_point sup[6];
    for (int i = 0; i < 6; i++) {
        double n = i + 1;
        sup[i] = (struct usl_point){n, 10 * n / (1 - 0.05 * (n - 1))};
    }
    struct usl_fit f;
    const char *why = NULL;
    assert_int_equal(usl_fit(sup, 6, &f, &why), USL_OK);
    assert_true(f.alpha == 0 && f.beta == 0);
    assert_false(f.has_peak);
    assert_true(isinf(f.ceiling_x)); /* linear: no ceiling */

    /* Amdahl (β = 0): the ceiling is γ/α. */
    struct usl_point am[8];
    for (int i = 0; i < 8; i++) {
        double n = 1 << i;
        am[i] = (struct usl_point){n, 5 * n / (1 + 0.1 * (n - 1))};
    }
    assert_int_equal(usl_fit(am, 8, &f, &why), USL_OK);
    sig4("amdahl alpha", f.alpha, 0.1);
    sig4("amdahl gamma", f.gamma, 5);
    assert_true(f.beta < 1e-9);
    if (f.beta == 0) {
        assert_false(f.has_peak);
        sig4("ceiling", f.ceiling_x, 50);
    }

    /* Planted parameters of the gateway simulator's kind: recovered. */
    struct usl_point pl[7];
    const double ns[] = {1, 2, 4, 8, 16, 24, 32};
    for (int i = 0; i < 7; i++)
        pl[i] = (struct usl_point){
            ns[i], 100 * ns[i] / (1 + 0.03 * (ns[i] - 1) + 0.0005 * ns[i] * (ns[i] - 1))};
    assert_int_equal(usl_fit(pl, 7, &f, &why), USL_OK);
    sig4("planted alpha", f.alpha, 0.03);
    sig4("planted beta", f.beta, 0.0005);
    sig4("planted gamma", f.gamma, 100);
}

static void three_points_exactly(void **state)
{
    (void)state;
    /* Three points: three parameters, no degrees of freedom left. */
    struct usl_point p[3] = {{1, 1}, {4, 3.0769}, {10, 3.3557}};
    struct usl_fit f;
    const char *why = NULL;
    assert_int_equal(usl_fit(p, 3, &f, &why), USL_OK);
    assert_true(isnan(f.rse));
    assert_true(f.sse < 1e-8);
    assert_int_equal(usl_fit_quadratic(p, 3, &f, &why), USL_OK);
    assert_true(isnan(f.rse));
}

static void errors(void **state)
{
    (void)state;
    struct usl_fit f;
    const char *why = NULL;
    assert_int_equal(usl_fit(synthetic, 2, &f, &why), USL_ETOOFEW);
    assert_non_null(strstr(why, "at least 3 points"));
    assert_int_equal(usl_fit(NULL, 0, &f, &why), USL_ETOOFEW);
    assert_int_equal(usl_fit_quadratic(synthetic, 2, &f, NULL), USL_ETOOFEW);

    struct usl_point p[4] = {{1, 1}, {2, 1.8}, {4, 3}, {8, 3.5}};
    p[2].x = NAN;
    assert_int_equal(usl_fit(p, 4, &f, &why), USL_EVALUE);
    assert_non_null(strstr(why, "NaN"));
    p[2].x = INFINITY;
    assert_int_equal(usl_fit(p, 4, &f, &why), USL_EVALUE);
    p[2].x = -3;
    assert_int_equal(usl_fit(p, 4, &f, &why), USL_EVALUE);
    assert_non_null(strstr(why, "negative"));
    p[2].x = 3;
    p[0].n = 0;
    assert_int_equal(usl_fit(p, 4, &f, &why), USL_EVALUE);
    p[0].n = -1;
    assert_int_equal(usl_fit_quadratic(p, 4, &f, &why), USL_EVALUE);
    p[0].n = NAN;
    assert_int_equal(usl_fit(p, 4, &f, &why), USL_EVALUE);

    /* Degenerate: too few distinct N, all zero throughput. */
    struct usl_point same[5] = {{4, 1}, {4, 2}, {8, 3}, {8, 3}, {4, 1}};
    assert_int_equal(usl_fit(same, 5, &f, &why), USL_EDEGENERATE);
    assert_non_null(strstr(why, "3 different concurrency"));
    struct usl_point zero[4] = {{1, 0}, {2, 0}, {4, 0}, {8, 0}};
    assert_int_equal(usl_fit(zero, 4, &f, &why), USL_EDEGENERATE);
    assert_int_equal(usl_fit_quadratic(zero, 4, &f, &why), USL_EDEGENERATE);
    /* Quadratic: X(1) zero, or only one level besides N = 1. */
    struct usl_point q0[4] = {{1, 0}, {2, 1}, {4, 2}, {8, 3}};
    assert_int_equal(usl_fit_quadratic(q0, 4, &f, &why), USL_EDEGENERATE);
    struct usl_point q1[4] = {{1, 1}, {1, 1.1}, {4, 2}, {4, 2.1}};
    assert_int_equal(usl_fit_quadratic(q1, 4, &f, &why), USL_EDEGENERATE);

    /* Constant throughput: fits (α = 1 makes X flat) but R² is undefined. */
    struct usl_point flat[4] = {{1, 5}, {2, 5}, {4, 5}, {8, 5}};
    assert_int_equal(usl_fit(flat, 4, &f, &why), USL_OK);
    assert_true(isnan(f.r2));
    assert_true(fabs(usl_model(&f, 16) - 5) < 1e-3);

    assert_string_equal(usl_strerror(USL_ETOOFEW), "too few points");
    assert_string_equal(usl_strerror(USL_ENOCONV), "no convergence");
    assert_string_equal(usl_strerror(42), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(synthetic_both_methods),
        cmocka_unit_test(synthetic_without_n1),
        cmocka_unit_test(sgi_quadratic),
        cmocka_unit_test(sgi_nonlinear),
        cmocka_unit_test(bounds_hold),
        cmocka_unit_test(three_points_exactly),
        cmocka_unit_test(errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
