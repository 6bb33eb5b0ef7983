/*
 * throttle.h — request-rate limits with 1-second windows, as WSO2's
 * throttling policies count requests per unit time.
 *
 * fixed:   windows [k, k+1) s; at most floor(R) requests admitted in each.
 * sliding: estimate = admitted in the previous window x (1 - elapsed
 *          fraction of the current one) + admitted in the current one;
 *          a request is admitted when estimate + 1 <= R.
 * Only admitted requests count toward the limit.
 */
#ifndef GATEWAYSIM_THROTTLE_H
#define GATEWAYSIM_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

struct gsthr {
    double window_start_s; /* start of the current window */
    uint64_t cur;          /* admitted in the current window */
    uint64_t prev;         /* admitted in the previous window */
};

/* Decides one request at now_s (monotonic seconds) against rate (requests
 * per second; <= 0 means no limit). Returns true when admitted (and counts
 * it). */
bool gsthr_admit(struct gsthr *t, double now_s, double rate, enum gscfg_window mode);

/* Seconds until the current window ends (for nextAccessTime). */
double gsthr_window_left_s(const struct gsthr *t, double now_s);

#endif
