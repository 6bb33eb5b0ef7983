/* tests/analysis/test_plan_input.c — the readers of `gatecap plan`
 * (harness/analysis/plan_input.c): results.json steps and points, CSV dialects,
 * and every refusal with the file and line it names. */
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

#include "analysis/plan_input.h"
#include "testutil.h"

static const struct plan_input_opts p99 = {.percentile = "p99", .nodes = 0};

/* A small results.json: a warm-up (not recorded), step a at 100/s (three
 * whole intervals and a partial one), a ramp, step b at 200/s with 2.5 %
 * late arrivals, a drain interval after it; nodes n1 and n2 served, lb
 * (the balancer's own name) did not. The reader hands the steps on as
 * judge.h judges them (tests/measure/test_judge.c, tests/analysis/test_plan.c judge). */
static const char *results_json =
    "{\"format\": \"gatecap-results\", \"version\": 1,\n"
    " \"run\": {\"status\": \"complete\"},\n"
    " \"generator\": {\"late_tolerance_pct\": 1, \"late_pct\": 0.5},\n"
    " \"scenario\": {\"interval_s\": 1, \"load\": {\"model\": \"open\", \"phases\": [\n"
    "   {\"name\": \"w\", \"rate_start_per_s\": 100, \"rate_end_per_s\": 100, \"record\": false},\n"
    "   {\"name\": \"a\", \"rate_start_per_s\": 100, \"rate_end_per_s\": 100, \"record\": true},\n"
    "   {\"name\": \"r\", \"rate_start_per_s\": 100, \"rate_end_per_s\": 200, \"record\": true},\n"
    "   {\"name\": \"b\", \"rate_start_per_s\": 200, \"rate_end_per_s\": 200, \"record\": "
    "true}]}},\n"
    " \"nodes\": [\"lb\", \"n1\", \"n2\"],\n"
    " \"totals\": {\n"
    "  \"by_phase\": {\n"
    "   \"a\": {\"error_pct\": 0.05, \"latency_ms\": {\"p50\": 1, \"p90\": 2, \"p99\": 3, "
    "\"p99.9\": 4}},\n"
    "   \"b\": {\"error_pct\": 0, \"latency_ms\": {\"p50\": 5, \"p90\": 6, \"p99\": 7, "
    "\"p99.9\": 8}}},\n"
    "  \"by_node\": {\"n1\": {\"count\": 300}, \"n2\": {\"count\": 290}, \"lb\": {\"count\": "
    "0}}},\n"
    " \"intervals\": [\n"
    "  {\"phase\": \"w\", \"length_s\": 1, \"scheduled\": 100, \"late\": 0, \"achieved_rps\": 0},\n"
    "  {\"phase\": \"a\", \"length_s\": 1, \"scheduled\": 100, \"late\": 0, \"achieved_rps\": "
    "90},\n"
    "  {\"phase\": \"a\", \"length_s\": 1, \"scheduled\": 100, \"late\": 0, \"achieved_rps\": "
    "100},\n"
    "  {\"phase\": \"a\", \"length_s\": 1, \"scheduled\": 100, \"late\": 0, \"achieved_rps\": "
    "102},\n"
    "  {\"phase\": \"a\", \"length_s\": 0.5, \"scheduled\": 50, \"late\": 0, \"achieved_rps\": "
    "10},\n"
    "  {\"phase\": \"r\", \"length_s\": 1, \"scheduled\": 150, \"late\": 0, \"achieved_rps\": "
    "150},\n"
    "  {\"phase\": \"b\", \"length_s\": 1, \"scheduled\": 200, \"late\": 5, \"achieved_rps\": "
    "150},\n"
    "  {\"phase\": \"b\", \"length_s\": 1, \"scheduled\": 200, \"late\": 5, \"achieved_rps\": "
    "199},\n"
    "  {\"phase\": \"b\", \"length_s\": 1, \"scheduled\": 0, \"late\": 0, \"achieved_rps\": "
    "50}]}\n";

