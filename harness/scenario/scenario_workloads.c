/*
 * scenario_workloads.c — the `workloads:` section: load sections side by
 * side in one run, each with its own model, phases and mix of requests.
 *
 * Flattened at load: each workload's `load:` and `requests:` are read by
 * the same parsers as the top-level ones (scenario_phases.c,
 * scenario_http.c), then appended to the scenario's one array of phases
 * and one of requests, each entry tagged with its workload; struct
 * scn_workload says which slice is whose. Every workload starts at the
 * run's start, so phases of different workloads overlap in time: each
 * phase carries its start (scn_phase.start_s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario_int.h"

/* Names of requests and of phases are keys of results (cells, gates,
 * reports): unique across the whole scenario, not only within a workload. */
static void check_unique(struct scnp_ctx *c, const struct scn_workload *wls, size_t w,
                         const struct scenario *acc, const struct ytree_node *item)
{
    const struct scn_workload *wl = &wls[w];
    const struct scn_request *requests = acc->requests;
    const struct scn_phase *phases_of = acc->phases;
    const struct ytree_node *rq = scnp_get(item, "requests"), *load = scnp_get(item, "load");
    const struct ytree_node *phases = load ? scnp_get(load, "phases") : NULL;
    char f[SCNP_FIELD_MAX];
    for (size_t i = wl->first_request; i < wl->first_request + wl->n_requests; i++)
        for (size_t j = 0; j < wl->first_request && requests[i].name; j++)
            if (requests[j].name && !strcmp(requests[i].name, requests[j].name)) {
                size_t k = i - wl->first_request;
                snprintf(f, sizeof f, "workloads.%zu.requests.%zu", w, k);
                scnp_error(c, rq && k < rq->n ? rq->items[k] : item, f,
                           "the name '%s' is already used by a request of workload '%s'; "
                           "request names are unique across workloads, give this one its own "
                           "name:",
                           requests[i].name, wls[requests[j].workload].name);
                break;
            }
    for (size_t i = wl->first_phase; i < wl->first_phase + wl->n_phases; i++)
        for (size_t j = 0; j < wl->first_phase && phases_of[i].name; j++)
            if (phases_of[j].name && !strcmp(phases_of[i].name, phases_of[j].name)) {
                snprintf(f, sizeof f, "workloads.%zu.load.phases", w);
                scnp_error(c, phases ? phases : item, f,
                           "the phase name '%s' is already used in workload '%s'; phase names "
                           "are unique across workloads (unnamed phases are phase-N: name "
                           "them), give this one its own name:",
                           phases_of[i].name, wls[phases_of[j].workload].name);
                break;
            }
}

/* Appends n items of size sz from src to *dst (holding *len), moving
 * them (src is freed, not its items' contents). Returns 0 or -1. */
static int append(void **dst, size_t *len, void *src, size_t n, size_t sz)
{
    if (!n) {
        free(src);
        return 0;
    }
    char *grown = realloc(*dst, (*len + n) * sz);
    if (!grown)
        return -1;
    memcpy(grown + *len * sz, src, n * sz);
    *dst = grown;
    *len += n;
    free(src);
    return 0;
}

/* Resets what scnp_load and scnp_requests read to the defaults of a
 * scenario without them (scenario.c's defaults), but for max_inflight:
 * the default bound is shared among the n workloads, so that a scenario
 * needs no more file descriptors for having workloads. */
static void fresh(struct scenario *s, size_t n)
{
    s->requests = NULL;
    s->n_requests = 0;
    s->phases = NULL;
    s->n_phases = 0;
    s->model = SCN_OPEN;
    s->poisson = false;
    s->balance_random = false;
    s->max_inflight = (int)(10000 / n > 0 ? 10000 / n : 1);
    s->backoff_max_ms = 0;
    s->workers = 0;
}

static void read_workload(struct scnp_ctx *c, const struct ytree_node *item, size_t i,
                          struct scenario *s, struct scn_workload *wl)
{
    static const char *const keys[] = {"name", "load", "requests", "flows", NULL};
    char f[SCNP_FIELD_MAX], fn[SCNP_FIELD_MAX];
    scnp_field_i(f, "workloads", i);
    if (scnp_keys(c, item, f, keys))
        return;
    const struct ytree_node *v = scnp_get(item, "name");
    if (v)
        scnp_name(c, v, scnp_field(fn, f, "name"), &wl->name);
    char prefix[SCNP_FIELD_MAX];
    snprintf(prefix, sizeof prefix, "workloads.%zu.", i);
    c->prefix = prefix;
    scnp_requests(c, item, s);
    scnp_load(c, item, s);
    scnp_flows(c, item, s); /* after load: pacing needs the model */
    c->prefix = NULL;
}

