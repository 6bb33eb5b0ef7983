/*
 * cmd_plan.c — `gatecap plan RESULTS.json|POINTS.csv ... [options]`
 *
 * Options into a plan_request, the plan (plan.h) into text: one sentence
 * first, then the capacity and its steps, the what-if table, the
 * sensitivity, the USL fit and every assumption; or plan.json (--json,
 * -o FILE). Bad input is a message and exit 2, never a made-up number.
 * docs/plan.md.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis/plan.h"
#include "base/fsutil.h"
#include "base/units.h"
#include "cli/cmd.h"

struct plan_args {
    struct plan_request rq;
    bool json;
    const char *out;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: gatecap plan RESULTS.json|POINTS.csv ... [options]\n"
               "  demand:  --target-rps R | --avg-rps A --peak-factor F [--growth G]\n"
               "  SLO:     --slo p99=250ms,errors=0.1%%[,achieved=99%%]   (p50, p90, p99, p99.9)\n"
               "           --slo flow.NAME.p99=2s,...   a flow's durations instead of requests'\n"
               "  policy:  --headroom 30%%  --redundancy 1  --min-nodes 2  [--gateways-per-tm 10]\n"
               "           [--km-rps N [--km-share 100%%]]   Key Manager validations/s per node,\n"
               "           and the share of requests that need one (opaque, uncached tokens)\n"
               "  inputs:  --nodes N   nodes that served the measured runs (default: the nodes\n"
               "                       results.json saw; 1 for CSV)\n"
               "  output:  --json (print JSON)  -o plan.json (write JSON too)\n"
               "See docs/plan.md. Exit: 0 plan made, 2 usage or input error.\n");
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gatecap plan: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_INPUT;
}

/* ---- arguments ---- */

static int parse_slo(const char *s, struct plan_request *a)
{
    char copy[256];
    if (strlen(s) >= sizeof copy)
        return bad("--slo '%s': too long", s);
    snprintf(copy, sizeof copy, "%s", s);
    char *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            return bad("--slo: '%s' is not KEY=VALUE (e.g. p99=250ms, errors=0.1%%)", kv);
        *eq = '\0';
        const char *key = kv, *val = eq + 1, *why = NULL;
        double v;
        a->flow[0] = key[0] == 'p' ? '\0' : a->flow[0];
        if (!strncmp(key, "flow.", 5)) {
            /* flow.NAME.pN: the name may hold dots; pN is the last part
             * that reads as one of the four (p99.9 holds a dot) */
            static const char *known[] = {"p99.9", "p50", "p90", "p99"};
            const char *name = key + 5, *pk = NULL;
            size_t len = strlen(name);
            for (size_t i = 0; i < sizeof known / sizeof known[0] && !pk; i++) {
                size_t kl = strlen(known[i]);
                if (len > kl + 1 && name[len - kl - 1] == '.' && !strcmp(name + len - kl, known[i]))
                    pk = known[i];
            }
            size_t nl = pk ? len - strlen(pk) - 1 : 0;
            if (!pk || nl >= sizeof a->flow)
                return bad("--slo: %s: write flow.NAME.pN with pN one of p50, p90, p99, p99.9 "
                           "(e.g. flow.payment.p99=2s)",
                           key);
            if (units_duration_ms(val, &v, &why) != UNITS_OK || !(v > 0))
                return bad("--slo: %s=%s: a duration bound above 0 with a unit, e.g. 2s (%s)", key,
                           val, why ? why : "zero");
            memcpy(a->flow, name, nl);
            a->flow[nl] = '\0';
            snprintf(a->percentile, sizeof a->percentile, "%s", pk);
            a->slo_latency_ms = v;
        } else if (key[0] == 'p') {
            static const char *known[] = {"p50", "p90", "p99", "p99.9"};
            bool ok = false;
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                ok = ok || !strcmp(key, known[i]);
            if (!ok)
                return bad("--slo: %s: gatecap records p50, p90, p99 and p99.9 per step; use "
                           "one of those",
                           key);
            if (units_duration_ms(val, &v, &why) != UNITS_OK || !(v > 0))
                return bad("--slo: %s=%s: a latency bound above 0 with a unit, e.g. 250ms "
                           "(%s)",
                           key, val, why ? why : "zero");
            snprintf(a->percentile, sizeof a->percentile, "%s", key);
            a->slo_latency_ms = v;
        } else if (!strcmp(key, "errors") || !strcmp(key, "achieved")) {
            if (units_fraction(val, &v, &why) != UNITS_OK)
                return bad("--slo: %s=%s: %s", key, val, why);
            if (key[0] == 'e')
                a->slo_error_pct = v * 100;
            else
                a->slo_min_achieved = v;
        } else {
            return bad("--slo: unknown key '%s'; keys are p50/p90/p99/p99.9, flow.NAME.pN, "
                       "errors, achieved",
                       key);
        }
    }
    return 0;
}

