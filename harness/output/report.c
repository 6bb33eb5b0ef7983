/*
 * report.c — results.json (read by results_read.h) into a report model
 * (plan.json: report_plan.c; the token pool: report_auth.c), and
 * report_write; see report.h. The Markdown is report_md.c, the HTML
 * report_html.c.
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fsutil.h"
#include "output/plan_json.h"
#include "output/report_int.h"

/* Constant-rate open-model phases as steps, when there are three or more. */
static int phase_steps(struct report *r)
{
    const char *model = r->model ? r->model : "open";
    /* (workloads side by side: no phase is a step of one load) */
    if (strcmp(model, "open") != 0 || (r->res && r->res->n_workloads))
        return 0;
    size_t cand = 0;
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct report_phase *ph = &r->phases[i];
        cand += ph->record && ph->rate_start > 0 && ph->rate_start == ph->rate_end;
    }
    if (cand < 3)
        return 0;
    r->steps = calloc(cand, sizeof *r->steps);
    if (!r->steps)
        return -1;
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct report_phase *ph = &r->phases[i];
        if (!(ph->record && ph->rate_start > 0 && ph->rate_start == ph->rate_end))
            continue;
        struct report_step *s = &r->steps[r->n_steps++];
        s->name = strdup(ph->name);
        if (!s->name)
            return -1;
        s->offered_rps = ph->rate_start;
        /* as gatecap plan: whole intervals, the first one left out */
        double sum = 0;
        int whole = 0, used = 0;
        for (size_t k = 0; k < r->n_intervals; k++) {
            const struct report_interval *iv = &r->intervals[k];
            if (iv->phase != (int)i || !(iv->length_s > 0.9 * r->interval_s) ||
                !isfinite(iv->achieved_rps) || whole++ == 0)
                continue;
            sum += iv->achieved_rps;
            used++;
        }
        s->achieved_rps = used ? sum / used : NAN;
        s->latency_ms = s->error_pct = NAN;
        const struct results_cell *c = results_named(r->by_phase, r->n_by_phase, ph->name);
        if (c) {
            s->latency_ms = c->latency.p99;
            s->error_pct = c->error_pct;
            if (!used)
                s->achieved_rps = c->throughput_rps;
        }
    }
    return 0;
}

/* ---- results.json, through results_read ---- */

/* The run's facts: scenario, versions, run, generator, targets. */
static int facts(struct report *r)
{
    const struct results *res = r->res;
    r->scenario = res->scenario;
    r->description = res->description;
    r->scenario_file = res->scenario_file;
    r->version = res->gatecap_version;
    r->transport = res->transport;
    r->libcurl = res->libcurl;
    r->openssl = res->openssl;
    r->status = res->status;
    r->model = res->model;
    r->http = res->http;
    r->h2_max_streams = res->h2_max_streams;
    r->h2_connections = res->h2_connections;
    r->conn_policy = res->conn_policy;
    r->new_conn_fraction = res->new_conn_fraction;
    r->latency_definition = res->latency_definition;
    r->stop_reason = res->stop_reason;
    r->arrivals_end_s = res->arrivals_end_s;
    r->node_header = res->node_header;
    r->start_epoch_s = res->start_epoch_s;
    r->elapsed_s = res->elapsed_s;
    r->planned_s = res->planned_s;
    r->insecure_tls = res->insecure_tls;
    r->interval_s = res->interval_s;
    r->cores = isfinite(res->cores) ? (int)res->cores : 0;
    r->workers = isfinite(res->workers) ? (int)res->workers : 0;
    r->gen_late_pct = res->gen.late_pct;
    r->gen_queue_drops = res->gen.queue_drops;
    r->gen_abandoned = res->gen.abandoned;
    r->gen_max_lag_ms = res->gen.max_lag_ms;
    r->gen_cpu_pct = res->cpu_pct;
    r->gen_local_failures = res->gen.local_failures;
    r->gen_bound_waits = res->gen.bound_waits;
    r->gen_stream_waits = res->gen.stream_waits;
    r->gen_local_example = res->local_failure_example;
    r->overrides = res->overrides;
    r->n_overrides = res->n_overrides;
    r->all = &res->all;
    r->by_phase = res->by_phase;
    r->n_by_phase = res->n_by_phase;
    r->by_request = res->by_request;
    r->n_by_request = res->n_by_request;
    r->by_node = res->by_node;
    r->n_by_node = res->n_by_node;
    r->targets = calloc(res->n_targets + 1, sizeof *r->targets);
    if (!r->targets)
        return -1;
    for (size_t i = 0; i < res->n_targets; i++) {
        const struct results_target *t = &res->targets[i];
        if (asprintf(&r->targets[r->n_targets], "%s %s", t->name ? t->name : "?",
                     t->url ? t->url : "?") < 0)
            return -1;
        r->n_targets++;
    }
    r->examples = calloc(OC_COUNT, sizeof *r->examples);
    if (!r->examples)
        return -1;
    for (int i = 0; i < OC_COUNT; i++)
        if (res->examples[i])
            r->examples[r->n_examples++] =
                (struct report_example){rec_outcome_name(i), res->examples[i]};
    r->faults = report_kinds(res->all.faults_by, REC_FAULT_KINDS, rec_fault_name);
    return 0;
}

