/*
 * report_table.c — the tables of the report (report.h), written once for
 * both renderers: what each table holds (columns, rows, how each number
 * is formatted) is decided here, and only the markup differs, Markdown
 * for report.md (report_md.c) or HTML for report.html (report_html.c).
 * A small table writer below hides the markup; the table functions after
 * it fill its cells. Every string from the inputs is escaped for the
 * markup (report_md_escape, svg_escape).
 */
#include "output/report_int.h"

#include <math.h>
#include <string.h>

#include "output/svg.h"

#define B 48 /* number buffers */

/* ---- the table writer ---- */

struct col {
    const char *title; /* not escaped: constant text or a formatted number */
    bool num;          /* right-aligned */
};

struct table {
    FILE *f;
    enum report_markup markup;
    const struct col *cols;
    size_t col; /* the next cell's column */
};

static void esc(const struct table *t, const char *s)
{
    if (t->markup == REPORT_MD)
        report_md_escape(t->f, s);
    else
        svg_escape(t->f, s);
}

/* Markdown: the header row and its alignment row. HTML: <table> (of CSS
 * class cls, a constant, unless NULL) and a row of <th>. */
static void table_begin_class(struct table *t, FILE *f, enum report_markup m,
                              const struct col *cols, size_t n, const char *cls)
{
    *t = (struct table){.f = f, .markup = m, .cols = cols};
    if (m == REPORT_MD) {
        fputc('|', f);
        for (size_t i = 0; i < n; i++)
            fprintf(f, " %s |", cols[i].title);
        fputs("\n|", f);
        for (size_t i = 0; i < n; i++)
            fputs(cols[i].num ? "--:|" : "---|", f);
        fputc('\n', f);
    } else {
        if (cls)
            fprintf(f, "<table class=\"%s\"><tr>", cls);
        else
            fputs("<table><tr>", f);
        for (size_t i = 0; i < n; i++)
            fprintf(f, cols[i].num ? "<th class=\"n\">%s</th>" : "<th>%s</th>", cols[i].title);
        fputs("</tr>\n", f);
    }
}

static void table_begin(struct table *t, FILE *f, enum report_markup m, const struct col *cols,
                        size_t n)
{
    table_begin_class(t, f, m, cols, n, NULL);
}

/* A row; total: set apart (HTML only: class "total"). */
static void row_begin(struct table *t, bool total)
{
    t->col = 0;
    if (t->markup == REPORT_MD)
        fputs("| ", t->f);
    else
        fputs(total ? "<tr class=\"total\">" : "<tr>", t->f);
}

/* Opens the next cell, to be written by the caller and closed by
 * cell_close; html_attrs: extra HTML attributes (" style=..."), or NULL
 * for the column's alignment. */
static void cell_open(struct table *t, const char *html_attrs)
{
    if (t->markup == REPORT_MD) {
        if (t->col > 0)
            fputs(" | ", t->f);
    } else if (html_attrs) {
        fprintf(t->f, "<td%s>", html_attrs);
    } else {
        fputs(t->cols[t->col].num ? "<td class=\"n\">" : "<td>", t->f);
    }
}

static void cell_close(struct table *t)
{
    if (t->markup == REPORT_HTML)
        fputs("</td>", t->f);
    t->col++;
}

/* A cell of preformatted text (numbers, constant text). */
static void cell(struct table *t, const char *s)
{
    cell_open(t, NULL);
    fputs(s, t->f);
    cell_close(t);
}

/* A cell of text from the inputs, escaped. */
static void cell_text(struct table *t, const char *s)
{
    cell_open(t, NULL);
    esc(t, s);
    cell_close(t);
}

static void row_end(struct table *t)
{
    fputs(t->markup == REPORT_MD ? " |\n" : "</tr>\n", t->f);
}

static void table_end(struct table *t)
{
    fputs(t->markup == REPORT_MD ? "\n" : "</table>\n", t->f);
}

/* Inline code (HTML <code>) of text from the inputs; plain in Markdown. */
static void code(const struct table *t, const char *s)
{
    fputs(t->markup == REPORT_MD ? "" : "<code>", t->f);
    esc(t, s);
    fputs(t->markup == REPORT_MD ? "" : "</code>", t->f);
}

