/* tests/run/test_shard.c — which shard a generator is (harness/run/shard.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "run/shard.h"

/* A test's environment: NULL-terminated name, value pairs. */
static const char *env_of(const char *name, const void *ctx)
{
    for (const char *const *kv = ctx; kv[0]; kv += 2)
        if (!strcmp(kv[0], name))
            return kv[1];
    return NULL;
}

static struct shard_id ok(const char *option, const char *run_id, const char *const *env)
{
    struct shard_id id;
    char err[512];
    if (shard_identify(option, run_id, env_of, env, &id, err, sizeof err))
        fail_msg("%s", err);
    return id;
}

static void fails(const char *option, const char *const *env, const char *want)
{
    struct shard_id id;
    char err[512] = "";
    assert_int_equal(shard_identify(option, NULL, env_of, env, &id, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("expected '%s' in: %s", want, err);
}

static void detection(void **state)
{
    (void)state;
    const char *none[] = {NULL};
    struct shard_id id = ok(NULL, NULL, none);
    assert_int_equal(id.index, 0);
    assert_int_equal(id.count, 1);
    assert_int_equal(id.source, SHARD_NONE);
    assert_string_equal(id.run_id, "");

    id = ok("2/5", "r1", none);
    assert_true(id.index == 2 && id.count == 5 && id.source == SHARD_OPTION);
    assert_string_equal(id.run_id, "r1");

    const char *k8s[] = {
        "JOB_COMPLETION_INDEX", "3", "GATECAP_SHARDS", "4", "GATECAP_RUN_ID", "job-uid", NULL};
    id = ok(NULL, NULL, k8s);
    assert_true(id.index == 3 && id.count == 4 && id.source == SHARD_KUBERNETES);
    assert_string_equal(id.run_id, "job-uid");
    id = ok("0/2", "mine", k8s); /* the option and --run-id win */
    assert_true(id.index == 0 && id.count == 2 && id.source == SHARD_OPTION);
    assert_string_equal(id.run_id, "mine");

    const char *srun[] = {
        "SLURM_PROCID", "1", "SLURM_NTASKS", "3", "SLURM_STEP_ID", "0", "SLURM_JOB_ID", "77", NULL};
    id = ok(NULL, NULL, srun);
    assert_true(id.index == 1 && id.count == 3 && id.source == SHARD_SLURM);
    assert_string_equal(id.run_id, "slurm-77.0");
    assert_string_equal(id.note, "");

    /* sbatch's batch script outside srun: PROCID 0 of NTASKS, no step.
     * Taking it would run 1/N of the load on one process. */
    const char *batch[] = {"SLURM_PROCID", "0", "SLURM_NTASKS", "3", "SLURM_JOB_ID", "77", NULL};
    id = ok(NULL, NULL, batch);
    assert_true(id.index == 0 && id.count == 1 && id.source == SHARD_NONE);
    assert_string_equal(id.run_id, "");
    assert_non_null(strstr(id.note, "SLURM_STEP_ID is not"));

    const char *mpi[] = {"OMPI_COMM_WORLD_RANK", "5", "OMPI_COMM_WORLD_SIZE", "8", NULL};
    id = ok(NULL, NULL, mpi);
    assert_true(id.index == 5 && id.count == 8 && id.source == SHARD_MPI);
}

static void refusals(void **state)
{
    (void)state;
    const char *none[] = {NULL};
    fails("3", none, "write it as INDEX/COUNT");
    fails("3/3", none, "shard index '3' is not a whole number 0 to 2");
    fails("-1/3", none, "shard index '-1'");
    fails("1/0", none, "shard count '0'");
    fails("1/x", none, "shard count 'x'");
    fails("0/5000", none, "1 to 4096");
    const char *k8s[] = {"JOB_COMPLETION_INDEX", "2", NULL};
    fails(NULL, k8s, "GATECAP_SHARDS is not");
    const char *k8s_bad[] = {"JOB_COMPLETION_INDEX", "4", "GATECAP_SHARDS", "4", NULL};
    fails(NULL, k8s_bad, "shard index '4'");
    const char *srun[] = {"SLURM_PROCID", "1", "SLURM_STEP_ID", "0", NULL};
    fails(NULL, srun, "SLURM_PROCID and SLURM_NTASKS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detection),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