/* The phases as they ran: until the arrivals ended (a results.json from
 * before run.arrivals_end_s: the plan when the run completed). */
static int phases(struct report *r)
{
    const struct results *res = r->res;
    r->phases = calloc(res->n_phases + 1, sizeof *r->phases);
    if (!r->phases)
        return -1;
    double end = isfinite(r->arrivals_end_s)      ? r->arrivals_end_s
                 : !strcmp(r->status, "complete") ? INFINITY
                                                  : NAN;
    double phase_start = 0;
    for (size_t i = 0; i < res->n_phases; i++) {
        const struct results_phase *p = &res->phases[i];
        struct report_phase *ph = &r->phases[r->n_phases++];
        *ph = (struct report_phase){.name = p->name,
                                    .duration_s = p->duration_s,
                                    .rate_start = p->rate_start,
                                    .rate_end = p->rate_end,
                                    .users = p->users,
                                    .think_ms = p->think_ms,
                                    .record = p->record,
                                    .workload = p->workload};
        if (isfinite(p->start_s)) /* workloads side by side: its own start */
            phase_start = p->start_s;
        double ran = end - phase_start;
        ph->ran_s = isnan(ran) ? NAN : ran < 0 ? 0 : ran > ph->duration_s ? ph->duration_s : ran;
        phase_start += isfinite(ph->duration_s) ? ph->duration_s : 0;
    }
    return 0;
}

/* The nodes that answered (a row in totals.by_node with a count) into
 * r->nodes, the others into r->silent: a target behind which node_header
 * named the nodes answers nothing itself, and is no node to draw at 0
 * req/s. Then the intervals, their node slices for the nodes kept. */
static int nodes_and_intervals(struct report *r)
{
    const struct results *res = r->res;
    r->nodes = calloc(res->n_nodes + 1, sizeof *r->nodes);
    r->silent = calloc(res->n_nodes + 1, sizeof *r->silent);
    size_t *kept = calloc(res->n_nodes + 1, sizeof *kept);
    r->intervals = calloc(res->n_intervals + 1, sizeof *r->intervals);
    int rc = -1;
    if (!r->nodes || !r->silent || !kept || !r->intervals)
        goto out;
    for (size_t i = 0; i < res->n_nodes; i++) {
        const struct results_cell *c = results_named(r->by_node, r->n_by_node, res->nodes[i]);
        if (c && c->count > 0) {
            kept[r->n_nodes] = i;
            r->nodes[r->n_nodes++] = res->nodes[i];
        } else {
            r->silent[r->n_silent++] = res->nodes[i];
        }
    }
    for (size_t i = 0; i < res->n_intervals; i++) {
        const struct results_interval *v = &res->intervals[i];
        struct report_interval *iv = &r->intervals[r->n_intervals++];
        *iv = (struct report_interval){
            .start_s = v->start_s,
            .length_s = v->length_s,
            .offered_rps = v->offered_rps,
            .achieved_rps = v->achieved_rps,
            .phase = v->phase == RESULTS_NO_PHASE ? -1 : (int)v->phase,
            .drain = v->drain,
            .all = v->all,
        };
        if (!(iv->nodes = calloc(r->n_nodes + 1, sizeof *iv->nodes)))
            goto out;
        for (size_t k = 0; k < r->n_nodes; k++)
            iv->nodes[k] = v->nodes[kept[k]];
    }
    rc = 0;
out:
    free(kept);
    return rc;
}

