/*
 * run_summary.h — the summary `gatecap run` prints at its end, shared with
 * `gatecap merge` (which prints a merged run's the same way). Defined in
 * run_summary.c and run_summary_flows.c.
 */
#ifndef GATECAP_RUN_SUMMARY_H
#define GATECAP_RUN_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct scenario;
struct engine_result;
struct gate_verdict;

/* The run's summary to out: header ("gatecap CMD: NAME — ..."), per phase,
 * request and node, all, the generator's health; the output files (in
 * outdir, and junit when not NULL) listed only when written (wrote). */
void run_summary_print(FILE *out, const char *cmd, const struct scenario *scn,
                       const struct engine_result *r, const char *outdir, bool wrote,
                       const char *junit);

/* The flows (instances, durations, failures by step and check) and the
 * checks (passed, failed, an example) of the run; nothing without them.
 * run_summary_flows.c. */
void run_summary_flows(FILE *out, const struct scenario *scn, const struct engine_result *r);

/* A duration of us µs for a person: "0.31ms", "120ms", "12.5s". */
void run_summary_fmt_ms(char *buf, size_t n, int64_t us);

/* One line per gate verdict, then the count; returns how many did not
 * pass. */
int run_summary_gates(FILE *out, const struct scenario *scn, const struct gate_verdict *v,
                      size_t n);

#endif
