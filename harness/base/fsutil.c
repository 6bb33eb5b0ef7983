/*
 * fsutil.c — atomic output files; see fsutil.h.
 */
#include "base/fsutil.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_atomic_open(struct fs_atomic *a, const char *path)
{
    memset(a, 0, sizeof *a);
    if (!(a->path = strdup(path)) || asprintf(&a->tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        free(a->path);
        a->tmp = a->path = NULL;
        errno = ENOMEM;
        return -1;
    }
    if (!(a->f = fopen(a->tmp, "w"))) {
        int e = errno;
        free(a->path);
        free(a->tmp);
        a->tmp = a->path = NULL;
        errno = e;
        return -1;
    }
    return 0;
}

static void release(struct fs_atomic *a)
{
    free(a->path);
    free(a->tmp);
    a->path = a->tmp = NULL;
    a->f = NULL;
}

int fs_atomic_commit(struct fs_atomic *a)
{
    int failed = fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0;
    int e = errno;
    if (fclose(a->f) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    if (!failed && rename(a->tmp, a->path) != 0) {
        failed = 1;
        e = errno;
    }
    if (failed)
        unlink(a->tmp);
    release(a);
    errno = e;
    return failed ? -1 : 0;
}

void fs_atomic_abort(struct fs_atomic *a)
{
    if (a->f) {
        fclose(a->f);
        unlink(a->tmp);
    }
    release(a);
}

FILE *fs_outset_add(struct fs_outset *s, const char *path)
{
    if (s->n == FS_OUTSET_MAX) {
        errno = EMFILE;
        return NULL;
    }
    if (fs_atomic_open(&s->files[s->n], path) != 0)
        return NULL;
    return s->files[s->n++].f;
}

const char *fs_outset_tmp(const struct fs_outset *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->files[i].path, path))
            return s->files[i].tmp;
    return NULL;
}

int fs_outset_commit(struct fs_outset *s, char *failed, size_t failed_len)
{
    int e = 0;
    size_t n = s->n, bad = n;
    for (size_t i = 0; i < n; i++) {
        struct fs_atomic *a = &s->files[i];
        bool ok = fflush(a->f) == 0 && !ferror(a->f) && fsync(fileno(a->f)) == 0;
        int fe = errno;
        if (fclose(a->f) != 0 && ok) {
            ok = false;
            fe = errno;
        }
        a->f = NULL;
        if (!ok && bad == n) {
            bad = i;
            e = fe ? fe : EIO;
        }
    }
    for (size_t i = 0; bad == n && i < n; i++)
        if (rename(s->files[i].tmp, s->files[i].path) != 0) {
            bad = i;
            e = errno;
        }
    if (bad < n && failed && failed_len)
        snprintf(failed, failed_len, "%s", s->files[bad].path);
    for (size_t i = 0; i < n; i++) {
        if (bad < n)
            unlink(s->files[i].tmp);
        release(&s->files[i]);
    }
    s->n = 0;
    errno = e;
    return bad < n ? -1 : 0;
}

void fs_outset_abort(struct fs_outset *s)
{
    for (size_t i = 0; i < s->n; i++)
        fs_atomic_abort(&s->files[i]);
    s->n = 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len)
{
    struct fs_atomic a;
    if (fs_atomic_open(&a, path))
        return -1;
    if (fwrite(data, 1, len, a.f) != len) {
        int e = errno;
        fs_atomic_abort(&a);
        errno = e;
        return -1;
    }
    return fs_atomic_commit(&a);
}

int fs_mkdirs(const char *dir)
{
    struct fs_made made;
    return fs_mkdirs_track(dir, &made);
}

/* mkdir, noting in made when it made the first folder. */
static int make_one(const char *path, size_t len, struct fs_made *made)
{
    if (mkdir(path, 0777) == 0) {
        if (!made->top)
            made->top = len;
        return 0;
    }
    return errno == EEXIST ? 0 : -1;
}

int fs_mkdirs_track(const char *dir, struct fs_made *made)
{
    char *buf = made->dir;
    size_t n = strlen(dir);
    made->top = 0;
    made->dir[0] = '\0';
    if (n == 0 || n >= sizeof made->dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = make_one(buf, (size_t)(p - buf), made);
        *p = '/';
        if (rc)
            return -1;
    }
    return make_one(buf, n, made);
}

int fs_made_undo(struct fs_made *made)
{
    char *p = made->dir;
    size_t n = strlen(p);
    int removed = 0;
    while (made->top && n >= made->top) {
        while (n > 1 && p[n - 1] == '/') /* "out/" is the folder "out" */
            p[--n] = '\0';
        if (n < made->top || rmdir(p))
            break;
        removed++;
        while (n && p[n - 1] != '/')
            n--;
        p[n] = '\0';
    }
    made->top = 0;
    made->dir[0] = '\0';
    return removed;
}
