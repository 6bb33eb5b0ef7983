/*
 * h1parse.h — an incremental HTTP/1.1 response parser (RFC 9112) for a
 * native transport: fed whatever bytes a socket gives, split anywhere
 * (down to one byte at a time), it finds where each response ends and
 * keeps only what gatecap records: the status, whether the connection can
 * be reused, the node's name from one chosen header, Retry-After, and the
 * start of a body that is not a 2xx's (WSO2's fault codes and what the
 * gateway said). Bodies are skipped, never buffered, unless the caller
 * asks to keep the whole answer (h1p.keep: checks and captures read it);
 * nothing is allocated otherwise; all state is in struct h1p, one per
 * connection.
 *
 * Limits: the status line and headers of one response (each 1xx counted
 * apart), one chunk-size line with its extensions, and the trailer section
 * are each at most H1P_HEADERS_MAX bytes. Values of uninteresting headers
 * are skipped unread, so they are not checked for control characters.
 */
#ifndef GATECAP_H1PARSE_H
#define GATECAP_H1PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H1P_NODE_LEN 64       /* same as REC_NODE_NAME_LEN in recorder.h */
#define H1P_PEEK_BYTES 256    /* as much of a body as WSO2's code and an example need */
#define H1P_HEADERS_MAX 65536 /* bytes of one header block / chunk line / trailers */
#define H1P_NAME_MAX 64       /* longest node_header name that can match */
#define H1P_ELEM_MAX 32       /* bytes kept of one element of a list-valued header */

enum h1p_rc { H1P_MORE = 0, H1P_DONE = 1, H1P_ERROR = -1 };

/* The whole answer, kept for a request whose checks or captures read it
 * (h1p.keep): the final response's head and its de-chunked body up to a
 * limit. The caller owns it and its buffers (h1p_keep_free); the parser
 * grows them (realloc) to the largest answer they held, so a kept answer
 * allocates only while they grow. */
struct h1p_keep {
    char *head; /* the final response's status line and header lines as received,
                   a NUL after them (as after body's bytes), once anything was kept */
    size_t head_len, head_cap;
    char *body; /* its body, de-chunked, the first body_limit bytes */
    size_t body_len, body_cap;
    size_t body_limit; /* set by the caller before the parse */
    bool truncated;    /* the body was longer than body_limit */
    bool oom;          /* a buffer could not grow: what is kept is cut there */
};

/* Frees k's buffers and zeroes it. */
void h1p_keep_free(struct h1p_keep *k);

/* Empties k (its buffers kept for reuse) for an answer whose body's
 * first body_limit bytes are kept. */
void h1p_keep_clear(struct h1p_keep *k, size_t body_limit);

/* Appends n bytes of s to k's head, or to its body (up to body_limit,
 * marking it truncated beyond): for a transport that parses answers
 * otherwise (libcurl's callbacks). */
void h1p_keep_head(struct h1p_keep *k, const char *s, size_t n);
void h1p_keep_body(struct h1p_keep *k, const char *s, size_t n);

struct h1p;
/* After h1p_reset: keep p's answer in k (emptied; its buffers reused),
 * the body's first body_limit bytes. */
void h1p_keep_begin(struct h1p *p, struct h1p_keep *k, size_t body_limit);

struct h1p {
    /* Set by h1p_reset, read by the parser. */
    const char *node_header; /* header whose value names the node (any case), or NULL; borrowed */
    size_t node_header_len;  /* its length in bytes; above H1P_NAME_MAX it never matches */
    bool head;               /* answer to a HEAD request: no body whatever the headers say */
    bool peek_2xx;           /* keep the start of 2xx bodies too (a request that does not
                                expect every 2xx); false after h1p_reset, set after it */
    struct h1p_keep *keep;   /* where the whole answer is kept (h1p_keep_begin), or NULL
                                (h1p_reset's default); borrowed */

