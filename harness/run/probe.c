/*
 * probe.c — the node check before a run; see probe.h.
 */
#include "run/probe.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <ev.h>
#include <stdio.h>
#include <string.h>

#include "measure/recorder.h"
#include "net/hint.h"
#include "net/xfer.h"
#include "net/xfer_easy.h"
#include "run/certname.h"
#include "scenario/scenario.h"
#include "scenario/template.h"

/* The start of the check's answer (CURLOPT_WRITEFUNCTION). */
struct probe_body {
    size_t len;
    char buf[PROBE_SAID_LEN];
};

static size_t on_probe_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct probe_body *b = userp;
    size_t n = size * nmemb, room = sizeof b->buf - b->len;
    memcpy(b->buf + b->len, ptr, n < room ? n : room);
    b->len += n < room ? n : room;
    return n;
}

/* CURLOPT_WRITEFUNCTION of the second look at a port: nothing kept. */
static size_t on_discard(char *ptr, size_t size, size_t nmemb, void *userp)
{
    (void)ptr;
    (void)userp;
    return size * nmemb;
}

struct probe_stop {
    bool (*stop)(void *ctx);
    void *ctx;
};

/* CURLOPT_XFERINFOFUNCTION: gives up when the caller's stop() says so. */
static int on_probe_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                             curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    const struct probe_stop *ps = clientp;
    return ps->stop(ps->ctx) ? 1 : 0;
}

static void watch_stop(CURL *e, struct probe_stop *ps)
{
    if (!ps->stop)
        return;
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_probe_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, ps);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
}

/* A second look at target's port in the other protocol than its URL
 * says, with nothing of the request in it: tls, a TLS handshake with
 * verification off (completed, or refused with an alert: the port speaks
 * TLS); else a HEAD / over plain HTTP (any status: it speaks HTTP). Both
 * within the connect timeout. */
static bool port_speaks(const struct scenario *scn, struct curl_slist *res, size_t target, bool tls,
                        struct probe_stop *ps)
{
    const struct scn_target *t = &scn->targets[target];
    char url[600], errbuf[CURL_ERROR_SIZE] = "";
    bool v6 = strchr(t->host, ':') != NULL;
    snprintf(url, sizeof url, "%s://%s%s%s:%d/", tls ? "https" : "http", v6 ? "[" : "", t->host,
             v6 ? "]" : "", t->port);
    CURL *e = curl_easy_init();
    if (!e)
        return false;
    struct xfer_tls_hook hook = {0}; /* nothing verified: no CAs (and no file read) */
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    if (res)
        curl_easy_setopt(e, CURLOPT_RESOLVE, res);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)scn->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)scn->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_discard);
    if (tls) {
        curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
        xfer_easy_tls_hook(e, &hook);
    } else {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    }
    watch_stop(e, ps);
    CURLcode rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    if (tls)
        return rc == CURLE_OK ||
               (rc == CURLE_SSL_CONNECT_ERROR && (hint_tls_reason(errbuf) == HINT_TLS_ALERT ||
                                                  hint_tls_reason(errbuf) == HINT_TLS_CERT_REQ));
    return rc == CURLE_OK && xfer_status_valid((int)status);
}

/* A failed check explained (xfer_easy_explain), or, where that leaves the
 * scheme in doubt, its port asked in the other protocol. Writes the
 * message into err. */
