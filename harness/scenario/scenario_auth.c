/*
 * scenario_auth.c — the `auth` section: an OAuth2 token endpoint, the
 * grant and client authentication, and the applications (one, a list, or
 * a CSV file) whose tokens the run uses, with how arrivals are bound to
 * them. Credentials are read here and never echoed (scenario_json.c
 * writes names only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/infile.h"
#include "scenario/feeder.h"
#include "scenario/scenario_int.h"

#define MAX_APPS 100000
#define MAX_SECRET_FILE_BYTES 4096

static const char *const app_keys[] = {"name",
                                       "client_id",
                                       "client_secret",
                                       "client_secret_file",
                                       "username",
                                       "password",
                                       "cert",
                                       "key",
                                       "signing_key",
                                       "kid",
                                       "key_password_file",
                                       "key_password",
                                       NULL};
#define N_APP_KEYS 12

int scnp_secret_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out)
{
    char *written, *path;
    if (scnp_string(c, n, field, &written, NULL))
        return -1;
    if (!(path = scnp_resolve(c, written))) {
        free(written);
        return -1;
    }
    int rc = -1;
    char *buf = NULL;
    size_t len, size = 0;
    int got = scnp_read_file(c, n, field, written, path, MAX_SECRET_FILE_BYTES, &buf, &len);
    if (got == INFILE_ETOOBIG)
        scnp_error(c, n, field, "%s is longer than %d bytes; it should hold just the secret",
                   written, MAX_SECRET_FILE_BYTES);
    if (got)
        goto out;
    size = len;
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    if (!len || memchr(buf, '\0', len) || memchr(buf, '\n', len) || memchr(buf, '\r', len)) {
        scnp_error(c, n, field, "%s must hold the secret on one line (it is %s)", written,
                   len ? "several lines or binary" : "empty");
        goto out;
    }
    if (!(*out = strndup(buf, len)))
        c->oom = true;
    else
        rc = 0;
out:
    if (buf) {
        explicit_bzero(buf, size);
        free(buf);
    }
    free(written);
    free(path);
    return rc;
}

/* An application's client_secret_file. One that cannot be read is
 * reported here and counts as given (an empty placeholder; the scenario
 * does not load), so that check_apps does not ask for a secret again. */
static void read_secret(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                        struct scn_app *a)
{
    if (scnp_secret_file(c, n, field, &a->client_secret) && !c->oom &&
        !(a->client_secret = strdup("")))
        c->oom = true;
}

/* A certificate file named by field, checked with its key (key_n may be NULL). */
static void read_cert(struct scnp_ctx *c, const struct ytree_node *cert_n, const char *cert_field,
                      const struct ytree_node *key_n, const char *key_field, const char *password,
                      struct scn_app *a)
{
    char *cert_w = NULL, *key_w = NULL, *key_path = NULL;
    if (scnp_string(c, cert_n, cert_field, &cert_w, NULL) ||
        !(a->cert_file = scnp_resolve(c, cert_w)))
        goto out;
    if (key_n &&
        (scnp_string(c, key_n, key_field, &key_w, NULL) || !(key_path = scnp_resolve(c, key_w))))
        goto out;
    scnp_cert_pair(c, &(struct scnp_file){cert_n, cert_field, cert_w, a->cert_file},
                   &(struct scnp_file){key_n, key_field, key_w, key_path}, password, &a->key_file,
                   &a->cert, &a->key);
out:
    free(cert_w);
    free(key_w);
    free(key_path);
}

/* An application's signing_key (PEM or PKCS#12, opened with password). */
static void read_signing_key(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                             const char *password, enum scn_jws_alg want, struct scn_app *a)
{
    char *written = NULL;
    if (scnp_string(c, n, field, &written, NULL) ||
        !(a->signing_key_file = scnp_resolve(c, written))) {
        free(written);
        return;
    }
    scnp_signing_key(c, &(struct scnp_file){n, field, written, a->signing_key_file}, password, want,
                     &a->signing_key, &a->signing_alg);
    free(written);
}

