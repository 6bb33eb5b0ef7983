/*
 * tests/scenario/test_template.c — ${...} templates (harness/scenario/template.c):
 * environment expansion and its errors, $${ escapes, runtime references
 * and where they are refused, lenient (file) mode, each built-in rendered
 * with a fixed context (UUID format and version bits, random_int bounds
 * including A == B, negatives and the full 64-bit range, random_hex
 * lengths, now_* exact strings and a comparison with gmtime_r), feeder
 * columns, flow variables (tpl_compile_vars: over environment variables of
 * the same name, in files too, rendered from tpl_ctx.vars, the mask), and
 * that rendering stops allocating once the buffer is grown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/rng.h"
#include "scenario/feeder.h"
#include "scenario/template.h"
#include "testutil.h"

static char err[1024];
static struct feeder *feeders[2]; /* accounts, users */

/* A fixed environment: A=alpha, EMPTY="", SECRET=s3. */
static const char *env(void *user, const char *name)
{
    (void)user;
    if (!strcmp(name, "A"))
        return "alpha";
    if (!strcmp(name, "EMPTY"))
        return "";
    if (!strcmp(name, "SECRET"))
        return "s3";
    if (!strcmp(name, "uuid")) /* built-ins win over this */
        return "ENV-UUID";
    return NULL;
}

static const struct feeder *const *fds(void)
{
    return (const struct feeder *const *)feeders;
}

static struct tpl *compile_ok(const char *text, unsigned flags)
{
    struct tpl *t = NULL;
    int rc = tpl_compile(text, strlen(text), flags, fds(), 2, env, NULL, &t, err, sizeof err);
    if (rc)
        fail_msg("'%s' (flags %u): rc %d: %s", text, flags, rc, err);
    return t;
}

static void compile_fails(const char *text, unsigned flags, const char *want)
{
    struct tpl *t = (struct tpl *)1;
    int rc = tpl_compile(text, strlen(text), flags, fds(), 2, env, NULL, &t, err, sizeof err);
    if (rc != TPL_EINVAL || t || !strstr(err, want))
        fail_msg("'%s' (flags %u): rc %d, err\n  %s\nwant\n  %s", text, flags, rc, err, want);
}

static int setup(void **state)
{
    if (test_dir_setup(state))
        return -1;
    char path[256];
    test_put(path, sizeof path, "accounts.csv", "id,name\n1,alice\n2,\"bob, jr\"\n");
    if (feeder_load("accounts", "accounts.csv", path, &feeders[0], err, sizeof err))
        return -1;
    test_put(path, sizeof path, "users.csv", "user,token,x-y\nu1,t1,z\n");
    return feeder_load("users", "users.csv", path, &feeders[1], err, sizeof err) ? -1 : 0;
}

static int teardown(void **state)
{
    feeder_free(feeders[0]);
    feeder_free(feeders[1]);
    return test_dir_teardown(state);
}

/* ---- environment ---------------------------------------------------------- */

static void environment_is_expanded_at_compile_time(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
        bool used_env;
    } cases[] = {
        {"plain", "plain", false},
        {"", "", false},
        {"x${A}y", "xalphay", true},
        {"${A}${A}", "alphaalpha", true},
        {"${NOPE:-fallback}", "fallback", true},
        {"${EMPTY:-used}", "used", true},
        {"${A:-unused}", "alpha", true},
        {"${NOPE:-}", "", true},
        {"[${EMPTY}]", "[]", true},
        {"cost $$5 and $${A} and $", "cost $$5 and ${A} and $", false},
        {"$$${A}", "$${A}", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tpl *t = compile_ok(cases[i].in, TPL_ENV);
        size_t len;
        const char *s = tpl_text(t, &len);
        if (strcmp(s, cases[i].out) || len != strlen(cases[i].out))
            fail_msg("'%s' -> '%s', want '%s'", cases[i].in, s, cases[i].out);
        assert_int_equal(tpl_used_env(t), cases[i].used_env);
        assert_false(tpl_dynamic(t));
        assert_int_equal(tpl_feeder_mask(t), 0);
        /* a static template renders its text */
        struct tpl_buf b = {0};
        assert_int_equal(tpl_render(t, &(struct tpl_ctx){0}, &b), TPL_OK);
        assert_string_equal(b.data, cases[i].out);
        tpl_buf_free(&b);
        assert_null(b.data);
        tpl_free(t);
    }
    tpl_free(NULL);

    /* getenv when no function is given */
    setenv("GATECAP_TPL_TEST", "from-env", 1);
    struct tpl *t;
    const char *s = "v=${GATECAP_TPL_TEST}";
    assert_int_equal(tpl_compile(s, strlen(s), TPL_ENV, NULL, 0, NULL, NULL, &t, err, sizeof err),
                     TPL_OK);
    assert_string_equal(tpl_text(t, NULL), "v=from-env");
    tpl_free(t);
    unsetenv("GATECAP_TPL_TEST");
}

