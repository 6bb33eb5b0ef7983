/*
 * usl.h — Universal Scalability Law fits (Neil Gunther):
 *
 *     X(N) = γ·N / (1 + α·(N − 1) + β·N·(N − 1))
 *
 * N is concurrency (virtual users, or nodes), X throughput (any unit per
 * second; the fit keeps it). γ is one unit's throughput without
 * contention, α contention (serialisation), β coherency (crosstalk).
 *
 * Two published fitting methods (../shared/reference/capacity.md):
 *  - usl_fit: bounded non-linear least squares over (γ, α, β), with
 *    0 ≤ α ≤ 1, 0 ≤ β ≤ 1, γ > 0, started at γ = max(X/N), α = 0.01,
 *    β = 0.0001 (as the R package usl ≥ 2.0). A projected
 *    Levenberg–Marquardt: parameters at a bound whose gradient points out
 *    of the box are held for that iteration, every step is clipped to the
 *    box. Needs no N = 1 point.
 *  - usl_fit_quadratic: the transformed quadratic of usl 1.x and Gunther's
 *    book; needs X(1). α and β are not bounded by this method.
 *
 * Pure computation: no allocation beyond the stack, no printing, no
 * global state. Errors are negative codes, with *why (may be NULL) set to
 * a static sentence saying what is wrong and what to do.
 */
#ifndef GATECAP_USL_H
#define GATECAP_USL_H

#include <stdbool.h>
#include <stddef.h>

enum {
    USL_OK = 0,
    USL_ETOOFEW = -1,     /* fewer than 3 points (or no N = 1 point for the quadratic) */
    USL_EVALUE = -2,      /* a value is NaN, infinite, negative, or N is 0 */
    USL_EDEGENERATE = -3, /* fewer than 3 distinct N, all X zero, singular system */
    USL_ENOCONV = -4,     /* the non-linear fit did not converge */
};

#define USL_MIN_POINTS 3
#define USL_MAX_POINTS 100000

/* One measurement: concurrency n (> 0) and throughput x (≥ 0). */
struct usl_point {
    double n;
    double x;
};

/* A fitted model and how well it fits. */
struct usl_fit {
    double gamma; /* X(1) without contention, in the unit of x */
    double alpha; /* contention */
    double beta;  /* coherency */
    size_t points;
    double sse;     /* sum of squared residuals, unit of x squared */
    double rse;     /* residual standard error sqrt(sse / (points − 3)); NaN with 3 points */
    double r2;      /* 1 − sse / sst; NaN when every x is the same */
    int iterations; /* non-linear fit: LM iterations taken; quadratic: 0 */
    /* Peak: with β > 0 the throughput peaks at N* = sqrt((1 − α)/β)
     * (N* is reported as computed; when it is below 1 the highest
     * throughput is at N = 1). With β = 0 there is no peak: has_peak is
     * false and ceiling_x = γ/α (infinite when α = 0: linear scaling). */
    bool has_peak;
    double peak_n;
    double peak_x;
    double ceiling_x;
};

/* X(N) under the fitted model. */
double usl_model(const struct usl_fit *f, double n);

/* Bounded non-linear least squares fit of points[0..count). Fills *out
 * (zeroed first) and returns 0, or USL_ETOOFEW, USL_EVALUE,
 * USL_EDEGENERATE, USL_ENOCONV with *why set. Borrows points. */
int usl_fit(const struct usl_point *points, size_t count, struct usl_fit *out, const char **why);

/* Transformed quadratic fit: C = X/X(1), x = N − 1, y = N/C − 1, least
 * squares y = a·x² + b·x through the origin, β = a, α = b − a, γ = X(1)
 * (the mean of the N = 1 points). Needs an N = 1 point with X > 0 and at
 * least two distinct other N. Goodness of fit is computed on X as for
 * usl_fit. Returns 0 or a negative code as usl_fit (USL_ETOOFEW when no
 * N = 1 point exists). */
int usl_fit_quadratic(const struct usl_point *points, size_t count, struct usl_fit *out,
                      const char **why);

/* A short name of an error code ("too few points", ...). */
const char *usl_strerror(int code);

#endif
