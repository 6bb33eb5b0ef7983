/*
 * cmd_run.c — `gatecap run` and `gatecap validate`: what the user sees of
 * a run (progress, summary, messages) and where its outputs go.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "base/units.h"
#include "base/wallclock.h"
#include "base/sigguard.h"
#include "cli/cmd.h"
#include "cli/run_summary.h"
#include "net/xfer.h"
#include "output/junit_run.h"
#include "output/metrics.h"
#include "output/metrics_export.h"
#include "output/report.h"
#include "output/results.h"
#include "run/engine.h"
#include "run/fdbudget.h"
#include "run/gate_eval.h"
#include "run/session.h"
#include "run/shard.h"
#include "scenario/gate.h"
#include "scenario/redact.h"
#include "scenario/scenario.h"

#define MAX_SETS 64

struct run_opts {
    const char *file;
    const char *outdir;
    const char *junit;          /* --junit FILE: the gates as JUnit XML */
    const char *shard;          /* --shard INDEX/COUNT */
    const char *start_at;       /* --start-at TIME */
    const char *grace;          /* --start-grace DURATION */
    const char *run_id;         /* --run-id ID */
    const char *metrics_push;   /* --metrics-push URL */
    const char *metrics_listen; /* --metrics-listen ADDR:PORT */
    const char *sets[MAX_SETS];
    size_t n_sets;
    bool quiet;
};

#define RUN_USAGE                                                                                  \
    "gatecap run SCENARIO.yaml [-o OUTDIR] [--set key=value]... [--junit FILE] [--quiet]\n"        \
    "            [--shard INDEX/COUNT] [--start-at TIME [--start-grace DURATION]] [--run-id ID]\n" \
    "            [--metrics-push URL] [--metrics-listen ADDR:PORT]"
#define VALIDATE_USAGE "gatecap validate SCENARIO.yaml [--set key=value]..."

/* What -h / --help prints on stdout: the usage, then the options. */
static void print_help(bool run)
{
    if (run)
        printf("usage: %s\n"
               "  Checks every node, drives the load the scenario describes and writes\n"
               "  results.json, run.hlog, report.md and report.html (docs/run.md).\n"
               "  -o, --output DIR  output folder (default: the scenario's output:, results)\n"
               "  --set KEY=VALUE   override a scenario field, e.g. load.workers=2 (repeatable;\n"
               "                    recorded in results.json)\n"
               "  --junit FILE      also write the gates as JUnit XML\n"
               "  -q, --quiet       no progress lines on stderr\n"
               "  --shard I/N       run shard I (from 0) of N of a distributed run: the\n"
               "                    arrivals j with j mod N = I (docs/distributed.md); without\n"
               "                    it, from JOB_COMPLETION_INDEX + GATECAP_SHARDS (Kubernetes),\n"
               "                    SLURM_PROCID/SLURM_NTASKS in an srun step, or Open MPI\n"
               "  --start-at TIME   time zero on the wall clock (RFC 3339 or epoch seconds),\n"
               "                    after the node check and tokens; ready later: exit 3\n"
               "  --start-grace D   how late a start may still be (default 1s)\n"
               "  --run-id ID       the run's id, the same in every shard (default:\n"
               "                    GATECAP_RUN_ID, the Slurm job and step, or from --start-at)\n"
               "  --metrics-push URL  push live series to a Prometheus remote-write receiver\n"
               "                    every interval (docs/metrics.md; scenario: metrics.push)\n"
               "  --metrics-listen ADDR:PORT  serve them for scraping at /metrics\n"
               "                    (scenario: metrics.listen)\n"
               "  -h, --help        this text\n"
               "Exit: 0 as planned, 1 a gate failed, 2 usage or input error, 3 not run as\n"
               "planned, 130 interrupted. A shard of N > 1 exits 0 when it ran and wrote its\n"
               "results: gates and its health are judged by gatecap merge.\n",
               RUN_USAGE);
    else
        printf("usage: %s\n"
               "  Reads and checks a scenario (YAML, fields, files, certificates) and sends\n"
               "  nothing (docs/run.md).\n"
               "  --set KEY=VALUE   override a scenario field, e.g. load.workers=2 (repeatable)\n"
               "  -h, --help        this text\n"
               "Exit: 0 valid, 2 usage or input error.\n",
               VALIDATE_USAGE);
}

