/*
 * tests/scenario/test_scenario_flows.c — the `flows:` section
 * (harness/scenario/scenario_flows.c): flows loaded from YAML, their
 * steps appended to the requests as "FLOW.STEP" (the first step carrying
 * the flow's weight), think kinds, on_fail, pacing, flow variables (the
 * names earlier steps capture), the check names index (one id per name),
 * and every error with its file:line:column, field and what to do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scenario/check.h"
#include "scenario/scenario.h"
#include "scenario/template.h"

static char err[16384];

#define TARGETS "targets: [http://127.0.0.1]\n"
#define LOAD "load: {phases: [{duration: 1s, rate: 10/s}]}\n"
#define CLOSED "load: {model: closed, phases: [{duration: 1s, users: 2}]}\n"

static struct scenario *load_ok(const char *yaml)
{
    struct scenario *s = NULL;
    memset(err, 0, sizeof err);
    int rc = scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &s, err, sizeof err);
    if (rc)
        fail_msg("expected the scenario to load, got %d:\n%s\n--- yaml:\n%s", rc, err, yaml);
    return s;
}

/* The scenario fails with an error containing want (and want2 when not
 * NULL); err holds every message. */
static void load_fails2(const char *yaml, const char *want, const char *want2)
{
    struct scenario *s = NULL;
    memset(err, 0, sizeof err);
    int rc = scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &s, err, sizeof err);
    if (s) {
        scenario_free(s);
        fail_msg("expected an error containing\n  %s\nbut the scenario loaded:\n%s", want, yaml);
    }
    if (getenv("SHOWALL") && (rc != SCN_EINVAL || !strstr(err, want))) {
        printf("WANT %s\nGOT  %s\n\n", want, err);
        return;
    }
    if (rc != SCN_EINVAL || !strstr(err, want) || (want2 && !strstr(err, want2)))
        fail_msg("rc %d; expected an error containing\n  %s\n  %s\ngot:\n%s\n--- yaml:\n%s", rc,
                 want, want2 ? want2 : "", err, yaml);
}

static void load_fails(const char *yaml, const char *want)
{
    load_fails2(yaml, want, NULL);
}

static const struct scn_request *request(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->n_requests; i++)
        if (!strcmp(s->requests[i].name, name))
            return &s->requests[i];
    fail_msg("no request named %s", name);
    return NULL;
}

/* Plain requests first, then each flow's steps in order, named
 * FLOW.STEP; the first step carries the flow's weight, the others 0 (the
 * mix picks a flow by its first step); the flow keeps the range. */
static void flows_and_requests_mixed(void **state)
{
    (void)state;
    struct scenario *s = load_ok(TARGETS LOAD "requests:\n"
                                              "  - {name: ping, path: /ping, weight: 3}\n"
                                              "flows:\n"
                                              "  - name: payment\n"
                                              "    weight: 2\n"
                                              "    steps:\n"
                                              "      - {name: consent, method: POST, path: /c}\n"
                                              "      - {name: pay, path: /p}\n"
                                              "      - {path: /status}\n"
                                              "  - name: browse\n"
                                              "    steps: [{name: list, path: /l}]\n");
    assert_int_equal(s->n_requests, 5);
    assert_int_equal(s->n_flows, 2);
    const char *names[] = {"ping", "payment.consent", "payment.pay", "payment.get-status",
                           "browse.list"};
    const double weights[] = {3, 2, 0, 0, 1};
    const size_t flow[] = {0, 1, 1, 1, 2}, step[] = {0, 0, 1, 2, 0};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(s->requests[i].name, names[i]);
        assert_true(s->requests[i].weight == weights[i]);
        assert_int_equal(s->requests[i].flow, flow[i]);
        assert_int_equal(s->requests[i].step, step[i]);
        assert_int_equal(s->requests[i].on_fail, SCN_ON_FAIL_STOP);
        assert_int_equal(s->requests[i].think.kind, SCN_THINK_NONE);
    }
    assert_string_equal(s->flows[0].name, "payment");
    assert_true(s->flows[0].weight == 2);
    assert_int_equal(s->flows[0].first_request, 1);
    assert_int_equal(s->flows[0].n_steps, 3);
    assert_true(s->flows[0].pacing_ms == 0);
    assert_int_equal(s->flows[0].n_vars, 0);
    assert_string_equal(s->flows[1].name, "browse");
    assert_true(s->flows[1].weight == 1);
    assert_int_equal(s->flows[1].first_request, 4);
    assert_int_equal(s->flows[1].n_steps, 1);
    assert_int_equal(s->n_check_names, 0);
    scenario_free(s);
}

