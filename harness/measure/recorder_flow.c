/*
 * recorder_flow.c — flow instances' and checks' records; see
 * recorder_flow.h. A cell is created once per (phase, flow) and set, then
 * reset and reused: nothing is allocated per instance.
 */
#include "measure/recorder_flow.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int rec_set_flows(struct rec_set *s, size_t n_flows, const size_t *n_steps, size_t n_checks)
{
    rec_flows_free(s);
    struct rec_flows *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->n_phases = s->n_phases;
    f->n_flows = n_flows;
    f->n_checks = n_checks;
    f->n_steps = calloc(n_flows + 1, sizeof *f->n_steps);
    f->cells = calloc(s->n_phases * n_flows + 1, sizeof *f->cells);
    f->checks = calloc(n_checks + 1, sizeof *f->checks);
    s->flows = f;
    if (!f->n_steps || !f->cells || !f->checks) {
        rec_flows_free(s);
        return -1;
    }
    if (n_flows)
        memcpy(f->n_steps, n_steps, n_flows * sizeof *n_steps);
    return 0;
}

static struct rec_flow *flow_new(const struct rec_flows *fs, size_t flow)
{
    struct rec_flow *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->failed_by_step = calloc(fs->n_steps[flow] + 1, sizeof *c->failed_by_step);
    c->failed_by_check = calloc(fs->n_checks + 1, sizeof *c->failed_by_check);
    if (!c->failed_by_step || !c->failed_by_check || hdr_init_default(&c->duration)) {
        rec_flow_free(c);
        return NULL;
    }
    return c;
}

struct rec_flow *rec_flow_new(const struct rec_set *s, size_t flow)
{
    return s->flows && flow < s->flows->n_flows ? flow_new(s->flows, flow) : NULL;
}

void rec_flow_free(struct rec_flow *f)
{
    if (!f)
        return;
    hdr_close(f->duration);
    free(f->failed_by_step);
    free(f->failed_by_check);
    free(f);
}

struct rec_flow *rec_flow_get(struct rec_set *s, size_t phase, size_t flow)
{
    struct rec_flows *fs = s->flows;
    if (!fs || phase >= fs->n_phases || flow >= fs->n_flows)
        return NULL;
    struct rec_flow **c = &fs->cells[phase * fs->n_flows + flow];
    if (!*c)
        *c = flow_new(fs, flow);
    return *c;
}

const struct rec_flow *rec_flow_peek(const struct rec_set *s, size_t phase, size_t flow)
{
    const struct rec_flows *fs = s->flows;
    if (!fs || phase >= fs->n_phases || flow >= fs->n_flows)
        return NULL;
    return fs->cells[phase * fs->n_flows + flow];
}

bool rec_flow_used(const struct rec_flow *c)
{
    return c && (c->started || c->completed || c->failed || c->local);
}

static void flow_add(const struct rec_flows *fs, size_t flow, struct rec_flow *d,
                     const struct rec_flow *c)
{
    d->started += c->started;
    d->completed += c->completed;
    d->failed += c->failed;
    d->local += c->local;
    for (size_t k = 0; k < fs->n_steps[flow]; k++)
        d->failed_by_step[k] += c->failed_by_step[k];
    for (size_t k = 0; k < fs->n_checks; k++)
        d->failed_by_check[k] += c->failed_by_check[k];
    hdr_add(d->duration, c->duration);
}

int rec_flows_add(struct rec_set *dst, const struct rec_set *src)
{
    const struct rec_flows *fs = src->flows;
    if (!fs || !dst->flows)
        return 0;
    for (size_t p = 0; p < fs->n_phases; p++)
        for (size_t f = 0; f < fs->n_flows; f++) {
            const struct rec_flow *c = fs->cells[p * fs->n_flows + f];
            if (!rec_flow_used(c))
                continue;
            struct rec_flow *d = rec_flow_get(dst, p, f);
            if (!d)
                return -1;
            flow_add(fs, f, d, c);
        }
    for (size_t k = 0; k < fs->n_checks && k < dst->flows->n_checks; k++) {
        struct rec_check *d = &dst->flows->checks[k];
        const struct rec_check *c = &fs->checks[k];
        d->passed += c->passed;
        d->failed += c->failed;
        if (!d->example[0] && c->example[0])
            memcpy(d->example, c->example, sizeof d->example);
    }
    return 0;
}

void rec_flow_sum(const struct rec_set *s, size_t flow, const void *ctx,
                  int (*want)(const void *ctx, size_t phase), struct rec_flow *into)
{
    const struct rec_flows *fs = s->flows;
    if (!fs || flow >= fs->n_flows)
        return;
    for (size_t p = 0; p < fs->n_phases; p++) {
        const struct rec_flow *c = fs->cells[p * fs->n_flows + flow];
        if (rec_flow_used(c) && (!want || want(ctx, p)))
            flow_add(fs, flow, into, c);
    }
}

static void flow_reset(const struct rec_flows *fs, size_t flow, struct rec_flow *c)
{
    c->started = c->completed = c->failed = c->local = 0;
    memset(c->failed_by_step, 0, fs->n_steps[flow] * sizeof *c->failed_by_step);
    memset(c->failed_by_check, 0, fs->n_checks * sizeof *c->failed_by_check);
    hdr_reset(c->duration);
}

void rec_flows_reset(struct rec_set *s)
{
    struct rec_flows *fs = s->flows;
    if (!fs)
        return;
    for (size_t i = 0; i < fs->n_phases * fs->n_flows; i++)
        if (rec_flow_used(fs->cells[i]))
            flow_reset(fs, i % fs->n_flows, fs->cells[i]);
    memset(fs->checks, 0, fs->n_checks * sizeof *fs->checks);
}

void rec_flows_free(struct rec_set *s)
{
    struct rec_flows *fs = s->flows;
    if (!fs)
        return;
    for (size_t i = 0; fs->cells && i < fs->n_phases * fs->n_flows; i++)
        rec_flow_free(fs->cells[i]);
    free(fs->cells);
    free(fs->checks);
    free(fs->n_steps);
    free(fs);
    s->flows = NULL;
}
