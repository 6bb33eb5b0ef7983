/*
 * scenario.h — a scenario file (YAML) parsed and validated into an
 * immutable plan that the engine, the results writer and the reports read.
 * The format is documented in docs/scenario.md.
 *
 * Every error a user can cause is reported with file:line:column, the
 * field, and what to do, in the caller's error buffer. Field names in
 * messages are dotted paths with 0-based list indexes ("load.phases.2.rate"),
 * the same syntax --set takes.
 *
 * Paths: body_file, tls.ca, tls.cert, tls.key and feeders' files are
 * relative to the scenario file's folder; `output` is relative to the
 * working directory.
 *
 * Templates: a request's path, header values and inline body may hold
 * per-request references (${FEEDER.COLUMN}, ${uuid}, ${seq}, ${now_ms},
 * ${now_iso}, ${now_http}, ${random_int(A,B)}, ${random_hex(N)}; see
 * template.h), and so may the contents of a body_file. Those fields are
 * compiled once here (struct tpl); the char * fields keep the text with
 * ${ENV} expanded and the per-request references as written.
 */
#ifndef GATECAP_SCENARIO_H
#define GATECAP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/gate.h"

struct feeder; /* feeder.h */
struct tpl;    /* template.h */

enum {
    SCN_OK = 0,
    SCN_EINVAL = -1, /* the scenario is wrong; the message says where and why */
    SCN_EIO = -2,    /* the scenario file could not be read (files it names: EINVAL) */
    SCN_ENOMEM = -3,
};

/* Default of a gate's `grace:` (abort checks wait this long), seconds. */
#define SCN_GATE_GRACE_S 10.0

/* Most error messages written to an err buffer (more are summarised). */
#define SCN_MAX_ERRORS 20

enum scn_model { SCN_OPEN = 0, SCN_CLOSED = 1 };
enum scn_conn_policy {
    SCN_CONN_KEEPALIVE = 0, /* reuse connections (default) */
    SCN_CONN_NEW = 1,       /* a new connection (full handshake) per request */
    SCN_CONN_FRACTION = 2,  /* new_conn_fraction of requests on a new connection */
};

/* One gateway node (or the load balancer, when node_header is set). */
struct scn_target {
    char *url;  /* scheme://host:port[/base]: lower-case host, port filled in */
    char *name; /* "host:port" unless given as `name:` */
    bool https;
    char *host;        /* host name or address literal, no brackets */
    int port;          /* default 8243 for https, 8280 for http */
    char *base_path;   /* "" or "/prefix" without trailing slash */
    double weight;     /* > 0, default 1 */
    bool url_secret;   /* url came from ${ENV}: redacted in JSON (name is not) */
    char *server_name; /* https only: the host name the node's certificate must
                        * carry, sent as SNI and in Host (targets.N.server_name,
                        * else tls.server_name), while the connection goes to
                        * host's address; NULL: host itself */
};

struct scn_header {
    char *name;
    char *value;     /* after ${ENV} expansion; no CR/LF; runtime references as written */
    bool secret;     /* from ${ENV} or Authorization/Cookie/API key: redact */
    struct tpl *tpl; /* per-request template of value, or NULL when value is static;
                      * no feeder cell it can take holds CR, LF or NUL */
};

/* A think time (flows: between steps). */
enum scn_think_kind {
    SCN_THINK_NONE = 0,    /* the next step is due at once */
    SCN_THINK_FIXED = 1,   /* a_ms */
    SCN_THINK_UNIFORM = 2, /* uniform in [a_ms, b_ms] */
    SCN_THINK_EXP = 3,     /* exponential of mean a_ms */
};
struct scn_think {
    enum scn_think_kind kind;
    double a_ms, b_ms;
};

/* What a flow instance does after a step's failed check (or a failed
 * request: no answer, or a status the step does not expect). */
enum scn_on_fail { SCN_ON_FAIL_STOP = 0, SCN_ON_FAIL_CONTINUE = 1 };

struct scn_check;
struct scn_capture;

/* A JWS algorithm (RFC 7518 3.1): what FAPI allows, and RS256. */
enum scn_jws_alg { SCN_JWS_NONE = 0, SCN_JWS_PS256 = 1, SCN_JWS_ES256 = 2, SCN_JWS_RS256 = 3 };

