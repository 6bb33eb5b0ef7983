/*
 * hdr.c — HDR histograms with the bucket math and percentile semantics of
 * the Java HdrHistogram 2.1.11 (org.HdrHistogram.AbstractHistogram).
 *
 * Where Java's result depends on floating point (unit magnitude, the
 * percentile ladder, getValueAtPercentile), the same double operations are
 * done in the same order, so results agree bit for bit; Java's saturating
 * double-to-long conversion is reproduced by java_d2l() because the plain C
 * cast is undefined out of range.
 */
#include "measure/hdr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Java's d2l: NaN -> 0, saturates at the int64 limits. */
static int64_t java_d2l(double d)
{
    if (d != d)
        return 0;
    if (d >= 9223372036854775808.0)
        return INT64_MAX;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

/* Java's (long)(Math.log(x) / Math.log(2)) as used by the library. */
static int64_t java_log2_floor(double x)
{
    return java_d2l(log(x) / log(2.0));
}

int hdr_init(int64_t lowest, int64_t highest, int sigfigs, struct hdr_hist **out)
{
    struct hdr_hist *h = NULL;
    int err = HDR_EINVAL;

    if (out == NULL)
        return HDR_EINVAL;
    *out = NULL;
    /* The same checks, in the same order, as Java's constructor. */
    if (lowest < 1 || lowest > INT64_MAX / 2 || highest < 2 * lowest)
        goto fail;
    if (sigfigs < 0 || sigfigs > 5)
        goto fail;

    int64_t largest_single_unit = 2;
    for (int i = 0; i < sigfigs; i++)
        largest_single_unit *= 10;
    int32_t unit_magnitude = (int32_t)java_log2_floor((double)lowest);
    int32_t sub_bucket_count_magnitude = (int32_t)ceil(log((double)largest_single_unit) / log(2.0));
    if (sub_bucket_count_magnitude + unit_magnitude > 62)
        goto fail;

    err = HDR_ENOMEM;
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        goto fail;
    h->lowest_discernible = lowest;
    h->highest_trackable = highest;
    h->sigfigs = sigfigs;
    h->unit_magnitude = unit_magnitude;
    h->sub_bucket_half_count_magnitude = sub_bucket_count_magnitude - 1;
    h->sub_bucket_count = (int32_t)1 << sub_bucket_count_magnitude;
    h->sub_bucket_half_count = h->sub_bucket_count / 2;
    h->sub_bucket_mask = ((int64_t)h->sub_bucket_count - 1) << unit_magnitude;

    /* Java's getBucketsNeededToCoverValue. */
    int64_t smallest_untrackable = (int64_t)h->sub_bucket_count << unit_magnitude;
    int32_t buckets = 1;
    while (smallest_untrackable <= highest) {
        if (smallest_untrackable > INT64_MAX / 2) {
            buckets++;
            break;
        }
        smallest_untrackable <<= 1;
        buckets++;
    }
    h->bucket_count = buckets;
    h->counts_len = (buckets + 1) * h->sub_bucket_half_count;
    h->min_nonzero = INT64_MAX;
    h->counts = calloc((size_t)h->counts_len, sizeof(*h->counts));
    if (h->counts == NULL)
        goto fail;
    *out = h;
    return HDR_OK;

fail:
    if (h != NULL)
        free(h);
    return err;
}

int hdr_init_default(struct hdr_hist **out)
{
    return hdr_init(HDR_DEFAULT_LOWEST, HDR_DEFAULT_HIGHEST, HDR_DEFAULT_SIGFIGS, out);
}

void hdr_close(struct hdr_hist *h)
{
    if (h == NULL)
        return;
    free(h->counts);
    free(h);
}

/* ---- equivalent values ------------------------------------------------ */

static int32_t bucket_index(const struct hdr_hist *h, int64_t v)
{
    return 64 - __builtin_clzll((uint64_t)(v | h->sub_bucket_mask)) - h->unit_magnitude -
           (h->sub_bucket_half_count_magnitude + 1);
}

int64_t hdr_value_at_index(const struct hdr_hist *h, int32_t idx)
{
    int32_t bucket = (idx >> h->sub_bucket_half_count_magnitude) - 1;
    int32_t sub = (idx & (h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;
    if (bucket < 0) {
        sub -= h->sub_bucket_half_count;
        bucket = 0;
    }
    return (int64_t)((uint64_t)sub << (bucket + h->unit_magnitude));
}

int64_t hdr_size_of_equivalent_range(const struct hdr_hist *h, int64_t v)
{
    if (v < 0)
        v = 0;
    return (int64_t)1 << (h->unit_magnitude + bucket_index(h, v));
}

int64_t hdr_lowest_equivalent(const struct hdr_hist *h, int64_t v)
{
    if (v < 0)
        v = 0;
    int32_t shift = bucket_index(h, v) + h->unit_magnitude;
    return (v >> shift) << shift;
}

int64_t hdr_highest_equivalent(const struct hdr_hist *h, int64_t v)
{
    return hdr_lowest_equivalent(h, v) + (hdr_size_of_equivalent_range(h, v) - 1);
}

int64_t hdr_median_equivalent(const struct hdr_hist *h, int64_t v)
{
    return hdr_lowest_equivalent(h, v) + (hdr_size_of_equivalent_range(h, v) >> 1);
}

int64_t hdr_next_non_equivalent(const struct hdr_hist *h, int64_t v)
{
    /* Wraps like Java's long arithmetic for the very last slot. */
    return (int64_t)((uint64_t)hdr_lowest_equivalent(h, v) +
                     (uint64_t)hdr_size_of_equivalent_range(h, v));
}

bool hdr_values_equivalent(const struct hdr_hist *h, int64_t a, int64_t b)
{
    return hdr_lowest_equivalent(h, a) == hdr_lowest_equivalent(h, b);
}

/* ---- recording ---------------------------------------------------------- */

/* Smallest value whose slot lies beyond counts[] (INT64_MAX if none). */
static int64_t first_untrackable(const struct hdr_hist *h)
{
    int64_t top = hdr_highest_equivalent(h, hdr_value_at_index(h, h->counts_len - 1));
    return top == INT64_MAX ? INT64_MAX : top + 1;
}

int hdr_record_corrected(struct hdr_hist *h, int64_t v, int64_t expected_interval)
{
    int rc = hdr_record(h, v);
    int64_t step = expected_interval;
    if (step <= 0 || v < 0 || v - step < step)
        return rc;

    int64_t limit = first_untrackable(h);
    int64_t x = v - step; /* largest synthetic value not yet recorded */
    while (x >= step) {
        int64_t n;
        if (x >= limit) {
            /* All of x, x - step, ... that are >= limit overflow at once. */
            n = (x - limit) / step + 1;
            h->overflow_count += n;
            rc = HDR_ERANGE;
        } else {
            /* Every synthetic value in x's slot at once. */
            int64_t lo = hdr_lowest_equivalent(h, x);
            if (lo < step)
                lo = step;
            n = (x - lo) / step + 1;
            int64_t smallest = x - (n - 1) * step;
            h->counts[hdr_counts_index(h, x)] += n;
            h->total_count += n;
            if (smallest < h->min_nonzero)
                h->min_nonzero = smallest;
            if (x > h->max_value)
                h->max_value = x;
        }
        x -= n * step;
    }
    return rc;
}

int hdr_add(struct hdr_hist *dst, const struct hdr_hist *src)
{
    int rc = HDR_OK;
    int64_t carried = src->overflow_count;

    if (dst->sub_bucket_count == src->sub_bucket_count &&
        dst->unit_magnitude == src->unit_magnitude) {
        /* Slot i stands for the same values in both: add counts directly. */
        int32_t n = src->counts_len < dst->counts_len ? src->counts_len : dst->counts_len;
        int64_t added = 0;
        int32_t last_fit = -1;
        for (int32_t i = 0; i < n; i++) {
            int64_t c = src->counts[i];
            if (c > 0) {
                dst->counts[i] += c;
                added += c;
                last_fit = i;
            }
        }
        int64_t lost = 0;
        for (int32_t i = n; i < src->counts_len; i++) {
            if (src->counts[i] > 0)
                lost += src->counts[i];
        }
        dst->total_count += added;
        if (lost > 0) {
            dst->overflow_count += lost;
            rc = HDR_ERANGE;
        }
        if (last_fit >= 0) {
            int64_t src_max = src->max_value;
            if (src_max < 0 || hdr_counts_index(dst, src_max) >= dst->counts_len)
                src_max = hdr_highest_equivalent(dst, hdr_value_at_index(dst, last_fit));
            if (src_max > dst->max_value)
                dst->max_value = src_max;
            if (src->min_nonzero < dst->min_nonzero &&
                hdr_counts_index(dst, src->min_nonzero) < dst->counts_len)
                dst->min_nonzero = src->min_nonzero;
        }
    } else {
        for (int32_t i = 0; i < src->counts_len; i++) {
            int64_t c = src->counts[i];
            if (c > 0 && hdr_record_n(dst, hdr_value_at_index(src, i), c) != HDR_OK)
                rc = HDR_ERANGE;
        }
    }
    dst->overflow_count += carried;
    return rc;
}

void hdr_reset(struct hdr_hist *h)
{
    memset(h->counts, 0, (size_t)h->counts_len * sizeof(*h->counts));
    h->total_count = 0;
    h->overflow_count = 0;
    h->min_nonzero = INT64_MAX;
    h->max_value = 0;
}

void hdr_recompute(struct hdr_hist *h)
{
    int32_t max_idx = -1;
    int32_t min_idx = -1;
    int64_t total = 0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        if (h->counts[i] > 0) {
            total += h->counts[i];
            max_idx = i;
            if (min_idx < 0 && i != 0)
                min_idx = i;
        }
    }
    h->total_count = total;
    h->max_value = 0;
    h->min_nonzero = INT64_MAX;
    if (max_idx >= 0)
        h->max_value = hdr_highest_equivalent(h, hdr_value_at_index(h, max_idx));
    if (min_idx >= 0)
        h->min_nonzero = hdr_value_at_index(h, min_idx);
}

/* ---- statistics --------------------------------------------------------- */

int64_t hdr_count(const struct hdr_hist *h)
{
    return h->total_count;
}

int64_t hdr_min(const struct hdr_hist *h)
{
    if (h->counts[0] > 0 || h->total_count == 0 || h->min_nonzero == INT64_MAX)
        return 0;
    return hdr_lowest_equivalent(h, h->min_nonzero);
}

int64_t hdr_max(const struct hdr_hist *h)
{
    if (h->max_value == 0)
        return 0;
    return hdr_highest_equivalent(h, h->max_value);
}

double hdr_mean(const struct hdr_hist *h)
{
    if (h->total_count == 0)
        return 0.0;
    double total = 0.0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        if (h->counts[i] != 0)
            total +=
                (double)hdr_median_equivalent(h, hdr_value_at_index(h, i)) * (double)h->counts[i];
    }
    return total / (double)h->total_count;
}

double hdr_stddev(const struct hdr_hist *h)
{
    if (h->total_count == 0)
        return 0.0;
    double mean = hdr_mean(h);
    double total = 0.0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        if (h->counts[i] != 0) {
            double dev = (double)hdr_median_equivalent(h, hdr_value_at_index(h, i)) - mean;
            total += dev * dev * (double)h->counts[i];
        }
    }
    return sqrt(total / (double)h->total_count);
}

