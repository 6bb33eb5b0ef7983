/*
 * xfer_tls.c — OpenSSL client contexts for the native transport; see
 * xfer_tls.h.
 */
#include "net/xfer_tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

SSL_CTX *xfer_tls_ctx(const struct scenario *scn, const char *cert_file, const char *key_file,
                      const char *key_password, X509_STORE *store,
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
    if (t->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (store) {
            SSL_CTX_set1_cert_store(ctx, store);
        } else if (t->ca_file ? !SSL_CTX_load_verify_locations(ctx, t->ca_file, NULL)
                              : !SSL_CTX_set_default_verify_paths(ctx)) {
            queued_error(err, err_len, t->ca_file ? t->ca_file : "system CA store", "cannot load");
            goto fail;
        }
    }
    if (cert_file) {
        /* The default password callback takes its user data as the
         * password. */
        SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)(uintptr_t)key_password);
        if (!SSL_CTX_use_certificate_chain_file(ctx, cert_file)) {
            queued_error(err, err_len, cert_file, "cannot use the client certificate");
            goto fail;
        }
        if (!SSL_CTX_use_PrivateKey_file(ctx, key_file ? key_file : cert_file, SSL_FILETYPE_PEM) ||
            !SSL_CTX_check_private_key(ctx)) {
            queued_error(err, err_len, key_file ? key_file : cert_file,
                         "cannot use the private key");
            goto fail;
        }
        SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
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
