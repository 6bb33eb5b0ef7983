/*
 * fuzz_template.c — libFuzzer target for ${...} templates
 * (harness/template*.c). The first byte picks the flags (TPL_ENV,
 * TPL_RUNTIME, TPL_LENIENT); the rest is the text, compiled against one
 * small feeder and a fixed environment. A failure must come with a
 * message; a template that compiles must render (twice, into the same
 * buffer) to NUL-terminated output, and a static one to exactly its text.
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

static const char *env(void *user, const char *name)
{
    (void)user;
    return !strcmp(name, "A") ? "alpha" : !strcmp(name, "E") ? "" : NULL;
}

/* The feeder "acc" (id, name), loaded once for the whole run. */
static const struct feeder *the_feeder(void)
{
    static struct feeder *f; /* fuzzing harness only: built once, never written after */
    if (f)
        return f;
    static const char csv[] = "id,name\n1,alice\n2,\"bob, jr\"\n";
    int fd = memfd_create("acc.csv", 0);
    if (fd < 0 || write(fd, csv, sizeof csv - 1) != (ssize_t)(sizeof csv - 1))
        abort();
    char path[64], err[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (feeder_load("acc", "acc.csv", path, &f, err, sizeof err))
        abort();
    close(fd);
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    const struct feeder *const fs[] = {the_feeder()};
    unsigned flags = data[0] & 7u;
    char err[512];
    struct tpl *t = NULL;
    int rc =
        tpl_compile((const char *)data + 1, size - 1, flags, fs, 1, env, NULL, &t, err, sizeof err);
    if (rc) {
        if (t || rc != TPL_EINVAL || !err[0])
            abort();
        return 0;
    }
    size_t rows[1] = {1}, len;
    uint64_t rng = 12345;
    struct tpl_ctx ctx = {
        .feeders = fs, .rows = rows, .seq = 7, .rng = &rng, .wall_ns = 1795430922123456789LL};
    struct tpl_buf b = {0};
    const char *text = tpl_text(t, &len);
    for (int i = 0; i < 2; i++) {
        if (tpl_render(t, &ctx, &b) || b.data[b.len] != '\0')
            abort();
        if (!tpl_dynamic(t) && (b.len != len || memcmp(b.data, text, len)))
            abort();
    }
    tpl_buf_free(&b);
    tpl_free(t);
    return 0;
}
