/*
 * scenario_overrides.c — --set overrides applied to the YAML tree before
 * it is read (scenario.c): "a.b.0.c=value" finds or makes its path, the
 * value parsed as YAML, its nodes labelled with the override so errors
 * name it; targets normalised to lists of {url: ...} so either form takes
 * an override; the label itself, credential-looking values redacted.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/redact.h"
#include "scenario/scenario_int.h"
#include "scenario/yamltree.h"

static void zero_positions(struct ytree_node *n)
{
    n->line = n->col = 0;
    size_t slots = n->kind == YTREE_MAP ? 2 * n->n : n->n;
    for (size_t i = 0; i < slots; i++)
        zero_positions(n->items[i]);
}

static bool is_index(const char *s)
{
    if (!*s || strlen(s) > 6)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* A new empty container for the path component after the current one
 * (next runs to the next '.' or the end). */
static struct ytree_node *container_for(const char *label, const char *next)
{
    char comp[16];
    size_t n = strcspn(next, ".");
    bool index = n < sizeof comp;
    if (index) {
        memcpy(comp, next, n);
        comp[n] = '\0';
        index = is_index(comp);
    }
    return ytree_new(label, index ? YTREE_SEQ : YTREE_MAP);
}

/* Applies "a.b.0.c=value" to root. label names the override in messages
 * and in the nodes it creates (and must outlive the tree). */
void scnp_apply_override(struct scnp_ctx *c, struct ytree_node *root, const char *ov,
                         const char *label)
{
    struct ytree_node at = {.kind = YTREE_SCALAR, .src = label};
    const char *eq = strchr(ov, '=');
    if (!eq || eq == ov) {
        scnp_error(c, &at, "", "expected a key, '=' and a value, e.g. --set load.workers=2");
        return;
    }
    size_t key_len = (size_t)(eq - ov);
    char *key = strndup(ov, key_len);
    const char *value = eq + 1;
    struct ytree_node *val = NULL;
    if (!key) {
        c->oom = true;
        return;
    }
    if (value[0] == '[' || value[0] == '{') {
        char e[512];
        int rc = ytree_parse(label, value, strlen(value), &val, e, sizeof e);
        if (rc == YTREE_ENOMEM) {
            c->oom = true;
            goto out;
        }
        if (rc) {
            const char *why = strstr(e, "YAML syntax error: ");
            scnp_error(c, &at, key, "the value is not valid YAML flow: %s", why ? why + 19 : e);
            goto out;
        }
        if (!val)
            val = ytree_new_scalar(label, "", 0);
        else
            zero_positions(val);
    } else {
        val = ytree_new_scalar(label, value, strlen(value));
    }
    if (!val) {
        c->oom = true;
        goto out;
    }

    /* walk the components, creating what is missing */
    struct ytree_node *node = root;
    char field[SCNP_FIELD_MAX] = "";
    char *comp = key;
    for (;;) {
        char *dot = strchr(comp, '.');
        if (dot)
            *dot = '\0';
        bool last = !dot;
        const char *next = last ? "" : dot + 1;
        char parent[SCNP_FIELD_MAX];
        memcpy(parent, field, sizeof parent);
        scnp_field(field, parent, comp);
        if (!*comp) {
            scnp_error(c, &at, "",
                       "%.*s: empty name between dots; write e.g. "
                       "load.phases.0.rate=500/s",
                       (int)key_len, ov);
            goto out;
        }
        struct ytree_node **slot = NULL;
        if (node->kind == YTREE_SEQ) {
            if (!is_index(comp)) {
                scnp_error(c, &at, parent,
                           "is a list; address an entry by its 0-based index, e.g. %s.0", parent);
                goto out;
            }
            size_t idx = (size_t)strtoul(comp, NULL, 10);
            if (idx > node->n) {
                scnp_error(c, &at, field,
                           "%s has %zu entries; use an index from 0 to %zu (%zu appends one)",
                           parent, node->n, node->n ? node->n - 1 : 0, node->n);
                goto out;
            }
            if (idx == node->n) {
                struct ytree_node *child = last ? val : container_for(label, next);
                if (!child || ytree_seq_append(node, child)) {
                    if (child != val)
                        ytree_free(child);
                    c->oom = true;
                    goto out;
                }
                if (last)
                    val = NULL;
                node = child;
            } else {
                slot = &node->items[idx];
            }
        } else if (node->kind == YTREE_MAP) {
            long i = ytree_map_find(node, comp);
            if (i < 0) {
                struct ytree_node *k = ytree_new_scalar(label, comp, strlen(comp));
                struct ytree_node *child = last ? val : container_for(label, next);
                if (!k || !child || ytree_map_append(node, k, child)) {
                    ytree_free(k);
                    if (child != val)
                        ytree_free(child);
                    c->oom = true;
                    goto out;
                }
                if (last)
                    val = NULL;
                node = child;
            } else {
                slot = &node->items[2 * i + 1];
            }
        } else {
            scnp_error(c, &at, parent, "is a single value, not a section; write --set %s=VALUE",
                       parent);
            goto out;
        }
        if (slot) {
            if (last) {
                ytree_free(*slot);
                *slot = val;
                val = NULL;
            } else if ((*slot)->kind == YTREE_SCALAR && ytree_is_null(*slot)) {
                struct ytree_node *child = container_for(label, next);
                if (!child) {
                    c->oom = true;
                    goto out;
                }
                ytree_free(*slot);
                *slot = child;
            }
            node = *slot;
        }
        if (last)
            break;
        comp = dot + 1;
    }
out:
    ytree_free(val);
    free(key);
}

