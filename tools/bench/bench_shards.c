/*
 * bench_shards.c — what a shard of a distributed run pays to skip the
 * other shards' arrivals (run/sched.h): ns per own arrival for one sender
 * and for the sender of one worker of 2 in shard 0 of 4 and of 16, with
 * deterministic and Poisson arrivals (Poisson draws every point of the one
 * process: S draws per own arrival). No assertions; `make bench` prints it.
 */
#include <stdio.h>

#include "base/clock.h"
#include "run/sched.h"
#include "scenario/scenario.h"

#define ARRIVALS 4000000L

static char phase_name[] = "steady";

/* ns per own arrival of sender 0 of `senders`. */
static double per_arrival(uint64_t senders, bool poisson, int64_t *sink)
{
    struct scn_phase phase = {
        .name = phase_name, .duration_s = 1e7, .rate_start = 1e5, .rate_end = 1e5, .record = true};
    struct sched s;
    sched_init(&s, &phase, 1, 0, senders, poisson, SCHED_RUN_SEED);
    int64_t t0 = clock_now_ns();
    for (long i = 0; i < ARRIVALS; i++) {
        int64_t intended;
        size_t p;
        sched_next(&s, &intended, &p, NULL);
        *sink += intended;
    }
    return (double)(clock_now_ns() - t0) / (double)ARRIVALS;
}

int main(void)
{
    int64_t sink = 0;
    static const struct {
        uint64_t senders;
        const char *what;
    } cases[] = {
        {1, "one machine, 1 worker"}, {8, "shard of 4, 2 workers"}, {32, "shard of 16, 2 workers"}};
    printf("schedule per own arrival (ns)    deterministic   poisson\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double d = per_arrival(cases[i].senders, false, &sink);
        double p = per_arrival(cases[i].senders, true, &sink);
        printf("  %-28s %13.1f %9.1f\n", cases[i].what, d, p);
    }
    printf("(compare: gatecap's bookkeeping per request above; a request's CPU is several "
           "µs)%s\n",
           sink == 42 ? " " : "");
    return 0;
}
