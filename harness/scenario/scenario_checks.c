/*
 * scenario_checks.c — a request's `checks:`, `capture:` and `body_limit:`
 * (docs/scenario.md, "Checks and captures"): the YAML read into specs and
 * compiled by check.c, every mistake reported with its position; the
 * default names of checks and captures once the request's name is final.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "scenario/check.h"
#include "scenario/scenario_int.h"

#define DEFAULT_BODY_LIMIT (1u << 20)
#define MAX_BODY_LIMIT (64ull << 20)
#define MAX_CHECK_NAME 128

static const char *const kinds[] = {"status", "header", "json", "body", "body_size", NULL};

/* The node under key even when it is written as null (scnp_get hides those). */
static const struct ytree_node *get_any(const struct ytree_node *map, const char *key)
{
    for (size_t i = 0; map->kind == YTREE_MAP && i < map->n; i++)
        if (!strcmp(map->items[2 * i]->text, key))
            return map->items[2 * i + 1];
    return NULL;
}

/* Reports a compile error of check.c at n under field; a JSON path's
 * fault (pos != SIZE_MAX) at its own column, as written on one line. */
static void report(struct scnp_ctx *c, const struct ytree_node *n, const char *field, int rc,
                   const char *msg, size_t pos)
{
    if (rc == CHK_ENOMEM) {
        c->oom = true;
        return;
    }
    if (pos == SIZE_MAX) {
        scnp_error(c, n, field, "%s", msg);
        return;
    }
    struct ytree_node at = *n;
    if (at.col && pos < 4096)
        at.col += (int)pos + !n->plain; /* past the opening quote */
    scnp_error(c, &at, field, "'%s' at character %zu: %s", n->text, pos + 1, msg);
}

/* `status: 201`, `[200, 204]`, `2xx`: into *out (owned), *n. */
static int read_statuses(struct scnp_ctx *c, const struct ytree_node *v, const char *field,
                         int **out, size_t *n)
{
    char f[SCNP_FIELD_MAX];
    size_t count = v->kind == YTREE_SEQ ? v->n : 1;
    if (v->kind == YTREE_MAP || !count) {
        scnp_error(c, v, field, "expected a status or a list of them, e.g. 201 or [200, 204]");
        return -1;
    }
    int *st = calloc(count * 100, sizeof *st);
    if (!st) {
        c->oom = true;
        return -1;
    }
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        const struct ytree_node *item = v->kind == YTREE_SEQ ? v->items[i] : v;
        const char *fi = v->kind == YTREE_SEQ ? scnp_field_i(f, field, i) : field;
        char *t;
        if (scnp_string(c, item, fi, &t, NULL)) {
            rc = -1;
            continue;
        }
        if (strlen(t) == 3 && t[0] >= '1' && t[0] <= '5' && (t[1] | 0x20) == 'x' &&
            (t[2] | 0x20) == 'x') {
            for (int s = 0; s < 100; s++)
                st[k++] = (t[0] - '0') * 100 + s;
        } else {
            long long s;
            if (scnp_int(c, item, fi, 100, 599, &s))
                rc = -1;
            else
                st[k++] = (int)s;
        }
        free(t);
    }
    if (rc) {
        free(st);
        return -1;
    }
    *out = st;
    *n = k;
    return 0;
}

/* A size (`64kB`) within [0, max]. */
static int read_size(struct scnp_ctx *c, const struct ytree_node *v, const char *field,
                     unsigned long long max, const char *too_big, unsigned long long *out)
{
    char *t;
    const char *why;
    unsigned long long b;
    if (scnp_string(c, v, field, &t, NULL))
        return -1;
    if (units_size_bytes(t, &b, &why)) {
        scnp_error(c, v, field, "'%s': %s", t, why);
        free(t);
        return -1;
    }
    free(t);
    if (b > max) {
        scnp_error(c, v, field, "%llu bytes is more than %llu; %s", b, max, too_big);
        return -1;
    }
    *out = b;
    return 0;
}

