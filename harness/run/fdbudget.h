/*
 * fdbudget.h — the file descriptors a run can hold open at once, against
 * the process's limit (RLIMIT_NOFILE), judged before anything is sent: a
 * run that would run out of descriptors half-way measures gatecap, not
 * the gateway, so it is refused up front with the numbers and the fix.
 *
 * Called on the main thread before a run (it changes the process's soft
 * limit); prints nothing. No state.
 */
#ifndef GATECAP_FDBUDGET_H
#define GATECAP_FDBUDGET_H

#include <stddef.h>
#include <stdint.h>

struct scenario;

/* Descriptors each worker holds besides its transport's: its event loop
 * (epoll), its wake-up (eventfd), its arrival timer (timerfd) and one for
 * files libraries open meanwhile (libcurl reads the CA bundle for each new
 * TLS connection). */
#define FDBUDGET_PER_WORKER 4
/* The run's own besides the workers': the coordinator's loop, wake-up and
 * signals, the interval log and the files written at the end (results,
 * reports, JUnit, each through a temporary file), and a margin. Feeder
 * files, bodies and certificates are read whole before the run: none. */
#define FDBUDGET_RUN 16

/* What a run needs; every count is descriptors. */
struct fdbudget {
    int64_t connections; /* to the nodes at once, at most: the busiest phase's users
                            (closed model) or load.max_inflight (open), plus what
                            libcurl may keep idle beyond them */
    int64_t workers;     /* the workers' own (FDBUDGET_PER_WORKER each, and libcurl's
                            wake-up pairs) */
    int64_t run;         /* FDBUDGET_RUN, and the token endpoint's connections */
    int64_t open_now;    /* already open when planned */
    int64_t total;       /* the sum: the lowest limit that holds the run */
};

/* Plans scn's run (borrowed) in a process with open_now descriptors open.
 * Never fails. */
void fdbudget_plan(const struct scenario *scn, int64_t open_now, struct fdbudget *out);

/* Judges plan b of scn against a soft and a hard limit (UINT64_MAX:
 * unlimited). Returns 0 when b->total fits under soft, else -1 with a
 * message in err naming the numbers and what to do: `ulimit -n N`, the
 * hard limit's settings (/etc/security/limits.conf, systemd's
 * LimitNOFILE), or fewer users / a lower load.max_inflight. */
int fdbudget_judge(const struct scenario *scn, const struct fdbudget *b, uint64_t soft,
                   uint64_t hard, char *err, size_t err_len);

/* Raises the soft limit to the hard one (what the administrator allows
 * anyway), counts the descriptors open, plans and judges scn's run.
 * Returns 0, or -1 with fdbudget_judge's message in err. */
int fdbudget_check(const struct scenario *scn, char *err, size_t err_len);

/* What to do after n requests failed locally during a run (example: one
 * of their messages, or NULL), with the limit now, into buf (len bytes). */
void fdbudget_advice(int64_t n, const char *example, char *buf, size_t len);

/* The process's limit now: *soft and *hard (UINT64_MAX: unlimited). */
void fdbudget_limits(uint64_t *soft, uint64_t *hard);

#endif
