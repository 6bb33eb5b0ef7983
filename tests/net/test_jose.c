/*
 * net/test_jose.c — base64url, JWS signatures (PS256, ES256 as r||s,
 * RS256) checked with OpenSSL's verification of the public key, the
 * client assertion's claims and the Open Banking detached signature.
 * Keys are made here, in memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base/encode.h"
#include "net/jose.h"

/* A new key's PKCS#8 PEM (owned) and the key itself (owned). */
static char *new_key(bool rsa, EVP_PKEY **pk, size_t *len)
{
    *pk = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
              : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(*pk);
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, *pk, NULL, NULL, 0, NULL, NULL), 1);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *pem = malloc((size_t)n + 1);
    memcpy(pem, data, (size_t)n);
    pem[n] = 0;
    *len = (size_t)n;
    BIO_free(b);
    return pem;
}

/* Decodes base64url s[0, n) into out; returns the length. */
static size_t unb64url(const char *s, size_t n, uint8_t *out, size_t cap)
{
    char tmp[8192];
    assert_true(n + 4 < sizeof tmp);
    for (size_t i = 0; i < n; i++)
        tmp[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (n % 4)
        tmp[n++] = '=';
    size_t len = 0;
    assert_int_equal(enc_unbase64(tmp, n, out, cap, &len), 0);
    return len;
}

/* Verifies sig over data with pk as alg does. */
static bool verify(EVP_PKEY *pk, enum scn_jws_alg alg, const void *data, size_t len,
                   const uint8_t *sig, size_t sig_len)
{
    uint8_t der[128];
    const uint8_t *use = sig;
    size_t use_len = sig_len;
    if (alg == SCN_JWS_ES256) {
        assert_int_equal(sig_len, 64); /* r||s, not DER */
        ECDSA_SIG *es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
        uint8_t *p = der;
        use_len = (size_t)i2d_ECDSA_SIG(es, &p);
        ECDSA_SIG_free(es);
        use = der;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx;
    assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pk), 1);
    if (alg == SCN_JWS_PS256) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
    }
    int ok = EVP_DigestVerify(md, use, use_len, data, len);
    EVP_MD_CTX_free(md);
    return ok == 1;
}

static void b64url(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(enc_base64url("", 0, out, sizeof out), 0);
    assert_int_equal(enc_base64url("f", 1, out, sizeof out), 2);
    assert_string_equal(out, "Zg");
    assert_int_equal(enc_base64url("fo", 2, out, sizeof out), 3);
    assert_string_equal(out, "Zm8");
    assert_int_equal(enc_base64url("foo", 3, out, sizeof out), 4);
    assert_string_equal(out, "Zm9v");
    const uint8_t bin[] = {0xfb, 0xff, 0xfe};
    assert_int_equal(enc_base64url(bin, 3, out, sizeof out), 4);
    assert_string_equal(out, "-__-");                         /* url alphabet, no padding */
    assert_int_equal(enc_base64url("foobar", 6, out, 8), -1); /* 8 chars + NUL do not fit */
    assert_int_equal(enc_base64url_len(5), 7);
}

static void sign_alg(enum scn_jws_alg alg, bool rsa)
{
    EVP_PKEY *pk;
    size_t len;
    char *pem = new_key(rsa, &pk, &len), err[128];
    struct jose_key *k = NULL;
    assert_int_equal(jose_key_new(pem, len, alg, NULL, &k, err, sizeof err), 0);
    struct jose_signer *s = jose_signer_new();
    uint8_t sig[600];
    const char *msg = "header.payload";
    long n = jose_sign(s, k, msg, strlen(msg), sig, sizeof sig);
    assert_true(n > 0);
    assert_true(verify(pk, alg, msg, strlen(msg), sig, (size_t)n));
    assert_false(verify(pk, alg, "header.payloaD", strlen(msg), sig, (size_t)n));
    /* signing again with the same context works (it is reused) */
    assert_true(jose_sign(s, k, msg, 3, sig, sizeof sig) > 0);
    assert_true(verify(pk, alg, msg, 3, sig, (size_t)n));
    jose_signer_free(s);
    jose_key_free(k);
    EVP_PKEY_free(pk);
    free(pem);
}

static void sign_ps256(void **state)
{
    (void)state;
    sign_alg(SCN_JWS_PS256, true);
}

static void sign_rs256(void **state)
{
    (void)state;
    sign_alg(SCN_JWS_RS256, true);
}

static void sign_es256(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++) /* r or s with a leading zero byte now and then */
        sign_alg(SCN_JWS_ES256, false);
}

static void key_mismatch(void **state)
{
    (void)state;
    EVP_PKEY *pk;
    size_t len;
    char *pem = new_key(false, &pk, &len), err[128];
    struct jose_key *k = NULL;
    assert_int_equal(jose_key_new(pem, len, SCN_JWS_PS256, NULL, &k, err, sizeof err), -1);
    assert_non_null(strstr(err, "RSA"));
    assert_int_equal(jose_key_new("nope", 4, SCN_JWS_ES256, NULL, &k, err, sizeof err), -1);
    assert_non_null(strstr(err, "no PEM private key"));
    EVP_PKEY_free(pk);
    free(pem);
}

