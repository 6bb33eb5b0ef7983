/*
 * run/test_certname.c — the names a server's certificate carries, read by a
 * handshake against a TLS server of this test (a thread on loopback, with
 * certificates made here): a certificate that names only localhost
 * reached by address (a mismatch, with its name), the same asked for by
 * its name (no advice), a self-signed CN-only certificate like WSO2's
 * default one, a chain the CA does not verify (the name is not the
 * problem), wildcard and address entries, nothing listening; and the
 * advice written for each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "run/certname.h"
#include "scenario/scenario.h"
#include "testcerts.h"
#include "testutil.h"

#define ADDR "127.0.11.7"

struct srv {
    int lfd, port;
    SSL_CTX *ctx;
    pthread_t th;
    atomic_bool stop;
    atomic_int handshakes;
    char sni[64]; /* the last handshake's server name, written before handshakes++ */
};

/* Accepts connections until stopped; a handshake each, then closes. */
static void *srv_main(void *arg)
{
    struct srv *sv = arg;
    while (!atomic_load(&sv->stop)) {
        struct pollfd p = {.fd = sv->lfd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int fd = accept(sv->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        SSL *ssl = SSL_new(sv->ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) {
            const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
            snprintf(sv->sni, sizeof sv->sni, "%s", sni ? sni : "");
            atomic_fetch_add(&sv->handshakes, 1);
        }
        SSL_free(ssl);
        close(fd);
    }
    return NULL;
}

/* A server presenting cert/key. */
static struct srv *srv_start(X509 *cert, EVP_PKEY *key)
{
    struct srv *sv = calloc(1, sizeof *sv);
    assert_non_null(sv);
    sv->ctx = SSL_CTX_new(TLS_server_method());
    assert_int_equal(SSL_CTX_use_certificate(sv->ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(sv->ctx, key), 1);
    sv->lfd = test_listen(ADDR, 0, &sv->port);
    assert_int_equal(pthread_create(&sv->th, NULL, srv_main, sv), 0);
    return sv;
}

/* Waits for the server to finish its n-th handshake (the client may be
 * done first: in TLS 1.3 the server's side ends with the client's last
 * message), then its sni is the n-th handshake's. */
static void wait_handshakes(struct srv *sv, int n)
{
    while (atomic_load(&sv->handshakes) < n)
        poll(NULL, 0, 1);
}

static void srv_stop(struct srv *sv)
{
    atomic_store(&sv->stop, true);
    pthread_join(sv->th, NULL);
    close(sv->lfd);
    SSL_CTX_free(sv->ctx);
    free(sv);
}

/* A certificate signed by a new CA saved as ca_name in test_dir (its
 * path in ca_path), naming san; the server is started with it. */
static struct srv *signed_srv(const char *san, const char *ca_name, char *ca_path, size_t n)
{
    EVP_PKEY *ca_key = test_key(), *key = test_key();
    X509 *ca = test_cert(ca_key, "test CA", NULL, NULL, -60, 86400, NULL);
    X509 *cert = test_cert(key, "node", ca, ca_key, -60, 86400, san);
    snprintf(ca_path, n, "%s/%s", test_dir, ca_name);
    test_save_cert(ca_path, ca);
    struct srv *sv = srv_start(cert, key);
    X509_free(ca);
    X509_free(cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    return sv;
}

static int check(const char *ca, const char *host, const char *address, int port, char *names,
                 char *dns)
{
    /* the CA as the scenario holds it: the file's bytes, read at load */
    char ca_file[256], pem[8192];
    snprintf(ca_file, sizeof ca_file, "%s", ca);
    FILE *f = fopen(ca, "rb");
    assert_non_null(f);
    size_t n = fread(pem, 1, sizeof pem - 1, f);
    fclose(f);
    pem[n] = '\0';
    struct scenario scn = {.tls = {.ca_file = ca_file, .ca = {pem, n}}};
    struct certname_peer peer = {
        .host = host, .port = port, .address = address, .timeout_ms = 5000};
    names[0] = dns[0] = '\0';
    return certname_check(&scn, &peer, names, 256, dns, 256);
}

static void a_name_reached_by_address(void **state)
{
    (void)state;
    char ca[256], names[256], dns[256], advice[512];
    struct srv *sv = signed_srv("DNS:localhost", "ca1.pem", ca, sizeof ca);
    assert_int_equal(check(ca, ADDR, NULL, sv->port, names, dns), CERTNAME_MISMATCH);
    assert_string_equal(names, "localhost");
    assert_string_equal(dns, "localhost");
    wait_handshakes(sv, 1);
    assert_string_equal(sv->sni, ""); /* an address is never sent as SNI */
    certname_advice(ADDR, names, dns, "tls.server_name", "targets.1.server_name for this node",
                    advice, sizeof advice);
    assert_string_equal(advice,
                        "the certificate names localhost, not the address " ADDR
                        "; set tls.server_name: localhost to verify that name and send it as "
                        "SNI while connecting to the address (targets.1.server_name for this "
                        "node; docs/wso2.md)");
    /* asked by its name, at the address: it names it, nothing to advise */
    assert_int_equal(check(ca, "localhost", ADDR, sv->port, names, dns), CERTNAME_NO_ADVICE);
    wait_handshakes(sv, 2);
    assert_string_equal(sv->sni, "localhost");
    /* another name */
    assert_int_equal(check(ca, "gw1.example.com", ADDR, sv->port, names, dns), CERTNAME_MISMATCH);
    wait_handshakes(sv, 3);
    assert_string_equal(sv->sni, "gw1.example.com");
    certname_advice("gw1.example.com", names, dns, "auth.server_name", NULL, advice, sizeof advice);
    assert_string_equal(advice, "the certificate names localhost, not gw1.example.com; set "
                                "auth.server_name: localhost to verify that name and send it "
                                "as SNI while connecting to the same address (docs/wso2.md)");
    /* a CA that did not sign it: the chain fails, the name is not the point */
    char other[256];
    struct srv *sv2 = signed_srv("DNS:localhost", "ca2.pem", other, sizeof other);
    srv_stop(sv2);
    assert_int_equal(check(other, ADDR, NULL, sv->port, names, dns), CERTNAME_NO_ADVICE);
    int port = sv->port;
    srv_stop(sv);
    /* nothing listening any more */
    assert_int_equal(check(ca, ADDR, NULL, port, names, dns), CERTNAME_EFAIL);
}

/* As WSO2 ships it: self-signed, CN=localhost, no subjectAltName, trusted
 * as itself. */
static void a_self_signed_cn_only_certificate(void **state)
{
    (void)state;
    EVP_PKEY *key = test_key();
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"WSO2", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    char ca[256], names[256], dns[256];
    snprintf(ca, sizeof ca, "%s/wso2carbon.pem", test_dir);
    test_save_cert(ca, x);
    struct srv *sv = srv_start(x, key);
    assert_int_equal(check(ca, ADDR, NULL, sv->port, names, dns), CERTNAME_MISMATCH);
    assert_string_equal(names, "localhost");
    assert_string_equal(dns, "localhost");
    assert_int_equal(check(ca, "localhost", ADDR, sv->port, names, dns), CERTNAME_NO_ADVICE);
    srv_stop(sv);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* Wildcards and addresses are listed, never proposed as a name to set. */
static void wildcards_and_addresses(void **state)
{
    (void)state;
    char ca[256], names[256], dns[256], advice[512];
    struct srv *sv =
        signed_srv("DNS:*.example.com, IP:127.0.9.1, IP:::1", "ca3.pem", ca, sizeof ca);
    assert_int_equal(check(ca, ADDR, NULL, sv->port, names, dns), CERTNAME_MISMATCH);
    assert_string_equal(names, "*.example.com, 127.0.9.1, ::1");
    assert_string_equal(dns, "");
    certname_advice(ADDR, names, dns, "tls.server_name", NULL, advice, sizeof advice);
    assert_string_equal(advice, "the certificate names *.example.com, 127.0.9.1, ::1, not " ADDR
                                "; reach the server by a name or address it carries, or have it "
                                "issued for the one you use");
    /* a name the wildcard covers verifies */
    assert_int_equal(check(ca, "gw1.example.com", ADDR, sv->port, names, dns), CERTNAME_NO_ADVICE);
    srv_stop(sv);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* the server writes to clients that may be gone */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_name_reached_by_address),
        cmocka_unit_test(a_self_signed_cn_only_certificate),
        cmocka_unit_test(wildcards_and_addresses),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
