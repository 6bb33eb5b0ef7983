/*
 * fuzz_feeder.c — libFuzzer target for CSV feeders (harness/scenario/feeder.c) and
 * the templates that read them (harness/template*.c). The input is a CSV
 * file (written to a memfd); when it loads, every cell must lie inside
 * the file's bytes and be NUL-terminated, every row's line must be within
 * the file, and a template naming the first column must render each row
 * to exactly that cell. A failure must come with a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scenario/feeder.h"
#include "scenario/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.csv", 0);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64], err[1024];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct feeder *f = NULL;
    int rc = feeder_load("f", "fuzz.csv", path, &f, err, sizeof err);
    close(fd);
    if (rc) {
        if (f || !err[0] || strncmp(err, "fuzz.csv", 8))
            abort();
        return 0;
    }
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (!f->n_rows || !f->n_columns)
        abort();
    for (size_t r = 0; r < f->n_rows; r++) {
        if (feeder_row_line(f, r) < 1 || feeder_row_line(f, r) > lines)
            abort();
        for (size_t c = 0; c < f->n_columns; c++) {
            size_t len;
            const char *cell = feeder_cell(f, r, c, &len);
            if (len > size || cell[len] != '\0')
                abort();
        }
    }
    /* ${f.COLUMN} of the first column, when a reference can name it */
    char text[128];
    int n = snprintf(text, sizeof text, "${f.%s}", f->columns[0]);
    for (const char *p = f->columns[0]; *p; p++)
        if (!(*p == '_' || *p == '-' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z')))
            n = -1; /* a reference cannot name it */
    struct tpl *t = NULL;
    const struct feeder *const fs[] = {f};
    if (n > 0 && (size_t)n < sizeof text &&
        !tpl_compile(text, (size_t)n, TPL_RUNTIME, fs, 1, NULL, NULL, &t, err, sizeof err)) {
        struct tpl_buf b = {0};
        uint64_t rng = 1;
        for (size_t r = 0; r < f->n_rows && r < 1000; r++) {
            struct tpl_ctx ctx = {.feeders = fs, .rows = &r, .rng = &rng};
            size_t len;
            const char *cell = feeder_cell(f, r, 0, &len);
            if (tpl_render(t, &ctx, &b) || b.len != len || memcmp(b.data, cell, len))
                abort();
        }
        tpl_buf_free(&b);
        tpl_free(t);
    }
    feeder_free(f);
    return 0;
}
