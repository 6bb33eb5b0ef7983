/*
 * feeder.h — data feeders: a CSV file with a header row, loaded once into
 * one compact block (cells NUL-terminated back to back, plus an offset
 * per cell and a line number per row), and drawn from by worker threads
 * while a run goes on.
 *
 * CSV as in RFC 4180: fields separated by ',', records by LF or CRLF;
 * a field in double quotes may hold ',', line breaks and "" (one quote).
 * An optional UTF-8 byte order mark is skipped; the last line's newline is
 * optional and blank lines at the end are ignored. Column names (the
 * first record) are trimmed of spaces and tabs, must be non-empty and
 * unique; cells are kept exactly as written (after unquoting).
 *
 * Drawing: a cursor (one per feeder per run) is shared by all workers;
 * each worker claims a chunk of consecutive rows through one atomic
 * counter and hands them out one per request without touching shared
 * memory again until the chunk is used up.
 */
#ifndef GATECAP_FEEDER_H
#define GATECAP_FEEDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    FEEDER_OK = 0,
    FEEDER_EINVAL = -1, /* the file is malformed; the message says where and why */
    FEEDER_EIO = -2,    /* the file could not be read */
    FEEDER_ENOMEM = -3,
};

/* Largest feeder file, bytes (offsets are 32-bit). */
#define FEEDER_MAX_BYTES (2u << 30)
/* Most columns: each is named in a ${feeder.column} reference; a wider
 * file is a data export to cut down. */
#define FEEDER_MAX_COLUMNS 1000

enum feeder_order {
    FEEDER_SEQUENTIAL, /* file order, wrapping around forever */
    FEEDER_RANDOM,     /* uniform, with replacement */
    FEEDER_UNIQUE,     /* each row at most once per pass */
};
enum feeder_exhausted { FEEDER_STOP, FEEDER_WRAP }; /* for FEEDER_UNIQUE */
enum feeder_per { FEEDER_PER_REQUEST, FEEDER_PER_USER };

struct feeder {
    char *name;                      /* the feeder's name in the scenario */
    char *file;                      /* the file as written in the scenario (for messages) */
    char *path;                      /* resolved: the file that was read */
    enum feeder_order order;         /* set by the caller; FEEDER_SEQUENTIAL after load */
    enum feeder_exhausted exhausted; /* FEEDER_STOP after load */
    enum feeder_per per;             /* FEEDER_PER_REQUEST after load */
    size_t n_columns;
    char **columns; /* n_columns names, NUL-terminated */
    size_t n_rows;  /* data rows (>= 1), not counting the header */
    /* private */
    char *cells_;    /* every cell, NUL-terminated, row by row */
    uint32_t *off_;  /* n_rows * n_columns + 1 cell offsets into cells_ */
    uint32_t *line_; /* per row: 1-based line where it starts */
};

/* Reads the CSV file at path into a new feeder named name. file is the
 * path as the user wrote it: messages start with it ("data/a.csv:17: 3
 * fields, the header has 4 (id, name, plan, email); ..."). Errors:
 * FEEDER_EIO (cannot open or read), FEEDER_EINVAL (empty, no data rows,
 * an unterminated quote, text after a closing quote, a row with another
 * number of fields than the header, a blank line between rows, duplicate
 * or empty column names, more than FEEDER_MAX_COLUMNS columns, a NUL
 * byte, larger than FEEDER_MAX_BYTES),
 * FEEDER_ENOMEM; each writes "what is wrong; what to do" into err
 * (err_len bytes) and sets *out to NULL. On success *out is owned by the
 * caller (feeder_free). */
int feeder_load(const char *name, const char *file, const char *path, struct feeder **out,
                char *err, size_t err_len);

/* Index of the column called name (len bytes, exact match), or -1. */
int feeder_column(const struct feeder *f, const char *name, size_t len);

/* The cell at row (0-based data row) and col: a pointer into f, valid for
 * f's life and NUL-terminated; *len (may be NULL) gets its length. */
const char *feeder_cell(const struct feeder *f, size_t row, size_t col, size_t *len);

/* The 1-based line of the file where data row `row` (0-based) starts,
 * for messages. */
size_t feeder_row_line(const struct feeder *f, size_t row);

/* Frees f; NULL is fine. */
void feeder_free(struct feeder *f);

/* ---- drawing rows during a run ----------------------------------------- */

struct feeder_cursor;

/* A cursor over f (borrowed; must outlive the cursor) for a run with
 * `workers` threads (>= 1; sets the chunk size: min(64, max(1, rows /
 * (8 * workers))), so that with few rows every worker still takes rows
 * in order), in shard `shard` of `shards` of a distributed run (0 of 1
 * on one machine): the cursor hands out only the rows r with r mod shards
 * = shard, so that shards never share a row (shards <= n_rows). Reads
 * f->order and f->exhausted. Returns FEEDER_OK with *out owned by the
 * caller (feeder_cursor_free), FEEDER_EINVAL or FEEDER_ENOMEM. */
int feeder_cursor_new(const struct feeder *f, int workers, int shard, int shards,
                      struct feeder_cursor **out);

/* Frees c; NULL is fine. */
void feeder_cursor_free(struct feeder_cursor *c);

/* A worker's claimed chunk of rows [next, end); zero-initialise, one per
 * worker per feeder, never shared. */
struct feeder_draw {
    size_t next, end;
};

#define FEEDER_EXHAUSTED 1

/* The next row for one request of the worker that owns mine. Returns 0
 * with *row set, or FEEDER_EXHAUSTED (FEEDER_UNIQUE with FEEDER_STOP
 * only: every row has been handed out, across all workers; it keeps
 * returning it). FEEDER_SEQUENTIAL: rows in file order, claimed in
 * chunks, wrapping forever. FEEDER_RANDOM: uniform with replacement,
 * (a shard's: among its rows),
 * drawn from rng (rng_next state, non-zero; the cursor is not touched).
 * FEEDER_UNIQUE: every row at most once per pass over the file; STOP ends
 * after one pass, WRAP starts another. Thread-safe for different `mine`;
 * one atomic compare-and-swap per chunk, none per row. */
int feeder_next(const struct feeder *f, struct feeder_cursor *c, struct feeder_draw *mine,
                uint64_t *rng, size_t *row);

#endif
