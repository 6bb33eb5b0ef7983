/*
 * report.c — results.json into a report model (plan.json: report_plan.c),
 * and report_write; see report.h. The Markdown is report_md.c, the HTML
 * report_html.c.
 */
#include "output/report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/fsutil.h"
#include "measure/hdr_codec.h"
#include "output/report_int.h"

static const char *const outcome_names[REPORT_OUTCOMES] = {
    "2xx",     "3xx",     "4xx",   "unauthorized", "throttled", "5xx",
    "timeout", "refused", "reset", "tls",          "other",     "abandoned"};

const char *report_outcome_name(int i)
{
    return i >= 0 && i < REPORT_OUTCOMES ? outcome_names[i] : NULL;
}

bool report_outcome_is_error(int i)
{
    return i == 2 || i == 3 || i >= 5;
}

void report_read_lat(struct report_lat *l, const json_t *o)
{
    l->count = num(o, "count");
    l->min = num(o, "min");
    l->mean = num(o, "mean");
    l->p50 = num(o, "p50");
    l->p90 = num(o, "p90");
    l->p99 = num(o, "p99");
    l->p999 = num(o, "p99.9");
    l->p9999 = num(o, "p99.99");
    l->max = num(o, "max");
}

static void read_outcomes(double *out, const json_t *o)
{
    for (int i = 0; i < REPORT_OUTCOMES; i++) {
        double v = num(o, outcome_names[i]);
        out[i] = isfinite(v) ? v : 0;
    }
}

/* A CELL into row; false when it is not an object with a count. */
static bool read_row(struct report_row *row, const char *name, const json_t *c)
{
    memset(row, 0, sizeof *row);
    row->name = strdup(name);
    row->count = num(c, "count");
    row->throughput_rps = num(c, "throughput_rps");
    row->errors = num(c, "errors");
    row->error_pct = num(c, "error_pct");
    row->throttled = num(c, "throttled");
    row->throttled_pct = num(c, "throttled_pct");
    row->unexpected = num(c, "unexpected_status");
    read_outcomes(row->outcomes, json_object_get(c, "outcomes"));
    report_read_lat(&row->latency, json_object_get(c, "latency_ms"));
    report_read_lat(&row->service, json_object_get(c, "service_ms"));
    return row->name && json_is_object(c) && isfinite(row->count);
}

static int read_rows(struct report_row **rows, size_t *n, json_t *obj, const char *path,
                     const char *field, char *err, size_t errlen)
{
    size_t cnt = json_object_size(obj);
    *rows = calloc(cnt ? cnt : 1, sizeof **rows);
    if (!*rows)
        return fail(err, errlen, "out of memory");
    const char *key;
    json_t *c;
    json_object_foreach(obj, key, c)
    {
        if (!read_row(&(*rows)[(*n)++], key, c))
            return fail(err, errlen, "%s: %s.%s: not a CELL (an object with \"count\")", path,
                        field, key);
    }
    return 0;
}

static void read_point(struct report_point *p, const json_t *o)
{
    memset(p, 0, sizeof *p);
    if (!json_is_object(o))
        return;
    p->present = true;
    p->completed = num(o, "completed");
    p->errors = num(o, "errors");
    p->throttled = num(o, "throttled");
    p->p50_ms = num(o, "p50_ms");
    p->p90_ms = num(o, "p90_ms");
    p->p99_ms = num(o, "p99_ms");
    p->max_ms = num(o, "max_ms");
    p->service_p99_ms = num(o, "service_p99_ms");
    read_outcomes(p->outcomes, json_object_get(o, "outcomes"));
}

/* Adds the base64 histogram at key of hists into *acc (created on first
 * use). */
static int add_hist(struct hdr_hist **acc, const json_t *hists, const char *key, const char *path,
                    const char *where, char *err, size_t errlen)
{
    const char *b64 = json_string_value(json_object_get(hists, key));
    if (!b64)
        return 0;
    struct hdr_hist *h = NULL;
    int rc = hdr_decode_base64(b64, strlen(b64), &h);
    if (rc != HDR_CODEC_OK)
        return fail(err, errlen, "%s: %s.histograms.%s: %s", path, where, key,
                    hdr_codec_strerror(rc));
    if (!*acc && hdr_init_default(acc) != HDR_OK) {
        hdr_close(h);
        return fail(err, errlen, "out of memory");
    }
    hdr_add(*acc, h); /* values beyond the default range land in overflow_count */
    hdr_close(h);
    return 0;
}

