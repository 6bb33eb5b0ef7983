/*
 * jsonpath.c — the JSON path subset of jsonpath.h: a path compiled into
 * steps, and a walk over the document that validates what it skips (a
 * recursive descent bounded by JP_MAX_DEPTH) without allocating.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errbuf.h"
#include "scenario/jsonpath.h"

struct jp_step {
    bool is_index;
    long long index;  /* is_index: >= 0 from the start, < 0 from the end */
    const char *name; /* !is_index: the member's name (into names), unescaped */
    size_t name_len;
};

struct jp_path {
    char *text; /* as written, NUL-terminated */
    size_t n_steps;
    struct jp_step steps[JP_MAX_DEPTH];
    char *names; /* every step's name, one buffer */
};

/* ---- compiling --------------------------------------------------------- */

static bool name_byte(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch >= 0x80;
}

static int bad_path(size_t *err_pos, size_t pos, char *err, size_t errlen, const char *why)
{
    if (err_pos)
        *err_pos = pos;
    return errbuf_set(err, errlen, JP_EINVAL, "%s", why);
}

/* Reads one step at text[*i] into st (its name's bytes appended at
 * *names). Returns 0, or JP_EINVAL reported. */
static int read_step(const char *t, size_t len, size_t *i, struct jp_step *st, char **names,
                     size_t *err_pos, char *err, size_t errlen)
{
    size_t p = *i;
    if (t[p] == '.') {
        p++;
        if (p < len && t[p] == '.')
            return bad_path(err_pos, p - 1, err, errlen,
                            "recursive descent (..) is not supported; write the full path, e.g. "
                            "$.Data.Status");
        if (p < len && t[p] == '*')
            return bad_path(err_pos, p, err, errlen,
                            "wildcards are not supported; name the member, e.g. $.Data.Status");
        size_t start = p;
        while (p < len && name_byte((unsigned char)t[p]))
            p++;
        if (p == start)
            return bad_path(err_pos, start, err, errlen,
                            "expected a member name after '.' (letters, digits, _ and -); "
                            "write other names as ['name']");
        st->name = *names;
        st->name_len = p - start;
        memcpy(*names, t + start, p - start);
        *names += p - start;
        *i = p;
        return 0;
    }
    if (t[p] != '[')
        return bad_path(err_pos, p, err, errlen,
                        "expected '.name', ['name'] or [N] (a path is $ followed by steps, e.g. "
                        "$.Data[0].Id)");
    p++;
    if (p >= len)
        return bad_path(err_pos, p, err, errlen, "the path ends after '['; write [N] or ['name']");
    if (t[p] == '\'' || t[p] == '"') {
        char q = t[p++];
        st->name = *names;
        size_t n = 0;
        for (;;) {
            if (p >= len)
                return bad_path(err_pos, p, err, errlen,
                                "the quoted name does not end; close it with its quote and ]");
            if (t[p] == q)
                break;
            if (t[p] == '\\') {
                if (p + 1 >= len || (t[p + 1] != q && t[p + 1] != '\\'))
                    return bad_path(err_pos, p, err, errlen,
                                    "a backslash in a quoted name escapes only the quote or a "
                                    "backslash");
                p++;
            }
            (*names)[n++] = t[p++];
        }
        *names += n;
        st->name_len = n;
        p++;
    } else if (t[p] == '*' || t[p] == '?' || t[p] == ':') {
        return bad_path(err_pos, p, err, errlen,
                        t[p] == '*'   ? "wildcards are not supported; give an index, e.g. [0]"
                        : t[p] == '?' ? "filters are not supported; give an index, e.g. [0]"
                                      : "slices are not supported; give an index, e.g. [0]");
    } else {
        bool neg = t[p] == '-';
        size_t start = p += neg;
        long long v = 0;
        while (p < len && t[p] >= '0' && t[p] <= '9') {
            v = v * 10 + (t[p++] - '0');
            if (v > 999999999)
                return bad_path(err_pos, start, err, errlen, "index too large (at most 999999999)");
        }
        if (p == start)
            return bad_path(err_pos, start, err, errlen,
                            "expected an index (digits, e.g. [0], or [-1] for the last) or a "
                            "quoted name (['name'])");
        if (p - start > 1 && t[start] == '0')
            return bad_path(err_pos, start, err, errlen, "an index has no leading zeros");
        if (neg && !v)
            return bad_path(err_pos, start - 1, err, errlen,
                            "[-0] is not an index; [-1] is the last element");
        st->is_index = true;
        st->index = neg ? -v : v;
    }
    if (p >= len || t[p] != ']')
        return bad_path(err_pos, p, err, errlen,
                        p < len && t[p] == ','
                            ? "unions are not supported; one index or name per []"
                            : "expected ] here");
    *i = p + 1;
    return 0;
}

