/*
 * auth.c — OAuth2 token pool; see auth.h.
 *
 * The refresh thread is a loop around one libcurl multi handle: start the
 * token requests that are due (or asked for after a 401), let libcurl
 * work, collect what finished, and wait in curl_multi_poll until the next
 * refresh is due or curl_multi_wakeup (a worker's 401, or stop) wakes it.
 * The same steps fetch the first tokens before the run, on the caller's
 * thread.
 */
#include "net/auth.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/encode.h"
#include "base/rng.h"
#include "measure/hdr.h"
#include "net/auth_answer.h"
#include "net/auth_ring.h"
#include "net/jose.h"
#include "net/xfer.h"
#include "net/xfer_easy.h"
#include "net/xfer_tls.h"
#include "scenario/redact.h"
#include "scenario/scenario.h"

#define RETRY_MAX_S 30.0
/* 401 refreshes of a token that was itself fetched after a 401 wait this
 * long: the gateway rejects the application, not the token. */
#define REJECTED_SPACING_S 5.0

struct app_state {
    struct auth_ring ring;         /* its published tokens (auth_ring.h) */
    _Atomic uint32_t rejected_gen; /* generation a worker got 401 for */
    _Atomic uint32_t fresh401_gen; /* generation fetched because of a 401 */
    _Atomic int64_t published_ns;  /* when the current generation was published */
    /* the refresh thread's own */
    char *form;                 /* request body (holds secrets); with private_key_jwt
                                   all but the assertion, added per request */
    struct jose_key *key;       /* the application's signing key, or NULL */
    size_t client_at;           /* where the client's fields start in form */
    char *refresh;              /* the last refresh_token answered (secret), or NULL */
    struct curl_slist *headers; /* Basic credentials, Accept */
    int64_t due_ns;             /* next refresh; INT64_MAX: none */
    uint32_t handled_gen;       /* last generation refreshed after a 401 */
    int failures;               /* in a row */
    bool inflight;
    bool initial_done; /* first fetch finished (token or not) */
    bool unverified;   /* its last request failed verifying the certificate */
};

struct fetch {
    CURL *easy;
    size_t app;
    enum auth_reason reason;
    bool busy;
    size_t body_len;
    char body[AUTH_ANSWER_MAX_BYTES + 1];
    char errbuf[CURL_ERROR_SIZE];
    struct xfer_tls_hook hook; /* the pool's CA store (xfer_easy.h) */
    bool refresh;              /* this request uses grant_type=refresh_token */
    size_t assertion_at;       /* where the assertion starts in form; 0: none */
    size_t assertion_len;
    char form[16384]; /* this request's body when not the application's form: a
                         refresh_token grant, or a fresh assertion in it */
};

struct auth_pool {
    const struct scenario *scn;
    const struct scn_auth *au;
    struct app_state *apps;
    size_t n_apps;
    CURLM *multi;
    struct fetch fetches[AUTH_CONCURRENCY];
    size_t busy;
    size_t next_app; /* round-robin start of the due scan */
    uint64_t rng;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    struct auth_stats stats;
    pthread_mutex_t stats_mu;      /* the token endpoint's totals (auth_pool_totals), written by
                                      one thread at a time, read by any while they run */
    char *url;                     /* the token URL requested: token_url, with
                                      server_name as its host when given */
    struct curl_slist *connect_to; /* server_name: to token_host's address, or NULL */
    X509_STORE *store;             /* the CAs, from the scenario's bytes (xfer_tls.h) */
    struct jose_signer *signer;    /* private_key_jwt: the refresh thread's (or, before it
                                      starts, the caller's) */
    const char *aud;               /* the assertions' audience */
    /* Messages are made whole in msg (an error_description may be as long
     * as an answer), then redacted into their place: the token endpoint
     * may echo the request, secrets and all. Used by one thread at a time
     * (the caller's before auth_pool_start, the refresh thread's after). */
    struct redact *redact;
    char why[AUTH_ANSWER_MAX_BYTES + 256];
    char msg[AUTH_ANSWER_MAX_BYTES + 512];
};

