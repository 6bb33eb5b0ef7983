/*
 * metrics.c — a run's series for Prometheus, built from the recorder's
 * cells (metrics.h). Labels are bounded by the scenario: its phases,
 * requests and nodes (at most REC_MAX_NODES), the recorder's outcome
 * classes and throttling codes, the classic bounds; never an
 * application, a path or a status.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hdr.h"
#include "measure/recorder.h"
#include "net/auth.h"
#include "output/metrics.h"
#include "run/engine.h"
#include "scenario/scenario.h"

enum fam {
    F_RUN_INFO,
    F_PHASE,
    F_REQUESTS,
    F_THROTTLED,
    F_LATENCY,
    F_SERVICE,
    F_SCHEDULED,
    F_SENT,
    F_LATE,
    F_BOUND_WAITS,
    F_STREAM_WAITS,
    F_QUEUE_DROPS,
    F_LOCAL_FAILURES,
    F_OFFERED,
    F_ACHIEVED,
    F_IN_FLIGHT,
    F_MAX_LAG,
    F_CPU,
    F_TOKEN_REQUESTS,
    F_TOKEN_FAILED,
    F_TOKEN_LATENCY,
    F_COUNT
};

static const struct metrics_family families[F_COUNT] = {
    [F_RUN_INFO] = {"gatecap_run_info", METRICS_GAUGE,
                    "The run: its id, the scenario's name and this shard (always 1)."},
    [F_PHASE] = {"gatecap_phase", METRICS_GAUGE,
                 "1 for the phase in force at the end of the last interval, 0 for the others."},
    [F_REQUESTS] = {"gatecap_requests_total", METRICS_COUNTER,
                    "Requests completed, by phase, request, node and outcome class."},
    [F_THROTTLED] = {"gatecap_throttled_total", METRICS_COUNTER,
                     "429 answers by WSO2 throttling code."},
    [F_LATENCY] = {"gatecap_latency_seconds", METRICS_HISTOGRAM,
                   "Latency from the intended start (open model) or the send (closed model)."},
    [F_SERVICE] = {"gatecap_service_seconds", METRICS_HISTOGRAM,
                   "Service time: from the actual send to the end of the answer."},
    [F_SCHEDULED] = {"gatecap_scheduled_total", METRICS_COUNTER,
                     "Arrivals whose intended start passed (the offered load), by phase."},
    [F_SENT] = {"gatecap_sent_total", METRICS_COUNTER, "Requests actually sent, by phase."},
    [F_LATE] = {"gatecap_late_total", METRICS_COUNTER,
                "Requests sent later than the late threshold after their intended start."},
    [F_BOUND_WAITS] = {"gatecap_bound_waits_total", METRICS_COUNTER,
                       "Arrivals that waited for the in-flight bound."},
    [F_STREAM_WAITS] = {"gatecap_stream_waits_total", METRICS_COUNTER,
                        "HTTP/2 requests that waited for a stream (every usable connection "
                        "at its stream limit)."},
    [F_QUEUE_DROPS] = {"gatecap_queue_drops_total", METRICS_COUNTER,
                       "Arrivals lost because gatecap's queue was full."},
    [F_LOCAL_FAILURES] = {"gatecap_local_failures_total", METRICS_COUNTER,
                          "Requests gatecap could not send for want of a local resource."},
    [F_OFFERED] = {"gatecap_offered_requests_per_second", METRICS_GAUGE,
                   "Scheduled arrivals per second over the last interval."},
    [F_ACHIEVED] = {"gatecap_achieved_requests_per_second", METRICS_GAUGE,
                    "Completions per second over the last interval."},
    [F_IN_FLIGHT] = {"gatecap_requests_in_flight", METRICS_GAUGE,
                     "Requests in flight at the end of the last interval."},
    [F_MAX_LAG] = {"gatecap_max_lag_seconds", METRICS_GAUGE,
                   "The largest send minus intended start over the last interval."},
    [F_CPU] = {"gatecap_cpu_seconds_total", METRICS_COUNTER,
               "CPU time gatecap used (user and system), over the recorded intervals."},
    [F_TOKEN_REQUESTS] = {"gatecap_token_requests_total", METRICS_COUNTER,
                          "Token endpoint requests by reason."},
    [F_TOKEN_FAILED] = {"gatecap_token_failures_total", METRICS_COUNTER,
                        "Token requests that got no token."},
    [F_TOKEN_LATENCY] = {"gatecap_token_latency_seconds", METRICS_HISTOGRAM,
                         "Token endpoint latency."},
};

const struct metrics_family *metrics_family_at(size_t i)
{
    return i < F_COUNT ? &families[i] : NULL;
}

/* Classic bounds: 1-2-5 from 100 µs to 50 s. */
static const struct {
    int64_t us;
    const char *text;
} les[] = {
    {100, "0.0001"},  {200, "0.0002"},  {500, "0.0005"},  {1000, "0.001"},     {2000, "0.002"},
    {5000, "0.005"},  {10000, "0.01"},  {20000, "0.02"},  {50000, "0.05"},     {100000, "0.1"},
    {200000, "0.2"},  {500000, "0.5"},  {1000000, "1"},   {2000000, "2"},      {5000000, "5"},
    {10000000, "10"}, {20000000, "20"}, {50000000, "50"}, {INT64_MAX, "+Inf"},
};
#define N_LES (sizeof les / sizeof les[0] - 1)

