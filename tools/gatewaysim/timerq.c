/*
 * timerq.c — a min-heap of request deadlines behind one timerfd (see
 * timerq.h).
 */
#include "timerq.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "conn.h"

static void set_at(struct gstq *q, size_t i, struct gsconn *c)
{
    q->heap[i] = c;
    c->tq_index = (long)i;
}

static void sift_up(struct gstq *q, size_t i)
{
    struct gsconn *c = q->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (q->heap[parent]->tq_deadline_s <= c->tq_deadline_s)
            break;
        set_at(q, i, q->heap[parent]);
        i = parent;
    }
    set_at(q, i, c);
}

static void sift_down(struct gstq *q, size_t i)
{
    struct gsconn *c = q->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        double md = c->tq_deadline_s;
        if (l < q->n && q->heap[l]->tq_deadline_s < md) {
            m = l;
            md = q->heap[l]->tq_deadline_s;
        }
        if (r < q->n && q->heap[r]->tq_deadline_s < md)
            m = r;
        if (m == i)
            break;
        set_at(q, i, q->heap[m]);
        i = m;
    }
    set_at(q, i, c);
}

/* Points the timerfd at the earliest deadline (or disarms it). */
static void rearm(struct gstq *q)
{
    double want = q->n ? q->heap[0]->tq_deadline_s : 0;
    if (want == q->armed_s)
        return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (want > 0) {
        double sec = floor(want);
        its.it_value.tv_sec = (time_t)sec;
        its.it_value.tv_nsec = (long)((want - sec) * 1e9);
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
            its.it_value.tv_nsec = 1; /* zero would disarm */
    }
    timerfd_settime(q->tfd, TFD_TIMER_ABSTIME, &its, NULL);
    q->armed_s = want;
}

static struct gsconn *pop_top(struct gstq *q)
{
    struct gsconn *top = q->heap[0];
    top->tq_index = -1;
    if (--q->n > 0) {
        set_at(q, 0, q->heap[q->n]);
        sift_down(q, 0);
    }
    return top;
}

static void tfd_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct gstq *q = w->data;
    uint64_t expirations;
    while (read(q->tfd, &expirations, sizeof expirations) > 0)
        ;
    q->armed_s = -1; /* fired: must be re-armed */
    double now = gs_mono_s();
    while (q->n && q->heap[0]->tq_deadline_s <= now) {
        struct gsconn *c = pop_top(q);
        q->fire(q->ctx, c);
    }
    rearm(q);
}

int gstq_init(struct gstq *q, struct ev_loop *loop, gstq_fire_fn fire, void *ctx)
{
    memset(q, 0, sizeof *q);
    q->loop = loop;
    q->fire = fire;
    q->ctx = ctx;
    q->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (q->tfd < 0)
        return -errno;
    ev_io_init(&q->io, tfd_cb, q->tfd, EV_READ);
    q->io.data = q;
    ev_io_start(loop, &q->io);
    return 0;
}

void gstq_free(struct gstq *q)
{
    if (q->tfd >= 0 && q->loop) {
        ev_io_stop(q->loop, &q->io);
        close(q->tfd);
    }
    for (size_t i = 0; i < q->n; i++)
        q->heap[i]->tq_index = -1;
    free(q->heap);
    q->heap = NULL;
    q->n = q->cap = 0;
    q->tfd = -1;
}

int gstq_add(struct gstq *q, struct gsconn *c, double deadline_s)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        struct gsconn **h = realloc(q->heap, cap * sizeof *h);
        if (!h)
            return -ENOMEM;
        q->heap = h;
        q->cap = cap;
    }
    c->tq_deadline_s = deadline_s;
    set_at(q, q->n++, c);
    sift_up(q, q->n - 1);
    rearm(q);
    return 0;
}

void gstq_remove(struct gstq *q, struct gsconn *c)
{
    if (c->tq_index < 0)
        return;
    size_t i = (size_t)c->tq_index;
    c->tq_index = -1;
    if (--q->n > i) {
        /* the last entry fills the hole and moves down or up */
        struct gsconn *moved = q->heap[q->n];
        set_at(q, i, moved);
        sift_down(q, i);
        if (q->heap[i] == moved)
            sift_up(q, i);
    }
    rearm(q);
}

int gstq_contains(const struct gstq *q, const struct gsconn *c)
{
    (void)q;
    return c->tq_index >= 0;
}
