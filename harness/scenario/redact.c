/*
 * redact.c — the one redaction of what gatecap writes; see redact.h.
 *
 * Secrets are kept in a hash table keyed by their first REDACT_MIN_LEN
 * bytes, so a text is scanned once however many applications (thousands,
 * from a CSV) the scenario has: at each position, only the secrets that
 * start with the next four bytes are compared. Masking marks bytes in a
 * map first (secrets, then shapes), and the text is written out once
 * from the map, so overlapping and adjacent matches make one mark.
 */
#include "scenario/redact.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/encode.h"
#include "base/xmlesc.h"
#include "scenario/check.h"
#include "scenario/scenario.h"

struct secret {
    char *v;
    size_t len;
    uint32_t key; /* its first REDACT_MIN_LEN bytes */
    long next;    /* next in its bucket, -1 */
};

struct redact {
    struct secret *s;
    size_t n, cap;
    long *heads; /* [n_heads], power of two; -1: empty */
    size_t n_heads;
};

static uint32_t key_of(const char *p)
{
    uint32_t k;
    memcpy(&k, p, sizeof k);
    return k;
}

static size_t bucket(uint32_t key, size_t n_heads)
{
    return (size_t)((key * 2654435761u) >> 7) & (n_heads - 1);
}

static int rehash(struct redact *r, size_t n_heads)
{
    long *h = malloc(n_heads * sizeof *h);
    if (!h)
        return -1;
    for (size_t i = 0; i < n_heads; i++)
        h[i] = -1;
    for (size_t i = 0; i < r->n; i++) {
        size_t b = bucket(r->s[i].key, n_heads);
        r->s[i].next = h[b];
        h[b] = (long)i;
    }
    free(r->heads);
    r->heads = h;
    r->n_heads = n_heads;
    return 0;
}

/* Adds v (len bytes) as it is, once. */
static int add_exact(struct redact *r, const char *v, size_t len)
{
    if (len < REDACT_MIN_LEN)
        return 0;
    uint32_t key = key_of(v);
    if (r->n_heads)
        for (long i = r->heads[bucket(key, r->n_heads)]; i >= 0; i = r->s[i].next)
            if (r->s[i].len == len && !memcmp(r->s[i].v, v, len))
                return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        struct secret *s = realloc(r->s, cap * sizeof *s);
        if (!s)
            return -1;
        r->s = s;
        r->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, v, len);
    copy[len] = '\0';
    r->s[r->n] = (struct secret){.v = copy, .len = len, .key = key, .next = -1};
    r->n++;
    if (r->n * 2 > r->n_heads)
        return rehash(r, r->n_heads ? 2 * r->n_heads : 256);
    size_t b = bucket(key, r->n_heads);
    r->s[r->n - 1].next = r->heads[b];
    r->heads[b] = (long)(r->n - 1);
    return 0;
}

/* s in the form a server may echo it, escaped: JSON-escaped (quote,
 * backslash and slash) into out. Returns its length, or 0 when s needs
 * no escaping or does not fit. */
static size_t json_escaped(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    bool changed = false;
    for (; *s; s++) {
        bool esc = *s == '"' || *s == '\\' || *s == '/';
        if (n + 2 >= cap)
            return 0;
        if (esc) {
            out[n++] = '\\';
            changed = true;
        }
        out[n++] = *s;
    }
    out[n] = '\0';
    return changed ? n : 0;
}

