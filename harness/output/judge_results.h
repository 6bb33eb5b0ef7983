/*
 * judge_results.h — a phase of a results.json document as a step to
 * judge (measure/judge.h), so that plan and search judge the file as the
 * run judged itself.
 */
#ifndef GATECAP_JUDGE_RESULTS_H
#define GATECAP_JUDGE_RESULTS_H

#include <stddef.h>

struct judge_interval;
struct judge_step;

/* Fills s and iv[0..cap) with the phase named `phase` of a results.json
 * document (a jansson json_t *, borrowed). Numbers absent from older
 * results (generator.by_phase) come from the phase's intervals. Returns
 * the number of the phase's intervals (fills at most cap: call with cap 0
 * to size the array). */
size_t judge_from_results(const void *root, const char *phase, struct judge_step *s,
                          struct judge_interval *iv, size_t cap);

#endif
