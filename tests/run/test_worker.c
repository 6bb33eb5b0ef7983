/*
 * tests/run/test_worker.c — one worker (harness/run/worker.c,
 * worker_record.c) driven without a network or a thread of its own: a
 * transport of this test's (a struct xfer whose ops note each start and
 * complete a request when the test says, with the status the test picks)
 * and a clock the test sets; worker_step does what is due at that time.
 * Every time below is exact, so nothing depends on the machine's speed:
 *  - how a run's load is split over its workers (the in-flight bound for
 *    the run as a whole; a closed-model worker's users);
 *  - open model: latency from the intended start, not the send; late
 *    arrivals and the largest lag; the in-flight bound's queue and what
 *    it drops; local failures in the generator's health only;
 *  - an arrival's phase is that of its intended time, whenever it is sent
 *    or answered;
 *  - closed model: think time, back-off after a 429 (Retry-After, capped)
 *    and after a local failure, latency from the send, users following
 *    the phases;
 *  - stop and abort; the hand-off of recorder sets (the recycled set
 *    passed back in the call);
 *  - flow instances: each step due at the previous answer plus its think
 *    time, its latency from then, the flow's duration from the arrival's
 *    intended start; captures reaching later steps; on_fail stop and
 *    continue, failures by step and by check, local failures; a stop in a
 *    step or in its think time (unfinished); closed-model pacing;
 *  - and once with the worker on its own thread and the real clock,
 *    against the coordinator's hand-offs, for ThreadSanitizer (make tsan):
 *    every arrival is counted once, whatever the timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ev.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "measure/hdr.h"
#include "measure/recorder.h"
#include "measure/recorder_flow.h"
#include "net/xfer.h"
#include "net/xfer_int.h"
#include "run/sched.h"
#include "run/worker.h"
#include "scenario/scenario.h"
#include "scenario/template.h"

#define MS 1000000LL /* ns */

/* ---- how a run's load is split over its workers ---- */

static size_t total_slots(const struct scenario *scn, int workers)
{
    size_t sum = 0;
    for (int id = 0; id < workers; id++)
        sum += worker_slots(scn, id, workers);
    return sum;
}

/* Every request in flight holds a slot, so the slots of all workers
 * together are the bound: exactly max_inflight, whatever the number of
 * workers; a worker beyond the bound gets none. */
static void open_slots_add_up_to_max_inflight(void **state)
{
    (void)state;
    struct scenario scn = {.model = SCN_OPEN};
    for (int mi = 1; mi <= 40; mi++) {
        scn.max_inflight = mi;
        for (int workers = 1; workers <= 12; workers++) {
            assert_int_equal(total_slots(&scn, workers), mi);
            for (int id = 0; id < workers; id++) {
                size_t n = worker_slots(&scn, id, workers);
                /* an even split: shares differ by at most one */
                assert_true(n == (size_t)(mi / workers) || n == (size_t)(mi / workers + 1));
            }
        }
    }
}

/* The case: max_inflight 1 with 4 workers let 4 requests fly. */
static void max_inflight_one_with_four_workers(void **state)
{
    (void)state;
    struct scenario scn = {.model = SCN_OPEN, .max_inflight = 1};
    assert_int_equal(worker_slots(&scn, 0, 4), 1);
    assert_int_equal(worker_slots(&scn, 1, 4), 0);
    assert_int_equal(worker_slots(&scn, 2, 4), 0);
    assert_int_equal(worker_slots(&scn, 3, 4), 0);
}

/* Closed model: a worker's slots hold its share of the users of the
 * busiest phase; together, those of that phase. */
static void closed_slots_hold_the_busiest_phase(void **state)
{
    (void)state;
    struct scn_phase ph[3] = {{.users = 5}, {.users = 17}, {.users = 2}};
    struct scenario scn = {.model = SCN_CLOSED, .phases = ph, .n_phases = 3};
    for (int workers = 1; workers <= 17; workers++) {
        assert_int_equal(total_slots(&scn, workers), 17);
        for (int id = 0; id < workers; id++)
            assert_true(worker_slots(&scn, id, workers) >= 1);
    }
}

/* Shards of a distributed run split the closed model's users as the
 * schedule splits arrivals: shard i of N runs the users u with u mod N = i
 * (so the shards' sizes differ by at most one and add up to the phase's
 * users), shared among its own workers, and in-flight slots the same way. */
static void shards_split_users_and_slots(void **state)
{
    (void)state;
    struct scn_phase ph[3] = {{.users = 5}, {.users = 17}, {.users = 40}};
    for (int n = 1; n <= 16; n++)
        for (size_t p = 0; p < 3; p++) {
            size_t sum = 0, slots = 0;
            for (int i = 0; i < n; i++) {
                struct scenario scn = {.model = SCN_CLOSED,
                                       .phases = ph,
                                       .n_phases = 3,
                                       .shard_index = i,
                                       .shard_count = n};
                int workers = 1 + i % 3;
                size_t mine = 0;
                for (int w = 0; w < workers; w++)
                    mine += worker_users(&scn, p, w, workers);
                size_t want = 0; /* the users u with u mod n = i */
                for (size_t u = 0; u < (size_t)ph[p].users; u++)
                    want += u % (size_t)n == (size_t)i;
                assert_int_equal(mine, want);
                sum += mine;
                scn.model = SCN_OPEN;
                scn.max_inflight = 1000;
                for (int w = 0; w < workers; w++)
                    slots += worker_slots(&scn, w, workers);
            }
            assert_int_equal(sum, (size_t)ph[p].users);
            assert_int_equal(slots, 1000);
        }
}

/* ---- the test's transport ---- */

struct fake {
    struct xfer base; /* first: the worker holds a struct xfer * */
    xfer_done_fn done;
    void *user;
    struct ev_loop *loop;
    size_t n_slots;
    bool *busy;            /* [n_slots] */
    int64_t *sent_ns;      /* [n_slots]: when its request started (the clock's ns) */
    struct xfer_req *reqs; /* [n_slots]: what it was asked to send */
    size_t inflight;
    size_t starts;    /* every start so far */
    size_t misuse;    /* starts in a slot out of range or busy (no cmocka off the main thread) */
    size_t last_slot; /* the slot of the latest start */
    bool auto_finish; /* threaded test: answer 200 on the loop's next turn */
    ev_idle finisher; /* (auto_finish) */
    int64_t (*now)(void *ctx);
    void *clock_ctx;
};

static int fake_start(struct xfer *x, size_t slot, const struct xfer_req *rq)
{
    struct fake *f = (struct fake *)x;
    if (slot >= f->n_slots || f->busy[slot]) {
        f->misuse++;
        return 0;
    }
    f->busy[slot] = true;
    f->sent_ns[slot] = f->now(f->clock_ctx);
    f->reqs[slot] = *rq;
    f->inflight++;
    f->starts++;
    f->last_slot = slot;
    if (f->auto_finish)
        ev_idle_start(f->loop, &f->finisher);
    return 0;
}

static size_t fake_inflight(const struct xfer *x)
{
    return ((const struct fake *)x)->inflight;
}

static size_t fake_abandon_all(struct xfer *x,
                               void (*each)(void *ctx, size_t slot, int64_t sent_ns), void *ctx)
{
    struct fake *f = (struct fake *)x;
    size_t n = 0;
    for (size_t i = 0; i < f->n_slots; i++)
        if (f->busy[i]) {
            f->busy[i] = false;
            f->inflight--;
            n++;
            if (each)
                each(ctx, i, f->sent_ns[i]);
        }
    return n;
}

static void fake_free(struct xfer *x)
{
    struct fake *f = (struct fake *)x;
    if (f->auto_finish)
        ev_idle_stop(f->loop, &f->finisher);
    free(f->busy);
    free(f->sent_ns);
    free(f->reqs);
    free(f);
}

static const struct xfer_ops fake_ops = {
    .start = fake_start,
    .inflight = fake_inflight,
    .abandon_all = fake_abandon_all,
    .free = fake_free,
};

/* What the test says a request got. */
struct answer {
    int status;        /* 0: none (then outcome) */
    int outcome;       /* without a status: OC_* */
    int retry_after_s; /* 429: Retry-After, or -1 */
    bool local;        /* never sent: gatecap ran out of something */
    bool stream_wait;  /* HTTP/2: it waited for a stream */
    const char *body;  /* the whole body kept for checks and captures, or NULL */
};

