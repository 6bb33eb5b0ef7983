/*
 * tests/scenario/test_scenario.c — the scenario parser (harness/scenario*.c): every
 * field, the defaults, each validation error with its line:col and field,
 * --set overrides, ${ENV} expansion and redaction, feeders and request
 * templates (parsed, rendered, echoed, and their errors), steps expansion, real
 * certificates and keys made with OpenSSL at test time, and every example
 * in scenarios/.
 *
 * The tests run in a temporary folder (cwd), so "t.yaml" is the scenario's
 * name in messages and relative paths resolve there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "scenario/feeder.h"
#include "scenario/redact.h"
#include "scenario/scenario.h"
#include "scenario/template.h"
#include "testcerts.h"
#include "testutil.h"

static char top[PATH_MAX]; /* the repository, for scenarios/ */
static char tmp[PATH_MAX]; /* the test's folder (cwd) */
static char err[16384];

/* ---- helpers ------------------------------------------------------------ */

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(name, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* Loads yaml as t.yaml with overrides; returns the rc. */
static int load_ov(const char *yaml, const char *const *ov, size_t n_ov, struct scenario **s)
{
    memset(err, 0, sizeof err);
    return scenario_load_mem("t.yaml", yaml, strlen(yaml), ov, n_ov, s, err, sizeof err);
}

static struct scenario *load_ok(const char *yaml)
{
    struct scenario *s = NULL;
    int rc = load_ov(yaml, NULL, 0, &s);
    if (rc)
        fail_msg("expected the scenario to load, got %d:\n%s\n--- yaml:\n%s", rc, err, yaml);
    assert_non_null(s);
    return s;
}

/* Asserts that yaml fails and that the message holds want. */
static void load_fails(const char *yaml, const char *want)
{
    struct scenario *s = (struct scenario *)1;
    int rc = load_ov(yaml, NULL, 0, &s);
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

/* The smallest valid scenario, as a prefix other tests extend. */
#define MIN_TARGETS "targets: [http://127.0.0.1]\n"
#define MIN_REQUESTS "requests: [{path: /echo}]\n"
#define MIN_LOAD "load: {phases: [{duration: 1s, rate: 10/s}]}\n"
#define MINIMAL MIN_TARGETS MIN_REQUESTS MIN_LOAD

static char *json_text(const struct scenario *s)
{
    json_t *j = scenario_to_json(s);
    assert_non_null(j);
    char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    assert_non_null(t);
    return t;
}

/* ---- certificates ------------------------------------------------------- */

static void save_key(const char *path, EVP_PKEY *k, const char *password)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (password)
        assert_true(PEM_write_PrivateKey(f, k, EVP_aes_256_cbc(), (const unsigned char *)password,
                                         (int)strlen(password), NULL, NULL));
    else
        assert_true(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL));
    fclose(f);
}

static void append_file(const char *dst, const char *src)
{
    FILE *in = fopen(src, "r"), *out = fopen(dst, "a");
    assert_non_null(in);
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)))
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
}

/* certs/: ca.pem; client.pem + client.key; other.key (unrelated);
 * expired.pem + expired.key; future.pem; enc.key (password "s3cret");
 * combined.pem (cert then key); garbage.pem; client.der. */
static void make_certs(void)
{
    mkdir("certs", 0700);
    EVP_PKEY *ca_key = test_key(), *cl_key = test_key(), *other = test_key();
    X509 *ca = test_cert(ca_key, "test CA", NULL, NULL, -60, 86400, NULL);
    X509 *cl = test_cert(cl_key, "client", ca, ca_key, -60, 86400, NULL);
    X509 *old = test_cert(cl_key, "old", ca, ca_key, -2 * 86400, -86400, NULL);
    X509 *fut = test_cert(cl_key, "future", ca, ca_key, 86400, 2 * 86400, NULL);
    test_save_cert("certs/ca.pem", ca);
    test_save_cert("certs/client.pem", cl);
    save_key("certs/client.key", cl_key, NULL);
    save_key("certs/other.key", other, NULL);
    test_save_cert("certs/expired.pem", old);
    test_save_cert("certs/future.pem", fut);
    save_key("certs/enc.key", cl_key, "s3cret");
    test_save_cert("certs/combined.pem", cl);
    append_file("certs/combined.pem", "certs/client.key");
    write_file("certs/garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                                    "-----END CERTIFICATE-----\n");
    FILE *f = fopen("certs/client.der", "wb");
    assert_non_null(f);
    i2d_X509_fp(f, cl);
    fclose(f);
    /* PKCS#12 of the client certificate and key (password p12-pw), an RSA
     * signing key, and the password in a file */
    PKCS12 *p12 = PKCS12_create("p12-pw", "client", cl_key, cl, NULL, 0, 0, 0, 0, 0);
    assert_non_null(p12);
    f = fopen("certs/client.p12", "wb");
    assert_non_null(f);
    i2d_PKCS12_fp(f, p12);
    fclose(f);
    PKCS12_free(p12);
    write_file("certs/p12.pass", "p12-pw\n");
    EVP_PKEY *rsa = EVP_RSA_gen(2048);
    assert_non_null(rsa);
    save_key("certs/rsa.key", rsa, NULL);
    EVP_PKEY_free(rsa);
    X509_free(ca);
    X509_free(cl);
    X509_free(old);
    X509_free(fut);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(cl_key);
    EVP_PKEY_free(other);
}

static int group_setup(void **state)
{
    (void)state;
    const char *t = getenv("GATECAP_TOP");
    if (!realpath(t ? t : ".", top))
        return -1;
    snprintf(tmp, sizeof tmp, "/tmp/gatecap-test-scenario-XXXXXX");
    if (!mkdtemp(tmp) || chdir(tmp))
        return -1;
    make_certs();
    write_file("payload.json", "{\"hello\": \"world\"}\n");
    mkdir("sub", 0700);
    write_file("sub/body.txt", "in a subfolder");
    unsetenv("GATECAP_TEST_UNSET");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (chdir(top))
        return -1;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- every field -------------------------------------------------------- */

static const char full_yaml[] =
    "name: pattern3-steady\n"
    "description: all the fields\n"
    "targets:\n"
    "  - url: https://127.0.0.1\n"
    "    weight: 2\n"
    "    name: gw1\n"
    "  - https://127.0.0.2:9443/gw/\n"
    "  - {url: 'http://Gateway.Example:8080', weight: 0.5}\n"
    "  - https://[::1]\n"
    "node_header: X-Gateway-Node\n"
    "tls:\n"
    "  insecure: false\n"
    "  ca: certs/ca.pem\n"
    "  cert: certs/client.pem\n"
    "  key: certs/client.key\n"
    "  min_version: \"1.2\"\n"
    "  max_version: 1.3\n"
    "  ciphers: ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256\n"
    "  ciphersuites: TLS_AES_128_GCM_SHA256\n"
    "  session_resumption: false\n"
    "  connections: fraction\n"
    "  new_connection_fraction: 10%\n"
    "http: \"2\"\n"
    "requests:\n"
    "  - name: echo\n"
    "    weight: 3\n"
    "    method: POST\n"
    "    path: /echo/1.0.0\n"
    "    headers: {Authorization: \"Bearer ${GATECAP_TEST_TOKEN}\", Content-Type: "
    "application/json}\n"
    "    body: '{\"a\":1}'\n"
    "    expect: [200, 201]\n"
    "  - name: file\n"
    "    method: PUT\n"
    "    path: /put?x=1\n"
    "    body_file: payload.json\n"
    "    expect: 204\n"
    "  - path: /status\n"
    "    expect: [2xx, 404]\n"
    "load:\n"
    "  model: open\n"
    "  poisson: true\n"
    "  max_inflight: 5000\n"
    "  workers: 3\n"
    "  phases:\n"
    "    - {name: warmup, duration: 10s, rate: 100/s, record: false}\n"
    "    - {name: ramp, duration: 30s, rate: 100/s..1000/s}\n"
    "    - {name: steady, duration: 1m30s, rate: 60000/m}\n"
    "    - {name: steps, steps: {from: 100/s, to: 400/s, step: 100/s, duration: 10s}}\n"
    "timeouts: {connect: 2s, request: 500ms}\n"
    "interval: 250ms\n"
    "output: results/pattern3\n"
    "generator: {late_tolerance: 2%, late_threshold: 5ms}\n";

static void every_field_is_parsed(void **state)
{
    (void)state;
    setenv("GATECAP_TEST_TOKEN", "tok-123", 1);
    struct scenario *s = load_ok(full_yaml);

    assert_string_equal(s->file, "t.yaml");
    assert_string_equal(s->name, "pattern3-steady");
    assert_string_equal(s->description, "all the fields");
    assert_string_equal(s->node_header, "X-Gateway-Node");

    assert_int_equal(s->n_targets, 4);
    const struct scn_target *t = s->targets;
    assert_string_equal(t[0].url, "https://127.0.0.1:8243");
    assert_string_equal(t[0].name, "gw1");
    assert_true(t[0].https);
    assert_string_equal(t[0].host, "127.0.0.1");
    assert_int_equal(t[0].port, 8243);
    assert_string_equal(t[0].base_path, "");
    assert_true(t[0].weight == 2);
    assert_string_equal(t[1].url, "https://127.0.0.2:9443/gw");
    assert_string_equal(t[1].name, "127.0.0.2:9443");
    assert_string_equal(t[1].base_path, "/gw");
    assert_true(t[1].weight == 1);
    assert_false(t[2].https);
    assert_string_equal(t[2].host, "gateway.example");
    assert_int_equal(t[2].port, 8080);
    assert_true(t[2].weight == 0.5);
    assert_string_equal(t[3].host, "::1");
    assert_string_equal(t[3].url, "https://[::1]:8243");
    assert_string_equal(t[3].name, "[::1]:8243");

    assert_false(s->tls.insecure);
    assert_string_equal(s->tls.ca_file, "certs/ca.pem");
    assert_string_equal(s->tls.cert_file, "certs/client.pem");
    assert_string_equal(s->tls.key_file, "certs/client.key");
    assert_null(s->tls.key_password);
    assert_string_equal(s->tls.min_version, "1.2");
    assert_string_equal(s->tls.max_version, "1.3");
    assert_string_equal(s->tls.ciphers,
                        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
    assert_string_equal(s->tls.tls13_ciphers, "TLS_AES_128_GCM_SHA256");
    assert_false(s->tls.session_resumption);
    assert_int_equal(s->tls.conn_policy, SCN_CONN_FRACTION);
    assert_true(s->tls.new_conn_fraction > 0.0999 && s->tls.new_conn_fraction < 0.1001);
    assert_int_equal(s->http_version, 2);

    assert_int_equal(s->n_requests, 3);
    const struct scn_request *r = s->requests;
    assert_string_equal(r[0].name, "echo");
    assert_true(r[0].weight == 3);
    assert_string_equal(r[0].method, "POST");
    assert_string_equal(r[0].path, "/echo/1.0.0");
    assert_int_equal(r[0].n_headers, 2);
    assert_string_equal(r[0].headers[0].name, "Authorization");
    assert_string_equal(r[0].headers[0].value, "Bearer tok-123");
    assert_true(r[0].headers[0].secret);
    assert_string_equal(r[0].headers[1].name, "Content-Type");
    assert_false(r[0].headers[1].secret);
    assert_int_equal(r[0].body_bytes, 7);
    assert_memory_equal(r[0].body, "{\"a\":1}", 7);
    assert_null(r[0].body_file);
    assert_int_equal(r[0].n_expect_status, 2);
    assert_int_equal(r[0].expect_status[0], 200);
    assert_int_equal(r[0].expect_status[1], 201);
    assert_true(scn_request_expects(&r[0], 201));
    assert_false(scn_request_expects(&r[0], 204));
    assert_false(r[0].path_secret);
    assert_false(r[0].body_secret);

    assert_string_equal(r[1].method, "PUT");
    assert_string_equal(r[1].body_file, "payload.json");
    assert_string_equal(r[1].body, "{\"hello\": \"world\"}\n");
    assert_int_equal(r[1].body_bytes, 19);
    assert_int_equal(r[1].n_expect_status, 1);
    assert_true(scn_request_expects(&r[1], 204));
    assert_false(scn_request_expects(&r[1], 200));

    assert_string_equal(r[2].name, "get-status");
    assert_string_equal(r[2].method, "GET");
    assert_int_equal(r[2].n_expect_status, 101);
    assert_true(scn_request_expects(&r[2], 200));
    assert_true(scn_request_expects(&r[2], 299));
    assert_true(scn_request_expects(&r[2], 404));
    assert_false(scn_request_expects(&r[2], 301));
    assert_false(scn_request_expects(&r[2], 500));

    assert_int_equal(s->model, SCN_OPEN);
    assert_true(s->poisson);
    assert_int_equal(s->max_inflight, 5000);
    assert_int_equal(s->workers, 3);
    assert_false(s->workers_auto);
    assert_int_equal(s->n_phases, 7);
    const struct scn_phase *p = s->phases;
    assert_string_equal(p[0].name, "warmup");
    assert_true(p[0].duration_s == 10);
    assert_true(p[0].rate_start == 100 && p[0].rate_end == 100);
    assert_false(p[0].record);
    assert_null(p[0].group);
    assert_int_equal(p[0].step, 0);
    assert_string_equal(p[1].name, "ramp");
    assert_true(p[1].rate_start == 100 && p[1].rate_end == 1000);
    assert_true(p[1].record);
    assert_true(p[2].duration_s == 90);
    assert_true(p[2].rate_start == 1000);
    for (int k = 0; k < 4; k++) {
        char name[32];
        snprintf(name, sizeof name, "steps-%d", k + 1);
        assert_string_equal(p[3 + k].name, name);
        assert_string_equal(p[3 + k].group, "steps");
        assert_int_equal(p[3 + k].step, k + 1);
        assert_true(p[3 + k].rate_start == 100.0 * (k + 1));
        assert_true(p[3 + k].rate_end == 100.0 * (k + 1));
        assert_true(p[3 + k].duration_s == 10);
    }
    assert_true(scenario_duration_s(s) == 10 + 30 + 90 + 40);

    assert_true(s->connect_timeout_ms == 2000);
    assert_true(s->request_timeout_ms == 500);
    assert_true(s->interval_s == 0.25);
    assert_string_equal(s->output_dir, "results/pattern3");
    assert_true(s->late_tolerance_pct > 1.999 && s->late_tolerance_pct < 2.001);
    assert_true(s->late_threshold_ms == 5);
    scenario_free(s);
    unsetenv("GATECAP_TEST_TOKEN");
}

static void defaults_are_filled_in(void **state)
{
    (void)state;
    struct scenario *s = load_ok(MINIMAL);
    assert_string_equal(s->name, "t");
    assert_null(s->description);
    assert_null(s->node_header);
    assert_string_equal(s->targets[0].url, "http://127.0.0.1:8280");
    assert_int_equal(s->targets[0].port, 8280);
    assert_string_equal(s->targets[0].name, "127.0.0.1:8280");
    assert_false(s->tls.insecure);
    assert_null(s->tls.ca_file);
    assert_null(s->tls.cert_file);
    assert_true(s->tls.session_resumption);
    assert_int_equal(s->tls.conn_policy, SCN_CONN_KEEPALIVE);
    assert_int_equal(s->http_version, 1);
    const struct scn_request *r = &s->requests[0];
    assert_string_equal(r->name, "get-echo");
    assert_string_equal(r->method, "GET");
    assert_true(r->weight == 1);
    assert_int_equal(r->n_headers, 0);
    assert_null(r->body);
    assert_int_equal(r->body_bytes, 0);
    assert_int_equal(r->n_expect_status, 0);
    assert_true(scn_request_expects(r, 200));
    assert_true(scn_request_expects(r, 399));
    assert_false(scn_request_expects(r, 400));
    assert_false(scn_request_expects(r, 199));
    assert_false(scn_request_expects(r, -1));
    assert_false(scn_request_expects(r, 1000));
    assert_int_equal(s->model, SCN_OPEN);
    assert_false(s->poisson);
    assert_int_equal(s->max_inflight, 10000);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(s->workers, cpus > 0 ? cpus : 1);
    assert_true(s->workers_auto);
    assert_int_equal(s->n_phases, 1);
    assert_string_equal(s->phases[0].name, "phase-1");
    assert_true(s->phases[0].record);
    assert_true(s->connect_timeout_ms == 5000);
    assert_true(s->request_timeout_ms == 30000);
    assert_true(s->interval_s == 1);
    assert_string_equal(s->output_dir, "results");
    assert_true(s->late_tolerance_pct == 1);
    assert_true(s->late_threshold_ms == 10);
    assert_int_equal(s->transport, SCN_TRANSPORT_AUTO);
    scenario_free(s);
}

static void transports(void **state)
{
    (void)state;
    struct scenario *s = load_ok("generator: {transport: curl}\n" MINIMAL);
    assert_int_equal(s->transport, SCN_TRANSPORT_CURL);
    scenario_free(s);
    s = load_ok("generator: {transport: native}\n" MINIMAL);
    assert_int_equal(s->transport, SCN_TRANSPORT_NATIVE);
    scenario_free(s);
    s = load_ok("http: \"2\"\ngenerator: {transport: auto}\n" MINIMAL);
    assert_int_equal(s->transport, SCN_TRANSPORT_AUTO);
    scenario_free(s);
    load_fails("generator: {transport: fast}\n" MINIMAL,
               "t.yaml:1:24: generator.transport: 'fast' is not a transport; write auto");
    s = load_ok("http: \"2\"\ngenerator: {transport: native}\n" MINIMAL);
    assert_int_equal(s->transport, SCN_TRANSPORT_NATIVE);
    assert_int_equal(s->http_version, 2);
    scenario_free(s);
}

/* http2: streams per connection (1 unless set, as h2load) and connections
 * per node; only with http: "2", and only for gatecap's own client. */
static void http2_settings(void **state)
{
    (void)state;
    struct scenario *s = load_ok("http: \"2\"\n" MINIMAL);
    assert_int_equal(s->http2.max_streams, 1);
    assert_int_equal(s->http2.connections, 0);
    scenario_free(s);
    s = load_ok("http: \"2\"\nhttp2: {max_streams: 10, connections: 50}\n" MINIMAL);
    assert_int_equal(s->http2.max_streams, 10);
    assert_int_equal(s->http2.connections, 50);
    scenario_free(s);
    load_fails("http2: {max_streams: 10}\n" MINIMAL,
               "t.yaml:1:8: http2: HTTP/2 settings with http: \"1.1\"; write http: \"2\" or "
               "remove http2:");
    load_fails("http: \"2\"\nhttp2: {max_streams: 0}\n" MINIMAL, "t.yaml:2:22: http2.max_streams:");
    load_fails("http: \"2\"\nhttp2: {connection: 5}\n" MINIMAL, "t.yaml:2:9: http2.connection");
    load_fails("http: \"2\"\nhttp2: {max_streams: 4}\ngenerator: {transport: curl}\n" MINIMAL,
               "t.yaml:3:24: generator.transport: http2: (streams per connection, connections) "
               "needs gatecap's own HTTP/2 client");
}

/* load.max_inflight bounds the run's requests in flight, and each worker
 * holds at least one: more workers than the bound is a contradiction when
 * written, and the automatic count never exceeds it. */
static void workers_within_max_inflight(void **state)
{
    (void)state;
    load_fails(MIN_TARGETS MIN_REQUESTS
               "load: {max_inflight: 1, workers: 4, phases: [{duration: 1s, rate: 1/s}]}\n",
               "t.yaml:3:34: load.workers: 4 workers need load.max_inflight 4 or more (each "
               "keeps at least one request in flight), and it is 1; lower load.workers to 1 or "
               "raise load.max_inflight");
    struct scenario *s = load_ok(MIN_TARGETS MIN_REQUESTS
                                 "load: {max_inflight: 1, phases: [{duration: 1s, rate: 1/s}]}\n");
    assert_int_equal(s->workers, 1);
    assert_true(s->workers_auto);
    scenario_free(s);
    s = load_ok(MIN_TARGETS MIN_REQUESTS
                "load: {max_inflight: 3, workers: 3, phases: [{duration: 1s, rate: 1/s}]}\n");
    assert_int_equal(s->workers, 3);
    scenario_free(s);
    /* the closed model has no such bound: users beyond the workers idle */
    s = load_ok(MIN_TARGETS MIN_REQUESTS
                "load: {model: closed, workers: 4, phases: [{duration: 1s, users: 1}]}\n");
    assert_int_equal(s->workers, 4);
    scenario_free(s);
    /* an override that makes the contradiction is named */
    const char *ov[] = {"load.workers=8"};
    s = (struct scenario *)1;
    assert_int_equal(load_ov(MIN_TARGETS MIN_REQUESTS
                             "load: {max_inflight: 2, phases: [{duration: 1s, rate: 1/s}]}\n",
                             ov, 1, &s),
                     SCN_EINVAL);
    assert_null(s);
    if (!strstr(err, "--set load.workers=8: load.workers: 8 workers need load.max_inflight 8"))
        fail_msg("got: %s", err);
}

static void short_forms(void **state)
{
    (void)state;
    /* a single target as a string; workers 0 resolved; http 1.1 */
    struct scenario *s = load_ok("targets: https://lb.example.com\nhttp: 1.1\n" MIN_REQUESTS
                                 "load: {workers: 0, phases: [{duration: 1s, rate: 1/s}]}\n");
    assert_int_equal(s->n_targets, 1);
    assert_string_equal(s->targets[0].url, "https://lb.example.com:8243");
    assert_int_equal(s->http_version, 1);
    assert_true(s->workers >= 1);
    assert_true(s->workers_auto);
    scenario_free(s);

    /* two unnamed requests to the same path get index names */
    s = load_ok(MIN_TARGETS "requests: [{path: /a}, {path: /a}, {path: '/b/c?q=1', method: "
                            "DELETE}]\n" MIN_LOAD);
    assert_string_equal(s->requests[0].name, "get-a");
    assert_string_equal(s->requests[1].name, "request-2");
    assert_string_equal(s->requests[2].name, "delete-b-c");
    scenario_free(s);

    /* description as a block; a name from a .yml file */
    const char *y = "description: |\n  two\n  lines\n" MINIMAL;
    assert_int_equal(scenario_load_mem("dir/x.yml", y, strlen(y), NULL, 0, &s, err, sizeof err), 0);
    assert_string_equal(s->name, "x");
    assert_string_equal(s->description, "two\nlines\n");
    scenario_free(s);
}

static void json_bodies(void **state)
{
    (void)state;
    struct scenario *s =
        load_ok(MIN_TARGETS "requests:\n  - path: /j\n    method: POST\n    json: {n: 1, f: "
                            "-1.5e3, t: true, s: 'x', q: \"2\", z: null, l: [1, two]}\n" MIN_LOAD);
    const struct scn_request *r = &s->requests[0];
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 1);
    assert_true(json_real_value(json_object_get(j, "f")) == -1500);
    assert_true(json_is_true(json_object_get(j, "t")));
    assert_string_equal(json_string_value(json_object_get(j, "s")), "x");
    assert_string_equal(json_string_value(json_object_get(j, "q")), "2");
    assert_true(json_is_null(json_object_get(j, "z")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "l"), 1)), "two");
    json_decref(j);
    assert_int_equal(r->n_headers, 1);
    assert_string_equal(r->headers[0].name, "Content-Type");
    assert_string_equal(r->headers[0].value, "application/json");
    scenario_free(s);

    /* an explicit Content-Type is kept */
    s = load_ok(MIN_TARGETS "requests: [{path: /j, json: [1], headers: {content-type: "
                            "application/vnd.x+json}}]\n" MIN_LOAD);
    assert_int_equal(s->requests[0].n_headers, 1);
    assert_string_equal(s->requests[0].headers[0].value, "application/vnd.x+json");
    assert_string_equal(s->requests[0].body, "[1]");
    scenario_free(s);
}

