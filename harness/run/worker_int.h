/*
 * worker_int.h — a worker's insides, shared by worker.c (its loop,
 * schedule, slots and hand-off), worker_setup.c (creating and freeing
 * it), worker_flow.c (flows and checks) and worker_record.c (what a
 * finished request leaves in its records) only.
 */
#ifndef GATECAP_WORKER_INT_H
#define GATECAP_WORKER_INT_H

#include <ev.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "measure/recorder.h"
#include "net/xfer.h"
#include "run/sched.h"
#include "run/thinkq.h"
#include "run/worker.h"
#include "scenario/scenario.h"
#include "scenario/template.h"

struct feeder_draw;
struct scn_request;

/* Capacity of the ring of arrivals waiting for the in-flight bound. */
#define PENDING_CAP (1u << 20)

struct wslot {
    size_t phase;
    size_t request;
    size_t target;
    size_t app;          /* token pool application, or XFER_NO_APP */
    size_t *rows;        /* [n_feeders]: rows drawn for this request (or user) */
    uint64_t user_rows;  /* bit f: rows[f] is this virtual user's for the run */
    int64_t intended_ns; /* from run start */
    bool busy;
    bool thinking;    /* in w->thinkers: a closed-model user's think time, or (step_wait)
                         the think time before a flow's next step */
    double backoff_s; /* closed model: the wait after its last local failure, or 0 */
    /* a flow instance (worker_flow.c) */
    size_t flow;              /* 0: none; else 1 + its flow's index */
    bool step_wait;           /* thinking before its next step */
    bool flow_failed;         /* a step failed and the flow went on (on_fail: continue) */
    int64_t flow_start_ns;    /* the arrival's intended start (from run start) */
    int64_t iter_start_ns;    /* closed model: when the user's iteration began (pacing) */
    struct tpl_span *vars;    /* [flow's n_vars]: the instance's variables */
    struct tpl_buf *var_bufs; /* [max vars]: their bytes, grown once, reused */
};

struct pending {
    int64_t intended_ns;
    uint32_t phase;
};

struct worker {
    const struct worker_shared *sh;
    const struct scenario *scn;
    /* Its workload (scenario.h): its model, phases, requests and
     * schedule; wid is the worker's place among the workload's wn. */
    const struct scn_workload *wl;
    struct scn_workload wl_implicit; /* wl's storage for a scenario without workloads */
    int wid, wn;
    int id;
    pthread_t thread;
    bool thread_started;
    struct ev_loop *loop;
    ev_async wake;
    ev_io timer;      /* timer_fd readable: something timed is due (run_due) */
    int timer_fd;     /* a timerfd on CLOCK_MONOTONIC */
    int64_t armed_ns; /* the due time timer_fd is armed for (from run start);
                         INT64_MAX: disarmed; INT64_MIN: fired, not re-armed */
    bool begun;       /* the schedule has started (begin) */
    struct xfer *xfer;

    struct wslot *slots;
    size_t n_slots;
    size_t *free_slots;
    size_t n_free;

    struct sched sched;
    struct sched_rr rr; /* targets in turn (load.balance: round_robin) */
    bool have_next;
    int64_t next_intended;
    size_t next_phase;
    struct pending *pend;
    size_t pend_head;
    size_t pend_len;

    size_t cur_phase;       /* closed model */
    int64_t phase_due_ns;   /* closed: next look at the phase (INT64_MAX: none) */
    struct thinkq thinkers; /* closed: users thinking, soonest first */
    size_t active_users;
    size_t step_waits; /* slots waiting for a flow's next step (in thinkers) */
    bool schedule_over;
    int64_t late_ns;
    uint64_t rng;
    size_t n_apps;                /* token pool applications (0: no auth) */
    size_t app_next;              /* round robin */
    struct feeder_draw *draws;    /* [n_feeders]: this worker's claimed rows */
    size_t *rows;                 /* [n_slots * n_feeders], the slots' rows */
    struct worker_checks *checks; /* [n_requests]: this worker's copies of each request's
                                     checks and captures (worker_checks_new), or NULL */
    struct tpl_span *spans;       /* [n_slots * max vars]: the slots' flow variables */
    struct tpl_buf *var_bufs;     /* [same]: their bytes */
    size_t n_var_bufs;
    struct tpl_buf cap_scratch; /* the value of a capture outside a flow (counted, unused) */
    uint64_t seq;               /* next ${seq} of this worker's chunk */
    uint64_t seq_end;

