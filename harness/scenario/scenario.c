/*
 * scenario.c — loading a scenario: read the file, build the YAML tree,
 * apply --set overrides to the tree (scenario_overrides.c), read every
 * section into struct scenario (scenario_feeders.c, scenario_targets.c,
 * scenario_http.c, scenario_tls.c, scenario_phases.c, scenario_gates.c)
 * while collecting every error, then report them in file order. Also the
 * top-level scalar fields, freeing, and small queries.
 *
 * Overrides edit the tree rather than the struct, so an overridden value
 * goes through exactly the same checks as one written in the file, and an
 * error in it names the override instead of a line.
 */
#include "scenario/scenario.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario/feeder.h"
#include "scenario/redact.h"
#include "scenario/scenario_int.h"
#include "scenario/template.h"

#define SCN_MAX_FILE_BYTES (16u << 20)

const char *scenario_strerror(int err)
{
    switch (err) {
    case SCN_OK:
        return "ok";
    case SCN_EINVAL:
        return "invalid scenario";
    case SCN_EIO:
        return "cannot read the scenario file";
    case SCN_ENOMEM:
        return "out of memory";
    default:
        return "unknown error";
    }
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    free(s->file);
    free(s->name);
    free(s->description);
    for (size_t i = 0; i < s->n_targets; i++) {
        struct scn_target *t = &s->targets[i];
        free(t->url);
        free(t->name);
        free(t->host);
        free(t->base_path);
        free(t->server_name);
    }
    free(s->targets);
    free(s->node_header);
    scn_auth_free(&s->auth);
    scn_metrics_free(&s->metrics);
    free(s->tls.server_name);
    for (size_t i = 0; i < s->n_overrides; i++)
        free(s->overrides[i]);
    free(s->overrides);
    free(s->tls.ca_file);
    free(s->tls.cert_file);
    free(s->tls.key_file);
    free(s->tls.key_password);
    scn_pem_free(&s->tls.ca);
    free(s->tls.ca_system);
    scn_pem_free(&s->tls.cert);
    scn_pem_free(&s->tls.key);
    free(s->tls.min_version);
    free(s->tls.max_version);
    free(s->tls.ciphers);
    free(s->tls.tls13_ciphers);
    for (size_t i = 0; i < s->n_requests; i++) {
        struct scn_request *r = &s->requests[i];
        free(r->name);
        free(r->method);
        free(r->path);
        tpl_free(r->path_tpl);
        tpl_free(r->body_tpl);
        for (size_t h = 0; h < r->n_headers; h++) {
            free(r->headers[h].name);
            free(r->headers[h].value);
            tpl_free(r->headers[h].tpl);
        }
        free(r->headers);
        free(r->body);
        free(r->body_file);
        free(r->expect_status);
        scn_request_checks_free(r);
        if (r->sign) {
            free(r->sign->header);
            free(r->sign->iss);
            free(r->sign->tan);
            free(r->sign);
        }
    }
    free(s->requests);
    scn_flows_free(s);
    for (size_t i = 0; i < s->n_phases; i++) {
        free(s->phases[i].name);
        free(s->phases[i].group);
    }
    free(s->phases);
    for (size_t i = 0; i < s->n_workloads; i++)
        free(s->workloads[i].name);
    free(s->workloads);
    free(s->output_dir);
    for (size_t i = 0; i < s->n_gates; i++) {
        free(s->gates[i].text);
        free(s->gates[i].scope_name);
    }
    free(s->gates);
    for (size_t i = 0; i < s->n_step_stops; i++) {
        struct scn_step_stop *st = &s->step_stops[i];
        for (size_t k = 0; k < st->n_slo; k++)
            free(st->slo[k].text);
        free(st->slo);
        free(st->group);
    }
    free(s->step_stops);
    for (size_t i = 0; i < s->n_feeders; i++)
        feeder_free(s->feeders[i]);
    free(s->feeders);
    free(s);
}

double scenario_duration_s(const struct scenario *s)
{
    double longest = 0;
    for (size_t i = 0; i < s->n_phases; i++) {
        double end = scenario_phase_start_s(s, i) + s->phases[i].duration_s;
        if (end > longest)
            longest = end;
    }
    return longest;
}

