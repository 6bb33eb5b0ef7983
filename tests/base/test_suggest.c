/*
 * base/test_suggest.c — the edit distance behind "did you mean" hints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/suggest.h"

static size_t dist(const char *a, const char *b)
{
    return suggest_distance(a, strlen(a), b, strlen(b));
}

static void distances(void **state)
{
    (void)state;
    assert_int_equal(dist("uuid", "uuid"), 0);
    assert_int_equal(dist("uuidd", "uuid"), 1);      /* insertion */
    assert_int_equal(dist("uid", "uuid"), 1);        /* deletion */
    assert_int_equal(dist("now_mx", "now_ms"), 1);   /* substitution */
    assert_int_equal(dist("tagrets", "targets"), 1); /* neighbours swapped */
    assert_int_equal(dist("Targets", "targets"), 0); /* case ignored */
    assert_int_equal(dist("", "abc"), 3);
    assert_int_equal(dist("abc", ""), 3);
    assert_int_equal(dist("kitten", "sitting"), 3);
    char long_name[80];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(dist(long_name, "a"), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(distances)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
