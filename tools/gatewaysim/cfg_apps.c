/*
 * cfg_apps.c — the OAuth side of the simulator's configuration: clients
 * (--client, --clients-file), password-grant users (--user) and
 * per-application quotas (--app-quota, or a third field of a client line).
 * See cfg.h.
 *
 * Tokens name their client by a 32-bit hash of its id (token.h), so two
 * configured ids with the same hash would share a quota; that is refused
 * when the second one is added.
 */
#include "cfg.h"
#include "cfg_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t gscfg_client_hash(const char *id, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)id[i];
        h *= 16777619u;
    }
    return h;
}

/* A rate in requests/s (>= 0, finite, nothing after the number). */
static int parse_rate(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < 0 || v > 1e9)
        return -EINVAL;
    *out = v;
    return 0;
}

/* Another configured id (client or quota) with the same hash, or NULL. */
static const char *hash_clash(const struct gscfg *c, const char *id, uint32_t hash)
{
    for (int i = 0; i < c->n_clients; i++)
        if (c->clients[i].hash == hash && strcmp(c->clients[i].id, id) != 0)
            return c->clients[i].id;
    for (int i = 0; i < c->n_apps; i++)
        if (c->apps[i].hash == hash && strcmp(c->apps[i].id, id) != 0)
            return c->apps[i].id;
    return NULL;
}

/* Sets id[0, idlen)'s quota, adding an entry when new. */
/* The entry for client id (idlen bytes), added when new; NULL with err set. */
static struct gscfg_app *app_entry(struct gscfg *c, const char *id, size_t idlen, char *err,
                                   size_t errlen)
{
    char name[GSCFG_ID_BYTES];
    if (idlen == 0 || idlen >= sizeof name) {
        snprintf(err, errlen, "client id '%.*s' is empty or longer than %zu characters", (int)idlen,
                 id, sizeof name - 1);
        return NULL;
    }
    memcpy(name, id, idlen);
    name[idlen] = 0;
    uint32_t hash = gscfg_client_hash(name, idlen);
    const char *other = hash_clash(c, name, hash);
    if (other) {
        snprintf(err, errlen,
                 "client ids '%s' and '%s' have the same 32-bit hash, which tokens carry; "
                 "rename one",
                 name, other);
        return NULL;
    }
    for (int i = 0; i < c->n_apps; i++)
        if (!strcmp(c->apps[i].id, name))
            return &c->apps[i];
    if (c->n_apps >= GSCFG_MAX_APPS) {
        snprintf(err, errlen, "more than %d application quotas or denials; use fewer",
                 GSCFG_MAX_APPS);
        return NULL;
    }
    struct gscfg_app *a = &c->apps[c->n_apps++];
    memset(a, 0, sizeof *a);
    memcpy(a->id, name, idlen + 1);
    a->hash = hash;
    return a;
}

static int set_quota(struct gscfg *c, const char *id, size_t idlen, double rate, char *err,
                     size_t errlen)
{
    struct gscfg_app *a = app_entry(c, id, idlen, err, errlen);
    if (!a)
        return -EINVAL;
    a->rate = rate;
    return 0;
}

int gscfg_set_deny(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    size_t len = strlen(v);
    bool off = len > 4 && !strcmp(v + len - 4, ":off");
    struct gscfg_app *a = app_entry(c, v, off ? len - 4 : len, err, errlen);
    if (!a)
        return -EINVAL;
    a->denied = !off;
    return 0;
}

int gscfg_set_app_quota(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    const char *colon = strrchr(v, ':');
    double rate;
    if (!colon || colon == v || parse_rate(colon + 1, &rate))
        GSCFG_BAD(
            "'%s' is not ID:R (client id and its quota in requests per throttle unit per node, "
            "e.g. app1:50; "
            "0 = no quota)",
            v);
    return set_quota(c, v, (size_t)(colon - v), rate, err, errlen);
}

int gscfg_add_client(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    const char *colon = strchr(v, ':');
    if (!colon || colon == v || !colon[1])
        GSCFG_BAD("'%s' is not ID:SECRET[:R] (e.g. --client app1:s3cret, or app1:s3cret:50 for a "
                  "quota of 50 requests per throttle unit)",
                  v);
    size_t idlen = (size_t)(colon - v);
    const char *secret = colon + 1;
    size_t slen = strlen(secret);
    double rate = 0;
    const char *last = strrchr(secret, ':');
    bool has_rate = last && last > secret && parse_rate(last + 1, &rate) == 0;
    if (has_rate)
        slen = (size_t)(last - secret);
    if (idlen >= sizeof c->clients[0].id || slen >= sizeof c->clients[0].secret)
        GSCFG_BAD("client id or secret in '%s' is longer than %zu characters", v,
                  sizeof c->clients[0].id - 1);
    if (c->n_clients >= GSCFG_MAX_CLIENTS)
        GSCFG_BAD("more than %d clients; use fewer", GSCFG_MAX_CLIENTS);
    struct gscfg_client cl;
    memcpy(cl.id, v, idlen);
    cl.id[idlen] = 0;
    memcpy(cl.secret, secret, slen);
    cl.secret[slen] = 0;
    cl.hash = gscfg_client_hash(cl.id, idlen);
    const char *other = hash_clash(c, cl.id, cl.hash);
    if (other)
        GSCFG_BAD(
            "client ids '%s' and '%s' have the same 32-bit hash, which tokens carry; rename one",
            cl.id, other);
    if (has_rate) {
        int rc = set_quota(c, cl.id, idlen, rate, err, errlen);
        if (rc)
            return rc;
    }
    c->clients[c->n_clients++] = cl;
    return 0;
}

