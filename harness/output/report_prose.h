/*
 * report_prose.h — the writer the reports' sentences are written with
 * (report_sections.c), so that each sentence is written once for report.md
 * and report.html: headings, paragraphs, lists, emphasis, inline code and
 * callouts (the banners and the plan's recommendation), each in Markdown
 * (GitHub flavour) or HTML. What the text says is the caller's; how it is
 * marked up is the writer's. The tables have their own writer
 * (report_table.c).
 *
 * Text from the inputs goes through report_prose_text or report_prose_code,
 * which escape it for the markup (Markdown: report_md_escape; HTML:
 * svg_escape), so it can hold anything. report_prose_raw writes constant
 * text and formatted numbers as they are.
 *
 * The writer never fails by itself: write errors stay in the FILE for the
 * caller's ferror.
 */
#ifndef GATECAP_REPORT_PROSE_H
#define GATECAP_REPORT_PROSE_H

#include <stdbool.h>
#include <stdio.h>

#include "output/report_int.h"

/* What a callout is: a gate verdict, a warning, or the one sentence a
 * section leads with (the plan's recommendation). Markdown: a quote marked
 * ✅, ❌ or ⚠️, or for a lead a plain paragraph. HTML: a <div> of CSS class
 * "banner pass", "banner fail" or "banner warn", or a <p> of class
 * "sentence". */
enum report_callout {
    REPORT_CALLOUT_PASS,
    REPORT_CALLOUT_FAIL,
    REPORT_CALLOUT_WARN,
    REPORT_CALLOUT_LEAD,
};

struct report_prose_markup; /* the implementation of one markup (report_prose.c) */

/* A writer: set up with report_prose_init; borrows f. */
struct report_prose {
    FILE *f;
    enum report_markup markup;
    const struct report_prose_markup *impl;
    enum report_callout callout; /* the open callout's kind, when in_callout */
    bool in_callout;
};

/* Sets up w to write markup m to f (borrowed: neither flushed nor closed). */
void report_prose_init(struct report_prose *w, FILE *f, enum report_markup m);

/* A heading of level 1 to 6 with text (escaped). id: the HTML element's
 * id, a constant of letters, digits and '-' (Markdown has none), or NULL. */
void report_prose_heading(struct report_prose *w, int level, const char *id, const char *text);

/* A paragraph: its text is written between begin and end. */
void report_prose_para_begin(struct report_prose *w);
void report_prose_para_end(struct report_prose *w);

/* A bulleted list of items, each written between item_begin and
 * item_end. */
void report_prose_list_begin(struct report_prose *w);
void report_prose_item_begin(struct report_prose *w);
void report_prose_item_end(struct report_prose *w);
void report_prose_list_end(struct report_prose *w);

/* A callout of kind k, its text written between begin and end. id: as in
 * report_prose_heading, or NULL. Callouts do not nest. */
void report_prose_callout_begin(struct report_prose *w, enum report_callout k, const char *id);
void report_prose_callout_end(struct report_prose *w);

/* Strong emphasis around what is written between begin and end (nothing
 * in HTML inside a callout, which is bold already). Does not nest. */
void report_prose_strong_begin(struct report_prose *w);
void report_prose_strong_end(struct report_prose *w);

/* s, text from the inputs, escaped for the markup. NULL writes nothing. */
void report_prose_text(struct report_prose *w, const char *s);

/* s as inline code: Markdown, a code span fenced by more backticks than s
 * holds in a row (line breaks and control characters as a space); HTML,
 * <code> with s escaped. NULL or "" writes nothing. */
void report_prose_code(struct report_prose *w, const char *s);

/* Constant text and formatted numbers, printf-style, written unescaped:
 * never text from the inputs. */
void report_prose_raw(struct report_prose *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A chart where the text places it: chart(r, w->f) in HTML (one of
 * report_chart_*); nothing in Markdown, which has none. */
void report_prose_chart(struct report_prose *w, void (*chart)(const struct report *, FILE *),
                        const struct report *r);

#endif
