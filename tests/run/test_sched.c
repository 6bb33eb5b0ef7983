/* tests/run/test_sched.c — the open model's arrival schedule (harness/run/sched.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run/sched.h"
#include "scenario/scenario.h"

/* Phase names as writable arrays: struct scn_phase holds char *. */
static char name_closed_like[] = "closed-like";
static char name_p[] = "p";
static char name_ramp[] = "ramp";
static char name_s[] = "s";
static char name_steady[] = "steady";
static char name_up[] = "up";
static char name_warm[] = "warm";

static size_t count_all(const struct scn_phase *ph, size_t n, int workers, bool poisson,
                        int64_t *last_ns, size_t *per_phase)
{
    size_t total = 0;
    for (int w = 0; w < workers; w++) {
        struct sched s;
        sched_init(&s, ph, n, (uint64_t)w, (uint64_t)workers, poisson, SCHED_RUN_SEED);
        int64_t t, prev = -1;
        size_t p;
        while (sched_next(&s, &t, &p, NULL)) {
            assert_true(t >= prev); /* times never go back */
            prev = t;
            if (per_phase)
                per_phase[p]++;
            total++;
            if (last_ns && t > *last_ns)
                *last_ns = t;
        }
    }
    return total;
}

static void constant_rate_is_exact(void **state)
{
    (void)state;
    struct scn_phase ph = {.name = name_steady,
                           .duration_s = 10,
                           .rate_start = 1000,
                           .rate_end = 1000,
                           .record = true};
    for (int workers = 1; workers <= 3; workers++) {
        int64_t last = 0;
        assert_int_equal(count_all(&ph, 1, workers, false, &last, NULL), 10000);
        assert_true(last < 10000000000LL);
    }
}

static void arrivals_are_evenly_spaced_across_workers(void **state)
{
    (void)state;
    struct scn_phase ph = {.name = name_s, .duration_s = 1, .rate_start = 100, .rate_end = 100};
    /* Worker 0 of 2 takes global arrivals 0, 2, 4...: at 5 ms, 25 ms, ... */
    struct sched s;
    sched_init(&s, &ph, 1, 0, 2, false, 1);
    int64_t t;
    size_t p;
    assert_true(sched_next(&s, &t, &p, NULL));
    assert_int_equal(t, 5000000);
    assert_true(sched_next(&s, &t, &p, NULL));
    assert_int_equal(t, 25000000);
    sched_init(&s, &ph, 1, 1, 2, false, 1);
    assert_true(sched_next(&s, &t, &p, NULL));
    assert_int_equal(t, 15000000);
}

static void ramp_follows_the_integral(void **state)
{
    (void)state;
    /* 0 → 1000/s over 10 s: 5000 arrivals; by t = 5 s, C(5) = 1250. */
    struct scn_phase ph = {.name = name_ramp, .duration_s = 10, .rate_start = 0, .rate_end = 1000};
    struct sched s;
    sched_init(&s, &ph, 1, 0, 1, false, 1);
    int64_t t;
    size_t p, n = 0, before_half = 0;
    while (sched_next(&s, &t, &p, NULL)) {
        n++;
        if (t < 5000000000LL)
            before_half++;
    }
    assert_int_equal(n, 5000);
    assert_int_equal(before_half, 1250);
}

static void phases_chain_without_gaps(void **state)
{
    (void)state;
    struct scn_phase ph[3] = {
        {.name = name_warm, .duration_s = 2, .rate_start = 50, .rate_end = 50},
        {.name = name_closed_like, .duration_s = 1, .rate_start = 0, .rate_end = 0},
        {.name = name_up, .duration_s = 4, .rate_start = 100, .rate_end = 300},
    };
    size_t per[3] = {0};
    int64_t last = 0;
    assert_int_equal(count_all(ph, 3, 2, false, &last, per), 100 + 0 + 800);
    assert_int_equal(per[0], 100);
    assert_int_equal(per[1], 0);
    assert_int_equal(per[2], 800);
    assert_true(last >= 3000000000LL && last < 7000000000LL);
    assert_true(fabs(sched_phase_arrivals(&ph[2]) - 800.0) < 1e-9);
}

