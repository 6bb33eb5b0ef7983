/*
 * tests/scenario/test_scenario_checks.c — a request's `checks:`,
 * `capture:` and `body_limit:` (harness/scenario/scenario_checks.c):
 * loaded from YAML and compiled (each kind, the defaults and the names
 * made for unnamed checks), evaluated on responses, echoed in the
 * scenario's JSON with secrets redacted, and every error with its
 * file:line:column, field and fix.
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
#include "scenario/redact.h"
#include "scenario/scenario.h"

static char err[16384];

#define TARGETS "targets: [http://127.0.0.1]\n"
#define LOAD "load: {phases: [{duration: 1s, rate: 10/s}]}\n"

static struct scenario *load_ok(const char *yaml)
{
    struct scenario *s = NULL;
    memset(err, 0, sizeof err);
    int rc = scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &s, err, sizeof err);
    if (rc)
        fail_msg("expected the scenario to load, got %d:\n%s\n--- yaml:\n%s", rc, err, yaml);
    return s;
}

static void load_fails(const char *yaml, const char *want)
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
    if (rc != SCN_EINVAL || !strstr(err, want))
        fail_msg("rc %d; expected an error containing\n  %s\ngot:\n%s\n--- yaml:\n%s", rc, want,
                 err, yaml);
}

static const char JOURNEY[] =
    TARGETS LOAD "requests:\n"
                 "  - name: consent\n"
                 "    method: POST\n"
                 "    path: /open-banking/v3.1/pisp/domestic-payment-consents\n"
                 "    checks:\n"
                 "      - {name: consent-created, status: 201}\n"
                 "      - {name: consent-accepted, json: $.Data.Status, equals: "
                 "AwaitingAuthorisation}\n"
                 "      - {json: $.Data.ConsentId, exists: true}\n"
                 "      - {header: Content-Type, matches: \"^application/json\"}\n"
                 "      - {body: {contains: \"ConsentId\"}}\n"
                 "      - {body_size: {max: 64kB}}\n"
                 "    capture:\n"
                 "      consent_id: {json: $.Data.ConsentId}\n"
                 "      etag: {header: ETag, default: none}\n"
                 "      loc: {regex: \"^Location: [^\\r]*/([a-z0-9-]+)\", from: headers}\n"
                 "    body_limit: 1MiB\n"
                 "  - name: status\n"
                 "    path: /status\n";

