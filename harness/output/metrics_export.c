/*
 * metrics_export.c — the push and scrape threads (metrics_export.h).
 *
 * One mutex guards the queue, the newest snapshot and the counts; it is
 * never held across I/O. The push thread blocks in libcurl (its own easy
 * handle, one connection kept alive); a cut-off at the run's end reaches
 * it through the progress callback. The scrape thread waits in poll() on
 * its listening socket and an eventfd, and serves one connection at a
 * time with a 2 s limit on each read and write, so a stuck client costs
 * it at most that.
 */
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/version.h"
#include "net/xfer_easy.h"
#include "net/xfer_tls.h"
#include "output/metrics.h"
#include "output/metrics_export.h"
#include "scenario/redact.h"
#include "scenario/scenario.h"

#define IO_LIMIT_MS 2000

struct metrics_export {
    struct metrics_export_conf conf;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* queue changed, a push ended, the final one was served */
    /* guarded by mu */
    struct metrics_snap **q; /* ring of conf.queue */
    size_t q_head, q_len;
    struct metrics_snap *latest; /* the scrape endpoint's */
    struct metrics_snap *final;  /* the final snapshot (not a reference), once offered */
    bool stopping;               /* no more offers: push what is queued, then end */
    bool push_done;              /* the push thread ended */
    struct metrics_export_stats st;
    /* threads */
    atomic_bool cut; /* the run's end: cut off the push in progress */
    atomic_bool serve_stop;
    bool push_running, serve_running;
    pthread_t push_thread, serve_thread;
    int listen_fd, wake_fd;
    CURL *curl;
    struct curl_slist *headers;
    X509_STORE *store;
    struct xfer_tls_hook hook;
    char *auth_header;
    bool curl_inited;
};

/* A deadline seconds from now on CLOCK_MONOTONIC, as cond waits take it. */
static struct timespec deadline_in(double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + (int64_t)(seconds * 1e9);
    ts.tv_sec += (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

static void note_error(struct metrics_export *e, const char *msg)
{
    redact_text(e->conf.redact, msg, e->st.last_error, sizeof e->st.last_error, REDACT_ONE_LINE);
}

/* ---- push ---- */

struct body {
    char text[200];
    size_t len;
};

/* CURLOPT_WRITEFUNCTION: the start of the receiver's answer, for a reason. */
static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    struct body *b = user;
    size_t len = size * n, room = sizeof b->text - 1 - b->len;
    memcpy(b->text + b->len, p, len < room ? len : room);
    b->len += len < room ? len : room;
    b->text[b->len] = 0;
    return len;
}

/* CURLOPT_XFERINFOFUNCTION: the run's end cuts a push off. */
static int on_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    struct metrics_export *e = user;
    return atomic_load(&e->cut) ? 1 : 0;
}

/* One POST of s; updates the counts. */
static void push_one(struct metrics_export *e, struct metrics_snap *s)
{
    uint8_t *req = NULL;
    size_t len = 0;
    char msg[512] = "";
    bool ok = false;
    if (metrics_rw(s, &req, &len)) {
        snprintf(msg, sizeof msg, "out of memory encoding the request");
    } else {
        struct body b = {.len = 0};
        char cerr[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, req);
        curl_easy_setopt(e->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, cerr);
        CURLcode rc = curl_easy_perform(e->curl);
        long status = 0;
        curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK)
            snprintf(msg, sizeof msg, "%s",
                     rc == CURLE_ABORTED_BY_CALLBACK ? "cut off at the run's end"
                     : cerr[0]                       ? cerr
                                                     : curl_easy_strerror(rc));
        else if (status < 200 || status > 299)
            snprintf(msg, sizeof msg, "HTTP %ld: %s", status, b.text);
        else
            ok = true;
        curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, NULL);
    }
    free(req);
    pthread_mutex_lock(&e->mu);
    if (ok) {
        e->st.pushed++;
        e->st.bytes += (int64_t)len;
        if (s == e->final)
            e->st.final_pushed = 1;
    } else {
        e->st.failed++;
        note_error(e, msg);
    }
    pthread_mutex_unlock(&e->mu);
}

static void *push_main(void *arg)
{
    struct metrics_export *e = arg;
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (!e->q_len && !e->stopping)
            pthread_cond_wait(&e->cv, &e->mu);
        if (!e->q_len || atomic_load(&e->cut))
            break;
        struct metrics_snap *s = e->q[e->q_head];
        e->q_head = (e->q_head + 1) % e->conf.queue;
        e->q_len--;
        pthread_mutex_unlock(&e->mu);
        push_one(e, s);
        metrics_snap_unref(s);
        pthread_mutex_lock(&e->mu);
        pthread_cond_broadcast(&e->cv);
    }
    /* cut off: what is left was never tried */
    while (e->q_len) {
        metrics_snap_unref(e->q[e->q_head]);
        e->q_head = (e->q_head + 1) % e->conf.queue;
        e->q_len--;
        e->st.dropped++;
    }
    e->push_done = true;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

