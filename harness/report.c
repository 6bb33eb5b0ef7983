/*
 * report.c — results.json (and plan.json) into a report model, the model
 * into Markdown, and report_write; see report.h. The HTML is report_html.c.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "fsutil.h"
#include "hdr_codec.h"

static const char *const outcome_names[REPORT_OUTCOMES] = {
    "2xx",   "3xx",     "4xx",     "unauthorized", "throttled", "5xx",
    "timeout", "refused", "reset", "tls",          "other",     "abandoned"};

const char *report_outcome_name(int i)
{
    return i >= 0 && i < REPORT_OUTCOMES ? outcome_names[i] : NULL;
}

bool report_outcome_is_error(int i)
{
    return i == 2 || i == 3 || i >= 5;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- JSON helpers ---- */

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static char *dup_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? strdup(s) : NULL;
}

static void copy_str(char *dst, size_t n, const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(dst, n, "%s", s ? s : "");
}

/* Loads path as a JSON object; the error names file:line:column. */
static json_t *load_json(const char *path, const char *what, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root && json_is_object(root))
        return root;
    if (root) {
        json_decref(root);
        fail(err, errlen, "%s: not a %s (a JSON object is expected)", path, what);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    fclose(f);
    fail(err, errlen, "%s:%d:%d: not valid JSON: %s", path, jerr.line, jerr.column, jerr.text);
    return NULL;
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

/* ---- plan.json ---- */

static int read_plan(struct report *r, const char *path, char *err, size_t errlen)
{
    json_t *root = load_json(path, "gatecap plan.json", err, errlen);
    if (!root)
        return -1;
    int rc = -1;
    struct report_plan *p = calloc(1, sizeof *p);
    if (!p) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    r->plan = p;
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!fmt || strcmp(fmt, "gatecap-plan") != 0 || num(root, "version") != 1) {
        fail(err, errlen,
             "%s: not a gatecap plan.json version 1 (\"format\": \"gatecap-plan\"); make one "
             "with gatecap plan RESULTS.json ... -o plan.json",
             path);
        goto out;
    }
    const json_t *slo = json_object_get(root, "slo");
    if (!json_is_object(slo) || !json_is_array(json_object_get(root, "steps"))) {
        fail(err, errlen, "%s: \"slo\" (object) and \"steps\" (array) are required", path);
        goto out;
    }
    p->file = strdup(path);
    p->sentence = dup_str(root, "sentence");
    copy_str(p->percentile, sizeof p->percentile, slo, "percentile");
    p->slo_latency_ms = num(slo, "latency_ms");
    p->slo_error_pct = num(slo, "error_pct");
    p->slo_min_achieved_pct = num(slo, "min_achieved_pct");
    const json_t *cap = json_object_get(root, "capacity");
    p->have_capacity = json_is_object(cap);
    p->capacity_rps = num(cap, "per_node_rps");
    p->at_least = json_is_true(json_object_get(cap, "at_least"));
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(cap, "limited_by"), i, v)
    {
        size_t len = strlen(p->limited_by);
        snprintf(p->limited_by + len, sizeof p->limited_by - len, "%s%s", len ? ", " : "",
                 json_string_value(v) ? json_string_value(v) : "?");
    }
    copy_str(p->interpolated_on, sizeof p->interpolated_on, cap, "interpolated_on");
    p->peak_rps = num(json_object_get(root, "demand"), "peak_rps");
    const json_t *pol = json_object_get(root, "policy");
    p->headroom_pct = num(pol, "headroom_pct");
    p->redundancy = (int)json_integer_value(json_object_get(pol, "redundancy"));
    p->min_nodes = (int)json_integer_value(json_object_get(pol, "min_nodes"));
    const json_t *rec = json_object_get(root, "recommendation");
    p->have_rec = json_is_object(rec);
    p->rec_nodes = (int)json_integer_value(json_object_get(rec, "nodes"));
    p->n_base = (int)json_integer_value(json_object_get(rec, "n_base"));
    p->traffic_managers = (int)json_integer_value(json_object_get(rec, "traffic_managers"));
    copy_str(p->binding, sizeof p->binding, rec, "binding");
    p->per_node_effective_rps = num(rec, "per_node_effective_rps");
    p->util_peak_pct = num(rec, "util_peak_pct");
    p->util_after_loss_pct = num(rec, "util_after_loss_pct");
    p->loss_ok = json_is_true(json_object_get(rec, "loss_ok"));

    const json_t *steps = json_object_get(root, "steps");
    if (json_array_size(steps) > 0) {
        r->steps = calloc(json_array_size(steps), sizeof *r->steps);
        if (!r->steps)
            goto nomem;
        r->steps_from_plan = true;
        json_array_foreach(steps, i, v)
        {
            struct report_step *s = &r->steps[r->n_steps++];
            s->name = dup_str(v, "name");
            if (!s->name) {
                fail(err, errlen, "%s: steps[%zu].name is missing", path, i);
                goto out;
            }
            s->offered_rps = num(v, "per_node_offered_rps");
            s->achieved_rps = num(v, "per_node_achieved_rps");
            s->latency_ms = num(v, "latency_ms");
            s->error_pct = num(v, "error_pct");
            copy_str(s->verdict, sizeof s->verdict, v, "verdict");
            copy_str(s->role, sizeof s->role, v, "role");
            char why[160] = "";
            size_t k;
            const json_t *m;
            json_array_foreach(json_object_get(v, "violates"), k, m)
            {
                size_t len = strlen(why);
                snprintf(why + len, sizeof why - len, "%s%s", len ? ", " : "",
                         json_string_value(m) ? json_string_value(m) : "?");
            }
            const char *inv = json_string_value(json_object_get(v, "invalid_reason"));
            s->why = inv ? strdup(inv) : why[0] ? strdup(why) : NULL;
        }
    }
    const json_t *wi = json_object_get(root, "what_if");
    p->whatif = calloc(json_array_size(wi) + 1, sizeof *p->whatif);
    const json_t *se = json_object_get(root, "sensitivity");
    p->sens = calloc(json_array_size(se) + 1, sizeof *p->sens);
    const json_t *pts = json_object_get(root, "points");
    p->points = calloc(json_array_size(pts) + 1, sizeof *p->points);
    const json_t *as = json_object_get(root, "assumptions");
    p->assumptions = calloc(json_array_size(as) + 1, sizeof *p->assumptions);
    if (!p->whatif || !p->sens || !p->points || !p->assumptions)
        goto nomem;
    json_array_foreach(wi, i, v)
    {
        struct report_whatif *w = &p->whatif[p->n_whatif++];
        w->nodes = (int)json_integer_value(json_object_get(v, "nodes"));
        w->capacity_rps = num(v, "capacity_rps");
        w->util_peak_pct = num(v, "util_peak_pct");
        w->util_after_loss_pct = num(v, "util_after_loss_pct");
        w->headroom_left_pct = num(v, "headroom_left_pct");
        w->meets_policy = json_is_true(json_object_get(v, "meets_policy"));
    }
    json_array_foreach(se, i, v)
    {
        struct report_sens *s = &p->sens[p->n_sens++];
        s->what = dup_str(v, "case");
        s->peak_rps = num(v, "peak_rps");
        s->per_node_rps = num(v, "per_node_rps");
        s->nodes = (int)json_integer_value(json_object_get(v, "nodes"));
    }
    json_array_foreach(pts, i, v)
    {
        p->points[p->n_points++] =
            (struct report_usl_point){num(v, "concurrency"), num(v, "throughput_rps")};
    }
    json_array_foreach(as, i, v)
    {
        const char *s = json_string_value(v);
        if (s && !(p->assumptions[p->n_assumptions++] = strdup(s)))
            goto nomem;
    }
    const json_t *fit = json_object_get(json_object_get(root, "usl"), "fit");
    p->have_usl = json_is_object(fit);
    p->gamma = num(fit, "gamma");
    p->alpha = num(fit, "alpha");
    p->beta = num(fit, "beta");
    p->usl_has_peak = json_is_true(json_object_get(fit, "has_peak"));
    p->peak_n = num(fit, "peak_concurrency");
    p->peak_x = num(fit, "peak_throughput");
    p->ceiling_x = num(fit, "ceiling_throughput");
    p->r2 = num(fit, "r2");
    p->rse = num(fit, "residual_std_error");
    rc = 0;
    goto out;
nomem:
    fail(err, errlen, "out of memory");
out:
    json_decref(root);
    return rc;
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
    if (!r->targets || !r->phases || !r->nodes || !r->examples)
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
        ph->record = !json_is_false(json_object_get(v, "record"));
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
    if (plan_path && read_plan(r, plan_path, err, errlen))
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
    char **strs[] = {
        &r->results_file, &r->scenario, &r->description, &r->scenario_file, &r->version,
        &r->libcurl,      &r->openssl,  &r->status,      &r->model,         &r->latency_definition,
        &r->stop_reason,  &r->transport, &r->gen_local_example};
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

int report_render(const char *results_path, const char *plan_path, FILE *md, FILE *html,
                  char *err, size_t errlen)
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
