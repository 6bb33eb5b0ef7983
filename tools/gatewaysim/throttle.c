/*
 * throttle.c — fixed and sliding request windows (see throttle.h).
 */
#include "throttle.h"

#include <math.h>

#define EPS 1e-9

/* Moves t to the window holding now_u. */
static void roll(struct gsthr *t, double now_u)
{
    double start = floor(now_u);
    if (start != t->window_start) {
        t->prev = (start - t->window_start == 1.0) ? t->cur : 0;
        t->cur = 0;
        t->window_start = start;
    }
}

bool gsthr_allows(struct gsthr *t, double now_u, double rate, enum gscfg_window mode)
{
    if (rate <= 0)
        return true;
    roll(t, now_u);
    double est = (double)t->cur;
    if (mode == GSCFG_WINDOW_SLIDING)
        est += (double)t->prev * (1.0 - (now_u - t->window_start));
    return est + 1.0 <= rate + EPS;
}

void gsthr_take(struct gsthr *t, double now_u)
{
    roll(t, now_u);
    t->cur++;
}

double gsthr_wait(const struct gsthr *t, double now_u, double rate, enum gscfg_window mode)
{
    struct gsthr w = *t;
    if (gsthr_allows(&w, now_u, rate, mode))
        return 0;
    double start = w.window_start, left = start + 1.0 - now_u;
    if (rate < 1.0 - EPS)
        return left; /* never admits: say "after this window" */
    if (mode == GSCFG_WINDOW_FIXED)
        return left; /* the next window starts empty */
    /* Sliding. Later in this window the previous one weighs less:
     * prev (1 - f) + cur + 1 <= rate  <=>  f >= 1 - (rate - cur - 1) / prev. */
    double room = rate - (double)w.cur - 1.0;
    if (room >= -EPS && w.prev > 0) {
        double f = 1.0 - room / (double)w.prev;
        if (f < 1.0)
            return start + f - now_u > 0 ? start + f - now_u : 0;
    }
    /* In the next window this one is the previous:
     * cur (1 - g) + 1 <= rate  <=>  g >= 1 - (rate - 1) / cur. */
    double g = w.cur ? 1.0 - (rate - 1.0) / (double)w.cur : 0;
    return left + (g > 0 ? g : 0);
}
