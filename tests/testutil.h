/* tests/testutil.h — what several unit tests share: a temporary folder
 * made before the group and removed after it, and a small file written
 * in it. Static inline functions, so each test binary holds its own copy
 * and one that uses only some of them builds without a warning. Include
 * it after <cmocka.h> (test_put asserts). */
#ifndef GATECAP_TESTUTIL_H
#define GATECAP_TESTUTIL_H

#include <errno.h> /* program_invocation_short_name (_GNU_SOURCE) */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* The group's temporary folder, /tmp/gatecap-TEST.XXXXXX with TEST the
 * test binary's name; set by test_dir_setup. */
static char test_dir[64];

/* A cmocka group setup: makes test_dir. Returns 0, or -1 when it cannot. */
static inline int test_dir_setup(void **state)
{
    (void)state;
    int n = snprintf(test_dir, sizeof test_dir, "/tmp/gatecap-%s.XXXXXX",
                     program_invocation_short_name);
    return n > 0 && (size_t)n < sizeof test_dir && mkdtemp(test_dir) ? 0 : -1;
}

/* A cmocka group teardown: removes test_dir and all in it. */
static inline int test_dir_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to test_dir/name and puts its path in path (n bytes). */
static inline void test_put(char *path, size_t n, const char *name, const char *text)
{
    snprintf(path, n, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A FIFO nobody writes to, for checking that a loader refuses it
 * instead of waiting. While the guard runs, a thread opens the FIFO for
 * writing whenever a reader waits in open() and closes it at once, so
 * code that would block on it reads an empty file instead of hanging the
 * test: the test then fails on its message. */
struct fifo_guard {
    pthread_t thread;
    char path[256];
    atomic_bool stop;
};

static inline void *fifo_guard_run(void *arg)
{
    struct fifo_guard *g = arg;
    while (!atomic_load(&g->stop)) {
        int fd = open(g->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC); /* ENXIO: no reader */
        if (fd >= 0)
            close(fd);
        else
            usleep(1000);
    }
    return NULL;
}

/* Makes the FIFO path (removing what was there) and starts its guard. */
static inline void fifo_guard_start(struct fifo_guard *g, const char *path)
{
    snprintf(g->path, sizeof g->path, "%s", path);
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    atomic_init(&g->stop, false);
    assert_int_equal(pthread_create(&g->thread, NULL, fifo_guard_run, g), 0);
}

/* Stops the guard and removes the FIFO. */
static inline void fifo_guard_stop(struct fifo_guard *g)
{
    atomic_store(&g->stop, true);
    pthread_join(g->thread, NULL);
    unlink(g->path);
}

/* Appends printf-style text at buf + *k (buf holds cap bytes) and
 * advances *k past it; fails the test when it does not fit. */
__attribute__((format(printf, 4, 5))) static inline void
test_append(char *buf, size_t cap, size_t *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = *k < cap ? vsnprintf(buf + *k, cap - *k, fmt, ap) : -1;
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *k)
        fail_msg("test_append: %zu bytes are not enough", cap);
    *k += (size_t)n;
}

/* Appends s to the string in buf (cap bytes); fails the test when it does
 * not fit. */
static inline void test_cat(char *buf, size_t cap, const char *s)
{
    size_t k = strlen(buf);
    test_append(buf, cap, &k, "%s", s);
}

/* A listening TCP socket on addr (IPv4) and port (0: any free port), with
 * SO_REUSEADDR; the port it got in *port_out. Fails the test when it
 * cannot bind. */
static inline int test_listen(const char *addr, int port, int *port_out)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    socklen_t len = sizeof a;
    assert_int_equal(inet_pton(AF_INET, addr, &a.sin_addr), 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 16), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port_out = ntohs(a.sin_port);
    return fd;
}

#endif