static int num_arg(const char *opt, const char *val, double min, double *out)
{
    const char *why = NULL;
    if (units_number(val, out, &why) != UNITS_OK)
        return bad("%s '%s': %s", opt, val, why);
    if (!(*out > min))
        return bad("%s '%s': must be above %g", opt, val, min);
    return 0;
}

static int int_arg(const char *opt, const char *val, long long min, long long max, int *out)
{
    const char *why = NULL;
    long long v;
    if (units_integer(val, min, max, &v, &why) != UNITS_OK)
        return bad("%s '%s': %s (%lld..%lld)", opt, val, why, min, max);
    *out = (int)v;
    return 0;
}

/* Returns 0, EXIT_INPUT (printed), or -1 after --help. */
static int parse_args(int argc, char **argv, struct plan_args *pa)
{
    memset(pa, 0, sizeof *pa);
    struct plan_request *a = &pa->rq;
    plan_request_defaults(a);
    static const char *with_value[] = {"--target-rps",
                                       "--avg-rps",
                                       "--peak-factor",
                                       "--growth",
                                       "--slo",
                                       "--headroom",
                                       "--redundancy",
                                       "--min-nodes",
                                       "--nodes",
                                       "--gateways-per-tm",
                                       "--km-rps",
                                       "--km-share",
                                       "-o"};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        char opt[32] = "";
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
            size_t n = strlen(with_value[k]);
            if (!strncmp(arg, with_value[k], n) && (arg[n] == '\0' || arg[n] == '=')) {
                snprintf(opt, sizeof opt, "%s", with_value[k]);
                if (arg[n] == '=')
                    val = arg + n + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return bad("%s needs a value", opt);
                break;
            }
        }
        int rc = 0;
        const char *why = NULL;
        if (!opt[0]) {
            if (!strcmp(arg, "--json"))
                pa->json = true;
            else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
                usage(stdout);
                return -1;
            } else if (arg[0] == '-' && arg[1] != '\0')
                return bad("unknown option '%s'; see gatecap plan --help", arg);
            else if (a->n_files >= PLAN_MAX_INPUTS)
                return bad("at most %d input files", PLAN_MAX_INPUTS);
            else
                a->files[a->n_files++] = arg;
        } else if (!strcmp(opt, "--target-rps"))
            rc = num_arg(opt, val, 0, &a->target_rps);
        else if (!strcmp(opt, "--avg-rps"))
            rc = num_arg(opt, val, 0, &a->avg_rps);
        else if (!strcmp(opt, "--peak-factor"))
            rc = num_arg(opt, val, 0, &a->peak_factor);
        else if (!strcmp(opt, "--growth"))
            rc = num_arg(opt, val, 0, &a->growth);
        else if (!strcmp(opt, "--slo"))
            rc = parse_slo(val, a);
        else if (!strcmp(opt, "--headroom")) {
            if (units_fraction(val, &a->policy.headroom, &why) != UNITS_OK)
                rc = bad("--headroom '%s': %s", val, why);
            else if (a->policy.headroom >= 1)
                rc = bad("--headroom '%s': must be below 100 %%", val);
        } else if (!strcmp(opt, "--redundancy"))
            rc = int_arg(opt, val, 0, 1000, &a->policy.redundancy);
        else if (!strcmp(opt, "--min-nodes"))
            rc = int_arg(opt, val, 1, CAPACITY_MAX_NODES, &a->policy.min_nodes);
        else if (!strcmp(opt, "--nodes"))
            rc = int_arg(opt, val, 1, CAPACITY_MAX_NODES, &a->nodes);
        else if (!strcmp(opt, "--gateways-per-tm"))
            rc = int_arg(opt, val, 1, CAPACITY_MAX_NODES, &a->policy.gateways_per_tm);
        else if (!strcmp(opt, "--km-rps"))
            rc = num_arg(opt, val, 0, &a->policy.km_rps);
        else if (!strcmp(opt, "--km-share")) {
            if (units_fraction(val, &a->policy.km_share, &why) != UNITS_OK)
                rc = bad("--km-share '%s': %s", val, why);
            else if (!(a->policy.km_share > 0))
                rc = bad("--km-share '%s': above 0 %%; leave --km-rps out when no request "
                         "needs the Key Manager",
                         val);
        } else if (!val[0])
            rc = bad("-o needs a file name for plan.json, not an empty value");
        else
            pa->out = val;
        if (rc)
            return rc;
    }
    if (a->n_files == 0) {
        usage(stderr);
        return bad("give at least one results.json or CSV file");
    }
    if (a->policy.km_share != 1 && !(a->policy.km_rps > 0))
        return bad("--km-share is the share of requests the Key Manager validates; give its "
                   "throughput with --km-rps too");
    if (!isnan(a->target_rps) && !isnan(a->avg_rps))
        return bad("--target-rps and --avg-rps exclude each other: give the peak directly, or "
                   "the average with --peak-factor (and --growth)");
    if (isnan(a->avg_rps) && (!isnan(a->peak_factor) || !isnan(a->growth)))
        return bad("--peak-factor and --growth scale --avg-rps; give --avg-rps too");
    if (!isnan(a->avg_rps) && isnan(a->peak_factor))
        return bad("--avg-rps needs --peak-factor (peak-to-average ratio; 1 if the load is "
                   "flat)");
    return 0;
}

