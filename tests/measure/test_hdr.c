/*
 * measure/test_hdr.c — harness/measure/hdr.c against the reference Java HdrHistogram.
 *
 * Every table marked "Java 2.1.11" was produced by a throwaway program
 * calling org.HdrHistogram (Debian libhdrhistogram-java 2.1.11,
 * /usr/share/java/hdrhistogram.jar) on the same inputs; doubles are Java's
 * Double.toString output, which reads back as the identical double, so
 * means, standard deviations and percentile levels are compared exactly.
 * Cases that follow from the bucket math alone are derived in the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "measure/hdr.h"

#define H_1H 3600000000LL

static struct hdr_hist *make(int64_t lowest, int64_t highest, int sigfigs)
{
    struct hdr_hist *h = NULL;
    assert_int_equal(hdr_init(lowest, highest, sigfigs, &h), HDR_OK);
    assert_non_null(h);
    return h;
}

/* The deterministic "latency-like" data set the Java tables were made from. */
static int64_t lat_value(int64_t i)
{
    return 100 + (i * i * 7919) % 50000;
}

struct pct_case {
    double p;
    int64_t value;
};

struct stats_case {
    int64_t count, min, max;
    double mean, stddev;
};

static void check_stats(const struct hdr_hist *h, const struct stats_case *want)
{
    assert_int_equal(hdr_count(h), want->count);
    assert_int_equal(hdr_min(h), want->min);
    assert_int_equal(hdr_max(h), want->max);
    /* Same double operations in the same order as Java: exact equality. */
    assert_true(hdr_mean(h) == want->mean);
    assert_true(hdr_stddev(h) == want->stddev);
}

static void check_pcts(const struct hdr_hist *h, const struct pct_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t got = hdr_value_at_percentile(h, c[i].p);
        if (got != c[i].value)
            fail_msg("p=%.17g: got %lld, Java %lld", c[i].p, (long long)got, (long long)c[i].value);
    }
}

/* Percentiles asked of every data set below. */
#define PCT_LIST_LEN 20

/* ---- bucket math -------------------------------------------------------- */

struct init_case {
    int64_t lowest, highest;
    int sigfigs, rc;
    int32_t counts_len, bucket_count, sub_bucket_count, unit_magnitude;
    int64_t highest_recordable; /* highestEquivalentValue(valueFromIndex(len-1)) */
};

/* Java 2.1.11: new Histogram(L, H, s) fields, or IllegalArgumentException.
 * Note (2^60 - 1) and (2^53 + 1): Java's floating-point log gives unit
 * magnitude 60 and 53, one more than floor(log2 L); gatecap matches. */
static const struct init_case init_cases[] = {
    {1LL, 3600000000LL, 3, HDR_OK, 23552, 22, 2048, 0, 4294967295LL},
    {1LL, 3600000000LL, 0, HDR_OK, 33, 32, 2, 0, 4294967295LL},
    {1LL, 3600000000LL, 1, HDR_OK, 464, 28, 32, 0, 4294967295LL},
    {1LL, 3600000000LL, 2, HDR_OK, 3328, 25, 256, 0, 4294967295LL},
    {1LL, 3600000000LL, 4, HDR_OK, 311296, 18, 32768, 0, 4294967295LL},
    {1LL, 3600000000LL, 5, HDR_OK, 2097152, 15, 262144, 0, 4294967295LL},
    {1000LL, 3600000000LL, 3, HDR_OK, 14336, 13, 2048, 9, 4294967295LL},
    {1000LL, 100000000LL, 2, HDR_OK, 1536, 11, 256, 9, 134217727LL},
    {1LL, 2LL, 0, HDR_OK, 3, 2, 2, 0, 3LL},
    {1LL, 2LL, 3, HDR_OK, 2048, 1, 2048, 0, 2047LL},
    {7LL, 1000000000LL, 4, HDR_OK, 245760, 14, 32768, 2, 1073741823LL},
    {1024LL, 1099511627776LL, 3, HDR_OK, 22528, 21, 2048, 10, 2199023255551LL},
    {1LL, 9223372036854775807LL, 3, HDR_OK, 55296, 53, 2048, 0, 9223372036854775807LL},
    {1LL, 9223372036854775807LL, 5, HDR_OK, 6160384, 46, 262144, 0, 9223372036854775807LL},
    {1152921504606846975LL, 9223372036854775807LL, 0, HDR_OK, 4, 3, 2, 60, 9223372036854775807LL},
    {17592186044416LL, 9223372036854775807LL, 5, HDR_OK, 393216, 2, 262144, 44,
     9223372036854775807LL},
    {8796093022208LL, 9223372036854775807LL, 5, HDR_OK, 524288, 3, 262144, 43,
     9223372036854775807LL},
    {9007199254740993LL, 9223372036854775807LL, 1, HDR_OK, 112, 6, 32, 53, 9223372036854775807LL},
    {0LL, 100LL, 3, HDR_EINVAL, 0, 0, 0, 0, 0},
    {-5LL, 100LL, 3, HDR_EINVAL, 0, 0, 0, 0, 0},
    {1LL, 1LL, 3, HDR_EINVAL, 0, 0, 0, 0, 0},
    {10LL, 19LL, 3, HDR_EINVAL, 0, 0, 0, 0, 0},
    {10LL, 20LL, 3, HDR_OK, 2048, 1, 2048, 3, 16383LL},
    {1LL, 100LL, -1, HDR_EINVAL, 0, 0, 0, 0, 0},
    {1LL, 100LL, 6, HDR_EINVAL, 0, 0, 0, 0, 0},
    {4611686018427387904LL, 9223372036854775807LL, 0, HDR_EINVAL, 0, 0, 0, 0, 0},
    {4611686018427387903LL, 9223372036854775807LL, 0, HDR_EINVAL, 0, 0, 0, 0, 0},
};

static void test_init_matches_java(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(init_cases) / sizeof(init_cases[0]); i++) {
        const struct init_case *c = &init_cases[i];
        static struct hdr_hist sentinel;
        struct hdr_hist *h = &sentinel;
        int rc = hdr_init(c->lowest, c->highest, c->sigfigs, &h);
        if (rc != c->rc)
            fail_msg("case %zu (L=%lld H=%lld s=%d): rc %d, want %d", i, (long long)c->lowest,
                     (long long)c->highest, c->sigfigs, rc, c->rc);
        if (rc != HDR_OK) {
            assert_null(h);
            continue;
        }
        assert_int_equal(h->counts_len, c->counts_len);
        assert_int_equal(h->bucket_count, c->bucket_count);
        assert_int_equal(h->sub_bucket_count, c->sub_bucket_count);
        assert_int_equal(h->unit_magnitude, c->unit_magnitude);
        assert_int_equal(h->sub_bucket_half_count, c->sub_bucket_count / 2);
        assert_int_equal(h->sigfigs, c->sigfigs);
        assert_int_equal(h->lowest_discernible, c->lowest);
        assert_int_equal(h->highest_trackable, c->highest);
        assert_int_equal(hdr_highest_equivalent(h, hdr_value_at_index(h, h->counts_len - 1)),
                         c->highest_recordable);
        assert_int_equal(hdr_count(h), 0);
        hdr_close(h);
    }
}

