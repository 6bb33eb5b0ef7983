/* tests/scenario/test_gate.c — gate expressions, their measurement on recorder
 * cells, the side of each threshold and their formatting
 * (harness/scenario/gate.c); evaluation over a run is tests/run/test_gate_eval.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hdr.h"
#include "measure/recorder.h"
#include "measure/recorder_flow.h"
#include "scenario/gate.h"
#include "scenario/scenario.h"

static struct gate_expr parse_ok(const char *text)
{
    struct gate_expr e;
    char why[256] = "";
    if (gate_parse(text, &e, why, sizeof why))
        fail_msg("'%s' did not parse: %s", text, why);
    return e;
}

static void parse_fails(const char *text, const char *want)
{
    struct gate_expr e;
    char why[256] = "";
    if (!gate_parse(text, &e, why, sizeof why))
        fail_msg("'%s' parsed", text);
    if (!strstr(why, want))
        fail_msg("'%s': expected a message with '%s', got '%s'", text, want, why);
}

static void parses_metrics_and_units(void **state)
{
    (void)state;
    struct gate_expr e = parse_ok("p99 < 250ms");
    assert_int_equal(e.metric, GATE_TIME);
    assert_int_equal(e.series, GATE_LATENCY);
    assert_int_equal(e.stat, GATE_PCTL);
    assert_true(e.percentile == 99);
    assert_int_equal(e.op, GATE_LT);
    assert_true(e.threshold == 250);

    e = parse_ok("  p99.9<=1.5s ");
    assert_true(e.percentile == 99.9);
    assert_int_equal(e.op, GATE_LE);
    assert_true(e.threshold == 1500);

    e = parse_ok("service.p50 > 800us");
    assert_int_equal(e.series, GATE_SERVICE);
    assert_true(e.percentile == 50);
    assert_int_equal(e.op, GATE_GT);
    assert_true(fabs(e.threshold - 0.8) < 1e-12);

    e = parse_ok("tls.max < 20ms");
    assert_int_equal(e.series, GATE_TLS);
    assert_int_equal(e.stat, GATE_MAX);
    e = parse_ok("mean < 3ms");
    assert_int_equal(e.stat, GATE_MEAN);
    assert_int_equal(e.series, GATE_LATENCY);

    e = parse_ok("errors < 0.1%");
    assert_int_equal(e.metric, GATE_ERRORS);
    assert_true(e.as_pct);
    assert_true(fabs(e.threshold - 0.1) < 1e-12);
    e = parse_ok("errors <= 10");
    assert_false(e.as_pct);
    assert_true(e.threshold == 10);

    e = parse_ok("throughput >= 950/s");
    assert_int_equal(e.metric, GATE_THROUGHPUT);
    assert_int_equal(e.op, GATE_GE);
    assert_true(e.threshold == 950);
    e = parse_ok("throughput >= 600/m");
    assert_true(e.threshold == 10);

    e = parse_ok("achieved >= 99%");
    assert_int_equal(e.metric, GATE_ACHIEVED);
    assert_true(e.threshold == 99);
    e = parse_ok("requests >= 1000");
    assert_int_equal(e.metric, GATE_REQUESTS);
    e = parse_ok("throttled < 1%");
    assert_int_equal(e.metric, GATE_THROTTLED);
    e = parse_ok("unauthorized < 0.1%");
    assert_int_equal(e.metric, GATE_UNAUTHORIZED);
    e = parse_ok("unexpected < 1");
    assert_int_equal(e.metric, GATE_UNEXPECTED);
}

static void rejects_with_a_reason(void **state)
{
    (void)state;
    parse_fails("p99 < 250", "a time needs a unit");
    parse_fails("p101 < 250ms", "unknown metric 'p101'");
    parse_fails("p0 < 250ms", "unknown metric 'p0'");
    parse_fails("latency < 250ms", "unknown metric 'latency'");
    parse_fails("foo.p99 < 1ms", "unknown metric 'foo.p99'");
    parse_fails("p99 = 250ms", "expected a comparison");
    parse_fails("p99 == 250ms", "expected a comparison");
    parse_fails("p99 <", "expected a value");
    parse_fails("", "expected METRIC OP VALUE");
    parse_fails("errors < 120%", "0% to 100%");
    parse_fails("errors < 0.5", "a whole count");
    parse_fails("throughput > 950", "N/s");
    parse_fails("achieved >= 0.99", "achieved is a share");
    parse_fails("requests > 1k", "whole count");
    parse_fails("p99 < -3ms", "a time needs a unit");
}

/* A cell with latencies 1..100 ms (one each), service time half of it,
 * 87 2xx, 3 unauthorized, 5 throttled, 5 5xx, 2 unexpected. */
