/* tests/measure/test_hdr_codec.c — V2 encoding, compression and base64
 * (harness/measure/hdr_codec.c): exact bytes against Java's, round trips, and every
 * kind of malformed input a decoder of untrusted data must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "measure/hdr.h"
#include "measure/hdr_codec.h"

#define HOUR_US 3600000000LL

/* Encodings written by Java HdrHistogram 2.1.11 (HistogramLogWriter,
 * new Histogram(1, 3600000000L, 3)); see tests/java/HlogInterop.java. */
#define JAVA_123 "HISTFAAAACN42pNpmSzMwMDAwgABzFCaEURcm7yEwf4DVISJiQkAY5YEkQ=="
#define JAVA_EMPTY "HISTFAAAAB942pNpmSzMwMDAyAABzFAazL82eQmD/QeoCABVgwSI"
#define JAVA_ONE "HISTFAAAACF42pNpmSzMwMDAxAABzFCaEURcm7yEwf4DVIQJAFowBIs="

static struct hdr_hist *mk(int64_t lo, int64_t hi, int sig)
{
    struct hdr_hist *h = NULL;
    assert_int_equal(hdr_init(lo, hi, sig, &h), HDR_OK);
    return h;
}

static void assert_same_hist(const struct hdr_hist *a, const struct hdr_hist *b)
{
    assert_int_equal(a->lowest_discernible, b->lowest_discernible);
    assert_int_equal(a->highest_trackable, b->highest_trackable);
    assert_int_equal(a->sigfigs, b->sigfigs);
    assert_int_equal(a->counts_len, b->counts_len);
    assert_int_equal(hdr_count(a), hdr_count(b));
    assert_int_equal(hdr_min(a), hdr_min(b));
    assert_int_equal(hdr_max(a), hdr_max(b));
    assert_memory_equal(a->counts, b->counts, (size_t)a->counts_len * sizeof(int64_t));
}

/* A plain V2 buffer with the given header fields and payload. */
static size_t build_v2(uint8_t *out, uint32_t cookie, int32_t payload_len, int32_t offset,
                       int32_t sigfigs, int64_t lo, int64_t hi, const uint8_t *payload, size_t n)
{
    uint32_t w[4] = {cookie, (uint32_t)payload_len, (uint32_t)offset, (uint32_t)sigfigs};
    for (int i = 0; i < 4; i++) {
        out[4 * i] = (uint8_t)(w[i] >> 24);
        out[4 * i + 1] = (uint8_t)(w[i] >> 16);
        out[4 * i + 2] = (uint8_t)(w[i] >> 8);
        out[4 * i + 3] = (uint8_t)w[i];
    }
    uint64_t q[3] = {(uint64_t)lo, (uint64_t)hi, 0x3ff0000000000000ULL};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 8; k++)
            out[16 + 8 * i + k] = (uint8_t)(q[i] >> (56 - 8 * k));
    memcpy(out + 40, payload, n);
    return 40 + n;
}

/* Default-range plain V2 buffer with a correct payload length. */
static size_t v2_default(uint8_t *out, const uint8_t *payload, size_t n)
{
    return build_v2(out, HDR_CODEC_V2_COOKIE, (int32_t)n, 0, 3, 1, HOUR_US, payload, n);
}

/* Wraps bytes into the compressed form: cookie, length, zlib stream. */
static size_t compress_raw(uint8_t *out, size_t cap, uint32_t cookie, const uint8_t *in, size_t n)
{
    uLongf zlen = (uLongf)(cap - 8);
    assert_int_equal(compress2(out + 8, &zlen, in, (uLong)n, 9), Z_OK);
    uint32_t w[2] = {cookie, (uint32_t)zlen};
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 4; k++)
            out[4 * i + k] = (uint8_t)(w[i] >> (24 - 8 * k));
    return 8 + zlen;
}

static int decode_plain(const uint8_t *p, size_t n)
{
    struct hdr_hist *h = NULL;
    int rc = hdr_decode_v2(p, n, &h);
    if (rc == HDR_CODEC_OK)
        assert_non_null(h);
    else
        assert_null(h);
    hdr_close(h);
    return rc;
}

