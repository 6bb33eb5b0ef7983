/* tests/output/test_merge.c — gatecap merge's module (harness/output/
 * merge.c, merge_hlog.c, merge_doc.c) on shards written by the real writer
 * (testresults.h: results.c) with interval logs written by hlog.c as a run
 * writes them:
 *  (a) values split at random over N shards merge to histograms identical,
 *      slot by slot, to one histogram of all the values (cells and
 *      intervals);
 *  (b) a planted case where the mean of the shards' p99s is wrong (505 ms)
 *      and the merged p99 is right (10 ms);
 *  (c) a missing shard, a duplicate, a different digest, different
 *      histogram settings: the right error, naming them;
 *  (d) gates evaluated on the merged data: a gate each shard passes that
 *      the merge fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <malloc.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/rng.h"
#include "measure/hdr.h"
#include "measure/hlog.h"
#include "measure/recorder_flow.h"
#include "output/merge.h"
#include "output/results.h"
#include "output/results_read.h"
#include "run/gate_eval.h"
#include "testresults.h"
#include "testutil.h"

static const char YAML[] = "name: sharded\n"
                           "targets:\n"
                           "  - {url: 'http://127.0.0.1:8280', name: gw1}\n"
                           "  - {url: 'http://127.0.0.2:8280', name: gw2}\n"
                           "requests:\n"
                           "  - {name: echo, path: /echo}\n"
                           "load:\n"
                           "  workers: 1\n"
                           "  phases:\n"
                           "    - {name: steady, duration: 2s, rate: 100/s}\n"
                           "gates:\n"
                           "  - p99 < 100ms\n"
                           "  - {gate: 'requests >= 1', node: '*'}\n"
                           "  - 'errors < 2%'\n"
                           "  - 'errors < 10'\n";

static struct scenario *g_scn;
static const char *const NODES[] = {"gw1", "gw2"};

static int setup(void **state)
{
    if (test_dir_setup(state))
        return -1;
    char err[512];
    if (scenario_load_mem("merge.yaml", YAML, strlen(YAML), NULL, 0, &g_scn, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    scenario_free(g_scn);
    return test_dir_teardown(state);
}

/* ---- shards written as runs write them ---- */

/* One shard being written: its run, its interval log. */
struct fx {
    struct engine_result *r;
    char dir[256];
    FILE *hlog;
    struct hlog_writer w;
    size_t k;
};

static void fx_begin(struct fx *f, const char *run, int idx, size_t n_intervals)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s/%s", test_dir, run);
    mkdir(f->dir, 0755);
    snprintf(f->dir, sizeof f->dir, "%s/%s/shard-%d", test_dir, run, idx);
    assert_int_equal(mkdir(f->dir, 0755), 0);
    f->r = tr_run(g_scn, NODES, 2, n_intervals);
    char path[320];
    snprintf(path, sizeof path, "%s/run.hlog", f->dir);
    assert_non_null(f->hlog = fopen(path, "w"));
    assert_int_equal(hlog_writer_open(&f->w, f->hlog, (int64_t)(f->r->start_epoch_s * 1000)), 0);
}

/* Interval f->k of 1 s from set s (taken): results, and the log's lines
 * as the session writes them (untagged: all; latency|service/P/R/N). */
