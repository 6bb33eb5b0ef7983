/* tests/gatewaysim/test_journey.c — the payment journey's paths and ids
 * (tools/gatewaysim/journey.c): ids read back as made on any node with
 * the same secret, and every altered, forged or foreign id is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../../tools/gatewaysim/journey.h"

static const char key[] = "cluster secret";
#define KEY key, sizeof key - 1

static void matches_paths(void **state)
{
    (void)state;
    unsigned m;
    const unsigned post = 1u << GSHTTP_POST, get = 1u << GSHTTP_GET | 1u << GSHTTP_HEAD;
#define MATCH(p) gsjourney_match(p, strlen(p), &m)
    assert_int_equal(MATCH("/open-banking/v3.1/pisp/domestic-payment-consents"), GSJOURNEY_CONSENT);
    assert_int_equal(m, post);
    assert_int_equal(MATCH("/open-banking/v3.1/pisp/domestic-payments"), GSJOURNEY_PAYMENT);
    assert_int_equal(m, post);
    assert_int_equal(MATCH("/open-banking/v3.1/pisp/domestic-payments/abc"), GSJOURNEY_POLL);
    assert_int_equal(m, get);
    static const char *const others[] = {
        "/open-banking/v3.1/pisp/domestic-payments/",
        "/open-banking/v3.1/pisp/domestic-payments/abc/payment-details",
        "/open-banking/v3.1/pisp/domestic-payment-consents/abc",
        "/open-banking/v3.1/pisp/domestic-payment-consents/",
        "/open-banking/v3.1/pisp/domestic-paymentsX",
        "/open-banking/v3.1/pisp",
        "/open-banking/v3.1/pisp/domestic-payment",
        "/echo/1.0.0",
        "/",
        "",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        if (MATCH(others[i]) != GSJOURNEY_NONE)
            fail_msg("%s matched a journey step", others[i]);
        assert_int_equal(m, 0);
    }
#undef MATCH
}

static void ids_round_trip(void **state)
{
    (void)state;
    char s[GSJOURNEY_ID_CHARS + 1];
    struct gsjourney_id c = {.kind = GSJOURNEY_KIND_CONSENT,
                             .rejected = true,
                             .created_ms = 1764690000123ull,
                             .nonce = 0xdeadbeef},
                        got;
    assert_int_equal(gsjourney_id_make(&c, KEY, s), 32);
    assert_int_equal(strlen(s), 32);
    assert_int_equal(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     32);
    assert_int_equal(gsjourney_id_check(s, 32, GSJOURNEY_KIND_CONSENT, KEY, &got), 0);
    assert_int_equal(got.kind, GSJOURNEY_KIND_CONSENT);
    assert_true(got.rejected);
    assert_int_equal(got.created_ms, c.created_ms);
    assert_int_equal(got.nonce, c.nonce);
    c.rejected = false;
    c.created_ms = (1ull << 48) - 1; /* the largest time an id holds */
    assert_int_equal(gsjourney_id_make(&c, KEY, s), 32);
    assert_int_equal(gsjourney_id_check(s, 32, GSJOURNEY_KIND_CONSENT, KEY, &got), 0);
    assert_false(got.rejected);
    assert_int_equal(got.created_ms, c.created_ms);

    struct gsjourney_id p = {.kind = GSJOURNEY_KIND_PAYMENT,
                             .created_ms = 1764690000999ull,
                             .nonce = 7,
                             .consent_ms = 1764690000123ull,
                             .consent_nonce = 0xdeadbeef};
    assert_int_equal(gsjourney_id_make(&p, KEY, s), 40);
    assert_int_equal(gsjourney_id_check(s, 40, GSJOURNEY_KIND_PAYMENT, KEY, &got), 0);
    assert_int_equal(got.created_ms, p.created_ms);
    assert_int_equal(got.nonce, 7);
    assert_int_equal(got.consent_ms, p.consent_ms);
    assert_int_equal(got.consent_nonce, p.consent_nonce);
    /* the consent a payment names is made again, the same id as issued */
    char c1[GSJOURNEY_ID_CHARS + 1], c2[GSJOURNEY_ID_CHARS + 1];
    struct gsjourney_id issued = {
        .kind = GSJOURNEY_KIND_CONSENT, .created_ms = p.consent_ms, .nonce = p.consent_nonce};
    gsjourney_id_make(&issued, KEY, c1);
    struct gsjourney_id again = {
        .kind = GSJOURNEY_KIND_CONSENT, .created_ms = got.consent_ms, .nonce = got.consent_nonce};
    gsjourney_id_make(&again, KEY, c2);
    assert_string_equal(c1, c2);
}

