/*
 * xfer.h — the transport: HTTP requests on one worker's event loop. Three
 * carry them: gatecap's own HTTP/1.1 client on libev and OpenSSL
 * (xfer_h1.c; the default for HTTP/1.1), its own HTTP/2 client on nghttp2,
 * libev and OpenSSL (xfer_h2.c; the default for HTTP/2: ALPN h2 or h2c
 * with prior knowledge, streams per connection) and libcurl's multi_socket
 * API driven by libev watchers (xfer_curl.c; generator.transport: curl).
 *
 * The scheduler and the recorder never see which: they start a request
 * in a slot and get one completion per start with timings and an outcome.
 * Slots are fixed at creation; nothing is allocated per request once
 * buffers have grown. Single-threaded: every call on the loop's thread.
 * A completion is never reported from inside xfer_start.
 */
#ifndef GATECAP_XFER_H
#define GATECAP_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "measure/recorder.h"

struct ev_loop;
struct scenario;
struct xfer;
struct auth_pool;
struct tpl_span;

#define XFER_NO_APP ((size_t)-1)

/* What to send: a request of the scenario to one target, as one
 * application of the token pool (XFER_NO_APP without auth), with what its
 * templates need (render.h). */
struct xfer_req {
    size_t request;
    size_t target;
    size_t app;
    const size_t *rows;          /* rows[f] drawn from feeder f for the request's templates
                                    (read only for the feeders it uses), or NULL */
    uint64_t seq;                /* ${seq} */
    const struct tpl_span *vars; /* a flow step's: its flow instance's variables (borrowed
                                    until the completion), or NULL */
    bool keep;                   /* keep the answer's head and body for its checks and
                                    captures (xfer_result.head, whole_body) */
    size_t body_limit;           /* with keep: the most body bytes kept */
};

#define XFER_NODE_LEN REC_NODE_NAME_LEN
#define XFER_PEEK_BYTES 256 /* of a body kept for xfer_result.body (H1P_PEEK_BYTES) */

/* What one finished request reports. Times in ns (CLOCK_MONOTONIC) and µs. */
struct xfer_result {
    int64_t sent_ns; /* when it was handed to the transport */
    int64_t done_ns; /* when its completion was seen */
    enum rec_outcome outcome;
    int status;          /* HTTP status, 0 without a response */
    bool expected;       /* status in the request's expected set */
    bool new_connection; /* this request opened a connection */
    int64_t connect_us;  /* TCP connect, new connections only */
    int64_t tls_us;      /* TLS handshake, new TLS connections only */
    int64_t ttfb_us;     /* request sent → first response byte */
    int64_t bytes_sent;
    int64_t bytes_received;
    int retries;       /* times libcurl re-sent it because the reused
                          connection it went out on died (a reset or
                          close the server did before answering);
                          0 with the native transports */
    const char *node;  /* node_header value, or NULL; valid during the callback */
    const char *error; /* the transport's message for failures, or NULL */
    bool local;        /* never sent: gatecap ran out of a local resource (file
                          descriptors, memory, ephemeral ports; see
                          xfer_errno_local). The generator's failure, not an
                          outcome of the gateway's: outcome means nothing then */
    uint32_t auth_gen; /* generation of the token it carried (0: none) */
    int throttle_kind; /* 429: REC_THROTTLE_* kind from the body; else -1 */
    const char *body;  /* the start of the answer's body (up to XFER_PEEK_BYTES) when its
                          status is not 2xx or not expected, else NULL; valid during the
                          callback */
    size_t body_len;
    int retry_after_s; /* 429 with Retry-After: its seconds (0 for a date); else -1 */
    /* With xfer_req.keep and an answer (else NULL, 0): valid during the callback. */
    const char *head; /* the header lines after the status line, as received */
    size_t head_len;
    const char *whole_body; /* the body, de-chunked: its first body_limit bytes */
    size_t whole_body_len;
    bool body_truncated; /* the body was longer than body_limit (or memory ran out
                            keeping it) */
    bool stream_wait;    /* HTTP/2: it waited for a stream (every connection it could use
                            was at its stream limit: http2.max_streams or the server's
                            SETTINGS_MAX_CONCURRENT_STREAMS, with http2.connections open);
                            the wait is inside its latency */
};

/* Called on the loop for every finished request of slot `slot`. */
typedef void (*xfer_done_fn)(void *user, size_t slot, const struct xfer_result *r);

