/*
 * scenario_http.c — the HTTP side of a scenario: `requests` (the
 * weighted request mix, whose path, header values and body may be
 * per-request templates). The gateway nodes (`targets`) are read in
 * scenario_targets.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/infile.h"
#include "scenario/scenario_int.h"

#define MAX_BODY_BYTES (64u << 20)

/* ---- requests ---------------------------------------------------------- */

bool scnp_http_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!(*s > 0x20 && *s < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", *s)))
            return false;
    return true;
}

/* Bytes a header value cannot hold (RFC 9110 5.5: field-vchar, SP, HTAB
 * and obs-text only), and how to name them. */
static const char *header_bad(unsigned char ch)
{
    if (ch == '\n')
        return "a line break";
    if (ch == '\r')
        return "a carriage return";
    if (!ch)
        return "a NUL";
    return (ch < 0x20 && ch != '\t') || ch == 0x7f ? "a control character" : NULL;
}

long scnp_header_ctl(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (header_bad((unsigned char)s[i]))
            return (long)i;
    return -1;
}

void scnp_header_ctl_error(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                           const char *s, long off)
{
    scnp_error(c, n, field,
               "a header value cannot hold line breaks, NULs or other control characters (byte "
               "0x%02x at offset %ld); use a single line of text (a tab is fine)",
               (unsigned char)s[off], off);
}

/* Bytes a feeder value cannot bring into a path. */
static const char *path_bad(unsigned char ch)
{
    if (ch == ' ')
        return "a space";
    if (ch == '#')
        return "'#'";
    if (ch == '\n' || ch == '\r')
        return "a line break";
    return ch < 0x20 || ch == 0x7f ? "a control character" : NULL;
}

/* A header value read from a file (a static token or API key kept out of
 * the scenario): {file: PATH, prefix: "Bearer "}. Always a secret. */
static int read_header_file(struct scnp_ctx *c, const struct ytree_node *v, const char *field,
                            const char *name, struct scn_header *h)
{
    static const char *const keys[] = {"file", "prefix", NULL};
    char g[SCNP_FIELD_MAX];
    char *secret = NULL, *prefix = NULL;
    const struct ytree_node *file = scnp_get(v, "file"), *pre = scnp_get(v, "prefix");
    if (scnp_keys(c, v, field, keys))
        return -1;
    if (!file) {
        scnp_error(c, v, field,
                   "a header from a file needs file: PATH, e.g. {file: secrets/token.txt, "
                   "prefix: \"Bearer \"}");
        return -1;
    }
    size_t prefix_len = 0;
    long bad;
    if (pre && scnp_text(c, pre, scnp_field(g, field, "prefix"), &prefix, &prefix_len, NULL))
        return -1;
    if (prefix && (bad = scnp_header_ctl(prefix, prefix_len)) >= 0) {
        scnp_header_ctl_error(c, pre, g, prefix, bad);
        free(prefix);
        return -1;
    }
    int rc = -1;
    if (!scnp_secret_file(c, file, scnp_field(g, field, "file"), &secret)) {
        if (scnp_header_ctl(secret, strlen(secret)) >= 0) /* the secret itself is not shown */
            scnp_error(c, file, g,
                       "%s holds a control character; a header value is one line of text (a "
                       "tab is fine): fix the file",
                       file->text);
        else if (asprintf(&h->value, "%s%s", prefix ? prefix : "", secret) < 0 ||
                 !(h->name = strdup(name))) {
            c->oom = true;
            free(h->value);
            h->value = NULL;
        } else {
            h->secret = true;
            rc = 0;
        }
        memset(secret, 0, strlen(secret));
    }
    free(secret);
    free(prefix);
    return rc;
}

/* The headers of mapping n into r (room made); first[i]: the first
 * header named like header i, ignoring case. */
