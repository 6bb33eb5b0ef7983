/*
 * judge_results.c — a phase of a results.json as a step to judge; see
 * judge_results.h.
 */
#include "output/judge_results.h"

#include <math.h>
#include <string.h>

#include "measure/judge.h"
#include "output/results_read.h"

static double or0(double x)
{
    return isfinite(x) ? x : 0;
}

size_t judge_from_results(const struct results *r, size_t phase, struct judge_step *s,
                          struct judge_interval *iv, size_t cap)
{
    const struct results_phase *ph = &r->phases[phase];
    memset(s, 0, sizeof *s);
    s->interval_s = r->interval_s;
    s->late_tolerance_pct = isfinite(r->late_tolerance_pct) ? r->late_tolerance_pct : 1;
    s->cpu_ceiling_pct = judge_cpu_ceiling(r->workers, r->cores);
    s->offered_rps = ph->rate_start;
    /* the phase's intervals; their health sums when by_phase is absent */
    size_t k = 0;
    struct judge_health sum = {0};
    for (size_t i = 0; i < r->n_intervals; i++) {
        const struct results_interval *o = &r->intervals[i];
        if (o->phase != phase)
            continue;
        if (k < cap)
            iv[k] = (struct judge_interval){
                .length_s = o->length_s,
                .scheduled = or0(o->health.scheduled),
                .completed = or0(o->all.completed),
                .errors = or0(o->all.errors),
                .p50_ms = o->all.p50_ms,
                .p90_ms = o->all.p90_ms,
                .p99_ms = o->all.p99_ms,
                .cpu_pct = o->cpu_pct,
            };
        k++;
        sum.scheduled += or0(o->health.scheduled);
        sum.started += or0(o->health.started);
        sum.late += or0(o->health.late);
        sum.bound_waits += or0(o->health.bound_waits);
        sum.queue_drops += or0(o->health.queue_drops);
        sum.local_failures += or0(o->health.local_failures);
        if (or0(o->health.max_lag_ms) > sum.max_lag_ms)
            sum.max_lag_ms = or0(o->health.max_lag_ms);
    }
    s->iv = iv;
    s->n_iv = k < cap ? k : cap;
    const struct results_cell *cell = ph->total;
    if (cell) {
        s->completed = or0(cell->count);
        s->errors = or0(cell->errors);
        s->latency_ms[0] = cell->latency.p50;
        s->latency_ms[1] = cell->latency.p90;
        s->latency_ms[2] = cell->latency.p99;
        s->latency_ms[3] = cell->latency.p999;
    } else {
        for (int q = 0; q < 4; q++)
            s->latency_ms[q] = NAN;
    }
    if (ph->has_health) {
        const struct results_health *h = &ph->health;
        s->gen = (struct judge_health){
            .scheduled = or0(h->scheduled),
            .started = or0(h->started),
            .late = or0(h->late),
            .bound_waits = or0(h->bound_waits),
            .queue_drops = or0(h->queue_drops),
            .local_failures = or0(h->local_failures),
            .abandoned = or0(h->abandoned),
            .max_lag_ms = or0(h->max_lag_ms),
        };
    } else {
        sum.abandoned = NAN;
        s->gen = sum;
    }
    return k;
}
