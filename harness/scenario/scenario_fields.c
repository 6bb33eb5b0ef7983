/*
 * scenario_fields.c — typed readers over the YAML tree for the scenario
 * parser: ${ENV} expansion (by template.c, the one parser of ${...}),
 * type and range checks, unknown-key detection
 * with a "did you mean" from edit distance and from a table of names
 * other tools use. See scenario_priv.h.
 */
#include "base/suggest.h"
#include "scenario/scenario_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/infile.h"
#include "base/units.h"
#include "scenario/redact.h"

/* Is the value at node at (field) a secret that a message must not
 * quote: a scalar tagged !secret, or under a credential's name (a header
 * such as apikey, client_secret, password, key_password)? Not the file
 * paths and URLs whose names only look so, nor the key itself. */
static bool secret_value(const struct ytree_node *at, const char *field)
{
    static const char *const not_secret[] = {"key", "client_secret_file", "token_url", NULL};
    if (!at || at->kind != YTREE_SCALAR || !at->text || !at->len)
        return false;
    if (at->tag && !strcmp(at->tag, "!secret"))
        return true;
    const char *last = strrchr(field, '.');
    last = last ? last + 1 : field;
    if (strlen(last) == at->len && !memcmp(last, at->text, at->len))
        return false; /* the key itself ("unknown key 'passwrd'") */
    for (size_t i = 0; not_secret[i]; i++)
        if (!strcmp(last, not_secret[i]))
            return false;
    return scnp_sensitive_name(last);
}

/* Masks, in msg (cap bytes), what it quotes of a secret value at node at:
 * every '...' quoted part that is a piece of it ("malformed reference
 * '${ABC'"; pieces shorter than REDACT_MIN_LEN only when they are all of
 * it, so "'${'" stays), and the value itself wherever it stands. */