static void yaml_anchors_and_merge_keys(void **state)
{
    (void)state;
    struct scenario *s =
        load_ok(MIN_TARGETS "requests:\n"
                            "  - &base {name: a, method: POST, path: /a, headers: &h {X-A: "
                            "'1', X-B: '2'}}\n"
                            "  - {<<: *base, name: b, path: /b}\n"
                            "  - {<<: [*base], name: c, headers: *h}\n" MIN_LOAD);
    assert_int_equal(s->n_requests, 3);
    assert_string_equal(s->requests[1].name, "b");
    assert_string_equal(s->requests[1].method, "POST");
    assert_string_equal(s->requests[1].path, "/b");
    assert_int_equal(s->requests[1].n_headers, 2);
    assert_string_equal(s->requests[2].path, "/a");
    assert_int_equal(s->requests[2].n_headers, 2);
    scenario_free(s);
}

static void closed_model(void **state)
{
    (void)state;
    struct scenario *s =
        load_ok(MIN_TARGETS MIN_REQUESTS
                "load:\n  model: closed\n  phases:\n"
                "    - {name: warm, duration: 1m, users: 10, record: false}\n"
                "    - {name: vu, duration: 30s, users: 50, think: 100ms}\n"
                "    - {name: sweep, steps: {from: 100, to: 25, step: 25, duration: 10s}, think: "
                "1s}\n");
    assert_int_equal(s->model, SCN_CLOSED);
    assert_int_equal(s->n_phases, 6);
    assert_int_equal(s->phases[0].users, 10);
    assert_false(s->phases[0].record);
    assert_true(s->phases[0].think_ms == 0);
    assert_int_equal(s->phases[1].users, 50);
    assert_true(s->phases[1].think_ms == 100);
    assert_true(s->phases[1].rate_start == 0);
    int want[] = {100, 75, 50, 25};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(s->phases[2 + k].users, want[k]);
        assert_true(s->phases[2 + k].think_ms == 1000);
        assert_string_equal(s->phases[2 + k].group, "sweep");
        assert_int_equal(s->phases[2 + k].step, k + 1);
    }
    char *j = json_text(s);
    assert_non_null(strstr(j, "\"model\":\"closed\""));
    assert_non_null(strstr(j, "\"users\":50"));
    assert_null(strstr(j, "max_inflight"));
    free(j);
    scenario_free(s);
}

static void steps_expand(void **state)
{
    (void)state;
    struct scenario *s =
        load_ok(MIN_TARGETS MIN_REQUESTS
                "load: {phases: [{name: up, record: false, steps: {from: 0.5/s, to: 2/s, step: "
                "0.5/s, duration: 1m}}, {name: down, steps: {from: 3000/m, to: 1000/m, step: "
                "1000/m, duration: 5s}}, {steps: {from: 10/s, to: 10/s, step: 1/s, duration: "
                "1s}}]}\n");
    assert_int_equal(s->n_phases, 4 + 3 + 1);
    assert_string_equal(s->phases[0].name, "up-1");
    assert_true(s->phases[0].rate_start == 0.5);
    assert_true(s->phases[3].rate_start == 2);
    assert_false(s->phases[3].record);
    assert_true(s->phases[3].duration_s == 60);
    assert_string_equal(s->phases[4].name, "down-1");
    assert_true(s->phases[4].rate_start == 50);
    assert_true(s->phases[6].rate_start > 16.66 && s->phases[6].rate_start < 16.67);
    assert_string_equal(s->phases[7].name, "phase-3-1");
    assert_string_equal(s->phases[7].group, "phase-3");
    assert_true(scenario_duration_s(s) == 240 + 15 + 1);
    scenario_free(s);
}

/* ---- validation errors -------------------------------------------------- */

struct bad {
    const char *yaml;
    const char *want; /* must appear in the message */
};

