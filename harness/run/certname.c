/*
 * certname.c — the names a server's certificate carries; see certname.h.
 */
#include "run/certname.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "net/xfer_tls.h"
#include "scenario/scenario.h"

/* Appends n bytes of s to out (", " between entries), as far as it fits. */
static void add_name(char *out, size_t len, const char *s, size_t n)
{
    size_t used = strlen(out);
    if (used < len)
        snprintf(out + used, len - used, "%s%.*s", used ? ", " : "", (int)n, s);
}

/* Sets dns to s (n bytes) unless it is set, a wildcard or an address. */
static void first_dns(char *dns, size_t dns_len, const char *s, size_t n)
{
    char c[256];
    unsigned char a[16];
    if (dns[0] || n >= sizeof c || n >= dns_len)
        return;
    memcpy(c, s, n);
    c[n] = '\0';
    if (!strchr(c, '*') && inet_pton(AF_INET, c, a) != 1 && inet_pton(AF_INET6, c, a) != 1)
        memcpy(dns, c, n + 1);
}

/* The names of x: the DNS and IP entries of its subjectAltName, after its
 * subject's CN when it has no DNS entry (verifiers then fall back to the
 * CN, as OpenSSL's X509_check_host and libcurl do). */
static void cert_names(X509 *x, char *names, size_t names_len, char *dns, size_t dns_len)
{
    names[0] = dns[0] = '\0';
    GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    bool has_dns = false;
    for (int i = 0; san && i < sk_GENERAL_NAME_num(san); i++)
        has_dns |= sk_GENERAL_NAME_value(san, i)->type == GEN_DNS;
    X509_NAME *subj = X509_get_subject_name(x);
    int at = has_dns ? -1 : X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    if (at >= 0) {
        ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, at));
        const char *s = (const char *)ASN1_STRING_get0_data(cn);
        size_t n = (size_t)ASN1_STRING_length(cn);
        add_name(names, names_len, s, n);
        first_dns(dns, dns_len, s, n);
    }
    for (int i = 0; san && i < sk_GENERAL_NAME_num(san); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
        if (g->type == GEN_DNS) {
            const char *s = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
            size_t n = (size_t)ASN1_STRING_length(g->d.dNSName);
            add_name(names, names_len, s, n);
            first_dns(dns, dns_len, s, n);
        } else if (g->type == GEN_IPADD) {
            char a[INET6_ADDRSTRLEN] = "";
            int n = ASN1_STRING_length(g->d.iPAddress);
            if (n == 4 || n == 16)
                inet_ntop(n == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(g->d.iPAddress), a,
                          sizeof a);
            add_name(names, names_len, a, strlen(a));
        }
    }
    GENERAL_NAMES_free(san);
}

/* A blocking TCP connection to addr:port within timeout_ms (sends and
 * receives then time out after it too), or -1. */
static int connect_within(const char *addr, int port, long timeout_ms)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai = NULL;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    if (getaddrinfo(addr, service, &hints, &ai) || !ai)
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int ok = fd >= 0 && (!connect(fd, ai->ai_addr, ai->ai_addrlen) || errno == EINPROGRESS);
    freeaddrinfo(ai);
    if (ok) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        ok = poll(&p, 1, (int)timeout_ms) == 1 &&
             !getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) && !soerr;
    }
    if (ok) {
        struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000};
        int fl = fcntl(fd, F_GETFL);
        ok = fl >= 0 && !fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) &&
             !setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) &&
             !setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    if (!ok && fd >= 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

int certname_check(const struct scenario *scn, const struct certname_peer *peer, char *names,
                   size_t names_len, char *dns, size_t dns_len)
{
    int ret = CERTNAME_EFAIL;
    char why[256];
    unsigned char bin[16];
    bool host_ip =
        inet_pton(AF_INET6, peer->host, bin) == 1 || inet_pton(AF_INET, peer->host, bin) == 1;
    /* the run's TLS settings (CA, versions, ciphers, client certificate):
     * the chain is verified as the run verifies it, the name is not */
    struct xfer_tls_id id = {0};
    X509_STORE *store = xfer_tls_store(&scn->tls, why, sizeof why);
    SSL_CTX *ctx = NULL;
    if (store && (!peer->cert || !xfer_tls_id_load(&id, peer->cert, peer->key, peer->key_password,
                                                   "client certificate", why, sizeof why)))
        ctx = xfer_tls_ctx(scn, &id, store, NULL, why, sizeof why);
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    int fd = ssl ? connect_within(peer->address ? peer->address : peer->host, peer->port,
                                  peer->timeout_ms)
                 : -1;
    if (fd < 0 || !SSL_set_fd(ssl, fd) || xfer_tls_set_peer(ssl, peer->host, 0))
        goto out;
    if (SSL_connect(ssl) != 1) {
        /* the chain does not verify: the name is not what is wrong */
        if (SSL_get_verify_result(ssl) != X509_V_OK)
            ret = CERTNAME_NO_ADVICE;
        goto out;
    }
    X509 *x = SSL_get1_peer_certificate(ssl);
    if (!x)
        goto out;
    int named =
        host_ip ? X509_check_ip_asc(x, peer->host, 0) : X509_check_host(x, peer->host, 0, 0, NULL);
    if (named == 1) {
        ret = CERTNAME_NO_ADVICE;
    } else {
        cert_names(x, names, names_len, dns, dns_len);
        ret = CERTNAME_MISMATCH;
    }
    X509_free(x);
out:
    /* no close_notify: the server may be gone, and a write then could
     * raise SIGPIPE in a caller that does not ignore it */
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    xfer_tls_id_free(&id);
    X509_STORE_free(store);
    if (fd >= 0)
        close(fd);
    ERR_clear_error();
    return ret;
}

void certname_advice(const char *host, const char *names, const char *dns, const char *field,
                     const char *alt, char *out, size_t out_len)
{
    unsigned char a[16];
    bool addr = inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
    if (!dns[0]) {
        snprintf(out, out_len,
                 "the certificate names %s, not %s; reach the server by a name or address it "
                 "carries, or have it issued for the one you use",
                 names[0] ? names : "nothing gatecap can verify", host);
        return;
    }
    snprintf(out, out_len,
             "the certificate names %s, not %s%s; set %s: %s to verify that name and send it as "
             "SNI while connecting to the %s (%s%sdocs/wso2.md)",
             names, addr ? "the address " : "", host, field, dns, addr ? "address" : "same address",
             alt ? alt : "", alt ? "; " : "");
}

bool certname_token_advice(const struct scenario *scn, size_t app, char *out, size_t out_len)
{
    const struct scn_auth *au = &scn->auth;
    const struct scn_app *a = &au->apps[app];
    if (scn->tls.insecure)
        return false;
    struct certname_peer peer = {.host = au->server_name ? au->server_name : au->token_host,
                                 .port = au->token_port,
                                 .address = au->server_name ? au->token_host : NULL,
                                 .cert = a->cert.data ? &a->cert : &scn->tls.cert,
                                 .key = a->cert.data ? &a->key : &scn->tls.key,
                                 .key_password = a->cert.data ? NULL : scn->tls.key_password,
                                 .timeout_ms = (long)scn->connect_timeout_ms};
    char names[512], dns[256];
    if (certname_check(scn, &peer, names, sizeof names, dns, sizeof dns) != CERTNAME_MISMATCH)
        return false;
    certname_advice(peer.host, names, dns, "auth.server_name", NULL, out, out_len);
    return true;
}