static void environment_errors(void **state)
{
    (void)state;
    compile_fails("Bearer ${NOPE}", TPL_ENV,
                  "environment variable NOPE is not set; export NOPE=... before running, or "
                  "write ${NOPE:-default}");
    compile_fails("/a/${oops", TPL_ENV, "malformed '${' reference '${oops'; write ${NAME}");
    compile_fails("${}", TPL_ENV, "malformed '${' reference '${}'");
    compile_fails("${a-b}", TPL_ENV, "malformed '${' reference '${a-b}'");
    compile_fails("${1A}", TPL_ENV, "malformed");
    compile_fails("${A:-x", TPL_ENV, "malformed '${' reference '${A:-x'");
    char big[400];
    memset(big, 'N', sizeof big);
    memcpy(big, "${", 2);
    memcpy(big + sizeof big - 2, "}", 2);
    compile_fails(big, TPL_ENV, "environment variable name too long");
    /* runtime references where they are not allowed */
    static const char *const runtime[] = {"${uuid}",          "${seq}",        "${now_ms}",
                                          "${now_iso}",       "${now_http}",   "${random_int(1,2)}",
                                          "${random_hex(8)}", "${accounts.id}"};
    for (size_t i = 0; i < sizeof runtime / sizeof runtime[0]; i++) {
        compile_fails(runtime[i], TPL_ENV, runtime[i]);
        compile_fails(runtime[i], TPL_ENV,
                      "runtime values work only in requests' path, header values and body");
    }
    /* built-ins win over an environment variable of the same name */
    compile_fails("${uuid}", TPL_ENV, "${uuid} is a value made for each request");
    compile_fails("${seq:-1}", TPL_ENV | TPL_RUNTIME,
                  "${seq:-1}: seq is a built-in value and takes no default; write ${seq}");
}

/* ---- runtime references ---------------------------------------------------- */

static void runtime_reference_errors(void **state)
{
    (void)state;
    const unsigned rt = TPL_ENV | TPL_RUNTIME;
    compile_fails("/a/${acounts.id}", rt,
                  "unknown feeder 'acounts' in ${acounts.id} (feeders: accounts, users)");
    compile_fails("${accounts.idd}", rt,
                  "feeder 'accounts' has no column 'idd' in ${accounts.idd} (columns: id, name)");
    compile_fails("${accounts.}", rt, "malformed '${' reference '${accounts.}'");
    compile_fails("${uuidd}", TPL_RUNTIME,
                  "unknown built-in ${uuidd} (did you mean ${uuid}?); the built-ins are uuid, "
                  "seq, now_ms, now_iso, now_http, random_int(A,B), random_hex(N)");
    compile_fails("${uuidd}", rt, "environment variable uuidd is not set");
    compile_fails("${uuidd}", rt, "(or did you mean the built-in ${uuid}?)");
    compile_fails("${foo(1)}", rt, "unknown built-in ${foo(1)}; the built-ins are");
    compile_fails("${uuid()}", rt, "${uuid()} takes no arguments; write ${uuid}");
    compile_fails("${random_int}", rt, "${random_int} takes arguments: write ${random_int(1,100)}");
    compile_fails("${random_int(1)}", rt, "${random_int(1)}: random_int takes two whole numbers");
    compile_fails("${random_int(a,2)}", rt, "random_int takes two whole numbers");
    compile_fails("${random_int(1,9223372036854775808)}", rt, "takes two whole numbers");
    compile_fails("${random_int(5,1)}", rt,
                  "${random_int(5,1)}: the lower bound is greater than the upper one; write "
                  "${random_int(1,5)}");
    compile_fails("${random_hex(0)}", rt,
                  "${random_hex(0)}: random_hex takes a number of digits "
                  "from 1 to 256");
    compile_fails("${random_hex(257)}", rt, "from 1 to 256");
    compile_fails("${random_hex(x)}", rt, "from 1 to 256");
    compile_fails("${random_hex(4", rt, "malformed");
    compile_fails("${x", rt, "per-request values: ${FEEDER.COLUMN}, uuid");

    struct tpl *t;
    const char *s = "${accounts.id}";
    assert_int_equal(tpl_compile(s, strlen(s), rt, NULL, 0, env, NULL, &t, err, sizeof err),
                     TPL_EINVAL);
    assert_non_null(strstr(err, "unknown feeder 'accounts' in ${accounts.id}: the scenario has "
                                "no feeders; define it under feeders:"));
    assert_int_equal(tpl_compile(s, strlen(s), rt, fds(), 65, env, NULL, &t, err, sizeof err),
                     TPL_EINVAL);
}