static int decode_compressed(const uint8_t *p, size_t n)
{
    struct hdr_hist *h = NULL;
    int rc = hdr_decode_compressed(p, n, &h);
    if (rc == HDR_CODEC_OK)
        assert_non_null(h);
    else
        assert_null(h);
    hdr_close(h);
    return rc;
}

/* ---- exact bytes --------------------------------------------------------- */

static void encodes_exactly_like_java(void **state)
{
    (void)state;
    struct hdr_hist *h = mk(1, HOUR_US, 3);
    char *s = NULL;
    assert_int_equal(hdr_encode_base64(h, &s), HDR_CODEC_OK);
    assert_string_equal(s, JAVA_EMPTY);
    free(s);
    hdr_record(h, 1);
    assert_int_equal(hdr_encode_base64(h, &s), HDR_CODEC_OK);
    assert_string_equal(s, JAVA_ONE);
    free(s);
    hdr_record(h, 2);
    hdr_record(h, 3);
    assert_int_equal(hdr_encode_base64(h, &s), HDR_CODEC_OK);
    assert_string_equal(s, JAVA_123);
    assert_int_equal(strncmp(s, "HISTF", 5), 0);
    free(s);
    hdr_close(h);
}

static void decodes_java_encodings(void **state)
{
    (void)state;
    struct hdr_hist *h = NULL;
    assert_int_equal(hdr_decode_base64(JAVA_123, strlen(JAVA_123), &h), HDR_CODEC_OK);
    assert_int_equal(hdr_count(h), 3);
    assert_int_equal(hdr_min(h), 1);
    assert_int_equal(hdr_max(h), 3);
    assert_int_equal(hdr_value_at_percentile(h, 40.0), 2); /* Java's answer, not C's */
    assert_int_equal(h->highest_trackable, HOUR_US);
    hdr_close(h);
    assert_int_equal(hdr_decode_base64(JAVA_EMPTY, strlen(JAVA_EMPTY), &h), HDR_CODEC_OK);
    assert_int_equal(hdr_count(h), 0);
    assert_int_equal(hdr_max(h), 0);
    hdr_close(h);
}

