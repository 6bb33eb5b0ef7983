/* tests/base/test_units.c — durations, rates, shares and numbers (harness/base/units.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/units.h"

static void durations(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double ms;
    } ok[] = {
        {"0", 0},         {"500ms", 500},         {"10s", 10000},     {"5m", 300000},
        {"1h", 3600000},  {"1m30s", 90000},       {"1h30m", 5400000}, {"1.5s", 1500},
        {"0.25ms", 0.25}, {"1h2m3s4ms", 3723004}, {"0s", 0},          {"90s", 90000},
        {".5s", 500},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = -1;
        const char *why = NULL;
        if (units_duration_ms(ok[i].s, &v, &why))
            fail_msg("'%s' refused: %s", ok[i].s, why);
        if (v != ok[i].ms)
            fail_msg("'%s' = %g ms, want %g", ok[i].s, v, ok[i].ms);
    }
    static const struct {
        const char *s, *why;
    } bad[] = {
        {"", "empty"},
        {"10", "needs a unit"},
        {"-5s", "negative"},
        {"10sec", "unknown unit"},
        {"10 s", "unknown unit"},
        {"s", "not a duration"},
        {"30s1m", "largest to smallest"},
        {"1m1m", "largest to smallest"},
        {"1ms1s", "largest to smallest"},
        {"1d", "unknown unit"},
        {"1e3s", "unknown unit"},
        {" 1s", "not a duration"},
        {"inf", "not a duration"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 42;
        const char *why = NULL;
        if (units_duration_ms(bad[i].s, &v, &why) != UNITS_EINVAL)
            fail_msg("'%s' accepted as %g ms", bad[i].s, v);
        assert_true(v == 42);
        if (!why || !strstr(why, bad[i].why))
            fail_msg("'%s': why '%s', want '%s'", bad[i].s, why, bad[i].why);
    }
    double v;
    assert_int_equal(units_duration_ms("x", &v, NULL), UNITS_EINVAL); /* why may be NULL */
}

static void rates(void **state)
{
    (void)state;
    double v;
    const char *why = NULL;
    assert_int_equal(units_rate_per_s("1000/s", &v, &why), 0);
    assert_true(v == 1000);
    assert_int_equal(units_rate_per_s("60/m", &v, &why), 0);
    assert_true(v == 1);
    assert_int_equal(units_rate_per_s("7200/h", &v, &why), 0);
    assert_true(v == 2);
    assert_int_equal(units_rate_per_s("0.5/s", &v, &why), 0);
    assert_true(v == 0.5);
    assert_int_equal(units_rate_per_s("1e3/s", &v, &why), 0);
    assert_true(v == 1000);
    assert_int_equal(units_rate_per_s("0/s", &v, &why), 0);
    assert_true(v == 0);
    assert_int_equal(units_rate_per_s("100", &v, &why), UNITS_EINVAL);
    assert_non_null(strstr(why, "needs a unit"));
    assert_int_equal(units_rate_per_s("-1/s", &v, &why), UNITS_EINVAL);
    assert_non_null(strstr(why, "negative"));
    assert_int_equal(units_rate_per_s("10/sec", &v, &why), UNITS_EINVAL);
    assert_non_null(strstr(why, "unknown rate unit"));
    assert_int_equal(units_rate_per_s("/s", &v, &why), UNITS_EINVAL);
    assert_int_equal(units_rate_per_s("1e999/s", &v, &why), UNITS_EINVAL);
    assert_int_equal(units_rate_per_s("nan/s", &v, &why), UNITS_EINVAL);
}

