/* tests/scenario/test_scenario_workloads.c — `workloads:` (harness/scenario/
 * scenario_workloads.c): flattened phases and requests with their
 * workloads and start times, each workload's model and settings, the one
 * implicit workload of a scenario without the key, errors with their
 * file:line:col and field, the workload gate scope, and the shard refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario/gate.h"
#include "scenario/scenario.h"

static char err[8192];

static int load_rc(const char *yaml, struct scenario **s)
{
    memset(err, 0, sizeof err);
    *s = NULL;
    return scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, s, err, sizeof err);
}

static struct scenario *load_ok(const char *yaml)
{
    struct scenario *s;
    if (load_rc(yaml, &s))
        fail_msg("expected the scenario to load:\n%s\n--- yaml:\n%s", err, yaml);
    return s;
}

static void load_fails(const char *yaml, const char *want)
{
    struct scenario *s;
    int rc = load_rc(yaml, &s);
    if (s) {
        scenario_free(s);
        fail_msg("expected an error containing\n  %s\nbut it loaded:\n%s", want, yaml);
    }
    if (rc != SCN_EINVAL || !strstr(err, want))
        fail_msg("rc %d; expected an error containing\n  %s\ngot:\n%s", rc, want, err);
}

#define TARGETS "targets: [http://127.0.0.1:8280]\n"
#define THREE                                                                                      \
    TARGETS                                                                                        \
    "workloads:\n"                                                                                 \
    "  - name: tokens\n"                                                                           \
    "    load: {phases: [{name: t1, duration: 10s, rate: 20/s}]}\n"                                \
    "    requests: [{name: token, method: POST, path: /oauth2/token, body: x}]\n"                  \
    "  - name: api\n"                                                                              \
    "    load: {model: open, poisson: true, workers: 3, max_inflight: 300,\n"                      \
    "           phases: [{name: warm, duration: 5s, rate: 100/s, record: false},\n"                \
    "                    {name: steady, duration: 30s, rate: 2000/s}]}\n"                          \
    "    requests: [{name: a, path: /a, weight: 3}, {name: b, path: /b}]\n"                        \
    "  - name: admin\n"                                                                            \
    "    load: {model: closed, backoff: 2s, phases: [{name: adm, duration: 20s, users: 10, "       \
    "think: 1s}]}\n"                                                                               \
    "    requests: [{name: admin, path: /admin}]\n"

static void flattened_with_offsets(void **state)
{
    (void)state;
    struct scenario *s = load_ok(THREE);
    assert_true(s->workloads_explicit);
    assert_int_equal(s->n_workloads, 3);
    assert_int_equal(s->n_phases, 4);
    assert_int_equal(s->n_requests, 4);
    const struct scn_workload *w = s->workloads;
    assert_string_equal(w[0].name, "tokens");
    assert_string_equal(w[1].name, "api");
    assert_string_equal(w[2].name, "admin");
    /* slices of the one array of phases and of requests, in file order */
    assert_int_equal(w[0].first_phase, 0);
    assert_int_equal(w[0].n_phases, 1);
    assert_int_equal(w[1].first_phase, 1);
    assert_int_equal(w[1].n_phases, 2);
    assert_int_equal(w[2].first_phase, 3);
    assert_int_equal(w[2].n_phases, 1);
    assert_int_equal(w[0].first_request, 0);
    assert_int_equal(w[1].first_request, 1);
    assert_int_equal(w[1].n_requests, 2);
    assert_int_equal(w[2].first_request, 3);
    for (size_t p = 0; p < s->n_phases; p++)
        assert_true(p >= w[s->phases[p].workload].first_phase &&
                    p < w[s->phases[p].workload].first_phase + w[s->phases[p].workload].n_phases);
    assert_int_equal(s->requests[2].workload, 1);
    assert_string_equal(s->requests[2].name, "b");
    /* every workload starts at 0; its own phases follow one another */
    assert_true(s->phases[0].start_s == 0);
    assert_true(s->phases[1].start_s == 0);
    assert_true(s->phases[2].start_s == 5);
    assert_true(s->phases[3].start_s == 0);
    assert_true(scenario_phase_start_s(s, 2) == 5);
    assert_true(w[1].duration_s == 35);
    /* the run lasts as long as its longest workload */
    assert_true(scenario_duration_s(s) == 35);
    /* each its own model and settings */
    assert_int_equal(w[0].model, SCN_OPEN);
    assert_false(w[0].poisson);
    assert_int_equal(w[0].workers, 1);
    assert_int_equal(w[1].model, SCN_OPEN);
    assert_true(w[1].poisson);
    assert_int_equal(w[1].workers, 3);
    assert_int_equal(w[1].max_inflight, 300);
    assert_int_equal(w[2].model, SCN_CLOSED);
    assert_true(w[2].backoff_max_ms == 2000);
    assert_int_equal(s->phases[3].users, 10);
    /* workers: consecutive per workload; the run's are their sum */
    assert_int_equal(s->workers, 5);
    assert_int_equal(w[0].first_worker, 0);
    assert_int_equal(w[1].first_worker, 1);
    assert_int_equal(w[2].first_worker, 4);
    struct scn_workload tmp;
    assert_ptr_equal(scenario_workload_of_worker(s, 0, &tmp), &w[0]);
    assert_ptr_equal(scenario_workload_of_worker(s, 3, &tmp), &w[1]);
    assert_ptr_equal(scenario_workload_of_worker(s, 4, &tmp), &w[2]);
    assert_ptr_equal(scenario_workload_of_phase(s, 2, &tmp), &w[1]);
    /* a default max_inflight is shared among the workloads */
    assert_int_equal(w[0].max_inflight, 10000 / 3);
    /* mixed models: the scenario-wide model is open */
    assert_int_equal(s->model, SCN_OPEN);
    scenario_free(s);
}

