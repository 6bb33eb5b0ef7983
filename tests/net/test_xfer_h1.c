/*
 * net/test_xfer_h1.c — the native transport against a scripted HTTP server on
 * loopback (a thread of this test, answering each request as the test
 * case says): connection reuse, "Connection: close", bytes after a
 * response, servers closing idle connections, malformed answers, resets,
 * refused connects (never reported from inside xfer_start), request
 * timeouts, 429 details, chunked answers in pieces, invalid statuses and
 * oversized headers (also through libcurl, which must class them alike);
 * running out of file descriptors (the generator's failure, not the
 * node's; an idle connection is closed to make room first); and TLS
 * against a
 * server with a certificate made here: verification by the scenario's CA
 * and by address, its failures named, `insecure`, reuse, and
 * tls.server_name (verified for that name, sent as SNI).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scenario/scenario.h"
#include "testcerts.h"
#include "testtls.h"
#include "testutil.h"
#include "net/xfer.h"

#define ADDR "127.0.11.1"

/* ------------------------------------------------------ scripted server */

enum mode {
    M_OK,            /* 200 with Content-Length, kept alive */
    M_CLOSE_HDR,     /* 200 with "Connection: close", then close */
    M_EXTRA,         /* 200 followed by bytes no request asked for */
    M_BAD,           /* not HTTP */
    M_HANGUP,        /* close without answering */
    M_RESET,         /* TCP reset without answering */
    M_SILENT,        /* read the request, never answer */
    M_OK_THEN_CLOSE, /* 200 (kept alive by its headers), then close anyway */
    M_429,           /* WSO2-style throttled answer with Retry-After */
    M_CHUNKED,       /* chunked answer written in three pieces */
    M_999,           /* a well-framed answer with status 999 (outside 100..599) */
    M_HUGE,          /* 400 KB of response headers, in lines of 1 KB */
    M_TLS_ALERT,     /* a TLS alert record (what a TLS port says to plain HTTP), then close */
    M_503,           /* 503 with WSO2's fault body (a backend it cannot reach) */
};

#define WSO2_503                                                                                   \
    "{\"fault\":{\"code\":101503,\"message\":\"Runtime Error\",\"description\":\"Error "           \
    "connecting to the back end\"}}"

