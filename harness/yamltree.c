/*
 * yamltree.c — libyaml events folded into a tree with positions. See
 * yamltree.h. The builder keeps a stack of open collections and a table of
 * anchors; an alias is expanded into a deep copy so that every node has
 * exactly one owner and the tree can be edited (overrides) and freed
 * without reference counts.
 */
#include "yamltree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct anchor {
    char *name;
    struct ytree_node *node; /* borrowed: owned by the tree being built */
};

struct builder {
    const char *src;
    struct ytree_node *root;
    struct ytree_node *stack[YTREE_MAX_DEPTH];
    struct ytree_node *pending[YTREE_MAX_DEPTH]; /* a mapping's key awaiting its value */
    int depth;
    struct ytree_node *graveyard; /* removed nodes anchors may still point into */
    struct anchor *anchors;
    size_t n_anchors, cap_anchors;
    size_t n_nodes;
    bool seen_document;
    char *err;
    size_t err_len;
};

static struct ytree_node *node_alloc(const char *src, enum ytree_kind kind)
{
    struct ytree_node *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->src = src;
    }
    return n;
}

struct ytree_node *ytree_new(const char *src, enum ytree_kind kind)
{
    return node_alloc(src, kind);
}

struct ytree_node *ytree_new_scalar(const char *src, const char *text, size_t len)
{
    struct ytree_node *n = node_alloc(src, YTREE_SCALAR);
    if (!n)
        return NULL;
    n->text = malloc(len + 1);
    if (!n->text) {
        free(n);
        return NULL;
    }
    memcpy(n->text, text, len);
    n->text[len] = '\0';
    n->len = len;
    n->plain = true;
    return n;
}

void ytree_free(struct ytree_node *n)
{
    if (!n)
        return;
    size_t slots = n->kind == YTREE_MAP ? 2 * n->n : n->n;
    for (size_t i = 0; i < slots; i++)
        ytree_free(n->items[i]);
    free(n->items);
    free(n->text);
    free(n->tag);
    free(n);
}

static int reserve(struct ytree_node *n, size_t slots)
{
    if (slots <= n->cap)
        return 0;
    size_t cap = n->cap ? n->cap * 2 : 8;
    while (cap < slots)
        cap *= 2;
    struct ytree_node **items = realloc(n->items, cap * sizeof *items);
    if (!items)
        return YTREE_ENOMEM;
    n->items = items;
    n->cap = cap;
    return 0;
}

int ytree_seq_append(struct ytree_node *seq, struct ytree_node *item)
{
    if (reserve(seq, seq->n + 1))
        return YTREE_ENOMEM;
    seq->items[seq->n++] = item;
    return 0;
}

int ytree_map_append(struct ytree_node *map, struct ytree_node *key, struct ytree_node *value)
{
    if (reserve(map, 2 * map->n + 2))
        return YTREE_ENOMEM;
    map->items[2 * map->n] = key;
    map->items[2 * map->n + 1] = value;
    map->n++;
    return 0;
}

long ytree_map_find(const struct ytree_node *map, const char *key)
{
    if (!map || map->kind != YTREE_MAP)
        return -1;
    for (size_t i = 0; i < map->n; i++)
        if (!strcmp(map->items[2 * i]->text, key))
            return (long)i;
    return -1;
}

struct ytree_node *ytree_map_get(const struct ytree_node *map, const char *key)
{
    long i = ytree_map_find(map, key);
    return i < 0 ? NULL : map->items[2 * i + 1];
}

bool ytree_is_null(const struct ytree_node *n)
{
    if (!n || n->kind != YTREE_SCALAR || !n->plain || n->tag)
        return false;
    const char *t = n->text;
    return !*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") || !strcmp(t, "NULL");
}

const char *ytree_kind_name(const struct ytree_node *n)
{
    if (!n || ytree_is_null(n))
        return "nothing";
    switch (n->kind) {
    case YTREE_MAP:
        return "a mapping";
    case YTREE_SEQ:
        return "a list";
    default:
        return "a value";
    }
}

