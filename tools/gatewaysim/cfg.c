/*
 * cfg.c — option table, parsing and JSON form of the simulator's
 * configuration (see cfg.h).
 */
#include "cfg.h"
#include "cfg_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- value parsers ---------------------------------------------------- */

int gscfg_parse_duration(const char *s, double default_unit_s, double *out_s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return -EINVAL;
    double unit = default_unit_s;
    if (*end) {
        if (strcmp(end, "ns") == 0)
            unit = 1e-9;
        else if (strcmp(end, "us") == 0)
            unit = 1e-6;
        else if (strcmp(end, "ms") == 0)
            unit = 1e-3;
        else if (strcmp(end, "s") == 0)
            unit = 1;
        else if (strcmp(end, "m") == 0)
            unit = 60;
        else
            return -EINVAL;
    }
    *out_s = v * unit;
    return 0;
}

int gscfg_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

int gscfg_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return -EINVAL;
    double mul = 1;
    if (*end) {
        if (!strcmp(end, "k") || !strcmp(end, "K") || !strcmp(end, "KiB") || !strcmp(end, "kB"))
            mul = 1024;
        else if (!strcmp(end, "m") || !strcmp(end, "M") || !strcmp(end, "MiB") ||
                 !strcmp(end, "MB"))
            mul = 1024 * 1024;
        else if (strcmp(end, "b") && strcmp(end, "B"))
            return -EINVAL;
    }
    v *= mul;
    if (v > 1024.0 * 1024 * 1024)
        return -EINVAL;
    *out = (size_t)v;
    return 0;
}

int gscfg_copy_str(char *dst, size_t size, const char *s, char *err, size_t errlen)
{
    size_t n = strlen(s);
    if (n == 0 || n >= size) {
        snprintf(err, errlen, "'%s' is empty or longer than %zu characters", s, size - 1);
        return -EINVAL;
    }
    memcpy(dst, s, n + 1);
    return 0;
}

/* ---- setters ---------------------------------------------------------- */

static int set_name(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x21 || *p == 0x7f || *p == '"' || *p == '\\')
            GSCFG_BAD("'%s' has spaces, quotes or control characters; use e.g. gw1", v);
    return gscfg_copy_str(c->name, sizeof c->name, v, err, errlen);
}

static int set_listen(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_copy_str(c->listen_addr, sizeof c->listen_addr, v, err, errlen);
}

static int set_port(int *port, const char *v, char *err, size_t errlen)
{
    long p;
    if (parse_long(v, 0, 65535, &p))
        GSCFG_BAD("'%s' is not a port number 0..65535 (0 turns the listener off)", v);
    *port = (int)p;
    return 0;
}

static int set_http_port(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return set_port(&c->http_port, v, err, errlen);
}

static int set_https_port(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    c->https_port_set = true;
    return set_port(&c->https_port, v, err, errlen);
}

static int set_cert(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_copy_str(c->cert_file, sizeof c->cert_file, v, err, errlen);
}

static int set_key(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_copy_str(c->key_file, sizeof c->key_file, v, err, errlen);
}

static int set_client_ca(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_copy_str(c->client_ca_file, sizeof c->client_ca_file, v, err, errlen);
}

static int set_verify_client(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (!strcmp(v, "require"))
        c->client_cert_optional = false;
    else if (!strcmp(v, "optional"))
        c->client_cert_optional = true;
    else
        GSCFG_BAD("'%s' is not require or optional", v);
    c->verify_client_set = true;
    return 0;
}

static int set_pid_file(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_copy_str(c->pid_file, sizeof c->pid_file, v, err, errlen);
}

static int set_seed(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long long s = strtoull(v, &end, 0);
    if (end == v || *end || errno || v[0] == '-')
        GSCFG_BAD("'%s' is not a whole number >= 0", v);
    c->seed = s;
    c->seed_set = true;
    return 0;
}

static int set_max_conns(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_long(v, 1, 1000000, &n))
        GSCFG_BAD("'%s' is not a number 1..1000000", v);
    c->max_conns = (int)n;
    return 0;
}

static int set_idle_timeout(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    double s;
    if (gscfg_parse_duration(v, 1, &s) || s < 0.001)
        GSCFG_BAD("'%s' is not a duration >= 1ms (e.g. 60s; a bare number is seconds)", v);
    c->idle_timeout_s = s;
    return 0;
}