/* ---- request preparation (once per application) ---- */

static int put_field(char *buf, size_t cap, size_t *len, const char *name, const char *value)
{
    int n = snprintf(buf + *len, cap - *len, "%s%s=", *len ? "&" : "", name);
    if (n < 0 || (size_t)n >= cap - *len)
        return -1;
    *len += (size_t)n;
    long m = enc_form(value, buf + *len, cap - *len);
    if (m < 0)
        return -1;
    *len += (size_t)m;
    return 0;
}

static int prepare_app(struct auth_pool *p, struct app_state *st, const struct scn_app *a)
{
    const struct scn_auth *au = p->au;
    char form[8192];
    size_t len = 0;
    bool pw = au->grant == SCN_GRANT_PASSWORD;
    if (put_field(form, sizeof form, &len, "grant_type", pw ? "password" : "client_credentials"))
        return -1;
    if (pw && (put_field(form, sizeof form, &len, "username", a->username) ||
               put_field(form, sizeof form, &len, "password", a->password)))
        return -1;
    if (au->scope && put_field(form, sizeof form, &len, "scope", au->scope))
        return -1;
    st->client_at = len;
    if (au->client_auth != SCN_CLIENT_AUTH_BASIC &&
        put_field(form, sizeof form, &len, "client_id", a->client_id))
        return -1;
    if (au->client_auth == SCN_CLIENT_AUTH_BODY &&
        put_field(form, sizeof form, &len, "client_secret", a->client_secret))
        return -1;
    if (au->client_auth == SCN_CLIENT_AUTH_PRIVATE_KEY_JWT &&
        put_field(form, sizeof form, &len, "client_assertion_type",
                  "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
        return -1;
    if (!(st->form = strdup(form)))
        return -1;
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    if (!h)
        return -1;
    st->headers = h;
    if (au->client_auth == SCN_CLIENT_AUTH_BASIC) {
        /* RFC 6749 2.3.1: id and secret are form-encoded, then Basic. */
        char cred[4096], b64[5600], line[5700];
        size_t cl = 0;
        long n = enc_form(a->client_id, cred, sizeof cred - 1);
        if (n < 0)
            return -1;
        cl = (size_t)n;
        cred[cl++] = ':';
        n = enc_form(a->client_secret ? a->client_secret : "", cred + cl, sizeof cred - cl);
        if (n < 0)
            return -1;
        cl += (size_t)n;
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)cred, (int)cl);
        snprintf(line, sizeof line, "Authorization: Basic %s", b64);
        OPENSSL_cleanse(cred, sizeof cred);
        h = curl_slist_append(st->headers, line);
        OPENSSL_cleanse(line, sizeof line);
        if (!h)
            return -1;
    }
    return 0;
}

/* CURLOPT_WRITEFUNCTION: keep the answer; past AUTH_ANSWER_MAX_BYTES keep
 * one byte more (so auth_parse_token knows it is too large) and stop
 * reading: a hostile or misdirected endpoint may send megabytes. */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct fetch *f = userp;
    size_t n = size * nmemb, room = sizeof f->body - f->body_len;
    memcpy(f->body + f->body_len, ptr, n < room ? n : room);
    f->body_len += n < room ? n : room;
    return f->body_len > AUTH_ANSWER_MAX_BYTES ? 0 : n;
}

/* f->form for this request: the application's form, or with a refresh
 * token the refresh_token grant (RFC 6749 6) and the same client fields;
 * then, with private_key_jwt, a fresh client assertion (RFC 7523: iss =
 * sub = client_id, aud, a random 128-bit jti, iat now, exp after
 * assertion_lifetime), signed here on the pool's own thread. Returns 0,
 * or -1 (it did not fit, or signing failed: counted as a failed request
 * with the reason in the application's last_error). */