static void fx_interval(struct fx *f, struct rec_set *s)
{
    size_t k = f->k++;
    int64_t done = 0;
    for (size_t n = 0; n < 2; n++) {
        const struct rec_cell *c = rec_cell_peek(s, 0, 0, n);
        done += c ? c->completed : 0;
    }
    tr_scheduled(s, 0, done);
    s->health.stream_waits += (int64_t)k + 1; /* HTTP/2 streams waited for */
    tr_interval(g_scn, f->r, k, 0, (double)k, 1.0, s);
    int64_t start_ms = (int64_t)(f->r->start_epoch_s * 1000) + (int64_t)k * 1000;
    struct rec_cell *all = rec_cell_new();
    rec_set_sum(s, 2, SIZE_MAX, SIZE_MAX, SIZE_MAX, all);
    assert_int_equal(hlog_writer_interval(&f->w, NULL, start_ms, 1000, all->latency), 0);
    rec_cell_free(all);
    for (size_t n = 0; n < 2; n++) {
        const struct rec_cell *c = rec_cell_peek(s, 0, 0, n);
        if (!c || !c->completed)
            continue;
        char tag[128];
        snprintf(tag, sizeof tag, "latency/steady/echo/%s", NODES[n]);
        assert_int_equal(hlog_writer_interval(&f->w, tag, start_ms, 1000, c->latency), 0);
        snprintf(tag, sizeof tag, "service/steady/echo/%s", NODES[n]);
        assert_int_equal(hlog_writer_interval(&f->w, tag, start_ms, 1000, c->service), 0);
    }
    tr_add(f->r, s);
    rec_set_free(s);
}

/* Writes results.json with its "shard" member (edit may change the
 * document first) and frees the run. */
static void fx_end(struct fx *f, int idx, int count, const char *digest, void (*edit)(json_t *))
{
    assert_int_equal(hlog_writer_finish(&f->w), 0);
    assert_int_equal(fclose(f->hlog), 0);
    json_t *doc = tr_doc(g_scn, f->r);
    json_object_set_new(doc, "shard",
                        json_pack("{s:i,s:i,s:s,s:s,s:s,s:n,s:n,s:s,s:f,s:{s:b,s:i,s:f,s:f,s:f}}",
                                  "index", idx, "count", count, "source", "option", "run_id",
                                  "test-run", "scenario_digest", digest, "start_at",
                                  "start_at_epoch_s", "host", "gen", "release_offset_ms", 0.25,
                                  "clock", "synchronised", 1, "state", 0, "maxerror_ms", 16.0,
                                  "esterror_ms", 0.5, "offset_ms", idx == 1 ? 25.0 : 0.0));
    if (edit)
        edit(doc);
    char path[320];
    snprintf(path, sizeof path, "%s/results.json", f->dir);
    tr_save(doc, path);
    engine_result_free(f->r);
}

static const char DIGEST[] =
    "sha256:00000000000000000000000000000000000000000000000000000000000000aa";

/* n requests of latency v µs on (steady, echo, node) in s; outcome oc. */
static void put(struct rec_set *s, size_t node, int64_t v, int64_t n, enum rec_outcome oc)
{
    struct rec_cell *c = rec_cell_get(s, 0, 0, node);
    assert_non_null(c);
    if (node >= s->n_nodes)
        s->n_nodes = node + 1;
    assert_int_equal(hdr_record_n(c->latency, v, n), HDR_OK);
    assert_int_equal(hdr_record_n(c->service, v * 3 / 4, n), HDR_OK);
    assert_int_equal(hdr_record_n(c->ttfb, v / 2 + 1, n), HDR_OK);
    assert_int_equal(hdr_record_n(c->connect, v / 10 + 1, n), HDR_OK);
    c->outcomes[oc] += n;
    c->completed += n;
}

/* The shards' paths under test_dir/run: shard-I/results.json for I in
 * idx[0..n). */
static char **paths_of(const char *run, const int *idx, size_t n)
{
    char **p = calloc(n, sizeof *p);
    for (size_t i = 0; i < n; i++)
        assert_true(asprintf(&p[i], "%s/%s/shard-%d/results.json", test_dir, run, idx[i]) > 0);
    return p;
}

static void paths_free(char **p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i]);
    free(p);
}

