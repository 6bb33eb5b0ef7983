/*
 * scenario_json.c — the scenario echoed into results.json, with resolved
 * defaults and every secret replaced by "<redacted>". The layout follows
 * the YAML keys so a reader recognises it; values carry their units in
 * their names (duration_s, think_ms, rate_start_per_s). Documented in
 * docs/scenario.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scenario/check.h"
#include "scenario/feeder.h"
#include "scenario/redact.h"
#include "scenario/scenario.h"

#define REDACTED "<redacted>"
#define MAX_ECHO_BODY_BYTES 4096 /* longer inline bodies appear as body_bytes only */

/* Adds key -> value to obj; remembers failure in *bad (value may be NULL). */
static void put(json_t *obj, const char *key, json_t *value, bool *bad)
{
    if (!value || json_object_set_new(obj, key, value))
        *bad = true;
}

static void append(json_t *arr, json_t *value, bool *bad)
{
    if (!value || !arr || json_array_append_new(arr, value))
        *bad = true;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *secret_str(const char *s, bool secret)
{
    if (!s)
        return json_null();
    return json_string(secret ? REDACTED : s);
}

static const char *policy_name(enum scn_conn_policy p)
{
    switch (p) {
    case SCN_CONN_NEW:
        return "new";
    case SCN_CONN_FRACTION:
        return "fraction";
    default:
        return "keep-alive";
    }
}

static json_t *targets_json(const struct scenario *s, bool *bad)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < s->n_targets; i++) {
        const struct scn_target *t = &s->targets[i];
        json_t *o = json_object();
        if (!o || json_array_append_new(a, o)) {
            *bad = true;
            break;
        }
        put(o, "name", json_string(t->name), bad);
        put(o, "url", secret_str(t->url, t->url_secret), bad);
        put(o, "https", json_boolean(t->https), bad);
        put(o, "host", secret_str(t->host, t->url_secret), bad);
        put(o, "port", json_integer(t->port), bad);
        put(o, "base_path", secret_str(t->base_path, t->url_secret), bad);
        put(o, "weight", json_real(t->weight), bad);
        put(o, "server_name", str_or_null(t->server_name), bad);
    }
    return a;
}

static json_t *tls_json(const struct scn_tls *t, bool *bad)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "insecure", json_boolean(t->insecure), bad);
    put(o, "server_name", str_or_null(t->server_name), bad);
    put(o, "ca", str_or_null(t->ca_file), bad);
    put(o, "cert", str_or_null(t->cert_file), bad);
    put(o, "key", str_or_null(t->key_file), bad);
    put(o, "key_password", t->key_password ? json_string(REDACTED) : json_null(), bad);
    put(o, "min_version", str_or_null(t->min_version), bad);
    put(o, "max_version", str_or_null(t->max_version), bad);
    put(o, "ciphers", str_or_null(t->ciphers), bad);
    put(o, "ciphersuites", str_or_null(t->tls13_ciphers), bad);
    put(o, "session_resumption", json_boolean(t->session_resumption), bad);
    put(o, "connections", json_string(policy_name(t->conn_policy)), bad);
    put(o, "new_connection_fraction",
        t->conn_policy == SCN_CONN_FRACTION ? json_real(t->new_conn_fraction) : json_null(), bad);
    return o;
}

/* {name: {file, order, when_exhausted, per, columns, rows}}; never cells. */
static json_t *feeders_json(const struct scenario *s, bool *bad)
{
    static const char *const orders[] = {"sequential", "random", "unique"};
    json_t *o = json_object();
    for (size_t i = 0; o && i < s->n_feeders; i++) {
        const struct feeder *f = s->feeders[i];
        json_t *j = json_object(), *cols = json_array();
        for (size_t k = 0; cols && k < f->n_columns; k++)
            if (json_array_append_new(cols, json_string(f->columns[k])))
                *bad = true;
        if (!j) {
            json_decref(cols);
            *bad = true;
            break;
        }
        put(j, "file", json_string(f->file), bad);
        put(j, "order", json_string(orders[f->order]), bad);
        put(j, "when_exhausted",
            f->order == FEEDER_UNIQUE ? json_string(f->exhausted == FEEDER_WRAP ? "wrap" : "stop")
                                      : json_null(),
            bad);
        put(j, "per", json_string(f->per == FEEDER_PER_USER ? "user" : "request"), bad);
        put(j, "columns", cols, bad);
        put(j, "rows", json_integer((json_int_t)f->n_rows), bad);
        put(o, f->name, j, bad);
    }
    return o;
}

