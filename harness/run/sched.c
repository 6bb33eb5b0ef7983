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

uint64_t sched_sender(int shard, int shards, int worker, int workers, uint64_t *senders)
{
    uint64_t n = shards > 0 ? (uint64_t)shards : 1, w = workers > 0 ? (uint64_t)workers : 1;
    *senders = n * w;
    return (uint64_t)shard + n * (uint64_t)worker;
}

void sched_init(struct sched *s, const struct scn_phase *phases, size_t n_phases, uint64_t sender,
                uint64_t senders, bool poisson, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->phases = phases;
    s->n_phases = n_phases;
    s->poisson = poisson;
    s->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    s->stride = senders ? senders : 1;
    s->next = sender;
    if (poisson) {
        rng_exp_init();
        s->point = rng_exp(&s->rng); /* point 0 */
    }
}

/* Time within phase p at which its cumulative count reaches c. */
static double phase_time_at(const struct scn_phase *p, double c)
{
    double a = (p->rate_end - p->rate_start) / (2.0 * p->duration_s);
    double b = p->rate_start;
    /* Root of a·t² + b·t − c = 0 in a form stable for a → 0. */
    double disc = b * b + 4.0 * a * c;
    if (disc < 0)
        disc = 0;
    double den = b + sqrt(disc);
    return den > 0 ? 2.0 * c / den : p->duration_s;
}

bool sched_next(struct sched *s, int64_t *intended_ns, size_t *phase, uint64_t *index)
{
    if (s->phase >= s->n_phases)
        return false;
    double c;
    if (s->poisson) {
        /* Every point of the one process, in order, whoever sends it. */
        while (s->drawn < s->next) {
            s->point += rng_exp(&s->rng);
            s->drawn++;
        }
        c = s->point;
    } else {
        c = (double)s->next + 0.5;
    }
    /* The phase the count falls in; the count runs on across phases
     * without a gap or a burst. */
    while (s->phase < s->n_phases) {
        const struct scn_phase *p = &s->phases[s->phase];
        double total = sched_phase_arrivals(p);
        if (c - s->phase_base < total)
            break;
        s->phase_base += total;
        s->phase_start_s += p->duration_s;
        s->phase++;
    }
    if (s->phase >= s->n_phases)
        return false;
    const struct scn_phase *p = &s->phases[s->phase];
    double t = s->phase_start_s + phase_time_at(p, c - s->phase_base);
    *intended_ns = (int64_t)llround(t * 1e9);
    *phase = s->phase;
    if (index)
        *index = s->next;
    s->next += s->stride;
    return true;
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

int sched_rr_init(struct sched_rr *rr, const double *weights, size_t n, uint64_t sender,
                  uint64_t senders)
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
    rr->stride = senders > 0 ? senders : 1;
    /* sender s's first pick is the sequence's s-th */
    for (uint64_t k = 0; k < sender && n; k++)
        rr_step(rr);
    return 0;
}

size_t sched_rr_next(struct sched_rr *rr)
{
    if (rr->n < 2)
        return 0;
    size_t pick = rr_step(rr);
    for (uint64_t k = 1; k < rr->stride; k++)
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
