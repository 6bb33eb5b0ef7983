/* tests/output/test_junit_run.c — a run's gates as JUnit
 * (harness/output/junit_run.c): a case per verdict with its scope as the
 * class, measured and required values, a gate without data failing, and
 * the generator's own case, failing when the run was generator-limited,
 * naming local failures when there were any. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/junit.h"
#include "output/junit_run.h"
#include "run/engine.h"
#include "run/gate_eval.h"
#include "scenario/gate.h"
#include "scenario/scenario.h"

static char t0[] = "p99 < 250ms", t1[] = "errors < 1%", name[] = "checkout";

static struct gate gate_of(char *text, enum gate_scope scope)
{
    struct gate g = {.text = text, .scope = scope};
    char why[128];
    assert_int_equal(gate_parse(text, &g.expr, why, sizeof why), 0);
    return g;
}

/* junit_run_fprint into memory; owned by the caller. */
static char *render(const struct scenario *scn, const struct engine_result *r,
                    const struct gate_verdict *v, size_t n)
{
    char *text = NULL, err[200] = "";
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    int rc = junit_run_fprint(f, scn, r, v, n, err, sizeof err);
    fclose(f);
    if (rc != JUNIT_OK)
        fail_msg("junit_run_fprint: %d %s", rc, err);
    return text;
}

static void gates_and_the_generator(void **state)
{
    (void)state;
    struct gate gates[2] = {gate_of(t0, GATE_ALL), gate_of(t1, GATE_NODE)};
    struct scenario scn = {.name = name, .gates = gates, .n_gates = 2};
    struct engine_result r = {.late_pct = 0.25};
    struct gate_verdict v[3] = {
        {.gate = 0, .measured = 182.4, .outcome = GATE_PASS},
        {.gate = 1, .name = "gw1", .measured = 2.5, .outcome = GATE_FAIL},
        {.gate = 1, .name = "gw2", .outcome = GATE_NO_DATA},
    };
    char *x = render(&scn, &r, v, 3);
    assert_non_null(strstr(x, "<testsuites name=\"checkout\" tests=\"4\" failures=\"2\""));
    assert_non_null(strstr(x, "<testcase classname=\"gates.all\" name=\"p99 &lt; 250ms\""));
    assert_non_null(strstr(x, "classname=\"gates.node.gw1\" name=\"errors &lt; 1%\""));
    assert_non_null(strstr(x, "message=\"measured 2.5%, required &lt; 1%\" type=\"fail\""));
    assert_non_null(strstr(x, "message=\"nothing was measured; a gate without data fails\" "
                              "type=\"no-data\""));
    assert_non_null(strstr(x, "classname=\"gatecap.run\" name=\"the load was delivered as "
                              "scheduled\""));
    assert_non_null(strstr(x, "0.25% of arrivals late"));
    free(x);

    /* generator-limited: its case fails; local failures are named */
    r.generator_limited = true;
    r.late_pct = 8;
    x = render(&scn, &r, v, 1);
    assert_non_null(strstr(x, "tests=\"2\" failures=\"1\""));
    assert_non_null(strstr(x, "generator-limited: 8.00% of arrivals late; the gateway did not get "
                              "the load asked for"));
    free(x);
    r.health.local_failures = 3;
    x = render(&scn, &r, v, 1);
    assert_non_null(strstr(x, "3 request(s) never sent, gatecap ran out of local resources"));
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gates_and_the_generator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
