/*
 * rng.c — xoshiro256** and the service-time distributions (see rng.h).
 */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void gsrng_seed(struct gsrng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t gsrng_next(struct gsrng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gsrng_uniform(struct gsrng *r)
{
    return (double)(gsrng_next(r) >> 11) * 0x1.0p-53;
}

double gsrng_normal(struct gsrng *r)
{
    double u1 = 1.0 - gsrng_uniform(r); /* (0, 1] */
    double u2 = gsrng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double gsrng_service_s(struct gsrng *r, enum gscfg_dist d, double mean_s, double spread_s)
{
    if (mean_s <= 0)
        return 0;
    double v;
    switch (d) {
    case GSCFG_DIST_EXP:
        v = -mean_s * log(1.0 - gsrng_uniform(r));
        break;
    case GSCFG_DIST_LOGNORMAL: {
        /* mean m and standard deviation s of the lognormal itself:
         * sigma^2 = ln(1 + s^2/m^2), mu = ln(m) - sigma^2/2 */
        double cv = spread_s / mean_s;
        double sigma2 = log1p(cv * cv);
        double mu = log(mean_s) - sigma2 / 2;
        v = exp(mu + sqrt(sigma2) * gsrng_normal(r));
        break;
    }
    case GSCFG_DIST_UNIFORM:
        v = mean_s + spread_s * (2.0 * gsrng_uniform(r) - 1.0);
        break;
    default:
        v = mean_s;
        break;
    }
    return v > 0 ? v : 0;
}

bool gsrng_fault_hit(struct gsrng *r, struct gsrng_fault *f, enum gscfg_spacing sp, double rate)
{
    if (rate <= 0)
        return false;
    if (rate >= 1)
        return true;
    if (sp == GSCFG_SPACING_EVEN) {
        f->acc += rate;
        if (f->acc >= 1.0 - 1e-12) {
            f->acc -= 1.0;
            return true;
        }
        return false;
    }
    return gsrng_uniform(r) < rate;
}
