/*
 * cfg_auth.c — the options of the simulator's API-manager side: OAuth
 * clients and users, tokens and the token endpoint, throttling (per node,
 * per token, per application), revoked clients, request signatures and
 * the Open Banking journey. Their setters and their rows of the option
 * table (cfg.c holds the rest and looks options up in both; cfg_int.h).
 */
#include "cfg.h"
#include "cfg_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_onoff(const char *s, bool *out)
{
    if (!strcmp(s, "on") || !strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes"))
        *out = true;
    else if (!strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no"))
        *out = false;
    else
        return -EINVAL;
    return 0;
}

static int set_auth(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (parse_onoff(v, &c->auth))
        GSCFG_BAD("'%s' is not on or off", v);
    return 0;
}

static int set_token_ttl(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    double s;
    if (gscfg_parse_duration(v, 1, &s) || s < 0.001 || s > 1e9)
        GSCFG_BAD("'%s' is not a duration >= 1ms (e.g. 3600, 2s, 500ms; a bare number is seconds)",
                  v);
    c->token_ttl_s = s;
    return 0;
}

static int set_rate(double *out, const char *v, char *err, size_t errlen)
{
    if (gscfg_parse_double(v, 0, 1e9, out))
        GSCFG_BAD("'%s' is not a limit >= 0 in requests per throttle unit (0 = off)", v);
    return 0;
}

static int set_throttle_rate(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return set_rate(&c->throttle_rate, v, err, errlen);
}

static int set_throttle_per_token(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return set_rate(&c->throttle_per_token, v, err, errlen);
}

static int set_throttle_unit(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    double s;
    if (gscfg_parse_duration(v, 1, &s) || s < 0.001 || s > 86400)
        GSCFG_BAD("'%s' is not a duration from 1ms to 1 day (e.g. 1s, 60s, 500ms; a bare number is "
                  "seconds)",
                  v);
    c->throttle_unit_s = s;
    return 0;
}

static int set_throttle_window(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (!strcmp(v, "fixed"))
        c->throttle_window = GSCFG_WINDOW_FIXED;
    else if (!strcmp(v, "sliding"))
        c->throttle_window = GSCFG_WINDOW_SLIDING;
    else
        GSCFG_BAD("'%s' is not fixed or sliding", v);
    return 0;
}

static int set_journey(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (!strcmp(v, "open-banking"))
        c->journey = GSCFG_JOURNEY_OPEN_BANKING;
    else if (!strcmp(v, "off"))
        c->journey = GSCFG_JOURNEY_OFF;
    else
        GSCFG_BAD("'%s' is not open-banking or off", v);
    return 0;
}

static int set_journey_settle(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    double s;
    if (gscfg_parse_duration(v, 1, &s) || s > 86400)
        GSCFG_BAD(
            "'%s' is not a duration up to 1 day (e.g. 2s, 500ms; a bare number is seconds; 0 = "
            "settled at the first poll)",
            v);
    c->journey_settle_s = s;
    return 0;
}

/* A fraction 0..1 or a percentage "N%". */
static int set_journey_refuse(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    char num[64];
    size_t n = strlen(v);
    bool pct = n > 0 && v[n - 1] == '%';
    size_t digits = pct ? n - 1 : n;
    double f;
    if (digits >= sizeof num)
        GSCFG_BAD("'%s' is too long", v);
    memcpy(num, v, digits);
    num[digits] = 0;
    if (gscfg_parse_double(num, 0, pct ? 100 : 1, &f))
        GSCFG_BAD(
            "'%s' is not a share of consents: a fraction 0..1 or a percentage (e.g. 0.01 or 1%%)",
            v);
    c->journey_refuse = pct ? f / 100 : f;
    return 0;
}

/* The value is a secret: messages never repeat it. */
static int set_journey_secret(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof c->journey_secret)
        GSCFG_BAD("the secret must be 1..%zu bytes long", sizeof c->journey_secret - 1);
    memcpy(c->journey_secret, v, n + 1);
    c->journey_secret_set = true;
    return 0;
}

static int set_retry_after(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (parse_onoff(v, &c->retry_after))
        GSCFG_BAD("'%s' is not on or off", v);
    return 0;
}

static int set_token_delay(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    double s;
    if (gscfg_parse_duration(v, 1e-3, &s) || s > 3600)
        GSCFG_BAD(
            "'%s' is not a duration up to 1 h (e.g. 200ms, 2s; a bare number is ms; 0 = none)", v);
    c->token_delay_s = s;
    return 0;
}

static int set_token_error_rate(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_set_fraction(&c->token_error_rate, v, err, errlen);
}

/* Any printable ASCII but backslash: the text goes into the JSON answer as
 * it is (a number, a string in quotes, null, or something malformed). */
static int set_token_expires_in(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n >= sizeof c->token_expires_in)
        GSCFG_BAD("is longer than %zu characters", sizeof c->token_expires_in - 1);
    for (const char *p = v; *p; p++)
        if (*p < 0x20 || *p > 0x7e || *p == '\\')
            GSCFG_BAD(
                "holds a control character, a backslash or a non-ASCII byte; write JSON such as "
                "9223372036854775, 1e308, \"3600\" or null (\"\" = the token lifetime)");
    memcpy(c->token_expires_in, v, n + 1);
    return 0;
}

static int set_refresh_tokens(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (parse_onoff(v, &c->refresh_tokens))
        GSCFG_BAD("--refresh-tokens: '%s' is not on or off", v);
    return 0;
}

