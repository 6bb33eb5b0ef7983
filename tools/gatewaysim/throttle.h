/*
 * throttle.h — request-rate limits in windows of one unit of time, as
 * WSO2's throttling policies count requests per unit time ("10 requests
 * per minute"). Time is given in units since the windows' origin (the
 * caller divides seconds since its origin by the unit), and a limit R is
 * requests per unit.
 *
 * fixed:   windows [k, k+1) units; at most floor(R) requests admitted in
 *          each.
 * sliding: estimate = admitted in the previous window x (1 - elapsed
 *          fraction of the current one) + admitted in the current one;
 *          a request is admitted when estimate + 1 <= R.
 * Only admitted requests count toward the limit. A request checked against
 * several limits is asked of each with gsthr_allows first and counted in
 * each with gsthr_take only when all allow it, so a request refused at one
 * level uses up no other level's quota.
 */
#ifndef GATEWAYSIM_THROTTLE_H
#define GATEWAYSIM_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

struct gsthr {
    double window_start; /* start of the current window (units) */
    uint64_t cur;        /* admitted in the current window */
    uint64_t prev;       /* admitted in the previous window */
};

/* Would one more request at now_u (units since the origin, >= 0) fit
 * under rate (requests per unit; <= 0 means no limit)? Moves the window
 * on; counts nothing. A zeroed gsthr is a limit with nothing admitted. */
bool gsthr_allows(struct gsthr *t, double now_u, double rate, enum gscfg_window mode);

/* Counts one admitted request at now_u. */
void gsthr_take(struct gsthr *t, double now_u);

/* Units from now_u until gsthr_allows would say yes, if nothing else is
 * admitted meanwhile (0 when it says yes now). For a rate that can never
 * admit (fixed windows with rate < 1), the rest of the current window. */
double gsthr_wait(const struct gsthr *t, double now_u, double rate, enum gscfg_window mode);

#endif
