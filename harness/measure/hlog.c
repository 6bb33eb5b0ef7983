/*
 * hlog.c — interval log (format 1.3) writer and reader.
 *
 * The writer formats every number from integers (milliseconds, µs), so
 * the output never depends on the process locale. The reader follows
 * Java's HistogramLogReader 2.1.11 (the reference) for what a line means,
 * but is strict about what a line may be: Java's reader silently stops at
 * the first line it cannot parse, which hides a corrupt log; here that is
 * an error naming the line, except for a half-written last line.
 */
#include "measure/hlog.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "measure/hdr_codec.h"

#define LEGEND                                                                                     \
    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\""
#define SECONDS_PER_YEAR (365 * 24 * 3600.0) /* Java's relative/absolute cut-off */
#define IO_CHUNK 65536

/* ---- small formatting helpers ------------------------------------------- */

/* "123.456" (seconds) from milliseconds, any sign, no locale involved. */
static void fmt_millis(char *buf, size_t size, int64_t ms)
{
    uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    snprintf(buf, size, "%s%llu.%03llu", ms < 0 ? "-" : "", (unsigned long long)(a / 1000),
             (unsigned long long)(a % 1000));
}

static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int hlog_format_date_utc(char *buf, size_t size, int64_t epoch_ms)
{
    if (buf == NULL || size == 0)
        return HLOG_EINVAL;
    int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : -((-(epoch_ms + 1)) / 1000) - 1;
    time_t t = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
        tm.tm_mon > 11)
        return HLOG_EINVAL;
    int n = snprintf(buf, size, "%s %s %02d %02d:%02d:%02d UTC %d", day_names[tm.tm_wday],
                     month_names[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     tm.tm_year + 1900);
    return n < 0 || (size_t)n >= size ? HLOG_EINVAL : HLOG_OK;
}

static int copy_str(char *buf, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n + 1 > size)
        return HLOG_EINVAL;
    memcpy(buf, s, n + 1);
    return HLOG_OK;
}

/* Shortest decimal digits that read back as a (> 0, finite): a =
 * 0.d1d2..dn * 10^*dec_exp. C locale for both directions. */
static void shortest_digits(double a, locale_t c_loc, char *digits, int *ndig, int *dec_exp)
{
    char tmp[40];
    locale_t old = uselocale(c_loc);
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof(tmp), "%.*e", p - 1, a);
        if (p == 17 || strtod(tmp, NULL) == a)
            break;
    }
    uselocale(old);
    /* tmp is "d.ddde[+-]XX" (no point when p == 1). */
    int n = 0;
    const char *s = tmp;
    for (; *s != 'e' && *s != '\0'; s++)
        if (*s >= '0' && *s <= '9')
            digits[n++] = *s;
    int e = *s == 'e' ? (int)strtol(s + 1, NULL, 10) : 0;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    *ndig = n;
    *dec_exp = e + 1;
}

int hlog_format_fixed(char *buf, size_t size, double v, int decimals)
{
    if (buf == NULL || size == 0 || decimals < 0 || decimals > 100)
        return HLOG_EINVAL;
    if (isnan(v))
        return copy_str(buf, size, "NaN");
    if (isinf(v))
        return copy_str(buf, size, v > 0 ? "Infinity" : "-Infinity");

    bool neg = signbit(v) != 0;
    double a = fabs(v);
    char digits[24];
    int ndig = 0;
    int dec_exp = 0;
    if (a == 0.0) {
        digits[0] = '0';
        ndig = 1;
        dec_exp = 1;
    } else {
        locale_t c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        if (c_loc == (locale_t)0)
            return HLOG_EINVAL;
        shortest_digits(a, c_loc, digits, &ndig, &dec_exp);
        freelocale(c_loc);
    }

    /* Java's FormattedFloatingDecimal.applyPrecision: keep dec_exp +
     * decimals digits, rounding half-up on the decimal digits. */
    int keep = dec_exp + decimals;
    if (keep < 0) {
        ndig = 0;
    } else if (keep < ndig) {
        bool up = digits[keep] >= '5';
        ndig = keep;
        if (up) {
            int i = keep - 1;
            while (i >= 0 && digits[i] == '9')
                digits[i--] = '0';
            if (i >= 0) {
                digits[i]++;
            } else {
                memmove(digits + 1, digits, (size_t)ndig);
                digits[0] = '1';
                ndig++;
                dec_exp++;
            }
        }
    }

    size_t need = (neg ? 1 : 0) + (dec_exp > 0 ? (size_t)dec_exp : 1) + 1 + (size_t)decimals + 1;
    if (need > size)
        return HLOG_EINVAL;
    size_t o = 0;
    if (neg)
        buf[o++] = '-';
    if (dec_exp <= 0) {
        buf[o++] = '0';
    } else {
        for (int i = 0; i < dec_exp; i++)
            buf[o++] = i < ndig ? digits[i] : '0';
    }
    if (decimals > 0) {
        buf[o++] = '.';
        for (int k = 0; k < decimals; k++) {
            int i = dec_exp + k;
            buf[o++] = (i >= 0 && i < ndig) ? digits[i] : '0';
        }
    }
    buf[o] = '\0';
    return HLOG_OK;
}

