/*
 * stats.c — counters and their JSON form (see stats.h).
 */
#include "stats.h"

#include <string.h>

static const char *const outcome_names[GSSTATS_N_OUTCOMES] = {
    "2xx", "3xx", "401", "429", "4xx_other", "5xx", "reset", "aborted",
};

void gsstats_reset(struct gsstats *s, double now_s)
{
    /* Keep the path table's names so indexes held by in-flight requests
     * stay valid; zero their counts. */
    int n_paths = s->n_paths;
    struct gsstats_path paths[GSSTATS_MAX_PATHS + 2];
    memcpy(paths, s->paths, sizeof paths);
    memset(s, 0, sizeof *s);
    s->n_paths = n_paths;
    for (int i = 0; i < GSSTATS_MAX_PATHS + 2; i++)
        memcpy(s->paths[i].path, paths[i].path, GSSTATS_PATH_BYTES);
    strcpy(s->paths[GSSTATS_PATH_BAD].path, "(bad request)");
    strcpy(s->paths[GSSTATS_PATH_OTHER].path, "(other)");
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

void gsstats_count(struct gsstats *s, int path_idx, enum gsstats_outcome oc, int status)
{
    s->outcome[oc]++;
    s->paths[path_idx].n[oc]++;
    if (status > 0 && status < 600)
        s->by_status[status]++;
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
                  "\"control_requests\":%llu}\n",
                  (unsigned long long)s->conn_accepted, g->open_conns,
                  (unsigned long long)s->conn_refused, (unsigned long long)s->conn_tls_ok,
                  (unsigned long long)s->conn_tls_failed, (unsigned long long)s->conn_idle_closed,
                  (unsigned long long)s->write_errors, g->queue_len, g->in_service, g->delayed,
                  g->workers, (unsigned long long)s->max_queue, g->stalled ? "true" : "false",
                  (unsigned long long)s->stalls, (unsigned long long)s->service_n, svc_mean * 1e3,
                  s->service_max_s * 1e3, wait_mean * 1e3, s->wait_max_s * 1e3,
                  (unsigned long long)s->tokens_issued, (unsigned long long)s->token_errors,
                  g->token_limiters, (unsigned long long)s->control_requests);
    return rc;
}
