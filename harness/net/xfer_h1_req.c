/*
 * xfer_h1_req.c — HTTP/1.1 request bytes for the native transport; see
 * xfer_h1_req.h.
 */
#include "net/xfer_h1_req.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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
