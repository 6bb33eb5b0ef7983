/*
 * judge.c — a step's achieved share, verdict and validity; see judge.h.
 */
#include "measure/judge.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/stats.h"

/* An interval is whole when it lasts at least this share of the run's. */
#define WHOLE_SHARE 0.9
/* gatecap's CPU at this share of its ceiling or more: near saturation. */
#define CPU_SATURATED 0.9

static const double pcts[4] = {50, 90, 99, 99.9};

int judge_pct_index(double p)
{
    for (int i = 0; i < 4; i++)
        if (fabs(p - pcts[i]) < 1e-9)
            return i;
    return -1;
}

bool judge_holds(const struct judge_criterion *c, double v)
{
    if (c->metric == JUDGE_ACHIEVED)
        return c->strict ? v > c->bound : v >= c->bound;
    return c->strict ? v < c->bound : v <= c->bound;
}

static bool whole(const struct judge_interval *iv, double interval_s)
{
    return iv->length_s >= WHOLE_SHARE * interval_s && iv->scheduled > 0;
}

void judge_achieved_counts(const struct judge_interval *iv, size_t n, double interval_s,
                           double *scheduled, double *completed, size_t *judged)
{
    double sched = 0, done = 0;
    size_t k = 0, seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!whole(&iv[i], interval_s))
            continue;
        if (seen++ == 0)
            continue; /* the first holds the tail of the step before */
        sched += iv[i].scheduled;
        done += iv[i].completed;
        k++;
    }
    *scheduled = sched;
    *completed = done;
    if (judged)
        *judged = k;
}

double judge_achieved(const struct judge_interval *iv, size_t n, double interval_s, size_t *judged)
{
    double sched, done;
    size_t k;
    judge_achieved_counts(iv, n, interval_s, &sched, &done, &k);
    if (judged)
        *judged = k;
    return k && sched > 0 ? 100.0 * done / sched : NAN;
}

/* The value of criterion c over the whole step (achieved: its judged
 * intervals); false when there is no data. */
static bool step_value(const struct judge_criterion *c, const struct judge_step *s, double achieved,
                       double *v)
{
    switch (c->metric) {
    case JUDGE_ACHIEVED:
        *v = achieved;
        return isfinite(achieved);
    case JUDGE_ERRORS:
        *v = s->completed > 0 ? 100.0 * s->errors / s->completed : 0;
        return s->completed > 0;
    case JUDGE_LATENCY:
        *v = c->pct >= 0 && c->pct < 4 ? s->latency_ms[c->pct] : NAN;
        return isfinite(*v) && s->completed > 0;
    }
    return false;
}

static void say(struct judge_verdict *v, const char *text)
{
    size_t n = strlen(v->why);
    snprintf(v->why + n, sizeof v->why - n, "%s%s", n ? "; " : "", text);
}

/* Could gatecap's own shortfall explain that failing criterion c fails?
 * Says why in buf. */
static bool explains(const struct judge_step *s, const struct judge_verdict *v,
                     const struct judge_criterion *c, double value, char *buf, size_t len)
{
    const struct judge_health *g = &s->gen;
    double lost = (isfinite(g->queue_drops) ? g->queue_drops : 0) +
                  (isfinite(g->local_failures) ? g->local_failures : 0);
    bool late = isfinite(g->late) && g->scheduled > 0 &&
                100.0 * stats_wilson_low(g->late, g->scheduled) > s->late_tolerance_pct;
    if (isfinite(v->cpu_pct) && isfinite(s->cpu_ceiling_pct) && s->cpu_ceiling_pct > 0 &&
        v->cpu_pct >= CPU_SATURATED * s->cpu_ceiling_pct) {
        snprintf(buf, len,
                 "gatecap used %.0f %% CPU of the %.0f %% its threads can use: near saturation, "
                 "it may have been the bottleneck",
                 v->cpu_pct, s->cpu_ceiling_pct);
        return true;
    }
    switch (c->metric) {
    case JUDGE_ACHIEVED: {
        /* arrivals gatecap lost, or sent late, as many as the shortfall */
        double short_pct = c->bound - value;
        if (lost > 0 && g->scheduled > 0 && 100.0 * lost / g->scheduled >= short_pct) {
            snprintf(buf, len, "%.0f arrivals never reached the gateway (lost in gatecap)", lost);
            return true;
        }
        if (late && 100.0 * g->late / g->scheduled >= short_pct) {
            snprintf(buf, len, "%.3g %% of its arrivals started late (tolerance %g %%)",
                     100.0 * g->late / g->scheduled, s->late_tolerance_pct);
            return true;
        }
        return false;
    }
    case JUDGE_LATENCY:
        /* latency counts from the intended start: gatecap's lag adds to it */
        if (late && isfinite(g->max_lag_ms) && value - g->max_lag_ms <= c->bound) {
            snprintf(buf, len,
                     "latency %.4g ms is within gatecap's largest lag (%.4g ms) of its bound",
                     value, g->max_lag_ms);
            return true;
        }
        return false;
    case JUDGE_ERRORS:
        return false; /* answers the gateway gave */
    }
    return false;
}

