/* tests/output/test_plan_json.c — the one plan.json reader
 * (harness/output/plan_json.c): a plan made by plan_build from measured
 * steps and concurrency points, written as `gatecap plan -o` writes it,
 * is read back equal (SLO, steps and their verdicts, points, capacity,
 * demand, policy, recommendation, what-if, sensitivity, USL fit,
 * assumptions); a newer format version is refused naming the file and
 * both versions; every other refusal names the file and the field. */
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
#include "base/version.h"
#include "output/plan_json.h"
#include "testresults.h"
#include "testutil.h"

/* Steps at 50, 100 and 150/s (the last fails on achieved and latency),
 * and five concurrency points for a USL fit. */
static const char CSV[] = "rate,concurrency,throughput,p99_ms,error_pct\n"
                          "50,,50,10,0\n"
                          "100,,99,20,0\n"
                          "150,,130,300,0.5\n"
                          ",1,10,,\n"
                          ",2,19,,\n"
                          ",4,35,,\n"
                          ",8,55,,\n"
                          ",16,66,,\n";

static char g_csv[128], g_path[128];
static struct plan g_plan;
static struct plan_request g_rq;

/* Writes doc to path as `gatecap plan -o` does; takes doc. */
static void write_plan(json_t *doc, const char *path)
{
    tr_plan_save(doc, path);
}

