/*
 * run_summary_flows.c — the flows and checks in the summary `gatecap run`
 * and `gatecap merge` print (run_summary.h): per flow its instances and
 * the completed ones' durations; per check name its passes and failures,
 * with an example of a failing answer (redacted by the engine).
 */
#include <stdio.h>

#include "cli/run_summary.h"
#include "measure/recorder_flow.h"
#include "run/engine.h"
#include "scenario/scenario.h"

static double ms(int64_t us)
{
    return (double)us / 1000.0;
}

void run_summary_flows(FILE *out, const struct scenario *scn, const struct engine_result *r)
{
    if (scn->n_flows && r->total->flows) {
        fprintf(out, "\nper flow (duration = last answer − the arrival's intended start)\n");
        fprintf(out, "  %-24s %9s %9s %9s %9s %9s %9s %9s\n", "", "started", "completed", "failed",
                "p50", "p90", "p99", "max");
        for (size_t f = 0; f < scn->n_flows; f++) {
            struct rec_flow *c = rec_flow_new(r->total, f);
            if (!c)
                continue;
            rec_flow_sum(r->total, f, NULL, NULL, c);
            fprintf(out, "  %-24.24s %9lld %9lld %9lld %7.1fms %7.1fms %7.1fms %7.1fms\n",
                    scn->flows[f].name, (long long)c->started, (long long)c->completed,
                    (long long)c->failed, ms(hdr_value_at_percentile(c->duration, 50)),
                    ms(hdr_value_at_percentile(c->duration, 90)),
                    ms(hdr_value_at_percentile(c->duration, 99)), ms(hdr_max(c->duration)));
            const struct scn_flow *fl = &scn->flows[f];
            for (size_t k = 0; k < fl->n_steps; k++)
                if (c->failed_by_step[k])
                    fprintf(out, "    failed at %s: %lld\n",
                            scn->requests[fl->first_request + k].name,
                            (long long)c->failed_by_step[k]);
            for (size_t k = 0; k < scn->n_check_names; k++)
                if (c->failed_by_check[k])
                    fprintf(out, "    failed by check %s: %lld\n", scn->check_names[k],
                            (long long)c->failed_by_check[k]);
            if (c->local)
                fprintf(out, "    ended by gatecap's own failures (not the gateway's): %lld\n",
                        (long long)c->local);
            rec_flow_free(c);
        }
    }
    const struct rec_flows *fs = r->total->flows;
    if (!scn->n_check_names || !fs)
        return;
    fprintf(out, "\nchecks\n");
    for (size_t k = 0; k < scn->n_check_names && k < fs->n_checks; k++) {
        const struct rec_check *c = &fs->checks[k];
        int64_t n = c->passed + c->failed;
        fprintf(out, "  %-40s %9lld passed %9lld failed", scn->check_names[k], (long long)c->passed,
                (long long)c->failed);
        if (n)
            fprintf(out, " (%.2f%% passed)", 100.0 * (double)c->passed / (double)n);
        fprintf(out, "\n");
        if (c->failed && c->example[0])
            fprintf(out, "    e.g.: %s\n", c->example);
    }
}
