/*
 * cmd_hlog.c — `gatecap hlog FILE [--tag T | --tag-prefix P | --all-tags]
 *              [--start S] [--end E] [--unit-ratio R] [--json]`, and
 *              `gatecap hlog FILE --list-tags [--start S] [--end E]`
 *
 * Merges the selected intervals of an interval log and prints the merged
 * histogram: a short summary, then its percentile distribution exactly as
 * Java's HistogramLogProcessor writes its .hgrm file (same lines, same
 * number formatting), so the two can be diffed. Selection follows the Java
 * tool: without --tag only untagged lines count; --start/--end are seconds
 * after the log's StartTime and select on the interval start.
 *
 * Series: a tag's series is what comes before its first '/' (gatecap tags
 * latency|service/PHASE/REQUEST/NODE); untagged lines and tags without
 * '/' have none. --all-tags and --tag-prefix merge lines of one series
 * only: latency and service times are different measures, and gatecap's
 * untagged lines already hold every request's latency, so adding them up
 * would count requests twice and mix measures. A tag or prefix that no
 * line of the log has is an input error that lists the tags there are
 * (--list-tags prints them all, as Java's -listtags does).
 *
 * Units: values are divided by the unit ratio before printing. By default
 * the output is in milliseconds: a log that states its value unit (gatecap
 * writes "#[Value unit: microseconds ...") is divided accordingly (1000 for
 * gatecap's µs); a log that does not is taken to hold nanoseconds and
 * divided by 10^6 — Java's HistogramLogProcessor default — so `gatecap hlog`
 * and the Java tool print the same numbers for Java-written logs.
 * --unit-ratio R overrides (Java's -outputValueUnitRatio).
 */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cmd.h"
#include "measure/hdr.h"
#include "measure/hlog.h"
#include "measure/hlog_tags.h"

#define JAVA_DEFAULT_RATIO 1e6 /* HistogramLogProcessor: ns -> ms */
#define PERCENTILE_TICKS 5     /* ticks per half distance, Java's default */

struct hlog_cmd {
    const char *file;
    const char *tag;
    const char *tag_prefix;
    bool all_tags;
    bool list_tags;
    double start_s;
    double end_s;
    bool json;
    double unit_ratio; /* 0: from the log (see above) */
};

#define MAX_SERIES 8 /* series told apart in a message; more are counted */

/* The series of the lines merged, and how many lines each. */
struct series_seen {
    size_t n;
    char name[MAX_SERIES][64]; /* "" for none: untagged, or a tag without '/' */
    long lines[MAX_SERIES];
    long more;                 /* lines of series beyond MAX_SERIES */
    bool untagged, plain_tags; /* series "" came from untagged lines, tags without '/' */
};

struct hlog_result {
    struct hdr_hist *merged; /* owned */
    struct series_seen series;
    long intervals;
    double first_offset_s;
    double last_offset_s;
    bool have_start; /* StartTime as it was at the first interval */
    double start_time_s;
    int64_t value_unit_ns;
    double ratio;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: gatecap hlog FILE [--tag T | --tag-prefix P | --all-tags] [--start S]\n"
               "                    [--end E] [--unit-ratio R] [--json]\n"
               "       gatecap hlog FILE --list-tags [--start S] [--end E]\n"
               "  Merges the intervals of an HdrHistogram interval log (.hlog) and prints\n"
               "  the percentile distribution as Java's HistogramLogProcessor (.hgrm).\n"
               "  --tag T        only lines tagged T (default: untagged lines only; in\n"
               "                 gatecap's logs, every request's latency)\n"
               "  --tag-prefix P only lines whose tag starts with P, e.g. latency/ or\n"
               "                 service/steady/ (gatecap's tags: latency|service/PHASE/\n"
               "                 REQUEST/NODE)\n"
               "  --all-tags     every line, tagged or not, if they are of one series\n"
               "                 (the part of a tag before its first '/')\n"
               "  --list-tags    print the log's tags, as Java's -listtags\n"
               "  --start S      intervals starting S seconds or more after StartTime\n"
               "  --end E        ... and at most E seconds after it\n"
               "  --unit-ratio R divide values by R (default: to milliseconds; 1000 for\n"
               "                 gatecap's µs logs, 1000000 for logs that do not say, as Java)\n"
               "  --json         print JSON instead of the .hgrm text\n");
}

