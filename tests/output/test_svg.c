/* tests/output/test_svg.c — chart primitives (harness/output/svg.c): nice ticks, the
 * percentile and log axes, number labels, escaping of user data, and what
 * each drawing call writes (broken lines, clipping, legends that wrap,
 * band labels that do not collide, the legend keys that tie entries to
 * marks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/svg.h"

/* Output of a drawing call, captured. */
struct cap {
    char *buf;
    size_t len;
    FILE *f;
};

static void cap_open(struct cap *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
}

static const char *cap_text(struct cap *c)
{
    fflush(c->f);
    return c->buf;
}

static void cap_close(struct cap *c)
{
    fclose(c->f);
    free(c->buf);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void labels(const struct svg_ticks *t, const char *want)
{
    char got[512] = "";
    for (int i = 0; i < t->n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", t->label[i]);
    assert_string_equal(got, want);
}

static void nice_ticks(void **state)
{
    (void)state;
    struct svg_ticks t;
    double lo = 0, hi = 97;
    svg_nice_ticks(&lo, &hi, 8, &t);
    assert_true(lo == 0 && hi == 100);
    labels(&t, "0 20 40 60 80 100");

    lo = 0, hi = 2.3;
    svg_nice_ticks(&lo, &hi, 6, &t);
    labels(&t, "0.0 0.5 1.0 1.5 2.0 2.5");
    assert_true(hi == 2.5);

    lo = 0, hi = 9; /* steps of 2.5 keep their decimal */
    svg_nice_ticks(&lo, &hi, 5, &t);
    labels(&t, "0.0 2.5 5.0 7.5 10.0");

    lo = 0, hi = 11500; /* thousands separated */
    svg_nice_ticks(&lo, &hi, 7, &t);
    labels(&t, "0 2,000 4,000 6,000 8,000 10,000 12,000");

    lo = 1e6, hi = 3.2e6;
    svg_nice_ticks(&lo, &hi, 6, &t);
    labels(&t, "1.0M 1.5M 2.0M 2.5M 3.0M 3.5M");

    lo = -3, hi = 3;
    svg_nice_ticks(&lo, &hi, 7, &t);
    labels(&t, "−3 −2 −1 0 1 2 3");

    lo = hi = 5; /* one value: a range around it */
    svg_nice_ticks(&lo, &hi, 6, &t);
    assert_true(lo <= 5 && hi > 5 && t.n >= 2);

    lo = NAN, hi = INFINITY;
    svg_nice_ticks(&lo, &hi, 6, &t);
    assert_true(lo == 0 && hi == 1 && t.n >= 2);

    lo = 10, hi = 0; /* reversed */
    svg_nice_ticks(&lo, &hi, 6, &t);
    assert_true(lo == 0 && hi == 10);

    lo = 0, hi = 1e9;
    svg_nice_ticks(&lo, &hi, 100, &t); /* max_ticks bounded */
    assert_true(t.n <= SVG_MAX_TICKS);
}

static void numbers(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(svg_fmt_num(b, sizeof b, 1234567, 0), "1.2M");
    assert_string_equal(svg_fmt_num(b, sizeof b, 999999, 1), "999,999");
    assert_string_equal(svg_fmt_num(b, sizeof b, 0.0123, 0), "0.0123");
    assert_string_equal(svg_fmt_num(b, sizeof b, 12.34, 0), "12.3");
    assert_string_equal(svg_fmt_num(b, sizeof b, 0.25, 0.25), "0.25");
    assert_string_equal(svg_fmt_num(b, sizeof b, -0.0, 1), "0");
    assert_string_equal(svg_fmt_num(b, sizeof b, NAN, 1), "–");
    assert_string_equal(svg_fmt_num(b, sizeof b, 4.5e9, 0), "4.5G");
    assert_string_equal(svg_fmt_num(b, sizeof b, 4e9, 1e9), "4G");
}

static void percentile_axis(void **state)
{
    (void)state;
    assert_true(svg_percentile_x(0) == 0);
    assert_true(fabs(svg_percentile_x(90) - 1) < 1e-12);
    assert_true(fabs(svg_percentile_x(99) - 2) < 1e-12);
    assert_true(fabs(svg_percentile_x(99.9) - 3) < 1e-9);
    assert_true(isinf(svg_percentile_x(100)));
    assert_true(svg_percentile_x(-5) == 0);

    struct svg_ticks t;
    svg_percentile_ticks(4, 200, &t);
    labels(&t, "0% 50% 90% 99% 99.9% 99.99%");
    assert_true(fabs(t.v[1] - log10(2)) < 1e-12);
    svg_percentile_ticks(5, 60, &t); /* too narrow for 50 % beside 0 % */
    labels(&t, "0% 90% 99% 99.9% 99.99% 99.999%");
    svg_percentile_ticks(42, 200, &t);
    assert_int_equal(t.n, 11); /* bounded at 9 decades, 50 % included */
}

static void log_axis(void **state)
{
    (void)state;
    struct svg_ticks t;
    double lo = 10, hi = 450;
    svg_log_ticks(&lo, &hi, 12, &t);
    labels(&t, "10 20 50 100 200 500");
    assert_true(lo == 1 && fabs(hi - log10(500)) < 1e-12);

    lo = 3, hi = 1800; /* 1-2-5 needs 13 ticks: decades only */
    svg_log_ticks(&lo, &hi, 12, &t);
    labels(&t, "1 10 100 1,000 10,000");
    assert_true(lo == 0 && hi == 4);

    lo = 0.02, hi = 0.9;
    svg_log_ticks(&lo, &hi, 12, &t);
    labels(&t, "0.01 0.02 0.05 0.1 0.2 0.5 1");

    lo = 1e-3, hi = 1e9; /* 12 decades in 4 ticks: every 4th power */
    svg_log_ticks(&lo, &hi, 4, &t);
    labels(&t, "0.001 10 100,000 1G");
    assert_true(t.n <= 4);

    lo = -1, hi = NAN;
    svg_log_ticks(&lo, &hi, 8, &t);
    assert_true(t.n >= 2 && hi > lo);
}

static void escaping(void **state)
{
    (void)state;
    struct cap c;
    cap_open(&c);
    svg_escape(c.f, "<a href=\"x\">&'</a>");
    assert_string_equal(cap_text(&c), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    cap_close(&c);

    cap_open(&c);
    /* control characters and invalid UTF-8 dropped; valid multibyte kept */
    svg_escape(c.f, "a\x01\x7f"
                    "b\xff\xc3(c\xe2\x89\xa4 é\xed\xa0\x80\tx\ny");
    assert_string_equal(cap_text(&c), "ab(c≤ é\tx\ny");
    cap_close(&c);

    cap_open(&c);
    svg_escape(c.f, NULL);
    svg_text(c.f, 1, 2, "start", "x\"y", "<b>");
    assert_string_equal(cap_text(&c),
                        "<text x=\"1.0\" y=\"2.0\" text-anchor=\"start\" class=\"x&quot;y\">"
                        "&lt;b&gt;</text>\n");
    cap_close(&c);
}

static void chart_and_axes(void **state)
{
    (void)state;
    struct cap c;
    cap_open(&c);
    svg_begin(c.f, "t1", "A <title>", 600, 300);
    struct svg_plot p;
    svg_plot_init(&p, c.f, 50, 10, 500, 200, 0, 10, 0, 100);
    assert_true(svg_px(&p, 0) == 50 && svg_px(&p, 10) == 550);
    assert_true(svg_py(&p, 0) == 210 && svg_py(&p, 100) == 10);
    struct svg_ticks xt, yt;
    double a = 0, b = 10, y0 = 0, y1 = 100;
    svg_nice_ticks(&a, &b, 6, &xt);
    svg_nice_ticks(&y0, &y1, 6, &yt);
    svg_axes(&p, &xt, &yt, "time (s)", "latency (ms)");
    svg_end(c.f);
    const char *s = cap_text(&c);
    assert_non_null(strstr(s, "id=\"chart-t1\" data-chart=\"t1\""));
    assert_non_null(strstr(s, "viewBox=\"0 0 600 300\""));
    assert_non_null(strstr(s, "<title>A &lt;title&gt;</title>"));
    assert_non_null(strstr(s, ">time (s)</text>"));
    assert_non_null(strstr(s, "rotate(-90"));
    assert_int_equal(count(s, "<line "), (size_t)(xt.n + yt.n)); /* the grid */
    assert_non_null(strstr(s, "</svg>\n"));
    cap_close(&c);

    /* a degenerate range is widened, never divided by zero */
    svg_plot_init(&p, NULL, 0, 0, 0, 0, 5, 5, NAN, 1);
    assert_true(p.x1 > p.x0 && p.y1 > p.y0 && p.width > 0 && p.height > 0);
}

static void lines_and_points(void **state)
{
    (void)state;
    struct cap c;
    struct svg_plot p;
    struct svg_style st = {"#123456", 2, "4 2", NULL};
    const double x[] = {0, 1, 2, 3, 4}, y[] = {0, 10, NAN, 30, 1e12};

    cap_open(&c);
    svg_plot_init(&p, c.f, 10, 10, 100, 100, 0, 4, 0, 40);
    svg_line(&p, x, y, 5, &st, "a <b>");
    svg_line(&p, x, y, 5, &(struct svg_style){"#123456", 2, NULL, "k0 p99"}, "keyed");
    const char *s = cap_text(&c);
    assert_int_equal(count(s, "M"), 4); /* the NaN breaks each line */
    assert_non_null(strstr(s, "class=\"series\" data-series=\"a &lt;b&gt;\" fill"));
    assert_non_null(strstr(s, "data-series=\"keyed\" data-keys=\"k0 p99\""));
    assert_non_null(strstr(s, "stroke-dasharray=\"4 2\""));
    assert_non_null(strstr(s, "overflow=\"hidden\"")); /* clipped to the plot */
    assert_null(strstr(s, "e+")); /* a huge value is clamped, not printed as 1e+12 */
    cap_close(&c);

    cap_open(&c);
    svg_plot_init(&p, c.f, 10, 10, 100, 100, 0, 4, 0, 40);
    const double nx[] = {NAN, NAN};
    svg_line(&p, nx, nx, 2, &st, "nothing");
    svg_line(&p, x, y, 1, &st, "dot"); /* one point: still visible */
    s = cap_text(&c);
    assert_null(strstr(s, "nothing"));
    assert_non_null(strstr(s, "h0.01"));
    cap_close(&c);

    cap_open(&c);
    svg_plot_init(&p, c.f, 10, 10, 100, 100, 0, 4, 0, 40);
    const char *tips[] = {"one", "two & three", NULL, "four", NULL};
    svg_points(&p, x, y, 5, 4, &st, "pts", tips);
    s = cap_text(&c);
    assert_int_equal(count(s, "<circle"), 4); /* the NaN has no dot */
    assert_non_null(strstr(s, "<title>two &amp; three</title>"));
    cap_close(&c);

    cap_open(&c);
    svg_plot_init(&p, c.f, 10, 10, 100, 100, 0, 4, 0, 40);
    svg_rect(&p, 1, 2, 0, 20, &(struct svg_style){"#f00", 2, NULL, NULL}, "#000", "bar", "tip <x>");
    svg_rect(&p, NAN, 2, 0, 20, &st, NULL, "nan", NULL);
    s = cap_text(&c);
    assert_non_null(strstr(s, "width=\"25.0\" height=\"50.0\""));
    assert_non_null(strstr(s, "stroke=\"#000\""));
    assert_non_null(strstr(s, "<title>tip &lt;x&gt;</title>"));
    assert_null(strstr(s, "\"nan\""));
    cap_close(&c);
}

static void reference_lines(void **state)
{
    (void)state;
    struct cap c;
    struct svg_plot p;
    struct svg_style st = {"#e15759", 1.5, "8 4", NULL};
    cap_open(&c);
    svg_plot_init(&p, c.f, 10, 10, 400, 200, 0, 100, 0, 100);
    svg_hline(&p, 50, &st, "SLO ≤ 250 ms");
    svg_hline(&p, 500, &st, "outside"); /* out of range: nothing */
    svg_vline(&p, 99, &st, "near the right edge");
    svg_marker(&p, 50, 50, &(struct svg_style){"#000", 2, NULL, "rec"}, "here");
    svg_marker(&p, NAN, 50, &(struct svg_style){"#000", 2, NULL, NULL}, "never");
    svg_hline(&p, 20, &(struct svg_style){"#111", 1, NULL, "peak"}, NULL); /* no label */
    const char *s = cap_text(&c);
    assert_non_null(strstr(s, "SLO ≤ 250 ms"));
    assert_null(strstr(s, "outside"));
    assert_null(strstr(s, "never"));
    /* a label that would leave the plot is written to the line's left */
    assert_non_null(strstr(s, "text-anchor=\"end\">near the right edge"));
    assert_int_equal(count(s, "paint-order=\"stroke\""), 3); /* legible over data */
    /* reference lines and markers are marks: a test finds them, and their keys */
    assert_int_equal(count(s, "class=\"series\""), 4);
    assert_non_null(strstr(s, "data-series=\"here\" data-keys=\"rec\""));
    assert_non_null(strstr(s, "data-series=\"reference\" data-keys=\"peak\""));
    assert_int_equal(count(s, "<text"), 3);
    cap_close(&c);
}

static void bands(void **state)
{
    (void)state;
    struct cap c;
    struct svg_plot p;
    cap_open(&c);
    svg_plot_init(&p, c.f, 0, 0, 600, 100, 0, 60, 0, 1);
    const struct svg_band b[] = {
        {0, 10, "warm-up", true},             /* 100 px: inside its band */
        {10, 14, "a-long-phase-name", false}, /* 40 px: runs over the next bands */
        {14, 15, "tiny-name", false},         /* 10 px: the same, on the second row */
        {15, 60, "<steady>", false},          /* moved right, past the long name */
        {70, 80, "beyond", false},            /* outside the plot */
    };
    svg_bands(&p, b, sizeof b / sizeof b[0]);
    const char *s = cap_text(&c);
    assert_non_null(
        strstr(s, "x=\"3.0\" y=\"12.0\" text-anchor=\"start\" class=\"band-label\">warm-up"));
    assert_non_null(strstr(
        s, "x=\"103.0\" y=\"12.0\" text-anchor=\"start\" class=\"band-label\">a-long-phase-name"));
    assert_non_null(
        strstr(s, "x=\"143.0\" y=\"25.0\" text-anchor=\"start\" class=\"band-label\">tiny-name"));
    assert_null(strstr(s, "x=\"153.0\" y=\"12.0\""));
    assert_non_null(
        strstr(s, "y=\"12.0\" text-anchor=\"start\" class=\"band-label\">&lt;steady&gt;"));
    assert_null(strstr(s, "beyond"));
    assert_non_null(strstr(s, "#d9d9d9")); /* the muted band */
    cap_close(&c);

    /* narrow bands at the right edge: shortened to their band, or left out */
    cap_open(&c);
    svg_plot_init(&p, c.f, 0, 0, 600, 100, 0, 60, 0, 1);
    const struct svg_band b2[] = {{50, 56, "abcdefghijklmnop", false},
                                  {56, 57.5, "second-long-name", false},
                                  {57.5, 60, "third", false}};
    svg_bands(&p, b2, 3);
    s = cap_text(&c);
    assert_non_null(strstr(s, ">abcdefg…</text>")); /* 60 px band: 8 characters, … included */
    assert_null(strstr(s, "second"));               /* 15 px: not even 3 */
    assert_non_null(strstr(s, "y=\"12.0\" text-anchor=\"start\" class=\"band-label\">th…"));
    cap_close(&c);
}

static void legends(void **state)
{
    (void)state;
    const struct svg_legend_item it[] = {
        {"first series", {"#111", 2, NULL, "a"}, SVG_KEY_LINE},
        {"second <two>", {"#222", 2, "4 2", "b"}, SVG_KEY_LINE},
        {"third", {"#333", 0, NULL, "c"}, SVG_KEY_BOX},
        {"fourth", {"#444", 0, NULL, "d"}, SVG_KEY_POINT},
        {"fifth", {"#555", 2, NULL, "e"}, SVG_KEY_RING},
    };
    assert_true(svg_legend_height(1000, it, 4) == 18);
    double narrow = svg_legend_height(150, it, 5);
    assert_true(narrow >= 3 * 18); /* wraps */
    assert_true(svg_legend_height(1000, it, 0) == 0);
    struct cap c;
    cap_open(&c);
    double h = svg_legend(c.f, 0, 0, 150, it, 5);
    assert_true(h == narrow);
    const char *s = cap_text(&c);
    assert_non_null(strstr(s, "second &lt;two&gt;"));
    assert_int_equal(count(s, "<rect"), 1);
    assert_int_equal(count(s, "<circle"), 2);
    assert_non_null(strstr(s, "fill=\"none\" stroke=\"#555\"")); /* the ring */
    /* each entry names the keys of the marks it stands for */
    assert_int_equal(count(s, "<g class=\"legend-item\" data-keys=\""), 5);
    assert_non_null(strstr(s, "<g class=\"legend-item\" data-keys=\"b\">"));
    cap_close(&c);
    assert_string_equal(svg_color(0), svg_color(10));
    assert_string_not_equal(svg_color(0), svg_color(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nice_ticks),
        cmocka_unit_test(numbers),
        cmocka_unit_test(percentile_axis),
        cmocka_unit_test(log_axis),
        cmocka_unit_test(escaping),
        cmocka_unit_test(chart_and_axes),
        cmocka_unit_test(lines_and_points),
        cmocka_unit_test(reference_lines),
        cmocka_unit_test(bands),
        cmocka_unit_test(legends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