static void journey(void **state)
{
    (void)state;
    struct scenario *s = load_ok(JOURNEY);
    const struct scn_request *r = &s->requests[0];
    assert_int_equal(r->n_checks, 6);
    static const char *const names[] = {"consent-created",
                                        "consent-accepted",
                                        "consent.json:$.Data.ConsentId",
                                        "consent.header:Content-Type",
                                        "consent.body",
                                        "consent.body_size"};
    static const enum chk_kind kinds[] = {CHK_STATUS, CHK_JSON, CHK_JSON,
                                          CHK_HEADER, CHK_BODY, CHK_BODY_SIZE};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(r->checks[i].name, names[i]);
        assert_int_equal(r->checks[i].kind, kinds[i]);
    }
    assert_int_equal(r->checks[5].size_max, 64000);
    assert_true(r->needs_head && r->needs_body);
    assert_int_equal(r->body_limit, 1048576);
    assert_int_equal(r->n_captures, 3);
    assert_string_equal(r->captures[0].var, "consent_id");
    assert_string_equal(r->captures[0].name, "consent.capture:consent_id");
    assert_string_equal(r->captures[1].def, "none");
    assert_true(r->captures[2].from_headers && r->captures[2].group == 1);
    /* a request without any: nothing kept, the default limit */
    const struct scn_request *plain = &s->requests[1];
    assert_int_equal(plain->n_checks + plain->n_captures, 0);
    assert_false(plain->needs_head || plain->needs_body);
    assert_int_equal(plain->body_limit, 1048576);

    /* what was loaded judges a response */
    static const char head[] = "Content-Type: application/json\r\nLocation: /c/urn-9\r\n";
    static const char body[] = "{\"Data\": {\"ConsentId\": \"urn-9\", \"Status\": "
                               "\"AwaitingAuthorisation\"}}";
    struct chk_response resp = {201, head, sizeof head - 1, body, sizeof body - 1, false};
    for (size_t i = 0; i < r->n_checks; i++)
        if (!chk_pass(&r->checks[i], &resp))
            fail_msg("%s: %s", r->checks[i].name, chk_result_str(chk_eval(&r->checks[i], &resp)));
    struct tpl_buf b = {0};
    assert_int_equal(chk_capture(&r->captures[0], &resp, &b), 0);
    assert_string_equal(b.data, "urn-9");
    assert_int_equal(chk_capture(&r->captures[1], &resp, &b), 0);
    assert_string_equal(b.data, "none");
    assert_int_equal(chk_capture(&r->captures[2], &resp, &b), 0);
    assert_string_equal(b.data, "urn-9");
    tpl_buf_free(&b);
    resp.status = 400;
    assert_false(chk_pass(&r->checks[0], &resp));

    /* echoed in the scenario's JSON */
    json_t *j = scenario_to_json(s);
    assert_non_null(j);
    json_t *rq = json_array_get(json_object_get(j, "requests"), 0);
    assert_int_equal(json_integer_value(json_object_get(rq, "body_limit_bytes")), 1048576);
    json_t *checks = json_object_get(rq, "checks");
    assert_int_equal(json_array_size(checks), 6);
    assert_string_equal(json_string_value(json_object_get(json_array_get(checks, 1), "equals")),
                        "AwaitingAuthorisation");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_array_get(checks, 5), "body_size"), "max_bytes")),
                     64000);
    json_t *cap = json_object_get(json_object_get(rq, "capture"), "etag");
    assert_string_equal(json_string_value(json_object_get(cap, "header")), "ETag");
    assert_null(json_object_get(json_array_get(json_object_get(j, "requests"), 1), "checks"));
    json_decref(j);
    scenario_free(s);
}

static void kinds_and_defaults(void **state)
{
    (void)state;
    struct scenario *s = load_ok(TARGETS LOAD "requests:\n"
                                              "  - path: /a\n"
                                              "    checks:\n"
                                              "      - {status: [200, 2xx]}\n"
                                              "      - {status: 500, not: true, name: not-500}\n"
                                              "      - {header: ETag}\n"
                                              "      - {header: X-Gone, exists: false}\n"
                                              "      - {json: \"$['a b'][0]\", equals: 42}\n"
                                              "      - {json: $.n, equals: null, name: is-null}\n"
                                              "      - {body: {matches: \"^\\\\{\"}}\n"
                                              "      - {body_size: {min: 1, max: 512B}}\n"
                                              "    body_limit: 10kB\n");
    const struct scn_request *r = &s->requests[0];
    assert_int_equal(r->n_checks, 8);
    assert_string_equal(r->checks[0].name, "get-a.status");
    assert_int_equal(r->checks[0].n_statuses, 101);
    assert_true(r->checks[1].negate);
    assert_string_equal(r->checks[1].name, "not-500");
    assert_true(r->checks[2].op == CHK_EXISTS && r->checks[2].exists);
    assert_false(r->checks[3].exists);
    /* bytes a name does not take are '_' */
    assert_string_equal(r->checks[4].name, "get-a.json:$[_a_b_][0]");
    assert_string_equal(r->checks[4].value, "42");
    assert_string_equal(r->checks[5].value, "null");
    assert_int_equal(r->body_limit, 10000);
    assert_true(r->checks[7].has_min && r->checks[7].size_min == 1);
    assert_true(r->needs_head && r->needs_body);
    scenario_free(s);
    load_fails(TARGETS LOAD "requests: [{path: /a, checks: [{status: 200}, {status: 201}]}]\n",
               "t.yaml:3:47: requests.0.checks.1: this check is named 'get-a.status' like "
               "checks.0 of this request; give one of them a name: of its own");

    /* status alone reads neither head nor body */
    s = load_ok(TARGETS LOAD "requests: [{path: /a, checks: [{status: 201}]}]\n");
    assert_false(s->requests[0].needs_head || s->requests[0].needs_body);
    scenario_free(s);

    /* names follow the request's final name; one name on two requests is fine */
    s = load_ok(TARGETS LOAD "requests:\n"
                             "  - {path: /a, checks: [{status: 200}]}\n"
                             "  - {path: /a, checks: [{status: 200, name: ok}]}\n"
                             "  - {path: /b, checks: [{json: $.x, exists: true, name: ok}]}\n");
    assert_string_equal(s->requests[1].name, "request-2");
    assert_string_equal(s->requests[0].checks[0].name, "get-a.status");
    assert_string_equal(s->requests[1].checks[0].name, "ok");
    assert_string_equal(s->requests[2].checks[0].name, "ok");
    scenario_free(s);
}

