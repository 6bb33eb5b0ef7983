/*
 * xfer_tls.h — OpenSSL for the native transport (xfer_h1.c): one client
 * SSL_CTX per certificate identity, set up from the scenario's `tls:`, and
 * the per-connection settings (SNI, the name or address to verify).
 *
 * A context is built once per worker and identity, never per connection
 * (libcurl 7.88 builds one per connection, which is most of the cost of a
 * new TLS connection there). Contexts are used on their worker's thread.
 */
#ifndef GATECAP_XFER_TLS_H
#define GATECAP_XFER_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

struct scenario;

/* A client context for scn's TLS settings (verification, CA file, TLS
 * versions, ciphers, resumption, ALPN http/1.1) presenting cert_file /
 * key_file (NULL: no client certificate; key_password may be NULL).
 * store: a certificate store to share (another context's), or NULL to load
 * tls.ca (or the system's). new_session: called with every session the
 * server issues when resumption is on (OpenSSL's new-session callback
 * contract: return 1 to keep the reference), or NULL. Returns the context
 * (owned, SSL_CTX_free), or NULL with the reason in err. */
SSL_CTX *xfer_tls_ctx(const struct scenario *scn, const char *cert_file, const char *key_file,
                      const char *key_password, X509_STORE *store,
                      int (*new_session)(SSL *, SSL_SESSION *), char *err, size_t err_len);

/* Sets ssl up to connect to host (a name or an IP literal): SNI for names,
 * and unless verification is off, the name or address the certificate
 * must carry. Returns 0, or -1 when memory ran out. */
int xfer_tls_set_peer(SSL *ssl, const char *host, int verify);

/* Why a handshake or TLS I/O failed: the certificate verification result
 * when that failed, else OpenSSL's first queued error (the queue is
 * emptied), else what errno says. Writes into err. */
void xfer_tls_error(SSL *ssl, int ssl_err, int saved_errno, char *err, size_t err_len);

#endif