/* requests: may be left out when flows: is there; without either the
 * message names both. */
static void flows_without_requests(void **state)
{
    (void)state;
    struct scenario *s =
        load_ok(TARGETS LOAD "flows: [{name: f, steps: [{name: a, path: /a}, {name: b, path: "
                             "/b}]}]\n");
    assert_int_equal(s->n_requests, 2);
    assert_string_equal(s->requests[0].name, "f.a");
    assert_true(s->requests[0].weight == 1);
    assert_true(s->requests[1].weight == 0);
    scenario_free(s);
    load_fails(TARGETS LOAD, "requests: missing; list what to send");
    load_fails(TARGETS LOAD, "(or flows: of several steps)");
}

/* think: a duration, 0, or one of the kinds; the flow's default for its
 * steps, each step's own overriding it; on_fail likewise. */
static void think_kinds_and_on_fail(void **state)
{
    (void)state;
    struct scenario *s = load_ok(TARGETS LOAD "flows:\n"
                                              "  - name: f\n"
                                              "    think: 200ms\n"
                                              "    on_fail: continue\n"
                                              "    steps:\n"
                                              "      - {name: a, path: /a}\n"
                                              "      - {name: b, path: /b, think: 0}\n"
                                              "      - {name: c, path: /c, think: {fixed: 1.5s}}\n"
                                              "      - {name: d, path: /d, think: {uniform: "
                                              "[100ms, 300ms]}, on_fail: stop}\n"
                                              "      - {name: e, path: /e, think: "
                                              "{exponential: 2s}}\n"
                                              "      - {name: g, path: /g, think: {uniform: "
                                              "[0, 0]}}\n"
                                              "      - {name: h, path: /h, think: {fixed: 0}}\n");
    const struct scn_request *r = request(s, "f.a");
    assert_int_equal(r->think.kind, SCN_THINK_FIXED);
    assert_true(r->think.a_ms == 200);
    assert_int_equal(r->on_fail, SCN_ON_FAIL_CONTINUE);
    assert_int_equal(request(s, "f.b")->think.kind, SCN_THINK_NONE);
    r = request(s, "f.c");
    assert_int_equal(r->think.kind, SCN_THINK_FIXED);
    assert_true(r->think.a_ms == 1500);
    r = request(s, "f.d");
    assert_int_equal(r->think.kind, SCN_THINK_UNIFORM);
    assert_true(r->think.a_ms == 100 && r->think.b_ms == 300);
    assert_int_equal(r->on_fail, SCN_ON_FAIL_STOP);
    r = request(s, "f.e");
    assert_int_equal(r->think.kind, SCN_THINK_EXP);
    assert_true(r->think.a_ms == 2000);
    assert_int_equal(r->on_fail, SCN_ON_FAIL_CONTINUE);
    assert_int_equal(request(s, "f.g")->think.kind, SCN_THINK_NONE);
    assert_int_equal(request(s, "f.h")->think.kind, SCN_THINK_NONE);
    scenario_free(s);
}

