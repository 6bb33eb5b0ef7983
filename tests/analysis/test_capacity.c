/* tests/analysis/test_capacity.c — knee, sizing, what-if and sensitivity
 * (harness/analysis/capacity.c). Every expectation is computed by hand in the
 * comment beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "analysis/capacity.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void near(const char *what, double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s = %.9g, want %.9g ± %g", what, got, want, tol);
}

/* p99 ≤ 250 ms, errors ≤ 0.1 %, achieved ≥ 99 % of offered. */
static const struct capacity_slo slo = {250, 0.1, 0.99};

#define STEP(off, ach, lat, err)                                                                   \
    {                                                                                              \
        .offered_rps = (off), .achieved_rps = (ach), .latency_ms = (lat), .error_pct = (err),      \
        .valid = true                                                                              \
    }

static void knee_on_achieved(void **state)
{
    (void)state;
    const struct capacity_step s[] = {
        STEP(100, 100, 20, 0),  STEP(200, 199, 25, 0),
        STEP(300, 299, 40, 0), /* shortfall 1/300: good */
        STEP(400, 360, 90, 0), /* shortfall 0.1: bad */
        STEP(500, 362, 900, 0),
    };
    struct capacity_knee k;
    const char *why = NULL;
    assert_int_equal(capacity_knee(s, N_OF(s), &slo, &k, &why), CAPACITY_OK);
    /* shortfall 1/300 → 0.1 crosses 0.01 at t = (0.01 − 1/300)/(0.1 − 1/300)
     * = (2/300)/(29/300) = 2/29: 300 + 100·2/29 = 306.8966 */
    near("capacity", k.capacity_rps, 300 + 100.0 * 2 / 29, 1e-9);
    assert_false(k.at_least);
    assert_int_equal(k.last_good, 2);
    assert_int_equal(k.first_bad, 3);
    assert_int_equal(k.limited_by, CAPACITY_M_ACHIEVED);
    assert_int_equal(k.interpolated_on, CAPACITY_M_ACHIEVED);
    assert_int_equal(k.valid_steps, 5);
    assert_int_equal(capacity_step_check(&s[2], &slo), 0);
    assert_int_equal(capacity_step_check(&s[4], &slo), CAPACITY_M_ACHIEVED | CAPACITY_M_LATENCY);

    /* exactly 99 % is good (≥): 297 of 300 → t = 0, capacity 300 */
    struct capacity_step e[] = {STEP(200, 200, 10, 0), STEP(300, 297, 10, 0),
                                STEP(400, 300, 10, 0)};
    assert_int_equal(capacity_knee(e, 3, &slo, &k, &why), CAPACITY_OK);
    near("capacity at the bound", k.capacity_rps, 300, 1e-9);
}