/* Completes slot's request now (the clock's time) as a says. */
static void finish(struct fake *f, size_t slot, struct answer a)
{
    f->busy[slot] = false;
    f->inflight--;
    struct xfer_result r = {
        .sent_ns = f->sent_ns[slot],
        .done_ns = f->now(f->clock_ctx),
        .outcome = a.status ? rec_outcome_of_status(a.status) : (enum rec_outcome)a.outcome,
        .status = a.status,
        .expected = a.status >= 200 && a.status < 400,
        .ttfb_us = 1000,
        .bytes_sent = 100,
        .bytes_received = 200,
        .local = a.local,
        .stream_wait = a.stream_wait,
        .error = a.local    ? "no file descriptor left (test)"
                 : a.status ? NULL
                            : "connection refused (test)",
        .throttle_kind = a.status == 429 ? REC_THROTTLE_OTHER : -1,
        .retry_after_s = a.status == 429 ? a.retry_after_s : -1,
        .head = a.body ? "" : NULL,
        .whole_body = a.body,
        .whole_body_len = a.body ? strlen(a.body) : 0,
    };
    f->done(f->user, slot, &r);
}

/* finish, for the test's thread: the slot must be in flight. */
static void fake_complete(struct fake *f, size_t slot, struct answer a)
{
    assert_true(slot < f->n_slots && f->busy[slot]);
    finish(f, slot, a);
}

static void on_finisher(struct ev_loop *loop, ev_idle *idle, int revents)
{
    (void)revents;
    struct fake *f = idle->data;
    ev_idle_stop(loop, idle);
    for (size_t i = 0; i < f->n_slots; i++)
        if (f->busy[i])
            finish(f, i, (struct answer){.status = 200});
}

/* The transports the worker made, in order: the constructor is called
 * from worker_new, whose signature has no place for the test's context. */
#define MAX_FAKES 4
static struct fake *fakes[MAX_FAKES];
static size_t n_fakes;
static bool fakes_auto_finish;

static int fake_new(struct ev_loop *loop, const struct scenario *scn, const char *const *resolve,
                    size_t n_resolve, struct auth_pool *auth, size_t slots, uint64_t seed,
                    xfer_done_fn done, void *user, struct xfer **out, char *err, size_t err_len)
{
    (void)scn, (void)resolve, (void)n_resolve, (void)auth, (void)seed;
    struct fake *f = calloc(1, sizeof *f);
    if (!f || n_fakes == MAX_FAKES) {
        free(f);
        snprintf(err, err_len, "fake transport: no room");
        return -1;
    }
    f->base.ops = &fake_ops;
    f->done = done;
    f->user = user;
    f->loop = loop;
    f->n_slots = slots;
    f->busy = calloc(slots, sizeof *f->busy);
    f->sent_ns = calloc(slots, sizeof *f->sent_ns);
    f->reqs = calloc(slots, sizeof *f->reqs);
    f->auto_finish = fakes_auto_finish;
    ev_idle_init(&f->finisher, on_finisher);
    f->finisher.data = f;
    fakes[n_fakes++] = f;
    *out = &f->base;
    return 0;
}

/* ---- a worker with the test's clock ---- */

/* The run starts at 1 s on the test's clock (any time would do). */
#define START_NS (1000 * MS)

struct fix {
    struct scenario *scn;
    struct worker_shared sh;
    int64_t clock_ns; /* the test's clock */
    struct worker *w;
    struct fake *fake;
    struct rec_set *lent; /* the set the last hand-off returned */
    _Atomic uint64_t seq_next;
    _Atomic int exhausted;
};

static int64_t test_clock(void *ctx)
{
    return ((struct fix *)ctx)->clock_ns;
}

/* What the engine's prepare_shared fills, from the scenario. */
static void share(struct worker_shared *sh, const struct scenario *scn, int workers)
{
    sh->scn = scn;
    sh->workers = workers;
    sh->target_cum = calloc(scn->n_targets, sizeof(double));
    sh->request_cum = calloc(scn->n_requests, sizeof(double));
    sh->phase_end_ns = calloc(scn->n_phases, sizeof(int64_t));
    assert_non_null(sh->target_cum);
    assert_non_null(sh->request_cum);
    assert_non_null(sh->phase_end_ns);
    double acc = 0;
    for (size_t i = 0; i < scn->n_targets; i++)
        sh->target_cum[i] = acc += scn->targets[i].weight;
    acc = 0;
    for (size_t i = 0; i < scn->n_requests; i++)
        sh->request_cum[i] = acc += scn->requests[i].weight;
    /* each workload's mix restarts at its first request; each phase ends
     * at its start (workloads side by side start at 0) plus its length */
    for (size_t w = 0; w < scn->n_workloads; w++) {
        acc = 0;
        const struct scn_workload *wl = &scn->workloads[w];
        for (size_t i = wl->first_request; i < wl->first_request + wl->n_requests; i++)
            sh->request_cum[i] = acc += scn->requests[i].weight;
    }
    for (size_t p = 0; p < scn->n_phases; p++)
        sh->phase_end_ns[p] =
            (int64_t)((scenario_phase_start_s(scn, p) + scn->phases[p].duration_s) * 1e9);
}

static void shared_free(struct worker_shared *sh)
{
    free(sh->target_cum);
    free(sh->request_cum);
    free(sh->phase_end_ns);
}

/* The scenario of the tests but for what its last lines say: by default
 * one request (a), else (with "flows:" or "requests:" in them) what they
 * list. */
static struct scenario *load(const char *load_yaml)
{
    char yaml[4096], err[2048];
    struct scenario *scn = NULL;
    snprintf(yaml, sizeof yaml,
             "targets: [\"http://127.0.0.1:9\"]\n"
             "%s"
             "generator: {late_threshold: 10ms}\n"
             "%s",
             strstr(load_yaml, "flows:") || strstr(load_yaml, "requests:")
                 ? ""
                 : "requests: [{name: a, path: /a}]\n",
             load_yaml);
    if (scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &scn, err, sizeof err))
        fail_msg("scenario: %s", err);
    return scn;
}

/* A worker (id 0 of 1) of the scenario whose `load:` section is
 * load_yaml; the clock at the run's start. */
static void fix_new(struct fix *fx, const char *load_yaml)
{
    char err[512];
    memset(fx, 0, sizeof *fx);
    fx->scn = load(load_yaml);
    share(&fx->sh, fx->scn, 1);
    fx->sh.new_xfer = fake_new;
    fx->sh.now_ns = test_clock;
    fx->sh.clock_ctx = fx;
    fx->sh.start_ns = START_NS;
    fx->sh.seq_next = &fx->seq_next;
    fx->sh.exhausted = &fx->exhausted;
    fx->clock_ns = START_NS;
    n_fakes = 0;
    fakes_auto_finish = false;
    if (worker_new(&fx->sh, 0, &fx->w, err, sizeof err))
        fail_msg("worker_new: %s", err);
    assert_int_equal(n_fakes, 1);
    fx->fake = fakes[0];
    fx->fake->now = test_clock;
    fx->fake->clock_ctx = fx;
}

static void fix_free(struct fix *fx)
{
    worker_free(fx->w);
    shared_free(&fx->sh);
    scenario_free(fx->scn);
}

/* Sets the clock to t_ms after the run's start and lets the worker do
 * what is due then. */
static void at_ms(struct fix *fx, double t_ms)
{
    fx->clock_ns = START_NS + (int64_t)(t_ms * 1e6);
    worker_step(fx->w);
}

/* Completes slot's request at t_ms after the run's start. */
static void answer_at(struct fix *fx, double t_ms, size_t slot, struct answer a)
{
    fx->clock_ns = START_NS + (int64_t)(t_ms * 1e6);
    fake_complete(fx->fake, slot, a);
}

static const struct answer OK = {.status = 200};

/* The set recorded since the last hand-off (the one before passed back). */
static struct rec_set *handoff(struct fix *fx)
{
    struct rec_set *s = worker_handoff(fx->w, fx->lent);
    assert_non_null(s);
    fx->lent = s;
    return s;
}

