/* tests/base/test_sigguard.c — stop signals as reads (harness/base/sigguard.c): a
 * signal sent to the process while the guard is up does not end it, is
 * seen as pending before it is read, is read once with its name, and a
 * thread made afterwards inherits the blocked mask; SIGPIPE is an EPIPE
 * error, not a death. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "base/sigguard.h"

static void *blocked_in_thread(void *arg)
{
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    *(int *)arg = sigismember(&cur, SIGTERM) == 1 && sigismember(&cur, SIGHUP) == 1;
    return NULL;
}

static void signals_become_reads(void **state)
{
    (void)state;
    struct sigguard g;
    assert_int_equal(sigguard_start(&g), 0);
    assert_false(sigguard_pending(&g));
    assert_int_equal(sigguard_take(&g), 0);

    assert_int_equal(kill(getpid(), SIGTERM), 0); /* would end the test without the guard */
    assert_true(sigguard_pending(&g));
    assert_int_equal(sigguard_take(&g), 1);
    assert_int_equal(g.last, SIGTERM);
    assert_string_equal(sigguard_name(g.last), "SIGTERM");
    assert_int_equal(kill(getpid(), SIGHUP), 0);
    assert_int_equal(kill(getpid(), SIGUSR1), 0);
    assert_int_equal(sigguard_take(&g), 2);
    assert_int_equal(g.count, 3);
    assert_true(sigguard_pending(&g)); /* once taken, it stays asked */

    int inherited = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocked_in_thread, &inherited), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(inherited);

    /* a closed pipe is a failed write, nothing more */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    errno = 0;
    assert_int_equal(write(fds[1], "x", 1), -1);
    assert_int_equal(errno, EPIPE);
    close(fds[1]);

    sigguard_end(&g);
    assert_int_equal(g.fd, -1);
    sigguard_end(&g); /* twice is harmless */
    assert_string_equal(sigguard_name(SIGSEGV), "a signal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signals_become_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