static void knee_on_latency_and_errors(void **state)
{
    (void)state;
    struct capacity_knee k;
    const char *why = NULL;
    /* latency only: 100 ms at 200/s, 400 ms at 300/s: 250 is half way → 250/s */
    const struct capacity_step lat[] = {STEP(100, 100, 50, 0), STEP(200, 200, 100, 0),
                                        STEP(300, 299, 400, 0)};
    assert_int_equal(capacity_knee(lat, 3, &slo, &k, &why), CAPACITY_OK);
    near("latency knee", k.capacity_rps, 250, 1e-9);
    assert_int_equal(k.limited_by, CAPACITY_M_LATENCY);

    /* both fail at 300/s; achieved crosses first: shortfall 0 → 1/6 passes
     * 0.01 at t = 0.06 → 206/s; latency would give 250/s */
    const struct capacity_step both[] = {STEP(100, 100, 50, 0), STEP(200, 200, 100, 0),
                                         STEP(300, 250, 400, 0)};
    assert_int_equal(capacity_knee(both, 3, &slo, &k, &why), CAPACITY_OK);
    near("two metrics: the lower crossing", k.capacity_rps, 206, 1e-9);
    assert_int_equal(k.limited_by, CAPACITY_M_ACHIEVED | CAPACITY_M_LATENCY);
    assert_int_equal(k.interpolated_on, CAPACITY_M_ACHIEVED);

    /* errors: 0.05 % → 0.25 %, budget 0.1 %: t = 0.05/0.2 = 0.25 → 225/s */
    const struct capacity_step err[] = {STEP(100, 100, 50, 0), STEP(200, 200, 60, 0.05),
                                        STEP(300, 300, 70, 0.25)};
    assert_int_equal(capacity_knee(err, 3, &slo, &k, &why), CAPACITY_OK);
    near("error knee", k.capacity_rps, 225, 1e-9);
    assert_int_equal(k.limited_by, CAPACITY_M_ERRORS);
    assert_string_equal(capacity_metric_name(k.limited_by), "errors");

    /* latency not measured (NaN, e.g. a CSV without p99_ms): not checked */
    const struct capacity_step nolat[] = {STEP(100, 100, NAN, NAN), STEP(200, 200, NAN, NAN),
                                          STEP(300, 240, NAN, NAN)};
    assert_int_equal(capacity_knee(nolat, 3, &slo, &k, &why), CAPACITY_OK);
    /* shortfall 0 → 0.2: t = 0.05 → 205/s */
    near("throughput only", k.capacity_rps, 205, 1e-9);
    /* a bad step whose good neighbour lacks the metric: the good rate */
    const struct capacity_step half[] = {STEP(100, 100, NAN, 0), STEP(200, 200, 900, 0)};
    assert_int_equal(capacity_knee(half, 2, &slo, &k, &why), CAPACITY_OK);
    near("no interpolation without both values", k.capacity_rps, 100, 1e-9);
}

static void knee_order_invalid_noise(void **state)
{
    (void)state;
    struct capacity_knee k;
    const char *why = NULL;
    /* unsorted; an invalid (generator-limited) bad step at 250 is skipped;
     * the first bad step at 300 is confirmed by 350; a good step above
     * them (noise) is ignored */
    struct capacity_step s[] = {
        STEP(300, 240, 60, 0), /* 0: first bad, shortfall 0.2 */
        STEP(100, 100, 40, 0), /* 1 */
        {.offered_rps = 250,
         .achieved_rps = 100,
         .latency_ms = 5000,
         .error_pct = 50},     /* 2: invalid */
        STEP(200, 200, 50, 0), /* 3: last good */
        STEP(400, 400, 80, 0), /* 4: good above a bad step: ignored */
        STEP(350, 250, 90, 0), /* 5: bad: confirms 0 */
    };
    assert_int_equal(capacity_knee(s, N_OF(s), &slo, &k, &why), CAPACITY_OK);
    near("capacity", k.capacity_rps, 205, 1e-9); /* as above */
    assert_int_equal(k.last_good, 3);
    assert_int_equal(k.first_bad, 0);
    assert_int_equal(k.valid_steps, 5);
    assert_int_equal(k.ignored_good, 1);
}

static void knee_all_pass_all_fail(void **state)
{
    (void)state;
    struct capacity_knee k;
    const char *why = NULL;
    const struct capacity_step pass[] = {STEP(100, 100, 10, 0), STEP(300, 300, 12, 0),
                                         STEP(200, 200, 11, 0)};
    assert_int_equal(capacity_knee(pass, 3, &slo, &k, &why), CAPACITY_OK);
    assert_true(k.at_least);
    near("at least the highest step", k.capacity_rps, 300, 0);
    assert_int_equal(k.first_bad, -1);
    assert_int_equal(k.last_good, 1);

    const struct capacity_step fail[] = {STEP(100, 50, 10, 0), STEP(200, 60, 900, 5)};
    assert_int_equal(capacity_knee(fail, 2, &slo, &k, &why), CAPACITY_EALLBAD);
    assert_non_null(strstr(why, "below the lowest rate"));

    /* the lowest step fails, confirmed by the next, yet a higher one passes */
    const struct capacity_step low[] = {STEP(100, 50, 10, 0), STEP(200, 100, 10, 0),
                                        STEP(300, 300, 10, 0)};
    assert_int_equal(capacity_knee(low, 3, &slo, &k, &why), CAPACITY_ELOWEST);
    assert_non_null(strstr(why, "lowest step"));
    /* the lowest step fails and the next passes: a dip, not the knee */
    const struct capacity_step dip[] = {STEP(100, 50, 10, 0), STEP(200, 200, 10, 0)};
    assert_int_equal(capacity_knee(dip, 2, &slo, &k, &why), CAPACITY_OK);
    assert_true(k.at_least);
    assert_int_equal(k.unconfirmed, 1);

    struct capacity_step inv[] = {STEP(100, 100, 10, 0)};
    inv[0].valid = false;
    assert_int_equal(capacity_knee(inv, 1, &slo, &k, &why), CAPACITY_ENOVALID);
    assert_non_null(strstr(why, "generator"));
}

