/*
 * uniq.h — duplicates among many keys in O(n log n) comparisons: for
 * each key, the first key equal to it. Checking "is this name given
 * twice?" pair by pair is O(n^2), which a hostile file turns into minutes
 * (a YAML mapping of 90,000 keys took 39 s); sorting bounds the work by
 * the input's size. Nothing here allocates per key beyond one index array.
 */
#ifndef GATECAP_UNIQ_H
#define GATECAP_UNIQ_H

#include <stddef.h>

/* A key: len bytes at s (may hold NULs; need not be NUL-terminated). */
struct uniq_key {
    const char *s;
    size_t len;
};

/* Keys that differ only in ASCII case are equal (HTTP header names). */
#define UNIQ_NOCASE 1u

/* For each of the n keys (borrowed), first[i] (n slots, the caller's)
 * gets the index of the first key equal to key i: i itself when no key
 * before it is equal. flags: 0 or UNIQ_NOCASE. At most about
 * n * log2(n) comparisons (a merge sort); *compares (may be NULL) is
 * increased by how many were made. Returns 0, or -1 when memory for the
 * sort cannot be had (first is then unspecified). */
int uniq_first(const struct uniq_key *keys, size_t n, unsigned flags, size_t *first,
               size_t *compares);

#endif
