/* tests/measure/test_hlog.c — interval log writer and reader (harness/measure/hlog.c):
 * the exact text written, reading back, Java's relative/absolute timestamp
 * rule, tag, tag prefix and time filters, reading tags without
 * decoding, errors with line numbers, half-written last
 * lines, and the Java-compatible number formatting. */
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

#include <zlib.h>

#include "base/encode.h"
#include "measure/hdr.h"
#include "measure/hdr_codec.h"
#include "measure/hlog.h"

#include "testutil.h"

#define HOUR_US 3600000000LL
#define T0_MS 1700000000123LL
#define JAVA_123 "HISTFAAAACN42pNpmSzMwMDAwgABzFCaEURcm7yEwf4DVISJiQkAY5YEkQ=="
#define JAVA_EMPTY "HISTFAAAAB942pNpmSzMwMDAyAABzFAazL82eQmD/QeoCABVgwSI"
#define JAVA_ONE "HISTFAAAACF42pNpmSzMwMDAxAABzFCaEURcm7yEwf4DVIQJAFowBIs="

static struct hdr_hist *mk123(void)
{
    struct hdr_hist *h = NULL;
    assert_int_equal(hdr_init(1, HOUR_US, 3, &h), HDR_OK);
    hdr_record(h, 1);
    hdr_record(h, 2);
    hdr_record(h, 3);
    return h;
}

/* A readable FILE holding text[0..n). */
static FILE *file_of(const char *text, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    if (n > 0)
        assert_int_equal(fwrite(text, 1, n, f), n);
    rewind(f);
    return f;
}

struct log {
    FILE *f;
    struct hlog_reader *r;
};

static struct log open_log(const char *text, const struct hlog_read_opts *o)
{
    struct log l;
    l.f = file_of(text, strlen(text));
    assert_int_equal(hlog_reader_open(l.f, o, &l.r), HLOG_OK);
    return l;
}

static void close_log(struct log *l)
{
    hlog_reader_close(l->r);
    fclose(l->f);
}

/* An interval with its tag copied (iv.tag is only valid until the next
 * hlog_reader_next call). */
struct got {
    struct hlog_interval iv;
    bool tagged;
    char tag[32];
};

/* Reads every interval; returns how many, or the error (then nothing is
 * left to free). */
static int read_all(struct log *l, struct got *out, int max)
{
    int n = 0;
    for (;;) {
        struct hlog_interval iv;
        int rc = hlog_reader_next(l->r, &iv);
        if (rc < 0) {
            for (int i = 0; i < n && i < max; i++)
                hdr_close(out[i].iv.hist);
            return rc;
        }
        if (rc == 0)
            return n;
        if (n < max) {
            out[n].iv = iv;
            out[n].tagged = iv.tag != NULL;
            snprintf(out[n].tag, sizeof(out[n].tag), "%s", iv.tag ? iv.tag : "");
            out[n].iv.tag = NULL;
        } else {
            hdr_close(iv.hist);
        }
        n++;
    }
}

static void free_all(struct got *g, int n)
{
    for (int i = 0; i < n; i++)
        hdr_close(g[i].iv.hist);
}

/* ---- writer ---------------------------------------------------------------- */

