/*
 * auth_answer.c — a token endpoint's answer read (the token, its
 * lifetime, a refresh token; messages that never copy the answer's other
 * bytes) and the refresh time of a token; see auth_answer.h.
 */
#include "net/auth_answer.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* expires_in: a number, or a string that holds exactly one (some servers
 * quote it); strtod alone would also take "nan", "inf", "0x10" and
 * leading spaces. Returns 0 with 0 <= *out <= AUTH_LIFETIME_MAX_S, or -1
 * with why. */
static int read_lifetime(const json_t *ex, double *out, char *err, size_t err_len)
{
    double life = 0;
    if (json_is_number(ex)) {
        life = json_number_value(ex);
    } else if (json_is_string(ex)) {
        const char *s = json_string_value(ex);
        char *end;
        if (!*s || strspn(s, "0123456789+-.eE") != strlen(s) || (life = strtod(s, &end), *end)) {
            snprintf(err, err_len, "expires_in \"%.40s\" is not a number of seconds", s);
            return -1;
        }
    } else if (ex && !json_is_null(ex)) {
        snprintf(err, err_len, "expires_in is not a number of seconds");
        return -1;
    }
    if (isnan(life)) {
        snprintf(err, err_len, "expires_in is not a number of seconds");
        return -1;
    }
    if (life < 0) {
        snprintf(err, err_len, "expires_in is negative (%g s); the answer is wrong", life);
        return -1;
    }
    /* "1e400" overflows to infinity; and jansson writes DBL_MAX rounded up
     * to a number it cannot read back */
    *out = life > AUTH_LIFETIME_MAX_S ? AUTH_LIFETIME_MAX_S : life;
    return 0;
}

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_ARRAY:
        return "a JSON array";
    case JSON_STRING:
        return "a JSON string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a JSON number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a JSON boolean";
    case JSON_NULL:
        return "JSON null";
    default:
        return "JSON";
    }
}

/* Why body is no JSON: empty, cut short, or what jansson found where (its
 * text without " near '...'", which quotes the answer). */
static void answer_not_json(const char *body, size_t len, const json_error_t *je, char *err,
                            size_t err_len)
{
    size_t blank = 0;
    while (blank < len && strchr(" \t\r\n", body[blank]))
        blank++;
    if (blank == len) {
        snprintf(err, err_len, "the answer is empty");
        return;
    }
    if (json_error_code(je) == json_error_premature_end_of_input ||
        (je->position >= 0 && (size_t)je->position >= len && strstr(je->text, "end of file"))) {
        snprintf(err, err_len, "the answer was cut short: its JSON ends early, after %zu bytes",
                 len);
        return;
    }
    const char *near = strstr(je->text, " near ");
    int n = near ? (int)(near - je->text) : (int)strlen(je->text);
    snprintf(err, err_len, "the answer is not JSON (at byte %d: %.*s)", je->position, n, je->text);
}

int auth_parse_token(const char *body, size_t len, char **token, double *lifetime_s, char *err,
                     size_t err_len)
{
    json_error_t je;
    json_t *o = NULL;
    int rc = -1;
    if (len > AUTH_ANSWER_MAX_BYTES) {
        snprintf(err, err_len,
                 "the answer is larger than %d bytes, too large for a token answer (a small "
                 "JSON object)",
                 AUTH_ANSWER_MAX_BYTES);
        goto out;
    }
    if (!(o = json_loadb(body, len, 0, &je))) {
        answer_not_json(body, len, &je, err, err_len);
        goto out;
    }
    if (!json_is_object(o)) {
        snprintf(err, err_len, "the answer is %s, not an object", json_kind(o));
        goto out;
    }
    const char *e = json_string_value(json_object_get(o, "error"));
    const char *ed = json_string_value(json_object_get(o, "error_description"));
    if (e) {
        snprintf(err, err_len, "%s%s%s", e, ed ? ": " : "", ed ? ed : "");
        goto out;
    }
    json_t *t = json_object_get(o, "access_token");
    if (!json_is_string(t) || !json_string_length(t)) {
        snprintf(err, err_len, "the answer has no access_token");
        goto out;
    }
    const char *tok = json_string_value(t);
    for (const char *q = tok; *q; q++)
        if ((unsigned char)*q < 0x21 || *q == 0x7f) {
            snprintf(err, err_len, "the access_token holds a space or control character");
            goto out;
        }
    double life;
    if (read_lifetime(json_object_get(o, "expires_in"), &life, err, err_len))
        goto out;
    if (!(*token = strdup(tok))) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    *lifetime_s = life;
    rc = 0;
out:
    json_decref(o);
    return rc;
}

int auth_parse_refresh(const char *body, size_t len, char **refresh)
{
    *refresh = NULL;
    json_t *o = len <= AUTH_ANSWER_MAX_BYTES ? json_loadb(body, len, 0, NULL) : NULL;
    const char *rt = json_string_value(json_object_get(o, "refresh_token"));
    int rc = 0;
    for (const char *q = rt; q && *q && !rc; q++)
        if ((unsigned char)*q < 0x21 || *q == 0x7f)
            rc = -1;
    if (rt && *rt && !rc && !(*refresh = strdup(rt)))
        rc = -1;
    json_decref(o);
    return rc;
}

double auth_refresh_after_s(double lifetime_s, double before_s, double before_frac, double jitter01)
{
    double lead = before_s > 0 ? before_s : before_frac * lifetime_s;
    if (lead > 0.9 * lifetime_s)
        lead = 0.9 * lifetime_s;
    return lifetime_s - lead - jitter01 * 0.05 * lifetime_s;
}

int64_t auth_refresh_due_ns(int64_t now_ns, double lifetime_s, double before_s, double before_frac,
                            double jitter01)
{
    /* !(x > 0) is also true for NaN */
    if (!(lifetime_s > 0) || !(lifetime_s <= AUTH_LIFETIME_NEVER_S))
        return INT64_MAX;
    double after_s = auth_refresh_after_s(lifetime_s, before_s, before_frac, jitter01);
    if (!(after_s >= AUTH_MIN_SPACING_MS / 1000.0))
        after_s = AUTH_MIN_SPACING_MS / 1000.0;
    /* after_s <= 10 years: at most 3.2e17 ns, exact enough and no overflow */
    int64_t after_ns = (int64_t)(after_s * 1e9);
    return now_ns > INT64_MAX - after_ns ? INT64_MAX : now_ns + after_ns;
}
