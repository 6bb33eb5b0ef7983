/* tests/analysis/test_plan_input.c — the readers of `gatecap plan`
 * (harness/analysis/plan_input.c): results.json steps and points, CSV dialects,
 * and every refusal with the file and line it names. The results.json
 * files are written by results.c from runs built with a real recorder
 * (tests/testresults.h). */
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

#include "analysis/plan_input.h"
#include "testresults.h"
#include "testutil.h"

static const struct plan_input_opts p99 = {.percentile = "p99", .nodes = 0};

/* ---- results.json made by the writer (tests/testresults.h) ---- */

/* Open model: a warm-up w (not recorded), step a at 100/s, a ramp r,
 * step b at 200/s. Nodes n1 and n2 served; lb (the balancer's own name)
 * did not. */
static const char STEPS_YAML[] = "targets:\n"
                                 "  - {url: 'http://127.0.0.1:8280', name: lb}\n"
                                 "  - {url: 'http://127.0.0.2:8280', name: n1}\n"
                                 "  - {url: 'http://127.0.0.3:8280', name: n2}\n"
                                 "requests: [{name: q, path: /q}]\n"
                                 "load:\n"
                                 "  phases:\n"
                                 "    - {name: w, duration: 1s, rate: 100/s, record: false}\n"
                                 "    - {name: a, duration: 3500ms, rate: 100/s}\n"
                                 "    - {name: r, duration: 1s, rate: 100/s..200/s}\n"
                                 "    - {name: b, duration: 3s, rate: 200/s}\n";

/* One interval of the steps run: `scheduled` arrivals of phase p, of
 * which `late` were late, answered in `done` by n1 and n2 (latencies of
 * `lat_us` and up; one 5xx when err). */
static void steps_interval(const struct scenario *scn, struct engine_result *r, size_t i, size_t p,
                           double start_s, double length_s, int64_t scheduled, int64_t late,
                           int64_t done, int64_t lat_us)
{
    struct rec_set *s = tr_set(scn);
    tr_scheduled(s, p, scheduled);
    s->health.late += late;
    s->by_phase[p].late += late;
    if (done)
        tr_record(s, p, 0, 1, done / 2, lat_us, 0, OC_2XX);
    if (done - done / 2)
        tr_record(s, p, 0, 2, done - done / 2, lat_us, 0, OC_2XX);
    tr_interval(scn, r, i, p, start_s, length_s, s);
    tr_add(r, s);
    rec_set_free(s);
}

/* The steps run: w one interval; a three whole intervals and a partial
 * one; r one; b two with 2.5 % late arrivals, then one in which nothing
 * was scheduled (it is b's, and not judged), then the drain. In a, the
 * latencies are 1 ms (half), 1.5 ms (40 %), 1.9 ms (9 %), 2 ms (0.9 %)
 * and 2.04 ms: p50 1 ms, p90 1.5, p99 1.9, p99.9 2 ms; one of its 2000
 * answers is a 5xx (0.05 %). */
static struct engine_result *steps_run(const struct scenario *scn)
{
    const char *nodes[] = {"lb", "n1", "n2"};
    struct engine_result *r = tr_run(scn, nodes, 3, 11);
    steps_interval(scn, r, 0, 0, 0, 1, 100, 0, 0, 0);
    steps_interval(scn, r, 1, 1, 1, 1, 100, 0, 0, 0);
    steps_interval(scn, r, 2, 1, 2, 1, 100, 0, 0, 0);
    steps_interval(scn, r, 3, 1, 3, 1, 100, 0, 0, 0);
    steps_interval(scn, r, 4, 1, 4, 0.5, 50, 0, 0, 0);
    steps_interval(scn, r, 5, 2, 4.5, 1, 150, 0, 150, 3000);
    steps_interval(scn, r, 6, 3, 5.5, 1, 200, 5, 200, 5000);
    steps_interval(scn, r, 7, 3, 6.5, 1, 200, 5, 199, 5000);
    steps_interval(scn, r, 8, 3, 7.5, 1, 0, 0, 50, 5000);
    steps_interval(scn, r, 9, 3, 8.5, 1, 0, 0, 10, 5000);
    r->intervals[9].drain = true;
    steps_interval(scn, r, 10, 3, 9.5, 0.2, 0, 0, 0, 0);
    r->intervals[10].drain = true;
    /* a's answers, into the totals: the percentiles above */
    struct rec_set *s = tr_set(scn);
    tr_record(s, 1, 0, 1, 999, 1000, 0, OC_2XX);
    tr_record(s, 1, 0, 1, 1, 1000, 0, OC_5XX);
    tr_record(s, 1, 0, 2, 800, 1500, 0, OC_2XX);
    tr_record(s, 1, 0, 2, 180, 1900, 0, OC_2XX);
    tr_record(s, 1, 0, 2, 18, 2000, 0, OC_2XX);
    tr_record(s, 1, 0, 2, 2, 2040, 0, OC_2XX);
    tr_add(r, s);
    rec_set_free(s);
    return r;
}

