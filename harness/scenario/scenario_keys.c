/*
 * scenario_keys.c — private keys read at load for signing (an
 * application's `signing_key:`, for private_key_jwt assertions and JWS
 * request signatures) and PKCS#12 (.p12/.pfx) bundles converted to the
 * PEM bytes the scenario carries, so that nothing after load reads a file
 * or knows the file's format.
 *
 * A PKCS#12 password is a secret: it is read from ${ENV} or a one-line
 * file, redacted, and zeroed when freed; messages never quote it. OpenSSL's
 * error queue is cleared after each attempt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "base/infile.h"
#include "scenario/scenario_int.h"

#define KEY_MAX_BYTES (1u << 20)

bool scnp_is_pem(const struct scn_pem *pem)
{
    return memmem(pem->data, pem->len, "-----BEGIN ", 11) != NULL;
}

bool scnp_is_p12(const struct scn_pem *pem)
{
    const unsigned char *p = (const unsigned char *)pem->data;
    PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)pem->len);
    PKCS12_free(p12);
    ERR_clear_error();
    return p12 != NULL;
}

/* PEM bytes of what write() puts into a memory BIO, into *out. */
static int bio_to_pem(BIO *b, struct scn_pem *out)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    if (n <= 0 || !(out->data = malloc((size_t)n + 1)))
        return -1;
    memcpy(out->data, data, (size_t)n);
    out->data[n] = '\0';
    out->len = (size_t)n;
    return 0;
}

static int key_to_pem(EVP_PKEY *k, struct scn_pem *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    int rc = b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1
                 ? bio_to_pem(b, out)
                 : -1;
    if (b) {
        /* the BIO's buffer held the key: clear it before it is freed */
        char *data;
        long n = BIO_get_mem_data(b, &data);
        if (n > 0)
            OPENSSL_cleanse(data, (size_t)n);
        BIO_free(b);
    }
    return rc;
}

int scnp_p12_parse(struct scnp_ctx *c, const struct scnp_file *f, const struct scn_pem *bytes,
                   const char *password, struct scn_pem *cert, struct scn_pem *key)
{
    const unsigned char *p = (const unsigned char *)bytes->data;
    PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)bytes->len);
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    int rc = -1;
    if (!p12) {
        scnp_error(c, f->n, f->field,
                   "%s is neither PEM nor PKCS#12; give a PEM file, or a .p12/.pfx bundle "
                   "(convert a Java keystore with keytool -importkeystore -deststoretype PKCS12)",
                   f->written);
        goto out;
    }
    if (!password) {
        scnp_error(c, f->n, f->field,
                   "%s is PKCS#12; give its password with key_password: ${P12_PASSWORD} or "
                   "key_password_file: FILE",
                   f->written);
        goto out;
    }
    if (PKCS12_parse(p12, password, &k, &x, NULL) != 1 || !k) {
        scnp_error(c, f->n, f->field,
                   "%s does not open with the password given (or holds no private key); check "
                   "key_password",
                   f->written);
        goto out;
    }
    if (cert && !x) {
        scnp_error(c, f->n, f->field, "%s holds a key but no certificate; add the certificate",
                   f->written);
        goto out;
    }
    if (key_to_pem(k, key)) {
        c->oom = true;
        goto out;
    }
    if (cert) {
        BIO *b = BIO_new(BIO_s_mem());
        if (!b || PEM_write_bio_X509(b, x) != 1 || bio_to_pem(b, cert)) {
            c->oom = true;
            scn_pem_free(key);
        } else
            rc = 0;
        BIO_free(b);
    } else
        rc = 0;
out:
    PKCS12_free(p12);
    EVP_PKEY_free(k);
    X509_free(x);
    ERR_clear_error();
    return rc;
}

/* The key's JWS algorithm by default: PS256 for RSA, ES256 for P-256. */
static enum scn_jws_alg default_alg(EVP_PKEY *k)
{
    if (EVP_PKEY_is_a(k, "RSA"))
        return SCN_JWS_PS256;
    char group[64] = "";
    size_t gl = 0;
    if (EVP_PKEY_is_a(k, "EC") &&
        EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &gl) == 1 &&
        !strcmp(group, "prime256v1"))
        return SCN_JWS_ES256;
    return SCN_JWS_NONE;
}

static int pw_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    size_t n = pw ? strlen(pw) : 0;
    if (n > (size_t)size)
        n = (size_t)size;
    if (n)
        memcpy(buf, pw, n);
    return (int)n;
}

int scnp_signing_key(struct scnp_ctx *c, const struct scnp_file *f, const char *password,
                     enum scn_jws_alg want, struct scn_pem *out, enum scn_jws_alg *alg)
{
    char *buf = NULL;
    size_t len = 0;
    int got = scnp_read_file(c, f->n, f->field, f->written, f->path, KEY_MAX_BYTES, &buf, &len);
    if (got == INFILE_ETOOBIG)
        scnp_error(c, f->n, f->field, "%s is larger than 1 MB; a key is a few KB", f->written);
    if (got)
        return -1;
    struct scn_pem raw = {buf, len}, pem = {0};
    EVP_PKEY *k = NULL;
    int rc = -1;
    if (scnp_is_pem(&raw)) {
        BIO *b = BIO_new_mem_buf(raw.data, (int)raw.len);
        k = b ? PEM_read_bio_PrivateKey(b, NULL, pw_cb, (void *)(uintptr_t)password) : NULL;
        BIO_free(b);
        ERR_clear_error();
        if (!k) {
            scnp_error(c, f->n, f->field,
                       "no private key in %s that opens%s; give -----BEGIN PRIVATE KEY----- "
                       "(or RSA/EC PRIVATE KEY), or key_password for an encrypted one",
                       f->written, password ? " with key_password" : "");
            goto out;
        }
        if (key_to_pem(k, &pem)) {
            c->oom = true;
            goto out;
        }
    } else {
        if (scnp_p12_parse(c, f, &raw, password, NULL, &pem))
            goto out;
        BIO *b = BIO_new_mem_buf(pem.data, (int)pem.len);
        k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
        ERR_clear_error();
        if (!k) {
            c->oom = true;
            goto out;
        }
    }
    enum scn_jws_alg def = default_alg(k);
    bool rsa = EVP_PKEY_is_a(k, "RSA");
    if (def == SCN_JWS_NONE)
        scnp_error(c, f->n, f->field,
                   "the key in %s is neither RSA nor EC P-256; FAPI signs with PS256 (RSA) or "
                   "ES256 (P-256)",
                   f->written);
    else if (rsa && EVP_PKEY_get_bits(k) < 2048)
        scnp_error(c, f->n, f->field, "the RSA key in %s has %d bits; at least 2048 are needed",
                   f->written, EVP_PKEY_get_bits(k));
    else if (want != SCN_JWS_NONE && (want == SCN_JWS_ES256) != (def == SCN_JWS_ES256))
        scnp_error(c, f->n, f->field,
                   "the key in %s is %s, and auth.assertion_alg %s needs %s; give a matching "
                   "key or algorithm (PS256 or RS256 for RSA, ES256 for EC P-256)",
                   f->written, rsa ? "RSA" : "EC P-256",
                   want == SCN_JWS_ES256 ? "ES256" : "PS256/RS256",
                   want == SCN_JWS_ES256 ? "an EC P-256 key" : "an RSA key");
    else {
        *alg = want != SCN_JWS_NONE ? want : def;
        *out = pem;
        pem = (struct scn_pem){0};
        rc = 0;
    }
out:
    EVP_PKEY_free(k);
    scn_pem_free(&pem);
    scn_pem_free(&raw);
    return rc;
}
