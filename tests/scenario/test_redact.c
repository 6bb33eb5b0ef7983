/*
 * scenario/test_redact.c — the one redaction of what gatecap writes (harness/
 * redact.c): credential shapes in any text (URL userinfo, secret query and
 * form parameters, JSON members, Authorization and API key headers, HTTP
 * auth schemes, JWTs), every secret a real scenario knows in the forms a
 * server may echo (raw, form-encoded, HTTP Basic), secrets cut at the end
 * of a text, short secrets, fetched tokens added later, and the output
 * rules (one line, control characters, UTF-8, truncation after masking,
 * in place).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario/redact.h"
#include "scenario/scenario.h"

static char out[4096];

/* Redacts in with r (flags) into out; returns out. */
static const char *red(const struct redact *r, const char *in, unsigned flags)
{
    size_t n = redact_text(r, in, out, sizeof out, flags);
    assert_int_equal(n, strlen(out));
    return out;
}

static void shapes(void **state)
{
    (void)state;
    assert_string_equal(red(NULL, "https://user:hunter2pw@gw.example.com:8243/x", 0),
                        "https://<redacted>@gw.example.com:8243/x");
    assert_string_equal(red(NULL, "'http://k3y@h/' is wrong", 0),
                        "'http://<redacted>@h/' is wrong");
    assert_string_equal(red(NULL, "/x?apikey=SEKRITKEY&a=b", 0), "/x?apikey=<redacted>&a=b");
    assert_string_equal(red(NULL, "/x?a=1&access_token=abc.def&b=2", 0),
                        "/x?a=1&access_token=<redacted>&b=2");
    assert_string_equal(
        red(NULL, "grant_type=password&username=alice&password=p%40ss&client_secret=abc", 0),
        "grant_type=password&username=alice&password=<redacted>&client_secret=<redacted>");
    assert_string_equal(red(NULL, "{\"client_secret\": \"abc \\\" def\", \"name\":\"x\"}", 0),
                        "{\"client_secret\": \"<redacted>\", \"name\":\"x\"}");
    /* (lines are masked first, then joined) */
    assert_string_equal(red(NULL,
                            "POST / HTTP/1.1\r\nAuthorization: Basic YXBwMTpzM2Mmcj10\r\n"
                            "Host: km\r\nX-API-Key: k-123\r\nCookie: s=1\r\n",
                            REDACT_ONE_LINE),
                        "POST / HTTP/1.1  Authorization: <redacted>  Host: km  "
                        "X-API-Key: <redacted>  Cookie: <redacted>  ");
    assert_string_equal(red(NULL, "sent Basic YXBwMTpzM2Mmcj10= and bearer abcdefgh12345 then", 0),
                        "sent Basic <redacted> and bearer <redacted> then");
    assert_string_equal(red(NULL, "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl ok", 0),
                        "token <redacted> ok");
    /* gatecap's own messages stay as they are */
    static const char *const plain[] = {
        "token endpoint http://km:9443/oauth2/token: 3 requests (2 before the run), 0 failed",
        "requests.0.headers.Authorization: a header value cannot hold line breaks or NULs",
        "auth.applications.0.client_secret: give client_secret or client_secret_file, not both",
        "auth: app-1 has no client_secret; give client_secret: ${SECRET}",
        "gate 'p99 < 250ms' on request accounts failed at 10 s: 312ms",
        "the gateway wants 'Authorization : Bearer ***' or a Bearer token",
        "expires_in=3600 scope=default",
        "environment variable API_TOKEN is not set; export API_TOKEN=... before running",
        "no token for application a1 from https://km:9443/oauth2/token: invalid_client",
        "connect to 127.0.0.1:8243: Connection refused (refused)",
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        assert_string_equal(red(NULL, plain[i], 0), plain[i]);
}

static struct scenario *load(const char *yaml)
{
    struct scenario *s = NULL;
    char err[4096];
    int rc = scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &s, err, sizeof err);
    if (rc)
        fail_msg("scenario: %s", err);
    return s;
}

/* Every secret of a scenario, in the forms a token endpoint or gateway may
 * echo them. */
