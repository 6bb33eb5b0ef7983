/*
 * template_render.c — rendering a compiled template (see template.h).
 *
 * Rendering first adds up an upper bound of the output (literal bytes and
 * each built-in's longest form are known at compile time; a feeder cell's
 * length is looked up), grows the buffer once if needed, then writes.
 * Dates are computed from the epoch with integer arithmetic (no gmtime_r,
 * strftime or locale), so there is nothing to cache and nothing shared
 * between threads.
 */
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "scenario/feeder.h"
#include "scenario/template_int.h"

static const char hex_digits[] = "0123456789abcdef";

/* Writes v in decimal at o; returns the bytes written. */
static size_t put_u64(char *o, uint64_t v)
{
    char tmp[INT_BYTES];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        o[i] = tmp[n - 1 - i];
    return n;
}

static size_t put_i64(char *o, int64_t v)
{
    if (v >= 0)
        return put_u64(o, (uint64_t)v);
    o[0] = '-';
    return 1 + put_u64(o + 1, 0 - (uint64_t)v);
}

/* Two digits of v (0..99). */
static void put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

struct civil {
    int64_t days;                                                 /* since 1970-01-01 */
    unsigned year, month, day, hour, minute, second, ms, weekday; /* weekday: 0 = Sunday */
};

/* Howard Hinnant's days-to-civil, for the proleptic Gregorian calendar. */
static void civil_of(int64_t wall_ns, struct civil *c)
{
    int64_t ms = wall_ns / 1000000 - (wall_ns % 1000000 < 0);
    int64_t secs = ms / 1000 - (ms % 1000 < 0);
    c->ms = (unsigned)(ms - secs * 1000);
    int64_t days = secs / 86400 - (secs % 86400 < 0);
    int64_t sod = secs - days * 86400;
    c->days = days;
    c->hour = (unsigned)(sod / 3600);
    c->minute = (unsigned)(sod / 60 % 60);
    c->second = (unsigned)(sod % 60);
    c->weekday = (unsigned)(((days + 4) % 7 + 7) % 7);
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    c->month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    c->year = (unsigned)(yoe + era * 400 + (c->month <= 2));
}

void tpl_format_iso(int64_t wall_ns, char *o)
{
    struct civil c;
    civil_of(wall_ns, &c);
    put2(o, c.year / 100 % 100);
    put2(o + 2, c.year % 100);
    o[4] = '-';
    put2(o + 5, c.month);
    o[7] = '-';
    put2(o + 8, c.day);
    o[10] = 'T';
    put2(o + 11, c.hour);
    o[13] = ':';
    put2(o + 14, c.minute);
    o[16] = ':';
    put2(o + 17, c.second);
    o[19] = '.';
    o[20] = (char)('0' + c.ms / 100);
    put2(o + 21, c.ms % 100);
    o[23] = 'Z';
    o[24] = '\0';
}

void tpl_format_http(int64_t wall_ns, char *o)
{
    static const char days[] = "SunMonTueWedThuFriSat";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct civil c;
    civil_of(wall_ns, &c);
    memcpy(o, days + 3 * c.weekday, 3);
    o[3] = ',';
    o[4] = ' ';
    put2(o + 5, c.day);
    o[7] = ' ';
    memcpy(o + 8, months + 3 * (c.month - 1), 3);
    o[11] = ' ';
    put2(o + 12, c.year / 100 % 100);
    put2(o + 14, c.year % 100);
    o[16] = ' ';
    put2(o + 17, c.hour);
    o[19] = ':';
    put2(o + 20, c.minute);
    o[22] = ':';
    put2(o + 23, c.second);
    memcpy(o + 25, " GMT", 5);
}

/* Uniform in [lo, hi] without modulo bias. */
static int64_t random_between(int64_t lo, int64_t hi, uint64_t *rng)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    if (span == UINT64_MAX)
        return (int64_t)rng_next(rng);
    uint64_t range = span + 1, r;
    uint64_t threshold = (0 - range) % range; /* 2^64 mod range */
    do
        r = rng_next(rng);
    while (r < threshold);
    return (int64_t)((uint64_t)lo + r % range);
}