struct srv {
    int lfd;
    int port;
    pthread_t th;
    atomic_int mode;
    atomic_int conns;    /* connections accepted */
    atomic_int requests; /* requests read */
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

/* Answers one request on fd; returns false when fd is to be closed (it is
 * closed here). */
static bool answer(struct srv *sv, int fd)
{
    switch (atomic_load(&sv->mode)) {
    case M_OK:
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Node: n1\r\n\r\nok");
        return true;
    case M_CLOSE_HDR:
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        break;
    case M_EXTRA:
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n");
        return true;
    case M_BAD:
        send_all(fd, "SMTP ready\r\n\r\n");
        break;
    case M_HANGUP:
        break;
    case M_RESET: {
        struct linger l = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        break;
    }
    case M_SILENT:
        return true;
    case M_OK_THEN_CLOSE:
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        break;
    case M_429:
        send_all(fd,
                 "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n"
                 "Content-Length: 78\r\n\r\n"
                 "{\"fault\":{\"code\":900803,\"message\":\"Message throttled out\",\"x\":\"yy\"}}"
                 "          ");
        return true;
    case M_999:
        send_all(fd, "HTTP/1.1 999 Request denied\r\nContent-Length: 2\r\n\r\nno");
        return true;
    case M_HUGE: {
        static char big[400 * 1024 + 128];
        size_t k = 0;
        test_append(big, sizeof big, &k, "HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 400; i++)
            test_append(big, sizeof big, &k, "X-Big-%03d: %01000d\r\n", i, 0);
        test_append(big, sizeof big, &k, "Content-Length: 0\r\n\r\n");
        send_all(fd, big);
        break;
    }
    case M_503: {
        char a[512];
        snprintf(a, sizeof a,
                 "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n%s",
                 strlen(WSO2_503), WSO2_503);
        send_all(fd, a);
        return true;
    }
    case M_TLS_ALERT: {
        static const char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};
        send(fd, alert, sizeof alert, MSG_NOSIGNAL);
        break;
    }
    case M_CHUNKED:
        send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
        usleep(20000);
        send_all(fd, "lo\r\n6\r\n world\r");
        usleep(20000);
        send_all(fd, "\n0\r\n\r\n");
        return true;
    }
    close(fd);
    return false;
}

static void *srv_main(void *arg)
{
    struct srv *sv = arg;
    struct pollfd p[16];
    char buf[4096];
    size_t n = 1;
    p[0] = (struct pollfd){.fd = sv->lfd, .events = POLLIN};
    while (!atomic_load(&sv->stop)) {
        if (poll(p, n, 20) <= 0)
            continue;
        if (p[0].revents & POLLIN) {
            int fd = accept(sv->lfd, NULL, NULL);
            if (fd >= 0 && n < 16) {
                p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
                atomic_fetch_add(&sv->conns, 1);
            } else if (fd >= 0) {
                close(fd);
            }
        }
        for (size_t i = 1; i < n; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            /* Requests here are small GETs: one read is one request. */
            ssize_t r = recv(p[i].fd, buf, sizeof buf, 0);
            bool keep = r > 0;
            if (keep) {
                atomic_fetch_add(&sv->requests, 1);
                keep = answer(sv, p[i].fd);
            } else {
                close(p[i].fd);
            }
            if (!keep)
                p[i--] = p[--n];
        }
    }
    for (size_t i = 0; i < n; i++)
        close(p[i].fd);
    return NULL;
}

/* A scripted server on ADDR:port (0: any free port). */
static struct srv *srv_start_port(int port)
{
    struct srv *sv = calloc(1, sizeof *sv);
    sv->lfd = test_listen(ADDR, port, &sv->port);
    assert_int_equal(pthread_create(&sv->th, NULL, srv_main, sv), 0);
    return sv;
}

static struct srv *srv_start(void)
{
    return srv_start_port(0);
}

static void srv_stop(struct srv *sv)
{
    atomic_store(&sv->stop, true);
    pthread_join(sv->th, NULL);
    free(sv);
}

/* ------------------------------------------------------------- client */

struct client {
    struct ev_loop *loop;
    struct scenario *scn;
    struct xfer *x;
    bool in_start;          /* inside xfer_start */
    bool reported_in_start; /* a completion came from inside it */
    int done;
    struct xfer_result last;
    char error[256];
    char node[64];
    char body[512]; /* last.body, copied (NUL-terminated) */
};

static void on_done(void *user, size_t slot, const struct xfer_result *r)
{
    (void)slot;
    struct client *c = user;
    if (c->in_start)
        c->reported_in_start = true;
    c->done++;
    c->last = *r;
    snprintf(c->error, sizeof c->error, "%s", r->error ? r->error : "");
    snprintf(c->node, sizeof c->node, "%s", r->node ? r->node : "");
    snprintf(c->body, sizeof c->body, "%.*s", (int)r->body_len, r->body ? r->body : "");
    c->last.error = c->error;
    c->last.node = c->node;
    c->last.body = r->body ? c->body : NULL;
}

/* A scenario for scheme://ADDR:port with a request timeout of timeout (a
 * duration, or the inside of a `timeouts:` mapping such as "connect:
 * 200ms, request: 10s") and extra YAML (with `requests:` in it, instead
 * of the one GET /t). Owned (scenario_free). */
static struct scenario *scenario_for(const char *scheme, int port, const char *timeout,
                                     const char *extra)
{
    char yaml[1024], err[1024];
    struct scenario *scn = NULL;
    snprintf(yaml, sizeof yaml,
             "targets: [\"%s://" ADDR ":%d\"]\nnode_header: X-Node\n"
             "%stimeouts: {%s%s}\n"
             "load: {phases: [{duration: 1s, rate: 1/s}]}\n%s",
             scheme, port, extra && strstr(extra, "requests:") ? "" : "requests: [{path: /t}]\n",
             strchr(timeout, ':') ? "" : "request: ", timeout, extra ? extra : "");
    if (scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &scn, err, sizeof err))
        fail_msg("scenario: %s", err);
    return scn;
}

