/*
 * feeder.c — CSV feeders (see feeder.h). The file is read into one
 * buffer and unquoted in place: a cell never grows when its quotes are
 * removed, and the separator after it becomes its NUL, so the write
 * position never passes the read position. One spare byte at the end
 * takes the NUL of a last line without a newline. Rows are then an array
 * of 32-bit offsets into that buffer; no cell is allocated on its own.
 */
#include "scenario/feeder.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/infile.h"
#include "base/rng.h"

/* ---- loading -------------------------------------------------------------- */

struct parser {
    const char *file; /* as written, for messages */
    char *buf;        /* the file; cells are written back into it */
    size_t len;       /* bytes of file data in buf */
    size_t r, w;      /* read and write positions */
    size_t line;      /* 1-based line of buf[r] */
    char *err;
    size_t err_len;
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(struct parser *p, size_t line, const char *fmt, ...)
{
    if (!p->err || !p->err_len)
        return FEEDER_EINVAL;
    int k = line ? snprintf(p->err, p->err_len, "%s:%zu: ", p->file, line)
                 : snprintf(p->err, p->err_len, "%s: ", p->file);
    if (k > 0 && (size_t)k < p->err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + k, p->err_len - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return FEEDER_EINVAL;
}

/* True when buf[r] ends a record: LF, CRLF, or the end of the data. */
static bool at_eol(const struct parser *p)
{
    return p->r >= p->len || p->buf[p->r] == '\n' ||
           (p->buf[p->r] == '\r' && p->r + 1 < p->len && p->buf[p->r + 1] == '\n');
}

/* Steps over the end of a record (LF or CRLF). */
static void skip_eol(struct parser *p)
{
    if (p->r < p->len && p->buf[p->r] == '\r')
        p->r++;
    if (p->r < p->len && p->buf[p->r] == '\n') {
        p->r++;
        p->line++;
    }
}

/* Parses one field at r: unquotes it to w and NUL-terminates it. *start
 * gets its offset, *last whether it ended the record. */
static int next_field(struct parser *p, size_t *start, bool *last)
{
    *start = p->w;
    char *b = p->buf;
    if (p->r < p->len && b[p->r] == '"') {
        size_t open_line = p->line;
        p->r++;
        for (;;) {
            if (p->r >= p->len)
                return fail(p, open_line,
                            "the quoted field that starts on this line has no closing quote; "
                            "end it with \" (and write a quote inside a field as \"\")");
            char ch = b[p->r];
            if (ch == '"') {
                if (p->r + 1 < p->len && b[p->r + 1] == '"') {
                    b[p->w++] = '"';
                    p->r += 2;
                    continue;
                }
                p->r++;
                break;
            }
            if (ch == '\n')
                p->line++;
            b[p->w++] = ch;
            p->r++;
        }
        if (!at_eol(p) && b[p->r] != ',')
            return fail(p, p->line,
                        "text after a closing quote; quote the whole field and write a quote "
                        "inside it as \"\" (\"a \"\"b\"\" c\")");
    } else {
        while (!at_eol(p) && b[p->r] != ',')
            b[p->w++] = b[p->r++];
    }
    /* look at the separator before the NUL may overwrite it (w == r) */
    if (p->r < p->len && b[p->r] == ',') {
        p->r++;
        *last = false;
    } else {
        skip_eol(p);
        *last = true;
    }
    b[p->w++] = '\0';
    return 0;
}

/* True when only line breaks remain from r on. */
static bool only_blank_lines_left(const struct parser *p)
{
    for (size_t i = p->r; i < p->len; i++)
        if (p->buf[i] != '\n' && p->buf[i] != '\r')
            return false;
    return true;
}

/* "id, name, plan, ..." for messages. */
static void column_list(const struct feeder *f, char *out, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < f->n_columns && k < n; i++) {
        int w = i == 5 ? snprintf(out + k, n - k, ", ...")
                       : snprintf(out + k, n - k, "%s%s", i ? ", " : "", f->columns[i]);
        if (w < 0 || i == 5)
            break;
        k += (size_t)w;
    }
}

static int read_header(struct parser *p, struct feeder *f)
{
    while (p->r < p->len && (p->buf[p->r] == '\n' || p->buf[p->r] == '\r') && at_eol(p))
        skip_eol(p); /* blank lines before the header */
    if (p->r >= p->len)
        return fail(p, 0,
                    "is empty; a feeder's first line names the columns (id,name) and each "
                    "line after it is one row");
    size_t cap = 0, line = p->line;
    bool last = false;
    while (!last) {
        size_t start;
        if (f->n_columns == FEEDER_MAX_COLUMNS)
            return fail(p, line,
                        "more than %d columns; a feeder's columns are named one by one in "
                        "${feeder.column}: keep the ones the scenario uses (e.g. cut -d, -f1-10)",
                        FEEDER_MAX_COLUMNS);
        int rc = next_field(p, &start, &last);
        if (rc)
            return rc;
        if (f->n_columns == cap) {
            cap = cap ? 2 * cap : 8;
            char **c = realloc(f->columns, cap * sizeof *c);
            if (!c)
                return FEEDER_ENOMEM;
            f->columns = c;
        }
        char *name = p->buf + start;
        size_t n = strlen(name);
        while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
            n--;
        while (n && (*name == ' ' || *name == '\t')) {
            name++;
            n--;
        }
        if (!(f->columns[f->n_columns] = strndup(name, n)))
            return FEEDER_ENOMEM;
        f->n_columns++;
    }
    for (size_t i = 0; i < f->n_columns; i++) {
        if (!f->columns[i][0])
            return fail(p, line,
                        "column %zu of the header has no name; the first line names every "
                        "column (id,name,...)",
                        i + 1);
        if (strchr(f->columns[i], '\r'))
            return fail(p, line,
                        "lines end in a lone CR (classic Mac); save the file with LF or CRLF "
                        "line ends");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(f->columns[i], f->columns[j]))
                return fail(p, line,
                            "the column name '%s' appears twice in the header; give each "
                            "column its own name",
                            f->columns[i]);
    }
    return 0;
}