static void note_column(void *user, size_t feeder, size_t column)
{
    char *out = user;
    size_t n = strlen(out);
    snprintf(out + n, 64 - n, "%zu.%zu ", feeder, column);
}

static void columns_are_recorded(void **state)
{
    (void)state;
    struct tpl *t = compile_ok("/u/${users.token}/${accounts.name}?x=${users.x-y}&${uuid}",
                               TPL_ENV | TPL_RUNTIME);
    assert_true(tpl_dynamic(t));
    assert_false(tpl_used_env(t));
    assert_int_equal(tpl_feeder_mask(t), 3);
    char seen[64] = "";
    tpl_each_column(t, note_column, seen);
    assert_string_equal(seen, "1.1 0.1 1.2 ");
    size_t len;
    assert_string_equal(tpl_text(t, &len),
                        "/u/${users.token}/${accounts.name}?x=${users.x-y}&${uuid}");
    size_t rows[2] = {1, 0};
    uint64_t rng = 7;
    struct tpl_ctx ctx = {.feeders = fds(), .rows = rows, .rng = &rng};
    struct tpl_buf b = {0};
    assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
    assert_int_equal(b.len, strlen("/u/t1/bob, jr?x=z&") + 36);
    assert_memory_equal(b.data, "/u/t1/bob, jr?x=z&", 18);
    tpl_buf_free(&b);
    tpl_free(t);

    t = compile_ok("${accounts.id}", TPL_RUNTIME);
    assert_int_equal(tpl_feeder_mask(t), 1);
    tpl_free(t);
}

/* ---- rendering built-ins ---------------------------------------------------- */

#define WALL_NS 1795430922123456789LL /* 2026-11-23T10:48:42.123456789Z, a Monday */

static const char *render1(const char *text, struct tpl_ctx *ctx, struct tpl_buf *b)
{
    struct tpl *t = compile_ok(text, TPL_ENV | TPL_RUNTIME);
    assert_true(tpl_dynamic(t));
    assert_int_equal(tpl_render(t, ctx, b), TPL_OK);
    assert_int_equal(strlen(b->data), b->len);
    tpl_free(t);
    return b->data;
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]) || !s[i])
            return false;
    return true;
}

static void time_and_sequence(void **state)
{
    (void)state;
    uint64_t rng = 1;
    struct tpl_ctx ctx = {.seq = 42, .rng = &rng, .wall_ns = WALL_NS};
    struct tpl_buf b = {0};
    assert_string_equal(render1("${now_ms}", &ctx, &b), "1795430922123");
    assert_string_equal(render1("${now_iso}", &ctx, &b), "2026-11-23T10:48:42.123Z");
    assert_string_equal(render1("x-fapi-auth-date: ${now_http}", &ctx, &b),
                        "x-fapi-auth-date: Mon, 23 Nov 2026 10:48:42 GMT");
    assert_string_equal(render1("${seq}/${seq}", &ctx, &b), "42/42");
    ctx.seq = UINT64_MAX;
    assert_string_equal(render1("${seq}", &ctx, &b), "18446744073709551615");
    ctx.wall_ns = 0;
    assert_string_equal(render1("${now_ms} ${now_iso} ${now_http}", &ctx, &b),
                        "0 1970-01-01T00:00:00.000Z Thu, 01 Jan 1970 00:00:00 GMT");
    ctx.wall_ns = -1;
    assert_string_equal(render1("${now_ms} ${now_iso} ${now_http}", &ctx, &b),
                        "-1 1969-12-31T23:59:59.999Z Wed, 31 Dec 1969 23:59:59 GMT");
    ctx.wall_ns = 1709164800000000000LL; /* leap day */
    assert_string_equal(render1("${now_iso} ${now_http}", &ctx, &b),
                        "2024-02-29T00:00:00.000Z Thu, 29 Feb 2024 00:00:00 GMT");
    tpl_buf_free(&b);

    /* against the C library over the whole int64 range of nanoseconds */
    uint64_t r = 12345;
    for (int i = 0; i < 100000; i++) {
        int64_t ns = (int64_t)rng_next(&r);
        if (i < 10)
            ns = INT64_MIN + i; /* the far ends */
        else if (i < 20)
            ns = INT64_MAX - i;
        int64_t ms = ns / 1000000 - (ns % 1000000 < 0);
        time_t secs = (time_t)(ms / 1000 - (ms % 1000 < 0));
        struct tm tm;
        assert_non_null(gmtime_r(&secs, &tm));
        char want[64], got[32];
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(ms - (int64_t)secs * 1000));
        tpl_format_iso(ns, got);
        if (strcmp(got, want))
            fail_msg("%lld ns: %s, want %s", (long long)ns, got, want);
        strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm); /* C locale */
        tpl_format_http(ns, got);
        if (strcmp(got, want))
            fail_msg("%lld ns: %s, want %s", (long long)ns, got, want);
    }
}

