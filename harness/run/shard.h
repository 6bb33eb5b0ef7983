/*
 * shard.h — which shard of a distributed run this generator is
 * (docs/distributed.md): from --shard i/N, or from the engine that started
 * it (a Kubernetes Indexed Job, a Slurm step, Open MPI), and the run's id
 * that tells its shards from another run's.
 */
#ifndef GATECAP_SHARD_H
#define GATECAP_SHARD_H

#include <stdbool.h>
#include <stddef.h>

enum shard_source {
    SHARD_NONE,       /* one machine: 0 of 1 */
    SHARD_OPTION,     /* --shard i/N */
    SHARD_KUBERNETES, /* JOB_COMPLETION_INDEX and GATECAP_SHARDS */
    SHARD_SLURM,      /* SLURM_PROCID and SLURM_NTASKS inside a step (SLURM_STEP_ID set) */
    SHARD_MPI,        /* OMPI_COMM_WORLD_RANK and OMPI_COMM_WORLD_SIZE */
};

/* The most shards a run may have. */
#define SHARD_MAX 4096

struct shard_id {
    int index, count;
    enum shard_source source;
    char run_id[128]; /* --run-id, GATECAP_RUN_ID, or the Slurm job and step; "" if none */
    char note[256];   /* something the user should hear about the choice, or "" (an
                         sbatch script's SLURM_PROCID, not taken) */
};

/* Reads a variable of the environment (getenv, or a test's table). */
typedef const char *(*shard_env_fn)(const char *name, const void *ctx);

/* Decides the shard: `option` (--shard's value, or NULL) first, then the
 * environment through env, in the order of enum shard_source; run_id
 * (--run-id's value, or NULL) before GATECAP_RUN_ID and Slurm's job and
 * step. Returns 0, or -1 with a sentence in err: a malformed --shard or
 * variable, an index out of range, JOB_COMPLETION_INDEX without
 * GATECAP_SHARDS. */
int shard_identify(const char *option, const char *run_id, shard_env_fn env, const void *ctx,
                   struct shard_id *out, char *err, size_t err_len);

/* "none", "option", "kubernetes", "slurm", "mpi". */
const char *shard_source_name(enum shard_source s);

#endif
