/*
 * results_read.h — the one reader of results.json (docs/results.md): the
 * file results.c writes, read back into one model that report, compare,
 * plan, search and the judge of a step (judge_results.h) all use.
 *
 * What results_read checks, once for every reader:
 *  - the file can be read and is JSON (malformed: file:line:column);
 *  - it is a gatecap results.json ("format": "gatecap-results") of a
 *    version this gatecap reads (RESULTS_VERSION); a newer one is refused
 *    with RESULTS_EVERSION, naming the version found, the one read here
 *    and what to do;
 *  - the parts every reader relies on are there with their types
 *    (scenario.name, scenario.load.phases, scenario.requests, run.status,
 *    run.model, nodes, cells, totals.all/by_phase/by_request/by_node,
 *    intervals with start_s and length_s);
 *  - every number read is a finite number of its kind: counts and
 *    latencies not negative, percentages 0 to 100 (a baseline edited to a
 *    negative count once made compare say "no regression");
 *  - every name a cell or an interval refers to (phase, request, node) is
 *    one the file declares;
 *  - the histograms asked for decode (they are kept as written, compressed,
 *    and decoded again by results_hist when used: a run's cells decoded
 *    all at once would take about 190 KB each).
 * Numbers a file from an older gatecap lacks are NaN (or, for the outcome
 * classes and the counts by WSO2 code, 0: a class that did not exist
 * counted nothing). Unknown members are ignored.
 *
 * Outcome classes, 429 kinds and fault codes are indexed as the recorder
 * names them (measure/recorder.h): outcomes[OC_5XX], throttled_by[k] for
 * rec_throttle_name(k), faults_by[k] for rec_fault_name(k).
 *
 * Nothing here prints. Errors name the file (and line:column, or the field
 * as a path like "totals.by_node.gw1.count") and what to do.
 */
#ifndef GATECAP_RESULTS_READ_H
#define GATECAP_RESULTS_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "measure/hdr.h"
#include "measure/recorder.h"

enum {
    RESULTS_OK = 0,
    RESULTS_EIO = -1,      /* the file cannot be read */
    RESULTS_EFORMAT = -2,  /* not JSON, not a gatecap results.json, a part missing or damaged */
    RESULTS_EVERSION = -3, /* a format version this gatecap does not read */
    RESULTS_ENOMEM = -4,
};

/* The series a cell measures: its summary (latency_ms, ...) and its
 * histogram (histograms.latency, ...). */
enum results_series {
    RESULTS_LATENCY, /* from the intended start (open model) or the send */
    RESULTS_SERVICE, /* from the send */
    RESULTS_CONNECT,
    RESULTS_TLS_HANDSHAKE,
    RESULTS_TTFB,
    RESULTS_N_SERIES
};

/* Which histograms results_read keeps (and checks that they decode): a
 * bit (1 << series) for each; RESULTS_HISTS_NONE keeps none (and checks
 * none). */
#define RESULTS_HISTS_NONE 0u
#define RESULTS_HIST(series) (1u << (series))
#define RESULTS_HISTS_ALL ((1u << RESULTS_N_SERIES) - 1)

/* A latency summary (latency_ms, ...): milliseconds; NaN when absent. */
struct results_lat {
    double count, min, mean, stddev, p50, p90, p99, p999, p9999, max, overflow;
};

/* A CELL: one of "cells", or a sum in "totals". NaN when absent. */
struct results_cell {
    const char *name;     /* the key in totals.by_*, "all" for totals.all; in
                             cells: NULL (phase, request and node say it) */
    size_t phase;         /* in cells: indexes into results.phases, .requests, */
    size_t request, node; /* .nodes; SIZE_MAX in totals */
    double count;         /* always a number: the reader requires it */
    double throughput_rps, errors, error_pct, throttled, throttled_pct, unexpected, retried;
    double new_connections, bytes_sent, bytes_received;
    double outcomes[OC_COUNT];               /* by class; 0 when absent */
    double throttled_by[REC_THROTTLE_KINDS]; /* 429s by WSO2 code; 0 when absent */
    double faults_by[REC_FAULT_KINDS];       /* error answers by fault code; 0 when absent */
    bool has_faults_by;                      /* the cell has "faults_by" */
    double retry_after, retry_after_max_s;   /* 0 when absent (no Retry-After seen) */
    struct results_lat latency, service, connect, tls_handshake, ttfb;
    const char *hists[RESULTS_N_SERIES]; /* the histograms (µs) as written, V2 compressed
                                            and base64 ("histograms"), when asked for and
                                            present, else NULL: results_hist decodes one */
};

