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
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/encode.h"

/* Longest lifetime (exp - now) accepted, as WSO2 bounds it. */
#define MAX_LIFETIME_S 3600
#define PART_BYTES 4096

/* Base64url (no padding) into out; returns the length or -1. */
static long unb64url(const char *s, size_t n, unsigned char *out, size_t cap)
{
    long len = enc_unbase64url(s, n, out, cap);
    return len < 0 ? -1 : len;
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

/* The value of header name in head (case-insensitive name), or NULL. */
static const char *find_header(const char *head, size_t len, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    const char *p = memchr(head, '\n', len), *end = head + len;
    while (p && p + 1 < end) {
        const char *line = p + 1;
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            break;
        if ((size_t)(eol - line) > nl && line[nl] == ':' && !strncasecmp(line, name, nl)) {
            const char *v = line + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
                ve--;
            *vlen = (size_t)(ve - v);
            return v;
        }
        p = eol;
    }
    return NULL;
}

static bool crit_ok(const json_t *h)
{
    static const char *const need[] = {"http://openbanking.org.uk/iat",
                                       "http://openbanking.org.uk/iss",
                                       "http://openbanking.org.uk/tan"};
    const json_t *crit = json_object_get(h, "crit");
    if (!json_is_array(crit) || json_object_get(h, "b64"))
        return false;
    for (size_t i = 0; i < 3; i++) {
        bool listed = false;
        size_t k;
        json_t *v;
        json_array_foreach(crit, k, v) listed |=
            json_is_string(v) && !strcmp(json_string_value(v), need[i]);
        if (!listed || !json_object_get(h, need[i]))
            return false;
    }
    return true;
}

enum gsjws_result gsjws_verify(const struct gscfg *cfg, const char *head, size_t head_len,
                               const char *body, size_t body_len, uint32_t client_hash,
                               const char **why)
{
    size_t vl = 0;
    const char *v = find_header(head, head_len, cfg->verify_jws, &vl);
    if (!v || !vl) {
        *why = "The request has no JWS signature header";
        return GSJWS_MISSING;
    }
    *why = "The JWS signature is malformed";
    const char *dd = vl > 2 ? memmem(v, vl, "..", 2) : NULL;
    if (!dd || memchr(dd + 2, '.', vl - (size_t)(dd + 2 - v)))
        return GSJWS_INVALID;
    size_t hl = (size_t)(dd - v);
    json_t *h = part_json(v, hl);
    enum gsjws_result r = GSJWS_INVALID;
    const char *alg = json_string_value(json_object_get(h, "alg"));
    const struct gscfg_client_key *key = NULL;
    for (int i = 0; i < cfg->n_client_keys; i++)
        if (gscfg_client_hash(cfg->client_keys[i].id, strlen(cfg->client_keys[i].id)) ==
            client_hash)
            key = &cfg->client_keys[i];
    size_t in_cap = hl + 1 + (body_len + 2) / 3 * 4 + 1;
    char *in = NULL;
    unsigned char sig[1024];
    long sl;
    if (!alg || !crit_ok(h)) {
        *why = "The JWS protected header lacks the Open Banking claims (crit iat, iss, tan)";
        goto out;
    }
    if (!key) {
        *why = "No signing key is registered for the client of the access token";
        goto out;
    }
    if (!(in = malloc(in_cap)))
        goto out;
    memcpy(in, v, hl);
    in[hl] = '.';
    size_t o = hl + 1;
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *b = (const unsigned char *)body;
    size_t i = 0;
    for (; i + 3 <= body_len; i += 3) {
        uint32_t x = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
        in[o++] = tbl[x >> 18 & 63];
        in[o++] = tbl[x >> 12 & 63];
        in[o++] = tbl[x >> 6 & 63];
        in[o++] = tbl[x & 63];
    }
    if (body_len - i) {
        uint32_t x = (uint32_t)b[i] << 16 | (body_len - i == 2 ? (uint32_t)b[i + 1] << 8 : 0);
        in[o++] = tbl[x >> 18 & 63];
        in[o++] = tbl[x >> 12 & 63];
        if (body_len - i == 2)
            in[o++] = tbl[x >> 6 & 63];
    }
    sl = unb64url(dd + 2, vl - hl - 2, sig, sizeof sig);
    *why = "The JWS signature does not verify";
    if (sl > 0 && sig_ok(key->pem, alg, in, o, sig, (size_t)sl)) {
        r = GSJWS_VERIFIED;
        *why = "";
    }
out:
    free(in);
    json_decref(h);
    return r;
}

const char *gsassert_name(enum gsassert_result r)
{
    static const char *const names[] = {"verified",  "malformed", "no_key",  "bad_signature",
                                        "wrong_iss", "wrong_aud", "expired", "replayed"};
    return (unsigned)r < GSASSERT_RESULTS ? names[r] : "?";
}