static void pacing_closed_model_only(void **state)
{
    (void)state;
    struct scenario *s =
        load_ok(TARGETS CLOSED "flows: [{name: f, pacing: 2s, steps: [{name: a, path: /a}]}]\n");
    assert_true(s->flows[0].pacing_ms == 2000);
    scenario_free(s);
    load_fails(TARGETS LOAD "flows: [{name: f, pacing: 2s, steps: [{name: a, path: /a}]}]\n",
               "t.yaml:3:27: flows.0.pacing: only for load.model: closed");
}

/* The names earlier steps capture are the flow's variables, once each, in
 * order; later steps' templates render them. */
static void flow_variables(void **state)
{
    (void)state;
    struct scenario *s =
        load_ok(TARGETS LOAD "flows:\n"
                             "  - name: pay\n"
                             "    steps:\n"
                             "      - name: consent\n"
                             "        path: /c\n"
                             "        capture: {cid: {json: $.id}, etag: {header: ETag}}\n"
                             "      - name: pay\n"
                             "        path: /p/${cid}\n"
                             "        headers: {If-Match: \"${etag}\"}\n"
                             "        body: '{\"consent\": \"${cid}\"}'\n"
                             "        capture: {cid: {json: $.next}}\n"
                             "      - {name: status, path: \"/s/${cid}?e=${etag}\"}\n");
    const struct scn_flow *fl = &s->flows[0];
    assert_int_equal(fl->n_vars, 2);
    assert_string_equal(fl->vars[0], "cid");
    assert_string_equal(fl->vars[1], "etag");
    const struct scn_request *r = request(s, "pay.pay");
    assert_non_null(r->path_tpl);
    assert_int_equal(tpl_var_mask(r->path_tpl), 1);
    assert_int_equal(tpl_var_mask(r->headers[0].tpl), 2);
    assert_non_null(r->body_tpl);
    assert_int_equal(tpl_var_mask(r->body_tpl), 1);
    assert_int_equal(tpl_var_mask(request(s, "pay.status")->path_tpl), 3);
    /* rendered with the instance's values */
    struct tpl_span vars[2] = {{"c-1", 3}, {"W/\"x\"", 6}};
    uint64_t rng = 1;
    struct tpl_ctx ctx = {.rng = &rng, .vars = vars};
    struct tpl_buf b = {0};
    assert_int_equal(tpl_render(request(s, "pay.status")->path_tpl, &ctx, &b), TPL_OK);
    assert_string_equal(b.data, "/s/c-1?e=W/\"x\"");
    assert_int_equal(tpl_render(r->body_tpl, &ctx, &b), TPL_OK);
    assert_string_equal(b.data, "{\"consent\": \"c-1\"}");
    tpl_buf_free(&b);
    scenario_free(s);
}

/* A variable used before a step captures it is not a flow variable: it
 * reads as an environment variable, an error unless one is set (then its
 * value is used, once, at load). */
static void variable_before_its_capture(void **state)
{
    (void)state;
    static const char yaml[] = TARGETS LOAD "flows:\n"
                                            "  - name: pay\n"
                                            "    steps:\n"
                                            "      - {name: a, path: \"/a/${cid}\"}\n"
                                            "      - {name: b, path: /b, capture: {cid: {json: "
                                            "$.id}}}\n";
    unsetenv("cid");
    load_fails2(yaml, "t.yaml:6:25: flows.0.steps.0.path: ",
                "environment variable cid is not set; export cid=... before running, or write "
                "${cid:-default}");
    /* a step does not see its own capture either */
    load_fails(TARGETS LOAD "flows: [{name: f, steps: [{name: a, path: \"/a/${cid}\", capture: "
                            "{cid: {json: $.id}}}]}]\n",
               "environment variable cid is not set");
    /* nor another flow's */
    load_fails(TARGETS LOAD "flows:\n"
                            "  - {name: f, steps: [{name: a, path: /a, capture: {cid: {json: "
                            "$.id}}}]}\n"
                            "  - {name: g, steps: [{name: a, path: \"/g/${cid}\"}]}\n",
               "t.yaml:5:39: flows.1.steps.0.path: environment variable cid is not set");
    setenv("cid", "from-env", 1);
    struct scenario *s = load_ok(yaml);
    const struct scn_request *r = request(s, "pay.a");
    assert_string_equal(r->path, "/a/from-env");
    assert_null(r->path_tpl);
    assert_true(r->path_secret); /* from the environment */
    /* after the capture the flow variable wins over the environment */
    scenario_free(s);
    s = load_ok(TARGETS LOAD "flows:\n"
                             "  - name: pay\n"
                             "    steps:\n"
                             "      - {name: a, path: /a, capture: {cid: {json: $.id}}}\n"
                             "      - {name: b, path: \"/b/${cid}\"}\n");
    r = request(s, "pay.b");
    assert_non_null(r->path_tpl);
    assert_int_equal(tpl_var_mask(r->path_tpl), 1);
    assert_string_equal(r->path, "/b/${cid}");
    scenario_free(s);
    unsetenv("cid");
}