static const struct rec_cell *cell(const struct rec_set *s, size_t phase)
{
    const struct rec_cell *c = rec_cell_peek(s, phase, 0, 0);
    assert_non_null(c);
    return c;
}

/* h holds exactly the values us (n of them), each within the histogram's
 * precision. */
static void hist_is(const struct hdr_hist *h, const int64_t *us, size_t n)
{
    assert_int_equal(hdr_count(h), n);
    int64_t lo = INT64_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = us[i] < lo ? us[i] : lo;
        hi = us[i] > hi ? us[i] : hi;
    }
    if (!hdr_values_equivalent(h, hdr_min(h), lo) || !hdr_values_equivalent(h, hdr_max(h), hi))
        fail_msg("histogram spans %lld..%lld µs, want %lld..%lld", (long long)hdr_min(h),
                 (long long)hdr_max(h), (long long)lo, (long long)hi);
}

/* rate 10/s from one worker: arrivals at 50, 150, 250, ... ms */
static const char *const OPEN_10 = "load: {max_inflight: 10, workers: 1, phases: "
                                   "[{name: one, duration: 1s, rate: 10/s}]}\n";

/* ---- open model ---- */

/* Latency runs from the intended start, however late the request was
 * sent; service time from the send. */
static void latency_from_intended_start(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, OPEN_10);
    at_ms(&fx, 0);
    assert_int_equal(fx.fake->starts, 0); /* the first arrival is due at 50 ms */
    at_ms(&fx, 49.999);
    assert_int_equal(fx.fake->starts, 0);
    at_ms(&fx, 57); /* sent 7 ms after its intended time */
    assert_int_equal(fx.fake->starts, 1);
    at_ms(&fx, 60);
    assert_int_equal(fx.fake->starts, 1); /* the next is due at 150 ms */
    answer_at(&fx, 80, fx.fake->last_slot, OK);
    struct rec_set *s = handoff(&fx);
    const struct rec_cell *c = cell(s, 0);
    assert_int_equal(c->completed, 1);
    assert_int_equal(c->outcomes[OC_2XX], 1);
    hist_is(c->latency, (int64_t[]){30000}, 1); /* 80 − 50 ms */
    hist_is(c->service, (int64_t[]){23000}, 1); /* 80 − 57 ms */
    assert_int_equal(c->bytes_sent, 100);
    assert_int_equal(s->health.scheduled, 1);
    assert_int_equal(s->health.started, 1);
    assert_int_equal(s->health.late, 0); /* 7 ms is within late_threshold (10 ms) */
    assert_int_equal(s->health.max_lag_us, 7000);
    fix_free(&fx);
}

/* Arrivals sent more than late_threshold after their intended time are
 * late, counted in the arrival's phase; the largest lag is kept. */
static void late_arrivals_and_lag(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, OPEN_10);
    at_ms(&fx, 250); /* the loop was away: 50, 150 and 250 are due at once */
    assert_int_equal(fx.fake->starts, 3);
    at_ms(&fx, 360); /* 350: 10 ms late is not late */
    assert_int_equal(fx.fake->starts, 4);
    struct rec_set *s = handoff(&fx);
    assert_int_equal(s->health.scheduled, 4);
    assert_int_equal(s->health.started, 4);
    assert_int_equal(s->health.late, 2); /* 200 and 100 ms; not 0 or 10 */
    assert_int_equal(s->by_phase[0].late, 2);
    assert_int_equal(s->health.max_lag_us, 200000);
    assert_int_equal(s->health.inflight, 4);
    fix_free(&fx);
}

/* A request that could not be sent for want of a local resource is the
 * generator's failure: in its health (not sent, still scheduled: the
 * arrival is lost), in no cell, with an example message. */
static void local_failures_count_against_the_generator(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, OPEN_10);
    at_ms(&fx, 150);
    answer_at(&fx, 151, 0, (struct answer){.local = true});
    answer_at(&fx, 152, 1, OK);
    struct rec_set *s = handoff(&fx);
    assert_int_equal(s->health.scheduled, 2);
    assert_int_equal(s->health.started, 1);
    assert_int_equal(s->health.local_failures, 1);
    assert_int_equal(s->by_phase[0].local_failures, 1);
    assert_string_equal(s->local_error, "no file descriptor left (test)");
    assert_int_equal(cell(s, 0)->completed, 1);
    at_ms(&fx, 1000); /* a local failure is not tried again */
    assert_int_equal(fx.fake->starts, 2 + 8);
    fix_free(&fx);
}

/* At the in-flight bound an arrival waits in the queue (bound_waits) and
 * starts in the first slot that frees, its latency still from its
 * intended time. */
static void bound_queues_arrivals(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "load: {max_inflight: 2, workers: 1, phases: "
                 "[{name: one, duration: 1s, rate: 10/s}]}\n");
    at_ms(&fx, 250);
    assert_int_equal(fx.fake->starts, 2); /* 50 and 150; 250 waits */
    struct rec_set *s = handoff(&fx);
    assert_int_equal(s->health.scheduled, 3);
    assert_int_equal(s->health.started, 2);
    assert_int_equal(s->health.bound_waits, 1);
    assert_int_equal(s->health.inflight, 3); /* two in flight, one waiting */
    answer_at(&fx, 258, 0, OK);              /* 250 goes out in slot 0 at 258 */
    assert_int_equal(fx.fake->starts, 3);
    assert_int_equal(fx.fake->last_slot, 0);
    answer_at(&fx, 300, 0, OK);
    answer_at(&fx, 301, 1, OK);
    s = handoff(&fx);
    assert_int_equal(s->health.started, 1);
    assert_int_equal(s->health.late, 0); /* 8 ms */
    /* from the intended times: 258 − 50, 300 − 250, 301 − 150 */
    hist_is(cell(s, 0)->latency, (int64_t[]){208000, 50000, 151000}, 3);
    fix_free(&fx);
}

/* An HTTP/2 request that waited inside the transport for a stream is
 * counted in the generator's health (stream_waits), by the phase of its
 * arrival; its latency still runs from its intended time. */
static void stream_waits_counted(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "load: {max_inflight: 4, workers: 1, phases: "
                 "[{name: one, duration: 1s, rate: 10/s}]}\n");
    at_ms(&fx, 160);
    assert_int_equal(fx.fake->starts, 2);
    answer_at(&fx, 170, 0, (struct answer){.status = 200, .stream_wait = true});
    answer_at(&fx, 171, 1, OK);
    struct rec_set *s = handoff(&fx);
    assert_int_equal(s->health.stream_waits, 1);
    assert_int_equal(s->by_phase[0].stream_waits, 1);
    assert_int_equal(s->health.bound_waits, 0);
    hist_is(cell(s, 0)->latency, (int64_t[]){120000, 21000}, 2);
    fix_free(&fx);
}

/* The queue holds 2^20 arrivals; what comes beyond is dropped, counted. */
static void full_queue_drops(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "load: {max_inflight: 1, workers: 1, phases: "
                 "[{name: one, duration: 1s, rate: 1048587/s}]}\n");
    at_ms(&fx, 1000);
    assert_int_equal(fx.fake->starts, 1);
    struct rec_set *s = handoff(&fx);
    assert_int_equal(s->health.scheduled, 1048587);
    assert_int_equal(s->health.started, 1);
    assert_int_equal(s->health.bound_waits, 1048586);
    assert_int_equal(s->health.queue_drops, 1048586 - 1048576);
    assert_int_equal(s->by_phase[0].queue_drops, 10);
    fix_free(&fx);
}

/* An arrival belongs to the phase of its intended time: its lateness,
 * its cell, whenever it is sent or answered. */