/* A whole argument as a finite number, C locale. */
static bool parse_double(const char *s, double *out)
{
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c == (locale_t)0)
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod_l(s, &end, c);
    freelocale(c);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* Returns 0 or EXIT_INPUT after printing the problem. */
static int parse_args(int argc, char **argv, struct hlog_cmd *c)
{
    memset(c, 0, sizeof(*c));
    c->end_s = INFINITY;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        const char *opts_with_value[] = {"--tag-prefix", "--tag", "--start", "--end",
                                         "--unit-ratio"};
        bool takes_value = false;
        for (size_t k = 0; k < sizeof(opts_with_value) / sizeof(opts_with_value[0]); k++) {
            size_t n = strlen(opts_with_value[k]);
            if (strncmp(a, opts_with_value[k], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                takes_value = true;
                if (a[n] == '=') {
                    val = a + n + 1;
                } else if (i + 1 < argc) {
                    val = argv[++i];
                } else {
                    fprintf(stderr, "gatecap hlog: %s needs a value\n", opts_with_value[k]);
                    return EXIT_INPUT;
                }
                break;
            }
        }
        if (takes_value) {
            double v = 0;
            if (strncmp(a, "--tag", 5) == 0) {
                bool prefix = a[5] == '-';
                if (val[0] == '\0' || strpbrk(val, ", \r\n") != NULL) {
                    fprintf(stderr,
                            "gatecap hlog: %s '%s': a tag%s is non-empty and holds no "
                            "comma, space or line break\n",
                            prefix ? "--tag-prefix" : "--tag", val, prefix ? " prefix" : "");
                    return EXIT_INPUT;
                }
                *(prefix ? &c->tag_prefix : &c->tag) = val;
            } else if (!parse_double(val, &v)) {
                fprintf(stderr, "gatecap hlog: %.*s '%s' is not a number\n", (int)strcspn(a, "="),
                        a, val);
                return EXIT_INPUT;
            } else if (strncmp(a, "--start", 7) == 0) {
                c->start_s = v;
            } else if (strncmp(a, "--end", 5) == 0) {
                c->end_s = v;
            } else {
                if (v <= 0) {
                    fprintf(stderr, "gatecap hlog: --unit-ratio must be > 0, not '%s'\n", val);
                    return EXIT_INPUT;
                }
                c->unit_ratio = v;
            }
        } else if (!strcmp(a, "--all-tags")) {
            c->all_tags = true;
        } else if (!strcmp(a, "--list-tags")) {
            c->list_tags = true;
        } else if (!strcmp(a, "--json")) {
            c->json = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "gatecap hlog: unknown option '%s'\n", a);
            usage(stderr);
            return EXIT_INPUT;
        } else if (c->file == NULL) {
            c->file = a;
        } else {
            fprintf(stderr, "gatecap hlog: one log file at a time ('%s' and '%s')\n", c->file, a);
            return EXIT_INPUT;
        }
    }
    if (c->file == NULL) {
        fprintf(stderr, "gatecap hlog: which log? give a FILE\n");
        usage(stderr);
        return EXIT_INPUT;
    }
    if ((c->tag != NULL) + (c->tag_prefix != NULL) + c->all_tags + c->list_tags > 1) {
        fprintf(stderr, "gatecap hlog: --tag, --tag-prefix, --all-tags and --list-tags exclude "
                        "each other; give one\n");
        return EXIT_INPUT;
    }
    if (c->list_tags && (c->json || c->unit_ratio > 0)) {
        fprintf(stderr, "gatecap hlog: --list-tags prints tags, not values: leave out %s\n",
                c->json ? "--json" : "--unit-ratio");
        return EXIT_INPUT;
    }
    if (c->end_s < c->start_s) {
        fprintf(stderr, "gatecap hlog: --end %g is before --start %g\n", c->end_s, c->start_s);
        return EXIT_INPUT;
    }
    return 0;
}

/* Adds h into *acc like Java's auto-resizing accumulator in
 * HistogramLogProcessor: shaped like the first interval, grown (to h's
 * max) when a later interval holds larger values. */
