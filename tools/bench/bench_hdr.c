/*
 * bench_hdr.c — speed of the HDR histogram hot paths (no assertions).
 *
 * Prints one line per measurement, e.g. "hdr_record: 2.1 ns/value", for:
 * recording 200 million precomputed latencies (goal <= 5 ns/value),
 * merging two default-range histograms with hdr_add, one
 * hdr_value_at_percentile call, and one full percentile ladder (the .hgrm
 * iteration). Runs in a few seconds; `make bench` runs it.
 */
#include "measure/hdr.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SAMPLES (1 << 20)   /* precomputed latencies, 8 MiB */
#define RECORDS 200000000LL /* values recorded in the timed loop */
#define MERGES 20000
#define PERCENTILE_QUERIES 20000
#define LADDERS 2000

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* xorshift64*: deterministic, so every run records the same values. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static double uniform(uint64_t *state)
{
    return ((double)(next_random(state) >> 11) + 0.5) / 9007199254740992.0;
}

/* Gateway-like latencies in µs: log-normal body around 2 ms, a 1 % tail of
 * slow requests up to seconds, all within the default 1 µs .. 1 h range. */
static void fill_latencies(int64_t *latency_us, size_t n)
{
    uint64_t state = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < n; i++) {
        double u1 = uniform(&state), u2 = uniform(&state);
        double normal = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        double us = exp(7.6 + 0.6 * normal);
        if (uniform(&state) < 0.01)
            us *= 20.0 + 200.0 * uniform(&state);
        if (us < 1.0)
            us = 1.0;
        if (us > 3.0e9)
            us = 3.0e9;
        latency_us[i] = (int64_t)us;
    }
}

int main(void)
{
    int64_t *latency_us = malloc(SAMPLES * sizeof(*latency_us));
    struct hdr_hist *h = NULL, *acc = NULL;
    int rc = 1;

    if (latency_us == NULL || hdr_init_default(&h) != HDR_OK || hdr_init_default(&acc) != HDR_OK) {
        fprintf(stderr, "bench_hdr: out of memory\n");
        goto out;
    }
    fill_latencies(latency_us, SAMPLES);

    /* Warm the counts array and the branch predictor once. */
    for (size_t i = 0; i < SAMPLES; i++)
        hdr_record(h, latency_us[i]);
    hdr_reset(h);

    double t0 = now_ns();
    for (long long n = 0; n < RECORDS; n += SAMPLES) {
        for (size_t i = 0; i < SAMPLES; i++)
            hdr_record(h, latency_us[i]);
    }
    double t1 = now_ns();
    long long recorded = (RECORDS + SAMPLES - 1) / SAMPLES * SAMPLES;
    printf("hdr_record: %.2f ns/value (%lld values, p50 %lld us, p99 %lld us, max %lld us)\n",
           (t1 - t0) / (double)recorded, (long long)hdr_count(h),
           (long long)hdr_value_at_percentile(h, 50.0), (long long)hdr_value_at_percentile(h, 99.0),
           (long long)hdr_max(h));

    t0 = now_ns();
    for (int i = 0; i < MERGES; i++)
        hdr_add(acc, h);
    t1 = now_ns();
    printf("hdr_add: %.0f ns/merge (%d slots, default range)\n", (t1 - t0) / MERGES,
           (int)h->counts_len);

    int64_t sink = 0;
    t0 = now_ns();
    for (int i = 0; i < PERCENTILE_QUERIES; i++)
        sink += hdr_value_at_percentile(h, 50.0 + 50.0 * (double)(i % 1000) / 1000.0);
    t1 = now_ns();
    printf("hdr_value_at_percentile: %.0f ns/call (p50..p99.95, checksum %lld)\n",
           (t1 - t0) / PERCENTILE_QUERIES, (long long)(sink % 1000003));

    long steps = 0;
    t0 = now_ns();
    for (int i = 0; i < LADDERS; i++) {
        struct hdr_iter it;
        hdr_iter_percentiles(&it, h, 5);
        while (hdr_iter_next(&it))
            steps++;
    }
    t1 = now_ns();
    printf("hdr_iter_percentiles: %.0f ns/ladder (%ld steps each, 5 ticks per half distance)\n",
           (t1 - t0) / LADDERS, steps / LADDERS);
    rc = 0;

out:
    hdr_close(h);
    hdr_close(acc);
    free(latency_us);
    return rc;
}