static void writer_writes_format_1_3(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    struct hlog_writer w;
    assert_int_equal(hlog_writer_open(&w, f, T0_MS), HLOG_OK);
    assert_int_equal(hlog_writer_comment(&w, "[a comment]"), HLOG_OK);
    struct hdr_hist *h = mk123();
    assert_int_equal(hlog_writer_interval(&w, NULL, T0_MS, 1000, h), HLOG_OK);
    hdr_reset(h);
    assert_int_equal(hlog_writer_interval(&w, "empty", T0_MS + 1000, 500, h), HLOG_OK);
    hdr_record(h, 2116); /* slot 2116..2117: max 2.117 ms */
    hdr_record(h, 1);
    assert_int_equal(hlog_writer_interval(&w, "lat-p", T0_MS - 500, 250, h), HLOG_OK);
    hdr_reset(h);
    hdr_record(h, 1);
    assert_int_equal(hlog_writer_interval(&w, NULL, T0_MS + 3600000, 1000, h), HLOG_OK);
    assert_int_equal(hlog_writer_finish(&w), HLOG_OK);
    fclose(f);

    char one[512];
    struct hdr_hist *h2 = NULL;
    assert_int_equal(hdr_init(1, HOUR_US, 3, &h2), HDR_OK);
    hdr_record(h2, 2116);
    hdr_record(h2, 1);
    char *b64 = NULL;
    assert_int_equal(hdr_encode_base64(h2, &b64), HDR_CODEC_OK);
    snprintf(one, sizeof(one), "Tag=lat-p,-0.500,0.250,2.117,%s\n", b64);
    free(b64);
    hdr_close(h2);

    const char *want_head =
        "#[Histogram log format version 1.3]\n"
        "#[StartTime: 1700000000.123 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]\n"
        "#[BaseTime: 1700000000.123 (seconds since epoch)]\n"
        "#[Value unit: microseconds; Interval_Max = max / 1000 (milliseconds)]\n"
        "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_"
        "Histogram\"\n"
        "#[a comment]\n"
        "0.000,1.000,0.003," JAVA_123 "\n"
        "Tag=empty,1.000,0.500,0.000," JAVA_EMPTY "\n";
    assert_int_equal(strncmp(text, want_head, strlen(want_head)), 0);
    const char *rest = text + strlen(want_head);
    assert_int_equal(strncmp(rest, one, strlen(one)), 0);
    assert_string_equal(rest + strlen(one), "3600.000,1.000,0.001," JAVA_ONE "\n");
    free(text);
    hdr_close(h);
}

static void writer_refuses_bad_input(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct hlog_writer w;
    assert_int_equal(hlog_writer_open(&w, f, T0_MS), HLOG_OK);
    struct hdr_hist *h = mk123();
    static const char *const bad_tags[] = {"", "a,b", "a b", "a\rb", "a\nb"};
    for (size_t i = 0; i < sizeof(bad_tags) / sizeof(bad_tags[0]); i++)
        assert_int_equal(hlog_writer_interval(&w, bad_tags[i], T0_MS, 1000, h), HLOG_EINVAL);
    assert_int_equal(hlog_writer_interval(&w, "ok", T0_MS, -1, h), HLOG_EINVAL);
    assert_int_equal(hlog_writer_interval(&w, "ok", T0_MS, 1000, NULL), HLOG_EINVAL);
    assert_int_equal(hlog_writer_interval(&w, "ok", INT64_MIN, 1000, h), HLOG_EINVAL);
    assert_int_equal(hlog_writer_comment(&w, "two\nlines"), HLOG_EINVAL);
    /* the first error sticks */
    assert_int_equal(hlog_writer_finish(&w), HLOG_EINVAL);
    fclose(f);
    /* nothing half-written: only the header made it */
    assert_null(strstr(text, "Tag="));
    free(text);

    assert_int_equal(hlog_writer_open(&w, NULL, T0_MS), HLOG_EINVAL);
    assert_int_equal(hlog_writer_open(&w, stdout, -1), HLOG_EINVAL);
    assert_int_equal(hlog_writer_open(NULL, stdout, 0), HLOG_EINVAL);
    hdr_close(h);
}

static void writer_reports_io_errors(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL)
        skip();
    struct hlog_writer w;
    hlog_writer_open(&w, f, T0_MS);
    struct hdr_hist *h = mk123();
    for (int i = 0; i < 200; i++)
        hlog_writer_interval(&w, NULL, T0_MS + i, 1000, h);
    assert_int_equal(hlog_writer_finish(&w), HLOG_EIO);
    fclose(f);
    hdr_close(h);
}