/* A check as written, its name filled in; secret values redacted. */
static json_t *check_json(const struct scn_check *k, bool *bad)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "name", json_string(k->name), bad);
    json_t *value =
        k->value ? k->secret ? json_string(REDACTED) : json_stringn(k->value, k->value_len) : NULL;
    const char *op = k->op == CHK_EQUALS     ? "equals"
                     : k->op == CHK_MATCHES  ? "matches"
                     : k->op == CHK_CONTAINS ? "contains"
                                             : NULL;
    switch (k->kind) {
    case CHK_STATUS: {
        json_t *a = json_array();
        for (size_t i = 0; a && i < k->n_statuses; i++)
            if (json_array_append_new(a, json_integer(k->statuses[i])))
                *bad = true;
        put(o, "status", a, bad);
        break;
    }
    case CHK_HEADER:
    case CHK_JSON:
        if (k->kind == CHK_HEADER)
            put(o, "header", json_string(k->header), bad);
        else
            put(o, "json", json_string(jp_text(k->path)), bad);
        if (op)
            put(o, op, value, bad);
        else
            put(o, "exists", json_boolean(k->exists), bad);
        value = NULL;
        break;
    case CHK_BODY:
        put(o, "body", json_pack("{s:o*}", op, value), bad);
        value = NULL;
        break;
    case CHK_BODY_SIZE:
        put(o, "body_size",
            json_pack("{s:o*,s:o*}", "min_bytes",
                      k->has_min ? json_integer((json_int_t)k->size_min) : NULL, "max_bytes",
                      k->has_max ? json_integer((json_int_t)k->size_max) : NULL),
            bad);
        break;
    }
    json_decref(value);
    if (k->negate)
        put(o, "not", json_true(), bad);
    return o;
}

static json_t *capture_json(const struct scn_capture *k, bool *bad)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "name", json_string(k->name), bad);
    if (k->source == CAP_JSON) {
        put(o, "json", json_string(jp_text(k->path)), bad);
    } else if (k->source == CAP_HEADER) {
        put(o, "header", json_string(k->header), bad);
    } else {
        put(o, "regex", json_string(k->secret ? REDACTED : k->pattern), bad);
        put(o, "group", json_integer(k->group), bad);
        put(o, "from", json_string(k->from_headers ? "headers" : "body"), bad);
    }
    if (k->def)
        put(o, "default", k->secret ? json_string(REDACTED) : json_stringn(k->def, k->def_len),
            bad);
    return o;
}

/* checks, capture and body_limit_bytes, for a request that has any. */
static void checks_json(json_t *o, const struct scn_request *r, bool *bad)
{
    if (!r->n_checks && !r->n_captures)
        return;
    json_t *a = json_array(), *m = json_object();
    for (size_t i = 0; a && i < r->n_checks; i++)
        if (json_array_append_new(a, check_json(&r->checks[i], bad)))
            *bad = true;
    for (size_t i = 0; m && i < r->n_captures; i++)
        put(m, r->captures[i].var, capture_json(&r->captures[i], bad), bad);
    put(o, "checks", a, bad);
    put(o, "capture", m, bad);
    put(o, "body_limit_bytes", json_integer((json_int_t)r->body_limit), bad);
}

static json_t *request_json(const struct scn_request *r, bool *bad)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "name", json_string(r->name), bad);
    put(o, "weight", json_real(r->weight), bad);
    put(o, "method", json_string(r->method), bad);
    put(o, "path", secret_str(r->path, r->path_secret), bad);
    json_t *h = json_object();
    for (size_t i = 0; h && i < r->n_headers; i++)
        put(h, r->headers[i].name, secret_str(r->headers[i].value, r->headers[i].secret), bad);
    put(o, "headers", h, bad);
    if (r->body_file)
        put(o, "body_file", json_string(r->body_file), bad);
    else if (r->body && (r->body_secret || r->body_bytes <= MAX_ECHO_BODY_BYTES))
        put(o, "body",
            r->body_secret ? json_string(REDACTED) : json_stringn(r->body, r->body_bytes), bad);
    put(o, "body_bytes", json_integer((json_int_t)r->body_bytes), bad);
    /* compact: a whole class as "2xx", other statuses as numbers */
    json_t *e = json_array();
    for (int cls = 1; e && cls <= 5; cls++) {
        int have = 0;
        for (int st = cls * 100; st < cls * 100 + 100; st++)
            have += scn_request_expects(r, st);
        if (have == 100) {
            char name[16];
            snprintf(name, sizeof name, "%dxx", cls);
            if (json_array_append_new(e, json_string(name)))
                *bad = true;
            continue;
        }
        for (int st = cls * 100; have && st < cls * 100 + 100; st++)
            if (scn_request_expects(r, st) && json_array_append_new(e, json_integer(st)))
                *bad = true;
    }
    put(o, "expect", e, bad);
    checks_json(o, r, bad);
    return o;
}

