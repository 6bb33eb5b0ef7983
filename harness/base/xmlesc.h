/*
 * xmlesc.h — the pieces of XML/HTML escaping that every writer of markup
 * shares (svg.c for the charts and report.html, junit.c for JUnit XML):
 * reading one well-formed UTF-8 sequence, and the entities of the three
 * characters markup acts on in text (& < >). What a writer does with
 * quotes, control characters and bytes that are not UTF-8 is its own rule
 * (svg_escape drops them; junit replaces them with U+FFFD) and stays there.
 *
 * No allocation, no state; write errors show in ferror(f).
 */
#ifndef GATECAP_XMLESC_H
#define GATECAP_XMLESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length in bytes (1..4) of the well-formed UTF-8 sequence at s, or 0
 * when the bytes there are not one (a stray continuation byte, an overlong
 * form, a surrogate, beyond U+10FFFF, or cut short). Any byte below 0x80,
 * control characters included, is 1. s must not point at its NUL; a NUL
 * inside a sequence ends it (0), so nothing past the string is read.
 * Borrows s. */
size_t xmlesc_utf8_len(const unsigned char *s);

/* When c is '&', '<' or '>', writes its entity (&amp; &lt; &gt;) to f and
 * returns true; otherwise writes nothing and returns false. */
bool xmlesc_markup(FILE *f, unsigned char c);

#endif