static void uuids(void **state)
{
    (void)state;
    uint64_t rng = 99;
    struct tpl_ctx ctx = {.rng = &rng};
    struct tpl_buf b = {0};
    const char *s = render1("${uuid} ${uuid}", &ctx, &b);
    assert_int_equal(b.len, 73);
    for (int k = 0; k < 2; k++) {
        const char *u = s + 37 * k;
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                assert_int_equal(u[i], '-');
            else
                assert_true(is_hex(u + i, 1));
        }
        assert_int_equal(u[14], '4');           /* version 4 */
        assert_non_null(strchr("89ab", u[19])); /* variant 10xx */
    }
    assert_memory_not_equal(s, s + 37, 36); /* each occurrence is new */
    /* the version and variant bits hold for many */
    struct tpl *t = compile_ok("${uuid}", TPL_RUNTIME);
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
        assert_int_equal(b.data[14], '4');
        assert_non_null(strchr("89ab", b.data[19]));
    }
    tpl_free(t);
    /* and the environment variable named uuid is not used */
    assert_null(strstr(render1("${uuid}", &ctx, &b), "ENV"));
    tpl_buf_free(&b);
}

static void random_ints(void **state)
{
    (void)state;
    uint64_t rng = 5;
    struct tpl_ctx ctx = {.rng = &rng};
    struct tpl_buf b = {0};
    static const struct {
        const char *text;
        long long lo, hi;
    } cases[] = {
        {"${random_int(1,6)}", 1, 6},
        {"${random_int(7,7)}", 7, 7},
        {"${random_int(-5,-3)}", -5, -3},
        {"${random_int( -2 , 2 )}", -2, 2},
        {"${random_int(-9223372036854775808,9223372036854775807)}", INT64_MIN, INT64_MAX},
        {"${random_int(9223372036854775806,9223372036854775807)}", INT64_MAX - 1, INT64_MAX},
        {"${random_int(+3,4)}", 3, 4},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct tpl *t = compile_ok(cases[c].text, TPL_RUNTIME);
        bool seen[7] = {false};
        bool negative = false, positive = false;
        bool small = (uint64_t)cases[c].hi - (uint64_t)cases[c].lo < 7;
        for (int i = 0; i < 2000; i++) {
            assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
            char *end;
            long long v = strtoll(b.data, &end, 10);
            assert_int_equal(*end, '\0');
            if (v < cases[c].lo || v > cases[c].hi)
                fail_msg("%s gave %lld", cases[c].text, v);
            if (small)
                seen[v - cases[c].lo] = true;
            negative |= v < 0;
            positive |= v > 0;
        }
        if (small) {
            for (long long k = 0; k <= cases[c].hi - cases[c].lo; k++)
                if (!seen[k])
                    fail_msg("%s never gave %lld", cases[c].text, cases[c].lo + k);
        } else {
            assert_true(negative && positive); /* the full range has both halves */
        }
        tpl_free(t);
    }
    tpl_buf_free(&b);
}

