/*
 * merge_hlog.c — the shards' interval logs merged interval by interval;
 * see merge.h (merge_hlog).
 *
 * Interval k of every shard covers the same span of wall-clock time (the
 * shards start together at --start-at, on the same interval grid), so a
 * shard's line belongs to the interval of that shard's results.json that
 * starts nearest to it, and the lines of interval k are added tag by tag.
 * The logs are read side by side, one interval at a time: at most one
 * interval's histograms are held (a run's whole log could be gigabytes
 * decoded).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errbuf.h"
#include "measure/hdr.h"
#include "measure/hlog.h"
#include "output/merge.h"
#include "run/engine.h"
#include "scenario/scenario.h"

/* One tag's histogram of the interval being merged (tag NULL: untagged). */
struct acc {
    char *tag;
    struct hdr_hist *h;
};

struct accs {
    struct acc *a;
    size_t n, cap;
};

static void accs_clear(struct accs *A)
{
    for (size_t i = 0; i < A->n; i++) {
        free(A->a[i].tag);
        hdr_close(A->a[i].h);
    }
    A->n = 0;
}

/* Adds h (taken) to the tag's histogram. */
static int accs_add(struct accs *A, const char *tag, struct hdr_hist *h)
{
    for (size_t i = 0; i < A->n; i++)
        if ((!tag && !A->a[i].tag) || (tag && A->a[i].tag && !strcmp(tag, A->a[i].tag)))
            return merge_hist_add(&A->a[i].h, h);
    if (A->n == A->cap) {
        size_t cap = A->cap ? 2 * A->cap : 32;
        struct acc *a = realloc(A->a, cap * sizeof *a);
        if (!a) {
            hdr_close(h);
            return MERGE_ENOMEM;
        }
        A->a = a;
        A->cap = cap;
    }
    char *t = tag ? strdup(tag) : NULL;
    if (tag && !t) {
        hdr_close(h);
        return MERGE_ENOMEM;
    }
    A->a[A->n++] = (struct acc){t, h};
    return MERGE_OK;
}

/* A shard's log, read one line ahead. */
struct src {
    const struct merge_shard *sh;
    FILE *f;
    struct hlog_reader *rd;
    struct hlog_interval pend;
    bool has;
    size_t k; /* the shard's interval the pending line belongs to */
};

/* The shard's interval nearest to offset_s (its results.json's
 * intervals), searched from the last one found: lines come in time order. */
static size_t interval_of(const struct results *x, size_t from, double offset_s)
{
    size_t best = from < x->n_intervals ? from : 0;
    for (size_t j = best; j < x->n_intervals; j++) {
        if (fabs(x->intervals[j].start_s - offset_s) < fabs(x->intervals[best].start_s - offset_s))
            best = j;
        if (x->intervals[j].start_s > offset_s)
            break;
    }
    return best;
}

static int src_next(struct src *s, char *err, size_t errlen)
{
    s->has = false;
    int rc = hlog_reader_next(s->rd, &s->pend);
    if (rc == 1) {
        s->has = true;
        s->k = interval_of(s->sh->res, s->k, s->pend.offset_s);
        return MERGE_OK;
    }
    if (rc == 0)
        return MERGE_OK;
    if (rc == HLOG_ENOMEM)
        return MERGE_ENOMEM;
    return errbuf_set(err, errlen, MERGE_EINPUT, "%s:%ld: %s; the shard's interval log is damaged",
                      s->sh->hlog_path, hlog_reader_error_line(s->rd), hlog_reader_error(s->rd));
}

/* Replaces characters a tag cannot hold, as the session does. */
static void tag_name(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s", name);
    for (char *p = buf; *p; p++)
        if (*p == ',' || *p == ' ' || *p == '\r' || *p == '\n' || *p == '\t')
            *p = '_';
}

/* The request and node of a tag "SERIES/PHASE/REQUEST/NODE" (series
 * "latency" or "service": *svc), or false. */
