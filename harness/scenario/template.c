/*
 * template.c — compiling `${...}` references into pieces (see
 * template.h), and the queries on a compiled template.
 *
 * A compiled template is its display text plus a list of pieces
 * (template_priv.h): a literal piece is a span of that text; a runtime
 * piece says what to produce. Rendering is in template_render.c.
 */
#include "scenario/template.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"
#include "scenario/feeder.h"
#include "scenario/template_int.h"

static const char *const builtin_names[] = {"uuid",     "seq",        "now_ms",     "now_iso",
                                            "now_http", "random_int", "random_hex", NULL};
static const enum piece_kind builtin_kinds[] = {P_UUID,     P_SEQ,      P_NOW_MS,  P_NOW_ISO,
                                                P_NOW_HTTP, P_RAND_INT, P_RAND_HEX};
#define BUILTIN_LIST "uuid, seq, now_ms, now_iso, now_http, random_int(A,B), random_hex(N)"
#define MALFORMED                                                                                  \
    "malformed '${' reference '%.*s'; write ${NAME} or ${NAME:-default} (NAME: letters, digits, "  \
    "_), or $${ for a literal ${"
#define RUNTIME_WHERE                                                                              \
    "runtime values work only in requests' path, header values and body (and in body_file "        \
    "contents)"

/* ---- compiling ----------------------------------------------------------- */

struct comp {
    struct tpl *t;
    size_t text_cap, pieces_cap;
    unsigned flags;
    const struct feeder *const *feeders;
    size_t n_feeders;
    const char *const *vars;
    size_t n_vars;
    tpl_env_fn env;
    void *env_user;
    char *err;
    size_t err_len;
    bool oom;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
fail(struct comp *c, const char *fmt, ...)
{
    if (c->err && c->err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->err_len, fmt, ap);
        va_end(ap);
    }
    return TPL_EINVAL;
}

static struct piece *new_piece(struct comp *c, enum piece_kind kind)
{
    struct tpl *t = c->t;
    if (t->n_pieces == c->pieces_cap) {
        size_t cap = c->pieces_cap ? 2 * c->pieces_cap : 4;
        struct piece *p = realloc(t->pieces, cap * sizeof *p);
        if (!p) {
            c->oom = true;
            return NULL;
        }
        t->pieces = p;
        c->pieces_cap = cap;
    }
    struct piece *p = &t->pieces[t->n_pieces++];
    *p = (struct piece){.kind = kind};
    return p;
}

/* Appends n bytes to the text; as a literal piece when lit. */
static int add_text(struct comp *c, const char *s, size_t n, bool lit)
{
    struct tpl *t = c->t;
    if (t->text_len + n + 1 > c->text_cap) {
        size_t cap = c->text_cap ? c->text_cap : 64;
        while (cap < t->text_len + n + 1)
            cap *= 2;
        char *b = realloc(t->text, cap);
        if (!b) {
            c->oom = true;
            return TPL_ENOMEM;
        }
        t->text = b;
        c->text_cap = cap;
    }
    if (lit && n) {
        struct piece *last = t->n_pieces ? &t->pieces[t->n_pieces - 1] : NULL;
        if (last && last->kind == P_LIT && last->a + last->b == t->text_len) {
            last->b += n;
        } else {
            struct piece *p = new_piece(c, P_LIT);
            if (!p)
                return TPL_ENOMEM;
            p->a = t->text_len;
            p->b = n;
        }
        t->fixed_bytes += n;
    }
    memcpy(t->text + t->text_len, s, n);
    t->text_len += n;
    t->text[t->text_len] = '\0';
    return TPL_OK;
}

/* A runtime piece written as ref (shown as is in the text). */
static struct piece *add_runtime(struct comp *c, enum piece_kind kind, const char *ref,
                                 size_t ref_len, size_t max_bytes)
{
    if (add_text(c, ref, ref_len, false))
        return NULL;
    struct piece *p = new_piece(c, kind);
    if (p) {
        c->t->dynamic = true;
        c->t->fixed_bytes += max_bytes;
    }
    return p;
}

