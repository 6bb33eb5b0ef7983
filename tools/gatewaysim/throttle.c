/*
 * throttle.c — fixed and sliding 1-second request windows (see
 * throttle.h).
 */
#include "throttle.h"

#include <math.h>

#define EPS 1e-9

/* Moves t to the window holding now_s. */
static void roll(struct gsthr *t, double now_s)
{
    double start = floor(now_s);
    if (start != t->window_start_s) {
        t->prev = (start - t->window_start_s == 1.0) ? t->cur : 0;
        t->cur = 0;
        t->window_start_s = start;
    }
}

bool gsthr_allows(struct gsthr *t, double now_s, double rate, enum gscfg_window mode)
{
    if (rate <= 0)
        return true;
    roll(t, now_s);
    double est = (double)t->cur;
    if (mode == GSCFG_WINDOW_SLIDING)
        est += (double)t->prev * (1.0 - (now_s - t->window_start_s));
    return est + 1.0 <= rate + EPS;
}

void gsthr_take(struct gsthr *t, double now_s)
{
    roll(t, now_s);
    t->cur++;
}

double gsthr_wait_s(const struct gsthr *t, double now_s, double rate, enum gscfg_window mode)
{
    struct gsthr w = *t;
    if (gsthr_allows(&w, now_s, rate, mode))
        return 0;
    double start = w.window_start_s, left = start + 1.0 - now_s;
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
            return start + f - now_s > 0 ? start + f - now_s : 0;
    }
    /* In the next window this one is the previous:
     * cur (1 - g) + 1 <= rate  <=>  g >= 1 - (rate - 1) / cur. */
    double g = w.cur ? 1.0 - (rate - 1.0) / (double)w.cur : 0;
    return left + (g > 0 ? g : 0);
}