/* ---- writer ------------------------------------------------------------- */

static int writer_fail(struct hlog_writer *w, int err)
{
    if (w->err == 0)
        w->err = err;
    return err;
}

int hlog_writer_open(struct hlog_writer *w, FILE *f, int64_t start_time_ms)
{
    if (w == NULL)
        return HLOG_EINVAL;
    w->f = f;
    w->base_time_ms = start_time_ms;
    w->err = 0;
    if (f == NULL || start_time_ms < 0)
        return writer_fail(w, HLOG_EINVAL);

    char secs[32];
    char date[64];
    fmt_millis(secs, sizeof(secs), start_time_ms);
    if (hlog_format_date_utc(date, sizeof(date), start_time_ms) != HLOG_OK)
        return writer_fail(w, HLOG_EINVAL);
    int n = fprintf(f,
                    "#[Histogram log format version " HLOG_FORMAT_VERSION "]\n"
                    "#[StartTime: %s (seconds since epoch), %s]\n"
                    "#[BaseTime: %s (seconds since epoch)]\n"
                    "#[Value unit: microseconds; Interval_Max = max / %d (milliseconds)]\n"
                    "%s\n",
                    secs, date, secs, HLOG_MAX_VALUE_RATIO, LEGEND);
    return n < 0 ? writer_fail(w, HLOG_EIO) : HLOG_OK;
}

int hlog_writer_comment(struct hlog_writer *w, const char *text)
{
    if (w == NULL || w->f == NULL || text == NULL || strpbrk(text, "\r\n") != NULL)
        return w == NULL ? HLOG_EINVAL : writer_fail(w, HLOG_EINVAL);
    if (fprintf(w->f, "#%s\n", text) < 0)
        return writer_fail(w, HLOG_EIO);
    return HLOG_OK;
}

/* A tag Java's reader can read back: non-empty, no delimiter. */
static bool tag_ok(const char *tag)
{
    return tag[0] != '\0' && strpbrk(tag, ", \r\n") == NULL;
}

int hlog_writer_interval(struct hlog_writer *w, const char *tag, int64_t start_ms,
                         int64_t length_ms, const struct hdr_hist *h)
{
    if (w == NULL)
        return HLOG_EINVAL;
    if (w->f == NULL || h == NULL || length_ms < 0 || (tag != NULL && !tag_ok(tag)))
        return writer_fail(w, HLOG_EINVAL);
    /* start relative to BaseTime (>= 0); refuse a difference that overflows. */
    if (start_ms < INT64_MIN + w->base_time_ms)
        return writer_fail(w, HLOG_EINVAL);

    char *b64 = NULL;
    int rc = hdr_encode_base64(h, &b64);
    if (rc != HDR_CODEC_OK)
        return writer_fail(w, rc == HDR_CODEC_ENOMEM ? HLOG_ENOMEM : HLOG_EINVAL);

    char start[32];
    char length[32];
    char max[32];
    fmt_millis(start, sizeof(start), start_ms - w->base_time_ms);
    fmt_millis(length, sizeof(length), length_ms);
    /* max µs / 1000 = ms with 3 decimals: exact, as Java's "%.3f" of it. */
    fmt_millis(max, sizeof(max), hdr_max(h));
    int n = fprintf(w->f, "%s%s%s%s,%s,%s,%s\n", tag ? "Tag=" : "", tag ? tag : "", tag ? "," : "",
                    start, length, max, b64);
    free(b64);
    return n < 0 ? writer_fail(w, HLOG_EIO) : HLOG_OK;
}

int hlog_writer_finish(struct hlog_writer *w)
{
    if (w == NULL)
        return HLOG_EINVAL;
    if (w->f != NULL && fflush(w->f) != 0)
        writer_fail(w, HLOG_EIO);
    if (w->f != NULL && ferror(w->f))
        writer_fail(w, HLOG_EIO);
    return w->err;
}

