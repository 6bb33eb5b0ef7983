/*
 * units.h — the value syntaxes people type in scenarios and on the command
 * line: durations ("500ms", "10s", "1m30s"), rates ("1000/s", "60/m"),
 * shares ("1%", "0.01"), sizes ("64kB", "1MiB"), plain numbers and
 * integers.
 *
 * Every parser takes a NUL-terminated string, accepts nothing but the
 * whole string (no surrounding spaces), writes the value to *out only on
 * success, and returns 0 or UNITS_EINVAL with *why set to a static
 * sentence saying what is wrong and how to write it (why may be NULL).
 * Numbers are decimal: digits with an optional fraction and exponent; no
 * hex, inf or nan. No allocation, no locale.
 */
#ifndef GATECAP_UNITS_H
#define GATECAP_UNITS_H

enum { UNITS_OK = 0, UNITS_EINVAL = -1 };

/* A finite decimal number ("12", "-0.5", "1e3"). */
int units_number(const char *s, double *out, const char **why);

/* A decimal integer within [min, max] ("8", "-1"; not "8.0"). */
int units_integer(const char *s, long long min, long long max, long long *out, const char **why);

/* A duration, in milliseconds: one or more <number><unit> parts, units h,
 * m, s, ms from largest to smallest, each at most once ("1h30m", "1m30s",
 * "1.5s", "250ms"); a bare "0" is zero. Never negative. */
int units_duration_ms(const char *s, double *out_ms, const char **why);

/* An arrival rate, per second: <number>/s, <number>/m or <number>/h
 * ("1000/s", "60/m" == 1/s). Never negative (zero is allowed; callers
 * decide whether it makes sense). */
int units_rate_per_s(const char *s, double *out_per_s, const char **why);

/* A size in bytes: a number and a unit, B, kB or KB (1000), MB, GB,
 * KiB (1024), MiB, GiB; a bare number is bytes ("10kB" == 10000,
 * "1MiB" == 1048576, "1.5KiB" == 1536). A whole number of bytes, at most
 * 2^53; never negative. */
int units_size_bytes(const char *s, unsigned long long *out, const char **why);

/* A share as a fraction 0..1: "N%" (0 <= N <= 100) or a plain number
 * 0..1 ("10%" and "0.1" are both 0.1). */
int units_fraction(const char *s, double *out, const char **why);

#endif
