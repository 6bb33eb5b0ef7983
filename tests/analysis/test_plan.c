/* tests/analysis/test_plan.c — from inputs to a plan (harness/analysis/plan.c): the
 * sentence in each of its forms, the assumptions, plan.json, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis/plan.h"

static char dir[64];
static char steps_csv[128], pass_csv[128], usl_csv[128];

static void put(char *path, size_t n, const char *name, const char *text)
{
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/gatecap-test-plan.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    /* good up to 600/s (shortfall 0.005), fails at 700/s (shortfall 0.1,
     * p99 900 ms): the shortfall crosses 0.01 at t = 0.005/0.095 = 1/19,
     * 605.263/s (latency would cross 250 ms later, at 624/s) */
    put(steps_csv, sizeof steps_csv, "steps.csv",
        "rate,throughput,p99_ms,error_pct\n"
        "200,200,20,0\n400,400,25,0\n600,597,40,0\n700,630,900,0\n");
    put(pass_csv, sizeof pass_csv, "pass.csv",
        "rate,throughput,p99_ms,error_pct\n100,100,10,0\n200,200,11,0\n");
    put(usl_csv, sizeof usl_csv, "usl.csv",
        "concurrency,throughput\n1,1\n2,1.8868\n4,3.0769\n6,3.5294\n8,3.5398\n10,3.3557\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static bool has_assumption(const struct plan *p, const char *needle)
{
    for (int i = 0; i < p->n_assume; i++)
        if (strstr(p->assume[i], needle))
            return true;
    return false;
}

static void recommendation(void **state)
{
    (void)state;
    struct plan_request rq;
    plan_request_defaults(&rq);
    rq.files[rq.n_files++] = steps_csv;
    rq.target_rps = 1300;
    struct plan p;
    char err[512] = "";
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    double cap = 600 + 100.0 / 19;
    assert_true(fabs(p.knee.capacity_rps - cap) < 1e-9);
    /* 1300 / (605.26 × 0.7 = 423.7) = 3.07 → 4, + 1 = 5 */
    assert_int_equal(p.rec.nodes, 5);
    assert_string_equal(p.sentence, "Recommend 5 gateway nodes: the peak of 1,300 req/s needs 4 "
                                    "nodes at 70 % of the 605 req/s each carries at p99 ≤ 250 "
                                    "ms, plus 1 for N+1.");
    assert_int_equal(p.n_whatif, 8); /* max(5 + 3, 6) */
    assert_true(has_assumption(&p, "Scale-out is linear"));
    assert_true(has_assumption(&p, "CSV rates are taken as one node's"));
    assert_true(has_assumption(&p, "N+1"));
    assert_true(has_assumption(&p, "WSO2's minimum for high availability"));

    /* plan.json */
    json_t *doc = plan_to_json(&p, &rq);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "format")), "gatecap-plan");
    json_t *rec = json_object_get(doc, "recommendation");
    assert_int_equal(json_integer_value(json_object_get(rec, "nodes")), 5);
    assert_string_equal(json_string_value(json_object_get(rec, "binding")), "peak");
    json_t *steps = json_object_get(doc, "steps");
    assert_int_equal(json_array_size(steps), 4);
    json_t *last = json_array_get(steps, 3);
    assert_string_equal(json_string_value(json_object_get(last, "verdict")), "bad");
    assert_string_equal(json_string_value(json_object_get(last, "role")), "first_bad");
    assert_int_equal(json_array_size(json_object_get(last, "violates")), 2);
    assert_int_equal(json_array_size(json_object_get(doc, "what_if")), 8);
    assert_int_equal(json_array_size(json_object_get(doc, "sensitivity")), 4);
    assert_true(json_is_null(json_object_get(doc, "usl")));
    json_decref(doc);
    plan_free(&p);

    /* the minimum binds: 200/s peak, no redundancy */
    rq.target_rps = 200;
    rq.policy.redundancy = 0;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    assert_int_equal(p.rec.nodes, 2);
    assert_non_null(strstr(p.sentence, "needs 1 node at 70 %"));
    assert_non_null(strstr(p.sentence, "; 2 is the minimum for high availability."));
    plan_free(&p);

    /* average × peak factor × growth, --nodes 2 halves the CSV rates */
    rq.target_rps = NAN;
    rq.avg_rps = 200;
    rq.peak_factor = 2.5;
    rq.growth = 1.2;
    rq.nodes = 2;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    assert_true(fabs(p.peak_rps - 600) < 1e-9);
    assert_true(fabs(p.knee.capacity_rps - cap / 2) < 1e-9);
    assert_true(has_assumption(&p, "(--nodes)"));
    plan_free(&p);

    /* a Key Manager that cannot keep up binds, and says so */
    rq.nodes = 0;
    rq.policy.km_rps = 500;
    rq.policy.km_share = 1;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    assert_true(p.rec.km_binds);
    assert_int_equal(p.rec.km_nodes, 2); /* 600 / 500 */
    assert_non_null(strstr(p.sentence, "But the Key Manager binds: at the peak it must validate "
                                       "600 tokens/s and one node carries 500/s, so it needs 2 "
                                       "nodes"));
    assert_true(has_assumption(&p, "Key Manager: 100 % of requests need a token validation"));
    assert_false(has_assumption(&p, "Load balancer, Key Manager,"));
    doc = plan_to_json(&p, &rq);
    json_t *km = json_object_get(json_object_get(doc, "recommendation"), "key_manager");
    assert_int_equal(json_integer_value(json_object_get(km, "nodes")), 2);
    assert_true(json_is_true(json_object_get(km, "binds")));
    json_decref(doc);
    plan_free(&p);
}