static void plain_layout_and_java_zero_runs(void **state)
{
    (void)state;
    struct hdr_hist *h = mk(1, HOUR_US, 3);
    hdr_record(h, 1);
    hdr_record(h, 2);
    hdr_record(h, 3);
    uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(hdr_encode_v2(h, &p, &n), HDR_CODEC_OK);
    static const uint8_t want_header[40] = {
        0x1c, 0x84, 0x93, 0x13, 0, 0, 0, 4, 0,    0,    0,    0, 0,    0,    0, 3, 0, 0, 0, 0,
        0,    0,    0,    1,    0, 0, 0, 0, 0xd6, 0x93, 0xa4, 0, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(n, 44);
    assert_memory_equal(p, want_header, 40);
    /* slot 0 empty: a lone zero is written as 0 (not -1), then 1, 1, 1 */
    static const uint8_t want_payload[] = {0x00, 0x02, 0x02, 0x02};
    assert_memory_equal(p + 40, want_payload, 4);
    free(p);

    /* value 5 alone: 5 empty slots as -5 (ZigZag 9), then count 1 */
    hdr_reset(h);
    hdr_record(h, 5);
    assert_int_equal(hdr_encode_v2(h, &p, &n), HDR_CODEC_OK);
    assert_int_equal(n, 42);
    assert_int_equal(p[40], 0x09);
    assert_int_equal(p[41], 0x02);
    free(p);

    /* empty: only slot 0 */
    hdr_reset(h);
    assert_int_equal(hdr_encode_v2(h, &p, &n), HDR_CODEC_OK);
    assert_int_equal(n, 41);
    assert_int_equal(p[40], 0x00);
    free(p);
    hdr_close(h);
}

static void nine_byte_varints(void **state)
{
    (void)state;
    /* count 2^62: ZigZag 2^63 needs all 9 bytes, the 9th with 8 full bits */
    struct hdr_hist *h = mk(1, HOUR_US, 3);
    hdr_record_n(h, 0, (int64_t)1 << 62);
    uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(hdr_encode_v2(h, &p, &n), HDR_CODEC_OK);
    assert_int_equal(n, 49);
    for (int i = 0; i < 8; i++)
        assert_int_equal(p[40 + i], 0x80);
    assert_int_equal(p[48], 0x80);
    struct hdr_hist *back = NULL;
    assert_int_equal(hdr_decode_v2(p, n, &back), HDR_CODEC_OK);
    assert_int_equal(back->counts[0], (int64_t)1 << 62);
    hdr_close(back);
    free(p);

    /* largest count: 2^63 - 1 (ZigZag 2^64 - 2: 8 x 0xfe.. then 0xff) */
    hdr_reset(h);
    hdr_record_n(h, 7, INT64_MAX);
    assert_int_equal(hdr_encode_v2(h, &p, &n), HDR_CODEC_OK);
    assert_int_equal(hdr_decode_v2(p, n, &back), HDR_CODEC_OK);
    assert_int_equal(back->counts[7], INT64_MAX);
    assert_int_equal(hdr_count(back), INT64_MAX);
    hdr_close(back);
    free(p);
    hdr_close(h);
}

static void accepts_both_single_zero_styles(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct hdr_hist *a = NULL;
    struct hdr_hist *b = NULL;
    /* slot 0 empty, slot 1 = 4, slot 2 empty, slot 3 = 1 */
    static const uint8_t java[] = {0x00, 0x08, 0x00, 0x02};
    static const uint8_t other[] = {0x01, 0x08, 0x01, 0x02}; /* -1 for one zero */
    size_t n = v2_default(buf, java, sizeof(java));
    assert_int_equal(hdr_decode_v2(buf, n, &a), HDR_CODEC_OK);
    n = v2_default(buf, other, sizeof(other));
    assert_int_equal(hdr_decode_v2(buf, n, &b), HDR_CODEC_OK);
    assert_same_hist(a, b);
    assert_int_equal(a->counts[1], 4);
    assert_int_equal(a->counts[3], 1);
    assert_int_equal(hdr_count(a), 5);
    assert_int_equal(hdr_min(a), 1);
    assert_int_equal(hdr_max(a), 3);
    hdr_close(a);
    hdr_close(b);
}

/* ---- round trips ------------------------------------------------------------ */

static void round_trip(struct hdr_hist *h)
{
    uint8_t *p = NULL;
    size_t n = 0;
    struct hdr_hist *back = NULL;

    assert_int_equal(hdr_encode_v2(h, &p, &n), HDR_CODEC_OK);
    assert_int_equal(hdr_decode_v2(p, n, &back), HDR_CODEC_OK);
    assert_same_hist(h, back);
    hdr_close(back);
    free(p);

    assert_int_equal(hdr_encode_compressed(h, &p, &n), HDR_CODEC_OK);
    assert_int_equal(hdr_decode_compressed(p, n, &back), HDR_CODEC_OK);
    assert_same_hist(h, back);
    hdr_close(back);
    free(p);

    char *s = NULL;
    assert_int_equal(hdr_encode_base64(h, &s), HDR_CODEC_OK);
    assert_int_equal(hdr_decode_base64(s, strlen(s), &back), HDR_CODEC_OK);
    assert_same_hist(h, back);
    hdr_close(back);
    free(s);
}

static void round_trips(void **state)
{
    (void)state;
    struct hdr_hist *h = mk(1, HOUR_US, 3);
    round_trip(h); /* empty */
    hdr_record(h, 0);
    round_trip(h); /* only zero */
    for (int k = 1; k <= 31; k++) {
        int64_t p = (int64_t)1 << k;
        hdr_record(h, p - 1);
        hdr_record(h, p);
        hdr_record(h, p + 1);
    }
    hdr_record(h, HOUR_US);
    round_trip(h); /* every bucket boundary */
    uint64_t x = 12345;
    for (int i = 0; i < 50000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        hdr_record_n(h, (int64_t)((x >> 33) % 3600000), (int64_t)(x >> 60) + 1);
    }
    round_trip(h); /* dense */
    hdr_close(h);

    /* other shapes keep their header parameters */
    static const struct {
        int64_t lo, hi;
        int sig;
    } shapes[] = {{1, 2, 0},
                  {1000, 100000000000LL, 2},
                  {1, INT64_MAX / 2, 5},
                  {7, 1000, 1},
                  {1024, INT64_MAX, 3}};
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        h = mk(shapes[i].lo, shapes[i].hi, shapes[i].sig);
        round_trip(h);
        hdr_record(h, shapes[i].lo * 3);
        hdr_record_n(h, shapes[i].hi / 2, 99);
        round_trip(h);
        struct hdr_hist *back = NULL;
        char *s = NULL;
        assert_int_equal(hdr_encode_base64(h, &s), HDR_CODEC_OK);
        assert_int_equal(hdr_decode_base64(s, strlen(s), &back), HDR_CODEC_OK);
        assert_int_equal(back->lowest_discernible, shapes[i].lo);
        assert_int_equal(back->highest_trackable, shapes[i].hi);
        assert_int_equal(back->sigfigs, shapes[i].sig);
        assert_int_equal(back->overflow_count, 0);
        hdr_close(back);
        free(s);
        hdr_close(h);
    }
}

