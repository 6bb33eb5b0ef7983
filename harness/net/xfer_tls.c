/*
 * xfer_tls.c — OpenSSL client contexts, CA stores and client identities,
 * all from the scenario's PEM bytes; the native transports' TLS client and
 * connections; see xfer_tls.h.
 */
#include "net/xfer_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "net/hint.h"
#include "scenario/scenario.h"

static int proto_version(const char *s)
{
    if (!s)
        return 0;
    if (!strcmp(s, "1.0"))
        return TLS1_VERSION;
    if (!strcmp(s, "1.1"))
        return TLS1_1_VERSION;
    if (!strcmp(s, "1.3"))
        return TLS1_3_VERSION;
    return TLS1_2_VERSION;
}

/* OpenSSL's first queued error as text (the queue is emptied), or dflt. */
static void queued_error(char *err, size_t err_len, const char *what, const char *dflt)
{
    unsigned long e = ERR_get_error();
    char buf[256];
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    snprintf(err, err_len, "%s: %s", what, e ? buf : dflt);
    ERR_clear_error();
}

/* pem_password_cb: the password given (u), or none; never prompts
 * (OpenSSL's default callback would read the terminal). */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    size_t n = pw ? strlen(pw) : 0;
    if (n > (size_t)size)
        n = (size_t)size;
    memcpy(buf, pw ? pw : "", n);
    return (int)n;
}

/* A read-only memory BIO over pem's bytes, or NULL. */
static BIO *pem_bio(const struct scn_pem *pem)
{
    return BIO_new_mem_buf(pem->data ? pem->data : "", pem->data ? (int)pem->len : 0);
}

X509_STORE *xfer_tls_store(const struct scn_tls *t, char *err, size_t err_len)
{
    const char *what = t->ca_file ? t->ca_file : t->ca_system ? t->ca_system : "CA store";
    X509_STORE *store = X509_STORE_new();
    if (!store) {
        queued_error(err, err_len, what, "out of memory");
        return NULL;
    }
    if (t->insecure || !t->ca.data)
        return store; /* nothing to verify with, or nothing verified */
    BIO *b = pem_bio(&t->ca);
    /* what SSL_CTX_load_verify_locations reads from a file: every
     * certificate and CRL, all or nothing */
    STACK_OF(X509_INFO) *inf = b ? PEM_X509_INFO_read_bio(b, NULL, password_cb, NULL) : NULL;
    BIO_free(b);
    int added = 0;
    bool ok = inf != NULL;
    for (int i = 0; ok && i < sk_X509_INFO_num(inf); i++) {
        X509_INFO *x = sk_X509_INFO_value(inf, i);
        if (x->x509)
            ok = X509_STORE_add_cert(store, x->x509) == 1;
        if (ok && x->crl)
            ok = X509_STORE_add_crl(store, x->crl) == 1;
        added += ok && (x->x509 || x->crl);
    }
    sk_X509_INFO_pop_free(inf, X509_INFO_free);
    if (!ok || !added) {
        queued_error(err, err_len, what, "no certificate in it");
        X509_STORE_free(store);
        return NULL;
    }
    ERR_clear_error();
    return store;
}

void xfer_tls_id_free(struct xfer_tls_id *id)
{
    X509_free(id->cert);
    sk_X509_pop_free(id->chain, X509_free);
    EVP_PKEY_free(id->key);
    memset(id, 0, sizeof *id);
}