/* `sign:` on a request: a detached JWS of its body (as sent, after
 * rendering) in a header, signed with the request's application's
 * signing_key (Open Banking UK's x-jws-signature; docs/auth.md). */
struct scn_sign {
    char *header;         /* default "x-jws-signature" */
    char *iss;            /* http://openbanking.org.uk/iss; NULL: the application's client_id */
    char *tan;            /* http://openbanking.org.uk/tan (default "openbanking.org.uk") */
    enum scn_jws_alg alg; /* as written, or SCN_JWS_NONE: each application's signing_alg */
};

struct scn_request {
    char *name;    /* a flow's step: "FLOW.STEP" */
    double weight; /* > 0, default 1 */
    char *method;  /* GET default */
    char *path;    /* begins with '/'; runtime references as written */
    struct scn_header *headers;
    size_t n_headers;
    char *body; /* NULL or body_bytes bytes (inline or from body_file), plus a NUL;
                 * runtime references as written */
    size_t body_bytes;
    char *body_file;        /* path as written, or NULL */
    int *expect_status;     /* statuses counted as success; default: any 2xx/3xx */
    size_t n_expect_status; /* 0 when expect was not given (2xx/3xx succeed) */
    bool path_secret;       /* path came from ${ENV} or its query names a key/token */
    bool body_secret;       /* body came from ${ENV}, !secret, or a body_file */
    struct tpl *path_tpl;   /* per-request template of path, or NULL when static; no feeder
                             * cell it can take holds a space, '#' or a control character */
    struct tpl *body_tpl;   /* per-request template of body (inline, or body_file contents),
                             * or NULL when static */
    uint64_t feeder_mask;   /* bit f: path, a header or the body uses feeders[f] */
    /* Bit s set when status s (0..639) counts as success; filled from
     * expect_status, or 200..399 by default. Test with scn_request_expects. */
    uint64_t expect_bits[10];
    /* Flows (docs/scenario.md, "Flows"): 0 for a request of the mix; else
     * 1 + the index of the flow whose step `step` (0-based) this is. A
     * flow's first step carries the flow's weight (the mix picks it for
     * the flow), its other steps weight 0. */
    size_t flow;
    size_t step;
    struct scn_think think;   /* after this step, before the next (the flow's default) */
    enum scn_on_fail on_fail; /* after a failed check or request (the flow's default) */
    /* `checks:` and `capture:` (check.h; docs/scenario.md, "Checks and
     * captures"), compiled, in file order; NULL/0 without. */
    struct scn_check *checks;
    size_t n_checks;
    struct scn_capture *captures;
    size_t n_captures;
    size_t body_limit;           /* bytes of a body checks and captures may read (1 MiB) */
    bool needs_head, needs_body; /* some check or capture reads the header lines / body */
    size_t workload;             /* index into scenario.workloads (0 without `workloads:`) */
    struct scn_sign *sign;       /* `sign:`, or NULL */
};

/* A flow: steps run one after the other by one flow instance, each a
 * request (requests[first_request .. first_request + n_steps)), values
 * captured from one step's answer rendered into later steps' templates. */
struct scn_flow {
    char *name;
    double weight;
    size_t first_request;
    size_t n_steps;
    double pacing_ms; /* closed model: the least time from one iteration's start to
                         the next user's iteration (0: none) */
    char **vars;      /* the flow's variables (names captures write), in order */
    size_t n_vars;
};

/* True when status counts as success for r. O(1), no allocation. */
static inline bool scn_request_expects(const struct scn_request *r, int status)
{
    return status >= 0 && status < 640 && (r->expect_bits[status >> 6] >> (status & 63)) & 1u;
}

/* One phase of the load. Open model: rate from rate_start to rate_end
 * (per second, linear over the phase; equal for a constant rate, which is
 * then > 0; one end of a ramp may be 0). Closed model: users virtual users,
 * each thinking think_ms between requests. `steps` in the file are already
 * expanded into one phase per step. duration_s > 0. */
