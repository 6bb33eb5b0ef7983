/*
 * http.h — HTTP/1.1 request parsing for the gateway simulator.
 *
 * The parser works on a byte range that may hold a partial request, exactly
 * one request, or several pipelined ones; it never reads past the range and
 * never modifies it (except gshttp_chunked_decode, which decodes in place).
 * Results are offsets relative to the start of the range, so the caller's
 * buffer may be reallocated between calls.
 */
#ifndef GATEWAYSIM_HTTP_H
#define GATEWAYSIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest request head (request line + headers) accepted, in bytes. */
#define GSHTTP_MAX_HEAD_BYTES (32 * 1024)

/* Errors of the parse functions; each maps to the status code to answer
 * with (gshttp_error_status). */
enum {
    GSHTTP_EBAD = -1,        /* malformed: 400 */
    GSHTTP_EHEADTOOBIG = -2, /* head > GSHTTP_MAX_HEAD_BYTES: 431 */
    GSHTTP_EVERSION = -3,    /* not HTTP/1.x: 505 */
    GSHTTP_ENOTIMPL = -4,    /* unknown transfer coding: 501 */
};

enum gshttp_method {
    GSHTTP_GET,
    GSHTTP_HEAD,
    GSHTTP_POST,
    GSHTTP_PUT,
    GSHTTP_DELETE,
    GSHTTP_PATCH,
    GSHTTP_OPTIONS,
    GSHTTP_OTHER,
};

/* A byte range [off, off + len) relative to the parsed range; len 0 when
 * absent. */
struct gshttp_span {
    uint32_t off;
    uint32_t len;
};

struct gshttp_req {
    enum gshttp_method method;
    int minor;                /* HTTP/1.minor */
    struct gshttp_span path;  /* without the query */
    struct gshttp_span query; /* after '?', without it */
    struct gshttp_span auth;  /* Authorization value */
    struct gshttp_span ctype; /* Content-Type value */
    bool keep_alive;          /* after HTTP version defaults and Connection */
    bool expect_continue;     /* Expect: 100-continue */
    bool chunked;             /* Transfer-Encoding: chunked */
    bool has_length;          /* Content-Length given */
    uint64_t content_length;  /* body bytes (Content-Length) */
    size_t head_bytes;        /* request line + headers incl. blank line */
};

/* Parses the request head at buf[0, len). Returns the head length (> 0)
 * when the head is complete and valid (req filled in), 0 when more bytes
 * are needed, or a GSHTTP_E* code. */
int gshttp_parse_head(const char *buf, size_t len, struct gshttp_req *req);

/* Scans a chunked body at buf[0, len) without changing it. Returns 1 and
 * sets *wire_bytes (encoded length incl. trailers) and *body_bytes (decoded
 * length) when complete, 0 when more bytes are needed, GSHTTP_EBAD when
 * malformed. */
int gshttp_chunked_scan(const char *buf, size_t len, size_t *wire_bytes, size_t *body_bytes);

/* Decodes a complete chunked body (as scanned by gshttp_chunked_scan) in
 * place: afterwards buf[0, body_bytes) holds the payload. */
void gshttp_chunked_decode(char *buf, size_t wire_bytes);

/* Status code for a GSHTTP_E* error. */
int gshttp_error_status(int err);

/* Reason phrase for a status code ("OK", "Not Found", ...; "Unknown"). */
const char *gshttp_reason(int status);

/* Iterates "k=v&k=v" (query strings, form bodies). *pos starts at 0.
 * Returns true and the raw (still percent-encoded) key and value spans
 * while pairs remain. */
bool gshttp_form_next(const char *s, size_t len, size_t *pos, const char **key, size_t *key_len,
                      const char **val, size_t *val_len);

/* Percent-decodes (and turns '+' into ' ') src[0, n) into dst (size
 * dst_size, NUL-terminated). Returns the decoded length or -1 when it does
 * not fit or is malformed. */
int gshttp_url_decode(const char *src, size_t n, char *dst, size_t dst_size);

/* Decodes standard base64 src[0, n) into dst (NUL-terminated). Returns the
 * decoded length or -1 when malformed or too long. */
int gshttp_base64_decode(const char *src, size_t n, char *dst, size_t dst_size);

/* Case-insensitive compare of s[0, n) with the NUL-terminated lit. */
bool gshttp_ieq(const char *s, size_t n, const char *lit);

/* Value of a hexadecimal digit, -1 if c is not one. */
int gshttp_hexval(char c);

#endif