/* Copies n, counting nodes against *budget (NULL: unlimited). */
static struct ytree_node *copy_counted(const struct ytree_node *n, size_t *budget)
{
    if (budget) {
        if (*budget == 0)
            return NULL;
        (*budget)--;
    }
    size_t slots = n->kind == YTREE_MAP ? 2 * n->n : n->n;
    struct ytree_node *c = node_alloc(n->src, n->kind);
    if (!c)
        return NULL;
    c->line = n->line;
    c->col = n->col;
    c->plain = n->plain;
    c->len = n->len;
    if (n->text) {
        c->text = malloc(n->len + 1);
        if (!c->text)
            goto fail;
        memcpy(c->text, n->text, n->len + 1);
    }
    if (n->tag && !(c->tag = strdup(n->tag)))
        goto fail;
    if (slots) {
        if (reserve(c, slots))
            goto fail;
        memset(c->items, 0, slots * sizeof *c->items);
    }
    for (size_t i = 0; i < slots; i++)
        if (!(c->items[i] = copy_counted(n->items[i], budget)))
            goto fail;
    c->n = n->n;
    return c;
fail:
    for (size_t i = 0; i < slots && c->items; i++)
        ytree_free(c->items[i]);
    free(c->items);
    free(c->text);
    free(c->tag);
    free(c);
    return NULL;
}