struct scn_phase {
    char *name;
    double duration_s;
    double rate_start;
    double rate_end;
    int users;
    double think_ms;
    bool record;      /* false for warm-up: sent but not counted */
    char *group;      /* steps: the name written in the file; else NULL */
    int step;         /* steps: 1-based index within group; else 0 */
    size_t stop_rule; /* steps with `stop:`: 1 + index into step_stops; else 0 */
    size_t workload;  /* index into scenario.workloads (0 without `workloads:`) */
    double start_s;   /* its start, seconds from the run's start: every workload
                         starts at 0 and its phases follow one another */
};

/* One workload (`workloads:`): a load model with its phases and its mix
 * of requests, run side by side with the others by workers of its own.
 * Its phases are scenario.phases[first_phase .. first_phase + n_phases)
 * and its requests scenario.requests[first_request .. + n_requests).
 * A scenario without `workloads:` has one, named "default" (implicit). */
struct scn_workload {
    char *name;
    enum scn_model model;
    bool poisson;
    bool balance_random;
    int max_inflight; /* open model bound (default 10000) */
    double backoff_max_ms;
    int workers;         /* its threads (>= 1); their sum is scenario.workers */
    size_t first_worker; /* its workers are first_worker .. + workers of the run */
    size_t first_phase, n_phases;
    size_t first_request, n_requests;
    double duration_s; /* its phases' durations summed */
};

/* A staircase's `stop:` rule: the run stops once `after` consecutive steps
 * fail any of the slo expressions (each judged on its own step). */
struct scn_step_stop {
    char *group;      /* the steps phase's name */
    struct gate *slo; /* scope GATE_PHASE, scope_name NULL */
    size_t n_slo;
    int after; /* default 2 */
};

/* Which HTTP client carries requests (`generator.transport`). */
enum scn_transport {
    SCN_TRANSPORT_AUTO = 0,   /* native for HTTP/1.1, libcurl for HTTP/2 */
    SCN_TRANSPORT_NATIVE = 1, /* gatecap's own clients (xfer_h1.c, xfer_h2.c) */
    SCN_TRANSPORT_CURL = 2,   /* libcurl's multi interface (xfer_curl.c) */
};

/* `http2:` (docs/scenario.md, HTTP/2): multiplexing on the native HTTP/2
 * transport. */
struct scn_http2 {
    int max_streams; /* streams a connection carries at once (1, as h2load's default);
                        never more than the server's SETTINGS_MAX_CONCURRENT_STREAMS */
    int connections; /* connections per node for the whole run (shared out among the
                        workers); 0: as many as the requests in flight need */
};

/* The bytes of a PEM file, read whole when the scenario is loaded: the
 * transports, the node check and the token pool build their TLS from
 * these, so no file is read once the scenario is loaded (nor ever on a
 * worker's loop). */
struct scn_pem {
    char *data; /* owned, NUL-terminated after len bytes; NULL: none */
    size_t len;
};

struct scn_tls {
    bool insecure;     /* verification off: must be explicit, flagged everywhere */
    char *server_name; /* `server_name:` (lower case), or NULL; already copied into
                        * every https target without its own (scn_target) */
    /* ca_file, cert_file and key_file are resolved against the scenario's
     * folder, as messages and results.json name them; each was read (into
     * ca, cert and key below) and checked to parse. */
    char *ca_file;      /* PEM CA bundle, or NULL for the system store */
    char *cert_file;    /* client certificate for mutual TLS (PEM) */
    char *key_file;     /* its private key (PEM); == cert_file when inside it */
    char *key_password; /* for an encrypted key, or NULL; secret (never in JSON) */
    /* The CAs that verify servers: tls.ca's bytes, or without it the
     * system's CA file (ca_system) when something is reached over https
     * with verification on; empty otherwise (and with insecure). */
    struct scn_pem ca;
    char *ca_system;     /* the system CA file read into ca (SSL_CERT_FILE, else
                          * OpenSSL's default), or NULL */
    struct scn_pem cert; /* cert_file's bytes, or empty */
    struct scn_pem key;  /* key_file's bytes (cert's file when the key is in it), or
                          * empty; secret: zeroed when freed */
    char *min_version;   /* "1.0", "1.1", "1.2", "1.3" or NULL (libcurl's default) */
    char *max_version;
    char *ciphers;           /* OpenSSL cipher list (TLS <= 1.2) or NULL */
    char *tls13_ciphers;     /* TLS 1.3 cipher suites (`ciphersuites:`) or NULL */
    bool session_resumption; /* default true */
    enum scn_conn_policy conn_policy;
    double new_conn_fraction; /* for SCN_CONN_FRACTION, 0..1 */
};

