/*
 * metrics_text.c — a snapshot (metrics.h) in Prometheus' text exposition
 * format 0.0.4: # HELP and # TYPE once per family, then its series; the
 * native histograms are left out (the format has none: their classic
 * _bucket, _sum and _count series stand for them). No timestamps: the
 * scraper stamps what it reads.
 */
#include <stdio.h>
#include <stdlib.h>

#include "output/metrics.h"

/* A label value escaped as the format wants: \\, \" and \n. */
static void put_value(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            fputs("\\\\", f);
        else if (*v == '"')
            fputs("\\\"", f);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

/* HELP text escaped: \\ and \n. */
static void put_help(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            fputs("\\\\", f);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

int metrics_text(const struct metrics_snap *s, char **out, size_t *len)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    *out = NULL;
    *len = 0;
    FILE *f = open_memstream(out, len);
    if (!f)
        return -1;
    size_t family = SIZE_MAX;
    for (size_t i = 0; i < s->n_series; i++) {
        const struct metrics_series *x = &s->series[i];
        if (x->native)
            continue;
        if (x->family != family) {
            const struct metrics_family *fam = metrics_family_at(x->family);
            family = x->family;
            fprintf(f, "# HELP %s ", fam->name);
            put_help(f, fam->help);
            fprintf(f, "\n# TYPE %s %s\n", fam->name, types[fam->type]);
        }
        fputs(x->name, f);
        for (size_t l = 0; l < x->n_labels; l++) {
            fprintf(f, "%c%s=\"", l ? ',' : '{', x->labels[l].name);
            put_value(f, x->labels[l].value);
            fputc('"', f);
        }
        fprintf(f, "%s %.17g\n", x->n_labels ? "}" : "", x->value);
    }
    if (fclose(f)) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}
