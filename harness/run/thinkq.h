/*
 * thinkq.h — the closed model's virtual users waiting out a think time
 * (or a back-off), soonest first: a binary min-heap of (due time, slot)
 * whose room is fixed when it is made, so nothing is allocated per
 * request. Equal due times come out lowest slot first, the same order on
 * every run. Used by one thread (a worker's loop).
 */
#ifndef GATECAP_THINKQ_H
#define GATECAP_THINKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thinkq_item {
    int64_t due_ns; /* when the wait ends (the worker's ns from run start) */
    size_t slot;    /* the user's slot */
};

struct thinkq {
    struct thinkq_item *items; /* [cap], owned; items[0] the soonest */
    size_t n;
    size_t cap;
};

/* Makes q empty with room for cap users. Returns 0, or -1 when memory ran
 * out. Free with thinkq_free. */
int thinkq_init(struct thinkq *q, size_t cap);

/* Frees q's room; q may be zeroed or already freed. */
void thinkq_free(struct thinkq *q);

/* Adds slot, due at due_ns. Returns 0, or -1 when q holds cap users
 * already (each slot waits at most once at a time, so a worker with cap
 * slots never fills it). */
int thinkq_push(struct thinkq *q, int64_t due_ns, size_t slot);

/* The soonest: true with it in *due_ns and *slot; false when q is empty. */
bool thinkq_peek(const struct thinkq *q, int64_t *due_ns, size_t *slot);

/* Removes the soonest; nothing when q is empty. */
void thinkq_pop(struct thinkq *q);

/* Removes everything. */
void thinkq_clear(struct thinkq *q);

#endif
