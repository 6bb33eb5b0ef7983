/*
 * xfer_tls.h — OpenSSL for the native transports (xfer_h1*.c, xfer_h2*.c),
 * the libcurl handles (their CA store) and the node check: CA stores and
 * client identities built from the scenario's PEM bytes (read when it was
 * loaded: nothing here reads a file), one client SSL_CTX per transport set
 * up from the scenario's `tls:`, the per-connection settings (SNI, the
 * name or address to verify, the client certificate), and what the native
 * transports share: their TLS client (identities, context, sessions kept
 * for resumption) and a connection's TLS from its start to its close.
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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "measure/recorder.h"

struct scenario;
struct scn_tls;
struct scn_pem;
struct scn_target;

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

/* ---- the native transports' TLS client and connections ---- */

/* A native transport's TLS, built before its loop runs: the certificate
 * identities (0: tls.cert; 1 + i: application i's own certificate, when
 * any application has one), the CA store, one context presenting
 * identity 0, and the newest session per pool (node × identity) for
 * resumption. */
struct xfer_tls_client {
    size_t n_ids;
    struct xfer_tls_id *ids; /* [n_ids] */
    X509_STORE *store;       /* NULL when no node speaks TLS */
    SSL_CTX *ctx;            /* NULL when no node speaks TLS */
    size_t n_pools;          /* nodes × n_ids; a pool is node * n_ids + identity */
    SSL_SESSION **sessions;  /* [n_pools] */
    bool verify;             /* tls.insecure is off */
};

/* Sets *cl up for scn: identities for the applications' certificates
 * when app_certs (the transport has the token pool), and when a node
 * speaks TLS, the store, identities and a context offering alpn (ALPN
 * wire format; NULL: "http/1.1"). Returns 0, or -1 with the reason in
 * err (*cl then holds what was built: xfer_tls_client_free). */
int xfer_tls_client_init(struct xfer_tls_client *cl, const struct scenario *scn, bool app_certs,
                         const unsigned char *alpn, size_t alpn_len, char *err, size_t err_len);

/* Frees what *cl holds; a zeroed one is fine. */
void xfer_tls_client_free(struct xfer_tls_client *cl);

/* The pool of a request to node target from application app: node *
 * n_ids + the identity app presents (its own certificate, or the
 * scenario's, 0; also for no application, (size_t)-1). */
size_t xfer_tls_client_pool(const struct xfer_tls_client *cl, size_t target, size_t app);

/* A connection's TLS. */
struct xfer_tls_conn {
    SSL *ssl;              /* NULL on a plain connection */
    SSL_SESSION **session; /* its pool's newest session */
    bool cert_requested;   /* the server asked for a client certificate and this identity
                              has none (the transport clears it once it answers anyway) */
    uint8_t first_len;     /* bytes in first */
    char first[5];         /* the header of the server's first TLS record as it came
                              (hint.h: "HTTP/" is an answer to a plain request) */
};

/* Starts TLS on fd, a socket connecting to node t, for pool (its
 * identity, and the session to resume). Returns 0, or -1 with the reason
 * in err and *local true when memory ran out (the generator's failure),
 * false when OpenSSL refused the settings. On failure tc holds nothing. */
int xfer_tls_conn_start(struct xfer_tls_conn *tc, struct xfer_tls_client *cl, size_t pool, int fd,
                        const struct scn_target *t, bool *local, char *err, size_t err_len);

enum xfer_tls_step { XFER_TLS_DONE, XFER_TLS_WANT_READ, XFER_TLS_WANT_WRITE, XFER_TLS_FAILED };

/* Goes on with the handshake with node t. XFER_TLS_FAILED: *oc (OC_TLS,
 * or OC_RESET when the server reset the connection) and msg say why, in
 * words a user can act on (hint.h). */
enum xfer_tls_step xfer_tls_conn_handshake(struct xfer_tls_conn *tc, const struct scn_target *t,
                                           enum rec_outcome *oc, char *msg, size_t msg_len);

/* Ends the connection's TLS: close_notify first when notify, then frees.
 * A plain connection's is a no-op. */
void xfer_tls_conn_close(struct xfer_tls_conn *tc, bool notify);

#endif