/* Steps on 1 and 2 nodes: one node is good at 400/s and fails just above
 * (knee ≈ 400), two nodes are good at 760/s and fail just above (knee ≈
 * 380 per node, 760 together). Two sizes give α exactly: n/X is 1/400 at
 * n = 1 and 2/760 at n = 2, slope 1/7600, so γ = 400 and α = 1/19. */
static void scale_out_measured(void **state)
{
    (void)state;
    char csv[128], err[512] = "";
    put(csv, sizeof csv, "scale.csv",
        "nodes,rate,throughput,p99_ms,error_pct\n"
        "1,200,200,20,0\n1,400,400,30,0\n1,401,300,900,0\n"
        "2,400,400,20,0\n2,760,760,30,0\n2,762,600,900,0\n");
    struct plan_request rq;
    plan_request_defaults(&rq);
    rq.files[rq.n_files++] = csv;
    rq.target_rps = 1500;
    rq.policy.headroom = 0;
    rq.policy.redundancy = 0;
    struct plan p;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    assert_int_equal(p.n_groups, 2);
    assert_true(p.have_scale);
    assert_true(p.scale_two_point);
    /* the knee of each size lies within a step's width of 400 and 760 */
    assert_true(fabs(p.groups[0].cluster_rps - 400) < 1.01);
    assert_true(fabs(p.groups[1].cluster_rps - 760) < 2.01);
    double g = p.scale.gamma, al = p.scale.alpha;
    /* with the knees as found, the two-point fit passes through both */
    assert_true(fabs(g * 1 - p.groups[0].cluster_rps) < 1e-6);
    assert_true(fabs(2 * g / (1 + al) - p.groups[1].cluster_rps) < 1e-6);
    assert_true(fabs(al - 1.0 / 19) < 0.01);
    /* n nodes carry 400n/(1 + (n − 1)/19): 4 → 1,600·19/22 = 1,382;
     * 5 → 2,000·19/23 = 1,652 ≥ 1,500: 5 nodes (linear would say 4) */
    assert_int_equal(p.rec.nodes, 5);
    assert_non_null(strstr(p.sentence, "(measured scale-out)"));
    assert_true(has_assumption(&p, "Scale-out measured: at the SLO 1 node"));
    assert_true(fabs(p.whatif[3].capacity_rps -
                     capacity_cluster_rps(g, &(struct capacity_policy){.scale_alpha = al}, 4)) <
                1e-9);
    json_t *doc = plan_to_json(&p, &rq);
    json_t *so = json_object_get(doc, "scale_out");
    assert_string_equal(json_string_value(json_object_get(so, "method")), "two-point");
    assert_int_equal(json_array_size(json_object_get(so, "sizes")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "capacity"), "scale_out")),
        "measured");
    json_decref(doc);
    plan_free(&p);

    /* one size only: linear, said plainly */
    rq.files[0] = steps_csv;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    assert_false(p.have_scale);
    assert_int_equal(p.n_groups, 1);
    assert_true(has_assumption(&p, "Scale-out is linear"));
    plan_free(&p);
}

