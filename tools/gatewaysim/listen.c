/*
 * listen.c — a simulated node's listening side: its address, its TLS
 * context, its listeners (opened, closed while refusing, opened again
 * when --refuse-for ends) and accepting (a refusal by RST, the pause when
 * out of descriptors); see listen.h.
 */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "h2.h"

#define ACCEPTS_PER_WAKEUP 64
#define LISTEN_BACKLOG 4096

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents);

static void set_port(struct sockaddr_storage *ss, int port)
{
    if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

static int open_listener(struct gssrv *s, struct gssrv_listener *l, char *err, size_t errlen)
{
    struct sockaddr_storage ss = s->addr;
    set_port(&ss, l->port);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -errno;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, s->addr_len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s port %d (%s): %s%s", s->cfg.listen_addr, l->port,
                 l->tls ? "HTTPS" : "HTTP", strerror(e),
                 e == EADDRINUSE ? "; is another gatewaysim running there? Pick another port "
                                   "or address (--listen, --http-port, --https-port)"
                                 : "");
        close(fd);
        return -e;
    }
    l->fd = fd;
    ev_io_init(&l->io, accept_cb, fd, EV_READ);
    l->io.data = l;
    ev_io_start(s->loop, &l->io);
    return 0;
}

static void close_listener(struct gssrv *s, struct gssrv_listener *l)
{
    if (l->fd < 0)
        return;
    ev_io_stop(s->loop, &l->io);
    close(l->fd);
    l->fd = -1;
}

int gslisten_sync(struct gssrv *s, char *err, size_t errlen)
{
    for (int i = 0; i < 2; i++) {
        struct gssrv_listener *l = &s->lis[i];
        if (l->port == 0)
            continue;
        if (s->cfg.refuse == GSCFG_REFUSE_CLOSE) {
            close_listener(s, l);
        } else if (l->fd < 0) {
            int rc = open_listener(s, l, err, errlen);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static void accept_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct gssrv *s = w->data;
    for (int i = 0; i < 2; i++)
        if (s->lis[i].fd >= 0)
            ev_io_start(s->loop, &s->lis[i].io);
}

static void refuse_end_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct gssrv *s = w->data;
    char err[256];
    s->cfg.refuse = GSCFG_REFUSE_OFF;
    if (gslisten_sync(s, err, sizeof err)) {
        /* the port was taken meanwhile: keep trying */
        s->cfg.refuse = GSCFG_REFUSE_CLOSE;
        ev_timer_set(&s->refuse_timer, 0.5, 0);
        ev_timer_start(s->loop, &s->refuse_timer);
    }
}

void gslisten_arm_refuse(struct gssrv *s)
{
    ev_timer_stop(s->loop, &s->refuse_timer);
    if (s->cfg.refuse != GSCFG_REFUSE_OFF && s->cfg.refuse_for_s > 0) {
        ev_timer_set(&s->refuse_timer, s->cfg.refuse_for_s, 0);
        ev_timer_start(s->loop, &s->refuse_timer);
    }
}

static void refuse_fd(struct gssrv *s, int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
    s->stats.conn_refused++;
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    struct gssrv_listener *l = w->data;
    struct gssrv *s = l->srv;
    for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* out of descriptors: stop accepting for a moment */
                for (int k = 0; k < 2; k++)
                    if (s->lis[k].fd >= 0)
                        ev_io_stop(loop, &s->lis[k].io);
                ev_timer_stop(loop, &s->accept_pause_timer);
                ev_timer_set(&s->accept_pause_timer, 0.1, 0);
                ev_timer_start(loop, &s->accept_pause_timer);
            }
            return;
        }
        s->stats.conn_accepted++;
        if (s->cfg.refuse == GSCFG_REFUSE_RST || s->pool.n_open >= s->cfg.max_conns) {
            refuse_fd(s, fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct gsconn *c = gsconn_accept(&s->pool, s, fd, l->tls ? s->ssl_ctx : NULL);
        if (c)
            gsconn_process(c);
    }
}

