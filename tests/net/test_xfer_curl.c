/*
 * net/test_xfer_curl.c — the libcurl transport (harness/net/xfer_curl.c): which
 * failures are gatecap's own (no descriptor, no memory, no ephemeral
 * port) rather than the node's, and that running out of descriptors is
 * reported so (libcurl itself only says it "couldn't connect"), from the
 * loop, with nothing sent; a refused connection stays the node's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/xfer.h"
#include "scenario/scenario.h"
#include "testutil.h"

#define ADDR "127.0.11.2"

/* ------------------------------------------- a server answering 200 */

struct srv {
    int lfd, port;
    pthread_t th;
    atomic_int conns;
    atomic_bool stop;
};

static void *srv_main(void *arg)
{
    struct srv *sv = arg;
    struct pollfd p[8];
    size_t n = 1;
    char buf[4096];
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    p[0] = (struct pollfd){.fd = sv->lfd, .events = POLLIN};
    while (!atomic_load(&sv->stop)) {
        if (poll(p, n, 20) <= 0)
            continue;
        if (p[0].revents & POLLIN) {
            int fd = accept(sv->lfd, NULL, NULL);
            if (fd >= 0 && n < 8) {
                p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
                atomic_fetch_add(&sv->conns, 1);
            } else if (fd >= 0) {
                close(fd);
            }
        }
        for (size_t i = 1; i < n; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (recv(p[i].fd, buf, sizeof buf, 0) > 0) {
                if (send(p[i].fd, ok, sizeof ok - 1, MSG_NOSIGNAL) > 0)
                    continue;
            }
            close(p[i].fd);
            p[i--] = p[--n];
        }
    }
    for (size_t i = 0; i < n; i++)
        close(p[i].fd);
    return NULL;
}

static struct srv *srv_start(void)
{
    struct srv *sv = calloc(1, sizeof *sv);
    sv->lfd = test_listen(ADDR, 0, &sv->port);
    assert_int_equal(pthread_create(&sv->th, NULL, srv_main, sv), 0);
    return sv;
}

static void srv_stop(struct srv *sv)
{
    atomic_store(&sv->stop, true);
    pthread_join(sv->th, NULL);
    free(sv);
}

/* ---------------------------------------------------------- a client */

struct client {
    struct ev_loop *loop;
    struct scenario *scn;
    struct xfer *x;
    bool in_start, reported_in_start;
    int done;
    struct xfer_result last;
    char error[256];
};

static void on_done(void *user, size_t slot, const struct xfer_result *r)
{
    (void)slot;
    struct client *c = user;
    c->reported_in_start |= c->in_start;
    c->done++;
    c->last = *r;
    snprintf(c->error, sizeof c->error, "%s", r->error ? r->error : "");
    c->last.error = c->error;
    c->last.node = NULL;
}

/* A client on connections: new, so that every request needs a socket. */
static void client_new(struct client *c, int port)
{
    char yaml[512], err[1024];
    snprintf(yaml, sizeof yaml,
             "targets: [\"http://" ADDR ":%d\"]\nrequests: [{path: /t}]\n"
             "generator: {transport: curl}\ntimeouts: {request: 10s}\n"
             "tls: {connections: new}\n"
             "load: {phases: [{duration: 1s, rate: 1/s}]}\n",
             port);
    memset(c, 0, sizeof *c);
    if (scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &c->scn, err, sizeof err))
        fail_msg("scenario: %s", err);
    c->loop = ev_loop_new(EVFLAG_AUTO);
    assert_int_equal(
        xfer_new(c->loop, c->scn, NULL, 0, NULL, 2, 1, on_done, c, &c->x, err, sizeof err), 0);
}

static void client_free(struct client *c)
{
    xfer_free(c->x);
    ev_loop_destroy(c->loop);
    scenario_free(c->scn);
}

static void on_spin(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)t;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

/* One request; waits (up to 15 s) for its completion, which must come
 * from the loop. */