static int read_dists(struct report *r, const json_t *root, const char *path, char *err,
                      size_t errlen)
{
    r->dists = calloc(r->n_by_request + 1, sizeof *r->dists);
    if (!r->dists)
        return fail(err, errlen, "out of memory");
    r->dists[0].name = strdup("all");
    r->n_dists = 1;
    for (size_t i = 0; i < r->n_by_request; i++)
        r->dists[r->n_dists++].name = strdup(r->by_request[i].name);
    for (size_t i = 0; i < r->n_dists; i++)
        if (!r->dists[i].name)
            return fail(err, errlen, "out of memory");
    const json_t *all = json_object_get(json_object_get(root, "totals"), "all");
    const json_t *h = json_object_get(all, "histograms");
    if (add_hist(&r->dists[0].latency, h, "latency", path, "totals.all", err, errlen) ||
        add_hist(&r->dists[0].service, h, "service", path, "totals.all", err, errlen))
        return -1;
    size_t i;
    const json_t *cell;
    json_array_foreach(json_object_get(root, "cells"), i, cell)
    {
        const char *req = json_string_value(json_object_get(cell, "request"));
        h = json_object_get(cell, "histograms");
        for (size_t d = 1; req && d < r->n_dists; d++) {
            if (strcmp(r->dists[d].name, req) != 0)
                continue;
            char where[32];
            snprintf(where, sizeof where, "cells[%zu]", i);
            if (add_hist(&r->dists[d].latency, h, "latency", path, where, err, errlen) ||
                add_hist(&r->dists[d].service, h, "service", path, where, err, errlen))
                return -1;
        }
    }
    return 0;
}

static int read_gates(struct report *r, const json_t *root, const char *path, char *err,
                      size_t errlen)
{
    const json_t *gates = json_object_get(root, "gates");
    if (!gates)
        return 0;
    if (!json_is_array(gates))
        return fail(err, errlen, "%s: \"gates\" is not an array", path);
    if (json_array_size(gates) == 0) /* a scenario without gates: nothing to say */
        return 0;
    r->have_gates = true;
    r->gates = calloc(json_array_size(gates) + 1, sizeof *r->gates);
    if (!r->gates)
        return fail(err, errlen, "out of memory");
    size_t i;
    const json_t *g;
    int failed = 0;
    json_array_foreach(gates, i, g)
    {
        struct report_gate *o = &r->gates[r->n_gates++];
        o->gate = dup_str(g, "gate");
        o->verdict = dup_str(g, "verdict");
        if (!json_is_object(g) || !o->gate || !o->verdict)
            return fail(err, errlen, "%s: gates[%zu]: \"gate\" and \"verdict\" are required", path,
                        i);
        o->scope = dup_str(g, "scope");
        o->name = dup_str(g, "name");
        o->metric = dup_str(g, "metric");
        o->op = dup_str(g, "op");
        o->unit = dup_str(g, "unit");
        o->threshold = num(g, "threshold");
        o->measured = num(g, "measured");
        failed += strcmp(o->verdict, "fail") == 0;
    }
    double gf = num(json_object_get(root, "run"), "gates_failed");
    r->gates_failed = isfinite(gf) ? (int)gf : failed;
    return 0;
}

/* Constant-rate open-model phases as steps, when there are three or more. */
static int phase_steps(struct report *r, const json_t *root)
{
    const char *model = r->model ? r->model : "open";
    if (strcmp(model, "open") != 0)
        return 0;
    size_t cand = 0;
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct report_phase *ph = &r->phases[i];
        cand += ph->record && ph->rate_start > 0 && ph->rate_start == ph->rate_end;
    }
    if (cand < 3)
        return 0;
    (void)root;
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
        for (size_t k = 0; k < r->n_by_phase; k++) {
            if (strcmp(r->by_phase[k].name, ph->name) == 0) {
                s->latency_ms = r->by_phase[k].latency.p99;
                s->error_pct = r->by_phase[k].error_pct;
                if (!used)
                    s->achieved_rps = r->by_phase[k].throughput_rps;
            }
        }
    }
    return 0;
}

