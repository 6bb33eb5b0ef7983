/*
 * plan_input.c — results.json and CSV readers of `gatecap plan`; see
 * plan_input.h.
 */
#include "analysis/plan_input.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/errbuf.h"
#include "base/units.h"
#include "output/judge_results.h"
#include "output/results_read.h"

#define CSV_MAX_BYTES (64L << 20)
#define CSV_MAX_COLS 64
#define WHOLE_INTERVAL 0.9 /* an interval counts when it lasted ≥ 90 % of interval_s */

/* Grows *arr (of elem-sized items) to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

static int note(struct plan_input *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int note(struct plan_input *in, const char *fmt, ...)
{
    if (grow((void **)&in->notes, &in->cap_notes, in->n_notes, sizeof(char *)))
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int rc = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -1;
    in->notes[in->n_notes++] = s;
    return 0;
}

static struct plan_input_step *new_step(struct plan_input *in)
{
    if (grow((void **)&in->steps, &in->cap_steps, in->n_steps, sizeof *in->steps))
        return NULL;
    struct plan_input_step *s = &in->steps[in->n_steps++];
    memset(s, 0, sizeof *s);
    s->latency_ms = s->error_pct = NAN;
    s->valid = true;
    return s;
}

static struct plan_input_point *new_point(struct plan_input *in)
{
    if (grow((void **)&in->points, &in->cap_points, in->n_points, sizeof *in->points))
        return NULL;
    struct plan_input_point *p = &in->points[in->n_points++];
    memset(p, 0, sizeof *p);
    return p;
}

static struct plan_input_source *new_source(struct plan_input *in, const char *path, bool csv)
{
    if (grow((void **)&in->sources, &in->cap_sources, in->n_sources, sizeof *in->sources))
        return NULL;
    struct plan_input_source *s = &in->sources[in->n_sources++];
    memset(s, 0, sizeof *s);
    s->file = path;
    s->csv = csv;
    return s;
}

void plan_input_free(struct plan_input *in)
{
    for (size_t i = 0; i < in->n_notes; i++)
        free(in->notes[i]);
    free(in->notes);
    for (size_t i = 0; i < in->n_steps; i++)
        free(in->steps[i].ivs);
    free(in->steps);
    free(in->points);
    free(in->sources);
    memset(in, 0, sizeof *in);
}

/* ---- results.json ---- */

static int serving_nodes(const struct results *r, struct plan_input_source *src)
{
    int n = 0;
    size_t len = 0;
    for (size_t i = 0; i < r->n_by_node; i++) {
        if (!(r->by_node[i].count > 0))
            continue;
        n++;
        int w = snprintf(src->node_names + len, sizeof src->node_names - len, "%s%s",
                         len ? ", " : "", r->by_node[i].name);
        if (w > 0 && len + (size_t)w < sizeof src->node_names)
            len += (size_t)w;
    }
    return n;
}

/* A step's label: the results file's folder (or its name without .json
 * when it is not called results.json) and the phase, so that steps of
 * several files are told apart: probe-03/probe, step-gw1/steps-2. */
static void step_label(const char *path, const char *phase, char *out, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strcmp(base, "results.json")) {
        const char *end = base > path ? base - 1 : path, *start = end;
        while (start > path && start[-1] != '/')
            start--;
        if (end > start) {
            snprintf(out, n, "%.*s/%s", (int)(end - start), start, phase);
            return;
        }
        snprintf(out, n, "%s", phase);
        return;
    }
    size_t len = strlen(base);
    if (len > 5 && !strcmp(base + len - 5, ".json"))
        len -= 5;
    snprintf(out, n, "%.*s/%s", (int)len, base, phase);
}

/* A closed-model phase as a USL point: throughput over its judged
 * intervals, and the requests in flight at the gateway by Little's law
 * (throughput × mean latency, the latency being service time in the
 * closed model). Returns false when the phase is too short to measure. */
static bool closed_point(const struct results *r, size_t phase, double *x, double *n_flight)
{
    struct judge_step js;
    size_t n = judge_from_results(r, phase, &js, NULL, 0);
    struct judge_interval *iv = calloc(n ? n : 1, sizeof *iv);
    if (!iv)
        return false;
    judge_from_results(r, phase, &js, iv, n);
    double done = 0, secs = 0;
    size_t seen = 0, used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(iv[i].length_s >= WHOLE_INTERVAL * js.interval_s) || !(iv[i].scheduled > 0))
            continue;
        if (seen++ == 0)
            continue;
        done += iv[i].completed;
        secs += iv[i].length_s;
        used++;
    }
    free(iv);
    const struct results_cell *cell = r->phases[phase].total;
    double mean_ms = cell ? cell->latency.mean : NAN;
    if (!used || !(secs > 0) || !(mean_ms > 0))
        return false;
    *x = done / secs;
    *n_flight = *x * mean_ms / 1000.0;
    return true;
}

