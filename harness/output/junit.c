/*
 * junit.c — JUnit XML reports; see junit.h.
 */
#include "output/junit.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "base/errbuf.h"
#include "base/fsutil.h"
#include "base/xmlesc.h"

/* Length of the well-formed UTF-8 sequence at s that XML 1.0 can carry
 * (1..4), or 0 when the bytes there are not one: control characters
 * other than tab, LF and CR, and U+FFFE and U+FFFF, are not XML
 * characters. */
static size_t xml_char_len(const unsigned char *s)
{
    size_t n = xmlesc_utf8_len(s);
    if (n == 1 && s[0] < 0x20 && s[0] != '\t' && s[0] != '\n' && s[0] != '\r')
        return 0;
    if (n == 3 && s[0] == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
        return 0;
    return n;
}

/* Writes s escaped for an attribute value (attr) or element text. The
 * checks above stop at a NUL, so reading s[1..3] never passes the end. */
static void put_escaped(FILE *f, const char *s, bool attr)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = xml_char_len(p);
        if (n == 0) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD */
            p++;
            continue;
        }
        if (xmlesc_markup(f, *p)) {
            p++;
            continue;
        }
        switch (*p) {
        case '"':
            fputs(attr ? "&quot;" : "\"", f);
            break;
        case '\'':
            fputs(attr ? "&apos;" : "'", f);
            break;
        case '\t':
            fputs(attr ? "&#9;" : "\t", f);
            break;
        case '\n':
            fputs(attr ? "&#10;" : "\n", f);
            break;
        case '\r':
            fputs("&#13;", f);
            break;
        default:
            fwrite(p, 1, n, f);
        }
        p += n;
    }
}

static void attr(FILE *f, const char *name, const char *value)
{
    fprintf(f, " %s=\"", name);
    put_escaped(f, value, true);
    fputc('"', f);
}

static double case_time(const struct junit_case *c)
{
    return isfinite(c->time_s) && c->time_s > 0 ? c->time_s : 0;
}

/* The counts attributes shared by <testsuites> and <testsuite>. */
static void counts(FILE *f, size_t n, size_t failures, size_t skipped, double time_s)
{
    fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\"", n,
            failures, skipped, time_s);
}

int junit_fprint(FILE *f, const char *suite_name, const struct junit_case *cases, size_t n,
                 char *err, size_t errlen)
{
    if (!suite_name || (n > 0 && !cases))
        return errbuf_set(err, errlen, JUNIT_EINVAL, "junit: no suite name or no cases");
    size_t failures = 0, skipped = 0;
    double total_s = 0;
    for (size_t i = 0; i < n; i++) {
        if (!cases[i].name)
            return errbuf_set(err, errlen, JUNIT_EINVAL, "junit: test case %zu has no name", i + 1);
        failures += cases[i].failed;
        skipped += !cases[i].failed && cases[i].skipped;
        total_s += case_time(&cases[i]);
    }
    char stamp[32] = "1970-01-01T00:00:00";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
    attr(f, "name", suite_name);
    counts(f, n, failures, skipped, total_s);
    fputs(">\n  <testsuite", f);
    attr(f, "name", suite_name);
    counts(f, n, failures, skipped, total_s);
    fprintf(f, " timestamp=\"%s\">\n", stamp);
    for (size_t i = 0; i < n; i++) {
        const struct junit_case *c = &cases[i];
        fputs("    <testcase", f);
        attr(f, "classname", c->classname ? c->classname : suite_name);
        attr(f, "name", c->name);
        fprintf(f, " time=\"%.3f\"", case_time(c));
        bool body = c->failed || c->skipped || c->system_out;
        if (!body) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n", f);
        if (c->failed) {
            fputs("      <failure", f);
            attr(f, "message", c->message ? c->message : "failed");
            attr(f, "type", c->type ? c->type : "failure");
            fputc('>', f);
            if (c->details)
                put_escaped(f, c->details, false);
            fputs("</failure>\n", f);
        } else if (c->skipped) {
            fputs("      <skipped", f);
            if (c->message)
                attr(f, "message", c->message);
            fputs("/>\n", f);
        }
        if (c->system_out) {
            fputs("      <system-out>", f);
            put_escaped(f, c->system_out, false);
            fputs("</system-out>\n", f);
        }
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    if (fflush(f) != 0 || ferror(f))
        return errbuf_set(err, errlen, JUNIT_EIO, "junit: write failed: %s", strerror(errno));
    return JUNIT_OK;
}

int junit_write(const char *path, const char *suite_name, const struct junit_case *cases, size_t n,
                char *err, size_t errlen)
{
    struct fs_atomic a;
    if (!path)
        return errbuf_set(err, errlen, JUNIT_EINVAL, "junit: no path");
    if (fs_atomic_open(&a, path) != 0)
        return errbuf_set(err, errlen, JUNIT_EIO, "cannot write %s: %s", path, strerror(errno));
    int rc = junit_fprint(a.f, suite_name, cases, n, err, errlen);
    if (rc != JUNIT_OK) {
        int e = errno;
        fs_atomic_abort(&a);
        if (rc == JUNIT_EIO)
            errbuf_set(err, errlen, rc, "cannot write %s: %s", path, strerror(e));
        return rc;
    }
    if (fs_atomic_commit(&a) != 0)
        return errbuf_set(err, errlen, JUNIT_EIO, "cannot write %s: %s", path, strerror(errno));
    return JUNIT_OK;
}
