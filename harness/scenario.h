/*
 * scenario.h — a scenario file (YAML) parsed and validated into an
 * immutable plan that the engine, the results writer and the reports read.
 *
 * Every error a user can cause is reported with file:line:column, the
 * field, and what to do, in the caller's error buffer.
 */
#ifndef GATECAP_SCENARIO_H
#define GATECAP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SCN_OK = 0,
    SCN_EINVAL = -1,  /* the scenario is wrong; the message says where and why */
    SCN_EIO = -2,     /* a file could not be read */
    SCN_ENOMEM = -3,
};

enum scn_model { SCN_OPEN = 0, SCN_CLOSED = 1 };
enum scn_conn_policy {
    SCN_CONN_KEEPALIVE = 0,  /* reuse connections (default) */
    SCN_CONN_NEW = 1,        /* a new connection (full handshake) per request */
    SCN_CONN_FRACTION = 2,   /* new_conn_fraction of requests on a new connection */
};

/* One gateway node (or the load balancer, when node_header is set). */
struct scn_target {
    char *url;            /* as written, normalised with the default port */
    char *name;           /* "host:port" unless given as `name:` */
    bool https;
    char *host;           /* host name or address literal, no brackets */
    int port;             /* default 8243 for https, 8280 for http */
    char *base_path;      /* "" or "/prefix" without trailing slash */
    double weight;        /* > 0, default 1 */
};

struct scn_header {
    char *name;
    char *value;          /* after ${ENV} expansion */
    bool secret;          /* from ${ENV} or Authorization/Cookie/API key: redact */
};

struct scn_request {
    char *name;
    double weight;        /* > 0, default 1 */
    char *method;         /* GET default */
    char *path;           /* begins with '/' */
    struct scn_header *headers;
    size_t n_headers;
    char *body;           /* NULL or body_bytes bytes (inline or from body_file) */
    size_t body_bytes;
    char *body_file;      /* path as written, or NULL */
    int *expect_status;   /* statuses counted as success; default: any 2xx/3xx */
    size_t n_expect_status;
};

/* One phase of the load. Open model: rate from rate_start to rate_end
 * (per second, linear over the phase; equal for a constant rate). Closed
 * model: users virtual users, each thinking think_ms between requests. */
struct scn_phase {
    char *name;
    double duration_s;
    double rate_start;
    double rate_end;
    int users;
    double think_ms;
    bool record;          /* false for warm-up: sent but not counted */
};

struct scn_tls {
    bool insecure;          /* verification off: must be explicit, flagged everywhere */
    char *ca_file;
    char *cert_file;        /* client certificate for mutual TLS */
    char *key_file;
    char *min_version;      /* "1.2", "1.3" or NULL */
    char *max_version;
    char *ciphers;          /* OpenSSL cipher list or NULL */
    bool session_resumption;/* default true */
    enum scn_conn_policy conn_policy;
    double new_conn_fraction; /* for SCN_CONN_FRACTION, 0..1 */
};

struct scenario {
    char *file;             /* path it was read from */
    char *name;
    struct scn_target *targets;
    size_t n_targets;
    char *node_header;      /* response header naming the node, or NULL */
    struct scn_tls tls;
    int http_version;       /* 1 (HTTP/1.1) or 2 */
    struct scn_request *requests;
    size_t n_requests;
    enum scn_model model;
    bool poisson;           /* open model: exponential inter-arrival times */
    int max_inflight;       /* open model bound; default 10000 */
    int workers;            /* threads; 0 in the file means one per core (resolved here) */
    struct scn_phase *phases;
    size_t n_phases;
    double connect_timeout_ms; /* default 5000 */
    double request_timeout_ms; /* default 30000 */
    double interval_s;      /* default 1 */
    char *output_dir;       /* default "results" */
    double late_tolerance_pct; /* generator-limited past this share of late arrivals (1) */
    double late_threshold_ms;  /* an arrival is late past this (10) */
};

/* Parses and validates path. overrides: n_overrides "key.path=value"
 * strings (--set) applied before validation, e.g. "load.workers=2" or
 * "phases.0.rate=500/s". On error returns SCN_EINVAL/SCN_EIO/SCN_ENOMEM,
 * writes "file:line:col: field: what is wrong; what to do" into err
 * (err_len bytes) and sets *out to NULL. *out is owned by the caller
 * (scenario_free). Reads the environment for ${NAME}; files it names
 * (bodies, certificates) are checked to exist and parse. */
int scenario_load(const char *path, const char *const *overrides, size_t n_overrides,
                  struct scenario **out, char *err, size_t err_len);

/* Frees s; NULL is fine. */
void scenario_free(struct scenario *s);

/* The scenario as JSON for results.json, with every secret value (headers
 * from ${ENV}, Authorization, cookies, API keys, TLS key paths' contents)
 * replaced by "<redacted>". Returns a new reference (json_t *, jansson),
 * or NULL on allocation failure. Declared as void * to keep jansson out of
 * this header. */
void *scenario_to_json(const struct scenario *s);

/* Total planned duration of all phases, seconds. */
double scenario_duration_s(const struct scenario *s);
#endif
