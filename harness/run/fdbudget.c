/*
 * fdbudget.c — the file descriptors a run needs against RLIMIT_NOFILE;
 * see fdbudget.h.
 */
#include "run/fdbudget.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "net/auth.h"
#include "net/xfer.h"
#include "run/worker.h"
#include "scenario/scenario.h"

void fdbudget_plan(const struct scenario *scn, int64_t open_now, struct fdbudget *out)
{
    int workers = scn->workers > 0 ? scn->workers : 1;
    *out = (struct fdbudget){.run = FDBUDGET_RUN, .open_now = open_now};
    for (int id = 0; id < workers; id++) {
        size_t own = 0;
        out->connections += (int64_t)xfer_fds(scn, worker_slots(scn, id, workers), &own);
        out->workers += FDBUDGET_PER_WORKER + (int64_t)own;
    }
    if (scn->auth.type == SCN_AUTH_OAUTH2) {
        /* The token thread's transfers, and its multi handle's wake-up
         * pair; libcurl keeps up to 4 connections per transfer when
         * applications bring their own certificates (one per identity). */
        bool own_certs = false;
        for (size_t i = 0; i < scn->auth.n_apps; i++)
            own_certs |= scn->auth.apps[i].cert_file != NULL;
        out->run += (own_certs ? 4 : 1) * AUTH_CONCURRENCY + 2;
    }
    out->total = out->connections + out->workers + out->run + out->open_now;
}

/* The busiest phase's users (closed model), else 0. */
static int64_t max_users(const struct scenario *scn)
{
    int64_t n = 0;
    for (size_t p = 0; p < scn->n_phases; p++)
        if (scn->phases[p].users > n)
            n = scn->phases[p].users;
    return n;
}

int fdbudget_judge(const struct scenario *scn, const struct fdbudget *b, uint64_t soft,
                   uint64_t hard, char *err, size_t err_len)
{
    uint64_t need = (uint64_t)b->total;
    if (need <= soft)
        return 0;
    bool open = scn->model == SCN_OPEN;
    char limit[128];
    if (need <= hard)
        snprintf(limit, sizeof limit, "the limit is %llu (the hard limit, %llu, allows more)",
                 (unsigned long long)soft, (unsigned long long)hard);
    else
        snprintf(limit, sizeof limit, "the hard limit is %llu", (unsigned long long)hard);
    /* Fewer users (or a lower bound) would do when what they leave room
     * for is more than nothing: connections beyond the users' own (idle
     * workers' slots, libcurl's idle ones) are taken to stay. */
    uint64_t cap = need <= hard ? soft : hard;
    int64_t asked = open ? scn->max_inflight : max_users(scn);
    if (scn->workloads_explicit) { /* each workload's bound or users, side by side */
        asked = 0;
        for (size_t w = 0; w < scn->n_workloads; w++) {
            const struct scn_workload *wl = &scn->workloads[w];
            int64_t most = 0;
            for (size_t p = wl->first_phase; p < wl->first_phase + wl->n_phases; p++)
                if (scn->phases[p].users > most)
                    most = scn->phases[p].users;
            asked += wl->model == SCN_OPEN ? wl->max_inflight : most;
        }
    }
    int64_t beside = b->total - asked; /* every descriptor but the users' */
    char fewer[160] = "";
    if (!scn->workloads_explicit && (int64_t)cap > beside && (int64_t)cap - beside < asked)
        snprintf(fewer, sizeof fewer, "; or %s %lld%s",
                 open ? "lower load.max_inflight to" : "run at most",
                 (long long)((int64_t)cap - beside), open ? "" : " users in a phase");
    int n = snprintf(err, err_len,
                     "the run can hold %lld connections at once (%s) and needs %llu file "
                     "descriptors in all (the connections; %lld for %d worker(s); %lld for the "
                     "run's own loops and files; %lld open already), but %s: ",
                     (long long)b->connections,
                     scn->workloads_explicit ? "the workloads' load.max_inflight and users"
                     : open                  ? "load.max_inflight"
                                             : "the busiest phase's users",
                     (unsigned long long)need, (long long)b->workers, scn->workers,
                     (long long)b->run, (long long)b->open_now, limit);
    if (n < 0 || (size_t)n >= err_len)
        return -1;
    if (need <= hard)
        snprintf(err + n, err_len - (size_t)n,
                 "run `ulimit -n %llu` in the shell that starts gatecap%s",
                 (unsigned long long)need, fewer);
    else
        snprintf(err + n, err_len - (size_t)n,
                 "raise it to %llu or more — `ulimit -n %llu` as root in the shell that starts "
                 "gatecap, nofile in /etc/security/limits.conf for a login, LimitNOFILE=%llu "
                 "for a systemd service, --ulimit nofile=%llu for a container%s",
                 (unsigned long long)need, (unsigned long long)need, (unsigned long long)need,
                 (unsigned long long)need, fewer);
    return -1;
}

void fdbudget_limits(uint64_t *soft, uint64_t *hard)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl)) {
        *soft = *hard = UINT64_MAX;
        return;
    }
    *soft = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
    *hard = rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_max;
}

void fdbudget_advice(int64_t n, const char *example, char *buf, size_t len)
{
    uint64_t soft, hard;
    fdbudget_limits(&soft, &hard);
    char lim[64] = "unlimited";
    if (soft != UINT64_MAX)
        snprintf(lim, sizeof lim, "%llu, hard limit %llu", (unsigned long long)soft,
                 (unsigned long long)hard);
    snprintf(buf, len,
             "%lld request(s) were never sent: gatecap ran out of its own resources (e.g. %s); "
             "they are in no outcome of the gateway's. Raise the file limit (now %s: `ulimit "
             "-n`, nofile in /etc/security/limits.conf, LimitNOFILE= for a systemd service), "
             "widen the ephemeral ports (net.ipv4.ip_local_port_range) for new connections, or "
             "run fewer users or a lower load.max_inflight",
             (long long)n, example && example[0] ? example : "?", lim);
}

/* Descriptors open in this process (3 when /proc cannot say). */
static int64_t open_now(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 3;
    int64_t n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n > 3 ? n - 3 : 0; /* ".", ".." and the directory's own */
}

int fdbudget_check(const struct scenario *scn, char *err, size_t err_len)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl); /* on failure the judgement names the limit */
    }
    uint64_t soft, hard;
    fdbudget_limits(&soft, &hard);
    struct fdbudget b;
    fdbudget_plan(scn, open_now(), &b);
    return fdbudget_judge(scn, &b, soft, hard, err, err_len);
}