/* Returns 0, -1 after printing the problem, or 1 after -h / --help. */
static int parse_opts(int argc, char **argv, struct run_opts *o, bool run)
{
    const char *usage = run ? RUN_USAGE : VALIDATE_USAGE;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_help(run);
            return 1;
        }
        /* an output named by "" would be written at the root (or fail
         * after the whole run): a usage error, before anything is sent */
        if ((!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--junit")) &&
            (i + 1 == argc || !argv[i + 1][0])) {
            fprintf(stderr, "gatecap: %s needs %s, not %s\nusage: %s\n", a,
                    a[2] == 'j' ? "a file name" : "a folder",
                    i + 1 == argc ? "nothing" : "an empty value", usage);
            return -1;
        }
        if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
            o->outdir = argv[++i];
        } else if (!strcmp(a, "--set") && i + 1 < argc) {
            if (o->n_sets == MAX_SETS) {
                fprintf(stderr, "gatecap: at most %d --set options\n", MAX_SETS);
                return -1;
            }
            o->sets[o->n_sets++] = argv[++i];
        } else if (!strncmp(a, "--set=", 6)) {
            if (o->n_sets == MAX_SETS) {
                fprintf(stderr, "gatecap: at most %d --set options\n", MAX_SETS);
                return -1;
            }
            o->sets[o->n_sets++] = a + 6;
        } else if (!strcmp(a, "--junit") && i + 1 < argc) {
            o->junit = argv[++i];
        } else if (run && !strcmp(a, "--shard") && i + 1 < argc) {
            o->shard = argv[++i];
        } else if (run && !strcmp(a, "--start-at") && i + 1 < argc) {
            o->start_at = argv[++i];
        } else if (run && !strcmp(a, "--start-grace") && i + 1 < argc) {
            o->grace = argv[++i];
        } else if (run && !strcmp(a, "--run-id") && i + 1 < argc) {
            o->run_id = argv[++i];
        } else if (run && !strcmp(a, "--metrics-push") && i + 1 < argc) {
            o->metrics_push = argv[++i];
        } else if (run && !strcmp(a, "--metrics-listen") && i + 1 < argc) {
            o->metrics_listen = argv[++i];
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = true;
        } else if (a[0] == '-' || o->file) {
            /* never repeat a secret: a --set value split off by a space is
             * not shown, credential shapes are masked (redact.h) */
            char shown[512];
            redact_text(NULL, a, shown, sizeof shown, REDACT_ONE_LINE);
            if (o->n_sets && argv[i - 1] == o->sets[o->n_sets - 1] && !strchr(argv[i - 1], '='))
                fprintf(stderr,
                        "gatecap: unexpected argument after --set %s (not shown); write --set "
                        "KEY=VALUE as one argument\nusage: %s\n",
                        argv[i - 1], usage);
            else
                fprintf(stderr, "gatecap: unexpected argument '%s'\nusage: %s\n", shown, usage);
            return -1;
        } else {
            o->file = a;
        }
    }
    if (!o->file) {
        fprintf(stderr, "gatecap: no scenario file given\nusage: %s\n", usage);
        return -1;
    }
    return 0;
}

static struct scenario *load(const struct run_opts *o)
{
    struct scenario *scn = NULL;
    char err[2048];
    if (scenario_load(o->file, o->sets, o->n_sets, &scn, err, sizeof err)) {
        fprintf(stderr, "gatecap: %s\n", err);
        return NULL;
    }
    if (xfer_check_support(scn, err, sizeof err)) {
        fprintf(stderr, "gatecap: %s: %s\n", o->file, err);
        scenario_free(scn);
        return NULL;
    }
    return scn;
}