double scenario_phase_start_s(const struct scenario *s, size_t p)
{
    if (s->n_workloads)
        return s->phases[p].start_s;
    double start = 0;
    for (size_t i = 0; i < p; i++)
        start += s->phases[i].duration_s;
    return start;
}

static const struct scn_workload *implicit(const struct scenario *s, struct scn_workload *tmp)
{
    *tmp = (struct scn_workload){.name = NULL,
                                 .model = s->model,
                                 .poisson = s->poisson,
                                 .balance_random = s->balance_random,
                                 .max_inflight = s->max_inflight,
                                 .backoff_max_ms = s->backoff_max_ms,
                                 .workers = s->workers,
                                 .n_phases = s->n_phases,
                                 .n_requests = s->n_requests,
                                 .duration_s = scenario_duration_s(s)};
    return tmp;
}

const struct scn_workload *scenario_workload_of_worker(const struct scenario *s, int worker,
                                                       struct scn_workload *tmp)
{
    if (!s->n_workloads)
        return implicit(s, tmp);
    for (size_t i = 1; i < s->n_workloads; i++)
        if ((size_t)worker < s->workloads[i].first_worker)
            return &s->workloads[i - 1];
    return &s->workloads[s->n_workloads - 1];
}

const struct scn_workload *scenario_workload_of_phase(const struct scenario *s, size_t p,
                                                      struct scn_workload *tmp)
{
    if (!s->n_workloads)
        return implicit(s, tmp);
    return &s->workloads[s->phases[p].workload];
}

/* ---- errors ---------------------------------------------------------- */

static int msg_cmp(const void *pa, const void *pb)
{
    const struct scnp_msg *a = pa, *b = pb;
    /* file positions first, in order; then overrides in the order given
     * (write_errors put the override's index in line, negated) */
    long la = a->line > 0 ? a->line : 0x7fffffffL + a->line;
    long lb = b->line > 0 ? b->line : 0x7fffffffL + b->line;
    if (la != lb)
        return la < lb ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void write_errors(struct scnp_ctx *c, char *const *labels, size_t n_labels, char *err,
                         size_t err_len)
{
    if (!err || !err_len)
        return;
    err[0] = '\0';
    size_t keep = c->n_msgs < SCN_MAX_ERRORS ? c->n_msgs : SCN_MAX_ERRORS;
    for (size_t i = 0; i < c->n_msgs; i++) {
        struct scnp_msg *m = &c->msgs[i];
        if (m->line)
            continue;
        for (size_t k = 0; k < n_labels; k++)
            if (m->src == labels[k])
                m->line = -(int)(n_labels - k);
    }
    qsort(c->msgs, c->n_msgs, sizeof *c->msgs, msg_cmp);
    size_t k = 0;
    for (size_t i = 0; i < keep && k < err_len; i++) {
        const struct scnp_msg *m = &c->msgs[i];
        int w;
        if (m->line > 0)
            w = snprintf(err + k, err_len - k, "%s%s:%d:%d: %s", i ? "\n" : "", m->src, m->line,
                         m->col, m->text);
        else
            w = snprintf(err + k, err_len - k, "%s%s: %s", i ? "\n" : "", m->src, m->text);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    if (c->n_errors > keep && k < err_len)
        snprintf(err + k, err_len - k, "\n... and %zu more errors", c->n_errors - keep);
}

static void ctx_free(struct scnp_ctx *c)
{
    for (size_t i = 0; i < c->n_msgs; i++)
        free(c->msgs[i].text);
    free(c->msgs);
    free(c->dir);
    free(c->failed_feeders);
}

/* ---- top-level fields -------------------------------------------------- */

static char *default_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".yaml"))
        n -= 5;
    else if (n > 4 && !strcmp(base + n - 4, ".yml"))
        n -= 4;
    return strndup(base, n ? n : strlen(base));
}

/* `http2:` (after `http:` and before `generator:`, whose transport it
 * constrains): streams per connection and connections per node. */