static void poisson_mean_and_spread(void **state)
{
    (void)state;
    struct scn_phase ph = {.name = name_p, .duration_s = 100, .rate_start = 1000, .rate_end = 1000};
    struct sched s;
    sched_init(&s, &ph, 1, 0, 1, true, 7);
    int64_t t, prev = 0;
    size_t p, n = 0;
    double sum = 0, sum2 = 0;
    while (sched_next(&s, &t, &p, NULL)) {
        double gap = (double)(t - prev) / 1e6; /* ms */
        prev = t;
        sum += gap;
        sum2 += gap * gap;
        n++;
    }
    /* 100 000 expected; Poisson sd ≈ 316: 5 sd bounds. */
    assert_true(n > 98400 && n < 101600);
    double mean = sum / (double)n, var = sum2 / (double)n - mean * mean;
    assert_true(fabs(mean - 1.0) < 0.02);
    /* Exponential gaps: variance = mean². */
    assert_true(fabs(var - 1.0) < 0.05);
}

static void pick_follows_weights(void **state)
{
    (void)state;
    double cum[3] = {1, 4, 10}; /* weights 1, 3, 6 */
    uint64_t rng = 99;
    size_t hits[3] = {0};
    for (int i = 0; i < 100000; i++)
        hits[sched_pick(cum, 3, &rng)]++;
    /* binomial sd ≤ 160: bounds of 5 sd around 10000/30000/60000 */
    assert_true(hits[0] > 9200 && hits[0] < 10800);
    assert_true(hits[1] > 29200 && hits[1] < 30800);
    assert_true(hits[2] > 59200 && hits[2] < 60800);
}

/* Smooth weighted round robin: nginx's sequence for weights 5, 1, 1; the
 * workers' picks, interleaved as their arrivals are, make the one
 * sequence; equal weights go strictly in turn. */
static void round_robin_in_turn(void **state)
{
    (void)state;
    const double w511[] = {5, 1, 1};
    struct sched_rr rr;
    assert_int_equal(sched_rr_init(&rr, w511, 3, 0, 1), 0);
    char seq[15] = "";
    for (int i = 0; i < 14; i++)
        seq[i] = (char)('a' + sched_rr_next(&rr));
    assert_string_equal(seq, "aabacaaaabacaa");
    sched_rr_free(&rr);

    const double w1[] = {1, 1, 1};
    struct sched_rr w0, wk1;
    assert_int_equal(sched_rr_init(&w0, w1, 3, 0, 2), 0);
    assert_int_equal(sched_rr_init(&wk1, w1, 3, 1, 2), 0);
    size_t counts[3] = {0};
    for (int i = 0; i < 30; i++) {
        size_t a = sched_rr_next(&w0), b = sched_rr_next(&wk1);
        assert_int_equal(a, (size_t)(2 * i) % 3);
        assert_int_equal(b, (size_t)(2 * i + 1) % 3);
        counts[a]++;
        counts[b]++;
    }
    assert_true(counts[0] == 20 && counts[1] == 20 && counts[2] == 20);
    sched_rr_free(&w0);
    sched_rr_free(&wk1);
    /* one target: always it */
    assert_int_equal(sched_rr_init(&rr, w1, 1, 0, 4), 0);
    assert_int_equal(sched_rr_next(&rr), 0);
    sched_rr_free(&rr);
}

/* One arrival as a sender lists it. */
struct arrival {
    uint64_t j;
    int64_t t;
    size_t phase;
};

static int by_index(const void *a, const void *b)
{
    uint64_t x = ((const struct arrival *)a)->j, y = ((const struct arrival *)b)->j;
    return x < y ? -1 : x > y;
}

