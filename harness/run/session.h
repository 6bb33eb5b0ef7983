/*
 * session.h — one run of a scenario, as `gatecap run` and `gatecap search`
 * make it: the engine (engine.h) with the run's policy applied on each
 * interval, in this order:
 *
 * - the interval log (measure/hlog.h), written as the run goes: an
 *   untagged line of every request's latency, and tagged lines
 *   latency|service/PHASE/REQUEST/NODE; flushed every interval;
 * - a staircase's `stop:` rules, each step judged as `plan` and `search`
 *   judge a step (judge.h) one interval after it ended;
 * - the abort_on_fail gates, once their grace has passed;
 *   (neither of these two in a shard of a distributed run: scenario_shard)
 *
 * and the scenario's gates evaluated on the finished run. Rules that wait
 * for run time are judged on the interval grid, never on when the
 * coordinator got to them. Prints nothing: what the user should hear
 * comes through the hooks. Single-threaded (the coordinator's thread).
 */
#ifndef GATECAP_SESSION_H
#define GATECAP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct engine_interval;
struct engine_start;
struct engine_result;
struct gate_verdict;
struct hlog_writer;
struct rec_cell;
struct scenario;
struct sigguard;

enum session_notice {
    SESSION_STEP_FAILED, /* a step failed its staircase's SLO; the run goes on */
    SESSION_STOP_STEPS,  /* a staircase's stop rule stops the run */
    SESSION_STOP_GATE,   /* an abort_on_fail gate stops the run */
};

struct session_hooks {
    /* After each interval's policy (progress lines); NULL: none. */
    void (*interval)(void *ctx, const struct engine_result *so_far,
                     const struct engine_interval *iv);
    /* Something the user should hear, as a sentence; NULL: none. */
    void (*notice)(void *ctx, enum session_notice kind, const char *text);
    void *ctx;
};

struct session {
    /* what the run gave (owned; session_free frees them) */
    struct engine_result *result;  /* NULL when the engine did not run */
    struct gate_verdict *verdicts; /* the scenario's gates on the run */
    size_t n_verdicts;
    bool gates_ok;         /* false: evaluating them ran out of memory */
    char stop_reason[768]; /* what stopped the run early ("" if nothing) */
    bool stopped_by_gate;  /* an abort_on_fail gate did (exit 1) */
    bool hlog_failed;      /* the interval log could not be written */
    /* private */
    const struct scenario *scn;
    const struct session_hooks *hooks;
    FILE *hlog_file;
    struct hlog_writer *hlog;
    bool hlog_started;
    struct rec_cell *hlog_all;
    bool *judged; /* [n_phases] with stop rules: the step was judged */
    int *step_fails;
};

/* Runs scn to its end (or its stop), from start (engine.h; NULL: at
 * once), with hooks (may be NULL) and the
 * interval log into hlog_file (NULL: none; finished and flushed when the
 * run returns, a header alone when no interval ran). Fills s. Returns
 * ENGINE_OK, or the engine's error with the message in err (s->result is
 * then NULL). */
int session_run(struct session *s, const struct scenario *scn, const struct engine_start *start,
                FILE *hlog_file, const struct session_hooks *hooks, struct sigguard *sig, char *err,
                size_t err_len);

/* Frees what s holds; s itself is the caller's. */
void session_free(struct session *s);

#endif
