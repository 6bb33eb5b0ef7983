/*
 * assertion.c — client assertion verification; see assertion.h.
 *
 * The JWT is parsed with jansson after base64url decoding; the signature
 * is checked with OpenSSL against the PEM public key the configuration
 * holds (read at start), parsed on each verification: this is a test
 * tool, and the parse is microseconds.
 */
#include "assertion.h"

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <string.h>

/* Longest lifetime (exp - now) accepted, as WSO2 bounds it. */
#define MAX_LIFETIME_S 3600
#define PART_BYTES 4096

static int b64v(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    return ch == '-' ? 62 : ch == '_' ? 63 : -1;
}

/* Base64url (no padding) into out; returns the length or -1. */
static long unb64url(const char *s, size_t n, unsigned char *out, size_t cap)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64v(s[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return n % 4 == 1 ? -1 : (long)o;
}

static json_t *part_json(const char *s, size_t n)
{
    unsigned char buf[PART_BYTES];
    long len = unb64url(s, n, buf, sizeof buf);
    return len > 0 ? json_loadb((const char *)buf, (size_t)len, 0, NULL) : NULL;
}

static const struct gscfg_client_key *find_key(const struct gscfg *cfg, const char *id)
{
    for (int i = 0; i < cfg->n_client_keys; i++)
        if (!strcmp(cfg->client_keys[i].id, id))
            return &cfg->client_keys[i];
    return NULL;
}

/* Verifies sig over data with the PEM public key for alg. */
static bool sig_ok(const char *pem, const char *alg, const char *data, size_t len,
                   const unsigned char *sig, size_t sig_len)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char der[160];
    const unsigned char *use = sig;
    size_t use_len = sig_len;
    bool ok = false, es = !strcmp(alg, "ES256"), ps = !strcmp(alg, "PS256");
    if (!k || !md || (!es && !ps && strcmp(alg, "RS256")))
        goto out;
    if (es != (EVP_PKEY_is_a(k, "EC") == 1))
        goto out;
    if (es) {
        if (sig_len != 64)
            goto out;
        ECDSA_SIG *e = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
        if (!e || !r || !s || ECDSA_SIG_set0(e, r, s) != 1) {
            BN_free(r);
            BN_free(s);
            ECDSA_SIG_free(e);
            goto out;
        }
        unsigned char *p = der;
        int n = i2d_ECDSA_SIG(e, NULL) <= (int)sizeof der ? i2d_ECDSA_SIG(e, &p) : -1;
        ECDSA_SIG_free(e);
        if (n <= 0)
            goto out;
        use = der;
        use_len = (size_t)n;
    }
    if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, k) != 1)
        goto out;
    if (ps && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
               EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
        goto out;
    ok = EVP_DigestVerify(md, use, use_len, (const unsigned char *)data, len) == 1;
out:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    ERR_clear_error();
    return ok;
}

static bool aud_ok(const struct gscfg *cfg, const json_t *aud)
{
    if (json_is_array(aud)) {
        size_t i;
        json_t *v;
        json_array_foreach(aud, i, v) if (aud_ok(cfg, v)) return true;
        return false;
    }
    const char *a = json_string_value(aud);
    if (!a)
        return false;
    if (cfg->token_audience[0])
        return !strcmp(a, cfg->token_audience);
    size_t n = strlen(a);
    return n >= 13 && !strcmp(a + n - 13, "/oauth2/token");
}

static uint64_t fnv64(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

/* Whether jti was seen (and not yet expired); remembers it otherwise. */
static bool replayed(struct gsjti_cache *c, const char *jti, int64_t exp_s, int64_t now_s)
{
    uint64_t h = fnv64(jti);
    size_t at = h % GSJTI_SLOTS, free_at = GSJTI_SLOTS, oldest = at;
    for (size_t k = 0; k < GSJTI_SLOTS; k++) {
        size_t i = (at + k) % GSJTI_SLOTS;
        if (c->exp_s[i] && c->exp_s[i] >= now_s && c->hash[i] == h)
            return true;
        if ((!c->exp_s[i] || c->exp_s[i] < now_s) && free_at == GSJTI_SLOTS)
            free_at = i;
        if (c->exp_s[i] < c->exp_s[oldest])
            oldest = i;
        if (!c->exp_s[i])
            break;
    }
    size_t i = free_at < GSJTI_SLOTS ? free_at : oldest;
    c->hash[i] = h;
    c->exp_s[i] = exp_s;
    return false;
}

enum gsassert_result gsassert_verify(const struct gscfg *cfg, struct gsjti_cache *seen,
                                     const char *jwt, size_t len, const char *form_id,
                                     int64_t now_s, char *client, size_t cap, const char **why)
{
    const char *d1 = memchr(jwt, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jwt)) : NULL;
    json_t *h = NULL, *c = NULL;
    enum gsassert_result r = GSASSERT_MALFORMED;
    *why = "The client assertion is not a valid signed JWT";
    if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jwt)))
        goto out;
    h = part_json(jwt, (size_t)(d1 - jwt));
    c = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
    const char *alg = json_string_value(json_object_get(h, "alg"));
    const char *iss = json_string_value(json_object_get(c, "iss"));
    const char *sub = json_string_value(json_object_get(c, "sub"));
    const char *jti = json_string_value(json_object_get(c, "jti"));
    json_t *exp = json_object_get(c, "exp");
    if (!alg || !iss || !sub || !jti || !json_is_integer(exp) || strlen(iss) >= cap)
        goto out;
    r = GSASSERT_WRONG_ISS;
    *why = "The issuer and subject of the client assertion must be the client_id";
    if (strcmp(iss, sub) || (form_id[0] && strcmp(iss, form_id)))
        goto out;
    const struct gscfg_client_key *key = find_key(cfg, iss);
    r = GSASSERT_NO_KEY;
    *why = "A valid OAuth client could not be found for the given client_id";
    if (!key)
        goto out;
    unsigned char sig[1024];
    long sl = unb64url(d2 + 1, len - (size_t)(d2 + 1 - jwt), sig, sizeof sig);
    r = GSASSERT_BAD_SIG;
    *why = "Signature or Message Authentication invalid";
    if (sl <= 0 || !sig_ok(key->pem, alg, jwt, (size_t)(d2 - jwt), sig, (size_t)sl))
        goto out;
    r = GSASSERT_WRONG_AUD;
    *why = "None of the audience values matched the tokenEndpoint Alias";
    if (!aud_ok(cfg, json_object_get(c, "aud")))
        goto out;
    int64_t exp_s = (int64_t)json_integer_value(exp);
    r = GSASSERT_EXPIRED;
    *why = "JSON Web Token is expired";
    if (exp_s <= now_s || exp_s > now_s + MAX_LIFETIME_S)
        goto out;
    r = GSASSERT_REPLAY;
    *why = "JWT Token with jti has been replayed";
    if (replayed(seen, jti, exp_s, now_s))
        goto out;
    snprintf(client, cap, "%s", iss);
    r = GSASSERT_OK;
    *why = "";
out:
    json_decref(h);
    json_decref(c);
    return r;
}

const char *gsassert_name(enum gsassert_result r)
{
    static const char *const names[] = {"verified",  "malformed", "no_key",  "bad_signature",
                                        "wrong_iss", "wrong_aud", "expired", "replayed"};
    return (unsigned)r < GSASSERT_RESULTS ? names[r] : "?";
}