static json_t *phase_json(const struct scenario *s, const struct scn_phase *p, bool *bad)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "name", json_string(p->name), bad);
    put(o, "duration_s", json_real(p->duration_s), bad);
    struct scn_workload tmp;
    size_t index = (size_t)(p - s->phases);
    const struct scn_workload *wl = scenario_workload_of_phase(s, index, &tmp);
    if (s->workloads_explicit) {
        put(o, "workload", json_string(wl->name), bad);
        put(o, "start_s", json_real(p->start_s), bad);
    }
    if (wl->model == SCN_OPEN) {
        put(o, "rate_start_per_s", json_real(p->rate_start), bad);
        put(o, "rate_end_per_s", json_real(p->rate_end), bad);
    } else {
        put(o, "users", json_integer(p->users), bad);
        put(o, "think_ms", json_real(p->think_ms), bad);
    }
    put(o, "record", json_boolean(p->record), bad);
    if (p->group) {
        put(o, "group", json_string(p->group), bad);
        put(o, "step", json_integer(p->step), bad);
    }
    if (p->stop_rule) {
        const struct scn_step_stop *st = &s->step_stops[p->stop_rule - 1];
        json_t *slo = json_array();
        for (size_t i = 0; slo && i < st->n_slo; i++)
            if (json_array_append_new(slo, json_string(st->slo[i].text)))
                *bad = true;
        put(o, "stop", json_pack("{s:o*,s:i}", "slo", slo, "after", st->after), bad);
    }
    return o;
}

/* `workloads:` as read: each one's settings, and the names of its phases
 * and requests (their details are under load.phases and requests, each
 * with its "workload"). */
static json_t *workloads_json(const struct scenario *s, bool *bad)
{
    json_t *a = json_array();
    for (size_t w = 0; a && w < s->n_workloads; w++) {
        const struct scn_workload *wl = &s->workloads[w];
        json_t *o = json_object(), *ph = json_array(), *rq = json_array();
        if (!o || !ph || !rq) {
            json_decref(o);
            json_decref(ph);
            json_decref(rq);
            *bad = true;
            continue;
        }
        put(o, "name", json_string(wl->name), bad);
        put(o, "model", json_string(wl->model == SCN_CLOSED ? "closed" : "open"), bad);
        if (wl->model == SCN_OPEN) {
            put(o, "poisson", json_boolean(wl->poisson), bad);
            put(o, "max_inflight", json_integer(wl->max_inflight), bad);
        }
        if (wl->backoff_max_ms > 0)
            put(o, "backoff_ms", json_real(wl->backoff_max_ms), bad);
        put(o, "balance", json_string(wl->balance_random ? "random" : "round_robin"), bad);
        put(o, "workers", json_integer(wl->workers), bad);
        put(o, "duration_s", json_real(wl->duration_s), bad);
        for (size_t p = wl->first_phase; p < wl->first_phase + wl->n_phases; p++)
            if (json_array_append_new(ph, json_string(s->phases[p].name)))
                *bad = true;
        for (size_t q = wl->first_request; q < wl->first_request + wl->n_requests; q++)
            if (json_array_append_new(rq, json_string(s->requests[q].name)))
                *bad = true;
        put(o, "phases", ph, bad);
        put(o, "requests", rq, bad);
        if (json_array_append_new(a, o))
            *bad = true;
    }
    if (!a)
        *bad = true;
    return a;
}

/* Applications echoed by name (the count is always there). */
#define SCN_JSON_MAX_APPS 1000

/* Names and settings only: no client id from ${ENV} or a file, no secret,
 * no password, no certificate content. */