size_t metrics_le_count(void)
{
    return N_LES;
}

int64_t metrics_le_us(size_t i)
{
    return les[i < N_LES ? i : N_LES].us;
}

const char *metrics_le_text(size_t i)
{
    return les[i < N_LES ? i : N_LES].text;
}

int32_t metrics_bucket_index(double v, int schema)
{
    int exp;
    double frac = frexp(v, &exp); /* v = frac * 2^exp, frac in [0.5, 1) */
    int per = 1 << schema;
    /* the smallest j with 2^(j/per - 1) >= frac */
    int j = (int)ceil(log2(frac) * per) + per;
    while (j > 0 && exp2((double)(j - 1) / per - 1) >= frac)
        j--;
    while (j < per && exp2((double)j / per - 1) < frac)
        j++;
    return (int32_t)(j + (exp - 1) * per);
}

/* ---- building ---- */

struct build {
    struct metrics_snap *s;
    const char *shard;
    bool native;
    int failed;
};

static struct metrics_series *add(struct build *b, enum fam f, const char *name, double value)
{
    struct metrics_snap *s = b->s;
    if (b->failed)
        return NULL;
    if (s->n_series == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct metrics_series *n = realloc(s->series, cap * sizeof *n);
        if (!n) {
            b->failed = -1;
            return NULL;
        }
        s->series = n;
        s->cap = cap;
    }
    struct metrics_series *x = &s->series[s->n_series++];
    memset(x, 0, sizeof *x);
    x->family = f;
    x->name = name ? name : families[f].name;
    x->value = value;
    return x;
}

static void label(struct metrics_series *x, const char *name, const char *value)
{
    if (x && x->n_labels < METRICS_MAX_LABELS)
        x->labels[x->n_labels++] = (struct metrics_label){name, value};
}

/* The labels of a cell's series, in name order around the one that
 * sorts between node and phase (outcome), or before node (code, le). */
struct cell_names {
    const char *phase, *request, *node;
};

static void cell_labels(struct metrics_series *x, const struct cell_names *cn, const char *extra,
                        const char *extra_value, const char *shard)
{
    bool before = extra && strcmp(extra, "node") < 0;
    if (before)
        label(x, extra, extra_value);
    label(x, "node", cn->node);
    if (extra && !before)
        label(x, extra, extra_value);
    label(x, "phase", cn->phase);
    label(x, "request", cn->request);
    label(x, "shard", shard);
}

