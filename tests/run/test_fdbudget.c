/*
 * tests/run/test_fdbudget.c — the file descriptors a run needs against the
 * process's limit (harness/run/fdbudget.c): the plan per model and transport,
 * the verdict and its message (the numbers, ulimit -n, the hard limit's
 * settings, fewer users or a lower max_inflight), and the check that
 * raises the soft limit to the hard one first and refuses a run the hard
 * limit cannot hold (in a child process, so this one keeps its limits).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/auth.h"
#include "run/fdbudget.h"
#include "scenario/scenario.h"

static char err[4096];

static struct scenario *load(const char *yaml)
{
    struct scenario *s = NULL;
    char why[4096];
    if (scenario_load_mem("t.yaml", yaml, strlen(yaml), NULL, 0, &s, why, sizeof why))
        fail_msg("scenario: %s\n%s", why, yaml);
    return s;
}

#define TARGET "targets: [http://127.0.0.1:8280]\nrequests: [{path: /echo}]\n"
#define CLOSED(users, workers, transport)                                                          \
    TARGET "generator: {transport: " transport "}\nload: {model: closed, workers: " #workers       \
           ", phases: [{duration: 1s, users: 5}, {duration: 1s, users: " #users "}]}\n"

static void closed_model_needs_a_connection_per_user(void **state)
{
    (void)state;
    struct scenario *s = load(CLOSED(2000, 4, "native"));
    struct fdbudget b;
    fdbudget_plan(s, 7, &b);
    assert_int_equal(b.connections, 2000); /* the busiest phase's users */
    assert_int_equal(b.workers, 4 * FDBUDGET_PER_WORKER);
    assert_int_equal(b.run, FDBUDGET_RUN);
    assert_int_equal(b.open_now, 7);
    assert_int_equal(b.total, 2000 + 4 * FDBUDGET_PER_WORKER + FDBUDGET_RUN + 7);
    scenario_free(s);
}

static void open_model_needs_its_bound(void **state)
{
    (void)state;
    struct scenario *s =
        load(TARGET "load: {max_inflight: 300, workers: 3, phases: [{duration: 1s, rate: 1/s}]}\n");
    struct fdbudget b;
    fdbudget_plan(s, 0, &b);
    assert_int_equal(b.connections, 300);
    assert_int_equal(b.workers, 3 * FDBUDGET_PER_WORKER);
    scenario_free(s);
}

/* libcurl: a wake-up socket pair per multi handle of 128 slots, and with
 * several nodes up to 16 idle connections per handle beyond its slots. */
static void libcurl_adds_its_multi_handles(void **state)
{
    (void)state;
    struct scenario *s = load(CLOSED(300, 2, "curl"));
    struct fdbudget b;
    fdbudget_plan(s, 0, &b);
    assert_int_equal(b.connections, 300);
    /* 150 slots per worker: 2 handles, 2 descriptors each */
    assert_int_equal(b.workers, 2 * (FDBUDGET_PER_WORKER + 2 * 2));
    scenario_free(s);
    s = load("targets: [http://127.0.0.1:8280, http://127.0.0.2:8280]\nrequests: [{path: /e}]\n"
             "generator: {transport: curl}\n"
             "load: {model: closed, workers: 1, phases: [{duration: 1s, users: 130}]}\n");
    fdbudget_plan(s, 0, &b);
    /* a handle of 128 slots keeps up to 144 connections, one of 2 up to 4 */
    assert_int_equal(b.connections, 144 + 4);
    scenario_free(s);
}

static void the_token_endpoint_counts(void **state)
{
    (void)state;
    struct scenario *s = load(TARGET "load: {phases: [{duration: 1s, rate: 1/s}]}\n"
                                     "auth:\n  token_url: https://127.0.0.1:9443/oauth2/token\n"
                                     "  client_id: a\n  client_secret: b\n");
    struct fdbudget b;
    fdbudget_plan(s, 0, &b);
    assert_int_equal(b.run, FDBUDGET_RUN + AUTH_CONCURRENCY + 2);
    scenario_free(s);
}

static void a_plan_that_fits_passes(void **state)
{
    (void)state;
    struct scenario *s = load(CLOSED(2000, 4, "native"));
    struct fdbudget b;
    fdbudget_plan(s, 7, &b);
    assert_int_equal(fdbudget_judge(s, &b, (uint64_t)b.total, (uint64_t)b.total, err, sizeof err),
                     0);
    assert_int_equal(fdbudget_judge(s, &b, UINT64_MAX, UINT64_MAX, err, sizeof err), 0);
    scenario_free(s);
}

static void must_contain(const char *want)
{
    if (!strstr(err, want))
        fail_msg("expected '%s' in:\n%s", want, err);
}