/* ---- malformed input ------------------------------------------------------ */

static void refuses_wrong_cookies(void **state)
{
    (void)state;
    uint8_t buf[64];
    uint8_t z[256];
    static const uint8_t payload[] = {0x00};
    static const struct {
        uint32_t cookie;
        int plain_rc;
    } cases[] = {
        {0x12345678, HDR_CODEC_ECOOKIE}, {0x1c849308, HDR_CODEC_EV0V1}, /* V0 */
        {0x1c849301, HDR_CODEC_EV0V1},                                  /* V1 */
        {0x1c849311, HDR_CODEC_EV0V1}, /* V1 with word size nibble */
        {0x0c72124e, HDR_CODEC_EDOUBLE}, {HDR_CODEC_V2_COMPRESSED_COOKIE, HDR_CODEC_ECOOKIE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = build_v2(buf, cases[i].cookie, 1, 0, 3, 1, HOUR_US, payload, 1);
        assert_int_equal(decode_plain(buf, n), cases[i].plain_rc);
    }
    /* the word-size nibble is masked: 0x1c849303 (no nibble) is V2 too */
    size_t n = build_v2(buf, 0x1c849303, 1, 0, 3, 1, HOUR_US, payload, 1);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_OK);

    /* compressed outer cookies */
    n = v2_default(buf, payload, 1);
    static const struct {
        uint32_t cookie;
        int rc;
    } outer[] = {
        {HDR_CODEC_V2_COMPRESSED_COOKIE, HDR_CODEC_OK},
        {0x1c849304, HDR_CODEC_OK},
        {0x1c849309, HDR_CODEC_EV0V1}, /* V0 compressed */
        {0x1c849302, HDR_CODEC_EV0V1}, /* V1 compressed */
        {0x0c72124f, HDR_CODEC_EDOUBLE},
        {HDR_CODEC_V2_COOKIE, HDR_CODEC_ECOOKIE}, /* plain where compressed is due */
        {0, HDR_CODEC_ECOOKIE},
    };
    for (size_t i = 0; i < sizeof(outer) / sizeof(outer[0]); i++) {
        size_t zn = compress_raw(z, sizeof(z), outer[i].cookie, buf, n);
        assert_int_equal(decode_compressed(z, zn), outer[i].rc);
    }
    /* a compressed V1 inside a V2 wrapper is refused by the inner cookie */
    uint8_t v1[64];
    size_t v1n = build_v2(v1, 0x1c849301, 1, 0, 3, 1, HOUR_US, payload, 1);
    size_t zn = compress_raw(z, sizeof(z), HDR_CODEC_V2_COMPRESSED_COOKIE, v1, v1n);
    assert_int_equal(decode_compressed(z, zn), HDR_CODEC_EV0V1);
}

static void refuses_truncated_input_at_every_length(void **state)
{
    (void)state;
    struct hdr_hist *h = mk(1, HOUR_US, 3);
    for (int64_t v = 1; v < 100000; v = v * 3 + 1)
        hdr_record(h, v);
    uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(hdr_encode_v2(h, &p, &n), HDR_CODEC_OK);
    for (size_t cut = 0; cut < n; cut++) {
        int rc = decode_plain(p, cut);
        assert_true(rc == HDR_CODEC_ETRUNCATED);
    }
    free(p);
    assert_int_equal(hdr_encode_compressed(h, &p, &n), HDR_CODEC_OK);
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(decode_compressed(p, cut), HDR_CODEC_ETRUNCATED);
    free(p);
    hdr_close(h);
}

