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

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "analysis/plan.h"
#include "base/version.h"
#include "measure/hdr.h"
#include "measure/hdr_codec.h"
#include "net/auth.h"
#include "output/report_int.h"
#include "testresults.h"

static char dir[64];
static char results[128], planfile[128];

/* ---- the fixture: results.json written by results.c from a run built
 * with a real recorder (tests/testresults.h) ---- */

/* The scenario: phases warm (not recorded), p1 100/s, p2 200/s, p3 (300/s
 * or what p3 says); requests echo and a[b] (characters Markdown acts on);
 * gates as `gates` says (a YAML list). */
static struct scenario *demo_scenario(const char *head, const char *p3, const char *gates)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "name: \"demo <b>|x</b>\"\n"
             "description: \"a `tick` and *stars*\"\n"
             "%s"
             "requests:\n"
             "  - {name: echo, path: /echo}\n"
             "  - {name: 'a[b]', path: /ab}\n"
             "load:\n"
             "  phases:\n"
             "    - {name: warm, duration: 1s, rate: 50/s, record: false}\n"
             "    - {name: p1, duration: 3s, rate: 100/s}\n"
             "    - {name: p2, duration: 3s, rate: 200/s}\n"
             "    - {name: p3, duration: 3s, %s}\n"
             "gates: %s\n",
             head ? head
                  : "targets:\n  - {url: 'http://127.0.0.1:8280', name: gw1}\n"
                    "  - {url: 'http://127.0.0.2:8280', name: gw2}\n",
             p3 ? p3 : "rate: 300/s", gates);
    struct scenario *scn = NULL;
    char err[1024] = "";
    if (scenario_load_mem("x.yaml", yaml, strlen(yaml), NULL, 0, &scn, err, sizeof err))
        fail_msg("%s", err);
    return scn;
}

static const char DEMO_GATES[] = "['p99 < 250ms', {gate: 'errors < 0.1%', request: 'a[b]'}]";

/* Completions in each interval of p1, p2, p3 (first, second, third). */
static const int64_t ACH[3][3] = {{50, 100, 98}, {150, 200, 196}, {250, 280, 260}};

/* The run: one warm-up interval (nothing recorded), three of each recorded
 * phase (ACH completions). In each, echo answers half on gw1
 * (nodes[first]), from 1 ms up; a[b] answers the other half on gw2 in p1
 * and p2, from 2 ms up, 5 of them throttled in each phase's first
 * interval and a 503 in p1's first two and p2's first (its example kept);
 * in p3 echo answers the other half on gw2, from 4 ms up. */
static struct engine_result *demo_run(const struct scenario *scn, const char *const *nodes,
                                      size_t n_nodes, size_t first)
{
    struct engine_result *r = tr_run(scn, nodes, n_nodes, 10);
    size_t gw1 = first, gw2 = first + 1;
    struct rec_set *s = tr_set(scn);
    tr_scheduled(s, 0, 50);
    tr_interval(scn, r, 0, 0, 0, 1, s);
    tr_add(r, s);
    rec_set_free(s);
    for (size_t p = 1; p <= 3; p++)
        for (size_t k = 0; k < 3; k++) {
            int64_t c = ACH[p - 1][k], half = c / 2, step = 500 * (int64_t)p;
            s = tr_set(scn);
            tr_scheduled(s, p, (int64_t)(100 * p));
            tr_record(s, p, 0, gw1, half, 1000, step, OC_2XX);
            if (p < 3) {
                int64_t throttled = k == 0 ? 5 : 0, failed = k == 0 || (p == 1 && k == 1);
                tr_record(s, p, 1, gw2, throttled, 2000, 0, OC_429);
                tr_record(s, p, 1, gw2, failed, 60000, 0, OC_5XX);
                tr_record(s, p, 1, gw2, c - half - throttled - failed, 2000, 2 * step, OC_2XX);
                rec_note_error(s, OC_5XX, "HTTP 503 <html>|</html>");
            } else {
                tr_record(s, p, 0, gw2, c - half, 4000, step, OC_2XX);
            }
            tr_interval(scn, r, 1 + (p - 1) * 3 + k, p, (double)(1 + (p - 1) * 3 + k), 1, s);
            tr_add(r, s);
            rec_set_free(s);
        }
    r->elapsed_s = 10.02;
    r->total->by_phase[2].max_lag_us = r->health.max_lag_us = 1200;
    return r;
}

static struct scenario *g_scn;
static struct engine_result *g_run;

/* The totals of the recorded cells of (phase, request, node), SIZE_MAX
 * for any, as the writer sums them. Owned: rec_cell_free. */
static struct rec_cell *truth(size_t phase, size_t request, size_t node)
{
    struct rec_cell *c = rec_cell_new();
    assert_non_null(c);
    rec_set_sum(g_run->total, g_run->n_nodes, phase, request, node, c);
    return c;
}

/* A row of report_table_rows in Markdown for c over `seconds`, its first
 * cell `name` (escaped as the report escapes it). */
