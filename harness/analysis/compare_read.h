/*
 * compare_read.h — one results.json (docs/results.md) read for `gatecap
 * compare`; compare.c is its only user. The file is parsed, the parts
 * compare reads are found, every number among them is checked (counts
 * and latencies are finite and not negative, percentages 0 to 100: a
 * baseline with a negative count made rows "no data" and the verdict
 * "no regression"), and the intervals that count as samples are listed.
 * Nothing here prints.
 */
#ifndef GATECAP_COMPARE_READ_H
#define GATECAP_COMPARE_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* An interval counts as a sample when it lasted >= 90 % of interval_s. */
#define COMPARE_WHOLE_INTERVAL 0.9

struct compare_run {
    const char *path;
    const char *role; /* "baseline" or "current" */
    json_t *root;
    const char *scenario, *model, *status;
    double interval_s;
    json_t *all, *by_request, *by_node, *phases, *intervals;
    json_t **usable; /* intervals of recorded phases, whole, with arrivals */
    size_t n_usable;
    bool has_request_slices; /* some interval has a "requests" object */
};

/* Reads the results.json at path (borrowed, as is role, "baseline" or
 * "current"; both name the file in messages) into r. Returns COMPARE_OK,
 * or COMPARE_EIO, COMPARE_EFORMAT, COMPARE_EINCOMPATIBLE (a
 * generator-limited run) or COMPARE_ENOMEM with err naming the file, the
 * field (e.g. "totals.by_node.gw1.count is -5") and what to do. r is to
 * be freed with compare_read_free either way. */
int compare_read_run(struct compare_run *r, const char *path, const char *role, char *err,
                     size_t errlen);

/* Frees what r holds and zeroes it. */
void compare_read_free(struct compare_run *r);

/* o[key] as a number, or NaN when absent or not a number. */
double compare_read_num(const json_t *o, const char *key);

#endif