/* Zeroes and frees a password read for the application's files. */
static void forget_password(char **pw)
{
    if (*pw) {
        explicit_bzero(*pw, strlen(*pw));
        free(*pw);
        *pw = NULL;
    }
}

/* kid: printable ASCII without quote or backslash (it is written into a
 * JOSE header as is). */
static void read_kid(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                     struct scn_app *a)
{
    if (scnp_string(c, n, field, &a->kid, NULL))
        return;
    for (const char *p = a->kid; *p; p++)
        if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\') {
            scnp_error(c, n, field,
                       "'%s' is not a usable kid: printable ASCII without spaces, quotes or "
                       "backslashes",
                       a->kid);
            return;
        }
    if (strlen(a->kid) > 200)
        scnp_error(c, n, field, "a kid of more than 200 characters; shorten it");
}

/* One application from a mapping (an `applications` entry, or `auth`
 * itself for the single-application form). */
static void read_app(struct scnp_ctx *c, const struct ytree_node *m, const char *parent,
                     struct scn_app *a, bool keys_checked, enum scn_jws_alg want)
{
    char *password = NULL;
    char f[SCNP_FIELD_MAX], g[SCNP_FIELD_MAX];
    const struct ytree_node *v;
    if (!keys_checked && scnp_keys(c, m, parent, app_keys))
        return;
    if ((v = scnp_get(m, "name")))
        scnp_name(c, v, scnp_field(f, parent, "name"), &a->name);
    if ((v = scnp_get(m, "client_id")))
        scnp_string(c, v, scnp_field(f, parent, "client_id"), &a->client_id, &a->client_id_secret);
    else
        scnp_error(c, m, parent, "missing client_id; write client_id: ${CLIENT_ID}");
    const struct ytree_node *sec = scnp_get(m, "client_secret");
    const struct ytree_node *sec_file = scnp_get(m, "client_secret_file");
    if (sec && sec_file)
        scnp_error(c, sec_file, scnp_field(f, parent, "client_secret_file"),
                   "give client_secret or client_secret_file, not both");
    else if (sec)
        scnp_string(c, sec, scnp_field(f, parent, "client_secret"), &a->client_secret, NULL);
    else if (sec_file)
        read_secret(c, sec_file, scnp_field(f, parent, "client_secret_file"), a);
    if ((v = scnp_get(m, "username")))
        scnp_string(c, v, scnp_field(f, parent, "username"), &a->username, NULL);
    if ((v = scnp_get(m, "password")))
        scnp_string(c, v, scnp_field(f, parent, "password"), &a->password, NULL);
    const struct ytree_node *pw = scnp_get(m, "key_password");
    const struct ytree_node *pw_file = scnp_get(m, "key_password_file");
    if (pw && pw_file)
        scnp_error(c, pw_file, scnp_field(f, parent, "key_password_file"),
                   "give key_password or key_password_file, not both");
    else if (pw)
        scnp_string(c, pw, scnp_field(f, parent, "key_password"), &password, NULL);
    else if (pw_file)
        scnp_secret_file(c, pw_file, scnp_field(f, parent, "key_password_file"), &password);
    const struct ytree_node *cert_n = scnp_get(m, "cert"), *key_n = scnp_get(m, "key");
    if (cert_n)
        read_cert(c, cert_n, scnp_field(f, parent, "cert"), key_n, scnp_field(g, parent, "key"),
                  password, a);
    else if (key_n)
        scnp_error(c, key_n, scnp_field(f, parent, "key"),
                   "a client key needs its certificate; add cert: FILE (or remove key)");
    if ((v = scnp_get(m, "signing_key")))
        read_signing_key(c, v, scnp_field(f, parent, "signing_key"), password, want, a);
    if ((v = scnp_get(m, "kid")))
        read_kid(c, v, scnp_field(f, parent, "kid"), a);
    forget_password(&password);
}