static void test_default_range(void **state)
{
    (void)state;
    struct hdr_hist *h = NULL;
    assert_int_equal(hdr_init_default(&h), HDR_OK);
    /* The reference's check value: L=1, H=3,600,000,000, s=3. */
    assert_int_equal(h->counts_len, 23552);
    assert_int_equal(h->sub_bucket_count, 2048);
    assert_int_equal(h->sub_bucket_half_count_magnitude, 10);
    assert_int_equal(h->sub_bucket_mask, 2047);
    assert_int_equal(h->unit_magnitude, 0);
    assert_int_equal(h->bucket_count, 22);
    assert_int_equal(h->lowest_discernible, 1);
    assert_int_equal(h->highest_trackable, H_1H);
    hdr_close(h);
    hdr_close(NULL);
    assert_int_equal(hdr_init(1, 100, 3, NULL), HDR_EINVAL);
}

struct eq_case {
    int64_t v;
    int32_t index;
    int64_t lowest, highest, median, size;
};

/* Java 2.1.11: countsArrayIndex, lowest/highest/medianEquivalentValue and
 * sizeOfEquivalentValueRange. */
static const struct eq_case eq_default[] = {
    {0LL, 0, 0LL, 0LL, 0LL, 1LL},
    {1LL, 1, 1LL, 1LL, 1LL, 1LL},
    {1023LL, 1023, 1023LL, 1023LL, 1023LL, 1LL},
    {1024LL, 1024, 1024LL, 1024LL, 1024LL, 1LL},
    {2047LL, 2047, 2047LL, 2047LL, 2047LL, 1LL},
    {2048LL, 2048, 2048LL, 2049LL, 2049LL, 2LL},
    {2049LL, 2048, 2048LL, 2049LL, 2049LL, 2LL},
    {2050LL, 2049, 2050LL, 2051LL, 2051LL, 2LL},
    {4095LL, 3071, 4094LL, 4095LL, 4095LL, 2LL},
    {4096LL, 3072, 4096LL, 4099LL, 4098LL, 4LL},
    {4097LL, 3072, 4096LL, 4099LL, 4098LL, 4LL},
    {10007LL, 4322, 10000LL, 10007LL, 10004LL, 8LL},
    {123456789LL, 18267, 123404288LL, 123469823LL, 123437056LL, 65536LL},
    {3600000000LL, 23220, 3598712832LL, 3600809983LL, 3599761408LL, 2097152LL},
    {4294967295LL, 23551, 4292870144LL, 4294967295LL, 4293918720LL, 2097152LL},
};
static const struct eq_case eq_l1000[] = {
    {0LL, 0, 0LL, 511LL, 256LL, 512LL},
    {1LL, 0, 0LL, 511LL, 256LL, 512LL},
    {511LL, 0, 0LL, 511LL, 256LL, 512LL},
    {512LL, 1, 512LL, 1023LL, 768LL, 512LL},
    {1000LL, 1, 512LL, 1023LL, 768LL, 512LL},
    {1023LL, 1, 512LL, 1023LL, 768LL, 512LL},
    {1024LL, 2, 1024LL, 1535LL, 1280LL, 512LL},
    {1048575LL, 2047, 1048064LL, 1048575LL, 1048320LL, 512LL},
    {1048576LL, 2048, 1048576LL, 1049599LL, 1049088LL, 1024LL},
    {1048577LL, 2048, 1048576LL, 1049599LL, 1049088LL, 1024LL},
    {2097151LL, 3071, 2096128LL, 2097151LL, 2096640LL, 1024LL},
    {2097152LL, 3072, 2097152LL, 2099199LL, 2098176LL, 2048LL},
    {5000000LL, 4292, 4997120LL, 5001215LL, 4999168LL, 4096LL},
    {3600000000LL, 14004, 3598712832LL, 3600809983LL, 3599761408LL, 2097152LL},
};
static const struct eq_case eq_s5[] = {
    {0LL, 0, 0LL, 0LL, 0LL, 1LL},
    {1LL, 1, 1LL, 1LL, 1LL, 1LL},
    {131071LL, 131071, 131071LL, 131071LL, 131071LL, 1LL},
    {131072LL, 131072, 131072LL, 131072LL, 131072LL, 1LL},
    {262143LL, 262143, 262143LL, 262143LL, 262143LL, 1LL},
    {262144LL, 262144, 262144LL, 262145LL, 262145LL, 2LL},
    {262145LL, 262144, 262144LL, 262145LL, 262145LL, 2LL},
    {1000003LL, 512144, 1000000LL, 1000003LL, 1000002LL, 4LL},
    {3600000000LL, 2054734, 3599990784LL, 3600007167LL, 3599998976LL, 16384LL},
};
static const struct eq_case eq_s0[] = {
    {0LL, 0, 0LL, 0LL, 0LL, 1LL},
    {1LL, 1, 1LL, 1LL, 1LL, 1LL},
    {2LL, 2, 2LL, 3LL, 3LL, 2LL},
    {3LL, 2, 2LL, 3LL, 3LL, 2LL},
    {4LL, 3, 4LL, 7LL, 6LL, 4LL},
    {5LL, 3, 4LL, 7LL, 6LL, 4LL},
    {7LL, 3, 4LL, 7LL, 6LL, 4LL},
    {8LL, 4, 8LL, 15LL, 12LL, 8LL},
    {1000LL, 10, 512LL, 1023LL, 768LL, 512LL},
    {3600000000LL, 32, 2147483648LL, 4294967295LL, 3221225472LL, 2147483648LL},
};

static void check_eq(const struct hdr_hist *h, const struct eq_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t v = c[i].v;
        assert_int_equal(hdr_counts_index(h, v), c[i].index);
        assert_int_equal(hdr_lowest_equivalent(h, v), c[i].lowest);
        assert_int_equal(hdr_highest_equivalent(h, v), c[i].highest);
        assert_int_equal(hdr_median_equivalent(h, v), c[i].median);
        assert_int_equal(hdr_size_of_equivalent_range(h, v), c[i].size);
        assert_int_equal(hdr_next_non_equivalent(h, v), c[i].highest + 1);
        assert_int_equal(hdr_value_at_index(h, c[i].index), c[i].lowest);
        assert_true(hdr_values_equivalent(h, v, c[i].lowest));
        assert_true(hdr_values_equivalent(h, v, c[i].highest));
        assert_false(hdr_values_equivalent(h, v, c[i].highest + 1));
        if (c[i].lowest > 0)
            assert_false(hdr_values_equivalent(h, v, c[i].lowest - 1));
    }
}