static void each_error_names_line_col_and_field(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        /* YAML itself */
        {"targets: [a, b\nrequests: x\n", "t.yaml:2:9: YAML syntax error"},
        {"name: a: b\n", "t.yaml:1:8: YAML syntax error: mapping values are not allowed"},
        {"name: a\nname: b\n", "t.yaml:2:1: duplicate key 'name' (first at line 1)"},
        {"name: x\n---\nname: y\n", "t.yaml:2:1: a second YAML document"},
        {"targets: *nope\n", "t.yaml:1:10: alias '*nope' names no anchor"},
        {"", "t.yaml:1:1: the file is empty"},
        {"- a\n", "t.yaml:1:1: a scenario is a mapping"},
        /* required sections */
        {MIN_REQUESTS MIN_LOAD, "t.yaml:1:1: targets: missing; list the gateway nodes"},
        {MIN_TARGETS MIN_LOAD, "t.yaml:1:1: requests: missing"},
        {MIN_TARGETS MIN_REQUESTS, "t.yaml:1:1: load: missing"},
        {MIN_TARGETS MIN_REQUESTS "load: {model: open}\n", "t.yaml:3:7: load.phases: missing"},
        {"targets: []\n" MIN_REQUESTS MIN_LOAD, "t.yaml:1:10: targets: empty"},
        {MIN_TARGETS "requests: []\n" MIN_LOAD, "t.yaml:2:11: requests: empty"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: []}\n", "t.yaml:3:16: load.phases: empty"},
        /* unknown keys, with suggestions */
        {"nmae: x\n" MINIMAL, "t.yaml:1:1: nmae: unknown key 'nmae'; did you mean 'name'?"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duraton: 1s, rate: 1/s}]}\n",
         "t.yaml:3:18: load.phases.0.duraton: unknown key 'duraton'; did you mean 'duration'?"},
        {MIN_TARGETS MIN_REQUESTS "load: {threads: 2, phases: [{duration: 1s, rate: 1/s}]}\n",
         "t.yaml:3:8: load.threads: unknown key 'threads'; did you mean 'workers'?"},
        {"tls: {skip_verify: true}\n" MINIMAL,
         "t.yaml:1:7: tls.skip_verify: unknown key 'skip_verify'; did you mean 'insecure'?"},
        {"zzzz: 1\n" MINIMAL, "t.yaml:1:1: zzzz: unknown key 'zzzz'; the keys here are: name,"},
        {"targets: [{url: http://a, wieght: 2}]\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:27: targets.0.wieght: unknown key 'wieght'; did you mean 'weight'?"},
        /* wrong types */
        {"targets: {url: http://a}\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:10: targets: expected a list of URLs"},
        {"tls: [a]\n" MINIMAL, "t.yaml:1:6: tls: expected a mapping of keys"},
        {"tls: {insecure: yes}\n" MINIMAL,
         "t.yaml:1:17: tls.insecure: 'yes' is not a boolean; write true or false"},
        {"name: [a]\n" MINIMAL, "t.yaml:1:7: name: expected a single value, found a list"},
        {MIN_TARGETS "requests: [{path: /a, headers: [a]}]\n" MIN_LOAD,
         "t.yaml:2:32: requests.0.headers: expected a mapping of header names"},
        {MIN_TARGETS "requests: {path: /a}\n" MIN_LOAD, "t.yaml:2:11: requests: expected a list"},
        {MIN_TARGETS "requests: [{path: /a, weight: heavy}]\n" MIN_LOAD,
         "t.yaml:2:31: requests.0.weight: 'heavy' is not a number"},
        {MIN_TARGETS "requests: [{path: /a, body: {a: 1}}]\n" MIN_LOAD,
         "t.yaml:2:29: requests.0.body: expected text, found a mapping; quote JSON text"},
        {MIN_TARGETS MIN_REQUESTS "load: {workers: two, phases: [{duration: 1s, rate: 1/s}]}\n",
         "t.yaml:3:17: load.workers: 'two' is not a whole number"},
        /* impossible values */
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 1s, rate: -5/s}]}\n",
         "t.yaml:3:38: load.phases.0.rate: '-5/s': a rate cannot be negative"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 1s, rate: 0/s}]}\n",
         "t.yaml:3:38: load.phases.0.rate: a rate must be above 0"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 1s, rate: 100}]}\n",
         "t.yaml:3:38: load.phases.0.rate: '100': a rate needs a unit"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 1s, rate: 0/s..0/s}]}\n",
         "t.yaml:3:38: load.phases.0.rate: a ramp from 0 to 0 sends nothing"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{rate: 100/s..1000/s}]}\n",
         "t.yaml:3:17: load.phases.0.duration: missing; every phase needs one, e.g. duration: "
         "30s (a ramp"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 0s, rate: 1/s}]}\n",
         "t.yaml:3:28: load.phases.0.duration: must be longer than 0"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 10, rate: 1/s}]}\n",
         "t.yaml:3:28: load.phases.0.duration: '10': a duration needs a unit"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 30s1m, rate: 1/s}]}\n",
         "load.phases.0.duration: '30s1m': units go from largest to smallest"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 1s}]}\n",
         "t.yaml:3:17: load.phases.0.rate: missing; an open-model phase sends at a rate"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 1s, users: 5}]}\n",
         "t.yaml:3:39: load.phases.0.users: only for load.model: closed"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{duration: 1s, rate: 1/s, think: 1s}]}\n",
         "t.yaml:3:50: load.phases.0.think: only for load.model: closed"},
        {MIN_TARGETS MIN_REQUESTS "load: {model: closed, phases: [{duration: 1s, rate: 1/s}]}\n",
         "t.yaml:3:53: load.phases.0.rate: only for load.model: open"},
        {MIN_TARGETS MIN_REQUESTS "load: {model: closed, phases: [{duration: 1s}]}\n",
         "t.yaml:3:32: load.phases.0.users: missing; a closed-model phase runs virtual users"},
        {MIN_TARGETS MIN_REQUESTS "load: {model: closed, phases: [{duration: 1s, users: 0}]}\n",
         "t.yaml:3:54: load.phases.0.users: '0' is out of range"},
        {MIN_TARGETS MIN_REQUESTS
         "load: {model: closed, poisson: true, phases: [{duration: 1s, users: 1}]}\n",
         "t.yaml:3:32: load.poisson: only for load.model: open"},
        {MIN_TARGETS MIN_REQUESTS
         "load: {model: closed, max_inflight: 5, phases: [{duration: 1s, users: 1}]}\n",
         "t.yaml:3:37: load.max_inflight: only for load.model: open"},
        {MIN_TARGETS MIN_REQUESTS "load: {model: fast, phases: [{duration: 1s, rate: 1/s}]}\n",
         "t.yaml:3:15: load.model: 'fast' is not a load model"},
        {MIN_TARGETS MIN_REQUESTS "load: {workers: -1, phases: [{duration: 1s, rate: 1/s}]}\n",
         "t.yaml:3:17: load.workers: '-1' is out of range"},
        {MIN_TARGETS MIN_REQUESTS "load: {max_inflight: 0, phases: [{duration: 1s, rate: 1/s}]}\n",
         "t.yaml:3:22: load.max_inflight: '0' is out of range"},
        {"targets: [{url: http://a, weight: 0}]\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:35: targets.0.weight: 0 is out of range"},
        {MIN_TARGETS "requests: [{path: /a, weight: -1}]\n" MIN_LOAD,
         "t.yaml:2:31: requests.0.weight: -1 is out of range"},
        {"interval: 1ms\n" MINIMAL, "t.yaml:1:11: interval: '1ms' is out of range"},
        {"timeouts: {connect: 0s}\n" MINIMAL,
         "t.yaml:1:21: timeouts.connect: must be longer than 0"},
        {"generator: {late_tolerance: 150%}\n" MINIMAL,
         "t.yaml:1:29: generator.late_tolerance: '150%': a percentage must be between"},
        {"http: 3\n" MINIMAL, "t.yaml:1:7: http: '3' is not an HTTP version"},
        {"node_header: 'X Node'\n" MINIMAL, "t.yaml:1:14: node_header: 'X Node' is not a header"},
        /* steps */
        {MIN_TARGETS MIN_REQUESTS
         "load: {phases: [{steps: {from: 100/s, to: 950/s, step: 100/s, duration: 1s}}]}\n",
         "t.yaml:3:25: load.phases.0.steps: to - from must be a whole number of steps"},
        {MIN_TARGETS MIN_REQUESTS
         "load: {phases: [{duration: 1s, steps: {from: 1/s, to: 2/s, step: 1/s, duration: 1s}}]}\n",
         "t.yaml:3:28: load.phases.0.duration: steps give their own duration"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{steps: {from: 1/s, to: 2/s, duration: 1s}}]}\n",
         "t.yaml:3:25: load.phases.0.steps.step: missing"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{steps: {from: 1/s, to: 2/s, step: 1/s}}]}\n",
         "t.yaml:3:25: load.phases.0.steps.duration: missing"},
        {MIN_TARGETS MIN_REQUESTS
         "load: {phases: [{steps: {from: 1/s, to: 5000/s, step: 1/s, duration: 1s}}]}\n",
         "load.phases.0.steps: makes 5000 steps; at most 1000"},
        {MIN_TARGETS MIN_REQUESTS
         "load: {phases: [{name: a, duration: 1s, rate: 1/s}, {name: a, duration: 1s, rate: "
         "1/s}]}\n",
         "t.yaml:3:53: load.phases.1: the phase name 'a' is used twice"},
        {MIN_TARGETS MIN_REQUESTS
         "load: {phases: [{name: s-2, duration: 1s, rate: 1/s}, {name: s, steps: {from: 1/s, to: "
         "2/s, step: 1/s, duration: 1s}}]}\n",
         "t.yaml:3:55: load.phases.1: the phase name 's-2' is used twice"},
        {MIN_TARGETS MIN_REQUESTS "load: {phases: [{name: 'a b', duration: 1s, rate: 1/s}]}\n",
         "t.yaml:3:24: load.phases.0.name: 'a b' is not a valid name"},
        /* targets */
        {"targets: [ftp://127.0.0.1]\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:11: targets.0.url: unsupported scheme 'ftp'"},
        {"targets: ['127.0.0.1:8243']\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:11: targets.0.url: '127.0.0.1:8243' has no scheme; write "
         "https://127.0.0.1:8243"},
        {"targets: ['https://127.0.0.1:99999']\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:11: targets.0.url: port '99999' is not a number from 1 to 65535"},
        {"targets: ['https://user:pw@127.0.0.1']\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:11: targets.0.url: credentials in a target URL are not supported"},
        {"targets: ['https://127.0.0.1/x?y=1']\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:11: targets.0.url: a target URL is a base address without '?'"},
        {"targets: ['https://']\n" MIN_REQUESTS MIN_LOAD, "targets.0.url: 'https://' has no host"},
        {"targets: ['https://[::1']\n" MIN_REQUESTS MIN_LOAD,
         "targets.0.url: IPv6 address without a closing ']'"},
        {"targets: [{name: a}]\n" MIN_REQUESTS MIN_LOAD, "t.yaml:1:11: targets.0: missing url"},
        {"targets: [http://a, {url: 'http://a:8280'}]\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:21: targets.1: the name 'a:8280' is already used by targets.0"},
        {"targets: [{url: http://a, name: 'x,y'}]\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:33: targets.0.name: 'x,y' is not a valid name"},
        /* requests */
        {MIN_TARGETS "requests: [{path: echo}]\n" MIN_LOAD,
         "t.yaml:2:19: requests.0.path: 'echo' must start with '/'; write /echo"},
        {MIN_TARGETS "requests: [{path: 'http://x/echo'}]\n" MIN_LOAD,
         "t.yaml:2:19: requests.0.path: is a full URL"},
        {MIN_TARGETS "requests: [{path: '/a b'}]\n" MIN_LOAD,
         "t.yaml:2:19: requests.0.path: contains a space"},
        {MIN_TARGETS "requests: [{method: GET}]\n" MIN_LOAD,
         "t.yaml:2:12: requests.0: missing path"},
        {MIN_TARGETS "requests: [{path: /a, method: post}]\n" MIN_LOAD,
         "t.yaml:2:31: requests.0.method: 'post' is not an HTTP method; methods are upper case, "
         "e.g. 'POST'"},
        {MIN_TARGETS "requests: [{path: /a, headers: {Content-Length: 5}}]\n" MIN_LOAD,
         "t.yaml:2:33: requests.0.headers.Content-Length: gatecap sets Content-Length"},
        {MIN_TARGETS "requests: [{path: /a, headers: {Connection: close}}]\n" MIN_LOAD,
         "t.yaml:2:33: requests.0.headers.Connection: connection reuse is set by tls.connections"},
        {MIN_TARGETS "requests: [{path: /a, headers: {X-A: \"a\\r\\nb\"}}]\n" MIN_LOAD,
         "t.yaml:2:38: requests.0.headers.X-A: a header value cannot hold line breaks"},
        {MIN_TARGETS "requests: [{path: /a, headers: {X-A: '1', x-a: '2'}}]\n" MIN_LOAD,
         "t.yaml:2:43: requests.0.headers.x-a: header 'x-a' is given twice"},
        {MIN_TARGETS "requests: [{path: /a, headers: {'X A': '1'}}]\n" MIN_LOAD,
         "t.yaml:2:33: requests.0.headers.X A: 'X A' is not a valid header name"},
        {MIN_TARGETS "requests: [{path: /a, body: x, body_file: y}]\n" MIN_LOAD,
         "t.yaml:2:43: requests.0: give one of body, body_file and json"},
        {MIN_TARGETS "requests: [{path: /a, body_file: nothere.json}]\n" MIN_LOAD,
         "t.yaml:2:34: requests.0.body_file: nothere.json does not exist; paths are relative to "
         "the scenario's folder"},
        {MIN_TARGETS "requests: [{path: /a, body_file: sub}]\n" MIN_LOAD,
         "t.yaml:2:34: requests.0.body_file: sub is not a regular file"},
        {MIN_TARGETS "requests: [{path: /a, expect: [200, 2001]}]\n" MIN_LOAD,
         "t.yaml:2:37: requests.0.expect.1: '2001' is out of range"},
        {MIN_TARGETS "requests: [{path: /a, expect: [6xx]}]\n" MIN_LOAD,
         "t.yaml:2:32: requests.0.expect.0: '6xx' is not a whole number"},
        {MIN_TARGETS "requests: [{path: /a, expect: []}]\n" MIN_LOAD,
         "t.yaml:2:31: requests.0.expect: empty list"},
        {MIN_TARGETS "requests: [{path: /a, name: x}, {path: /b, name: x}]\n" MIN_LOAD,
         "t.yaml:2:33: requests.1: the name 'x' is already used by requests.0"},
        /* environment */
        {MIN_TARGETS "requests: [{path: /a, headers: {Authorization: 'Bearer "
                     "${GATECAP_TEST_UNSET}'}}]\n" MIN_LOAD,
         "t.yaml:2:48: requests.0.headers.Authorization: environment variable GATECAP_TEST_UNSET "
         "is not set"},
        {MIN_TARGETS "requests: [{path: '/a/${oops'}]\n" MIN_LOAD,
         "t.yaml:2:19: requests.0.path: malformed '${' reference"},
        {MIN_TARGETS "requests: [{path: !!binary /a}]\n" MIN_LOAD,
         "t.yaml:2:19: requests.0.path: unknown tag"},
        /* tls */
        {"tls: {ca: nothere.pem}\n" MINIMAL,
         "t.yaml:1:11: tls.ca: nothere.pem does not exist; paths are relative"},
        {"tls: {ca: /nothere/ca.pem}\n" MINIMAL,
         "t.yaml:1:11: tls.ca: /nothere/ca.pem does not exist; check the path"},
        {"tls: {ca: certs/garbage.pem}\n" MINIMAL,
         "t.yaml:1:11: tls.ca: no PEM certificate in certs/garbage.pem"},
        {"tls: {ca: certs/client.key}\n" MINIMAL, "t.yaml:1:11: tls.ca: no PEM certificate"},
        {"tls: {ca: certs}\n" MINIMAL, "t.yaml:1:11: tls.ca: certs is not a regular file"},
        {"tls: {insecure: true, ca: certs/ca.pem}\n" MINIMAL,
         "t.yaml:1:27: tls.ca: insecure: true turns certificate verification off"},
        {"tls: {cert: certs/client.der, key: certs/client.key}\n" MINIMAL,
         "t.yaml:1:13: tls.cert: no PEM certificate in certs/client.der"},
        {"tls: {cert: certs/garbage.pem, key: certs/client.key}\n" MINIMAL,
         "t.yaml:1:13: tls.cert: no PEM certificate in certs/garbage.pem"},
        {"tls: {cert: certs/client.pem, key: certs/other.key}\n" MINIMAL,
         "t.yaml:1:36: tls.key: the key in certs/other.key does not belong to the certificate in "
         "certs/client.pem"},
        {"tls: {cert: certs/client.pem, key: certs/ca.pem}\n" MINIMAL,
         "t.yaml:1:36: tls.key: no PEM private key in certs/ca.pem"},
        {"tls: {cert: certs/client.pem, key: certs/nothere.key}\n" MINIMAL,
         "t.yaml:1:36: tls.key: certs/nothere.key does not exist"},
        {"tls: {cert: certs/client.pem}\n" MINIMAL,
         "t.yaml:1:13: tls.cert: mutual TLS needs the client's private key too"},
        {"tls: {key: certs/client.key}\n" MINIMAL,
         "t.yaml:1:12: tls.key: a client key needs its certificate"},
        {"tls: {cert: certs/expired.pem, key: certs/client.key}\n" MINIMAL,
         "t.yaml:1:13: tls.cert: the certificate in certs/expired.pem has expired"},
        {"tls: {cert: certs/future.pem, key: certs/client.key}\n" MINIMAL,
         "t.yaml:1:13: tls.cert: the certificate in certs/future.pem is not valid yet"},
        {"tls: {cert: certs/client.pem, key: certs/enc.key}\n" MINIMAL,
         "t.yaml:1:36: tls.key: the key in certs/enc.key is encrypted; give its passphrase"},
        {"tls: {cert: certs/client.pem, key: certs/enc.key, key_password: wrong}\n" MINIMAL,
         "t.yaml:1:36: tls.key: the key in certs/enc.key does not decrypt"},
        {"tls: {key_password: x}\n" MINIMAL, "tls.key_password: there is no key to decrypt"},
        {"tls: {min_version: '1.3', max_version: '1.2'}\n" MINIMAL,
         "t.yaml:1:40: tls.max_version: 1.2 is below min_version 1.3"},
        {"tls: {min_version: '1.4'}\n" MINIMAL,
         "t.yaml:1:20: tls.min_version: '1.4' is not a TLS version"},
        {"tls: {ciphers: NOT-A-CIPHER}\n" MINIMAL,
         "t.yaml:1:16: tls.ciphers: OpenSSL knows none of the ciphers in 'NOT-A-CIPHER'"},
        {"tls: {ciphersuites: TLS_NOPE}\n" MINIMAL,
         "t.yaml:1:21: tls.ciphersuites: OpenSSL knows none of the TLS 1.3 suites"},
        {"tls: {connections: sometimes}\n" MINIMAL,
         "t.yaml:1:20: tls.connections: 'sometimes' is not a connection policy"},
        {"tls: {connections: fraction}\n" MINIMAL,
         "t.yaml:1:20: tls.connections: fraction needs new_connection_fraction"},
        {"tls: {connections: new, new_connection_fraction: 0.5}\n" MINIMAL,
         "t.yaml:1:50: tls.new_connection_fraction: only applies with connections: fraction"},
        {"tls: {new_connection_fraction: 1.5}\n" MINIMAL,
         "t.yaml:1:32: tls.new_connection_fraction: '1.5': a fraction must be between 0 and 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        load_fails(cases[i].yaml, cases[i].want);
}

static void every_error_is_reported_in_file_order(void **state)
{
    (void)state;
    struct scenario *s;
    int rc = load_ov("targets: [ftp://a]\n"
                     "requests: [{path: x}]\n"
                     "load: {phases: [{duration: 1s, rate: -1/s}]}\n",
                     NULL, 0, &s);
    assert_int_equal(rc, SCN_EINVAL);
    const char *a = strstr(err, "t.yaml:1:11: targets.0.url");
    const char *b = strstr(err, "t.yaml:2:19: requests.0.path");
    const char *c = strstr(err, "t.yaml:3:38: load.phases.0.rate");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_true(a < b && b < c);
    assert_ptr_equal(a, err);

    /* beyond SCN_MAX_ERRORS the rest is counted */
    char yaml[8192] = MIN_TARGETS MIN_LOAD "requests:\n";
    for (int i = 0; i < SCN_MAX_ERRORS + 5; i++)
        test_cat(yaml, sizeof yaml, "  - {path: x}\n");
    assert_int_equal(load_ov(yaml, NULL, 0, &s), SCN_EINVAL);
    assert_non_null(strstr(err, "... and 5 more errors"));
    size_t lines = 0;
    for (const char *p = err; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, SCN_MAX_ERRORS);

    /* a small buffer is truncated, still terminated */
    char small[40];
    assert_int_equal(
        scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &s, small, sizeof small),
        SCN_EINVAL);
    assert_int_equal(strlen(small), sizeof small - 1);
}

/* ---- overrides ----------------------------------------------------------- */

static void overrides_edit_before_validation(void **state)
{
    (void)state;
    const char *ov[] = {
        "load.workers=2",
        "load.phases.0.rate=500/s",
        "name=x",
        "targets.0.url=http://127.0.0.3",
        "targets.1=https://127.0.0.4",                  /* append a short-form target */
        "requests.0.expect=[200, 204]",                 /* a flow value */
        "requests.0.headers.X-Trace=on",                /* a new key in an existing map */
        "tls.session_resumption=false",                 /* a new section */
        "load.phases.1={duration: 2s, rate: 1/s..9/s}", /* append a phase */
        "interval=",                                    /* empty: back to the default */
    };
    struct scenario *s = NULL;
    int rc = load_ov("interval: 2s\n" MINIMAL, ov, sizeof ov / sizeof ov[0], &s);
    if (rc)
        fail_msg("%s", err);
    assert_int_equal(s->workers, 2);
    assert_false(s->workers_auto);
    assert_true(s->phases[0].rate_start == 500);
    assert_string_equal(s->name, "x");
    assert_int_equal(s->n_targets, 2);
    assert_string_equal(s->targets[0].url, "http://127.0.0.3:8280");
    assert_string_equal(s->targets[1].url, "https://127.0.0.4:8243");
    assert_int_equal(s->requests[0].n_expect_status, 2);
    assert_int_equal(s->requests[0].expect_status[1], 204);
    assert_string_equal(s->requests[0].headers[0].name, "X-Trace");
    assert_false(s->tls.session_resumption);
    assert_int_equal(s->n_phases, 2);
    assert_true(s->phases[1].rate_end == 9);
    assert_true(s->interval_s == 1);
    scenario_free(s);

    /* later overrides win; a list can be replaced whole */
    const char *ov2[] = {"targets=[http://a, http://b]", "targets.1.weight=3", "load.workers=1",
                         "load.workers=4"};
    rc = load_ov(MINIMAL, ov2, 4, &s);
    if (rc)
        fail_msg("%s", err);
    assert_int_equal(s->n_targets, 2);
    assert_true(s->targets[1].weight == 3);
    assert_int_equal(s->workers, 4);
    scenario_free(s);

    /* an override can supply a required field */
    const char *ov3[] = {"targets.0.url=http://x"};
    rc = load_ov(MIN_REQUESTS MIN_LOAD, ov3, 1, &s);
    if (rc)
        fail_msg("%s", err);
    assert_string_equal(s->targets[0].host, "x");
    scenario_free(s);
}

/* The overrides are kept as given, in order, for results.json: without
 * what may be a secret (a credential-named key's value, credential-named
 * query or form values, and any secret the
 * scenario knows, wherever an override repeats it). */