/* Classic and native histograms of h under family f. */
static void add_hist(struct build *b, enum fam f, const struct hdr_hist *h,
                     const struct cell_names *cn)
{
    static const char *const bucket_names[F_COUNT] = {
        [F_LATENCY] = "gatecap_latency_seconds_bucket",
        [F_SERVICE] = "gatecap_service_seconds_bucket",
        [F_TOKEN_LATENCY] = "gatecap_token_latency_seconds_bucket"};
    static const char *const sum_names[F_COUNT] = {[F_LATENCY] = "gatecap_latency_seconds_sum",
                                                   [F_SERVICE] = "gatecap_service_seconds_sum",
                                                   [F_TOKEN_LATENCY] =
                                                       "gatecap_token_latency_seconds_sum"};
    static const char *const count_names[F_COUNT] = {[F_LATENCY] = "gatecap_latency_seconds_count",
                                                     [F_SERVICE] = "gatecap_service_seconds_count",
                                                     [F_TOKEN_LATENCY] =
                                                         "gatecap_token_latency_seconds_count"};
    int64_t cum[N_LES + 1] = {0};
    double sum_us = 0;
    struct metrics_native *nh = NULL;
    if (b->native) {
        nh = calloc(1, sizeof *nh);
        size_t cap = 64;
        if (nh) {
            nh->index = malloc(cap * sizeof *nh->index);
            nh->cnt = malloc(cap * sizeof *nh->cnt);
            nh->schema = METRICS_SCHEMA;
        }
        if (!nh || !nh->index || !nh->cnt) {
            if (nh) {
                free(nh->index);
                free(nh->cnt);
            }
            free(nh);
            b->failed = -1;
            return;
        }
        struct hdr_iter it;
        hdr_iter_recorded(&it, h);
        while (hdr_iter_next(&it)) {
            int64_t c = it.count_at_index;
            if (it.value == 0) {
                nh->zero_count += c;
                continue;
            }
            int32_t idx = metrics_bucket_index((double)it.value / 1e6, METRICS_SCHEMA);
            if (nh->n && nh->index[nh->n - 1] == idx) {
                nh->cnt[nh->n - 1] += c;
                continue;
            }
            if (nh->n == cap) {
                cap *= 2;
                int32_t *ni = realloc(nh->index, cap * sizeof *ni);
                if (ni)
                    nh->index = ni;
                int64_t *nc = realloc(nh->cnt, cap * sizeof *nc);
                if (nc)
                    nh->cnt = nc;
                if (!ni || !nc) {
                    free(nh->index);
                    free(nh->cnt);
                    free(nh);
                    b->failed = -1;
                    return;
                }
            }
            nh->index[nh->n] = idx;
            nh->cnt[nh->n++] = c;
        }
    }
    struct hdr_iter it;
    hdr_iter_recorded(&it, h);
    size_t k = 0;
    while (hdr_iter_next(&it)) {
        while (k < N_LES && it.value > les[k].us)
            k++;
        cum[k] += it.count_at_index;
        sum_us += (double)it.count_at_index * (double)hdr_median_equivalent(h, it.value);
    }
    for (size_t i = 1; i <= N_LES; i++)
        cum[i] += cum[i - 1];
    int64_t count = hdr_count(h);
    if (nh) {
        nh->count = count;
        nh->sum = sum_us / 1e6;
        struct metrics_series *x = add(b, f, NULL, 0);
        if (!x) {
            free(nh->index);
            free(nh->cnt);
            free(nh);
            return;
        }
        x->native = nh;
        cell_labels(x, cn, NULL, NULL, b->shard);
    }
    for (size_t i = 0; i <= N_LES; i++)
        cell_labels(add(b, f, bucket_names[f], (double)cum[i]), cn, "le", les[i].text, b->shard);
    cell_labels(add(b, f, sum_names[f], sum_us / 1e6), cn, NULL, NULL, b->shard);
    cell_labels(add(b, f, count_names[f], (double)count), cn, NULL, NULL, b->shard);
}

