/*
 * encode.c — base64 and form encoding; see encode.h.
 */
#include "base/encode.h"

#include <stdbool.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t enc_base64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

int enc_base64(const uint8_t *in, size_t n, char *out, size_t out_size)
{
    if (out == NULL || (in == NULL && n > 0) || n > (SIZE_MAX - 3) / 4 * 3 ||
        out_size < enc_base64_len(n) + 1)
        return ENC_EINVAL;
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return 0;
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
