/*
 * stats.h — two-sample tests for `gatecap compare` (docs/compare.md).
 *
 * The Mann–Whitney U test (Wilcoxon rank-sum) asks whether one sample
 * tends to hold larger values than another, without assuming any
 * distribution: latency percentiles per interval are skewed and
 * heavy-tailed, so a t-test would be wrong. Nothing here prints or keeps
 * state; the only allocation is the exact distribution's scratch table,
 * freed before returning.
 */
#ifndef GATECAP_STATS_H
#define GATECAP_STATS_H

#include <stdbool.h>
#include <stddef.h>

enum {
    STATS_OK = 0,
    STATS_EINVAL = -1, /* an empty sample, or a value that is not finite */
    STATS_ENOMEM = -2,
};

/* Samples up to this size without ties get the exact distribution of U;
 * larger ones, or any with ties, the normal approximation. */
#define STATS_MW_EXACT_MAX 50

/* The alternative hypothesis, about y relative to x. */
enum stats_alternative {
    STATS_GREATER,   /* y tends to be larger than x */
    STATS_LESS,      /* y tends to be smaller than x */
    STATS_TWO_SIDED, /* either */
};

struct stats_mw {
    double u;   /* U of y: pairs (x_i, y_j) with y_j > x_i, ties counted ½;
                   0 ≤ u ≤ nx·ny, nx·ny/2 when neither tends to be larger */
    double z;   /* standardised U (tie- and continuity-corrected); NaN when
                   exact or when every value is tied */
    double p;   /* p-value under the alternative, 0 ≤ p ≤ 1 */
    bool exact; /* p from the exact permutation distribution of U */
    bool ties;  /* some values occur more than once (the pooled sample) */
};

/* Mann–Whitney U test of x (nx values, the reference) against y (ny
 * values). Exact when there are no ties and nx, ny ≤ STATS_MW_EXACT_MAX;
 * otherwise the normal approximation with the tie correction of the
 * variance and a continuity correction of ½ (as R's wilcox.test and
 * SciPy's mannwhitneyu with use_continuity). When every value of both
 * samples is equal, p = 1. Borrows x and y. Returns STATS_OK with *out
 * set, STATS_EINVAL (nx or ny is 0, a value is NaN or infinite) or
 * STATS_ENOMEM. */
int stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
                       enum stats_alternative alt, struct stats_mw *out);

/* P(Z ≥ z) for a standard normal Z. */
double stats_normal_upper(double z);

/* The lower bound of the Wilson score interval (95 %, z = 1.96) of a
 * share seen as k of n, 0..1 (0 when n is 0): the share is above it with
 * 97.5 % confidence. Used to call a rate of events "beyond a tolerance"
 * only when the counts say so (1 late arrival of 40 is not 2.5 %). */
double stats_wilson_low(double k, double n);

#endif
