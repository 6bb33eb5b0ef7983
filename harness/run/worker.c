/*
 * worker.c — one load-generating thread; see worker.h.
 *
 * One timerfd wakes the loop for everything timed (run_due): open model,
 * the next intended start time, when every arrival that is due starts in
 * a free slot, or waits in a ring of intended times when the in-flight
 * bound is reached (its latency still counts from the intended time);
 * closed model, the next change of phase or the soonest end of a user's
 * think time (thinkq.h). Each virtual user is a slot that sends, waits,
 * thinks and sends again; the number of active users follows the phases.
 * Time is read on the caller's clock (worker_shared.now_ns), so a test
 * that moves its own clock and calls worker_step drives all of it.
 *
 * A request the transport could not send for want of a local resource
 * (xfer_result.local) is counted in the generator's health, not in any
 * cell; its user backs off (think timer) before trying again.
 */
#include "run/worker.h"

#include <pthread.h>
#include <ev.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "base/rng.h"
#include "measure/recorder_flow.h"
#include "net/auth.h"
#include "net/xfer.h"
#include "run/sched.h"
#include "run/thinkq.h"
#include "run/worker_int.h"
#include "scenario/feeder.h"
#include "scenario/scenario.h"

/* Arrivals started per timer callback before the loop gets a turn. */
#define ARRIVAL_BATCH 512
/* A closed-model user whose request failed locally (no descriptor, no
 * memory, no port) waits this long before the next, doubling up to the
 * most, rather than failing again at once in a tight loop. */
#define LOCAL_BACKOFF_MIN_S 0.1
#define LOCAL_BACKOFF_MAX_S 1.6

static void check_drained(struct worker *w)
{
    if ((w->schedule_over || atomic_load(&w->stop)) && xfer_inflight(w->xfer) == 0 &&
        w->pend_len == 0 && w->step_waits == 0)
        atomic_store(&w->drained, true);
}

/* The application this request goes out as (auth.bind). Round robin
 * starts each worker at its own offset so that together they cycle
 * through every application evenly; sticky gives each virtual user (slot
 * i of worker id) the application (i × workers + id) mod n. */
static size_t pick_app(struct worker *w, size_t si)
{
    switch (w->scn->auth.bind) {
    case SCN_BIND_RANDOM:
        return (size_t)(rng_next(&w->rng) % w->n_apps);
    case SCN_BIND_STICKY:
        return (si * (size_t)w->sh->workers + (size_t)w->id) % w->n_apps;
    default:
        return w->app_next++ % w->n_apps;
    }
}

/* ${seq}: numbers claimed from the shared counter SEQ_CHUNK at a time. */
#define SEQ_CHUNK 1024

static uint64_t next_seq(struct worker *w)
{
    if (w->seq == w->seq_end) {
        w->seq = atomic_fetch_add(w->sh->seq_next, SEQ_CHUNK);
        w->seq_end = w->seq + SEQ_CHUNK;
    }
    return w->seq++;
}

/* Draws the rows request rq of slot s takes from its feeders (a virtual
 * user keeps its per-user rows). False when a `unique` feeder with stop
 * has run dry: the run ends (the coordinator sees sh->exhausted). */
static bool draw_rows(struct worker *w, struct wslot *s, size_t rq)
{
    const struct scenario *scn = w->scn;
    for (uint64_t m = scn->requests[rq].feeder_mask; m; m &= m - 1) {
        int f = __builtin_ctzll(m);
        const struct feeder *fd = scn->feeders[f];
        if (s->user_rows >> f & 1)
            continue;
        if (feeder_next(fd, w->sh->cursors[f], &w->draws[f], &w->rng, &s->rows[f]) ==
            FEEDER_EXHAUSTED) {
            int none = 0;
            atomic_compare_exchange_strong(w->sh->exhausted, &none, f + 1);
            atomic_store(&w->stop, true);
            return false;
        }
        if (fd->per == FEEDER_PER_USER)
            s->user_rows |= 1ull << f;
    }
    return true;
}

/* Sends request rq in slot s, due at intended_ns: its feeder rows, its
 * application, the lag behind its due time, the transport. arrival: an
 * arrival of the schedule (or a user's send), counted in the generator's
 * health; a flow's later step is not. False when a feeder ran dry. */
