/* tests/output/test_report.c — reports (harness/output/report.c, report_md.c,
 * report_html.c): a results.json made here with known histograms, cells,
 * intervals and gates is loaded and rendered; the numbers, the escaping of
 * user data, the charts present, the plan section, the same bytes on every
 * render, and every malformed input named by file and field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "measure/hdr.h"
#include "measure/hdr_codec.h"
#include "output/report.h"

static char dir[64];
static char results[128], planfile[128];

/* ---- the fixture ---- */

/* A base64 histogram of n values first_us, first_us + step_us, ... */
static json_t *hist(int n, int64_t first_us, int64_t step_us)
{
    struct hdr_hist *h = NULL;
    char *b64 = NULL;
    assert_int_equal(hdr_init_default(&h), 0);
    for (int i = 0; i < n; i++)
        hdr_record(h, first_us + i * step_us);
    assert_int_equal(hdr_encode_base64(h, &b64), 0);
    json_t *s = json_string(b64);
    free(b64);
    hdr_close(h);
    return s;
}

static json_t *lat(double p50, double p99)
{
    return json_pack("{s:i,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:i}", "count", 10, "min", p50 / 2,
                     "mean", p50, "stddev", 1.0, "p50", p50, "p90", p50 * 1.5, "p99", p99, "p99.9",
                     p99 * 1.1, "p99.99", p99 * 1.2, "max", p99 * 1.3, "overflow", 0);
}

static json_t *outcomes(int ok, int throttled, int e5xx)
{
    return json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "2xx", ok, "3xx", 0, "4xx", 0,
                     "throttled", throttled, "5xx", e5xx, "timeout", 0, "refused", 0, "reset", 0,
                     "tls", 0, "other", 0);
}

static json_t *cell(int count, double rps, int throttled, int e5xx)
{
    return json_pack("{s:i,s:f,s:o,s:i,s:f,s:i,s:f,s:i,s:o,s:o}", "count", count, "throughput_rps",
                     rps, "outcomes", outcomes(count - throttled - e5xx, throttled, e5xx), "errors",
                     e5xx, "error_pct", 100.0 * e5xx / count, "throttled", throttled,
                     "throttled_pct", 100.0 * throttled / count, "unexpected_status",
                     throttled + e5xx, "latency_ms", lat(2, 20), "service_ms", lat(1.5, 18));
}

static json_t *point(int completed, double p99)
{
    return json_pack("{s:i,s:i,s:i,s:f,s:f,s:f,s:f,s:f,s:o}", "completed", completed, "errors", 1,
                     "throttled", 2, "p50_ms", p99 / 4, "p90_ms", p99 / 2, "p99_ms", p99, "max_ms",
                     p99 * 2, "service_p99_ms", p99 * 0.9, "outcomes",
                     outcomes(completed - 3, 2, 1));
}

/* Phases: warm (not recorded), p1 100/s, p2 200/s, p3 300/s; two nodes,
 * two requests (one named with characters Markdown and HTML act on). */
