/*
 * capacity.c — the knee, sizing, what-if and sensitivity; see capacity.h.
 */
#include "analysis/capacity.h"

#include <math.h>
#include <string.h>

static void set_why(const char **why, const char *msg)
{
    if (why)
        *why = msg;
}

static bool slo_ok(const struct capacity_slo *slo)
{
    if (slo == NULL)
        return false;
    if (!(slo->min_achieved >= 0 && slo->min_achieved <= 1))
        return false;
    if (!isnan(slo->latency_ms) && !(slo->latency_ms >= 0 && isfinite(slo->latency_ms)))
        return false;
    if (!isnan(slo->error_pct) && !(slo->error_pct >= 0 && slo->error_pct <= 100))
        return false;
    return true;
}

static bool has_latency_bound(const struct capacity_slo *slo)
{
    return !isnan(slo->latency_ms) && slo->latency_ms > 0;
}

int capacity_step_check(const struct capacity_step *s, const struct capacity_slo *slo)
{
    int bad = 0;
    if (!(s->achieved_rps >= slo->min_achieved * s->offered_rps))
        bad |= CAPACITY_M_ACHIEVED; /* also when achieved is NaN */
    if (has_latency_bound(slo) && isfinite(s->latency_ms) && s->latency_ms > slo->latency_ms)
        bad |= CAPACITY_M_LATENCY;
    if (!isnan(slo->error_pct) && isfinite(s->error_pct) && s->error_pct > slo->error_pct)
        bad |= CAPACITY_M_ERRORS;
    return bad;
}

/* The metrics step s fails: the caller's verdict when it judged the step,
 * else from its values. */
static int step_bad(const struct capacity_step *s, const struct capacity_slo *slo)
{
    return s->judged ? s->bad : capacity_step_check(s, slo);
}

bool capacity_confirmed(const struct capacity_step *steps, size_t count, size_t i,
                        const struct capacity_slo *slo)
{
    double next = INFINITY;
    for (size_t k = 0; k < count; k++)
        if (steps[k].valid && steps[k].offered_rps > steps[i].offered_rps &&
            steps[k].offered_rps < next)
            next = steps[k].offered_rps;
    if (isinf(next))
        return true; /* the highest measured: nothing above to say otherwise */
    for (size_t k = 0; k < count; k++)
        if (steps[k].valid && steps[k].offered_rps == next && step_bad(&steps[k], slo) != 0)
            return true;
    return false;
}

/* The rate where metric m crosses its bound on the line from good step g
 * to bad step b (b violates m, g does not). When g did not measure the
 * metric, the good step's rate: nothing is assumed between the two. */
static double crossing(const struct capacity_step *g, const struct capacity_step *b, int m,
                       const struct capacity_slo *slo)
{
    double vg, vb, bound;
    switch (m) {
    case CAPACITY_M_ACHIEVED:
        /* the shortfall 1 − achieved/offered rises through 1 − min_achieved */
        vg = 1.0 - g->achieved_rps / g->offered_rps;
        vb = 1.0 - b->achieved_rps / b->offered_rps;
        bound = 1.0 - slo->min_achieved;
        break;
    case CAPACITY_M_LATENCY:
        vg = g->latency_ms;
        vb = b->latency_ms;
        bound = slo->latency_ms;
        break;
    default:
        vg = g->error_pct;
        vb = b->error_pct;
        bound = slo->error_pct;
        break;
    }
    if (!isfinite(vg) || !isfinite(vb) || !(vb > vg))
        return g->offered_rps;
    double t = (bound - vg) / (vb - vg);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return g->offered_rps + t * (b->offered_rps - g->offered_rps);
}