    /* Results, valid once h1p_feed returned H1P_DONE. */
    int status;                /* final status, 200..999 (interim 1xx responses are skipped
                                  entirely), set as soon as its status line is read; 600..999
                                  is well framed but invalid (RFC 9110 15): the transport
                                  reports such an answer as an invalid response */
    int minor;                 /* x of the final response's HTTP/1.x */
    bool keep_alive;           /* the connection can carry another request: HTTP/1.1 without
                                  "Connection: close", or HTTP/1.0 with "Connection:
                                  keep-alive"; false when the body is delimited by close */
    char node[H1P_NODE_LEN];   /* node_header's value (last one wins): OWS trimmed,
                                  truncated to H1P_NODE_LEN - 1 bytes, NUL-terminated */
    size_t node_len;           /* bytes in node; 0 when node_header was absent or empty */
    int retry_after_s;         /* Retry-After's leading delay-seconds (saturating at INT_MAX),
                                  0 for an HTTP-date or anything else, -1 when absent */
    char peek[H1P_PEEK_BYTES]; /* first bytes of the de-chunked body when the status is not
                                  2xx (or peek_2xx); not written otherwise */
    size_t peek_len;           /* bytes in peek (0 unless such an answer had a body) */
    uint64_t header_bytes;     /* bytes of status lines and headers, skipped 1xx included */
    uint64_t body_bytes;       /* body bytes as on the wire: chunk framing and trailers too */
    const char *error;         /* with H1P_ERROR: a static message, e.g. "malformed status
                                  line"; NULL otherwise */

    /* Private parser state below: set by h1p_reset, for h1parse.c only. */
    uint64_t left;           /* bytes still to come of a Content-Length body or a chunk */
    uint64_t content_length; /* the value of Content-Length, when cl_seen */
    size_t budget;           /* bytes the current header block / chunk line may still take */
    size_t name_len;         /* bytes of the header name read so far (may pass H1P_NAME_MAX) */
    uint8_t state;           /* where in the response the next byte is */
    uint8_t idx;             /* progress inside a state: "HTTP/1." or status digits read,
                                chunk-size digits seen */
    uint8_t kind;            /* which interesting header the current value belongs to */
    uint8_t elem_len;        /* bytes in elem */
    uint8_t elems;           /* list elements seen in the current header line */
    bool elem_long;          /* the current element overflowed elem */
    bool node_match;         /* the current header is node_header */
    bool new_unit;           /* the last step began a new header block or chunk line */
    bool cl_seen;            /* Content-Length seen in this response */
    bool te_seen;            /* Transfer-Encoding seen in this response */
    bool te_chunked;         /* ... and its last coding so far is "chunked" */
    bool conn_close;         /* Connection has "close" */
    bool conn_keep_alive;    /* Connection has "keep-alive" */
    char name[H1P_NAME_MAX]; /* the header name, lowercased, up to H1P_NAME_MAX bytes */
    char elem[H1P_ELEM_MAX]; /* one element of an interesting value, lowercased */
};

/* Makes p ready for the response to one request. node_header (node_header_len
 * bytes, NULL for none) is borrowed and must outlive the parse; head is true
 * when the request was HEAD. Cannot fail. */
void h1p_reset(struct h1p *p, const char *node_header, size_t node_header_len, bool head);

/* Parses n bytes of buf (borrowed, any split of the stream). Returns
 * H1P_MORE when the response needs more bytes (*used = n); H1P_DONE when
 * it is complete (*used = the bytes up to its end: any after it belong to
 * no request, a protocol error for the caller); H1P_ERROR with p->error
 * when the bytes are not a response we accept (*used undefined). Once
 * DONE or ERROR, further calls return the same with *used = 0. */
enum h1p_rc h1p_feed(struct h1p *p, const char *buf, size_t n, size_t *used);

/* The peer closed the connection: H1P_DONE when that completes the
 * response (a body delimited by close), else H1P_ERROR with p->error
 * saying where the response was cut ("connection closed before the
 * response" when no byte of it came). After DONE or ERROR, returns it
 * again. */
enum h1p_rc h1p_eof(struct h1p *p);

/* Retry-After's value (n bytes of s): its leading delay-seconds
 * (saturating at INT_MAX), 0 for an HTTP-date or anything else, as
 * h1p.retry_after_s; for the HTTP/2 transport too. */
int h1p_retry_after(const char *s, size_t n);

/* True once the first byte of a response was fed (time to first byte). */
bool h1p_started(const struct h1p *p);

#endif
