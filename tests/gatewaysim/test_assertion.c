/* tests/gatewaysim/test_assertion.c — the simulator's verification of
 * private_key_jwt client assertions and detached JWS request signatures
 * (tools/gatewaysim/assertion.c): JWTs made here with OpenSSL (PS256, and
 * ES256 as r||s), accepted with the registered key, refused with another
 * key, another audience, after exp, with iss != sub, and when a jti comes
 * again. Times are given, not read from a clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/gatewaysim/assertion.h"

static void b64url(const unsigned char *in, size_t n, char *out)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        if (i + 1 < n)
            out[o++] = t[v >> 6 & 63];
        if (i + 2 < n)
            out[o++] = t[v & 63];
    }
    out[o] = 0;
}

/* Signs input with k as alg into out (base64url). */
static void sign(EVP_PKEY *k, bool es, const char *input, char *out)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx;
    unsigned char sig[600];
    size_t n = sizeof sig;
    assert_int_equal(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, k), 1);
    if (!es) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
    }
    assert_int_equal(EVP_DigestSign(md, sig, &n, (const unsigned char *)input, strlen(input)), 1);
    EVP_MD_CTX_free(md);
    if (es) { /* DER to r||s */
        const unsigned char *p = sig;
        ECDSA_SIG *e = d2i_ECDSA_SIG(NULL, &p, (long)n);
        assert_non_null(e);
        BN_bn2binpad(ECDSA_SIG_get0_r(e), sig, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(e), sig + 32, 32);
        ECDSA_SIG_free(e);
        n = 64;
    }
    b64url(sig, n, out);
}

/* A signed JWT with the given claims. */
static char *jwt(EVP_PKEY *k, bool es, const char *iss, const char *sub, const char *aud, long exp,
                 const char *jti)
{
    char hdr[100], claims[512], h64[200], c64[800], input[1100], sig[900];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", es ? "ES256" : "PS256");
    snprintf(claims, sizeof claims,
             "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"exp\":%ld,\"jti\":\"%s\"}", iss, sub,
             aud, exp, jti);
    b64url((const unsigned char *)hdr, strlen(hdr), h64);
    b64url((const unsigned char *)claims, strlen(claims), c64);
    snprintf(input, sizeof input, "%s.%s", h64, c64);
    sign(k, es, input, sig);
    size_t n = strlen(input) + strlen(sig) + 2;
    char *out = malloc(n);
    snprintf(out, n, "%s.%s", input, sig);
    return out;
}

static void add_key(struct gscfg *cfg, const char *id, EVP_PKEY *k)
{
    struct gscfg_client_key *ck = &cfg->client_keys[cfg->n_client_keys++];
    snprintf(ck->id, sizeof ck->id, "%s", id);
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
    int n = BIO_read(b, ck->pem, sizeof ck->pem - 1);
    assert_true(n > 0);
    ck->pem[n] = 0;
    BIO_free(b);
}

#define AUD "https://km:9443/oauth2/token"
#define NOW 1700000000L

static enum gsassert_result check(const struct gscfg *cfg, struct gsjti_cache *seen, char *t,
                                  const char *form_id)
{
    char client[128];
    const char *why;
    enum gsassert_result r =
        gsassert_verify(cfg, seen, t, strlen(t), form_id, NOW, client, sizeof client, &why);
    if (r == GSASSERT_OK)
        assert_string_equal(client, "app1");
    else
        assert_true(why[0]);
    free(t);
    return r;
}

