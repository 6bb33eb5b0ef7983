/*
 * net/test_auth_answer.c — auth_answer.c: token endpoint answers parsed
 * (tokens, lifetimes, refresh tokens, refusals and their messages) and
 * refresh timing. The pool itself (fetching, refreshing, 401 handling) is
 * exercised against the gateway simulator's token endpoint in
 * tests/it/run_auth.sh.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/auth_answer.h"

static void parse_ok(void **state)
{
    (void)state;
    char *tok = NULL, err[256];
    double life = -1;
    const char *b = "{\"access_token\":\"abc123\",\"scope\":\"default\",\"token_type\":\"Bearer\","
                    "\"expires_in\":3600}";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), 0);
    assert_string_equal(tok, "abc123");
    assert_true(life == 3600);
    free(tok);
    /* expires_in as a string (some servers), and absent */
    b = "{\"access_token\":\"x.y.z\",\"expires_in\":\"120\"}";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), 0);
    assert_true(life == 120);
    free(tok);
    b = "{\"access_token\":\"t\"}";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), 0);
    assert_true(life == 0);
    free(tok);
}

static void parse_errors(void **state)
{
    (void)state;
    char *tok = NULL, err[256];
    double life;
    const char *b = "{\"error\":\"invalid_client\",\"error_description\":\"Client "
                    "Authentication failed.\"}";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), -1);
    assert_string_equal(err, "invalid_client: Client Authentication failed.");
    assert_null(tok);
    b = "<html>oops</html>";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "not JSON"));
    b = "{\"token_type\":\"Bearer\"}";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "no access_token"));
    b = "{\"access_token\":\"a b\"}";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "control character"));
    b = "{\"access_token\":\"ab\",\"expires_in\":\"soon\"}";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "expires_in"));
    b = "{\"access_token\":\"ab\",\"expires_in\":-5}";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), -1);
}

static void refresh_timing(void **state)
{
    (void)state;
    /* 20 % of 3600 s ahead, no jitter */
    assert_float_equal(auth_refresh_after_s(3600, 0, 0.2, 0), 2880, 1e-9);
    /* a fixed lead */
    assert_float_equal(auth_refresh_after_s(3600, 60, 0.2, 0), 3540, 1e-9);
    /* a lead longer than the lifetime is capped at 90 % of it */
    assert_float_equal(auth_refresh_after_s(30, 60, 0.2, 0), 3, 1e-9);
    /* jitter takes up to 5 % of the lifetime more */
    assert_float_equal(auth_refresh_after_s(100, 0, 0.2, 1), 75, 1e-9);
    assert_float_equal(auth_refresh_after_s(100, 0, 0.2, 0.5), 77.5, 1e-9);
    /* always before expiry, never negative */
    for (double life = 1; life < 100000; life *= 3.7)
        for (double j = 0; j <= 1; j += 0.25) {
            double t = auth_refresh_after_s(life, 0, 0.2, j);
            assert_true(t > 0 && t < life);
            t = auth_refresh_after_s(life, 1e9, 0, j);
            assert_true(t > 0 && t < life);
        }
}

/* expires_in: numbers and number-shaped strings only; lifetimes too long to
 * schedule come back as given, saturated at AUTH_LIFETIME_MAX_S (results.json
 * must be able to read them back). */
