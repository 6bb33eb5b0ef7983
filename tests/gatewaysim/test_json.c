/* tests/gatewaysim/test_json.c — the simulator's bounded JSON scanner
 * (tools/gatewaysim/json.c): finding Data.ConsentId through whitespace,
 * escapes and nesting, refusing malformed documents, never reading past
 * the bytes it is given (every buffer here is allocated to its exact
 * length, so the sanitizers of make check catch any overread). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/gatewaysim/json.h"

static const char *const consent_path[] = {"Data", "ConsentId"};

/* gsjson_find on an exact-length copy of doc; *raw gets the value text. */
static int find(const char *doc, size_t len, const char *const *keys, int n, char *raw,
                size_t raw_size)
{
    char *b = malloc(len ? len : 1);
    assert_non_null(b);
    memcpy(b, doc, len);
    size_t off = 0, vl = 0;
    int rc = gsjson_find(b, len, keys, n, &off, &vl);
    if (rc == 0) {
        assert_true(off + vl <= len);
        assert_true(vl < raw_size);
        memcpy(raw, b + off, vl);
        raw[vl] = 0;
    }
    free(b);
    return rc;
}

static int find_str(const char *doc, const char *const *keys, int n, char *raw, size_t raw_size)
{
    return find(doc, strlen(doc), keys, n, raw, raw_size);
}

static void finds_consent_id(void **state)
{
    (void)state;
    char raw[256];
    assert_int_equal(
        find_str("{\"Data\":{\"ConsentId\":\"abc\"}}", consent_path, 2, raw, sizeof raw), 0);
    assert_string_equal(raw, "\"abc\"");
    /* whitespace everywhere JSON allows it, other members before and after */
    assert_int_equal(find_str(" \r\n{ \"Risk\" : { } ,\t\"Data\"\n:\n{ \"Initiation\" : {\"A\":[1, "
                              "-2.5e+3, true, false, null, {\"ConsentId\":\"inner\"}]} , "
                              "\"ConsentId\" :  \"id-1\" , \"z\":0 } } \n",
                              consent_path, 2, raw, sizeof raw),
                     0);
    assert_string_equal(raw, "\"id-1\"");
    /* a key written with escapes is the same key */
    assert_int_equal(
        find_str("{\"D\\u0061ta\":{\"Consent\\u0049d\":\"x\"}}", consent_path, 2, raw, sizeof raw),
        0);
    assert_string_equal(raw, "\"x\"");
    /* quotes and braces inside strings do not confuse it */
    assert_int_equal(find_str("{\"a\":\"}{\\\"Data\\\":{\",\"Data\":{\"ConsentId\":\"y\\\"z\"}}",
                              consent_path, 2, raw, sizeof raw),
                     0);
    assert_string_equal(raw, "\"y\\\"z\"");
    /* the first of duplicate members wins */
    assert_int_equal(find_str("{\"Data\":{\"ConsentId\":\"1\",\"ConsentId\":\"2\"},\"Data\":{"
                              "\"ConsentId\":\"3\"}}",
                              consent_path, 2, raw, sizeof raw),
                     0);
    assert_string_equal(raw, "\"1\"");
    /* any value: the raw span is returned */
    assert_int_equal(
        find_str("{\"Data\":{\"ConsentId\":{\"k\":[1]}}}", consent_path, 2, raw, sizeof raw), 0);
    assert_string_equal(raw, "{\"k\":[1]}");
    static const char *const risk[] = {"Risk"};
    assert_int_equal(find_str("{\"Risk\":-0.5E-3}", risk, 1, raw, sizeof raw), 0);
    assert_string_equal(raw, "-0.5E-3");
}