static void secrets(void **state)
{
    (void)state;
    setenv("CHK_SECRET_VALUE", "s3cr3t-value", 1);
    struct scenario *s =
        load_ok(TARGETS LOAD "requests:\n"
                             "  - path: /a\n"
                             "    checks: [{json: $.k, equals: \"${CHK_SECRET_VALUE}\"}]\n"
                             "    capture: {v: {regex: \"${CHK_SECRET_VALUE}(x)\", "
                             "default: d}}\n");
    assert_true(s->requests[0].checks[0].secret);
    json_t *j = scenario_to_json(s);
    char *text = json_dumps(j, JSON_COMPACT);
    assert_non_null(text);
    assert_null(strstr(text, "s3cr3t"));
    assert_non_null(strstr(text, "\"equals\":\"<redacted>\""));
    assert_non_null(strstr(text, "\"regex\":\"<redacted>\""));
    free(text);
    json_decref(j);
    /* and wherever gatecap writes them (a failing body's example) */
    struct redact *r;
    assert_int_equal(redact_new(s, &r), 0);
    char out[256];
    redact_text(r, "{\"k\": \"s3cr3t-value\"}", out, sizeof out, 0);
    assert_null(strstr(out, "s3cr3t"));
    redact_free(r);
    scenario_free(s);
    unsetenv("CHK_SECRET_VALUE");
}

