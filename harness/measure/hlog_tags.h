/*
 * hlog_tags.h — the tags of an interval log (hlog.h): which distinct tags
 * it holds, read without decoding a histogram, and the series a tag
 * belongs to.
 *
 * A tag's series is what comes before its first '/': gatecap tags its
 * lines latency|service/PHASE/REQUEST/NODE, so "latency" and "service"
 * are its series (docs/hlog.md). Untagged lines and tags without '/'
 * belong to no series (""). Lines of different series measure different
 * things and are never merged (cmd_hlog.c).
 *
 * Nothing here prints; no globals.
 */
#ifndef GATECAP_HLOG_TAGS_H
#define GATECAP_HLOG_TAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The distinct tags of a log. */
struct hlog_tags {
    char **names; /* owned; sorted by strcmp after hlog_tags_read */
    size_t n;
    bool untagged; /* untagged lines were seen too */
    /* private: a hash set over names (open addressing, at most half full) */
    size_t cap, *slot, n_slots;
};

/* Reads every interval line of f (borrowed, from its current position)
 * whose start lies in [start_s, end_s] seconds after the log's StartTime
 * (0, INFINITY: all), without decoding histograms, into *t (zeroed first;
 * hlog_tags_free it either way). Returns 0 (HLOG_OK), HLOG_ENOMEM, or
 * HLOG_EPARSE / HLOG_EIO with the reason and its line in err (errlen
 * bytes) and *err_line. */
int hlog_tags_read(FILE *f, double start_s, double end_s, struct hlog_tags *t, char *err,
                   size_t errlen, long *err_line);

/* Adds tag (copied) unless t holds it already; t's names are then in
 * first-seen order, not sorted. Returns 0 or HLOG_ENOMEM. */
int hlog_tags_add(struct hlog_tags *t, const char *tag);

/* Whether t holds tag exactly (prefix false) or a tag starting with it
 * (prefix true). */
bool hlog_tags_has(const struct hlog_tags *t, const char *tag, bool prefix);

/* Frees what t owns; t is zeroed. */
void hlog_tags_free(struct hlog_tags *t);

/* The length of tag's series name (the bytes before its first '/'), or 0
 * when it has none (NULL: an untagged line, or no '/'). */
size_t hlog_tags_series_len(const char *tag);

#endif
