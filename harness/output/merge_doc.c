/*
 * merge_doc.c — the merged run's results.json; see merge.h (merge_doc).
 *
 * results.c writes the merged engine result as it writes any run's; what
 * it cannot know is added here: the scenario's echo (shard 0's: the
 * shards' are the same by their digest), the generators' own facts
 * (cores, workers, each phase delivered only when every shard delivered
 * it), the token endpoint and applications summed over the shards (the
 * applications are split between them), the "shards" table and "shard".
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "measure/hdr.h"
#include "measure/recorder.h"
#include "output/merge.h"
#include "output/results.h"
#include "run/engine.h"
#include "scenario/scenario.h"

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_int_t ival(double v)
{
    return isfinite(v) && v > 0 ? (json_int_t)llround(v) : 0;
}

static json_t *outcomes_json(const double *oc)
{
    json_t *o = json_object();
    for (int i = 0; o && i < OC_COUNT; i++)
        json_object_set_new(o, rec_outcome_name(i), json_integer(ival(oc[i])));
    return o;
}

static json_t *pct(double part, double whole)
{
    return json_real(whole > 0 ? 100.0 * part / whole : 0.0);
}

/* ---- auth: the token endpoint and the applications, over the shards ---- */

struct app_sum {
    const char *name, *token_error;
    double count, rejected, lat_sum_ms, lat_max_ms, fetched, failures, refreshed, lifetime_s;
    double outcomes[OC_COUNT], throttled_by[REC_THROTTLE_KINDS];
};

static json_t *app_json(const struct app_sum *s)
{
    double errors = 0;
    for (int k = 0; k < OC_COUNT; k++)
        if (rec_outcome_is_error(k))
            errors += s->outcomes[k];
    json_t *o = json_pack(
        "{s:s,s:I,s:o,s:I,s:o,s:I,s:o,s:I,s:I,s:f,s:f,s:I,s:I,s:I,s:f}", "name", s->name, "count",
        ival(s->count), "outcomes", outcomes_json(s->outcomes), "errors", ival(errors), "error_pct",
        pct(errors, s->count), "throttled", ival(s->outcomes[OC_429]), "throttled_pct",
        pct(s->outcomes[OC_429], s->count), "unauthorized", ival(s->outcomes[OC_401]),
        "rejected_after_refresh", ival(s->rejected), "latency_mean_ms",
        s->count > 0 ? s->lat_sum_ms / s->count : 0.0, "latency_max_ms", s->lat_max_ms,
        "tokens_fetched", ival(s->fetched), "token_failures", ival(s->failures),
        "refreshed_after_401", ival(s->refreshed), "token_lifetime_s", s->lifetime_s);
    if (!o)
        return NULL;
    json_t *by = json_object();
    for (int k = 0; by && k < REC_THROTTLE_KINDS; k++)
        if (s->throttled_by[k] > 0)
            json_object_set_new(by, rec_throttle_name(k), json_integer(ival(s->throttled_by[k])));
    json_object_set_new(o, "throttled_by", by);
    json_object_set_new(o, "token_error", str_or_null(s->token_error));
    return o;
}

static double f0(double v)
{
    return isfinite(v) ? v : 0;
}

static void app_add(struct app_sum *s, const struct results_app *a)
{
    s->count += f0(a->count);
    s->rejected += f0(a->rejected_after_refresh);
    s->lat_sum_ms += f0(a->latency_mean_ms) * f0(a->count);
    if (f0(a->latency_max_ms) > s->lat_max_ms)
        s->lat_max_ms = f0(a->latency_max_ms);
    s->fetched += f0(a->tokens_fetched);
    s->failures += f0(a->token_failures);
    s->refreshed += f0(a->refreshed_after_401);
    if (f0(a->token_lifetime_s) > s->lifetime_s)
        s->lifetime_s = f0(a->token_lifetime_s);
    if (!s->token_error)
        s->token_error = a->token_error;
    for (int k = 0; k < OC_COUNT; k++)
        s->outcomes[k] += a->outcomes[k];
    for (int k = 0; k < REC_THROTTLE_KINDS; k++)
        s->throttled_by[k] += a->throttled_by[k];
}

