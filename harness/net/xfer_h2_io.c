/*
 * xfer_h2_io.c — a native HTTP/2 connection's socket: the TCP connect, the
 * TLS handshake and the ALPN check, writing what its nghttp2 session has
 * to send, reading and feeding what comes (xfer_h2_sess.c), and failing
 * its requests when the connection breaks; see xfer_h2.c.
 */
#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "net/hint.h"
#include "net/xfer_h2_int.h"
#include "scenario/scenario.h"

void h2_conn_events(struct h2conn *c, int events)
{
    if (c->io.fd < 0 || (c->io.events & (EV_READ | EV_WRITE)) == events)
        return;
    ev_io_stop(c->x->loop, &c->io);
    ev_io_set(&c->io, c->io.fd, events);
    ev_io_start(c->x->loop, &c->io);
}

/* An I/O failure of c (errno err, or a TLS message): its requests fail,
 * c is closed. */
static void conn_broken(struct h2conn *c, bool eof, int err, const char *tls_why)
{
    const char *node = c->x->scn->targets[c->target].name;
    if (tls_why)
        h2_conn_fail(c, OC_TLS, "receiving from %s: %s", node, tls_why);
    else if (eof)
        h2_conn_fail(c, OC_RESET, "%s closed the connection before answering", node);
    else
        h2_conn_fail(c, err == ECONNRESET || err == EPIPE ? OC_RESET : OC_OTHER,
                     "connection to %s: %s", node, strerror(err));
    h2_conn_close_r(c, true);
}

/* Writes up to n bytes of p to c's socket; returns how many it took
 * (fewer: it would block), or -1 when the connection broke (its
 * requests failed, c closed). */
static long put(struct h2conn *c, const uint8_t *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t k = n - done > INT32_MAX ? INT32_MAX : n - done;
        ssize_t w;
        if (c->tls.ssl) {
            ERR_clear_error();
            errno = 0;
            int rc = SSL_write(c->tls.ssl, p + done, (int)k);
            if (rc <= 0) {
                int e = SSL_get_error(c->tls.ssl, rc);
                if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
                    break;
                int saved = errno;
                char why[128];
                xfer_tls_error(c->tls.ssl, e, saved, why, sizeof why);
                conn_broken(c, false, saved, c->tls.cert_requested ? HINT_CLIENT_CERT : why);
                return -1;
            }
            w = rc;
        } else {
            w = send(c->io.fd, p + done, k, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                conn_broken(c, false, errno, NULL);
                return -1;
            }
        }
        done += (size_t)w;
    }
    return (long)done;
}

/* Keeps n bytes the socket did not take, behind those already kept (the
 * only allocation here, when a socket's buffer is full). Returns 0, or
 * -1 when memory ran out (c failed and closed). */
static int stash(struct h2conn *c, const uint8_t *p, size_t n)
{
    if (c->poff) {
        memmove(c->pbuf, c->pbuf + c->poff, c->plen);
        c->poff = 0;
    }
    if (c->plen + n > c->pcap) {
        size_t cap = c->pcap ? c->pcap : 16384;
        while (cap < c->plen + n)
            cap *= 2;
        uint8_t *b = realloc(c->pbuf, cap);
        if (!b) {
            conn_broken(c, false, ENOMEM, NULL);
            return -1;
        }
        c->pbuf = b;
        c->pcap = cap;
    }
    memcpy(c->pbuf + c->plen, p, n);
    c->plen += n;
    return 0;
}

#define GATHER_BYTES 16384 /* one TLS record's worth */

/* Gathers what c's session has to send into buf (GATHER_BYTES; the
 * frames of many requests go out in one write, one TLS record); *extra:
 * a frame that did not fit behind it (valid until the next call), or
 * NULL. Returns the bytes gathered, or -1 when c was closed. The buffer
 * is the caller's own (on its stack), not the transport's: a completion
 * called back from inside may flush another connection. */
