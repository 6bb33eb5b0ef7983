/*
 * xfer_h2_int.h — the native HTTP/2 transport's state, shared by
 * xfer_h2.c (pools, deadlines, completions, starting), xfer_h2_io.c (a
 * connection's socket and TLS),
 * xfer_h2_sess.c (the nghttp2 session of a connection: requests as header
 * fields, the callbacks that read answers; no socket) and xfer_h2_setup.c
 * (creating, abandoning, freeing); and by the fuzz target
 * tests/fuzz/fuzz_h2sess.c, which feeds a connection's session without a
 * socket (h2_conn_detached, h2_conn_feed).
 */
#ifndef GATECAP_XFER_H2_INT_H
#define GATECAP_XFER_H2_INT_H

#include <ev.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "measure/recorder.h"
#include "net/h1parse.h"
#include "net/render.h"
#include "net/reqsig.h"
#include "net/xfer.h"
#include "net/xfer_h1_req.h"
#include "net/xfer_int.h"
#include "net/xfer_tls.h"

struct h2slot;
struct xh2;

/* Where a connection is in its life. */
enum h2cstate { H2C_CONNECTING, H2C_HANDSHAKE, H2C_OPEN };

/* A doubly linked list head (slots or connections). */
struct h2list {
    void *head, *tail;
};

struct h2conn {
    ev_io io; /* first: the watcher's address is the connection's */
    struct xh2 *x;
    nghttp2_session *sess;
    struct xfer_tls_conn tls; /* its ssl NULL on h2c */
    size_t pool;              /* target * n_ids + identity */
    size_t target;
    enum h2cstate state;
    size_t streams;                     /* requests on it */
    struct h2slot *s_first, *s_last;    /* those requests (h2slot.cs_prev/cs_next) */
    struct h2conn *all_prev, *all_next; /* every connection of the transport */
    struct h2conn *av_prev, *av_next;   /* its pool's connections with a free stream */
    bool in_avail;
    bool fresh;          /* one request, then closed (tls.conn_policy) */
    bool goaway;         /* no new stream: the server sent GOAWAY, or it failed */
    int32_t goaway_last; /* the GOAWAY's last stream id */
    uint32_t goaway_code;
    bool in_recv;       /* inside nghttp2_session_mem_recv or _mem_send (its callbacks
                           may run), or failing its requests: no send, no close */
    bool close_pending; /* close once out of the receive */
    bool proto_error;   /* nghttp2 ended the session for a protocol error */
    bool settings_seen; /* the server's first SETTINGS came: its stream limit is known */
    int64_t conn_deadline_ns;
    bool in_cq;
    struct h2conn *cq_prev, *cq_next; /* connect-timeout FIFO */
    uint8_t *pbuf; /* [pcap] bytes the socket did not take yet: plen from poff (owned) */
    size_t plen, poff, pcap;
    char perr[160]; /* nghttp2's message for a protocol error */
};

#define H2_NV_FIXED 4 /* :method :scheme :authority :path */

struct h2slot {
    struct xh2 *x;
    size_t index;
    bool busy;
    bool waiting; /* for a stream (xfer_result.stream_wait) */
    bool stream_wait;
    size_t request, target, app, pool;
    struct h2conn *conn;
    struct h2slot *cs_prev, *cs_next; /* its connection's requests */
    int32_t stream_id;                /* 0 before it is submitted */
    /* the request */
    struct h1req out;     /* HTTP/1.1 bytes it was built as (xfer_h1_req.h) */
    const nghttp2_nv *nv; /* its header fields: nv_own, or a static request's */
    size_t nv_len;
    nghttp2_nv *nv_own; /* [xh2.nv_max], made when first needed, pointing into wbuf */
    const char *body;
    size_t body_len, body_off;
    /* timings (ns) and counts */
    int64_t sent_ns, connected_ns, tls_ns, write_ns, first_byte_ns;
    int64_t req_deadline_ns;
    bool new_conn;
    int64_t bytes_sent, bytes_received;
    struct h2slot *rq_prev, *rq_next; /* request-timeout FIFO */
    bool in_rq;
    struct h2slot *wt_prev, *wt_next; /* its pool's waiters */
    struct h2slot *defer_next;        /* failure reported from the loop */
    enum rec_outcome defer_outcome;
    bool local;
    uint32_t auth_gen;
    /* the answer */
    int status;   /* final status, 0 until one came */
    bool interim; /* the header block being read is a 1xx */
    bool ended;   /* END_STREAM from the server */
    bool rst;     /* RST_STREAM from the server */
    uint32_t rst_code;
    bool peek; /* the body's start is kept (not 2xx, or peek_2xx) */
    bool keep; /* the whole answer is kept (xfer_req.keep) */
    size_t body_limit;
    int retry_after_s;
    size_t node_len;
    size_t peek_len;
    char node[XFER_NODE_LEN];
    char peek_buf[XFER_PEEK_BYTES];
    struct h1p_keep kept;
    struct tpl_buf wbuf; /* this slot's request bytes, when built per request */
    struct render_bufs rb;
    char err[256];
};

/* A request without anything per request, made once per node. */
struct h2static {
    struct h1req out;
    nghttp2_nv *nv; /* [nv_len], pointing into its bytes */
    size_t nv_len;
    const char *body;
    size_t body_len;
};