/* gatecap's own health: the run's ("generator"), a phase's
 * (generator.by_phase) or an interval's. NaN when absent. */
struct results_health {
    double scheduled, started, late, late_pct, bound_waits, queue_drops, local_failures;
    double stream_waits; /* HTTP/2 (NaN in results written before it) */
    double abandoned, max_lag_ms;
    double inflight; /* intervals only */
};

/* A phase of scenario.load.phases. NaN when absent. */
struct results_phase {
    const char *name;
    double duration_s, rate_start, rate_end, users, think_ms;
    bool record;                      /* false: a warm-up */
    bool has_health;                  /* generator.by_phase has it */
    struct results_health health;     /* generator.by_phase[name] */
    bool delivered;                   /* its "delivered" (true when absent) */
    const struct results_cell *total; /* totals.by_phase[name], or NULL (no data) */
    const char *group;                /* a staircase's name ("group"), or NULL */
    const char *workload;             /* its workload ("workload"), or NULL without */
    double start_s;                   /* its start ("start_s"); NaN without workloads */
    double step;                      /* its 1-based step ("step"); NaN when absent */
};

/* One interval's numbers for all nodes, one node or one request. */
struct results_slice {
    bool present; /* the interval has it (a node or request with completions) */
    double completed, errors, throttled, p50_ms, p90_ms, p99_ms, max_ms, service_p99_ms;
    double outcomes[OC_COUNT];
};

#define RESULTS_NO_PHASE ((size_t)-1)

struct results_interval {
    double start_s, length_s;
    size_t phase; /* index in results.phases; RESULTS_NO_PHASE for the drain */
    bool drain;   /* after the arrivals ended ("(drain)") */
    double offered_rps, achieved_rps, cpu_pct;
    struct results_health health; /* scheduled, started, late, bound_waits,
                                     queue_drops, local_failures, max_lag_ms, inflight */
    struct results_slice all;
    struct results_slice *nodes;     /* [results.n_nodes], parallel to results.nodes */
    struct results_slice *requests;  /* [results.n_requests], parallel to results.requests */
    bool has_requests;               /* it has "requests" (older files lack it) */
    struct results_slice *workloads; /* [results.n_workloads], parallel to results.workloads;
                                        NULL without workloads */
};

/* A gate's verdict ("gates"; docs/gates.md). Strings NULL when absent. */
struct results_gate {
    const char *gate, *scope, *name, *metric, *op, *unit, *verdict;
    double threshold, measured; /* measured NaN: no data */
    bool abort_on_fail;
};

/* One application of a token pool (auth.applications). */
struct results_app {
    const char *name;
    double count, errors, error_pct, throttled, throttled_pct, unauthorized;
    double rejected_after_refresh, latency_mean_ms, latency_max_ms;
    double tokens_fetched, token_failures, refreshed_after_401, token_lifetime_s;
    double outcomes[OC_COUNT];
    double throttled_by[REC_THROTTLE_KINDS];
    const char *token_error; /* NULL when its last token request succeeded */
};

/* "auth" (docs/results.md, AUTH). */
struct results_auth {
    const char *url; /* token_endpoint.url */
    double requests, failed;
    double outcomes[OC_COUNT];
    double by_reason[4]; /* initial, ahead, after_401, retry (results_reason_name) */
    struct results_lat latency;
    const char *hist; /* token_endpoint.histogram as written, kept with RESULTS_LATENCY */
    struct results_app *apps;
    size_t n_apps;
    const char **rejected; /* rejected_applications */
    size_t n_rejected;
};

struct results_target {
    const char *name, *url;
};

/* A gate as the scenario declares it (scenario.gates[]; docs/gates.md):
 * what `gatecap merge` evaluates again. Strings NULL when absent. */
