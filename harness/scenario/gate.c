/*
 * gate.c — gate expressions, their measurement on recorder cells, and
 * their evaluation on a run. See gate.h.
 */
#include "scenario/gate.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "measure/hdr.h"
#include "measure/judge.h"
#include "measure/recorder.h"
#include "measure/recorder_flow.h"
#include "scenario/scenario.h"

/* ---- parsing ---- */

static const char *const series_names[] = {"latency", "service", "ttfb", "connect", "tls"};

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

static void set_why(char *why, size_t len, const char *msg)
{
    if (why && len)
        snprintf(why, len, "%s", msg);
}

/* "p99", "p99.9", "min", "mean", "max" into e's stat. */
static int parse_stat(const char *s, struct gate_expr *e)
{
    if (!strcmp(s, "min")) {
        e->stat = GATE_MIN;
        return 0;
    }
    if (!strcmp(s, "mean") || !strcmp(s, "avg")) {
        e->stat = GATE_MEAN;
        return 0;
    }
    if (!strcmp(s, "max")) {
        e->stat = GATE_MAX;
        return 0;
    }
    double p;
    if (s[0] != 'p' || units_number(s + 1, &p, NULL) || s[1] == '-' || s[1] == '+' || !(p > 0) ||
        p > 100)
        return -1;
    e->stat = GATE_PCTL;
    e->percentile = p;
    return 0;
}

/* "flow.NAME.METRIC": the name may hold dots, so METRIC is the first
 * suffix after a dot that reads as one (a metric holds a dot only as
 * pN.N, whose ".N" alone is none). */
static int parse_flow_metric(const char *rest, struct gate_expr *e)
{
    static const struct {
        const char *name;
        enum gate_metric metric;
    } counts[] = {{"completed", GATE_FLOW_COMPLETED},
                  {"failed", GATE_FLOW_FAILED},
                  {"started", GATE_FLOW_STARTED}};
    for (const char *dot = strchr(rest, '.'); dot; dot = strchr(dot + 1, '.')) {
        size_t n = (size_t)(dot - rest);
        if (!n || n >= sizeof e->subject || !dot[1])
            continue;
        const char *m = dot + 1;
        bool ok = false;
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
            if (!strcmp(m, counts[i].name)) {
                e->metric = counts[i].metric;
                ok = true;
            }
        if (!ok && parse_stat(m, e) == 0) {
            e->metric = GATE_FLOW_TIME;
            ok = true;
        }
        if (ok) {
            memcpy(e->subject, rest, n);
            e->subject[n] = '\0';
            return 0;
        }
    }
    return -1;
}

static int parse_metric(const char *m, struct gate_expr *e)
{
    if (!strncmp(m, "flow.", 5))
        return parse_flow_metric(m + 5, e);
    if (!strncmp(m, "checks.", 7)) {
        size_t n = strlen(m + 7);
        if (!n || n >= sizeof e->subject)
            return -1;
        memcpy(e->subject, m + 7, n + 1);
        e->metric = GATE_CHECK_PASSED;
        return 0;
    }

    static const struct {
        const char *name;
        enum gate_metric metric;
    } plain[] = {{"errors", GATE_ERRORS},
                 {"throttled", GATE_THROTTLED},
                 {"unexpected", GATE_UNEXPECTED},
                 {"throughput", GATE_THROUGHPUT},
                 {"achieved", GATE_ACHIEVED},
                 {"requests", GATE_REQUESTS},
                 {"unauthorized", GATE_UNAUTHORIZED}};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (!strcmp(m, plain[i].name)) {
            e->metric = plain[i].metric;
            return 0;
        }
    e->metric = GATE_TIME;
    e->series = GATE_LATENCY;
    const char *dot = strchr(m, '.');
    /* "p99.9" has a dot too: a series name is what comes before it. */
    if (dot) {
        for (size_t i = 0; i < sizeof series_names / sizeof series_names[0]; i++) {
            size_t n = strlen(series_names[i]);
            if ((size_t)(dot - m) == n && !strncmp(m, series_names[i], n)) {
                e->series = (enum gate_series)i;
                return parse_stat(dot + 1, e);
            }
        }
    }
    return parse_stat(m, e);
}