static int set_max_body(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    size_t n;
    if (gscfg_parse_size(v, &n) || n < 1)
        GSCFG_BAD("'%s' is not a size 1..1GiB (e.g. 16MiB, 64k, 4096)", v);
    c->max_body_bytes = n;
    return 0;
}

static int set_quiet(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    (void)v;
    (void)err;
    (void)errlen;
    c->quiet = true;
    return 0;
}

static int set_workers(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_long(v, 0, 1000000, &n))
        GSCFG_BAD("'%s' is not a whole number 0..1000000 (0 = unlimited, e.g. 8)", v);
    c->workers = (int)n;
    return 0;
}

int gscfg_parse_service_time(struct gscfg *c, const char *s, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        enum gscfg_dist d;
        bool spread;
    } dists[] = {{"fixed", GSCFG_DIST_FIXED, false},
                 {"exp", GSCFG_DIST_EXP, false},
                 {"lognormal", GSCFG_DIST_LOGNORMAL, true},
                 {"uniform", GSCFG_DIST_UNIFORM, true}};
    char tmp[128];
    if (strlen(s) >= sizeof tmp)
        GSCFG_BAD("'%s' is too long", s);
    snprintf(tmp, sizeof tmp, "%s", s);
    char *parts[3] = {tmp, NULL, NULL};
    int np = 1;
    for (char *p = tmp; *p && np < 3; p++)
        if (*p == ':') {
            *p = 0;
            parts[np++] = p + 1;
        }
    if (strchr(parts[np - 1], ':'))
        GSCFG_BAD("'%s' has too many ':' parts; use DIST:MEAN[:SPREAD]", s);
    int di = 0;
    const char *mean = parts[0], *spread = NULL;
    if (np > 1 || (parts[0][0] && (parts[0][0] < '0' || parts[0][0] > '9') && parts[0][0] != '.')) {
        di = -1;
        for (size_t i = 0; i < sizeof dists / sizeof dists[0]; i++)
            if (!strcmp(parts[0], dists[i].name))
                di = (int)i;
        if (di < 0)
            GSCFG_BAD("unknown distribution '%s'; use fixed, exp, lognormal or uniform "
                      "(e.g. lognormal:20ms:10ms)",
                      parts[0]);
        if (np < 2)
            GSCFG_BAD("'%s' lacks the mean; use %s:MEAN%s", s, parts[0],
                      dists[di].spread ? ":SPREAD" : "");
        mean = parts[1];
        spread = np > 2 ? parts[2] : NULL;
    }
    double m, sp = 0;
    if (gscfg_parse_duration(mean, 1e-3, &m) || m > 3600)
        GSCFG_BAD("mean '%s' is not a duration (e.g. 50ms, 1.5ms, 200us; a bare number is ms)",
                  mean);
    if (spread && !dists[di].spread)
        GSCFG_BAD("distribution %s takes no spread; use %s:MEAN", dists[di].name, dists[di].name);
    if (dists[di].spread) {
        if (!spread)
            GSCFG_BAD("'%s' lacks the spread; use %s:MEAN:SPREAD (spread = standard deviation for "
                      "lognormal, half-width for uniform)",
                      s, dists[di].name);
        if (gscfg_parse_duration(spread, 1e-3, &sp) || sp > 3600)
            GSCFG_BAD("spread '%s' is not a duration (e.g. 10ms)", spread);
        if (dists[di].d == GSCFG_DIST_UNIFORM && sp > m)
            GSCFG_BAD(
                "uniform spread %s is larger than the mean %s; service times would be negative",
                spread, mean);
        if (dists[di].d == GSCFG_DIST_LOGNORMAL && m <= 0 && sp > 0)
            GSCFG_BAD("lognormal needs a mean > 0");
    }
    c->dist = dists[di].d;
    c->service_mean_s = m;
    c->service_spread_s = sp;
    return 0;
}

static int set_service_time(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_parse_service_time(c, v, err, errlen);
}

static int set_usl_alpha(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (gscfg_parse_double(v, 0, 1, &c->usl_alpha))
        GSCFG_BAD("'%s' is not a number 0..1 (e.g. 0.02)", v);
    return 0;
}

