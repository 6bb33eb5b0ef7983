/* tests/measure/test_judge.c — one definition of a step (harness/measure/judge.c): the
 * achieved share over its judged intervals, Poisson arrivals judged
 * against what was scheduled, verdicts over the whole step, a real knee
 * failing, and validity that blames gatecap only for what its own
 * shortfall could have decided. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "base/stats.h"
#include "measure/judge.h"

/* p99 ≤ 250 ms, errors ≤ 0.1 %, achieved ≥ 99 % (plan's default SLO) */
static const struct judge_criterion slo[] = {
    {JUDGE_LATENCY, 2, false, 250},
    {JUDGE_ERRORS, 0, false, 0.1},
    {JUDGE_ACHIEVED, 0, false, 99},
};
#define N_SLO 3

/* An interval of 1 s: scheduled, completed, p99 ms. */
static struct judge_interval iv(double sched, double done, double p99)
{
    return (struct judge_interval){.length_s = 1,
                                   .scheduled = sched,
                                   .completed = done,
                                   .errors = 0,
                                   .p50_ms = p99 / 4,
                                   .p90_ms = p99 / 2,
                                   .p99_ms = p99,
                                   .cpu_pct = 20};
}

/* A step over ivs, its whole-step numbers summed from them (p99: the
 * largest), gatecap healthy. */
static struct judge_step step(double rate, const struct judge_interval *ivs, size_t n)
{
    struct judge_step s = {.offered_rps = rate,
                           .interval_s = 1,
                           .iv = ivs,
                           .n_iv = n,
                           .late_tolerance_pct = 1,
                           .cpu_ceiling_pct = 100};
    for (size_t i = 0; i < n; i++) {
        s.completed += ivs[i].completed;
        s.errors += ivs[i].errors;
        s.gen.scheduled += ivs[i].scheduled;
        s.gen.started += ivs[i].scheduled;
        if (ivs[i].p99_ms > s.latency_ms[2])
            s.latency_ms[2] = ivs[i].p99_ms;
    }
    s.latency_ms[0] = s.latency_ms[2] / 4;
    s.latency_ms[1] = s.latency_ms[2] / 2;
    s.latency_ms[3] = s.latency_ms[2];
    return s;
}

static void achieved_over_scheduled(void **state)
{
    (void)state;
    /* Poisson arrivals at 100/s: 84 and 113 scheduled, all completed. The
     * nominal rate would say 84 %; what was scheduled says 100 %. */
    struct judge_interval a[] = {iv(97, 90, 10),
                                 iv(84, 84, 10),
                                 iv(113, 113, 10),
                                 {.length_s = 0.4, .scheduled = 40, .completed = 10}};
    size_t judged;
    assert_true(fabs(judge_achieved(a, 4, 1, &judged) - 100) < 1e-12);
    assert_int_equal(judged, 2); /* the first (tail of the step before) and the partial out */
    double sched, done;
    judge_achieved_counts(a, 4, 1, &sched, &done, NULL);
    assert_true(sched == 197 && done == 197);
    struct judge_step s = step(100, a, 4);
    struct judge_verdict v;
    judge_step(&s, slo, N_SLO, &v);
    assert_true(v.measured && v.good && v.valid);
    /* one whole interval only: not measured */
    s.n_iv = 1;
    judge_step(&s, slo, N_SLO, &v);
    assert_false(v.measured);
    assert_false(v.valid);
    assert_non_null(strstr(v.why, "too short"));
    assert_true(isnan(judge_achieved(a, 0, 1, NULL)));
}

static void verdict_over_the_whole_step(void **state)
{
    (void)state;
    /* 380/s on a 400/s node: one interval of four lost completions to a
     * pause of the machine (they came in the next one): achieved over the
     * step is whole; its p99 is the pause's, and fails (plan's knee then
     * needs the next step to fail too: tests/analysis/test_capacity.c) */
    struct judge_interval a[] = {iv(380, 379, 20), iv(380, 380, 20), iv(380, 300, 900),
                                 iv(380, 460, 40), iv(380, 380, 20)};
    struct judge_step s = step(380, a, 5);
    struct judge_verdict v;
    judge_step(&s, slo, N_SLO, &v);
    assert_true(fabs(v.achieved_pct - 100) < 1e-12);
    assert_false(v.failed[2]);
    assert_true(v.failed[0]);
    assert_true(fabs(v.value[0] - 900) < 1e-12);
    assert_false(v.good);
    assert_true(v.valid);
}