/* A time with its unit, in ms. */
static int parse_time_ms(const char *v, double *ms)
{
    size_t n = strlen(v);
    double scale;
    size_t unit;
    if (n > 2 && !strcmp(v + n - 2, "ms")) {
        scale = 1;
        unit = 2;
    } else if (n > 2 && !strcmp(v + n - 2, "us")) {
        scale = 1e-3;
        unit = 2;
    } else if (n > 3 && !strcmp(v + n - 3, "\xc2\xb5s")) {
        scale = 1e-3;
        unit = 3;
    } else if (n > 1 && v[n - 1] == 's') {
        scale = 1e3;
        unit = 1;
    } else {
        return -1;
    }
    char num[64];
    if (n - unit >= sizeof num)
        return -1;
    memcpy(num, v, n - unit);
    num[n - unit] = '\0';
    double x;
    if (units_number(num, &x, NULL) || x < 0)
        return -1;
    *ms = x * scale;
    return 0;
}

/* "N%" as N (0..100). */
static int parse_pct(const char *v, double *pct)
{
    size_t n = strlen(v);
    double f;
    if (n < 2 || v[n - 1] != '%' || units_fraction(v, &f, NULL))
        return -1;
    *pct = f * 100.0;
    return 0;
}

static int parse_count(const char *v, double *count)
{
    long long x;
    if (units_integer(v, 0, INT64_MAX, &x, NULL))
        return -1;
    *count = (double)x;
    return 0;
}

static int parse_value(const char *v, struct gate_expr *e, char *why, size_t len)
{
    switch (e->metric) {
    case GATE_TIME:
        if (parse_time_ms(v, &e->threshold) == 0)
            return 0;
        set_why(why, len, "a time needs a unit: us, ms or s (e.g. p99 < 250ms)");
        return -1;
    case GATE_FLOW_TIME:
        if (parse_time_ms(v, &e->threshold) == 0)
            return 0;
        set_why(why, len, "a time needs a unit: us, ms or s (e.g. flow.payment.p99 < 2s)");
        return -1;
    case GATE_FLOW_COMPLETED:
    case GATE_FLOW_FAILED:
        if (strchr(v, '%')) {
            e->as_pct = true;
            if (parse_pct(v, &e->threshold) == 0)
                return 0;
            set_why(why, len, "a share is 0% to 100% (e.g. flow.payment.completed >= 99%)");
            return -1;
        }
        if (parse_count(v, &e->threshold) == 0)
            return 0;
        set_why(why, len,
                "write a share with % (flow.payment.failed < 1%) or a whole count "
                "(flow.payment.failed <= 10)");
        return -1;
    case GATE_FLOW_STARTED:
        if (parse_count(v, &e->threshold) == 0)
            return 0;
        set_why(why, len, "started is a whole count (e.g. flow.payment.started >= 100)");
        return -1;
    case GATE_CHECK_PASSED:
        if (parse_pct(v, &e->threshold) == 0) {
            e->as_pct = true;
            return 0;
        }
        set_why(why, len,
                "a check is gated on the share of its evaluations that passed, 0% to 100% "
                "(e.g. checks.settled >= 99.9%)");
        return -1;
    case GATE_ERRORS:
    case GATE_THROTTLED:
    case GATE_UNAUTHORIZED:
    case GATE_UNEXPECTED:
        if (strchr(v, '%')) {
            e->as_pct = true;
            if (parse_pct(v, &e->threshold) == 0)
                return 0;
            set_why(why, len, "a share is 0% to 100% (e.g. errors < 0.1%)");
            return -1;
        }
        if (parse_count(v, &e->threshold) == 0)
            return 0;
        set_why(why, len, "write a share with % (errors < 0.1%) or a whole count (errors <= 10)");
        return -1;
    case GATE_THROUGHPUT:
        if (units_rate_per_s(v, &e->threshold, NULL) == 0)
            return 0;
        set_why(why, len, "a throughput is a rate: N/s, N/m or N/h (e.g. throughput >= 950/s)");
        return -1;
    case GATE_ACHIEVED:
        if (parse_pct(v, &e->threshold) == 0)
            return 0;
        set_why(why, len,
                "achieved is a share of the offered rate, 0% to 100% (e.g. achieved >= 99%)");
        return -1;
    case GATE_REQUESTS:
        if (parse_count(v, &e->threshold) == 0)
            return 0;
        set_why(why, len, "requests is a whole count (e.g. requests >= 1000)");
        return -1;
    }
    return -1;
}