static json_t *fixture(void)
{
    json_t *phases = json_array();
    json_array_append_new(phases,
                          json_pack("{s:s,s:f,s:f,s:f,s:b}", "name", "warm", "duration_s", 1.0,
                                    "rate_start_per_s", 50.0, "rate_end_per_s", 50.0, "record", 0));
    const char *ph[] = {"p1", "p2", "p3"};
    for (int i = 0; i < 3; i++)
        json_array_append_new(phases,
                              json_pack("{s:s,s:f,s:f,s:f,s:b}", "name", ph[i], "duration_s", 3.0,
                                        "rate_start_per_s", 100.0 * (i + 1), "rate_end_per_s",
                                        100.0 * (i + 1), "record", 1));
    json_t *scn =
        json_pack("{s:s,s:s,s:s,s:[{s:s,s:s},{s:s,s:s}],s:{s:s,s:o},s:f}", "file", "x.yaml", "name",
                  "demo <b>|x</b>", "description", "a `tick` and *stars*", "targets", "name", "gw1",
                  "url", "http://127.0.0.1:8280", "name", "gw2", "url", "http://127.0.0.2:8280",
                  "load", "model", "open", "phases", phases, "interval_s", 1.0);
    /* cells: request echo 3 × 100 values (1..100 ms), "a|b<c>" 2 × 50 (2..100 ms) */
    json_t *cells = json_array();
    for (int i = 0; i < 3; i++) {
        json_t *c = cell(100, 33.3, 0, 1);
        json_object_set_new(c, "phase", json_string(ph[i]));
        json_object_set_new(c, "request", json_string("echo"));
        json_object_set_new(c, "node", json_string(i % 2 ? "gw2" : "gw1"));
        json_object_set_new(c, "histograms",
                            json_pack("{s:o,s:o}", "latency", hist(100, 1000, 1000), "service",
                                      hist(100, 500, 1000)));
        json_array_append_new(cells, c);
    }
    for (int i = 0; i < 2; i++) {
        json_t *c = cell(50, 16.7, 5, 0);
        json_object_set_new(c, "phase", json_string(ph[i]));
        json_object_set_new(c, "request", json_string("a|b<c>"));
        json_object_set_new(c, "node", json_string("gw2"));
        json_object_set_new(c, "histograms",
                            json_pack("{s:o,s:o}", "latency", hist(50, 2000, 2000), "service",
                                      hist(50, 1000, 2000)));
        json_array_append_new(cells, c);
    }
    json_t *all = cell(400, 44.4, 10, 3);
    json_object_set_new(
        all, "histograms",
        json_pack("{s:o,s:o}", "latency", hist(400, 500, 500), "service", hist(400, 400, 500)));
    json_t *by_phase = json_object();
    for (int i = 0; i < 3; i++) {
        json_t *c = cell(100 * (i + 1), 100.0 * (i + 1), 0, i);
        json_object_set_new(json_object_get(c, "latency_ms"), "p99", json_real(10.0 * (i + 1)));
        json_object_set_new(by_phase, ph[i], c);
    }
    /* intervals: warm, then 3 per phase; achieved 100 | 50, 100, 98 | ... */
    json_t *ivs = json_array();
    json_array_append_new(ivs, json_pack("{s:f,s:f,s:s,s:f,s:f,s:o,s:{}}", "start_s", 0.0,
                                         "length_s", 1.0, "phase", "warm", "offered_rps", 50.0,
                                         "achieved_rps", 0.0, "all", point(0, 0), "nodes"));
    const double ach[3][3] = {{50, 100, 98}, {150, 200, 196}, {250, 280, 260}};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            json_array_append_new(ivs,
                                  json_pack("{s:f,s:f,s:s,s:f,s:f,s:o,s:{s:o,s:o}}", "start_s",
                                            1.0 + 3 * i + k, "length_s", 1.0, "phase", ph[i],
                                            "offered_rps", 100.0 * (i + 1), "achieved_rps",
                                            ach[i][k], "all", point((int)ach[i][k], 5.0 * (i + 1)),
                                            "nodes", "gw1", point((int)ach[i][k] / 2, 4.0), "gw2",
                                            point((int)ach[i][k] / 2, 6.0 * (i + 1))));
    json_t *gates =
        json_pack("[{s:s,s:s,s:s,s:s,s:f,s:s,s:f,s:s},{s:s,s:s,s:s,s:s,s:s,s:f,s:s,s:f,s:s}]",
                  "gate", "p99 < 250ms", "scope", "all", "metric", "p99", "op", "<", "threshold",
                  250.0, "unit", "ms", "measured", 20.0, "verdict", "pass", "gate", "errors < 0.1%",
                  "scope", "node", "name", "gw|1", "metric", "errors", "op", "<", "threshold", 0.1,
                  "unit", "%", "measured", 0.75, "verdict", "fail");
    json_t *root = json_pack(
        "{s:s,s:i,s:{s:s,s:s,s:s,s:s},s:{s:i,s:i},s:o,s:{s:s,s:f,s:f,s:f,s:s,s:s,s:b,s:i},"
        "s:{s:f,s:f,s:f},s:[s,s],s:{s:s},s:o,s:{s:o,s:o,s:{s:o,s:o},s:{s:o,s:o}},s:o,s:o}",
        "format", "gatecap-results", "version", 1, "gatecap", "version", "0.1.0", "transport",
        "native", "libcurl", "7.88.1", "openssl", "OpenSSL 3.0", "environment", "cores", 2,
        "workers", 1, "scenario", scn, "run", "status", "complete", "start_epoch_s", 1795440412.5,
        "elapsed_s", 10.02, "planned_s", 10.0, "model", "open", "latency_definition",
        "completion - intended start", "insecure_tls", 0, "gates_failed", 1, "generator",
        "late_pct", 0.0, "queue_drops", 0.0, "max_lag_ms", 1.2, "nodes", "gw1", "gw2",
        "error_examples", "5xx", "HTTP 503 <html>|</html>", "cells", cells, "totals", "all", all,
        "by_phase", by_phase, "by_request", "echo", cell(300, 30.0, 0, 3), "a|b<c>",
        cell(100, 10.0, 10, 0), "by_node", "gw1", cell(200, 20.0, 0, 2), "gw2",
        cell(200, 20.0, 10, 1), "intervals", ivs, "gates", gates);
    assert_non_null(root);
    return root;
}

