/*
 * probe.h — the node check before a run: one blocking request 0 to each
 * target, sent as the run would send it (its TLS, headers, body, and with
 * auth the first application's token and certificate), on the
 * coordinator's thread before any worker starts. A node that cannot be
 * reached, whose certificate does not verify, or that refuses the first
 * request would make the whole run worthless, so the run stops there with
 * what went wrong and the fix: libcurl's failure explained (hint.h); where
 * that leaves the scheme in doubt, a second look at the port in the other
 * protocol; after a failed verification, the names the certificate does
 * carry (certname.h).
 *
 * Over native HTTP/2 the request goes through gatecap's own HTTP/2
 * transport (the run's client decides; libcurl 7.88 takes an answer
 * followed by RST_STREAM NO_ERROR for a failure), on an event loop of the
 * check's own; libcurl's request then only explains a failure.
 *
 * Blocking by design (curl_easy_perform, or that loop run to the answer):
 * never on a worker's loop. Prints nothing; the caller redacts (what a
 * node said is quoted).
 */
#ifndef GATECAP_PROBE_H
#define GATECAP_PROBE_H

#include <stdbool.h>
#include <stddef.h>

struct auth_pool;
struct scenario;

/* What a node answered the check: its status, the start of its body, and
 * what the answer means when the check recognised it. */
#define PROBE_SAID_LEN 256
struct probe_answer {
    int status;                /* HTTP status */
    char said[PROBE_SAID_LEN]; /* the start of the body as one line (rec_body_line), not yet
                                  redacted; "" without a body */
    char hint[256];            /* what the answer means and the fix (hint.h: a client
                                  certificate it asked for and did not get, a plain request
                                  to a port that speaks TLS), or "" */
};

/* One blocking request 0 to target `target` (resolve: the pinned
 * addresses, as xfer_new takes them; auth: the token pool with its first
 * tokens, or NULL), used before a run to check that a node is reachable
 * and its certificate verifies. stop(stop_ctx) (NULL: never) is asked
 * while it waits and gives up early when it says true (then -1, the
 * caller knows why). Where the answer (or its absence) leaves the scheme
 * in doubt, a second connection asks the port in the other protocol (TLS
 * with verification off and nothing sent; or a HEAD / over plain HTTP),
 * bounded by the connect timeout. Returns 0 with the answer in *ans, or -1
 * with the cause (and the fix, when known) in err. */
int probe_node(const struct scenario *scn, const char *const *resolve, size_t n_resolve,
               struct auth_pool *auth, size_t target, bool (*stop)(void *stop_ctx), void *stop_ctx,
               struct probe_answer *ans, char *err, size_t err_len);

/* probe_node, judged: 0 when the node answered with a status request 0
 * expects (or 429: throttling is not a refusal); else -1 with the whole
 * message in err: "node NAME (URL) failed the check before the run: ..."
 * or "node NAME (URL) answered HTTP N to the check request 'GET /path'
 * before the run; expected ...", with the fix and what it said. After a
 * stop request, -1 too (the caller knows why). */
int probe_check(const struct scenario *scn, const char *const *resolve, size_t n_resolve,
                struct auth_pool *auth, size_t target, bool (*stop)(void *stop_ctx), void *stop_ctx,
                char *err, size_t err_len);

#endif