/* A CSV cell, or NULL when the column is absent or the cell empty. */
static char *cell(const struct feeder *fd, size_t row, int col, bool *oom)
{
    if (col < 0)
        return NULL;
    size_t len;
    const char *v = feeder_cell(fd, row, (size_t)col, &len);
    if (!len)
        return NULL;
    char *s = strndup(v, len);
    if (!s)
        *oom = true;
    return s;
}

/* Applications from a CSV file with a header row naming columns among
 * app_keys (client_id required). Certificate paths are relative to the
 * CSV file's folder. */
static void read_apps_csv(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                          struct scn_auth *au)
{
    char *path = NULL, err[512];
    struct feeder *fd = NULL;
    if (scnp_string(c, n, field, &au->apps_file, NULL) || !(path = scnp_resolve(c, au->apps_file)))
        goto out;
    struct stat st;
    if (stat(path, &st)) {
        scnp_missing_file(c, n, field, au->apps_file, path);
        goto out;
    }
    if (feeder_load("applications", au->apps_file, path, &fd, err, sizeof err)) {
        scnp_error(c, n, field, "%s", err);
        goto out;
    }
    int col[N_APP_KEYS];
    for (size_t k = 0; app_keys[k]; k++)
        col[k] = feeder_column(fd, app_keys[k], strlen(app_keys[k]));
    for (size_t i = 0; i < fd->n_columns; i++) {
        bool known = false;
        for (size_t k = 0; app_keys[k]; k++)
            known |= !strcmp(fd->columns[i], app_keys[k]);
        if (!known) {
            scnp_error(c, n, field,
                       "%s: unknown column '%s'; the columns are name, client_id, "
                       "client_secret, client_secret_file, username, password, cert, key, "
                       "signing_key, kid, key_password_file, key_password",
                       au->apps_file, fd->columns[i]);
            goto out;
        }
    }
    if (col[1] < 0) {
        scnp_error(c, n, field, "%s has no client_id column; its header row must name it",
                   au->apps_file);
        goto out;
    }
    if (fd->n_rows > MAX_APPS) {
        scnp_error(c, n, field, "%s has %zu applications; at most %d are supported", au->apps_file,
                   fd->n_rows, MAX_APPS);
        goto out;
    }
    if (!(au->apps = calloc(fd->n_rows, sizeof *au->apps))) {
        c->oom = true;
        goto out;
    }
    au->n_apps = fd->n_rows;
    /* certificate paths are relative to the CSV's folder */
    char *saved_dir = c->dir;
    char *slash = strrchr(path, '/');
    char *csv_dir = slash ? strndup(path, (size_t)(slash - path + (slash == path))) : strdup(".");
    if (!csv_dir) {
        c->oom = true;
        goto out;
    }
    c->dir = csv_dir;
    bool oom = false;
    for (size_t r = 0; r < fd->n_rows && !oom; r++) {
        struct scn_app *a = &au->apps[r];
        char where[SCNP_FIELD_MAX];
        snprintf(where, sizeof where, "%s (%s:%zu)", field, au->apps_file, feeder_row_line(fd, r));
        a->name = cell(fd, r, col[0], &oom);
        a->client_id = cell(fd, r, col[1], &oom);
        a->client_id_secret = true; /* from a file */
        a->client_secret = cell(fd, r, col[2], &oom);
        a->username = cell(fd, r, col[4], &oom);
        a->password = cell(fd, r, col[5], &oom);
        char *secret_file = cell(fd, r, col[3], &oom);
        char *cert = cell(fd, r, col[6], &oom), *key = cell(fd, r, col[7], &oom);
        char *skey = cell(fd, r, col[8], &oom), *kid = cell(fd, r, col[9], &oom);
        char *pw_file = cell(fd, r, col[10], &oom), *password = cell(fd, r, col[11], &oom);
        struct ytree_node base = {
            .kind = YTREE_SCALAR, .src = n->src, .line = n->line, .col = n->col};
        if (!a->client_id)
            scnp_error(c, n, where, "empty client_id; every application needs one");
        if (a->name && !scnp_valid_name(a->name))
            scnp_error(c, n, where,
                       "name '%s' is not valid: 1..64 of letters, digits and . _ - : @ + [ ]",
                       a->name);
        if (secret_file && a->client_secret)
            scnp_error(c, n, where, "give client_secret or client_secret_file, not both");
        else if (secret_file) {
            struct ytree_node sn = {.kind = YTREE_SCALAR,
                                    .text = secret_file,
                                    .len = strlen(secret_file),
                                    .src = n->src,
                                    .line = n->line,
                                    .col = n->col};
            read_secret(c, &sn, where, a);
        }
        if (cert) {
            struct ytree_node cn = {.kind = YTREE_SCALAR,
                                    .text = cert,
                                    .len = strlen(cert),
                                    .src = n->src,
                                    .line = n->line,
                                    .col = n->col};
            struct ytree_node kn = cn;
            if (key) {
                kn.text = key;
                kn.len = strlen(key);
            }
            if (pw_file) {
                struct ytree_node pn = base;
                pn.text = pw_file;
                pn.len = strlen(pw_file);
                if (password)
                    scnp_error(c, n, where, "give key_password or key_password_file, not both");
                else
                    scnp_secret_file(c, &pn, where, &password);
            }
            read_cert(c, &cn, where, key ? &kn : NULL, where, password, a);
        } else if (key)
            scnp_error(c, n, where, "a key needs its certificate in the cert column");
        if (pw_file && !cert && !password) {
            struct ytree_node pn = base;
            pn.text = pw_file;
            pn.len = strlen(pw_file);
            scnp_secret_file(c, &pn, where, &password);
        }
        if (skey) {
            struct ytree_node sn = base;
            sn.text = skey;
            sn.len = strlen(skey);
            read_signing_key(c, &sn, where, password, au->assertion_alg, a);
        }
        if (kid) {
            struct ytree_node kn2 = base;
            kn2.text = kid;
            kn2.len = strlen(kid);
            read_kid(c, &kn2, where, a);
        }
        forget_password(&password);
        free(pw_file);
        free(skey);
        free(kid);
        free(secret_file);
        free(cert);
        free(key);
    }
    c->dir = saved_dir;
    free(csv_dir);
    if (oom)
        c->oom = true;
out:
    feeder_free(fd);
    free(path);
}

