/* tests/output/test_metrics_export.c — the push and scrape threads
 * (harness/output/metrics_export.c) against a receiver in this test: the
 * remote-write headers and a request libsnappy and libprotobuf-c read
 * back; a receiver that answers 500 (every push failed, the reason kept);
 * one that stalls (offers return while it holds a push, the oldest
 * snapshots are dropped and counted, the final push is cut off at its
 * deadline and the counts add up); one that is not there; and the scrape
 * endpoint's text, its final sample read once. Run under ThreadSanitizer
 * by make tsan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <prompb.pb-c.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "measure/recorder.h"
#include "output/metrics.h"
#include "output/metrics_export.h"
#include "run/engine.h"
#include "scenario/scenario.h"

enum mode { ANSWER_200, ANSWER_500, STALL };

struct receiver {
    int fd;
    int port;
    enum mode mode;
    atomic_bool stop;
    atomic_int requests; /* requests read whole */
    pthread_t thread;
    pthread_mutex_t mu;
    char head[4096]; /* the last request's head */
    char *body;      /* the last request's body */
    size_t body_len;
};

static void *receiver_main(void *arg)
{
    struct receiver *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        if (poll(&p, 1, 50) != 1)
            continue;
        int c = accept(r->fd, NULL, NULL);
        if (c < 0)
            continue;
        for (;;) { /* keep-alive: requests one after the other */
            char buf[65536];
            size_t got = 0;
            char *end = NULL;
            while (!(end = memmem(buf, got, "\r\n\r\n", 4))) {
                struct pollfd q = {.fd = c, .events = POLLIN};
                while (poll(&q, 1, 50) != 1)
                    if (atomic_load(&r->stop))
                        goto closed;
                ssize_t n = recv(c, buf + got, sizeof buf - got, 0);
                if (n <= 0)
                    goto closed;
                got += (size_t)n;
            }
            size_t head_len = (size_t)(end + 4 - buf);
            const char *cl = strcasestr(buf, "Content-Length: ");
            size_t body_len = cl ? strtoul(cl + 16, NULL, 10) : 0;
            while (got < head_len + body_len) {
                ssize_t n = recv(c, buf + got, sizeof buf - got, 0);
                if (n <= 0)
                    goto closed;
                got += (size_t)n;
            }
            pthread_mutex_lock(&r->mu);
            snprintf(r->head, sizeof r->head, "%.*s", (int)head_len, buf);
            free(r->body);
            r->body = malloc(body_len + 1);
            memcpy(r->body, buf + head_len, body_len);
            r->body_len = body_len;
            pthread_mutex_unlock(&r->mu);
            atomic_fetch_add(&r->requests, 1);
            if (r->mode == STALL) { /* hold it until the test ends */
                while (!atomic_load(&r->stop))
                    poll(NULL, 0, 20);
                goto closed;
            }
            const char *a = r->mode == ANSWER_200
                                ? "HTTP/1.1 204 No Content\r\n\r\n"
                                : "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 8\r\n\r\n"
                                  "too busy";
            if (send(c, a, strlen(a), MSG_NOSIGNAL) < 0)
                goto closed;
        }
    closed:
        close(c);
    }
    return NULL;
}

static void receiver_start(struct receiver *r, enum mode mode)
{
    memset(r, 0, sizeof *r);
    r->mode = mode;
    pthread_mutex_init(&r->mu, NULL);
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(r->fd, 8), 0);
    socklen_t l = sizeof a;
    getsockname(r->fd, (struct sockaddr *)&a, &l);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, receiver_main, r), 0);
}

static void receiver_stop(struct receiver *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->thread, NULL);
    close(r->fd);
    free(r->body);
    pthread_mutex_destroy(&r->mu);
}

/* A snapshot of a tiny run whose cell counted `done` requests. */
struct run {
    struct scenario scn;
    struct scn_phase phase;
    struct scn_request req;
    struct engine_result r;
    char names[1][REC_NODE_NAME_LEN];
};

static void run_init(struct run *x)
{
    memset(x, 0, sizeof *x);
    x->phase.name = (char *)(uintptr_t) "steady";
    x->req.name = (char *)(uintptr_t) "echo";
    x->scn.phases = &x->phase;
    x->scn.n_phases = 1;
    x->scn.requests = &x->req;
    x->scn.n_requests = 1;
    assert_int_equal(rec_set_new(1, 1, &x->r.total), 0);
    snprintf(x->names[0], REC_NODE_NAME_LEN, "gw1");
    x->r.node_names = x->names;
    x->r.n_nodes = 1;
}

