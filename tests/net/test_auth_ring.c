/*
 * tests/net/test_auth_ring.c — the token ring (harness/net/auth_ring.c):
 * versions and generations on one thread, and copies taken by several
 * threads while one publishes as fast as it can, each copy checked to be
 * a whole token that was published, never a mix of two. `make tsan` runs
 * this under ThreadSanitizer, which reports any access the C11 memory
 * model leaves unordered; nothing here waits for time to pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/auth_ring.h"

/* The longest token the tests publish: a slot's buffer grows several
 * times (from 256 bytes) while readers copy. */
#define LONGEST 3000

/* The token of generation g: its number, then letters that depend on g
 * and the position, to a length that varies with g. A copy that mixed
 * two versions would differ from the token its generation names. */
static size_t token_of(uint32_t g, char *out, size_t cap)
{
    size_t len = 1 + ((size_t)g * 7919u) % LONGEST;
    int n = snprintf(out, cap, "g%u:", g);
    if (len < (size_t)n)
        len = (size_t)n;
    if (len >= cap) /* (never: cap is LONGEST + 1; no cmocka call off the main thread) */
        len = cap - 1;
    for (size_t i = (size_t)n; i < len; i++)
        out[i] = (char)('a' + (g + i) % 26);
    out[len] = '\0';
    return len;
}

static uint32_t publish(struct auth_ring *r, const char *token)
{
    uint32_t g;
    assert_int_equal(auth_ring_reserve(r, strlen(token), &g), 0);
    auth_ring_publish(r, token, strlen(token));
    assert_int_equal(auth_ring_gen(r), g);
    return g;
}

static void empty_ring_has_no_token(void **state)
{
    (void)state;
    struct auth_ring r;
    auth_ring_init(&r);
    char buf[16] = "x";
    uint32_t gen = 99;
    assert_int_equal(auth_ring_copy(&r, buf, sizeof buf, &gen), 0);
    assert_int_equal(gen, 0);
    assert_int_equal(auth_ring_gen(&r), 0);
    auth_ring_free(&r);
}

static void versions_and_generations(void **state)
{
    (void)state;
    struct auth_ring r;
    auth_ring_init(&r);
    char buf[LONGEST + 1], want[LONGEST + 1];
    uint32_t gen;
    assert_int_equal(publish(&r, "first"), 1);
    assert_int_equal(auth_ring_copy(&r, buf, sizeof buf, &gen), 5);
    assert_string_equal(buf, "first");
    assert_int_equal(gen, 1);
    /* round the ring several times, through a growth of every slot */
    for (uint32_t g = 2; g <= 5 * AUTH_RING; g++) {
        size_t len = token_of(g, want, sizeof want);
        assert_int_equal(publish(&r, want), g);
        assert_int_equal(auth_ring_copy(&r, buf, sizeof buf, &gen), len);
        assert_int_equal(gen, g);
        assert_string_equal(buf, want);
    }
    /* a shorter token after a long one in the same slot */
    assert_int_equal(publish(&r, "short"), 5 * AUTH_RING + 1);
    assert_int_equal(auth_ring_copy(&r, buf, sizeof buf, &gen), 5);
    assert_string_equal(buf, "short");
    auth_ring_free(&r);
}

/* A buffer too small gets the length to grow to, and the same token
 * after growing. */
static void small_buffer_gets_the_length(void **state)
{
    (void)state;
    struct auth_ring r;
    auth_ring_init(&r);
    publish(&r, "0123456789");
    char small[10], big[11];
    uint32_t gen;
    assert_int_equal(auth_ring_copy(&r, small, sizeof small, &gen), 10);
    assert_int_equal(auth_ring_copy(&r, big, sizeof big, &gen), 10);
    assert_string_equal(big, "0123456789");
    assert_int_equal(gen, 1);
    auth_ring_free(&r);
}

/* The generation skips 0 (no token) when it wraps. */
static void generation_wraps_past_zero(void **state)
{
    (void)state;
    struct auth_ring r;
    auth_ring_init(&r);
    atomic_store(&r.gen, UINT32_MAX - 1);
    char buf[32];
    uint32_t gen;
    assert_int_equal(publish(&r, "max"), UINT32_MAX);
    assert_int_equal(publish(&r, "one"), 1);
    assert_int_equal(auth_ring_copy(&r, buf, sizeof buf, &gen), 3);
    assert_string_equal(buf, "one");
    assert_int_equal(gen, 1);
    auth_ring_free(&r);
}

static int count_each(void *ctx, const char *token)
{
    (void)token;
    (*(int *)ctx)++;
    return 0;
}

/* The ring still holds its last AUTH_RING versions (what auth.c hands to
 * the redaction after a run). */
