/*
 * xfer_curl.c — the libcurl transport's request path: multi_socket on
 * libev, starting a request, its answer and its outcome; see xfer.h (its
 * setup: xfer_curl_setup.c). Carries HTTP/1.1 and HTTP/2 when the
 * scenario asks for `generator.transport: curl`.
 *
 * The contract (libcurl's multi_socket docs): libcurl tells us which
 * sockets to watch (CURLMOPT_SOCKETFUNCTION → one ev_io per socket, its
 * state attached with curl_multi_assign) and when to call it back without
 * socket activity (CURLMOPT_TIMERFUNCTION → one ev_timer). Every event
 * calls curl_multi_socket_action, and completed transfers are drained with
 * curl_multi_info_read right after. A timeout of 0 means "as soon as
 * possible", which must not be acted on inside the callback itself: it arms
 * the timer with a zero delay instead.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "net/auth.h"
#include "net/reqsig.h"
#include "net/xfer_curl_int.h"
#include "net/xfer_tls.h"
#include "scenario/scenario.h"

static void drain(struct mh *m);

/* CURLMOPT_TIMERFUNCTION */
int xcurl_on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct mh *m = userp;
    struct ev_loop *loop = m->x->loop;
    ev_timer_stop(loop, &m->timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&m->timer, (double)timeout_ms / 1000.0, 0.);
        ev_timer_start(loop, &m->timer);
    }
    return 0;
}

void xcurl_on_ev_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct mh *m = w->data;
    int running;
    curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain(m);
}

static void on_ev_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    struct sockw *sw = (struct sockw *)w;
    struct mh *m = sw->m;
    int fd = w->fd; /* sw may be freed by the socket callback below */
    int flags =
        (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(m->multi, fd, flags, &running);
    drain(m);
}

/* CURLMOPT_SOCKETFUNCTION */
int xcurl_on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)easy;
    struct mh *m = userp;
    struct xcurl *x = m->x;
    struct sockw *sw = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sw) {
            ev_io_stop(x->loop, &sw->io);
            curl_multi_assign(m->multi, s, NULL);
            sw->next_free = x->free_sockets;
            x->free_sockets = sw;
        }
        return 0;
    }
    int events = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
    if (!sw) {
        /* Reuse a watcher when one is free; new ones only while the number
         * of open sockets grows. */
        sw = x->free_sockets;
        if (sw)
            x->free_sockets = sw->next_free;
        else if ((sw = malloc(sizeof *sw))) {
            sw->next_all = x->all_sockets;
            x->all_sockets = sw;
        } else {
            return -1;
        }
        sw->m = m;
        ev_io_init(&sw->io, on_ev_io, s, events);
        curl_multi_assign(m->multi, s, sw);
    } else {
        ev_io_stop(x->loop, &sw->io);
        ev_io_set(&sw->io, s, events);
    }
    ev_io_start(x->loop, &sw->io);
    return 0;
}

/* CURLOPT_WRITEFUNCTION: bodies are counted by libcurl, not kept, except
 * the start of one whose status is not a 2xx or not expected (WSO2 names
 * the throttling policy or the fault in it). */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct slot *sl = userp;
    size_t n = size * nmemb;
    if (!sl->body_seen) {
        long status = 0;
        curl_easy_getinfo(sl->easy, CURLINFO_RESPONSE_CODE, &status);
        sl->peek_body = status < 200 || status >= 300 ||
                        !scn_request_expects(&sl->x->scn->requests[sl->request], (int)status);
        sl->body_seen = true;
    }
    if (sl->peek_body && sl->peek_len < XFER_PEEK_BYTES) {
        size_t room = XFER_PEEK_BYTES - sl->peek_len;
        memcpy(sl->peek + sl->peek_len, ptr, n < room ? n : room);
        sl->peek_len += n < room ? n : room;
    }
    if (sl->keep)
        h1p_keep_body(&sl->kept, ptr, n);
    return n;
}

