/*
 * engine.c — the coordinator; see engine.h.
 *
 * The coordinator runs its own libev loop on the calling thread: a tick
 * timer every interval, a poll timer while waiting for the workers to
 * drain, and a watcher on the caller's signal guard (sigguard.h: every
 * thread blocks the stop signals; they arrive here as reads). At a tick it
 * swaps every worker's interval set, merges them into one interval set
 * (mapping each worker's node indexes to the run's by name), hands the
 * interval to the caller and adds it to the run's totals.
 */
#include "run/engine.h"

#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <curl/curl.h>
#include <ev.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "base/clock.h"
#include "base/sigguard.h"
#include "base/stats.h"
#include "measure/recorder_flow.h"
#include "net/auth.h"
#include "net/xfer.h"
#include "run/certname.h"
#include "run/probe.h"
#include "run/worker.h"
#include "scenario/feeder.h"
#include "scenario/redact.h"
#include "scenario/scenario.h"

/* Grace period for requests in flight after a signal. */
#define INTERRUPT_GRACE_S 5.0
/* How often the coordinator looks whether the workers have drained. */
#define DRAIN_POLL_S 0.05

struct coord {
    const struct scenario *scn;
    struct ev_loop *loop;
    struct worker **workers;
    struct rec_set **lent; /* [n_workers]: each worker's set from the last hand-off */
    int n_workers;
    struct worker_shared sh;
    struct engine_result *res;
    struct rec_set *iv_set;
    struct rec_cell *scratch; /* for interval slices */
    engine_interval_fn on_interval;
    void *user;
    ev_timer tick;
    ev_timer poll;
    struct sigguard *sig; /* the caller's, or NULL */
    ev_io sig_watch;
    int64_t iv_start_ns; /* current interval's start, from run start */
    double last_cpu_s;
    int64_t end_ns;      /* planned end, from run start */
    int64_t deadline_ns; /* abandon what is in flight past this */
    bool stopping;
    bool aborted;
    int signals;
    int status;
    _Atomic uint64_t seq_next; /* ${seq} (worker_shared.seq_next) */
    _Atomic int exhausted;     /* worker_shared.exhausted */
};

static double cpu_seconds(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double u = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    double s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    if (user)
        *user = u;
    if (sys)
        *sys = s;
    return u + s;
}

static size_t global_node(struct engine_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_nodes; i++)
        if (!strcmp(r->node_names[i], name))
            return i;
    if (r->n_nodes >= REC_MAX_NODES)
        return REC_MAX_NODES - 1;
    snprintf(r->node_names[r->n_nodes], REC_NODE_NAME_LEN, "%s", name);
    return r->n_nodes++;
}

/* Adds every cell of `from` into `into`; node indexes through map (or
 * identity when map is NULL). Returns 0 or -1 (no memory). */
static int merge_set(struct rec_set *into, const struct rec_set *from, const size_t *map)
{
    for (size_t p = 0; p < from->n_phases; p++)
        for (size_t q = 0; q < from->n_requests; q++)
            for (size_t n = 0; n < from->n_nodes; n++) {
                const struct rec_cell *c = rec_cell_peek(from, p, q, n);
                if (!c || !c->completed)
                    continue;
                struct rec_cell *d = rec_cell_get(into, p, q, map ? map[n] : n);
                if (!d)
                    return -1;
                rec_cell_add(d, c);
            }
    return 0;
}

static void slice_fill(const struct rec_cell *scratch, struct engine_slice *out);

void engine_slice_of(const struct rec_set *set, size_t n_nodes, size_t request, size_t node,
                     struct rec_cell *scratch, struct engine_slice *out)
{
    rec_cell_reset(scratch);
    rec_set_sum(set, n_nodes, SIZE_MAX, request, node, scratch);
    slice_fill(scratch, out);
}