static bool tag_parts(const struct merge *m, const char *tag, bool *svc, size_t *q, size_t *n)
{
    char name[REC_NODE_NAME_LEN + 256];
    if (!strncmp(tag, "latency/", 8))
        *svc = false;
    else if (!strncmp(tag, "service/", 8))
        *svc = true;
    else
        return false;
    const char *rest = tag + 8;
    size_t p;
    for (p = 0; p < m->scn->n_phases; p++) {
        tag_name(name, sizeof name, m->scn->phases[p].name);
        size_t len = strlen(name);
        if (!strncmp(rest, name, len) && rest[len] == '/') {
            rest += len + 1;
            break;
        }
    }
    if (p == m->scn->n_phases)
        return false;
    for (*q = 0; *q < m->scn->n_requests; (*q)++) {
        tag_name(name, sizeof name, m->scn->requests[*q].name);
        size_t len = strlen(name);
        if (!strncmp(rest, name, len) && rest[len] == '/') {
            rest += len + 1;
            break;
        }
    }
    if (*q == m->scn->n_requests)
        return false;
    for (*n = 0; *n < m->r->n_nodes; (*n)++) {
        tag_name(name, sizeof name, m->r->node_names[*n]);
        if (!strcmp(rest, name))
            return true;
    }
    return false;
}

/* Adds a copy of h into *dst (created on first use). */
static int sum_into(struct hdr_hist **dst, const struct hdr_hist *h)
{
    if (!*dst && hdr_init(h->lowest_discernible, h->highest_trackable, h->sigfigs, dst))
        return MERGE_ENOMEM;
    return hdr_add(*dst, h) ? MERGE_ESHARDS : MERGE_OK;
}

static void slice_pcts(struct engine_slice *s, const struct hdr_hist *lat,
                       const struct hdr_hist *svc)
{
    if (lat) {
        s->p50_us = hdr_value_at_percentile(lat, 50);
        s->p90_us = hdr_value_at_percentile(lat, 90);
        s->p99_us = hdr_value_at_percentile(lat, 99);
        s->max_us = hdr_max(lat);
    }
    if (svc)
        s->svc_p99_us = hdr_value_at_percentile(svc, 99);
}

/* The interval's percentiles from its merged histograms: all (the
 * untagged line, or every latency tag), each node and each request. */
static int fill_slices(struct merge *m, struct engine_interval *iv, const struct accs *A)
{
    size_t nn = m->r->n_nodes, nq = m->scn->n_requests;
    struct hdr_hist **h = calloc(2 * (nn + nq) + 2, sizeof *h);
    if (!h)
        return MERGE_ENOMEM;
    struct hdr_hist **node_lat = h, **node_svc = h + nn, **req_lat = h + 2 * nn,
                    **req_svc = h + 2 * nn + nq, **all_lat = h + 2 * (nn + nq),
                    **all_svc = all_lat + 1;
    const struct hdr_hist *untagged = NULL;
    int rc = MERGE_OK;
    for (size_t i = 0; i < A->n && rc == MERGE_OK; i++) {
        bool svc;
        size_t q, n;
        if (!A->a[i].tag) {
            untagged = A->a[i].h;
            continue;
        }
        if (!tag_parts(m, A->a[i].tag, &svc, &q, &n))
            continue;
        rc = sum_into(svc ? &node_svc[n] : &node_lat[n], A->a[i].h);
        if (rc == MERGE_OK)
            rc = sum_into(svc ? &req_svc[q] : &req_lat[q], A->a[i].h);
        if (rc == MERGE_OK)
            rc = sum_into(svc ? all_svc : all_lat, A->a[i].h);
    }
    if (rc == MERGE_OK) {
        slice_pcts(&iv->all, untagged ? untagged : *all_lat, *all_svc);
        for (size_t n = 0; n < nn && n < iv->n_nodes; n++)
            slice_pcts(&iv->nodes[n], node_lat[n], node_svc[n]);
        for (size_t q = 0; q < nq && q < iv->n_requests; q++)
            slice_pcts(&iv->requests[q], req_lat[q], req_svc[q]);
    }
    for (size_t i = 0; i < 2 * (nn + nq) + 2; i++)
        hdr_close(h[i]);
    free(h);
    return rc;
}

static int64_t ms_of(double s)
{
    return (int64_t)llround(s * 1000.0);
}

/* Interval k: each shard's lines (written under its prefix, added into
 * A), then the merged lines. */
