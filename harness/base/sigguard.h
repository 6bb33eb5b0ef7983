/*
 * sigguard.h — no signal ends gatecap half-way through its work.
 *
 * Every signal whose default action would end the process (SIGINT, SIGTERM,
 * SIGHUP from a dropped ssh session, SIGQUIT, SIGUSR1/2, SIGALRM,
 * SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGXCPU) is blocked from the start of
 * a command, in the thread that calls sigguard_start and so in every thread
 * it creates afterwards, and is read as an event from a signalfd instead:
 * each one is a request to stop, which the caller honours at the next safe
 * point (the engine stops scheduling on the first and abandons what is in
 * flight on the second). Signals arriving while results are written stay
 * pending and are never delivered: writing always finishes. SIGPIPE is
 * ignored (a closed pipe is an EPIPE error on that write, no more) and
 * SIGXFSZ too (a file-size limit is an EFBIG error on the write that
 * passes it). SIGKILL and SIGSTOP cannot be caught; faults (SIGSEGV, ...)
 * are not requests and keep their default action.
 *
 * One guard per process, made by the main thread before any other thread
 * exists. Not thread-safe: sigguard_take belongs to the thread that owns
 * the guard; sigguard_pending may be called from any thread.
 */
#ifndef GATECAP_SIGGUARD_H
#define GATECAP_SIGGUARD_H

#include <signal.h>
#include <stdbool.h>

struct sigguard {
    int fd;         /* signalfd for the stop signals; -1 when not started */
    sigset_t stops; /* the signals treated as stop requests */
    sigset_t old;   /* the caller's mask before sigguard_start */
    int count;      /* stop requests taken so far */
    int last;       /* the last one's signal number; 0 before any */
};

/* Blocks the stop signals, ignores SIGPIPE and SIGXFSZ, opens the
 * signalfd (non-blocking, close-on-exec). Returns 0 or -1 (errno set; the
 * mask is restored). */
int sigguard_start(struct sigguard *g);

/* Reads every stop request that has arrived since the last call; returns
 * how many (0 when none). g->count and g->last follow. */
int sigguard_take(struct sigguard *g);

/* True when a stop request was taken or is waiting to be read: a cheap
 * check (no read) for loops that block outside the event loop, such as
 * the check of each node before the run. */
bool sigguard_pending(const struct sigguard *g);

/* Closes the signalfd and restores the mask saved by sigguard_start;
 * requests still pending are then delivered with their default actions,
 * so call it only when leaving (or not at all: they are discarded at
 * exit). Safe on a guard that was never started. */
void sigguard_end(struct sigguard *g);

/* "SIGTERM" etc. for a signal number. */
const char *sigguard_name(int sig);

#endif
