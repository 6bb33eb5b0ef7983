/*
 * template_priv.h — the compiled form of a template, shared by
 * template.c (compiling) and template_render.c (rendering) only.
 */
#ifndef GATECAP_TEMPLATE_PRIV_H
#define GATECAP_TEMPLATE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/template.h"

enum piece_kind {
    P_LIT,
    P_COLUMN,
    P_UUID,
    P_SEQ,
    P_NOW_MS,
    P_NOW_ISO,
    P_NOW_HTTP,
    P_RAND_INT,
    P_RAND_HEX,
    P_VAR, /* a flow variable: a = its index in tpl_ctx.vars */
};

struct piece {
    enum piece_kind kind;
    size_t a, b;    /* LIT: offset and length in text; COLUMN: feeder, column; RAND_HEX: a = N */
    int64_t lo, hi; /* RAND_INT bounds */
};

struct tpl {
    char *text;
    size_t text_len;
    struct piece *pieces;
    size_t n_pieces;
    size_t fixed_bytes; /* literal bytes + the longest form of every built-in */
    uint64_t feeder_mask;
    uint64_t var_mask; /* bit v: the template uses flow variable v */
    bool dynamic;
    bool used_env;
};

/* Longest output of each built-in, bytes. */
#define UUID_BYTES 36
#define INT_BYTES 20 /* -9223372036854775808, 18446744073709551615 */
#define ISO_BYTES 24
#define HTTP_BYTES 29
#define MAX_HEX 256

#endif