static void test_equivalent_ranges_match_java(void **state)
{
    (void)state;
    struct hdr_hist *h = make(1, H_1H, 3);
    check_eq(h, eq_default, sizeof(eq_default) / sizeof(eq_default[0]));
    hdr_close(h);
    h = make(1000, H_1H, 3);
    check_eq(h, eq_l1000, sizeof(eq_l1000) / sizeof(eq_l1000[0]));
    hdr_close(h);
    h = make(1, H_1H, 5);
    check_eq(h, eq_s5, sizeof(eq_s5) / sizeof(eq_s5[0]));
    hdr_close(h);
    h = make(1, H_1H, 0);
    check_eq(h, eq_s0, sizeof(eq_s0) / sizeof(eq_s0[0]));
    hdr_close(h);
}

/* Every slot of a histogram: its value range, stated independently of
 * hdr.c (bucket 0 has sub_bucket_count slots of width 2^u; bucket b >= 1
 * has half as many of width 2^(u+b) starting at half_count << (u+b)), and
 * recording its first and last value lands in it. */
static void check_every_slot(int64_t lowest, int64_t highest, int sigfigs)
{
    struct hdr_hist *h = make(lowest, highest, sigfigs);
    int32_t half = h->sub_bucket_half_count;
    int32_t u = h->unit_magnitude;
    for (int32_t i = 0; i < h->counts_len; i++) {
        int64_t lo, width;
        if (i < 2 * half) {
            width = (int64_t)1 << u;
            lo = (int64_t)i << u;
        } else {
            int32_t b = i / half - 1;
            width = (int64_t)1 << (u + b);
            lo = (int64_t)(half + i % half) << (u + b);
        }
        int64_t hi = lo + (width - 1);
        if (hdr_value_at_index(h, i) != lo || hdr_counts_index(h, lo) != i ||
            hdr_counts_index(h, hi) != i || hdr_lowest_equivalent(h, hi) != lo ||
            hdr_highest_equivalent(h, lo) != hi || hdr_size_of_equivalent_range(h, hi) != width ||
            hdr_median_equivalent(h, lo) != lo + width / 2)
            fail_msg("L=%lld s=%d slot %d: expected [%lld, %lld]", (long long)lowest, sigfigs, i,
                     (long long)lo, (long long)hi);
        if (i + 1 < h->counts_len && hdr_counts_index(h, hi + 1) != i + 1)
            fail_msg("L=%lld s=%d slot %d: %lld not in the next slot", (long long)lowest, sigfigs,
                     i, (long long)(hi + 1));
        if (i % 97 == 0 || i + 1 == h->counts_len) {
            assert_int_equal(hdr_record(h, lo), HDR_OK);
            assert_int_equal(hdr_record(h, hi), HDR_OK);
            assert_int_equal(h->counts[i], 2);
        }
    }
    /* One past the last slot is out of range. */
    int64_t top = hdr_highest_equivalent(h, hdr_value_at_index(h, h->counts_len - 1));
    if (top < INT64_MAX) {
        assert_int_equal(hdr_counts_index(h, top + 1), h->counts_len);
        assert_int_equal(hdr_record(h, top + 1), HDR_ERANGE);
        assert_int_equal(h->overflow_count, 1);
    }
    hdr_close(h);
}

static void test_every_bucket_boundary(void **state)
{
    (void)state;
    check_every_slot(1, H_1H, 3);
    check_every_slot(1000, H_1H, 3);
    check_every_slot(1, H_1H, 0);
    check_every_slot(1, H_1H, 1);
    check_every_slot(7, 1000000000LL, 4);
    check_every_slot(1, H_1H, 5);
    check_every_slot(1, INT64_MAX, 3);
}

/* ---- recording and overflow --------------------------------------------- */

static void test_overflow_counted_never_clamped(void **state)
{
    (void)state;
    struct hdr_hist *h = make(1, H_1H, 3);
    /* 2^32 - 1 is the top of the last slot (Java: 4294967295, above H). */
    assert_int_equal(hdr_record(h, 4294967295LL), HDR_OK);
    assert_int_equal(hdr_record(h, H_1H), HDR_OK);
    assert_int_equal(hdr_record(h, 4294967296LL), HDR_ERANGE);
    assert_int_equal(hdr_record(h, INT64_MAX), HDR_ERANGE);
    assert_int_equal(hdr_record(h, -1), HDR_ERANGE);
    assert_int_equal(hdr_record(h, INT64_MIN), HDR_ERANGE);
    assert_int_equal(hdr_record_n(h, -5, 7), HDR_ERANGE);
    assert_int_equal(hdr_record_n(h, 5000000000LL, 10), HDR_ERANGE);
    assert_int_equal(h->overflow_count, 1 + 1 + 1 + 1 + 7 + 10);
    assert_int_equal(hdr_count(h), 2);
    /* Nothing clamped into the top slot. */
    assert_int_equal(h->counts[h->counts_len - 1], 1);
    assert_int_equal(hdr_max(h), 4294967295LL);
    assert_int_equal(hdr_min(h), 3598712832LL);
    /* Zero is a value like any other. */
    assert_int_equal(hdr_record_n(h, 0, 3), HDR_OK);
    assert_int_equal(hdr_min(h), 0);
    assert_int_equal(hdr_count(h), 5);
    hdr_close(h);
}

static void test_min_max_and_empty(void **state)
{
    (void)state;
    struct hdr_hist *h = make(1000, H_1H, 3);
    assert_int_equal(hdr_min(h), 0);
    assert_int_equal(hdr_max(h), 0);
    assert_true(hdr_mean(h) == 0.0);
    assert_true(hdr_stddev(h) == 0.0);
    assert_int_equal(hdr_value_at_percentile(h, 50.0), 0);
    struct hdr_iter it;
    hdr_iter_recorded(&it, h);
    assert_false(hdr_iter_next(&it));
    hdr_iter_percentiles(&it, h, 5);
    assert_false(hdr_iter_next(&it));

    /* L = 1000: slots are 512 wide at the bottom (unit magnitude 9). */
    assert_int_equal(hdr_record(h, 1000), HDR_OK);
    assert_int_equal(hdr_min(h), 512);
    assert_int_equal(hdr_max(h), 1023);
    assert_int_equal(hdr_record(h, 5000000), HDR_OK);
    assert_int_equal(hdr_max(h), 5001215);
    /* A value below 512 shares slot 0 with 0: min becomes 0 (as Java). */
    assert_int_equal(hdr_record(h, 100), HDR_OK);
    assert_int_equal(hdr_min(h), 0);
    hdr_close(h);
}

/* ---- percentiles -------------------------------------------------------- */

/* Java 2.1.11, values 10, 20, 30. The C library and Python's hdrh round
 * the target count half up and give 10 for p = 40; Java gives 20. */
static const struct pct_case pct_n3[] = {
    {0.0, 10},   {33.333333333333336, 10}, {33.34, 20},
    {40.0, 20},  {66.66666666666667, 20},  {66.67, 30},
    {100.0, 30},
};
static const struct stats_case stats_n3 = {3, 10, 30, 20.0, 8.16496580927726};

