/*
 * wallclock.h — the wall clock where a distributed run needs it: the
 * start time every shard is given (--start-at), and what this host's
 * kernel knows of its own clock. Never for measuring (base/clock.h): a
 * latency is read on one host's monotonic clock, so clock skew between
 * hosts never enters one; it only moves a shard's time zero.
 */
#ifndef GATECAP_WALLCLOCK_H
#define GATECAP_WALLCLOCK_H

#include <stdbool.h>
#include <stddef.h>

/* A time as given to --start-at: RFC 3339 ("2026-12-02T10:00:00Z",
 * "2026-12-02T11:00:00.250+01:00"; 'T' or a space, 'Z' or an offset) or
 * seconds since the epoch ("1796205600", "1796205600.25"). Writes the
 * seconds since the epoch to *epoch_s and the time in RFC 3339 UTC with
 * milliseconds to norm (norm_len >= 32). Returns 0, or -1 with a sentence
 * in err naming what is wrong and the forms accepted. */
int wallclock_parse(const char *text, double *epoch_s, char *norm, size_t norm_len, char *err,
                    size_t err_len);

/* epoch_s in RFC 3339 UTC with milliseconds ("2026-12-02T10:00:00.000Z"),
 * into buf (len >= 32). */
void wallclock_format(double epoch_s, char *buf, size_t len);

/* The state of this host's clock, as ntp_gettime(3) reports it, and how
 * far this process's wall clock is from the kernel's. */
struct wallclock_state {
    bool synchronised;  /* the kernel says its clock is synchronised (not TIME_ERROR) */
    int state;          /* ntp_gettime's return: 0 TIME_OK .. 5 TIME_ERROR; -1 failed */
    double maxerror_ms; /* its maximum error */
    double esterror_ms; /* its estimated error */
    double offset_ms;   /* CLOCK_REALTIME as this process reads it minus the kernel's time
                           (not 0: the process's clock is shifted, e.g. by libfaketime) */
};

void wallclock_state(struct wallclock_state *out);

/* CLOCK_REALTIME in seconds since the epoch. */
double wallclock_now_s(void);

#endif