/* A table of facts: a label a row, then its value (row_end closes it). */
static void facts_begin(struct table *t, FILE *f, enum report_markup m)
{
    *t = (struct table){.f = f, .markup = m};
    fputs(m == REPORT_MD ? "| | |\n|---|---|\n" : "<table class=\"facts\">", f);
}

static void fact(struct table *t, const char *label)
{
    fprintf(t->f, t->markup == REPORT_MD ? "| %s | " : "<tr><th>%s</th><td>", label);
}

static void fact_end(struct table *t)
{
    fputs(t->markup == REPORT_MD ? " |\n" : "</td></tr>\n", t->f);
}

/* ---- the tables ---- */

void report_table_facts(const struct report *r, FILE *f, enum report_markup m)
{
    char a[B], b[B], c[B], d[B], e[B], st[64];
    const char *bold = m == REPORT_MD ? "**" : "<b>", *unbold = m == REPORT_MD ? "**" : "</b>";
    struct table t;
    facts_begin(&t, f, m);
    fact(&t, "Scenario");
    esc(&t, r->scenario);
    if (r->scenario_file) {
        fputs(" (", f);
        code(&t, r->scenario_file);
        fputs(")", f);
    }
    if (r->description && m == REPORT_HTML) { /* Markdown: a paragraph below */
        fputs("<br>", f);
        esc(&t, r->description);
    }
    fact_end(&t);
    if (r->n_overrides) { /* beside the description: what this run changed */
        fact(&t, "Overrides");
        for (size_t i = 0; i < r->n_overrides; i++) {
            fputs(i ? ", " : "", f);
            code(&t, r->overrides[i]);
        }
        fact_end(&t);
    }
    fact(&t, "Targets");
    for (size_t i = 0; i < r->n_targets; i++) {
        fputs(i ? "<br>" : "", f);
        code(&t, r->targets[i]);
    }
    fact_end(&t);
    /* the nodes that answered; a target that did not, by name (a load
     * balancer whose nodes node_header names answers nothing itself) */
    fact(&t, "Nodes");
    fprintf(f, "%zu answered", r->n_nodes);
    if (r->node_header) {
        fputs(" (named by ", f);
        code(&t, r->node_header);
        fputs(")", f);
    }
    for (size_t i = 0; i < r->n_nodes; i++) {
        fputs(i ? ", " : ": ", f);
        esc(&t, r->nodes[i]);
    }
    if (r->n_silent) {
        fputs("; ", f);
        for (size_t i = 0; i < r->n_silent; i++) {
            fputs(i ? ", " : "", f);
            esc(&t, r->silent[i]);
        }
        fputs(" answered nothing", f);
        if (r->node_header)
            fputs(" itself", f);
    }
    fact_end(&t);
    if (report_fmt_start(st, sizeof st, r->start_epoch_s)[0]) {
        fact(&t, "Started");
        fputs(st, f);
        fact_end(&t);
    }
    fact(&t, "Duration");
    fprintf(f, "%s s of %s s planned; status %s", report_fmt(a, sizeof a, r->elapsed_s),
            report_fmt(b, sizeof b, r->planned_s), bold);
    esc(&t, r->status);
    fputs(unbold, f);
    fact_end(&t);
    fact(&t, "Load model");
    esc(&t, r->model ? r->model : "?");
    fact_end(&t);
    if (r->http) { /* what the gateway was asked to carry, which moves its capacity */
        fact(&t, "Protocol");
        if (!strcmp(r->http, "2")) {
            fputs("HTTP/2", f);
            if (r->h2_max_streams >= 1)
                fprintf(f, ", up to %s stream%s per connection",
                        report_fmt(a, sizeof a, r->h2_max_streams),
                        r->h2_max_streams == 1 ? "" : "s");
            if (r->h2_connections >= 1)
                fprintf(f, ", at most %s connection%s per node",
                        report_fmt(b, sizeof b, r->h2_connections),
                        r->h2_connections == 1 ? "" : "s");
            else if (r->h2_connections == 0)
                fputs(", as many connections as needed", f);
        } else {
            fputs("HTTP/1.1", f);
        }
        if (r->conn_policy && !strcmp(r->conn_policy, "new"))
            fputs("; a new connection for every request", f);
        else if (r->conn_policy && !strcmp(r->conn_policy, "fraction") &&
                 isfinite(r->new_conn_fraction))
            fprintf(f, "; a new connection for %s %% of requests",
                    report_fmt(a, sizeof a, 100 * r->new_conn_fraction));
        else if (r->conn_policy)
            fputs("; connections kept alive", f);
        fact_end(&t);
    }
    fact(&t, "Latency");
    esc(&t, r->latency_definition ? r->latency_definition : "?");
    fact_end(&t);
    fact(&t, "Generator");
    fprintf(f,
            "%d worker%s on %d core%s; %s %% of arrivals late, %s dropped, %s abandoned, max lag "
            "%s ms, CPU %s %% of one core",
            r->workers, r->workers == 1 ? "" : "s", r->cores, r->cores == 1 ? "" : "s",
            report_fmt(a, sizeof a, r->gen_late_pct), report_fmt(b, sizeof b, r->gen_queue_drops),
            report_fmt(c, sizeof c, r->gen_abandoned),
            report_fmt_ms(d, sizeof d, r->gen_max_lag_ms), report_fmt(e, sizeof e, r->gen_cpu_pct));
    /* waits are in the latency (it counts from the intended start) */
    if (r->gen_bound_waits > 0)
        fprintf(f, "; %s waited for the in-flight bound",
                report_fmt(a, sizeof a, r->gen_bound_waits));
    if (r->gen_stream_waits > 0)
        fprintf(f, "; %s waited for an HTTP/2 stream",
                report_fmt(a, sizeof a, r->gen_stream_waits));
    if (r->gen_local_failures > 0) { /* the generator's own failures, in no outcome */
        fprintf(f, "; %s request%s never sent (gatecap ran out of local resources",
                report_fmt(a, sizeof a, r->gen_local_failures),
                r->gen_local_failures == 1 ? "" : "s");
        if (r->gen_local_example) {
            fputs(", e.g. ", f);
            esc(&t, r->gen_local_example);
        }
        fputs(")", f);
    }
    fact_end(&t);
    fact(&t, "Versions");
    fputs("gatecap ", f);
    esc(&t, r->version ? r->version : "?");
    if (r->transport) {
        fputs(" (", f);
        esc(&t, r->transport);
        fputs(" transport)", f);
    }
    fputs(", libcurl ", f);
    esc(&t, r->libcurl ? r->libcurl : "?");
    fputs(", ", f);
    esc(&t, r->openssl ? r->openssl : "?");
    fact_end(&t);
    table_end(&t);
}

