/*
 * check.c — checks and captures (check.h): compiled from a spec once,
 * evaluated over a response's status, header lines and body. Patterns
 * are matched with REG_STARTEND on the response's bytes in place.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/errbuf.h"
#include "scenario/check.h"

#define CHECK_RE_FLAGS (REG_EXTENDED | REG_NOSUB)

/* ---- helpers ----------------------------------------------------------- */

static char *dup_bytes(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Compiles pattern (n bytes) into *out. CHK_OK, CHK_EINVAL (err) or
 * CHK_ENOMEM. */
static int compile_re(const char *pattern, size_t n, int flags, regex_t **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    if (memchr(pattern, '\0', n))
        return errbuf_set(err, errlen, CHK_EINVAL, "a regular expression holds no NUL");
    regex_t *re = malloc(sizeof *re);
    if (!re)
        return CHK_ENOMEM;
    int rc = regcomp(re, pattern, flags);
    if (rc) {
        char msg[160];
        regerror(rc, re, msg, sizeof msg);
        free(re);
        if (rc == REG_ESPACE)
            return CHK_ENOMEM;
        return errbuf_set(err, errlen, CHK_EINVAL,
                          "'%s' is not a POSIX extended regular expression: %s", pattern, msg);
    }
    *out = re;
    return CHK_OK;
}

static void free_re(regex_t *re)
{
    if (re) {
        regfree(re);
        free(re);
    }
}

/* regexec over s (n bytes, in place: REG_STARTEND). */
static bool run_re(const regex_t *re, const char *s, size_t n, regmatch_t *m, size_t nm)
{
    regmatch_t one[1];
    if (!m) {
        m = one;
        nm = 0;
    }
    m[0].rm_so = 0;
    m[0].rm_eo = (regoff_t)n;
    return !regexec(re, s ? s : "", nm, m, REG_STARTEND);
}

static bool valid_header_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!(*s > 0x20 && *s < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", *s)))
            return false;
    return true;
}

bool chk_each_header(const char *head, size_t head_len, const char *name, size_t name_len,
                     bool (*fn)(void *user, const char *value, size_t len), void *user)
{
    const char *p = head, *end = head ? head + head_len : NULL;
    bool last = false;
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon && (size_t)(colon - p) == name_len && !strncasecmp(p, name, name_len)) {
            const char *v = colon + 1, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            last = fn(user, v, (size_t)(ve - v));
            if (last)
                return true;
        }
        p = nl ? nl + 1 : end;
    }
    return last;
}

/* ---- checks ------------------------------------------------------------ */

void chk_free(struct scn_check *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->statuses);
    free(c->header);
    jp_free(c->path);
    free(c->value);
    free_re(c->re);
    memset(c, 0, sizeof *c);
}

static int compile_status(const struct chk_spec *s, struct scn_check *c, char *err, size_t errlen)
{
    if (!s->n_statuses)
        return errbuf_set(err, errlen, CHK_EINVAL,
                          "no status given; write e.g. status: 201 or status: [200, 204]");
    if (!(c->statuses = malloc(s->n_statuses * sizeof *c->statuses)))
        return CHK_ENOMEM;
    for (size_t i = 0; i < s->n_statuses; i++) {
        int st = s->statuses[i];
        if (st < 100 || st > 599)
            return errbuf_set(err, errlen, CHK_EINVAL,
                              "%d is not an HTTP status; write one of 100..599", st);
        c->statuses[i] = st;
        c->status_bits[st >> 6] |= (uint64_t)1 << (st & 63);
    }
    c->n_statuses = s->n_statuses;
    return CHK_OK;
}

static int compile_value(const struct chk_spec *s, struct scn_check *c, char *err, size_t errlen)
{
    if (c->op == CHK_EXISTS)
        return CHK_OK;
    if (!s->value)
        return errbuf_set(err, errlen, CHK_EINVAL, "no value to compare with");
    if (c->op == CHK_CONTAINS && !s->value_len)
        return errbuf_set(err, errlen, CHK_EINVAL,
                          "contains: needs at least one byte (an empty text is in every body)");
    if (!(c->value = dup_bytes(s->value, s->value_len)))
        return CHK_ENOMEM;
    c->value_len = s->value_len;
    if (c->op == CHK_MATCHES)
        return compile_re(c->value, c->value_len, CHECK_RE_FLAGS, &c->re, err, errlen);
    return CHK_OK;
}

