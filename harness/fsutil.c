/*
 * fsutil.c — atomic output files; see fsutil.h.
 */
#include "fsutil.h"

#include <errno.h>
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
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    return 0;
}