static void overrides_recorded_without_secrets(void **state)
{
    (void)state;
    const char *yaml = MIN_TARGETS MIN_LOAD
        "requests: [{path: /echo, headers: {X-Signature: !secret abcd1234efgh}}]\n";
    const char *ov[] = {"load.workers=2", "requests.0.headers.X-Api-Key=sekrit-9876",
                        "requests.0.body=user=a&password=pw-4321",
                        "requests.0.path=/echo/abcd1234efgh?apikey=zyx-4455&q=1"};
    struct scenario *s = NULL;
    if (load_ov(yaml, ov, 4, &s))
        fail_msg("%s", err);
    assert_int_equal(s->n_overrides, 4);
    json_t *j = scenario_to_json(s);
    assert_non_null(j);
    char *t = json_dumps(json_object_get(j, "overrides"), JSON_COMPACT);
    assert_string_equal(t, "[\"load.workers=2\",\"requests.0.headers.X-Api-Key=<redacted>\","
                           "\"requests.0.body=user=a&password=<redacted>\","
                           "\"requests.0.path=/echo/<redacted>?apikey=<redacted>&q=1\"]");
    free(t);
    json_decref(j);
    scenario_free(s);

    /* none: an empty list */
    s = load_ok(MINIMAL);
    assert_int_equal(s->n_overrides, 0);
    j = scenario_to_json(s);
    assert_true(json_is_array(json_object_get(j, "overrides")));
    assert_int_equal(json_array_size(json_object_get(j, "overrides")), 0);
    json_decref(j);
    scenario_free(s);
}

