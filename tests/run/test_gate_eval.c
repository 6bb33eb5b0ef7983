/* tests/run/test_gate_eval.c — a scenario's gates evaluated by scope over a
 * run built by hand (harness/run/gate_eval.c): each scope, no-data verdicts,
 * abort_on_fail only, and a run stopped early. */
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
#include "run/engine.h"
#include "run/gate_eval.h"
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

/* ---- a run by hand: 2 phases (warm-up 2 s, steady 10 s at 100/s), 2
 * requests, 2 nodes, 1 s intervals. In steady, node gw1 answers in 5 ms,
 * gw2 in 50 ms; request "b" gets every error; each interval completes 96
 * of its 100 arrivals, and a drain interval after the schedule completes
 * 40. ---- */

static struct gate g_gates[8];
static char g_text[8][64], g_name[8][16];
static char n_warm[] = "warm", n_steady[] = "steady", n_a[] = "a", n_b[] = "b";

static struct scenario *scn_of(size_t n_gates)
{
    static struct scn_phase phases[2] = {
        {.name = n_warm, .duration_s = 2, .rate_start = 10, .rate_end = 10, .record = false},
        {.name = n_steady, .duration_s = 10, .rate_start = 100, .rate_end = 100, .record = true},
    };
    static struct scn_request reqs[2] = {{.name = n_a}, {.name = n_b}};
    static struct scenario s;
    memset(&s, 0, sizeof s);
    s.model = SCN_OPEN;
    s.phases = phases;
    s.n_phases = 2;
    s.requests = reqs;
    s.n_requests = 2;
    s.gates = g_gates;
    s.n_gates = n_gates;
    return &s;
}

static struct engine_result *run_of(void)
{
    struct engine_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    assert_int_equal(rec_set_new(2, 2, &r->total), 0);
    r->node_names = calloc(REC_MAX_NODES, REC_NODE_NAME_LEN);
    assert_non_null(r->node_names);
    snprintf(r->node_names[0], REC_NODE_NAME_LEN, "gw1");
    snprintf(r->node_names[1], REC_NODE_NAME_LEN, "gw2");
    r->n_nodes = 2;
    r->total->n_nodes = 2;
    r->elapsed_s = 12.5;
    r->schedule_end_s = 12;
    r->n_intervals = 13;
    r->intervals = calloc(r->n_intervals, sizeof *r->intervals);
    assert_non_null(r->intervals);
    for (size_t i = 0; i < r->n_intervals; i++) {
        struct engine_interval *iv = &r->intervals[i];
        iv->start_s = (double)i;
        iv->length_s = i == 12 ? 0.5 : 1;
        iv->phase = i < 2 ? 0 : 1;
        iv->health.scheduled = i < 2 ? 10 : i < 12 ? 100 : 0;
        iv->all.completed = i < 2 ? 5 : i < 12 ? 96 : 40;
    }
    /* warm-up: slow, must not count */
    struct rec_cell *w = rec_cell_get(r->total, 0, 0, 0);
    hdr_record_n(w->latency, 900000, 20);
    w->completed = 20;
    w->outcomes[OC_2XX] = 20;
    for (size_t q = 0; q < 2; q++)
        for (size_t n = 0; n < 2; n++) {
            struct rec_cell *c = rec_cell_get(r->total, 1, q, n);
            hdr_record_n(c->latency, n ? 50000 : 5000, 240);
            hdr_record_n(c->service, n ? 40000 : 4000, 240);
            c->completed = 240;
            c->outcomes[OC_2XX] = q ? 228 : 240;
            c->outcomes[OC_5XX] = q ? 12 : 0;
        }
    return r;
}

static void set_gate(size_t i, const char *text, enum gate_scope scope, const char *name)
{
    snprintf(g_text[i], sizeof g_text[i], "%s", text);
    snprintf(g_name[i], sizeof g_name[i], "%s", name ? name : "");
    g_gates[i] =
        (struct gate){.text = g_text[i], .scope = scope, .scope_name = name ? g_name[i] : NULL};
    g_gates[i].expr = parse_ok(text);
}