static void results_steps(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    test_put(path, sizeof path, "results.json", results_json);
    struct plan_input in = {0};
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_int_equal(in.n_steps, 2);
    assert_int_equal(in.n_points, 0);
    assert_int_equal(in.n_sources, 1);
    assert_int_equal(in.sources[0].nodes, 2);
    assert_string_equal(in.sources[0].node_names, "n1, n2");
    assert_string_equal(in.sources[0].status, "complete");

    const struct plan_input_step *a = &in.steps[0], *b = &in.steps[1];
    /* named by the folder of their results.json and the phase */
    char label[160];
    const char *folder = strrchr(test_dir, '/') + 1;
    snprintf(label, sizeof label, "%s/a", folder);
    assert_string_equal(a->name, label);
    assert_true(a->offered_rps == 100);
    assert_true(a->judged);
    assert_int_equal(a->judge.n_iv, 4); /* its intervals, the partial one too */
    assert_int_equal(a->intervals, 2);  /* judged: the first and partial left out */
    assert_true(a->judge.offered_rps == 100);
    assert_true(a->judge.iv[1].scheduled == 100);
    assert_true(a->latency_ms == 3);
    assert_true(a->error_pct == 0.05);
    assert_int_equal(a->nodes, 2);

    snprintf(label, sizeof label, "%s/b", folder);
    assert_string_equal(b->name, label);
    assert_int_equal(b->judge.n_iv, 3); /* the drain interval is the phase's too */
    assert_int_equal(b->intervals, 1);  /* ... but nothing was scheduled in it */
    assert_true(fabs(b->late_pct - 2.5) < 1e-12);
    /* without generator.by_phase (older results) the health sums the intervals' */
    assert_true(b->judge.gen.scheduled == 400 && b->judge.gen.late == 10);
    assert_true(b->judge.late_tolerance_pct == 1);

    /* the ramp is noted, not used */
    assert_int_equal(in.n_notes, 1);
    assert_non_null(strstr(in.notes[0], "phase r is a ramp"));
    plan_input_free(&in);

    /* p99.9 picks its own column; --nodes overrides the served count */
    struct plan_input_opts o = {.percentile = "p99.9", .nodes = 3};
    assert_int_equal(plan_input_read(&in, path, &o, err, sizeof err), PLAN_INPUT_OK);
    assert_true(in.steps[0].latency_ms == 4);
    assert_int_equal(in.steps[0].nodes, 3);
    assert_true(in.sources[0].nodes_overridden);
    plan_input_free(&in);
}

/* gatecap's CPU per interval and its ceiling (one core per worker
 * thread, at most the machine's cores) reach the judge (which calls a bad
 * step at 90 % of the ceiling gatecap's: tests/measure/test_judge.c). */
static void results_cpu_ceiling(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"format\": \"gatecap-results\", \"version\": 1, \"run\": {\"status\": \"complete\"},\n"
        " \"environment\": {\"cores\": 2, \"workers\": 1},\n"
        " \"generator\": {\"late_tolerance_pct\": 1},\n"
        " \"scenario\": {\"interval_s\": 1, \"load\": {\"model\": \"open\", \"phases\": [\n"
        "   {\"name\": \"a\", \"rate_start_per_s\": 100, \"rate_end_per_s\": 100}]}},\n"
        " \"totals\": {\"by_phase\": {\"a\": {\"error_pct\": 0, \"latency_ms\": {\"p99\": 3}}},\n"
        "            \"by_node\": {\"n1\": {\"count\": 300}}},\n"
        " \"intervals\": [\n"
        "  {\"phase\": \"a\", \"length_s\": 1, \"scheduled\": 100, \"cpu_pct\": 40},\n"
        "  {\"phase\": \"a\", \"length_s\": 1, \"scheduled\": 100, \"cpu_pct\": 95}]}\n";
    char path[128], err[512] = "";
    test_put(path, sizeof path, "cpu.json", doc);
    struct plan_input in = {0};
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_true(in.steps[0].judge.iv[1].cpu_pct == 95);
    assert_true(in.steps[0].judge.cpu_ceiling_pct == 100);
    plan_input_free(&in);
    char *two = strdup(doc);
    assert_non_null(two);
    memcpy(strstr(two, "\"workers\": 1") + 11, "2", 1);
    test_put(path, sizeof path, "cpu2.json", two);
    free(two);
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_true(in.steps[0].judge.cpu_ceiling_pct == 200);
    plan_input_free(&in);
}

