/*
 * hdr.h — HDR histograms, interoperable with HdrHistogram (Java 2.1.x).
 *
 * Same bucket math as the reference library, so that counts, equivalent
 * value ranges and percentiles agree value for value, and so that the V2
 * encoding (hdr_codec.h) can be read by every HdrHistogram implementation.
 * gatecap records microseconds; the default range is 1 µs .. 1 h at 3
 * significant figures (HDR_DEFAULT_*).
 *
 * Threading: a histogram has a single writer and no locks; merge copies
 * with hdr_add at hand-off points.
 */
#ifndef GATECAP_HDR_H
#define GATECAP_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes (negative); hdr_strerror() names them. */
enum {
    HDR_OK = 0,
    HDR_EINVAL = -1, /* bad parameters (range, significant figures) */
    HDR_ENOMEM = -2, /* allocation failed */
    HDR_ERANGE = -3, /* value negative or above the trackable range */
};

#define HDR_DEFAULT_LOWEST 1LL           /* 1 µs */
#define HDR_DEFAULT_HIGHEST 3600000000LL /* 1 h in µs */
#define HDR_DEFAULT_SIGFIGS 3

struct hdr_hist {
    int64_t lowest_discernible; /* L: smallest value told apart from 0 */
    int64_t highest_trackable;  /* H: as configured */
    int32_t sigfigs;            /* 0..5 significant decimal digits */
    int32_t unit_magnitude;     /* floor(log2 L), computed as Java does */
    int32_t sub_bucket_half_count_magnitude;
    int32_t sub_bucket_count;
    int32_t sub_bucket_half_count;
    int32_t bucket_count;
    int64_t sub_bucket_mask;
    int32_t counts_len;
    int64_t total_count;    /* values recorded in counts[] */
    int64_t overflow_count; /* values refused: above range or negative */
    int64_t min_nonzero;    /* smallest non-zero value recorded, INT64_MAX if none */
    int64_t max_value;      /* largest value recorded, 0 if none; only its
                               slot matters (hdr_max reports the slot's top) */
    int64_t *counts;        /* counts_len slots, owned */
};

/* Creates a histogram for values lowest..highest (lowest >= 1,
 * highest >= 2*lowest) at sigfigs 0..5, with Java's checks (also
 * lowest <= INT64_MAX/2, and the sub-bucket bits must fit above lowest).
 * As in Java, every value up to the top of the last slot is recordable,
 * which may exceed highest (2^32 - 1 for the default range). *out is owned
 * by the caller (hdr_close) and NULL on error. Returns 0, HDR_EINVAL or
 * HDR_ENOMEM. */
int hdr_init(int64_t lowest, int64_t highest, int sigfigs, struct hdr_hist **out);

/* Same as hdr_init with gatecap's defaults (1 µs .. 1 h, 3 figures). */
int hdr_init_default(struct hdr_hist **out);

/* Frees h and its counts; NULL is fine. */
void hdr_close(struct hdr_hist *h);

/* Slot index of value v (v >= 0); may be >= counts_len for values out of
 * range. Pure integer math, no side effects. */
static inline int32_t hdr_counts_index(const struct hdr_hist *h, int64_t v)
{
    int32_t bucket = 64 - __builtin_clzll((uint64_t)(v | h->sub_bucket_mask)) - h->unit_magnitude -
                     (h->sub_bucket_half_count_magnitude + 1);
    int32_t sub = (int32_t)(v >> (bucket + h->unit_magnitude));
    return ((bucket + 1) << h->sub_bucket_half_count_magnitude) + sub - h->sub_bucket_half_count;
}

/* Records n (> 0) occurrences of v. Out of range (negative, or beyond the
 * last slot) adds n to overflow_count and returns HDR_ERANGE; never clamps.
 * No allocation, no lock: the request path's only histogram call. */
static inline int hdr_record_n(struct hdr_hist *h, int64_t v, int64_t n)
{
    if (v < 0) {
        h->overflow_count += n;
        return HDR_ERANGE;
    }
    int32_t idx = hdr_counts_index(h, v);
    if (idx >= h->counts_len) {
        h->overflow_count += n;
        return HDR_ERANGE;
    }
    h->counts[idx] += n;
    h->total_count += n;
    if (v != 0 && v < h->min_nonzero)
        h->min_nonzero = v;
    if (v > h->max_value)
        h->max_value = v;
    return HDR_OK;
}

/* Records one occurrence of v; see hdr_record_n. */
static inline int hdr_record(struct hdr_hist *h, int64_t v)
{
    return hdr_record_n(h, v, 1);
}

/* Records v and, when expected_interval > 0 and v > expected_interval, the
 * synthetic values v - k*expected_interval that are >= expected_interval
 * (HdrHistogram's recordValueWithExpectedInterval). For closed loops only;
 * open-model runs measure from the intended start instead. Every value
 * that does not fit (v itself included) is added to overflow_count and
 * the rest are still recorded (Java throws instead); returns HDR_ERANGE
 * if anything overflowed. Synthetic values are added a slot at a time,
 * so the cost is bounded by counts_len, not by v / expected_interval. */
