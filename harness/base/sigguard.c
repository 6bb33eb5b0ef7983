/*
 * sigguard.c — stop signals read from a signalfd; see sigguard.h.
 */
#include "base/sigguard.h"

#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const int stop_signals[] = {SIGINT,  SIGTERM,   SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2,
                                   SIGALRM, SIGVTALRM, SIGPROF, SIGIO,   SIGPWR,  SIGXCPU};

int sigguard_start(struct sigguard *g)
{
    memset(g, 0, sizeof *g);
    g->fd = -1;
    sigemptyset(&g->stops);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaddset(&g->stops, stop_signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &g->stops, &g->old) != 0)
        return -1;
    g->fd = signalfd(-1, &g->stops, SFD_NONBLOCK | SFD_CLOEXEC);
    if (g->fd < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &g->old, NULL);
        errno = e;
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    return 0;
}

int sigguard_take(struct sigguard *g)
{
    int n = 0;
    struct signalfd_siginfo si;
    while (g->fd >= 0 && read(g->fd, &si, sizeof si) == (ssize_t)sizeof si) {
        g->last = (int)si.ssi_signo;
        g->count++;
        n++;
    }
    return n;
}

bool sigguard_pending(const struct sigguard *g)
{
    if (g->fd < 0)
        return false;
    if (g->count > 0)
        return true;
    sigset_t p;
    if (sigpending(&p) != 0)
        return false;
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        if (sigismember(&p, stop_signals[i]) == 1)
            return true;
    return false;
}

void sigguard_end(struct sigguard *g)
{
    if (g->fd < 0)
        return;
    close(g->fd);
    g->fd = -1;
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

const char *sigguard_name(int sig)
{
    switch (sig) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    case SIGQUIT:
        return "SIGQUIT";
    case SIGUSR1:
        return "SIGUSR1";
    case SIGUSR2:
        return "SIGUSR2";
    case SIGALRM:
        return "SIGALRM";
    case SIGVTALRM:
        return "SIGVTALRM";
    case SIGPROF:
        return "SIGPROF";
    case SIGIO:
        return "SIGIO";
    case SIGPWR:
        return "SIGPWR";
    case SIGXCPU:
        return "SIGXCPU";
    default:
        return "a signal";
    }
}
