/*
 * engine.h — the coordinator of a run: checks the nodes, starts the
 * workers, takes their records at every interval tick, watches the
 * generator's own health, and stops cleanly on the planned end or on a
 * signal. It neither prints nor writes files: it hands each interval and
 * the final result to the caller.
 */
#ifndef GATECAP_ENGINE_H
#define GATECAP_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/wallclock.h"
#include "measure/recorder.h"

struct scenario;
struct auth_pool;
struct sigguard;

enum {
    ENGINE_OK = 0,
    ENGINE_EUNREACHABLE = -1, /* a node failed the check before the run */
    ENGINE_ESETUP = -2,       /* workers or transport could not be created */
    ENGINE_EAUTH = -3,        /* an application got no token before the run */
    ENGINE_EMISSED = -4,      /* ready after the start time and its grace (engine_start) */
};

/* A start on the wall clock, the same for every shard of a distributed
 * run (--start-at): everything slow (resolving, tokens, the node check,
 * the workers) happens first; then the run waits, and its time zero is
 * at_epoch_s on this host's wall clock. Ready later than grace_s after
 * it, it does not run (ENGINE_EMISSED): a late shard is another test. */
struct engine_start {
    double at_epoch_s;
    double grace_s;
};

/* Statistics of one node (or all nodes) over one interval. */
struct engine_slice {
    int64_t completed;
    int64_t outcomes[OC_COUNT];
    int64_t unexpected;
    int64_t errors;                         /* outcomes that are errors */
    int64_t p50_us, p90_us, p99_us, max_us; /* latency */
    int64_t svc_p99_us;                     /* service time */
};

struct engine_interval {
    double start_s; /* from run start */
    double length_s;
    size_t phase;        /* phase in force at the interval's start (with workloads
                            side by side: the first still running's) */
    bool drain;          /* it starts after the arrivals ended (the planned end, a
                            stop or a signal): only answers to earlier arrivals */
    double offered_rps;  /* scheduled arrivals / length */
    double achieved_rps; /* completions / length */
    double cpu_pct;      /* gatecap's CPU over the interval, % of one core */
    struct rec_health health;
    struct engine_slice all;
    size_t n_nodes;
    struct engine_slice *nodes; /* [n_nodes], owned */
    size_t n_requests;
    struct engine_slice *requests; /* [n_requests], owned */
    /* With `workloads:` (scenario.workloads_explicit), each workload's
     * requests over the interval and the arrivals its schedule offered;
     * else 0 and NULL. */
    size_t n_workloads;
    struct engine_slice *workloads; /* [n_workloads], owned */
    int64_t *workload_scheduled;    /* [n_workloads], owned */
};

struct engine_result {
    struct rec_set *total; /* per (phase, request, node), node = index below */
    size_t n_nodes;
    char (*node_names)[REC_NODE_NAME_LEN];
    struct engine_interval *intervals;
    size_t n_intervals;
    struct rec_health health;     /* whole run */
    double start_epoch_s;         /* wall clock at run start */
    bool start_at;                /* started at an engine_start's time */
    double release_offset_ms;     /* with start_at: when the workers were released on this
                                     host's wall clock, minus at_epoch_s (> 0: ready late) */
    struct wallclock_state clock; /* this host's clock when the run started */
    double elapsed_s;
    double cpu_user_s;
    double cpu_sys_s;
    int workers;
    bool interrupted;       /* stopped by a signal */
    char signal[16];        /* the first one's name ("SIGTERM"), or "" */
    bool stopped_early;     /* stopped by the interval callback */
    double schedule_end_s;  /* when arrivals ended: the planned end, or
                               the time of the signal or stop */
    bool generator_limited; /* a recorded phase was not delivered as scheduled:
                               late or dropped arrivals past the tolerance, or
                               requests that failed locally (engine_phase_undelivered) */
    int64_t abandoned;      /* in flight when the grace period ran out */
    double late_pct;        /* late arrivals, % of scheduled */
    struct auth_pool *auth; /* token pool (stopped; auth_pool_stats), or NULL */
    char stop_reason[256];  /* why the engine itself stopped early (a feeder ran
                               dry), or "" */
};

/* Called on the coordinator's thread after every interval: iv is the
 * interval just closed, set its records (node indexes as in so_far's
 * node_names; borrowed until the callback returns); so_far's totals
 * include it. Returning true stops the run as an interrupt would (no new
 * arrivals; requests in flight get a short grace), with stopped_early set
 * instead of interrupted. */
typedef bool (*engine_interval_fn)(void *user, const struct engine_result *so_far,
                                   const struct engine_interval *iv, const struct rec_set *set);

/* Runs the scenario (borrowed; fdbudget_check it first: that raises the
 * soft file limit the run's connections need). Stop requests come from sig (borrowed,
 * started by the caller's thread before any other thread; NULL: none):
 * one during the token fetch or the check of the nodes ends the run there
 * with nothing sent; during the load the first stops the arrivals and the
 * second abandons what is in flight; also while it waits for start (NULL:
 * at once). Returns ENGINE_OK with *out (owned,
 * engine_result_free) also when interrupted (r->interrupted, r->signal);
 * or a negative code with the reason in err (naming the node and cause
 * for ENGINE_EUNREACHABLE). The result's error examples and err are
 * redacted (redact.h): no secret of the scenario, no token, no credential
 * shape. */
int engine_run(const struct scenario *scn, const struct engine_start *start,
               engine_interval_fn on_interval, void *user, struct sigguard *sig,
               struct engine_result **out, char *err, size_t err_len);

void engine_result_free(struct engine_result *r);

/* Whether gatecap failed to deliver phase p's arrivals as scheduled: any
 * arrival failed for want of a local resource, or (open model) was dropped
 * from its queue, or the late share is beyond late_tolerance_pct with
 * confidence (the Wilson 95 % lower bound of late/scheduled above it: one
 * late arrival in forty is noise, not a generator that cannot keep up).
 * A run is generator-limited when a recorded phase is. */
bool engine_phase_undelivered(const struct scenario *scn, const struct engine_result *r, size_t p);

/* Seconds phase p of scn ran in r: its duration, or less when the run was
 * interrupted during or before it. */
double engine_phase_ran_s(const struct scenario *scn, const struct engine_result *r, size_t p);

/* Seconds of recorded load: the ran seconds of phase p, or of every
 * recorded phase when p == SIZE_MAX (warm-up phases count for nothing;
 * overlapping phases of workloads side by side count once). */
double engine_recorded_s(const struct scenario *scn, const struct engine_result *r, size_t p);

/* Seconds during which a recorded phase selected by in (NULL: every one;
 * arg passed on) ran: the union of their ran parts, so that phases of
 * workloads side by side count once. */
double engine_span_s(const struct scenario *scn, const struct engine_result *r,
                     bool (*in)(const struct scenario *scn, size_t p, const void *arg),
                     const void *arg);

/* Summarises the records of a set restricted to request `request` and
 * node `node` (SIZE_MAX: every one), summing into scratch (a rec_cell_new
 * cell; it is reset first). */
/* With `workloads:`, fills iv's per-workload slices and scheduled
 * arrivals from the interval's set (n_nodes nodes; scratch as for
 * engine_slice_of); else leaves them empty. Returns 0 or -1 (no memory). */
int engine_interval_workloads(const struct scenario *scn, const struct rec_set *set, size_t n_nodes,
                              struct rec_cell *scratch, struct engine_interval *iv);

void engine_slice_of(const struct rec_set *set, size_t n_nodes, size_t request, size_t node,
                     struct rec_cell *scratch, struct engine_slice *out);

#endif
