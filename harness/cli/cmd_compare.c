/*
 * cmd_compare.c — `gatecap compare BASELINE.json CURRENT.json [options]`
 *
 * Options into compare_opts, the comparison (compare.h) into a table on
 * stdout with a one-line verdict, a GitHub-flavoured Markdown file for a
 * pull-request comment (--markdown) and a JUnit XML report (--junit).
 * Exit 0 no regression, 1 a regression, 2 usage or input error.
 * docs/compare.md.
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "base/fsutil.h"
#include "base/units.h"
#include "cli/cmd.h"
#include "output/junit.h"

#define MAX_LISTED 5 /* regressions named in the verdict line */

struct compare_args {
    struct compare_opts opts;
    const char *baseline, *current;
    const char *junit, *markdown;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: gatecap compare BASELINE.json CURRENT.json [options]\n"
               "  --tolerance M=V[,M=V...]   how much worse a metric may get (repeatable):\n"
               "        p50, p90, p99, p99.9, service_p99, latency (all five): 10%% or 2ms\n"
               "        throughput: 5%% or 50/s      errors, throttled: 0.1pp (percentage points)\n"
               "        defaults: latency 10%%, throughput 5%%, errors and throttled 0.1pp\n"
               "  --alpha A                  significance of the noise test (default 0.01)\n"
               "  --scopes LIST              rows to compare: all, request, node, workload, flow,\n"
               "                             check (default all; workload: runs with workloads:)\n"
               "  --allow-different-scenario compare runs of differently named scenarios\n"
               "  --markdown FILE            the table as GitHub-flavoured Markdown\n"
               "  --junit FILE               JUnit XML, one test case per metric\n"
               "A metric regresses when it is worse beyond its tolerance and a one-sided\n"
               "Mann-Whitney U test of the runs' interval samples says it is not noise.\n"
               "See docs/compare.md. Exit: 0 no regression, 1 regression, 2 usage or input "
               "error.\n");
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gatecap compare: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_INPUT;
}

/* "all,request,node" (any non-empty subset) into o->scope. */
static int parse_scopes(const char *val, struct compare_opts *o)
{
    char copy[128], *save = NULL;
    bool want[CMP_N_SCOPES] = {false};
    if (!val[0] || strlen(val) >= sizeof copy)
        return bad(
            "--scopes '%s': a list of all, request, node, workload, flow, check (e.g. --scopes "
            "all,node)",
            val);
    snprintf(copy, sizeof copy, "%s", val);
    for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        int k = !strcmp(s, "all")        ? CMP_SCOPE_ALL
                : !strcmp(s, "request")  ? CMP_SCOPE_REQUEST
                : !strcmp(s, "node")     ? CMP_SCOPE_NODE
                : !strcmp(s, "workload") ? CMP_SCOPE_WORKLOAD
                : !strcmp(s, "flow")     ? CMP_SCOPE_FLOW
                : !strcmp(s, "check")    ? CMP_SCOPE_CHECK
                                         : -1;
        if (k < 0)
            return bad("--scopes: unknown scope '%s'; scopes are all, request, node, workload, "
                       "flow, check",
                       s);
        want[k] = true;
    }
    memcpy(o->scope, want, sizeof want);
    return 0;
}