/* The latency percentile named "p50", "p90", "p99" or "p99.9" in l. */
static double at_percentile(const struct results_lat *l, const char *name)
{
    return name && name[0] == 'p' ? results_lat_at(l, strtod(name + 1, NULL)) : NAN;
}

/* A step's latency from the flow's completed durations in phase p (NaN
 * when none completed in it): the step's and the judge's percentiles. */
static void flow_latency(const struct results_flow *flow, size_t p, const char *percentile,
                         struct plan_input_step *s, struct judge_step *js)
{
    const struct results_lat *d = NULL;
    for (size_t k = 0; k < flow->n_by_phase; k++)
        if (flow->by_phase[k].phase == p && flow->by_phase[k].duration.count > 0)
            d = &flow->by_phase[k].duration;
    s->latency_ms = d ? at_percentile(d, percentile) : NAN;
    const double pct[4] = {50, 90, 99, 99.9};
    for (int k = 0; k < 4; k++)
        js->latency_ms[k] = d ? results_lat_at(d, pct[k]) : NAN;
}

int plan_input_results(struct plan_input *in, const char *path, const struct plan_input_opts *o,
                       char *err, size_t errlen)
{
    struct results *r = NULL;
    int rc = results_read(path, RESULTS_HISTS_NONE, &r, err, errlen);
    if (rc != RESULTS_OK)
        return rc == RESULTS_EIO      ? PLAN_INPUT_EIO
               : rc == RESULTS_ENOMEM ? PLAN_INPUT_ENOMEM
                                      : PLAN_INPUT_EFORMAT;
    rc = PLAN_INPUT_OK;
    if (r->n_workloads) {
        /* its phases overlap in time, each interval mixes the workloads'
         * loads: no step is one load the capacity model could fit */
        rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                        "%s: a run with workloads: (%zu side by side) has no steps of one load "
                        "to plan from; plan from a staircase run of the scenario's workload "
                        "alone (a scenario without workloads:)",
                        path, r->n_workloads);
        goto out;
    }
    const char *status = r->status;
    bool open = strcmp(r->model, "closed") != 0;

    struct plan_input_source *src = new_source(in, path, false);
    if (!src)
        goto nomem;
    snprintf(src->status, sizeof src->status, "%s", status);
    int served = serving_nodes(r, src);
    if (o->nodes > 0) {
        src->nodes = o->nodes;
        src->nodes_overridden = true;
    } else if (served > 0) {
        src->nodes = served;
    } else {
        rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                        "%s: no node served any request (totals.by_node is empty); nothing to plan "
                        "from",
                        path);
        goto out;
    }
    if (!strcmp(status, "interrupted") &&
        note(in, "%s: the run was interrupted; its last step may be short", path))
        goto nomem;
    if (!strcmp(status, "generator-limited") &&
        note(in,
             "%s: the run was generator-limited (gatecap could not deliver some step as "
             "scheduled); each step is judged on its own, and those gatecap could have decided "
             "are marked invalid",
             path))
        goto nomem;

    /* --slo flow.NAME.pN: a step's latency is the flow's durations */
    const struct results_flow *flow = NULL;
    if (o->flow && o->flow[0]) {
        for (size_t f = 0; f < r->n_flows; f++)
            if (!strcmp(r->flows[f].name, o->flow))
                flow = &r->flows[f];
        if (!flow) {
            rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                            "%s: no flow named '%s' (%s); --slo flow.NAME.pN needs a run of a "
                            "scenario with that flow",
                            path, o->flow,
                            r->n_flows ? "see results.json \"flows\"" : "the run has no flows");
            goto out;
        }
    }
    bool stopped = !strcmp(status, "stopped");
    const char *stop_reason = r->stop_reason ? r->stop_reason : "no reason recorded";
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct results_phase *ph = &r->phases[i];
        const char *name = ph->name;
        if (!ph->record)
            continue;
        struct judge_step js;
        size_t n_iv = judge_from_results(r, i, &js, NULL, 0);
        size_t judged = 0;
        struct judge_interval *ivs = calloc(n_iv ? n_iv : 1, sizeof *ivs);
        if (!ivs)
            goto nomem;
        judge_from_results(r, i, &js, ivs, n_iv);
        judge_achieved(ivs, n_iv, js.interval_s, &judged);
        /* A staircase's stop rule ended the run: the steps it cut short or
         * never reached measure nothing. */
        if (stopped && judged == 0) {
            free(ivs);
            if (note(in, "%s: phase %s not measured: the run stopped early (%s)", path, name,
                     stop_reason))
                goto nomem;
            continue;
        }
        if (!open) {
            free(ivs);
            double users = ph->users, x, n_flight;
            if (!(users > 0))
                continue;
            if (!closed_point(r, i, &x, &n_flight)) {
                if (note(in,
                         "%s: phase %s (%g users) is too short to measure (fewer than two "
                         "whole intervals); not used",
                         path, name, users))
                    goto nomem;
                continue;
            }
            struct plan_input_point *p = new_point(in);
            if (!p)
                goto nomem;
            p->file = path;
            step_label(path, name, p->name, sizeof p->name);
            p->concurrency = n_flight;
            p->users = users;
            p->throughput_rps = x;
            p->nodes = src->nodes;
            src->points++;
            continue;
        }
        double r0 = ph->rate_start, r1 = ph->rate_end;
        if (!(r0 > 0) || r0 != r1) {
            free(ivs);
            if (note(in, "%s: phase %s is a ramp, not a constant-rate step; not used", path, name))
                goto nomem;
            continue;
        }
        struct plan_input_step *s = new_step(in);
        if (!s) {
            free(ivs);
            goto nomem;
        }
        s->file = path;
        step_label(path, name, s->name, sizeof s->name);
        s->offered_rps = r0;
        s->nodes = src->nodes;
        s->intervals = (int)judged;
        s->late_pct = js.gen.scheduled > 0 ? 100.0 * js.gen.late / js.gen.scheduled : 0;
        s->latency_ms = ph->total ? at_percentile(&ph->total->latency, o->percentile) : NAN;
        s->error_pct = ph->total ? ph->total->error_pct : NAN;
        if (flow)
            flow_latency(flow, i, o->percentile, s, &js);
        s->judged = true;
        s->judge = js;
        s->judge.iv = ivs;
        s->ivs = ivs;
        s->valid = true; /* until judged */
        src->steps++;
    }
    goto out;