static int merge_into(struct hdr_hist **acc, const struct hdr_hist *h)
{
    if (*acc == NULL) {
        int rc = hdr_init(h->lowest_discernible, h->highest_trackable, h->sigfigs, acc);
        if (rc != HDR_OK)
            return rc;
    } else {
        struct hdr_hist *a = *acc;
        int64_t top = hdr_highest_equivalent(a, hdr_value_at_index(a, a->counts_len - 1));
        int64_t need = hdr_max(h);
        if (top < need) {
            struct hdr_hist *grown = NULL;
            int rc = hdr_init(a->lowest_discernible, need, a->sigfigs, &grown);
            if (rc != HDR_OK)
                return rc;
            hdr_add(grown, a);
            hdr_close(a);
            *acc = grown;
        }
    }
    hdr_add(*acc, h); /* anything that still does not fit lands in overflow_count */
    return HDR_OK;
}

static const char *unit_name(int64_t ns)
{
    switch (ns) {
    case 1:
        return "nanoseconds";
    case 1000:
        return "microseconds";
    case 1000000:
        return "milliseconds";
    case 1000000000:
        return "seconds";
    default:
        return NULL;
    }
}

/* Java's "%W.Nf" (Formatter semantics) into a caller buffer. */
static const char *jfix(char *buf, size_t size, int width, double v, int decimals)
{
    char tmp[400];
    if (hlog_format_fixed(tmp, sizeof(tmp), v, decimals) != HLOG_OK)
        snprintf(tmp, sizeof(tmp), "?");
    snprintf(buf, size, "%*s", width, tmp);
    return buf;
}

static void print_diag(const char *file, long line, const char *what, const char *msg)
{
    if (line > 0)
        fprintf(stderr, "gatecap hlog: %s%s:%ld: %s\n", what, file, line, msg);
    else
        fprintf(stderr, "gatecap hlog: %s%s: %s\n", what, file, msg);
}

/* ---- series and tags ---- */

/* Counts one merged line under its series (see the top of this file). */
static void note_series(struct series_seen *s, const char *tag)
{
    size_t len = hlog_tags_series_len(tag);
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1),
             len ? tag : "");
    if (!len)
        *(tag ? &s->plain_tags : &s->untagged) = true;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name)) {
            s->lines[i]++;
            return;
        }
    if (s->n == MAX_SERIES) {
        s->more++;
        return;
    }
    snprintf(s->name[s->n], sizeof s->name[s->n], "%s", name);
    s->lines[s->n++] = 1;
}

/* When the merged lines are of more than one series: says which and what
 * to give instead, and returns true. */
static bool mixed_series(const struct hlog_cmd *c, const struct series_seen *s)
{
    if (s->n + (s->more > 0) < 2)
        return false;
    fprintf(stderr, "gatecap hlog: %s: %s would add up different measures: ", c->file,
            c->all_tags ? "--all-tags" : "this --tag-prefix");
    for (size_t i = 0; i < s->n; i++) {
        if (s->name[i][0])
            fprintf(stderr, "%s%s/... (%ld lines)", i ? ", " : "", s->name[i], s->lines[i]);
        else
            fprintf(stderr, "%s%s (%ld lines)", i ? ", " : "",
                    s->untagged && s->plain_tags ? "untagged lines and tags without '/'"
                    : s->untagged                ? "untagged lines"
                                                 : "tags without '/'",
                    s->lines[i]);
    }
    if (s->more)
        fprintf(stderr, " and %ld lines of other series", s->more);
    fprintf(stderr, ". Merge one series: ");
    for (size_t i = 0; i < s->n; i++)
        if (s->name[i][0])
            fprintf(stderr, "--tag-prefix %s/, ", s->name[i]);
    fprintf(stderr, "or no option for the untagged lines (in gatecap's logs, every "
                    "request's latency)\n");
    return true;
}

/* Every tag of the log between start and end (histograms not decoded),
 * sorted, into *t. Returns 0 or an exit code after printing the problem. */
static int read_tags(const struct hlog_cmd *c, double start_s, double end_s, struct hlog_tags *t)
{
    FILE *f = fopen(c->file, "r");
    if (f == NULL) {
        memset(t, 0, sizeof *t);
        fprintf(stderr, "gatecap hlog: cannot open %s: %s\n", c->file, strerror(errno));
        return EXIT_INPUT;
    }
    char err[256];
    long line = 0;
    int rc = hlog_tags_read(f, start_s, end_s, t, err, sizeof err, &line);
    fclose(f);
    if (rc == HLOG_OK)
        return 0;
    if (rc == HLOG_ENOMEM)
        fprintf(stderr, "gatecap hlog: out of memory listing the tags of %s\n", c->file);
    else
        print_diag(c->file, line, "", err);
    hlog_tags_free(t);
    return rc == HLOG_ENOMEM ? EXIT_RUN : EXIT_INPUT;
}

