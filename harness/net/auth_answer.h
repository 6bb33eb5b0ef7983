/*
 * auth_answer.h — what the token pool (auth.h) reads of a token
 * endpoint's answer, and when it refreshes what it got: pure functions,
 * no I/O, tested on their own (tests/net/test_auth_answer.c).
 */
#ifndef GATECAP_AUTH_ANSWER_H
#define GATECAP_AUTH_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "net/auth.h"

/* Parses a token endpoint's answer body (len bytes; len above
 * AUTH_ANSWER_MAX_BYTES means the answer was larger, and is refused). On
 * success returns 0 with *token (owned) and *lifetime_s: expires_in, a
 * JSON number or a string holding one, from 0 to AUTH_LIFETIME_MAX_S
 * (larger ones, and strings that overflow a double, are saturated); 0 when
 * absent or null. On failure returns -1 with why in err: the endpoint's
 * `error` and `error_description` when it sent them (in full: the caller
 * redacts, then shortens), else what the answer is (too large, cut short,
 * empty, not JSON, not an object) or lacks. Never a copy of the answer's
 * other bytes. */
int auth_parse_token(const char *body, size_t len, char **token, double *lifetime_s, char *err,
                     size_t err_len);

/* The refresh_token of a token answer: 0 with *refresh owned, or NULL
 * when there is none (or the answer is no JSON object); -1 when it holds a
 * space or control character, or memory ran out. */
int auth_parse_refresh(const char *body, size_t len, char **refresh);

/* Seconds after obtaining a token of lifetime_s (> 0) at which to refresh
 * it: lifetime − lead, lead = before_s when > 0, else before_frac ×
 * lifetime, at most 90 % of the lifetime; minus jitter01 (0..1) × 5 % of
 * the lifetime so that applications do not all refresh at once. */
double auth_refresh_after_s(double lifetime_s, double before_s, double before_frac,
                            double jitter01);

/* When (CLOCK_MONOTONIC ns) to refresh a token of lifetime_s obtained at
 * now_ns: now_ns + auth_refresh_after_s(...), at least AUTH_MIN_SPACING_MS
 * later, saturated at INT64_MAX. INT64_MAX ("never") when the token does
 * not expire: lifetime_s 0, negative, not finite, or above
 * AUTH_LIFETIME_NEVER_S. */
int64_t auth_refresh_due_ns(int64_t now_ns, double lifetime_s, double before_s, double before_frac,
                            double jitter01);

#endif