/* Returns 0, EXIT_INPUT (printed), or -1 after --help. */
static int parse_args(int argc, char **argv, struct compare_args *a)
{
    memset(a, 0, sizeof *a);
    compare_opts_defaults(&a->opts);
    static const char *with_value[] = {"--tolerance", "--alpha", "--scopes", "--junit",
                                       "--markdown"};
    int positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        const char *opt = NULL;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
            size_t n = strlen(with_value[k]);
            if (!strncmp(arg, with_value[k], n) && (arg[n] == '\0' || arg[n] == '=')) {
                opt = with_value[k];
                if (arg[n] == '=')
                    val = arg + n + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return bad("%s needs a value", opt);
                break;
            }
        }
        if (!opt) {
            if (!strcmp(arg, "--allow-different-scenario")) {
                a->opts.allow_different_scenario = true;
            } else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
                usage(stdout);
                return -1;
            } else if (arg[0] == '-' && arg[1] != '\0') {
                return bad("unknown option '%s'; see gatecap compare --help", arg);
            } else if (positional == 0) {
                a->baseline = arg;
                positional++;
            } else if (positional == 1) {
                a->current = arg;
                positional++;
            } else {
                return bad("'%s': give exactly two files, BASELINE.json and CURRENT.json", arg);
            }
            continue;
        }
        char err[400];
        const char *why = NULL;
        if (!strcmp(opt, "--tolerance")) {
            if (compare_parse_tolerance(&a->opts, val, err, sizeof err) != 0)
                return bad("%s", err);
        } else if (!strcmp(opt, "--alpha")) {
            if (units_fraction(val, &a->opts.alpha, &why) != UNITS_OK)
                return bad("--alpha '%s': %s", val, why);
            if (!(a->opts.alpha > 0 && a->opts.alpha < 0.5))
                return bad("--alpha '%s': a significance level above 0 and below 0.5, e.g. "
                           "0.01 or 5%%",
                           val);
        } else if (!strcmp(opt, "--scopes")) {
            if (parse_scopes(val, &a->opts))
                return EXIT_INPUT;
        } else if (!val[0]) {
            return bad("%s needs a file name, not an empty value", opt);
        } else if (!strcmp(opt, "--junit")) {
            a->junit = val;
        } else {
            a->markdown = val;
        }
    }
    if (positional < 2) {
        usage(stderr);
        return bad("give two results.json files: the stored baseline, then the current run");
    }
    return 0;
}

/* ---- cells ---- */

/* One row as text: the columns every output shares. */
enum { C_METRIC, C_SCOPE, C_BASE, C_CUR, C_CHANGE, C_TOL, C_P, C_VERDICT, N_COLS };
static const char *const col_names[N_COLS] = {"metric", "scope",     "baseline", "current",
                                              "change", "tolerance", "p-value",  "verdict"};
typedef char row_text[N_COLS][160];

static void fmt_value(char *buf, size_t n, enum compare_metric m, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else if (m == CMP_THROUGHPUT)
        snprintf(buf, n, "%.1f req/s", v);
    else if (compare_metric_is_rate(m))
        snprintf(buf, n, "%.2f %%", v);
    else
        snprintf(buf, n, "%.*f ms", v < 10 ? 3 : v < 100 ? 2 : v < 1000 ? 1 : 0, v);
}

static void fmt_change(char *buf, size_t n, const struct compare_row *r)
{
    if (isnan(r->change))
        snprintf(buf, n, "-");
    else if (compare_metric_is_rate(r->metric))
        snprintf(buf, n, "%+.2f pp", r->change);
    else if (isinf(r->change))
        snprintf(buf, n, "from 0");
    else
        snprintf(buf, n, "%+.1f %%", 100 * r->change);
}

static void fmt_tolerance(char *buf, size_t n, enum compare_metric m,
                          const struct compare_tolerance *t)
{
    const char *sign = compare_metric_higher_better(m) ? "-" : "+";
    if (compare_metric_is_rate(m))
        snprintf(buf, n, "%s%g pp", sign, t->value);
    else if (!t->absolute)
        snprintf(buf, n, "%s%g %%", sign, 100 * t->value);
    else
        snprintf(buf, n, "%s%g %s", sign, t->value, m == CMP_THROUGHPUT ? "req/s" : "ms");
}

static void fmt_p(char *buf, size_t n, const struct compare_row *r)
{
    if (r->test != CMP_TEST_DONE)
        snprintf(buf, n, "-");
    else if (r->p_value < 0.0001)
        snprintf(buf, n, "<0.0001");
    else
        snprintf(buf, n, "%.2g", r->p_value);
}

static void fmt_verdict(char *buf, size_t n, const struct compare_row *r, double alpha)
{
    switch (r->verdict) {
    case CMP_REGRESSION:
        if (r->test == CMP_TEST_FEW)
            snprintf(buf, n, "REGRESSION (tolerance only: %zu/%zu interval samples, %d needed)",
                     r->n_baseline, r->n_current, COMPARE_MIN_SAMPLES);
        else if (r->test == CMP_TEST_NONE)
            snprintf(buf, n, "REGRESSION (tolerance only: no interval samples)");
        else
            snprintf(buf, n, "REGRESSION");
        break;
    case CMP_NOISE:
        snprintf(buf, n, "within noise (p >= %g)", alpha);
        break;
    default:
        snprintf(buf, n, "%s", compare_verdict_name(r->verdict));
    }
}

