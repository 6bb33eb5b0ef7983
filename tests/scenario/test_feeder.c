/*
 * tests/scenario/test_feeder.c — CSV feeders (harness/scenario/feeder.c): RFC 4180 parsing
 * (quotes, "" escapes, commas and line breaks inside quotes, CRLF, BOM,
 * no final newline, blank trailing lines), every malformed-file message
 * with its file:line, a million-row file, and drawing rows: sequential
 * order, uniform random draws, and unique rows handed out by several
 * threads at once (stop: each row exactly once in total; wrap: each pass
 * covers every row exactly once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/feeder.h"
#include "testutil.h"

static char err[1024];

/* Writes n bytes to test_dir/name; its path into path. */
static void put_bytes(char *path, size_t cap, const char *name, const char *data, size_t n)
{
    snprintf(path, cap, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static struct feeder *load_text(const char *text)
{
    char path[256];
    test_put(path, sizeof path, "f.csv", text);
    struct feeder *f = NULL;
    int rc = feeder_load("f", "f.csv", path, &f, err, sizeof err);
    if (rc)
        fail_msg("load failed (%d): %s\n--- file:\n%s", rc, err, text);
    return f;
}

static void assert_cell(const struct feeder *f, size_t row, size_t col, const char *want)
{
    size_t len;
    const char *c = feeder_cell(f, row, col, &len);
    if (len != strlen(want) || memcmp(c, want, len) || c[len])
        fail_msg("row %zu col %zu: '%.*s' (%zu bytes), want '%s'", row, col, (int)len, c, len,
                 want);
}

/* ---- parsing ------------------------------------------------------------ */

static void parses_rfc4180(void **state)
{
    (void)state;
    struct feeder *f = load_text("\xef\xbb\xbf"
                                 "id, name ,note\r\n"
                                 "1,alice,plain\r\n"
                                 "2,\"bob, jr\",\"said \"\"hi\"\"\"\r\n"
                                 "3,carol,\"two\r\nlines\"\n"
                                 "4,,\"\"\n"
                                 "5,\"\",x \"quoted\" inside\n"
                                 "6,eve,last");
    assert_string_equal(f->name, "f");
    assert_string_equal(f->file, "f.csv");
    assert_int_equal(f->n_columns, 3);
    assert_string_equal(f->columns[0], "id");   /* the BOM is skipped */
    assert_string_equal(f->columns[1], "name"); /* names are trimmed */
    assert_string_equal(f->columns[2], "note");
    assert_int_equal(f->n_rows, 6);
    assert_cell(f, 0, 1, "alice");
    assert_cell(f, 1, 1, "bob, jr");
    assert_cell(f, 1, 2, "said \"hi\"");
    assert_cell(f, 2, 2, "two\r\nlines");
    assert_cell(f, 3, 1, "");
    assert_cell(f, 3, 2, "");
    assert_cell(f, 4, 1, "");
    assert_cell(f, 4, 2, "x \"quoted\" inside"); /* a bare quote inside a field is kept */
    assert_cell(f, 5, 2, "last");                /* no final newline */
    static const size_t lines[] = {2, 3, 4, 6, 7, 8};
    for (size_t r = 0; r < 6; r++)
        assert_int_equal(feeder_row_line(f, r), lines[r]);
    assert_int_equal(feeder_column(f, "name", 4), 1);
    assert_int_equal(feeder_column(f, "notes", 4), 2); /* len bytes only */
    assert_int_equal(feeder_column(f, "nam", 3), -1);
    assert_int_equal(feeder_column(f, "Name", 4), -1);
    feeder_free(f);

    /* one column, blank trailing lines, a leading blank line */
    f = load_text("\nuser\nu1\n\"\"\nu3\n\n\r\n\n");
    assert_int_equal(f->n_columns, 1);
    assert_int_equal(f->n_rows, 3);
    assert_cell(f, 1, 0, "");
    assert_cell(f, 2, 0, "u3");
    assert_int_equal(feeder_row_line(f, 0), 3);
    feeder_free(f);
    feeder_free(NULL);
}

static void malformed_files(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want;
    } bad[] = {
        {"", "f.csv: is empty; a feeder's first line names the columns"},
        {"\n\r\n\n", "f.csv: is empty"},
        {"id,name\n", "f.csv: has a header (id, name) but no rows; add one row per line"},
        {"id,name\n\n\n", "f.csv: has a header (id, name) but no rows"},
        {"id,name\n1,a\n2,\"abc\n3,c\n", "f.csv:3: the quoted field that starts on this line "
                                         "has no closing quote"},
        {"id,name\n1,a\n2,b,c\n", "f.csv:3: 3 fields, the header has 2 (id, name); quote a value "
                                  "that holds a comma"},
        {"a,b,c,d,e,f,g\n1,2,3,4,5,6,7\n1\n",
         "f.csv:3: 1 field, the header has 7 (a, b, c, d, e, ...); write an empty value"},
        {"id,\"x\ny\",z\n1,2\n", "f.csv:3: 2 fields, the header has 3"},
        {"id, id\n1,2\n", "f.csv:1: the column name 'id' appears twice in the header"},
        {"id,,x\n1,2,3\n", "f.csv:1: column 2 of the header has no name"},
        {"\n\nid,\" \"\n1,2\n", "f.csv:3: column 2 of the header has no name"},
        {"id\n1\n\n2\n", "f.csv:3: blank line between rows; remove it"},
        {"id,name\n\"1\"x,a\n", "f.csv:2: text after a closing quote"},
        {"id,name\r1,a\r2,b\r", "f.csv:1: lines end in a lone CR"},
    };
    char path[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        test_put(path, sizeof path, "f.csv", bad[i].text);
        struct feeder *f = (struct feeder *)1;
        int rc = feeder_load("f", "f.csv", path, &f, err, sizeof err);
        if (rc != FEEDER_EINVAL || f || !strstr(err, bad[i].want))
            fail_msg("case %zu: rc %d, err\n  %s\nwant\n  %s", i, rc, err, bad[i].want);
    }

    put_bytes(path, sizeof path, "nul.csv", "id\n1\n2\0\n", 8);
    struct feeder *f;
    assert_int_equal(feeder_load("f", "data/nul.csv", path, &f, err, sizeof err), FEEDER_EINVAL);
    assert_non_null(strstr(err, "data/nul.csv:3: holds a NUL byte"));

    snprintf(path, sizeof path, "%s/none.csv", test_dir);
    assert_int_equal(feeder_load("f", "none.csv", path, &f, err, sizeof err), FEEDER_EIO);
    assert_null(f);
    assert_non_null(strstr(err, "none.csv: cannot open"));
    assert_non_null(strstr(err, "No such file"));

    assert_int_equal(feeder_load("f", "dir", test_dir, &f, err, sizeof err), FEEDER_EINVAL);
    assert_non_null(strstr(err, "dir: is not a regular file"));

    /* a FIFO (or a device) is refused at once, never waited on */
    struct fifo_guard g;
    snprintf(path, sizeof path, "%s/pipe.csv", test_dir);
    fifo_guard_start(&g, path);
    f = (struct feeder *)1;
    int rc = feeder_load("f", "pipe.csv", path, &f, err, sizeof err);
    fifo_guard_stop(&g);
    assert_int_equal(rc, FEEDER_EINVAL);
    assert_null(f);
    if (!strstr(err, "pipe.csv: is not a regular file but a FIFO (named pipe)"))
        fail_msg("got '%s'", err);
    assert_int_equal(feeder_load("f", "null", "/dev/null", &f, err, sizeof err), FEEDER_EINVAL);
    assert_non_null(strstr(err, "null: is not a regular file but a character device"));

    /* no err buffer is fine */
    assert_int_equal(feeder_load("f", "dir", test_dir, &f, NULL, 0), FEEDER_EINVAL);
}

/* A feeder's columns are named one by one in ${feeder.column}: more than
 * FEEDER_MAX_COLUMNS is an export, not a feeder, and is refused before
 * the header is read further (200,000 columns took quadratic time). */
static void columns_are_bounded(void **state)
{
    (void)state;
    size_t n = 200000;
    size_t cap = n * 16 + 64;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        test_append(text, cap, &k, "%sc%zu", i ? "," : "", i);
    test_append(text, cap, &k, "\n");
    for (size_t i = 0; i < n; i++)
        test_append(text, cap, &k, "%s1", i ? "," : "");
    test_append(text, cap, &k, "\n");
    char path[256];
    put_bytes(path, sizeof path, "wide.csv", text, k);
    struct feeder *f = (struct feeder *)1;
    assert_int_equal(feeder_load("f", "wide.csv", path, &f, err, sizeof err), FEEDER_EINVAL);
    assert_null(f);
    if (!strstr(err, "wide.csv:1: more than 1000 columns"))
        fail_msg("got '%s'", err);

    /* the limit itself is fine */
    k = 0;
    for (size_t i = 0; i < FEEDER_MAX_COLUMNS; i++)
        test_append(text, cap, &k, "%sc%zu", i ? "," : "", i);
    test_append(text, cap, &k, "\n");
    for (size_t i = 0; i < FEEDER_MAX_COLUMNS; i++)
        test_append(text, cap, &k, "%s%zu", i ? "," : "", i);
    test_append(text, cap, &k, "\n");
    put_bytes(path, sizeof path, "wide.csv", text, k);
    assert_int_equal(feeder_load("f", "wide.csv", path, &f, err, sizeof err), 0);
    assert_int_equal(f->n_columns, FEEDER_MAX_COLUMNS);
    assert_int_equal(feeder_column(f, "c999", 4), 999);
    assert_cell(f, 0, 999, "999");
    feeder_free(f);
    free(text);
}

static void a_million_rows(void **state)
{
    (void)state;
    enum { ROWS = 1000000 };
    char path[256];
    snprintf(path, sizeof path, "%s/big.csv", test_dir);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs("id,name,plan,email\n", out);
    for (int i = 0; i < ROWS; i++)
        fprintf(out, "%d,\"user %d\",gold,u%d@example.com\n", i, i, i);
    assert_int_equal(fclose(out), 0);

    /* (how fast: tools/bench/bench_feeder.c, in make bench) */
    struct feeder *f = NULL;
    assert_int_equal(feeder_load("big", "big.csv", path, &f, err, sizeof err), FEEDER_OK);
    assert_int_equal(f->n_rows, ROWS);
    assert_cell(f, 0, 1, "user 0");
    assert_cell(f, 765432, 0, "765432");
    assert_cell(f, 765432, 3, "u765432@example.com");
    assert_cell(f, ROWS - 1, 1, "user 999999");
    assert_int_equal(feeder_row_line(f, ROWS - 1), ROWS + 1);
    feeder_free(f);
}

/* ---- drawing -------------------------------------------------------------- */

static struct feeder *numbered(size_t rows)
{
    char path[256];
    snprintf(path, sizeof path, "%s/n%zu.csv", test_dir, rows);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs("n\n", out);
    for (size_t i = 0; i < rows; i++)
        fprintf(out, "%zu\n", i);
    assert_int_equal(fclose(out), 0);
    struct feeder *f = NULL;
    assert_int_equal(feeder_load("n", "n.csv", path, &f, err, sizeof err), FEEDER_OK);
    return f;
}

static void sequential_in_file_order(void **state)
{
    (void)state;
    struct feeder *f = numbered(5);
    struct feeder_cursor *c;
    assert_int_equal(feeder_cursor_new(f, 0, 0, 1, &c), FEEDER_EINVAL);
    assert_int_equal(feeder_cursor_new(f, 4, 0, 1, &c), FEEDER_OK);
    struct feeder_draw a = {0}, b = {0};
    uint64_t rng = 1;
    size_t row;
    /* 5 rows for 4 workers: chunks of one, so two workers alternate in order */
    for (size_t i = 0; i < 12; i++) {
        assert_int_equal(feeder_next(f, c, i % 2 ? &b : &a, &rng, &row), 0);
        assert_int_equal(row, i % 5);
    }
    feeder_cursor_free(c);
    feeder_free(f);

    f = numbered(1000); /* one worker: chunks of 64, still in order and wrapping */
    assert_int_equal(feeder_cursor_new(f, 1, 0, 1, &c), FEEDER_OK);
    a = (struct feeder_draw){0};
    for (size_t i = 0; i < 2500; i++) {
        assert_int_equal(feeder_next(f, c, &a, &rng, &row), 0);
        assert_int_equal(row, i % 1000);
    }
    feeder_cursor_free(c);
    feeder_free(f);
    feeder_cursor_free(NULL);
}

static void random_is_uniform(void **state)
{
    (void)state;
    struct feeder *f = numbered(10);
    f->order = FEEDER_RANDOM;
    struct feeder_cursor *c;
    assert_int_equal(feeder_cursor_new(f, 2, 0, 1, &c), FEEDER_OK);
    struct feeder_draw d = {0};
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    size_t count[10] = {0}, row;
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(feeder_next(f, c, &d, &rng, &row), 0);
        assert_true(row < 10);
        count[row]++;
    }
    for (int i = 0; i < 10; i++)
        assert_true(count[i] > 9400 && count[i] < 10600);
    feeder_cursor_free(c);
    feeder_free(f);
}

