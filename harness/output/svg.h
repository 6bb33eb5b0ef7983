/*
 * svg.h — small chart primitives for inline SVG (the HTML report, and
 * whatever draws a chart next): nice ticks, a percentile axis, axes with
 * grid and titles, lines, points, bars, bands, reference lines, markers and
 * legends. Everything is written to a FILE the caller owns; every piece of
 * text is XML-escaped here, so user data can be passed as is.
 *
 * Coordinates: a chart is an <svg> with a viewBox of width × height "px";
 * a plot is a rectangle in it with a data range on each axis, and every
 * drawing call below takes data coordinates. Log-like axes are the
 * caller's transformation (e.g. svg_percentile_x): the plot itself is
 * linear in whatever it is given.
 *
 * Plotted data (lines, points, bars, reference lines, markers) carries
 * class="series" and a data-series name, so a test can find and measure
 * it in a browser; and the legend keys it stands for (data-keys, from its
 * style), which the legend entries that explain it carry too
 * (class="legend-item"): every mark has an entry, every entry a mark.
 *
 * No allocation, no globals; write errors show in ferror(f).
 */
#ifndef GATECAP_SVG_H
#define GATECAP_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SVG_MAX_TICKS 24
#define SVG_LABEL_LEN 24
#define SVG_FONT_PX 12  /* text size of tick labels and legends */
#define SVG_CHAR_PX 6.8 /* estimated width of one character at SVG_FONT_PX */

/* Tick positions in data units, with their labels. */
struct svg_ticks {
    int n;
    double v[SVG_MAX_TICKS];
    char label[SVG_MAX_TICKS][SVG_LABEL_LEN];
};

/* A plot area: the rectangle (left, top, width, height) in chart px shows
 * data x0..x1 (left to right) and y0..y1 (bottom to top). Borrows f. */
struct svg_plot {
    FILE *f;
    double left, top, width, height;
    double x0, x1, y0, y1;
};

/* How a line or a shape is drawn. color: a CSS color (a constant of the
 * caller's, not user data); dash: a stroke-dasharray such as "6 4", or
 * NULL for solid; width in px; keys: the legend keys of what is drawn
 * with it, space-separated tokens of the caller's ("n0 p99": node 0's p99
 * line, explained by the entries "n0" and "p99"), or NULL. */
struct svg_style {
    const char *color;
    double width;
    const char *dash;
    const char *keys;
};

enum svg_legend_kind { SVG_KEY_LINE, SVG_KEY_BOX, SVG_KEY_POINT, SVG_KEY_RING };

/* A legend entry; it stands for the marks whose keys hold style.keys. */
struct svg_legend_item {
    const char *label; /* user data is fine: escaped */
    struct svg_style style;
    enum svg_legend_kind kind;
};

/* A shaded span of x (a phase of a run) with its name written at the top. */
struct svg_band {
    double x0, x1;
    const char *label;
    bool muted; /* drawn grey: e.g. a warm-up that was not recorded */
};

/* Widens [*lo, *hi] to nice tick values (1, 2, 2.5 or 5 × 10^k apart) and
 * fills t with at most max_ticks (2..SVG_MAX_TICKS) of them, labelled with
 * svg_fmt_num at the step's precision. An empty or invalid range becomes
 * [lo, lo + 1] (or [0, 1] when not finite). */
void svg_nice_ticks(double *lo, double *hi, int max_ticks, struct svg_ticks *t);

/* Ticks for a log10 axis covering lo..hi (data values, both > 0): tick
 * positions are log10 of 1, 2, 5 × 10^k when at most max_ticks fit, else
 * of powers of ten only. *lo and *hi become the log10 of the enclosing
 * ticks: the range to give svg_plot_init, with data drawn as log10(v). */
void svg_log_ticks(double *lo, double *hi, int max_ticks, struct svg_ticks *t);

/* The x position of percentile pct (0..100) on the HdrHistogram axis:
 * log10(1 / (1 − pct/100)); 0 at 0 %, 1 at 90 %, 2 at 99 %, 3 at 99.9 %.
 * INFINITY at 100 %. */
double svg_percentile_x(double pct);