/* A client as scenario_for describes it. */
static void client_new_url(struct client *c, const char *scheme, int port, const char *timeout,
                           const char *extra)
{
    char err[1024];
    memset(c, 0, sizeof *c);
    c->scn = scenario_for(scheme, port, timeout, extra);
    c->loop = ev_loop_new(EVFLAG_AUTO);
    assert_int_equal(
        xfer_new(c->loop, c->scn, NULL, 0, NULL, 4, 1, on_done, c, &c->x, err, sizeof err), 0);
}

static void client_new(struct client *c, int port, const char *extra)
{
    client_new_url(c, "http", port, "200ms", extra);
}

static void client_free(struct client *c)
{
    xfer_free(c->x);
    ev_loop_destroy(c->loop);
    scenario_free(c->scn);
}

static void on_spin_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)t;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

/* Runs the loop for ms milliseconds. */
static void spin(struct client *c, double ms)
{
    ev_timer t;
    ev_timer_init(&t, on_spin_timeout, ms / 1000.0, 0.);
    ev_timer_start(c->loop, &t);
    ev_run(c->loop, 0);
    ev_timer_stop(c->loop, &t);
}

/* One request to target `target`; waits (up to 15 s) for its completion. */
static void request_to(struct client *c, size_t target)
{
    int before = c->done;
    struct xfer_req rq = {.request = 0, .target = target, .app = XFER_NO_APP};
    c->in_start = true;
    xfer_start(c->x, 0, &rq);
    c->in_start = false;
    for (int i = 0; i < 1500 && c->done == before; i++)
        spin(c, 10);
    assert_int_equal(c->done, before + 1);
    assert_false(c->reported_in_start);
}

static void request(struct client *c)
{
    request_to(c, 0);
}

/* ------------------------------------------------- file descriptors */

#define FILL_MAX 64

struct filled {
    int fds[FILL_MAX];
    int n;
    struct rlimit was;
};

/* Fills this process's descriptor table: the soft limit a few above the
 * lowest free descriptor (new ones take the lowest; those open above the
 * limit stay usable), and /dev/null opened until EMFILE. */
static void fill_fds(struct filled *f)
{
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &f->was), 0);
    int lowest = 0;
    while (fcntl(lowest, F_GETFD) >= 0)
        lowest++;
    struct rlimit rl = f->was;
    rl.rlim_cur = (rlim_t)lowest + 8;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    f->n = 0;
    while (f->n < FILL_MAX && (f->fds[f->n] = open("/dev/null", O_RDONLY)) >= 0)
        f->n++;
    assert_int_equal(errno, EMFILE);
}

static void unfill_fds(struct filled *f)
{
    while (f->n)
        close(f->fds[--f->n]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &f->was), 0);
}

/* ------------------------------------------------------------- tests */

/* The two transports, as the extra YAML of client_new; TRANSPORT names one. */
static const char *const transports[] = {NULL, "generator: {transport: curl}\n"};
#define TRANSPORT(t) ((t) ? "curl" : "native")

static void keep_alive_reuses_one_connection(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    client_new(&c, sv->port, NULL);
    for (int i = 0; i < 3; i++) {
        request(&c);
        assert_int_equal(c.last.outcome, OC_2XX);
        assert_int_equal(c.last.status, 200);
        assert_true(c.last.expected);
        assert_int_equal(c.last.new_connection, i == 0);
        assert_string_equal(c.node, "n1");
        assert_int_equal(c.last.bytes_received, 52); /* 50 of head, 2 of body */
        assert_true(c.last.bytes_sent > 30);
    }
    assert_int_equal(atomic_load(&sv->conns), 1);
    assert_int_equal(atomic_load(&sv->requests), 3);
    client_free(&c);
    srv_stop(sv);
}

