/*
 * server.c — the worker/queue capacity model, stalls and fault injection
 * of one simulated gateway node, its setting and statistics (see
 * server.h; its listeners: listen.c).
 */
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "journey.h"
#include "listen.h"

static void pump(struct gssrv *s);
static void start_service(struct gssrv *s, struct gsconn *c);
static void timer_fire(void *ctx, struct gsconn *c);

/* ---- lists ------------------------------------------------------------ */

static void queue_push(struct gssrv *s, struct gsconn *c)
{
    c->list = GSCONN_LIST_QUEUE;
    c->lnext = NULL;
    c->lprev = s->q_tail;
    if (s->q_tail)
        s->q_tail->lnext = c;
    else
        s->q_head = c;
    s->q_tail = c;
    s->q_len++;
    if ((uint64_t)s->q_len > s->stats.max_queue)
        s->stats.max_queue = (uint64_t)s->q_len;
}

static void active_push(struct gssrv *s, struct gsconn *c)
{
    c->list = GSCONN_LIST_ACTIVE;
    c->lprev = NULL;
    c->lnext = s->active;
    if (s->active)
        s->active->lprev = c;
    s->active = c;
}

static void list_remove(struct gssrv *s, struct gsconn *c)
{
    if (c->list == GSCONN_LIST_NONE)
        return;
    if (c->lnext)
        c->lnext->lprev = c->lprev;
    if (c->lprev)
        c->lprev->lnext = c->lnext;
    if (c->list == GSCONN_LIST_QUEUE) {
        if (s->q_head == c)
            s->q_head = c->lnext;
        if (s->q_tail == c)
            s->q_tail = c->lprev;
        s->q_len--;
    } else if (s->active == c) {
        s->active = c->lnext;
    }
    c->lnext = c->lprev = NULL;
    c->list = GSCONN_LIST_NONE;
}

/* ---- requests: admission, service, completion ------------------------- */

static bool have_worker(const struct gssrv *s)
{
    return s->cfg.workers == 0 || s->in_service < s->cfg.workers;
}

void gssrv_finish(struct gssrv *s, struct gsconn *c, int status)
{
    if (c->route != GSROUTE_CONTROL) {
        gsstats_count(&s->stats, c->path_idx, c->client_idx, gsstats_class(status), status);
        if (status == 429 && c->throttle_code)
            gsstats_throttled(&s->stats, c->throttle_code);
    }
    gsconn_respond_end(c);
}

/* Holds c's answer until until_s without a worker (a --slow response or
 * a --token-delay). Returns false when out of memory (answer now). */
static bool delay_start(struct gssrv *s, struct gsconn *c, double until_s)
{
    c->state = GSCONN_DELAY;
    s->delayed++;
    active_push(s, c);
    if (s->stalled) {
        c->timer_left_s = until_s - gs_mono_s(); /* counts when the stall ends */
        return true;
    }
    if (gstq_add(&s->timers, c, until_s)) {
        list_remove(s, c);
        s->delayed--;
        c->state = GSCONN_RESPONDING;
        return false;
    }
    return true;
}

/* Admits a request (stall over): answers non-API routes at once (token
 * requests after --token-delay), runs the API pre-checks, then takes a
 * worker or queues. */
static void admit(struct gssrv *s, struct gsconn *c)
{
    c->admitted = true;
    if (c->route != GSROUTE_API) {
        if (c->route == GSROUTE_TOKEN && s->cfg.token_delay_s > 0 &&
            delay_start(s, c, gs_mono_s() + s->cfg.token_delay_s))
            return;
        gsapi_answer_other(s, c);
        return;
    }
    if (gsapi_precheck(s, c))
        return;
    if (have_worker(s))
        start_service(s, c);
    else
        queue_push(s, c);
}

