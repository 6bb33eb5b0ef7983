/*
 * api.c — routes and response bodies of the simulated gateway (see
 * api.h). Error bodies follow WSO2 API Manager's JSON fault format:
 *   {"fault":{"code":900901,"message":"Invalid Credentials",
 *             "description":"..."}}
 */
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ECHO_PREFIX "/echo/1.0.0"
#define SIM_PREFIX "/_sim"
#define INLINE_BODY_MAX (16 * 1024)
#define JSON "application/json"

static const char *req_at(const struct gsconn *c, struct gshttp_span sp)
{
    return c->in.data + c->in.off + sp.off;
}

static bool span_is(const struct gsconn *c, struct gshttp_span sp, const char *lit)
{
    size_t n = strlen(lit);
    return sp.len == n && memcmp(req_at(c, sp), lit, n) == 0;
}

static bool span_has_prefix(const struct gsconn *c, struct gshttp_span sp, const char *lit)
{
    size_t n = strlen(lit);
    return sp.len >= n && memcmp(req_at(c, sp), lit, n) == 0;
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

enum gsroute gsapi_route(const struct gsconn *c)
{
    struct gshttp_span p = c->req.path;
    if (span_is(c, p, SIM_PREFIX) ||
        (span_has_prefix(c, p, SIM_PREFIX) && req_at(c, p)[strlen(SIM_PREFIX)] == '/'))
        return GSROUTE_CONTROL;
    if (span_is(c, p, "/oauth2/token"))
        return GSROUTE_TOKEN;
    if (span_is(c, p, ECHO_PREFIX) ||
        (span_has_prefix(c, p, ECHO_PREFIX) && req_at(c, p)[strlen(ECHO_PREFIX)] == '/')) {
        switch (c->req.method) {
        case GSHTTP_GET:
        case GSHTTP_HEAD:
        case GSHTTP_POST:
        case GSHTTP_PUT:
        case GSHTTP_DELETE:
        case GSHTTP_PATCH:
            return GSROUTE_API;
        default:
            return GSROUTE_BAD_METHOD;
        }
    }
    return GSROUTE_NOT_FOUND;
}

/* Sends status with body[0, len) (omitted for HEAD) and counts it. */
static void reply(struct gssrv *s, struct gsconn *c, int status, const char *ctype,
                  const char *extra, const char *body, size_t len)
{
    if (gsconn_respond_begin(c, s->node_header, status, ctype, len, extra) ||
        (c->req.method != GSHTTP_HEAD && gsbuf_append(&c->out, body, len))) {
        gsconn_close(c);
        return;
    }
    gssrv_finish(s, c, status);
}

/* Sends status with the JSON built in s->scratch. */
static void reply_scratch(struct gssrv *s, struct gsconn *c, int status, const char *extra)
{
    reply(s, c, status, JSON, extra, s->scratch.data, s->scratch.len);
}

static void fault(struct gssrv *s, struct gsconn *c, int status, int code, const char *message,
                  const char *description, const char *extra)
{
    gsbuf_clear(&s->scratch);
    if (gsbuf_printf(&s->scratch,
                     "{\"fault\":{\"code\":%d,\"message\":\"%s\",\"description\":\"%s\"}}", code,
                     message, description)) {
        gsconn_close(c);
        return;
    }
    reply_scratch(s, c, status, extra);
}

/* ---- authentication and throttling ------------------------------------ */

static void unauthorized(struct gssrv *s, struct gsconn *c, bool missing, bool expired)
{
    if (missing) {
        fault(s, c, 401, 900902, "Missing Credentials",
              "Invalid Credentials. Make sure your API invocation call has a header: "
              "'Authorization : Bearer ***' or 'Authorization : Basic ***' or 'apikey: ***'",
              "WWW-Authenticate: OAuth2 realm=\"WSO2 API Manager\"\r\n");
        return;
    }
    fault(s, c, 401, 900901, "Invalid Credentials",
          "Invalid Credentials. Make sure you have provided the correct security credentials",
          expired ? "WWW-Authenticate: OAuth2 realm=\"WSO2 API Manager\", error=\"invalid_token\", "
                    "error_description=\"The access token expired\"\r\n"
                  : "WWW-Authenticate: OAuth2 realm=\"WSO2 API Manager\", error=\"invalid_token\", "
                    "error_description=\"The access token is not valid\"\r\n");
}

static void throttled(struct gssrv *s, struct gsconn *c, double window_left_s)
{
    char when[64];
    time_t t = (time_t)((double)wall_ms() / 1000.0 + window_left_s + 0.999);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%b-%d %H:%M:%S+0000 UTC", &tm);
    gsbuf_clear(&s->scratch);
    if (gsbuf_printf(&s->scratch,
                     "{\"fault\":{\"code\":900800,\"message\":\"Message throttled out\","
                     "\"description\":\"You have exceeded your quota\","
                     "\"nextAccessTime\":\"%s\"}}",
                     when)) {
        gsconn_close(c);
        return;
    }
    reply_scratch(s, c, 429, NULL);
}

bool gsapi_precheck(struct gssrv *s, struct gsconn *c)
{
    const struct gscfg *cfg = &s->cfg;
    bool token_ok = false, expired = false;
    uint64_t key = 0, exp_ms = 0, now_ms = 0;
    struct gshttp_span a = c->req.auth;
    if (a.len > 7 && gshttp_ieq(req_at(c, a), 7, "bearer ")) {
        const char *t = req_at(c, a) + 7;
        size_t n = a.len - 7;
        while (n && *t == ' ') {
            t++;
            n--;
        }
        now_ms = wall_ms();
        enum gstok_status st = gstok_check(t, n, now_ms, s->revoked_before_ms, &key, &exp_ms);
        token_ok = st == GSTOK_OK;
        expired = st == GSTOK_EXPIRED;
    }
    if (cfg->auth && !token_ok) {
        unauthorized(s, c, a.len == 0, expired);
        return true;
    }
    double now = gs_mono_s();
    if (!gsthr_admit(&s->node_limit, now, cfg->throttle_rate, cfg->throttle_window)) {
        throttled(s, c, gsthr_window_left_s(&s->node_limit, now));
        return true;
    }
    if (token_ok && cfg->throttle_per_token > 0) {
        struct gsthr *lim = gstok_limiter(&s->tokens, key, exp_ms, now_ms);
        if (lim && !gsthr_admit(lim, now, cfg->throttle_per_token, cfg->throttle_window)) {
            throttled(s, c, gsthr_window_left_s(lim, now));
            return true;
        }
    }
    return false;
}

/* ---- the echo API ------------------------------------------------------ */

/* Looks for key in the query; copies its decoded value into val. */
static bool query_param(const struct gsconn *c, const char *key, char *val, size_t val_size)
{
    const char *q = req_at(c, c->req.query);
    size_t pos = 0, kl, vl;
    const char *k, *v;
    while (gshttp_form_next(q, c->req.query.len, &pos, &k, &kl, &v, &vl)) {
        if (kl == strlen(key) && memcmp(k, key, kl) == 0)
            return gshttp_url_decode(v, vl, val, val_size) >= 0;
    }
    return false;
}

static void bad_param(struct gssrv *s, struct gsconn *c, const char *what)
{
    gsbuf_clear(&s->scratch);
    if (gsbuf_printf(
            &s->scratch,
            "{\"fault\":{\"code\":400,\"message\":\"Bad Request\",\"description\":\"%s\"}}",
            what)) {
        gsconn_close(c);
        return;
    }
    reply_scratch(s, c, 400, NULL);
}

/* A JSON body of exactly size bytes: {"echo":"xxx..."} (or x's when too
 * small for the wrapper). Large ones stream from the shared filler. */
static void echo_filler(struct gssrv *s, struct gsconn *c, size_t size)
{
    static const char head[] = "{\"echo\":\"", tail[] = "\"}";
    const size_t wrap = sizeof head - 1 + sizeof tail - 1;
    if (gsconn_respond_begin(c, s->node_header, 200, JSON, size, NULL)) {
        gsconn_close(c);
        return;
    }
    if (c->req.method != GSHTTP_HEAD && size > 0) {
        bool wrapped = size >= wrap;
        size_t pad = wrapped ? size - wrap : size;
        int rc = wrapped ? gsbuf_puts(&c->out, head) : 0;
        if (!rc && pad <= INLINE_BODY_MAX) {
            rc = gsbuf_reserve(&c->out, pad + wrap);
            if (!rc) {
                memset(c->out.data + c->out.len, 'x', pad);
                c->out.len += pad;
                if (wrapped)
                    rc = gsbuf_puts(&c->out, tail);
            }
        } else if (!rc) {
            c->filler_left = pad;
            c->tail_off = 0;
            c->tail_len = 0;
            if (wrapped) {
                memcpy(c->tail, tail, sizeof tail - 1);
                c->tail_len = sizeof tail - 1;
            }
        }
        if (rc) {
            gsconn_close(c);
            return;
        }
    }
    gssrv_finish(s, c, 200);
}

static void echo(struct gssrv *s, struct gsconn *c)
{
    char v[32];
    if (c->req.query.len && query_param(c, "size", v, sizeof v)) {
        char *end;
        unsigned long long n = strtoull(v, &end, 10);
        if (end == v || *end || v[0] == '-' || n > 256ull * 1024 * 1024) {
            bad_param(s, c, "size must be a whole number of bytes 0..268435456");
            return;
        }
        echo_filler(s, c, (size_t)n);
        return;
    }
    enum gshttp_method m = c->req.method;
    if (m == GSHTTP_POST || m == GSHTTP_PUT || m == GSHTTP_PATCH) {
        char ctype[128] = "application/octet-stream";
        struct gshttp_span ct = c->req.ctype;
        if (ct.len && ct.len < sizeof ctype && !memchr(req_at(c, ct), '\r', ct.len)) {
            memcpy(ctype, req_at(c, ct), ct.len);
            ctype[ct.len] = 0;
        }
        const char *body = c->in.data + c->in.off + c->req.head_bytes;
        reply(s, c, 200, ctype, NULL, body, c->body_bytes);
        return;
    }
    echo_filler(s, c, s->cfg.body_bytes);
}

void gsapi_answer(struct gssrv *s, struct gsconn *c, int status)
{
    if (status < 500) {
        echo(s, c);
        return;
    }
    const char *desc;
    switch (status) {
    case 500:
        desc = "Error in Sender";
        break;
    case 503:
        desc = "Error connecting to the back end";
        break;
    case 504:
        desc = "Send timeout";
        break;
    default:
        desc = "Runtime Error";
        break;
    }
    fault(s, c, status, 101000 + status, "Runtime Error", desc, NULL);
}

/* ---- the token endpoint ------------------------------------------------ */

static void oauth_error(struct gssrv *s, struct gsconn *c, int status, const char *error,
                        const char *description)
{
    s->stats.token_errors++;
    gsbuf_clear(&s->scratch);
    if (gsbuf_printf(&s->scratch, "{\"error_description\":\"%s\",\"error\":\"%s\"}", description,
                     error)) {
        gsconn_close(c);
        return;
    }
    reply_scratch(s, c, status,
                  status == 401 ? "WWW-Authenticate: Basic realm=\"oauth2\"\r\n" : NULL);
}

static bool client_ok(const struct gscfg *cfg, const char *id, const char *secret)
{
    if (cfg->n_clients == 0)
        return true;
    for (int i = 0; i < cfg->n_clients; i++)
        if (!strcmp(cfg->clients[i].id, id) && !strcmp(cfg->clients[i].secret, secret))
            return true;
    return false;
}

static void token_endpoint(struct gssrv *s, struct gsconn *c)
{
    if (c->req.method != GSHTTP_POST) {
        oauth_error(s, c, 405, "invalid_request", "Use POST for the token endpoint");
        return;
    }
    char id[128] = "", secret[128] = "", grant[64] = "", scope[128] = "";
    bool have_client = false;
    struct gshttp_span a = c->req.auth;
    if (a.len > 6 && gshttp_ieq(req_at(c, a), 6, "basic ")) {
        char dec[260];
        const char *b = req_at(c, a) + 6;
        size_t n = a.len - 6;
        while (n && *b == ' ') {
            b++;
            n--;
        }
        char *colon;
        if (gshttp_base64_decode(b, n, dec, sizeof dec) < 0 || !(colon = strchr(dec, ':')) ||
            (size_t)(colon - dec) >= sizeof id || strlen(colon + 1) >= sizeof secret) {
            oauth_error(s, c, 401, "invalid_client", "Client Authentication failed.");
            return;
        }
        *colon = 0;
        strcpy(id, dec);
        strcpy(secret, colon + 1);
        have_client = true;
    }
    const char *body = c->in.data + c->in.off + c->req.head_bytes;
    size_t pos = 0, kl, vl;
    const char *k, *v;
    while (gshttp_form_next(body, c->body_bytes, &pos, &k, &kl, &v, &vl)) {
        char *dst = NULL;
        size_t dsz = 0;
        if (kl == 10 && !memcmp(k, "grant_type", 10)) {
            dst = grant;
            dsz = sizeof grant;
        } else if (kl == 5 && !memcmp(k, "scope", 5)) {
            dst = scope;
            dsz = sizeof scope;
        } else if (!have_client && kl == 9 && !memcmp(k, "client_id", 9)) {
            dst = id;
            dsz = sizeof id;
        } else if (!have_client && kl == 13 && !memcmp(k, "client_secret", 13)) {
            dst = secret;
            dsz = sizeof secret;
        }
        if (dst && gshttp_url_decode(v, vl, dst, dsz) < 0) {
            oauth_error(s, c, 400, "invalid_request", "Malformed or too long form parameter");
            return;
        }
    }
    if (!id[0]) {
        oauth_error(s, c, 401, "invalid_client", "Client Authentication failed.");
        return;
    }
    if (!client_ok(&s->cfg, id, secret)) {
        oauth_error(s, c, 401, "invalid_client",
                    "A valid OAuth client could not be found for the given client_id");
        return;
    }
    if (!grant[0]) {
        oauth_error(s, c, 400, "invalid_request", "Missing grant_type parameter value");
        return;
    }
    if (strcmp(grant, "client_credentials") != 0) {
        oauth_error(s, c, 400, "unsupported_grant_type", "Unsupported grant_type value");
        return;
    }
    for (char *p = scope; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '_';
    uint64_t now = wall_ms();
    uint64_t ttl_ms = (uint64_t)(s->cfg.token_ttl_s * 1000.0 + 0.5);
    char tok[GSTOK_CHARS + 1];
    gstok_make(now, now + ttl_ms, (uint32_t)gsrng_next(&s->rng), tok);
    s->stats.tokens_issued++;
    gsbuf_clear(&s->scratch);
    if (gsbuf_printf(&s->scratch,
                     "{\"access_token\":\"%s\",\"scope\":\"%s\",\"token_type\":\"Bearer\","
                     "\"expires_in\":%llu}",
                     tok, scope[0] ? scope : "default",
                     (unsigned long long)((ttl_ms + 999) / 1000))) {
        gsconn_close(c);
        return;
    }
    reply_scratch(s, c, 200, "Cache-Control: no-store\r\nPragma: no-cache\r\n");
}

void gsapi_answer_other(struct gssrv *s, struct gsconn *c)
{
    switch (c->route) {
    case GSROUTE_TOKEN:
        token_endpoint(s, c);
        break;
    case GSROUTE_BAD_METHOD:
        gsbuf_clear(&s->scratch);
        if (gsbuf_puts(&s->scratch,
                       "{\"fault\":{\"code\":405,\"type\":\"Status report\",\"message\":\"Runtime "
                       "Error\",\"description\":\"Method not allowed for given API resource\"}}")) {
            gsconn_close(c);
            return;
        }
        reply_scratch(s, c, 405, "Allow: GET, HEAD, POST, PUT, DELETE, PATCH\r\n");
        break;
    default:
        gsbuf_clear(&s->scratch);
        if (gsbuf_puts(&s->scratch,
                       "{\"fault\":{\"code\":404,\"type\":\"Status report\",\"message\":\"Runtime "
                       "Error\",\"description\":\"No matching resource found for given API "
                       "Request\"}}")) {
            gsconn_close(c);
            return;
        }
        reply_scratch(s, c, 404, NULL);
        break;
    }
}

void gsapi_bad_request(struct gssrv *s, struct gsconn *c, int status)
{
    gsbuf_clear(&s->scratch);
    if (gsbuf_printf(&s->scratch,
                     "{\"fault\":{\"code\":%d,\"message\":\"%s\",\"description\":\"The request "
                     "could not be parsed as HTTP/1.1\"}}",
                     status, gshttp_reason(status))) {
        gsconn_close(c);
        return;
    }
    c->req.method = GSHTTP_GET;
    reply_scratch(s, c, status, NULL);
}

/* ---- control endpoints -------------------------------------------------- */

static void control_error(struct gssrv *s, struct gsconn *c, int status, const char *msg)
{
    gsbuf_clear(&s->scratch);
    int rc = gsbuf_puts(&s->scratch, "{\"error\":\"");
    rc = rc ? rc : gsbuf_json_str(&s->scratch, msg, strlen(msg));
    rc = rc ? rc : gsbuf_puts(&s->scratch, "\"}\n");
    if (rc) {
        gsconn_close(c);
        return;
    }
    reply_scratch(s, c, status, NULL);
}

/* Runs fn(s, key, value, ...) for each decoded pair of the query and the
 * form body. Returns 0 or the first error. */
typedef int (*pair_fn)(struct gssrv *s, struct gscfg *tmp, const char *k, const char *v, char *err,
                       size_t errlen);

static int each_pair(struct gssrv *s, struct gsconn *c, struct gscfg *tmp, pair_fn fn, char *err,
                     size_t errlen)
{
    const char *srcs[2] = {req_at(c, c->req.query), c->in.data + c->in.off + c->req.head_bytes};
    size_t lens[2] = {c->req.query.len, c->body_bytes};
    for (int i = 0; i < 2; i++) {
        size_t pos = 0, kl, vl;
        const char *k, *v;
        while (gshttp_form_next(srcs[i], lens[i], &pos, &k, &kl, &v, &vl)) {
            char key[64], val[256];
            if (gshttp_url_decode(k, kl, key, sizeof key) < 0 ||
                gshttp_url_decode(v, vl, val, sizeof val) < 0) {
                snprintf(err, errlen, "malformed or too long parameter '%.*s'",
                         (int)(kl < 60 ? kl : 60), k);
                return -EINVAL;
            }
            int rc = fn(s, tmp, key, val, err, errlen);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int check_pair(struct gssrv *s, struct gscfg *tmp, const char *k, const char *v, char *err,
                      size_t errlen)
{
    (void)s;
    if (!strcmp(k, "stall_now") || !strcmp(k, "stall-now")) {
        double d;
        if (gscfg_parse_duration(v, 1e-3, &d) || d <= 0 || d > 3600) {
            snprintf(err, errlen, "stall_now: '%s' is not a duration (e.g. 500ms)", v);
            return -EINVAL;
        }
        return 0;
    }
    if (!strcmp(k, "expire_tokens") || !strcmp(k, "expire-tokens"))
        return 0;
    return gscfg_set_runtime(tmp, k, v, err, errlen);
}

static int apply_pair(struct gssrv *s, struct gscfg *tmp, const char *k, const char *v, char *err,
                      size_t errlen)
{
    (void)tmp;
    if (!strcmp(k, "stall_now") || !strcmp(k, "stall-now")) {
        double d = 0;
        gscfg_parse_duration(v, 1e-3, &d);
        gssrv_stall(s, d);
        return 0;
    }
    if (!strcmp(k, "expire_tokens") || !strcmp(k, "expire-tokens")) {
        s->revoked_before_ms = wall_ms() + 1;
        return 0;
    }
    return gssrv_set(s, k, v, err, errlen);
}

static void reply_config(struct gssrv *s, struct gsconn *c)
{
    gsbuf_clear(&s->scratch);
    if (gscfg_to_json(&s->cfg, &s->scratch) || gsbuf_puts(&s->scratch, "\n")) {
        gsconn_close(c);
        return;
    }
    reply_scratch(s, c, 200, NULL);
}

void gsapi_control(struct gssrv *s, struct gsconn *c)
{
    enum gshttp_method m = c->req.method;
    struct gshttp_span p = c->req.path;
    if (span_is(c, p, SIM_PREFIX "/stats")) {
        if (m != GSHTTP_GET && m != GSHTTP_HEAD) {
            control_error(s, c, 405, "use GET /_sim/stats");
            return;
        }
        gsbuf_clear(&s->scratch);
        if (gssrv_stats_json(s, &s->scratch)) {
            gsconn_close(c);
            return;
        }
        reply_scratch(s, c, 200, "Cache-Control: no-store\r\n");
    } else if (span_is(c, p, SIM_PREFIX "/health")) {
        /* for load-balancer health checks: up unless refusing */
        static const char up[] = "{\"status\":\"UP\"}\n", down[] = "{\"status\":\"DOWN\"}\n";
        if (s->cfg.refuse == GSCFG_REFUSE_OFF)
            reply(s, c, 200, JSON, NULL, up, sizeof up - 1);
        else
            reply(s, c, 503, JSON, NULL, down, sizeof down - 1);
    } else if (span_is(c, p, SIM_PREFIX "/reset")) {
        if (m != GSHTTP_POST) {
            control_error(s, c, 405, "use POST /_sim/reset");
            return;
        }
        gssrv_reset_stats(s);
        static const char ok[] = "{\"reset\":true}\n";
        reply(s, c, 200, JSON, NULL, ok, sizeof ok - 1);
    } else if (span_is(c, p, SIM_PREFIX "/config")) {
        if (m == GSHTTP_GET || m == GSHTTP_HEAD) {
            reply_config(s, c);
            return;
        }
        if (m != GSHTTP_POST && m != GSHTTP_PUT) {
            control_error(s, c, 405, "use GET or POST /_sim/config?key=value&...");
            return;
        }
        /* all or nothing: check every pair on a copy first */
        char err[512];
        struct gscfg tmp = s->cfg;
        int rc = each_pair(s, c, &tmp, check_pair, err, sizeof err);
        if (!rc)
            rc = each_pair(s, c, &tmp, apply_pair, err, sizeof err);
        if (rc) {
            control_error(s, c, 400, err);
            return;
        }
        reply_config(s, c);
    } else {
        control_error(
            s, c, 404,
            "unknown control endpoint; use /_sim/stats, /_sim/reset, /_sim/config or /_sim/health");
    }
}