/* ---- text ---- */

static const char *step_label(const struct plan *p, size_t i, char *buf, size_t n)
{
    const struct plan_input_step *s = &p->in.steps[i];
    if (p->in.n_sources > 1) {
        const char *base = strrchr(s->file, '/');
        snprintf(buf, n, "%s:%s", base ? base + 1 : s->file, s->name);
    } else {
        snprintf(buf, n, "%s", s->name);
    }
    return buf;
}

static const char *pct(char *buf, size_t n, double frac)
{
    if (!isfinite(frac))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.1f %%", 100 * frac);
    return buf;
}

/* Steps from clusters of several sizes: the knee of each, and the fit. */
static void print_scale_out(const struct plan *p)
{
    char b1[64], b2[64];
    printf("\nScale-out (measured on %d cluster sizes; the capacity above is the smallest's)\n"
           "  %5s %14s %14s\n",
           p->n_groups, "nodes", "cluster req/s", "per node");
    for (int g = 0; g < p->n_groups; g++) {
        const struct plan_group *gr = &p->groups[g];
        if (gr->have_knee)
            printf("  %5d %14s %14s%s\n", gr->nodes, plan_fmt_num(b1, sizeof b1, gr->cluster_rps),
                   plan_fmt_num(b2, sizeof b2, gr->knee.capacity_rps),
                   gr->knee.at_least ? "  (at least: knee not reached)" : "");
        else
            printf("  %5d %14s %14s  no knee: %s\n", gr->nodes, "-", "-", gr->why);
    }
    if (p->have_scale)
        printf("  Fitted (%s): n nodes carry %s·n / (1 + %.4g·(n − 1) + %.4g·n·(n − 1)) req/s; "
               "sizing uses this curve.\n",
               p->scale_two_point ? "two sizes, β = 0" : "USL, least squares",
               plan_fmt_num(b1, sizeof b1, p->scale.gamma), p->scale.alpha, p->scale.beta);
    else
        printf("  Fewer than two sizes have a knee: sizing assumes linear scale-out.\n");
}

static void print_capacity(const struct plan *p, const struct plan_request *a)
{
    char b1[64], b2[64], b3[64], s[64];
    const struct capacity_knee *k = &p->knee;
    printf("Capacity per node at the SLO (%s, errors ≤ %g %%, achieved ≥ %g %% of offered): "
           "%s%s req/s\n",
           plan_slo_text(a, s, sizeof s), a->slo_error_pct, a->slo_min_achieved * 100,
           k->at_least ? "at least " : "", plan_fmt_num(b1, sizeof b1, k->capacity_rps));
    if (k->at_least) {
        printf("  Every valid step met the SLO: the knee was not reached. Measure higher rates "
               "to find it.\n");
    } else {
        int v = k->limited_by;
        char lim[64] = "";
        for (int m = CAPACITY_M_ACHIEVED; m <= CAPACITY_M_ERRORS; m <<= 1)
            if (v & m)
                snprintf(lim + strlen(lim), sizeof lim - strlen(lim), "%s%s", lim[0] ? ", " : "",
                         capacity_metric_name(m));
        printf("  The knee lies between %s (%s req/s per node, good) and %s (%s req/s per "
               "node, fails on %s); interpolated on %s.\n",
               step_label(p, (size_t)k->last_good, b1, sizeof b1),
               plan_fmt_num(b2, sizeof b2, p->steps[k->last_good].offered_rps),
               step_label(p, (size_t)k->first_bad, s, sizeof s),
               plan_fmt_num(b3, sizeof b3, p->steps[k->first_bad].offered_rps), lim,
               capacity_metric_name(k->interpolated_on));
    }
    long ref = k->last_good >= 0 ? k->last_good : k->first_bad;
    int nodes = p->in.steps[ref].nodes;
    bool same = true;
    for (size_t i = 0; i < p->in.n_steps; i++)
        same = same && p->in.steps[i].nodes == nodes;
    if (same && nodes > 1)
        printf("  Measured on %d nodes: the cluster sustained %s%s req/s, divided by the %d "
               "nodes that served (linear: each carries an equal share).\n",
               nodes, k->at_least ? "at least " : "",
               plan_fmt_num(b1, sizeof b1, k->capacity_rps * nodes), nodes);
    else if (!same)
        print_scale_out(p);
}

