/*
 * usl.c — Universal Scalability Law fits; see usl.h.
 *
 * The non-linear fit is a small projected Levenberg–Marquardt in three
 * parameters. The columns of the Jacobian differ by orders of magnitude
 * (∂X/∂β grows like N³), so the normal equations are scaled by their
 * diagonal before damping (Marquardt's scaling) and solved by Gaussian
 * elimination with partial pivoting: for 3×3 nothing more is needed.
 */
#include "analysis/usl.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define NPAR 3
#define MAX_ITER 2000
#define LAMBDA_START 1e-3
#define LAMBDA_MAX 1e20
#define GAMMA_MIN_FRAC 1e-12 /* γ is kept above this share of the largest X/N */

static void set_why(const char **why, const char *msg)
{
    if (why)
        *why = msg;
}

double usl_model(const struct usl_fit *f, double n)
{
    return f->gamma * n / (1.0 + f->alpha * (n - 1.0) + f->beta * n * (n - 1.0));
}

static double model3(const double p[NPAR], double n)
{
    return p[0] * n / (1.0 + p[1] * (n - 1.0) + p[2] * n * (n - 1.0));
}

static double sse_of(const struct usl_point *pts, size_t count, const double p[NPAR])
{
    double s = 0;
    for (size_t i = 0; i < count; i++) {
        double r = pts[i].x - model3(p, pts[i].n);
        s += r * r;
    }
    return s;
}

/* Checks values and counts shared by both methods. */
static int check_points(const struct usl_point *pts, size_t count, const char **why)
{
    if (pts == NULL || count < USL_MIN_POINTS) {
        set_why(why, "a USL fit needs at least 3 points (3 parameters); measure more "
                     "concurrency levels");
        return USL_ETOOFEW;
    }
    if (count > USL_MAX_POINTS) {
        set_why(why, "more than 100,000 points; aggregate the measurements per concurrency level");
        return USL_EVALUE;
    }
    double xmax = 0;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(pts[i].n) || !isfinite(pts[i].x)) {
            set_why(why, "a concurrency or throughput is not a finite number (NaN or infinite)");
            return USL_EVALUE;
        }
        if (pts[i].n <= 0 || pts[i].x < 0) {
            set_why(why, "concurrency must be above 0 and throughput not negative");
            return USL_EVALUE;
        }
        if (pts[i].x > xmax)
            xmax = pts[i].x;
    }
    /* Three parameters need three distinct concurrency levels. */
    double d[2] = {pts[0].n, NAN};
    int distinct = 1;
    for (size_t i = 1; i < count && distinct < 3; i++) {
        if (pts[i].n == d[0] || (distinct == 2 && pts[i].n == d[1]))
            continue;
        if (distinct == 1)
            d[1] = pts[i].n;
        distinct++;
    }
    if (distinct < 3) {
        set_why(why, "the points cover fewer than 3 different concurrency levels; a USL fit "
                     "needs at least 3");
        return USL_EDEGENERATE;
    }
    if (xmax <= 0) {
        set_why(why, "every throughput is zero; nothing to fit");
        return USL_EDEGENERATE;
    }
    return USL_OK;
}

/* Goodness of fit and the peak, from the parameters already in *f. */
static void finish(const struct usl_point *pts, size_t count, struct usl_fit *f)
{
    double p[NPAR] = {f->gamma, f->alpha, f->beta};
    double mean = 0;
    for (size_t i = 0; i < count; i++)
        mean += pts[i].x;
    mean /= (double)count;
    double sst = 0;
    for (size_t i = 0; i < count; i++)
        sst += (pts[i].x - mean) * (pts[i].x - mean);
    f->points = count;
    f->sse = sse_of(pts, count, p);
    f->rse = count > NPAR ? sqrt(f->sse / (double)(count - NPAR)) : NAN;
    f->r2 = sst > 0 ? 1.0 - f->sse / sst : NAN;
    if (f->beta > 0) {
        f->has_peak = true;
        f->peak_n = sqrt((1.0 - f->alpha) / f->beta);
        f->peak_x = usl_model(f, f->peak_n < 1 ? 1 : f->peak_n);
        f->ceiling_x = f->peak_x;
    } else {
        f->has_peak = false;
        f->peak_n = NAN;
        f->peak_x = NAN;
        f->ceiling_x = f->alpha > 0 ? f->gamma / f->alpha : INFINITY;
    }
}

