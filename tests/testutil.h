/* tests/testutil.h — what several unit tests share: a temporary folder
 * made before the group and removed after it, and a small file written
 * in it. Static inline functions, so each test binary holds its own copy
 * and one that uses only some of them builds without a warning. Include
 * it after <cmocka.h> (test_put asserts). */
#ifndef GATECAP_TESTUTIL_H
#define GATECAP_TESTUTIL_H

#include <errno.h> /* program_invocation_short_name (_GNU_SOURCE) */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

#endif