int64_t hdr_value_at_percentile(const struct hdr_hist *h, double p)
{
    /* Java: min(max(nextAfter(p, -inf), 0), 100), where NaN stays NaN. */
    double q = nextafter(p, -INFINITY);
    if (q == q) {
        if (q < 0.0)
            q = 0.0;
        if (q > 100.0)
            q = 100.0;
    }
    int64_t target = java_d2l(ceil(q * (double)h->total_count / 100.0));
    if (target < 1)
        target = 1;

    int64_t running = 0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        running += h->counts[i];
        if (running >= target) {
            int64_t v = hdr_value_at_index(h, i);
            return p == 0.0 ? hdr_lowest_equivalent(h, v) : hdr_highest_equivalent(h, v);
        }
    }
    return 0;
}

/* ---- iterators ---------------------------------------------------------- */

static void iter_init(struct hdr_iter *it, const struct hdr_hist *h)
{
    memset(it, 0, sizeof(*it));
    it->h = h;
    it->total = h->total_count;
    it->visited = -1;
    it->fresh = true;
}

void hdr_iter_recorded(struct hdr_iter *it, const struct hdr_hist *h)
{
    iter_init(it, h);
}

void hdr_iter_percentiles(struct hdr_iter *it, const struct hdr_hist *h,
                          int32_t ticks_per_half_distance)
{
    iter_init(it, h);
    it->by_percentile = true;
    it->ticks_per_half = ticks_per_half_distance < 1 ? 1 : ticks_per_half_distance;
    it->pct_to_reach = 0.0;
}