void scnp_workloads(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    const struct ytree_node *list = scnp_get(root, "workloads"), *v;
    static const char example[] =
        "workloads: [{name: api, load: {phases: [{duration: 1m, rate: 100/s}]}, requests: "
        "[{path: /echo/1.0.0}]}]";
    for (int k = 0; k < 2; k++) {
        const char *key = k ? "requests" : "load";
        if ((v = scnp_get(root, key)))
            scnp_error(c, v, key,
                       "a scenario with workloads: gives each workload its own load: and "
                       "requests:; move this into a workload (workloads.N.%s)",
                       key);
    }
    if (scnp_list(c, list, "workloads", example))
        return;
    if (!list->n) {
        scnp_error(c, list, "workloads", "empty; list at least one workload, e.g. %s", example);
        return;
    }
    if (!(s->workloads = calloc(list->n, sizeof *s->workloads))) {
        c->oom = true;
        return;
    }
    s->workloads_explicit = true;
    /* The workloads' phases and requests gathered so far: owned by acc
     * until they all move into s, so that whatever fails on the way is
     * freed once (scenario_free of acc, or of s for a workload's own
     * arrays not moved yet). */
    struct scenario *acc = calloc(1, sizeof *acc);
    if (!acc) {
        c->oom = true;
        return;
    }
    int workers = 0;
    bool all_closed = true;
    for (size_t i = 0; i < list->n && !c->oom; i++) {
        struct scn_workload *wl = &s->workloads[s->n_workloads++];
        fresh(s, list->n);
        size_t first_flow = s->n_flows;
        read_workload(c, list->items[i], i, s, wl);
        /* its flows' steps are among its requests: where they go in s's */
        for (size_t f = first_flow; f < s->n_flows; f++)
            s->flows[f].first_request += acc->n_requests;
        if (!wl->name && asprintf(&wl->name, "workload-%zu", i + 1) < 0) {
            wl->name = NULL;
            c->oom = true;
        }
        wl->model = s->model;
        wl->poisson = s->poisson;
        wl->balance_random = s->balance_random;
        wl->max_inflight = s->max_inflight;
        wl->backoff_max_ms = s->backoff_max_ms;
        wl->workers = s->workers > 0 ? s->workers : 1;
        wl->first_worker = (size_t)workers;
        workers += wl->workers;
        all_closed = all_closed && wl->model == SCN_CLOSED;
        wl->first_phase = acc->n_phases;
        wl->n_phases = s->n_phases;
        wl->first_request = acc->n_requests;
        wl->n_requests = s->n_requests;
        double start = 0;
        for (size_t p = 0; p < s->n_phases; p++) {
            s->phases[p].workload = i;
            s->phases[p].start_s = start;
            start += s->phases[p].duration_s;
        }
        wl->duration_s = start;
        for (size_t r = 0; r < s->n_requests; r++)
            s->requests[r].workload = i;
        if (append((void **)&acc->phases, &acc->n_phases, s->phases, s->n_phases,
                   sizeof *acc->phases)) {
            c->oom = true; /* (s's own arrays are still s's) */
            break;
        }
        s->phases = NULL; /* moved */
        s->n_phases = 0;
        if (append((void **)&acc->requests, &acc->n_requests, s->requests, s->n_requests,
                   sizeof *acc->requests)) {
            c->oom = true;
            break;
        }
        s->requests = NULL;
        s->n_requests = 0;
        if (wl->name && !c->n_errors)
            check_unique(c, s->workloads, i, acc, list->items[i]);
        /* a workload name twice: results key workloads by name */
        for (size_t j = 0; wl->name && j < i; j++)
            if (s->workloads[j].name && !strcmp(s->workloads[j].name, wl->name)) {
                char f[SCNP_FIELD_MAX], fn[SCNP_FIELD_MAX];
                scnp_field_i(f, "workloads", i);
                scnp_error(c,
                           scnp_get(list->items[i], "name") ? scnp_get(list->items[i], "name")
                                                            : list->items[i],
                           scnp_field(fn, f, "name"),
                           "the workload name '%s' is used twice; give each workload its own "
                           "name",
                           wl->name);
                break;
            }
    }
    if (!c->oom) {
        s->phases = acc->phases;
        s->n_phases = acc->n_phases;
        s->requests = acc->requests;
        s->n_requests = acc->n_requests;
        acc->phases = NULL;
        acc->n_phases = 0;
        acc->requests = NULL;
        acc->n_requests = 0;
    }
    scenario_free(acc);
    /* The scenario-wide fields that readers of one model look at: the
     * first workload's, the model open unless every workload is closed. */
    const struct scn_workload *w0 = &s->workloads[0];
    s->model = all_closed ? SCN_CLOSED : SCN_OPEN;
    s->poisson = w0->poisson;
    s->balance_random = w0->balance_random;
    s->max_inflight = w0->max_inflight;
    s->backoff_max_ms = w0->backoff_max_ms;
    s->workers = workers;
}

int scnp_workload_implicit(struct scenario *s)
{
    if (!(s->workloads = calloc(1, sizeof *s->workloads)) ||
        !(s->workloads[0].name = strdup("default")))
        return -1;
    s->n_workloads = 1;
    struct scn_workload *wl = &s->workloads[0];
    wl->model = s->model;
    wl->poisson = s->poisson;
    wl->balance_random = s->balance_random;
    wl->max_inflight = s->max_inflight;
    wl->backoff_max_ms = s->backoff_max_ms;
    wl->workers = s->workers;
    wl->n_phases = s->n_phases;
    wl->n_requests = s->n_requests;
    double start = 0;
    for (size_t p = 0; p < s->n_phases; p++) {
        s->phases[p].start_s = start;
        start += s->phases[p].duration_s;
    }
    wl->duration_s = start;
    return 0;
}