static void test_percentiles_small_counts(void **state)
{
    (void)state;
    struct hdr_hist *h = make(1, H_1H, 3);
    hdr_record(h, 10);
    hdr_record(h, 20);
    hdr_record(h, 30);
    assert_int_equal(hdr_value_at_percentile(h, 40.0), 20);
    check_pcts(h, pct_n3, sizeof(pct_n3) / sizeof(pct_n3[0]));
    check_stats(h, &stats_n3);
    /* Java semantics at the edges: > 100 acts as 100, < 0 and NaN reach
     * the first slot's highest value, exactly 0 its lowest. */
    assert_int_equal(hdr_value_at_percentile(h, 250.0), 30);
    assert_int_equal(hdr_value_at_percentile(h, INFINITY), 30);
    assert_int_equal(hdr_value_at_percentile(h, -3.0), 10);
    assert_int_equal(hdr_value_at_percentile(h, -INFINITY), 10);
    assert_int_equal(hdr_value_at_percentile(h, NAN), 10);

    /* Exact products are not pushed up: 1 of 100 values is p1, not p2. */
    hdr_reset(h);
    for (int v = 1; v <= 100; v++)
        hdr_record(h, v);
    for (int p = 1; p <= 100; p++)
        assert_int_equal(hdr_value_at_percentile(h, p), p);
    assert_int_equal(hdr_value_at_percentile(h, 0.0), 1);
    assert_int_equal(hdr_value_at_percentile(h, 0.5), 1);
    assert_int_equal(hdr_value_at_percentile(h, 99.5), 100);
    hdr_close(h);
}

/* Java 2.1.11 on the lat_value data set (1000 values, 3 zeros, 2.5 s and
 * 1 h), at PCT_LIST_LEN percentiles including 0, 100, 100.5, -1, NaN. */
static const struct pct_case pct_lat[] = {
    {0.0, 0},
    {1.0E-9, 0},
    {0.1, 0},
    {1.0, 339},
    {10.0, 5019},
    {25.0, 12071},
    {33.333333333333336, 16199},
    {40.0, 19871},
    {50.0, 24671},
    {66.66666666666667, 32719},
    {75.0, 37151},
    {90.0, 44511},
    {99.0, 49759},
    {99.9, 2500607},
    {99.99, 3600809983},
    {99.999, 3600809983},
    {100.0, 3600809983},
    {100.5, 3600809983},
    {-1.0, 0},
    {NAN, 0},
};
static const struct stats_case stats_lat = {1005, 0, 3600809983, 3608955.3492537313,
                                            1.1349359278575666E8};

static struct hdr_hist *make_lat(void)
{
    struct hdr_hist *h = make(1, H_1H, 3);
    for (int64_t i = 0; i < 1000; i++)
        assert_int_equal(hdr_record(h, lat_value(i)), HDR_OK);
    assert_int_equal(hdr_record_n(h, 0, 3), HDR_OK);
    assert_int_equal(hdr_record(h, 2500000), HDR_OK);
    assert_int_equal(hdr_record(h, H_1H), HDR_OK);
    return h;
}

static void test_percentiles_and_stats_match_java(void **state)
{
    (void)state;
    struct hdr_hist *h = make_lat();
    check_pcts(h, pct_lat, PCT_LIST_LEN);
    check_stats(h, &stats_lat);
    hdr_close(h);
}

/* Java 2.1.11: L = 1000, s = 2, the 1000 lat values and 2.5 s. */
static const struct pct_case pct_l1000[] = {
    {0.0, 0},
    {1.0E-9, 511},
    {0.1, 511},
    {1.0, 511},
    {10.0, 5119},
    {25.0, 12287},
    {33.333333333333336, 16895},
    {40.0, 19967},
    {50.0, 25087},
    {66.66666666666667, 33279},
    {75.0, 37375},
    {90.0, 44543},
    {99.0, 50175},
    {99.9, 50175},
    {99.99, 2506751},
    {99.999, 2506751},
    {100.0, 2506751},
    {100.5, 2506751},
    {-1.0, 511},
    {NAN, 511},
};
static const struct stats_case stats_l1000 = {1001, 0, 2506751, 27203.004995004994,
                                              79471.95492759041};

static struct hdr_hist *make_lat_l1000(void)
{
    struct hdr_hist *h = make(1000, H_1H, 2);
    for (int64_t i = 0; i < 1000; i++)
        assert_int_equal(hdr_record(h, lat_value(i)), HDR_OK);
    assert_int_equal(hdr_record(h, 2500000), HDR_OK);
    return h;
}

static void test_lowest_1000(void **state)
{
    (void)state;
    struct hdr_hist *h = make_lat_l1000();
    check_pcts(h, pct_l1000, PCT_LIST_LEN);
    check_stats(h, &stats_l1000);
    hdr_close(h);
}

/* Java 2.1.11: s = 5, values 100 + (i*i*7919) % 5000000, i < 1000. */
static const struct pct_case pct_s5[] = {
    {0.0, 100},
    {1.0E-9, 100},
    {0.1, 100},
    {1.0, 37451},
    {10.0, 521099},
    {25.0, 1232359},
    {33.333333333333336, 1710079},
    {40.0, 2012103},
    {50.0, 2507615},
    {66.66666666666667, 3237855},
    {75.0, 3652223},
    {90.0, 4489663},
    {99.0, 4951775},
    {99.9, 4997887},
    {99.99, 4998751},
    {99.999, 4998751},
    {100.0, 4998751},
    {100.5, 4998751},
    {-1.0, 100},
    {NAN, 100},
};
static const struct stats_case stats_s5 = {1000, 100, 4998751, 2498589.263, 1432081.946403211};

static void test_five_sigfigs(void **state)
{
    (void)state;
    struct hdr_hist *h = make(1, H_1H, 5);
    assert_int_equal(h->counts_len, 2097152);
    for (int64_t i = 0; i < 1000; i++)
        assert_int_equal(hdr_record(h, 100 + (i * i * 7919) % 5000000), HDR_OK);
    check_pcts(h, pct_s5, PCT_LIST_LEN);
    check_stats(h, &stats_s5);
    /* Single-unit resolution up to 2 * 10^5 (in fact 2^18 - 1). */
    assert_int_equal(hdr_size_of_equivalent_range(h, 262143), 1);
    assert_int_equal(hdr_size_of_equivalent_range(h, 262144), 2);
    hdr_close(h);
}

/* ---- merge -------------------------------------------------------------- */

/* Java 2.1.11: default histogram holding 777, add(L1000/s2 lat set). */
static const struct pct_case pct_m1[] = {
    {0.0, 0},
    {1.0E-9, 0},
    {0.1, 0},
    {1.0, 0},
    {10.0, 4611},
    {25.0, 11783},
    {33.333333333333336, 15879},
    {40.0, 19471},
    {50.0, 24591},
    {66.66666666666667, 32271},
    {75.0, 36895},
    {90.0, 44063},
    {99.0, 49695},
    {99.9, 49695},
    {99.99, 2492415},
    {99.999, 2492415},
    {100.0, 2492415},
    {100.5, 2492415},
    {-1.0, 0},
    {NAN, 0},
};
static const struct stats_case stats_m1 = {1002, 0, 2492415, 26922.84231536926, 79222.67543468237};
/* Java 2.1.11: L1000/s2 histogram holding 777, add(default lat set). */
static const struct pct_case pct_m2[] = {
    {0.0, 0},
    {1.0E-9, 511},
    {0.1, 511},
    {1.0, 511},
    {10.0, 5119},
    {25.0, 12287},
    {33.333333333333336, 16383},
    {40.0, 19967},
    {50.0, 25087},
    {66.66666666666667, 32767},
    {75.0, 37375},
    {90.0, 44543},
    {99.0, 50175},
    {99.9, 2506751},
    {99.99, 3607101439},
    {99.999, 3607101439},
    {100.0, 3607101439},
    {100.5, 3607101439},
    {-1.0, 511},
    {NAN, 511},
};
static const struct stats_case stats_m2 = {1006, 0, 3607101439, 3604318.6640159045,
                                           1.1340418421012951E8};