static void scenario_secrets(void **state)
{
    (void)state;
    setenv("GC_RT_ID", "client-id-from-env", 1);
    setenv("GC_RT_SECRET", "s3c&r+t/x~y", 1);
    setenv("GC_RT_PASSWORD", "p@ss word!", 1);
    setenv("GC_RT_TOKEN", "static-api-token-42", 1);
    struct scenario *s =
        load("targets: [http://127.0.0.1]\n"
             "requests:\n"
             "  - path: /echo?apikey=k3y-in-the-path&n=1\n"
             "    headers: {X-Auth-Token: \"Bearer ${GC_RT_TOKEN}\", "
             "X-Tenant: visible-value, X-Custom: !secret marked-secret-value}\n"
             "load: {phases: [{duration: 1s, rate: 10/s}]}\n"
             "auth:\n"
             "  token_url: https://127.0.0.1:9443/oauth2/token\n"
             "  grant: password\n"
             "  applications:\n"
             "    - {name: a1, client_id: \"${GC_RT_ID}\", client_secret: "
             "\"${GC_RT_SECRET}\", username: alice, password: \"${GC_RT_PASSWORD}\"}\n"
             "    - {name: a2, client_id: plain-id, client_secret: other-secret-2,"
             " username: bob, password: ab}\n");
    struct redact *r = NULL;
    assert_int_equal(redact_new(s, &r), 0);
    /* raw */
    assert_string_equal(red(r, "id client-id-from-env secret s3c&r+t/x~y!", 0),
                        "id <redacted> secret <redacted>!");
    assert_string_equal(red(r, "pw p@ss word! end", 0), "pw <redacted> end");
    /* form-encoded (upper- and lower-case hex, '+' or %20 for a space) */
    assert_string_equal(red(r, "a s3c%26r%2Bt%2Fx~y b s3c%26r%2bt%2fx~y c", 0),
                        "a <redacted> b <redacted> c");
    assert_string_equal(red(r, "[p%40ss+word%21] [p%40ss%20word%21]", 0),
                        "[<redacted>] [<redacted>]");
    /* HTTP Basic of the form-encoded id and secret, as auth.c sends it */
    assert_string_equal(red(r, "got Y2xpZW50LWlkLWZyb20tZW52OnMzYyUyNnIlMkJ0JTJGeH55 back", 0),
                        "got <redacted> back");
    /* a client_id that is not secret stays; its secret does not */
    assert_string_equal(red(r, "plain-id:other-secret-2", 0), "plain-id:<redacted>");
    /* static tokens from the environment, with or without their scheme;
     * values tagged !secret; other header values stay */
    assert_string_equal(red(r, "t=static-api-token-42", 0), "t=<redacted>");
    assert_string_equal(red(r, "marked-secret-value visible-value", 0), "<redacted> visible-value");
    /* a path's key, wherever it is quoted; the path stays readable */
    assert_string_equal(red(r,
                            "check 'GET /echo?apikey=k3y-in-the-path&n=1' failed; key "
                            "k3y-in-the-path",
                            0),
                        "check 'GET /echo?apikey=<redacted>&n=1' failed; key <redacted>");
    /* a secret cut at the end of a text (someone else shortened it) */
    assert_string_equal(red(r, "description: secret was other-sec", 0),
                        "description: secret was <redacted>");
    assert_string_equal(red(r, "ends in oth", 0), "ends in oth"); /* 3 bytes: too short */
    /* short secrets (password "ab") are not searched for everywhere ... */
    assert_string_equal(red(r, "a cab about abba", 0), "a cab about abba");
    /* ... but never survive where they are named */
    assert_string_equal(red(r, "username=bob&password=ab&x=1", 0),
                        "username=bob&password=<redacted>&x=1");
    /* tokens fetched during the run */
    assert_string_equal(red(r, "token 4f9a0c77d1e2 seen", 0), "token 4f9a0c77d1e2 seen");
    assert_int_equal(redact_add(r, "4f9a0c77d1e2"), 0);
    assert_string_equal(red(r, "token 4f9a0c77d1e2 seen", 0), "token <redacted> seen");
    redact_free(r);
    scenario_free(s);
    redact_free(NULL);
}

/* Many applications: every one's secret is found (an index, not a scan
 * per secret). */
static void many_secrets(void **state)
{
    (void)state;
    struct redact *r = NULL;
    assert_int_equal(redact_new(NULL, &r), 0);
    char sec[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(sec, sizeof sec, "secret-number-%04d", i);
        assert_int_equal(redact_add(r, sec), 0);
    }
    assert_string_equal(red(r, "x secret-number-0000 y secret-number-4999 z secret-number-5000", 0),
                        "x <redacted> y <redacted> z secret-number-5000");
    /* overlapping and adjacent secrets make one mark */
    assert_int_equal(redact_add(r, "abcdef"), 0);
    assert_int_equal(redact_add(r, "defghi"), 0);
    assert_string_equal(red(r, "[abcdefghi][abcdefdefghi]", 0), "[<redacted>][<redacted>]");
    redact_free(r);
}

static void output_rules(void **state)
{
    (void)state;
    /* control characters never reach a terminal; one line when asked */
    assert_string_equal(red(NULL, "a\x1b[31mred\x7f", 0), "a?[31mred?");
    assert_string_equal(red(NULL, "a\r\nb\tc", REDACT_ONE_LINE), "a  b c");
    assert_string_equal(red(NULL, "a\nb\tc\rd", 0), "a\nb\tc?d");
    /* well-formed UTF-8 stays, anything else is '?' */
    assert_string_equal(red(NULL, "caf\xc3\xa9 \xff\xc3(", 0), "caf\xc3\xa9 ?"
                                                               "?(");
    assert_string_equal(red(NULL, NULL, 0), "");
    /* truncation after masking: "..." at a character boundary, and never
     * the start of a secret */
    char small[16];
    redact_text(NULL, "abcdefghijklmnopqrstuvwxyz", small, sizeof small, 0);
    assert_string_equal(small, "abcdefghijkl...");
    redact_text(NULL, "abcdefghijk\xc3\xa9xyzxyzxyz", small, sizeof small, 0);
    assert_string_equal(small, "abcdefghijk...");
    redact_text(NULL, "password=0123456789abcdef", small, sizeof small, 0);
    assert_string_equal(small, "password=<re...");
    char tiny[3];
    redact_text(NULL, "abcdef", tiny, sizeof tiny, 0);
    assert_string_equal(tiny, "ab");
    /* in place */
    char buf[64] = "go to https://u:pw@h/x now";
    assert_int_equal(redact_text(NULL, buf, buf, sizeof buf, 0),
                     strlen("go to https://<redacted>@h/x now"));
    assert_string_equal(buf, "go to https://<redacted>@h/x now");
}

static void sensitive_names(void **state)
{
    (void)state;
    static const char *const yes[] = {"Authorization", "apikey",    "X-API-Key", "client_secret",
                                      "password",      "passwd",    "pwd",       "access_token",
                                      "Cookie",        "SESSIONID", "jwt",       "credentials"};
    static const char *const no[] = {"username", "client_id", "grant_type", "scope", "name", "a"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(redact_sensitive_name(yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(redact_sensitive_name(no[i], strlen(no[i])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shapes),          cmocka_unit_test(scenario_secrets),
        cmocka_unit_test(many_secrets),    cmocka_unit_test(output_rules),
        cmocka_unit_test(sensitive_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