/* The request leaves its worker (or had none): decide the answer. */
static void complete(struct gssrv *s, struct gsconn *c)
{
    /* holds nothing any more: the close hook must not undo anything */
    c->state = GSCONN_RESPONDING;
    if (c->route != GSROUTE_API) {
        gsapi_answer_other(s, c); /* a token request after its delay */
        return;
    }
    if (c->fault_reset) {
        gsstats_count(&s->stats, c->path_idx, c->client_idx, GSSTATS_RESET, 0);
        gsconn_reset(c);
        return;
    }
    gsapi_answer(s, c, c->status);
}

/* c's service ended; its worker was due free at end_s (the deadline,
 * even when the loop noticed a little later). */
static void service_done(struct gssrv *s, struct gsconn *c, double end_s)
{
    list_remove(s, c);
    s->in_service--;
    c->state = GSCONN_RESPONDING; /* worker released; see complete() */
    s->stats.service_n++;
    s->stats.service_sum_s += c->svc_s;
    if (c->svc_s > s->stats.service_max_s)
        s->stats.service_max_s = c->svc_s;

    const struct gscfg *cfg = &s->cfg;
    c->status = c->api_status;
    c->fault_reset = gsrng_fault_hit(&s->rng, &s->f_reset, cfg->fault_spacing, cfg->reset_rate);
    if (!c->fault_reset &&
        gsrng_fault_hit(&s->rng, &s->f_error, cfg->fault_spacing, cfg->error_rate))
        c->status = cfg->error_status;
    bool slow =
        cfg->slow_s > 0 && gsrng_fault_hit(&s->rng, &s->f_slow, cfg->fault_spacing, cfg->slow_rate);

    /* Free the worker for the head of the queue before this connection
     * goes on to its next pipelined request: FIFO stays fair. */
    gsconn_hold(c);
    s->worker_free_at_s = end_s;
    pump(s);
    s->worker_free_at_s = 0;
    if (!c->dead) {
        if (!slow || !delay_start(s, c, end_s + cfg->slow_s))
            complete(s, c); /* out of memory: no delay then */
    }
    gsconn_release(c);
}

/* A service or slow delay ended (timerq callback). */
static void timer_fire(void *ctx, struct gsconn *c)
{
    struct gssrv *s = ctx;
    gsconn_hold(c);
    if (c->state == GSCONN_SERVICE) {
        service_done(s, c, c->tq_deadline_s);
    } else if (c->state == GSCONN_DELAY) {
        list_remove(s, c);
        s->delayed--;
        c->state = GSCONN_RESPONDING;
        complete(s, c);
    }
    gsconn_release(c);
}

static void start_service(struct gssrv *s, struct gsconn *c)
{
    const struct gscfg *cfg = &s->cfg;
    double now = gs_mono_s();
    /* A request taking a worker that was just released starts when that
     * worker was due free (or when it arrived, if later), not when the
     * loop got round to it: wake-up latency must not stretch the
     * planted service times, or saturation would fall below W/S. */
    double start = now;
    if (s->worker_free_at_s > 0) {
        if (s->worker_free_at_s > c->t_arrive_s)
            start = s->worker_free_at_s < now ? s->worker_free_at_s : now;
        else
            start = c->t_arrive_s;
        s->worker_free_at_s = 0; /* one worker, one request */
    }
    double wait = start - c->t_arrive_s;
    s->stats.wait_sum_s += wait;
    if (wait > s->stats.wait_max_s)
        s->stats.wait_max_s = wait;
    s->in_service++;
    c->state = GSCONN_SERVICE;
    c->t_service_s = start;
    double n = s->in_service;
    double svc = gsrng_service_s(&s->rng, cfg->dist, cfg->service_mean_s, cfg->service_spread_s);
    svc *= 1.0 + cfg->usl_alpha * (n - 1) + cfg->usl_beta * n * (n - 1);
    c->svc_s = svc;
    if (start + svc <= now) {
        service_done(s, c, start + svc);
        return;
    }
    active_push(s, c);
    if (s->stalled) {
        c->timer_left_s = svc; /* starts counting when the stall ends */
        return;
    }
    if (gstq_add(&s->timers, c, start + svc))
        service_done(s, c, now); /* out of memory: no service time then */
}