int capacity_knee(const struct capacity_step *steps, size_t count, const struct capacity_slo *slo,
                  struct capacity_knee *out, const char **why)
{
    memset(out, 0, sizeof *out);
    out->last_good = out->first_bad = -1;
    if (steps == NULL || count == 0 || count > CAPACITY_MAX_STEPS) {
        set_why(why, "no steps to compute a capacity from (or more than 10,000)");
        return CAPACITY_EINVAL;
    }
    if (!slo_ok(slo)) {
        set_why(why, "the SLO is not valid: a latency bound ≥ 0 ms, an error budget 0..100 %, "
                     "an achieved share 0..1");
        return CAPACITY_EINVAL;
    }
    for (size_t i = 0; i < count; i++) {
        const struct capacity_step *s = &steps[i];
        if (!(s->offered_rps > 0) || !isfinite(s->offered_rps) || !(s->achieved_rps >= 0) ||
            !isfinite(s->achieved_rps) || s->latency_ms < 0 || s->error_pct < 0 ||
            s->error_pct > 100) {
            set_why(why, "a step has an offered rate that is not above 0, or a throughput, "
                         "latency or error percentage that is negative or not a number");
            return CAPACITY_EINVAL;
        }
    }

    /* First bad: lowest offered rate among valid failing steps that the
     * next valid rate up confirms (or that are the highest measured). */
    long bad = -1;
    for (size_t i = 0; i < count; i++) {
        if (!steps[i].valid)
            continue;
        out->valid_steps++;
        if (step_bad(&steps[i], slo) != 0 &&
            (bad < 0 || steps[i].offered_rps < steps[bad].offered_rps)) {
            if (capacity_confirmed(steps, count, i, slo))
                bad = (long)i;
        }
    }
    for (size_t i = 0; i < count; i++)
        if (steps[i].valid && step_bad(&steps[i], slo) != 0 &&
            !capacity_confirmed(steps, count, i, slo) &&
            (bad < 0 || steps[i].offered_rps < steps[bad].offered_rps))
            out->unconfirmed++;
    if (out->valid_steps == 0) {
        set_why(why, "no valid step: every step was marked invalid (the load generator was the "
                     "bottleneck); run again with more generator capacity");
        return CAPACITY_ENOVALID;
    }
    /* Last good: highest-rate good step below the first bad one (all
     * valid steps when none fails). */
    long good = -1;
    for (size_t i = 0; i < count; i++) {
        if (!steps[i].valid || step_bad(&steps[i], slo) != 0)
            continue; /* (an unconfirmed failure is neither good nor the knee) */
        if (bad >= 0 && !(steps[i].offered_rps < steps[bad].offered_rps)) {
            out->ignored_good++;
            continue;
        }
        if (good < 0 || steps[i].offered_rps > steps[good].offered_rps)
            good = (long)i;
    }
    out->last_good = good;
    out->first_bad = bad;
    if (bad < 0) {
        out->at_least = true;
        out->capacity_rps = steps[good].offered_rps;
        return CAPACITY_OK;
    }
    out->limited_by = step_bad(&steps[bad], slo);
    if (good < 0) {
        if (out->ignored_good == 0) {
            set_why(why, "every step fails the SLO: the capacity is below the lowest rate "
                         "measured; measure lower rates");
            return CAPACITY_EALLBAD;
        }
        set_why(why, "the lowest step already fails the SLO (higher steps passed, so the "
                     "measurements are noisy); measure lower rates, or longer steps");
        return CAPACITY_ELOWEST;
    }
    double cap = steps[bad].offered_rps;
    for (int m = CAPACITY_M_ACHIEVED; m <= CAPACITY_M_ERRORS; m <<= 1) {
        if (!(out->limited_by & m))
            continue;
        double r = crossing(&steps[good], &steps[bad], m, slo);
        if (r < cap || out->interpolated_on == 0) {
            cap = r;
            out->interpolated_on = m;
        }
    }
    out->capacity_rps = cap;
    return CAPACITY_OK;
}