static bool iter_reached_level(const struct hdr_iter *it)
{
    if (!it->by_percentile)
        return it->count_at_index != 0 && it->visited != it->index;
    if (it->count_at_index == 0)
        return false;
    double current = (100.0 * (double)it->cumulative) / (double)it->total;
    return current >= it->pct_to_reach;
}

/* PercentileIterator.incrementIterationLevel: fixed-size ticks within each
 * half of the remaining distance to 100%. */
static void iter_increment_level(struct hdr_iter *it)
{
    if (!it->by_percentile) {
        it->visited = it->index;
        return;
    }
    if (it->reached_last)
        return;
    if (it->pct_to_reach < 100.0) {
        int64_t halvings = java_d2l(log(100.0 / (100.0 - it->pct_to_reach)) / log(2.0));
        double exponent = (double)(int64_t)((uint64_t)halvings + 1u);
        int64_t ticks = (int64_t)((uint64_t)(int64_t)it->ticks_per_half *
                                  (uint64_t)java_d2l(pow(2.0, exponent)));
        double level = ticks > 0 ? it->pct_to_reach + 100.0 / (double)ticks : 100.0;
        if (level > it->pct_to_reach && level < 100.0) {
            it->pct_to_reach = level;
            return;
        }
    }
    /* After the final step, or when the level no longer moves below 100%
     * (only with total counts near 2^53 and beyond, where Java would loop
     * forever): go to the final 100% step at the largest recorded slot. */
    int32_t last = it->h->counts_len - 1;
    while (last > it->index && it->h->counts[last] == 0)
        last--;
    it->index = last;
    it->cumulative = it->total;
    it->fresh = false;
}

