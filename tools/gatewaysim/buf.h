/*
 * buf.h — growable byte buffers for the gateway simulator's connections.
 *
 * A gsbuf holds bytes [off, len) of data[0, cap). Buffers are owned by
 * their connection; they grow (realloc) only when a request or response is
 * larger than anything that connection saw before, and shrink back to the
 * initial size when idle, so steady keep-alive traffic allocates nothing.
 */
#ifndef GATEWAYSIM_BUF_H
#define GATEWAYSIM_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* Initial capacity of every connection buffer, in bytes. */
#define GSBUF_INITIAL_BYTES 4096

struct gsbuf {
    char *data;
    size_t off; /* first unconsumed byte */
    size_t len; /* end of valid bytes */
    size_t cap;
};

/* Allocates the initial capacity. Returns 0 or -ENOMEM. */
int gsbuf_init(struct gsbuf *b);

/* Frees the storage; the buffer may be re-initialised afterwards. */
void gsbuf_free(struct gsbuf *b);

/* Makes room for at least `bytes` more bytes after len (compacting the
 * consumed prefix first). Returns 0 or -ENOMEM. */
int gsbuf_reserve(struct gsbuf *b, size_t bytes);

/* Appends n bytes. Returns 0 or -ENOMEM. */
int gsbuf_append(struct gsbuf *b, const void *p, size_t n);

/* Appends a NUL-terminated string. Returns 0 or -ENOMEM. */
int gsbuf_puts(struct gsbuf *b, const char *s);

/* Appends printf-formatted text (no NUL). Returns 0, -ENOMEM or -EINVAL. */
int gsbuf_printf(struct gsbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s as the inside of a JSON string (escaping quotes, backslashes
 * and control characters). Returns 0 or -ENOMEM. */
int gsbuf_json_str(struct gsbuf *b, const char *s, size_t n);

/* Number of unconsumed bytes. */
static inline size_t gsbuf_used(const struct gsbuf *b)
{
    return b->len - b->off;
}

/* Drops everything; shrinks storage back to GSBUF_INITIAL_BYTES when it had
 * grown past 16 times that (keeps thousands of idle connections small). */
void gsbuf_clear(struct gsbuf *b);

/* Moves unconsumed bytes to the front (offset 0). */
void gsbuf_compact(struct gsbuf *b);

#endif
