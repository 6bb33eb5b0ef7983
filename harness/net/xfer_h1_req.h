/*
 * xfer_h1_req.h — the bytes of an HTTP/1.1 request for the native
 * transport (xfer_h1.c): built once per request and node when nothing in
 * it changes, else per request into a slot's buffer (templates, tokens).
 *
 * What is sent matches what libcurl sends for the same scenario, so that
 * switching transports changes nothing a gateway sees: "Host" (without the
 * port when it is the scheme's default), "Accept: * / *", the scenario's
 * headers in order (one with an empty value is left out, as libcurl
 * does), "Content-Type: application/x-www-form-urlencoded" for a body
 * without one, and "Content-Length" for a body (0 for POST, PUT and PATCH
 * without one). A scenario header named Host, Accept or Content-Type
 * replaces the default.
 */
#ifndef GATECAP_XFER_H1_REQ_H
#define GATECAP_XFER_H1_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/template.h"

struct auth_pool;
struct render_bufs;
struct reqsig;
struct scenario;
struct scn_request;
struct scn_target;
struct tpl_ctx;
struct xfer_req;

/* Bodies up to this size are copied behind the head, so the request goes
 * out in one write (one TLS record); larger ones are a second piece. */
#define H1REQ_INLINE_BODY 4096

/* One request as pieces to write: head (request line and headers, and the
 * body when inlined) then body (NULL when inlined or absent). */
struct h1req {
    const char *head;
    size_t head_len;
    const char *body;
    size_t body_len;
};

/* What a request needs per send: the token header line, when any. */
struct h1req_auth {
    const char *name;   /* header name, e.g. "Authorization" */
    const char *prefix; /* e.g. "Bearer " */
    const char *token;  /* token bytes */
    size_t token_len;
    const char *extra; /* one more header line without CRLF (a sign: header), or NULL */
    size_t extra_len;
};

/* Builds rq to target t into buf (emptied first): path (rendered_path when
 * not NULL, else rq's own, after the target's base path), headers
 * (rendered lines from rb for templated ones; see render.h), auth (may be
 * NULL), body (rendered_body when not NULL, else rq's). out points into
 * buf and at the body. Returns 0, or -1 when memory ran out. */
int h1req_build(const struct scn_request *rq, const struct scn_target *t,
                const struct tpl_buf *rendered_path, const struct tpl_buf *header_lines,
                const struct tpl_buf *rendered_body, const struct h1req_auth *auth,
                struct tpl_buf *buf, struct h1req *out);

/* What h1req_prepare builds from: a transport's (all borrowed). */
struct h1req_src {
    const struct scenario *scn;
    struct auth_pool *auth;  /* the token pool, or NULL */
    struct reqsig *sig;      /* requests' sign: headers, or NULL */
    char *sig_line;          /* REQSIG_LINE_MAX bytes for one request's */
    uint64_t *rng;           /* the transport's generator (templates) */
    char *const *base_paths; /* [target] */
};

/* Builds one request's bytes per send (both native transports use it:
 * HTTP/2 converts them into header fields): rq's templates rendered into
 * rb when dynamic, its application's token and signature when src has a
 * token pool and rq an application, into buf; out points into buf and
 * the body. *auth_gen: the token's generation. Returns 0, or -1 with the
 * reason in err (*local true when gatecap ran out of memory or could not
 * sign). */
int h1req_prepare(const struct h1req_src *src, const struct xfer_req *rq, bool dynamic,
                  struct render_bufs *rb, struct tpl_buf *buf, struct h1req *out,
                  uint32_t *auth_gen, bool *local, char *err, size_t err_len);

/* True when requests with method m carry no response body (HEAD). */
bool h1req_head(const struct scn_request *rq);

#endif
