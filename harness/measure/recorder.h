/*
 * recorder.h — what a worker records about requests, and how those records
 * are merged at interval hand-off.
 *
 * A rec_set holds one cell per (phase, request, node) that has seen data,
 * created when first used (once per cell, not per request) and reused after
 * hdr_reset. Each worker owns two sets (front: being written; back: handed
 * to the coordinator); the coordinator keeps its own sets for the run's
 * totals. Single writer, no locks.
 */
#ifndef GATECAP_RECORDER_H
#define GATECAP_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "measure/hdr.h"

/* Outcome classes of a request. */
enum rec_outcome {
    OC_2XX,
    OC_3XX,
    OC_4XX, /* 4xx other than 401 and 429 */
    OC_401, /* unauthorized: the gateway rejected the credentials */
    OC_429, /* throttled: its own class, not an error */
    OC_5XX,
    OC_TIMEOUT,
    OC_REFUSED, /* connection refused / could not connect */
    OC_RESET,   /* connection reset or closed with no response */
    OC_TLS,     /* handshake or certificate failure */
    OC_OTHER,
    OC_ABANDONED, /* still unanswered when the run stopped waiting for it */
    OC_COUNT
};

/* Short stable names ("2xx", "throttled", "timeout", ...) for output. */
const char *rec_outcome_name(enum rec_outcome oc);

/* True for classes that count as errors (transport failures, 5xx, 4xx
 * other than 429, 401). 429 is throttled, 2xx/3xx are fine. */
bool rec_outcome_is_error(enum rec_outcome oc);

/* The class of an HTTP answer with status `status`: OC_OTHER below 200,
 * and outside 100..599 (an invalid status, RFC 9110 15, is no 5xx). */
enum rec_outcome rec_outcome_of_status(int status);

/* Kinds of 429: WSO2's throttling codes 900800..900807 in the answer's
 * body (index code − 900800), or REC_THROTTLE_OTHER without one. */
#define REC_THROTTLE_CODE0 900800
#define REC_THROTTLE_OTHER 8
#define REC_THROTTLE_KINDS 9

/* Stable short names: "api", "hard_limit", "resource", "application",
 * "subscription", "blocked", "custom", "900807", "other". */
const char *rec_throttle_name(int kind);

/* The kind of a 429 from the start of its body (len bytes, need not be
 * NUL-terminated): WSO2's {"fault":{"code":900803,...}} (the code as a
 * number or a string), else REC_THROTTLE_OTHER. */
int rec_throttle_kind(const char *body, size_t len);

/* Kinds of error answers by the WSO2 fault code in their body: the codes
 * WSO2 documents for a gateway's failures (101000, 101001, 101500..101512
 * for the backend connection — 101503 connection failed, 101504 timed out,
 * ...; 303000, 303001 endpoint not ready or suspended; 700700 API blocked;
 * 900801 hard limit; 900900..900910 authentication and authorization),
 * REC_FAULT_OTHER for any other code, REC_FAULT_NONE for a body without
 * one (an answer from something else than the gateway, a load balancer's
 * HTML page). */
#define REC_FAULT_OTHER 30
#define REC_FAULT_NONE 31
#define REC_FAULT_KINDS 32

/* Stable names: the code ("101503"), "other", "no_code"; "?" out of range. */
const char *rec_fault_name(int kind);

/* The kind of an error answer from the start of its body (len bytes,
 * borrowed, need not be NUL-terminated; NULL with 0): the first code of
 * the table among its "code" members (JSON {"fault":{"code":101503,...}},
 * the code a number or a string; or XML <am:code>101503</am:code>), else
 * REC_FAULT_OTHER when it has a code, else REC_FAULT_NONE. A code cut off
 * by the end of the bytes is no code. */
int rec_fault_kind(const char *body, size_t len);

/* The start of an answer's body (len bytes, borrowed; need not be
 * NUL-terminated) as one line for a message: control characters and runs
 * of white space become one space, leading and trailing ones go; cut to
 * fit cap - 1 bytes, ending "..." when cut. Writes into out (cap > 0,
 * NUL-terminated) and returns the length. Redaction (redact.h) is the
 * caller's. */
size_t rec_body_line(char *out, size_t cap, const char *body, size_t len);

#define REC_MAX_NODES 64
#define REC_NODE_NAME_LEN 64

struct rec_cell {
    struct hdr_hist *latency; /* µs from intended start (open) or send (closed) */
    struct hdr_hist *service; /* µs from actual send to completion */
    struct hdr_hist *connect; /* µs TCP connect, new connections only (2 figures) */
    struct hdr_hist *tls;     /* µs TLS handshake, new TLS connections only */
    struct hdr_hist *ttfb;    /* µs send to first response byte */
    int64_t outcomes[OC_COUNT];
    int64_t unexpected; /* responses whose status is not expected */
    int64_t retried;    /* re-sends by the transport after a reused
                           connection died (see xfer_result) */
    int64_t completed;  /* requests finished, any outcome */
    int64_t new_connections;
    int64_t bytes_sent;
    int64_t bytes_received;
    int64_t throttled_by[REC_THROTTLE_KINDS]; /* 429s by WSO2 code */
    int64_t faults_by[REC_FAULT_KINDS];       /* answers 400..599 other than 429 by the WSO2
                                         fault code in their body (rec_fault_kind) */
    int64_t retry_after;                      /* 429s that carried Retry-After */
    int64_t retry_after_max_s;                /* the largest Retry-After seen, seconds */
};