static void probe_failure(CURL *e, const struct scenario *scn, struct curl_slist *res,
                          size_t target, CURLcode rc, bool cert_asked, const char *errbuf,
                          struct probe_stop *ps, char *err, size_t err_len)
{
    const struct scn_target *t = &scn->targets[target];
    long os_errno = 0, local_port = 0;
    curl_off_t tls_done = 0;
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
    curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &local_port);
    curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &tls_done);
    enum rec_outcome oc = xfer_classify_msg(rc, os_errno, 0, errbuf);
    const char *said = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    char msg[CURL_ERROR_SIZE + 192], hint[160];
    snprintf(msg, sizeof msg, "%s", said);
    bool known = xfer_easy_explain(e, scn, target, rc, cert_asked, &oc, msg, sizeof msg);
    bool other_way = oc != OC_REFUSED && !(ps->stop && ps->stop(ps->ctx)) &&
                     (t->https ? !cert_asked && local_port && !tls_done
                               : oc == OC_RESET || oc == OC_OTHER || oc == OC_TIMEOUT);
    if (other_way && port_speaks(scn, res, target, !t->https, ps) &&
        hint_scheme(hint, sizeof hint, t->port, !t->https, HINT_TRIED)) {
        if (!t->https)
            snprintf(msg, sizeof msg, "%s; %s", said, hint);
        else if (oc == OC_TIMEOUT)
            snprintf(msg, sizeof msg, "TLS handshake with %s: no answer within %.0f ms: %s",
                     t->name, scn->connect_timeout_ms, hint);
        else
            snprintf(msg, sizeof msg, "TLS handshake with %s failed: %s", t->name, hint);
        known = true;
    } else if (!known && t->https && oc == OC_TIMEOUT && local_port && !tls_done &&
               hint_scheme(hint, sizeof hint, t->port, false, HINT_SILENT)) {
        /* silent to TLS and to plain HTTP alike: "if port 9000 speaks
         * plain HTTP, ..." (not for a port whose role is TLS) */
        snprintf(msg, sizeof msg, "TLS handshake with %s: no answer within %.0f ms: %s", t->name,
                 scn->connect_timeout_ms, hint);
        known = true;
    }
    snprintf(err, err_len, "%s (%s)%s", msg, rec_outcome_name(oc),
             !known && oc == OC_TLS ? "; check tls.ca (the CA that signed the node's certificate), "
                                      "the client certificate, or the TLS versions"
                                    : "");
}

/* After a failed verification of target's certificate: true, with the
 * advice in out, when its chain verifies and it names something else
 * than what was asked (certname.h). */
static bool name_mismatch(const struct scenario *scn, const char *const *resolve, size_t n_resolve,
                          struct auth_pool *auth, size_t target, char *out, size_t out_len)
{
    const struct scn_target *t = &scn->targets[target];
    const char *addr = xfer_target_address(t, resolve, n_resolve);
    char a[INET6_ADDRSTRLEN + 2] = "";
    if (addr) {
        size_t n = strlen(addr);
        if (addr[0] == '[' && n > 2 && n - 2 < sizeof a)
            memcpy(a, addr + 1, n - 2);
        else
            snprintf(a, sizeof a, "%s", addr);
    }
    struct certname_peer peer = {.host = t->server_name ? t->server_name : t->host,
                                 .port = t->port,
                                 .address = a[0] ? a : NULL,
                                 .cert = &scn->tls.cert,
                                 .key = &scn->tls.key,
                                 .key_password = scn->tls.key_password,
                                 .timeout_ms = (long)scn->connect_timeout_ms};
    if (auth && scn->auth.apps[0].cert.data) {
        peer.cert = &scn->auth.apps[0].cert;
        peer.key = &scn->auth.apps[0].key;
        peer.key_password = NULL;
    }
    char names[512], dns[256], alt[64];
    if (certname_check(scn, &peer, names, sizeof names, dns, sizeof dns) != CERTNAME_MISMATCH)
        return false;
    snprintf(alt, sizeof alt, "targets.%zu.server_name for this node alone", target);
    certname_advice(peer.host, names, dns, "tls.server_name", scn->n_targets > 1 ? alt : NULL, out,
                    out_len);
    return true;
}

/* ---- the check through gatecap's own HTTP/2 client ---- */

/* What the native transport reported for the check's one request. */
struct probe_native {
    bool done;
    bool answered; /* a status came back */
    int status;
    char said[PROBE_SAID_LEN];
    char error[512];
    struct probe_stop *ps;
    struct xfer *x;
};

