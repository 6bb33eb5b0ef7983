/*
 * oauth.c — the token endpoint (see oauth.h). Errors follow WSO2's key
 * manager: {"error_description":"...","error":"invalid_client"} with 401
 * for client authentication failures, 400 for the rest.
 */
#include "oauth.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "assertion.h"

#define FIELD_BYTES GSCFG_ID_BYTES
#define ASSERTION_BYTES 8192
#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* What a token request says. */
struct token_req {
    char id[FIELD_BYTES];
    char secret[FIELD_BYTES];
    char grant[64];
    char scope[FIELD_BYTES];
    char user[FIELD_BYTES];
    char password[FIELD_BYTES];
    char assertion_type[FIELD_BYTES];
    char refresh[FIELD_BYTES];
    char assertion[ASSERTION_BYTES]; /* client_assertion (private_key_jwt) */
    bool basic;                      /* client credentials came in an Authorization: Basic header */
};

/* With --token-echo: the whole request as received, the form body first
 * (as servers that complain about a parameter quote it), then a space and
 * the head with the Authorization header, as the inside of a JSON string.
 * Returns 0 or -ENOMEM. */
static int echo_request(struct gssrv *s, const struct gsconn *c)
{
    int rc = gsbuf_json_str(&s->scratch, gsconn_body(c), c->body_bytes);
    rc = rc ? rc : gsbuf_puts(&s->scratch, " ");
    return rc ? rc : gsbuf_json_str(&s->scratch, c->in.data + c->in.off, c->req.head_bytes);
}

static void oauth_error(struct gssrv *s, struct gsconn *c, int status, const char *error,
                        const char *description)
{
    s->stats.token_errors++;
    gsbuf_clear(&s->scratch);
    int rc = gsbuf_puts(&s->scratch, "{\"error_description\":\"");
    if (s->cfg.token_echo) { /* the echo first: a shortened message still holds it */
        rc = rc ? rc : gsbuf_puts(&s->scratch, "Your request was: ");
        rc = rc ? rc : echo_request(s, c);
        rc = rc ? rc : gsbuf_puts(&s->scratch, " ");
    }
    rc = rc ? rc : gsbuf_json_str(&s->scratch, description, strlen(description));
    rc = rc ? rc : gsbuf_printf(&s->scratch, "\",\"error\":\"%s\"}", error);
    if (rc) {
        gsconn_close(c);
        return;
    }
    gsapi_reply_scratch(s, c, status,
                        status == 401 ? "WWW-Authenticate: Basic realm=\"oauth2\"\r\n" : NULL);
}

/* Reads "Authorization: Basic base64(id:secret)". Returns 0 (also when
 * there is none) or -1 when malformed. */
static int parse_basic(const struct gsconn *c, struct token_req *r)
{
    struct gshttp_span a = c->req.auth;
    if (a.len <= 6 || !gshttp_ieq(gsconn_at(c, a), 6, "basic "))
        return 0;
    char dec[2 * FIELD_BYTES + 4];
    const char *b = gsconn_at(c, a) + 6;
    size_t n = a.len - 6;
    while (n && *b == ' ') {
        b++;
        n--;
    }
    char *colon;
    if (gshttp_base64_decode(b, n, dec, sizeof dec) < 0 || !(colon = strchr(dec, ':')) ||
        (size_t)(colon - dec) >= sizeof r->id || strlen(colon + 1) >= sizeof r->secret)
        return -1;
    *colon = 0;
    /* both lengths checked above */
    memcpy(r->id, dec, (size_t)(colon - dec) + 1);
    memcpy(r->secret, colon + 1, strlen(colon + 1) + 1);
    r->basic = true;
    return 0;
}

/* Reads the form body. Returns 0 or -1 when a field is malformed or too
 * long. */