/* Creates a transport with `slots` reusable handles on `loop` for the
 * scenario (borrowed; must outlive the transport). resolve: libcurl
 * CURLOPT_RESOLVE entries ("host:port:address") pinning every target, so
 * no lookup ever blocks the loop (borrowed, may be NULL). auth: the token
 * pool when the scenario has `auth:` (borrowed), else NULL. Returns 0, or
 * -1 with a message in err. *out owned (xfer_free). */
int xfer_new(struct ev_loop *loop, const struct scenario *scn, const char *const *resolve,
             size_t n_resolve, struct auth_pool *auth, size_t slots, uint64_t seed,
             xfer_done_fn done, void *user, struct xfer **out, char *err, size_t err_len);

/* A transport's constructor, with xfer_new's contract: a worker makes its
 * transport with the one it is given (run/worker.h). A run passes
 * xfer_new; a unit test may pass its own transport (a struct xfer with
 * its own ops, xfer_int.h) that completes requests when the test says. */
typedef int (*xfer_new_fn)(struct ev_loop *loop, const struct scenario *scn,
                           const char *const *resolve, size_t n_resolve, struct auth_pool *auth,
                           size_t slots, uint64_t seed, xfer_done_fn done, void *user,
                           struct xfer **out, char *err, size_t err_len);

/* True when the scenario's requests go through a native transport,
 * HTTP/1.1 or HTTP/2 by scn->http_version (generator.transport native or
 * auto); false for libcurl (curl). */
bool xfer_native(const struct scenario *scn);

/* File descriptors a transport with `slots` slots for scn may hold at
 * once: returns its connections (one per request in flight; HTTP/2 at
 * most its share of http2.connections per node and identity; libcurl may
 * keep some idle beyond them when there are several nodes or client
 * certificates), and puts its other descriptors in *own (libcurl: a
 * wake-up socket pair per multi handle). */
size_t xfer_fds(const struct scenario *scn, size_t slots, size_t *own);

/* Starts rq in slot `slot` (which must be idle). Returns 0: a request
 * that cannot start (no memory, no descriptor) completes like any failure,
 * from the loop. */
int xfer_start(struct xfer *x, size_t slot, const struct xfer_req *rq);

/* Requests in flight. */
size_t xfer_inflight(const struct xfer *x);

/* Abandons every request in flight (no completion is reported); calls
 * each(ctx, slot, sent_ns) for each (NULL: none; sent_ns as in
 * xfer_result, 0 when it was not sent yet); returns how many. */
size_t xfer_abandon_all(struct xfer *x, void (*each)(void *ctx, size_t slot, int64_t sent_ns),
                        void *ctx);

/* Frees the transport, abandoning what is in flight; NULL is fine. */
void xfer_free(struct xfer *x);

/* Checks that this libcurl can carry the scenario as asked (h2c only
 * matters with generator.transport curl; the node check uses libcurl's
 * HTTP/2 either way). Returns 0, or
 * -1 with the reason and what to do in err. */
int xfer_check_support(const struct scenario *scn, char *err, size_t err_len);

/* The outcome class of a finished libcurl transfer: curl_code is its
 * CURLcode, os_errno CURLINFO_OS_ERRNO, status the HTTP status (used when
 * curl_code is CURLE_OK). xfer_classify_msg also reads message,
 * libcurl's error buffer (may be NULL): response headers beyond
 * libcurl's limit are an invalid response (OC_OTHER, as on the native
 * transport), not a reset. */
enum rec_outcome xfer_classify(int curl_code, long os_errno, int status);
enum rec_outcome xfer_classify_msg(int curl_code, long os_errno, int status, const char *message);

/* True for a status in 100..599 (RFC 9110 15); an answer with another is
 * an invalid response (OC_OTHER, with a message saying so). */
bool xfer_status_valid(int status);

/* True when errno err from socket() or connect() means gatecap itself ran
 * out of something (EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL: no
 * ephemeral port left), not that the node failed. */
bool xfer_errno_local(int err);

/* True when a finished libcurl transfer failed for want of a local
 * resource: curl_code its CURLcode, os_errno CURLINFO_OS_ERRNO, sock_errno
 * the errno of a socket() that failed for it (0: none did). */
bool xfer_curl_local(int curl_code, long os_errno, int sock_errno);

#endif
