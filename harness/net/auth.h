/*
 * auth.h — an OAuth2 token pool: one access token per application of the
 * scenario's `auth:` section, fetched from the token endpoint before the
 * run, refreshed ahead of expiry by a thread of its own (libcurl multi,
 * up to AUTH_CONCURRENCY token requests at once), and read by the workers
 * without locks.
 *
 * Tokens are published per application as generations, in a ring of
 * AUTH_RING versions with one writer (auth_ring.h): the refresh thread (or,
 * before auth_pool_start, the caller of auth_pool_fetch_all) fills the
 * next version and then advances the generation with a release store; a
 * worker loads the generation (acquire), copies that version and loads
 * the generation again, taking the copy again when the writer may have
 * begun rewriting that version meanwhile. Every byte of a version is
 * written and read with atomic operations and no version a reader may
 * still be reading is freed before auth_pool_free, so this is correct
 * under the C11 memory model for any timing (ThreadSanitizer runs its
 * concurrent test in `make tsan`). Refreshes come at least
 * AUTH_MIN_SPACING_MS apart to spare the token endpoint, not for safety.
 *
 * A worker that gets 401 for a token reports it with the generation it
 * sent (auth_token_rejected); the first report of a generation asks the
 * thread for one refresh, which never blocks the worker. Requests never
 * wait for a token: until the new one is published they carry the old.
 *
 * The thread also records the token endpoint as its own series (latency,
 * outcomes, why each token was fetched); it owns those statistics while
 * it runs, and the engine reads them after auth_pool_stop.
 *
 * Every message the pool makes (last_error, auth_pool_fetch_all's err)
 * passes redact_text with the scenario's secrets: a token endpoint may
 * echo the request, password, client secret and Basic credentials
 * included. Of an OAuth2 error answer only `error` and
 * `error_description` are kept, never the rest of its body.
 */
#ifndef GATECAP_AUTH_H
#define GATECAP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "measure/recorder.h"

struct scenario;
struct hdr_hist;
struct auth_pool;
struct redact;
struct jose_key;

#define AUTH_CONCURRENCY 16
#define AUTH_MIN_SPACING_MS 250
#define AUTH_ERROR_LEN 200
/* A token endpoint's answer larger than this is refused (and not read on). */
#define AUTH_ANSWER_MAX_BYTES 65536
/* A token lifetime (expires_in) longer than this many seconds, 10 years,
 * means "does not expire": such a token is refreshed only after a 401.
 * WSO2 answers expires_in 9223372036854775 (2^63 / 1000) for tokens that
 * never expire; no load test runs for 10 years, and lifetimes up to this
 * one keep every refresh time (in ns) far inside an int64_t. */
#define AUTH_LIFETIME_NEVER_S (10 * 365.25 * 86400)
/* Longer lifetimes are kept (and reported) as this one. */
#define AUTH_LIFETIME_MAX_S 1e308

/* Why a token was requested. */
enum auth_reason {
    AUTH_INITIAL,   /* before the run */
    AUTH_AHEAD,     /* refresh ahead of expiry */
    AUTH_AFTER_401, /* the gateway rejected the current token */
    AUTH_RETRY,     /* an earlier request for it failed */
    AUTH_REASONS
};

struct auth_app_stats {
    int64_t fetched; /* tokens obtained */
    int64_t failed;  /* token requests that got no token */
    int64_t refreshed_after_401;
    double lifetime_s;               /* expires_in of the last token, at most AUTH_LIFETIME_MAX_S
                                      * (0: none; above AUTH_LIFETIME_NEVER_S: does not expire) */
    char last_error[AUTH_ERROR_LEN]; /* "" when its last request succeeded; redacted
                                      * (redact.h), one line */
};

/* Which grant a token request used. */
enum auth_grant {
    AUTH_GRANT_PRIMARY,         /* the scenario's grant (client_credentials, password) */
    AUTH_GRANT_REFRESH,         /* grant_type=refresh_token */
    AUTH_GRANT_REFRESH_REFUSED, /* of those, refused with invalid_grant: fell back */
    AUTH_GRANTS
};

/* The token endpoint's series. */
struct auth_stats {
    int64_t requests;           /* token requests finished */
    int64_t outcomes[OC_COUNT]; /* by class, as API requests */
    int64_t by_reason[AUTH_REASONS];
    int64_t by_grant[AUTH_GRANTS];
    int64_t failed;           /* requests that got no token */
    struct hdr_hist *latency; /* µs, every request that got an answer */
    size_t n_apps;
    struct auth_app_stats *apps; /* [n_apps] */
};

