/*
 * tests/scenario/test_jsonpath.c — the JSON path subset
 * (harness/scenario/jsonpath.c): compiling (every step form, each error
 * and its position), finding values in nested objects and arrays,
 * escapes and surrogate pairs, whitespace, duplicate members, malformed
 * and truncated documents (each read from a buffer of exactly its size,
 * so that ASan sees any read past the end), a depth bomb, huge numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/jsonpath.h"

static struct jp_path *path(const char *text)
{
    struct jp_path *p = NULL;
    char err[256];
    size_t pos;
    int rc = jp_compile(text, strlen(text), &p, &pos, err, sizeof err);
    if (rc)
        fail_msg("%s: %s (at %zu)", text, err, pos);
    return p;
}

/* Finds text's path in json, copied into a buffer of exactly its length. */
static int find(const char *p_text, const char *json, struct jp_value *v, char **copy)
{
    struct jp_path *p = path(p_text);
    size_t n = strlen(json);
    char *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    memcpy(buf, json, n);
    struct jp_value tmp;
    int rc = jp_find(p, buf, n, v ? v : &tmp);
    jp_free(p);
    if (copy)
        *copy = buf;
    else
        free(buf);
    return rc;
}

/* The value of p_text in json as text (strings unescaped), or fails. */
static void want_value(const char *p_text, const char *json, enum jp_type type, const char *want)
{
    struct jp_value v;
    char *buf;
    int rc = find(p_text, json, &v, &buf);
    if (rc)
        fail_msg("%s in %s: %d", p_text, json, rc);
    assert_int_equal(v.type, type);
    char *out = malloc(v.len + 1);
    assert_non_null(out);
    size_t n = jp_unescape(&v, out);
    assert_true(n <= v.len);
    if (n != strlen(want) || memcmp(out, want, n))
        fail_msg("%s in %s: got '%.*s', want '%s'", p_text, json, (int)n, out, want);
    assert_true(jp_equals(&v, want, strlen(want)));
    free(out);
    free(buf);
}

static void compile_err(const char *text, size_t want_pos, const char *want)
{
    struct jp_path *p = (struct jp_path *)1;
    char err[256] = "";
    size_t pos = 999;
    int rc = jp_compile(text, strlen(text), &p, &pos, err, sizeof err);
    if (rc != JP_EINVAL || p)
        fail_msg("%s: compiled (%d), want an error", text, rc);
    if (pos != want_pos || !strstr(err, want))
        fail_msg("%s: got pos %zu '%s', want pos %zu '%s'", text, pos, err, want_pos, want);
}

static void compiles(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "$",        "$.a",   "$.Data.Status", "$['a b']",    "$[\"x\"]",
        "$[0]",     "$[-1]", "$.a[10].b",     "$['']",       "$['it\\'s']",
        "$.a-b_c9", "$.é",   "$[\"q\\\"\"]",  "$[999999999]"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        struct jp_path *p = path(ok[i]);
        assert_string_equal(jp_text(p), ok[i]);
        jp_free(p);
    }
    compile_err("", 0, "starts with $");
    compile_err("Data.Status", 0, "starts with $");
    compile_err("$.", 2, "expected a member name");
    compile_err("$.a..b", 3, "recursive descent");
    compile_err("$.*", 2, "wildcards");
    compile_err("$[*]", 2, "wildcards");
    compile_err("$[?(@.a)]", 2, "filters");
    compile_err("$[1:2]", 3, "expected ]");
    compile_err("$[:2]", 2, "slices");
    compile_err("$[0,1]", 3, "unions");
    compile_err("$[01]", 2, "leading zeros");
    compile_err("$[-0]", 2, "[-0]");
    compile_err("$[1000000000]", 2, "too large");
    compile_err("$[]", 2, "expected an index");
    compile_err("$[", 2, "ends after '['");
    compile_err("$['abc", 6, "does not end");
    compile_err("$['a\\b']", 4, "backslash");
    compile_err("$['a'", 5, "expected ]");
    compile_err("$.a b", 3, "expected '.name'");
    compile_err("$a", 1, "expected '.name'");
    compile_err("$.a[0]x", 6, "expected '.name'");
    /* 64 steps compile, 65 do not */
    char deep[2 * 65 + 2] = "$";
    for (int i = 0; i < 65; i++)
        memcpy(deep + 1 + 2 * i, ".a", 3);
    deep[1 + 2 * 64] = '\0';
    jp_free(path(deep));
    deep[1 + 2 * 64] = '.';
    compile_err(deep, 129, "too many steps");
    /* a NUL inside the text */
    struct jp_path *p = NULL;
    size_t pos;
    char err[128];
    assert_int_equal(jp_compile("$.a\0b", 5, &p, &pos, err, sizeof err), JP_EINVAL);
    assert_int_equal(pos, 3);
}

