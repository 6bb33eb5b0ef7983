/*
 * api.c — routes and response bodies of the simulated gateway (see
 * api.h; the API routes themselves are in cfg_routes.c). Error bodies
 * follow WSO2 API Manager's JSON fault format:
 *   {"fault":{"code":900901,"message":"Invalid Credentials",
 *             "description":"..."}}
 */
#include "api.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assertion.h"
#include "journey.h"
#include "oauth.h"

#define SIM_PREFIX "/_sim"
#define INLINE_BODY_MAX (16 * 1024)
#define JSON "application/json"

static bool span_is(const struct gsconn *c, struct gshttp_span sp, const char *lit)
{
    size_t n = strlen(lit);
    return sp.len == n && memcmp(gsconn_at(c, sp), lit, n) == 0;
}

static bool span_has_prefix(const struct gsconn *c, struct gshttp_span sp, const char *lit)
{
    size_t n = strlen(lit);
    return sp.len >= n && memcmp(gsconn_at(c, sp), lit, n) == 0;
}

enum gsroute gsapi_route(const struct gssrv *s, struct gsconn *c)
{
    struct gshttp_span p = c->req.path;
    c->journey = GSJOURNEY_NONE;
    if (span_is(c, p, SIM_PREFIX) ||
        (span_has_prefix(c, p, SIM_PREFIX) && gsconn_at(c, p)[strlen(SIM_PREFIX)] == '/'))
        return GSROUTE_CONTROL;
    if (span_is(c, p, "/oauth2/token"))
        return GSROUTE_TOKEN;
    /* the payment journey's paths come before every --route */
    if (s->cfg.journey != GSCFG_JOURNEY_OFF) {
        unsigned methods;
        enum gsjourney_step step = gsjourney_match(gsconn_at(c, p), p.len, &methods);
        if (step != GSJOURNEY_NONE) {
            c->journey = step;
            if (!(methods & (1u << c->req.method)))
                return GSROUTE_BAD_METHOD;
            c->api_status = step == GSJOURNEY_POLL ? 200 : 201;
            return GSROUTE_API;
        }
    }
    /* the echo API and every --route */
    unsigned allowed;
    int i = gscfg_route_find(&s->cfg, c->req.method, gsconn_at(c, p), p.len, &allowed);
    if (i >= 0) {
        c->api_status = s->cfg.routes[i].status;
        return GSROUTE_API;
    }
    return allowed ? GSROUTE_BAD_METHOD : GSROUTE_NOT_FOUND;
}

void gsapi_reply(struct gssrv *s, struct gsconn *c, int status, const char *ctype,
                 const char *extra, const char *body, size_t len)
{
    if (gsconn_respond_begin(c, s->node_header, status, ctype, len, extra) ||
        (c->req.method != GSHTTP_HEAD && gsbuf_append(&c->out, body, len))) {
        gsconn_close(c);
        return;
    }
    gssrv_finish(s, c, status);
}

