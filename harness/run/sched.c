/*
 * sched.c — arrival schedule of the open model; see sched.h for the math.
 */
#include "run/sched.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "scenario/scenario.h"

size_t sched_pick(const double *cumulative, size_t n, uint64_t *state)
{
    double x = rng_uniform(state) * cumulative[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cumulative[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

double sched_phase_arrivals(const struct scn_phase *p)
{
    return p->duration_s * (p->rate_start + p->rate_end) / 2.0;
}

/* Exponential step of mean 1 for Poisson arrivals. */
static double exp_step(uint64_t *rng)
{
    return -log1p(-rng_uniform(rng));
}

void sched_init(struct sched *s, const struct scn_phase *phases, size_t n_phases, int worker,
                int workers, bool poisson, uint64_t seed)
{
    s->phases = phases;
    s->n_phases = n_phases;
    s->share = 1.0 / (workers > 0 ? workers : 1);
    s->poisson = poisson;
    s->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    s->phase = 0;
    s->phase_start_s = 0;
    /* Worker w takes global arrivals w, w+W, ...: in its own units (1 per
     * own arrival) they sit at k + (w + ½)/W. */
    s->count = poisson ? exp_step(&s->rng) : (worker + 0.5) * s->share;
}

/* Time within phase p at which the worker's cumulative count reaches c. */
static double phase_time_at(const struct scn_phase *p, double share, double c)
{
    double a = share * (p->rate_end - p->rate_start) / (2.0 * p->duration_s);
    double b = share * p->rate_start;
    /* Root of a·t² + b·t − c = 0 in a form stable for a → 0. */
    double disc = b * b + 4.0 * a * c;
    if (disc < 0)
        disc = 0;
    double den = b + sqrt(disc);
    return den > 0 ? 2.0 * c / den : p->duration_s;
}

bool sched_next(struct sched *s, int64_t *intended_ns, size_t *phase)
{
    while (s->phase < s->n_phases) {
        const struct scn_phase *p = &s->phases[s->phase];
        double total = s->share * sched_phase_arrivals(p);
        if (s->count < total) {
            double t = s->phase_start_s + phase_time_at(p, s->share, s->count);
            *intended_ns = (int64_t)llround(t * 1e9);
            *phase = s->phase;
            s->count += s->poisson ? exp_step(&s->rng) : 1.0;
            return true;
        }
        /* Carry the remainder into the next phase: the process continues
         * across boundaries without a gap or a burst. */
        s->count -= total;
        s->phase_start_s += p->duration_s;
        s->phase++;
    }
    return false;
}

/* One pick of the shared sequence. */
static size_t rr_step(struct sched_rr *rr)
{
    size_t best = 0;
    for (size_t i = 0; i < rr->n; i++) {
        rr->current[i] += rr->weights[i];
        if (rr->current[i] > rr->current[best])
            best = i;
    }
    rr->current[best] -= rr->total;
    return best;
}

int sched_rr_init(struct sched_rr *rr, const double *weights, size_t n, int worker, int workers)
{
    memset(rr, 0, sizeof *rr);
    rr->weights = calloc(n ? n : 1, sizeof *rr->weights);
    rr->current = calloc(n ? n : 1, sizeof *rr->current);
    if (!rr->weights || !rr->current) {
        sched_rr_free(rr);
        return -1;
    }
    rr->n = n;
    for (size_t i = 0; i < n; i++) {
        rr->weights[i] = weights[i];
        rr->total += weights[i];
    }
    rr->stride = workers > 0 ? workers : 1;
    /* worker w's first pick is the sequence's w-th */
    for (int k = 0; k < worker && n; k++)
        rr_step(rr);
    return 0;
}

size_t sched_rr_next(struct sched_rr *rr)
{
    if (rr->n < 2)
        return 0;
    size_t pick = rr_step(rr);
    for (int k = 1; k < rr->stride; k++)
        rr_step(rr);
    return pick;
}

void sched_rr_free(struct sched_rr *rr)
{
    free(rr->weights);
    free(rr->current);
    rr->weights = rr->current = NULL;
    rr->n = 0;
}