/* The JWT's three parts: header and claims parsed, signature verified. */
static void check_jwt(const char *jwt, EVP_PKEY *pk, enum scn_jws_alg alg, json_t **hdr,
                      json_t **claims)
{
    const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    assert_non_null(d2);
    uint8_t buf[4096];
    size_t n = unb64url(jwt, (size_t)(d1 - jwt), buf, sizeof buf);
    *hdr = json_loadb((char *)buf, n, 0, NULL);
    n = unb64url(d1 + 1, (size_t)(d2 - d1 - 1), buf, sizeof buf);
    *claims = n ? json_loadb((char *)buf, n, 0, NULL) : NULL;
    n = unb64url(d2 + 1, strlen(d2 + 1), buf, sizeof buf);
    assert_true(verify(pk, alg, jwt, (size_t)(d2 - jwt), buf, n));
}

static void assertion(void **state)
{
    (void)state;
    EVP_PKEY *pk;
    size_t len;
    char *pem = new_key(false, &pk, &len), err[128], jwt[2048];
    struct jose_key *k = NULL;
    assert_int_equal(jose_key_new(pem, len, SCN_JWS_ES256, "key-1", &k, err, sizeof err), 0);
    struct jose_signer *s = jose_signer_new();
    struct jose_assertion a = {.client_id = "app1",
                               .aud = "https://km:9443/oauth2/token",
                               .iat_s = 1700000000,
                               .lifetime_s = 60,
                               .jti = {0xde, 0xad, 0xbe, 0xef}};
    long n = jose_assertion(s, k, &a, jwt, sizeof jwt);
    assert_true(n > 0 && (size_t)n == strlen(jwt));
    json_t *h, *c;
    check_jwt(jwt, pk, SCN_JWS_ES256, &h, &c);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "JWT");
    assert_string_equal(json_string_value(json_object_get(h, "kid")), "key-1");
    assert_string_equal(json_string_value(json_object_get(c, "iss")), "app1");
    assert_string_equal(json_string_value(json_object_get(c, "sub")), "app1");
    assert_string_equal(json_string_value(json_object_get(c, "aud")),
                        "https://km:9443/oauth2/token");
    assert_string_equal(json_string_value(json_object_get(c, "jti")),
                        "deadbeef000000000000000000000000");
    assert_int_equal(json_integer_value(json_object_get(c, "iat")), 1700000000);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), 1700000060);
    json_decref(h);
    json_decref(c);
    /* too small a buffer */
    assert_int_equal(jose_assertion(s, k, &a, jwt, 100), -1);
    jose_signer_free(s);
    jose_key_free(k);
    EVP_PKEY_free(pk);
    free(pem);
}

static void detached(void **state)
{
    (void)state;
    EVP_PKEY *pk;
    size_t len;
    char *pem = new_key(true, &pk, &len), err[128], out[2048], scratch[4096];
    struct jose_key *k = NULL;
    assert_int_equal(jose_key_new(pem, len, SCN_JWS_PS256, "kid9", &k, err, sizeof err), 0);
    struct jose_signer *s = jose_signer_new();
    const char *body = "{\"Data\":{\"Initiation\":{\"Amount\":\"10.00\"}}}";
    long n = jose_ob_detached(s, k, "0015800001041RHAAY", "openbanking.org.uk", 1700000000, body,
                              strlen(body), scratch, sizeof scratch, out, sizeof out);
    assert_true(n > 0);
    const char *dd = strstr(out, "..");
    assert_non_null(dd); /* header..signature: the payload is detached */
    assert_null(strchr(dd + 2, '.'));
    /* verify over header "." base64url(body) */
    char input[4096];
    size_t hl = (size_t)(dd - out);
    memcpy(input, out, hl);
    input[hl] = '.';
    long bl = enc_base64url(body, strlen(body), input + hl + 1, sizeof input - hl - 1);
    uint8_t sig[600], hb[2048];
    size_t sl = unb64url(dd + 2, strlen(dd + 2), sig, sizeof sig);
    assert_true(verify(pk, SCN_JWS_PS256, input, hl + 1 + (size_t)bl, sig, sl));
    size_t hn = unb64url(out, hl, hb, sizeof hb);
    json_t *h = json_loadb((char *)hb, hn, 0, NULL);
    assert_non_null(h);
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "JOSE");
    assert_string_equal(json_string_value(json_object_get(h, "kid")), "kid9");
    assert_string_equal(json_string_value(json_object_get(h, "cty")), "application/json");
    assert_int_equal(json_integer_value(json_object_get(h, "http://openbanking.org.uk/iat")),
                     1700000000);
    assert_string_equal(json_string_value(json_object_get(h, "http://openbanking.org.uk/tan")),
                        "openbanking.org.uk");
    assert_int_equal(json_array_size(json_object_get(h, "crit")), 3);
    assert_null(json_object_get(h, "b64"));
    json_decref(h);
    /* a scratch buffer too small is refused, not overrun */
    assert_int_equal(
        jose_ob_detached(s, k, "x", "t", 1, body, strlen(body), scratch, 40, out, sizeof out), -1);
    jose_signer_free(s);
    jose_key_free(k);
    EVP_PKEY_free(pk);
    free(pem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(b64url),     cmocka_unit_test(sign_ps256),   cmocka_unit_test(sign_rs256),
        cmocka_unit_test(sign_es256), cmocka_unit_test(key_mismatch), cmocka_unit_test(assertion),
        cmocka_unit_test(detached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
