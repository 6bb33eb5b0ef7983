/*
 * units.c — durations, rates, shares and numbers as people type them.
 * See units.h. Numbers are scanned by hand (strtod would also take hex,
 * inf, nan and leading spaces) and only the scanned span is converted.
 */
#include "base/units.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void set_why(const char **why, const char *msg)
{
    if (why)
        *why = msg;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Scans a decimal number at s (sign only if allow_sign, exponent only if
 * allow_exp). Returns its length, 0 if none. */
static size_t scan_number(const char *s, bool allow_sign, bool allow_exp)
{
    size_t i = 0, digits = 0;
    if (allow_sign && (s[i] == '-' || s[i] == '+'))
        i++;
    while (is_digit(s[i])) {
        i++;
        digits++;
    }
    if (s[i] == '.' && is_digit(s[i + 1])) {
        i++;
        while (is_digit(s[i])) {
            i++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (allow_exp && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (s[j] == '-' || s[j] == '+')
            j++;
        if (is_digit(s[j])) {
            while (is_digit(s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

/* Converts exactly n bytes of s (already scanned) to a double. */
static int convert(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    double v = strtod(buf, NULL);
    if (errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int units_number(const char *s, double *out, const char **why)
{
    size_t n = scan_number(s, true, true);
    double v;
    if (!n || s[n] || convert(s, n, &v)) {
        set_why(why, "not a number; write digits with an optional fraction, e.g. 3 or 0.25");
        return UNITS_EINVAL;
    }
    *out = v;
    return UNITS_OK;
}

int units_integer(const char *s, long long min, long long max, long long *out, const char **why)
{
    size_t i = 0;
    if (s[i] == '-' || s[i] == '+')
        i++;
    size_t start = i;
    while (is_digit(s[i]))
        i++;
    if (i == start || s[i]) {
        set_why(why, "not a whole number; write digits only, e.g. 8");
        return UNITS_EINVAL;
    }
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE || v < min || v > max) {
        set_why(why, "out of range");
        return UNITS_EINVAL;
    }
    *out = v;
    return UNITS_OK;
}

int units_duration_ms(const char *s, double *out_ms, const char **why)
{
    /* parts must go from largest to smallest unit, each at most once */
    enum { U_H, U_M, U_S, U_MS };
    static const double unit_ms[] = {3600e3, 60e3, 1e3, 1};

    if (!*s) {
        set_why(why, "empty; write a duration such as 500ms, 10s, 5m, 1h or 1m30s");
        return UNITS_EINVAL;
    }
    if (s[0] == '-') {
        set_why(why, "a duration cannot be negative; write e.g. 10s");
        return UNITS_EINVAL;
    }
    if (!strcmp(s, "0")) {
        *out_ms = 0;
        return UNITS_OK;
    }
    double total = 0;
    int last = -1;
    const char *p = s;
    while (*p) {
        size_t n = scan_number(p, false, false);
        double v;
        if (!n || convert(p, n, &v)) {
            set_why(why, "not a duration; write e.g. 500ms, 10s, 5m, 1h or 1m30s");
            return UNITS_EINVAL;
        }
        p += n;
        int u;
        if (p[0] == 'm' && p[1] == 's')
            u = U_MS;
        else if (p[0] == 'h')
            u = U_H;
        else if (p[0] == 'm')
            u = U_M;
        else if (p[0] == 's')
            u = U_S;
        else if (!p[0]) {
            set_why(why, "a duration needs a unit; write e.g. 10s, 500ms, 5m or 1h");
            return UNITS_EINVAL;
        } else
            u = -1;
        p += u == U_MS ? 2 : 1;
        if (u < 0 || (*p && !is_digit(*p))) {
            set_why(why, "unknown unit; durations use ms, s, m and h, e.g. 500ms, 10s, 5m, "
                         "1h30m");
            return UNITS_EINVAL;
        }
        if (u <= last) {
            set_why(why, "units go from largest to smallest, each at most once, e.g. 1h30m or "
                         "1m30s");
            return UNITS_EINVAL;
        }
        last = u;
        total += v * unit_ms[u];
    }
    if (!isfinite(total)) {
        set_why(why, "too long");
        return UNITS_EINVAL;
    }
    *out_ms = total;
    return UNITS_OK;
}

int units_rate_per_s(const char *s, double *out_per_s, const char **why)
{
    if (s[0] == '-') {
        set_why(why, "a rate cannot be negative; write e.g. 1000/s");
        return UNITS_EINVAL;
    }
    size_t n = scan_number(s, false, true);
    double v;
    if (!n || convert(s, n, &v)) {
        set_why(why, "not a rate; write requests per second or minute, e.g. 1000/s or 60/m");
        return UNITS_EINVAL;
    }
    const char *u = s + n;
    double div;
    if (!strcmp(u, "/s"))
        div = 1;
    else if (!strcmp(u, "/m"))
        div = 60;
    else if (!strcmp(u, "/h"))
        div = 3600;
    else if (!*u) {
        set_why(why, "a rate needs a unit; write e.g. 1000/s (per second) or 60/m (per minute)");
        return UNITS_EINVAL;
    } else {
        set_why(why, "unknown rate unit; write /s, /m or /h, e.g. 1000/s");
        return UNITS_EINVAL;
    }
    *out_per_s = v / div;
    return UNITS_OK;
}

int units_fraction(const char *s, double *out, const char **why)
{
    size_t n = scan_number(s, true, true);
    double v;
    if (!n || convert(s, n, &v) || (s[n] && strcmp(s + n, "%"))) {
        set_why(why, "not a share; write a percentage such as 1% or a fraction such as 0.01");
        return UNITS_EINVAL;
    }
    if (s[n] == '%') {
        if (v < 0 || v > 100) {
            set_why(why, "a percentage must be between 0% and 100%");
            return UNITS_EINVAL;
        }
        v /= 100;
    } else if (v < 0 || v > 1) {
        set_why(why, "a fraction must be between 0 and 1; for a percentage add %, e.g. 5%");
        return UNITS_EINVAL;
    }
    *out = v;
    return UNITS_OK;
}

int units_size_bytes(const char *s, unsigned long long *out, const char **why)
{
    static const struct {
        const char *name;
        double mult;
    } units[] = {{"", 1},         {"B", 1},           {"kB", 1e3},
                 {"KB", 1e3},     {"MB", 1e6},        {"GB", 1e9},
                 {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
    if (s[0] == '-') {
        set_why(why, "a size cannot be negative; write e.g. 64kB or 1MiB");
        return UNITS_EINVAL;
    }
    size_t n = scan_number(s, false, false);
    double v;
    if (!n || convert(s, n, &v)) {
        set_why(why, "not a size; write bytes with a unit, e.g. 512B, 64kB or 1MiB");
        return UNITS_EINVAL;
    }
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        if (strcmp(s + n, units[i].name))
            continue;
        double b = v * units[i].mult;
        if (b > 9007199254740992.0) {
            set_why(why, "too large");
            return UNITS_EINVAL;
        }
        if (b != floor(b)) {
            set_why(why, "not a whole number of bytes; write e.g. 1536B or 1.5KiB");
            return UNITS_EINVAL;
        }
        *out = (unsigned long long)b;
        return UNITS_OK;
    }
    set_why(why, "unknown size unit; write B, kB, MB, GB, KiB, MiB or GiB, e.g. 64kB");
    return UNITS_EINVAL;
}