static void save(const char *path, json_t *doc)
{
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
    json_decref(doc);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/gatecap-test-report.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(results, sizeof results, "%s/results.json", dir);
    snprintf(planfile, sizeof planfile, "%s/a-plan.json", dir);
    save(results, fixture());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (getenv("KEEP_TMP")) { /* as the integration tests: keep the fixture to look at */
        fprintf(stderr, "kept %s\n", dir);
        return 0;
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Renders r with fn into a string (caller frees). */
static char *render(const struct report *r, int (*fn)(const struct report *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(fn(r, f), 0);
    fclose(f);
    return buf;
}

static void has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("missing: %s", needle);
}

static void lacks(const char *text, const char *needle)
{
    if (strstr(text, needle))
        fail_msg("unexpected: %s", needle);
}

/* ---- tests ---- */

static void load_model(void **state)
{
    (void)state;
    struct report r;
    char err[512] = "";
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0);
    assert_string_equal(r.scenario, "demo <b>|x</b>");
    assert_string_equal(r.results_file, "results.json");
    assert_int_equal(r.n_phases, 4);
    assert_false(r.phases[0].record);
    assert_int_equal(r.n_nodes, 2);
    assert_int_equal(r.n_intervals, 10);
    assert_int_equal(r.intervals[0].phase, 0);
    assert_true(r.intervals[4].nodes[1].present && r.intervals[4].nodes[1].p99_ms == 12);
    assert_int_equal(r.n_by_request, 2);
    assert_true(r.all.count == 400 && r.all.outcomes[4] == 10 && r.all.outcomes[5] == 3);
    assert_true(r.by_node[1].throttled_pct == 5);
    /* histograms: all, then each request with its cells summed */
    assert_int_equal(r.n_dists, 3);
    assert_string_equal(r.dists[1].name, "echo");
    assert_int_equal(hdr_count(r.dists[0].latency), 400);
    assert_int_equal(hdr_count(r.dists[1].latency), 300);
    assert_int_equal(hdr_count(r.dists[2].latency), 100);
    assert_int_equal(hdr_count(r.dists[2].service), 100);
    assert_true(hdr_values_equivalent(r.dists[1].latency,
                                      hdr_value_at_percentile(r.dists[1].latency, 50), 50000));
    assert_true(hdr_values_equivalent(r.dists[2].latency, hdr_max(r.dists[2].latency), 100000));
    /* gates */
    assert_true(r.have_gates);
    assert_int_equal(r.n_gates, 2);
    assert_int_equal(r.gates_failed, 1);
    assert_string_equal(r.gates[1].name, "gw|1");
    assert_true(r.gates[1].measured == 0.75);
    /* three constant-rate phases: steps, as gatecap plan measures them */
    assert_false(r.steps_from_plan);
    assert_int_equal(r.n_steps, 3);
    assert_true(r.steps[1].offered_rps == 200);
    assert_true(fabs(r.steps[1].achieved_rps - 198) < 1e-9); /* first interval left out */
    assert_true(r.steps[2].latency_ms == 30);
    assert_null(r.plan);
    report_free(&r);
    assert_null(r.dists);
}

static void markdown(void **state)
{
    (void)state;
    struct report r;
    char err[512];
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0);
    char *md = render(&r, report_markdown);
    has(md, "# gatecap report: demo \\<b\\>\\|x\\</b\\>\n");
    has(md, "> ❌ **FAIL: 1 of 2 gates failed.**");
    has(md, "a \\`tick\\` and \\*stars\\*");
    has(md, "| Started | 2026-11-23 13:26:52 UTC |");
    has(md, "| Versions | gatecap 0.1.0 (native transport), libcurl 7.88.1, OpenSSL 3.0 |");
    has(md, "| p1 | 100 | 100 | 2 | 3 | 10 | 22 | 26 | 0 (0.00 %) | 0 (0.00 %) |");
    has(md, "| **all** | 400 |");
    has(md, "| a\\|b\\<c\\> | 100 |");
    has(md, "| node | 2xx | throttled | 5xx |");
    has(md, "- **5xx**: HTTP 503 \\<html\\>\\|\\</html\\>");
    has(md, "| p99 \\< 250ms | all | 20 ms | ✅ pass |");
    has(md, "| errors \\< 0.1% | node gw\\|1 | 0.75 % | ❌ **fail** |");
    has(md, "## Steps");
    has(md, "| p2 | 200 | 198 | 99.0 % | 20 | 0.50 % |");
    lacks(md, "Capacity plan");
    /* every table row has as many cells as its header: no | leaked */
    for (const char *line = md; (line = strstr(line, "\n|")); line++) {
        const char *end = strchr(line + 1, '\n');
        int bars = 0;
        for (const char *p = line + 1; p < end; p++)
            bars += *p == '|' && p[-1] != '\\';
        assert_true(bars >= 3);
    }
    free(md);
    report_free(&r);
}

static void html(void **state)
{
    (void)state;
    struct report r;
    char err[512];
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0);
    char *h = render(&r, report_html);
    lacks(h, "<script");
    lacks(h, "<b>|x");
    lacks(h, " src=");
    has(h, "Content-Security-Policy\" content=\"default-src 'none'");
    has(h, "<title>gatecap report: demo &lt;b&gt;|x&lt;/b&gt;</title>");
    has(h, "class=\"banner fail\" id=\"gates-banner\">FAIL: 1 of 2 gates failed");
    has(h, "<code>HTTP 503 &lt;html&gt;|&lt;/html&gt;</code>");
    const char *charts[] = {"latency-percentiles", "throughput", "latency-time",
                            "errors-time",         "steps-rate", "steps-latency"};
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++) {
        char id[64];
        snprintf(id, sizeof id, "id=\"chart-%s\" data-chart=\"%s\"", charts[i], charts[i]);
        has(h, id);
    }
    lacks(h, "data-chart=\"what-if\"");
    lacks(h, "data-chart=\"usl\"");
    /* per request, latency and service lines, named */
    has(h, "data-series=\"echo\"");
    has(h, "data-series=\"service a|b&lt;c&gt;\"");
    has(h, ">99.9%</text>");
    has(h, "latency (ms)</text>");
    has(h, ">p1</text>"); /* phases marked */
    has(h, "data-series=\"throttled\"");
    has(h, "data-series=\"5xx\"");
    /* the same input, the same bytes */
    char *again = render(&r, report_html);
    assert_string_equal(h, again);
    free(again);
    free(h);
    report_free(&r);
}