static struct metrics_snap *snap(struct run *x, int64_t done)
{
    struct rec_cell *c = rec_cell_get(x->r.total, 0, 0, 0);
    c->completed = c->outcomes[OC_2XX] = done;
    hdr_reset(c->latency);
    hdr_record_n(c->latency, 1500, done);
    struct metrics_ident id = {.run_id = "r1", .scenario = "s", .shard = 0};
    struct metrics_snap *s;
    assert_int_equal(metrics_snap_build(&x->scn, &id, &x->r, NULL, 1700000000000 + done, true, &s),
                     0);
    return s;
}

static struct metrics_export *start(const char *url, const char *listen, size_t queue,
                                    double timeout_s, double linger_s)
{
    struct metrics_export_conf c = {.push_url = url,
                                    .listen = listen,
                                    .bearer_token = listen ? NULL : "s3cret-token",
                                    .timeout_s = timeout_s,
                                    .queue = queue,
                                    .linger_s = linger_s};
    struct metrics_export *e;
    char err[256];
    assert_int_equal(metrics_export_start(&c, &e, err, sizeof err), 0);
    return e;
}

static void push_accepted(void **state)
{
    (void)state;
    struct receiver rcv;
    receiver_start(&rcv, ANSWER_200);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/write", rcv.port);
    struct run x;
    run_init(&x);
    struct metrics_export *e = start(url, NULL, 4, 10, 0);
    metrics_export_offer(e, snap(&x, 10));
    metrics_export_finish(e, snap(&x, 20));
    struct metrics_export_stats st;
    metrics_export_stats(e, &st);
    assert_int_equal(st.offered, 2);
    assert_int_equal(st.pushed, 2);
    assert_int_equal(st.failed + st.dropped, 0);
    assert_int_equal(st.final_pushed, 1);
    assert_int_equal(atomic_load(&rcv.requests), 2);
    /* the last request: headers, and the final sample in it */
    pthread_mutex_lock(&rcv.mu);
    assert_non_null(strstr(rcv.head, "POST /api/v1/write HTTP/1.1\r\n"));
    assert_non_null(strcasestr(rcv.head, "Content-Encoding: snappy\r\n"));
    assert_non_null(strcasestr(rcv.head, "Content-Type: application/x-protobuf\r\n"));
    assert_non_null(strcasestr(rcv.head, "X-Prometheus-Remote-Write-Version: 0.1.0\r\n"));
    assert_non_null(strcasestr(rcv.head, "Authorization: Bearer s3cret-token\r\n"));
    size_t plen;
    assert_int_equal(snappy_uncompressed_length(rcv.body, rcv.body_len, &plen), SNAPPY_OK);
    char *plain = malloc(plen);
    assert_int_equal(snappy_uncompress(rcv.body, rcv.body_len, plain, &plen), SNAPPY_OK);
    pthread_mutex_unlock(&rcv.mu);
    Prometheus__WriteRequest *wr = prometheus__write_request__unpack(NULL, plen, (uint8_t *)plain);
    assert_non_null(wr);
    bool seen = false;
    for (size_t i = 0; i < wr->n_timeseries; i++) {
        const Prometheus__TimeSeries *t = wr->timeseries[i];
        if (!strcmp(t->labels[0]->value, "gatecap_requests_total")) {
            assert_true(t->samples[0]->value == 20);
            assert_int_equal(t->samples[0]->timestamp, 1700000000020);
            seen = true;
        }
    }
    assert_true(seen);
    prometheus__write_request__free_unpacked(wr, NULL);
    free(plain);
    metrics_export_free(e);
    receiver_stop(&rcv);
    rec_set_free(x.r.total);
}

static void push_refused_500(void **state)
{
    (void)state;
    struct receiver rcv;
    receiver_start(&rcv, ANSWER_500);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/write", rcv.port);
    struct run x;
    run_init(&x);
    struct metrics_export *e = start(url, NULL, 4, 10, 0);
    metrics_export_offer(e, snap(&x, 1));
    metrics_export_finish(e, snap(&x, 2));
    struct metrics_export_stats st;
    metrics_export_stats(e, &st);
    assert_int_equal(st.offered, 2);
    assert_int_equal(st.pushed, 0);
    assert_int_equal(st.failed, 2);
    assert_int_equal(st.final_pushed, 0);
    assert_string_equal(st.last_error, "HTTP 500: too busy");
    metrics_export_free(e);
    receiver_stop(&rcv);
    rec_set_free(x.r.total);
}