static int check_policy(double per_node_rps, const struct capacity_policy *p, const char **why)
{
    if (!(per_node_rps > 0) || !isfinite(per_node_rps)) {
        set_why(why, "the per-node capacity must be a number above 0");
        return CAPACITY_EINVAL;
    }
    if (p == NULL || !(p->peak_rps > 0) || !isfinite(p->peak_rps)) {
        set_why(why, "the peak must be a number above 0 requests/s");
        return CAPACITY_EINVAL;
    }
    if (!(p->headroom >= 0 && p->headroom < 1)) {
        set_why(why, "headroom must be at least 0 % and below 100 %");
        return CAPACITY_EINVAL;
    }
    if (p->redundancy < 0 || p->redundancy >= CAPACITY_MAX_NODES || p->min_nodes < 1 ||
        p->min_nodes > CAPACITY_MAX_NODES || p->gateways_per_tm < 0) {
        set_why(why, "redundancy must be 0 or more, minimum nodes 1 or more (both below "
                     "100,000), gateways per Traffic Manager 0 (none) or more");
        return CAPACITY_EINVAL;
    }
    if (!(p->scale_alpha >= 0 && p->scale_alpha <= 1) ||
        !(p->scale_beta >= 0 && p->scale_beta <= 1)) {
        set_why(why, "the scale-out parameters must lie between 0 and 1");
        return CAPACITY_EINVAL;
    }
    if (!(p->km_rps >= 0) || !isfinite(p->km_rps) ||
        (p->km_rps > 0 && !(p->km_share > 0 && p->km_share <= 1))) {
        set_why(why, "Key Manager throughput must be 0 (not given) or a finite rate above 0, "
                     "and the share of requests it validates above 0 % and at most 100 %");
        return CAPACITY_EINVAL;
    }
    return CAPACITY_OK;
}

double capacity_cluster_rps(double per_node_rps, const struct capacity_policy *policy, int n)
{
    double k = n;
    return k * per_node_rps /
           (1 + policy->scale_alpha * (k - 1) + policy->scale_beta * k * (k - 1));
}

static bool linear(const struct capacity_policy *p)
{
    return p->scale_alpha == 0 && p->scale_beta == 0;
}

/* Smallest n whose cluster capacity at the headroom carries the peak, or
 * 0 with *why set. */
static int base_nodes(double per_node_rps, const struct capacity_policy *p, const char **why)
{
    double eff = per_node_rps * (1.0 - p->headroom);
    if (linear(p)) {
        double ratio = p->peak_rps / eff;
        if (!(ratio <= CAPACITY_MAX_NODES)) {
            set_why(why, "the peak needs more than 100,000 nodes; check the units of the peak "
                         "and the measurements");
            return 0;
        }
        /* Smallest n with n × eff ≥ peak; a ratio like 3.0000000001 from
         * rounding counts as 3. */
        int n = (int)ceil(ratio);
        if (n > 1 && (double)(n - 1) * eff >= p->peak_rps * (1 - 1e-12))
            n--;
        return n < 1 ? 1 : n;
    }
    double prev = 0;
    for (int n = 1; n <= CAPACITY_MAX_NODES; n++) {
        double c = capacity_cluster_rps(per_node_rps, p, n);
        if (c * (1.0 - p->headroom) >= p->peak_rps * (1 - 1e-12))
            return n;
        if (c <= prev) {
            set_why(why, "the measured scale-out peaks before the cluster carries the peak: "
                         "beyond it more gateways carry less (a shared limit such as the load "
                         "balancer, Traffic Manager or a backend binds); fix that limit or "
                         "split the traffic over clusters");
            return 0;
        }
        prev = c;
    }
    set_why(why, "the peak needs more than 100,000 nodes; check the units of the peak and the "
                 "measurements");
    return 0;
}

