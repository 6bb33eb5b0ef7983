/*
 * svg.c — chart primitives for inline SVG; see svg.h.
 *
 * Plotted data is drawn inside a nested <svg> the size of the plot area
 * (plus a small margin for dots on the edge): a nested svg clips what it
 * holds, so a line running past the range is cut at the frame without a
 * clipPath id to keep unique.
 */
#include "output/svg.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/xmlesc.h"

#define PAD 6.0      /* margin of the clipping box around the plot area */
#define BAND_FONT 11 /* band labels */
#define KEY_W 22.0   /* legend key */
#define ROW_H 18.0   /* legend row */
/* a white outline behind labels drawn over data, so they stay legible */
#define HALO " stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\""

static const char *const palette[10] = {"#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
                                        "#76b7b2", "#9c755f", "#ff9da7", "#edc948", "#bab0ac"};

const char *svg_color(size_t i)
{
    return palette[i % 10];
}

/* ---- numbers ---- */

/* Decimals that show every multiple of step exactly (2.5 → 1, 0.25 → 2). */
static int decimals_for(double step)
{
    if (!(step > 0) || !isfinite(step))
        return 0;
    int d = 0;
    double scaled = step;
    while (d < 9 && fabs(scaled - round(scaled)) > 1e-6 * (scaled > 1 ? scaled : 1)) {
        d++;
        scaled *= 10;
    }
    return d;
}

/* Digits of an integer-valued non-negative v with ',' every three. */
static void group(char *buf, size_t n, const char *digits)
{
    size_t len = strcspn(digits, "."), o = 0;
    for (size_t i = 0; digits[i] && o + 1 < n; i++) {
        if (i > 0 && i < len && (len - i) % 3 == 0 && o + 2 < n)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

const char *svg_fmt_num(char *buf, size_t n, double v, double step)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "%s", isnan(v) ? "–" : v > 0 ? "∞" : "−∞");
        return buf;
    }
    double a = fabs(v);
    if (a < 1e-12)
        v = a = 0;
    const char *sign = v < 0 ? "−" : "";
    static const struct {
        double div;
        const char *suffix;
    } big[] = {{1e9, "G"}, {1e6, "M"}};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        if (a >= big[i].div) {
            int d = step > 0 ? decimals_for(step / big[i].div) : (a / big[i].div >= 100 ? 0 : 1);
            snprintf(buf, n, "%s%.*f%s", sign, d, a / big[i].div, big[i].suffix);
            return buf;
        }
    }
    int d;
    if (step > 0)
        d = decimals_for(step);
    else
        d = a >= 100 || a == 0 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.1 ? 3 : 4;
    char digits[48];
    snprintf(digits, sizeof digits, "%.*f", d, a);
    char grouped[64];
    group(grouped, sizeof grouped, digits);
    snprintf(buf, n, "%s%s", strcmp(grouped, "0") == 0 ? "" : sign, grouped);
    return buf;
}

void svg_nice_ticks(double *lo, double *hi, int max_ticks, struct svg_ticks *t)
{
    if (max_ticks < 2)
        max_ticks = 2;
    if (max_ticks > SVG_MAX_TICKS)
        max_ticks = SVG_MAX_TICKS;
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0;
        *hi = 1;
    }
    if (*hi < *lo) {
        double s = *lo;
        *lo = *hi;
        *hi = s;
    }
    if (*hi - *lo < 1e-12 * (fabs(*lo) + 1)) /* a single value */
        *hi = *lo + (*lo == 0 ? 1 : fabs(*lo) * 0.1);
    double rough = (*hi - *lo) / (max_ticks - 1);
    double mag = pow(10, floor(log10(rough)));
    static const double mult[] = {1, 2, 2.5, 5, 10, 20};
    double step = mag * 10;
    double a = 0, b = 0;
    for (size_t i = 0; i < sizeof mult / sizeof mult[0]; i++) {
        step = mult[i] * mag;
        a = floor(*lo / step + 1e-9);
        b = ceil(*hi / step - 1e-9);
        if (b - a + 1 <= max_ticks)
            break;
    }
    t->n = 0;
    for (double k = a; k <= b + 1e-9 && t->n < SVG_MAX_TICKS; k++) {
        double v = k * step;
        if (fabs(v) < step * 1e-9)
            v = 0;
        t->v[t->n] = v;
        svg_fmt_num(t->label[t->n], SVG_LABEL_LEN, v, step);
        t->n++;
    }
    *lo = a * step;
    *hi = b * step;
}