static void written_log_reads_back(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct hlog_writer w;
    assert_int_equal(hlog_writer_open(&w, f, T0_MS), HLOG_OK);
    struct hdr_hist *hs[6];
    static const char *const tags[] = {NULL, "a", "b", NULL, "a", NULL};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(hdr_init(1, HOUR_US, 3, &hs[i]), HDR_OK);
        for (int64_t v = 1; v < 1000000; v = v * 5 + i)
            hdr_record_n(hs[i], v, i + 1);
        assert_int_equal(hlog_writer_interval(&w, tags[i], T0_MS + 1000 * i, 1000, hs[i]), 0);
    }
    assert_int_equal(hlog_writer_finish(&w), HLOG_OK);
    fclose(f);

    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.all_tags = true;
    struct log l = open_log(text, &o);
    struct got g[8];
    assert_int_equal(read_all(&l, g, 8), 6);
    const struct hlog_info *info = hlog_reader_info(l.r);
    assert_true(info->has_start_time);
    assert_true(info->has_base_time);
    assert_true(fabs(info->start_time_s - 1700000000.123) < 1e-6);
    assert_int_equal(info->value_unit_ns, 1000);
    assert_int_equal(info->intervals, 6);
    assert_int_equal(info->warning_count, 0);
    for (int i = 0; i < 6; i++) {
        const struct hlog_interval *iv = &g[i].iv;
        assert_int_equal(g[i].tagged, tags[i] != NULL);
        if (tags[i] != NULL)
            assert_string_equal(g[i].tag, tags[i]);
        assert_true(fabs(iv->offset_s - i) < 1e-9);
        assert_true(fabs(iv->start_s - (1700000000.123 + i)) < 1e-6);
        assert_true(fabs(iv->length_s - 1.0) < 1e-12);
        assert_true(fabs(iv->max_column - (double)hdr_max(hs[i]) / 1000.0) < 1e-9);
        assert_int_equal(iv->line, 6 + i);
        assert_int_equal(hdr_count(iv->hist), hdr_count(hs[i]));
        assert_memory_equal(iv->hist->counts, hs[i]->counts,
                            (size_t)hs[i]->counts_len * sizeof(int64_t));
    }
    free_all(g, 6);
    close_log(&l);
    for (int i = 0; i < 6; i++)
        hdr_close(hs[i]);
    free(text);
}

/* ---- reader: times ------------------------------------------------------------ */

static double first_start(const char *text, double *offset)
{
    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.all_tags = true;
    o.start_s = -INFINITY;
    struct log l = open_log(text, &o);
    struct hlog_interval iv;
    assert_int_equal(hlog_reader_next(l.r, &iv), 1);
    double s = iv.start_s;
    *offset = iv.offset_s;
    hdr_close(iv.hist);
    close_log(&l);
    return s;
}

static void relative_and_absolute_timestamps(void **state)
{
    (void)state;
    double off = 0;
    /* BaseTime given: stamps are relative to it */
    assert_true(fabs(first_start("#[StartTime: 1000000000.000 (seconds since epoch)]\n"
                                 "#[BaseTime: 1000000100.000 (seconds since epoch)]\n"
                                 "5.000,1.000,0.003," JAVA_123 "\n",
                                 &off) -
                     1000000105.0) < 1e-6);
    assert_true(fabs(off - 105.0) < 1e-6);
    /* StartTime only, small stamps (more than a year before it): relative */
    assert_true(fabs(first_start("#[StartTime: 1000000000.000 (seconds since epoch)]\n"
                                 "5.000,1.000,0.003," JAVA_123 "\n",
                                 &off) -
                     1000000005.0) < 1e-6);
    assert_true(fabs(off - 5.0) < 1e-9);
    /* StartTime only, stamps near it: absolute (Java's one-year rule) */
    assert_true(fabs(first_start("#[StartTime: 1000000000.000 (seconds since epoch)]\n"
                                 "999999000.000,1.000,0.003," JAVA_123 "\n",
                                 &off) -
                     999999000.0) < 1e-6);
    assert_true(fabs(off + 1000.0) < 1e-6);
    assert_true(fabs(first_start("#[StartTime: 1000000000.000 (seconds since epoch)]\n"
                                 "1000000002.500,1.000,0.003," JAVA_123 "\n",
                                 &off) -
                     1000000002.5) < 1e-6);
    assert_true(fabs(off - 2.5) < 1e-6);
    /* no StartTime: the first stamp is the start, stamps are absolute */
    assert_true(fabs(first_start("7.000,1.000,0.003," JAVA_123 "\n", &off) - 7.0) < 1e-9);
    assert_true(fabs(off) < 1e-9);
}

/* ---- reader: filters ------------------------------------------------------------ */