int capacity_size(double per_node_rps, const struct capacity_policy *policy,
                  struct capacity_plan *out, const char **why)
{
    memset(out, 0, sizeof *out);
    int rc = check_policy(per_node_rps, policy, why);
    if (rc != CAPACITY_OK)
        return rc;
    const struct capacity_policy *p = policy;
    double eff = per_node_rps * (1.0 - p->headroom);
    int n_base = base_nodes(per_node_rps, p, why);
    if (!n_base)
        return CAPACITY_ERANGE;
    if ((long)n_base + p->redundancy > CAPACITY_MAX_NODES) {
        set_why(why, "the node count would exceed 100,000");
        return CAPACITY_ERANGE;
    }
    int n = n_base + p->redundancy;
    out->binding = CAPACITY_BIND_PEAK;
    if (p->min_nodes > n) {
        n = p->min_nodes;
        out->binding = CAPACITY_BIND_MIN_NODES;
    }
    out->nodes = n;
    out->n_base = n_base;
    out->per_node_rps = per_node_rps;
    out->effective_rps = eff;
    out->util_peak = p->peak_rps / capacity_cluster_rps(per_node_rps, p, n);
    int left = n - p->redundancy;
    double left_rps = left > 0 ? capacity_cluster_rps(per_node_rps, p, left) : 0;
    out->util_after_loss = left > 0 ? p->peak_rps / left_rps : NAN;
    out->loss_ok = left > 0 && left_rps >= p->peak_rps * (1 - 1e-12);
    out->traffic_managers =
        p->gateways_per_tm > 0 ? (n + p->gateways_per_tm - 1) / p->gateways_per_tm : 0;
    if (p->km_rps > 0) {
        /* Adding gateways does not help a Key Manager that cannot keep up:
         * it is sized on its own, and said to bind when one node is short. */
        out->km_load_rps = p->peak_rps * p->km_share;
        double kn = ceil(out->km_load_rps / p->km_rps * (1 - 1e-12));
        out->km_nodes = kn < 1 ? 1 : kn > CAPACITY_MAX_NODES ? CAPACITY_MAX_NODES : (int)kn;
        out->km_binds = out->km_load_rps > p->km_rps * (1 + 1e-12);
    }
    return CAPACITY_OK;
}

int capacity_whatif_row(double per_node_rps, const struct capacity_policy *policy, int n,
                        struct capacity_whatif *out)
{
    memset(out, 0, sizeof *out);
    int rc = check_policy(per_node_rps, policy, NULL);
    if (rc != CAPACITY_OK)
        return rc;
    if (n < 1 || n > CAPACITY_MAX_NODES)
        return CAPACITY_EINVAL;
    const struct capacity_policy *p = policy;
    int left = n - p->redundancy;
    double left_rps = left > 0 ? capacity_cluster_rps(per_node_rps, p, left) : 0;
    out->nodes = n;
    out->capacity_rps = capacity_cluster_rps(per_node_rps, p, n);
    out->util_peak = p->peak_rps / out->capacity_rps;
    out->util_after_loss = left > 0 ? p->peak_rps / left_rps : NAN;
    out->headroom_left = 1.0 - out->util_peak;
    out->meets_policy = left > 0 && left_rps * (1.0 - p->headroom) >= p->peak_rps * (1 - 1e-12) &&
                        n >= p->min_nodes;
    return CAPACITY_OK;
}

int capacity_sensitivity(double per_node_rps, const struct capacity_policy *policy,
                         struct capacity_sensitivity out[CAPACITY_SENS_ROWS])
{
    int rc = check_policy(per_node_rps, policy, NULL);
    if (rc != CAPACITY_OK)
        return rc;
    static const struct {
        const char *what;
        double peak_f, cap_f;
    } rows[CAPACITY_SENS_ROWS] = {
        {"peak -20%", 0.8, 1.0},
        {"peak +20%", 1.2, 1.0},
        {"capacity -20%", 1.0, 0.8},
        {"capacity +20%", 1.0, 1.2},
    };
    for (int i = 0; i < CAPACITY_SENS_ROWS; i++) {
        struct capacity_policy p = *policy;
        p.peak_rps = policy->peak_rps * rows[i].peak_f;
        struct capacity_plan plan;
        out[i].what = rows[i].what;
        out[i].peak_rps = p.peak_rps;
        out[i].per_node_rps = per_node_rps * rows[i].cap_f;
        out[i].nodes =
            capacity_size(out[i].per_node_rps, &p, &plan, NULL) == CAPACITY_OK ? plan.nodes : 0;
    }
    return CAPACITY_OK;
}

const char *capacity_metric_name(int metric)
{
    switch (metric) {
    case CAPACITY_M_ACHIEVED:
        return "achieved";
    case CAPACITY_M_LATENCY:
        return "latency";
    case CAPACITY_M_ERRORS:
        return "errors";
    default:
        return "none";
    }
}