/* Loads the shards, merges the logs (into a file) and the gates. */
static struct merge *merged(const char *run, const int *idx, size_t n)
{
    char **p = paths_of(run, idx, n);
    struct merge *m = NULL;
    char err[2048] = "";
    int rc = merge_load(p, n, run, MERGE_CLOCK_TOLERANCE_MS, &m, err, sizeof err);
    if (rc)
        fail_msg("merge_load: %s", err);
    char hl[320];
    snprintf(hl, sizeof hl, "%s/%s/merged.hlog", test_dir, run);
    FILE *f = fopen(hl, "w");
    assert_non_null(f);
    if (merge_hlog(m, f, err, sizeof err))
        fail_msg("merge_hlog: %s", err);
    fclose(f);
    assert_int_equal(merge_gates(m), 0);
    paths_free(p, n);
    return m;
}

/* merge_load's error on the shards idx[0..n) of run, and its code. */
static int merge_err(const char *run, const int *idx, size_t n, char *err, size_t errlen)
{
    char **p = paths_of(run, idx, n);
    struct merge *m = NULL;
    int rc = merge_load(p, n, run, MERGE_CLOCK_TOLERANCE_MS, &m, err, errlen);
    assert_null(m);
    paths_free(p, n);
    return rc;
}

static void same_hist(const struct hdr_hist *a, const struct hdr_hist *b, const char *what)
{
    if (hdr_count(a) != hdr_count(b))
        fail_msg("%s: count %lld, expected %lld", what, (long long)hdr_count(a),
                 (long long)hdr_count(b));
    assert_int_equal(a->counts_len, b->counts_len);
    for (int32_t i = 0; i < a->counts_len; i++)
        if (a->counts[i] != b->counts[i])
            fail_msg("%s: slot %d holds %lld, expected %lld", what, i, (long long)a->counts[i],
                     (long long)b->counts[i]);
    assert_int_equal(hdr_min(a), hdr_min(b));
    assert_int_equal(hdr_max(a), hdr_max(b));
}

/* ---- (a) random split ---- */

#define N_SHARDS 4
#define N_VALUES 20000

