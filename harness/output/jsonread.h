/*
 * jsonread.h — what the readers of gatecap's own JSON files share
 * (results_read.h: results.json; plan_json.h: plan.json): the file loaded
 * with its errors (file:line:column), the one format and version check,
 * and the checked reading of a member — a number of a kind (a count is
 * not negative, a percentage 0 to 100), a string, a flag, a required
 * object or array — each naming the field as a path ("totals.all.count")
 * when it is wrong. Strings are copied into blocks the model owns.
 *
 * Every jsonread_* function that finds something wrong sets the reader's
 * error (the first one wins; later ones are not made) and returns what
 * stands for "nothing" (NaN, NULL, false); the caller goes on or stops as
 * suits it and checks d->rc when it must. Nothing here prints.
 */
#ifndef GATECAP_JSONREAD_H
#define GATECAP_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum {
    JSONREAD_OK = 0,
    JSONREAD_EIO = -1,      /* the file cannot be read */
    JSONREAD_EFORMAT = -2,  /* not JSON, not the file expected, a part missing or damaged */
    JSONREAD_EVERSION = -3, /* a format version this gatecap does not read */
    JSONREAD_ENOMEM = -4,
};

/* A reader's state: set path, err, errlen and redo; the rest zeroed. */
struct jsonread {
    const char *path; /* named first in every message */
    char *err;        /* the message (errlen bytes) */
    size_t errlen;
    const char *redo; /* what makes the file anew: "record the run again" */
    int rc;           /* the first error's JSONREAD_E*, or 0 */
    void *strings;    /* the blocks of reader's strings: the model's (jsonread_strings_free) */
};

/* What a number may be. */
enum jsonread_kind {
    JSONREAD_ANY,    /* finite */
    JSONREAD_COUNT,  /* finite, not negative */
    JSONREAD_NONNEG, /* finite, not negative (times, rates) */
    JSONREAD_PCT,    /* 0 to 100 */
};

/* Sets the error to "PATH: " and the message, unless one is set; returns
 * d->rc. */
int jsonread_fail(struct jsonread *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As jsonread_fail(JSONREAD_EFORMAT), the message followed by "; the file
 * was edited or damaged: restore it or REDO". */
int jsonread_damaged(struct jsonread *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* As jsonread_damaged, followed by "; was the file cut short or edited?
 * Restore it or REDO". */
int jsonread_cut(struct jsonread *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The error of memory running out; returns JSONREAD_ENOMEM. */
int jsonread_nomem(struct jsonread *d);

/* Loads d->path as JSON (duplicate members refused). Returns the document
 * (owned: json_decref), or NULL with the error set: JSONREAD_EIO (cannot
 * read, errno's reason) or JSONREAD_EFORMAT (file:line:column and
 * jansson's reason). */
json_t *jsonread_load(struct jsonread *d);

/* The one format and version check: root must be an object whose
 * "format" is `format` and whose "version" is a whole number from 1 to
 * max. `what` names the file ("results.json"), `kind` its versions
 * ("results"), `make` how to make one ("give the results.json a gatecap
 * run wrote"). A newer version is JSONREAD_EVERSION, naming the version
 * found, the gatecap that wrote it (its "gatecap" string, or
 * gatecap.version), the version this gatecap reads, and what to do.
 * Returns the version, or 0 with the error set. */
int jsonread_version(struct jsonread *d, const json_t *root, const char *format, int max,
                     const char *what, const char *kind, const char *make);

/* A copy of s owned by the model (in d->strings); NULL for NULL or
 * without memory. */
const char *jsonread_keep(struct jsonread *d, const char *s);
/* Frees the blocks of strings kept (a model's d->strings); NULL is fine. */
void jsonread_strings_free(void *strings);
/* A zeroed array of n elements (at least one) of elem bytes, or NULL
 * without memory. Owned by the caller. */
void *jsonread_array(struct jsonread *d, size_t n, size_t elem);
/* "where.key", or "key" when where is "", in buf (n bytes). Returns buf. */
const char *jsonread_field(char *buf, size_t n, const char *where, const char *key);

/* o[key] as a number of kind k; NaN when absent or null (not measured). */
double jsonread_num(struct jsonread *d, const json_t *o, const char *where, const char *key,
                    enum jsonread_kind k);
/* As jsonread_num, 0 when absent. */
double jsonread_num0(struct jsonread *d, const json_t *o, const char *where, const char *key,
                     enum jsonread_kind k);
/* o[key] as a whole number from lo to hi; dflt when absent or null. */
long long jsonread_int(struct jsonread *d, const json_t *o, const char *where, const char *key,
                       long long lo, long long hi, long long dflt);
/* o[key] as a string owned by the model; NULL when absent or null. */
const char *jsonread_str(struct jsonread *d, const json_t *o, const char *where, const char *key);
/* o[key] as true or false; dflt when absent or null. */
bool jsonread_flag(struct jsonread *d, const json_t *o, const char *where, const char *key,
                   bool dflt);
/* o[key], which must be there with type t (borrowed from the document). */
json_t *jsonread_need(struct jsonread *d, const json_t *o, const char *where, const char *key,
                      json_type t);
/* o[key] when it is there and not null, which must have type t; NULL
 * when absent. */
json_t *jsonread_maybe(struct jsonread *d, const json_t *o, const char *where, const char *key,
                       json_type t);
/* The strings of the array a (where names it) into a new array *out
 * (owned; the strings the model's) of *n. */
void jsonread_strings(struct jsonread *d, const json_t *a, const char *where, const char ***out,
                      size_t *n);

#endif
