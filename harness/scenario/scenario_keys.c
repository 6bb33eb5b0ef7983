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
#include <strings.h>

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

/* Text for a JOSE header member: printable ASCII, no quote or backslash. */
static bool jose_text(const char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
            return false;
    return true;
}

int scnp_sign(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
              struct scn_sign **out)
{
    static const char *const keys[] = {"alg", "header", "iss", "tan", NULL};
    static const char *const algs[] = {"none", "PS256", "ES256", "RS256", NULL};
    char f[SCNP_FIELD_MAX];
    const struct ytree_node *v;
    if (n->kind != YTREE_MAP) {
        scnp_error(c, n, field,
                   "a mapping; write sign: {alg: PS256, header: x-jws-signature} (every key "
                   "optional: sign: {})");
        return -1;
    }
    if (scnp_keys(c, n, field, keys))
        return -1;
    struct scn_sign *sg = calloc(1, sizeof *sg);
    if (!sg) {
        c->oom = true;
        return -1;
    }
    *out = sg;
    if ((v = scnp_get(n, "alg"))) {
        char *a;
        if (!scnp_string(c, v, scnp_field(f, field, "alg"), &a, NULL)) {
            for (int i = 1; algs[i]; i++)
                if (!strcmp(a, algs[i]))
                    sg->alg = (enum scn_jws_alg)i;
            if (!sg->alg)
                scnp_error(c, v, f, "'%s' is not a signing algorithm; write PS256, ES256 or RS256",
                           a);
            free(a);
        }
    }
    if ((v = scnp_get(n, "header"))) {
        if (!scnp_string(c, v, scnp_field(f, field, "header"), &sg->header, NULL) &&
            !scnp_http_token(sg->header))
            scnp_error(c, v, f, "'%s' is not a header name", sg->header);
    } else if (!(sg->header = strdup("x-jws-signature")))
        c->oom = true;
    if ((v = scnp_get(n, "iss")) &&
        !scnp_string(c, v, scnp_field(f, field, "iss"), &sg->iss, NULL) && !jose_text(sg->iss))
        scnp_error(c, v, f, "printable ASCII without quotes or backslashes, please");
    if ((v = scnp_get(n, "tan"))) {
        if (!scnp_string(c, v, scnp_field(f, field, "tan"), &sg->tan, NULL) && !jose_text(sg->tan))
            scnp_error(c, v, f, "printable ASCII without quotes or backslashes, please");
    } else if (!(sg->tan = strdup("openbanking.org.uk")))
        c->oom = true;
    return 0;
}

/* The node of request i's sign: (for messages), else root. */
static const struct ytree_node *sign_node(const struct ytree_node *root, size_t i)
{
    const struct ytree_node *rq = scnp_get(root, "requests"), *v;
    if (rq && rq->kind == YTREE_SEQ && i < rq->n && rq->items[i]->kind == YTREE_MAP &&
        (v = scnp_get(rq->items[i], "sign")))
        return v;
    return root;
}

void scnp_sign_check(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    const struct scn_auth *au = &s->auth;
    for (size_t i = 0; i < s->n_requests; i++) {
        const struct scn_request *r = &s->requests[i];
        if (!r->sign)
            continue;
        char f[SCNP_FIELD_MAX];
        snprintf(f, sizeof f, "request %s: sign", r->name);
        const struct ytree_node *at = sign_node(root, i);
        if (au->type != SCN_AUTH_OAUTH2 || !au->n_apps) {
            scnp_error(c, at, f,
                       "signing needs the auth: section's applications with a signing_key "
                       "each (the request is signed with its application's key)");
            continue;
        }
        if (r->sign->header && au->header && !strcasecmp(r->sign->header, au->header))
            scnp_error(c, at, f, "the signature cannot go in %s, which carries the token",
                       au->header);
        for (size_t h = 0; h < r->n_headers; h++)
            if (r->sign->header && !strcasecmp(r->headers[h].name, r->sign->header))
                scnp_error(c, at, f, "the request sets %s itself; remove it (sign: writes it)",
                           r->sign->header);
        for (size_t a = 0; a < au->n_apps; a++) {
            const struct scn_app *ap = &au->apps[a];
            if (!r->sign->iss && ap->client_id && !jose_text(ap->client_id)) {
                scnp_error(c, at, f,
                           "application %s's client_id cannot be the signature's iss as is; "
                           "give sign: {iss: ...}",
                           ap->name);
                break;
            }
            if (!ap->signing_key.data) {
                if (!ap->signing_key_file)
                    scnp_error(c, at, f, "application %s has no signing_key; give it one",
                               ap->name);
                break;
            }
            if (r->sign->alg && r->sign->alg != ap->signing_alg) {
                static const char *const names[] = {"none", "PS256", "ES256", "RS256"};
                scnp_error(c, at, f,
                           "alg %s, but application %s signs with %s (its key's, or "
                           "auth.assertion_alg); give keys and algorithms that agree, or leave "
                           "alg out",
                           names[r->sign->alg], ap->name, names[ap->signing_alg]);
                break;
            }
        }
    }
}
