/*
 * buf.c — growable byte buffers (see buf.h).
 */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gsbuf_init(struct gsbuf *b)
{
    b->data = malloc(GSBUF_INITIAL_BYTES);
    if (!b->data)
        return -ENOMEM;
    b->off = b->len = 0;
    b->cap = GSBUF_INITIAL_BYTES;
    return 0;
}

void gsbuf_free(struct gsbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->off = b->len = b->cap = 0;
}

void gsbuf_compact(struct gsbuf *b)
{
    if (b->off == 0)
        return;
    memmove(b->data, b->data + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
}

int gsbuf_reserve(struct gsbuf *b, size_t bytes)
{
    if (b->cap - b->len >= bytes)
        return 0;
    /* Compacting is only safe when nobody holds offsets into the buffer;
     * callers that do (the request parser) compact themselves between
     * requests, so here we only grow. */
    size_t need = b->len + bytes;
    size_t cap = b->cap ? b->cap : GSBUF_INITIAL_BYTES;
    while (cap < need) {
        if (cap > ((size_t)-1) / 2)
            return -ENOMEM;
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p)
        return -ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int gsbuf_append(struct gsbuf *b, const void *p, size_t n)
{
    int rc = gsbuf_reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int gsbuf_puts(struct gsbuf *b, const char *s)
{
    return gsbuf_append(b, s, strlen(s));
}

int gsbuf_printf(struct gsbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->data + b->len, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -EINVAL;
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return 0;
        }
        int rc = gsbuf_reserve(b, (size_t)n + 1);
        if (rc)
            return rc;
    }
    return -ENOMEM;
}

int gsbuf_json_str(struct gsbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[6];
        size_t k = 0;
        if (ch == '"' || ch == '\\') {
            esc[k++] = '\\';
            esc[k++] = (char)ch;
        } else if (ch < 0x20) {
            esc[k++] = '\\';
            esc[k++] = 'u';
            esc[k++] = '0';
            esc[k++] = '0';
            esc[k++] = hex[ch >> 4];
            esc[k++] = hex[ch & 15];
        } else {
            esc[k++] = (char)ch;
        }
        int rc = gsbuf_append(b, esc, k);
        if (rc)
            return rc;
    }
    return 0;
}

void gsbuf_clear(struct gsbuf *b)
{
    b->off = b->len = 0;
    if (b->cap > 16 * GSBUF_INITIAL_BYTES) {
        char *p = realloc(b->data, GSBUF_INITIAL_BYTES);
        if (p) {
            b->data = p;
            b->cap = GSBUF_INITIAL_BYTES;
        }
    }
}