/* One application of an OAuth2 token pool (auth.h), over the recorded
 * phases. Latency as in the cells, summarised by count, sum and max. */
struct rec_app {
    int64_t completed;
    int64_t outcomes[OC_COUNT];
    int64_t throttled_by[REC_THROTTLE_KINDS];
    int64_t latency_count;
    int64_t latency_sum_us;
    int64_t latency_max_us;
    int64_t refresh_asked;  /* 401s that asked for a new token */
    int64_t rejected_fresh; /* 401s on a token fetched after a 401 */
};

/* Generator health over an interval (or the run, when summed). */
struct rec_health {
    int64_t scheduled;      /* arrivals whose intended start passed */
    int64_t started;        /* requests actually sent */
    int64_t late;           /* sent more than the late threshold after intended */
    int64_t bound_waits;    /* arrivals that waited for the in-flight bound */
    int64_t stream_waits;   /* HTTP/2 requests that waited for a stream (xfer_result) */
    int64_t queue_drops;    /* arrivals lost because gatecap's queue was full */
    int64_t max_lag_us;     /* largest send − intended */
    int64_t abandoned;      /* in flight when the run stopped waiting for them */
    int64_t local_failures; /* requests gatecap could not send for want of a local
                               resource (file descriptors, memory, ephemeral ports):
                               the generator's failures, in no outcome of the gateway's */
    int64_t inflight;       /* at the end of the interval (gauge) */
};

#define REC_ERROR_LEN 320

struct rec_set {
    char first_error[OC_COUNT][REC_ERROR_LEN]; /* an example per class: a transport's message,
                                   or an answer (rec_note_answer); "" if none.
                                   Not redacted yet (engine.c does it) */
    char local_error[REC_ERROR_LEN];           /* a message of a local failure, "" if none */
    size_t n_phases;
    size_t n_requests;
    struct rec_cell **cells;     /* [phase][request][node], NULL until used */
    size_t n_nodes;              /* nodes known when the set was handed over */
    struct rec_health health;    /* the whole set */
    struct rec_health *by_phase; /* [n_phases]: the same by the phase of each
                                   arrival (inflight: not kept per phase) */
    struct rec_app *apps;        /* [n_apps] (rec_set_apps), or NULL */
    size_t n_apps;
    struct rec_flows *flows; /* flows and checks (recorder_flow.h), or NULL */
};

/* Creates an empty set for n_phases × n_requests × REC_MAX_NODES cells.
 * Returns 0 or -1 (no memory); *out owned (rec_set_free). */
int rec_set_new(size_t n_phases, size_t n_requests, struct rec_set **out);
void rec_set_free(struct rec_set *s);

/* Gives s a zeroed table of n_apps applications. Returns 0 or -1. */
int rec_set_apps(struct rec_set *s, size_t n_apps);

/* Adds src's application table into dst's (same size). */
void rec_apps_add(struct rec_set *dst, const struct rec_set *src);

/* The cell for (phase, request, node), created on first use; NULL only
 * when memory runs out. */
struct rec_cell *rec_cell_get(struct rec_set *s, size_t phase, size_t request, size_t node);

/* The cell if it exists, else NULL. */
struct rec_cell *rec_cell_peek(const struct rec_set *s, size_t phase, size_t request, size_t node);

/* A standalone cell (for sums); NULL when memory runs out. Free with
 * rec_cell_free. */
struct rec_cell *rec_cell_new(void);
void rec_cell_free(struct rec_cell *c);

/* Clears a cell's histograms and counters. */
void rec_cell_reset(struct rec_cell *c);

/* Adds into `into` every cell of s matching phase, request and node among
 * the first n_nodes nodes; SIZE_MAX for any of them matches all. */
void rec_set_sum(const struct rec_set *s, size_t n_nodes, size_t phase, size_t request, size_t node,
                 struct rec_cell *into);

/* Adds src's cell into dst's (creating it). Returns 0 or -1 (no memory). */
int rec_cell_add(struct rec_cell *dst, const struct rec_cell *src);

/* Clears every cell's counts (cells stay allocated) and the health. */
void rec_set_reset(struct rec_set *s);

/* Adds a's health into b's (gauges: inflight summed, max_lag maxed). */
void rec_health_add(struct rec_health *dst, const struct rec_health *src);

/* Adds src's whole-set and per-phase health into dst's (same phases). */
void rec_set_health_add(struct rec_set *dst, const struct rec_set *src);

/* Keeps msg as the example message of class oc when none is kept yet. */
void rec_note_error(struct rec_set *s, enum rec_outcome oc, const char *msg);

/* Keeps an answer as the example of class oc when none is kept: "HTTP
 * 503 from gw1: " and the start of its body as one line (rec_body_line;
 * body len bytes, borrowed, may be NULL), cut to REC_ERROR_LEN. Costs a
 * look at the class's slot when one is kept (once per class and interval
 * otherwise). */
void rec_note_answer(struct rec_set *s, enum rec_outcome oc, int status, const char *node,
                     const char *body, size_t len);

/* Keeps msg as the example message of local failures when none is kept. */
void rec_note_local(struct rec_set *s, const char *msg);

/* Copies src's example messages (local failures' too) into dst where dst
 * has none. */
void rec_merge_errors(struct rec_set *dst, const struct rec_set *src);

#endif