/* A workload's slice: the sum of its requests (each is one workload's). */
static void workload_slice(const struct rec_set *set, size_t n_nodes, const struct scn_workload *wl,
                           struct rec_cell *scratch, struct engine_slice *out)
{
    rec_cell_reset(scratch);
    for (size_t q = wl->first_request; q < wl->first_request + wl->n_requests; q++)
        rec_set_sum(set, n_nodes, SIZE_MAX, q, SIZE_MAX, scratch);
    slice_fill(scratch, out);
}

int engine_interval_workloads(const struct scenario *scn, const struct rec_set *set, size_t n_nodes,
                              struct rec_cell *scratch, struct engine_interval *iv)
{
    if (!scn->workloads_explicit)
        return 0;
    iv->workloads = calloc(scn->n_workloads, sizeof *iv->workloads);
    iv->workload_scheduled = calloc(scn->n_workloads, sizeof *iv->workload_scheduled);
    if (!iv->workloads || !iv->workload_scheduled)
        return -1;
    iv->n_workloads = scn->n_workloads;
    for (size_t w = 0; w < scn->n_workloads; w++) {
        const struct scn_workload *wl = &scn->workloads[w];
        workload_slice(set, n_nodes, wl, scratch, &iv->workloads[w]);
        for (size_t p = wl->first_phase; p < wl->first_phase + wl->n_phases; p++)
            iv->workload_scheduled[w] += set->by_phase[p].scheduled;
    }
    return 0;
}

static void slice_fill(const struct rec_cell *scratch, struct engine_slice *out)
{
    memset(out, 0, sizeof *out);
    out->completed = scratch->completed;
    out->unexpected = scratch->unexpected;
    for (int i = 0; i < OC_COUNT; i++) {
        out->outcomes[i] = scratch->outcomes[i];
        if (rec_outcome_is_error(i))
            out->errors += scratch->outcomes[i];
    }
    out->p50_us = hdr_value_at_percentile(scratch->latency, 50);
    out->p90_us = hdr_value_at_percentile(scratch->latency, 90);
    out->p99_us = hdr_value_at_percentile(scratch->latency, 99);
    out->max_us = hdr_max(scratch->latency);
    out->svc_p99_us = hdr_value_at_percentile(scratch->service, 99);
}

/* The phase in force at t_ns: of the first workload still running then
 * (each workload's phases follow one another; workloads overlap). */
static size_t phase_at(const struct coord *c, int64_t t_ns)
{
    for (size_t p = 0; p < c->scn->n_phases; p++)
        if (t_ns < c->sh.phase_end_ns[p])
            return p;
    return c->scn->n_phases - 1;
}

static void stop_early(struct coord *c);

static void record_signal(struct engine_result *r, const struct sigguard *g)
{
    r->interrupted = true;
    if (!r->signal[0])
        snprintf(r->signal, sizeof r->signal, "%s", sigguard_name(g->last));
}

static bool stop_requested(void *ctx)
{
    return ctx && sigguard_pending(ctx);
}

/* The first tokens' hooks (auth.h): a stop request, and which name the
 * token endpoint's certificate carries when it failed verification. */
struct token_check {
    const struct scenario *scn;
    struct sigguard *sig;
};

static bool token_stop(void *ctx)
{
    return stop_requested(((struct token_check *)ctx)->sig);
}

static bool token_advice(void *ctx, size_t app, char *advice, size_t advice_len)
{
    return certname_token_advice(((struct token_check *)ctx)->scn, app, advice, advice_len);
}

/* A stop request came before the load started (during the token fetch or
 * the check of the nodes): the run ends here, interrupted, with nothing
 * sent. Its result is whole and readable: no requests, no intervals. */
static bool interrupted_before_load(struct coord *c)
{
    if (!stop_requested(c->sig))
        return false;
    sigguard_take(c->sig);
    record_signal(c->res, c->sig);
    c->res->schedule_end_s = 0;
    return true;
}

