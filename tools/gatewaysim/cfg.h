/*
 * cfg.h — the gateway simulator's configuration: defaults, command-line
 * parsing, runtime changes from the control endpoint (same names with
 * '_' for '-', e.g. POST /_sim/config?error_rate=0.1), and its JSON form.
 *
 * One table describes every option, so the command line, the control
 * endpoint, --help and GET /_sim/config never disagree. The OAuth side
 * (clients, users, per-application quotas) is parsed in cfg_apps.c.
 */
#ifndef GATEWAYSIM_CFG_H
#define GATEWAYSIM_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"

#define GSCFG_MAX_CLIENTS 64
#define GSCFG_MAX_USERS 64
#define GSCFG_MAX_APPS 64 /* per-application quotas */
#define GSCFG_ID_BYTES 128
#define GSCFG_STR 256
#define GSCFG_MAX_ROUTES 32 /* API routes, the built-in echo API included */
#define GSCFG_ROUTE_PATH 256

enum gscfg_dist { GSCFG_DIST_FIXED, GSCFG_DIST_EXP, GSCFG_DIST_LOGNORMAL, GSCFG_DIST_UNIFORM };
enum gscfg_refuse { GSCFG_REFUSE_OFF, GSCFG_REFUSE_RST, GSCFG_REFUSE_CLOSE };
enum gscfg_window { GSCFG_WINDOW_FIXED, GSCFG_WINDOW_SLIDING };
enum gscfg_spacing { GSCFG_SPACING_RANDOM, GSCFG_SPACING_EVEN };
enum gscfg_journey { GSCFG_JOURNEY_OFF, GSCFG_JOURNEY_OPEN_BANKING };

struct gscfg_client {
    char id[GSCFG_ID_BYTES];
    char secret[GSCFG_ID_BYTES];
    uint32_t hash; /* gscfg_client_hash(id) */
};

/* A client's registered public key (--client-key): PEM bytes read at
 * start, for private_key_jwt assertions and JWS request signatures. */
#define GSCFG_MAX_CLIENT_KEYS 16
#define GSCFG_KEY_PEM_BYTES 4096
struct gscfg_client_key {
    char id[GSCFG_ID_BYTES];
    char pem[GSCFG_KEY_PEM_BYTES]; /* NUL-terminated */
};

struct gscfg_user {
    char name[GSCFG_ID_BYTES];
    char password[GSCFG_ID_BYTES];
};

/* A per-application quota: requests/s per node for the tokens of one
 * client. Entries are only added or changed, never removed (rate 0 = no
 * quota), so their indexes stay valid for the server's limiters. */
struct gscfg_app {
    char id[GSCFG_ID_BYTES];
    uint32_t hash; /* gscfg_client_hash(id) */
    double rate;   /* requests/s; 0: none */
    bool denied;   /* its tokens get 401 900901 (keys revoked, no subscription) */
};

/* An API route: requests to path, or below it (path + "/..."), with one of
 * methods are API traffic (service time, faults, auth, throttling) and are
 * answered like the echo API, with status. routes[0] is the echo API
 * (/echo/1.0.0, every method, 200) unless --route changed it. */
struct gscfg_route {
    unsigned methods;            /* bits 1u << enum gshttp_method; GET brings HEAD */
    char path[GSCFG_ROUTE_PATH]; /* starts with '/', no trailing '/' (but "/" itself) */
    size_t path_len;
    int status; /* 200..299 but 204 and 205 */
};

struct gscfg {
    /* fixed at start */
    char name[128];
    char listen_addr[64];
    int http_port;  /* 0: no HTTP listener */
    int https_port; /* 0: no HTTPS listener; needs cert_file and key_file */
    bool https_port_set;
    char cert_file[GSCFG_STR];
    char key_file[GSCFG_STR];
    char client_ca_file[GSCFG_STR];
    bool client_cert_optional; /* with client_ca_file: verified when given, not required */
    bool verify_client_set;
    char pid_file[GSCFG_STR];
    uint64_t seed;
    bool seed_set;
    int max_conns;
    double idle_timeout_s;
    size_t max_body_bytes;
    bool quiet;
    struct gscfg_client clients[GSCFG_MAX_CLIENTS];
    int n_clients; /* 0: any client is accepted */
    struct gscfg_user users[GSCFG_MAX_USERS];
    int n_users; /* 0: any username/password is accepted */
    /* key of the journey ids' MACs; the same on every node of a cluster.
     * A secret: never shown (GET /_sim/config says only whether it was set) */
    char journey_secret[GSCFG_ID_BYTES];
    bool journey_secret_set;
    struct gscfg_client_key client_keys[GSCFG_MAX_CLIENT_KEYS];
    int n_client_keys;