/* One node's address. */
struct xh2 {
    struct xfer base; /* ops: xh2_ops */
    struct ev_loop *loop;
    const struct scenario *scn;
    struct auth_pool *auth;
    struct reqsig *sig;
    char sig_line[REQSIG_LINE_MAX];
    xfer_done_fn done;
    void *user;
    uint64_t rng;
    struct h2slot *slots;
    size_t n_slots;
    size_t inflight;
    struct xfer_native nv;                  /* as xh1's */
    struct xfer_tls_client tls;             /* as xh1's; ALPN "h2" only */
    struct h2conn **avail;                  /* [pools]: connections with a free stream */
    struct h2slot **wait_head, **wait_tail; /* [pools]: requests waiting for a stream */
    size_t *conns;                          /* [pools]: connections open */
    size_t conn_cap;    /* connections per pool (http2.connections share); 0: no cap */
    struct h2conn *all; /* every connection */
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
    struct tpl_buf *static_reqs;      /* [request * n_targets + target]: as xh1's */
    struct h2static *statics;         /* [same]: those requests as header fields */
    size_t nv_max;                    /* header fields any request may have */
    struct h2slot *rq_head, *rq_tail; /* request-timeout FIFO, in start order */
    struct h2conn *cq_head, *cq_tail; /* connect-timeout FIFO */
    ev_timer deadline;
    ev_timer defer_timer;
    struct h2slot *defer_head;
    bool starting;
    int64_t armed_ns;
    int64_t request_timeout_ns, connect_timeout_ns;
    size_t node_header_len;
    uint8_t rbuf[16384];
};

/* ---- xfer_h2_sess.c: the session, no socket */

/* The callbacks every session uses (*out owned, nghttp2_session_callbacks_del). */
int h2_sess_callbacks(nghttp2_session_callbacks **out);

/* Makes c's client session: our SETTINGS (no push, 2^30-1 initial
 * window) and the connection window opened to 2^30-1. 0, or -1. */
int h2_sess_new(struct h2conn *c);

/* Converts HTTP/1.1 request bytes (head, as h1req_build made them; names
 * lowercased in place) into header fields for scheme: :method, :scheme,
 * :authority (from Host), :path, then the rest but the connection-
 * specific ones. nv has room for cap. *body and *body_len: the body (inlined
 * behind the head or apart). Returns the count, or -1 when malformed. */
long h2_sess_nv(struct h1req *out, const char *scheme, nghttp2_nv *nv, size_t cap,
                const char **body, size_t *body_len);

/* Submits slot s's request on its connection (s->conn). Returns 0, or -1
 * with the reason in s->err. */
int h2_sess_submit(struct h2slot *s);

/* Feeds n received bytes to c's session (the callbacks report what ends);
 * then fails c's requests if the session ended for a protocol error.
 * Returns 0, or -1 when c is finished (its requests failed; the caller
 * closes it). */
int h2_conn_feed(struct h2conn *c, const uint8_t *buf, size_t n);

/* ---- xfer_h2.c */

/* Ends s's request with outcome oc (s->err: its message, empty for an
 * answer): its stream forgets it, its connection takes another request
 * (a waiter first), then the completion is reported. */
void h2_complete(struct h2slot *s, enum rec_outcome oc);

/* Fails every request on c (oc, message naming the node) and marks it
 * gone: no new stream. */
void h2_conn_fail(struct h2conn *c, enum rec_outcome oc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Closes c (watcher, session, TLS, socket) and frees it: c has no
 * request. */
void h2_conn_close(struct h2conn *c);

/* A connection of pool `pool` without socket or TLS for the fuzz target:
 * its session made, bytes it sends dropped. NULL when memory ran out. */
struct h2conn *h2_conn_detached(struct xh2 *x, size_t pool);

/* Starts slot `slot` on connection c at once (the fuzz target). */
int h2_start_on(struct xh2 *x, size_t slot, const struct xfer_req *rq, struct h2conn *c);

/* xfer_start; the deadline and deferred-failure timers' callbacks. */
int h2_start(struct xfer *xb, size_t slot, const struct xfer_req *rq);
void h2_on_deadline(struct ev_loop *loop, ev_timer *w, int revents);
void h2_on_defer(struct ev_loop *loop, ev_timer *w, int revents);

/* Closes c and frees it (as h2_conn_close); redispatch: requests waiting
 * in its pool may take the room it leaves. */
void h2_conn_close_r(struct h2conn *c, bool redispatch);

/* After c's streams or limits changed: c back among its pool's
 * connections with room (waiters started), or closed (closing pending
 * inside a receive) when it has no use left. */
void h2_conn_update(struct h2conn *c);

/* Takes c off the connect-timeout FIFO. */
void h2_cq_drop(struct h2conn *c);

/* ---- xfer_h2_io.c */

/* Writes what c's session has to send (not inside its receive); then
 * watches c for reading (and writing while bytes are left). c may be
 * closed (a write failed, the session is over). */
void h2_conn_flush(struct h2conn *c);

/* Watches c for events (EV_READ, EV_WRITE). */
void h2_conn_events(struct h2conn *c, int events);

/* A connection's watcher callback. */
void h2_on_io(struct ev_loop *loop, ev_io *w, int revents);

/* Takes s off every list it is on (timeouts, waiters, its connection). */
void h2_unlink_slot(struct h2slot *s);

/* Sets up slot s's request (bytes, header fields). 0, or -1 with s->err. */
int h2_prepare(struct xh2 *x, struct h2slot *s, const struct xfer_req *rq);

#endif
