/*
 * report_auth.c — the token pool's part of the report model: the
 * applications (all, or the REPORT_MAX_APPS with the most errors and 429s)
 * and the token endpoint, from results.json's "auth" as results_read.h
 * reads it (docs/results.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/auth.h"
#include "output/report_int.h"

char *report_kinds(const double *counts, int n, const char *(*name)(int))
{
    char buf[256] = "";
    size_t len = 0;
    for (int k = 0; k < n; k++) {
        if (!(counts[k] > 0))
            continue;
        int w =
            snprintf(buf + len, sizeof buf - len, "%s%s %.0f", len ? ", " : "", name(k), counts[k]);
        if (w < 0 || (size_t)w >= sizeof buf - len)
            break;
        len += (size_t)w;
    }
    return len ? strdup(buf) : NULL;
}

static int by_trouble(const void *pa, const void *pb)
{
    const struct report_app *a = pa, *b = pb;
    double ta = a->errors + a->throttled, tb = b->errors + b->throttled;
    return ta < tb ? 1 : ta > tb ? -1 : 0;
}

/* x, or 0 when not measured. */
static double or0(double x)
{
    return isfinite(x) ? x : 0;
}

int report_load_auth(struct report *r, char *err, size_t errlen)
{
    const struct results_auth *au = r->res->auth;
    if (!au)
        return 0;
    r->apps = calloc(au->n_apps + 1, sizeof *r->apps);
    if (!r->apps) {
        snprintf(err, errlen, "out of memory reading %s", r->res->path);
        return -1;
    }
    for (size_t i = 0; i < au->n_apps; i++) {
        const struct results_app *o = &au->apps[i];
        struct report_app *a = &r->apps[r->n_apps++];
        a->name = o->name;
        a->throttled_by = report_kinds(o->throttled_by, REC_THROTTLE_KINDS, rec_throttle_name);
        a->count = or0(o->count);
        a->errors = or0(o->errors);
        a->error_pct = or0(o->error_pct);
        a->unauthorized = or0(o->unauthorized);
        a->throttled = or0(o->throttled);
        a->throttled_pct = or0(o->throttled_pct);
        a->mean_ms = or0(o->latency_mean_ms);
        a->max_ms = or0(o->latency_max_ms);
        a->tokens = or0(o->tokens_fetched);
        a->token_failures = or0(o->token_failures);
        a->rejected_after_refresh = or0(o->rejected_after_refresh);
    }
    r->n_apps_total = r->n_apps;
    if (r->n_apps > REPORT_MAX_APPS) {
        /* the most troubled first (qsort is not stable: equals may swap) */
        qsort(r->apps, r->n_apps, sizeof *r->apps, by_trouble);
        for (size_t i = REPORT_MAX_APPS; i < r->n_apps; i++)
            free(r->apps[i].throttled_by);
        r->n_apps = REPORT_MAX_APPS;
    }
    r->token = (struct report_token){
        .url = au->url ? au->url : "?",
        .requests = or0(au->requests),
        .failed = or0(au->failed),
        .initial = au->by_reason[AUTH_INITIAL],
        .ahead = au->by_reason[AUTH_AHEAD],
        .after_401 = au->by_reason[AUTH_AFTER_401],
        .retry = au->by_reason[AUTH_RETRY],
        .latency = au->latency,
    };
    return 0;
}

void report_free_auth(struct report *r)
{
    for (size_t i = 0; i < r->n_apps; i++)
        free(r->apps[i].throttled_by);
    free(r->apps);
    r->apps = NULL;
    r->n_apps = r->n_apps_total = 0;
    memset(&r->token, 0, sizeof r->token);
}
