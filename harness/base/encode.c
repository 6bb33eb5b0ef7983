/*
 * encode.c — base64 and form encoding; see encode.h.
 */
#include "base/encode.h"

#include <stdbool.h>
#include <string.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t enc_base64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The base64 of in[0..n) in alphabet into out, '=' padded when pad, and a
 * NUL; out holds what that takes. Returns the length. */
static size_t encode(const char *alphabet, bool pad, const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i) {
        uint32_t v = (uint32_t)in[i] << 16 | (n - i == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        if (n - i == 2)
            out[o++] = alphabet[(v >> 6) & 63];
        else if (pad)
            out[o++] = '=';
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

int enc_base64(const uint8_t *in, size_t n, char *out, size_t out_size)
{
    if (out == NULL || (in == NULL && n > 0) || n > (SIZE_MAX - 3) / 4 * 3 ||
        out_size < enc_base64_len(n) + 1)
        return ENC_EINVAL;
    encode(b64_alphabet, true, in, n, out);
    return 0;
}

size_t enc_base64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

long enc_base64url(const void *in, size_t n, char *out, size_t cap)
{
    if (out == NULL || (in == NULL && n > 0) || n > (SIZE_MAX - 3) / 4 * 3 ||
        enc_base64url_len(n) >= cap)
        return ENC_EINVAL;
    return (long)encode(b64url_alphabet, false, in, n, out);
}

long enc_unbase64url(const char *s, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4 == 1)
        return ENC_EBASE64;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        const char *at = memchr(b64url_alphabet, s[i], 64);
        if (!at || !s[i])
            return ENC_EBASE64;
        acc = acc << 6 | (uint32_t)(at - b64url_alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return ENC_EINVAL;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)o;
}

/* Value of a base64 character, -1 if not in the alphabet. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int enc_unbase64(const char *s, size_t len, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (out_len == NULL || (s == NULL && len > 0))
        return ENC_EINVAL;
    *out_len = 0;
    if (len % 4 != 0)
        return ENC_EBASE64;
    if (out_size < len / 4 * 3 || (out == NULL && len > 0))
        return ENC_EINVAL;

    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)s[i + k];
            if (c == '=' && last && k >= 2) {
                /* "xx==" or "xxx=": no data after the first '='. */
                if (k == 2 && s[i + 3] != '=')
                    return ENC_EBASE64;
                pad++;
                v[k] = 0;
                continue;
            }
            v[k] = b64_value(c);
            if (v[k] < 0)
                return ENC_EBASE64;
        }
        uint32_t bits = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) |
                        (uint32_t)v[3];
        out[o++] = (uint8_t)(bits >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(bits >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)bits;
    }
    *out_len = o;
    return 0;
}

long enc_form(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
        size_t need = keep || ch == ' ' ? 1 : 3;
        if (n + need >= cap)
            return -1;
        if (keep)
            out[n++] = (char)ch;
        else if (ch == ' ')
            out[n++] = '+';
        else {
            out[n++] = '%';
            out[n++] = hex[ch >> 4];
            out[n++] = hex[ch & 15];
        }
    }
    if (n >= cap)
        return -1;
    out[n] = '\0';
    return (long)n;
}