static int setup(void **state)
{
    if (test_dir_setup(state))
        return -1;
    test_put(g_csv, sizeof g_csv, "steps.csv", CSV);
    plan_request_defaults(&g_rq);
    g_rq.files[g_rq.n_files++] = g_csv;
    g_rq.target_rps = 150;
    g_rq.slo_latency_ms = 25;
    g_rq.policy.gateways_per_tm = 2;
    char err[512];
    if (plan_build(&g_plan, &g_rq, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    snprintf(g_path, sizeof g_path, "%s/plan.json", test_dir);
    write_plan(plan_to_json(&g_plan, &g_rq), g_path);
    return 0;
}

static int teardown(void **state)
{
    plan_free(&g_plan);
    return test_dir_teardown(state);
}

/* read is written as the plan's writer writes it: 10 significant digits
 * (JSON_REAL_PRECISION(10)). NaN is no number, so never equal. */
static void same(double read, double written, const char *what)
{
    char text[64];
    snprintf(text, sizeof text, "%.10g", written);
    if (!(read == strtod(text, NULL)))
        fail_msg("%s: read %.17g, written %.17g", what, read, written);
}

static void round_trip(void **state)
{
    (void)state;
    const struct plan *p = &g_plan;
    const struct plan_request *rq = &g_rq;
    struct plan_json *m = NULL;
    char err[512] = "";
    assert_int_equal(plan_json_read(g_path, &m, err, sizeof err), PLAN_JSON_OK);
    assert_string_equal(m->path, g_path);
    assert_int_equal(m->version, PLAN_JSON_VERSION);
    assert_string_equal(m->gatecap, GATECAP_VERSION);
    assert_string_equal(m->sentence, p->sentence);
    assert_string_equal(m->percentile, "p99");
    same(m->slo_latency_ms, 25, "slo latency");
    same(m->slo_error_pct, rq->slo_error_pct, "slo errors");
    same(m->slo_min_achieved_pct, 100 * rq->slo_min_achieved, "slo achieved");
    /* steps, with the verdicts plan gives them */
    assert_int_equal(m->n_steps, p->in.n_steps);
    assert_int_equal(m->n_steps, 3);
    for (size_t i = 0; i < p->in.n_steps; i++) {
        const struct plan_input_step *s = &p->in.steps[i];
        const struct plan_json_step *ms = &m->steps[i];
        assert_string_equal(ms->file, s->file);
        assert_string_equal(ms->name, s->name);
        same(ms->offered_rps, s->offered_rps, "offered");
        same(ms->achieved_rps, s->achieved_rps, "achieved");
        same(ms->per_node_offered_rps, p->steps[i].offered_rps, "per node offered");
        same(ms->per_node_achieved_rps, p->steps[i].achieved_rps, "per node achieved");
        same(ms->achieved_pct, 100 * s->achieved_rps / s->offered_rps, "achieved %");
        same(ms->latency_ms, s->latency_ms, "latency");
        same(ms->error_pct, s->error_pct, "errors");
        same(ms->late_pct, s->late_pct, "late");
        assert_int_equal(ms->nodes, s->nodes);
        assert_int_equal(ms->intervals, s->intervals);
        assert_int_equal(ms->valid, s->valid);
        assert_null(ms->invalid_reason);
        int viol = 0;
        assert_string_equal(ms->verdict, plan_step_verdict(p, rq, i, &viol));
        size_t n = 0;
        for (int k = CAPACITY_M_ACHIEVED; k <= CAPACITY_M_ERRORS; k <<= 1)
            if (viol & k)
                assert_string_equal(ms->violates[n++], capacity_metric_name(k));
        assert_int_equal(ms->n_violates, n);
    }
    assert_null(m->steps[0].role);
    assert_string_equal(m->steps[1].role, "last_good");
    assert_string_equal(m->steps[2].role, "first_bad");
    assert_int_equal(m->steps[2].n_violates, 3); /* achieved, latency, errors */
    /* points */
    assert_int_equal(m->n_points, p->in.n_points);
    for (size_t i = 0; i < p->in.n_points; i++) {
        assert_string_equal(m->points[i].name, p->in.points[i].name);
        same(m->points[i].concurrency, p->in.points[i].concurrency, "concurrency");
        same(m->points[i].throughput_rps, p->in.points[i].throughput_rps, "throughput");
        assert_int_equal(m->points[i].nodes, p->in.points[i].nodes);
    }
    /* capacity, demand, policy, recommendation */
    assert_true(m->has_capacity);
    same(m->capacity_rps, p->knee.capacity_rps, "capacity");
    assert_int_equal(m->at_least, p->knee.at_least);
    size_t n = 0;
    for (int k = CAPACITY_M_ACHIEVED; k <= CAPACITY_M_ERRORS; k <<= 1)
        if (p->knee.limited_by & k)
            assert_string_equal(m->limited_by[n++], capacity_metric_name(k));
    assert_int_equal(m->n_limited_by, n);
    assert_string_equal(m->interpolated_on, capacity_metric_name(p->knee.interpolated_on));
    assert_true(m->has_demand);
    same(m->peak_rps, p->peak_rps, "peak");
    same(m->target_rps, 150, "target");
    assert_true(isnan(m->avg_rps) && isnan(m->peak_factor) && isnan(m->growth));
    same(m->headroom_pct, 100 * rq->policy.headroom, "headroom");
    assert_int_equal(m->redundancy, rq->policy.redundancy);
    assert_int_equal(m->min_nodes, rq->policy.min_nodes);
    assert_true(m->has_recommendation);
    assert_int_equal(m->rec_nodes, p->rec.nodes);
    assert_int_equal(m->n_base, p->rec.n_base);
    assert_int_equal(m->traffic_managers, p->rec.traffic_managers);
    assert_true(m->traffic_managers > 0);
    assert_string_equal(m->binding, "peak");
    same(m->per_node_rps, p->rec.per_node_rps, "per node");
    same(m->per_node_effective_rps, p->rec.effective_rps, "effective");
    same(m->util_peak_pct, 100 * p->rec.util_peak, "util peak");
    same(m->util_after_loss_pct, 100 * p->rec.util_after_loss, "util after loss");
    assert_int_equal(m->loss_ok, p->rec.loss_ok);
    /* what-if, sensitivity */
    assert_int_equal(m->n_what_if, (size_t)p->n_whatif);
    for (int i = 0; i < p->n_whatif; i++) {
        const struct capacity_whatif *w = &p->whatif[i];
        const struct plan_json_whatif *mw = &m->what_if[i];
        assert_int_equal(mw->nodes, w->nodes);
        same(mw->capacity_rps, w->capacity_rps, "what-if capacity");
        same(mw->util_peak_pct, 100 * w->util_peak, "what-if util");
        if (isfinite(w->util_after_loss))
            same(mw->util_after_loss_pct, 100 * w->util_after_loss, "what-if after loss");
        else
            assert_true(isnan(mw->util_after_loss_pct));
        same(mw->headroom_left_pct, 100 * w->headroom_left, "what-if headroom");
        assert_int_equal(mw->meets_policy, w->meets_policy);
    }
    assert_true(isnan(m->what_if[0].util_after_loss_pct)); /* one node: nothing left */
    assert_int_equal(m->n_sensitivity, CAPACITY_SENS_ROWS);
    for (int i = 0; i < CAPACITY_SENS_ROWS; i++) {
        assert_string_equal(m->sensitivity[i].what, p->sens[i].what);
        same(m->sensitivity[i].peak_rps, p->sens[i].peak_rps, "sens peak");
        same(m->sensitivity[i].per_node_rps, p->sens[i].per_node_rps, "sens per node");
        assert_int_equal(m->sensitivity[i].nodes, p->sens[i].nodes);
    }
    /* the USL fit, the assumptions */
    assert_true(p->have_usl && m->has_usl);
    same(m->usl.gamma, p->usl.gamma, "gamma");
    same(m->usl.alpha, p->usl.alpha, "alpha");
    same(m->usl.beta, p->usl.beta, "beta");
    assert_int_equal(m->usl.has_peak, p->usl.has_peak);
    same(m->usl.peak_concurrency, p->usl.peak_n, "peak N");
    same(m->usl.peak_throughput, p->usl.peak_x, "peak X");
    same(m->usl.ceiling_throughput, p->usl.ceiling_x, "ceiling");
    same(m->usl.r2, p->usl.r2, "r2");
    same(m->usl.residual_std_error, p->usl.rse, "rse");
    assert_int_equal(m->n_assumptions, (size_t)p->n_assume);
    for (int i = 0; i < p->n_assume; i++)
        assert_string_equal(m->assumptions[i], p->assume[i]);
    plan_json_free(m);
}

/* A plan without demand, knee or fit: those parts are null. */
static void no_knee(void **state)
{
    (void)state;
    char csv[128], path[128], err[512] = "";
    test_put(csv, sizeof csv, "fail.csv", "rate,throughput,p99_ms\n100,100,10\n200,200,11\n");
    struct plan_request rq;
    plan_request_defaults(&rq);
    rq.files[rq.n_files++] = csv;
    struct plan p;
    assert_int_equal(plan_build(&p, &rq, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/bare.json", test_dir);
    write_plan(plan_to_json(&p, &rq), path);
    struct plan_json *m = NULL;
    assert_int_equal(plan_json_read(path, &m, err, sizeof err), PLAN_JSON_OK);
    assert_int_equal(m->has_capacity, p.have_knee);
    assert_false(m->has_demand);
    assert_false(m->has_recommendation);
    assert_false(m->has_usl);
    assert_true(isnan(m->peak_rps));
    assert_int_equal(m->n_what_if, 0);
    assert_int_equal(m->n_steps, 2);
    plan_json_free(m);
    plan_free(&p);
}

/* ---- refusals ---- */

static const char *variant(const char *name, void (*edit)(json_t *))
{
    static char path[160];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    json_t *doc = plan_to_json(&g_plan, &g_rq);
    edit(doc);
    write_plan(doc, path);
    return path;
}

static void refused(const char *path, int code, const char *const *needles)
{
    static struct plan_json sentinel;
    struct plan_json *m = &sentinel; /* must be set to NULL */
    char err[600] = "";
    int rc = plan_json_read(path, &m, err, sizeof err);
    if (rc != code)
        fail_msg("%s: rc %d, want %d ('%s')", path, rc, code, err);
    assert_null(m);
    if (strncmp(err, path, strlen(path)) != 0)
        fail_msg("'%s' does not start with the file", err);
    for (size_t i = 0; needles[i]; i++)
        if (!strstr(err, needles[i]))
            fail_msg("'%s' lacks '%s'", err, needles[i]);
}

static void newer_version(json_t *d)
{
    json_object_set_new(d, "version", json_integer(PLAN_JSON_VERSION + 1));
    json_object_set_new(d, "gatecap", json_string("9.9.9"));
}
static void other_format(json_t *d)
{
    json_object_set_new(d, "format", json_string("gatecap-results"));
}
static void no_steps(json_t *d)
{
    json_object_del(d, "steps");
}
static void no_slo(json_t *d)
{
    json_object_set_new(d, "slo", json_string("p99 < 25ms"));
}
static void no_step_name(json_t *d)
{
    json_object_del(json_array_get(json_object_get(d, "steps"), 1), "name");
}
static void text_capacity(json_t *d)
{
    json_object_set_new(json_object_get(d, "capacity"), "per_node_rps", json_string("100/s"));
}
static void negative_rate(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "steps"), 2), "per_node_offered_rps",
                        json_real(-150));
}
static void bad_nodes(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "what_if"), 1), "nodes", json_real(2.5));
}