static void add_log_tick(struct svg_ticks *t, double v)
{
    if (t->n >= SVG_MAX_TICKS)
        return;
    t->v[t->n] = log10(v);
    svg_fmt_num(t->label[t->n], SVG_LABEL_LEN, v, v < 1 ? v : 1);
    t->n++;
}

void svg_log_ticks(double *lo, double *hi, int max_ticks, struct svg_ticks *t)
{
    if (!(*lo > 0) || !isfinite(*lo))
        *lo = 1;
    if (!(*hi > *lo) || !isfinite(*hi))
        *hi = *lo * 10;
    if (max_ticks < 2)
        max_ticks = 2;
    if (max_ticks > SVG_MAX_TICKS)
        max_ticks = SVG_MAX_TICKS;
    double a = floor(log10(*lo) + 1e-9), b = ceil(log10(*hi) - 1e-9);
    if (b <= a)
        b = a + 1;
    t->n = 0;
    double top = b;
    if ((b - a) * 3 + 1 <= max_ticks) { /* 1, 2, 5 up to the first tick at or past hi */
        static const double m[] = {1, 2, 5};
        for (double d = a; d < b; d++) {
            for (int k = 0; k < 3; k++) {
                double v = m[k] * pow(10, d);
                add_log_tick(t, v);
                if (v >= *hi * (1 - 1e-9)) {
                    top = log10(v);
                    goto done;
                }
            }
        }
        add_log_tick(t, pow(10, b));
    } else { /* every k-th power of ten */
        double every = ceil((b - a) / (max_ticks - 1));
        top = b = a + ceil((b - a) / every) * every;
        for (double d = a; d <= b + 1e-9; d += every)
            add_log_tick(t, pow(10, d));
    }
done:
    *lo = a;
    *hi = top;
}

double svg_percentile_x(double pct)
{
    if (!(pct < 100))
        return INFINITY;
    if (!(pct > 0))
        return 0;
    return log10(100.0 / (100.0 - pct));
}

void svg_percentile_ticks(int decades, double px_per_decade, struct svg_ticks *t)
{
    if (decades < 1)
        decades = 1;
    if (decades > 9)
        decades = 9;
    t->n = 0;
    for (int d = 0; d <= decades; d++) {
        if (d == 1 && px_per_decade * log10(2) >= 34) { /* 50 %, when the labels stay apart */
            t->v[t->n] = log10(2);
            snprintf(t->label[t->n++], SVG_LABEL_LEN, "50%%");
        }
        t->v[t->n] = d;
        if (d == 0)
            snprintf(t->label[t->n], SVG_LABEL_LEN, "0%%");
        else if (d == 1)
            snprintf(t->label[t->n], SVG_LABEL_LEN, "90%%");
        else
            snprintf(t->label[t->n], SVG_LABEL_LEN, "99%s%.*s%%", d > 2 ? "." : "", d - 2,
                     "9999999");
        t->n++;
    }
}

/* ---- text ---- */

void svg_escape(FILE *f, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = xmlesc_utf8_len(p);
        if (n == 0) {
            p++;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, n, f);
            p += n;
            continue;
        }
        unsigned char c = *p++;
        if (xmlesc_markup(f, c))
            continue;
        switch (c) {
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if ((c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n')
                fputc(c, f);
            break;
        }
    }
}

/* Characters (not bytes) of s. */
static size_t text_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static double text_px(const char *s, double font)
{
    return (double)text_chars(s) * SVG_CHAR_PX * font / SVG_FONT_PX;
}