static void no_gates(void **state)
{
    (void)state;
    char path[160], err[512];
    struct report r;
    json_t *doc = fixture();
    json_object_del(doc, "gates");
    snprintf(path, sizeof path, "%s/nogates.json", dir);
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    assert_false(r.have_gates);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    lacks(md, "Gates");
    lacks(md, "FAIL");
    lacks(h, "gates-banner");
    free(md);
    free(h);
    report_free(&r);
    /* an empty list (a scenario without gates) says nothing either */
    doc = fixture();
    json_object_set_new(doc, "gates", json_array());
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    assert_false(r.have_gates);
    report_free(&r);
    /* all passing */
    doc = fixture();
    json_object_set_new(json_array_get(json_object_get(doc, "gates"), 1), "verdict",
                        json_string("pass"));
    json_object_set_new(json_object_get(doc, "run"), "gates_failed", json_integer(0));
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    h = render(&r, report_html);
    has(h, "class=\"banner pass\" id=\"gates-banner\">PASS: all 2 gates passed");
    free(h);
    report_free(&r);
}

/* A run that ran out of local resources: generator-limited, the requests
 * never sent and an example in the Generator fact (escaped in HTML); none
 * of that for a run without them, or from before the counter. */
static void local_failures(void **state)
{
    (void)state;
    char path[160], err[512];
    struct report r;
    json_t *doc = fixture();
    json_t *gen = json_object_get(doc, "generator");
    json_object_set_new(gen, "local_failures", json_integer(1234));
    json_object_set_new(gen, "local_failure_example",
                        json_string("node <gw1>: cannot open a socket: Too many open files"));
    json_object_set_new(json_object_get(doc, "run"), "status", json_string("generator-limited"));
    snprintf(path, sizeof path, "%s/local.json", dir);
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "1,234 requests never sent (gatecap ran out of local resources, e.g. node");
    has(md, "ran out of its own resources");
    has(h, "1,234 requests never sent (gatecap ran out of local resources, e.g. node &lt;gw1&gt;: "
           "cannot open a socket: Too many open files)");
    free(md);
    free(h);
    report_free(&r);
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0); /* no counter */
    md = render(&r, report_markdown);
    lacks(md, "never sent");
    free(md);
    report_free(&r);
}

/* Counts needle in text. */
static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The phases as they ran (a run stopped during p2) and the --set
 * overrides, beside the description; a closed model's users. */
static void phases_and_overrides(void **state)
{
    (void)state;
    char path[160], err[512];
    struct report r;
    json_t *doc = fixture();
    json_t *scn = json_object_get(doc, "scenario");
    json_object_set_new(
        scn, "overrides",
        json_pack("[s,s]", "load.workers=2", "requests.0.headers.X-Key=<redacted>"));
    json_t *run = json_object_get(doc, "run");
    json_object_set_new(run, "status", json_string("stopped"));
    json_object_set_new(run, "arrivals_end_s", json_real(5.5));
    json_t *ramp = json_array_get(json_object_get(json_object_get(scn, "load"), "phases"), 3);
    json_object_set_new(ramp, "rate_end_per_s", json_real(450));
    snprintf(path, sizeof path, "%s/phases.json", dir);
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    assert_int_equal(r.n_overrides, 2);
    assert_true(r.phases[0].ran_s == 1 && r.phases[1].ran_s == 3 && r.phases[2].ran_s == 1.5 &&
                r.phases[3].ran_s == 0);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "| Overrides | load.workers=2, requests.0.headers.X-Key=\\<redacted\\> |");
    has(md, "### Phases\n\n| phase | load | planned | ran | recorded | achieved/s |");
    has(md, "| warm | 50/s | 1 s | 1 s | warm-up, not recorded | – |");
    has(md, "| p1 | 100/s | 3 s | 3 s | yes | 100 |");
    has(md, "| p2 | 200/s | 3 s | 1.5 s | yes | 200 |");
    has(md, "| p3 | 300 → 450/s | 3 s | 0 s | yes | 300 |");
    has(h, "<th>Overrides</th><td><code>load.workers=2</code>, "
           "<code>requests.0.headers.X-Key=&lt;redacted&gt;</code></td>");
    has(h, "<h3>Phases</h3>");
    free(md);
    free(h);
    report_free(&r);

    /* closed model; a results.json from before overrides and arrivals_end_s */
    doc = fixture();
    scn = json_object_get(doc, "scenario");
    json_object_set_new(json_object_get(scn, "load"), "model", json_string("closed"));
    json_object_set_new(json_object_get(doc, "run"), "model", json_string("closed"));
    json_t *phases = json_object_get(json_object_get(scn, "load"), "phases");
    for (size_t i = 0; i < json_array_size(phases); i++) {
        json_t *ph = json_array_get(phases, i);
        json_object_del(ph, "rate_start_per_s");
        json_object_del(ph, "rate_end_per_s");
        json_object_set_new(ph, "users", json_integer(i ? (json_int_t)(10 * i) : 1));
        json_object_set_new(ph, "think_ms", json_real(i == 2 ? 100 : 0));
    }
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    assert_int_equal(r.n_overrides, 0);
    md = render(&r, report_markdown);
    lacks(md, "Overrides");
    has(md, "| warm | 1 user | 1 s | 1 s |");
    has(md, "| p1 | 10 users | 3 s | 3 s |"); /* complete: as planned */
    has(md, "| p2 | 20 users, think 100 ms | 3 s | 3 s |");
    free(md);
    report_free(&r);
}

/* A target behind which node_header named the nodes answers nothing
 * itself: no chart draws it (at 0 req/s), the facts name it. */
