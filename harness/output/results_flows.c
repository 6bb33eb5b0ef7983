/*
 * results_flows.c — the "flows" and "checks" sections of results.json
 * (docs/results.md): per flow its instances (started, completed, failed
 * by step and by check, ended by gatecap's own failure, unfinished when
 * the run ended) and the completed instances' durations, over the run and
 * per phase (with the encoded histogram, so a reader rebuilds them); per
 * check name its passes, failures and an example of a failing answer.
 */
#include <jansson.h>

#include "measure/recorder_flow.h"
#include "output/results.h"
#include "run/engine.h"
#include "scenario/scenario.h"

static json_t *pct_of(int64_t part, int64_t whole)
{
    return whole ? json_real(100.0 * (double)part / (double)whole) : json_null();
}

static json_t *counts_json(const struct scenario *scn, size_t f, const struct rec_flow *c,
                           bool with_hist)
{
    const struct scn_flow *fl = &scn->flows[f];
    int64_t unfinished = c->started - c->completed - c->failed - c->local;
    json_t *o =
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "started", (json_int_t)c->started, "completed",
                  (json_int_t)c->completed, "failed", (json_int_t)c->failed, "local",
                  (json_int_t)c->local, "unfinished", (json_int_t)(unfinished > 0 ? unfinished : 0),
                  "completed_pct", pct_of(c->completed, c->completed + c->failed), "duration",
                  (json_t *)results_hist_summary(c->duration));
    if (!o)
        return NULL;
    json_t *by_step = json_object();
    for (size_t k = 0; k < fl->n_steps; k++)
        if (c->failed_by_step[k])
            json_object_set_new(by_step, scn->requests[fl->first_request + k].name,
                                json_integer(c->failed_by_step[k]));
    json_object_set_new(o, "failed_by_step", by_step);
    json_t *by_check = json_object();
    for (size_t k = 0; k < scn->n_check_names; k++)
        if (c->failed_by_check[k])
            json_object_set_new(by_check, scn->check_names[k], json_integer(c->failed_by_check[k]));
    json_object_set_new(o, "failed_by_check", by_check);
    if (with_hist)
        json_object_set_new(o, "duration_hist", (json_t *)results_hist_base64(c->duration));
    return o;
}

static json_t *flow_json(const struct scenario *scn, const struct engine_result *r, size_t f)
{
    const struct scn_flow *fl = &scn->flows[f];
    struct rec_flow *sum = rec_flow_new(r->total, f);
    if (!sum)
        return NULL;
    rec_flow_sum(r->total, f, NULL, NULL, sum);
    json_t *steps = json_array();
    for (size_t k = 0; k < fl->n_steps; k++)
        json_array_append_new(steps, json_string(scn->requests[fl->first_request + k].name));
    json_t *o = json_pack("{s:s,s:f,s:o,s:o}", "name", fl->name, "weight", fl->weight, "steps",
                          steps, "totals", counts_json(scn, f, sum, false));
    rec_flow_free(sum);
    json_t *phases = json_array();
    for (size_t p = 0; o && p < scn->n_phases; p++) {
        const struct rec_flow *c = rec_flow_peek(r->total, p, f);
        if (!rec_flow_used(c))
            continue;
        json_t *ph = counts_json(scn, f, c, true);
        json_object_set_new(ph, "phase", json_string(scn->phases[p].name));
        json_array_append_new(phases, ph);
    }
    json_object_set_new(o, "by_phase", phases);
    return o;
}

void *results_flows_json(const struct scenario *scn, const struct engine_result *r)
{
    json_t *flows = json_array();
    for (size_t f = 0; flows && f < scn->n_flows && r->total->flows; f++) {
        json_t *o = flow_json(scn, r, f);
        if (o)
            json_array_append_new(flows, o);
    }
    return flows;
}

void *results_checks_json(const struct scenario *scn, const struct engine_result *r)
{
    json_t *checks = json_array();
    const struct rec_flows *fs = r->total->flows;
    for (size_t k = 0; checks && fs && k < scn->n_check_names && k < fs->n_checks; k++) {
        const struct rec_check *c = &fs->checks[k];
        json_array_append_new(
            checks, json_pack("{s:s,s:I,s:I,s:o,s:o}", "name", scn->check_names[k], "passed",
                              (json_int_t)c->passed, "failed", (json_int_t)c->failed, "passed_pct",
                              pct_of(c->passed, c->passed + c->failed), "example",
                              c->example[0] ? json_string(c->example) : json_null()));
    }
    return checks;
}