static void knee_bad_input(void **state)
{
    (void)state;
    struct capacity_knee k;
    const char *why = NULL;
    assert_int_equal(capacity_knee(NULL, 0, &slo, &k, &why), CAPACITY_EINVAL);
    struct capacity_step s[] = {STEP(100, 100, 10, 0), STEP(200, 200, 10, 0)};
    s[1].offered_rps = NAN;
    assert_int_equal(capacity_knee(s, 2, &slo, &k, &why), CAPACITY_EINVAL);
    s[1].offered_rps = 0;
    assert_int_equal(capacity_knee(s, 2, &slo, &k, &why), CAPACITY_EINVAL);
    s[1].offered_rps = 200;
    s[1].achieved_rps = -1;
    assert_int_equal(capacity_knee(s, 2, &slo, &k, &why), CAPACITY_EINVAL);
    s[1].achieved_rps = INFINITY;
    assert_int_equal(capacity_knee(s, 2, &slo, &k, &why), CAPACITY_EINVAL);
    s[1].achieved_rps = 200;
    s[1].latency_ms = -5;
    assert_int_equal(capacity_knee(s, 2, &slo, &k, &why), CAPACITY_EINVAL);
    s[1].latency_ms = 10;
    s[1].error_pct = 101;
    assert_int_equal(capacity_knee(s, 2, &slo, &k, &why), CAPACITY_EINVAL);
    s[1].error_pct = 0;
    struct capacity_slo bad = {250, 0.1, 1.5};
    assert_int_equal(capacity_knee(s, 2, &bad, &k, &why), CAPACITY_EINVAL);
    bad = (struct capacity_slo){-1, 0.1, 0.99};
    assert_int_equal(capacity_knee(s, 2, &bad, &k, &why), CAPACITY_EINVAL);
    /* no latency bound, no error budget: only achieved counts */
    struct capacity_slo loose = {NAN, NAN, 0.99};
    assert_int_equal(capacity_knee(s, 2, &loose, &k, &why), CAPACITY_OK);
    assert_true(k.at_least);
}

static const struct capacity_policy base = {
    .peak_rps = 1300, .headroom = 0.30, .redundancy = 1, .min_nodes = 2, .gateways_per_tm = 0};

