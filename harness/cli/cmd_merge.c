/*
 * cmd_merge.c — `gatecap merge DIR|FILES... -o OUT [--junit FILE] [-q]
 * [--clock-tolerance MS]`: the shards of one distributed run combined into
 * the results one generator would have written (output/merge.h), checked
 * before anything is written; results.json, run.hlog, report.md and
 * report.html written together into OUT (or none), the summary printed as
 * `gatecap run` prints its own. Exit codes as run's (docs/merge.md).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/fsutil.h"
#include "cli/cmd.h"
#include "cli/run_summary.h"
#include "output/junit_run.h"
#include "output/merge.h"
#include "output/report.h"
#include "output/results.h"
#include "run/engine.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: gatecap merge DIR|RESULTS.json... -o OUT [--junit FILE] [-q]\n"
               "                     [--clock-tolerance MS]\n"
               "  Combines the shards of one distributed run (gatecap run --shard i/N) into the\n"
               "  results one generator would have recorded: histograms added, counters summed,\n"
               "  percentiles from the merged histograms (never averaged), gates evaluated again.\n"
               "  DIR            a folder of shard folders (DIR/shard-0/results.json, ...) or a\n"
               "                 run folder; run.hlog is read from beside each results.json\n"
               "  -o OUT         output folder: results.json, run.hlog, report.md, report.html\n"
               "  --junit FILE   also a JUnit XML file of the gates\n"
               "  -q, --quiet    no notes on stderr (the summary still goes to stdout)\n"
               "  --clock-tolerance MS  flag a shard whose clock offset or estimated error is\n"
               "                 beyond MS milliseconds (default 10); flagged, not failed\n"
               "See docs/merge.md. Exit: 0 gates pass and every shard ran as planned, 1 a gate\n"
               "failed, 2 usage or unreadable input, 3 missing, duplicate or mismatched shards, a\n"
               "shard interrupted, or the run generator-limited.\n");
}

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "gatecap merge: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    return EXIT_INPUT;
}

struct merge_opts {
    const char **inputs;
    size_t n_inputs;
    const char *outdir, *junit;
    bool quiet;
    double clock_tolerance_ms;
};

/* Returns 0, 1 after --help, or EXIT_INPUT after saying why. */
static int parse(int argc, char **argv, struct merge_opts *o)
{
    o->clock_tolerance_ms = MERGE_CLOCK_TOLERANCE_MS;
    if (!(o->inputs = calloc((size_t)argc, sizeof *o->inputs)))
        return bad("out of memory", NULL);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL, *opt = NULL, *tol = NULL;
        if (!strcmp(a, "-o") || !strncmp(a, "-o=", 3))
            dst = &o->outdir, opt = "-o";
        else if (!strcmp(a, "--junit") || !strncmp(a, "--junit=", 8))
            dst = &o->junit, opt = "--junit";
        else if (!strcmp(a, "--clock-tolerance") || !strncmp(a, "--clock-tolerance=", 18))
            dst = &tol, opt = "--clock-tolerance";
        if (dst) {
            const char *eq = strchr(a, '=');
            if (eq)
                *dst = eq + 1;
            else if (i + 1 < argc)
                *dst = argv[++i];
            else
                return bad("needs a value:", opt);
            if (!**dst)
                return bad("an empty value for", opt);
            if (tol) {
                char *end;
                errno = 0;
                double v = strtod(tol, &end);
                if (!strcmp(end, "ms"))
                    end += 2;
                if (errno || *end || !(v >= 0) || !isfinite(v))
                    return bad("--clock-tolerance takes milliseconds (e.g. 10 or 10ms), not", tol);
                o->clock_tolerance_ms = v;
            }
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            usage(stderr);
            return bad("unknown option", a);
        } else {
            o->inputs[o->n_inputs++] = a;
        }
    }
    if (!o->n_inputs) {
        usage(stderr);
        return bad("give the folder the shards wrote into, or their results.json files", NULL);
    }
    if (!o->outdir) {
        usage(stderr);
        return bad("give the output folder with -o OUT", NULL);
    }
    return 0;
}

struct outputs {
    struct fs_outset set;
    char *results, *hlog, *md, *html;
    FILE *results_f, *hlog_f, *md_f, *html_f, *junit_f;
    struct fs_made made, junit_made;
    bool kept;
};

