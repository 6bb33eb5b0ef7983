/*
 * shard.c — which shard of a distributed run this is; see shard.h.
 */
#include "run/shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *shard_source_name(enum shard_source s)
{
    static const char *const names[] = {"none", "option", "kubernetes", "slurm", "mpi"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* A whole number lo..hi written alone in text. */
static bool whole(const char *text, long lo, long hi, long *out)
{
    if (!text || !*text || *text == '-' || *text == '+')
        return false;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static const char *var(shard_env_fn env, const void *ctx, const char *name)
{
    const char *v = env(name, ctx);
    return v && *v ? v : NULL;
}

/* index and count from two texts; where says where they came from. */
static int set_pair(struct shard_id *out, const char *index, const char *count, const char *where,
                    char *err, size_t err_len)
{
    long i, n;
    if (!whole(count, 1, SHARD_MAX, &n)) {
        snprintf(err, err_len, "%s: the shard count '%s' is not a whole number 1 to %d", where,
                 count, SHARD_MAX);
        return -1;
    }
    if (!whole(index, 0, n - 1, &i)) {
        snprintf(err, err_len, "%s: the shard index '%s' is not a whole number 0 to %ld", where,
                 index, n - 1);
        return -1;
    }
    out->index = (int)i;
    out->count = (int)n;
    return 0;
}

int shard_identify(const char *option, const char *run_id, shard_env_fn env, const void *ctx,
                   struct shard_id *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    out->count = 1;
    const char *k8s = var(env, ctx, "JOB_COMPLETION_INDEX");
    const char *procid = var(env, ctx, "SLURM_PROCID");
    const char *step = var(env, ctx, "SLURM_STEP_ID");
    const char *rank = var(env, ctx, "OMPI_COMM_WORLD_RANK");
    if (option) {
        char index[32], count[32];
        const char *slash = strchr(option, '/');
        size_t li = slash ? (size_t)(slash - option) : 0;
        if (!slash || li >= sizeof index || strlen(slash + 1) >= sizeof count) {
            snprintf(err, err_len,
                     "--shard %s: write it as INDEX/COUNT, e.g. --shard 0/4 (shards "
                     "are numbered from 0)",
                     option);
            return -1;
        }
        memcpy(index, option, li);
        index[li] = '\0';
        snprintf(count, sizeof count, "%s", slash + 1);
        char where[64];
        snprintf(where, sizeof where, "--shard %.40s", option);
        if (set_pair(out, index, count, where, err, err_len))
            return -1;
        out->source = SHARD_OPTION;
    } else if (k8s) {
        const char *count = var(env, ctx, "GATECAP_SHARDS");
        if (!count) {
            snprintf(err, err_len,
                     "JOB_COMPLETION_INDEX=%s is set (a Kubernetes Indexed Job) but GATECAP_SHARDS "
                     "is not: give the container env GATECAP_SHARDS with the Job's completions "
                     "(tools/kubernetes/), or pass --shard INDEX/COUNT",
                     k8s);
            return -1;
        }
        if (set_pair(out, k8s, count, "JOB_COMPLETION_INDEX and GATECAP_SHARDS", err, err_len))
            return -1;
        out->source = SHARD_KUBERNETES;
    } else if (procid && step) {
        const char *ntasks = var(env, ctx, "SLURM_NTASKS");
        if (set_pair(out, procid, ntasks ? ntasks : "", "SLURM_PROCID and SLURM_NTASKS", err,
                     err_len))
            return -1;
        out->source = SHARD_SLURM;
    } else if (rank) {
        const char *size = var(env, ctx, "OMPI_COMM_WORLD_SIZE");
        if (set_pair(out, rank, size ? size : "", "OMPI_COMM_WORLD_RANK and OMPI_COMM_WORLD_SIZE",
                     err, err_len))
            return -1;
        out->source = SHARD_MPI;
    }
    if (!option && !k8s && procid && !step)
        snprintf(out->note, sizeof out->note,
                 "SLURM_PROCID is set but SLURM_STEP_ID is not (a batch script, not an srun "
                 "step): this runs as one machine; start the shards with srun");
    const char *id = run_id ? run_id : var(env, ctx, "GATECAP_RUN_ID");
    const char *job = var(env, ctx, "SLURM_JOB_ID");
    if (id)
        snprintf(out->run_id, sizeof out->run_id, "%s", id);
    else if (out->source == SHARD_SLURM && job)
        snprintf(out->run_id, sizeof out->run_id, "slurm-%s.%s", job, step);
    if (strlen(id ? id : "") >= sizeof out->run_id) {
        snprintf(err, err_len, "the run id '%.40s...' is longer than %zu characters", id,
                 sizeof out->run_id - 1);
        return -1;
    }
    return 0;
}
