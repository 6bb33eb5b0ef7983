/* tests/analysis/test_compare.c — `gatecap compare`'s logic (harness/analysis/compare.c) on
 * small results.json files built here: identical runs, a planted latency
 * regression, noise that moves the totals but not the intervals, too few
 * samples, per-request rows, throughput and error directions, which
 * intervals count, tolerances, and every refusal (missing, corrupt,
 * foreign or incompatible files). */
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
#include "testutil.h"

/* ---- fixtures ---- */

/* Deterministic noise in [-1, 1]. */
static double wobble(unsigned k)
{
    unsigned x = k * 2654435761u + 12345u;
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    x ^= x >> 15;
    return (double)(x % 2001) / 1000.0 - 1;
}

static json_t *slice(double base_ms, double completed, double errors, unsigned k)
{
    double w = 1 + 0.04 * wobble(k);
    return json_pack("{s:f,s:f,s:i,s:f,s:f,s:f,s:f,s:f}", "completed", completed, "errors", errors,
                     "throttled", 0, "p50_ms", base_ms * w, "p90_ms", 1.5 * base_ms * w, "p99_ms",
                     2 * base_ms * w, "max_ms", 3 * base_ms * w, "service_p99_ms",
                     1.9 * base_ms * w);
}

static json_t *cell(double base_ms, double rps, double error_pct)
{
    return json_pack("{s:i,s:f,s:f,s:f,s:{s:i,s:f,s:f,s:f,s:f},s:{s:i,s:f}}", "count", 1000,
                     "throughput_rps", rps, "error_pct", error_pct, "throttled_pct", 0.0,
                     "latency_ms", "count", 1000, "p50", base_ms, "p90", 1.5 * base_ms, "p99",
                     2 * base_ms, "p99.9", 3 * base_ms, "service_ms", "count", 1000, "p99",
                     1.9 * base_ms);
}

/* A run of scenario `name`: a warm-up phase (2 intervals, not recorded,
 * with absurd latencies), `n` whole intervals of the recorded phase
 * "steady", a partial interval and a drain interval (no arrivals), both
 * with absurd latencies too: none of those may count. Requests a and b,
 * nodes n1 and n2, latency around 20 ms, 100 req/s. */
static json_t *make_run(const char *name, const char *model, int n)
{
    json_t *iv = json_array();
    for (int i = 0; i < 2; i++)
        json_array_append_new(iv,
                              json_pack("{s:s,s:f,s:i,s:f,s:o,s:{}}", "phase", "warm", "length_s",
                                        1.0, "scheduled", 100, "achieved_rps", 100.0, "all",
                                        slice(5000, 100, 0, 900 + (unsigned)i), "nodes"));
    for (int i = 0; i < n; i++)
        json_array_append_new(iv, json_pack("{s:s,s:f,s:i,s:f,s:o,s:{s:o,s:o}}", "phase", "steady",
                                            "length_s", 1.0, "scheduled", 100, "achieved_rps",
                                            100 + 2 * wobble(500 + (unsigned)i), "all",
                                            slice(20, 100, 0, (unsigned)i), "nodes", "n1",
                                            slice(20, 50, 0, 100 + (unsigned)i), "n2",
                                            slice(20, 50, 0, 200 + (unsigned)i)));
    json_array_append_new(iv, json_pack("{s:s,s:f,s:i,s:f,s:o,s:{}}", "phase", "steady", "length_s",
                                        0.3, "scheduled", 30, "achieved_rps", 1.0, "all",
                                        slice(9000, 1, 1, 77), "nodes"));
    json_array_append_new(iv, json_pack("{s:s,s:f,s:i,s:f,s:o,s:{}}", "phase", "steady", "length_s",
                                        1.0, "scheduled", 0, "achieved_rps", 1.0, "all",
                                        slice(9000, 1, 1, 78), "nodes"));
    return json_pack("{s:s,s:i,s:{s:s,s:f,s:{s:[{s:s,s:f,s:b},{s:s,s:f,s:b}]}},s:{s:s,s:s},"
                     "s:{s:o,s:{s:o,s:o},s:{s:o,s:o}},s:o}",
                     "format", "gatecap-results", "version", 1, "scenario", "name", name,
                     "interval_s", 1.0, "load", "phases", "name", "warm", "rate_start_per_s", 100.0,
                     "record", 0, "name", "steady", "rate_start_per_s", 100.0, "record", 1, "run",
                     "status", "complete", "model", model, "totals", "all", cell(20, 100, 0),
                     "by_request", "a", cell(20, 80, 0), "b", cell(20, 20, 0), "by_node", "n1",
                     cell(20, 50, 0), "n2", cell(20, 50, 0), "intervals", iv);
}