static void each_visits_the_last_versions(void **state)
{
    (void)state;
    struct auth_ring r;
    auth_ring_init(&r);
    int n = 0;
    assert_int_equal(auth_ring_each(&r, count_each, &n), 0);
    assert_int_equal(n, 0);
    publish(&r, "a-token");
    publish(&r, "b-token");
    assert_int_equal(auth_ring_each(&r, count_each, &n), 0);
    assert_int_equal(n, 2);
    for (int i = 0; i < 3 * AUTH_RING; i++)
        publish(&r, "c-token");
    n = 0;
    assert_int_equal(auth_ring_each(&r, count_each, &n), 0);
    assert_int_equal(n, AUTH_RING);
    auth_ring_free(&r);
}

/* ---- one writer, several readers ---- */

#define READERS 3
#define VERSIONS 5000

struct race {
    struct auth_ring ring;
    pthread_barrier_t go;
    atomic_bool done;
};

struct reader {
    struct race *race;
    pthread_t thread;
    long copies;
    long bad;       /* copies that were no published token */
    long backwards; /* generations lower than an earlier copy's */
    uint32_t last;  /* generation of its last copy */
    char why[200];
};

static void *writer_main(void *arg)
{
    struct race *rc = arg;
    char tok[LONGEST + 1];
    pthread_barrier_wait(&rc->go);
    for (uint32_t g = 1; g <= VERSIONS; g++) {
        size_t len = token_of(g, tok, sizeof tok);
        uint32_t next;
        if (auth_ring_reserve(&rc->ring, len, &next) || next != g)
            break; /* the main thread sees the generation fall short */
        auth_ring_publish(&rc->ring, tok, len);
        if (g % 64 == 0)
            sched_yield(); /* let readers in on one core too */
    }
    atomic_store(&rc->done, true);
    return NULL;
}

/* Checks one copy; false (with why) when it is not the token its
 * generation names. */
static bool check_copy(struct reader *rd, const char *buf, size_t len, uint32_t gen, uint32_t *last)
{
    char want[LONGEST + 1];
    if (gen == 0)
        return len == 0;
    if (gen > VERSIONS) {
        snprintf(rd->why, sizeof rd->why, "generation %u was never published", gen);
        return false;
    }
    size_t wlen = token_of(gen, want, sizeof want);
    if (len != wlen || memcmp(buf, want, len) || buf[len]) {
        snprintf(rd->why, sizeof rd->why, "generation %u: %zu bytes \"%.24s...\", want %zu", gen,
                 len, buf, wlen);
        return false;
    }
    if (gen < *last)
        rd->backwards++;
    *last = gen;
    return true;
}

static void *reader_main(void *arg)
{
    struct reader *rd = arg;
    char buf[LONGEST + 1];
    uint32_t last = 0;
    pthread_barrier_wait(&rd->race->go);
    for (;;) {
        bool over = atomic_load(&rd->race->done);
        uint32_t gen;
        size_t len = auth_ring_copy(&rd->race->ring, buf, sizeof buf, &gen);
        rd->copies++;
        if (len >= sizeof buf) {
            snprintf(rd->why, sizeof rd->why, "generation %u: length %zu", gen, len);
            rd->bad++;
        } else if (!check_copy(rd, buf, len, gen, &last)) {
            rd->bad++;
        }
        if (over) /* this copy came after the last publication */
            break;
    }
    rd->last = last;
    return NULL;
}

static void copies_race_publication(void **state)
{
    (void)state;
    struct race *rc = calloc(1, sizeof *rc);
    struct reader rd[READERS];
    pthread_t writer;
    assert_non_null(rc);
    auth_ring_init(&rc->ring);
    assert_int_equal(pthread_barrier_init(&rc->go, NULL, READERS + 1), 0);
    memset(rd, 0, sizeof rd);
    for (int i = 0; i < READERS; i++) {
        rd[i].race = rc;
        assert_int_equal(pthread_create(&rd[i].thread, NULL, reader_main, &rd[i]), 0);
    }
    assert_int_equal(pthread_create(&writer, NULL, writer_main, rc), 0);
    pthread_join(writer, NULL);
    for (int i = 0; i < READERS; i++) {
        pthread_join(rd[i].thread, NULL);
        if (rd[i].bad)
            fail_msg("reader %d: %ld of %ld copies were not a published token (%s)", i, rd[i].bad,
                     rd[i].copies, rd[i].why);
        assert_int_equal(rd[i].backwards, 0);
        /* its last copy came after the last publication */
        assert_int_equal(rd[i].last, VERSIONS);
    }
    pthread_barrier_destroy(&rc->go);
    auth_ring_free(&rc->ring);
    free(rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_ring_has_no_token),
        cmocka_unit_test(versions_and_generations),
        cmocka_unit_test(small_buffer_gets_the_length),
        cmocka_unit_test(generation_wraps_past_zero),
        cmocka_unit_test(each_visits_the_last_versions),
        cmocka_unit_test(copies_race_publication),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