static int build_form(struct auth_pool *p, struct fetch *f, size_t app)
{
    const struct scn_app *a = &p->au->apps[app];
    struct app_state *st = &p->apps[app];
    size_t len = 0, cap = sizeof f->form;
    long n = 0;
    bool ok = true;
    if (f->refresh) {
        static const char head[] = "grant_type=refresh_token&refresh_token=";
        memcpy(f->form, head, sizeof head - 1);
        len = sizeof head - 1;
        n = enc_form(st->refresh, f->form + len, cap - len);
        ok = n >= 0;
        len += ok ? (size_t)n : 0;
        const char *client = st->form + st->client_at;
        size_t cl = strlen(client);
        if (ok && cl && len + cl + 2 < cap) {
            f->form[len++] = '&';
            memcpy(f->form + len, client + (*client == '&'), cl - (*client == '&'));
            len += cl - (*client == '&');
        } else if (ok && cl)
            ok = false;
        f->form[ok ? len : 0] = '\0';
    } else {
        len = strlen(st->form);
        memcpy(f->form, st->form, len + 1);
    }
    if (ok && st->key && p->au->client_auth == SCN_CLIENT_AUTH_PRIVATE_KEY_JWT) {
        struct jose_assertion c = {
            .client_id = a->client_id,
            .aud = p->aud,
            .iat_s = (int64_t)time(NULL),
            .lifetime_s = (int64_t)p->au->assertion_lifetime_s,
        };
        static const char name[] = "&client_assertion=";
        n = -1;
        if (RAND_bytes(c.jti, sizeof c.jti) == 1 && len + sizeof name < cap) {
            memcpy(f->form + len, name, sizeof name - 1);
            len += sizeof name - 1;
            /* base64url and dots: nothing to form-encode */
            n = jose_assertion(p->signer, st->key, &c, f->form + len, cap - len);
        }
        ok = n >= 0;
        if (ok) {
            f->assertion_at = len;
            f->assertion_len = (size_t)n;
        }
    }
    if (!ok) {
        OPENSSL_cleanse(f->form, sizeof f->form);
        f->assertion_at = f->assertion_len = 0;
        snprintf(p->stats.apps[app].last_error, sizeof p->stats.apps[app].last_error,
                 "could not make the token request for %s (%s)", a->name,
                 f->refresh ? "the refresh token is too long"
                            : "signing the client assertion failed");
        if (f->refresh) { /* forget it: the primary grant next */
            OPENSSL_cleanse(st->refresh, strlen(st->refresh));
            free(st->refresh);
            st->refresh = NULL;
        }
        st->initial_done = true;
        st->failures++;
        st->due_ns = clock_now_ns() + (int64_t)1e9 * (st->failures < 30 ? st->failures : 30);
        pthread_mutex_lock(&p->stats_mu);
        p->stats.failed++;
        pthread_mutex_unlock(&p->stats_mu);
        p->stats.apps[app].failed++;
        return -1;
    }
    return 0;
}

/* Masks secret[0, len) wherever msg repeats it (an endpoint may echo the
 * request). */
static void mask_in(char *msg, const char *secret, size_t len, const char *mask)
{
    char *at;
    size_t ml = strlen(mask);
    while (len && ml <= len && (at = memmem(msg, strlen(msg), secret, len))) {
        size_t rest = strlen(at + len);
        memmove(at + ml, at + len, rest + 1);
        memcpy(at, mask, ml);
    }
}

/* Masks f's assertion and refresh token wherever msg repeats them: they
 * are credentials. */
static void mask_secrets(const struct fetch *f, const struct app_state *st, char *msg)
{
    if (f->assertion_len)
        mask_in(msg, f->form + f->assertion_at, f->assertion_len, "[client assertion]");
    if (st->refresh)
        mask_in(msg, st->refresh, strlen(st->refresh), "[refresh token]");
}

