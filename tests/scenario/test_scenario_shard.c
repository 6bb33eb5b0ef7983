/* tests/scenario/test_scenario_shard.c — a scenario cut to one shard of a
 * distributed run, and the digest of a scenario
 * (harness/scenario/scenario_shard.c, scenario.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

#define HEAD                                                                                       \
    "targets: [{url: 'http://127.0.0.1:8280'}]\n"                                                  \
    "requests: [{name: r, path: /}]\n"                                                             \
    "load: {phases: [{name: s, duration: 1s, rate: 10/s}], workers: 2, max_inflight: 20}\n"
#define APPS                                                                                       \
    "auth:\n  token_url: https://127.0.0.1:9443/oauth2/token\n  applications:\n"                   \
    "    - {name: a0, client_id: i0, client_secret: s0}\n"                                         \
    "    - {name: a1, client_id: i1, client_secret: s1}\n"                                         \
    "    - {name: a2, client_id: i2, client_secret: s2}\n"                                         \
    "    - {name: a3, client_id: i3, client_secret: s3}\n"                                         \
    "    - {name: a4, client_id: i4, client_secret: s4}\n"

static struct scenario *load(const char *yaml, const char *const *ov, size_t n_ov)
{
    char err[2048];
    struct scenario *s = NULL;
    int rc = scenario_load_mem("t.yaml", yaml, strlen(yaml), ov, n_ov, &s, err, sizeof err);
    if (rc)
        fail_msg("%s", err);
    return s;
}

static char *echo(const struct scenario *s)
{
    json_t *j = scenario_to_json(s);
    assert_non_null(j);
    char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return t;
}

/* Shard i of N keeps the applications a with a mod N = i, so two shards
 * never fetch one application's token; the echo still lists them all
 * (every shard of a run echoes one scenario); freeing frees each once. */
static void applications_are_striped(void **state)
{
    (void)state;
    struct scenario *whole = load(HEAD APPS, NULL, 0);
    char *want = echo(whole);
    assert_int_equal(whole->shard_index, 0);
    assert_int_equal(whole->shard_count, 1);
    for (int n = 1; n <= 5; n++) {
        size_t total = 0;
        for (int i = 0; i < n; i++) {
            struct scenario *s = load(HEAD APPS, NULL, 0);
            char err[512];
            assert_int_equal(scenario_shard(s, i, n, err, sizeof err), SCN_OK);
            assert_int_equal(s->shard_index, i);
            assert_int_equal(s->shard_count, n);
            assert_int_equal(s->auth.n_apps, scenario_share(5, (size_t)i, (size_t)n));
            for (size_t k = 0; k < s->auth.n_apps; k++) {
                char name[8];
                snprintf(name, sizeof name, "a%zu", (size_t)i + k * (size_t)n);
                assert_string_equal(s->auth.apps[k].name, name);
            }
            total += s->auth.n_apps;
            char *got = echo(s);
            assert_string_equal(got, want);
            free(got);
            scenario_free(s);
        }
        assert_int_equal(total, 5);
    }
    free(want);
    scenario_free(whole);
}

/* What cannot be split names the numbers and the fix. */
static void what_cannot_be_split(void **state)
{
    (void)state;
    char err[512];
    struct scenario *s = load(HEAD APPS, NULL, 0);
    assert_int_equal(scenario_shard(s, 0, 6, err, sizeof err), SCN_EINVAL);
    assert_non_null(strstr(err, "auth has 5 applications, fewer than the 6 shards"));
    assert_int_equal(scenario_shard(s, 3, 3, err, sizeof err), SCN_EINVAL);
    assert_non_null(strstr(err, "shard 3 of 3 does not exist"));
    assert_int_equal(scenario_shard(s, 10, 11, err, sizeof err), SCN_EINVAL);
    assert_non_null(strstr(err, "load.max_inflight 20"));
    assert_non_null(strstr(err, "at least 22"));
    scenario_free(s);
}

/* The digest covers the file's bytes and the overrides as messages show
 * them: equal for equal input, different when either differs — but not
 * when only a secret's value differs (a digest of it would let anyone
 * test guesses). */
static void digest_of_file_and_overrides(void **state)
{
    (void)state;
    const char *ov1[] = {"load.workers=1"}, *ov2[] = {"load.workers=2"};
    struct scenario *a = load(HEAD, NULL, 0), *b = load(HEAD, NULL, 0);
    struct scenario *c = load(HEAD, ov1, 1), *d = load(HEAD, ov2, 1);
    struct scenario *e = load(HEAD "name: other\n", NULL, 0);
    assert_int_equal(strncmp(a->digest, "sha256:", 7), 0);
    assert_int_equal(strlen(a->digest), 7 + 32);
    assert_string_equal(a->digest, b->digest);
    assert_string_not_equal(a->digest, c->digest);
    assert_string_not_equal(c->digest, d->digest);
    assert_string_not_equal(a->digest, e->digest);
    const char *s1[] = {"auth.applications.0.client_secret=first-secret"};
    const char *s2[] = {"auth.applications.0.client_secret=other-secret"};
    struct scenario *f = load(HEAD APPS, s1, 1), *g = load(HEAD APPS, s2, 1);
    assert_string_equal(f->digest, g->digest);
    scenario_free(a);
    scenario_free(b);
    scenario_free(c);
    scenario_free(d);
    scenario_free(e);
    scenario_free(f);
    scenario_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(applications_are_striped),
        cmocka_unit_test(what_cannot_be_split),
        cmocka_unit_test(digest_of_file_and_overrides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