static int set_usl_beta(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (gscfg_parse_double(v, 0, 1, &c->usl_beta))
        GSCFG_BAD("'%s' is not a number 0..1 (e.g. 0.0005)", v);
    return 0;
}

static int set_stall(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (!strcmp(v, "off") || !strcmp(v, "0")) {
        c->stall_s = c->stall_every_s = 0;
        return 0;
    }
    const char *colon = strchr(v, ':');
    char d[64];
    if (!colon || (size_t)(colon - v) >= sizeof d)
        GSCFG_BAD("'%s' is not D:P (stall D every P, e.g. 200ms:2s or 200:2 = 200 ms every 2 s; "
                  "'off' turns it off)",
                  v);
    memcpy(d, v, (size_t)(colon - v));
    d[colon - v] = 0;
    double ds, ps;
    if (gscfg_parse_duration(d, 1e-3, &ds) || gscfg_parse_duration(colon + 1, 1, &ps))
        GSCFG_BAD("'%s' is not D:P (e.g. 200ms:2s; bare D is ms, bare P is s)", v);
    if (ps <= 0 || ds >= ps)
        GSCFG_BAD("stall %s must be shorter than its period %s", d, colon + 1);
    c->stall_s = ds;
    c->stall_every_s = ps;
    return 0;
}

int gscfg_set_fraction(double *out, const char *v, char *err, size_t errlen)
{
    if (gscfg_parse_double(v, 0, 1, out))
        GSCFG_BAD("'%s' is not a fraction 0..1 (e.g. 0.05 for 5%%)", v);
    return 0;
}

static int set_error_rate(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_set_fraction(&c->error_rate, v, err, errlen);
}

static int set_error_status(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_long(v, 500, 599, &n))
        GSCFG_BAD("'%s' is not a status 500..599 (e.g. 503)", v);
    c->error_status = (int)n;
    return 0;
}

static int set_reset_rate(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_set_fraction(&c->reset_rate, v, err, errlen);
}

static int set_h2_refuse_rate(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    return gscfg_set_fraction(&c->h2_refuse_rate, v, err, errlen);
}

static int set_h2_max_streams(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_long(v, 1, 1000000, &n))
        GSCFG_BAD("'%s' is not a number of streams 1..1000000 (default 128)", v);
    c->h2_max_streams = (int)n;
    return 0;
}

static int set_h2_goaway_after(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    long n;
    if (parse_long(v, 0, 1000000000, &n))
        GSCFG_BAD("'%s' is not a number of streams (0 = never)", v);
    c->h2_goaway_after = (int)n;
    return 0;
}

static int set_slow(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (!strcmp(v, "off") || !strcmp(v, "0")) {
        c->slow_s = 0;
        c->slow_rate = 1;
        return 0;
    }
    char d[64];
    const char *colon = strchr(v, ':');
    size_t n = colon ? (size_t)(colon - v) : strlen(v);
    if (n >= sizeof d)
        GSCFG_BAD("'%s' is too long", v);
    memcpy(d, v, n);
    d[n] = 0;
    double s, f = 1;
    if (gscfg_parse_duration(d, 1e-3, &s) || s > 3600)
        GSCFG_BAD("'%s' is not D[:F] (extra delay D for a fraction F of responses, e.g. 500ms:0.1; "
                  "bare D is ms)",
                  v);
    if (colon && gscfg_parse_double(colon + 1, 0, 1, &f))
        GSCFG_BAD("fraction '%s' in '%s' is not 0..1", colon + 1, v);
    c->slow_s = s;
    c->slow_rate = f;
    return 0;
}

static int set_refuse(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (!strcmp(v, "off") || !strcmp(v, "0"))
        c->refuse = GSCFG_REFUSE_OFF;
    else if (!strcmp(v, "rst") || !strcmp(v, "on") || !strcmp(v, "1"))
        c->refuse = GSCFG_REFUSE_RST;
    else if (!strcmp(v, "close"))
        c->refuse = GSCFG_REFUSE_CLOSE;
    else
        GSCFG_BAD("'%s' is not off, rst or close", v);
    return 0;
}

static int set_refuse_for(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    double s;
    if (gscfg_parse_duration(v, 1, &s) || s > 86400)
        GSCFG_BAD(
            "'%s' is not a duration (e.g. 5s, 500ms; a bare number is seconds; 0 = until changed)",
            v);
    c->refuse_for_s = s;
    return 0;
}

