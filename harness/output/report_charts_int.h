/*
 * report_charts_priv.h — what the chart files of report.html share
 * (report_charts.c: the run's charts; report_charts_plan.c: the steps and
 * the capacity plan's): the layout of a chart, growable point arrays,
 * legend keys, figures. Private to those two files.
 */
#ifndef GATECAP_REPORT_CHARTS_PRIV_H
#define GATECAP_REPORT_CHARTS_PRIV_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "output/report_int.h"
#include "output/svg.h"

#define B 48
#define W 900.0     /* chart width (px of the viewBox) */
#define PLOT_L 76.0 /* room for y tick labels and the y title */
#define PLOT_R 24.0
#define PLOT_T 14.0
#define PLOT_H 300.0
#define AXIS_H 52.0 /* x tick labels and title below the plot */

static inline void esc(FILE *f, const char *s)
{
    svg_escape(f, s);
}
/* A growable pair of arrays for one line. */
struct xy {
    double *x, *y;
    size_t n;
};

static inline bool xy_alloc(struct xy *a, size_t n)
{
    a->n = 0;
    a->x = calloc(n ? n : 1, sizeof *a->x);
    a->y = calloc(n ? n : 1, sizeof *a->y);
    return a->x && a->y;
}

static inline void xy_free(struct xy *a)
{
    free(a->x);
    free(a->y);
    a->x = a->y = NULL;
}

/* Whether a would draw anything: a point with both coordinates finite. */
static inline bool xy_any(const struct xy *a)
{
    for (size_t i = 0; i < a->n; i++)
        if (isfinite(a->x[i]) && isfinite(a->y[i]))
            return true;
    return false;
}

/* Legend keys of series i (its color) and of series i drawn as kind
 * ("k3", "k3 p99"): the caller's buffers, kept until the chart ends. */
typedef char key_buf[24];
static inline const char *key_of(key_buf b, size_t i, const char *kind)
{
    snprintf(b, sizeof(key_buf), kind ? "k%zu %s" : "k%zu", i, kind ? kind : "");
    return b;
}

/* Chart height for a plot of PLOT_H with a legend of these items. */
static inline double chart_h(const struct svg_legend_item *it, size_t n)
{
    return PLOT_T + PLOT_H + AXIS_H + svg_legend_height(W - PLOT_L - PLOT_R, it, n) + 8;
}

static inline void legend_below(FILE *f, const struct svg_legend_item *it, size_t n)
{
    svg_legend(f, PLOT_L, PLOT_T + PLOT_H + AXIS_H, W - PLOT_L - PLOT_R, it, n);
}

static inline void fig_open(FILE *f)
{
    fputs("<figure>\n", f);
}

static inline void fig_close(FILE *f, const char *caption)
{
    fputs("<figcaption>", f);
    esc(f, caption);
    fputs("</figcaption></figure>\n", f);
}

/* Highest finite value of y[0..n), or 0. */
static inline double top_of(const double *y, size_t n, double top)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(y[i]) && y[i] > top)
            top = y[i];
    return top;
}

#endif