/* Retry-After: delay-seconds, or an HTTP date (reported as 0). */
static int retry_after(const char *v, const char *end)
{
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    long s = 0;
    const char *d = v;
    while (d < end && *d >= '0' && *d <= '9' && s < 100000000)
        s = s * 10 + (*d++ - '0');
    return d > v ? (int)s : 0;
}

/* CURLOPT_HEADERFUNCTION: Retry-After, and the node's name when the
 * scenario has node_header. The first-letter tests keep it cheap. */
static size_t on_header(char *buf, size_t size, size_t nitems, void *userp)
{
    struct slot *sl = userp;
    size_t len = size * nitems;
    if (sl->keep) { /* each response's status line starts its head (1xx, redirects) */
        if (len > 5 && !memcmp(buf, "HTTP/", 5))
            sl->kept.head_len = 0;
        h1p_keep_head(&sl->kept, buf, len);
    }
    if (len > 12 && (buf[0] | 0x20) == 'r' && !strncasecmp(buf, "retry-after:", 12)) {
        sl->retry_after_s = retry_after(buf + 12, buf + len);
        return len;
    }
    const char *name = sl->x->scn->node_header;
    size_t nlen = sl->x->node_header_len;
    if (name && len > nlen + 1 && buf[nlen] == ':' && !strncasecmp(buf, name, nlen)) {
        const char *v = buf + nlen + 1;
        const char *end = buf + len;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
            end--;
        size_t vlen = (size_t)(end - v);
        if (vlen >= sizeof sl->node)
            vlen = sizeof sl->node - 1;
        memcpy(sl->node, v, vlen);
        sl->node[vlen] = '\0';
        sl->node_len = vlen;
    }
    return len;
}

/* libcurl's words for response headers beyond its limit: CURLE_TOO_LARGE
 * (100) from 8.6, CURLE_RECV_ERROR with this message before (Debian's
 * 7.88 has it since the CVE-2023-38039 fix). */
#define CURL_TOO_LARGE_CODE 100
#define CURL_TOO_LARGE_MSG "Too large response headers"

enum rec_outcome xfer_classify(int curl_code, long os_errno, int status)
{
    return xfer_classify_msg(curl_code, os_errno, status, NULL);
}

enum rec_outcome xfer_classify_msg(int curl_code, long os_errno, int status, const char *message)
{
    CURLcode rc = (CURLcode)curl_code;
    if (rc == CURLE_OK)
        return rec_outcome_of_status(status);
    if ((int)rc == CURL_TOO_LARGE_CODE ||
        (rc == CURLE_RECV_ERROR && message && strstr(message, CURL_TOO_LARGE_MSG)))
        return OC_OTHER; /* an invalid response, as the native transport says */
    if (os_errno == ECONNRESET || os_errno == EPIPE)
        return OC_RESET;
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return OC_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
        return OC_REFUSED;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2_STREAM:
        return OC_RESET;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        return OC_TLS;
    default:
        return OC_OTHER;
    }
}

bool xfer_curl_local(int curl_code, long os_errno, int sock_errno)
{
    CURLcode rc = (CURLcode)curl_code;
    if (rc == CURLE_OK)
        return false;
    if (rc == CURLE_OUT_OF_MEMORY || xfer_errno_local(sock_errno))
        return true;
    /* connect() failing for want of a port or buffers: libcurl keeps its
     * errno (a socket() failing leaves it 0, hence on_open_socket) */
    return rc == CURLE_COULDNT_CONNECT && xfer_errno_local((int)os_errno);
}

/* libcurl silently re-sends a request whose reused connection died
 * before any answer (it takes that for a stale keep-alive connection);
 * the server saw, and maybe processed, both. CURLINFO_REQUEST_SIZE then
 * counts every send, so sizes that are multiples of the smallest size seen
 * for this (request, target) give the number of re-sends. */
static int count_retries(long *single, long size)
{
    if (size <= 0)
        return 0;
    if (size < *single)
        *single = size;
    return (int)(size / *single) - 1;
}

