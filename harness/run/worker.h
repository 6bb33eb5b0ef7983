/*
 * worker.h — one load-generating thread: its own libev loop, transport
 * (xfer, made with the constructor the caller gives), schedule and
 * recorder sets, its time read on the caller's clock. Workers share
 * nothing while running; the coordinator (engine.c) takes their interval
 * records at each tick through a short hand-off (a pointer swap under a
 * mutex, never per request). A caller that moves its own clock can run a
 * worker on its own thread instead (worker_step): the unit tests do.
 */
#ifndef GATECAP_WORKER_H
#define GATECAP_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "measure/recorder.h"
#include "net/xfer.h"

struct scenario;
struct worker;
struct auth_pool;
struct feeder_cursor;

/* A worker's clock: nanoseconds on CLOCK_MONOTONIC's scale (start_ns, and
 * the transport's sent_ns and done_ns, are read on it). ctx as given. */
typedef int64_t (*worker_clock_fn)(void *ctx);

/* What every worker reads; immutable during the run, owned by the engine. */
struct worker_shared {
    const struct scenario *scn;
    /* Where a worker gets its transport and its time: a run passes
     * xfer_new and clock_monotonic_ns (base/clock.h); a unit test its own
     * transport and a clock it moves itself (tests/run/test_worker.c). */
    xfer_new_fn new_xfer;
    worker_clock_fn now_ns;
    void *clock_ctx;
    const char *const *resolve; /* CURLOPT_RESOLVE entries */
    size_t n_resolve;
    double *target_cum;    /* cumulative target weights */
    double *request_cum;   /* cumulative request weights */
    int64_t start_ns;      /* run start on now_ns's clock; set before worker_start
                              (or the first worker_step) */
    int64_t *phase_end_ns; /* phase i ends at start_ns + phase_end_ns[i] */
    int workers;
    struct auth_pool *auth;         /* token pool (auth.h), or NULL */
    struct feeder_cursor **cursors; /* [scn->n_feeders]: shared row counters (feeder.h) */
    /* Written by the workers (each at most rarely): */
    _Atomic uint64_t *seq_next; /* ${seq} handed out in chunks */
    _Atomic int *exhausted;     /* 1 + index of a `unique`+stop feeder run dry, or 0 */
};

/* The slots of worker id of `workers`: its share of load.max_inflight
 * (open model: the shares add up to the bound, so a worker beyond it gets
 * 0, which worker_new refuses), or of the most users any phase runs
 * (closed model; at least 1). */
size_t worker_slots(const struct scenario *scn, int id, int workers);

/* The closed model's users of worker id of `workers` in phase p: its
 * share of its shard's share (scenario_shard) of the phase's users. */
size_t worker_users(const struct scenario *scn, size_t phase, int id, int workers);

/* Creates worker `id` (not yet running), its transport made with
 * sh->new_xfer on its loop. sh is borrowed and must outlive the worker.
 * Returns 0, or -1 with a message. *out owned (worker_free). */
int worker_new(const struct worker_shared *sh, int id, struct worker **out, char *err,
               size_t err_len);

/* Starts its thread, which runs the worker's loop until worker_free.
 * Returns 0 or -1. */
int worker_start(struct worker *w);

/* Runs the worker on the caller's thread instead (a caller that moves its
 * own clock: tests/run/test_worker.c), never together with worker_start:
 * does what is due at the clock's now — the first call starts the
 * schedule; arrivals whose intended time has come, phase changes, ends
 * of think times — and what worker_stop and worker_abort asked for, then
 * returns without waiting. Completions come from the transport as they
 * happen (a test's transport: when the test says). */
void worker_step(struct worker *w);

/* Asks it to stop scheduling new requests; in-flight ones finish.
 * Thread-safe. */
void worker_stop(struct worker *w);

/* Abandons what is in flight now (second signal, or grace over).
 * Thread-safe. */
void worker_abort(struct worker *w);

/* True once the worker has stopped scheduling and nothing is in flight.
 * Thread-safe. */
bool worker_drained(struct worker *w);

/* Takes the worker's interval records, as HdrHistogram_c's
 * hdr_interval_recorder_sample_and_recycle does: returns the set recorded
 * since the last hand-off (n_nodes and health.inflight filled in), and
 * gives the worker `recycled` to record into from now on. recycled must
 * be the set the previous call returned (the caller is done reading it;
 * it is reset here, on the caller's thread), or NULL on the first call;
 * anything else is refused with NULL and nothing swapped. The returned
 * set is the worker's (freed by worker_free) and the caller's to read
 * until it passes it back. Blocks briefly until the worker's loop has
 * swapped (at once when its thread is not started). Node names of
 * indexes < set->n_nodes are readable with worker_node_name. */
struct rec_set *worker_handoff(struct worker *w, struct rec_set *recycled);

/* Name of node index i as this worker knows it (targets first, then names
 * seen in node_header). Valid for i < n_nodes of a handed-over set. */
const char *worker_node_name(const struct worker *w, size_t i);

/* Stops the thread (after worker_drained or worker_abort) and frees. */
void worker_free(struct worker *w);

#endif