static bool latency_key(const char *k)
{
    static const char *const keys[] = {"p50",    "p90",    "p99",    "p99.9",         "p50_ms",
                                       "p90_ms", "p99_ms", "max_ms", "service_p99_ms"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(k, keys[i]))
            return true;
    return false;
}

/* Multiplies every latency number under j by f. */
static void scale_latency(json_t *j, double f)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_array(j))
        json_array_foreach(j, i, v) scale_latency(v, f);
    if (!json_is_object(j))
        return;
    json_object_foreach(j, k, v)
    {
        if (json_is_number(v) && latency_key(k))
            json_object_set_new(j, k, json_real(json_number_value(v) * f));
        else
            scale_latency(v, f);
    }
}

static json_t *at(json_t *root, const char *a, const char *b)
{
    json_t *o = json_object_get(root, a);
    return b ? json_object_get(o, b) : o;
}

static void save(char *path, size_t n, const char *name, json_t *doc)
{
    snprintf(path, n, "%s/%s", test_dir, name);
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
    json_decref(doc);
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
    assert_int_equal(
        run_compare(make_run("s", "open", 12), make_run("s", "open", 12), &o, &r, err, sizeof err),
        COMPARE_OK);
    assert_string_equal(r.scenario, "s");
    assert_string_equal(r.model, "open");
    assert_int_equal(r.n_rows, 5 * CMP_N_METRICS); /* all, a, b, n1, n2 */
    assert_int_equal(r.regressions + r.noise + r.improved + r.no_data, 0);
    const struct compare_row *p99 = row(&r, CMP_P99, CMP_SCOPE_ALL, "");
    assert_int_equal(p99->test, CMP_TEST_DONE);
    /* Warm-up, partial and drain intervals do not count: 12 each. */
    assert_int_equal(p99->n_baseline, 12);
    assert_int_equal(p99->n_current, 12);
    assert_true(p99->p_value > 0.4);
    assert_true(p99->change == 0);
    assert_int_equal(row(&r, CMP_P99, CMP_SCOPE_REQUEST, "a")->test, CMP_TEST_NONE);
    assert_int_equal(row(&r, CMP_P50, CMP_SCOPE_NODE, "n2")->n_current, 12);
    assert_true(has_note(&r, "per-request rows are judged on the tolerance alone"));
    compare_free(&r);

    /* Only some scopes. */
    o.scope[CMP_SCOPE_REQUEST] = false;
    assert_int_equal(
        run_compare(make_run("s", "open", 12), make_run("s", "open", 12), &o, &r, err, sizeof err),
        COMPARE_OK);
    assert_int_equal(r.n_rows, 3 * CMP_N_METRICS); /* all, n1, n2 */
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
    json_t *cur = make_run("s", "open", 12);
    scale_latency(cur, 1.2);
    assert_int_equal(run_compare(make_run("s", "open", 12), cur, &o, &r, err, sizeof err),
                     COMPARE_OK);
    static const enum compare_metric lat[] = {CMP_P50, CMP_P90, CMP_P99, CMP_P999, CMP_SERVICE_P99};
    for (size_t i = 0; i < 5; i++) {
        const struct compare_row *x = row(&r, lat[i], CMP_SCOPE_ALL, "");
        assert_int_equal(x->verdict, CMP_REGRESSION);
        assert_int_equal(x->test, CMP_TEST_DONE);
        assert_true(x->p_value < 1e-4);
        assert_true(fabs(x->change - 0.2) < 1e-9);
        assert_int_equal(row(&r, lat[i], CMP_SCOPE_NODE, "n1")->verdict, CMP_REGRESSION);
        /* No per-request samples: the tolerance decides, and says so. */
        const struct compare_row *q = row(&r, lat[i], CMP_SCOPE_REQUEST, "b");
        assert_int_equal(q->verdict, CMP_REGRESSION);
        assert_int_equal(q->test, CMP_TEST_NONE);
    }
    assert_int_equal(row(&r, CMP_THROUGHPUT, CMP_SCOPE_ALL, "")->verdict, CMP_OK);
    assert_int_equal(row(&r, CMP_ERRORS, CMP_SCOPE_ALL, "")->verdict, CMP_OK);
    assert_int_equal(r.regressions, 5 * 5);
    compare_free(&r);

    /* A tolerance of 25 % (or 5 ms on p50) lets the same change pass. */
    assert_int_equal(compare_parse_tolerance(&o, "latency=25%,p50=5ms", err, sizeof err), 0);
    cur = make_run("s", "open", 12);
    scale_latency(cur, 1.2);
    assert_int_equal(run_compare(make_run("s", "open", 12), cur, &o, &r, err, sizeof err),
                     COMPARE_OK);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(row(&r, CMP_P50, CMP_SCOPE_ALL, "")->verdict, CMP_OK);
    assert_true(row(&r, CMP_P50, CMP_SCOPE_ALL, "")->p_value < 1e-4); /* real, but allowed */
    compare_free(&r);

    /* Faster is better: improved, never a regression. */
    compare_opts_defaults(&o);
    cur = make_run("s", "open", 12);
    scale_latency(cur, 0.7);
    assert_int_equal(run_compare(make_run("s", "open", 12), cur, &o, &r, err, sizeof err),
                     COMPARE_OK);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(row(&r, CMP_P99, CMP_SCOPE_ALL, "")->verdict, CMP_IMPROVED);
    assert_true(row(&r, CMP_P99, CMP_SCOPE_ALL, "")->p_value > 0.99);
    compare_free(&r);
}

