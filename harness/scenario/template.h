/*
 * template.h — `${...}` references in scenario strings, compiled once when
 * the scenario loads and rendered per request by copying prepared pieces.
 *
 * Syntax (docs/scenario.md, "Feeders and templates"):
 *   ${NAME}, ${NAME:-default}  environment variable (NAME: letters, digits
 *                              and _, not starting with a digit), expanded
 *                              at compile time; the default is used when
 *                              NAME is unset or empty
 *   $${                        a literal ${ (a lone $ is literal anyway)
 *   ${FEEDER.COLUMN}           COLUMN of the row this request drew from
 *                              FEEDER (COLUMN: letters, digits, _ and -)
 *   ${uuid}                    random UUID version 4, new at each occurrence
 *   ${seq}                     the request's sequence number (one value per
 *                              request, however often it occurs)
 *   ${now_ms}                  wall clock, ms since the Unix epoch
 *   ${now_iso}                 RFC 3339 UTC with ms: 2026-11-23T10:48:42.123Z
 *   ${now_http}                RFC 9110 IMF-fixdate: Mon, 23 Nov 2026 10:48:42 GMT
 *   ${random_int(A,B)}         uniform integer A..B inclusive (64-bit signed)
 *   ${random_hex(N)}           N random lower-case hex digits, 1..256
 *   ${VAR}                     a flow variable (tpl_compile_vars): the value
 *                              a capture of an earlier step of the flow
 *                              instance took; it takes precedence over an
 *                              environment variable of that name
 * The built-in names (uuid, seq, now_ms, now_iso, now_http, random_int,
 * random_hex) always mean the built-in, also where an environment
 * variable of that name is set; they take no :-default.
 *
 * A compiled template is immutable and may be rendered by many threads
 * at once, each with its own context and output buffer. Rendering does
 * not parse and does not allocate once the buffer has grown to the
 * largest output it has held.
 */
#ifndef GATECAP_TEMPLATE_H
#define GATECAP_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tpl;
struct feeder;

enum { TPL_OK = 0, TPL_EINVAL = -1, TPL_ENOMEM = -3 };

/* Expand ${NAME} / ${NAME:-def} from env(); unset without a default is an
 * error. */
#define TPL_ENV 1u
/* Allow runtime references (feeder columns, built-ins); without it each
 * is an error saying where runtime values are allowed. */
#define TPL_RUNTIME 2u
/* File contents: a ${...} that is not a runtime reference (a built-in, or
 * a column of a feeder in `feeders`) is kept as written, and environment
 * variables are not expanded; $${ still stands for ${. Malformed
 * arguments of a built-in, and unknown columns of a known feeder, are
 * still errors. */
#define TPL_LENIENT 4u

/* Most feeders a template can reference (tpl_feeder_mask is 64 bits). */
#define TPL_MAX_FEEDERS 64

/* Looks up an environment variable: its value (borrowed until the
 * compile returns) or NULL when unset. */
typedef const char *(*tpl_env_fn)(void *user, const char *name);

/* Compiles text (len bytes; may hold NULs) under flags. feeders:
 * n_feeders (<= TPL_MAX_FEEDERS) loaded feeders that ${FEEDER.COLUMN}
 * may name, borrowed: they must outlive *out (the template keeps indexes
 * into this array, which tpl_ctx.feeders must repeat). env: how to read
 * the environment for TPL_ENV (NULL: getenv), called with env_user.
 * Returns TPL_OK with *out owned by the caller (tpl_free); or TPL_EINVAL
 * with "what is wrong; what to do" naming the offending reference in err
 * (err_len bytes), e.g. "unknown feeder 'acounts' in ${acounts.id}
 * (feeders: accounts, users)"; or TPL_ENOMEM. *out is NULL on error. */
int tpl_compile(const char *text, size_t len, unsigned flags, const struct feeder *const *feeders,
                size_t n_feeders, tpl_env_fn env, void *env_user, struct tpl **out, char *err,
                size_t err_len);

/* Most flow variables a template can reference (tpl_var_mask is 64 bits). */
#define TPL_MAX_VARS 64