    /* changeable at run time (control endpoint) */
    int workers; /* 0: unlimited */
    enum gscfg_dist dist;
    double service_mean_s;
    double service_spread_s;
    double usl_alpha;
    double usl_beta;
    double stall_s; /* 0: no periodic stall */
    double stall_every_s;
    double error_rate; /* 0..1 */
    int error_status;  /* 500..599 */
    double reset_rate; /* 0..1 */
    double slow_s;     /* extra response delay */
    double slow_rate;  /* fraction of responses delayed */
    enum gscfg_refuse refuse;
    double refuse_for_s; /* refuse reverts to off after this; 0: until changed */
    enum gscfg_spacing fault_spacing;
    size_t body_bytes;
    bool auth;
    double token_ttl_s;
    double throttle_rate;      /* requests per unit per node; 0: off */
    double throttle_per_token; /* requests per unit per token; 0: off */
    double throttle_unit_s;    /* the throttling window; limits count per unit */
    enum gscfg_window throttle_window;
    struct gscfg_app apps[GSCFG_MAX_APPS];
    int n_apps;
    struct gscfg_route routes[GSCFG_MAX_ROUTES]; /* only added or changed, never removed */
    int n_routes;
    /* the Open Banking payment journey (journey.h) */
    enum gscfg_journey journey;
    double journey_settle_s; /* a payment settles this long after it was made */
    double journey_refuse;   /* fraction of consents answered Status Rejected */
    bool retry_after;        /* 429 answers carry Retry-After */
    double token_delay_s;    /* token endpoint answers after this */
    double token_error_rate; /* fraction of token requests answered 503 */
    /* hostile token endpoint (tests of what a client does with odd answers) */
    char token_expires_in[64]; /* expires_in written verbatim in token answers; "": the lifetime */
    bool token_echo;           /* answers repeat the whole request (head and body) */
    size_t token_pad_bytes;    /* token answers carry a "pad" member this long */
    bool refresh_tokens;       /* token answers carry a refresh_token (grant_type=refresh_token) */
    char verify_jws[64];       /* header of detached JWS request signatures to verify; "": off */
    char token_audience[GSCFG_STR]; /* the aud client assertions must carry; "": any URL
                                       ending in /oauth2/token */
    /* HTTP/2 (h2.h) */
    int h2_max_streams;    /* SETTINGS_MAX_CONCURRENT_STREAMS of new connections */
    double h2_refuse_rate; /* fraction of streams answered RST_STREAM REFUSED_STREAM */
    int h2_goaway_after;   /* GOAWAY after this many streams on a connection; 0: never */
};

/* Fills in every default. */
void gscfg_defaults(struct gscfg *c);

/* Parses argv[1..argc) into c (on top of the defaults already there).
 * Returns 0, 1 when --help was given (print gscfg_usage and exit 0), or
 * -EINVAL with a message in err naming the option and what to do. Reads
 * --clients-file while parsing (start-up only). */
int gscfg_parse_argv(struct gscfg *c, int argc, char **argv, char *err, size_t errlen);

/* Checks combinations after parsing (e.g. --client-ca without --cert).
 * Returns 0 or -EINVAL with a message in err. */
int gscfg_check(const struct gscfg *c, char *err, size_t errlen);

/* Sets one run-time option by its key (e.g. "error_rate" or
 * "error-rate"), as the control endpoint does. Returns 0, -ENOENT for an
 * unknown key, -EPERM for a start-up-only option, or -EINVAL; err says
 * which and why. */
int gscfg_set_runtime(struct gscfg *c, const char *key, const char *val, char *err, size_t errlen);

/* Appends the configuration as a JSON object. Returns 0 or -ENOMEM. */
int gscfg_to_json(const struct gscfg *c, struct gsbuf *out);

/* Appends the --help text. Returns 0 or -ENOMEM. */
int gscfg_usage(struct gsbuf *out);

/* Parses a duration "50ms", "1.5s", "200us", "2m"; a bare number is in
 * default_unit_s seconds (e.g. 1e-3 for milliseconds). Returns 0 or
 * -EINVAL. */
int gscfg_parse_duration(const char *s, double default_unit_s, double *out_s);

/* ---- clients, users and application quotas (cfg_apps.c) ---- */

/* --client-key ID=FILE: registers client ID's public key (PEM, read now).
 * Returns 0 or -EINVAL with err. */
int gscfg_add_client_key(struct gscfg *c, const char *v, char *err, size_t errlen);

