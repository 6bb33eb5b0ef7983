/*
 * uniq.c — the first equal key of each key; see uniq.h. A stable merge
 * sort of the keys' indexes (by length, then bytes, then index) puts
 * equal keys next to each other with the earliest first; one pass then
 * names each run's first. Merge sort rather than qsort: its bound holds
 * for every input, which is the point.
 */
#include "base/uniq.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sorter {
    const struct uniq_key *keys;
    bool nocase;
    size_t compares;
};

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* <0, 0, >0 as key a sorts before, with or after key b (index last). */
static int cmp(struct sorter *st, size_t a, size_t b)
{
    const struct uniq_key *x = &st->keys[a], *y = &st->keys[b];
    st->compares++;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int d = 0;
    if (st->nocase) {
        for (size_t i = 0; i < x->len && !d; i++)
            d = (int)fold((unsigned char)x->s[i]) - (int)fold((unsigned char)y->s[i]);
    } else if (x->len) {
        d = memcmp(x->s, y->s, x->len);
    }
    if (d)
        return d;
    return a < b ? -1 : a > b ? 1 : 0;
}

/* Key equality only (no index). */
static bool same(struct sorter *st, size_t a, size_t b)
{
    const struct uniq_key *x = &st->keys[a], *y = &st->keys[b];
    st->compares++;
    if (x->len != y->len)
        return false;
    if (!st->nocase)
        return !x->len || !memcmp(x->s, y->s, x->len);
    for (size_t i = 0; i < x->len; i++)
        if (fold((unsigned char)x->s[i]) != fold((unsigned char)y->s[i]))
            return false;
    return true;
}

/* Bottom-up merge sort of idx[0..n) using tmp (n slots). Leaves the
 * sorted order in idx. */
static void merge_sort(struct sorter *st, size_t *idx, size_t *tmp, size_t n)
{
    size_t *from = idx, *to = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                to[k++] = cmp(st, from[i], from[j]) <= 0 ? from[i++] : from[j++];
            while (i < mid)
                to[k++] = from[i++];
            while (j < hi)
                to[k++] = from[j++];
        }
        size_t *t = from;
        from = to;
        to = t;
    }
    if (from != idx)
        memcpy(idx, from, n * sizeof *idx);
}

int uniq_first(const struct uniq_key *keys, size_t n, unsigned flags, size_t *first,
               size_t *compares)
{
    if (!n)
        return 0;
    if (n > SIZE_MAX / (2 * sizeof(size_t)))
        return -1;
    size_t *idx = malloc(2 * n * sizeof *idx);
    if (!idx)
        return -1;
    struct sorter st = {.keys = keys, .nocase = flags & UNIQ_NOCASE};
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    merge_sort(&st, idx, idx + n, n);
    size_t lead = idx[0];
    first[lead] = lead;
    for (size_t i = 1; i < n; i++) {
        if (!same(&st, idx[i], lead))
            lead = idx[i];
        first[idx[i]] = lead;
    }
    free(idx);
    if (compares)
        *compares += st.compares;
    return 0;
}
