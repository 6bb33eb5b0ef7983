/*
 * auth_ring.c — one application's published token; see auth_ring.h.
 *
 * Why a reader's check is enough. The writer's program order for
 * generation g + AUTH_RING, the first to rewrite slot k = g % AUTH_RING,
 * is: ... store gen = g + AUTH_RING − 1 (release; the previous
 * publication) ... then the slot's words, its length and, when it grew,
 * its buffer pointer (all release stores). A reader of generation g that
 * loads (acquire) any of those values synchronizes with the store that
 * wrote it, so the earlier store of gen happens before its second load of
 * gen, which therefore returns g + AUTH_RING − 1 or later (coherence):
 * the copy is refused. A reader whose loads all read generation g's
 * stores, or older ones no rewrite has touched, got g's token whole: the
 * first acquire load of gen = g made every store of g's publication
 * visible.
 */
#include "net/auth_ring.h"

#include <stdlib.h>
#include <string.h>

#define WORD_BYTES sizeof(uint64_t)
/* The first buffer of a slot holds this many bytes; larger tokens double it. */
#define FIRST_CAP_BYTES 256

struct auth_ring_buf {
    size_t cap;                  /* bytes words[] holds: a multiple of WORD_BYTES; immutable */
    _Atomic size_t len;          /* length of the version in it, <= cap */
    struct auth_ring_buf *older; /* the buffer this one replaced (kept until auth_ring_free) */
    _Atomic uint64_t words[];    /* the token's bytes, WORD_BYTES to a word */
};

void auth_ring_init(struct auth_ring *r)
{
    atomic_init(&r->gen, 0);
    for (size_t k = 0; k < AUTH_RING; k++)
        atomic_init(&r->slot[k], NULL);
}

static uint32_t next_of(uint32_t g)
{
    return g + 1 ? g + 1 : 1; /* 0 means "none": skipped on wrap-around */
}

int auth_ring_reserve(struct auth_ring *r, size_t len, uint32_t *next_gen)
{
    uint32_t g = next_of(atomic_load_explicit(&r->gen, memory_order_relaxed));
    size_t k = g % AUTH_RING;
    struct auth_ring_buf *b = atomic_load_explicit(&r->slot[k], memory_order_relaxed);
    *next_gen = g;
    if (b && b->cap >= len)
        return 0;
    size_t cap = b ? b->cap : FIRST_CAP_BYTES;
    while (cap < len) {
        if (cap > SIZE_MAX / 4)
            return -1;
        cap *= 2;
    }
    struct auth_ring_buf *nb = malloc(sizeof *nb + cap);
    if (!nb)
        return -1;
    nb->cap = cap;
    atomic_init(&nb->len, 0);
    nb->older = b;
    for (size_t i = 0; i < cap / WORD_BYTES; i++)
        atomic_init(&nb->words[i], 0);
    /* A reader still copying from b keeps reading b, which nobody writes
     * again: whatever it copies was some whole version. */
    atomic_store_explicit(&r->slot[k], nb, memory_order_release);
    return 0;
}

void auth_ring_publish(struct auth_ring *r, const char *token, size_t len)
{
    uint32_t g = next_of(atomic_load_explicit(&r->gen, memory_order_relaxed));
    struct auth_ring_buf *b = atomic_load_explicit(&r->slot[g % AUTH_RING], memory_order_relaxed);
    for (size_t i = 0; i < len; i += WORD_BYTES) {
        uint64_t w = 0;
        memcpy(&w, token + i, len - i < WORD_BYTES ? len - i : WORD_BYTES);
        atomic_store_explicit(&b->words[i / WORD_BYTES], w, memory_order_release);
    }
    atomic_store_explicit(&b->len, len, memory_order_release);
    atomic_store_explicit(&r->gen, g, memory_order_release);
}

uint32_t auth_ring_gen(const struct auth_ring *r)
{
    return atomic_load_explicit(&r->gen, memory_order_acquire);
}

size_t auth_ring_copy(const struct auth_ring *r, char *buf, size_t cap, uint32_t *gen)
{
    for (;;) {
        uint32_t g = atomic_load_explicit(&r->gen, memory_order_acquire);
        *gen = g;
        if (!g)
            return 0;
        const struct auth_ring_buf *b =
            atomic_load_explicit(&r->slot[g % AUTH_RING], memory_order_acquire);
        size_t len = atomic_load_explicit(&b->len, memory_order_acquire);
        if (len < cap) {
            /* len <= b->cap even when torn: a buffer's length never
             * exceeds its own capacity */
            for (size_t i = 0; i < len; i += WORD_BYTES) {
                uint64_t w = atomic_load_explicit(&b->words[i / WORD_BYTES], memory_order_acquire);
                memcpy(buf + i, &w, len - i < WORD_BYTES ? len - i : WORD_BYTES);
            }
            buf[len] = '\0';
        }
        uint32_t now = atomic_load_explicit(&r->gen, memory_order_acquire);
        if ((uint32_t)(now - g) < AUTH_RING - 1)
            return len;
        /* the writer may have begun rewriting slot g % AUTH_RING: again */
    }
}

int auth_ring_each(const struct auth_ring *r, int (*each)(void *ctx, const char *token), void *ctx)
{
    for (size_t k = 0; k < AUTH_RING; k++) {
        const struct auth_ring_buf *b = atomic_load_explicit(&r->slot[k], memory_order_acquire);
        size_t len = b ? atomic_load_explicit(&b->len, memory_order_acquire) : 0;
        if (!len)
            continue;
        char *t = malloc(len + 1);
        if (!t)
            return -1;
        for (size_t i = 0; i < len; i += WORD_BYTES) {
            uint64_t w = atomic_load_explicit(&b->words[i / WORD_BYTES], memory_order_acquire);
            memcpy(t + i, &w, len - i < WORD_BYTES ? len - i : WORD_BYTES);
        }
        t[len] = '\0';
        int rc = each(ctx, t);
        free(t);
        if (rc)
            return rc;
    }
    return 0;
}

void auth_ring_free(struct auth_ring *r)
{
    for (size_t k = 0; k < AUTH_RING; k++) {
        struct auth_ring_buf *b = atomic_load_explicit(&r->slot[k], memory_order_relaxed);
        while (b) {
            struct auth_ring_buf *older = b->older;
            free(b);
            b = older;
        }
        atomic_store_explicit(&r->slot[k], NULL, memory_order_relaxed);
    }
}