static void absent_is_enoent(void **state)
{
    (void)state;
    char raw[64];
    static const char *const docs[] = {
        "{}",
        "{\"Data\":{}}",
        "{\"ConsentId\":\"x\"}",                        /* wrong level */
        "{\"Data\":{\"Other\":{\"ConsentId\":\"x\"}}}", /* too deep */
        "{\"Data\":\"ConsentId\"}",                     /* Data not an object */
        "{\"Data\":[{\"ConsentId\":\"x\"}]}",           /* nor an array of them */
        "[{\"Data\":{\"ConsentId\":\"x\"}}]",           /* top level not an object */
        "\"Data\"",
        "{\"data\":{\"consentid\":\"x\"}}",                    /* keys are case-sensitive */
        "{\"Data\":{\"ConsentIdx\":\"x\",\"Consent\":\"y\"}}", /* no prefix matches */
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (find_str(docs[i], consent_path, 2, raw, sizeof raw) != -ENOENT)
            fail_msg("%s: want -ENOENT", docs[i]);
}

static void malformed_is_einval(void **state)
{
    (void)state;
    char raw[64];
    static const char *const docs[] = {
        "",
        "   ",
        "{",
        "{\"Data\":}",
        "{\"Data\" {}}",
        "{} x",
        "{}{}",
        "{\"a\":1,}",
        "{,}",
        "{\"a\":[1,]}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":-}",
        "{\"a\":1e}",
        "{\"a\":.5}",
        "{\"a\":+1}",
        "{\"a\":tru}",
        "{\"a\":nul}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\"unterminated}",
        "{a:1}",
        "{'a':1}",
        "{\"Data\":{\"ConsentId\":\"x\"}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (find_str(docs[i], consent_path, 2, raw, sizeof raw) != -EINVAL)
            fail_msg("%s: want -EINVAL", docs[i]);
    /* a NUL byte is not whitespace */
    assert_int_equal(find("{}\0", 3, consent_path, 2, raw, sizeof raw), -EINVAL);
    assert_int_equal(gsjson_find(NULL, 0, consent_path, 2, &(size_t){0}, &(size_t){0}), -EINVAL);
}

/* Every proper prefix of a document is malformed, and is read only up to
 * its end. */
static void prefixes_never_overread(void **state)
{
    (void)state;
    static const char doc[] = "{\"Data\":{\"Initiation\":{\"Amount\":\"1.00\",\"n\":[1.5e3,-0,"
                              "true,null]},\"ConsentId\":\"Q\\u0077AB\\\"x\"},\"Risk\":{}}";
    char raw[64];
    size_t n = sizeof doc - 1;
    assert_int_equal(find(doc, n, consent_path, 2, raw, sizeof raw), 0);
    assert_string_equal(raw, "\"Q\\u0077AB\\\"x\"");
    for (size_t k = 0; k < n; k++)
        if (find(doc, k, consent_path, 2, raw, sizeof raw) != -EINVAL)
            fail_msg("prefix of %zu bytes: want -EINVAL", k);
}

static void depth_is_bounded(void **state)
{
    (void)state;
    char raw[8];
    char doc[2 * (GSJSON_MAX_DEPTH + 1) + 1];
    static const char *const none[] = {"x"};
    /* GSJSON_MAX_DEPTH levels are fine, one more is not */
    for (int d = GSJSON_MAX_DEPTH; d <= GSJSON_MAX_DEPTH + 1; d++) {
        memset(doc, '[', (size_t)d);
        memset(doc + d, ']', (size_t)d);
        int rc = find(doc, 2 * (size_t)d, none, 1, raw, sizeof raw);
        assert_int_equal(rc, d <= GSJSON_MAX_DEPTH ? -ENOENT : -EINVAL);
    }
    /* a huge nesting is refused without recursing into it */
    size_t big = 1000000;
    char *b = malloc(big);
    assert_non_null(b);
    memset(b, '[', big);
    size_t off, vl;
    assert_int_equal(gsjson_find(b, big, none, 1, &off, &vl), -EINVAL);
    free(b);
}

static void decodes_strings(void **state)
{
    (void)state;
    char out[32];
    static const char s1[] = "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"";
    assert_int_equal(gsjson_string(s1, sizeof s1 - 1, out, sizeof out), 12);
    assert_memory_equal(out, "a\"b\\c/d\b\f\n\r\t", 13);
    /* \u escapes become UTF-8, surrogate pairs one code point */
    static const char s2[] = "\"\\u00e9\\u20ac\\ud83d\\ude00\"";
    assert_int_equal(gsjson_string(s2, sizeof s2 - 1, out, sizeof out), 9);
    assert_string_equal(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    /* raw UTF-8 is copied as it is */
    static const char s3[] = "\"\xc3\xa9\"";
    assert_int_equal(gsjson_string(s3, sizeof s3 - 1, out, sizeof out), 2);
    /* too long for out: -ENOSPC, out still a string */
    static const char s4[] = "\"0123456789\"";
    assert_int_equal(gsjson_string(s4, sizeof s4 - 1, out, 10), -ENOSPC);
    assert_int_equal(gsjson_string(s4, sizeof s4 - 1, out, 11), 10);
    assert_string_equal(out, "0123456789");
    /* not one string */
    assert_int_equal(gsjson_string("123", 3, out, sizeof out), -EINVAL);
    assert_int_equal(gsjson_string("\"a\" ", 4, out, sizeof out), -EINVAL);
    assert_int_equal(gsjson_string("\"a", 2, out, sizeof out), -EINVAL);
    assert_int_equal(gsjson_string("\"\\", 2, out, sizeof out), -EINVAL);
    assert_int_equal(gsjson_string("", 0, out, sizeof out), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_consent_id),    cmocka_unit_test(absent_is_enoent),
        cmocka_unit_test(malformed_is_einval), cmocka_unit_test(prefixes_never_overread),
        cmocka_unit_test(depth_is_bounded),    cmocka_unit_test(decodes_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