static void start_fetch(struct auth_pool *p, size_t app, enum auth_reason reason)
{
    struct fetch *f = NULL;
    for (size_t i = 0; i < AUTH_CONCURRENCY && !f; i++)
        if (!p->fetches[i].busy)
            f = &p->fetches[i];
    if (!f)
        return;
    const struct scenario *scn = p->scn;
    const struct scn_app *a = &p->au->apps[app];
    struct app_state *st = &p->apps[app];
    CURL *e = f->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, p->url);
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, p->connect_to);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    const char *body = st->form;
    f->assertion_at = f->assertion_len = 0;
    /* a refresh token for renewals; the primary grant at first and after
     * a failure */
    f->refresh = st->refresh && (reason == AUTH_AHEAD || reason == AUTH_AFTER_401);
    if (f->refresh || (st->key && p->au->client_auth == SCN_CLIENT_AUTH_PRIVATE_KEY_JWT)) {
        if (build_form(p, f, app))
            return;
        body = f->form;
    }
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, st->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, f);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)p->au->token_timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)scn->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, scn->tls.insecure ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, scn->tls.insecure ? 0L : 2L);
    /* no file read: the CAs from the pool's store, the application's
     * certificate (else the scenario's) from the bytes read at load */
    f->hook.store = p->store;
    xfer_easy_tls_hook(e, &f->hook);
    if (a->cert.data)
        xfer_easy_cert(e, &a->cert, &a->key, NULL);
    else
        xfer_easy_cert(e, &scn->tls.cert, &scn->tls.key, scn->tls.key_password);
    f->app = app;
    f->reason = reason;
    f->body_len = 0;
    f->errbuf[0] = '\0';
    if (curl_multi_add_handle(p->multi, e) != CURLM_OK)
        return;
    f->busy = true;
    st->inflight = true;
    p->busy++;
}

/* Publishes token (borrowed) for st as the next generation, at now_ns.
 * What a worker that copies it may look at next (whether it came after a
 * 401, when) is stored before it, so the copy's acquire makes it visible.
 * Returns 0, or -1 when memory ran out (nothing published). */
static int publish(struct app_state *st, const char *token, bool after_401, int64_t now_ns)
{
    uint32_t g;
    size_t len = strlen(token);
    if (auth_ring_reserve(&st->ring, len, &g))
        return -1;
    if (after_401)
        atomic_store_explicit(&st->fresh401_gen, g, memory_order_relaxed);
    atomic_store_explicit(&st->published_ns, now_ns, memory_order_relaxed);
    auth_ring_publish(&st->ring, token, len);
    return 0;
}

/* Frees a token the ring has copied (or will never hold), its bytes
 * cleared first: it is a credential. */
static void forget_token(char **token)
{
    OPENSSL_cleanse(*token, strlen(*token));
    free(*token);
    *token = NULL;
}

