/*
 * plan.h — a capacity plan from measurements: reads the inputs
 * (plan_input.h), finds the per-node capacity at the SLO and sizes the
 * cluster (capacity.h), fits the USL to concurrency points (usl.h), and
 * collects every assumption made, as sentences. cmd_plan.c turns a plan
 * into text; plan_to_json into plan.json (docs/plan.md).
 *
 * Nothing here prints: errors are -1 with a message in the caller's
 * buffer naming the file, line or step and what to do.
 */
#ifndef GATECAP_PLAN_H
#define GATECAP_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/capacity.h"
#include "analysis/plan_input.h"
#include "analysis/usl.h"

#define PLAN_MAX_INPUTS 64
#define PLAN_MAX_ASSUMPTIONS 48
#define PLAN_MAX_WHATIF 64
#define PLAN_MAX_GROUPS 16

/* The steps measured on clusters of one size. */
struct plan_group {
    int nodes;
    bool have_knee;
    struct capacity_knee knee; /* over this group's steps (indexes into plan.steps) */
    double cluster_rps;        /* nodes × per-node capacity at the SLO */
    const char *why;           /* static; why there is no knee */
};

/* What was asked: inputs, demand, SLO, policy. */
struct plan_request {
    const char *files[PLAN_MAX_INPUTS]; /* borrowed */
    int n_files;
    double target_rps;  /* NAN when not given */
    double avg_rps;     /* NAN when not given; needs peak_factor */
    double peak_factor; /* NAN when not given */
    double growth;      /* NAN when not given (1) */
    char percentile[8]; /* "p50", "p90", "p99" or "p99.9" */
    char flow[136];     /* the latency bound is this flow's duration percentile
                           (--slo flow.NAME.p99=2s); "" for requests' latency */
    double slo_latency_ms;
    double slo_error_pct;          /* 0..100 */
    double slo_min_achieved;       /* 0..1 */
    struct capacity_policy policy; /* peak_rps is filled in by plan_build */
    int nodes;                     /* > 0: nodes that served the inputs (--nodes) */
};

/* Sets the defaults: p99 ≤ 250 ms, errors ≤ 0.1 %, achieved ≥ 99 %,
 * headroom 30 %, N+1, at least 2 nodes, no demand, no files. */
void plan_request_defaults(struct plan_request *rq);

/* Everything computed. Owned by the plan; plan_free releases it. */
struct plan {
    struct plan_input in;
    struct capacity_step *steps; /* per node, parallel to in.steps */
    bool have_knee, have_demand, have_usl, have_quad;
    double peak_rps; /* NAN without demand */
    struct capacity_knee knee;
    struct capacity_plan rec;
    struct capacity_whatif whatif[PLAN_MAX_WHATIF];
    int n_whatif;
    struct capacity_sensitivity sens[CAPACITY_SENS_ROWS];
    struct usl_fit usl, quad;
    const char *quad_why; /* static; why the quadratic method did not apply */
    /* Steps from clusters of several sizes: one knee per size, and the
     * scale-out fitted over nodes (gamma = one node's capacity). With one
     * size, n_groups is 1 and scale-out is linear (have_scale false). */
    struct plan_group groups[PLAN_MAX_GROUPS];
    int n_groups;
    bool have_scale;
    bool scale_two_point; /* two sizes: alpha only (beta 0), exact */
    struct usl_fit scale;
    char sentence[512]; /* the recommendation; "" without one */
    char *assume[PLAN_MAX_ASSUMPTIONS];
    int n_assume;
};

/* Reads rq's files and computes the plan into *p (zeroed first). Returns
 * 0, or -1 with err set (missing or malformed file, a refused run, no
 * steps or points, all steps failing, a fit that cannot be made, a node
 * count out of range). Call plan_free in both cases. */
int plan_build(struct plan *p, const struct plan_request *rq, char *err, size_t errlen);

/* "good", "bad" (*viol: the CAPACITY_M_* violated), "invalid", or
 * "ignored" (good, but at or above the first bad step). */
const char *plan_step_verdict(const struct plan *p, const struct plan_request *rq, size_t i,
                              int *viol);

/* The plan as a plan.json document: a jansson json_t * (new reference,
 * declared void * to keep jansson out of this header), NULL without
 * memory. */
void *plan_to_json(const struct plan *p, const struct plan_request *rq);

/* 1,234 / 12.3 / 1.23: thousands separated, fewer decimals as it grows;
 * "-" for NaN. Returns buf. */
const char *plan_fmt_num(char *buf, size_t n, double v);

/* "p99 ≤ 250 ms". Returns buf. */
const char *plan_slo_text(const struct plan_request *rq, char *buf, size_t n);

void plan_free(struct plan *p);

#endif
