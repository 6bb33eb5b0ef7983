/*
 * cmd_search.c — `gatecap search`: the adaptive capacity search. Each
 * probe is a short run of the scenario at one constant rate (after an
 * unrecorded warm-up at the same rate), judged against the SLO; the next
 * rate comes from search.c (doubling until a probe fails, then
 * bisection). Every probe's results.json is kept, and search.json is
 * rewritten after every probe, so an interrupted search loses nothing.
 */
#include <errno.h>
#include <math.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/search.h"
#include "base/fsutil.h"
#include "base/sigguard.h"
#include "base/units.h"
#include "cli/cmd.h"
#include "measure/judge.h"
#include "net/xfer.h"
#include "output/judge_results.h"
#include "output/results.h"
#include "output/results_read.h"
#include "run/engine.h"
#include "run/fdbudget.h"
#include "run/session.h"
#include "scenario/gate.h"
#include "scenario/redact.h"
#include "scenario/scenario.h"

#define MAX_SETS 64
#define MAX_SLO 16

static const char usage[] =
    "gatecap search SCENARIO.yaml --slo 'p99 < 250ms, errors < 0.1%, achieved >= 99%'\n"
    "       [--from 100/s] [--max 100000/s] [--precision 2%] [--probe 30s] [--warmup 10s]\n"
    "       [--max-probes 20] [-o OUTDIR] [--set key=value]... [--quiet]";

struct search_opts {
    const char *file;
    const char *outdir;
    const char *sets[MAX_SETS];
    size_t n_sets;
    struct gate slo[MAX_SLO];
    struct judge_criterion crit[MAX_SLO]; /* the same, as a step's criteria */
    size_t n_slo;
    double from_rps, max_rps, precision, probe_ms, warmup_ms;
    int max_probes;
    bool quiet;
};

/* The value is shown without credential shapes (redact.h): it may be a
 * --set value or a stray secret. */
static int bad_value(const char *opt, const char *val, const char *why)
{
    char o[256], v[512];
    redact_text(NULL, opt, o, sizeof o, REDACT_ONE_LINE);
    redact_text(NULL, val, v, sizeof v, REDACT_ONE_LINE);
    fprintf(stderr, "gatecap search: %s '%s': %s\nusage: %s\n", o, v, why, usage);
    return -1;
}

/* "p99 < 250ms, errors < 0.1%" into o->slo. */
static int parse_slo(const char *val, struct search_opts *o)
{
    char *copy = strdup(val), *save = NULL;
    int rc = 0;
    if (!copy)
        return -1;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        char why[256];
        struct gate *g = &o->slo[o->n_slo];
        if (o->n_slo == MAX_SLO) {
            rc = bad_value("--slo", val, "at most 16 expressions");
            break;
        }
        if (gate_parse(tok, &g->expr, why, sizeof why) ||
            gate_judge_criterion(&g->expr, &o->crit[o->n_slo], why, sizeof why)) {
            rc = bad_value("--slo", tok, why);
            break;
        }
        while (*tok == ' ')
            tok++;
        if (!(g->text = strdup(tok)))
            rc = -1;
        g->scope = GATE_PHASE;
        o->n_slo++;
    }
    free(copy);
    return rc;
}

