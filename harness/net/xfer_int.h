/*
 * xfer_int.h — shared by the transports behind xfer.h only: xfer.c (the
 * dispatch), xfer_curl.c and xfer_easy.c (libcurl), xfer_h1.c (native
 * HTTP/1.1); and by a unit test's own transport (struct xfer and its
 * ops: tests/run/test_worker.c). What outside code may use of libcurl's
 * setup is in xfer_easy.h.
 */
#ifndef GATECAP_XFER_INT_H
#define GATECAP_XFER_INT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/xfer.h"
#include "net/xfer_easy.h"

struct scenario;
struct scn_request;
struct scn_target;
struct scn_tls;
struct render_bufs;
struct xfer_tls_hook;

/* Doubly linked lists through fields P (previous) and N (next) of their
 * elements, with head and tail lvalues: the native transports' FIFOs. */
#define XFER_LIST_PUSH(head, tail, s, P, N)                                                        \
    do {                                                                                           \
        (s)->P = (tail);                                                                           \
        (s)->N = NULL;                                                                             \
        if (tail)                                                                                  \
            (tail)->N = (s);                                                                       \
        else                                                                                       \
            (head) = (s);                                                                          \
        (tail) = (s);                                                                              \
    } while (0)
#define XFER_LIST_DROP(head, tail, s, P, N)                                                        \
    do {                                                                                           \
        if ((s)->P)                                                                                \
            (s)->P->N = (s)->N;                                                                    \
        else                                                                                       \
            (head) = (s)->N;                                                                       \
        if ((s)->N)                                                                                \
            (s)->N->P = (s)->P;                                                                    \
        else                                                                                       \
            (tail) = (s)->P;                                                                       \
    } while (0)

/* A transport's entry points (xfer.h's functions dispatch through them). */
struct xfer_ops {
    int (*start)(struct xfer *x, size_t slot, const struct xfer_req *rq);
    size_t (*inflight)(const struct xfer *x);
    size_t (*abandon_all)(struct xfer *x, void (*each)(void *ctx, size_t slot, int64_t sent_ns),
                          void *ctx);
    void (*free)(struct xfer *x);
};

/* The head of every transport's own struct. */
struct xfer {
    const struct xfer_ops *ops;
};

/* The transports' constructors, with xfer_new's contract. */
int xfer_curl_new(struct ev_loop *loop, const struct scenario *scn, const char *const *resolve,
                  size_t n_resolve, struct auth_pool *auth, size_t slots, uint64_t seed,
                  xfer_done_fn done, void *user, struct xfer **out, char *err, size_t err_len);
int xfer_h1_new(struct ev_loop *loop, const struct scenario *scn, const char *const *resolve,
                size_t n_resolve, struct auth_pool *auth, size_t slots, uint64_t seed,
                xfer_done_fn done, void *user, struct xfer **out, char *err, size_t err_len);

/* The native HTTP/2 transport's (xfer_h2_setup.c). */
int xfer_h2_new(struct ev_loop *loop, const struct scenario *scn, const char *const *resolve,
                size_t n_resolve, struct auth_pool *auth, size_t slots, uint64_t seed,
                xfer_done_fn done, void *user, struct xfer **out, char *err, size_t err_len);

/* xfer_fds of the native HTTP/2 transport: its connections (at most
 * one per request in flight, fewer with http2.connections). */
size_t xfer_h2_fds(const struct scenario *scn, size_t slots);

/* What both native transports take from the scenario before a run
 * (xfer_h1_setup.c): each node's address (its IP literal, or the pinned
 * entry "host:port:address" the engine resolved) and base path, and per
 * request whether templates make it per send and whether its 2xx bodies
 * are peeked (some 2xx is not expected: xfer_result.body). */
struct xfer_native {
    struct sockaddr_storage *addrs; /* [target] */
    socklen_t *addr_lens;           /* [target] */
    char **base_paths;              /* [target] */
    bool *dynamic;                  /* [request] */
    bool *peek_2xx;                 /* [request] */
};

/* Fills *nv for scn. Returns 0, or -1 with the reason in err (a node
 * without an address, named; no memory). *nv then holds what was built:
 * xfer_native_free. */