static void random_split(void **state)
{
    (void)state;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    struct rec_cell *ref = rec_cell_new(), *ref_iv[2] = {rec_cell_new(), rec_cell_new()};
    struct rec_cell *ref_node[2] = {rec_cell_new(), rec_cell_new()};
    struct fx f[N_SHARDS];
    struct rec_set *sets[N_SHARDS][2];
    for (int i = 0; i < N_SHARDS; i++) {
        fx_begin(&f[i], "random", i, 2);
        sets[i][0] = tr_set(g_scn);
        sets[i][1] = tr_set(g_scn);
    }
    for (int v = 0; v < N_VALUES; v++) {
        /* log-uniform from 50 µs to 5 s */
        int64_t us = (int64_t)(50.0 * pow(1e5, rng_uniform(&rng)));
        int shard = (int)(rng_next(&rng) % N_SHARDS);
        size_t node = rng_next(&rng) % 2, k = rng_next(&rng) % 2;
        put(sets[shard][k], node, us, 1, OC_2XX);
        struct rec_set *one = tr_set(g_scn);
        put(one, node, us, 1, OC_2XX);
        const struct rec_cell *c = rec_cell_peek(one, 0, 0, node);
        rec_cell_add(ref, c);
        rec_cell_add(ref_iv[k], c);
        rec_cell_add(ref_node[node], c);
        rec_set_free(one);
    }
    for (int i = 0; i < N_SHARDS; i++) {
        fx_interval(&f[i], sets[i][0]);
        fx_interval(&f[i], sets[i][1]);
        fx_end(&f[i], i, N_SHARDS, DIGEST, NULL);
    }
    /* the inputs in another order than their indexes */
    const int idx[N_SHARDS] = {2, 0, 3, 1};
    struct merge *m = merged("random", idx, N_SHARDS);
    assert_int_equal(m->n, N_SHARDS);
    for (size_t i = 0; i < m->n; i++)
        assert_int_equal(m->shards[i].index, i);
    struct rec_cell *sum = rec_cell_new();
    rec_set_sum(m->r->total, m->r->n_nodes, SIZE_MAX, SIZE_MAX, SIZE_MAX, sum);
    assert_int_equal(sum->completed, N_VALUES);
    same_hist(sum->latency, ref->latency, "latency");
    same_hist(sum->service, ref->service, "service");
    same_hist(sum->ttfb, ref->ttfb, "ttfb");
    same_hist(sum->connect, ref->connect, "connect");
    for (size_t n = 0; n < 2; n++) {
        size_t mn = !strcmp(m->r->node_names[n], "gw1") ? 0 : 1;
        rec_cell_reset(sum);
        rec_set_sum(m->r->total, m->r->n_nodes, SIZE_MAX, SIZE_MAX, n, sum);
        same_hist(sum->latency, ref_node[mn]->latency, "a node's latency");
    }
    assert_int_equal(m->r->n_intervals, 2);
    for (size_t k = 0; k < 2; k++) {
        const struct engine_interval *iv = &m->r->intervals[k];
        assert_int_equal(iv->all.completed, hdr_count(ref_iv[k]->latency));
        assert_int_equal(iv->all.p50_us, hdr_value_at_percentile(ref_iv[k]->latency, 50));
        assert_int_equal(iv->all.p99_us, hdr_value_at_percentile(ref_iv[k]->latency, 99));
        assert_int_equal(iv->all.max_us, hdr_max(ref_iv[k]->latency));
        assert_int_equal(iv->all.svc_p99_us, hdr_value_at_percentile(ref_iv[k]->service, 99));
        assert_int_equal(iv->health.scheduled, hdr_count(ref_iv[k]->latency));
        assert_int_equal(iv->health.stream_waits, N_SHARDS * ((int64_t)k + 1));
    }
    /* the document: results.c's numbers of the merged histograms */
    char err[512];
    json_t *doc = merge_doc(m, err, sizeof err);
    assert_non_null(doc);
    json_t *all = json_object_get(json_object_get(doc, "totals"), "all");
    assert_int_equal(json_integer_value(json_object_get(all, "count")), N_VALUES);
    double p99 = json_real_value(json_object_get(json_object_get(all, "latency_ms"), "p99"));
    assert_true(p99 == results_ms(hdr_value_at_percentile(ref->latency, 99)));
    json_t *sh = json_object_get(doc, "shard");
    assert_true(json_is_null(json_object_get(sh, "index")));
    assert_int_equal(json_integer_value(json_object_get(sh, "count")), N_SHARDS);
    assert_true(json_is_true(json_object_get(sh, "merged")));
    assert_int_equal(json_array_size(json_object_get(doc, "shards")), N_SHARDS);
    /* shard 1's clock offset (25 ms) is beyond the 10 ms tolerance */
    assert_int_equal(m->clock_flags, 1);
    assert_true(m->shards[1].clock_flagged);
    assert_non_null(strstr(m->shards[1].clock_flag, "offset 25.000 ms"));
    /* read back by the one reader, "shards" included */
    char path[320];
    snprintf(path, sizeof path, "%s/random/merged.json", test_dir);
    assert_int_equal(results_write(doc, path), 0);
    json_decref(doc);
    struct results *back = NULL;
    if (results_read(path, RESULTS_HISTS_NONE, &back, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(back->n_shards, N_SHARDS);
    assert_true(back->shard.merged);
    assert_true(back->shards[1].clock_flagged);
    assert_int_equal((int)back->all.count, N_VALUES);
    results_free(back);
    rec_cell_free(sum);
    rec_cell_free(ref);
    for (int k = 0; k < 2; k++) {
        rec_cell_free(ref_iv[k]);
        rec_cell_free(ref_node[k]);
    }
    merge_free(m);
}

/* ---- (b) percentiles are never averaged ---- */

static void planted_p99(void **state)
{
    (void)state;
    /* shard A: 10,000 requests at 10 ms; shard B: 100 requests, 3 of
     * them at 1,000 ms. p99s: 10 ms and 1,000 ms; their mean 505 ms. The
     * p99 of the 10,100 requests is 10 ms (0.03 % are slow). */
    struct fx f;
    fx_begin(&f, "planted", 0, 1);
    struct rec_set *s = tr_set(g_scn);
    put(s, 0, 10000, 10000, OC_2XX);
    fx_interval(&f, s);
    fx_end(&f, 0, 2, DIGEST, NULL);
    fx_begin(&f, "planted", 1, 1);
    s = tr_set(g_scn);
    put(s, 1, 10000, 97, OC_2XX);
    put(s, 1, 1000000, 3, OC_2XX);
    fx_interval(&f, s);
    fx_end(&f, 1, 2, DIGEST, NULL);

    char err[512];
    double shard_p99[2];
    for (int i = 0; i < 2; i++) {
        char path[320];
        struct results *x = NULL;
        snprintf(path, sizeof path, "%s/planted/shard-%d/results.json", test_dir, i);
        assert_int_equal(results_read(path, RESULTS_HISTS_NONE, &x, err, sizeof err), 0);
        shard_p99[i] = x->all.latency.p99;
        results_free(x);
    }
    assert_true(fabs(shard_p99[0] - 10.0) < 0.01);
    assert_true(fabs(shard_p99[1] - 1000.0) < 1.0);
    double averaged = (shard_p99[0] + shard_p99[1]) / 2;
    assert_true(averaged > 500 && averaged < 506);

    const int idx[] = {0, 1};
    struct merge *m = merged("planted", idx, 2);
    struct rec_cell *sum = rec_cell_new();
    rec_set_sum(m->r->total, m->r->n_nodes, SIZE_MAX, SIZE_MAX, SIZE_MAX, sum);
    assert_int_equal(sum->completed, 10100);
    double p99_ms = results_ms(hdr_value_at_percentile(sum->latency, 99));
    assert_true(fabs(p99_ms - 10.0) < 0.01);
    /* the interval's p99 (from the merged run.hlog) too */
    assert_true(fabs(results_ms(m->r->intervals[0].all.p99_us) - 10.0) < 0.01);
    /* and the gate "p99 < 100ms" passes on the merged run, though shard B
     * alone fails it */
    assert_int_equal(m->verdicts[0].gate, 0);
    assert_int_equal(m->verdicts[0].outcome, GATE_PASS);
    rec_cell_free(sum);
    merge_free(m);
}

/* ---- (c) wrong sets of shards ---- */

static void other_digest(json_t *doc)
{
    json_object_set_new(json_object_get(doc, "shard"), "scenario_digest",
                        json_string("sha256:ffff"));
}

/* The latency histograms re-encoded at 2 significant figures. */
static void other_settings(json_t *doc)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cells"), i, c)
    {
        json_t *hs = json_object_get(c, "histograms");
        struct hdr_hist *h = NULL, *h2 = NULL;
        assert_int_equal(results_hist(json_string_value(json_object_get(hs, "latency")), &h), 0);
        assert_int_equal(hdr_init(1, h->highest_trackable, 2, &h2), 0);
        hdr_add(h2, h);
        json_object_set_new(hs, "latency", (json_t *)results_hist_base64(h2));
        hdr_close(h);
        hdr_close(h2);
    }
}

static void one_shard(const char *run, int idx, int count, void (*edit)(json_t *))
{
    struct fx f;
    fx_begin(&f, run, idx, 1);
    struct rec_set *s = tr_set(g_scn);
    put(s, (size_t)idx % 2, 2000 + idx, 50, OC_2XX);
    fx_interval(&f, s);
    fx_end(&f, idx, count, DIGEST, edit);
}

static void wrong_sets(void **state)
{
    (void)state;
    char err[2048];
    for (int i = 0; i < 3; i++)
        one_shard("three", i, 3, NULL);
    /* missing */
    const int two[] = {0, 2};
    assert_int_equal(merge_err("three", two, 2, err, sizeof err), MERGE_ESHARDS);
    assert_non_null(strstr(err, "shard 1 of 3 is missing (run test-run): found shards 0, 2 in "
                                "three"));
    /* duplicate */
    const int dup[] = {0, 1, 1, 2};
    assert_int_equal(merge_err("three", dup, 4, err, sizeof err), MERGE_ESHARDS);
    assert_non_null(strstr(err, "shard 1 of 3 appears twice"));
    assert_non_null(strstr(err, "shard-1/results.json and"));
    /* a different scenario digest */
    one_shard("digest", 0, 2, NULL);
    one_shard("digest", 1, 2, other_digest);
    const int both[] = {0, 1};
    assert_int_equal(merge_err("digest", both, 2, err, sizeof err), MERGE_ESHARDS);
    assert_non_null(strstr(err, "scenario digest"));
    assert_non_null(strstr(err, "digest/shard-1/results.json says sha256:ffff"));
    /* different histogram settings */
    one_shard("settings", 0, 2, NULL);
    one_shard("settings", 1, 2, other_settings);
    assert_int_equal(merge_err("settings", both, 2, err, sizeof err), MERGE_ESHARDS);
    assert_non_null(strstr(err, "latency histograms"));
    assert_non_null(strstr(err, "different settings"));
    /* a file that is not there: an input error naming it */
    char *p = NULL;
    assert_true(asprintf(&p, "%s/nowhere/results.json", test_dir) > 0);
    struct merge *m = NULL;
    assert_int_equal(merge_load(&p, 1, "nowhere", 10, &m, err, sizeof err), MERGE_EINPUT);
    assert_non_null(strstr(err, "nowhere/results.json"));
    free(p);
    /* a folder of shard folders is found as the shards */
    char dir[320], **paths = NULL;
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/three", test_dir);
    const char *args[] = {dir};
    assert_int_equal(merge_inputs(args, 1, &paths, &n, err, sizeof err), MERGE_OK);
    assert_int_equal(n, 3);
    assert_non_null(strstr(paths[2], "three/shard-2/results.json"));
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* ---- (d) gates on the merged data ---- */

static void gates_on_merged(void **state)
{
    (void)state;
    /* Each shard: 1,000 requests on its own node, 6 of them 5xx. On its
     * own each passes "errors < 10" (a count) and "errors < 2%"; merged,
     * 12 errors fail "errors < 10", while the share (0.6 %) still passes.
     * (A share or a percentile that every shard passes, the merge passes
     * too: for the other way round see planted_p99.) */
    struct fx f;
    for (int i = 0; i < 2; i++) {
        fx_begin(&f, "gates", i, 1);
        struct rec_set *s = tr_set(g_scn);
        put(s, (size_t)i, 5000, 994, OC_2XX);
        put(s, (size_t)i, 5000, 6, OC_5XX);
        fx_interval(&f, s);
        fx_end(&f, i, 2, DIGEST, NULL);
    }
    /* the shards' own verdicts, as their runs wrote them */
    char err[512], path[320];
    for (int i = 0; i < 2; i++) {
        struct results *x = NULL;
        snprintf(path, sizeof path, "%s/gates/shard-%d/results.json", test_dir, i);
        assert_int_equal(results_read(path, RESULTS_HISTS_NONE, &x, err, sizeof err), 0);
        assert_int_equal(x->n_gates, 5);
        assert_string_equal(x->gates[4].gate, "errors < 10");
        assert_string_equal(x->gates[4].verdict, "pass");
        assert_string_equal(x->gates[3].verdict, "pass");
        results_free(x);
    }
    const int idx[] = {0, 1};
    struct merge *m = merged("gates", idx, 2);
    assert_int_equal(m->n_verdicts, 5);
    assert_int_equal(m->verdicts[0].outcome, GATE_PASS); /* p99 < 100ms */
    assert_string_equal(m->verdicts[1].name, "gw1");
    assert_int_equal(m->verdicts[1].outcome, GATE_PASS); /* requests >= 1 per node */
    assert_string_equal(m->verdicts[2].name, "gw2");
    assert_int_equal(m->verdicts[2].outcome, GATE_PASS);
    assert_int_equal(m->verdicts[3].outcome, GATE_PASS); /* errors < 2%: 0.6 % */
    assert_int_equal(m->verdicts[4].outcome, GATE_FAIL); /* errors < 10: 12 */
    assert_true(m->verdicts[4].measured == 12);
    assert_int_equal(m->gates_failed, 1);
    json_t *doc = merge_doc(m, err, sizeof err);
    assert_non_null(doc);
    json_t *g4 = json_array_get(json_object_get(doc, "gates"), 4);
    assert_string_equal(json_string_value(json_object_get(g4, "verdict")), "fail");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(doc, "run"), "gates_failed")), 1);
    json_decref(doc);
    merge_free(m);
}