static void connection_close_and_extra_bytes_end_the_connection(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    client_new(&c, sv->port, NULL);
    atomic_store(&sv->mode, M_CLOSE_HDR);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    atomic_store(&sv->mode, M_EXTRA);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_true(c.last.new_connection);
    atomic_store(&sv->mode, M_OK);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_true(c.last.new_connection); /* not the one with stray bytes */
    assert_int_equal(atomic_load(&sv->conns), 3);
    client_free(&c);
    srv_stop(sv);
}

static void idle_connection_closed_by_the_server_is_not_used(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    client_new(&c, sv->port, NULL);
    atomic_store(&sv->mode, M_OK_THEN_CLOSE);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    spin(&c, 50); /* the close arrives while the connection is idle */
    atomic_store(&sv->mode, M_OK);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_true(c.last.new_connection);
    client_free(&c);
    srv_stop(sv);
}

static void failures_are_classified_and_named(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    client_new(&c, sv->port, NULL);
    atomic_store(&sv->mode, M_BAD);
    request(&c);
    assert_int_equal(c.last.outcome, OC_OTHER);
    assert_int_equal(c.last.status, 0);
    assert_non_null(strstr(c.error, "invalid response from " ADDR));
    atomic_store(&sv->mode, M_HANGUP);
    request(&c);
    assert_int_equal(c.last.outcome, OC_RESET);
    assert_non_null(strstr(c.error, "closed the connection without a response"));
    atomic_store(&sv->mode, M_RESET);
    request(&c);
    assert_int_equal(c.last.outcome, OC_RESET);
    atomic_store(&sv->mode, M_SILENT);
    request(&c);
    assert_int_equal(c.last.outcome, OC_TIMEOUT);
    assert_non_null(strstr(c.error, "timed out after 200 ms (no response)"));
    assert_true(c.last.done_ns - c.last.sent_ns >= 200000000);
    client_free(&c);
    srv_stop(sv);
}

/* An answer with a status outside 100..599 is an invalid response
 * (class "other"), not a 5xx; response headers beyond the transport's
 * limit are an invalid response too, not a reset: the same on the native
 * transport and on libcurl (which said "reset" for its CURLE_RECV_ERROR
 * "Too large response headers"). */
static void invalid_answers_are_other_on_both_transports(void **state)
{
    (void)state;
    for (size_t t = 0; t < 2; t++) {
        struct srv *sv = srv_start();
        struct client c;
        client_new(&c, sv->port, transports[t]);
        atomic_store(&sv->mode, M_999);
        request(&c);
        if (c.last.outcome != OC_OTHER || !strstr(c.error, "status 999 is outside 100..599"))
            fail_msg("%s: 999 gave outcome %s, error '%s'", t ? "curl" : "native",
                     rec_outcome_name(c.last.outcome), c.error);
        assert_false(c.last.expected);
        atomic_store(&sv->mode, M_HUGE);
        request(&c);
        if (c.last.outcome != OC_OTHER || !strcasestr(c.error, "too large"))
            fail_msg("%s: huge headers gave outcome %s, error '%s'", t ? "curl" : "native",
                     rec_outcome_name(c.last.outcome), c.error);
        client_free(&c);
        srv_stop(sv);
    }
}

static void refused_is_reported_from_the_loop(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    int port = sv->port;
    srv_stop(sv); /* nothing listens there now */
    struct client c;
    client_new(&c, port, NULL);
    request(&c); /* asserts the completion did not come from inside xfer_start */
    assert_int_equal(c.last.outcome, OC_REFUSED);
    assert_non_null(strstr(c.error, "onnection refused"));
    client_free(&c);
}

/* No descriptor left: the request is never sent, and that is gatecap's
 * failure (local), not a refusal by the node; reported from the loop. */
