/*
 * scenario_tls.c — the `tls` section: verification, the name to verify
 * (server_name, here and in targets and auth), CA bundle, client
 * certificate and key for mutual TLS, protocol versions, cipher lists,
 * session resumption and the connection policy.
 *
 * Files are checked with the same OpenSSL that libcurl uses, so a
 * certificate, key or cipher list that passes here is one the run can
 * load: PEM certificates must parse and be within their validity dates,
 * the key must parse (decrypting with key_password when encrypted) and
 * belong to the certificate. OpenSSL's error queue is cleared after each
 * check so that nothing leaks into other modules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/infile.h"
#include "scenario/scenario_int.h"

/* pem_password_cb: never prompts (OpenSSL's default would read the TTY). */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    if (!pw)
        return 0;
    size_t n = strlen(pw);
    if (n > (size_t)size)
        n = (size_t)size;
    memcpy(buf, pw, n);
    return (int)n;
}

/* Opens a file named by a tls field without waiting on a FIFO or device
 * (infile.h); NULL (reported) on failure. */
static BIO *open_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                      const char *resolved, const char *written)
{
    int fd = scnp_open_file(c, n, field, written, resolved);
    if (fd < 0)
        return NULL;
    BIO *b = BIO_new_fd(fd, BIO_CLOSE);
    if (!b) {
        close(fd);
        c->oom = true;
        ERR_clear_error();
    }
    return b;
}

static bool file_mentions(const char *path, const char *needle)
{
    int fd = infile_open(path, NULL);
    if (fd < 0)
        return false;
    char buf[8192];
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    size_t n = got > 0 ? (size_t)got : 0;
    buf[n] = '\0';
    return memmem(buf, n, needle, strlen(needle)) != NULL;
}

static int check_ca(struct scnp_ctx *c, const struct ytree_node *n, const char *written,
                    const char *path)
{
    BIO *b = open_file(c, n, "tls.ca", path, written);
    if (!b)
        return -1;
    int certs = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, password_cb, NULL))) {
        certs++;
        X509_free(x);
    }
    BIO_free(b);
    ERR_clear_error();
    if (!certs) {
        scnp_error(c, n, "tls.ca",
                   "no PEM certificate in %s; a CA file holds -----BEGIN CERTIFICATE----- "
                   "blocks (convert DER with: openssl x509 -inform der -in FILE -out FILE.pem)",
                   written);
        return -1;
    }
    return 0;
}

static X509 *load_cert(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                       const char *written, const char *path)
{
    BIO *b = open_file(c, n, field, path, written);
    if (!b)
        return NULL;
    X509 *x = PEM_read_bio_X509(b, NULL, password_cb, NULL);
    BIO_free(b);
    ERR_clear_error();
    if (!x) {
        scnp_error(c, n, field,
                   "no PEM certificate in %s; give the client certificate as -----BEGIN "
                   "CERTIFICATE----- (convert DER with: openssl x509 -inform der -in FILE -out "
                   "FILE.pem)",
                   written);
        return NULL;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
        scnp_error(c, n, field, "the certificate in %s has expired; renew it", written);
        X509_free(x);
        return NULL;
    }
    if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
        scnp_error(c, n, field,
                   "the certificate in %s is not valid yet; check the clock or reissue it",
                   written);
        X509_free(x);
        return NULL;
    }
    return x;
}

static EVP_PKEY *load_key(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                          const char *written, const char *path, const char *password)
{
    BIO *b = open_file(c, n, field, path, written);
    if (!b)
        return NULL;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, password_cb, (void *)(uintptr_t)password);
    BIO_free(b);
    ERR_clear_error();
    if (k)
        return k;
    bool encrypted = file_mentions(path, "ENCRYPTED");
    if (encrypted && !password)
        scnp_error(c, n, field,
                   "the key in %s is encrypted; give its passphrase as tls.key_password: "
                   "${KEY_PASSWORD}",
                   written);
    else if (encrypted)
        scnp_error(c, n, field,
                   "the key in %s does not decrypt with tls.key_password; check "
                   "the passphrase",
                   written);
    else
        scnp_error(c, n, field,
                   "no PEM private key in %s; give the key as -----BEGIN PRIVATE KEY----- (or "
                   "RSA/EC PRIVATE KEY)",
                   written);
    return NULL;
}