static void request(struct client *c)
{
    int before = c->done;
    struct xfer_req rq = {.request = 0, .target = 0, .app = XFER_NO_APP};
    c->in_start = true;
    xfer_start(c->x, 0, &rq);
    c->in_start = false;
    for (int i = 0; i < 1500 && c->done == before; i++) {
        ev_timer t;
        ev_timer_init(&t, on_spin, 0.01, 0.);
        ev_timer_start(c->loop, &t);
        ev_run(c->loop, 0);
        ev_timer_stop(c->loop, &t);
    }
    assert_int_equal(c->done, before + 1);
    assert_false(c->reported_in_start);
}

/* -------------------------------------------------------------- tests */

static void which_failures_are_local(void **state)
{
    (void)state;
    /* libcurl says "couldn't connect" when socket() failed; the errno of
     * that socket() tells */
    assert_true(xfer_curl_local(CURLE_COULDNT_CONNECT, 0, EMFILE));
    assert_true(xfer_curl_local(CURLE_COULDNT_CONNECT, 0, ENFILE));
    assert_true(xfer_curl_local(CURLE_COULDNT_CONNECT, 0, ENOBUFS));
    assert_true(xfer_curl_local(CURLE_COULDNT_CONNECT, 0, ENOMEM));
    /* connect() failing for want of an ephemeral port, or of buffers */
    assert_true(xfer_curl_local(CURLE_COULDNT_CONNECT, EADDRNOTAVAIL, 0));
    assert_true(xfer_curl_local(CURLE_COULDNT_CONNECT, ENOBUFS, 0));
    assert_true(xfer_curl_local(CURLE_OUT_OF_MEMORY, 0, 0));
    /* the node's */
    assert_false(xfer_curl_local(CURLE_COULDNT_CONNECT, ECONNREFUSED, 0));
    assert_false(xfer_curl_local(CURLE_COULDNT_CONNECT, 0, 0));
    assert_false(xfer_curl_local(CURLE_OPERATION_TIMEDOUT, 0, 0));
    assert_false(xfer_curl_local(CURLE_RECV_ERROR, ECONNRESET, 0));
    assert_false(xfer_curl_local(CURLE_OK, 0, 0));
    /* an old socket() failure does not make a later success local */
    assert_false(xfer_curl_local(CURLE_OK, 0, EMFILE));
    assert_true(xfer_errno_local(EADDRNOTAVAIL));
    assert_false(xfer_errno_local(ECONNREFUSED));
    assert_false(xfer_errno_local(0));
}

static void out_of_descriptors_is_local(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    struct client c;
    client_new(&c, sv->port);
    request(&c);
    assert_int_equal(c.last.outcome, OC_2XX);
    assert_false(c.last.local);

    /* the soft limit a few above the lowest free descriptor (the one the
     * next socket would get), and those few taken */
    struct rlimit was, rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
    int lowest = 0;
    while (fcntl(lowest, F_GETFD) >= 0)
        lowest++;
    rl = was;
    rl.rlim_cur = (rlim_t)lowest + 8;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    int fds[64], n = 0;
    while (n < 64 && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
        n++;
    assert_int_equal(errno, EMFILE);
    int conns = atomic_load(&sv->conns);
    request(&c); /* connections: new, so it needs a socket */
    while (n)
        close(fds[--n]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
    assert_true(c.last.local);
    if (!strstr(c.error, "cannot open a socket: Too many open files"))
        fail_msg("error: %s", c.error);
    assert_int_equal(atomic_load(&sv->conns), conns); /* nothing reached the server */
    request(&c);
    assert_false(c.last.local);
    assert_int_equal(c.last.outcome, OC_2XX);
    client_free(&c);
    srv_stop(sv);
}

static void refused_is_the_nodes(void **state)
{
    (void)state;
    struct srv *sv = srv_start();
    int port = sv->port;
    srv_stop(sv); /* its listening socket closed: refused */
    struct client c;
    client_new(&c, port);
    request(&c);
    assert_int_equal(c.last.outcome, OC_REFUSED);
    assert_false(c.last.local);
    client_free(&c);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(which_failures_are_local),
        cmocka_unit_test(out_of_descriptors_is_local),
        cmocka_unit_test(refused_is_the_nodes),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