static int read_rows(struct parser *p, struct feeder *f)
{
    size_t cap_rows = 0, cap_off = 0, n_off = 0;
    char cols[256];
    for (;;) {
        if (p->r >= p->len || only_blank_lines_left(p))
            break;
        if (at_eol(p))
            return fail(p, p->line,
                        "blank line between rows; remove it (a one-column file writes an "
                        "empty value as \"\")");
        size_t line = p->line, fields = 0;
        if (f->n_rows == cap_rows) {
            cap_rows = cap_rows ? 2 * cap_rows : 1024;
            uint32_t *l = realloc(f->line_, cap_rows * sizeof *l);
            if (!l)
                return FEEDER_ENOMEM;
            f->line_ = l;
        }
        if (n_off + f->n_columns + 1 > cap_off) {
            cap_off = cap_off ? 2 * cap_off : 1024;
            while (cap_off < n_off + f->n_columns + 1)
                cap_off *= 2;
            uint32_t *o = realloc(f->off_, cap_off * sizeof *o);
            if (!o)
                return FEEDER_ENOMEM;
            f->off_ = o;
        }
        bool last = false;
        while (!last) {
            size_t start;
            int rc = next_field(p, &start, &last);
            if (rc)
                return rc;
            if (fields < f->n_columns)
                f->off_[n_off + fields] = (uint32_t)start;
            fields++;
        }
        if (fields != f->n_columns) {
            column_list(f, cols, sizeof cols);
            return fail(p, line, "%zu field%s, the header has %zu (%s); %s", fields,
                        fields == 1 ? "" : "s", f->n_columns, cols,
                        fields > f->n_columns ? "quote a value that holds a comma (\"a,b\")"
                                              : "write an empty value as an empty field (a,,c)");
        }
        f->line_[f->n_rows++] = (uint32_t)line;
        n_off += f->n_columns;
    }
    if (!f->n_rows) {
        column_list(f, cols, sizeof cols);
        return fail(p, 0, "has a header (%s) but no rows; add one row per line after it", cols);
    }
    f->off_[n_off] = (uint32_t)p->w;
    return 0;
}

