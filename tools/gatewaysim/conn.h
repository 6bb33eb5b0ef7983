/*
 * conn.h — one client connection of the gateway simulator: non-blocking
 * plain or TLS socket, receive and send buffers, incremental HTTP/1.1
 * parsing with pipelining, keep-alive, graceful close and resets.
 *
 * A connection carries at most one request at a time: the next pipelined
 * request is parsed only after the response to the previous one has been
 * handed to the kernel, which keeps responses in order. The server (see
 * server.h) decides what to answer; this module moves bytes.
 *
 * HTTP/2 (h2.h): a connection that speaks HTTP/2 carries many requests at
 * once, each on a stream that is a gsconn of its own without a socket
 * (gsconn_stream_new); to the server a stream looks like a connection
 * with one request.
 *
 * Lifetime: gsconn_accept creates (owned by the pool), gsconn_close /
 * gsconn_reset end it. Callbacks may close a connection that a caller up
 * the stack still uses, so every entry point brackets its work with
 * gsconn_hold / gsconn_release; the memory goes back to the pool when the
 * last holder releases it.
 */
#ifndef GATEWAYSIM_CONN_H
#define GATEWAYSIM_CONN_H

#include <ev.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "http.h"
#include "token.h"

struct gssrv;
struct gsh2;

/* Seconds on CLOCK_MONOTONIC. */
static inline double gs_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Milliseconds since the epoch (CLOCK_REALTIME): token times travel
 * between processes. */
static inline uint64_t gs_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Microseconds since the epoch (CLOCK_REALTIME): token times, fine
 * enough that a token issued after a revocation is never taken for one
 * issued before it. */
static inline uint64_t gs_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

enum gsconn_state {
    GSCONN_READING,    /* no request: reading and parsing */
    GSCONN_QUEUED,     /* request waits for a worker (or for a stall to end) */
    GSCONN_SERVICE,    /* request holds a worker; timer runs */
    GSCONN_DELAY,      /* worker released; extra (slow) delay timer runs */
    GSCONN_RESPONDING, /* response being written */
    GSCONN_CLOSING,    /* response sent, write side shut; draining until EOF */
};

/* Which server list the connection is on (queue or timers). */
enum gsconn_list { GSCONN_LIST_NONE, GSCONN_LIST_QUEUE, GSCONN_LIST_ACTIVE };

struct gsconn {
    struct gssrv *srv;
    struct gsconn_pool *pool;
    int fd;
    SSL *ssl; /* NULL for plain HTTP */
    bool handshake_done;
    ev_io io;
    int io_events;
    bool read_wants_write; /* TLS: SSL_read asked for writability */
    bool write_wants_read; /* TLS: SSL_write asked for readability */

    struct gsbuf in;
    struct gsbuf out;
    size_t filler_left; /* body bytes still to send from the filler pattern */
    char tail[8];       /* bytes after the filler (end of a JSON body) */
    size_t tail_len, tail_off;

    /* the current request (valid unless state is READING/CLOSING) */
    struct gshttp_req req;
    size_t req_wire_bytes; /* head + body as received (consumed when answered) */
    size_t body_bytes;     /* decoded body length; body at in.data+in.off+req.head_bytes */
    bool continue_sent;
    bool keep_alive; /* false: close after this response */
    enum gsconn_state state;
    bool read_eof;
    bool closing_now; /* close after the current flush */

    /* server-side bookkeeping for the request */
    int route;
    int path_idx;
    bool admitted;
    double t_arrive_s;    /* request parsed (monotonic) */
    double t_service_s;   /* service began (model time, see start_service) */
    double svc_s;         /* drawn service time x USL factor */
    double tq_deadline_s; /* timerq.c: when service or delay ends */
    long tq_index;        /* timerq.c: heap slot, -1 when not scheduled */
    double timer_left_s;  /* while stalled */
    int status;           /* decided outcome */
    int api_status;       /* what its API route answers (gsapi_route): 2xx */
    int journey;          /* enum gsjourney_step of a journey route, else 0 */
    bool fault_reset;
    int tok_status;          /* enum gstok_status of the Bearer token at arrival */
    struct gstok_claims tok; /* valid unless tok_status is GSTOK_INVALID */
    uint64_t tok_key;        /* per-token limiter key */
    int client_idx;          /* per-client counters: index or GSSTATS_CLIENT_SKIP */
    int throttle_code;       /* WSO2 code of a 429 answer, else 0 */
    enum gsconn_list list;
    struct gsconn *lnext, *lprev; /* queue / active list */

    /* HTTP/2 (h2.h) */
    bool proto_known;         /* HTTP/1.1 or HTTP/2 decided from the first bytes */
    struct gsh2 *h2;          /* an HTTP/2 connection's session (owned), else NULL */
    struct gsconn *h2_parent; /* a stream: its connection (borrowed); NULL otherwise */
    int32_t h2_id;            /* a stream: its id */
    struct gshttp_span h2_method, h2_path, h2_authority; /* pseudo-headers, in out */
    bool h2_line_done;                                   /* the request line is written into in */
    bool h2_dispatched;                                  /* the request went to the server */
    bool h2_gone;        /* nghttp2 closed the stream (or the connection ended) */
    size_t h2_body_seen; /* request body bytes received (kept up to max_body_bytes) */