static void a_knee_fails(void **state)
{
    (void)state;
    /* 420/s on a 400/s node: every interval completes 400 */
    struct judge_interval a[] = {iv(420, 405, 30), iv(420, 400, 60), iv(420, 400, 110),
                                 iv(420, 400, 160)};
    struct judge_step s = step(420, a, 4);
    struct judge_verdict v;
    judge_step(&s, slo, N_SLO, &v);
    assert_false(v.good);
    assert_true(v.valid);
    assert_true(v.failed[2]);
    assert_false(v.failed[0]); /* p99 160 ms: still within 250 */
    assert_true(fabs(v.achieved_pct - 100.0 * 1200 / 1260) < 1e-9);
    /* errors fail by their share over the step and most intervals */
    struct judge_interval e[] = {iv(100, 100, 5), iv(100, 100, 5), iv(100, 100, 5)};
    e[1].errors = e[2].errors = 1;
    s = step(100, e, 3);
    judge_step(&s, slo, N_SLO, &v);
    assert_true(v.failed[1]);
    assert_true(fabs(v.value[1] - 100.0 * 2 / 300) < 1e-12);
    /* a strict bound: achieved > 100 % cannot hold */
    struct judge_criterion strict = {JUDGE_ACHIEVED, 0, true, 100};
    assert_false(judge_holds(&strict, 100));
    assert_true(judge_holds(&slo[2], 99));
    assert_int_equal(judge_pct_index(99.9), 3);
    assert_int_equal(judge_pct_index(95), -1);
}

static void validity_blames_gatecap_only_when_it_could_decide(void **state)
{
    (void)state;
    struct judge_interval good[] = {iv(200, 200, 20), iv(200, 200, 20), iv(200, 200, 20)};
    struct judge_interval bad[] = {iv(500, 400, 900), iv(500, 400, 1500), iv(500, 400, 2000)};
    struct judge_verdict v;

    /* good, with arrivals late: latency counts from the intended start, so
     * lateness cannot make it look good; it stays valid */
    struct judge_step s = step(200, good, 3);
    s.gen.late = 300;
    s.gen.max_lag_ms = 30;
    judge_step(&s, slo, N_SLO, &v);
    assert_true(v.good && v.valid);
    /* good, but arrivals lost in gatecap: the gateway did not get the load */
    s.gen.queue_drops = 5;
    judge_step(&s, slo, N_SLO, &v);
    assert_true(v.good);
    assert_false(v.valid);
    assert_non_null(strstr(v.why, "5 arrivals never reached the gateway"));

    /* bad far beyond anything gatecap did: valid, although it was late */
    s = step(500, bad, 3);
    s.gen.late = 30; /* 2 % of 1,500 */
    s.gen.max_lag_ms = 40;
    judge_step(&s, slo, N_SLO, &v);
    assert_false(v.good);
    assert_true(v.valid);

    /* bad by 2 % achieved, with 3 % of arrivals late: could be gatecap's */
    struct judge_interval near[] = {iv(500, 490, 20), iv(500, 485, 20), iv(500, 485, 20)};
    s = step(500, near, 3);
    s.gen.late = 45;
    judge_step(&s, slo, N_SLO, &v);
    assert_false(v.good);
    assert_false(v.valid);
    assert_non_null(strstr(v.why, "started late"));
    /* the same with late arrivals that are noise (1 of 40): valid */
    struct judge_interval few[] = {iv(13, 13, 20), iv(14, 13, 20), iv(13, 12, 20)};
    s = step(13, few, 3);
    s.gen.late = 1;
    judge_step(&s, slo, N_SLO, &v);
    assert_false(v.good);
    assert_true(v.valid);

    /* a latency miss within gatecap's largest lag, arrivals late: invalid */
    struct judge_interval slow[] = {iv(100, 100, 270), iv(100, 100, 280), iv(100, 100, 275)};
    s = step(100, slow, 3);
    s.gen.late = 20;
    s.gen.max_lag_ms = 60;
    judge_step(&s, slo, N_SLO, &v);
    assert_false(v.valid);
    assert_non_null(strstr(v.why, "largest lag"));
    /* ... beyond it: valid */
    s.gen.max_lag_ms = 10;
    judge_step(&s, slo, N_SLO, &v);
    assert_true(v.valid);

    /* errors are the gateway's answers: never gatecap's, even when late */
    struct judge_interval err[] = {iv(100, 100, 5), iv(100, 100, 5), iv(100, 100, 5)};
    err[1].errors = err[2].errors = 3;
    s = step(100, err, 3);
    s.gen.late = 50;
    judge_step(&s, slo, N_SLO, &v);
    assert_false(v.good);
    assert_true(v.valid);

    /* gatecap near its CPU ceiling: a failure may be its own */
    s = step(500, bad, 3);
    for (int i = 0; i < 3; i++)
        bad[i].cpu_pct = 95;
    judge_step(&s, slo, N_SLO, &v);
    assert_false(v.valid);
    assert_non_null(strstr(v.why, "95 % CPU of the 100 %"));
}

static void wilson(void **state)
{
    (void)state;
    assert_true(stats_wilson_low(0, 0) == 0);
    assert_true(stats_wilson_low(0, 100) == 0);
    /* 1 of 40 (2.5 %): the lower bound is well under 1 % */
    assert_true(stats_wilson_low(1, 40) < 0.005);
    /* 150 of 10,000 (1.5 %): above 1 % with confidence */
    assert_true(stats_wilson_low(150, 10000) > 0.0125);
    /* the published value for 81 of 263: 0.2553 */
    assert_true(fabs(stats_wilson_low(81, 263) - 0.2553) < 1e-3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(achieved_over_scheduled),
        cmocka_unit_test(verdict_over_the_whole_step),
        cmocka_unit_test(a_knee_fails),
        cmocka_unit_test(validity_blames_gatecap_only_when_it_could_decide),
        cmocka_unit_test(wilson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
