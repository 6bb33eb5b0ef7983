/*
 * hlog.h — HdrHistogram interval logs (format 1.3), the ".hlog" files that
 * the reference Java tools (HistogramLogReader, HistogramLogProcessor,
 * HistogramLogAnalyzer) and hdr-histogram-js read and write.
 *
 * A log as gatecap writes it (see docs/hlog.md):
 *
 *   #[Histogram log format version 1.3]
 *   #[StartTime: 1700000000.000 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]
 *   #[BaseTime: 1700000000.000 (seconds since epoch)]
 *   #[Value unit: microseconds; Interval_Max = max / 1000 (milliseconds)]
 *   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
 *   Tag=latency,0.000,1.000,2.116,HISTFAAAAB...
 *
 * Column 1 is the interval start in seconds relative to BaseTime, column 2
 * the interval LENGTH in seconds, column 3 the interval's max value divided
 * by HLOG_MAX_VALUE_RATIO (µs -> ms), column 4 the base64 compressed V2
 * histogram (hdr_codec.h). Numbers are always written in the C locale.
 *
 * Modules never print: readers report errors and warnings through the
 * reader (hlog_reader_error, hlog_reader_info). No globals; one reader or
 * writer per thread at a time.
 */
#ifndef GATECAP_HLOG_H
#define GATECAP_HLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "measure/hdr.h"

/* Error codes (negative); hlog_strerror() names them. */
enum {
    HLOG_OK = 0,
    HLOG_EINVAL = -1, /* bad argument: NULL, a tag with ',', ' ', CR or LF, ... */
    HLOG_ENOMEM = -2, /* allocation failed */
    HLOG_EIO = -3,    /* reading or writing the FILE failed */
    HLOG_EPARSE = -4, /* a line is not a valid log line (message names it) */
};

/* gatecap records microseconds; Interval_Max is written in milliseconds. */
#define HLOG_MAX_VALUE_RATIO 1000
#define HLOG_FORMAT_VERSION "1.3"

/* Lines longer than this are refused (a histogram of the largest range
 * the format allows stays far below it). */
#define HLOG_MAX_LINE_BYTES (16u * 1024 * 1024)

/* ---- writer ------------------------------------------------------------- */

struct hlog_writer {
    FILE *f;              /* borrowed; the caller opens, renames, closes */
    int64_t base_time_ms; /* epoch ms that interval starts are relative to */
    int err;              /* first error, sticky */
};

/* Starts a log on f: the version line, StartTime and BaseTime (both
 * start_time_ms, milliseconds since the epoch, shown in UTC), the value
 * unit comment and the legend. Interval starts are then written relative
 * to start_time_ms. Borrows f (written with stdio, not flushed). Returns
 * 0, HLOG_EINVAL (NULL, start_time_ms < 0) or HLOG_EIO. */
int hlog_writer_open(struct hlog_writer *w, FILE *f, int64_t start_time_ms);

/* Writes "#text" as a comment line. text must not hold CR or LF
 * (HLOG_EINVAL). Returns 0, HLOG_EINVAL or HLOG_EIO. */
int hlog_writer_comment(struct hlog_writer *w, const char *text);

/* Writes one interval: [Tag=tag,]start,length,max,histogram.
 * start_ms is milliseconds since the epoch (written relative to the
 * log's BaseTime, may be negative), length_ms the interval's length (>= 0).
 * tag may be NULL (untagged); otherwise non-empty, without ',', ' ', CR,
 * LF (HLOG_EINVAL). h is borrowed; its values are microseconds. Returns
 * 0, HLOG_EINVAL, HLOG_ENOMEM or HLOG_EIO. */
int hlog_writer_interval(struct hlog_writer *w, const char *tag, int64_t start_ms,
                         int64_t length_ms, const struct hdr_hist *h);

/* Flushes f and returns the first error any call met (0 if none). Does
 * not close f. */
int hlog_writer_finish(struct hlog_writer *w);

/* ---- reader ------------------------------------------------------------- */

/* Which intervals hlog_reader_next returns. */
struct hlog_read_opts {
    /* only lines with this tag; NULL: untagged lines only (what Java's
     * HistogramLogProcessor does); borrowed */
    const char *tag;
    /* when tag is NULL: only tagged lines whose tag starts with this
     * ("latency/": every tag of that series; "": every tagged line);
     * borrowed */
    const char *tag_prefix;
    /* every line, tagged or not (tag and tag_prefix are then ignored) */
    bool all_tags;
    /* return the lines that pass with hist NULL, their histogram neither
     * decoded nor checked (to list a log's tags quickly) */
    bool skip_histograms;
    double start_s; /* intervals starting at or after this... */
    double end_s;   /* ...and at or before this (seconds, see absolute) */
    bool absolute;  /* start_s/end_s in seconds since the epoch instead of
                       relative to the log's StartTime */
};

