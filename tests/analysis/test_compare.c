/* tests/analysis/test_compare.c — `gatecap compare`'s logic (harness/analysis/compare.c) on
 * small results.json files built here: identical runs, a planted latency
 * regression, noise that moves the totals but not the intervals, too few
 * samples, per-request rows, throughput and error directions, which
 * intervals count, tolerances, and every refusal (missing, corrupt,
 * foreign or incompatible files). The files are written by results.c from
 * runs built with a real recorder (tests/testresults.h); a test that
 * needs what no run writes (a damaged number, an older file) edits that. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "analysis/compare.h"
#include "testresults.h"
#include "testutil.h"

/* ---- fixtures: results.json written by results.c (tests/testresults.h) ---- */

/* Deterministic noise in [-1, 1]. */
static double wobble(unsigned k)
{
    unsigned x = k * 2654435761u + 12345u;
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    x ^= x >> 15;
    return (double)(x % 2001) / 1000.0 - 1;
}

/* What a run differs by. */
struct spec {
    const char *name;    /* the scenario's name ("s") */
    bool closed;         /* load.model: closed */
    int n;               /* whole intervals of the recorded phase (12) */
    double latency;      /* every latency of the run × this (1) */
    double throughput;   /* every completion × this (1) */
    int errors;          /* 5xx among the totals' completions */
    int interval_errors; /* 5xx in each odd interval */
    bool reversed;       /* the intervals' latencies in the reverse order */
    bool no_b;           /* request b never sent */
    bool one_node;       /* every request answered by n1 */
    bool n3;             /* a third node, n3, in the totals */
    const char *refused; /* node (or "*": every node) that refused every connection */
    double steady_rps;   /* the recorded phase's rate; 0: 100/s */
    bool limited, interrupted;
};

/* A spec: what is not given is the usual run (scenario "s", 12 intervals,
 * latency and throughput × 1). */
#define SPEC(...) ((struct spec){__VA_ARGS__})

static bool refused_on(const struct spec *sp, size_t node)
{
    static const char *const names[] = {"n1", "n2", "n3"};
    return sp->refused && (!strcmp(sp->refused, "*") || !strcmp(sp->refused, names[node]));
}

/* Records n answers of request q on node into s (phase p): latencies
 * lat_us, lat_us + step_us, ... (none when the node refused), e of them
 * 5xx. */
static void answers(const struct spec *sp, struct rec_set *s, size_t p, size_t q, size_t node,
                    int64_t n, int64_t lat_us, int64_t step_us, int64_t e)
{
    if (sp->one_node)
        node = 0;
    if (refused_on(sp, node)) {
        tr_record(s, p, q, node, n, 0, 0, OC_REFUSED);
        return;
    }
    if (n > e)
        tr_record(s, p, q, node, n - e, lat_us, step_us, OC_2XX);
    if (e)
        tr_record(s, p, q, node, e, lat_us, step_us, OC_5XX);
}

/* One interval: `done` completions of phase p split between requests a
 * (80 %) and b and nodes n1 and n2, at latencies from lat_us, e of them
 * 5xx. */
static void interval(const struct spec *sp, const struct scenario *scn, struct engine_result *r,
                     size_t i, size_t p, double length_s, int64_t scheduled, int64_t done,
                     int64_t lat_us, int64_t e)
{
    struct rec_set *s = tr_set(scn);
    tr_scheduled(s, p, scheduled);
    int64_t a = sp->no_b ? done : done * 4 / 5, b = done - a;
    answers(sp, s, p, 0, 0, a / 2, lat_us, 2, e);
    answers(sp, s, p, 0, 1, a - a / 2, lat_us, 2, 0);
    if (b) {
        answers(sp, s, p, 1, 0, b / 2, lat_us, 2, 0);
        answers(sp, s, p, 1, 1, b - b / 2, lat_us, 2, 0);
    }
    tr_interval(scn, r, i, p, (double)i, length_s, s);
    rec_set_free(s);
}

/* A run: a warm-up phase (2 intervals, not recorded, with absurd
 * latencies), sp->n whole intervals of the recorded phase "steady", a
 * partial interval and one without arrivals, both with absurd latencies
 * too: none of those may count. Requests a and b, nodes n1 and n2, about
 * 1 ms, 100 req/s. The totals hold latencies from 400 to 1560 µs in
 * steps of 40 (so that × 1.2, × 1.3 and × 0.7 are exact to the
 * microsecond); the intervals wobble by 4 % around 1 ms. */