static void hide_secrets(char *msg, size_t cap, const struct ytree_node *at, const char *field)
{
    if (!secret_value(at, field))
        return;
    char out[768];
    size_t n = 0;
    for (const char *p = msg; *p && n + 1 < sizeof out;) {
        const char *q = *p == '\'' ? strchr(p + 1, '\'') : NULL;
        size_t len = q ? (size_t)(q - p - 1) : 0;
        bool piece = len >= REDACT_MIN_LEN || (len && len == at->len);
        if (q && piece && memmem(at->text, at->len, p + 1, len)) {
            n += (size_t)snprintf(out + n, sizeof out - n, "'%s'", REDACT_MARK);
            n = n < sizeof out ? n : sizeof out - 1;
            p = q + 1;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    struct redact *r = NULL;
    if (redact_new(NULL, &r) || redact_add(r, at->text))
        snprintf(msg, cap, "%s", "a secret value is wrong (not shown)");
    else
        redact_text(r, out, msg, cap, 0);
    redact_free(r);
}

void scnp_error(struct scnp_ctx *c, const struct ytree_node *at, const char *field, const char *fmt,
                ...)
{
    c->n_errors++;
    if (c->n_msgs >= SCN_MAX_ERRORS + 1) /* one extra: tells sorting there were more */
        return;
    if (c->n_msgs == c->cap_msgs) {
        size_t cap = c->cap_msgs ? 2 * c->cap_msgs : 8;
        struct scnp_msg *m = realloc(c->msgs, cap * sizeof *m);
        if (!m) {
            c->oom = true;
            return;
        }
        c->msgs = m;
        c->cap_msgs = cap;
    }
    char raw[768], body[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    hide_secrets(raw, sizeof raw, at, field);
    redact_text(NULL, raw, body, sizeof body, 0); /* credential shapes, control characters */
    const char *prefix = c->prefix && *field ? c->prefix : "";
    size_t need = strlen(prefix) + strlen(field) + strlen(body) + 3;
    char *text = malloc(need);
    if (!text) {
        c->oom = true;
        return;
    }
    if (*field)
        snprintf(text, need, "%s%s: %s", prefix, field, body);
    else
        snprintf(text, need, "%s", body);
    struct scnp_msg *m = &c->msgs[c->n_msgs];
    m->src = at ? at->src : c->file;
    m->line = at ? at->line : 1;
    m->col = at ? at->col : 1;
    m->seq = c->n_msgs;
    m->text = text;
    c->n_msgs++;
}

char *scnp_field(char *buf, const char *parent, const char *key)
{
    if (parent && *parent)
        snprintf(buf, SCNP_FIELD_MAX, "%s.%s", parent, key);
    else
        snprintf(buf, SCNP_FIELD_MAX, "%s", key);
    return buf;
}

char *scnp_field_i(char *buf, const char *parent, size_t index)
{
    snprintf(buf, SCNP_FIELD_MAX, "%s.%zu", parent, index);
    return buf;
}

const struct ytree_node *scnp_get(const struct ytree_node *map, const char *key)
{
    const struct ytree_node *v = ytree_map_get(map, key);
    return ytree_is_null(v) ? NULL : v;
}

/* Names other tools (k6, JMeter, Gatling, curl) use for our keys. */
static const struct {
    const char *alias, *key;
} aliases[] = {
    {"vus", "users"},
    {"concurrency", "users"},
    {"threads", "workers"},
    {"connections", "users"},
    {"think_time", "think"},
    {"thinktime", "think"},
    {"pause", "think"},
    {"rps", "rate"},
    {"qps", "rate"},
    {"throughput", "rate"},
    {"arrival_rate", "rate"},
    {"stages", "phases"},
    {"time", "duration"},
    {"length", "duration"},
    {"status", "expect"},
    {"expected_status", "expect"},
    {"expected", "expect"},
    {"data", "body"},
    {"payload", "body"},
    {"file", "body_file"},
    {"body_path", "body_file"},
    {"verb", "method"},
    {"uri", "path"},
    {"endpoint", "path"},
    {"nodes", "targets"},
    {"hosts", "targets"},
    {"gateways", "targets"},
    {"host", "url"},
    {"address", "url"},
    {"skip_verify", "insecure"},
    {"insecure_skip_verify", "insecure"},
    {"verify", "insecure"},
    {"cacert", "ca"},
    {"ca_file", "ca"},
    {"cafile", "ca"},
    {"certificate", "cert"},
    {"cert_file", "cert"},
    {"key_file", "key"},
    {"passphrase", "key_password"},
    {"sni", "server_name"},
    {"servername", "server_name"},
    {"tls_server_name", "server_name"},
    {"server_name_indication", "server_name"},
    {"timeout", "timeouts"},
    {"out", "output"},
    {"output_dir", "output"},
    {"http_version", "http"},
    {"keepalive", "connections"},
    {"keep_alive", "connections"},
    {"ramp", "rate"},
    {"mode", "model"},
    {"executor", "model"},
};

static bool known_has(const char *const *known, const char *key)
{
    for (size_t i = 0; known[i]; i++)
        if (!strcmp(known[i], key))
            return true;
    return false;
}

/* The known key the user most likely meant, or NULL. */
static const char *suggest(const char *const *known, const char *key)
{
    for (size_t i = 0; known[i]; i++)
        if (!strcasecmp(known[i], key))
            return known[i];
    char norm[64];
    size_t k = 0;
    for (const char *p = key; *p && k < sizeof norm - 1; p++)
        norm[k++] = *p == '-' ? '_' : (char)tolower((unsigned char)*p);
    norm[k] = '\0';
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(aliases[i].alias, norm) && known_has(known, aliases[i].key))
            return aliases[i].key;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; known[i]; i++) {
        size_t d = suggest_distance(norm, strlen(norm), known[i], strlen(known[i]));
        size_t limit = strlen(known[i]) <= 4 ? 1 : strlen(known[i]) / 3 + 1;
        if (d <= limit && d < best_d) {
            best = known[i];
            best_d = d;
        }
    }
    if (!best) {
        /* a prefix: "dur" for duration, "request" for requests */
        for (size_t i = 0; known[i]; i++) {
            size_t lk = strlen(known[i]), ln = strlen(norm);
            if (ln >= 3 && (!strncmp(known[i], norm, ln < lk ? ln : lk)))
                return known[i];
        }
    }
    return best;
}

static bool tag_ok(struct scnp_ctx *c, const struct ytree_node *n, const char *field)
{
    static const char *const ok[] = {"!secret",
                                     "tag:yaml.org,2002:str",
                                     "tag:yaml.org,2002:int",
                                     "tag:yaml.org,2002:float",
                                     "tag:yaml.org,2002:bool",
                                     NULL};
    if (!n->tag)
        return true;
    for (size_t i = 0; ok[i]; i++)
        if (!strcmp(n->tag, ok[i]))
            return true;
    const char *shown = n->tag;
    char buf[128];
    if (!strncmp(shown, "tag:yaml.org,2002:", 18)) {
        snprintf(buf, sizeof buf, "!!%s", shown + 18);
        shown = buf;
    }
    scnp_error(c, n, field,
               "unknown tag '%s'; gatecap reads !secret (mark a value secret) and !!str, "
               "remove the tag",
               shown);
    return false;
}

int scnp_keys(struct scnp_ctx *c, const struct ytree_node *node, const char *field,
              const char *const *known)
{
    if (!node || node->kind != YTREE_MAP) {
        char list[512];
        size_t k = 0;
        for (size_t i = 0; known[i] && k < sizeof list - 40; i++)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", known[i]);
        scnp_error(c, node, field, "expected a mapping of keys (%s), found %s", list,
                   ytree_kind_name(node));
        return -1;
    }
    if (node->tag && strcmp(node->tag, "tag:yaml.org,2002:map"))
        scnp_error(c, node, field, "unknown tag '%s' on a mapping; remove it", node->tag);
    for (size_t i = 0; i < node->n; i++) {
        const struct ytree_node *k = node->items[2 * i];
        if (known_has(known, k->text))
            continue;
        char f[SCNP_FIELD_MAX];
        scnp_field(f, field, k->text);
        const char *s = suggest(known, k->text);
        if (s) {
            scnp_error(c, k, f, "unknown key '%s'; did you mean '%s'?", k->text, s);
        } else {
            char list[512];
            size_t n = 0;
            for (size_t j = 0; known[j] && n < sizeof list - 40; j++)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", j ? ", " : "", known[j]);
            scnp_error(c, k, f, "unknown key '%s'; the keys here are: %s", k->text, list);
        }
    }
    return 0;
}

int scnp_list(struct scnp_ctx *c, const struct ytree_node *node, const char *field,
              const char *example)
{
    if (node && node->kind == YTREE_SEQ)
        return 0;
    scnp_error(c, node, field, "expected a list, found %s; write e.g. %s", ytree_kind_name(node),
               example);
    return -1;
}

/* Compiles a scalar's text; reports like every reader. */
/* True when text (len bytes) references ${NAME. of a feeder that failed
 * to load: its failure is the one message to give. */
static bool names_failed_feeder(const struct scnp_ctx *c, const char *text, size_t len)
{
    for (size_t i = 0; i < c->n_failed_feeders; i++) {
        const char *name = c->failed_feeders[i], *p = text, *end = text + len;
        size_t k = strlen(name);
        while ((p = memmem(p, (size_t)(end - p), "${", 2))) {
            p += 2;
            if ((size_t)(end - p) > k && !memcmp(p, name, k) && p[k] == '.')
                return true;
        }
    }
    return false;
}

static int compile(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   const struct scenario *s, unsigned flags, struct tpl **out, bool *secret)
{
    if (!n || n->kind != YTREE_SCALAR) {
        scnp_error(c, n, field, "expected a single value, found %s", ytree_kind_name(n));
        return -1;
    }
    if (!tag_ok(c, n, field))
        return -1;
    char msg[512];
    int rc = tpl_compile_vars(
        n->text, n->len, flags, s ? (const struct feeder *const *)s->feeders : NULL,
        s ? s->n_feeders : 0, c->vars, c->n_vars, NULL, NULL, out, msg, sizeof msg);
    if (rc == TPL_ENOMEM) {
        c->oom = true;
        return -1;
    }
    if (rc) {
        if ((flags & TPL_RUNTIME) && names_failed_feeder(c, n->text, n->len))
            c->n_quiet++;
        else
            scnp_error(c, n, field, "%s", msg);
        return -1;
    }
    if (secret && (tpl_used_env(*out) || (n->tag && !strcmp(n->tag, "!secret"))))
        *secret = true;
    return 0;
}

int scnp_text(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out,
              size_t *len_out, bool *secret)
{
    struct tpl *t;
    bool sec = false;
    if (compile(c, n, field, NULL, TPL_ENV, &t, &sec))
        return -1;
    size_t len;
    const char *text = tpl_text(t, &len);
    char *buf = malloc(len + 1);
    if (!buf) {
        tpl_free(t);
        c->oom = true;
        return -1;
    }
    memcpy(buf, text, len + 1);
    tpl_free(t);
    if (secret && sec)
        *secret = true;
    *out = buf;
    if (len_out)
        *len_out = len;
    return 0;
}

static bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned char ch = *p;
        size_t extra;
        uint32_t cp;
        if (ch < 0x80) {
            p++;
            continue;
        } else if ((ch & 0xe0) == 0xc0) {
            extra = 1;
            cp = ch & 0x1f;
        } else if ((ch & 0xf0) == 0xe0) {
            extra = 2;
            cp = ch & 0x0f;
        } else if ((ch & 0xf8) == 0xf0) {
            extra = 3;
            cp = ch & 0x07;
        } else
            return false;
        if ((size_t)(end - p) <= extra)
            return false;
        for (size_t i = 1; i <= extra; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += extra + 1;
    }
    return true;
}