static int tls_error(char *err, size_t errlen, const char *what, const char *file)
{
    unsigned long e = ERR_peek_last_error();
    char reason[256];
    ERR_error_string_n(e, reason, sizeof reason);
    snprintf(err, errlen, "%s '%s': %s", what, file, e ? reason : "unknown error");
    ERR_clear_error();
    return -EINVAL;
}

static int setup_tls(struct gssrv *s, char *err, size_t errlen)
{
    const struct gscfg *cfg = &s->cfg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot create a TLS context");
        return -ENOMEM;
    }
    s->ssl_ctx = ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    gsh2_tls_setup(ctx); /* ALPN: h2 when the client offers it, else http/1.1 */
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1)
        return tls_error(err, errlen, "--cert: cannot use certificate", cfg->cert_file);
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
            ERR_clear_error();
            snprintf(err, errlen,
                     "--key '%s' does not match the certificate in --cert '%s'; give "
                     "the key the certificate was made for",
                     cfg->key_file, cfg->cert_file);
            return -EINVAL;
        }
        return tls_error(err, errlen, "--key: cannot use private key", cfg->key_file);
    }
    if (SSL_CTX_check_private_key(ctx) != 1)
        return tls_error(err, errlen, "--key: does not match the certificate in --cert; key",
                         cfg->key_file);
    if (cfg->client_ca_file[0]) {
        if (SSL_CTX_load_verify_locations(ctx, cfg->client_ca_file, NULL) != 1)
            return tls_error(err, errlen, "--client-ca: cannot load CA", cfg->client_ca_file);
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->client_ca_file);
        if (names)
            SSL_CTX_set_client_CA_list(ctx, names);
        /* optional: a certificate given is verified (a bad one fails the
         * handshake), none is fine */
        SSL_CTX_set_verify(ctx,
                           cfg->client_cert_optional
                               ? SSL_VERIFY_PEER
                               : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                           NULL);
        static const unsigned char sid[] = "gatewaysim";
        SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
    }
    return 0;
}

static int parse_addr(struct gssrv *s, char *err, size_t errlen)
{
    memset(&s->addr, 0, sizeof s->addr);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&s->addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&s->addr;
    const char *a = s->cfg.listen_addr;
    char buf[64];
    size_t n = strlen(a);
    if (n >= 2 && a[0] == '[' && a[n - 1] == ']' && n - 2 < sizeof buf) {
        memcpy(buf, a + 1, n - 2);
        buf[n - 2] = 0;
        a = buf;
    }
    if (inet_pton(AF_INET, a, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        s->addr_len = sizeof *a4;
    } else if (inet_pton(AF_INET6, a, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        s->addr_len = sizeof *a6;
    } else {
        snprintf(err, errlen, "--listen: '%s' is not an IPv4 or IPv6 address (e.g. 127.0.0.1)",
                 s->cfg.listen_addr);
        return -EINVAL;
    }
    return 0;
}

int gslisten_init(struct gssrv *s, char *err, size_t errlen)
{
    ev_timer_init(&s->accept_pause_timer, accept_pause_cb, 0.1, 0);
    s->accept_pause_timer.data = s;
    ev_timer_init(&s->refuse_timer, refuse_end_cb, 1.0, 0);
    s->refuse_timer.data = s;
    int rc = parse_addr(s, err, errlen);
    if (!rc && s->lis[1].port)
        rc = setup_tls(s, err, errlen);
    if (rc)
        return rc;
    /* open both even when refusing, to fail early on a taken port */
    enum gscfg_refuse r = s->cfg.refuse;
    s->cfg.refuse = GSCFG_REFUSE_OFF;
    rc = gslisten_sync(s, err, errlen);
    s->cfg.refuse = r;
    if (!rc)
        rc = gslisten_sync(s, err, errlen);
    if (!rc)
        gslisten_arm_refuse(s);
    return rc;
}

void gslisten_close(struct gssrv *s)
{
    for (int i = 0; i < 2; i++)
        close_listener(s, &s->lis[i]);
    ev_timer_stop(s->loop, &s->accept_pause_timer);
    ev_timer_stop(s->loop, &s->refuse_timer);
}
