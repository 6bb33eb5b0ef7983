/* tests/testtls.h — a TLS test server on a thread of its own, shared by
 * the unit tests that need one (test_xfer_h1.c, test_probe.c): a
 * certificate for the SANs given, signed by a CA written where the test
 * says, optionally requiring a client certificate; one connection at a
 * time, a 200 for each request read; the last handshake's SNI and the
 * number of handshakes kept. Static inline, as testutil.h; include it
 * after <cmocka.h> and testcerts.h. */
#ifndef GATECAP_TESTTLS_H
#define GATECAP_TESTTLS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

struct tls_srv {
    int lfd, port;
    SSL_CTX *ctx;
    pthread_t th;
    atomic_bool stop;
    atomic_int handshakes;
    char sni[64]; /* the last handshake's server name ("" without SNI) */
};

/* Waits until fd is readable or the server stops; false on stop. */
static inline bool tls_wait_readable(struct tls_srv *sv, int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (!atomic_load(&sv->stop))
        if (poll(&p, 1, 20) > 0)
            return true;
    return false;
}

/* One connection at a time: handshake, then a 200 per request read. */
static inline void *tls_main(void *arg)
{
    struct tls_srv *sv = arg;
    char buf[4096];
    while (tls_wait_readable(sv, sv->lfd)) {
        int fd = accept(sv->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        SSL *ssl = SSL_new(sv->ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) {
            const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
            snprintf(sv->sni, sizeof sv->sni, "%s", sni ? sni : "");
            atomic_fetch_add(&sv->handshakes, 1);
            while ((SSL_pending(ssl) || tls_wait_readable(sv, fd)) &&
                   SSL_read(ssl, buf, sizeof buf) > 0) {
                static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                SSL_write(ssl, ok, (int)sizeof ok - 1);
            }
        }
        SSL_free(ssl);
        close(fd);
    }
    return NULL;
}

/* A TLS server on addr:port (0: any free port) whose certificate, for
 * san, is signed by a CA written to ca_path; with require_cert it asks for
 * a client certificate signed by that CA and refuses the handshake
 * without one (TLS 1.3: alert certificate_required; 1.2: handshake
 * failure); max_version limits its TLS versions (0: none). */
static inline struct tls_srv *tls_start_opts(const char *addr, const char *san, const char *ca_path,
                                             int port, bool require_cert, int max_version)
{
    struct tls_srv *sv = calloc(1, sizeof *sv);
    EVP_PKEY *ca_key = test_key(), *key = test_key();
    X509 *ca = test_cert(ca_key, "test CA", NULL, NULL, -60, 86400, NULL);
    X509 *cert = test_cert(key, "node", ca, ca_key, -60, 86400, san);
    test_save_cert(ca_path, ca);
    sv->ctx = SSL_CTX_new(TLS_server_method());
    assert_int_equal(SSL_CTX_use_certificate(sv->ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(sv->ctx, key), 1);
    if (require_cert) {
        assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(sv->ctx), ca), 1);
        SSL_CTX_set_verify(sv->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        /* a client certificate it accepts: CA_PATH.client.pem, its key in
         * CA_PATH.client.key, and encrypted with "s3cret" in .enc.key */
        char path[256];
        EVP_PKEY *ck = test_key();
        X509 *cc = test_cert(ck, "client", ca, ca_key, -60, 86400, "DNS:client");
        snprintf(path, sizeof path, "%s.client.pem", ca_path);
        test_save_cert(path, cc);
        snprintf(path, sizeof path, "%s.client.key", ca_path);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_true(PEM_write_PrivateKey(f, ck, NULL, NULL, 0, NULL, NULL));
        fclose(f);
        snprintf(path, sizeof path, "%s.client.enc.key", ca_path);
        assert_non_null(f = fopen(path, "w"));
        assert_true(PEM_write_PrivateKey(f, ck, EVP_aes_256_cbc(), (const unsigned char *)"s3cret",
                                         6, NULL, NULL));
        fclose(f);
        X509_free(cc);
        EVP_PKEY_free(ck);
    }
    if (max_version)
        SSL_CTX_set_max_proto_version(sv->ctx, max_version);
    X509_free(ca);
    X509_free(cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    sv->lfd = test_listen(addr, port, &sv->port);
    assert_int_equal(pthread_create(&sv->th, NULL, tls_main, sv), 0);
    return sv;
}

static inline void tls_stop(struct tls_srv *sv)
{
    atomic_store(&sv->stop, true);
    pthread_join(sv->th, NULL);
    close(sv->lfd);
    SSL_CTX_free(sv->ctx);
    free(sv);
}

#endif