int redact_add(struct redact *r, const char *secret)
{
    size_t len = secret ? strlen(secret) : 0;
    if (len < REDACT_MIN_LEN)
        return 0;
    if (add_exact(r, secret, len))
        return -1;
    /* form-encoded as auth.c sends it (upper-case hex, '+' for a space),
     * with lower-case hex, and with %20 for a space */
    size_t cap = 3 * len + 1;
    char *form = malloc(cap), *alt = malloc(cap);
    int rc = -1;
    if (!form || !alt)
        goto out;
    long n = enc_form(secret, form, cap);
    if (n < 0 || add_exact(r, form, (size_t)n))
        goto out;
    memcpy(alt, form, (size_t)n + 1);
    for (char *p = alt; *p; p++)
        if (*p == '%' && p[1] && p[2]) {
            p[1] = (char)(p[1] >= 'A' && p[1] <= 'F' ? p[1] + 32 : p[1]);
            p[2] = (char)(p[2] >= 'A' && p[2] <= 'F' ? p[2] + 32 : p[2]);
        }
    if (add_exact(r, alt, strlen(alt)))
        goto out;
    size_t k = 0;
    for (const char *p = form; *p && k + 3 < cap; p++) {
        if (*p == '+') {
            memcpy(alt + k, "%20", 3);
            k += 3;
        } else {
            alt[k++] = *p;
        }
    }
    alt[k] = '\0';
    if (add_exact(r, alt, k))
        goto out;
    k = json_escaped(secret, alt, cap);
    if (k && add_exact(r, alt, k))
        goto out;
    rc = 0;
out:
    if (form)
        OPENSSL_cleanse(form, cap);
    if (alt)
        OPENSSL_cleanse(alt, cap);
    free(form);
    free(alt);
    return rc;
}

/* base64(a ":" b), the HTTP Basic credentials of a and b. */
static int add_basic(struct redact *r, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t cap = la + lb + 2, b64cap = 4 * ((la + lb + 1 + 2) / 3) + 1;
    char *cred = malloc(cap);
    unsigned char *b64 = malloc(b64cap);
    int rc = -1;
    if (cred && b64) {
        memcpy(cred, a, la);
        cred[la] = ':';
        memcpy(cred + la + 1, b, lb + 1);
        int n = EVP_EncodeBlock(b64, (const unsigned char *)cred, (int)(la + lb + 1));
        rc = n < 0 ? -1 : add_exact(r, (const char *)b64, (size_t)n);
    }
    if (cred)
        OPENSSL_cleanse(cred, cap);
    free(cred);
    free(b64);
    return rc;
}

/* The Basic credentials auth.c sends (id and secret form-encoded first),
 * and those of the raw id and secret (what other clients send). */
static int add_app_basic(struct redact *r, const char *id, const char *secret)
{
    size_t ci = 3 * strlen(id) + 1, cs = 3 * strlen(secret) + 1;
    char *fi = malloc(ci), *fs = malloc(cs);
    int rc = -1;
    if (fi && fs && enc_form(id, fi, ci) >= 0 && enc_form(secret, fs, cs) >= 0)
        rc = add_basic(r, fi, fs) || add_basic(r, id, secret) ? -1 : 0;
    if (fs)
        OPENSSL_cleanse(fs, cs);
    free(fi);
    free(fs);
    return rc;
}

/* A secret header value; with a scheme or prefix ("Bearer TOKEN"), what
 * follows its last space (the text then reads "Bearer <redacted>", and a
 * text cut after "Bear" is not taken for a cut secret). */
static int add_header_value(struct redact *r, const char *v)
{
    const char *sp = strrchr(v, ' ');
    return redact_add(r, sp ? sp + 1 : v);
}

/* A secret path: the values of its credential-named query parameters
 * when it has any (the path stays readable: /x?apikey=<redacted>), else
 * the whole path (it came from ${ENV}). */
static int add_path(struct redact *r, const char *path)
{
    bool named = false;
    for (const char *q = strchr(path, '?'); q; q = strchr(q, '&')) {
        q++;
        size_t n = strcspn(q, "=&");
        if (q[n] != '=' || !redact_sensitive_name(q, n))
            continue;
        named = true;
        size_t v = strcspn(q + n + 1, "&");
        char *val = strndup(q + n + 1, v);
        int rc = val ? redact_add(r, val) : -1;
        free(val);
        if (rc)
            return -1;
    }
    return named ? 0 : redact_add(r, path);
}