/* --list-tags: what Java's HistogramLogProcessor -listtags prints. */
static int list_tags(const struct hlog_cmd *c)
{
    struct hlog_tags t;
    int code = read_tags(c, c->start_s, c->end_s, &t);
    if (code)
        return code;
    printf("Tags found in input file:\n");
    if (t.untagged)
        printf("[NO TAG (default)]\n");
    for (size_t i = 0; i < t.n; i++)
        printf("%s\n", t.names[i]);
    hlog_tags_free(&t);
    return 0;
}

#define TAGS_SHOWN 20 /* tags named in a message; --list-tags has them all */

/* After a --tag or --tag-prefix that selected nothing: an input error
 * (exit 2, the tags listed) when no line of the whole log has that tag or
 * prefix; 0 when some has (the time range left them out). */
static int unknown_tag(const struct hlog_cmd *c)
{
    struct hlog_tags t;
    int code = read_tags(c, 0, INFINITY, &t);
    if (code)
        return code;
    if (!hlog_tags_has(&t, c->tag ? c->tag : c->tag_prefix, !c->tag)) {
        fprintf(stderr, "gatecap hlog: %s: no line has the tag %s'%s'", c->file,
                c->tag ? "" : "prefix ", c->tag ? c->tag : c->tag_prefix);
        if (t.n == 0) {
            fprintf(stderr, "; its lines are untagged: leave out %s\n",
                    c->tag ? "--tag" : "--tag-prefix");
        } else {
            fprintf(stderr, "; its tags (%zu): ", t.n);
            for (size_t i = 0; i < t.n && i < TAGS_SHOWN; i++)
                fprintf(stderr, "%s%s", i ? ", " : "", t.names[i]);
            if (t.n > TAGS_SHOWN)
                fprintf(stderr, ", ... (gatecap hlog %s --list-tags lists them all)", c->file);
            fprintf(stderr, "%s\n", t.untagged ? "; and untagged lines (no option)" : "");
        }
        code = EXIT_INPUT;
    } else {
        char a[512], b[512];
        fprintf(stderr,
                "gatecap hlog: note: %s: no interval with the tag %s'%s' starts between %s and "
                "%s s after StartTime\n",
                c->file, c->tag ? "" : "prefix ", c->tag ? c->tag : c->tag_prefix,
                jfix(a, sizeof a, 0, c->start_s, 3),
                c->end_s < DBL_MAX ? jfix(b, sizeof b, 0, c->end_s, 3) : "<Infinite>");
    }
    hlog_tags_free(&t);
    return code;
}

