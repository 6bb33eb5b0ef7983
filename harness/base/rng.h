/*
 * rng.h — the one pseudo-random generator of gatecap: xorshift64*, with
 * the state in the caller's hands (a uint64_t each worker, feeder cursor,
 * token pool or transport owns), so draws need no lock and a run can be
 * repeated from its seeds. Not for secrets.
 */
#ifndef GATECAP_RNG_H
#define GATECAP_RNG_H

#include <stdint.h>

/* The next 64 bits; *state must be non-zero (and stays so). */
static inline uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A uniform double in [0, 1): the top 53 bits of rng_next. */
static inline double rng_uniform(uint64_t *state)
{
    return (double)(rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* An exponential draw of mean 1 (the ziggurat method: a table look-up,
 * no logarithm, in about 99 % of draws). rng_exp_init must have run once
 * before, on any thread (it builds the shared tables; idempotent). */
void rng_exp_init(void);
double rng_exp(uint64_t *state);

#endif