/* Solves the m×m system a·x = b (a and b destroyed). Returns false when
 * singular. */
static bool solve(double a[NPAR][NPAR], double b[NPAR], int m, double x[NPAR])
{
    for (int c = 0; c < m; c++) {
        int piv = c;
        for (int r = c + 1; r < m; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        if (!(fabs(a[piv][c]) > 0))
            return false;
        if (piv != c) {
            for (int k = 0; k < m; k++) {
                double t = a[c][k];
                a[c][k] = a[piv][k];
                a[piv][k] = t;
            }
            double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < m; r++) {
            double f = a[r][c] / a[c][c];
            for (int k = c; k < m; k++)
                a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int r = m - 1; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < m; k++)
            s -= a[r][k] * x[k];
        x[r] = s / a[r][r];
        if (!isfinite(x[r]))
            return false;
    }
    return true;
}

/* JᵀJ and Jᵀr at p (J = ∂model/∂p, r = x − model). */
static void normal_equations(const struct usl_point *pts, size_t count, const double p[NPAR],
                             double jtj[NPAR][NPAR], double jtr[NPAR])
{
    memset(jtj, 0, sizeof(double) * NPAR * NPAR);
    memset(jtr, 0, sizeof(double) * NPAR);
    for (size_t i = 0; i < count; i++) {
        double n = pts[i].n;
        double d = 1.0 + p[1] * (n - 1.0) + p[2] * n * (n - 1.0);
        double f = p[0] * n / d;
        double j[NPAR] = {n / d, -f * (n - 1.0) / d, -f * n * (n - 1.0) / d};
        double r = pts[i].x - f;
        for (int a = 0; a < NPAR; a++) {
            jtr[a] += j[a] * r;
            for (int b = 0; b < NPAR; b++)
                jtj[a][b] += j[a] * j[b];
        }
    }
}

int usl_fit(const struct usl_point *points, size_t count, struct usl_fit *out, const char **why)
{
    memset(out, 0, sizeof *out);
    int rc = check_points(points, count, why);
    if (rc != USL_OK)
        return rc;

    double gmax = 0;
    for (size_t i = 0; i < count; i++)
        if (points[i].x / points[i].n > gmax)
            gmax = points[i].x / points[i].n;
    const double lo[NPAR] = {gmax * GAMMA_MIN_FRAC, 0, 0};
    const double hi[NPAR] = {INFINITY, 1, 1};
    double p[NPAR] = {gmax, 0.01, 0.0001};
    double cost = sse_of(points, count, p);
    double lambda = LAMBDA_START;
    int it = 0;
    bool converged = false;

    for (it = 1; it <= MAX_ITER && !converged; it++) {
        double jtj[NPAR][NPAR], jtr[NPAR];
        normal_equations(points, count, p, jtj, jtr);

        /* Free parameters: those not held at a bound by a gradient that
         * points out of the box (jtr is the descent direction). */
        int idx[NPAR], m = 0;
        for (int a = 0; a < NPAR; a++) {
            bool at_lo = p[a] <= lo[a] && jtr[a] <= 0;
            bool at_hi = p[a] >= hi[a] && jtr[a] >= 0;
            if (!at_lo && !at_hi && jtj[a][a] > 0)
                idx[m++] = a;
        }
        if (m == 0) { /* a corner of the box is the optimum */
            converged = true;
            break;
        }
        double gnorm = 0;
        for (int a = 0; a < m; a++)
            gnorm += jtr[idx[a]] * jtr[idx[a]] / jtj[idx[a]][idx[a]];
        if (gnorm <= 1e-28 * (cost > 0 ? cost : DBL_MIN)) {
            converged = true;
            break;
        }

        /* Inner loop: raise the damping until a step lowers the cost. */
        bool accepted = false;
        while (!accepted && lambda <= LAMBDA_MAX) {
            double a[NPAR][NPAR], b[NPAR], dx[NPAR];
            for (int r = 0; r < m; r++) {
                double sr = sqrt(jtj[idx[r]][idx[r]]);
                for (int c = 0; c < m; c++)
                    a[r][c] = jtj[idx[r]][idx[c]] / (sr * sqrt(jtj[idx[c]][idx[c]]));
                a[r][r] += lambda;
                b[r] = jtr[idx[r]] / sr;
            }
            if (!solve(a, b, m, dx)) {
                lambda *= 10;
                continue;
            }
            double q[NPAR] = {p[0], p[1], p[2]};
            for (int r = 0; r < m; r++) {
                int k = idx[r];
                q[k] += dx[r] / sqrt(jtj[k][k]);
                q[k] = q[k] < lo[k] ? lo[k] : q[k] > hi[k] ? hi[k] : q[k];
            }
            double c2 = sse_of(points, count, q);
            if (isfinite(c2) && c2 < cost) {
                double step = 0;
                for (int k = 0; k < NPAR; k++) {
                    double scale = fabs(p[k]) > 1e-12 ? fabs(p[k]) : 1e-12;
                    double d = fabs(q[k] - p[k]) / scale;
                    step = d > step ? d : step;
                }
                double gain = (cost - c2) / cost;
                memcpy(p, q, sizeof p);
                cost = c2;
                lambda = lambda / 10 > 1e-12 ? lambda / 10 : 1e-12;
                accepted = true;
                if (gain < 1e-15 || step < 1e-13 || cost == 0)
                    converged = true;
            } else {
                lambda *= 10;
            }
        }
        if (!accepted) /* no step lowers the cost: a (local) minimum */
            converged = true;
    }
    if (!converged || !isfinite(cost)) {
        set_why(why, "the USL fit did not converge; the data may not follow the USL "
                     "(check for outliers or mixed units)");
        return USL_ENOCONV;
    }
    out->gamma = p[0];
    out->alpha = p[1];
    out->beta = p[2];
    out->iterations = it;
    finish(points, count, out);
    return USL_OK;
}

int usl_fit_quadratic(const struct usl_point *points, size_t count, struct usl_fit *out,
                      const char **why)
{
    memset(out, 0, sizeof *out);
    int rc = check_points(points, count, why);
    if (rc != USL_OK)
        return rc;
    double x1 = 0;
    size_t ones = 0;
    for (size_t i = 0; i < count; i++)
        if (points[i].n == 1) {
            x1 += points[i].x;
            ones++;
        }
    if (ones == 0) {
        set_why(why, "the quadratic method needs a point at concurrency 1 (X(1))");
        return USL_ETOOFEW;
    }
    x1 /= (double)ones;
    if (!(x1 > 0)) {
        set_why(why, "the throughput at concurrency 1 is zero; the quadratic method divides by it");
        return USL_EDEGENERATE;
    }
    double s2 = 0, s3 = 0, s4 = 0, sxy = 0, sx2y = 0;
    for (size_t i = 0; i < count; i++) {
        if (points[i].n == 1)
            continue;
        if (!(points[i].x > 0)) {
            set_why(why, "a throughput above concurrency 1 is zero; the quadratic method divides "
                         "by it");
            return USL_EDEGENERATE;
        }
        double c = points[i].x / x1;
        double x = points[i].n - 1.0;
        double y = points[i].n / c - 1.0;
        s2 += x * x;
        s3 += x * x * x;
        s4 += x * x * x * x;
        sxy += x * y;
        sx2y += x * x * y;
    }
    double det = s4 * s2 - s3 * s3;
    if (!(fabs(det) > 1e-12 * s4 * s2)) {
        set_why(why, "the quadratic method needs at least two different concurrency levels "
                     "besides 1");
        return USL_EDEGENERATE;
    }
    double a = (sx2y * s2 - s3 * sxy) / det;
    double b = (s4 * sxy - s3 * sx2y) / det;
    out->gamma = x1;
    out->beta = a;
    out->alpha = b - a;
    out->iterations = 0;
    finish(points, count, out);
    return USL_OK;
}

const char *usl_strerror(int code)
{
    switch (code) {
    case USL_OK:
        return "ok";
    case USL_ETOOFEW:
        return "too few points";
    case USL_EVALUE:
        return "bad value";
    case USL_EDEGENERATE:
        return "degenerate data";
    case USL_ENOCONV:
        return "no convergence";
    default:
        return "unknown error";
    }
}