static void finds(void **state)
{
    (void)state;
    const char *doc =
        " { \"Data\" : { \"ConsentId\": \"urn-1\", \"Status\":\"AwaitingAuthorisation\","
        " \"Amount\": {\"Value\": 12.50, \"Ccy\": \"GBP\"}, \"Flags\": [true, false, "
        "null], \"Items\": [ {\"id\": 1}, {\"id\": 2, \"tags\": [\"a\", \"b\"]} ] "
        "}, \"Links\": {\"Self\": \"https://x/y\"}, \"n\": -0.5e+10 } ";
    want_value("$.Data.ConsentId", doc, JP_STRING, "urn-1");
    want_value("$.Data.Status", doc, JP_STRING, "AwaitingAuthorisation");
    want_value("$['Data'][\"Amount\"].Value", doc, JP_NUMBER, "12.50");
    want_value("$.Data.Flags[0]", doc, JP_TRUE, "true");
    want_value("$.Data.Flags[1]", doc, JP_FALSE, "false");
    want_value("$.Data.Flags[2]", doc, JP_NULL, "null");
    want_value("$.Data.Flags[-1]", doc, JP_NULL, "null");
    want_value("$.Data.Flags[-3]", doc, JP_TRUE, "true");
    want_value("$.Data.Items[1].tags[-1]", doc, JP_STRING, "b");
    want_value("$.Data.Items[0]", doc, JP_OBJECT, "{\"id\": 1}");
    want_value("$.Data.Items[1].tags", doc, JP_ARRAY, "[\"a\", \"b\"]");
    want_value("$.Links.Self", doc, JP_STRING, "https://x/y");
    want_value("$.n", doc, JP_NUMBER, "-0.5e+10");
    want_value("$", "  42  ", JP_NUMBER, "42");
    want_value("$", "\"top\"", JP_STRING, "top");
    want_value("$", "[]", JP_ARRAY, "[]");
    want_value("$", "{}", JP_OBJECT, "{}");
    want_value("$[0]", "[[1,2],3]", JP_ARRAY, "[1,2]");
    want_value("$[0][1]", "[[1,2],3]", JP_NUMBER, "2");
    /* a number at the very end of the text, no byte after it */
    want_value("$", "7", JP_NUMBER, "7");
    /* whitespace of every kind between tokens */
    want_value("$.a[1]", "\t{\r\n\"a\"\n:\t[ 1 ,\r 2 ] }", JP_NUMBER, "2");
    /* not found */
    assert_int_equal(find("$.Data.Nope", doc, NULL, NULL), JP_NOTFOUND);
    assert_int_equal(find("$.Data.Flags[3]", doc, NULL, NULL), JP_NOTFOUND);
    assert_int_equal(find("$.Data.Flags[-4]", doc, NULL, NULL), JP_NOTFOUND);
    assert_int_equal(find("$.Data.Status.x", doc, NULL, NULL), JP_NOTFOUND);
    assert_int_equal(find("$.Data[0]", doc, NULL, NULL), JP_NOTFOUND);
    assert_int_equal(find("$.Data.Flags.x", doc, NULL, NULL), JP_NOTFOUND);
    assert_int_equal(find("$[0]", "[]", NULL, NULL), JP_NOTFOUND);
    assert_int_equal(find("$[-1]", "[]", NULL, NULL), JP_NOTFOUND);
    assert_int_equal(find("$.a", "{}", NULL, NULL), JP_NOTFOUND);
    assert_int_equal(find("$.a", "[1]", NULL, NULL), JP_NOTFOUND);
}