static void check_ciphers(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                          const char *list, bool tls13)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        ERR_clear_error();
        c->oom = true;
        return;
    }
    int ok = tls13 ? SSL_CTX_set_ciphersuites(ctx, list) : SSL_CTX_set_cipher_list(ctx, list);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    if (!ok) {
        if (tls13)
            scnp_error(c, n, field,
                       "OpenSSL knows none of the TLS 1.3 suites in '%s'; write e.g. "
                       "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384 (list them with: openssl "
                       "ciphers -s -tls1_3)",
                       list);
        else
            scnp_error(c, n, field,
                       "OpenSSL knows none of the ciphers in '%s'; write e.g. "
                       "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256 (list them "
                       "with: openssl ciphers -v)",
                       list);
    }
}

static int read_version(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                        char **out)
{
    char *v;
    if (scnp_string(c, n, field, &v, NULL))
        return -1;
    const char *p = v;
    if (!strncasecmp(p, "TLSv", 4))
        p += 4;
    else if (!strncasecmp(p, "TLS", 3))
        p += 3;
    if (strcmp(p, "1.0") && strcmp(p, "1.1") && strcmp(p, "1.2") && strcmp(p, "1.3")) {
        scnp_error(c, n, field, "'%s' is not a TLS version; write \"1.2\" or \"1.3\"", v);
        free(v);
        return -1;
    }
    char *norm = strdup(p);
    free(v);
    if (!norm) {
        c->oom = true;
        return -1;
    }
    *out = norm;
    return 0;
}