static void phase_of_the_intended_time(void **state)
{
    (void)state;
    struct fix fx;
    /* 10/s then 20/s: phase one's last arrival at 950 ms, phase two's
     * first at 1025 ms */
    fix_new(&fx, "load: {max_inflight: 100, workers: 1, phases: "
                 "[{name: one, duration: 1s, rate: 10/s}, {name: two, duration: 1s, rate: "
                 "20/s}]}\n");
    for (int t = 50; t <= 850; t += 100)
        at_ms(&fx, t); /* each on time */
    assert_int_equal(fx.fake->starts, 9);
    at_ms(&fx, 1030); /* 950 goes out 80 ms late, in phase two's time */
    assert_int_equal(fx.fake->starts, 11);
    for (size_t i = 0; i < 11; i++)
        answer_at(&fx, 1040, i, OK); /* all answered in phase two's time */
    struct rec_set *s = handoff(&fx);
    assert_int_equal(cell(s, 0)->completed, 10);
    assert_int_equal(cell(s, 1)->completed, 1);
    assert_int_equal(s->by_phase[0].scheduled, 10);
    assert_int_equal(s->by_phase[1].scheduled, 1);
    assert_int_equal(s->by_phase[0].late, 1);
    assert_int_equal(s->by_phase[1].late, 0);
    assert_int_equal(s->by_phase[0].max_lag_us, 80000);
    assert_int_equal(s->by_phase[1].max_lag_us, 5000);
    /* slot 10 holds phase two's first (1025 ms): 15 ms */
    hist_is(cell(s, 1)->latency, (int64_t[]){15000}, 1);
    fix_free(&fx);
}

/* A warm-up phase (record: false) sends but records no cell; its health
 * still counts. */
static void warmup_is_not_recorded(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "load: {max_inflight: 10, workers: 1, phases: "
                 "[{name: warm, duration: 1s, rate: 10/s, record: false}]}\n");
    at_ms(&fx, 50);
    answer_at(&fx, 60, 0, OK);
    struct rec_set *s = handoff(&fx);
    assert_null(rec_cell_peek(s, 0, 0, 0));
    assert_int_equal(s->health.started, 1);
    fix_free(&fx);
}

/* ---- closed model ---- */

static const char *const CLOSED_2 = "load: {model: closed, workers: 1, backoff: 2s, phases: "
                                    "[{name: one, duration: 10s, users: 2, think: 100ms}]}\n";

/* A user sends, waits for the answer, thinks, sends again; latency is
 * from the send. */
static void closed_think_time(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, CLOSED_2);
    at_ms(&fx, 0);
    assert_int_equal(fx.fake->starts, 2); /* both users at once */
    answer_at(&fx, 30, 0, OK);
    at_ms(&fx, 129.999);
    assert_int_equal(fx.fake->starts, 2); /* still thinking */
    at_ms(&fx, 130);
    assert_int_equal(fx.fake->starts, 3);
    assert_int_equal(fx.fake->last_slot, 0);
    answer_at(&fx, 150, 0, OK);
    struct rec_set *s = handoff(&fx);
    hist_is(cell(s, 0)->latency, (int64_t[]){30000, 20000}, 2);
    assert_int_equal(s->health.late, 0); /* a closed-model request is due when sent */
    assert_int_equal(s->health.inflight, 1);
    fix_free(&fx);
}

/* After a 429 a user waits its Retry-After (1 s without one), at most
 * backoff, and at least its think time. */
static void closed_backoff_after_429(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, CLOSED_2);
    at_ms(&fx, 0);
    answer_at(&fx, 40, 1, (struct answer){.status = 429, .retry_after_s = -1});
    at_ms(&fx, 1039.999);
    assert_int_equal(fx.fake->starts, 2);
    at_ms(&fx, 1040); /* 1 s without Retry-After */
    assert_int_equal(fx.fake->starts, 3);
    assert_int_equal(fx.fake->last_slot, 1);
    answer_at(&fx, 1050, 1, (struct answer){.status = 429, .retry_after_s = 5});
    at_ms(&fx, 3049.999);
    assert_int_equal(fx.fake->starts, 3);
    at_ms(&fx, 3050); /* Retry-After 5 s, capped at backoff: 2 s */
    assert_int_equal(fx.fake->starts, 4);
    answer_at(&fx, 3060, 1, (struct answer){.status = 429, .retry_after_s = 0});
    at_ms(&fx, 3159.999);
    assert_int_equal(fx.fake->starts, 4);
    at_ms(&fx, 3160); /* Retry-After 0: the think time still holds */
    assert_int_equal(fx.fake->starts, 5);
    struct rec_set *s = handoff(&fx);
    const struct rec_cell *c = cell(s, 0);
    assert_int_equal(c->outcomes[OC_429], 3);
    assert_int_equal(c->retry_after, 2);
    assert_int_equal(c->retry_after_max_s, 5);
    assert_int_equal(c->throttled_by[REC_THROTTLE_OTHER], 3);
    fix_free(&fx);
}

/* Without backoff a 429 is only counted: the user thinks as usual. */
static void closed_429_without_backoff(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "load: {model: closed, workers: 1, phases: "
                 "[{name: one, duration: 10s, users: 1, think: 100ms}]}\n");
    at_ms(&fx, 0);
    answer_at(&fx, 10, 0, (struct answer){.status = 429, .retry_after_s = 5});
    at_ms(&fx, 110);
    assert_int_equal(fx.fake->starts, 2);
    fix_free(&fx);
}

/* A local failure makes the user wait 100 ms, doubling, never less than
 * its think time; a success ends the back-off. */
static void closed_backoff_after_local_failure(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "load: {model: closed, workers: 1, phases: "
                 "[{name: one, duration: 10s, users: 1}]}\n");
    at_ms(&fx, 0);
    answer_at(&fx, 1, 0, (struct answer){.local = true});
    at_ms(&fx, 100.999);
    assert_int_equal(fx.fake->starts, 1);
    at_ms(&fx, 101);
    assert_int_equal(fx.fake->starts, 2);
    answer_at(&fx, 102, 0, (struct answer){.local = true});
    at_ms(&fx, 301.999);
    assert_int_equal(fx.fake->starts, 2);
    at_ms(&fx, 302); /* 200 ms */
    assert_int_equal(fx.fake->starts, 3);
    answer_at(&fx, 303, 0, OK);
    assert_int_equal(fx.fake->starts, 4); /* no think time: at once */
    struct rec_set *s = handoff(&fx);
    assert_int_equal(s->health.local_failures, 2);
    assert_int_equal(s->health.scheduled, 2); /* a failed try is not scheduled */
    assert_int_equal(s->health.started, 2);
    fix_free(&fx);
}

/* The users follow the phases: more start at a phase with more, the extra
 * ones stop after their request; a think time that ends at the phase
 * change sees the new phase. Each request is in the phase it was sent in. */
static void closed_users_follow_phases(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "load: {model: closed, workers: 1, phases: "
                 "[{name: one, duration: 1s, users: 1, think: 100ms}, "
                 "{name: two, duration: 1s, users: 3, think: 100ms}, "
                 "{name: three, duration: 1s, users: 1, think: 100ms}]}\n");
    at_ms(&fx, 0);
    assert_int_equal(fx.fake->starts, 1);
    answer_at(&fx, 900, 0, OK); /* thinks until 1000: the change of phase */
    at_ms(&fx, 1000);
    assert_int_equal(fx.fake->starts, 4); /* users 1 and 2 join, user 0 is back */
    for (size_t i = 0; i < 3; i++)
        answer_at(&fx, 1950, i, OK);
    at_ms(&fx, 2050); /* phase three: one user; 1 and 2 stay idle */
    assert_int_equal(fx.fake->starts, 5);
    assert_int_equal(fx.fake->last_slot, 0);
    answer_at(&fx, 2990, 0, OK); /* thinks past the end */
    at_ms(&fx, 3000);            /* the end: nothing more, drained */
    assert_int_equal(fx.fake->starts, 5);
    assert_true(worker_drained(fx.w));
    at_ms(&fx, 3090);
    assert_int_equal(fx.fake->starts, 5);
    struct rec_set *s = handoff(&fx);
    assert_int_equal(cell(s, 0)->completed, 1);
    assert_int_equal(cell(s, 1)->completed, 3);
    assert_int_equal(cell(s, 2)->completed, 1);
    fix_free(&fx);
}

/* ---- stop, abort, hand-off ---- */

/* A stop ends the arrivals and empties the queue; what is in flight
 * finishes, then the worker is drained. */
static void stop_lets_inflight_finish(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "load: {max_inflight: 1, workers: 1, phases: "
                 "[{name: one, duration: 1s, rate: 10/s}]}\n");
    at_ms(&fx, 250); /* one in flight, two waiting */
    worker_stop(fx.w);
    at_ms(&fx, 260);
    assert_false(worker_drained(fx.w));
    answer_at(&fx, 270, 0, OK); /* nothing waiting is started */
    assert_int_equal(fx.fake->starts, 1);
    assert_true(worker_drained(fx.w));
    at_ms(&fx, 1000);
    assert_int_equal(fx.fake->starts, 1);
    fix_free(&fx);
}