/* The operation of a header or json check: exists / equals / matches. */
static int read_op(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   struct chk_spec *s, char **value, bool *secret)
{
    char f[SCNP_FIELD_MAX];
    const struct ytree_node *ex = get_any(n, "exists"), *eq = get_any(n, "equals"),
                            *ma = get_any(n, "matches");
    if ((ex != NULL) + (eq != NULL) + (ma != NULL) > 1) {
        scnp_error(c, n, field, "give one of exists, equals and matches, not several");
        return -1;
    }
    s->op = CHK_EXISTS;
    s->exists = true;
    if (ex)
        return scnp_bool(c, ex, scnp_field(f, field, "exists"), &s->exists);
    if (eq) {
        s->op = CHK_EQUALS;
        scnp_field(f, field, "equals");
        if (eq->kind != YTREE_SCALAR) {
            scnp_error(c, eq, f,
                       "expected a value, found %s; compare one value (a deeper path), or use "
                       "matches:",
                       ytree_kind_name(eq));
            return -1;
        }
        if (ytree_is_null(eq)) { /* JSON null; header values are never null */
            *value = strdup("null");
            if (!*value)
                c->oom = true;
            s->value_len = 4;
            return *value ? 0 : -1;
        }
        return scnp_text(c, eq, f, value, &s->value_len, secret);
    }
    if (ma) {
        s->op = CHK_MATCHES;
        if (scnp_text(c, ma, scnp_field(f, field, "matches"), value, &s->value_len, secret))
            return -1;
        return 0;
    }
    return 0;
}

/* `body: {contains: TEXT}` or `body: {matches: RE}`. */
static int read_body_op(struct scnp_ctx *c, const struct ytree_node *v, const char *field,
                        struct chk_spec *s, char **value, bool *secret)
{
    static const char *const keys[] = {"contains", "matches", NULL};
    char f[SCNP_FIELD_MAX];
    if (v->kind != YTREE_MAP) {
        scnp_error(c, v, field,
                   "expected a mapping, found %s; write body: {contains: TEXT} or body: "
                   "{matches: REGEX}",
                   ytree_kind_name(v));
        return -1;
    }
    if (scnp_keys(c, v, field, keys))
        return -1;
    const struct ytree_node *co = scnp_get(v, "contains"), *ma = scnp_get(v, "matches");
    if ((co != NULL) == (ma != NULL)) {
        scnp_error(c, v, field, "give one of contains and matches, e.g. body: {contains: Id}");
        return -1;
    }
    s->op = co ? CHK_CONTAINS : CHK_MATCHES;
    return scnp_text(c, co ? co : ma, scnp_field(f, field, co ? "contains" : "matches"), value,
                     &s->value_len, secret);
}

static int read_body_size(struct scnp_ctx *c, const struct ytree_node *v, const char *field,
                          const struct scn_request *r, struct chk_spec *s)
{
    static const char *const keys[] = {"min", "max", NULL};
    char f[SCNP_FIELD_MAX];
    if (v->kind != YTREE_MAP) {
        scnp_error(c, v, field, "expected a mapping, found %s; write e.g. body_size: {max: 64kB}",
                   ytree_kind_name(v));
        return -1;
    }
    if (scnp_keys(c, v, field, keys))
        return -1;
    const struct ytree_node *mi = scnp_get(v, "min"), *ma = scnp_get(v, "max");
    unsigned long long b;
    int rc = 0;
    const char *big = "a body longer than body_limit is not kept: raise body_limit";
    if (mi && !(rc |= read_size(c, mi, scnp_field(f, field, "min"), r->body_limit, big, &b))) {
        s->size_min = b;
        s->has_min = true;
    }
    if (ma && !(rc |= read_size(c, ma, scnp_field(f, field, "max"), r->body_limit, big, &b))) {
        s->size_max = b;
        s->has_max = true;
    }
    return rc ? -1 : 0;
}