/* Closes the interval [iv_start, now): hand-off, merge, report. */
static void close_interval(struct coord *c)
{
    struct engine_result *r = c->res;
    int64_t now = clock_now_ns() - c->sh.start_ns;
    rec_set_reset(c->iv_set);
    for (int i = 0; i < c->n_workers; i++) {
        struct rec_set *back = worker_handoff(c->workers[i], c->lent[i]);
        if (!back) { /* (never: the set passed back is the one it lent) */
            c->status = ENGINE_ESETUP;
            continue;
        }
        c->lent[i] = back;
        size_t map[REC_MAX_NODES];
        for (size_t n = 0; n < back->n_nodes; n++)
            map[n] = global_node(r, worker_node_name(c->workers[i], n));
        if (merge_set(c->iv_set, back, map))
            c->status = ENGINE_ESETUP;
        if (rec_flows_add(c->iv_set, back))
            c->status = ENGINE_ESETUP;
        rec_set_health_add(c->iv_set, back);
        rec_merge_errors(c->iv_set, back);
        rec_merge_errors(r->total, back);
        rec_apps_add(r->total, back);
    }
    c->iv_set->n_nodes = r->n_nodes;
    struct rec_set *tot = r->total;
    tot->n_nodes = r->n_nodes;
    if (merge_set(tot, c->iv_set, NULL) || rec_flows_add(tot, c->iv_set))
        c->status = ENGINE_ESETUP;
    int64_t inflight = c->iv_set->health.inflight;
    rec_health_add(&r->health, &c->iv_set->health);
    r->health.inflight = inflight;
    /* per phase in the totals (the whole run's is r->health) */
    for (size_t p = 0; p < tot->n_phases; p++)
        rec_health_add(&tot->by_phase[p], &c->iv_set->by_phase[p]);

    struct engine_interval *grown =
        realloc(r->intervals, (r->n_intervals + 1) * sizeof *r->intervals);
    if (!grown) {
        c->status = ENGINE_ESETUP;
        return;
    }
    r->intervals = grown;
    struct engine_interval *iv = &r->intervals[r->n_intervals++];
    memset(iv, 0, sizeof *iv);
    iv->start_s = (double)c->iv_start_ns / 1e9;
    iv->length_s = (double)(now - c->iv_start_ns) / 1e9;
    iv->phase = phase_at(c, c->iv_start_ns);
    iv->drain = c->stopping && iv->start_s >= r->schedule_end_s;
    iv->health = c->iv_set->health;
    double cpu = cpu_seconds(NULL, NULL);
    if (iv->length_s > 0) {
        iv->cpu_pct = 100.0 * (cpu - c->last_cpu_s) / iv->length_s;
        iv->offered_rps = (double)iv->health.scheduled / iv->length_s;
    }
    c->last_cpu_s = cpu;
    engine_slice_of(c->iv_set, r->n_nodes, SIZE_MAX, SIZE_MAX, c->scratch, &iv->all);
    if (iv->length_s > 0)
        iv->achieved_rps = (double)iv->all.completed / iv->length_s;
    iv->n_nodes = r->n_nodes;
    iv->nodes = calloc(r->n_nodes ? r->n_nodes : 1, sizeof *iv->nodes);
    for (size_t n = 0; iv->nodes && n < r->n_nodes; n++)
        engine_slice_of(c->iv_set, r->n_nodes, SIZE_MAX, n, c->scratch, &iv->nodes[n]);
    iv->n_requests = c->scn->n_requests;
    iv->requests = calloc(iv->n_requests, sizeof *iv->requests);
    for (size_t q = 0; iv->requests && q < iv->n_requests; q++)
        engine_slice_of(c->iv_set, r->n_nodes, q, SIZE_MAX, c->scratch, &iv->requests[q]);
    if (engine_interval_workloads(c->scn, c->iv_set, r->n_nodes, c->scratch, iv))
        c->status = ENGINE_ESETUP;
    c->iv_start_ns = now;
    r->elapsed_s = (double)now / 1e9;
    if (c->on_interval && c->on_interval(c->user, r, iv, c->iv_set) && !c->stopping) {
        r->stopped_early = true;
        stop_early(c);
    }
}

