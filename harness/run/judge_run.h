/*
 * judge_run.h — a phase of a live or finished run as a step to judge
 * (measure/judge.h): the numbers results.json records, taken from the
 * engine's result rather than read back from the file.
 */
#ifndef GATECAP_JUDGE_RUN_H
#define GATECAP_JUDGE_RUN_H

#include <stddef.h>

struct engine_result;
struct judge_interval;
struct judge_step;
struct scenario;

/* Fills s and iv[0..cap) with phase p of r (the intervals whose phase is
 * p). Returns the number of intervals (at most cap). */
size_t judge_from_run(const struct scenario *scn, const struct engine_result *r, size_t p,
                      struct judge_step *s, struct judge_interval *iv, size_t cap);

#endif