static json_t *make_run(struct spec sp)
{
    sp.name = sp.name ? sp.name : "s";
    sp.n = sp.n ? sp.n : 12;
    sp.latency = sp.latency > 0 ? sp.latency : 1;
    sp.throughput = sp.throughput > 0 ? sp.throughput : 1;
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "name: %s\n"
             "targets: ['http://127.0.0.1:8280', 'http://127.0.0.2:8280']\n"
             "requests: [{name: a, path: /a, weight: 4}, {name: b, path: /b}]\n"
             "load:\n"
             "  model: %s\n"
             "  phases:\n"
             "    - {name: warm, duration: 2s, %s, record: false}\n"
             "    - {name: steady, duration: %ds, %s}\n",
             sp.name, sp.closed ? "closed" : "open", sp.closed ? "users: 10" : "rate: 100/s", sp.n,
             sp.closed           ? "users: 10"
             : sp.steady_rps > 0 ? "rate: 200/s"
                                 : "rate: 100/s");
    struct scenario *scn = tr_scenario(yaml);
    const char *nodes[] = {"n1", "n2", "n3"};
    size_t n = (size_t)sp.n;
    struct engine_result *r = tr_run(scn, nodes, sp.n3 ? 3 : 2, n + 4);
    for (size_t i = 0; i < 2; i++)
        interval(&sp, scn, r, i, 0, 1, 100, 100, 5000000, 0);
    for (size_t i = 0; i < n; i++) {
        size_t k = sp.reversed ? n - 1 - i : i;
        double w = 1 + 0.04 * wobble((unsigned)k);
        interval(&sp, scn, r, 2 + i, 1, 1, 100, llround(100 * sp.throughput),
                 llround(1000 * w * sp.latency), i % 2 ? sp.interval_errors : 0);
        r->intervals[2 + i].achieved_rps = (100 + 2 * wobble(500 + (unsigned)k)) * sp.throughput;
    }
    interval(&sp, scn, r, n + 2, 1, 0.3, 30, 1, 9000000, 1);
    interval(&sp, scn, r, n + 3, 1, 1, 0, 1, 9000000, 1);
    /* the totals: 100 × n completions of steady */
    struct rec_set *s = tr_set(scn);
    int64_t total = llround(100 * sp.n * sp.throughput);
    int64_t a = sp.no_b ? total : total * 4 / 5, b = total - a;
    for (size_t node = 0; node < 2; node++) {
        for (int64_t k = 0; k < a / 2 + b / 2; k++) {
            size_t q = k < a / 2 ? 0 : 1;
            int64_t v = llround((400 + 40 * (k % 30)) * sp.latency);
            answers(&sp, s, 1, q, node, 1, v, 0, node == 0 && k < sp.errors ? 1 : 0);
        }
    }
    if (sp.n3)
        answers(&sp, s, 1, 0, 2, 10, 800, 0, 0);
    tr_add(r, s);
    rec_set_free(s);
    r->generator_limited = sp.limited;
    r->interrupted = sp.interrupted;
    json_t *doc = tr_doc(scn, r);
    tr_free(scn, r);
    return doc;
}

/* The run as an older gatecap wrote it: no per-request interval slices. */
static json_t *without_request_slices(json_t *run)
{
    size_t i;
    json_t *iv;
    json_array_foreach(json_object_get(run, "intervals"), i, iv) json_object_del(iv, "requests");
    return run;
}

static json_t *at(json_t *root, const char *a, const char *b)
{
    json_t *o = json_object_get(root, a);
    return b ? json_object_get(o, b) : o;
}

static void save(char *path, size_t n, const char *name, json_t *doc)
{
    snprintf(path, n, "%s/%s", test_dir, name);
    tr_save(doc, path);
}

static const struct compare_row *row(const struct compare_result *r, enum compare_metric m,
                                     enum compare_scope s, const char *name)
{
    for (size_t i = 0; i < r->n_rows; i++)
        if (r->rows[i].metric == m && r->rows[i].scope == s && !strcmp(r->rows[i].name, name))
            return &r->rows[i];
    fail_msg("no row %s %s %s", compare_metric_name(m), compare_scope_name(s), name);
    return NULL;
}

static bool has_note(const struct compare_result *r, const char *needle)
{
    for (size_t i = 0; i < r->n_notes; i++)
        if (strstr(r->notes[i], needle))
            return true;
    return false;
}

static int run_compare(json_t *base, json_t *cur, const struct compare_opts *o,
                       struct compare_result *res, char *err, size_t errlen)
{
    char pb[128], pc[128];
    save(pb, sizeof pb, "base.json", base);
    save(pc, sizeof pc, "cur.json", cur);
    return compare_files(pb, pc, o, res, err, errlen);
}

/* ---- tests ---- */