int redact_new(const struct scenario *scn, struct redact **out)
{
    struct redact *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r || rehash(r, 256))
        goto fail;
    if (!scn) {
        *out = r;
        return 0;
    }
    const struct scn_auth *au = &scn->auth;
    const struct scn_app *apps = au->apps_all ? au->apps_all : au->apps; /* a shard's too */
    size_t n_apps = au->apps_all ? au->n_apps_all : au->n_apps;
    for (size_t i = 0; i < n_apps; i++) {
        const struct scn_app *a = &apps[i];
        if (redact_add(r, a->client_secret) || redact_add(r, a->password) ||
            (a->client_id_secret && redact_add(r, a->client_id)))
            goto fail;
        if (a->client_id && a->client_secret && add_app_basic(r, a->client_id, a->client_secret))
            goto fail;
    }
    if (redact_add(r, scn->tls.key_password) || redact_add(r, scn->metrics.bearer_token))
        goto fail;
    for (size_t i = 0; i < scn->n_requests; i++) {
        const struct scn_request *q = &scn->requests[i];
        for (size_t h = 0; h < q->n_headers; h++)
            if (q->headers[h].secret && add_header_value(r, q->headers[h].value))
                goto fail;
        if (q->path_secret && add_path(r, q->path))
            goto fail;
        /* inline bodies that are secret; body_file contents are only
         * "secret" to keep files out of results, and can be large */
        if (q->body_secret && !q->body_file && q->body && q->body_bytes <= 4096 &&
            strlen(q->body) == q->body_bytes && redact_add(r, q->body))
            goto fail;
        /* checks' and captures' values from ${ENV} (check.h) */
        for (size_t k = 0; k < q->n_checks; k++)
            if (q->checks[k].secret && q->checks[k].value &&
                strlen(q->checks[k].value) == q->checks[k].value_len &&
                redact_add(r, q->checks[k].value))
                goto fail;
        for (size_t k = 0; k < q->n_captures; k++)
            if (q->captures[k].secret &&
                (redact_add(r, q->captures[k].pattern) ||
                 (q->captures[k].def && strlen(q->captures[k].def) == q->captures[k].def_len &&
                  redact_add(r, q->captures[k].def))))
                goto fail;
    }
    for (size_t i = 0; i < scn->n_targets; i++)
        if (scn->targets[i].url_secret && redact_add(r, scn->targets[i].url))
            goto fail;
    *out = r;
    return 0;
fail:
    redact_free(r);
    return -1;
}

void redact_free(struct redact *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        OPENSSL_cleanse(r->s[i].v, r->s[i].len);
        free(r->s[i].v);
    }
    free(r->s);
    free(r->heads);
    free(r);
}

bool redact_sensitive_name(const char *name, size_t len)
{
    static const char *const parts[] = {"auth", "token",     "secret",  "passw",      "pwd",
                                        "key",  "cookie",    "session", "credential", "signature",
                                        "jwt",  "assertion", NULL};
    for (size_t i = 0; parts[i]; i++) {
        size_t pl = strlen(parts[i]);
        for (size_t k = 0; k + pl <= len; k++)
            if (!strncasecmp(name + k, parts[i], pl))
                return true;
    }
    return false;
}

/* ---- marking ---------------------------------------------------------- */

