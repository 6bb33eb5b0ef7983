/*
 * recorder.c — cells of per-(phase, request, node) statistics; see recorder.h.
 */
#include "measure/recorder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/recorder_flow.h"

static const char *const outcome_names[OC_COUNT] = {
    [OC_2XX] = "2xx",          [OC_3XX] = "3xx",         [OC_4XX] = "4xx",
    [OC_401] = "unauthorized", [OC_429] = "throttled",   [OC_5XX] = "5xx",
    [OC_TIMEOUT] = "timeout",  [OC_REFUSED] = "refused", [OC_RESET] = "reset",
    [OC_TLS] = "tls",          [OC_OTHER] = "other",     [OC_ABANDONED] = "abandoned",
};

const char *rec_outcome_name(enum rec_outcome oc)
{
    return (unsigned)oc < OC_COUNT ? outcome_names[oc] : "?";
}

bool rec_outcome_is_error(enum rec_outcome oc)
{
    return oc != OC_2XX && oc != OC_3XX && oc != OC_429;
}

enum rec_outcome rec_outcome_of_status(int status)
{
    if (status < 100 || status > 599) /* invalid (RFC 9110 15): not an HTTP answer */
        return OC_OTHER;
    if (status == 429)
        return OC_429;
    if (status == 401)
        return OC_401;
    if (status >= 500)
        return OC_5XX;
    if (status >= 400)
        return OC_4XX;
    if (status >= 300)
        return OC_3XX;
    if (status >= 200)
        return OC_2XX;
    return OC_OTHER;
}

static const char *const throttle_names[REC_THROTTLE_KINDS] = {
    "api",     "hard_limit", "resource", "application", "subscription",
    "blocked", "custom",     "900807",   "other"};

const char *rec_throttle_name(int kind)
{
    return kind >= 0 && kind < REC_THROTTLE_KINDS ? throttle_names[kind] : "?";
}

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The next "code" member's value after *pos (JSON "code": 900803 or
 * "900803", XML <am:code>900803<): its digits, at most 9 and ended before
 * the end of the bytes; -1 when there is none. *pos moves past it. */
static long next_code(const char **pos, const char *end)
{
    const char *p = *pos;
    while (p < end && (p = memmem(p, (size_t)(end - p), "code", 4))) {
        const char *name = p;
        p += 4;
        if (name == *pos || (name[-1] != '"' && name[-1] != ':' && name[-1] != '<'))
            continue; /* "errorcode", "statusCode": not WSO2's member */
        bool xml = name[-1] != '"';
        if (!xml && p < end && *p == '"')
            p++;
        while (p < end && blank(*p))
            p++;
        if (p >= end || *p != (xml ? '>' : ':'))
            continue;
        p++;
        while (p < end && (blank(*p) || *p == '"'))
            p++;
        long code = 0;
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9' && p - d < 10)
            code = code * 10 + (*p++ - '0');
        if (p > d && p < end && p - d <= 9) {
            *pos = p;
            return code;
        }
    }
    *pos = end;
    return -1;
}

int rec_throttle_kind(const char *body, size_t len)
{
    const char *p = body, *end = body ? body + len : body;
    long code;
    while (p && (code = next_code(&p, end)) >= 0)
        if (code >= REC_THROTTLE_CODE0 && code < REC_THROTTLE_CODE0 + REC_THROTTLE_OTHER)
            return (int)(code - REC_THROTTLE_CODE0);
    return REC_THROTTLE_OTHER;
}

/* The table of rec_fault_kind, in ascending order: the gateway receiving
 * from the client (101000, 101001); sending to the backend, a base code
 * plus the connection's protocol state (101500..101512: 101503 connection
 * failed, 101504 timed out, ...); endpoint not ready or suspended (303000,
 * 303001); API blocked (700700); the hard throttling limit, a 503
 * (900801); authentication and authorization (900900..900910). */