/* "0.5 s", "1.25 s", "3,600 s"; "–" for NaN. */
static const char *seconds(char *buf, size_t n, double s)
{
    char v[B];
    if (isfinite(s) && fabs(s) < 100)
        snprintf(buf, n, "%.3g s", s);
    else if (isfinite(s))
        snprintf(buf, n, "%s s", report_fmt(v, sizeof v, s));
    else
        snprintf(buf, n, "–");
    return buf;
}

void report_table_phases(const struct report *r, FILE *f, enum report_markup m)
{
    /* with workloads, each phase's workload first */
    static const struct col cols[] = {
        {"workload", false}, {"phase", false},    {"load", false},      {"planned", true},
        {"ran", true},       {"recorded", false}, {"achieved/s", true},
    };
    bool by_workload = r->n_phases && r->phases[0].workload;
    struct table t;
    table_begin(&t, f, m, cols + !by_workload, sizeof cols / sizeof cols[0] - !by_workload);
    for (size_t i = 0; i < r->n_phases; i++) {
        const struct report_phase *ph = &r->phases[i];
        char b[B * 2], a[B], c[B];
        row_begin(&t, false);
        if (by_workload)
            cell_text(&t, ph->workload ? ph->workload : "");
        cell_text(&t, ph->name);
        if (isfinite(ph->users)) {
            int n = snprintf(b, sizeof b, "%s user%s", report_fmt(a, sizeof a, ph->users),
                             ph->users == 1 ? "" : "s");
            if (ph->think_ms > 0 && n > 0 && (size_t)n < sizeof b)
                snprintf(b + n, sizeof b - (size_t)n, ", think %s ms",
                         report_fmt_ms(c, sizeof c, ph->think_ms));
        } else if (ph->rate_start == ph->rate_end || !isfinite(ph->rate_end)) {
            snprintf(b, sizeof b, "%s/s", report_fmt(a, sizeof a, ph->rate_start));
        } else {
            snprintf(b, sizeof b, "%s → %s/s", report_fmt(a, sizeof a, ph->rate_start),
                     report_fmt(c, sizeof c, ph->rate_end));
        }
        cell(&t, b);
        cell(&t, seconds(b, sizeof b, ph->duration_s));
        cell(&t, seconds(b, sizeof b, ph->ran_s));
        cell(&t, ph->record ? "yes" : "warm-up, not recorded");
        double ach = NAN;
        for (size_t k = 0; ph->record && k < r->n_by_phase; k++)
            if (!strcmp(r->by_phase[k].name, ph->name))
                ach = r->by_phase[k].throughput_rps;
        cell(&t, report_fmt(b, sizeof b, ach));
        row_end(&t);
    }
    table_end(&t);
}