/* ---- results.json ---- */

static int read_run(struct report *r, const json_t *root, const char *path, char *err,
                    size_t errlen)
{
    const json_t *scn = json_object_get(root, "scenario");
    const json_t *run = json_object_get(root, "run");
    const json_t *gc = json_object_get(root, "gatecap");
    const json_t *gen = json_object_get(root, "generator");
    const json_t *env = json_object_get(root, "environment");
    r->scenario = dup_str(scn, "name");
    r->description = dup_str(scn, "description");
    r->scenario_file = dup_str(scn, "file");
    r->version = dup_str(gc, "version");
    r->transport = dup_str(gc, "transport");
    r->libcurl = dup_str(gc, "libcurl");
    r->openssl = dup_str(gc, "openssl");
    r->status = dup_str(run, "status");
    r->model = dup_str(run, "model");
    r->latency_definition = dup_str(run, "latency_definition");
    r->stop_reason = dup_str(run, "stop_reason");
    r->arrivals_end_s = num(run, "arrivals_end_s");
    r->node_header = dup_str(scn, "node_header");
    r->start_epoch_s = num(run, "start_epoch_s");
    r->elapsed_s = num(run, "elapsed_s");
    r->planned_s = num(run, "planned_s");
    r->insecure_tls = json_is_true(json_object_get(run, "insecure_tls"));
    r->interval_s = num(scn, "interval_s");
    if (!(r->interval_s > 0))
        r->interval_s = 1;
    r->cores = (int)json_integer_value(json_object_get(env, "cores"));
    r->workers = (int)json_integer_value(json_object_get(env, "workers"));
    r->gen_late_pct = num(gen, "late_pct");
    r->gen_queue_drops = num(gen, "queue_drops");
    r->gen_abandoned = num(gen, "abandoned");
    r->gen_max_lag_ms = num(gen, "max_lag_ms");
    r->gen_cpu_pct = num(gen, "cpu_pct");
    r->gen_local_failures = num(gen, "local_failures");
    r->gen_local_example = dup_str(gen, "local_failure_example");
    if (!r->scenario || !r->status)
        return fail(err, errlen, "%s: scenario.name and run.status are required", path);

    const json_t *targets = json_object_get(scn, "targets");
    r->targets = calloc(json_array_size(targets) + 1, sizeof *r->targets);
    const json_t *phases = json_object_get(json_object_get(scn, "load"), "phases");
    r->phases = calloc(json_array_size(phases) + 1, sizeof *r->phases);
    const json_t *nodes = json_object_get(root, "nodes");
    r->nodes = calloc(json_array_size(nodes) + 1, sizeof *r->nodes);
    json_t *ex = json_object_get(root, "error_examples");
    r->examples = calloc(json_object_size(ex) + 1, sizeof *r->examples);
    const json_t *ov = json_object_get(scn, "overrides");
    r->overrides = calloc(json_array_size(ov) + 1, sizeof *r->overrides);
    if (!r->targets || !r->phases || !r->nodes || !r->examples || !r->overrides)
        return fail(err, errlen, "out of memory");
    size_t i;
    const json_t *v;
    json_array_foreach(targets, i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        const char *u = json_string_value(json_object_get(v, "url"));
        if (asprintf(&r->targets[r->n_targets], "%s %s", n ? n : "?", u ? u : "?") < 0)
            return fail(err, errlen, "out of memory");
        r->n_targets++;
    }
    json_array_foreach(ov, i, v)
    {
        if (!json_is_string(v))
            return fail(err, errlen, "%s: scenario.overrides[%zu] is not a string", path, i);
        if (!(r->overrides[r->n_overrides++] = strdup(json_string_value(v))))
            return fail(err, errlen, "out of memory");
    }
    double phase_start = 0;
    json_array_foreach(phases, i, v)
    {
        struct report_phase *ph = &r->phases[r->n_phases++];
        ph->name = dup_str(v, "name");
        if (!ph->name)
            return fail(err, errlen, "%s: scenario.load.phases[%zu].name is missing", path, i);
        ph->duration_s = num(v, "duration_s");
        ph->rate_start = num(v, "rate_start_per_s");
        ph->rate_end = num(v, "rate_end_per_s");
        ph->users = num(v, "users");
        ph->think_ms = num(v, "think_ms");
        ph->record = !json_is_false(json_object_get(v, "record"));
        /* as it ran: until the arrivals ended (a results.json from before
         * run.arrivals_end_s: the plan when the run completed) */
        double end = isfinite(r->arrivals_end_s)      ? r->arrivals_end_s
                     : !strcmp(r->status, "complete") ? INFINITY
                                                      : NAN;
        double ran = end - phase_start;
        ph->ran_s = isnan(ran) ? NAN : ran < 0 ? 0 : ran > ph->duration_s ? ph->duration_s : ran;
        phase_start += isfinite(ph->duration_s) ? ph->duration_s : 0;
    }
    json_array_foreach(nodes, i, v)
    {
        if (!json_is_string(v) || !(r->nodes[r->n_nodes++] = strdup(json_string_value(v))))
            return fail(err, errlen, "%s: nodes[%zu] is not a string", path, i);
    }
    const char *key;
    json_object_foreach(ex, key, v)
    {
        struct report_example *e = &r->examples[r->n_examples++];
        e->cls = strdup(key);
        e->message = strdup(json_is_string(v) ? json_string_value(v) : "");
        if (!e->cls || !e->message)
            return fail(err, errlen, "out of memory");
    }
    return 0;
}