/* What scnp_string refuses in s (len bytes). Returns 0 or -1 (reported). */
static int check_string(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                        const char *s, size_t len)
{
    if (!len) {
        scnp_error(c, n, field, "empty; give a value or remove the key");
        return -1;
    }
    if (!utf8_valid(s, len)) {
        scnp_error(c, n, field,
                   "is not valid UTF-8; check the environment variable or file "
                   "it came from");
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f) {
            scnp_error(c, n, field,
                       "contains a control character (byte 0x%02x at offset %zu); remove it", ch,
                       i);
            return -1;
        }
    }
    return 0;
}

int scnp_string(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out,
                bool *secret)
{
    char *s;
    size_t len;
    bool sec = false;
    if (scnp_text(c, n, field, &s, &len, &sec))
        return -1;
    if (check_string(c, n, field, s, len)) {
        free(s);
        return -1;
    }
    if (secret && sec)
        *secret = true;
    *out = s;
    return 0;
}

int scnp_template(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                  const struct scenario *s, unsigned flags, bool string_checks, struct tpl **out,
                  bool *secret)
{
    struct tpl *t;
    bool sec = false;
    if (compile(c, n, field, s, flags, &t, &sec))
        return -1;
    size_t len;
    const char *text = tpl_text(t, &len);
    if (string_checks && check_string(c, n, field, text, len)) {
        tpl_free(t);
        return -1;
    }
    if (secret && sec)
        *secret = true;
    *out = t;
    return 0;
}