static void read_apps_list(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                           struct scn_auth *au)
{
    if (scnp_list(c, n, field,
                  "applications: [{client_id: ${A1_ID}, client_secret: ${A1_SECRET}}]"))
        return;
    if (!n->n) {
        scnp_error(c, n, field, "empty list; give at least one application, or a CSV file");
        return;
    }
    if (n->n > MAX_APPS) {
        scnp_error(c, n, field, "%zu applications; at most %d are supported", n->n, MAX_APPS);
        return;
    }
    if (!(au->apps = calloc(n->n, sizeof *au->apps))) {
        c->oom = true;
        return;
    }
    au->n_apps = n->n;
    for (size_t i = 0; i < n->n; i++) {
        char f[SCNP_FIELD_MAX];
        read_app(c, n->items[i], scnp_field_i(f, field, i), &au->apps[i], false, au->assertion_alg);
    }
}

/* Every application: a name, the credentials the grant and client
 * authentication need, distinct names. */
static void check_apps(struct scnp_ctx *c, const struct ytree_node *at, struct scn_auth *au,
                       const struct scn_tls *tls)
{
    for (size_t i = 0; i < au->n_apps; i++) {
        struct scn_app *a = &au->apps[i];
        if (!a->name && asprintf(&a->name, "app-%zu", i + 1) < 0) {
            a->name = NULL;
            c->oom = true;
            return;
        }
    }
    /* distinct names, found by sorting: a CSV may list 100,000 */
    struct uniq_key *keys = calloc(au->n_apps ? au->n_apps : 1, sizeof *keys);
    if (!keys) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < au->n_apps; i++)
        keys[i] = (struct uniq_key){au->apps[i].name, strlen(au->apps[i].name)};
    size_t *first = scnp_first_names(c, keys, au->n_apps, 0);
    free(keys);
    for (size_t i = 0; first && i < au->n_apps; i++) {
        struct scn_app *a = &au->apps[i];
        char where[64];
        snprintf(where, sizeof where, "auth: application %s", a->name);
        if (!a->client_id)
            continue; /* reported where it was read */
        if (au->client_auth == SCN_CLIENT_AUTH_PRIVATE_KEY_JWT && !a->signing_key.data &&
            !a->signing_key_file)
            scnp_error(c, at, "auth",
                       "%s: client_auth: private_key_jwt needs the application's signing_key: "
                       "FILE (PEM or PKCS#12)",
                       where);
        if (au->client_auth == SCN_CLIENT_AUTH_PRIVATE_KEY_JWT &&
            strpbrk(a->client_id, "\"\\\x01\x02\x03\x04\x05\x06\x07\x08\t\n\r"))
            scnp_error(c, at, "auth",
                       "%s: its client_id has a quote, backslash or control character, which a "
                       "client assertion cannot carry as is",
                       where);
        if (au->client_auth != SCN_CLIENT_AUTH_MTLS &&
            au->client_auth != SCN_CLIENT_AUTH_PRIVATE_KEY_JWT && !a->client_secret)
            scnp_error(c, at, "auth",
                       "%s has no client_secret; give client_secret: ${SECRET} "
                       "or client_secret_file (or client_auth: mtls with a certificate)",
                       where);
        if (au->client_auth == SCN_CLIENT_AUTH_MTLS && !a->cert_file && !tls->cert_file)
            scnp_error(c, at, "auth",
                       "%s: client_auth: mtls needs a client certificate; give "
                       "the application a cert and key, or set tls.cert and tls.key",
                       where);
        if (au->grant == SCN_GRANT_PASSWORD && (!a->username || !a->password))
            scnp_error(c, at, "auth", "%s: grant: password needs username and password", where);
        if (first[i] != i)
            scnp_error(c, at, "auth", "two applications are named %s; names must differ", a->name);
    }
    free(first);
}