static void test_identical(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    assert_int_equal(run_compare(make_run(SPEC()), make_run(SPEC()), &o, &r, err, sizeof err),
                     COMPARE_OK);
    assert_string_equal(r.scenario, "s");
    assert_string_equal(r.model, "open");
    assert_int_equal(r.n_rows, 5 * CMP_N_CELL_METRICS); /* all, a, b, n1, n2 */
    assert_int_equal(r.regressions + r.noise + r.improved + r.no_data, 0);
    const struct compare_row *p99 = row(&r, CMP_P99, CMP_SCOPE_ALL, "");
    assert_int_equal(p99->test, CMP_TEST_DONE);
    /* Warm-up, partial and drain intervals do not count: 12 each. */
    assert_int_equal(p99->n_baseline, 12);
    assert_int_equal(p99->n_current, 12);
    assert_true(p99->p_value > 0.4);
    assert_true(p99->change == 0);
    /* per-request interval slices: per-request rows are tested too */
    const struct compare_row *q = row(&r, CMP_P99, CMP_SCOPE_REQUEST, "a");
    assert_int_equal(q->test, CMP_TEST_DONE);
    assert_int_equal(q->n_baseline, 12);
    assert_int_equal(row(&r, CMP_P50, CMP_SCOPE_NODE, "n2")->n_current, 12);
    assert_false(has_note(&r, "per-request"));
    compare_free(&r);

    /* Only some scopes. */
    o.scope[CMP_SCOPE_REQUEST] = false;
    assert_int_equal(run_compare(make_run(SPEC()), make_run(SPEC()), &o, &r, err, sizeof err),
                     COMPARE_OK);
    assert_int_equal(r.n_rows, 3 * CMP_N_CELL_METRICS); /* all, n1, n2 */
    assert_false(has_note(&r, "per-request"));
    compare_free(&r);
}

/* Every latency 20 % higher, in the totals and in every interval. */
static void test_regression(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    assert_int_equal(
        run_compare(make_run(SPEC()), make_run(SPEC(.latency = 1.2)), &o, &r, err, sizeof err),
        COMPARE_OK);
    static const enum compare_metric lat[] = {CMP_P50, CMP_P90, CMP_P99, CMP_P999, CMP_SERVICE_P99};
    for (size_t i = 0; i < 5; i++) {
        const struct compare_row *x = row(&r, lat[i], CMP_SCOPE_ALL, "");
        assert_int_equal(x->verdict, CMP_REGRESSION);
        assert_int_equal(x->test, CMP_TEST_DONE);
        assert_true(x->p_value < 1e-4);
        assert_true(fabs(x->change - 0.2) < 1e-9);
        assert_int_equal(row(&r, lat[i], CMP_SCOPE_NODE, "n1")->verdict, CMP_REGRESSION);
        const struct compare_row *q = row(&r, lat[i], CMP_SCOPE_REQUEST, "b");
        assert_int_equal(q->verdict, CMP_REGRESSION);
        assert_int_equal(q->test, CMP_TEST_DONE);
    }
    assert_int_equal(row(&r, CMP_THROUGHPUT, CMP_SCOPE_ALL, "")->verdict, CMP_OK);
    assert_int_equal(row(&r, CMP_ERRORS, CMP_SCOPE_ALL, "")->verdict, CMP_OK);
    assert_int_equal(r.regressions, 5 * 5);
    compare_free(&r);

    /* A tolerance of 25 % (or 5 ms on p50) lets the same change pass. */
    assert_int_equal(compare_parse_tolerance(&o, "latency=25%,p50=5ms", err, sizeof err), 0);
    assert_int_equal(
        run_compare(make_run(SPEC()), make_run(SPEC(.latency = 1.2)), &o, &r, err, sizeof err),
        COMPARE_OK);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(row(&r, CMP_P50, CMP_SCOPE_ALL, "")->verdict, CMP_OK);
    assert_true(row(&r, CMP_P50, CMP_SCOPE_ALL, "")->p_value < 1e-4); /* real, but allowed */
    compare_free(&r);

    /* Faster is better: improved, never a regression. */
    compare_opts_defaults(&o);
    assert_int_equal(
        run_compare(make_run(SPEC()), make_run(SPEC(.latency = 0.7)), &o, &r, err, sizeof err),
        COMPARE_OK);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(row(&r, CMP_P99, CMP_SCOPE_ALL, "")->verdict, CMP_IMPROVED);
    assert_true(row(&r, CMP_P99, CMP_SCOPE_ALL, "")->p_value > 0.99);
    compare_free(&r);
}

/* Without per-request interval slices (a results.json of an older
 * gatecap on either side), per-request rows rest on the tolerance alone,
 * and the notes say so once. */
static void test_request_slices(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    json_t *base = without_request_slices(make_run(SPEC()));
    json_t *cur = make_run(SPEC(.latency = 1.2));
    assert_int_equal(run_compare(base, cur, &o, &r, err, sizeof err), COMPARE_OK);
    const struct compare_row *q = row(&r, CMP_P90, CMP_SCOPE_REQUEST, "a");
    assert_int_equal(q->test, CMP_TEST_NONE);
    assert_int_equal(q->verdict, CMP_REGRESSION); /* the tolerance decides */
    assert_int_equal(row(&r, CMP_P90, CMP_SCOPE_NODE, "n1")->test, CMP_TEST_DONE);
    assert_true(has_note(&r, "per-request rows are judged on the tolerance alone"));
    compare_free(&r);
}

/* The totals' p99 30 % worse, but the intervals are the baseline's in
 * another order: the change is run-to-run noise, not a regression. */