bool hdr_iter_next(struct hdr_iter *it)
{
    const struct hdr_hist *h = it->h;

    /* hasNext(), including PercentileIterator's extra final 100% step. */
    if (it->cumulative >= it->total) {
        if (!it->by_percentile || it->reached_last || it->total <= 0)
            return false;
        it->pct_to_reach = 100.0;
        it->reached_last = true;
    }
    while (it->index < h->counts_len) {
        it->count_at_index = h->counts[it->index];
        if (it->fresh) {
            it->cumulative += it->count_at_index;
            it->fresh = false;
        }
        if (iter_reached_level(it)) {
            int64_t v = hdr_value_at_index(h, it->index);
            it->lowest = hdr_lowest_equivalent(h, v);
            it->value = hdr_highest_equivalent(h, v);
            it->count = it->cumulative - it->prev_cumulative;
            it->percentile = it->by_percentile
                                 ? it->pct_to_reach
                                 : (100.0 * (double)it->cumulative) / (double)it->total;
            it->prev_cumulative = it->cumulative;
            iter_increment_level(it);
            return true;
        }
        it->index++;
        it->fresh = true;
    }
    /* Counts disagree with total_count (Java throws here). */
    return false;
}

const char *hdr_strerror(int err)
{
    switch (err) {
    case HDR_OK:
        return "success";
    case HDR_EINVAL:
        return "invalid histogram parameters (need lowest >= 1, highest >= 2 * lowest, "
               "significant figures 0..5)";
    case HDR_ENOMEM:
        return "out of memory allocating a histogram";
    case HDR_ERANGE:
        return "value negative or beyond the histogram's trackable range";
    default:
        return "unknown histogram error";
    }
}