static int parse_form(const struct gsconn *c, struct token_req *r)
{
    static const struct {
        const char *key;
        size_t off, size;
        bool client; /* ignored when Basic gave the client */
    } fields[] = {
        {"grant_type", offsetof(struct token_req, grant), sizeof r->grant, false},
        {"scope", offsetof(struct token_req, scope), sizeof r->scope, false},
        {"username", offsetof(struct token_req, user), sizeof r->user, false},
        {"password", offsetof(struct token_req, password), sizeof r->password, false},
        {"client_id", offsetof(struct token_req, id), sizeof r->id, true},
        {"client_secret", offsetof(struct token_req, secret), sizeof r->secret, true},
        {"client_assertion_type", offsetof(struct token_req, assertion_type),
         sizeof r->assertion_type, false},
        {"client_assertion", offsetof(struct token_req, assertion), sizeof r->assertion, false},
        {"refresh_token", offsetof(struct token_req, refresh), sizeof r->refresh, false},
    };
    const char *body = gsconn_body(c);
    size_t pos = 0, kl, vl;
    const char *k, *v;
    while (gshttp_form_next(body, c->body_bytes, &pos, &k, &kl, &v, &vl)) {
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            if (kl != strlen(fields[i].key) || memcmp(k, fields[i].key, kl) != 0)
                continue;
            if (fields[i].client && r->basic)
                break;
            if (gshttp_url_decode(v, vl, (char *)r + fields[i].off, fields[i].size) < 0)
                return -1;
            break;
        }
    }
    return 0;
}

/* Is the client who it says it is? With a secret (Basic or form), the
 * secret decides; without one, a verified client certificate does
 * (tls_client_auth), or nothing when any client is accepted. */
static bool client_authenticated(const struct gssrv *s, const struct gsconn *c,
                                 const struct token_req *r)
{
    if (r->basic || r->secret[0])
        return gscfg_client_ok(&s->cfg, r->id, r->secret);
    if (gsconn_client_cert_verified(c))
        return gscfg_client_known(&s->cfg, r->id);
    return s->cfg.n_clients == 0;
}

