/* tests/scenario/test_yamltree.c — YAML to a tree with positions (harness/scenario/yamltree.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/yamltree.h"

#include "testutil.h"

static char err[1024];

static struct ytree_node *parse(const char *yaml)
{
    struct ytree_node *root = NULL;
    int rc = ytree_parse("f.yaml", yaml, strlen(yaml), &root, err, sizeof err);
    if (rc)
        fail_msg("rc %d: %s", rc, err);
    return root;
}

static void parse_fails(const char *yaml, const char *want)
{
    struct ytree_node *root = (struct ytree_node *)1;
    assert_int_equal(ytree_parse("f.yaml", yaml, strlen(yaml), &root, err, sizeof err),
                     YTREE_ESYNTAX);
    assert_null(root);
    if (!strstr(err, want))
        fail_msg("want '%s', got '%s'", want, err);
}

static void nodes_have_positions_and_text(void **state)
{
    (void)state;
    struct ytree_node *r = parse("a: 1\nb:\n  - x\n  - 'y z'\n  - \"q\\0r\"\nc: {d: ~}\ne:\n");
    assert_int_equal(r->kind, YTREE_MAP);
    assert_int_equal(r->n, 4);
    assert_int_equal(r->line, 1);
    const struct ytree_node *a = ytree_map_get(r, "a");
    assert_string_equal(a->text, "1");
    assert_true(a->plain);
    assert_int_equal(a->line, 1);
    assert_int_equal(a->col, 4);
    const struct ytree_node *b = ytree_map_get(r, "b");
    assert_int_equal(b->kind, YTREE_SEQ);
    assert_int_equal(b->n, 3);
    assert_int_equal(b->items[1]->line, 4);
    assert_int_equal(b->items[1]->col, 5);
    assert_string_equal(b->items[1]->text, "y z");
    assert_false(b->items[1]->plain);
    assert_int_equal(b->items[2]->len, 3); /* a NUL inside */
    assert_memory_equal(b->items[2]->text, "q\0r", 3);
    assert_true(ytree_is_null(ytree_map_get(ytree_map_get(r, "c"), "d")));
    assert_true(ytree_is_null(ytree_map_get(r, "e")));
    assert_false(ytree_is_null(a));
    assert_null(ytree_map_get(r, "zz"));
    assert_int_equal(ytree_map_find(r, "c"), 2);
    assert_string_equal(r->items[4]->text, "c"); /* keys are nodes too */
    assert_int_equal(r->items[4]->line, 6);
    assert_string_equal(ytree_kind_name(b), "a list");
    assert_string_equal(ytree_kind_name(r), "a mapping");
    assert_string_equal(ytree_kind_name(a), "a value");
    assert_string_equal(ytree_kind_name(NULL), "nothing");
    ytree_free(r);

    /* an empty document is a NULL root */
    struct ytree_node *e = (struct ytree_node *)1;
    assert_int_equal(ytree_parse("f", "# only a comment\n", 17, &e, err, sizeof err), 0);
    assert_null(e);
}

static void tags_are_kept(void **state)
{
    (void)state;
    struct ytree_node *r = parse("a: !secret x\nb: !!str 1\nc: x\n");
    assert_string_equal(ytree_map_get(r, "a")->tag, "!secret");
    assert_string_equal(ytree_map_get(r, "b")->tag, "tag:yaml.org,2002:str");
    assert_null(ytree_map_get(r, "c")->tag);
    ytree_free(r);
}

