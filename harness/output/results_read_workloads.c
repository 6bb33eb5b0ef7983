/*
 * results_read_workloads.c — the "workloads" section of a results.json
 * (a run with `workloads:`; docs/results.md) into the model; see
 * results_read.h. A file without it (every run without workloads, and
 * files of older gatecaps) reads as no workloads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/results_read_int.h"

void reader_workloads(struct reader *d, const json_t *root)
{
    struct results *r = d->r;
    json_t *all = jsonread_maybe(&d->j, root, "", "workloads", JSON_OBJECT);
    if (!all || !json_object_size(all))
        return;
    if (!(r->workloads = jsonread_array(&d->j, json_object_size(all), sizeof *r->workloads)))
        return;
    const char *name;
    json_t *o;
    json_object_foreach(all, name, o)
    {
        if (d->j.rc)
            return;
        char w[320];
        snprintf(w, sizeof w, "workloads.%s", name);
        if (!json_is_object(o)) {
            jsonread_damaged(&d->j, "%s is not an object", w);
            return;
        }
        struct results_workload *wl = &r->workloads[r->n_workloads++];
        wl->name = jsonread_keep(&d->j, name);
        wl->model = jsonread_str(&d->j, o, w, "model");
        if (!d->j.rc &&
            (!wl->model || (strcmp(wl->model, "open") && strcmp(wl->model, "closed")))) {
            jsonread_damaged(&d->j, "%s.model is neither \"open\" nor \"closed\"", w);
            return;
        }
        wl->workers = jsonread_num(&d->j, o, w, "workers", JSONREAD_COUNT);
        wl->recorded_s = jsonread_num(&d->j, o, w, "recorded_s", JSONREAD_NONNEG);
        wl->scheduled = jsonread_num(&d->j, o, w, "scheduled", JSONREAD_COUNT);
        wl->late = jsonread_num(&d->j, o, w, "late", JSONREAD_COUNT);
        wl->offered_rps = jsonread_num(&d->j, o, w, "offered_rps", JSONREAD_NONNEG);
        wl->achieved_rps = jsonread_num(&d->j, o, w, "achieved_rps", JSONREAD_NONNEG);
        char f[340];
        const json_t *a = jsonread_need(&d->j, o, w, "phases", JSON_ARRAY);
        if (a)
            jsonread_strings(&d->j, a, jsonread_field(f, sizeof f, w, "phases"), &wl->phases,
                             &wl->n_phases);
        a = jsonread_need(&d->j, o, w, "requests", JSON_ARRAY);
        if (a)
            jsonread_strings(&d->j, a, jsonread_field(f, sizeof f, w, "requests"), &wl->requests,
                             &wl->n_requests);
        const json_t *t = jsonread_need(&d->j, o, w, "totals", JSON_OBJECT);
        if (t)
            reader_cell(d, t, jsonread_field(f, sizeof f, w, "totals"), wl->name, &wl->total);
    }
    /* each interval's workloads, by name */
    const char **names = jsonread_array(&d->j, r->n_workloads, sizeof *names);
    const json_t *ivs = json_object_get(root, "intervals");
    for (size_t i = 0; names && i < r->n_workloads; i++)
        names[i] = r->workloads[i].name;
    for (size_t i = 0; names && !d->j.rc && i < r->n_intervals; i++) {
        char w[48];
        snprintf(w, sizeof w, "intervals[%zu]", i);
        reader_slices(d, json_array_get(ivs, i), w, "workloads", names, r->n_workloads,
                      "\"workloads\"", &r->intervals[i].workloads);
    }
    free(names);
}