int xfer_native_init(struct xfer_native *nv, const struct scenario *scn, const char *const *resolve,
                     size_t n_resolve, char *err, size_t err_len);

/* Frees what *nv holds (for scn); a zeroed one is fine. */
void xfer_native_free(struct xfer_native *nv, const struct scenario *scn);

/* xfer_fds of the libcurl transport. */
size_t xfer_curl_fds(const struct scenario *scn, size_t slots, size_t *own);

/* Whether the next request goes on a new connection, by the scenario's
 * connection policy (rng: the transport's generator). */
bool xfer_want_fresh(const struct scn_tls *t, uint64_t *rng);

/* Options shared by every request of the run, set once per easy handle
 * (all but CURLOPT_WRITEFUNCTION, which the caller sets): TLS from the
 * scenario's bytes, the CAs from hook->store (xfer_easy.h: hook borrowed
 * for e's life; libcurl reads no file). resolve may be NULL. */
void xfer_set_common(CURL *e, const struct scenario *scn, struct curl_slist *resolve,
                     struct xfer_tls_hook *hook);

/* Per-request options: URL (url; NULL for a templated path, see
 * xfer_set_rendered), method, headers, body, HTTP version, connection
 * policy (fresh: a new connection). */
void xfer_set_request(CURL *e, const struct scenario *scn, const struct scn_request *rq,
                      size_t target, CURLU *url, struct curl_slist *headers, bool fresh);

/* Points e at rb's rendered URL and body (after xfer_set_request). */
void xfer_set_rendered(CURL *e, const struct scn_request *rq, const struct render_bufs *rb);

/* "scheme://host:port/base" of a target (owned), or NULL (no memory);
 * host is its server_name when it has one. */
char *xfer_target_prefix(const struct scn_target *t);

/* CURLOPT_CONNECT_TO for target t: "NAME:PORT:ADDRESS:PORT" when its URL
 * names it (by server_name or a host name), so that a connection goes to
 * the pinned address and is reused only for requests to that address
 * (libcurl matches connections by their connect-to host too). *out owned
 * (curl_slist_free_all), NULL when the URL holds the address itself.
 * Returns 0, or -1 when memory ran out. */
int xfer_build_connect_to(const struct scn_target *t, const char *const *resolve, size_t n_resolve,
                          struct curl_slist **out);

/* prefix + rq's path parsed into *out (owned, curl_url_cleanup). 0 or -1. */
int xfer_build_url(const char *prefix, const struct scn_request *rq, CURLU **out);

/* "Expect:" then rq's headers as "Name: value" (owned; NULL: no memory). */
struct curl_slist *xfer_build_headers(const struct scn_request *rq);

/* rq's header list with templated values: nodes (n_headers + 1 of them)
 * chained in the order of base (xfer_build_headers' list), taking rb's line
 * for each templated header. Returns nodes. */
struct curl_slist *xfer_chain_headers(struct curl_slist *nodes, const struct scn_request *rq,
                                      struct curl_slist *base, const struct render_bufs *rb);

struct h1p_keep;
/* Points r's head and whole body at an answer kept in k (the header
 * lines after its status line; the body as kept). */
void xfer_kept(const struct h1p_keep *k, struct xfer_result *r);

/* What a native transport read of an answer, for xfer_answer. */
struct xfer_answer {
    int status;
    const char *node; /* node_header's value (node_len bytes) */
    size_t node_len;
    const char *peek; /* the body's start (peek_len bytes) */
    size_t peek_len;
    int retry_after_s;           /* a 429's Retry-After, or -1 */
    const struct h1p_keep *keep; /* the whole answer (xfer_req.keep), or NULL */
};

/* Fills r's answer fields from a (status, expected for request `request`,
 * node, a 429's kind and Retry-After, the body's start, the kept answer);
 * a status outside 100..599 is named in err (err_len bytes, naming
 * target's node) and r->error points there. */
void xfer_answer(const struct scenario *scn, size_t request, size_t target,
                 const struct xfer_answer *a, struct xfer_result *r, char *err, size_t err_len);

#endif