struct drawer {
    const struct feeder *f;
    struct feeder_cursor *c;
    struct feeder_draw mine;
    size_t limit;    /* draws (0: until exhausted) */
    uint32_t *count; /* per row: times handed to this thread */
    uint64_t rng;
};

static void *draw_thread(void *arg)
{
    struct drawer *d = arg;
    size_t row;
    for (size_t i = 0; !d->limit || i < d->limit; i++) {
        if (feeder_next(d->f, d->c, &d->mine, &d->rng, &row) == FEEDER_EXHAUSTED)
            break;
        d->count[row]++;
    }
    return NULL;
}

/* Runs `threads` drawers over a unique feeder; sums per-row counts into
 * total (plus each thread's unused claimed rows when add_leftover). */
static void draw_all(struct feeder *f, int threads, size_t limit, bool add_leftover,
                     uint32_t *total)
{
    struct feeder_cursor *c;
    assert_int_equal(feeder_cursor_new(f, threads, 0, 1, &c), FEEDER_OK);
    struct drawer d[16];
    pthread_t tid[16];
    for (int i = 0; i < threads; i++) {
        d[i] = (struct drawer){.f = f, .c = c, .limit = limit, .rng = (uint64_t)i + 1};
        d[i].count = calloc(f->n_rows, sizeof *d[i].count);
        assert_non_null(d[i].count);
        assert_int_equal(pthread_create(&tid[i], NULL, draw_thread, &d[i]), 0);
    }
    memset(total, 0, f->n_rows * sizeof *total);
    for (int i = 0; i < threads; i++) {
        assert_int_equal(pthread_join(tid[i], NULL), 0);
        for (size_t r = 0; r < f->n_rows; r++)
            total[r] += d[i].count[r];
        if (add_leftover)
            for (size_t r = d[i].mine.next; r < d[i].mine.end; r++)
                total[r]++;
        free(d[i].count);
    }
    if (!add_leftover) { /* exhausted: nothing may be left in any chunk */
        size_t row;
        struct feeder_draw fresh = {0};
        uint64_t rng = 1;
        assert_int_equal(feeder_next(f, c, &fresh, &rng, &row), FEEDER_EXHAUSTED);
    }
    feeder_cursor_free(c);
}