static const long fault_codes[REC_FAULT_OTHER] = {
    101000, 101001, 101500, 101501, 101502, 101503, 101504, 101505, 101506, 101507,
    101508, 101509, 101510, 101511, 101512, 303000, 303001, 700700, 900801, 900900,
    900901, 900902, 900903, 900904, 900905, 900906, 900907, 900908, 900909, 900910,
};

static const char *const fault_names[REC_FAULT_KINDS] = {
    "101000", "101001", "101500", "101501", "101502", "101503", "101504", "101505",
    "101506", "101507", "101508", "101509", "101510", "101511", "101512", "303000",
    "303001", "700700", "900801", "900900", "900901", "900902", "900903", "900904",
    "900905", "900906", "900907", "900908", "900909", "900910", "other",  "no_code"};

const char *rec_fault_name(int kind)
{
    return kind >= 0 && kind < REC_FAULT_KINDS ? fault_names[kind] : "?";
}

int rec_fault_kind(const char *body, size_t len)
{
    const char *p = body, *end = body ? body + len : body;
    long code;
    int kind = REC_FAULT_NONE;
    while (p && (code = next_code(&p, end)) >= 0) {
        for (int k = 0; k < REC_FAULT_OTHER; k++)
            if (fault_codes[k] == code)
                return k;
        kind = REC_FAULT_OTHER;
    }
    return kind;
}

size_t rec_body_line(char *out, size_t cap, const char *body, size_t len)
{
    size_t n = 0;
    bool space = false, cut = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)body[i];
        if (ch <= ' ' || ch == 0x7f) {
            space = n > 0;
            continue;
        }
        if (n + space + 1 > cap - 1) {
            cut = true;
            break;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = (char)ch;
    }
    if (cut) {
        while (n && n + 3 > cap - 1)
            n--;
        /* not in the middle of a UTF-8 sequence */
        while (n && ((unsigned char)out[n] & 0xc0) == 0x80)
            n--;
        if (n + 3 <= cap - 1) {
            memcpy(out + n, "...", 3);
            n += 3;
        }
    }
    out[n] = '\0';
    return n;
}

/* Breakdown timings need less precision than latency: 2 figures keep the
 * five histograms of a cell small (a 2-figure histogram is ~1/8 the size). */
#define BREAKDOWN_SIGFIGS 2

void rec_cell_free(struct rec_cell *c)
{
    if (!c)
        return;
    hdr_close(c->latency);
    hdr_close(c->service);
    hdr_close(c->connect);
    hdr_close(c->tls);
    hdr_close(c->ttfb);
    free(c);
}

struct rec_cell *rec_cell_new(void)
{
    struct rec_cell *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (hdr_init_default(&c->latency) || hdr_init_default(&c->service) ||
        hdr_init(HDR_DEFAULT_LOWEST, HDR_DEFAULT_HIGHEST, BREAKDOWN_SIGFIGS, &c->connect) ||
        hdr_init(HDR_DEFAULT_LOWEST, HDR_DEFAULT_HIGHEST, BREAKDOWN_SIGFIGS, &c->tls) ||
        hdr_init(HDR_DEFAULT_LOWEST, HDR_DEFAULT_HIGHEST, BREAKDOWN_SIGFIGS, &c->ttfb)) {
        rec_cell_free(c);
        return NULL;
    }
    return c;
}