static void read_http2(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    static const char *const keys[] = {"max_streams", "connections", NULL};
    const struct ytree_node *n = scnp_get(root, "http2"), *v;
    if (!n || scnp_keys(c, n, "http2", keys))
        return;
    if (s->http_version != 2) {
        scnp_error(c, n, "http2",
                   "HTTP/2 settings with http: \"1.1\"; write http: \"2\" or remove http2:");
        return;
    }
    long long k;
    if ((v = scnp_get(n, "max_streams")) && !scnp_int(c, v, "http2.max_streams", 1, 10000, &k))
        s->http2.max_streams = (int)k;
    if ((v = scnp_get(n, "connections")) && !scnp_int(c, v, "http2.connections", 1, 1000000, &k))
        s->http2.connections = (int)k;
}

static void read_top(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    const struct ytree_node *n;
    char f[SCNP_FIELD_MAX];

    if ((n = scnp_get(root, "name"))) {
        char *v;
        if (!scnp_string(c, n, "name", &v, NULL)) {
            free(s->name);
            s->name = v;
        }
    }
    if ((n = scnp_get(root, "description")))
        scnp_text(c, n, "description", &s->description, NULL, NULL);
    if ((n = scnp_get(root, "node_header"))) {
        char *v;
        if (!scnp_string(c, n, "node_header", &v, NULL)) {
            if (scnp_http_token(v))
                s->node_header = v;
            else {
                scnp_error(c, n, "node_header",
                           "'%s' is not a header name; write e.g. "
                           "X-Gateway-Node",
                           v);
                free(v);
            }
        }
    }
    if ((n = scnp_get(root, "http"))) {
        char *v;
        if (!scnp_string(c, n, "http", &v, NULL)) {
            if (!strcmp(v, "1.1"))
                s->http_version = 1;
            else if (!strcmp(v, "2") || !strcmp(v, "2.0"))
                s->http_version = 2;
            else
                scnp_error(c, n, "http",
                           "'%s' is not an HTTP version gatecap speaks; write "
                           "\"1.1\" or \"2\"",
                           v);
            free(v);
        }
    }
    read_http2(c, root, s);
    static const char *const timeout_keys[] = {"connect", "request", NULL};
    if ((n = scnp_get(root, "timeouts")) && !scnp_keys(c, n, "timeouts", timeout_keys)) {
        const struct ytree_node *v;
        if ((v = scnp_get(n, "connect")))
            scnp_duration_ms(c, v, scnp_field(f, "timeouts", "connect"), 1, 3600e3,
                             &s->connect_timeout_ms);
        if ((v = scnp_get(n, "request")))
            scnp_duration_ms(c, v, scnp_field(f, "timeouts", "request"), 1, 86400e3,
                             &s->request_timeout_ms);
    }
    if ((n = scnp_get(root, "interval"))) {
        double ms;
        if (!scnp_duration_ms(c, n, "interval", 10, 3600e3, &ms))
            s->interval_s = ms / 1000;
    }
    if ((n = scnp_get(root, "output"))) {
        char *v;
        if (!scnp_string(c, n, "output", &v, NULL)) {
            free(s->output_dir);
            s->output_dir = v;
        }
    }
    static const char *const gen_keys[] = {"late_tolerance", "late_threshold", "transport", NULL};
    if ((n = scnp_get(root, "generator")) && !scnp_keys(c, n, "generator", gen_keys)) {
        const struct ytree_node *v;
        double frac;
        if ((v = scnp_get(n, "late_tolerance")) &&
            !scnp_fraction(c, v, scnp_field(f, "generator", "late_tolerance"), &frac))
            s->late_tolerance_pct = frac * 100;
        if ((v = scnp_get(n, "late_threshold")))
            scnp_duration_ms(c, v, scnp_field(f, "generator", "late_threshold"), 0.001, 60e3,
                             &s->late_threshold_ms);
        char *t;
        if ((v = scnp_get(n, "transport")) &&
            !scnp_string(c, v, scnp_field(f, "generator", "transport"), &t, NULL)) {
            if (!strcmp(t, "auto"))
                s->transport = SCN_TRANSPORT_AUTO;
            else if (!strcmp(t, "native"))
                s->transport = SCN_TRANSPORT_NATIVE;
            else if (!strcmp(t, "curl") && scnp_get(root, "http2"))
                scnp_error(c, v, scnp_field(f, "generator", "transport"),
                           "http2: (streams per connection, connections) needs gatecap's own "
                           "HTTP/2 client; write transport: auto, or remove http2:");
            else if (!strcmp(t, "curl"))
                s->transport = SCN_TRANSPORT_CURL;
            else
                scnp_error(c, v, scnp_field(f, "generator", "transport"),
                           "'%s' is not a transport; write auto or native (gatecap's own "
                           "HTTP/1.1 and HTTP/2 clients) or curl (libcurl)",
                           t);
            free(t);
        }
    }
}