static int compile_check(const struct chk_spec *s, struct scn_check *c, size_t *err_pos, char *err,
                         size_t errlen)
{
    c->kind = s->kind;
    c->op = s->op;
    c->exists = s->exists;
    c->negate = s->negate;
    switch (s->kind) {
    case CHK_STATUS:
        c->op = CHK_IN;
        return compile_status(s, c, err, errlen);
    case CHK_HEADER:
        c->needs_head = true;
        if (!s->header || !valid_header_name(s->header))
            return errbuf_set(err, errlen, CHK_EINVAL,
                              "'%s' is not a header name (letters, digits, - and no spaces or "
                              "':')",
                              s->header ? s->header : "");
        if (!(c->header = dup_bytes(s->header, strlen(s->header))))
            return CHK_ENOMEM;
        c->header_len = strlen(s->header);
        if (s->op != CHK_EXISTS && s->op != CHK_EQUALS && s->op != CHK_MATCHES)
            return errbuf_set(err, errlen, CHK_EINVAL,
                              "a header check takes exists, equals or matches");
        return compile_value(s, c, err, errlen);
    case CHK_JSON: {
        c->needs_body = true;
        if (!s->path)
            return errbuf_set(err, errlen, CHK_EINVAL, "no JSON path given");
        int rc = jp_compile(s->path, strlen(s->path), &c->path, err_pos, err, errlen);
        if (rc)
            return rc == JP_ENOMEM ? CHK_ENOMEM : CHK_EINVAL;
        if (s->op != CHK_EXISTS && s->op != CHK_EQUALS && s->op != CHK_MATCHES)
            return errbuf_set(err, errlen, CHK_EINVAL,
                              "a json check takes exists, equals or matches");
        return compile_value(s, c, err, errlen);
    }
    case CHK_BODY:
        c->needs_body = true;
        if (s->op != CHK_CONTAINS && s->op != CHK_MATCHES)
            return errbuf_set(err, errlen, CHK_EINVAL, "a body check takes contains or matches");
        return compile_value(s, c, err, errlen);
    case CHK_BODY_SIZE:
        c->needs_body = true;
        if (!s->has_min && !s->has_max)
            return errbuf_set(err, errlen, CHK_EINVAL,
                              "give min, max or both, e.g. body_size: {max: 64kB}");
        if (s->has_min && s->has_max && s->size_min > s->size_max)
            return errbuf_set(err, errlen, CHK_EINVAL, "min (%llu bytes) is above max (%llu bytes)",
                              (unsigned long long)s->size_min, (unsigned long long)s->size_max);
        c->size_min = s->size_min;
        c->size_max = s->size_max;
        c->has_min = s->has_min;
        c->has_max = s->has_max;
        if (s->negate)
            return errbuf_set(err, errlen, CHK_EINVAL,
                              "not: does not apply to body_size; write the bounds you want");
        return CHK_OK;
    }
    return errbuf_set(err, errlen, CHK_EINVAL, "unknown kind of check");
}

int chk_compile(const struct chk_spec *spec, struct scn_check *out, size_t *err_pos, char *err,
                size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err_pos)
        *err_pos = SIZE_MAX;
    int rc = compile_check(spec, out, err_pos, err, errlen);
    if (!rc && spec->negate && out->op == CHK_EXISTS)
        rc = errbuf_set(err, errlen, CHK_EINVAL,
                        "not: does not apply to exists; write exists: false for a value that "
                        "must be absent");
    if (rc)
        chk_free(out);
    return rc;
}