static void test_merge_across_ranges_matches_java(void **state)
{
    (void)state;
    struct hdr_hist *a = make_lat();
    struct hdr_hist *b = make_lat_l1000();

    struct hdr_hist *m1 = make(1, H_1H, 3);
    hdr_record(m1, 777);
    assert_int_equal(hdr_add(m1, b), HDR_OK);
    check_pcts(m1, pct_m1, PCT_LIST_LEN);
    check_stats(m1, &stats_m1);

    struct hdr_hist *m2 = make(1000, H_1H, 2);
    hdr_record(m2, 777);
    assert_int_equal(hdr_add(m2, a), HDR_OK);
    check_pcts(m2, pct_m2, PCT_LIST_LEN);
    check_stats(m2, &stats_m2);

    hdr_close(a);
    hdr_close(b);
    hdr_close(m1);
    hdr_close(m2);
}

static void test_merge_same_layout_is_lossless(void **state)
{
    (void)state;
    struct hdr_hist *a = make_lat();
    /* Same layout, twice the range: counts are added slot by slot. */
    struct hdr_hist *sum = make(1, 2 * H_1H, 3);
    assert_int_equal(hdr_add(sum, a), HDR_OK);
    assert_int_equal(hdr_add(sum, a), HDR_OK);
    for (int32_t i = 0; i < a->counts_len; i++)
        assert_int_equal(sum->counts[i], 2 * a->counts[i]);
    assert_int_equal(hdr_count(sum), 2 * hdr_count(a));
    assert_int_equal(hdr_min(sum), hdr_min(a));
    assert_int_equal(hdr_max(sum), hdr_max(a));
    for (size_t i = 0; i < PCT_LIST_LEN; i++)
        assert_int_equal(hdr_value_at_percentile(sum, pct_lat[i].p), pct_lat[i].value);

    /* Adding a histogram to itself doubles it. */
    struct hdr_hist *self = make_lat();
    self->overflow_count = 2;
    assert_int_equal(hdr_add(self, self), HDR_OK);
    assert_int_equal(hdr_count(self), 2 * hdr_count(a));
    assert_int_equal(self->overflow_count, 4);

    /* Merging an empty histogram changes nothing. */
    struct hdr_hist *empty = make(1, H_1H, 3);
    assert_int_equal(hdr_add(a, empty), HDR_OK);
    check_stats(a, &stats_lat);
    hdr_close(a);
    hdr_close(sum);
    hdr_close(self);
    hdr_close(empty);
}

static void test_merge_overflow_counted(void **state)
{
    (void)state;
    /* Same layout, smaller dst (slots end at 2^22 - 1): the 1 h value of
     * src does not fit, 2.5 s does. */
    struct hdr_hist *src = make_lat();
    src->overflow_count = 5;
    struct hdr_hist *dst = make(1, 3000000, 3);
    assert_int_equal(hdr_add(dst, src), HDR_ERANGE);
    assert_int_equal(dst->overflow_count, 5 + 1);
    assert_int_equal(hdr_count(dst), hdr_count(src) - 1);
    assert_int_equal(hdr_max(dst), 2500607);
    assert_int_equal(hdr_min(dst), 0);
    assert_int_equal(hdr_value_at_percentile(dst, 100.0), 2500607);

    /* Different layout, smaller dst: same outcome through recording. */
    struct hdr_hist *dst2 = make(1000, 3000000, 2);
    assert_int_equal(hdr_add(dst2, src), HDR_ERANGE);
    assert_int_equal(dst2->overflow_count, 5 + 1);
    assert_int_equal(hdr_count(dst2), hdr_count(src) - 1);
    assert_int_equal(hdr_max(dst2), hdr_highest_equivalent(dst2, 2500000));

    /* Nothing fits: min and max stay those of dst. */
    struct hdr_hist *big = make(1, H_1H, 3);
    hdr_record(big, 3000000000LL);
    struct hdr_hist *small = make(1, 1000, 3);
    hdr_record(small, 7);
    assert_int_equal(hdr_add(small, big), HDR_ERANGE);
    assert_int_equal(small->overflow_count, 1);
    assert_int_equal(hdr_max(small), 7);
    assert_int_equal(hdr_min(small), 7);
    assert_int_equal(hdr_count(small), 1);
    hdr_close(src);
    hdr_close(dst);
    hdr_close(dst2);
    hdr_close(big);
    hdr_close(small);
}

/* ---- coordinated-omission correction ------------------------------------ */

/* Java 2.1.11: recordValueWithExpectedInterval(10000, 1000), (100000, 1),
 * (5, 1000), (3000000, 7) on the default range. */
static const struct pct_case pct_corr[] = {
    {0.0, 1},
    {1.0E-9, 1},
    {0.1, 463},
    {1.0, 4623},
    {10.0, 46271},
    {25.0, 225023},
    {33.333333333333336, 533503},
    {40.0, 780287},
    {50.0, 1150975},
    {66.66666666666667, 1767423},
    {75.0, 2075647},
    {90.0, 2631679},
    {99.0, 2963455},
    {99.9, 2998271},
    {99.99, 3000319},
    {99.999, 3000319},
    {100.0, 3000319},
    {100.5, 3000319},
    {-1.0, 1},
    {NAN, 1},
};
static const struct stats_case stats_corr = {528582, 1, 3000319, 1225654.7712691692,
                                             964777.103975494};
/* Java 2.1.11: L = 1000, recordValueWithExpectedInterval(123456789, 1001). */
static const struct pct_case pct_corr_l1000[] = {
    {0.0, 1024},
    {1.0E-9, 1535},
    {0.1, 124927},
    {1.0, 1235967},
    {10.0, 12353535},
    {25.0, 30867455},
    {33.333333333333336, 41156607},
    {40.0, 49414143},
    {50.0, 61734911},
    {66.66666666666667, 82313215},
    {75.0, 92602367},
    {90.0, 111149055},
    {99.0, 122224639},
    {99.9, 123338751},
    {99.99, 123469823},
    {99.999, 123469823},
    {100.0, 123469823},
    {100.5, 123469823},
    {-1.0, 1535},
    {NAN, 1535},
};
static const struct stats_case stats_corr_l1000 = {123333, 1024, 123469823, 6.1729126978699945E7,
                                                   3.563877744506724E7};