static void random_hex_digits(void **state)
{
    (void)state;
    uint64_t rng = 3;
    struct tpl_ctx ctx = {.rng = &rng};
    struct tpl_buf b = {0};
    static const size_t n[] = {1, 15, 16, 17, 32, 256};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "<${random_hex(%zu)}>", n[i]);
        const char *s = render1(text, &ctx, &b);
        assert_int_equal(b.len, n[i] + 2);
        assert_int_equal(s[0], '<');
        assert_int_equal(s[n[i] + 1], '>');
        assert_true(is_hex(s + 1, n[i]));
    }
    /* every digit shows up */
    const char *s = render1("${random_hex(256)}", &ctx, &b);
    for (const char *d = "0123456789abcdef"; *d; d++)
        assert_non_null(memchr(s, *d, 256));
    tpl_buf_free(&b);
}

/* ---- file contents ---------------------------------------------------------- */

static void lenient_mode_for_files(void **state)
{
    (void)state;
    const unsigned fl = TPL_RUNTIME | TPL_LENIENT;
    const char text[] = "{\"id\": \"${accounts.id}\", \"home\": \"${HOME}\", \"a\": \"${A}\", "
                        "\"other\": \"${foo.bar}\", \"d\": \"${A:-x}\", \"open\": \"${uuid\", "
                        "\"esc\": \"$${uuid}\", \"f\": \"${foo(1)}\", \"n\": \"${seq}\"}\0tail";
    struct tpl *t;
    assert_int_equal(
        tpl_compile(text, sizeof text - 1, fl, fds(), 2, env, NULL, &t, err, sizeof err), TPL_OK);
    assert_true(tpl_dynamic(t));
    assert_false(tpl_used_env(t));
    assert_int_equal(tpl_feeder_mask(t), 1);
    size_t rows[2] = {1, 0};
    uint64_t rng = 1;
    struct tpl_ctx ctx = {.feeders = fds(), .rows = rows, .seq = 9, .rng = &rng};
    struct tpl_buf b = {0};
    assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
    const char want[] = "{\"id\": \"2\", \"home\": \"${HOME}\", \"a\": \"${A}\", "
                        "\"other\": \"${foo.bar}\", \"d\": \"${A:-x}\", \"open\": \"${uuid\", "
                        "\"esc\": \"${uuid}\", \"f\": \"${foo(1)}\", \"n\": \"9\"}\0tail";
    assert_int_equal(b.len, sizeof want - 1); /* NULs in files are kept */
    assert_memory_equal(b.data, want, sizeof want - 1);
    tpl_free(t);
    tpl_buf_free(&b);

    /* what is clearly meant as a reference is still checked */
    compile_fails("x ${accounts.idd} y", fl, "feeder 'accounts' has no column 'idd'");
    compile_fails("${random_int(2,1)}", fl, "the lower bound is greater");
    compile_fails("${random_hex(999)}", fl, "from 1 to 256");
    /* a file without runtime references is static */
    t = compile_ok("{\"a\": \"${A}\"}", fl);
    assert_false(tpl_dynamic(t));
    assert_string_equal(tpl_text(t, NULL), "{\"a\": \"${A}\"}");
    tpl_free(t);
}

/* ---- flow variables -------------------------------------------------------- */

static struct tpl *compile_vars_ok(const char *text, size_t len, unsigned flags,
                                   const char *const *vars, size_t n_vars)
{
    struct tpl *t = NULL;
    int rc =
        tpl_compile_vars(text, len, flags, fds(), 2, vars, n_vars, env, NULL, &t, err, sizeof err);
    if (rc)
        fail_msg("'%s' (flags %u): rc %d: %s", text, flags, rc, err);
    return t;
}

/* ${NAME} of a flow variable is a runtime piece rendered from
 * tpl_ctx.vars; it wins over an environment variable of that name (A is
 * set), never over a built-in; other names are still environment
 * variables, expanded at compile time. */
