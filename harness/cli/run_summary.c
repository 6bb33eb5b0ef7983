/*
 * run_summary.c — the summary `gatecap run` prints at its end and
 * `gatecap merge` prints for a merged run (run_summary.h): per phase,
 * request and node, the credentials, what was not delivered, the
 * generator's health, the output files and the gates. The flows and
 * checks are run_summary_flows.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/run_summary.h"
#include "measure/hdr.h"
#include "measure/recorder.h"
#include "net/auth.h"
#include "output/results.h"
#include "run/engine.h"
#include "run/fdbudget.h"
#include "run/gate_eval.h"
#include "scenario/gate.h"
#include "scenario/scenario.h"

void run_summary_fmt_ms(char *buf, size_t n, int64_t us)
{
    if (us >= 10000000)
        snprintf(buf, n, "%.1fs", (double)us / 1e6);
    else if (us >= 10000)
        snprintf(buf, n, "%.0fms", (double)us / 1e3);
    else
        snprintf(buf, n, "%.2fms", (double)us / 1e3);
}

static void print_cell_row(FILE *out, const char *label, const struct rec_cell *c, double seconds)
{
    int64_t errors = 0;
    for (int i = 0; i < OC_COUNT; i++)
        if (rec_outcome_is_error(i))
            errors += c->outcomes[i];
    char p50[16], p90[16], p99[16], p999[16], mx[16];
    run_summary_fmt_ms(p50, sizeof p50, hdr_value_at_percentile(c->latency, 50));
    run_summary_fmt_ms(p90, sizeof p90, hdr_value_at_percentile(c->latency, 90));
    run_summary_fmt_ms(p99, sizeof p99, hdr_value_at_percentile(c->latency, 99));
    run_summary_fmt_ms(p999, sizeof p999, hdr_value_at_percentile(c->latency, 99.9));
    run_summary_fmt_ms(mx, sizeof mx, hdr_max(c->latency));
    fprintf(out, "  %-24.24s %9lld %9.1f %8s %8s %8s %8s %8s %7.2f%% %7.2f%%\n", label,
            (long long)c->completed, seconds > 0 ? (double)c->completed / seconds : 0.0, p50, p90,
            p99, p999, mx, c->completed ? 100.0 * (double)errors / (double)c->completed : 0.0,
            c->completed ? 100.0 * (double)c->outcomes[OC_429] / (double)c->completed : 0.0);
    if (errors || c->outcomes[OC_429] || c->unexpected || c->retried) {
        fprintf(out, "  %-24s", "");
        for (int i = 0; i < OC_COUNT; i++)
            if (c->outcomes[i] && i != OC_2XX)
                fprintf(out, " %s=%lld", rec_outcome_name(i), (long long)c->outcomes[i]);
        if (c->unexpected)
            fprintf(out, " unexpected-status=%lld", (long long)c->unexpected);
        if (c->retried)
            fprintf(out, " re-sent-after-reset=%lld", (long long)c->retried);
        for (int k = 0; c->outcomes[OC_429] && k < REC_THROTTLE_KINDS; k++)
            if (c->throttled_by[k])
                fprintf(out, " throttled:%s=%lld", rec_throttle_name(k),
                        (long long)c->throttled_by[k]);
        if (c->retry_after)
            fprintf(out, " retry-after<=%llds(x%lld)", (long long)c->retry_after_max_s,
                    (long long)c->retry_after);
        for (int k = 0; k < REC_FAULT_KINDS; k++)
            if (c->faults_by[k])
                fprintf(out, " fault:%s=%lld", rec_fault_name(k), (long long)c->faults_by[k]);
        fprintf(out, "\n");
    }
}

/* Most applications shown in the summary (all are in results.json). */
#define SUMMARY_MAX_APPS 20

static int64_t app_trouble(const struct rec_app *a)
{
    int64_t n = 0;
    for (int k = 0; k < OC_COUNT; k++)
        if (k != OC_2XX && k != OC_3XX)
            n += a->outcomes[k];
    return n;
}