nomem:
    rc = errbuf_set(err, errlen, PLAN_INPUT_ENOMEM, "out of memory");
out:
    results_free(r);
    return rc;
}

/* ---- CSV ---- */

enum col {
    COL_RATE,
    COL_CONC,
    COL_THROUGHPUT,
    COL_LATENCY, /* the requested percentile's column */
    COL_ERRORS,
    COL_NODES, /* gateway nodes that served the row (scale-out data) */
    COL_OTHER,
};

/* Trims spaces and one pair of double quotes, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        s++;
    }
    return s;
}

/* Splits line at commas into at most max fields; returns the count, or
 * max + 1 when there are more. */
static int split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *c = strchr(p, ',');
        if (n == max)
            return max + 1;
        if (c)
            *c = '\0';
        fields[n++] = trim(p);
        if (!c)
            return n;
        p = c + 1;
    }
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* A cell as a number ≥ 0; *present false for an empty cell. */
static int cell_number(const char *path, long line, const char *col, const char *s, double *v,
                       bool *present, char *err, size_t errlen)
{
    *present = s[0] != '\0';
    *v = NAN;
    if (!*present)
        return 0;
    const char *why = NULL;
    char num[64];
    size_t n = strlen(s);
    /* error_pct may carry its unit, as JMeter writes it ("0.25%") */
    if (!strcmp(col, "error_pct") && n > 1 && n < sizeof num && s[n - 1] == '%') {
        memcpy(num, s, n - 1);
        num[n - 1] = '\0';
    } else {
        snprintf(num, sizeof num, "%s", n < sizeof num ? s : "(too long)");
    }
    if (units_number(num, v, &why) != UNITS_OK)
        return errbuf_set(err, errlen, PLAN_INPUT_EFORMAT, "%s:%ld: %s '%.40s': %s", path, line,
                          col, s, why);
    if (*v < 0)
        return errbuf_set(err, errlen, PLAN_INPUT_EFORMAT, "%s:%ld: %s is negative (%s)", path,
                          line, col, s);
    return 0;
}