static void test_noise(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    json_t *base = make_run(SPEC()), *cur = make_run(SPEC(.reversed = true));
    json_t *lat = at(at(cur, "totals", "all"), "latency_ms", NULL);
    double p99 = json_number_value(json_object_get(lat, "p99"));
    json_object_set_new(lat, "p99", json_real(p99 * 1.3));
    assert_int_equal(run_compare(base, cur, &o, &r, err, sizeof err), COMPARE_OK);
    const struct compare_row *x = row(&r, CMP_P99, CMP_SCOPE_ALL, "");
    assert_true(fabs(x->change - 0.3) < 1e-9);
    assert_int_equal(x->verdict, CMP_NOISE);
    assert_true(x->p_value > 0.4);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(r.noise, 1);
    compare_free(&r);
}

/* Three whole intervals a side: no test; the tolerance alone decides. */
static void test_few_samples(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    assert_int_equal(run_compare(make_run(SPEC(.n = 3)), make_run(SPEC(.n = 3, .latency = 1.2)), &o,
                                 &r, err, sizeof err),
                     COMPARE_OK);
    const struct compare_row *p50 = row(&r, CMP_P50, CMP_SCOPE_ALL, "");
    assert_int_equal(p50->verdict, CMP_REGRESSION);
    assert_int_equal(p50->test, CMP_TEST_FEW);
    assert_int_equal(p50->n_baseline, 3);
    assert_true(isnan(p50->p_value));
    assert_true(has_note(&r, "the baseline run has 3 whole intervals"));
    compare_free(&r);
}

/* Lower throughput is worse; higher is better. */
static void test_throughput(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    for (int k = 0; k < 2; k++) {
        double f = k ? 1.1 : 0.9;
        assert_int_equal(run_compare(make_run(SPEC(.n = 10)),
                                     make_run(SPEC(.n = 10, .throughput = f)), &o, &r, err,
                                     sizeof err),
                         COMPARE_OK);
        const struct compare_row *t = row(&r, CMP_THROUGHPUT, CMP_SCOPE_ALL, "");
        assert_int_equal(t->verdict, k ? CMP_IMPROVED : CMP_REGRESSION);
        assert_true(k ? t->p_value > 0.99 : t->p_value < 1e-3);
        assert_true(fabs(t->worse_by - (k ? -0.1 : 0.1)) < 1e-9);
        compare_free(&r);
    }
}

/* Error rates: percentage points, tested on per-interval error shares. */
static void test_errors(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    /* 2 pp more (40 of 2000), or within 0.1 pp (1 of 2000: 0.05 pp);
     * every odd interval has errors */
    for (int k = 0; k < 2; k++) {
        double pct = k ? 0.05 : 2;
        assert_int_equal(
            run_compare(make_run(SPEC(.n = 20)),
                        make_run(SPEC(.n = 20, .errors = k ? 1 : 40, .interval_errors = k ? 1 : 4)),
                        &o, &r, err, sizeof err),
            COMPARE_OK);
        const struct compare_row *e = row(&r, CMP_ERRORS, CMP_SCOPE_ALL, "");
        assert_true(fabs(e->change - pct) < 1e-9);
        assert_int_equal(e->verdict, k ? CMP_OK : CMP_REGRESSION);
        assert_true(e->p_value < 0.01);
        compare_free(&r);
    }
}

/* What cannot be measured is "no data", not a regression; nodes or
 * requests in one run only are notes; one request and one node in both
 * add no rows that repeat the whole run's. */
