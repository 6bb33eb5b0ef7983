/*
 * bench_engine.c — gatecap's own bookkeeping per request, without any
 * network (no assertions; `make bench` prints it).
 *
 * Replays, per request, what a worker does besides calling libcurl: the
 * next intended start from the schedule, the weighted picks of request and
 * target, the three clock reads (lag check, send, completion), finding the
 * recorder cell, and recording latency, service time and TTFB with the
 * outcome counters. Goal: <= 1.5 µs per request.
 */
#include <stdio.h>
#include <time.h>

#include "base/clock.h"
#include "measure/recorder.h"
#include "run/sched.h"
#include "scenario/scenario.h"

#define REQUESTS 20000000LL

static char phase_name[] = "steady";

int main(void)
{
    struct scn_phase phase = {
        .name = phase_name, .duration_s = 1e6, .rate_start = 1e5, .rate_end = 1e5, .record = true};
    double request_cum[3] = {4, 5, 6};
    double target_cum[3] = {1, 2, 3};
    struct rec_set *set;
    if (rec_set_new(1, 3, &set))
        return 1;
    struct sched s;
    sched_init(&s, &phase, 1, 0, 1, false, 1);
    uint64_t rng = 42;
    int64_t sink = 0;
    int64_t t0 = clock_now_ns();
    for (long long i = 0; i < REQUESTS; i++) {
        int64_t intended;
        size_t p;
        sched_next(&s, &intended, &p, NULL);
        size_t q = sched_pick(request_cum, 3, &rng);
        size_t t = sched_pick(target_cum, 3, &rng);
        int64_t lag = clock_now_ns() - t0 - intended;
        int64_t sent = clock_now_ns();
        int64_t done = clock_now_ns();
        struct rec_cell *c = rec_cell_get(set, p, q, t);
        c->completed++;
        c->outcomes[OC_2XX]++;
        c->bytes_sent += 100;
        c->bytes_received += 200;
        hdr_record(c->latency, (done - sent) / 1000 + (int64_t)(i & 1023));
        hdr_record(c->service, (done - sent) / 1000 + (int64_t)(i & 511));
        hdr_record(c->ttfb, (int64_t)(i & 255));
        sink += lag;
    }
    double ns = (double)(clock_now_ns() - t0) / (double)REQUESTS;
    printf("engine bookkeeping: %.0f ns/request (schedule, picks, 3 clock reads, cell, 3 "
           "histograms; goal <= 1500 ns)%s\n",
           ns, sink == 42 ? " " : "");
    rec_set_free(set);
    return 0;
}