struct ytree_node *ytree_copy(const struct ytree_node *n)
{
    return copy_counted(n, NULL);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
berr(struct builder *b, size_t line0, size_t col0, const char *fmt, ...)
{
    if (!b->err || !b->err_len)
        return;
    int k = snprintf(b->err, b->err_len, "%s:%zu:%zu: ", b->src, line0 + 1, col0 + 1);
    if (k < 0 || (size_t)k >= b->err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err + k, b->err_len - (size_t)k, fmt, ap);
    va_end(ap);
}

static int add_anchor(struct builder *b, const yaml_char_t *name, struct ytree_node *node)
{
    if (!name)
        return 0;
    /* A later anchor of the same name replaces the earlier one (YAML 1.2). */
    for (size_t i = 0; i < b->n_anchors; i++) {
        if (!strcmp(b->anchors[i].name, (const char *)name)) {
            b->anchors[i].node = node;
            return 0;
        }
    }
    if (b->n_anchors == b->cap_anchors) {
        size_t cap = b->cap_anchors ? 2 * b->cap_anchors : 8;
        struct anchor *a = realloc(b->anchors, cap * sizeof *a);
        if (!a)
            return YTREE_ENOMEM;
        b->anchors = a;
        b->cap_anchors = cap;
    }
    char *copy = strdup((const char *)name);
    if (!copy)
        return YTREE_ENOMEM;
    b->anchors[b->n_anchors].name = copy;
    b->anchors[b->n_anchors].node = node;
    b->n_anchors++;
    return 0;
}

/* Hands node to the open collection (or makes it the root). Takes node. */
static int attach(struct builder *b, struct ytree_node *node, const yaml_mark_t *m)
{
    if (b->depth == 0) {
        b->root = node;
        return 0;
    }
    struct ytree_node *parent = b->stack[b->depth - 1];
    if (parent->kind == YTREE_SEQ) {
        if (ytree_seq_append(parent, node)) {
            ytree_free(node);
            return YTREE_ENOMEM;
        }
        return 0;
    }
    /* Mapping: a key waits in b->pending until its value arrives. */
    struct ytree_node **pending = &b->pending[b->depth - 1];
    if (!*pending) {
        if (node->kind != YTREE_SCALAR) {
            berr(b, m->line, m->column,
                 "YAML syntax error: a key must be a plain name, not %s; write 'name: value'",
                 ytree_kind_name(node));
            ytree_free(node);
            return YTREE_ESYNTAX;
        }
        *pending = node;
        return 0;
    }
    if (ytree_map_append(parent, *pending, node)) {
        ytree_free(node);
        return YTREE_ENOMEM; /* the key stays pending and is freed with the builder */
    }
    *pending = NULL;
    return 0;
}

static bool is_merge_key(const struct ytree_node *k)
{
    return k->plain && !strcmp(k->text, "<<");
}

/* Resolves `<<` keys of a finished mapping and rejects duplicate keys. */
static int finish_map(struct builder *b, struct ytree_node *map)
{
    /* duplicates among the keys written in this mapping */
    for (size_t i = 0; i < map->n; i++) {
        const struct ytree_node *ki = map->items[2 * i];
        if (is_merge_key(ki))
            continue;
        for (size_t j = 0; j < i; j++) {
            const struct ytree_node *kj = map->items[2 * j];
            if (ki->len == kj->len && !memcmp(ki->text, kj->text, ki->len)) {
                berr(b, (size_t)ki->line - 1, (size_t)ki->col - 1,
                     "duplicate key '%s' (first at line %d); keep one of them", ki->text, kj->line);
                return YTREE_ESYNTAX;
            }
        }
    }
    for (size_t i = 0; i < map->n;) {
        struct ytree_node *k = map->items[2 * i];
        if (!is_merge_key(k)) {
            i++;
            continue;
        }
        struct ytree_node *v = map->items[2 * i + 1];
        /* detach the << pair */
        memmove(&map->items[2 * i], &map->items[2 * i + 2],
                (2 * (map->n - i - 1)) * sizeof(void *));
        map->n--;
        size_t n_src = v->kind == YTREE_SEQ ? v->n : 1;
        int rc = 0;
        for (size_t s = 0; s < n_src && !rc; s++) {
            struct ytree_node *from = v->kind == YTREE_SEQ ? v->items[s] : v;
            if (from->kind != YTREE_MAP) {
                berr(b, (size_t)from->line - 1, (size_t)from->col - 1,
                     "'<<' merges a mapping or a list of mappings, not %s; write '<<: *name' "
                     "for an anchored mapping",
                     ytree_kind_name(from));
                rc = YTREE_ESYNTAX;
                break;
            }
            for (size_t p = 0; p < from->n; p++) {
                if (ytree_map_find(map, from->items[2 * p]->text) >= 0)
                    continue;
                if (b->n_nodes >= YTREE_MAX_NODES) {
                    berr(b, (size_t)k->line - 1, (size_t)k->col - 1,
                         "the document has more than %d nodes; make it smaller", YTREE_MAX_NODES);
                    rc = YTREE_ESYNTAX;
                    break;
                }
                size_t budget = YTREE_MAX_NODES - b->n_nodes;
                size_t before = budget;
                struct ytree_node *kc = copy_counted(from->items[2 * p], &budget);
                struct ytree_node *vc = kc ? copy_counted(from->items[2 * p + 1], &budget) : NULL;
                b->n_nodes += before - budget;
                if (!vc || ytree_map_append(map, kc, vc)) {
                    ytree_free(kc);
                    ytree_free(vc);
                    rc = budget ? YTREE_ENOMEM : YTREE_ESYNTAX;
                    if (rc == YTREE_ESYNTAX)
                        berr(b, (size_t)k->line - 1, (size_t)k->col - 1,
                             "the document has more than %d nodes; make it smaller",
                             YTREE_MAX_NODES);
                    break;
                }
            }
        }
        /* An anchor may point into v: bury the pair until the end. */
        if (ytree_map_append(b->graveyard, k, v)) {
            ytree_free(k);
            ytree_free(v);
            return YTREE_ENOMEM;
        }
        if (rc)
            return rc;
    }
    return 0;
}

static char *dup_tag(const yaml_char_t *tag)
{
    return tag ? strdup((const char *)tag) : NULL;
}

static int on_event(struct builder *b, yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    struct ytree_node *node = NULL;
    const yaml_char_t *anchor = NULL;
    int rc;

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->seen_document) {
            berr(b, m->line, m->column,
                 "a second YAML document ('---'); a scenario file holds one document, "
                 "remove the '---' line and what follows or move it to its own file");
            return YTREE_ESYNTAX;
        }
        b->seen_document = true;
        return 0;
    case YAML_SCALAR_EVENT:
        if (b->n_nodes++ >= YTREE_MAX_NODES)
            goto too_many;
        node =
            ytree_new_scalar(b->src, (const char *)ev->data.scalar.value, ev->data.scalar.length);
        if (!node)
            return YTREE_ENOMEM;
        node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (ev->data.scalar.tag && !ev->data.scalar.plain_implicit &&
            !ev->data.scalar.quoted_implicit) {
            if (!(node->tag = dup_tag(ev->data.scalar.tag))) {
                ytree_free(node);
                return YTREE_ENOMEM;
            }
        }
        anchor = ev->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (b->n_nodes++ >= YTREE_MAX_NODES)
            goto too_many;
        if (b->depth >= YTREE_MAX_DEPTH) {
            berr(b, m->line, m->column, "nested more than %d levels deep; flatten the document",
                 YTREE_MAX_DEPTH);
            return YTREE_ESYNTAX;
        }
        node = ytree_new(b->src, ev->type == YAML_SEQUENCE_START_EVENT ? YTREE_SEQ : YTREE_MAP);
        if (!node)
            return YTREE_ENOMEM;
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        struct ytree_node *done = b->stack[--b->depth];
        ytree_free(b->pending[b->depth]); /* NULL: libyaml pairs keys with values */
        b->pending[b->depth] = NULL;
        if (done->kind == YTREE_MAP && (rc = finish_map(b, done)))
            return rc;
        return 0;
    }
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        struct ytree_node *target = NULL;
        for (size_t i = 0; i < b->n_anchors; i++)
            if (!strcmp(b->anchors[i].name, name))
                target = b->anchors[i].node;
        if (!target) {
            berr(b, m->line, m->column,
                 "alias '*%s' names no anchor defined before it; define '&%s' first", name, name);
            return YTREE_ESYNTAX;
        }
        for (int d = 0; d < b->depth; d++) {
            if (b->stack[d] == target) {
                berr(b, m->line, m->column,
                     "alias '*%s' refers to a node that contains it; anchors cannot be "
                     "recursive",
                     name);
                return YTREE_ESYNTAX;
            }
        }
        if (b->n_nodes >= YTREE_MAX_NODES)
            goto too_many;
        size_t budget = YTREE_MAX_NODES - b->n_nodes;
        size_t before = budget;
        node = copy_counted(target, &budget);
        b->n_nodes += before - budget;
        if (!node) {
            if (!budget)
                goto too_many;
            return YTREE_ENOMEM;
        }
        break;
    }
    default:
        return 0;
    }

    node->line = (int)m->line + 1;
    node->col = (int)m->column + 1;
    bool collection = node->kind != YTREE_SCALAR && ev->type != YAML_ALIAS_EVENT;
    if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
        const yaml_char_t *tag = ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.tag
                                                                       : ev->data.mapping_start.tag;
        int implicit = ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.implicit
                                                             : ev->data.mapping_start.implicit;
        if (tag && !implicit && !(node->tag = dup_tag(tag))) {
            ytree_free(node);
            return YTREE_ENOMEM;
        }
        anchor = ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
                                                       : ev->data.mapping_start.anchor;
    }
    if ((rc = attach(b, node, m)))
        return rc;
    /* Collections are registered at start: an alias to one still open is
     * caught above as recursive. */
    if ((rc = add_anchor(b, anchor, node)))
        return rc;
    if (collection)
        b->stack[b->depth++] = node;
    return 0;

