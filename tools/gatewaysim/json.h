/*
 * json.h — a small bounded JSON scanner for request bodies: finds the
 * value at a path of object members (e.g. Data.ConsentId) and decodes
 * string values. No library, no allocation: it walks the bytes it is
 * given, never past them, and checks the whole document is JSON (RFC
 * 8259 grammar; bytes >= 0x80 inside strings are taken as they are).
 */
#ifndef GATEWAYSIM_JSON_H
#define GATEWAYSIM_JSON_H

#include <stddef.h>

/* Nesting deeper than this (objects and arrays) is refused as malformed:
 * the scanner recurses once per level. */
#define GSJSON_MAX_DEPTH 64

/* Finds the value at keys[0..n_keys) — member keys[0] of the top-level
 * object, member keys[1] of that, ... (keys compared after decoding
 * escapes; the first of duplicate members wins) — in the JSON document
 * buf[0, len). Checks the whole document first to last byte. Returns 0
 * with the value's raw span in *off and *val_len (a string with its
 * quotes, an object with its braces), -ENOENT when the document is valid
 * but has no such member (or a step of the path is not an object), or
 * -EINVAL when buf is not JSON (empty, malformed, trailing bytes, deeper
 * than GSJSON_MAX_DEPTH). Borrows buf and keys. */
int gsjson_find(const char *buf, size_t len, const char *const *keys, int n_keys, size_t *off,
                size_t *val_len);

/* Decodes the JSON string token raw[0, len) (quotes included, as
 * gsjson_find gives it) into out (size bytes, NUL-terminated): escapes
 * resolved, \uXXXX (and surrogate pairs) written as UTF-8. Returns the
 * decoded length, -EINVAL when raw is not one well-formed string, or
 * -ENOSPC when it does not fit. */
int gsjson_string(const char *raw, size_t len, char *out, size_t size);

#endif
