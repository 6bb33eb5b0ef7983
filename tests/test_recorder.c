/*
 * test_recorder.c — outcome classes, WSO2 throttling codes read from 429
 * bodies, the merging of per-application counters, and local failures
 * (the generator's, kept apart from every outcome of the gateway's).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "recorder.h"

static void classes(void **state)
{
    (void)state;
    assert_int_equal(rec_outcome_of_status(200), OC_2XX);
    assert_int_equal(rec_outcome_of_status(304), OC_3XX);
    assert_int_equal(rec_outcome_of_status(401), OC_401);
    assert_int_equal(rec_outcome_of_status(403), OC_4XX);
    assert_int_equal(rec_outcome_of_status(429), OC_429);
    assert_int_equal(rec_outcome_of_status(503), OC_5XX);
    assert_int_equal(rec_outcome_of_status(100), OC_OTHER);
    /* outside 100..599 (RFC 9110 15) is an invalid response, not a 5xx */
    assert_int_equal(rec_outcome_of_status(599), OC_5XX);
    assert_int_equal(rec_outcome_of_status(600), OC_OTHER);
    assert_int_equal(rec_outcome_of_status(999), OC_OTHER);
    assert_int_equal(rec_outcome_of_status(99), OC_OTHER);
    assert_int_equal(rec_outcome_of_status(-1), OC_OTHER);
    assert_string_equal(rec_outcome_name(OC_401), "unauthorized");
    assert_true(rec_outcome_is_error(OC_401));
    assert_false(rec_outcome_is_error(OC_429));
}

static int kind(const char *body)
{
    return rec_throttle_kind(body, strlen(body));
}

static void throttle_codes(void **state)
{
    (void)state;
    assert_int_equal(kind("{\"fault\":{\"code\":900800,\"message\":\"Message throttled out\"}}"),
                     0);
    assert_string_equal(rec_throttle_name(0), "api");
    assert_int_equal(kind("{\"fault\":{\"code\":900803,\"message\":\"x\"}}"), 3);
    assert_string_equal(rec_throttle_name(3), "application");
    assert_int_equal(kind("{\"fault\": {\"code\" : \"900804\", \"message\":\"x\"}}"), 4);
    assert_string_equal(rec_throttle_name(4), "subscription");
    assert_int_equal(kind("{\"code\":\"900807\"}"), 7);
    /* not WSO2's, or out of range */
    assert_int_equal(kind("Too Many Requests"), REC_THROTTLE_OTHER);
    assert_int_equal(kind("{\"code\":900808}"), REC_THROTTLE_OTHER);
    assert_int_equal(kind("{\"code\":9008030}"), REC_THROTTLE_OTHER);
    assert_int_equal(kind("{\"code\":429,\"fault\":{\"code\":900802}}"), 2);
    assert_int_equal(kind(""), REC_THROTTLE_OTHER);
    /* a body cut in the middle of the code */
    assert_int_equal(rec_throttle_kind("{\"code\":9008", 12), REC_THROTTLE_OTHER);
    assert_string_equal(rec_throttle_name(REC_THROTTLE_OTHER), "other");
}

/* An answer's body as one line for a message: white space and control
 * characters folded, cut with "..." at a character boundary. */
static void body_lines(void **state)
{
    (void)state;
    char out[16], wide[64];
    const char html[] = "\r\n  <html>\r\n\t<b>x</b>\0\x1b[2J \n";
    rec_body_line(wide, sizeof wide, html, sizeof html - 1);
    assert_string_equal(wide, "<html> <b>x</b> [2J");
    assert_int_equal(rec_body_line(out, sizeof out, "", 0), 0);
    assert_string_equal(out, "");
    assert_int_equal(rec_body_line(out, sizeof out, " \r\n", 3), 0);
    /* 15 bytes fit; 16 do not */
    rec_body_line(out, sizeof out, "abcdefghijklmno", 15);
    assert_string_equal(out, "abcdefghijklmno");
    rec_body_line(out, sizeof out, "abcdefghijklmnop", 16);
    assert_string_equal(out, "abcdefghijkl...");
    /* never half a UTF-8 character before the dots: "é" is 2 bytes */
    const char e8[] = "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
    rec_body_line(out, sizeof out, e8, sizeof e8 - 1);
    assert_string_equal(out, "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
    char tiny[4];
    rec_body_line(tiny, sizeof tiny, "abcdef", 6);
    assert_string_equal(tiny, "...");
    char one[1];
    rec_body_line(one, sizeof one, "abc", 3);
    assert_string_equal(one, "");
}

static void apps_merge(void **state)
{
    (void)state;
    struct rec_set *a, *b;
    assert_int_equal(rec_set_new(1, 1, &a), 0);
    assert_int_equal(rec_set_new(1, 1, &b), 0);
    assert_int_equal(rec_set_apps(a, 3), 0);
    assert_int_equal(rec_set_apps(b, 3), 0);
    b->apps[1].completed = 5;
    b->apps[1].outcomes[OC_429] = 2;
    b->apps[1].throttled_by[3] = 2;
    b->apps[1].latency_count = 3;
    b->apps[1].latency_sum_us = 300;
    b->apps[1].latency_max_us = 150;
    b->apps[2].refresh_asked = 1; /* a 401 in a phase not recorded still counts here */
    rec_apps_add(a, b);
    rec_apps_add(a, b);
    assert_int_equal(a->apps[1].completed, 10);
    assert_int_equal(a->apps[1].outcomes[OC_429], 4);
    assert_int_equal(a->apps[1].throttled_by[3], 4);
    assert_int_equal(a->apps[1].latency_sum_us, 600);
    assert_int_equal(a->apps[1].latency_max_us, 150);
    assert_int_equal(a->apps[2].refresh_asked, 2);
    assert_int_equal(a->apps[0].completed, 0);
    rec_set_reset(b);
    assert_int_equal(b->apps[1].completed, 0);
    rec_set_free(a);
    rec_set_free(b);
}

static void local_failures_are_the_generators(void **state)
{
    (void)state;
    struct rec_set *a, *b;
    assert_int_equal(rec_set_new(1, 1, &a), 0);
    assert_int_equal(rec_set_new(1, 1, &b), 0);
    b->health.local_failures = 3;
    rec_note_local(b, "node n: cannot open a socket: Too many open files");
    rec_note_local(b, "a later one is not kept");
    assert_string_equal(b->local_error, "node n: cannot open a socket: Too many open files");
    rec_health_add(&a->health, &b->health);
    rec_health_add(&a->health, &b->health);
    assert_int_equal(a->health.local_failures, 6);
    rec_merge_errors(a, b);
    assert_string_equal(a->local_error, "node n: cannot open a socket: Too many open files");
    for (int i = 0; i < OC_COUNT; i++)
        assert_string_equal(a->first_error[i], ""); /* no outcome of the gateway's */
    rec_set_reset(b);
    assert_int_equal(b->health.local_failures, 0);
    assert_string_equal(b->local_error, "");
    rec_set_free(a);
    rec_set_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classes),
        cmocka_unit_test(throttle_codes),
        cmocka_unit_test(body_lines),
        cmocka_unit_test(apps_merge),
        cmocka_unit_test(local_failures_are_the_generators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