/* Reads and merges; prints problems. Returns 0 or an exit code. */
static int read_log(const struct hlog_cmd *c, struct hlog_result *res)
{
    int exit_code = EXIT_INPUT;
    struct hlog_reader *r = NULL;
    FILE *f = fopen(c->file, "r");
    if (f == NULL) {
        fprintf(stderr, "gatecap hlog: cannot open %s: %s\n", c->file, strerror(errno));
        return EXIT_INPUT;
    }
    struct hlog_read_opts o;
    hlog_read_opts_default(&o);
    o.tag = c->tag;
    o.tag_prefix = c->tag_prefix;
    o.all_tags = c->all_tags;
    o.start_s = c->start_s;
    o.end_s = c->end_s;
    if (hlog_reader_open(f, &o, &r) != HLOG_OK) {
        fprintf(stderr, "gatecap hlog: out of memory\n");
        goto done;
    }

    for (;;) {
        struct hlog_interval iv;
        int rc = hlog_reader_next(r, &iv);
        if (rc == 0)
            break;
        if (rc < 0) {
            print_diag(c->file, hlog_reader_error_line(r), "", hlog_reader_error(r));
            if (rc == HLOG_EPARSE)
                fprintf(stderr,
                        "gatecap hlog: %s is not a valid HdrHistogram interval log "
                        "(format 1.3); fix or truncate that line\n",
                        c->file);
            goto done;
        }
        if (res->intervals == 0) {
            const struct hlog_info *info = hlog_reader_info(r);
            res->first_offset_s = iv.offset_s;
            res->have_start = info->start_time_s != 0.0;
            res->start_time_s = info->start_time_s;
        }
        res->last_offset_s = iv.offset_s;
        res->intervals++;
        note_series(&res->series, iv.tag);
        int mrc = merge_into(&res->merged, iv.hist);
        hdr_close(iv.hist);
        if (mrc != HDR_OK) {
            print_diag(c->file, iv.line, "", hdr_strerror(mrc));
            goto done;
        }
    }

    const struct hlog_info *info = hlog_reader_info(r);
    int shown = info->warning_count < HLOG_MAX_WARNINGS ? info->warning_count : HLOG_MAX_WARNINGS;
    for (int i = 0; i < shown; i++)
        print_diag(c->file, info->warnings[i].line, "warning: ", info->warnings[i].msg);
    if (info->warning_count > shown)
        fprintf(stderr, "gatecap hlog: warning: %s: %d more warnings\n", c->file,
                info->warning_count - shown);
    /* (a tag or prefix that selected nothing: unknown_tag says why) */
    if (res->intervals == 0 && info->skipped_tag > 0 && !c->tag && !c->tag_prefix)
        fprintf(stderr,
                "gatecap hlog: note: %s: no untagged intervals; %ld lines have tags (try "
                "--tag T, --tag-prefix P or --all-tags; --list-tags lists the tags)\n",
                c->file, info->skipped_tag);
    res->value_unit_ns = info->value_unit_ns;

    if (res->merged == NULL) {
        /* Java prints an empty default histogram (3 digits) in this case. */
        if (hdr_init(1, 2, 3, &res->merged) != HDR_OK) {
            fprintf(stderr, "gatecap hlog: out of memory\n");
            goto done;
        }
    }
    exit_code = 0;

done:
    hlog_reader_close(r);
    fclose(f);
    return exit_code;
}

static void describe_units(const struct hlog_cmd *c, const struct hlog_result *res, char *buf,
                           size_t size)
{
    const char *unit = unit_name(res->value_unit_ns);
    char ratio[64];
    hlog_format_fixed(ratio, sizeof(ratio), res->ratio, 0);
    if (c->unit_ratio > 0)
        snprintf(buf, size, "values shown = log values%s%s%s / %.15g (--unit-ratio)",
                 unit ? " (" : "", unit ? unit : "", unit ? ")" : "", res->ratio);
    else if (unit != NULL)
        snprintf(buf, size, "values shown = log values (%s) / %s = milliseconds", unit, ratio);
    else
        snprintf(buf, size,
                 "values shown = log values / %s = milliseconds if the log holds "
                 "nanoseconds (Java's convention; the log does not say)",
                 ratio);
}