void gsapi_reply_scratch(struct gssrv *s, struct gsconn *c, int status, const char *extra)
{
    gsapi_reply(s, c, status, JSON, extra, s->scratch.data, s->scratch.len);
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
    gsapi_reply_scratch(s, c, status, extra);
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

/* WSO2's throttling codes and messages for the limits gatewaysim has. */
static const char *throttle_message(int code)
{
    switch (code) {
    case 900803:
        return "Application level throttle out";
    case 900804:
        return "Subscription level throttled out";
    default:
        return "Message throttled out";
    }
}

/* 429 for a request over the limit with WSO2 code; wait_s is how long
 * until that limit admits again. */
static void throttled(struct gssrv *s, struct gsconn *c, int code, double wait_s)
{
    char when[64], extra[64] = "";
    time_t t = (time_t)ceil((double)gs_wall_ms() / 1000.0 + wait_s);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%b-%d %H:%M:%S+0000 UTC", &tm);
    if (s->cfg.retry_after) {
        double secs = ceil(wait_s - 1e-9);
        snprintf(extra, sizeof extra, "Retry-After: %.0f\r\n", secs < 1 ? 1 : secs);
    }
    gsbuf_clear(&s->scratch);
    if (gsbuf_printf(&s->scratch,
                     "{\"fault\":{\"code\":%d,\"message\":\"%s\","
                     "\"description\":\"You have exceeded your quota\","
                     "\"nextAccessTime\":\"%s\"}}",
                     code, throttle_message(code), when)) {
        gsconn_close(c);
        return;
    }
    c->throttle_code = code;
    gsapi_reply_scratch(s, c, 429, extra[0] ? extra : NULL);
}

void gsapi_identify(struct gssrv *s, struct gsconn *c)
{
    c->tok_status = GSTOK_INVALID;
    c->client_idx = GSSTATS_CLIENT_NONE;
    struct gshttp_span a = c->req.auth;
    if (a.len <= 7 || !gshttp_ieq(gsconn_at(c, a), 7, "bearer "))
        return;
    const char *t = gsconn_at(c, a) + 7;
    size_t n = a.len - 7;
    while (n && *t == ' ') {
        t++;
        n--;
    }
    c->tok_status =
        gstok_check(t, n, gssrv_token_clock_us(s), s->revoked_before_us, &c->tok, &c->tok_key);
    if (c->tok_status != GSTOK_INVALID)
        c->client_idx = gsstats_client_index(&s->stats, c->tok.client, NULL);
}

/* --verify-jws: the body's detached signature, with the key of the
 * token's client; refused as Open Banking does (400, UK.OBIE.Signature.*). */
static bool jws_refused(struct gssrv *s, struct gsconn *c, bool token_ok)
{
    const char *why = "A valid access token is needed to verify the JWS signature";
    enum gsjws_result r = token_ok
                              ? gsjws_verify(&s->cfg, c->in.data + c->in.off, c->req.head_bytes,
                                             gsconn_body(c), c->body_bytes, c->tok.client, &why)
                              : GSJWS_INVALID;
    s->stats.jws[r]++;
    if (r == GSJWS_VERIFIED)
        return false;
    gsbuf_clear(&s->scratch);
    if (gsbuf_printf(&s->scratch,
                     "{\"Code\":\"400 BadRequest\",\"Message\":\"The request signature is not "
                     "valid\",\"Errors\":[{\"ErrorCode\":\"%s\",\"Message\":\"%s\"}]}",
                     r == GSJWS_MISSING ? "UK.OBIE.Signature.Missing" : "UK.OBIE.Signature.Invalid",
                     why)) {
        gsconn_close(c);
        return true;
    }
    gsapi_reply_scratch(s, c, 400, NULL);
    return true;
}

bool gsapi_precheck(struct gssrv *s, struct gsconn *c)
{
    const struct gscfg *cfg = &s->cfg;
    uint64_t now_us = gssrv_token_clock_us(s);
    /* judged now, not at arrival: a stall may have held the request */
    enum gstok_status st = c->tok_status == GSTOK_INVALID
                               ? GSTOK_INVALID
                               : gstok_validity(&c->tok, now_us, s->revoked_before_us);
    bool token_ok = st == GSTOK_OK;
    if (cfg->auth && !token_ok) {
        unauthorized(s, c, c->req.auth.len == 0, st == GSTOK_EXPIRED);
        return true;
    }
    if (cfg->verify_jws[0] && c->body_bytes && jws_refused(s, c, token_ok))
        return true;
    /* node, then application, then token: the first refusal answers, and
     * only a request every level admits is counted (in every level) */
    struct {
        struct gsthr *lim;
        double rate;
        int code;
    } lv[3] = {{&s->node_limit, cfg->throttle_rate, 900800}, {NULL, 0, 900803}, {NULL, 0, 900804}};
    if (token_ok) {
        int ai = gscfg_app_index(cfg, c->tok.client);
        if (ai >= 0 && cfg->apps[ai].denied) {
            unauthorized(s, c, false, false);
            return true;
        }
        if (ai >= 0 && cfg->apps[ai].rate > 0) {
            lv[1].lim = &s->app_limits[ai];
            lv[1].rate = cfg->apps[ai].rate;
        }
        if (cfg->throttle_per_token > 0) {
            lv[2].lim = gstok_limiter(&s->tokens, c->tok_key, c->tok.expires_us, now_us);
            lv[2].rate = cfg->throttle_per_token;
        }
    }
    double unit = cfg->throttle_unit_s, now = (gs_mono_s() - s->throttle_origin_s) / unit;
    for (int i = 0; i < 3; i++)
        if (lv[i].lim && !gsthr_allows(lv[i].lim, now, lv[i].rate, cfg->throttle_window)) {
            throttled(s, c, lv[i].code,
                      unit * gsthr_wait(lv[i].lim, now, lv[i].rate, cfg->throttle_window));
            return true;
        }
    for (int i = 0; i < 3; i++)
        if (lv[i].lim && lv[i].rate > 0)
            gsthr_take(lv[i].lim, now);
    return false;
}

/* ---- the echo API ------------------------------------------------------ */

/* Looks for key in the query; copies its decoded value into val. */
static bool query_param(const struct gsconn *c, const char *key, char *val, size_t val_size)
{
    const char *q = gsconn_at(c, c->req.query);
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
    gsapi_reply_scratch(s, c, 400, NULL);
}

/* A JSON body of exactly size bytes: {"echo":"xxx..."} (or x's when too
 * small for the wrapper). Large ones stream from the shared filler. */
static void echo_filler(struct gssrv *s, struct gsconn *c, int status, size_t size)
{
    static const char head[] = "{\"echo\":\"", tail[] = "\"}";
    const size_t wrap = sizeof head - 1 + sizeof tail - 1;
    if (gsconn_respond_begin(c, s->node_header, status, JSON, size, NULL)) {
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
    gssrv_finish(s, c, status);
}

/* The echo API's answer (and every route's), with status. */
static void echo(struct gssrv *s, struct gsconn *c, int status)
{
    char v[32];
    if (c->req.query.len && query_param(c, "size", v, sizeof v)) {
        char *end;
        unsigned long long n = strtoull(v, &end, 10);
        if (end == v || *end || v[0] == '-' || n > 256ull * 1024 * 1024) {
            bad_param(s, c, "size must be a whole number of bytes 0..268435456");
            return;
        }
        echo_filler(s, c, status, (size_t)n);
        return;
    }
    enum gshttp_method m = c->req.method;
    if (m == GSHTTP_POST || m == GSHTTP_PUT || m == GSHTTP_PATCH) {
        char ctype[128] = "application/octet-stream";
        struct gshttp_span ct = c->req.ctype;
        if (ct.len && ct.len < sizeof ctype && !memchr(gsconn_at(c, ct), '\r', ct.len)) {
            memcpy(ctype, gsconn_at(c, ct), ct.len);
            ctype[ct.len] = 0;
        }
        const char *body = gsconn_body(c);
        gsapi_reply(s, c, status, ctype, NULL, body, c->body_bytes);
        return;
    }
    echo_filler(s, c, status, s->cfg.body_bytes);
}

void gsapi_answer(struct gssrv *s, struct gsconn *c, int status)
{
    if (status < 500) {
        if (c->journey != GSJOURNEY_NONE)
            gsjourney_answer(s, c);
        else
            echo(s, c, status);
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

void gsapi_answer_other(struct gssrv *s, struct gsconn *c)
{
    switch (c->route) {
    case GSROUTE_TOKEN:
        gsoauth_token(s, c);
        break;
    case GSROUTE_BAD_METHOD: {
        /* Allow: the methods the path's routes take */
        unsigned allowed = 0;
        char methods[GSCFG_METHODS_STR], allow[GSCFG_METHODS_STR + 16];
        if (c->journey != GSJOURNEY_NONE)
            gsjourney_match(gsconn_at(c, c->req.path), c->req.path.len, &allowed);
        else
            gscfg_route_find(&s->cfg, c->req.method, gsconn_at(c, c->req.path), c->req.path.len,
                             &allowed);
        gscfg_methods_str(allowed, methods, sizeof methods);
        snprintf(allow, sizeof allow, "Allow: %s\r\n", methods);
        gsbuf_clear(&s->scratch);
        if (gsbuf_puts(&s->scratch,
                       "{\"fault\":{\"code\":405,\"type\":\"Status report\",\"message\":\"Runtime "
                       "Error\",\"description\":\"Method not allowed for given API resource\"}}")) {
            gsconn_close(c);
            return;
        }
        gsapi_reply_scratch(s, c, 405, allow);
        break;
    }
    default:
        gsbuf_clear(&s->scratch);
        if (gsbuf_puts(&s->scratch,
                       "{\"fault\":{\"code\":404,\"type\":\"Status report\",\"message\":\"Runtime "
                       "Error\",\"description\":\"No matching resource found for given API "
                       "Request\"}}")) {
            gsconn_close(c);
            return;
        }
        gsapi_reply_scratch(s, c, 404, NULL);
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
    gsapi_reply_scratch(s, c, status, NULL);
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
    gsapi_reply_scratch(s, c, status, NULL);
}

/* Runs fn(s, key, value, ...) for each decoded pair of the query and the
 * form body. Returns 0 or the first error. */
typedef int (*pair_fn)(struct gssrv *s, struct gscfg *tmp, const char *k, const char *v, char *err,
                       size_t errlen);

static int each_pair(struct gssrv *s, struct gsconn *c, struct gscfg *tmp, pair_fn fn, char *err,
                     size_t errlen)
{
    const char *srcs[2] = {gsconn_at(c, c->req.query), gsconn_body(c)};
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
    if (!strcmp(k, "advance_clock") || !strcmp(k, "advance-clock")) {
        double d;
        if (gscfg_parse_duration(v, 1, &d) || d <= 0 || d > 1e7) {
            snprintf(err, errlen,
                     "advance_clock: '%s' is not a duration up to 1e7 s (e.g. 61s; bare = s)", v);
            return -EINVAL;
        }
        return 0;
    }
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
        s->revoked_before_us = gssrv_token_clock_us(s) + 1;
        return 0;
    }
    if (!strcmp(k, "advance_clock") || !strcmp(k, "advance-clock")) {
        double d = 0;
        gscfg_parse_duration(v, 1, &d);
        s->clock_advance_us += (uint64_t)(d * 1e6 + 0.5);
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
    gsapi_reply_scratch(s, c, 200, NULL);
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
        gsapi_reply_scratch(s, c, 200, "Cache-Control: no-store\r\n");
    } else if (span_is(c, p, SIM_PREFIX "/health")) {
        /* for load-balancer health checks: up unless refusing */
        static const char up[] = "{\"status\":\"UP\"}\n", down[] = "{\"status\":\"DOWN\"}\n";
        if (s->cfg.refuse == GSCFG_REFUSE_OFF)
            gsapi_reply(s, c, 200, JSON, NULL, up, sizeof up - 1);
        else
            gsapi_reply(s, c, 503, JSON, NULL, down, sizeof down - 1);
    } else if (span_is(c, p, SIM_PREFIX "/reset")) {
        if (m != GSHTTP_POST) {
            control_error(s, c, 405, "use POST /_sim/reset");
            return;
        }
        gssrv_reset_stats(s);
        static const char ok[] = "{\"reset\":true}\n";
        gsapi_reply(s, c, 200, JSON, NULL, ok, sizeof ok - 1);
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
