/*
 * sched.h — the open model's arrival schedule, and the small random
 * helpers the request mix uses.
 *
 * Arrivals are placed in "count space": phase p's cumulative expected
 * count is C(t) = r0·t + (r1 − r0)·t²/(2D) for t in [0, D] (a constant rate
 * when r0 == r1, a linear ramp otherwise), and the phases follow one
 * another in one count. Arrival j (0, 1, 2, ... over the whole run) sits at
 * count j + ½ (deterministic) or at the j-th point of one unit-rate Poisson
 * process drawn from the run's seed (Poisson arrivals); its intended start
 * time is C⁻¹ of that count.
 *
 * That list is the schedule, whoever sends it. A sender s of S takes the
 * arrivals j with j mod S = s: the workers of one machine (S = W), or the
 * workers of every shard of a distributed run (worker w of shard i of N is
 * sender i + N·w of N·W, so that shard i sends exactly the arrivals with
 * j mod N = i). Every sender computes the same counts and times bit for
 * bit (integers, and for Poisson every point of the one process summed in
 * the same order), so the senders' lists are disjoint and together are the
 * one-machine list; the senders' arrivals interleave without bursts.
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
    bool poisson;
    uint64_t rng;
    uint64_t stride;      /* S */
    uint64_t next;        /* index j of this sender's next arrival */
    uint64_t drawn;       /* Poisson: index of the last point drawn */
    double point;         /* Poisson: that point's count */
    size_t phase;         /* phase of the next arrival */
    double phase_start_s; /* its start, seconds from run start */
    double phase_base;    /* the count at its start */
};

/* The seed of every run's Poisson process: one schedule, the same on
 * every machine and in every run. */
#define SCHED_RUN_SEED 0x2545F4914F6CDD1DULL

/* Prepares sender `sender` of `senders` (see above) over the phases
 * (borrowed; must outlive s). seed is the run's: every sender of one run
 * passes the same one. */
void sched_init(struct sched *s, const struct scn_phase *phases, size_t n_phases, uint64_t sender,
                uint64_t senders, bool poisson, uint64_t seed);

/* The sender number of worker `worker` of `workers` in shard `shard` of
 * `shards`, and the number of senders (shards·workers). */
uint64_t sched_sender(int shard, int shards, int worker, int workers, uint64_t *senders);

/* The next arrival of this sender: intended start in ns from the run
 * start, and its phase index (and, when index is not NULL, its j).
 * Returns false once the schedule is over. Poisson: draws the points of
 * the other senders too (S draws per arrival; the cost is in make bench). */
bool sched_next(struct sched *s, int64_t *intended_ns, size_t *phase, uint64_t *index);

/* Expected arrivals of all workers in phase p: D·(r0 + r1)/2. */
double sched_phase_arrivals(const struct scn_phase *p);

/* Index drawn with probability proportional to weights (cumulative[i] is
 * the sum of weights 0..i; n >= 1). */
size_t sched_pick(const double *cumulative, size_t n, uint64_t *state);

/* Smooth weighted round robin (nginx's): every pick adds each weight to
 * its running value, takes the largest and takes the total off it, so
 * weights 5, 1, 1 give a a b a c a a — spread out, never bunched. The
 * senders share one such sequence: sender s of S takes every S-th pick
 * (offset s), so that arrivals striped over the senders meet the targets
 * in turn, as a balancer's round robin would. */
struct sched_rr {
    double *weights; /* [n], owned */
    double *current; /* [n], owned */
    size_t n;
    double total;
    uint64_t stride; /* S */
};

/* Sets up sender `sender` of `senders` over weights[0..n) (copied; each
 * > 0). Returns 0 or -1 (no memory). */
int sched_rr_init(struct sched_rr *rr, const double *weights, size_t n, uint64_t sender,
                  uint64_t senders);

/* The next target index of this sender. Allocates nothing. */
size_t sched_rr_next(struct sched_rr *rr);

void sched_rr_free(struct sched_rr *rr);

#endif
