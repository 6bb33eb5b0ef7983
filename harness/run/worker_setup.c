/*
 * worker_setup.c — a worker's life outside its loop: its share of the
 * run (users, slots), creating it (slots, records, schedule, timer, wake
 * and transport) and freeing it; see worker.h and worker_int.h.
 */
#include <pthread.h>
#include <ev.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "base/rng.h"
#include "measure/recorder_flow.h"
#include "net/auth.h"
#include "net/xfer.h"
#include "run/sched.h"
#include "run/thinkq.h"
#include "run/worker.h"
#include "run/worker_int.h"
#include "scenario/feeder.h"
#include "scenario/scenario.h"

/* Shares that differ by at most one and add up to the whole: the shard's
 * share of the run's (scenario_shard), then the worker's of the shard's. */
static size_t own_share(const struct scenario *scn, size_t total, int id, int workers)
{
    size_t shards = scn->shard_count > 1 ? (size_t)scn->shard_count : 1;
    size_t shard = shards > 1 ? scenario_share(total, (size_t)scn->shard_index, shards) : total;
    return scenario_share(shard, (size_t)id, (size_t)workers);
}

size_t worker_users(const struct scenario *scn, size_t phase, int id, int workers)
{
    if (phase >= scn->n_phases)
        return 0;
    return own_share(scn, (size_t)scn->phases[phase].users, id, workers);
}

/* Worker id of `workers` of the run: its workload, and its place wid
 * among the workload's wn workers (the whole run's without workloads). */
static const struct scn_workload *workload_of(const struct scenario *scn, int id, int workers,
                                              struct scn_workload *tmp, int *wid, int *wn)
{
    const struct scn_workload *wl = scenario_workload_of_worker(scn, id, tmp);
    if (scn->n_workloads > 1) {
        *wid = id - (int)wl->first_worker;
        *wn = wl->workers;
    } else {
        *wid = id;
        *wn = workers;
    }
    return wl;
}

size_t worker_slots(const struct scenario *scn, int id, int workers)
{
    struct scn_workload tmp;
    int wid, wn;
    const struct scn_workload *wl = workload_of(scn, id, workers, &tmp, &wid, &wn);
    if (wl->model == SCN_OPEN)
        return own_share(scn, (size_t)wl->max_inflight, wid, wn);
    size_t n = 0;
    for (size_t p = wl->first_phase; p < wl->first_phase + wl->n_phases; p++) {
        size_t mine = worker_users(scn, p, wid, wn);
        if (mine > n)
            n = mine;
    }
    return n ? n : 1; /* a worker without users of its own idles on one slot */
}

