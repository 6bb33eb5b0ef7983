/* tests/gatewaysim/test_h2.c — the simulator's HTTP/2 side
 * (tools/gatewaysim/h2.c): a real node (gssrv, no listeners) serves one
 * end of a socket pair; the test speaks HTTP/2 on the other with nghttp2's
 * client session. Checks answers, many streams on one connection, the
 * capacity model, refused and reset streams, GOAWAY, the h2c preface
 * arriving in pieces and HTTP/1.1 beside it. Times are only ever lower
 * bounds implied by the simulated service times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ev.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../tools/gatewaysim/h2.h"
#include "../../tools/gatewaysim/server.h"

#define MAX_STREAMS 256

struct result {
    int status;
    size_t body_bytes;
    bool closed;
    uint32_t error; /* RST_STREAM code the stream closed with */
    char node[64];
};

struct fx {
    struct ev_loop *loop;
    struct gssrv *srv;
    int fd; /* the client's end */
    nghttp2_session *cl;
    struct result r[MAX_STREAMS]; /* by (stream id - 1) / 2 */
    int closed;
    bool eof;
    bool goaway;
    int32_t goaway_last;
    uint32_t goaway_code;
    size_t skip_send; /* client bytes already sent by hand (the preface) */
    const char *post_body;
    size_t post_len, post_off;
};

static struct result *res(struct fx *f, int32_t id)
{
    return &f->r[(id - 1) / 2];
}

/* ---- the client ----------------------------------------------------- */

static ssize_t cl_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud)
{
    (void)s;
    (void)flags;
    struct fx *f = ud;
    if (f->skip_send) {
        size_t n = len < f->skip_send ? len : f->skip_send;
        f->skip_send -= n;
        return (ssize_t)n;
    }
    ssize_t n = send(f->fd, data, len, MSG_NOSIGNAL);
    if (n < 0)
        return errno == EAGAIN ? NGHTTP2_ERR_WOULDBLOCK : NGHTTP2_ERR_CALLBACK_FAILURE;
    return n;
}

static int cl_header(nghttp2_session *s, const nghttp2_frame *fr, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
    (void)s;
    (void)flags;
    struct result *r = res(ud, fr->hd.stream_id);
    if (namelen == 7 && !memcmp(name, ":status", 7) && valuelen == 3)
        r->status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
    if (namelen == 14 && !memcmp(name, "x-gateway-node", 14) && valuelen < sizeof r->node)
        memcpy(r->node, value, valuelen);
    return 0;
}

static int cl_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
                   void *ud)
{
    (void)s;
    (void)flags;
    (void)data;
    res(ud, id)->body_bytes += len;
    return 0;
}

static int cl_close(nghttp2_session *s, int32_t id, uint32_t error, void *ud)
{
    (void)s;
    struct fx *f = ud;
    res(f, id)->closed = true;
    res(f, id)->error = error;
    f->closed++;
    return 0;
}

static int cl_frame(nghttp2_session *s, const nghttp2_frame *fr, void *ud)
{
    (void)s;
    struct fx *f = ud;
    if (fr->hd.type == NGHTTP2_GOAWAY) {
        f->goaway = true;
        f->goaway_last = fr->goaway.last_stream_id;
        f->goaway_code = fr->goaway.error_code;
    }
    return 0;
}