struct results_scn_gate {
    const char *gate, *scope, *name; /* expression, "all"|"phase"|"request"|"node", member */
    bool abort_on_fail;
    double grace_s; /* NaN when absent */
};

/* A generator's clock as ntp_gettime() saw it ("shard.clock", or a row of
 * "shards"). NaN when absent. */
struct results_clock {
    bool present;      /* the member is there */
    bool synchronised; /* false when absent */
    double state, maxerror_ms, esterror_ms, offset_ms;
};

/* "shard": which part of a distributed run the file is (docs/merge.md).
 * A file without it (an older gatecap) is index 0 of 1, run id unknown. */
struct results_shard {
    bool present;        /* the member is there */
    bool merged;         /* "merged": true — `gatecap merge` wrote it (index null) */
    double index, count; /* index NaN when merged */
    const char *source, *run_id, *scenario_digest, *start_at, *host; /* NULL when absent/null */
    double start_at_epoch_s, release_offset_ms;                      /* NaN when absent/null */
    struct results_clock clock;
};

/* A row of "shards" (a merged run: one per generator). NaN/NULL when
 * absent. */
struct results_shard_row {
    double index;
    const char *host, *source, *status;
    double elapsed_s, release_offset_ms;
    struct results_clock clock;
    bool clock_flagged;     /* the clock was beyond tolerance or unsynchronised */
    const char *clock_flag; /* why, or NULL */
    double scheduled, started, late_pct, max_lag_ms, queue_drops, local_failures, cpu_pct;
    bool generator_limited;
};

/* A workload of a run with `workloads:` ("workloads"; docs/results.md). */
struct results_workload {
    const char *name, *model; /* model "open" or "closed" */
    double workers, recorded_s, scheduled, late, offered_rps, achieved_rps;
    const char **phases, **requests; /* their names */
    size_t n_phases, n_requests;
    struct results_cell total; /* its "totals" (name: the workload's) */
};

/* A count under a name (a flow's failed_by_step, failed_by_check). */
struct results_named {
    const char *name;
    double count;
};

/* A flow's counts over the run ("totals") or one phase (a row of
 * "by_phase"); docs/results.md, FLOWS. NaN when absent. */
struct results_flow_counts {
    size_t phase; /* by_phase: index in results.phases; RESULTS_NO_PHASE in totals */
    double started, completed, failed, local, unfinished;
    double completed_pct;        /* NaN: none ended */
    struct results_lat duration; /* completed instances, ms */
    struct results_named *failed_by_step, *failed_by_check;
    size_t n_failed_by_step, n_failed_by_check;
    const char *hist; /* by_phase: "duration_hist" as written (µs), kept with
                         RESULTS_LATENCY, else NULL; results_hist decodes it */
};

/* One of "flows". */
struct results_flow {
    const char *name;
    double weight;
    const char **steps; /* the steps' request names ("FLOW.STEP"), in order */
    size_t n_steps;
    struct results_flow_counts totals;
    struct results_flow_counts *by_phase;
    size_t n_by_phase;
};

/* One of "checks". */
struct results_check {
    const char *name;
    double passed, failed, passed_pct; /* passed_pct NaN: never evaluated */
    const char *example;               /* a failing answer (redacted), or NULL */
};

/* A results.json. Every string and array is owned by the model (freed by
 * results_free); pointers into it stay valid until then. */