static void issue(struct gssrv *s, struct gsconn *c, struct token_req *r)
{
    for (char *p = r->scope; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '_';
    uint64_t now = gssrv_token_clock_us(s);
    uint64_t ttl_us = (uint64_t)(s->cfg.token_ttl_s * 1e6 + 0.5);
    struct gstok_claims cl = {
        .issued_us = now,
        .expires_us = now + ttl_us,
        .nonce = (uint32_t)gsrng_next(&s->rng),
        .client = gscfg_client_hash(r->id, strlen(r->id)),
    };
    char tok[GSTOK_CHARS + 1];
    gstok_make(&cl, tok);
    s->stats.tokens_issued++;
    s->stats.clients[gsstats_client_index(&s->stats, cl.client, r->id)].tokens++;
    gsbuf_clear(&s->scratch);
    const struct gscfg *cfg = &s->cfg;
    int rc = gsbuf_printf(&s->scratch,
                          "{\"access_token\":\"%s\",\"scope\":\"%s\",\"token_type\":\"Bearer\","
                          "\"expires_in\":",
                          tok, r->scope[0] ? r->scope : "default");
    if (cfg->token_expires_in[0]) /* as set, even if it is no number */
        rc = rc ? rc : gsbuf_puts(&s->scratch, cfg->token_expires_in);
    else
        rc = rc ? rc
                : gsbuf_printf(&s->scratch, "%llu",
                               (unsigned long long)((ttl_us + 999999) / 1000000));
    if (cfg->refresh_tokens) {
        /* "r" and a token of its own that lives a day: never an access token */
        struct gstok_claims rcl = cl;
        rcl.nonce = (uint32_t)gsrng_next(&s->rng);
        rcl.expires_us = now + 86400ull * 1000000;
        char rtok[GSTOK_CHARS + 1];
        gstok_make(&rcl, rtok);
        rc = rc ? rc : gsbuf_printf(&s->scratch, ",\"refresh_token\":\"r%s\"", rtok);
        s->stats.refresh_issued++;
    }
    if (cfg->token_echo) {
        rc = rc ? rc : gsbuf_puts(&s->scratch, ",\"request\":\"");
        rc = rc ? rc : echo_request(s, c);
        rc = rc ? rc : gsbuf_puts(&s->scratch, "\"");
    }
    if (cfg->token_pad_bytes) {
        rc = rc ? rc : gsbuf_puts(&s->scratch, ",\"pad\":\"");
        rc = rc ? rc : gsbuf_reserve(&s->scratch, cfg->token_pad_bytes);
        if (!rc) {
            memset(s->scratch.data + s->scratch.len, 'x', cfg->token_pad_bytes);
            s->scratch.len += cfg->token_pad_bytes;
        }
        rc = rc ? rc : gsbuf_puts(&s->scratch, "\"");
    }
    if (rc || gsbuf_puts(&s->scratch, "}")) {
        gsconn_close(c);
        return;
    }
    gsapi_reply_scratch(s, c, 200, "Cache-Control: no-store\r\nPragma: no-cache\r\n");
}

void gsoauth_token(struct gssrv *s, struct gsconn *c)
{
    const struct gscfg *cfg = &s->cfg;
    if (cfg->token_error_rate > 0 &&
        gsrng_fault_hit(&s->rng, &s->f_token, cfg->fault_spacing, cfg->token_error_rate)) {
        oauth_error(s, c, 503, "temporarily_unavailable",
                    "The key manager is temporarily unavailable; try again later");
        return;
    }
    if (c->req.method != GSHTTP_POST) {
        oauth_error(s, c, 405, "invalid_request", "Use POST for the token endpoint");
        return;
    }
    struct token_req r;
    memset(&r, 0, sizeof r);
    if (parse_basic(c, &r)) {
        oauth_error(s, c, 401, "invalid_client", "Client Authentication failed.");
        return;
    }
    if (parse_form(c, &r)) {
        oauth_error(s, c, 400, "invalid_request", "Malformed or too long form parameter");
        return;
    }
    if (r.assertion_type[0] || r.assertion[0]) {
        /* private_key_jwt: the assertion alone authenticates the client */
        const char *why;
        char id[FIELD_BYTES];
        enum gsassert_result ar = GSASSERT_MALFORMED;
        if (strcmp(r.assertion_type, JWT_BEARER) || !r.assertion[0] || r.basic || r.secret[0])
            why = "Client assertion type or client assertion missing, or a second client "
                  "authentication method";
        else
            ar = gsassert_verify(cfg, &s->jti_seen, r.assertion, strlen(r.assertion), r.id,
                                 (int64_t)(gssrv_token_clock_us(s) / 1000000), id, sizeof id, &why);
        s->stats.assertions[ar]++;
        if (ar != GSASSERT_OK) {
            oauth_error(s, c, 401, "invalid_client", why);
            return;
        }
        memcpy(r.id, id, sizeof r.id);
    } else if (!r.id[0]) {
        oauth_error(s, c, 401, "invalid_client", "Client Authentication failed.");
        return;
    } else if (!client_authenticated(s, c, &r)) {
        oauth_error(s, c, 401, "invalid_client",
                    "A valid OAuth client could not be found for the given client_id");
        return;
    }
    if (!r.grant[0]) {
        oauth_error(s, c, 400, "invalid_request", "Missing grant_type parameter value");
        return;
    }
    if (!strcmp(r.grant, "password")) {
        if (!r.user[0] || !r.password[0]) {
            oauth_error(s, c, 400, "invalid_request",
                        "Missing parameters: username and password are required");
            return;
        }
        if (!gscfg_user_ok(cfg, r.user, r.password)) {
            char why[FIELD_BYTES + 32];
            snprintf(why, sizeof why, "Authentication failed for %s", r.user);
            oauth_error(s, c, 400, "invalid_grant", why);
            return;
        }
    } else if (!strcmp(r.grant, "refresh_token")) {
        struct gstok_claims rcl;
        uint64_t key;
        size_t n = strlen(r.refresh);
        if (!cfg->refresh_tokens || n != GSTOK_CHARS + 1 || r.refresh[0] != 'r' ||
            gstok_check(r.refresh + 1, n - 1, gssrv_token_clock_us(s), s->revoked_before_us, &rcl,
                        &key) != GSTOK_OK ||
            rcl.client != gscfg_client_hash(r.id, strlen(r.id))) {
            s->stats.refresh_refused++;
            oauth_error(s, c, 400, "invalid_grant", "Persisted access token data not found");
            return;
        }
        s->stats.refresh_accepted++;
    } else if (strcmp(r.grant, "client_credentials") != 0) {
        oauth_error(s, c, 400, "unsupported_grant_type", "Unsupported grant_type value");
        return;
    }
    issue(s, c, &r);
}
