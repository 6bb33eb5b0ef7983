/*
 * capacity.h — from step measurements to a node count (Pattern 3 gateway
 * sizing, ../shared/reference/capacity.md):
 *
 *  1. the knee: the highest offered rate a node sustains within an SLO,
 *     interpolated linearly between the last good and the first bad step
 *     on the metric that failed, never extrapolated;
 *  2. sizing: the smallest node count whose capacity with headroom carries
 *     the peak, plus redundancy, at least a minimum, checked with the
 *     redundant nodes lost; the binding constraint named;
 *  3. a what-if table over node counts, and the sensitivity of the answer
 *     to the peak and to the measured capacity.
 *
 * Scale-out is linear here (n nodes carry n × one node's capacity): no
 * multi-node measurement enters this module. Rates are requests per
 * second, latencies milliseconds, shares fractions 0..1 unless a name
 * says _pct.
 *
 * Pure computation: no allocation, no printing, no global state. Errors
 * are negative codes with *why (may be NULL) set to a static sentence.
 */
#ifndef GATECAP_CAPACITY_H
#define GATECAP_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>

enum {
    CAPACITY_OK = 0,
    CAPACITY_EINVAL = -1,   /* bad argument: NaN, negative, empty */
    CAPACITY_EALLBAD = -2,  /* every valid step fails the SLO */
    CAPACITY_ELOWEST = -3,  /* the lowest valid step fails: capacity is below what was measured */
    CAPACITY_ENOVALID = -4, /* no valid step */
    CAPACITY_ERANGE = -5,   /* the node count would exceed CAPACITY_MAX_NODES */
};

#define CAPACITY_MAX_STEPS 10000
#define CAPACITY_MAX_NODES 100000

/* The metrics of a step the SLO looks at (bit flags). */
enum {
    CAPACITY_M_ACHIEVED = 1 << 0, /* achieved below the share of offered */
    CAPACITY_M_LATENCY = 1 << 1,  /* latency percentile above its bound */
    CAPACITY_M_ERRORS = 1 << 2,   /* error percentage above the budget */
};

/* One step of a step-load run (open model), for one node. latency_ms and
 * error_pct are NaN when not measured (not checked then). */
struct capacity_step {
    double offered_rps;
    double achieved_rps;
    double latency_ms; /* at the SLO's percentile */
    double error_pct;  /* 0..100, throttling (429) excluded */
    bool valid;        /* false: the generator was the bottleneck; not used */
    bool judged;       /* the caller judged it (judge.h): bad holds the verdict; else
                          capacity_step_check decides from the values above */
    int bad;           /* judged: the CAPACITY_M_* it fails (0: good) */
};

/* The service level a step must meet to be sustainable. */
struct capacity_slo {
    double latency_ms;   /* bound on the percentile; NaN or 0 = no bound */
    double error_pct;    /* budget, 0..100; NaN = no budget */
    double min_achieved; /* achieved ≥ this share of offered (0.99) */
};

/* The knee, computed on the steps sorted by offered rate. Indexes refer
 * to the caller's array. */
struct capacity_knee {
    double capacity_rps; /* highest sustainable rate (or the lower bound) */
    bool at_least;       /* every valid step was good: capacity not reached */
    long last_good;      /* index of the last good step below the first bad one */
    long first_bad;      /* index of the first bad step; -1 with at_least */
    int limited_by;      /* CAPACITY_M_* the first bad step violated */
    int interpolated_on; /* the CAPACITY_M_* metric whose crossing is lowest */
    size_t valid_steps;
    size_t ignored_good; /* good steps above the first bad one (not used) */
    size_t unconfirmed;  /* failing steps below the first bad one that the next
                            valid rate up passed: taken for dips, not the knee */
};

/* Whether failing step i is confirmed: a valid step at the next higher
 * rate measured fails too (one of them, when several share that rate), or
 * no valid step lies above it. A failure the next step up does not repeat
 * is taken for a dip (a pause of the machine, one bad interval): it cannot
 * place the knee, so one noisy step cannot cut the capacity. Two steps in
 * a row must fail for a false knee: with a false failure probability p
 * per step, about p² instead of p. */
bool capacity_confirmed(const struct capacity_step *steps, size_t count, size_t i,
                        const struct capacity_slo *slo);

/* Bit set of CAPACITY_M_* that step s violates under slo (0: good). */
int capacity_step_check(const struct capacity_step *s, const struct capacity_slo *slo);

/* The knee of steps[0..count) under slo. Invalid steps are skipped. The
 * first bad step is the valid step with the lowest offered rate that
 * violates the SLO and is confirmed (capacity_confirmed); the last good
 * one the highest-rate good step below it. For each metric the bad step violates, the rate where
 * the metric crosses its bound on the line between the two steps; capacity is the lowest of those.
 * Returns 0, CAPACITY_EINVAL (count 0 or above CAPACITY_MAX_STEPS, a NaN/negative rate, a bad slo),
 * CAPACITY_ENOVALID, CAPACITY_EALLBAD or CAPACITY_ELOWEST. Borrows steps. */
