/*
 * plan_json.h — the one reader of plan.json (docs/plan.md), the file
 * `gatecap plan -o` writes (analysis/plan.c, plan_to_json): read back into
 * one model for whoever reads a plan (the report's capacity section).
 *
 * The same checks as results.json's (jsonread.h): the file, its format
 * ("gatecap-plan") and version (a newer one is refused naming both
 * versions and what to do), the parts every reader relies on ("slo", an
 * object; "steps", an array of steps with a name), and every number read
 * (finite; a percentage of the SLO 0 to 100; rates and latencies not
 * negative). Numbers a plan lacks are NaN; unknown members are ignored.
 * Nothing here prints.
 */
#ifndef GATECAP_PLAN_JSON_H
#define GATECAP_PLAN_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define PLAN_JSON_FORMAT "gatecap-plan"
#define PLAN_JSON_VERSION 1

enum {
    PLAN_JSON_OK = 0,
    PLAN_JSON_EIO = -1,      /* the file cannot be read */
    PLAN_JSON_EFORMAT = -2,  /* not JSON, not a gatecap plan.json, a part missing or damaged */
    PLAN_JSON_EVERSION = -3, /* a format version this gatecap does not read */
    PLAN_JSON_ENOMEM = -4,
};

/* A step ("steps"): rates of the cluster and per node. */
struct plan_json_step {
    const char *file, *name;
    double offered_rps, achieved_rps, per_node_offered_rps, per_node_achieved_rps;
    double achieved_pct, latency_ms, error_pct, late_pct;
    int nodes, intervals;
    bool valid;
    const char *invalid_reason; /* NULL when valid */
    const char *verdict;        /* good, bad, unconfirmed, invalid, ignored (or a newer one) */
    const char *role;           /* last_good, first_bad, or NULL */
    const char **violates;      /* the metrics it fails: achieved, latency, errors */
    size_t n_violates;
};

/* A concurrency point of the USL fit ("points"). */
struct plan_json_point {
    const char *file, *name;
    double concurrency, throughput_rps;
    int nodes;
};

/* A row of "what_if". */
struct plan_json_whatif {
    int nodes;
    double capacity_rps, util_peak_pct, util_after_loss_pct, headroom_left_pct;
    bool meets_policy;
};

/* A row of "sensitivity". */
struct plan_json_sens {
    const char *what; /* "case" */
    double peak_rps, per_node_rps;
    int nodes; /* 0: out of range (null) */
};

/* A USL fit ("usl.fit"). */
struct plan_json_fit {
    double gamma, alpha, beta, peak_concurrency, peak_throughput, ceiling_throughput;
    double r2, residual_std_error;
    bool has_peak;
};

/* A plan.json. Every string and array is owned by the model (freed by
 * plan_json_free). */
struct plan_json {
    const char *path; /* as given */
    int version;
    const char *gatecap;  /* the version of gatecap that wrote it */
    const char *sentence; /* the recommendation; NULL without one */
    /* "slo" */
    const char *percentile; /* "p99" */
    double slo_latency_ms, slo_error_pct, slo_min_achieved_pct;
    struct plan_json_step *steps;
    size_t n_steps;
    struct plan_json_point *points;
    size_t n_points;
    /* "capacity" (has_capacity false when null: no knee) */
    bool has_capacity;
    double capacity_rps; /* per node at the SLO */
    bool at_least;
    const char **limited_by; /* achieved, latency, errors */
    size_t n_limited_by;
    const char *interpolated_on; /* NULL when not interpolated */
    /* "demand" (has_demand false when null) */
    bool has_demand;
    double peak_rps, target_rps, avg_rps, peak_factor, growth;
    /* "policy" */
    double headroom_pct;
    int redundancy, min_nodes;
    /* "recommendation" (has_recommendation false when null) */
    bool has_recommendation;
    int rec_nodes, n_base, traffic_managers; /* traffic_managers 0: none (null) */
    const char *binding;                     /* "peak" or "min_nodes" */
    double per_node_rps, per_node_effective_rps, util_peak_pct, util_after_loss_pct;
    bool loss_ok;
    struct plan_json_whatif *what_if;
    size_t n_what_if;
    struct plan_json_sens *sensitivity;
    size_t n_sensitivity;
    /* "usl" (has_usl false when null) */
    bool has_usl;
    struct plan_json_fit usl;
    const char **assumptions;
    size_t n_assumptions;
    void *priv; /* the reader's own: string storage */
};

/* Reads the plan.json at path (borrowed; kept as p->path) into *out
 * (owned: plan_json_free). Returns PLAN_JSON_OK, or a PLAN_JSON_E* with
 * *out NULL and err (errlen bytes) starting with the path: what is wrong,
 * where, and what to do. */
int plan_json_read(const char *path, struct plan_json **out, char *err, size_t errlen);

/* Frees p and all it holds; NULL is fine. */
void plan_json_free(struct plan_json *p);

#endif
