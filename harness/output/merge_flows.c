/*
 * merge_flows.c — the flows and checks of a distributed run's shards
 * summed (docs/merge.md): the merged scenario learns the flows and check
 * names from shard 0's results, every shard must have the same, and each
 * shard's per-phase flow counts and duration histograms (hdr_add, exact)
 * and check counts are added into the merged run, which results.c then
 * writes as any run's "flows" and "checks".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errbuf.h"
#include "measure/recorder_flow.h"
#include "output/merge.h"
#include "run/engine.h"
#include "scenario/scenario.h"

const char *merge_flows_differ(const struct results *a, const struct results *b)
{
    if (a->n_flows != b->n_flows)
        return "the number of flows";
    for (size_t f = 0; f < a->n_flows; f++) {
        const struct results_flow *x = &a->flows[f], *y = &b->flows[f];
        if (strcmp(x->name, y->name) || x->n_steps != y->n_steps)
            return "the flows (\"flows\")";
        for (size_t k = 0; k < x->n_steps; k++)
            if (strcmp(x->steps[k], y->steps[k]))
                return "the flows' steps (\"flows\")";
    }
    if (a->n_checks != b->n_checks)
        return "the number of checks";
    for (size_t k = 0; k < a->n_checks; k++)
        if (strcmp(a->checks[k].name, b->checks[k].name))
            return "the checks (\"checks\")";
    return NULL;
}

static size_t request_index(const struct scenario *scn, const char *name)
{
    for (size_t q = 0; q < scn->n_requests; q++)
        if (!strcmp(scn->requests[q].name, name))
            return q;
    return SIZE_MAX;
}

int merge_flows_scenario(const struct results *a, struct scenario *scn, char *err, size_t errlen)
{
    if (a->n_flows && !(scn->flows = calloc(a->n_flows, sizeof *scn->flows)))
        return MERGE_ENOMEM;
    for (size_t f = 0; f < a->n_flows; f++) {
        const struct results_flow *x = &a->flows[f];
        struct scn_flow *fl = &scn->flows[scn->n_flows++];
        if (!(fl->name = strdup(x->name)))
            return MERGE_ENOMEM;
        fl->weight = isfinite(x->weight) ? x->weight : 0;
        fl->n_steps = x->n_steps;
        /* the steps are consecutive requests of scenario.requests */
        size_t first = x->n_steps ? request_index(scn, x->steps[0]) : SIZE_MAX;
        bool ok = first != SIZE_MAX && first + x->n_steps <= scn->n_requests;
        for (size_t k = 0; ok && k < x->n_steps; k++)
            ok = !strcmp(scn->requests[first + k].name, x->steps[k]);
        if (!ok)
            return errbuf_set(err, errlen, MERGE_EINPUT,
                              "%s: flows[%zu] '%s' names steps that are not consecutive requests "
                              "of scenario.requests; record the shard again",
                              a->path, f, x->name);
        fl->first_request = first;
        for (size_t k = 0; k < x->n_steps; k++)
            scn->requests[first + k].flow = f + 1;
    }
    if (a->n_checks && !(scn->check_names = calloc(a->n_checks, sizeof *scn->check_names)))
        return MERGE_ENOMEM;
    for (size_t k = 0; k < a->n_checks; k++)
        if (!(scn->check_names[scn->n_check_names++] = strdup(a->checks[k].name)))
            return MERGE_ENOMEM;
    return MERGE_OK;
}

static size_t named_index(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return i;
    return SIZE_MAX;
}

static int64_t count_of(double v)
{
    return isfinite(v) && v > 0 ? (int64_t)(v + 0.5) : 0;
}

/* One shard's row of flow f in one phase, into the merged cell. */
static int add_row(struct merge *m, const struct merge_shard *sh, size_t f,
                   const struct results_flow_counts *row, char *err, size_t errlen)
{
    const struct results_flow *x = &sh->res->flows[f];
    struct rec_flow *c = rec_flow_get(m->r->total, row->phase, f);
    if (!c)
        return MERGE_ENOMEM;
    c->started += count_of(row->started);
    c->completed += count_of(row->completed);
    c->failed += count_of(row->failed);
    c->local += count_of(row->local);
    for (size_t i = 0; i < row->n_failed_by_step; i++) {
        size_t k = named_index(x->steps, x->n_steps, row->failed_by_step[i].name);
        if (k != SIZE_MAX)
            c->failed_by_step[k] += count_of(row->failed_by_step[i].count);
    }
    for (size_t i = 0; i < row->n_failed_by_check; i++) {
        size_t k = named_index((const char *const *)m->scn->check_names, m->scn->n_check_names,
                               row->failed_by_check[i].name);
        if (k != SIZE_MAX)
            c->failed_by_check[k] += count_of(row->failed_by_check[i].count);
    }
    if (!row->hist)
        return MERGE_OK;
    struct hdr_hist *h = NULL;
    if (results_hist(row->hist, &h))
        return MERGE_ENOMEM;
    if (merge_hist_add(&c->duration, h))
        return errbuf_set(err, errlen, MERGE_ESHARDS,
                          "%s: the duration histogram of flow %s in phase %s has values the "
                          "merged histogram cannot hold; nothing may be dropped, so nothing was "
                          "merged",
                          sh->results_path, x->name, sh->res->phases[row->phase].name);
    return MERGE_OK;
}

int merge_flows_add(struct merge *m, char *err, size_t errlen)
{
    struct scenario *scn = m->scn;
    if (!scn->n_flows && !scn->n_check_names)
        return MERGE_OK;
    if (scn_rec_flows(scn, m->r->total))
        return MERGE_ENOMEM;
    struct rec_flows *fs = m->r->total->flows;
    for (size_t i = 0; i < m->n; i++) {
        const struct merge_shard *sh = &m->shards[i];
        const struct results *x = sh->res;
        for (size_t f = 0; f < x->n_flows && f < scn->n_flows; f++)
            for (size_t p = 0; p < x->flows[f].n_by_phase; p++) {
                int rc = add_row(m, sh, f, &x->flows[f].by_phase[p], err, errlen);
                if (rc)
                    return rc;
            }
        for (size_t k = 0; k < x->n_checks && k < fs->n_checks; k++) {
            struct rec_check *c = &fs->checks[k];
            c->passed += count_of(x->checks[k].passed);
            c->failed += count_of(x->checks[k].failed);
            /* the first shard's example (already redacted by its run) */
            if (!c->example[0] && x->checks[k].example)
                snprintf(c->example, sizeof c->example, "%s", x->checks[k].example);
        }
    }
    return MERGE_OK;
}
