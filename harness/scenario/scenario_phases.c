/*
 * scenario_phases.c — the `load` section: the load model (open: arrival
 * rates; closed: virtual users), its bounds and threads, and the phases,
 * with `steps` expanded into one phase per step so that the engine only
 * ever sees plain phases (constant or linear ramp).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "scenario/scenario_int.h"

#define MAX_RATE_PER_S 1e7
#define MAX_USERS 1000000
#define MAX_PHASE_MS (30 * 86400e3) /* 30 days */
#define MAX_STEPS 1000

struct phase_list {
    struct scn_phase *v;
    size_t n, cap;
};

static struct scn_phase *phase_new(struct scnp_ctx *c, struct scenario *s, struct phase_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct scn_phase *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            c->oom = true;
            return NULL;
        }
        l->v = v;
        l->cap = cap;
    }
    /* keep s pointing at the list so scenario_free sees every phase */
    s->phases = l->v;
    struct scn_phase *p = &l->v[l->n++];
    s->n_phases = l->n;
    memset(p, 0, sizeof *p);
    p->record = true;
    return p;
}

/* One rate: "1000/s" (> 0 unless allow_zero). */
static int read_rate(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                     const char *text, bool allow_zero, double *out)
{
    const char *why;
    double v;
    if (units_rate_per_s(text, &v, &why)) {
        scnp_error(c, n, field, "'%s': %s", text, why);
        return -1;
    }
    if (v > MAX_RATE_PER_S) {
        scnp_error(c, n, field, "'%s' is above %g/s; spread the load over several generators", text,
                   MAX_RATE_PER_S);
        return -1;
    }
    if (v <= 0 && !allow_zero) {
        scnp_error(c, n, field, "a rate must be above 0; write e.g. 100/s");
        return -1;
    }
    *out = v;
    return 0;
}

/* rate: "1000/s" or a ramp "100/s..1000/s" (ends >= 0, not both 0). */
static int read_rate_or_ramp(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                             double *start, double *end)
{
    char *t;
    if (scnp_string(c, n, field, &t, NULL))
        return -1;
    int rc = -1;
    char *dots = strstr(t, "..");
    if (!dots) {
        if (!read_rate(c, n, field, t, false, start)) {
            *end = *start;
            rc = 0;
        }
    } else {
        *dots = '\0';
        const char *second = dots + 2;
        if (!*t || !*second)
            scnp_error(c, n, field, "a ramp gives two rates, e.g. 100/s..1000/s");
        else if (!read_rate(c, n, field, t, true, start) &&
                 !read_rate(c, n, field, second, true, end)) {
            if (*start <= 0 && *end <= 0)
                scnp_error(c, n, field,
                           "a ramp from 0 to 0 sends nothing; give a rate above 0 "
                           "at one end");
            else
                rc = 0;
        }
    }
    free(t);
    return rc;
}

struct step_spec {
    double from, to, step, duration_ms;
    double warmup_ms; /* an unrecorded lead-in at each step's load; 0: none */
    size_t count;
    size_t stop_rule; /* 1 + index into step_stops; 0: none */
};