/* Every arrival of every worker of every shard of `shards` (shard i runs
 * 1 + (i+k) % 3 workers: machines of a run need not be alike), sorted by
 * index. Returns the count; *out owned. */
static size_t distributed_list(const struct scn_phase *ph, size_t n, int shards, bool poisson,
                               int k, struct arrival **out)
{
    size_t cap = 1024, len = 0;
    struct arrival *a = malloc(cap * sizeof *a);
    assert_non_null(a);
    for (int i = 0; i < shards; i++) {
        int workers = 1 + (i + k) % 3;
        for (int w = 0; w < workers; w++) {
            uint64_t senders, sender = sched_sender(i, shards, w, workers, &senders);
            struct sched s;
            sched_init(&s, ph, n, sender, senders, poisson, SCHED_RUN_SEED);
            struct arrival x;
            while (sched_next(&s, &x.t, &x.phase, &x.j)) {
                assert_int_equal(x.j % (uint64_t)shards, (uint64_t)i); /* shard i's own */
                if (len == cap)
                    assert_non_null(a = realloc(a, (cap *= 2) * sizeof *a));
                a[len++] = x;
            }
        }
    }
    qsort(a, len, sizeof *a, by_index);
    *out = a;
    return len;
}

/* The property distributed runs rest on (docs/distributed.md): for 1 to
 * 16 shards and every kind of schedule, the shards' arrivals are disjoint
 * and together are exactly the one-machine list, index, intended time
 * and phase alike. */
static void shards_partition_the_one_machine_schedule(void **state)
{
    (void)state;
    static char n_a[] = "a", n_b[] = "b", n_c[] = "c";
    const struct scn_phase constant[] = {
        {.name = n_a, .duration_s = 3, .rate_start = 337, .rate_end = 337, .record = true}};
    const struct scn_phase ramp[] = {
        {.name = n_a, .duration_s = 4, .rate_start = 10, .rate_end = 450, .record = true}};
    const struct scn_phase steps[] = {
        {.name = n_a, .duration_s = 1.5, .rate_start = 100, .rate_end = 100, .record = false},
        {.name = n_b, .duration_s = 2, .rate_start = 250, .rate_end = 250, .record = true},
        {.name = n_c, .duration_s = 0.7, .rate_start = 250, .rate_end = 600, .record = true}};
    const struct {
        const struct scn_phase *ph;
        size_t n;
        bool poisson;
    } kinds[] = {{constant, 1, false}, {ramp, 1, false}, {steps, 3, false},
                 {constant, 1, true},  {ramp, 1, true},  {steps, 3, true}};
    for (size_t kd = 0; kd < sizeof kinds / sizeof kinds[0]; kd++) {
        struct arrival *one;
        size_t n_one = distributed_list(kinds[kd].ph, kinds[kd].n, 1, kinds[kd].poisson, 2, &one);
        assert_true(n_one > 900);
        for (int shards = 1; shards <= 16; shards++) {
            struct arrival *all;
            size_t n_all = distributed_list(kinds[kd].ph, kinds[kd].n, shards, kinds[kd].poisson,
                                            shards, &all);
            assert_int_equal(n_all, n_one);
            for (size_t x = 0; x < n_one; x++) {
                assert_int_equal(all[x].j, (uint64_t)x); /* each index once: disjoint, whole */
                assert_int_equal(all[x].t, one[x].t);
                assert_int_equal(all[x].phase, one[x].phase);
            }
            free(all);
        }
        free(one);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(constant_rate_is_exact),
        cmocka_unit_test(arrivals_are_evenly_spaced_across_workers),
        cmocka_unit_test(ramp_follows_the_integral),
        cmocka_unit_test(phases_chain_without_gaps),
        cmocka_unit_test(poisson_mean_and_spread),
        cmocka_unit_test(pick_follows_weights),
        cmocka_unit_test(round_robin_in_turn),
        cmocka_unit_test(shards_partition_the_one_machine_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