static void flow_variables_rendered(void **state)
{
    (void)state;
    static const char *const vars[] = {"cid", "A", "uuid", "etag"};
    const char text[] = "/p/${cid}/${A}/${B:-b}/${accounts.id}?e=${etag}&x=${cid}";
    struct tpl *t = compile_vars_ok(text, sizeof text - 1, TPL_ENV | TPL_RUNTIME, vars, 4);
    assert_true(tpl_dynamic(t));
    assert_int_equal(tpl_var_mask(t), 1 | 2 | 8);
    assert_int_equal(tpl_feeder_mask(t), 1);
    /* shown as written, the defaulted environment variable expanded */
    assert_string_equal(tpl_text(t, NULL), "/p/${cid}/${A}/b/${accounts.id}?e=${etag}&x=${cid}");
    size_t rows[2] = {0, 0};
    uint64_t rng = 1;
    const struct tpl_span values[4] = {{"c-1", 3}, {"from-capture", 12}, {"unused", 6}, {"", 0}};
    struct tpl_ctx ctx = {.feeders = fds(), .rows = rows, .rng = &rng, .vars = values};
    struct tpl_buf b = {0};
    assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
    assert_string_equal(b.data, "/p/c-1/from-capture/b/1?e=&x=c-1");
    assert_int_equal(b.len, strlen("/p/c-1/from-capture/b/1?e=&x=c-1"));
    /* another instance's values, longer: the buffer grows, lengths exact */
    char big[3000];
    memset(big, 'v', sizeof big);
    const struct tpl_span more[4] = {{big, sizeof big}, {"a", 1}, {"", 0}, {"W/\"1\"", 5}};
    ctx.vars = more;
    assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
    assert_int_equal(b.len, 3 + 3000 + 1 + 1 + 3 + 1 + 3 + 5 + 3 + 3000);
    assert_memory_equal(b.data + b.len - 3003, "&x=", 3);
    assert_int_equal(b.data[b.len], '\0');
    assert_non_null(strstr(b.data, "/a/b/1?e=W/\"1\"&x=vvv"));
    /* back to short values: the grown buffer is kept */
    char *data = b.data;
    ctx.vars = values;
    assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
    assert_ptr_equal(b.data, data);
    assert_string_equal(b.data, "/p/c-1/from-capture/b/1?e=&x=c-1");
    /* appended after what the buffer holds */
    assert_int_equal(tpl_render_append(t, &ctx, &b), TPL_OK);
    assert_string_equal(b.data, "/p/c-1/from-capture/b/1?e=&x=c-1/p/c-1/from-capture/b/1?e=&x=c-1");
    tpl_buf_free(&b);
    tpl_free(t);

    /* a built-in stays the built-in, even named among the variables */
    t = compile_vars_ok("${uuid}", 7, TPL_ENV | TPL_RUNTIME, vars, 4);
    assert_int_equal(tpl_var_mask(t), 0);
    ctx.vars = NULL;
    assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
    assert_int_equal(b.len, 36);
    tpl_buf_free(&b);
    tpl_free(t);

    /* not among the variables: an environment variable (SECRET=s3) */
    t = compile_vars_ok("${SECRET}-${cid}", 16, TPL_ENV | TPL_RUNTIME, vars, 4);
    assert_true(tpl_used_env(t));
    assert_string_equal(tpl_text(t, NULL), "s3-${cid}");
    tpl_free(t);
    struct tpl *u = NULL;
    assert_int_equal(tpl_compile_vars("${nope}", 7, TPL_ENV | TPL_RUNTIME, fds(), 2, vars, 4, env,
                                      NULL, &u, err, sizeof err),
                     TPL_EINVAL);
    assert_null(u);
    assert_non_null(strstr(err, "environment variable nope is not set"));
}

/* Variables need runtime references: without TPL_RUNTIME (a field read
 * once, not per request) the name is an environment variable. A
 * template without variables renders without ctx.vars. */
static void flow_variables_need_runtime(void **state)
{
    (void)state;
    static const char *const vars[] = {"A"};
    struct tpl *t = compile_vars_ok("${A}", 4, TPL_ENV, vars, 1);
    assert_false(tpl_dynamic(t));
    assert_int_equal(tpl_var_mask(t), 0);
    assert_string_equal(tpl_text(t, NULL), "alpha");
    tpl_free(t);
    t = compile_vars_ok("${A}", 4, TPL_RUNTIME, vars, 1); /* no TPL_ENV either */
    assert_true(tpl_dynamic(t));
    assert_int_equal(tpl_var_mask(t), 1);
    tpl_free(t);
}

/* In file contents (TPL_LENIENT) a variable is a runtime reference too,
 * over an environment variable of that name; unknown names stay as
 * written. */