/* Errors: each with file:line:column, the field, and what to write. */
static void errors(void **state)
{
    (void)state;
    load_fails(TARGETS LOAD "flows: [{name: f, weight: 2, steps: [{name: a, path: /a, weight: "
                            "2}]}]\n",
               "t.yaml:3:58: flows.0.steps.0.weight: unknown key 'weight'; the keys here are: "
               "name, method, path, headers, body, body_file, json, expect, checks, capture, "
               "body_limit, sign, think, on_fail");
    load_fails(TARGETS LOAD "flows: [{name: f, wieght: 2, steps: [{path: /a}]}]\n",
               "t.yaml:3:19: flows.0.wieght: unknown key 'wieght'; did you mean 'weight'?");
    load_fails(TARGETS LOAD "flows: [{name: f, steps: [{path: /a, thinks: 1s}]}]\n",
               "unknown key 'thinks'; did you mean 'think'?");
    load_fails(TARGETS LOAD "flows: [{name: f, think: soon, steps: [{path: /a}]}]\n",
               "t.yaml:3:26: flows.0.think: ");
    load_fails(TARGETS LOAD "flows: [{name: f, think: [1s], steps: [{path: /a}]}]\n",
               "t.yaml:3:26: flows.0.think: expected a duration or one of {fixed: 200ms}, "
               "{uniform: [100ms, 300ms]}, {exponential: 200ms} (the mean)");
    load_fails(TARGETS LOAD "flows: [{name: f, think: {fixed: 1s, uniform: [1s, 2s]}, steps: "
                            "[{path: /a}]}]\n",
               "flows.0.think: expected a duration or one of");
    /* one mistake, one message */
    load_fails(TARGETS LOAD "flows: [{name: f, think: {normal: 1s}, steps: [{path: /a}]}]\n",
               "t.yaml:3:27: flows.0.think.normal: unknown key 'normal'; the keys here are: "
               "fixed, uniform, exponential");
    assert_null(strchr(err, '\n'));
    load_fails(TARGETS LOAD "flows: [{name: f, think: {expo: 1s}, steps: [{path: /a}]}]\n",
               "flows.0.think.expo: unknown key 'expo'; did you mean");
    assert_null(strchr(err, '\n'));
    load_fails(TARGETS LOAD "flows: [{name: f, steps: [{path: /a, think: {uniform: [300ms, "
                            "100ms]}}]}]\n",
               "t.yaml:3:55: flows.0.steps.0.think.uniform: the most (100ms) is less than the "
               "least (300ms); write [100ms, 300ms]");
    load_fails(TARGETS LOAD "flows: [{name: f, steps: [{path: /a, think: {uniform: 1s}}]}]\n",
               "flows.0.steps.0.think.uniform: expected [LEAST, MOST]");
    load_fails(TARGETS LOAD "flows: [{name: f, steps: [{path: /a, think: {exponential: 0}}]}]\n",
               "flows.0.steps.0.think.exponential: ");
    load_fails(TARGETS LOAD "flows: [{name: f, steps: [{path: /a, think: -1s}]}]\n",
               "flows.0.steps.0.think: ");
    load_fails(TARGETS LOAD "flows: [{name: f, steps: [{path: /a, think: 2h}]}]\n",
               "flows.0.steps.0.think: ");
    load_fails(TARGETS LOAD "flows: [{name: f, on_fail: retry, steps: [{path: /a}]}]\n",
               "t.yaml:3:28: flows.0.on_fail: expected stop (the flow instance ends: later "
               "steps are not sent) or continue (the next step is sent anyway)");
    load_fails(TARGETS LOAD "flows: [{name: f, steps: [{path: /a, on_fail: [stop]}]}]\n",
               "flows.0.steps.0.on_fail: expected stop");
    load_fails(TARGETS LOAD "flows: [{name: pay.v2, steps: [{path: /a}]}]\n",
               "t.yaml:3:16: flows.0.name: 'pay.v2' holds a '.', which separates a flow's name "
               "from its metric in gates (flow.NAME.p99); use '-' or '_'");
    load_fails(TARGETS LOAD "flows: [{steps: [{path: /a}]}]\n",
               "t.yaml:3:9: flows.0: missing name; write e.g. name: payment");
    load_fails(TARGETS LOAD "flows: [{name: f}]\n",
               "t.yaml:3:9: flows.0.steps: missing; list the flow's requests in order");
    load_fails(TARGETS LOAD "flows: [{name: f, steps: []}]\n",
               "flows.0.steps: empty; list at least one step");
    load_fails(TARGETS LOAD "flows: [{name: f, steps: {path: /a}}]\n", "flows.0.steps: ");
    load_fails(TARGETS LOAD "flows: []\n",
               "t.yaml:3:8: flows: empty; list at least one flow, or leave flows out");
    load_fails(TARGETS LOAD "flows: {name: f}\n", "flows: ");
    load_fails(TARGETS LOAD "flows: [{name: f, weight: 0, steps: [{path: /a}]}]\n",
               "flows.0.weight: ");
    load_fails(TARGETS LOAD "flows: [{name: f, steps: [{path: relative}]}]\n",
               "flows.0.steps.0.path: ");
}