/* Ticks for a percentile axis of 0..decades (1..9) on px_per_decade px:
 * 0 %, 90 %, 99 %, 99.9 %, ... and 50 % when it has room. */
void svg_percentile_ticks(int decades, double px_per_decade, struct svg_ticks *t);

/* v with about the precision of step (step 0: three significant digits),
 * thousands separated by ',' up to 999,999, then k/M/G. Returns buf. */
const char *svg_fmt_num(char *buf, size_t n, double v, double step);

/* Writes s XML/HTML-escaped (& < > " '), dropping control characters other
 * than tab and newline and invalid UTF-8 bytes. NULL writes nothing. */
void svg_escape(FILE *f, const char *s);

/* Starts a chart: <svg id="chart-ID" data-chart="ID" viewBox ...> with a
 * <title> and an aria-label of title. id: letters, digits, '-' (a
 * constant of the caller's). End it with svg_end. */
void svg_begin(FILE *f, const char *id, const char *title, double width, double height);
void svg_end(FILE *f);

/* Sets up p; x1 > x0 and y1 > y0 are forced (by widening) if not given. */
void svg_plot_init(struct svg_plot *p, FILE *f, double left, double top, double width,
                   double height, double x0, double x1, double y0, double y1);

/* Data to chart px (values outside the range map outside the area). */
double svg_px(const struct svg_plot *p, double x);
double svg_py(const struct svg_plot *p, double y);

/* Grid lines at the ticks, the axis lines, tick labels, and the axis
 * titles (with units, e.g. "latency (ms)"; NULL for none): x below the
 * plot, y rotated at its left. */
void svg_axes(const struct svg_plot *p, const struct svg_ticks *xt, const struct svg_ticks *yt,
              const char *xtitle, const char *ytitle);

/* A polyline through (x[i], y[i]); a non-finite value breaks the line,
 * points outside the plot are clipped to it. series names it. Draws
 * nothing when no point is finite. */
void svg_line(const struct svg_plot *p, const double *x, const double *y, size_t n,
              const struct svg_style *st, const char *series);

/* Dots of radius r at the finite (x[i], y[i]), each with a tooltip
 * "tip[i]" when tip is not NULL. */
void svg_points(const struct svg_plot *p, const double *x, const double *y, size_t n, double r,
                const struct svg_style *st, const char *series, const char *const *tip);

/* A filled rectangle x0..x1 × y0..y1 (data units), with a tooltip when tip
 * is not NULL; st->dash is ignored, st->width > 0 draws an outline in
 * outline (NULL: the fill color). */
void svg_rect(const struct svg_plot *p, double x0, double x1, double y0, double y1,
              const struct svg_style *st, const char *outline, const char *series, const char *tip);

/* Shaded bands under the data, labels at the plot's top edge: a label that
 * does not fit its band tries a second row, then is shortened with "…",
 * then left out. Call before drawing the data. */
void svg_bands(const struct svg_plot *p, const struct svg_band *b, size_t n);

/* A horizontal (svg_hline) or vertical (svg_vline) reference line across
 * the plot, with label written beside it inside the plot (NULL: none; a
 * line its legend entry names needs none). */
void svg_hline(const struct svg_plot *p, double y, const struct svg_style *st, const char *label);
void svg_vline(const struct svg_plot *p, double x, const struct svg_style *st, const char *label);

/* A highlighted point (a ring in st->color) at (x, y), with label beside
 * it (NULL: none). */
void svg_marker(const struct svg_plot *p, double x, double y, const struct svg_style *st,
                const char *label);

/* Text at (x, y) chart px; anchor "start", "middle" or "end"; cls a CSS
 * class of the caller's or NULL. */
void svg_text(FILE *f, double x, double y, const char *anchor, const char *cls, const char *text);

/* Legend items laid out left to right from (x, y), wrapping at width.
 * Returns the height used in px. */
double svg_legend(FILE *f, double x, double y, double width, const struct svg_legend_item *it,
                  size_t n);

/* Height svg_legend will use for these items at this width. */
double svg_legend_height(double width, const struct svg_legend_item *it, size_t n);

/* The i-th color of a palette of 10 that stay apart for the common color
 * blindnesses (Tableau 10); wraps around. */
const char *svg_color(size_t i);

#endif