static void outputs_free(struct outputs *o)
{
    fs_outset_abort(&o->set);
    if (!o->kept) {
        fs_made_undo(&o->junit_made);
        fs_made_undo(&o->made);
    }
    free(o->results);
    free(o->hlog);
    free(o->md);
    free(o->html);
}

/* Opens the output set in outdir (and junit). Returns 0, or -1 after
 * saying why. */
static int outputs_open(struct outputs *o, const char *outdir, const char *junit)
{
    memset(o, 0, sizeof *o);
    if (fs_mkdirs_track(outdir, &o->made)) {
        fprintf(stderr,
                "gatecap merge: cannot create output folder '%s': %s; choose another "
                "with -o\n",
                outdir, strerror(errno));
        return -1;
    }
    if (asprintf(&o->results, "%s/results.json", outdir) < 0 ||
        asprintf(&o->hlog, "%s/run.hlog", outdir) < 0 ||
        asprintf(&o->md, "%s/report.md", outdir) < 0 ||
        asprintf(&o->html, "%s/report.html", outdir) < 0) {
        fprintf(stderr, "gatecap merge: out of memory\n");
        return -1;
    }
    if (!(o->results_f = fs_outset_add(&o->set, o->results)) ||
        !(o->hlog_f = fs_outset_add(&o->set, o->hlog)) ||
        !(o->md_f = fs_outset_add(&o->set, o->md)) ||
        !(o->html_f = fs_outset_add(&o->set, o->html))) {
        fprintf(stderr,
                "gatecap merge: cannot write in the output folder '%s': %s; choose "
                "another with -o\n",
                outdir, strerror(errno));
        return -1;
    }
    if (junit) {
        char dir[4096];
        const char *slash = strrchr(junit, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - junit) : 1, slash ? junit : ".");
        if ((slash && fs_mkdirs_track(dir, &o->junit_made)) ||
            !(o->junit_f = fs_outset_add(&o->set, junit))) {
            fprintf(stderr,
                    "gatecap merge: cannot write the JUnit file '%s': %s; choose another "
                    "with --junit\n",
                    junit, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Leaves out a results.json in the output folder itself: `gatecap merge
 * run-42 -o run-42/merged` run a second time finds the earlier merge
 * among the shard folders. */
static void drop_outdir(char **paths, size_t *n, const char *outdir)
{
    char *out = realpath(outdir, NULL);
    if (!out)
        return;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        char *dir = realpath(paths[i], NULL);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash)
            *slash = '\0';
        bool same = slash && !strcmp(dir, out);
        free(dir);
        if (same)
            free(paths[i]);
        else
            paths[k++] = paths[i];
    }
    *n = k;
    free(out);
}

/* The generators, one line each, to out. */
static void print_shards(FILE *out, const struct merge *m)
{
    fprintf(out, "\nshards (%zu, run %s)\n", m->n, m->run_id ? m->run_id : "unknown");
    for (size_t i = 0; i < m->n; i++) {
        const struct merge_shard *sh = &m->shards[i];
        const struct results *x = sh->res;
        fprintf(out, "  %zu %-16s %-10s late %6.2f%% max lag %8.1f ms drops %lld cpu %5.1f%%%s%s\n",
                sh->index, x->shard.host ? x->shard.host : "?", x->status ? x->status : "?",
                isfinite(x->gen.late_pct) ? x->gen.late_pct : 0.0,
                isfinite(x->gen.max_lag_ms) ? x->gen.max_lag_ms : 0.0,
                (long long)(isfinite(x->gen.queue_drops) ? x->gen.queue_drops : 0),
                isfinite(x->cpu_pct) ? x->cpu_pct : 0.0, sh->clock_flagged ? "  CLOCK: " : "",
                sh->clock_flagged ? sh->clock_flag : "");
    }
}

/* Writes every output. Returns 0 when all were written and renamed, else
 * the exit code after saying why (3: a histogram that does not fit). */
static int write_all(struct outputs *out, struct merge *m, const struct merge_opts *o)
{
    char err[2048];
    int rc = merge_hlog(m, out->hlog_f, err, sizeof err);
    if (rc == MERGE_OK)
        rc = merge_gates(m);
    if (rc) {
        fprintf(stderr, "gatecap merge: %s\n", rc == MERGE_ENOMEM ? "out of memory" : err);
        return rc == MERGE_ESHARDS ? EXIT_RUN : EXIT_INPUT;
    }
    json_t *doc = merge_doc(m, err, sizeof err);
    if (!doc) {
        fprintf(stderr, "gatecap merge: %s\n", err);
        return EXIT_INPUT;
    }
    int wr = results_fprint(doc, out->results_f);
    json_decref(doc);
    if (wr) {
        fprintf(stderr, "gatecap merge: cannot write %s: %s\n", out->results, strerror(errno));
        return EXIT_INPUT;
    }
    if (out->junit_f &&
        junit_run_fprint(out->junit_f, m->scn, m->r, m->verdicts, m->n_verdicts, err, sizeof err)) {
        fprintf(stderr, "gatecap merge: %s: %s\n", o->junit, err);
        return EXIT_INPUT;
    }
    if (report_render(fs_outset_tmp(&out->set, out->results), NULL, out->md_f, out->html_f, err,
                      sizeof err)) {
        fprintf(stderr, "gatecap merge: the report could not be written: %s\n", err);
        return EXIT_INPUT;
    }
    char failed[4096];
    if (fs_outset_commit(&out->set, failed, sizeof failed)) {
        fprintf(stderr, "gatecap merge: cannot write %s: %s; nothing of the merge was kept\n",
                failed, strerror(errno));
        return EXIT_INPUT;
    }
    return 0;
}

int cmd_merge(int argc, char **argv)
{
    struct merge_opts o = {0};
    int prc = parse(argc, argv, &o);
    if (prc) {
        free(o.inputs);
        return prc == 1 ? 0 : prc;
    }
    char err[2048];
    char **paths = NULL;
    size_t n_paths = 0;
    struct merge *m = NULL;
    struct outputs out;
    memset(&out, 0, sizeof out);
    int code = EXIT_INPUT;
    int rc = merge_inputs(o.inputs, o.n_inputs, &paths, &n_paths, err, sizeof err);
    char where[1024];
    snprintf(where, sizeof where, "%s%s", o.inputs[0],
             o.n_inputs > 1 ? " and the other inputs" : "");
    if (rc == MERGE_OK)
        drop_outdir(paths, &n_paths, o.outdir);
    if (rc == MERGE_OK)
        rc = merge_load(paths, n_paths, where, o.clock_tolerance_ms, &m, err, sizeof err);
    if (rc) {
        fprintf(stderr, "gatecap merge: %s\n", rc == MERGE_ENOMEM ? "out of memory" : err);
        if (rc == MERGE_ESHARDS)
            fprintf(stderr, "gatecap merge: nothing was written\n");
        code = rc == MERGE_ESHARDS ? EXIT_RUN : EXIT_INPUT;
        goto done;
    }
    for (size_t i = 0; i < m->n; i++)
        if (m->shards[i].clock_flagged)
            fprintf(stderr,
                    "gatecap merge: WARNING: shard %zu (%s): %s; its intervals may be "
                    "offset from the others' (flagged, not failed)\n",
                    m->shards[i].index,
                    m->shards[i].res->shard.host ? m->shards[i].res->shard.host : "?",
                    m->shards[i].clock_flag);
    if (!o.quiet)
        fprintf(stderr, "gatecap merge: %zu shard(s) of run %s\n", m->n,
                m->run_id ? m->run_id : "(unknown)");
    if (outputs_open(&out, o.outdir, o.junit)) {
        code = EXIT_INPUT;
        goto done;
    }
    int wrc = write_all(&out, m, &o);
    bool wrote = out.kept = wrc == 0;
    if (!wrote) {
        code = wrc;
        goto done;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem) {
        run_summary_print(mem, "merge", m->scn, m->r, o.outdir, wrote, o.junit);
        print_shards(mem, m);
        run_summary_gates(mem, m->scn, m->verdicts, m->n_verdicts);
        if (m->any_interrupted)
            fprintf(mem, "INCOMPLETE: a shard was interrupted; the merged run is not the planned "
                         "run\n");
        fclose(mem);
        if (text && fwrite(text, 1, len, stdout) != len)
            fprintf(stderr, "gatecap merge: the summary could not be written: %s\n",
                    strerror(errno));
        fflush(stdout);
    }
    free(text);
    if (m->any_interrupted || m->r->generator_limited)
        code = EXIT_RUN;
    else if (m->gates_failed)
        code = EXIT_GATE;
    else
        code = 0;
done:
    outputs_free(&out);
    merge_free(m);
    for (size_t i = 0; i < n_paths; i++)
        free(paths[i]);
    free(paths);
    free(o.inputs);
    return code;
}