static int read_steps(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                      struct scenario *s, const char *group, struct step_spec *sp)
{
    static const char *const keys[] = {"from", "to", "step", "duration", "warmup", "stop", NULL};
    bool closed = s->model == SCN_CLOSED;
    static const char *const names[] = {"from", "to", "step"};
    double *vals[] = {&sp->from, &sp->to, &sp->step};
    char f[SCNP_FIELD_MAX];
    int bad = 0;

    if (scnp_keys(c, n, field, keys))
        return -1;
    for (int i = 0; i < 3; i++) {
        const struct ytree_node *v = scnp_get(n, names[i]);
        scnp_field(f, field, names[i]);
        if (!v) {
            scnp_error(c, n, f,
                       "missing; steps need from, to, step and duration, e.g. "
                       "%s",
                       closed ? "{from: 10, to: 100, step: 10, duration: 1m}"
                              : "{from: 100/s, to: 1000/s, step: 100/s, duration: 1m}");
            bad = -1;
            continue;
        }
        if (closed) {
            long long u;
            if (scnp_int(c, v, f, 1, MAX_USERS, &u))
                bad = -1;
            else
                *vals[i] = (double)u;
        } else {
            char *t = NULL;
            if (scnp_string(c, v, f, &t, NULL) || read_rate(c, v, f, t, false, vals[i]))
                bad = -1;
            free(t);
        }
    }
    const struct ytree_node *d = scnp_get(n, "duration");
    scnp_field(f, field, "duration");
    if (!d) {
        scnp_error(c, n, f, "missing; how long each step lasts, e.g. duration: 1m");
        bad = -1;
    } else if (scnp_duration_ms(c, d, f, 1, MAX_PHASE_MS, &sp->duration_ms))
        bad = -1;
    sp->warmup_ms = 0;
    if ((d = scnp_get(n, "warmup")) &&
        scnp_duration_ms(c, d, scnp_field(f, field, "warmup"), 0, MAX_PHASE_MS, &sp->warmup_ms))
        bad = -1;
    sp->stop_rule = 0;
    if ((d = scnp_get(n, "stop")) &&
        scnp_step_stop(c, d, scnp_field(f, field, "stop"), s, group, &sp->stop_rule))
        bad = -1;
    if (bad)
        return -1;
    double span = fabs(sp->to - sp->from) / sp->step;
    double k = round(span);
    if (fabs(span - k) > 1e-6 * (k > 1 ? k : 1)) {
        scnp_error(c, n, field,
                   "to - from must be a whole number of steps (%g is not a "
                   "multiple of %g); adjust to or step",
                   fabs(sp->to - sp->from), sp->step);
        return -1;
    }
    if (k + 1 > MAX_STEPS) {
        scnp_error(c, n, field, "makes %.0f steps; at most %d, use a larger step", k + 1,
                   MAX_STEPS);
        return -1;
    }
    sp->count = (size_t)k + 1;
    return 0;
}