static void implicit_workload(void **state)
{
    (void)state;
    struct scenario *s = load_ok(TARGETS "requests: [{name: r, path: /}, {name: q, path: /q}]\n"
                                         "load: {model: closed, workers: 2, phases: [{name: a, "
                                         "duration: 2s, users: 4}, {name: b, duration: 3s, "
                                         "users: 8}]}\n");
    assert_false(s->workloads_explicit);
    assert_int_equal(s->n_workloads, 1);
    const struct scn_workload *w = &s->workloads[0];
    assert_string_equal(w->name, "default");
    assert_int_equal(w->model, SCN_CLOSED);
    assert_int_equal(w->workers, 2);
    assert_int_equal(w->n_phases, 2);
    assert_int_equal(w->n_requests, 2);
    assert_true(s->phases[1].start_s == 2);
    assert_true(scenario_duration_s(s) == 5);
    /* the echo has no workloads section and no workload fields */
    json_t *j = scenario_to_json(s);
    assert_null(json_object_get(j, "workloads"));
    json_t *ph = json_array_get(json_object_get(json_object_get(j, "load"), "phases"), 0);
    assert_null(json_object_get(ph, "workload"));
    json_decref(j);
    scenario_free(s);
}

static void echoed(void **state)
{
    (void)state;
    struct scenario *s = load_ok(THREE);
    json_t *j = scenario_to_json(s);
    json_t *w = json_object_get(j, "workloads");
    assert_int_equal(json_array_size(w), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(w, 2), "model")),
                        "closed");
    assert_int_equal(json_array_size(json_object_get(json_array_get(w, 1), "phases")), 2);
    json_t *ph = json_array_get(json_object_get(json_object_get(j, "load"), "phases"), 3);
    assert_string_equal(json_string_value(json_object_get(ph, "workload")), "admin");
    assert_int_equal(json_integer_value(json_object_get(ph, "users")), 10);
    json_t *rq = json_array_get(json_object_get(j, "requests"), 1);
    assert_string_equal(json_string_value(json_object_get(rq, "workload")), "api");
    json_decref(j);
    scenario_free(s);
}