static bool all_drained(const struct coord *c)
{
    for (int i = 0; i < c->n_workers; i++)
        if (!worker_drained(c->workers[i]))
            return false;
    return true;
}

static void finish(struct coord *c)
{
    close_interval(c);
    ev_timer_stop(c->loop, &c->tick);
    ev_timer_stop(c->loop, &c->poll);
    ev_break(c->loop, EVBREAK_ALL);
}

static void abort_all(struct coord *c)
{
    if (c->aborted)
        return;
    c->aborted = true;
    for (int i = 0; i < c->n_workers; i++)
        worker_abort(c->workers[i]);
}

static void on_poll(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)t;
    (void)revents;
    struct coord *c = t->data;
    int64_t now = clock_now_ns() - c->sh.start_ns;
    int dry = atomic_load(&c->exhausted);
    if (dry && !c->stopping) {
        const struct feeder *f = c->scn->feeders[dry - 1];
        snprintf(c->res->stop_reason, sizeof c->res->stop_reason,
                 "feeder %s (%s): every one of its %zu rows was used (order: unique, "
                 "when_exhausted: stop)",
                 f->name, f->file, f->n_rows);
        c->res->stopped_early = true;
        stop_early(c);
    }
    if (all_drained(c)) {
        finish(c);
        return;
    }
    if (c->stopping && now >= c->deadline_ns)
        abort_all(c); /* what is still in flight is abandoned, and counted */
}

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    struct coord *c = t->data;
    close_interval(c);
    int64_t now = clock_now_ns() - c->sh.start_ns;
    if (!c->stopping && now >= c->end_ns) {
        /* The schedule is over: in-flight requests may still finish within
         * their own timeout. */
        c->stopping = true;
        c->deadline_ns = now + (int64_t)(c->scn->request_timeout_ms * 1e6) + 1000000000LL;
    }
}

/* Ends the arrivals now; what is in flight gets a short grace. */
static void stop_early(struct coord *c)
{
    int64_t now = clock_now_ns() - c->sh.start_ns;
    double grace_s = c->scn->request_timeout_ms / 1000.0;
    if (grace_s > INTERRUPT_GRACE_S)
        grace_s = INTERRUPT_GRACE_S;
    if (!c->stopping)
        c->res->schedule_end_s = (double)now / 1e9;
    c->stopping = true;
    c->deadline_ns = now + (int64_t)(grace_s * 1e9);
    for (int i = 0; i < c->n_workers; i++)
        worker_stop(c->workers[i]);
}

/* Stop requests: the first stops the arrivals (what is in flight gets a
 * grace), the second abandons what is in flight. Neither cuts the
 * writing of results short: that happens after the loop, with the
 * signals still blocked. */
static void on_signal(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct coord *c = w->data;
    int n = sigguard_take(c->sig);
    if (n <= 0)
        return;
    record_signal(c->res, c->sig);
    c->signals += n;
    if (c->signals >= 2) {
        abort_all(c);
        return;
    }
    stop_early(c);
}

/* CURLOPT_RESOLVE entries for targets named by host name: looked up once,
 * here, so that no worker ever waits on DNS. */
static int resolve_targets(const struct scenario *scn, char ***out, size_t *n_out, char *err,
                           size_t err_len)
{
    char **list = calloc(scn->n_targets ? scn->n_targets : 1, sizeof *list);
    size_t n = 0;
    if (!list)
        return -1;
    for (size_t i = 0; i < scn->n_targets; i++) {
        const struct scn_target *t = &scn->targets[i];
        unsigned char buf[sizeof(struct in6_addr)];
        if (inet_pton(AF_INET, t->host, buf) == 1 || inet_pton(AF_INET6, t->host, buf) == 1)
            continue;
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
        int rc = getaddrinfo(t->host, NULL, &hints, &ai);
        if (rc || !ai) {
            snprintf(err, err_len, "node %s (%s): cannot resolve host '%s': %s", t->name, t->url,
                     t->host, gai_strerror(rc));
            for (size_t k = 0; k < n; k++)
                free(list[k]);
            free(list);
            return -1;
        }
        char addr[INET6_ADDRSTRLEN] = "";
        if (ai->ai_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, addr,
                      sizeof addr);
        else
            inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, addr, sizeof addr);
        freeaddrinfo(ai);
        char entry[512];
        snprintf(entry, sizeof entry, strchr(addr, ':') ? "%s:%d:[%s]" : "%s:%d:%s", t->host,
                 t->port, addr);
        list[n++] = strdup(entry);
    }
    *out = list;
    *n_out = n;
    return 0;
}

