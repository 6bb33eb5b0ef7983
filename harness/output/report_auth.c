/*
 * report_auth.c — the token pool's part of the report model: the
 * applications (all, or the REPORT_MAX_APPS with the most errors and 429s)
 * and the token endpoint, read
 * from results.json's "auth" (docs/results.md).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/report.h"

static double num0(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

char *report_kinds(json_t *by)
{
    char buf[256] = "";
    size_t len = 0;
    const char *k;
    json_t *v;
    json_object_foreach(by, k, v)
    {
        int n = snprintf(buf + len, sizeof buf - len, "%s%s %.0f", len ? ", " : "", k,
                         json_number_value(v));
        if (n < 0 || (size_t)n >= sizeof buf - len)
            break;
        len += (size_t)n;
    }
    return len ? strdup(buf) : NULL;
}

static int by_trouble(const void *pa, const void *pb)
{
    const struct report_app *a = pa, *b = pb;
    double ta = a->errors + a->throttled, tb = b->errors + b->throttled;
    return ta < tb ? 1 : ta > tb ? -1 : 0;
}

int report_read_auth(struct report *r, const json_t *root, const char *path, char *err,
                     size_t errlen)
{
    json_t *auth = json_object_get(root, "auth");
    if (!auth)
        return 0;
    json_t *apps = json_object_get(auth, "applications");
    const json_t *ep = json_object_get(auth, "token_endpoint");
    if (!json_is_object(auth) || !json_is_array(apps) || !json_is_object(ep)) {
        snprintf(err, errlen,
                 "%s: auth: expected an object with applications and "
                 "token_endpoint (docs/results.md)",
                 path);
        return -1;
    }
    size_t n = json_array_size(apps);
    r->apps = calloc(n ? n : 1, sizeof *r->apps);
    if (!r->apps) {
        snprintf(err, errlen, "out of memory reading %s", path);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(apps, i);
        const char *name = json_string_value(json_object_get(o, "name"));
        struct report_app *a = &r->apps[r->n_apps++];
        a->name = strdup(name ? name : "?");
        a->throttled_by = report_kinds(json_object_get(o, "throttled_by"));
        a->count = num0(o, "count");
        a->errors = num0(o, "errors");
        a->error_pct = num0(o, "error_pct");
        a->unauthorized = num0(o, "unauthorized");
        a->throttled = num0(o, "throttled");
        a->throttled_pct = num0(o, "throttled_pct");
        a->mean_ms = num0(o, "latency_mean_ms");
        a->max_ms = num0(o, "latency_max_ms");
        a->tokens = num0(o, "tokens_fetched");
        a->token_failures = num0(o, "token_failures");
        a->rejected_after_refresh = num0(o, "rejected_after_refresh");
    }
    r->n_apps_total = r->n_apps;
    if (r->n_apps > REPORT_MAX_APPS) {
        /* the most troubled first (qsort is not stable: equals may swap) */
        qsort(r->apps, r->n_apps, sizeof *r->apps, by_trouble);
        for (size_t i = REPORT_MAX_APPS; i < r->n_apps; i++) {
            free(r->apps[i].name);
            free(r->apps[i].throttled_by);
        }
        r->n_apps = REPORT_MAX_APPS;
    }
    const char *url = json_string_value(json_object_get(ep, "url"));
    const json_t *why = json_object_get(ep, "by_reason");
    r->token.url = strdup(url ? url : "?");
    r->token.requests = num0(ep, "requests");
    r->token.failed = num0(ep, "failed");
    r->token.initial = num0(why, "initial");
    r->token.ahead = num0(why, "ahead");
    r->token.after_401 = num0(why, "after_401");
    r->token.retry = num0(why, "retry");
    report_read_lat(&r->token.latency, json_object_get(ep, "latency_ms"));
    return 0;
}

void report_free_auth(struct report *r)
{
    for (size_t i = 0; i < r->n_apps; i++) {
        free(r->apps[i].name);
        free(r->apps[i].throttled_by);
    }
    free(r->apps);
    free(r->token.url);
    r->apps = NULL;
    r->n_apps = r->n_apps_total = 0;
    memset(&r->token, 0, sizeof r->token);
}