static void names_and_escapes(void **state)
{
    (void)state;
    /* duplicate members: the first wins */
    want_value("$.a", "{\"a\": 1, \"a\": 2}", JP_NUMBER, "1");
    /* member names with escapes match their unescaped form */
    want_value("$['a\"b']", "{\"a\\\"b\": 1}", JP_NUMBER, "1");
    want_value("$.é", "{\"\\u00e9\": \"x\"}", JP_STRING, "x");
    want_value("$['a b']", "{\"a b\": 2}", JP_NUMBER, "2");
    want_value("$['']", "{\"\": 3}", JP_NUMBER, "3");
    want_value("$.ab", "{\"a\": 0, \"abc\": 1, \"ab\": 2}", JP_NUMBER, "2");
    /* escapes in values */
    want_value("$", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", JP_STRING, "a\"b\\c/d\b\f\n\r\t");
    want_value("$", "\"\\u0041\\u00e9\\u20ac\"", JP_STRING, "Aé€");
    /* a surrogate pair: U+1F600 */
    want_value("$", "\"\\ud83d\\ude00!\"", JP_STRING, "\xf0\x9f\x98\x80!");
    want_value("$", "\"\\uD83D\\uDE00\"", JP_STRING, "\xf0\x9f\x98\x80");
    /* lone surrogates become U+FFFD */
    want_value("$", "\"\\ud83dx\"", JP_STRING, "\xef\xbf\xbdx");
    want_value("$", "\"\\ude00\"", JP_STRING, "\xef\xbf\xbd");
    want_value("$", "\"\\ud83d\\u0041\"", JP_STRING,
               "\xef\xbf\xbd"
               "A");
    /* a high surrogate at the very end of the string */
    want_value("$", "\"\\ud83d\"", JP_STRING, "\xef\xbf\xbd");
    /* \u0000 is a NUL byte in the value */
    struct jp_value v;
    char *nul;
    assert_int_equal(find("$", "\"a\\u0000b\"", &v, &nul), JP_OK);
    assert_true(jp_equals(&v, "a\0b", 3));
    assert_false(jp_equals(&v, "a", 1));
    free(nul);
    /* raw UTF-8 passes through */
    want_value("$", "\"caf\xc3\xa9\"", JP_STRING, "caf\xc3\xa9");
    /* equality: a prefix or a longer text is not equal */
    char *buf;
    assert_int_equal(find("$", "\"a\\nb\"", &v, &buf), JP_OK);
    assert_true(v.escaped);
    assert_false(jp_equals(&v, "a\n", 2));
    assert_false(jp_equals(&v, "a\nbc", 4));
    free(buf);
    assert_int_equal(find("$", "42", &v, &buf), JP_OK);
    assert_true(jp_equals(&v, "42", 2));
    assert_false(jp_equals(&v, "42.0", 4));
    free(buf);
    /* huge numbers are text */
    const char *huge = "123456789012345678901234567890123456789012345678901234567890e999999";
    char doc[256];
    snprintf(doc, sizeof doc, "{\"n\": %s}", huge);
    want_value("$.n", doc, JP_NUMBER, huge);
}