static bool name_char(char ch, bool first)
{
    return ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           (!first && ch >= '0' && ch <= '9');
}

static bool column_char(char ch)
{
    return name_char(ch, false) || ch == '-';
}

/* Index of the built-in called name (n bytes), or -1. */
static int builtin(const char *name, size_t n)
{
    for (int i = 0; builtin_names[i]; i++)
        if (strlen(builtin_names[i]) == n && !memcmp(builtin_names[i], name, n))
            return i;
    return -1;
}

/* Index of the flow variable called name (n bytes), or -1. */
static long var_index(const struct comp *c, const char *name, size_t n)
{
    for (size_t i = 0; i < c->n_vars; i++)
        if (strlen(c->vars[i]) == n && !memcmp(c->vars[i], name, n))
            return (long)i;
    return -1;
}

static bool is_function(int b)
{
    return b >= 0 && (builtin_kinds[b] == P_RAND_INT || builtin_kinds[b] == P_RAND_HEX);
}

/* A built-in name close to name (n bytes), or NULL. */
static const char *near_builtin(const char *name, size_t n)
{
    for (int i = 0; builtin_names[i]; i++)
        if (suggest_distance(name, n, builtin_names[i], strlen(builtin_names[i])) <= 2)
            return builtin_names[i];
    return NULL;
}

/* "a, b, c" of feeders' names or of a feeder's columns. */
static void name_list(char *out, size_t cap, const char *const *names, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && k < cap; i++) {
        int w = i == 12 ? snprintf(out + k, cap - k, ", ...")
                        : snprintf(out + k, cap - k, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || i == 12)
            break;
        k += (size_t)w;
    }
}

/* Parses a decimal int64 in s[0..n) (spaces around allowed). */
static bool parse_i64(const char *s, size_t n, int64_t *out)
{
    while (n && *s == ' ') {
        s++;
        n--;
    }
    while (n && s[n - 1] == ' ')
        n--;
    bool neg = n && (*s == '-' || *s == '+') ? *s == '-' : false;
    if (n && (*s == '-' || *s == '+')) {
        s++;
        n--;
    }
    if (!n || n > 19)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + neg)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* ${name(args)} for a built-in function b. ref: the whole reference. */
static int compile_function(struct comp *c, int b, const char *args, size_t args_len,
                            const char *ref, size_t ref_len)
{
    int r = (int)ref_len;
    if (builtin_kinds[b] == P_RAND_INT) {
        const char *comma = memchr(args, ',', args_len);
        int64_t lo, hi;
        if (!comma || !parse_i64(args, (size_t)(comma - args), &lo) ||
            !parse_i64(comma + 1, args_len - (size_t)(comma + 1 - args), &hi))
            return fail(c,
                        "%.*s: random_int takes two whole numbers (64-bit); write e.g. "
                        "${random_int(1,100)}",
                        r, ref);
        if (lo > hi)
            return fail(c,
                        "%.*s: the lower bound is greater than the upper one; write "
                        "${random_int(%lld,%lld)}",
                        r, ref, (long long)hi, (long long)lo);
        struct piece *p = add_runtime(c, P_RAND_INT, ref, ref_len, INT_BYTES);
        if (!p)
            return TPL_ENOMEM;
        p->lo = lo;
        p->hi = hi;
        return TPL_OK;
    }
    int64_t n;
    if (!parse_i64(args, args_len, &n) || n < 1 || n > MAX_HEX)
        return fail(c,
                    "%.*s: random_hex takes a number of digits from 1 to %d; write e.g. "
                    "${random_hex(16)}",
                    r, ref, MAX_HEX);
    struct piece *p = add_runtime(c, P_RAND_HEX, ref, ref_len, (size_t)n);
    if (!p)
        return TPL_ENOMEM;
    p->a = (size_t)n;
    return TPL_OK;
}