int jp_compile(const char *text, size_t len, struct jp_path **out, size_t *err_pos, char *err,
               size_t errlen)
{
    *out = NULL;
    if (!len || text[0] != '$')
        return bad_path(err_pos, 0, err, errlen,
                        "a JSON path starts with $ (the document), e.g. $.Data.ConsentId");
    if (memchr(text, '\0', len))
        return bad_path(err_pos, (size_t)((const char *)memchr(text, '\0', len) - text), err,
                        errlen, "a JSON path holds no NUL");
    struct jp_path *p = calloc(1, sizeof *p);
    if (!p || !(p->text = malloc(len + 1)) || !(p->names = malloc(len + 1))) {
        jp_free(p);
        return JP_ENOMEM;
    }
    memcpy(p->text, text, len);
    p->text[len] = '\0';
    char *names = p->names;
    size_t i = 1;
    while (i < len) {
        if (p->n_steps == JP_MAX_DEPTH) {
            jp_free(p);
            return bad_path(err_pos, i, err, errlen,
                            "too many steps (at most 64: documents nest no deeper)");
        }
        struct jp_step *st = &p->steps[p->n_steps];
        int rc = read_step(text, len, &i, st, &names, err_pos, err, errlen);
        if (rc) {
            jp_free(p);
            return rc;
        }
        p->n_steps++;
    }
    *out = p;
    return JP_OK;
}

void jp_free(struct jp_path *p)
{
    if (!p)
        return;
    free(p->text);
    free(p->names);
    free(p);
}

const char *jp_text(const struct jp_path *p)
{
    return p->text;
}

/* ---- walking ----------------------------------------------------------- */

struct cur {
    const char *p, *end;
};

static void ws(struct cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Four hex digits at p (p + 4 <= end checked by the caller), or -1. */
static long hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* A string at c->p (its opening quote): moves past its closing quote.
 * *escaped: it holds a backslash. 0 or JP_EBADJSON. */
static int skip_string(struct cur *c, bool *escaped)
{
    const char *p = c->p + 1;
    *escaped = false;
    for (;;) {
        if (p >= c->end)
            return JP_EBADJSON;
        unsigned char ch = (unsigned char)*p;
        if (ch == '"')
            break;
        if (ch < 0x20)
            return JP_EBADJSON;
        if (ch == '\\') {
            *escaped = true;
            if (p + 1 >= c->end)
                return JP_EBADJSON;
            char e = p[1];
            if (e == 'u') {
                if (c->end - p < 6 || hex4(p + 2) < 0)
                    return JP_EBADJSON;
                p += 6;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || !e)
                return JP_EBADJSON;
            p += 2;
            continue;
        }
        p++;
    }
    c->p = p + 1;
    return 0;
}

static bool digit(const struct cur *c)
{
    return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int skip_number(struct cur *c)
{
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (!digit(c))
        return JP_EBADJSON;
    if (*c->p == '0')
        c->p++;
    else
        while (digit(c))
            c->p++;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!digit(c))
            return JP_EBADJSON;
        while (digit(c))
            c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (!digit(c))
            return JP_EBADJSON;
        while (digit(c))
            c->p++;
    }
    return 0;
}

