/* tests/output/test_junit.c — the JUnit XML writer (harness/output/junit.c): structure
 * and counts, escaping of everything a caller may pass (markup, quotes,
 * control characters, invalid UTF-8), atomic files, and validity against
 * tests/data/junit.xsd with xmllint (the schema CI tools' readers imply). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/junit.h"
#include "testutil.h"

/* Reads a whole (small) file; owned by the caller. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* junit_fprint into memory. */
static char *render(const char *suite, const struct junit_case *c, size_t n, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    char err[200] = "";
    *rc = junit_fprint(f, suite, c, n, err, sizeof err);
    fclose(f);
    return text;
}

static size_t count(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        k++;
    return k;
}

/* xmllint against the repository's schema; 0 when valid. */
static int validate(const char *path)
{
    const char *top = getenv("GATECAP_TOP");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "xmllint --noout --schema '%s/tests/data/junit.xsd' '%s' 2>&1",
             top ? top : ".", path);
    return system(cmd);
}

static const struct junit_case three[] = {
    {.classname = "compare.all", .name = "p50", .time_s = 0.25},
    {.classname = "compare.all",
     .name = "p99",
     .failed = true,
     .message = "p99 +21.4 % (tolerance +10 %), p = 0.0002 < 0.01",
     .type = "regression",
     .details = "baseline 20.1 ms\ncurrent 24.4 ms"},
    {.classname = "compare.node.gw1", .name = "errors", .skipped = true, .message = "no data"},
};

static void test_structure(void **state)
{
    (void)state;
    int rc;
    char *x = render("gatecap compare", three, 3, &rc);
    assert_int_equal(rc, JUNIT_OK);
    assert_non_null(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
                              "name=\"gatecap compare\" tests=\"3\" failures=\"1\" errors=\"0\" "
                              "skipped=\"1\" time=\"0.250\">"));
    assert_non_null(strstr(x, "<testsuite name=\"gatecap compare\" tests=\"3\" failures=\"1\" "
                              "errors=\"0\" skipped=\"1\" time=\"0.250\" timestamp=\""));
    assert_non_null(strstr(x, "<testcase classname=\"compare.all\" name=\"p50\" time=\"0.250\"/>"));
    assert_non_null(strstr(x, "<testcase classname=\"compare.all\" name=\"p99\" time=\"0.000\">\n"
                              "      <failure message=\"p99 +21.4 % (tolerance +10 %), p = 0.0002 "
                              "&lt; 0.01\" type=\"regression\">baseline 20.1 ms\ncurrent 24.4 "
                              "ms</failure>\n    </testcase>"));
    assert_non_null(strstr(x, "<testcase classname=\"compare.node.gw1\" name=\"errors\" "
                              "time=\"0.000\">\n      <skipped message=\"no data\"/>\n"));
    assert_int_equal(count(x, "<testcase "), 3);
    assert_int_equal(count(x, "</testsuite>\n</testsuites>\n"), 1);
    free(x);

    /* No cases: still a valid, empty report. */
    x = render("empty", NULL, 0, &rc);
    assert_int_equal(rc, JUNIT_OK);
    assert_non_null(strstr(x, "tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\""));
    free(x);
}

static void test_defaults_and_errors(void **state)
{
    (void)state;
    int rc;
    /* No classname: the suite's; a failure without message or type gets
     * "failed" / "failure"; failed wins over skipped; odd times are 0;
     * system-out is written. */
    struct junit_case c[] = {
        {.name = "gate", .failed = true, .skipped = true, .time_s = -1, .system_out = "x"},
        {.name = "nan", .time_s = 0.0 / 0.0},
    };
    char *x = render("S", c, 2, &rc);
    assert_int_equal(rc, JUNIT_OK);
    assert_non_null(strstr(x, "<testcase classname=\"S\" name=\"gate\" time=\"0.000\">\n"
                              "      <failure message=\"failed\" type=\"failure\"></failure>\n"
                              "      <system-out>x</system-out>\n"));
    assert_non_null(strstr(x, "failures=\"1\" errors=\"0\" skipped=\"0\""));
    assert_null(strstr(x, "<skipped"));
    assert_non_null(strstr(x, "name=\"nan\" time=\"0.000\"/>"));
    free(x);

    char err[200] = "";
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    assert_int_equal(junit_fprint(f, NULL, c, 1, err, sizeof err), JUNIT_EINVAL);
    assert_int_equal(junit_fprint(f, "S", NULL, 1, err, sizeof err), JUNIT_EINVAL);
    struct junit_case unnamed = {.classname = "c"};
    assert_int_equal(junit_fprint(f, "S", &unnamed, 1, err, sizeof err), JUNIT_EINVAL);
    assert_non_null(strstr(err, "test case 1 has no name"));
    fclose(f);

    /* /dev/full: the write error is reported, not swallowed. */
    f = fopen("/dev/full", "w");
    if (f) {
        assert_int_equal(junit_fprint(f, "S", three, 3, err, sizeof err), JUNIT_EIO);
        fclose(f);
    }
}

