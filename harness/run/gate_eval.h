/*
 * gate_eval.h — a scenario's gates (scenario/gate.h) applied to a run:
 * one verdict per gate and scope member, from the engine's result. The
 * run decides on these at its end and, for gates with abort_on_fail,
 * while it runs.
 */
#ifndef GATECAP_GATE_EVAL_H
#define GATECAP_GATE_EVAL_H

#include <stdbool.h>
#include <stddef.h>

struct engine_result;
struct scenario;

enum gate_outcome { GATE_PASS, GATE_FAIL, GATE_NO_DATA };

/* One gate on one scope member. */
struct gate_verdict {
    size_t gate;     /* index into the scenario's gates */
    char name[64];   /* the phase, request or node; "" for the whole run */
    double measured; /* in gate_unit; 0 when GATE_NO_DATA */
    enum gate_outcome outcome;
};

/* "pass", "fail", "no-data". */
const char *gate_outcome_name(enum gate_outcome o);

/* Evaluates the scenario's gates on r (only those with abort_on_fail when
 * abort_only). A gate that measured nothing is GATE_NO_DATA, which does
 * not pass. Writes a new array to *out (owned; free) and its length to
 * *n. Returns 0, or -1 when memory runs out. */
int gate_evaluate(const struct scenario *scn, const struct engine_result *r, bool abort_only,
                  struct gate_verdict **out, size_t *n);

#endif
