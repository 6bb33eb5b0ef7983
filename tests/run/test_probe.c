/*
 * run/test_probe.c — the node check before a run (libcurl, whatever the
 * transport) against servers of this test on loopback (threads: a plain
 * HTTP server that answers 200, a WSO2-style 503 or nothing; a TLS server
 * with a certificate made here, optionally requiring a client
 * certificate). It names what the transports name, and where the first
 * answer leaves the scheme in doubt it asks the port in the other
 * protocol: a TLS server asked in plain HTTP (it just closes), a plain
 * server asked in TLS (it answers HTTP: "wrong version number"), a server
 * silent to both; a client certificate required; a certificate that names
 * another host than the one asked for (with the line to add); an answer's
 * status comes with what it said, and probe_check judges it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "run/probe.h"
#include "scenario/scenario.h"
#include "testcerts.h"
#include "testtls.h"
#include "testutil.h"

#define ADDR "127.0.11.3"

#define WSO2_503                                                                                   \
    "{\"fault\":{\"code\":101503,\"message\":\"Runtime Error\",\"description\":\"Error "           \
    "connecting to the back end\"}}"

#define CLIENT_CERT_HINT                                                                           \
    "the gateway requires a client certificate (mutual TLS): set tls.cert and tls.key"

/* ------------------------------------------------------- plain server */

enum mode {
    M_OK,     /* 200 */
    M_SILENT, /* read the request, never answer */
    M_503,    /* 503 with WSO2's fault body */
};

struct srv {
    int lfd, port;
    pthread_t th;
    atomic_int mode;
    atomic_bool stop;
};

static void send_all(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* One connection at a time; each read is one request, answered as the
 * mode says (a connection is closed after its answer). */
static void *srv_main(void *arg)
{
    struct srv *sv = arg;
    char buf[4096], a[512];
    while (!atomic_load(&sv->stop)) {
        struct pollfd p = {.fd = sv->lfd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int fd = accept(sv->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        struct pollfd q = {.fd = fd, .events = POLLIN};
        while (!atomic_load(&sv->stop) && poll(&q, 1, 20) == 0)
            ;
        if (!atomic_load(&sv->stop) && recv(fd, buf, sizeof buf, 0) > 0) {
            switch (atomic_load(&sv->mode)) {
            case M_OK:
                send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                break;
            case M_503:
                snprintf(a, sizeof a,
                         "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\n\r\n%s",
                         strlen(WSO2_503), WSO2_503);
                send_all(fd, a);
                break;
            case M_SILENT: /* until the client gives up */
                while (!atomic_load(&sv->stop))
                    if (poll(&q, 1, 20) > 0 && recv(fd, buf, sizeof buf, 0) <= 0)
                        break;
                break;
            }
        }
        close(fd);
    }
    return NULL;
}

/* A plain server on ADDR:port (0: any free port). */
static struct srv *srv_start(int port)
{
    struct srv *sv = calloc(1, sizeof *sv);
    assert_non_null(sv);
    sv->lfd = test_listen(ADDR, port, &sv->port);
    assert_int_equal(pthread_create(&sv->th, NULL, srv_main, sv), 0);
    return sv;
}

static void srv_stop(struct srv *sv)
{
    atomic_store(&sv->stop, true);
    pthread_join(sv->th, NULL);
    close(sv->lfd);
    free(sv);
}

/* --------------------------------------------------------- TLS server */

/* A TLS server on ADDR (testtls.h) whose certificate, for san, is signed
 * by a CA written to ca_path; with require_cert it refuses a handshake
 * without a client certificate; max_version limits its TLS versions (0:
 * none). */
static struct tls_srv *tls_start(const char *san, const char *ca_path, bool require_cert,
                                 int max_version)
{
    return tls_start_opts(ADDR, san, ca_path, 0, require_cert, max_version);
}

/* ------------------------------------------------------------- checks */

/* A scenario for scheme://ADDR:port with timeouts (a duration for the
 * request, or the inside of a `timeouts:` mapping) and extra YAML. */
static struct scenario *scenario_for(const char *scheme, int port, const char *timeouts,
                                     const char *extra)
{
    char yaml[1024], err[1024];
    struct scenario *scn = NULL;
    snprintf(yaml, sizeof yaml,
             "targets: [\"%s://" ADDR ":%d\"]\n%stimeouts: {%s%s}\n"
             "load: {phases: [{duration: 1s, rate: 1/s}]}\n%s",
             scheme, port, extra && strstr(extra, "requests:") ? "" : "requests: [{path: /t}]\n",
             strchr(timeouts, ':') ? "" : "request: ", timeouts, extra ? extra : "");
    if (scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &scn, err, sizeof err))
        fail_msg("scenario: %s", err);
    return scn;
}

static int check(const char *scheme, int port, const char *timeouts, const char *extra,
                 struct probe_answer *ans, char *err, size_t err_len)
{
    struct scenario *scn = scenario_for(scheme, port, timeouts, extra);
    err[0] = '\0';
    int rc = probe_node(scn, NULL, 0, NULL, 0, NULL, NULL, ans, err, err_len);
    scenario_free(scn);
    return rc;
}

static void check_fails_with(int rc, const char *err, const char *want)
{
    if (rc != -1 || !strstr(err, want))
        fail_msg("check: %d, '%s'; want -1 with '%s'", rc, err, want);
}

static void names_the_scheme_and_a_missing_certificate(void **state)
{
    (void)state;
    char ca[128], extra[256], err[1024], want[128];
    struct probe_answer ans;
    snprintf(ca, sizeof ca, "%s/check-ca.pem", test_dir);
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\"}\n", ca);
    struct tls_srv *tv = tls_start("IP:" ADDR, ca, false, 0);
    int rc = check("http", tv->port, "10s", NULL, &ans, err, sizeof err);
    snprintf(want, sizeof want, "port %d speaks TLS, not plain HTTP: use https://", tv->port);
    check_fails_with(rc, err, want);
    /* and verified over https, it answers */
    rc = check("https", tv->port, "10s", extra, &ans, err, sizeof err);
    if (rc)
        fail_msg("https with the CA: %s", err);
    assert_int_equal(ans.status, 200);
    tls_stop(tv);
    static const int versions[] = {0, TLS1_2_VERSION};
    for (size_t v = 0; v < 2; v++) {
        tv = tls_start("IP:" ADDR, ca, true, versions[v]);
        rc = check("https", tv->port, "10s", extra, &ans, err, sizeof err);
        check_fails_with(rc, err, CLIENT_CERT_HINT);
        tls_stop(tv);
    }
    struct srv *sv = srv_start(0);
    rc = check("https", sv->port, "10s", NULL, &ans, err, sizeof err);
    snprintf(want, sizeof want, "port %d speaks plain HTTP, not TLS: use http://", sv->port);
    check_fails_with(rc, err, want);
    /* silent to both: the check can only say what to try */
    atomic_store(&sv->mode, M_SILENT);
    rc = check("https", sv->port, "connect: 300ms, request: 10s", NULL, &ans, err, sizeof err);
    snprintf(want, sizeof want,
             "no answer within 300 ms: if port %d speaks plain HTTP, use http://", sv->port);
    check_fails_with(rc, err, want);
    srv_stop(sv);
    /* silent to a ClientHello, and to the HEAD that follows: no second
     * opinion, the port's role says it */
    sv = srv_start(8280);
    atomic_store(&sv->mode, M_SILENT);
    rc = check("https", 8280, "connect: 300ms, request: 10s", NULL, &ans, err, sizeof err);
    check_fails_with(rc, err,
                     "no answer within 300 ms: 8280 is the gateway's HTTP port: use http://");
    atomic_store(&sv->mode, M_503);
    rc = check("http", 8280, "10s", NULL, &ans, err, sizeof err);
    assert_int_equal(rc, 0);
    assert_int_equal(ans.status, 503);
    assert_string_equal(ans.said, WSO2_503);
    assert_string_equal(ans.hint, "");
    srv_stop(sv);
}

/* A certificate that verifies but names only a host, reached by address:
 * the check says which name it carries and what to set. */
static void names_the_name_the_certificate_carries(void **state)
{
    (void)state;
    char ca[128], extra[256], err[1024];
    struct probe_answer ans;
    snprintf(ca, sizeof ca, "%s/name-ca.pem", test_dir);
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\"}\n", ca);
    struct tls_srv *tv = tls_start("DNS:localhost", ca, false, 0);
    int rc = check("https", tv->port, "10s", extra, &ans, err, sizeof err);
    check_fails_with(rc, err,
                     "(tls); the certificate names localhost, not the address " ADDR
                     "; set tls.server_name: localhost to verify that name and send it as SNI "
                     "while connecting to the address (docs/wso2.md)");
    /* with that name, it verifies */
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\", server_name: localhost}\n", ca);
    rc = check("https", tv->port, "10s", extra, &ans, err, sizeof err);
    if (rc)
        fail_msg("with server_name: %s", err);
    assert_int_equal(ans.status, 200);
    tls_stop(tv);
}