static void fractions(void **state)
{
    (void)state;
    double v;
    const char *why = NULL;
    assert_int_equal(units_fraction("1%", &v, &why), 0);
    assert_true(v == 0.01);
    assert_int_equal(units_fraction("0.1", &v, &why), 0);
    assert_true(v == 0.1);
    assert_int_equal(units_fraction("100%", &v, &why), 0);
    assert_true(v == 1);
    assert_int_equal(units_fraction("0", &v, &why), 0);
    assert_true(v == 0);
    assert_int_equal(units_fraction("2.5%", &v, &why), 0);
    assert_true(v == 0.025);
    assert_int_equal(units_fraction("101%", &v, &why), UNITS_EINVAL);
    assert_non_null(strstr(why, "between 0% and 100%"));
    assert_int_equal(units_fraction("5", &v, &why), UNITS_EINVAL);
    assert_non_null(strstr(why, "add %"));
    assert_int_equal(units_fraction("-1%", &v, &why), UNITS_EINVAL);
    assert_int_equal(units_fraction("1 %", &v, &why), UNITS_EINVAL);
    assert_int_equal(units_fraction("1%%", &v, &why), UNITS_EINVAL);
}

static void numbers(void **state)
{
    (void)state;
    double d;
    long long i;
    const char *why = NULL;
    assert_int_equal(units_number("3", &d, &why), 0);
    assert_true(d == 3);
    assert_int_equal(units_number("-0.25", &d, &why), 0);
    assert_true(d == -0.25);
    assert_int_equal(units_number("1e-3", &d, &why), 0);
    assert_true(d == 0.001);
    assert_int_equal(units_number("0x10", &d, &why), UNITS_EINVAL);
    assert_int_equal(units_number("inf", &d, &why), UNITS_EINVAL);
    assert_int_equal(units_number("nan", &d, &why), UNITS_EINVAL);
    assert_int_equal(units_number("1,5", &d, &why), UNITS_EINVAL);
    assert_int_equal(units_number("", &d, &why), UNITS_EINVAL);
    assert_int_equal(units_number("1.", &d, &why), UNITS_EINVAL);

    assert_int_equal(units_integer("8", 0, 10, &i, &why), 0);
    assert_int_equal(i, 8);
    assert_int_equal(units_integer("-1", -5, 5, &i, &why), 0);
    assert_int_equal(i, -1);
    assert_int_equal(units_integer("11", 0, 10, &i, &why), UNITS_EINVAL);
    assert_string_equal(why, "out of range");
    assert_int_equal(units_integer("99999999999999999999", 0, 10, &i, &why), UNITS_EINVAL);
    assert_string_equal(why, "out of range");
    assert_int_equal(units_integer("8.0", 0, 10, &i, &why), UNITS_EINVAL);
    assert_int_equal(units_integer("-", 0, 10, &i, &why), UNITS_EINVAL);
    assert_int_equal(units_integer("", 0, 10, &i, &why), UNITS_EINVAL);
}

static void sizes(void **state)
{
    (void)state;
    unsigned long long b;
    const char *why = NULL;
    static const struct {
        const char *text;
        unsigned long long want;
    } ok[] = {{"0", 0},         {"512", 512},      {"512B", 512},       {"10kB", 10000},
              {"10KB", 10000},  {"1MB", 1000000},  {"2GB", 2000000000}, {"1KiB", 1024},
              {"1.5KiB", 1536}, {"1MiB", 1048576}, {"64MiB", 67108864}, {"1GiB", 1073741824},
              {"0.5kB", 500}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        assert_int_equal(units_size_bytes(ok[i].text, &b, &why), 0);
        assert_int_equal(b, ok[i].want);
    }
    static const char *const bad[] = {"",    "-1kB", "1.5B", "1.0001kB", "kB",   "1 kB",      "1kb",
                                      "1mb", "1TiB", "0x10", "1e3",      "1kB ", "9999999GiB"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        b = 77;
        why = NULL;
        assert_int_equal(units_size_bytes(bad[i], &b, &why), UNITS_EINVAL);
        assert_int_equal(b, 77);
        assert_non_null(why);
    }
    units_size_bytes("1kb", &b, &why);
    assert_non_null(strstr(why, "unknown size unit"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations), cmocka_unit_test(rates), cmocka_unit_test(fractions),
        cmocka_unit_test(numbers),   cmocka_unit_test(sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