static int read_enum(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                     const char *const *names, const char *hint, int *out)
{
    char *v;
    if (scnp_string(c, n, field, &v, NULL))
        return -1;
    for (int i = 0; names[i]; i++)
        if (!strcmp(v, names[i])) {
            *out = i;
            free(v);
            return 0;
        }
    scnp_error(c, n, field, "'%s' is not valid; write %s", v, hint);
    free(v);
    return -1;
}

/* scopes: a list or one space-separated string. */
static void read_scopes(struct scnp_ctx *c, const struct ytree_node *n, struct scn_auth *au)
{
    if (n->kind == YTREE_SCALAR) {
        scnp_string(c, n, "auth.scopes", &au->scope, NULL);
        return;
    }
    if (scnp_list(c, n, "auth.scopes", "scopes: [accounts, payments]"))
        return;
    size_t len = 0;
    char **parts = calloc(n->n ? n->n : 1, sizeof *parts);
    if (!parts) {
        c->oom = true;
        return;
    }
    bool ok = true;
    for (size_t i = 0; i < n->n; i++) {
        char f[SCNP_FIELD_MAX];
        if (scnp_string(c, n->items[i], scnp_field_i(f, "auth.scopes", i), &parts[i], NULL)) {
            ok = false;
            continue;
        }
        if (strpbrk(parts[i], " \t")) {
            scnp_error(c, n->items[i], f, "a scope has no spaces; list each scope on its own");
            ok = false;
        }
        len += strlen(parts[i]) + 1;
    }
    if (ok && n->n && (au->scope = malloc(len))) {
        /* len counts each scope and one byte after it: a space, or the NUL */
        size_t at = 0;
        for (size_t i = 0; i < n->n; i++) {
            size_t k = strlen(parts[i]);
            memcpy(au->scope + at, parts[i], k);
            at += k;
            au->scope[at++] = i + 1 < n->n ? ' ' : '\0';
        }
    } else if (ok && n->n)
        c->oom = true;
    for (size_t i = 0; i < n->n; i++)
        free(parts[i]);
    free(parts);
}

