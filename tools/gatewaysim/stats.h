/*
 * stats.h — the simulator's counters, served as JSON on GET /_sim/stats so
 * tests can compare what a load generator saw with what the server saw.
 *
 * Every request that is not a control request (/_sim/...) ends in exactly
 * one outcome: answered with a status (counted by class and by exact
 * status), reset by the simulator (fault injection), or aborted (the
 * client went away before its answer was written). Counters are plain
 * integers: the simulator is single-threaded.
 */
#ifndef GATEWAYSIM_STATS_H
#define GATEWAYSIM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum gsstats_outcome {
    GSSTATS_2XX,
    GSSTATS_3XX,
    GSSTATS_401,
    GSSTATS_429,
    GSSTATS_4XX_OTHER,
    GSSTATS_5XX,
    GSSTATS_RESET,
    GSSTATS_ABORTED,
    GSSTATS_N_OUTCOMES
};

/* Distinct paths counted on their own; later ones go to "(other)". */
#define GSSTATS_MAX_PATHS 64
#define GSSTATS_PATH_BYTES 128
/* Path index of requests that could not be parsed. */
#define GSSTATS_PATH_BAD GSSTATS_MAX_PATHS
/* Path index of "(other)". */
#define GSSTATS_PATH_OTHER (GSSTATS_MAX_PATHS + 1)

struct gsstats_path {
    char path[GSSTATS_PATH_BYTES];
    uint64_t n[GSSTATS_N_OUTCOMES];
};

/* OAuth clients counted on their own (by the client hash their tokens
 * carry); later ones go to "(other)". */
#define GSSTATS_MAX_CLIENTS 256
#define GSSTATS_CLIENT_BYTES 128
/* Client index of API requests without a genuine token. */
#define GSSTATS_CLIENT_NONE GSSTATS_MAX_CLIENTS
/* Client index of "(other)". */
#define GSSTATS_CLIENT_OTHER (GSSTATS_MAX_CLIENTS + 1)
/* Client index of requests not counted per client (not API requests). */
#define GSSTATS_CLIENT_SKIP (-1)

struct gsstats_client {
    uint32_t hash;                   /* gscfg_client_hash of the id */
    char name[GSSTATS_CLIENT_BYTES]; /* "" until known */
    uint64_t n[GSSTATS_N_OUTCOMES];  /* API requests with its tokens */
    uint64_t tokens;                 /* tokens issued to it */
};

/* 429 answers are counted by WSO2 throttling code 900800 + i. */
#define GSSTATS_THROTTLE_CODE0 900800
#define GSSTATS_N_THROTTLE_CODES 8

/* The Open Banking payment journey (journey.h): what its answers said. */
struct gsstats_journey {
    uint64_t consents_created;          /* 201, Status AwaitingAuthorisation or Rejected */
    uint64_t consents_refused;          /* of those, Rejected (--journey-refuse) */
    uint64_t payments_created;          /* 201 */
    uint64_t payments_unknown_consent;  /* 400: a ConsentId no node of the cluster issued */
    uint64_t payments_rejected_consent; /* 400: a consent answered Rejected */
    uint64_t payments_bad_body;         /* 400: no body, not JSON, no Data.ConsentId string */
    uint64_t polls;                     /* GET of a payment, answered 200 or 404 */
    uint64_t polls_settled;             /* 200 with AcceptedSettlementCompleted */
    uint64_t polls_unknown;             /* 404: not a payment id of the cluster */
};

/* HTTP/2 (h2.h): what happened on HTTP/2 connections. Streams answered
 * are counted as requests as well; refused streams are not. */
struct gsstats_http2 {
    uint64_t connections;     /* connections that spoke HTTP/2 (ALPN h2 or h2c preface) */
    uint64_t streams;         /* client streams begun (refused ones included) */
    uint64_t rst_streams;     /* RST_STREAM INTERNAL_ERROR sent (--reset-rate on HTTP/2) */
    uint64_t refused_streams; /* RST_STREAM REFUSED_STREAM sent (--h2-refuse-rate) */
    uint64_t goaways;         /* GOAWAY frames sent (--h2-goaway-after) */
};

/* Resolves a client hash to its id for the JSON (NULL: unknown). */
typedef const char *(*gsstats_name_fn)(const void *ctx, uint32_t hash);

#define GSSTATS_ASSERT_RESULTS 8 /* GSASSERT_RESULTS (assertion.h) */

struct gsstats {
    double reset_at_s; /* monotonic */
    uint64_t outcome[GSSTATS_N_OUTCOMES];
    uint64_t by_status[600];
    struct gsstats_path paths[GSSTATS_MAX_PATHS + 2];
    int n_paths;
    struct gsstats_client clients[GSSTATS_MAX_CLIENTS + 2];
    int n_clients;
    uint64_t throttled_by_code[GSSTATS_N_THROTTLE_CODES];
    struct gsstats_journey journey;
    struct gsstats_http2 http2;

    uint64_t conn_accepted;
    uint64_t conn_refused; /* reset at accept (--refuse rst, --max-conns) */
    uint64_t conn_tls_ok;
    uint64_t conn_tls_failed; /* handshake failures, incl. missing client certs */
    uint64_t conn_idle_closed;
    uint64_t write_errors;

    uint64_t control_requests;
    uint64_t tokens_issued;
    uint64_t token_errors;                       /* token endpoint answers other than 200 */
    uint64_t assertions[GSSTATS_ASSERT_RESULTS]; /* client assertions by enum gsassert_result */
    uint64_t refresh_issued, refresh_accepted, refresh_refused; /* refresh tokens */
    uint64_t jws[3]; /* request signatures (--verify-jws): verified, invalid, missing */
    uint64_t stalls;
    uint64_t max_queue;

    uint64_t service_n; /* completed services */
    double service_sum_s;
    double service_max_s;
    double wait_sum_s; /* time queued before service */
    double wait_max_s;
};

/* Gauges owned by the server, reported beside the counters. */
struct gsstats_gauges {
    const char *node;
    double uptime_s;
    double now_s;
    int open_conns;
    int queue_len;
    int in_service;
    int delayed;
    int workers;
    bool stalled;
    size_t token_limiters;
    gsstats_name_fn client_name; /* for clients whose name is not known yet */
    const void *client_name_ctx;
};

/* Zeroes every counter; now_s is the monotonic time of the reset. */
void gsstats_reset(struct gsstats *s, double now_s);

/* Index of path[0, len) (query excluded) in the per-path table, adding it
 * when there is room; GSSTATS_PATH_OTHER otherwise. */
int gsstats_path_index(struct gsstats *s, const char *path, size_t len);

/* Index of the client whose tokens carry hash, adding it when there is
 * room; GSSTATS_CLIENT_OTHER otherwise. name (may be NULL) is its id when
 * the caller knows it (the token endpoint does). */
int gsstats_client_index(struct gsstats *s, uint32_t hash, const char *name);

/* Outcome class of a status code. */
enum gsstats_outcome gsstats_class(int status);

/* Counts one request with the given path index, client index
 * (GSSTATS_CLIENT_SKIP: not per client) and outcome; status is the
 * answered status or 0 for reset/aborted. */
void gsstats_count(struct gsstats *s, int path_idx, int client_idx, enum gsstats_outcome oc,
                   int status);

/* Counts a 429 answer with WSO2 throttling code (900800..900807). */
void gsstats_throttled(struct gsstats *s, int code);

/* Appends the JSON document of GET /_sim/stats. Returns 0 or -ENOMEM. */
int gsstats_to_json(const struct gsstats *s, const struct gsstats_gauges *g, struct gsbuf *out);

#endif
