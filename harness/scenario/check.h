/*
 * check.h — checks on a response (`checks:` of a request) and values
 * captured from it (`capture:`), compiled once when the scenario loads
 * and evaluated per response without allocating (docs/scenario.md,
 * "Checks and captures").
 *
 * What a check reads is told by needs_head / needs_body, so that the
 * transport keeps a response's header lines or body only for requests
 * that have such checks or captures. Regular expressions are POSIX
 * extended (regex.h), matched with REG_STARTEND over the response's own
 * bytes: nothing is copied, the match never looks past body_len (or a
 * header value's end), and a NUL inside the body is an ordinary byte.
 * The caller still puts a NUL after the head and the body (head[head_len]
 * and body[body_len], one spare byte in its buffers): the matching does
 * not read it, but the sanitizers' regexec interceptor (ASan, in `make
 * check`) reads the string up to a NUL whatever REG_STARTEND says, and
 * would run off a buffer without one. glibc's regexec allocates internally
 * and holds a lock of the compiled pattern while it matches: workers that
 * share one check take turns on its pattern, which chk_check_dup and
 * chk_capture_dup avoid (a copy per worker, made before the run).
 *
 * A compiled check or capture is immutable: any number of threads may
 * evaluate it at once (each with its own output buffer for captures).
 */
#ifndef GATECAP_CHECK_H
#define GATECAP_CHECK_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/jsonpath.h"
#include "scenario/template.h"

enum { CHK_OK = 0, CHK_EINVAL = -1, CHK_ENOMEM = -3 };

/* What a check or a capture reads of one response; all borrowed. */
struct chk_response {
    int status;
    const char *head; /* the header lines after the status line, as received
                         ("Name: value\r\n" ...), or NULL when not kept; a NUL
                         at head[head_len] (see above) */
    size_t head_len;
    const char *body; /* the body, decoded (de-chunked), up to the request's body
                         limit, a NUL at body[body_len]; or NULL (no body, or not
                         kept) */
    size_t body_len;
    bool truncated; /* the body was longer than the limit: body holds its first
                       body_len bytes */
};

enum chk_kind {
    CHK_STATUS,    /* the status is one of a list */
    CHK_HEADER,    /* a header line: exists, equals, matches */
    CHK_JSON,      /* a JSON path's value: exists, equals, matches */
    CHK_BODY,      /* the body: contains, matches */
    CHK_BODY_SIZE, /* the body's length: min, max */
};

enum chk_op { CHK_EXISTS, CHK_EQUALS, CHK_MATCHES, CHK_CONTAINS, CHK_IN };

/* What a check compiles from (chk_compile); all borrowed. */
struct chk_spec {
    enum chk_kind kind;
    enum chk_op op;      /* CHK_IN for status; CHK_EXISTS / EQUALS / MATCHES for header and
                            json; CHK_CONTAINS / MATCHES for body; ignored for body_size */
    bool exists;         /* CHK_EXISTS: true, the value must be there; false, absent */
    bool negate;         /* `not: true`: passes when the comparison does not hold
                            (CHK_IN, EQUALS, MATCHES, CONTAINS) */
    const int *statuses; /* CHK_STATUS: 100..599 */
    size_t n_statuses;
    const char *header; /* CHK_HEADER: the name (any case) */
    const char *path;   /* CHK_JSON: the path (jsonpath.h) */
    const char *value;  /* EQUALS, CONTAINS: the text; MATCHES: the pattern */
    size_t value_len;
    uint64_t size_min, size_max; /* CHK_BODY_SIZE: bytes, inclusive */
    bool has_min, has_max;
};

/* A compiled check. */
struct scn_check {
    char *name; /* counted under this name (owned); see docs for defaults */
    enum chk_kind kind;
    enum chk_op op;
    bool exists, negate;
    uint64_t status_bits[10]; /* CHK_STATUS: bit s for status s < 640 */
    int *statuses;            /* as given, for display */
    size_t n_statuses;
    char *header; /* CHK_HEADER */
    size_t header_len;
    struct jp_path *path; /* CHK_JSON */
    char *value;          /* EQUALS / CONTAINS text, or the pattern as written */
    size_t value_len;
    regex_t *re; /* MATCHES */
    uint64_t size_min, size_max;
    bool has_min, has_max;
    bool needs_head, needs_body; /* what it reads; neither: the status only */
    bool named;                  /* the name was written (`name:`), not made */
    size_t id;                   /* index of its name in scenario.check_names */
    bool secret;                 /* value came from ${ENV}: never echoed */
};

/* Why a check did not pass (chk_eval). */
enum chk_result {
    CHK_PASS = 0,
    CHK_FAILED,    /* the value is there and does not satisfy the check */
    CHK_MISSING,   /* the header or JSON value is not there */
    CHK_BAD_JSON,  /* the body is not JSON (as far as the path reads it) */
    CHK_TRUNCATED, /* the body exceeded the request's body_limit */
    CHK_TOO_LONG,  /* a JSON string with escapes longer than CHK_MATCH_MAX: not matched */
    CHK_NOT_KEPT,  /* the response's head or body was not kept (a caller's fault) */
};