/* A row's name; the total row is "**all**" in Markdown. */
static void name_cell(struct table *t, const struct results_cell *w, bool total)
{
    if (total && t->markup == REPORT_MD)
        cell(t, "**all**");
    else
        cell_text(t, w->name);
}

/* "19 (1.36 %)"; Markdown: "19" when the percentage is NaN. */
static const char *count_pct(const struct table *t, char *buf, size_t n, double count, double pct)
{
    char a[B];
    if (!isfinite(pct) && t->markup == REPORT_MD)
        snprintf(buf, n, "%s", report_fmt(a, sizeof a, count));
    else
        snprintf(buf, n, "%s (%.2f %%)", report_fmt(a, sizeof a, count), pct);
    return buf;
}

void report_table_rows(FILE *f, enum report_markup m, const char *first,
                       const struct results_cell *rows, size_t n, const struct results_cell *total)
{
    const struct col cols[] = {
        {first, false},   {"requests", true},  {"req/s", true},    {"p50 ms", true},
        {"p90 ms", true}, {"p99 ms", true},    {"p99.9 ms", true}, {"max ms", true},
        {"errors", true}, {"throttled", true},
    };
    struct table t;
    table_begin(&t, f, m, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i <= n; i++) {
        const struct results_cell *w = i < n ? &rows[i] : total;
        if (!w)
            break;
        char b[B * 2];
        row_begin(&t, w == total && n > 0);
        name_cell(&t, w, w == total && n > 0);
        cell(&t, report_fmt(b, sizeof b, w->count));
        cell(&t, report_fmt(b, sizeof b, w->throughput_rps));
        const double l[] = {w->latency.p50, w->latency.p90, w->latency.p99, w->latency.p999,
                            w->latency.max};
        for (size_t k = 0; k < sizeof l / sizeof l[0]; k++)
            cell(&t, report_fmt_ms(b, sizeof b, l[k]));
        cell(&t, count_pct(&t, b, sizeof b, w->errors, w->error_pct));
        cell(&t, count_pct(&t, b, sizeof b, w->throttled, w->throttled_pct));
        row_end(&t);
    }
    table_end(&t);
}

/* names[0..n) joined with ", " into buf. */
static const char *joined(char *buf, size_t len, const char *const *names, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && k < len; i++) {
        int w = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    return buf;
}

void report_table_workloads(const struct report *r, FILE *f, enum report_markup m)
{
    static const struct col cols[] = {
        {"workload", false}, {"model", false},    {"workers", true},    {"phases", false},
        {"requests", false}, {"offered/s", true}, {"achieved/s", true}, {"count", true},
        {"p50 ms", true},    {"p99 ms", true},    {"errors", true},
    };
    struct table t;
    table_begin(&t, f, m, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < r->res->n_workloads; i++) {
        const struct results_workload *wl = &r->res->workloads[i];
        char b[B * 8];
        row_begin(&t, false);
        cell_text(&t, wl->name);
        cell_text(&t, wl->model);
        cell(&t, report_fmt(b, sizeof b, wl->workers));
        cell_text(&t, joined(b, sizeof b, wl->phases, wl->n_phases));
        cell_text(&t, joined(b, sizeof b, wl->requests, wl->n_requests));
        cell(&t, report_fmt(b, sizeof b, wl->offered_rps));
        cell(&t, report_fmt(b, sizeof b, wl->achieved_rps));
        cell(&t, report_fmt(b, sizeof b, wl->total.count));
        cell(&t, report_fmt_ms(b, sizeof b, wl->total.latency.p50));
        cell(&t, report_fmt_ms(b, sizeof b, wl->total.latency.p99));
        cell(&t, count_pct(&t, b, sizeof b, wl->total.errors, wl->total.error_pct));
        row_end(&t);
    }
    table_end(&t);
}

