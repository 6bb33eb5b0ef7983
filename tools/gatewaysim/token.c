/*
 * token.c — HMAC-signed opaque tokens and the per-token limiter table
 * (see token.h).
 */
#include "token.h"

#include "http.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

/* Shared by every gatewaysim so tokens from one node work on all. v2:
 * tokens carry the client (80 hex digits). */
static const char token_secret[] = "gatewaysim shared token secret v2";

#define PAYLOAD_BYTES 24
#define MAC_BYTES 16

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void mac(const unsigned char *payload, unsigned char out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), token_secret, (int)(sizeof token_secret - 1), payload, PAYLOAD_BYTES, out,
         &n);
}

void gstok_make(const struct gstok_claims *cl, char out[GSTOK_CHARS + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[PAYLOAD_BYTES + MAC_BYTES], m[32];
    put64(raw, cl->issued_us);
    put64(raw + 8, cl->expires_us);
    put32(raw + 16, cl->nonce);
    put32(raw + 20, cl->client);
    mac(raw, m);
    memcpy(raw + PAYLOAD_BYTES, m, MAC_BYTES);
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[GSTOK_CHARS] = 0;
}

enum gstok_status gstok_validity(const struct gstok_claims *cl, uint64_t now_us,
                                 uint64_t revoked_before_us)
{
    if (now_us >= cl->expires_us || (revoked_before_us && cl->issued_us < revoked_before_us))
        return GSTOK_EXPIRED;
    return GSTOK_OK;
}

enum gstok_status gstok_check(const char *tok, size_t len, uint64_t now_us,
                              uint64_t revoked_before_us, struct gstok_claims *cl, uint64_t *key)
{
    unsigned char raw[PAYLOAD_BYTES + MAC_BYTES], m[32];
    if (len != GSTOK_CHARS)
        return GSTOK_INVALID;
    for (size_t i = 0; i < sizeof raw; i++) {
        int h = gshttp_hexval(tok[2 * i]), l = gshttp_hexval(tok[2 * i + 1]);
        if (h < 0 || l < 0)
            return GSTOK_INVALID;
        raw[i] = (unsigned char)(h * 16 + l);
    }
    mac(raw, m);
    unsigned char diff = 0;
    for (int i = 0; i < MAC_BYTES; i++)
        diff |= (unsigned char)(m[i] ^ raw[PAYLOAD_BYTES + i]);
    if (diff)
        return GSTOK_INVALID;
    cl->issued_us = get64(raw);
    cl->expires_us = get64(raw + 8);
    cl->nonce = get32(raw + 16);
    cl->client = get32(raw + 20);
    /* nonce and client, mixed with the MAC: unique per token */
    uint64_t k = get64(raw + 16) ^ get64(raw + PAYLOAD_BYTES);
    *key = k ? k : 1;
    return gstok_validity(cl, now_us, revoked_before_us);
}

static struct gstok_entry *probe(struct gstok_entry *slots, size_t cap, uint64_t key)
{
    size_t i = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (cap - 1);
    while (slots[i].key && slots[i].key != key)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

/* Rebuilds into a table of new_cap slots, dropping expired entries. */
static int rebuild(struct gstok_table *t, size_t new_cap, uint64_t now_us)
{
    struct gstok_entry *ns = calloc(new_cap, sizeof *ns);
    if (!ns)
        return -1;
    size_t used = 0;
    for (size_t i = 0; i < t->cap; i++) {
        struct gstok_entry *e = &t->slots[i];
        if (!e->key || e->expires_us <= now_us)
            continue;
        *probe(ns, new_cap, e->key) = *e;
        used++;
    }
    free(t->slots);
    t->slots = ns;
    t->cap = new_cap;
    t->used = used;
    return 0;
}

struct gsthr *gstok_limiter(struct gstok_table *t, uint64_t key, uint64_t expires_us,
                            uint64_t now_us)
{
    if (!t->slots && rebuild(t, 256, now_us))
        return NULL;
    struct gstok_entry *e = probe(t->slots, t->cap, key);
    if (e->key)
        return &e->lim;
    if ((t->used + 1) * 2 > t->cap) {
        size_t cap = t->cap;
        if (rebuild(t, cap, now_us))
            return NULL;
        if ((t->used + 1) * 4 > cap && rebuild(t, cap * 2, now_us))
            return NULL;
        e = probe(t->slots, t->cap, key);
    }
    memset(e, 0, sizeof *e);
    e->key = key;
    e->expires_us = expires_us;
    t->used++;
    return &e->lim;
}

void gstok_table_free(struct gstok_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->used = 0;
}

size_t gstok_table_size(const struct gstok_table *t)
{
    return t->used;
}
