/*
 * infile.c — opening the files a scenario names without waiting; see
 * infile.h.
 */
#include "base/infile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int infile_open(const char *path, struct stat *st)
{
    struct stat own;
    if (!st)
        st = &own;
    /* O_NONBLOCK: opening a FIFO without a writer (or a tty, a device
     * that waits for carrier) returns at once instead of blocking. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int saved = errno;
        if (saved == ENOENT || saved == ENOTDIR)
            return INFILE_ENOENT;
        /* a socket cannot be opened at all (ENXIO): say what it is */
        if (!stat(path, st) && !S_ISREG(st->st_mode))
            return INFILE_ENOTREG;
        errno = saved;
        return INFILE_EOPEN;
    }
    if (fstat(fd, st)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return INFILE_EOPEN;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        return INFILE_ENOTREG;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return INFILE_EOPEN;
    }
    return fd;
}

int infile_read(const char *path, size_t max_bytes, char **out, size_t *len, struct stat *st)
{
    struct stat own;
    if (!st)
        st = &own;
    *out = NULL;
    *len = 0;
    int fd = infile_open(path, st);
    if (fd < 0)
        return fd;
    int rc = INFILE_ETOOBIG;
    if ((unsigned long long)st->st_size > max_bytes) {
        *len = (size_t)st->st_size;
        goto out;
    }
    size_t size = (size_t)st->st_size, got = 0;
    char *buf = malloc(size + 1);
    rc = INFILE_ENOMEM;
    if (!buf)
        goto out;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!n)
                errno = 0; /* the file got shorter while read */
            free(buf);
            rc = INFILE_EREAD;
            goto out;
        }
        got += (size_t)n;
    }
    buf[size] = '\0';
    *out = buf;
    *len = size;
    rc = INFILE_OK;
out:;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

const char *infile_kind(mode_t mode)
{
    return S_ISFIFO(mode)   ? "a FIFO (named pipe)"
           : S_ISDIR(mode)  ? "a directory"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a file gatecap can read";
}