static json_t *auth_json(const struct scn_auth *a, bool *bad)
{
    static const char *const grants[] = {"client_credentials", "password"};
    static const char *const client_auths[] = {"basic", "body", "mtls", "private_key_jwt"};
    static const char *const algs[] = {"", "PS256", "ES256", "RS256"};
    static const char *const binds[] = {"round_robin", "random", "sticky"};
    json_t *o = json_object();
    if (!o) {
        *bad = true;
        return NULL;
    }
    put(o, "type", json_string("oauth2"), bad);
    put(o, "token_url", json_string(a->token_url), bad);
    put(o, "server_name", str_or_null(a->server_name), bad);
    put(o, "grant", json_string(grants[a->grant]), bad);
    put(o, "client_auth", json_string(client_auths[a->client_auth]), bad);
    put(o, "refresh_token", json_boolean(a->refresh_grant), bad);
    put(o, "scopes", str_or_null(a->scope), bad);
    put(o, "bind", json_string(binds[a->bind]), bad);
    if (a->refresh_before_s > 0)
        put(o, "refresh_before_s", json_real(a->refresh_before_s), bad);
    else
        put(o, "refresh_before_pct", json_real(100.0 * a->refresh_before_frac), bad);
    put(o, "timeout_ms", json_real(a->token_timeout_ms), bad);
    put(o, "header", json_string(a->header), bad);
    put(o, "applications_file", str_or_null(a->apps_file), bad);
    /* Every application of the scenario, also in a shard that uses some
     * (scenario_shard): the shards of one run echo one scenario. */
    const struct scn_app *all = a->apps_all ? a->apps_all : a->apps;
    size_t n_all = a->apps_all ? a->n_apps_all : a->n_apps;
    put(o, "applications_count", json_integer((json_int_t)n_all), bad);
    json_t *apps = json_array();
    for (size_t i = 0; apps && i < n_all && i < SCN_JSON_MAX_APPS; i++) {
        const struct scn_app *p = &all[i];
        json_t *ao = json_object();
        if (!ao || json_array_append_new(apps, ao)) {
            *bad = true;
            break;
        }
        put(ao, "name", json_string(p->name), bad);
        put(ao, "client_id", secret_str(p->client_id, p->client_id_secret), bad);
        put(ao, "certificate", json_boolean(p->cert_file != NULL), bad);
        put(ao, "signing_alg",
            p->signing_key.data ? json_string(algs[p->signing_alg]) : json_null(), bad);
    }
    put(o, "applications", apps, bad);
    return o;
}

/* The --set overrides as messages show them, with every secret the
 * scenario knows masked too (an override may repeat one where its key
 * does not say so: a path holding a header's secret). */
static json_t *overrides_json(const struct scenario *s, bool *bad)
{
    json_t *a = json_array();
    struct redact *rd = NULL;
    if (!a || (s->n_overrides && redact_new(s, &rd))) {
        json_decref(a);
        *bad = true;
        return NULL;
    }
    for (size_t i = 0; i < s->n_overrides; i++) {
        size_t cap = 10 * strlen(s->overrides[i]) + 16; /* a mark for every byte, at worst */
        char *shown = malloc(cap);
        if (shown)
            redact_text(rd, s->overrides[i], shown, cap, 0);
        /* out of memory: the mark alone rather than anything unmasked */
        if (json_array_append_new(a, json_string(shown ? shown : REDACTED)))
            *bad = true;
        free(shown);
    }
    redact_free(rd);
    return a;
}

static json_t *think_json(const struct scn_think *t, bool *bad)
{
    static const char *const kinds[] = {"none", "fixed", "uniform", "exponential"};
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "kind", json_string(kinds[t->kind]), bad);
    if (t->kind == SCN_THINK_FIXED || t->kind == SCN_THINK_UNIFORM)
        put(o, t->kind == SCN_THINK_FIXED ? "ms" : "least_ms", json_real(t->a_ms), bad);
    if (t->kind == SCN_THINK_UNIFORM)
        put(o, "most_ms", json_real(t->b_ms), bad);
    if (t->kind == SCN_THINK_EXP)
        put(o, "mean_ms", json_real(t->a_ms), bad);
    return o;
}

/* `flows:`: each flow's steps by their request names (the requests echo
 * the steps themselves), with what comes after each. */
static json_t *flows_json(const struct scenario *s, bool *bad)
{
    json_t *a = json_array();
    for (size_t f = 0; a && f < s->n_flows; f++) {
        const struct scn_flow *fl = &s->flows[f];
        json_t *o = json_object(), *steps = json_array(), *vars = json_array();
        for (size_t k = 0; steps && k < fl->n_steps; k++) {
            const struct scn_request *r = &s->requests[fl->first_request + k];
            json_t *st = json_object();
            put(st, "request", json_string(r->name), bad);
            put(st, "think", think_json(&r->think, bad), bad);
            put(st, "on_fail",
                json_string(r->on_fail == SCN_ON_FAIL_CONTINUE ? "continue" : "stop"), bad);
            append(steps, st, bad);
        }
        for (size_t v = 0; vars && v < fl->n_vars; v++)
            append(vars, json_string(fl->vars[v]), bad);
        put(o, "name", json_string(fl->name), bad);
        put(o, "weight", json_real(fl->weight), bad);
        if (fl->pacing_ms > 0)
            put(o, "pacing_ms", json_real(fl->pacing_ms), bad);
        put(o, "variables", vars, bad);
        put(o, "steps", steps, bad);
        append(a, o, bad);
    }
    return a;
}