static void finish_fetch(struct auth_pool *p, struct fetch *f, CURLcode rc)
{
    struct app_state *st = &p->apps[f->app];
    struct auth_app_stats *as = &p->stats.apps[f->app];
    long status = 0, os_errno = 0;
    curl_off_t total_us = 0;
    curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(f->easy, CURLINFO_OS_ERRNO, &os_errno);
    curl_easy_getinfo(f->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    int64_t now = clock_now_ns();
    if (f->body_len > AUTH_ANSWER_MAX_BYTES)
        rc = CURLE_OK; /* on_body stopped reading an answer too large */
    pthread_mutex_lock(&p->stats_mu);
    p->stats.requests++;
    p->stats.by_reason[f->reason]++;
    p->stats.by_grant[f->refresh ? AUTH_GRANT_REFRESH : AUTH_GRANT_PRIMARY]++;
    p->stats.outcomes[xfer_classify(rc, os_errno, rc == CURLE_OK ? (int)status : 0)]++;
    if (rc == CURLE_OK)
        hdr_record(p->stats.latency, total_us);
    pthread_mutex_unlock(&p->stats_mu);
    char *token = NULL;
    double life = 0;
    p->why[0] = '\0';
    if (rc != CURLE_OK) {
        snprintf(p->msg, sizeof p->msg, "%s (%s)",
                 f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc),
                 rec_outcome_name(xfer_classify(rc, os_errno, 0)));
        mask_secrets(f, st, p->msg);
        redact_text(p->redact, p->msg, as->last_error, sizeof as->last_error, REDACT_ONE_LINE);
    } else if (auth_parse_token(f->body, f->body_len, &token, &life, p->why, sizeof p->why) ||
               status != 200) {
        snprintf(p->msg, sizeof p->msg, "HTTP %ld: %s", status,
                 token ? "a token with an unexpected status" : p->why);
        mask_secrets(f, st, p->msg);
        redact_text(p->redact, p->msg, as->last_error, sizeof as->last_error, REDACT_ONE_LINE);
        free(token);
        token = NULL;
    } else if (publish(st, token, f->reason == AUTH_AFTER_401, now)) {
        snprintf(as->last_error, sizeof as->last_error, "out of memory keeping the token");
        forget_token(&token);
    }
    st->inflight = false;
    st->initial_done = true;
    st->unverified = rc == CURLE_PEER_FAILED_VERIFICATION;
    if (f->assertion_len || f->refresh) {
        OPENSSL_cleanse(f->form, sizeof f->form);
        f->assertion_at = f->assertion_len = 0;
    }
    if (!token && f->refresh && rc == CURLE_OK && status == 400 &&
        !strncmp(p->why, "invalid_grant", 13)) {
        /* the refresh token is refused (expired, revoked, used): forget
         * it and fall back to the primary grant at once */
        OPENSSL_cleanse(st->refresh, strlen(st->refresh));
        free(st->refresh);
        st->refresh = NULL;
        pthread_mutex_lock(&p->stats_mu);
        p->stats.failed++;
        p->stats.by_grant[AUTH_GRANT_REFRESH_REFUSED]++;
        pthread_mutex_unlock(&p->stats_mu);
        st->due_ns = now;
        return;
    }
    if (token && p->au->refresh_grant) {
        char *rt = NULL;
        if (!auth_parse_refresh(f->body, f->body_len, &rt) && rt) {
            if (st->refresh) {
                OPENSSL_cleanse(st->refresh, strlen(st->refresh));
                free(st->refresh);
            }
            st->refresh = rt;
        }
    }
    if (!token) {
        pthread_mutex_lock(&p->stats_mu);
        p->stats.failed++;
        pthread_mutex_unlock(&p->stats_mu);
        as->failed++;
        st->failures++;
        double wait_s = 1.0;
        for (int i = 1; i < st->failures && wait_s < RETRY_MAX_S; i++)
            wait_s *= 2;
        if (wait_s > RETRY_MAX_S)
            wait_s = RETRY_MAX_S;
        st->due_ns = now + (int64_t)(wait_s * 1e9);
        return;
    }
    st->failures = 0;
    as->fetched++;
    as->last_error[0] = '\0';
    as->lifetime_s = life;
    if (f->reason == AUTH_AFTER_401)
        as->refreshed_after_401++;
    forget_token(&token); /* the ring holds its copy */
    /* INT64_MAX when it does not expire (or none was given): only a 401
     * renews it */
    st->due_ns = auth_refresh_due_ns(now, life, p->au->refresh_before_s, p->au->refresh_before_frac,
                                     rng_uniform(&p->rng));
}

static void collect(struct auth_pool *p)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(p->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct fetch *f;
        CURL *e = msg->easy_handle;
        CURLcode rc = msg->data.result;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&f);
        curl_multi_remove_handle(p->multi, e);
        f->busy = false;
        p->busy--;
        finish_fetch(p, f, rc);
    }
}

