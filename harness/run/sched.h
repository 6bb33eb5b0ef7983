/*
 * sched.h — the open model's arrival schedule, and the small random
 * helpers the request mix uses.
 *
 * Arrivals are placed in "count space": phase p's cumulative expected
 * count is C(t) = r0·t + (r1 − r0)·t²/(2D) for t in [0, D] (a constant rate
 * when r0 == r1, a linear ramp otherwise). Arrival j sits at count j + ½
 * (deterministic) or at the points of a unit-rate Poisson process (Poisson
 * arrivals), and its intended start time is C⁻¹ of that count. A worker
 * w of W takes every W-th arrival (offset w), so the workers together
 * produce exactly the scenario's schedule and do not send in bursts.
 */
#ifndef GATECAP_SCHED_H
#define GATECAP_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scn_phase;

struct sched {
    const struct scn_phase *phases;
    size_t n_phases;
    double share; /* 1/W */
    bool poisson;
    uint64_t rng;
    size_t phase;         /* phase of the next arrival */
    double phase_start_s; /* its start, seconds from run start */
    double count;         /* next arrival's count within this phase (worker units) */
};

/* Prepares worker `worker` of `workers` over the phases (borrowed; must
 * outlive s). seed varies the Poisson draws. */
void sched_init(struct sched *s, const struct scn_phase *phases, size_t n_phases, int worker,
                int workers, bool poisson, uint64_t seed);

/* The next arrival: intended start in ns from the run start, and its
 * phase index. Returns false once the schedule is over. */
bool sched_next(struct sched *s, int64_t *intended_ns, size_t *phase);

/* Expected arrivals of all workers in phase p: D·(r0 + r1)/2. */
double sched_phase_arrivals(const struct scn_phase *p);

/* Index drawn with probability proportional to weights (cumulative[i] is
 * the sum of weights 0..i; n >= 1). */
size_t sched_pick(const double *cumulative, size_t n, uint64_t *state);

/* Smooth weighted round robin (nginx's): every pick adds each weight to
 * its running value, takes the largest and takes the total off it, so
 * weights 5, 1, 1 give a a b a c a a — spread out, never bunched. The
 * workers share one such sequence: worker w of W takes every W-th pick
 * (offset w), so that arrivals striped over the workers meet the targets
 * in turn, as a balancer's round robin would. */
struct sched_rr {
    double *weights; /* [n], owned */
    double *current; /* [n], owned */
    size_t n;
    double total;
    int stride; /* W */
};

/* Sets up worker `worker` of `workers` over weights[0..n) (copied; each
 * > 0). Returns 0 or -1 (no memory). */
int sched_rr_init(struct sched_rr *rr, const double *weights, size_t n, int worker, int workers);

/* The next target index of this worker. Allocates nothing. */
size_t sched_rr_next(struct sched_rr *rr);

void sched_rr_free(struct sched_rr *rr);

#endif
