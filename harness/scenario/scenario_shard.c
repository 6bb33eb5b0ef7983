/*
 * scenario_shard.c — a scenario cut to one shard of a distributed run, and
 * the digest that tells the shards of one run from another's; see
 * scenario.h (scenario_shard) and docs/distributed.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/feeder.h"
#include "scenario/scenario_int.h"

size_t scenario_share(size_t total, size_t index, size_t count)
{
    return total / count + (index < total % count ? 1 : 0);
}

int scenario_shard(struct scenario *s, int index, int count, char *err, size_t err_len)
{
    if (count < 1 || index < 0 || index >= count) {
        snprintf(err, err_len, "shard %d of %d does not exist; shards are numbered 0 to count-1",
                 index, count);
        return SCN_EINVAL;
    }
    if (count > 1 && s->workloads_explicit) {
        /* (each workload's schedule would stripe over its workers of every
         * shard, but gatecap merge does not yet rebuild the per-workload
         * results) */
        snprintf(err, err_len,
                 "a scenario with workloads: cannot run as shards of a distributed run yet; "
                 "run it on one machine, or run each workload's load as a scenario of its own");
        return SCN_EINVAL;
    }
    size_t i = (size_t)index, n = (size_t)count;
    if (s->model == SCN_OPEN &&
        scenario_share((size_t)s->max_inflight, i, n) < (size_t)s->workers) {
        snprintf(err, err_len,
                 "load.max_inflight %d leaves shard %d of %d %zu requests in flight, fewer than "
                 "its %d workers; raise load.max_inflight to at least %zu or lower load.workers",
                 s->max_inflight, index, count, scenario_share((size_t)s->max_inflight, i, n),
                 s->workers, n * (size_t)s->workers);
        return SCN_EINVAL;
    }
    for (size_t f = 0; f < s->n_feeders; f++)
        if (s->feeders[f]->n_rows < n) {
            snprintf(err, err_len,
                     "feeder %s has %zu rows, fewer than the %d shards (each draws the rows r "
                     "with r mod %d = its number); add rows or run fewer shards",
                     s->feeders[f]->name, s->feeders[f]->n_rows, count, count);
            return SCN_EINVAL;
        }
    struct scn_auth *au = &s->auth;
    if (au->n_apps && n > 1) {
        if (au->n_apps < n) {
            snprintf(err, err_len,
                     "auth has %zu application%s, fewer than the %d shards: each shard fetches "
                     "and refreshes the tokens of its own applications (a mod %d = its number), "
                     "so that no two refresh one token; list at least %d applications or run "
                     "fewer shards",
                     au->n_apps, au->n_apps == 1 ? "" : "s", count, count, count);
            return SCN_EINVAL;
        }
        struct scn_app *mine = calloc(scenario_share(au->n_apps, i, n), sizeof *mine);
        if (!mine) {
            snprintf(err, err_len, "out of memory");
            return SCN_ENOMEM;
        }
        size_t k = 0;
        for (size_t a = i; a < au->n_apps; a += n)
            mine[k++] = au->apps[a]; /* borrowed from apps_all */
        au->apps_all = au->apps;
        au->n_apps_all = au->n_apps;
        au->apps = mine;
        au->n_apps = k;
    }
    s->shard_index = index;
    s->shard_count = count;
    return SCN_OK;
}