/* Starts queued requests while workers are free and no stall holds them.
 * Re-entrant calls (a request finishing synchronously inside) return at
 * once; the outer loop picks up whatever they freed. */
static void pump(struct gssrv *s)
{
    if (s->pumping)
        return;
    s->pumping = true;
    while (!s->stalled && s->q_head) {
        struct gsconn *c = s->q_head;
        if (c->admitted || c->route == GSROUTE_API) {
            if (!have_worker(s))
                break;
        }
        list_remove(s, c);
        gsconn_hold(c);
        if (c->admitted)
            start_service(s, c);
        else
            admit(s, c);
        gsconn_release(c);
    }
    s->pumping = false;
}

static void gssrv_on_request(struct gssrv *s, struct gsconn *c)
{
    c->t_arrive_s = gs_mono_s();
    c->route = gsapi_route(s, c);
    c->admitted = false;
    c->fault_reset = false;
    c->list = GSCONN_LIST_NONE;
    c->client_idx = GSSTATS_CLIENT_SKIP;
    c->throttle_code = 0;
    if (c->route == GSROUTE_CONTROL) {
        s->stats.control_requests++;
        gsapi_control(s, c);
        return;
    }
    if (c->journey == GSJOURNEY_POLL) /* one entry for every payment id */
        c->path_idx =
            gsstats_path_index(&s->stats, GSJOURNEY_POLL_PATH, sizeof GSJOURNEY_POLL_PATH - 1);
    else
        c->path_idx = gsstats_path_index(&s->stats, gsconn_at(c, c->req.path), c->req.path.len);
    if (c->route == GSROUTE_API)
        gsapi_identify(s, c);
    if (s->stalled || s->q_head) {
        /* behind a stall, or behind others waiting: keep FIFO order */
        if (!s->stalled && c->route != GSROUTE_API) {
            admit(s, c);
            return;
        }
        queue_push(s, c);
        return;
    }
    admit(s, c);
}

static void gssrv_on_bad_request(struct gssrv *s, struct gsconn *c, int status)
{
    c->route = GSROUTE_NOT_FOUND;
    c->path_idx = GSSTATS_PATH_BAD;
    c->client_idx = GSSTATS_CLIENT_SKIP;
    c->throttle_code = 0;
    c->keep_alive = false;
    c->req.minor = 1;
    c->state = GSCONN_RESPONDING;
    gsapi_bad_request(s, c, status);
}

static void gssrv_on_conn_end(struct gssrv *s, struct gsconn *c)
{
    bool counted_route = c->route != GSROUTE_CONTROL;
    switch (c->state) {
    case GSCONN_QUEUED:
        list_remove(s, c);
        if (counted_route)
            gsstats_count(&s->stats, c->path_idx, c->client_idx, GSSTATS_ABORTED, 0);
        break;
    case GSCONN_SERVICE:
        gstq_remove(&s->timers, c);
        list_remove(s, c);
        s->in_service--;
        if (counted_route)
            gsstats_count(&s->stats, c->path_idx, c->client_idx, GSSTATS_ABORTED, 0);
        c->state = GSCONN_READING;
        pump(s);
        break;
    case GSCONN_DELAY:
        gstq_remove(&s->timers, c);
        list_remove(s, c);
        s->delayed--;
        if (counted_route)
            gsstats_count(&s->stats, c->path_idx, c->client_idx, GSSTATS_ABORTED, 0);
        break;
    default:
        break;
    }
    c->state = GSCONN_READING;
}

static void gssrv_on_tls_handshake(struct gssrv *s, bool ok)
{
    if (ok)
        s->stats.conn_tls_ok++;
    else
        s->stats.conn_tls_failed++;
}

static void gssrv_on_write_failed(struct gssrv *s, struct gsconn *c)
{
    (void)c;
    s->stats.write_errors++;
}

/* What connections tell this server (conn.h). */
static const struct gsconn_events conn_events = {
    .on_request = gssrv_on_request,
    .on_bad_request = gssrv_on_bad_request,
    .on_conn_end = gssrv_on_conn_end,
    .on_tls_handshake = gssrv_on_tls_handshake,
    .on_write_failed = gssrv_on_write_failed,
};

