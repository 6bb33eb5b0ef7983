/*
 * results_read_int.h — what the two files of the results.json reader
 * share (results_read.c: the file and the run's facts; results_read_cells.c:
 * cells, totals, intervals): the reader's state and the checked reading
 * of one member. Private to those files.
 *
 * Every reader_* function that finds something wrong sets the reader's
 * error (the first one wins; later ones are not made) and returns what
 * stands for "nothing" (NaN, NULL, false); the caller goes on or stops as
 * suits it and checks d->rc when it must.
 */
#ifndef GATECAP_RESULTS_READ_INT_H
#define GATECAP_RESULTS_READ_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "output/results_read.h"

#define DAMAGED "the file was edited or damaged: restore it or record the run again"
#define CUT "was the file cut short or edited? Restore it or record the run again"

/* The reader's state. */
struct reader {
    const char *path; /* named first in every message */
    char *err;
    size_t errlen;
    int rc;         /* the first error's RESULTS_E*, or 0 */
    unsigned hists; /* the histograms to decode (RESULTS_HIST bits) */
    struct results *r;
};

/* What a number may be. */
enum kind {
    K_ANY,    /* finite */
    K_COUNT,  /* finite, not negative */
    K_NONNEG, /* finite, not negative (times, rates) */
    K_PCT,    /* 0 to 100 */
};

/* Sets the error, "PATH: " and the message, unless one is set; returns
 * d->rc. */
int reader_fail(struct reader *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The error of memory running out; returns RESULTS_ENOMEM. */
int reader_nomem(struct reader *d);
/* A copy of s owned by the model; NULL for NULL or without memory. */
const char *reader_keep(struct reader *d, const char *s);
/* A zeroed array of n elements (at least one) of elem bytes, or NULL
 * without memory. Owned by the caller. */
void *reader_array(struct reader *d, size_t n, size_t elem);
/* "where.key", or "key" when where is "", in buf (n bytes). Returns buf. */
const char *reader_field(char *buf, size_t n, const char *where, const char *key);
/* o[key] as a number of kind k; NaN when absent or null (not measured). */
double reader_num(struct reader *d, const json_t *o, const char *where, const char *key,
                  enum kind k);
/* As reader_num, 0 when absent. */
double reader_num0(struct reader *d, const json_t *o, const char *where, const char *key,
                   enum kind k);
/* o[key] as a string owned by the model; NULL when absent or null. */
const char *reader_str(struct reader *d, const json_t *o, const char *where, const char *key);
/* o[key] as true or false; dflt when absent. */
bool reader_flag(struct reader *d, const json_t *o, const char *where, const char *key, bool dflt);
/* o[key], which must be there with type t (borrowed from the document). */
json_t *reader_need(struct reader *d, const json_t *o, const char *where, const char *key,
                    json_type t);
/* o[key] when it is there and not null, which must have type t; NULL
 * when absent. */
json_t *reader_maybe(struct reader *d, const json_t *o, const char *where, const char *key,
                     json_type t);

/* ---- results_read_cells.c ---- */

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
/* The base64 histogram at o[key] decoded into *h (owned by the model);
 * left NULL when absent or null. */
void reader_histogram(struct reader *d, const json_t *o, const char *where, const char *key,
                      struct hdr_hist **h);
/* gatecap's health numbers of o into h. */
void reader_health(struct reader *d, const json_t *o, const char *where, struct results_health *h);
/* "cells", "totals" and "intervals" of the document (after the scenario
 * and "nodes": they name phases, requests and nodes). */
void reader_cells(struct reader *d, const json_t *root);
void reader_totals(struct reader *d, const json_t *root);
void reader_intervals(struct reader *d, const json_t *root);

#endif