int worker_new(const struct worker_shared *sh, int id, struct worker **out, char *err,
               size_t err_len)
{
    const struct scenario *scn = sh->scn;
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        goto nomem;
    w->timer_fd = -1;
    w->sh = sh;
    w->scn = scn;
    w->id = id;
    w->wl = workload_of(scn, id, sh->workers, &w->wl_implicit, &w->wid, &w->wn);
    w->cur_phase = w->wl->first_phase;
    /* This worker's place among all senders of its workload's schedule:
     * its arrivals, target picks and random streams are its own in every
     * shard. Workloads each have a schedule of their own. */
    uint64_t senders;
    uint64_t sender = sched_sender(scn->shard_index, scn->shard_count, w->wid, w->wn, &senders);
    /* (workload 0's streams are those of a run without workloads) */
    uint64_t wl_index = scn->n_workloads ? (uint64_t)(w->wl - scn->workloads) : 0;
    w->rng = 0x853c49e6748fea9bULL ^ ((sender + 1) * 0x9E3779B97F4A7C15ULL) ^
             (wl_index * 0xD1B54A32D192ED03ULL);
    w->late_ns = (int64_t)(scn->late_threshold_ms * 1e6);
    w->n_slots = worker_slots(scn, id, sh->workers);
    if (!w->n_slots) { /* the scenario's checks keep workers within max_inflight */
        snprintf(err, err_len,
                 "worker %d of %d has no share of load.max_inflight %d; lower load.workers to %d",
                 w->wid, w->wn, w->wl->max_inflight, w->wl->max_inflight);
        free(w);
        return -1;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (!(w->loop = ev_loop_new(EVFLAG_AUTO)))
        goto nomem;
    w->slots = calloc(w->n_slots, sizeof *w->slots);
    w->free_slots = calloc(w->n_slots, sizeof *w->free_slots);
    if (!w->slots || !w->free_slots)
        goto nomem;
    if (w->wl->model == SCN_OPEN && !(w->pend = malloc(PENDING_CAP * sizeof *w->pend)))
        goto nomem;
    if ((w->wl->model == SCN_CLOSED || scn->n_flows) && thinkq_init(&w->thinkers, w->n_slots))
        goto nomem;
    if (scn->n_flows)
        rng_exp_init(); /* exponential think times (the schedule does it only for poisson) */
    size_t max_vars = 0;
    for (size_t f = 0; f < scn->n_flows; f++)
        if (scn->flows[f].n_vars > max_vars)
            max_vars = scn->flows[f].n_vars;
    if (max_vars) {
        w->spans = calloc(w->n_slots * max_vars, sizeof *w->spans);
        w->var_bufs = calloc(w->n_slots * max_vars, sizeof *w->var_bufs);
        if (!w->spans || !w->var_bufs)
            goto nomem;
        for (size_t i = 0; i < w->n_slots; i++) {
            w->slots[i].vars = w->spans + i * max_vars;
            w->slots[i].var_bufs = w->var_bufs + i * max_vars;
        }
        w->n_var_bufs = w->n_slots * max_vars;
    }
    if (rec_set_new(scn->n_phases, scn->n_requests, &w->sets[0]) ||
        rec_set_new(scn->n_phases, scn->n_requests, &w->sets[1]))
        goto nomem;
    if (scn_rec_flows(scn, w->sets[0]) || scn_rec_flows(scn, w->sets[1]) || worker_checks_new(w))
        goto nomem;
    w->front = w->sets[0];
    if (scn->n_feeders) {
        w->draws = calloc(scn->n_feeders, sizeof *w->draws);
        w->rows = calloc(w->n_slots * scn->n_feeders, sizeof *w->rows);
        if (!w->draws || !w->rows)
            goto nomem;
        for (size_t i = 0; i < w->n_slots; i++)
            w->slots[i].rows = w->rows + i * scn->n_feeders;
    }
    if (sh->auth) {
        w->n_apps = auth_pool_apps(sh->auth);
        w->app_next = (size_t)id * w->n_apps / (size_t)sh->workers;
        if (rec_set_apps(w->sets[0], w->n_apps) || rec_set_apps(w->sets[1], w->n_apps))
            goto nomem;
    }
    for (size_t i = 0; i < w->n_slots; i++)
        w->free_slots[w->n_slots - 1 - i] = i; /* slot 0 first */
    w->n_free = w->n_slots;
    for (size_t i = 0; i < scn->n_targets && i < REC_MAX_NODES; i++)
        snprintf(w->names[i], REC_NODE_NAME_LEN, "%s", scn->targets[i].name);
    w->n_nodes = scn->n_targets < REC_MAX_NODES ? scn->n_targets : REC_MAX_NODES;
    /* (workload 0's Poisson process is the one of a run without workloads) */
    sched_init(&w->sched, scn->phases + w->wl->first_phase, w->wl->n_phases, sender, senders,
               w->wl->poisson, SCHED_RUN_SEED ^ (wl_index * 0x9E3779B97F4A7C15ULL));
    double *weights = calloc(scn->n_targets ? scn->n_targets : 1, sizeof *weights);
    for (size_t i = 0; weights && i < scn->n_targets; i++)
        weights[i] = scn->targets[i].weight;
    if (!weights || sched_rr_init(&w->rr, weights, scn->n_targets, sender, senders)) {
        free(weights);
        snprintf(err, err_len, "worker %d: out of memory", id);
        worker_free(w);
        return -1;
    }
    free(weights);
    ev_async_init(&w->wake, worker_on_wake);
    w->wake.data = w;
    ev_async_start(w->loop, &w->wake);
    w->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (w->timer_fd < 0) {
        snprintf(err, err_len, "worker %d: timerfd_create failed", id);
        worker_free(w);
        return -1;
    }
    ev_io_init(&w->timer, worker_on_timer, w->timer_fd, EV_READ);
    w->timer.data = w;
    w->armed_ns = INT64_MAX;
    w->phase_due_ns = INT64_MAX;
    if (sh->new_xfer(w->loop, scn, sh->resolve, sh->n_resolve, sh->auth, w->n_slots, w->rng,
                     worker_on_done, w, &w->xfer, err, err_len)) {
        worker_free(w);
        return -1;
    }
    *out = w;
    return 0;
nomem:
    snprintf(err, err_len, "out of memory creating worker %d", id);
    worker_free(w);
    return -1;
}

void worker_free(struct worker *w)
{
    if (!w)
        return;
    if (w->thread_started) {
        atomic_store(&w->exit_now, true);
        ev_async_send(w->loop, &w->wake);
        pthread_join(w->thread, NULL);
    }
    xfer_free(w->xfer);
    if (w->loop) {
        ev_io_stop(w->loop, &w->timer);
        ev_loop_destroy(w->loop);
    }
    if (w->timer_fd >= 0)
        close(w->timer_fd);
    thinkq_free(&w->thinkers);
    rec_set_free(w->sets[0]);
    rec_set_free(w->sets[1]);
    free(w->pend);
    for (size_t i = 0; i < w->n_var_bufs; i++)
        tpl_buf_free(&w->var_bufs[i]);
    free(w->var_bufs);
    tpl_buf_free(&w->cap_scratch);
    free(w->spans);
    worker_checks_free(w);
    free(w->draws);
    free(w->rows);
    free(w->slots);
    free(w->free_slots);
    sched_rr_free(&w->rr);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