static int read_intervals(struct report *r, const json_t *ivs, const char *path, char *err,
                          size_t errlen)
{
    r->intervals = calloc(json_array_size(ivs) + 1, sizeof *r->intervals);
    if (!r->intervals)
        return fail(err, errlen, "out of memory");
    size_t i;
    const json_t *v;
    json_array_foreach(ivs, i, v)
    {
        struct report_interval *iv = &r->intervals[r->n_intervals++];
        iv->start_s = num(v, "start_s");
        iv->length_s = num(v, "length_s");
        if (!json_is_object(v) || !isfinite(iv->start_s) || !isfinite(iv->length_s))
            return fail(err, errlen, "%s: intervals[%zu]: start_s and length_s are required", path,
                        i);
        iv->offered_rps = num(v, "offered_rps");
        iv->achieved_rps = num(v, "achieved_rps");
        iv->phase = -1;
        const char *ph = json_string_value(json_object_get(v, "phase"));
        for (size_t k = 0; ph && k < r->n_phases; k++)
            if (strcmp(r->phases[k].name, ph) == 0)
                iv->phase = (int)k;
        iv->drain = json_is_true(json_object_get(v, "drain"));
        read_point(&iv->all, json_object_get(v, "all"));
        iv->nodes = calloc(r->n_nodes + 1, sizeof *iv->nodes);
        if (!iv->nodes)
            return fail(err, errlen, "out of memory");
        const json_t *nodes = json_object_get(v, "nodes");
        for (size_t k = 0; k < r->n_nodes; k++)
            read_point(&iv->nodes[k], json_object_get(nodes, r->nodes[k]));
    }
    return 0;
}

/* Keeps in r->nodes the nodes that answered (a row in totals.by_node with
 * a count) and moves the others to r->silent: a target behind which
 * node_header named the nodes answers nothing itself, and is no node to
 * draw at 0 req/s. */