static void assertions(void **state)
{
    (void)state;
    static struct gscfg cfg;
    static struct gsjti_cache seen;
    memset(&cfg, 0, sizeof cfg);
    EVP_PKEY *rsa = EVP_RSA_gen(2048), *ec = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");
    add_key(&cfg, "app1", rsa);
    add_key(&cfg, "app2", ec);
    /* PS256, and ES256 as r||s */
    assert_int_equal(check(&cfg, &seen, jwt(rsa, false, "app1", "app1", AUD, NOW + 60, "j1"), ""),
                     GSASSERT_OK);
    char client[128];
    const char *why;
    char *t = jwt(ec, true, "app2", "app2", AUD, NOW + 60, "j2");
    assert_int_equal(
        gsassert_verify(&cfg, &seen, t, strlen(t), "app2", NOW, client, sizeof client, &why),
        GSASSERT_OK);
    free(t);
    /* the same jti again: a replay */
    assert_int_equal(check(&cfg, &seen, jwt(rsa, false, "app1", "app1", AUD, NOW + 60, "j1"), ""),
                     GSASSERT_REPLAY);
    /* another key, another audience, expired, iss != sub, another form id */
    assert_int_equal(check(&cfg, &seen, jwt(other, true, "app2", "app2", AUD, NOW + 60, "j3"), ""),
                     GSASSERT_BAD_SIG);
    assert_int_equal(
        check(&cfg, &seen, jwt(rsa, false, "app1", "app1", "https://x/other", NOW + 60, "j4"), ""),
        GSASSERT_WRONG_AUD);
    assert_int_equal(check(&cfg, &seen, jwt(rsa, false, "app1", "app1", AUD, NOW - 1, "j5"), ""),
                     GSASSERT_EXPIRED);
    assert_int_equal(check(&cfg, &seen, jwt(rsa, false, "app1", "app9", AUD, NOW + 60, "j6"), ""),
                     GSASSERT_WRONG_ISS);
    assert_int_equal(
        check(&cfg, &seen, jwt(rsa, false, "app1", "app1", AUD, NOW + 60, "j7"), "app2"),
        GSASSERT_WRONG_ISS);
    assert_int_equal(check(&cfg, &seen, jwt(rsa, false, "app3", "app3", AUD, NOW + 60, "j8"), ""),
                     GSASSERT_NO_KEY);
    /* an exact audience when one is configured */
    snprintf(cfg.token_audience, sizeof cfg.token_audience, "https://is:9443/oauth2/token");
    assert_int_equal(check(&cfg, &seen, jwt(rsa, false, "app1", "app1", AUD, NOW + 60, "j9"), ""),
                     GSASSERT_WRONG_AUD);
    assert_int_equal(check(&cfg, &seen, strdup("a.b"), ""), GSASSERT_MALFORMED);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(other);
}

/* A detached JWS with the Open Banking header over body, in a request head. */
static void detached(void **state)
{
    (void)state;
    static struct gscfg cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.verify_jws, sizeof cfg.verify_jws, "x-jws-signature");
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    add_key(&cfg, "app1", ec);
    uint32_t hash = gscfg_client_hash("app1", 4);
    const char *body = "{\"Amount\":\"1.00\"}";
    const char *hdr = "{\"alg\":\"ES256\",\"typ\":\"JOSE\",\"http://openbanking.org.uk/iat\":1,"
                      "\"http://openbanking.org.uk/iss\":\"app1\",\"http://openbanking.org.uk/"
                      "tan\":\"openbanking.org.uk\",\"crit\":[\"http://openbanking.org.uk/"
                      "iat\",\"http://openbanking.org.uk/iss\",\"http://openbanking.org.uk/tan\"]}";
    char h64[600], b64[100], input[800], sig[200], head[1200];
    b64url((const unsigned char *)hdr, strlen(hdr), h64);
    b64url((const unsigned char *)body, strlen(body), b64);
    snprintf(input, sizeof input, "%s.%s", h64, b64);
    sign(ec, true, input, sig);
    snprintf(head, sizeof head, "POST /p HTTP/1.1\r\nHost: x\r\nX-JWS-Signature: %s..%s\r\n\r\n",
             h64, sig);
    const char *why;
    assert_int_equal(gsjws_verify(&cfg, head, strlen(head), body, strlen(body), hash, &why),
                     GSJWS_VERIFIED);
    /* another body, another client, no header */
    assert_int_equal(gsjws_verify(&cfg, head, strlen(head), "{}", 2, hash, &why), GSJWS_INVALID);
    assert_int_equal(gsjws_verify(&cfg, head, strlen(head), body, strlen(body), hash + 1, &why),
                     GSJWS_INVALID);
    const char *bare = "POST /p HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(gsjws_verify(&cfg, bare, strlen(bare), body, strlen(body), hash, &why),
                     GSJWS_MISSING);
    EVP_PKEY_free(ec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(assertions),
        cmocka_unit_test(detached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