static void fill_result(CURL *e, CURLcode rc, const char *errbuf, const struct scn_request *rq,
                        long *single, int sock_errno, struct xfer_result *r)
{
    long status = 0, os_errno = 0, nconn = 0, req_size = 0, hdr_size = 0;
    curl_off_t t_conn = 0, t_app = 0, t_pre = 0, t_start = 0, up = 0, down = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &req_size);
    curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &hdr_size);
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &t_conn);
    curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &t_app);
    curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &t_pre);
    curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &t_start);
    curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &down);
    if (rc != CURLE_OK)
        status = 0;
    r->status = (int)status;
    r->outcome = xfer_classify_msg(rc, os_errno, r->status, errbuf);
    r->local = xfer_curl_local(rc, os_errno, sock_errno);
    r->expected = rc == CURLE_OK && scn_request_expects(rq, r->status);
    r->new_connection = nconn > 0;
    r->connect_us = r->new_connection ? (int64_t)t_conn : 0;
    r->tls_us = r->new_connection && t_app > t_conn ? (int64_t)(t_app - t_conn) : 0;
    r->ttfb_us = t_start > t_pre ? (int64_t)(t_start - t_pre) : 0;
    r->bytes_sent = (int64_t)req_size + (rq->body ? 0 : (int64_t)up);
    r->bytes_received = (int64_t)hdr_size + (int64_t)down;
    r->retries = count_retries(single, req_size);
}

static void drain(struct mh *m)
{
    struct xcurl *x = m->x;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *e = msg->easy_handle;
        CURLcode rc = msg->data.result;
        struct slot *sl;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&sl);
        struct xfer_result r = {0};
        r.sent_ns = sl->sent_ns;
        r.done_ns = clock_now_ns();
        fill_result(e, rc, sl->errbuf, &x->scn->requests[sl->request],
                    &x->single_size[sl->request * x->scn->n_targets + sl->target], sl->sock_errno,
                    &r);
        r.node = sl->node_len ? sl->node : NULL;
        r.auth_gen = sl->auth_gen;
        r.throttle_kind = r.status == 429 ? rec_throttle_kind(sl->peek, sl->peek_len) : -1;
        r.retry_after_s = r.status == 429 ? sl->retry_after_s : -1;
        r.body = rc == CURLE_OK && sl->peek_len ? sl->peek : NULL;
        r.body_len = r.body ? sl->peek_len : 0;
        if (sl->keep && r.status)
            xfer_kept(&sl->kept, &r);
        if (r.local && xfer_errno_local(sl->sock_errno)) /* libcurl: "couldn't connect" */
            snprintf(sl->errbuf, sizeof sl->errbuf, "node %s: cannot open a socket: %s",
                     x->scn->targets[sl->target].name, strerror(sl->sock_errno));
        if (rc != CURLE_OK && !r.local) {
            if (!sl->errbuf[0])
                snprintf(sl->errbuf, sizeof sl->errbuf, "%s", curl_easy_strerror(rc));
            xfer_easy_explain(e, x->scn, sl->target, rc, sl->hook.cert_asked, &r.outcome,
                              sl->errbuf, sizeof sl->errbuf);
        }
        r.error = rc != CURLE_OK ? (sl->errbuf[0] ? sl->errbuf : curl_easy_strerror(rc)) : NULL;
        if (rc == CURLE_OK && !xfer_status_valid(r.status)) {
            snprintf(sl->errbuf, sizeof sl->errbuf,
                     "invalid response from %s: status %d is outside 100..599",
                     x->scn->targets[sl->target].name, r.status);
            r.error = sl->errbuf;
        }
        curl_multi_remove_handle(m->multi, e);
        sl->busy = false;
        x->inflight--;
        /* The callback may start new requests (even in this slot). */
        x->done(x->user, sl->index, &r);
    }
}

/* CURLOPT_OPENSOCKETFUNCTION: libcurl's own socket(), but its errno kept,
 * which libcurl drops ("couldn't connect" with CURLINFO_OS_ERRNO 0): out
 * of descriptors is gatecap's failure, not a node refusing. */
