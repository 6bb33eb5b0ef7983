/*
 * infile.h — opening a file that a scenario names (a feeder, a body, a
 * certificate, a secret) for reading without ever waiting: a FIFO, a
 * terminal or a device opened the usual way can block the process until
 * someone writes to it, and `gatecap validate` must answer at once. The
 * file is opened with O_NONBLOCK, checked with fstat on the descriptor
 * (no window between a check and the open), and refused unless it is a
 * regular file. Nothing here prints: callers word the message.
 */
#ifndef GATECAP_INFILE_H
#define GATECAP_INFILE_H

#include <stddef.h>
#include <sys/stat.h>

enum {
    INFILE_OK = 0,
    INFILE_ENOENT = -1,  /* no such file (or a folder on the way is missing) */
    INFILE_EOPEN = -2,   /* cannot open it: errno says why (EACCES, ...) */
    INFILE_ENOTREG = -3, /* a FIFO, directory, device or socket: infile_kind names it */
    INFILE_ETOOBIG = -4, /* larger than the caller's limit */
    INFILE_EREAD = -5,   /* a read failed (errno) or the file shrank while read */
    INFILE_ENOMEM = -6,
};

/* Opens path for reading: a descriptor >= 0 (the caller's: close it),
 * blocking again once known to be a regular file, with *st (may be NULL)
 * filled; or a negative INFILE_E*, errno kept for ENOENT, EOPEN and
 * EREAD, and *st filled for ENOTREG. */
int infile_open(const char *path, struct stat *st);

/* Reads the whole regular file at path, at most max_bytes: *out owned
 * (free), NUL-terminated after *len bytes. Errors as infile_open, and
 * INFILE_ETOOBIG (*len gets the file's size), INFILE_EREAD,
 * INFILE_ENOMEM; *out is NULL then. st (may be NULL) as infile_open. */
int infile_read(const char *path, size_t max_bytes, char **out, size_t *len, struct stat *st);

/* What a file of st_mode mode is, for "X is not a regular file but ...":
 * "a FIFO (named pipe)", "a directory", "a character device", "a block
 * device", "a socket", or "not a file gatecap can read". */
const char *infile_kind(mode_t mode);

#endif
