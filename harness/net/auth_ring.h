/*
 * auth_ring.h — one application's published token (auth.c keeps one per
 * application): a single writer publishes new versions, any number of
 * threads copy the current one, without a lock and without waiting for
 * the writer.
 *
 * Versions are numbered by a generation (1, 2, ...; 0 means none yet) and
 * live in a ring of AUTH_RING slots, generation g in slot g % AUTH_RING.
 * The writer fills the next slot, then advances the generation with a
 * release store. A reader loads the generation (acquire), copies that
 * slot, and loads the generation again: if the writer may have started
 * rewriting the slot meanwhile (AUTH_RING − 1 newer versions), the copy
 * may be torn and is taken again.
 *
 * Correct under the C11 memory model with no assumption about timing:
 *  - every byte of a slot is written with atomic release stores and read
 *    with atomic acquire loads (the slot holds _Atomic 64-bit words), so
 *    a copy racing a rewrite is no data race, and a reader that read any
 *    byte of a rewrite also sees the generation the writer stored before
 *    it, so its second load sends it round again;
 *  - no memory a reader can still be reading is freed: a slot whose
 *    buffer is too small for a new version gets a larger one, and the old
 *    one is kept until auth_ring_free (capacities double, so a slot
 *    holds a handful at most).
 * A reader retries only when the writer has published AUTH_RING − 1
 * versions during one copy (lock-free: someone made progress). The
 * token pool publishes a version at most every AUTH_MIN_SPACING_MS
 * (auth.h), so in practice a copy never retries; that spacing is a
 * matter of load on the token endpoint, not of this ring's safety.
 *
 * tests/net/test_auth_ring.c copies from several threads while one
 * publishes, under ThreadSanitizer in `make tsan`.
 */
#ifndef GATECAP_AUTH_RING_H
#define GATECAP_AUTH_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_RING 8

struct auth_ring_buf;

/* Zeroed memory is an empty ring (calloc), as is auth_ring_init's. */
struct auth_ring {
    _Atomic uint32_t gen;                            /* newest published, 0: none */
    _Atomic(struct auth_ring_buf *) slot[AUTH_RING]; /* slot[g % AUTH_RING], NULL until used */
};

/* Makes r an empty ring. */
void auth_ring_init(struct auth_ring *r);

/* The writer's first step of a publication: makes room for len bytes in
 * the slot of the next version and puts its generation in *next_gen.
 * Returns 0, or -1 when memory ran out (nothing changed). Writer only. */
int auth_ring_reserve(struct auth_ring *r, size_t len, uint32_t *next_gen);

/* Publishes token (len bytes, borrowed; len at most what the last
 * auth_ring_reserve made room for) as the next generation. Allocates
 * nothing. Writer only. */
void auth_ring_publish(struct auth_ring *r, const char *token, size_t len);

/* The newest published generation (0: none). Any thread. */
uint32_t auth_ring_gen(const struct auth_ring *r);

/* Copies the current version into buf (cap bytes; a NUL is added when it
 * fits) and returns its length: 0 when none is published, and a length
 * >= cap when buf is too small (buf's contents are then unspecified;
 * grow it and call again). *gen receives the copy's generation (0 with
 * none). Any thread, at any time, also while the writer publishes; no
 * lock, no allocation. */
size_t auth_ring_copy(const struct auth_ring *r, char *buf, size_t cap, uint32_t *gen);

/* Calls each(ctx, token) for every version the ring still holds (up to
 * AUTH_RING), token NUL-terminated and valid during the call; stops at
 * the first nonzero return and returns it. Not while the writer
 * publishes. Returns -1 when memory for a copy ran out. */
int auth_ring_each(const struct auth_ring *r, int (*each)(void *ctx, const char *token), void *ctx);

/* Frees the ring's buffers (r itself is the caller's). No reader or
 * writer may use it any more. */
void auth_ring_free(struct auth_ring *r);

#endif