/* OAuth2 (`auth:`): how tokens are obtained and bound to requests. */
enum scn_auth_type { SCN_AUTH_NONE = 0, SCN_AUTH_OAUTH2 = 1 };
enum scn_grant { SCN_GRANT_CLIENT_CREDENTIALS = 0, SCN_GRANT_PASSWORD = 1 };
enum scn_client_auth {
    SCN_CLIENT_AUTH_BASIC = 0, /* client_id:client_secret in HTTP Basic (RFC 6749 2.3.1) */
    SCN_CLIENT_AUTH_BODY = 1,  /* client_id and client_secret in the form body */
    SCN_CLIENT_AUTH_MTLS =
        2, /* client_id in the body, the client certificate proves it (RFC 8705) */
    SCN_CLIENT_AUTH_PRIVATE_KEY_JWT = 3, /* a JWT signed with the application's key
                                            (RFC 7523 client assertion, FAPI) */
};
enum scn_bind {
    SCN_BIND_ROUND_ROBIN = 0, /* arrivals (or users) take applications in turn */
    SCN_BIND_RANDOM = 1,      /* each arrival picks one uniformly */
    SCN_BIND_STICKY = 2,      /* closed model: a virtual user keeps one application */
};

/* One application (OAuth2 client) of the token pool. Secrets are never
 * written anywhere: results echo the name and whether a certificate is
 * used, nothing else. */
struct scn_app {
    char *name;          /* `name`, or "app-N" (1-based) */
    char *client_id;     /* secret when from ${ENV} or a file */
    char *client_secret; /* NULL with client_auth mtls */
    char *username;      /* password grant */
    char *password;
    char *cert_file; /* resolved; this application's client certificate, or NULL */
    char *key_file;
    struct scn_pem cert;   /* cert_file's bytes, read at load, or empty */
    struct scn_pem key;    /* key_file's bytes (unencrypted: apps have no key_password);
                            * secret: zeroed when freed */
    bool client_id_secret; /* client_id came from ${ENV} or a file: redacted */
    /* `signing_key:` (private_key_jwt assertions, request signatures): the
     * key as unencrypted PKCS#8 PEM, converted at load from the PEM or
     * PKCS#12 file; secret: zeroed when freed. Empty without one. */
    char *signing_key_file; /* resolved, or NULL */
    struct scn_pem signing_key;
    enum scn_jws_alg signing_alg; /* auth.assertion_alg, else PS256 (RSA) / ES256 (EC) */
    char *kid;                    /* `kid:`, or NULL */
};

struct scn_auth {
    enum scn_auth_type type;
    char *token_url;  /* https://HOST:PORT/oauth2/token (normalised) */
    char *token_host; /* host part, for pinning the address */
    int token_port;
    bool token_https;
    char *token_path;  /* the URL's path ("/oauth2/token") */
    char *server_name; /* `server_name:` (https only): the name the token endpoint's
                        * certificate must carry, sent as SNI and Host while the
                        * connection goes to token_host; or NULL */
    enum scn_grant grant;
    enum scn_client_auth client_auth;
    char *scope;          /* space-separated scopes, or NULL */
    struct scn_app *apps; /* the applications this generator uses */
    size_t n_apps;
    struct scn_app *apps_all; /* a shard's (scenario_shard): every application of the
                                 scenario, owning what apps' entries point to; else NULL */
    size_t n_apps_all;
    char *apps_file; /* `applications: FILE` as written, or NULL */
    enum scn_bind bind;
    double refresh_before_s;    /* > 0: refresh this long before expiry */
    double refresh_before_frac; /* else this share of the lifetime (default 0.2) */
    double token_timeout_ms;    /* one token request (default 10 s) */
    char *header;               /* header carrying the token (default Authorization) */
    char *prefix;               /* before the token (default "Bearer ") */
    /* private_key_jwt (RFC 7523) */
    enum scn_jws_alg assertion_alg; /* `assertion_alg:`; SCN_JWS_NONE: by each key's type */
    double assertion_lifetime_s;    /* exp - iat (default 60) */
    char *assertion_audience;       /* aud; NULL: token_url */
    bool refresh_grant;             /* `refresh_token:` (default true): renew with a token answer's
                                       refresh_token (grant_type=refresh_token) */
};