static const char *md_row(const char *name, const struct rec_cell *c, double seconds)
{
    static char row[512];
    char b[9][48];
    int64_t errors = 0;
    for (int i = 0; i < OC_COUNT; i++)
        errors += rec_outcome_is_error(i) ? c->outcomes[i] : 0;
    const struct hdr_hist *h = c->latency;
    snprintf(row, sizeof row,
             "| %s | %s | %s | %s | %s | %s | %s | %s | %s (%.2f %%) | %s (%.2f %%) |", name,
             report_fmt(b[0], sizeof b[0], (double)c->completed),
             report_fmt(b[1], sizeof b[1], (double)c->completed / seconds),
             report_fmt_ms(b[2], sizeof b[2], results_ms(hdr_value_at_percentile(h, 50))),
             report_fmt_ms(b[3], sizeof b[3], results_ms(hdr_value_at_percentile(h, 90))),
             report_fmt_ms(b[4], sizeof b[4], results_ms(hdr_value_at_percentile(h, 99))),
             report_fmt_ms(b[5], sizeof b[5], results_ms(hdr_value_at_percentile(h, 99.9))),
             report_fmt_ms(b[6], sizeof b[6], results_ms(hdr_max(h))),
             report_fmt(b[7], sizeof b[7], (double)errors),
             100.0 * (double)errors / (double)c->completed,
             report_fmt(b[8], sizeof b[8], (double)c->outcomes[OC_429]),
             100.0 * (double)c->outcomes[OC_429] / (double)c->completed);
    return row;
}

/* The fixture's results document. Owned: json_decref. */
static json_t *fixture(void)
{
    return tr_doc(g_scn, g_run);
}

static void save(const char *path, json_t *doc)
{
    tr_save(doc, path);
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
    const char *nodes[] = {"gw1", "gw2"};
    g_scn = demo_scenario(NULL, NULL, DEMO_GATES);
    g_run = demo_run(g_scn, nodes, 2, 0);
    save(results, fixture());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tr_free(g_scn, g_run);
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
    assert_true(r.intervals[4].nodes[1].present &&
                r.intervals[4].nodes[1].p99_ms == results_ms(g_run->intervals[4].nodes[1].p99_us));
    assert_int_equal(r.n_by_request, 2);
    /* 248 + 546 + 790 completions; 10 throttled and 3 5xx, all of a[b] on gw2 */
    assert_true(r.all->count == 1584 && r.all->outcomes[OC_429] == 10 &&
                r.all->outcomes[OC_5XX] == 3);
    assert_string_equal(r.by_node[1].name, "gw2");
    assert_true(fabs(r.by_node[1].throttled_pct - 100.0 * 10 / 792) < 1e-8);
    /* histograms: all, then each request with its cells summed */
    assert_int_equal(r.n_dists, 3);
    assert_string_equal(r.dists[1].name, "echo");
    assert_int_equal(hdr_count(r.dists[0].latency), 1584);
    assert_int_equal(hdr_count(r.dists[1].latency), 1187);
    assert_int_equal(hdr_count(r.dists[2].latency), 397);
    assert_int_equal(hdr_count(r.dists[2].service), 397);
    for (size_t q = 0; q < 2; q++) {
        struct rec_cell *c = truth(SIZE_MAX, q, SIZE_MAX);
        assert_true(hdr_value_at_percentile(r.dists[1 + q].latency, 50) ==
                    hdr_value_at_percentile(c->latency, 50));
        assert_true(hdr_max(r.dists[1 + q].latency) == hdr_max(c->latency));
        assert_true(hdr_value_at_percentile(r.dists[1 + q].service, 99) ==
                    hdr_value_at_percentile(c->service, 99));
        rec_cell_free(c);
    }
    /* gates */
    assert_true(r.have_gates);
    assert_int_equal(r.n_gates, 2);
    assert_int_equal(r.gates_failed, 1);
    assert_string_equal(r.gates[1].name, "a[b]");
    assert_true(fabs(r.gates[1].measured - 100.0 * 3 / 397) < 1e-8);
    /* three constant-rate phases: steps, as gatecap plan measures them */
    assert_false(r.steps_from_plan);
    assert_int_equal(r.n_steps, 3);
    assert_true(r.steps[1].offered_rps == 200);
    assert_true(fabs(r.steps[1].achieved_rps - 198) < 1e-9); /* first interval left out */
    struct rec_cell *p3 = truth(3, SIZE_MAX, SIZE_MAX);
    assert_true(r.steps[2].latency_ms == results_ms(hdr_value_at_percentile(p3->latency, 99)));
    rec_cell_free(p3);
    assert_null(r.plan);
    report_free(&r);
    assert_null(r.dists);
}