static int skip_literal(struct cur *c, const char *lit, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n))
        return JP_EBADJSON;
    c->p += n;
    return 0;
}

/* The value at c->p (after whitespace), inside depth containers: moves
 * past it, validating it. *type: what it is. */
static int skip_value(struct cur *c, int depth, enum jp_type *type)
{
    bool esc;
    enum jp_type t;
    if (!type)
        type = &t;
    if (c->p >= c->end)
        return JP_EBADJSON;
    switch (*c->p) {
    case '"':
        *type = JP_STRING;
        return skip_string(c, &esc);
    case 't':
        *type = JP_TRUE;
        return skip_literal(c, "true", 4);
    case 'f':
        *type = JP_FALSE;
        return skip_literal(c, "false", 5);
    case 'n':
        *type = JP_NULL;
        return skip_literal(c, "null", 4);
    case '{':
    case '[': {
        bool obj = *c->p == '{';
        char close = obj ? '}' : ']';
        *type = obj ? JP_OBJECT : JP_ARRAY;
        if (depth >= JP_MAX_DEPTH)
            return JP_EBADJSON;
        c->p++;
        ws(c);
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return 0;
        }
        for (;;) {
            if (obj) {
                if (c->p >= c->end || *c->p != '"' || skip_string(c, &esc))
                    return JP_EBADJSON;
                ws(c);
                if (c->p >= c->end || *c->p != ':')
                    return JP_EBADJSON;
                c->p++;
                ws(c);
            }
            if (skip_value(c, depth + 1, NULL))
                return JP_EBADJSON;
            ws(c);
            if (c->p >= c->end)
                return JP_EBADJSON;
            if (*c->p == close) {
                c->p++;
                return 0;
            }
            if (*c->p != ',')
                return JP_EBADJSON;
            c->p++;
            ws(c);
        }
    }
    default:
        *type = JP_NUMBER;
        return skip_number(c);
    }
}

/* One character of a validated string's content at *p (before end) as
 * UTF-8 into out (4 bytes); moves *p past it. Returns the bytes. */
static size_t decode_one(const char **pp, const char *end, char out[4])
{
    const char *p = *pp;
    if (*p != '\\') {
        out[0] = *p;
        *pp = p + 1;
        return 1;
    }
    char e = p[1];
    *pp = p + 2;
    switch (e) {
    case 'b':
        out[0] = '\b';
        return 1;
    case 'f':
        out[0] = '\f';
        return 1;
    case 'n':
        out[0] = '\n';
        return 1;
    case 'r':
        out[0] = '\r';
        return 1;
    case 't':
        out[0] = '\t';
        return 1;
    case 'u':
        break;
    default: /* " \ / */
        out[0] = e;
        return 1;
    }
    uint32_t cp = (uint32_t)hex4(p + 2);
    *pp = p + 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        long lo = end - (p + 6) >= 6 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8) : -1;
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
            *pp = p + 12;
        } else {
            cp = 0xFFFD;
        }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* True when the validated string content [p, end) unescapes to s (n). */
static bool content_equals(const char *p, const char *end, bool escaped, const char *s, size_t n)
{
    if (!escaped)
        return (size_t)(end - p) == n && !memcmp(p, s, n);
    size_t k = 0;
    while (p < end) {
        char ch[4];
        size_t m = decode_one(&p, end, ch);
        if (n - k < m || memcmp(s + k, ch, m))
            return false;
        k += m;
    }
    return k == n;
}

/* At an object's '{': moves to the value of the first member named like
 * st. JP_OK, JP_NOTFOUND or JP_EBADJSON. */