/* Reads path into a new buffer with one spare byte. A FIFO or device is
 * refused without waiting for it (infile.h). */
static int read_file(struct parser *p, const char *path)
{
    struct stat st;
    int fd = infile_open(path, &st);
    int rc = FEEDER_EIO;
    bool differs = strcmp(p->file, path) != 0;
    if (fd == INFILE_ENOTREG)
        return fail(p, 0,
                    "is not a regular file but %s; name a CSV file (gatecap reads it whole "
                    "when it loads the scenario)",
                    infile_kind(st.st_mode));
    if (fd < 0) {
        snprintf(p->err, p->err_len, "%s: cannot open%s%s: %s; check the path and its permissions",
                 p->file, differs ? " " : "", differs ? path : "", strerror(errno));
        return FEEDER_EIO;
    }
    if ((unsigned long long)st.st_size >= FEEDER_MAX_BYTES) {
        rc =
            fail(p, 0, "is larger than %u MiB; split it or use fewer rows", FEEDER_MAX_BYTES >> 20);
        goto out;
    }
    size_t size = (size_t)st.st_size;
    if (!(p->buf = malloc(size + 1))) {
        rc = FEEDER_ENOMEM;
        goto out;
    }
    while (p->len < size) {
        ssize_t got = read(fd, p->buf + p->len, size - p->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            snprintf(p->err, p->err_len, "%s: cannot read: %s", p->file,
                     got < 0 ? strerror(errno) : "the file got shorter while reading");
            goto out;
        }
        p->len += (size_t)got;
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

int feeder_load(const char *name, const char *file, const char *path, struct feeder **out,
                char *err, size_t err_len)
{
    char dummy[1];
    struct parser p = {.file = file,
                       .line = 1,
                       .err = err_len ? err : dummy,
                       .err_len = err_len ? err_len : sizeof dummy};
    struct feeder *f = calloc(1, sizeof *f);
    int rc = FEEDER_ENOMEM;

    *out = NULL;
    p.err[0] = '\0';
    if (!f || !(f->name = strdup(name)) || !(f->file = strdup(file)) || !(f->path = strdup(path)))
        goto done;
    if ((rc = read_file(&p, path)))
        goto done;
    const char *nul = memchr(p.buf, '\0', p.len);
    if (nul) {
        size_t line = 1;
        for (const char *q = p.buf; q < nul; q++)
            line += *q == '\n';
        rc = fail(&p, line, "holds a NUL byte; a feeder is a text (CSV) file");
        goto done;
    }
    if (p.len >= 3 && !memcmp(p.buf, "\xef\xbb\xbf", 3))
        p.r = 3;
    if ((rc = read_header(&p, f)) || (rc = read_rows(&p, f)))
        goto done;
    f->cells_ = p.buf;
    p.buf = NULL;
    /* give back what the header, quotes and unused slots took */
    char *shrunk = realloc(f->cells_, p.w);
    if (shrunk)
        f->cells_ = shrunk;
    uint32_t *o = realloc(f->off_, (f->n_rows * f->n_columns + 1) * sizeof *o);
    if (o)
        f->off_ = o;
    uint32_t *l = realloc(f->line_, f->n_rows * sizeof *l);
    if (l)
        f->line_ = l;
    *out = f;
    f = NULL;
    rc = FEEDER_OK;
done:
    if (rc == FEEDER_ENOMEM)
        snprintf(p.err, p.err_len, "%s: out of memory while reading it", file);
    free(p.buf);
    feeder_free(f);
    return rc;
}

int feeder_column(const struct feeder *f, const char *name, size_t len)
{
    for (size_t i = 0; i < f->n_columns; i++)
        if (!strncmp(f->columns[i], name, len) && !f->columns[i][len])
            return (int)i;
    return -1;
}

const char *feeder_cell(const struct feeder *f, size_t row, size_t col, size_t *len)
{
    size_t i = row * f->n_columns + col;
    if (len)
        *len = f->off_[i + 1] - f->off_[i] - 1;
    return f->cells_ + f->off_[i];
}

size_t feeder_row_line(const struct feeder *f, size_t row)
{
    return f->line_[row];
}

void feeder_free(struct feeder *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_columns; i++)
        free(f->columns[i]);
    free(f->columns);
    free(f->cells_);
    free(f->off_);
    free(f->line_);
    free(f->name);
    free(f->file);
    free(f->path);
    free(f);
}

/* ---- drawing ------------------------------------------------------------- */

/* Alone on its cache line(s): workers of other feeders do not share it. */
struct feeder_cursor {
    _Alignas(64) _Atomic uint64_t next; /* rows handed out so far over all passes */
    size_t n_rows;                      /* this shard's: the rows r with r mod stride = first */
    size_t first, stride;               /* row k of the shard is row first + k·stride */
    size_t chunk;
    bool stop; /* unique + stop: one pass only */
};

int feeder_cursor_new(const struct feeder *f, int workers, int shard, int shards,
                      struct feeder_cursor **out)
{
    *out = NULL;
    if (!f || !f->n_rows || workers < 1 || shards < 1 || shard < 0 || shard >= shards ||
        (size_t)shards > f->n_rows)
        return FEEDER_EINVAL;
    size_t size = (sizeof(struct feeder_cursor) + 63) / 64 * 64;
    struct feeder_cursor *c = aligned_alloc(64, size);
    if (!c)
        return FEEDER_ENOMEM;
    memset(c, 0, size);
    atomic_init(&c->next, 0);
    c->first = (size_t)shard;
    c->stride = (size_t)shards;
    c->n_rows = (f->n_rows - c->first + c->stride - 1) / c->stride;
    size_t per = c->n_rows / (8 * (size_t)workers);
    c->chunk = per < 1 ? 1 : per > 64 ? 64 : per;
    c->stop = f->order == FEEDER_UNIQUE && f->exhausted == FEEDER_STOP;
    *out = c;
    return FEEDER_OK;
}

void feeder_cursor_free(struct feeder_cursor *c)
{
    free(c);
}

int feeder_next(const struct feeder *f, struct feeder_cursor *c, struct feeder_draw *mine,
                uint64_t *rng, size_t *row)
{
    if (f->order == FEEDER_RANDOM) {
        size_t r = (size_t)(rng_uniform(rng) * (double)c->n_rows);
        *row = c->first + (r < c->n_rows ? r : c->n_rows - 1) * c->stride;
        return 0;
    }
    if (mine->next < mine->end) {
        *row = c->first + mine->next++ * c->stride;
        return 0;
    }
    /* claim the next chunk; it never crosses the end of a pass, so that
     * every pass hands out every row exactly once over all workers */
    uint64_t k = atomic_load_explicit(&c->next, memory_order_relaxed), end;
    do {
        if (c->stop && k >= c->n_rows)
            return FEEDER_EXHAUSTED;
        uint64_t pass_end = (k / c->n_rows + 1) * c->n_rows;
        end = k + c->chunk < pass_end ? k + c->chunk : pass_end;
    } while (!atomic_compare_exchange_weak_explicit(&c->next, &k, end, memory_order_relaxed,
                                                    memory_order_relaxed));
    size_t first = (size_t)(k % c->n_rows);
    mine->next = first + 1;
    mine->end = first + (size_t)(end - k);
    *row = c->first + first * c->stride;
    return 0;
}