static void unique_stop_hands_out_each_row_once(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 3, 100, 10007, 200000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct feeder *f = numbered(sizes[s]);
        f->order = FEEDER_UNIQUE;
        f->exhausted = FEEDER_STOP;
        uint32_t *total = calloc(f->n_rows, sizeof *total);
        assert_non_null(total);
        draw_all(f, 8, 0, false, total);
        for (size_t r = 0; r < f->n_rows; r++)
            if (total[r] != 1)
                fail_msg("%zu rows: row %zu handed out %u times", sizes[s], r, total[r]);
        free(total);
        feeder_free(f);
    }
}

static void unique_wrap_covers_every_row_per_pass(void **state)
{
    (void)state;
    static const size_t sizes[] = {3, 1000, 10007};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct feeder *f = numbered(sizes[s]);
        f->order = FEEDER_UNIQUE;
        f->exhausted = FEEDER_WRAP;
        uint32_t *total = calloc(f->n_rows, sizeof *total);
        assert_non_null(total);
        /* 8 threads × 5,003 draws; with what each still holds, the rows
         * claimed are C = passes·n + rest: rows below rest once more */
        draw_all(f, 8, 5003, true, total);
        uint64_t claimed = 0;
        for (size_t r = 0; r < f->n_rows; r++)
            claimed += total[r];
        uint64_t passes = claimed / f->n_rows, rest = claimed % f->n_rows;
        assert_true(passes >= 1);
        for (size_t r = 0; r < f->n_rows; r++)
            if (total[r] != passes + (r < rest))
                fail_msg("%zu rows: row %zu claimed %u times, want %llu", sizes[s], r, total[r],
                         (unsigned long long)(passes + (r < rest)));
        free(total);
        feeder_free(f);
    }
}