/* The applications of every shard, one row per name. */
static json_t *apps_json(const struct merge *m)
{
    size_t cap = 0, n = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->shards[i].res->auth)
            cap += m->shards[i].res->auth->n_apps;
    struct app_sum *sums = calloc(cap ? cap : 1, sizeof *sums);
    json_t *apps = json_array();
    if (!sums || !apps)
        goto fail;
    for (size_t i = 0; i < m->n; i++) {
        const struct results_auth *au = m->shards[i].res->auth;
        for (size_t j = 0; au && j < au->n_apps; j++) {
            size_t k = 0;
            while (k < n && strcmp(sums[k].name, au->apps[j].name))
                k++;
            if (k == n)
                sums[n++].name = au->apps[j].name;
            app_add(&sums[k], &au->apps[j]);
        }
    }
    for (size_t k = 0; k < n; k++)
        if (json_array_append_new(apps, app_json(&sums[k])))
            goto fail;
    free(sums);
    return apps;
fail:
    free(sums);
    json_decref(apps);
    return NULL;
}

static json_t *auth_json(const struct merge *m, char *err, size_t errlen)
{
    const struct results_auth *first = NULL;
    double requests = 0, failed = 0, outcomes[OC_COUNT] = {0}, reasons[4] = {0};
    struct hdr_hist *h = NULL;
    json_t *rejected = json_array();
    for (size_t i = 0; rejected && i < m->n; i++) {
        const struct results_auth *au = m->shards[i].res->auth;
        if (!au)
            continue;
        if (!first)
            first = au;
        requests += f0(au->requests);
        failed += f0(au->failed);
        for (int k = 0; k < OC_COUNT; k++)
            outcomes[k] += au->outcomes[k];
        for (int k = 0; k < 4; k++)
            reasons[k] += f0(au->by_reason[k]);
        struct hdr_hist *x = NULL;
        if (au->hist && results_hist(au->hist, &x)) {
            hdr_close(h);
            json_decref(rejected);
            return NULL;
        }
        if (x && merge_hist_add(&h, x)) {
            snprintf(err, errlen,
                     "%s: the token endpoint's histogram does not fit the other shards'; nothing "
                     "may be dropped, so nothing was merged",
                     m->shards[i].results_path);
            hdr_close(h);
            json_decref(rejected);
            return NULL;
        }
        for (size_t j = 0; j < au->n_rejected; j++) {
            bool seen = false;
            for (size_t r = 0; r < json_array_size(rejected); r++)
                seen |= !strcmp(json_string_value(json_array_get(rejected, r)), au->rejected[j]);
            if (!seen)
                json_array_append_new(rejected, json_string(au->rejected[j]));
        }
    }
    if (!first || !rejected) {
        json_decref(rejected);
        hdr_close(h);
        return NULL;
    }
    if (!h && hdr_init_default(&h)) {
        json_decref(rejected);
        return NULL;
    }
    json_t *ep =
        json_pack("{s:o,s:I,s:I,s:o,s:o,s:o}", "url", str_or_null(first->url), "requests",
                  ival(requests), "failed", ival(failed), "outcomes", outcomes_json(outcomes),
                  "latency_ms", results_hist_summary(h), "histogram", results_hist_base64(h));
    hdr_close(h);
    json_t *by = json_object();
    for (int k = 0; by && k < 4; k++)
        json_object_set_new(by, results_reason_name(k), json_integer(ival(reasons[k])));
    json_object_set_new(ep, "by_reason", by);
    json_t *o = json_pack("{s:o,s:o,s:o}", "token_endpoint", ep, "applications", apps_json(m),
                          "rejected_applications", rejected);
    return o;
}

/* ---- the generators ---- */