/* ---- reader ------------------------------------------------------------- */

struct hlog_reader {
    FILE *f;
    struct hlog_read_opts opts;
    locale_t c_loc;
    struct hlog_info info;
    bool start_observed; /* Java's observedStartTime */
    bool base_observed;  /* Java's observedBaseTime */
    bool done;
    int err;
    long err_line;
    char err_msg[256];
    char *line;
    size_t line_cap;
    size_t io_pos;
    size_t io_len;
    bool io_eof;
    unsigned char io[IO_CHUNK];
};

void hlog_read_opts_default(struct hlog_read_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->start_s = 0.0;
    o->end_s = INFINITY;
}

int hlog_reader_open(FILE *f, const struct hlog_read_opts *opts, struct hlog_reader **out)
{
    if (out == NULL)
        return HLOG_EINVAL;
    *out = NULL;
    if (f == NULL)
        return HLOG_EINVAL;
    struct hlog_read_opts o;
    if (opts != NULL)
        o = *opts;
    else
        hlog_read_opts_default(&o);
    if (isnan(o.start_s) || isnan(o.end_s))
        return HLOG_EINVAL;

    struct hlog_reader *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return HLOG_ENOMEM;
    r->c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (r->c_loc == (locale_t)0) {
        free(r);
        return HLOG_ENOMEM;
    }
    r->f = f;
    r->opts = o;
    *out = r;
    return HLOG_OK;
}

void hlog_reader_close(struct hlog_reader *r)
{
    if (r == NULL)
        return;
    freelocale(r->c_loc);
    free(r->line);
    free(r);
}

const struct hlog_info *hlog_reader_info(const struct hlog_reader *r)
{
    return &r->info;
}

const char *hlog_reader_error(const struct hlog_reader *r)
{
    return r->err_msg;
}

long hlog_reader_error_line(const struct hlog_reader *r)
{
    return r->err_line;
}

__attribute__((format(printf, 4, 5))) static int set_error(struct hlog_reader *r, int err,
                                                           long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err_msg, sizeof(r->err_msg), fmt, ap);
    va_end(ap);
    r->err = err;
    r->err_line = line;
    return err;
}

__attribute__((format(printf, 3, 4))) static void add_warning(struct hlog_reader *r, long line,
                                                              const char *fmt, ...)
{
    int i = r->info.warning_count++;
    if (i >= HLOG_MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->info.warnings[i].msg, sizeof(r->info.warnings[i].msg), fmt, ap);
    va_end(ap);
    r->info.warnings[i].line = line;
}

/* Reads the next line into r->line (NUL-terminated, newline removed).
 * Returns 1 with *len and *had_newline set, 0 at end of file, or an error. */
static int read_line(struct hlog_reader *r, size_t *len, bool *had_newline)
{
    size_t n = 0;
    *had_newline = false;
    for (;;) {
        if (r->io_pos == r->io_len) {
            if (r->io_eof)
                break;
            size_t got = fread(r->io, 1, sizeof(r->io), r->f);
            if (got == 0) {
                if (ferror(r->f))
                    return set_error(r, HLOG_EIO, r->info.lines + 1, "read error");
                r->io_eof = true;
                break;
            }
            r->io_pos = 0;
            r->io_len = got;
        }
        const unsigned char *start = r->io + r->io_pos;
        size_t avail = r->io_len - r->io_pos;
        const unsigned char *nl = memchr(start, '\n', avail);
        size_t take = nl != NULL ? (size_t)(nl - start) : avail;
        if (n + take > HLOG_MAX_LINE_BYTES)
            return set_error(r, HLOG_EPARSE, r->info.lines + 1,
                             "line longer than %u bytes; not an interval log?",
                             HLOG_MAX_LINE_BYTES);
        if (n + take + 1 > r->line_cap) {
            size_t cap = r->line_cap ? r->line_cap : 256;
            while (cap < n + take + 1)
                cap *= 2;
            char *p = realloc(r->line, cap);
            if (p == NULL)
                return set_error(r, HLOG_ENOMEM, r->info.lines + 1, "out of memory");
            r->line = p;
            r->line_cap = cap;
        }
        memcpy(r->line + n, start, take);
        n += take;
        r->io_pos += take + (nl != NULL ? 1 : 0);
        if (nl != NULL) {
            *had_newline = true;
            break;
        }
    }
    if (n == 0 && !*had_newline)
        return 0;
    r->line[n] = '\0';
    *len = n;
    r->info.lines++;
    return 1;
}

