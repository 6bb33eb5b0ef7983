/*
 * xmlesc.c — UTF-8 sequences and markup entities for the escapers of
 * svg.c and junit.c; see xmlesc.h.
 */
#include "base/xmlesc.h"

size_t xmlesc_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

bool xmlesc_markup(FILE *f, unsigned char c)
{
    switch (c) {
    case '&':
        fputs("&amp;", f);
        return true;
    case '<':
        fputs("&lt;", f);
        return true;
    case '>':
        fputs("&gt;", f);
        return true;
    default:
        return false;
    }
}