/* Expands n and hands its text to a units parser; reports why on failure. */
static int with_text(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **text)
{
    return scnp_string(c, n, field, text, NULL);
}

int scnp_number(struct scnp_ctx *c, const struct ytree_node *n, const char *field, double min,
                double max, double *out)
{
    char *t;
    if (with_text(c, n, field, &t))
        return -1;
    const char *why;
    double v;
    int rc = -1;
    if (units_number(t, &v, &why))
        scnp_error(c, n, field, "'%s' is %s", t, why);
    else if (v < min || v > max)
        scnp_error(c, n, field, "%s is out of range; use a number from %g to %g", t, min, max);
    else {
        *out = v;
        rc = 0;
    }
    free(t);
    return rc;
}

int scnp_int(struct scnp_ctx *c, const struct ytree_node *n, const char *field, long long min,
             long long max, long long *out)
{
    char *t;
    if (with_text(c, n, field, &t))
        return -1;
    const char *why;
    long long v;
    int rc = -1;
    if (units_integer(t, min, max, &v, &why))
        scnp_error(c, n, field, "'%s' is %s; use a whole number from %lld to %lld", t,
                   strcmp(why, "out of range") ? "not a whole number" : "out of range", min, max);
    else {
        *out = v;
        rc = 0;
    }
    free(t);
    return rc;
}

int scnp_bool(struct scnp_ctx *c, const struct ytree_node *n, const char *field, bool *out)
{
    char *t;
    if (with_text(c, n, field, &t))
        return -1;
    int rc = 0;
    if (!strcmp(t, "true") || !strcmp(t, "True") || !strcmp(t, "TRUE"))
        *out = true;
    else if (!strcmp(t, "false") || !strcmp(t, "False") || !strcmp(t, "FALSE"))
        *out = false;
    else {
        scnp_error(c, n, field, "'%s' is not a boolean; write true or false", t);
        rc = -1;
    }
    free(t);
    return rc;
}

int scnp_duration_ms(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                     double min_ms, double max_ms, double *out)
{
    char *t;
    if (with_text(c, n, field, &t))
        return -1;
    const char *why;
    double v;
    int rc = -1;
    if (units_duration_ms(t, &v, &why))
        scnp_error(c, n, field, "'%s': %s", t, why);
    else if (v < min_ms || v > max_ms) {
        if (min_ms > 0 && v < min_ms && v == 0)
            scnp_error(c, n, field, "must be longer than 0; write e.g. 10s");
        else
            scnp_error(c, n, field, "'%s' is out of range; use %gms .. %gs", t, min_ms,
                       max_ms / 1000);
    } else {
        *out = v;
        rc = 0;
    }
    free(t);
    return rc;
}

int scnp_fraction(struct scnp_ctx *c, const struct ytree_node *n, const char *field, double *out)
{
    char *t;
    if (with_text(c, n, field, &t))
        return -1;
    const char *why;
    double v;
    int rc = -1;
    if (units_fraction(t, &v, &why))
        scnp_error(c, n, field, "'%s': %s", t, why);
    else {
        *out = v;
        rc = 0;
    }
    free(t);
    return rc;
}