static void parse_lifetimes(void **state)
{
    (void)state;
    char *tok = NULL, err[256];
    double life;
    static const struct {
        const char *expires_in;
        double life;
    } ok[] = {
        {"9223372036854775", 9223372036854775.0}, /* WSO2: "does not expire" */
        {"1e308", 1e308},
        {"\"9223372036854775\"", 9223372036854775.0},
        {"\"1e400\"", AUTH_LIFETIME_MAX_S}, /* overflows a double: saturated */
        {"1.7976931348623157e308", AUTH_LIFETIME_MAX_S},
        {"0", 0},
        {"null", 0},
        {"0.5", 0.5},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char b[128];
        snprintf(b, sizeof b, "{\"access_token\":\"t\",\"expires_in\":%s}", ok[i].expires_in);
        life = -1;
        assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), 0);
        assert_true(isfinite(life));
        assert_true(life == ok[i].life);
        free(tok);
    }
    /* strings that strtod reads but that are no number of seconds */
    static const char *const bad[] = {"\"nan\"", "\"NaN\"", "\"inf\"", "\"-infinity\"", "\"0x10\"",
                                      "\" 5\"",  "\"5s\"",  "\"\"",    "true",          "[1]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char b[128];
        snprintf(b, sizeof b, "{\"access_token\":\"t\",\"expires_in\":%s}", bad[i]);
        tok = NULL;
        assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), -1);
        assert_null(tok);
        assert_non_null(strstr(err, "expires_in"));
    }
    /* negative: said so */
    const char *b = "{\"access_token\":\"t\",\"expires_in\":-5}";
    assert_int_equal(auth_parse_token(b, strlen(b), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "negative"));
}

/* When the next refresh is due, in ns: saturated, never before now; a
 * lifetime that means "does not expire" (none, 0, longer than
 * AUTH_LIFETIME_NEVER_S, not finite) is never due (INT64_MAX). */
static void refresh_due(void **state)
{
    (void)state;
    const int64_t now = 5000000000LL;
    assert_true(auth_refresh_due_ns(now, 3600, 0, 0.2, 0) == now + 2880000000000LL);
    /* at least AUTH_MIN_SPACING_MS after the token came */
    assert_true(auth_refresh_due_ns(now, 0.01, 0, 0.2, 0) == now + AUTH_MIN_SPACING_MS * 1000000LL);
    /* a lead beyond any lifetime: 90 % of it */
    assert_true(auth_refresh_due_ns(now, 3600, 1e300, 0.2, 0) == now + 360000000000LL);
    static const double never[] = {
        0,
        -1,
        NAN,
        INFINITY,
        9223372036854775.0,
        1e308,
        DBL_MAX,
        1e10,
        AUTH_LIFETIME_NEVER_S * 1.0000001,
    };
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        for (double j = 0; j <= 1; j += 0.5) {
            assert_true(auth_refresh_due_ns(now, never[i], 0, 0.2, j) == INT64_MAX);
            assert_true(auth_refresh_due_ns(now, never[i], 60, 0, j) == INT64_MAX);
        }
    /* the longest lifetime that is scheduled: ahead of it, after now */
    int64_t t = auth_refresh_due_ns(now, AUTH_LIFETIME_NEVER_S, 0, 0.2, 1);
    assert_true(t > now && t < now + (int64_t)(AUTH_LIFETIME_NEVER_S * 1e9));
    /* saturated near the end of the clock, never wrapped round */
    assert_true(auth_refresh_due_ns(INT64_MAX - 1000, 3600, 0, 0.2, 0) == INT64_MAX);
    assert_true(auth_refresh_due_ns(INT64_MAX - 1000, 0.01, 0, 0.2, 0) == INT64_MAX);
    /* any lifetime: never before now */
    for (double life = 1e-6; life < 1e12; life *= 7.3)
        assert_true(auth_refresh_due_ns(now, life, 0, 0.2, 1) > now);
}

/* Answers that are no token answer get a message that says what they are:
 * too large, cut short, empty, not JSON, JSON but no object. */