static void print_text(const struct hlog_cmd *c, const struct hlog_result *res)
{
    const struct hdr_hist *h = res->merged;
    const double ratio = res->ratio;
    const int d = h->sigfigs;
    char a[512];
    char b[512];
    char e[512];
    char g[512];

    /* gatecap's own lines; every one starts "#[gatecap hlog: ". */
    const char *sel = c->all_tags     ? "all tags"
                      : c->tag        ? "tag "
                      : c->tag_prefix ? "tag prefix "
                                      : "untagged lines";
    const char *named = c->tag ? c->tag : c->tag_prefix ? c->tag_prefix : "";
    if (res->intervals > 0)
        printf("#[gatecap hlog: %s: %ld interval%s (%s%s), starting %s .. %s s after "
               "StartTime]\n",
               c->file, res->intervals, res->intervals == 1 ? "" : "s", sel, named,
               jfix(a, sizeof(a), 0, res->first_offset_s, 3),
               jfix(b, sizeof(b), 0, res->last_offset_s, 3));
    else
        printf("#[gatecap hlog: %s: no intervals selected (%s%s)]\n", c->file, sel, named);
    describe_units(c, res, a, sizeof(a));
    printf("#[gatecap hlog: %s]\n", a);
    printf("#[gatecap hlog: Count = %lld, Min = %s, Mean = %s, StdDeviation = %s, Max = %s, "
           "Overflow = %lld]\n",
           (long long)hdr_count(h), jfix(a, sizeof(a), 0, (double)hdr_min(h) / ratio, d),
           jfix(b, sizeof(b), 0, hdr_mean(h) / ratio, d),
           jfix(e, sizeof(e), 0, hdr_stddev(h) / ratio, d),
           jfix(g, sizeof(g), 0, (double)hdr_max(h) / ratio, d), (long long)h->overflow_count);

    /* From here on: what HistogramLogProcessor writes to its .hgrm file. */
    printf("#[Overall percentile distribution between %s and",
           jfix(a, sizeof(a), 0, c->start_s, 3));
    if (c->end_s < DBL_MAX)
        printf(" %s", jfix(a, sizeof(a), 0, c->end_s, 3));
    else
        printf(" <Infinite>");
    printf(" seconds (relative to StartTime)]\n");
    if (res->intervals > 0 && res->have_start) {
        double ms = res->start_time_s * 1000.0;
        if (fabs(ms) < 9.2e18 && hlog_format_date_utc(b, sizeof(b), (int64_t)ms) == HLOG_OK)
            printf("#[StartTime: %s (seconds since epoch), %s]\n",
                   jfix(a, sizeof(a), 0, res->start_time_s, 3), b);
    }
    printf("%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");

    struct hdr_iter it;
    hdr_iter_percentiles(&it, h, PERCENTILE_TICKS);
    while (hdr_iter_next(&it)) {
        double q = it.percentile / 100.0;
        jfix(a, sizeof(a), 12, (double)it.value / ratio, d);
        jfix(b, sizeof(b), 2, q, 12);
        if (it.percentile != 100.0)
            printf("%s %s %10lld %s\n", a, b, (long long)it.cumulative,
                   jfix(e, sizeof(e), 14, 1.0 / (1.0 - q), 2));
        else
            printf("%s %s %10lld\n", a, b, (long long)it.cumulative);
    }
    printf("#[Mean    = %s, StdDeviation   = %s]\n", jfix(a, sizeof(a), 12, hdr_mean(h) / ratio, d),
           jfix(b, sizeof(b), 12, hdr_stddev(h) / ratio, d));
    printf("#[Max     = %s, Total count    = %12lld]\n",
           jfix(a, sizeof(a), 12, (double)hdr_max(h) / ratio, d), (long long)hdr_count(h));
    printf("#[Buckets = %12d, SubBuckets     = %12d]\n", h->bucket_count, h->sub_bucket_count);
}