static int read_header_list(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                            const struct scenario *s, struct scn_request *r, const size_t *first)
{
    char f[SCNP_FIELD_MAX];
    for (size_t i = 0; i < n->n; i++) {
        const struct ytree_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        scnp_field(f, field, k->text);
        if (!scnp_http_token(k->text)) {
            scnp_error(c, k, f,
                       "'%s' is not a valid header name (letters, digits, - and no "
                       "spaces or ':')",
                       k->text);
            continue;
        }
        if (!strcasecmp(k->text, "Content-Length") || !strcasecmp(k->text, "Transfer-Encoding")) {
            scnp_error(c, k, f, "gatecap sets %s from the body; remove this header", k->text);
            continue;
        }
        if (!strcasecmp(k->text, "Connection")) {
            scnp_error(c, k, f,
                       "connection reuse is set by tls.connections (keep-alive, new, "
                       "fraction); remove this header");
            continue;
        }
        if (first[i] != i) {
            scnp_error(c, k, f, "header '%s' is given twice (names ignore case); keep one",
                       k->text);
            continue;
        }
        if (ytree_is_null(v)) {
            scnp_error(c, v, f, "no value; write %s: VALUE, or \"\" for an empty one", k->text);
            continue;
        }
        struct scn_header *h = &r->headers[r->n_headers];
        if (v->kind == YTREE_MAP) { /* {file: PATH, prefix: TEXT}: a static token or key */
            if (!read_header_file(c, v, f, k->text, h))
                r->n_headers++;
            continue;
        }
        size_t len;
        bool secret = scnp_sensitive_name(k->text);
        struct tpl *t;
        if (scnp_template(c, v, f, s, TPL_ENV | TPL_RUNTIME, false, &t, &secret))
            continue;
        const char *text = tpl_text(t, &len);
        long bad = scnp_header_ctl(text, len);
        if (bad >= 0) {
            scnp_header_ctl_error(c, v, f, text, bad);
            tpl_free(t);
            continue;
        }
        if (scnp_feeder_values(c, v, f, s, t, header_bad,
                               "a header value is one line: fix the file, or send that column in "
                               "the body")) {
            tpl_free(t);
            continue;
        }
        if (!(h->name = strdup(k->text)) || !(h->value = strdup(text))) {
            free(h->name);
            h->name = NULL;
            tpl_free(t);
            c->oom = true;
            return -1;
        }
        if (tpl_dynamic(t)) {
            h->tpl = t;
            r->feeder_mask |= tpl_feeder_mask(t);
        } else {
            tpl_free(t);
        }
        h->secret = secret;
        r->n_headers++;
    }
    return 0;
}

static int read_headers(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                        const struct scenario *s, struct scn_request *r)
{
    if (n->kind != YTREE_MAP) {
        scnp_error(c, n, field,
                   "expected a mapping of header names to values, found %s; write e.g. "
                   "headers: {Authorization: \"Bearer ${TOKEN}\"}",
                   ytree_kind_name(n));
        return -1;
    }
    if (!n->n)
        return 0;
    if (!(r->headers = calloc(n->n, sizeof *r->headers))) {
        c->oom = true;
        return -1;
    }
    /* names are unique ignoring case: each name's first spelling */
    struct uniq_key *keys = malloc(n->n * sizeof *keys);
    size_t *first = NULL;
    if (!keys) {
        c->oom = true;
        return -1;
    }
    for (size_t i = 0; i < n->n; i++)
        keys[i] = (struct uniq_key){n->items[2 * i]->text, n->items[2 * i]->len};
    first = scnp_first_names(c, keys, n->n, UNIQ_NOCASE);
    free(keys);
    if (!first)
        return -1;
    int rc = read_header_list(c, n, field, s, r, first);
    free(first);
    return rc;
}

static bool path_has_secret_query(const char *path)
{
    const char *q = strchr(path, '?');
    while (q) {
        q++;
        size_t n = strcspn(q, "=&");
        char name[128];
        if (n && n < sizeof name) {
            memcpy(name, q, n);
            name[n] = '\0';
            if (scnp_sensitive_name(name))
                return true;
        }
        q = strchr(q, '&');
    }
    return false;
}

