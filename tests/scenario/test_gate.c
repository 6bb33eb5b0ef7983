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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_metrics_and_units), cmocka_unit_test(rejects_with_a_reason),
        cmocka_unit_test(measures_a_cell),          cmocka_unit_test(each_side_of_the_threshold),
        cmocka_unit_test(formats_with_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