static void refuses_bad_lengths(void **state)
{
    (void)state;
    uint8_t buf[128];
    uint8_t z[256];
    static const uint8_t payload[] = {0x00, 0x02};
    size_t n;

    /* plain: negative, larger than the data, larger than the format allows */
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, -1, 0, 3, 1, HOUR_US, payload, 2);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ELENGTH);
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 3, 0, 3, 1, HOUR_US, payload, 2);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ETRUNCATED);
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, INT32_MAX, 0, 3, 1, HOUR_US, payload, 2);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ELENGTH);
    /* (1, 2, 0): 3 slots, so at most 27 payload bytes */
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 28, 0, 0, 1, 2, payload, 2);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ELENGTH);
    /* shorter than the data: bytes left over */
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 1, 0, 3, 1, HOUR_US, payload, 2);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ETRAILING);

    /* compressed: outer length negative, too large, too small */
    n = v2_default(buf, payload, 2);
    size_t zn = compress_raw(z, sizeof(z), HDR_CODEC_V2_COMPRESSED_COOKIE, buf, n);
    uint8_t bad[256];
    memcpy(bad, z, zn);
    bad[4] = 0x80;
    assert_int_equal(decode_compressed(bad, zn), HDR_CODEC_ELENGTH);
    memcpy(bad, z, zn);
    bad[7] = (uint8_t)(bad[7] + 1);
    assert_int_equal(decode_compressed(bad, zn), HDR_CODEC_ETRUNCATED);
    memcpy(bad, z, zn);
    bad[7] = (uint8_t)(bad[7] - 1);
    assert_int_equal(decode_compressed(bad, zn), HDR_CODEC_ETRAILING);
    bad[zn] = 0;
    memcpy(bad, z, zn);
    assert_int_equal(decode_compressed(bad, zn + 1), HDR_CODEC_ETRAILING);

    /* inner payload length says more than the stream holds */
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 40, 0, 3, 1, HOUR_US, payload, 2);
    zn = compress_raw(z, sizeof(z), HDR_CODEC_V2_COMPRESSED_COOKIE, buf, n);
    assert_int_equal(decode_compressed(z, zn), HDR_CODEC_ETRUNCATED);
    /* ... or less: the stream goes on after the payload */
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 1, 0, 3, 1, HOUR_US, payload, 2);
    zn = compress_raw(z, sizeof(z), HDR_CODEC_V2_COMPRESSED_COOKIE, buf, n);
    assert_int_equal(decode_compressed(z, zn), HDR_CODEC_ETRAILING);
    /* a stream too short for the 40-byte header */
    zn = compress_raw(z, sizeof(z), HDR_CODEC_V2_COMPRESSED_COOKIE, buf, 20);
    assert_int_equal(decode_compressed(z, zn), HDR_CODEC_ETRUNCATED);
    /* garbage after the end of the zlib stream, inside the stated length */
    n = v2_default(buf, payload, 2);
    zn = compress_raw(z, sizeof(z), HDR_CODEC_V2_COMPRESSED_COOKIE, buf, n);
    z[zn] = 0x42;
    z[7] = (uint8_t)(z[7] + 1);
    assert_int_equal(decode_compressed(z, zn + 1), HDR_CODEC_ETRAILING);
}