static int find_member(struct cur *c, int depth, const struct jp_step *st)
{
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == '}')
        return JP_NOTFOUND;
    for (;;) {
        bool esc;
        if (c->p >= c->end || *c->p != '"')
            return JP_EBADJSON;
        const char *key = c->p + 1;
        if (skip_string(c, &esc))
            return JP_EBADJSON;
        bool match = content_equals(key, c->p - 1, esc, st->name, st->name_len);
        ws(c);
        if (c->p >= c->end || *c->p != ':')
            return JP_EBADJSON;
        c->p++;
        ws(c);
        if (match)
            return JP_OK;
        if (skip_value(c, depth + 1, NULL))
            return JP_EBADJSON;
        ws(c);
        if (c->p >= c->end)
            return JP_EBADJSON;
        if (*c->p == '}')
            return JP_NOTFOUND;
        if (*c->p != ',')
            return JP_EBADJSON;
        c->p++;
        ws(c);
    }
}

/* At an array's '[': moves to element index (>= 0), or counts the
 * elements into *count when index < 0 (c->p then past the array). */
static int walk_array(struct cur *c, int depth, long long index, long long *count)
{
    c->p++;
    ws(c);
    long long k = 0;
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        *count = 0;
        return index < 0 ? JP_OK : JP_NOTFOUND;
    }
    for (;;) {
        if (k == index)
            return JP_OK;
        if (skip_value(c, depth + 1, NULL))
            return JP_EBADJSON;
        k++;
        ws(c);
        if (c->p >= c->end)
            return JP_EBADJSON;
        if (*c->p == ']') {
            c->p++;
            *count = k;
            return index < 0 ? JP_OK : JP_NOTFOUND;
        }
        if (*c->p != ',')
            return JP_EBADJSON;
        c->p++;
        ws(c);
    }
}

int jp_find(const struct jp_path *p, const char *json, size_t len, struct jp_value *out)
{
    struct cur c = {json, json + len};
    ws(&c);
    for (size_t i = 0; i < p->n_steps; i++) {
        const struct jp_step *st = &p->steps[i];
        int depth = (int)i, rc;
        if (c.p >= c.end)
            return JP_EBADJSON;
        if (!st->is_index) {
            if (*c.p != '{') /* another kind of value: not found, if it is one */
                return skip_value(&c, depth, NULL) ? JP_EBADJSON : JP_NOTFOUND;
            rc = find_member(&c, depth, st);
        } else {
            if (*c.p != '[')
                return skip_value(&c, depth, NULL) ? JP_EBADJSON : JP_NOTFOUND;
            long long index = st->index, count = 0;
            if (index < 0) {
                const char *open = c.p;
                if ((rc = walk_array(&c, depth, -1, &count)))
                    return rc;
                if (count + index < 0)
                    return JP_NOTFOUND;
                index += count;
                c.p = open;
            }
            rc = walk_array(&c, depth, index, &count);
        }
        if (rc)
            return rc;
    }
    const char *start = c.p;
    enum jp_type type;
    if (skip_value(&c, (int)p->n_steps, &type))
        return JP_EBADJSON;
    *out = (struct jp_value){type, start, (size_t)(c.p - start), false};
    if (type == JP_STRING) {
        out->text = start + 1;
        out->len -= 2;
        out->escaped = memchr(out->text, '\\', out->len) != NULL;
    }
    return JP_OK;
}

bool jp_equals(const struct jp_value *v, const char *s, size_t n)
{
    if (v->type == JP_STRING)
        return content_equals(v->text, v->text + v->len, v->escaped, s, n);
    return v->len == n && !memcmp(v->text, s, n);
}

size_t jp_unescape(const struct jp_value *v, char *out)
{
    if (v->type != JP_STRING || !v->escaped) {
        memcpy(out, v->text, v->len);
        return v->len;
    }
    const char *p = v->text, *end = v->text + v->len;
    size_t k = 0;
    while (p < end)
        k += decode_one(&p, end, out + k);
    return k;
}