static struct rec_cell *sample_cell(void)
{
    struct rec_cell *c = rec_cell_new();
    assert_non_null(c);
    for (int i = 1; i <= 100; i++) {
        assert_int_equal(hdr_record(c->latency, i * 1000), 0);
        assert_int_equal(hdr_record(c->service, i * 500), 0);
    }
    c->outcomes[OC_2XX] = 87;
    c->outcomes[OC_401] = 3;
    c->outcomes[OC_429] = 5;
    c->outcomes[OC_5XX] = 5;
    c->unexpected = 2;
    c->completed = 100;
    return c;
}

static double measure(const char *text, const struct rec_cell *c, double seconds,
                      double achieved_pct)
{
    struct gate_expr e = parse_ok(text);
    double v = -1;
    assert_true(gate_measure(&e, c, seconds, achieved_pct, &v));
    return v;
}

static void measures_a_cell(void **state)
{
    (void)state;
    struct rec_cell *c = sample_cell();
    /* 1..100 ms are exact in an HDR histogram of 3 figures (µs values
     * below 2048·2^k keep 3 digits): p50 is the 50th value. */
    assert_true(fabs(measure("p50 < 1s", c, 1, 0) - 50.0) < 0.05);
    assert_true(fabs(measure("p99 < 1s", c, 1, 0) - 99.0) < 0.1);
    assert_true(fabs(measure("max < 1s", c, 1, 0) - 100.0) < 0.1);
    assert_true(fabs(measure("min < 1s", c, 1, 0) - 1.0) < 0.01);
    assert_true(fabs(measure("mean < 1s", c, 1, 0) - 50.5) < 0.1);
    assert_true(fabs(measure("service.p50 < 1s", c, 1, 0) - 25.0) < 0.05);
    assert_true(fabs(measure("errors < 1%", c, 1, 0) - 8.0) < 1e-9); /* 5xx and 401 */
    assert_true(fabs(measure("errors < 1", c, 1, 0) - 8.0) < 1e-9);
    assert_true(fabs(measure("unauthorized < 1%", c, 1, 0) - 3.0) < 1e-9);
    assert_true(fabs(measure("unauthorized <= 2", c, 1, 0) - 3.0) < 1e-9);
    assert_true(fabs(measure("throttled < 1%", c, 1, 0) - 5.0) < 1e-9);
    assert_true(fabs(measure("unexpected < 1%", c, 1, 0) - 2.0) < 1e-9);
    assert_true(fabs(measure("throughput > 1/s", c, 4, 0) - 25.0) < 1e-9);
    assert_true(fabs(measure("achieved > 1%", c, 4, 80) - 80.0) < 1e-9);
    assert_true(fabs(measure("requests > 1", c, 4, 0) - 100.0) < 1e-9);

    /* Nothing to measure. */
    struct gate_expr e = parse_ok("ttfb.p99 < 1s");
    double v;
    assert_false(gate_measure(&e, c, 1, 0, &v)); /* no TTFB recorded */
    e = parse_ok("achieved > 1%");
    assert_false(gate_measure(&e, c, 1, -1, &v));
    e = parse_ok("throughput > 1/s");
    assert_false(gate_measure(&e, c, 0, 0, &v));
    rec_cell_reset(c);
    e = parse_ok("errors < 1%");
    assert_false(gate_measure(&e, c, 1, 0, &v)); /* a share of nothing */
    e = parse_ok("errors < 1");
    assert_true(gate_measure(&e, c, 1, 0, &v)); /* a count of nothing is 0 */
    assert_true(v == 0);
    rec_cell_free(c);
}

static void each_side_of_the_threshold(void **state)
{
    (void)state;
    struct gate_expr lt = parse_ok("p99 < 10ms"), le = parse_ok("p99 <= 10ms");
    struct gate_expr gt = parse_ok("throughput > 10/s"), ge = parse_ok("throughput >= 10/s");
    assert_true(gate_holds(&lt, 9.999));
    assert_false(gate_holds(&lt, 10));
    assert_true(gate_holds(&le, 10));
    assert_false(gate_holds(&le, 10.001));
    assert_true(gate_holds(&gt, 10.001));
    assert_false(gate_holds(&gt, 10));
    assert_true(gate_holds(&ge, 10));
    assert_false(gate_holds(&ge, 9.999));
}