/* With per-request interval slices ("requests", as "nodes"), per-request
 * rows are tested too. */
static void add_request_slices(json_t *run)
{
    size_t i;
    json_t *iv;
    json_array_foreach(json_object_get(run, "intervals"), i, iv)
    {
        json_t *all = json_object_get(iv, "all");
        json_object_set_new(iv, "requests", json_pack("{s:O,s:O}", "a", all, "b", all));
    }
}

static void test_request_slices(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    json_t *base = make_run("s", "open", 12), *cur = make_run("s", "open", 12);
    add_request_slices(base);
    scale_latency(cur, 1.2);
    add_request_slices(cur);
    assert_int_equal(run_compare(base, cur, &o, &r, err, sizeof err), COMPARE_OK);
    const struct compare_row *q = row(&r, CMP_P90, CMP_SCOPE_REQUEST, "a");
    assert_int_equal(q->test, CMP_TEST_DONE);
    assert_int_equal(q->n_baseline, 12);
    assert_int_equal(q->verdict, CMP_REGRESSION);
    assert_false(has_note(&r, "per-request"));
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
    json_t *base = make_run("s", "open", 12), *cur = make_run("s", "open", 12);
    json_t *iv = json_object_get(cur, "intervals"), *rev = json_array();
    for (size_t i = json_array_size(iv); i-- > 0;)
        json_array_append(rev, json_array_get(iv, i));
    json_object_set_new(cur, "intervals", rev);
    json_t *lat = at(at(cur, "totals", "all"), "latency_ms", NULL);
    json_object_set_new(lat, "p99", json_real(52));
    assert_int_equal(run_compare(base, cur, &o, &r, err, sizeof err), COMPARE_OK);
    const struct compare_row *p99 = row(&r, CMP_P99, CMP_SCOPE_ALL, "");
    assert_true(fabs(p99->change - 0.3) < 1e-9);
    assert_int_equal(p99->verdict, CMP_NOISE);
    assert_true(p99->p_value > 0.4);
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
    json_t *cur = make_run("s", "open", 3);
    scale_latency(cur, 1.2);
    assert_int_equal(run_compare(make_run("s", "open", 3), cur, &o, &r, err, sizeof err),
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
        json_t *cur = make_run("s", "open", 10);
        json_object_set_new(at(cur, "totals", "all"), "throughput_rps", json_real(100 * f));
        size_t i;
        json_t *iv;
        json_array_foreach(json_object_get(cur, "intervals"), i, iv) json_object_set_new(
            iv, "achieved_rps",
            json_real(json_number_value(json_object_get(iv, "achieved_rps")) * f));
        assert_int_equal(run_compare(make_run("s", "open", 10), cur, &o, &r, err, sizeof err),
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
    for (int k = 0; k < 2; k++) {
        double pct = k ? 0.05 : 2; /* within 0.1 pp, or 2 pp more */
        json_t *cur = make_run("s", "open", 10);
        json_object_set_new(at(cur, "totals", "all"), "error_pct", json_real(pct));
        size_t i;
        json_t *iv;
        json_array_foreach(json_object_get(cur, "intervals"), i, iv) json_object_set_new(
            json_object_get(iv, "all"), "errors", json_real(i % 2 ? 2 * pct : 0));
        assert_int_equal(run_compare(make_run("s", "open", 10), cur, &o, &r, err, sizeof err),
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
    json_t *cur = make_run("s", "open", 8);
    json_t *n2 = at(at(cur, "totals", "by_node"), "n2", NULL);
    json_object_set_new(at(n2, "latency_ms", NULL), "count", json_integer(0));
    json_object_del(at(cur, "totals", "by_request"), "b");
    json_object_set_new(at(cur, "totals", "by_node"), "n3", cell(20, 1, 0));
    assert_int_equal(run_compare(make_run("s", "open", 8), cur, &o, &r, err, sizeof err),
                     COMPARE_OK);
    assert_int_equal(row(&r, CMP_P99, CMP_SCOPE_NODE, "n2")->verdict, CMP_NO_DATA);
    assert_int_equal(row(&r, CMP_THROUGHPUT, CMP_SCOPE_NODE, "n2")->verdict, CMP_OK);
    /* service_ms still has its count: only the four latency rows lack data */
    assert_int_equal(r.no_data, 4);
    assert_int_equal(row(&r, CMP_SERVICE_P99, CMP_SCOPE_NODE, "n2")->verdict, CMP_OK);
    assert_int_equal(r.regressions, 0);
    assert_true(has_note(&r, "request b is only in the baseline"));
    assert_true(has_note(&r, "node n3 is only in the current run"));
    assert_int_equal(r.n_rows, 4 * CMP_N_METRICS); /* all, a, n1, n2 */
    compare_free(&r);

    json_t *b = make_run("s", "open", 8), *c = make_run("s", "open", 8);
    for (int k = 0; k < 2; k++) {
        json_t *t = json_object_get(k ? c : b, "totals");
        json_object_del(json_object_get(t, "by_request"), "b");
        json_object_del(json_object_get(t, "by_node"), "n2");
    }
    assert_int_equal(run_compare(b, c, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(r.n_rows, CMP_N_METRICS);
    assert_true(has_note(&r, "one request (a) in both runs"));
    assert_true(has_note(&r, "one node (n1) in both runs"));
    compare_free(&r);
}

static void test_incompatible(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "";
    assert_int_equal(
        run_compare(make_run("s", "open", 8), make_run("t", "open", 8), &o, &r, err, sizeof err),
        COMPARE_EINCOMPATIBLE);
    assert_non_null(strstr(err, "baseline"));
    assert_non_null(strstr(err, "ran 's'"));
    assert_non_null(strstr(err, "ran 't'"));
    assert_non_null(strstr(err, "--allow-different-scenario"));
    assert_int_equal(r.n_rows, 0);

    o.allow_different_scenario = true;
    assert_int_equal(
        run_compare(make_run("s", "open", 8), make_run("t", "open", 8), &o, &r, err, sizeof err),
        COMPARE_OK);
    assert_true(has_note(&r, "different scenarios compared on purpose"));
    compare_free(&r);

    /* Different models are never comparable. */
    assert_int_equal(
        run_compare(make_run("s", "open", 8), make_run("s", "closed", 8), &o, &r, err, sizeof err),
        COMPARE_EINCOMPATIBLE);
    assert_non_null(strstr(err, "different load models"));

    /* A generator-limited run measures gatecap, not the gateway. */
    json_t *cur = make_run("s", "open", 8);
    json_object_set_new(json_object_get(cur, "run"), "status", json_string("generator-limited"));
    assert_int_equal(run_compare(make_run("s", "open", 8), cur, &o, &r, err, sizeof err),
                     COMPARE_EINCOMPATIBLE);
    assert_non_null(strstr(err, "current"));
    assert_non_null(strstr(err, "generator-limited"));

    /* Different phases: compared, with a note. */
    cur = make_run("s", "open", 8);
    json_t *ph = json_array_get(at(at(cur, "scenario", "load"), "phases", NULL), 1);
    json_object_set_new(ph, "rate_start_per_s", json_real(200));
    json_object_set_new(json_object_get(cur, "run"), "status", json_string("interrupted"));
    assert_int_equal(run_compare(make_run("s", "open", 8), cur, &o, &r, err, sizeof err),
                     COMPARE_OK);
    assert_true(has_note(&r, "the phases differ"));
    assert_true(has_note(&r, "status is 'interrupted'"));
    compare_free(&r);
}

static void test_bad_files(void **state)
{
    (void)state;
    struct compare_opts o;
    compare_opts_defaults(&o);
    struct compare_result r;
    char err[600] = "", good[128], p[128];
    save(good, sizeof good, "good.json", make_run("s", "open", 8));

    snprintf(p, sizeof p, "%s/missing.json", test_dir);
    assert_int_equal(compare_files(p, good, &o, &r, err, sizeof err), COMPARE_EIO);
    assert_non_null(strstr(err, "baseline"));
    assert_non_null(strstr(err, p));
    assert_non_null(strstr(err, "No such file"));

    test_put(p, sizeof p, "cut.json",
             "{\"format\": \"gatecap-results\",\n \"version\": 1,\n \"run\": {");
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "current"));
    assert_non_null(strstr(err, "cut.json:3:"));
    assert_non_null(strstr(err, "not valid JSON"));

    test_put(p, sizeof p, "other.json", "{\"format\": \"something-else\", \"version\": 1}");
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "not a gatecap results.json"));

    test_put(p, sizeof p, "v2.json", "{\"format\": \"gatecap-results\", \"version\": 2}");
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "version 2"));

    json_t *doc = make_run("s", "open", 8);
    json_object_del(doc, "intervals");
    save(p, sizeof p, "nointervals.json", doc);
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "lacks intervals"));

    doc = make_run("s", "open", 8);
    json_object_set_new(json_object_get(doc, "totals"), "all", json_null());
    save(p, sizeof p, "empty.json", doc);
    assert_int_equal(compare_files(p, good, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "no request completed"));

    test_put(p, sizeof p, "dup.json", "{\"format\": \"gatecap-results\", \"format\": \"x\"}");
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
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
    save(good, sizeof good, "good.json", make_run("s", "open", 8));
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
        json_t *doc = make_run("s", "open", 8);
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
    json_t *doc = make_run("s", "open", 8);
    json_object_set_new(json_object_get(at(doc, "totals", "all"), "latency_ms"), "count",
                        json_integer(-2));
    save(p, sizeof p, "neg.json", doc);
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "current"));
    assert_non_null(strstr(err, "totals.all.latency_ms.count is -2"));
    doc = make_run("s", "open", 8);
    json_t *iv = json_array_get(json_object_get(doc, "intervals"), 3);
    json_object_set_new(json_object_get(json_object_get(iv, "nodes"), "n2"), "completed",
                        json_integer(-7));
    save(p, sizeof p, "neg.json", doc);
    assert_int_equal(compare_files(good, p, &o, &r, err, sizeof err), COMPARE_EFORMAT);
    assert_non_null(strstr(err, "intervals[3].nodes.n2.completed is -7"));
    doc = make_run("s", "open", 8);
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
    json_t *cur = make_run("s", "open", 12);
    const char *cells[][2] = {{"all", NULL},
                              {"by_request", "a"},
                              {"by_request", "b"},
                              {"by_node", "n1"},
                              {"by_node", "n2"}};
    for (size_t i = 0; i < 5; i++) {
        json_t *c = at(cur, "totals", cells[i][0]);
        if (cells[i][1])
            c = json_object_get(c, cells[i][1]);
        json_object_set_new(json_object_get(c, "latency_ms"), "count", json_integer(0));
        json_object_set_new(json_object_get(c, "service_ms"), "count", json_integer(0));
    }
    assert_int_equal(run_compare(make_run("s", "open", 12), cur, &o, &r, err, sizeof err),
                     COMPARE_OK);
    assert_int_equal(r.no_data, 5 * 5);
    assert_true(r.undecided);
    if (!strstr(r.undecided_why, "25 of 40 metrics have no data") ||
        !strstr(r.undecided_why, "current"))
        fail_msg("got '%s'", r.undecided_why);
    compare_free(&r);

    /* no rows at all (one request, one node, only those scopes) decides nothing either */
    o.scope[CMP_SCOPE_ALL] = false;
    json_t *b = make_run("s", "open", 12), *c = make_run("s", "open", 12);
    json_object_del(at(b, "totals", "by_request"), "b");
    json_object_del(at(c, "totals", "by_request"), "b");
    json_object_del(at(b, "totals", "by_node"), "n2");
    json_object_del(at(c, "totals", "by_node"), "n2");
    assert_int_equal(run_compare(b, c, &o, &r, err, sizeof err), COMPARE_OK);
    assert_int_equal(r.n_rows, 0);
    assert_true(r.undecided);
    assert_non_null(strstr(r.undecided_why, "nothing was compared"));
    compare_free(&r);

    /* a few rows without data do not stop a verdict */
    o.scope[CMP_SCOPE_ALL] = true;
    cur = make_run("s", "open", 12);
    json_object_set_new(json_object_get(at(at(cur, "totals", "by_node"), "n1", NULL), "latency_ms"),
                        "count", json_integer(0));
    assert_int_equal(run_compare(make_run("s", "open", 12), cur, &o, &r, err, sizeof err),
                     COMPARE_OK);
    assert_int_equal(r.no_data, 4);
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
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