static void print_steps(FILE *f, const struct plan *p, const struct plan_request *a)
{
    char b[5][64], lbl[96], lat[16];
    snprintf(lat, sizeof lat, "%s ms", a->percentile);
    fprintf(f, "\nSteps (per node)\n  %-26s %10s %10s %9s %9s %8s  %s\n", "step", "offered/s",
            "achieved/s", "achieved", lat, "errors", "verdict");
    for (size_t i = 0; i < p->in.n_steps; i++) {
        const struct plan_input_step *s = &p->in.steps[i];
        int v = 0;
        const char *vd = plan_step_verdict(p, a, i, &v);
        char why[PLAN_INPUT_WHY_LEN + 4] = "";
        for (int m = CAPACITY_M_ACHIEVED; m <= CAPACITY_M_ERRORS; m <<= 1)
            if (v & m)
                snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s", why[0] ? ", " : ": ",
                         capacity_metric_name(m));
        if (!s->valid)
            snprintf(why, sizeof why, ": %s", s->invalid_why);
        snprintf(b[3], sizeof b[3], isfinite(s->error_pct) ? "%.2f %%" : "-", s->error_pct);
        fprintf(f, "  %-26s %10s %10s %9s %9s %8s  %s%s\n", step_label(p, i, lbl, sizeof lbl),
                plan_fmt_num(b[0], sizeof b[0], p->steps[i].offered_rps),
                plan_fmt_num(b[1], sizeof b[1], p->steps[i].achieved_rps),
                pct(b[2], sizeof b[2], s->achieved_rps / s->offered_rps),
                plan_fmt_num(b[4], sizeof b[4], s->latency_ms), b[3], vd, why);
    }
}

static void print_plan(const struct plan *p, const struct plan_request *a)
{
    char b1[64], b2[64], b3[64], b4[64], b5[64];
    double peak = p->peak_rps;
    printf("\nWhat if: peak %s req/s, %s req/s per node at the SLO, %g %% headroom, N+%d, at "
           "least %d node%s\n",
           plan_fmt_num(b1, sizeof b1, peak), plan_fmt_num(b2, sizeof b2, p->knee.capacity_rps),
           a->policy.headroom * 100, a->policy.redundancy, a->policy.min_nodes,
           a->policy.min_nodes == 1 ? "" : "s");
    snprintf(b5, sizeof b5, "after losing %d", a->policy.redundancy);
    printf("  %5s %12s %13s %15s %14s  %s\n", "nodes", "capacity/s", "util at peak", b5,
           "headroom left", "meets policy");
    for (int i = 0; i < p->n_whatif; i++) {
        const struct capacity_whatif *w = &p->whatif[i];
        printf("  %5d %12s %13s %15s %14s  %s%s\n", w->nodes,
               plan_fmt_num(b1, sizeof b1, w->capacity_rps), pct(b2, sizeof b2, w->util_peak),
               pct(b3, sizeof b3, w->util_after_loss), pct(b4, sizeof b4, w->headroom_left),
               w->meets_policy ? "yes" : "no", w->nodes == p->rec.nodes ? "  <- recommended" : "");
    }
    printf("  Binding: %s.", p->rec.binding == CAPACITY_BIND_MIN_NODES ? "the minimum node count"
                             : a->policy.redundancy > 0
                                 ? "the peak at the headroom, plus redundancy"
                                 : "the peak at the headroom");
    if (a->policy.redundancy > 0)
        printf(" With %d lost, %d node%s run at %s of their SLO capacity.", a->policy.redundancy,
               p->rec.nodes - a->policy.redundancy,
               p->rec.nodes - a->policy.redundancy == 1 ? "" : "s",
               pct(b1, sizeof b1, p->rec.util_after_loss));
    if (p->rec.traffic_managers)
        printf(" Traffic Managers needed: %d (one per %d gateways).", p->rec.traffic_managers,
               a->policy.gateways_per_tm);
    if (a->policy.km_rps > 0)
        printf(" Key Manager: %s validations/s at the peak, %d node%s of %s/s%s.",
               plan_fmt_num(b1, sizeof b1, p->rec.km_load_rps), p->rec.km_nodes,
               p->rec.km_nodes == 1 ? "" : "s", plan_fmt_num(b2, sizeof b2, a->policy.km_rps),
               p->rec.km_binds ? " — it binds, not the gateways" : "");
    printf("\n\nSensitivity\n");
    for (int i = 0; i < CAPACITY_SENS_ROWS; i++) {
        const struct capacity_sensitivity *s = &p->sens[i];
        snprintf(b3, sizeof b3, "%s (%s req/s%s)", s->what,
                 plan_fmt_num(b1, sizeof b1, i < 2 ? s->peak_rps : s->per_node_rps),
                 i < 2 ? " peak" : " per node");
        if (s->nodes)
            printf("  %-38s %d node%s\n", b3, s->nodes, s->nodes == 1 ? "" : "s");
        else
            printf("  %-38s out of range\n", b3);
    }
}