static void flow_variables_in_files(void **state)
{
    (void)state;
    static const char *const vars[] = {"cid", "A"};
    const char text[] = "{\"c\": \"${cid}\", \"a\": \"${A}\", \"h\": \"${HOME}\", \"e\": "
                        "\"$${cid}\"}\0tail";
    struct tpl *t = compile_vars_ok(text, sizeof text - 1, TPL_RUNTIME | TPL_LENIENT, vars, 2);
    assert_int_equal(tpl_var_mask(t), 3);
    assert_false(tpl_used_env(t));
    uint64_t rng = 1;
    const struct tpl_span values[2] = {{"C", 1}, {"AA", 2}};
    struct tpl_ctx ctx = {.rng = &rng, .vars = values};
    struct tpl_buf b = {0};
    assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
    const char want[] =
        "{\"c\": \"C\", \"a\": \"AA\", \"h\": \"${HOME}\", \"e\": \"${cid}\"}\0tail";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.data, want, sizeof want - 1);
    tpl_buf_free(&b);
    tpl_free(t);
    /* lenient without the variable: kept as written */
    t = compile_vars_ok("${cid}", 6, TPL_RUNTIME | TPL_LENIENT, NULL, 0);
    assert_false(tpl_dynamic(t));
    assert_string_equal(tpl_text(t, NULL), "${cid}");
    tpl_free(t);
}

/* Up to TPL_MAX_VARS variables, each its bit of the mask (63 the last). */
static void flow_variables_limit(void **state)
{
    (void)state;
    char names[TPL_MAX_VARS + 1][16];
    const char *vars[TPL_MAX_VARS + 1];
    for (int i = 0; i <= TPL_MAX_VARS; i++) {
        snprintf(names[i], sizeof names[i], "v%d", i);
        vars[i] = names[i];
    }
    struct tpl *t = compile_vars_ok("${v63}${v0}", 11, TPL_RUNTIME, vars, TPL_MAX_VARS);
    assert_int_equal(tpl_var_mask(t), (UINT64_C(1) << 63) | 1);
    struct tpl_span values[TPL_MAX_VARS];
    for (int i = 0; i < TPL_MAX_VARS; i++)
        values[i] = (struct tpl_span){names[i], strlen(names[i])};
    uint64_t rng = 1;
    struct tpl_ctx ctx = {.rng = &rng, .vars = values};
    struct tpl_buf b = {0};
    assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
    assert_string_equal(b.data, "v63v0");
    tpl_buf_free(&b);
    tpl_free(t);
    struct tpl *u = (struct tpl *)1;
    assert_int_equal(tpl_compile_vars("x", 1, TPL_RUNTIME, fds(), 2, vars, TPL_MAX_VARS + 1, env,
                                      NULL, &u, err, sizeof err),
                     TPL_EINVAL);
    assert_null(u);
    assert_string_equal(err, "65 flow variables; a flow can have at most 64");
}

/* ---- buffers --------------------------------------------------------------- */

static void rendering_reuses_the_buffer(void **state)
{
    (void)state;
    struct tpl *t = compile_ok("/a/${accounts.name}/${seq}", TPL_RUNTIME);
    size_t rows[2] = {1, 0};
    uint64_t rng = 1;
    struct tpl_ctx ctx = {.feeders = fds(), .rows = rows, .seq = 123456789, .rng = &rng};
    struct tpl_buf b = {0};
    assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
    assert_string_equal(b.data, "/a/bob, jr/123456789");
    char *data = b.data;
    size_t cap = b.cap;
    rows[0] = 0;
    for (uint64_t s = 0; s < 1000; s++) {
        ctx.seq = s;
        rows[0] = s & 1;
        assert_int_equal(tpl_render(t, &ctx, &b), TPL_OK);
        assert_ptr_equal(b.data, data); /* grown once, never again */
        assert_int_equal(b.cap, cap);
    }
    assert_string_equal(b.data, "/a/bob, jr/999");
    tpl_buf_free(&b);
    tpl_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(environment_is_expanded_at_compile_time),
        cmocka_unit_test(environment_errors),
        cmocka_unit_test(runtime_reference_errors),
        cmocka_unit_test(columns_are_recorded),
        cmocka_unit_test(time_and_sequence),
        cmocka_unit_test(uuids),
        cmocka_unit_test(random_ints),
        cmocka_unit_test(random_hex_digits),
        cmocka_unit_test(lenient_mode_for_files),
        cmocka_unit_test(flow_variables_rendered),
        cmocka_unit_test(flow_variables_need_runtime),
        cmocka_unit_test(flow_variables_in_files),
        cmocka_unit_test(flow_variables_limit),
        cmocka_unit_test(rendering_reuses_the_buffer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
