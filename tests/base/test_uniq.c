/* tests/base/test_uniq.c — the first equal key of each key (harness/base/uniq.c):
 * against a pair-by-pair check on keys with many repeats, ignoring ASCII
 * case or not, keys with NULs and empty keys, and the work it does on
 * 200,000 keys (comparisons counted, not time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/uniq.h"

/* Equal bytes, or equal but for ASCII case (NULs included). */
static bool equal(const struct uniq_key *a, const struct uniq_key *b, bool nocase)
{
    if (a->len != b->len)
        return false;
    for (size_t i = 0; i < a->len; i++) {
        int x = (unsigned char)a->s[i], y = (unsigned char)b->s[i];
        if (nocase) {
            x = x >= 'A' && x <= 'Z' ? x + 32 : x;
            y = y >= 'A' && y <= 'Z' ? y + 32 : y;
        }
        if (x != y)
            return false;
    }
    return true;
}

static void matches_pairwise_check(void **state)
{
    (void)state;
    enum { N = 3000 };
    static char text[N][16];
    static struct uniq_key keys[N];
    static size_t first[N];
    uint64_t x = 88172645463325252u;
    for (int nocase = 0; nocase < 2; nocase++) {
        for (size_t i = 0; i < N; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* few distinct keys: many repeats, some differing in case only */
            int len = snprintf(text[i], sizeof text[i], "%s%u", x & 1 ? "Key" : "kEY",
                               (unsigned)(x >> 8) % 97);
            keys[i] = (struct uniq_key){text[i], (size_t)len};
        }
        keys[7] = (struct uniq_key){"", 0};
        keys[9] = (struct uniq_key){"", 0};
        keys[11] = (struct uniq_key){"a\0b", 3};
        keys[12] = (struct uniq_key){"a\0c", 3};
        keys[13] = (struct uniq_key){"a\0b", 3};
        unsigned flags = nocase ? UNIQ_NOCASE : 0;
        assert_int_equal(uniq_first(keys, N, flags, first, NULL), 0);
        for (size_t i = 0; i < N; i++) {
            size_t want = i;
            for (size_t j = 0; j < i; j++) {
                if (equal(&keys[j], &keys[i], nocase)) {
                    want = j;
                    break;
                }
            }
            if (first[i] != want)
                fail_msg("key %zu (%.*s): first %zu, want %zu", i, (int)keys[i].len, keys[i].s,
                         first[i], want);
        }
        assert_int_equal(first[9], 7);
        assert_int_equal(first[12], 12);
        assert_int_equal(first[13], 11);
    }
}

static void work_is_n_log_n(void **state)
{
    (void)state;
    size_t n = 200000;
    char *text = malloc(n * 16);
    struct uniq_key *keys = malloc(n * sizeof *keys);
    size_t *first = malloc(n * sizeof *first);
    assert_non_null(text);
    assert_non_null(keys);
    assert_non_null(first);
    for (size_t i = 0; i < n; i++) {
        /* distinct keys but for the last, which repeats key 5 */
        int len = snprintf(text + 16 * i, 16, "col%zu", i == n - 1 ? (size_t)5 : i);
        keys[i] = (struct uniq_key){text + 16 * i, (size_t)len};
    }
    size_t compares = 0;
    assert_int_equal(uniq_first(keys, n, 0, first, &compares), 0);
    assert_int_equal(first[n - 1], 5);
    assert_int_equal(first[n - 2], n - 2);
    /* a merge sort: at most n * ceil(log2 n) (18 here), plus one pass */
    if (compares > 19 * n)
        fail_msg("%zu keys took %zu comparisons", n, compares);
    assert_int_equal(uniq_first(keys, 0, 0, first, NULL), 0);
    free(text);
    free(keys);
    free(first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_pairwise_check),
        cmocka_unit_test(work_is_n_log_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