/* Writes the steps run, edited by edit (NULL: as written), to name. */
static void steps_file(char *path, size_t n, const char *name, void (*edit)(json_t *))
{
    struct scenario *scn = tr_scenario(STEPS_YAML);
    struct engine_result *r = steps_run(scn);
    json_t *doc = tr_doc(scn, r);
    if (edit)
        edit(doc);
    snprintf(path, n, "%s/%s", test_dir, name);
    tr_save(doc, path);
    tr_free(scn, r);
}

/* As a results.json from before generator.by_phase. */
static void no_by_phase(json_t *doc)
{
    json_object_del(json_object_get(doc, "generator"), "by_phase");
}

static void results_steps(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    char dir[128];
    snprintf(dir, sizeof dir, "%s/run-1", test_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    steps_file(path, sizeof path, "run-1/results.json", NULL);
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
    assert_string_equal(a->name, "run-1/a");
    assert_true(a->offered_rps == 100);
    assert_true(a->judged);
    assert_int_equal(a->judge.n_iv, 4); /* its intervals, the partial one too */
    assert_int_equal(a->intervals, 2);  /* judged: the first and partial left out */
    assert_true(a->judge.offered_rps == 100);
    assert_true(a->judge.iv[1].scheduled == 100);
    assert_true(a->latency_ms == 1.9);
    assert_true(a->error_pct == 0.05);
    assert_int_equal(a->nodes, 2);

    assert_string_equal(b->name, "run-1/b");
    assert_int_equal(b->judge.n_iv, 3); /* not the drain: the interval without arrivals is b's */
    assert_int_equal(b->intervals, 1);  /* ... but nothing was scheduled in it */
    assert_true(fabs(b->late_pct - 2.5) < 1e-12);
    /* gatecap's health by the phase of each arrival (generator.by_phase) */
    assert_true(b->judge.gen.scheduled == 400 && b->judge.gen.late == 10);
    assert_true(b->judge.gen.abandoned == 0);
    assert_true(b->judge.late_tolerance_pct == 1);

    /* the ramp is noted, not used */
    assert_int_equal(in.n_notes, 1);
    assert_non_null(strstr(in.notes[0], "phase r is a ramp"));
    plan_input_free(&in);

    /* p99.9 picks its own column; --nodes overrides the served count */
    struct plan_input_opts o = {.percentile = "p99.9", .nodes = 3};
    assert_int_equal(plan_input_read(&in, path, &o, err, sizeof err), PLAN_INPUT_OK);
    assert_true(in.steps[0].latency_ms == 2);
    assert_int_equal(in.steps[0].nodes, 3);
    assert_true(in.sources[0].nodes_overridden);
    plan_input_free(&in);

    /* without generator.by_phase (older results) the health sums the
     * intervals' (abandoned unknown) */
    steps_file(path, sizeof path, "older.json", no_by_phase);
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    b = &in.steps[1];
    assert_string_equal(b->name, "older/b");
    assert_true(b->judge.gen.scheduled == 400 && b->judge.gen.late == 10);
    assert_true(isnan(b->judge.gen.abandoned));
    assert_true(fabs(b->late_pct - 2.5) < 1e-12);
    plan_input_free(&in);
}

/* A flow "pay" whose completed instances took p50 400 ms .. p99.9 1.9 s
 * in step a; none completed in step b. */
static void with_flow(json_t *doc)
{
    json_error_t je;
    json_t *f = json_loads(
        "[{\"name\": \"pay\", \"weight\": 1, \"steps\": [\"q\"], \"totals\": {\"started\": 10,"
        " \"completed\": 8, \"failed\": 2}, \"by_phase\": ["
        "{\"phase\": \"a\", \"started\": 8, \"completed\": 8, \"failed\": 0,"
        " \"duration\": {\"count\": 8, \"p50\": 400, \"p90\": 900, \"p99\": 1500,"
        " \"p99.9\": 1900, \"max\": 1900}},"
        "{\"phase\": \"b\", \"started\": 2, \"completed\": 0, \"failed\": 2,"
        " \"duration\": {\"count\": 0, \"p50\": 0, \"p99\": 0}}]}]",
        0, &je);
    assert_non_null(f);
    json_object_set_new(doc, "flows", f);
}

/* --slo flow.pay.p99=...: a step's latency is the flow's durations. */
static void results_flow_latency(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    steps_file(path, sizeof path, "flow.json", with_flow);
    struct plan_input in = {0};
    struct plan_input_opts o = {.percentile = "p99", .flow = "pay"};
    assert_int_equal(plan_input_results(&in, path, &o, err, sizeof err), PLAN_INPUT_OK);
    assert_int_equal(in.n_steps, 2);
    assert_true(in.steps[0].latency_ms == 1500);
    assert_true(in.steps[0].judge.latency_ms[0] == 400);
    assert_true(in.steps[0].judge.latency_ms[3] == 1900);
    assert_true(in.steps[0].error_pct == 0.05); /* errors stay the requests' */
    assert_true(isnan(in.steps[1].latency_ms)); /* none completed */
    assert_true(isnan(in.steps[1].judge.latency_ms[2]));
    plan_input_free(&in);
    /* a flow the run does not have */
    o.flow = "refund";
    assert_int_equal(plan_input_results(&in, path, &o, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "no flow named 'refund'"));
    plan_input_free(&in);
    steps_file(path, sizeof path, "noflow.json", NULL);
    assert_int_equal(plan_input_results(&in, path, &o, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "the run has no flows"));
    plan_input_free(&in);
    /* a CSV has no flows */
    snprintf(path, sizeof path, "%s/steps.csv", test_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("rate,achieved,p99_ms,error_pct\n100,100,5,0\n", f);
    fclose(f);
    o.flow = "pay";
    assert_int_equal(plan_input_read(&in, path, &o, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "a CSV holds no flow durations"));
    plan_input_free(&in);
}

/* A run recorded on a machine of two cores. */
static void two_cores(json_t *doc)
{
    json_object_set_new(json_object_get(doc, "environment"), "cores", json_integer(2));
}

/* gatecap's CPU per interval and its ceiling (one core per worker
 * thread, at most the machine's cores) reach the judge (which calls a bad
 * step at 90 % of the ceiling gatecap's: tests/measure/test_judge.c). */
static void results_cpu_ceiling(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    struct scenario *scn = tr_scenario("targets: ['http://127.0.0.1:8280']\n"
                                       "requests: [{name: q, path: /q}]\n"
                                       "load: {phases: [{name: a, duration: 2s, rate: 100/s}]}\n");
    const char *nodes[] = {"n1"};
    for (int workers = 1; workers <= 2; workers++) {
        struct engine_result *r = tr_run(scn, nodes, 1, 2);
        r->workers = workers;
        for (size_t i = 0; i < 2; i++) {
            struct rec_set *s = tr_set(scn);
            tr_scheduled(s, 0, 100);
            tr_record(s, 0, 0, 0, 100, 1000, 1, OC_2XX);
            tr_interval(scn, r, i, 0, (double)i, 1, s);
            tr_add(r, s);
            rec_set_free(s);
        }
        r->intervals[0].cpu_pct = 40;
        r->intervals[1].cpu_pct = 95;
        json_t *doc = tr_doc(scn, r);
        two_cores(doc);
        snprintf(path, sizeof path, "%s/cpu%d.json", test_dir, workers);
        tr_save(doc, path);
        engine_result_free(r);
        struct plan_input in = {0};
        assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
        assert_true(in.steps[0].judge.iv[1].cpu_pct == 95);
        assert_true(in.steps[0].judge.cpu_ceiling_pct == 100.0 * workers);
        plan_input_free(&in);
    }
    scenario_free(scn);
}

static void newer_version(json_t *doc)
{
    json_object_set_new(doc, "version", json_integer(2));
}

static void results_refused(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    struct plan_input in = {0};

    /* generator-limited: read, each step judged on its own, noted */
    struct scenario *scn = tr_scenario(STEPS_YAML);
    struct engine_result *r = steps_run(scn);
    r->generator_limited = true;
    snprintf(path, sizeof path, "%s/limited.json", test_dir);
    tr_write(scn, r, path);
    tr_free(scn, r);
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_int_equal(in.n_steps, 2);
    assert_non_null(strstr(in.notes[0], "limited.json: the run was generator-limited"));
    plan_input_free(&in);

    test_put(path, sizeof path, "other.json", "{\"format\": \"something\"}");
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "not a gatecap results.json"));

    steps_file(path, sizeof path, "v2.json", newer_version);
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "version 2"));

    /* a results.json cut short after its third line */
    char full[128];
    steps_file(full, sizeof full, "full.json", NULL);
    FILE *f = fopen(full, "r");
    assert_non_null(f);
    char text[512] = "";
    for (int i = 0; i < 3; i++)
        assert_non_null(fgets(text + strlen(text), (int)(sizeof text - strlen(text)), f));
    fclose(f);
    test_put(path, sizeof path, "cut.json", text);
    assert_int_equal(plan_input_results(&in, path, &p99, err, sizeof err), PLAN_INPUT_EFORMAT);
    assert_non_null(strstr(err, "cut.json:4:"));

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
     * 1.6 ms: 0.16 requests in flight at the gateway (gatecap took the
     * rest of each 10 ms between an answer and the next send) */
    struct scenario *scn = tr_scenario("targets: ['http://127.0.0.1:8280']\n"
                                       "requests: [{name: q, path: /q}]\n"
                                       "load:\n"
                                       "  model: closed\n"
                                       "  phases:\n"
                                       "    - {name: u-1, duration: 3s, users: 1}\n"
                                       "    - {name: u-2, duration: 1s, users: 4}\n");
    const char *nodes[] = {"gw"};
    struct engine_result *r = tr_run(scn, nodes, 1, 4);
    const int64_t sends[] = {80, 99, 101, 390};
    for (size_t i = 0; i < 4; i++) {
        size_t p = i < 3 ? 0 : 1;
        struct rec_set *s = tr_set(scn);
        tr_scheduled(s, p, sends[i]);
        tr_record(s, p, 0, 0, sends[i], p ? 5000 : 1600, 0, OC_2XX);
        tr_interval(scn, r, i, p, (double)i, 1, s);
        tr_add(r, s);
        rec_set_free(s);
    }
    snprintf(path, sizeof path, "%s/closed", test_dir);
    tr_write(scn, r, path);
    tr_free(scn, r);
    struct plan_input in = {0};
    /* no extension: sniffed as JSON by its first character */
    assert_int_equal(plan_input_read(&in, path, &p99, err, sizeof err), PLAN_INPUT_OK);
    assert_int_equal(in.n_steps, 0);
    assert_int_equal(in.n_points, 1);
    assert_true(fabs(in.points[0].concurrency - 0.16) < 1e-12);
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
        cmocka_unit_test(results_steps),        cmocka_unit_test(results_cpu_ceiling),
        cmocka_unit_test(results_refused),      cmocka_unit_test(results_closed_model),
        cmocka_unit_test(csv_dialects),         cmocka_unit_test(csv_errors),
        cmocka_unit_test(results_flow_latency),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