static void out_of_descriptors_is_local(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    client_new(&c, sv->port, NULL);
    struct filled f;
    fill_fds(&f);
    request(&c); /* asserts the completion did not come from inside xfer_start */
    unfill_fds(&f);
    assert_true(c.last.local);
    assert_int_equal(c.last.status, 0);
    if (!strstr(c.error, "cannot open a socket: Too many open files"))
        fail_msg("error: %s", c.error);
    assert_int_equal(atomic_load(&sv->conns), 0);
    request(&c); /* with descriptors again, all is well */
    assert_false(c.last.local);
    assert_int_equal(c.last.outcome, OC_2XX);
    client_free(&c);
    srv_stop(sv);
}

/* Out of descriptors with an idle connection to another node: that one
 * is closed to make room, and the request goes out. */
static void an_idle_connection_makes_room(void **state)
{
    (void)state;
    struct srv *a = srv_start(), *b = srv_start();
    char err[1024], yaml[1024];
    struct client c;
    memset(&c, 0, sizeof c);
    snprintf(yaml, sizeof yaml,
             "targets: [\"http://" ADDR ":%d\", \"http://" ADDR ":%d\"]\n"
             "requests: [{path: /t}]\ntimeouts: {request: 10s}\n"
             "load: {phases: [{duration: 1s, rate: 1/s}]}\n",
             a->port, b->port);
    if (scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &c.scn, err, sizeof err))
        fail_msg("scenario: %s", err);
    c.loop = ev_loop_new(EVFLAG_AUTO);
    assert_int_equal(
        xfer_new(c.loop, c.scn, NULL, 0, NULL, 4, 1, on_done, &c, &c.x, err, sizeof err), 0);
    request_to(&c, 0); /* leaves an idle connection to a */
    assert_int_equal(c.last.outcome, OC_2XX);
    struct filled f;
    fill_fds(&f);
    /* The server (a thread here) gets its descriptor for accepting back
     * when it sees the idle connection closed. */
    request_to(&c, 1);
    unfill_fds(&f);
    assert_false(c.last.local);
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_true(c.last.new_connection);
    assert_int_equal(atomic_load(&b->conns), 1);
    request_to(&c, 0); /* a's connection was the one closed */
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_true(c.last.new_connection);
    client_free(&c);
    srv_stop(a);
    srv_stop(b);
}

static void throttled_answer_details(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    client_new(&c, sv->port, NULL);
    atomic_store(&sv->mode, M_429);
    request(&c);
    assert_int_equal(c.last.outcome, OC_429);
    assert_int_equal(c.last.retry_after_s, 7);
    assert_int_equal(c.last.throttle_kind, 900803 - REC_THROTTLE_CODE0);
    client_free(&c);
    srv_stop(sv);
}

/* What a gateway said: the start of every answer's body whose status is
 * not a 2xx, or not expected, on both transports (for WSO2's fault codes
 * and the examples); nothing of an expected 2xx's. */
static void error_answers_keep_their_start(void **state)
{
    (void)state;
    for (size_t t = 0; t < 2; t++) {
        struct srv *sv = srv_start();
        struct client c;
        char extra[256];
        client_new(&c, sv->port, transports[t]);
        atomic_store(&sv->mode, M_503);
        request(&c);
        assert_int_equal(c.last.outcome, OC_5XX);
        if (!c.last.body || strcmp(c.body, WSO2_503))
            fail_msg("%s: 503 body '%s'", TRANSPORT(t), c.body);
        assert_int_equal(c.last.body_len, strlen(WSO2_503));
        atomic_store(&sv->mode, M_OK);
        request(&c);
        assert_int_equal(c.last.outcome, OC_2XX);
        assert_null(c.last.body);
        client_free(&c);
        /* a request that expects 201: its 200 is kept as well */
        snprintf(extra, sizeof extra, "requests: [{path: /t, expect: [201]}]\n%s",
                 transports[t] ? transports[t] : "");
        client_new_url(&c, "http", sv->port, "200ms", extra);
        request(&c);
        assert_false(c.last.expected);
        if (!c.last.body || strcmp(c.body, "ok"))
            fail_msg("%s: unexpected 200's body '%s'", TRANSPORT(t), c.body);
        client_free(&c);
        srv_stop(sv);
    }
}