static int split_silent_nodes(struct report *r, char *err, size_t errlen)
{
    r->silent = calloc(r->n_nodes + 1, sizeof *r->silent);
    if (!r->silent)
        return fail(err, errlen, "out of memory");
    size_t kept = 0;
    for (size_t i = 0; i < r->n_nodes; i++) {
        bool answered = false;
        for (size_t k = 0; k < r->n_by_node && !answered; k++)
            answered = !strcmp(r->by_node[k].name, r->nodes[i]) && r->by_node[k].count > 0;
        if (answered)
            r->nodes[kept++] = r->nodes[i];
        else
            r->silent[r->n_silent++] = r->nodes[i];
    }
    r->n_nodes = kept;
    return 0;
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
    json_t *root = load_json(results_path, "gatecap results.json", err, errlen);
    if (!root)
        return -1;
    int rc = -1;
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!fmt || strcmp(fmt, "gatecap-results") != 0) {
        fail(err, errlen,
             "%s: not a gatecap results.json (\"format\": \"gatecap-results\" is missing)",
             results_path);
        goto out;
    }
    if (num(root, "version") != 1) {
        fail(err, errlen, "%s: results version %g; this gatecap reads version 1", results_path,
             num(root, "version"));
        goto out;
    }
    static const struct {
        const char *path[2];
        json_type type;
    } need[] = {
        {{"scenario", NULL}, JSON_OBJECT},       {{"run", NULL}, JSON_OBJECT},
        {{"gatecap", NULL}, JSON_OBJECT},        {{"nodes", NULL}, JSON_ARRAY},
        {{"cells", NULL}, JSON_ARRAY},           {{"intervals", NULL}, JSON_ARRAY},
        {{"totals", "all"}, JSON_OBJECT},        {{"totals", "by_phase"}, JSON_OBJECT},
        {{"totals", "by_request"}, JSON_OBJECT}, {{"totals", "by_node"}, JSON_OBJECT},
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        const json_t *v = json_object_get(root, need[i].path[0]);
        if (need[i].path[1])
            v = json_object_get(v, need[i].path[1]);
        if (!v || json_typeof(v) != need[i].type) {
            fail(err, errlen,
                 "%s: %s%s%s is missing or not an %s; was the file cut short or edited?",
                 results_path, need[i].path[0], need[i].path[1] ? "." : "",
                 need[i].path[1] ? need[i].path[1] : "",
                 need[i].type == JSON_OBJECT ? "object" : "array");
            goto out;
        }
    }
    json_t *totals = json_object_get(root, "totals");
    if (!(r->results_file = strdup(base_name(results_path))))
        goto nomem;
    if (read_run(r, root, results_path, err, errlen))
        goto out;
    if (!read_row(&r->all, "all", json_object_get(totals, "all"))) {
        fail(err, errlen, "%s: totals.all has no \"count\"", results_path);
        goto out;
    }
    r->faults = report_kinds(json_object_get(json_object_get(totals, "all"), "faults_by"));
    if (read_rows(&r->by_phase, &r->n_by_phase, json_object_get(totals, "by_phase"), results_path,
                  "totals.by_phase", err, errlen) ||
        read_rows(&r->by_request, &r->n_by_request, json_object_get(totals, "by_request"),
                  results_path, "totals.by_request", err, errlen) ||
        read_rows(&r->by_node, &r->n_by_node, json_object_get(totals, "by_node"), results_path,
                  "totals.by_node", err, errlen) ||
        split_silent_nodes(r, err, errlen) ||
        read_intervals(r, json_object_get(root, "intervals"), results_path, err, errlen) ||
        read_dists(r, root, results_path, err, errlen) ||
        read_gates(r, root, results_path, err, errlen) ||
        report_read_auth(r, root, results_path, err, errlen))
        goto out;

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
        goto out;
    if (r->n_steps == 0 && phase_steps(r, root))
        goto nomem;
    rc = 0;
    goto out;
nomem:
    fail(err, errlen, "out of memory");
out:
    json_decref(root);
    return rc;
}

static void free_row(struct report_row *row)
{
    free(row->name);
}

