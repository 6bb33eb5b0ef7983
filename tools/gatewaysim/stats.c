/*
 * stats.c — counters and their JSON form (see stats.h).
 */
#include "stats.h"

#include "assertion.h"

#include <stdio.h>
#include <string.h>

static const char *const outcome_names[GSSTATS_N_OUTCOMES] = {
    "2xx", "3xx", "401", "429", "4xx_other", "5xx", "reset", "aborted",
};

void gsstats_reset(struct gsstats *s, double now_s)
{
    /* Keep the path and client tables' names so indexes held by in-flight
     * requests stay valid; zero every count. */
    struct {
        char path[GSSTATS_MAX_PATHS + 2][GSSTATS_PATH_BYTES];
        char client[GSSTATS_MAX_CLIENTS + 2][GSSTATS_CLIENT_BYTES];
        uint32_t hash[GSSTATS_MAX_CLIENTS + 2];
    } keep;
    for (int i = 0; i < GSSTATS_MAX_PATHS + 2; i++)
        memcpy(keep.path[i], s->paths[i].path, GSSTATS_PATH_BYTES);
    for (int i = 0; i < GSSTATS_MAX_CLIENTS + 2; i++) {
        memcpy(keep.client[i], s->clients[i].name, GSSTATS_CLIENT_BYTES);
        keep.hash[i] = s->clients[i].hash;
    }
    int n_paths = s->n_paths, n_clients = s->n_clients;
    memset(s, 0, sizeof *s);
    for (int i = 0; i < GSSTATS_MAX_PATHS + 2; i++)
        memcpy(s->paths[i].path, keep.path[i], GSSTATS_PATH_BYTES);
    for (int i = 0; i < GSSTATS_MAX_CLIENTS + 2; i++) {
        memcpy(s->clients[i].name, keep.client[i], GSSTATS_CLIENT_BYTES);
        s->clients[i].hash = keep.hash[i];
    }
    s->n_paths = n_paths;
    s->n_clients = n_clients;
    snprintf(s->paths[GSSTATS_PATH_BAD].path, sizeof s->paths[GSSTATS_PATH_BAD].path, "%s",
             "(bad request)");
    snprintf(s->paths[GSSTATS_PATH_OTHER].path, sizeof s->paths[GSSTATS_PATH_OTHER].path, "%s",
             "(other)");
    snprintf(s->clients[GSSTATS_CLIENT_NONE].name, sizeof s->clients[GSSTATS_CLIENT_NONE].name,
             "%s", "(none)");
    snprintf(s->clients[GSSTATS_CLIENT_OTHER].name, sizeof s->clients[GSSTATS_CLIENT_OTHER].name,
             "%s", "(other)");
    s->reset_at_s = now_s;
}

int gsstats_path_index(struct gsstats *s, const char *path, size_t len)
{
    if (len == 0) {
        path = "/";
        len = 1;
    }
    for (int i = 0; i < s->n_paths; i++)
        if (strncmp(s->paths[i].path, path, len) == 0 && s->paths[i].path[len] == 0)
            return i;
    if (s->n_paths >= GSSTATS_MAX_PATHS || len >= GSSTATS_PATH_BYTES)
        return GSSTATS_PATH_OTHER;
    struct gsstats_path *p = &s->paths[s->n_paths];
    memcpy(p->path, path, len);
    p->path[len] = 0;
    return s->n_paths++;
}

int gsstats_client_index(struct gsstats *s, uint32_t hash, const char *name)
{
    int i = 0;
    while (i < s->n_clients && s->clients[i].hash != hash)
        i++;
    if (i == s->n_clients) {
        if (s->n_clients >= GSSTATS_MAX_CLIENTS)
            return GSSTATS_CLIENT_OTHER;
        s->n_clients++;
        s->clients[i].hash = hash;
        s->clients[i].name[0] = 0;
    }
    if (name && !s->clients[i].name[0] && strlen(name) < GSSTATS_CLIENT_BYTES)
        snprintf(s->clients[i].name, sizeof s->clients[i].name, "%s", name);
    return i;
}

enum gsstats_outcome gsstats_class(int status)
{
    if (status == 401)
        return GSSTATS_401;
    if (status == 429)
        return GSSTATS_429;
    if (status >= 500)
        return GSSTATS_5XX;
    if (status >= 400)
        return GSSTATS_4XX_OTHER;
    if (status >= 300)
        return GSSTATS_3XX;
    return GSSTATS_2XX;
}

void gsstats_count(struct gsstats *s, int path_idx, int client_idx, enum gsstats_outcome oc,
                   int status)
{
    s->outcome[oc]++;
    s->paths[path_idx].n[oc]++;
    if (client_idx >= 0)
        s->clients[client_idx].n[oc]++;
    if (status > 0 && status < 600)
        s->by_status[status]++;
}

void gsstats_throttled(struct gsstats *s, int code)
{
    int i = code - GSSTATS_THROTTLE_CODE0;
    if (i >= 0 && i < GSSTATS_N_THROTTLE_CODES)
        s->throttled_by_code[i]++;
}