static void silent_target(void **state)
{
    (void)state;
    char path[160], err[512];
    struct report r;
    json_t *doc = fixture();
    json_object_set_new(doc, "nodes", json_pack("[s,s,s]", "lb<1>", "gw1", "gw2"));
    json_object_set_new(json_object_get(doc, "scenario"), "node_header",
                        json_string("X-Gateway-Node"));
    snprintf(path, sizeof path, "%s/silent.json", dir);
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    assert_int_equal(r.n_nodes, 2);
    assert_string_equal(r.nodes[0], "gw1");
    assert_int_equal(r.n_silent, 1);
    assert_true(r.intervals[4].nodes[0].present && r.intervals[4].nodes[0].p99_ms == 4);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "| Nodes | 2 answered (named by X-Gateway-Node): gw1, gw2; lb\\<1\\> answered nothing "
            "itself |");
    lacks(h, "data-series=\"lb");
    lacks(h, "data-series=\"p99 lb");
    has(h, "data-series=\"gw1\"");
    free(md);
    free(h);
    report_free(&r);
    /* direct targets that all answered */
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0);
    md = render(&r, report_markdown);
    has(md, "| Nodes | 2 answered: gw1, gw2 |");
    free(md);
    report_free(&r);
}

/* A gate that measured nothing failed, and looks so; abandoned and other
 * requests are drawn in the errors chart; the marks of a chart carry the
 * keys of their legend entries. */
static void no_data_and_legends(void **state)
{
    (void)state;
    char path[160], err[512];
    struct report r;
    json_t *doc = fixture();
    json_array_append_new(json_object_get(doc, "gates"),
                          json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:s,s:n,s:s}", "gate", "p50 < 1ms",
                                    "scope", "phase", "name", "p9", "metric", "p50", "op", "<",
                                    "threshold", 1.0, "unit", "ms", "measured", "verdict",
                                    "no-data"));
    json_t *iv = json_array_get(json_object_get(doc, "intervals"), 5);
    json_t *oc = json_object_get(json_object_get(iv, "all"), "outcomes");
    json_object_set_new(oc, "abandoned", json_integer(7));
    json_object_set_new(oc, "other", json_integer(2));
    snprintf(path, sizeof path, "%s/nodata.json", dir);
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "| p50 \\< 1ms | phase p9 | – | ❌ **no data** |");
    has(h, "<td class=\"verdict-fail\">no data</td>");
    has(h, "data-series=\"abandoned\" data-keys=\"abandoned\"");
    has(h, "data-series=\"other\" data-keys=\"other\"");
    has(h, "<g class=\"legend-item\" data-keys=\"abandoned\">");
    has(h, "<g class=\"legend-item\" data-keys=\"k0\">");
    has(h, "<g class=\"legend-item\" data-keys=\"p99\">");
    has(h, "data-keys=\"k1 p99\"");
    free(md);
    free(h);
    report_free(&r);
}

static void expect_error(const char *path, const char *plan, const char *needle);

/* A token pool's applications: listed (most troubled first beyond
 * REPORT_MAX_APPS), the token endpoint line, an auth failure named. */
static void applications(void **state)
{
    (void)state;
    char path[160], err[512];
    struct report r;
    json_t *doc = fixture();
    json_t *apps = json_array();
    for (int i = 0; i < REPORT_MAX_APPS + 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "tpp-%d", i);
        json_t *a =
            json_pack("{s:s,s:i,s:i,s:f,s:i,s:i,s:f,s:f,s:f,s:i,s:i}", "name", name, "count", 100,
                      "errors", i == 7 ? 40 : 0, "error_pct", i == 7 ? 40.0 : 0.0, "unauthorized",
                      i == 7 ? 40 : 0, "throttled", i == 3 ? 25 : 0, "throttled_pct",
                      i == 3 ? 25.0 : 0.0, "latency_mean_ms", 1.5, "latency_max_ms", 9.0,
                      "tokens_fetched", 3, "rejected_after_refresh", i == 7 ? 38 : 0);
        json_object_set_new(a, "throttled_by",
                            i == 3 ? json_pack("{s:i}", "application", 25) : json_object());
        json_array_append_new(apps, a);
    }
    json_object_set_new(doc, "auth",
                        json_pack("{s:o,s:{s:s,s:i,s:i,s:{s:i,s:i,s:i,s:i},s:o}}", "applications",
                                  apps, "token_endpoint", "url", "https://km:9443/oauth2/token",
                                  "requests", 12, "failed", 1, "by_reason", "initial", 55, "ahead",
                                  4, "after_401", 2, "retry", 1, "latency_ms", lat(2, 9)));
    snprintf(path, sizeof path, "%s/auth.json", dir);
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    assert_int_equal(r.n_apps_total, REPORT_MAX_APPS + 5);
    assert_int_equal(r.n_apps, REPORT_MAX_APPS);
    /* the two with trouble first */
    assert_string_equal(r.apps[0].name, "tpp-7");
    assert_string_equal(r.apps[1].name, "tpp-3");
    assert_string_equal(r.apps[1].throttled_by, "application 25");
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "## Applications");
    has(md, "| tpp-3 | 100 | 0 (0.00 %) | 0 | 25 (25.00 %) | application 25 |");
    has(md, "The 50 of 55 applications with the most errors and 429s");
    has(md, "Token endpoint https://km:9443/oauth2/token: 12 requests (55 before the run, 4 "
            "ahead of expiry, 2 after a 401, 1 retries), 1 failed");
    has(md, "**Auth failure:** application tpp-7 got 401");
    has(h, "<h2 id=\"applications\">Applications</h2>");
    has(h, "<b>Auth failure:</b> application tpp-7");
    free(md);
    free(h);
    report_free(&r);
    /* without auth: no section */
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0);
    md = render(&r, report_markdown);
    lacks(md, "Applications");
    free(md);
    report_free(&r);
    /* a malformed auth section is named */
    doc = fixture();
    json_object_set_new(doc, "auth", json_pack("{s:i}", "applications", 3));
    save(path, doc);
    expect_error(path, NULL, "auth: expected an object");
}