too_many:
    berr(b, m->line, m->column, "the document has more than %d nodes; make it smaller",
         YTREE_MAX_NODES);
    return YTREE_ESYNTAX;
}

static void syntax_error(struct builder *b, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_MEMORY_ERROR)
        return;
    if (p->context) {
        berr(b, p->problem_mark.line, p->problem_mark.column,
             "YAML syntax error: %s (%s at line %zu:%zu); check the indentation here and quote "
             "values that contain ': ' or ' #' or start with one of * & ! { [ | > @ `",
             problem, p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    } else {
        berr(b, p->problem_mark.line, p->problem_mark.column,
             "YAML syntax error: %s; check the indentation here and quote values that contain "
             "': ' or ' #' or start with one of * & ! { [ | > @ `",
             problem);
    }
}

int ytree_parse(const char *src, const char *buf, size_t len, struct ytree_node **out, char *err,
                size_t err_len)
{
    struct builder b = {.src = src, .err = err, .err_len = err_len};
    yaml_parser_t p;
    int rc = 0;

    *out = NULL;
    if (err && err_len)
        err[0] = '\0';
    b.graveyard = ytree_new(src, YTREE_MAP);
    if (!b.graveyard)
        return YTREE_ENOMEM;
    if (!yaml_parser_initialize(&p)) {
        ytree_free(b.graveyard);
        return YTREE_ENOMEM;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = p.error == YAML_MEMORY_ERROR ? YTREE_ENOMEM : YTREE_ESYNTAX;
            syntax_error(&b, &p);
            break;
        }
        bool end = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
        if (rc || end)
            break;
    }
    yaml_parser_delete(&p);
    for (size_t i = 0; i < b.n_anchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    for (int d = 0; d < YTREE_MAX_DEPTH; d++)
        ytree_free(b.pending[d]);
    ytree_free(b.graveyard);
    if (rc) {
        ytree_free(b.root);
        return rc;
    }
    *out = b.root;
    return 0;
}