/* An abort abandons what is in flight: counted, with a latency of at
 * least its age, so the tail is not cut off. */
static void abort_records_abandoned(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, OPEN_10);
    at_ms(&fx, 50);
    worker_abort(fx.w);
    at_ms(&fx, 550);
    assert_true(worker_drained(fx.w));
    struct rec_set *s = handoff(&fx);
    const struct rec_cell *c = cell(s, 0);
    assert_int_equal(c->outcomes[OC_ABANDONED], 1);
    assert_int_equal(s->health.abandoned, 1);
    hist_is(c->latency, (int64_t[]){500000}, 1);
    assert_non_null(strstr(s->first_error[OC_ABANDONED], "stopped waiting"));
    fix_free(&fx);
}

/* The hand-off takes the recycled set back in the call: the set returned
 * holds the interval since the last one, the recycled one is reset and
 * written from then on, and anything but the last set returned is
 * refused. */
static void handoff_recycles(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, OPEN_10);
    at_ms(&fx, 50);
    answer_at(&fx, 60, 0, OK);
    struct rec_set *a = handoff(&fx);
    assert_int_equal(a->health.started, 1);
    assert_int_equal(a->n_nodes, 1);
    assert_string_equal(worker_node_name(fx.w, 0), "127.0.0.1:9");
    at_ms(&fx, 250);
    answer_at(&fx, 260, 0, OK);
    answer_at(&fx, 261, 1, OK);
    /* a is still the caller's: untouched by the new interval */
    assert_int_equal(a->health.started, 1);
    assert_null(worker_handoff(fx.w, NULL)); /* not the set it lent */
    struct rec_set *b = handoff(&fx);
    assert_ptr_not_equal(a, b);
    assert_int_equal(b->health.started, 2);
    assert_int_equal(cell(b, 0)->completed, 2);
    at_ms(&fx, 350);
    struct rec_set *c = handoff(&fx); /* a again, reset, with 350's arrival only */
    assert_ptr_equal(c, a);
    assert_int_equal(c->health.started, 1);
    assert_int_equal(c->health.inflight, 1);
    assert_int_equal(rec_cell_peek(c, 0, 0, 0)->completed, 0);
    fix_free(&fx);
}

/* ---- flows ---- */

/* A flow of three steps: consent (captures cid from its JSON body), pay
 * (sends it, checks status 201), status; 100 ms think time after each
 * step. One instance per run: the arrival is due at 500 ms. */
#define FLOW_YAML(on_fail, extra_load)                                                             \
    "flows:\n"                                                                                     \
    "  - name: pay\n"                                                                              \
    "    think: 100ms\n"                                                                           \
    "    on_fail: " on_fail "\n"                                                                   \
    "    steps:\n"                                                                                 \
    "      - {name: consent, path: /c, capture: {cid: {json: $.id}}}\n"                            \
    "      - {name: pay, path: \"/p/${cid}\", checks: [{name: paid, status: 201}]}\n"              \
    "      - {name: status, path: /s}\n"                                                           \
    "load: {max_inflight: 4, workers: 1, " extra_load "phases: [{name: one, duration: 1s, "        \
    "rate: 1/s}]}\n"

static const struct answer CONSENT = {.status = 200, .body = "{\"id\": \"c-17\"}"};

/* The id of check or capture name in the scenario's check names. */
static size_t check_id(const struct scenario *scn, const char *name)
{
    for (size_t k = 0; k < scn->n_check_names; k++)
        if (!strcmp(scn->check_names[k], name))
            return k;
    fail_msg("no check named %s", name);
    return 0;
}

static const struct rec_flow *flow_cell(const struct rec_set *s)
{
    const struct rec_flow *c = rec_flow_peek(s, 0, 0);
    assert_non_null(c);
    return c;
}

/* The request in flight in the fake's latest slot is step `step`. */
static size_t sent_step(struct fix *fx, size_t step)
{
    size_t slot = fx->fake->last_slot;
    assert_true(fx->fake->busy[slot]);
    assert_int_equal(fx->fake->reqs[slot].request, step);
    return slot;
}

/* Every step is due at the previous answer plus the think time, and its
 * latency counts from then (not from its send); the flow's duration from
 * the arrival's intended start to the last answer. The captured value
 * reaches the next step's variables. */
static void flow_steps_due_after_think(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, FLOW_YAML("stop", ""));
    assert_int_equal(fx.scn->n_requests, 3);
    at_ms(&fx, 499.999);
    assert_int_equal(fx.fake->starts, 0);
    at_ms(&fx, 500);
    size_t slot = sent_step(&fx, 0);
    assert_true(fx.fake->reqs[slot].keep); /* its capture reads the body */
    answer_at(&fx, 520, slot, CONSENT);
    assert_int_equal(fx.fake->starts, 1); /* the next step is due at 620 */
    at_ms(&fx, 619.999);
    assert_int_equal(fx.fake->starts, 1);
    at_ms(&fx, 640); /* sent 20 ms late: its latency still counts from 620 */
    assert_int_equal(fx.fake->starts, 2);
    slot = sent_step(&fx, 1);
    const struct tpl_span *v = fx.fake->reqs[slot].vars;
    assert_non_null(v);
    assert_int_equal(v[0].len, 4);
    assert_memory_equal(v[0].p, "c-17", 4);
    answer_at(&fx, 700, slot, (struct answer){.status = 201});
    at_ms(&fx, 800);
    slot = sent_step(&fx, 2);
    assert_false(fx.fake->reqs[slot].keep); /* no check, no capture */
    answer_at(&fx, 830, slot, OK);
    assert_int_equal(fx.fake->starts, 3);
    at_ms(&fx, 1000); /* the schedule is over */
    assert_true(worker_drained(fx.w));
    struct rec_set *s = handoff(&fx);
    hist_is(rec_cell_peek(s, 0, 0, 0)->latency, (int64_t[]){20000}, 1);
    hist_is(rec_cell_peek(s, 0, 1, 0)->latency, (int64_t[]){80000}, 1); /* 700 − 620 */
    hist_is(rec_cell_peek(s, 0, 1, 0)->service, (int64_t[]){60000}, 1); /* 700 − 640 */
    hist_is(rec_cell_peek(s, 0, 2, 0)->latency, (int64_t[]){30000}, 1); /* 830 − 800 */
    const struct rec_flow *c = flow_cell(s);
    assert_int_equal(c->started, 1);
    assert_int_equal(c->completed, 1);
    assert_int_equal(c->failed, 0);
    assert_int_equal(c->local, 0);
    hist_is(c->duration, (int64_t[]){330000}, 1); /* 830 − 500 */
    assert_int_equal(s->flows->checks[check_id(fx.scn, "paid")].passed, 1);
    assert_int_equal(s->flows->checks[check_id(fx.scn, "pay.consent.capture:cid")].passed, 1);
    assert_int_equal(s->health.started, 1); /* later steps are not arrivals */
    fix_free(&fx);
}

/* A step answered after its think time would have ended already is sent
 * at once; with no think time, the next step goes out with the answer. */
static void flow_step_due_in_the_past_goes_at_once(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "flows: [{name: f, steps: [{name: a, path: /a}, {name: b, path: /b}]}]\n"
                 "load: {max_inflight: 4, workers: 1, phases: [{duration: 1s, rate: 1/s}]}\n");
    at_ms(&fx, 500);
    answer_at(&fx, 510, sent_step(&fx, 0), OK);
    answer_at(&fx, 530, sent_step(&fx, 1), OK);
    struct rec_set *s = handoff(&fx);
    hist_is(rec_cell_peek(s, 0, 1, 0)->latency, (int64_t[]){20000}, 1);
    hist_is(flow_cell(s)->duration, (int64_t[]){30000}, 1);
    assert_int_equal(flow_cell(s)->completed, 1);
    fix_free(&fx);
}

/* on_fail: stop — a step's failed check ends the instance: later steps
 * are not sent; the instance is failed, by that step and check. */
