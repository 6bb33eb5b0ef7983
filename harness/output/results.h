/*
 * results.h — results.json: the single machine-readable record of a run
 * that reports, gates, plans and merges read (docs/results.md).
 */
#ifndef GATECAP_RESULTS_H
#define GATECAP_RESULTS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

struct scenario;
struct engine_result;
struct gate_verdict;

#define RESULTS_FORMAT "gatecap-results"
#define RESULTS_VERSION 1

/* Builds the results document (a jansson json_t *, new reference, declared
 * void * to keep jansson out of this header), or NULL without memory. */
void *results_build(const struct scenario *scn, const struct engine_result *r);

/* As results_build, with the "scenario" member given (a json_t *, taken:
 * the echo of shard 0 when `gatecap merge` rebuilds a run from its shards,
 * whose scn holds only what the numbers need). NULL without memory (echo
 * released either way). */
void *results_build_echo(const struct scenario *scn, const struct engine_result *r, void *echo);

/* Adds the verdicts of the scenario's gates (gate_evaluate) to doc: the
 * "gates" array, run.gates_failed, and run.stop_reason when stop_reason is
 * not NULL (the gate that stopped the run early). Returns 0 or -1 (no
 * memory). */
int results_add_gates(void *doc, const struct scenario *scn, const struct gate_verdict *v, size_t n,
                      const char *stop_reason);

/* Where this generator stood in a distributed run (docs/distributed.md):
 * results.json's "shard". Strings borrowed. */
struct results_shard_id {
    int index, count;
    const char *source;   /* shard_source_name (run/shard.h) */
    const char *run_id;   /* "" when there is none (a run on one machine) */
    const char *digest;   /* the scenario's (scenario.h) */
    const char *start_at; /* --start-at in RFC 3339 UTC, or NULL */
    double start_at_epoch_s;
    const char *host;
};

/* Adds "shard" to doc: sh, with the release offset and this host's clock
 * from r. Returns 0 or -1 (no memory). */
int results_add_shard(void *doc, const struct results_shard_id *sh, const struct engine_result *r);

/* The phase name of intervals after the arrivals ended (no scenario phase
 * can be called so: names take no parentheses). */
#define RESULTS_DRAIN_PHASE "(drain)"

/* Writes the document to path atomically (temp file, then rename),
 * indented. Returns 0 or -1 (errno set). */
int results_write(const void *doc, const char *path);

/* Writes the document, as results_write would, to f (not closed). Returns
 * 0 or -1 (errno set). */
int results_fprint(const void *doc, FILE *f);

/* The name of a token request's reason (enum auth_reason) in
 * auth.token_endpoint.by_reason: "initial", "ahead", "after_401", "retry";
 * "?" beyond. Static. */
const char *results_reason_name(int reason);

struct hdr_hist;

/* A histogram (µs) as results.json writes one: its summary in
 * milliseconds ("latency_ms": count, min, mean, ..., max, overflow), and
 * its V2 compressed base64 (JSON null when it cannot be encoded). Both a
 * json_t * (new reference), NULL without memory. */
/* results.json's "flows" and "checks" arrays (results_flows.c); empty
 * arrays for a scenario without flows or checks. New references (json_t *). */
void *results_flows_json(const struct scenario *scn, const struct engine_result *r);
void *results_checks_json(const struct scenario *scn, const struct engine_result *r);

void *results_hist_summary(const struct hdr_hist *h);
void *results_hist_base64(const struct hdr_hist *h);

/* Milliseconds from microseconds, as results and summaries show them. */
double results_ms(int64_t us);

#endif