void svg_text(FILE *f, double x, double y, const char *anchor, const char *cls, const char *text)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor);
    if (cls) {
        fputs(" class=\"", f);
        svg_escape(f, cls);
        fputc('"', f);
    }
    fputc('>', f);
    svg_escape(f, text);
    fputs("</text>\n", f);
}

/* ---- chart and plot ---- */

void svg_begin(FILE *f, const char *id, const char *title, double width, double height)
{
    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart-", f);
    svg_escape(f, id);
    fputs("\" data-chart=\"", f);
    svg_escape(f, id);
    fprintf(f,
            "\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "role=\"img\" aria-label=\"",
            width, height, width, height);
    svg_escape(f, title);
    fputs("\" font-family=\"sans-serif\" font-size=\"12\">\n<title>", f);
    svg_escape(f, title);
    fputs("</title>\n", f);
}

void svg_end(FILE *f)
{
    fputs("</svg>\n", f);
}

void svg_plot_init(struct svg_plot *p, FILE *f, double left, double top, double width,
                   double height, double x0, double x1, double y0, double y1)
{
    p->f = f;
    p->left = left;
    p->top = top;
    p->width = width > 1 ? width : 1;
    p->height = height > 1 ? height : 1;
    if (!isfinite(x0) || !isfinite(x1))
        x0 = 0, x1 = 1;
    if (!isfinite(y0) || !isfinite(y1))
        y0 = 0, y1 = 1;
    if (!(x1 > x0))
        x1 = x0 + 1;
    if (!(y1 > y0))
        y1 = y0 + 1;
    p->x0 = x0;
    p->x1 = x1;
    p->y0 = y0;
    p->y1 = y1;
}

static double clampc(double v)
{
    return v < -1e5 ? -1e5 : v > 1e5 ? 1e5 : v;
}

double svg_px(const struct svg_plot *p, double x)
{
    return clampc(p->left + (x - p->x0) / (p->x1 - p->x0) * p->width);
}

double svg_py(const struct svg_plot *p, double y)
{
    return clampc(p->top + p->height - (y - p->y0) / (p->y1 - p->y0) * p->height);
}

/* Opens the clipping box; coordinates inside are chart px − (left − PAD, top − PAD). */
static void clip_open(const struct svg_plot *p)
{
    fprintf(p->f, "<svg x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" overflow=\"hidden\">",
            p->left - PAD, p->top - PAD, p->width + 2 * PAD, p->height + 2 * PAD);
}

static double lx(const struct svg_plot *p, double x)
{
    return svg_px(p, x) - p->left + PAD;
}

static double ly(const struct svg_plot *p, double y)
{
    return svg_py(p, y) - p->top + PAD;
}

/* class="series", its name and the legend keys it stands for */
static void series_attr(FILE *f, const char *series, const struct svg_style *st)
{
    fputs(" class=\"series\" data-series=\"", f);
    svg_escape(f, series ? series : "");
    fputc('"', f);
    if (st->keys) {
        fputs(" data-keys=\"", f);
        svg_escape(f, st->keys);
        fputc('"', f);
    }
}

static void stroke_attr(FILE *f, const struct svg_style *st)
{
    fprintf(f, " fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"", st->color,
            st->width > 0 ? st->width : 1.5);
    if (st->dash)
        fprintf(f, " stroke-dasharray=\"%s\"", st->dash);
    fputs(" stroke-linejoin=\"round\" stroke-linecap=\"round\"", f);
}