void report_table_outcomes(const struct report *r, FILE *f, enum report_markup m)
{
    bool used[OC_COUNT];
    struct col cols[1 + OC_COUNT] = {{"node", false}};
    size_t n_cols = 1;
    for (int k = 0; k < OC_COUNT; k++) {
        used[k] = k == 0 || r->all->outcomes[k] > 0;
        if (used[k])
            cols[n_cols++] = (struct col){rec_outcome_name(k), true};
    }
    struct table t;
    table_begin(&t, f, m, cols, n_cols);
    for (size_t i = 0; i <= r->n_by_node; i++) {
        bool total = i == r->n_by_node;
        const struct results_cell *w = total ? r->all : &r->by_node[i];
        row_begin(&t, total);
        name_cell(&t, w, total);
        for (int k = 0; k < OC_COUNT; k++) {
            char b[B];
            if (used[k])
                cell(&t, report_fmt(b, sizeof b, w->outcomes[k]));
        }
        row_end(&t);
    }
    table_end(&t);
}

void report_table_gates(const struct report *r, FILE *f, enum report_markup m)
{
    static const struct col cols[] = {
        {"gate", false}, {"scope", false}, {"measured", true}, {"verdict", false}};
    struct table t;
    table_begin(&t, f, m, cols, sizeof cols / sizeof cols[0]);
    bool md = m == REPORT_MD;
    for (size_t i = 0; i < r->n_gates; i++) {
        const struct results_gate *g = &r->gates[i];
        char sc[160], b[B];
        row_begin(&t, false);
        cell_open(&t, NULL);
        fputs(md ? "" : "<code>", f);
        esc(&t, g->gate);
        fputs(md ? "" : "</code>", f);
        cell_close(&t);
        cell_text(&t, report_gate_scope(sc, sizeof sc, g));
        cell_open(&t, NULL);
        if (isfinite(g->measured)) {
            fprintf(f, "%s ",
                    g->unit && !strcmp(g->unit, "ms") ? report_fmt_ms(b, sizeof b, g->measured)
                                                      : report_fmt(b, sizeof b, g->measured));
            esc(&t, g->unit);
        } else {
            fputs("–", f);
        }
        cell_close(&t);
        /* a gate that measured nothing fails (docs/gates.md): it looks so */
        bool pass = !strcmp(g->verdict, "pass"), fl = !strcmp(g->verdict, "fail");
        bool no_data = !strcmp(g->verdict, "no-data");
        if (md && (pass || fl || no_data)) {
            cell(&t, pass ? "✅ pass" : fl ? "❌ **fail**" : "❌ **no data**");
        } else {
            /* a verdict this gatecap does not know: as it is */
            cell_open(&t, pass            ? " class=\"verdict-pass\""
                          : fl || no_data ? " class=\"verdict-fail\""
                                          : " class=\"\"");
            esc(&t, no_data ? "no data" : g->verdict);
            cell_close(&t);
        }
        row_end(&t);
    }
    table_end(&t);
}

/* Whether a step's reason goes to a note below the table: an invalid
 * step's (a sentence); the violated metrics stay in the row. */
static bool step_note(const struct report_step *s)
{
    return s->why && !strcmp(s->verdict, "invalid");
}

