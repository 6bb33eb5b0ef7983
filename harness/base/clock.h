/*
 * clock.h — the one time source of the request path: CLOCK_MONOTONIC in
 * nanoseconds. Never gettimeofday (it jumps).
 */
#ifndef GATECAP_CLOCK_H
#define GATECAP_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* clock_now_ns for a caller that takes its clock as a function with a
 * context (run/worker.h); ctx is not used. */
static inline int64_t clock_monotonic_ns(void *ctx)
{
    (void)ctx;
    return clock_now_ns();
}

/* CLOCK_REALTIME in ns since the epoch: for values sent to servers
 * (timestamps in headers), never for measuring. */
static inline int64_t clock_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