/* ---- stalls ------------------------------------------------------------ */

static void stall_end_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct gssrv *s = w->data;
    s->stalled = false;
    double now = gs_mono_s();
    for (struct gsconn *c = s->active; c; c = c->lnext)
        if (!gstq_contains(&s->timers, c) && gstq_add(&s->timers, c, now + c->timer_left_s))
            c->timer_left_s = 0; /* out of memory: a later stall end retries */
    pump(s);
}

void gssrv_stall(struct gssrv *s, double dur_s)
{
    double now = gs_mono_s();
    if (s->stalled) {
        if (now + dur_s > s->stall_until_s) {
            s->stall_until_s = now + dur_s;
            ev_timer_stop(s->loop, &s->stall_end_timer);
            ev_timer_set(&s->stall_end_timer, dur_s, 0);
            ev_timer_start(s->loop, &s->stall_end_timer);
        }
        return;
    }
    s->stalled = true;
    s->stall_until_s = now + dur_s;
    s->stats.stalls++;
    /* Like a stop-the-world pause: service and delay timers stop and
     * resume with what they had left. */
    for (struct gsconn *c = s->active; c; c = c->lnext) {
        c->timer_left_s = c->tq_deadline_s > now ? c->tq_deadline_s - now : 0;
        gstq_remove(&s->timers, c);
    }
    ev_timer_set(&s->stall_end_timer, dur_s, 0);
    ev_timer_start(s->loop, &s->stall_end_timer);
}

static void stall_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct gssrv *s = w->data;
    if (s->cfg.stall_s > 0)
        gssrv_stall(s, s->cfg.stall_s);
}

static void arm_stall_schedule(struct gssrv *s)
{
    ev_timer_stop(s->loop, &s->stall_timer);
    if (s->cfg.stall_s > 0 && s->cfg.stall_every_s > 0) {
        ev_timer_set(&s->stall_timer, s->cfg.stall_every_s, s->cfg.stall_every_s);
        ev_timer_start(s->loop, &s->stall_timer);
    }
}

/* ---- timers, signals --------------------------------------------------- */

static void sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct gssrv *s = w->data;
    s->stats.conn_idle_closed +=
        (uint64_t)gsconn_sweep(&s->pool, gs_mono_s(), s->cfg.idle_timeout_s);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)revents;
    struct gssrv *s = w->data;
    s->stop_signal = w->signum;
    ev_break(loop, EVBREAK_ALL);
}

/* ---- set-up ------------------------------------------------------------ */

int gssrv_init(struct gssrv *s, struct ev_loop *loop, const struct gscfg *cfg, char *err,
               size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->loop = loop;
    s->cfg = *cfg;
    s->lis[0].fd = s->lis[1].fd = -1;
    s->lis[0].srv = s->lis[1].srv = s;
    s->lis[0].port = cfg->http_port;
    s->lis[1].tls = true;
    s->lis[1].port = cfg->cert_file[0] ? cfg->https_port : 0;
    if (!s->cfg.name[0])
        snprintf(s->cfg.name, sizeof s->cfg.name, "gw-%s", cfg->listen_addr);
    snprintf(s->node_header, sizeof s->node_header, "X-Gateway-Node: %s\r\n", s->cfg.name);
    gsrng_seed(&s->rng, cfg->seed);
    s->started_s = gs_mono_s();
    gsstats_reset(&s->stats, s->started_s);
    s->throttle_origin_s = s->started_s;
    gsconn_pool_init(&s->pool, loop, cfg->max_body_bytes, &conn_events);
    if (gsbuf_init(&s->scratch)) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }

    int rc = gstq_init(&s->timers, loop, timer_fire, s);
    if (rc) {
        snprintf(err, errlen, "timerfd: %s", strerror(-rc));
        return rc;
    }
    rc = gslisten_init(s, err, errlen);
    if (rc) {
        gssrv_free(s);
        return rc;
    }
    ev_timer_init(&s->sweep_timer, sweep_cb, 1.0, 1.0);
    s->sweep_timer.data = s;
    ev_timer_start(loop, &s->sweep_timer);
    ev_timer_init(&s->stall_timer, stall_cb, 1.0, 1.0);
    s->stall_timer.data = s;
    ev_timer_init(&s->stall_end_timer, stall_end_cb, 1.0, 0);
    s->stall_end_timer.data = s;
    arm_stall_schedule(s);
    ev_signal_init(&s->sig_term, signal_cb, SIGTERM);
    s->sig_term.data = s;
    ev_signal_start(loop, &s->sig_term);
    ev_signal_init(&s->sig_int, signal_cb, SIGINT);
    s->sig_int.data = s;
    ev_signal_start(loop, &s->sig_int);
    return 0;
}