    bool processing; /* inside gsconn_process */
    double last_active_s;
    double linger_until_s;
    int busy;
    bool dead;
    struct gsconn *next, *prev; /* all open connections, or the free list */
};

/* What a connection tells its server, which decides what to answer: the
 * server gives these at gsconn_pool_init, so this module knows no server. */
struct gsconn_events {
    /* A complete request is in c->req (state GSCONN_QUEUED). */
    void (*on_request)(struct gssrv *s, struct gsconn *c);
    /* The bytes in c->in are not a valid request; answer status and close. */
    void (*on_bad_request)(struct gssrv *s, struct gsconn *c, int status);
    /* c is being closed (for whatever reason); forget its request. */
    void (*on_conn_end)(struct gssrv *s, struct gsconn *c);
    /* A TLS handshake finished (ok) or failed. */
    void (*on_tls_handshake)(struct gssrv *s, bool ok);
    /* Writing a response failed (client gone). */
    void (*on_write_failed)(struct gssrv *s, struct gsconn *c);
};

struct gsconn_pool {
    struct ev_loop *loop;
    const struct gsconn_events *ev; /* borrowed */
    struct gsconn *open;            /* doubly linked */
    struct gsconn *free;            /* singly linked through next */
    int n_open;
    int n_free;
    size_t max_head_bytes;
    size_t max_body_bytes;
};

/* Sets up an empty pool (no allocation). */
void gsconn_pool_init(struct gsconn_pool *p, struct ev_loop *loop, size_t max_body_bytes,
                      const struct gsconn_events *ev);

/* Closes every open connection (no callbacks) and frees all memory. */
void gsconn_pool_free(struct gsconn_pool *p);

/* Wraps an accepted, non-blocking socket fd (taken: closed on failure).
 * ssl_ctx NULL = plain HTTP. Starts reading. Returns the connection
 * (owned by the pool) or NULL on out-of-memory / TLS set-up failure. */
struct gsconn *gsconn_accept(struct gsconn_pool *p, struct gssrv *srv, int fd, SSL_CTX *ssl_ctx);

/* A new stream of the HTTP/2 connection parent: a gsconn without a socket
 * (owned by the pool; freed by gsconn_close / gsconn_reset, which end the
 * stream). Returns NULL when out of memory. */
struct gsconn *gsconn_stream_new(struct gsconn *parent);

/* Frees a stream at once, without callbacks (when the pool is torn down). */
void gsconn_stream_free(struct gsconn *st);

/* The stream st has its whole request in st->in (HTTP/1.1 form): frames
 * and dispatches it (or answers it with an error status). */
void gsconn_stream_request(struct gsconn *st);

/* Writes what c (an HTTP/2 connection) has to send, producing frames. */
void gsconn_send_more(struct gsconn *c);

/* Parses and dispatches buffered pipelined requests and reads more, until
 * a request is in progress or the socket would block. */
void gsconn_process(struct gsconn *c);

/* Starts a response: status line, X-Gateway-Node (node_header is a
 * complete "Name: value\r\n" line), Content-Type (NULL: none),
 * Content-Length, Connection: close when the connection will close, and
 * extra_headers (complete lines or NULL). The caller appends the body to
 * c->out (and/or sets filler_left/tail) and calls gsconn_respond_end.
 * Returns 0 or -ENOMEM. */
int gsconn_respond_begin(struct gsconn *c, const char *node_header, int status, const char *ctype,
                         size_t content_length, const char *extra_headers);

/* Finishes a response: consumes the request, writes what it can, and
 * continues with the next pipelined request once everything is sent. */
void gsconn_respond_end(struct gsconn *c);

/* Start of a span of the current request. */
static inline const char *gsconn_at(const struct gsconn *c, struct gshttp_span sp)
{
    return c->in.data + c->in.off + sp.off;
}

/* The current request's body (body_bytes long). */
static inline const char *gsconn_body(const struct gsconn *c)
{
    return c->in.data + c->in.off + c->req.head_bytes;
}

/* Did the client present a certificate that verified against the
 * server's client CA (mutual TLS)? False on plain HTTP. */
bool gsconn_client_cert_verified(const struct gsconn *c);

/* Aborts with a TCP reset (SO_LINGER 0) and frees the connection. */
void gsconn_reset(struct gsconn *c);

/* Closes at once (FIN) and frees the connection. */
void gsconn_close(struct gsconn *c);

/* Pins c across calls that may close it. */
static inline void gsconn_hold(struct gsconn *c)
{
    c->busy++;
}

/* Unpins; frees c when it was closed meanwhile. */
void gsconn_release(struct gsconn *c);

/* Closes idle keep-alive connections (idle longer than idle_s) and
 * lingering closes past their deadline; returns how many idle ones were
 * closed. Call about once a second. */
int gsconn_sweep(struct gsconn_pool *p, double now_s, double idle_s);

#endif