struct results {
    const char *path; /* as given */
    int version;      /* the format version read */
    /* "gatecap", "environment" */
    const char *gatecap_version, *transport, *libcurl, *openssl; /* NULL when absent */
    double cores, workers;
    /* "scenario" */
    const char *scenario, *description, *scenario_file, *node_header;
    double interval_s;                     /* scenario.interval_s; 1 when absent */
    const char *http;                      /* scenario.http: "1.1" or "2"; NULL when absent */
    double h2_max_streams, h2_connections; /* scenario.http2's; NaN when absent */
    const char *conn_policy;               /* scenario.tls.connections; NULL when absent */
    double new_conn_fraction;              /* scenario.tls.new_connection_fraction; NaN */
    struct results_target *targets;
    size_t n_targets;
    const char **overrides; /* scenario.overrides: every --set as recorded */
    size_t n_overrides;
    const char *scenario_json;          /* the whole "scenario" member as compact JSON text */
    struct results_scn_gate *scn_gates; /* scenario.gates */
    size_t n_scn_gates;
    double late_threshold_cfg_ms, late_tolerance_cfg_pct; /* scenario.generator's; NaN absent */
    struct results_phase *phases;
    size_t n_phases;
    const char **requests; /* scenario.requests[].name */
    size_t n_requests;
    /* "run" */
    const char *status, *model, *latency_definition, *stop_reason;
    double start_epoch_s, elapsed_s, planned_s, arrivals_end_s;
    bool interrupted, generator_limited, stopped_early, insecure_tls;
    double gates_failed; /* NaN when absent */
    /* "generator" */
    struct results_health gen;
    double late_threshold_ms, late_tolerance_pct, cpu_user_s, cpu_sys_s, cpu_pct;
    double fd_limit; /* NaN: unlimited or absent */
    const char *local_failure_example;
    /* "nodes", "error_examples" */
    const char **nodes;
    size_t n_nodes;
    const char *examples[OC_COUNT]; /* an example message per class, or NULL */
    /* "cells", "totals" */
    struct results_cell *cells;
    size_t n_cells;
    struct results_cell all;
    struct results_cell *by_phase, *by_request, *by_node;
    size_t n_by_phase, n_by_request, n_by_node;
    /* "workloads": a run with `workloads:` (n_workloads 0 without) */
    struct results_workload *workloads;
    size_t n_workloads;
    /* "intervals" */
    struct results_interval *intervals;
    size_t n_intervals;
    /* "gates": has_gates when the member is there (an empty list too) */
    bool has_gates;
    struct results_gate *gates;
    size_t n_gates;
    /* "flows" and "checks" (absent: n 0) */
    struct results_flow *flows;
    size_t n_flows;
    struct results_check *checks;
    size_t n_checks;
    /* "auth", or NULL */
    struct results_auth *auth;
    /* "shard", and a merged run's "shards" (n_shards 0 without) */
    struct results_shard shard;
    struct results_shard_row *shards;
    size_t n_shards;
    void *priv; /* the reader's own: string storage */
};

/* Reads the results.json at path (borrowed; kept as r->path) into *out
 * (owned: results_free), keeping the histograms hists asks for
 * (RESULTS_HIST bits; RESULTS_LATENCY also the token endpoint's).
 * Returns RESULTS_OK, or RESULTS_EIO, RESULTS_EFORMAT, RESULTS_EVERSION or
 * RESULTS_ENOMEM with *out NULL and err (errlen bytes) starting with the
 * path: what is wrong, where, and what to do. */
int results_read(const char *path, unsigned hists, struct results **out, char *err, size_t errlen);

/* Frees r and all it holds; NULL is fine. */
void results_free(struct results *r);

/* Decodes a histogram the model kept (a cell's hists[s], the token
 * endpoint's hist; results_read checked that it decodes) into *out
 * (owned: hdr_close); *out is NULL when hist is NULL. Returns RESULTS_OK
 * or RESULTS_ENOMEM. */
int results_hist(const char *hist, struct hdr_hist **out);

/* The cell named `name` among cells[0..n) (totals.by_*), or NULL. */
const struct results_cell *results_named(const struct results_cell *cells, size_t n,
                                         const char *name);

/* The index of phase `name` in r->phases, or RESULTS_NO_PHASE. */
size_t results_phase_index(const struct results *r, const char *name);

/* A summary's value at percentile 50, 90, 99, 99.9 or 99.99; NaN for any
 * other percentile. */
double results_lat_at(const struct results_lat *l, double percentile);

/* A series' summary in c. */
const struct results_lat *results_cell_lat(const struct results_cell *c, enum results_series s);

/* Stable names: "latency", "service", "connect", "tls_handshake", "ttfb"
 * (the keys of "histograms"; the summaries add "_ms"). "?" beyond. */
const char *results_series_name(enum results_series s);

#endif