static void read_phase(struct scnp_ctx *c, const struct ytree_node *n, const char *field,
                       size_t index, struct scenario *s, struct phase_list *l, bool model_ok)
{
    static const char *const keys[] = {"name",  "duration", "rate",  "users",
                                       "think", "record",   "steps", NULL};
    bool closed = s->model == SCN_CLOSED;
    char f[SCNP_FIELD_MAX];
    const struct ytree_node *v;
    char *name = NULL;
    bool record = true;
    double think_ms = 0;

    if (scnp_keys(c, n, field, keys))
        return;
    if ((v = scnp_get(n, "name")))
        scnp_name(c, v, scnp_field(f, field, "name"), &name);
    if (!name && asprintf(&name, "phase-%zu", index + 1) < 0) {
        c->oom = true;
        return;
    }
    if ((v = scnp_get(n, "record")))
        scnp_bool(c, v, scnp_field(f, field, "record"), &record);

    const struct ytree_node *dur = scnp_get(n, "duration"), *rate = scnp_get(n, "rate"),
                            *users = scnp_get(n, "users"), *think = scnp_get(n, "think"),
                            *steps = scnp_get(n, "steps");
    if (model_ok && !closed) {
        if (users)
            scnp_error(c, users, scnp_field(f, field, "users"),
                       "only for load.model: closed; this scenario is open, so give rate: "
                       "(e.g. rate: 100/s), or set load.model: closed");
        if (think)
            scnp_error(c, think, scnp_field(f, field, "think"),
                       "only for load.model: closed (think time between a user's requests); "
                       "remove it");
    }
    if (model_ok && closed && rate)
        scnp_error(c, rate, scnp_field(f, field, "rate"),
                   "only for load.model: open; closed-model phases give users: N (and think:)");
    if (think && closed)
        scnp_duration_ms(c, think, scnp_field(f, field, "think"), 0, 3600e3, &think_ms);

    if (steps) {
        if (dur)
            scnp_error(c, dur, scnp_field(f, field, "duration"),
                       "steps give their own duration (steps.duration); remove this one");
        if (rate && !closed)
            scnp_error(c, rate, scnp_field(f, field, "rate"),
                       "steps give their own rates (steps.from/to/step); remove this one");
        if (users && closed)
            scnp_error(c, users, scnp_field(f, field, "users"),
                       "steps give their own user counts (steps.from/to/step); remove this one");
        struct step_spec sp;
        if (read_steps(c, steps, scnp_field(f, field, "steps"), s, name, &sp))
            goto out;
        for (size_t k = 0; k < sp.count; k++) {
            double value = sp.from + (sp.to >= sp.from ? 1 : -1) * (double)k * sp.step;
            /* A step's warm-up: the same load, not recorded, so that the
             * step measures a settled gateway. */
            for (int warm = sp.warmup_ms > 0; warm >= 0; warm--) {
                struct scn_phase *p = phase_new(c, s, l);
                if (!p)
                    goto out;
                if (asprintf(&p->name, warm ? "%s-%zu-warmup" : "%s-%zu", name, k + 1) < 0) {
                    p->name = NULL;
                    c->oom = true;
                    goto out;
                }
                if (!(p->group = strdup(name))) {
                    c->oom = true;
                    goto out;
                }
                p->step = (int)k + 1;
                p->duration_s = (warm ? sp.warmup_ms : sp.duration_ms) / 1000;
                p->record = warm ? false : record;
                p->stop_rule = warm ? 0 : sp.stop_rule;
                if (closed) {
                    p->users = (int)llround(value);
                    p->think_ms = think_ms;
                } else {
                    p->rate_start = p->rate_end = value;
                }
            }
        }
        goto out;
    }

    struct scn_phase ph = {.record = record, .think_ms = think_ms};
    bool ok = true;
    if (!dur) {
        scnp_error(c, n, scnp_field(f, field, "duration"),
                   "missing; every phase needs one, e.g. duration: 30s%s",
                   rate && !closed ? " (a ramp goes from its first rate to its second over it)"
                                   : "");
        ok = false;
    } else {
        double ms;
        if (scnp_duration_ms(c, dur, scnp_field(f, field, "duration"), 1, MAX_PHASE_MS, &ms))
            ok = false;
        else
            ph.duration_s = ms / 1000;
    }
    if (!closed) {
        if (!rate) {
            if (model_ok && !users) /* else: users was reported as the wrong key */
                scnp_error(c, n, scnp_field(f, field, "rate"),
                           "missing; an open-model phase sends at a rate, e.g. rate: 100/s or "
                           "a ramp rate: 100/s..1000/s (or use steps:)");
            ok = false;
        } else if (read_rate_or_ramp(c, rate, scnp_field(f, field, "rate"), &ph.rate_start,
                                     &ph.rate_end))
            ok = false;
    } else {
        long long u;
        if (!users) {
            if (model_ok && !rate)
                scnp_error(c, n, scnp_field(f, field, "users"),
                           "missing; a closed-model phase runs virtual users, e.g. users: 50");
            ok = false;
        } else if (scnp_int(c, users, scnp_field(f, field, "users"), 1, MAX_USERS, &u))
            ok = false;
        else
            ph.users = (int)u;
    }
    if (!ok)
        goto out;
    struct scn_phase *p = phase_new(c, s, l);
    if (!p)
        goto out;
    *p = ph;
    p->name = name;
    name = NULL;
out:
    free(name);
}

/* Phase names are unique (results are keyed by phase): one message per
 * entry of load.phases that repeats a name; item[k] is the entry phase k
 * came from. */
static void check_names(struct scnp_ctx *c, const struct ytree_node *phases,
                        const struct phase_list *l, const size_t *item)
{
    char f[SCNP_FIELD_MAX];
    struct uniq_key *keys = calloc(l->n ? l->n : 1, sizeof *keys);
    size_t *first = NULL;
    if (!keys) {
        c->oom = true;
        return;
    }
    for (size_t k = 0; k < l->n; k++)
        if (l->v[k].name)
            keys[k] = (struct uniq_key){l->v[k].name, strlen(l->v[k].name)};
    first = scnp_first_names(c, keys, l->n, 0);
    for (size_t k = 0; first && k < l->n; k++) {
        if (first[k] == k)
            continue;
        scnp_error(
            c, phases->items[item[k]], scnp_field_i(f, "load.phases", item[k]),
            "the phase name '%s' is used twice; give each phase its own name:", l->v[k].name);
        while (k + 1 < l->n && item[k + 1] == item[k])
            k++;
    }
    free(keys);
    free(first);
}