static void errors(void **state)
{
    (void)state;
    static const struct {
        const char *req;
        const char *want;
    } cases[] = {
        {"{path: /a, checks: [{stauts: 201}]}",
         "t.yaml:3:33: requests.0.checks.0.stauts: unknown key 'stauts'"},
        {"{path: /a, checks: [{stauts: 201}]}", "did you mean 'status'"},
        {"{path: /a, checks: [{status: 201, json: $.a}]}",
         "t.yaml:3:52: requests.0.checks.0: a check has one kind, this one has status and json; "
         "split it into two checks"},
        {"{path: /a, checks: [{name: x}]}",
         "t.yaml:3:32: requests.0.checks.0: say what to check: status, header, json, body or "
         "body_size"},
        {"{path: /a, checks: [{json: $.Data..Status, exists: true}]}",
         "t.yaml:3:45: requests.0.checks.0.json: '$.Data..Status' at character 7: recursive "
         "descent (..) is not supported"},
        {"{path: /a, checks: [{json: \"$.a[*]\", exists: true}]}",
         "t.yaml:3:44: requests.0.checks.0.json: '$.a[*]' at character 5: wildcards"},
        {"{path: /a, checks: [{json: Data, exists: true}]}",
         "requests.0.checks.0.json: 'Data' at character 1: a JSON path starts with $"},
        {"{path: /a, checks: [{header: Content-Type, matches: \"(json\"}]}",
         "t.yaml:3:64: requests.0.checks.0.matches: '(json' is not a POSIX extended regular "
         "expression"},
        {"{path: /a, checks: [{body: {matches: \"a{2\"}}]}",
         "t.yaml:3:49: requests.0.checks.0.body.matches: 'a{2' is not a POSIX extended"},
        {"{path: /a, checks: [{json: $.a, equals: 1, matches: x}]}",
         "requests.0.checks.0: give one of exists, equals and matches, not several"},
        {"{path: /a, checks: [{json: $.a, equals: [1]}]}",
         "t.yaml:3:52: requests.0.checks.0.equals: expected a value, found a list"},
        {"{path: /a, checks: [{status: 201, equals: 1}]}",
         "t.yaml:3:54: requests.0.checks.0: equals applies to header and json checks, not to "
         "status"},
        {"{path: /a, checks: [{contains: Id}]}",
         "requests.0.checks.0.contains: belongs under body: write body: {contains: TEXT}"},
        {"{path: /a, checks: [{body: {contains: \"\"}}]}", "contains: needs at least one byte"},
        {"{path: /a, checks: [{body: Id}]}",
         "t.yaml:3:39: requests.0.checks.0.body: expected a mapping, found a value"},
        {"{path: /a, checks: [{body: {contain: Id}}]}", "did you mean 'contains'"},
        {"{path: /a, checks: [{body_size: {max: 2MiB}}]}",
         "requests.0.checks.0.body_size.max: 2097152 bytes is more than 1048576; a body longer "
         "than body_limit is not kept: raise body_limit"},
        {"{path: /a, checks: [{body_size: {max: 10kb}}]}",
         "requests.0.checks.0.body_size.max: '10kb': unknown size unit"},
        {"{path: /a, checks: [{body_size: {min: 5, max: 4}}]}", "min (5 bytes) is above max"},
        {"{path: /a, checks: [{status: 99}]}", "requests.0.checks.0.status"},
        {"{path: /a, checks: [{status: 201, not: maybe}]}", "requests.0.checks.0.not"},
        {"{path: /a, checks: [{header: ETag, exists: false, not: true}]}",
         "not: does not apply to exists"},
        {"{path: /a, checks: [{header: \"Bad Name\"}]}",
         "requests.0.checks.0.header: 'Bad Name' is not a header name"},
        {"{path: /a, checks: [{status: 201, name: \"bad name\"}]}",
         "requests.0.checks.0.name: 'bad name' is not a valid name"},
        {"{path: /a, checks: {status: 201}}", "requests.0.checks"},
        {"{path: /a, checks: [201]}", "requests.0.checks.0: expected a mapping, found"},
        {"{path: /a, capture: {1id: {json: $.a}}}",
         "requests.0.capture.1id: '1id' is not a variable name"},
        {"{path: /a, capture: {uuid: {json: $.a}}}",
         "requests.0.capture.uuid: 'uuid' is a built-in of templates"},
        {"{path: /a, capture: {id: {json: $.a, header: X}}}",
         "requests.0.capture.id: give one of json, header and regex"},
        {"{path: /a, capture: {id: {jsn: $.a}}}", "did you mean 'json'"},
        {"{path: /a, capture: {id: {json: $.a, group: 2}}}",
         "group and from apply to regex captures only"},
        {"{path: /a, capture: {id: {regex: \"a(b)\", group: 2}}}",
         "requests.0.capture.id.regex: group 2, but the expression has 1 group"},
        {"{path: /a, capture: {id: {regex: \"a(b\"}}}", "requests.0.capture.id.regex: 'a(b'"},
        {"{path: /a, capture: {id: {regex: a, from: head}}}",
         "requests.0.capture.id.from: 'head': write body (the default) or headers"},
        {"{path: /a, capture: {id: {json: \"$[\"}}}",
         "requests.0.capture.id.json: '$[' at character 3"},
        {"{path: /a, capture: [id]}", "requests.0.capture: expected a mapping of variable names"},
        {"{path: /a, capture: {id: $.a}}", "requests.0.capture.id: expected a mapping"},
        {"{path: /a, body_limit: 0}", "requests.0.body_limit: must be at least 1B"},
        {"{path: /a, body_limit: 65MiB}", "requests.0.body_limit: 68157440 bytes is more than"},
        {"{path: /a, body_limt: 1MiB}", "did you mean 'body_limit'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml, TARGETS LOAD "requests: [%s]\n", cases[i].req);
        load_fails(yaml, cases[i].want);
    }
    /* several mistakes at once, each reported */
    load_fails(TARGETS LOAD "requests: [{path: /a, checks: [{status: 1}, {json: x, exists: "
                            "true}], capture: {uuid: {json: $.a}}}]\n",
               "requests.0.capture.uuid");
    assert_non_null(strstr(err, "requests.0.checks.0.status"));
    assert_non_null(strstr(err, "requests.0.checks.1.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(journey),
        cmocka_unit_test(kinds_and_defaults),
        cmocka_unit_test(secrets),
        cmocka_unit_test(errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