static void flow_stop_on_failed_check(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, FLOW_YAML("stop", ""));
    at_ms(&fx, 500);
    answer_at(&fx, 520, sent_step(&fx, 0), CONSENT);
    at_ms(&fx, 620);
    answer_at(&fx, 650, sent_step(&fx, 1), OK); /* 200, not 201 */
    at_ms(&fx, 1000);
    assert_int_equal(fx.fake->starts, 2);
    assert_true(worker_drained(fx.w));
    struct rec_set *s = handoff(&fx);
    const struct rec_flow *c = flow_cell(s);
    assert_int_equal(c->started, 1);
    assert_int_equal(c->completed, 0);
    assert_int_equal(c->failed, 1);
    assert_int_equal(c->failed_by_step[0], 0);
    assert_int_equal(c->failed_by_step[1], 1);
    assert_int_equal(c->failed_by_step[2], 0);
    assert_int_equal(c->failed_by_check[check_id(fx.scn, "paid")], 1);
    assert_int_equal(hdr_count(c->duration), 0);
    const struct rec_check *k = &s->flows->checks[check_id(fx.scn, "paid")];
    assert_int_equal(k->failed, 1);
    assert_int_equal(k->passed, 0);
    assert_non_null(strstr(k->example, "HTTP 200"));
    fix_free(&fx);
}

/* on_fail: continue — the next step is sent anyway; the instance is
 * failed (by its first failure) and not completed. A failed request (a
 * status not expected, no check) fails the step too. */
static void flow_continue_after_failure(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, FLOW_YAML("continue", ""));
    at_ms(&fx, 500);
    answer_at(&fx, 520, sent_step(&fx, 0), (struct answer){.status = 503});
    at_ms(&fx, 620);
    size_t slot = sent_step(&fx, 1);
    assert_int_equal(fx.fake->reqs[slot].vars[0].len, 0); /* nothing captured */
    answer_at(&fx, 650, slot, OK);                        /* fails its check too */
    at_ms(&fx, 750);
    answer_at(&fx, 760, sent_step(&fx, 2), OK);
    at_ms(&fx, 1000);
    assert_true(worker_drained(fx.w));
    struct rec_set *s = handoff(&fx);
    const struct rec_flow *c = flow_cell(s);
    assert_int_equal(c->started, 1);
    assert_int_equal(c->completed, 0);
    assert_int_equal(c->failed, 1);
    assert_int_equal(c->failed_by_step[0], 1); /* the first failure only */
    assert_int_equal(c->failed_by_step[1], 0);
    /* the 503's capture found nothing: the first failed check of the step */
    assert_int_equal(c->failed_by_check[check_id(fx.scn, "pay.consent.capture:cid")], 1);
    assert_int_equal(c->failed_by_check[check_id(fx.scn, "paid")], 0);
    assert_int_equal(s->flows->checks[check_id(fx.scn, "paid")].failed, 1);
    assert_int_equal(hdr_count(c->duration), 0);
    fix_free(&fx);
}

/* A capture that finds nothing fails the step by that capture. */
static void flow_failed_capture(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, FLOW_YAML("stop", ""));
    at_ms(&fx, 500);
    answer_at(&fx, 520, sent_step(&fx, 0), (struct answer){.status = 200, .body = "{}"});
    at_ms(&fx, 1000);
    assert_int_equal(fx.fake->starts, 1);
    struct rec_set *s = handoff(&fx);
    const struct rec_flow *c = flow_cell(s);
    size_t cid = check_id(fx.scn, "pay.consent.capture:cid");
    assert_int_equal(c->failed, 1);
    assert_int_equal(c->failed_by_step[0], 1);
    assert_int_equal(c->failed_by_check[cid], 1);
    assert_int_equal(s->flows->checks[cid].failed, 1);
    assert_non_null(strstr(s->flows->checks[cid].example, "nothing to capture"));
    fix_free(&fx);
}

/* A step gatecap could not send (its own failure) ends the instance as
 * local: neither failed nor completed. */
static void flow_local_failure(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, FLOW_YAML("continue", ""));
    at_ms(&fx, 500);
    answer_at(&fx, 520, sent_step(&fx, 0), CONSENT);
    at_ms(&fx, 620);
    answer_at(&fx, 621, sent_step(&fx, 1), (struct answer){.local = true});
    at_ms(&fx, 1000);
    assert_int_equal(fx.fake->starts, 2); /* even with on_fail: continue */
    assert_true(worker_drained(fx.w));
    struct rec_set *s = handoff(&fx);
    const struct rec_flow *c = flow_cell(s);
    assert_int_equal(c->started, 1);
    assert_int_equal(c->local, 1);
    assert_int_equal(c->failed, 0);
    assert_int_equal(c->completed, 0);
    assert_int_equal(s->health.local_failures, 1);
    fix_free(&fx);
}

/* An instance that failed already (on_fail: continue) and then meets a
 * local failure is counted once, as failed: started = completed + failed
 * + local + unfinished. */
static void flow_failed_then_local_counted_once(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, FLOW_YAML("continue", ""));
    at_ms(&fx, 500);
    answer_at(&fx, 520, sent_step(&fx, 0), CONSENT);
    at_ms(&fx, 620);
    answer_at(&fx, 630, sent_step(&fx, 1), OK); /* its check fails */
    at_ms(&fx, 730);
    answer_at(&fx, 731, sent_step(&fx, 2), (struct answer){.local = true});
    struct rec_set *s = handoff(&fx);
    const struct rec_flow *c = flow_cell(s);
    assert_int_equal(c->started, 1);
    assert_int_equal(c->failed, 1);
    assert_int_equal(c->local, 0);
    assert_int_equal(c->completed, 0);
    fix_free(&fx);
}

/* A stop while a step is in flight: its answer is recorded, no later step
 * is sent, and the instance is unfinished (not completed: it did not run
 * its steps), then the worker is drained. */
static void flow_stop_during_a_step(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, FLOW_YAML("stop", ""));
    at_ms(&fx, 500);
    size_t slot = sent_step(&fx, 0);
    worker_stop(fx.w);
    worker_step(fx.w);
    assert_false(worker_drained(fx.w));
    answer_at(&fx, 520, slot, CONSENT);
    at_ms(&fx, 700);
    assert_int_equal(fx.fake->starts, 1);
    assert_true(worker_drained(fx.w));
    struct rec_set *s = handoff(&fx);
    assert_int_equal(rec_cell_peek(s, 0, 0, 0)->completed, 1);
    const struct rec_flow *c = flow_cell(s);
    assert_int_equal(c->started, 1);
    assert_int_equal(c->completed, 0);
    assert_int_equal(c->failed, 0);
    assert_int_equal(c->local, 0);
    assert_int_equal(hdr_count(c->duration), 0);
    fix_free(&fx);
}

/* A stop during a step's think time: the next step is never sent, the
 * instance is unfinished, and the worker drains at once. */
static void flow_stop_during_think(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, FLOW_YAML("stop", ""));
    at_ms(&fx, 500);
    answer_at(&fx, 520, sent_step(&fx, 0), CONSENT);
    at_ms(&fx, 560);
    assert_false(worker_drained(fx.w)); /* the instance waits for its next step */
    worker_stop(fx.w);
    worker_step(fx.w);
    assert_true(worker_drained(fx.w));
    at_ms(&fx, 700);
    assert_int_equal(fx.fake->starts, 1);
    struct rec_set *s = handoff(&fx);
    const struct rec_flow *c = flow_cell(s);
    assert_int_equal(c->started, 1);
    assert_int_equal(c->completed + c->failed + c->local, 0);
    fix_free(&fx);
}

/* An instance started before a hand-off and ended after it: the first
 * set has it started, the next one completed (with its duration), so
 * that the merged totals hold it once. */
static void flow_across_a_handoff(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, FLOW_YAML("stop", ""));
    at_ms(&fx, 500);
    answer_at(&fx, 520, sent_step(&fx, 0), CONSENT);
    struct rec_set *s = handoff(&fx);
    assert_int_equal(flow_cell(s)->started, 1);
    assert_int_equal(flow_cell(s)->completed, 0);
    at_ms(&fx, 620);
    answer_at(&fx, 640, sent_step(&fx, 1), (struct answer){.status = 201});
    at_ms(&fx, 740);
    answer_at(&fx, 750, sent_step(&fx, 2), OK);
    s = handoff(&fx);
    const struct rec_flow *c = flow_cell(s);
    assert_int_equal(c->started, 0);
    assert_int_equal(c->completed, 1);
    hist_is(c->duration, (int64_t[]){250000}, 1);
    assert_true(rec_flow_used(c));
    fix_free(&fx);
}