static void test_record_corrected(void **state)
{
    (void)state;
    struct hdr_hist *h = make(1, H_1H, 3);
    /* 10000 every 1000: 10000, 9000, ..., 1000. */
    assert_int_equal(hdr_record_corrected(h, 10000, 1000), HDR_OK);
    assert_int_equal(hdr_count(h), 10);
    for (int64_t v = 1000; v <= 10000; v += 1000)
        assert_int_equal(h->counts[hdr_counts_index(h, v)], 1);
    assert_int_equal(hdr_min(h), 1000);
    assert_int_equal(hdr_max(h), 10007);
    /* No correction without an interval or below it. */
    assert_int_equal(hdr_record_corrected(h, 500, 0), HDR_OK);
    assert_int_equal(hdr_record_corrected(h, 500, -4), HDR_OK);
    assert_int_equal(hdr_record_corrected(h, 1999, 1000), HDR_OK);
    assert_int_equal(hdr_count(h), 13);
    assert_int_equal(hdr_record_corrected(h, 2000, 1000), HDR_OK);
    assert_int_equal(hdr_count(h), 15);

    hdr_reset(h);
    assert_int_equal(hdr_record_corrected(h, 10000, 1000), HDR_OK);
    assert_int_equal(hdr_record_corrected(h, 100000, 1), HDR_OK);
    assert_int_equal(hdr_record_corrected(h, 5, 1000), HDR_OK);
    assert_int_equal(hdr_record_corrected(h, 3000000, 7), HDR_OK);
    check_pcts(h, pct_corr, PCT_LIST_LEN);
    check_stats(h, &stats_corr);

    struct hdr_hist *k = make(1000, H_1H, 3);
    assert_int_equal(hdr_record_corrected(k, 123456789, 1001), HDR_OK);
    check_pcts(k, pct_corr_l1000, PCT_LIST_LEN);
    check_stats(k, &stats_corr_l1000);

    /* Overflow: 10^10 every 10^9. The top slot ends at 2^32 - 1, so 10^10
     * and 9e9..5e9 overflow (6), 4e9..1e9 are recorded (4). Java throws
     * on the first value and records nothing. */
    hdr_reset(h);
    assert_int_equal(hdr_record_corrected(h, 10000000000LL, 1000000000LL), HDR_ERANGE);
    assert_int_equal(h->overflow_count, 6);
    assert_int_equal(hdr_count(h), 4);
    assert_int_equal(hdr_min(h), hdr_lowest_equivalent(h, 1000000000LL));
    assert_int_equal(hdr_max(h), hdr_highest_equivalent(h, 4000000000LL));
    assert_int_equal(hdr_record_corrected(h, -3, 1), HDR_ERANGE);
    assert_int_equal(h->overflow_count, 7);

    /* A huge value with a tiny interval stays fast (slot at a time). */
    hdr_reset(h);
    assert_int_equal(hdr_record_corrected(h, INT64_MAX, 1), HDR_ERANGE);
    assert_int_equal(hdr_count(h), 4294967295LL);
    assert_int_equal(h->overflow_count, INT64_MAX - 4294967295LL);
    assert_int_equal(hdr_min(h), 1);
    assert_int_equal(hdr_max(h), 4294967295LL);
    hdr_close(h);
    hdr_close(k);
}

/* ---- reset and recompute ------------------------------------------------ */

static void test_reset(void **state)
{
    (void)state;
    struct hdr_hist *h = make_lat();
    hdr_record(h, -1);
    hdr_reset(h);
    assert_int_equal(hdr_count(h), 0);
    assert_int_equal(h->overflow_count, 0);
    assert_int_equal(hdr_min(h), 0);
    assert_int_equal(hdr_max(h), 0);
    assert_int_equal(h->min_nonzero, INT64_MAX);
    for (int32_t i = 0; i < h->counts_len; i++)
        assert_int_equal(h->counts[i], 0);
    /* Usable again, with the same results. */
    for (int64_t i = 0; i < 1000; i++)
        hdr_record(h, lat_value(i));
    hdr_record_n(h, 0, 3);
    hdr_record(h, 2500000);
    hdr_record(h, H_1H);
    check_stats(h, &stats_lat);
    hdr_close(h);
}

static void test_recompute(void **state)
{
    (void)state;
    struct hdr_hist *a = make_lat();
    struct hdr_hist *b = make(1, H_1H, 3);
    memcpy(b->counts, a->counts, (size_t)a->counts_len * sizeof(*a->counts));
    hdr_recompute(b);
    check_stats(b, &stats_lat);
    for (size_t i = 0; i < PCT_LIST_LEN; i++)
        assert_int_equal(hdr_value_at_percentile(b, pct_lat[i].p), pct_lat[i].value);
    memset(b->counts, 0, (size_t)b->counts_len * sizeof(*b->counts));
    b->counts[hdr_counts_index(b, 5000)] = 2;
    hdr_recompute(b);
    assert_int_equal(hdr_count(b), 2);
    assert_int_equal(hdr_min(b), 5000);
    assert_int_equal(hdr_max(b), 5003);
    hdr_close(a);
    hdr_close(b);
}

/* ---- iterators ---------------------------------------------------------- */

struct step {
    int64_t value;
    double percentile;
    int64_t cumulative;
    int64_t count;
};

/* Java 2.1.11 PercentileIterator on values 10, 20, 30: valueIteratedTo,
 * percentileLevelIteratedTo, totalCountToThisValue,
 * countAddedInThisIterationStep. */
static const struct step ladder_n3[] = {
    {10, 0.0, 1, 1},  {10, 10.0, 1, 0}, {10, 20.0, 1, 0},  {10, 30.0, 1, 0},
    {20, 40.0, 2, 1}, {20, 50.0, 2, 0}, {20, 55.0, 2, 0},  {20, 60.0, 2, 0},
    {20, 65.0, 2, 0}, {30, 70.0, 3, 1}, {30, 100.0, 3, 0},
};
/* Java 2.1.11 PercentileIterator on one value, 1234567: valueIteratedTo,
 * percentileLevelIteratedTo, totalCountToThisValue,
 * countAddedInThisIterationStep. */
static const struct step ladder_n1[] = {
    {1234943, 0.0, 1, 1},
    {1234943, 100.0, 1, 0},
};
/* Java 2.1.11 PercentileIterator on the lat set, 5 ticks per half distance: valueIteratedTo,
 * percentileLevelIteratedTo, totalCountToThisValue,
 * countAddedInThisIterationStep. */