static void results_refused(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    struct plan_input in = {0};

    /* generator-limited: read, each step judged on its own, noted */
    const char *st = strstr(results_json, "\"complete\"");
    assert_non_null(st);
    char *doc = NULL;
    assert_true(asprintf(&doc, "%.*s\"generator-limited\"%s", (int)(st - results_json),
                         results_json, st + strlen("\"complete\"")) > 0);
    test_put(path, sizeof path, "limited.json", doc);
    free(doc);
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_int_equal(in.n_steps, 2);
    assert_non_null(strstr(in.notes[0], "limited.json: the run was generator-limited"));
    plan_input_free(&in);

    test_put(path, sizeof path, "other.json", "{\"format\": \"something\"}");
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "not a gatecap results.json"));

    test_put(path, sizeof path, "v2.json", "{\"format\": \"gatecap-results\", \"version\": 2}");
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "version 2"));

    test_put(path, sizeof path, "cut.json",
             "{\"format\": \"gatecap-results\",\n \"version\": 1,\n");
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "cut.json:3:"));

    snprintf(path, sizeof path, "%s/missing.json", test_dir);
    assert_int_equal(plan_input_read(&in, path, &p99, err, sizeof err), PLAN_INPUT_EIO);
    assert_non_null(strstr(err, "missing.json: cannot read"));
    plan_input_free(&in);
}