int gate_parse(const char *text, struct gate_expr *out, char *why, size_t why_len)
{
    static const char example[] = " (e.g. p99 < 250ms, errors < 0.1%, throughput >= 950/s)";
    struct gate_expr e = {0};
    char metric[GATE_SUBJECT_MAX + 24], value[64];
    const char *s = text;
    while (is_space(*s))
        s++;
    size_t n = 0;
    while (s[n] && !is_space(s[n]) && s[n] != '<' && s[n] != '>' && s[n] != '=' && s[n] != '!')
        n++;
    if (!n || n >= sizeof metric) {
        snprintf(why, why_len, "expected METRIC OP VALUE%s", example);
        return -1;
    }
    memcpy(metric, s, n);
    metric[n] = '\0';
    s += n;
    while (is_space(*s))
        s++;
    if (s[0] == '<' || s[0] == '>') {
        bool le = s[1] == '=';
        e.op = s[0] == '<' ? (le ? GATE_LE : GATE_LT) : (le ? GATE_GE : GATE_GT);
        s += le ? 2 : 1;
    } else {
        snprintf(why, why_len, "expected a comparison <, <=, > or >= after '%s'%s", metric,
                 example);
        return -1;
    }
    while (is_space(*s))
        s++;
    n = strlen(s);
    while (n && is_space(s[n - 1]))
        n--;
    if (!n || n >= sizeof value) {
        snprintf(why, why_len, "expected a value after the comparison%s", example);
        return -1;
    }
    memcpy(value, s, n);
    value[n] = '\0';
    if (parse_metric(metric, &e)) {
        snprintf(why, why_len,
                 "unknown metric '%s'; use pN (p50, p99, p99.9), min, mean, max, "
                 "service.p99 (also ttfb., connect., tls.), errors, throttled, unauthorized, "
                 "unexpected, "
                 "throughput, achieved, requests, flow.NAME.p99 (also .mean, .max, .completed, "
                 ".failed, .started) or checks.NAME",
                 metric);
        return -1;
    }
    if (parse_value(value, &e, why, why_len))
        return -1;
    *out = e;
    return 0;
}

/* ---- measuring ---- */

static const struct hdr_hist *series_hist(const struct rec_cell *c, enum gate_series s)
{
    switch (s) {
    case GATE_LATENCY:
        return c->latency;
    case GATE_SERVICE:
        return c->service;
    case GATE_TTFB:
        return c->ttfb;
    case GATE_CONNECT:
        return c->connect;
    case GATE_TLS:
        return c->tls;
    }
    return c->latency;
}

static bool share(int64_t part, const struct rec_cell *c, bool as_pct, double *value)
{
    if (!as_pct) {
        *value = (double)part;
        return true;
    }
    if (!c->completed)
        return false;
    *value = 100.0 * (double)part / (double)c->completed;
    return true;
}

bool gate_measure(const struct gate_expr *e, const struct rec_cell *c, double seconds,
                  double achieved_pct, double *value)
{
    int64_t errors = 0;
    switch (e->metric) {
    case GATE_TIME: {
        const struct hdr_hist *h = series_hist(c, e->series);
        if (!hdr_count(h))
            return false;
        int64_t us = e->stat == GATE_MIN    ? hdr_min(h)
                     : e->stat == GATE_MAX  ? hdr_max(h)
                     : e->stat == GATE_PCTL ? hdr_value_at_percentile(h, e->percentile)
                                            : 0;
        *value = e->stat == GATE_MEAN ? hdr_mean(h) / 1e3 : (double)us / 1e3;
        return true;
    }
    case GATE_ERRORS:
        for (int i = 0; i < OC_COUNT; i++)
            if (rec_outcome_is_error((enum rec_outcome)i))
                errors += c->outcomes[i];
        return share(errors, c, e->as_pct, value);
    case GATE_THROTTLED:
        return share(c->outcomes[OC_429], c, e->as_pct, value);
    case GATE_UNAUTHORIZED:
        return share(c->outcomes[OC_401], c, e->as_pct, value);
    case GATE_UNEXPECTED:
        return share(c->unexpected, c, e->as_pct, value);
    case GATE_THROUGHPUT:
        if (!(seconds > 0))
            return false;
        *value = (double)c->completed / seconds;
        return true;
    case GATE_ACHIEVED:
        if (!(achieved_pct >= 0))
            return false;
        *value = achieved_pct;
        return true;
    case GATE_REQUESTS:
        *value = (double)c->completed;
        return true;
    default: /* flows and checks: gate_measure_flow, gate_measure_check */
        return false;
    }
    return false;
}

static bool hist_stat(const struct gate_expr *e, const struct hdr_hist *h, double *value)
{
    if (!h || !hdr_count(h))
        return false;
    int64_t us = e->stat == GATE_MIN    ? hdr_min(h)
                 : e->stat == GATE_MAX  ? hdr_max(h)
                 : e->stat == GATE_PCTL ? hdr_value_at_percentile(h, e->percentile)
                                        : 0;
    *value = e->stat == GATE_MEAN ? hdr_mean(h) / 1e3 : (double)us / 1e3;
    return true;
}

