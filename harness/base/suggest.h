/*
 * suggest.h — how far apart two short names are, for "did you mean"
 * hints in error messages (unknown keys, feeders, built-ins).
 */
#ifndef GATECAP_SUGGEST_H
#define GATECAP_SUGGEST_H

#include <stddef.h>

/* Optimal-string-alignment distance of a (la bytes) and b (lb bytes),
 * ignoring ASCII case: insertions, deletions, substitutions and swaps of
 * two neighbours count one each. Names longer than 63 bytes are 64 apart
 * from everything. */
size_t suggest_distance(const char *a, size_t la, const char *b, size_t lb);

#endif