/* targets: URL  and  targets: [URL, ...]  become lists of {url: URL}, so
 * that --set targets.0.url=... works on either form. */
int scnp_normalize_targets(struct ytree_node *root)
{
    long ti = ytree_map_find(root, "targets");
    if (ti < 0)
        return 0;
    struct ytree_node **tp = &root->items[2 * ti + 1];
    if ((*tp)->kind == YTREE_SCALAR && !ytree_is_null(*tp)) {
        struct ytree_node *seq = ytree_new((*tp)->src, YTREE_SEQ);
        if (!seq || ytree_seq_append(seq, *tp)) {
            ytree_free(seq);
            return -1;
        }
        seq->line = (*tp)->line;
        seq->col = (*tp)->col;
        *tp = seq;
    }
    if ((*tp)->kind != YTREE_SEQ)
        return 0;
    for (size_t i = 0; i < (*tp)->n; i++) {
        struct ytree_node **item = &(*tp)->items[i];
        if ((*item)->kind != YTREE_SCALAR || ytree_is_null(*item))
            continue;
        struct ytree_node *map = ytree_new((*item)->src, YTREE_MAP);
        struct ytree_node *k = ytree_new_scalar((*item)->src, "url", 3);
        if (!map || !k || ytree_map_append(map, k, *item)) {
            ytree_free(map);
            ytree_free(k);
            return -1;
        }
        map->line = k->line = (*item)->line;
        map->col = k->col = (*item)->col;
        *item = map;
    }
    return 0;
}

/* Does a YAML flow value ({...} or [...]) hold a secret: a key named like
 * a credential (apikey:, "password":) or a !secret tag? */
static bool flow_holds_secret(const char *v)
{
    if (*v != '{' && *v != '[')
        return false;
    if (strstr(v, "!secret"))
        return true;
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, " \t{}[],:\"'");
        const char *e = p + n;
        if (*e == '"' || *e == '\'')
            e++;
        if (n && *e == ':' && redact_sensitive_name(p, n))
            return true;
        p += n ? n : 1;
    }
    return false;
}

/* The label of override i in messages: a value that looks like a
 * credential (by key name, or a flow holding one) is not repeated, and
 * others lose their credential shapes (a URL's user:password@, apikey=).
 * Owned. */
char *scnp_override_label(const char *ov)
{
    const char *eq = strchr(ov, '=');
    char *label = NULL;
    if (eq) {
        const char *last = eq;
        while (last > ov && last[-1] != '.')
            last--;
        if (eq[1] &&
            (redact_sensitive_name(last, (size_t)(eq - last)) || flow_holds_secret(eq + 1))) {
            if (asprintf(&label, "--set %.*s=<redacted>", (int)(eq - ov), ov) < 0)
                label = NULL;
            return label;
        }
    }
    size_t cap = 10 * strlen(ov) + 16; /* a mark for every byte, at worst */
    if (!(label = malloc(cap)))
        return NULL;
    snprintf(label, cap, "--set %s", ov);
    redact_text(NULL, label, label, cap, 0);
    return label;
}