static int set_fault_spacing(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    if (!strcmp(v, "random"))
        c->fault_spacing = GSCFG_SPACING_RANDOM;
    else if (!strcmp(v, "even"))
        c->fault_spacing = GSCFG_SPACING_EVEN;
    else
        GSCFG_BAD("'%s' is not random or even", v);
    return 0;
}

static int set_body_bytes(struct gscfg *c, const char *v, char *err, size_t errlen)
{
    size_t n;
    if (gscfg_parse_size(v, &n) || n > 256u * 1024 * 1024)
        GSCFG_BAD("'%s' is not a size 0..256MiB (e.g. 1024, 10k, 1MiB)", v);
    c->body_bytes = n;
    return 0;
}

/* ---- the table -------------------------------------------------------- */

static const struct gscfg_opt opts[] = {
    {"name", "NAME", 0, set_name, "node name sent in X-Gateway-Node (default gw-ADDR)"},
    {"listen", "ADDR", 0, set_listen, "IPv4/IPv6 address to listen on (default 127.0.0.1)"},
    {"http-port", "PORT", 0, set_http_port, "HTTP port (default 8280; 0 = none)"},
    {"https-port", "PORT", 0, set_https_port,
     "HTTPS port (default 8243 when --cert is given; 0 = none)"},
    {"cert", "FILE", 0, set_cert, "server certificate chain, PEM (e.g. from tools/make-certs)"},
    {"key", "FILE", 0, set_key, "server private key, PEM"},
    {"client-ca", "FILE", 0, set_client_ca,
     "require client certificates signed by this CA (mutual TLS)"},
    {"verify-client", "MODE", 0, set_verify_client,
     "with --client-ca: require (default) or optional (verified when given)"},
    {"pid-file", "FILE", 0, set_pid_file, "write the process id here; removed at exit"},
    {"seed", "N", 0, set_seed, "random seed for service times and faults (default: time)"},
    {"max-conns", "N", 0, set_max_conns, "open connections above this are reset (default 20000)"},
    {"idle-timeout", "DUR", 0, set_idle_timeout, "close idle keep-alive connections (default 60s)"},
    {"max-body", "SIZE", 0, set_max_body, "largest request body accepted (default 16MiB)"},
    {"quiet", NULL, GSCFG_OPT_NOARG, set_quiet, "no start-up line on stderr"},
    {"workers", "W", GSCFG_OPT_RUNTIME, set_workers,
     "requests served at once; the rest wait in FIFO order (default 0 = unlimited)"},
    {"service-time", "SPEC", GSCFG_OPT_RUNTIME, set_service_time,
     "MEAN | fixed:MEAN | exp:MEAN | lognormal:MEAN:SD | uniform:MEAN:HALFWIDTH (default 0)"},
    {"usl-alpha", "A", GSCFG_OPT_RUNTIME, set_usl_alpha,
     "USL contention: service time x (1+A(N-1)+BN(N-1))"},
    {"usl-beta", "B", GSCFG_OPT_RUNTIME, set_usl_beta, "USL coherency (N = requests in service)"},
    {"stall", "D:P", GSCFG_OPT_RUNTIME, set_stall,
     "pause all processing D every P (e.g. 200ms:2s; off)"},
    {"error-rate", "F", GSCFG_OPT_RUNTIME, set_error_rate,
     "fraction of API responses that are 5xx"},
    {"error-status", "CODE", GSCFG_OPT_RUNTIME, set_error_status, "status of those (default 503)"},
    {"reset-rate", "F", GSCFG_OPT_RUNTIME, set_reset_rate,
     "fraction of API requests answered with a TCP reset"},
    {"h2-max-streams", "N", GSCFG_OPT_RUNTIME, set_h2_max_streams,
     "HTTP/2 streams at once per connection (SETTINGS; new connections; default 128)"},
    {"h2-refuse-rate", "F", GSCFG_OPT_RUNTIME, set_h2_refuse_rate,
     "fraction of HTTP/2 streams answered RST_STREAM REFUSED_STREAM, unprocessed"},
    {"h2-goaway-after", "N", GSCFG_OPT_RUNTIME, set_h2_goaway_after,
     "HTTP/2: GOAWAY after N streams on a connection, close when they are done (0 = never)"},
    {"slow", "D[:F]", GSCFG_OPT_RUNTIME, set_slow,
     "extra delay D for a fraction F (default 1) of API responses"},
    {"refuse", "MODE", GSCFG_OPT_RUNTIME, set_refuse,
     "refuse new connections: off, rst (accept and reset) or close (close listeners)"},
    {"refuse-for", "DUR", GSCFG_OPT_RUNTIME, set_refuse_for,
     "stop refusing after DUR (the control endpoint is refused too; default 0 = never)"},
    {"fault-spacing", "MODE", GSCFG_OPT_RUNTIME, set_fault_spacing,
     "random (default) or even (exact fractions: every 1/F-th request)"},
    {"body-bytes", "SIZE", GSCFG_OPT_RUNTIME, set_body_bytes,
     "echo GET response body size (default 100; ?size=N overrides)"},
    {"route", "[METHOD ]PATH[=STATUS]", GSCFG_OPT_RUNTIME, gscfg_add_route,
     "PATH and below it answer METHOD (default all) like the echo API, with STATUS (default "
     "200, e.g. 'POST /open-banking/v3.1/pisp/domestic-payment-consents=201'); repeatable"},
};

