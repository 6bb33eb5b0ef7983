/*
 * errbuf.h — how a module says why it failed: a printf-style message into
 * the caller's buffer (err, errlen bytes; NULL or 0: no message), and the
 * module's error code returned, so that a failure is one statement:
 *
 *     return errbuf_set(err, errlen, PLAN_EINVAL, "no steps in %s", file);
 *
 * Modules never print; the command that called them does.
 */
#ifndef GATECAP_ERRBUF_H
#define GATECAP_ERRBUF_H

#include <stddef.h>

/* Writes the message (truncated to fit, always terminated) and returns
 * code. */
int errbuf_set(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