void svg_axes(const struct svg_plot *p, const struct svg_ticks *xt, const struct svg_ticks *yt,
              const char *xtitle, const char *ytitle)
{
    FILE *f = p->f;
    double bottom = p->top + p->height, right = p->left + p->width;
    fputs("<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">", f);
    for (int i = 0; xt && i < xt->n; i++)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", svg_px(p, xt->v[i]),
                p->top, svg_px(p, xt->v[i]), bottom);
    for (int i = 0; yt && i < yt->n; i++)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", p->left,
                svg_py(p, yt->v[i]), right, svg_py(p, yt->v[i]));
    fputs("</g>\n", f);
    fprintf(f,
            "<path class=\"axis\" d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"#555\" "
            "stroke-width=\"1\"/>\n",
            p->left, p->top, bottom, right);
    fputs("<g class=\"ticks\" fill=\"#333\">\n", f);
    for (int i = 0; xt && i < xt->n; i++)
        svg_text(f, svg_px(p, xt->v[i]), bottom + 20, "middle", NULL, xt->label[i]);
    for (int i = 0; yt && i < yt->n; i++)
        svg_text(f, p->left - 8, svg_py(p, yt->v[i]) + 4, "end", NULL, yt->label[i]);
    fputs("</g>\n", f);
    if (xtitle)
        svg_text(f, p->left + p->width / 2, bottom + 38, "middle", "axis-title", xtitle);
    if (ytitle) {
        double x = p->left - 54, y = p->top + p->height / 2;
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis-title\" "
                "transform=\"rotate(-90 %.1f %.1f)\">",
                x, y, x, y);
        svg_escape(f, ytitle);
        fputs("</text>\n", f);
    }
}

void svg_line(const struct svg_plot *p, const double *x, const double *y, size_t n,
              const struct svg_style *st, const char *series)
{
    size_t finite = 0;
    for (size_t i = 0; i < n; i++)
        finite += isfinite(x[i]) && isfinite(y[i]);
    if (finite == 0)
        return;
    FILE *f = p->f;
    clip_open(p);
    fputs("<path", f);
    series_attr(f, series, st);
    stroke_attr(f, st);
    fputs(" d=\"", f);
    bool pen = false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            pen = false;
            continue;
        }
        fprintf(f, "%c%.1f %.1f", pen ? 'L' : 'M', lx(p, x[i]), ly(p, y[i]));
        pen = true;
    }
    /* a lone point draws nothing as a path: give it a dot */
    if (finite == 1)
        fputs("h0.01", f);
    fputs("\"/></svg>\n", f);
}

void svg_points(const struct svg_plot *p, const double *x, const double *y, size_t n, double r,
                const struct svg_style *st, const char *series, const char *const *tip)
{
    FILE *f = p->f;
    clip_open(p);
    fputs("<g", f);
    series_attr(f, series, st);
    fprintf(f, " fill=\"%s\" stroke=\"#fff\" stroke-width=\"1\">", st->color);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\">", lx(p, x[i]), ly(p, y[i]), r);
        if (tip && tip[i]) {
            fputs("<title>", f);
            svg_escape(f, tip[i]);
            fputs("</title>", f);
        }
        fputs("</circle>", f);
    }
    fputs("</g></svg>\n", f);
}

void svg_rect(const struct svg_plot *p, double x0, double x1, double y0, double y1,
              const struct svg_style *st, const char *outline, const char *series, const char *tip)
{
    if (!isfinite(x0) || !isfinite(x1) || !isfinite(y0) || !isfinite(y1))
        return;
    double ax = lx(p, x0), bx = lx(p, x1), ay = ly(p, y0), by = ly(p, y1);
    double l = ax < bx ? ax : bx, t = ay < by ? ay : by;
    double w = fabs(bx - ax), h = fabs(by - ay);
    FILE *f = p->f;
    clip_open(p);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", l, t, w, h);
    if (series)
        series_attr(f, series, st);
    fprintf(f, " fill=\"%s\"", st->color);
    if (st->width > 0)
        fprintf(f, " stroke=\"%s\" stroke-width=\"%.1f\"", outline ? outline : st->color,
                st->width);
    fputc('>', f);
    if (tip) {
        fputs("<title>", f);
        svg_escape(f, tip);
        fputs("</title>", f);
    }
    fputs("</rect></svg>\n", f);
}