/* Starts what is due; returns when the next thing is due (ns). */
static int64_t start_due(struct auth_pool *p, int64_t now, bool initial)
{
    int64_t next = now + 1000000000LL;
    for (size_t k = 0; k < p->n_apps && p->busy < AUTH_CONCURRENCY; k++) {
        size_t i = (p->next_app + k) % p->n_apps;
        struct app_state *st = &p->apps[i];
        if (st->inflight)
            continue;
        if (initial) {
            if (!st->initial_done)
                start_fetch(p, i, AUTH_INITIAL);
            continue;
        }
        uint32_t gen = auth_ring_gen(&st->ring);
        uint32_t rej = atomic_load_explicit(&st->rejected_gen, memory_order_relaxed);
        if (rej && rej == gen && rej != st->handled_gen) {
            bool fresh = rej == atomic_load_explicit(&st->fresh401_gen, memory_order_relaxed);
            int64_t spacing =
                (int64_t)((fresh ? REJECTED_SPACING_S : AUTH_MIN_SPACING_MS / 1e3) * 1e9);
            int64_t when = atomic_load_explicit(&st->published_ns, memory_order_relaxed) + spacing;
            if (when <= now) {
                st->handled_gen = rej;
                start_fetch(p, i, AUTH_AFTER_401);
                continue;
            }
            if (when < next)
                next = when;
        }
        if (st->due_ns <= now)
            start_fetch(p, i, st->failures ? AUTH_RETRY : AUTH_AHEAD);
        else if (st->due_ns < next)
            next = st->due_ns;
    }
    p->next_app = (p->next_app + 1) % p->n_apps;
    return next;
}

static void pump(struct auth_pool *p, int64_t until_ns)
{
    int running;
    curl_multi_perform(p->multi, &running);
    collect(p);
    int64_t now = clock_now_ns();
    /* at most a second: the loop also looks at stop and 401 reports */
    int64_t wait_ns = until_ns > now ? until_ns - now : 0;
    int wait_ms = wait_ns > 1000000000LL ? 1000 : (int)((wait_ns + 999999) / 1000000);
    curl_multi_poll(p->multi, NULL, 0, wait_ms, NULL);
    curl_multi_perform(p->multi, &running);
    collect(p);
}

int auth_pool_fetch_all(struct auth_pool *p, const struct auth_hooks *hooks, char *err,
                        size_t err_len)
{
    static const struct auth_hooks none;
    if (!hooks)
        hooks = &none;
    for (;;) {
        if (hooks->stop && hooks->stop(hooks->ctx))
            return AUTH_STOPPED;
        bool all = true;
        for (size_t i = 0; i < p->n_apps && all; i++)
            all = p->apps[i].initial_done;
        if (all && !p->busy)
            break;
        int64_t now = clock_now_ns();
        start_due(p, now, true);
        pump(p, now + 100000000LL);
    }
    size_t failed = 0, first = 0;
    for (size_t i = 0; i < p->n_apps; i++)
        if (!auth_ring_gen(&p->apps[i].ring) && !failed++)
            first = i;
    if (!failed)
        return 0;
    char who[160];
    if (failed == 1)
        snprintf(who, sizeof who, "application %s", p->au->apps[first].name);
    else
        snprintf(who, sizeof who, "%zu of %zu applications (first: %s)", failed, p->n_apps,
                 p->au->apps[first].name);
    char advice[1024];
    if (!(p->apps[first].unverified && hooks->unverified &&
          hooks->unverified(hooks->ctx, first, advice, sizeof advice)))
        snprintf(advice, sizeof advice,
                 "check the client credentials, the grant and the token endpoint");
    snprintf(p->msg, sizeof p->msg, "no token for %s from %s: %s; %s", who, p->au->token_url,
             p->stats.apps[first].last_error, advice);
    redact_text(p->redact, p->msg, err, err_len, REDACT_ONE_LINE);
    return -1;
}

static void *token_main(void *arg)
{
    struct auth_pool *p = arg;
    while (!atomic_load(&p->stop)) {
        int64_t next = start_due(p, clock_now_ns(), false);
        pump(p, next);
    }
    return NULL;
}

