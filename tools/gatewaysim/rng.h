/*
 * rng.h — random numbers for service times and fault injection.
 *
 * xoshiro256** seeded with splitmix64: fast, good enough for simulation,
 * reproducible with --seed. Owned by the server; single-threaded.
 */
#ifndef GATEWAYSIM_RNG_H
#define GATEWAYSIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

struct gsrng {
    uint64_t s[4];
};

/* A fault draw that is either random (Bernoulli) or evenly spaced
 * (an accumulator: exactly floor(n*F) of n draws hit). */
struct gsrng_fault {
    double acc;
};

/* Seeds the generator. */
void gsrng_seed(struct gsrng *r, uint64_t seed);

/* Uniform 64-bit value. */
uint64_t gsrng_next(struct gsrng *r);

/* Uniform double in [0, 1). */
double gsrng_uniform(struct gsrng *r);

/* Standard normal (Box-Muller). */
double gsrng_normal(struct gsrng *r);

/* One service time in seconds for distribution d with mean_s and
 * spread_s (standard deviation for lognormal, half-width for uniform);
 * never negative. */
double gsrng_service_s(struct gsrng *r, enum gscfg_dist d, double mean_s, double spread_s);

/* Does this request get the fault of probability rate? */
bool gsrng_fault_hit(struct gsrng *r, struct gsrng_fault *f, enum gscfg_spacing sp, double rate);

#endif