static void aliases_copy_and_merge_keys_merge(void **state)
{
    (void)state;
    struct ytree_node *r = parse("base: &b {x: 1, y: 2}\n"
                                 "other: &o {z: 3}\n"
                                 "copy: *b\n"
                                 "m1: {<<: *b, y: 9}\n"
                                 "m2: {<<: [*o, *b], x: 0}\n"
                                 "s: &s hello\n"
                                 "t: *s\n");
    const struct ytree_node *copy = ytree_map_get(r, "copy");
    assert_int_equal(copy->kind, YTREE_MAP);
    assert_int_equal(copy->line, 3);           /* the alias's position ... */
    assert_int_equal(copy->items[1]->line, 1); /* ... its content where it was written */
    assert_ptr_not_equal(copy, ytree_map_get(r, "base"));
    const struct ytree_node *m1 = ytree_map_get(r, "m1");
    assert_int_equal(m1->n, 2);
    assert_string_equal(ytree_map_get(m1, "x")->text, "1");
    assert_string_equal(ytree_map_get(m1, "y")->text, "9"); /* explicit keys win */
    assert_int_equal(ytree_map_find(m1, "<<"), -1);
    const struct ytree_node *m2 = ytree_map_get(r, "m2");
    assert_int_equal(m2->n, 3);
    assert_string_equal(ytree_map_get(m2, "x")->text, "0");
    assert_string_equal(ytree_map_get(m2, "z")->text, "3");
    assert_string_equal(ytree_map_get(r, "t")->text, "hello");
    ytree_free(r);

    /* a later anchor of the same name replaces the earlier one */
    r = parse("a: &x 1\nb: *x\nc: &x 2\nd: *x\n");
    assert_string_equal(ytree_map_get(r, "b")->text, "1");
    assert_string_equal(ytree_map_get(r, "d")->text, "2");
    ytree_free(r);

    /* an anchor inside a merged mapping stays usable */
    r = parse("a: {<<: &m {k: v}}\nb: *m\n");
    assert_string_equal(ytree_map_get(ytree_map_get(r, "b"), "k")->text, "v");
    ytree_free(r);
}

static void errors_have_positions(void **state)
{
    (void)state;
    parse_fails("a: [1, 2\nb: 3\n", "f.yaml:2:2: YAML syntax error: did not find expected ','");
    parse_fails("a: b: c\n", "f.yaml:1:5: YAML syntax error: mapping values are not allowed");
    parse_fails("a: 1\n\tb: 2\n", "f.yaml:2:1: YAML syntax error");
    parse_fails("a: 1\nb: 2\na: 3\n", "f.yaml:3:1: duplicate key 'a' (first at line 1)");
    parse_fails("a: 1\n---\nb: 2\n", "f.yaml:2:1: a second YAML document");
    parse_fails("a: *x\n", "f.yaml:1:4: alias '*x' names no anchor");
    parse_fails("a: &x [*x]\n", "f.yaml:1:8: alias '*x' refers to a node that contains it");
    parse_fails("? [a]\n: 1\n", "f.yaml:1:3: YAML syntax error: a key must be a plain name");
    parse_fails("a: {<<: 1}\n", "f.yaml:1:9: '<<' merges a mapping or a list of mappings");
    parse_fails("a: \"\\xZZ\"\n", "f.yaml:1:");
}

static void limits_hold(void **state)
{
    (void)state;
    /* deep nesting */
    char deep[512] = "";
    for (int i = 0; i < YTREE_MAX_DEPTH + 2; i++)
        test_cat(deep, sizeof deep, "[");
    parse_fails(deep, "nested more than 64 levels deep");

    /* a billion laughs: aliases multiply nodes */
    const char *laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                         "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                         "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                         "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    parse_fails(laughs, "more than 200000 nodes");
}

/* Builds "a: &a XXXX...(big bytes)\nb: [*a, *a, ...(copies)]\n". Owned. */
static char *big_alias_doc(size_t big, size_t copies)
{
    size_t cap = big + 4 * copies + 32;
    char *doc = malloc(cap);
    assert_non_null(doc);
    size_t k = 0;
    test_append(doc, cap, &k, "a: &a ");
    memset(doc + k, 'x', big);
    k += big;
    test_append(doc, cap, &k, "\nb: [");
    for (size_t i = 0; i < copies; i++)
        test_append(doc, cap, &k, "%s*a", i ? "," : "");
    test_append(doc, cap, &k, "]\n");
    return doc;
}

/* One large scalar aliased many times stays under the node limit; the
 * bytes it expands to are bounded too, and the message says where. */