void report_table_steps(const struct report *r, FILE *f, enum report_markup m)
{
    bool plan = r->steps_from_plan;
    char lat[B];
    snprintf(lat, sizeof lat, "%s ms",
             plan && r->plan->percentile[0] ? r->plan->percentile : "p99");
    const struct col cols[] = {
        {"step", false}, {"offered/s", true}, {"achieved/s", true}, {"achieved", true},
        {lat, true},     {"errors", true},    {"verdict", false},
    };
    struct table t;
    table_begin_class(&t, f, m, cols, sizeof cols / sizeof cols[0] - !plan, "nowrap");
    size_t notes = 0;
    for (size_t i = 0; i < r->n_steps; i++) {
        const struct report_step *s = &r->steps[i];
        char b[B];
        row_begin(&t, false);
        cell_text(&t, s->name);
        cell(&t, report_fmt(b, sizeof b, s->offered_rps));
        cell(&t, report_fmt(b, sizeof b, s->achieved_rps));
        snprintf(b, sizeof b, "%.1f %%", 100 * s->achieved_rps / s->offered_rps);
        cell(&t, isfinite(s->achieved_rps) ? b : "–");
        cell(&t, report_fmt_ms(b, sizeof b, s->latency_ms));
        snprintf(b, sizeof b, "%.2f %%", s->error_pct);
        cell(&t, isfinite(s->error_pct) ? b : "–");
        if (plan) {
            char style[B];
            snprintf(style, sizeof style, " style=\"color:%s\"", report_verdict_color(s->verdict));
            cell_open(&t, style);
            esc(&t, s->verdict);
            if (step_note(s)) {
                fprintf(f, " (note %zu)", ++notes);
            } else if (s->why) {
                fputs(": ", f);
                esc(&t, s->why);
            }
            fputs(!strcmp(s->role, "last_good")   ? " (last good)"
                  : !strcmp(s->role, "first_bad") ? " (first bad)"
                                                  : "",
                  f);
            cell_close(&t);
        }
        row_end(&t);
    }
    table_end(&t);
    if (!notes)
        return;
    /* the long reasons, numbered as in the table */
    fputs(m == REPORT_MD ? "" : "<ol class=\"notes\">\n", f);
    notes = 0;
    for (size_t i = 0; plan && i < r->n_steps; i++) {
        const struct report_step *s = &r->steps[i];
        if (!step_note(s))
            continue;
        if (m == REPORT_MD)
            fprintf(f, "%zu. ", ++notes);
        else
            fputs("<li>", f);
        esc(&t, s->name);
        fputs(": ", f);
        esc(&t, s->why);
        fputs(m == REPORT_MD ? "\n" : "</li>\n", f);
    }
    fputs(m == REPORT_MD ? "\n" : "</ol>\n", f);
}

void report_table_whatif(const struct report *r, FILE *f, enum report_markup m)
{
    const struct report_plan *p = r->plan;
    char lost[B];
    snprintf(lost, sizeof lost, "after losing %d", p->redundancy);
    const struct col cols[] = {
        {"nodes", true}, {"capacity/s", true},    {"util at peak", true},
        {lost, true},    {"headroom left", true}, {"meets policy", false},
    };
    struct table t;
    table_begin(&t, f, m, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < p->n_whatif; i++) {
        const struct report_whatif *w = &p->whatif[i];
        bool rec = p->have_rec && w->nodes == p->rec_nodes;
        char b[B];
        row_begin(&t, rec);
        snprintf(b, sizeof b, "%d", w->nodes);
        cell(&t, b);
        cell(&t, report_fmt(b, sizeof b, w->capacity_rps));
        cell(&t, report_fmt_pct(b, sizeof b, w->util_peak_pct));
        cell(&t, report_fmt_pct(b, sizeof b, w->util_after_loss_pct));
        cell(&t, report_fmt_pct(b, sizeof b, w->headroom_left_pct));
        cell_open(&t, NULL);
        fputs(w->meets_policy ? "yes" : "no", f);
        if (rec)
            fputs(m == REPORT_MD ? " **← recommended**" : " ← recommended", f);
        cell_close(&t);
        row_end(&t);
    }
    table_end(&t);
}

void report_table_sensitivity(const struct report *r, FILE *f, enum report_markup m)
{
    const struct report_plan *p = r->plan;
    static const struct col cols[] = {
        {"case", false}, {"peak req/s", true}, {"per node req/s", true}, {"nodes", true}};
    struct table t;
    table_begin(&t, f, m, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < p->n_sens; i++) {
        const struct report_sens *s = &p->sens[i];
        char b[B];
        row_begin(&t, false);
        /* a case without a name: "?" in Markdown, empty in HTML */
        cell_text(&t, s->what ? s->what : m == REPORT_MD ? "?" : NULL);
        cell(&t, report_fmt(b, sizeof b, s->peak_rps));
        cell(&t, report_fmt(b, sizeof b, s->per_node_rps));
        cell(&t, s->nodes ? report_fmt(b, sizeof b, s->nodes) : "out of range");
        row_end(&t);
    }
    table_end(&t);
}