static void on_native_done(void *user, size_t slot, const struct xfer_result *r)
{
    (void)slot;
    struct probe_native *pn = user;
    pn->done = true;
    pn->answered = r->status > 0 && !r->local && !r->error;
    pn->status = r->status;
    rec_body_line(pn->said, sizeof pn->said, r->body, r->body ? r->body_len : 0);
    snprintf(pn->error, sizeof pn->error, "%s (%s)", r->error ? r->error : "no answer",
             rec_outcome_name(r->outcome));
}

/* Every 50 ms while the check waits: gives up when stop() says so. */
static void on_native_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct probe_native *pn = w->data;
    if (pn->ps->stop && pn->ps->stop(pn->ps->ctx)) {
        xfer_abandon_all(pn->x, NULL, NULL);
        ev_break(loop, EVBREAK_ALL);
    }
}

/* Request 0 to target through the transport the run uses (the native
 * HTTP/2 one), on a loop of its own, bounded by the scenario's timeouts.
 * Returns 0 when it answered (*ans), 1 when it did not (the transport's
 * message in err), -1 when stopped or when the transport could not be set
 * up (err). */
static int probe_native(const struct scenario *scn, const char *const *resolve, size_t n_resolve,
                        struct auth_pool *auth, size_t target, struct probe_stop *ps,
                        struct probe_answer *ans, char *err, size_t err_len)
{
    static const size_t first_rows[TPL_MAX_FEEDERS];
    struct probe_native pn = {.ps = ps};
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    if (!loop) {
        snprintf(err, err_len, "could not prepare the request (no event loop)");
        return -1;
    }
    int ret = -1;
    if (xfer_new(loop, scn, resolve, n_resolve, auth, 1, 1, on_native_done, &pn, &pn.x, err,
                 err_len))
        goto out;
    struct xfer_req rq = {
        .request = 0, .target = target, .app = auth ? 0 : XFER_NO_APP, .rows = first_rows};
    ev_timer tick;
    ev_timer_init(&tick, on_native_tick, 0.05, 0.05);
    tick.data = &pn;
    ev_timer_start(loop, &tick);
    xfer_start(pn.x, 0, &rq);
    while (!pn.done && !(ps->stop && ps->stop(ps->ctx)))
        ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &tick);
    if (!pn.done) {
        snprintf(err, err_len, "stopped");
    } else if (pn.answered) {
        ans->status = pn.status;
        snprintf(ans->said, sizeof ans->said, "%s", pn.said);
        ret = 0;
    } else {
        snprintf(err, err_len, "%s", pn.error);
        ret = 1;
    }
out:
    xfer_free(pn.x);
    ev_loop_destroy(loop);
    return ret;
}