static ssize_t cl_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                       nghttp2_data_source *src, void *ud)
{
    (void)s;
    (void)id;
    (void)src;
    struct fx *f = ud;
    size_t n = f->post_len - f->post_off < len ? f->post_len - f->post_off : len;
    memcpy(buf, f->post_body + f->post_off, n);
    f->post_off += n;
    if (f->post_off == f->post_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* Moves bytes both ways and runs the node's loop once. */
static void step(struct fx *f)
{
    if (f->cl)
        nghttp2_session_send(f->cl);
    ev_run(f->loop, EVRUN_NOWAIT);
    struct pollfd p = {.fd = f->fd, .events = POLLIN};
    if (poll(&p, 1, 1) == 1) {
        if (!f->cl) { /* nothing may come yet */
            f->eof = true;
            return;
        }
        char buf[65536];
        ssize_t n = read(f->fd, buf, sizeof buf);
        if (n == 0)
            f->eof = true;
        else if (n > 0)
            assert_true(nghttp2_session_mem_recv(f->cl, (uint8_t *)buf, (size_t)n) == n);
    }
}

/* Steps until want streams closed (or EOF), 10 s at most. */
static void run_until_closed(struct fx *f, int want)
{
    double end = gs_mono_s() + 10;
    while (f->closed < want && !f->eof && gs_mono_s() < end)
        step(f);
}

static int32_t get(struct fx *f, const char *path)
{
    nghttp2_nv nv[] = {
        {(uint8_t *)(uintptr_t) ":method", (uint8_t *)(uintptr_t) "GET", 7, 3, 0},
        {(uint8_t *)(uintptr_t) ":path", (uint8_t *)(uintptr_t)path, 5, strlen(path), 0},
        {(uint8_t *)(uintptr_t) ":scheme", (uint8_t *)(uintptr_t) "http", 7, 4, 0},
        {(uint8_t *)(uintptr_t) ":authority", (uint8_t *)(uintptr_t) "sim", 10, 3, 0},
    };
    int32_t id = nghttp2_submit_request(f->cl, NULL, nv, 4, NULL, f);
    assert_true(id > 0 && (id - 1) / 2 < MAX_STREAMS);
    return id;
}

/* ---- fixture ---------------------------------------------------------- */

static struct fx *fx_new(void (*tweak)(struct gscfg *), bool start_client)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct gscfg cfg;
    gscfg_defaults(&cfg);
    cfg.http_port = 0; /* no listener: the test hands the node a socket */
    cfg.https_port = 0;
    cfg.seed = 1;
    cfg.seed_set = true;
    snprintf(cfg.name, sizeof cfg.name, "h2-node");
    if (tweak)
        tweak(&cfg);
    f->loop = ev_default_loop(EVFLAG_AUTO); /* the signal watchers need it */
    f->srv = calloc(1, sizeof *f->srv);
    assert_non_null(f->srv);
    char err[256];
    assert_int_equal(gssrv_init(f->srv, f->loop, &cfg, err, sizeof err), 0);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    f->fd = sv[1];
    struct gsconn *c = gsconn_accept(&f->srv->pool, f->srv, sv[0], NULL);
    assert_non_null(c);
    gsconn_process(c);
    if (start_client) {
        nghttp2_session_callbacks *cbs;
        assert_int_equal(nghttp2_session_callbacks_new(&cbs), 0);
        nghttp2_session_callbacks_set_send_callback(cbs, cl_send);
        nghttp2_session_callbacks_set_on_header_callback(cbs, cl_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, cl_data);
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs, cl_close);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, cl_frame);
        assert_int_equal(nghttp2_session_client_new(&f->cl, cbs, f), 0);
        nghttp2_session_callbacks_del(cbs);
        nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000}};
        assert_int_equal(nghttp2_submit_settings(f->cl, NGHTTP2_FLAG_NONE, iv, 1), 0);
    }
    return f;
}

static void fx_free(struct fx *f)
{
    if (f->cl)
        nghttp2_session_del(f->cl);
    close(f->fd);
    gssrv_free(f->srv);
    free(f->srv);
    free(f);
}

static const struct gsstats_http2 *h2stats(struct fx *f)
{
    return &f->srv->stats.http2;
}

/* ---- tests ------------------------------------------------------------ */