static int compile_column(struct comp *c, const char *feeder, size_t feeder_len, const char *column,
                          size_t column_len, const char *ref, size_t ref_len, bool *literal)
{
    int r = (int)ref_len;
    size_t f = 0;
    while (f < c->n_feeders && (strlen(c->feeders[f]->name) != feeder_len ||
                                memcmp(c->feeders[f]->name, feeder, feeder_len)))
        f++;
    if (f == c->n_feeders) {
        if (c->flags & TPL_LENIENT) {
            *literal = true;
            return TPL_OK;
        }
        if (!c->n_feeders)
            return fail(c,
                        "unknown feeder '%.*s' in %.*s: the scenario has no feeders; define it "
                        "under feeders: (%.*s: {file: data.csv})",
                        (int)feeder_len, feeder, r, ref, (int)feeder_len, feeder);
        const char *names[13];
        size_t k = c->n_feeders < 13 ? c->n_feeders : 13;
        for (size_t i = 0; i < k; i++)
            names[i] = c->feeders[i]->name;
        char list[512];
        name_list(list, sizeof list, names, k);
        return fail(c, "unknown feeder '%.*s' in %.*s (feeders: %s)", (int)feeder_len, feeder, r,
                    ref, list);
    }
    const struct feeder *fd = c->feeders[f];
    int col = feeder_column(fd, column, column_len);
    if (col < 0) {
        char list[512];
        name_list(list, sizeof list, (const char *const *)fd->columns, fd->n_columns);
        return fail(c, "feeder '%s' has no column '%.*s' in %.*s (columns: %s)", fd->name,
                    (int)column_len, column, r, ref, list);
    }
    struct piece *p = add_runtime(c, P_COLUMN, ref, ref_len, 0);
    if (!p)
        return TPL_ENOMEM;
    p->a = f;
    p->b = (size_t)col;
    c->t->feeder_mask |= (uint64_t)1 << f;
    return TPL_OK;
}

static int compile_env(struct comp *c, const char *name, size_t name_len, const char *def,
                       size_t def_len, bool has_def)
{
    char var[256];
    if (name_len >= sizeof var)
        return fail(c, "environment variable name too long (%zu characters); use a shorter name",
                    name_len);
    memcpy(var, name, name_len);
    var[name_len] = '\0';
    const char *val = c->env ? c->env(c->env_user, var) : getenv(var);
    c->t->used_env = true;
    if (has_def && (!val || !*val))
        return add_text(c, def, def_len, true);
    if (!val) {
        const char *near = (c->flags & TPL_RUNTIME) ? near_builtin(name, name_len) : NULL;
        return fail(c,
                    "environment variable %s is not set; export %s=... before running, or "
                    "write ${%s:-default}%s%s%s",
                    var, var, var, near ? " (or did you mean the built-in ${" : "",
                    near ? near : "", near ? "}?)" : "");
    }
    return add_text(c, val, strlen(val), true);
}

