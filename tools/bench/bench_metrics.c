/*
 * bench_metrics.c — what live metrics cost per interval (docs/metrics.md):
 * building the snapshot on the coordinator's thread from the run's
 * totals, and rendering it as a remote-write request (protobuf + snappy)
 * and as the text format, for a run of about 100 series and one of about
 * 10,000. CPU per interval and bytes per push; no assertions (make bench).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "measure/recorder.h"
#include "output/metrics.h"
#include "run/engine.h"
#include "scenario/scenario.h"

#define ROUNDS 20

/* A run of n_req requests on n_nodes nodes, one phase, with latencies
 * spread over four decades in every cell. */
static void bench(size_t n_req, size_t n_nodes)
{
    static char phase_name[] = "steady";
    struct scn_phase phase = {.name = phase_name, .duration_s = 600, .record = true};
    struct scn_request *reqs = calloc(n_req, sizeof *reqs);
    char(*req_names)[16] = calloc(n_req, sizeof *req_names);
    struct scenario scn = {.phases = &phase,
                           .n_phases = 1,
                           .requests = reqs,
                           .n_requests = n_req,
                           .name = phase_name,
                           .interval_s = 1,
                           .shard_count = 1};
    struct engine_result r = {.n_nodes = n_nodes};
    if (!reqs || !req_names || rec_set_new(1, n_req, &r.total) ||
        !(r.node_names = calloc(REC_MAX_NODES, REC_NODE_NAME_LEN)))
        exit(1);
    for (size_t q = 0; q < n_req; q++) {
        snprintf(req_names[q], sizeof req_names[q], "req-%zu", q);
        reqs[q].name = req_names[q];
    }
    for (size_t n = 0; n < n_nodes; n++)
        snprintf(r.node_names[n], REC_NODE_NAME_LEN, "gw-%zu", n);
    for (size_t q = 0; q < n_req; q++)
        for (size_t n = 0; n < n_nodes; n++) {
            struct rec_cell *c = rec_cell_get(r.total, 0, q, n);
            for (int64_t v = 1; v < 10000000; v = v * 21 / 20 + 1) {
                hdr_record(c->latency, v);
                hdr_record(c->service, v / 2 + 1);
                c->completed++;
                c->outcomes[OC_2XX]++;
            }
        }
    struct metrics_ident id = {.run_id = "bench", .scenario = "bench", .shard = 0};
    size_t series = 0, rw_bytes = 0, text_bytes = 0;
    int64_t t_build = 0, t_rw = 0, t_text = 0;
    for (int k = 0; k < ROUNDS; k++) {
        struct metrics_snap *s;
        int64_t t0 = clock_now_ns();
        if (metrics_snap_build(&scn, &id, &r, NULL, 1796205600000 + k * 1000, true, &s))
            exit(1);
        int64_t t1 = clock_now_ns();
        uint8_t *rw;
        char *text;
        size_t rw_len, text_len;
        if (metrics_rw(s, &rw, &rw_len))
            exit(1);
        int64_t t2 = clock_now_ns();
        if (metrics_text(s, &text, &text_len))
            exit(1);
        int64_t t3 = clock_now_ns();
        t_build += t1 - t0;
        t_rw += t2 - t1;
        t_text += t3 - t2;
        series = s->n_series;
        rw_bytes = rw_len;
        text_bytes = text_len;
        free(rw);
        free(text);
        metrics_snap_unref(s);
    }
    printf("  %5zu cells %7zu series: build %8.2f ms, remote write %8.2f ms %9zu B, text %8.2f ms "
           "%10zu B per interval\n",
           n_req * n_nodes, series, (double)t_build / ROUNDS / 1e6, (double)t_rw / ROUNDS / 1e6,
           rw_bytes, (double)t_text / ROUNDS / 1e6, text_bytes);
    rec_set_free(r.total);
    free(r.node_names);
    free(req_names);
    free(reqs);
}

int main(void)
{
    printf("live metrics per interval (snapshot on the coordinator; encoding on the exporter):\n");
    bench(2, 1);   /* about 100 series */
    bench(20, 11); /* about 10,000 */
    return 0;
}