int chk_check_dup(const struct scn_check *src, struct scn_check *dst)
{
    *dst = *src;
    dst->name = NULL;
    dst->statuses = NULL;
    dst->header = NULL;
    dst->path = NULL;
    dst->value = NULL;
    dst->re = NULL;
    char err[8];
    size_t pos;
    if ((src->name && !(dst->name = dup_bytes(src->name, strlen(src->name)))) ||
        (src->statuses && !(dst->statuses = malloc(src->n_statuses * sizeof *dst->statuses))) ||
        (src->header && !(dst->header = dup_bytes(src->header, src->header_len))) ||
        (src->value && !(dst->value = dup_bytes(src->value, src->value_len))) ||
        (src->path && jp_compile(jp_text(src->path), strlen(jp_text(src->path)), &dst->path, &pos,
                                 err, sizeof err)) ||
        (src->re &&
         compile_re(src->value, src->value_len, CHECK_RE_FLAGS, &dst->re, err, sizeof err))) {
        chk_free(dst);
        return CHK_ENOMEM;
    }
    if (src->statuses)
        memcpy(dst->statuses, src->statuses, src->n_statuses * sizeof *dst->statuses);
    return CHK_OK;
}

struct header_eval {
    const struct scn_check *c;
    bool seen;
};

static bool value_ok(const struct scn_check *c, const char *v, size_t n)
{
    if (c->op == CHK_EQUALS)
        return n == c->value_len && !memcmp(v, c->value, n);
    return run_re(c->re, v, n, NULL, 0);
}

static bool header_line(void *user, const char *v, size_t n)
{
    struct header_eval *h = user;
    h->seen = true;
    return h->c->op == CHK_EXISTS || value_ok(h->c, v, n);
}

static enum chk_result verdict(const struct scn_check *c, bool ok)
{
    return ok != c->negate ? CHK_PASS : CHK_FAILED;
}

static enum chk_result eval_header(const struct scn_check *c, const struct chk_response *r)
{
    if (!r->head)
        return CHK_NOT_KEPT;
    struct header_eval h = {c, false};
    bool any = chk_each_header(r->head, r->head_len, c->header, c->header_len, header_line, &h);
    if (c->op == CHK_EXISTS)
        return h.seen == c->exists ? CHK_PASS : c->exists ? CHK_MISSING : CHK_FAILED;
    if (!h.seen)
        return CHK_MISSING;
    return verdict(c, any);
}

static enum chk_result eval_json(const struct scn_check *c, const struct chk_response *r)
{
    if (r->truncated)
        return CHK_TRUNCATED;
    struct jp_value v;
    int rc = jp_find(c->path, r->body ? r->body : "", r->body ? r->body_len : 0, &v);
    if (rc == JP_EBADJSON)
        return CHK_BAD_JSON;
    if (c->op == CHK_EXISTS)
        return (rc == JP_OK) == c->exists ? CHK_PASS : c->exists ? CHK_MISSING : CHK_FAILED;
    if (rc)
        return CHK_MISSING;
    if (c->op == CHK_EQUALS)
        return verdict(c, jp_equals(&v, c->value, c->value_len));
    if (v.type != JP_STRING || !v.escaped)
        return verdict(c, run_re(c->re, v.text, v.len, NULL, 0));
    if (v.len > CHK_MATCH_MAX)
        return CHK_TOO_LONG;
    char buf[CHK_MATCH_MAX + 1];
    size_t n = jp_unescape(&v, buf);
    buf[n] = '\0'; /* for the sanitizers' interceptor (check.h) */
    return verdict(c, run_re(c->re, buf, n, NULL, 0));
}

static enum chk_result eval_size(const struct scn_check *c, const struct chk_response *r)
{
    uint64_t n = r->body ? r->body_len : 0;
    if (!r->truncated)
        return (!c->has_min || n >= c->size_min) && (!c->has_max || n <= c->size_max) ? CHK_PASS
                                                                                      : CHK_FAILED;
    /* the body is longer than n: decided only when the bounds are within n */
    if (c->has_max && c->size_max <= n)
        return CHK_FAILED;
    if (c->has_max || (c->has_min && c->size_min > n + 1))
        return CHK_TRUNCATED;
    return CHK_PASS;
}