static void chunked_answer_in_pieces(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    client_new(&c, sv->port, NULL);
    atomic_store(&sv->mode, M_CHUNKED);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_true(c.last.ttfb_us > 0);
    request(&c); /* and the connection is still good */
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_false(c.last.new_connection);
    client_free(&c);
    srv_stop(sv);
}

/* ------------------------------------------------------------------ TLS */

static struct tls_srv *tls_start(const char *san, const char *ca_path)
{
    return tls_start_opts(ADDR, san, ca_path, 0, false, 0);
}

static void tls_verified_reused_and_failures_named(void **state)
{
    (void)state;
    char ca[128], other[128], extra[256];
    snprintf(ca, sizeof ca, "%s/ca.pem", test_dir);
    snprintf(other, sizeof other, "%s/other.pem", test_dir);
    struct tls_srv *sv = tls_start("IP:" ADDR, ca);
    struct client c;
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\"}\n", ca);
    client_new_url(&c, "https", sv->port, "10s", extra);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_true(c.last.new_connection);
    assert_true(c.last.tls_us > 0);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_false(c.last.new_connection);
    client_free(&c);
    assert_int_equal(atomic_load(&sv->handshakes), 1);
    /* a CA that did not sign the server's certificate */
    struct tls_srv *sv2 = tls_start("IP:" ADDR, other);
    tls_stop(sv2);
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\"}\n", other);
    client_new_url(&c, "https", sv->port, "10s", extra);
    request(&c);
    assert_int_equal(c.last.outcome, OC_TLS);
    assert_non_null(strstr(c.error, "TLS handshake with " ADDR));
    assert_non_null(strstr(c.error, "certificate verify failed"));
    client_free(&c);
    tls_stop(sv);
    /* the right CA, but a certificate for another address */
    sv = tls_start("IP:127.0.11.9", ca);
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\"}\n", ca);
    client_new_url(&c, "https", sv->port, "10s", extra);
    request(&c);
    assert_int_equal(c.last.outcome, OC_TLS);
    assert_non_null(strstr(c.error, "certificate verify failed: IP address mismatch"));
    client_free(&c);
    /* ... which `insecure` accepts */
    client_new_url(&c, "https", sv->port, "10s", "tls: {insecure: true}\n");
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    client_free(&c);
    tls_stop(sv);
}

/* tls.server_name: a certificate that names only localhost, reached by
 * address: verified for the name, which goes out as SNI. */
static void tls_server_name_verified_and_sent(void **state)
{
    (void)state;
    char ca[128], extra[256];
    snprintf(ca, sizeof ca, "%s/ca-name.pem", test_dir);
    struct tls_srv *sv = tls_start("DNS:localhost", ca);
    struct client c;
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\"}\n", ca);
    client_new_url(&c, "https", sv->port, "10s", extra);
    request(&c);
    assert_int_equal(c.last.outcome, OC_TLS);
    assert_non_null(strstr(c.error, "certificate verify failed: IP address mismatch"));
    client_free(&c);
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\", server_name: localhost}\n", ca);
    client_new_url(&c, "https", sv->port, "10s", extra);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_true(atomic_load(&sv->handshakes) >= 1); /* (and sni written before it) */
    assert_string_equal(sv->sni, "localhost");
    client_free(&c);
    /* another name is refused as a mismatch */
    snprintf(extra, sizeof extra, "tls: {ca: \"%s\", server_name: gw1.example.com}\n", ca);
    client_new_url(&c, "https", sv->port, "10s", extra);
    request(&c);
    assert_int_equal(c.last.outcome, OC_TLS);
    assert_non_null(strstr(c.error, "certificate verify failed: hostname mismatch"));
    client_free(&c);
    tls_stop(sv);
}

/* ------------------------------------------- the wrong scheme, mTLS */

/* The last error must contain want; names the transport when not. */
static void error_has(const struct client *c, size_t t, enum rec_outcome oc, const char *want)
{
    if (c->last.outcome != oc || !strstr(c->error, want))
        fail_msg("%s: outcome %s, error '%s'; want %s with '%s'", TRANSPORT(t),
                 rec_outcome_name(c->last.outcome), c->error, rec_outcome_name(oc), want);
}