int gscfg_read_clients_file(struct gscfg *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        GSCFG_BAD("cannot open '%s': %s", path, strerror(errno));
    char line[512];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        char sub[256];
        rc = gscfg_add_client(c, p, sub, sizeof sub);
        if (rc) {
            snprintf(err, errlen, "%s line %d: %s", path, lineno, sub);
            break;
        }
    }
    fclose(f);
    return rc;
}

int gscfg_add_client_key(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || !eq[1])
        GSCFG_BAD("'%s' is not ID=PUBKEY.pem (e.g. --client-key app1=app1.pub.pem)", v);
    size_t idlen = (size_t)(eq - v);
    if (idlen >= sizeof c->client_keys[0].id)
        GSCFG_BAD("client id in '%s' is too long", v);
    if (c->n_client_keys >= GSCFG_MAX_CLIENT_KEYS)
        GSCFG_BAD("more than %d client keys; use fewer", GSCFG_MAX_CLIENT_KEYS);
    struct gscfg_client_key *k = &c->client_keys[c->n_client_keys];
    FILE *f = fopen(eq + 1, "r");
    if (!f)
        GSCFG_BAD("--client-key: cannot open '%s': %s", eq + 1, strerror(errno));
    size_t n = fread(k->pem, 1, sizeof k->pem - 1, f);
    bool more = fgetc(f) != EOF;
    fclose(f);
    k->pem[n] = 0;
    if (more || !strstr(k->pem, "-----BEGIN PUBLIC KEY-----"))
        GSCFG_BAD("--client-key: '%s' is not a PEM public key (-----BEGIN PUBLIC KEY-----, at most "
                  "%d bytes; make one with openssl pkey -in KEY -pubout)",
                  eq + 1, GSCFG_KEY_PEM_BYTES - 1);
    memcpy(k->id, v, idlen);
    k->id[idlen] = 0;
    c->n_client_keys++;
    return 0;
}

int gscfg_add_user(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    const char *colon = strchr(v, ':');
    if (!colon || colon == v || !colon[1])
        GSCFG_BAD("'%s' is not USER:PASSWORD (e.g. --user alice:pa55)", v);
    size_t ulen = (size_t)(colon - v), plen = strlen(colon + 1);
    if (ulen >= sizeof c->users[0].name || plen >= sizeof c->users[0].password)
        GSCFG_BAD("user name or password in '%s' is longer than %zu characters", v,
                  sizeof c->users[0].name - 1);
    if (c->n_users >= GSCFG_MAX_USERS)
        GSCFG_BAD("more than %d users; use fewer", GSCFG_MAX_USERS);
    struct gscfg_user *u = &c->users[c->n_users++];
    memcpy(u->name, v, ulen);
    u->name[ulen] = 0;
    memcpy(u->password, colon + 1, plen + 1);
    return 0;
}

bool gscfg_client_ok(const struct gscfg *c, const char *id, const char *secret)
{
    if (c->n_clients == 0)
        return true;
    for (int i = 0; i < c->n_clients; i++)
        if (!strcmp(c->clients[i].id, id) && !strcmp(c->clients[i].secret, secret))
            return true;
    return false;
}

bool gscfg_client_known(const struct gscfg *c, const char *id)
{
    if (c->n_clients == 0)
        return true;
    for (int i = 0; i < c->n_clients; i++)
        if (!strcmp(c->clients[i].id, id))
            return true;
    return false;
}

bool gscfg_user_ok(const struct gscfg *c, const char *user, const char *password)
{
    if (c->n_users == 0)
        return true;
    for (int i = 0; i < c->n_users; i++)
        if (!strcmp(c->users[i].name, user) && !strcmp(c->users[i].password, password))
            return true;
    return false;
}

int gscfg_app_index(const struct gscfg *c, uint32_t hash)
{
    for (int i = 0; i < c->n_apps; i++)
        if (c->apps[i].hash == hash)
            return i;
    return -1;
}

const char *gscfg_client_name(const struct gscfg *c, uint32_t hash)
{
    for (int i = 0; i < c->n_clients; i++)
        if (c->clients[i].hash == hash)
            return c->clients[i].id;
    int a = gscfg_app_index(c, hash);
    return a >= 0 ? c->apps[a].id : NULL;
}

int gscfg_apps_json(const struct gscfg *c, struct gsbuf *out)
{
    int rc = gsbuf_puts(out, "{");
    for (int i = 0; i < c->n_apps && !rc; i++) {
        rc = gsbuf_puts(out, i ? ",\"" : "\"");
        rc = rc ? rc : gsbuf_json_str(out, c->apps[i].id, strlen(c->apps[i].id));
        rc = rc ? rc : gsbuf_printf(out, "\":%.6g", c->apps[i].rate);
    }
    return rc ? rc : gsbuf_puts(out, "}");
}