void report_free(struct report *r)
{
    char **strs[] = {&r->results_file,
                     &r->scenario,
                     &r->description,
                     &r->scenario_file,
                     &r->version,
                     &r->libcurl,
                     &r->openssl,
                     &r->status,
                     &r->model,
                     &r->latency_definition,
                     &r->stop_reason,
                     &r->transport,
                     &r->gen_local_example,
                     &r->node_header};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    for (size_t i = 0; i < r->n_targets; i++)
        free(r->targets[i]);
    free(r->targets);
    report_free_auth(r);
    free_row(&r->all);
    for (size_t i = 0; i < r->n_by_phase; i++)
        free_row(&r->by_phase[i]);
    for (size_t i = 0; i < r->n_by_request; i++)
        free_row(&r->by_request[i]);
    for (size_t i = 0; i < r->n_by_node; i++)
        free_row(&r->by_node[i]);
    free(r->by_phase);
    free(r->by_request);
    free(r->by_node);
    for (size_t i = 0; i < r->n_phases; i++)
        free(r->phases[i].name);
    free(r->phases);
    for (size_t i = 0; i < r->n_nodes; i++)
        free(r->nodes[i]);
    free(r->nodes);
    for (size_t i = 0; i < r->n_silent; i++)
        free(r->silent[i]);
    free(r->silent);
    for (size_t i = 0; i < r->n_overrides; i++)
        free(r->overrides[i]);
    free(r->overrides);
    for (size_t i = 0; i < r->n_intervals; i++)
        free(r->intervals[i].nodes);
    free(r->intervals);
    for (size_t i = 0; i < r->n_dists; i++) {
        free(r->dists[i].name);
        hdr_close(r->dists[i].latency);
        hdr_close(r->dists[i].service);
    }
    free(r->dists);
    for (size_t i = 0; i < r->n_examples; i++) {
        free(r->examples[i].cls);
        free(r->examples[i].message);
    }
    free(r->examples);
    free(r->faults);
    for (size_t i = 0; i < r->n_gates; i++) {
        struct report_gate *g = &r->gates[i];
        char *gs[] = {g->gate, g->scope, g->name, g->metric, g->op, g->unit, g->verdict};
        for (size_t k = 0; k < sizeof gs / sizeof gs[0]; k++)
            free(gs[k]);
    }
    free(r->gates);
    for (size_t i = 0; i < r->n_steps; i++) {
        free(r->steps[i].name);
        free(r->steps[i].why);
    }
    free(r->steps);
    struct report_plan *p = r->plan;
    if (p) {
        free(p->file);
        free(p->sentence);
        free(p->whatif);
        for (size_t i = 0; i < p->n_sens; i++)
            free(p->sens[i].what);
        free(p->sens);
        free(p->points);
        for (size_t i = 0; i < p->n_assumptions; i++)
            free(p->assumptions[i]);
        free(p->assumptions);
        free(p);
    }
    memset(r, 0, sizeof *r);
}

/* ---- report_write ---- */

/* Renders a loaded report into both files (flushed). */
static int render_both(const struct report *r, FILE *md, FILE *html, char *err, size_t errlen)
{
    errno = 0;
    if (report_markdown(r, md) != 0 || fflush(md) != 0)
        return fail(err, errlen, "cannot write report.md: %s", strerror(errno ? errno : EIO));
    if (report_html(r, html) != 0 || fflush(html) != 0)
        return fail(err, errlen, "cannot write report.html: %s", strerror(errno ? errno : EIO));
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
        return fail(err, errlen, "%s: path too long", outdir);
    struct report r;
    int rc = report_load(&r, results_path, plan_path, err, errlen);
    if (rc != 0)
        return rc; /* nothing made, not even the folder */
    /* both rendered into temporary files before either is renamed */
    struct fs_outset set = {0};
    FILE *fm = NULL, *fh = NULL;
    if (fs_mkdirs(outdir) != 0)
        rc = fail(err, errlen, "cannot create %s: %s", outdir, strerror(errno));
    else if (!(fm = fs_outset_add(&set, md)) || !(fh = fs_outset_add(&set, html)))
        rc = fail(err, errlen, "cannot write in %s: %s", outdir, strerror(errno));
    else
        rc = render_both(&r, fm, fh, err, errlen);
    report_free(&r);
    char bad[4096];
    if (rc != 0)
        fs_outset_abort(&set);
    else if (fs_outset_commit(&set, bad, sizeof bad) != 0)
        rc = fail(err, errlen, "cannot write %s: %s", bad, strerror(errno));
    return rc;
}
