/*
 * xfer_curl_int.h — the libcurl transport's insides, shared by its
 * request path (xfer_curl.c: libcurl's callbacks on libev, starting a
 * request, its answer) and its life outside it (xfer_curl_setup.c:
 * creating, abandoning, freeing). Not for other modules: xfer.h is the
 * interface.
 */
#ifndef GATECAP_XFER_CURL_INT_H
#define GATECAP_XFER_CURL_INT_H

#include <curl/curl.h>
#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/h1parse.h"
#include "net/render.h"
#include "net/xfer.h"
#include "net/xfer_easy.h"
#include "net/xfer_int.h"

/* One libcurl multi handle and its timer. A transport spreads its slots
 * over several, XFER_SLOTS_PER_MULTI each: libcurl 7.88 walks a multi
 * handle's connections for every request it starts, so hundreds of
 * connections on one handle make each request dearer. */
struct mh {
    struct xcurl *x;
    CURLM *multi;
    ev_timer timer;
};

#define XFER_SLOTS_PER_MULTI 128
/* Connections a multi handle keeps (CURLMOPT_MAXCONNECTS): as many as its
 * slots, and some idle ones for other nodes and certificates. */
#define XFER_CONNS_PER_MULTI (XFER_SLOTS_PER_MULTI + 16)

struct sockw {
    ev_io io;
    struct mh *m;
    struct sockw *next_free;
    struct sockw *next_all; /* every watcher ever made, for xfer_free */
};

struct slot {
    CURL *easy;
    struct xcurl *x;
    struct mh *m;
    size_t index;
    size_t request;
    size_t target;
    bool busy;
    int64_t sent_ns;
    size_t node_len;
    char node[XFER_NODE_LEN];
    char errbuf[CURL_ERROR_SIZE];
    /* token pool */
    struct curl_slist auth_node; /* the token header, ahead of the request's list */
    char *auth_line;             /* "Authorization: Bearer TOKEN", grown as needed */
    size_t auth_cap;
    size_t auth_prefix_len; /* bytes before the token */
    uint32_t auth_gen;
    struct curl_slist sig_node; /* a sign: header (reqsig.h) ahead of the token's */
    char *sig_line;             /* its text, REQSIG_LINE_MAX bytes once needed */
    size_t cert_app;            /* application whose certificate is set, or XFER_NO_APP */
    /* answer details */
    bool body_seen;
    bool peek_body; /* keep this answer's start: not a 2xx, or not expected */
    size_t peek_len;
    char peek[XFER_PEEK_BYTES];
    int retry_after_s;
    bool keep;            /* keep the answer (xfer_req.keep) */
    struct h1p_keep kept; /* ... here */
    /* templated requests */
    struct render_bufs rb;
    struct curl_slist *hnodes; /* [max headers + 1]: the request's list, rebuilt */
    int sock_errno;            /* errno of a socket() that failed for it, or 0 */
    struct xfer_tls_hook hook; /* the transport's CA store; cert_asked: a server asked
                                  for a client certificate it has not (xfer_easy.h) */
    /* a request that could not start, reported from the loop */
    struct slot *defer_next;
    const char *defer_error;
    bool defer_local;
};

struct xcurl {
    struct xfer base; /* ops: xcurl_ops */
    struct ev_loop *loop;
    const struct scenario *scn;
    struct mh *mhs;
    size_t n_mhs;
    CURLSH *share;
    struct slot *slots;
    size_t n_slots;
    size_t inflight;
    CURLU **urls;                /* [request * n_targets + target] */
    long *single_size;           /* [same]: smallest request size seen */
    struct curl_slist **headers; /* [request] */
    struct curl_slist *resolve;
    X509_STORE *store; /* the CAs, from the scenario's bytes (xfer_tls.h) */
    struct sockw *free_sockets;
    struct sockw *all_sockets;
    uint64_t rng;
    xfer_done_fn done;
    void *user;
    size_t node_header_len;
    struct auth_pool *auth;
    struct reqsig *sig;             /* requests' sign: headers, or NULL */
    bool *dynamic;                  /* [request]: has templates (render_needed) */
    char **url_prefix;              /* [target]: "scheme://host:port/base" */
    struct curl_slist **connect_to; /* [target]: CURLOPT_CONNECT_TO, or NULL */
    size_t max_headers;
    ev_timer defer_timer; /* reports what could not start (a zero delay) */
    struct slot *defer_head;
};

/* Easy handles made at start; the rest are made the first time the
 * concurrency reaches them (once per slot, never per request), so that a
 * generous in-flight bound costs no memory until it is used. */
#define XFER_PREPARED_HANDLES 64

/* CURLMOPT_TIMERFUNCTION: userp is the multi handle's struct mh. */
int xcurl_on_timer(CURLM *multi, long timeout_ms, void *userp);

/* The multi handle's timer fired (its data: the struct mh). */
void xcurl_on_ev_timer(struct ev_loop *loop, ev_timer *w, int revents);

/* CURLMOPT_SOCKETFUNCTION: userp is the multi handle's struct mh. */
int xcurl_on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp);

/* Makes slot sl's easy handle. Returns 0, or -1 (no memory). */
int xcurl_slot_prepare(struct slot *sl);

/* The transport's xfer_start. */
int xcurl_start(struct xfer *xb, size_t slot, const struct xfer_req *rq);

#endif