static void test_escaping(void **state)
{
    (void)state;
    int rc;
    /* Markup, both quotes, tab/CR/LF in attributes, a C0 control, DEL,
     * a lone continuation byte, a truncated sequence at the end, an
     * overlong '/', a UTF-16 surrogate, U+FFFF, and real non-ASCII text. */
    struct junit_case c = {
        .classname = "a<b>&\"c\"'d'",
        .name = "tab\there\r\nnext",
        .failed = true,
        .message = "bell\x07 del\x7f cont\x80 over\xC0\xAF sur\xED\xA0\x80 ffff\xEF\xBF\xBF "
                   "ok:\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
        .details = "]]> <x> & \"q\" 'a'\r\nend\xE2\x82",
    };
    char *x = render("s&<", &c, 1, &rc);
    assert_int_equal(rc, JUNIT_OK);
    assert_non_null(strstr(x, "<testsuites name=\"s&amp;&lt;\""));
    assert_non_null(strstr(x, "classname=\"a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\""));
    assert_non_null(strstr(x, "name=\"tab&#9;here&#13;&#10;next\""));
    assert_non_null(strstr(x,
                           "message=\"bell\xEF\xBF\xBD del\x7f cont\xEF\xBF\xBD "
                           "over\xEF\xBF\xBD\xEF\xBF\xBD sur\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
                           "ffff\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
                           "ok:\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\""));
    assert_non_null(strstr(x, ">]]&gt; &lt;x&gt; &amp; \"q\" 'a'&#13;\nend\xEF\xBF\xBD\xEF\xBF\xBD"
                              "</failure>"));
    free(x);

    /* The same case in a file must be well-formed and valid. */
    char path[128];
    snprintf(path, sizeof path, "%s/escape.xml", test_dir);
    char err[200] = "";
    assert_int_equal(junit_write(path, "s&<", &c, 1, err, sizeof err), JUNIT_OK);
    assert_int_equal(validate(path), 0);
}

static void test_file(void **state)
{
    (void)state;
    char path[128], err[300] = "";
    snprintf(path, sizeof path, "%s/report.xml", test_dir);
    assert_int_equal(junit_write(path, "gatecap compare", three, 3, err, sizeof err), JUNIT_OK);
    char *x = slurp(path);
    assert_int_equal(count(x, "<testcase "), 3);
    free(x);
    assert_int_equal(validate(path), 0);
    /* Nothing but the report is left behind (no temporary file). */
    char cmd[200];
    snprintf(cmd, sizeof cmd, "test \"$(ls '%s' | grep -c tmp)\" = 0", test_dir);
    assert_int_equal(system(cmd), 0);

    /* A folder that does not exist: an error naming the path. */
    snprintf(path, sizeof path, "%s/no/such/dir/report.xml", test_dir);
    assert_int_equal(junit_write(path, "s", three, 3, err, sizeof err), JUNIT_EIO);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file"));
}

/* The schema itself rejects what CI readers would choke on: a checked
 * negative, so a passing validate() means something. */
static void test_schema_rejects(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/bad.xml", test_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("<?xml version=\"1.0\"?><testsuites tests=\"1\" failures=\"0\" errors=\"0\">"
          "<testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\">"
          "<testcase name=\"x\" time=\"-1\"><failure/><skipped/></testcase>"
          "</testsuite></testsuites>\n",
          f);
    fclose(f);
    assert_int_not_equal(validate(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),      cmocka_unit_test(test_defaults_and_errors),
        cmocka_unit_test(test_escaping),       cmocka_unit_test(test_file),
        cmocka_unit_test(test_schema_rejects),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