int cmd_validate(int argc, char **argv)
{
    struct run_opts o;
    int prc = parse_opts(argc, argv, &o, false);
    if (prc)
        return prc > 0 ? 0 : EXIT_INPUT;
    struct scenario *scn = load(&o);
    if (!scn)
        return EXIT_INPUT;
    char extra[96] = "";
    if (scn->auth.type == SCN_AUTH_OAUTH2 || scn->n_feeders)
        snprintf(extra, sizeof extra, ", %zu application(s), %zu feeder(s)", scn->auth.n_apps,
                 scn->n_feeders);
    printf("%s: valid — %zu target(s), %zu request(s), %zu phase(s), %.0f s, %s model, %d "
           "worker(s)%s%s\n",
           o.file, scn->n_targets, scn->n_requests, scn->n_phases, scenario_duration_s(scn),
           scn->workloads_explicit  ? "per-workload"
           : scn->model == SCN_OPEN ? "open"
                                    : "closed",
           scn->workers, extra,
           scn->tls.insecure ? "; WARNING: TLS verification is OFF (tls.insecure)" : "");
    scenario_free(scn);
    return 0;
}

/* ---- a shard of a distributed run ---- */

struct dist {
    struct shard_id id;
    bool has_start;
    struct engine_start start;
    char start_at[40]; /* RFC 3339 UTC */
    char host[256];
};

static const char *env_var(const char *name, const void *ctx)
{
    (void)ctx;
    return getenv(name);
}

/* Which shard this is, cut scn to it, and the start time. Returns 0, or -1
 * after printing why (an input error). */
static int distribute(const struct run_opts *o, struct scenario *scn, struct dist *d)
{
    char err[1024];
    memset(d, 0, sizeof *d);
    if (shard_identify(o->shard, o->run_id, env_var, NULL, &d->id, err, sizeof err)) {
        fprintf(stderr, "gatecap: %s\n", err);
        return -1;
    }
    if (d->id.note[0])
        fprintf(stderr, "gatecap: note: %s\n", d->id.note);
    if (d->id.count > 1 && scenario_shard(scn, d->id.index, d->id.count, err, sizeof err)) {
        fprintf(stderr, "gatecap: %s: %s\n", o->file, err);
        return -1;
    }
    if (o->grace && !o->start_at) {
        fprintf(stderr, "gatecap: --start-grace needs --start-at\n");
        return -1;
    }
    if (o->start_at) {
        if (wallclock_parse(o->start_at, &d->start.at_epoch_s, d->start_at, sizeof d->start_at, err,
                            sizeof err)) {
            fprintf(stderr, "gatecap: --start-at %s\n", err);
            return -1;
        }
        double grace_ms = 1000;
        const char *why;
        if (o->grace && units_duration_ms(o->grace, &grace_ms, &why)) {
            fprintf(stderr, "gatecap: --start-grace %s: %s\n", o->grace, why);
            return -1;
        }
        d->start.grace_s = grace_ms / 1e3;
        d->has_start = true;
    }
    /* The shards of one run share an id; merge checks it. Given a start
     * time, the time and the scenario make one. */
    if (!d->id.run_id[0] && d->has_start)
        snprintf(d->id.run_id, sizeof d->id.run_id, "start-%s-%.12s", d->start_at,
                 scn->digest + strlen("sha256:"));
    if (!d->id.run_id[0] && d->id.count > 1) {
        fprintf(stderr,
                "gatecap: shard %d of %d needs a run id that every shard shares, so that "
                "gatecap merge can tell this run's shards from another's: give --start-at TIME "
                "(the same in every shard; docs/distributed.md) or --run-id ID\n",
                d->id.index, d->id.count);
        return -1;
    }
    if (gethostname(d->host, sizeof d->host - 1))
        snprintf(d->host, sizeof d->host, "?");
    return 0;
}

/* ---- progress ---- */

struct run_ctx {
    const struct scenario *scn;
    const struct run_opts *opts;
    bool tty;
    bool told_stop;                 /* the stop request was acknowledged on stderr */
    struct metrics_export *metrics; /* live series (docs/metrics.md), or NULL */
    struct metrics_ident ident;
    int64_t metrics_ms;  /* the last snapshot's time */
    int64_t metrics_oom; /* snapshots not built for want of memory */
};

/* Progress lines go to stderr, the summary to stdout; neither decides the
 * run's fate. Once stderr fails (a closed pipe: EPIPE; a terminal gone
 * with the ssh session: EIO) progress stops; the run goes on. */
static bool stderr_ok(void)
{
    return !ferror(stderr);
}

/* Characters of the longest phase name (or "drain"): the name column's
 * width. Names are padded to it, never cut. */