/* Adds the histogram the model kept (hist, may be NULL) into *acc
 * (created on first use). One decoded at a time: a run's cells all
 * decoded at once would take about 190 KB each. */
static int add_hist(struct hdr_hist **acc, const char *hist)
{
    struct hdr_hist *h = NULL;
    if (results_hist(hist, &h) != RESULTS_OK)
        return -1;
    if (!h)
        return 0;
    int rc = 0;
    if (!*acc && hdr_init_default(acc) != HDR_OK)
        rc = -1;
    else
        hdr_add(*acc, h); /* values beyond the default range land in overflow_count */
    hdr_close(h);
    return rc;
}

/* The histograms of every request (totals.all) and of each (its cells). */
static int dists(struct report *r)
{
    const struct results *res = r->res;
    r->dists = calloc(r->n_by_request + 1, sizeof *r->dists);
    if (!r->dists)
        return -1;
    r->dists[r->n_dists++].name = "all";
    for (size_t i = 0; i < r->n_by_request; i++)
        r->dists[r->n_dists++].name = r->by_request[i].name;
    if (add_hist(&r->dists[0].latency, res->all.hists[RESULTS_LATENCY]) ||
        add_hist(&r->dists[0].service, res->all.hists[RESULTS_SERVICE]))
        return -1;
    for (size_t i = 0; i < res->n_cells; i++) {
        const struct results_cell *c = &res->cells[i];
        for (size_t d = 1; d < r->n_dists; d++)
            if (!strcmp(r->dists[d].name, res->requests[c->request]) &&
                (add_hist(&r->dists[d].latency, c->hists[RESULTS_LATENCY]) ||
                 add_hist(&r->dists[d].service, c->hists[RESULTS_SERVICE])))
                return -1;
    }
    return 0;
}

