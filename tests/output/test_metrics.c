/* tests/output/test_metrics.c — a run's live series (harness/output/
 * metrics.c, metrics_text.c, metrics_rw.c): the native-histogram bucket of
 * a value as Prometheus computes it; a snapshot's counters, classic and
 * native histograms from the recorder's cells; the bucket of results.json's
 * p99 holding the rank histogram_quantile looks for; the text format; and
 * the remote-write request, uncompressed by libsnappy and unpacked by
 * libprotobuf-c, with its labels sorted and its spans and deltas adding up
 * to the HDR histogram's counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <prompb.pb-c.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hdr.h"
#include "measure/recorder.h"
#include "output/metrics.h"
#include "run/engine.h"
#include "scenario/scenario.h"

static void bucket_index(void **state)
{
    (void)state;
    assert_int_equal(metrics_bucket_index(1.0, 5), 0);
    assert_int_equal(metrics_bucket_index(2.0, 5), 32);
    assert_int_equal(metrics_bucket_index(0.5, 5), -32);
    assert_int_equal(metrics_bucket_index(1.001, 5), 1);
    assert_int_equal(metrics_bucket_index(exp2(1.0 / 32), 5), 1); /* upper bound inclusive */
    assert_int_equal(metrics_bucket_index(exp2(1.0 / 32) * 1.0000001, 5), 2);
    assert_int_equal(metrics_bucket_index(0.003, 3), (int)ceil(log2(0.003) * 8));
    /* every bucket's bounds hold the value, over six decades */
    for (double v = 1e-6; v < 10; v *= 1.0173) {
        int32_t i = metrics_bucket_index(v, METRICS_SCHEMA);
        assert_true(exp2((double)(i - 1) / 32) < v);
        assert_true(v <= exp2((double)i / 32) * (1 + 1e-15));
    }
}

/* A scenario of two phases and one request, a run of two nodes. */
struct fixture {
    struct scenario scn;
    struct scn_phase phases[2];
    struct scn_request req;
    struct engine_result r;
    char names[2][REC_NODE_NAME_LEN];
    struct engine_interval iv;
};

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->phases[0].name = (char *)(uintptr_t) "warm";
    f->phases[1].name = (char *)(uintptr_t) "steady \"1\"";
    f->req.name = (char *)(uintptr_t) "echo";
    f->scn.phases = f->phases;
    f->scn.n_phases = 2;
    f->scn.requests = &f->req;
    f->scn.n_requests = 1;
    assert_int_equal(rec_set_new(2, 1, &f->r.total), 0);
    snprintf(f->names[0], REC_NODE_NAME_LEN, "gw1");
    snprintf(f->names[1], REC_NODE_NAME_LEN, "gw2");
    f->r.node_names = f->names;
    f->r.n_nodes = 2;
    f->iv.phase = 1;
    f->iv.offered_rps = 100;
    f->iv.achieved_rps = 99;
    f->iv.length_s = 1;
    f->iv.cpu_pct = 50;
    f->iv.health.inflight = 3;
    f->r.intervals = &f->iv;
    f->r.n_intervals = 1;
}

static const struct metrics_series *find(const struct metrics_snap *s, const char *name,
                                         const char *l1, const char *v1, const char *l2,
                                         const char *v2, bool native)
{
    for (size_t i = 0; i < s->n_series; i++) {
        const struct metrics_series *x = &s->series[i];
        if (strcmp(x->name, name) || (x->native != NULL) != native)
            continue;
        int ok = 0;
        for (size_t l = 0; l < x->n_labels; l++) {
            if (l1 && !strcmp(x->labels[l].name, l1) && !strcmp(x->labels[l].value, v1))
                ok |= 1;
            if (l2 && !strcmp(x->labels[l].name, l2) && !strcmp(x->labels[l].value, v2))
                ok |= 2;
        }
        if (ok == (l1 ? 1 : 0) + (l2 ? 2 : 0))
            return x;
    }
    return NULL;
}