#define N_OPTS (sizeof opts / sizeof opts[0])

/* The i-th option of both tables: this file's, then cfg_auth.c's. */
static const struct gscfg_opt *opt_at(size_t i)
{
    return i < N_OPTS                       ? &opts[i]
           : i < N_OPTS + gscfg_n_auth_opts ? &gscfg_auth_opts[i - N_OPTS]
                                            : NULL;
}

void gscfg_defaults(struct gscfg *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen_addr, sizeof c->listen_addr, "127.0.0.1");
    c->http_port = 8280;
    c->https_port = 8243;
    c->max_conns = 20000;
    c->idle_timeout_s = 60;
    c->max_body_bytes = 16u * 1024 * 1024;
    c->dist = GSCFG_DIST_FIXED;
    c->error_status = 503;
    c->slow_rate = 1;
    c->body_bytes = 100;
    c->token_ttl_s = 3600;
    c->throttle_unit_s = 1;
    c->h2_max_streams = 128;
    /* every gatewaysim agrees on this one: a cluster works without it */
    snprintf(c->journey_secret, sizeof c->journey_secret, "%s", "gatewaysim journey secret v1");
    static const char echo[] = "/echo/1.0.0";
    c->routes[0] = (struct gscfg_route){
        .methods = GSCFG_METHODS_ALL, .path_len = sizeof echo - 1, .status = 200};
    memcpy(c->routes[0].path, echo, sizeof echo);
    c->n_routes = 1;
}

static const struct gscfg_opt *find_opt(const char *name, size_t n)
{
    for (size_t i = 0; opt_at(i); i++) {
        const char *o = opt_at(i)->name;
        if (strlen(o) != n)
            continue;
        size_t k = 0;
        for (; k < n; k++) {
            char a = name[k] == '_' ? '-' : name[k];
            if (a != o[k])
                break;
        }
        if (k == n)
            return opt_at(i);
    }
    return NULL;
}

int gscfg_parse_argv(struct gscfg *c, int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return 1;
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            snprintf(err, errlen, "unexpected argument '%s'; options start with -- (see --help)",
                     a);
            return -EINVAL;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        const struct gscfg_opt *o = find_opt(name, n);
        if (!o) {
            snprintf(err, errlen, "unknown option '--%.*s'; see gatewaysim --help", (int)n, name);
            return -EINVAL;
        }
        const char *val;
        if (o->flags & GSCFG_OPT_NOARG) {
            if (eq) {
                snprintf(err, errlen, "--%s takes no value", o->name);
                return -EINVAL;
            }
            val = "";
        } else if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            snprintf(err, errlen, "--%s needs a value (%s)", o->name, o->arg);
            return -EINVAL;
        }
        char sub[512];
        sub[0] = 0;
        if (o->set(c, val, sub, sizeof sub)) {
            snprintf(err, errlen, "--%s: %s", o->name, sub);
            return -EINVAL;
        }
    }
    return 0;
}

