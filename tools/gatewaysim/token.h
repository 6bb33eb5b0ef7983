/*
 * token.h — opaque OAuth2 bearer tokens that every node of a simulated
 * cluster accepts, without shared state.
 *
 * A token is 80 hex characters encoding 40 bytes:
 *   0..7    issued-at, µs since the epoch (big-endian)
 *   8..15   expiry, µs since the epoch
 *   16..19  random nonce
 *   20..23  client: 32-bit FNV-1a hash of the OAuth client id it was
 *           issued to (gscfg_client_hash), so per-application quotas work
 *           on every node
 *   24..39  the first 16 bytes of HMAC-SHA256 over bytes 0..23 with a
 *           secret all nodes share (fixed in the source; this is a test
 *           tool)
 * Wall-clock time is used because tokens travel between processes.
 *
 * Per-token request counters (for --throttle-per-token) live in a small
 * hash table keyed by the token's nonce, client and MAC, with expired
 * entries dropped as it grows.
 */
#ifndef GATEWAYSIM_TOKEN_H
#define GATEWAYSIM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "throttle.h"

#define GSTOK_CHARS 80

enum gstok_status { GSTOK_OK = 0, GSTOK_INVALID = -1, GSTOK_EXPIRED = -2 };

/* What a token says about itself. */
struct gstok_claims {
    uint64_t issued_us;  /* µs since the epoch */
    uint64_t expires_us; /* µs since the epoch */
    uint32_t nonce;
    uint32_t client; /* gscfg_client_hash of the client id */
};

/* Writes the token for cl (GSTOK_CHARS hex digits + NUL) into out. */
void gstok_make(const struct gstok_claims *cl, char out[GSTOK_CHARS + 1]);

/* Checks tok[0, len): GSTOK_INVALID when malformed or not signed by a
 * gatewaysim; otherwise it is authentic, *cl and *key (for the per-token
 * table) are set, and the result is gstok_validity at now_us. */
enum gstok_status gstok_check(const char *tok, size_t len, uint64_t now_us,
                              uint64_t revoked_before_us, struct gstok_claims *cl, uint64_t *key);

/* Validity of an authentic token at now_us: GSTOK_EXPIRED when past its
 * expiry or issued before revoked_before_us (0: none revoked), else
 * GSTOK_OK. */
enum gstok_status gstok_validity(const struct gstok_claims *cl, uint64_t now_us,
                                 uint64_t revoked_before_us);

struct gstok_entry {
    uint64_t key; /* 0: empty slot */
    uint64_t expires_us;
    struct gsthr lim;
};

struct gstok_table {
    struct gstok_entry *slots;
    size_t cap; /* power of two */
    size_t used;
};

/* Finds or adds the limiter of a token (key from gstok_check). Returns
 * NULL on out-of-memory. The pointer is valid until the next call. */
struct gsthr *gstok_limiter(struct gstok_table *t, uint64_t key, uint64_t expires_us,
                            uint64_t now_us);

/* Frees the table's storage. */
void gstok_table_free(struct gstok_table *t);

/* Number of tokens with a limiter entry. */
size_t gstok_table_size(const struct gstok_table *t);

#endif
