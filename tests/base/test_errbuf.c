/* tests/base/test_errbuf.c — a failure's message into the caller's buffer
 * (harness/base/errbuf.c): the code comes back, the message is written and
 * always terminated when it does not fit, and no buffer is fine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/errbuf.h"

static void writes_and_returns_the_code(void **state)
{
    (void)state;
    char err[64] = "old";
    assert_int_equal(errbuf_set(err, sizeof err, -7, "no steps in %s (%d)", "a.json", 3), -7);
    assert_string_equal(err, "no steps in a.json (3)");
    assert_int_equal(errbuf_set(err, sizeof err, 0, "%s", ""), 0);
    assert_string_equal(err, "");
}

static void truncates_and_terminates(void **state)
{
    (void)state;
    char err[8];
    memset(err, 'x', sizeof err);
    assert_int_equal(errbuf_set(err, sizeof err, 2, "%s", "a longer message"), 2);
    assert_string_equal(err, "a longe");
}

static void no_buffer(void **state)
{
    (void)state;
    assert_int_equal(errbuf_set(NULL, 100, -1, "ignored %d", 1), -1);
    char err[4] = "abc";
    assert_int_equal(errbuf_set(err, 0, -2, "ignored"), -2);
    assert_string_equal(err, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_and_returns_the_code),
        cmocka_unit_test(truncates_and_terminates),
        cmocka_unit_test(no_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