/* probe_check: an answer the request does not expect stops the run with
 * what the node said; one it expects, or a 429, passes. */
static void judges_the_answer(void **state)
{
    (void)state;
    char err[1024];
    struct srv *sv = srv_start(0);
    struct scenario *scn = scenario_for("http", sv->port, "10s", NULL);
    assert_int_equal(probe_check(scn, NULL, 0, NULL, 0, NULL, NULL, err, sizeof err), 0);
    atomic_store(&sv->mode, M_503);
    assert_int_equal(probe_check(scn, NULL, 0, NULL, 0, NULL, NULL, err, sizeof err), -1);
    char want[768];
    snprintf(want, sizeof want,
             "node " ADDR ":%d (http://" ADDR ":%d) answered HTTP 503 to the check request "
             "'GET /t' before the run; expected 2xx or 3xx. Check the path, credentials and "
             "client certificate, or list 503 in the request's expect. It said: " WSO2_503,
             sv->port, sv->port);
    assert_string_equal(err, want);
    scenario_free(scn);
    scn = scenario_for("http", sv->port, "10s", "requests: [{path: /t, expect: [503]}]\n");
    assert_int_equal(probe_check(scn, NULL, 0, NULL, 0, NULL, NULL, err, sizeof err), 0);
    scenario_free(scn);
    int port = sv->port;
    srv_stop(sv);
    /* nothing listening */
    scn = scenario_for("http", port, "10s", NULL);
    assert_int_equal(probe_check(scn, NULL, 0, NULL, 0, NULL, NULL, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "node " ADDR ":%d (http://" ADDR ":%d) failed the check before the run: ", port, port);
    if (strncmp(err, want, strlen(want)) || !strstr(err, "(refused)"))
        fail_msg("%s", err);
    scenario_free(scn);
}

int main(void)
{
    /* as gatecap does (sigguard.h): a peer that closed first must not end
     * the test */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_the_scheme_and_a_missing_certificate),
        cmocka_unit_test(names_the_name_the_certificate_carries),
        cmocka_unit_test(judges_the_answer),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
