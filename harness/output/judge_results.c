/*
 * judge_results.c — a phase of a results.json document as a step to
 * judge; see judge_results.h.
 */
#include "output/judge_results.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "measure/judge.h"

/* A number member; NaN when absent or not a number. */
static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static double num0(const json_t *o, const char *key)
{
    double x = num(o, key);
    return isfinite(x) ? x : 0;
}

size_t judge_from_results(const void *root_, const char *phase, struct judge_step *s,
                          struct judge_interval *iv, size_t cap)
{
    const json_t *root = root_;
    const json_t *scn = json_object_get(root, "scenario");
    const json_t *gen = json_object_get(root, "generator");
    memset(s, 0, sizeof *s);
    s->interval_s = num(scn, "interval_s");
    if (!(s->interval_s > 0))
        s->interval_s = 1;
    s->late_tolerance_pct = num(gen, "late_tolerance_pct");
    if (!isfinite(s->late_tolerance_pct))
        s->late_tolerance_pct = 1;
    const json_t *env = json_object_get(root, "environment");
    s->cpu_ceiling_pct = judge_cpu_ceiling(num(env, "workers"), num(env, "cores"));
    size_t i;
    const json_t *ph;
    json_array_foreach(json_object_get(json_object_get(scn, "load"), "phases"), i, ph)
    {
        const char *name = json_string_value(json_object_get(ph, "name"));
        if (name && !strcmp(name, phase))
            s->offered_rps = num(ph, "rate_start_per_s");
    }
    /* the phase's intervals; their health sums when by_phase is absent */
    size_t k = 0;
    struct judge_health sum = {0};
    const json_t *o;
    json_array_foreach(json_object_get(root, "intervals"), i, o)
    {
        const char *name = json_string_value(json_object_get(o, "phase"));
        if (!name || strcmp(name, phase) != 0)
            continue;
        const json_t *all = json_object_get(o, "all");
        if (k < cap)
            iv[k] = (struct judge_interval){
                .length_s = num(o, "length_s"),
                .scheduled = num0(o, "scheduled"),
                .completed = num0(all, "completed"),
                .errors = num0(all, "errors"),
                .p50_ms = num(all, "p50_ms"),
                .p90_ms = num(all, "p90_ms"),
                .p99_ms = num(all, "p99_ms"),
                .cpu_pct = num(o, "cpu_pct"),
            };
        k++;
        sum.scheduled += num0(o, "scheduled");
        sum.started += num0(o, "started");
        sum.late += num0(o, "late");
        sum.bound_waits += num0(o, "bound_waits");
        sum.queue_drops += num0(o, "queue_drops");
        sum.local_failures += num0(o, "local_failures");
        if (num0(o, "max_lag_ms") > sum.max_lag_ms)
            sum.max_lag_ms = num0(o, "max_lag_ms");
    }
    s->iv = iv;
    s->n_iv = k < cap ? k : cap;
    const json_t *cell =
        json_object_get(json_object_get(json_object_get(root, "totals"), "by_phase"), phase);
    s->completed = num0(cell, "count");
    s->errors = num0(cell, "errors");
    const json_t *lat = json_object_get(cell, "latency_ms");
    static const char *const keys[4] = {"p50", "p90", "p99", "p99.9"};
    for (int q = 0; q < 4; q++)
        s->latency_ms[q] = num(lat, keys[q]);
    const json_t *h = json_object_get(json_object_get(gen, "by_phase"), phase);
    if (json_is_object(h)) {
        s->gen = (struct judge_health){
            .scheduled = num0(h, "scheduled"),
            .started = num0(h, "started"),
            .late = num0(h, "late"),
            .bound_waits = num0(h, "bound_waits"),
            .queue_drops = num0(h, "queue_drops"),
            .local_failures = num0(h, "local_failures"),
            .abandoned = num0(h, "abandoned"),
            .max_lag_ms = num0(h, "max_lag_ms"),
        };
    } else {
        sum.abandoned = NAN;
        s->gen = sum;
    }
    return k;
}