static int set_verify_jws(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (!strcmp(v, "off") || !*v) {
        c->verify_jws[0] = '\0';
        return 0;
    }
    return gscfg_copy_str(c->verify_jws, sizeof c->verify_jws, v, err, errlen);
}

static int set_token_audience(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (!*v) { /* "": back to any URL ending in /oauth2/token */
        c->token_audience[0] = '\0';
        return 0;
    }
    return gscfg_copy_str(c->token_audience, sizeof c->token_audience, v, err, errlen);
}

static int set_token_echo(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (parse_onoff(v, &c->token_echo))
        GSCFG_BAD("'%s' is not on or off", v);
    return 0;
}

static int set_token_pad(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    size_t n;
    if (gscfg_parse_size(v, &n) || n > 64u * 1024 * 1024)
        GSCFG_BAD("'%s' is not a size 0..64MiB (e.g. 4MiB; 0 = none)", v);
    c->token_pad_bytes = n;
    return 0;
}

const struct gscfg_opt gscfg_auth_opts[] = {
    {"client", "ID:SECRET[:R]", 0, gscfg_add_client,
     "OAuth client for /oauth2/token, R = its quota/s (repeatable; none = any accepted)"},
    {"clients-file", "FILE", 0, gscfg_read_clients_file,
     "file of ID:SECRET[:R] lines ('#' comments)"},
    {"client-key", "ID=PUBKEY.pem", 0, gscfg_add_client_key,
     "client ID's public key: private_key_jwt assertions and JWS signatures (repeatable)"},
    {"user", "USER:PASSWORD", 0, gscfg_add_user,
     "user for the password grant (repeatable; none = any accepted)"},
    {"auth", "on|off", GSCFG_OPT_RUNTIME, set_auth,
     "API calls need a valid Bearer token (default off)"},
    {"token-ttl", "DUR", GSCFG_OPT_RUNTIME, set_token_ttl, "token lifetime (default 3600s)"},
    {"throttle-rate", "R", GSCFG_OPT_RUNTIME, set_throttle_rate,
     "429 above R requests per unit (--throttle-unit) per node"},
    {"throttle-per-token", "R", GSCFG_OPT_RUNTIME, set_throttle_per_token,
     "429 above R requests per unit per token"},
    {"throttle-unit", "DUR", GSCFG_OPT_RUNTIME, set_throttle_unit,
     "the throttling window: every limit counts requests per DUR (default 1s); windows start "
     "when the node starts or its counters are reset, and setting it starts them anew"},
    {"throttle-window", "MODE", GSCFG_OPT_RUNTIME, set_throttle_window,
     "fixed (default) or sliding (weighted) windows of one unit"},
    {"app-quota", "ID:R", GSCFG_OPT_RUNTIME, gscfg_set_app_quota,
     "429 (900803) above R requests per unit per node for client ID's tokens; repeatable"},
    {"deny-client", "ID[:off]", GSCFG_OPT_RUNTIME, gscfg_set_deny,
     "401 (900901) for client ID's valid tokens (revoked keys); ID:off lets it in; repeatable"},
    {"journey", "MODE", GSCFG_OPT_RUNTIME, set_journey,
     "open-banking: serve the Open Banking 3.1 payment journey (consent, payment, status) on "
     "/open-banking/v3.1/pisp/...; off (default)"},
    {"journey-settle", "DUR", GSCFG_OPT_RUNTIME, set_journey_settle,
     "a payment's status turns AcceptedSettlementCompleted DUR after it was made (default 0)"},
    {"journey-refuse", "SHARE", GSCFG_OPT_RUNTIME, set_journey_refuse,
     "share of consents answered 201 with Status Rejected (e.g. 1%; --fault-spacing applies)"},
    {"journey-secret", "SECRET", 0, set_journey_secret,
     "key of the journey ids' MACs, the same on every node of a cluster (default: built in)"},
    {"retry-after", "on|off", GSCFG_OPT_RUNTIME, set_retry_after,
     "429 answers carry Retry-After: seconds (default off)"},
    {"token-delay", "DUR", GSCFG_OPT_RUNTIME, set_token_delay,
     "the token endpoint answers after DUR (default 0)"},
    {"token-error-rate", "F", GSCFG_OPT_RUNTIME, set_token_error_rate,
     "fraction of token requests answered 503"},
    {"token-expires-in", "JSON", GSCFG_OPT_RUNTIME, set_token_expires_in,
     "expires_in of token answers written as given (e.g. 9223372036854775, 1e308; default: "
     "the lifetime)"},
    {"refresh-tokens", "on|off", GSCFG_OPT_RUNTIME, set_refresh_tokens,
     "token answers carry a refresh_token (a day's life) for grant_type=refresh_token (default "
     "off)"},
    {"verify-jws", "HEADER|off", GSCFG_OPT_RUNTIME, set_verify_jws,
     "API requests with a body need a valid detached JWS in HEADER (e.g. x-jws-signature)"},
    {"token-audience", "URL", GSCFG_OPT_RUNTIME, set_token_audience,
     "the aud client assertions must carry (default: any URL ending in /oauth2/token)"},
    {"token-echo", "on|off", GSCFG_OPT_RUNTIME, set_token_echo,
     "token answers repeat the whole request, Authorization and body included (default off)"},
    {"token-pad", "SIZE", GSCFG_OPT_RUNTIME, set_token_pad,
     "token answers carry a \"pad\" member of SIZE bytes (default 0)"},
};

const size_t gscfg_n_auth_opts = sizeof gscfg_auth_opts / sizeof gscfg_auth_opts[0];