/* One item of `checks:` into *out. */
static int read_check(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                      const struct scn_request *r, struct scn_check *out)
{
    static const char *const keys[] = {"name",      "not",    "status", "header",  "json", "body",
                                       "body_size", "exists", "equals", "matches", NULL};
    static const char *const misplaced[] = {"contains", "min", "max"};
    char f[SCNP_FIELD_MAX];
    if (n->kind != YTREE_MAP) {
        scnp_error(c, n, field,
                   "expected a mapping, found %s; write e.g. {name: created, status: 201}",
                   ytree_kind_name(n));
        return -1;
    }
    for (size_t i = 0; i < 3; i++)
        if (get_any(n, misplaced[i])) {
            scnp_error(c, get_any(n, misplaced[i]), scnp_field(f, field, misplaced[i]),
                       "belongs under %s: write %s", i ? "body_size" : "body",
                       i ? "body_size: {min: 1B, max: 64kB}" : "body: {contains: TEXT}");
            return -1;
        }
    size_t before = c->n_errors;
    if (scnp_keys(c, n, field, keys) || c->n_errors != before)
        return -1; /* an unknown key: nothing more to say about this check */
    const char *kind = NULL;
    const struct ytree_node *kv = NULL;
    size_t ki = 0;
    for (size_t i = 0; kinds[i]; i++) {
        const struct ytree_node *v = get_any(n, kinds[i]);
        if (v && kind) {
            scnp_error(c, v, field,
                       "a check has one kind, this one has %s and %s; split it into two checks",
                       kind, kinds[i]);
            return -1;
        }
        if (v) {
            kind = kinds[i];
            kv = v;
            ki = i;
        }
    }
    if (!kind) {
        scnp_error(c, n, field,
                   "say what to check: status, header, json, body or body_size, e.g. {status: "
                   "201} or {json: $.Data.Status, equals: AwaitingAuthorisation}");
        return -1;
    }
    scnp_field(f, field, kind);
    if (ytree_is_null(kv)) {
        scnp_error(c, kv, f, "no value; write e.g. %s",
                   ki == 0   ? "status: 201"
                   : ki == 1 ? "header: ETag"
                   : ki == 2 ? "json: $.Data.Status"
                   : ki == 3 ? "body: {contains: Id}"
                             : "body_size: {max: 64kB}");
        return -1;
    }
    if (ki != 1 && ki != 2) {
        static const char *const ops[] = {"exists", "equals", "matches"};
        for (size_t i = 0; i < 3; i++)
            if (get_any(n, ops[i])) {
                scnp_error(c, get_any(n, ops[i]), field,
                           "%s applies to header and json checks, not to %s%s", ops[i], kind,
                           ki == 3 ? "; write body: {matches: REGEX} or {contains: TEXT}" : "");
                return -1;
            }
    }
    struct chk_spec s = {.kind = CHK_STATUS};
    char *value = NULL, *text = NULL;
    int *statuses = NULL;
    bool secret = false;
    const struct ytree_node *v;
    int rc = 0;
    if ((v = scnp_get(n, "not")))
        rc |= scnp_bool(c, v, scnp_field(f, field, "not"), &s.negate);
    scnp_field(f, field, kind);
    switch (ki) {
    case 0:
        s.kind = CHK_STATUS;
        rc |= read_statuses(c, kv, f, &statuses, &s.n_statuses);
        s.statuses = statuses;
        break;
    case 1:
    case 2:
        s.kind = ki == 1 ? CHK_HEADER : CHK_JSON;
        if (scnp_string(c, kv, f, &text, NULL))
            return -1;
        if (ki == 1 && !scnp_http_token(text)) {
            scnp_error(c, kv, f, "'%s' is not a header name (letters, digits, - and no spaces)",
                       text);
            rc = -1;
        }
        if (ki == 1)
            s.header = text;
        else
            s.path = text;
        rc |= read_op(c, n, field, &s, &value, &secret);
        break;
    case 3:
        s.kind = CHK_BODY;
        rc |= read_body_op(c, kv, f, &s, &value, &secret);
        break;
    default:
        s.kind = CHK_BODY_SIZE;
        rc |= read_body_size(c, kv, f, r, &s);
        break;
    }
    s.value = value;
    if (!rc) {
        char err[512];
        size_t pos;
        int crc = chk_compile(&s, out, &pos, err, sizeof err);
        if (crc) {
            /* a pattern's fault at matches:, a path's or the rest at the kind */
            const struct ytree_node *ma = get_any(s.kind == CHK_BODY ? kv : n, "matches");
            char g[SCNP_FIELD_MAX];
            if (s.op == CHK_MATCHES && ma && pos == SIZE_MAX)
                report(c, ma, scnp_field(g, s.kind == CHK_BODY ? f : field, "matches"), crc, err,
                       pos);
            else
                report(c, kv, f, crc, err, pos);
            rc = -1;
        } else {
            out->secret = secret;
        }
    }
    free(text);
    free(value);
    free(statuses);
    if (rc)
        return -1;
    if ((v = scnp_get(n, "name"))) {
        if (scnp_name(c, v, scnp_field(f, field, "name"), &out->name)) {
            chk_free(out);
            return -1;
        }
        out->named = true;
    }
    return 0;
}

static bool builtin_name(const char *s)
{
    static const char *const b[] = {"uuid",     "seq",        "now_ms",     "now_iso",
                                    "now_http", "random_int", "random_hex", NULL};
    for (size_t i = 0; b[i]; i++)
        if (!strcmp(s, b[i]))
            return true;
    return false;
}

static bool var_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 64 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

