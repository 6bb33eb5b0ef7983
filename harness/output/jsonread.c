/*
 * jsonread.c — the checked reading of gatecap's own JSON files; see
 * jsonread.h.
 */
#include "output/jsonread.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/version.h"

/* ---- errors ---- */

static int vfail(struct jsonread *d, int code, const char *suffix, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* "PATH: " and the message, then suffix and d->redo when suffix is set. */
static int vfail(struct jsonread *d, int code, const char *suffix, const char *fmt, va_list ap)
{
    if (d->rc)
        return d->rc;
    d->rc = code;
    if (!d->err || !d->errlen)
        return code;
    size_t len = 0;
    int n = snprintf(d->err, d->errlen, "%s: ", d->path);
    if (n > 0 && (size_t)n < d->errlen)
        len = (size_t)n;
    n = vsnprintf(d->err + len, d->errlen - len, fmt, ap);
    if (n > 0 && len + (size_t)n < d->errlen)
        len += (size_t)n;
    if (suffix)
        snprintf(d->err + len, d->errlen - len, "%s%s", suffix,
                 d->redo ? d->redo : "make it again");
    return code;
}

int jsonread_fail(struct jsonread *d, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(d, code, NULL, fmt, ap);
    va_end(ap);
    return d->rc;
}

int jsonread_damaged(struct jsonread *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(d, JSONREAD_EFORMAT, "; the file was edited or damaged: restore it or ", fmt, ap);
    va_end(ap);
    return d->rc;
}

int jsonread_cut(struct jsonread *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(d, JSONREAD_EFORMAT, "; was the file cut short or edited? Restore it or ", fmt, ap);
    va_end(ap);
    return d->rc;
}

int jsonread_nomem(struct jsonread *d)
{
    return jsonread_fail(d, JSONREAD_ENOMEM, "out of memory reading it");
}

/* ---- the file ---- */

json_t *jsonread_load(struct jsonread *d)
{
    json_error_t jerr;
    json_t *root = json_load_file(d->path, JSON_REJECT_DUPLICATES, &jerr);
    if (root)
        return root;
    FILE *f = fopen(d->path, "r");
    if (!f) {
        jsonread_fail(d, errno == ENOMEM ? JSONREAD_ENOMEM : JSONREAD_EIO, "cannot read: %s",
                      strerror(errno));
        return NULL;
    }
    fclose(f);
    d->rc = JSONREAD_EFORMAT;
    if (d->err && d->errlen)
        snprintf(d->err, d->errlen,
                 "%s:%d:%d: not valid JSON: %s; the file is corrupt or cut short: restore it or "
                 "%s",
                 d->path, jerr.line, jerr.column, jerr.text, d->redo ? d->redo : "make it again");
    return NULL;
}

int jsonread_version(struct jsonread *d, const json_t *root, const char *format, int max,
                     const char *what, const char *kind, const char *make)
{
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!json_is_object(root) || !fmt || strcmp(fmt, format) != 0) {
        jsonread_fail(d, JSONREAD_EFORMAT, "not a gatecap %s (\"format\": \"%s\" is missing); %s",
                      what, format, make);
        return 0;
    }
    const json_t *v = json_object_get(root, "version");
    json_int_t version = json_integer_value(v);
    if (!json_is_integer(v) || version < 1) {
        jsonread_damaged(d, "\"version\" is missing or not a whole number from 1");
        return 0;
    }
    if (version > max) {
        const json_t *gc = json_object_get(root, "gatecap");
        const char *by = json_is_string(gc) ? json_string_value(gc)
                                            : json_string_value(json_object_get(gc, "version"));
        jsonread_fail(d, JSONREAD_EVERSION,
                      "%s version %lld (written by gatecap %s) is newer than this gatecap reads: "
                      "gatecap %s reads %s version %d. Read it with the gatecap that wrote it or "
                      "a newer one, or %s with this one",
                      kind, (long long)version, by ? by : "of a later release", GATECAP_VERSION,
                      kind, max, d->redo ? d->redo : "make it again");
        return 0;
    }
    return (int)version;
}

/* ---- strings and arrays ---- */

struct block {
    struct block *next;
    size_t used, cap;
    char data[];
};