static void duplicate_names(void **state)
{
    (void)state;
    load_fails(TARGETS LOAD "flows:\n"
                            "  - {name: f, steps: [{path: /a}]}\n"
                            "  - {name: g, steps: [{path: /b}]}\n"
                            "  - {name: f, steps: [{path: /c}]}\n",
               "t.yaml:6:5: flows.2: the flow name 'f' is already used by flows.0; give each "
               "flow its own name");
    load_fails(TARGETS LOAD "flows:\n"
                            "  - name: f\n"
                            "    steps:\n"
                            "      - {name: a, path: /a}\n"
                            "      - {name: b, path: /b}\n"
                            "      - {name: a, path: /c}\n",
               "t.yaml:8:9: flows.0: the step name 'f.a' is already used by the step f.a; give "
               "each step its own name");
    /* the same step name in two flows is fine: FLOW.STEP differ */
    struct scenario *s = load_ok(TARGETS LOAD "flows:\n"
                                              "  - {name: f, steps: [{name: a, path: /a}]}\n"
                                              "  - {name: g, steps: [{name: a, path: /a}]}\n");
    assert_string_equal(s->requests[1].name, "g.a");
    scenario_free(s);
    /* a request named like a step */
    load_fails(TARGETS LOAD "requests: [{name: f.a, path: /x}]\n"
                            "flows: [{name: f, steps: [{name: a, path: /a}]}]\n",
               "the step name 'f.a' is already used by the request f.a");
}

