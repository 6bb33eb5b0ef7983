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

#endif