static const struct step ladder_lat[] = {
    {0, 0.0, 3, 3},
    {5019, 10.0, 101, 98},
    {9351, 20.0, 201, 100},
    {14743, 30.0, 302, 101},
    {19871, 40.0, 402, 100},
    {24671, 50.0, 503, 101},
    {27023, 55.0, 553, 50},
    {29743, 60.0, 603, 50},
    {31791, 65.0, 655, 52},
    {34495, 70.0, 704, 49},
    {37151, 75.0, 754, 50},
    {38431, 77.5, 779, 25},
    {40031, 80.0, 804, 25},
    {41279, 82.5, 830, 26},
    {42335, 85.0, 855, 25},
    {43711, 87.5, 880, 25},
    {44127, 88.75, 892, 12},
    {44511, 90.0, 905, 13},
    {45247, 91.25, 918, 13},
    {46079, 92.5, 930, 12},
    {47231, 93.75, 943, 13},
    {47615, 94.375, 952, 9},
    {47711, 95.0, 955, 3},
    {47967, 95.625, 962, 7},
    {48351, 96.25, 969, 7},
    {48703, 96.875, 974, 5},
    {49055, 97.1875, 977, 3},
    {49215, 97.5, 980, 3},
    {49439, 97.8125, 985, 5},
    {49503, 98.125, 991, 6},
    {49503, 98.4375, 991, 0},
    {49503, 98.59375, 991, 0},
    {49663, 98.75, 993, 2},
    {49759, 98.90625, 995, 2},
    {49855, 99.0625, 997, 2},
    {49887, 99.21875, 998, 1},
    {49887, 99.296875, 998, 0},
    {50015, 99.375, 1001, 3},
    {50015, 99.453125, 1001, 0},
    {50015, 99.53125, 1001, 0},
    {50079, 99.609375, 1002, 1},
    {50079, 99.6484375, 1002, 0},
    {50079, 99.6875, 1002, 0},
    {50111, 99.7265625, 1003, 1},
    {50111, 99.765625, 1003, 0},
    {2500607, 99.8046875, 1004, 1},
    {2500607, 99.82421875, 1004, 0},
    {2500607, 99.84375, 1004, 0},
    {2500607, 99.86328125, 1004, 0},
    {2500607, 99.8828125, 1004, 0},
    {3600809983, 99.90234375, 1005, 1},
    {3600809983, 100.0, 1005, 0},
};
/* Java 2.1.11 PercentileIterator on the lat set, 2 ticks per half distance: valueIteratedTo,
 * percentileLevelIteratedTo, totalCountToThisValue,
 * countAddedInThisIterationStep. */
static const struct step ladder_lat_t2[] = {
    {0, 0.0, 3, 3},
    {12071, 25.0, 252, 249},
    {24671, 50.0, 503, 251},
    {30767, 62.5, 629, 126},
    {37151, 75.0, 754, 125},
    {40831, 81.25, 817, 63},
    {43711, 87.5, 880, 63},
    {44895, 90.625, 911, 31},
    {47231, 93.75, 943, 32},
    {47839, 95.3125, 958, 15},
    {48703, 96.875, 974, 16},
    {49279, 97.65625, 982, 8},
    {49503, 98.4375, 991, 9},
    {49727, 98.828125, 994, 3},
    {49887, 99.21875, 998, 4},
    {50015, 99.4140625, 1001, 3},
    {50079, 99.609375, 1002, 1},
    {50111, 99.70703125, 1003, 1},
    {2500607, 99.8046875, 1004, 1},
    {2500607, 99.853515625, 1004, 0},
    {3600809983, 99.90234375, 1005, 1},
    {3600809983, 100.0, 1005, 0},
};

static void check_ladder(const struct hdr_hist *h, int32_t ticks, const struct step *want, size_t n)
{
    struct hdr_iter it;
    size_t i = 0;
    hdr_iter_percentiles(&it, h, ticks);
    while (hdr_iter_next(&it)) {
        if (i >= n)
            fail_msg("ticks %d: extra step %zu (%lld at %.17g)", ticks, i, (long long)it.value,
                     it.percentile);
        if (it.value != want[i].value || it.percentile != want[i].percentile ||
            it.cumulative != want[i].cumulative || it.count != want[i].count)
            fail_msg("ticks %d step %zu: got {%lld, %.17g, %lld, %lld}, Java {%lld, %.17g, "
                     "%lld, %lld}",
                     ticks, i, (long long)it.value, it.percentile, (long long)it.cumulative,
                     (long long)it.count, (long long)want[i].value, want[i].percentile,
                     (long long)want[i].cumulative, (long long)want[i].count);
        assert_int_equal(it.lowest, hdr_lowest_equivalent(h, it.value));
        assert_int_equal(it.count_at_index, h->counts[it.index]);
        i++;
    }
    assert_int_equal(i, n);
    assert_false(hdr_iter_next(&it));
}

static void test_percentile_iterator_matches_java(void **state)
{
    (void)state;
    struct hdr_hist *h = make(1, H_1H, 3);
    hdr_record(h, 10);
    hdr_record(h, 20);
    hdr_record(h, 30);
    check_ladder(h, 5, ladder_n3, sizeof(ladder_n3) / sizeof(ladder_n3[0]));
    hdr_reset(h);
    hdr_record(h, 1234567);
    check_ladder(h, 5, ladder_n1, sizeof(ladder_n1) / sizeof(ladder_n1[0]));
    hdr_close(h);

    h = make_lat();
    check_ladder(h, 5, ladder_lat, sizeof(ladder_lat) / sizeof(ladder_lat[0]));
    check_ladder(h, 2, ladder_lat_t2, sizeof(ladder_lat_t2) / sizeof(ladder_lat_t2[0]));
    hdr_close(h);
}

/* Java 2.1.11: outputPercentileDistribution(out, 5, 1.0) of the lat set,
 * the percentile lines of the .hgrm file. */
static const char *const hgrm_lat[] = {
    "       0.000 0.000000000000          3           1.00",
    "    5019.000 0.100000000000        101           1.11",
    "    9351.000 0.200000000000        201           1.25",
    "   14743.000 0.300000000000        302           1.43",
    "   19871.000 0.400000000000        402           1.67",
    "   24671.000 0.500000000000        503           2.00",
    "   27023.000 0.550000000000        553           2.22",
    "   29743.000 0.600000000000        603           2.50",
    "   31791.000 0.650000000000        655           2.86",
    "   34495.000 0.700000000000        704           3.33",
    "   37151.000 0.750000000000        754           4.00",
    "   38431.000 0.775000000000        779           4.44",
    "   40031.000 0.800000000000        804           5.00",
    "   41279.000 0.825000000000        830           5.71",
    "   42335.000 0.850000000000        855           6.67",
    "   43711.000 0.875000000000        880           8.00",
    "   44127.000 0.887500000000        892           8.89",
    "   44511.000 0.900000000000        905          10.00",
    "   45247.000 0.912500000000        918          11.43",
    "   46079.000 0.925000000000        930          13.33",
    "   47231.000 0.937500000000        943          16.00",
    "   47615.000 0.943750000000        952          17.78",
    "   47711.000 0.950000000000        955          20.00",
    "   47967.000 0.956250000000        962          22.86",
    "   48351.000 0.962500000000        969          26.67",
    "   48703.000 0.968750000000        974          32.00",
    "   49055.000 0.971875000000        977          35.56",
    "   49215.000 0.975000000000        980          40.00",
    "   49439.000 0.978125000000        985          45.71",
    "   49503.000 0.981250000000        991          53.33",
    "   49503.000 0.984375000000        991          64.00",
    "   49503.000 0.985937500000        991          71.11",
    "   49663.000 0.987500000000        993          80.00",
    "   49759.000 0.989062500000        995          91.43",
    "   49855.000 0.990625000000        997         106.67",
    "   49887.000 0.992187500000        998         128.00",
    "   49887.000 0.992968750000        998         142.22",
    "   50015.000 0.993750000000       1001         160.00",
    "   50015.000 0.994531250000       1001         182.86",
    "   50015.000 0.995312500000       1001         213.33",
    "   50079.000 0.996093750000       1002         256.00",
    "   50079.000 0.996484375000       1002         284.44",
    "   50079.000 0.996875000000       1002         320.00",
    "   50111.000 0.997265625000       1003         365.71",
    "   50111.000 0.997656250000       1003         426.67",
    " 2500607.000 0.998046875000       1004         512.00",
    " 2500607.000 0.998242187500       1004         568.89",
    " 2500607.000 0.998437500000       1004         640.00",
    " 2500607.000 0.998632812500       1004         731.43",
    " 2500607.000 0.998828125000       1004         853.33",
    "3600809983.000 0.999023437500       1005        1024.00",
    "3600809983.000 1.000000000000       1005",
};