static void override_errors_name_the_override(void **state)
{
    (void)state;
    static const struct {
        const char *ov, *want;
    } cases[] = {
        {"load.wrkers=2", "--set load.wrkers=2: load.wrkers: unknown key 'wrkers'; did you mean "
                          "'workers'?"},
        {"lod.workers=2", "--set lod.workers=2: lod: unknown key 'lod'; did you mean 'load'?"},
        {"load.workers=x", "--set load.workers=x: load.workers: 'x' is not a whole number"},
        {"load.phases.0.rate=-5/s", "--set load.phases.0.rate=-5/s: load.phases.0.rate: '-5/s': "
                                    "a rate cannot be negative"},
        {"targets.5.url=http://x", "--set targets.5.url=http://x: targets.5: targets has 1 "
                                   "entries; use an index from 0 to 0 (1 appends one)"},
        {"targets.0.url.x=1", "--set targets.0.url.x=1: targets.0.url: is a single value, not a "
                              "section"},
        {"load.phases.rate=1/s", "--set load.phases.rate=1/s: load.phases: is a list; address an "
                                 "entry by its 0-based index"},
        {"noequals", "--set noequals: expected a key, '=' and a value"},
        {"=1", "--set =1: expected a key, '=' and a value"},
        {"load..workers=1", "--set load..workers=1: load..workers: empty name between dots"},
        {"requests.0.expect=[200, ", "--set requests.0.expect=[200, : requests.0.expect: the value "
                                     "is not valid YAML flow"},
        {"requests.0.headers.Authorization=Bearer ${GATECAP_TEST_UNSET}",
         "--set requests.0.headers.Authorization=<redacted>: requests.0.headers.Authorization: "
         "environment variable GATECAP_TEST_UNSET is not set"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scenario *s = (struct scenario *)1;
        int rc = load_ov(MINIMAL, &cases[i].ov, 1, &s);
        assert_null(s);
        if (rc != SCN_EINVAL || !strstr(err, cases[i].want))
            fail_msg("--set %s: rc %d, expected\n  %s\ngot:\n%s", cases[i].ov, rc, cases[i].want,
                     err);
    }
    /* file errors first, then the overrides in the order given */
    const char *ov[] = {"load.b=1", "load.a=1"};
    struct scenario *s;
    assert_int_equal(load_ov("name: [x]\n" MINIMAL, ov, 2, &s), SCN_EINVAL);
    const char *f = strstr(err, "t.yaml:1:7: name:"), *b = strstr(err, "--set load.b=1"),
               *a = strstr(err, "--set load.a=1");
    assert_non_null(f);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(f < b && b < a);
}

/* ---- environment and secrets ------------------------------------------- */

/* Messages that quote a value the user gave never quote a secret: a URL's
 * userinfo, a credential-named query parameter, the value of a secret
 * header or field (by name or !secret), in --set labels and in the
 * messages themselves, from --set and from the file; what is not secret
 * (file paths, other values) is still quoted. */
static void errors_do_not_quote_secrets(void **state)
{
    (void)state;
    static const struct {
        const char *ov, *secret, *want;
    } cases[] = {
        {"targets.0.url=https://user:hunter2pw@bad host:8243", "hunter2pw",
         "--set targets.0.url=https://<redacted>@bad host:8243: targets.0.url: credentials"},
        {"targets.0.url=ftp://user:hunter2pw@h", "hunter2pw",
         "--set targets.0.url=ftp://<redacted>@h: targets.0.url: unsupported scheme"},
        {"requests.0.path=x?apikey=SEKRIT-KEY1&a=b", "SEKRIT-KEY1",
         "requests.0.path: 'x?apikey=<redacted>&a=b' must start with '/'; write "
         "/x?apikey=<redacted>&a=b"},
        {"requests.0.path=/a?token=${nofeeder.col}SEKRIT-KEY2", "SEKRIT-KEY2",
         "requests.0.path: unknown feeder 'nofeeder'"},
        {"requests.0.headers={apikey: [SEKRIT-KEY3]}", "SEKRIT-KEY3",
         "--set requests.0.headers=<redacted>: requests.0.headers.apikey: expected a single "
         "value"},
        {"requests.0={path: /x, headers: {\"X-Api-Key\": \"ab${SEKRIT-KEY4\"}}", "SEKRIT-KEY4",
         "--set requests.0=<redacted>: requests.0.headers.X-Api-Key: malformed '${' reference "
         "'<redacted>'"},
        {"requests.0.headers.apikey=ab${SEKRIT-KEY5", "SEKRIT-KEY5",
         "requests.0.headers.apikey: malformed '${' reference '<redacted>'"},
        {"requests.0.headers={X-Custom: !secret \"ab${SEKRIT-KEY6\"}", "SEKRIT-KEY6",
         "requests.0.headers.X-Custom: malformed '${' reference '<redacted>'"},
        {"requests.0.headers.X-Plain=ab${PLAIN-VALUE", NULL,
         "requests.0.headers.X-Plain: malformed '${' reference '${PLAIN-VALUE'"},
        {"requests.0.headers.Authorization=Bearer ${GATECAP_TEST_UNSET_TOKEN}", NULL,
         "environment variable GATECAP_TEST_UNSET_TOKEN is not set; export "
         "GATECAP_TEST_UNSET_TOKEN=... before running"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scenario *s = (struct scenario *)1;
        int rc = load_ov(MINIMAL, &cases[i].ov, 1, &s);
        assert_null(s);
        if (rc != SCN_EINVAL || (cases[i].secret && strstr(err, cases[i].secret)) ||
            !strstr(err, cases[i].want))
            fail_msg("--set %s: rc %d, expected\n  %s\nwithout %s, got:\n%s", cases[i].ov, rc,
                     cases[i].want, cases[i].secret ? cases[i].secret : "-", err);
    }
    /* the same in the file */
    struct scenario *s = (struct scenario *)1;
    assert_int_equal(load_ov("targets: ['https://u:SEKRIT-F1@h']\n"
                             "requests:\n"
                             "  - path: x?access_token=SEKRIT-F2\n"
                             "    headers: {apikey: 'ab${SEKRIT-F3', X-Plain: 'ab${PLAIN-F4'}\n"
                             "tls: {cert: certs/client.pem, key: no/such-F5.key}\n"
                             "auth:\n"
                             "  token_url: 'https://km:SEKRIT-F6@km/oauth2/token'\n"
                             "  client_id: x\n"
                             "  client_secret: 'ab${SEKRIT-F7'\n" MIN_LOAD,
                             NULL, 0, &s),
                     SCN_EINVAL);
    assert_null(s);
    static const char *const secrets[] = {"SEKRIT-F1", "SEKRIT-F2", "SEKRIT-F3", "SEKRIT-F6",
                                          "SEKRIT-F7"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (strstr(err, secrets[i]))
            fail_msg("%s quoted:\n%s", secrets[i], err);
    assert_non_null(strstr(err, "'x?access_token=<redacted>' must start with '/'"));
    assert_non_null(strstr(err, "'${PLAIN-F4'"));   /* not secret: quoted */
    assert_non_null(strstr(err, "no/such-F5.key")); /* a key's path is no secret */
    /* names are no secrets: a misspelt key is quoted */
    load_fails(MINIMAL "auth:\n  token_url: https://km/oauth2/token\n  client_id: x\n"
                       "  client_secret: y\n  passwrd: z\n",
               "auth.passwrd: unknown key 'passwrd'; did you mean 'password'?");
}

static void env_expansion_and_redaction(void **state)
{
    (void)state;
    setenv("GATECAP_TEST_TOKEN", "tok-SECRET1", 1);
    setenv("GATECAP_TEST_HOST", "127.0.0.9", 1);
    setenv("GATECAP_TEST_KEY", "key-SECRET2", 1);
    setenv("GATECAP_TEST_EMPTY", "", 1);
    setenv("GATECAP_TEST_RATE", "250/s", 1);
    struct scenario *s = load_ok(
        "name: env-${GATECAP_TEST_EMPTY}x\n"
        "targets: ['https://${GATECAP_TEST_HOST}']\n"
        "requests:\n"
        "  - path: /a?apikey=${GATECAP_TEST_KEY}\n"
        "    headers:\n"
        "      Authorization: Bearer ${GATECAP_TEST_TOKEN}\n"
        "      Cookie: session=plain-SECRET3\n"
        "      X-API-Key: plain-SECRET4\n"
        "      apikey: plain-SECRET5\n"
        "      X-Plain: plain value\n"
        "      X-Default: ${GATECAP_TEST_UNSET:-fallback-SECRET6}\n"
        "      X-Empty-Default: ${GATECAP_TEST_EMPTY:-used}\n"
        "      X-Literal: cost $$5 and $${NOT_EXPANDED}\n"
        "      X-Tagged: !secret tagged-SECRET7\n"
        "    body: '{\"token\": \"${GATECAP_TEST_TOKEN}\"}'\n"
        "  - path: /query?user=plain\n"
        "    body: plain body\n"
        "tls: {cert: certs/client.pem, key: certs/enc.key, key_password: '${GATECAP_TEST_EMPTY}"
        "s3cret'}\n"
        "load: {phases: [{duration: 1s, rate: '${GATECAP_TEST_RATE}'}]}\n");
    assert_string_equal(s->name, "env-x");
    assert_string_equal(s->targets[0].host, "127.0.0.9");
    assert_true(s->targets[0].url_secret);
    const struct scn_request *r = &s->requests[0];
    assert_string_equal(r->path, "/a?apikey=key-SECRET2");
    assert_true(r->path_secret);
    struct {
        const char *name, *value;
        bool secret;
    } want[] = {
        {"Authorization", "Bearer tok-SECRET1", true},
        {"Cookie", "session=plain-SECRET3", true},
        {"X-API-Key", "plain-SECRET4", true},
        {"apikey", "plain-SECRET5", true},
        {"X-Plain", "plain value", false},
        {"X-Default", "fallback-SECRET6", true},
        {"X-Empty-Default", "used", true},
        {"X-Literal", "cost $$5 and ${NOT_EXPANDED}", false},
        {"X-Tagged", "tagged-SECRET7", true},
    };
    assert_int_equal(r->n_headers, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < r->n_headers; i++) {
        assert_string_equal(r->headers[i].name, want[i].name);
        assert_string_equal(r->headers[i].value, want[i].value);
        if (r->headers[i].secret != want[i].secret)
            fail_msg("header %s: secret %d", want[i].name, r->headers[i].secret);
    }
    assert_string_equal(r->body, "{\"token\": \"tok-SECRET1\"}");
    assert_true(r->body_secret);
    assert_false(s->requests[1].path_secret);
    assert_false(s->requests[1].body_secret);
    assert_string_equal(s->tls.key_password, "s3cret");
    assert_true(s->phases[0].rate_start == 250);

    char *j = json_text(s);
    assert_null(strstr(j, "SECRET"));
    assert_null(strstr(j, "s3cret"));
    assert_null(strstr(j, "127.0.0.9:8243\",\"url"));          /* the url itself is redacted ... */
    assert_non_null(strstr(j, "\"name\":\"127.0.0.9:8243\"")); /* ... the node name is not */
    assert_non_null(strstr(j, "\"X-Plain\":\"plain value\""));
    assert_non_null(strstr(j, "\"Authorization\":\"<redacted>\""));
    assert_non_null(strstr(j, "\"key_password\":\"<redacted>\""));
    assert_non_null(strstr(j, "\"body\":\"plain body\""));
    assert_non_null(strstr(j, "\"path\":\"/query?user=plain\""));
    free(j);
    scenario_free(s);
    unsetenv("GATECAP_TEST_TOKEN");
    unsetenv("GATECAP_TEST_HOST");
    unsetenv("GATECAP_TEST_KEY");
    unsetenv("GATECAP_TEST_EMPTY");
    unsetenv("GATECAP_TEST_RATE");
}

static void json_echo_layout(void **state)
{
    (void)state;
    setenv("GATECAP_TEST_TOKEN", "t", 1);
    struct scenario *s = load_ok(full_yaml);
    json_t *j = scenario_to_json(s);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "pattern3-steady");
    json_t *t = json_array_get(json_object_get(j, "targets"), 0);
    assert_string_equal(json_string_value(json_object_get(t, "url")), "https://127.0.0.1:8243");
    assert_int_equal(json_integer_value(json_object_get(t, "port")), 8243);
    json_t *tls = json_object_get(j, "tls");
    assert_string_equal(json_string_value(json_object_get(tls, "connections")), "fraction");
    assert_string_equal(json_string_value(json_object_get(tls, "ca")), "certs/ca.pem");
    assert_true(json_is_null(json_object_get(tls, "key_password")));
    json_t *r1 = json_array_get(json_object_get(j, "requests"), 1);
    assert_string_equal(json_string_value(json_object_get(r1, "body_file")), "payload.json");
    assert_null(json_object_get(r1, "body"));
    assert_int_equal(json_integer_value(json_object_get(r1, "body_bytes")), 19);
    char *ex[3];
    for (int i = 0; i < 3; i++)
        ex[i] = json_dumps(
            json_object_get(json_array_get(json_object_get(j, "requests"), (size_t)i), "expect"),
            JSON_COMPACT | JSON_ENCODE_ANY);
    assert_string_equal(ex[0], "[200,201]");
    assert_string_equal(ex[1], "[204]");
    assert_string_equal(ex[2], "[\"2xx\",404]");
    for (int i = 0; i < 3; i++)
        free(ex[i]);
    json_t *load = json_object_get(j, "load");
    assert_true(json_is_true(json_object_get(load, "poisson")));
    assert_int_equal(json_integer_value(json_object_get(load, "workers")), 3);
    assert_true(json_real_value(json_object_get(load, "duration_s")) == 170);
    json_t *ph = json_array_get(json_object_get(load, "phases"), 4);
    assert_string_equal(json_string_value(json_object_get(ph, "name")), "steps-2");
    assert_string_equal(json_string_value(json_object_get(ph, "group")), "steps");
    assert_int_equal(json_integer_value(json_object_get(ph, "step")), 2);
    assert_true(json_real_value(json_object_get(ph, "rate_start_per_s")) == 200);
    assert_true(json_real_value(json_object_get(json_object_get(j, "timeouts"), "request_ms")) ==
                500);
    assert_true(json_real_value(json_object_get(j, "interval_s")) == 0.25);
    json_decref(j);
    scenario_free(s);
    unsetenv("GATECAP_TEST_TOKEN");
}

/* ---- feeders and templates ------------------------------------------------ */

static void write_feeder_files(void)
{
    mkdir("data", 0700);
    write_file("data/accounts.csv", "id,name,token\n1,alice,tok-CELL1\n2,bob,tok-CELL2\n");
    write_file("data/users.csv", "user\nu1\nu2\nu3\n");
    write_file("data/spaced.csv", "id,name\n1,has space\n");
    write_file("data/notes.csv", "id,note\n1,ok\n2,\"two\nlines\"\n");
    write_file("data/bad.csv", "id,name\n1,a\n2,b,c\n");
    write_file("data/tpl.json", "{\"id\": \"${accounts.id}\", \"home\": \"${HOME}\", "
                                "\"lit\": \"$${seq}\", \"n\": ${seq}}");
    write_file("data/static.json", "{\"home\": \"${HOME}\", \"lit\": \"$${x}\"}");
    write_file("data/bad-ref.json", "{\"id\": \"${accounts.nope}\"}");
}

static const char feeders_yaml[] = MIN_TARGETS
    "feeders:\n"
    "  accounts:\n"
    "    file: data/accounts.csv\n"
    "    order: unique\n"
    "    when_exhausted: wrap\n"
    "  users: data/users.csv\n"
    "  rnd: {file: data/users.csv, order: random}\n"
    "requests:\n"
    "  - name: get\n"
    "    path: /accounts/${accounts.id}?u=${users.user}&t=${GATECAP_TEST_TOKEN}\n"
    "    headers:\n"
    "      Authorization: Bearer ${accounts.token}\n"
    "      X-Name: ${accounts.name}\n"
    "      X-Env: ${GATECAP_TEST_TOKEN}-${seq}\n"
    "      X-Static: plain\n"
    "      X-Request-Id: ${uuid}\n"
    "      x-fapi-auth-date: ${now_http}\n"
    "  - method: POST\n"
    "    path: /pay/${accounts.id}\n"
    "    body: '{\"n\": ${random_int(1,1)}, \"who\": \"${users.user}\", \"t\": \"${now_iso}\"}'\n"
    "  - {name: file, method: POST, path: /f, body_file: data/tpl.json}\n"
    "  - {name: static-file, method: POST, path: /s, body_file: data/static.json}\n"
    "  - {name: json, path: /j, json: {a: '${GATECAP_TEST_TOKEN}'}}\n" MIN_LOAD;

static void feeders_and_templates(void **state)
{
    (void)state;
    write_feeder_files();
    setenv("GATECAP_TEST_TOKEN", "env-SECRET", 1);
    struct scenario *s = load_ok(feeders_yaml);
    assert_int_equal(s->n_feeders, 3);
    const struct feeder *acc = s->feeders[0], *users = s->feeders[1], *rnd = s->feeders[2];
    assert_string_equal(acc->name, "accounts");
    assert_string_equal(acc->file, "data/accounts.csv");
    assert_int_equal(acc->order, FEEDER_UNIQUE);
    assert_int_equal(acc->exhausted, FEEDER_WRAP);
    assert_int_equal(acc->per, FEEDER_PER_REQUEST);
    assert_int_equal(acc->n_rows, 2);
    assert_string_equal(users->name, "users");
    assert_int_equal(users->order, FEEDER_SEQUENTIAL);
    assert_int_equal(users->n_rows, 3);
    assert_int_equal(rnd->order, FEEDER_RANDOM);

    /* the path: env expanded at load, runtime references kept as written */
    const struct scn_request *r = &s->requests[0];
    assert_string_equal(r->path, "/accounts/${accounts.id}?u=${users.user}&t=env-SECRET");
    assert_non_null(r->path_tpl);
    assert_true(r->path_secret); /* it used ${ENV} */
    assert_int_equal(r->feeder_mask, 3);
    size_t rows[3] = {1, 2, 0};
    uint64_t rng = 42;
    struct tpl_ctx ctx = {.feeders = (const struct feeder *const *)s->feeders,
                          .rows = rows,
                          .seq = 7,
                          .rng = &rng,
                          .wall_ns = 1795430922123456789LL};
    struct tpl_buf b = {0};
    assert_int_equal(tpl_render(r->path_tpl, &ctx, &b), TPL_OK);
    assert_string_equal(b.data, "/accounts/2?u=u3&t=env-SECRET");

    /* headers: a template only where there is something per request */
    struct {
        const char *name, *value;
        bool dynamic, secret;
        const char *rendered;
    } want[] = {
        {"Authorization", "Bearer ${accounts.token}", true, true, "Bearer tok-CELL2"},
        {"X-Name", "${accounts.name}", true, false, "bob"},
        {"X-Env", "env-SECRET-${seq}", true, true, "env-SECRET-7"},
        {"X-Static", "plain", false, false, NULL},
        {"X-Request-Id", "${uuid}", true, false, NULL},
        {"x-fapi-auth-date", "${now_http}", true, true, "Mon, 23 Nov 2026 10:48:42 GMT"},
    };
    assert_int_equal(r->n_headers, 6);
    for (size_t i = 0; i < 6; i++) {
        const struct scn_header *h = &r->headers[i];
        assert_string_equal(h->name, want[i].name);
        assert_string_equal(h->value, want[i].value);
        assert_int_equal(h->tpl != NULL, want[i].dynamic);
        if (h->secret != want[i].secret)
            fail_msg("%s: secret %d", h->name, h->secret);
        if (h->tpl) {
            assert_int_equal(tpl_render(h->tpl, &ctx, &b), TPL_OK);
            if (want[i].rendered)
                assert_string_equal(b.data, want[i].rendered);
        }
    }
    assert_int_equal(strlen(b.data), 29);

    /* an inline body */
    r = &s->requests[1];
    assert_string_equal(r->name, "post-pay-accounts.id");
    assert_non_null(r->body_tpl);
    assert_false(r->body_secret);
    assert_int_equal(r->feeder_mask, 3);
    assert_int_equal(tpl_render(r->body_tpl, &ctx, &b), TPL_OK);
    assert_string_equal(b.data, "{\"n\": 1, \"who\": \"u3\", \"t\": \"2026-11-23T10:48:42.123Z\"}");

    /* a body file: runtime references only, everything else as written */
    r = &s->requests[2];
    assert_non_null(r->body_tpl);
    assert_int_equal(r->feeder_mask, 1);
    assert_string_equal(r->body, "{\"id\": \"${accounts.id}\", \"home\": \"${HOME}\", "
                                 "\"lit\": \"${seq}\", \"n\": ${seq}}");
    assert_int_equal(r->body_bytes, strlen(r->body));
    assert_int_equal(tpl_render(r->body_tpl, &ctx, &b), TPL_OK);
    assert_string_equal(b.data, "{\"id\": \"2\", \"home\": \"${HOME}\", \"lit\": \"${seq}\", "
                                "\"n\": 7}");
    r = &s->requests[3];
    assert_null(r->body_tpl);
    assert_int_equal(r->feeder_mask, 0);
    assert_string_equal(r->body, "{\"home\": \"${HOME}\", \"lit\": \"${x}\"}");
    r = &s->requests[4];
    assert_null(r->body_tpl);
    assert_null(r->path_tpl);
    assert_string_equal(r->body, "{\"a\":\"env-SECRET\"}");
    assert_true(r->body_secret);
    tpl_buf_free(&b);

    /* echoed: the feeders without their cells, secrets redacted */
    char *j = json_text(s);
    assert_null(strstr(j, "SECRET"));
    assert_null(strstr(j, "CELL"));
    assert_null(strstr(j, "alice"));
    assert_non_null(strstr(j,
                           "\"feeders\":{\"accounts\":{\"columns\":[\"id\",\"name\",\"token\"],"
                           "\"file\":\"data/accounts.csv\",\"order\":\"unique\",\"per\":"
                           "\"request\",\"rows\":2,\"when_exhausted\":\"wrap\"},\"rnd\":{"
                           "\"columns\":[\"user\"],\"file\":\"data/users.csv\",\"order\":"
                           "\"random\",\"per\":\"request\",\"rows\":3,\"when_exhausted\":null}"));
    assert_non_null(strstr(j, "\"X-Name\":\"${accounts.name}\""));
    assert_non_null(strstr(j, "\"Authorization\":\"<redacted>\""));
    free(j);
    scenario_free(s);

    /* per: user in the closed model; --set reaches feeders */
    const char *ov[] = {"feeders.users.order=unique", "feeders.users.when_exhausted=stop"};
    assert_int_equal(load_ov(MIN_TARGETS
                             "feeders: {users: {file: data/users.csv, per: user}}\n"
                             "requests: [{path: '/u/${users.user}'}]\n"
                             "load: {model: closed, phases: [{duration: 1s, users: 2}]}\n",
                             ov, 2, &s),
                     SCN_OK);
    assert_int_equal(s->feeders[0]->per, FEEDER_PER_USER);
    assert_int_equal(s->feeders[0]->order, FEEDER_UNIQUE);
    assert_int_equal(s->feeders[0]->exhausted, FEEDER_STOP);
    assert_int_equal(s->requests[0].feeder_mask, 1);
    scenario_free(s);
    unsetenv("GATECAP_TEST_TOKEN");
}

static void feeder_and_template_errors(void **state)
{
    (void)state;
    write_feeder_files();
    static const struct {
        const char *yaml, *want;
    } cases[] = {
        {"feeders: [data/users.csv]\n" MINIMAL,
         "t.yaml:1:10: feeders: expected a mapping of feeder names to files, found a list"},
        {"feeders: {a.b: data/users.csv}\n" MINIMAL,
         "t.yaml:1:11: feeders.a.b: 'a.b' is not a feeder name; use up to 64 letters, digits "
         "and _"},
        {"feeders: {1st: data/users.csv}\n" MINIMAL, "feeders.1st: '1st' is not a feeder name"},
        {"feeders: {u: {file: data/users.csv, oder: random}}\n" MINIMAL,
         "t.yaml:1:37: feeders.u.oder: unknown key 'oder'; did you mean 'order'?"},
        {"feeders: {u: {file: data/users.csv, order: shuffle}}\n" MINIMAL,
         "t.yaml:1:44: feeders.u.order: 'shuffle' is not one of sequential (file order, the "
         "default), random or unique"},
        {"feeders: {u: {file: data/users.csv, when_exhausted: wrap}}\n" MINIMAL,
         "t.yaml:1:53: feeders.u.when_exhausted: applies to order: unique only"},
        {"feeders: {u: {file: data/users.csv, order: unique, when_exhausted: never}}\n" MINIMAL,
         "feeders.u.when_exhausted: 'never' is not one of stop (the default: the run ends) or "
         "wrap"},
        {"feeders: {u: {file: data/users.csv, per: thread}}\n" MINIMAL,
         "feeders.u.per: 'thread' is not one of request"},
        {"feeders: {u: {file: data/users.csv, per: user}}\n" MINIMAL,
         "t.yaml:1:42: feeders.u.per: per: user needs the closed model (load.model: closed)"},
        {"feeders: {u: {order: random}}\n" MINIMAL,
         "t.yaml:1:14: feeders.u: missing file; write file: data/u.csv"},
        {"feeders: {u: }\n" MINIMAL,
         "t.yaml:1:11: feeders.u: no file; write u: {file: data/u.csv}"},
        {"feeders: {u: data/none.csv}\n" MINIMAL,
         "t.yaml:1:14: feeders.u: data/none.csv does not exist; paths are relative to the "
         "scenario's folder"},
        {"feeders: {u: {file: data/none.csv}}\n" MINIMAL,
         "t.yaml:1:21: feeders.u.file: data/none.csv does not exist"},
        {"feeders: {u: {file: data/bad.csv}}\n" MINIMAL,
         "t.yaml:1:21: feeders.u.file: data/bad.csv:3: 3 fields, the header has 2 (id, name)"},
        {"feeders: {u: {file: data}}\n" MINIMAL,
         "t.yaml:1:21: feeders.u.file: data: is not a regular file"},
        /* references */
        {MIN_TARGETS "feeders: {accounts: data/accounts.csv, users: data/users.csv}\n"
                     "requests: [{path: '/a/${acounts.id}'}]\n" MIN_LOAD,
         "t.yaml:3:19: requests.0.path: unknown feeder 'acounts' in ${acounts.id} (feeders: "
         "accounts, users)"},
        {MIN_TARGETS "feeders: {accounts: data/accounts.csv}\n"
                     "requests: [{path: /a, headers: {X-Id: '${accounts.idd}'}}]\n" MIN_LOAD,
         "t.yaml:3:39: requests.0.headers.X-Id: feeder 'accounts' has no column 'idd' in "
         "${accounts.idd} (columns: id, name, token)"},
        {MIN_TARGETS "requests: [{path: '/a/${x.y}'}]\n" MIN_LOAD,
         "t.yaml:2:19: requests.0.path: unknown feeder 'x' in ${x.y}: the scenario has no "
         "feeders; define it under feeders:"},
        {MIN_TARGETS "requests: [{path: /a, body: '${random_int(9,1)}'}]\n" MIN_LOAD,
         "t.yaml:2:29: requests.0.body: ${random_int(9,1)}: the lower bound is greater"},
        {"name: run-${uuid}\n" MINIMAL,
         "t.yaml:1:7: name: ${uuid} is a value made for each request; runtime values work only "
         "in requests' path, header values and body"},
        {"output: results/${seq}\n" MINIMAL, "output: ${seq} is a value made for each request"},
        {MIN_TARGETS "feeders: {accounts: data/accounts.csv}\n"
                     "requests: [{path: '/a', name: '${accounts.id}'}]\n" MIN_LOAD,
         "requests.0.name: ${accounts.id} is a feeder column, a value made for each request; "
         "runtime values work only in requests' path, header values and body"},
        {MIN_TARGETS "requests: [{path: /a, json: {id: '${uuid}'}}]\n" MIN_LOAD,
         "t.yaml:2:34: requests.0.json.id: '${uuid}' is made per request, which json: bodies "
         "do not take (only ${ENV}); write the JSON as text under body:"},
        {MIN_TARGETS "feeders: {accounts: data/accounts.csv}\n"
                     "requests: [{path: /a, body_file: data/bad-ref.json}]\n" MIN_LOAD,
         "t.yaml:3:34: requests.0.body_file: in data/bad-ref.json: feeder 'accounts' has no "
         "column 'nope'"},
        /* values a feeder would put where they cannot go */
        {MIN_TARGETS "feeders: {n: data/notes.csv}\n"
                     "requests: [{path: /a, headers: {X-Note: 'x ${n.note}'}}]\n" MIN_LOAD,
         "t.yaml:3:41: requests.0.headers.X-Note: ${n.note} takes values from data/notes.csv, "
         "whose line 3 holds a line break in column 'note'; a header value is one line"},
        {MIN_TARGETS "feeders: {s: data/spaced.csv}\n"
                     "requests: [{path: '/a/${s.name}'}]\n" MIN_LOAD,
         "t.yaml:3:19: requests.0.path: ${s.name} takes values from data/spaced.csv, whose line "
         "2 holds a space in column 'name'; a path takes them percent-encoded"},
        {MIN_TARGETS "feeders: {s: data/spaced.csv}\n"
                     "requests: [{path: '${s.id}'}]\n" MIN_LOAD,
         "requests.0.path: '${s.id}' must start with '/'; write /${s.id}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        load_fails(cases[i].yaml, cases[i].want);
}

/* ---- certificates -------------------------------------------------------- */

static void certificates_that_are_fine(void **state)
{
    (void)state;
    /* key inside the certificate's file */
    struct scenario *s = load_ok("tls: {cert: certs/combined.pem}\n" MINIMAL);
    assert_string_equal(s->tls.cert_file, "certs/combined.pem");
    assert_string_equal(s->tls.key_file, "certs/combined.pem");
    scenario_free(s);
    /* an encrypted key with its passphrase */
    s = load_ok("tls: {cert: certs/client.pem, key: certs/enc.key, key_password: s3cret, ca: "
                "certs/ca.pem}\n" MINIMAL);
    assert_string_equal(s->tls.key_file, "certs/enc.key");
    scenario_free(s);
    /* insecure must be explicit and is kept */
    s = load_ok("tls: {insecure: true}\n" MINIMAL);
    assert_true(s->tls.insecure);
    char *j = json_text(s);
    assert_non_null(strstr(j, "\"insecure\":true"));
    assert_non_null(strstr(j, "\"expect\":[\"2xx\",\"3xx\"]")); /* the default */
    free(j);
    scenario_free(s);
}

/* The whole of a file (owned), its size in *len. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *c = malloc(*len + 1);
    assert_non_null(c);
    memcpy(c, buf, *len);
    c[*len] = '\0';
    return c;
}

/* pem holds exactly the bytes of the file at path. */
static void pem_is_file(const struct scn_pem *pem, const char *path)
{
    size_t len;
    char *want = slurp(path, &len);
    assert_non_null(pem->data);
    assert_int_equal(pem->len, len);
    assert_memory_equal(pem->data, want, len);
    assert_int_equal(pem->data[len], '\0');
    free(want);
}

/* Certificates, keys and CAs are read into the scenario when it is loaded
 * (nothing reads them again during the run); without tls.ca the system's
 * CA file is, when something is reached over https with verification. */
static void certificates_are_read_at_load(void **state)
{
    (void)state;
    struct scenario *s = load_ok("tls: {cert: certs/client.pem, key: certs/client.key, ca: "
                                 "certs/ca.pem}\n" MINIMAL);
    pem_is_file(&s->tls.cert, "certs/client.pem");
    pem_is_file(&s->tls.key, "certs/client.key");
    pem_is_file(&s->tls.ca, "certs/ca.pem");
    assert_null(s->tls.ca_system);
    scenario_free(s);
    s = load_ok("tls: {cert: certs/combined.pem}\n" MINIMAL);
    pem_is_file(&s->tls.cert, "certs/combined.pem");
    pem_is_file(&s->tls.key, "certs/combined.pem"); /* the key is in it */
    assert_null(s->tls.ca.data);                    /* plain http: no CA needed */
    scenario_free(s);

    char sys[PATH_MAX + 16];
    snprintf(sys, sizeof sys, "%s/sys-ca.pem", tmp);
    unlink(sys);
    append_file(sys, "certs/ca.pem");
    setenv("SSL_CERT_FILE", sys, 1);
#define HTTPS_MIN "targets: [https://127.0.0.1]\n" MIN_REQUESTS MIN_LOAD
    s = load_ok(HTTPS_MIN);
    pem_is_file(&s->tls.ca, sys);
    assert_string_equal(s->tls.ca_system, sys);
    scenario_free(s);
    /* the token endpoint alone over https needs it too */
    s = load_ok(MINIMAL "auth:\n  token_url: https://127.0.0.1:9443/oauth2/token\n"
                        "  client_id: a\n  client_secret: b\n");
    assert_string_equal(s->tls.ca_system, sys);
    scenario_free(s);
    /* not with insecure, nor with tls.ca */
    s = load_ok("tls: {insecure: true}\n" HTTPS_MIN);
    assert_null(s->tls.ca.data);
    assert_null(s->tls.ca_system);
    scenario_free(s);
    s = load_ok("tls: {ca: certs/ca.pem}\n" HTTPS_MIN);
    assert_null(s->tls.ca_system);
    pem_is_file(&s->tls.ca, "certs/ca.pem");
    scenario_free(s);
    /* a system CA file that is not there is an error before anything is sent */
    setenv("SSL_CERT_FILE", "/nonexistent/ca.pem", 1);
    load_fails(HTTPS_MIN, "t.yaml:1:10: tls.ca: no CA is given, and the system's CA file "
                          "/nonexistent/ca.pem (SSL_CERT_FILE) does not exist; give tls.ca: FILE "
                          "with the CA that signed the gateway's certificate");
    load_fails("tls: {min_version: \"1.2\"}\n" HTTPS_MIN, "t.yaml:1:6: tls.ca: no CA is given");
    s = load_ok("tls: {ca: certs/ca.pem}\n" HTTPS_MIN);
    scenario_free(s);
    s = load_ok(MINIMAL);
    scenario_free(s);
#undef HTTPS_MIN
    unsetenv("SSL_CERT_FILE");
    unlink(sys);
}

/* tls.server_name, targets.N.server_name and auth.server_name: the name a
 * certificate must carry while the connection goes to the address. */
#define TLS_TARGETS                                                                                \
    "targets: [https://127.0.0.1, {url: 'https://127.0.0.2:9443', server_name: Gw2.Example.com}, " \
    "http://127.0.0.3]\n"
static void server_name(void **state)
{
    (void)state;
    struct scenario *s =
        load_ok(TLS_TARGETS "tls: {server_name: localhost}\n" MIN_REQUESTS MIN_LOAD);
    assert_string_equal(s->tls.server_name, "localhost");
    assert_string_equal(s->targets[0].server_name, "localhost");
    assert_string_equal(s->targets[1].server_name, "gw2.example.com"); /* its own, lower case */
    assert_null(s->targets[2].server_name);                            /* http: none */
    char *j = json_text(s);
    assert_non_null(strstr(j, "\"tls\":{\"ca\":null"));
    assert_non_null(strstr(j, "\"server_name\":\"localhost\",\"session_resumption\""));
    assert_non_null(strstr(j, "\"server_name\":\"gw2.example.com\""));
    free(j);
    scenario_free(s);
    /* without: nothing anywhere */
    s = load_ok("targets: [https://127.0.0.1]\n" MIN_REQUESTS MIN_LOAD);
    assert_null(s->tls.server_name);
    assert_null(s->targets[0].server_name);
    j = json_text(s);
    assert_non_null(strstr(j, "\"server_name\":null"));
    free(j);
    scenario_free(s);
    /* --set, and the token endpoint's own */
    const char *ov[] = {"tls.server_name=api.example.com"};
    assert_int_equal(load_ov("targets: [https://127.0.0.1]\n" MIN_REQUESTS MIN_LOAD
                             "auth: {token_url: 'https://127.0.0.9:9443/oauth2/token', client_id: "
                             "a, client_secret: b, server_name: km.example.com}\n",
                             ov, 1, &s),
                     SCN_OK);
    assert_string_equal(s->targets[0].server_name, "api.example.com");
    assert_string_equal(s->auth.server_name, "km.example.com");
    assert_string_equal(s->auth.token_path, "/oauth2/token");
    j = json_text(s);
    assert_non_null(strstr(j, "\"server_name\":\"km.example.com\""));
    free(j);
    scenario_free(s);

    static const struct {
        const char *yaml, *want;
    } bad[] = {
        {TLS_TARGETS "tls: {server_name: 127.0.0.1}\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:2:20: tls.server_name: '127.0.0.1' is an address; server_name is the host name "
         "the certificate carries"},
        {TLS_TARGETS "tls: {server_name: '::1'}\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:2:20: tls.server_name: '::1' is an address"},
        {TLS_TARGETS "tls: {server_name: '*.example.com'}\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:2:20: tls.server_name: '*.example.com' is a wildcard; write one name it covers"},
        {TLS_TARGETS "tls: {server_name: 'gw_1.example.com'}\n" MIN_REQUESTS MIN_LOAD,
         "tls.server_name: 'gw_1.example.com' is not a host name (labels of 1 to 63"},
        {TLS_TARGETS "tls: {server_name: gw1..example.com}\n" MIN_REQUESTS MIN_LOAD,
         "tls.server_name: 'gw1..example.com' is not a host name"},
        {TLS_TARGETS "tls: {server_name: -gw1}\n" MIN_REQUESTS MIN_LOAD,
         "tls.server_name: '-gw1' is not a host name"},
        {TLS_TARGETS "tls: {server_name: 10.1}\n" MIN_REQUESTS MIN_LOAD,
         "tls.server_name: '10.1' is not a host name (its last label is a number"},
        {TLS_TARGETS "tls: {insecure: true, server_name: localhost}\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:2:36: tls.server_name: insecure: true turns certificate verification off, so "
         "there is no name to verify; remove one of them"},
        {TLS_TARGETS "tls: {insecure: true}\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:75: targets.1.server_name: tls.insecure: true turns certificate verification "
         "off"},
        {"targets: [http://127.0.0.1]\ntls: {server_name: localhost}\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:2:20: tls.server_name: no target uses https://, and server_name applies to TLS "
         "connections only"},
        {"targets: [{url: http://127.0.0.1, server_name: localhost}]\n" MIN_REQUESTS MIN_LOAD,
         "t.yaml:1:48: targets.0.server_name: this node is reached over http://"},
        {"targets: [{url: https://127.0.0.1, sni: localhost}]\n" MIN_REQUESTS MIN_LOAD,
         "targets.0.sni: unknown key 'sni'; did you mean 'server_name'?"},
        {"targets: [https://127.0.0.1]\n" MIN_REQUESTS MIN_LOAD
         "auth: {token_url: 'http://127.0.0.9:9763/oauth2/token', client_id: a, client_secret: "
         "b, server_name: km}\n",
         "t.yaml:4:102: auth.server_name: the token endpoint is reached over http://"},
        {"targets: [https://127.0.0.1]\ntls: {insecure: true}\n" MIN_REQUESTS MIN_LOAD
         "auth: {token_url: 'https://127.0.0.9:9443/oauth2/token', client_id: a, client_secret: "
         "b, server_name: km}\n",
         "auth.server_name: tls.insecure: true turns certificate verification off"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        load_fails(bad[i].yaml, bad[i].want);
}

static void paths_are_relative_to_the_scenario(void **state)
{
    (void)state;
    write_file("sub/s.yaml", MIN_TARGETS MIN_LOAD
               "requests: [{path: /a, body_file: body.txt}]\n"
               "tls: {ca: ../certs/ca.pem, cert: ../certs/client.pem, key: ../certs/client.key}\n");
    struct scenario *s = NULL;
    int rc = scenario_load("sub/s.yaml", NULL, 0, &s, err, sizeof err);
    if (rc)
        fail_msg("%s", err);
    assert_string_equal(s->requests[0].body, "in a subfolder");
    assert_string_equal(s->requests[0].body_file, "body.txt");
    assert_string_equal(s->tls.ca_file, "sub/../certs/ca.pem");
    assert_string_equal(s->name, "s");
    scenario_free(s);

    /* a missing file is looked for where the scenario is; the examples'
     * test PKI gets a hint on how to make it */
    write_file("sub/missing.yaml", MINIMAL "requests: [{path: /a, body_file: nope.txt}]\n"
                                           "tls: {ca: ../build/cluster/certs/ca.pem}\n");
    /* (requests given twice: the duplicate key error must come first) */
    assert_int_equal(scenario_load("sub/missing.yaml", NULL, 0, &s, err, sizeof err), SCN_EINVAL);
    assert_non_null(strstr(err, "duplicate key 'requests'"));
    write_file("sub/missing.yaml",
               MIN_TARGETS MIN_LOAD "requests: [{path: /a, body_file: nope.txt}]\n"
                                    "tls: {ca: ../build/cluster/certs/ca.pem}\n");
    assert_int_equal(scenario_load("sub/missing.yaml", NULL, 0, &s, err, sizeof err), SCN_EINVAL);
    assert_non_null(strstr(err, "sub/missing.yaml:3:34: requests.0.body_file: nope.txt does not "
                                "exist (looked for sub/nope.txt); paths are relative to the "
                                "scenario's folder"));
    assert_non_null(strstr(err, "sub/missing.yaml:4:11: tls.ca: ../build/cluster/certs/ca.pem "
                                "does not exist (looked for sub/../build/cluster/certs/ca.pem); "
                                "make the test certificates with tools/make-certs"));

    /* a scenario in / */
    const char *root_yaml =
        MIN_TARGETS MIN_LOAD "requests: [{path: /a, body_file: gatecap-nope}]\n";
    assert_int_equal(
        scenario_load_mem("/r.yaml", root_yaml, strlen(root_yaml), NULL, 0, &s, err, sizeof err),
        SCN_EINVAL);
    assert_non_null(strstr(err, "/r.yaml:3:34: requests.0.body_file: gatecap-nope does not exist "
                                "(looked for /gatecap-nope)"));

    /* absolute paths stay */
    char yaml[PATH_MAX + 256];
    snprintf(yaml, sizeof yaml, "tls: {ca: %s/certs/ca.pem}\n" MINIMAL, tmp);
    s = load_ok(yaml);
    assert_non_null(strstr(s->tls.ca_file, tmp));
    scenario_free(s);
}

static void file_errors(void **state)
{
    (void)state;
    struct scenario *s = (struct scenario *)1;
    assert_int_equal(scenario_load("nothere.yaml", NULL, 0, &s, err, sizeof err), SCN_EIO);
    assert_null(s);
    assert_non_null(strstr(err, "nothere.yaml: cannot open the scenario"));
    assert_int_equal(scenario_load("sub", NULL, 0, &s, err, sizeof err), SCN_EIO);
    assert_non_null(strstr(err, "sub: cannot read the scenario"));
    write_file("bad.yaml", "targets: [\n");
    assert_int_equal(scenario_load("bad.yaml", NULL, 0, &s, err, sizeof err), SCN_EINVAL);
    assert_non_null(strstr(err, "bad.yaml:2:1: YAML syntax error"));
    assert_string_equal(scenario_strerror(SCN_EIO), "cannot read the scenario file");
    assert_string_equal(scenario_strerror(SCN_OK), "ok");
}

/* ---- the examples users copy -------------------------------------------- */

/* ---- gates ------------------------------------------------------------------ */

#define GATE_BASE                                                                                  \
    "targets: [{url: 'http://127.0.0.1', name: gw1}, {url: 'http://127.0.0.2', name: gw2}]\n"      \
    "requests: [{name: login, path: /a}, {name: list, path: /b}]\n"                                \
    "load: {phases: [{name: warm, duration: 1s, rate: 10/s, record: false},\n"                     \
    "                {name: ramp, steps: {from: 10/s, to: 30/s, step: 10/s, duration: 1s}},\n"     \
    "                {name: steady, duration: 2s, rate: 50/s}]}\n"

static void gates_read_and_serialise(void **state)
{
    (void)state;
    struct scenario *s = load_ok(GATE_BASE "gates:\n"
                                           "  - p99 < 250ms\n"
                                           "  - {gate: 'errors < 0.1%', phase: steady}\n"
                                           "  - {gate: 'p99 < 1s', phase: ramp}\n"
                                           "  - {gate: 'service.p90 < 20ms', request: login}\n"
                                           "  - {gate: 'throughput >= 1/s', node: '*'}\n"
                                           "  - gate: errors < 5%\n"
                                           "    node: gw2\n"
                                           "    abort_on_fail: true\n"
                                           "    grace: 3s\n"
                                           "  - {gate: 'achieved >= 99%', abort_on_fail: true}\n");
    assert_int_equal(s->n_gates, 7);
    assert_string_equal(s->gates[0].text, "p99 < 250ms");
    assert_int_equal(s->gates[0].scope, GATE_ALL);
    assert_null(s->gates[0].scope_name);
    assert_int_equal(s->gates[1].scope, GATE_PHASE);
    assert_string_equal(s->gates[1].scope_name, "steady");
    assert_int_equal(s->gates[3].scope, GATE_REQUEST);
    assert_int_equal(s->gates[3].expr.series, GATE_SERVICE);
    assert_int_equal(s->gates[4].scope, GATE_NODE);
    assert_string_equal(s->gates[4].scope_name, "*");
    assert_true(s->gates[5].abort_on_fail);
    assert_true(s->gates[5].grace_s == 3);
    assert_true(s->gates[6].grace_s == SCN_GATE_GRACE_S);
    char *j = json_text(s);
    assert_non_null(strstr(j, "\"gates\":[{\"abort_on_fail\":false,\"gate\":\"p99 < 250ms\","
                              "\"scope\":\"all\"}"));
    assert_non_null(strstr(j, "{\"abort_on_fail\":true,\"gate\":\"errors < 5%\",\"grace_s\":3.0,"
                              "\"name\":\"gw2\",\"scope\":\"node\"}"));
    free(j);
    scenario_free(s);

    /* --set reaches gates like any field. */
    const char *ov[] = {"gates.0=p99 < 100ms"};
    assert_int_equal(load_ov(GATE_BASE "gates: ['p99 < 250ms']\n", ov, 1, &s), 0);
    assert_string_equal(s->gates[0].text, "p99 < 100ms");
    scenario_free(s);
}

static void gate_errors(void **state)
{
    (void)state;
    load_fails(GATE_BASE "gates: ['p99 < 250']\n",
               "t.yaml:6:9: gates.0: 'p99 < 250': a time needs a unit");
    load_fails(GATE_BASE "gates: ['latency < 250ms']\n", "unknown metric 'latency'");
    load_fails(GATE_BASE "gates:\n  - {gate: 'p99 < 1s', phase: stedy}\n",
               "t.yaml:7:31: gates.0.phase: no phase is named 'stedy'");
    load_fails(GATE_BASE "gates:\n  - {gate: 'p99 < 1s', phase: warm}\n",
               "phase 'warm' is a warm-up (record: false)");
    load_fails(GATE_BASE "gates:\n  - {gate: 'p99 < 1s', request: logout}\n",
               "gates.0.request: no request is named 'logout'");
    load_fails(GATE_BASE "gates:\n  - {gate: 'p99 < 1s', node: gw3}\n",
               "gates.0.node: no target is named 'gw3'");
    load_fails(GATE_BASE "gates:\n  - {gate: 'p99 < 1s', node: gw1, request: login}\n",
               "a gate has one scope");
    load_fails(GATE_BASE "gates:\n  - {gate: 'achieved >= 99%', node: gw1}\n",
               "achieved is measured for the whole run or a phase");
    load_fails(GATE_BASE "gates:\n  - {phase: steady}\n", "needs `gate:`");
    load_fails(GATE_BASE "gates:\n  - {gate: 'p99 < 1s', grace: 5s}\n",
               "gates.0.grace: grace only applies with abort_on_fail: true");
    load_fails(GATE_BASE "gates:\n  - {gate: 'p99 < 1s', abort: true}\n",
               "gates.0.abort: unknown key 'abort'; did you mean 'abort_on_fail'?");
    load_fails(GATE_BASE "gates: 'p99 < 1s'\n", "gates: expected a list");
    load_fails(MIN_TARGETS MIN_REQUESTS
               "load: {model: closed, phases: [{duration: 1s, users: 2}]}\n"
               "gates: ['achieved >= 99%']\n",
               "only the open model has");
    /* With node_header, node names come from responses: any name is taken. */
    struct scenario *s = load_ok(GATE_BASE "node_header: X-Node\n"
                                           "gates: [{gate: 'p99 < 1s', node: gw7}]\n");
    scenario_free(s);
}

static void steps_warmup_and_stop(void **state)
{
    (void)state;
    struct scenario *s =
        load_ok(MIN_TARGETS MIN_REQUESTS
                "load:\n"
                "  phases:\n"
                "    - name: st\n"
                "      steps: {from: 100/s, to: 300/s, step: 100/s, duration: 3s, warmup: 1s,\n"
                "              stop: {slo: ['p99 < 250ms', 'achieved >= 99%'], after: 3}}\n"
                "    - {name: tail, duration: 1s, rate: 10/s}\n");
    assert_int_equal(s->n_phases, 7);
    const char *names[] = {"st-1-warmup", "st-1", "st-2-warmup", "st-2",
                           "st-3-warmup", "st-3", "tail"};
    for (size_t i = 0; i < 7; i++) {
        const struct scn_phase *p = &s->phases[i];
        assert_string_equal(p->name, names[i]);
        if (i == 6) {
            assert_int_equal(p->stop_rule, 0);
            continue;
        }
        bool warm = i % 2 == 0;
        assert_true(p->record == !warm);
        assert_true(p->duration_s == (warm ? 1 : 3));
        assert_true(p->rate_start == 100.0 * (double)(i / 2 + 1));
        assert_int_equal(p->step, (int)(i / 2 + 1));
        assert_string_equal(p->group, "st");
        assert_int_equal(p->stop_rule, warm ? 0 : 1);
    }
    assert_int_equal(s->n_step_stops, 1);
    assert_int_equal(s->step_stops[0].after, 3);
    assert_int_equal(s->step_stops[0].n_slo, 2);
    assert_int_equal(s->step_stops[0].slo[1].expr.metric, GATE_ACHIEVED);
    char *j = json_text(s);
    assert_non_null(
        strstr(j, "\"stop\":{\"after\":3,\"slo\":[\"p99 < 250ms\",\"achieved >= 99%\"]}"));
    free(j);
    scenario_free(s);

    /* after defaults to 2; no warmup means no warm-up phases */
    s = load_ok(MIN_TARGETS MIN_REQUESTS
                "load: {phases: [{name: st, steps: {from: 1/s, to: 2/s, step: 1/s, duration: 1s,"
                " stop: {slo: ['errors < 1%']}}}]}\n");
    assert_int_equal(s->n_phases, 2);
    assert_int_equal(s->step_stops[0].after, 2);
    scenario_free(s);

#define STEPS(extra)                                                                               \
    MIN_TARGETS MIN_REQUESTS "load: {phases: [{name: st, steps: {from: 1/s, to: 2/s, step: 1/s, "  \
                             "duration: 1s, " extra "}}]}\n"
    load_fails(STEPS("stop: {after: 2}"), "load.phases.0.steps.stop.slo: missing");
    load_fails(STEPS("stop: {slo: []}"), "load.phases.0.steps.stop.slo: empty");
    load_fails(STEPS("stop: {slo: ['p99 < 9']}"),
               "load.phases.0.steps.stop.slo.0: 'p99 < 9': a time needs a unit");
    load_fails(STEPS("stop: {slo: ['p99 < 9ms'], after: 0}"), "load.phases.0.steps.stop.after");
    load_fails(STEPS("stop: {slo: ['p99 < 9ms'], when: 1}"), "unknown key 'when'");
    load_fails(STEPS("warmup: -1s"), "load.phases.0.steps.warmup");
    load_fails(MIN_TARGETS MIN_REQUESTS
               "load: {model: closed, phases: [{name: st, steps: {from: 1, to: 2, step: 1, "
               "duration: 1s, stop: {slo: ['achieved >= 99%']}}}]}\n",
               "only the open model has");
#undef STEPS
}

/* Unique names among many (headers, targets, requests, phases) are
 * checked by sorting (uniq.c, whose work test_uniq counts): the message
 * still names the repetition and the first use. */
static void duplicate_names_among_many(void **state)
{
    (void)state;
    size_t n = 3000, cap = n * 64 + 512, k;
    char *y = malloc(cap);
    assert_non_null(y);
    k = 0;
    test_append(y, cap, &k, MIN_TARGETS MIN_LOAD "requests:\n  - path: /a\n    headers:\n");
    for (size_t i = 0; i < n; i++)
        test_append(y, cap, &k, "      X-H%zu: v\n", i);
    test_append(y, cap, &k, "      x-h1234: again\n");
    load_fails(y, "t.yaml:3006:7: requests.0.headers.x-h1234: header 'x-h1234' is given twice");

    k = 0;
    test_append(y, cap, &k, MIN_REQUESTS MIN_LOAD "targets:\n");
    for (size_t i = 0; i < n; i++)
        test_append(y, cap, &k, "  - {name: t%zu, url: 'http://127.0.0.1'}\n", i % 2000);
    load_fails(y, "t.yaml:2004:5: targets.2000: the name 't0' is already used by targets.0");

    k = 0;
    test_append(y, cap, &k, MIN_TARGETS MIN_LOAD "requests:\n");
    for (size_t i = 0; i < n; i++)
        test_append(y, cap, &k, "  - {name: r%zu, path: /a}\n", i == n - 1 ? (size_t)17 : i);
    load_fails(y, "requests.2999: the name 'r17' is already used by requests.17");
    /* unnamed requests to one path fall back to their index */
    k = 0;
    test_append(y, cap, &k, MIN_TARGETS MIN_LOAD "requests:\n");
    for (size_t i = 0; i < n; i++)
        test_append(y, cap, &k, "  - {path: /a}\n");
    struct scenario *s = load_ok(y);
    assert_string_equal(s->requests[0].name, "get-a");
    assert_string_equal(s->requests[n - 1].name, "request-3000");
    scenario_free(s);

    k = 0;
    test_append(y, cap, &k, MIN_TARGETS MIN_REQUESTS "load:\n  phases:\n");
    for (size_t i = 0; i < n; i++)
        test_append(y, cap, &k, "    - {name: p%zu, duration: 1s, rate: 1/s}\n",
                    i == n - 1 ? (size_t)3 : i);
    load_fails(y, "load.phases.2999: the phase name 'p3' is used twice");
    free(y);
}

static void every_example_validates(void **state)
{
    (void)state;
    char dir[PATH_MAX + 16], certs[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/scenarios", top);
    snprintf(certs, sizeof certs, "%s/certs", tmp);
    setenv("GATECAP_CERTS", certs, 1); /* the examples' certificate folder */
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct scenario *s = NULL;
        int rc = scenario_load(path, NULL, 0, &s, err, sizeof err);
        if (rc)
            fail_msg("%s does not validate:\n%s", path, err);
        assert_true(scenario_duration_s(s) > 0);
        json_t *j = scenario_to_json(s);
        assert_non_null(j);
        json_decref(j);
        scenario_free(s);
        n++;
    }
    closedir(d);
    assert_true(n >= 5);
    unsetenv("GATECAP_CERTS");
}

/* ---- auth ---------------------------------------------------------------- */

#define AUTH_HEAD MINIMAL "auth:\n  token_url: https://127.0.0.1:9443/oauth2/token\n"

static void auth_single_and_list(void **state)
{
    (void)state;
    setenv("GC_TEST_ID", "id-from-env", 1);
    setenv("GC_TEST_SECRET", "s3cr3t-value", 1);
    struct scenario *s = load_ok(AUTH_HEAD "  client_id: ${GC_TEST_ID}\n"
                                           "  client_secret: ${GC_TEST_SECRET}\n"
                                           "  scopes: [accounts, payments]\n"
                                           "  refresh_before: 30s\n");
    const struct scn_auth *a = &s->auth;
    assert_int_equal(a->type, SCN_AUTH_OAUTH2);
    assert_string_equal(a->token_url, "https://127.0.0.1:9443/oauth2/token");
    assert_int_equal(a->token_port, 9443);
    assert_true(a->token_https);
    assert_int_equal(a->grant, SCN_GRANT_CLIENT_CREDENTIALS);
    assert_int_equal(a->client_auth, SCN_CLIENT_AUTH_BASIC);
    assert_string_equal(a->scope, "accounts payments");
    assert_int_equal(a->n_apps, 1);
    assert_string_equal(a->apps[0].name, "app-1");
    assert_string_equal(a->apps[0].client_id, "id-from-env");
    assert_true(a->apps[0].client_id_secret);
    assert_true(a->refresh_before_s == 30);
    assert_string_equal(a->header, "Authorization");
    assert_string_equal(a->prefix, "Bearer ");
    /* neither the secret nor the id from the environment is echoed */
    char *j = json_text(s);
    assert_null(strstr(j, "s3cr3t-value"));
    assert_null(strstr(j, "id-from-env"));
    assert_non_null(strstr(j, "\"name\":\"app-1\""));
    free(j);
    scenario_free(s);

    write_file("km.secret", "file-secret\n");
    s = load_ok(AUTH_HEAD "  grant: password\n  client_auth: body\n  bind: random\n"
                          "  refresh_before: 10%\n"
                          "  applications:\n"
                          "    - {name: tpp1, client_id: one, client_secret: x, username: u1, "
                          "password: p1}\n"
                          "    - {name: tpp2, client_id: two, client_secret_file: km.secret, "
                          "username: u2, password: p2}\n");
    a = &s->auth;
    assert_int_equal(a->n_apps, 2);
    assert_int_equal(a->grant, SCN_GRANT_PASSWORD);
    assert_int_equal(a->client_auth, SCN_CLIENT_AUTH_BODY);
    assert_int_equal(a->bind, SCN_BIND_RANDOM);
    assert_true(a->refresh_before_frac > 0.0999 && a->refresh_before_frac < 0.1001);
    assert_string_equal(a->apps[1].client_secret, "file-secret");
    assert_false(a->apps[0].client_id_secret);
    j = json_text(s);
    assert_null(strstr(j, "file-secret"));
    assert_null(strstr(j, "\"p1\""));
    assert_non_null(strstr(j, "\"client_id\":\"one\""));
    free(j);
    scenario_free(s);
}

static void auth_csv_and_certificates(void **state)
{
    (void)state;
    mkdir("apps", 0700);
    write_file("apps/pool.csv", "name,client_id,client_secret,cert,key\n"
                                "a1,id1,sec1,../certs/client.pem,../certs/client.key\n"
                                "a2,id2,sec2,,\n");
    struct scenario *s = load_ok(AUTH_HEAD "  applications: apps/pool.csv\n");
    const struct scn_auth *a = &s->auth;
    assert_int_equal(a->n_apps, 2);
    assert_string_equal(a->apps[0].name, "a1");
    assert_string_equal(a->apps[1].client_secret, "sec2");
    assert_non_null(a->apps[0].cert_file);
    assert_non_null(strstr(a->apps[0].cert_file, "client.pem"));
    assert_non_null(strstr(a->apps[0].key_file, "client.key"));
    assert_null(a->apps[1].cert_file);
    pem_is_file(&a->apps[0].cert, "certs/client.pem"); /* read at load */
    pem_is_file(&a->apps[0].key, "certs/client.key");
    assert_null(a->apps[1].cert.data);
    assert_true(a->apps[0].client_id_secret); /* ids from a file are not echoed */
    char *j = json_text(s);
    assert_null(strstr(j, "sec1"));
    assert_null(strstr(j, "id1"));
    free(j);
    scenario_free(s);

    write_file("apps/bad.csv", "name,client_id,client_secret,colour\na,b,c,d\n");
    load_fails(AUTH_HEAD "  applications: apps/bad.csv\n", "unknown column 'colour'");
    write_file("apps/short.csv", "name,client_id,client_secret\na,b\n");
    load_fails(AUTH_HEAD "  applications: apps/short.csv\n", "apps/short.csv:2");
    write_file("apps/mismatch.csv", "client_id,client_secret,cert,key\n"
                                    "x,y,../certs/client.pem,../certs/other.key\n");
    load_fails(AUTH_HEAD "  applications: apps/mismatch.csv\n", "does not belong");
    load_fails(AUTH_HEAD "  applications: apps/none.csv\n", "auth.applications");
    /* mtls client authentication needs a certificate */
    load_fails(AUTH_HEAD "  client_auth: mtls\n  client_id: x\n",
               "client_auth: mtls needs a client certificate");
    s = load_ok(AUTH_HEAD "  client_auth: mtls\n  client_id: x\n  cert: certs/client.pem\n"
                          "  key: certs/client.key\n");
    assert_null(s->auth.apps[0].client_secret);
    scenario_free(s);
}

static void auth_errors(void **state)
{
    (void)state;
    load_fails(MINIMAL "auth: {client_id: a, client_secret: b}\n", "missing token_url");
    load_fails(MINIMAL "auth: {token_url: ftp://x/token, client_id: a, client_secret: b}\n",
               "unsupported scheme");
    load_fails(MINIMAL "auth: {token_url: \"https://127.0.0.1:9443\", client_id: a, "
                       "client_secret: b}\n",
               "has no path");
    load_fails(AUTH_HEAD "  client_id: a\n", "has no client_secret");
    load_fails(AUTH_HEAD "  client_id: a\n  client_secret: b\n  grant: implicit\n",
               "auth.grant: 'implicit' is not valid");
    load_fails(AUTH_HEAD "  client_id: a\n  client_secret: b\n  grant: password\n",
               "grant: password needs username and password");
    load_fails(AUTH_HEAD "  client_id: a\n  client_secret: b\n  bind: sticky\n",
               "needs the closed model");
    load_fails(AUTH_HEAD "  client_id: a\n  client_secret: b\n  refresh_before: 150%\n",
               "auth.refresh_before");
    load_fails(AUTH_HEAD "  client_id: a\n  client_secret: b\n  client_secret_file: x\n",
               "not both");
    load_fails(AUTH_HEAD "  client_id: a\n  client_secret: b\n  applications: []\n", "not both");
    load_fails(AUTH_HEAD "  applications: []\n", "empty list");
    load_fails(AUTH_HEAD "  applications:\n    - {name: x, client_id: a, client_secret: b}\n"
                         "    - {name: x, client_id: c, client_secret: d}\n",
               "two applications are named x");
    load_fails(AUTH_HEAD "  client_id: a\n  client_secret: b\n  tokn_url: x\n", "tokn_url");
    load_fails(AUTH_HEAD "  client_id: a\n  client_secret: b\n  client_secret_file: nope.txt\n",
               "not both");
    load_fails(AUTH_HEAD "  client_id: a\n  client_secret_file: nope.txt\n", "nope.txt");
    load_fails(AUTH_HEAD "  type: saml\n", "'saml' is not supported");
    load_fails(MIN_TARGETS
               "requests: [{path: /e, headers: {authorization: \"Bearer x\"}}]\n" MIN_LOAD
               "auth: {token_url: \"https://h:9443/t\", client_id: a, "
               "client_secret: b}\n",
               "sets Authorization itself");
    /* sticky with the closed model is fine */
    struct scenario *s = load_ok(MIN_TARGETS MIN_REQUESTS
                                 "load: {model: closed, phases: [{duration: 1s, users: 4}]}\n"
                                 "auth: {token_url: \"https://h:9443/t\", client_id: a, "
                                 "client_secret: b, bind: sticky}\n");
    assert_int_equal(s->auth.bind, SCN_BIND_STICKY);
    scenario_free(s);
    /* a static token or API key from a file: a secret, never echoed */
    write_file("token.txt", "tok-from-file-123\n");
    s = load_ok(MIN_TARGETS "requests: [{path: /e, headers: {Authorization: {file: token.txt, "
                            "prefix: \"Bearer \"}, X-Key: {file: token.txt}}}]\n" MIN_LOAD);
    assert_string_equal(s->requests[0].headers[0].value, "Bearer tok-from-file-123");
    assert_true(s->requests[0].headers[0].secret);
    assert_string_equal(s->requests[0].headers[1].value, "tok-from-file-123");
    assert_true(s->requests[0].headers[1].secret);
    char *jt = json_text(s);
    assert_null(strstr(jt, "tok-from-file"));
    free(jt);
    scenario_free(s);
    load_fails(MIN_TARGETS "requests: [{path: /e, headers: {X-Key: {file: nope.txt}}}]\n" MIN_LOAD,
               "requests.0.headers.X-Key.file");
    load_fails(MIN_TARGETS "requests: [{path: /e, headers: {X-Key: {prefix: a}}}]\n" MIN_LOAD,
               "needs file: PATH");
    load_fails(MIN_TARGETS "requests: [{path: /e, headers: {X-Key: {fil: a}}}]\n" MIN_LOAD, "fil");
    /* back-off after 429s: closed model only */
    s = load_ok(MIN_TARGETS MIN_REQUESTS
                "load: {model: closed, backoff: 30s, phases: [{duration: 1s, users: 4}]}\n");
    assert_true(s->backoff_max_ms == 30000);
    scenario_free(s);
    load_fails(MIN_TARGETS MIN_REQUESTS "load: {backoff: 30s, phases: [{duration: 1s, rate: "
                                        "10/s}]}\n",
               "load.backoff: only for load.model: closed");
}

/* RFC 9110 5.5: a field value holds no control characters but HTAB
 * (CR, LF and NUL were refused; 0x01..0x1f and DEL went on the wire).
 * Refused at load with file:line:col wherever a header value comes from:
 * the scenario, an environment variable, a {file:} header and its
 * prefix, auth.prefix, and the feeder cells a header template takes at
 * run time. */
static void header_values_hold_no_control_characters(void **state)
{
    (void)state;
    setenv("GC_TEST_CTL", "a\x1b[31mb", 1);
    write_file("ctl.csv", "id,note\n1,fine\n2,\"bell\x07here\"\n");
    write_file("ctl-secret.txt", "tok\x01en\n");
    write_file("ok-secret.txt", "token\n");
    static const struct {
        const char *yaml, *want;
    } cases[] = {
        {MIN_TARGETS "requests: [{path: /a, headers: {X-A: \"a\\x01b\"}}]\n" MIN_LOAD,
         "t.yaml:2:38: requests.0.headers.X-A: a header value cannot hold line breaks, NULs or "
         "other control characters (byte 0x01 at offset 1)"},
        {MIN_TARGETS "requests: [{path: /a, headers: {X-A: \"del\\x7f\"}}]\n" MIN_LOAD,
         "requests.0.headers.X-A: a header value cannot hold line breaks, NULs or other control "
         "characters (byte 0x7f at offset 3)"},
        {MIN_TARGETS "requests: [{path: /a, headers: {X-A: \"a\\r\\nb\"}}]\n" MIN_LOAD,
         "requests.0.headers.X-A: a header value cannot hold line breaks"},
        {MIN_TARGETS "requests: [{path: /a, headers: {X-A: '${GC_TEST_CTL}'}}]\n" MIN_LOAD,
         "t.yaml:2:38: requests.0.headers.X-A: a header value cannot hold line breaks, NULs or "
         "other control characters (byte 0x1b at offset 1)"},
        {MIN_TARGETS MIN_LOAD "feeders: {c: ctl.csv}\n"
                              "requests: [{path: /a, headers: {X-Note: '${c.note}'}}]\n",
         "t.yaml:4:41: requests.0.headers.X-Note: ${c.note} takes values from ctl.csv, whose "
         "line 3 holds a control character in column 'note'"},
        {MIN_TARGETS "requests: [{path: /a, headers: {X-K: {file: ok-secret.txt, prefix: "
                     "\"k\\x02 \"}}}]\n" MIN_LOAD,
         "requests.0.headers.X-K.prefix: a header value cannot hold line breaks, NULs or other "
         "control characters (byte 0x02 at offset 1)"},
        {MIN_TARGETS "requests: [{path: /a, headers: {X-K: {file: ctl-secret.txt}}}]\n" MIN_LOAD,
         "requests.0.headers.X-K.file: ctl-secret.txt holds a control character; a header "
         "value"},
        {AUTH_HEAD "  client_id: x\n  client_secret: y\n  prefix: \"Bearer\\x0b \"\n",
         "auth.prefix: a header value cannot hold line breaks, NULs or other control characters "
         "(byte 0x0b at offset 6)"},
        {AUTH_HEAD "  client_id: x\n  client_secret: y\n  prefix: \"Bearer\\r\\nX: \"\n",
         "auth.prefix: a header value cannot hold line breaks"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        load_fails(cases[i].yaml, cases[i].want);
    /* a tab is allowed, also from a feeder; the column that holds the bell
     * may go to the body */
    write_file("tab.csv", "id,note\n1,\"a\tb\"\n");
    struct scenario *s = load_ok(
        MIN_TARGETS MIN_LOAD "feeders: {t: tab.csv, c: ctl.csv}\n"
                             "requests: [{path: /a, headers: {X-T: \"x\\ty\", X-N: '${t.note}'},"
                             " body: '${c.note}'}]\n");
    assert_string_equal(s->requests[0].headers[0].value, "x\ty");
    scenario_free(s);
    unsetenv("GC_TEST_CTL");
}

/* A scenario saved with a UTF-8 byte order mark (Windows editors) loads;
 * it was refused with "did not find expected <document start>". */
static void a_byte_order_mark_is_accepted(void **state)
{
    (void)state;
    struct scenario *s = load_ok("\xef\xbb\xbf" MINIMAL);
    assert_int_equal(s->n_targets, 1);
    scenario_free(s);
    /* positions on the first line are not shifted by it */
    load_fails("\xef\xbb\xbf"
               "targets: [ftp://x]\n" MIN_REQUESTS MIN_LOAD,
               "t.yaml:1:11:");
}

/* Asserts that yaml fails with want in the message and none of avoid. */
static void fails_without(const char *yaml, const char *want, const char *const *avoid)
{
    load_fails(yaml, want);
    for (size_t i = 0; avoid[i]; i++)
        if (strstr(err, avoid[i]))
            fail_msg("a follow-on error '%s' in:\n%s", avoid[i], err);
}

/* One mistake, one message: what failed to load is reported there, and
 * what uses it later is not reported again as missing. */
static void a_failure_is_reported_once(void **state)
{
    (void)state;
    static const char *const unknown[] = {"unknown feeder", NULL};
    fails_without(MIN_TARGETS MIN_LOAD
                  "feeders: {acc: missing.csv}\n"
                  "requests: [{path: '/a/${acc.id}', headers: {X-N: '${acc.name}'},"
                  " body: '${acc.id}'}]\n",
                  "feeders.acc: missing.csv does not exist", unknown);
    write_file("bad.csv", "id,id\n1,2\n");
    fails_without(MIN_TARGETS MIN_LOAD
                  "feeders: {acc: bad.csv, 'x-y': bad.csv}\n"
                  "requests: [{path: '/a/${acc.id}', json: {a: '${x-y.id}'}}]\n",
                  "bad.csv:1: the column name 'id' appears twice", unknown);
    /* a reference to a feeder that was never declared is still reported */
    load_fails(MIN_TARGETS MIN_LOAD "feeders: {acc: missing.csv}\n"
                                    "requests: [{path: '/a/${other.id}'}]\n",
               "unknown feeder 'other'");

    static const char *const no_secret[] = {"has no client_secret", NULL};
    fails_without(AUTH_HEAD "  client_id: x\n  client_secret_file: none.txt\n",
                  "auth.client_secret_file: none.txt does not exist", no_secret);
    write_file("apps/nosecret.csv", "client_id,client_secret_file\nx,none.txt\n");
    fails_without(AUTH_HEAD "  applications: apps/nosecret.csv\n", "none.txt does not exist",
                  no_secret);
}

/* Every file a scenario names is opened without waiting and refused,
 * naming the file, when it is not a regular file: a FIFO used to hang
 * validate and run (feeders, {file:} headers, client secrets), and the
 * others were checked with stat() before an open that could still wait. */
static void files_that_are_not_regular(void **state)
{
    (void)state;
    struct fifo_guard g;
    fifo_guard_start(&g, "pipe");
    static const struct {
        const char *yaml;
        const char *want;
    } cases[] = {
        {MINIMAL "feeders: {acc: pipe}\n",
         "t.yaml:4:16: feeders.acc: pipe: is not a regular file but a FIFO (named pipe)"},
        {MIN_TARGETS "requests: [{path: /a, headers: {X-Key: {file: pipe}}}]\n" MIN_LOAD,
         "t.yaml:2:47: requests.0.headers.X-Key.file: pipe is not a regular file but a FIFO"},
        {MIN_TARGETS "requests: [{path: /a, body_file: pipe}]\n" MIN_LOAD,
         "t.yaml:2:34: requests.0.body_file: pipe is not a regular file but a FIFO"},
        {MINIMAL "tls: {ca: pipe}\n", "t.yaml:4:11: tls.ca: pipe is not a regular file but a FIFO"},
        {MINIMAL "tls: {cert: pipe, key: certs/client.key}\n",
         "t.yaml:4:13: tls.cert: pipe is not a regular file but a FIFO"},
        {MINIMAL "tls: {cert: certs/client.pem, key: pipe}\n",
         "t.yaml:4:36: tls.key: pipe is not a regular file but a FIFO"},
        {AUTH_HEAD "  client_id: x\n  client_secret_file: pipe\n",
         "auth.client_secret_file: pipe is not a regular file but a FIFO"},
        {AUTH_HEAD "  applications: pipe\n",
         "auth.applications: pipe: is not a regular file but a FIFO"},
        {AUTH_HEAD "  applications: apps/fifo-secret.csv\n",
         "(apps/fifo-secret.csv:2): ../pipe is not a regular file but a FIFO"},
        {AUTH_HEAD "  applications: apps/fifo-cert.csv\n",
         "(apps/fifo-cert.csv:2): ../pipe is not a regular file but a FIFO"},
    };
    mkdir("apps", 0700);
    write_file("apps/fifo-secret.csv", "client_id,client_secret_file\nx,../pipe\n");
    write_file("apps/fifo-cert.csv", "client_id,client_secret,cert,key\nx,y,../pipe,../pipe\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        load_fails(cases[i].yaml, cases[i].want);
    fifo_guard_stop(&g);
    /* a device is no better */
    load_fails(MIN_TARGETS "requests: [{path: /a, body_file: /dev/null}]\n" MIN_LOAD,
               "requests.0.body_file: /dev/null is not a regular file but a character device");
}

/* `metrics:` (docs/metrics.md): defaults, every key, the token from a file
 * (a secret: redacted, never in the JSON echo), and the errors. */
static void metrics_section(void **state)
{
    (void)state;
    const char *base = "targets: [\"http://127.0.0.1:8280\"]\n"
                       "requests: [{name: a, path: /a}]\n"
                       "load: {phases: [{name: p, duration: 1s, rate: 1/s}]}\n";
    char yaml[1024];
    struct scenario *s = load_ok(base);
    assert_null(s->metrics.push);
    assert_null(s->metrics.listen);
    assert_true(s->metrics.timeout_s == 5 && s->metrics.queue == 10 && s->metrics.linger_s == 10);
    assert_true(s->metrics.native_histograms);
    scenario_free(s);
    write_file("rw.token", "tok-3f9a8b7c6d5e\n");
    snprintf(yaml, sizeof yaml,
             "%smetrics: {push: \"http://prom:9090/api/v1/write\", listen: \"127.0.0.1:9464\", "
             "bearer_token_file: rw.token, timeout: 2s, queue: 3, linger: 0s, "
             "native_histograms: false}\n",
             base);
    s = load_ok(yaml);
    assert_string_equal(s->metrics.push, "http://prom:9090/api/v1/write");
    assert_string_equal(s->metrics.listen, "127.0.0.1:9464");
    assert_string_equal(s->metrics.bearer_token, "tok-3f9a8b7c6d5e");
    assert_true(s->metrics.timeout_s == 2 && s->metrics.queue == 3 && s->metrics.linger_s == 0);
    assert_false(s->metrics.native_histograms);
    struct redact *rd;
    char out[128];
    assert_int_equal(redact_new(s, &rd), 0);
    redact_text(rd, "401: bad token tok-3f9a8b7c6d5e", out, sizeof out, 0);
    assert_null(strstr(out, "tok-3f9a8b7c6d5e"));
    redact_free(rd);
    json_t *echo = scenario_to_json(s);
    char *text = json_dumps(echo, 0);
    assert_null(strstr(text, "tok-3f9a8b7c6d5e"));
    free(text);
    json_decref(echo);
    scenario_free(s);
    snprintf(yaml, sizeof yaml, "%smetrics: {push: \"prom:9090\"}\n", base);
    load_fails(yaml, "metrics.push: 'prom:9090' is not an http or https URL");
    snprintf(yaml, sizeof yaml, "%smetrics: {bearer_token: a, bearer_token_file: rw.token}\n",
             base);
    load_fails(yaml, "give bearer_token or bearer_token_file, not both");
    snprintf(yaml, sizeof yaml, "%smetrics: {pussh: \"http://x\"}\n", base);
    load_fails(yaml, "pussh");
}

/* private_key_jwt: signing keys (PEM, PKCS#12), algorithms by key type and
 * their mismatches, PKCS#12 client certificates; passwords never echoed. */
static void fapi_keys(void **state)
{
    (void)state;
#define KM                                                                                         \
    "auth:\n  token_url: https://127.0.0.1:9443/oauth2/token\n  client_auth: private_key_jwt\n"
    struct scenario *s =
        load_ok(MINIMAL KM "  applications:\n"
                           "    - {client_id: a, signing_key: certs/client.key, kid: k1}\n"
                           "    - {client_id: b, signing_key: certs/rsa.key}\n");
    assert_int_equal(s->auth.client_auth, SCN_CLIENT_AUTH_PRIVATE_KEY_JWT);
    assert_int_equal(s->auth.apps[0].signing_alg, SCN_JWS_ES256);
    assert_string_equal(s->auth.apps[0].kid, "k1");
    assert_int_equal(s->auth.apps[1].signing_alg, SCN_JWS_PS256);
    assert_non_null(strstr(s->auth.apps[1].signing_key.data, "BEGIN PRIVATE KEY"));
    assert_true(s->auth.assertion_lifetime_s == 60);
    assert_null(s->auth.assertion_audience);
    scenario_free(s);
    s = load_ok(MINIMAL KM "  assertion_alg: RS256\n  assertion_lifetime: 30s\n"
                           "  assertion_audience: https://is.example/oauth2/token\n"
                           "  client_id: b\n  signing_key: certs/rsa.key\n");
    assert_int_equal(s->auth.apps[0].signing_alg, SCN_JWS_RS256);
    assert_true(s->auth.assertion_lifetime_s == 30);
    assert_string_equal(s->auth.assertion_audience, "https://is.example/oauth2/token");
    scenario_free(s);
    /* a PKCS#12 key with its password from a file */
    s = load_ok(MINIMAL KM "  client_id: a\n  signing_key: certs/client.p12\n"
                           "  key_password_file: certs/p12.pass\n");
    assert_int_equal(s->auth.apps[0].signing_alg, SCN_JWS_ES256);
    scenario_free(s);
    /* a PKCS#12 client certificate, converted to PEM */
    setenv("GC_TEST_P12", "p12-pw", 1);
    s = load_ok("tls: {cert: certs/client.p12, key_password: \"${GC_TEST_P12}\"}\n" MINIMAL);
    assert_non_null(strstr(s->tls.cert.data, "BEGIN CERTIFICATE"));
    assert_non_null(strstr(s->tls.key.data, "PRIVATE KEY"));
    scenario_free(s);
    load_fails(MINIMAL KM
               "  client_id: a\n  signing_key: certs/client.key\n  assertion_alg: PS256\n",
               "t.yaml:8:16: auth.signing_key: the key in <redacted> is EC P-256, and "
               "auth.assertion_alg PS256/RS256 needs an RSA key");
    load_fails(MINIMAL KM "  client_id: a\n",
               "private_key_jwt needs the application's signing_key");
    load_fails(MINIMAL KM "  client_id: a\n  signing_key: certs/client.p12\n",
               "t.yaml:8:16: auth.signing_key: <redacted> is PKCS#12; give its password");
    load_fails(MINIMAL KM "  client_id: a\n  signing_key: certs/client.p12\n"
                          "  key_password: wrong-pw-xyz\n",
               "does not open with the password given");
    assert_null(strstr(err, "wrong-pw-xyz"));
    load_fails("tls: {cert: certs/client.p12, key_password: nope-pw-xyz}\n" MINIMAL,
               "t.yaml:1:13: tls.cert: certs/client.p12 does not open with the password");
    assert_null(strstr(err, "nope-pw-xyz"));
    load_fails(
        MINIMAL KM "  assertion_alg: HS256\n  client_id: a\n  signing_key: certs/client.key\n",
        "t.yaml:7:18: auth.assertion_alg: '<redacted>' is not valid; write PS256, ES256 or RS256");
    load_fails(MINIMAL "auth:\n  token_url: https://127.0.0.1:9443/oauth2/token\n"
                       "  assertion_alg: PS256\n  client_id: a\n  client_secret: s\n",
               "auth.assertion_alg: only applies with client_auth: private_key_jwt");
    /* sign: on a request */
    s = load_ok(MIN_TARGETS MIN_LOAD
                "requests: [{method: POST, path: /p, body: '{}', sign: {}}]\n" KM
                "  client_id: a\n  signing_key: certs/client.key\n");
    assert_non_null(s->requests[0].sign);
    assert_string_equal(s->requests[0].sign->header, "x-jws-signature");
    assert_string_equal(s->requests[0].sign->tan, "openbanking.org.uk");
    assert_null(s->requests[0].sign->iss);
    scenario_free(s);
    load_fails(MIN_TARGETS MIN_LOAD "requests: [{method: POST, path: /p, body: '{}', sign: {}}]\n",
               "t.yaml:3:55: request post-p: sign: signing needs the auth: section's applications");
    load_fails(MIN_TARGETS MIN_LOAD
               "requests: [{method: POST, path: /p, body: '{}', sign: {alg: PS256}}]\n" KM
               "  client_id: a\n  signing_key: certs/client.key\n",
               "alg PS256, but application app-1 signs with ES256");
    load_fails(MIN_TARGETS MIN_LOAD "requests: [{path: /p, sign: yes}]\n",
               "sign: a mapping; write sign: {alg: PS256, header: x-jws-signature}");
#undef KM
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_field_is_parsed),
        cmocka_unit_test(defaults_are_filled_in),
        cmocka_unit_test(short_forms),
        cmocka_unit_test(json_bodies),
        cmocka_unit_test(yaml_anchors_and_merge_keys),
        cmocka_unit_test(closed_model),
        cmocka_unit_test(transports),
        cmocka_unit_test(http2_settings),
        cmocka_unit_test(workers_within_max_inflight),
        cmocka_unit_test(steps_expand),
        cmocka_unit_test(each_error_names_line_col_and_field),
        cmocka_unit_test(every_error_is_reported_in_file_order),
        cmocka_unit_test(overrides_edit_before_validation),
        cmocka_unit_test(overrides_recorded_without_secrets),
        cmocka_unit_test(override_errors_name_the_override),
        cmocka_unit_test(env_expansion_and_redaction),
        cmocka_unit_test(errors_do_not_quote_secrets),
        cmocka_unit_test(json_echo_layout),
        cmocka_unit_test(feeders_and_templates),
        cmocka_unit_test(feeder_and_template_errors),
        cmocka_unit_test(certificates_that_are_fine),
        cmocka_unit_test(certificates_are_read_at_load),
        cmocka_unit_test(server_name),
        cmocka_unit_test(paths_are_relative_to_the_scenario),
        cmocka_unit_test(file_errors),
        cmocka_unit_test(gates_read_and_serialise),
        cmocka_unit_test(gate_errors),
        cmocka_unit_test(steps_warmup_and_stop),
        cmocka_unit_test(duplicate_names_among_many),
        cmocka_unit_test(every_example_validates),
        cmocka_unit_test(auth_single_and_list),
        cmocka_unit_test(auth_csv_and_certificates),
        cmocka_unit_test(auth_errors),
        cmocka_unit_test(files_that_are_not_regular),
        cmocka_unit_test(a_byte_order_mark_is_accepted),
        cmocka_unit_test(a_failure_is_reported_once),
        cmocka_unit_test(header_values_hold_no_control_characters),
        cmocka_unit_test(metrics_section),
        cmocka_unit_test(fapi_keys),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