static void expect_error(const char *path, const char *plan, const char *needle)
{
    struct report r;
    char err[512] = "";
    assert_int_equal(report_load(&r, path, plan, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error '%s' lacks '%s'", err, needle);
    report_free(&r);
}

/* Writes the fixture with edit applied as NAME in dir; returns the path. */
static const char *variant(const char *name, void (*edit)(json_t *))
{
    static char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_t *doc = fixture();
    edit(doc);
    save(path, doc);
    return path;
}

static void cut_by_node(json_t *d)
{
    json_object_del(json_object_get(d, "totals"), "by_node");
}
static void bad_format(json_t *d)
{
    json_object_set_new(d, "format", json_string("gatecap-plan"));
}
static void bad_version(json_t *d)
{
    json_object_set_new(d, "version", json_integer(2));
}
static void bad_hist(json_t *d)
{
    json_object_set_new(
        json_object_get(json_array_get(json_object_get(d, "cells"), 1), "histograms"), "latency",
        json_string("bm90IGEgaGlzdG9ncmFt"));
}
static void bad_gates(json_t *d)
{
    json_object_set_new(d, "gates", json_string("p99 < 1s"));
}
static void gate_without_verdict(json_t *d)
{
    json_object_del(json_array_get(json_object_get(d, "gates"), 1), "verdict");
}
static void bad_row(json_t *d)
{
    json_object_set_new(json_object_get(json_object_get(d, "totals"), "by_phase"), "p9",
                        json_string("x"));
}
static void no_interval_start(json_t *d)
{
    json_object_del(json_array_get(json_object_get(d, "intervals"), 3), "start_s");
}
static void no_name(json_t *d)
{
    json_object_del(json_object_get(d, "scenario"), "name");
}

static void bad_input(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/missing.json", dir);
    expect_error(path, NULL, "missing.json: cannot read: No such file");
    snprintf(path, sizeof path, "%s/broken.json", dir);
    put(path, "{\"format\": \"gatecap-results\",\n \"version\": 1,\n \"run\": }\n");
    expect_error(path, NULL, "broken.json:3:");
    snprintf(path, sizeof path, "%s/array.json", dir);
    put(path, "[1, 2]\n");
    expect_error(path, NULL, "array.json: not a gatecap results.json");
    expect_error(variant("v1.json", cut_by_node), NULL, "v1.json: totals.by_node is missing");
    expect_error(variant("v2.json", bad_format), NULL, "not a gatecap results.json");
    expect_error(variant("v3.json", bad_version), NULL, "results version 2");
    expect_error(variant("v4.json", bad_hist), NULL, "v4.json: cells[1].histograms.latency: ");
    expect_error(variant("v5.json", bad_gates), NULL, "\"gates\" is not an array");
    expect_error(variant("v6.json", gate_without_verdict), NULL,
                 "gates[1]: \"gate\" and \"verdict\"");
    expect_error(variant("v7.json", bad_row), NULL, "totals.by_phase.p9: not a CELL");
    expect_error(variant("v8.json", no_interval_start), NULL, "intervals[3]: start_s");
    expect_error(variant("v9.json", no_name), NULL, "scenario.name");
    /* report_write passes the message on and writes nothing */
    char out[160], err[512];
    snprintf(out, sizeof out, "%s/never", dir);
    assert_int_equal(report_write(path, NULL, out, err, sizeof err), -1);
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
}

static const char *PLAN =
    "{\"format\": \"gatecap-plan\", \"version\": 1,\n"
    " \"sentence\": \"Recommend 3 gateway nodes: <ok>.\",\n"
    " \"slo\": {\"percentile\": \"p99\", \"latency_ms\": 25, \"error_pct\": 0.1,"
    " \"min_achieved_pct\": 99},\n"
    " \"steps\": [\n"
    "  {\"name\": \"p1\", \"per_node_offered_rps\": 50, \"per_node_achieved_rps\": 50,"
    " \"latency_ms\": 10, \"error_pct\": 0, \"verdict\": \"good\", \"violates\": [],"
    " \"role\": null, \"invalid_reason\": null},\n"
    "  {\"name\": \"p2\", \"per_node_offered_rps\": 100, \"per_node_achieved_rps\": 99,"
    " \"latency_ms\": 20, \"error_pct\": 0, \"verdict\": \"good\", \"violates\": [],"
    " \"role\": \"last_good\"},\n"
    "  {\"name\": \"p3\", \"per_node_offered_rps\": 150, \"per_node_achieved_rps\": 130,"
    " \"latency_ms\": 300, \"error_pct\": 0, \"verdict\": \"bad\","
    " \"violates\": [\"achieved\", \"latency\"], \"role\": \"first_bad\"}],\n"
    " \"points\": [{\"concurrency\": 1, \"throughput_rps\": 10},"
    " {\"concurrency\": 4, \"throughput_rps\": 35}, {\"concurrency\": 8, \"throughput_rps\": "
    "55}],\n"
    " \"capacity\": {\"per_node_rps\": 104.5, \"at_least\": false, \"limited_by\": [\"achieved\"],"
    " \"interpolated_on\": \"achieved\"},\n"
    " \"demand\": {\"peak_rps\": 150},\n"
    " \"policy\": {\"headroom_pct\": 30, \"redundancy\": 1, \"min_nodes\": 2},\n"
    " \"recommendation\": {\"nodes\": 4, \"n_base\": 3, \"binding\": \"peak\","
    " \"per_node_effective_rps\": 73.15, \"util_peak_pct\": 35.9, \"util_after_loss_pct\": 47.8,"
    " \"loss_ok\": true, \"traffic_managers\": null},\n"
    " \"what_if\": [{\"nodes\": 1, \"capacity_rps\": 104.5, \"util_peak_pct\": 143.5,"
    " \"util_after_loss_pct\": null, \"headroom_left_pct\": -43.5, \"meets_policy\": false},"
    " {\"nodes\": 4, \"capacity_rps\": 418, \"util_peak_pct\": 35.9, \"util_after_loss_pct\": 47.8,"
    " \"headroom_left_pct\": 64.1, \"meets_policy\": true}],\n"
    " \"sensitivity\": [{\"case\": \"peak +20%\", \"peak_rps\": 180, \"per_node_rps\": 104.5,"
    " \"nodes\": 4}],\n"
    " \"usl\": {\"fit\": {\"gamma\": 10, \"alpha\": 0.05, \"beta\": 0.002, \"has_peak\": true,"
    " \"peak_concurrency\": 21.8, \"peak_throughput\": 73.4, \"r2\": 0.999}},\n"
    " \"assumptions\": [\"Scale-out is linear | <always>.\"]}\n";

static void with_plan(void **state)
{
    (void)state;
    struct report r;
    char err[512] = "";
    put(planfile, PLAN);
    assert_int_equal(report_load(&r, results, planfile, err, sizeof err), 0);
    assert_non_null(r.plan);
    assert_true(r.steps_from_plan);
    assert_int_equal(r.n_steps, 3);
    assert_string_equal(r.steps[2].why, "achieved, latency");
    assert_int_equal(r.plan->n_points, 3);
    assert_int_equal(r.plan->rec_nodes, 4);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "## Capacity plan\n\n**Recommend 3 gateway nodes: \\<ok\\>.**");
    has(md, "limited by achieved");
    has(md, "| p3 | 150 | 130 | 86.7 % | 300 | 0.00 % | bad: achieved, latency (first bad) |");
    has(md, "| 1 | 104 | 144 % | – | -43.5 % | no |");
    has(md, "| 4 | 418 | 35.9 % | 47.8 % | 64.1 % | yes **← recommended** |");
    has(md, "peak at N* = 21.8");
    has(md, "R² = 0.9990; 3 measured points.");
    has(md, "- Scale-out is linear \\| \\<always\\>.");
    lacks(md, "\n## Steps"); /* the plan's steps replace the phases' */
    has(md, "from results.json and a-plan.json.");
    has(h, "data-chart=\"what-if\"");
    has(h, "data-chart=\"usl\"");
    has(h, "data-chart=\"steps-rate\"");
    has(h, "knee: 104 req/s");
    has(h, "SLO: p99 ≤ 25 ms");
    has(h, "recommended: 4 nodes");
    has(h, "peak N* = 21.8: 73.4 req/s");
    has(h, "Recommend 3 gateway nodes: &lt;ok&gt;.");
    has(h, "<table class=\"nowrap\"><tr><th>step</th>");
    /* the points of each verdict and their legend entry, in both charts */
    assert_int_equal(count(h, "<g class=\"legend-item\" data-keys=\"v-good\">"), 2);
    assert_int_equal(count(h, "data-series=\"steps good\" data-keys=\"v-good\""), 2);
    lacks(h, "data-keys=\"v-invalid\"");
    free(md);
    free(h);
    report_free(&r);

    /* every verdict a step can have, the knee unknown: an entry for each
     * verdict drawn, none for the knee; a long reason below the table */
    char vplan[200];
    snprintf(vplan, sizeof vplan, "%s/verdicts-plan.json", dir);
    json_error_t jerr;
    json_t *pj = json_loads(PLAN, 0, &jerr);
    assert_non_null(pj);
    json_t *steps = json_object_get(pj, "steps");
    json_object_set_new(json_array_get(steps, 0), "verdict", json_string("invalid"));
    json_object_set_new(json_array_get(steps, 0), "invalid_reason",
                        json_string("gatecap's own shortfall <x> could have decided it"));
    json_object_set_new(json_array_get(steps, 1), "verdict", json_string("unconfirmed"));
    json_object_set_new(json_array_get(steps, 1), "violates", json_pack("[s]", "latency"));
    json_object_set_new(json_array_get(steps, 2), "verdict", json_string("from-the-future"));
    json_object_set_new(pj, "capacity", json_null());
    save(vplan, pj);
    assert_int_equal(report_load(&r, results, vplan, err, sizeof err), 0);
    md = render(&r, report_markdown);
    h = render(&r, report_html);
    has(md, "| invalid (note 1) |");
    has(md, "| unconfirmed: latency (last good) |");
    has(md, "\n1. p1: gatecap's own shortfall \\<x\\> could have decided it\n");
    has(h, "<ol class=\"notes\">\n<li>p1: gatecap&#39;s own shortfall &lt;x&gt; could have "
           "decided it</li>");
    const char *k[] = {"v-invalid", "v-unconfirmed", "v-other"};
    for (size_t i = 0; i < 3; i++) {
        char want[96];
        snprintf(want, sizeof want, "<g class=\"legend-item\" data-keys=\"%s\">", k[i]);
        assert_int_equal(count(h, want), 2);
        snprintf(want, sizeof want, "data-keys=\"%s\" fill", k[i]);
        assert_int_equal(count(h, want), 2);
    }
    lacks(h, "data-keys=\"v-good\"");
    lacks(h, "data-keys=\"knee\"");
    has(h, "#b8860b"); /* unconfirmed: a color of its own */
    free(md);
    free(h);
    report_free(&r);

    /* plan.json beside results.json is found without --plan */
    char sub[160], res2[200], plan2[200];
    snprintf(sub, sizeof sub, "%s/beside", dir);
    mkdir(sub, 0777);
    snprintf(res2, sizeof res2, "%s/results.json", sub);
    snprintf(plan2, sizeof plan2, "%s/plan.json", sub);
    save(res2, fixture());
    put(plan2, PLAN);
    assert_int_equal(report_load(&r, res2, NULL, err, sizeof err), 0);
    assert_non_null(r.plan);
    report_free(&r);
    /* ... and a broken one there is an error, named */
    put(plan2, "{\"format\": \"gatecap-plan\", \"version\": 1,\n \"slo\": {}\n");
    expect_error(res2, NULL, "beside/plan.json:3:");
    put(plan2, "{\"format\": \"gatecap-plan\", \"version\": 1, \"slo\": {}}");
    expect_error(res2, NULL, "\"slo\" (object) and \"steps\" (array) are required");
    expect_error(results, results, "not a gatecap plan.json");
    char missing[200];
    snprintf(missing, sizeof missing, "%s/none.json", dir);
    expect_error(results, missing, "none.json: cannot read");
}

static void writing(void **state)
{
    (void)state;
    char out[160], err[512] = "", path[200];
    snprintf(out, sizeof out, "%s/out/deeper", dir);
    assert_int_equal(report_write(results, NULL, out, err, sizeof err), 0);
    struct stat st;
    snprintf(path, sizeof path, "%s/report.md", out);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 1000);
    snprintf(path, sizeof path, "%s/report.html", out);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 10000);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", out);
    assert_int_not_equal(system(cmd), 0); /* no temporary file left */
    /* an output folder that is a file */
    snprintf(path, sizeof path, "%s/afile", dir);
    put(path, "x");
    assert_int_equal(report_write(results, NULL, path, err, sizeof err), -1);
    has(err, "afile");
    /* a full disk: the renderers report the write error */
    struct report r;
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0);
    char small[64];
    FILE *f = fmemopen(small, sizeof small, "w");
    assert_non_null(f);
    setvbuf(f, NULL, _IONBF, 0);
    assert_int_equal(report_html(&r, f), -1);
    fclose(f);
    f = fmemopen(small, sizeof small, "w");
    setvbuf(f, NULL, _IONBF, 0);
    assert_int_equal(report_markdown(&r, f), -1);
    fclose(f);
    report_free(&r);
}

