/*
 * jsonpath.h — a small JSON path subset, compiled once when a scenario
 * loads, and evaluated over a response body's JSON text in one pass with
 * no allocation (docs/scenario.md, "Checks and captures").
 *
 * Syntax: `$` (the whole document), then any number of steps:
 *   .name            a member; name: letters, digits, _ and -, and any
 *                    byte >= 0x80 (UTF-8)
 *   ['name'] ["name"] a member of any name; \\ and the quote are escaped
 *                    with a backslash, nothing else is
 *   [N]              element N of an array, 0-based
 *   [-N]             element N from the end ([-1]: the last)
 * No wildcards, filters, slices, unions or recursive descent (..); no
 * spaces. At most JP_MAX_DEPTH steps.
 *
 * Evaluation walks the text from its start and skips what is not on the
 * path, validating what it walks: a malformed document (bad syntax, a
 * control character in a string, a bad escape, text that ends early,
 * containers nested deeper than JP_MAX_DEPTH) is JP_EBADJSON, never a
 * read past the end. What follows the value found is not read. A member
 * named twice: the first one wins. [-N] reads the array twice (once to
 * count its elements).
 */
#ifndef GATECAP_JSONPATH_H
#define GATECAP_JSONPATH_H

#include <stdbool.h>
#include <stddef.h>

enum { JP_OK = 0, JP_NOTFOUND = -1, JP_EBADJSON = -2, JP_ENOMEM = -3, JP_EINVAL = -4 };

/* Deepest nesting of containers a document may have on the way to the
 * value, and in the value itself; also the most steps a path has. */
#define JP_MAX_DEPTH 64

enum jp_type { JP_STRING, JP_NUMBER, JP_OBJECT, JP_ARRAY, JP_TRUE, JP_FALSE, JP_NULL };

/* A value found in a document; text borrowed from the document. For a
 * string: the bytes between its quotes, escapes as written; for the
 * others: their JSON text as received (an object or array whole, with
 * its whitespace). */
struct jp_value {
    enum jp_type type;
    const char *text;
    size_t len;
    bool escaped; /* a string holding at least one backslash escape */
};

struct jp_path;

/* Compiles text (len bytes). Returns JP_OK with *out owned (jp_free); or
 * JP_EINVAL with *err_pos the 0-based offset in text of the fault and
 * "what is wrong; what to write" in err (errlen bytes); or JP_ENOMEM. */
int jp_compile(const char *text, size_t len, struct jp_path **out, size_t *err_pos, char *err,
               size_t errlen);

/* Frees p; NULL is fine. */
void jp_free(struct jp_path *p);

/* The path as written, NUL-terminated; borrowed from p. */
const char *jp_text(const struct jp_path *p);

/* Finds p's value in the JSON text json (len bytes, need not be
 * NUL-terminated). Returns JP_OK with *out set, JP_NOTFOUND (a member or
 * element is not there, or a step meets a value of another kind), or
 * JP_EBADJSON. No allocation; recursion at most JP_MAX_DEPTH deep. */
int jp_find(const struct jp_path *p, const char *json, size_t len, struct jp_value *out);

/* True when v equals the text s (n bytes): a string's unescaped content,
 * any other value's JSON text as received. No allocation. */
bool jp_equals(const struct jp_value *v, const char *s, size_t n);

/* A string's content unescaped into out (room for at least v->len
 * bytes: unescaping never lengthens), as UTF-8: \uXXXX and surrogate
 * pairs decoded, a lone surrogate as U+FFFD; any other value copied as
 * its text. Returns the bytes written. */
size_t jp_unescape(const struct jp_value *v, char *out);

#endif
