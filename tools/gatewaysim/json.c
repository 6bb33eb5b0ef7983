/*
 * json.c — bounded JSON scanner (see json.h). A recursive-descent walk
 * over buf[0, len) that keeps an index and checks it against len before
 * every read; depth is capped so recursion is too.
 */
#include "json.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Longest member key compared with a path key; longer keys never match. */
#define KEY_MAX 128

struct scan {
    const char *b;
    size_t n;
    size_t i;
    int depth;
    bool found;
    size_t off, len;
};

static void skip_ws(struct scan *p)
{
    while (p->i < p->n &&
           (p->b[p->i] == ' ' || p->b[p->i] == '\t' || p->b[p->i] == '\n' || p->b[p->i] == '\r'))
        p->i++;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return 0;
}

/* Appends code point cp as UTF-8 to out[*k..size-1); false when full. */
static bool put_utf8(char *out, size_t size, size_t *k, unsigned cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xc0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xe0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (!out)
        return true;
    if (*k + n >= size)
        return false;
    memcpy(out + *k, u, n);
    *k += n;
    return true;
}

/* Reads the string at p->i (its opening quote), decoding into out (NULL:
 * only check). Returns 0, -EINVAL (malformed) or -ENOSPC (did not fit:
 * the string is still read to its end). */
static int string(struct scan *p, char *out, size_t size, size_t *out_len)
{
    if (p->i >= p->n || p->b[p->i] != '"')
        return -EINVAL;
    p->i++;
    size_t k = 0;
    bool full = false;
    while (p->i < p->n) {
        unsigned char c = (unsigned char)p->b[p->i++];
        unsigned cp;
        if (c == '"') {
            if (out)
                out[full ? 0 : k] = 0;
            if (out_len)
                *out_len = k;
            return full ? -ENOSPC : 0;
        }
        if (c < 0x20)
            return -EINVAL;
        if (c != '\\') {
            /* a byte of UTF-8 (or anything >= 0x80) is copied as it is */
            if (out && !full) {
                if (k + 1 >= size)
                    full = true;
                else
                    out[k++] = (char)c;
            }
            continue;
        }
        if (p->i >= p->n)
            return -EINVAL;
        char e = p->b[p->i++];
        switch (e) {
        case '"':
        case '\\':
        case '/':
            cp = (unsigned char)e;
            break;
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u':
            if (p->n - p->i < 4 || hex4(p->b + p->i, &cp))
                return -EINVAL;
            p->i += 4;
            /* a high surrogate followed by a low one is one code point;
             * a lone surrogate is written as it is (WTF-8) */
            if (cp >= 0xd800 && cp < 0xdc00 && p->n - p->i >= 6 && p->b[p->i] == '\\' &&
                p->b[p->i + 1] == 'u') {
                unsigned lo;
                if (hex4(p->b + p->i + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p->i += 6;
                }
            }
            break;
        default:
            return -EINVAL;
        }
        if (out && !full && !put_utf8(out, size, &k, cp))
            full = true;
    }
    return -EINVAL; /* no closing quote */
}

static bool digit(const struct scan *p)
{
    return p->i < p->n && p->b[p->i] >= '0' && p->b[p->i] <= '9';
}

static int number(struct scan *p)
{
    if (p->i < p->n && p->b[p->i] == '-')
        p->i++;
    if (!digit(p))
        return -EINVAL;
    if (p->b[p->i] == '0')
        p->i++;
    else
        while (digit(p))
            p->i++;
    if (p->i < p->n && p->b[p->i] == '.') {
        p->i++;
        if (!digit(p))
            return -EINVAL;
        while (digit(p))
            p->i++;
    }
    if (p->i < p->n && (p->b[p->i] == 'e' || p->b[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (p->b[p->i] == '+' || p->b[p->i] == '-'))
            p->i++;
        if (!digit(p))
            return -EINVAL;
        while (digit(p))
            p->i++;
    }
    return 0;
}

static int literal(struct scan *p, const char *lit)
{
    size_t n = strlen(lit);
    if (p->n - p->i < n || memcmp(p->b + p->i, lit, n) != 0)
        return -EINVAL;
    p->i += n;
    return 0;
}

/* Reads one value at p->i (after whitespace). keys[0..n_keys) is what
 * is still sought below it (n_keys 0: nothing). */
static int value(struct scan *p, const char *const *keys, int n_keys);

static int object(struct scan *p, const char *const *keys, int n_keys)
{
    p->i++; /* '{' */
    skip_ws(p);
    if (p->i < p->n && p->b[p->i] == '}') {
        p->i++;
        return 0;
    }
    for (;;) {
        char key[KEY_MAX];
        size_t key_len = 0;
        skip_ws(p);
        int rc = string(p, n_keys ? key : NULL, sizeof key, &key_len);
        if (rc == -EINVAL)
            return rc;
        bool match = rc == 0 && n_keys && !p->found && strlen(keys[0]) == key_len &&
                     memcmp(key, keys[0], key_len) == 0;
        skip_ws(p);
        if (p->i >= p->n || p->b[p->i] != ':')
            return -EINVAL;
        p->i++;
        skip_ws(p);
        size_t start = p->i;
        rc = match ? value(p, keys + 1, n_keys - 1) : value(p, NULL, 0);
        if (rc)
            return rc;
        if (match && n_keys == 1) {
            p->found = true;
            p->off = start;
            p->len = p->i - start;
        }
        skip_ws(p);
        if (p->i >= p->n)
            return -EINVAL;
        char c = p->b[p->i++];
        if (c == '}')
            return 0;
        if (c != ',')
            return -EINVAL;
    }
}

static int array(struct scan *p)
{
    p->i++; /* '[' */
    skip_ws(p);
    if (p->i < p->n && p->b[p->i] == ']') {
        p->i++;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        int rc = value(p, NULL, 0);
        if (rc)
            return rc;
        skip_ws(p);
        if (p->i >= p->n)
            return -EINVAL;
        char c = p->b[p->i++];
        if (c == ']')
            return 0;
        if (c != ',')
            return -EINVAL;
    }
}

static int value(struct scan *p, const char *const *keys, int n_keys)
{
    if (p->i >= p->n)
        return -EINVAL;
    int rc;
    switch (p->b[p->i]) {
    case '{':
    case '[':
        if (++p->depth > GSJSON_MAX_DEPTH)
            return -EINVAL;
        rc = p->b[p->i] == '{' ? object(p, keys, n_keys) : array(p);
        p->depth--;
        return rc;
    case '"':
        rc = string(p, NULL, 0, NULL);
        return rc == -EINVAL ? rc : 0;
    case 't':
        return literal(p, "true");
    case 'f':
        return literal(p, "false");
    case 'n':
        return literal(p, "null");
    default:
        return number(p);
    }
}

int gsjson_find(const char *buf, size_t len, const char *const *keys, int n_keys, size_t *off,
                size_t *val_len)
{
    struct scan p = {.b = buf, .n = buf ? len : 0};
    skip_ws(&p);
    int rc = value(&p, keys, n_keys);
    if (rc)
        return -EINVAL;
    skip_ws(&p);
    if (p.i != p.n)
        return -EINVAL;
    if (!p.found)
        return -ENOENT;
    *off = p.off;
    *val_len = p.len;
    return 0;
}

int gsjson_string(const char *raw, size_t len, char *out, size_t size)
{
    if (!out || size == 0)
        return -ENOSPC;
    struct scan p = {.b = raw, .n = raw ? len : 0};
    size_t k = 0;
    int rc = string(&p, out, size, &k);
    if (rc)
        return rc;
    if (p.i != p.n)
        return -EINVAL;
    return (int)k;
}
