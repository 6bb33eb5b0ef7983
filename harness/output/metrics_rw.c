/*
 * metrics_rw.c — a snapshot (metrics.h) as a Prometheus remote-write 1.0
 * request: a prometheus.WriteRequest (harness/output/prompb.proto, packed
 * by libprotobuf-c from the code protoc-c generates at build time),
 * compressed by libsnappy (the block format, as the protocol requires).
 * One TimeSeries per series, labels sorted by name with __name__ first
 * (every other label name is lower case), one sample or one native
 * histogram each, all stamped with the snapshot's time.
 */
#include <prompb.pb-c.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>

#include "output/metrics.h"

/* A native histogram's sparse buckets as spans and deltas: a new span at
 * every gap, each count given as its difference from the previous one. */
static int native_fill(Prometheus__Histogram *h, const struct metrics_native *n,
                       Prometheus__BucketSpan *spans, Prometheus__BucketSpan **span_ptrs,
                       int64_t *deltas)
{
    size_t n_spans = 0;
    int64_t prev = 0;
    for (size_t i = 0; i < n->n; i++) {
        if (i == 0 || n->index[i] != n->index[i - 1] + 1) {
            prometheus__bucket_span__init(&spans[n_spans]);
            spans[n_spans].offset = i == 0 ? n->index[0] : n->index[i] - n->index[i - 1] - 1;
            span_ptrs[n_spans] = &spans[n_spans];
            n_spans++;
        }
        spans[n_spans - 1].length++;
        deltas[i] = n->cnt[i] - prev;
        prev = n->cnt[i];
    }
    h->count_case = PROMETHEUS__HISTOGRAM__COUNT_COUNT_INT;
    h->count_int = (uint64_t)n->count;
    h->sum = n->sum;
    h->schema = n->schema;
    h->zero_threshold = 0;
    h->zero_count_case = PROMETHEUS__HISTOGRAM__ZERO_COUNT_ZERO_COUNT_INT;
    h->zero_count_int = (uint64_t)n->zero_count;
    h->n_positive_spans = n_spans;
    h->positive_spans = span_ptrs;
    h->n_positive_deltas = n->n;
    h->positive_deltas = deltas;
    return 0;
}

int metrics_rw(const struct metrics_snap *s, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    size_t n = s->n_series, n_labels = 0, n_buckets = 0;
    for (size_t i = 0; i < n; i++) {
        n_labels += 1 + s->series[i].n_labels;
        if (s->series[i].native)
            n_buckets += s->series[i].native->n;
    }
    Prometheus__TimeSeries *ts = calloc(n ? n : 1, sizeof *ts);
    Prometheus__TimeSeries **ts_ptrs = calloc(n ? n : 1, sizeof *ts_ptrs);
    Prometheus__Label *labels = calloc(n_labels ? n_labels : 1, sizeof *labels);
    Prometheus__Label **label_ptrs = calloc(n_labels ? n_labels : 1, sizeof *label_ptrs);
    Prometheus__Sample *samples = calloc(n ? n : 1, sizeof *samples);
    Prometheus__Sample **sample_ptrs = calloc(n ? n : 1, sizeof *sample_ptrs);
    Prometheus__Histogram *hists = calloc(n ? n : 1, sizeof *hists);
    Prometheus__Histogram **hist_ptrs = calloc(n ? n : 1, sizeof *hist_ptrs);
    Prometheus__BucketSpan *spans = calloc(n_buckets ? n_buckets : 1, sizeof *spans);
    Prometheus__BucketSpan **span_ptrs = calloc(n_buckets ? n_buckets : 1, sizeof *span_ptrs);
    int64_t *deltas = calloc(n_buckets ? n_buckets : 1, sizeof *deltas);
    uint8_t *packed = NULL, *compressed = NULL;
    int rc = -1;
    if (!ts || !ts_ptrs || !labels || !label_ptrs || !samples || !sample_ptrs || !hists ||
        !hist_ptrs || !spans || !span_ptrs || !deltas)
        goto out;
    size_t li = 0, bi = 0;
    for (size_t i = 0; i < n; i++) {
        const struct metrics_series *x = &s->series[i];
        prometheus__time_series__init(&ts[i]);
        ts_ptrs[i] = &ts[i];
        ts[i].labels = &label_ptrs[li];
        ts[i].n_labels = 1 + x->n_labels;
        prometheus__label__init(&labels[li]);
        labels[li].name = (char *)(uintptr_t) "__name__";
        labels[li].value = (char *)(uintptr_t)x->name;
        label_ptrs[li] = &labels[li];
        li++;
        for (size_t l = 0; l < x->n_labels; l++, li++) {
            prometheus__label__init(&labels[li]);
            labels[li].name = (char *)(uintptr_t)x->labels[l].name;
            labels[li].value = (char *)(uintptr_t)x->labels[l].value;
            label_ptrs[li] = &labels[li];
        }
        if (x->native) {
            prometheus__histogram__init(&hists[i]);
            native_fill(&hists[i], x->native, &spans[bi], &span_ptrs[bi], &deltas[bi]);
            hists[i].timestamp = s->timestamp_ms;
            hist_ptrs[i] = &hists[i];
            ts[i].histograms = &hist_ptrs[i];
            ts[i].n_histograms = 1;
            bi += x->native->n;
        } else {
            prometheus__sample__init(&samples[i]);
            samples[i].value = x->value;
            samples[i].timestamp = s->timestamp_ms;
            sample_ptrs[i] = &samples[i];
            ts[i].samples = &sample_ptrs[i];
            ts[i].n_samples = 1;
        }
    }
    Prometheus__WriteRequest wr;
    prometheus__write_request__init(&wr);
    wr.timeseries = ts_ptrs;
    wr.n_timeseries = n;
    size_t plen = prometheus__write_request__get_packed_size(&wr);
    if (!(packed = malloc(plen ? plen : 1)))
        goto out;
    prometheus__write_request__pack(&wr, packed);
    size_t clen = snappy_max_compressed_length(plen);
    if (!(compressed = malloc(clen)) ||
        snappy_compress((const char *)packed, plen, (char *)compressed, &clen) != SNAPPY_OK)
        goto out;
    *out = compressed;
    *len = clen;
    compressed = NULL;
    rc = 0;
out:
    free(compressed);
    free(packed);
    free(deltas);
    free(span_ptrs);
    free(spans);
    free(hist_ptrs);
    free(hists);
    free(sample_ptrs);
    free(samples);
    free(label_ptrs);
    free(labels);
    free(ts_ptrs);
    free(ts);
    return rc;
}
