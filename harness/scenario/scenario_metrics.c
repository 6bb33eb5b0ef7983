/*
 * scenario_metrics.c — the `metrics:` section: live series to Prometheus
 * during the run (docs/metrics.md). The bearer token is a secret: read
 * here (from ${ENV} or a file), added to the redaction (redact.c), never
 * echoed into results.json.
 */
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"
#include "scenario/scenario_int.h"

void scnp_metrics(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    static const char *const keys[] = {
        "push",    "listen", "bearer_token",      "bearer_token_file",
        "timeout", "queue",  "native_histograms", "linger",
        NULL};
    const struct ytree_node *n = scnp_get(root, "metrics"), *v;
    char f[128];
    struct scn_metrics *m = &s->metrics;
    if (!n || scnp_keys(c, n, "metrics", keys))
        return;
    char *t;
    if ((v = scnp_get(n, "push")) &&
        !scnp_string(c, v, scnp_field(f, "metrics", "push"), &t, NULL)) {
        if (strncmp(t, "http://", 7) && strncmp(t, "https://", 8)) {
            scnp_error(c, v, scnp_field(f, "metrics", "push"),
                       "'%s' is not an http or https URL; write the receiver's remote-write URL, "
                       "e.g. http://prometheus:9090/api/v1/write",
                       t);
            free(t);
        } else {
            free(m->push);
            m->push = t;
        }
    }
    if ((v = scnp_get(n, "listen")) &&
        !scnp_string(c, v, scnp_field(f, "metrics", "listen"), &t, NULL)) {
        free(m->listen);
        m->listen = t;
    }
    const struct ytree_node *tok = scnp_get(n, "bearer_token");
    const struct ytree_node *tok_file = scnp_get(n, "bearer_token_file");
    if (tok && tok_file) {
        scnp_error(c, tok_file, scnp_field(f, "metrics", "bearer_token_file"),
                   "give bearer_token or bearer_token_file, not both");
    } else if (tok) {
        if (!scnp_string(c, tok, scnp_field(f, "metrics", "bearer_token"), &t, NULL))
            m->bearer_token = t;
    } else if (tok_file) {
        scnp_secret_file(c, tok_file, scnp_field(f, "metrics", "bearer_token_file"),
                         &m->bearer_token);
    }
    double ms;
    if ((v = scnp_get(n, "timeout")) &&
        !scnp_duration_ms(c, v, scnp_field(f, "metrics", "timeout"), 10, 600e3, &ms))
        m->timeout_s = ms / 1e3;
    if ((v = scnp_get(n, "linger")) &&
        !scnp_duration_ms(c, v, scnp_field(f, "metrics", "linger"), 0, 3600e3, &ms))
        m->linger_s = ms / 1e3;
    long long q;
    if ((v = scnp_get(n, "queue")) &&
        !scnp_int(c, v, scnp_field(f, "metrics", "queue"), 1, 10000, &q))
        m->queue = (int)q;
    if ((v = scnp_get(n, "native_histograms")))
        scnp_bool(c, v, scnp_field(f, "metrics", "native_histograms"), &m->native_histograms);
}

void scn_metrics_free(struct scn_metrics *m)
{
    free(m->push);
    free(m->listen);
    if (m->bearer_token) {
        explicit_bzero(m->bearer_token, strlen(m->bearer_token));
        free(m->bearer_token);
    }
    memset(m, 0, sizeof *m);
}
