/*
 * junit_run.h — `gatecap run --junit`: one test case per gate verdict
 * (class gates.SCOPE[.MEMBER], named by the gate's text; a gate without
 * data fails), and one for "the load was delivered as scheduled" that
 * fails when the run was generator-limited (junit.h writes the XML).
 */
#ifndef GATECAP_JUNIT_RUN_H
#define GATECAP_JUNIT_RUN_H

#include <stddef.h>
#include <stdio.h>

struct engine_result;
struct gate_verdict;
struct scenario;

/* Writes the report of run r of scn with its verdicts v[0..n) to f.
 * Returns JUNIT_OK, or a JUNIT_* error with err (errlen bytes) saying why. */
int junit_run_fprint(FILE *f, const struct scenario *scn, const struct engine_result *r,
                     const struct gate_verdict *v, size_t n, char *err, size_t errlen);

#endif