static void sizing(void **state)
{
    (void)state;
    struct capacity_plan p;
    const char *why = NULL;
    /* The example sentence: 620/s per node at 70 % = 434/s; 1300/434 =
     * 2.995 → 3 nodes, plus 1 for N+1 = 4. */
    assert_int_equal(capacity_size(620, &base, &p, &why), CAPACITY_OK);
    assert_int_equal(p.n_base, 3);
    assert_int_equal(p.nodes, 4);
    assert_int_equal(p.binding, CAPACITY_BIND_PEAK);
    near("effective", p.effective_rps, 434, 1e-9);
    near("util at peak", p.util_peak, 1300.0 / 2480, 1e-12);
    near("util after losing one", p.util_after_loss, 1300.0 / 1860, 1e-12);
    assert_true(p.loss_ok);
    assert_int_equal(p.traffic_managers, 0);

    /* The 2-node minimum binds: 300/434 → 1 node, no redundancy asked. */
    struct capacity_policy q = base;
    q.peak_rps = 300;
    q.redundancy = 0;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.n_base, 1);
    assert_int_equal(p.nodes, 2);
    assert_int_equal(p.binding, CAPACITY_BIND_MIN_NODES);
    /* N+1 reaches the minimum by itself: 1 + 1 = 2, the peak binds. */
    q.redundancy = 1;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.nodes, 2);
    assert_int_equal(p.binding, CAPACITY_BIND_PEAK);
    /* min 1, r 0: one node */
    q.redundancy = 0;
    q.min_nodes = 1;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.nodes, 1);
    assert_true(isnan(p.util_after_loss) == false);
    /* r = 1 on one node: nothing is left after the loss */
    q.peak_rps = 1;
    q.redundancy = 1;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.nodes, 2);

    /* A ratio that is exactly whole: 700 × 0.7 = 490 (489.99999999999994
     * in binary), 980/490 = 2 → 2 nodes, not 3. */
    q = base;
    q.peak_rps = 980;
    q.headroom = 0.3;
    q.redundancy = 0;
    assert_int_equal(capacity_size(700, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.n_base, 2);

    /* N+2: 400 × 0.75 = 300; 1000/300 = 3.33 → 4 + 2 = 6; after losing
     * two, 4 nodes at 1000/1600 = 62.5 %. */
    q = base;
    q.peak_rps = 1000;
    q.headroom = 0.25;
    q.redundancy = 2;
    assert_int_equal(capacity_size(400, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.nodes, 6);
    near("N+2 after loss", p.util_after_loss, 0.625, 1e-12);

    /* Traffic Managers: 100/s, no headroom, 2150/s → 22 + 1 = 23 gateways,
     * 10 per TM → 3 TMs. */
    q = base;
    q.peak_rps = 2150;
    q.headroom = 0;
    q.gateways_per_tm = 10;
    assert_int_equal(capacity_size(100, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.nodes, 23);
    assert_int_equal(p.traffic_managers, 3);
    assert_int_equal(p.km_nodes, 0); /* not given */
    assert_false(p.km_binds);

    /* Key Manager: 2150/s × 40 % = 860 validations/s against 1000/s per
     * node: one node, it does not bind; at 100 % it needs 3 and binds —
     * the gateway count stays what the peak needs. */
    q.km_rps = 1000;
    q.km_share = 0.4;
    assert_int_equal(capacity_size(100, &q, &p, &why), CAPACITY_OK);
    near("km load", p.km_load_rps, 860, 1e-9);
    assert_int_equal(p.km_nodes, 1);
    assert_false(p.km_binds);
    q.km_share = 1;
    assert_int_equal(capacity_size(100, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.km_nodes, 3);
    assert_true(p.km_binds);
    assert_int_equal(p.nodes, 23);
    /* exactly at its capacity: one node, not binding */
    q.km_rps = 2150;
    assert_int_equal(capacity_size(100, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.km_nodes, 1);
    assert_false(p.km_binds);
}

/* Measured scale-out: 100/s per node, α = 0.1: n nodes carry
 * 100n/(1 + 0.1(n − 1)): 8 → 470.6, 9 → 500 exactly; with β > 0 the
 * curve peaks (α 0, β 0.01: N* = 10, 1000/1.9 = 526.3), and a peak above
 * it cannot be carried by any number of nodes. */
static void sizing_scale_out(void **state)
{
    (void)state;
    struct capacity_plan p;
    struct capacity_whatif w;
    const char *why = NULL;
    struct capacity_policy q = base;
    q.peak_rps = 500;
    q.headroom = 0;
    q.redundancy = 0;
    q.min_nodes = 1;
    q.scale_alpha = 0.1;
    near("cluster(9)", capacity_cluster_rps(100, &q, 9), 500, 1e-9);
    assert_int_equal(capacity_size(100, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.n_base, 9);
    near("util", p.util_peak, 1, 1e-12);
    /* N+1: 10 nodes; losing one leaves 9, exactly the peak */
    q.redundancy = 1;
    assert_int_equal(capacity_size(100, &q, &p, &why), CAPACITY_OK);
    assert_int_equal(p.nodes, 10);
    assert_true(p.loss_ok);
    near("after loss", p.util_after_loss, 1, 1e-12);
    assert_int_equal(capacity_whatif_row(100, &q, 10, &w), CAPACITY_OK);
    near("what-if capacity", w.capacity_rps, 1000 / 1.9, 1e-9);
    assert_true(w.meets_policy);
    assert_int_equal(capacity_whatif_row(100, &q, 9, &w), CAPACITY_OK);
    assert_false(w.meets_policy); /* 8 left carry 470.6 < 500 */

    q.scale_alpha = 0;
    q.scale_beta = 0.01;
    q.redundancy = 0;
    q.peak_rps = 520;
    assert_int_equal(capacity_size(100, &q, &p, &why), CAPACITY_OK);
    assert_true(p.n_base <= 10);
    q.peak_rps = 600;
    assert_int_equal(capacity_size(100, &q, &p, &why), CAPACITY_ERANGE);
    assert_non_null(strstr(why, "peaks before the cluster carries the peak"));
    q.scale_beta = 2;
    assert_int_equal(capacity_size(100, &q, &p, &why), CAPACITY_EINVAL);
    assert_non_null(strstr(why, "scale-out"));
}

static void sizing_errors(void **state)
{
    (void)state;
    struct capacity_plan p;
    const char *why = NULL;
    struct capacity_policy q = base;
    assert_int_equal(capacity_size(0, &q, &p, &why), CAPACITY_EINVAL);
    assert_int_equal(capacity_size(NAN, &q, &p, &why), CAPACITY_EINVAL);
    q.headroom = 1;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_EINVAL);
    assert_non_null(strstr(why, "headroom"));
    q.headroom = -0.1;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_EINVAL);
    q = base;
    q.peak_rps = NAN;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_EINVAL);
    q.peak_rps = 0;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_EINVAL);
    q = base;
    q.redundancy = -1;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_EINVAL);
    q = base;
    q.min_nodes = 0;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_EINVAL);
    q = base;
    q.km_rps = -1;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_EINVAL);
    q.km_rps = 100;
    q.km_share = 0;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_EINVAL);
    q.km_share = 1.5;
    assert_int_equal(capacity_size(620, &q, &p, &why), CAPACITY_EINVAL);
    assert_non_null(strstr(why, "Key Manager"));
    q = base;
    q.peak_rps = 1e12;
    assert_int_equal(capacity_size(1, &q, &p, &why), CAPACITY_ERANGE);
    assert_non_null(strstr(why, "100,000"));
}

