/*
 * jose.c — base64url, JWS signing and the JWTs gatecap sends; see jose.h.
 *
 * ECDSA comes out of OpenSSL as a DER SEQUENCE of two INTEGERs; JWS wants
 * the fixed 64-byte r||s (RFC 7518 3.4), so the DER is unpacked here by
 * hand (no allocation, unlike d2i_ECDSA_SIG).
 */
#include "net/jose.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base/encode.h"

#define KID_MAX 256
#define ECDSA_HALF 32

struct jose_key {
    EVP_PKEY *pkey;
    enum scn_jws_alg alg;
    char kid[KID_MAX]; /* "" without one */
};

struct jose_signer {
    EVP_MD_CTX *md;
};

const char *jose_alg_name(enum scn_jws_alg alg)
{
    switch (alg) {
    case SCN_JWS_PS256:
        return "PS256";
    case SCN_JWS_ES256:
        return "ES256";
    case SCN_JWS_RS256:
        return "RS256";
    case SCN_JWS_NONE:
        break;
    }
    return "none";
}

int jose_key_new(const char *pem, size_t len, enum scn_jws_alg alg, const char *kid,
                 struct jose_key **out, char *err, size_t err_len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    if (!k) {
        snprintf(err, err_len, "no PEM private key");
        return -1;
    }
    bool rsa = EVP_PKEY_is_a(k, "RSA");
    bool ec = false;
    if (EVP_PKEY_is_a(k, "EC")) {
        char group[64] = "";
        size_t gl = 0;
        ec = EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                            &gl) == 1 &&
             !strcmp(group, "prime256v1");
    }
    const char *why = NULL;
    if ((alg == SCN_JWS_PS256 || alg == SCN_JWS_RS256) && !rsa)
        why = "needs an RSA key";
    else if ((alg == SCN_JWS_PS256 || alg == SCN_JWS_RS256) && EVP_PKEY_get_bits(k) < 2048)
        why = "needs an RSA key of at least 2048 bits";
    else if (alg == SCN_JWS_ES256 && !ec)
        why = "needs an EC P-256 (prime256v1) key";
    else if (alg == SCN_JWS_NONE)
        why = "is not an algorithm";
    if (!why && kid && strlen(kid) >= KID_MAX)
        why = "has a kid that is too long";
    struct jose_key *jk = why ? NULL : calloc(1, sizeof *jk);
    if (!jk) {
        snprintf(err, err_len, "%s %s", jose_alg_name(alg), why ? why : "out of memory");
        EVP_PKEY_free(k);
        return -1;
    }
    jk->pkey = k;
    jk->alg = alg;
    if (kid)
        memcpy(jk->kid, kid, strlen(kid) + 1);
    *out = jk;
    return 0;
}