static void malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   ",
        "{",
        "{\"a\"",
        "{\"a\":",
        "{\"a\" 1}",
        "{a: 1}",
        "{\"b\": 1,}",
        "{\"b\": 1 \"c\": 2}",
        "{\"b\": [1, 2}",
        "{\"b\": tru}",
        "{\"b\": nul}",
        "{\"b\": falsy}",
        "{\"b\": 01}",
        "{\"b\": -}",
        "{\"b\": 1.}",
        "{\"b\": 1e}",
        "{\"b\": .5}",
        "{\"b\": +1}",
        "{\"b\": \"x}",
        "{\"b\": \"\\x\"}",
        "{\"b\": \"\\u12\"}",
        "{\"b\": \"\\u12g4\"}",
        "{\"b\": \"tab\there\"}",
        "{\"b\": \"nl\nhere\"}",
        "{\"b\": \"\\",
        "{\"b\": 'x'}",
        "<html>",
        "{\"b\": [1,]}",
        "{\"b\": {\"c\": }}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = find("$.a", bad[i], NULL, NULL);
        if (rc != JP_EBADJSON)
            fail_msg("'%s': got %d, want JP_EBADJSON", bad[i], rc);
    }
    /* malformed inside the value found */
    assert_int_equal(find("$.a", "{\"a\": [1, }", NULL, NULL), JP_EBADJSON);
    assert_int_equal(find("$.a", "{\"a\": \"abc", NULL, NULL), JP_EBADJSON);
    /* counting for [-N] validates the whole array */
    assert_int_equal(find("$[-1]", "[1, 2, x]", NULL, NULL), JP_EBADJSON);
    /* what follows the value found is not read */
    want_value("$.a", "{\"a\": 1, garbage", JP_NUMBER, "1");
    /* a document truncated at every length: never a read past the end */
    const char *doc =
        "{\"x\": [1, {\"y\": \"\\ud83d\\ude00\"}, -2.5e3, true], \"a\": {\"b\": null}}";
    size_t n = strlen(doc);
    /* found once the value itself is whole: what follows is not read */
    size_t null_end = (size_t)(strstr(doc, "null") - doc) + 4;
    size_t array_end = (size_t)(strchr(doc, ']') - doc) + 1;
    for (size_t k = 0; k < n; k++) {
        char *buf = malloc(k ? k : 1);
        assert_non_null(buf);
        memcpy(buf, doc, k);
        struct jp_path *p = path("$.a.b");
        struct jp_value v;
        int rc = jp_find(p, buf, k, &v);
        if (rc != (k >= null_end ? JP_OK : JP_EBADJSON))
            fail_msg("cut at %zu: got %d", k, rc);
        jp_free(p);
        p = path("$.x[-1]");
        rc = jp_find(p, buf, k, &v);
        if (rc != (k >= array_end ? JP_OK : JP_EBADJSON))
            fail_msg("cut at %zu ($.x[-1]): got %d", k, rc);
        jp_free(p);
        free(buf);
    }
    want_value("$.a.b", doc, JP_NULL, "null");
    want_value("$.x[1].y", doc, JP_STRING, "\xf0\x9f\x98\x80");
}

/* {"a": [[...]], "b": 1} with `levels` containers in all on a's side. */
static char *nest(size_t levels)
{
    char *d = malloc(2 * levels + 16);
    assert_non_null(d);
    size_t k = 0;
    memcpy(d, "{\"a\":", 5);
    k = 5;
    for (size_t i = 1; i < levels; i++)
        d[k++] = '[';
    for (size_t i = 1; i < levels; i++)
        d[k++] = ']';
    memcpy(d + k, ",\"b\":1}", 8);
    return d;
}

static void depth(void **state)
{
    (void)state;
    /* 64 nested containers are fine, 65 are not, on the path or skipped;
     * a bomb of 100000 is refused (bounded recursion) */
    static const size_t levels[] = {64, 65, 100000};
    for (size_t i = 0; i < 3; i++) {
        char *d = nest(levels[i]);
        assert_int_equal(find("$.a", d, NULL, NULL), i ? JP_EBADJSON : JP_OK);
        assert_int_equal(find("$.b", d, NULL, NULL), i ? JP_EBADJSON : JP_OK);
        free(d);
    }
    /* a 64-step path to the innermost of 64 arrays */
    char p[256] = "$", d[256];
    for (int i = 0; i < 64; i++) {
        memcpy(p + 1 + 3 * i, "[0]", 4);
        d[i] = '[';
        d[65 + i] = ']';
    }
    d[64] = '7';
    d[129] = '\0';
    want_value(p, d, JP_NUMBER, "7");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compiles),  cmocka_unit_test(finds), cmocka_unit_test(names_and_escapes),
        cmocka_unit_test(malformed), cmocka_unit_test(depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