void report_table_apps(const struct report *r, FILE *f, enum report_markup m)
{
    static const struct col cols[] = {
        {"application", false}, {"requests", true},  {"errors", true},
        {"401", true},          {"throttled", true}, {"429 kinds", false},
        {"mean ms", true},      {"max ms", true},    {"tokens", true},
    };
    struct table t;
    table_begin(&t, f, m, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < r->n_apps; i++) {
        const struct report_app *a = &r->apps[i];
        char b[B * 2];
        row_begin(&t, false);
        cell_text(&t, a->name);
        cell(&t, report_fmt(b, sizeof b, a->count));
        cell(&t, count_pct(&t, b, sizeof b, a->errors, a->error_pct));
        cell(&t, report_fmt(b, sizeof b, a->unauthorized));
        cell(&t, count_pct(&t, b, sizeof b, a->throttled, a->throttled_pct));
        cell_text(&t, a->throttled_by ? a->throttled_by : "");
        cell(&t, report_fmt_ms(b, sizeof b, a->mean_ms));
        cell(&t, report_fmt_ms(b, sizeof b, a->max_ms));
        cell(&t, report_fmt(b, sizeof b, a->tokens));
        row_end(&t);
    }
    table_end(&t);
    const struct report_token *k = &r->token;
    char a[B], b[B], c[B];
    if (r->n_apps < r->n_apps_total)
        fprintf(f,
                m == REPORT_MD ? "The %zu of %zu applications with the most errors and 429s; "
                                 "all are in results.json.\n\n"
                               : "<p>The %zu of %zu applications with the most errors and "
                                 "429s; all are in results.json.</p>\n",
                r->n_apps, r->n_apps_total);
    fputs(m == REPORT_MD ? "Token endpoint " : "<p>Token endpoint <code>", f);
    esc(&t, k->url);
    fprintf(f,
            "%s: %.0f requests (%.0f before the run, %.0f ahead of expiry, %.0f after a 401, "
            "%.0f retries), %.0f failed; latency p50 %s ms, p99 %s ms, max %s ms.%s\n",
            m == REPORT_MD ? "" : "</code>", k->requests, k->initial, k->ahead, k->after_401,
            k->retry, k->failed, report_fmt_ms(a, sizeof a, k->latency.p50),
            report_fmt_ms(b, sizeof b, k->latency.p99), report_fmt_ms(c, sizeof c, k->latency.max),
            m == REPORT_MD ? "\n" : "</p>");
    for (size_t i = 0; i < r->n_apps; i++)
        if (r->apps[i].rejected_after_refresh > 0) {
            fputs(m == REPORT_MD ? "**Auth failure:** application "
                                 : "<p><b>Auth failure:</b> "
                                   "application ",
                  f);
            esc(&t, r->apps[i].name);
            fprintf(f,
                    " got 401 with a token fetched after an earlier 401 (%.0f times): the "
                    "gateway rejects its credentials or subscription.%s\n",
                    r->apps[i].rejected_after_refresh, m == REPORT_MD ? "\n" : "</p>");
        }
}

/* "pay.b 3, pay.c 1" from named counts; "" when none. */
static void named_list(const struct table *t, const struct results_named *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", t->f);
        esc(t, x[i].name);
        fprintf(t->f, " %.0f", x[i].count);
    }
}