static void print_usl(const char *title, const struct usl_fit *f)
{
    char b1[64], b2[64], b3[64];
    printf("  %s: γ = %.6g req/s, α = %.6g, β = %.6g%s\n", title, f->gamma, f->alpha, f->beta,
           f->alpha < 0 || f->beta < 0 ? " (below 0: this method is not bounded)" : "");
    if (f->has_peak)
        printf("    peak at N* = %.4g: X(N*) = %s req/s\n", f->peak_n,
               plan_fmt_num(b1, sizeof b1, f->peak_x));
    else
        printf("    no peak (β = 0): ceiling γ/α = %s req/s\n",
               plan_fmt_num(b1, sizeof b1, f->ceiling_x));
    snprintf(b2, sizeof b2, isfinite(f->r2) ? "%.5f" : "n/a (all X equal)", f->r2);
    snprintf(b3, sizeof b3, isfinite(f->rse) ? "%.4g req/s" : "n/a (3 points)", f->rse);
    printf("    R² = %s, residual standard error = %s, %zu points\n", b2, b3, f->points);
}

static void print_text(const struct plan *p, const struct plan_request *a)
{
    if (p->sentence[0])
        printf("%s\n\n", p->sentence);
    if (p->have_knee) {
        print_capacity(p, a);
        print_steps(stdout, p, a);
    }
    if (p->have_knee && p->have_demand)
        print_plan(p, a);
    if (p->have_usl) {
        printf("%sUSL fit: X(N) = γN / (1 + α(N−1) + βN(N−1)) over %zu concurrency points\n",
               p->have_knee ? "\n" : "", p->in.n_points);
        print_usl("bounded least squares", &p->usl);
        if (p->have_quad)
            print_usl("quadratic method (cross-check)", &p->quad);
        else
            printf("  quadratic method: not applicable (%s)\n", p->quad_why);
    }
    printf("\nAssumptions\n");
    for (int i = 0; i < p->n_assume; i++)
        printf("  - %s\n", p->assume[i]);
}

int cmd_plan(int argc, char **argv)
{
    struct plan_args pa;
    int rc = parse_args(argc, argv, &pa);
    if (rc)
        return rc < 0 ? 0 : rc;
    const struct plan_request *rq = &pa.rq;
    struct plan p;
    char err[800];
    if (plan_build(&p, rq, err, sizeof err) != 0) {
        rc = bad("%s", err);
        if (p.steps && !p.have_knee) /* the knee failed: show why, step by step */
            print_steps(stderr, &p, rq);
        goto out;
    }
    if (pa.json || pa.out) {
        json_t *doc = plan_to_json(&p, rq);
        char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_REAL_PRECISION(10)) : NULL;
        json_decref(doc);
        if (!text) {
            rc = bad("out of memory");
            goto out;
        }
        size_t len = strlen(text);
        text[len] = '\n'; /* replaces the terminator; written with its length */
        if (pa.out && fs_write_atomic(pa.out, text, len + 1) != 0) {
            rc = bad("cannot write %s: %s", pa.out, strerror(errno));
            free(text);
            goto out;
        }
        if (pa.json)
            fwrite(text, 1, len + 1, stdout);
        free(text);
    }
    if (!pa.json)
        print_text(&p, rq);
    if (pa.out && !pa.json)
        printf("\nplan written to %s\n", pa.out);
    rc = 0;
out:
    plan_free(&p);
    return rc;
}