int gscfg_check(const struct gscfg *c, char *err, size_t errlen)
{
    bool have_cert = c->cert_file[0] != 0;
    if (have_cert != (c->key_file[0] != 0)) {
        snprintf(err, errlen,
                 "--cert and --key go together; give both (tools/make-certs DIR makes "
                 "DIR/server.pem and DIR/server.key)");
        return -EINVAL;
    }
    if (c->https_port_set && c->https_port != 0 && !have_cert) {
        snprintf(err, errlen,
                 "--https-port %d needs --cert and --key (tools/make-certs DIR makes "
                 "them), or use --https-port 0",
                 c->https_port);
        return -EINVAL;
    }
    if (c->client_ca_file[0] && !have_cert) {
        snprintf(err, errlen, "--client-ca needs HTTPS: give --cert and --key as well");
        return -EINVAL;
    }
    if (c->verify_client_set && !c->client_ca_file[0]) {
        snprintf(err, errlen,
                 "--verify-client needs --client-ca FILE, the CA that client certificates are "
                 "verified against");
        return -EINVAL;
    }
    bool https = have_cert && c->https_port != 0;
    if (c->http_port == 0 && !https) {
        snprintf(err, errlen, "no listener: --http-port is 0 and HTTPS is off; give a port");
        return -EINVAL;
    }
    if (https && c->http_port == c->https_port) {
        snprintf(err, errlen, "--http-port and --https-port are both %d; use two ports",
                 c->http_port);
        return -EINVAL;
    }
    return 0;
}

int gscfg_set_runtime(struct gscfg *c, const char *key, const char *val, char *err, size_t errlen)
{
    const struct gscfg_opt *o = find_opt(key, strlen(key));
    if (!o) {
        snprintf(err, errlen, "unknown setting '%s'", key);
        return -ENOENT;
    }
    if (!(o->flags & GSCFG_OPT_RUNTIME)) {
        snprintf(err, errlen, "'%s' can only be set on the command line", key);
        return -EPERM;
    }
    char sub[512];
    sub[0] = 0;
    struct gscfg tmp = *c;
    if (o->set(&tmp, val, sub, sizeof sub)) {
        snprintf(err, errlen, "%s: %s", key, sub);
        return -EINVAL;
    }
    *c = tmp;
    return 0;
}

static const char *dist_name(enum gscfg_dist d)
{
    switch (d) {
    case GSCFG_DIST_EXP:
        return "exp";
    case GSCFG_DIST_LOGNORMAL:
        return "lognormal";
    case GSCFG_DIST_UNIFORM:
        return "uniform";
    default:
        return "fixed";
    }
}