void report_table_flows(const struct report *r, FILE *f, enum report_markup m)
{
    static const struct col cols[] = {
        {"flow", false},  {"started", true},         {"completed", true},
        {"failed", true}, {"local", true},           {"unfinished", true},
        {"p50 ms", true}, {"p90 ms", true},          {"p99 ms", true},
        {"max ms", true}, {"failed at step", false}, {"failed by check", false},
    };
    struct table t;
    table_begin(&t, f, m, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < r->res->n_flows; i++) {
        const struct results_flow *fl = &r->res->flows[i];
        const struct results_flow_counts *c = &fl->totals;
        double ended = c->completed + c->failed;
        char b[B * 2];
        row_begin(&t, false);
        cell_text(&t, fl->name);
        cell(&t, report_fmt(b, sizeof b, c->started));
        if (ended > 0) {
            cell(&t, count_pct(&t, b, sizeof b, c->completed, 100.0 * c->completed / ended));
            cell(&t, count_pct(&t, b, sizeof b, c->failed, 100.0 * c->failed / ended));
        } else {
            cell(&t, report_fmt(b, sizeof b, c->completed));
            cell(&t, report_fmt(b, sizeof b, c->failed));
        }
        cell(&t, report_fmt(b, sizeof b, c->local));
        cell(&t, report_fmt(b, sizeof b, c->unfinished));
        cell(&t, report_fmt_ms(b, sizeof b, c->duration.p50));
        cell(&t, report_fmt_ms(b, sizeof b, c->duration.p90));
        cell(&t, report_fmt_ms(b, sizeof b, c->duration.p99));
        cell(&t, report_fmt_ms(b, sizeof b, c->duration.max));
        cell_open(&t, NULL);
        named_list(&t, c->failed_by_step, c->n_failed_by_step);
        cell_close(&t);
        cell_open(&t, NULL);
        named_list(&t, c->failed_by_check, c->n_failed_by_check);
        cell_close(&t);
        row_end(&t);
    }
    table_end(&t);
}

void report_table_checks(const struct report *r, FILE *f, enum report_markup m)
{
    static const struct col cols[] = {
        {"check", false},
        {"passed", true},
        {"failed", true},
        {"passed %", true},
        {"example of a failure", false},
    };
    struct table t;
    table_begin(&t, f, m, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < r->res->n_checks; i++) {
        const struct results_check *k = &r->res->checks[i];
        char b[B * 2];
        row_begin(&t, false);
        cell_text(&t, k->name);
        cell(&t, report_fmt(b, sizeof b, k->passed));
        cell(&t, report_fmt(b, sizeof b, k->failed));
        cell(&t, isfinite(k->passed_pct) ? report_fmt_pct(b, sizeof b, k->passed_pct) : "–");
        cell_text(&t, k->example ? k->example : "");
        row_end(&t);
    }
    table_end(&t);
}

/* The generators of a merged run (results.json "shards"): who they were,
 * their clocks, lateness, CPU and drops; a clock beyond tolerance flagged. */
void report_table_shards(const struct report *r, FILE *f, enum report_markup m)
{
    static const struct col cols[] = {
        {"shard", true},     {"host", false},          {"status", false}, {"clock", false},
        {"offset ms", true}, {"release ms", true},     {"late", true},    {"max lag ms", true},
        {"drops", true},     {"local failures", true}, {"CPU", true},
    };
    struct table t;
    table_begin(&t, f, m, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < r->res->n_shards; i++) {
        const struct results_shard_row *s = &r->res->shards[i];
        char b[B * 4];
        row_begin(&t, false);
        cell(&t, report_fmt(b, sizeof b, s->index));
        cell_text(&t, s->host ? s->host : "?");
        cell_text(&t, s->status ? s->status : "?");
        snprintf(b, sizeof b, "%s%s%s",
                 !s->clock.present       ? "unknown"
                 : s->clock.synchronised ? "synchronised"
                                         : "NOT synchronised",
                 s->clock_flagged ? " — FLAGGED: " : "", s->clock_flagged ? s->clock_flag : "");
        cell_text(&t, b);
        cell(&t, report_fmt_ms(b, sizeof b, s->clock.offset_ms));
        cell(&t, report_fmt_ms(b, sizeof b, s->release_offset_ms));
        cell(&t, report_fmt_pct(b, sizeof b, s->late_pct));
        cell(&t, report_fmt_ms(b, sizeof b, s->max_lag_ms));
        cell(&t, report_fmt(b, sizeof b, s->queue_drops));
        cell(&t, report_fmt(b, sizeof b, s->local_failures));
        cell(&t, report_fmt_pct(b, sizeof b, s->cpu_pct));
        row_end(&t);
    }
    table_end(&t);
}