static void get_answered(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, true);
    int32_t id = get(f, "/echo/1.0.0?size=10");
    run_until_closed(f, 1);
    assert_int_equal(res(f, id)->status, 200);
    assert_int_equal(res(f, id)->body_bytes, 10);
    assert_int_equal(res(f, id)->error, NGHTTP2_NO_ERROR);
    assert_string_equal(res(f, id)->node, "h2-node");
    /* not found, and a control request, on the same connection */
    int32_t nf = get(f, "/nope");
    int32_t st = get(f, "/_sim/stats");
    run_until_closed(f, 3);
    assert_int_equal(res(f, nf)->status, 404);
    assert_int_equal(res(f, st)->status, 200);
    assert_true(res(f, st)->body_bytes > 100);
    assert_int_equal(h2stats(f)->connections, 1);
    assert_int_equal(h2stats(f)->streams, 3);
    assert_int_equal(f->srv->stats.outcome[GSSTATS_2XX], 1);
    assert_int_equal(f->srv->stats.by_status[404], 1);
    assert_int_equal(f->srv->stats.control_requests, 1);
    assert_int_equal(f->srv->pool.n_open, 1); /* streams are not connections */
    fx_free(f);
}

static void post_body_echoed(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, true);
    /* larger than the default 64 KiB windows: the node's windows take it */
    static char body[300000];
    memset(body, 'b', sizeof body);
    f->post_body = body;
    f->post_len = sizeof body;
    nghttp2_nv nv[] = {
        {(uint8_t *)(uintptr_t) ":method", (uint8_t *)(uintptr_t) "POST", 7, 4, 0},
        {(uint8_t *)(uintptr_t) ":path", (uint8_t *)(uintptr_t) "/echo/1.0.0", 5, 11, 0},
        {(uint8_t *)(uintptr_t) ":scheme", (uint8_t *)(uintptr_t) "http", 7, 4, 0},
        {(uint8_t *)(uintptr_t) ":authority", (uint8_t *)(uintptr_t) "sim", 10, 3, 0},
        {(uint8_t *)(uintptr_t) "content-type", (uint8_t *)(uintptr_t) "text/plain", 12, 10, 0},
    };
    nghttp2_data_provider prd = {.read_callback = cl_body};
    int32_t id = nghttp2_submit_request(f->cl, NULL, nv, 5, &prd, f);
    assert_true(id > 0);
    run_until_closed(f, 1);
    assert_int_equal(res(f, id)->status, 200);
    assert_int_equal(res(f, id)->body_bytes, sizeof body);
    fx_free(f);
}

static void capacity_4x10ms(struct gscfg *c)
{
    c->workers = 4;
    c->dist = GSCFG_DIST_FIXED;
    c->service_mean_s = 0.010;
}

static void many_streams_and_capacity(void **state)
{
    (void)state;
    struct fx *f = fx_new(capacity_4x10ms, true);
    double t0 = gs_mono_s();
    for (int i = 0; i < 100; i++)
        get(f, "/echo/1.0.0");
    run_until_closed(f, 100);
    double took = gs_mono_s() - t0;
    for (int i = 0; i < 100; i++)
        assert_int_equal(f->r[i].status, 200);
    /* 100 services of 10 ms on 4 workers: 250 ms at least */
    assert_true(took >= 0.25 - 0.002);
    assert_int_equal(f->srv->stats.service_n, 100);
    assert_true(f->srv->stats.max_queue >= 90); /* all at once, 4 served */
    assert_int_equal(h2stats(f)->streams, 100);
    fx_free(f);
}

static void refuse_quarter(struct gscfg *c)
{
    c->h2_refuse_rate = 0.25;
    c->fault_spacing = GSCFG_SPACING_EVEN;
}

static void refused_exactly(void **state)
{
    (void)state;
    struct fx *f = fx_new(refuse_quarter, true);
    for (int i = 0; i < 20; i++)
        get(f, "/echo/1.0.0");
    run_until_closed(f, 20);
    int refused = 0, ok = 0;
    for (int i = 0; i < 20; i++) {
        if (f->r[i].error == NGHTTP2_REFUSED_STREAM) {
            refused++;
            assert_int_equal(i % 4, 3); /* every fourth */
        } else if (f->r[i].status == 200) {
            ok++;
        }
    }
    assert_int_equal(refused, 5);
    assert_int_equal(ok, 15);
    assert_int_equal(h2stats(f)->refused_streams, 5);
    assert_int_equal(h2stats(f)->streams, 20);
    /* refused streams are no requests */
    assert_int_equal(f->srv->stats.outcome[GSSTATS_2XX], 15);
    fx_free(f);
}