static void markdown(void **state)
{
    (void)state;
    struct report r;
    char err[512], want[512], b[48];
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0);
    char *md = render(&r, report_markdown);
    has(md, "# gatecap report: demo \\<b\\>\\|x\\</b\\>\n");
    has(md, "> ❌ **FAIL: 1 of 2 gates failed.**");
    has(md, "a \\`tick\\` and \\*stars\\*");
    has(md, "| Started | 2026-11-23 13:26:52 UTC |");
    snprintf(want, sizeof want, "| Versions | gatecap %s (native transport), libcurl %s, %s |",
             GATECAP_VERSION, curl_version_info(CURLVERSION_NOW)->version,
             OpenSSL_version(OPENSSL_VERSION));
    has(md, want);
    /* the rows, as the recorder counted: p1 over its 3 s, all over 9 */
    struct rec_cell *c = truth(1, SIZE_MAX, SIZE_MAX);
    has(md, md_row("p1", c, 3));
    rec_cell_free(c);
    c = truth(SIZE_MAX, SIZE_MAX, SIZE_MAX);
    has(md, md_row("**all**", c, 9));
    has(md, "| **all** | 1,584 |");
    snprintf(want, sizeof want, "| p99 \\< 250ms | all | %s ms | ✅ pass |",
             report_fmt_ms(b, sizeof b, results_ms(hdr_value_at_percentile(c->latency, 99))));
    has(md, want);
    rec_cell_free(c);
    c = truth(SIZE_MAX, 1, SIZE_MAX);
    has(md, md_row("a\\[b\\]", c, 9));
    has(md, "| a\\[b\\] | 397 |");
    rec_cell_free(c);
    has(md, "| node | 2xx | throttled | 5xx |");
    has(md, "- **5xx**: `HTTP 503 <html>|</html>`"); /* a code span: shown as it is */
    has(md, "| errors \\< 0.1% | request a\\[b\\] | 0.76 % | ❌ **fail** |");
    has(md, "## Steps");
    c = truth(2, SIZE_MAX, SIZE_MAX);
    snprintf(want, sizeof want, "| p2 | 200 | 198 | 99.0 %% | %s | 0.18 %% |",
             report_fmt_ms(b, sizeof b, results_ms(hdr_value_at_percentile(c->latency, 99))));
    has(md, want); /* 1 error of 546 */
    rec_cell_free(c);
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
    has(h, "FAIL: 1 of 2 gates failed.</div>");
    has(h, "<p>Latency in milliseconds, completion - intended start");
    has(h, "refused and reset connections, TLS failures and other transport failures.</p>");
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
    has(h, "data-series=\"service a[b]\"");
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

/* Writes the report fixture of scn and r to dir/name; returns the path. */
static const char *write_run(const char *name, const struct scenario *scn,
                             const struct engine_result *r)
{
    static char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tr_write(scn, r, path);
    return path;
}

static void no_gates(void **state)
{
    (void)state;
    char path[160], err[512];
    struct report r;
    /* a results.json from before gates were recorded */
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
    const char *nodes[] = {"gw1", "gw2"};
    struct scenario *scn = demo_scenario(NULL, NULL, "[]");
    struct engine_result *run = demo_run(scn, nodes, 2, 0);
    assert_int_equal(report_load(&r, write_run("nogates2.json", scn, run), NULL, err, sizeof err),
                     0);
    assert_false(r.have_gates);
    report_free(&r);
    tr_free(scn, run);
    /* all passing */
    scn = demo_scenario(NULL, NULL, "['p99 < 250ms', {gate: 'errors < 1%', request: 'a[b]'}]");
    run = demo_run(scn, nodes, 2, 0);
    assert_int_equal(report_load(&r, write_run("pass.json", scn, run), NULL, err, sizeof err), 0);
    h = render(&r, report_html);
    has(h, "class=\"banner pass\" id=\"gates-banner\">PASS: all 2 gates passed");
    free(h);
    report_free(&r);
    tr_free(scn, run);
}

/* Flows and checks (results.json "flows", "checks"): their sections with
 * the numbers, names and examples escaped for each markup; none without. */
static void flows_and_checks(void **state)
{
    (void)state;
    char path[160], err[512];
    struct report r;
    json_t *doc = fixture();
    json_error_t je;
    json_t *add =
        json_loads("{\"flows\": [{\"name\": \"pay|<b>\", \"weight\": 1, \"steps\": [\"a[b]\"],"
                   " \"totals\": {\"started\": 100, \"completed\": 90, \"failed\": 8, \"local\": 1,"
                   " \"unfinished\": 1, \"completed_pct\": 91.83673469,"
                   " \"duration\": {\"count\": 90, \"p50\": 412.5, \"p90\": 800, \"p99\": 1234,"
                   " \"max\": 1500},"
                   " \"failed_by_step\": {\"a[b]\": 8}, \"failed_by_check\": {\"ok<1>\": 8}},"
                   " \"by_phase\": []}],"
                   " \"checks\": [{\"name\": \"ok<1>\", \"passed\": 92, \"failed\": 8,"
                   " \"passed_pct\": 92, \"example\": \"HTTP 201 from gw1: <script>x</script>|\"},"
                   " {\"name\": \"never\", \"passed\": 0, \"failed\": 0, \"passed_pct\": null,"
                   " \"example\": null}]}",
                   0, &je);
    assert_non_null(add);
    json_object_update(doc, add);
    json_decref(add);
    snprintf(path, sizeof path, "%s/flows.json", dir);
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "## Flows");
    has(md,
        "| pay\\|\\<b\\> | 100 | 90 (91.84 %) | 8 (8.16 %) | 1 | 1 | 412 | 800 | 1,234 | 1,500 | ");
    has(md, "a\\[b\\] 8");
    has(md, "## Checks");
    has(md, "| ok\\<1\\> | 92 | 8 | 92 % | HTTP 201 from gw1: \\<script\\>x\\</script\\>\\| |");
    has(h, "id=\"flows\"");
    has(h, "<td>pay|&lt;b&gt;</td>");
    has(h, "<td>ok&lt;1&gt;</td>");
    has(h, "&lt;script&gt;x&lt;/script&gt;");
    lacks(h, "<script>x");
    lacks(h, "pay|<b>");
    free(md);
    free(h);
    report_free(&r);
    /* a run without flows or checks has neither section */
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0);
    md = render(&r, report_markdown);
    h = render(&r, report_html);
    lacks(md, "## Flows");
    lacks(md, "## Checks");
    lacks(h, "id=\"flows\"");
    lacks(h, "id=\"checks\"");
    free(md);
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
    const char *nodes[] = {"gw1", "gw2"};
    struct scenario *scn = demo_scenario(NULL, NULL, DEMO_GATES);
    struct engine_result *run = demo_run(scn, nodes, 2, 0);
    run->health.local_failures = 1234;
    run->total->by_phase[1].local_failures = 1234;
    rec_note_local(run->total, "node <gw1>: cannot open a socket: Too many open files");
    run->generator_limited = true;
    assert_int_equal(report_load(&r, write_run("local.json", scn, run), NULL, err, sizeof err), 0);
    tr_free(scn, run);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "1,234 requests never sent (gatecap ran out of local resources, e.g. node");
    has(md, "ran out of its own resources");
    has(h, "1,234 requests never sent (gatecap ran out of local resources, e.g. node &lt;gw1&gt;: "
           "cannot open a socket: Too many open files)");
    free(md);
    free(h);
    report_free(&r);
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0); /* none */
    md = render(&r, report_markdown);
    lacks(md, "never sent");
    free(md);
    report_free(&r);
    json_t *doc = fixture(); /* from before the counter */
    json_object_del(json_object_get(doc, "generator"), "local_failures");
    snprintf(path, sizeof path, "%s/nocounter.json", dir);
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    assert_true(isnan(r.gen_local_failures));
    md = render(&r, report_markdown);
    lacks(md, "never sent");
    free(md);
    report_free(&r);
}

