/* tests/measure/test_hlog_tags.c — the tags of an interval log (harness/measure/hlog_tags.c):
 * read without decoding histograms (a line whose histogram does not
 * decode still names its tag), sorted, the untagged lines noted, the time
 * range honoured, a bad line named, many tags kept distinct, and the
 * series of a tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hlog.h"
#include "measure/hlog_tags.h"

#define JAVA_123 "HISTFAAAACN42pNpmSzMwMDAwgABzFCaEURcm7yEwf4DVISJiQkAY5YEkQ=="

static FILE *file_of(const char *text)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs(text, f);
    rewind(f);
    return f;
}

static const char gatecap_log[] =
    "#[StartTime: 1700000000.000 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]\n"
    "#[Value unit: microseconds; Interval_Max = max / 1000 (milliseconds)]\n"
    "0.000,1.000,0.003," JAVA_123 "\n"
    "Tag=service/steady/echo/gw2,0.000,1.000,0.003," JAVA_123 "\n"
    "Tag=latency/steady/echo/gw2,0.000,1.000,0.003," JAVA_123 "\n"
    "Tag=latency/steady/echo/gw1,0.000,1.000,0.003,NOT DECODED\n"
    "1.000,1.000,0.003," JAVA_123 "\n"
    "Tag=latency/steady/echo/gw2,1.000,1.000,0.003," JAVA_123 "\n"
    "Tag=latency/burst/echo/gw1,2.000,1.000,0.003," JAVA_123 "\n";

static void reads_sorted_distinct_tags(void **state)
{
    (void)state;
    struct hlog_tags t;
    char err[256];
    long line = -1;
    FILE *f = file_of(gatecap_log);
    assert_int_equal(hlog_tags_read(f, 0, INFINITY, &t, err, sizeof err, &line), HLOG_OK);
    fclose(f);
    assert_int_equal(t.n, 4);
    assert_string_equal(t.names[0], "latency/burst/echo/gw1");
    assert_string_equal(t.names[1], "latency/steady/echo/gw1");
    assert_string_equal(t.names[2], "latency/steady/echo/gw2");
    assert_string_equal(t.names[3], "service/steady/echo/gw2");
    assert_true(t.untagged);
    assert_int_equal(line, 0);
    assert_true(hlog_tags_has(&t, "latency/steady/echo/gw1", false));
    assert_false(hlog_tags_has(&t, "latency/steady/echo", false));
    assert_true(hlog_tags_has(&t, "latency/steady/echo", true));
    assert_true(hlog_tags_has(&t, "service/", true));
    assert_false(hlog_tags_has(&t, "service/burst/", true));
    /* still a set after the sort */
    assert_int_equal(hlog_tags_add(&t, "service/steady/echo/gw2"), HLOG_OK);
    assert_int_equal(t.n, 4);
    hlog_tags_free(&t);
    assert_int_equal(t.n, 0);

    /* the time range: only the lines starting within [1, 1.5] s */
    f = file_of(gatecap_log);
    assert_int_equal(hlog_tags_read(f, 1, 1.5, &t, err, sizeof err, &line), HLOG_OK);
    fclose(f);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.names[0], "latency/steady/echo/gw2");
    assert_true(t.untagged);
    hlog_tags_free(&t);

    /* only tagged lines */
    f = file_of("Tag=a,0.000,1.000,0.003," JAVA_123 "\n");
    assert_int_equal(hlog_tags_read(f, 0, INFINITY, &t, err, sizeof err, &line), HLOG_OK);
    fclose(f);
    assert_false(t.untagged);
    assert_int_equal(t.n, 1);
    hlog_tags_free(&t);
}

static void names_a_bad_line(void **state)
{
    (void)state;
    struct hlog_tags t;
    char err[256];
    long line = 0;
    FILE *f = file_of("Tag=a,0.000,1.000,0.003," JAVA_123 "\nTag=b,zero,1.000,0.003,x\n"
                      "Tag=c,2.000,1.000,0.003,x\n");
    assert_int_equal(hlog_tags_read(f, 0, INFINITY, &t, err, sizeof err, &line), HLOG_EPARSE);
    fclose(f);
    assert_int_equal(line, 2);
    assert_non_null(strstr(err, "not a number"));
    hlog_tags_free(&t);
}

/* Thousands of tags, each seen many times: one entry each. */
static void many_tags(void **state)
{
    (void)state;
    struct hlog_tags t = {0};
    char tag[64];
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 5000; i++) {
            snprintf(tag, sizeof tag, "latency/p%d/r/n%d", i % 50, i);
            assert_int_equal(hlog_tags_add(&t, tag), HLOG_OK);
        }
    assert_int_equal(t.n, 5000);
    assert_string_equal(t.names[4999], "latency/p49/r/n4999"); /* first-seen order */
    assert_true(t.n_slots >= 2 * t.n);
    hlog_tags_free(&t);
}

static void series_of_a_tag(void **state)
{
    (void)state;
    assert_int_equal(hlog_tags_series_len("latency/steady/echo/gw1"), 7);
    assert_int_equal(hlog_tags_series_len("service/x"), 7);
    assert_int_equal(hlog_tags_series_len("plain"), 0);
    assert_int_equal(hlog_tags_series_len(NULL), 0);
    assert_int_equal(hlog_tags_series_len("/x"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_sorted_distinct_tags),
        cmocka_unit_test(names_a_bad_line),
        cmocka_unit_test(many_tags),
        cmocka_unit_test(series_of_a_tag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