static void mark(unsigned char *m, size_t from, size_t to)
{
    if (to > from)
        memset(m + from, 1, to - from);
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static void mark_secrets(const struct redact *r, const char *t, size_t n, unsigned char *m)
{
    if (!r || !r->n || n < REDACT_MIN_LEN)
        return;
    for (size_t i = 0; i + REDACT_MIN_LEN <= n; i++) {
        uint32_t key = key_of(t + i);
        for (long k = r->heads[bucket(key, r->n_heads)]; k >= 0; k = r->s[k].next) {
            const struct secret *s = &r->s[k];
            if (s->key != key)
                continue;
            if (i + s->len <= n) {
                if (!memcmp(t + i, s->v, s->len))
                    mark(m, i, i + s->len);
            } else if (!memcmp(t + i, s->v, n - i)) {
                mark(m, i, n); /* its start, where the text was cut */
            }
        }
    }
}

/* scheme://USERINFO@host */
static void mark_userinfo(const char *t, size_t n, unsigned char *m)
{
    for (const char *p = t; (p = strstr(p, "://")); p += 3) {
        size_t from = (size_t)(p - t) + 3, k = from;
        while (k < n && !strchr("/?#@ \t\r\n\"'<>\\", t[k]))
            k++;
        if (k < n && t[k] == '@')
            mark(m, from, k);
    }
}

/* NAME=VALUE with a credential's name (query strings, form bodies). */
static void mark_params(const char *t, size_t n, unsigned char *m)
{
    for (size_t i = 1; i < n; i++) {
        if (t[i] != '=')
            continue;
        size_t s = i;
        while (s > 0 && is_name_char(t[s - 1]))
            s--;
        if (s == i || !redact_sensitive_name(t + s, i - s))
            continue;
        size_t e = i + 1;
        while (e < n && !strchr("&;, \t\r\n\"'<>", t[e])) /* ${...} is in it */
            e++;
        if (strspn(t + i + 1, ".") < e - i - 1) /* "export TOKEN=..." is an example */
            mark(m, i + 1, e);
    }
}

/* "NAME": "VALUE" (or a bare value) with a credential's name. */
static void mark_json(const char *t, size_t n, unsigned char *m)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i] != '"')
            continue;
        size_t k = i + 1;
        while (k < n && t[k] != '"' && t[k] != '\\')
            k++;
        if (k >= n || t[k] != '"' || !redact_sensitive_name(t + i + 1, k - i - 1))
            continue;
        size_t p = k + 1;
        while (p < n && t[p] == ' ')
            p++;
        if (p >= n || t[p] != ':')
            continue;
        p++;
        while (p < n && t[p] == ' ')
            p++;
        size_t e = p;
        if (p < n && t[p] == '"') {
            for (e = ++p; e < n && t[e] != '"'; e++)
                if (t[e] == '\\' && e + 1 < n)
                    e++;
        } else {
            while (e < n && !strchr(",}] \t\r\n", t[e]))
                e++;
        }
        mark(m, p, e);
        i = k;
    }
}

/* Header lines that carry credentials: the rest of the line. Only names
 * that are always credentials (a scenario message "auth: ..." must stay),
 * at the start of a line or a word, never a field path (".Authorization:"). */
static void mark_headers(const char *t, size_t n, unsigned char *m)
{
    static const char *const names[] = {"authorization",
                                        "proxy-authorization",
                                        "cookie",
                                        "set-cookie",
                                        "x-api-key",
                                        "api-key",
                                        "apikey",
                                        "x-apikey",
                                        "x-auth-token",
                                        "x-access-token",
                                        NULL};
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !strchr(" \t\r\n\"'{[(,", t[i - 1]))
            continue;
        for (size_t k = 0; names[k]; k++) {
            size_t l = strlen(names[k]);
            if (i + l >= n || t[i + l] != ':' || strncasecmp(t + i, names[k], l))
                continue;
            size_t from = i + l + 1;
            while (from < n && t[from] == ' ')
                from++;
            size_t e = from;
            while (e < n && t[e] != '\r' && t[e] != '\n' && t[e] != '"')
                e++;
            mark(m, from, e);
            break;
        }
    }
}

static bool is_token68(char c)
{
    return is_name_char(c) || c == '.' || c == '~' || c == '+' || c == '/';
}

/* Basic/Bearer CREDENTIALS (8 or more token68 characters). */
static void mark_schemes(const char *t, size_t n, unsigned char *m)
{
    static const char *const schemes[] = {"basic", "bearer", NULL};
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && is_name_char(t[i - 1]))
            continue;
        for (size_t k = 0; schemes[k]; k++) {
            size_t l = strlen(schemes[k]);
            if (i + l >= n || t[i + l] != ' ' || strncasecmp(t + i, schemes[k], l))
                continue;
            size_t from = i + l;
            while (from < n && t[from] == ' ')
                from++;
            size_t e = from;
            while (e < n && is_token68(t[e]))
                e++;
            while (e < n && t[e] == '=')
                e++;
            if (e - from >= 8)
                mark(m, from, e);
        }
    }
}