static void refuses_bad_headers(void **state)
{
    (void)state;
    uint8_t buf[64];
    static const uint8_t payload[] = {0x00};
    static const struct {
        int32_t offset, sig;
        int64_t lo, hi;
        int rc;
    } cases[] = {
        {0, 6, 1, HOUR_US, HDR_CODEC_EHEADER},
        {0, -1, 1, HOUR_US, HDR_CODEC_EHEADER},
        {0, 3, 0, HOUR_US, HDR_CODEC_EHEADER},
        {0, 3, -5, HOUR_US, HDR_CODEC_EHEADER},
        {0, 3, 100, 199, HDR_CODEC_EHEADER},
        {0, 3, INT64_MAX, INT64_MAX, HDR_CODEC_EHEADER},
        {0, 5, (int64_t)1 << 50, INT64_MAX, HDR_CODEC_EHEADER}, /* magnitudes > 62 */
        {1, 3, 1, HOUR_US, HDR_CODEC_EOFFSET},
        {-7, 3, 1, HOUR_US, HDR_CODEC_EOFFSET},
        {0, 3, 1, 2, HDR_CODEC_OK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = build_v2(buf, HDR_CODEC_V2_COOKIE, 1, cases[i].offset, cases[i].sig, cases[i].lo,
                            cases[i].hi, payload, 1);
        assert_int_equal(decode_plain(buf, n), cases[i].rc);
    }
}

static void refuses_bad_varints_and_counts(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t n;
    /* overlong: a last byte of zero in a multi-byte varint */
    static const uint8_t overlong[] = {0x80, 0x00};
    n = v2_default(buf, overlong, sizeof(overlong));
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_EVARINT);
    static const uint8_t overlong9[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    n = v2_default(buf, overlong9, sizeof(overlong9));
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_EVARINT);
    /* cut off inside a varint at the end of the payload */
    static const uint8_t cut[] = {0x02, 0x81};
    n = v2_default(buf, cut, sizeof(cut));
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_EVARINT);
    static const uint8_t cut8[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    n = v2_default(buf, cut8, sizeof(cut8));
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_EVARINT);

    /* a zero run past the counts array: (1, 2, 0) has 3 slots */
    struct hdr_hist *tiny = mk(1, 2, 0);
    assert_int_equal(tiny->counts_len, 3);
    hdr_close(tiny);
    static const uint8_t run4[] = {0x07}; /* -4 */
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 1, 0, 0, 1, 2, run4, 1);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ECOUNTS);
    static const uint8_t run3[] = {0x05, 0x00}; /* -3 fills it, then one more slot */
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 2, 0, 0, 1, 2, run3, 2);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ECOUNTS);
    static const uint8_t run3ok[] = {0x05};
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 1, 0, 0, 1, 2, run3ok, 1);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_OK);
    static const uint8_t three[] = {0x02, 0x02, 0x02};
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 3, 0, 0, 1, 2, three, 3);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_OK);
    /* the most negative varint: a run of 2^63 zeros */
    static const uint8_t huge_run[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    n = v2_default(buf, huge_run, sizeof(huge_run));
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ECOUNTS);
    /* more counts than slots */
    static const uint8_t four[] = {0x02, 0x02, 0x02, 0x02};
    n = build_v2(buf, HDR_CODEC_V2_COOKIE, 4, 0, 0, 1, 2, four, 4);
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ECOUNTS);
    /* counts adding up beyond INT64_MAX */
    static const uint8_t big2[] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    n = v2_default(buf, big2, sizeof(big2));
    assert_int_equal(decode_plain(buf, n), HDR_CODEC_ETOTAL);
}

static void refuses_corrupt_zlib(void **state)
{
    (void)state;
    struct hdr_hist *h = mk(1, HOUR_US, 3);
    for (int64_t v = 1; v < 1000000; v += 997)
        hdr_record(h, v);
    uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(hdr_encode_compressed(h, &p, &n), HDR_CODEC_OK);
    /* wrong Adler-32 checksum */
    p[n - 1] ^= 0x55;
    assert_int_equal(decode_compressed(p, n), HDR_CODEC_EZLIB);
    p[n - 1] ^= 0x55;
    /* bad zlib header */
    p[8] = 0x00;
    assert_int_equal(decode_compressed(p, n), HDR_CODEC_EZLIB);
    free(p);
    hdr_close(h);
}

