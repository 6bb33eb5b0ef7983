/*
 * fuzz_h1parse.c — libFuzzer target for the HTTP/1.1 response parser
 * (harness/net/h1parse.c). The first byte picks HEAD or not, whether a node
 * header is asked for, whether 2xx bodies are peeked too, and the length
 * of the pieces of one cut; the rest
 * is the byte stream from the peer. Fed whole, one byte at a time and in
 * those pieces, it must come out the same, and the results must keep the
 * header's promises: used within the input and equal to header plus body
 * bytes, a final status, node and peek in bounds (no peek of a 2xx body
 * unless asked), node NUL-terminated,
 * a message with every error, and an end after the peer's close.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/h1parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
    enum h1p_rc rc, eof_rc;
    size_t used;
    struct h1p p;
};

/* Feeds buf (n bytes) in pieces of step bytes (0: whole), then the close. */
static void run(struct outcome *o, const char *buf, size_t n, size_t step, bool head,
                const char *node_header, bool peek_2xx)
{
    memset(o, 0, sizeof *o);
    h1p_reset(&o->p, node_header, node_header ? strlen(node_header) : 0, head);
    o->p.peek_2xx = peek_2xx;
    o->rc = H1P_MORE;
    while (o->rc == H1P_MORE && o->used < n) {
        size_t k = step && n - o->used > step ? step : n - o->used, used = 0;
        o->rc = h1p_feed(&o->p, buf + o->used, k, &used);
        if (o->rc == H1P_ERROR)
            break;
        if (used > k || (o->rc == H1P_MORE && used != k))
            abort();
        o->used += used;
    }
    /* What the caller sees before the close is kept; the close is apart. */
    struct h1p after = o->p;
    o->eof_rc = h1p_eof(&after);
    if (o->eof_rc == H1P_MORE || (o->eof_rc == H1P_ERROR && !after.error))
        abort();
    if (o->rc != H1P_MORE && o->eof_rc != o->rc)
        abort();
}

/* The promises of h1parse.h about one outcome of n input bytes. */
static void check(const struct outcome *o, size_t n)
{
    const struct h1p *p = &o->p;
    if (o->rc == H1P_ERROR) {
        if (!p->error)
            abort();
        return;
    }
    if (p->error || o->used > n || p->header_bytes + p->body_bytes != o->used)
        abort();
    if (o->rc == H1P_MORE && o->used != n)
        abort();
    if (p->node_len >= H1P_NODE_LEN || p->node[p->node_len] != '\0')
        abort();
    if (p->peek_len > H1P_PEEK_BYTES || p->retry_after_s < -1)
        abort();
    if (o->rc == H1P_DONE) {
        if (p->status < 200 || p->status > 999 || p->minor < 0 || p->minor > 9)
            abort();
        if (p->peek_len && p->status >= 200 && p->status < 300 && !p->peek_2xx)
            abort();
    }
}

static bool same(const struct outcome *a, const struct outcome *b)
{
    if (a->rc != b->rc || a->eof_rc != b->eof_rc)
        return false;
    if (a->rc == H1P_ERROR)
        return a->p.error == b->p.error;
    const struct h1p *p = &a->p, *q = &b->p;
    return a->used == b->used && p->status == q->status && p->minor == q->minor &&
           p->keep_alive == q->keep_alive && p->node_len == q->node_len &&
           !memcmp(p->node, q->node, p->node_len) && p->retry_after_s == q->retry_after_s &&
           p->peek_len == q->peek_len && !memcmp(p->peek, q->peek, p->peek_len) &&
           p->header_bytes == q->header_bytes && p->body_bytes == q->body_bytes;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    bool head = data[0] & 1;
    const char *node_header = data[0] & 2 ? "X-Node" : NULL;
    bool peek_2xx = data[0] & 4;
    size_t step = 2 + (data[0] >> 3); /* 2..33 */
    const char *buf = (const char *)data + 1;
    size_t n = size - 1;

    struct outcome whole, bytes, pieces;
    run(&whole, buf, n, 0, head, node_header, peek_2xx);
    check(&whole, n);
    run(&bytes, buf, n, 1, head, node_header, peek_2xx);
    run(&pieces, buf, n, step, head, node_header, peek_2xx);
    if (!same(&whole, &bytes) || !same(&whole, &pieces))
        abort();
    return 0;
}
