/*
 * scenario_feeders.c — the `feeders:` section (CSV files whose rows
 * requests draw per request or per virtual user; feeder.h) and the
 * checks of feeder values that requests' templates put into a path or a
 * header. Read before `requests:`, whose templates name the feeders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario/feeder.h"
#include "scenario/scenario_int.h"

/* A feeder's name: what ${NAME.COLUMN} can name. */
static bool feeder_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* Reads a keyword value into *out (index into words). */
static int keyword(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                   const char *const *words, const char *hint, int *out)
{
    char *v;
    if (scnp_string(c, n, field, &v, NULL))
        return -1;
    for (int i = 0; words[i]; i++) {
        if (!strcmp(v, words[i])) {
            free(v);
            *out = i;
            return 0;
        }
    }
    scnp_error(c, n, field, "'%s' is not one of %s", v, hint);
    free(v);
    return -1;
}

/* Reads one feeder (n: its mapping, or just the file) into *out. */
static void read_feeder(struct scnp_ctx *c, const struct ytree_node *key,
                        const struct ytree_node *n, struct feeder **out)
{
    static const char *const keys[] = {"file", "order", "when_exhausted", "per", NULL};
    static const char *const orders[] = {"sequential", "random", "unique", NULL};
    static const char *const ends[] = {"stop", "wrap", NULL};
    static const char *const pers[] = {"request", "user", NULL};
    char field[SCNP_FIELD_MAX], f[SCNP_FIELD_MAX];
    const struct ytree_node *file = n, *v;
    int order = FEEDER_SEQUENTIAL, end = FEEDER_STOP, per = FEEDER_PER_REQUEST;
    bool ok = true;

    scnp_field(field, "feeders", key->text);
    if (ytree_is_null(n)) {
        scnp_error(c, key, field, "no file; write %s: {file: data/%s.csv}", key->text, key->text);
        return;
    }
    if (n->kind == YTREE_SEQ) {
        scnp_error(c, n, field,
                   "expected {file:, order:, when_exhausted:, per:} or a file name, found a list");
        return;
    }
    if (n->kind == YTREE_MAP) {
        if (scnp_keys(c, n, field, keys))
            return;
        if (!(file = scnp_get(n, "file"))) {
            scnp_error(c, n, field,
                       "missing file; write file: data/%s.csv (a CSV file with a "
                       "header row, relative to the scenario's folder)",
                       key->text);
            ok = false;
        }
        if ((v = scnp_get(n, "order")) &&
            keyword(c, v, scnp_field(f, field, "order"), orders,
                    "sequential (file order, the default), random or unique", &order))
            ok = false;
        if ((v = scnp_get(n, "when_exhausted"))) {
            if (keyword(c, v, scnp_field(f, field, "when_exhausted"), ends,
                        "stop (the default: the run ends) or wrap (start another pass)", &end))
                ok = false;
            else if (order != FEEDER_UNIQUE) {
                scnp_error(c, v, f,
                           "applies to order: unique only (other orders never run out); remove "
                           "it or set order: unique");
                ok = false;
            }
        }
        if ((v = scnp_get(n, "per")) &&
            keyword(c, v, scnp_field(f, field, "per"), pers,
                    "request (a row per request, the default) or user (closed model: a row per "
                    "virtual user for the whole run)",
                    &per))
            ok = false;
        scnp_field(f, field, "file");
    } else {
        snprintf(f, sizeof f, "%s", field); /* accounts: data/accounts.csv */
    }
    if (!file)
        return;
    char *written = NULL, *path = NULL;
    if (scnp_string(c, file, f, &written, NULL) || !(path = scnp_resolve(c, written)))
        goto out;
    struct stat st;
    if (stat(path, &st)) {
        scnp_missing_file(c, file, f, written, path);
        goto out;
    }
    char msg[512];
    struct feeder *fd;
    int rc = feeder_load(key->text, written, path, &fd, msg, sizeof msg);
    if (rc == FEEDER_ENOMEM) {
        c->oom = true;
    } else if (rc) {
        scnp_error(c, file, f, "%s", msg);
    } else if (!ok) {
        feeder_free(fd);
    } else {
        fd->order = (enum feeder_order)order;
        fd->exhausted = (enum feeder_exhausted)end;
        fd->per = (enum feeder_per)per;
        *out = fd;
    }
out:
    free(written);
    free(path);
}

/* Remembers a declared feeder that did not load (reported), so that
 * references to it are not reported again as unknown. */