/* A capture of a request outside any flow: its value goes nowhere, but
 * it is counted like a check (docs/scenario.md: a capture that finds
 * nothing is counted like a failed check named REQUEST.capture:VAR). */
static void capture_outside_a_flow_is_counted(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "requests: [{name: r, path: /r, capture: {id: {json: $.id}}}]\n"
                 "load: {max_inflight: 4, workers: 1, phases: [{duration: 1s, rate: 2/s}]}\n");
    at_ms(&fx, 250);
    assert_true(fx.fake->reqs[fx.fake->last_slot].keep);
    answer_at(&fx, 260, fx.fake->last_slot, (struct answer){.status = 200, .body = "{}"});
    at_ms(&fx, 750);
    answer_at(&fx, 760, fx.fake->last_slot, CONSENT);
    struct rec_set *s = handoff(&fx);
    const struct rec_check *k = &s->flows->checks[check_id(fx.scn, "r.capture:id")];
    assert_int_equal(k->failed, 1);
    assert_int_equal(k->passed, 1);
    assert_non_null(strstr(k->example, "nothing to capture"));
    fix_free(&fx);
}

/* A uniform think time is drawn anew after each answer, within its
 * bounds (to the test's 1 ms steps), over both halves of the range; an
 * exponential one is drawn with its mean (50 ms, σ 2.5 ms over 400 draws). */
static void flow_think_draws(void **state)
{
    (void)state;
    static const char *const yaml[] = {
        "flows: [{name: f, steps: [{name: a, path: /a, think: {uniform: [100ms, 300ms]}}, "
        "{name: b, path: /b}]}]\n"
        "load: {model: closed, workers: 1, phases: [{duration: 1000s, users: 1}]}\n",
        "flows: [{name: f, steps: [{name: a, path: /a, think: {exponential: 50ms}}, "
        "{name: b, path: /b}]}]\n"
        "load: {model: closed, workers: 1, phases: [{duration: 1000s, users: 1}]}\n"};
    for (int kind = 0; kind < 2; kind++) {
        struct fix fx;
        fix_new(&fx, yaml[kind]);
        double t = 0, sum = 0;
        int low = 0, high = 0, n = 400;
        at_ms(&fx, t);
        for (int i = 0; i < n; i++) {
            answer_at(&fx, t, sent_step(&fx, 0), OK);
            size_t starts = fx.fake->starts;
            double answered = t;
            while (fx.fake->starts == starts && t < answered + 2000)
                at_ms(&fx, ++t);
            double gap = t - answered; /* the draw, rounded up to the next ms */
            sum += gap;
            if (kind == 0) {
                assert_true(gap >= 100 && gap <= 300);
                low += gap <= 200;
                high += gap > 200;
            }
            answer_at(&fx, t, sent_step(&fx, 1), OK); /* the next iteration at once */
        }
        if (kind == 0)
            assert_true(low > n / 4 && high > n / 4);
        else if (sum / n < 42 || sum / n > 59) /* 50 ms (σ 2.5 ms), + up to 1 ms of rounding */
            fail_msg("exponential think: mean %.1f ms, want 50", sum / n);
        fix_free(&fx);
    }
}

/* Closed model: a user loops its flow; pacing is the least time from one
 * iteration's start to the next; the flow's duration counts from the
 * iteration's start. */
static void flow_closed_pacing(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "flows: [{name: f, pacing: 1s, steps: [{name: a, path: /a}, "
                 "{name: b, path: /b, think: 50ms}, {name: c, path: /c}]}]\n"
                 "load: {model: closed, workers: 1, phases: [{duration: 3s, users: 1}]}\n");
    at_ms(&fx, 0);
    assert_int_equal(fx.fake->starts, 1);
    answer_at(&fx, 10, sent_step(&fx, 0), OK);
    answer_at(&fx, 30, sent_step(&fx, 1), OK); /* no think after a: sent at 10 */
    at_ms(&fx, 79.999);
    assert_int_equal(fx.fake->starts, 2);
    at_ms(&fx, 80);
    answer_at(&fx, 100, sent_step(&fx, 2), OK);
    at_ms(&fx, 999.999); /* pacing: the next iteration at 1000 ms */
    assert_int_equal(fx.fake->starts, 3);
    at_ms(&fx, 1000);
    assert_int_equal(fx.fake->starts, 4);
    sent_step(&fx, 0);
    struct rec_set *s = handoff(&fx);
    const struct rec_flow *c = flow_cell(s);
    assert_int_equal(c->started, 2);
    assert_int_equal(c->completed, 1);
    hist_is(c->duration, (int64_t[]){100000}, 1);
    hist_is(rec_cell_peek(s, 0, 1, 0)->latency, (int64_t[]){20000}, 1);
    hist_is(rec_cell_peek(s, 0, 2, 0)->latency, (int64_t[]){20000}, 1); /* from 80 */
    fix_free(&fx);
}

/* Closed model: an iteration longer than the pacing is followed by the
 * next at once. */
static void flow_closed_pacing_overrun(void **state)
{
    (void)state;
    struct fix fx;
    fix_new(&fx, "flows: [{name: f, pacing: 100ms, steps: [{name: a, path: /a}]}]\n"
                 "load: {model: closed, workers: 1, phases: [{duration: 3s, users: 1}]}\n");
    at_ms(&fx, 0);
    answer_at(&fx, 150, sent_step(&fx, 0), OK);
    assert_int_equal(fx.fake->starts, 2);
    answer_at(&fx, 180, sent_step(&fx, 0), OK);
    at_ms(&fx, 249.999);
    assert_int_equal(fx.fake->starts, 2);
    at_ms(&fx, 250);
    assert_int_equal(fx.fake->starts, 3);
    fix_free(&fx);
}

/* ---- on its own thread, with the coordinator's hand-offs ---- */

/* Two workers on their threads, the real clock, a transport that answers
 * on the loop's next turn; this thread hands off as fast as it can until
 * both have drained. However the threads interleave, every arrival of the
 * schedule is scheduled, sent and answered once, and the sets add up. */
static void threads_and_handoffs(void **state)
{
    (void)state;
    enum { W = 2 };
    struct scenario *scn = load("load: {max_inflight: 64, workers: 2, phases: "
                                "[{name: one, duration: 300ms, rate: 2000/s}]}\n");
    struct worker_shared sh = {0};
    _Atomic uint64_t seq_next = 0;
    _Atomic int exhausted = 0;
    share(&sh, scn, W);
    sh.new_xfer = fake_new;
    sh.now_ns = clock_monotonic_ns;
    sh.seq_next = &seq_next;
    sh.exhausted = &exhausted;
    n_fakes = 0;
    fakes_auto_finish = true;
    struct worker *w[W];
    struct rec_set *lent[W] = {NULL, NULL};
    char err[256];
    for (int i = 0; i < W; i++) {
        if (worker_new(&sh, i, &w[i], err, sizeof err))
            fail_msg("worker_new: %s", err);
        fakes[i]->now = clock_monotonic_ns;
    }
    sh.start_ns = clock_now_ns();
    for (int i = 0; i < W; i++)
        assert_int_equal(worker_start(w[i]), 0);
    struct rec_health sum = {0};
    int64_t completed = 0;
    size_t starts = 0;
    for (bool all = false; !all;) {
        all = true;
        for (int i = 0; i < W; i++) {
            /* drained is read before the hand-off: what it reports is in it */
            bool drained = worker_drained(w[i]);
            struct rec_set *s = worker_handoff(w[i], lent[i]);
            assert_non_null(s);
            lent[i] = s;
            rec_health_add(&sum, &s->health);
            const struct rec_cell *c = rec_cell_peek(s, 0, 0, 0);
            completed += c ? c->completed : 0;
            all = all && drained;
        }
    }
    /* Both reported drained (an atomic the worker stores after its last
     * start): what the transports counted is final and visible here. */
    size_t misuse = 0;
    for (int i = 0; i < W; i++) {
        starts += fakes[i]->starts;
        misuse += fakes[i]->misuse;
        worker_free(w[i]);
    }
    /* the schedule's arrivals, counted by the schedule itself */
    int64_t want = 0;
    for (int i = 0; i < W; i++) {
        struct sched sc;
        int64_t t;
        size_t p;
        sched_init(&sc, scn->phases, scn->n_phases, i, W, false, 1);
        while (sched_next(&sc, &t, &p, NULL))
            want++;
    }
    assert_int_equal(want, 600);
    assert_int_equal(sum.scheduled, want);
    assert_int_equal(sum.started, want);
    assert_int_equal(completed, want);
    assert_int_equal(starts, (size_t)want);
    assert_int_equal(misuse, 0);
    assert_int_equal(sum.queue_drops, 0);
    shared_free(&sh);
    scenario_free(scn);
}