static void gates(struct report *r)
{
    const struct results *res = r->res;
    /* a scenario without gates (an empty list) has nothing to say */
    r->have_gates = res->has_gates && res->n_gates > 0;
    r->gates = res->gates;
    r->n_gates = res->n_gates;
    int failed = 0;
    for (size_t i = 0; i < res->n_gates; i++)
        failed += strcmp(res->gates[i].verdict, "fail") == 0;
    r->gates_failed = isfinite(res->gates_failed) ? (int)res->gates_failed : failed;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int report_load(struct report *r, const char *results_path, const char *plan_path, char *err,
                size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (results_read(results_path, RESULTS_HIST(RESULTS_LATENCY) | RESULTS_HIST(RESULTS_SERVICE),
                     &r->res, err, errlen) != RESULTS_OK)
        return -1;
    if (!(r->results_file = strdup(base_name(results_path))) || facts(r) || phases(r) ||
        nodes_and_intervals(r) || dists(r))
        return errbuf_set(err, errlen, -1, "out of memory");
    gates(r);
    if (report_load_auth(r, err, errlen))
        return -1;

    /* the plan: as given, or beside the results */
    char beside[4096];
    if (!plan_path) {
        const char *slash = strrchr(results_path, '/');
        int dl = slash ? (int)(slash - results_path) : 0;
        snprintf(beside, sizeof beside, "%.*s%splan.json", dl, results_path, slash ? "/" : "");
        struct stat st;
        if (stat(beside, &st) == 0)
            plan_path = beside;
    }
    if (plan_path && report_read_plan(r, plan_path, err, errlen))
        return -1;
    if (r->n_steps == 0 && phase_steps(r))
        return errbuf_set(err, errlen, -1, "out of memory");
    return 0;
}

void report_free(struct report *r)
{
    free(r->results_file);
    for (size_t i = 0; i < r->n_targets; i++)
        free(r->targets[i]);
    free(r->targets);
    report_free_auth(r);
    free(r->phases);
    free(r->nodes);
    free(r->silent);
    for (size_t i = 0; i < r->n_intervals; i++)
        free(r->intervals[i].nodes);
    free(r->intervals);
    for (size_t i = 0; i < r->n_dists; i++) {
        hdr_close(r->dists[i].latency);
        hdr_close(r->dists[i].service);
    }
    free(r->dists);
    free(r->examples);
    free(r->faults);
    for (size_t i = 0; i < r->n_steps; i++) {
        free(r->steps[i].name);
        free(r->steps[i].why);
    }
    free(r->steps);
    struct report_plan *p = r->plan;
    if (p) {
        free(p->file);
        free(p->whatif);
        free(p->sens);
        free(p->points);
        plan_json_free(p->doc);
        free(p);
    }
    results_free(r->res);
    memset(r, 0, sizeof *r);
}

/* ---- report_write ---- */

/* Renders a loaded report into both files (flushed). */
static int render_both(const struct report *r, FILE *md, FILE *html, char *err, size_t errlen)
{
    errno = 0;
    if (report_markdown(r, md) != 0 || fflush(md) != 0)
        return errbuf_set(err, errlen, -1, "cannot write report.md: %s",
                          strerror(errno ? errno : EIO));
    if (report_html(r, html) != 0 || fflush(html) != 0)
        return errbuf_set(err, errlen, -1, "cannot write report.html: %s",
                          strerror(errno ? errno : EIO));
    return 0;
}

int report_render(const char *results_path, const char *plan_path, FILE *md, FILE *html, char *err,
                  size_t errlen)
{
    struct report r;
    int rc = report_load(&r, results_path, plan_path, err, errlen);
    if (rc != 0)
        return rc;
    rc = render_both(&r, md, html, err, errlen);
    report_free(&r);
    return rc;
}

int report_write(const char *results_path, const char *plan_path, const char *outdir, char *err,
                 size_t errlen)
{
    char md[4096], html[4096];
    if ((size_t)snprintf(md, sizeof md, "%s/report.md", outdir) >= sizeof md ||
        (size_t)snprintf(html, sizeof html, "%s/report.html", outdir) >= sizeof html)
        return errbuf_set(err, errlen, -1, "%s: path too long", outdir);
    struct report r;
    int rc = report_load(&r, results_path, plan_path, err, errlen);
    if (rc != 0)
        return rc; /* nothing made, not even the folder */
    /* both rendered into temporary files before either is renamed */
    struct fs_outset set = {0};
    FILE *fm = NULL, *fh = NULL;
    if (fs_mkdirs(outdir) != 0)
        rc = errbuf_set(err, errlen, -1, "cannot create %s: %s", outdir, strerror(errno));
    else if (!(fm = fs_outset_add(&set, md)) || !(fh = fs_outset_add(&set, html)))
        rc = errbuf_set(err, errlen, -1, "cannot write in %s: %s", outdir, strerror(errno));
    else
        rc = render_both(&r, fm, fh, err, errlen);
    report_free(&r);
    char bad[4096];
    if (rc != 0)
        fs_outset_abort(&set);
    else if (fs_outset_commit(&set, bad, sizeof bad) != 0)
        rc = errbuf_set(err, errlen, -1, "cannot write %s: %s", bad, strerror(errno));
    return rc;
}