static void note_failed(struct scnp_ctx *c, const char *name)
{
    const char **grown =
        realloc(c->failed_feeders, (c->n_failed_feeders + 1) * sizeof *c->failed_feeders);
    if (!grown) {
        c->oom = true;
        return;
    }
    c->failed_feeders = grown;
    c->failed_feeders[c->n_failed_feeders++] = name;
}

void scnp_feeders(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    const struct ytree_node *fs = scnp_get(root, "feeders");
    if (!fs)
        return;
    if (fs->kind != YTREE_MAP) {
        scnp_error(c, fs, "feeders",
                   "expected a mapping of feeder names to files, found %s; write e.g. "
                   "feeders: {accounts: {file: data/accounts.csv}}",
                   ytree_kind_name(fs));
        return;
    }
    if (fs->n > TPL_MAX_FEEDERS) {
        scnp_error(c, fs, "feeders", "%zu feeders; at most %d (join files that go together)", fs->n,
                   TPL_MAX_FEEDERS);
        for (size_t i = 0; i < fs->n && !c->oom; i++)
            note_failed(c, fs->items[2 * i]->text);
        return;
    }
    if (!fs->n)
        return;
    if (!(s->feeders = calloc(fs->n, sizeof *s->feeders))) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < fs->n; i++) {
        const struct ytree_node *k = fs->items[2 * i], *v = fs->items[2 * i + 1];
        char f[SCNP_FIELD_MAX];
        if (!feeder_name_ok(k->text)) {
            note_failed(c, k->text);
            scnp_error(c, k, scnp_field(f, "feeders", k->text),
                       "'%s' is not a feeder name; use up to 64 letters, digits and _, not "
                       "starting with a digit (no dots: ${NAME.COLUMN} names a column)",
                       k->text);
            continue;
        }
        struct feeder *fd = NULL;
        read_feeder(c, k, v, &fd);
        if (fd)
            s->feeders[s->n_feeders++] = fd;
        else if (!c->oom)
            note_failed(c, k->text);
    }
}

void scnp_feeders_check(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    const struct ytree_node *fs = scnp_get(root, "feeders");
    if (!s->workloads_explicit && s->model != SCN_OPEN)
        return;
    for (size_t i = 0; i < s->n_feeders; i++) {
        if (s->feeders[i]->per != FEEDER_PER_USER)
            continue;
        /* with workloads: only an open workload's requests may not use it */
        bool open_use = !s->workloads_explicit;
        for (size_t q = 0; !open_use && q < s->n_requests; q++)
            open_use = (s->requests[q].feeder_mask >> i & 1) &&
                       s->workloads[s->requests[q].workload].model == SCN_OPEN;
        if (!open_use)
            continue;
        const struct ytree_node *per = scnp_get(scnp_get(fs, s->feeders[i]->name), "per");
        char f[SCNP_FIELD_MAX], g[SCNP_FIELD_MAX];
        scnp_error(c, per, scnp_field(g, scnp_field(f, "feeders", s->feeders[i]->name), "per"),
                   "per: user needs the closed model (load.model: closed), where each virtual "
                   "user keeps one row for the run; the open model has no users, so write per: "
                   "request (a row per request)%s",
                   s->workloads_explicit ? "; an open workload's request uses this feeder" : "");
    }
}

/* ---- values that templates put into paths and headers ------------------- */

struct value_check {
    struct scnp_ctx *c;
    const struct ytree_node *n;
    const char *field;
    const struct scenario *s;
    const char *(*bad)(unsigned char ch);
    const char *fix;
    bool reported;
};

static void check_column(void *user, size_t feeder, size_t column)
{
    struct value_check *v = user;
    if (v->reported)
        return;
    const struct feeder *f = v->s->feeders[feeder];
    for (size_t row = 0; row < f->n_rows; row++) {
        size_t len;
        const char *cell = feeder_cell(f, row, column, &len);
        for (size_t i = 0; i < len; i++) {
            const char *what = v->bad((unsigned char)cell[i]);
            if (!what)
                continue;
            /* a line break inside quotes: name the line it is on */
            size_t line = feeder_row_line(f, row);
            for (size_t k = 0; k < i; k++)
                line += cell[k] == '\n';
            scnp_error(v->c, v->n, v->field,
                       "${%s.%s} takes values from %s, whose line %zu holds %s in column "
                       "'%s'; %s",
                       f->name, f->columns[column], f->file, line, what, f->columns[column],
                       v->fix);
            v->reported = true;
            return;
        }
    }
}

int scnp_feeder_values(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                       const struct scenario *s, const struct tpl *t,
                       const char *(*bad)(unsigned char ch), const char *fix)
{
    struct value_check v = {c, n, field, s, bad, fix, false};
    tpl_each_column(t, check_column, &v);
    return v.reported ? -1 : 0;
}