int xfer_tls_id_load(struct xfer_tls_id *id, const struct scn_pem *cert, const struct scn_pem *key,
                     const char *password, const char *what, char *err, size_t err_len)
{
    memset(id, 0, sizeof *id);
    if (!cert->data)
        return 0;
    /* as SSL_CTX_use_certificate_chain_file reads a file: the first
     * certificate, then the rest as its chain */
    BIO *b = pem_bio(cert);
    X509 *x = b ? PEM_read_bio_X509_AUX(b, NULL, password_cb, NULL) : NULL;
    if (!x) {
        BIO_free(b);
        queued_error(err, err_len, what, "cannot use the client certificate");
        return -1;
    }
    id->cert = x;
    while ((x = PEM_read_bio_X509(b, NULL, password_cb, NULL))) {
        if ((!id->chain && !(id->chain = sk_X509_new_null())) || !sk_X509_push(id->chain, x)) {
            X509_free(x);
            BIO_free(b);
            queued_error(err, err_len, what, "out of memory");
            goto fail;
        }
    }
    BIO_free(b);
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
        queued_error(err, err_len, what, "cannot use the client certificate");
        goto fail;
    }
    ERR_clear_error();
    b = pem_bio(key->data ? key : cert);
    id->key = b ? PEM_read_bio_PrivateKey(b, NULL, password_cb, (void *)(uintptr_t)password) : NULL;
    BIO_free(b);
    if (!id->key || X509_check_private_key(id->cert, id->key) != 1) {
        queued_error(err, err_len, what, "cannot use the private key");
        goto fail;
    }
    return 0;
fail:
    xfer_tls_id_free(id);
    return -1;
}

