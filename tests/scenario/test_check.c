/*
 * tests/scenario/test_check.c — checks and captures
 * (harness/scenario/check.c): every kind and operation, negation,
 * header lines (names ignoring case, several lines of one name, spaces
 * around values, a last line without CRLF), bodies in buffers of exactly
 * their size plus the NUL check.h asks for (REG_STARTEND and memmem stop
 * at body_len; a NUL inside is a byte), truncated bodies, compile errors, captures with
 * defaults, groups and a reused output buffer, copies per worker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/check.h"

static const char HEAD[] = "Content-Type: application/json; charset=utf-8\r\n"
                           "set-cookie: a=1\r\n"
                           "ETag:   \"v1\"  \r\n"
                           "Set-Cookie: b=2\r\n"
                           "X-Empty:\r\n"
                           "Location: /consents/urn-77\r\n"
                           "X-Last: tail"; /* no CRLF after the last line */

/* A response whose body is a copy of text in a buffer of exactly its
 * size and the NUL check.h asks for. Free with done(). */
static struct chk_response resp(int status, const char *text, size_t len)
{
    struct chk_response r = {status, HEAD, sizeof HEAD - 1, NULL, 0, false};
    if (text) {
        char *b = malloc(len + 1);
        assert_non_null(b);
        memcpy(b, text, len);
        b[len] = '\0';
        r.body = b;
        r.body_len = len;
    }
    return r;
}

static struct chk_response resp_s(int status, const char *text)
{
    return resp(status, text, strlen(text));
}

static void done(struct chk_response *r)
{
    free((char *)(uintptr_t)r->body);
}

static struct scn_check compile(struct chk_spec spec)
{
    struct scn_check c;
    char err[256];
    size_t pos;
    int rc = chk_compile(&spec, &c, &pos, err, sizeof err);
    if (rc)
        fail_msg("compile: %s", err);
    return c;
}

static void compile_fails(struct chk_spec spec, const char *want, size_t want_pos)
{
    struct scn_check c;
    char err[256] = "";
    size_t pos = 0;
    int rc = chk_compile(&spec, &c, &pos, err, sizeof err);
    if (rc != CHK_EINVAL || !strstr(err, want) || pos != want_pos)
        fail_msg("got %d '%s' at %zu, want '%s' at %zu", rc, err, pos, want, want_pos);
}

static struct chk_spec json_spec(const char *path, enum chk_op op, const char *value)
{
    return (struct chk_spec){.kind = CHK_JSON,
                             .op = op,
                             .exists = true,
                             .path = path,
                             .value = value,
                             .value_len = value ? strlen(value) : 0};
}

static struct chk_spec header_spec(const char *name, enum chk_op op, const char *value)
{
    return (struct chk_spec){.kind = CHK_HEADER,
                             .op = op,
                             .exists = true,
                             .header = name,
                             .value = value,
                             .value_len = value ? strlen(value) : 0};
}

static void status(void **state)
{
    (void)state;
    static const int ok[] = {200, 204};
    struct scn_check c =
        compile((struct chk_spec){.kind = CHK_STATUS, .statuses = ok, .n_statuses = 2});
    assert_false(c.needs_head || c.needs_body);
    struct chk_response r = resp_s(204, "");
    assert_true(chk_pass(&c, &r));
    r.status = 201;
    assert_int_equal(chk_eval(&c, &r), CHK_FAILED);
    r.status = -1;
    assert_false(chk_pass(&c, &r));
    r.status = 9999;
    assert_false(chk_pass(&c, &r));
    chk_free(&c);
    c = compile(
        (struct chk_spec){.kind = CHK_STATUS, .statuses = ok, .n_statuses = 1, .negate = true});
    r.status = 200;
    assert_false(chk_pass(&c, &r));
    r.status = 500;
    assert_true(chk_pass(&c, &r));
    chk_free(&c);
    done(&r);
    static const int bad[] = {99};
    compile_fails((struct chk_spec){.kind = CHK_STATUS, .statuses = bad, .n_statuses = 1},
                  "not an HTTP status", SIZE_MAX);
    compile_fails((struct chk_spec){.kind = CHK_STATUS}, "no status", SIZE_MAX);
}