/* `metrics:` — live series to Prometheus during the run (docs/metrics.md).
 * --metrics-push and --metrics-listen override push and listen. */
struct scn_metrics {
    char *push;             /* remote-write URL (http or https), or NULL */
    char *listen;           /* scrape endpoint "ADDR:PORT", or NULL */
    char *bearer_token;     /* bearer_token (${ENV} expanded) or bearer_token_file's line,
                             * or NULL; secret: in no output, zeroed when freed */
    double timeout_s;       /* one push's limit (default 5 s) */
    int queue;              /* most unsent intervals (default 10) */
    double linger_s;        /* scrape endpoint after the run (default 10 s) */
    bool native_histograms; /* default true; false for receivers without them */
};

struct scenario {
    char *file;              /* path it was read from */
    struct feeder **feeders; /* `feeders:` in file order (order, exhausted, per set); the
                              * templates' feeder indexes point into this array */
    size_t n_feeders;        /* at most 64 */
    char *name;              /* default: the file name without folder and extension */
    char *description;       /* free text or NULL */
    struct scn_target *targets;
    size_t n_targets;
    char *node_header; /* response header naming the node, or NULL */
    struct scn_tls tls;
    int http_version;             /* 1 (HTTP/1.1) or 2 */
    struct scn_http2 http2;       /* `http2:` (with http_version 2) */
    struct scn_request *requests; /* the mix's requests, then every flow's steps */
    size_t n_requests;
    struct scn_flow *flows; /* `flows:` in file order */
    size_t n_flows;
    char **check_names; /* every check's name once (requests' and steps' checks count
                           by name), in order of first appearance */
    size_t n_check_names;
    enum scn_model model;
    bool poisson;          /* open model: exponential inter-arrival times */
    bool balance_random;   /* load.balance: random (else round_robin, the default):
                              how requests are spread over several targets */
    int max_inflight;      /* open model bound; default 10000 */
    double backoff_max_ms; /* closed model: > 0 = after a 429 a user waits its
                              Retry-After (1 s without one), at most this long */
    int workers;           /* threads; 0 in the file means one per core (resolved here) */
    bool workers_auto;     /* workers was 0/absent and resolved to the online CPUs */
    struct scn_phase *phases;
    size_t n_phases;
    /* The workloads: one implicit "default" (workloads_explicit false,
     * holding every phase and request, with the fields above) without
     * `workloads:`. With it, model, poisson, balance_random, max_inflight
     * and backoff_max_ms above are the first workload's (model: open
     * unless every workload is closed), and workers is the sum. */
    struct scn_workload *workloads;
    size_t n_workloads;
    bool workloads_explicit;
    double connect_timeout_ms;    /* default 5000 */
    double request_timeout_ms;    /* default 30000 */
    double interval_s;            /* default 1 */
    char *output_dir;             /* default "results" */
    double late_tolerance_pct;    /* generator-limited past this share of late arrivals (1) */
    double late_threshold_ms;     /* an arrival is late past this (10) */
    enum scn_transport transport; /* `generator.transport` (auto) */
    struct gate *gates;           /* `gates:` in file order (gate.h) */
    size_t n_gates;
    struct scn_step_stop *step_stops;
    size_t n_step_stops;
    struct scn_auth auth; /* type SCN_AUTH_NONE without `auth:` */
    char **overrides;     /* the --set overrides ("key=value") in the order given, each
                             without what may be a secret, as messages show them (a
                             credential-named key's value, a URL's user:password@, a
                             credential-named query value); owned */
    size_t n_overrides;
    char digest[48]; /* "sha256:" and the first 128 bits (hex) of the SHA-256 of the
                        file's bytes and the --set overrides as messages show them
                        (secrets masked): equal in every shard of one run */
    struct scn_metrics metrics;
    int shard_index; /* this generator's shard of a distributed run (scenario_shard); */
    int shard_count; /* 0 of 1 for a run on one machine */
};

