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

/* Output files that appear together or not at all: each is written to
 * its temporary file; fs_outset_commit renames them over their paths only
 * when every one was written, flushed and synced. (The renames follow one
 * another: a crash between two of them could leave a mix, which no signal
 * can cause — see sigguard.h.) */
#define FS_OUTSET_MAX 8
struct fs_outset {
    struct fs_atomic files[FS_OUTSET_MAX];
    size_t n;
};

/* Opens the temporary file for path in the set (folders must exist).
 * Returns the file to write (owned by the set) or NULL (errno set). */
FILE *fs_outset_add(struct fs_outset *s, const char *path);

/* The temporary file's name of path in the set (to read back what was
 * written), or NULL. */
const char *fs_outset_tmp(const struct fs_outset *s, const char *path);

/* Flushes, syncs and closes every file; when all of that succeeded,
 * renames each over its path. Returns 0, or -1 with errno set and the
 * path that failed copied into failed (may be NULL); then no file was
 * renamed (unless a rename itself failed midway) and every temporary file
 * is removed. The set is empty afterwards either way. */
int fs_outset_commit(struct fs_outset *s, char *failed, size_t failed_len);

/* Removes every temporary file of the set; the set is empty afterwards. */
void fs_outset_abort(struct fs_outset *s);

/* Writes len bytes to path atomically. Returns 0 or -1 (errno set). */
int fs_write_atomic(const char *path, const void *data, size_t len);

/* mkdir -p. Returns 0 or -1 (errno set). */
int fs_mkdirs(const char *dir);

/* The folders one fs_mkdirs_track made: dir, and how much of it is the
 * path of the shallowest folder that did not exist before (0: it made
 * none). */
struct fs_made {
    char dir[4096];
    size_t top;
};

/* fs_mkdirs, noting in *made what it made (made is set either way; after
 * a failure it holds what was made before it). Returns 0 or -1 (errno
 * set). */
int fs_mkdirs_track(const char *dir, struct fs_made *made);

/* Takes back what fs_mkdirs_track made, deepest first, as long as each
 * folder is empty (rmdir: one that something was written into stays, and
 * so do those above it). Returns how many it removed; made is emptied. */
int fs_made_undo(struct fs_made *made);

#endif
