/*
 * thinkq.c — a binary min-heap of waiting users; see thinkq.h.
 */
#include "run/thinkq.h"

#include <stdlib.h>

int thinkq_init(struct thinkq *q, size_t cap)
{
    q->n = 0;
    q->cap = cap;
    q->items = calloc(cap ? cap : 1, sizeof *q->items);
    return q->items ? 0 : -1;
}

void thinkq_free(struct thinkq *q)
{
    free(q->items);
    q->items = NULL;
    q->n = q->cap = 0;
}

static bool before(const struct thinkq_item *a, const struct thinkq_item *b)
{
    return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->slot < b->slot);
}

int thinkq_push(struct thinkq *q, int64_t due_ns, size_t slot)
{
    if (q->n == q->cap)
        return -1;
    struct thinkq_item it = {.due_ns = due_ns, .slot = slot};
    size_t i = q->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&it, &q->items[parent]))
            break;
        q->items[i] = q->items[parent];
        i = parent;
    }
    q->items[i] = it;
    return 0;
}

bool thinkq_peek(const struct thinkq *q, int64_t *due_ns, size_t *slot)
{
    if (!q->n)
        return false;
    *due_ns = q->items[0].due_ns;
    *slot = q->items[0].slot;
    return true;
}

void thinkq_pop(struct thinkq *q)
{
    if (!q->n)
        return;
    struct thinkq_item last = q->items[--q->n];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= q->n)
            break;
        if (child + 1 < q->n && before(&q->items[child + 1], &q->items[child]))
            child++;
        if (!before(&q->items[child], &last))
            break;
        q->items[i] = q->items[child];
        i = child;
    }
    if (q->n)
        q->items[i] = last;
}

void thinkq_clear(struct thinkq *q)
{
    q->n = 0;
}