int gscfg_to_json(const struct gscfg *c, struct gsbuf *out)
{
    static const char *refuse[] = {"off", "rst", "close"};
    const char *verify = !c->client_ca_file[0]     ? "none"
                         : c->client_cert_optional ? "optional"
                                                   : "require";
    int rc = gsbuf_printf(out, "{\"name\":\"");
    rc = rc ? rc : gsbuf_json_str(out, c->name, strlen(c->name));
    rc = rc ? rc
            : gsbuf_printf(
                  out,
                  "\",\"listen\":\"%s\",\"http_port\":%d,\"https_port\":%d,"
                  "\"mutual_tls\":%s,\"verify_client\":\"%s\",\"workers\":%d,"
                  "\"service_time\":{\"dist\":\"%s\",\"mean_ms\":%.6g,\"spread_ms\":%.6g},"
                  "\"usl_alpha\":%.9g,\"usl_beta\":%.9g,"
                  "\"stall\":{\"ms\":%.6g,\"every_s\":%.6g},"
                  "\"error_rate\":%.6g,\"error_status\":%d,\"reset_rate\":%.6g,"
                  "\"slow\":{\"ms\":%.6g,\"rate\":%.6g},\"refuse\":\"%s\",\"refuse_for_s\":%.6g,"
                  "\"fault_spacing\":\"%s\",\"body_bytes\":%zu,\"auth\":%s,"
                  "\"token_ttl_s\":%.6g,\"throttle_rate\":%.6g,\"throttle_per_token\":%.6g,"
                  "\"throttle_unit_s\":%.6g,\"throttle_window\":\"%s\",\"retry_after\":%s,\"token_"
                  "delay_ms\":%.6g,"
                  "\"token_error_rate\":%.6g,\"token_echo\":%s,\"token_pad_bytes\":%zu,"
                  "\"clients\":%d,\"users\":%d,\"max_conns\":%d,"
                  "\"idle_timeout_s\":%.6g,\"max_body_bytes\":%zu",
                  c->listen_addr, c->http_port, c->cert_file[0] ? c->https_port : 0,
                  c->client_ca_file[0] ? "true" : "false", verify, c->workers, dist_name(c->dist),
                  c->service_mean_s * 1e3, c->service_spread_s * 1e3, c->usl_alpha, c->usl_beta,
                  c->stall_s * 1e3, c->stall_every_s, c->error_rate, c->error_status, c->reset_rate,
                  c->slow_s * 1e3, c->slow_rate, refuse[c->refuse], c->refuse_for_s,
                  c->fault_spacing == GSCFG_SPACING_EVEN ? "even" : "random", c->body_bytes,
                  c->auth ? "true" : "false", c->token_ttl_s, c->throttle_rate,
                  c->throttle_per_token, c->throttle_unit_s,
                  c->throttle_window == GSCFG_WINDOW_SLIDING ? "sliding" : "fixed",
                  c->retry_after ? "true" : "false", c->token_delay_s * 1e3, c->token_error_rate,
                  c->token_echo ? "true" : "false", c->token_pad_bytes, c->n_clients, c->n_users,
                  c->max_conns, c->idle_timeout_s, c->max_body_bytes);
    rc = rc ? rc
            : gsbuf_printf(out, ",\"client_keys\":%d,\"verify_jws\":\"%s\",\"token_audience\":\"",
                           c->n_client_keys, c->verify_jws);
    rc = rc ? rc : gsbuf_json_str(out, c->token_audience, strlen(c->token_audience));
    rc = rc ? rc : gsbuf_puts(out, "\"");
    /* expires_in as set: a JSON string, "" for the default */
    rc = rc ? rc : gsbuf_puts(out, ",\"token_expires_in\":\"");
    rc = rc ? rc : gsbuf_json_str(out, c->token_expires_in, strlen(c->token_expires_in));
    rc = rc ? rc : gsbuf_puts(out, "\",\"app_quotas\":");
    rc = rc ? rc : gscfg_apps_json(c, out);
    rc = rc ? rc : gsbuf_puts(out, ",\"routes\":");
    rc = rc ? rc : gscfg_routes_json(c, out);
    rc = rc ? rc
            : gsbuf_printf(out,
                           ",\"journey\":\"%s\",\"journey_settle_s\":%.6g,\"journey_refuse\":%.6g,"
                           "\"journey_secret\":\"%s\"",
                           c->journey == GSCFG_JOURNEY_OPEN_BANKING ? "open-banking" : "off",
                           c->journey_settle_s, c->journey_refuse,
                           c->journey_secret_set ? "set" : "default");
    rc = rc ? rc
            : gsbuf_printf(out,
                           ",\"h2_max_streams\":%d,\"h2_refuse_rate\":%.6g,\"h2_goaway_after\":%d",
                           c->h2_max_streams, c->h2_refuse_rate, c->h2_goaway_after);
    return rc ? rc : gsbuf_puts(out, "}");
}

int gscfg_usage(struct gsbuf *out)
{
    int rc =
        gsbuf_puts(out, "usage: gatewaysim [OPTIONS]\n"
                        "A simulated WSO2 API gateway node with known capacity and injectable "
                        "faults.\nOptions (--opt VALUE or --opt=VALUE; those marked * can also "
                        "be changed at run time with\nPOST /_sim/config?opt_name=VALUE):\n");
    for (size_t i = 0; opt_at(i) && !rc; i++) {
        const struct gscfg_opt *o = opt_at(i);
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        rc = gsbuf_printf(out, " %c %-28s %s\n", (o->flags & GSCFG_OPT_RUNTIME) ? '*' : ' ', left,
                          o->help);
    }
    return rc ? rc
              : gsbuf_puts(out, "   --help                       this text\n"
                                "Durations: 50ms, 1.5s, 200us, 2m. Endpoints: /echo/1.0.0[/...], "
                                "--route paths,\n--journey paths, POST /oauth2/token, GET "
                                "/_sim/stats, POST /_sim/reset, "
                                "GET|POST /_sim/config. See docs/gatewaysim.md.\nExit: 0 after "
                                "SIGTERM/SIGINT, 1 start-up failure, 2 bad usage.\n");
}