static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    struct slot *sl = clientp;
    int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (fd < 0) {
        sl->sock_errno = errno;
        return CURL_SOCKET_BAD;
    }
    return fd;
}

int xcurl_slot_prepare(struct slot *sl)
{
    struct xcurl *x = sl->x;
    if (!(sl->easy = curl_easy_init()))
        return -1;
    sl->hook.store = x->store;
    xfer_set_common(sl->easy, x->scn, x->resolve, &sl->hook);
    curl_easy_setopt(sl->easy, CURLOPT_SHARE, x->share);
    curl_easy_setopt(sl->easy, CURLOPT_PRIVATE, sl);
    curl_easy_setopt(sl->easy, CURLOPT_ERRORBUFFER, sl->errbuf);
    curl_easy_setopt(sl->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(sl->easy, CURLOPT_WRITEDATA, sl);
    curl_easy_setopt(sl->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(sl->easy, CURLOPT_HEADERDATA, sl);
    curl_easy_setopt(sl->easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(sl->easy, CURLOPT_OPENSOCKETDATA, sl);
    sl->cert_app = XFER_NO_APP;
    return 0;
}

/* The token header of application app ahead of the request's headers:
 * the slot's own list node, so nothing is allocated unless the token
 * outgrew the slot's buffer. Returns the list, or NULL (no memory). */
static struct curl_slist *auth_headers(struct xcurl *x, struct slot *sl, size_t app,
                                       struct curl_slist *rest)
{
    const struct scn_auth *au = &x->scn->auth;
    if (!sl->auth_line) {
        size_t pre = strlen(au->header) + 2 + strlen(au->prefix);
        sl->auth_cap = pre + 256;
        if (!(sl->auth_line = malloc(sl->auth_cap)))
            return NULL;
        snprintf(sl->auth_line, sl->auth_cap, "%s: %s", au->header, au->prefix);
        sl->auth_prefix_len = pre;
    }
    size_t room = sl->auth_cap - sl->auth_prefix_len;
    size_t len =
        auth_token_copy(x->auth, app, sl->auth_line + sl->auth_prefix_len, room, &sl->auth_gen);
    if (len >= room) {
        size_t cap = sl->auth_prefix_len + len + 64;
        char *b = realloc(sl->auth_line, cap);
        if (!b)
            return NULL;
        sl->auth_line = b;
        sl->auth_cap = cap;
        len = auth_token_copy(x->auth, app, b + sl->auth_prefix_len, cap - sl->auth_prefix_len,
                              &sl->auth_gen);
        if (len >= cap - sl->auth_prefix_len)
            return NULL; /* grew again in between: give up on this one */
    }
    sl->auth_node.data = sl->auth_line;
    sl->auth_node.next = rest;
    return &sl->auth_node;
}

/* A request's sign: header ahead of rest, in the slot's own node; rest
 * itself when the request does not sign. NULL when signing failed. */
static struct curl_slist *sign_header(struct xcurl *x, struct slot *sl,
                                      const struct scn_request *rqs, size_t app,
                                      struct curl_slist *rest)
{
    if (!x->sig || !rqs->sign)
        return rest;
    if (!sl->sig_line && !(sl->sig_line = malloc(REQSIG_LINE_MAX)))
        return NULL;
    bool rendered = rqs->body_tpl != NULL;
    long n = reqsig_line(x->sig, x->auth, x->scn, rqs, app, rendered ? sl->rb.body.data : rqs->body,
                         rendered    ? sl->rb.body.len
                         : rqs->body ? rqs->body_bytes
                                     : 0,
                         sl->sig_line, REQSIG_LINE_MAX);
    if (n <= 0)
        return NULL;
    sl->sig_node.data = sl->sig_line;
    sl->sig_node.next = rest;
    return &sl->sig_node;
}

/* The application's own client certificate, or the scenario's (tls.cert,
 * or none) for an application without one; set only when it changes.
 * cert_app XFER_NO_APP stands for the scenario's. */
static void set_app_cert(struct xcurl *x, struct slot *sl, size_t app)
{
    const struct scn_app *a = &x->scn->auth.apps[app];
    const struct scn_tls *t = &x->scn->tls;
    size_t want = a->cert.data ? app : XFER_NO_APP;
    if (sl->cert_app == want)
        return;
    if (a->cert.data)
        xfer_easy_cert(sl->easy, &a->cert, &a->key, NULL);
    else
        xfer_easy_cert(sl->easy, &t->cert, &t->key, t->key_password);
    sl->cert_app = want;
}

int xcurl_start(struct xfer *xb, size_t slot, const struct xfer_req *rq)
{
    struct xcurl *x = (struct xcurl *)xb;
    struct slot *sl = &x->slots[slot];
    const struct scenario *scn = x->scn;
    size_t request = rq->request, target = rq->target;
    CURLMcode mc = CURLM_OUT_OF_MEMORY;
    sl->sent_ns = clock_now_ns();
    if (!sl->easy && xcurl_slot_prepare(sl))
        goto refused;
    struct curl_slist *headers = x->headers[request];
    const struct scn_request *rqs = &scn->requests[request];
    bool dynamic = x->dynamic[request];
    if (dynamic) {
        struct tpl_ctx ctx = {.feeders = (const struct feeder *const *)scn->feeders,
                              .rows = rq->rows,
                              .seq = rq->seq,
                              .rng = &x->rng,
                              .wall_ns = clock_wall_ns(),
                              .vars = rq->vars};
        if (render_request(rqs, x->url_prefix[target], &ctx, &sl->rb))
            goto refused;
        if (sl->rb.n_lines) {
            if (!sl->hnodes && !(sl->hnodes = calloc(x->max_headers + 1, sizeof *sl->hnodes)))
                goto refused;
            headers = xfer_chain_headers(sl->hnodes, rqs, headers, &sl->rb);
        }
    }
    sl->auth_gen = 0;
    if (x->auth && rq->app != XFER_NO_APP) {
        if (!(headers = auth_headers(x, sl, rq->app, headers)) ||
            !(headers = sign_header(x, sl, rqs, rq->app, headers)))
            goto refused;
        set_app_cert(x, sl, rq->app);
    }
    xfer_set_request(sl->easy, scn, rqs, target, x->urls[request * scn->n_targets + target],
                     headers, xfer_want_fresh(&scn->tls, &x->rng));
    curl_easy_setopt(sl->easy, CURLOPT_CONNECT_TO, x->connect_to[target]);
    if (dynamic)
        xfer_set_rendered(sl->easy, rqs, &sl->rb);
    sl->request = request;
    sl->target = target;
    sl->node_len = 0;
    sl->errbuf[0] = '\0';
    sl->body_seen = sl->peek_body = false;
    sl->peek_len = 0;
    sl->keep = rq->keep;
    if (rq->keep)
        h1p_keep_clear(&sl->kept, rq->body_limit);
    sl->retry_after_s = -1;
    sl->sock_errno = 0;
    sl->hook.cert_asked = false;
    mc = curl_multi_add_handle(sl->m->multi, sl->easy);
    if (mc != CURLM_OK)
        goto refused;
    sl->busy = true;
    x->inflight++;
    return 0;
refused:
    /* Everything above fails only for want of memory, but a handle libcurl
     * would not take: reported from the loop like any failure. */
    sl->busy = true;
    x->inflight++;
    sl->defer_local = mc == CURLM_OUT_OF_MEMORY;
    sl->defer_error =
        sl->defer_local ? "out of memory starting the request" : curl_multi_strerror(mc);
    sl->defer_next = x->defer_head;
    x->defer_head = sl;
    if (!ev_is_active(&x->defer_timer)) {
        ev_timer_set(&x->defer_timer, 0., 0.);
        ev_timer_start(x->loop, &x->defer_timer);
    }
    return 0;
}
