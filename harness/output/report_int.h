/*
 * report_int.h — what the files that make the report model share
 * (report.c: results.json; report_plan.c: plan.json): the plan's part. Private to those files. The
 * files themselves are read by output/results_read.h and output/plan_json.h.
 */
#ifndef GATECAP_REPORT_INT_H
#define GATECAP_REPORT_INT_H

#include <stdarg.h>
#include <stdio.h>

#include "base/errbuf.h"
#include "output/report.h"

/* Reads the plan.json at path (plan_json.h) into r->plan, and its steps
 * into r->steps (report_plan.c). Returns 0, or -1 with err naming the file
 * (line and column for malformed JSON) and the field. */
int report_read_plan(struct report *r, const char *path, char *err, size_t errlen);

#endif