/* ---- (e) flows and checks ---- */

static const char FLOW_YAML[] =
    "name: sharded\n"
    "targets: [{url: 'http://127.0.0.1:8280', name: gw1}]\n"
    "flows:\n"
    "  - name: pay\n"
    "    steps:\n"
    "      - {name: consent, method: POST, path: /c, checks: [{name: created, status: 201}]}\n"
    "      - {name: status, path: /s}\n"
    "load: {workers: 1, phases: [{name: steady, duration: 1s, rate: 10/s}]}\n"
    "gates: ['flow.pay.p99 < 250ms', 'flow.pay.completed >= 95%', 'checks.created >= 99%']\n";

/* Shard idx of 2: completed instances of the flow in dur_us each, failed
 * ones at step "status" by check "created"; the check's passes and
 * failures, with example ex when it failed. */
static void flow_shard(const char *run, struct scenario *scn, int idx, int64_t completed,
                       int64_t dur_us, int64_t failed, const char *ex)
{
    char dir[320], path[360];
    snprintf(dir, sizeof dir, "%s/%s", test_dir, run);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/%s/shard-%d", test_dir, run, idx);
    assert_int_equal(mkdir(dir, 0755), 0);
    struct engine_result *r = tr_run(scn, NODES, 1, 1);
    assert_int_equal(scn_rec_flows(scn, r->total), 0);
    struct rec_flow *c = rec_flow_get(r->total, 0, 0);
    assert_non_null(c);
    c->started = completed + failed;
    c->completed = completed;
    c->failed = failed;
    c->failed_by_step[1] = failed;
    c->failed_by_check[0] = failed;
    assert_int_equal(hdr_record_n(c->duration, dur_us, completed), HDR_OK);
    struct rec_check *k = &r->total->flows->checks[0];
    k->passed = completed;
    k->failed = failed;
    snprintf(k->example, sizeof k->example, "%s", ex ? ex : "");
    json_t *doc = tr_doc(scn, r);
    json_object_set_new(doc, "shard",
                        json_pack("{s:i,s:i,s:s,s:s,s:s,s:n,s:n}", "index", idx, "count", 2,
                                  "source", "option", "run_id", "test-run", "scenario_digest",
                                  DIGEST, "start_at", "start_at_epoch_s"));
    snprintf(path, sizeof path, "%s/results.json", dir);
    tr_save(doc, path);
    snprintf(path, sizeof path, "%s/run.hlog", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    engine_result_free(r);
}

static void flows_summed(void **state)
{
    (void)state;
    struct scenario *scn = tr_scenario(FLOW_YAML);
    /* each shard on its own passes "completed >= 95%" (97/100, 98/100) and
     * only shard 1 fails the p99 (300 ms); merged: 195/200 = 97.5 %, and
     * p99 is 300 ms (more than 1 % of the instances) */
    flow_shard("flows", scn, 0, 97, 100000, 3, "HTTP 500 from gw1: first");
    flow_shard("flows", scn, 1, 98, 300000, 2, "HTTP 500 from gw1: second");
    char **p = paths_of("flows", (const int[]){0, 1}, 2);
    struct merge *m = NULL;
    char err[2048] = "";
    if (merge_load(p, 2, "flows", MERGE_CLOCK_TOLERANCE_MS, &m, err, sizeof err))
        fail_msg("merge_load: %s", err);
    paths_free(p, 2);
    assert_int_equal(merge_gates(m), 0);
    assert_int_equal(m->n_verdicts, 3);
    assert_int_equal(m->verdicts[0].outcome, GATE_FAIL);
    assert_true(fabs(m->verdicts[0].measured - 300) < 1);
    assert_int_equal(m->verdicts[1].outcome, GATE_PASS);
    assert_true(fabs(m->verdicts[1].measured - 97.5) < 1e-9);
    assert_int_equal(m->verdicts[2].outcome, GATE_FAIL); /* 195 of 200 passed */
    json_t *doc = merge_doc(m, err, sizeof err);
    assert_non_null(doc);
    json_t *fl = json_array_get(json_object_get(doc, "flows"), 0);
    assert_non_null(fl);
    assert_string_equal(json_string_value(json_object_get(fl, "name")), "pay");
    json_t *tot = json_object_get(fl, "totals");
    assert_int_equal(json_integer_value(json_object_get(tot, "started")), 200);
    assert_int_equal(json_integer_value(json_object_get(tot, "completed")), 195);
    assert_int_equal(json_integer_value(json_object_get(tot, "failed")), 5);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(tot, "failed_by_step"), "pay.status")),
        5);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(tot, "failed_by_check"), "created")), 5);
    json_t *dur = json_object_get(tot, "duration");
    assert_int_equal(json_integer_value(json_object_get(dur, "count")), 195);
    assert_true(fabs(json_number_value(json_object_get(dur, "p50")) - 300) < 1);
    assert_true(fabs(json_number_value(json_object_get(dur, "min")) - 100) < 1);
    json_t *ph = json_array_get(json_object_get(fl, "by_phase"), 0);
    assert_string_equal(json_string_value(json_object_get(ph, "phase")), "steady");
    assert_true(json_is_string(json_object_get(ph, "duration_hist")));
    json_t *ck = json_array_get(json_object_get(doc, "checks"), 0);
    assert_string_equal(json_string_value(json_object_get(ck, "name")), "created");
    assert_int_equal(json_integer_value(json_object_get(ck, "passed")), 195);
    assert_int_equal(json_integer_value(json_object_get(ck, "failed")), 5);
    assert_string_equal(json_string_value(json_object_get(ck, "example")),
                        "HTTP 500 from gw1: first");
    json_decref(doc);
    merge_free(m);

    /* shards whose checks differ are not one run's (no gates: they would
     * differ first) */
    char one[sizeof FLOW_YAML], two[sizeof FLOW_YAML];
    snprintf(one, sizeof one, "%s", FLOW_YAML);
    *strstr(one, "gates:") = '\0';
    snprintf(two, sizeof two, "%s", one);
    memcpy(strstr(two, "name: created"), "name: creaTed", 13);
    struct scenario *scn1 = tr_scenario(one), *scn2 = tr_scenario(two);
    flow_shard("flowdiff", scn1, 0, 10, 1000, 0, NULL);
    flow_shard("flowdiff", scn2, 1, 10, 1000, 0, NULL);
    p = paths_of("flowdiff", (const int[]){0, 1}, 2);
    assert_int_equal(merge_load(p, 2, "flowdiff", MERGE_CLOCK_TOLERANCE_MS, &m, err, sizeof err),
                     MERGE_ESHARDS);
    assert_null(m);
    paths_free(p, 2);
    if (!strstr(err, "differ in the checks"))
        fail_msg("%s", err);
    scenario_free(scn1);
    scenario_free(scn2);
    scenario_free(scn);
}

int main(void)
{
    /* as gatecap's main does (harness/cli/main.c): freed histograms stay
     * in the heap for the next */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_split), cmocka_unit_test(planted_p99),
        cmocka_unit_test(wrong_sets),   cmocka_unit_test(gates_on_merged),
        cmocka_unit_test(flows_summed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