static void errors_with_positions(void **state)
{
    (void)state;
    /* a workload's own errors carry its prefix and their place in the file */
    load_fails(TARGETS "workloads:\n"
                       "  - name: w\n"
                       "    load: {phases: [{duration: 1s, rate: 10/s}]}\n"
                       "    requests: [{name: r, path: /}]\n"
                       "  - name: v\n"
                       "    load: {phases: [{duration: 1s, users: 3}]}\n"
                       "    requests: [{name: q, path: /}]\n",
               "t.yaml:7:43: workloads.1.load.phases.0.users: only for load.model: closed");
    load_fails(TARGETS "workloads:\n"
                       "  - name: w\n"
                       "    load: {phases: [{duration: 1s, rate: 10/s}]}\n",
               "t.yaml:3:5: workloads.0.requests: missing");
    /* top-level load: or requests: beside workloads: */
    load_fails(TARGETS "requests: [{path: /}]\n"
                       "workloads:\n"
                       "  - load: {phases: [{duration: 1s, rate: 10/s}]}\n"
                       "    requests: [{path: /}]\n",
               "t.yaml:2:11: requests: a scenario with workloads: gives each workload its own");
    load_fails(TARGETS "workloads: []\n", "t.yaml:2:12: workloads: empty");
    load_fails(TARGETS "workloads: {a: 1}\n", "t.yaml:2:12: workloads:");
    load_fails(TARGETS "workloads:\n"
                       "  - name: w\n"
                       "    rate: 10/s\n"
                       "    load: {phases: [{duration: 1s, rate: 10/s}]}\n"
                       "    requests: [{path: /}]\n",
               "t.yaml:4:5: workloads.0.rate:");
    /* names unique across workloads: requests, phases, workloads */
    load_fails(TARGETS "workloads:\n"
                       "  - name: w\n"
                       "    load: {phases: [{duration: 1s, rate: 10/s}]}\n"
                       "    requests: [{name: r, path: /}]\n"
                       "  - name: v\n"
                       "    load: {phases: [{name: other, duration: 1s, rate: 10/s}]}\n"
                       "    requests: [{name: x, path: /x}, {name: r, path: /y}]\n",
               "t.yaml:8:37: workloads.1.requests.1: the name 'r' is already used by a request of "
               "workload 'w'");
    load_fails(TARGETS "workloads:\n"
                       "  - name: w\n"
                       "    load: {phases: [{duration: 1s, rate: 10/s}]}\n"
                       "    requests: [{name: r, path: /}]\n"
                       "  - name: v\n"
                       "    load: {phases: [{duration: 1s, rate: 10/s}]}\n"
                       "    requests: [{name: q, path: /}]\n",
               "workloads.1.load.phases: the phase name 'phase-1' is already used in workload "
               "'w'");
    load_fails(TARGETS "workloads:\n"
                       "  - name: w\n"
                       "    load: {phases: [{name: a, duration: 1s, rate: 10/s}]}\n"
                       "    requests: [{name: r, path: /}]\n"
                       "  - name: w\n"
                       "    load: {phases: [{name: b, duration: 1s, rate: 10/s}]}\n"
                       "    requests: [{name: q, path: /}]\n",
               "t.yaml:6:11: workloads.1.name: the workload name 'w' is used twice");
}

static void unnamed_workloads_are_numbered(void **state)
{
    (void)state;
    struct scenario *s = load_ok(TARGETS "workloads:\n"
                                         "  - load: {phases: [{name: a, duration: 1s, rate: "
                                         "10/s}]}\n"
                                         "    requests: [{name: r, path: /}]\n"
                                         "  - load: {phases: [{name: b, duration: 2s, rate: "
                                         "10/s}]}\n"
                                         "    requests: [{name: q, path: /}]\n");
    assert_string_equal(s->workloads[0].name, "workload-1");
    assert_string_equal(s->workloads[1].name, "workload-2");
    scenario_free(s);
}