/* Arrivals that waited for the in-flight bound and requests that waited
 * for an HTTP/2 stream are in the Generator fact (their latency holds the
 * wait); nothing is said of waits that did not happen. */
static void generator_waits(void **state)
{
    (void)state;
    char err[512];
    struct report r;
    const char *nodes[] = {"gw1", "gw2"};
    struct scenario *scn = demo_scenario(NULL, NULL, DEMO_GATES);
    struct engine_result *run = demo_run(scn, nodes, 2, 0);
    run->health.bound_waits = 12;
    run->health.stream_waits = 3456;
    assert_int_equal(report_load(&r, write_run("waits.json", scn, run), NULL, err, sizeof err), 0);
    tr_free(scn, run);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "; 12 waited for the in-flight bound; 3,456 waited for an HTTP/2 stream");
    has(h, "; 12 waited for the in-flight bound; 3,456 waited for an HTTP/2 stream");
    free(md);
    free(h);
    report_free(&r);
    assert_int_equal(report_load(&r, results, NULL, err, sizeof err), 0); /* none */
    md = render(&r, report_markdown);
    lacks(md, "waited for");
    free(md);
    report_free(&r);
}

/* The protocol the gateway was asked to carry is a fact of the run:
 * HTTP/1.1 with its connection policy, HTTP/2 with its streams per
 * connection and connections per node. */