void gssrv_free(struct gssrv *s)
{
    if (!s->loop)
        return;
    gslisten_close(s);
    /* connections go without callbacks into a server being torn down */
    s->q_head = s->q_tail = s->active = NULL;
    gstq_free(&s->timers);
    gsconn_pool_free(&s->pool);
    ev_timer_stop(s->loop, &s->sweep_timer);
    ev_timer_stop(s->loop, &s->stall_timer);
    ev_timer_stop(s->loop, &s->stall_end_timer);
    ev_signal_stop(s->loop, &s->sig_term);
    ev_signal_stop(s->loop, &s->sig_int);
    gstok_table_free(&s->tokens);
    gsbuf_free(&s->scratch);
    if (s->ssl_ctx)
        SSL_CTX_free(s->ssl_ctx);
    s->ssl_ctx = NULL;
    s->loop = NULL;
}

/* Every throttling window starts anew at now_s, with nothing admitted. */
static void restart_throttles(struct gssrv *s, double now_s)
{
    s->throttle_origin_s = now_s;
    memset(&s->node_limit, 0, sizeof s->node_limit);
    memset(s->app_limits, 0, sizeof s->app_limits);
    gstok_table_free(&s->tokens); /* per-token limiters, made again on use */
}

int gssrv_set(struct gssrv *s, const char *key, const char *val, char *err, size_t errlen)
{
    struct gscfg before = s->cfg;
    int rc = gscfg_set_runtime(&s->cfg, key, val, err, errlen);
    if (rc)
        return rc;
    if (s->cfg.stall_s != before.stall_s || s->cfg.stall_every_s != before.stall_every_s)
        arm_stall_schedule(s);
    if (s->cfg.refuse != before.refuse) {
        rc = gslisten_sync(s, err, errlen);
        if (rc)
            return rc;
    }
    if (s->cfg.refuse != before.refuse || s->cfg.refuse_for_s != before.refuse_for_s)
        gslisten_arm_refuse(s);
    if (s->cfg.workers != before.workers)
        pump(s);
    if (s->cfg.throttle_unit_s != before.throttle_unit_s)
        restart_throttles(s, gs_mono_s());
    return 0;
}

void gssrv_reset_stats(struct gssrv *s)
{
    double now = gs_mono_s();
    gsstats_reset(&s->stats, now);
    restart_throttles(s, now);
}

static const char *client_name(const void *ctx, uint32_t hash)
{
    return gscfg_client_name(ctx, hash);
}

int gssrv_stats_json(struct gssrv *s, struct gsbuf *out)
{
    double now = gs_mono_s();
    struct gsstats_gauges g = {
        .node = s->cfg.name,
        .uptime_s = now - s->started_s,
        .now_s = now,
        .open_conns = s->pool.n_open,
        .queue_len = s->q_len,
        .in_service = s->in_service,
        .delayed = s->delayed,
        .workers = s->cfg.workers,
        .stalled = s->stalled,
        .token_limiters = gstok_table_size(&s->tokens),
        .client_name = client_name,
        .client_name_ctx = &s->cfg,
    };
    return gsstats_to_json(&s->stats, &g, out);
}
