/* tests/base/test_xmlesc.c — the shared pieces of XML/HTML escaping
 * (harness/base/xmlesc.c): which bytes are one well-formed UTF-8 sequence, and
 * the entities of & < >. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmlesc.h"

static size_t len_of(const char *s)
{
    return xmlesc_utf8_len((const unsigned char *)s);
}

static void utf8_well_formed(void **state)
{
    (void)state;
    assert_int_equal(len_of("a"), 1);
    assert_int_equal(len_of("\x01"), 1); /* control characters are the writer's rule */
    assert_int_equal(len_of("\x7f"), 1);
    assert_int_equal(len_of("\xC3\xA9"), 2);         /* é */
    assert_int_equal(len_of("\xE2\x82\xAC"), 3);     /* € */
    assert_int_equal(len_of("\xEF\xBF\xBF"), 3);     /* U+FFFF: UTF-8, if not XML */
    assert_int_equal(len_of("\xF0\x9F\x98\x80"), 4); /* U+1F600 */
    assert_int_equal(len_of("\xF4\x8F\xBF\xBF"), 4); /* U+10FFFF */
}

static void utf8_malformed(void **state)
{
    (void)state;
    assert_int_equal(len_of("\x80"), 0);             /* stray continuation */
    assert_int_equal(len_of("\xC0\xAF"), 0);         /* overlong '/' */
    assert_int_equal(len_of("\xC1\xBF"), 0);         /* overlong */
    assert_int_equal(len_of("\xE0\x80\xAF"), 0);     /* overlong */
    assert_int_equal(len_of("\xED\xA0\x80"), 0);     /* surrogate U+D800 */
    assert_int_equal(len_of("\xF0\x80\x80\xAF"), 0); /* overlong */
    assert_int_equal(len_of("\xF4\x90\x80\x80"), 0); /* beyond U+10FFFF */
    assert_int_equal(len_of("\xF5\x80\x80\x80"), 0);
    assert_int_equal(len_of("\xFF"), 0);
    assert_int_equal(len_of("\xC3"), 0);         /* cut short by the NUL */
    assert_int_equal(len_of("\xE2\x82"), 0);     /* cut short by the NUL */
    assert_int_equal(len_of("\xF0\x9F\x98"), 0); /* cut short by the NUL */
    assert_int_equal(len_of("\xE2\x82x"), 0);
}

static void markup_entities(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    const char *in = "a&<>\"'\n\xC3";
    for (const char *p = in; *p; p++)
        if (!xmlesc_markup(f, (unsigned char)*p))
            fputc('.', f);
    fclose(f);
    assert_string_equal(buf, ".&amp;&lt;&gt;....");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_well_formed),
        cmocka_unit_test(utf8_malformed),
        cmocka_unit_test(markup_entities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
