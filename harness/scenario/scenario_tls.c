/*
 * scenario_tls.c — the `tls` section: verification, the name to verify
 * (server_name, here and in targets and auth), CA bundle, client
 * certificate and key for mutual TLS, protocol versions, cipher lists,
 * session resumption and the connection policy.
 *
 * Files are read whole here, once, and kept in the scenario (struct
 * scn_pem): the transports, the node check and the token pool build their
 * TLS from those bytes, so nothing reads a certificate, key or CA file
 * after the scenario is loaded, and never on a worker's loop. Without
 * tls.ca, the system's CA file is read the same way (scnp_tls_system_ca).
 *
 * They are checked with the same OpenSSL that libcurl uses, so a
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

/* A PEM file larger than this is refused: a certificate and its key are a
 * few KB, a CA bundle (Debian's whole system store) a few hundred. */
#define PEM_MAX_BYTES (16u << 20)

void scn_pem_free(struct scn_pem *pem)
{
    if (pem->data) {
        explicit_bzero(pem->data, pem->len);
        free(pem->data);
    }
    pem->data = NULL;
    pem->len = 0;
}

/* Reads the file f names into *pem (infile.h: never waits on a FIFO or
 * device). Returns 0, or -1 reported at f. */
static int read_pem(struct scnp_ctx *c, const struct scnp_file *f, struct scn_pem *pem)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = scnp_read_file(c, f->n, f->field, f->written, f->path, PEM_MAX_BYTES, &buf, &len);
    if (rc == INFILE_ETOOBIG)
        scnp_error(c, f->n, f->field,
                   "%s is larger than %u MB; a PEM certificate or key is a few KB (a CA "
                   "bundle a few hundred): name the PEM file itself",
                   f->written, PEM_MAX_BYTES >> 20);
    if (rc)
        return -1;
    pem->data = buf;
    pem->len = len;
    return 0;
}

/* A read-only memory BIO over pem's bytes, or NULL (c->oom set). */
static BIO *pem_bio(struct scnp_ctx *c, const struct scn_pem *pem)
{
    BIO *b = BIO_new_mem_buf(pem->data, (int)pem->len);
    if (!b) {
        c->oom = true;
        ERR_clear_error();
    }
    return b;
}

static bool pem_mentions(const struct scn_pem *pem, const char *needle)
{
    return memmem(pem->data, pem->len, needle, strlen(needle)) != NULL;
}

/* Reads tls.ca into *pem and checks it holds PEM certificates. */
static int read_ca(struct scnp_ctx *c, const struct scnp_file *f, struct scn_pem *pem)
{
    if (read_pem(c, f, pem))
        return -1;
    BIO *b = pem_bio(c, pem);
    if (!b) {
        scn_pem_free(pem);
        return -1;
    }
    int certs = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, password_cb, NULL))) {
        certs++;
        X509_free(x);
    }
    BIO_free(b);
    ERR_clear_error();
    if (!certs) {
        scnp_error(c, f->n, f->field,
                   "no PEM certificate in %s; a CA file holds -----BEGIN CERTIFICATE----- "
                   "blocks (convert DER with: openssl x509 -inform der -in FILE -out FILE.pem)",
                   f->written);
        scn_pem_free(pem);
        return -1;
    }
    return 0;
}

/* The first certificate of pem (read from the file f names), checked to
 * be PEM and within its validity dates; NULL reported. */
static X509 *load_cert(struct scnp_ctx *c, const struct scnp_file *f, const struct scn_pem *pem)
{
    BIO *b = pem_bio(c, pem);
    if (!b)
        return NULL;
    X509 *x = PEM_read_bio_X509(b, NULL, password_cb, NULL);
    BIO_free(b);
    ERR_clear_error();
    if (!x) {
        scnp_error(c, f->n, f->field,
                   "no PEM certificate in %s; give the client certificate as -----BEGIN "
                   "CERTIFICATE----- (convert DER with: openssl x509 -inform der -in FILE -out "
                   "FILE.pem)",
                   f->written);
        return NULL;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
        scnp_error(c, f->n, f->field, "the certificate in %s has expired; renew it", f->written);
        X509_free(x);
        return NULL;
    }
    if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
        scnp_error(c, f->n, f->field,
                   "the certificate in %s is not valid yet; check the clock or reissue it",
                   f->written);
        X509_free(x);
        return NULL;
    }
    return x;
}