/* Writes at most max characters of s, with "…" when shortened. */
static void text_cut(FILE *f, double x, double y, const char *s, size_t max)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\" class=\"band-label\">", x, y);
    if (text_chars(s) <= max) {
        svg_escape(f, s);
    } else {
        char buf[256];
        size_t o = 0, chars = 0;
        const unsigned char *q = (const unsigned char *)s;
        while (*q && o + 5 < sizeof buf) {
            size_t n = xmlesc_utf8_len(q);
            if (n == 0) {
                q++;
                continue;
            }
            if (chars + 1 >= max)
                break;
            memcpy(buf + o, q, n);
            o += n;
            q += n;
            chars++;
        }
        memcpy(buf + o, "…", sizeof "…");
        svg_escape(f, buf);
    }
    fputs("</text>\n", f);
}

void svg_bands(const struct svg_plot *p, const struct svg_band *b, size_t n)
{
    FILE *f = p->f;
    double row_end[2] = {-1e9, -1e9};
    for (size_t i = 0; i < n; i++) {
        double a = svg_px(p, b[i].x0), e = svg_px(p, b[i].x1);
        if (a < p->left)
            a = p->left;
        if (e > p->left + p->width)
            e = p->left + p->width;
        if (!(e > a))
            continue;
        const char *fill = b[i].muted ? "#d9d9d9" : (i % 2 ? "#eef3f8" : "#f7f9fb");
        fprintf(f,
                "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"%s\"%s/>\n",
                a, p->top, e - a, p->height, fill, b[i].muted ? " fill-opacity=\"0.7\"" : "");
        if (i > 0)
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa7b4\" "
                    "stroke-width=\"1\" stroke-dasharray=\"2 3\"/>\n",
                    a, p->top, a, p->top + p->height);
        if (!b[i].label || !b[i].label[0])
            continue;
        /* Two rows of labels. In order of preference: inside the band
         * (moved right past the labels before it), running over the next
         * bands from the band's start, shortened to what the band holds. */
        double w = text_px(b[i].label, BAND_FONT), cw = SVG_CHAR_PX * BAND_FONT / SVG_FONT_PX;
        double right = p->left + p->width, x = 0;
        size_t keep = text_chars(b[i].label);
        int row = -1;
        for (int r = 0; r < 2 && row < 0; r++) {
            x = a + 3 > row_end[r] ? a + 3 : row_end[r];
            if (x + w <= e - 3)
                row = r;
        }
        for (int r = 0; r < 2 && row < 0; r++) {
            x = a + 3;
            if (row_end[r] <= x && x + w <= right - 2)
                row = r;
        }
        for (int r = 0; r < 2 && row < 0; r++) {
            x = a + 3 > row_end[r] ? a + 3 : row_end[r];
            size_t fit = e - 3 > x ? (size_t)((e - 3 - x) / cw) : 0;
            if (fit >= 3) {
                row = r;
                keep = fit;
                w = (double)fit * cw;
            }
        }
        if (row < 0)
            continue;
        text_cut(f, x, p->top + 12 + 13 * row, b[i].label, keep);
        row_end[row] = x + w + 6;
    }
}

void svg_hline(const struct svg_plot *p, double y, const struct svg_style *st, const char *label)
{
    if (!isfinite(y) || y < p->y0 || y > p->y1)
        return;
    FILE *f = p->f;
    double py = svg_py(p, y);
    fprintf(f, "<path d=\"M%.1f %.1fH%.1f\"", p->left, py, p->left + p->width);
    series_attr(f, label ? label : "reference", st);
    stroke_attr(f, st);
    fputs("/>\n", f);
    if (label) {
        /* above the line, unless that leaves the plot */
        double ty = py - 5 < p->top + 30 ? py + 14 : py - 5;
        fprintf(f, "<g fill=\"%s\" class=\"ref-label\"%s>", st->color, HALO);
        svg_text(f, p->left + p->width - 4, ty, "end", NULL, label);
        fputs("</g>\n", f);
    }
}