/* One reference at d ("${..."); *next gets where scanning goes on. */
static int compile_ref(struct comp *c, const char *d, const char *end, const char **next)
{
    const bool lenient = c->flags & TPL_LENIENT, runtime = c->flags & TPL_RUNTIME,
               env = (c->flags & TPL_ENV) && !lenient;
    const char *name = d + 2, *p = name;
    while (p < end && name_char(*p, p == name))
        p++;
    size_t name_len = (size_t)(p - name);
    int b = builtin(name, name_len);
    const char *close = NULL, *arg = NULL;
    bool literal = false;
    int rc = TPL_OK;
    /* shown in messages: up to the closing brace or a short stretch */
    const char *shown_end = memchr(d, '}', (size_t)(end - d));
    size_t shown = shown_end ? (size_t)(shown_end + 1 - d) : (size_t)(end - d);
    if (shown > 60)
        shown = 60;
    int sh = (int)shown;

    if (!name_len) {
        literal = true;
    } else if (p < end && *p == '}') { /* ${NAME} */
        close = p;
        size_t ref_len = (size_t)(close + 1 - d);
        long v = b < 0 && (runtime || lenient) ? var_index(c, name, name_len) : -1;
        if (v >= 0) {
            struct piece *pc = add_runtime(c, P_VAR, d, ref_len, 0);
            if (!pc)
                rc = TPL_ENOMEM;
            else {
                pc->a = (size_t)v;
                c->t->var_mask |= (uint64_t)1 << v;
            }
        } else if (b >= 0 && is_function(b)) {
            if (lenient)
                literal = true;
            else
                rc = fail(c, "%.*s takes arguments: write ${%s}", sh, d,
                          builtin_kinds[b] == P_RAND_INT ? "random_int(1,100)" : "random_hex(16)");
        } else if (b >= 0 && runtime) {
            static const size_t max[] = {[P_UUID] = UUID_BYTES,
                                         [P_SEQ] = INT_BYTES,
                                         [P_NOW_MS] = INT_BYTES,
                                         [P_NOW_ISO] = ISO_BYTES,
                                         [P_NOW_HTTP] = HTTP_BYTES};
            if (!add_runtime(c, builtin_kinds[b], d, ref_len, max[builtin_kinds[b]]))
                rc = TPL_ENOMEM;
        } else if (b >= 0 && !lenient) {
            rc = fail(c, "%.*s is a value made for each request; " RUNTIME_WHERE, sh, d);
        } else if (b < 0 && env) {
            rc = compile_env(c, name, name_len, NULL, 0, false);
        } else if (lenient) {
            literal = true;
        } else {
            const char *near = near_builtin(name, name_len);
            rc = fail(c, "unknown built-in %.*s%s%s%s; the built-ins are " BUILTIN_LIST, sh, d,
                      near ? " (did you mean ${" : "", near ? near : "", near ? "}?)" : "");
        }
    } else if (p + 1 < end && p[0] == ':' && p[1] == '-') { /* ${NAME:-default} */
        arg = p + 2;
        close = memchr(arg, '}', (size_t)(end - arg));
        if (!close || lenient)
            literal = true;
        else if (b >= 0)
            rc = fail(c, "%.*s: %.*s is a built-in value and takes no default; write ${%.*s}", sh,
                      d, (int)name_len, name, (int)name_len, name);
        else if (env)
            rc = compile_env(c, name, name_len, arg, (size_t)(close - arg), true);
        else
            rc = fail(c, "%.*s: environment variables are not expanded here", sh, d);
    } else if (p < end && *p == '.') { /* ${FEEDER.COLUMN} */
        const char *col = p + 1, *q = col;
        while (q < end && column_char(*q))
            q++;
        close = q;
        if (q == col || q >= end || *q != '}')
            literal = true;
        else if (!runtime)
            rc =
                lenient
                    ? (literal = true, TPL_OK)
                    : fail(c,
                           "%.*s is a feeder column, a value made for each request; " RUNTIME_WHERE,
                           sh, d);
        else
            rc = compile_column(c, name, name_len, col, (size_t)(q - col), d, (size_t)(q + 1 - d),
                                &literal);
    } else if (p < end && *p == '(') { /* ${function(args)} */
        arg = p + 1;
        const char *paren = memchr(arg, ')', (size_t)(end - arg));
        close = paren ? paren + 1 : NULL;
        if (!paren || close >= end || *close != '}') {
            literal = true;
        } else if (!is_function(b)) {
            if (lenient)
                literal = true;
            else if (b >= 0)
                rc = fail(c, "%.*s takes no arguments; write ${%.*s}", sh, d, (int)name_len, name);
            else
                rc = fail(c, "unknown built-in %.*s; the built-ins are " BUILTIN_LIST, sh, d);
        } else if (!runtime) {
            rc = lenient ? (literal = true, TPL_OK)
                         : fail(c, "%.*s is a value made for each request; " RUNTIME_WHERE, sh, d);
        } else {
            rc = compile_function(c, b, arg, (size_t)(paren - arg), d, (size_t)(close + 1 - d));
        }
    } else {
        literal = true;
    }
    if (rc)
        return rc;
    if (literal) {
        if (!lenient)
            return fail(c, MALFORMED "%s", sh, d,
                        runtime ? "; per-request values: ${FEEDER.COLUMN}, " BUILTIN_LIST : "");
        *next = d + 2; /* keep "${" and go on after it */
        return add_text(c, "${", 2, true);
    }
    *next = close + 1;
    return TPL_OK;
}