static bool send_request(struct worker *w, size_t si, size_t rq_index, int64_t intended_ns,
                         bool arrival)
{
    struct wslot *s = &w->slots[si];
    const struct scn_request *req = &w->scn->requests[rq_index];
    s->request = rq_index;
    s->intended_ns = intended_ns;
    if (req->feeder_mask && !draw_rows(w, s, rq_index))
        return false;
    if (arrival || !s->flow)
        s->app = w->n_apps ? pick_app(w, si) : XFER_NO_APP; /* a flow keeps its application */
    struct rec_set *f = front(w);
    int64_t lag = since_start(w) - intended_ns;
    if (arrival && lag > w->late_ns)
        health_add(w, s->phase, late, 1);
    if (lag / 1000 > f->health.max_lag_us)
        f->health.max_lag_us = lag / 1000;
    if (lag / 1000 > f->by_phase[s->phase].max_lag_us)
        f->by_phase[s->phase].max_lag_us = lag / 1000;
    if (arrival)
        health_add(w, s->phase, started, 1);
    size_t body_limit = 0;
    bool keep = worker_keeps(req, &body_limit);
    struct xfer_req rq = {.request = rq_index,
                          .target = s->target,
                          .app = s->app,
                          .rows = s->rows,
                          .seq = next_seq(w),
                          .vars = s->flow ? s->vars : NULL,
                          .keep = keep,
                          .body_limit = body_limit};
    xfer_start(w->xfer, si, &rq);
    return true;
}

static bool start_in_slot(struct worker *w, size_t si, int64_t intended_ns, size_t phase)
{
    struct wslot *s = &w->slots[si];
    const struct worker_shared *sh = w->sh;
    s->busy = true;
    s->phase = phase;
    /* request_cum restarts at each workload's first request */
    size_t first = w->wl->first_request, n = w->wl->n_requests;
    size_t rq = first + (n > 1 ? sched_pick(sh->request_cum + first, n, &w->rng) : 0);
    s->target = w->scn->n_targets < 2   ? 0
                : w->wl->balance_random ? sched_pick(sh->target_cum, w->scn->n_targets, &w->rng)
                                        : sched_rr_next(&w->rr);
    s->flow = w->scn->requests[rq].flow;
    if (s->flow)
        worker_flow_begin(w, s, intended_ns);
    if (!send_request(w, si, rq, intended_ns, true)) {
        s->busy = false;
        s->flow = 0;
        return false;
    }
    return true;
}

static void open_dispatch(struct worker *w, int64_t intended_ns, size_t phase)
{
    health_add(w, phase, scheduled, 1);
    if (w->n_free && w->pend_len == 0) {
        size_t si = w->free_slots[--w->n_free];
        if (!start_in_slot(w, si, intended_ns, phase)) {
            /* a feeder ran dry: this arrival is not sent, the run ends */
            w->free_slots[w->n_free++] = si;
            health_add(w, phase, scheduled, -1);
        }
        return;
    }
    health_add(w, phase, bound_waits, 1);
    if (w->pend_len == PENDING_CAP) {
        health_add(w, phase, queue_drops, 1);
        return;
    }
    struct pending *p = &w->pend[(w->pend_head + w->pend_len++) % PENDING_CAP];
    p->intended_ns = intended_ns;
    p->phase = (uint32_t)phase;
}

/* ---- time ---- */

/* The next time (ns from run start) something timed is due: the next
 * arrival (open model), or the next change of phase or the soonest end of
 * a think time (closed); INT64_MAX for none, and after a stop. */
static int64_t next_due(const struct worker *w)
{
    if (atomic_load(&w->stop))
        return INT64_MAX;
    int64_t due = w->wl->model == SCN_OPEN ? (w->have_next ? w->next_intended : INT64_MAX)
                                           : w->phase_due_ns,
            think_due;
    size_t si;
    if (thinkq_peek(&w->thinkers, &think_due, &si) && think_due < due)
        due = think_due;
    return due;
}

/* Everything timed is woken by one timerfd on the absolute CLOCK_MONOTONIC
 * time rather than by ev_timers: libev's epoll backend rounds its wait up
 * to whole milliseconds, which would add up to a millisecond of the
 * generator's own delay to every latency measured from the intended start
 * (and to every think time). The timerfd wakes the loop within
 * microseconds. Re-armed only when the next due time changed. */