/* Parses a whole field as a finite decimal number (C locale; no hex,
 * no inf/nan, no spaces). */
static bool parse_number(const struct hlog_reader *r, const char *s, double *out)
{
    if (*s == '\0' || strspn(s, "0123456789+-.eE") != strlen(s))
        return false;
    char *end = NULL;
    double v = strtod_l(s, &end, r->c_loc);
    if (end == s || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* Parses the number token after a "#[StartTime:"-style prefix, as Java's
 * scanner does (delimiters ' ' and ','). */
static bool parse_comment_number(const struct hlog_reader *r, const char *s, double *out)
{
    while (*s == ' ')
        s++;
    char tok[64];
    size_t n = strcspn(s, " ,");
    if (n == 0 || n >= sizeof(tok))
        return false;
    memcpy(tok, s, n);
    tok[n] = '\0';
    return parse_number(r, tok, out);
}

static void parse_comment(struct hlog_reader *r, const char *s, long line)
{
    double v;
    if (strncmp(s, "#[StartTime:", 12) == 0) {
        if (parse_comment_number(r, s + 12, &v)) {
            r->info.start_time_s = v;
            r->info.has_start_time = true;
            r->start_observed = true;
        } else {
            add_warning(r, line, "StartTime comment without a number; ignored");
        }
    } else if (strncmp(s, "#[BaseTime:", 11) == 0) {
        if (parse_comment_number(r, s + 11, &v)) {
            r->info.base_time_s = v;
            r->info.has_base_time = true;
            r->base_observed = true;
        } else {
            add_warning(r, line, "BaseTime comment without a number; ignored");
        }
    } else if (strncmp(s, "#[Value unit: ", 14) == 0) {
        static const struct {
            const char *name;
            int64_t ns;
        } units[] = {{"nanoseconds", 1},
                     {"microseconds", 1000},
                     {"milliseconds", 1000000},
                     {"seconds", 1000000000}};
        const char *u = s + 14;
        size_t n = strcspn(u, "; ]");
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strlen(units[i].name) == n && strncmp(u, units[i].name, n) == 0) {
                r->info.value_unit_ns = units[i].ns;
                return;
            }
        }
        add_warning(r, line, "unknown value unit '%.*s'; ignored", (int)(n < 32 ? n : 32), u);
    }
}

/* Shows at most 40 characters of a field in a message. */
#define FIELD_FMT "'%.40s%s'"
#define FIELD_ARG(s) (s), (strlen(s) > 40 ? "..." : "")

/* Parses an interval line in place. Returns 1 with *iv filled (hist NULL
 * when the line was filtered out: *skip set), or HLOG_EPARSE / ENOMEM. */
