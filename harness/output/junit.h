/*
 * junit.h — JUnit XML reports, as Jenkins (junit step), GitLab
 * (artifacts:reports:junit), GitHub test-report actions and most other CI
 * tools read them: one <testsuites> with one <testsuite>, one <testcase>
 * per check (a gate of `gatecap run`, a metric of `gatecap compare`).
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <testsuites name="S" tests="N" failures="F" errors="0" skipped="K" time="T">
 *     <testsuite name="S" tests="N" failures="F" errors="0" skipped="K" time="T"
 *                timestamp="2026-01-31T12:00:00Z">
 *       <testcase classname="C" name="N" time="T">
 *         <failure message="M" type="Y">DETAILS</failure>    (failed)
 *         <skipped message="M"/>                             (skipped)
 *         <system-out>OUTPUT</system-out>                    (when given)
 *       </testcase>
 *     </testsuite>
 *   </testsuites>
 *
 * Every string is escaped for XML 1.0: & < > " ' become entities; in
 * attributes, tab, CR and LF become character references (so they survive
 * attribute normalisation); characters XML 1.0 cannot carry (other control
 * characters, U+FFFE, U+FFFF) and bytes that are not UTF-8 become U+FFFD.
 * The caller's strings may therefore hold anything. The schema this
 * writer satisfies is tests/data/junit.xsd.
 *
 * The API is stable: `gatecap run` (gates) and `gatecap compare` both use
 * it; new fields are only ever appended to struct junit_case, so callers
 * that zero-initialise (designated initialisers) keep working.
 */
#ifndef GATECAP_JUNIT_H
#define GATECAP_JUNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
    JUNIT_OK = 0,
    JUNIT_EINVAL = -1, /* a NULL suite name, cases NULL with n > 0, or a NULL case name */
    JUNIT_EIO = -2,    /* the file could not be written (err says why) */
};

/* One test case. Strings are borrowed for the call; NULL means absent.
 * Neither failed nor skipped: passed. failed wins over skipped. */
struct junit_case {
    const char *classname;  /* groups cases in CI views, e.g. "compare.node.gw1";
                               NULL: the suite name */
    const char *name;       /* required, e.g. "p99" */
    bool failed;            /* a <failure> (a gate or comparison that did not hold) */
    const char *message;    /* one line for the failure or skipped message attribute */
    const char *details;    /* the failure's text (multi-line is fine) */
    double time_s;          /* the case's duration; 0 when it has none; NaN/negative → 0 */
    bool skipped;           /* a <skipped> (nothing to check, e.g. no data) */
    const char *type;       /* the failure's type attribute; NULL: "failure" */
    const char *system_out; /* <system-out> text, shown beside the case */
};

/* Writes the report for suite_name (the <testsuites> and <testsuite>
 * name) with cases[0..n) to f. Returns JUNIT_OK, JUNIT_EINVAL or JUNIT_EIO
 * (a write to f failed); err (errlen bytes) says why. */
int junit_fprint(FILE *f, const char *suite_name, const struct junit_case *cases, size_t n,
                 char *err, size_t errlen);

/* As junit_fprint, into the file at path, atomically (a temporary file
 * renamed into place: a CI tool never reads half a report). The error
 * message names the path. */
int junit_write(const char *path, const char *suite_name, const struct junit_case *cases, size_t n,
                char *err, size_t errlen);

#endif