static const char filter_log[] =
    "#[Histogram log format version 1.3]\n"
    "#[StartTime: 1700000000.000 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]\n"
    "#[BaseTime: 1700000000.000 (seconds since epoch)]\n"
    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
    "0.000,1.000,0.003," JAVA_123 "\n"
    "Tag=a,0.000,1.000,0.001," JAVA_ONE "\n"
    "Tag=b,0.000,1.000,0.000," JAVA_EMPTY "\n"
    "1.000,1.000,0.000," JAVA_EMPTY "\n"
    "Tag=a,1.000,1.000,0.003," JAVA_123 "\n"
    "2.000,1.000,0.003," JAVA_123 "\n"
    "Tag=a,2.000,1.000,0.003," JAVA_123 "\n"
    "3.000,1.000,0.003," JAVA_123 "\n"
    "Tag=a,3.000,1.000,0.003,THIS IS NOT READ: PAST THE END\n";

static int count_selected(const char *tag, bool all, double start, double end, bool absolute,
                          int64_t *values)
{
    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.tag = tag;
    o.all_tags = all;
    o.start_s = start;
    o.end_s = end;
    o.absolute = absolute;
    struct log l = open_log(filter_log, &o);
    struct got g[16];
    int n = read_all(&l, g, 16);
    assert_true(n >= 0);
    *values = 0;
    for (int i = 0; i < n; i++) {
        *values += hdr_count(g[i].iv.hist);
        if (tag != NULL)
            assert_string_equal(g[i].tag, tag);
        else if (!all)
            assert_false(g[i].tagged);
    }
    free_all(g, n);
    close_log(&l);
    return n;
}

static void filters_by_tag_and_time(void **state)
{
    (void)state;
    int64_t v = 0;
    /* default: untagged only (what Java's processor does), all times; the
     * last line starts after... nothing: end is +inf, so its tag a is
     * filtered out before its payload is decoded */
    assert_int_equal(count_selected(NULL, false, 0, INFINITY, false, &v), 4);
    assert_int_equal(v, 9);
    assert_int_equal(count_selected("b", false, 0, INFINITY, false, &v), 1);
    assert_int_equal(v, 0);
    assert_int_equal(count_selected("zzz", false, 0, INFINITY, false, &v), 0);
    /* relative range, inclusive at both ends */
    assert_int_equal(count_selected(NULL, false, 1, 2, false, &v), 2);
    assert_int_equal(count_selected("a", false, 0.5, 2.0, false, &v), 2);
    assert_int_equal(v, 6);
    /* reading stops at the first interval after the end (Java's rule), so
     * the unreadable last line is never decoded */
    assert_int_equal(count_selected(NULL, true, 0, 2.5, false, &v), 7);
    /* absolute range */
    assert_int_equal(count_selected(NULL, false, 1700000001.0, 1700000002.0, true, &v), 2);
    assert_int_equal(count_selected(NULL, false, 0, 2, true, &v), 0);

    /* counters */
    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.tag = "a";
    o.start_s = 1;
    o.end_s = 2;
    struct log l = open_log(filter_log, &o);
    struct got g[8];
    assert_int_equal(read_all(&l, g, 8), 2);
    free_all(g, 2);
    const struct hlog_info *info = hlog_reader_info(l.r);
    assert_int_equal(info->skipped_time, 3);
    assert_int_equal(info->skipped_tag, 2);
    assert_true(info->stopped_at_end);
    close_log(&l);

    /* every tag: the garbage last line is read and is an error */
    hlog_read_opts_default(&o);
    o.all_tags = true;
    l = open_log(filter_log, &o);
    assert_int_equal(read_all(&l, g, 8), HLOG_EPARSE);
    assert_int_equal(hlog_reader_error_line(l.r), 13);
    close_log(&l);
    /* NaN bounds are refused */
    o.start_s = NAN;
    FILE *f = file_of("", 0);
    struct hlog_reader *r = NULL;
    assert_int_equal(hlog_reader_open(f, &o, &r), HLOG_EINVAL);
    assert_null(r);
    fclose(f);
}

/* gatecap's tags: SERIES/PHASE/REQUEST/NODE, and untagged lines. */
static const char tagged_log[] =
    "#[StartTime: 1700000000.000 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]\n"
    "0.000,1.000,0.003," JAVA_123 "\n"
    "Tag=latency/steady/echo/gw1,0.000,1.000,0.003," JAVA_123 "\n"
    "Tag=service/steady/echo/gw1,0.000,1.000,0.001," JAVA_ONE "\n"
    "Tag=latency/steady/echo/gw2,0.000,1.000,0.001," JAVA_ONE "\n"
    "Tag=latency/burst/echo/gw1,1.000,1.000,0.003," JAVA_123 "\n"
    "Tag=latency/burst/echo/gw1,2.000,1.000,0.003,NOT A HISTOGRAM\n";

