/* tests/base/test_encode.c — base64 and form encoding (harness/base/encode.c):
 * the RFC 4648 vectors, every byte value, buffers one byte too small, the
 * text the strict decoder refuses, and form values as RFC 6749 appendix B
 * writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/encode.h"

static void base64_vectors(void **state)
{
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char out[16];
        uint8_t back[16];
        size_t n = 0;
        assert_int_equal(enc_base64_len(strlen(plain[i])), strlen(enc[i]));
        assert_int_equal(enc_base64((const uint8_t *)plain[i], strlen(plain[i]), out, sizeof(out)),
                         0);
        assert_string_equal(out, enc[i]);
        assert_int_equal(enc_unbase64(enc[i], strlen(enc[i]), back, sizeof(back), &n), 0);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(back, plain[i], n);
    }
    /* every byte value, both alphabets' ends */
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char text[400];
    uint8_t back[300];
    size_t n = 0;
    assert_int_equal(enc_base64(all, 256, text, sizeof(text)), 0);
    assert_non_null(strchr(text, '+'));
    assert_non_null(strchr(text, '/'));
    assert_int_equal(enc_unbase64(text, strlen(text), back, sizeof(back), &n), 0);
    assert_int_equal(n, 256);
    assert_memory_equal(back, all, 256);
    /* output buffer too small */
    assert_int_equal(enc_base64(all, 3, text, 4), ENC_EINVAL);
    assert_int_equal(enc_unbase64("Zm9v", 4, back, 2, &n), ENC_EINVAL);
}

static void base64_refuses_bad_text(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zm9",      /* length not a multiple of 4 */
        "Zm9v\n",   /* whitespace */
        "Zm 9",     /* space */
        "Zm9-",     /* URL-safe alphabet */
        "Z===",     /* too much padding */
        "Zm=v",     /* data after padding */
        "Zg==Zm9v", /* padding before the end */
        "====",     /* padding only */
        "Zm9\x80",  /* non-ASCII */
        "Zm9v=",    /* stray '=' */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t out[16];
        size_t n = 99;
        assert_int_equal(enc_unbase64(bad[i], strlen(bad[i]), out, sizeof(out), &n), ENC_EBASE64);
    }
    /* a NUL inside the counted length is not base64 either */
    uint8_t out[16];
    size_t n = 0;
    assert_int_equal(enc_unbase64("Zm\0v", 4, out, sizeof(out), &n), ENC_EBASE64);
}

/* base64url without padding (RFC 4648 5, its test vectors unpadded), and
 * back; '+', '/', '=', 4k+1 lengths and small buffers refused. */
static void base64url_round_trip(void **state)
{
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char out[16];
    uint8_t back[16];
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        size_t n = strlen(plain[i]);
        assert_int_equal(enc_base64url_len(n), strlen(coded[i]));
        assert_int_equal(enc_base64url(plain[i], n, out, sizeof out), (long)strlen(coded[i]));
        assert_string_equal(out, coded[i]);
        assert_int_equal(enc_unbase64url(coded[i], strlen(coded[i]), back, sizeof back), (long)n);
        assert_memory_equal(back, plain[i], n);
    }
    const uint8_t bin[] = {0xfb, 0xff, 0xbf};
    assert_int_equal(enc_base64url(bin, 3, out, sizeof out), 4);
    assert_string_equal(out, "-_-_");
    assert_int_equal(enc_unbase64url("-_-_", 4, back, sizeof back), 3);
    assert_memory_equal(back, bin, 3);
    assert_int_equal(enc_base64url("foo", 3, out, 4), ENC_EINVAL); /* no room for the NUL */
    assert_int_equal(enc_unbase64url("+/+/", 4, back, sizeof back), ENC_EBASE64);
    assert_int_equal(enc_unbase64url("Zg==", 4, back, sizeof back), ENC_EBASE64);
    assert_int_equal(enc_unbase64url("Zm9vY", 5, back, sizeof back), ENC_EBASE64);
    assert_int_equal(enc_unbase64url("Zm\0v", 4, back, sizeof back), ENC_EBASE64);
    assert_int_equal(enc_unbase64url("Zm9vYmFy", 8, back, 5), ENC_EINVAL);
}

static void form_encoding(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(enc_form("abc-._~XYZ019", out, sizeof out), 13);
    assert_string_equal(out, "abc-._~XYZ019");
    assert_int_equal(enc_form("a b", out, sizeof out), 3);
    assert_string_equal(out, "a+b");
    enc_form("p@ss:w/rd&=+%", out, sizeof out);
    assert_string_equal(out, "p%40ss%3Aw%2Frd%26%3D%2B%25");
    enc_form("\xc3\xa9", out, sizeof out); /* UTF-8 bytes encoded one by one */
    assert_string_equal(out, "%C3%A9");
    assert_int_equal(enc_form("", out, sizeof out), 0);
    assert_string_equal(out, "");
    /* too small: refused, never truncated */
    assert_int_equal(enc_form("abcd", out, 4), -1);
    assert_int_equal(enc_form("a&", out, 4), -1);
    assert_int_equal(enc_form("a&", out, 5), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base64_vectors),
        cmocka_unit_test(base64_refuses_bad_text),
        cmocka_unit_test(base64url_round_trip),
        cmocka_unit_test(form_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
