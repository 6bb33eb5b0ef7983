/*
 * recorder_flow.h — what a worker records about flow instances (docs/
 * scenario.md, "Flows") and checks, beside the request cells of
 * recorder.h: per (phase, flow) the instances started, completed, failed
 * (by step and by check) and ended by gatecap's own failure, and the
 * completed instances' durations (HDR, µs, from the arrival's intended
 * start to the last step's answer); per check name, passes and failures
 * with an example of a failing answer. Single writer, merged at hand-off
 * like the cells.
 */
#ifndef GATECAP_RECORDER_FLOW_H
#define GATECAP_RECORDER_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "measure/hdr.h"
#include "measure/recorder.h"

struct rec_flow {
    struct hdr_hist *duration; /* µs, completed instances */
    int64_t started;
    int64_t completed;        /* every step answered as expected, every check passed */
    int64_t failed;           /* a step failed (no answer, unexpected status, a failed check) */
    int64_t local;            /* ended because gatecap could not send a step (its own failure) */
    int64_t *failed_by_step;  /* [n_steps]: the step of each failed instance's first failure */
    int64_t *failed_by_check; /* [n_checks]: the check of it, when a check failed */
};

struct rec_check {
    int64_t passed;
    int64_t failed;
    char example[REC_ERROR_LEN]; /* a failing answer: "HTTP 201 from gw1: <body start>";
                                    not redacted yet (engine.c does it); "" if none */
};

/* The flows and checks of a set (recorder.h's rec_set.flows). */
struct rec_flows {
    size_t n_phases;
    size_t n_flows;
    size_t *n_steps; /* [n_flows] */
    size_t n_checks;
    struct rec_flow **cells;  /* [phase * n_flows + flow], NULL until used */
    struct rec_check *checks; /* [n_checks] */
};

/* Gives s zeroed tables for n_flows flows of n_steps[f] steps (copied)
 * over its phases, and n_checks check names. Returns 0 or -1 (no memory). */
int rec_set_flows(struct rec_set *s, size_t n_flows, const size_t *n_steps, size_t n_checks);

/* The cell of (phase, flow), created on first use; NULL when memory runs
 * out or s has no flows. */
struct rec_flow *rec_flow_get(struct rec_set *s, size_t phase, size_t flow);

/* The cell if it exists, else NULL. */
const struct rec_flow *rec_flow_peek(const struct rec_set *s, size_t phase, size_t flow);

/* Whether c (may be NULL) holds anything: an instance may start in one
 * interval and end in another. */
bool rec_flow_used(const struct rec_flow *c);

/* Adds src's flows and checks into dst's (same shape). Returns 0 or -1. */
int rec_flows_add(struct rec_set *dst, const struct rec_set *src);

/* Adds the cells of flow `flow` over every phase p with want(p) (NULL:
 * all) into *into (a cell of rec_flow_new). */
void rec_flow_sum(const struct rec_set *s, size_t flow, const void *ctx,
                  int (*want)(const void *ctx, size_t phase), struct rec_flow *into);

/* A standalone cell for sums, for flow `flow` of s's shape; NULL when
 * memory runs out. Free with rec_flow_free. */
struct rec_flow *rec_flow_new(const struct rec_set *s, size_t flow);
void rec_flow_free(struct rec_flow *f);

/* Zeroes every flow cell and check (cells stay allocated); for
 * rec_set_reset. */
void rec_flows_reset(struct rec_set *s);

/* Frees s's flow tables; for rec_set_free. */
void rec_flows_free(struct rec_set *s);

#endif