static void fmt_scope(char *buf, size_t n, const struct compare_row *r)
{
    if (r->scope == CMP_SCOPE_ALL)
        snprintf(buf, n, "all");
    else
        snprintf(buf, n, "%s %s", compare_scope_name(r->scope), r->name);
}

static void row_cells(const struct compare_row *r, double alpha, row_text t)
{
    snprintf(t[C_METRIC], sizeof t[C_METRIC], "%s", compare_metric_name(r->metric));
    fmt_scope(t[C_SCOPE], sizeof t[C_SCOPE], r);
    fmt_value(t[C_BASE], sizeof t[C_BASE], r->metric, r->baseline);
    fmt_value(t[C_CUR], sizeof t[C_CUR], r->metric, r->current);
    fmt_change(t[C_CHANGE], sizeof t[C_CHANGE], r);
    fmt_tolerance(t[C_TOL], sizeof t[C_TOL], r->metric, &r->tol);
    fmt_p(t[C_P], sizeof t[C_P], r);
    fmt_verdict(t[C_VERDICT], sizeof t[C_VERDICT], r, alpha);
}

/* ---- the summary line ---- */

static void verdict_line(char *buf, size_t n, const struct compare_result *res, double alpha)
{
    size_t len = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + len, n - len, __VA_ARGS__);                                        \
        if (w_ > 0)                                                                                \
            len = len + (size_t)w_ < n ? len + (size_t)w_ : n - 1;                                 \
    } while (0)
    if (res->undecided) {
        PUT("NO VERDICT: %s", res->undecided_why);
    } else if (res->regressions) {
        PUT("REGRESSION: %zu of %zu metrics worse beyond tolerance and not explained by noise "
            "(p < %g or untestable): ",
            res->regressions, res->n_rows, alpha);
        size_t listed = 0;
        for (size_t i = 0; i < res->n_rows && listed < MAX_LISTED; i++) {
            const struct compare_row *r = &res->rows[i];
            if (r->verdict != CMP_REGRESSION)
                continue;
            char scope[COMPARE_NAME_LEN + 16], change[32];
            fmt_scope(scope, sizeof scope, r);
            fmt_change(change, sizeof change, r);
            PUT("%s%s %s %s", listed ? ", " : "", compare_metric_name(r->metric), scope, change);
            listed++;
        }
        if (res->regressions > listed)
            PUT(", and %zu more", res->regressions - listed);
    } else {
        PUT("OK: no regression in %zu metrics", res->n_rows);
        if (res->noise || res->improved || res->no_data) {
            const char *sep = " (";
            if (res->noise) {
                PUT("%s%zu beyond tolerance but within run-to-run noise", sep, res->noise);
                sep = ", ";
            }
            if (res->improved) {
                PUT("%s%zu improved", sep, res->improved);
                sep = ", ";
            }
            if (res->no_data)
                PUT("%s%zu without data", sep, res->no_data);
            PUT(")");
        }
    }
#undef PUT
}

static void tolerance_list(char *buf, size_t n, const struct compare_opts *o)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int m = 0; m < CMP_N_METRICS && len < n; m++) {
        char t[48];
        fmt_tolerance(t, sizeof t, (enum compare_metric)m, &o->tol[m]);
        int w = snprintf(buf + len, n - len, "%s%s %s", m ? ", " : "",
                         compare_metric_name((enum compare_metric)m), t);
        if (w > 0)
            len += (size_t)w;
    }
}

/* ---- text ---- */

static void print_table(const struct compare_args *a, const struct compare_result *res,
                        row_text *cells)
{
    char tol[400], line[2048];
    tolerance_list(tol, sizeof tol, &a->opts);
    printf("Scenario '%s' (%s model): baseline %s, current %s\n", res->scenario, res->model,
           a->baseline, a->current);
    printf("Tolerances: %s. Noise test: one-sided Mann-Whitney U on interval samples, alpha "
           "%g.\n\n",
           tol, a->opts.alpha);
    int w[N_COLS];
    for (int c = 0; c < N_COLS; c++) {
        w[c] = (int)strlen(col_names[c]);
        for (size_t i = 0; i < res->n_rows; i++)
            if ((int)strlen(cells[i][c]) > w[c])
                w[c] = (int)strlen(cells[i][c]);
    }
    /* Names left-aligned, numbers right-aligned, the verdict last. */
    for (int c = 0; c < N_COLS - 1; c++)
        printf("%*s  ", c >= C_BASE ? w[c] : -w[c], col_names[c]);
    printf("%s\n", col_names[C_VERDICT]);
    for (size_t i = 0; i < res->n_rows; i++) {
        for (int c = 0; c < N_COLS - 1; c++)
            printf("%*s  ", c >= C_BASE ? w[c] : -w[c], cells[i][c]);
        printf("%s\n", cells[i][C_VERDICT]);
    }
    if (res->n_notes)
        printf("\nNotes\n");
    for (size_t i = 0; i < res->n_notes; i++)
        printf("  - %s\n", res->notes[i]);
    verdict_line(line, sizeof line, res, a->opts.alpha);
    printf("\n%s\n", line);
}