static void read_refresh(struct scnp_ctx *c, const struct ytree_node *n, struct scn_auth *au)
{
    if (n->kind == YTREE_SCALAR && n->len && n->text[n->len - 1] == '%') {
        double frac;
        if (scnp_fraction(c, n, "auth.refresh_before", &frac))
            return;
        if (frac <= 0 || frac >= 1)
            scnp_error(c, n, "auth.refresh_before",
                       "a share of the token's lifetime between 0%% and 100%%, e.g. 20%%");
        else
            au->refresh_before_frac = frac;
        return;
    }
    double ms;
    if (!scnp_duration_ms(c, n, "auth.refresh_before", 1, 86400e3, &ms)) {
        au->refresh_before_s = ms / 1000.0;
        au->refresh_before_frac = 0;
    }
}

void scnp_auth(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    static const char *const keys[] = {"type",
                                       "token_url",
                                       "grant",
                                       "client_auth",
                                       "scopes",
                                       "applications",
                                       "bind",
                                       "refresh_before",
                                       "timeout",
                                       "header",
                                       "prefix",
                                       "name",
                                       "client_id",
                                       "client_secret",
                                       "client_secret_file",
                                       "username",
                                       "password",
                                       "cert",
                                       "key",
                                       "server_name",
                                       "signing_key",
                                       "kid",
                                       "key_password",
                                       "key_password_file",
                                       "assertion_alg",
                                       "assertion_lifetime",
                                       "assertion_audience",
                                       NULL};
    static const char *const grants[] = {"client_credentials", "password", NULL};
    static const char *const client_auths[] = {"basic", "body", "mtls", "private_key_jwt", NULL};
    static const char *const algs[] = {"none", "PS256", "ES256", "RS256", NULL};
    static const char *const binds[] = {"round_robin", "random", "sticky", NULL};
    struct scn_auth *au = &s->auth;
    const struct ytree_node *n = scnp_get(root, "auth"), *v;
    au->refresh_before_frac = 0.2;
    au->token_timeout_ms = 10000;
    if (!n || scnp_keys(c, n, "auth", keys))
        return;
    au->type = SCN_AUTH_OAUTH2;
    if ((v = scnp_get(n, "type"))) {
        char *t;
        if (!scnp_string(c, v, "auth.type", &t, NULL)) {
            if (!strcmp(t, "none"))
                au->type = SCN_AUTH_NONE;
            else if (strcmp(t, "oauth2"))
                scnp_error(c, v, "auth.type",
                           "'%s' is not supported; write oauth2 (tokens from a token endpoint), "
                           "or send a static token or API key as a request header "
                           "(Authorization: \"Bearer ${TOKEN}\")",
                           t);
            free(t);
        }
    }
    if (au->type == SCN_AUTH_NONE)
        return;
    if ((v = scnp_get(n, "token_url"))) {
        struct scn_target t = {0};
        char *url;
        if (!scnp_string(c, v, "auth.token_url", &url, NULL)) {
            if (!scnp_parse_url(c, v, "auth.token_url", url, &t)) {
                if (!*t.base_path)
                    scnp_error(c, v, "auth.token_url",
                               "'%s' has no path; write the endpoint itself, e.g. "
                               "https://HOST:9443/oauth2/token",
                               url);
                au->token_url = t.url;
                au->token_host = t.host;
                au->token_port = t.port;
                au->token_https = t.https;
                au->token_path = t.base_path;
                t.url = t.host = t.base_path = NULL;
            }
            free(url);
        }
        free(t.url);
        free(t.host);
        free(t.base_path);
        free(t.name);
    } else
        scnp_error(c, n, "auth",
                   "missing token_url; write token_url: https://KEY_MANAGER:9443/oauth2/token");
    if ((v = scnp_get(n, "server_name")) &&
        !scnp_server_name(c, v, "auth.server_name", &au->server_name)) {
        if (au->token_url && !au->token_https)
            scnp_error(c, v, "auth.server_name",
                       "the token endpoint is reached over http://, which has no certificate "
                       "to verify; remove server_name, or use https:// in token_url");
        else if (s->tls.insecure)
            scnp_error(c, v, "auth.server_name",
                       "tls.insecure: true turns certificate verification off, so there is no "
                       "name to verify; remove one of them");
    }
    int e;
    if ((v = scnp_get(n, "grant")) &&
        !read_enum(c, v, "auth.grant", grants, "client_credentials or password", &e))
        au->grant = (enum scn_grant)e;
    if ((v = scnp_get(n, "client_auth")) &&
        !read_enum(c, v, "auth.client_auth", client_auths,
                   "basic (HTTP Basic), body (client_id and client_secret in the form), mtls "
                   "(the client certificate) or private_key_jwt (a JWT signed with the "
                   "application's signing_key)",
                   &e))
        au->client_auth = (enum scn_client_auth)e;
    au->assertion_lifetime_s = 60;
    au->refresh_grant = true;
    if ((v = scnp_get(n, "refresh_token")))
        scnp_bool(c, v, "auth.refresh_token", &au->refresh_grant);
    if ((v = scnp_get(n, "assertion_alg")) &&
        !read_enum(c, v, "auth.assertion_alg", algs, "PS256, ES256 or RS256", &e)) {
        if (e == SCN_JWS_NONE)
            scnp_error(c, v, "auth.assertion_alg",
                       "'none' is not allowed; write PS256, ES256 or "
                       "RS256");
        au->assertion_alg = (enum scn_jws_alg)e;
    }
    double life_ms;
    if ((v = scnp_get(n, "assertion_lifetime")) &&
        !scnp_duration_ms(c, v, "auth.assertion_lifetime", 1000, 3600e3, &life_ms))
        au->assertion_lifetime_s = life_ms / 1000.0;
    if ((v = scnp_get(n, "assertion_audience")) &&
        !scnp_string(c, v, "auth.assertion_audience", &au->assertion_audience, NULL) &&
        strpbrk(au->assertion_audience, "\"\\"))
        scnp_error(c, v, "auth.assertion_audience", "an audience has no quote or backslash");
    if (au->client_auth != SCN_CLIENT_AUTH_PRIVATE_KEY_JWT) {
        static const char *const jwt_only[] = {"assertion_alg", "assertion_lifetime",
                                               "assertion_audience", NULL};
        for (size_t k = 0; jwt_only[k]; k++)
            if ((v = scnp_get(n, jwt_only[k]))) {
                char f[SCNP_FIELD_MAX];
                scnp_error(c, v, scnp_field(f, "auth", jwt_only[k]),
                           "only applies with client_auth: private_key_jwt; remove it or set "
                           "client_auth: private_key_jwt");
            }
    }
    if ((v = scnp_get(n, "scopes")))
        read_scopes(c, v, au);
    if ((v = scnp_get(n, "bind")) &&
        !read_enum(c, v, "auth.bind", binds, "round_robin, random or sticky", &e)) {
        au->bind = (enum scn_bind)e;
        if (au->bind == SCN_BIND_STICKY && s->model != SCN_CLOSED)
            scnp_error(c, v, "auth.bind",
                       "sticky binds each virtual user to one application and needs the "
                       "closed model; with the open model use round_robin or random");
    }
    if ((v = scnp_get(n, "refresh_before")))
        read_refresh(c, v, au);
    if ((v = scnp_get(n, "timeout")))
        scnp_duration_ms(c, v, "auth.timeout", 1, 600e3, &au->token_timeout_ms);
    if ((v = scnp_get(n, "header"))) {
        if (!scnp_string(c, v, "auth.header", &au->header, NULL) && !scnp_http_token(au->header))
            scnp_error(c, v, "auth.header", "'%s' is not a header name", au->header);
    }
    size_t prefix_len;
    long bad;
    if ((v = scnp_get(n, "prefix")) &&
        !scnp_text(c, v, "auth.prefix", &au->prefix, &prefix_len, NULL) &&
        (bad = scnp_header_ctl(au->prefix, prefix_len)) >= 0)
        scnp_header_ctl_error(c, v, "auth.prefix", au->prefix, bad);
    if (!c->oom && !au->header && !(au->header = strdup("Authorization")))
        c->oom = true;
    for (size_t q = 0; au->header && q < s->n_requests; q++)
        for (size_t h = 0; h < s->requests[q].n_headers; h++)
            if (!strcasecmp(s->requests[q].headers[h].name, au->header))
                scnp_error(c, n, "auth",
                           "request %s sets %s itself, and auth sends the token in it; remove "
                           "the header from the request (or name another one in auth.header)",
                           s->requests[q].name, au->header);
    if (!c->oom && !au->prefix && !(au->prefix = strdup("Bearer ")))
        c->oom = true;

    const struct ytree_node *apps = scnp_get(n, "applications");
    bool single = false;
    for (size_t k = 0; app_keys[k]; k++)
        single |= scnp_get(n, app_keys[k]) != NULL;
    if (apps && single) {
        scnp_error(c, apps, "auth.applications",
                   "give either one application (client_id, ... under auth) or applications, "
                   "not both");
    } else if (apps && apps->kind == YTREE_SCALAR) {
        read_apps_csv(c, apps, "auth.applications", au);
    } else if (apps) {
        read_apps_list(c, apps, "auth.applications", au);
    } else if (single) {
        if (!(au->apps = calloc(1, sizeof *au->apps))) {
            c->oom = true;
            return;
        }
        au->n_apps = 1;
        read_app(c, n, "auth", au->apps, true, au->assertion_alg);
    } else {
        scnp_error(c, n, "auth",
                   "no application; give client_id and client_secret (from ${ENV} or a file), "
                   "or applications: apps.csv");
    }
    check_apps(c, n, au, &s->tls);
}

void scn_auth_free(struct scn_auth *au)
{
    /* A shard's apps borrow from apps_all (scenario_shard). */
    struct scn_app *owned = au->apps_all ? au->apps_all : au->apps;
    size_t n_owned = au->apps_all ? au->n_apps_all : au->n_apps;
    for (size_t i = 0; i < n_owned; i++) {
        struct scn_app *a = &owned[i];
        free(a->name);
        free(a->client_id);
        free(a->client_secret);
        free(a->username);
        free(a->password);
        free(a->cert_file);
        free(a->key_file);
        free(a->signing_key_file);
        free(a->kid);
        scn_pem_free(&a->signing_key);
        scn_pem_free(&a->cert);
        scn_pem_free(&a->key);
    }
    if (au->apps_all)
        free(au->apps_all);
    free(au->apps);
    free(au->apps_file);
    free(au->token_url);
    free(au->token_host);
    free(au->token_path);
    free(au->server_name);
    free(au->scope);
    free(au->header);
    free(au->prefix);
    free(au->assertion_audience);
    memset(au, 0, sizeof *au);
}