static long gather(struct h2conn *c, uint8_t *buf, const uint8_t **extra, size_t *extra_n)
{
    struct xh2 *x = c->x;
    size_t len = 0;
    *extra = NULL;
    *extra_n = 0;
    for (;;) {
        const uint8_t *p;
        /* nghttp2 calls back from here too (a stream closes once its
         * RST_STREAM is out): c is not closed under it */
        c->in_recv = true;
        ssize_t n = nghttp2_session_mem_send(c->sess, &p);
        c->in_recv = false;
        if (c->close_pending) {
            h2_conn_close_r(c, true);
            return -1;
        }
        if (n < 0) {
            h2_conn_fail(c, OC_OTHER, "HTTP/2 to %s: %s", x->scn->targets[c->target].name,
                         nghttp2_strerror((int)n));
            h2_conn_close_r(c, true);
            return -1;
        }
        if (!n)
            return (long)len;
        if (len + (size_t)n > GATHER_BYTES) {
            *extra = p;
            *extra_n = (size_t)n;
            return (long)len;
        }
        memcpy(buf + len, p, (size_t)n);
        len += (size_t)n;
    }
}

/* Writes what the session has to send; then watches for what comes. */
void h2_conn_flush(struct h2conn *c)
{
    if (c->in_recv || c->state != H2C_OPEN)
        return;
    struct xh2 *x = c->x;
    uint8_t buf[GATHER_BYTES];
    for (;;) {
        if (c->plen) { /* what the socket did not take last time, first */
            long w = c->io.fd < 0 ? (long)c->plen : put(c, c->pbuf + c->poff, c->plen);
            if (w < 0)
                return;
            c->poff += (size_t)w;
            c->plen -= (size_t)w;
            if (c->plen)
                break;
            c->poff = 0;
        }
        const uint8_t *extra;
        size_t extra_n;
        long len = gather(c, buf, &extra, &extra_n);
        if (len < 0)
            return;
        if (!len && !extra)
            break;
        if (c->io.fd < 0) /* detached: the bytes go nowhere */
            continue;
        long w = put(c, buf, (size_t)len);
        if (w < 0)
            return;
        if (w < len) {
            if (stash(c, buf + w, (size_t)(len - w)) || (extra && stash(c, extra, extra_n)))
                return;
            break;
        }
        if (extra) {
            w = put(c, extra, extra_n);
            if (w < 0 || ((size_t)w < extra_n && stash(c, extra + w, extra_n - (size_t)w)))
                return;
            if ((size_t)w < extra_n)
                break;
        }
    }
    if (c->proto_error) {
        /* nghttp2 ended the session for the server's bytes (its GOAWAY
         * just went out): the streams left are lost */
        h2_conn_fail(c, OC_OTHER, "HTTP/2 protocol error from %s: %s",
                     x->scn->targets[c->target].name, c->perr[0] ? c->perr : "invalid frames");
        h2_conn_close_r(c, true);
        return;
    }
    if (!c->plen && !c->streams && !nghttp2_session_want_read(c->sess) &&
        !nghttp2_session_want_write(c->sess)) {
        h2_conn_close_r(c, true); /* the session is over (a GOAWAY) */
        return;
    }
    h2_conn_events(c, EV_READ | (c->plen ? EV_WRITE : 0));
}

/* Reads and feeds what arrived on c; then writes what that called for. c
 * is held open (in_recv) while completions run. */
