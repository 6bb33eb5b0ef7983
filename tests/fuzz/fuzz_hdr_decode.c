/*
 * fuzz_hdr_decode.c — libFuzzer target for the histogram decoders
 * (harness/measure/hdr_codec.c). The first byte picks the decoder (plain V2,
 * compressed V2, base64 of compressed V2); the rest is the input.
 *
 * Beyond "no crash, no leak, no undefined behaviour" (ASan/UBSan), every
 * histogram that decodes must survive the rest of the pipeline: statistics
 * and iteration, and an encode/decode round trip that gives back the same
 * counts. Any violation aborts, which libFuzzer reports as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hdr.h"
#include "measure/hdr_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const struct hdr_hist *a, const struct hdr_hist *b)
{
    if (a->lowest_discernible != b->lowest_discernible ||
        a->highest_trackable != b->highest_trackable || a->sigfigs != b->sigfigs ||
        a->counts_len != b->counts_len || a->total_count != b->total_count ||
        a->max_value != b->max_value || a->min_nonzero != b->min_nonzero ||
        memcmp(a->counts, b->counts, (size_t)a->counts_len * sizeof(int64_t)) != 0)
        abort();
}

static void exercise(const struct hdr_hist *h)
{
    int64_t total = 0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        if (h->counts[i] < 0)
            abort();
        total += h->counts[i];
    }
    if (total != h->total_count)
        abort();
    volatile double sink = hdr_mean(h) + hdr_stddev(h);
    (void)sink;
    if (hdr_min(h) > hdr_max(h))
        abort();
    /* Percentiles never go down. Not checked beyond 2^53 values: there the
     * target count, computed in doubles exactly as Java 2.1.11 does, can
     * round above the total, and Java (and so gatecap) then returns 0. */
    int64_t prev = -1;
    static const double pcts[] = {0, 40, 50, 90, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
        int64_t v = hdr_value_at_percentile(h, pcts[i]);
        if (v < prev && pcts[i] > 0 && h->total_count <= ((int64_t)1 << 53))
            abort();
        prev = v;
    }
    struct hdr_iter it;
    hdr_iter_percentiles(&it, h, 5);
    int steps = 0;
    while (hdr_iter_next(&it) && steps < 100000)
        steps++;
}

static void round_trip(const struct hdr_hist *h)
{
    uint8_t *p = NULL;
    size_t n = 0;
    struct hdr_hist *back = NULL;
    if (hdr_encode_compressed(h, &p, &n) != HDR_CODEC_OK)
        abort();
    if (hdr_decode_compressed(p, n, &back) != HDR_CODEC_OK)
        abort();
    same_or_abort(h, back);
    hdr_close(back);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    data++;
    size--;

    struct hdr_hist *h = NULL;
    int rc;
    if (mode == 0) {
        rc = hdr_decode_v2(data, size, &h);
    } else if (mode == 1) {
        rc = hdr_decode_compressed(data, size, &h);
    } else {
        /* a copy, so reading past size is caught by ASan */
        char *s = malloc(size ? size : 1);
        if (s == NULL)
            return 0;
        memcpy(s, data, size);
        rc = hdr_decode_base64(s, size, &h);
        free(s);
    }
    if (rc > 0 || (rc == HDR_CODEC_OK) != (h != NULL))
        abort();
    if (hdr_codec_strerror(rc) == NULL)
        abort();
    if (h != NULL) {
        exercise(h);
        round_trip(h);
        hdr_close(h);
    }
    return 0;
}