static int outcomes_json(struct gsbuf *out, const uint64_t *n)
{
    uint64_t total = 0;
    for (int i = 0; i < GSSTATS_N_OUTCOMES; i++)
        total += n[i];
    int rc = gsbuf_printf(out, "{\"total\":%llu", (unsigned long long)total);
    for (int i = 0; i < GSSTATS_N_OUTCOMES && !rc; i++)
        rc = gsbuf_printf(out, ",\"%s\":%llu", outcome_names[i], (unsigned long long)n[i]);
    return rc ? rc : gsbuf_puts(out, "}");
}

/* The codes gatewaysim answers with; others appear only when counted. */
static bool code_always_shown(int i)
{
    return i == 0 || i == 3 || i == 4; /* 900800, 900803, 900804 */
}

static int throttled_json(const struct gsstats *s, struct gsbuf *out)
{
    int rc = gsbuf_puts(out, ",\"throttled_by_code\":{");
    bool first = true;
    for (int i = 0; i < GSSTATS_N_THROTTLE_CODES && !rc; i++) {
        if (!code_always_shown(i) && !s->throttled_by_code[i])
            continue;
        rc = gsbuf_printf(out, "%s\"%d\":%llu", first ? "" : ",", GSSTATS_THROTTLE_CODE0 + i,
                          (unsigned long long)s->throttled_by_code[i]);
        first = false;
    }
    return rc ? rc : gsbuf_puts(out, "}");
}

static int client_json(const struct gsstats_client *cl, const char *name, struct gsbuf *out)
{
    uint64_t total = 0;
    for (int k = 0; k < GSSTATS_N_OUTCOMES; k++)
        total += cl->n[k];
    int rc = gsbuf_puts(out, "\"");
    rc = rc ? rc : gsbuf_json_str(out, name, strlen(name));
    rc = rc ? rc : gsbuf_printf(out, "\":{\"requests\":%llu", (unsigned long long)total);
    for (int k = 0; k < GSSTATS_N_OUTCOMES && !rc; k++)
        rc = gsbuf_printf(out, ",\"%s\":%llu", outcome_names[k], (unsigned long long)cl->n[k]);
    return rc ? rc : gsbuf_printf(out, ",\"tokens\":%llu}", (unsigned long long)cl->tokens);
}

static int clients_json(const struct gsstats *s, const struct gsstats_gauges *g, struct gsbuf *out)
{
    int rc = gsbuf_puts(out, ",\"clients\":{");
    bool first = true;
    for (int i = 0; i < GSSTATS_MAX_CLIENTS + 2 && !rc; i++) {
        if (i >= s->n_clients && i < GSSTATS_MAX_CLIENTS)
            continue;
        const struct gsstats_client *cl = &s->clients[i];
        uint64_t any = cl->tokens;
        for (int k = 0; k < GSSTATS_N_OUTCOMES; k++)
            any |= cl->n[k];
        if (!any)
            continue;
        char anon[16];
        const char *name = cl->name[0] ? cl->name : NULL;
        if (!name && g->client_name)
            name = g->client_name(g->client_name_ctx, cl->hash);
        if (!name) {
            snprintf(anon, sizeof anon, "#%08x", (unsigned)cl->hash);
            name = anon;
        }
        rc = first ? 0 : gsbuf_puts(out, ",");
        rc = rc ? rc : client_json(cl, name, out);
        first = false;
    }
    return rc ? rc : gsbuf_puts(out, "}");
}

static int journey_json(const struct gsstats_journey *j, struct gsbuf *out)
{
    return gsbuf_printf(
        out,
        ",\"journey\":{\"consents_created\":%llu,\"consents_refused\":%llu,"
        "\"payments_created\":%llu,\"payments_unknown_consent\":%llu,"
        "\"payments_rejected_consent\":%llu,\"payments_bad_body\":%llu,\"polls\":%llu,"
        "\"polls_settled\":%llu,\"polls_unknown\":%llu}",
        (unsigned long long)j->consents_created, (unsigned long long)j->consents_refused,
        (unsigned long long)j->payments_created, (unsigned long long)j->payments_unknown_consent,
        (unsigned long long)j->payments_rejected_consent, (unsigned long long)j->payments_bad_body,
        (unsigned long long)j->polls, (unsigned long long)j->polls_settled,
        (unsigned long long)j->polls_unknown);
}

/* ,"client_assertions":{"verified":N,...} (private_key_jwt),
 * "refresh_tokens":{...} and "jws_signatures":{...}. */
static int assertions_json(const struct gsstats *s, struct gsbuf *out)
{
    _Static_assert(GSSTATS_ASSERT_RESULTS == GSASSERT_RESULTS, "one count per result");
    int rc = gsbuf_puts(out, ",\"client_assertions\":{");
    for (int i = 0; i < GSASSERT_RESULTS && !rc; i++)
        rc =
            gsbuf_printf(out, "%s\"%s\":%llu", i ? "," : "", gsassert_name((enum gsassert_result)i),
                         (unsigned long long)s->assertions[i]);
    rc = rc ? rc : gsbuf_puts(out, "}");
    rc = rc ? rc
            : gsbuf_printf(out,
                           ",\"refresh_tokens\":{\"issued\":%llu,\"accepted\":%llu,"
                           "\"refused\":%llu}",
                           (unsigned long long)s->refresh_issued,
                           (unsigned long long)s->refresh_accepted,
                           (unsigned long long)s->refresh_refused);
    return rc ? rc
              : gsbuf_printf(out,
                             ",\"jws_signatures\":{\"verified\":%llu,\"invalid\":%llu,"
                             "\"missing\":%llu}",
                             (unsigned long long)s->jws[0], (unsigned long long)s->jws[1],
                             (unsigned long long)s->jws[2]);
}