    struct rec_set *sets[2];  /* both of the worker's sets, for worker_free */
    struct rec_set *front;    /* the one being written (the loop's) */
    struct rec_set *lent;     /* the one the caller reads (the caller's), or NULL */
    struct rec_set *incoming; /* a hand-off's recycled set (under mu) */
    struct rec_set *outgoing; /* a hand-off's filled set (under mu) */
    char names[REC_MAX_NODES][REC_NODE_NAME_LEN];
    size_t n_nodes;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t handoff_asked;
    uint64_t handoff_done;
    atomic_bool stop;
    atomic_bool abort_now;
    atomic_bool exit_now;
    atomic_bool drained;
};

static inline struct rec_set *front(struct worker *w)
{
    return w->front;
}

/* Adds d to a generator-health counter of the front set: the whole set's
 * and that of the arrival's phase. */
#define health_add(w, phase, field, d)                                                             \
    do {                                                                                           \
        struct rec_set *f_ = front(w);                                                             \
        f_->health.field += (d);                                                                   \
        f_->by_phase[(phase)].field += (d);                                                        \
    } while (0)

/* Now, in ns from the run's start, on the worker's clock. */
static inline int64_t since_start(const struct worker *w)
{
    return w->sh->now_ns(w->sh->clock_ctx) - w->sh->start_ns;
}

/* True when request req's answer is kept for its checks and captures
 * (xfer_req.keep), with the most body bytes to keep in *body_limit. */
bool worker_keeps(const struct scn_request *req, size_t *body_limit);

/* A request's checks and captures as one worker holds them: copies with
 * their own compiled patterns, since glibc's regexec takes a lock on the
 * pattern it runs, and workers sharing one would take turns. */
struct worker_checks {
    struct scn_check *checks;
    struct scn_capture *captures;
};

/* w->checks for w's scenario (NULL when no request has checks or
 * captures). Returns 0 or -1 (no memory). */
int worker_checks_new(struct worker *w);
void worker_checks_free(struct worker *w);

/* Slot s (its phase and flow set) begins an instance of its flow, whose
 * arrival was due at intended_ns (from run start): counted started, its
 * variables emptied. */
void worker_flow_begin(struct worker *w, struct wslot *s, int64_t intended_ns);

/* Slot si's step finished with r (recorded as a request already): judges
 * it, keeps its captures, and counts the instance's end. Returns true when
 * the instance goes on with the next step (requests[s->request + 1]),
 * due at *due_ns (from run start); false when it ended (s->flow is 0
 * then). failed_check: worker_checks' answer. */
bool worker_flow_next(struct worker *w, size_t si, const struct xfer_result *r, long failed_check,
                      int64_t *due_ns);

/* Slot si's answer r against its request's checks (each counted by name)
 * and, for a flow's step, its captures into the instance's variables (a
 * capture that finds nothing, or a value with a line break or a NUL,
 * counts as a failed check of its name and empties the variable).
 * Returns the check name id (scenario.check_names) of the first failure,
 * or -1 when none failed (or there was no answer to check). */
long worker_checks(struct worker *w, size_t si, const struct xfer_result *r);

/* What a finished request of slot s leaves in the front set
 * (worker_record.c): its cell's counts and histograms, with latency from
 * the intended start (open model) or the send (closed), and its
 * application's counters (a 401 is also reported to the token pool). */
void worker_record_done(struct worker *w, const struct wslot *s, const struct xfer_result *r);

/* A request that never left gatecap (xfer_result.local), of phase
 * `phase`: in the generator's health only. */
void worker_record_local(struct worker *w, size_t phase, const struct xfer_result *r);

/* xfer_abandon_all's each (ctx: the worker): slot si was still in flight
 * when the run stopped waiting; recorded as OC_ABANDONED with its age. */
void worker_record_abandoned(void *ctx, size_t si, int64_t sent_ns);

/* The loop's callbacks (worker.c), set up by worker_new: the timerfd's
 * watcher (everything timed), the coordinator's wake-up (stop, abort,
 * hand-off, exit), and the transport's completion (xfer_done_fn; user:
 * the worker). */
void worker_on_timer(struct ev_loop *loop, ev_io *io, int revents);
void worker_on_wake(struct ev_loop *loop, ev_async *a, int revents);
void worker_on_done(void *user, size_t si, const struct xfer_result *r);

#endif