/* One `VAR: {json: PATH}` of `capture:` into *out. */
static int read_capture(struct scnp_ctx *c, const struct ytree_node *k, const struct ytree_node *n,
                        const char *field, struct scn_capture *out)
{
    static const char *const keys[] = {"json", "header", "regex", "group", "from", "default", NULL};
    char f[SCNP_FIELD_MAX];
    if (!var_name(k->text)) {
        scnp_error(c, k, field,
                   "'%s' is not a variable name; use up to 64 letters, digits and _, not "
                   "starting with a digit",
                   k->text);
        return -1;
    }
    if (builtin_name(k->text)) {
        scnp_error(c, k, field,
                   "'%s' is a built-in of templates (${%s}); give the variable another name",
                   k->text, k->text);
        return -1;
    }
    if (n->kind != YTREE_MAP) {
        scnp_error(c, n, field,
                   "expected a mapping, found %s; write e.g. %s: {json: $.Data.ConsentId}",
                   ytree_kind_name(n), k->text);
        return -1;
    }
    size_t before = c->n_errors;
    if (scnp_keys(c, n, field, keys) || c->n_errors != before)
        return -1;
    const struct ytree_node *js = scnp_get(n, "json"), *hd = scnp_get(n, "header"),
                            *re = scnp_get(n, "regex"), *v;
    if ((js != NULL) + (hd != NULL) + (re != NULL) != 1) {
        scnp_error(c, n, field,
                   "give one of json, header and regex, e.g. {json: $.Data.ConsentId}, "
                   "{header: ETag} or {regex: \"id=([0-9]+)\"}");
        return -1;
    }
    if (!re && (scnp_get(n, "group") || scnp_get(n, "from"))) {
        scnp_error(c, scnp_get(n, "group") ? scnp_get(n, "group") : scnp_get(n, "from"), field,
                   "group and from apply to regex captures only");
        return -1;
    }
    struct cap_spec s = {.source = js ? CAP_JSON : hd ? CAP_HEADER : CAP_REGEX, .group = 1};
    const struct ytree_node *src = js ? js : hd ? hd : re;
    const char *key = js ? "json" : hd ? "header" : "regex";
    char *text = NULL, *def = NULL;
    bool secret = false;
    int rc = 0;
    scnp_field(f, field, key);
    if (re ? scnp_text(c, src, f, &text, NULL, &secret) : scnp_string(c, src, f, &text, NULL))
        return -1;
    if (hd && !scnp_http_token(text)) {
        scnp_error(c, src, f, "'%s' is not a header name (letters, digits, - and no spaces)", text);
        rc = -1;
    }
    if ((v = scnp_get(n, "group"))) {
        long long g;
        if (scnp_int(c, v, scnp_field(f, field, "group"), 0, 9, &g))
            rc = -1;
        else
            s.group = (int)g;
    }
    if ((v = scnp_get(n, "from"))) {
        char *from;
        if (scnp_string(c, v, scnp_field(f, field, "from"), &from, NULL)) {
            rc = -1;
        } else {
            if (!strcmp(from, "headers"))
                s.from_headers = true;
            else if (strcmp(from, "body")) {
                scnp_error(c, v, f, "'%s': write body (the default) or headers", from);
                rc = -1;
            }
            free(from);
        }
    }
    if ((v = scnp_get(n, "default")) &&
        scnp_text(c, v, scnp_field(f, field, "default"), &def, &s.def_len, &secret))
        rc = -1;
    s.def = def;
    if (js)
        s.path = text;
    else if (hd)
        s.header = text;
    else
        s.pattern = text;
    if (!rc) {
        char err[512];
        size_t pos;
        int crc = chk_capture_compile(&s, k->text, out, &pos, err, sizeof err);
        if (crc) {
            report(c, src, scnp_field(f, field, key), crc, err, pos);
            rc = -1;
        } else {
            out->secret = secret;
        }
    }
    free(text);
    free(def);
    return rc;
}