static int push_setup(struct metrics_export *e, char *err, size_t err_len)
{
    const struct metrics_export_conf *c = &e->conf;
    if (!(e->curl = curl_easy_init())) {
        snprintf(err, err_len, "cannot create a libcurl handle");
        return -1;
    }
    CURL *h = e->curl;
    curl_easy_setopt(h, CURLOPT_URL, c->push_url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(c->timeout_s * 1e3));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->timeout_s * 1e3));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, e);
    struct curl_slist *l = NULL, *n;
    static const char *const fixed[] = {"Content-Encoding: snappy",
                                        "Content-Type: application/x-protobuf",
                                        "X-Prometheus-Remote-Write-Version: 0.1.0",
                                        "User-Agent: gatecap/" GATECAP_VERSION, "Expect:"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (!(n = curl_slist_append(l, fixed[i])))
            goto nomem;
        l = n;
    }
    if (c->bearer_token) {
        if (asprintf(&e->auth_header, "Authorization: Bearer %s", c->bearer_token) < 0) {
            e->auth_header = NULL;
            goto nomem;
        }
        if (!(n = curl_slist_append(l, e->auth_header)))
            goto nomem;
        l = n;
    }
    e->headers = l;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
    const struct scn_tls *t = c->scn ? &c->scn->tls : NULL;
    if (t && t->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (t && t->ca.len) {
        if (!(e->store = xfer_tls_store(t, err, err_len)))
            return -1;
        e->hook.store = e->store;
        xfer_easy_tls_hook(h, &e->hook);
    }
    return 0;
nomem:
    curl_slist_free_all(l);
    snprintf(err, err_len, "out of memory");
    return -1;
}

/* ---- scrape ---- */

/* Waits up to IO_LIMIT_MS for fd to be ready for events. */
static bool wait_fd(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, IO_LIMIT_MS) == 1 && (p.revents & events);
}