/* ---- Markdown ---- */

/* s with the characters that mean something inside a GFM table cell or
 * paragraph (code, emphasis, links, HTML, cell bars) escaped; text never
 * starts a line here, so block markers (#, +, -) need nothing. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_[]<>|~&", *s))
            fputc('\\', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
}

static void md_rows(FILE *f, const struct compare_result *res, row_text *cells, bool changed_only)
{
    fputs("| metric | scope | baseline | current | change | tolerance | p-value | verdict |\n"
          "|---|---|--:|--:|--:|--:|--:|---|\n",
          f);
    for (size_t i = 0; i < res->n_rows; i++) {
        enum compare_verdict v = res->rows[i].verdict;
        if (changed_only && (v == CMP_OK || v == CMP_NO_DATA))
            continue;
        for (int c = 0; c < N_COLS; c++) {
            fputs("| ", f);
            if (c == C_VERDICT && v == CMP_REGRESSION)
                fputs("**", f);
            md_text(f, cells[i][c]);
            if (c == C_VERDICT && v == CMP_REGRESSION)
                fputs("**", f);
            fputc(' ', f);
        }
        fputs("|\n", f);
    }
}

static int write_markdown(const struct compare_args *a, const struct compare_result *res,
                          row_text *cells)
{
    char *text = NULL, line[2048], tol[400];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return bad("cannot write %s: %s", a->markdown, strerror(errno));
    verdict_line(line, sizeof line, res, a->opts.alpha);
    tolerance_list(tol, sizeof tol, &a->opts);
    fprintf(f, "### gatecap compare: %s\n\n", res->regressions ? "regression" : "no regression");
    md_text(f, line);
    fputs("\n\nScenario ", f);
    md_text(f, res->scenario);
    fprintf(f, " (%s model). Baseline ", res->model);
    md_text(f, a->baseline);
    fputs(", current ", f);
    md_text(f, a->current);
    fputs(". Tolerances: ", f);
    md_text(f, tol);
    fprintf(f,
            ". A change beyond its tolerance is a regression unless a one-sided "
            "Mann–Whitney U test of the per-interval samples finds it within run-to-run "
            "noise (α = %g).\n\n",
            a->opts.alpha);
    size_t changed = res->regressions + res->noise + res->improved;
    if (changed) {
        md_rows(f, res, cells, true);
        fputc('\n', f);
    }
    fprintf(f, "<details><summary>All %zu metrics</summary>\n\n", res->n_rows);
    md_rows(f, res, cells, false);
    fputs("\n</details>\n", f);
    if (res->n_notes)
        fputs("\nNotes:\n", f);
    for (size_t i = 0; i < res->n_notes; i++) {
        fputs("- ", f);
        md_text(f, res->notes[i]);
        fputc('\n', f);
    }
    if (fclose(f) != 0 || !text) {
        free(text);
        return bad("cannot write %s: out of memory", a->markdown);
    }
    int rc = 0;
    if (fs_write_atomic(a->markdown, text, len) != 0)
        rc = bad("cannot write %s: %s", a->markdown, strerror(errno));
    free(text);
    return rc;
}

/* ---- JUnit ---- */