static void evaluates_by_scope(void **state)
{
    (void)state;
    set_gate(0, "p50 < 10ms", GATE_NODE, "*");               /* gw1 pass, gw2 fail */
    set_gate(1, "errors < 1%", GATE_REQUEST, "*");           /* a pass, b fail (5 %) */
    set_gate(2, "errors < 3%", GATE_ALL, NULL);              /* 24/960 = 2.5 %: pass */
    set_gate(3, "throughput >= 96/s", GATE_PHASE, "steady"); /* 960/10 s */
    set_gate(4, "achieved >= 96%", GATE_ALL, NULL);          /* 960 of 1000 in steady: pass */
    set_gate(5, "max < 100ms", GATE_ALL, NULL);              /* warm-up's 900 ms not counted */
    set_gate(6, "p99 < 1s", GATE_NODE, "gw9");               /* no such node: no data */
    set_gate(7, "throughput > 96.1/s", GATE_ALL, NULL);      /* 96 exactly: fail */
    struct scenario *s = scn_of(8);
    struct engine_result *r = run_of();
    struct gate_verdict *v;
    size_t n;
    assert_int_equal(gate_evaluate(s, r, false, &v, &n), 0);
    assert_int_equal(n, 10);
    const struct {
        size_t gate;
        const char *name;
        enum gate_outcome o;
        double measured;
    } want[] = {
        {0, "gw1", GATE_PASS, 5.0}, {0, "gw2", GATE_FAIL, 50.0}, {1, "a", GATE_PASS, 0.0},
        {1, "b", GATE_FAIL, 5.0},   {2, "", GATE_PASS, 2.5},     {3, "steady", GATE_PASS, 96.0},
        {4, "", GATE_PASS, 96.0},   {5, "", GATE_PASS, 50.0},    {6, "gw9", GATE_NO_DATA, 0.0},
        {7, "", GATE_FAIL, 96.0},
    };
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i].gate, want[i].gate);
        assert_string_equal(v[i].name, want[i].name);
        if (v[i].outcome != want[i].o)
            fail_msg("verdict %zu (%s on '%s'): %s, want %s (measured %g)", i,
                     g_gates[v[i].gate].text, v[i].name, gate_outcome_name(v[i].outcome),
                     gate_outcome_name(want[i].o), v[i].measured);
        if (fabs(v[i].measured - want[i].measured) > want[i].measured * 0.001 + 1e-9)
            fail_msg("verdict %zu: measured %g, want %g", i, v[i].measured, want[i].measured);
    }
    free(v);
    assert_string_equal(gate_outcome_name(GATE_NO_DATA), "no-data");

    /* Only abort_on_fail gates when asked. */
    g_gates[1].abort_on_fail = true;
    assert_int_equal(gate_evaluate(s, r, true, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].gate, 1);
    free(v);
    g_gates[1].abort_on_fail = false;

    /* Stopped after 7 s: the steady phase ran 5 s; its intervals before
     * the stop completed 480 of 500. */
    r->schedule_end_s = 7;
    r->elapsed_s = 8;
    set_gate(0, "throughput >= 1/s", GATE_ALL, NULL);
    set_gate(1, "achieved >= 1%", GATE_PHASE, "steady");
    s->n_gates = 2;
    assert_int_equal(gate_evaluate(s, r, false, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_true(fabs(v[0].measured - 192.0) < 1e-9);
    assert_true(fabs(v[1].measured - 96.0) < 1e-9);
    free(v);
    free(r->intervals);
    rec_set_free(r->total);
    free(r->node_names);
    free(r);
}

/* A flow "pay" of 2 steps and 2 checks: in the warm-up 5 instances all
 * failed; in steady 100 started, 90 completed in 200 ms, 8 failed, 2
 * unfinished. Check "ok" passed 990 of 1000, "never" was not evaluated. */
static void evaluates_flows_and_checks(void **state)
{
    (void)state;
    static char n_pay[] = "pay", n_ok[] = "ok", n_never[] = "never";
    static struct scn_flow flows[1] = {{.name = n_pay, .weight = 1, .n_steps = 2}};
    static char *checks[2] = {n_ok, n_never};
    set_gate(0, "flow.pay.p99 < 250ms", GATE_ALL, NULL);          /* 200: pass */
    set_gate(1, "flow.pay.completed >= 95%", GATE_ALL, NULL);     /* 90/98: fail */
    set_gate(2, "flow.pay.failed <= 8", GATE_PHASE, "*");         /* steady: 8 */
    set_gate(3, "flow.pay.started >= 100", GATE_PHASE, "steady"); /* pass */
    set_gate(4, "checks.ok >= 99%", GATE_ALL, NULL);              /* 99 %: pass */
    set_gate(5, "checks.ok >= 99.9%", GATE_ALL, NULL);            /* fail */
    set_gate(6, "checks.never >= 1%", GATE_ALL, NULL);            /* no data */
    set_gate(7, "flow.pay.max < 150ms", GATE_ALL, NULL);          /* fail */
    struct scenario *s = scn_of(8);
    s->flows = flows;
    s->n_flows = 1;
    s->check_names = checks;
    s->n_check_names = 2;
    struct engine_result *r = run_of();
    size_t steps = 2;
    assert_int_equal(rec_set_flows(r->total, 1, &steps, 2), 0);
    struct rec_flow *w = rec_flow_get(r->total, 0, 0);
    assert_non_null(w);
    w->started = w->failed = 5;
    struct rec_flow *c = rec_flow_get(r->total, 1, 0);
    assert_non_null(c);
    c->started = 100;
    c->completed = 90;
    c->failed = 8;
    hdr_record_n(c->duration, 200000, 90);
    r->total->flows->checks[0] = (struct rec_check){.passed = 990, .failed = 10};

    struct gate_verdict *v;
    size_t n;
    assert_int_equal(gate_evaluate(s, r, false, &v, &n), 0);
    assert_int_equal(n, 8);
    const struct {
        const char *name;
        enum gate_outcome o;
        double measured;
    } want[] = {
        {"", GATE_PASS, 200.0},   {"", GATE_FAIL, 100.0 * 90 / 98},
        {"steady", GATE_PASS, 8}, {"steady", GATE_PASS, 100},
        {"", GATE_PASS, 99.0},    {"", GATE_FAIL, 99.0},
        {"", GATE_NO_DATA, 0},    {"", GATE_FAIL, 200.0},
    };
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i].gate, i);
        assert_string_equal(v[i].name, want[i].name);
        if (v[i].outcome != want[i].o)
            fail_msg("verdict %zu (%s): %s, want %s (measured %g)", i, g_gates[i].text,
                     gate_outcome_name(v[i].outcome), gate_outcome_name(want[i].o), v[i].measured);
        if (fabs(v[i].measured - want[i].measured) > want[i].measured * 0.001 + 1e-9)
            fail_msg("verdict %zu: measured %g, want %g", i, v[i].measured, want[i].measured);
    }
    free(v);
    free(r->intervals);
    rec_set_free(r->total);
    free(r->node_names);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evaluates_by_scope),
        cmocka_unit_test(evaluates_flows_and_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