/* tpl_compile, where ${NAME} for one of the n_vars (<= TPL_MAX_VARS)
 * names in vars (borrowed for the call) is a runtime reference to flow
 * variable NAME: rendered from tpl_ctx.vars[its index]. Needs TPL_RUNTIME
 * (or TPL_LENIENT, for file contents). */
int tpl_compile_vars(const char *text, size_t len, unsigned flags,
                     const struct feeder *const *feeders, size_t n_feeders, const char *const *vars,
                     size_t n_vars, tpl_env_fn env, void *env_user, struct tpl **out, char *err,
                     size_t err_len);

/* Bit v set when t references flow variable v (tpl_compile_vars). */
uint64_t tpl_var_mask(const struct tpl *t);

/* Frees t; NULL is fine. */
void tpl_free(struct tpl *t);

/* True when t has runtime pieces (its output differs per request). */
bool tpl_dynamic(const struct tpl *t);

/* True when t expanded an environment variable (with or without a
 * default): the value is then a secret. */
bool tpl_used_env(const struct tpl *t);

/* The compiled text: environment variables expanded, $${ as ${, runtime
 * references as written. What to display, and what to send when
 * !tpl_dynamic(t). Borrowed from t, NUL-terminated; *len (may be NULL)
 * gets its length. */
const char *tpl_text(const struct tpl *t, size_t *len);

/* Bit f set when t references feeders[f]. */
uint64_t tpl_feeder_mask(const struct tpl *t);

/* Calls fn(user, feeder, column) for every column reference of t, in
 * order (once per occurrence). */
void tpl_each_column(const struct tpl *t, void (*fn)(void *user, size_t feeder, size_t column),
                     void *user);

/* A flow variable's value: len bytes at p (borrowed). */
struct tpl_span {
    const char *p;
    size_t len;
};

/* What one rendering needs; filled per request by the caller. */
struct tpl_ctx {
    const struct feeder *const *feeders; /* the array given to tpl_compile */
    const size_t *rows; /* rows[f]: the row drawn from feeder f (only referenced ones are read) */
    uint64_t seq;       /* ${seq} */
    uint64_t *rng;      /* rng_next() state (non-zero) for uuid, random_int, random_hex */
    int64_t wall_ns;    /* CLOCK_REALTIME, ns since the epoch: now_ms, now_iso, now_http */
    const struct tpl_span *vars; /* vars[v]: flow variable v's value (only referenced ones
                                    are read); NULL when the template uses none */
};

/* An output buffer; grows, never shrinks. Zero-initialise; one per
 * thread. */
struct tpl_buf {
    char *data;
    size_t len, cap;
};

/* Renders t into out, replacing its content; out->data is NUL-terminated
 * after out->len bytes. Allocates only when out is too small. Returns
 * TPL_OK or TPL_ENOMEM (out is then unchanged). */
int tpl_render(const struct tpl *t, const struct tpl_ctx *ctx, struct tpl_buf *out);

/* Renders t after what out already holds (tpl_render is this on an
 * emptied out). Same allocation rule and return values. */
int tpl_render_append(const struct tpl *t, const struct tpl_ctx *ctx, struct tpl_buf *out);

/* Makes room for more bytes after b->len (and a NUL). TPL_OK or
 * TPL_ENOMEM (b unchanged). */
int tpl_buf_reserve(struct tpl_buf *b, size_t more);

/* Appends len bytes of s to b, NUL-terminated. TPL_OK or TPL_ENOMEM. */
int tpl_buf_append(struct tpl_buf *b, const char *s, size_t len);

/* Frees b's memory and zeroes it; b itself is the caller's. */
void tpl_buf_free(struct tpl_buf *b);

/* Formats wall_ns as RFC 3339 UTC with milliseconds
 * ("2026-11-23T10:48:42.123Z"; 24 bytes + NUL into out, which holds at
 * least 25). No locale, no allocation. */
void tpl_format_iso(int64_t wall_ns, char *out);

/* Formats wall_ns as an RFC 9110 IMF-fixdate ("Mon, 23 Nov 2026 10:48:42
 * GMT"; 29 bytes + NUL into out, which holds at least 30). */
void tpl_format_http(int64_t wall_ns, char *out);

#endif