int capacity_knee(const struct capacity_step *steps, size_t count, const struct capacity_slo *slo,
                  struct capacity_knee *out, const char **why);

/* Demand and policy. */
struct capacity_policy {
    double peak_rps;     /* the peak to carry (avg × peak factor × growth, or a target) */
    double headroom;     /* share of a node's SLO capacity kept free, 0 ≤ h < 1 */
    int redundancy;      /* r of N+r, ≥ 0 */
    int min_nodes;       /* at least this many nodes, ≥ 1 */
    int gateways_per_tm; /* gateways one Traffic Manager serves; 0 = not given */
    double km_rps;       /* token validations/s one Key Manager node carries; 0 = not given */
    double km_share;     /* share of requests that need the Key Manager (opaque,
                            uncached tokens: 1); used when km_rps > 0 */
    /* Scale-out across nodes, USL form: n nodes of per-node capacity c carry
     * n·c / (1 + scale_alpha·(n − 1) + scale_beta·n·(n − 1)). Both 0:
     * linear (the default, when no multi-node measurement exists). */
    double scale_alpha;
    double scale_beta;
};

/* What n nodes of per_node_rps SLO capacity carry under policy's scale-out
 * model (n × per_node_rps when linear). */
double capacity_cluster_rps(double per_node_rps, const struct capacity_policy *policy, int n);

/* What binds the recommendation. */
enum capacity_binding {
    CAPACITY_BIND_PEAK,      /* the peak at the headroom, plus redundancy */
    CAPACITY_BIND_MIN_NODES, /* the minimum node count */
};

struct capacity_plan {
    int nodes;            /* recommended */
    int n_base;           /* smallest n with n × per-node effective ≥ peak */
    double per_node_rps;  /* SLO capacity of one node */
    double effective_rps; /* per_node_rps × (1 − headroom) */
    enum capacity_binding binding;
    bool loss_ok;           /* nodes − r carry the peak within SLO capacity */
    double util_peak;       /* peak / (nodes × per_node) */
    double util_after_loss; /* peak / ((nodes − r) × per_node); NaN when nodes ≤ r */
    int traffic_managers;   /* ceil(nodes / gateways_per_tm); 0 when not given */
    double km_load_rps;     /* peak × km_share; 0 when km_rps is not given */
    int km_nodes;           /* Key Manager nodes that carry km_load_rps; 0: not given */
    bool km_binds;          /* one Key Manager node cannot carry the validations */
};

/* Sizes a cluster of nodes of per_node_rps SLO capacity for policy: the
 * smallest n whose cluster capacity (capacity_cluster_rps) at the headroom
 * carries the peak, plus redundancy, at least min_nodes. Returns 0,
 * CAPACITY_EINVAL (capacity not > 0, peak not > 0, headroom outside
 * [0, 1), redundancy < 0, min_nodes < 1, scale-out parameters outside
 * [0, 1]) or CAPACITY_ERANGE (more than CAPACITY_MAX_NODES, or a
 * scale-out curve that peaks below the peak demand). */
int capacity_size(double per_node_rps, const struct capacity_policy *policy,
                  struct capacity_plan *out, const char **why);

/* One row of the what-if table: n nodes under the policy's peak. */
struct capacity_whatif {
    int nodes;
    double capacity_rps;    /* n × per-node SLO capacity */
    double util_peak;       /* peak / capacity */
    double util_after_loss; /* peak / ((n − r) × per-node); NaN when n ≤ r */
    double headroom_left;   /* 1 − util_peak (negative: over capacity) */
    bool meets_policy;      /* util_peak ≤ 1 − headroom, n − r carry the peak, n ≥ min */
};

/* Row for n (≥ 1) nodes. No errors beyond the argument checks of
 * capacity_size (returns them). */
int capacity_whatif_row(double per_node_rps, const struct capacity_policy *policy, int n,
                        struct capacity_whatif *out);

/* Sensitivity: the recommendation with the peak at 80 % and 120 %, and
 * the per-node capacity at 80 % and 120 %. */
enum { CAPACITY_SENS_ROWS = 4 };
struct capacity_sensitivity {
    const char *what; /* "peak −20 %", ... (static) */
    double peak_rps;
    double per_node_rps;
    int nodes; /* recommended; 0 when out of range */
};

int capacity_sensitivity(double per_node_rps, const struct capacity_policy *policy,
                         struct capacity_sensitivity out[CAPACITY_SENS_ROWS]);

const char *capacity_metric_name(int metric);

#endif