static void whatif_and_sensitivity(void **state)
{
    (void)state;
    struct capacity_whatif w;
    /* 620/s per node, peak 1300, 30 % headroom, N+1, min 2 */
    assert_int_equal(capacity_whatif_row(620, &base, 1, &w), CAPACITY_OK);
    near("n=1 capacity", w.capacity_rps, 620, 0);
    near("n=1 util", w.util_peak, 1300.0 / 620, 1e-12);
    assert_true(isnan(w.util_after_loss));
    assert_false(w.meets_policy);
    assert_int_equal(capacity_whatif_row(620, &base, 3, &w), CAPACITY_OK);
    near("n=3 util", w.util_peak, 1300.0 / 1860, 1e-12);
    near("n=3 after loss", w.util_after_loss, 1300.0 / 1240, 1e-12);
    near("n=3 headroom left", w.headroom_left, 1 - 1300.0 / 1860, 1e-12);
    assert_false(w.meets_policy); /* 2 × 434 = 868 < 1300 */
    assert_int_equal(capacity_whatif_row(620, &base, 4, &w), CAPACITY_OK);
    assert_true(w.meets_policy); /* 3 × 434 = 1302 ≥ 1300 */
    assert_int_equal(capacity_whatif_row(620, &base, 0, &w), CAPACITY_EINVAL);

    /* The smallest n that meets the policy is the recommendation. */
    struct capacity_plan p;
    for (double peak = 50; peak < 20000; peak *= 1.37) {
        struct capacity_policy q = base;
        q.peak_rps = peak;
        assert_int_equal(capacity_size(620, &q, &p, NULL), CAPACITY_OK);
        for (int n = 1; n <= p.nodes; n++) {
            assert_int_equal(capacity_whatif_row(620, &q, n, &w), CAPACITY_OK);
            if (w.meets_policy != (n == p.nodes))
                fail_msg("peak %g: what-if n=%d meets=%d, recommended %d", peak, n, w.meets_policy,
                         p.nodes);
        }
    }

    /* peak −20 %: 1040/434 = 2.40 → 3 + 1 = 4; +20 %: 1560/434 = 3.59 → 5;
     * capacity −20 %: 496 × 0.7 = 347.2, 1300/347.2 = 3.74 → 5;
     * +20 %: 744 × 0.7 = 520.8, 2.50 → 4 */
    struct capacity_sensitivity s[CAPACITY_SENS_ROWS];
    assert_int_equal(capacity_sensitivity(620, &base, s), CAPACITY_OK);
    const int want[CAPACITY_SENS_ROWS] = {4, 5, 5, 4};
    for (int i = 0; i < CAPACITY_SENS_ROWS; i++)
        if (s[i].nodes != want[i])
            fail_msg("%s: %d nodes, want %d", s[i].what, s[i].nodes, want[i]);
    near("peak -20%", s[0].peak_rps, 1040, 1e-9);
    near("capacity +20%", s[3].per_node_rps, 744, 1e-9);
    assert_string_equal(s[2].what, "capacity -20%");
}