static void read_expect(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                        struct scn_request *r)
{
    size_t count = n->kind == YTREE_SEQ ? n->n : 1;
    char f[SCNP_FIELD_MAX];
    if (n->kind == YTREE_MAP) {
        scnp_error(c, n, field, "expected a status or a list of them, e.g. [200, 201] or [2xx]");
        return;
    }
    if (!count) {
        scnp_error(c, n, field,
                   "empty list; give the statuses that count as success, e.g. "
                   "[200]");
        return;
    }
    /* at most 5 classes of 100 plus single codes */
    if (!(r->expect_status = calloc(count * 100, sizeof *r->expect_status))) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const struct ytree_node *item = n->kind == YTREE_SEQ ? n->items[i] : n;
        const char *fi = n->kind == YTREE_SEQ ? scnp_field_i(f, field, i) : field;
        char *t;
        if (scnp_string(c, item, fi, &t, NULL))
            continue;
        int lo = 0, hi = -1;
        if (strlen(t) == 3 && t[0] >= '1' && t[0] <= '5' && (t[1] == 'x' || t[1] == 'X') &&
            (t[2] == 'x' || t[2] == 'X')) {
            lo = (t[0] - '0') * 100;
            hi = lo + 99;
        } else {
            long long v;
            if (!scnp_int(c, item, fi, 100, 599, &v))
                lo = hi = (int)v;
        }
        free(t);
        for (int st = lo; st <= hi; st++) {
            if (scn_request_expects(r, st))
                continue;
            r->expect_bits[st >> 6] |= (uint64_t)1 << (st & 63);
            r->expect_status[r->n_expect_status++] = st;
        }
    }
}

/* r->body becomes t's text (replacing what was there); t is kept as the
 * body's template when it is dynamic, else freed. */
static void set_body(struct scnp_ctx *c, struct scn_request *r, struct tpl *t)
{
    size_t len;
    const char *text = tpl_text(t, &len);
    char *body = malloc(len + 1);
    if (!body) {
        tpl_free(t);
        c->oom = true;
        return;
    }
    memcpy(body, text, len + 1);
    free(r->body);
    r->body = body;
    r->body_bytes = len;
    if (tpl_dynamic(t)) {
        r->body_tpl = t;
        r->feeder_mask |= tpl_feeder_mask(t);
    } else {
        tpl_free(t);
    }
}

/* Replaces r->body (which holds "${" somewhere) by its compiled
 * text, and keeps the template when it is dynamic: runtime references
 * only, no ${ENV} (template.h, TPL_LENIENT). */
static void compile_body_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                              const struct scenario *s, struct scn_request *r)
{
    char msg[512];
    struct tpl *t;
    int rc = tpl_compile_vars(r->body, r->body_bytes, TPL_RUNTIME | TPL_LENIENT,
                              (const struct feeder *const *)s->feeders, s->n_feeders, c->vars,
                              c->n_vars, NULL, NULL, &t, msg, sizeof msg);
    if (rc == TPL_ENOMEM) {
        c->oom = true;
        return;
    }
    if (rc) {
        scnp_error(c, n, field, "in %s: %s", r->body_file, msg);
        return;
    }
    set_body(c, r, t);
}

/* Reads a file named by body_file into r->body. */
static void read_body_file(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                           const struct scenario *s, struct scn_request *r)
{
    char *path = scnp_resolve(c, r->body_file);
    if (!path)
        return;
    int rc =
        scnp_read_file(c, n, field, r->body_file, path, MAX_BODY_BYTES, &r->body, &r->body_bytes);
    if (rc == INFILE_ETOOBIG)
        scnp_error(c, n, field, "%s is larger than %u MiB; use a smaller body", r->body_file,
                   MAX_BODY_BYTES >> 20);
    else if (!rc && memmem(r->body, r->body_bytes, "${", 2))
        compile_body_file(c, n, field, s, r);
    if (rc)
        r->body_bytes = 0;
    free(path);
}

/* YAML as JSON: plain scalars that look like numbers, true/false or null
 * keep their type; everything else is a string. */