static void filters_by_tag_prefix_and_skips_histograms(void **state)
{
    (void)state;
    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.tag_prefix = "latency/steady/";
    o.end_s = 1.5; /* the last line is never decoded */
    struct log l = open_log(tagged_log, &o);
    struct got g[8];
    int n = read_all(&l, g, 8);
    assert_int_equal(n, 2);
    assert_string_equal(g[0].tag, "latency/steady/echo/gw1");
    assert_string_equal(g[1].tag, "latency/steady/echo/gw2");
    assert_int_equal(hdr_count(g[0].iv.hist) + hdr_count(g[1].iv.hist), 4);
    assert_int_equal(hlog_reader_info(l.r)->skipped_tag, 3); /* untagged, service, burst */
    free_all(g, n);
    close_log(&l);

    /* a prefix never selects untagged lines, and a tag wins over it */
    o.tag_prefix = "";
    l = open_log(tagged_log, &o);
    assert_int_equal(read_all(&l, g, 8), 4);
    free_all(g, 4);
    close_log(&l);
    o.tag = "service/steady/echo/gw1";
    o.tag_prefix = "latency/";
    l = open_log(tagged_log, &o);
    assert_int_equal(read_all(&l, g, 8), 1);
    assert_string_equal(g[0].tag, "service/steady/echo/gw1");
    free_all(g, 1);
    close_log(&l);

    /* skip_histograms: every line's tag, no histogram decoded (the last
     * one does not decode, and is no error here) */
    hlog_read_opts_default(&o);
    o.all_tags = true;
    o.skip_histograms = true;
    l = open_log(tagged_log, &o);
    n = read_all(&l, g, 8);
    assert_int_equal(n, 6);
    for (int i = 0; i < n; i++)
        assert_null(g[i].iv.hist);
    assert_false(g[0].tagged);
    assert_string_equal(g[5].tag, "latency/burst/echo/gw1");
    close_log(&l);
}

/* ---- reader: accepted variants ------------------------------------------------ */

static void reads_comments_blank_lines_crlf_and_both_zero_styles(void **state)
{
    (void)state;
    /* value 1 four times and 3 once, with slot 0 and slot 2 empty: once
     * written Java's way (0 for one empty slot), once with -1 */
    uint8_t plain[64];
    static const uint8_t java[] = {0x00, 0x08, 0x00, 0x02};
    static const uint8_t other[] = {0x01, 0x08, 0x01, 0x02};
    char b64[2][256];
    for (int k = 0; k < 2; k++) {
        const uint8_t *p = k ? other : java;
        /* plain V2 header: cookie, length 4, offset 0, 3 digits, 1, 1 h, 1.0 */
        static const uint8_t head[40] = {0x1c, 0x84, 0x93, 0x13, 0,    0,    0, 4, 0, 0, 0, 0, 0, 0,
                                         0,    3,    0,    0,    0,    0,    0, 0, 0, 1, 0, 0, 0, 0,
                                         0xd6, 0x93, 0xa4, 0,    0x3f, 0xf0, 0, 0, 0, 0, 0, 0};
        memcpy(plain, head, 40);
        memcpy(plain + 40, p, 4);
        /* compress the very bytes (gatecap would re-encode Java's way) */
        uint8_t z[128];
        uLongf zlen = sizeof(z) - 8;
        assert_int_equal(compress2(z + 8, &zlen, plain, 44, 9), 0);
        z[0] = 0x1c;
        z[1] = 0x84;
        z[2] = 0x93;
        z[3] = 0x14;
        z[4] = 0;
        z[5] = 0;
        z[6] = (uint8_t)(zlen >> 8);
        z[7] = (uint8_t)zlen;
        assert_int_equal(enc_base64(z, 8 + zlen, b64[k], sizeof(b64[k])), 0);
    }
    char text[2048];
    snprintf(text, sizeof(text),
             "#[Histogram log format version 1.3]\r\n"
             "\r\n"
             "# a free comment, with, commas\n"
             "#[StartTime: 1700000000.000 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]\r\n"
             "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_"
             "Histogram\"\r\n"
             "0.000,1.000,0.003,%s\r\n"
             "\n"
             "1.000,1.000,0.003,%s\n",
             b64[0], b64[1]);
    struct log l = open_log(text, NULL);
    struct got g[4];
    assert_int_equal(read_all(&l, g, 4), 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(hdr_count(g[i].iv.hist), 5);
        assert_int_equal(g[i].iv.hist->counts[1], 4);
        assert_int_equal(g[i].iv.hist->counts[3], 1);
        assert_int_equal(hdr_max(g[i].iv.hist), 3);
    }
    assert_int_equal(g[0].iv.line, 6);
    assert_int_equal(g[1].iv.line, 8);
    assert_int_equal(hlog_reader_info(l.r)->warning_count, 0);
    /* after the end, next keeps returning 0 */
    struct hlog_interval more;
    assert_int_equal(hlog_reader_next(l.r, &more), 0);
    assert_null(more.hist);
    free_all(g, 2);
    close_log(&l);
}