int gsstats_to_json(const struct gsstats *s, const struct gsstats_gauges *g, struct gsbuf *out)
{
    int rc = gsbuf_puts(out, "{\"node\":\"");
    rc = rc ? rc : gsbuf_json_str(out, g->node, strlen(g->node));
    rc = rc ? rc
            : gsbuf_printf(out,
                           "\",\"uptime_s\":%.3f,\"since_reset_s\":%.3f,\"requests\":", g->uptime_s,
                           g->now_s - s->reset_at_s);
    rc = rc ? rc : outcomes_json(out, s->outcome);
    rc = rc ? rc : gsbuf_puts(out, ",\"by_status\":{");
    bool first = true;
    for (int st = 0; st < 600 && !rc; st++) {
        if (!s->by_status[st])
            continue;
        rc = gsbuf_printf(out, "%s\"%d\":%llu", first ? "" : ",", st,
                          (unsigned long long)s->by_status[st]);
        first = false;
    }
    rc = rc ? rc : gsbuf_puts(out, "},\"by_path\":{");
    first = true;
    for (int i = 0; i < GSSTATS_MAX_PATHS + 2 && !rc; i++) {
        if (i >= s->n_paths && i < GSSTATS_MAX_PATHS)
            continue;
        uint64_t any = 0;
        for (int k = 0; k < GSSTATS_N_OUTCOMES; k++)
            any |= s->paths[i].n[k];
        if (!any)
            continue;
        rc = gsbuf_printf(out, "%s\"", first ? "" : ",");
        rc = rc ? rc : gsbuf_json_str(out, s->paths[i].path, strlen(s->paths[i].path));
        rc = rc ? rc : gsbuf_puts(out, "\":");
        rc = rc ? rc : outcomes_json(out, s->paths[i].n);
        first = false;
    }
    double svc_mean = s->service_n ? s->service_sum_s / (double)s->service_n : 0;
    double wait_mean = s->service_n ? s->wait_sum_s / (double)s->service_n : 0;
    rc = rc ? rc
            : gsbuf_printf(
                  out,
                  "},\"connections\":{\"accepted\":%llu,\"open\":%d,\"refused\":%llu,"
                  "\"tls_handshakes\":%llu,\"tls_failures\":%llu,\"idle_closed\":%llu,"
                  "\"write_errors\":%llu},"
                  "\"queue\":{\"length\":%d,\"in_service\":%d,\"delayed\":%d,\"workers\":%d,"
                  "\"max_length\":%llu,\"stalled\":%s,\"stalls\":%llu},"
                  "\"service\":{\"count\":%llu,\"mean_ms\":%.3f,\"max_ms\":%.3f,"
                  "\"queue_wait_mean_ms\":%.3f,\"queue_wait_max_ms\":%.3f},"
                  "\"tokens\":{\"issued\":%llu,\"errors\":%llu,\"throttle_entries\":%zu},"
                  "\"control_requests\":%llu",
                  (unsigned long long)s->conn_accepted, g->open_conns,
                  (unsigned long long)s->conn_refused, (unsigned long long)s->conn_tls_ok,
                  (unsigned long long)s->conn_tls_failed, (unsigned long long)s->conn_idle_closed,
                  (unsigned long long)s->write_errors, g->queue_len, g->in_service, g->delayed,
                  g->workers, (unsigned long long)s->max_queue, g->stalled ? "true" : "false",
                  (unsigned long long)s->stalls, (unsigned long long)s->service_n, svc_mean * 1e3,
                  s->service_max_s * 1e3, wait_mean * 1e3, s->wait_max_s * 1e3,
                  (unsigned long long)s->tokens_issued, (unsigned long long)s->token_errors,
                  g->token_limiters, (unsigned long long)s->control_requests);
    rc = rc ? rc : assertions_json(s, out);
    rc = rc ? rc : throttled_json(s, out);
    rc = rc ? rc : clients_json(s, g, out);
    rc = rc ? rc : journey_json(&s->journey, out);
    rc = rc ? rc
            : gsbuf_printf(out,
                           ",\"http2\":{\"connections\":%llu,\"streams\":%llu,"
                           "\"rst_streams\":%llu,\"refused_streams\":%llu,\"goaways\":%llu}",
                           (unsigned long long)s->http2.connections,
                           (unsigned long long)s->http2.streams,
                           (unsigned long long)s->http2.rst_streams,
                           (unsigned long long)s->http2.refused_streams,
                           (unsigned long long)s->http2.goaways);
    return rc ? rc : gsbuf_puts(out, "}\n");
}
