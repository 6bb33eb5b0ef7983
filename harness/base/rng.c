/*
 * rng.c — exponential draws by the ziggurat method; see rng.h.
 *
 * G. Marsaglia and W. W. Tsang, "The Ziggurat Method for Generating Random
 * Variables", Journal of Statistical Software 5(8), 2000: 256 layers of
 * equal area under e^-x; a draw lands inside its layer's rectangle (no
 * logarithm, no exponential) about 99 % of the time.
 */
#include "base/rng.h"

#include <math.h>
#include <pthread.h>

#define ZIG_R 7.697117470131487    /* the base layer's right edge */
#define ZIG_V 3.949659822581572e-3 /* each layer's area */
#define TWO32 4294967296.0

static uint32_t ke[256];
static double we[256], fe[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void tables(void)
{
    double de = ZIG_R, te = de, q = ZIG_V / exp(-de);
    ke[0] = (uint32_t)((de / q) * TWO32);
    ke[1] = 0;
    we[0] = q / TWO32;
    we[255] = de / TWO32;
    fe[0] = 1.0;
    fe[255] = exp(-de);
    for (int i = 254; i >= 1; i--) {
        de = -log(ZIG_V / de + exp(-de));
        ke[i + 1] = (uint32_t)((de / te) * TWO32);
        te = de;
        fe[i] = exp(-de);
        we[i] = de / TWO32;
    }
}

void rng_exp_init(void)
{
    pthread_once(&once, tables);
}

double rng_exp(uint64_t *state)
{
    for (;;) {
        uint64_t r = rng_next(state);
        uint32_t jz = (uint32_t)(r >> 32);
        unsigned iz = (unsigned)(r & 255);
        if (jz < ke[iz])
            return jz * we[iz]; /* inside the rectangle */
        if (iz == 0)            /* the tail beyond R: R plus an exponential */
            return ZIG_R - log1p(-rng_uniform(state));
        double x = jz * we[iz];
        if (fe[iz] + rng_uniform(state) * (fe[iz - 1] - fe[iz]) < exp(-x))
            return x;
    }
}