SSL_CTX *xfer_tls_ctx(const struct scenario *scn, const struct xfer_tls_id *id, X509_STORE *store,
                      int (*new_session)(SSL *, SSL_SESSION *), char *err, size_t err_len)
{
    const struct scn_tls *t = &scn->tls;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        queued_error(err, err_len, "TLS context", "out of memory");
        return NULL;
    }
    /* Default minimum TLS 1.2, as libcurl's. */
    SSL_CTX_set_min_proto_version(ctx,
                                  t->min_version ? proto_version(t->min_version) : TLS1_2_VERSION);
    if (t->max_version)
        SSL_CTX_set_max_proto_version(ctx, proto_version(t->max_version));
    /* Writes resume where they stopped (partial writes, and the buffer may
     * be the same bytes at another address after a retry). */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    /* Read whole socket buffers, not a record header then its body: one
     * read per event instead of two per record. */
    SSL_CTX_set_read_ahead(ctx, 1);
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
    if (t->ciphers && !SSL_CTX_set_cipher_list(ctx, t->ciphers)) {
        queued_error(err, err_len, "tls.ciphers", "no usable cipher");
        goto fail;
    }
    if (t->tls13_ciphers && !SSL_CTX_set_ciphersuites(ctx, t->tls13_ciphers)) {
        queued_error(err, err_len, "tls.ciphersuites", "no usable cipher suite");
        goto fail;
    }
    /* the store even without verification: the context never looks for
     * CAs anywhere else */
    SSL_CTX_set1_cert_store(ctx, store);
    SSL_CTX_set_verify(ctx, t->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    if (id && id->cert && !SSL_CTX_use_cert_and_key(ctx, id->cert, id->key, id->chain, 1)) {
        queued_error(err, err_len, t->cert_file ? t->cert_file : "tls.cert",
                     "cannot use the client certificate");
        goto fail;
    }
    if (t->session_resumption && new_session) {
        /* Sessions are kept by the transport (one per node and identity),
         * not in OpenSSL's cache. */
        SSL_CTX_set_session_cache_mode(ctx,
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, new_session);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

int xfer_tls_use_id(SSL *ssl, const struct xfer_tls_id *id)
{
    /* the context's own certificate goes first: with two of different
     * key types, OpenSSL could pick either */
    SSL_certs_clear(ssl);
    if (id->cert && SSL_use_cert_and_key(ssl, id->cert, id->key, id->chain, 1) != 1) {
        ERR_clear_error();
        return -1;
    }
    return 0;
}

int xfer_tls_set_peer(SSL *ssl, const char *host, int verify)
{
    unsigned char addr[16];
    bool literal = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
    /* RFC 6066: no IP literals in SNI. */
    if (!literal && !SSL_set_tlsext_host_name(ssl, host))
        return -1;
    if (!verify)
        return 0;
    if (literal)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) ? 0 : -1;
    return SSL_set1_host(ssl, host) ? 0 : -1;
}

void xfer_tls_error(SSL *ssl, int ssl_err, int saved_errno, char *err, size_t err_len)
{
    long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (vr != X509_V_OK) {
        snprintf(err, err_len, "certificate verify failed: %s", X509_verify_cert_error_string(vr));
        ERR_clear_error();
        return;
    }
    if (ERR_peek_error()) {
        queued_error(err, err_len, "TLS", "error");
        return;
    }
    if (ssl_err == SSL_ERROR_SYSCALL && saved_errno)
        snprintf(err, err_len, "TLS: %s", strerror(saved_errno));
    else if (ssl_err == SSL_ERROR_SYSCALL || ssl_err == SSL_ERROR_ZERO_RETURN)
        snprintf(err, err_len, "TLS: connection closed by the server");
    else
        snprintf(err, err_len, "TLS: error %d", ssl_err);
}

/* ---- the native transports' TLS client and connections ---- */

/* OpenSSL's new-session callback: the newest session of a connection's
 * pool is kept for the next connection there. */
static int on_new_session(SSL *ssl, SSL_SESSION *sess)
{
    struct xfer_tls_conn *tc = SSL_get_app_data(ssl);
    if (!tc)
        return 0;
    if (*tc->session)
        SSL_SESSION_free(*tc->session);
    *tc->session = sess;
    return 1;
}

/* OpenSSL's client-certificate callback, called when the server sends a
 * CertificateRequest and the connection holds no certificate: noted, so
 * that a failure after it can say a certificate is required (hint.h).
 * None is sent. */
static int on_cert_request(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    (void)x509;
    (void)pkey;
    struct xfer_tls_conn *tc = SSL_get_app_data(ssl);
    if (tc && !SSL_get_certificate(ssl))
        tc->cert_requested = true;
    return 0;
}

/* OpenSSL's message callback during a handshake: keeps the header of the
 * first record the server sent, before OpenSSL checks it. */
static void on_tls_record(int write_p, int version, int content_type, const void *buf, size_t len,
                          SSL *ssl, void *arg)
{
    (void)version;
    (void)ssl;
    struct xfer_tls_conn *tc = arg;
    if (write_p || content_type != SSL3_RT_HEADER || tc->first_len)
        return;
    tc->first_len = (uint8_t)(len < sizeof tc->first ? len : sizeof tc->first);
    memcpy(tc->first, buf, tc->first_len);
}

int xfer_tls_client_init(struct xfer_tls_client *cl, const struct scenario *scn, bool app_certs,
                         const unsigned char *alpn, size_t alpn_len, char *err, size_t err_len)
{
    const struct scn_tls *t = &scn->tls;
    cl->verify = !t->insecure;
    cl->n_ids = 1;
    for (size_t a = 0; app_certs && a < scn->auth.n_apps; a++)
        if (scn->auth.apps[a].cert_file)
            cl->n_ids = 1 + scn->auth.n_apps;
    cl->n_pools = scn->n_targets * cl->n_ids;
    cl->ids = calloc(cl->n_ids, sizeof *cl->ids);
    cl->sessions = calloc(cl->n_pools, sizeof *cl->sessions);
    if (!cl->ids || !cl->sessions) {
        snprintf(err, err_len, "out of memory for %zu TLS sessions", cl->n_pools);
        return -1;
    }
    bool tls = false;
    for (size_t i = 0; i < scn->n_targets; i++)
        tls |= scn->targets[i].https;
    if (!tls)
        return 0;
    /* Everything parsed here, before the loop runs: a connection only
     * takes references, and a bad certificate fails the start, not every
     * request. */
    if (!(cl->store = xfer_tls_store(t, err, err_len)) ||
        xfer_tls_id_load(&cl->ids[0], &t->cert, &t->key, t->key_password, t->cert_file, err,
                         err_len))
        return -1;
    for (size_t id = 1; id < cl->n_ids; id++) {
        const struct scn_app *a = &scn->auth.apps[id - 1];
        if (xfer_tls_id_load(&cl->ids[id], &a->cert, &a->key, NULL, a->cert_file, err, err_len))
            return -1;
    }
    if (!(cl->ctx = xfer_tls_ctx(scn, &cl->ids[0], cl->store, on_new_session, err, err_len)))
        return -1;
    if (alpn && SSL_CTX_set_alpn_protos(cl->ctx, alpn, (unsigned)alpn_len)) {
        snprintf(err, err_len, "TLS context: cannot offer ALPN %.*s", (int)alpn_len - 1, alpn + 1);
        return -1;
    }
    SSL_CTX_set_client_cert_cb(cl->ctx, on_cert_request);
    return 0;
}

void xfer_tls_client_free(struct xfer_tls_client *cl)
{
    for (size_t i = 0; cl->sessions && i < cl->n_pools; i++)
        if (cl->sessions[i])
            SSL_SESSION_free(cl->sessions[i]);
    SSL_CTX_free(cl->ctx);
    for (size_t i = 0; cl->ids && i < cl->n_ids; i++)
        xfer_tls_id_free(&cl->ids[i]);
    X509_STORE_free(cl->store);
    free(cl->sessions);
    free(cl->ids);
    memset(cl, 0, sizeof *cl);
}

size_t xfer_tls_client_pool(const struct xfer_tls_client *cl, size_t target, size_t app)
{
    bool own = cl->n_ids > 1 && app < cl->n_ids - 1 && cl->ids[app + 1].cert;
    return target * cl->n_ids + (own ? app + 1 : 0);
}

int xfer_tls_conn_start(struct xfer_tls_conn *tc, struct xfer_tls_client *cl, size_t pool, int fd,
                        const struct scn_target *t, bool *local, char *err, size_t err_len)
{
    size_t id = pool % cl->n_ids;
    if (!(tc->ssl = SSL_new(cl->ctx))) {
        *local = true;
        snprintf(err, err_len, "node %s: out of memory for a TLS connection", t->name);
        return -1;
    }
    if (!SSL_set_fd(tc->ssl, fd) || (id && xfer_tls_use_id(tc->ssl, &cl->ids[id])) ||
        xfer_tls_set_peer(tc->ssl, t->server_name ? t->server_name : t->host, cl->verify)) {
        SSL_free(tc->ssl);
        tc->ssl = NULL;
        ERR_clear_error();
        *local = false;
        snprintf(err, err_len, "node %s: cannot set up TLS", t->name);
        return -1;
    }
    tc->session = &cl->sessions[pool];
    SSL_set_app_data(tc->ssl, tc);
    SSL_set_msg_callback(tc->ssl, on_tls_record);
    SSL_set_msg_callback_arg(tc->ssl, tc);
    if (*tc->session)
        SSL_set_session(tc->ssl, *tc->session);
    return 0;
}

enum xfer_tls_step xfer_tls_conn_handshake(struct xfer_tls_conn *tc, const struct scn_target *t,
                                           enum rec_outcome *oc, char *msg, size_t msg_len)
{
    ERR_clear_error();
    errno = 0; /* SSL_ERROR_SYSCALL: errno 0 means the peer closed */
    int rc = SSL_connect(tc->ssl);
    if (rc == 1) {
        SSL_set_msg_callback(tc->ssl, NULL); /* (first bytes only; none per record) */
        return XFER_TLS_DONE;
    }
    int e = SSL_get_error(tc->ssl, rc);
    if (e == SSL_ERROR_WANT_READ)
        return XFER_TLS_WANT_READ;
    if (e == SSL_ERROR_WANT_WRITE)
        return XFER_TLS_WANT_WRITE;
    int saved = errno;
    char why[128], hint[160];
    xfer_tls_error(tc->ssl, e, saved, why, sizeof why);
    struct hint_tls_facts f = {.port = t->port,
                               .why = why,
                               .first = hint_sniff(tc->first, tc->first_len),
                               .cert_requested = tc->cert_requested};
    bool hinted = hint_tls_failure(&f, hint, sizeof hint);
    *oc = !hinted && saved == ECONNRESET && !ERR_peek_error() ? OC_RESET : OC_TLS;
    snprintf(msg, msg_len, "TLS handshake with %s: %s", t->name, hinted ? hint : why);
    return XFER_TLS_FAILED;
}

void xfer_tls_conn_close(struct xfer_tls_conn *tc, bool notify)
{
    if (!tc->ssl)
        return;
    if (notify)
        SSL_shutdown(tc->ssl); /* close_notify, not waiting for the answer */
    SSL_free(tc->ssl);
    tc->ssl = NULL;
}