int tpl_compile(const char *text, size_t len, unsigned flags, const struct feeder *const *feeders,
                size_t n_feeders, tpl_env_fn env, void *env_user, struct tpl **out, char *err,
                size_t err_len)
{
    return tpl_compile_vars(text, len, flags, feeders, n_feeders, NULL, 0, env, env_user, out, err,
                            err_len);
}

int tpl_compile_vars(const char *text, size_t len, unsigned flags,
                     const struct feeder *const *feeders, size_t n_feeders, const char *const *vars,
                     size_t n_vars, tpl_env_fn env, void *env_user, struct tpl **out, char *err,
                     size_t err_len)
{
    struct comp c = {.flags = flags,
                     .feeders = feeders,
                     .n_feeders = n_feeders,
                     .vars = vars,
                     .n_vars = n_vars,
                     .env = env,
                     .env_user = env_user,
                     .err = err,
                     .err_len = err_len};
    int rc = TPL_ENOMEM;
    *out = NULL;
    if (err && err_len)
        err[0] = '\0';
    if (n_feeders > TPL_MAX_FEEDERS)
        return fail(&c, "%zu feeders; a scenario can have at most %d", n_feeders, TPL_MAX_FEEDERS);
    if (n_vars > TPL_MAX_VARS)
        return fail(&c, "%zu flow variables; a flow can have at most %d", n_vars, TPL_MAX_VARS);
    if (!(c.t = calloc(1, sizeof *c.t)))
        goto done;
    const char *t = text, *end = text + len;
    if (add_text(&c, "", 0, true))
        goto done;
    while (t < end) {
        const char *d = memchr(t, '$', (size_t)(end - t));
        if (!d) {
            if (add_text(&c, t, (size_t)(end - t), true))
                goto done;
            break;
        }
        if (add_text(&c, t, (size_t)(d - t), true))
            goto done;
        if (d + 2 < end && d[1] == '$' && d[2] == '{') { /* $${ is a literal ${ */
            if (add_text(&c, "${", 2, true))
                goto done;
            t = d + 3;
        } else if (d + 1 >= end || d[1] != '{') {
            if (add_text(&c, "$", 1, true))
                goto done;
            t = d + 1;
        } else if ((rc = compile_ref(&c, d, end, &t))) {
            goto done;
        }
    }
    if (c.oom)
        goto done;
    *out = c.t;
    c.t = NULL;
    rc = TPL_OK;
done:
    if ((rc == TPL_ENOMEM || c.oom) && err && err_len)
        snprintf(err, err_len, "out of memory");
    tpl_free(c.t);
    return c.oom ? TPL_ENOMEM : rc;
}

void tpl_free(struct tpl *t)
{
    if (!t)
        return;
    free(t->text);
    free(t->pieces);
    free(t);
}

bool tpl_dynamic(const struct tpl *t)
{
    return t->dynamic;
}

bool tpl_used_env(const struct tpl *t)
{
    return t->used_env;
}

const char *tpl_text(const struct tpl *t, size_t *len)
{
    if (len)
        *len = t->text_len;
    return t->text;
}

uint64_t tpl_var_mask(const struct tpl *t)
{
    return t->var_mask;
}

uint64_t tpl_feeder_mask(const struct tpl *t)
{
    return t->feeder_mask;
}

void tpl_each_column(const struct tpl *t, void (*fn)(void *user, size_t feeder, size_t column),
                     void *user)
{
    for (size_t i = 0; i < t->n_pieces; i++)
        if (t->pieces[i].kind == P_COLUMN)
            fn(user, t->pieces[i].a, t->pieces[i].b);
}
