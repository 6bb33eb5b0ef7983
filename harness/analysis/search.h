/*
 * search.h — the adaptive capacity search: the highest arrival rate that
 * meets an SLO, found with few probes (bracketing by doubling, then
 * bisection to a relative precision). Pure logic: the caller runs each
 * probe and says whether it met the SLO; cmd_search.c does the running.
 */
#ifndef GATECAP_SEARCH_H
#define GATECAP_SEARCH_H

#include <stdbool.h>

enum search_end {
    SEARCH_RUNNING = 0,
    SEARCH_FOUND,     /* good < capacity < bad, (bad − good) ≤ precision × good */
    SEARCH_AT_LEAST,  /* the upper bound itself met the SLO: capacity ≥ max */
    SEARCH_BELOW,     /* even the lowest probe failed: capacity < good floor */
    SEARCH_EXHAUSTED, /* the probe budget ran out before the precision */
};

struct search {
    double from_rps, max_rps, precision; /* precision: relative, e.g. 0.02 */
    int max_probes;
    double good_rps; /* highest rate that met the SLO; 0: none yet */
    double bad_rps;  /* lowest rate that failed it; 0: none yet */
    int probes;
    int halvings; /* probes below from_rps after it failed */
};

/* At most this many halvings below from_rps when from_rps fails. */
#define SEARCH_MAX_HALVINGS 4

/* Starts a search from from_rps (> 0) up to max_rps (≥ from_rps), to a
 * relative precision (0 < precision < 1), in at most max_probes (≥ 1)
 * probes. Returns 0, or -1 when an argument is out of range. */
int search_init(struct search *s, double from_rps, double max_rps, double precision,
                int max_probes);

/* The next rate to probe, or 0 when the search is over (search_end says
 * how). */
double search_next(const struct search *s);

/* Records the verdict of a probe at rate_rps. */
void search_record(struct search *s, double rate_rps, bool met_slo);

/* How the search stands. */
enum search_end search_end(const struct search *s);

/* "found", "at-least", "below", "exhausted", "running". */
const char *search_end_name(enum search_end e);

#endif