static int name_width(const struct scenario *scn)
{
    size_t w = strlen("drain");
    for (size_t i = 0; i < scn->n_phases; i++) {
        size_t n = 0; /* characters, not bytes */
        for (const unsigned char *c = (const unsigned char *)scn->phases[i].name; *c; c++)
            n += (*c & 0xC0) != 0x80;
        w = n > w ? n : w;
    }
    return w < 64 ? (int)w : 64;
}

/* One line per interval:
 *   [  12s/60s] steady  offered 400/s achieved 399/s  p50 0.31ms p99 1.20ms  err 4 (1.0%) thr 0
 * The load is the open model's offered rate or the closed model's users;
 * the drain has none ("no new arrivals"); a warm-up (record: false) keeps
 * no records, so it shows neither latency nor answers. With node_header,
 * the nodes that answered in the interval. */
static void print_progress(struct run_ctx *rc, const struct engine_result *r,
                           const struct engine_interval *iv)
{
    const struct scenario *scn = rc->scn;
    const struct scn_phase *ph = &scn->phases[iv->phase];
    /* workloads side by side: several phases at once, one line for all
     * (their arrivals, or closed users' sends, offered per second) */
    bool all = scn->workloads_explicit;
    char load[48], line[768];
    if (iv->drain)
        snprintf(load, sizeof load, "%-17s", "(no new arrivals)");
    else if (all || scn->model == SCN_OPEN)
        snprintf(load, sizeof load, "offered %7.0f/s", iv->offered_rps);
    else
        snprintf(load, sizeof load, "users %-11d", ph->users);
    int n = snprintf(line, sizeof line, "[%5.*fs/%.0fs] %-*s %s", scn->interval_s < 1 ? 1 : 0,
                     r->elapsed_s, scenario_duration_s(scn), name_width(scn),
                     iv->drain ? "drain"
                     : all     ? "all"
                               : ph->name,
                     load);
    if (n > 0 && (size_t)n < sizeof line && !iv->drain && !all && !ph->record) {
        n += snprintf(line + n, sizeof line - (size_t)n, " warm-up (not recorded)");
    } else if (n > 0 && (size_t)n < sizeof line) {
        char p50[16] = "-", p99[16] = "-", err[48]; /* nothing answered */
        if (iv->all.completed) {
            run_summary_fmt_ms(p50, sizeof p50, iv->all.p50_us);
            run_summary_fmt_ms(p99, sizeof p99, iv->all.p99_us);
        }
        if (iv->all.errors)
            snprintf(err, sizeof err, "%lld (%.1f%%)", (long long)iv->all.errors,
                     100.0 * (double)iv->all.errors / (double)iv->all.completed);
        else
            snprintf(err, sizeof err, "0");
        n += snprintf(line + n, sizeof line - (size_t)n,
                      " achieved %7.0f/s  p50 %-8s p99 %-8s err %-14s thr %-5lld", iv->achieved_rps,
                      p50, p99, err, (long long)iv->all.outcomes[OC_429]);
    }
    if (n > 0 && (size_t)n < sizeof line && scn->node_header && (iv->drain || all || ph->record)) {
        size_t answered = 0;
        for (size_t i = 0; i < iv->n_nodes; i++)
            answered += iv->nodes[i].completed > 0;
        n += snprintf(line + n, sizeof line - (size_t)n, " nodes %zu", answered);
    }
    if (n > 0 && (size_t)n < sizeof line && (iv->health.late || iv->health.bound_waits))
        n += snprintf(line + n, sizeof line - (size_t)n, " LATE %lld (bound %lld)",
                      (long long)iv->health.late, (long long)iv->health.bound_waits);
    if (n > 0 && (size_t)n < sizeof line && iv->health.local_failures)
        snprintf(line + n, sizeof line - (size_t)n, " LOCAL FAILURES %lld",
                 (long long)iv->health.local_failures);
    if (rc->tty)
        fprintf(stderr, "\r\033[K%s", line);
    else
        fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

/* ---- the run ---- */

/* session_hooks.interval: progress, and the first word on a stop request. */
static void on_interval(void *user, const struct engine_result *r, const struct engine_interval *iv)
{
    struct run_ctx *rc = user;
    if (rc->metrics) { /* stamped on the interval grid: the end of iv */
        struct metrics_snap *snap;
        int64_t ms = (int64_t)((r->start_epoch_s + iv->start_s + iv->length_s) * 1e3);
        if (ms <= rc->metrics_ms)
            ms = rc->metrics_ms + 1;
        if (metrics_snap_build(rc->scn, &rc->ident, r, iv, ms, rc->scn->metrics.native_histograms,
                               &snap)) {
            rc->metrics_oom++;
        } else {
            rc->metrics_ms = ms;
            metrics_export_offer(rc->metrics, snap);
        }
    }
    if (!rc->opts->quiet && stderr_ok())
        print_progress(rc, r, iv);
    if (r->interrupted && !rc->told_stop) {
        rc->told_stop = true;
        if (stderr_ok())
            fprintf(stderr,
                    "%sgatecap: %s: stopping: no new arrivals; waiting for the %lld request(s) "
                    "in flight (another signal abandons them); the results will be written "
                    "whole\n",
                    rc->tty && !rc->opts->quiet ? "\n" : "", r->signal,
                    (long long)iv->health.inflight);
    }
}

/* session_hooks.notice: a failed step (unless quiet), a stop (a gate's
 * always: it decides the exit code). */
static void on_notice(void *user, enum session_notice kind, const char *text)
{
    struct run_ctx *rc = user;
    bool nl = rc->tty && !rc->opts->quiet;
    if (kind == SESSION_STEP_FAILED) {
        if (!rc->opts->quiet && stderr_ok())
            fprintf(stderr, "%sgatecap: %s\n", rc->tty ? "\n" : "", text);
    } else if (kind == SESSION_STOP_STEPS) {
        if (!rc->opts->quiet && stderr_ok())
            fprintf(stderr, "gatecap: stopping: %s\n", text);
    } else if (stderr_ok()) {
        fprintf(stderr, "%sgatecap: stopping: %s\n", nl ? "\n" : "", text);
    }
}

static char *join_path(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return NULL;
    return p;
}

/* Writes text to stdout. Returns 0, or the errno of a failed write; EPIPE
 * (nobody reads any more, e.g. `| head`) counts as written. */
static int emit_stdout(const char *text, size_t len)
{
    errno = 0;
    if (fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0)
        return 0;
    int e = errno ? errno : EIO;
    clearerr(stdout);
    return e == EPIPE ? 0 : e;
}

/* The folder of path (".": none), into buf. */
static void dir_of(const char *path, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, n, ".");
    else if (slash == path)
        snprintf(buf, n, "/");
    else
        snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

struct outputs {
    struct fs_outset set;
    char *results, *hlog, *md, *html; /* final paths */
    FILE *results_f, *hlog_f, *md_f, *html_f, *junit_f;
    struct fs_made made, junit_made; /* folders made for them */
    bool kept;                       /* the files were written */
};

/* Removes what was not written; a run that wrote nothing (a failed node
 * check or token fetch, a full disk) leaves no folder it made either. */
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

/* Opens every output file's temporary file before anything is sent: a
 * folder that cannot be made or written is an input error found now, not
 * after the run. Returns 0, or -1 after printing why. */
static int outputs_open(struct outputs *o, const char *outdir, const char *junit)
{
    memset(o, 0, sizeof *o);
    if (!outdir[0]) {
        fprintf(stderr, "gatecap: the output folder is empty; give one with -o DIR\n");
        return -1;
    }
    if (fs_mkdirs_track(outdir, &o->made)) {
        fprintf(stderr, "gatecap: cannot create output folder '%s': %s; choose another with -o\n",
                outdir, strerror(errno));
        return -1;
    }
    if (!(o->results = join_path(outdir, "results.json")) ||
        !(o->hlog = join_path(outdir, "run.hlog")) || !(o->md = join_path(outdir, "report.md")) ||
        !(o->html = join_path(outdir, "report.html"))) {
        fprintf(stderr, "gatecap: out of memory\n");
        return -1;
    }
    if (!(o->results_f = fs_outset_add(&o->set, o->results)) ||
        !(o->hlog_f = fs_outset_add(&o->set, o->hlog)) ||
        !(o->md_f = fs_outset_add(&o->set, o->md)) ||
        !(o->html_f = fs_outset_add(&o->set, o->html))) {
        fprintf(stderr,
                "gatecap: cannot write in the output folder '%s': %s; choose another "
                "with -o\n",
                outdir, strerror(errno));
        return -1;
    }
    if (junit) {
        char dir[4096];
        dir_of(junit, dir, sizeof dir);
        if (!junit[0] || fs_mkdirs_track(dir, &o->junit_made) ||
            !(o->junit_f = fs_outset_add(&o->set, junit))) {
            fprintf(stderr,
                    "gatecap: cannot write the JUnit file '%s': %s; choose another with "
                    "--junit\n",
                    junit, junit[0] ? strerror(errno) : "empty path");
            return -1;
        }
    }
    return 0;
}

/* Writes every output into its temporary file, then renames them all, or
 * none when any failed. Returns true when all were written. */
/* results.json's metrics_export member: what reached the receivers. */
static json_t *metrics_json(const struct scenario *scn, const struct metrics_export_stats *m,
                            int64_t not_built)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (scn->metrics.push) {
        json_t *p = json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:s?}", "offered", (json_int_t)m->offered,
                              "pushed", (json_int_t)m->pushed, "failed", (json_int_t)m->failed,
                              "dropped", (json_int_t)(m->dropped + not_built), "bytes",
                              (json_int_t)m->bytes, "final_pushed", m->final_pushed, "last_error",
                              m->last_error[0] ? m->last_error : NULL);
        if (!p || json_object_set_new(o, "push", p)) {
            json_decref(o);
            return NULL;
        }
    }
    if (scn->metrics.listen) {
        json_t *p = json_pack("{s:s,s:I,s:b}", "listen", scn->metrics.listen, "scrapes",
                              (json_int_t)m->scrapes, "final_scraped", m->final_scraped);
        if (!p || json_object_set_new(o, "scrape", p)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static bool outputs_write(struct outputs *o, const struct run_ctx *rc, const struct session *ses,
                          const struct dist *d, const struct metrics_export_stats *ms)
{
    const struct scenario *scn = rc->scn;
    const struct engine_result *r = ses->result;
    const struct gate_verdict *v = ses->verdicts;
    size_t n_v = ses->n_verdicts;
    char err[1024];
    json_t *doc = results_build(scn, r);
    const struct results_shard_id sh = {.index = d->id.index,
                                        .count = d->id.count,
                                        .source = shard_source_name(d->id.source),
                                        .run_id = d->id.run_id,
                                        .digest = scn->digest,
                                        .start_at = d->has_start ? d->start_at : NULL,
                                        .start_at_epoch_s = d->start.at_epoch_s,
                                        .host = d->host};
    if (!doc || !ses->gates_ok || results_add_shard(doc, &sh, r) ||
        results_add_gates(doc, scn, v, n_v, ses->stop_reason[0] ? ses->stop_reason : NULL) ||
        (ms &&
         json_object_set_new(doc, "metrics_export", metrics_json(scn, ms, rc->metrics_oom))) ||
        results_fprint(doc, o->results_f)) {
        fprintf(stderr, "gatecap: cannot write %s: %s\n", o->results,
                strerror(errno ? errno : ENOMEM));
        json_decref(doc);
        return false;
    }
    json_decref(doc);
    if (ses->hlog_failed) {
        fprintf(stderr, "gatecap: cannot write %s: %s\n", o->hlog, strerror(errno ? errno : EIO));
        return false;
    }
    if (o->junit_f && junit_run_fprint(o->junit_f, scn, r, v, n_v, err, sizeof err)) {
        fprintf(stderr, "gatecap: %s: %s\n", rc->opts->junit, err);
        return false;
    }
    /* The reports are made from results.json alone, as `gatecap report`
     * would make them later. */
    if (report_render(fs_outset_tmp(&o->set, o->results), NULL, o->md_f, o->html_f, err,
                      sizeof err)) {
        fprintf(stderr, "gatecap: the report could not be written: %s\n", err);
        return false;
    }
    char bad[4096];
    if (fs_outset_commit(&o->set, bad, sizeof bad)) {
        fprintf(stderr, "gatecap: cannot write %s: %s; no output of this run was kept\n", bad,
                strerror(errno));
        return false;
    }
    return true;
}

int cmd_run(int argc, char **argv)
{
    /* First of all: from here on no signal can end gatecap half-way
     * (sigguard.h); every stop request is read by the run. */
    struct sigguard sig;
    if (sigguard_start(&sig)) {
        fprintf(stderr, "gatecap: cannot set up signal handling: %s\n", strerror(errno));
        return EXIT_RUN;
    }
    struct run_opts o;
    int prc = parse_opts(argc, argv, &o, true);
    if (prc)
        return prc > 0 ? 0 : EXIT_INPUT;
    struct scenario *scn = load(&o);
    if (!scn)
        return EXIT_INPUT;
    struct dist dist;
    if (distribute(&o, scn, &dist)) {
        scenario_free(scn);
        return EXIT_INPUT;
    }
    char why[1024];
    if (fdbudget_check(scn, why, sizeof why)) { /* before anything is sent */
        fprintf(stderr, "gatecap: %s: %s\n", o.file, why);
        scenario_free(scn);
        return EXIT_INPUT;
    }
    const char *outdir = o.outdir ? o.outdir : scn->output_dir;
    struct outputs out;
    struct run_ctx rc = {.scn = scn, .opts = &o, .tty = isatty(STDERR_FILENO)};
    struct session ses = {0};
    struct redact *rd = NULL;
    struct metrics_export_stats mstats = {0};
    int code = EXIT_RUN;
    if (outputs_open(&out, outdir, o.junit)) {
        code = EXIT_INPUT;
        goto out;
    }
    if (scn->tls.insecure)
        fprintf(stderr, "gatecap: WARNING: TLS certificate verification is OFF (tls.insecure: "
                        "true); results are flagged\n");
    /* Targets, not nodes: behind a target with node_header (a load
     * balancer) the nodes are known only once they answer (the progress
     * lines count them; the summary lists them). */
    if (!o.quiet) {
        fprintf(stderr, "gatecap: %s — %zu target(s)%s%s, %.0f s, %s model, %d worker(s)\n",
                scn->name, scn->n_targets, scn->node_header ? ", nodes named by " : "",
                scn->node_header ? scn->node_header : "", scenario_duration_s(scn),
                scn->workloads_explicit  ? "per-workload"
                : scn->model == SCN_OPEN ? "open"
                                         : "closed",
                scn->workers);
        if (dist.id.count > 1 || dist.has_start)
            fprintf(stderr, "gatecap: shard %d of %d (%s), run %s%s%s\n", dist.id.index,
                    dist.id.count, shard_source_name(dist.id.source),
                    dist.id.run_id[0] ? dist.id.run_id : "-",
                    dist.has_start ? ", starting at " : "", dist.has_start ? dist.start_at : "");
    }

    char err[1024];
    /* live series (docs/metrics.md): the options over the scenario's keys */
    if (o.metrics_push) {
        free(scn->metrics.push);
        scn->metrics.push = strdup(o.metrics_push);
    }
    if (o.metrics_listen) {
        free(scn->metrics.listen);
        scn->metrics.listen = strdup(o.metrics_listen);
    }
    if ((o.metrics_push && !scn->metrics.push) || (o.metrics_listen && !scn->metrics.listen)) {
        fprintf(stderr, "gatecap: out of memory\n");
        goto out;
    }
    if (o.metrics_push && strncmp(o.metrics_push, "http://", 7) &&
        strncmp(o.metrics_push, "https://", 8)) {
        fprintf(stderr, "gatecap: --metrics-push needs the receiver's http or https URL, e.g. "
                        "http://prometheus:9090/api/v1/write\n");
        code = EXIT_INPUT;
        goto out;
    }
    if (scn->metrics.push || scn->metrics.listen) {
        if (redact_new(scn, &rd)) {
            fprintf(stderr, "gatecap: out of memory\n");
            goto out;
        }
        const struct metrics_export_conf mc = {.push_url = scn->metrics.push,
                                               .listen = scn->metrics.listen,
                                               .bearer_token = scn->metrics.bearer_token,
                                               .scn = scn,
                                               .redact = rd,
                                               .timeout_s = scn->metrics.timeout_s,
                                               .queue = (size_t)scn->metrics.queue,
                                               .linger_s = scn->metrics.linger_s};
        if (metrics_export_start(&mc, &rc.metrics, err, sizeof err)) {
            char shown[1024];
            redact_text(rd, err, shown, sizeof shown, REDACT_ONE_LINE);
            fprintf(stderr, "gatecap: metrics: %s\n", shown);
            code = EXIT_INPUT;
            goto out;
        }
        rc.ident = (struct metrics_ident){
            .run_id = dist.id.run_id, .scenario = scn->name, .shard = dist.id.index};
    }
    const struct session_hooks hooks = {.interval = on_interval, .notice = on_notice, .ctx = &rc};
    int rc_engine = session_run(&ses, scn, dist.has_start ? &dist.start : NULL, out.hlog_f, &hooks,
                                &sig, err, sizeof err);
    if (rc.tty && !o.quiet && stderr_ok())
        fprintf(stderr, "\n");
    if (rc_engine != ENGINE_OK) {
        fprintf(stderr, "gatecap: %s\n", err);
        code = EXIT_RUN;
        goto out;
    }
    /* Requests to stop from here on wait: the writing always finishes. */
    const struct engine_result *r = ses.result;
    if (rc.metrics) { /* the final sample, then the threads stop (bounded) */
        struct metrics_snap *snap = NULL;
        int64_t ms = (int64_t)((r->start_epoch_s + r->elapsed_s) * 1e3);
        if (ms <= rc.metrics_ms)
            ms = rc.metrics_ms + 1;
        if (metrics_snap_build(scn, &rc.ident, r, NULL, ms, scn->metrics.native_histograms, &snap))
            rc.metrics_oom++;
        metrics_export_finish(rc.metrics, snap);
        metrics_export_stats(rc.metrics, &mstats);
    }
    bool wrote = outputs_write(&out, &rc, &ses, &dist, rc.metrics ? &mstats : NULL);
    out.kept = wrote;

    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int failed = 0;
    if (mem) {
        run_summary_print(mem, "run", scn, r, outdir, wrote, o.junit);
        if (rc.metrics && scn->metrics.push)
            fprintf(
                mem,
                "metrics: %lld of %lld interval samples pushed (%lld failed, %lld dropped)%s%s\n",
                (long long)mstats.pushed, (long long)(mstats.offered + rc.metrics_oom),
                (long long)mstats.failed, (long long)(mstats.dropped + rc.metrics_oom),
                mstats.last_error[0] ? "; last failure: " : "", mstats.last_error);
        if (rc.metrics && scn->metrics.listen)
            fprintf(mem, "metrics: scrape endpoint %s served %lld scrape(s)%s\n",
                    scn->metrics.listen, (long long)mstats.scrapes,
                    mstats.final_scraped ? ", the final sample among them"
                                         : "; the final sample was not read");
        failed = run_summary_gates(mem, scn, ses.verdicts, ses.n_verdicts);
        if (ses.stop_reason[0])
            fprintf(mem, "STOPPED EARLY: %s\n", ses.stop_reason);
        fclose(mem);
    }
    int out_err = text ? emit_stdout(text, len) : ENOMEM;
    free(text);
    if (out_err)
        fprintf(stderr, "gatecap: the summary could not be written to standard output: %s\n",
                strerror(out_err));
    if (sigguard_take(&sig) && !r->interrupted)
        fprintf(stderr,
                "gatecap: %s arrived after the load ended; the results were written "
                "whole\n",
                sigguard_name(sig.last));
    /* A shard's gates and health are the merge's to judge, over all
     * shards: it ran and wrote its results, which is all it can say. */
    bool shard = dist.id.count > 1;
    if (shard && wrote && !out_err && !r->interrupted && (failed || r->generator_limited))
        fprintf(stderr,
                "gatecap: shard %d of %d: %s%s%s recorded; gatecap merge judges the run over all "
                "shards\n",
                dist.id.index, dist.id.count, failed ? "failed gates" : "",
                failed && r->generator_limited ? " and " : "",
                r->generator_limited ? "this generator's limits" : "");
    if (r->interrupted)
        code = EXIT_INTERRUPTED;
    else if (!wrote || out_err || (r->generator_limited && !shard))
        code = EXIT_RUN;
    else if ((failed || ses.stopped_by_gate) && !shard)
        code = EXIT_GATE;
    else
        code = 0;
out:
    metrics_export_free(rc.metrics);
    redact_free(rd);
    session_free(&ses);
    outputs_free(&out);
    scenario_free(scn);
    return code;
}