/* The private key in pem (read from the file f names), decrypted with
 * password; NULL reported. */
static EVP_PKEY *load_key(struct scnp_ctx *c, const struct scnp_file *f, const struct scn_pem *pem,
                          const char *password)
{
    BIO *b = pem_bio(c, pem);
    if (!b)
        return NULL;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, password_cb, (void *)(uintptr_t)password);
    BIO_free(b);
    ERR_clear_error();
    if (k)
        return k;
    bool encrypted = pem_mentions(pem, "ENCRYPTED");
    if (encrypted && !password)
        scnp_error(c, f->n, f->field,
                   "the key in %s is encrypted; give its passphrase as tls.key_password: "
                   "${KEY_PASSWORD}",
                   f->written);
    else if (encrypted)
        scnp_error(c, f->n, f->field,
                   "the key in %s does not decrypt with tls.key_password; check "
                   "the passphrase",
                   f->written);
    else
        scnp_error(c, f->n, f->field,
                   "no PEM private key in %s; give the key as -----BEGIN PRIVATE KEY----- (or "
                   "RSA/EC PRIVATE KEY)",
                   f->written);
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

int scnp_cert_pair(struct scnp_ctx *c, const struct scnp_file *cert, const struct scnp_file *key,
                   const char *password, char **key_path, struct scn_pem *cert_pem,
                   struct scn_pem *key_pem)
{
    int rc = -1;
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    struct scn_pem cp = {0}, kp = {0};
    bool p12 = false;
    if (!read_pem(c, cert, &cp) && !scnp_is_pem(&cp) && scnp_is_p12(&cp)) {
        /* a PKCS#12 bundle: its certificate and key, as PEM */
        struct scn_pem raw = cp;
        cp = (struct scn_pem){0};
        p12 = true;
        if (key->path)
            scnp_error(c, key->n, key->field, "%s is PKCS#12, which holds the key; remove %s",
                       cert->written, key->field);
        else
            scnp_p12_parse(c, cert, &raw, password, &cp, &kp);
        scn_pem_free(&raw);
    }
    if (cp.data)
        x = load_cert(c, cert, &cp);
    if (p12) {
        if (x && kp.data)
            k = load_key(c, cert, &kp, NULL);
    } else if (key->path) {
        if (!read_pem(c, key, &kp))
            k = load_key(c, key, &kp, password);
    } else if (x) {
        /* the key may sit in the certificate's own file */
        if (!pem_mentions(&cp, "PRIVATE KEY"))
            scnp_error(c, cert->n, cert->field,
                       "mutual TLS needs the client's private key too; add %s: FILE", key->field);
        else if (!(kp.data = malloc(cp.len + 1)))
            c->oom = true;
        else {
            memcpy(kp.data, cp.data, cp.len + 1);
            kp.len = cp.len;
            k = load_key(c, cert, &kp, password);
        }
    }
    if (x && k) {
        const struct scnp_file *at = key->path ? key : cert;
        if (X509_check_private_key(x, k) != 1)
            scnp_error(c, at->n, at->field,
                       "the key in %s does not belong to the certificate in %s; give the key "
                       "the certificate was issued for",
                       at->written, cert->written);
        else if (!(*key_path = strdup(at->path)))
            c->oom = true;
        else
            rc = 0;
    }
    ERR_clear_error();
    X509_free(x);
    EVP_PKEY_free(k);
    if (rc) {
        scn_pem_free(&cp);
        scn_pem_free(&kp);
        return rc;
    }
    *cert_pem = cp;
    *key_pem = kp;
    return 0;
}

