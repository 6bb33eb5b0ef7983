/*
 * judge.h — one definition of a step: its achieved share, its verdict
 * under a service level, and whether the measurement can be trusted.
 * The run's `stop:` rule, its gates' `achieved`, `gatecap search` and
 * `gatecap plan` all judge through here, so they cannot disagree
 * (docs/plan.md, "What a step is").
 *
 * A step is one recorded phase at a constant rate (a staircase's step, a
 * search probe). Its **judged intervals** are its whole intervals (at
 * least 90 % of the run's interval long, with arrivals scheduled) except
 * the first, which still holds the tail of the previous step; a step
 * needs two.
 *
 * - **achieved** = completions in the judged intervals over the arrivals
 *   scheduled in them: Poisson arrivals are judged against what was
 *   scheduled, not against the nominal rate.
 * - **verdict**: every criterion of the service level (a latency
 *   percentile p50..p99.9 at most a bound, errors at most a share of the
 *   completions, achieved at least a share) over the whole step. One
 *   interval's dip can fail a step; plan's knee needs a failing step
 *   confirmed by the next one failing too (capacity.h), and a staircase's
 *   stop rule two failing steps in a row, so a dip cannot move either.
 * - **validity**: the step is invalid only when gatecap's own shortfall
 *   during it could have decided the verdict. A good step is invalid when
 *   some of its arrivals never reached the gateway (dropped in gatecap's
 *   queue, or failed for want of a local resource): it did not get the
 *   whole load. A bad step is invalid when every criterion it fails could
 *   be gatecap's doing: achieved short by no more than the arrivals
 *   gatecap lost, or sent significantly late (the Wilson 95 % lower bound
 *   of the late share above late_tolerance_pct: one late arrival in forty
 *   is noise); a latency within gatecap's largest lag of its bound while
 *   arrivals were significantly late; or any failure while gatecap's CPU
 *   was at 90 % or more of what its threads can use. Errors are answers
 *   the gateway gave: never gatecap's doing. Lateness cannot make a good
 *   step look good: latency counts from the intended start, so it only
 *   adds.
 *
 * Pure computation over the numbers given: no allocation, no printing.
 */
#ifndef GATECAP_JUDGE_H
#define GATECAP_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

/* One interval of a run, as its intervals record it. NaN: not known. */
struct judge_interval {
    double length_s;
    double scheduled; /* arrivals whose intended time fell in it */
    double completed; /* requests completed in it (any outcome) */
    double errors;    /* of those, errors */
    double p50_ms, p90_ms, p99_ms;
    double cpu_pct; /* gatecap's CPU over it, % of one core */
};

/* gatecap's own health during a step, counted by the phase of each
 * arrival (NaN: not known; an older results.json). */
struct judge_health {
    double scheduled, started, late, bound_waits, queue_drops, local_failures, abandoned;
    double max_lag_ms;
};

/* What a step is made of. */
struct judge_step {
    double offered_rps;              /* the nominal rate */
    double interval_s;               /* the run's interval */
    const struct judge_interval *iv; /* the step's intervals, in order (borrowed) */
    size_t n_iv;
    double completed, errors; /* the whole step: every completion of its arrivals */
    double latency_ms[4];     /* the whole step at p50, p90, p99, p99.9 */
    struct judge_health gen;
    double late_tolerance_pct; /* the run's */
    double cpu_ceiling_pct;    /* what gatecap's threads can use (100 × threads,
                                  at most the machine's cores); NaN: unknown */
};

#define JUDGE_MAX_CRITERIA 16

/* One criterion of a step's service level (gate.h's gate_judge_criterion
 * makes one from a gate expression). */
enum judge_metric {
    JUDGE_LATENCY,  /* a latency percentile at most (or below) bound ms */
    JUDGE_ERRORS,   /* errors at most (or below) bound % of completions */
    JUDGE_ACHIEVED, /* achieved at least (or above) bound % */
};

struct judge_criterion {
    enum judge_metric metric;
    int pct;     /* JUDGE_LATENCY: 0..3 for p50, p90, p99, p99.9 */
    bool strict; /* < (or >) rather than <= (or >=) */
    double bound;
};

struct judge_verdict {
    size_t judged;                    /* judged intervals */
    double achieved_pct;              /* over them; NaN when none */
    double cpu_pct;                   /* gatecap's mean CPU over them, NaN unknown */
    bool measured;                    /* two judged intervals or more */
    bool good;                        /* every criterion holds (meaningful when measured) */
    bool valid;                       /* the verdict can be trusted (see above) */
    double value[JUDGE_MAX_CRITERIA]; /* each criterion over the whole step (NaN: no data) */
    bool failed[JUDGE_MAX_CRITERIA];  /* fails */
    char why[320];                    /* invalid or not measured: why, as a sentence fragment */
};

/* Index of a latency percentile among p50, p90, p99, p99.9, or -1. */
int judge_pct_index(double percentile);

/* Whether value meets criterion c. */
bool judge_holds(const struct judge_criterion *c, double value);

/* Judges step s under the n criteria (n <= JUDGE_MAX_CRITERIA). */
void judge_step(const struct judge_step *s, const struct judge_criterion *criteria, size_t n,
                struct judge_verdict *v);

/* The arrivals scheduled in, and the completions in, the judged
 * intervals of a step whose intervals are iv[0..n); *judged (may be NULL)
 * says how many intervals were judged. */
void judge_achieved_counts(const struct judge_interval *iv, size_t n, double interval_s,
                           double *scheduled, double *completed, size_t *judged);

/* The achieved share (%) of the judged intervals of a step whose
 * intervals are iv[0..n) (NaN when none is judged); *judged (may be NULL)
 * says how many were. */
double judge_achieved(const struct judge_interval *iv, size_t n, double interval_s, size_t *judged);

/* 100 × what gatecap's threads can use: one core each (workers), at most
 * the machine's cores; NaN when neither is known. */
double judge_cpu_ceiling(double workers, double cores);

/* A step is made from a run by run/judge_run.h and from a results.json
 * by output/judge_results.h. */

#endif