/* What auth_token_rejected did. */
enum auth_rejection {
    AUTH_REJ_ASKED,   /* first 401 for this token: a refresh was asked for */
    AUTH_REJ_PENDING, /* a refresh for this token was already asked for */
    AUTH_REJ_FRESH,   /* the token was itself fetched after a 401, under 5 s
                         ago: the gateway rejects this application */
};

/* Creates a pool for scn's auth section (borrowed; must outlive the pool).
 * Nothing is sent yet. seed: jitter of refresh times. Returns 0, or -1
 * with the reason in err. *out owned (auth_pool_free). */
int auth_pool_new(const struct scenario *scn, uint64_t seed, struct auth_pool **out, char *err,
                  size_t err_len);

/* auth_pool_fetch_all's result when stop() asked it to give up. */
#define AUTH_STOPPED 1

/* What auth_pool_fetch_all asks its caller, on the caller's thread, with
 * ctx: whether to give up (stop: a stop request; asked at least every
 * 100 ms; NULL: never), and, for the first application that got no token
 * because its request failed verifying the token endpoint's certificate,
 * what to advise (unverified: true with the advice in advice, e.g. which
 * name the certificate carries and what to set; false, or NULL, keeps the
 * general advice; may block). The pool itself never looks at what a
 * certificate names. */
struct auth_hooks {
    bool (*stop)(void *ctx);
    bool (*unverified)(void *ctx, size_t app, char *advice, size_t advice_len);
    void *ctx;
};

/* Fetches every application's first token (AUTH_CONCURRENCY at a time),
 * blocking; hooks may be NULL (neither asked). Returns 0,
 * AUTH_STOPPED, or -1 when any application got none, with the
 * application, the endpoint, the cause and the advice in err (never a
 * secret). */
int auth_pool_fetch_all(struct auth_pool *p, const struct auth_hooks *hooks, char *err,
                        size_t err_len);

/* Starts the refresh thread. Returns 0 or -1. */
int auth_pool_start(struct auth_pool *p);

/* Stops and joins the refresh thread (abandoning token requests in
 * flight); then auth_pool_stats may be read. Idempotent. */
void auth_pool_stop(struct auth_pool *p);

/* The token endpoint's totals so far, at any time and from any thread
 * (a short lock the refresh thread also takes when it finishes a
 * request): token requests by reason, those that got no token, and their
 * latency added into `latency` (the caller's, reset first; µs, the
 * default settings of hdr_init_default). Returns 0, or -1 when a value
 * did not fit. Live metrics read them every interval. */
int auth_pool_totals(struct auth_pool *p, int64_t by_reason[AUTH_REASONS], int64_t *failed,
                     struct hdr_hist *latency);

/* The statistics (borrowed from p; read them only after auth_pool_stop
 * or before auth_pool_start). */
const struct auth_stats *auth_pool_stats(const struct auth_pool *p);

/* Copies application app's current token into buf (cap bytes; a NUL is
 * added when it fits) and returns its length: 0 when the application has
 * no token, and a length >= cap when buf is too small (grow it and call
 * again). *gen receives the token's generation (0 with no token).
 * Thread-safe, lock-free; no allocation. */
size_t auth_token_copy(const struct auth_pool *p, size_t app, char *buf, size_t cap, uint32_t *gen);

/* Reports that the gateway answered 401 to a request that carried
 * application app's token of generation gen. Thread-safe. */
enum auth_rejection auth_token_rejected(struct auth_pool *p, size_t app, uint32_t gen);

/* Application app's signing key (its signing_key, parsed once when the
 * pool was made; borrowed from p, read-only, shareable by threads), or
 * NULL when it has none. */
const struct jose_key *auth_signing_key(const struct auth_pool *p, size_t app);

/* Number of applications. */
size_t auth_pool_apps(const struct auth_pool *p);

/* Adds every token p still holds (up to AUTH_RING per application,
 * auth_ring.h) to r (redact.h), so that messages made after the run mask
 * them. Call only after auth_pool_stop (or before auth_pool_start); p may
 * be NULL. Returns 0 or -1 (out of memory). */
int auth_pool_add_tokens(const struct auth_pool *p, struct redact *r);

/* Stops the thread if running and frees; NULL is fine. */
void auth_pool_free(struct auth_pool *p);

#endif