static int merge_interval(struct merge *m, size_t k, struct src *srcs, struct accs *A,
                          struct hlog_writer *w, char *err, size_t errlen)
{
    const struct engine_interval *iv = &m->r->intervals[k];
    int64_t base_ms = (int64_t)(m->r->start_epoch_s * 1000.0);
    int64_t start_ms = base_ms + (int64_t)(iv->start_s * 1000.0);
    int64_t length_ms = (int64_t)(iv->length_s * 1000.0 + 0.5);
    char tag[1024];
    for (size_t i = 0; i < m->n; i++) {
        struct src *s = &srcs[i];
        while (s->has && s->k <= k) {
            struct hlog_interval *x = &s->pend;
            if (x->tag)
                snprintf(tag, sizeof tag, "shard-%zu::%s", s->sh->index, x->tag);
            else
                snprintf(tag, sizeof tag, "shard-%zu", s->sh->index);
            hlog_writer_interval(w, tag, start_ms, ms_of(x->length_s), x->hist);
            int rc = accs_add(A, x->tag, x->hist);
            x->hist = NULL;
            if (rc == MERGE_ESHARDS)
                return errbuf_set(
                    err, errlen, rc,
                    "%s:%ld: a histogram (tag %s) has values the merged histogram "
                    "cannot hold: its settings differ from the other shards'; nothing "
                    "may be dropped, so nothing was merged",
                    s->sh->hlog_path, x->line, x->tag ? x->tag : "none");
            if (rc)
                return rc;
            if ((rc = src_next(s, err, errlen)))
                return rc;
        }
    }
    for (size_t i = 0; i < A->n; i++)
        if (!A->a[i].tag)
            hlog_writer_interval(w, NULL, start_ms, length_ms, A->a[i].h);
    for (size_t i = 0; i < A->n; i++)
        if (A->a[i].tag)
            hlog_writer_interval(w, A->a[i].tag, start_ms, length_ms, A->a[i].h);
    int rc = fill_slices(m, &m->r->intervals[k], A);
    accs_clear(A);
    return rc;
}

int merge_hlog(struct merge *m, FILE *f, char *err, size_t errlen)
{
    struct src *srcs = calloc(m->n, sizeof *srcs);
    struct accs A = {0};
    struct hlog_writer w;
    int rc = MERGE_OK;
    if (!srcs)
        return MERGE_ENOMEM;
    struct hlog_read_opts opts;
    hlog_read_opts_default(&opts);
    opts.all_tags = true;
    for (size_t i = 0; i < m->n && rc == MERGE_OK; i++) {
        struct src *s = &srcs[i];
        s->sh = &m->shards[i];
        if (!(s->f = fopen(s->sh->hlog_path, "r")))
            rc = errbuf_set(err, errlen, MERGE_EINPUT, "%s: %s", s->sh->hlog_path, strerror(errno));
        else if (hlog_reader_open(s->f, &opts, &s->rd))
            rc = MERGE_ENOMEM;
        else
            rc = src_next(s, err, errlen);
    }
    if (rc == MERGE_OK && hlog_writer_open(&w, f, (int64_t)(m->r->start_epoch_s * 1000.0)))
        rc = errbuf_set(err, errlen, MERGE_EINPUT, "cannot write the merged interval log: %s",
                        strerror(errno ? errno : EIO));
    if (rc == MERGE_OK) {
        char note[512];
        hlog_writer_comment(&w, "[Untagged lines: latency of every request; tagged: "
                                "latency|service/PHASE/REQUEST/NODE]");
        snprintf(note, sizeof note,
                 "[Merged by gatecap merge from %zu shards of run %s; shard-<i>::TAG: shard i's "
                 "own lines, shard-<i>: its untagged ones]",
                 m->n, m->run_id ? m->run_id : "(unknown)");
        for (char *p = note; *p; p++)
            if (*p == '\r' || *p == '\n')
                *p = ' ';
        hlog_writer_comment(&w, note);
    }
    for (size_t k = 0; rc == MERGE_OK && k < m->r->n_intervals; k++)
        rc = merge_interval(m, k, srcs, &A, &w, err, errlen);
    if (rc == MERGE_OK && hlog_writer_finish(&w))
        rc = errbuf_set(err, errlen, MERGE_EINPUT, "cannot write the merged interval log: %s",
                        strerror(errno ? errno : EIO));
    accs_clear(&A);
    free(A.a);
    for (size_t i = 0; i < m->n; i++) {
        if (srcs[i].has)
            hdr_close(srcs[i].pend.hist);
        hlog_reader_close(srcs[i].rd);
        if (srcs[i].f)
            fclose(srcs[i].f);
    }
    free(srcs);
    if (rc == MERGE_ENOMEM)
        errbuf_set(err, errlen, rc, "out of memory while merging the interval logs");
    return rc;
}