void judge_step(const struct judge_step *s, const struct judge_criterion *c, size_t n,
                struct judge_verdict *v)
{
    memset(v, 0, sizeof *v);
    if (n > JUDGE_MAX_CRITERIA)
        n = JUDGE_MAX_CRITERIA;
    v->achieved_pct = judge_achieved(s->iv, s->n_iv, s->interval_s, &v->judged);
    v->measured = v->judged >= 1;
    /* gatecap's CPU over the judged intervals */
    double cpu = 0;
    size_t cpu_n = 0, seen = 0;
    for (size_t i = 0; i < s->n_iv; i++) {
        if (!whole(&s->iv[i], s->interval_s) || seen++ == 0 || !isfinite(s->iv[i].cpu_pct))
            continue;
        cpu += s->iv[i].cpu_pct;
        cpu_n++;
    }
    v->cpu_pct = cpu_n ? cpu / (double)cpu_n : NAN;
    if (!v->measured) {
        v->valid = false;
        say(v, "too short: fewer than two whole intervals (a step of three or more intervals "
               "measures saturation)");
        return;
    }
    v->good = true;
    for (size_t k = 0; k < n; k++) {
        v->value[k] = NAN;
        double x;
        if (!step_value(&c[k], s, v->achieved_pct, &x))
            continue; /* no data: not a failure of the gateway's */
        v->value[k] = x;
        if (!judge_holds(&c[k], x)) {
            v->failed[k] = true;
            v->good = false;
        }
    }
    const struct judge_health *g = &s->gen;
    double lost = (isfinite(g->queue_drops) ? g->queue_drops : 0) +
                  (isfinite(g->local_failures) ? g->local_failures : 0);
    if (v->good) {
        v->valid = lost <= 0;
        if (!v->valid) {
            char buf[160];
            snprintf(buf, sizeof buf,
                     "%.0f arrivals never reached the gateway (lost in gatecap): it did not get "
                     "the whole load",
                     lost);
            say(v, buf);
        }
        return;
    }
    /* Bad: trusted when any failing criterion is beyond what gatecap's own
     * shortfall could explain. */
    v->valid = false;
    char reasons[4][160];
    size_t nr = 0;
    for (size_t k = 0; k < n; k++) {
        if (!v->failed[k])
            continue;
        char buf[160];
        if (!explains(s, v, &c[k], v->value[k], buf, sizeof buf)) {
            v->valid = true;
            break;
        }
        if (nr < 4)
            snprintf(reasons[nr++], sizeof reasons[0], "%s", buf);
    }
    if (!v->valid)
        for (size_t i = 0; i < nr; i++)
            say(v, reasons[i]);
}

/* 100 × what gatecap's threads can use: one core each, at most the cores. */
double judge_cpu_ceiling(double workers, double cores)
{
    if (workers > 0 && (!(cores > 0) || workers < cores))
        return 100 * workers;
    return cores > 0 ? 100 * cores : NAN;
}
