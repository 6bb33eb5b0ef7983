/*
 * session.c — one run of a scenario with its policy; see session.h.
 */
#include "run/session.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hlog.h"
#include "measure/recorder_flow.h"
#include "measure/judge.h"
#include "measure/recorder.h"
#include "run/engine.h"
#include "run/gate_eval.h"
#include "run/judge_run.h"
#include "scenario/gate.h"
#include "scenario/scenario.h"

static void notice(struct session *s, enum session_notice kind, const char *text)
{
    if (s->hooks && s->hooks->notice)
        s->hooks->notice(s->hooks->ctx, kind, text);
}

/* Tag of an interval line: series/phase/request/node with the characters
 * the format forbids (',', ' ', CR, LF) replaced by '_'. */
static void make_tag(char *buf, size_t n, const char *series, const char *phase,
                     const char *request, const char *node)
{
    snprintf(buf, n, "%s/%s/%s/%s", series, phase, request, node);
    for (char *p = buf; *p; p++)
        if (*p == ',' || *p == ' ' || *p == '\r' || *p == '\n' || *p == '\t')
            *p = '_';
}

static void write_hlog_interval(struct session *s, const struct engine_result *r,
                                const struct engine_interval *iv, const struct rec_set *set)
{
    if (s->hlog_failed || !s->hlog_file)
        return;
    int64_t base_ms = (int64_t)(r->start_epoch_s * 1000.0);
    if (!s->hlog_started) {
        if (hlog_writer_open(s->hlog, s->hlog_file, base_ms)) {
            s->hlog_failed = true;
            return;
        }
        hlog_writer_comment(s->hlog, "[Untagged lines: latency of every request; tagged: "
                                     "latency|service/PHASE/REQUEST/NODE, "
                                     "flow/PHASE/FLOW/all: completed flow instances' "
                                     "durations]");
        s->hlog_started = true;
    }
    const struct scenario *scn = s->scn;
    int64_t start_ms = base_ms + (int64_t)(iv->start_s * 1000.0);
    int64_t length_ms = (int64_t)(iv->length_s * 1000.0 + 0.5);
    char tag[512];
    rec_cell_reset(s->hlog_all);
    rec_set_sum(set, r->n_nodes, SIZE_MAX, SIZE_MAX, SIZE_MAX, s->hlog_all);
    /* The untagged line is what HdrHistogram tools show by default. */
    hlog_writer_interval(s->hlog, NULL, start_ms, length_ms, s->hlog_all->latency);
    for (size_t p = 0; p < scn->n_phases; p++)
        for (size_t q = 0; q < scn->n_requests; q++)
            for (size_t n = 0; n < r->n_nodes; n++) {
                const struct rec_cell *c = rec_cell_peek(set, p, q, n);
                if (!c || !c->completed)
                    continue;
                make_tag(tag, sizeof tag, "latency", scn->phases[p].name, scn->requests[q].name,
                         r->node_names[n]);
                hlog_writer_interval(s->hlog, tag, start_ms, length_ms, c->latency);
                make_tag(tag, sizeof tag, "service", scn->phases[p].name, scn->requests[q].name,
                         r->node_names[n]);
                hlog_writer_interval(s->hlog, tag, start_ms, length_ms, c->service);
            }
    /* flow instances' durations, completed in this interval */
    for (size_t p = 0; p < scn->n_phases; p++)
        for (size_t f = 0; f < scn->n_flows; f++) {
            const struct rec_flow *c = rec_flow_peek(set, p, f);
            if (!c || !c->completed)
                continue;
            make_tag(tag, sizeof tag, "flow", scn->phases[p].name, scn->flows[f].name, "all");
            hlog_writer_interval(s->hlog, tag, start_ms, length_ms, c->duration);
        }
    /* Flushed every interval: a log read while the run goes on is whole up
     * to its last line. */
    fflush(s->hlog_file);
}