bool engine_phase_undelivered(const struct scenario *scn, const struct engine_result *r, size_t p)
{
    const struct rec_health *h = &r->total->by_phase[p];
    if (h->local_failures > 0)
        return true;
    struct scn_workload tmp;
    if (scenario_workload_of_phase(scn, p, &tmp)->model != SCN_OPEN)
        return false;
    return h->queue_drops > 0 || 100.0 * stats_wilson_low((double)h->late, (double)h->scheduled) >
                                     scn->late_tolerance_pct;
}

double engine_phase_ran_s(const struct scenario *scn, const struct engine_result *r, size_t p)
{
    double start = scenario_phase_start_s(scn, p);
    double end = r->elapsed_s < r->schedule_end_s ? r->elapsed_s : r->schedule_end_s;
    double ran = end - start;
    if (ran < 0)
        ran = 0;
    return ran < scn->phases[p].duration_s ? ran : scn->phases[p].duration_s;
}

double engine_recorded_s(const struct scenario *scn, const struct engine_result *r, size_t p)
{
    if (p != SIZE_MAX)
        return scn->phases[p].record ? engine_phase_ran_s(scn, r, p) : 0;
    return engine_span_s(scn, r, NULL, NULL);
}

double engine_span_s(const struct scenario *scn, const struct engine_result *r,
                     bool (*in)(const struct scenario *scn, size_t p, const void *arg),
                     const void *arg)
{
    /* The union of the ran parts of the phases: [start, start + ran) each.
     * Phases of one workload never overlap; those of several do. */
    double total = 0, covered_to = -1;
    for (;;) {
        /* the next range by start that reaches past what is covered */
        double best_start = -1, best_end = -1;
        for (size_t i = 0; i < scn->n_phases; i++) {
            if (!scn->phases[i].record || (in && !in(scn, i, arg)))
                continue;
            double st = scenario_phase_start_s(scn, i), en = st + engine_phase_ran_s(scn, r, i);
            if (en <= st || en <= covered_to)
                continue;
            if (st < covered_to)
                st = covered_to;
            if (best_start < 0 || st < best_start || (st == best_start && en > best_end)) {
                best_start = st;
                best_end = en;
            }
        }
        if (best_start < 0)
            return total;
        total += best_end - best_start;
        covered_to = best_end;
    }
}

void engine_result_free(struct engine_result *r)
{
    if (!r)
        return;
    rec_set_free(r->total);
    for (size_t i = 0; i < r->n_intervals; i++) {
        free(r->intervals[i].nodes);
        free(r->intervals[i].requests);
        free(r->intervals[i].workloads);
        free(r->intervals[i].workload_scheduled);
    }
    free(r->intervals);
    free(r->node_names);
    auth_pool_free(r->auth);
    free(r);
}

