/* tests/output/test_report_prose.c — the reports' prose writer
 * (harness/output/report_prose.c): the same prose written once and
 * rendered as Markdown and as HTML, escaping of hostile text in both,
 * Markdown code spans whatever backticks the text holds, callouts (bold
 * as a whole in HTML, so strong adds nothing there), and charts only in
 * HTML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/report_prose.h"

/* What fn writes with a writer of markup m, as a string (caller frees). */
static char *written(enum report_markup m, void (*fn)(struct report_prose *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct report_prose w;
    report_prose_init(&w, f, m);
    fn(&w);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void check(enum report_markup m, void (*fn)(struct report_prose *), const char *want)
{
    char *got = written(m, fn);
    assert_string_equal(got, want);
    free(got);
}

/* ---- the same prose in both markups ---- */

static void section(struct report_prose *w)
{
    report_prose_heading(w, 2, "capacity", "Capacity plan");
    report_prose_callout_begin(w, REPORT_CALLOUT_LEAD, "recommendation");
    report_prose_strong_begin(w);
    report_prose_text(w, "Recommend 4 nodes.");
    report_prose_strong_end(w);
    report_prose_callout_end(w);
    report_prose_list_begin(w);
    report_prose_item_begin(w);
    report_prose_raw(w, "Peak %d req/s; ", 150);
    report_prose_strong_begin(w);
    report_prose_raw(w, "%s", "the peak");
    report_prose_strong_end(w);
    report_prose_raw(w, ".");
    report_prose_item_end(w);
    report_prose_list_end(w);
    report_prose_heading(w, 3, NULL, "USL fit");
    report_prose_para_begin(w);
    report_prose_raw(w, "Made by ");
    report_prose_code(w, "gatecap report");
    report_prose_raw(w, ".");
    report_prose_para_end(w);
}

static void same_prose(void **state)
{
    (void)state;
    check(REPORT_MD, section,
          "## Capacity plan\n\n"
          "**Recommend 4 nodes.**\n\n"
          "- Peak 150 req/s; **the peak**.\n\n"
          "### USL fit\n\n"
          "Made by `gatecap report`.\n\n");
    check(REPORT_HTML, section,
          "<h2 id=\"capacity\">Capacity plan</h2>\n"
          "<p class=\"sentence\" id=\"recommendation\">Recommend 4 nodes.</p>\n"
          "<ul>\n<li>Peak 150 req/s; <b>the peak</b>.</li>\n</ul>\n"
          "<h3>USL fit</h3>\n"
          "<p>Made by <code>gatecap report</code>.</p>\n");
}

/* ---- callouts ---- */

static void banners(struct report_prose *w)
{
    report_prose_callout_begin(w, REPORT_CALLOUT_FAIL, "gates-banner");
    report_prose_strong_begin(w);
    report_prose_raw(w, "FAIL: %d of %d gates failed.", 1, 2);
    report_prose_strong_end(w);
    report_prose_callout_end(w);
    report_prose_callout_begin(w, REPORT_CALLOUT_PASS, NULL);
    report_prose_raw(w, "PASS");
    report_prose_callout_end(w);
    report_prose_callout_begin(w, REPORT_CALLOUT_WARN, NULL);
    report_prose_strong_begin(w);
    report_prose_raw(w, "Stopped early");
    report_prose_strong_end(w);
    report_prose_raw(w, ": ");
    report_prose_text(w, "gate <x>");
    report_prose_callout_end(w);
    /* after a callout, strong is strong again in HTML */
    report_prose_para_begin(w);
    report_prose_strong_begin(w);
    report_prose_raw(w, "b");
    report_prose_strong_end(w);
    report_prose_para_end(w);
}

static void callouts(void **state)
{
    (void)state;
    check(REPORT_MD, banners,
          "> ❌ **FAIL: 1 of 2 gates failed.**\n\n"
          "> ✅ PASS\n\n"
          "> ⚠️ **Stopped early**: gate \\<x\\>\n\n"
          "**b**\n\n");
    check(REPORT_HTML, banners,
          "<div class=\"banner fail\" id=\"gates-banner\">FAIL: 1 of 2 gates failed.</div>\n"
          "<div class=\"banner pass\">PASS</div>\n"
          "<div class=\"banner warn\">Stopped early: gate &lt;x&gt;</div>\n"
          "<p><b>b</b></p>\n");
}

/* ---- hostile text ---- */

static const char HOSTILE[] = "<script>alert('x')</script> **a** [l](u) & `c` |\n#h";

static void hostile_text(struct report_prose *w)
{
    report_prose_heading(w, 3, "h", HOSTILE);
    report_prose_para_begin(w);
    report_prose_text(w, HOSTILE);
    report_prose_para_end(w);
    report_prose_list_begin(w);
    report_prose_item_begin(w);
    report_prose_code(w, HOSTILE);
    report_prose_item_end(w);
    report_prose_list_end(w);
}

static void escaping(void **state)
{
    (void)state;
    check(REPORT_MD, hostile_text,
          "### \\<script\\>alert('x')\\</script\\> \\*\\*a\\*\\* \\[l\\](u) &amp; \\`c\\` \\| "
          "\\#h\n\n"
          "\\<script\\>alert('x')\\</script\\> \\*\\*a\\*\\* \\[l\\](u) &amp; \\`c\\` \\| \\#h\n\n"
          /* a code span shows the text as it is: no escape works in it */
          "- ``<script>alert('x')</script> **a** [l](u) & `c` | #h``\n\n");
    check(REPORT_HTML, hostile_text,
          "<h3 id=\"h\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; **a** [l](u) &amp; `c` "
          "|\n#h</h3>\n"
          "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; **a** [l](u) &amp; `c` |\n#h</p>\n"
          "<ul>\n<li><code>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; **a** [l](u) &amp; "
          "`c` |\n#h</code></li>\n</ul>\n");
}

/* Markdown code spans: the fence outgrows the longest run of backticks,
 * padded when the text starts or ends with a backtick or a space. */
static const char *g_code;

static void one_code(struct report_prose *w)
{
    report_prose_code(w, g_code);
}

static void code_spans(void **state)
{
    (void)state;
    static const struct {
        const char *text, *md;
    } cases[] = {
        {"plain", "`plain`"},        {"a`b", "``a`b``"}, {"a``b`c", "```a``b`c```"},
        {"`x", "`` `x ``"},          {"x`", "`` x` ``"}, {" x ", "`  x  `"},
        {"tab\there", "`tab here`"}, {"", ""},           {NULL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        g_code = cases[i].text;
        check(REPORT_MD, one_code, cases[i].md);
    }
    g_code = "a`b";
    check(REPORT_HTML, one_code, "<code>a`b</code>");
    g_code = NULL;
    check(REPORT_HTML, one_code, "");
}

/* ---- charts ---- */

static int g_charts;

static void chart(const struct report *r, FILE *f)
{
    (void)r;
    g_charts++;
    fputs("<svg/>", f);
}

static void with_chart(struct report_prose *w)
{
    report_prose_raw(w, "[");
    report_prose_chart(w, chart, NULL);
    report_prose_raw(w, "]");
}

static void charts(void **state)
{
    (void)state;
    g_charts = 0;
    check(REPORT_MD, with_chart, "[]");
    assert_int_equal(g_charts, 0);
    check(REPORT_HTML, with_chart, "[<svg/>]");
    assert_int_equal(g_charts, 1);
}

/* Headings: levels outside 1..6 are brought in; no id in Markdown. */
static void levels(struct report_prose *w)
{
    report_prose_heading(w, 0, "a", "A");
    report_prose_heading(w, 9, NULL, "B");
}

static void heading_levels(void **state)
{
    (void)state;
    check(REPORT_MD, levels, "# A\n\n###### B\n\n");
    check(REPORT_HTML, levels, "<h1 id=\"a\">A</h1>\n<h6>B</h6>\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_prose), cmocka_unit_test(callouts), cmocka_unit_test(escaping),
        cmocka_unit_test(code_spans), cmocka_unit_test(charts),   cmocka_unit_test(heading_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
