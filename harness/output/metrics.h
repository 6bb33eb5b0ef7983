/*
 * metrics.h — a run's live series for Prometheus (docs/metrics.md): one
 * snapshot per interval, built on the coordinator's thread from the run's
 * totals so far and the interval just closed, then handed to the exporter
 * (metrics_export.h), which renders it as the text exposition format
 * (metrics_text) or as a remote-write request (metrics_rw). Every counter
 * and histogram is cumulative over the run, so rate(), increase() and
 * histogram_quantile() work over any window and sum across shards.
 *
 * Latency and service time are exported twice from the same HDR
 * histogram: as a native histogram (remote write only: the text format
 * has none) of schema METRICS_SCHEMA, and as a classic histogram with the
 * fixed boundaries of metrics_le. An HDR slot goes into the bucket of its
 * highest equivalent value, the value results.json reports for a
 * percentile in that slot, so the bucket that holds results.json's p99
 * also holds the p99 histogram_quantile() finds: the two differ by at
 * most the bucket's width (a factor 2^(2^-5) = 1.0219 for the native
 * histogram; the classic bucket's bounds, a factor 2.5 at most).
 *
 * Pure computation: no I/O, no lock. A snapshot is immutable once built
 * and reference-counted, so the push thread and the scrape thread may
 * hold it at once.
 */
#ifndef GATECAP_METRICS_H
#define GATECAP_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine_result;
struct engine_interval;
struct scenario;

/* The native histograms' schema: each power of two split into 2^5 = 32
 * buckets, each bucket's upper bound 2^(1/32) (2.19 %) above its lower. */
#define METRICS_SCHEMA 5

/* The most labels of a series (without __name__). */
#define METRICS_MAX_LABELS 6

enum metrics_type { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

/* A family of series: its name (Prometheus' rules: gatecap_ prefix, base
 * units, _total for counters), type and help text. */
struct metrics_family {
    const char *name;
    enum metrics_type type;
    const char *help;
};

/* The families, in the order a snapshot lists them; NULL past the end. */
const struct metrics_family *metrics_family_at(size_t i);

/* The classic histograms' upper bounds: i-th bound in µs and as the `le`
 * label writes it (seconds); i == metrics_le_count() is "+Inf" (µs
 * INT64_MAX). */
size_t metrics_le_count(void);
int64_t metrics_le_us(size_t i);
const char *metrics_le_text(size_t i);

/* The native-histogram bucket of v seconds (v > 0) at schema (1..8):
 * bucket i holds (2^((i-1)/2^schema), 2^(i/2^schema)], computed as
 * Prometheus does (frexp and the power-of-two's bucket bounds). */
int32_t metrics_bucket_index(double v, int schema);

struct metrics_label {
    const char *name;  /* static */
    const char *value; /* in the snapshot's strings */
};

/* A native histogram with integer counts: buckets (index, count > 0),
 * indexes ascending. */
struct metrics_native {
    int64_t count;
    int64_t zero_count; /* observations of 0 µs */
    double sum;         /* seconds */
    int32_t schema;
    size_t n;
    int32_t *index; /* [n], owned */
    int64_t *cnt;   /* [n], owned */
};

struct metrics_series {
    size_t family;                                   /* metrics_family_at(family) */
    const char *name;                                /* the series' name (static): the
                                                        family's, or with _bucket, _sum, _count */
    size_t n_labels;                                 /* the shard label always among them */
    struct metrics_label labels[METRICS_MAX_LABELS]; /* sorted by name */
    double value;
    struct metrics_native *native; /* a native histogram instead of a value
                                      (remote write only), owned; else NULL */
};

struct metrics_snap {
    int64_t timestamp_ms; /* wall clock, ms since the epoch */
    size_t n_series;
    struct metrics_series *series; /* [n_series], grouped by family */
    /* private */
    size_t cap;
    char *strings;
    atomic_int refs;
};

/* Who is exporting: the run's id, the scenario's name and the shard
 * index ("0" on one machine). Borrowed by metrics_snap_build (copied). */
struct metrics_ident {
    const char *run_id; /* "" when the run has none */
    const char *scenario;
    int shard;
};

/* Builds the snapshot of run r (so far; borrowed) after interval iv (the
 * one just closed, borrowed; NULL for the run's final sample), with the
 * token endpoint's series when r has a token pool (auth_pool_totals:
 * read while its thread runs), stamped timestamp_ms. native: include the
 * native histograms. Returns 0 with *out (one reference: metrics_snap_unref),
 * or -1 when out of memory. */
int metrics_snap_build(const struct scenario *scn, const struct metrics_ident *id,
                       const struct engine_result *r, const struct engine_interval *iv,
                       int64_t timestamp_ms, bool native, struct metrics_snap **out);

/* One more reference to s (s returned). */
struct metrics_snap *metrics_snap_ref(struct metrics_snap *s);

/* Drops a reference; the last frees s. NULL is fine. Thread-safe. */
void metrics_snap_unref(struct metrics_snap *s);

/* The text exposition format (Prometheus 0.0.4) of s's series without the
 * native histograms, into *out (owned, NUL-terminated; *len bytes).
 * Returns 0 or -1 (no memory). */
int metrics_text(const struct metrics_snap *s, char **out, size_t *len);

/* A remote-write 1.0 request of s (a prometheus.WriteRequest, protobuf,
 * snappy-compressed), every sample and histogram stamped with s's
 * timestamp, into *out (owned, *len bytes). Returns 0 or -1 (no memory). */
int metrics_rw(const struct metrics_snap *s, uint8_t **out, size_t *len);

#endif
