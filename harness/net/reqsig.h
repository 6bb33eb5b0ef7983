/*
 * reqsig.h — a request's `sign:` header (docs/auth.md): the Open Banking
 * UK detached JWS of the body exactly as sent, signed with the key of the
 * application the request goes out as (auth_signing_key). One reqsig per
 * transport (per worker); both transports call reqsig_line and add the
 * line it writes as one more header.
 *
 * CPU only, no I/O; the signing-input buffer grows to the largest body
 * and is then reused, so a request allocates nothing of its own.
 */
#ifndef GATECAP_REQSIG_H
#define GATECAP_REQSIG_H

#include <stddef.h>

struct scenario;
struct scn_request;
struct auth_pool;
struct reqsig;

/* Room enough for a sign: header line (name, ": ", header..signature). */
#define REQSIG_LINE_MAX 4096

/* A signer for one thread when some request of scn signs, else *out NULL.
 * Returns 0, or -1 (out of memory). */
int reqsig_new(const struct scenario *scn, struct reqsig **out);

/* Writes "NAME: JWS" (no CRLF, NUL added) into out (cap bytes, at least
 * REQSIG_LINE_MAX) for request rq (borrowed) sent as application app of
 * pool p, over body[0, body_len). Returns its length; 0 when rq does not
 * sign (or r is NULL); -1 when signing failed (the request fails
 * locally). */
long reqsig_line(struct reqsig *r, const struct auth_pool *p, const struct scenario *scn,
                 const struct scn_request *rq, size_t app, const void *body, size_t body_len,
                 char *out, size_t cap);

/* Frees; NULL is fine. */
void reqsig_free(struct reqsig *r);

#endif