static void empty_and_comment_only_logs(void **state)
{
    (void)state;
    struct log l = open_log("", NULL);
    struct hlog_interval iv;
    assert_int_equal(hlog_reader_next(l.r, &iv), 0);
    assert_false(hlog_reader_info(l.r)->times_known);
    close_log(&l);
    l = open_log("#[Histogram log format version 1.3]\n#[StartTime: 5.5 (x)]", NULL);
    assert_int_equal(hlog_reader_next(l.r, &iv), 0);
    assert_true(hlog_reader_info(l.r)->has_start_time);
    assert_true(hlog_reader_info(l.r)->start_time_s == 5.5);
    close_log(&l);
}

/* ---- reader: errors ---------------------------------------------------------------- */

static void expect_error(const char *text, long line, const char *needle)
{
    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.all_tags = true;
    struct log l = open_log(text, &o);
    struct got g[4];
    int rc = read_all(&l, g, 4);
    if (rc >= 0)
        free_all(g, rc < 4 ? rc : 4);
    if (rc != HLOG_EPARSE)
        fail_msg("expected a parse error for %s, got %d", text, rc);
    assert_int_equal(hlog_reader_error_line(l.r), line);
    if (strstr(hlog_reader_error(l.r), needle) == NULL)
        fail_msg("error '%s' lacks '%s'", hlog_reader_error(l.r), needle);
    /* the reader stays failed */
    struct hlog_interval again;
    assert_int_equal(hlog_reader_next(l.r, &again), HLOG_EPARSE);
    close_log(&l);
}

#define OK_LINE "0.000,1.000,0.003," JAVA_123 "\n"

static void errors_name_the_line(void **state)
{
    (void)state;
    expect_error(OK_LINE "hello\n" OK_LINE, 2, "1 field where 4 are expected");
    expect_error(OK_LINE "1,2,3\n", 2, "3 fields");
    expect_error("abc,1.000,0.003," JAVA_123 "\n", 1, "interval start 'abc' is not a number");
    expect_error("0.000,x,0.003," JAVA_123 "\n", 1, "interval length 'x'");
    expect_error("0.000,-1.000,0.003," JAVA_123 "\n", 1, "negative");
    expect_error("0.000,1.000,max," JAVA_123 "\n", 1, "interval max 'max'");
    expect_error("nan,1.000,0.003," JAVA_123 "\n", 1, "not a number");
    expect_error("1e999,1.000,0.003," JAVA_123 "\n", 1, "not a number");
    expect_error("0x10,1.000,0.003," JAVA_123 "\n", 1, "not a number");
    expect_error(" 0.000,1.000,0.003," JAVA_123 "\n", 1, "not a number");
    expect_error("0.000,1.000,0.003," JAVA_123 ",extra\n", 1, "more than 4 fields");
    expect_error("Tag=a b,0.000,1.000,0.003," JAVA_123 "\n", 1, "holds a space");
    expect_error("Tag=nofields\n" OK_LINE, 1, "no interval fields");
    expect_error(OK_LINE OK_LINE "0.000,1.000,0.003,HISTFAAAAB942p\n" OK_LINE, 3,
                 "histogram does not decode");
    expect_error("0.000,1.000,0.003,not base64!\n", 1, "base64");
    expect_error("0.000,1.000,0.003,\n", 1, "histogram does not decode");
    /* a V1-era histogram (cookie 0x1c849302 compressed): refused clearly */
    expect_error("0.000,1.000,0.003,HISTAgAAAAA=\n", 1, "V0/V1");
    /* a NUL byte */
    static const char with_nul[] = "0.000,1.0\0000,0.003,x\n";
    FILE *f = file_of(with_nul, sizeof(with_nul) - 1);
    struct hlog_reader *r = NULL;
    assert_int_equal(hlog_reader_open(f, NULL, &r), HLOG_OK);
    struct hlog_interval iv;
    assert_int_equal(hlog_reader_next(r, &iv), HLOG_EPARSE);
    assert_non_null(strstr(hlog_reader_error(r), "NUL"));
    hlog_reader_close(r);
    fclose(f);
}