static void arm(struct worker *w)
{
    int64_t due = next_due(w);
    if (due == w->armed_ns)
        return;
    w->armed_ns = due;
    struct itimerspec its = {{0, 0}, {0, 0}}; /* disarmed */
    if (due != INT64_MAX) {
        int64_t at = w->sh->start_ns + due;
        if (at < 1)
            at = 1; /* 0 would disarm it; a past time fires at once */
        its.it_value.tv_sec = at / 1000000000LL;
        its.it_value.tv_nsec = at % 1000000000LL;
    }
    timerfd_settime(w->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void closed_due(struct worker *w, int64_t now);
static void steps_due(struct worker *w, int64_t now);

/* Does what is due now: starts the arrivals whose time has come (up to
 * ARRIVAL_BATCH, so completions get a turn), or the closed model's phase
 * changes and ends of think times. Returns true when more is due already
 * (the batch ran out). */
static bool run_due(struct worker *w)
{
    if (atomic_load(&w->stop))
        return false;
    int64_t now = since_start(w);
    if (w->wl->model == SCN_CLOSED) {
        closed_due(w, now);
        return false;
    }
    steps_due(w, now);
    for (int n = 0;
         w->have_next && w->next_intended <= now && n < ARRIVAL_BATCH && !atomic_load(&w->stop);
         n++) {
        open_dispatch(w, w->next_intended, w->wl->first_phase + w->next_phase);
        w->have_next = sched_next(&w->sched, &w->next_intended, &w->next_phase, NULL);
    }
    if (!w->have_next) {
        w->schedule_over = true;
        check_drained(w);
        return false;
    }
    return w->next_intended <= now && !atomic_load(&w->stop);
}

/* A flow's next step, due at due_ns, is sent now (its latency counts from
 * due_ns). */
static void send_step(struct worker *w, size_t si, int64_t due_ns)
{
    struct wslot *s = &w->slots[si];
    s->busy = true;
    if (!send_request(w, si, s->request + 1, due_ns, false)) {
        s->busy = false; /* a feeder ran dry: the run ends */
        s->flow = 0;
        check_drained(w);
    }
}

/* The open model's flow steps whose think time ended by now. */
static void steps_due(struct worker *w, int64_t now)
{
    int64_t due;
    size_t si;
    while (thinkq_peek(&w->thinkers, &due, &si) && due <= now && !atomic_load(&w->stop)) {
        thinkq_pop(&w->thinkers);
        w->slots[si].thinking = w->slots[si].step_wait = false;
        w->step_waits--;
        send_step(w, si, due);
    }
}

void worker_on_timer(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    struct worker *w = io->data;
    uint64_t expirations;
    if (read(w->timer_fd, &expirations, sizeof expirations) < 0) {
        /* EAGAIN: nothing expired yet; the due checks decide. */
    }
    w->armed_ns = INT64_MIN; /* a timerfd fires once */
    run_due(w);
    arm(w); /* (a past time when the batch ran out: fires again at once) */
}

/* ---- closed model ---- */

static size_t users_for_phase(const struct worker *w, size_t phase)
{
    if (phase >= w->wl->first_phase + w->wl->n_phases)
        return 0;
    return worker_users(w->scn, phase, w->wid, w->wn);
}

static void user_send(struct worker *w, size_t si)
{
    size_t phase = w->cur_phase;
    health_add(w, phase, scheduled, 1);
    /* Closed model: the request is due when it is sent. */
    w->slots[si].iter_start_ns = since_start(w);
    if (!start_in_slot(w, si, w->slots[si].iter_start_ns, phase)) {
        health_add(w, phase, scheduled, -1);
        check_drained(w);
    }
}

/* A user's think time is over: it sends, unless the phases left it no
 * place. */
static void think_over(struct worker *w, size_t si, int64_t due_ns)
{
    w->slots[si].thinking = false;
    if (w->slots[si].step_wait) {
        w->slots[si].step_wait = false;
        w->step_waits--;
        send_step(w, si, due_ns);
        return;
    }
    if (si < w->active_users && !w->schedule_over && !atomic_load(&w->stop))
        user_send(w, si);
    else
        check_drained(w);
}

static void set_users(struct worker *w)
{
    w->active_users = users_for_phase(w, w->cur_phase);
    if (w->active_users > w->n_slots)
        w->active_users = w->n_slots;
    for (size_t i = 0; i < w->active_users; i++)
        if (!w->slots[i].busy && !w->slots[i].thinking)
            user_send(w, i);
}

/* The phase in force at now: past the last, the schedule is over. */
static void next_phase(struct worker *w, int64_t now)
{
    size_t end = w->wl->first_phase + w->wl->n_phases;
    while (w->cur_phase < end && now >= w->sh->phase_end_ns[w->cur_phase])
        w->cur_phase++;
    if (w->cur_phase >= end || atomic_load(&w->stop)) {
        w->schedule_over = true;
        w->active_users = 0;
        w->phase_due_ns = INT64_MAX;
        check_drained(w);
        return;
    }
    set_users(w);
    w->phase_due_ns = w->sh->phase_end_ns[w->cur_phase];
}

/* The closed model's timed work due at now, in time order: a change of
 * phase before the users whose think time ends at the same moment (they
 * send by the new phase's count). */
static void closed_due(struct worker *w, int64_t now)
{
    for (;;) {
        int64_t think_due;
        size_t si;
        bool thinking = thinkq_peek(&w->thinkers, &think_due, &si);
        if (w->phase_due_ns <= now && (!thinking || w->phase_due_ns <= think_due)) {
            next_phase(w, now);
            continue;
        }
        if (!thinking || think_due > now || atomic_load(&w->stop))
            return;
        thinkq_pop(&w->thinkers);
        think_over(w, si, think_due);
    }
}

/* ---- completion ---- */

void worker_on_done(void *user, size_t si, const struct xfer_result *r)
{
    struct worker *w = user;
    struct wslot *s = &w->slots[si];
    s->busy = false;
    if (r->stream_wait)
        health_add(w, s->phase, stream_waits, 1);
    if (r->local) {
        worker_record_local(w, s->phase, r);
        s->backoff_s = s->backoff_s ? 2 * s->backoff_s : LOCAL_BACKOFF_MIN_S;
        if (s->backoff_s > LOCAL_BACKOFF_MAX_S)
            s->backoff_s = LOCAL_BACKOFF_MAX_S;
    } else {
        worker_record_done(w, s, r);
        s->backoff_s = 0;
    }
    long failed_check = r->local ? -1 : worker_checks(w, si, r);
    int64_t due;
    if (s->flow && worker_flow_next(w, si, r, failed_check, &due)) {
        if (due <= since_start(w)) {
            send_step(w, si, due);
        } else {
            s->busy = s->thinking = s->step_wait = true;
            w->step_waits++;
            thinkq_push(&w->thinkers, due, si);
            arm(w);
        }
        return;
    }
    if (w->wl->model == SCN_CLOSED) {
        if (si < w->active_users && !w->schedule_over && !atomic_load(&w->stop)) {
            double think_s = w->scn->phases[w->cur_phase].think_ms / 1000.0;
            const struct scn_request *done_rq = &w->scn->requests[s->request];
            if (done_rq->flow) { /* pacing: the least time from one iteration to the next */
                double left_s = w->scn->flows[done_rq->flow - 1].pacing_ms / 1000.0 -
                                (double)(since_start(w) - s->iter_start_ns) / 1e9;
                if (left_s > think_s)
                    think_s = left_s;
            }
            if (r->local && s->backoff_s > think_s)
                think_s = s->backoff_s; /* never again at once */
            if (r->status == 429 && w->wl->backoff_max_ms > 0) {
                double wait_s = r->retry_after_s >= 0 ? r->retry_after_s : 1.0;
                if (wait_s > w->wl->backoff_max_ms / 1000.0)
                    wait_s = w->wl->backoff_max_ms / 1000.0;
                if (wait_s > think_s)
                    think_s = wait_s;
            }
            if (think_s > 0) {
                s->thinking = true;
                thinkq_push(&w->thinkers, since_start(w) + (int64_t)(think_s * 1e9), si);
                arm(w);
            } else {
                user_send(w, si);
            }
        }
    } else if (w->pend_len && !atomic_load(&w->stop)) {
        /* (also after a local failure: each arrival is tried once, and a
         * failing one is counted, never tried again) */
        struct pending p = w->pend[w->pend_head];
        w->pend_head = (w->pend_head + 1) % PENDING_CAP;
        w->pend_len--;
        if (!start_in_slot(w, si, p.intended_ns, p.phase)) {
            w->free_slots[w->n_free++] = si;
            w->pend_len = 0; /* a feeder ran dry: the run ends, nothing more is sent */
        }
    } else {
        w->free_slots[w->n_free++] = si;
    }
    check_drained(w);
}

/* ---- control from the coordinator ---- */

/* The loop's half of a hand-off: the front set goes out complete, the
 * recycled one takes its place. */
static void swap_sets(struct worker *w)
{
    struct rec_set *f = w->front;
    f->n_nodes = w->n_nodes;
    f->health.inflight = (int64_t)xfer_inflight(w->xfer) + (int64_t)w->pend_len;
    w->front = w->incoming;
    w->outgoing = f;
}

/* What worker_stop and worker_abort asked for: no new arrivals, no
 * waiting users, nothing timed; what is in flight finishes, or is
 * abandoned. */
static void control(struct worker *w)
{
    if (atomic_load(&w->stop)) {
        w->pend_len = 0;
        w->active_users = 0;
        for (size_t i = 0; i < w->n_slots; i++) {
            struct wslot *s = &w->slots[i];
            if (s->step_wait) /* a flow instance that will not go on */
                s->busy = s->step_wait = false;
            s->thinking = false;
        }
        w->step_waits = 0;
        thinkq_clear(&w->thinkers);
        arm(w); /* disarmed */
    }
    if (atomic_load(&w->abort_now))
        xfer_abandon_all(w->xfer, worker_record_abandoned, w);
    check_drained(w);
}

void worker_on_wake(struct ev_loop *loop, ev_async *a, int revents)
{
    (void)revents;
    struct worker *w = a->data;
    control(w);
    pthread_mutex_lock(&w->mu);
    if (w->handoff_done != w->handoff_asked) {
        swap_sets(w);
        w->handoff_done = w->handoff_asked;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (atomic_load(&w->exit_now))
        ev_break(loop, EVBREAK_ALL);
}

/* The schedule's start: the first arrival, or the first look at the
 * phases at the run's start. */
static void begin(struct worker *w)
{
    w->begun = true;
    if (w->wl->model == SCN_OPEN) {
        w->have_next = sched_next(&w->sched, &w->next_intended, &w->next_phase, NULL);
        w->schedule_over = !w->have_next;
        check_drained(w); /* (a share of no arrivals at all) */
    } else {
        w->phase_due_ns = 0;
    }
    arm(w);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    /* Timer slack would let the kernel delay timer wake-ups by 50 µs. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    begin(w);
    ev_io_start(w->loop, &w->timer);
    ev_run(w->loop, 0);
    return NULL;
}

int worker_start(struct worker *w)
{
    /* Signals belong to the coordinator: the thread inherits a blocked mask. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        return -1;
    w->thread_started = true;
    return 0;
}

void worker_step(struct worker *w)
{
    if (!w->begun)
        begin(w);
    control(w);
    while (run_due(w))
        ;
    arm(w);
}

void worker_stop(struct worker *w)
{
    atomic_store(&w->stop, true);
    ev_async_send(w->loop, &w->wake);
}

void worker_abort(struct worker *w)
{
    atomic_store(&w->stop, true);
    atomic_store(&w->abort_now, true);
    ev_async_send(w->loop, &w->wake);
}

bool worker_drained(struct worker *w)
{
    return atomic_load(&w->drained);
}

struct rec_set *worker_handoff(struct worker *w, struct rec_set *recycled)
{
    if (recycled != w->lent)
        return NULL;
    if (!recycled) /* the first hand-off: the worker's second set (sets[0] is front) */
        recycled = w->sets[1];
    rec_set_reset(recycled);
    pthread_mutex_lock(&w->mu);
    w->incoming = recycled;
    if (w->thread_started) {
        uint64_t ticket = ++w->handoff_asked;
        ev_async_send(w->loop, &w->wake);
        while (w->handoff_done < ticket)
            pthread_cond_wait(&w->cv, &w->mu);
    } else {
        swap_sets(w); /* the caller is the loop's thread */
    }
    w->lent = w->outgoing;
    pthread_mutex_unlock(&w->mu);
    return w->lent;
}

const char *worker_node_name(const struct worker *w, size_t i)
{
    return i < REC_MAX_NODES ? w->names[i] : "?";
}