static bool is_b64url(char c)
{
    return is_name_char(c);
}

/* A JWT: eyJ... (10 or more) . payload . signature (may be empty) */
static void mark_jwts(const char *t, size_t n, unsigned char *m)
{
    for (const char *p = t; (p = strstr(p, "eyJ")); p++) {
        size_t i = (size_t)(p - t), e = i;
        if (i > 0 && is_b64url(t[i - 1]))
            continue;
        while (e < n && is_b64url(t[e]))
            e++;
        if (e - i < 10 || e >= n || t[e] != '.')
            continue;
        size_t s = ++e;
        while (e < n && is_b64url(t[e]))
            e++;
        if (e == s || e >= n || t[e] != '.')
            continue;
        e++;
        while (e < n && is_b64url(t[e]))
            e++;
        mark(m, i, e);
    }
}

/* ---- writing ---------------------------------------------------------- */

struct writer {
    char *out;
    size_t cap, len;
    size_t cut; /* where to cut to leave room for "..." */
    bool full;
};

/* Appends k bytes that belong together (one character). */
static void put(struct writer *w, const char *p, size_t k)
{
    if (w->full)
        return;
    if (w->len + k > w->cap - 1) {
        w->full = true;
        return;
    }
    memcpy(w->out + w->len, p, k);
    w->len += k;
    if (w->len + 3 <= w->cap - 1)
        w->cut = w->len;
}

size_t redact_text(const struct redact *r, const char *in, char *out, size_t cap, unsigned flags)
{
    if (!cap)
        return 0;
    if (!in)
        in = "";
    size_t n = strlen(in);
    char *copy = NULL;
    const char *t = in;
    if (out < in + n + 1 && in < out + cap) { /* in place, or overlapping */
        if (!(copy = malloc(n + 1)))
            goto oom;
        memcpy(copy, in, n + 1);
        t = copy;
    }
    unsigned char *m = calloc(n + 1, 1);
    if (!m) {
        free(copy);
        goto oom;
    }
    mark_secrets(r, t, n, m);
    mark_userinfo(t, n, m);
    mark_params(t, n, m);
    mark_json(t, n, m);
    mark_headers(t, n, m);
    mark_schemes(t, n, m);
    mark_jwts(t, n, m);

    struct writer w = {.out = out, .cap = cap};
    for (size_t i = 0; i < n && !w.full;) {
        unsigned char c = (unsigned char)t[i];
        size_t k = c < 0x80 ? 1 : xmlesc_utf8_len((const unsigned char *)t + i);
        bool masked = m[i];
        for (size_t j = 1; j < k; j++)
            masked = masked || m[i + j];
        if (masked) {
            while (i < n && (m[i] || (t[i] & 0xC0) == 0x80))
                i++;
            for (const char *p = REDACT_MARK; *p; p++)
                put(&w, p, 1);
            continue;
        }
        if (!k) { /* not UTF-8 */
            put(&w, "?", 1);
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            bool space = c == '\n' || c == '\t' || c == '\r';
            if (space && (flags & REDACT_ONE_LINE))
                put(&w, " ", 1);
            else if (c == '\n' || c == '\t')
                put(&w, (const char *)&t[i], 1);
            else
                put(&w, "?", 1);
            i++;
            continue;
        }
        put(&w, t + i, k);
        i += k;
    }
    if (w.full && cap >= 4) {
        w.len = w.cut;
        memcpy(out + w.len, "...", 3);
        w.len += 3;
    }
    out[w.len] = '\0';
    if (copy) {
        OPENSSL_cleanse(copy, n);
        free(copy);
    }
    free(m);
    return w.len;
oom:
    snprintf(out, cap, "%s", REDACT_MARK);
    return strlen(out);
}