/* The run time an interval hand-off stands for: its place on the interval
 * grid, not the moment the coordinator got to it (a tick handled a little
 * late on a busy machine, or a little before the start was stamped, is the
 * same tick). Rules that wait for run time (a gate's grace, a step's end)
 * are judged on it, so that how busy the machine is never moves them by a
 * whole interval. */
static double grid_time_s(const struct scenario *scn, const struct engine_result *r)
{
    return floor(r->elapsed_s / scn->interval_s + 0.5) * scn->interval_s;
}

/* The abort_on_fail gates on the run so far, once their grace has passed.
 * Returns true (stop the run) when one fails; no data is not a failure yet. */
static bool abort_gate_failed(struct session *s, const struct engine_result *r)
{
    struct gate_verdict *v;
    size_t n;
    bool stop = false;
    if (gate_evaluate(s->scn, r, true, &v, &n))
        return false;
    for (size_t i = 0; i < n && !stop; i++) {
        const struct gate *g = &s->scn->gates[v[i].gate];
        if (v[i].outcome != GATE_FAIL || grid_time_s(s->scn, r) < g->grace_s - 1e-9)
            continue;
        char val[32];
        gate_format(&g->expr, v[i].measured, val, sizeof val);
        char on[96] = "";
        if (v[i].name[0])
            snprintf(on, sizeof on, " on %s %s", gate_scope_name(g->scope), v[i].name);
        snprintf(s->stop_reason, sizeof s->stop_reason, "gate '%s'%s failed at %.0f s: %s", g->text,
                 on, grid_time_s(s->scn, r), val);
        stop = true;
    }
    free(v);
    return stop;
}

/* Judges one step against its staircase's `stop:` SLO; returns true when
 * the rule's count of consecutive failing steps is reached. */
static bool step_failed_out(struct session *s, const struct engine_result *r, size_t p)
{
    const struct scenario *scn = s->scn;
    const struct scn_phase *ph = &scn->phases[p];
    const struct scn_step_stop *st = &scn->step_stops[ph->stop_rule - 1];
    int *fails = &s->step_fails[ph->stop_rule - 1];
    /* judged as plan and search judge a step (judge.h) */
    struct judge_criterion crit[JUDGE_MAX_CRITERIA];
    size_t n = 0;
    for (size_t i = 0; i < st->n_slo && n < JUDGE_MAX_CRITERIA; i++)
        if (!gate_judge_criterion(&st->slo[i].expr, &crit[n], NULL, 0))
            n++;
    struct judge_interval *iv = calloc(r->n_intervals ? r->n_intervals : 1, sizeof *iv);
    if (!iv)
        return false;
    struct judge_step js;
    struct judge_verdict v;
    judge_from_run(scn, r, p, &js, iv, r->n_intervals);
    judge_step(&js, crit, n, &v);
    free(iv);
    if (!v.measured || v.good) {
        *fails = 0;
        return false;
    }
    char why[700] = "";
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v.failed[i])
            continue;
        char val[32];
        gate_format(&st->slo[i].expr, v.value[i], val, sizeof val);
        int w = snprintf(why + len, sizeof why - len, "%s%s measured %s", len ? ", " : "",
                         st->slo[i].text, val);
        if (w > 0 && len + (size_t)w < sizeof why)
            len += (size_t)w;
    }
    /* A failure gatecap's own shortfall could explain still counts: the
     * next step would ask more of it, not less; plan marks it invalid. */
    if (!v.valid && len + 16 < sizeof why)
        snprintf(why + len, sizeof why - len, " (gatecap's own: %.320s)", v.why);
    char text[900];
    snprintf(text, sizeof text, "step %s failed its SLO: %s", ph->name, why);
    notice(s, SESSION_STEP_FAILED, text);
    if (++*fails < st->after)
        return false;
    snprintf(s->stop_reason, sizeof s->stop_reason,
             "steps '%s': %d consecutive step(s) failed the SLO, the last %s: %s", st->group,
             *fails, ph->name, why);
    return true;
}

/* Applies step-stop rules to every step that ended at least one interval
 * ago (its late completions are in by then). */