static size_t put_uuid(char *o, uint64_t *rng)
{
    uint64_t hi = rng_next(rng), lo = rng_next(rng);
    hi = (hi & ~(uint64_t)0xf000) | 0x4000;                     /* version 4 */
    lo = (lo & ~((uint64_t)0xc << 60)) | ((uint64_t)0x8 << 60); /* variant 10xx */
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            o[k++] = '-';
        uint64_t w = i < 8 ? hi : lo;
        unsigned byte = (unsigned)(w >> (56 - 8 * (i % 8))) & 0xff;
        o[k++] = hex_digits[byte >> 4];
        o[k++] = hex_digits[byte & 15];
    }
    return k;
}

static size_t put_hex(char *o, size_t n, uint64_t *rng)
{
    for (size_t i = 0; i < n; i += 16) {
        uint64_t r = rng_next(rng);
        for (size_t j = i; j < n && j < i + 16; j++, r >>= 4)
            o[j] = hex_digits[r & 15];
    }
    return n;
}

int tpl_buf_reserve(struct tpl_buf *b, size_t more)
{
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return TPL_OK;
    size_t cap = b->cap * 2 > need ? b->cap * 2 : need;
    char *d = realloc(b->data, cap);
    if (!d)
        return TPL_ENOMEM;
    b->data = d;
    b->cap = cap;
    return TPL_OK;
}

int tpl_buf_append(struct tpl_buf *b, const char *s, size_t len)
{
    if (tpl_buf_reserve(b, len))
        return TPL_ENOMEM;
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
    return TPL_OK;
}

int tpl_render(const struct tpl *t, const struct tpl_ctx *ctx, struct tpl_buf *out)
{
    size_t kept = out->len;
    out->len = 0;
    int rc = tpl_render_append(t, ctx, out);
    if (rc)
        out->len = kept; /* unchanged, as promised */
    return rc;
}

int tpl_render_append(const struct tpl *t, const struct tpl_ctx *ctx, struct tpl_buf *out)
{
    size_t need = t->fixed_bytes;
    for (size_t i = 0; i < t->n_pieces; i++) {
        const struct piece *p = &t->pieces[i];
        if (p->kind == P_COLUMN) {
            size_t n;
            feeder_cell(ctx->feeders[p->a], ctx->rows[p->a], p->b, &n);
            need += n;
        } else if (p->kind == P_VAR) {
            need += ctx->vars[p->a].len;
        }
    }
    if (tpl_buf_reserve(out, need))
        return TPL_ENOMEM;
    char *o = out->data;
    size_t k = out->len;
    for (size_t i = 0; i < t->n_pieces; i++) {
        const struct piece *p = &t->pieces[i];
        switch (p->kind) {
        case P_LIT:
            memcpy(o + k, t->text + p->a, p->b);
            k += p->b;
            break;
        case P_COLUMN: {
            size_t n;
            const char *cell = feeder_cell(ctx->feeders[p->a], ctx->rows[p->a], p->b, &n);
            memcpy(o + k, cell, n);
            k += n;
            break;
        }
        case P_UUID:
            k += put_uuid(o + k, ctx->rng);
            break;
        case P_SEQ:
            k += put_u64(o + k, ctx->seq);
            break;
        case P_NOW_MS:
            k += put_i64(o + k, ctx->wall_ns / 1000000 - (ctx->wall_ns % 1000000 < 0));
            break;
        case P_NOW_ISO:
            tpl_format_iso(ctx->wall_ns, o + k);
            k += ISO_BYTES;
            break;
        case P_NOW_HTTP:
            tpl_format_http(ctx->wall_ns, o + k);
            k += HTTP_BYTES;
            break;
        case P_RAND_INT:
            k += put_i64(o + k, random_between(p->lo, p->hi, ctx->rng));
            break;
        case P_RAND_HEX:
            k += put_hex(o + k, p->a, ctx->rng);
            break;
        case P_VAR:
            if (ctx->vars[p->a].len)
                memcpy(o + k, ctx->vars[p->a].p, ctx->vars[p->a].len);
            k += ctx->vars[p->a].len;
            break;
        }
    }
    o[k] = '\0';
    out->len = k;
    return TPL_OK;
}

void tpl_buf_free(struct tpl_buf *b)
{
    free(b->data);
    *b = (struct tpl_buf){0};
}