static void refusals(void **state)
{
    (void)state;
    char found[64], reads[64];
    snprintf(found, sizeof found, "plan version %d", PLAN_JSON_VERSION + 1);
    snprintf(reads, sizeof reads, "reads plan version %d", PLAN_JSON_VERSION);
    const char *newer[] = {found, "written by gatecap 9.9.9", reads,
                           "or run gatecap plan again with this one", NULL};
    refused(variant("newer.json", newer_version), PLAN_JSON_EVERSION, newer);
    const char *other[] = {"not a gatecap plan.json",
                           "make one with gatecap plan RESULTS.json ... -o plan.json", NULL};
    refused(variant("results.json", other_format), PLAN_JSON_EFORMAT, other);
    const char *steps[] = {"steps is missing or not an array", "cut short", NULL};
    refused(variant("nosteps.json", no_steps), PLAN_JSON_EFORMAT, steps);
    const char *slo[] = {"slo is missing or not an object", NULL};
    refused(variant("noslo.json", no_slo), PLAN_JSON_EFORMAT, slo);
    const char *name[] = {"steps[1].name is missing", NULL};
    refused(variant("noname.json", no_step_name), PLAN_JSON_EFORMAT, name);
    const char *text[] = {"capacity.per_node_rps is not a number",
                          "restore it or run gatecap plan again", NULL};
    refused(variant("text.json", text_capacity), PLAN_JSON_EFORMAT, text);
    const char *neg[] = {"steps[2].per_node_offered_rps is -150: it cannot be negative", NULL};
    refused(variant("neg.json", negative_rate), PLAN_JSON_EFORMAT, neg);
    const char *nodes[] = {"what_if[1].nodes is not a whole number", NULL};
    refused(variant("nodes.json", bad_nodes), PLAN_JSON_EFORMAT, nodes);
    char path[160];
    snprintf(path, sizeof path, "%s/none.json", test_dir);
    const char *missing[] = {"none.json: cannot read: No such file", NULL};
    refused(path, PLAN_JSON_EIO, missing);
    test_put(path, sizeof path, "broken.json", "{\"format\": \"gatecap-plan\", \"version\": 1,\n");
    const char *broken[] = {"broken.json:2:", "not valid JSON", NULL};
    refused(path, PLAN_JSON_EFORMAT, broken);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(no_knee),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