static void aliases_are_bounded_in_bytes(void **state)
{
    (void)state;
    size_t big = 1u << 20, copies = YTREE_MAX_BYTES / big + 8;
    char *doc = big_alias_doc(big, copies);
    struct ytree_node *root = (struct ytree_node *)1;
    assert_int_equal(ytree_parse("f.yaml", doc, strlen(doc), &root, err, sizeof err),
                     YTREE_ESYNTAX);
    assert_null(root);
    if (!strstr(err, "f.yaml:2:") || !strstr(err, "MiB of text"))
        fail_msg("got '%s'", err);
    free(doc);

    /* a merge copies bytes too */
    size_t cap = big + 64 * copies + 64;
    char *m = malloc(cap);
    assert_non_null(m);
    size_t k = 0;
    test_append(m, cap, &k, "a: &a {k: ");
    memset(m + k, 'x', big);
    k += big;
    test_append(m, cap, &k, "}\n");
    for (size_t i = 0; i < copies; i++)
        test_append(m, cap, &k, "m%zu: {<<: *a}\n", i);
    root = (struct ytree_node *)1;
    assert_int_equal(ytree_parse("f.yaml", m, k, &root, err, sizeof err), YTREE_ESYNTAX);
    assert_null(root);
    if (!strstr(err, "MiB of text"))
        fail_msg("got '%s'", err);
    free(m);

    /* under the limit: every copy is there, and the bytes are counted */
    doc = big_alias_doc(big, 4);
    struct ytree_stats st;
    assert_int_equal(ytree_parse_stats("f.yaml", doc, strlen(doc), &root, &st, err, sizeof err), 0);
    assert_int_equal(ytree_map_get(root, "b")->n, 4);
    assert_int_equal(ytree_map_get(root, "b")->items[3]->len, big);
    assert_true(st.bytes >= 5 * big && st.bytes < 5 * big + 64);
    ytree_free(root);
    free(doc);
}

/* A byte order mark before the document is allowed (YAML 1.2) and does
 * not shift the columns of the first line. */
static void a_byte_order_mark_is_skipped(void **state)
{
    (void)state;
    struct ytree_node *r = parse("\xef\xbb\xbf"
                                 "a: 1\nb: 2\n");
    const struct ytree_node *a = ytree_map_get(r, "a");
    assert_non_null(a);
    assert_string_equal(a->text, "1");
    assert_int_equal(a->line, 1);
    assert_int_equal(a->col, 4);
    ytree_free(r);
    /* only at the very start: elsewhere it is text libyaml refuses */
    parse_fails("a: 1\n\xef\xbb\xbf"
                "b: 2\n",
                "f.yaml:2:");
}

/* "k0: v\nk1: v\n..." n keys, indented by indent spaces, into buf. */
static size_t keys_doc(char *buf, size_t cap, size_t n, const char *prefix, int indent)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        test_append(buf, cap, &k, "%*s%s%zu: v\n", indent, "", prefix, i);
    return k;
}

/* Checking a mapping's keys for duplicates and merging mappings costs
 * O(n log n) comparisons, not O(n^2): a 1 MB mapping of 90,000 keys took
 * 39 s. */
