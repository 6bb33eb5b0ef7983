/*
 * results_read_flows.c — results.json's "flows" and "checks" read into the
 * model (results_read.h; docs/results.md, FLOWS and CHECKS): per flow its
 * counts over the run and per phase, with the per-phase duration
 * histograms kept as written; per check its passes, failures and example.
 */
#include <stdio.h>
#include <stdlib.h>

#include "output/results_read_int.h"

/* An object of counts by name (failed_by_step, failed_by_check). */
static void named_counts(struct reader *d, const json_t *o, const char *where, const char *key,
                         struct results_named **out, size_t *n)
{
    char w[320];
    json_t *m = jsonread_maybe(&d->j, o, where, key, JSON_OBJECT);
    if (!m || !json_object_size(m))
        return;
    jsonread_field(w, sizeof w, where, key);
    if (!(*out = jsonread_array(&d->j, json_object_size(m), sizeof **out)))
        return;
    const char *name;
    json_t *v;
    json_object_foreach(m, name, v)
    {
        struct results_named *x = &(*out)[(*n)++];
        x->name = jsonread_keep(&d->j, name);
        x->count = jsonread_num(&d->j, m, w, name, JSONREAD_COUNT);
    }
}

static void counts(struct reader *d, const json_t *o, const char *w, bool by_phase,
                   struct results_flow_counts *c)
{
    c->phase = RESULTS_NO_PHASE;
    if (by_phase) {
        const char *ph = jsonread_str(&d->j, o, w, "phase");
        c->phase = ph ? results_phase_index(d->r, ph) : RESULTS_NO_PHASE;
        if (c->phase == RESULTS_NO_PHASE) {
            jsonread_damaged(&d->j, "%s.phase names no phase of scenario.load.phases", w);
            return;
        }
        if (d->hists & RESULTS_HIST(RESULTS_LATENCY))
            reader_histogram(d, o, w, "duration_hist", &c->hist);
    }
    c->started = jsonread_num(&d->j, o, w, "started", JSONREAD_COUNT);
    c->completed = jsonread_num(&d->j, o, w, "completed", JSONREAD_COUNT);
    c->failed = jsonread_num(&d->j, o, w, "failed", JSONREAD_COUNT);
    c->local = jsonread_num(&d->j, o, w, "local", JSONREAD_COUNT);
    c->unfinished = jsonread_num(&d->j, o, w, "unfinished", JSONREAD_COUNT);
    c->completed_pct = jsonread_num(&d->j, o, w, "completed_pct", JSONREAD_PCT);
    reader_summary(d, o, w, "duration", &c->duration);
    named_counts(d, o, w, "failed_by_step", &c->failed_by_step, &c->n_failed_by_step);
    named_counts(d, o, w, "failed_by_check", &c->failed_by_check, &c->n_failed_by_check);
}

static void flow(struct reader *d, const json_t *o, const char *w, struct results_flow *f)
{
    if (!json_is_string(json_object_get(o, "name")) ||
        !json_is_object(json_object_get(o, "totals"))) {
        jsonread_cut(&d->j, "%s: \"name\" and \"totals\" are required", w);
        return;
    }
    char wt[64];
    f->name = jsonread_str(&d->j, o, w, "name");
    f->weight = jsonread_num(&d->j, o, w, "weight", JSONREAD_NONNEG);
    jsonread_strings(&d->j, jsonread_maybe(&d->j, o, w, "steps", JSON_ARRAY), w, &f->steps,
                     &f->n_steps);
    snprintf(wt, sizeof wt, "%s.totals", w);
    counts(d, json_object_get(o, "totals"), wt, false, &f->totals);
    const json_t *a = jsonread_maybe(&d->j, o, w, "by_phase", JSON_ARRAY);
    if (!a || !json_array_size(a) ||
        !(f->by_phase = jsonread_array(&d->j, json_array_size(a), sizeof *f->by_phase)))
        return;
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        snprintf(wt, sizeof wt, "%s.by_phase[%zu]", w, i);
        counts(d, v, wt, true, &f->by_phase[f->n_by_phase++]);
        if (d->j.rc)
            return;
    }
}

static void checks(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *a = jsonread_maybe(&d->j, root, "", "checks", JSON_ARRAY);
    if (!a || !json_array_size(a) ||
        !(r->checks = jsonread_array(&d->j, json_array_size(a), sizeof *r->checks)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[32];
        snprintf(w, sizeof w, "checks[%zu]", i);
        if (!json_is_string(json_object_get(o, "name"))) {
            jsonread_cut(&d->j, "%s: \"name\" is required", w);
            return;
        }
        struct results_check *k = &r->checks[r->n_checks++];
        k->name = jsonread_str(&d->j, o, w, "name");
        k->passed = jsonread_num(&d->j, o, w, "passed", JSONREAD_COUNT);
        k->failed = jsonread_num(&d->j, o, w, "failed", JSONREAD_COUNT);
        k->passed_pct = jsonread_num(&d->j, o, w, "passed_pct", JSONREAD_PCT);
        k->example = jsonread_str(&d->j, o, w, "example");
    }
}

void reader_flows(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    checks(d, root);
    const json_t *a = jsonread_maybe(&d->j, root, "", "flows", JSON_ARRAY);
    if (d->j.rc || !a || !json_array_size(a) ||
        !(r->flows = jsonread_array(&d->j, json_array_size(a), sizeof *r->flows)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[32];
        snprintf(w, sizeof w, "flows[%zu]", i);
        flow(d, o, w, &r->flows[r->n_flows++]);
        if (d->j.rc)
            return;
    }
}

static void counts_free(struct results_flow_counts *c)
{
    free(c->failed_by_step);
    free(c->failed_by_check);
}

void reader_flows_free(struct results *r)
{
    for (size_t f = 0; f < r->n_flows; f++) {
        struct results_flow *fl = &r->flows[f];
        counts_free(&fl->totals);
        for (size_t p = 0; p < fl->n_by_phase; p++)
            counts_free(&fl->by_phase[p]);
        free(fl->by_phase);
        free(fl->steps);
    }
    free(r->flows);
    free(r->checks);
}
