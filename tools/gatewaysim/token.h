/*
 * token.h — opaque OAuth2 bearer tokens that every node of a simulated
 * cluster accepts, without shared state.
 *
 * A token is 64 hex characters: issued-at (ms since the epoch, 8 bytes),
 * expiry (ms, 8 bytes), a random nonce (4 bytes) and the first 12 bytes of
 * HMAC-SHA256 over those 20 bytes with a secret all nodes share (fixed in
 * the source; this is a test tool). Wall-clock time is used because tokens
 * travel between processes.
 *
 * Per-token request counters (for --throttle-per-token) live in a small
 * hash table keyed by the token's nonce and MAC, with expired entries
 * dropped as it grows.
 */
#ifndef GATEWAYSIM_TOKEN_H
#define GATEWAYSIM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "throttle.h"

#define GSTOK_CHARS 64

enum gstok_status { GSTOK_OK = 0, GSTOK_INVALID = -1, GSTOK_EXPIRED = -2 };

/* Writes a new token (GSTOK_CHARS hex digits + NUL) into out. */
void gstok_make(uint64_t issued_ms, uint64_t expires_ms, uint32_t nonce, char out[GSTOK_CHARS + 1]);

/* Checks tok[0, len) at now_ms; tokens issued before revoked_before_ms
 * (0: none) are expired. Sets *key (for the per-token table) and
 * *expires_ms when valid. Returns a gstok_status. */
enum gstok_status gstok_check(const char *tok, size_t len, uint64_t now_ms,
                              uint64_t revoked_before_ms, uint64_t *key, uint64_t *expires_ms);

struct gstok_entry {
    uint64_t key; /* 0: empty slot */
    uint64_t expires_ms;
    struct gsthr lim;
};

struct gstok_table {
    struct gstok_entry *slots;
    size_t cap; /* power of two */
    size_t used;
};

/* Finds or adds the limiter of a token (key from gstok_check). Returns
 * NULL on out-of-memory. The pointer is valid until the next call. */
struct gsthr *gstok_limiter(struct gstok_table *t, uint64_t key, uint64_t expires_ms,
                            uint64_t now_ms);

/* Frees the table's storage. */
void gstok_table_free(struct gstok_table *t);

/* Number of tokens with a limiter entry. */
size_t gstok_table_size(const struct gstok_table *t);

#endif