static json_t *clock_json(const struct results_clock *c)
{
    if (!c->present)
        return json_null();
    return json_pack("{s:b,s:o,s:o,s:o,s:o}", "synchronised", c->synchronised, "state",
                     num_or_null(c->state), "maxerror_ms", num_or_null(c->maxerror_ms),
                     "esterror_ms", num_or_null(c->esterror_ms), "offset_ms",
                     num_or_null(c->offset_ms));
}

static json_t *shards_json(const struct merge *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->n; i++) {
        const struct merge_shard *sh = &m->shards[i];
        const struct results *x = sh->res;
        json_t *o = json_pack(
            "{s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:I,s:I,s:o,s:o,s:I,s:I,s:o,s:b}", "index",
            (json_int_t)sh->index, "file", sh->results_path, "host", str_or_null(x->shard.host),
            "source", str_or_null(x->shard.source), "status", str_or_null(x->status), "elapsed_s",
            num_or_null(x->elapsed_s), "release_offset_ms", num_or_null(x->shard.release_offset_ms),
            "clock", clock_json(&x->shard.clock), "clock_flagged", sh->clock_flagged, "clock_flag",
            sh->clock_flagged ? json_string(sh->clock_flag) : json_null(), "scheduled",
            ival(x->gen.scheduled), "started", ival(x->gen.started), "late_pct",
            num_or_null(x->gen.late_pct), "max_lag_ms", num_or_null(x->gen.max_lag_ms),
            "queue_drops", ival(x->gen.queue_drops), "local_failures", ival(x->gen.local_failures),
            "cpu_pct", num_or_null(x->cpu_pct), "generator_limited", x->generator_limited);
        if (!o || json_array_append_new(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

void *merge_doc(const struct merge *m, char *err, size_t errlen)
{
    const struct results *a = m->shards[0].res;
    json_error_t je;
    if (err && errlen)
        err[0] = '\0';
    json_t *doc = results_build_echo(m->scn, m->r, json_loads(a->scenario_json, 0, &je));
    if (!doc || results_add_gates(doc, m->scn, m->verdicts, m->n_verdicts,
                                  m->r->stop_reason[0] ? m->r->stop_reason : NULL))
        goto fail;
    json_t *gc = json_object_get(doc, "gatecap");
    if (a->transport)
        json_object_set_new(gc, "transport", json_string(a->transport));
    double cores = 0;
    for (size_t i = 0; i < m->n; i++)
        cores += f0(m->shards[i].res->cores);
    json_object_set_new(json_object_get(doc, "environment"), "cores", json_integer(ival(cores)));
    /* a phase was delivered when every shard delivered its part of it */
    json_t *by = json_object_get(json_object_get(doc, "generator"), "by_phase");
    for (size_t p = 0; p < m->scn->n_phases; p++) {
        bool delivered = true;
        for (size_t i = 0; i < m->n; i++)
            delivered &= m->shards[i].res->phases[p].delivered;
        json_t *ph = json_object_get(by, m->scn->phases[p].name);
        if (ph)
            json_object_set_new(ph, "delivered", json_boolean(delivered));
    }
    bool any_auth = false;
    for (size_t i = 0; i < m->n; i++)
        any_auth |= m->shards[i].res->auth != NULL;
    if (any_auth) {
        json_t *au = auth_json(m, err, errlen);
        if (!au || json_object_set_new(doc, "auth", au))
            goto fail;
    }
    json_t *shards = shards_json(m);
    json_t *shard =
        json_pack("{s:n,s:I,s:o,s:o,s:o,s:o,s:b}", "index", "count", (json_int_t)m->n, "run_id",
                  str_or_null(m->run_id), "scenario_digest", str_or_null(m->digest), "start_at",
                  str_or_null(m->start_at), "start_at_epoch_s",
                  num_or_null(a->shard.start_at_epoch_s), "merged", true);
    if (!shards || !shard || json_object_set_new(doc, "shards", shards) ||
        json_object_set_new(doc, "shard", shard))
        goto fail;
    return doc;
fail:
    if (err && errlen && !err[0])
        snprintf(err, errlen, "out of memory while writing the merged results");
    json_decref(doc);
    return NULL;
}