/* Random corruption never crashes; ASan/UBSan in `make check` watch. */
static void survives_random_corruption(void **state)
{
    (void)state;
    struct hdr_hist *h = mk(1, HOUR_US, 3);
    for (int64_t v = 1; v < 100000000; v = v * 2 + 3)
        hdr_record_n(h, v, v % 11 + 1);
    uint8_t *plain = NULL, *comp = NULL;
    size_t pn = 0, cn = 0;
    assert_int_equal(hdr_encode_v2(h, &plain, &pn), HDR_CODEC_OK);
    assert_int_equal(hdr_encode_compressed(h, &comp, &cn), HDR_CODEC_OK);
    uint8_t *work = malloc(pn > cn ? pn : cn);
    assert_non_null(work);
    uint64_t x = 99;
    for (int i = 0; i < 4000; i++) {
        bool use_plain = i & 1;
        const uint8_t *src = use_plain ? plain : comp;
        size_t len = use_plain ? pn : cn;
        memcpy(work, src, len);
        for (int k = 0; k < 1 + i % 4; k++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            work[(x >> 33) % len] ^= (uint8_t)(1u << ((x >> 29) & 7));
        }
        int rc = use_plain ? decode_plain(work, len) : decode_compressed(work, len);
        assert_true(rc <= 0);
    }
    free(work);
    free(plain);
    free(comp);
    hdr_close(h);
}

static void refuses_bad_arguments(void **state)
{
    (void)state;
    struct hdr_hist *h = mk(1, HOUR_US, 3);
    uint8_t *p = NULL;
    size_t n = 0;
    h->counts[5] = -1; /* only a corrupted histogram has negative counts */
    h->max_value = 10;
    assert_int_equal(hdr_encode_v2(h, &p, &n), HDR_CODEC_EINVAL);
    assert_null(p);
    hdr_close(h);
    assert_int_equal(hdr_encode_compressed(NULL, &p, &n), HDR_CODEC_EINVAL);
    struct hdr_hist *out = NULL;
    assert_int_equal(hdr_decode_v2(NULL, 5, &out), HDR_CODEC_EINVAL);
    assert_null(out);
    assert_int_equal(hdr_decode_compressed((const uint8_t *)"x", 1, NULL), HDR_CODEC_EINVAL);
    assert_int_equal(hdr_decode_compressed(NULL, 0, &out), HDR_CODEC_ETRUNCATED);
    assert_int_equal(hdr_decode_base64("", 0, &out), HDR_CODEC_ETRUNCATED);
    hdr_close(out);
}

static void decode_base64_refuses_bad_text(void **state)
{
    (void)state;
    /* the strict alphabet and padding rules are base/encode.c's
     * (tests/base/test_encode.c); here: its refusal reaches the caller */
    static const char *const bad[] = {"Zm9", "Zm9v\n", "Zm9-", "Zg==Zm9v"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hdr_hist *h = NULL;
        assert_int_equal(hdr_decode_base64(bad[i], strlen(bad[i]), &h), HDR_CODEC_EBASE64);
        assert_null(h);
    }
    /* a NUL inside the counted length is not base64 either */
    struct hdr_hist *h = NULL;
    assert_int_equal(hdr_decode_base64("HIST\0AAA", 8, &h), HDR_CODEC_EBASE64);
}

static void strerror_names_every_code(void **state)
{
    (void)state;
    const char *unknown = hdr_codec_strerror(12345);
    for (int e = HDR_CODEC_OK; e >= HDR_CODEC_ETRAILING; e--) {
        assert_non_null(hdr_codec_strerror(e));
        assert_string_not_equal(hdr_codec_strerror(e), unknown);
    }
    assert_non_null(strstr(hdr_codec_strerror(HDR_CODEC_EV0V1), "V0/V1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encodes_exactly_like_java),
        cmocka_unit_test(decodes_java_encodings),
        cmocka_unit_test(plain_layout_and_java_zero_runs),
        cmocka_unit_test(nine_byte_varints),
        cmocka_unit_test(accepts_both_single_zero_styles),
        cmocka_unit_test(round_trips),
        cmocka_unit_test(refuses_wrong_cookies),
        cmocka_unit_test(refuses_truncated_input_at_every_length),
        cmocka_unit_test(refuses_bad_lengths),
        cmocka_unit_test(refuses_bad_headers),
        cmocka_unit_test(refuses_bad_varints_and_counts),
        cmocka_unit_test(refuses_corrupt_zlib),
        cmocka_unit_test(survives_random_corruption),
        cmocka_unit_test(refuses_bad_arguments),
        cmocka_unit_test(decode_base64_refuses_bad_text),
        cmocka_unit_test(strerror_names_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
