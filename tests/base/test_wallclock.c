/* tests/base/test_wallclock.c — start times and the host's clock (harness/base/wallclock.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "base/wallclock.h"

static double parsed(const char *text, const char *want_norm)
{
    double t;
    char norm[40], err[256];
    if (wallclock_parse(text, &t, norm, sizeof norm, err, sizeof err))
        fail_msg("%s", err);
    assert_string_equal(norm, want_norm);
    return t;
}

static void forms(void **state)
{
    (void)state;
    /* date -u -d 2026-12-02T10:00:00Z +%s = 1796205600 */
    assert_true(parsed("2026-12-02T10:00:00Z", "2026-12-02T10:00:00.000Z") == 1796205600.0);
    assert_true(parsed("2026-12-02 11:00:00.250+01:00", "2026-12-02T10:00:00.250Z") ==
                1796205600.25);
    assert_true(parsed("2024-02-29T23:59:59-00:30", "2024-03-01T00:29:59.000Z") == 1709252999.0);
    assert_true(parsed("1796205600", "2026-12-02T10:00:00.000Z") == 1796205600.0);
    assert_true(fabs(parsed("1796205600.5", "2026-12-02T10:00:00.500Z") - 1796205600.5) < 1e-6);
    char buf[40];
    wallclock_format(951782400.0, buf, sizeof buf); /* a leap day */
    assert_string_equal(buf, "2000-02-29T00:00:00.000Z");
}

static void refusals(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "tomorrow",
                         "2026-12-02",
                         "2026-12-02T10:00:00",
                         "2026-13-02T10:00:00Z",
                         "2026-12-32T10:00:00Z",
                         "2026-12-02T24:00:00Z",
                         "2026-12-02T10:00:00Zjunk",
                         "2026-12-02T10:00:00+1:00",
                         "12.5s",
                         "100",
                         "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double t;
        char norm[40], err[256] = "";
        if (!wallclock_parse(bad[i], &t, norm, sizeof norm, err, sizeof err))
            fail_msg("'%s' was accepted", bad[i]);
        assert_non_null(strstr(err, "RFC 3339"));
    }
}

/* The kernel's view and the process's agree here (no faked clock): the
 * offset is within what reading the two clocks one after the other
 * allows. The synchronised state is whatever this machine's is. */
static void state_of_this_clock(void **state)
{
    (void)state;
    struct wallclock_state w;
    wallclock_state(&w);
    assert_true(w.state >= 0 && w.state <= 5);
    assert_true(w.synchronised == (w.state != 5));
    assert_true(fabs(w.offset_ms) < 50);
    assert_true(w.maxerror_ms >= 0 && w.esterror_ms >= 0);
    assert_true(wallclock_now_s() > 1.7e9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms),
        cmocka_unit_test(refusals),
        cmocka_unit_test(state_of_this_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
