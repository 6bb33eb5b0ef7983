/*
 * report_prose.c — the prose writer (report_prose.h): one table of
 * operations per markup, Markdown and HTML, behind the functions the
 * sentences are written with. Adding a markup is adding a table.
 */
#include "output/report_prose.h"

#include <stdarg.h>
#include <string.h>

#include "output/svg.h"

/* One markup. Begin and end strings are constant markup, written as they
 * are; the functions take the writer's FILE. */
struct report_prose_markup {
    void (*escape)(FILE *f, const char *s);
    void (*code)(FILE *f, const char *s);
    void (*heading)(FILE *f, int level, const char *id, const char *text);
    void (*callout_begin)(FILE *f, enum report_callout k, const char *id);
    const char *callout_end[REPORT_CALLOUT_LEAD + 1];
    const char *para_begin, *para_end;
    const char *list_begin, *list_end, *item_begin, *item_end;
    const char *strong_begin, *strong_end;
    bool charts;       /* report_prose_chart draws */
    bool callout_bold; /* a callout is bold as a whole (CSS): strong adds nothing in it */
};

/* ---- Markdown ---- */

static void md_code(FILE *f, const char *s)
{
    /* A code span shows its text as it is (no escapes work inside), up to
     * a run of backticks as long as its fence: the fence is one longer
     * than the longest run in s, and padded with spaces when s starts or
     * ends with a backtick or space (one of which Markdown strips). */
    size_t run = 0, longest = 0, len = strlen(s);
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    bool pad = s[0] == '`' || s[0] == ' ' || s[len - 1] == '`' || s[len - 1] == ' ';
    for (size_t i = 0; i <= longest; i++)
        fputc('`', f);
    if (pad)
        fputc(' ', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, f);
    if (pad)
        fputc(' ', f);
    for (size_t i = 0; i <= longest; i++)
        fputc('`', f);
}

static void md_heading(FILE *f, int level, const char *id, const char *text)
{
    (void)id;
    for (int i = 0; i < level; i++)
        fputc('#', f);
    fputc(' ', f);
    report_md_escape(f, text);
    fputs("\n\n", f);
}

static void md_callout_begin(FILE *f, enum report_callout k, const char *id)
{
    (void)id;
    static const char *const mark[] = {
        [REPORT_CALLOUT_PASS] = "> ✅ ",
        [REPORT_CALLOUT_FAIL] = "> ❌ ",
        [REPORT_CALLOUT_WARN] = "> ⚠️ ",
        [REPORT_CALLOUT_LEAD] = "",
    };
    fputs(mark[k], f);
}

static const struct report_prose_markup MARKDOWN = {
    .escape = report_md_escape,
    .code = md_code,
    .heading = md_heading,
    .callout_begin = md_callout_begin,
    .callout_end = {"\n\n", "\n\n", "\n\n", "\n\n"},
    .para_begin = "",
    .para_end = "\n\n",
    .list_begin = "",
    .list_end = "\n",
    .item_begin = "- ",
    .item_end = "\n",
    .strong_begin = "**",
    .strong_end = "**",
    .charts = false,
    .callout_bold = false,
};

/* ---- HTML ---- */

static void html_code(FILE *f, const char *s)
{
    fputs("<code>", f);
    svg_escape(f, s);
    fputs("</code>", f);
}

static void html_heading(FILE *f, int level, const char *id, const char *text)
{
    if (id)
        fprintf(f, "<h%d id=\"%s\">", level, id);
    else
        fprintf(f, "<h%d>", level);
    svg_escape(f, text);
    fprintf(f, "</h%d>\n", level);
}

static void html_callout_begin(FILE *f, enum report_callout k, const char *id)
{
    static const char *const open[] = {
        [REPORT_CALLOUT_PASS] = "<div class=\"banner pass\"",
        [REPORT_CALLOUT_FAIL] = "<div class=\"banner fail\"",
        [REPORT_CALLOUT_WARN] = "<div class=\"banner warn\"",
        [REPORT_CALLOUT_LEAD] = "<p class=\"sentence\"",
    };
    fputs(open[k], f);
    if (id)
        fprintf(f, " id=\"%s\"", id);
    fputc('>', f);
}

static const struct report_prose_markup HTML = {
    .escape = svg_escape,
    .code = html_code,
    .heading = html_heading,
    .callout_begin = html_callout_begin,
    .callout_end = {"</div>\n", "</div>\n", "</div>\n", "</p>\n"},
    .para_begin = "<p>",
    .para_end = "</p>\n",
    .list_begin = "<ul>\n",
    .list_end = "</ul>\n",
    .item_begin = "<li>",
    .item_end = "</li>\n",
    .strong_begin = "<b>",
    .strong_end = "</b>",
    .charts = true,
    .callout_bold = true,
};

/* ---- the writer ---- */

void report_prose_init(struct report_prose *w, FILE *f, enum report_markup m)
{
    *w = (struct report_prose){.f = f, .markup = m, .impl = m == REPORT_HTML ? &HTML : &MARKDOWN};
}

void report_prose_heading(struct report_prose *w, int level, const char *id, const char *text)
{
    w->impl->heading(w->f, level < 1 ? 1 : level > 6 ? 6 : level, id, text);
}

void report_prose_para_begin(struct report_prose *w)
{
    fputs(w->impl->para_begin, w->f);
}

void report_prose_para_end(struct report_prose *w)
{
    fputs(w->impl->para_end, w->f);
}

void report_prose_list_begin(struct report_prose *w)
{
    fputs(w->impl->list_begin, w->f);
}

void report_prose_item_begin(struct report_prose *w)
{
    fputs(w->impl->item_begin, w->f);
}

void report_prose_item_end(struct report_prose *w)
{
    fputs(w->impl->item_end, w->f);
}

void report_prose_list_end(struct report_prose *w)
{
    fputs(w->impl->list_end, w->f);
}

void report_prose_callout_begin(struct report_prose *w, enum report_callout k, const char *id)
{
    w->impl->callout_begin(w->f, k, id);
    w->callout = k;
    w->in_callout = true;
}

void report_prose_callout_end(struct report_prose *w)
{
    fputs(w->impl->callout_end[w->callout], w->f);
    w->in_callout = false;
}

void report_prose_strong_begin(struct report_prose *w)
{
    if (!(w->in_callout && w->impl->callout_bold))
        fputs(w->impl->strong_begin, w->f);
}

void report_prose_strong_end(struct report_prose *w)
{
    if (!(w->in_callout && w->impl->callout_bold))
        fputs(w->impl->strong_end, w->f);
}

void report_prose_text(struct report_prose *w, const char *s)
{
    w->impl->escape(w->f, s);
}

void report_prose_code(struct report_prose *w, const char *s)
{
    if (s && *s)
        w->impl->code(w->f, s);
}

void report_prose_raw(struct report_prose *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(w->f, fmt, ap);
    va_end(ap);
}

void report_prose_chart(struct report_prose *w, void (*chart)(const struct report *, FILE *),
                        const struct report *r)
{
    if (w->impl->charts)
        chart(r, w->f);
}