/* Parses and validates path. overrides: n_overrides "key.path=value"
 * strings (--set) applied before validation, e.g. "load.workers=2" or
 * "load.phases.0.rate=500/s"; a value starting with '[' or '{' is read as
 * YAML flow ("requests.0.expect=[200,204]"); index N == length appends.
 * On error returns SCN_EINVAL/SCN_EIO/SCN_ENOMEM, writes
 * "file:line:col: field: what is wrong; what to do" into err (err_len
 * bytes; up to SCN_MAX_ERRORS such lines, in file order, separated by
 * '\n'; errors in an override start with "--set KEY=VALUE: ") and sets
 * *out to NULL. *out is owned by the caller (scenario_free). Reads the
 * environment for ${NAME}; files it names (bodies, certificates) are read
 * and checked to exist and parse. */
int scenario_load(const char *path, const char *const *overrides, size_t n_overrides,
                  struct scenario **out, char *err, size_t err_len);

/* Same as scenario_load for a scenario already in memory: yaml (len
 * bytes) stands for the file `path` (used in messages, for the default
 * name, and to resolve relative paths; it is not read). For tests and
 * fuzzing. */
int scenario_load_mem(const char *path, const char *yaml, size_t len, const char *const *overrides,
                      size_t n_overrides, struct scenario **out, char *err, size_t err_len);

/* Static description of an SCN_* code. */
const char *scenario_strerror(int err);

/* Frees s; NULL is fine. */
void scenario_free(struct scenario *s);

/* The scenario as JSON for results.json, with every secret value (headers
 * from ${ENV}, Authorization, cookies, API keys, secret paths, bodies and
 * URLs, the key password) replaced by "<redacted>"; file contents (bodies,
 * keys) are never included; "overrides" lists the --set overrides
 * (s->overrides, with any secret of the scenario they repeat masked too).
 * Layout in docs/scenario.md. Returns a new
 * reference (json_t *, jansson), or NULL on allocation failure. Declared as void * to keep jansson
 * out of this header. */
void *scenario_to_json(const struct scenario *s);

/* Makes s the shard `index` of `count` (0 <= index < count) of a
 * distributed run (docs/distributed.md): its generator sends the arrivals
 * j with j mod count = index of the one-machine schedule (run/sched.h),
 * runs the users u with u mod count = index (closed model), keeps
 * load.max_inflight's share, draws the feeder rows r with r mod count =
 * index, and uses the applications a with a mod count = index (two shards
 * never fetch or refresh one application's token). Call once, after load.
 * Returns 0, or SCN_EINVAL with a sentence in err when the scenario
 * cannot be split so (fewer rows, applications or in-flight slots than
 * shards need) and what to do, or SCN_ENOMEM. */
int scenario_shard(struct scenario *s, int index, int count, char *err, size_t err_len);

/* The share of `index` of `count` (count >= 1) when total is split so that
 * shares differ by at most one and add up to total: total/count, one more
 * for the first total%count. */
size_t scenario_share(size_t total, size_t index, size_t count);

/* Gives s's record sets (recorder_flow.h) their flow and check tables:
 * rec_set_flows with the scenario's flows' step counts. Returns 0, or -1
 * (no memory); 0 without doing anything when s has neither. */
struct rec_set;
int scn_rec_flows(const struct scenario *s, struct rec_set *set);

/* Planned duration of the run, seconds: of all phases, one after another
 * (the longest workload's, when there are several side by side). */
double scenario_duration_s(const struct scenario *s);

/* The workload of worker `worker` of s->workers (workloads own
 * consecutive workers, workload 0 first). A scenario built by hand
 * without workloads (n_workloads 0: tests, a merged run) has the implicit
 * one, written into *tmp (its name NULL) and returned. */
const struct scn_workload *scenario_workload_of_worker(const struct scenario *s, int worker,
                                                       struct scn_workload *tmp);

/* The workload of phase p, as above. */
const struct scn_workload *scenario_workload_of_phase(const struct scenario *s, size_t p,
                                                      struct scn_workload *tmp);

/* When phase p starts, seconds from the run's start (phases[p].start_s;
 * without workloads, the sum of the phases before it). */
double scenario_phase_start_s(const struct scenario *s, size_t p);
#endif