/* Copies every label value the snapshot needs into one block. */
static int copy_strings(struct metrics_snap *s, const struct scenario *scn,
                        const struct metrics_ident *id, const struct engine_result *r,
                        const char **shard, const char **run_id, const char **scen,
                        const char ***phases, const char ***requests, const char ***nodes)
{
    size_t need = 16 + strlen(id->run_id ? id->run_id : "") + 1 +
                  strlen(id->scenario ? id->scenario : "") + 1;
    for (size_t i = 0; i < scn->n_phases; i++)
        need += strlen(scn->phases[i].name) + 1;
    for (size_t i = 0; i < scn->n_requests; i++)
        need += strlen(scn->requests[i].name) + 1;
    for (size_t i = 0; i < r->n_nodes; i++)
        need += strnlen(r->node_names[i], REC_NODE_NAME_LEN) + 1;
    size_t n_ptr = scn->n_phases + scn->n_requests + r->n_nodes;
    char *p = malloc(n_ptr * sizeof(char *) + need);
    if (!p)
        return -1;
    s->strings = p;
    const char **ptrs = (const char **)(void *)p;
    char *w = p + n_ptr * sizeof(char *);
    char *end = w + need;
#define PUT(dst, src)                                                                              \
    do {                                                                                           \
        int n_ = snprintf(w, (size_t)(end - w), "%s", (src));                                      \
        (dst) = w;                                                                                 \
        w += n_ + 1;                                                                               \
    } while (0)
    char num[16];
    snprintf(num, sizeof num, "%d", id->shard);
    PUT(*shard, num);
    PUT(*run_id, id->run_id ? id->run_id : "");
    PUT(*scen, id->scenario ? id->scenario : "");
    *phases = ptrs;
    *requests = ptrs + scn->n_phases;
    *nodes = ptrs + scn->n_phases + scn->n_requests;
    for (size_t i = 0; i < scn->n_phases; i++)
        PUT(ptrs[i], scn->phases[i].name);
    for (size_t i = 0; i < scn->n_requests; i++)
        PUT(ptrs[scn->n_phases + i], scn->requests[i].name);
    for (size_t i = 0; i < r->n_nodes; i++) {
        char nm[REC_NODE_NAME_LEN + 1];
        snprintf(nm, sizeof nm, "%.*s", REC_NODE_NAME_LEN, r->node_names[i]);
        PUT(ptrs[scn->n_phases + scn->n_requests + i], nm);
    }
#undef PUT
    return 0;
}

static const char *const reason_names[AUTH_REASONS] = {"initial", "ahead", "after_401", "retry"};

