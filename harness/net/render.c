/*
 * render.c — per-request rendering of a request's templates; see render.h.
 */
#include "net/render.h"

#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

bool render_needed(const struct scn_request *rq)
{
    if (rq->path_tpl || rq->body_tpl)
        return true;
    for (size_t i = 0; i < rq->n_headers; i++)
        if (rq->headers[i].tpl)
            return true;
    return false;
}

/* dst = prefix, sep, then t rendered straight after them. */
static int render_after(struct tpl_buf *dst, const char *prefix, const char *sep,
                        const struct tpl *t, const struct tpl_ctx *ctx)
{
    dst->len = 0;
    return tpl_buf_append(dst, prefix, strlen(prefix)) || tpl_buf_append(dst, sep, strlen(sep)) ||
                   tpl_render_append(t, ctx, dst)
               ? -1
               : 0;
}

int render_request(const struct scn_request *rq, const char *url_prefix, const struct tpl_ctx *ctx,
                   struct render_bufs *b)
{
    if (rq->path_tpl && render_after(&b->url, url_prefix, "", rq->path_tpl, ctx))
        return -1;
    if (rq->body_tpl && tpl_render(rq->body_tpl, ctx, &b->body))
        return -1;
    for (size_t i = 0; i < rq->n_headers; i++) {
        const struct scn_header *h = &rq->headers[i];
        if (!h->tpl)
            continue;
        if (i >= b->n_lines) {
            struct tpl_buf *l = realloc(b->lines, rq->n_headers * sizeof *l);
            if (!l)
                return -1;
            memset(l + b->n_lines, 0, (rq->n_headers - b->n_lines) * sizeof *l);
            b->lines = l;
            b->n_lines = rq->n_headers;
        }
        if (render_after(&b->lines[i], h->name, ": ", h->tpl, ctx))
            return -1;
    }
    return 0;
}

void render_bufs_free(struct render_bufs *b)
{
    tpl_buf_free(&b->url);
    tpl_buf_free(&b->body);
    for (size_t i = 0; i < b->n_lines; i++)
        tpl_buf_free(&b->lines[i]);
    free(b->lines);
    memset(b, 0, sizeof *b);
}