/* json_real refuses NaN and infinities; they become null. */
static json_t *jreal(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int print_json(const struct hlog_cmd *c, const struct hlog_result *res)
{
    const struct hdr_hist *h = res->merged;
    const double ratio = res->ratio;
    char units[512];
    describe_units(c, res, units, sizeof(units));
    const char *unit = unit_name(res->value_unit_ns);

    json_t *root = json_object();
    json_t *sel = json_object();
    json_t *hist = json_object();
    json_t *sum = json_object();
    json_t *pcts = json_array();
    if (root == NULL || sel == NULL || hist == NULL || sum == NULL || pcts == NULL) {
        json_decref(root);
        json_decref(sel);
        json_decref(hist);
        json_decref(sum);
        json_decref(pcts);
        return -1;
    }
    json_object_set_new(root, "file", json_string(c->file));
    json_object_set_new(sel, "tag", c->tag ? json_string(c->tag) : json_null());
    json_object_set_new(sel, "tag_prefix",
                        c->tag_prefix ? json_string(c->tag_prefix) : json_null());
    json_object_set_new(sel, "all_tags", json_boolean(c->all_tags));
    json_object_set_new(sel, "start_s", json_real(c->start_s));
    json_object_set_new(sel, "end_s", c->end_s < DBL_MAX ? json_real(c->end_s) : json_null());
    json_object_set_new(root, "selection", sel);
    json_object_set_new(root, "intervals", json_integer(res->intervals));
    json_object_set_new(root, "first_interval_s",
                        res->intervals ? jreal(res->first_offset_s) : json_null());
    json_object_set_new(root, "last_interval_s",
                        res->intervals ? jreal(res->last_offset_s) : json_null());
    json_object_set_new(root, "start_time_s",
                        res->intervals && res->have_start ? jreal(res->start_time_s) : json_null());
    json_object_set_new(root, "value_unit", unit ? json_string(unit) : json_null());
    json_object_set_new(root, "unit_ratio", jreal(ratio));
    json_object_set_new(root, "units", json_string(units));

    json_object_set_new(hist, "lowest", json_integer(h->lowest_discernible));
    json_object_set_new(hist, "highest", json_integer(h->highest_trackable));
    json_object_set_new(hist, "significant_digits", json_integer(h->sigfigs));
    json_object_set_new(hist, "buckets", json_integer(h->bucket_count));
    json_object_set_new(hist, "sub_buckets", json_integer(h->sub_bucket_count));
    json_object_set_new(root, "histogram", hist);

    json_object_set_new(sum, "count", json_integer(hdr_count(h)));
    json_object_set_new(sum, "min", jreal((double)hdr_min(h) / ratio));
    json_object_set_new(sum, "mean", jreal(hdr_mean(h) / ratio));
    json_object_set_new(sum, "stddev", jreal(hdr_stddev(h) / ratio));
    json_object_set_new(sum, "max", jreal((double)hdr_max(h) / ratio));
    json_object_set_new(sum, "overflow", json_integer(h->overflow_count));
    json_t *quant = json_object();
    static const struct {
        const char *name;
        double p;
    } marks[] = {{"50", 50},     {"90", 90},       {"99", 99},
                 {"99.9", 99.9}, {"99.99", 99.99}, {"100", 100}};
    for (size_t i = 0; quant != NULL && i < sizeof(marks) / sizeof(marks[0]); i++)
        json_object_set_new(quant, marks[i].name,
                            jreal((double)hdr_value_at_percentile(h, marks[i].p) / ratio));
    json_object_set_new(sum, "percentiles", quant ? quant : json_null());
    json_object_set_new(root, "summary", sum);

    struct hdr_iter it;
    hdr_iter_percentiles(&it, h, PERCENTILE_TICKS);
    while (hdr_iter_next(&it)) {
        double q = it.percentile / 100.0;
        json_t *row = json_object();
        if (row == NULL)
            break;
        json_object_set_new(row, "value", jreal((double)it.value / ratio));
        json_object_set_new(row, "value_raw", json_integer(it.value));
        json_object_set_new(row, "percentile", jreal(it.percentile));
        json_object_set_new(row, "quantile", jreal(q));
        json_object_set_new(row, "total_count", json_integer(it.cumulative));
        json_object_set_new(row, "inverted",
                            it.percentile != 100.0 ? jreal(1.0 / (1.0 - q)) : json_null());
        json_array_append_new(pcts, row);
    }
    json_object_set_new(root, "distribution", pcts);

    int rc =
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    if (rc == 0)
        putchar('\n');
    json_decref(root);
    return rc;
}

int cmd_hlog(int argc, char **argv)
{
    struct hlog_cmd c;
    int rc = parse_args(argc, argv, &c);
    if (rc < 0)
        return 0; /* --help */
    if (rc != 0)
        return rc;
    if (c.list_tags) {
        rc = list_tags(&c);
        if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
            fprintf(stderr, "gatecap hlog: cannot write the output: %s\n", strerror(errno));
            rc = EXIT_RUN;
        }
        return rc;
    }

    struct hlog_result res;
    memset(&res, 0, sizeof(res));
    rc = read_log(&c, &res);
    if (rc == 0 && mixed_series(&c, &res.series))
        rc = EXIT_INPUT;
    if (rc == 0 && res.intervals == 0 && (c.tag || c.tag_prefix))
        rc = unknown_tag(&c);
    if (rc != 0) {
        hdr_close(res.merged);
        return rc;
    }
    res.ratio = c.unit_ratio > 0        ? c.unit_ratio
                : res.value_unit_ns > 0 ? 1e6 / (double)res.value_unit_ns
                                        : JAVA_DEFAULT_RATIO;
    if (c.json) {
        if (print_json(&c, &res) != 0) {
            fprintf(stderr, "gatecap hlog: out of memory building JSON\n");
            rc = EXIT_RUN;
        }
    } else {
        print_text(&c, &res);
    }
    hdr_close(res.merged);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "gatecap hlog: cannot write the output: %s\n", strerror(errno));
        rc = EXIT_RUN;
    }
    return rc;
}