/* A value from the environment in a step is a secret: never in messages. */
static void secrets_not_in_messages(void **state)
{
    (void)state;
    setenv("GATECAP_TEST_FLOW_TOKEN", "s3cr3t-t0ken-value", 1);
    load_fails(TARGETS LOAD "flows:\n"
                            "  - name: f\n"
                            "    steps:\n"
                            "      - name: a\n"
                            "        path: /a\n"
                            "        headers: {Authorization: \"Bearer "
                            "${GATECAP_TEST_FLOW_TOKEN}\"}\n"
                            "        checks: [{header: X-Token, equals: "
                            "\"${GATECAP_TEST_FLOW_TOKEN}\", oops: 1}]\n"
                            "        think: {uniform: [\"${GATECAP_TEST_FLOW_TOKEN}\", 1s]}\n",
               "flows.0.steps.0");
    assert_null(strstr(err, "s3cr3t"));
    /* nor in the scenario's JSON (results.json): a step is a request there */
    struct scenario *s =
        load_ok(TARGETS LOAD "flows:\n"
                             "  - name: f\n"
                             "    steps:\n"
                             "      - name: a\n"
                             "        path: \"/a?k=${GATECAP_TEST_FLOW_TOKEN}\"\n"
                             "        headers: {X-Key: \"${GATECAP_TEST_FLOW_TOKEN}\"}\n"
                             "        body: \"${GATECAP_TEST_FLOW_TOKEN}\"\n"
                             "        checks: [{header: X-Token, equals: "
                             "\"${GATECAP_TEST_FLOW_TOKEN}\"}]\n"
                             "        capture: {v: {regex: \"${GATECAP_TEST_FLOW_TOKEN}(.*)\"}}\n");
    json_t *j = scenario_to_json(s);
    assert_non_null(j);
    char *dump = json_dumps(j, 0);
    assert_non_null(dump);
    assert_non_null(strstr(dump, "\"f.a\""));
    if (strstr(dump, "s3cr3t"))
        fail_msg("the secret is in the scenario's JSON: %s", dump);
    free(dump);
    json_decref(j);
    scenario_free(s);
    unsetenv("GATECAP_TEST_FLOW_TOKEN");
}

/* Check names: each name once in scenario.check_names, in order of first
 * appearance; every check and capture of that name has its id. */
static void check_names_dedup(void **state)
{
    (void)state;
    struct scenario *s = load_ok(
        TARGETS LOAD "requests:\n"
                     "  - {name: r1, path: /1, checks: [{name: ok, status: 200}, {status: 201}]}\n"
                     "  - {name: r2, path: /2, checks: [{name: ok, status: 200}]}\n"
                     "flows:\n"
                     "  - name: f\n"
                     "    steps:\n"
                     "      - {name: a, path: /a, checks: [{name: ok, status: 200}], capture: "
                     "{v: {json: $.v}}}\n"
                     "      - {name: b, path: /b, checks: [{name: other, status: 204}]}\n");
    assert_int_equal(s->n_check_names, 4);
    assert_string_equal(s->check_names[0], "ok");
    assert_string_equal(s->check_names[1], "r1.status");
    assert_string_equal(s->check_names[2], "f.a.capture:v");
    assert_string_equal(s->check_names[3], "other");
    assert_int_equal(request(s, "r1")->checks[0].id, 0);
    assert_int_equal(request(s, "r1")->checks[1].id, 1);
    assert_int_equal(request(s, "r2")->checks[0].id, 0);
    assert_int_equal(request(s, "f.a")->checks[0].id, 0);
    assert_int_equal(request(s, "f.a")->captures[0].id, 2);
    assert_int_equal(request(s, "f.b")->checks[0].id, 3);
    assert_true(request(s, "f.a")->needs_body);
    assert_false(request(s, "f.b")->needs_body);
    assert_false(request(s, "f.b")->needs_head);
    scenario_free(s);
}