static void test_hgrm_lines_match_java(void **state)
{
    (void)state;
    struct hdr_hist *h = make_lat();
    struct hdr_iter it;
    size_t i = 0;
    char line[128];
    hdr_iter_percentiles(&it, h, 5);
    while (hdr_iter_next(&it)) {
        double q = it.percentile / 100.0;
        if (it.percentile != 100.0)
            snprintf(line, sizeof(line), "%12.3f %2.12f %10lld %14.2f", (double)it.value, q,
                     (long long)it.cumulative, 1.0 / (1.0 - q));
        else
            snprintf(line, sizeof(line), "%12.3f %2.12f %10lld", (double)it.value, q,
                     (long long)it.cumulative);
        assert_true(i < sizeof(hgrm_lat) / sizeof(hgrm_lat[0]));
        assert_string_equal(line, hgrm_lat[i]);
        i++;
    }
    assert_int_equal(i, sizeof(hgrm_lat) / sizeof(hgrm_lat[0]));
    hdr_close(h);
}

static void test_recorded_iterator(void **state)
{
    (void)state;
    struct hdr_hist *h = make(1, H_1H, 3);
    hdr_record_n(h, 0, 2);
    hdr_record(h, 2049);
    hdr_record(h, 2048);
    hdr_record_n(h, 123456789, 5);
    static const struct {
        int64_t lowest, value, count, cumulative;
    } want[] = {
        {0, 0, 2, 2},
        {2048, 2049, 2, 4},
        {123404288, 123469823, 5, 9},
    };
    struct hdr_iter it;
    size_t i = 0;
    hdr_iter_recorded(&it, h);
    while (hdr_iter_next(&it)) {
        assert_true(i < 3);
        assert_int_equal(it.lowest, want[i].lowest);
        assert_int_equal(it.value, want[i].value);
        assert_int_equal(it.count, want[i].count);
        assert_int_equal(it.count_at_index, want[i].count);
        assert_int_equal(it.cumulative, want[i].cumulative);
        assert_int_equal(it.index, hdr_counts_index(h, want[i].value));
        assert_true(it.percentile == 100.0 * (double)want[i].cumulative / 9.0);
        i++;
    }
    assert_int_equal(i, 3);
    assert_false(hdr_iter_next(&it));

    /* Sum of steps of the lat set = its content. */
    hdr_close(h);
    h = make_lat();
    hdr_iter_recorded(&it, h);
    int64_t total = 0;
    int32_t steps = 0;
    while (hdr_iter_next(&it)) {
        total += it.count;
        steps++;
    }
    assert_int_equal(total, hdr_count(h));
    assert_int_equal(it.cumulative, hdr_count(h));
    int32_t nonempty = 0;
    for (int32_t j = 0; j < h->counts_len; j++)
        nonempty += h->counts[j] != 0;
    assert_int_equal(steps, nonempty);
    hdr_close(h);
}

/* With a total near 10^18 the ladder's level stops moving below 100% and
 * Java's iterator never ends; gatecap's ends with the 100% step. */
static void test_percentile_iterator_terminates_on_huge_counts(void **state)
{
    (void)state;
    struct hdr_hist *h = make(1, H_1H, 3);
    hdr_record_n(h, 5, 1000000000000000000LL);
    hdr_record_n(h, 10000, 3);
    struct hdr_iter it;
    hdr_iter_percentiles(&it, h, 5);
    int steps = 0;
    double last_pct = -1.0;
    while (hdr_iter_next(&it)) {
        assert_true(it.percentile > last_pct);
        last_pct = it.percentile;
        assert_true(++steps < 10000);
    }
    assert_true(last_pct == 100.0);
    assert_int_equal(it.value, 10007);
    assert_int_equal(it.cumulative, hdr_count(h));
    hdr_close(h);
}

static void test_iterator_ticks_below_one(void **state)
{
    (void)state;
    struct hdr_hist *a = make_lat();
    struct hdr_iter x, y;
    hdr_iter_percentiles(&x, a, 0);
    hdr_iter_percentiles(&y, a, 1);
    int n = 0;
    while (hdr_iter_next(&x)) {
        assert_true(hdr_iter_next(&y));
        assert_true(x.percentile == y.percentile);
        assert_int_equal(x.value, y.value);
        n++;
    }
    assert_false(hdr_iter_next(&y));
    assert_true(n > 2);
    hdr_close(a);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(hdr_strerror(HDR_OK), "success");
    assert_non_null(strstr(hdr_strerror(HDR_EINVAL), "significant figures"));
    assert_non_null(strstr(hdr_strerror(HDR_ENOMEM), "memory"));
    assert_non_null(strstr(hdr_strerror(HDR_ERANGE), "range"));
    assert_non_null(hdr_strerror(-99));
    assert_non_null(hdr_strerror(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_matches_java),
        cmocka_unit_test(test_default_range),
        cmocka_unit_test(test_equivalent_ranges_match_java),
        cmocka_unit_test(test_every_bucket_boundary),
        cmocka_unit_test(test_overflow_counted_never_clamped),
        cmocka_unit_test(test_min_max_and_empty),
        cmocka_unit_test(test_percentiles_small_counts),
        cmocka_unit_test(test_percentiles_and_stats_match_java),
        cmocka_unit_test(test_lowest_1000),
        cmocka_unit_test(test_five_sigfigs),
        cmocka_unit_test(test_merge_across_ranges_matches_java),
        cmocka_unit_test(test_merge_same_layout_is_lossless),
        cmocka_unit_test(test_merge_overflow_counted),
        cmocka_unit_test(test_record_corrected),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_recompute),
        cmocka_unit_test(test_percentile_iterator_matches_java),
        cmocka_unit_test(test_hgrm_lines_match_java),
        cmocka_unit_test(test_recorded_iterator),
        cmocka_unit_test(test_percentile_iterator_terminates_on_huge_counts),
        cmocka_unit_test(test_iterator_ticks_below_one),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
