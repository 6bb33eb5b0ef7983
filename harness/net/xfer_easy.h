/*
 * xfer_easy.h — libcurl easy handles set up as the run sets its
 * requests, for use outside the transports: the node check before a run
 * (run/probe.c: one request 0 to a target, blocking, on the coordinator's
 * thread) and the token endpoint's handles (auth.c: their TLS).
 *
 * libcurl reads no file for them: the CAs come from a store built from
 * the scenario's bytes (installed in each new connection's context
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
#include <stddef.h>

#include "measure/recorder.h"

struct auth_pool;
struct scenario;
struct scn_pem;
struct scn_target;

/* What every new connection of an easy handle gets in its SSL_CTX: the
 * CA store, and a flag raised when the server asks for a client
 * certificate the handle has none to send (hint.h: "the gateway requires
 * a client certificate"). Owned by the handle's owner, for the handle's
 * life; the caller clears cert_asked before each transfer. */
struct xfer_tls_hook {
    X509_STORE *store; /* borrowed (each context takes a reference); NULL: none */
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

/* An easy handle set up as a worker sends request 0 to target `target`
 * (borrowed scn; resolve as xfer_new's): the run's TLS, URL, headers and
 * body (templates rendered with the first row of every feeder, none used
 * up), the connection to the pinned address; with auth, the first
 * application's token and certificate. Nothing is sent: the caller sets
 * what it wants of the answer (CURLOPT_WRITEFUNCTION, ERRORBUFFER,
 * progress) and performs it. Returns 0 with *out (owned: xfer_easy_free),
 * or -1 with the reason in err. */
struct xfer_easy;
int xfer_easy_new(const struct scenario *scn, const char *const *resolve, size_t n_resolve,
                  struct auth_pool *auth, size_t target, struct xfer_easy **out, char *err,
                  size_t err_len);

/* The handle (borrowed from xe). */
CURL *xfer_easy_handle(const struct xfer_easy *xe);

/* True when a server asked xe's handle for a client certificate it had
 * none to send. */
bool xfer_easy_cert_asked(const struct xfer_easy *xe);

/* Frees xe (the token it holds wiped); NULL is fine. */
void xfer_easy_free(struct xfer_easy *xe);

/* A failed transfer of e (libcurl code rc) to target `target`, explained
 * when hint.h recognises it: a client certificate the server asked for
 * and did not get (cert_asked; *oc becomes OC_TLS), an answer to TLS that
 * is not TLS, no answer to a handshake, a plain request to the gateway's
 * HTTPS port. msg holds libcurl's message and is rewritten (cap bytes);
 * left as it is otherwise. Returns true when it explained. */
bool xfer_easy_explain(CURL *e, const struct scenario *scn, size_t target, int rc, bool cert_asked,
                       enum rec_outcome *oc, char *msg, size_t cap);

/* The address target t is reached at: its IP literal, or the address
 * the engine pinned for its host (resolve: "host:port:address" entries;
 * an IPv6 address there is in brackets). Borrowed; NULL when neither. */
const char *xfer_target_address(const struct scn_target *t, const char *const *resolve,
                                size_t n_resolve);

/* A CURLOPT_RESOLVE list of n entries (owned; NULL: no memory). */
struct curl_slist *xfer_build_resolve(const char *const *resolve, size_t n);

#endif