static void parse_answers(void **state)
{
    (void)state;
    char *tok = NULL, err[256];
    double life;
    /* a 4 MB answer (valid JSON): the pool keeps its first
     * AUTH_ANSWER_MAX_BYTES + 1 bytes, which is how it knows */
    size_t big = 4u << 20;
    char *b = malloc(big);
    assert_non_null(b);
    int n = snprintf(b, big, "{\"access_token\":\"abc\",\"expires_in\":3600,\"pad\":\"");
    memset(b + n, 'x', big - (size_t)n - 2);
    memcpy(b + big - 2, "\"}", 2);
    assert_int_equal(auth_parse_token(b, AUTH_ANSWER_MAX_BYTES + 1, &tok, &life, err, sizeof err),
                     -1);
    assert_null(tok);
    char want[64];
    snprintf(want, sizeof want, "larger than %d bytes", AUTH_ANSWER_MAX_BYTES);
    assert_non_null(strstr(err, want));
    assert_null(strstr(err, "not a JSON object"));
    /* up to the limit it is an answer like any other */
    n = snprintf(b, big, "{\"access_token\":\"abc\",\"pad\":\"");
    memset(b + n, 'x', AUTH_ANSWER_MAX_BYTES - (size_t)n - 2);
    memcpy(b + AUTH_ANSWER_MAX_BYTES - 2, "\"}", 2);
    assert_int_equal(auth_parse_token(b, AUTH_ANSWER_MAX_BYTES, &tok, &life, err, sizeof err), 0);
    assert_string_equal(tok, "abc");
    free(tok);
    tok = NULL;
    /* cut short: the JSON does not end */
    const char *c = "{\"access_token\":\"abc";
    assert_int_equal(auth_parse_token(c, strlen(c), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "cut short"));
    c = "{\"access_token\":\"abc\",";
    assert_int_equal(auth_parse_token(c, strlen(c), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "cut short"));
    /* empty */
    assert_int_equal(auth_parse_token(" \r\n", 3, &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    assert_int_equal(auth_parse_token("", 0, &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    /* JSON, but no object */
    c = "[{\"access_token\":\"abc\"}]";
    assert_int_equal(auth_parse_token(c, strlen(c), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "a JSON array, not an object"));
    /* not JSON: where, and never the answer's own bytes */
    c = "access_token=s3cr3t-t0ken&expires_in=3600";
    assert_int_equal(auth_parse_token(c, strlen(c), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "not JSON"));
    assert_null(strstr(err, "s3cr3t"));
    c = "{\"access_token\":\"s3cr3t-t0ken\", oops}";
    assert_int_equal(auth_parse_token(c, strlen(c), &tok, &life, err, sizeof err), -1);
    assert_non_null(strstr(err, "not JSON"));
    assert_null(strstr(err, "s3cr3t"));
    assert_null(strstr(err, "oops"));
    assert_null(tok);
    free(b);
}

/* A token answer's refresh_token: kept when there is one, none when
 * absent or not a string, refused when it holds a space. */
static void parse_refresh(void **state)
{
    (void)state;
    char *rt = (char *)1;
    const char *b = "{\"access_token\":\"a\",\"refresh_token\":\"r-123\",\"expires_in\":60}";
    assert_int_equal(auth_parse_refresh(b, strlen(b), &rt), 0);
    assert_string_equal(rt, "r-123");
    free(rt);
    b = "{\"access_token\":\"a\"}";
    assert_int_equal(auth_parse_refresh(b, strlen(b), &rt), 0);
    assert_null(rt);
    b = "{\"access_token\":\"a\",\"refresh_token\":42}";
    assert_int_equal(auth_parse_refresh(b, strlen(b), &rt), 0);
    assert_null(rt);
    b = "{\"access_token\":\"a\",\"refresh_token\":\"r 1\"}";
    assert_int_equal(auth_parse_refresh(b, strlen(b), &rt), -1);
    assert_null(rt);
    assert_int_equal(auth_parse_refresh("not json", 8, &rt), 0);
    assert_null(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_ok),        cmocka_unit_test(parse_errors),
        cmocka_unit_test(parse_refresh),   cmocka_unit_test(refresh_timing),
        cmocka_unit_test(parse_lifetimes), cmocka_unit_test(refresh_due),
        cmocka_unit_test(parse_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
