/*
 * judge_results.h — a phase of a results.json (as results_read.h reads
 * it) as a step to judge (measure/judge.h), so that plan and search judge
 * the file as the run judged itself.
 */
#ifndef GATECAP_JUDGE_RESULTS_H
#define GATECAP_JUDGE_RESULTS_H

#include <stddef.h>

struct judge_interval;
struct judge_step;
struct results;

/* Fills s and iv[0..cap) with phase `phase` (an index in r->phases) of
 * r (borrowed; s keeps no pointer into it, s->iv is iv). Numbers absent
 * from older results (generator.by_phase) come from the phase's
 * intervals. Returns the number of the phase's intervals (fills at most
 * cap: call with cap 0 to size the array). */
size_t judge_from_results(const struct results *r, size_t phase, struct judge_step *s,
                          struct judge_interval *iv, size_t cap);

#endif