/* Shards of a distributed run (scenario_shard): shard i of N draws only
 * the rows r with r mod N = i, so that over 1 to 16 shards a unique feeder
 * hands out every row exactly once across all of them, whatever number of
 * workers each shard runs; random draws stay in the shard's rows. */
static void shards_never_share_a_row(void **state)
{
    (void)state;
    struct feeder *f = numbered(100);
    f->order = FEEDER_UNIQUE;
    f->exhausted = FEEDER_STOP;
    struct feeder_cursor *c;
    assert_int_equal(feeder_cursor_new(f, 1, 0, 101, &c),
                     FEEDER_EINVAL); /* more shards than rows */
    assert_int_equal(feeder_cursor_new(f, 1, 3, 3, &c), FEEDER_EINVAL);
    for (int shards = 1; shards <= 16; shards++) {
        uint32_t seen[100] = {0};
        for (int i = 0; i < shards; i++) {
            int workers = 1 + i % 3;
            assert_int_equal(feeder_cursor_new(f, workers, i, shards, &c), FEEDER_OK);
            struct feeder_draw d[3] = {{0}};
            uint64_t rng = 1;
            size_t row;
            for (int w = 0; w < workers; w++) /* each worker draws until none is left */
                while (feeder_next(f, c, &d[w], &rng, &row) == 0) {
                    assert_int_equal(row % (size_t)shards, (size_t)i);
                    seen[row]++;
                }
            feeder_cursor_free(c);
        }
        for (size_t r = 0; r < 100; r++)
            assert_int_equal(seen[r], 1);
    }
    f->order = FEEDER_RANDOM;
    assert_int_equal(feeder_cursor_new(f, 2, 5, 7, &c), FEEDER_OK);
    struct feeder_draw d = {0};
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    bool hit[100] = {false};
    size_t row;
    for (int k = 0; k < 10000; k++) {
        assert_int_equal(feeder_next(f, c, &d, &rng, &row), 0);
        assert_int_equal(row % 7, 5);
        hit[row] = true;
    }
    for (size_t r = 5; r < 100; r += 7)
        assert_true(hit[r]);
    feeder_cursor_free(c);
    feeder_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_rfc4180),
        cmocka_unit_test(malformed_files),
        cmocka_unit_test(columns_are_bounded),
        cmocka_unit_test(a_million_rows),
        cmocka_unit_test(sequential_in_file_order),
        cmocka_unit_test(random_is_uniform),
        cmocka_unit_test(shards_never_share_a_row),
        cmocka_unit_test(unique_stop_hands_out_each_row_once),
        cmocka_unit_test(unique_wrap_covers_every_row_per_pass),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