enum chk_result chk_eval(const struct scn_check *c, const struct chk_response *r)
{
    switch (c->kind) {
    case CHK_STATUS:
        return verdict(c, r->status >= 0 && r->status < 640 &&
                              (c->status_bits[r->status >> 6] >> (r->status & 63)) & 1u);
    case CHK_HEADER:
        return eval_header(c, r);
    case CHK_JSON:
        return eval_json(c, r);
    case CHK_BODY:
        if (r->truncated)
            return CHK_TRUNCATED;
        if (c->op == CHK_CONTAINS)
            return verdict(c, r->body && memmem(r->body, r->body_len, c->value, c->value_len));
        return verdict(c, run_re(c->re, r->body, r->body ? r->body_len : 0, NULL, 0));
    case CHK_BODY_SIZE:
        return eval_size(c, r);
    }
    return CHK_FAILED;
}

bool chk_pass(const struct scn_check *c, const struct chk_response *r)
{
    return chk_eval(c, r) == CHK_PASS;
}

const char *chk_result_str(enum chk_result res)
{
    switch (res) {
    case CHK_PASS:
        return "passed";
    case CHK_FAILED:
        return "the value does not satisfy the check";
    case CHK_MISSING:
        return "the value is not in the response";
    case CHK_BAD_JSON:
        return "the body is not JSON";
    case CHK_TRUNCATED:
        return "body exceeded body_limit";
    case CHK_TOO_LONG:
        return "the JSON string is too long to match (escapes, over 4 KiB)";
    case CHK_NOT_KEPT:
        return "the response's head or body was not kept";
    }
    return "unknown result";
}

/* ---- captures ---------------------------------------------------------- */

void chk_capture_free(struct scn_capture *c)
{
    if (!c)
        return;
    free(c->var);
    free(c->name);
    jp_free(c->path);
    free(c->header);
    free(c->pattern);
    free_re(c->re);
    free(c->def);
    memset(c, 0, sizeof *c);
}

static int capture_re_flags(const struct scn_capture *c)
{
    return REG_EXTENDED | (c->from_headers ? REG_NEWLINE : 0);
}

static int compile_capture(const struct cap_spec *s, struct scn_capture *c, size_t *err_pos,
                           char *err, size_t errlen)
{
    c->source = s->source;
    if (s->def && !(c->def = dup_bytes(s->def, s->def_len)))
        return CHK_ENOMEM;
    c->def_len = s->def_len;
    switch (s->source) {
    case CAP_JSON: {
        c->needs_body = true;
        if (!s->path)
            return errbuf_set(err, errlen, CHK_EINVAL, "no JSON path given");
        int rc = jp_compile(s->path, strlen(s->path), &c->path, err_pos, err, errlen);
        return rc == JP_ENOMEM ? CHK_ENOMEM : rc ? CHK_EINVAL : CHK_OK;
    }
    case CAP_HEADER:
        c->needs_head = true;
        if (!s->header || !valid_header_name(s->header))
            return errbuf_set(err, errlen, CHK_EINVAL,
                              "'%s' is not a header name (letters, digits, - and no spaces or "
                              "':')",
                              s->header ? s->header : "");
        c->header_len = strlen(s->header);
        return (c->header = dup_bytes(s->header, c->header_len)) ? CHK_OK : CHK_ENOMEM;
    case CAP_REGEX: {
        c->from_headers = s->from_headers;
        c->needs_head = s->from_headers;
        c->needs_body = !s->from_headers;
        c->group = s->group;
        if (!s->pattern)
            return errbuf_set(err, errlen, CHK_EINVAL, "no regular expression given");
        if (s->group < 0 || s->group > 9)
            return errbuf_set(err, errlen, CHK_EINVAL, "group %d: write 0 (the whole match) to 9",
                              s->group);
        if (!(c->pattern = dup_bytes(s->pattern, strlen(s->pattern))))
            return CHK_ENOMEM;
        int rc =
            compile_re(c->pattern, strlen(c->pattern), capture_re_flags(c), &c->re, err, errlen);
        if (rc)
            return rc;
        if ((size_t)s->group > c->re->re_nsub)
            return errbuf_set(err, errlen, CHK_EINVAL,
                              "group %d, but the expression has %zu group%s ( ... ); capture "
                              "with parentheses, or write group: 0 for the whole match",
                              s->group, c->re->re_nsub, c->re->re_nsub == 1 ? "" : "s");
        return CHK_OK;
    }
    }
    return errbuf_set(err, errlen, CHK_EINVAL, "unknown kind of capture");
}