static void formats_with_units(void **state)
{
    (void)state;
    char buf[32];
    struct gate_expr e = parse_ok("p99 < 1s");
    gate_format(&e, 182.44, buf, sizeof buf);
    assert_string_equal(buf, "182.4ms");
    gate_format(&e, 0.5, buf, sizeof buf);
    assert_string_equal(buf, "0.500ms");
    e = parse_ok("errors < 1%");
    gate_format(&e, 0.125, buf, sizeof buf);
    assert_string_equal(buf, "0.125%");
    e = parse_ok("throughput > 1/s");
    gate_format(&e, 951.04, buf, sizeof buf);
    assert_string_equal(buf, "951.0/s");
    e = parse_ok("requests > 1");
    gate_format(&e, 1200, buf, sizeof buf);
    assert_string_equal(buf, "1200");
    assert_string_equal(gate_unit(&e), "");
    assert_string_equal(gate_op_name(GATE_GE), ">=");
}

/* ---- flows and checks ---- */

static void parses_flow_and_check_gates(void **state)
{
    (void)state;
    struct gate_expr e = parse_ok("flow.payment.p99 < 2s");
    assert_int_equal(e.metric, GATE_FLOW_TIME);
    assert_true(gate_is_flow(&e));
    assert_string_equal(e.subject, "payment");
    assert_true(e.percentile == 99 && e.threshold == 2000);
    /* a name with dots, and p99.9 */
    e = parse_ok("flow.pay.v2.p99.9 <= 1500ms");
    assert_string_equal(e.subject, "pay.v2");
    assert_true(e.percentile == 99.9 && e.stat == GATE_PCTL);
    e = parse_ok("flow.a.max.mean<1s");
    assert_string_equal(e.subject, "a.max");
    assert_int_equal(e.stat, GATE_MEAN);
    e = parse_ok("flow.payment.completed >= 99%");
    assert_int_equal(e.metric, GATE_FLOW_COMPLETED);
    assert_true(e.as_pct && e.threshold == 99);
    e = parse_ok("flow.payment.failed <= 10");
    assert_int_equal(e.metric, GATE_FLOW_FAILED);
    assert_false(e.as_pct);
    e = parse_ok("flow.payment.started >= 100");
    assert_int_equal(e.metric, GATE_FLOW_STARTED);
    /* a check's name holds . $ [ ] : */
    e = parse_ok("checks.payment.consent.json:$.Data[0].Status >= 99.9%");
    assert_int_equal(e.metric, GATE_CHECK_PASSED);
    assert_string_equal(e.subject, "payment.consent.json:$.Data[0].Status");
    assert_true(fabs(e.threshold - 99.9) < 1e-9);
    assert_string_equal(gate_unit(&e), "%");

    parse_fails("flow.payment < 2s", "unknown metric");
    parse_fails("flow.p99 < 2s", "unknown metric"); /* no name */
    parse_fails("flow.payment.p99 < 2", "flow.payment.p99 < 2s");
    parse_fails("flow.payment.completed >= 120%", "0% to 100%");
    parse_fails("checks.settled >= 99", "share of its evaluations");
    parse_fails("checks. >= 99%", "unknown metric");
}

static void measures_flows_and_checks(void **state)
{
    (void)state;
    struct rec_flow f = {.started = 12, .completed = 9, .failed = 1, .local = 1};
    assert_int_equal(hdr_init_default(&f.duration), 0);
    for (int64_t ms = 1; ms <= 9; ms++)
        hdr_record(f.duration, ms * 100000); /* 100 ms .. 900 ms */
    double v;
    struct gate_expr e = parse_ok("flow.x.p50 < 1s");
    assert_true(gate_measure_flow(&e, &f, &v));
    assert_true(fabs(v - 500) < 1);
    e = parse_ok("flow.x.max < 1s");
    assert_true(gate_measure_flow(&e, &f, &v) && fabs(v - 900) < 1);
    e = parse_ok("flow.x.completed >= 99%");
    assert_true(gate_measure_flow(&e, &f, &v));
    assert_true(fabs(v - 90) < 1e-9); /* 9 of 10 ended; local and unfinished not counted */
    assert_false(gate_holds(&e, v));
    e = parse_ok("flow.x.failed < 20%");
    assert_true(gate_measure_flow(&e, &f, &v) && fabs(v - 10) < 1e-9 && gate_holds(&e, v));
    e = parse_ok("flow.x.failed <= 1");
    assert_true(gate_measure_flow(&e, &f, &v) && v == 1 && gate_holds(&e, v));
    e = parse_ok("flow.x.started >= 13");
    assert_true(gate_measure_flow(&e, &f, &v) && v == 12 && !gate_holds(&e, v));
    char buf[32];
    gate_format(&e, v, buf, sizeof buf);
    assert_string_equal(buf, "12");
    /* nothing to measure */
    e = parse_ok("flow.x.p99 < 1s");
    assert_false(gate_measure_flow(&e, NULL, &v));
    struct rec_flow none = {.duration = NULL};
    assert_false(gate_measure_flow(&e, &none, &v));
    e = parse_ok("flow.x.completed >= 1%");
    assert_false(gate_measure_flow(&e, &none, &v));
    hdr_close(f.duration);

    struct rec_check k = {.passed = 999, .failed = 1};
    e = parse_ok("checks.settled >= 99.9%");
    assert_true(gate_measure_check(&e, &k, &v));
    assert_true(fabs(v - 99.9) < 1e-9 && gate_holds(&e, v));
    k.failed = 2;
    assert_true(gate_measure_check(&e, &k, &v) && !gate_holds(&e, v));
    struct rec_check zero = {0};
    assert_false(gate_measure_check(&e, &zero, &v));
    assert_false(gate_measure_check(&e, NULL, &v));
}