static void key_checks_are_n_log_n(void **state)
{
    (void)state;
    size_t n = 20000;
    size_t cap = n * 40 + 64;
    char *doc = malloc(cap);
    assert_non_null(doc);
    size_t k = keys_doc(doc, cap, n, "k", 0);
    struct ytree_node *root = NULL;
    struct ytree_stats st;
    assert_int_equal(ytree_parse_stats("f.yaml", doc, k, &root, &st, err, sizeof err), 0);
    assert_int_equal(root->n, n);
    if (st.key_compares > 32 * n)
        fail_msg("%zu keys took %zu comparisons", n, st.key_compares);
    ytree_free(root);

    /* a merge of two large mappings, half of the keys shared */
    k = 0;
    test_append(doc, cap, &k, "a: &a\n");
    k += keys_doc(doc + k, cap - k, n / 2, "k", 2);
    test_append(doc, cap, &k, "b:\n  <<: *a\n");
    k += keys_doc(doc + k, cap - k, n / 4, "k", 2);
    k += keys_doc(doc + k, cap - k, n / 4, "j", 2);
    assert_int_equal(ytree_parse_stats("f.yaml", doc, k, &root, &st, err, sizeof err), 0);
    const struct ytree_node *b = ytree_map_get(root, "b");
    assert_int_equal(b->n, n / 2 + n / 4);
    assert_string_equal(ytree_map_get(b, "k9999")->text, "v");
    if (st.key_compares > 64 * n)
        fail_msg("the merge took %zu comparisons", st.key_compares);
    ytree_free(root);

    /* many anchors, each aliased: one lookup each, not a scan (60,000 took 30 s) */
    k = 0;
    test_append(doc, cap, &k, "x:\n");
    for (size_t i = 0; i < n; i++)
        test_append(doc, cap, &k, "- &a%zu x\n", i);
    for (size_t i = 0; i < n; i++)
        test_append(doc, cap, &k, "- *a%zu\n", n - 1 - i);
    assert_int_equal(ytree_parse_stats("f.yaml", doc, k, &root, &st, err, sizeof err), 0);
    assert_int_equal(ytree_map_get(root, "x")->n, 2 * n);
    assert_string_equal(ytree_map_get(root, "x")->items[2 * n - 1]->text, "x");
    if (st.key_compares > 32 * n)
        fail_msg("%zu anchors and aliases took %zu comparisons", n, st.key_compares);
    ytree_free(root);

    /* names made to collide in the anchor table are refused, not slow:
     * FNV-1a as yamltree.c hashes, 65 names alike in their low 7 bits */
    k = 0;
    test_append(doc, cap, &k, "x:\n");
    size_t alike = 0;
    for (unsigned i = 0; alike < 65; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%u", i);
        uint64_t h = 0xcbf29ce484222325u;
        for (const char *p = name; *p; p++)
            h = (h ^ (unsigned char)*p) * 0x100000001b3u;
        if (h & 127)
            continue;
        test_append(doc, cap, &k, "- &%s x\n", name);
        alike++;
    }
    root = (struct ytree_node *)1;
    assert_int_equal(ytree_parse("f.yaml", doc, k, &root, err, sizeof err), YTREE_ESYNTAX);
    if (!strstr(err, "f.yaml:66:3: anchor '&c") || !strstr(err, "rename the anchors"))
        fail_msg("got '%s'", err);

    /* a duplicate among many keys is still found, with its first line */
    k = keys_doc(doc, cap, n, "k", 0);
    test_append(doc, cap, &k, "k777: again\n");
    root = (struct ytree_node *)1;
    assert_int_equal(ytree_parse("f.yaml", doc, k, &root, err, sizeof err), YTREE_ESYNTAX);
    if (!strstr(err, "f.yaml:20001:1: duplicate key 'k777' (first at line 778)"))
        fail_msg("got '%s'", err);
    free(doc);
}

static void editing_helpers(void **state)
{
    (void)state;
    struct ytree_node *m = ytree_new("src", YTREE_MAP);
    struct ytree_node *s = ytree_new("src", YTREE_SEQ);
    assert_non_null(m);
    assert_non_null(s);
    for (int i = 0; i < 20; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        assert_int_equal(ytree_map_append(m, ytree_new_scalar("src", k, strlen(k)),
                                          ytree_new_scalar("src", "v", 1)),
                         0);
        assert_int_equal(ytree_seq_append(s, ytree_new_scalar("src", k, strlen(k))), 0);
    }
    assert_int_equal(ytree_map_append(m, ytree_new_scalar("src", "seq", 3), s), 0);
    assert_int_equal(m->n, 21);
    assert_string_equal(ytree_map_get(m, "k19")->text, "v");
    assert_int_equal(ytree_map_get(m, "seq")->n, 20);
    struct ytree_node *c = ytree_copy(m);
    assert_non_null(c);
    assert_int_equal(c->n, 21);
    assert_string_equal(ytree_map_get(c, "seq")->items[7]->text, "k7");
    assert_string_equal(c->src, "src");
    ytree_free(m);
    ytree_free(c);
    ytree_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nodes_have_positions_and_text),
        cmocka_unit_test(tags_are_kept),
        cmocka_unit_test(aliases_copy_and_merge_keys_merge),
        cmocka_unit_test(errors_have_positions),
        cmocka_unit_test(limits_hold),
        cmocka_unit_test(aliases_are_bounded_in_bytes),
        cmocka_unit_test(a_byte_order_mark_is_skipped),
        cmocka_unit_test(key_checks_are_n_log_n),
        cmocka_unit_test(editing_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