bool gate_measure_flow(const struct gate_expr *e, const struct rec_flow *f, double *value)
{
    if (!f)
        return false;
    int64_t ended = f->completed + f->failed;
    int64_t part = e->metric == GATE_FLOW_COMPLETED ? f->completed : f->failed;
    switch (e->metric) {
    case GATE_FLOW_TIME:
        return hist_stat(e, f->duration, value);
    case GATE_FLOW_COMPLETED:
    case GATE_FLOW_FAILED:
        if (!e->as_pct) {
            *value = (double)part;
            return true;
        }
        if (!ended)
            return false;
        *value = 100.0 * (double)part / (double)ended;
        return true;
    case GATE_FLOW_STARTED:
        *value = (double)f->started;
        return true;
    default:
        return false;
    }
}

bool gate_measure_check(const struct gate_expr *e, const struct rec_check *k, double *value)
{
    if (e->metric != GATE_CHECK_PASSED || !k || !(k->passed + k->failed))
        return false;
    *value = 100.0 * (double)k->passed / (double)(k->passed + k->failed);
    return true;
}

bool gate_holds(const struct gate_expr *e, double value)
{
    switch (e->op) {
    case GATE_LT:
        return value < e->threshold;
    case GATE_LE:
        return value <= e->threshold;
    case GATE_GT:
        return value > e->threshold;
    case GATE_GE:
        return value >= e->threshold;
    }
    return false;
}

const char *gate_unit(const struct gate_expr *e)
{
    switch (e->metric) {
    case GATE_TIME:
        return "ms";
    case GATE_ERRORS:
    case GATE_THROTTLED:
    case GATE_UNAUTHORIZED:
    case GATE_UNEXPECTED:
        return e->as_pct ? "%" : "";
    case GATE_THROUGHPUT:
        return "/s";
    case GATE_ACHIEVED:
        return "%";
    case GATE_REQUESTS:
    case GATE_FLOW_STARTED:
        return "";
    case GATE_FLOW_TIME:
        return "ms";
    case GATE_FLOW_COMPLETED:
    case GATE_FLOW_FAILED:
    case GATE_CHECK_PASSED:
        return e->as_pct ? "%" : "";
    }
    return "";
}

const char *gate_op_name(enum gate_op op)
{
    static const char *const names[] = {"<", "<=", ">", ">="};
    return names[op];
}

const char *gate_scope_name(enum gate_scope s)
{
    static const char *const names[] = {"all", "phase", "request", "node", "workload"};
    return names[s];
}

void gate_format(const struct gate_expr *e, double value, char *buf, size_t len)
{
    const char *unit = gate_unit(e);
    if (!*unit)
        snprintf(buf, len, "%.0f", value);
    else if (e->metric == GATE_TIME || e->metric == GATE_FLOW_TIME)
        snprintf(buf, len, value < 10 ? "%.3f%s" : "%.1f%s", value, unit);
    else if (!strcmp(unit, "%"))
        snprintf(buf, len, "%.3g%s", value, unit);
    else
        snprintf(buf, len, "%.1f%s", value, unit);
}

int gate_judge_criterion(const struct gate_expr *e, struct judge_criterion *out, char *why,
                         size_t why_len)
{
    memset(out, 0, sizeof *out);
    out->bound = e->threshold;
    bool below = e->op == GATE_LT || e->op == GATE_LE;
    out->strict = e->op == GATE_LT || e->op == GATE_GT;
    if (e->metric == GATE_TIME && e->series == GATE_LATENCY && e->stat == GATE_PCTL &&
        judge_pct_index(e->percentile) >= 0 && below) {
        out->metric = JUDGE_LATENCY;
        out->pct = judge_pct_index(e->percentile);
        return 0;
    }
    if (e->metric == GATE_ERRORS && e->as_pct && below) {
        out->metric = JUDGE_ERRORS;
        return 0;
    }
    if (e->metric == GATE_ACHIEVED && !below) {
        out->metric = JUDGE_ACHIEVED;
        return 0;
    }
    if (why && why_len)
        snprintf(why, why_len,
                 "a step is judged on latency percentiles (p50, p90, p99 or p99.9 below a "
                 "time), errors (below a share, e.g. errors < 0.1%%) and achieved (at least a "
                 "share, e.g. achieved >= 99%%)");
    return -1;
}