int metrics_snap_build(const struct scenario *scn, const struct metrics_ident *id,
                       const struct engine_result *r, const struct engine_interval *iv,
                       int64_t timestamp_ms, bool native, struct metrics_snap **out)
{
    *out = NULL;
    struct metrics_snap *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    atomic_init(&s->refs, 1);
    s->timestamp_ms = timestamp_ms;
    const char *shard, *run_id, *scen, **phases, **requests, **nodes;
    if (copy_strings(s, scn, id, r, &shard, &run_id, &scen, &phases, &requests, &nodes)) {
        metrics_snap_unref(s);
        return -1;
    }
    struct build b = {.s = s, .shard = shard, .native = native};
    struct metrics_series *x = add(&b, F_RUN_INFO, NULL, 1);
    label(x, "run_id", run_id);
    label(x, "scenario", scen);
    label(x, "shard", shard);
    size_t now_phase = SIZE_MAX;
    if (iv && !iv->drain)
        now_phase = iv->phase;
    for (size_t p = 0; p < scn->n_phases; p++) {
        x = add(&b, F_PHASE, NULL, p == now_phase);
        label(x, "phase", phases[p]);
        label(x, "shard", shard);
    }
    const struct rec_set *t = r->total;
    size_t n_nodes = r->n_nodes < REC_MAX_NODES ? r->n_nodes : REC_MAX_NODES;
    /* the cells' families one after the other, as the text format wants */
    for (int pass = 0; pass < 4; pass++)
        for (size_t p = 0; p < t->n_phases; p++)
            for (size_t q = 0; q < t->n_requests; q++)
                for (size_t n = 0; n < n_nodes; n++) {
                    const struct rec_cell *c = rec_cell_peek(t, p, q, n);
                    if (!c || !c->completed)
                        continue;
                    struct cell_names cn = {phases[p], requests[q], nodes[n]};
                    if (pass == 0) {
                        for (int o = 0; o < OC_COUNT; o++)
                            if (c->outcomes[o])
                                cell_labels(add(&b, F_REQUESTS, NULL, (double)c->outcomes[o]), &cn,
                                            "outcome", rec_outcome_name(o), shard);
                    } else if (pass == 1) {
                        for (int k = 0; k < REC_THROTTLE_KINDS; k++)
                            if (c->throttled_by[k])
                                cell_labels(add(&b, F_THROTTLED, NULL, (double)c->throttled_by[k]),
                                            &cn, "code", rec_throttle_name(k), shard);
                    } else {
                        add_hist(&b, pass == 2 ? F_LATENCY : F_SERVICE,
                                 pass == 2 ? c->latency : c->service, &cn);
                    }
                }
    static const enum fam health_fams[] = {F_SCHEDULED,   F_SENT,        F_LATE,
                                           F_BOUND_WAITS, F_QUEUE_DROPS, F_LOCAL_FAILURES,
                                           F_STREAM_WAITS};
    for (size_t f = 0; f < sizeof health_fams / sizeof health_fams[0]; f++)
        for (size_t p = 0; p < t->n_phases && t->by_phase; p++) {
            const struct rec_health *h = &t->by_phase[p];
            int64_t v = health_fams[f] == F_SCHEDULED      ? h->scheduled
                        : health_fams[f] == F_SENT         ? h->started
                        : health_fams[f] == F_LATE         ? h->late
                        : health_fams[f] == F_BOUND_WAITS  ? h->bound_waits
                        : health_fams[f] == F_QUEUE_DROPS  ? h->queue_drops
                        : health_fams[f] == F_STREAM_WAITS ? h->stream_waits
                                                           : h->local_failures;
            x = add(&b, health_fams[f], NULL, (double)v);
            label(x, "phase", phases[p]);
            label(x, "shard", shard);
        }
    double cpu_s = 0;
    for (size_t i = 0; i < r->n_intervals; i++)
        cpu_s += r->intervals[i].cpu_pct / 100 * r->intervals[i].length_s;
    const struct engine_interval *last = iv;
    if (!last && r->n_intervals)
        last = &r->intervals[r->n_intervals - 1];
    label(add(&b, F_OFFERED, NULL, last ? last->offered_rps : 0), "shard", shard);
    label(add(&b, F_ACHIEVED, NULL, last ? last->achieved_rps : 0), "shard", shard);
    label(add(&b, F_IN_FLIGHT, NULL, last && iv ? (double)last->health.inflight : 0), "shard",
          shard);
    label(add(&b, F_MAX_LAG, NULL, last ? (double)last->health.max_lag_us / 1e6 : 0), "shard",
          shard);
    label(add(&b, F_CPU, NULL, cpu_s), "shard", shard);
    struct hdr_hist *token_latency = NULL;
    if (r->auth && hdr_init_default(&token_latency))
        b.failed = true;
    int64_t by_reason[AUTH_REASONS], token_failed;
    if (r->auth && token_latency &&
        !auth_pool_totals(r->auth, by_reason, &token_failed, token_latency)) {
        for (int k = 0; k < AUTH_REASONS; k++) {
            x = add(&b, F_TOKEN_REQUESTS, NULL, (double)by_reason[k]);
            label(x, "reason", reason_names[k]);
            label(x, "shard", shard);
        }
        label(add(&b, F_TOKEN_FAILED, NULL, (double)token_failed), "shard", shard);
        {
            /* no phase, request or node: a cell of its own, labelled by shard */
            size_t before = s->n_series;
            struct cell_names none = {NULL, NULL, NULL};
            add_hist(&b, F_TOKEN_LATENCY, token_latency, &none);
            for (size_t i = before; !b.failed && i < s->n_series; i++) {
                struct metrics_series *y = &s->series[i];
                size_t w = 0;
                for (size_t l = 0; l < y->n_labels; l++)
                    if (y->labels[l].value)
                        y->labels[w++] = y->labels[l];
                y->n_labels = w;
            }
        }
    }
    hdr_close(token_latency);
    if (b.failed) {
        metrics_snap_unref(s);
        return -1;
    }
    *out = s;
    return 0;
}

struct metrics_snap *metrics_snap_ref(struct metrics_snap *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void metrics_snap_unref(struct metrics_snap *s)
{
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < s->n_series; i++)
        if (s->series[i].native) {
            free(s->series[i].native->index);
            free(s->series[i].native->cnt);
            free(s->series[i].native);
        }
    free(s->series);
    free(s->strings);
    free(s);
}