static void at_least_and_no_demand(void **state)
{
    (void)state;
    struct plan_request rq;
    plan_request_defaults(&rq);
    rq.files[rq.n_files++] = pass_csv;
    rq.target_rps = 500;
    struct plan p;
    char err[512] = "";
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    assert_true(p.knee.at_least);
    assert_non_null(strstr(p.sentence, "the knee was not reached (a node carries at least 200 "
                                       "req/s), so this is an upper bound."));
    assert_true(has_assumption(&p, "Capacity NOT reached"));
    plan_free(&p);

    rq.target_rps = NAN;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    assert_false(p.have_demand);
    assert_non_null(strstr(p.sentence, "No node count: no demand given"));
    assert_int_equal(p.n_whatif, 0);
    plan_free(&p);
}

static void usl_only(void **state)
{
    (void)state;
    struct plan_request rq;
    plan_request_defaults(&rq);
    rq.files[rq.n_files++] = usl_csv;
    rq.target_rps = 100;
    struct plan p;
    char err[512] = "";
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    assert_true(p.have_usl && p.have_quad);
    assert_false(p.have_knee);
    assert_true(fabs(p.usl.beta - 0.02) < 1e-5);
    assert_non_null(strstr(p.sentence, "concurrency points only"));
    assert_true(has_assumption(&p, "no node count is made"));
    json_t *doc = plan_to_json(&p, &rq);
    json_t *fit = json_object_get(json_object_get(doc, "usl"), "fit");
    assert_true(fabs(json_real_value(json_object_get(fit, "peak_concurrency")) - 7) < 0.01);
    assert_true(json_is_null(json_object_get(doc, "recommendation")));
    json_decref(doc);
    plan_free(&p);
}

static void refusals(void **state)
{
    (void)state;
    struct plan_request rq;
    plan_request_defaults(&rq);
    struct plan p;
    char err[512] = "";
    char fail_csv[128], only_header[128];
    put(fail_csv, sizeof fail_csv, "fail.csv", "rate,throughput\n100,50\n200,60\n");
    rq.files[rq.n_files++] = fail_csv;
    rq.target_rps = 100;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), -1);
    assert_non_null(strstr(err, "every step fails the SLO"));
    assert_non_null(p.steps); /* kept, so the caller can show the verdicts */
    plan_free(&p);

    put(only_header, sizeof only_header, "h.csv", "concurrency,throughput\n1,5\n2,9\n");
    rq.files[0] = only_header;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), -1);
    assert_non_null(strstr(err, "at least 3 points"));
    plan_free(&p);

    /* a peak that needs more than 100,000 nodes */
    rq.files[0] = steps_csv;
    rq.target_rps = 1e12;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), -1);
    assert_non_null(strstr(err, "100,000"));
    plan_free(&p);
}

static void formatting(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(plan_fmt_num(b, sizeof b, 1300), "1,300");
    assert_string_equal(plan_fmt_num(b, sizeof b, 1234567.4), "1,234,567");
    assert_string_equal(plan_fmt_num(b, sizeof b, 605.26), "605");
    assert_string_equal(plan_fmt_num(b, sizeof b, 66.67), "66.7");
    assert_string_equal(plan_fmt_num(b, sizeof b, 1.234), "1.23");
    assert_string_equal(plan_fmt_num(b, sizeof b, -2500), "-2,500");
    assert_string_equal(plan_fmt_num(b, sizeof b, NAN), "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recommendation),
        cmocka_unit_test(scale_out_measured),
        cmocka_unit_test(at_least_and_no_demand),
        cmocka_unit_test(usl_only),
        cmocka_unit_test(refusals),
        cmocka_unit_test(formatting),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