int probe_node(const struct scenario *scn, const char *const *resolve, size_t n_resolve,
               struct auth_pool *auth, size_t target, bool (*stop)(void *stop_ctx), void *stop_ctx,
               struct probe_answer *ans, char *err, size_t err_len)
{
    struct probe_stop ps = {stop, stop_ctx};
    struct probe_body body = {0};
    const struct scn_target *t = &scn->targets[target];
    struct xfer_easy *xe = NULL;
    struct curl_slist *res = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    int ret = -1;
    memset(ans, 0, sizeof *ans);
    /* HTTP/2 natively: the run's own client decides (libcurl 7.88 calls an
     * answer followed by RST_STREAM NO_ERROR a failure, RFC 9113 8.1 says
     * it is an answer); libcurl's request below only explains a failure */
    char native_err[512] = "";
    if (scn->http_version == 2 && xfer_native(scn)) {
        int n = probe_native(scn, resolve, n_resolve, auth, target, &ps, ans, err, err_len);
        if (n <= 0)
            return n;
        snprintf(native_err, sizeof native_err, "%s", err);
    }
    if (xfer_easy_new(scn, resolve, n_resolve, auth, target, &xe, err, err_len))
        return -1;
    if (n_resolve && !(res = xfer_build_resolve(resolve, n_resolve))) {
        snprintf(err, err_len, "could not prepare the request");
        goto out;
    }
    CURL *e = xfer_easy_handle(xe);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_probe_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
    watch_stop(e, &ps);
    CURLcode rc = curl_easy_perform(e);
    bool cert_asked = xfer_easy_cert_asked(xe);
    if (rc != CURLE_OK) {
        char advice[1024];
        if (rc == CURLE_PEER_FAILED_VERIFICATION && !scn->tls.insecure &&
            name_mismatch(scn, resolve, n_resolve, auth, target, advice, sizeof advice)) {
            long os_errno = 0;
            curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
            snprintf(err, err_len, "%s (%s); %s", errbuf[0] ? errbuf : curl_easy_strerror(rc),
                     rec_outcome_name(xfer_classify_msg(rc, os_errno, 0, errbuf)), advice);
        } else {
            probe_failure(e, scn, res, target, rc, cert_asked, errbuf, &ps, err, err_len);
        }
        goto out;
    }
    if (native_err[0]) { /* libcurl got through where gatecap's HTTP/2 client did not */
        snprintf(err, err_len, "%s", native_err);
        goto out;
    }
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    ans->status = (int)code;
    rec_body_line(ans->said, sizeof ans->said, body.buf, body.len);
    /* asked for a certificate, and refused: nginx answers 400 "No required
     * SSL certificate was sent" (495, 496 inside); a 401 is more likely
     * about the token, and its advice names the certificate too */
    if (cert_asked &&
        (ans->status == 400 || ans->status == 403 || ans->status == 495 || ans->status == 496))
        snprintf(ans->hint, sizeof ans->hint, "%s", HINT_CLIENT_CERT);
    else if (!t->https && ans->status == 400 && strcasestr(ans->said, "https") &&
             !(stop && stop(stop_ctx)) && port_speaks(scn, res, target, true, &ps))
        /* e.g. nginx: "The plain HTTP request was sent to HTTPS port" */
        hint_scheme(ans->hint, sizeof ans->hint, t->port, true, HINT_TRIED);
    ret = 0;
out:
    curl_slist_free_all(res);
    xfer_easy_free(xe);
    return ret;
}

int probe_check(const struct scenario *scn, const char *const *resolve, size_t n_resolve,
                struct auth_pool *auth, size_t target, bool (*stop)(void *stop_ctx), void *stop_ctx,
                char *err, size_t err_len)
{
    const struct scn_target *t = &scn->targets[target];
    const struct scn_request *rq0 = &scn->requests[0];
    struct probe_answer ans;
    char why[768];
    if (probe_node(scn, resolve, n_resolve, auth, target, stop, stop_ctx, &ans, why, sizeof why)) {
        snprintf(err, err_len, "node %s (%s) failed the check before the run: %s", t->name, t->url,
                 why);
        return -1;
    }
    /* A node that refuses the first request (bad credentials, missing
     * client certificate, wrong path, failing backend) would make the
     * whole run meaningless; throttling (429) is not a refusal. What it
     * said is quoted (the caller redacts). */
    if (ans.status == 429 || scn_request_expects(rq0, ans.status))
        return 0;
    char fix[320];
    if (ans.hint[0])
        snprintf(fix, sizeof fix, ": %s", ans.hint);
    else
        snprintf(fix, sizeof fix,
                 ". Check the path, credentials and client certificate, or list %d in the "
                 "request's expect",
                 ans.status);
    snprintf(err, err_len,
             "node %s (%s) answered HTTP %d to the check request '%s %s' before the "
             "run; expected %s%s%s%s",
             t->name, t->url, ans.status, rq0->method, rq0->path,
             rq0->n_expect_status ? "a status in its expect list" : "2xx or 3xx", fix,
             ans.said[0] ? ". It said: " : "", ans.said);
    return -1;
}
