/*
 * xfer_h1_int.h — the native transport's state, shared by xfer_h1.c (the
 * request path: connections, I/O, deadlines, completions) and
 * xfer_h1_setup.c (creating, abandoning and freeing it) only.
 */
#ifndef GATECAP_XFER_H1_INT_H
#define GATECAP_XFER_H1_INT_H

#include <ev.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "measure/recorder.h"
#include "net/h1parse.h"
#include "net/render.h"
#include "net/xfer.h"
#include "net/reqsig.h"
#include "net/xfer_h1_req.h"
#include "net/xfer_int.h"
#include "net/xfer_tls.h"

struct h1slot;
struct xh1;

/* Where a connection is in its life. */
enum cstate { C_CONNECTING, C_HANDSHAKE, C_WRITING, C_READING, C_IDLE };

struct h1conn {
    ev_io io; /* first: the watcher's address is the connection's */
    struct xh1 *x;
    struct h1slot *slot;      /* request on it; NULL when idle */
    struct xfer_tls_conn tls; /* its ssl NULL on plain HTTP */
    size_t pool;              /* index of its idle stack: target * n_ids + identity */
    enum cstate state;
    struct h1conn *prev, *next; /* idle stack links */
};

/* A doubly linked FIFO of slots by deadline (all share one timeout). */
struct fifo {
    struct h1slot *head, *tail;
};

struct h1slot {
    struct xh1 *x;
    size_t index;
    bool busy;
    bool fresh; /* close the connection after this request */
    bool new_conn;
    struct h1conn *conn;
    size_t request, target, app;
    struct h1req out; /* what to write */
    size_t out_off;   /* bytes of head + body written */
    int64_t sent_ns, connected_ns, tls_ns, write_ns, first_byte_ns;
    int64_t req_deadline_ns, conn_deadline_ns;
    struct h1slot *rq_prev, *rq_next; /* request-timeout FIFO */
    struct h1slot *cq_prev, *cq_next; /* connect-timeout FIFO */
    bool in_rq, in_cq;
    struct h1slot *defer_next; /* failure reported from the loop */
    enum rec_outcome defer_outcome;
    bool local; /* failed for want of a local resource (xfer_result.local) */
    uint32_t auth_gen;
    struct h1p parser;
    struct h1p_keep keep; /* the answer, for a request that keeps it (xfer_req.keep) */
    struct tpl_buf wbuf;  /* this slot's request bytes, when built per request */
    struct render_bufs rb;
    char err[256];
};

/* One node's address. */
struct xh1 {
    struct xfer base; /* ops: xh1_ops */
    struct ev_loop *loop;
    const struct scenario *scn;
    struct auth_pool *auth;
    struct reqsig *sig;             /* requests' sign: headers (reqsig.h), or NULL */
    char sig_line[REQSIG_LINE_MAX]; /* one request's, copied into its bytes at once */
    xfer_done_fn done;
    void *user;
    uint64_t rng;
    struct h1slot *slots;
    size_t n_slots;
    size_t inflight;
    struct xfer_native nv;       /* node addresses and base paths; requests' templating */
    struct xfer_tls_client tls;  /* identities, context, sessions: per pool (node × identity) */
    struct h1conn **idle;        /* [tls.n_pools]: idle stacks */
    struct tpl_buf *static_reqs; /* [request * n_targets + target]: bytes of requests without
                                    anything per request (empty otherwise) */
    struct h1req *static_out;    /* [same] */
    struct fifo rq_fifo, cq_fifo;
    ev_timer deadline; /* the earliest head of the two FIFOs */
    ev_timer defer_timer;
    struct h1slot *defer_head;
    bool starting;    /* inside xfer_start */
    int64_t armed_ns; /* when the deadline timer fires, while active */
    int64_t request_timeout_ns, connect_timeout_ns;
    size_t node_header_len;
    char rbuf[16384]; /* every read lands here; parsed at once */
};

/* Closes c (its watcher, TLS, socket) and frees it. */
void h1_conn_close(struct h1conn *c);

/* Takes s off the deadline lists it is on. */
void h1_unlink_slot(struct h1slot *s);

/* The deadline timer's and the deferred-failure timer's callbacks. */
void h1_on_deadline(struct ev_loop *loop, ev_timer *w, int revents);
void h1_on_defer(struct ev_loop *loop, ev_timer *w, int revents);

/* xfer_start of the native transport. */
int h1_start(struct xfer *xb, size_t slot, const struct xfer_req *rq);

#endif