static char *slurp(const char *path, char *err, size_t errlen, int *rc)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *rc = errbuf_set(err, errlen, PLAN_INPUT_EIO, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 65536 + 1 > cap) {
            cap = cap ? cap * 2 : 131072;
            char *nb = realloc(buf, cap);
            if (!nb) {
                *rc = errbuf_set(err, errlen, PLAN_INPUT_ENOMEM, "out of memory");
                goto bad;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, 65536, f);
        len += got;
        if ((long)len > CSV_MAX_BYTES) {
            *rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                             "%s: larger than 64 MiB; aggregate the measurements first", path);
            goto bad;
        }
        if (got < 65536)
            break;
    }
    if (ferror(f)) {
        *rc = errbuf_set(err, errlen, PLAN_INPUT_EIO, "%s: read error", path);
        goto bad;
    }
    if (memchr(buf, '\0', len)) {
        *rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT, "%s: binary data; a CSV is text", path);
        goto bad;
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
bad:
    fclose(f);
    free(buf);
    return NULL;
}

int plan_input_csv(struct plan_input *in, const char *path, const struct plan_input_opts *o,
                   char *err, size_t errlen)
{
    int rc = PLAN_INPUT_OK;
    if (o->flow && o->flow[0])
        return errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                          "%s: a CSV holds no flow durations; --slo flow.%s.%s needs the "
                          "results.json of the runs",
                          path, o->flow, o->percentile);
    char *buf = slurp(path, err, errlen, &rc);
    if (!buf)
        return rc;
    char latcol[32];
    snprintf(latcol, sizeof latcol, "%s_ms", o->percentile);
    enum col cols[CSV_MAX_COLS];
    int ncols = 0;
    bool have[COL_OTHER] = {false};
    char ignored[200] = "";
    long line = 0, rows = 0;
    struct plan_input_source *src = NULL;
    /* strtok_r would merge empty lines; walk line by line instead */
    for (char *p = buf; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        char *ln = p;
        p = nl ? nl + 1 : NULL;
        line++;
        size_t n = strlen(ln);
        if (n && ln[n - 1] == '\r')
            ln[--n] = '\0';
        if (line == 1 && (unsigned char)ln[0] == 0xEF && (unsigned char)ln[1] == 0xBB &&
            (unsigned char)ln[2] == 0xBF)
            ln += 3; /* UTF-8 byte order mark (spreadsheets write one) */
        char *t = trim(ln);
        if (*t == '\0' || *t == '#')
            continue;
        char *f[CSV_MAX_COLS];
        int nf = split(ln, f, CSV_MAX_COLS);
        if (nf > CSV_MAX_COLS) {
            rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT, "%s:%ld: more than %d columns", path,
                            line, CSV_MAX_COLS);
            goto out;
        }
        if (ncols == 0) { /* the header */
            ncols = nf;
            for (int c = 0; c < nf; c++) {
                lower(f[c]);
                enum col k = !strcmp(f[c], "rate")          ? COL_RATE
                             : !strcmp(f[c], "concurrency") ? COL_CONC
                             : !strcmp(f[c], "throughput")  ? COL_THROUGHPUT
                             : !strcmp(f[c], latcol)        ? COL_LATENCY
                             : !strcmp(f[c], "error_pct")   ? COL_ERRORS
                             : !strcmp(f[c], "nodes")       ? COL_NODES
                                                            : COL_OTHER;
                if (k != COL_OTHER && have[k]) {
                    rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                                    "%s:%ld: column '%s' appears twice", path, line, f[c]);
                    goto out;
                }
                if (k != COL_OTHER)
                    have[k] = true;
                else if (strlen(ignored) + strlen(f[c]) + 3 < sizeof ignored)
                    snprintf(ignored + strlen(ignored), sizeof ignored - strlen(ignored), "%s%s",
                             ignored[0] ? ", " : "", f[c][0] ? f[c] : "(empty)");
                cols[c] = k;
            }
            if (!have[COL_THROUGHPUT] || (!have[COL_RATE] && !have[COL_CONC])) {
                rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                                "%s:%ld: the header row needs a 'throughput' column and a 'rate' "
                                "(offered requests/s) or 'concurrency' column (docs/plan.md)",
                                path, line);
                goto out;
            }
            continue;
        }
        if (nf != ncols) {
            rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                            "%s:%ld: %d field%s, but the header has %d", path, line, nf,
                            nf == 1 ? "" : "s", ncols);
            goto out;
        }
        if (++rows > PLAN_INPUT_MAX_ROWS) {
            rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT, "%s: more than %d rows", path,
                            PLAN_INPUT_MAX_ROWS);
            goto out;
        }
        double v[COL_OTHER];
        bool set[COL_OTHER] = {false};
        for (int k = 0; k < COL_OTHER; k++)
            v[k] = NAN;
        static const char *names[COL_OTHER] = {"rate",    "concurrency", "throughput",
                                               "latency", "error_pct",   "nodes"};
        for (int c = 0; c < nf; c++) {
            if (cols[c] == COL_OTHER)
                continue;
            const char *cn = cols[c] == COL_LATENCY ? latcol : names[cols[c]];
            if ((rc = cell_number(path, line, cn, f[c], &v[cols[c]], &set[cols[c]], err, errlen)))
                goto out;
        }
        if (set[COL_RATE] == set[COL_CONC]) {
            rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                            "%s:%ld: give either a rate or a concurrency in each row, not %s", path,
                            line, set[COL_RATE] ? "both" : "neither");
            goto out;
        }
        if (!set[COL_THROUGHPUT]) {
            rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT, "%s:%ld: throughput is empty", path,
                            line);
            goto out;
        }
        if (set[COL_ERRORS] && v[COL_ERRORS] > 100) {
            rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                            "%s:%ld: error_pct %g is above 100 (a percentage)", path, line,
                            v[COL_ERRORS]);
            goto out;
        }
        if (set[COL_NODES] && (!(v[COL_NODES] >= 1) || v[COL_NODES] != floor(v[COL_NODES]) ||
                               v[COL_NODES] > 100000)) {
            rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                            "%s:%ld: nodes must be a whole number of gateway nodes, 1 or more",
                            path, line);
            goto out;
        }
        if (have[COL_NODES] && o->nodes > 0) {
            rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                            "%s: has a nodes column and --nodes was given; use one of them", path);
            goto out;
        }
        if (!src) {
            src = new_source(in, path, true);
            if (!src)
                goto nomem;
            src->nodes = o->nodes > 0 ? o->nodes : 1;
            src->nodes_overridden = o->nodes > 0;
            src->nodes_column = have[COL_NODES];
        }
        int row_nodes = set[COL_NODES] ? (int)v[COL_NODES] : src->nodes;
        if (set[COL_RATE]) {
            if (!(v[COL_RATE] > 0)) {
                rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT, "%s:%ld: rate must be above 0",
                                path, line);
                goto out;
            }
            struct plan_input_step *s = new_step(in);
            if (!s)
                goto nomem;
            s->file = path;
            snprintf(s->name, sizeof s->name, "line %ld", line);
            s->offered_rps = v[COL_RATE];
            s->achieved_rps = v[COL_THROUGHPUT];
            s->latency_ms = v[COL_LATENCY];
            s->error_pct = v[COL_ERRORS];
            s->nodes = row_nodes;
            src->steps++;
        } else {
            if (!(v[COL_CONC] > 0)) {
                rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                                "%s:%ld: concurrency must be above 0", path, line);
                goto out;
            }
            struct plan_input_point *pt = new_point(in);
            if (!pt)
                goto nomem;
            pt->file = path;
            snprintf(pt->name, sizeof pt->name, "line %ld", line);
            pt->concurrency = v[COL_CONC];
            pt->throughput_rps = v[COL_THROUGHPUT];
            pt->nodes = row_nodes;
            src->points++;
        }
    }
    if (ncols == 0) {
        rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT,
                        "%s: empty: no header row (rate or concurrency, throughput, ...)", path);
        goto out;
    }
    if (!src) {
        rc = errbuf_set(err, errlen, PLAN_INPUT_EFORMAT, "%s: a header but no rows", path);
        goto out;
    }
    if (ignored[0] && note(in, "%s: columns ignored: %s", path, ignored))
        goto nomem;
    if (src->steps && !have[COL_LATENCY] &&
        note(in, "%s: no %s column: latency is not checked for its rows", path, latcol))
        goto nomem;
    if (src->steps && !have[COL_ERRORS] &&
        note(in, "%s: no error_pct column: errors are not checked for its rows", path))
        goto nomem;
    goto out;
nomem:
    rc = errbuf_set(err, errlen, PLAN_INPUT_ENOMEM, "out of memory");
out:
    free(buf);
    return rc;
}

int plan_input_read(struct plan_input *in, const char *path, const struct plan_input_opts *o,
                    char *err, size_t errlen)
{
    size_t n = strlen(path);
    if (n >= 4 && !strcasecmp(path + n - 4, ".csv"))
        return plan_input_csv(in, path, o, err, errlen);
    if (n >= 5 && !strcasecmp(path + n - 5, ".json"))
        return plan_input_results(in, path, o, err, errlen);
    FILE *f = fopen(path, "rb");
    if (!f)
        return errbuf_set(err, errlen, PLAN_INPUT_EIO, "%s: cannot read: %s", path,
                          strerror(errno));
    int c;
    while ((c = fgetc(f)) == ' ' || c == '\t' || c == '\r' || c == '\n')
        ;
    fclose(f);
    return c == '{' ? plan_input_results(in, path, o, err, errlen)
                    : plan_input_csv(in, path, o, err, errlen);
}
