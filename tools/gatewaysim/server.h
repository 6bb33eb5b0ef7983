/*
 * server.h — one simulated gateway node: listeners, the worker/queue model
 * of capacity, stalls, fault injection, and the hooks conn.c calls.
 *
 * Capacity model (docs/gatewaysim.md has the formulas): an API request
 * that passes authentication and throttling takes one of W workers (W = 0:
 * unlimited) for a service time drawn from the configured distribution,
 * multiplied by the USL factor 1 + alpha(N-1) + beta N(N-1) where N is the
 * number of requests in service including itself. Requests that find all
 * workers busy wait in one FIFO queue. Everything runs on one libev loop:
 * service times are deadlines in a timerfd-driven heap (timerq.h), not
 * threads.
 */
#ifndef GATEWAYSIM_SERVER_H
#define GATEWAYSIM_SERVER_H

#include <ev.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "assertion.h"
#include "cfg.h"
#include "conn.h"
#include "rng.h"
#include "stats.h"
#include "throttle.h"
#include "timerq.h"
#include "token.h"

enum gsroute {
    GSROUTE_API,        /* echo, --route, journey: service time, faults, auth, throttling */
    GSROUTE_TOKEN,      /* POST /oauth2/token: no worker; --token-delay, --token-error-rate */
    GSROUTE_NOT_FOUND,  /* no such API */
    GSROUTE_BAD_METHOD, /* API exists, method does not */
    GSROUTE_CONTROL,    /* /_sim/...: never delayed, faulted or counted as requests */
};

struct gssrv_listener {
    struct gssrv *srv;
    int fd; /* -1 when closed */
    ev_io io;
    bool tls;
    int port;
};

struct gssrv {
    struct ev_loop *loop;
    struct gscfg cfg; /* runtime part changed by the control endpoint */
    SSL_CTX *ssl_ctx;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    struct gssrv_listener lis[2]; /* HTTP, HTTPS */
    struct gsconn_pool pool;

    ev_timer sweep_timer;
    ev_timer stall_timer; /* periodic stall schedule */
    ev_timer stall_end_timer;
    ev_timer accept_pause_timer;
    ev_timer refuse_timer; /* ends --refuse after --refuse-for */
    ev_signal sig_term, sig_int;
    int stop_signal;

    struct gsconn *q_head, *q_tail; /* FIFO of waiting requests */
    int q_len;
    struct gstq timers;    /* service and slow-delay deadlines */
    struct gsconn *active; /* requests in service or delayed */
    int in_service;
    int delayed;
    bool stalled;
    double stall_until_s;
    bool pumping;
    double worker_free_at_s; /* when the worker just released was due free */

    struct gsrng rng;
    struct gsrng_fault f_error, f_reset, f_slow, f_token;
    struct gsrng_fault f_journey;   /* consents refused (--journey-refuse) */
    struct gsrng_fault f_h2_refuse; /* HTTP/2 streams refused (--h2-refuse-rate) */
    double throttle_origin_s;       /* throttle windows count from here (start, reset) */
    struct gsthr node_limit;
    struct gsthr app_limits[GSCFG_MAX_APPS]; /* by index in cfg.apps */
    struct gstok_table tokens;
    struct gsjti_cache jti_seen; /* client assertions' jti (assertion.h) */
    uint64_t revoked_before_us;  /* token clock */
    uint64_t clock_advance_us;   /* token clock = wall clock + this (advance_clock) */
    struct gsstats stats;
    double started_s;
    char node_header[200]; /* "X-Gateway-Node: NAME\r\n" */
    struct gsbuf scratch;  /* response bodies are built here, then copied */
};

/* Sets up the node: TLS context, listeners, timers, signal watchers on
 * loop. cfg is copied. Returns 0 or a negative errno with a message in
 * err naming the file, address or port and what to do. */
int gssrv_init(struct gssrv *s, struct ev_loop *loop, const struct gscfg *cfg, char *err,
               size_t errlen);

/* Closes listeners and connections, stops watchers, frees everything. */
void gssrv_free(struct gssrv *s);

/* The clock tokens are issued and judged by: the wall clock (µs since the
 * epoch, as token times travel between nodes) moved forward by every
 * advance_clock so far, so a test can expire tokens without waiting. */
static inline uint64_t gssrv_token_clock_us(const struct gssrv *s)
{
    return gs_wall_us() + s->clock_advance_us;
}

/* Zeroes the counters of /_sim/stats and starts every throttling window
 * (node, application, token) anew from now. */
void gssrv_reset_stats(struct gssrv *s);

/* Applies one runtime setting (control endpoint), with its side effects
 * (re-opening listeners, re-arming stalls, starting queued requests).
 * Returns 0 or negative errno with a message in err. */
int gssrv_set(struct gssrv *s, const char *key, const char *val, char *err, size_t errlen);

/* Pauses all processing for dur_s seconds from now (extends a running
 * stall). */
void gssrv_stall(struct gssrv *s, double dur_s);

/* Appends the stats JSON document. Returns 0 or -ENOMEM. */
int gssrv_stats_json(struct gssrv *s, struct gsbuf *out);

/* Counts c's request with status (not for control requests) and sends the
 * response the caller built in c->out. */
void gssrv_finish(struct gssrv *s, struct gsconn *c, int status);

#endif
