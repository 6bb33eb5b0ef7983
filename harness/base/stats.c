/*
 * stats.c — the Mann–Whitney U test; see stats.h.
 */
#include "base/stats.h"

#include <math.h>
#include <stdlib.h>

double stats_normal_upper(double z)
{
    return 0.5 * erfc(z / sqrt(2.0));
}

struct pooled {
    double v;
    int from_y;
};

static int by_value(const void *a, const void *b)
{
    double x = ((const struct pooled *)a)->v, y = ((const struct pooled *)b)->v;
    return (x > y) - (x < y);
}

/* P(U = u) for u in 0..nx·ny under H0 (no ties) into dist: the largest of
 * i + j values is one of the j y's with probability j/(i+j), and then it
 * exceeds all i x's; so f(i,j,u) = j/(i+j)·f(i,j−1,u−i) + i/(i+j)·f(i−1,j,u).
 * Every step is a convex combination, so nothing overflows or cancels. */
static int exact_dist(size_t nx, size_t ny, double *dist)
{
    size_t m = nx * ny + 1;
    double *prev = calloc((nx + 1) * m, sizeof *prev);
    double *cur = calloc((nx + 1) * m, sizeof *cur);
    if (!prev || !cur) {
        free(prev);
        free(cur);
        return STATS_ENOMEM;
    }
    for (size_t i = 0; i <= nx; i++) /* j = 0: U is 0 */
        prev[i * m] = 1;
    for (size_t j = 1; j <= ny; j++) {
        cur[0] = 1; /* i = 0: U is 0 */
        for (size_t i = 1; i <= nx; i++) {
            double py = (double)j / (double)(i + j), px = 1 - py;
            double *f = cur + i * m;
            const double *fy = prev + i * m;      /* (i, j−1) */
            const double *fx = cur + (i - 1) * m; /* (i−1, j) */
            for (size_t u = 0; u <= i * j; u++) {
                double a = u >= i && u - i <= i * (j - 1) ? fy[u - i] : 0;
                double b = u <= (i - 1) * j ? fx[u] : 0;
                f[u] = py * a + px * b;
            }
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    for (size_t u = 0; u < m; u++)
        dist[u] = prev[nx * m + u];
    free(prev);
    free(cur);
    return STATS_OK;
}

static int exact_p(size_t nx, size_t ny, double u_obs, enum stats_alternative alt, double *p)
{
    size_t m = nx * ny + 1;
    double *dist = malloc(m * sizeof *dist);
    if (!dist)
        return STATS_ENOMEM;
    int rc = exact_dist(nx, ny, dist);
    if (rc) {
        free(dist);
        return rc;
    }
    size_t u = (size_t)u_obs; /* no ties: U is a whole number */
    double ge = 0, le = 0;
    for (size_t k = m; k-- > u;)
        ge += dist[k];
    for (size_t k = 0; k <= u; k++)
        le += dist[k];
    free(dist);
    double v = alt == STATS_GREATER ? ge : alt == STATS_LESS ? le : 2 * fmin(ge, le);
    *p = fmin(1.0, v);
    return STATS_OK;
}

int stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
                       enum stats_alternative alt, struct stats_mw *out)
{
    if (nx == 0 || ny == 0)
        return STATS_EINVAL;
    for (size_t i = 0; i < nx; i++)
        if (!isfinite(x[i]))
            return STATS_EINVAL;
    for (size_t i = 0; i < ny; i++)
        if (!isfinite(y[i]))
            return STATS_EINVAL;
    size_t n = nx + ny;
    struct pooled *all = malloc(n * sizeof *all);
    if (!all)
        return STATS_ENOMEM;
    for (size_t i = 0; i < nx; i++)
        all[i] = (struct pooled){x[i], 0};
    for (size_t i = 0; i < ny; i++)
        all[nx + i] = (struct pooled){y[i], 1};
    qsort(all, n, sizeof *all, by_value);

    /* Mid-ranks (1-based); ties share the mean of their ranks. */
    double rank_y = 0, tie_sum = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && all[j + 1].v == all[i].v)
            j++;
        double t = (double)(j - i + 1), mid = (double)(i + j) / 2 + 1;
        for (size_t k = i; k <= j; k++)
            if (all[k].from_y)
                rank_y += mid;
        tie_sum += t * t * t - t;
        i = j + 1;
    }
    free(all);

    double fx = (double)nx, fy = (double)ny, fn = (double)n;
    *out = (struct stats_mw){.u = rank_y - fy * (fy + 1) / 2, .z = NAN, .ties = tie_sum > 0};
    if (!out->ties && nx <= STATS_MW_EXACT_MAX && ny <= STATS_MW_EXACT_MAX) {
        out->exact = true;
        return exact_p(nx, ny, out->u, alt, &out->p);
    }
    double mu = fx * fy / 2;
    double var = fx * fy / 12 * ((fn + 1) - tie_sum / (fn * (fn - 1)));
    if (!(var > 0)) { /* every value equal: nothing tells the samples apart */
        out->p = 1;
        return STATS_OK;
    }
    double sd = sqrt(var), d = out->u - mu;
    if (alt == STATS_GREATER) {
        out->z = (d - 0.5) / sd;
        out->p = stats_normal_upper(out->z);
    } else if (alt == STATS_LESS) {
        out->z = (d + 0.5) / sd;
        out->p = stats_normal_upper(-out->z);
    } else {
        out->z = (fabs(d) - 0.5) / sd;
        out->p = fmin(1.0, 2 * stats_normal_upper(out->z));
    }
    return STATS_OK;
}

double stats_wilson_low(double k, double n)
{
    if (!(n > 0))
        return 0;
    const double z = 1.96;
    double p = k / n, z2n = z * z / n;
    double centre = p + z2n / 2, spread = z * sqrt(p * (1 - p) / n + z2n / (4 * n));
    double low = (centre - spread) / (1 + z2n);
    return low > 0 ? low : 0;
}