static void results_closed_model(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    /* u-1: one user; 100/s over its judged intervals at a mean latency of
     * 8 ms: 0.8 requests in flight at the gateway (gatecap took the rest
     * of each 10 ms between an answer and the next send) */
    test_put(
        path, sizeof path, "closed",
        "{\"format\": \"gatecap-results\", \"version\": 1, \"run\": {\"status\": \"complete\"},\n"
        " \"scenario\": {\"load\": {\"model\": \"closed\", \"phases\": [\n"
        "   {\"name\": \"u-1\", \"users\": 1, \"record\": true},\n"
        "   {\"name\": \"u-2\", \"users\": 4, \"record\": true}]}},\n"
        " \"totals\": {\"by_phase\": {\"u-1\": {\"count\": 280, \"latency_ms\": {\"mean\": 8}}},\n"
        "            \"by_node\": {\"gw\": {\"count\": 9}}},\n"
        " \"intervals\": [\n"
        "  {\"phase\": \"u-1\", \"length_s\": 1, \"scheduled\": 80, \"all\": {\"completed\": "
        "80}},\n"
        "  {\"phase\": \"u-1\", \"length_s\": 1, \"scheduled\": 99, \"all\": {\"completed\": "
        "99}},\n"
        "  {\"phase\": \"u-1\", \"length_s\": 1, \"scheduled\": 101, \"all\": {\"completed\": "
        "101}},\n"
        "  {\"phase\": \"u-2\", \"length_s\": 1, \"scheduled\": 390, \"all\": {\"completed\": "
        "390}}]}\n");
    struct plan_input in = {0};
    /* no extension: sniffed as JSON by its first character */
    assert_int_equal(plan_input_read(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_int_equal(in.n_steps, 0);
    assert_int_equal(in.n_points, 1);
    assert_true(fabs(in.points[0].concurrency - 0.8) < 1e-12);
    assert_true(in.points[0].users == 1);
    assert_true(in.points[0].throughput_rps == 100);
    /* u-2 had one interval: too short, noted */
    assert_int_equal(in.n_notes, 1);
    assert_non_null(strstr(in.notes[0], "u-2"));
    plan_input_free(&in);
}

static void csv_dialects(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    /* byte order mark, CRLF, comments, blank lines, quotes, spaces, an
     * extra column, empty optional cells, rate and concurrency rows */
    test_put(path, sizeof path, "jm.csv",
             "\xEF\xBB\xBF# from a JMeter summary\r\n"
             "\"Rate\", Throughput ,p99_ms,p90_ms,error_pct,label,concurrency\r\n"
             "\r\n"
             "100,99.5,12,8,0.25%,\"first\",\r\n"
             "  # a comment\r\n"
             "200 , 199 ,,9,,second,\r\n"
             ",50,,,,x,1\r\n"
             ",180,,,,y,4");
    struct plan_input in = {0};
    assert_int_equal(plan_input_csv(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_int_equal(in.n_steps, 2);
    assert_int_equal(in.n_points, 2);
    assert_string_equal(in.steps[0].name, "line 4");
    assert_true(in.steps[0].offered_rps == 100 && in.steps[0].achieved_rps == 99.5);
    assert_true(in.steps[0].latency_ms == 12 && in.steps[0].error_pct == 0.25); /* "0.25%" */
    assert_true(isnan(in.steps[1].latency_ms) && isnan(in.steps[1].error_pct));
    assert_int_equal(in.steps[1].nodes, 1);
    assert_true(in.steps[1].valid);
    assert_true(in.points[1].concurrency == 4 && in.points[1].throughput_rps == 180);
    assert_true(in.sources[0].csv);
    assert_int_equal(in.n_notes, 1);
    assert_non_null(strstr(in.notes[0], "columns ignored: p90_ms, label"));
    plan_input_free(&in);

    /* p90 picks the p90_ms column; without error_pct/latency columns: notes */
    struct plan_input_opts o = {.percentile = "p90", .nodes = 0};
    assert_int_equal(plan_input_csv(&in, path, &o, err, sizeof err), PLAN_INPUT_OK);
    assert_true(in.steps[1].latency_ms == 9);
    plan_input_free(&in);
    test_put(path, sizeof path, "bare.csv", "rate,throughput\n100,100\n");
    assert_int_equal(plan_input_csv(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_int_equal(in.n_notes, 2);
    assert_non_null(strstr(in.notes[0], "no p99_ms column"));
    assert_non_null(strstr(in.notes[1], "no error_pct column"));
    plan_input_free(&in);

    /* scale-out data: each row names the nodes that served it */
    test_put(path, sizeof path, "nodes.csv", "nodes,rate,throughput\n1,100,100\n3,300,300\n");
    assert_int_equal(plan_input_csv(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_int_equal(in.steps[0].nodes, 1);
    assert_int_equal(in.steps[1].nodes, 3);
    assert_true(in.sources[0].nodes_column);
    plan_input_free(&in);
    struct plan_input_opts two = {.percentile = "p99", .nodes = 2};
    assert_int_equal(plan_input_csv(&in, path, &two, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "has a nodes column and --nodes was given"));
    plan_input_free(&in);
}

static void csv_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", "empty: no header row"},
        {"# only a comment\n", "empty: no header row"},
        {"rate,throughput\n", "a header but no rows"},
        {"rate,tput\n1,1\n", ":1: the header row needs a 'throughput' column"},
        {"throughput\n1\n", ":1: the header row needs"},
        {"rate,throughput,rate\n1,1,1\n", ":1: column 'rate' appears twice"},
        {"rate,throughput\n100,100\n200,1x\n", ":3: throughput '1x': not a number"},
        {"rate,throughput\n100,nan\n", ":2: throughput 'nan': not a number"},
        {"rate,throughput\n100,inf\n", ":2: throughput 'inf'"},
        {"rate,throughput\n100,-1\n", ":2: throughput is negative"},
        {"rate,throughput\n0,1\n", ":2: rate must be above 0"},
        {"concurrency,throughput\n0,1\n", ":2: concurrency must be above 0"},
        {"rate,throughput\n100\n", ":2: 1 field, but the header has 2"},
        {"rate,throughput\n100,1,2\n", ":2: 3 fields, but the header has 2"},
        {"rate,concurrency,throughput\n100,4,1\n", ":2: give either a rate or a concurrency"},
        {"rate,concurrency,throughput\n,,1\n", "not neither"},
        {"rate,throughput\n100,\n", ":2: throughput is empty"},
        {"rate,throughput,error_pct\n100,100,101\n", ":2: error_pct 101 is above 100"},
        {"rate,throughput,error_pct\n100,100,%\n", ":2: error_pct '%': not a number"},
        {"rate,throughput\n100,100%\n", ":2: throughput '100%': not a number"},
        {"rate,throughput\n1,1\0\n", "binary data"},
        {"nodes,rate,throughput\n0,100,100\n", ":2: nodes must be a whole number"},
        {"nodes,rate,throughput\n1.5,100,100\n", ":2: nodes must be a whole number"},
        {"nodes,rate,throughput\nx,100,100\n", ":2: nodes 'x': not a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[128], err[512] = "", name[32];
        snprintf(name, sizeof name, "bad%zu.csv", i);
        snprintf(path, sizeof path, "%s/%s", test_dir, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        size_t len = strlen(cases[i].text);
        if (strstr(cases[i].msg, "binary"))
            len += 3; /* the text carries a NUL */
        fwrite(cases[i].text, 1, len, f);
        fclose(f);
        struct plan_input in = {0};
        int rc = plan_input_read(&in, path, &p99, err, sizeof err);
        if (rc != PLAN_INPUT_EFORMAT || !strstr(err, cases[i].msg) || !strstr(err, name))
            fail_msg("case %zu: rc %d, message '%s'; want '%s'", i, rc, err, cases[i].msg);
        plan_input_free(&in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(results_steps),   cmocka_unit_test(results_cpu_ceiling),
        cmocka_unit_test(results_refused), cmocka_unit_test(results_closed_model),
        cmocka_unit_test(csv_dialects),    cmocka_unit_test(csv_errors),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