/* "sha256:" and the first 128 bits, in hex, of the SHA-256 of the
 * file's bytes, then of each override as messages show it (secret values
 * masked: the digest must not let anyone test guesses of a secret given
 * on the command line) after a NUL, so that "a=1","b" and "a=1b" differ.
 * Returns 0 or -1. */
static int digest(const char *yaml, size_t len, char *const *labels, size_t n, char *out,
                  size_t out_len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, yaml, len);
    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(ctx, "", 1) && EVP_DigestUpdate(ctx, labels[i], strlen(labels[i]));
    ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len);
    EVP_MD_CTX_free(ctx);
    if (!ok || md_len < 16 || out_len < 8 + 32)
        return -1;
    int k = snprintf(out, out_len, "sha256:");
    for (unsigned int i = 0; i < 16; i++)
        k += snprintf(out + k, out_len - (size_t)k, "%02x", md[i]);
    return 0;
}

static int defaults(struct scenario *s, const char *path)
{
    s->http_version = 1;
    s->http2.max_streams = 1;
    s->tls.session_resumption = true;
    s->tls.conn_policy = SCN_CONN_KEEPALIVE;
    s->model = SCN_OPEN;
    s->max_inflight = 10000;
    s->connect_timeout_ms = 5000;
    s->request_timeout_ms = 30000;
    s->interval_s = 1;
    s->late_tolerance_pct = 1;
    s->late_threshold_ms = 10;
    s->shard_count = 1;
    s->file = strdup(path);
    s->name = default_name(path);
    s->output_dir = strdup("results");
    s->metrics = (struct scn_metrics){
        .timeout_s = 5, .queue = 10, .linger_s = 10, .native_histograms = true};
    return s->file && s->name && s->output_dir ? 0 : -1;
}

/* ---- loading ----------------------------------------------------------- */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