static void half_written_last_line_is_a_warning(void **state)
{
    (void)state;
    /* cut inside the payload, no newline: skipped with a warning */
    char text[1024];
    snprintf(text, sizeof(text), "%s%s0.000,1.000,0.003,HISTFAAAACN42pNp", OK_LINE, OK_LINE);
    struct log l = open_log(text, NULL);
    struct got iv[4];
    assert_int_equal(read_all(&l, iv, 4), 2);
    free_all(iv, 2);
    const struct hlog_info *info = hlog_reader_info(l.r);
    assert_int_equal(info->warning_count, 1);
    assert_int_equal(info->warnings[0].line, 3);
    assert_non_null(strstr(info->warnings[0].msg, "incomplete"));
    assert_string_equal(hlog_reader_error(l.r), "");
    close_log(&l);
    /* cut inside the numbers */
    l = open_log(OK_LINE "1.00", NULL);
    assert_int_equal(read_all(&l, iv, 4), 1);
    free_all(iv, 1);
    assert_int_equal(hlog_reader_info(l.r)->warning_count, 1);
    close_log(&l);
    /* a complete last line without its newline is fine */
    l = open_log(OK_LINE "1.000,1.000,0.003," JAVA_123, NULL);
    assert_int_equal(read_all(&l, iv, 4), 2);
    free_all(iv, 2);
    assert_int_equal(hlog_reader_info(l.r)->warning_count, 0);
    close_log(&l);
    /* the same cut line followed by more is an error */
    expect_error(OK_LINE "1.00\n" OK_LINE, 2, "where 4 are expected");
}

static void warnings_are_bounded(void **state)
{
    (void)state;
    char text[4096] = "";
    for (int i = 0; i < 20; i++)
        test_cat(text, sizeof text, "#[StartTime: soon]\n");
    test_cat(text, sizeof text, "#[Value unit: fortnights]\n" OK_LINE);
    struct log l = open_log(text, NULL);
    struct got iv[2];
    assert_int_equal(read_all(&l, iv, 2), 1);
    free_all(iv, 1);
    const struct hlog_info *info = hlog_reader_info(l.r);
    assert_int_equal(info->warning_count, 21);
    assert_int_equal(info->warnings[0].line, 1);
    assert_int_equal(info->warnings[HLOG_MAX_WARNINGS - 1].line, HLOG_MAX_WARNINGS);
    assert_false(info->has_start_time);
    assert_int_equal(info->value_unit_ns, 0);
    close_log(&l);
}

static void refuses_overlong_lines(void **state)
{
    (void)state;
    size_t n = HLOG_MAX_LINE_BYTES + 10;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'A', n);
    big[n] = '\0';
    memcpy(big, "0.000,1.000,0.003,", 18);
    FILE *f = file_of(big, n);
    struct hlog_reader *r = NULL;
    assert_int_equal(hlog_reader_open(f, NULL, &r), HLOG_OK);
    struct hlog_interval iv;
    assert_int_equal(hlog_reader_next(r, &iv), HLOG_EPARSE);
    assert_non_null(strstr(hlog_reader_error(r), "longer than"));
    hlog_reader_close(r);
    fclose(f);
    free(big);
}