int rec_set_new(size_t n_phases, size_t n_requests, struct rec_set **out)
{
    struct rec_set *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->n_phases = n_phases;
    s->n_requests = n_requests;
    s->cells = calloc(n_phases * n_requests * REC_MAX_NODES, sizeof *s->cells);
    s->by_phase = calloc(n_phases ? n_phases : 1, sizeof *s->by_phase);
    if (!s->cells || !s->by_phase) {
        free(s->cells);
        free(s->by_phase);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int rec_set_apps(struct rec_set *s, size_t n_apps)
{
    free(s->apps);
    s->n_apps = 0;
    if (!(s->apps = calloc(n_apps ? n_apps : 1, sizeof *s->apps)))
        return -1;
    s->n_apps = n_apps;
    return 0;
}

void rec_apps_add(struct rec_set *dst, const struct rec_set *src)
{
    for (size_t i = 0; i < dst->n_apps && i < src->n_apps; i++) {
        struct rec_app *d = &dst->apps[i];
        const struct rec_app *a = &src->apps[i];
        if (!a->completed && !a->refresh_asked)
            continue;
        d->completed += a->completed;
        for (int k = 0; k < OC_COUNT; k++)
            d->outcomes[k] += a->outcomes[k];
        for (int k = 0; k < REC_THROTTLE_KINDS; k++)
            d->throttled_by[k] += a->throttled_by[k];
        d->latency_count += a->latency_count;
        d->latency_sum_us += a->latency_sum_us;
        if (a->latency_max_us > d->latency_max_us)
            d->latency_max_us = a->latency_max_us;
        d->refresh_asked += a->refresh_asked;
        d->rejected_fresh += a->rejected_fresh;
    }
}

void rec_set_free(struct rec_set *s)
{
    if (!s)
        return;
    free(s->apps);
    rec_flows_free(s);
    for (size_t i = 0; i < s->n_phases * s->n_requests * REC_MAX_NODES; i++)
        rec_cell_free(s->cells[i]);
    free(s->cells);
    free(s->by_phase);
    free(s);
}

static size_t cell_slot(const struct rec_set *s, size_t phase, size_t request, size_t node)
{
    return (phase * s->n_requests + request) * REC_MAX_NODES + node;
}

struct rec_cell *rec_cell_peek(const struct rec_set *s, size_t phase, size_t request, size_t node)
{
    if (phase >= s->n_phases || request >= s->n_requests || node >= REC_MAX_NODES)
        return NULL;
    return s->cells[cell_slot(s, phase, request, node)];
}

struct rec_cell *rec_cell_get(struct rec_set *s, size_t phase, size_t request, size_t node)
{
    if (phase >= s->n_phases || request >= s->n_requests || node >= REC_MAX_NODES)
        return NULL;
    struct rec_cell **slot = &s->cells[cell_slot(s, phase, request, node)];
    if (!*slot)
        *slot = rec_cell_new();
    return *slot;
}

int rec_cell_add(struct rec_cell *dst, const struct rec_cell *src)
{
    /* Same ranges on both sides: hdr_add cannot overflow here. */
    hdr_add(dst->latency, src->latency);
    hdr_add(dst->service, src->service);
    hdr_add(dst->connect, src->connect);
    hdr_add(dst->tls, src->tls);
    hdr_add(dst->ttfb, src->ttfb);
    for (int i = 0; i < OC_COUNT; i++)
        dst->outcomes[i] += src->outcomes[i];
    dst->unexpected += src->unexpected;
    dst->retried += src->retried;
    dst->completed += src->completed;
    dst->new_connections += src->new_connections;
    dst->bytes_sent += src->bytes_sent;
    dst->bytes_received += src->bytes_received;
    for (int i = 0; i < REC_THROTTLE_KINDS; i++)
        dst->throttled_by[i] += src->throttled_by[i];
    for (int i = 0; i < REC_FAULT_KINDS; i++)
        dst->faults_by[i] += src->faults_by[i];
    dst->retry_after += src->retry_after;
    if (src->retry_after_max_s > dst->retry_after_max_s)
        dst->retry_after_max_s = src->retry_after_max_s;
    return 0;
}

void rec_cell_reset(struct rec_cell *c)
{
    hdr_reset(c->latency);
    hdr_reset(c->service);
    hdr_reset(c->connect);
    hdr_reset(c->tls);
    hdr_reset(c->ttfb);
    for (int i = 0; i < OC_COUNT; i++)
        c->outcomes[i] = 0;
    c->unexpected = c->completed = c->new_connections = c->retried = 0;
    c->bytes_sent = c->bytes_received = 0;
    memset(c->throttled_by, 0, sizeof c->throttled_by);
    memset(c->faults_by, 0, sizeof c->faults_by);
    c->retry_after = c->retry_after_max_s = 0;
}

void rec_set_reset(struct rec_set *s)
{
    for (size_t i = 0; i < s->n_phases * s->n_requests * REC_MAX_NODES; i++)
        if (s->cells[i] && s->cells[i]->completed)
            rec_cell_reset(s->cells[i]);
    s->health = (struct rec_health){0};
    memset(s->by_phase, 0, s->n_phases * sizeof *s->by_phase);
    memset(s->first_error, 0, sizeof s->first_error);
    s->local_error[0] = '\0';
    if (s->apps)
        memset(s->apps, 0, s->n_apps * sizeof *s->apps);
    rec_flows_reset(s);
}

void rec_health_add(struct rec_health *dst, const struct rec_health *src)
{
    dst->scheduled += src->scheduled;
    dst->started += src->started;
    dst->late += src->late;
    dst->bound_waits += src->bound_waits;
    dst->stream_waits += src->stream_waits;
    dst->queue_drops += src->queue_drops;
    dst->abandoned += src->abandoned;
    dst->local_failures += src->local_failures;
    if (src->max_lag_us > dst->max_lag_us)
        dst->max_lag_us = src->max_lag_us;
    dst->inflight += src->inflight;
}

void rec_set_health_add(struct rec_set *dst, const struct rec_set *src)
{
    rec_health_add(&dst->health, &src->health);
    for (size_t p = 0; p < dst->n_phases && p < src->n_phases; p++)
        rec_health_add(&dst->by_phase[p], &src->by_phase[p]);
}

void rec_set_sum(const struct rec_set *s, size_t n_nodes, size_t phase, size_t request, size_t node,
                 struct rec_cell *into)
{
    for (size_t p = 0; p < s->n_phases; p++) {
        if (phase != SIZE_MAX && p != phase)
            continue;
        for (size_t q = 0; q < s->n_requests; q++) {
            if (request != SIZE_MAX && q != request)
                continue;
            for (size_t n = 0; n < n_nodes && n < REC_MAX_NODES; n++) {
                if (node != SIZE_MAX && n != node)
                    continue;
                const struct rec_cell *c = rec_cell_peek(s, p, q, n);
                if (c && c->completed)
                    rec_cell_add(into, c);
            }
        }
    }
}

void rec_note_error(struct rec_set *s, enum rec_outcome oc, const char *msg)
{
    if (msg && (unsigned)oc < OC_COUNT && !s->first_error[oc][0])
        snprintf(s->first_error[oc], REC_ERROR_LEN, "%s", msg);
}

void rec_note_answer(struct rec_set *s, enum rec_outcome oc, int status, const char *node,
                     const char *body, size_t len)
{
    if ((unsigned)oc >= OC_COUNT || s->first_error[oc][0])
        return;
    char *e = s->first_error[oc];
    int n = snprintf(e, REC_ERROR_LEN, "HTTP %d from %s", status, node ? node : "?");
    if (n < 0 || n >= REC_ERROR_LEN - 8)
        return;
    if (!body || !len || !rec_body_line(e + n + 2, REC_ERROR_LEN - (size_t)n - 2, body, len)) {
        snprintf(e + n, REC_ERROR_LEN - (size_t)n, " (no body)");
        return;
    }
    e[n] = ':';
    e[n + 1] = ' ';
}

void rec_note_local(struct rec_set *s, const char *msg)
{
    if (msg && !s->local_error[0])
        snprintf(s->local_error, REC_ERROR_LEN, "%s", msg);
}

void rec_merge_errors(struct rec_set *dst, const struct rec_set *src)
{
    for (int i = 0; i < OC_COUNT; i++)
        rec_note_error(dst, i, src->first_error[i]);
    rec_note_local(dst, src->local_error);
}