static void workload_gates(void **state)
{
    (void)state;
    struct scenario *s = load_ok(THREE "gates:\n"
                                       "  - {gate: \"p99 < 200ms\", workload: api}\n"
                                       "  - {gate: \"errors < 1%\", workload: \"*\"}\n");
    assert_int_equal(s->n_gates, 2);
    assert_int_equal(s->gates[0].scope, GATE_WORKLOAD);
    assert_string_equal(s->gates[0].scope_name, "api");
    assert_string_equal(gate_scope_name(GATE_WORKLOAD), "workload");
    scenario_free(s);
    load_fails(THREE "gates: [{gate: \"p99 < 200ms\", workload: nope}]\n",
               "gates.0.workload: no workload is named 'nope'");
    load_fails(THREE "gates: [{gate: \"p99 < 200ms\", workload: api, phase: steady}]\n",
               "a gate has one scope");
    load_fails(TARGETS "requests: [{path: /}]\nload: {phases: [{duration: 1s, rate: 1/s}]}\n"
                       "gates: [{gate: \"p99 < 200ms\", workload: default}]\n",
               "gates.0.workload: this scenario has no workloads: section");
}

#define PER_USER_FMT                                                                               \
    TARGETS "feeders: {users: {file: %s, per: user}}\n"                                            \
            "workloads:\n"                                                                         \
            "  - name: api\n"                                                                      \
            "    load: {phases: [{name: p, duration: 1s, rate: 10/s}]}\n"                          \
            "    requests: [{name: a, path: \"/a%s\"}]\n"                                          \
            "  - name: adm\n"                                                                      \
            "    load: {model: closed, phases: [{name: u, duration: 1s, users: 2}]}\n"             \
            "    requests: [{name: b, path: \"/b%s\"}]\n"                                          \
            "%s"

/* A per-user feeder belongs to closed-model users: a closed workload's
 * requests may use it, an open workload's may not; `achieved` needs an
 * offered rate, which a closed workload has not. */
static void per_workload_model_checks(void **state)
{
    (void)state;
    char csv[] = "/tmp/gatecap-wl-XXXXXX";
    int fd = mkstemp(csv);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "id\n1\n2\n", 7), 7);
    close(fd);
    char yaml[2048];
    snprintf(yaml, sizeof yaml, PER_USER_FMT, csv, "", "/${users.id}", "");
    scenario_free(load_ok(yaml));
    snprintf(yaml, sizeof yaml, PER_USER_FMT, csv, "/${users.id}", "", "");
    load_fails(yaml, "feeders.users.per: per: user needs the closed model");
    snprintf(yaml, sizeof yaml, PER_USER_FMT, csv, "", "",
             "gates: [{gate: 'achieved >= 99%', workload: adm}]\n");
    load_fails(yaml, "gates.0.gate: achieved compares with an offered rate");
    snprintf(yaml, sizeof yaml, PER_USER_FMT, csv, "", "",
             "gates: [{gate: 'achieved >= 99%', workload: api}]\n");
    scenario_free(load_ok(yaml));
    unlink(csv);
}

static void shards_are_refused(void **state)
{
    (void)state;
    struct scenario *s = load_ok(THREE);
    char e[512];
    assert_int_equal(scenario_shard(s, 0, 2, e, sizeof e), SCN_EINVAL);
    assert_non_null(strstr(e, "workloads: cannot run as shards"));
    scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flattened_with_offsets),
        cmocka_unit_test(implicit_workload),
        cmocka_unit_test(echoed),
        cmocka_unit_test(errors_with_positions),
        cmocka_unit_test(unnamed_workloads_are_numbered),
        cmocka_unit_test(workload_gates),
        cmocka_unit_test(per_workload_model_checks),
        cmocka_unit_test(shards_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