static void altered_ids_refused(void **state)
{
    (void)state;
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    struct gsjourney_id ids[2] = {
        {.kind = GSJOURNEY_KIND_CONSENT, .created_ms = 1764690000123ull, .nonce = 42},
        {.kind = GSJOURNEY_KIND_PAYMENT,
         .created_ms = 1764690000999ull,
         .nonce = 43,
         .consent_ms = 1764690000123ull,
         .consent_nonce = 42},
    };
    for (int k = 0; k < 2; k++) {
        char s[GSJOURNEY_ID_CHARS + 1], t[GSJOURNEY_ID_CHARS + 8];
        size_t n = (size_t)gsjourney_id_make(&ids[k], KEY, s);
        struct gsjourney_id got;
        enum gsjourney_kind kind = ids[k].kind;
        /* every other character at every position (no two texts decode
         * to the same bytes: the lengths are multiples of 3 bytes) */
        for (size_t i = 0; i < n; i++)
            for (size_t d = 0; d < 64; d++) {
                if (b64[d] == s[i])
                    continue;
                memcpy(t, s, n + 1);
                t[i] = b64[d];
                if (gsjourney_id_check(t, n, kind, KEY, &got) == 0)
                    fail_msg("%s with position %zu changed to %c was accepted", s, i, b64[d]);
            }
        /* another cluster's secret */
        static const char other[] = "cluster secreT";
        assert_int_equal(gsjourney_id_check(s, n, kind, other, sizeof other - 1, &got), -EINVAL);
        /* cut, lengthened, not base64url, the other kind */
        assert_int_equal(gsjourney_id_check(s, n - 4, kind, KEY, &got), -EINVAL);
        memcpy(t, s, n);
        memcpy(t + n, "AAAA", 4);
        assert_int_equal(gsjourney_id_check(t, n + 4, kind, KEY, &got), -EINVAL);
        memcpy(t, s, n + 1);
        t[3] = '+';
        assert_int_equal(gsjourney_id_check(t, n, kind, KEY, &got), -EINVAL);
        enum gsjourney_kind other_kind =
            kind == GSJOURNEY_KIND_CONSENT ? GSJOURNEY_KIND_PAYMENT : GSJOURNEY_KIND_CONSENT;
        assert_int_equal(gsjourney_id_check(s, n, other_kind, KEY, &got), -EINVAL);
        assert_int_equal(gsjourney_id_check(NULL, 0, kind, KEY, &got), -EINVAL);
    }
    /* a payment-shaped text whose kind byte says consent, MAC'ed right */
    struct gsjourney_id forged = ids[1];
    forged.kind = GSJOURNEY_KIND_CONSENT;
    char s[GSJOURNEY_ID_CHARS + 1];
    struct gsjourney_id got;
    size_t n = (size_t)gsjourney_id_make(&forged, KEY, s);
    assert_int_equal(n, 32);
    assert_int_equal(gsjourney_id_check(s, n, GSJOURNEY_KIND_PAYMENT, KEY, &got), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_paths),
        cmocka_unit_test(ids_round_trip),
        cmocka_unit_test(altered_ids_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