static int write_junit(const struct compare_args *a, const struct compare_result *res,
                       row_text *cells)
{
    size_t n = res->n_rows;
    struct junit_case *jc = calloc(n + 1, sizeof *jc); /* + the verdict, when there is none */
    char(*cls)[COMPARE_NAME_LEN + 24] = calloc(n ? n : 1, sizeof *cls);
    char(*msg)[600] = calloc(n ? n : 1, sizeof *msg);
    char(*det)[900] = calloc(n ? n : 1, sizeof *det);
    int rc = 0;
    if (!jc || !cls || !msg || !det) {
        rc = bad("cannot write %s: out of memory", a->junit);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct compare_row *r = &res->rows[i];
        row_text *t = &cells[i];
        if (r->scope == CMP_SCOPE_ALL)
            snprintf(cls[i], sizeof cls[i], "compare.all");
        else
            snprintf(cls[i], sizeof cls[i], "compare.%s.%s", compare_scope_name(r->scope), r->name);
        char test[160];
        if (r->test == CMP_TEST_DONE)
            snprintf(test, sizeof test,
                     "one-sided Mann-Whitney U%s on %zu baseline and %zu current interval "
                     "samples: p = %s (alpha %g)",
                     r->exact ? " (exact)" : "", r->n_baseline, r->n_current, (*t)[C_P],
                     a->opts.alpha);
        else if (r->test == CMP_TEST_FEW)
            snprintf(test, sizeof test,
                     "not made: %zu baseline and %zu current interval samples (%d needed); "
                     "tolerance only",
                     r->n_baseline, r->n_current, COMPARE_MIN_SAMPLES);
        else if (r->test == CMP_TEST_NONE)
            snprintf(test, sizeof test,
                     "not made: no interval samples for this scope; "
                     "tolerance only");
        else
            snprintf(test, sizeof test, "not made: no data");
        snprintf(det[i], sizeof det[i],
                 "metric: %s (%s)\nbaseline: %s (%s)\ncurrent: %s (%s)\nchange: %s, tolerance "
                 "%s\ntest: %s\nverdict: %s\n",
                 (*t)[C_METRIC], (*t)[C_SCOPE], (*t)[C_BASE], a->baseline, (*t)[C_CUR], a->current,
                 (*t)[C_CHANGE], (*t)[C_TOL], test, (*t)[C_VERDICT]);
        snprintf(msg[i], sizeof msg[i], "%s %s: %s -> %s (%s, tolerance %s), %s", (*t)[C_METRIC],
                 (*t)[C_SCOPE], (*t)[C_BASE], (*t)[C_CUR], (*t)[C_CHANGE], (*t)[C_TOL],
                 (*t)[C_VERDICT]);
        jc[i] = (struct junit_case){
            .classname = cls[i],
            .name = compare_metric_name(r->metric),
            .failed = r->verdict == CMP_REGRESSION,
            .skipped = r->verdict == CMP_NO_DATA,
            .message = r->verdict == CMP_NO_DATA ? "not measured in one of the runs" : msg[i],
            .type = "regression",
            .details = det[i],
            .system_out = r->verdict == CMP_REGRESSION || r->verdict == CMP_NO_DATA ? NULL : det[i],
        };
    }
    if (res->undecided) /* a failing case, so that a test reporter shows it */
        jc[n++] = (struct junit_case){
            .classname = "compare",
            .name = "verdict",
            .failed = true,
            .message = "no verdict: what compare judges was not measured",
            .type = "no-verdict",
            .details = res->undecided_why,
        };
    char suite[COMPARE_NAME_LEN + 32], err[600];
    snprintf(suite, sizeof suite, "gatecap compare %s", res->scenario);
    if (junit_write(a->junit, suite, jc, n, err, sizeof err) != JUNIT_OK)
        rc = bad("%s", err);
out:
    free(jc);
    free(cls);
    free(msg);
    free(det);
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    struct compare_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct compare_result res;
    char err[1200];
    if (compare_files(a.baseline, a.current, &a.opts, &res, err, sizeof err) != COMPARE_OK)
        return bad("%s", err);
    row_text *cells = calloc(res.n_rows ? res.n_rows : 1, sizeof *cells);
    if (!cells) {
        compare_free(&res);
        return bad("out of memory");
    }
    for (size_t i = 0; i < res.n_rows; i++)
        row_cells(&res.rows[i], a.opts.alpha, cells[i]);
    print_table(&a, &res, cells);
    rc = res.undecided ? bad("no verdict: %s", res.undecided_why) : res.regressions ? EXIT_GATE : 0;
    /* A report that cannot be written fails the command: a CI gate must
     * not pass because its evidence went missing. */
    if (a.markdown && write_markdown(&a, &res, cells))
        rc = EXIT_INPUT;
    if (a.junit && write_junit(&a, &res, cells))
        rc = EXIT_INPUT;
    free(cells);
    compare_free(&res);
    return rc;
}
