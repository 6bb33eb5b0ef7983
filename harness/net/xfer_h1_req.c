/*
 * xfer_h1_req.c — HTTP/1.1 request bytes for the native transport; see
 * xfer_h1_req.h.
 */
#include "net/xfer_h1_req.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "base/clock.h"
#include "net/auth.h"
#include "net/render.h"
#include "net/reqsig.h"
#include "net/xfer.h"
#include "scenario/scenario.h"

bool h1req_head(const struct scn_request *rq)
{
    return !strcmp(rq->method, "HEAD");
}

static bool has_header(const struct scn_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->n_headers; i++)
        if (!strcasecmp(rq->headers[i].name, name))
            return true;
    return false;
}

/* True when value has nothing but blanks: libcurl leaves such a header
 * out (it is how one removes a default header there). */
static bool blank(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    return !*v;
}

static bool wants_length(const struct scn_request *rq)
{
    return !strcmp(rq->method, "POST") || !strcmp(rq->method, "PUT") ||
           !strcmp(rq->method, "PATCH");
}

#define ADD(s, n)                                                                                  \
    do {                                                                                           \
        if (tpl_buf_append(buf, (s), (n)))                                                         \
            return -1;                                                                             \
    } while (0)
#define ADDS(s) ADD((s), strlen(s))

int h1req_build(const struct scn_request *rq, const struct scn_target *t,
                const struct tpl_buf *rendered_path, const struct tpl_buf *header_lines,
                const struct tpl_buf *rendered_body, const struct h1req_auth *auth,
                struct tpl_buf *buf, struct h1req *out)
{
    buf->len = 0;
    ADDS(rq->method);
    ADD(" ", 1);
    if (rendered_path) {
        ADD(rendered_path->data, rendered_path->len);
    } else {
        ADDS(t->base_path);
        ADDS(rq->path);
    }
    ADD(" HTTP/1.1\r\n", 11);
    char line[600];
    if (!has_header(rq, "Host")) {
        /* the name the certificate is verified for, as libcurl sends it */
        const char *host = t->server_name ? t->server_name : t->host;
        bool v6 = strchr(host, ':') != NULL;
        bool dflt = t->port == (t->https ? 443 : 80);
        int n = dflt ? snprintf(line, sizeof line, v6 ? "Host: [%s]\r\n" : "Host: %s\r\n", host)
                     : snprintf(line, sizeof line, v6 ? "Host: [%s]:%d\r\n" : "Host: %s:%d\r\n",
                                host, t->port);
        if (n < 0 || (size_t)n >= sizeof line)
            return -1;
        ADD(line, (size_t)n);
    }
    if (!has_header(rq, "Accept"))
        ADDS("Accept: */*\r\n");
    if (auth) {
        ADDS(auth->name);
        ADD(": ", 2);
        ADDS(auth->prefix);
        ADD(auth->token, auth->token_len);
        ADD("\r\n", 2);
        if (auth->extra) {
            ADD(auth->extra, auth->extra_len);
            ADD("\r\n", 2);
        }
    }
    for (size_t i = 0; i < rq->n_headers; i++) {
        const struct scn_header *h = &rq->headers[i];
        if (h->tpl) {
            ADD(header_lines[i].data, header_lines[i].len);
        } else {
            if (blank(h->value))
                continue;
            ADDS(h->name);
            ADD(": ", 2);
            ADDS(h->value);
        }
        ADD("\r\n", 2);
    }
    const char *body = rendered_body ? rendered_body->data : rq->body;
    size_t body_len = rendered_body ? rendered_body->len : rq->body ? rq->body_bytes : 0;
    bool has_body = rendered_body || rq->body;
    if (has_body && !has_header(rq, "Content-Type"))
        ADDS("Content-Type: application/x-www-form-urlencoded\r\n");
    if (has_body || wants_length(rq)) {
        int n = snprintf(line, sizeof line, "Content-Length: %zu\r\n", body_len);
        ADD(line, (size_t)n);
    }
    ADD("\r\n", 2);
    out->body = NULL;
    out->body_len = 0;
    if (body_len <= H1REQ_INLINE_BODY) {
        if (body_len)
            ADD(body, body_len);
    } else {
        out->body = body;
        out->body_len = body_len;
    }
    out->head = buf->data;
    out->head_len = buf->len;
    return 0;
}

int h1req_prepare(const struct h1req_src *src, const struct xfer_req *rq, bool dynamic,
                  struct render_bufs *rb, struct tpl_buf *buf, struct h1req *out,
                  uint32_t *auth_gen, bool *local, char *err, size_t err_len)
{
    const struct scenario *scn = src->scn;
    const struct scn_request *rqs = &scn->requests[rq->request];
    bool with_token = src->auth && rq->app != XFER_NO_APP;
    if (dynamic) {
        struct tpl_ctx ctx = {.feeders = (const struct feeder *const *)scn->feeders,
                              .rows = rq->rows,
                              .seq = rq->seq,
                              .rng = src->rng,
                              .wall_ns = clock_wall_ns(),
                              .vars = rq->vars};
        if (render_request(rqs, src->base_paths[rq->target], &ctx, rb))
            goto nomem;
    }
    struct h1req_auth au, *aup = NULL;
    char tok[16384];
    size_t len = 0;
    if (with_token) {
        len = auth_token_copy(src->auth, rq->app, tok, sizeof tok, auth_gen);
        if (len >= sizeof tok) {
            snprintf(err, err_len, "the access token is longer than %zu bytes", sizeof tok - 1);
            return -1;
        }
        au = (struct h1req_auth){scn->auth.header, scn->auth.prefix, tok, len, NULL, 0};
        aup = &au;
        long sl = reqsig_line(src->sig, src->auth, scn, rqs, rq->app,
                              rqs->body_tpl ? rb->body.data : rqs->body,
                              rqs->body_tpl ? rb->body.len
                              : rqs->body   ? rqs->body_bytes
                                            : 0,
                              src->sig_line, REQSIG_LINE_MAX);
        if (sl < 0) {
            OPENSSL_cleanse(tok, len);
            snprintf(err, err_len, "could not sign the request (sign:)");
            *local = true;
            return -1;
        }
        au.extra = sl ? src->sig_line : NULL;
        au.extra_len = (size_t)sl;
    }
    int rc = h1req_build(rqs, &scn->targets[rq->target], rqs->path_tpl ? &rb->url : NULL, rb->lines,
                         rqs->body_tpl ? &rb->body : NULL, aup, buf, out);
    if (with_token)
        OPENSSL_cleanse(tok, len);
    if (!rc)
        return 0;
nomem:
    snprintf(err, err_len, "out of memory building the request");
    *local = true;
    return -1;
}