int auth_pool_new(const struct scenario *scn, uint64_t seed, struct auth_pool **out, char *err,
                  size_t err_len)
{
    const struct scn_auth *au = &scn->auth;
    struct auth_pool *p = calloc(1, sizeof *p);
    if (!p)
        goto nomem;
    pthread_mutex_init(&p->stats_mu, NULL);
    p->scn = scn;
    p->au = au;
    p->n_apps = au->n_apps;
    p->rng = seed ? seed : 1;
    p->apps = calloc(au->n_apps ? au->n_apps : 1, sizeof *p->apps);
    p->stats.apps = calloc(au->n_apps ? au->n_apps : 1, sizeof *p->stats.apps);
    p->stats.n_apps = au->n_apps;
    if (!p->apps || !p->stats.apps || hdr_init_default(&p->stats.latency) ||
        !(p->multi = curl_multi_init()) || redact_new(scn, &p->redact))
        goto nomem;
    for (size_t i = 0; i < AUTH_CONCURRENCY; i++)
        if (!(p->fetches[i].easy = curl_easy_init()))
            goto nomem;
    if (!(p->store = xfer_tls_store(&scn->tls, err, err_len))) {
        auth_pool_free(p);
        return -1;
    }
    if (au->server_name) {
        /* verify (and send as SNI and Host) the name, connect to the host */
        char to[600];
        bool v6 = strchr(au->token_host, ':') != NULL;
        snprintf(to, sizeof to, v6 ? "%s:%d:[%s]:%d" : "%s:%d:%s:%d", au->server_name,
                 au->token_port, au->token_host, au->token_port);
        if (asprintf(&p->url, "https://%s:%d%s", au->server_name, au->token_port, au->token_path) <
            0) {
            p->url = NULL;
            goto nomem;
        }
        if (!(p->connect_to = curl_slist_append(NULL, to)))
            goto nomem;
    } else if (!(p->url = strdup(au->token_url)))
        goto nomem;
    p->aud = au->assertion_audience ? au->assertion_audience : au->token_url;
    if (au->client_auth == SCN_CLIENT_AUTH_PRIVATE_KEY_JWT && !(p->signer = jose_signer_new()))
        goto nomem;
    for (size_t i = 0; i < au->n_apps; i++) {
        const struct scn_app *a = &au->apps[i];
        if (a->signing_key.data &&
            jose_key_new(a->signing_key.data, a->signing_key.len, a->signing_alg, a->kid,
                         &p->apps[i].key, err, err_len)) {
            char why[128];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, err_len, "application %s: its signing key: %s", a->name, why);
            auth_pool_free(p);
            return -1;
        }
    }
    for (size_t i = 0; i < au->n_apps; i++) {
        auth_ring_init(&p->apps[i].ring);
        p->apps[i].due_ns = INT64_MAX;
        if (prepare_app(p, &p->apps[i], &au->apps[i])) {
            snprintf(err, err_len,
                     "application %s: its credentials are too long for a token request",
                     au->apps[i].name);
            auth_pool_free(p);
            return -1;
        }
    }
    *out = p;
    return 0;
nomem:
    snprintf(err, err_len, "out of memory creating the token pool");
    auth_pool_free(p);
    return -1;
}

int auth_pool_start(struct auth_pool *p)
{
    if (pthread_create(&p->thread, NULL, token_main, p))
        return -1;
    p->thread_started = true;
    return 0;
}

void auth_pool_stop(struct auth_pool *p)
{
    if (!p || !p->thread_started)
        return;
    atomic_store(&p->stop, true);
    curl_multi_wakeup(p->multi);
    pthread_join(p->thread, NULL);
    p->thread_started = false;
}

