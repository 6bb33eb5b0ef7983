/*
 * yamltree.h — a YAML document (libyaml) as a small mutable tree of
 * mappings, sequences and scalars, each node carrying where it came from
 * (a file name and a 1-based line:column, or an origin label such as a
 * command-line override). The scenario parser reads and edits this tree;
 * nothing in it knows what a scenario is.
 *
 * YAML features: one document per stream; anchors and aliases (an alias
 * becomes a deep copy of the anchored node); merge keys (`<<: *base` or
 * `<<: [*a, *b]`, keys already in the mapping win). Mapping keys must be
 * scalars and unique. Scalars keep their text exactly as written (no type
 * resolution): `2`, `"2"` and `1.10` stay text, and the reader decides.
 *
 * Limits guard against hostile input: YTREE_MAX_DEPTH levels of nesting,
 * YTREE_MAX_NODES nodes and YTREE_MAX_BYTES bytes of scalar text per tree
 * (aliases and merge keys count as their copies: one large scalar aliased
 * a thousand times is a thousand large scalars). The work is O(n log n) in
 * the tree's size: duplicate keys and merges are found by sorting.
 */
#ifndef GATECAP_YAMLTREE_H
#define GATECAP_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

enum {
    YTREE_OK = 0,
    YTREE_ESYNTAX = -1, /* not valid YAML, or beyond the limits; message in err */
    YTREE_ENOMEM = -2,
};

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_NODES 200000
#define YTREE_MAX_BYTES (32u << 20)

enum ytree_kind { YTREE_SCALAR = 0, YTREE_MAP = 1, YTREE_SEQ = 2 };

struct ytree_node {
    enum ytree_kind kind;
    const char *src; /* origin label (file path, "--set k=v"), borrowed */
    int line, col;   /* 1-based position in src; 0 when src has no lines */
    char *text;      /* scalar: the value, NUL-terminated, owned */
    size_t len;      /* scalar: bytes in text (YAML escapes may hold NULs) */
    bool plain;      /* scalar written without quotes or block style */
    char *tag;       /* explicit tag as written ("!secret") or NULL, owned */
    size_t n;        /* map: pairs; seq: items */
    size_t cap;      /* slots allocated in items */
    /* seq: items[0..n); map: items[2i] is key i (a scalar), items[2i+1] its value */
    struct ytree_node **items;
};

/* Parses len bytes of buf as one YAML document. src labels every node and
 * every message and must outlive the tree. *out is the root, owned by the
 * caller (ytree_free); NULL for an empty document. On YTREE_ESYNTAX writes
 * "src:line:col: YAML syntax error: ...; what to do" into err (err_len
 * bytes). */
int ytree_parse(const char *src, const char *buf, size_t len, struct ytree_node **out, char *err,
                size_t err_len);

/* What a parse built and did; for tests and diagnostics. */
struct ytree_stats {
    size_t nodes;        /* nodes built, copies made by aliases and merges included */
    size_t bytes;        /* bytes of scalar text built, copies included */
    size_t key_compares; /* comparisons of keys (duplicates, merges) and anchor names */
};

/* ytree_parse, and fills *stats (may be NULL) whatever the result. */
int ytree_parse_stats(const char *src, const char *buf, size_t len, struct ytree_node **out,
                      struct ytree_stats *stats, char *err, size_t err_len);

/* Frees n and everything under it; NULL is fine. */
void ytree_free(struct ytree_node *n);

/* New scalar holding a copy of text (len bytes), plain style, no position.
 * Returns an owned node or NULL on allocation failure. */
struct ytree_node *ytree_new_scalar(const char *src, const char *text, size_t len);

/* New empty mapping or sequence. Returns an owned node or NULL. */
struct ytree_node *ytree_new(const char *src, enum ytree_kind kind);

/* Deep copy of n; src and positions are kept. Returns owned or NULL. */
struct ytree_node *ytree_copy(const struct ytree_node *n);

/* Appends item to seq (takes item). Returns 0 or YTREE_ENOMEM (item is
 * then still the caller's). */
int ytree_seq_append(struct ytree_node *seq, struct ytree_node *item);

/* Appends the pair key -> value to map (takes both; key must be a scalar).
 * Does not check for duplicates. Returns 0 or YTREE_ENOMEM (both stay the
 * caller's). */
int ytree_map_append(struct ytree_node *map, struct ytree_node *key, struct ytree_node *value);

/* Index of the pair whose key text equals key (exact, case-sensitive), or
 * -1. Borrows. */
long ytree_map_find(const struct ytree_node *map, const char *key);

/* Value under key in map, or NULL when absent or map is not a mapping. */
struct ytree_node *ytree_map_get(const struct ytree_node *map, const char *key);

/* True for a scalar that means "no value": empty and plain, or a plain
 * ~ / null / Null / NULL. */
bool ytree_is_null(const struct ytree_node *n);

/* "a mapping", "a list", "a value" or "nothing" — for messages. */
const char *ytree_kind_name(const struct ytree_node *n);

#endif