/* Every interval, untagged lines only, any time (0 .. +inf, relative). */
void hlog_read_opts_default(struct hlog_read_opts *o);

/* One interval line. */
struct hlog_interval {
    const char *tag;       /* NULL when untagged; borrowed from the reader,
                              valid until the next call */
    double start_s;        /* absolute start: seconds since the epoch (or the
                              log's own zero when it states no times) */
    double offset_s;       /* start relative to the log's StartTime */
    double length_s;       /* interval length in seconds */
    double max_column;     /* column 3 as written (writer's max / ratio) */
    long line;             /* 1-based line number in the file */
    struct hdr_hist *hist; /* owned by the caller (hdr_close); NULL with
                              skip_histograms */
};

/* A warning or error, tied to a line (0 when not about one line). */
struct hlog_diag {
    long line;
    char msg[224];
};

#define HLOG_MAX_WARNINGS 8

/* What the reader has learned so far. */
struct hlog_info {
    bool has_start_time;   /* a "#[StartTime: " comment was seen */
    double start_time_s;   /* StartTime, or the first interval's timestamp */
    bool has_base_time;    /* a "#[BaseTime: " comment was seen */
    double base_time_s;    /* BaseTime, or deduced: 0 (absolute stamps) or
                              StartTime (relative stamps), Java's rule */
    bool times_known;      /* start/base settled (at the first interval) */
    int64_t value_unit_ns; /* from gatecap's "#[Value unit: " comment:
                              1 ns, 1000 µs, 10^6 ms, 10^9 s; 0 if absent */
    long lines;            /* lines read so far */
    long intervals;        /* interval lines returned */
    long skipped_tag;      /* interval lines skipped for their tag */
    long skipped_time;     /* interval lines skipped for their start time */
    bool stopped_at_end;   /* reading stopped at a line past end_s */
    int warning_count;     /* warnings[0 .. min(count, HLOG_MAX_WARNINGS)) */
    struct hlog_diag warnings[HLOG_MAX_WARNINGS];
};

struct hlog_reader;

/* Creates a reader of f (borrowed; read from its current position, never
 * closed here). opts may be NULL (hlog_read_opts_default); it is copied,
 * but opts->tag is borrowed and must outlive the reader. *out is owned by
 * the caller (hlog_reader_close). Returns 0, HLOG_EINVAL or HLOG_ENOMEM. */
int hlog_reader_open(FILE *f, const struct hlog_read_opts *opts, struct hlog_reader **out);

/* Reads up to the next interval that passes the filters and decodes it.
 * Returns 1 with *iv filled (iv->hist owned by the caller), 0 at the end
 * of the log (or at the first interval starting after end_s, as Java's
 * reader stops there), or HLOG_EPARSE / HLOG_EIO / HLOG_ENOMEM with the
 * reason in hlog_reader_error(); a reader that failed stays failed.
 *
 * Rules (Java's HistogramLogReader 2.1.11 where it has one): '#' lines are
 * comments; "#[StartTime: S" and "#[BaseTime: B" set the times; the
 * legend line is skipped; blank lines are skipped. Without BaseTime, the
 * first interval's timestamp decides: more than a year before StartTime
 * means timestamps are relative to StartTime, otherwise absolute. The time
 * filter looks at the interval start before its histogram is decoded. A
 * last line without its newline that does not parse is a half-written
 * line: it is skipped with a warning, not an error. */
int hlog_reader_next(struct hlog_reader *r, struct hlog_interval *iv);

/* The reader's state: times, unit, counters, warnings. Borrowed; valid
 * until hlog_reader_close. */
const struct hlog_info *hlog_reader_info(const struct hlog_reader *r);

/* The last error ("interval start 'x' is not a number") and its line
 * (0 if not about a line); "" when there was none. Borrowed. */
const char *hlog_reader_error(const struct hlog_reader *r);
long hlog_reader_error_line(const struct hlog_reader *r);

/* Frees the reader (not its FILE); NULL is fine. */
void hlog_reader_close(struct hlog_reader *r);

/* ---- formatting helpers --------------------------------------------------- */

/* Formats v with `decimals` digits after the point exactly as Java's
 * Formatter does for "%.Nf" (the shortest decimal that reads back as v,
 * rounded half-up; C's printf rounds the exact binary value instead, so
 * e.g. 1.2345 at 3 decimals is "1.235" here and "1.234" in printf). C
 * locale; NaN and infinities as Java writes them. Writes at most size
 * bytes including the NUL; returns 0 or HLOG_EINVAL (too small). */
int hlog_format_fixed(char *buf, size_t size, double v, int decimals);

/* Formats an epoch time like Java's Date.toString() in UTC:
 * "Tue Nov 14 22:13:20 UTC 2023". Returns 0 or HLOG_EINVAL. */
int hlog_format_date_utc(char *buf, size_t size, int64_t epoch_ms);

/* Static message for an HLOG_* code. */
const char *hlog_strerror(int err);

#endif