static int parse_interval(struct hlog_reader *r, char *s, long line, struct hlog_interval *iv,
                          bool *skip, bool *stop)
{
    const char *tag = NULL;
    *skip = false;
    *stop = false;

    if (strncmp(s, "Tag=", 4) == 0) {
        char *comma = strchr(s + 4, ',');
        if (comma == NULL)
            return set_error(r, HLOG_EPARSE, line, "a tag but no interval fields after it");
        *comma = '\0';
        tag = s + 4;
        if (strpbrk(tag, " \r") != NULL)
            return set_error(r, HLOG_EPARSE, line, "tag " FIELD_FMT " holds a space",
                             FIELD_ARG(tag));
        s = comma + 1;
    }

    char *field[4];
    int nf = 0;
    char *p = s;
    for (;;) {
        char *comma = strchr(p, ',');
        if (nf == 4)
            return set_error(r, HLOG_EPARSE, line,
                             "more than 4 fields (expected start, length, max, histogram)");
        field[nf++] = p;
        if (comma == NULL)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    if (nf < 4)
        return set_error(r, HLOG_EPARSE, line,
                         "%d field%s where 4 are expected (start, length, max, histogram): "
                         "not an interval line, or a half-written one",
                         nf, nf == 1 ? "" : "s");

    double ts, length, max;
    if (!parse_number(r, field[0], &ts))
        return set_error(r, HLOG_EPARSE, line, "interval start " FIELD_FMT " is not a number",
                         FIELD_ARG(field[0]));
    if (!parse_number(r, field[1], &length))
        return set_error(r, HLOG_EPARSE, line, "interval length " FIELD_FMT " is not a number",
                         FIELD_ARG(field[1]));
    if (length < 0)
        return set_error(r, HLOG_EPARSE, line, "interval length %s is negative", field[1]);
    if (!parse_number(r, field[2], &max))
        return set_error(r, HLOG_EPARSE, line, "interval max " FIELD_FMT " is not a number",
                         FIELD_ARG(field[2]));

    /* Java's rule, settled at the first interval line of the file. */
    if (!r->start_observed) {
        r->info.start_time_s = ts;
        r->start_observed = true;
    }
    if (!r->base_observed) {
        r->info.base_time_s =
            ts < r->info.start_time_s - SECONDS_PER_YEAR ? r->info.start_time_s : 0.0;
        r->base_observed = true;
    }
    r->info.times_known = true;

    double abs_start = ts + r->info.base_time_s;
    double offset = abs_start - r->info.start_time_s;
    double check = r->opts.absolute ? abs_start : offset;
    if (check < r->opts.start_s) {
        r->info.skipped_time++;
        *skip = true;
        return 1;
    }
    if (check > r->opts.end_s) {
        r->info.stopped_at_end = true;
        *stop = true;
        return 1;
    }
    if (!r->opts.all_tags) {
        const char *want = r->opts.tag, *prefix = r->opts.tag_prefix;
        bool match = want     ? tag != NULL && strcmp(tag, want) == 0
                     : prefix ? tag != NULL && strncmp(tag, prefix, strlen(prefix)) == 0
                              : tag == NULL;
        if (!match) {
            r->info.skipped_tag++;
            *skip = true;
            return 1;
        }
    }

    struct hdr_hist *h = NULL;
    int rc =
        r->opts.skip_histograms ? HDR_CODEC_OK : hdr_decode_base64(field[3], strlen(field[3]), &h);
    if (rc == HDR_CODEC_ENOMEM)
        return set_error(r, HLOG_ENOMEM, line, "out of memory decoding the histogram");
    if (rc != HDR_CODEC_OK)
        return set_error(r, HLOG_EPARSE, line, "histogram does not decode: %s",
                         hdr_codec_strerror(rc));

    iv->tag = tag;
    iv->start_s = abs_start;
    iv->offset_s = offset;
    iv->length_s = length;
    iv->max_column = max;
    iv->line = line;
    iv->hist = h;
    return 1;
}

int hlog_reader_next(struct hlog_reader *r, struct hlog_interval *iv)
{
    if (r == NULL || iv == NULL)
        return HLOG_EINVAL;
    memset(iv, 0, sizeof(*iv));
    if (r->err != 0)
        return r->err;
    while (!r->done) {
        size_t len = 0;
        bool had_newline = false;
        int rc = read_line(r, &len, &had_newline);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        long line = r->info.lines;
        char *s = r->line;
        if (len > 0 && s[len - 1] == '\r')
            s[--len] = '\0';
        if (memchr(s, '\0', len) != NULL) {
            rc = set_error(r, HLOG_EPARSE, line, "line holds a NUL byte: not a text log");
        } else if (len == 0 || s[0] == '#' || strncmp(s, "\"StartTimestamp\"", 16) == 0) {
            if (s[0] == '#')
                parse_comment(r, s, line);
            continue;
        } else {
            bool skip = false;
            bool stop = false;
            rc = parse_interval(r, s, line, iv, &skip, &stop);
            if (rc == 1 && stop) {
                r->done = true;
                break;
            }
            if (rc == 1 && skip)
                continue;
            if (rc == 1) {
                r->info.intervals++;
                return 1;
            }
        }
        /* rc is an error here. A half-written last line is not one. */
        if (rc == HLOG_EPARSE && !had_newline) {
            add_warning(r, line,
                        "last line is incomplete (no newline at end of file), "
                        "skipped: %s",
                        r->err_msg);
            r->err = 0;
            r->err_line = 0;
            r->err_msg[0] = '\0';
            r->done = true;
            break;
        }
        return rc;
    }
    r->done = true;
    return 0;
}

const char *hlog_strerror(int err)
{
    switch (err) {
    case HLOG_OK:
        return "success";
    case HLOG_EINVAL:
        return "invalid argument to the interval log writer or reader";
    case HLOG_ENOMEM:
        return "out of memory";
    case HLOG_EIO:
        return "I/O error on the interval log";
    case HLOG_EPARSE:
        return "not a valid interval log line";
    default:
        return "unknown interval log error";
    }
}
