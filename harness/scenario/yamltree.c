/*
 * yamltree.c — libyaml events folded into a tree with positions. See
 * yamltree.h. The builder keeps a stack of open collections and a table of
 * anchors; an alias is expanded into a deep copy so that every node has
 * exactly one owner and the tree can be edited (overrides) and freed
 * without reference counts.
 */
#include "scenario/yamltree.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/uniq.h"

/* Anchors per slot of the anchor table; more only in a file made to
 * collide (names are hashed without a secret), which is refused. */
#define ANCHOR_CHAIN_MAX 64

struct anchor {
    char *name;
    uint64_t hash;
    size_t next;             /* the next anchor in its slot, + 1; 0 ends the chain */
    struct ytree_node *node; /* borrowed: owned by the tree being built */
};

struct builder {
    const char *src;
    struct ytree_node *root;
    struct ytree_node *stack[YTREE_MAX_DEPTH];
    struct ytree_node *pending[YTREE_MAX_DEPTH]; /* a mapping's key awaiting its value */
    int depth;
    struct ytree_node *graveyard; /* removed nodes anchors may still point into */
    struct anchor *anchors;       /* in order of definition */
    size_t n_anchors, cap_anchors;
    size_t *slots;  /* hash table: first anchor of each slot, + 1 */
    size_t n_slots; /* a power of two, >= n_anchors; 0 before the first anchor */
    size_t n_nodes;
    size_t n_bytes;
    size_t key_compares;
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

/* Which limit a copy ran into. */
enum { HIT_NONE, HIT_NODES, HIT_BYTES };

/* What copies may still take: nodes and bytes of scalar text. */
struct budget {
    size_t nodes, bytes;
    int hit; /* HIT_NODES or HIT_BYTES once a copy did not fit */
};

/* Copies n, counting nodes and bytes against *budget (NULL: unlimited).
 * NULL when out of memory or over budget (then a budget field is 0 or
 * below what the next node needed: see over()). */
static struct ytree_node *copy_counted(const struct ytree_node *n, struct budget *budget)
{
    if (budget) {
        if (budget->nodes == 0 || budget->bytes < n->len) {
            budget->hit = budget->nodes == 0 ? HIT_NODES : HIT_BYTES;
            return NULL;
        }
        budget->nodes--;
        budget->bytes -= n->len;
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

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h;
}

/* The anchor called name (hash h), or NULL; *chain gets the anchors
 * looked at. */
static struct anchor *find_anchor(struct builder *b, const char *name, uint64_t h, size_t *chain)
{
    *chain = 0;
    if (!b->n_slots)
        return NULL;
    for (size_t i = b->slots[h & (b->n_slots - 1)]; i; i = b->anchors[i - 1].next) {
        struct anchor *a = &b->anchors[i - 1];
        (*chain)++;
        b->key_compares++;
        if (a->hash == h && !strcmp(a->name, name))
            return a;
    }
    return NULL;
}

static int rehash(struct builder *b, size_t n_slots)
{
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return YTREE_ENOMEM;
    for (size_t i = 0; i < b->n_anchors; i++) {
        size_t *head = &slots[b->anchors[i].hash & (n_slots - 1)];
        b->anchors[i].next = *head;
        *head = i + 1;
    }
    free(b->slots);
    b->slots = slots;
    b->n_slots = n_slots;
    return 0;
}

static int add_anchor(struct builder *b, const yaml_char_t *yname, struct ytree_node *node,
                      const yaml_mark_t *m)
{
    if (!yname)
        return 0;
    const char *name = (const char *)yname;
    uint64_t h = name_hash(name);
    size_t chain;
    struct anchor *a = find_anchor(b, name, h, &chain);
    if (a) { /* a later anchor of the same name replaces the earlier one (YAML 1.2) */
        a->node = node;
        return 0;
    }
    if (chain >= ANCHOR_CHAIN_MAX) {
        berr(b, m->line, m->column,
             "anchor '&%s': more than %d anchor names fall into one slot of the anchor table, "
             "which only names chosen to collide do; rename the anchors",
             name, ANCHOR_CHAIN_MAX);
        return YTREE_ESYNTAX;
    }
    if (b->n_anchors == b->cap_anchors) {
        size_t cap = b->cap_anchors ? 2 * b->cap_anchors : 8;
        struct anchor *grown = realloc(b->anchors, cap * sizeof *grown);
        if (!grown)
            return YTREE_ENOMEM;
        b->anchors = grown;
        b->cap_anchors = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return YTREE_ENOMEM;
    b->anchors[b->n_anchors++] = (struct anchor){.name = copy, .hash = h, .node = node};
    if (b->n_anchors > b->n_slots)
        return rehash(b, b->n_slots ? 2 * b->n_slots : 16); /* links the new one too */
    size_t *head = &b->slots[h & (b->n_slots - 1)];
    b->anchors[b->n_anchors - 1].next = *head;
    *head = b->n_anchors;
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

/* Reports that the tree outgrew a limit (hit) at line0:col0 (0-based). */
static int too_big(struct builder *b, size_t line0, size_t col0, int hit)
{
    if (hit == HIT_BYTES)
        berr(b, line0, col0,
             "the document holds more than %u MiB of text, counting each copy an alias or "
             "merge key makes of its anchor; refer to large values fewer times (a large body "
             "belongs in body_file)",
             YTREE_MAX_BYTES >> 20);
    else
        berr(b, line0, col0, "the document has more than %d nodes; make it smaller",
             YTREE_MAX_NODES);
    return YTREE_ESYNTAX;
}

/* Copies n within what the tree may still grow by. NULL when out of
 * memory (*hit HIT_NONE) or over a limit (*hit says which). */
static struct ytree_node *copy_within(struct builder *b, const struct ytree_node *n, int *hit)
{
    struct budget left = {YTREE_MAX_NODES - b->n_nodes, YTREE_MAX_BYTES - b->n_bytes, HIT_NONE};
    struct budget before = left;
    struct ytree_node *c = copy_counted(n, &left);
    *hit = left.hit;
    if (c) {
        b->n_nodes += before.nodes - left.nodes;
        b->n_bytes += before.bytes - left.bytes;
    }
    return c;
}

/* The keys of map appended to keys from slot *k on. */
static void gather_keys(const struct ytree_node *map, struct uniq_key *keys, size_t *k)
{
    for (size_t i = 0; i < map->n; i++, (*k)++)
        keys[*k] = (struct uniq_key){map->items[2 * i]->text, map->items[2 * i]->len};
}

/* Rejects a key written twice in map (merge keys aside), naming the
 * first repetition and where the key was first written. */
static int check_duplicates(struct builder *b, const struct ytree_node *map)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < map->n; i++)
        n += !is_merge_key(map->items[2 * i]);
    if (n < 2)
        return 0;
    struct uniq_key *keys = malloc(n * sizeof *keys);
    size_t *pos = malloc(n * sizeof *pos), *first = malloc(n * sizeof *first);
    int rc = YTREE_ENOMEM;
    if (!keys || !pos || !first)
        goto out;
    for (size_t i = 0; i < map->n; i++) {
        const struct ytree_node *key = map->items[2 * i];
        if (is_merge_key(key))
            continue;
        keys[k] = (struct uniq_key){key->text, key->len};
        pos[k++] = i;
    }
    if (uniq_first(keys, n, 0, first, &b->key_compares))
        goto out;
    rc = 0;
    for (size_t m = 0; m < n; m++) {
        if (first[m] == m)
            continue;
        const struct ytree_node *ki = map->items[2 * pos[m]], *kj = map->items[2 * pos[first[m]]];
        berr(b, (size_t)ki->line - 1, (size_t)ki->col - 1,
             "duplicate key '%s' (first at line %d); keep one of them", ki->text, kj->line);
        rc = YTREE_ESYNTAX;
        break;
    }
out:
    free(keys);
    free(pos);
    free(first);
    return rc;
}

/* Moves map's `<<` pairs into the graveyard (anchors may point into
 * them) and lists the mappings they merge in *sources (owned by the
 * caller), with the merge key of each in *via. */
static int detach_merges(struct builder *b, struct ytree_node *map,
                         const struct ytree_node ***sources, const struct ytree_node ***via,
                         size_t *n_sources)
{
    size_t merges = 0, more = 0, w = 0;
    *sources = *via = NULL;
    *n_sources = 0;
    for (size_t i = 0; i < map->n; i++) {
        const struct ytree_node *v = map->items[2 * i + 1];
        if (is_merge_key(map->items[2 * i])) {
            merges++;
            more += v->kind == YTREE_SEQ ? v->n : 1;
        }
    }
    if (!merges)
        return 0;
    /* room first, so that no pair is left half moved */
    if (reserve(b->graveyard, 2 * (b->graveyard->n + merges)) ||
        !(*sources = malloc((more ? more : 1) * sizeof **sources)) ||
        !(*via = malloc((more ? more : 1) * sizeof **via)))
        return YTREE_ENOMEM;
    for (size_t i = 0; i < map->n; i++) {
        struct ytree_node *k = map->items[2 * i], *v = map->items[2 * i + 1];
        if (!is_merge_key(k)) {
            map->items[2 * w] = k;
            map->items[2 * w + 1] = v;
            w++;
            continue;
        }
        size_t n = v->kind == YTREE_SEQ ? v->n : 1;
        for (size_t s = 0; s < n; s++) {
            (*sources)[*n_sources] = v->kind == YTREE_SEQ ? v->items[s] : v;
            (*via)[(*n_sources)++] = k;
        }
        ytree_map_append(b->graveyard, k, v); /* cannot fail: reserved */
    }
    map->n = w;
    return 0;
}

/* Rejects duplicate keys of a finished mapping, then resolves its `<<`
 * keys: the keys of the merged mappings that the mapping does not have
 * are copied in, an earlier source winning over a later one. Both steps
 * sort the keys (uniq.h), so a large mapping costs O(n log n). */
static int finish_map(struct builder *b, struct ytree_node *map)
{
    int rc = check_duplicates(b, map);
    if (rc)
        return rc;
    const struct ytree_node **sources = NULL, **via = NULL;
    size_t n_sources = 0;
    struct uniq_key *keys = NULL;
    size_t *first = NULL;
    if ((rc = detach_merges(b, map, &sources, &via, &n_sources)) || !n_sources)
        goto out;
    size_t total = map->n, own = map->n;
    for (size_t s = 0; s < n_sources; s++) {
        const struct ytree_node *from = sources[s];
        if (from->kind != YTREE_MAP) {
            berr(b, (size_t)from->line - 1, (size_t)from->col - 1,
                 "'<<' merges a mapping or a list of mappings, not %s; write '<<: *name' "
                 "for an anchored mapping",
                 ytree_kind_name(from));
            rc = YTREE_ESYNTAX;
            goto out;
        }
        total += from->n;
    }
    rc = YTREE_ENOMEM;
    keys = malloc(total * sizeof *keys);
    first = malloc(total * sizeof *first);
    if (!keys || !first)
        goto out;
    size_t k = 0;
    gather_keys(map, keys, &k);
    for (size_t s = 0; s < n_sources; s++)
        gather_keys(sources[s], keys, &k);
    if (uniq_first(keys, total, 0, first, &b->key_compares))
        goto out;
    rc = 0;
    k = own;
    for (size_t s = 0; s < n_sources && !rc; s++) {
        const struct ytree_node *from = sources[s];
        for (size_t p = 0; p < from->n && !rc; p++, k++) {
            if (first[k] != k) /* the mapping, or an earlier source, has it */
                continue;
            int hit_k = HIT_NONE, hit_v = HIT_NONE;
            struct ytree_node *kc = copy_within(b, from->items[2 * p], &hit_k);
            struct ytree_node *vc = kc ? copy_within(b, from->items[2 * p + 1], &hit_v) : NULL;
            if (!vc || ytree_map_append(map, kc, vc)) {
                ytree_free(kc);
                ytree_free(vc);
                int hit = hit_k ? hit_k : hit_v;
                rc = hit ? too_big(b, (size_t)via[s]->line - 1, (size_t)via[s]->col - 1, hit)
                         : YTREE_ENOMEM;
            }
        }
    }
out:
    free(sources);
    free(via);
    free(keys);
    free(first);
    return rc;
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
        if (ev->data.scalar.length > YTREE_MAX_BYTES - b->n_bytes)
            return too_big(b, m->line, m->column, HIT_BYTES);
        b->n_bytes += ev->data.scalar.length;
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
        size_t chain;
        const struct anchor *a = find_anchor(b, name, name_hash(name), &chain);
        struct ytree_node *target = a ? a->node : NULL;
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
        int hit;
        if (!(node = copy_within(b, target, &hit)))
            return hit ? too_big(b, m->line, m->column, hit) : YTREE_ENOMEM;
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
    if ((rc = add_anchor(b, anchor, node, m)))
        return rc;
    if (collection)
        b->stack[b->depth++] = node;
    return 0;

too_many:
    return too_big(b, m->line, m->column, HIT_NODES);
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
    return ytree_parse_stats(src, buf, len, out, NULL, err, err_len);
}

int ytree_parse_stats(const char *src, const char *buf, size_t len, struct ytree_node **out,
                      struct ytree_stats *stats, char *err, size_t err_len)
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
    /* A byte order mark may start the stream (YAML 1.2, 5.2); with the
     * encoding set, libyaml would take it for text. */
    if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
        buf += 3;
        len -= 3;
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
    free(b.slots);
    for (int d = 0; d < YTREE_MAX_DEPTH; d++)
        ytree_free(b.pending[d]);
    ytree_free(b.graveyard);
    if (stats)
        *stats = (struct ytree_stats){b.n_nodes, b.n_bytes, b.key_compares};
    if (rc) {
        ytree_free(b.root);
        return rc;
    }
    *out = b.root;
    return 0;
}