/* Returns 0, -1 after printing the problem, or 1 after -h / --help. */
static int parse_opts(int argc, char **argv, struct search_opts *o)
{
    *o = (struct search_opts){.from_rps = 100,
                              .max_rps = 100000,
                              .precision = 0.02,
                              .probe_ms = 30000,
                              .warmup_ms = 10000,
                              .max_probes = 20};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL, *why = NULL;
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = true;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: %s\n"
                   "  Finds the highest arrival rate the scenario's gateways sustain within the\n"
                   "  SLO: probes at doubling rates, then bisection (docs/search.md).\n"
                   "  --slo EXPRS       what a probe must meet (required)\n"
                   "  --from, --max R   the first rate and the highest tried\n"
                   "  --precision P     stop when the bracket is this narrow\n"
                   "  --probe D         each probe's recorded duration, after --warmup D\n"
                   "  --max-probes N    at most N probes\n"
                   "  -o, --output DIR  output folder (default results/search)\n"
                   "  --set KEY=VALUE   override a scenario field (repeatable)\n"
                   "  -q, --quiet       no progress lines\n"
                   "  -h, --help        this text\n",
                   usage);
            return 1;
        }
        if (a[0] != '-') {
            if (o->file && o->n_sets && argv[i - 1] == o->sets[o->n_sets - 1] &&
                !strchr(argv[i - 1], '='))
                return bad_value("argument after --set", argv[i - 1],
                                 "not shown; write --set KEY=VALUE as one argument");
            if (o->file)
                return bad_value("argument", a, "one scenario file only");
            o->file = a;
            continue;
        }
        if (!val)
            return bad_value(a, "", "needs a value");
        i++;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!val[0]) /* would put the probes' folders under / */
                return bad_value(a, val, "needs a folder, not an empty value");
            o->outdir = val;
        } else if (!strcmp(a, "--set")) {
            if (o->n_sets == MAX_SETS)
                return bad_value(a, val, "at most 64 --set options");
            o->sets[o->n_sets++] = val;
        } else if (!strcmp(a, "--slo")) {
            if (parse_slo(val, o))
                return -1;
        } else if (!strcmp(a, "--from") || !strcmp(a, "--max")) {
            double *dst = a[2] == 'f' ? &o->from_rps : &o->max_rps;
            if (units_rate_per_s(val, dst, &why) || !(*dst > 0))
                return bad_value(a, val, why ? why : "a rate above 0, e.g. 100/s");
        } else if (!strcmp(a, "--precision")) {
            if (units_fraction(val, &o->precision, &why) || !(o->precision > 0) ||
                !(o->precision < 1))
                return bad_value(a, val, why ? why : "a share between 0 and 100%, e.g. 2%");
        } else if (!strcmp(a, "--probe") || !strcmp(a, "--warmup")) {
            double *dst = a[2] == 'p' ? &o->probe_ms : &o->warmup_ms;
            if (units_duration_ms(val, dst, &why))
                return bad_value(a, val, why);
            if (a[2] == 'p' && !(*dst >= 1000))
                return bad_value(a, val, "a probe lasts at least 1s (3 intervals or more)");
        } else if (!strcmp(a, "--max-probes")) {
            long long n;
            if (units_integer(val, 1, 1000, &n, &why))
                return bad_value(a, val, why);
            o->max_probes = (int)n;
        } else {
            return bad_value("option", a, "unknown");
        }
    }
    if (!o->file)
        return bad_value("scenario", "", "no scenario file given");
    if (!o->n_slo)
        return bad_value("--slo", "",
                         "missing; e.g. --slo 'p99 < 250ms, errors < 0.1%, "
                         "achieved >= 99%'");
    if (o->max_rps < o->from_rps)
        return bad_value("--max", "", "must not be below --from");
    return 0;
}

/* The scenario as written (with --set) must load and be an open model
 * before any probe is sent. */
static int check_scenario(const struct search_opts *o)
{
    char err[4096];
    struct scenario *scn = NULL;
    if (scenario_load(o->file, o->sets, o->n_sets, &scn, err, sizeof err)) {
        fprintf(stderr, "gatecap: %s\n", err);
        return -1;
    }
    int rc = 0;
    if (scn->workloads_explicit) {
        fprintf(stderr,
                "gatecap search: %s has workloads: side by side; the search sets one load's "
                "arrival rate, so give it a scenario without workloads:\n",
                o->file);
        rc = -1;
    } else if (scn->model != SCN_OPEN) {
        fprintf(stderr,
                "gatecap search: %s is a closed-model scenario; the search sets arrival "
                "rates, so it needs load.model: open\n",
                o->file);
        rc = -1;
    } else if (fdbudget_check(scn, err, sizeof err)) { /* the probes' bound is the scenario's */
        fprintf(stderr, "gatecap: %s: %s\n", o->file, err);
        rc = -1;
    }
    scenario_free(scn);
    return rc;
}

/* The scenario with its phases replaced by [warm-up,] probe at rate_rps
 * and no gates (they name the scenario's own phases). */
