/*
 * main.c — gatewaysim: a simulated WSO2 API gateway node for gatecap's
 * tests. Parses the command line, sets up the node, runs the libev loop
 * until SIGTERM/SIGINT, and decides what the user sees.
 *
 * Exit codes: 0 after a signal (clean stop), 1 when the node cannot start
 * (port taken, bad certificate), 2 for usage errors.
 */
#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "server.h"

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int write_pid_file(const char *path)
{
    char tmp[GSCFG_STR + 16];
    snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -errno;
    fprintf(f, "%d\n", (int)getpid());
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return -e;
    }
    return 0;
}

/* Removes the pid file only when it still names this process. */
static void remove_pid_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    int pid = 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid == (int)getpid())
        unlink(path);
}

int main(int argc, char **argv)
{
    struct gscfg cfg;
    char err[1024];
    gscfg_defaults(&cfg);
    int rc = gscfg_parse_argv(&cfg, argc, argv, err, sizeof err);
    if (rc == 1) {
        struct gsbuf help;
        if (gsbuf_init(&help) == 0 && gscfg_usage(&help) == 0)
            fwrite(help.data, 1, help.len, stdout);
        gsbuf_free(&help);
        return 0;
    }
    if (rc == 0)
        rc = gscfg_check(&cfg, err, sizeof err);
    if (rc) {
        fprintf(stderr, "gatewaysim: %s\n", err);
        return 2;
    }
    if (!cfg.seed_set)
        cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    if (!loop) {
        fprintf(stderr, "gatewaysim: cannot create the event loop (libev)\n");
        return 1;
    }
    struct gssrv *srv = calloc(1, sizeof *srv);
    if (!srv) {
        fprintf(stderr, "gatewaysim: out of memory\n");
        return 1;
    }
    rc = gssrv_init(srv, loop, &cfg, err, sizeof err);
    if (rc) {
        fprintf(stderr, "gatewaysim: %s\n", err);
        free(srv);
        return rc == -EINVAL && strncmp(err, "--listen", 8) == 0 ? 2 : 1;
    }
    if (cfg.pid_file[0]) {
        rc = write_pid_file(cfg.pid_file);
        if (rc) {
            fprintf(stderr, "gatewaysim: --pid-file: cannot write '%s': %s\n", cfg.pid_file,
                    strerror(-rc));
            gssrv_free(srv);
            free(srv);
            return 1;
        }
    }
    if (!cfg.quiet) {
        const char *a = srv->cfg.listen_addr;
        bool v6 = strchr(a, ':') && a[0] != '[';
        fprintf(stderr, "gatewaysim: node %s pid %d", srv->cfg.name, (int)getpid());
        if (srv->lis[0].port)
            fprintf(stderr, " http://%s%s%s:%d", v6 ? "[" : "", a, v6 ? "]" : "", srv->lis[0].port);
        if (srv->lis[1].port)
            fprintf(stderr, " https://%s%s%s:%d%s", v6 ? "[" : "", a, v6 ? "]" : "",
                    srv->lis[1].port,
                    !cfg.client_ca_file[0]     ? ""
                    : cfg.client_cert_optional ? " (client certificates verified when given)"
                                               : " (client certificates required)");
        fprintf(stderr, "\n");
    }

    ev_run(loop, 0);

    int sig = srv->stop_signal;
    gssrv_free(srv);
    free(srv);
    if (cfg.pid_file[0])
        remove_pid_file(cfg.pid_file);
    ev_loop_destroy(loop);
    if (!cfg.quiet)
        fprintf(stderr, "gatewaysim: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return 0;
}
