/*
 * wallclock.c — start times and the state of the host's clock; see
 * wallclock.h.
 */
#include "base/wallclock.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#define FORMS "use RFC 3339 (2026-12-02T10:00:00Z) or seconds since the epoch (1796205600)"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n digits at *p into *v; advances p. */
static bool digits(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p))
            return false;
        *v = *v * 10 + (**p - '0');
    }
    return true;
}

static int rfc3339(const char *s, double *out)
{
    const char *p = s;
    int y, mo, d, h, mi, se;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return -1;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
        !digits(&p, 2, &se))
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
        return -1;
    double frac = 0;
    if (*p == '.') {
        double scale = 0.1;
        if (!isdigit((unsigned char)*++p))
            return -1;
        for (; isdigit((unsigned char)*p); p++, scale /= 10)
            frac += (*p - '0') * scale;
    }
    int offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset_s = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_s;
    *out = (double)t + frac;
    return 0;
}

int wallclock_parse(const char *text, double *epoch_s, char *norm, size_t norm_len, char *err,
                    size_t err_len)
{
    double t;
    char *end = NULL;
    if (text && isdigit((unsigned char)text[0]) && !strpbrk(text, "-:T")) {
        errno = 0;
        t = strtod(text, &end);
        if (errno || *end || !isfinite(t)) {
            snprintf(err, err_len, "'%s' is not a time; " FORMS, text);
            return -1;
        }
    } else if (!text || rfc3339(text, &t)) {
        snprintf(err, err_len, "'%s' is not a time; " FORMS, text ? text : "");
        return -1;
    }
    if (t < 946684800.0 || t > 7258118400.0) { /* 2000 .. 2200 */
        snprintf(err, err_len, "'%s' is not a time between the years 2000 and 2200; " FORMS, text);
        return -1;
    }
    *epoch_s = t;
    wallclock_format(t, norm, norm_len);
    return 0;
}

void wallclock_format(double epoch_s, char *buf, size_t len)
{
    int64_t ms = (int64_t)llround(epoch_s * 1000.0);
    int64_t s = ms / 1000, days = s / 86400, sod = s % 86400;
    /* civil_from_days */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
             (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), (int)(ms % 1000));
}

double wallclock_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void wallclock_state(struct wallclock_state *out)
{
    struct timex tx;
    memset(out, 0, sizeof *out);
    memset(&tx, 0, sizeof tx); /* modes 0: read only */
    double before = wallclock_now_s();
    int st = ntp_adjtime(&tx); /* the kernel's time and its error estimates (ntp_gettime's) */
    double after = wallclock_now_s();
    out->state = st;
    if (st < 0)
        return;
    out->synchronised = st != TIME_ERROR;
    out->maxerror_ms = (double)tx.maxerror / 1e3; /* µs */
    out->esterror_ms = (double)tx.esterror / 1e3;
    double sub =
        (tx.status & STA_NANO) ? (double)tx.time.tv_usec / 1e9 : (double)tx.time.tv_usec / 1e6;
    double kernel = (double)tx.time.tv_sec + sub;
    out->offset_ms = ((before + after) / 2 - kernel) * 1e3;
}
