/*
 * fsutil.h — files that are never seen half-written: write to a temporary
 * file beside the target, flush, then rename over it.
 */
#ifndef GATECAP_FSUTIL_H
#define GATECAP_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

/* An output file being written: f is open on "path.tmp.PID". */
struct fs_atomic {
    FILE *f;
    char *path;
    char *tmp;
};

/* Opens the temporary file for path. Returns 0 or -1 (errno set). */
int fs_atomic_open(struct fs_atomic *a, const char *path);

/* Flushes, syncs and renames the temporary file to its path; closes it.
 * Returns 0 or -1 (errno set; the temporary file is removed). */
int fs_atomic_commit(struct fs_atomic *a);

/* Closes and removes the temporary file without touching path. */
void fs_atomic_abort(struct fs_atomic *a);

/* Writes len bytes to path atomically. Returns 0 or -1 (errno set). */
int fs_write_atomic(const char *path, const void *data, size_t len);

/* mkdir -p. Returns 0 or -1 (errno set). */
int fs_mkdirs(const char *dir);

#endif