static void send_all(int fd, const char *p, size_t len)
{
    while (len) {
        if (!wait_fd(fd, POLLOUT))
            return;
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void serve_one(struct metrics_export *e, int fd)
{
    char req[2048];
    size_t got = 0;
    while (got < sizeof req - 1 && !memmem(req, got, "\r\n\r\n", 4)) {
        if (!wait_fd(fd, POLLIN))
            return;
        ssize_t n = recv(fd, req + got, sizeof req - 1 - got, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return;
        got += (size_t)n;
    }
    req[got] = 0;
    char head[256];
    if (strncmp(req, "GET /metrics ", 13) && strncmp(req, "GET /metrics?", 13)) {
        static const char nf[] =
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
            "Content-Length: 19\r\nConnection: close\r\n\r\nGET /metrics only.\n";
        send_all(fd, nf, sizeof nf - 1);
        return;
    }
    pthread_mutex_lock(&e->mu);
    struct metrics_snap *s = e->latest ? metrics_snap_ref(e->latest) : NULL;
    pthread_mutex_unlock(&e->mu);
    char *text = NULL;
    size_t len = 0;
    if (!s || metrics_text(s, &text, &len)) {
        static const char na[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n";
        send_all(fd, na, sizeof na - 1);
        metrics_snap_unref(s);
        return;
    }
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; "
                     "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     len);
    send_all(fd, head, (size_t)n);
    send_all(fd, text, len);
    free(text);
    pthread_mutex_lock(&e->mu);
    e->st.scrapes++;
    if (s == e->final)
        e->st.final_scraped = 1;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    metrics_snap_unref(s);
}

static void *serve_main(void *arg)
{
    struct metrics_export *e = arg;
    while (!atomic_load(&e->serve_stop)) {
        struct pollfd p[2] = {{.fd = e->listen_fd, .events = POLLIN},
                              {.fd = e->wake_fd, .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int fd = accept4(e->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            continue;
        serve_one(e, fd);
        close(fd);
    }
    return NULL;
}

/* Binds "ADDR:PORT" (IPv4 or [IPv6]); returns the socket or -1. */
static int listen_on(const char *spec, char *err, size_t err_len)
{
    char host[128];
    const char *colon = strrchr(spec, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == spec || !end || *end || end == colon + 1 || port < 0 || port > 65535 ||
        (size_t)(colon - spec) >= sizeof host) {
        snprintf(err, err_len, "'%s' is not ADDR:PORT (e.g. 127.0.0.1:9464, [::1]:9464)", spec);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = 0;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        sl = sizeof *a6;
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1) {
            snprintf(err, err_len, "'%s': not an IPv6 address", spec);
            return -1;
        }
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        sl = sizeof *a4;
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
            snprintf(err, err_len, "'%s': not an IPv4 address (names are not resolved)", spec);
            return -1;
        }
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
        snprintf(err, err_len, "cannot listen on %s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* ---- the exporter ---- */

int metrics_export_start(const struct metrics_export_conf *conf, struct metrics_export **out,
                         char *err, size_t err_len)
{
    *out = NULL;
    struct metrics_export *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    e->conf = *conf;
    curl_global_init(CURL_GLOBAL_DEFAULT); /* counted: the engine's own call is a no-op */
    e->curl_inited = true;
    if (e->conf.queue < 1)
        e->conf.queue = 1;
    e->listen_fd = e->wake_fd = -1;
    pthread_mutex_init(&e->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&e->cut, false);
    atomic_init(&e->serve_stop, false);
    if (!(e->q = calloc(e->conf.queue, sizeof *e->q))) {
        snprintf(err, err_len, "out of memory");
        goto fail;
    }
    if (conf->listen) {
        if ((e->listen_fd = listen_on(conf->listen, err, err_len)) < 0)
            goto fail;
        if ((e->wake_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
            snprintf(err, err_len, "eventfd: %s", strerror(errno));
            goto fail;
        }
        if (pthread_create(&e->serve_thread, NULL, serve_main, e)) {
            snprintf(err, err_len, "cannot start the scrape thread");
            goto fail;
        }
        e->serve_running = true;
    }
    if (conf->push_url) {
        if (push_setup(e, err, err_len))
            goto fail;
        if (pthread_create(&e->push_thread, NULL, push_main, e)) {
            snprintf(err, err_len, "cannot start the push thread");
            goto fail;
        }
        e->push_running = true;
    } else {
        e->push_done = true;
    }
    *out = e;
    return 0;
fail:
    metrics_export_free(e);
    return -1;
}

void metrics_export_offer(struct metrics_export *e, struct metrics_snap *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&e->mu);
    e->st.offered++;
    if (e->serve_running) {
        metrics_snap_unref(e->latest);
        e->latest = metrics_snap_ref(s);
    }
    if (e->push_running && !e->stopping) {
        if (e->q_len == e->conf.queue) { /* the oldest goes */
            metrics_snap_unref(e->q[e->q_head]);
            e->q_head = (e->q_head + 1) % e->conf.queue;
            e->q_len--;
            e->st.dropped++;
        }
        e->q[(e->q_head + e->q_len) % e->conf.queue] = s;
        e->q_len++;
        pthread_cond_broadcast(&e->cv);
    } else {
        metrics_snap_unref(s);
    }
    pthread_mutex_unlock(&e->mu);
}

void metrics_export_finish(struct metrics_export *e, struct metrics_snap *final)
{
    pthread_mutex_lock(&e->mu);
    e->final = final;
    pthread_mutex_unlock(&e->mu);
    metrics_export_offer(e, final);
    struct timespec push_by = deadline_in(e->conf.timeout_s);
    struct timespec linger_by = deadline_in(e->conf.linger_s);
    pthread_mutex_lock(&e->mu);
    e->stopping = true;
    pthread_cond_broadcast(&e->cv);
    while (!e->push_done)
        if (pthread_cond_timedwait(&e->cv, &e->mu, &push_by) == ETIMEDOUT) {
            atomic_store(&e->cut, true); /* the push in flight ends at once */
            break;
        }
    while (e->serve_running && final && !e->st.final_scraped)
        if (pthread_cond_timedwait(&e->cv, &e->mu, &linger_by) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&e->mu);
    atomic_store(&e->cut, true);
    if (e->push_running) {
        pthread_join(e->push_thread, NULL);
        e->push_running = false;
    }
    if (e->serve_running) {
        atomic_store(&e->serve_stop, true);
        uint64_t one = 1;
        if (write(e->wake_fd, &one, sizeof one) < 0) {
            /* an eventfd write fails only when its counter is full: awake anyway */
        }
        pthread_join(e->serve_thread, NULL);
        e->serve_running = false;
    }
}

void metrics_export_stats(struct metrics_export *e, struct metrics_export_stats *out)
{
    pthread_mutex_lock(&e->mu);
    *out = e->st;
    pthread_mutex_unlock(&e->mu);
}

void metrics_export_free(struct metrics_export *e)
{
    if (!e)
        return;
    if (e->push_running || e->serve_running) {
        pthread_mutex_lock(&e->mu);
        e->stopping = true;
        pthread_mutex_unlock(&e->mu);
        atomic_store(&e->cut, true);
        metrics_export_finish(e, NULL);
    }
    for (; e->q && e->q_len; e->q_len--) {
        metrics_snap_unref(e->q[e->q_head]);
        e->q_head = (e->q_head + 1) % e->conf.queue;
    }
    metrics_snap_unref(e->latest);
    free(e->q);
    if (e->listen_fd >= 0)
        close(e->listen_fd);
    if (e->wake_fd >= 0)
        close(e->wake_fd);
    if (e->curl)
        curl_easy_cleanup(e->curl);
    curl_slist_free_all(e->headers);
    if (e->auth_header) {
        explicit_bzero(e->auth_header, strlen(e->auth_header));
        free(e->auth_header);
    }
    X509_STORE_free(e->store);
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    if (e->curl_inited)
        curl_global_cleanup();
    free(e);
}