void scnp_request_checks(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                         struct scn_request *r)
{
    char f[SCNP_FIELD_MAX], g[SCNP_FIELD_MAX];
    const struct ytree_node *v;
    r->body_limit = DEFAULT_BODY_LIMIT;
    if ((v = scnp_get(n, "body_limit"))) {
        unsigned long long b;
        if (!read_size(c, v, scnp_field(f, field, "body_limit"), MAX_BODY_LIMIT,
                       "checks read at most 64 MiB of a body", &b)) {
            if (!b)
                scnp_error(c, v, f, "must be at least 1B; the default is 1MiB");
            else
                r->body_limit = (size_t)b;
        }
    }
    if ((v = scnp_get(n, "checks")) &&
        !scnp_list(c, v, scnp_field(f, field, "checks"),
                   "checks: [{name: created, status: 201}]") &&
        v->n) {
        if (!(r->checks = calloc(v->n, sizeof *r->checks))) {
            c->oom = true;
            return;
        }
        for (size_t i = 0; i < v->n; i++)
            if (!read_check(c, v->items[i], scnp_field_i(g, f, i), r, &r->checks[r->n_checks]))
                r->n_checks++;
    }
    if ((v = scnp_get(n, "capture"))) {
        scnp_field(f, field, "capture");
        if (v->kind != YTREE_MAP) {
            scnp_error(c, v, f,
                       "expected a mapping of variable names, found %s; write e.g. capture: "
                       "{consent_id: {json: $.Data.ConsentId}}",
                       ytree_kind_name(v));
        } else if (v->n) {
            if (!(r->captures = calloc(v->n, sizeof *r->captures))) {
                c->oom = true;
                return;
            }
            for (size_t i = 0; i < v->n; i++)
                if (!read_capture(c, v->items[2 * i], v->items[2 * i + 1],
                                  scnp_field(g, f, v->items[2 * i]->text),
                                  &r->captures[r->n_captures]))
                    r->n_captures++;
        }
    }
    for (size_t i = 0; i < r->n_checks; i++) {
        r->needs_head |= r->checks[i].needs_head;
        r->needs_body |= r->checks[i].needs_body;
    }
    for (size_t i = 0; i < r->n_captures; i++) {
        r->needs_head |= r->captures[i].needs_head;
        r->needs_body |= r->captures[i].needs_body;
    }
}

/* "REQUEST.SUFFIX", bytes a name cannot hold as '_', at most
 * MAX_CHECK_NAME bytes. Owned, or NULL. */
static char *made_name(const char *request, const char *kind, const char *arg)
{
    char buf[MAX_CHECK_NAME + 1];
    snprintf(buf, sizeof buf, "%s.%s%s%s", request, kind, arg ? ":" : "", arg ? arg : "");
    for (char *p = buf; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("._-:@+[]$", *p)))
            *p = '_';
    return strdup(buf);
}

void scnp_request_check_names(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                              struct scn_request *r)
{
    for (size_t i = 0; i < r->n_checks; i++) {
        struct scn_check *k = &r->checks[i];
        if (k->named)
            continue;
        free(k->name);
        switch (k->kind) {
        case CHK_STATUS:
            k->name = made_name(r->name, "status", NULL);
            break;
        case CHK_HEADER:
            k->name = made_name(r->name, "header", k->header);
            break;
        case CHK_JSON:
            k->name = made_name(r->name, "json", jp_text(k->path));
            break;
        case CHK_BODY:
            k->name = made_name(r->name, "body", NULL);
            break;
        case CHK_BODY_SIZE:
            k->name = made_name(r->name, "body_size", NULL);
            break;
        }
        if (!k->name)
            c->oom = true;
    }
    for (size_t i = 0; i < r->n_captures; i++) {
        free(r->captures[i].name);
        if (!(r->captures[i].name = made_name(r->name, "capture", r->captures[i].var)))
            c->oom = true;
    }
    /* names are unique within a request (across requests they add up) */
    const struct ytree_node *list = scnp_get(n, "checks");
    size_t total = r->n_checks + r->n_captures;
    if (c->oom || !total || !list || list->kind != YTREE_SEQ || list->n != r->n_checks)
        return;
    struct uniq_key *keys = calloc(total, sizeof *keys);
    if (!keys) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < r->n_checks; i++)
        keys[i] = (struct uniq_key){r->checks[i].name, strlen(r->checks[i].name)};
    for (size_t i = 0; i < r->n_captures; i++)
        keys[r->n_checks + i] = (struct uniq_key){r->captures[i].name, strlen(r->captures[i].name)};
    size_t *first = scnp_first_names(c, keys, total, 0);
    free(keys);
    char f[SCNP_FIELD_MAX], g[SCNP_FIELD_MAX];
    scnp_field(f, field, "checks");
    for (size_t i = 0; first && i < r->n_checks; i++)
        if (first[i] != i)
            scnp_error(c, list->items[i], scnp_field_i(g, f, i),
                       "this check is named '%s' like checks.%zu of this request; give one of "
                       "them a name: of its own",
                       r->checks[i].name, first[i]);
    free(first);
}

void scn_request_checks_free(struct scn_request *r)
{
    for (size_t i = 0; i < r->n_checks; i++)
        chk_free(&r->checks[i]);
    free(r->checks);
    for (size_t i = 0; i < r->n_captures; i++)
        chk_capture_free(&r->captures[i]);
    free(r->captures);
    r->checks = NULL;
    r->captures = NULL;
    r->n_checks = r->n_captures = 0;
}