/* ---- workloads ---- */

/* Workloads side by side: each worker runs its own workload's model,
 * schedule, phases and requests. api (open 10/s for 1 s) has worker 0,
 * adm (closed, 2 users thinking 200 ms for 500 ms) worker 1, late (open,
 * two phases of 500 ms at 4/s and 8/s) workers 2 and 3, whose schedule is
 * striped over them. Answered at once, on the test's clock. */
static void workloads_each_their_own(void **state)
{
    (void)state;
    static const char yaml[] =
        "targets: [\"http://127.0.0.1:9\"]\n"
        "workloads:\n"
        "  - name: api\n"
        "    load: {max_inflight: 10, phases: [{name: p0, duration: 1s, rate: 10/s}]}\n"
        "    requests: [{name: a, path: /a}]\n"
        "  - name: adm\n"
        "    load: {model: closed, phases: [{name: u0, duration: 500ms, users: 2, think: "
        "200ms}]}\n"
        "    requests: [{name: b, path: /b}, {name: c, path: /c}]\n"
        "  - name: late\n"
        "    load: {workers: 2, max_inflight: 10, phases: [{name: q0, duration: 500ms, rate: "
        "4/s}, {name: q1, duration: 500ms, rate: 8/s}]}\n"
        "    requests: [{name: d, path: /d}]\n";
    char err[2048];
    struct scenario *scn = NULL;
    if (scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &scn, err, sizeof err))
        fail_msg("scenario: %s", err);
    assert_int_equal(scn->workers, 4);
    struct fix fx;
    memset(&fx, 0, sizeof fx);
    fx.scn = scn;
    share(&fx.sh, scn, 4);
    fx.sh.new_xfer = fake_new;
    fx.sh.now_ns = test_clock;
    fx.sh.clock_ctx = &fx;
    fx.sh.start_ns = START_NS;
    fx.sh.seq_next = &fx.seq_next;
    fx.sh.exhausted = &fx.exhausted;
    fx.clock_ns = START_NS;
    n_fakes = 0;
    fakes_auto_finish = false;
    struct worker *w[4];
    for (int i = 0; i < 4; i++) {
        if (worker_new(&fx.sh, i, &w[i], err, sizeof err))
            fail_msg("worker_new: %s", err);
        fakes[i]->now = test_clock;
        fakes[i]->clock_ctx = &fx;
    }
    /* slots: api its max_inflight, adm its 2 users, late 5 each */
    assert_int_equal(worker_slots(scn, 0, 4), 10);
    assert_int_equal(worker_slots(scn, 1, 4), 2);
    assert_int_equal(worker_slots(scn, 2, 4), 5);
    assert_int_equal(worker_slots(scn, 3, 4), 5);
    for (int t = 0; t <= 1100; t += 5) {
        fx.clock_ns = START_NS + (int64_t)t * MS;
        for (int i = 0; i < 4; i++) {
            worker_step(w[i]);
            for (size_t k = 0; k < fakes[i]->n_slots; k++)
                if (fakes[i]->busy[k])
                    fake_complete(fakes[i], k, OK);
        }
    }
    for (int i = 0; i < 4; i++)
        assert_true(worker_drained(w[i]));
    /* (phases: p0 0, u0 1, q0 2, q1 3; requests: a 0, b 1, c 2, d 3) */
    struct rec_set *set[4];
    for (int i = 0; i < 4; i++)
        set[i] = worker_handoff(w[i], NULL);
    int64_t n[4][4][4] = {{{0}}}; /* [worker][phase][request] */
    for (int i = 0; i < 4; i++)
        for (size_t p = 0; p < 4; p++)
            for (size_t q = 0; q < 4; q++) {
                const struct rec_cell *c = rec_cell_peek(set[i], p, q, 0);
                n[i][p][q] = c ? c->completed : 0;
            }
    /* api: its 10 arrivals, all request a, phase p0 */
    assert_int_equal(n[0][0][0], 10);
    assert_int_equal(fakes[0]->starts, 10);
    /* adm: 2 users send at 0, 200 and 400 ms (answered at once), b or c */
    assert_int_equal(fakes[1]->starts, 6);
    assert_int_equal(n[1][1][1] + n[1][1][2], 6);
    assert_int_equal(set[1]->by_phase[1].scheduled, 6);
    /* late: 2 arrivals in q0 and 4 in q1 (both from 0 s, not after api's
     * or adm's phases), striped: worker 2 the even ones, worker 3 the odd */
    assert_int_equal(n[2][2][3] + n[3][2][3], 2);
    assert_int_equal(n[2][3][3] + n[3][3][3], 4);
    assert_int_equal(fakes[2]->starts, 3);
    assert_int_equal(fakes[3]->starts, 3);
    /* nobody sent another workload's request or counted another's phase */
    for (int i = 0; i < 4; i++)
        for (size_t p = 0; p < 4; p++)
            for (size_t q = 0; q < 4; q++) {
                size_t wl = i == 0 ? 0 : i == 1 ? 1 : 2;
                if (scn->phases[p].workload != wl || scn->requests[q].workload != wl)
                    assert_int_equal(n[i][p][q], 0);
            }
    for (int i = 0; i < 4; i++)
        worker_free(w[i]);
    shared_free(&fx.sh);
    scenario_free(scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workloads_each_their_own),
        cmocka_unit_test(open_slots_add_up_to_max_inflight),
        cmocka_unit_test(max_inflight_one_with_four_workers),
        cmocka_unit_test(closed_slots_hold_the_busiest_phase),
        cmocka_unit_test(shards_split_users_and_slots),
        cmocka_unit_test(latency_from_intended_start),
        cmocka_unit_test(late_arrivals_and_lag),
        cmocka_unit_test(local_failures_count_against_the_generator),
        cmocka_unit_test(bound_queues_arrivals),
        cmocka_unit_test(stream_waits_counted),
        cmocka_unit_test(full_queue_drops),
        cmocka_unit_test(phase_of_the_intended_time),
        cmocka_unit_test(warmup_is_not_recorded),
        cmocka_unit_test(closed_think_time),
        cmocka_unit_test(closed_backoff_after_429),
        cmocka_unit_test(closed_429_without_backoff),
        cmocka_unit_test(closed_backoff_after_local_failure),
        cmocka_unit_test(closed_users_follow_phases),
        cmocka_unit_test(stop_lets_inflight_finish),
        cmocka_unit_test(abort_records_abandoned),
        cmocka_unit_test(handoff_recycles),
        cmocka_unit_test(flow_steps_due_after_think),
        cmocka_unit_test(flow_step_due_in_the_past_goes_at_once),
        cmocka_unit_test(flow_stop_on_failed_check),
        cmocka_unit_test(flow_continue_after_failure),
        cmocka_unit_test(flow_failed_capture),
        cmocka_unit_test(flow_local_failure),
        cmocka_unit_test(flow_failed_then_local_counted_once),
        cmocka_unit_test(flow_stop_during_a_step),
        cmocka_unit_test(flow_stop_during_think),
        cmocka_unit_test(flow_across_a_handoff),
        cmocka_unit_test(capture_outside_a_flow_is_counted),
        cmocka_unit_test(flow_think_draws),
        cmocka_unit_test(flow_closed_pacing),
        cmocka_unit_test(flow_closed_pacing_overrun),
        cmocka_unit_test(threads_and_handoffs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