static void snapshot(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    struct rec_cell *c = rec_cell_get(f.r.total, 1, 0, 0);
    assert_non_null(c);
    for (int64_t v = 1000; v < 3000; v += 7) { /* 1 ms .. 3 ms */
        hdr_record(c->latency, v);
        hdr_record(c->service, v / 2);
    }
    hdr_record(c->latency, 250000); /* one slow one */
    c->completed = hdr_count(c->latency);
    c->outcomes[OC_2XX] = c->completed - 5;
    c->outcomes[OC_429] = 5;
    c->throttled_by[3] = 5;
    struct rec_cell *c2 = rec_cell_get(f.r.total, 1, 0, 1);
    hdr_record(c2->latency, 0);
    c2->completed = 1;
    c2->outcomes[OC_5XX] = 1;
    f.r.total->by_phase[1].scheduled = 300;
    f.r.total->by_phase[1].late = 2;
    f.r.total->by_phase[1].stream_waits = 4;

    struct metrics_ident id = {.run_id = "run-1", .scenario = "demo", .shard = 2};
    struct metrics_snap *s;
    assert_int_equal(metrics_snap_build(&f.scn, &id, &f.r, &f.iv, 1700000000123, true, &s), 0);
    const struct metrics_series *x;
    assert_non_null(x = find(s, "gatecap_requests_total", "node", "gw1", "outcome", "2xx", false));
    assert_true(x->value == (double)(c->completed - 5));
    /* labels sorted by name, the shard on every series */
    for (size_t i = 0; i < s->n_series; i++) {
        bool shard = false;
        for (size_t l = 0; l < s->series[i].n_labels; l++) {
            if (l)
                assert_true(strcmp(s->series[i].labels[l - 1].name, s->series[i].labels[l].name) <
                            0);
            if (!strcmp(s->series[i].labels[l].name, "shard")) {
                assert_string_equal(s->series[i].labels[l].value, "2");
                shard = true;
            }
        }
        assert_true(shard);
    }
    assert_non_null(
        x = find(s, "gatecap_throttled_total", "code", "application", NULL, NULL, false));
    assert_true(x->value == 5);
    assert_non_null(find(s, "gatecap_requests_total", "node", "gw2", "outcome", "5xx", false));
    assert_null(find(s, "gatecap_requests_total", "node", "gw2", "outcome", "2xx", false));
    assert_non_null(x = find(s, "gatecap_phase", "phase", "steady \"1\"", NULL, NULL, false));
    assert_true(x->value == 1);
    assert_non_null(x = find(s, "gatecap_late_total", "phase", "steady \"1\"", NULL, NULL, false));
    assert_true(x->value == 2);
    assert_non_null(
        x = find(s, "gatecap_stream_waits_total", "phase", "steady \"1\"", NULL, NULL, false));
    assert_true(x->value == 4);
    assert_non_null(x = find(s, "gatecap_cpu_seconds_total", NULL, NULL, NULL, NULL, false));
    assert_true(fabs(x->value - 0.5) < 1e-12);
    assert_non_null(x = find(s, "gatecap_requests_in_flight", NULL, NULL, NULL, NULL, false));
    assert_true(x->value == 3);
    assert_non_null(x = find(s, "gatecap_run_info", "run_id", "run-1", "scenario", "demo", false));

    /* classic: cumulative, +Inf = count; 2 ms holds the values up to 2000 */
    int64_t upto2ms = 0;
    for (int64_t v = 1000; v < 3000; v += 7)
        upto2ms += v <= 2000;
    assert_non_null(
        x = find(s, "gatecap_latency_seconds_bucket", "node", "gw1", "le", "0.002", false));
    assert_true(x->value == (double)upto2ms);
    assert_non_null(
        x = find(s, "gatecap_latency_seconds_bucket", "node", "gw1", "le", "+Inf", false));
    assert_true(x->value == (double)c->completed);
    assert_non_null(x = find(s, "gatecap_latency_seconds_count", "node", "gw1", NULL, NULL, false));
    assert_true(x->value == (double)c->completed);
    assert_non_null(x = find(s, "gatecap_latency_seconds_sum", "node", "gw1", NULL, NULL, false));
    assert_true(fabs(x->value - (hdr_mean(c->latency) * (double)c->completed) / 1e6) < 1e-6);

    /* native: counts add up; the bucket where the cumulative count first
     * reaches 0.99 × count holds results.json's p99 */
    assert_non_null(x = find(s, "gatecap_latency_seconds", "node", "gw1", NULL, NULL, true));
    const struct metrics_native *nh = x->native;
    assert_int_equal(nh->schema, METRICS_SCHEMA);
    int64_t total = nh->zero_count;
    for (size_t i = 0; i < nh->n; i++) {
        assert_true(nh->cnt[i] > 0);
        if (i)
            assert_true(nh->index[i] > nh->index[i - 1]);
        total += nh->cnt[i];
    }
    assert_int_equal(total, nh->count);
    assert_int_equal(nh->count, c->completed);
    double p99_s = (double)hdr_value_at_percentile(c->latency, 99) / 1e6;
    int64_t cum = nh->zero_count;
    size_t at = 0;
    while (at < nh->n && (double)(cum + nh->cnt[at]) < 0.99 * (double)nh->count)
        cum += nh->cnt[at++];
    assert_true(at < nh->n);
    assert_int_equal(nh->index[at], metrics_bucket_index(p99_s, METRICS_SCHEMA));
    /* gw2's 0 µs went to the zero bucket */
    assert_non_null(x = find(s, "gatecap_latency_seconds", "node", "gw2", NULL, NULL, true));
    assert_int_equal(x->native->zero_count, 1);
    assert_int_equal(x->native->n, 0);

    /* text: families once, escaped values, no native histogram */
    char *text;
    size_t len;
    assert_int_equal(metrics_text(s, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, "# TYPE gatecap_latency_seconds histogram\n"));
    assert_non_null(strstr(text, "# TYPE gatecap_requests_total counter\n"));
    assert_non_null(strstr(text, "gatecap_phase{phase=\"steady \\\"1\\\"\",shard=\"2\"} 1\n"));
    char want[256];
    snprintf(want, sizeof want,
             "gatecap_requests_total{node=\"gw1\",outcome=\"2xx\",phase=\"steady \\\"1\\\"\","
             "request=\"echo\",shard=\"2\"} %lld\n",
             (long long)(c->completed - 5));
    assert_non_null(strstr(text, want));
    char *p = strstr(text, "# TYPE gatecap_latency_seconds histogram");
    assert_null(strstr(p + 1, "# TYPE gatecap_latency_seconds histogram"));
    assert_null(strstr(text, "gatecap_latency_seconds{"));
    free(text);

    /* remote write: snappy, then protobuf */
    uint8_t *rw;
    size_t rw_len;
    assert_int_equal(metrics_rw(s, &rw, &rw_len), 0);
    size_t plen;
    assert_int_equal(snappy_uncompressed_length((const char *)rw, rw_len, &plen), SNAPPY_OK);
    char *plain = malloc(plen);
    assert_int_equal(snappy_uncompress((const char *)rw, rw_len, plain, &plen), SNAPPY_OK);
    Prometheus__WriteRequest *wr =
        prometheus__write_request__unpack(NULL, plen, (const uint8_t *)plain);
    assert_non_null(wr);
    assert_int_equal(wr->n_timeseries, s->n_series);
    size_t natives = 0;
    for (size_t i = 0; i < wr->n_timeseries; i++) {
        const Prometheus__TimeSeries *t = wr->timeseries[i];
        assert_string_equal(t->labels[0]->name, "__name__");
        assert_string_equal(t->labels[0]->value, s->series[i].name);
        for (size_t l = 1; l + 1 < t->n_labels; l++)
            assert_true(strcmp(t->labels[l]->name, t->labels[l + 1]->name) < 0);
        assert_int_equal(t->n_samples + t->n_histograms, 1);
        if (t->n_samples) {
            assert_true(t->samples[0]->value == s->series[i].value);
            assert_int_equal(t->samples[0]->timestamp, 1700000000123);
            continue;
        }
        natives++;
        const Prometheus__Histogram *h = t->histograms[0];
        const struct metrics_native *n = s->series[i].native;
        assert_int_equal(h->timestamp, 1700000000123);
        assert_int_equal(h->count_case, PROMETHEUS__HISTOGRAM__COUNT_COUNT_INT);
        assert_int_equal(h->count_int, n->count);
        assert_int_equal(h->zero_count_int, n->zero_count);
        assert_int_equal(h->schema, METRICS_SCHEMA);
        /* spans and deltas back to (index, count) */
        size_t k = 0;
        int32_t idx = 0;
        int64_t cnt = 0;
        for (size_t sp = 0; sp < h->n_positive_spans; sp++) {
            idx += h->positive_spans[sp]->offset;
            for (uint32_t j = 0; j < h->positive_spans[sp]->length; j++, k++, idx++) {
                cnt += h->positive_deltas[k];
                assert_int_equal(idx, n->index[k]);
                assert_int_equal(cnt, n->cnt[k]);
            }
        }
        assert_int_equal(k, n->n);
    }
    assert_int_equal(natives, 4); /* latency and service of two cells */
    prometheus__write_request__free_unpacked(wr, NULL);
    free(plain);
    free(rw);

    /* without native histograms: none in the snapshot */
    struct metrics_snap *s2;
    assert_int_equal(metrics_snap_build(&f.scn, &id, &f.r, &f.iv, 1, false, &s2), 0);
    for (size_t i = 0; i < s2->n_series; i++)
        assert_null(s2->series[i].native);
    assert_int_equal(s2->n_series, s->n_series - 4);
    metrics_snap_unref(s2);
    metrics_snap_unref(metrics_snap_ref(s));
    metrics_snap_unref(s);
    rec_set_free(f.r.total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bucket_index),
        cmocka_unit_test(snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