void jose_key_free(struct jose_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

struct jose_signer *jose_signer_new(void)
{
    struct jose_signer *s = calloc(1, sizeof *s);
    if (s && !(s->md = EVP_MD_CTX_new())) {
        free(s);
        s = NULL;
    }
    return s;
}

void jose_signer_free(struct jose_signer *s)
{
    if (!s)
        return;
    EVP_MD_CTX_free(s->md);
    free(s);
}

/* One DER INTEGER at *p (end excluded) into 32 bytes, big-endian, left
 * padded. Returns 0 or -1. */
static int der_int(const unsigned char **p, const unsigned char *end, unsigned char out[ECDSA_HALF])
{
    const unsigned char *q = *p;
    if (end - q < 2 || q[0] != 0x02 || q[1] & 0x80)
        return -1;
    size_t n = q[1];
    q += 2;
    if ((size_t)(end - q) < n)
        return -1;
    const unsigned char *v = q;
    size_t vn = n;
    while (vn > ECDSA_HALF && !*v) {
        v++;
        vn--;
    }
    if (vn > ECDSA_HALF)
        return -1;
    memset(out, 0, ECDSA_HALF - vn);
    memcpy(out + ECDSA_HALF - vn, v, vn);
    *p = q + n;
    return 0;
}

/* DER ECDSA-Sig-Value (at most 72 bytes for P-256) to r||s in place. */
static long ecdsa_raw(unsigned char *sig, size_t der_len)
{
    unsigned char r[ECDSA_HALF], s[ECDSA_HALF];
    const unsigned char *p = sig, *end = sig + der_len;
    if (der_len < 8 || p[0] != 0x30)
        return -1;
    size_t seq = p[1];
    p += 2;
    if (seq & 0x80 || (size_t)(end - p) != seq || der_int(&p, end, r) || der_int(&p, end, s) ||
        p != end)
        return -1;
    memcpy(sig, r, ECDSA_HALF);
    memcpy(sig + ECDSA_HALF, s, ECDSA_HALF);
    return 2 * ECDSA_HALF;
}

long jose_sign(struct jose_signer *s, const struct jose_key *k, const void *data, size_t len,
               unsigned char *sig, size_t cap)
{
    EVP_PKEY_CTX *pctx = NULL;
    size_t n = cap;
    long rc = -1;
    EVP_MD_CTX_reset(s->md);
    if (EVP_DigestSignInit(s->md, &pctx, EVP_sha256(), NULL, k->pkey) != 1)
        goto out;
    if (k->alg == SCN_JWS_PS256 &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
        goto out;
    if (k->alg == SCN_JWS_RS256 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        goto out;
    if (EVP_DigestSign(s->md, NULL, &n, data, len) != 1 || n > cap)
        goto out;
    if (EVP_DigestSign(s->md, sig, &n, data, len) != 1)
        goto out;
    rc = k->alg == SCN_JWS_ES256 ? ecdsa_raw(sig, n) : (long)n;
out:
    ERR_clear_error();
    return rc;
}

/* Appends "." and the base64url signature of out[0, len) to out. */
static long sign_append(struct jose_signer *s, const struct jose_key *k, char *out, size_t len,
                        size_t cap, const char *input, size_t input_len)
{
    unsigned char sig[1024];
    long n = jose_sign(s, k, input, input_len, sig, sizeof sig);
    if (n < 0 || len + 1 >= cap)
        return -1;
    out[len++] = '.';
    long e = enc_base64url(sig, (size_t)n, out + len, cap - len);
    return e < 0 ? -1 : (long)len + e;
}

/* Appends base64url(text) to out at *len. */
static int put_b64(const char *text, size_t n, char *out, size_t *len, size_t cap)
{
    long e = enc_base64url(text, n, out + *len, cap - *len);
    if (e < 0)
        return -1;
    *len += (size_t)e;
    return 0;
}

/* ,"kid":"..." when the key has one, else "". */
static void kid_member(const struct jose_key *k, char *buf, size_t cap)
{
    if (k->kid[0])
        snprintf(buf, cap, ",\"kid\":\"%s\"", k->kid);
    else
        buf[0] = '\0';
}

long jose_assertion(struct jose_signer *s, const struct jose_key *k, const struct jose_assertion *c,
                    char *out, size_t cap)
{
    char kid[KID_MAX + 16], json[4096], jti[33];
    kid_member(k, kid, sizeof kid);
    for (size_t i = 0; i < sizeof c->jti; i++)
        snprintf(jti + 2 * i, 3, "%02x", c->jti[i]);
    size_t len = 0;
    int n = snprintf(json, sizeof json, "{\"alg\":\"%s\",\"typ\":\"JWT\"%s}", jose_alg_name(k->alg),
                     kid);
    if (n < 0 || (size_t)n >= sizeof json || put_b64(json, (size_t)n, out, &len, cap) ||
        len + 1 >= cap)
        return -1;
    out[len++] = '.';
    /* iss, sub, aud and client ids: JSON-escaped by the caller's check at
     * load (no quote, backslash or control character) */
    n = snprintf(json, sizeof json,
                 "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"jti\":\"%s\",\"iat\":%" PRId64
                 ",\"nbf\":%" PRId64 ",\"exp\":%" PRId64 "}",
                 c->client_id, c->client_id, c->aud, jti, c->iat_s, c->iat_s,
                 c->iat_s + c->lifetime_s);
    if (n < 0 || (size_t)n >= sizeof json || put_b64(json, (size_t)n, out, &len, cap))
        return -1;
    return sign_append(s, k, out, len, cap, out, len);
}

long jose_ob_detached(struct jose_signer *s, const struct jose_key *k, const char *iss,
                      const char *tan, int64_t iat_s, const void *body, size_t body_len,
                      char *scratch, size_t scratch_cap, char *out, size_t cap)
{
    char kid[KID_MAX + 16], json[2048];
    kid_member(k, kid, sizeof kid);
    int n = snprintf(json, sizeof json,
                     "{\"alg\":\"%s\"%s,\"typ\":\"JOSE\",\"cty\":\"application/json\","
                     "\"http://openbanking.org.uk/iat\":%" PRId64
                     ",\"http://openbanking.org.uk/iss\":\"%s\","
                     "\"http://openbanking.org.uk/tan\":\"%s\","
                     "\"crit\":[\"http://openbanking.org.uk/iat\","
                     "\"http://openbanking.org.uk/iss\",\"http://openbanking.org.uk/tan\"]}",
                     jose_alg_name(k->alg), kid, iat_s, iss, tan);
    size_t hl = 0, sl;
    if (n < 0 || (size_t)n >= sizeof json || put_b64(json, (size_t)n, scratch, &hl, scratch_cap) ||
        hl + 1 >= scratch_cap)
        return -1;
    scratch[hl] = '.';
    sl = hl + 1;
    if (put_b64(body, body_len, scratch, &sl, scratch_cap) || hl + 1 >= cap)
        return -1;
    /* header ".." signature: the payload travels as the body itself */
    memcpy(out, scratch, hl);
    out[hl] = '.';
    return sign_append(s, k, out, hl + 1, cap, scratch, sl);
}