static void protocol_fact(void **state)
{
    (void)state;
    char err[512];
    struct report r;
    const char *nodes[] = {"gw1", "gw2"};
    static const struct {
        const char *head, *want;
    } cases[] = {
        {"", "| Protocol | HTTP/1.1; connections kept alive |"},
        {"tls: {connections: new}\n",
         "| Protocol | HTTP/1.1; a new connection for every request |"},
        {"tls: {new_connection_fraction: 10%}\n",
         "| Protocol | HTTP/1.1; a new connection for 10 % of requests |"},
        {"http: '2'\nhttp2: {max_streams: 10, connections: 50}\n",
         "| Protocol | HTTP/2, up to 10 streams per connection, at most 50 connections per node; "
         "connections kept alive |"},
        {"http: '2'\n",
         "| Protocol | HTTP/2, up to 1 stream per connection, as many connections as needed; "
         "connections kept alive |"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char head[512];
        snprintf(head, sizeof head,
                 "targets:\n  - {url: 'http://127.0.0.1:8280', name: gw1}\n"
                 "  - {url: 'http://127.0.0.2:8280', name: gw2}\n%s",
                 cases[i].head);
        struct scenario *scn = demo_scenario(head, NULL, DEMO_GATES);
        struct engine_result *run = demo_run(scn, nodes, 2, 0);
        assert_int_equal(report_load(&r, write_run("proto.json", scn, run), NULL, err, sizeof err),
                         0);
        tr_free(scn, run);
        char *md = render(&r, report_markdown);
        has(md, cases[i].want);
        free(md);
        report_free(&r);
    }
    /* results.json from before the field: no such fact */
    json_t *doc = fixture();
    json_object_del(json_object_get(doc, "scenario"), "http");
    char path[160];
    snprintf(path, sizeof path, "%s/nohttp.json", dir);
    save(path, doc);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    char *md = render(&r, report_markdown);
    lacks(md, "| Protocol |");
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
    const char *ov[] = {"load.workers=2", "requests.0.headers.X-Api-Key=s3cret"};
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "name: demo\n"
             "targets: ['http://127.0.0.1:8280']\n"
             "requests: [{name: echo, path: /echo}]\n"
             "load:\n"
             "  phases:\n"
             "    - {name: warm, duration: 1s, rate: 50/s, record: false}\n"
             "    - {name: p1, duration: 3s, rate: 100/s}\n"
             "    - {name: p2, duration: 3s, rate: 200/s}\n"
             "    - {name: p3, duration: 3s, rate: 300/s..450/s}\n");
    struct scenario *scn = NULL;
    assert_int_equal(scenario_load_mem("x.yaml", yaml, strlen(yaml), ov, 2, &scn, err, sizeof err),
                     0);
    /* stopped 1.5 s into p2: its intervals until then, and the drain */
    const char *nodes[] = {"gw1"};
    struct engine_result *run = tr_run(scn, nodes, 1, 7);
    const double start[] = {0, 1, 2, 3, 4, 5, 5.5}, len[] = {1, 1, 1, 1, 1, 0.5, 0.3};
    for (size_t i = 0; i < 7; i++) {
        size_t p = i == 0 ? 0 : i < 4 ? 1 : 2;
        struct rec_set *s = tr_set(scn);
        tr_scheduled(s, p, i == 6 ? 0 : (int64_t)(100 * p * len[i]));
        if (p && i < 6)
            tr_record(s, p, 0, 0, (int64_t)(100 * p * len[i]), 1000, 1, OC_2XX);
        tr_interval(scn, run, i, p, start[i], len[i], s);
        tr_add(run, s);
        rec_set_free(s);
    }
    run->intervals[6].drain = true;
    run->stopped_early = true;
    run->schedule_end_s = 5.5;
    run->elapsed_s = 5.8;
    snprintf(path, sizeof path, "%s/phases.json", dir);
    tr_write(scn, run, path);
    tr_free(scn, run);
    assert_int_equal(report_load(&r, path, NULL, err, sizeof err), 0);
    assert_int_equal(r.n_overrides, 2);
    assert_true(r.phases[0].ran_s == 1 && r.phases[1].ran_s == 3 && r.phases[2].ran_s == 1.5 &&
                r.phases[3].ran_s == 0);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "| Overrides | load.workers=2, requests.0.headers.X-Api-Key=\\<redacted\\> |");
    lacks(md, "s3cret");
    has(md, "### Phases\n\n| phase | load | planned | ran | recorded | achieved/s |");
    has(md, "| warm | 50/s | 1 s | 1 s | warm-up, not recorded | – |");
    has(md, "| p1 | 100/s | 3 s | 3 s | yes | 100 |");
    has(md, "| p2 | 200/s | 3 s | 1.5 s | yes | 200 |"); /* 300 over the 1.5 s it ran */
    has(md, "| p3 | 300 → 450/s | 3 s | 0 s | yes | – |");
    has(h, "<th>Overrides</th><td><code>load.workers=2</code>, "
           "<code>requests.0.headers.X-Api-Key=&lt;redacted&gt;</code></td>");
    has(h, "<h3>Phases</h3>");
    free(md);
    free(h);
    report_free(&r);

    /* closed model; a results.json from before overrides and arrivals_end_s */
    snprintf(yaml, sizeof yaml,
             "name: demo\n"
             "targets: ['http://127.0.0.1:8280']\n"
             "requests: [{name: echo, path: /echo}]\n"
             "load:\n"
             "  model: closed\n"
             "  phases:\n"
             "    - {name: warm, duration: 1s, users: 1, record: false}\n"
             "    - {name: p1, duration: 3s, users: 10}\n"
             "    - {name: p2, duration: 3s, users: 20, think: 100ms}\n"
             "    - {name: p3, duration: 3s, users: 30}\n");
    scn = tr_scenario(yaml);
    run = tr_run(scn, nodes, 1, 10);
    for (size_t i = 0; i < 10; i++) {
        size_t p = i == 0 ? 0 : 1 + (i - 1) / 3;
        struct rec_set *s = tr_set(scn);
        tr_scheduled(s, p, 100);
        tr_record(s, p, 0, 0, 100, 1000, 1, OC_2XX);
        tr_interval(scn, run, i, p, (double)i, 1, s);
        tr_add(run, s);
        rec_set_free(s);
    }
    json_t *doc = tr_doc(scn, run);
    tr_free(scn, run);
    json_object_del(json_object_get(doc, "scenario"), "overrides");
    json_object_del(json_object_get(doc, "run"), "arrivals_end_s");
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
    char err[512];
    struct report r;
    struct scenario *scn =
        demo_scenario("targets: [{url: 'http://127.0.0.10:8280', name: 'lb[1]'}]\n"
                      "node_header: X-Gateway-Node\n",
                      NULL, DEMO_GATES);
    const char *nodes[] = {"lb[1]", "gw1", "gw2"};
    struct engine_result *run = demo_run(scn, nodes, 3, 1);
    assert_int_equal(report_load(&r, write_run("silent.json", scn, run), NULL, err, sizeof err), 0);
    assert_int_equal(r.n_nodes, 2);
    assert_string_equal(r.nodes[0], "gw1");
    assert_int_equal(r.n_silent, 1);
    assert_true(r.intervals[4].nodes[0].present &&
                r.intervals[4].nodes[0].p99_ms == results_ms(run->intervals[4].nodes[1].p99_us));
    tr_free(scn, run);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "| Nodes | 2 answered (named by X-Gateway-Node): gw1, gw2; lb\\[1\\] answered nothing "
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
    char err[512];
    struct report r;
    /* a gate on the balancer, which answered nothing itself */
    struct scenario *scn =
        demo_scenario("targets: [{url: 'http://127.0.0.10:8280', name: 'lb[1]'}]\n"
                      "node_header: X-Gateway-Node\n",
                      NULL,
                      "['p99 < 250ms', {gate: 'errors < 0.1%', request: 'a[b]'}, "
                      "{gate: 'p50 < 1ms', node: 'lb[1]'}]");
    const char *nodes[] = {"lb[1]", "gw1", "gw2"};
    struct engine_result *run = demo_run(scn, nodes, 3, 1);
    /* interval 5: 7 abandoned and 2 other answers */
    struct rec_set *s = tr_set(scn);
    tr_record(s, 2, 0, 1, 7, 0, 0, OC_ABANDONED);
    tr_record(s, 2, 0, 1, 2, 0, 0, OC_OTHER);
    tr_interval(scn, run, 5, 2, 5, 1, s);
    rec_set_free(s);
    assert_int_equal(report_load(&r, write_run("nodata.json", scn, run), NULL, err, sizeof err), 0);
    tr_free(scn, run);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md, "| p50 \\< 1ms | node lb\\[1\\] | – | ❌ **no data** |");
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
    /* 55 applications, as a CSV brings them */
    char csv[160];
    snprintf(csv, sizeof csv, "%s/apps.csv", dir);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("name,client_id,client_secret\n", f);
    for (int i = 0; i < REPORT_MAX_APPS + 5; i++)
        fprintf(f, "tpp-%d,id-%d,secret-%d\n", i, i, i);
    fclose(f);
    char head[512];
    snprintf(head, sizeof head,
             "targets:\n  - {url: 'http://127.0.0.1:8280', name: gw1}\n"
             "  - {url: 'http://127.0.0.2:8280', name: gw2}\n"
             "auth: {token_url: 'https://km:9443/oauth2/token', applications: %s}\n",
             csv);
    struct scenario *scn = demo_scenario(head, NULL, DEMO_GATES);
    const char *nodes[] = {"gw1", "gw2"};
    struct engine_result *run = demo_run(scn, nodes, 2, 0);
    /* the token pool, as its thread leaves its statistics */
    assert_int_equal(auth_pool_new(scn, 1, &run->auth, err, sizeof err), 0);
    struct auth_stats *st = (struct auth_stats *)(uintptr_t)auth_pool_stats(run->auth);
    st->requests = 12;
    st->failed = 1;
    st->by_reason[AUTH_INITIAL] = 55;
    st->by_reason[AUTH_AHEAD] = 4;
    st->by_reason[AUTH_AFTER_401] = 2;
    st->by_reason[AUTH_RETRY] = 1;
    for (int i = 0; i < 11; i++)
        hdr_record(st->latency, 2000 + 700 * i);
    assert_int_equal(rec_set_apps(run->total, REPORT_MAX_APPS + 5), 0);
    for (int i = 0; i < REPORT_MAX_APPS + 5; i++) {
        struct rec_app *a = &run->total->apps[i];
        a->completed = 100;
        a->outcomes[OC_2XX] = 100 - (i == 7 ? 40 : 0) - (i == 3 ? 25 : 0);
        a->outcomes[OC_401] = i == 7 ? 40 : 0;
        a->outcomes[OC_429] = i == 3 ? 25 : 0;
        a->throttled_by[3] = i == 3 ? 25 : 0; /* WSO2 900803: application */
        a->rejected_fresh = i == 7 ? 38 : 0;
        a->latency_count = 100;
        a->latency_sum_us = 150000;
        a->latency_max_us = 9000;
        st->apps[i].fetched = 3;
    }
    assert_int_equal(report_load(&r, write_run("auth.json", scn, run), NULL, err, sizeof err), 0);
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
    json_t *doc = tr_doc(scn, run);
    json_object_set_new(doc, "auth", json_pack("{s:i}", "applications", 3));
    snprintf(path, sizeof path, "%s/badauth.json", dir);
    save(path, doc);
    expect_error(path, NULL, "auth: expected an object");
    tr_free(scn, run);
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
    /* the fixture cut short after its second line */
    FILE *f = fopen(results, "r");
    assert_non_null(f);
    char text[512] = "";
    for (int i = 0; i < 2; i++)
        assert_non_null(fgets(text + strlen(text), (int)(sizeof text - strlen(text)), f));
    fclose(f);
    snprintf(path, sizeof path, "%s/broken.json", dir);
    put(path, text);
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