/* Plain HTTP to a port that speaks TLS: the native transport sees the TLS
 * bytes (0x15 0x03: an alert) on any port; libcurl only says the answer
 * was not HTTP ("Received HTTP/0.9"), or a reset, and goes by the port:
 * 8243 is the gateway's HTTPS port. */
static void plain_http_to_a_tls_port_is_named(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    char want[128];
    client_new(&c, sv->port, NULL);
    atomic_store(&sv->mode, M_TLS_ALERT);
    request(&c);
    snprintf(want, sizeof want, "port %d answered in TLS, not plain HTTP: use https://", sv->port);
    error_has(&c, 0, OC_OTHER, want);
    client_free(&c);
    srv_stop(sv);
    sv = srv_start_port(8243);
    for (size_t t = 0; t < 2; t++) {
        client_new(&c, 8243, transports[t]);
        atomic_store(&sv->mode, M_TLS_ALERT);
        request(&c);
        error_has(&c, t, OC_OTHER, "8243 is the gateway's HTTPS port: use https://");
        atomic_store(&sv->mode, M_RESET);
        request(&c);
        error_has(&c, t, OC_RESET, "8243 is the gateway's HTTPS port: use https://");
        client_free(&c);
    }
    srv_stop(sv);
}

/* TLS to a port that speaks plain HTTP: an HTTP answer to the ClientHello
 * (OpenSSL: "wrong version number"; the native transport sees "HTTP/"),
 * or silence until the connect timeout. */
static void tls_to_a_plain_port_is_named(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    char want[128];
    client_new_url(&c, "https", sv->port, "10s", NULL);
    request(&c);
    snprintf(want, sizeof want, "port %d answered in plain HTTP, not TLS: use http://", sv->port);
    error_has(&c, 0, OC_TLS, want);
    client_free(&c);
    /* during a run, a handshake that gets no answer is mostly a busy
     * gateway: only a port whose usual role is plain HTTP gets the hint */
    for (size_t t = 0; t < 2; t++) {
        client_new_url(&c, "https", sv->port, "connect: 300ms, request: 10s", transports[t]);
        atomic_store(&sv->mode, M_SILENT);
        request(&c);
        if (c.last.outcome != OC_TIMEOUT || strstr(c.error, "http://"))
            fail_msg("%s: silence on port %d: %s, '%s'", TRANSPORT(t), sv->port,
                     rec_outcome_name(c.last.outcome), c.error);
        client_free(&c);
    }
    srv_stop(sv);
    sv = srv_start_port(8280);
    for (size_t t = 0; t < 2; t++) {
        client_new_url(&c, "https", 8280, "connect: 300ms, request: 10s", transports[t]);
        atomic_store(&sv->mode, M_OK);
        request(&c);
        error_has(&c, t, OC_TLS, "8280 is the gateway's HTTP port: use http://");
        atomic_store(&sv->mode, M_SILENT);
        request(&c);
        error_has(&c, t, OC_TIMEOUT,
                  "no answer within 300 ms: 8280 is the gateway's HTTP port: use http://");
        client_free(&c);
    }
    srv_stop(sv);
}

#define CLIENT_CERT_HINT                                                                           \
    "the gateway requires a client certificate (mutual TLS): set tls.cert and tls.key"

/* A gateway that requires a client certificate, asked without one: TLS
 * 1.3 (its alert certificate_required comes after the client's Finished:
 * libcurl saw a closed connection, "getpeername() failed") and TLS 1.2
 * (a handshake failure after its CertificateRequest). */