static void conn_read(struct h2conn *c)
{
    struct xh2 *x = c->x;
    c->in_recv = true;
    for (;;) {
        ssize_t n;
        if (c->tls.ssl) {
            ERR_clear_error();
            errno = 0;
            int rc = SSL_read(c->tls.ssl, x->rbuf, (int)sizeof x->rbuf);
            if (rc <= 0) {
                int e = SSL_get_error(c->tls.ssl, rc);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                    break;
                int saved = errno;
                c->in_recv = false;
                if (e == SSL_ERROR_ZERO_RETURN ||
                    (e == SSL_ERROR_SYSCALL && !saved && !ERR_peek_error())) {
                    conn_broken(c, true, 0, NULL);
                } else if (e == SSL_ERROR_SYSCALL && saved && !ERR_peek_error()) {
                    conn_broken(c, false, saved, NULL);
                } else {
                    char why[128];
                    xfer_tls_error(c->tls.ssl, e, saved, why, sizeof why);
                    conn_broken(c, false, 0, c->tls.cert_requested ? HINT_CLIENT_CERT : why);
                }
                return;
            }
            n = rc;
        } else {
            n = recv(c->io.fd, x->rbuf, sizeof x->rbuf, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
            if (n <= 0) {
                int err = errno;
                c->in_recv = false;
                conn_broken(c, n == 0, err, NULL);
                return;
            }
        }
        c->tls.cert_requested = false;
        if (h2_conn_feed(c, x->rbuf, (size_t)n)) {
            c->in_recv = false;
            h2_conn_close_r(c, true);
            return;
        }
        h2_conn_update(c); /* (its SETTINGS may have changed its limit) */
        if (c->close_pending ||
            (c->tls.ssl ? !SSL_has_pending(c->tls.ssl) : (size_t)n < sizeof x->rbuf))
            break;
    }
    c->in_recv = false;
    if (c->close_pending)
        h2_conn_close_r(c, true);
    else
        h2_conn_flush(c);
}

/* The TCP connection is up: times noted on the request that opened it. */
static void conn_up(struct h2conn *c, bool tls)
{
    int64_t now = clock_now_ns();
    for (struct h2slot *s = c->s_first; s; s = s->cs_next)
        if (s->new_conn) {
            if (tls)
                s->tls_ns = now;
            else
                s->connected_ns = now;
        }
}

/* Ready for frames: after the TCP connect (h2c) or the handshake (TLS,
 * once the server agreed to "h2"). */
static void conn_open_done(struct h2conn *c)
{
    const struct scn_target *t = &c->x->scn->targets[c->target];
    if (c->tls.ssl) {
        const unsigned char *p = NULL;
        unsigned len = 0;
        SSL_get0_alpn_selected(c->tls.ssl, &p, &len);
        if (len != 2 || memcmp(p, "h2", 2)) {
            h2_conn_fail(c, OC_TLS,
                         "%s did not agree to HTTP/2 (ALPN): it %s%.*s%s; use http: \"1.1\" "
                         "for this node",
                         t->name, len ? "chose '" : "selected no protocol", (int)len,
                         len ? (const char *)p : "", len ? "'" : "");
            h2_conn_close_r(c, true);
            return;
        }
    }
    h2_cq_drop(c);
    c->state = H2C_OPEN;
    h2_conn_flush(c);
}

/* The TCP connect ended. Returns true when a TLS handshake follows (c
 * still exists). */
static bool on_connected(struct h2conn *c)
{
    int soerr = 0;
    socklen_t len = sizeof soerr;
    getsockopt(c->io.fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (soerr) {
        for (struct h2slot *s = c->s_first; s; s = s->cs_next)
            s->local = xfer_errno_local(soerr);
        h2_conn_fail(c,
                     soerr == ECONNREFUSED ? OC_REFUSED
                     : soerr == ECONNRESET ? OC_RESET
                                           : OC_OTHER,
                     "connect to %s: %s", c->x->scn->targets[c->target].name, strerror(soerr));
        h2_conn_close_r(c, true);
        return false;
    }
    conn_up(c, false);
    if (!c->tls.ssl) {
        conn_open_done(c);
        return false;
    }
    c->state = H2C_HANDSHAKE;
    return true;
}

static void handshake(struct h2conn *c)
{
    const struct scn_target *t = &c->x->scn->targets[c->target];
    enum rec_outcome oc;
    char msg[256];
    switch (xfer_tls_conn_handshake(&c->tls, t, &oc, msg, sizeof msg)) {
    case XFER_TLS_DONE:
        conn_up(c, true);
        conn_open_done(c);
        return;
    case XFER_TLS_WANT_READ:
        h2_conn_events(c, EV_READ);
        return;
    case XFER_TLS_WANT_WRITE:
        h2_conn_events(c, EV_WRITE);
        return;
    case XFER_TLS_FAILED:
        h2_conn_fail(c, oc, "%s", msg);
        h2_conn_close_r(c, true);
        return;
    }
}

void h2_on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    struct h2conn *c = (struct h2conn *)w;
    switch (c->state) {
    case H2C_CONNECTING:
        if (on_connected(c))
            handshake(c);
        return;
    case H2C_HANDSHAKE:
        handshake(c);
        return;
    case H2C_OPEN:
        if (revents & EV_READ)
            conn_read(c);
        else
            h2_conn_flush(c);
        return;
    }
}