char *scnp_resolve(struct scnp_ctx *c, const char *rel)
{
    char *r = NULL;
    if (rel[0] == '/' || !c->dir || !strcmp(c->dir, "."))
        r = strdup(rel);
    else if (asprintf(&r, "%s%s%s", c->dir, strcmp(c->dir, "/") ? "/" : "", rel) < 0)
        r = NULL;
    if (!r)
        c->oom = true;
    return r;
}

void scnp_missing_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                       const char *written, const char *resolved)
{
    /* the examples point at the local test PKI: say how to make it */
    const char *hint = strstr(resolved, "build/cluster/certs")
                           ? "make the test certificates with tools/make-certs "
                             "build/cluster/certs, or set GATECAP_CERTS to a folder with yours"
                       : written[0] == '/' ? "check the path"
                                           : "paths are relative to the scenario's folder";
    if (strcmp(written, resolved))
        scnp_error(c, n, field, "%s does not exist (looked for %s); %s", written, resolved, hint);
    else
        scnp_error(c, n, field, "%s does not exist; %s", written, hint);
}

/* Reports what infile_open or infile_read said (rc) about a file. */
static void file_error(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                       const char *written, const char *path, int rc, const struct stat *st)
{
    int saved = errno;
    if (rc == INFILE_ENOENT)
        scnp_missing_file(c, n, field, written, path);
    else if (rc == INFILE_ENOTREG)
        scnp_error(c, n, field,
                   "%s is not a regular file but %s; name the file itself (gatecap reads it "
                   "whole when it loads the scenario)",
                   written, infile_kind(st->st_mode));
    else if (rc == INFILE_ENOMEM)
        c->oom = true;
    else if (rc == INFILE_EREAD && !saved)
        scnp_error(c, n, field, "%s got shorter while it was read; check the file", written);
    else if (rc == INFILE_EREAD)
        scnp_error(c, n, field, "cannot read %s: %s; check the file", written, strerror(saved));
    else
        scnp_error(c, n, field, "cannot open %s: %s; check its permissions", written,
                   strerror(saved));
}

int scnp_open_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   const char *written, const char *path)
{
    struct stat st;
    int fd = infile_open(path, &st);
    if (fd < 0) {
        file_error(c, n, field, written, path, fd, &st);
        return -1;
    }
    return fd;
}

int scnp_read_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   const char *written, const char *path, size_t max_bytes, char **out, size_t *len)
{
    struct stat st;
    int rc = infile_read(path, max_bytes, out, len, &st);
    if (rc == INFILE_OK || rc == INFILE_ETOOBIG)
        return rc;
    file_error(c, n, field, written, path, rc, &st);
    return -1;
}

size_t *scnp_first_names(struct scnp_ctx *c, const struct uniq_key *keys, size_t n, unsigned flags)
{
    size_t *first = malloc((n ? n : 1) * sizeof *first);
    struct uniq_key *named = calloc(n ? n : 1, sizeof *named);
    size_t *pos = malloc((n ? n : 1) * sizeof *pos), *sub = malloc((n ? n : 1) * sizeof *sub);
    size_t m = 0;
    if (!first || !named || !pos || !sub)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        first[i] = i;
        if (keys[i].s) {
            named[m] = keys[i];
            pos[m++] = i;
        }
    }
    if (uniq_first(named, m, flags, sub, NULL))
        goto fail;
    for (size_t k = 0; k < m; k++)
        first[pos[k]] = pos[sub[k]];
    free(named);
    free(pos);
    free(sub);
    return first;
fail:
    c->oom = true;
    free(first);
    free(named);
    free(pos);
    free(sub);
    return NULL;
}

bool scnp_sensitive_name(const char *name)
{
    return redact_sensitive_name(name, strlen(name)); /* one rule for both */
}

int scnp_name(struct scnp_ctx *c, const struct ytree_node *n, const char *field, char **out)
{
    char *name;
    if (scnp_string(c, n, field, &name, NULL))
        return -1;
    if (!scnp_valid_name(name)) {
        scnp_error(c, n, field,
                   "'%s' is not a valid name; use up to 64 letters, digits and . _ - : @ + [ ]",
                   name);
        free(name);
        return -1;
    }
    *out = name;
    return 0;
}

bool scnp_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return false;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              strchr("._-:@+[]", ch)))
            return false;
    }
    return true;
}
