/* tests/testcerts.h — certificates made by a unit test with OpenSSL: a
 * key, a certificate signed by a test CA (or self-signed), a PEM file.
 * Static inline like testutil.h; include after <cmocka.h> (they assert). */
#ifndef GATECAP_TESTCERTS_H
#define GATECAP_TESTCERTS_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>

/* A new P-256 key (owned, EVP_PKEY_free). */
static inline EVP_PKEY *test_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    return k;
}

/* A certificate for key named cn, valid from now+from_s to now+to_s:
 * signed by ca/ca_key, or self-signed as a CA when ca is NULL. san, when
 * not NULL, is its subjectAltName (e.g. "IP:127.0.11.1"). Owned
 * (X509_free). */
static inline X509 *test_cert(EVP_PKEY *key, const char *cn, X509 *ca, EVP_PKEY *ca_key,
                              long from_s, long to_s, const char *san)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(random() & 0xffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), to_s);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : name);
    if (!ca || san) {
        X509V3_CTX v3;
        X509V3_set_ctx(&v3, ca ? ca : x, x, NULL, NULL, 0);
        X509_EXTENSION *ext =
            X509V3_EXT_conf_nid(NULL, &v3, ca ? NID_subject_alt_name : NID_basic_constraints,
                                ca ? san : "critical,CA:TRUE");
        assert_non_null(ext);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    assert_true(X509_sign(x, ca_key ? ca_key : key, EVP_sha256()) > 0);
    return x;
}

/* Writes x to path as PEM. */
static inline void test_save_cert(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(PEM_write_X509(f, x));
    fclose(f);
}

#endif
