/*
 * judge_run.c — a step of a live or finished run, as judge.h judges it;
 * see judge_run.h.
 */
#include "run/judge_run.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "measure/hdr.h"
#include "measure/judge.h"
#include "measure/recorder.h"
#include "run/engine.h"
#include "scenario/scenario.h"

static const double pcts[4] = {50, 90, 99, 99.9};

size_t judge_from_run(const struct scenario *scn, const struct engine_result *r, size_t p,
                      struct judge_step *s, struct judge_interval *iv, size_t cap)
{
    memset(s, 0, sizeof *s);
    const struct scn_phase *ph = &scn->phases[p];
    s->offered_rps = ph->rate_start;
    s->interval_s = scn->interval_s;
    s->late_tolerance_pct = scn->late_tolerance_pct;
    s->cpu_ceiling_pct = judge_cpu_ceiling(r->workers, (double)sysconf(_SC_NPROCESSORS_ONLN));
    size_t k = 0;
    /* With workloads side by side, an interval holds several phases at
     * once: phase p's are those starting within its time, judged on its
     * workload's part of them. */
    size_t w = ph->workload;
    double from_s = scenario_phase_start_s(scn, p), to_s = from_s + ph->duration_s;
    for (size_t i = 0; i < r->n_intervals && k < cap; i++) {
        const struct engine_interval *e = &r->intervals[i];
        const struct engine_slice *sl = &e->all;
        double scheduled = (double)e->health.scheduled;
        if (e->n_workloads) {
            if (w >= e->n_workloads || e->start_s < from_s - 1e-9 || e->start_s >= to_s - 1e-9)
                continue;
            sl = &e->workloads[w];
            scheduled = (double)e->workload_scheduled[w];
        } else if (e->phase != p) {
            continue;
        }
        iv[k++] = (struct judge_interval){
            .length_s = e->length_s,
            .scheduled = scheduled,
            .completed = (double)sl->completed,
            .errors = (double)sl->errors,
            .p50_ms = (double)sl->p50_us / 1e3,
            .p90_ms = (double)sl->p90_us / 1e3,
            .p99_ms = (double)sl->p99_us / 1e3,
            .cpu_pct = e->cpu_pct,
        };
    }
    s->iv = iv;
    s->n_iv = k;
    struct rec_cell *sum = rec_cell_new();
    if (sum) {
        rec_set_sum(r->total, r->n_nodes, p, SIZE_MAX, SIZE_MAX, sum);
        s->completed = (double)sum->completed;
        for (int o = 0; o < OC_COUNT; o++)
            if (rec_outcome_is_error((enum rec_outcome)o))
                s->errors += (double)sum->outcomes[o];
        for (int q = 0; q < 4; q++)
            s->latency_ms[q] = (double)hdr_value_at_percentile(sum->latency, pcts[q]) / 1e3;
        rec_cell_free(sum);
    }
    const struct rec_health *h = &r->total->by_phase[p];
    s->gen = (struct judge_health){
        .scheduled = (double)h->scheduled,
        .started = (double)h->started,
        .late = (double)h->late,
        .bound_waits = (double)h->bound_waits,
        .queue_drops = (double)h->queue_drops,
        .local_failures = (double)h->local_failures,
        .abandoned = (double)h->abandoned,
        .max_lag_ms = (double)h->max_lag_us / 1e3,
    };
    return k;
}