/* A plan made by plan_build from measured steps at 50, 100 and 150/s
 * (the last fails on achieved, latency and errors) and five concurrency
 * points, for a peak of 150/s at p99 ≤ 25 ms; the CSV's name carries
 * characters Markdown and HTML act on. Written as `gatecap plan -o` does;
 * *plan (plan_free) and *rq keep what it was made from. */
static void make_plan(const char *path, struct plan *plan, struct plan_request *rq)
{
    char csv[200], err[512];
    snprintf(csv, sizeof csv, "%s/m<1>|x.csv", dir);
    put(csv, "rate,concurrency,throughput,p99_ms,error_pct\n"
             "50,,50,10,0\n100,,99,20,0\n150,,130,300,0.5\n"
             ",1,10,,\n,2,19,,\n,4,35,,\n,8,55,,\n,16,66,,\n");
    static char file[200];
    snprintf(file, sizeof file, "%s", csv);
    plan_request_defaults(rq);
    rq->files[rq->n_files++] = file;
    rq->target_rps = 150;
    rq->slo_latency_ms = 25;
    if (plan_build(plan, rq, err, sizeof err))
        fail_msg("%s", err);
    tr_plan_save(plan_to_json(plan, rq), path);
}

static void with_plan(void **state)
{
    (void)state;
    struct report r;
    char err[512] = "", want[1024];
    struct plan plan;
    struct plan_request rq;
    make_plan(planfile, &plan, &rq);
    assert_int_equal(report_load(&r, results, planfile, err, sizeof err), 0);
    assert_non_null(r.plan);
    assert_true(r.steps_from_plan);
    assert_int_equal(r.n_steps, 3);
    assert_string_equal(r.steps[2].why, "achieved, latency, errors");
    assert_int_equal(r.plan->n_points, 5);
    assert_int_equal(r.plan->rec_nodes, 4);
    assert_int_equal(r.plan->rec_nodes, plan.rec.nodes);
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    snprintf(want, sizeof want, "## Capacity plan\n\n**%s**", plan.sentence);
    has(md, want);
    has(md, "Recommend 4 gateway nodes: the peak of 150 req/s needs 3 nodes at 70 % of the 100 "
            "req/s each carries at p99 ≤ 25.0 ms, plus 1 for N+1.");
    has(md, "**100 req/s**; limited by achieved, latency, errors.");
    has(md, "| line 4 | 150 | 130 | 86.7 % | 300 | 0.50 % | bad: achieved, latency, errors "
            "(first bad) |");
    has(md, "| 1 | 100 | 150 % | – | -50 % | no |");
    has(md, "| 4 | 400 | 37.5 % | 50 % | 62.5 % | yes **← recommended** |");
    has(md, "peak at N* = 15.95, X(N*) = 66.0 req/s; R² = 1.0000; 5 measured points.");
    has(md, "m\\<1\\>\\|x.csv: CSV rates are taken as one node's");
    lacks(md, "\n## Steps"); /* the plan's steps replace the phases' */
    has(md, "from results.json and a-plan.json alone: regenerate it any time");
    has(h, "data-chart=\"what-if\"");
    has(h, "data-chart=\"usl\"");
    has(h, "data-chart=\"steps-rate\"");
    has(h, "knee: 100 req/s");
    has(h, "SLO: p99 ≤ 25 ms");
    has(h, "recommended: 4 nodes");
    has(h, "peak N* = 16: 66.0 req/s");
    has(h, "Recommend 4 gateway nodes: the peak of 150 req/s");
    has(h, "m&lt;1&gt;|x.csv: CSV rates are taken as one node&#39;s");
    lacks(h, "m<1>");
    has(h, "<table class=\"nowrap\"><tr><th>step</th>");
    /* the plan's sentences, written once, say the same in both */
    has(md, "- Binding constraint: **the peak at the headroom, plus redundancy**. Peak 150 req/s; "
            "headroom 30 %; N+1; at least 2 nodes. With 1 lost, the rest run at 50 % of their "
            "SLO capacity.\n");
    has(h, "<li>Binding constraint: <b>the peak at the headroom, plus redundancy</b>. Peak 150 "
           "req/s; headroom 30 %; N+1; at least 2 nodes. With 1 lost, the rest run at 50 % of "
           "their SLO capacity.</li>\n");
    has(md, "### USL fit\n\nX(N) = γN / (1 + α(N−1) + βN(N−1)): γ = ");
    has(h, "<p>X(N) = γN / (1 + α(N−1) + βN(N−1)): γ = ");
    has(h, "R² = 1.0000; 5 measured points.</p>");
    has(h, "from results.json and a-plan.json alone: regenerate it any time");
    /* the points of each verdict and their legend entry, in both charts */
    assert_int_equal(count(h, "<g class=\"legend-item\" data-keys=\"v-good\">"), 2);
    assert_int_equal(count(h, "data-series=\"steps good\" data-keys=\"v-good\""), 2);
    lacks(h, "data-keys=\"v-invalid\"");
    free(md);
    free(h);
    report_free(&r);

    /* every verdict a step can have, one a newer gatecap may write, the
     * knee unknown: an entry for each verdict drawn, none for the knee; a
     * long reason below the table */
    char vplan[200];
    snprintf(vplan, sizeof vplan, "%s/verdicts-plan.json", dir);
    json_t *pj = plan_to_json(&plan, &rq);
    json_t *steps = json_object_get(pj, "steps");
    json_object_set_new(json_array_get(steps, 0), "verdict", json_string("invalid"));
    json_object_set_new(json_array_get(steps, 0), "valid", json_false());
    json_object_set_new(json_array_get(steps, 0), "invalid_reason",
                        json_string("gatecap's own shortfall <x> could have decided it"));
    json_object_set_new(json_array_get(steps, 1), "verdict", json_string("unconfirmed"));
    json_object_set_new(json_array_get(steps, 1), "violates", json_pack("[s]", "latency"));
    json_object_set_new(json_array_get(steps, 2), "verdict", json_string("from-the-future"));
    json_object_set_new(pj, "capacity", json_null());
    tr_plan_save(pj, vplan);
    assert_int_equal(report_load(&r, results, vplan, err, sizeof err), 0);
    md = render(&r, report_markdown);
    h = render(&r, report_html);
    has(md, "| invalid (note 1) |");
    has(md, "| unconfirmed: latency (last good) |");
    has(md, "\n1. line 2: gatecap's own shortfall \\<x\\> could have decided it\n");
    has(h, "<ol class=\"notes\">\n<li>line 2: gatecap&#39;s own shortfall &lt;x&gt; could have "
           "decided it</li>");
    const char *k[] = {"v-invalid", "v-unconfirmed", "v-other"};
    for (size_t i = 0; i < 3; i++) {
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
    tr_plan_save(plan_to_json(&plan, &rq), plan2);
    assert_int_equal(report_load(&r, res2, NULL, err, sizeof err), 0);
    assert_non_null(r.plan);
    report_free(&r);
    /* ... and a broken one there is an error, named: cut short after its
     * third line, or without its steps */
    FILE *f = fopen(plan2, "r");
    assert_non_null(f);
    char text[512] = "";
    for (int i = 0; i < 3; i++)
        assert_non_null(fgets(text + strlen(text), (int)(sizeof text - strlen(text)), f));
    fclose(f);
    put(plan2, text);
    expect_error(res2, NULL, "beside/plan.json:4:");
    pj = plan_to_json(&plan, &rq);
    json_object_del(pj, "steps");
    tr_plan_save(pj, plan2);
    expect_error(res2, NULL, "beside/plan.json: steps is missing or not an array");
    expect_error(results, results, "not a gatecap plan.json");
    char missing[200];
    snprintf(missing, sizeof missing, "%s/none.json", dir);
    expect_error(results, missing, "none.json: cannot read");
    plan_free(&plan);
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

/* The banners and the plan's facts come from one place: each says the
 * same in both reports, with text from the inputs escaped in each. */
static void banners_and_hostile_plan(void **state)
{
    (void)state;
    struct report r;
    char err[512];
    /* the plan with_plan wrote */
    assert_int_equal(report_load(&r, results, planfile, err, sizeof err), 0);
    r.status = "interrupted";
    r.stop_reason = "gate <p99> & `x`";
    r.insecure_tls = true;
    snprintf(r.plan->limited_by, sizeof r.plan->limited_by, "a*b_<c>");
    r.plan->traffic_managers = 2;
    char *md = render(&r, report_markdown), *h = render(&r, report_html);
    has(md,
        "> ⚠️ **Interrupted**: the run was stopped before its plan ended; the numbers cover "
        "what ran.\n\n");
    has(h, "<div class=\"banner warn\">Interrupted: the run was stopped before its plan ended; "
           "the numbers cover what ran.</div>\n");
    has(md, "> ⚠️ **Stopped early**: gate \\<p99\\> &amp; \\`x\\`\n\n");
    has(h, "<div class=\"banner warn\">Stopped early: gate &lt;p99&gt; &amp; `x`</div>\n");
    has(md, "> ⚠️ TLS certificate verification was **off** (tls.insecure).\n\n");
    has(h, "<div class=\"banner warn\">TLS certificate verification was off "
           "(tls.insecure).</div>\n");
    has(md, "; limited by a\\*b\\_\\<c\\>.\n");
    has(h, "; limited by a*b_&lt;c&gt;.</li>");
    has(md, " Traffic Managers: 2.\n");
    has(h, " Traffic Managers: 2.</li>");
    free(md);
    free(h);
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
    struct results_gate g = {.scope = scope, .name = name};
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
    /* outcome classes are the recorder's (one table: measure/recorder.h) */
    assert_string_equal(rec_outcome_name(OC_401), "unauthorized");
    assert_string_equal(rec_outcome_name(OC_429), "throttled");
    assert_string_equal(rec_outcome_name(OC_ABANDONED), "abandoned");
    assert_true(rec_outcome_is_error(OC_ABANDONED));
    assert_string_equal(rec_outcome_name(OC_COUNT), "?");
    assert_false(rec_outcome_is_error(OC_429));
    assert_true(rec_outcome_is_error(OC_5XX) && rec_outcome_is_error(OC_4XX) &&
                rec_outcome_is_error(OC_401));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_model),
        cmocka_unit_test(markdown),
        cmocka_unit_test(html),
        cmocka_unit_test(no_gates),
        cmocka_unit_test(local_failures),
        cmocka_unit_test(generator_waits),
        cmocka_unit_test(protocol_fact),
        cmocka_unit_test(phases_and_overrides),
        cmocka_unit_test(silent_target),
        cmocka_unit_test(no_data_and_legends),
        cmocka_unit_test(applications),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(with_plan),
        cmocka_unit_test(banners_and_hostile_plan),
        cmocka_unit_test(writing),
        cmocka_unit_test(helpers),
        cmocka_unit_test(flows_and_checks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