static void push_stalled_and_absent(void **state)
{
    (void)state;
    struct receiver rcv;
    receiver_start(&rcv, STALL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/write", rcv.port);
    struct run x;
    run_init(&x);
    /* a push that never ends (30 s limit), a queue of 2: the offers return
     * while it hangs, and all but the newest two are dropped */
    struct metrics_export *e = start(url, NULL, 2, 30, 0);
    metrics_export_offer(e, snap(&x, 1));
    while (atomic_load(&rcv.requests) < 1) /* the first push is held */
        poll(NULL, 0, 5);
    for (int i = 2; i <= 9; i++)
        metrics_export_offer(e, snap(&x, i));
    struct metrics_export_stats st;
    metrics_export_stats(e, &st);
    assert_int_equal(st.offered, 9);
    assert_int_equal(st.dropped, 6); /* 2..7: 8 and 9 wait */
    metrics_export_free(e);          /* cuts the held push off at once */
    receiver_stop(&rcv);

    /* the final push cut at its deadline (0.2 s) */
    receiver_start(&rcv, STALL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/write", rcv.port);
    e = start(url, NULL, 4, 0.2, 0);
    metrics_export_offer(e, snap(&x, 1));
    metrics_export_finish(e, snap(&x, 2));
    metrics_export_stats(e, &st);
    assert_int_equal(st.offered, 2);
    assert_int_equal(st.pushed, 0);
    assert_int_equal(st.failed + st.dropped, 2);
    metrics_export_free(e);
    receiver_stop(&rcv);

    /* nobody listening: each push fails at once */
    receiver_start(&rcv, ANSWER_200);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/write", rcv.port);
    receiver_stop(&rcv); /* the port is free again */
    e = start(url, NULL, 4, 10, 0);
    metrics_export_offer(e, snap(&x, 1));
    metrics_export_finish(e, snap(&x, 2));
    metrics_export_stats(e, &st);
    assert_int_equal(st.failed, 2);
    assert_true(st.last_error[0]);
    metrics_export_free(e);
    rec_set_free(x.r.total);
}

/* GET /metrics from port; the answer (owned). */
static char *scrape(int port, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)port)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[128];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    size_t cap = 1 << 20, got = 0;
    char *buf = malloc(cap);
    ssize_t k;
    while ((k = recv(fd, buf + got, cap - 1 - got, 0)) > 0)
        got += (size_t)k;
    buf[got] = 0;
    close(fd);
    return buf;
}

static void *final_scraper(void *arg)
{
    int port = *(int *)arg;
    char *a;
    do { /* until the final sample (20 requests) shows */
        poll(NULL, 0, 10);
        a = scrape(port, "/metrics");
        bool done =
            strstr(a, "outcome=\"2xx\",phase=\"steady\",request=\"echo\",shard=\"0\"} 20\n");
        free(a);
        if (done)
            break;
    } while (1);
    return NULL;
}

static void scrape_endpoint(void **state)
{
    (void)state;
    /* a free port: bind 0, read it, close, listen there */
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(probe, (struct sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a;
    getsockname(probe, (struct sockaddr *)&a, &l);
    int port = ntohs(a.sin_port);
    close(probe);
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    struct run x;
    run_init(&x);
    struct metrics_export *e = start(NULL, listen, 4, 1, 60);
    char *t = scrape(port, "/metrics");
    assert_non_null(strstr(t, "HTTP/1.1 503 ")); /* nothing yet */
    free(t);
    metrics_export_offer(e, snap(&x, 10));
    t = scrape(port, "/metrics");
    assert_non_null(strstr(t, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(t, "Content-Type: text/plain; version=0.0.4"));
    assert_non_null(strstr(t, "# TYPE gatecap_requests_total counter\n"));
    assert_non_null(strstr(t, "gatecap_latency_seconds_bucket{le=\"0.002\",node=\"gw1\","
                              "phase=\"steady\",request=\"echo\",shard=\"0\"} 10\n"));
    free(t);
    t = scrape(port, "/other");
    assert_non_null(strstr(t, "HTTP/1.1 404 "));
    free(t);
    /* finish waits (at most 60 s) until the final sample was read */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, final_scraper, &port), 0);
    metrics_export_finish(e, snap(&x, 20));
    struct metrics_export_stats st;
    metrics_export_stats(e, &st);
    assert_int_equal(st.final_scraped, 1);
    assert_true(st.scrapes >= 2);
    pthread_join(th, NULL);
    metrics_export_free(e);
    /* a busy address is an error at start */
    struct metrics_export_conf c = {.listen = "127.0.0.1:notaport", .timeout_s = 1, .queue = 1};
    char err[256];
    assert_int_equal(metrics_export_start(&c, &e, err, sizeof err), -1);
    assert_non_null(strstr(err, "is not ADDR:PORT"));
    rec_set_free(x.r.total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_accepted),
        cmocka_unit_test(push_refused_500),
        cmocka_unit_test(push_stalled_and_absent),
        cmocka_unit_test(scrape_endpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
