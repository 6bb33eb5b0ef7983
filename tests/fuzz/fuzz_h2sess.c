/*
 * fuzz_h2sess.c — libFuzzer target for the native HTTP/2 transport's
 * session and frame handling (harness/net/xfer_h2_sess.c and the
 * completion path of xfer_h2.c): a connection without a socket
 * (h2_conn_detached) carries three requests (streams 1, 3 and 5; one
 * keeps its answer, one sends a body), then gets a server's byte stream:
 * a valid empty SETTINGS frame, then the input after its first byte, fed
 * through h2_conn_feed — the function the transport feeds received bytes
 * through — in pieces whose size the first byte picks, with what the
 * session has to send written (to nowhere) after each piece, as the
 * transport does. Every completion must keep xfer.h's promises: a message
 * with every failure, a status in 100..599 with every answer, kept bodies
 * within their limit; nothing may leak or touch freed memory.
 */
#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/xfer_h2_int.h"
#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BODY_LIMIT 64

struct fz {
    struct ev_loop *loop;
    struct scenario *scn;
};

static void on_done(void *user, size_t slot, const struct xfer_result *r)
{
    (void)user;
    (void)slot;
    bool answer = !r->error || r->status;
    if (!answer && !r->error)
        abort();
    if (r->error && !r->error[0])
        abort();
    if (!r->error && (r->status < 100 || r->status > 599))
        abort();
    if (r->body_len > XFER_PEEK_BYTES || (r->body_len && !r->body))
        abort();
    if (r->whole_body_len > BODY_LIMIT)
        abort();
    if (r->node && strlen(r->node) >= XFER_NODE_LEN)
        abort();
    volatile char sink = 0;
    for (size_t i = 0; i < r->head_len; i++) /* readable, all of it */
        sink ^= r->head[i];
    for (size_t i = 0; i < r->whole_body_len; i++)
        sink ^= r->whole_body[i];
    (void)sink;
}

static struct fz *setup(void)
{
    static struct fz fz;
    if (fz.scn)
        return &fz;
    static const char yaml[] = "targets: [\"http://127.0.0.1:1\"]\n"
                               "http: \"2\"\n"
                               "http2: {max_streams: 10}\n"
                               "node_header: X-Node\n"
                               "requests:\n"
                               "  - {name: g, path: /g, expect: [200, 201]}\n"
                               "  - {name: p, method: POST, path: /p, body: \"0123456789\"}\n"
                               "load: {phases: [{duration: 1s, rate: 1/s}]}\n";
    char err[1024];
    if (scenario_load_mem("f.yaml", yaml, sizeof yaml - 1, NULL, 0, &fz.scn, err, sizeof err))
        abort();
    fz.loop = ev_loop_new(EVFLAG_AUTO);
    return &fz;
}

/* True while c is still one of x's connections (it may close itself). */
static bool alive(const struct xh2 *x, const struct h2conn *c)
{
    for (const struct h2conn *o = x->all; o; o = o->all_next)
        if (o == c)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    struct fz *fz = setup();
    struct xfer *xb;
    char err[256];
    if (xfer_new(fz->loop, fz->scn, NULL, 0, NULL, 4, 1, on_done, NULL, &xb, err, sizeof err))
        abort();
    struct xh2 *x = (struct xh2 *)xb;
    struct h2conn *c = h2_conn_detached(x, 0);
    if (!c)
        abort();
    struct xfer_req rq[3] = {
        {.request = 0, .target = 0, .app = XFER_NO_APP},
        {.request = 0, .target = 0, .app = XFER_NO_APP, .keep = true, .body_limit = BODY_LIMIT},
        {.request = 1, .target = 0, .app = XFER_NO_APP},
    };
    for (size_t i = 0; i < 3; i++)
        if (h2_start_on(x, i, &rq[i], c))
            abort();
    h2_conn_flush(c); /* the preface, SETTINGS and three requests, written nowhere */
    static const uint8_t settings[] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
    size_t step = (size_t)(data[0] & 0x3f) + 1;
    if (data[0] & 0x40)
        step = size; /* whole */
    data++;
    size--;
    bool ok = alive(x, c) && !h2_conn_feed(c, settings, sizeof settings);
    for (size_t off = 0; ok && off < size; off += step) {
        size_t n = size - off < step ? size - off : step;
        if (h2_conn_feed(c, data + off, n) || c->close_pending) {
            h2_conn_close(c);
            ok = false;
            break;
        }
        h2_conn_update(c);
        if (!alive(x, c))
            break;
        h2_conn_flush(c);
        ok = alive(x, c);
    }
    if (ok && !alive(x, c))
        ok = false;
    (void)ok;
    xfer_free(xb); /* abandons what is left */
    ev_run(fz->loop, EVRUN_NOWAIT);
    return 0;
}
