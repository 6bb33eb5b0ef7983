/*
 * throttle.c — fixed and sliding 1-second request windows (see
 * throttle.h).
 */
#include "throttle.h"

#include <math.h>

bool gsthr_admit(struct gsthr *t, double now_s, double rate, enum gscfg_window mode)
{
    if (rate <= 0)
        return true;
    double start = floor(now_s);
    if (start != t->window_start_s) {
        t->prev = (start - t->window_start_s == 1.0) ? t->cur : 0;
        t->cur = 0;
        t->window_start_s = start;
    }
    double est = (double)t->cur;
    if (mode == GSCFG_WINDOW_SLIDING)
        est += (double)t->prev * (1.0 - (now_s - start));
    if (est + 1.0 > rate + 1e-9)
        return false;
    t->cur++;
    return true;
}

double gsthr_window_left_s(const struct gsthr *t, double now_s)
{
    double left = t->window_start_s + 1.0 - now_s;
    return left > 0 ? left : 0;
}
