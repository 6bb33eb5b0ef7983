/*
 * results_read_int.h — what the two files of the results.json reader
 * share (results_read.c: the file and the run's facts; results_read_cells.c:
 * cells, totals, intervals): the reader's state (around jsonread.h's) and
 * the parts of a results.json both read. Private to those files.
 *
 * As jsonread's, every reader_* function that finds something wrong sets
 * the error (the first one wins) and returns what stands for "nothing".
 */
#ifndef GATECAP_RESULTS_READ_INT_H
#define GATECAP_RESULTS_READ_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "output/jsonread.h"
#include "output/results_read.h"

/* The reader's state. */
struct reader {
    struct jsonread j; /* the file, the error, the strings kept */
    unsigned hists;    /* the histograms to decode (RESULTS_HIST bits) */
    struct results *r;
};

/* The outcome class named `name` (rec_outcome_name), or -1. */
int reader_outcome(const char *name);
/* o.outcomes into out[OC_COUNT] (classes absent stay 0). */
void reader_outcomes(struct reader *d, const json_t *o, const char *where, double *out);
/* A count per kind (o[key]: throttled_by, faults_by) into out[0..n),
 * named by name(k); names this gatecap does not know add to out[other].
 * Returns whether o has the member. */
bool reader_kinds(struct reader *d, const json_t *o, const char *where, const char *key,
                  const char *(*name)(int), int n, int other, double *out);
/* A latency summary (latency_ms, ...) at o[key]; all NaN when absent. */
void reader_summary(struct reader *d, const json_t *o, const char *where, const char *key,
                    struct results_lat *l);
/* The base64 histogram at o[key] into *h as written (a string the model
 * owns), once it is known to decode; left NULL when absent or null. */
void reader_histogram(struct reader *d, const json_t *o, const char *where, const char *key,
                      const char **h);
/* gatecap's health numbers of o into h. */
void reader_health(struct reader *d, const json_t *o, const char *where, struct results_health *h);
/* "cells", "totals" and "intervals" of the document (after the scenario
 * and "nodes": they name phases, requests and nodes). */
void reader_cells(struct reader *d, const json_t *root);
void reader_totals(struct reader *d, const json_t *root);
void reader_intervals(struct reader *d, const json_t *root);
/* A CELL (totals' shape) at o into c, named name (kept by the model). */
void reader_cell(struct reader *d, const json_t *o, const char *where, const char *name,
                 struct results_cell *c);
/* An interval's slices by name under o[key] into *out (parallel to
 * names[0..n); among names them in messages). */
void reader_slices(struct reader *d, const json_t *o, const char *where, const char *key,
                   const char *const *names, size_t n, const char *among,
                   struct results_slice **out);
/* "workloads", when there, and each interval's "workloads" slices
 * (results_read_workloads.c; after the intervals). */
void reader_workloads(struct reader *d, const json_t *root);
/* scenario.gates, the phases' group and step, the scenario as JSON text
 * (after scenario.load.phases: results_read_shard.c). */
void reader_scenario_extra(struct reader *d, const json_t *root);
/* "checks" and "flows" (results_read_flows.c), and freeing them. */
void reader_flows(struct reader *d, const json_t *root);
void reader_flows_free(struct results *r);
/* "shard" and "shards" (results_read_shard.c). */
void reader_shard(struct reader *d, const json_t *root);

#endif