static void value_units(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        int64_t ns;
    } cases[] = {
        {"#[Value unit: nanoseconds]\n", 1},
        {"#[Value unit: microseconds; Interval_Max = max / 1000 (milliseconds)]\n", 1000},
        {"#[Value unit: milliseconds]\n", 1000000},
        {"#[Value unit: seconds]\n", 1000000000},
        {"#[Value unit: microsecondsX]\n", 0},
        {"#[Value units: microseconds]\n", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct log l = open_log(cases[i].line, NULL);
        struct hlog_interval iv;
        assert_int_equal(hlog_reader_next(l.r, &iv), 0);
        assert_int_equal(hlog_reader_info(l.r)->value_unit_ns, cases[i].ns);
        close_log(&l);
    }
}

/* ---- formatting ---------------------------------------------------------------------- */

static void formats_like_java(void **state)
{
    (void)state;
    static const struct {
        double v;
        int d;
        const char *want;
    } cases[] = {
        {1.2345, 3, "1.235"}, /* printf: 1.234 */
        {0.125, 2, "0.13"},   /* printf: 0.12 */
        {2.675, 2, "2.68"},   /* printf: 2.67 */
        {0.0005, 3, "0.001"},
        {0.00049, 3, "0.000"},
        {0.00005, 3, "0.000"},
        {9.9995, 3, "10.000"},
        {999.9995, 3, "1000.000"},
        {0.99999999999995, 12, "1.000000000000"},
        {0.0, 3, "0.000"},
        {-0.0, 3, "-0.000"},
        {-1.5, 0, "-2"},
        {2.5, 0, "3"},
        {1e22, 0, "10000000000000000000000"},
        {123456789.0, 3, "123456789.000"},
        {0.1, 12, "0.100000000000"},
        {1.0 / 3, 12, "0.333333333333"},
        {5e-324, 3, "0.000"},
        {3600.81, 3, "3600.810"},
        {NAN, 3, "NaN"},
        {INFINITY, 3, "Infinity"},
        {-INFINITY, 2, "-Infinity"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        assert_int_equal(hlog_format_fixed(buf, sizeof(buf), cases[i].v, cases[i].d), HLOG_OK);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%%.%df of %.17g: want %s, got %s", cases[i].d, cases[i].v, cases[i].want,
                     buf);
    }
    char small[4];
    assert_int_equal(hlog_format_fixed(small, sizeof(small), 12.5, 1), HLOG_EINVAL);
    assert_int_equal(hlog_format_fixed(small, sizeof(small), 1.5, 1), HLOG_OK);
    assert_string_equal(small, "1.5");

    char date[64];
    assert_int_equal(hlog_format_date_utc(date, sizeof(date), T0_MS), HLOG_OK);
    assert_string_equal(date, "Tue Nov 14 22:13:20 UTC 2023");
    assert_int_equal(hlog_format_date_utc(date, sizeof(date), 0), HLOG_OK);
    assert_string_equal(date, "Thu Jan 01 00:00:00 UTC 1970");
    assert_int_equal(hlog_format_date_utc(date, sizeof(date), -1), HLOG_OK);
    assert_string_equal(date, "Wed Dec 31 23:59:59 UTC 1969");
    assert_int_equal(hlog_format_date_utc(date, 5, T0_MS), HLOG_EINVAL);
}

static void strerror_names_every_code(void **state)
{
    (void)state;
    const char *unknown = hlog_strerror(999);
    for (int e = HLOG_OK; e >= HLOG_EPARSE; e--)
        assert_string_not_equal(hlog_strerror(e), unknown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writer_writes_format_1_3),
        cmocka_unit_test(writer_refuses_bad_input),
        cmocka_unit_test(writer_reports_io_errors),
        cmocka_unit_test(written_log_reads_back),
        cmocka_unit_test(relative_and_absolute_timestamps),
        cmocka_unit_test(filters_by_tag_and_time),
        cmocka_unit_test(filters_by_tag_prefix_and_skips_histograms),
        cmocka_unit_test(reads_comments_blank_lines_crlf_and_both_zero_styles),
        cmocka_unit_test(empty_and_comment_only_logs),
        cmocka_unit_test(errors_name_the_line),
        cmocka_unit_test(half_written_last_line_is_a_warning),
        cmocka_unit_test(warnings_are_bounded),
        cmocka_unit_test(refuses_overlong_lines),
        cmocka_unit_test(value_units),
        cmocka_unit_test(formats_like_java),
        cmocka_unit_test(strerror_names_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