static json_t *tree_json(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                         const struct scenario *s, bool *secret)
{
    char f[SCNP_FIELD_MAX];
    json_t *j = NULL;
    if (n->kind == YTREE_MAP) {
        j = json_object();
        for (size_t i = 0; j && i < n->n; i++) {
            json_t *v = tree_json(c, n->items[2 * i + 1],
                                  scnp_field(f, field, n->items[2 * i]->text), s, secret);
            if (!v || json_object_set_new(j, n->items[2 * i]->text, v)) {
                json_decref(j);
                return NULL;
            }
        }
        return j;
    }
    if (n->kind == YTREE_SEQ) {
        j = json_array();
        for (size_t i = 0; j && i < n->n; i++) {
            json_t *v = tree_json(c, n->items[i], scnp_field_i(f, field, i), s, secret);
            if (!v || json_array_append_new(j, v)) {
                json_decref(j);
                return NULL;
            }
        }
        return j;
    }
    if (ytree_is_null(n))
        return json_null();
    struct tpl *tp;
    size_t len;
    if (scnp_template(c, n, field, s, TPL_ENV | TPL_RUNTIME, false, &tp, secret))
        return NULL;
    if (tpl_dynamic(tp)) {
        scnp_error(c, n, field,
                   "'%s' is made per request, which json: bodies do not take (only ${ENV}); "
                   "write the JSON as text under body: instead, e.g. body: "
                   "'{\"id\": \"${accounts.id}\"}'",
                   tpl_text(tp, NULL));
        tpl_free(tp);
        return NULL;
    }
    const char *t = tpl_text(tp, &len);
    if (n->plain && !n->tag) {
        json_error_t e;
        if (!strcmp(t, "true") || !strcmp(t, "false") ||
            (len && strchr("-0123456789", t[0]) && strspn(t, "-+.eE0123456789") == len))
            j = json_loads(t, JSON_DECODE_ANY, &e);
    }
    if (!j)
        j = json_stringn(t, len);
    tpl_free(tp);
    return j;
}

static void read_json_body(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                           const struct scenario *s, struct scn_request *r)
{
    size_t before = c->n_errors + c->n_quiet;
    json_t *j = tree_json(c, n, field, s, &r->body_secret);
    if (!j) {
        if (c->n_errors + c->n_quiet == before)
            c->oom = true;
        return;
    }
    r->body = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (!r->body) {
        c->oom = true;
        return;
    }
    r->body_bytes = strlen(r->body);
    /* the engine frees with free(); json_dumps uses malloc by default */
}

/* body: text, a template with ${ENV} and runtime references. */
static void read_inline_body(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                             const struct scenario *s, struct scn_request *r)
{
    struct tpl *t;
    if (scnp_template(c, n, field, s, TPL_ENV | TPL_RUNTIME, false, &t, &r->body_secret))
        return;
    set_body(c, r, t);
}

static char *default_request_name(const struct scn_request *r, size_t index)
{
    char *name = NULL;
    if (r->path && r->method && !r->path_secret) {
        char buf[80];
        size_t k = 0;
        for (const char *m = r->method; *m && k < 20; m++)
            buf[k++] = (char)(*m >= 'A' && *m <= 'Z' ? *m - 'A' + 'a' : *m);
        for (const char *p = r->path; *p && *p != '?' && k < sizeof buf - 1; p++) {
            if (r->path_tpl && strchr("${}", *p))
                continue; /* /a/${accounts.id} -> get-a-accounts.id */
            char ch = *p == '/' ? '-' : *p;
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || strchr("._-", ch)))
                ch = '_';
            if (ch == '-' && k && buf[k - 1] == '-')
                continue;
            buf[k++] = ch;
        }
        while (k && buf[k - 1] == '-')
            k--;
        buf[k] = '\0';
        name = strdup(buf);
    } else if (asprintf(&name, "request-%zu", index + 1) < 0) {
        name = NULL;
    }
    return name;
}