int scenario_load_mem(const char *path, const char *yaml, size_t len, const char *const *overrides,
                      size_t n_overrides, struct scenario **out, char *err, size_t err_len)
{
    struct scnp_ctx c = {.file = path};
    struct ytree_node *root = NULL;
    struct scenario *s = NULL;
    char **labels = NULL;
    int rc = SCN_ENOMEM;

    *out = NULL;
    if (err && err_len)
        err[0] = '\0';
    if (!(c.dir = dir_of(path)))
        goto done;
    int yrc = ytree_parse(path, yaml, len, &root, err, err_len);
    if (yrc == YTREE_ENOMEM)
        goto done;
    if (yrc) {
        if (err && err_len) /* in case the parser quoted the file */
            redact_text(NULL, err, err, err_len, 0);
        rc = SCN_EINVAL;
        goto done;
    }
    if (!root) {
        scnp_error(&c, NULL, "",
                   "the file is empty; a scenario needs at least targets, requests and "
                   "load.phases (copy scenarios/smoke.yaml to start)");
        rc = SCN_EINVAL;
        goto report;
    }
    if (root->kind != YTREE_MAP) {
        scnp_error(&c, root, "",
                   "a scenario is a mapping of keys (name:, targets:, requests:, load:, ...), "
                   "found %s",
                   ytree_kind_name(root));
        rc = SCN_EINVAL;
        goto report;
    }
    if (scnp_normalize_targets(root))
        goto done;
    if (n_overrides && !(labels = calloc(n_overrides, sizeof *labels)))
        goto done;
    for (size_t i = 0; i < n_overrides; i++) {
        if (!(labels[i] = scnp_override_label(overrides[i])))
            goto done;
        scnp_apply_override(&c, root, overrides[i], labels[i]);
        if (scnp_normalize_targets(root))
            goto done;
    }
    if (c.oom)
        goto done;

    if (!(s = calloc(1, sizeof *s)) || defaults(s, path))
        goto done;
    static const char *const top_keys[] = {
        "name",     "description", "targets",   "node_header", "tls",    "http",      "feeders",
        "requests", "load",        "timeouts",  "interval",    "output", "generator", "gates",
        "auth",     "metrics",     "workloads", "flows",       "http2",  NULL};
    scnp_keys(&c, root, "", top_keys);
    read_top(&c, root, s);
    scnp_targets(&c, root, s);
    scnp_tls(&c, root, s);
    scnp_feeders(&c, root, s); /* before requests: their templates name feeders */
    if (scnp_get(root, "workloads")) {
        scnp_workloads(&c, root, s);
        if (scnp_get(root, "flows"))
            scnp_error(&c, scnp_get(root, "flows"), "flows",
                       "a scenario with workloads: gives each workload its own flows:; move "
                       "this into a workload (workloads.N.flows)");
    } else {
        scnp_requests(&c, root, s);
        scnp_load(&c, root, s);
        scnp_flows(&c, root, s); /* after load: pacing needs the model */
    }
    scnp_check_names(&c, s);
    scnp_auth(&c, root, s);
    scnp_sign_check(&c, root, s);    /* after auth: signing needs its keys */
    scnp_tls_system_ca(&c, root, s); /* once targets and auth say whether https is used */
    scnp_feeders_check(&c, root, s);
    scnp_gates(&c, root, s);
    scnp_metrics(&c, root, s);
    if (c.oom)
        goto done;
    if (c.n_errors) {
        rc = SCN_EINVAL;
        goto report;
    }
    /* the overrides as messages show them, for results.json */
    if (n_overrides && !(s->overrides = calloc(n_overrides, sizeof *s->overrides)))
        goto done;
    for (size_t i = 0; i < n_overrides; i++) {
        if (!(s->overrides[i] = strdup(labels[i] + strlen("--set "))))
            goto done;
        s->n_overrides++;
    }
    if (digest(yaml, len, labels, labels ? n_overrides : 0, s->digest, sizeof s->digest))
        goto done;
    if (s->workers == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        s->workers = cpus > 0 ? (int)(cpus < 1024 ? cpus : 1024) : 1;
        if (s->model == SCN_OPEN && s->workers > s->max_inflight)
            s->workers = s->max_inflight; /* one request in flight each at least */
        s->workers_auto = true;
    }
    if (!s->workloads_explicit && scnp_workload_implicit(s))
        goto done;
    *out = s;
    s = NULL;
    rc = SCN_OK;
    goto done;

report:
    if (c.oom) {
        rc = SCN_ENOMEM;
        goto done;
    }
    write_errors(&c, labels, labels ? n_overrides : 0, err, err_len);
done:
    if (rc == SCN_ENOMEM && err && err_len)
        snprintf(err, err_len, "%s: out of memory while reading the scenario", path);
    scenario_free(s);
    ytree_free(root);
    if (labels)
        free_strv(labels, n_overrides);
    ctx_free(&c);
    return rc;
}

int scenario_load(const char *path, const char *const *overrides, size_t n_overrides,
                  struct scenario **out, char *err, size_t err_len)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && err_len)
            snprintf(err, err_len, "%s: cannot open the scenario: %s; check the path", path,
                     strerror(errno));
        return SCN_EIO;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int failed = 0, saved = 0;
    while (len <= SCN_MAX_FILE_BYTES) {
        if (len == cap) {
            cap = cap ? 2 * cap : 16384;
            char *b = realloc(buf, cap + 1);
            if (!b) {
                free(buf);
                fclose(f);
                if (err && err_len)
                    snprintf(err, err_len, "%s: out of memory while reading the scenario", path);
                return SCN_ENOMEM;
            }
            buf = b;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            failed = ferror(f);
            saved = errno;
            break;
        }
    }
    fclose(f);
    if (failed) {
        free(buf);
        if (err && err_len)
            snprintf(err, err_len, "%s: cannot read the scenario: %s; check the path", path,
                     strerror(saved));
        return SCN_EIO;
    }
    if (len > SCN_MAX_FILE_BYTES) {
        free(buf);
        if (err && err_len)
            snprintf(err, err_len,
                     "%s: larger than %u MiB; a scenario is a short file (put bodies in "
                     "body_file)",
                     path, SCN_MAX_FILE_BYTES >> 20);
        return SCN_EINVAL;
    }
    int rc = scenario_load_mem(path, buf, len, overrides, n_overrides, out, err, err_len);
    free(buf);
    return rc;
}