/* A flow may capture at most TPL_MAX_VARS names. */
static void too_many_variables(void **state)
{
    (void)state;
    char yaml[8192];
    int k = snprintf(yaml, sizeof yaml,
                     TARGETS LOAD "flows:\n  - name: f\n    steps:\n      - path: /a\n"
                                  "        capture: {");
    for (int i = 0; i <= TPL_MAX_VARS; i++)
        k += snprintf(yaml + k, sizeof yaml - (size_t)k, "%sv%d: {json: $.a}", i ? ", " : "", i);
    snprintf(yaml + k, sizeof yaml - (size_t)k, "}\n");
    load_fails(yaml, "flow 'f' captures more than 64 variables; capture fewer");
}

/* Each workload's flows: their steps among that workload's requests,
 * flows numbered across the workloads, names unique across them. */
static void flows_in_workloads(void **state)
{
    (void)state;
    struct scenario *s = load_ok(
        TARGETS "workloads:\n"
                "  - name: api\n"
                "    load: {phases: [{name: a, duration: 1s, rate: 10/s}]}\n"
                "    requests: [{name: plain, path: /p}]\n"
                "    flows: [{name: one, steps: [{name: x, path: /x}, {name: y, path: /y}]}]\n"
                "  - name: users\n"
                "    load: {model: closed, phases: [{name: b, duration: 1s, users: 2}]}\n"
                "    flows: [{name: two, pacing: 1s, steps: [{name: z, path: /z, capture: "
                "{v: {header: X}}}, {name: w, path: '/w/${v}'}]}]\n");
    assert_int_equal(s->n_flows, 2);
    assert_int_equal(s->n_workloads, 2);
    const struct scn_workload *w0 = &s->workloads[0], *w1 = &s->workloads[1];
    assert_int_equal(w0->first_request, 0);
    assert_int_equal(w0->n_requests, 3); /* plain, one.x, one.y */
    assert_int_equal(w1->first_request, 3);
    assert_int_equal(w1->n_requests, 2);
    assert_int_equal(s->flows[0].first_request, 1);
    assert_int_equal(s->flows[1].first_request, 3);
    assert_string_equal(s->requests[3].name, "two.z");
    assert_int_equal(s->requests[3].flow, 2);
    assert_int_equal(s->requests[3].workload, 1);
    assert_int_equal(s->requests[4].flow, 2);
    assert_int_equal(s->requests[4].step, 1);
    assert_true(s->requests[4].path_tpl != NULL);
    assert_float_equal(s->flows[1].pacing_ms, 1000, 1e-9);
    assert_float_equal(s->requests[3].weight, 1, 1e-9);
    assert_float_equal(s->requests[4].weight, 0, 1e-9);
    scenario_free(s);
    load_fails(TARGETS "workloads:\n"
                       "  - {name: a, load: {phases: [{name: a, duration: 1s, rate: 1/s}]}, "
                       "flows: [{name: f, steps: [{name: x, path: /x}]}]}\n"
                       "  - {name: b, load: {phases: [{name: b, duration: 1s, rate: 1/s}]}, "
                       "flows: [{name: f, steps: [{name: y, path: /y}]}]}\n",
               "t.yaml:4:77: workloads.1.flows.0: the flow name 'f' is already used by a flow "
               "of an earlier workload");
    load_fails(TARGETS "workloads: [{name: a, load: {phases: [{duration: 1s, rate: 1/s}]}, "
                       "requests: [{path: /a}]}]\nflows: [{name: f, steps: [{path: /x}]}]\n",
               "t.yaml:3:8: flows: a scenario with workloads: gives each workload its own flows:");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flows_and_requests_mixed),
        cmocka_unit_test(flows_without_requests),
        cmocka_unit_test(think_kinds_and_on_fail),
        cmocka_unit_test(pacing_closed_model_only),
        cmocka_unit_test(flow_variables),
        cmocka_unit_test(variable_before_its_capture),
        cmocka_unit_test(errors),
        cmocka_unit_test(duplicate_names),
        cmocka_unit_test(secrets_not_in_messages),
        cmocka_unit_test(check_names_dedup),
        cmocka_unit_test(too_many_variables),
        cmocka_unit_test(flows_in_workloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