void scnp_load(struct scnp_ctx *c, const struct ytree_node *root, struct scenario *s)
{
    static const char *const keys[] = {"model",  "poisson", "max_inflight", "workers",
                                       "phases", "backoff", "balance",      NULL};
    const struct ytree_node *load = scnp_get(root, "load"), *v;
    char f[SCNP_FIELD_MAX];
    bool model_ok = true;

    if (!load) {
        scnp_error(c, root, "load",
                   "missing; say how much to send, e.g. load: {phases: [{duration: 1m, rate: "
                   "100/s}]}");
        return;
    }
    if (scnp_keys(c, load, "load", keys))
        return;
    if ((v = scnp_get(load, "model"))) {
        char *m;
        model_ok = false;
        if (!scnp_string(c, v, "load.model", &m, NULL)) {
            if (!strcmp(m, "open")) {
                s->model = SCN_OPEN;
                model_ok = true;
            } else if (!strcmp(m, "closed")) {
                s->model = SCN_CLOSED;
                model_ok = true;
            } else
                scnp_error(c, v, "load.model",
                           "'%s' is not a load model; write open (arrival rate, the default) or "
                           "closed (virtual users with think time)",
                           m);
            free(m);
        }
    }
    if ((v = scnp_get(load, "balance"))) {
        char *b;
        if (!scnp_string(c, v, "load.balance", &b, NULL)) {
            if (!strcmp(b, "random"))
                s->balance_random = true;
            else if (strcmp(b, "round_robin") != 0)
                scnp_error(c, v, "load.balance",
                           "'%s' is not a way to spread requests over the targets; write "
                           "round_robin (the default: in turn, by weight, as a load balancer "
                           "does) or random",
                           b);
            free(b);
        }
    }
    const struct ytree_node *pois = scnp_get(load, "poisson"),
                            *inflight = scnp_get(load, "max_inflight");
    if (pois)
        scnp_bool(c, pois, "load.poisson", &s->poisson);
    if (inflight) {
        long long mi;
        if (!scnp_int(c, inflight, "load.max_inflight", 1, 10000000, &mi))
            s->max_inflight = (int)mi;
    }
    if (model_ok && s->model == SCN_CLOSED) {
        if (pois && s->poisson)
            scnp_error(c, pois, "load.poisson",
                       "only for load.model: open (arrivals); closed-model users send when the "
                       "previous response arrives");
        if (inflight)
            scnp_error(c, inflight, "load.max_inflight",
                       "only for load.model: open; in a closed model requests in flight equal "
                       "the users");
    }
    if ((v = scnp_get(load, "backoff")) &&
        !scnp_duration_ms(c, v, "load.backoff", 1, 3600e3, &s->backoff_max_ms) && model_ok &&
        s->model != SCN_CLOSED)
        scnp_error(c, v, "load.backoff",
                   "only for load.model: closed (a user waits out a 429's Retry-After); "
                   "open-model arrivals keep their schedule, and 429s are reported");
    if ((v = scnp_get(load, "workers"))) {
        long long w;
        if (!scnp_int(c, v, "load.workers", 0, 1024, &w))
            s->workers = (int)w;
        /* Each worker keeps at least one request in flight, so more of
         * them than the bound would break it (0: chosen within it). */
        if (model_ok && s->model == SCN_OPEN && s->workers > s->max_inflight)
            scnp_error(c, v, "load.workers",
                       "%d workers need load.max_inflight %d or more (each keeps at least one "
                       "request in flight), and it is %d; lower load.workers to %d or raise "
                       "load.max_inflight",
                       s->workers, s->workers, s->max_inflight, s->max_inflight);
    }

    const struct ytree_node *phases = scnp_get(load, "phases");
    if (!phases) {
        scnp_error(c, load, "load.phases",
                   "missing; list at least one phase, e.g. phases: [{duration: 1m, rate: "
                   "100/s}]");
        return;
    }
    if (scnp_list(c, phases, "load.phases", "phases: [{name: steady, duration: 1m, rate: 100/s}]"))
        return;
    if (!phases->n) {
        scnp_error(c, phases, "load.phases", "empty; list at least one phase");
        return;
    }
    struct phase_list l = {0};
    size_t *item = NULL; /* item[k]: the entry of load.phases phase k came from */
    for (size_t i = 0; i < phases->n && !c->oom; i++) {
        size_t from = l.n;
        read_phase(c, phases->items[i], scnp_field_i(f, "load.phases", i), i, s, &l, model_ok);
        if (l.n == from)
            continue;
        size_t *grown = realloc(item, l.cap * sizeof *item);
        if (!grown) {
            c->oom = true;
            break;
        }
        item = grown;
        for (size_t k = from; k < l.n; k++)
            item[k] = i;
    }
    if (!c->oom)
        check_names(c, phases, &l, item);
    free(item);
}