static bool steps_failed_out(struct session *s, const struct engine_result *r)
{
    const struct scenario *scn = s->scn;
    /* (by their own ends: workloads side by side run phases at once) */
    for (size_t p = 0; p < scn->n_phases; p++) {
        const struct scn_phase *ph = &scn->phases[p];
        if (s->judged[p] || grid_time_s(scn, r) < scenario_phase_start_s(scn, p) + ph->duration_s +
                                                      scn->interval_s - 1e-9)
            continue;
        s->judged[p] = true;
        if (ph->stop_rule && ph->record && step_failed_out(s, r, p))
            return true;
    }
    return false;
}

static bool on_interval(void *user, const struct engine_result *r, const struct engine_interval *iv,
                        const struct rec_set *set)
{
    struct session *s = user;
    write_hlog_interval(s, r, iv, set);
    if (s->hooks && s->hooks->interval)
        s->hooks->interval(s->hooks->ctx, r, iv);
    /* A shard of a distributed run sees 1/N of the load: stopping on its
     * own view would cut the run short on one generator only. Stop rules
     * and abort_on_fail gates are judged by gatecap merge, once. */
    if (s->scn->shard_count > 1)
        return false;
    if (!s->stop_reason[0] && s->step_fails && steps_failed_out(s, r)) {
        notice(s, SESSION_STOP_STEPS, s->stop_reason);
        return true;
    }
    if (!s->stop_reason[0] && abort_gate_failed(s, r)) {
        s->stopped_by_gate = true;
        notice(s, SESSION_STOP_GATE, s->stop_reason);
        return true;
    }
    return false;
}

/* Finishes the interval log: a run with no interval (stopped before the
 * load) still gets a log with its header: readable, empty. */
static void finish_hlog(struct session *s)
{
    if (!s->hlog_file)
        return;
    if (!s->hlog_started && !s->hlog_failed) {
        int64_t base_ms = s->result ? (int64_t)(s->result->start_epoch_s * 1000.0) : 0;
        if (hlog_writer_open(s->hlog, s->hlog_file, base_ms))
            s->hlog_failed = true;
        else
            s->hlog_started = true;
    }
    if (s->hlog_failed || hlog_writer_finish(s->hlog) || fflush(s->hlog_file) ||
        ferror(s->hlog_file))
        s->hlog_failed = true;
}

int session_run(struct session *s, const struct scenario *scn, const struct engine_start *start,
                FILE *hlog_file, const struct session_hooks *hooks, struct sigguard *sig, char *err,
                size_t err_len)
{
    memset(s, 0, sizeof *s);
    s->scn = scn;
    s->hooks = hooks;
    s->hlog_file = hlog_file;
    if ((scn->n_step_stops && (!(s->step_fails = calloc(scn->n_step_stops, sizeof(int))) ||
                               !(s->judged = calloc(scn->n_phases, sizeof(bool))))) ||
        !(s->hlog = calloc(1, sizeof *s->hlog)) || !(s->hlog_all = rec_cell_new())) {
        snprintf(err, err_len, "out of memory");
        return ENGINE_ESETUP;
    }
    int rc = engine_run(scn, start, on_interval, s, sig, &s->result, err, err_len);
    if (rc != ENGINE_OK) {
        s->result = NULL;
        return rc;
    }
    /* A stop the engine decided (a signal, a time limit) is the run's. */
    if (!s->stop_reason[0] && s->result->stop_reason[0])
        snprintf(s->stop_reason, sizeof s->stop_reason, "%s", s->result->stop_reason);
    finish_hlog(s);
    s->gates_ok = gate_evaluate(scn, s->result, false, &s->verdicts, &s->n_verdicts) == 0;
    return ENGINE_OK;
}

void session_free(struct session *s)
{
    if (!s)
        return;
    engine_result_free(s->result);
    free(s->verdicts);
    free(s->hlog);
    rec_cell_free(s->hlog_all);
    free(s->step_fails);
    free(s->judged);
    memset(s, 0, sizeof *s);
}