int scnp_server_name(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out)
{
    char *v;
    if (scnp_string(c, n, field, &v, NULL))
        return -1;
    unsigned char addr[16];
    size_t len = strlen(v), label = 0;
    bool numeric_label = true, ok = len <= 253;
    const char *why = "labels of 1 to 63 letters, digits and '-', separated by '.'";
    for (size_t i = 0; ok && i <= len; i++) {
        char ch = v[i];
        if (ch == '.' || !ch) {
            ok = label > 0 && label <= 63 && v[i - 1] != '-';
            if (!ch && ok && numeric_label) {
                ok = false;
                why = "its last label is a number, so it reads as an address";
            }
            label = 0;
            numeric_label = true;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-') {
            ok = ch != '-' || label > 0;
            numeric_label = false;
            label++;
        } else if (ch >= '0' && ch <= '9') {
            label++;
        } else {
            ok = false;
        }
    }
    if (inet_pton(AF_INET, v, addr) == 1 || inet_pton(AF_INET6, v, addr) == 1) {
        scnp_error(c, n, field,
                   "'%s' is an address; server_name is the host name the certificate carries "
                   "(WSO2's default certificate says localhost); the connection goes to the "
                   "target's address all the same. To verify an address, leave server_name out",
                   v);
    } else if (strchr(v, '*')) {
        scnp_error(c, n, field,
                   "'%s' is a wildcard; write one name it covers, as a client would ask for it "
                   "(gw1.example.com for *.example.com)",
                   v);
    } else if (!ok) {
        scnp_error(c, n, field,
                   "'%s' is not a host name (%s); write e.g. localhost or "
                   "gw1.example.com",
                   v, why);
    } else {
        for (char *p = v; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        *out = v;
        return 0;
    }
    free(v);
    return -1;
}

/* tls.server_name, its conflicts, and the name every https target without
 * its own takes (targets are read before tls:). */
static void read_server_name(struct scnp_ctx *c, const struct ytree_node *root,
                             const struct ytree_node *tls, struct scenario *s)
{
    struct scn_tls *t = &s->tls;
    const struct ytree_node *sn = scnp_get(tls, "server_name");
    if (t->insecure) {
        /* the targets' own server_name too: it names a certificate to verify */
        const struct ytree_node *tn = scnp_get(root, "targets"), *v;
        char f[SCNP_FIELD_MAX], item[SCNP_FIELD_MAX];
        for (size_t i = 0; tn && tn->kind == YTREE_SEQ && i < tn->n; i++)
            if (tn->items[i]->kind == YTREE_MAP && (v = scnp_get(tn->items[i], "server_name")) &&
                i < s->n_targets && s->targets[i].server_name)
                scnp_error(c, v, scnp_field(f, scnp_field_i(item, "targets", i), "server_name"),
                           "tls.insecure: true turns certificate verification off, so there is "
                           "no name to verify; remove one of them");
    }
    if (!sn || scnp_server_name(c, sn, "tls.server_name", &t->server_name))
        return;
    if (t->insecure) {
        scnp_error(c, sn, "tls.server_name",
                   "insecure: true turns certificate verification off, so there is no name to "
                   "verify; remove one of them");
        return;
    }
    bool any_https = false, all_parsed = true;
    for (size_t i = 0; i < s->n_targets; i++) {
        struct scn_target *g = &s->targets[i];
        all_parsed &= g->host != NULL;
        if (!g->host || !g->https)
            continue;
        any_https = true;
        if (!g->server_name && !(g->server_name = strdup(t->server_name)))
            c->oom = true;
    }
    if (!any_https && all_parsed)
        scnp_error(c, sn, "tls.server_name",
                   "no target uses https://, and server_name applies to TLS connections only; "
                   "remove it, or use https:// targets");
}

/* A file field: expanded text, then resolved against the scenario's folder. */
static int read_path(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                     char **written, char **resolved)
{
    if (scnp_string(c, n, field, written, NULL))
        return -1;
    if (!(*resolved = scnp_resolve(c, *written))) {
        free(*written);
        return -1;
    }
    return 0;
}

int scnp_cert_pair(struct scnp_ctx *c, const struct ytree_node *cert_n, const char *cert_field,
                   const char *cert_w, const char *cert_path, const struct ytree_node *key_n,
                   const char *key_field, const char *key_w, const char *key_path,
                   const char *password, char **key_out)
{
    int rc = -1;
    EVP_PKEY *key = NULL;
    X509 *cert = load_cert(c, cert_n, cert_field, cert_w, cert_path);
    if (key_path) {
        key = load_key(c, key_n, key_field, key_w, key_path, password);
    } else if (cert) {
        /* the key may sit in the certificate's own file */
        if (file_mentions(cert_path, "PRIVATE KEY"))
            key = load_key(c, cert_n, cert_field, cert_w, cert_path, password);
        else
            scnp_error(c, cert_n, cert_field,
                       "mutual TLS needs the client's private key too; add %s: FILE", key_field);
    }
    if (cert && key) {
        if (X509_check_private_key(cert, key) != 1)
            scnp_error(c, key_path ? key_n : cert_n, key_path ? key_field : cert_field,
                       "the key in %s does not belong to the certificate in %s; give the key "
                       "the certificate was issued for",
                       key_path ? key_w : cert_w, cert_w);
        else if (!(*key_out = strdup(key_path ? key_path : cert_path)))
            c->oom = true;
        else
            rc = 0;
    }
    ERR_clear_error();
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

void scnp_tls(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    static const char *const keys[] = {"insecure",
                                       "server_name",
                                       "ca",
                                       "cert",
                                       "key",
                                       "key_password",
                                       "min_version",
                                       "max_version",
                                       "ciphers",
                                       "ciphersuites",
                                       "session_resumption",
                                       "connections",
                                       "new_connection_fraction",
                                       NULL};
    struct scn_tls *t = &s->tls;
    const struct ytree_node *tls = scnp_get(root, "tls"), *v;
    const struct ytree_node *ca_n, *cert_n, *key_n;
    char *ca_w = NULL, *cert_w = NULL, *key_w = NULL;

    if (!tls || scnp_keys(c, tls, "tls", keys))
        return;
    if ((v = scnp_get(tls, "insecure")))
        scnp_bool(c, v, "tls.insecure", &t->insecure);
    read_server_name(c, root, tls, s);
    if ((v = scnp_get(tls, "session_resumption")))
        scnp_bool(c, v, "tls.session_resumption", &t->session_resumption);
    if ((v = scnp_get(tls, "key_password"))) {
        bool secret;
        scnp_text(c, v, "tls.key_password", &t->key_password, NULL, &secret);
    }
    if ((v = scnp_get(tls, "min_version")))
        read_version(c, v, "tls.min_version", &t->min_version);
    const struct ytree_node *maxv = scnp_get(tls, "max_version");
    if (maxv && !read_version(c, maxv, "tls.max_version", &t->max_version) && t->min_version &&
        strcmp(t->min_version, t->max_version) > 0)
        scnp_error(c, maxv, "tls.max_version", "%s is below min_version %s; swap them",
                   t->max_version, t->min_version);
    if ((v = scnp_get(tls, "ciphers")) && !scnp_string(c, v, "tls.ciphers", &t->ciphers, NULL))
        check_ciphers(c, v, "tls.ciphers", t->ciphers, false);
    if ((v = scnp_get(tls, "ciphersuites")) &&
        !scnp_string(c, v, "tls.ciphersuites", &t->tls13_ciphers, NULL))
        check_ciphers(c, v, "tls.ciphersuites", t->tls13_ciphers, true);

    /* connection policy */
    const struct ytree_node *conn = scnp_get(tls, "connections");
    const struct ytree_node *frac = scnp_get(tls, "new_connection_fraction");
    bool policy_ok = true;
    if (conn) {
        char *p;
        if (!scnp_string(c, conn, "tls.connections", &p, NULL)) {
            if (!strcmp(p, "keep-alive"))
                t->conn_policy = SCN_CONN_KEEPALIVE;
            else if (!strcmp(p, "new"))
                t->conn_policy = SCN_CONN_NEW;
            else if (!strcmp(p, "fraction"))
                t->conn_policy = SCN_CONN_FRACTION;
            else {
                scnp_error(c, conn, "tls.connections",
                           "'%s' is not a connection policy; write keep-alive (reuse), new (a "
                           "new connection and full handshake per request) or fraction (with "
                           "new_connection_fraction)",
                           p);
                policy_ok = false;
            }
            free(p);
        } else
            policy_ok = false;
    }
    if (frac) {
        if (conn && policy_ok && t->conn_policy != SCN_CONN_FRACTION)
            scnp_error(c, frac, "tls.new_connection_fraction",
                       "only applies with connections: fraction; remove it or set connections: "
                       "fraction");
        else if (!scnp_fraction(c, frac, "tls.new_connection_fraction", &t->new_conn_fraction))
            t->conn_policy = SCN_CONN_FRACTION;
    } else if (conn && policy_ok && t->conn_policy == SCN_CONN_FRACTION) {
        scnp_error(c, conn, "tls.connections",
                   "fraction needs new_connection_fraction: e.g. 10%% (the share of requests "
                   "sent on a new connection)");
    }

    /* files */
    ca_n = scnp_get(tls, "ca");
    cert_n = scnp_get(tls, "cert");
    key_n = scnp_get(tls, "key");
    if (ca_n && !read_path(c, ca_n, "tls.ca", &ca_w, &t->ca_file)) {
        if (t->insecure)
            scnp_error(c, ca_n, "tls.ca",
                       "insecure: true turns certificate verification off, so the CA would not "
                       "be used; remove one of them");
        else
            check_ca(c, ca_n, ca_w, t->ca_file);
    }
    if (cert_n && !read_path(c, cert_n, "tls.cert", &cert_w, &t->cert_file) &&
        (!key_n || !read_path(c, key_n, "tls.key", &key_w, &t->key_file))) {
        char *key_file = NULL;
        if (!scnp_cert_pair(c, cert_n, "tls.cert", cert_w, t->cert_file, key_n, "tls.key", key_w,
                            t->key_file, t->key_password, &key_file) &&
            !t->key_file)
            t->key_file = key_file;
        else
            free(key_file);
    }
    if (key_n && !cert_n)
        scnp_error(c, key_n, "tls.key",
                   "a client key needs its certificate; add tls.cert: FILE (or remove key)");
    if (t->key_password && !key_n && !cert_n)
        scnp_error(c, scnp_get(tls, "key_password"), "tls.key_password",
                   "there is no key to decrypt; remove it or add tls.cert and tls.key");
    ERR_clear_error();
    free(ca_w);
    free(cert_w);
    free(key_w);
}