void *scenario_to_json(const struct scenario *s)
{
    bool bad = false;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "file", json_string(s->file), &bad);
    put(o, "name", json_string(s->name), &bad);
    if (s->description)
        put(o, "description", json_string(s->description), &bad);
    put(o, "targets", targets_json(s, &bad), &bad);
    put(o, "node_header", str_or_null(s->node_header), &bad);
    put(o, "tls", tls_json(&s->tls, &bad), &bad);
    put(o, "http", json_string(s->http_version == 2 ? "2" : "1.1"), &bad);
    if (s->http_version == 2) {
        json_t *h2 = json_object();
        if (h2) {
            put(h2, "max_streams", json_integer(s->http2.max_streams), &bad);
            put(h2, "connections", json_integer(s->http2.connections), &bad);
        }
        put(o, "http2", h2, &bad);
    }
    put(o, "feeders", feeders_json(s, &bad), &bad);
    if (s->auth.type == SCN_AUTH_OAUTH2)
        put(o, "auth", auth_json(&s->auth, &bad), &bad);

    json_t *reqs = json_array();
    for (size_t i = 0; reqs && i < s->n_requests; i++) {
        json_t *rq = request_json(&s->requests[i], &bad);
        if (rq && s->workloads_explicit)
            put(rq, "workload", json_string(s->workloads[s->requests[i].workload].name), &bad);
        if (json_array_append_new(reqs, rq))
            bad = true;
    }
    put(o, "requests", reqs, &bad);
    if (s->n_flows)
        put(o, "flows", flows_json(s, &bad), &bad);

    json_t *load = json_object();
    if (load) {
        put(load, "model", json_string(s->model == SCN_CLOSED ? "closed" : "open"), &bad);
        if (s->model == SCN_OPEN) {
            put(load, "poisson", json_boolean(s->poisson), &bad);
            put(load, "max_inflight", json_integer(s->max_inflight), &bad);
        }
        if (s->backoff_max_ms > 0)
            put(load, "backoff_ms", json_real(s->backoff_max_ms), &bad);
        put(load, "balance", json_string(s->balance_random ? "random" : "round_robin"), &bad);
        put(load, "workers", json_integer(s->workers), &bad);
        put(load, "workers_auto", json_boolean(s->workers_auto), &bad);
        json_t *ph = json_array();
        for (size_t i = 0; ph && i < s->n_phases; i++)
            if (json_array_append_new(ph, phase_json(s, &s->phases[i], &bad)))
                bad = true;
        put(load, "phases", ph, &bad);
        put(load, "duration_s", json_real(scenario_duration_s(s)), &bad);
    }
    put(o, "load", load, &bad);
    if (s->workloads_explicit)
        put(o, "workloads", workloads_json(s, &bad), &bad);

    json_t *to = json_object();
    if (to) {
        put(to, "connect_ms", json_real(s->connect_timeout_ms), &bad);
        put(to, "request_ms", json_real(s->request_timeout_ms), &bad);
    }
    put(o, "timeouts", to, &bad);
    put(o, "interval_s", json_real(s->interval_s), &bad);
    put(o, "output", json_string(s->output_dir), &bad);
    json_t *gen = json_object();
    if (gen) {
        put(gen, "late_tolerance_pct", json_real(s->late_tolerance_pct), &bad);
        put(gen, "late_threshold_ms", json_real(s->late_threshold_ms), &bad);
        static const char *const transports[] = {"auto", "native", "curl"};
        put(gen, "transport", json_string(transports[s->transport]), &bad);
    }
    put(o, "generator", gen, &bad);
    json_t *gates = json_array();
    for (size_t i = 0; gates && i < s->n_gates; i++) {
        const struct gate *g = &s->gates[i];
        json_t *j = json_object();
        if (j) {
            put(j, "gate", json_string(g->text), &bad);
            put(j, "scope", json_string(gate_scope_name(g->scope)), &bad);
            if (g->scope_name)
                put(j, "name", json_string(g->scope_name), &bad);
            put(j, "abort_on_fail", json_boolean(g->abort_on_fail), &bad);
            if (g->abort_on_fail)
                put(j, "grace_s", json_real(g->grace_s), &bad);
        }
        if (json_array_append_new(gates, j))
            bad = true;
    }
    put(o, "gates", gates, &bad);
    put(o, "overrides", overrides_json(s, &bad), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