/* Per application, and the token endpoint's own line; the applications
 * with the most non-2xx answers first when there are many. */
static void print_auth(FILE *out, const struct scenario *scn, const struct engine_result *r)
{
    static const char *const binds[] = {"round robin", "random", "sticky"};
    const struct auth_stats *st = auth_pool_stats(r->auth);
    const struct rec_set *tot = r->total;
    size_t n = st->n_apps < tot->n_apps ? st->n_apps : tot->n_apps;
    size_t *order = calloc(n ? n : 1, sizeof *order);
    if (!order)
        return;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (n > SUMMARY_MAX_APPS) /* selection of the most troubled, stable */
        for (size_t i = 0; i < SUMMARY_MAX_APPS; i++)
            for (size_t j = i + 1; j < n; j++)
                if (app_trouble(&tot->apps[order[j]]) > app_trouble(&tot->apps[order[i]])) {
                    size_t t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
    fprintf(out, "\nper application (%zu, %s)\n  %-24s %9s %8s %8s %8s %9s %9s %7s\n", n,
            binds[scn->auth.bind], "", "requests", "errors", "unauth", "throttl", "mean", "max",
            "tokens");
    for (size_t k = 0; k < n && k < SUMMARY_MAX_APPS; k++) {
        size_t i = order[k];
        const struct rec_app *a = &tot->apps[i];
        int64_t errors = 0;
        for (int c = 0; c < OC_COUNT; c++)
            if (rec_outcome_is_error(c))
                errors += a->outcomes[c];
        char mean[16], mx[16];
        run_summary_fmt_ms(mean, sizeof mean,
                           a->latency_count ? a->latency_sum_us / a->latency_count : 0);
        run_summary_fmt_ms(mx, sizeof mx, a->latency_max_us);
        fprintf(out, "  %-24.24s %9lld %8lld %8lld %8lld %9s %9s %7lld\n", scn->auth.apps[i].name,
                (long long)a->completed, (long long)errors, (long long)a->outcomes[OC_401],
                (long long)a->outcomes[OC_429], mean, mx, (long long)st->apps[i].fetched);
    }
    if (n > SUMMARY_MAX_APPS)
        fprintf(out, "  ... %zu more in results.json (auth.applications)\n", n - SUMMARY_MAX_APPS);
    char p50[16], p99[16], mx[16];
    run_summary_fmt_ms(p50, sizeof p50, hdr_value_at_percentile(st->latency, 50));
    run_summary_fmt_ms(p99, sizeof p99, hdr_value_at_percentile(st->latency, 99));
    run_summary_fmt_ms(mx, sizeof mx, hdr_max(st->latency));
    fprintf(out,
            "token endpoint %s: %lld requests (%lld before the run, %lld ahead of expiry, %lld "
            "after a 401, %lld retries), %lld failed; p50 %s, p99 %s, max %s\n",
            scn->auth.token_url, (long long)st->requests, (long long)st->by_reason[AUTH_INITIAL],
            (long long)st->by_reason[AUTH_AHEAD], (long long)st->by_reason[AUTH_AFTER_401],
            (long long)st->by_reason[AUTH_RETRY], (long long)st->failed, p50, p99, mx);
    for (size_t i = 0; i < n; i++) {
        const struct rec_app *a = &tot->apps[i];
        if (a->rejected_fresh)
            fprintf(out,
                    "AUTH FAILURE: application %s: the gateway answered 401 to %lld request(s) "
                    "carrying a token fetched after an earlier 401; it rejects this "
                    "application's credentials or subscription\n",
                    scn->auth.apps[i].name, (long long)a->rejected_fresh);
        if (st->apps[i].last_error[0])
            fprintf(out, "TOKEN FAILURE: application %s: its last token request failed: %s\n",
                    scn->auth.apps[i].name, st->apps[i].last_error);
    }
    free(order);
}

enum group { BY_REQUEST, BY_NODE, BY_PHASE, BY_WORKLOAD };

static bool of_workload(const struct scenario *scn, size_t p, const void *arg)
{
    return scn->phases[p].workload == *(const size_t *)arg;
}

/* "open", "closed", or "3 workloads" with `workloads:` (models may differ). */
static const char *model_words(const struct scenario *scn, char *buf, size_t len)
{
    if (scn->workloads_explicit) {
        snprintf(buf, len, "%zu workloads", scn->n_workloads);
        return buf;
    }
    return scn->model == SCN_OPEN ? "open model" : "closed model";
}

/* One table row per request, node or phase; seconds is the recorded time
 * (a phase's row uses that phase's own time). */
static void print_group(FILE *out, const char *title, const struct scenario *scn,
                        const struct engine_result *r, double seconds, enum group g)
{
    size_t count = g == BY_REQUEST    ? scn->n_requests
                   : g == BY_NODE     ? r->n_nodes
                   : g == BY_WORKLOAD ? scn->n_workloads
                                      : scn->n_phases;
    fprintf(out, "\n%s\n  %-24s %9s %9s %8s %8s %8s %8s %8s %8s %8s\n", title, "", "requests",
            "req/s", "p50", "p90", "p99", "p99.9", "max", "errors", "throttl");
    for (size_t i = 0; i < count; i++) {
        struct rec_cell *sum = rec_cell_new();
        if (!sum)
            return;
        double s = g == BY_PHASE ? engine_phase_ran_s(scn, r, i) : seconds;
        const char *name;
        if (g == BY_WORKLOAD) {
            const struct scn_workload *wl = &scn->workloads[i];
            for (size_t q = wl->first_request; q < wl->first_request + wl->n_requests; q++)
                rec_set_sum(r->total, r->n_nodes, SIZE_MAX, q, SIZE_MAX, sum);
            name = wl->name;
            s = engine_span_s(scn, r, of_workload, &i);
        } else {
            rec_set_sum(r->total, r->n_nodes, g == BY_PHASE ? i : SIZE_MAX,
                        g == BY_REQUEST ? i : SIZE_MAX, g == BY_NODE ? i : SIZE_MAX, sum);
            name = g == BY_REQUEST ? scn->requests[i].name
                   : g == BY_NODE  ? r->node_names[i]
                                   : scn->phases[i].name;
            if (g == BY_REQUEST && scn->workloads_explicit) /* over its workload's time */
                s = engine_span_s(scn, r, of_workload, &scn->requests[i].workload);
        }
        if (sum->completed)
            print_cell_row(out, name, sum, s);
        rec_cell_free(sum);
    }
}

/* The phases gatecap did not deliver as scheduled (engine.h), each with
 * what held it back, and the one piece of advice that fits: the in-flight
 * bound when arrivals waited for it, gatecap's CPU when its threads were
 * near their ceiling, new connections when most requests opened one, else
 * the machine (gatecap had CPU to spare: other processes held it up).
 * Local failures have their own line. */
static void print_undelivered(FILE *out, const struct scenario *scn, const struct engine_result *r)
{
    if (scn->model != SCN_OPEN)
        return;
    int64_t waits = 0, conns = 0, done = 0;
    double cpu = 0, cpu_n = 0;
    bool any = false;
    for (size_t p = 0; p < scn->n_phases; p++) {
        const struct rec_health *h = &r->total->by_phase[p];
        if (!scn->phases[p].record || !engine_phase_undelivered(scn, r, p) || h->local_failures > 0)
            continue;
        if (!any)
            fprintf(out, "GENERATOR-LIMITED: gatecap did not deliver every phase as scheduled "
                         "(latency still counts from the intended start):\n");
        any = true;
        fprintf(out,
                "  %s: %lld of %lld arrivals late (%.2f%%, tolerance %.1f%%), %lld dropped, "
                "max lag %.1f ms\n",
                scn->phases[p].name, (long long)h->late, (long long)h->scheduled,
                h->scheduled ? 100.0 * (double)h->late / (double)h->scheduled : 0.0,
                scn->late_tolerance_pct, (long long)h->queue_drops, results_ms(h->max_lag_us));
        waits += h->bound_waits;
        struct rec_cell *c = rec_cell_new();
        if (c) {
            rec_set_sum(r->total, r->n_nodes, p, SIZE_MAX, SIZE_MAX, c);
            conns += c->new_connections;
            done += c->completed;
            rec_cell_free(c);
        }
        for (size_t i = 0; i < r->n_intervals; i++)
            if (r->intervals[i].phase == p && !r->intervals[i].drain) {
                cpu += r->intervals[i].cpu_pct;
                cpu_n++;
            }
    }
    if (!any)
        return;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double ceiling = 100.0 * (r->workers < cores || cores < 1 ? r->workers : cores);
    double mean_cpu = cpu_n ? cpu / cpu_n : 0;
    if (waits > 0)
        fprintf(out,
                "  %lld arrivals waited for the in-flight bound (load.max_inflight %d): "
                "raise it, or lower the rate\n",
                (long long)waits, scn->max_inflight);
    else if (mean_cpu >= 0.9 * ceiling)
        fprintf(out,
                "  gatecap used %.0f%% CPU of the %.0f%% its %d worker thread(s) can use: "
                "give it more (load.workers up to the cores, a bigger machine) or lower the "
                "rate\n",
                mean_cpu, ceiling, r->workers);
    else if (done > 0 && conns * 2 > done)
        fprintf(out,
                "  %lld of %lld requests opened a new connection (TLS handshakes cost "
                "CPU): keep connections alive (tls.connections) or lower the rate\n",
                (long long)conns, (long long)done);
    else
        fprintf(out,
                "  gatecap used %.0f%% CPU of the %.0f%% its threads can use: the delays "
                "came from elsewhere (other processes competing for this machine's cores); "
                "run it where it has the cores to itself\n",
                mean_cpu, ceiling);
    fprintf(out, "  The results show what was sent; `gatecap plan` judges each step on its "
                 "own.\n");
}

void run_summary_print(FILE *out, const char *cmd, const struct scenario *scn,
                       const struct engine_result *r, const char *outdir, bool wrote,
                       const char *junit)
{
    double seconds = engine_recorded_s(scn, r, SIZE_MAX);
    char words[64];
    fprintf(out, "\ngatecap %s: %s — %s, %.1f s, %d worker(s), status: %s\n", cmd, scn->name,
            model_words(scn, words, sizeof words), r->elapsed_s, r->workers,
            r->interrupted         ? "INTERRUPTED"
            : r->generator_limited ? "GENERATOR-LIMITED"
            : r->stopped_early     ? "STOPPED EARLY"
                                   : "complete");
    fprintf(out, "latency = %s\n",
            scn->workloads_explicit  ? "completion − intended start in open-model workloads, "
                                       "service time in closed-model ones"
            : scn->model == SCN_OPEN ? "completion − intended start (no coordinated omission)"
                                     : "service time (closed model; not corrected for coordinated "
                                       "omission)");
    if (scn->tls.insecure)
        fprintf(out, "WARNING: TLS certificate verification was OFF (tls.insecure: true)\n");
    if (scn->workloads_explicit)
        print_group(out, "per workload", scn, r, seconds, BY_WORKLOAD);
    if (scn->n_phases > 1)
        print_group(out, "per phase", scn, r, seconds, BY_PHASE);
    print_group(out, "per request", scn, r, seconds, BY_REQUEST);
    print_group(out, "per node", scn, r, seconds, BY_NODE);
    run_summary_flows(out, scn, r);
    if (r->auth)
        print_auth(out, scn, r);
    struct rec_cell *all = rec_cell_new();
    if (all) {
        rec_set_sum(r->total, r->n_nodes, SIZE_MAX, SIZE_MAX, SIZE_MAX, all);
        fprintf(out, "\n");
        print_cell_row(out, "all", all, seconds);
        rec_cell_free(all);
    }
    for (int i = 0; i < OC_COUNT; i++)
        if (r->total->first_error[i][0])
            fprintf(out, "  %s, e.g.: %s\n", rec_outcome_name(i), r->total->first_error[i]);
    fprintf(out,
            "\ngenerator: %lld scheduled, %lld sent, %lld late (%.2f%%, > %.0f ms), %lld waited "
            "for the in-flight bound, %lld dropped, %lld local failures, %lld abandoned, max lag "
            "%.1f ms, CPU %.1f s\n",
            (long long)r->health.scheduled, (long long)r->health.started, (long long)r->health.late,
            r->late_pct, scn->late_threshold_ms, (long long)r->health.bound_waits,
            (long long)r->health.queue_drops, (long long)r->health.local_failures,
            (long long)r->abandoned, results_ms(r->health.max_lag_us),
            r->cpu_user_s + r->cpu_sys_s);
    if (r->health.stream_waits)
        fprintf(out,
                "HTTP/2: %lld requests waited for a stream (every connection they could use was "
                "at its stream limit: http2.max_streams or the server's "
                "SETTINGS_MAX_CONCURRENT_STREAMS, with http2.connections open); the wait is "
                "in their latency\n",
                (long long)r->health.stream_waits);
    if (r->health.local_failures) {
        char advice[1024];
        fdbudget_advice(r->health.local_failures, r->total->local_error, advice, sizeof advice);
        fprintf(out, "GENERATOR-LIMITED: %s.\n", advice);
    }
    print_undelivered(out, scn, r);
    if (r->signal[0])
        fprintf(out, "interrupted by %s%s\n", r->signal,
                r->health.scheduled ? "" : " before the load started: nothing was sent");
    if (!wrote) {
        fprintf(out, "no output files were written (see the message above); the summary above "
                     "is all there is of this run\n");
        return;
    }
    fprintf(out,
            "results: %s/results.json\nhlog:    %s/run.hlog\nreport:  %s/report.html, "
            "%s/report.md\n",
            outdir, outdir, outdir, outdir);
    if (junit)
        fprintf(out, "junit:   %s\n", junit);
}

int run_summary_gates(FILE *out, const struct scenario *scn, const struct gate_verdict *v, size_t n)
{
    int failed = 0;
    if (!n)
        return 0;
    fprintf(out, "\ngates\n");
    for (size_t i = 0; i < n; i++) {
        const struct gate *g = &scn->gates[v[i].gate];
        char what[160], val[32] = "no data";
        if (v[i].name[0])
            snprintf(what, sizeof what, "%s (%s %s)", g->text, gate_scope_name(g->scope),
                     v[i].name);
        else if (g->scope != GATE_ALL)
            snprintf(what, sizeof what, "%s (%s %s: none)", g->text, gate_scope_name(g->scope),
                     g->scope_name);
        else
            snprintf(what, sizeof what, "%s", g->text);
        if (v[i].outcome != GATE_NO_DATA)
            gate_format(&g->expr, v[i].measured, val, sizeof val);
        fprintf(out, "  %-7s %-48s %s\n",
                v[i].outcome == GATE_PASS   ? "PASS"
                : v[i].outcome == GATE_FAIL ? "FAIL"
                                            : "NO DATA",
                what, val);
        if (v[i].outcome != GATE_PASS)
            failed++;
    }
    fprintf(out, "gates: %zu passed, %d failed\n", n - (size_t)failed, failed);
    return failed;
}

/* The gates as JUnit test cases (one per verdict), plus one case for the
 * generator: a run whose load was not delivered fails it. */
