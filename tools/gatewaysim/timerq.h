/*
 * timerq.h — precise request timers for service times and slow delays.
 *
 * libev's epoll backend rounds its poll timeout up to whole milliseconds,
 * so an ev_timer fires up to 1 ms late: 0.5 ms on average, which makes a
 * planted 2 ms service time serve 20 % below W/S. The simulator's capacity
 * must be exact, so request deadlines live in a binary min-heap of absolute
 * CLOCK_MONOTONIC times and one timerfd (nanosecond resolution), armed at
 * the earliest deadline and watched by an ev_io, wakes the loop on time.
 *
 * Entries are connections (struct gsconn, whose tq_deadline_s and tq_index
 * fields belong to this module). The heap array grows when needed and is
 * reused; adding and removing are O(log n).
 */
#ifndef GATEWAYSIM_TIMERQ_H
#define GATEWAYSIM_TIMERQ_H

#include <ev.h>
#include <stddef.h>

struct gsconn;

/* Called for each entry whose deadline has passed (already removed). */
typedef void (*gstq_fire_fn)(void *ctx, struct gsconn *c);

struct gstq {
    struct ev_loop *loop;
    int tfd;
    ev_io io;
    struct gsconn **heap;
    size_t n, cap;
    double armed_s; /* deadline the timerfd is set to; 0: disarmed */
    gstq_fire_fn fire;
    void *ctx;
};

/* Creates the timerfd and starts watching it. Returns 0 or -errno. */
int gstq_init(struct gstq *q, struct ev_loop *loop, gstq_fire_fn fire, void *ctx);

/* Stops watching, closes the timerfd, frees the heap (entries are not
 * fired). */
void gstq_free(struct gstq *q);

/* Schedules c at deadline_s (monotonic seconds, see gs_mono_s). c must not
 * be queued already. Returns 0 or -ENOMEM. */
int gstq_add(struct gstq *q, struct gsconn *c, double deadline_s);

/* Unschedules c if it is queued. */
void gstq_remove(struct gstq *q, struct gsconn *c);

/* Is c scheduled? */
int gstq_contains(const struct gstq *q, const struct gsconn *c);

#endif