static void reset_half(struct gscfg *c)
{
    c->reset_rate = 0.5;
    c->fault_spacing = GSCFG_SPACING_EVEN;
}

static void reset_is_rst_stream(void **state)
{
    (void)state;
    struct fx *f = fx_new(reset_half, true);
    for (int i = 0; i < 10; i++)
        get(f, "/echo/1.0.0");
    run_until_closed(f, 10);
    int rst = 0, ok = 0;
    for (int i = 0; i < 10; i++) {
        if (f->r[i].error == NGHTTP2_INTERNAL_ERROR)
            rst++;
        else if (f->r[i].status == 200)
            ok++;
    }
    assert_int_equal(rst, 5);
    assert_int_equal(ok, 5);
    assert_int_equal(h2stats(f)->rst_streams, 5);
    assert_int_equal(f->srv->stats.outcome[GSSTATS_RESET], 5);
    /* the connection lives on */
    assert_false(f->eof);
    assert_int_equal(f->srv->pool.n_open, 1);
    fx_free(f);
}

static void goaway_after_3(struct gscfg *c)
{
    c->h2_goaway_after = 3;
}

static void goaway_then_close(void **state)
{
    (void)state;
    struct fx *f = fx_new(goaway_after_3, true);
    for (int i = 0; i < 5; i++)
        get(f, "/echo/1.0.0");
    run_until_closed(f, 5);
    double end = gs_mono_s() + 10;
    while (!f->eof && gs_mono_s() < end)
        step(f);
    assert_true(f->goaway);
    assert_int_equal(f->goaway_last, 5); /* the third stream */
    for (int i = 0; i < 3; i++)
        assert_int_equal(f->r[i].status, 200);
    for (int i = 3; i < 5; i++)
        assert_int_equal(f->r[i].status, 0); /* never processed */
    assert_true(f->eof);                     /* the node closed the connection */
    assert_int_equal(h2stats(f)->goaways, 1);
    assert_int_equal(f->srv->stats.outcome[GSSTATS_2XX], 3);
    assert_int_equal(f->srv->pool.n_open, 0);
    fx_free(f);
}

/* A connection idle past --idle-timeout is closed after a GOAWAY
 * (NO_ERROR, the last stream it took): its client knows the node closed
 * it on purpose and processed nothing above that stream. */
static void idle_close_sends_goaway(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, true);
    get(f, "/echo/1.0.0");
    get(f, "/echo/1.0.0");
    run_until_closed(f, 2);
    assert_false(f->goaway);
    /* the sweep an hour later: the connection has been idle long enough */
    assert_int_equal(gsconn_sweep(&f->srv->pool, gs_mono_s() + 3600, f->srv->cfg.idle_timeout_s),
                     1);
    double end = gs_mono_s() + 10;
    while (!f->eof && gs_mono_s() < end)
        step(f);
    assert_true(f->goaway);
    assert_int_equal(f->goaway_code, NGHTTP2_NO_ERROR);
    assert_int_equal(f->goaway_last, 3);
    assert_true(f->eof);
    assert_int_equal(f->srv->pool.n_open, 0);
    assert_int_equal(h2stats(f)->goaways, 0); /* a fault's count, not this */
    fx_free(f);
}

static void slow_single_worker(struct gscfg *c)
{
    c->workers = 1;
    c->service_mean_s = 0.2;
}

static void cancelled_stream_aborted(void **state)
{
    (void)state;
    struct fx *f = fx_new(slow_single_worker, true);
    int32_t a = get(f, "/echo/1.0.0");
    int32_t b = get(f, "/echo/1.0.0");
    double end = gs_mono_s() + 5;
    while (f->srv->q_len < 1 && gs_mono_s() < end)
        step(f);
    assert_int_equal(f->srv->q_len, 1); /* b waits for the worker */
    assert_int_equal(nghttp2_submit_rst_stream(f->cl, 0, b, NGHTTP2_CANCEL), 0);
    run_until_closed(f, 2);
    assert_int_equal(res(f, a)->status, 200);
    assert_int_equal(res(f, b)->status, 0);
    assert_int_equal(f->srv->stats.outcome[GSSTATS_ABORTED], 1);
    assert_int_equal(f->srv->q_len, 0);
    fx_free(f);
}

