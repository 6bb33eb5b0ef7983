/*
 * search.c — bracketing and bisection over arrival rates; see search.h.
 */
#include "analysis/search.h"

#include <math.h>

int search_init(struct search *s, double from_rps, double max_rps, double precision, int max_probes)
{
    if (!(from_rps > 0) || !(max_rps >= from_rps) || !isfinite(max_rps) || !(precision > 0) ||
        !(precision < 1) || max_probes < 1)
        return -1;
    *s = (struct search){
        .from_rps = from_rps, .max_rps = max_rps, .precision = precision, .max_probes = max_probes};
    return 0;
}

enum search_end search_end(const struct search *s)
{
    if (s->good_rps > 0 && s->good_rps >= s->max_rps)
        return SEARCH_AT_LEAST;
    if (s->good_rps > 0 && s->bad_rps > 0 && s->bad_rps - s->good_rps <= s->precision * s->good_rps)
        return SEARCH_FOUND;
    if (!(s->good_rps > 0) && s->bad_rps > 0 && s->halvings >= SEARCH_MAX_HALVINGS)
        return SEARCH_BELOW;
    if (s->probes >= s->max_probes)
        return SEARCH_EXHAUSTED;
    return SEARCH_RUNNING;
}

double search_next(const struct search *s)
{
    if (search_end(s) != SEARCH_RUNNING)
        return 0;
    if (!(s->good_rps > 0) && !(s->bad_rps > 0))
        return s->from_rps;
    if (!(s->bad_rps > 0)) /* still bracketing upwards */
        return fmin(s->good_rps * 2, s->max_rps);
    if (!(s->good_rps > 0)) /* the start failed: look below it */
        return s->bad_rps / 2;
    return (s->good_rps + s->bad_rps) / 2;
}

void search_record(struct search *s, double rate_rps, bool met_slo)
{
    s->probes++;
    if (met_slo) {
        if (rate_rps > s->good_rps)
            s->good_rps = rate_rps;
    } else {
        if (!(s->bad_rps > 0) || rate_rps < s->bad_rps)
            s->bad_rps = rate_rps;
        if (!(s->good_rps > 0) && rate_rps < s->from_rps)
            s->halvings++;
    }
}

const char *search_end_name(enum search_end e)
{
    static const char *const names[] = {"running", "found", "at-least", "below", "exhausted"};
    return names[e];
}