static void read_request(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                         size_t index, const struct scenario *s, struct scn_request *r, bool *named)
{
    static const char *const keys[] = {"name",    "weight",     "method", "path",   "headers",
                                       "body",    "body_file",  "json",   "expect", "checks",
                                       "capture", "body_limit", "sign",   NULL};
    /* a flow's step: no weight (the flow has one), and what comes after it */
    static const char *const step_keys[] = {"name",       "method", "path",   "headers", "body",
                                            "body_file",  "json",   "expect", "checks",  "capture",
                                            "body_limit", "sign",   "think",  "on_fail", NULL};
    char f[SCNP_FIELD_MAX];
    const struct ytree_node *v;
    bool step = r->flow != 0;

    r->weight = 1;
    for (int st = 200; st < 400; st++)
        r->expect_bits[st >> 6] |= (uint64_t)1 << (st & 63);
    if (scnp_keys(c, n, field, step ? step_keys : keys))
        return;
    if (!step && (v = scnp_get(n, "weight")))
        scnp_number(c, v, scnp_field(f, field, "weight"), 1e-9, 1e6, &r->weight);
    if ((v = scnp_get(n, "method"))) {
        char *m;
        if (!scnp_string(c, v, scnp_field(f, field, "method"), &m, NULL)) {
            bool lower = false;
            for (char *p = m; *p; p++)
                lower |= *p >= 'a' && *p <= 'z';
            if (!scnp_http_token(m) || lower) {
                char up[32];
                size_t k = 0;
                for (const char *p = m; *p && k < sizeof up - 1; p++)
                    up[k++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
                up[k] = '\0';
                scnp_error(c, v, f,
                           "'%s' is not an HTTP method; methods are upper case, e.g. "
                           "'%s'",
                           m, scnp_http_token(up) ? up : "GET");
                free(m);
            } else
                r->method = m;
        }
    } else if (!(r->method = strdup("GET")))
        c->oom = true;
    if (!(v = scnp_get(n, "path"))) {
        scnp_error(c, n, field,
                   "missing path; write e.g. path: /echo/1.0.0 (the API context "
                   "and version)");
    } else {
        struct tpl *t;
        scnp_field(f, field, "path");
        if (!scnp_template(c, v, f, s, TPL_ENV | TPL_RUNTIME, true, &t, &r->path_secret)) {
            const char *p = tpl_text(t, NULL);
            bool ok = false;
            if (!strncasecmp(p, "http://", 7) || !strncasecmp(p, "https://", 8)) {
                scnp_error(c, v, f,
                           "is a full URL; put the gateway in targets and only the path here, "
                           "e.g. path: /echo/1.0.0");
            } else if (p[0] != '/') {
                scnp_error(c, v, f, "'%s' must start with '/'; write /%s",
                           r->path_secret ? "<redacted>" : p, r->path_secret ? "..." : p);
            } else if (strpbrk(p, " #")) {
                scnp_error(c, v, f,
                           "contains a space or '#'; encode spaces as %%20 and drop "
                           "the fragment");
            } else if (!scnp_feeder_values(c, v, f, s, t, path_bad,
                                           "a path takes them percent-encoded: write %20 for a "
                                           "space, %23 for '#' in the file")) {
                ok = true;
            }
            if (ok && !(r->path = strdup(p)))
                c->oom = true;
            if (ok && tpl_dynamic(t)) {
                r->path_tpl = t;
                r->feeder_mask |= tpl_feeder_mask(t);
            } else {
                tpl_free(t);
            }
            if (r->path && path_has_secret_query(r->path))
                r->path_secret = true;
        }
    }
    if ((v = scnp_get(n, "headers")))
        read_headers(c, v, scnp_field(f, field, "headers"), s, r);

    const struct ytree_node *body = scnp_get(n, "body"), *file = scnp_get(n, "body_file"),
                            *json = scnp_get(n, "json");
    if ((body != NULL) + (file != NULL) + (json != NULL) > 1) {
        const struct ytree_node *second = json ? json : file;
        scnp_error(c, second, field, "give one of body, body_file and json, not several");
    } else if (body) {
        scnp_field(f, field, "body");
        if (body->kind != YTREE_SCALAR)
            scnp_error(c, body, f,
                       "expected text, found %s; quote JSON text (body: '{\"a\": 1}') or write "
                       "it as YAML under json:",
                       ytree_kind_name(body));
        else
            read_inline_body(c, body, f, s, r);
    } else if (file) {
        scnp_field(f, field, "body_file");
        if (!scnp_string(c, file, f, &r->body_file, NULL)) {
            r->body_secret = true;
            read_body_file(c, file, f, s, r);
        }
    } else if (json) {
        read_json_body(c, json, scnp_field(f, field, "json"), s, r);
        bool has_ct = false;
        for (size_t i = 0; i < r->n_headers; i++)
            has_ct |= !strcasecmp(r->headers[i].name, "Content-Type");
        if (r->body && !has_ct) {
            struct scn_header *h = realloc(r->headers, (r->n_headers + 1) * sizeof *h);
            if (!h) {
                c->oom = true;
            } else {
                r->headers = h;
                h[r->n_headers] = (struct scn_header){strdup("Content-Type"),
                                                      strdup("application/json"), false, NULL};
                r->n_headers++;
                if (!h[r->n_headers - 1].name || !h[r->n_headers - 1].value)
                    c->oom = true;
            }
        }
    }
    if ((v = scnp_get(n, "sign")))
        scnp_sign(c, v, scnp_field(f, field, "sign"), &r->sign);
    if ((v = scnp_get(n, "expect"))) {
        memset(r->expect_bits, 0, sizeof r->expect_bits);
        read_expect(c, v, scnp_field(f, field, "expect"), r);
    }
    scnp_request_checks(c, n, field, r);
    if ((v = scnp_get(n, "name")) && !scnp_name(c, v, scnp_field(f, field, "name"), &r->name))
        *named = true;
    if (!r->name && !(r->name = default_request_name(r, index)))
        c->oom = true;
}

/* first[i]: the first request named like request i (i itself when
 * none before it is); owned, or NULL (c->oom). */
static size_t *same_names(struct scnp_ctx *c, const struct scenario *s)
{
    struct uniq_key *keys = calloc(s->n_requests ? s->n_requests : 1, sizeof *keys);
    if (!keys) {
        c->oom = true;
        return NULL;
    }
    for (size_t i = 0; i < s->n_requests; i++)
        if (s->requests[i].name)
            keys[i] = (struct uniq_key){s->requests[i].name, strlen(s->requests[i].name)};
    size_t *first = scnp_first_names(c, keys, s->n_requests, 0);
    free(keys);
    return first;
}

int scnp_step(struct scnp_ctx *c, const struct ytree_node *n, const char *field, size_t index,
              const struct scenario *s, struct scn_request *r)
{
    bool named = false;
    size_t errors = c->n_errors;
    read_request(c, n, field, index, s, r, &named);
    return c->n_errors > errors || c->oom ? -1 : 0;
}

void scnp_requests(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    const struct ytree_node *rq = scnp_get(root, "requests");
    char f[SCNP_FIELD_MAX];
    if (!rq) {
        if (!scnp_get(root, "flows"))
            scnp_error(c, root, "requests",
                       "missing; list what to send, e.g. requests: [{path: /echo/1.0.0}] (or "
                       "flows: of several steps)");
        return;
    }
    if (scnp_list(c, rq, "requests", "requests: [{name: echo, path: /echo/1.0.0}]"))
        return;
    if (!rq->n) {
        scnp_error(c, rq, "requests", "empty; list at least one request");
        return;
    }
    if (!(s->requests = calloc(rq->n, sizeof *s->requests))) {
        c->oom = true;
        return;
    }
    bool *named = calloc(rq->n, sizeof *named);
    if (!named) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < rq->n; i++) {
        s->n_requests++;
        read_request(c, rq->items[i], scnp_field_i(f, "requests", i), i, s, &s->requests[i],
                     &named[i]);
    }
    /* two unnamed requests to the same path: the later falls back to its index */
    size_t *first = same_names(c, s);
    for (size_t i = 0; first && i < rq->n; i++) {
        struct scn_request *r = &s->requests[i];
        if (first[i] == i || named[i])
            continue;
        free(r->name);
        if (asprintf(&r->name, "request-%zu", i + 1) < 0) {
            r->name = NULL;
            c->oom = true;
        }
    }
    free(first);
    first = c->oom ? NULL : same_names(c, s);
    for (size_t i = 0; first && i < rq->n; i++)
        if (first[i] != i)
            scnp_error(c, rq->items[i], scnp_field_i(f, "requests", i),
                       "the name '%s' is already used by requests.%zu; give each request its "
                       "own name:",
                       s->requests[i].name, first[i]);
    free(first);
    free(named);
    for (size_t i = 0; !c->oom && i < s->n_requests; i++)
        scnp_request_check_names(c, rq->items[i], scnp_field_i(f, "requests", i), &s->requests[i]);
}
