/*
 * hlog_tags.c — the distinct tags of an interval log and the series of a
 * tag; see hlog_tags.h.
 */
#include "measure/hlog_tags.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hlog.h"

static uint64_t tag_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot that holds tag, or the free one where it would go. */
static size_t *find_slot(const struct hlog_tags *t, const char *tag)
{
    size_t i = (size_t)(tag_hash(tag) & (t->n_slots - 1));
    while (t->slot[i] && strcmp(t->names[t->slot[i] - 1], tag) != 0)
        i = (i + 1) & (t->n_slots - 1);
    return &t->slot[i];
}

/* Slots for n_slots (a power of two above twice the names), every name
 * placed again. */
static int rehash(struct hlog_tags *t, size_t n_slots)
{
    size_t *slot = calloc(n_slots, sizeof *slot);
    if (!slot)
        return HLOG_ENOMEM;
    free(t->slot);
    t->slot = slot;
    t->n_slots = n_slots;
    for (size_t i = 0; i < t->n; i++)
        *find_slot(t, t->names[i]) = i + 1;
    return HLOG_OK;
}

int hlog_tags_add(struct hlog_tags *t, const char *tag)
{
    if (2 * (t->n + 1) > t->n_slots && rehash(t, t->n_slots ? 2 * t->n_slots : 64))
        return HLOG_ENOMEM;
    size_t *at = find_slot(t, tag);
    if (*at)
        return HLOG_OK;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        char **names = realloc(t->names, cap * sizeof *names);
        if (!names)
            return HLOG_ENOMEM;
        t->names = names;
        t->cap = cap;
    }
    if (!(t->names[t->n] = strdup(tag)))
        return HLOG_ENOMEM;
    *at = ++t->n;
    return HLOG_OK;
}

bool hlog_tags_has(const struct hlog_tags *t, const char *tag, bool prefix)
{
    size_t len = strlen(tag);
    for (size_t i = 0; i < t->n; i++)
        if (prefix ? !strncmp(t->names[i], tag, len) : !strcmp(t->names[i], tag))
            return true;
    return false;
}

void hlog_tags_free(struct hlog_tags *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->names[i]);
    free(t->names);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int hlog_tags_read(FILE *f, double start_s, double end_s, struct hlog_tags *t, char *err,
                   size_t errlen, long *err_line)
{
    memset(t, 0, sizeof *t);
    if (err && errlen)
        err[0] = '\0';
    *err_line = 0;
    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.all_tags = true;
    o.skip_histograms = true;
    o.start_s = start_s;
    o.end_s = end_s;
    struct hlog_reader *r = NULL;
    int rc = hlog_reader_open(f, &o, &r);
    if (rc != HLOG_OK)
        return rc;
    struct hlog_interval iv;
    while ((rc = hlog_reader_next(r, &iv)) == 1) {
        if (!iv.tag)
            t->untagged = true;
        else if ((rc = hlog_tags_add(t, iv.tag)) != HLOG_OK)
            break;
    }
    if (rc < 0 && rc != HLOG_ENOMEM) {
        if (err && errlen)
            snprintf(err, errlen, "%s", hlog_reader_error(r));
        *err_line = hlog_reader_error_line(r);
    }
    hlog_reader_close(r);
    if (rc < 0)
        return rc;
    qsort(t->names, t->n, sizeof *t->names, by_name);
    return t->n ? rehash(t, t->n_slots) : HLOG_OK;
}

size_t hlog_tags_series_len(const char *tag)
{
    const char *slash = tag ? strchr(tag, '/') : NULL;
    return slash ? (size_t)(slash - tag) : 0;
}