static void teardown_with_streams_open(void **state)
{
    (void)state;
    struct fx *f = fx_new(slow_single_worker, true);
    for (int i = 0; i < 5; i++)
        get(f, "/echo/1.0.0");
    double end = gs_mono_s() + 5;
    while (f->srv->q_len < 4 && gs_mono_s() < end)
        step(f);
    assert_int_equal(f->srv->q_len, 4);
    assert_int_equal(f->srv->in_service, 1);
    /* the node goes with five streams open: nothing leaks (valgrind, ASan) */
    fx_free(f);
}

static void preface_in_pieces(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, false);
    /* the first 10 bytes of the preface alone: the node waits */
    assert_int_equal(send(f->fd, GSH2_PREFACE, 10, 0), 10);
    for (int i = 0; i < 5; i++)
        step(f);
    assert_false(f->eof);
    assert_int_equal(h2stats(f)->connections, 0);
    assert_int_equal(send(f->fd, GSH2_PREFACE + 10, GSH2_PREFACE_BYTES - 10, 0),
                     GSH2_PREFACE_BYTES - 10);
    nghttp2_session_callbacks *cbs;
    assert_int_equal(nghttp2_session_callbacks_new(&cbs), 0);
    nghttp2_session_callbacks_set_send_callback(cbs, cl_send);
    nghttp2_session_callbacks_set_on_header_callback(cbs, cl_header);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, cl_close);
    assert_int_equal(nghttp2_session_client_new(&f->cl, cbs, f), 0);
    nghttp2_session_callbacks_del(cbs);
    f->skip_send = GSH2_PREFACE_BYTES; /* sent by hand above */
    assert_int_equal(nghttp2_submit_settings(f->cl, NGHTTP2_FLAG_NONE, NULL, 0), 0);
    int32_t id = get(f, "/echo/1.0.0");
    run_until_closed(f, 1);
    assert_int_equal(res(f, id)->status, 200);
    assert_int_equal(h2stats(f)->connections, 1);
    fx_free(f);
}

static void http11_beside(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL, false);
    /* "P" alone could be the preface; "POST" is not */
    static const char req[] = "POST /echo/1.0.0 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";
    assert_int_equal(send(f->fd, req, 1, 0), 1);
    for (int i = 0; i < 3; i++)
        ev_run(f->loop, EVRUN_NOWAIT);
    assert_int_equal(send(f->fd, req + 1, sizeof req - 2, 0), (ssize_t)sizeof req - 2);
    char buf[4096];
    size_t got = 0;
    double end = gs_mono_s() + 5;
    while (gs_mono_s() < end && !memmem(buf, got, "\r\n\r\nhi", 6)) {
        ev_run(f->loop, EVRUN_NOWAIT);
        ssize_t n = read(f->fd, buf + got, sizeof buf - got);
        if (n > 0)
            got += (size_t)n;
        else
            usleep(1000);
    }
    assert_true(got > 12 && !memcmp(buf, "HTTP/1.1 200", 12));
    assert_int_equal(h2stats(f)->connections, 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_answered),
        cmocka_unit_test(post_body_echoed),
        cmocka_unit_test(many_streams_and_capacity),
        cmocka_unit_test(refused_exactly),
        cmocka_unit_test(reset_is_rst_stream),
        cmocka_unit_test(goaway_then_close),
        cmocka_unit_test(idle_close_sends_goaway),
        cmocka_unit_test(cancelled_stream_aborted),
        cmocka_unit_test(teardown_with_streams_open),
        cmocka_unit_test(preface_in_pieces),
        cmocka_unit_test(http11_beside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
