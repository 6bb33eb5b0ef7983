/*
 * measure/test_recorder.c — outcome classes, WSO2 throttling codes read from 429
 * bodies and fault codes from every error answer's, examples of answers
 * per class, the merging of per-application counters, and local failures
 * (the generator's, kept apart from every outcome of the gateway's).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "measure/recorder.h"

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

static const char *fault(const char *body)
{
    return rec_fault_name(rec_fault_kind(body, strlen(body)));
}

/* WSO2 fault codes in the bodies of error answers (not only 429s): a
 * fixed table of the documented codes, "other" for any other code, and
 * "no_code" for a body without one. */
static void fault_codes(void **state)
{
    (void)state;
    assert_string_equal(fault("{\"fault\":{\"code\":101503,\"message\":\"Runtime Error\","
                              "\"description\":\"Error connecting to the back end\"}}"),
                        "101503");
    assert_string_equal(fault("{\"fault\":{\"code\":101504,\"message\":\"Runtime Error\"}}"),
                        "101504");
    assert_string_equal(fault("{\"fault\": {\"code\" : \"900901\", \"message\":\"x\"}}"), "900901");
    assert_string_equal(fault("{\"code\":900908}"), "900908");
    assert_string_equal(fault("{\"code\":303001}"), "303001");
    assert_string_equal(fault("{\"code\":700700}"), "700700");
    /* WSO2's XML faults (API-M 2.x/3.x by default) */
    assert_string_equal(fault("<am:fault xmlns:am=\"http://wso2.org/apimanager\"><am:code>101504"
                              "</am:code><am:type>Status report</am:type></am:fault>"),
                        "101504");
    /* a status-like outer code beside WSO2's */
    assert_string_equal(fault("{\"code\":503,\"fault\":{\"code\":101503}}"), "101503");
    /* codes not in the table */
    assert_string_equal(fault("{\"fault\":{\"code\":404,\"type\":\"Status report\"}}"), "other");
    assert_string_equal(fault("{\"code\":1015030}"), "other");
    /* no code at all */
    assert_string_equal(fault("<html><body>502 Bad Gateway</body></html>"), "no_code");
    assert_string_equal(fault(""), "no_code");
    assert_string_equal(fault("{\"errorcode\":101503}"), "no_code");
    assert_int_equal(rec_fault_kind(NULL, 0), REC_FAULT_NONE);
    /* cut in the middle of the code: not a code */
    assert_string_equal(rec_fault_name(rec_fault_kind("{\"code\":1015", 11)), "no_code");
    /* names are the codes, each once, in the table's order */
    for (int k = 0; k < REC_FAULT_OTHER; k++) {
        const char *n = rec_fault_name(k);
        assert_int_equal(strlen(n), 6);
        assert_int_equal(rec_fault_kind(n, 6), REC_FAULT_NONE); /* a bare number is no member */
        char body[64];
        snprintf(body, sizeof body, "{\"code\":%s}", n);
        assert_int_equal(rec_fault_kind(body, strlen(body)), k);
    }
    assert_string_equal(rec_fault_name(REC_FAULT_OTHER), "other");
    assert_string_equal(rec_fault_name(REC_FAULT_NONE), "no_code");
    assert_string_equal(rec_fault_name(REC_FAULT_KINDS), "?");
}

/* An example of the answers per class: status, node and the start of the
 * body, kept once per class; a transport's message, kept first, stays. */
static void answer_examples(void **state)
{
    (void)state;
    struct rec_set *a, *b;
    assert_int_equal(rec_set_new(1, 1, &a), 0);
    assert_int_equal(rec_set_new(1, 1, &b), 0);
    const char body[] = "{\"fault\":{\"code\":101503,\n  \"message\":\"Runtime Error\"}}";
    rec_note_answer(b, OC_5XX, 503, "gw1", body, sizeof body - 1);
    rec_note_answer(b, OC_5XX, 502, "gw2", "later", 5);
    assert_string_equal(b->first_error[OC_5XX],
                        "HTTP 503 from gw1: {\"fault\":{\"code\":101503, \"message\":\"Runtime "
                        "Error\"}}");
    rec_note_answer(b, OC_4XX, 404, "gw1", NULL, 0);
    assert_string_equal(b->first_error[OC_4XX], "HTTP 404 from gw1 (no body)");
    rec_note_error(b, OC_OTHER, "invalid response from gw1: status 999 is outside 100..599");
    rec_note_answer(b, OC_OTHER, 999, "gw1", "x", 1);
    assert_string_equal(b->first_error[OC_OTHER],
                        "invalid response from gw1: status 999 is outside 100..599");
    /* a long body is cut to fit */
    char big[1000];
    memset(big, 'x', sizeof big);
    rec_note_answer(b, OC_2XX, 200, "gw1", big, sizeof big);
    assert_int_equal(strlen(b->first_error[OC_2XX]), REC_ERROR_LEN - 1);
    assert_string_equal(b->first_error[OC_2XX] + REC_ERROR_LEN - 4, "...");
    rec_merge_errors(a, b);
    assert_string_equal(a->first_error[OC_4XX], "HTTP 404 from gw1 (no body)");
    rec_set_free(a);
    rec_set_free(b);
}

/* faults_by is summed like the other counters and cleared with them. */
static void fault_counts_merge(void **state)
{
    (void)state;
    struct rec_cell *a = rec_cell_new(), *b = rec_cell_new();
    assert_non_null(a);
    assert_non_null(b);
    b->faults_by[2] = 3;
    b->faults_by[REC_FAULT_NONE] = 1;
    rec_cell_add(a, b);
    rec_cell_add(a, b);
    assert_int_equal(a->faults_by[2], 6);
    assert_int_equal(a->faults_by[REC_FAULT_NONE], 2);
    rec_cell_reset(a);
    assert_int_equal(a->faults_by[2], 0);
    rec_cell_free(a);
    rec_cell_free(b);
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
        cmocka_unit_test(classes),         cmocka_unit_test(throttle_codes),
        cmocka_unit_test(body_lines),      cmocka_unit_test(fault_codes),
        cmocka_unit_test(answer_examples), cmocka_unit_test(fault_counts_merge),
        cmocka_unit_test(apps_merge),      cmocka_unit_test(local_failures_are_the_generators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