const char *jsonread_keep(struct jsonread *d, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    struct block *b = d->strings;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        struct block *nb = malloc(sizeof *nb + cap);
        if (!nb) {
            jsonread_nomem(d);
            return NULL;
        }
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        d->strings = b = nb;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    b->used += n;
    return p;
}

void jsonread_strings_free(void *strings)
{
    for (struct block *b = strings, *next; b; b = next) {
        next = b->next;
        free(b);
    }
}

void *jsonread_array(struct jsonread *d, size_t n, size_t elem)
{
    void *p = calloc(n ? n : 1, elem);
    if (!p)
        jsonread_nomem(d);
    return p;
}

/* ---- members ---- */

const char *jsonread_field(char *buf, size_t n, const char *where, const char *key)
{
    snprintf(buf, n, "%s%s%s", where, where[0] ? "." : "", key);
    return buf;
}

double jsonread_num(struct jsonread *d, const json_t *o, const char *where, const char *key,
                    enum jsonread_kind k)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NAN;
    char f[320];
    if (!json_is_number(v)) {
        jsonread_damaged(d, "%s is not a number", jsonread_field(f, sizeof f, where, key));
        return NAN;
    }
    double x = json_number_value(v);
    const char *why = !isfinite(x)                   ? "it is not a finite number"
                      : k == JSONREAD_ANY            ? NULL
                      : x < 0 && k == JSONREAD_COUNT ? "a count cannot be negative"
                      : x < 0                        ? "it cannot be negative"
                      : k == JSONREAD_PCT && x > 100 ? "a percentage is 0 to 100"
                                                     : NULL;
    if (!why)
        return x;
    jsonread_damaged(d, "%s is %g: %s", jsonread_field(f, sizeof f, where, key), x, why);
    return NAN;
}

double jsonread_num0(struct jsonread *d, const json_t *o, const char *where, const char *key,
                     enum jsonread_kind k)
{
    double x = jsonread_num(d, o, where, key, k);
    return isnan(x) ? 0 : x;
}

long long jsonread_int(struct jsonread *d, const json_t *o, const char *where, const char *key,
                       long long lo, long long hi, long long dflt)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return dflt;
    char f[320];
    json_int_t x = json_integer_value(v);
    if (!json_is_integer(v) || x < lo || x > hi) {
        jsonread_damaged(d, "%s is not a whole number from %lld to %lld",
                         jsonread_field(f, sizeof f, where, key), lo, hi);
        return dflt;
    }
    return (long long)x;
}

const char *jsonread_str(struct jsonread *d, const json_t *o, const char *where, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    char f[320];
    if (!json_is_string(v)) {
        jsonread_damaged(d, "%s is not a string", jsonread_field(f, sizeof f, where, key));
        return NULL;
    }
    return jsonread_keep(d, json_string_value(v));
}

bool jsonread_flag(struct jsonread *d, const json_t *o, const char *where, const char *key,
                   bool dflt)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return dflt;
    if (json_is_boolean(v))
        return json_is_true(v);
    char f[320];
    jsonread_damaged(d, "%s is not true or false", jsonread_field(f, sizeof f, where, key));
    return dflt;
}

json_t *jsonread_need(struct jsonread *d, const json_t *o, const char *where, const char *key,
                      json_type t)
{
    json_t *v = json_object_get(o, key);
    if (v && json_typeof(v) == t)
        return v;
    char f[320];
    jsonread_cut(d, "%s is missing or not %s", jsonread_field(f, sizeof f, where, key),
                 t == JSON_OBJECT  ? "an object"
                 : t == JSON_ARRAY ? "an array"
                                   : "a string");
    return NULL;
}

json_t *jsonread_maybe(struct jsonread *d, const json_t *o, const char *where, const char *key,
                       json_type t)
{
    json_t *v = json_object_get(o, key);
    return !v || json_is_null(v) ? NULL : jsonread_need(d, o, where, key, t);
}

void jsonread_strings(struct jsonread *d, const json_t *a, const char *where, const char ***out,
                      size_t *n)
{
    if (!a || !(*out = jsonread_array(d, json_array_size(a), sizeof **out)))
        return;
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v)) {
            jsonread_damaged(d, "%s[%zu] is not a string", where, i);
            return;
        }
        (*out)[(*n)++] = jsonread_keep(d, json_string_value(v));
    }
}