int auth_pool_totals(struct auth_pool *p, int64_t by_reason[AUTH_REASONS], int64_t *failed,
                     struct hdr_hist *latency)
{
    pthread_mutex_lock(&p->stats_mu);
    memcpy(by_reason, p->stats.by_reason, sizeof p->stats.by_reason);
    *failed = p->stats.failed;
    hdr_reset(latency);
    int rc = hdr_add(latency, p->stats.latency) ? -1 : 0;
    pthread_mutex_unlock(&p->stats_mu);
    return rc;
}

const struct auth_stats *auth_pool_stats(const struct auth_pool *p)
{
    return &p->stats;
}

const struct jose_key *auth_signing_key(const struct auth_pool *p, size_t app)
{
    return p->apps[app].key;
}

size_t auth_pool_apps(const struct auth_pool *p)
{
    return p->n_apps;
}

size_t auth_token_copy(const struct auth_pool *p, size_t app, char *buf, size_t cap, uint32_t *gen)
{
    return auth_ring_copy(&p->apps[app].ring, buf, cap, gen);
}

enum auth_rejection auth_token_rejected(struct auth_pool *p, size_t app, uint32_t gen)
{
    struct app_state *st = &p->apps[app];
    uint32_t seen = atomic_load_explicit(&st->rejected_gen, memory_order_relaxed);
    enum auth_rejection r = AUTH_REJ_PENDING;
    /* Only a newer generation than the last reported asks: a late 401 for
     * an old token must not hide a pending report for the current one. */
    while ((int32_t)(gen - seen) > 0) {
        if (atomic_compare_exchange_weak_explicit(&st->rejected_gen, &seen, gen,
                                                  memory_order_relaxed, memory_order_relaxed)) {
            r = AUTH_REJ_ASKED;
            curl_multi_wakeup(p->multi);
            break;
        }
    }
    /* Refused again right after a refresh caused by a 401: the gateway
     * rejects the application. Much later it is a new revocation. */
    int64_t age = clock_now_ns() - atomic_load_explicit(&st->published_ns, memory_order_relaxed);
    if (gen == atomic_load_explicit(&st->fresh401_gen, memory_order_relaxed) &&
        age < (int64_t)(REJECTED_SPACING_S * 1e9))
        return AUTH_REJ_FRESH;
    return r;
}

static int add_token(void *r, const char *token)
{
    return redact_add(r, token);
}

int auth_pool_add_tokens(const struct auth_pool *p, struct redact *r)
{
    for (size_t i = 0; p && i < p->n_apps; i++)
        if (auth_ring_each(&p->apps[i].ring, add_token, r) ||
            (p->apps[i].refresh && redact_add(r, p->apps[i].refresh)))
            return -1;
    return 0;
}

void auth_pool_free(struct auth_pool *p)
{
    if (!p)
        return;
    auth_pool_stop(p);
    for (size_t i = 0; i < AUTH_CONCURRENCY; i++) {
        if (p->fetches[i].busy)
            curl_multi_remove_handle(p->multi, p->fetches[i].easy);
        curl_easy_cleanup(p->fetches[i].easy);
    }
    if (p->multi)
        curl_multi_cleanup(p->multi);
    for (size_t i = 0; p->apps && i < p->n_apps; i++) {
        struct app_state *st = &p->apps[i];
        auth_ring_free(&st->ring);
        if (st->form) {
            OPENSSL_cleanse(st->form, strlen(st->form));
            free(st->form);
        }
        curl_slist_free_all(st->headers);
        jose_key_free(st->key);
        if (st->refresh) {
            OPENSSL_cleanse(st->refresh, strlen(st->refresh));
            free(st->refresh);
        }
    }
    free(p->apps);
    free(p->stats.apps);
    pthread_mutex_destroy(&p->stats_mu);
    free(p->url);
    curl_slist_free_all(p->connect_to);
    X509_STORE_free(p->store);
    jose_signer_free(p->signer);
    for (size_t i = 0; i < AUTH_CONCURRENCY; i++)
        OPENSSL_cleanse(p->fetches[i].form, sizeof p->fetches[i].form);
    hdr_close(p->stats.latency);
    redact_free(p->redact);
    free(p);
}