static struct scenario *probe_scenario(const struct search_opts *o, double rate_rps)
{
    char phases[512];
    const char *ov[MAX_SETS + 2];
    char err[4096];
    size_t n = 0;
    for (size_t i = 0; i < o->n_sets; i++)
        ov[n++] = o->sets[i];
    int len = snprintf(phases, sizeof phases, "load.phases=[");
    if (o->warmup_ms > 0)
        len += snprintf(phases + len, sizeof phases - (size_t)len,
                        "{name: warmup, duration: %.0fms, rate: %.6g/s, record: false}, ",
                        o->warmup_ms, rate_rps);
    snprintf(phases + len, sizeof phases - (size_t)len,
             "{name: probe, duration: %.0fms, rate: %.6g/s}]", o->probe_ms, rate_rps);
    ov[n++] = phases;
    ov[n++] = "gates=[]";
    struct scenario *scn = NULL;
    if (scenario_load(o->file, ov, n, &scn, err, sizeof err)) {
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

static json_t *search_doc(const struct search_opts *o, const struct search *s, const char *status,
                          json_t *probes)
{
    json_t *slo = json_array();
    for (size_t i = 0; i < o->n_slo; i++)
        json_array_append_new(slo, json_string(o->slo[i].text));
    return json_pack("{s:s,s:i,s:s,s:o,s:f,s:f,s:f,s:f,s:f,s:i,s:s,s:o,s:o,s:O}", "format",
                     "gatecap-search", "version", 1, "scenario", o->file, "slo", slo, "from_rps",
                     o->from_rps, "max_rps", o->max_rps, "precision_pct", 100 * o->precision,
                     "probe_s", o->probe_ms / 1e3, "warmup_s", o->warmup_ms / 1e3, "max_probes",
                     o->max_probes, "status", status, "capacity_rps",
                     s->good_rps > 0 ? json_real(s->good_rps) : json_null(), "failing_rps",
                     s->bad_rps > 0 ? json_real(s->bad_rps) : json_null(), "probes", probes);
}

/* Runs one probe; writes its results.json; judges it. Returns 0 with
 * *met set, or an exit code (EXIT_RUN, EXIT_INTERRUPTED, EXIT_INPUT). */
static int run_probe(const struct search_opts *o, struct sigguard *sig, int k, double rate,
                     const char *outdir, json_t *probes, bool *met)
{
    struct scenario *scn = probe_scenario(o, rate);
    if (!scn)
        return EXIT_INPUT;
    char dir[4096], path[4200], err[1024];
    snprintf(dir, sizeof dir, "%s/probe-%02d", outdir, k);
    snprintf(path, sizeof path, "%s/results.json", dir);
    struct session ses = {0};
    int code = 0;
    if (fs_mkdirs(dir)) {
        fprintf(stderr, "gatecap: cannot create '%s': %s\n", dir, strerror(errno));
        scenario_free(scn);
        return EXIT_INPUT;
    }
    /* run as `gatecap run` runs it, without its interval log */
    if (session_run(&ses, scn, NULL, NULL, NULL, sig, err, sizeof err) != ENGINE_OK) {
        fprintf(stderr, "gatecap: probe %d at %.6g/s: %s\n", k, rate, err);
        session_free(&ses);
        scenario_free(scn);
        return EXIT_RUN;
    }
    const struct engine_result *r = ses.result;
    json_t *doc = results_build(scn, r);
    if (!doc || !ses.gates_ok ||
        results_add_gates(doc, scn, ses.verdicts, ses.n_verdicts,
                          ses.stop_reason[0] ? ses.stop_reason : NULL) ||
        results_write(doc, path)) {
        fprintf(stderr, "gatecap: cannot write %s\n", path);
        code = EXIT_RUN;
    }
    json_decref(doc);

    /* Judged as `gatecap plan` judges it: from the results just written,
     * read back (judge.h), so that the two can never disagree. */
    const char *phase = scn->phases[scn->n_phases - 1].name;
    struct judge_verdict v = {0};
    struct results *res = NULL;
    struct judge_interval *iv = NULL;
    if (!code && results_read(path, RESULTS_HISTS_NONE, &res, err, sizeof err) != RESULTS_OK) {
        fprintf(stderr, "gatecap: cannot read back %s\n", err);
        code = EXIT_RUN;
    }
    size_t p = res ? results_phase_index(res, phase) : RESULTS_NO_PHASE;
    if (p != RESULTS_NO_PHASE) {
        struct judge_step js;
        size_t n = judge_from_results(res, p, &js, NULL, 0);
        iv = calloc(n ? n : 1, sizeof *iv);
        if (iv) {
            judge_from_results(res, p, &js, iv, n);
            judge_step(&js, o->crit, o->n_slo, &v);
        }
    }
    json_t *measured = json_object();
    char line[1024];
    int len = snprintf(line, sizeof line, "probe %2d: %9.6g/s ", k, rate);
    for (size_t i = 0; i < o->n_slo; i++) {
        char val[32] = "no data";
        if (isfinite(v.value[i]))
            gate_format(&o->slo[i].expr, v.value[i], val, sizeof val);
        json_object_set_new(measured, o->slo[i].text,
                            isfinite(v.value[i]) ? json_real(v.value[i]) : json_null());
        if (len > 0 && (size_t)len < sizeof line)
            len += snprintf(line + len, sizeof line - (size_t)len, " %s: %s%s", o->slo[i].text, val,
                            v.failed[i] ? " (fails)" : "");
    }
    *met = v.measured && v.valid && v.good;
    bool judged = v.measured && v.valid;
    const char *verdict = r->interrupted ? "interrupted"
                          : !judged      ? "not judged"
                          : *met         ? "meets the SLO"
                                         : "fails the SLO";
    if (!o->quiet || !judged || r->interrupted)
        fprintf(stderr, "%s → %s%s%s\n", line, verdict, judged ? "" : ": ", judged ? "" : v.why);
    char label[96];
    snprintf(label, sizeof label, "probe-%02d/%s", k, phase);
    json_array_append_new(
        probes, json_pack("{s:i,s:s,s:f,s:s,s:o,s:o,s:s,s:f,s:o}", "probe", k, "step", label,
                          "rate_rps", rate, "verdict",
                          r->interrupted ? "interrupted"
                          : !judged      ? "not-judged"
                          : *met         ? "pass"
                                         : "fail",
                          "measured", measured, "achieved_pct",
                          isfinite(v.achieved_pct) ? json_real(v.achieved_pct) : json_null(),
                          "results", path + strlen(outdir) + 1, "late_pct", r->late_pct, "why",
                          judged ? json_null() : json_string(v.why)));
    if (r->interrupted) {
        code = EXIT_INTERRUPTED;
    } else if (!judged && !code) {
        fprintf(stderr,
                "gatecap: probe %d at %.6g/s cannot be judged (%s): gatecap's own shortfall could "
                "have decided it, so the search stops here. Give gatecap more CPU (load.workers, "
                "a bigger machine) or search a smaller cluster\n",
                k, rate, v.why);
        code = EXIT_RUN;
    }
    free(iv);
    results_free(res);
    session_free(&ses);
    scenario_free(scn);
    return code;
}

int cmd_search(int argc, char **argv)
{
    /* no signal ends a search half-way: see sigguard.h */
    struct sigguard sig;
    if (sigguard_start(&sig)) {
        fprintf(stderr, "gatecap: cannot set up signal handling: %s\n", strerror(errno));
        return EXIT_RUN;
    }
    struct search_opts o = {0};
    struct search s;
    int code = EXIT_INPUT;
    json_t *probes = json_array();
    int prc = probes ? parse_opts(argc, argv, &o) : -1;
    if (prc > 0)
        code = 0; /* --help */
    if (prc || check_scenario(&o) ||
        search_init(&s, o.from_rps, o.max_rps, o.precision, o.max_probes))
        goto out;
    const char *outdir = o.outdir ? o.outdir : "results/search";
    char spath[4200];
    snprintf(spath, sizeof spath, "%s/search.json", outdir);
    if (fs_mkdirs(outdir)) {
        fprintf(stderr, "gatecap: cannot create output folder '%s': %s; choose another with -o\n",
                outdir, strerror(errno));
        goto out;
    }
    const char *status = NULL;
    for (double rate; (rate = search_next(&s)) > 0;) {
        bool met = false;
        code = run_probe(&o, &sig, s.probes + 1, rate, outdir, probes, &met);
        if (code) {
            status = code == EXIT_INTERRUPTED ? "interrupted"
                     : code == EXIT_INPUT     ? "input-error"
                                              : "stopped";
            break;
        }
        search_record(&s, rate, met);
        json_t *doc = search_doc(&o, &s, search_end_name(search_end(&s)), probes);
        if (!doc || results_write(doc, spath))
            fprintf(stderr, "gatecap: cannot write %s: %s\n", spath, strerror(errno));
        json_decref(doc);
    }
    if (status) {
        json_t *doc = search_doc(&o, &s, status, probes);
        if (!doc || results_write(doc, spath))
            fprintf(stderr, "gatecap: cannot write %s: %s\n", spath, strerror(errno));
        json_decref(doc);
        goto out;
    }
    enum search_end end = search_end(&s);
    printf("\ngatecap search: %s — SLO:", o.file);
    for (size_t i = 0; i < o.n_slo; i++)
        printf("%s %s", i ? "," : "", o.slo[i].text);
    printf("; %d probe(s)\n", s.probes);
    switch (end) {
    case SEARCH_FOUND:
        printf("sustainable: %.6g/s meets the SLO, %.6g/s does not (within %.3g%%)\n", s.good_rps,
               s.bad_rps, 100 * o.precision);
        break;
    case SEARCH_AT_LEAST:
        printf("sustainable: at least %.6g/s (the --max rate met the SLO); raise --max to "
               "measure more\n",
               s.good_rps);
        break;
    case SEARCH_BELOW:
        printf("not sustainable at any probed rate: even %.6g/s fails the SLO; lower --from\n",
               s.bad_rps);
        break;
    default:
        printf("the probe budget (--max-probes %d) ran out: %s%.6g/s meets the SLO%s%.6g/s "
               "does not\n",
               o.max_probes, s.good_rps > 0 ? "" : "no rate ", s.good_rps,
               s.bad_rps > 0 ? ", " : "; no failing rate: ", s.bad_rps);
        break;
    }
    printf("search: %s (every probe's results.json beside it)\n", spath);
    code = end == SEARCH_BELOW ? EXIT_GATE : 0;
out:
    for (size_t i = 0; i < o.n_slo; i++)
        free(o.slo[i].text);
    json_decref(probes);
    return code;
}