static void headers(void **state)
{
    (void)state;
    struct chk_response r = resp_s(200, "{}");
    struct {
        struct chk_spec spec;
        enum chk_result want;
    } cases[] = {
        {header_spec("content-type", CHK_EXISTS, NULL), CHK_PASS},
        {header_spec("CONTENT-TYPE", CHK_MATCHES, "^application/json"), CHK_PASS},
        {header_spec("Content-Type", CHK_MATCHES, "^text/"), CHK_FAILED},
        {header_spec("Content-Typ", CHK_EXISTS, NULL), CHK_MISSING},
        {header_spec("Content-Type-X", CHK_EXISTS, NULL), CHK_MISSING},
        {header_spec("X-Nope", CHK_EQUALS, "a"), CHK_MISSING},
        /* spaces around a value are not part of it */
        {header_spec("etag", CHK_EQUALS, "\"v1\""), CHK_PASS},
        {header_spec("etag", CHK_MATCHES, "^\"v1\"$"), CHK_PASS},
        /* values compare with case */
        {header_spec("Location", CHK_EQUALS, "/Consents/urn-77"), CHK_FAILED},
        /* several lines of one name: any one satisfies */
        {header_spec("Set-Cookie", CHK_EQUALS, "b=2"), CHK_PASS},
        {header_spec("Set-Cookie", CHK_EQUALS, "a=1"), CHK_PASS},
        {header_spec("Set-Cookie", CHK_EQUALS, "c=3"), CHK_FAILED},
        {header_spec("X-Empty", CHK_EQUALS, ""), CHK_PASS},
        {header_spec("X-Last", CHK_EQUALS, "tail"), CHK_PASS},
        {header_spec("X-Last", CHK_MATCHES, "l$"), CHK_PASS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct scn_check c = compile(cases[i].spec);
        assert_true(c.needs_head && !c.needs_body);
        enum chk_result got = chk_eval(&c, &r);
        if (got != cases[i].want)
            fail_msg("case %zu (%s): got %d (%s), want %d", i, cases[i].spec.header, got,
                     chk_result_str(got), cases[i].want);
        chk_free(&c);
    }
    /* absent: exists: false passes, and fails when it is there */
    struct chk_spec s = header_spec("X-Nope", CHK_EXISTS, NULL);
    s.exists = false;
    struct scn_check c = compile(s);
    assert_true(chk_pass(&c, &r));
    chk_free(&c);
    s.header = "etag";
    c = compile(s);
    assert_int_equal(chk_eval(&c, &r), CHK_FAILED);
    chk_free(&c);
    /* not: the comparison is negated; a missing header still fails */
    s = header_spec("Set-Cookie", CHK_EQUALS, "c=3");
    s.negate = true;
    c = compile(s);
    assert_true(chk_pass(&c, &r));
    chk_free(&c);
    s.header = "X-Nope";
    c = compile(s);
    assert_int_equal(chk_eval(&c, &r), CHK_MISSING);
    /* a head not kept */
    r.head = NULL;
    assert_int_equal(chk_eval(&c, &r), CHK_NOT_KEPT);
    chk_free(&c);
    done(&r);
    compile_fails(header_spec("Bad Name", CHK_EXISTS, NULL), "not a header name", SIZE_MAX);
    compile_fails(header_spec("X:", CHK_EXISTS, NULL), "not a header name", SIZE_MAX);
    compile_fails(header_spec("X", CHK_MATCHES, "(a"), "not a POSIX extended regular", SIZE_MAX);
    s = header_spec("X", CHK_EXISTS, NULL);
    s.negate = true;
    compile_fails(s, "exists: false", SIZE_MAX);
}

static void json(void **state)
{
    (void)state;
    const char *doc = "{\"Data\": {\"Status\": \"AwaitingAuthorisation\", \"ConsentId\": "
                      "\"urn:\\u00e9-1\", \"Amount\": 42, \"Ok\": true, \"Obj\": {\"a\": 1}}}";
    struct chk_response r = resp_s(201, doc);
    struct {
        struct chk_spec spec;
        enum chk_result want;
    } cases[] = {
        {json_spec("$.Data.Status", CHK_EQUALS, "AwaitingAuthorisation"), CHK_PASS},
        {json_spec("$.Data.Status", CHK_EQUALS, "Awaiting"), CHK_FAILED},
        {json_spec("$.Data.ConsentId", CHK_EXISTS, NULL), CHK_PASS},
        {json_spec("$.Data.Missing", CHK_EXISTS, NULL), CHK_MISSING},
        {json_spec("$.Data.Missing", CHK_EQUALS, "x"), CHK_MISSING},
        /* strings compare unescaped, other values as their text */
        {json_spec("$.Data.ConsentId", CHK_EQUALS, "urn:é-1"), CHK_PASS},
        {json_spec("$.Data.ConsentId", CHK_EQUALS, "urn:\\u00e9-1"), CHK_FAILED},
        {json_spec("$.Data.Amount", CHK_EQUALS, "42"), CHK_PASS},
        {json_spec("$.Data.Amount", CHK_EQUALS, "42.0"), CHK_FAILED},
        {json_spec("$.Data.Ok", CHK_EQUALS, "true"), CHK_PASS},
        {json_spec("$.Data.Obj", CHK_EQUALS, "{\"a\": 1}"), CHK_PASS},
        /* matches: in place without escapes, unescaped with them */
        {json_spec("$.Data.Status", CHK_MATCHES, "^Awaiting[A-Za-z]+$"), CHK_PASS},
        {json_spec("$.Data.ConsentId", CHK_MATCHES, "^urn:é-[0-9]$"), CHK_PASS},
        {json_spec("$.Data.Amount", CHK_MATCHES, "^[0-9]+$"), CHK_PASS},
        {json_spec("$.Data.Status", CHK_MATCHES, "^Rejected$"), CHK_FAILED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct scn_check c = compile(cases[i].spec);
        assert_true(c.needs_body && !c.needs_head);
        enum chk_result got = chk_eval(&c, &r);
        if (got != cases[i].want)
            fail_msg("case %zu (%s): got %d (%s), want %d", i, cases[i].spec.path, got,
                     chk_result_str(got), cases[i].want);
        chk_free(&c);
    }
    struct chk_spec s = json_spec("$.Data.Missing", CHK_EXISTS, NULL);
    s.exists = false;
    struct scn_check c = compile(s);
    assert_true(chk_pass(&c, &r));
    /* not JSON, or cut at the limit: the check fails, saying why */
    struct chk_response html = resp_s(502, "<html>bad gateway</html>");
    assert_int_equal(chk_eval(&c, &html), CHK_BAD_JSON);
    done(&html);
    r.truncated = true;
    assert_int_equal(chk_eval(&c, &r), CHK_TRUNCATED);
    assert_string_equal(chk_result_str(CHK_TRUNCATED), "body exceeded body_limit");
    r.truncated = false;
    chk_free(&c);
    /* no body at all */
    struct chk_response none = {204, HEAD, sizeof HEAD - 1, NULL, 0, false};
    c = compile(json_spec("$.a", CHK_EXISTS, NULL));
    assert_int_equal(chk_eval(&c, &none), CHK_BAD_JSON);
    chk_free(&c);
    /* a long string with escapes is not matched (bounded stack copy) */
    size_t n = CHK_MATCH_MAX + 16;
    char *big = malloc(n + 8);
    assert_non_null(big);
    memcpy(big, "\"\\n", 3);
    memset(big + 3, 'x', n - 4);
    big[n - 1] = '"';
    struct chk_response br = resp(200, big, n);
    c = compile(json_spec("$", CHK_MATCHES, "x"));
    assert_int_equal(chk_eval(&c, &br), CHK_TOO_LONG);
    chk_free(&c);
    done(&br);
    free(big);
    done(&r);
    /* a bad path reports its position */
    compile_fails(json_spec("$.Data..Status", CHK_EXISTS, NULL), "recursive descent", 6);
    compile_fails(json_spec("Data", CHK_EXISTS, NULL), "starts with $", 0);
    compile_fails(json_spec("$.a", CHK_MATCHES, "a{1"), "regular expression", SIZE_MAX);
}

static void body(void **state)
{
    (void)state;
    /* a NUL inside the body is an ordinary byte */
    static const char text[] = "{\"ConsentId\": \"abc\"}\0after-nul";
    struct chk_response r = resp(200, text, sizeof text - 1);
    struct chk_spec s = {
        .kind = CHK_BODY, .op = CHK_CONTAINS, .value = "ConsentId", .value_len = 9};
    struct scn_check c = compile(s);
    assert_true(chk_pass(&c, &r));
    chk_free(&c);
    s.value = "after-nul";
    c = compile(s);
    assert_true(chk_pass(&c, &r));
    chk_free(&c);
    s.value = "absent";
    s.value_len = 6;
    c = compile(s);
    assert_int_equal(chk_eval(&c, &r), CHK_FAILED);
    chk_free(&c);
    s.negate = true;
    c = compile(s);
    assert_true(chk_pass(&c, &r));
    chk_free(&c);
    /* matches over the whole body, through its NUL, up to its last byte */
    s = (struct chk_spec){.kind = CHK_BODY, .op = CHK_MATCHES, .value = "nul$", .value_len = 4};
    c = compile(s);
    assert_true(chk_pass(&c, &r));
    chk_free(&c);
    s.value = "^\\{\"Consent";
    s.value_len = strlen(s.value);
    c = compile(s);
    assert_true(chk_pass(&c, &r));
    /* REG_STARTEND bounds the match: the same bytes, body_len before
     * "Consent" (what follows in the buffer is not the body's) */
    r.body_len = 3;
    assert_int_equal(chk_eval(&c, &r), CHK_FAILED);
    r.body_len = sizeof text - 1;
    /* an empty body, and no body */
    struct chk_response empty = resp(200, "", 0),
                        none = {200, HEAD, sizeof HEAD - 1, NULL, 0, false};
    assert_int_equal(chk_eval(&c, &empty), CHK_FAILED);
    assert_int_equal(chk_eval(&c, &none), CHK_FAILED);
    r.truncated = true;
    assert_int_equal(chk_eval(&c, &r), CHK_TRUNCATED);
    r.truncated = false;
    chk_free(&c);
    s = (struct chk_spec){.kind = CHK_BODY, .op = CHK_CONTAINS, .value = "x", .value_len = 1};
    c = compile(s);
    assert_int_equal(chk_eval(&c, &empty), CHK_FAILED);
    assert_int_equal(chk_eval(&c, &none), CHK_FAILED);
    chk_free(&c);
    done(&empty);
    done(&r);
    compile_fails((struct chk_spec){.kind = CHK_BODY, .op = CHK_CONTAINS, .value = ""},
                  "at least one byte", SIZE_MAX);
    compile_fails((struct chk_spec){.kind = CHK_BODY, .op = CHK_EQUALS, .value = "x"},
                  "contains or matches", SIZE_MAX);
    compile_fails(
        (struct chk_spec){.kind = CHK_BODY, .op = CHK_MATCHES, .value = "a\0b", .value_len = 3},
        "no NUL", SIZE_MAX);
}

static void body_size(void **state)
{
    (void)state;
    struct chk_response r = resp_s(200, "0123456789");
    struct scn_check c = compile((struct chk_spec){
        .kind = CHK_BODY_SIZE, .size_min = 2, .size_max = 10, .has_min = true, .has_max = true});
    assert_true(c.needs_body);
    assert_true(chk_pass(&c, &r));
    r.body_len = 11;
    r.body_len = 1;
    assert_int_equal(chk_eval(&c, &r), CHK_FAILED);
    /* cut at 10 bytes: longer than 10, over max */
    r.body_len = 10;
    r.truncated = true;
    assert_int_equal(chk_eval(&c, &r), CHK_FAILED);
    chk_free(&c);
    c = compile((struct chk_spec){.kind = CHK_BODY_SIZE, .size_min = 5, .has_min = true});
    assert_true(chk_pass(&c, &r)); /* more than 10 >= 5 */
    r.truncated = false;
    r.body_len = 4;
    assert_int_equal(chk_eval(&c, &r), CHK_FAILED);
    chk_free(&c);
    /* bounds past what was kept cannot be decided */
    c = compile((struct chk_spec){.kind = CHK_BODY_SIZE, .size_max = 100, .has_max = true});
    r.body_len = 10;
    r.truncated = true;
    assert_int_equal(chk_eval(&c, &r), CHK_TRUNCATED);
    chk_free(&c);
    done(&r);
    compile_fails((struct chk_spec){.kind = CHK_BODY_SIZE}, "min, max or both", SIZE_MAX);
    compile_fails(
        (struct chk_spec){
            .kind = CHK_BODY_SIZE, .size_min = 5, .size_max = 4, .has_min = true, .has_max = true},
        "above max", SIZE_MAX);
    compile_fails((struct chk_spec){.kind = CHK_BODY_SIZE, .has_max = true, .negate = true},
                  "not: does not apply", SIZE_MAX);
}

static struct scn_capture cap(struct cap_spec spec)
{
    struct scn_capture c;
    char err[256];
    size_t pos;
    if (chk_capture_compile(&spec, "v", &c, &pos, err, sizeof err))
        fail_msg("capture: %s", err);
    assert_string_equal(c.var, "v");
    return c;
}

static void expect_capture(const struct scn_capture *c, const struct chk_response *r,
                           struct tpl_buf *b, int want_rc, const char *want)
{
    int rc = chk_capture(c, r, b);
    if (rc != want_rc)
        fail_msg("capture: got %d, want %d", rc, want_rc);
    if (!want) {
        assert_true(!b->data || (b->len == 0 && b->data[0] == '\0'));
        return;
    }
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->data, want, b->len);
    assert_int_equal(b->data[b->len], '\0');
}

static void captures(void **state)
{
    (void)state;
    const char *doc = "{\"Data\": {\"ConsentId\": \"urn-\\ud83d\\ude00\", \"N\": -1.5e3, \"Z\": "
                      "null, \"A\": [1, 2]}}";
    struct chk_response r = resp_s(201, doc);
    struct tpl_buf b = {0};
    struct scn_capture c = cap((struct cap_spec){.source = CAP_JSON, .path = "$.Data.ConsentId"});
    assert_true(c.needs_body && !c.needs_head);
    expect_capture(&c, &r, &b, 0, "urn-\xf0\x9f\x98\x80");
    chk_capture_free(&c);
    c = cap((struct cap_spec){.source = CAP_JSON, .path = "$.Data.N"});
    expect_capture(&c, &r, &b, 0, "-1.5e3");
    chk_capture_free(&c);
    c = cap((struct cap_spec){.source = CAP_JSON, .path = "$.Data.Z"});
    expect_capture(&c, &r, &b, 0, "null");
    chk_capture_free(&c);
    c = cap((struct cap_spec){.source = CAP_JSON, .path = "$.Data.A"});
    expect_capture(&c, &r, &b, 0, "[1, 2]");
    chk_capture_free(&c);
    /* not found: the default, or -1 (out emptied) */
    c = cap((struct cap_spec){.source = CAP_JSON, .path = "$.Data.Nope"});
    expect_capture(&c, &r, &b, CHK_NOTFOUND, NULL);
    chk_capture_free(&c);
    c = cap(
        (struct cap_spec){.source = CAP_JSON, .path = "$.Data.Nope", .def = "none", .def_len = 4});
    expect_capture(&c, &r, &b, 0, "none");
    /* a body cut at the limit fails, default or not */
    r.truncated = true;
    expect_capture(&c, &r, &b, CHK_ETRUNCATED, NULL);
    r.truncated = false;
    chk_capture_free(&c);
    /* headers: the first line of the name, trimmed */
    c = cap((struct cap_spec){.source = CAP_HEADER, .header = "ETAG"});
    assert_true(c.needs_head && !c.needs_body);
    expect_capture(&c, &r, &b, 0, "\"v1\"");
    chk_capture_free(&c);
    c = cap((struct cap_spec){.source = CAP_HEADER, .header = "set-cookie"});
    expect_capture(&c, &r, &b, 0, "a=1");
    chk_capture_free(&c);
    c = cap((struct cap_spec){.source = CAP_HEADER, .header = "X-Nope"});
    expect_capture(&c, &r, &b, CHK_NOTFOUND, NULL);
    chk_capture_free(&c);
    /* regex over the header lines (lines end in CR LF; ^ and $ at lines) */
    c = cap((struct cap_spec){.source = CAP_REGEX,
                              .pattern = "^Location: /consents/([^\r]+)",
                              .group = 1,
                              .from_headers = true});
    assert_true(c.needs_head && !c.needs_body);
    expect_capture(&c, &r, &b, 0, "urn-77");
    chk_capture_free(&c);
    /* regex over the body, group 0 and 2 */
    c = cap((struct cap_spec){.source = CAP_REGEX, .pattern = "\"N\": (-)?([0-9.e]+)", .group = 2});
    assert_true(c.needs_body);
    expect_capture(&c, &r, &b, 0, "1.5e3");
    chk_capture_free(&c);
    c = cap((struct cap_spec){.source = CAP_REGEX, .pattern = "\"Z\": [a-z]+", .group = 0});
    expect_capture(&c, &r, &b, 0, "\"Z\": null");
    chk_capture_free(&c);
    /* a group that takes no part in the match: not found */
    c = cap((struct cap_spec){.source = CAP_REGEX, .pattern = "\"Z\": (x)?null", .group = 1});
    expect_capture(&c, &r, &b, CHK_NOTFOUND, NULL);
    chk_capture_free(&c);
    c = cap((struct cap_spec){.source = CAP_REGEX, .pattern = "nomatch", .group = 0});
    expect_capture(&c, &r, &b, CHK_NOTFOUND, NULL);
    r.truncated = true;
    expect_capture(&c, &r, &b, CHK_ETRUNCATED, NULL);
    chk_capture_free(&c);
    /* the buffer is reused: a long value then a short one */
    tpl_buf_free(&b);
    done(&r);
    char err[256];
    size_t pos;
    struct cap_spec bad = {.source = CAP_REGEX, .pattern = "a(b)", .group = 2};
    assert_int_equal(chk_capture_compile(&bad, "v", &c, &pos, err, sizeof err), CHK_EINVAL);
    assert_non_null(strstr(err, "has 1 group"));
    bad = (struct cap_spec){.source = CAP_REGEX, .pattern = "a(b", .group = 1};
    assert_int_equal(chk_capture_compile(&bad, "v", &c, &pos, err, sizeof err), CHK_EINVAL);
    bad = (struct cap_spec){.source = CAP_JSON, .path = "$[*]"};
    assert_int_equal(chk_capture_compile(&bad, "v", &c, &pos, err, sizeof err), CHK_EINVAL);
    assert_int_equal(pos, 2);
    bad = (struct cap_spec){.source = CAP_HEADER, .header = "a b"};
    assert_int_equal(chk_capture_compile(&bad, "v", &c, &pos, err, sizeof err), CHK_EINVAL);
}

static void copies(void **state)
{
    (void)state;
    struct scn_check c = compile(header_spec("Content-Type", CHK_MATCHES, "json"));
    c.name = strdup("req.header:Content-Type");
    assert_non_null(c.name);
    struct scn_check d;
    assert_int_equal(chk_check_dup(&c, &d), CHK_OK);
    assert_ptr_not_equal(d.re, c.re);
    assert_string_equal(d.name, c.name);
    struct chk_response r = resp_s(200, "{}");
    assert_true(chk_pass(&d, &r));
    chk_free(&c);
    assert_true(chk_pass(&d, &r)); /* owns its own */
    chk_free(&d);
    c = compile(json_spec("$.a", CHK_EQUALS, "1"));
    assert_int_equal(chk_check_dup(&c, &d), CHK_OK);
    chk_free(&c);
    struct chk_response j = resp_s(200, "{\"a\": 1}");
    assert_true(chk_pass(&d, &j));
    chk_free(&d);
    static const int st[] = {201};
    c = compile((struct chk_spec){.kind = CHK_STATUS, .statuses = st, .n_statuses = 1});
    assert_int_equal(chk_check_dup(&c, &d), CHK_OK);
    chk_free(&c);
    j.status = 201;
    assert_true(chk_pass(&d, &j));
    assert_int_equal(d.statuses[0], 201);
    chk_free(&d);
    struct scn_capture k = cap((struct cap_spec){
        .source = CAP_REGEX, .pattern = "\"a\": ([0-9])", .group = 1, .def = "d", .def_len = 1});
    struct scn_capture l;
    assert_int_equal(chk_capture_dup(&k, &l), CHK_OK);
    chk_capture_free(&k);
    struct tpl_buf b = {0};
    expect_capture(&l, &j, &b, 0, "1");
    expect_capture(&l, &r, &b, 0, "d");
    chk_capture_free(&l);
    tpl_buf_free(&b);
    done(&r);
    done(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status), cmocka_unit_test(headers),   cmocka_unit_test(json),
        cmocka_unit_test(body),   cmocka_unit_test(body_size), cmocka_unit_test(captures),
        cmocka_unit_test(copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