void scnp_tls(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    static const char *const keys[] = {"insecure",
                                       "server_name",
                                       "ca",
                                       "cert",
                                       "key",
                                       "key_password",
                                       "key_password_file",
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
    const struct ytree_node *pwf = scnp_get(tls, "key_password_file");
    if ((v = scnp_get(tls, "key_password"))) {
        bool secret;
        if (pwf)
            scnp_error(c, pwf, "tls.key_password_file",
                       "give key_password or key_password_file, not both");
        else
            scnp_text(c, v, "tls.key_password", &t->key_password, NULL, &secret);
    } else if (pwf)
        scnp_secret_file(c, pwf, "tls.key_password_file", &t->key_password);
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
            read_ca(c, &(struct scnp_file){ca_n, "tls.ca", ca_w, t->ca_file}, &t->ca);
    }
    if (cert_n && !read_path(c, cert_n, "tls.cert", &cert_w, &t->cert_file) &&
        (!key_n || !read_path(c, key_n, "tls.key", &key_w, &t->key_file))) {
        char *key_file = NULL;
        if (!scnp_cert_pair(c, &(struct scnp_file){cert_n, "tls.cert", cert_w, t->cert_file},
                            &(struct scnp_file){key_n, "tls.key", key_w, t->key_file},
                            t->key_password, &key_file, &t->cert, &t->key) &&
            !t->key_file)
            t->key_file = key_file;
        else
            free(key_file);
    }
    if (key_n && !cert_n)
        scnp_error(c, key_n, "tls.key",
                   "a client key needs its certificate; add tls.cert: FILE (or remove key)");
    if (t->key_password && !key_n && !cert_n)
        scnp_error(c, pwf ? pwf : scnp_get(tls, "key_password"),
                   pwf ? "tls.key_password_file" : "tls.key_password",
                   "there is no key to decrypt; remove it or add tls.cert and tls.key");
    ERR_clear_error();
    free(ca_w);
    free(cert_w);
    free(key_w);
}

void scnp_tls_system_ca(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    struct scn_tls *t = &s->tls;
    bool https = s->auth.type == SCN_AUTH_OAUTH2 && s->auth.token_https;
    for (size_t i = 0; i < s->n_targets; i++)
        https |= s->targets[i].https;
    if (t->insecure || t->ca_file || !https)
        return;
    /* what OpenSSL's default verify paths name (SSL_CERT_FILE, else the
     * file its build names); its folder of hashed links (SSL_CERT_DIR) is
     * not read: it would be read a file per lookup, during handshakes */
    const char *env = getenv(X509_get_default_cert_file_env());
    const char *path = env && *env ? env : X509_get_default_cert_file();
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int rc = infile_read(path, PEM_MAX_BYTES, &buf, &len, &st);
    if (rc == INFILE_ENOMEM) {
        c->oom = true;
        return;
    }
    char why[160];
    if (rc == INFILE_ENOENT)
        snprintf(why, sizeof why, "does not exist");
    else if (rc == INFILE_ENOTREG)
        snprintf(why, sizeof why, "is not a regular file but %s", infile_kind(st.st_mode));
    else if (rc == INFILE_ETOOBIG)
        snprintf(why, sizeof why, "is larger than %u MB", PEM_MAX_BYTES >> 20);
    else if (rc)
        snprintf(why, sizeof why, "cannot be read: %s", strerror(errno));
    if (rc) {
        const struct ytree_node *at = scnp_get(root, "tls");
        scnp_error(c, at ? at : scnp_get(root, "targets"), "tls.ca",
                   "no CA is given, and the system's CA file %s%s %s; give tls.ca: FILE with "
                   "the CA that signed the gateway's certificate (or install ca-certificates)",
                   path, env && *env ? " (SSL_CERT_FILE)" : "", why);
        return;
    }
    if (!(t->ca_system = strdup(path))) {
        free(buf);
        c->oom = true;
        return;
    }
    t->ca.data = buf;
    t->ca.len = len;
}