void svg_vline(const struct svg_plot *p, double x, const struct svg_style *st, const char *label)
{
    if (!isfinite(x) || x < p->x0 || x > p->x1)
        return;
    FILE *f = p->f;
    double px = svg_px(p, x);
    fprintf(f, "<path d=\"M%.1f %.1fV%.1f\"", px, p->top, p->top + p->height);
    series_attr(f, label ? label : "reference", st);
    stroke_attr(f, st);
    fputs("/>\n", f);
    if (label) {
        bool left = px + text_px(label, SVG_FONT_PX) + 8 > p->left + p->width;
        fprintf(f, "<g fill=\"%s\" class=\"ref-label\"%s>", st->color, HALO);
        svg_text(f, left ? px - 4 : px + 4, p->top + 42, left ? "end" : "start", NULL, label);
        fputs("</g>\n", f);
    }
}

void svg_marker(const struct svg_plot *p, double x, double y, const struct svg_style *st,
                const char *label)
{
    if (!isfinite(x) || !isfinite(y))
        return;
    FILE *f = p->f;
    const char *color = st->color;
    double px = svg_px(p, x), py = svg_py(p, y);
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\"", px, py);
    series_attr(f, label ? label : "marker", st);
    fprintf(f, " fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"/>\n", color);
    if (label) {
        bool left = px + text_px(label, SVG_FONT_PX) + 12 > p->left + p->width;
        double ty = py - 10 < p->top + 4 ? py + 20 : py - 10;
        fprintf(f, "<g fill=\"%s\" font-weight=\"bold\" class=\"ref-label\"%s>", color, HALO);
        svg_text(f, left ? px - 10 : px + 10, ty, left ? "end" : "start", NULL, label);
        fputs("</g>\n", f);
    }
}

/* ---- legend ---- */

static double item_w(const struct svg_legend_item *it)
{
    return KEY_W + 6 + text_px(it->label ? it->label : "", SVG_FONT_PX) + 18;
}

double svg_legend_height(double width, const struct svg_legend_item *it, size_t n)
{
    if (n == 0)
        return 0;
    double x = 0, rows = 1;
    for (size_t i = 0; i < n; i++) {
        double w = item_w(&it[i]);
        if (x > 0 && x + w > width) {
            rows++;
            x = 0;
        }
        x += w;
    }
    return rows * ROW_H;
}

double svg_legend(FILE *f, double x, double y, double width, const struct svg_legend_item *it,
                  size_t n)
{
    if (n == 0)
        return 0;
    double cx = 0, row = 0;
    fputs("<g class=\"legend\">\n", f);
    for (size_t i = 0; i < n; i++) {
        double w = item_w(&it[i]);
        if (cx > 0 && cx + w > width) {
            row++;
            cx = 0;
        }
        double kx = x + cx, ky = y + row * ROW_H + ROW_H / 2;
        const struct svg_style *st = &it[i].style;
        fputs("<g class=\"legend-item\"", f);
        if (st->keys) {
            fputs(" data-keys=\"", f);
            svg_escape(f, st->keys);
            fputc('"', f);
        }
        fputc('>', f);
        switch (it[i].kind) {
        case SVG_KEY_BOX:
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" fill=\"%s\"/>",
                    kx + 4, ky - 5, KEY_W - 8, st->color);
            break;
        case SVG_KEY_POINT:
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", kx + KEY_W / 2, ky,
                    st->color);
            break;
        case SVG_KEY_RING:
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"%s\" "
                    "stroke-width=\"2\"/>",
                    kx + KEY_W / 2, ky, st->color);
            break;
        case SVG_KEY_LINE:
            fprintf(f, "<path d=\"M%.1f %.1fH%.1f\"", kx, ky, kx + KEY_W);
            stroke_attr(f, st);
            fputs("/>", f);
            break;
        }
        svg_text(f, kx + KEY_W + 6, ky + 4, "start", NULL, it[i].label ? it[i].label : "");
        fputs("</g>\n", f);
        cx += w;
    }
    fputs("</g>\n", f);
    return (row + 1) * ROW_H;
}
