/*
 * report_priv.h — what the files that read the report model share
 * (report.c: results.json; report_plan.c: plan.json): JSON helpers and the
 * error message of a failed read. Private to those files.
 */
#ifndef GATECAP_REPORT_PRIV_H
#define GATECAP_REPORT_PRIV_H

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output/report.h"

static inline int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- JSON helpers ---- */

static inline double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static inline char *dup_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? strdup(s) : NULL;
}

static inline void copy_str(char *dst, size_t n, const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(dst, n, "%s", s ? s : "");
}

/* Loads path as a JSON object; the error names file:line:column. */
static inline json_t *load_json(const char *path, const char *what, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root && json_is_object(root))
        return root;
    if (root) {
        json_decref(root);
        fail(err, errlen, "%s: not a %s (a JSON object is expected)", path, what);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    fclose(f);
    fail(err, errlen, "%s:%d:%d: not valid JSON: %s", path, jerr.line, jerr.column, jerr.text);
    return NULL;
}

/* Reads the plan.json at path into r->plan, and its steps into r->steps
 * (report_plan.c). Returns 0, or -1 with err naming the file (line and
 * column for malformed JSON) and the field. */
int report_read_plan(struct report *r, const char *path, char *err, size_t errlen);

#endif