/* The case: 2,000 users under ulimit -n 256. */
static void refusal_names_the_numbers_and_the_fix(void **state)
{
    (void)state;
    struct scenario *s = load(CLOSED(2000, 4, "native"));
    struct fdbudget b;
    fdbudget_plan(s, 7, &b);
    char total[64], fixed[64], users[64];
    snprintf(total, sizeof total, "ulimit -n %lld", (long long)b.total);
    snprintf(fixed, sizeof fixed, "LimitNOFILE=%lld", (long long)b.total);
    snprintf(users, sizeof users, "at most %lld users", (long long)(256 - (b.total - 2000)));
    assert_int_equal(fdbudget_judge(s, &b, 256, 256, err, sizeof err), -1);
    must_contain("2000 connections at once");
    must_contain("the hard limit is 256");
    must_contain(total);
    must_contain("/etc/security/limits.conf");
    must_contain(fixed);
    must_contain(users);
    /* a soft limit below a hard one that would do: only ulimit -n */
    assert_int_equal(fdbudget_judge(s, &b, 256, 4096, err, sizeof err), -1);
    must_contain("the limit is 256 (the hard limit, 4096, allows more)");
    must_contain(total);
    scenario_free(s);
    /* the open model's fix is its bound */
    s = load(TARGET "load: {workers: 2, phases: [{duration: 1s, rate: 1/s}]}\n");
    fdbudget_plan(s, 7, &b);
    assert_int_equal(b.connections, 10000);
    assert_int_equal(fdbudget_judge(s, &b, 256, 256, err, sizeof err), -1);
    must_contain("10000 connections at once (load.max_inflight)");
    must_contain("lower load.max_inflight to");
    scenario_free(s);
    /* when not even one connection fits, only the limit helps */
    s = load(CLOSED(10, 1, "native"));
    fdbudget_plan(s, 7, &b);
    assert_int_equal(fdbudget_judge(s, &b, 16, 16, err, sizeof err), -1);
    assert_null(strstr(err, "at most"));
    scenario_free(s);
}

/* After a run with local failures: how many, an example, and the limit. */
static void advice_after_local_failures(void **state)
{
    (void)state;
    uint64_t soft, hard;
    fdbudget_limits(&soft, &hard);
    fdbudget_advice(12, "node n: cannot open a socket: Too many open files", err, sizeof err);
    must_contain("12 request(s) were never sent");
    must_contain("(e.g. node n: cannot open a socket: Too many open files)");
    must_contain("ulimit -n");
    must_contain("LimitNOFILE");
    must_contain("net.ipv4.ip_local_port_range");
    char now[64];
    snprintf(now, sizeof now, "now %llu, hard limit %llu", (unsigned long long)soft,
             (unsigned long long)hard);
    if (soft != UINT64_MAX)
        must_contain(now);
}

static int open_count(void)
{
    int n = 0;
    for (int fd = 0; fd < 4096; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n;
}

/* The check raises a soft limit below the hard one, and passes then. */
static void check_raises_the_soft_limit(void **state)
{
    (void)state;
    struct rlimit was, rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
    if (was.rlim_max != RLIM_INFINITY && was.rlim_max < 1000)
        skip(); /* the hard limit is too low to hold the test's 300 users */
    rl = was;
    rl.rlim_cur = (rlim_t)open_count() + 20;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    struct scenario *s = load(CLOSED(300, 2, "native"));
    int rc = fdbudget_check(s, err, sizeof err);
    if (rc)
        fail_msg("%s", err);
    uint64_t soft, hard;
    fdbudget_limits(&soft, &hard);
    assert_true(soft == hard);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    assert_true(rl.rlim_cur == was.rlim_max);
    scenario_free(s);
    setrlimit(RLIMIT_NOFILE, &was);
}

/* Under a hard limit of 256 (set in a child, which cannot raise it back)
 * the check refuses 2,000 users and accepts 20. */
static void check_refuses_what_the_hard_limit_cannot_hold(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {.rlim_cur = 128, .rlim_max = 256};
        if (setrlimit(RLIMIT_NOFILE, &rl))
            _exit(10);
        struct scenario *big = NULL, *small = NULL;
        char why[4096];
        const char *yb = CLOSED(2000, 4, "native"), *ys = CLOSED(20, 4, "native");
        if (scenario_load_mem("t.yaml", yb, strlen(yb), NULL, 0, &big, why, sizeof why) ||
            scenario_load_mem("t.yaml", ys, strlen(ys), NULL, 0, &small, why, sizeof why))
            _exit(11);
        if (fdbudget_check(big, why, sizeof why) != -1 || !strstr(why, "hard limit is 256"))
            _exit(12);
        struct rlimit now;
        if (getrlimit(RLIMIT_NOFILE, &now) || now.rlim_cur != 256)
            _exit(13); /* raised to the hard limit first */
        if (fdbudget_check(small, why, sizeof why) != 0)
            _exit(14);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(closed_model_needs_a_connection_per_user),
        cmocka_unit_test(open_model_needs_its_bound),
        cmocka_unit_test(libcurl_adds_its_multi_handles),
        cmocka_unit_test(the_token_endpoint_counts),
        cmocka_unit_test(a_plan_that_fits_passes),
        cmocka_unit_test(refusal_names_the_numbers_and_the_fix),
        cmocka_unit_test(advice_after_local_failures),
        cmocka_unit_test(check_raises_the_soft_limit),
        cmocka_unit_test(check_refuses_what_the_hard_limit_cannot_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