/* A failing step the next step up passes is a dip: it cannot place the
 * knee (one noisy step cannot cut capacity); a failure the next step
 * repeats, or the highest step's, is the knee. */
static void knee_needs_confirmation(void **state)
{
    (void)state;
    struct capacity_knee k;
    const char *why = NULL;
    struct capacity_step dip[] = {
        STEP(300, 300, 20, 0),  STEP(325, 325, 900, 0), /* a pause: p99 fails */
        STEP(350, 350, 20, 0),  STEP(375, 375, 30, 0),  STEP(400, 400, 80, 0),
        STEP(425, 400, 260, 0), STEP(450, 400, 700, 0),
    };
    assert_int_equal(capacity_knee(dip, N_OF(dip), &slo, &k, &why), CAPACITY_OK);
    assert_int_equal(k.first_bad, 5); /* 425, confirmed by 450 */
    assert_int_equal(k.last_good, 4);
    assert_int_equal(k.unconfirmed, 1);
    assert_true(k.capacity_rps > 400 && k.capacity_rps < 425);
    assert_false(capacity_confirmed(dip, N_OF(dip), 1, &slo));
    assert_true(capacity_confirmed(dip, N_OF(dip), 5, &slo));
    /* the highest step failing alone is the knee (nothing above says otherwise) */
    struct capacity_step top[] = {STEP(100, 100, 20, 0), STEP(200, 150, 20, 0)};
    assert_int_equal(capacity_knee(top, N_OF(top), &slo, &k, &why), CAPACITY_OK);
    assert_int_equal(k.first_bad, 1);
    /* an invalid step between is passed over: the next valid rate decides */
    struct capacity_step inv[] = {STEP(100, 100, 20, 0),
                                  STEP(200, 200, 900, 0),
                                  {.offered_rps = 300, .achieved_rps = 100, .latency_ms = 20},
                                  STEP(400, 300, 20, 0)};
    assert_int_equal(capacity_knee(inv, N_OF(inv), &slo, &k, &why), CAPACITY_OK);
    assert_int_equal(k.first_bad, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(knee_needs_confirmation),
        cmocka_unit_test(knee_on_achieved),
        cmocka_unit_test(knee_on_latency_and_errors),
        cmocka_unit_test(knee_order_invalid_noise),
        cmocka_unit_test(knee_all_pass_all_fail),
        cmocka_unit_test(knee_bad_input),
        cmocka_unit_test(sizing),
        cmocka_unit_test(sizing_scale_out),
        cmocka_unit_test(sizing_errors),
        cmocka_unit_test(whatif_and_sensitivity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
