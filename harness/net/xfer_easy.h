/*
 * xfer_easy.h — libcurl easy handles given TLS as the run gives it, from
 * the scenario's bytes, for the handles outside the transports: the token
 * endpoint's (auth.c). libcurl reads no file for them: the CAs come from a
 * store built before the run (installed in each new connection's context
 * through CURLOPT_SSL_CTX_FUNCTION: libcurl 7.88 would parse a CA file or
 * CURLOPT_CAINFO_BLOB again for every connection, ~25 ms of CPU with the
 * system's ~140 CAs), the client certificate and key from memory
 * (CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB).
 */
#ifndef GATECAP_XFER_EASY_H
#define GATECAP_XFER_EASY_H

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <stdbool.h>

struct scn_pem;

/* What every new connection of an easy handle gets in its SSL_CTX: the
 * CA store, and a flag raised when the server asks for a client
 * certificate the handle has none to send (hint.h: "the gateway requires
 * a client certificate"). Owned by the handle's owner, for the handle's
 * life; the caller clears cert_asked before each transfer. */
struct xfer_tls_hook {
    X509_STORE *store; /* borrowed (each context takes a reference) */
    bool cert_asked;
};

/* Points e's certificate verification at hook->store (CURLOPT_CAINFO and
 * CURLOPT_CAPATH emptied: libcurl reads no CA file, not even its
 * default) and watches for certificate requests. Verification itself
 * (CURLOPT_SSL_VERIFYPEER/HOST) is the caller's. */
void xfer_easy_tls_hook(CURL *e, struct xfer_tls_hook *hook);

/* Makes e present the client certificate cert with key (PEM bytes the
 * scenario read; borrowed, they must outlive e's use of them), the key
 * decrypted with password (may be NULL); cert NULL or empty: none. libcurl
 * tells connections apart by these, so a connection made with one
 * certificate is never reused with another. */
void xfer_easy_cert(CURL *e, const struct scn_pem *cert, const struct scn_pem *key,
                    const char *password);

#endif
