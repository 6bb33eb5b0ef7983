/*
 * merge.h — the shards of one distributed run (each a results.json and its
 * run.hlog, written by `gatecap run --shard i/N`) combined into the run
 * one generator would have recorded (docs/merge.md).
 *
 * Exact by construction: every histogram of every (phase, request, node)
 * cell and of every interval is added slot by slot (hdr_add; a value that
 * does not fit is an error, never dropped), counters are summed, and every
 * percentile is read from a merged histogram — percentiles of the shards
 * are never averaged. The merged run is rebuilt as the engine's result
 * (struct engine_result) over the part of the scenario the numbers need,
 * so results.c writes it and gate_eval.c judges the gates exactly as for
 * a run on one machine.
 *
 * Use: merge_inputs (folders into files), merge_load (read, check, add
 * the cells), merge_hlog (the interval logs: merged run.hlog written,
 * the intervals' percentiles filled), merge_gates, merge_doc. Nothing
 * here prints; errors name the file (and field) and what to do.
 */
#ifndef GATECAP_MERGE_H
#define GATECAP_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "measure/hdr.h"
#include "output/results_read.h"

struct scenario;
struct engine_result;
struct gate_verdict;

enum {
    MERGE_OK = 0,
    MERGE_EINPUT = -1,  /* an input cannot be read, or is no results.json (exit 2) */
    MERGE_ESHARDS = -2, /* shards missing, duplicated, or of different runs or
                           settings (exit 3) */
    MERGE_ENOMEM = -3,
};

/* Default of --clock-tolerance: a shard whose clock offset or estimated
 * error is beyond this (ms) is flagged. */
#define MERGE_CLOCK_TOLERANCE_MS 10.0

/* One shard as read. */
struct merge_shard {
    char *results_path; /* owned */
    char *hlog_path;    /* run.hlog beside it; owned */
    struct results *res;
    size_t index;       /* shard.index */
    size_t *node_map;   /* [res->n_nodes]: the merged node of each of its nodes */
    bool clock_flagged; /* its clock is unsynchronised or beyond the tolerance */
    char clock_flag[192];
};

struct merge {
    struct merge_shard *shards; /* [n], by index 0..n-1 */
    size_t n;
    const char *run_id, *digest, *start_at; /* shard 0's (borrowed from its model); may be NULL */
    struct scenario *scn;                   /* phases, requests, gates, settings: what the
                                               numbers and the gates need (owned) */
    struct engine_result *r;                /* the merged run (owned) */
    struct gate_verdict *verdicts;          /* merge_gates; owned */
    size_t n_verdicts;
    int gates_failed;
    bool any_interrupted; /* a shard was interrupted */
    bool any_limited;     /* a shard was generator-limited */
    bool incomplete;      /* a shard did not end "complete" */
    size_t clock_flags;   /* shards whose clock is flagged */
    double clock_tolerance_ms;
};

/* The results.json files the arguments stand for, into *paths (owned:
 * each and the array, free) and *n: a file as given; a folder holding
 * results.json (a run folder) that file; else every DIR/SUB/results.json,
 * in name order. Returns MERGE_OK, MERGE_EINPUT (a path that is neither,
 * a folder with none; err names it) or MERGE_ENOMEM. */
int merge_inputs(const char *const *args, size_t n_args, char ***paths, size_t *n, char *err,
                 size_t errlen);

/* Reads every results.json (and checks its run.hlog is there), checks
 * that they are the shards 0..N-1 of one run (run id, count, scenario
 * digest, start time, phases, requests, interval, gates and histogram
 * settings agree; every index once), and adds their cells, counters,
 * health and intervals' counts into *out (owned: merge_free). `where`
 * names the inputs in messages ("results/run-42"). clock_tolerance_ms:
 * the flag's bound. Returns MERGE_OK, or MERGE_EINPUT / MERGE_ESHARDS /
 * MERGE_ENOMEM with the reason in err. */
int merge_load(char *const *paths, size_t n, const char *where, double clock_tolerance_ms,
               struct merge **out, char *err, size_t errlen);

/* Reads every shard's run.hlog and writes the merged log to f (borrowed):
 * per interval the untagged line and every tag added over the shards,
 * then each shard's own lines under the tag prefix "shard-<i>::" (its
 * untagged line as "shard-<i>", HdrLogProcessing's convention); StartTime
 * the common start. Fills the merged intervals' percentiles (all, per
 * node, per request, service p99) from the merged histograms. Returns
 * MERGE_OK, MERGE_EINPUT (a log unreadable or damaged), MERGE_ESHARDS (a
 * value that does not fit) or MERGE_ENOMEM, with err. */
int merge_hlog(struct merge *m, FILE *f, char *err, size_t errlen);

/* Evaluates the scenario's gates on the merged run (gate_evaluate), into
 * m->verdicts and m->gates_failed. Returns 0 or MERGE_ENOMEM. */
int merge_gates(struct merge *m);

/* The merged results document (a jansson json_t *, new reference): what
 * results.c writes for one run, the gates of merge_gates, plus "shards"
 * (one row per generator) and "shard" (merged: true). NULL without
 * memory, or when a shard's histogram fails to decode (err). */
void *merge_doc(const struct merge *m, char *err, size_t errlen);

void merge_free(struct merge *m);

/* ---- flows and checks (merge_flows.c), for merge.c ---- */

/* What differs between a's and b's flows (names, steps) or checks
 * (names), as words for a message; NULL when they are the same. */
const char *merge_flows_differ(const struct results *a, const struct results *b);

/* Gives scn (the merged scenario, its requests already made) a's flows
 * and check names. Returns MERGE_OK, MERGE_ENOMEM, or MERGE_EINPUT (a
 * flow's steps are not requests of a) with err. */
int merge_flows_scenario(const struct results *a, struct scenario *scn, char *err, size_t errlen);

/* Adds every shard's flows (per phase: counts, failures by step and
 * check, duration histograms) and checks (counts; the first example) into
 * m->r. Returns MERGE_OK, MERGE_ENOMEM, or MERGE_ESHARDS with err. */
int merge_flows_add(struct merge *m, char *err, size_t errlen);

/* Adds src (taken: closed or kept) into *dst (owned): an empty or NULL
 * *dst is replaced by src, so a merged histogram keeps the shards' own
 * settings and every later add is slot by slot. Returns MERGE_OK, or
 * MERGE_ESHARDS when values of src did not fit (dst's overflow_count
 * holds them). */
int merge_hist_add(struct hdr_hist **dst, struct hdr_hist *src);

#endif
