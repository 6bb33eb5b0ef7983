/*
 * junit_run.c — a run's gates as JUnit; see junit_run.h.
 */
#include "output/junit_run.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/errbuf.h"
#include "output/junit.h"
#include "run/engine.h"
#include "run/gate_eval.h"
#include "scenario/gate.h"
#include "scenario/scenario.h"

int junit_run_fprint(FILE *f, const struct scenario *scn, const struct engine_result *r,
                     const struct gate_verdict *v, size_t n, char *err, size_t errlen)
{
    struct junit_case *cases = calloc(n + 1, sizeof *cases);
    char(*names)[160] = calloc(n + 1, sizeof *names);
    char(*classes)[96] = calloc(n + 1, sizeof *classes);
    char(*msgs)[160] = calloc(n + 1, sizeof *msgs);
    int rc = JUNIT_EINVAL;
    if (!cases || !names || !classes || !msgs) {
        errbuf_set(err, errlen, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct gate *g = &scn->gates[v[i].gate];
        char val[32], limit[32];
        gate_format(&g->expr, g->expr.threshold, limit, sizeof limit);
        if (v[i].name[0])
            snprintf(classes[i], sizeof classes[i], "gates.%s.%s", gate_scope_name(g->scope),
                     v[i].name);
        else
            snprintf(classes[i], sizeof classes[i], "gates.%s", gate_scope_name(g->scope));
        snprintf(names[i], sizeof names[i], "%s", g->text);
        if (v[i].outcome == GATE_NO_DATA) {
            snprintf(msgs[i], sizeof msgs[i], "nothing was measured; a gate without data fails");
        } else {
            gate_format(&g->expr, v[i].measured, val, sizeof val);
            snprintf(msgs[i], sizeof msgs[i], "measured %s, required %s %s", val,
                     gate_op_name(g->expr.op), limit);
        }
        cases[i] = (struct junit_case){.classname = classes[i],
                                       .name = names[i],
                                       .failed = v[i].outcome != GATE_PASS,
                                       .message = msgs[i],
                                       .type = gate_outcome_name(v[i].outcome),
                                       .system_out = msgs[i]};
    }
    if (r->health.local_failures)
        snprintf(msgs[n], sizeof msgs[n],
                 "generator-limited: %lld request(s) never sent, gatecap ran out of local "
                 "resources (file descriptors, memory, ports); %.2f%% of arrivals late",
                 (long long)r->health.local_failures, r->late_pct);
    else
        snprintf(msgs[n], sizeof msgs[n],
                 r->generator_limited ? "generator-limited: %.2f%% of arrivals late; the gateway "
                                        "did not get the load asked for"
                                      : "%.2f%% of arrivals late",
                 r->late_pct);
    cases[n] = (struct junit_case){.classname = "gatecap.run",
                                   .name = "the load was delivered as scheduled",
                                   .failed = r->generator_limited,
                                   .message = msgs[n],
                                   .type = "generator-limited",
                                   .system_out = msgs[n]};
    rc = junit_fprint(f, scn->name, cases, n + 1, err, errlen);
out:
    free(cases);
    free(names);
    free(classes);
    free(msgs);
    return rc;
}