static void missing_client_certificate_is_named(void **state)
{
    (void)state;
    char ca[128], extra[256];
    snprintf(ca, sizeof ca, "%s/mtls-ca.pem", test_dir);
    static const int versions[] = {0, TLS1_2_VERSION};
    for (size_t v = 0; v < 2; v++) {
        struct tls_srv *sv = tls_start_opts(ADDR, "IP:" ADDR, ca, 0, true, versions[v]);
        for (size_t t = 0; t < 2; t++) {
            struct client c;
            snprintf(extra, sizeof extra, "tls: {ca: \"%s\"}\n%s", ca,
                     transports[t] ? transports[t] : "");
            client_new_url(&c, "https", sv->port, "10s", extra);
            request(&c);
            error_has(&c, t, OC_TLS, CLIENT_CERT_HINT);
            client_free(&c);
        }
        tls_stop(sv);
    }
}

/* A client certificate the server requires is presented, its key plain
 * or encrypted (tls.key_password), on both transports; from what the
 * scenario read when it was loaded: the files are gone by the time the
 * transport is made and connects. */
static void client_certificate_from_memory(void **state)
{
    (void)state;
    char ca[128], extra[768], path[160];
    snprintf(ca, sizeof ca, "%s/cc-ca.pem", test_dir);
    struct tls_srv *sv = tls_start_opts(ADDR, "IP:" ADDR, ca, 0, true, 0);
    for (size_t k = 0; k < 2; k++)
        for (size_t t = 0; t < 2; t++) {
            char key[256];
            if (k)
                snprintf(key, sizeof key, "key: \"%s.client.enc.key\", key_password: s3cret", ca);
            else
                snprintf(key, sizeof key, "key: \"%s.client.key\"", ca);
            snprintf(extra, sizeof extra, "tls: {ca: \"%s\", cert: \"%s.client.pem\", %s}\n%s", ca,
                     ca, key, transports[t] ? transports[t] : "");
            struct client c;
            memset(&c, 0, sizeof c);
            c.scn = scenario_for("https", sv->port, "10s", extra);
            /* what the run may read is in the scenario now */
            char moved[4][200];
            const char *files[] = {"", ".client.pem", ".client.key", ".client.enc.key"};
            for (size_t f = 0; f < 4; f++) {
                snprintf(path, sizeof path, "%s%s", ca, files[f]);
                snprintf(moved[f], sizeof moved[f], "%s.away", path);
                assert_int_equal(rename(path, moved[f]), 0);
            }
            char err[512];
            c.loop = ev_loop_new(EVFLAG_AUTO);
            assert_int_equal(
                xfer_new(c.loop, c.scn, NULL, 0, NULL, 4, 1, on_done, &c, &c.x, err, sizeof err),
                0);
            request(&c);
            if (c.last.outcome != OC_2XX)
                fail_msg("key %zu, transport %zu: %s", k, t, c.error);
            for (size_t f = 0; f < 4; f++) {
                snprintf(path, sizeof path, "%s%s", ca, files[f]);
                assert_int_equal(rename(moved[f], path), 0);
            }
            client_free(&c);
        }
    tls_stop(sv);
}

int main(void)
{
    /* as gatecap does (sigguard.h): OpenSSL writes on its sockets with
     * write(), so a peer that closed first (a refused handshake, a
     * server's alert after the client gave up) would end the test */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keep_alive_reuses_one_connection),
        cmocka_unit_test(connection_close_and_extra_bytes_end_the_connection),
        cmocka_unit_test(idle_connection_closed_by_the_server_is_not_used),
        cmocka_unit_test(failures_are_classified_and_named),
        cmocka_unit_test(invalid_answers_are_other_on_both_transports),
        cmocka_unit_test(refused_is_reported_from_the_loop),
        cmocka_unit_test(out_of_descriptors_is_local),
        cmocka_unit_test(an_idle_connection_makes_room),
        cmocka_unit_test(throttled_answer_details),
        cmocka_unit_test(error_answers_keep_their_start),
        cmocka_unit_test(chunked_answer_in_pieces),
        cmocka_unit_test(tls_verified_reused_and_failures_named),
        cmocka_unit_test(tls_server_name_verified_and_sent),
        cmocka_unit_test(plain_http_to_a_tls_port_is_named),
        cmocka_unit_test(tls_to_a_plain_port_is_named),
        cmocka_unit_test(missing_client_certificate_is_named),
        cmocka_unit_test(client_certificate_from_memory),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