/* Flow and check gates name what the scenario has (checked at load). */
#define FLOW_SCN                                                                                   \
    "name: f\n"                                                                                    \
    "targets: [http://127.0.0.1:1]\n"                                                              \
    "flows:\n"                                                                                     \
    "  - name: payment\n"                                                                          \
    "    steps:\n"                                                                                 \
    "      - {name: consent, method: POST, path: /c, checks: [{name: created, status: 201}]}\n"    \
    "      - {name: status, path: /s, checks: [{json: $.Data.Status, equals: Done}]}\n"            \
    "load: {phases: [{name: steady, duration: 1s, rate: 10/s}]}\n"

static int load_gates(const char *gates, struct scenario **s, char *err, size_t len)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "%sgates:\n%s", FLOW_SCN, gates);
    return scenario_load_mem("g.yaml", yaml, strlen(yaml), NULL, 0, s, err, len);
}

static void gate_load_fails(const char *gates, const char *want)
{
    struct scenario *s = NULL;
    char err[1024] = "";
    if (!load_gates(gates, &s, err, sizeof err)) {
        scenario_free(s);
        fail_msg("loaded: %s", gates);
    }
    if (!strstr(err, want))
        fail_msg("expected '%s' in: %s", want, err);
}

static void flow_and_check_names_checked_at_load(void **state)
{
    (void)state;
    struct scenario *s = NULL;
    char err[1024] = "";
    if (load_gates("  - flow.payment.p99 < 2s\n"
                   "  - {gate: flow.payment.completed >= 99%, phase: steady}\n"
                   "  - checks.created >= 99.9%\n"
                   "  - checks.payment.status.json:$.Data.Status >= 99%\n",
                   &s, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(s->n_gates, 4);
    assert_string_equal(s->gates[3].expr.subject, "payment.status.json:$.Data.Status");
    scenario_free(s);

    gate_load_fails("  - flow.paymnet.p99 < 2s\n", "g.yaml:10:5");
    gate_load_fails("  - flow.paymnet.p99 < 2s\n", "did you mean 'payment'?");
    gate_load_fails("  - flow.zzz.p99 < 2s\n", "no flow is named 'zzz'; use a name from flows:");
    gate_load_fails("  - checks.craeted >= 99%\n", "did you mean 'created'?");
    gate_load_fails("  - checks.nothing_like_it >= 99%\n", "no check is named 'nothing_like_it'");
    gate_load_fails("  - {gate: checks.created >= 99%, phase: steady}\n",
                    "checks are counted over the whole run");
    gate_load_fails("  - {gate: flow.payment.p99 < 2s, request: payment.consent}\n",
                    "not per request");
}

static void flow_gate_without_flows(void **state)
{
    (void)state;
    struct scenario *s = NULL;
    char err[1024] = "";
    const char *y = "name: n\ntargets: [http://127.0.0.1:1]\nrequests: [{path: /}]\n"
                    "load: {phases: [{duration: 1s, rate: 10/s}]}\n"
                    "gates: [\"flow.payment.p99 < 2s\", \"checks.x >= 1%\"]\n";
    assert_int_not_equal(scenario_load_mem("n.yaml", y, strlen(y), NULL, 0, &s, err, sizeof err),
                         0);
    assert_non_null(strstr(err, "the scenario has no flows:"));
    assert_non_null(strstr(err, "the scenario has no checks"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_metrics_and_units),
        cmocka_unit_test(rejects_with_a_reason),
        cmocka_unit_test(measures_a_cell),
        cmocka_unit_test(each_side_of_the_threshold),
        cmocka_unit_test(formats_with_units),
        cmocka_unit_test(parses_flow_and_check_gates),
        cmocka_unit_test(measures_flows_and_checks),
        cmocka_unit_test(flow_and_check_names_checked_at_load),
        cmocka_unit_test(flow_gate_without_flows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