int hdr_record_corrected(struct hdr_hist *h, int64_t v, int64_t expected_interval);

/* Adds every count of src into dst (Java's add). Lossless when both have
 * the same slot layout (same sigfigs and unit magnitude; the ranges may
 * differ); otherwise each non-empty src slot is recorded at its value
 * (lowest equivalent) in dst. src's overflow_count is carried over. Counts
 * of slots that do not fit dst's range are added to dst->overflow_count,
 * the rest are merged, and HDR_ERANGE is returned. dst == src doubles. */
int hdr_add(struct hdr_hist *dst, const struct hdr_hist *src);

/* Clears every count, min, max and overflow_count. */
void hdr_reset(struct hdr_hist *h);

/* Recomputes total_count, min_nonzero and max_value from counts[] after
 * they were written directly (a decoder, a copy); as Java's
 * establishInternalTackingValues: max becomes the highest equivalent value
 * of the last non-empty slot, min the value of the first non-empty slot
 * above slot 0. overflow_count is left alone. */
void hdr_recompute(struct hdr_hist *h);

/* Summary statistics; all 0 on an empty histogram. min is the lowest
 * equivalent value of the smallest recorded value (0 when slot 0 has
 * counts), max the highest equivalent of the largest; mean and population
 * standard deviation use each slot's median equivalent value, with Java's
 * double arithmetic (bit-identical results). Overflowed values are in none
 * of them. */
int64_t hdr_count(const struct hdr_hist *h);
int64_t hdr_min(const struct hdr_hist *h);
int64_t hdr_max(const struct hdr_hist *h);
double hdr_mean(const struct hdr_hist *h);
double hdr_stddev(const struct hdr_hist *h);

/* Value at percentile p (0..100) with the Java library's semantics
 * (getValueAtPercentile): q = nextDown(p) clamped to 0..100, target count
 * = max(1, ceil(q * N / 100)); the highest equivalent value of the first
 * slot whose running count reaches it (lowest equivalent for p == 0).
 * p > 100 acts as 100, p < 0 and NaN reach the first recorded slot.
 * 0 on an empty histogram. Walks counts[]: O(counts_len). */
int64_t hdr_value_at_percentile(const struct hdr_hist *h, double p);

/* Value that slot idx (0..counts_len-1) stands for: its lowest equivalent
 * value (Java's valueFromIndex). */
int64_t hdr_value_at_index(const struct hdr_hist *h, int32_t idx);

/* Equivalent-value helpers: the range of values sharing v's slot (v >= 0;
 * a negative v is treated as 0). next_non_equivalent = highest + 1. */
int64_t hdr_size_of_equivalent_range(const struct hdr_hist *h, int64_t v);
int64_t hdr_lowest_equivalent(const struct hdr_hist *h, int64_t v);
int64_t hdr_highest_equivalent(const struct hdr_hist *h, int64_t v);
int64_t hdr_median_equivalent(const struct hdr_hist *h, int64_t v);
int64_t hdr_next_non_equivalent(const struct hdr_hist *h, int64_t v);
bool hdr_values_equivalent(const struct hdr_hist *h, int64_t a, int64_t b);

/* Iterators (Java's AbstractHistogramIterator family). Borrow h, which
 * must not change while iterating; no allocation. Fields after "private"
 * belong to hdr.c. */
struct hdr_iter {
    const struct hdr_hist *h;
    int32_t index;          /* current slot */
    int64_t count;          /* count added in this step (0 when a
                               percentile step repeats a slot) */
    int64_t count_at_index; /* count of the current slot */
    int64_t cumulative;     /* running total up to and including it */
    int64_t value;          /* highest equivalent value of the slot */
    int64_t lowest;         /* lowest equivalent value of the slot */
    double percentile;      /* percentile iterator: the step's level;
                               recorded iterator: 100*cumulative/total */
    /* private */
    int64_t total;
    int64_t prev_cumulative;
    int32_t visited;
    int32_t ticks_per_half;
    double pct_to_reach;
    bool fresh;
    bool reached_last;
    bool by_percentile;
};

/* Recorded-values iteration: one step per non-empty slot, in value order. */
void hdr_iter_recorded(struct hdr_iter *it, const struct hdr_hist *h);

/* Percentile iteration as Java's PercentileIterator (the .hgrm ladder):
 * ticks_per_half_distance steps per halving of the distance to 100%
 * (5 in Java's default output; values < 1 act as 1). A level is reported
 * at the first non-empty slot whose cumulative percentage reaches it, so
 * one slot may yield several steps; the last step is 100% at the largest
 * recorded slot. Empty histogram: no steps. */
void hdr_iter_percentiles(struct hdr_iter *it, const struct hdr_hist *h,
                          int32_t ticks_per_half_distance);

/* Advances; false when done. */
bool hdr_iter_next(struct hdr_iter *it);

/* Static message for an error code. */
const char *hdr_strerror(int err);

#endif