static int prepare_shared(struct coord *c)
{
    const struct scenario *scn = c->scn;
    c->sh.scn = scn;
    c->sh.new_xfer = xfer_new;
    c->sh.now_ns = clock_monotonic_ns;
    c->sh.workers = c->n_workers;
    c->sh.seq_next = &c->seq_next;
    c->sh.exhausted = &c->exhausted;
    if (scn->n_feeders) {
        if (!(c->sh.cursors = calloc(scn->n_feeders, sizeof *c->sh.cursors)))
            return -1;
        for (size_t f = 0; f < scn->n_feeders; f++)
            if (feeder_cursor_new(scn->feeders[f], c->n_workers, scn->shard_index, scn->shard_count,
                                  &c->sh.cursors[f]))
                return -1;
    }
    c->sh.target_cum = calloc(scn->n_targets, sizeof(double));
    c->sh.request_cum = calloc(scn->n_requests, sizeof(double));
    c->sh.phase_end_ns = calloc(scn->n_phases, sizeof(int64_t));
    if (!c->sh.target_cum || !c->sh.request_cum || !c->sh.phase_end_ns)
        return -1;
    double acc = 0;
    for (size_t i = 0; i < scn->n_targets; i++)
        c->sh.target_cum[i] = acc += scn->targets[i].weight;
    acc = 0;
    for (size_t i = 0; i < scn->n_requests; i++)
        c->sh.request_cum[i] = acc += scn->requests[i].weight;
    /* each workload's request mix: cumulative weights restart at its first */
    for (size_t w = 0; w < scn->n_workloads; w++) {
        acc = 0;
        const struct scn_workload *wl = &scn->workloads[w];
        for (size_t i = wl->first_request; i < wl->first_request + wl->n_requests; i++)
            c->sh.request_cum[i] = acc += scn->requests[i].weight;
    }
    c->end_ns = 0;
    for (size_t p = 0; p < scn->n_phases; p++) {
        double end_s = scenario_phase_start_s(scn, p) + scn->phases[p].duration_s;
        c->sh.phase_end_ns[p] = (int64_t)(end_s * 1e9);
        if (c->sh.phase_end_ns[p] > c->end_ns)
            c->end_ns = c->sh.phase_end_ns[p];
    }
    c->res->schedule_end_s = (double)c->end_ns / 1e9;
    return 0;
}

/* Every message the run hands on passes the one redaction (redact.h),
 * with the scenario's secrets and the tokens still held: the result's
 * error examples (transport messages, which can quote what a server sent)
 * and, when the run failed, err (it names nodes' URLs and the check
 * request's path, which may be secret). Out of memory, the messages are
 * replaced by the mark rather than kept unmasked. */
static void redact_outputs(const struct scenario *scn, const struct auth_pool *auth,
                           struct engine_result *r, char *err, size_t err_len)
{
    struct redact *rd = NULL;
    bool ok = !redact_new(scn, &rd) && !auth_pool_add_tokens(auth, rd);
    size_t n_checks = r && r->total->flows ? r->total->flows->n_checks : 0;
    for (size_t i = 0; r && i < OC_COUNT + n_checks; i++) {
        char *e =
            i < OC_COUNT ? r->total->first_error[i] : r->total->flows->checks[i - OC_COUNT].example;
        if (e[0] && ok)
            redact_text(rd, e, e, REC_ERROR_LEN, REDACT_ONE_LINE);
        else if (e[0])
            snprintf(e, REC_ERROR_LEN, "%s", REDACT_MARK);
    }
    if (!r && err && err_len)
        redact_text(ok ? rd : NULL, ok ? err : REDACT_MARK, err, err_len, REDACT_ONE_LINE);
    redact_free(rd);
}

/* Waits on the wall clock until `at` less `early` seconds, reading stop
 * requests at least every 100 ms. Returns true when one came. */
static bool wait_until(struct coord *c, double at, double early)
{
    for (;;) {
        double left = at - early - wallclock_now_s();
        if (left <= 0)
            return false;
        if (interrupted_before_load(c))
            return true;
        double nap = left < 0.1 ? left : 0.1;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(nap * 1e9)};
        nanosleep(&ts, NULL);
    }
}

