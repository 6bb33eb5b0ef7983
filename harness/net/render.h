/*
 * render.h — a request's per-request parts (path, header values, body;
 * see template.h) rendered into buffers that a transport can point at.
 *
 * One render_bufs per transport slot: the buffers grow to the largest
 * request the slot has rendered and are reused, so a run allocates only
 * while sizes still grow. Single-threaded per render_bufs.
 */
#ifndef GATECAP_RENDER_H
#define GATECAP_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario/template.h"

struct scn_request;

struct render_bufs {
    struct tpl_buf url;    /* url_prefix + rendered path, when the path is templated */
    struct tpl_buf body;   /* rendered body, when the body is templated */
    struct tpl_buf *lines; /* [n_lines]: "Name: value" of templated header i */
    size_t n_lines;
};

/* True when rq has anything to render per request. */
bool render_needed(const struct scn_request *rq);

/* Renders rq's templated parts with ctx: b->url (url_prefix, e.g.
 * "https://10.0.0.1:8243/base", followed by the path), b->body, and
 * b->lines[i] for every header i with a template. Parts without a
 * template are left alone (use the request's static text). Returns 0, or
 * -1 when memory ran out. */
int render_request(const struct scn_request *rq, const char *url_prefix, const struct tpl_ctx *ctx,
                   struct render_bufs *b);

/* Frees b's buffers and zeroes it. */
void render_bufs_free(struct render_bufs *b);

#endif
