/*
 * xfer_tls.h — OpenSSL for the native transport (xfer_h1.c), the libcurl
 * handles (their CA store) and the node check: CA stores and client
 * identities built from the scenario's PEM bytes (read when it was
 * loaded: nothing here reads a file), one client SSL_CTX per transport set
 * up from the scenario's `tls:`, and the per-connection settings (SNI, the
 * name or address to verify, the client certificate).
 *
 * Stores, identities and contexts are built before a worker's loop runs,
 * never per connection (libcurl 7.88 builds a context per connection, and
 * parsed its CA file for each: most of the cost of a new TLS connection
 * there). A context is used on its worker's thread; a store and an
 * identity only read once built.
 */
#ifndef GATECAP_XFER_TLS_H
#define GATECAP_XFER_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

struct scenario;
struct scn_tls;
struct scn_pem;

/* The CAs that verify servers, from t->ca (tls.ca, or the system's CA
 * file read at load; none with insecure). Returns the store (owned,
 * X509_STORE_free), or NULL with the reason in err (no memory, or bytes
 * that hold no certificate). */
X509_STORE *xfer_tls_store(const struct scn_tls *t, char *err, size_t err_len);

/* A client certificate (with the rest of its file's certificates as its
 * chain) and its private key, parsed once; every connection that
 * presents it shares the objects. */
struct xfer_tls_id {
    X509 *cert;             /* NULL: no client certificate */
    STACK_OF(X509) * chain; /* or NULL */
    EVP_PKEY *key;
};

/* Parses cert and key (PEM bytes; key may hold the certificate too),
 * decrypting the key with password (may be NULL; never prompts). what
 * names them in err (e.g. a file name). Returns 0 with *id filled (owned:
 * xfer_tls_id_free), or -1 with the reason in err. An empty cert leaves
 * *id empty and returns 0. */
int xfer_tls_id_load(struct xfer_tls_id *id, const struct scn_pem *cert, const struct scn_pem *key,
                     const char *password, const char *what, char *err, size_t err_len);

/* Frees what *id holds and empties it; an empty one is fine. */
void xfer_tls_id_free(struct xfer_tls_id *id);

/* A client context for scn's TLS settings (verification against store,
 * TLS versions, ciphers, resumption, ALPN http/1.1) presenting id (NULL or
 * empty: no client certificate; a connection may present another one,
 * xfer_tls_use_id). store is borrowed (the context takes a reference).
 * new_session: called with every session the server issues when
 * resumption is on (OpenSSL's new-session callback contract: return 1 to
 * keep the reference), or NULL. Returns the context (owned, SSL_CTX_free),
 * or NULL with the reason in err. */
SSL_CTX *xfer_tls_ctx(const struct scenario *scn, const struct xfer_tls_id *id, X509_STORE *store,
                      int (*new_session)(SSL *, SSL_SESSION *), char *err, size_t err_len);

/* Makes ssl present id instead of its context's certificate (a few
 * reference counts, no parsing). Returns 0, or -1 when OpenSSL refuses. */
int xfer_tls_use_id(SSL *ssl, const struct xfer_tls_id *id);

/* Sets ssl up to connect to host (a name or an IP literal): SNI for names,
 * and unless verification is off, the name or address the certificate
 * must carry. Returns 0, or -1 when memory ran out. */
int xfer_tls_set_peer(SSL *ssl, const char *host, int verify);

/* Why a handshake or TLS I/O failed: the certificate verification result
 * when that failed, else OpenSSL's first queued error (the queue is
 * emptied), else what errno says. Writes into err. */
void xfer_tls_error(SSL *ssl, int ssl_err, int saved_errno, char *err, size_t err_len);

#endif