int engine_run(const struct scenario *scn, const struct engine_start *start,
               engine_interval_fn on_interval, void *user, struct sigguard *sig,
               struct engine_result **out, char *err, size_t err_len)
{
    struct coord c = {.scn = scn, .on_interval = on_interval, .user = user, .sig = sig};
    char **resolve = NULL;
    size_t n_resolve = 0;
    int ret = ENGINE_ESETUP;
    *out = NULL;
    if (err && err_len)
        err[0] = '\0';
    curl_global_init(CURL_GLOBAL_DEFAULT);
    c.n_workers = scn->workers > 0 ? scn->workers : 1;
    c.res = calloc(1, sizeof *c.res);
    c.workers = calloc((size_t)c.n_workers, sizeof *c.workers);
    c.lent = calloc((size_t)c.n_workers, sizeof *c.lent);
    if (!c.res || !c.workers || !c.lent || prepare_shared(&c) ||
        rec_set_new(scn->n_phases, scn->n_requests, &c.res->total) ||
        rec_set_new(scn->n_phases, scn->n_requests, &c.iv_set) ||
        scn_rec_flows(scn, c.res->total) || scn_rec_flows(scn, c.iv_set) ||
        !(c.res->node_names = calloc(REC_MAX_NODES, REC_NODE_NAME_LEN)) ||
        !(c.scratch = rec_cell_new())) {
        snprintf(err, err_len, "out of memory preparing the run");
        goto out;
    }
    c.res->workers = c.n_workers;
    for (size_t i = 0; i < scn->n_targets; i++)
        global_node(c.res, scn->targets[i].name);

    if (resolve_targets(scn, &resolve, &n_resolve, err, err_len)) {
        ret = ENGINE_EUNREACHABLE;
        goto out;
    }
    c.sh.resolve = (const char *const *)resolve;
    c.sh.n_resolve = n_resolve;

    /* Tokens first: the node check already carries one. */
    if (scn->auth.type == SCN_AUTH_OAUTH2) {
        if (auth_pool_new(scn, 0x9e3779b97f4a7c15ULL ^ (uint64_t)clock_now_ns(), &c.res->auth, err,
                          err_len) ||
            rec_set_apps(c.res->total, scn->auth.n_apps))
            goto out;
        struct token_check tc = {.scn = scn, .sig = sig};
        struct auth_hooks hooks = {.stop = token_stop, .unverified = token_advice, .ctx = &tc};
        int arc = auth_pool_fetch_all(c.res->auth, &hooks, err, err_len);
        if (interrupted_before_load(&c)) /* (also what made it AUTH_STOPPED) */
            goto interrupted;
        if (arc) {
            ret = ENGINE_EAUTH;
            goto out;
        }
        c.sh.auth = c.res->auth;
    }

    /* Before any load: every node must answer, over verified TLS. */
    for (size_t i = 0; i < scn->n_targets; i++) {
        int prc = probe_check(scn, c.sh.resolve, n_resolve, c.sh.auth, i, stop_requested, sig, err,
                              err_len);
        if (interrupted_before_load(&c))
            goto interrupted;
        if (prc) {
            ret = ENGINE_EUNREACHABLE;
            goto out;
        }
    }

    for (int i = 0; i < c.n_workers; i++)
        if (worker_new(&c.sh, i, &c.workers[i], err, err_len))
            goto out;

    c.loop = EV_DEFAULT;
    ev_timer_init(&c.tick, on_tick, scn->interval_s, scn->interval_s);
    c.tick.data = &c;
    ev_timer_init(&c.poll, on_poll, DRAIN_POLL_S, DRAIN_POLL_S);
    c.poll.data = &c;
    if (sig) {
        ev_io_init(&c.sig_watch, on_signal, sig->fd, EV_READ);
        c.sig_watch.data = &c;
        ev_io_start(c.loop, &c.sig_watch);
    }

