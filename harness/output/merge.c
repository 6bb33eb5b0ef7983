/*
 * merge.c — the shards of a distributed run found, read, checked and their
 * cells added into one engine result; see merge.h. The interval logs are
 * merge_hlog.c's, the document merge_doc.c's.
 */
#include "output/merge.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/errbuf.h"
#include "measure/hdr.h"
#include "measure/recorder.h"
#include "run/engine.h"
#include "run/gate_eval.h"
#include "scenario/gate.h"
#include "scenario/scenario.h"

/* ---- the inputs ---- */

static char *join(const char *dir, const char *name)
{
    char *p = NULL;
    size_t len = strlen(dir);
    bool slash = len && dir[len - 1] == '/';
    if (asprintf(&p, "%s%s%s", dir, slash ? "" : "/", name) < 0)
        return NULL;
    return p;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int push_path(char ***paths, size_t *n, char *p)
{
    if (!p)
        return MERGE_ENOMEM;
    char **a = realloc(*paths, (*n + 1) * sizeof *a);
    if (!a) {
        free(p);
        return MERGE_ENOMEM;
    }
    *paths = a;
    a[(*n)++] = p;
    return MERGE_OK;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR/SUB/results.json for every SUB of dir, in name order. */
static int scan_dir(const char *dir, char ***paths, size_t *n, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d)
        return errbuf_set(err, errlen, MERGE_EINPUT, "%s: cannot read the folder: %s", dir,
                          strerror(errno));
    size_t first = *n;
    int rc = MERGE_OK;
    struct dirent *e;
    while (rc == MERGE_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *sub = join(dir, e->d_name);
        char *file = sub ? join(sub, "results.json") : NULL;
        free(sub);
        if (!file)
            rc = MERGE_ENOMEM;
        else if (is_file(file))
            rc = push_path(paths, n, file);
        else
            free(file);
    }
    closedir(d);
    if (rc)
        return rc;
    if (*n == first)
        return errbuf_set(
            err, errlen, MERGE_EINPUT,
            "%s: no results.json in it nor in a folder inside it (shard folders such as "
            "%s/shard-0/results.json); give the folder the shards wrote into, or their "
            "results.json files",
            dir, dir);
    qsort(*paths + first, *n - first, sizeof **paths, name_cmp);
    return MERGE_OK;
}

int merge_inputs(const char *const *args, size_t n_args, char ***paths, size_t *n, char *err,
                 size_t errlen)
{
    *paths = NULL;
    *n = 0;
    int rc = MERGE_OK;
    for (size_t i = 0; i < n_args && rc == MERGE_OK; i++) {
        struct stat st;
        if (stat(args[i], &st)) {
            rc = errbuf_set(err, errlen, MERGE_EINPUT,
                            "%s: %s; give a shard's results.json or the "
                            "folder holding the shards' folders",
                            args[i], strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            char *own = join(args[i], "results.json");
            if (!own)
                rc = MERGE_ENOMEM;
            else if (is_file(own))
                rc = push_path(paths, n, own);
            else {
                free(own);
                rc = scan_dir(args[i], paths, n, err, errlen);
            }
        } else {
            rc = push_path(paths, n, strdup(args[i]));
        }
    }
    if (rc) {
        for (size_t i = 0; i < *n; i++)
            free((*paths)[i]);
        free(*paths);
        *paths = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- checks ---- */

static const char *str_or(const char *s, const char *dflt)
{
    return s ? s : dflt;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The run's identity: every shard's must be shard 0's. */
static int check_identity(struct merge_shard *s, size_t n, char *err, size_t errlen)
{
    const struct results_shard *a = &s[0].res->shard;
    for (size_t i = 1; i < n; i++) {
        const struct results_shard *b = &s[i].res->shard;
        const char *what = NULL, *va = NULL, *vb = NULL;
        char ca[32], cb[32];
        if (!same_str(a->run_id, b->run_id))
            what = "run id", va = str_or(a->run_id, "(none)"), vb = str_or(b->run_id, "(none)");
        else if (a->count != b->count) {
            snprintf(ca, sizeof ca, "%.0f", a->count);
            snprintf(cb, sizeof cb, "%.0f", b->count);
            what = "shard count", va = ca, vb = cb;
        } else if (!same_str(a->scenario_digest, b->scenario_digest))
            what = "scenario digest", va = str_or(a->scenario_digest, "(none)"),
            vb = str_or(b->scenario_digest, "(none)");
        else if (!same_str(a->start_at, b->start_at))
            what = "start time (--start-at)", va = str_or(a->start_at, "(none)"),
            vb = str_or(b->start_at, "(none)");
        if (what)
            return errbuf_set(
                err, errlen, MERGE_ESHARDS,
                "the shards are not of one run: %s says %s %s, %s says %s; merge only "
                "the shards of one run (same run id, count, scenario and --start-at)",
                s[0].results_path, what, va, s[i].results_path, vb);
    }
    return MERGE_OK;
}

/* Every index 0..count-1 exactly once; the shards then sorted by it. */
static int check_indexes(struct merge_shard *s, size_t n, const char *where, char *err,
                         size_t errlen)
{
    size_t count = (size_t)s[0].res->shard.count;
    const char *run = str_or(s[0].res->shard.run_id, "unknown");
    size_t *owner = malloc((count ? count : 1) * sizeof *owner);
    if (!owner)
        return MERGE_ENOMEM;
    for (size_t k = 0; k < count; k++)
        owner[k] = SIZE_MAX;
    int rc = MERGE_OK;
    for (size_t i = 0; i < n && rc == MERGE_OK; i++) {
        size_t k = s[i].index;
        if (owner[k] != SIZE_MAX)
            rc = errbuf_set(
                err, errlen, MERGE_ESHARDS,
                "shard %zu of %zu appears twice (run %s): %s and %s; keep one of them (a "
                "shard that ran again is a different run)",
                k, count, run, s[owner[k]].results_path, s[i].results_path);
        else
            owner[k] = i;
    }
    if (rc == MERGE_OK && n != count) {
        char missing[256] = "", found[512] = "";
        size_t n_missing = 0, mlen = 0, flen = 0;
        for (size_t k = 0; k < count; k++) {
            char *buf = owner[k] == SIZE_MAX ? missing : found;
            size_t *len = owner[k] == SIZE_MAX ? &mlen : &flen;
            size_t cap = owner[k] == SIZE_MAX ? sizeof missing : sizeof found;
            n_missing += owner[k] == SIZE_MAX;
            if (*len < cap - 16)
                *len += (size_t)snprintf(buf + *len, cap - *len, "%s%zu", *len ? ", " : "", k);
        }
        rc = errbuf_set(err, errlen, MERGE_ESHARDS,
                        "shard%s %s of %zu %s missing (run %s): found shard%s %s in %s; wait for "
                        "every shard to finish, or find the one that failed",
                        n_missing > 1 ? "s" : "", missing, count, n_missing > 1 ? "are" : "is", run,
                        count - n_missing == 1 ? "" : "s", found[0] ? found : "none", where);
    }
    if (rc == MERGE_OK) {
        struct merge_shard *sorted = malloc(n * sizeof *sorted);
        if (!sorted)
            rc = MERGE_ENOMEM;
        else {
            for (size_t k = 0; k < n; k++)
                sorted[k] = s[owner[k]];
            memcpy(s, sorted, n * sizeof *s);
            free(sorted);
        }
    }
    free(owner);
    return rc;
}

/* The same scenario: phases, requests, interval and gates. */
static int check_scenario(const struct merge_shard *s, size_t n, char *err, size_t errlen)
{
    const struct results *a = s[0].res;
    for (size_t i = 1; i < n; i++) {
        const struct results *b = s[i].res;
        const char *what = NULL;
        if (a->n_phases != b->n_phases)
            what = "the number of phases";
        for (size_t p = 0; !what && p < a->n_phases; p++)
            if (strcmp(a->phases[p].name, b->phases[p].name) ||
                a->phases[p].duration_s != b->phases[p].duration_s ||
                a->phases[p].record != b->phases[p].record)
                what = "the phases (scenario.load.phases)";
        if (!what && a->n_requests != b->n_requests)
            what = "the number of requests";
        for (size_t q = 0; !what && q < a->n_requests; q++)
            if (strcmp(a->requests[q], b->requests[q]))
                what = "the requests (scenario.requests)";
        if (!what && a->interval_s != b->interval_s)
            what = "the interval (scenario.interval_s)";
        if (!what && strcmp(a->model, b->model))
            what = "the load model (run.model)";
        if (!what && a->n_scn_gates != b->n_scn_gates)
            what = "the number of gates";
        for (size_t g = 0; !what && g < a->n_scn_gates; g++)
            if (!same_str(a->scn_gates[g].gate, b->scn_gates[g].gate) ||
                !same_str(a->scn_gates[g].scope, b->scn_gates[g].scope) ||
                !same_str(a->scn_gates[g].name, b->scn_gates[g].name))
                what = "the gates (scenario.gates)";
        if (!what)
            what = merge_flows_differ(a, b);
        if (what)
            return errbuf_set(err, errlen, MERGE_ESHARDS,
                              "%s and %s differ in %s: the shards of one run share one scenario; "
                              "merge only the shards of one run",
                              s[0].results_path, s[i].results_path, what);
    }
    return MERGE_OK;
}

/* ---- the scenario the numbers need ---- */

static enum gate_scope scope_of(const char *s)
{
    if (s && !strcmp(s, "phase"))
        return GATE_PHASE;
    if (s && !strcmp(s, "request"))
        return GATE_REQUEST;
    if (s && !strcmp(s, "node"))
        return GATE_NODE;
    if (s && !strcmp(s, "workload"))
        return GATE_WORKLOAD;
    return GATE_ALL;
}

static double or0(double v)
{
    return isfinite(v) ? v : 0;
}

static int64_t cnt(double v)
{
    return isfinite(v) && v > 0 ? (int64_t)llround(v) : 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The parts of a struct scenario results.c, gate_eval.c and the summary
 * read, from shard 0's echo. */
static int make_scenario(const struct results *a, struct scenario **out, char *err, size_t errlen)
{
    struct scenario *scn = calloc(1, sizeof *scn);
    if (!scn)
        return MERGE_ENOMEM;
    *out = scn;
    scn->name = strdup(a->scenario ? a->scenario : "scenario");
    scn->model = a->model && !strcmp(a->model, "closed") ? SCN_CLOSED : SCN_OPEN;
    scn->interval_s = a->interval_s;
    scn->http_version = 1;
    scn->late_threshold_ms =
        isfinite(a->late_threshold_cfg_ms) ? a->late_threshold_cfg_ms : or0(a->late_threshold_ms);
    scn->late_tolerance_pct = isfinite(a->late_tolerance_cfg_pct) ? a->late_tolerance_cfg_pct
                                                                  : or0(a->late_tolerance_pct);
    scn->tls.insecure = a->insecure_tls;
    scn->phases = calloc(a->n_phases ? a->n_phases : 1, sizeof *scn->phases);
    scn->requests = calloc(a->n_requests ? a->n_requests : 1, sizeof *scn->requests);
    scn->gates = calloc(a->n_scn_gates ? a->n_scn_gates : 1, sizeof *scn->gates);
    if (!scn->name || !scn->phases || !scn->requests || !scn->gates)
        return MERGE_ENOMEM;
    for (size_t p = 0; p < a->n_phases; p++) {
        const struct results_phase *ph = &a->phases[p];
        struct scn_phase *sp = &scn->phases[scn->n_phases++];
        sp->name = strdup(ph->name);
        sp->group = dup_or_null(ph->group);
        if (!sp->name || (ph->group && !sp->group))
            return MERGE_ENOMEM;
        sp->duration_s = or0(ph->duration_s);
        sp->rate_start = or0(ph->rate_start);
        sp->rate_end = or0(ph->rate_end);
        sp->users = (int)cnt(ph->users);
        sp->think_ms = or0(ph->think_ms);
        sp->record = ph->record;
        sp->step = (int)cnt(ph->step);
    }
    for (size_t q = 0; q < a->n_requests; q++) {
        struct scn_request *rq = &scn->requests[scn->n_requests++];
        rq->weight = 1;
        if (!(rq->name = strdup(a->requests[q])))
            return MERGE_ENOMEM;
    }
    int rc = merge_flows_scenario(a, scn, err, errlen);
    if (rc)
        return rc;
    for (size_t i = 0; i < a->n_scn_gates; i++) {
        const struct results_scn_gate *sg = &a->scn_gates[i];
        struct gate *g = &scn->gates[scn->n_gates++];
        g->text = strdup(sg->gate);
        g->scope = scope_of(sg->scope);
        g->scope_name = g->scope == GATE_ALL ? NULL : dup_or_null(sg->name);
        g->abort_on_fail = sg->abort_on_fail;
        g->grace_s = or0(sg->grace_s);
        if (!g->text || (g->scope != GATE_ALL && sg->name && !g->scope_name))
            return MERGE_ENOMEM;
        char why[256];
        if (gate_parse(g->text, &g->expr, why, sizeof why))
            return errbuf_set(
                err, errlen, MERGE_EINPUT,
                "%s: scenario.gates[%zu] '%s' does not parse here: %s; merge with the "
                "gatecap version that ran the shards",
                a->path, i, g->text, why);
    }
    return MERGE_OK;
}

/* ---- cells ---- */

/* The settings of the first histogram of each series: every shard's
 * must be the same, or adding them would not be exact. */
struct hist_ref {
    bool set;
    int64_t lowest, highest;
    int32_t sigfigs;
    const char *path;
};

static int check_settings(struct hist_ref *ref, const struct hdr_hist *h, const char *path,
                          const char *series, char *err, size_t errlen)
{
    if (!ref->set) {
        *ref =
            (struct hist_ref){true, h->lowest_discernible, h->highest_trackable, h->sigfigs, path};
        return MERGE_OK;
    }
    if (ref->lowest == h->lowest_discernible && ref->highest == h->highest_trackable &&
        ref->sigfigs == h->sigfigs)
        return MERGE_OK;
    return errbuf_set(
        err, errlen, MERGE_ESHARDS,
        "the %s histograms of %s (%lld..%lld us, %d significant figures) and %s "
        "(%lld..%lld us, %d) have different settings: adding them would not be exact; "
        "run every shard with the same gatecap version",
        series, ref->path, (long long)ref->lowest, (long long)ref->highest, ref->sigfigs, path,
        (long long)h->lowest_discernible, (long long)h->highest_trackable, h->sigfigs);
}

static struct hdr_hist **series_of(struct rec_cell *c, int s)
{
    switch (s) {
    case RESULTS_LATENCY:
        return &c->latency;
    case RESULTS_SERVICE:
        return &c->service;
    case RESULTS_CONNECT:
        return &c->connect;
    case RESULTS_TLS_HANDSHAKE:
        return &c->tls;
    default:
        return &c->ttfb;
    }
}

int merge_hist_add(struct hdr_hist **dst, struct hdr_hist *src)
{
    if (!*dst || (hdr_count(*dst) == 0 && (*dst)->overflow_count == 0)) {
        hdr_close(*dst);
        *dst = src;
        return MERGE_OK;
    }
    int rc = hdr_add(*dst, src);
    hdr_close(src);
    return rc ? MERGE_ESHARDS : MERGE_OK;
}

static int add_cell(struct merge *m, const struct merge_shard *sh, const struct results_cell *rc,
                    struct hist_ref *refs, char *err, size_t errlen)
{
    size_t node = sh->node_map[rc->node];
    struct rec_cell *c = rec_cell_get(m->r->total, rc->phase, rc->request, node);
    if (!c)
        return MERGE_ENOMEM;
    for (int s = 0; s < RESULTS_N_SERIES; s++) {
        struct hdr_hist *h = NULL;
        if (!rc->hists[s])
            continue;
        if (results_hist(rc->hists[s], &h))
            return MERGE_ENOMEM;
        int rv = check_settings(&refs[s], h, sh->results_path, results_series_name(s), err, errlen);
        if (rv) {
            hdr_close(h);
            return rv;
        }
        if (merge_hist_add(series_of(c, s), h))
            return errbuf_set(
                err, errlen, MERGE_ESHARDS,
                "%s: a %s histogram of phase %s, request %s, node %s has values the "
                "merged histogram cannot hold; nothing may be dropped, so nothing was "
                "merged",
                sh->results_path, results_series_name(s), sh->res->phases[rc->phase].name,
                sh->res->requests[rc->request], sh->res->nodes[rc->node]);
    }
    for (int i = 0; i < OC_COUNT; i++)
        c->outcomes[i] += cnt(rc->outcomes[i]);
    c->completed += cnt(rc->count);
    c->unexpected += cnt(rc->unexpected);
    c->retried += cnt(rc->retried);
    c->new_connections += cnt(rc->new_connections);
    c->bytes_sent += cnt(rc->bytes_sent);
    c->bytes_received += cnt(rc->bytes_received);
    for (int k = 0; k < REC_THROTTLE_KINDS; k++)
        c->throttled_by[k] += cnt(rc->throttled_by[k]);
    for (int k = 0; k < REC_FAULT_KINDS; k++)
        c->faults_by[k] += cnt(rc->faults_by[k]);
    c->retry_after += cnt(rc->retry_after);
    if (cnt(rc->retry_after_max_s) > c->retry_after_max_s)
        c->retry_after_max_s = cnt(rc->retry_after_max_s);
    return MERGE_OK;
}

static void health_add(struct rec_health *h, const struct results_health *x)
{
    h->scheduled += cnt(x->scheduled);
    h->started += cnt(x->started);
    h->late += cnt(x->late);
    h->bound_waits += cnt(x->bound_waits);
    h->stream_waits += cnt(x->stream_waits);
    h->queue_drops += cnt(x->queue_drops);
    h->local_failures += cnt(x->local_failures);
    h->abandoned += cnt(x->abandoned);
    h->inflight += cnt(x->inflight);
    int64_t lag = cnt(or0(x->max_lag_ms) * 1000.0);
    if (lag > h->max_lag_us)
        h->max_lag_us = lag;
}

static void slice_add(struct engine_slice *d, const struct results_slice *s)
{
    if (!s->present)
        return;
    d->completed += cnt(s->completed);
    d->errors += cnt(s->errors);
    for (int i = 0; i < OC_COUNT; i++)
        d->outcomes[i] += cnt(s->outcomes[i]);
}

/* The merged node of name, added when new. */
static int node_index(struct engine_result *r, const char *name, size_t *out)
{
    for (size_t n = 0; n < r->n_nodes; n++)
        if (!strcmp(r->node_names[n], name)) {
            *out = n;
            return 0;
        }
    if (r->n_nodes >= REC_MAX_NODES)
        return -1;
    snprintf(r->node_names[r->n_nodes], REC_NODE_NAME_LEN, "%s", name);
    *out = r->n_nodes++;
    r->total->n_nodes = r->n_nodes;
    return 0;
}

static int merge_intervals(struct merge *m)
{
    struct engine_result *r = m->r;
    size_t k_max = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->shards[i].res->n_intervals > k_max)
            k_max = m->shards[i].res->n_intervals;
    if (!(r->intervals = calloc(k_max ? k_max : 1, sizeof *r->intervals)))
        return MERGE_ENOMEM;
    r->n_intervals = k_max;
    for (size_t k = 0; k < k_max; k++) {
        struct engine_interval *iv = &r->intervals[k];
        iv->n_nodes = r->n_nodes;
        iv->n_requests = m->scn->n_requests;
        iv->nodes = calloc(r->n_nodes ? r->n_nodes : 1, sizeof *iv->nodes);
        iv->requests = calloc(iv->n_requests ? iv->n_requests : 1, sizeof *iv->requests);
        if (!iv->nodes || !iv->requests)
            return MERGE_ENOMEM;
        bool first = true;
        for (size_t i = 0; i < m->n; i++) {
            const struct merge_shard *sh = &m->shards[i];
            if (k >= sh->res->n_intervals)
                continue;
            const struct results_interval *x = &sh->res->intervals[k];
            if (first) {
                iv->start_s = x->start_s;
                iv->length_s = x->length_s;
                iv->drain = x->drain;
                iv->phase = x->drain ? 0 : x->phase;
                first = false;
            }
            health_add(&iv->health, &x->health);
            iv->cpu_pct += or0(x->cpu_pct);
            slice_add(&iv->all, &x->all);
            for (size_t n = 0; x->nodes && n < sh->res->n_nodes; n++)
                slice_add(&iv->nodes[sh->node_map[n]], &x->nodes[n]);
            for (size_t q = 0; x->requests && q < iv->n_requests; q++)
                slice_add(&iv->requests[q], &x->requests[q]);
        }
        if (iv->drain && m->scn->n_phases)
            iv->phase = m->scn->n_phases - 1;
        iv->offered_rps = iv->length_s > 0 ? (double)iv->health.scheduled / iv->length_s : 0;
        iv->achieved_rps = iv->length_s > 0 ? (double)iv->all.completed / iv->length_s : 0;
    }
    return MERGE_OK;
}

/* A shard's clock against the tolerance: flagged, never failed. */
/* Every finding about a shard's clock, the one that moves its schedule
 * first: an offset of its process's clock, then what its kernel says (an
 * unsynchronised clock, or an estimated error beyond the tolerance). */
static void judge_clock(struct merge_shard *sh, double tol_ms)
{
    const struct results_clock *c = &sh->res->shard.clock;
    char *f = sh->clock_flag;
    size_t cap = sizeof sh->clock_flag, k = 0;
    if (!sh->res->shard.present || !c->present)
        return;
    if (isfinite(c->offset_ms) && fabs(c->offset_ms) > tol_ms)
        k += (size_t)snprintf(f + k, cap - k, "clock offset %.3f ms beyond the %.3g ms tolerance",
                              c->offset_ms, tol_ms);
    if (k < cap && !c->synchronised)
        k += (size_t)snprintf(f + k, cap - k, "%sclock not synchronised (ntp_gettime state %.0f)",
                              k ? "; " : "", or0(c->state));
    else if (k < cap && isfinite(c->esterror_ms) && c->esterror_ms > tol_ms)
        k += (size_t)snprintf(f + k, cap - k,
                              "%sclock estimated error %.3f ms beyond the %.3g ms tolerance",
                              k ? "; " : "", c->esterror_ms, tol_ms);
    sh->clock_flagged = f[0] != '\0';
}

static int merge_run(struct merge *m, char *err, size_t errlen)
{
    struct engine_result *r = calloc(1, sizeof *r);
    if (!(m->r = r) || rec_set_new(m->scn->n_phases, m->scn->n_requests, &r->total) ||
        !(r->node_names = calloc(REC_MAX_NODES, REC_NODE_NAME_LEN)))
        return MERGE_ENOMEM;
    double start = INFINITY;
    for (size_t i = 0; i < m->n; i++) {
        struct merge_shard *sh = &m->shards[i];
        const struct results *x = sh->res;
        if (!(sh->node_map = calloc(x->n_nodes ? x->n_nodes : 1, sizeof *sh->node_map)))
            return MERGE_ENOMEM;
        for (size_t n = 0; n < x->n_nodes; n++)
            if (node_index(r, x->nodes[n], &sh->node_map[n]))
                return errbuf_set(err, errlen, MERGE_EINPUT,
                                  "%s: more than %d nodes over all shards; a run holds at most %d",
                                  sh->results_path, REC_MAX_NODES, REC_MAX_NODES);
        if (isfinite(x->start_epoch_s) && x->start_epoch_s < start)
            start = x->start_epoch_s;
        if (or0(x->elapsed_s) > r->elapsed_s)
            r->elapsed_s = or0(x->elapsed_s);
        double end = isfinite(x->arrivals_end_s) ? x->arrivals_end_s : or0(x->elapsed_s);
        if (end > r->schedule_end_s)
            r->schedule_end_s = end;
        r->cpu_user_s += or0(x->cpu_user_s);
        r->cpu_sys_s += or0(x->cpu_sys_s);
        r->workers += (int)cnt(x->workers);
        r->interrupted |= x->interrupted;
        r->stopped_early |= x->stopped_early;
        r->generator_limited |= x->generator_limited;
        m->any_interrupted |= x->interrupted;
        m->any_limited |= x->generator_limited;
        m->incomplete |= !x->status || strcmp(x->status, "complete");
        if (x->stop_reason && !r->stop_reason[0])
            snprintf(r->stop_reason, sizeof r->stop_reason, "%s", x->stop_reason);
        health_add(&r->health, &x->gen);
        r->abandoned += cnt(x->gen.abandoned);
        for (size_t p = 0; p < x->n_phases; p++)
            if (x->phases[p].has_health)
                health_add(&r->total->by_phase[p], &x->phases[p].health);
        for (int c = 0; c < OC_COUNT; c++)
            if (x->examples[c] && !r->total->first_error[c][0])
                snprintf(r->total->first_error[c], REC_ERROR_LEN, "%s", x->examples[c]);
        if (x->local_failure_example && !r->total->local_error[0])
            snprintf(r->total->local_error, REC_ERROR_LEN, "%s", x->local_failure_example);
        judge_clock(sh, m->clock_tolerance_ms);
        m->clock_flags += sh->clock_flagged;
    }
    const struct results_shard *s0 = &m->shards[0].res->shard;
    r->start_epoch_s = isfinite(s0->start_at_epoch_s) ? s0->start_at_epoch_s
                       : isfinite(start)              ? start
                                                      : 0;
    r->total->health = r->health;
    r->late_pct =
        r->health.scheduled ? 100.0 * (double)r->health.late / (double)r->health.scheduled : 0.0;
    struct hist_ref refs[RESULTS_N_SERIES] = {0};
    for (size_t i = 0; i < m->n; i++)
        for (size_t c = 0; c < m->shards[i].res->n_cells; c++) {
            int rv = add_cell(m, &m->shards[i], &m->shards[i].res->cells[c], refs, err, errlen);
            if (rv)
                return rv;
        }
    int rv = merge_flows_add(m, err, errlen);
    if (rv)
        return rv;
    return merge_intervals(m);
}

int merge_load(char *const *paths, size_t n, const char *where, double clock_tolerance_ms,
               struct merge **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!n)
        return errbuf_set(err, errlen, MERGE_EINPUT, "no shard to merge");
    struct merge *m = calloc(1, sizeof *m);
    if (!m || !(m->shards = calloc(n, sizeof *m->shards))) {
        free(m);
        return MERGE_ENOMEM;
    }
    m->clock_tolerance_ms = clock_tolerance_ms;
    int rc = MERGE_OK;
    for (size_t i = 0; i < n && rc == MERGE_OK; i++) {
        struct merge_shard *sh = &m->shards[m->n++];
        if (!(sh->results_path = strdup(paths[i]))) {
            rc = MERGE_ENOMEM;
            break;
        }
        int rr = results_read(sh->results_path, RESULTS_HISTS_ALL, &sh->res, err, errlen);
        if (rr) {
            rc = rr == RESULTS_ENOMEM ? MERGE_ENOMEM : MERGE_EINPUT;
            break;
        }
        if (sh->res->shard.merged) {
            rc = errbuf_set(
                err, errlen, MERGE_EINPUT,
                "%s is already a merge of %.0f shards; give the shards' own results.json "
                "files",
                sh->results_path, sh->res->shard.count);
            break;
        }
        sh->index = (size_t)sh->res->shard.index;
        const char *slash = strrchr(sh->results_path, '/');
        int dlen = slash ? (int)(slash - sh->results_path) + 1 : 0;
        if (asprintf(&sh->hlog_path, "%.*srun.hlog", dlen, sh->results_path) < 0) {
            sh->hlog_path = NULL;
            rc = MERGE_ENOMEM;
        } else if (!is_file(sh->hlog_path)) {
            rc = errbuf_set(err, errlen, MERGE_EINPUT,
                            "%s: the interval log of %s is missing; every shard's folder holds the "
                            "results.json and the run.hlog its run wrote",
                            sh->hlog_path, sh->results_path);
        }
    }
    if (rc == MERGE_OK)
        rc = check_identity(m->shards, m->n, err, errlen);
    if (rc == MERGE_OK)
        rc = check_indexes(m->shards, m->n, where, err, errlen);
    if (rc == MERGE_OK)
        rc = check_scenario(m->shards, m->n, err, errlen);
    if (rc == MERGE_OK) {
        const struct results_shard *s0 = &m->shards[0].res->shard;
        m->run_id = s0->run_id;
        m->digest = s0->scenario_digest;
        m->start_at = s0->start_at;
        rc = make_scenario(m->shards[0].res, &m->scn, err, errlen);
    }
    if (rc == MERGE_OK)
        rc = merge_run(m, err, errlen);
    if (rc == MERGE_ENOMEM)
        errbuf_set(err, errlen, MERGE_ENOMEM, "out of memory while merging");
    if (rc) {
        merge_free(m);
        return rc;
    }
    *out = m;
    return MERGE_OK;
}

int merge_gates(struct merge *m)
{
    free(m->verdicts);
    m->verdicts = NULL;
    m->n_verdicts = 0;
    m->gates_failed = 0;
    if (gate_evaluate(m->scn, m->r, false, &m->verdicts, &m->n_verdicts))
        return MERGE_ENOMEM;
    for (size_t i = 0; i < m->n_verdicts; i++)
        m->gates_failed += m->verdicts[i].outcome != GATE_PASS;
    return MERGE_OK;
}

void merge_free(struct merge *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->shards[i].results_path);
        free(m->shards[i].hlog_path);
        free(m->shards[i].node_map);
        results_free(m->shards[i].res);
    }
    free(m->shards);
    scenario_free(m->scn);
    engine_result_free(m->r);
    free(m->verdicts);
    free(m);
}