int chk_capture_compile(const struct cap_spec *spec, const char *var, struct scn_capture *out,
                        size_t *err_pos, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err_pos)
        *err_pos = SIZE_MAX;
    int rc = compile_capture(spec, out, err_pos, err, errlen);
    if (!rc && !(out->var = dup_bytes(var, strlen(var))))
        rc = CHK_ENOMEM;
    if (rc)
        chk_capture_free(out);
    return rc;
}

int chk_capture_dup(const struct scn_capture *src, struct scn_capture *dst)
{
    *dst = *src;
    dst->var = dst->name = dst->header = dst->pattern = dst->def = NULL;
    dst->path = NULL;
    dst->re = NULL;
    char err[8];
    size_t pos;
    if ((src->var && !(dst->var = dup_bytes(src->var, strlen(src->var)))) ||
        (src->name && !(dst->name = dup_bytes(src->name, strlen(src->name)))) ||
        (src->header && !(dst->header = dup_bytes(src->header, src->header_len))) ||
        (src->def && !(dst->def = dup_bytes(src->def, src->def_len))) ||
        (src->pattern && !(dst->pattern = dup_bytes(src->pattern, strlen(src->pattern)))) ||
        (src->path && jp_compile(jp_text(src->path), strlen(jp_text(src->path)), &dst->path, &pos,
                                 err, sizeof err)) ||
        (src->re && compile_re(dst->pattern, strlen(dst->pattern), capture_re_flags(src), &dst->re,
                               err, sizeof err))) {
        chk_capture_free(dst);
        return CHK_ENOMEM;
    }
    return CHK_OK;
}

/* out = s (n bytes), NUL-terminated. */
static int set_out(struct tpl_buf *out, const char *s, size_t n)
{
    out->len = 0;
    if (tpl_buf_reserve(out, n))
        return CHK_ENOMEM;
    if (n)
        memcpy(out->data, s, n);
    out->len = n;
    out->data[n] = '\0';
    return 0;
}

struct first_value {
    const char *v;
    size_t n;
};

static bool first_header(void *user, const char *v, size_t n)
{
    struct first_value *f = user;
    f->v = v;
    f->n = n;
    return true;
}

/* The value into out: 0, CHK_NOTFOUND, CHK_ETRUNCATED or CHK_ENOMEM. */
static int capture_value(const struct scn_capture *c, const struct chk_response *r,
                         struct tpl_buf *out)
{
    const char *body = r->body ? r->body : "";
    size_t body_len = r->body ? r->body_len : 0;
    switch (c->source) {
    case CAP_JSON: {
        if (r->truncated)
            return CHK_ETRUNCATED;
        struct jp_value v;
        if (jp_find(c->path, body, body_len, &v))
            return CHK_NOTFOUND;
        out->len = 0;
        if (tpl_buf_reserve(out, v.len))
            return CHK_ENOMEM;
        out->len = jp_unescape(&v, out->data);
        out->data[out->len] = '\0';
        return 0;
    }
    case CAP_HEADER: {
        struct first_value f = {NULL, 0};
        if (!r->head ||
            !chk_each_header(r->head, r->head_len, c->header, c->header_len, first_header, &f))
            return CHK_NOTFOUND;
        return set_out(out, f.v, f.n);
    }
    case CAP_REGEX: {
        const char *s = c->from_headers ? r->head : body;
        size_t n = c->from_headers ? r->head_len : body_len;
        if (!c->from_headers && r->truncated)
            return CHK_ETRUNCATED;
        regmatch_t m[10];
        if (!s || !run_re(c->re, s, n, m, (size_t)c->group + 1) || m[c->group].rm_so < 0)
            return CHK_NOTFOUND;
        return set_out(out, s + m[c->group].rm_so, (size_t)(m[c->group].rm_eo - m[c->group].rm_so));
    }
    }
    return CHK_NOTFOUND;
}

int chk_capture(const struct scn_capture *c, const struct chk_response *r, struct tpl_buf *out)
{
    int rc = capture_value(c, r, out);
    if (rc == CHK_NOTFOUND && c->def)
        rc = set_out(out, c->def, c->def_len);
    if (rc) {
        out->len = 0;
        if (out->data)
            out->data[0] = '\0';
    }
    return rc;
}