    /* All workers count from one start a little in the future, so that
     * every thread is up before the first arrival is due; with a start
     * time, that start is the time given, on this host's wall clock. The
     * token thread first: it keeps the tokens fresh while the start is
     * awaited. */
    if (c.sh.auth && auth_pool_start(c.sh.auth)) {
        snprintf(err, err_len, "cannot start the token refresh thread");
        goto out;
    }
    wallclock_state(&c.res->clock);
    if (start) {
        double ready = wallclock_now_s();
        if (ready > start->at_epoch_s + start->grace_s) {
            char at[40];
            wallclock_format(start->at_epoch_s, at, sizeof at);
            snprintf(err, err_len,
                     "missed start: ready %.3f s after the start time %s (grace %.3g s); a late "
                     "shard would be another test: give a start time further ahead",
                     ready - start->at_epoch_s, at, start->grace_s);
            ret = ENGINE_EMISSED;
            goto out;
        }
        if (wait_until(&c, start->at_epoch_s, 0.02))
            goto interrupted;
        double now_s = wallclock_now_s();
        int64_t now_ns = clock_now_ns();
        /* 0.02 s, or < 0 when ready late (within the grace): time zero
         * stays the start time, as in every other shard, and what was due
         * before now is sent at once and counted late. */
        double ahead = start->at_epoch_s - now_s;
        c.sh.start_ns = now_ns + (int64_t)llround(ahead * 1e9);
        c.res->start_epoch_s = start->at_epoch_s;
        c.res->start_at = true;
        c.res->release_offset_ms = ahead > 0 ? 0 : -ahead * 1e3;
    } else {
        c.sh.start_ns = clock_now_ns() + 20000000LL;
        c.res->start_epoch_s = wallclock_now_s() + 0.02;
    }
    c.last_cpu_s = cpu_seconds(NULL, NULL);
    for (int i = 0; i < c.n_workers; i++)
        if (worker_start(c.workers[i])) {
            snprintf(err, err_len, "cannot start worker thread %d", i);
            abort_all(&c);
            goto out;
        }
    ev_now_update(c.loop);
    /* The first interval ends one interval after time zero (which a shard
     * that was ready late has already passed). */
    double first = (double)(c.sh.start_ns - clock_now_ns()) / 1e9 + scn->interval_s;
    ev_timer_set(&c.tick, first > 0.001 ? first : 0.001, scn->interval_s);
    ev_timer_start(c.loop, &c.tick);
    ev_timer_start(c.loop, &c.poll);
    /* (a stop request that came while the workers were being set up is
     * read by the first loop iteration: the signalfd is readable) */
    ev_run(c.loop, 0);
    if (sig)
        ev_io_stop(c.loop, &c.sig_watch);
    goto measured;

interrupted:
    /* nothing was sent: the result is whole with no requests in it */
    c.res->elapsed_s = 0;
measured:;
    struct engine_result *r = c.res;
    cpu_seconds(&r->cpu_user_s, &r->cpu_sys_s);
    if (r->health.scheduled > 0)
        r->late_pct = 100.0 * (double)r->health.late / (double)r->health.scheduled;
    r->abandoned = r->health.abandoned;
    r->generator_limited = false;
    for (size_t p = 0; p < scn->n_phases; p++)
        if (scn->phases[p].record && engine_phase_undelivered(scn, r, p))
            r->generator_limited = true;
    ret = c.status;
    if (ret == ENGINE_OK) {
        *out = r;
        c.res = NULL;
    } else {
        snprintf(err, err_len, "out of memory during the run");
    }
out:
    for (int i = 0; c.workers && i < c.n_workers; i++)
        worker_free(c.workers[i]);
    /* the token thread stops after the workers: its statistics are final */
    auth_pool_stop(c.sh.auth);
    /* (tokens fetched before a stop request are the result's, not yet the
     * workers') */
    redact_outputs(scn, c.sh.auth ? c.sh.auth : (*out ? (*out)->auth : NULL),
                   ret == ENGINE_OK ? *out : NULL, err, err_len);
    free(c.workers);
    free(c.lent);
    engine_result_free(c.res);
    rec_set_free(c.iv_set);
    rec_cell_free(c.scratch);
    for (size_t f = 0; c.sh.cursors && f < scn->n_feeders; f++)
        feeder_cursor_free(c.sh.cursors[f]);
    free(c.sh.cursors);
    free(c.sh.target_cum);
    free(c.sh.request_cum);
    free(c.sh.phase_end_ns);
    for (size_t i = 0; i < n_resolve; i++)
        free(resolve[i]);
    free(resolve);
    return ret;
}
