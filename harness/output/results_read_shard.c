/*
 * results_read_shard.c — the parts of results.json a distributed run adds
 * or relies on (docs/merge.md): "shard" (which generator of which run),
 * a merged run's "shards" table, and from the scenario's echo what `gatecap
 * merge` needs to evaluate the gates again (scenario.gates, each phase's
 * staircase group) and the echo itself, kept as text to be copied.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output/results_read_int.h"

void reader_scenario_extra(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    const json_t *scn = json_object_get(root, "scenario");
    char *text = json_dumps(scn, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!text) {
        jsonread_nomem(&d->j);
        return;
    }
    r->scenario_json = jsonread_keep(&d->j, text);
    free(text);
    if (!r->scenario_json) {
        jsonread_nomem(&d->j);
        return;
    }
    const json_t *ph = json_object_get(json_object_get(scn, "load"), "phases");
    for (size_t i = 0; i < r->n_phases; i++) {
        char w[48];
        snprintf(w, sizeof w, "scenario.load.phases[%zu]", i);
        const json_t *o = json_array_get(ph, i);
        r->phases[i].group = jsonread_str(&d->j, o, w, "group");
        r->phases[i].step = jsonread_num(&d->j, o, w, "step", JSONREAD_COUNT);
    }
    const json_t *gen = jsonread_maybe(&d->j, scn, "scenario", "generator", JSON_OBJECT);
    r->late_threshold_cfg_ms =
        jsonread_num(&d->j, gen, "scenario.generator", "late_threshold_ms", JSONREAD_NONNEG);
    r->late_tolerance_cfg_pct =
        jsonread_num(&d->j, gen, "scenario.generator", "late_tolerance_pct", JSONREAD_PCT);
    const json_t *a = jsonread_maybe(&d->j, scn, "scenario", "gates", JSON_ARRAY);
    if (!a || !(r->scn_gates = jsonread_array(&d->j, json_array_size(a), sizeof *r->scn_gates)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[48];
        snprintf(w, sizeof w, "scenario.gates[%zu]", i);
        if (!json_is_string(json_object_get(o, "gate"))) {
            jsonread_cut(&d->j, "%s.gate is missing", w);
            return;
        }
        struct results_scn_gate *g = &r->scn_gates[r->n_scn_gates++];
        g->gate = jsonread_str(&d->j, o, w, "gate");
        g->scope = jsonread_str(&d->j, o, w, "scope");
        g->name = jsonread_str(&d->j, o, w, "name");
        g->abort_on_fail = jsonread_flag(&d->j, o, w, "abort_on_fail", false);
        g->grace_s = jsonread_num(&d->j, o, w, "grace_s", JSONREAD_NONNEG);
    }
}

static void clock_of(struct reader *d, const json_t *o, const char *where, struct results_clock *c)
{
    char w[64];
    const json_t *k = jsonread_maybe(&d->j, o, where, "clock", JSON_OBJECT);
    c->state = c->maxerror_ms = c->esterror_ms = c->offset_ms = NAN;
    if (!k)
        return;
    jsonread_field(w, sizeof w, where, "clock");
    c->present = true;
    c->synchronised = jsonread_flag(&d->j, k, w, "synchronised", false);
    c->state = jsonread_num(&d->j, k, w, "state", JSONREAD_ANY);
    c->maxerror_ms = jsonread_num(&d->j, k, w, "maxerror_ms", JSONREAD_NONNEG);
    c->esterror_ms = jsonread_num(&d->j, k, w, "esterror_ms", JSONREAD_NONNEG);
    c->offset_ms = jsonread_num(&d->j, k, w, "offset_ms", JSONREAD_ANY);
}

static void shard_rows(struct reader *d, const json_t *a)
{
    struct results *r = d->r;
    if (!(r->shards = jsonread_array(&d->j, json_array_size(a), sizeof *r->shards)))
        return;
    size_t i;
    const json_t *o;
    json_array_foreach(a, i, o)
    {
        char w[32];
        snprintf(w, sizeof w, "shards[%zu]", i);
        if (!json_is_object(o)) {
            jsonread_damaged(&d->j, "%s is not an object", w);
            return;
        }
        struct results_shard_row *s = &r->shards[r->n_shards++];
        s->index = jsonread_num(&d->j, o, w, "index", JSONREAD_COUNT);
        s->host = jsonread_str(&d->j, o, w, "host");
        s->source = jsonread_str(&d->j, o, w, "source");
        s->status = jsonread_str(&d->j, o, w, "status");
        s->elapsed_s = jsonread_num(&d->j, o, w, "elapsed_s", JSONREAD_NONNEG);
        s->release_offset_ms = jsonread_num(&d->j, o, w, "release_offset_ms", JSONREAD_ANY);
        clock_of(d, o, w, &s->clock);
        s->clock_flagged = jsonread_flag(&d->j, o, w, "clock_flagged", false);
        s->clock_flag = jsonread_str(&d->j, o, w, "clock_flag");
        s->scheduled = jsonread_num(&d->j, o, w, "scheduled", JSONREAD_COUNT);
        s->started = jsonread_num(&d->j, o, w, "started", JSONREAD_COUNT);
        s->late_pct = jsonread_num(&d->j, o, w, "late_pct", JSONREAD_PCT);
        s->max_lag_ms = jsonread_num(&d->j, o, w, "max_lag_ms", JSONREAD_NONNEG);
        s->queue_drops = jsonread_num(&d->j, o, w, "queue_drops", JSONREAD_COUNT);
        s->local_failures = jsonread_num(&d->j, o, w, "local_failures", JSONREAD_COUNT);
        s->cpu_pct = jsonread_num(&d->j, o, w, "cpu_pct", JSONREAD_NONNEG);
        s->generator_limited = jsonread_flag(&d->j, o, w, "generator_limited", false);
    }
}

void reader_shard(struct reader *d, const json_t *root)
{
    struct results_shard *s = &d->r->shard;
    s->index = 0;
    s->count = 1;
    s->start_at_epoch_s = s->release_offset_ms = NAN;
    s->clock.state = s->clock.maxerror_ms = s->clock.esterror_ms = s->clock.offset_ms = NAN;
    const json_t *a = jsonread_maybe(&d->j, root, "", "shards", JSON_ARRAY);
    if (a)
        shard_rows(d, a);
    const json_t *o = jsonread_maybe(&d->j, root, "", "shard", JSON_OBJECT);
    if (!o)
        return;
    const char *w = "shard";
    s->present = true;
    s->merged = jsonread_flag(&d->j, o, w, "merged", false);
    s->count = (double)jsonread_int(&d->j, o, w, "count", 1, 1000000, 1);
    s->index = s->merged ? NAN : (double)jsonread_int(&d->j, o, w, "index", 0, 999999, 0);
    if (!s->merged && !(s->index < s->count)) {
        jsonread_damaged(&d->j, "shard.index %.0f is not below shard.count %.0f", s->index,
                         s->count);
        return;
    }
    s->source = jsonread_str(&d->j, o, w, "source");
    s->run_id = jsonread_str(&d->j, o, w, "run_id");
    s->scenario_digest = jsonread_str(&d->j, o, w, "scenario_digest");
    s->start_at = jsonread_str(&d->j, o, w, "start_at");
    s->start_at_epoch_s = jsonread_num(&d->j, o, w, "start_at_epoch_s", JSONREAD_NONNEG);
    s->host = jsonread_str(&d->j, o, w, "host");
    s->release_offset_ms = jsonread_num(&d->j, o, w, "release_offset_ms", JSONREAD_ANY);
    clock_of(d, o, w, &s->clock);
}