/* 32-bit FNV-1a hash of a client id: what tokens carry (token.h). */
uint32_t gscfg_client_hash(const char *id, size_t len);

/* Adds a client from "ID:SECRET" or "ID:SECRET:R" (R: its quota in
 * requests/s, see gscfg_set_app_quota; a secret that itself ends in
 * ":NUMBER" needs a trailing ":0"). Returns 0 or -EINVAL with a message. */
int gscfg_add_client(struct gscfg *c, const char *v, char *err, size_t errlen);

/* Adds the clients of a file of client lines ('#' comments, blank lines).
 * Returns 0 or -EINVAL with a message naming the file and line. */
int gscfg_read_clients_file(struct gscfg *c, const char *path, char *err, size_t errlen);

/* Adds a password-grant user from "USER:PASSWORD". Returns 0 or -EINVAL. */
int gscfg_add_user(struct gscfg *c, const char *v, char *err, size_t errlen);

/* Sets the quota of a client from "ID:R" (R requests/s per node, 0 = no
 * quota), adding an entry for a new ID. Returns 0 or -EINVAL. */
int gscfg_set_app_quota(struct gscfg *c, const char *v, char *err, size_t errlen);

/* Denies client ID ("ID") or lets it in again ("ID:off"): API requests
 * with its otherwise valid tokens get 401 900901, as a gateway answers an
 * application whose keys were revoked. Returns 0 or -EINVAL. */
int gscfg_set_deny(struct gscfg *c, const char *v, char *err, size_t errlen);

/* May the client id authenticate with secret? (Any may when no clients
 * are configured.) */
bool gscfg_client_ok(const struct gscfg *c, const char *id, const char *secret);

/* Is id a configured client, or are all accepted? For authentication by
 * other means than the secret (mutual TLS). */
bool gscfg_client_known(const struct gscfg *c, const char *id);

/* May user log in with password (password grant)? Any may when no users
 * are configured. */
bool gscfg_user_ok(const struct gscfg *c, const char *user, const char *password);

/* Index in c->apps of the quota for the client with this hash, or -1. */
int gscfg_app_index(const struct gscfg *c, uint32_t hash);

/* The id of a configured client or quota with this hash, or NULL. Borrows
 * c's storage. */
const char *gscfg_client_name(const struct gscfg *c, uint32_t hash);

/* Appends the quotas as a JSON object {"ID":R,...}. Returns 0 or -ENOMEM. */
int gscfg_apps_json(const struct gscfg *c, struct gsbuf *out);

/* ---- API routes (cfg_routes.c) ---- */

/* Every method an API route may answer: GET, HEAD, POST, PUT, DELETE, PATCH. */
#define GSCFG_METHODS_ALL                                                                          \
    ((1u << GSHTTP_GET) | (1u << GSHTTP_HEAD) | (1u << GSHTTP_POST) | (1u << GSHTTP_PUT) |         \
     (1u << GSHTTP_DELETE) | (1u << GSHTTP_PATCH))

/* Adds the route of "[METHOD ]PATH[=STATUS]" (METHOD: GET, HEAD, POST, PUT,
 * DELETE, PATCH or *, default *; STATUS default 200), or sets the status of
 * the route with the same method and path. Returns 0 or -EINVAL with a
 * message in err saying what to write. */
int gscfg_add_route(struct gscfg *c, const char *v, char *err, size_t errlen);

/* The route of a request to path[0, len) with method m: of the routes
 * whose path is path or a prefix of it ending before a '/', the longest
 * one that takes m. Returns its index in c->routes, or -1 (none). With
 * allowed non-NULL, *allowed gets the methods of every route whose path
 * matches (0: the path is unknown; else m is not among them: 405). */
int gscfg_route_find(const struct gscfg *c, enum gshttp_method m, const char *path, size_t len,
                     unsigned *allowed);

/* Writes the methods of mask as "GET, HEAD, ..." (an Allow header's
 * value) into out (GSCFG_METHODS_STR bytes are always enough). */
#define GSCFG_METHODS_STR 48
void gscfg_methods_str(unsigned mask, char *out, size_t size);

/* Appends the routes as a JSON array of {"methods","path","status"}.
 * Returns 0 or -ENOMEM. */
int gscfg_routes_json(const struct gscfg *c, struct gsbuf *out);

/* Parses a service time spec "MEAN", "fixed:MEAN", "exp:MEAN",
 * "lognormal:MEAN:SPREAD" or "uniform:MEAN:SPREAD" into c. Returns 0 or
 * -EINVAL with a message in err. */
int gscfg_parse_service_time(struct gscfg *c, const char *s, char *err, size_t errlen);

#endif