static void test_scopes(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    /* n2 refused every connection (no latency, no service time), b was
     * never sent, n3 answered */
    assert_int_equal(run_compare(make_run(SPEC(.n = 8)),
                                 make_run(SPEC(.n = 8, .refused = "n2", .no_b = true, .n3 = true)),
                                 &o, &r, err, sizeof err),
                     COMPARE_OK);
    assert_int_equal(row(&r, CMP_P99, CMP_SCOPE_NODE, "n2")->verdict, CMP_NO_DATA);
    assert_int_equal(row(&r, CMP_SERVICE_P99, CMP_SCOPE_NODE, "n2")->verdict, CMP_NO_DATA);
    assert_int_equal(row(&r, CMP_THROUGHPUT, CMP_SCOPE_NODE, "n2")->verdict, CMP_OK);
    /* only n2's five latency rows lack data */
    assert_int_equal(r.no_data, 5);
    assert_true(has_note(&r, "request b is only in the baseline"));
    assert_true(has_note(&r, "node n3 is only in the current run"));
    assert_int_equal(r.n_rows, 4 * CMP_N_CELL_METRICS); /* all, a, n1, n2 */
    compare_free(&r);
    /* a latency count of 0 alone (the service times kept): only the four
     * latency rows lack data */
    json_t *cur = make_run(SPEC(.n = 8));
    json_t *n2 = at(at(cur, "totals", "by_node"), "n2", NULL);
    json_object_set_new(at(n2, "latency_ms", NULL), "count", json_integer(0));
    assert_int_equal(run_compare(make_run(SPEC(.n = 8)), cur, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(r.no_data, 4);
    assert_int_equal(row(&r, CMP_SERVICE_P99, CMP_SCOPE_NODE, "n2")->verdict, CMP_OK);
    assert_int_equal(r.regressions, 0);
    compare_free(&r);

    /* one request and one node in both runs */
    json_t *b = make_run(SPEC(.n = 8, .no_b = true, .one_node = true));
    json_t *c = make_run(SPEC(.n = 8, .no_b = true, .one_node = true));
    assert_int_equal(run_compare(b, c, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(r.n_rows, CMP_N_CELL_METRICS);
    assert_true(has_note(&r, "one request (a) in both runs"));
    assert_true(has_note(&r, "one node (n1) in both runs"));
    compare_free(&r);
}

/* A flow and a check added to a run's document, as results_flows.c
 * writes them (the reader rebuilds nothing else for compare). */
static void add_flow(json_t *doc, double p50, double p99, int completed, int failed, int passed,
                     const char *flow, const char *check)
{
    json_t *dur =
        json_pack("{s:i,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:i}", "count", completed, "min",
                  p50 / 2, "mean", p50, "stddev", 1.0, "p50", p50, "p90", p99 * 0.9, "p99", p99,
                  "p99.9", p99, "p99.99", p99, "max", p99, "overflow", 0);
    json_t *tot =
        json_pack("{s:i,s:i,s:i,s:i,s:i,s:f,s:o,s:{},s:{}}", "started", completed + failed,
                  "completed", completed, "failed", failed, "local", 0, "unfinished", 0,
                  "completed_pct", 100.0 * completed / (completed + failed), "duration", dur,
                  "failed_by_step", "failed_by_check");
    json_object_set_new(doc, "flows",
                        json_pack("[{s:s,s:f,s:[s],s:o,s:[]}]", "name", flow, "weight", 1.0,
                                  "steps", "a", "totals", tot, "by_phase"));
    json_object_set_new(doc, "checks",
                        json_pack("[{s:s,s:i,s:i,s:f,s:n}]", "name", check, "passed", passed,
                                  "failed", 1000 - passed, "passed_pct", passed / 10.0, "example"));
}

static void test_flows_checks(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    /* the same: 4 flow rows and a check row, all ok (no interval samples) */
    json_t *b = make_run(SPEC()), *c = make_run(SPEC());
    add_flow(b, 100, 300, 990, 10, 999, "pay", "ok");
    add_flow(c, 100, 300, 990, 10, 999, "pay", "ok");
    assert_int_equal(run_compare(b, c, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(r.n_rows, 5 * CMP_N_CELL_METRICS + 5);
    assert_int_equal(r.regressions + r.noise + r.improved + r.no_data, 0);
    const struct compare_row *x = row(&r, CMP_P99, CMP_SCOPE_FLOW, "pay");
    assert_int_equal(x->test, CMP_TEST_NONE);
    assert_true(x->baseline == 300);
    assert_int_equal(row(&r, CMP_COMPLETED, CMP_SCOPE_FLOW, "pay")->verdict, CMP_OK);
    assert_int_equal(row(&r, CMP_PASSED, CMP_SCOPE_CHECK, "ok")->verdict, CMP_OK);
    compare_free(&r);
    /* worse: p90 and p99 +50 %, completed 99 % -> 95 %, check 99.9 % ->
     * 99.0 %; p50 5 % better, within the tolerance: ok */
    b = make_run(SPEC());
    c = make_run(SPEC());
    add_flow(b, 100, 300, 990, 10, 999, "pay", "ok");
    add_flow(c, 95, 450, 950, 50, 990, "pay", "ok");
    assert_int_equal(run_compare(b, c, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(row(&r, CMP_P99, CMP_SCOPE_FLOW, "pay")->verdict, CMP_REGRESSION);
    assert_int_equal(row(&r, CMP_P50, CMP_SCOPE_FLOW, "pay")->verdict, CMP_OK);
    x = row(&r, CMP_COMPLETED, CMP_SCOPE_FLOW, "pay");
    assert_int_equal(x->verdict, CMP_REGRESSION);
    assert_true(fabs(x->change + 4.0) < 1e-9); /* -4 pp */
    assert_int_equal(row(&r, CMP_PASSED, CMP_SCOPE_CHECK, "ok")->verdict, CMP_REGRESSION);
    assert_int_equal(row(&r, CMP_P90, CMP_SCOPE_FLOW, "pay")->verdict, CMP_REGRESSION);
    assert_int_equal(r.regressions, 4); /* p90, p99, completed, passed */
    compare_free(&r);
    /* better the other way round */
    b = make_run(SPEC());
    c = make_run(SPEC());
    add_flow(b, 95, 450, 950, 50, 990, "pay", "ok");
    add_flow(c, 100, 300, 990, 10, 999, "pay", "ok");
    assert_int_equal(run_compare(b, c, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(row(&r, CMP_COMPLETED, CMP_SCOPE_FLOW, "pay")->verdict, CMP_IMPROVED);
    assert_int_equal(row(&r, CMP_PASSED, CMP_SCOPE_CHECK, "ok")->verdict, CMP_IMPROVED);
    compare_free(&r);
    /* different names: notes, no rows; --scopes without flow, check */
    b = make_run(SPEC());
    c = make_run(SPEC());
    add_flow(b, 100, 300, 990, 10, 999, "pay", "ok");
    add_flow(c, 100, 300, 990, 10, 999, "refund", "fine");
    assert_int_equal(run_compare(b, c, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(r.n_rows, 5 * CMP_N_CELL_METRICS);
    assert_true(has_note(&r, "flow pay is only in the baseline"));
    assert_true(has_note(&r, "flow refund is only in the current run"));
    assert_true(has_note(&r, "check ok is only in the baseline"));
    compare_free(&r);
    o.scope[CMP_SCOPE_FLOW] = o.scope[CMP_SCOPE_CHECK] = false;
    b = make_run(SPEC());
    c = make_run(SPEC());
    add_flow(b, 100, 300, 990, 10, 999, "pay", "ok");
    add_flow(c, 100, 900, 990, 10, 999, "pay", "ok");
    assert_int_equal(run_compare(b, c, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(r.n_rows, 5 * CMP_N_CELL_METRICS);
    assert_int_equal(r.regressions, 0);
    compare_free(&r);
    /* tolerances */
    compare_opts_defaults(&o);
    assert_int_equal(compare_parse_tolerance(&o, "completed=1pp,passed=0.5", err, sizeof err), 0);
    assert_true(o.tol[CMP_COMPLETED].value == 1 && o.tol[CMP_COMPLETED].absolute);
    assert_true(o.tol[CMP_PASSED].value == 0.5);
    assert_string_equal(compare_scope_name(CMP_SCOPE_CHECK), "check");
    assert_string_equal(compare_metric_name(CMP_COMPLETED), "completed");
}

static void test_incompatible(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    assert_int_equal(run_compare(make_run(SPEC(.n = 8)), make_run(SPEC(.n = 8, .name = "t")), &o,
                                 &r, err, sizeof err),
                     COMPARE_EINCOMPATIBLE);
    assert_non_null(strstr(err, "baseline"));
    assert_non_null(strstr(err, "ran 's'"));
    assert_non_null(strstr(err, "ran 't'"));
    assert_non_null(strstr(err, "--allow-different-scenario"));
    assert_int_equal(r.n_rows, 0);

    o.allow_different_scenario = true;
    assert_int_equal(run_compare(make_run(SPEC(.n = 8)), make_run(SPEC(.n = 8, .name = "t")), &o,
                                 &r, err, sizeof err),
                     COMPARE_OK);
    assert_true(has_note(&r, "different scenarios compared on purpose"));
    compare_free(&r);

    /* Different models are never comparable. */
    assert_int_equal(run_compare(make_run(SPEC(.n = 8)), make_run(SPEC(.n = 8, .closed = true)), &o,
                                 &r, err, sizeof err),
                     COMPARE_EINCOMPATIBLE);
    assert_non_null(strstr(err, "different load models"));

    /* A generator-limited run measures gatecap, not the gateway. */
    assert_int_equal(run_compare(make_run(SPEC(.n = 8)), make_run(SPEC(.n = 8, .limited = true)),
                                 &o, &r, err, sizeof err),
                     COMPARE_EINCOMPATIBLE);
    assert_non_null(strstr(err, "current"));
    assert_non_null(strstr(err, "generator-limited"));

    /* Different phases: compared, with a note. */
    assert_int_equal(run_compare(make_run(SPEC(.n = 8)),
                                 make_run(SPEC(.n = 8, .steady_rps = 200, .interrupted = true)), &o,
                                 &r, err, sizeof err),
                     COMPARE_OK);
    assert_true(has_note(&r, "the phases differ"));
    assert_true(has_note(&r, "status is 'interrupted'"));
    compare_free(&r);
}

/* Writes the first `lines` lines of the file at from to name; returns
 * the path. */
static const char *cut(const char *from, const char *name, int lines)
{
    static char path[160];
    FILE *f = fopen(from, "r");
    assert_non_null(f);
    char text[2048] = "";
    for (int i = 0; i < lines; i++)
        assert_non_null(fgets(text + strlen(text), (int)(sizeof text - strlen(text)), f));
    fclose(f);
    test_put(path, sizeof path, name, text);
    return path;
}

static void test_bad_files(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "", good[128], p[128];
    save(good, sizeof good, "good.json", make_run(SPEC(.n = 8)));

    snprintf(p, sizeof p, "%s/missing.json", test_dir);
    assert_int_equal(compare_files(p, good, &o, &r, err, sizeof err), COMPARE_EIO);
    assert_non_null(strstr(err, "baseline"));
    assert_non_null(strstr(err, p));
    assert_non_null(strstr(err, "No such file"));

    /* a results.json cut short after its second line */
    assert_int_equal(compare_files(good, cut(good, "cut.json", 2), &o, &r, err, sizeof err),
                     COMPARE_EFORMAT);
    assert_non_null(strstr(err, "current"));
    assert_non_null(strstr(err, "cut.json:3:"));
    assert_non_null(strstr(err, "not valid JSON"));

    test_put(p, sizeof p, "other.json", "{\"format\": \"something-else\", \"version\": 1}");
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "not a gatecap results.json"));

    json_t *doc = make_run(SPEC(.n = 8));
    json_object_set_new(doc, "version", json_integer(2));
    save(p, sizeof p, "v2.json", doc);
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "version 2"));

    doc = make_run(SPEC(.n = 8));
    json_object_del(doc, "intervals");
    save(p, sizeof p, "nointervals.json", doc);
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "intervals is missing"));

    doc = make_run(SPEC(.n = 8));
    json_object_set_new(json_object_get(doc, "totals"), "all", json_null());
    save(p, sizeof p, "empty.json", doc);
    assert_int_equal(compare_files(p, good, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "no request completed"));

    /* a duplicated member (the writer's file with a second "format") */
    FILE *f = fopen(good, "r");
    assert_non_null(f);
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    assert_true(text[0] == '{');
    char *dup = NULL;
    assert_true(asprintf(&dup, "{\"format\": \"x\",%s", text + 1) > 0);
    test_put(p, sizeof p, "dup.json", dup);
    free(dup);
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "duplicate"));
    assert_int_equal(r.n_rows, 0);
}

/* Numbers are checked when a file is read: a negative count, a negative
 * or impossible rate, a number that is not a number. A baseline with
 * count -5 made every latency row "no data", and compare said "no
 * regression". */
static void test_bad_numbers(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "", good[128], p[128];
    save(good, sizeof good, "good.json", make_run(SPEC(.n = 8)));
    static const struct {
        const char *a, *b, *key; /* totals.a.b (b NULL: totals.a) */
        double v;
        const char *want;
    } cases[] = {
        {"all", NULL, "count", -5, "totals.all.count is -5: a count cannot be negative"},
        {"by_node", "n1", "count", -1, "totals.by_node.n1.count is -1"},
        {"all", NULL, "error_pct", 140, "totals.all.error_pct is 140: a percentage is 0 to 100"},
        {"all", NULL, "throughput_rps", -3,
         "totals.all.throughput_rps is -3: it cannot be "
         "negative"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *doc = make_run(SPEC(.n = 8));
        json_t *cell = json_object_get(json_object_get(doc, "totals"), cases[i].a);
        if (cases[i].b)
            cell = json_object_get(cell, cases[i].b);
        json_object_set_new(cell, cases[i].key, json_real(cases[i].v));
        save(p, sizeof p, "neg.json", doc);
        int rc = compare_files(p, good, &o, &r, err, sizeof err);
        if (rc != COMPARE_EFORMAT || !strstr(err, cases[i].want) || !strstr(err, "baseline") ||
            !strstr(err, p))
            fail_msg("case %zu: rc %d, '%s'", i, rc, err);
        assert_int_equal(r.n_rows, 0);
    }
    /* nested counts and interval samples */
    json_t *doc = make_run(SPEC(.n = 8));
    json_object_set_new(json_object_get(at(doc, "totals", "all"), "latency_ms"), "count",
                        json_integer(-2));
    save(p, sizeof p, "neg.json", doc);
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "current"));
    assert_non_null(strstr(err, "totals.all.latency_ms.count is -2"));
    doc = make_run(SPEC(.n = 8));
    json_t *iv = json_array_get(json_object_get(doc, "intervals"), 3);
    json_object_set_new(json_object_get(json_object_get(iv, "nodes"), "n2"), "completed",
                        json_integer(-7));
    save(p, sizeof p, "neg.json", doc);
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "intervals[3].nodes.n2.completed is -7"));
    doc = make_run(SPEC(.n = 8));
    json_object_set_new(json_array_get(json_object_get(doc, "intervals"), 4), "length_s",
                        json_string("1s"));
    save(p, sizeof p, "neg.json", doc);
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "intervals[4].length_s is not a number"));
}

/* A comparison where most metrics have no data in one run or both cannot
 * say "no regression": the result is marked undecided, with why. */
static void test_mostly_no_data(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    /* the current run recorded no latency anywhere (every request refused) */
    assert_int_equal(
        run_compare(make_run(SPEC()), make_run(SPEC(.refused = "*")), &o, &r, err, sizeof err),
        COMPARE_OK);
    assert_int_equal(r.no_data, 5 * 5);
    assert_true(r.undecided);
    if (!strstr(r.undecided_why, "25 of 40 metrics have no data") ||
        !strstr(r.undecided_why, "current"))
        fail_msg("got '%s'", r.undecided_why);
    compare_free(&r);

    /* no rows at all (one request, one node, only those scopes) decides nothing either */
    o.scope[CMP_SCOPE_ALL] = false;
    json_t *b = make_run(SPEC(.no_b = true, .one_node = true));
    json_t *c = make_run(SPEC(.no_b = true, .one_node = true));
    assert_int_equal(run_compare(b, c, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(r.n_rows, 0);
    assert_true(r.undecided);
    assert_non_null(strstr(r.undecided_why, "nothing was compared"));
    compare_free(&r);

    /* a few rows without data do not stop a verdict */
    o.scope[CMP_SCOPE_ALL] = true;
    assert_int_equal(
        run_compare(make_run(SPEC()), make_run(SPEC(.refused = "n1")), &o, &r, err, sizeof err),
        COMPARE_OK);
    assert_int_equal(r.no_data, 5);
    assert_false(r.undecided);
    compare_free(&r);
}

static void test_tolerance_parse(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    assert_true(o.tol[CMP_P99].value == 0.10 && !o.tol[CMP_P99].absolute);
    assert_true(o.tol[CMP_THROUGHPUT].value == 0.05);
    assert_true(o.tol[CMP_ERRORS].value == 0.1 && o.tol[CMP_ERRORS].absolute);
    assert_true(o.alpha == 0.01);
    char err[400] = "";
    assert_int_equal(compare_parse_tolerance(&o,
                                             "p99=20%,throughput=50/s,errors=0.5pp,"
                                             "throttled=1,service.p99=3ms,p99.9=150%",
                                             err, sizeof err),
                     0);
    assert_true(fabs(o.tol[CMP_P99].value - 0.2) < 1e-12 && !o.tol[CMP_P99].absolute);
    assert_true(o.tol[CMP_THROUGHPUT].value == 50 && o.tol[CMP_THROUGHPUT].absolute);
    assert_true(o.tol[CMP_ERRORS].value == 0.5 && o.tol[CMP_ERRORS].absolute);
    assert_true(o.tol[CMP_THROTTLED].value == 1);
    assert_true(o.tol[CMP_SERVICE_P99].value == 3 && o.tol[CMP_SERVICE_P99].absolute);
    assert_true(fabs(o.tol[CMP_P999].value - 1.5) < 1e-12);
    assert_true(o.tol[CMP_P50].value == 0.10); /* untouched */
    assert_int_equal(compare_parse_tolerance(&o, "latency=15%", err, sizeof err), 0);
    for (int m = CMP_P50; m <= CMP_SERVICE_P99; m++)
        assert_true(fabs(o.tol[m].value - 0.15) < 1e-12 && !o.tol[m].absolute);

    struct {
        const char *spec, *says;
    } bad[] = {
        {"p95=10%", "unknown metric 'p95'"},
        {"p99=10%,latncy=5%", "unknown metric 'latncy'"},
        {"p99=abc", "p99=abc: write a share of the baseline (p99=10%) or a time (p99=2ms)"},
        {"p99=-5%", "p99=-5%"},
        {"errors=1%", "errors is a rate; its tolerance is an absolute allowance in percentage "
                      "points"},
        {"throughput=2ms", "throughput=5%"},
        {"p99", "'p99' is not METRIC=VALUE"},
        {"p99=", "'p99=' is not METRIC=VALUE"},
        {"", "empty"},
    };
    struct compare_opts before = o;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(compare_parse_tolerance(&o, bad[i].spec, err, sizeof err), COMPARE_EUSAGE);
        if (!strstr(err, bad[i].says))
            fail_msg("'%s': '%s' does not say '%s'", bad[i].spec, err, bad[i].says);
        assert_memory_equal(&o, &before, sizeof o); /* unchanged on error */
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(compare_metric_name(CMP_P999), "p99.9");
    assert_string_equal(compare_metric_name(CMP_SERVICE_P99), "service_p99");
    assert_string_equal(compare_scope_name(CMP_SCOPE_NODE), "node");
    assert_string_equal(compare_verdict_name(CMP_REGRESSION), "REGRESSION");
    assert_string_equal(compare_metric_unit(CMP_THROUGHPUT), "req/s");
    assert_string_equal(compare_metric_unit(CMP_ERRORS), "%");
    assert_true(compare_metric_is_rate(CMP_THROTTLED));
    assert_false(compare_metric_is_rate(CMP_P99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical),       cmocka_unit_test(test_regression),
        cmocka_unit_test(test_request_slices),  cmocka_unit_test(test_noise),
        cmocka_unit_test(test_few_samples),     cmocka_unit_test(test_throughput),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_incompatible),    cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_bad_numbers),     cmocka_unit_test(test_mostly_no_data),
        cmocka_unit_test(test_tolerance_parse), cmocka_unit_test(test_names),
        cmocka_unit_test(test_flows_checks),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