/* Longest JSON string with escapes that `matches` unescapes (on the
 * stack) to match; strings without escapes are matched in place. */
#define CHK_MATCH_MAX 4096

/* Compiles spec into *out (zeroed first; out->name stays NULL: the
 * caller names it). Returns CHK_OK; or CHK_EINVAL with "what is wrong;
 * what to write" in err (errlen bytes) and, for a JSON path, *err_pos
 * its offset in the path (else SIZE_MAX); or CHK_ENOMEM. Nothing is
 * kept on error. */
int chk_compile(const struct chk_spec *spec, struct scn_check *out, size_t *err_pos, char *err,
                size_t errlen);

/* Frees what c holds and zeroes it; c itself is the caller's. */
void chk_free(struct scn_check *c);

/* A copy of src with patterns compiled anew (see above). CHK_OK or
 * CHK_ENOMEM (*dst zeroed). */
int chk_check_dup(const struct scn_check *src, struct scn_check *dst);

/* Evaluates c on r. No allocation of its own (regexec's aside). */
enum chk_result chk_eval(const struct scn_check *c, const struct chk_response *r);

/* chk_eval(c, r) == CHK_PASS. */
bool chk_pass(const struct scn_check *c, const struct chk_response *r);

/* "status 500 not in the list", ...: a static sentence for a result. */
const char *chk_result_str(enum chk_result res);

/* ---- captures ---------------------------------------------------------- */

enum cap_source { CAP_JSON, CAP_HEADER, CAP_REGEX };

/* What a capture compiles from (chk_capture_compile); all borrowed. */
struct cap_spec {
    enum cap_source source;
    const char *path;    /* CAP_JSON */
    const char *header;  /* CAP_HEADER */
    const char *pattern; /* CAP_REGEX */
    int group;           /* CAP_REGEX: 0 (whole match) .. 9; default 1 */
    bool from_headers;   /* CAP_REGEX: over the header lines (REG_NEWLINE), else the body */
    const char *def;     /* the value when not found, or NULL */
    size_t def_len;
};

struct scn_capture {
    char *var;  /* the variable's name (owned) */
    char *name; /* its failure's name, "REQUEST.capture:VAR" (owned; set by the caller) */
    size_t id;  /* index of that name in scenario.check_names */
    enum cap_source source;
    struct jp_path *path;
    char *header;
    size_t header_len;
    char *pattern;
    regex_t *re;
    int group;
    bool from_headers;
    char *def; /* owned, or NULL: no default */
    size_t def_len;
    bool needs_head, needs_body;
    bool secret; /* pattern or default came from ${ENV}: never echoed */
};

/* Compiles spec as variable var into *out (zeroed first). Returns
 * CHK_OK, CHK_EINVAL (err, *err_pos as chk_compile) or CHK_ENOMEM. */
int chk_capture_compile(const struct cap_spec *spec, const char *var, struct scn_capture *out,
                        size_t *err_pos, char *err, size_t errlen);

void chk_capture_free(struct scn_capture *c);

/* A copy with its pattern compiled anew. CHK_OK or CHK_ENOMEM. */
int chk_capture_dup(const struct scn_capture *src, struct scn_capture *dst);

/* chk_capture's results beyond 0 (found) and CHK_ENOMEM (-3). */
enum { CHK_NOTFOUND = -1, CHK_ETRUNCATED = -2 };

/* The captured value into out (replacing its content; NUL-terminated;
 * allocates only when out is too small). Returns 0 found (or the
 * default when not found); CHK_NOTFOUND (-1) not found and no default
 * (a JSON path not there or the body not JSON, no such header, no
 * match, or a group that took part in no match); CHK_ETRUNCATED (-2) a
 * JSON or body-regex capture on a body cut at the limit, whatever the
 * default: a failure; CHK_ENOMEM (-3). On failure out is emptied. JSON
 * strings are unescaped (\uXXXX incl. surrogate pairs to UTF-8);
 * numbers, true, false and null are their text; an object or array, its
 * raw JSON text. A header's value is the first line of that name,
 * without the spaces around it. The value may hold any byte (a JSON
 * \u0000 or \r\n among them). */
int chk_capture(const struct scn_capture *c, const struct chk_response *r, struct tpl_buf *out);

/* True for a header line's name (ignoring case) in head: calls fn with
 * each value of name (spaces around it trimmed) until fn returns true.
 * Returns what the last fn call returned, false when none. */
bool chk_each_header(const char *head, size_t head_len, const char *name, size_t name_len,
                     bool (*fn)(void *user, const char *value, size_t len), void *user);

#endif