static void helpers(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(report_fmt(b, sizeof b, 1234567.4), "1,234,567");
    assert_string_equal(report_fmt(b, sizeof b, 12.345), "12.3");
    assert_string_equal(report_fmt(b, sizeof b, 3), "3");
    assert_string_equal(report_fmt(b, sizeof b, NAN), "–");
    assert_string_equal(report_fmt_ms(b, sizeof b, 0.4123), "0.412");
    assert_string_equal(report_fmt_ms(b, sizeof b, 1204), "1,204");
    assert_string_equal(report_fmt_pct(b, sizeof b, 99.5), "99.5 %");
    assert_string_equal(report_fmt_pct(b, sizeof b, NAN), "–");
    assert_string_equal(report_fmt_start(b, sizeof b, 0), "");
    char scope[] = "phase", name[] = "steady";
    struct report_gate g = {.scope = scope, .name = name};
    assert_string_equal(report_gate_scope(b, sizeof b, &g), "phase steady");
    g.scope = NULL;
    assert_string_equal(report_gate_scope(b, sizeof b, &g), "all");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    report_md_escape(f, "a|b*c_d`e<f>&g\nh[i](j)#k\\l\tm");
    fclose(f);
    assert_string_equal(buf, "a\\|b\\*c\\_d\\`e\\<f\\>&amp;g h\\[i\\](j)\\#k\\\\l m");
    free(buf);
    assert_string_equal(report_outcome_name(3), "unauthorized");
    assert_string_equal(report_outcome_name(4), "throttled");
    assert_string_equal(report_outcome_name(11), "abandoned");
    assert_true(report_outcome_is_error(11));
    assert_null(report_outcome_name(12));
    assert_false(report_outcome_is_error(4));
    assert_true(report_outcome_is_error(5) && report_outcome_is_error(2) &&
                report_outcome_is_error(3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_model),     cmocka_unit_test(markdown),
        cmocka_unit_test(html),           cmocka_unit_test(no_gates),
        cmocka_unit_test(local_failures), cmocka_unit_test(phases_and_overrides),
        cmocka_unit_test(silent_target),  cmocka_unit_test(no_data_and_legends),
        cmocka_unit_test(applications),   cmocka_unit_test(bad_input),
        cmocka_unit_test(with_plan),      cmocka_unit_test(writing),
        cmocka_unit_test(helpers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
