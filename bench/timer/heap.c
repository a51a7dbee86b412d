/*
 * heap.c - the binary-heap timer baseline (see heap.h).
 */
#include "heap.h"

#include <stdlib.h>

int heap_init(struct timer_heap *h, uint32_t cap)
{
	h->a = malloc((size_t)cap * sizeof(*h->a));
	h->len = 0;
	h->cap = cap;
	h->seq = 0;
	return h->a ? 0 : -1;
}

void heap_free(struct timer_heap *h)
{
	free(h->a);
	h->a = NULL;
}

void heap_timer_init(struct heap_timer *t, heap_timer_fn fn, void *ctx)
{
	t->deadline = UINT64_MAX;
	t->seq = 0;
	t->index = HEAP_NONE;
	t->fn = fn;
	t->ctx = ctx;
}

static inline bool less(const struct heap_timer *x, const struct heap_timer *y)
{
	return x->deadline < y->deadline ||
	       (x->deadline == y->deadline && x->seq < y->seq);
}

static void sift_up(struct timer_heap *h, uint32_t i, struct heap_timer *t)
{
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!less(t, h->a[parent]))
			break;
		h->a[i] = h->a[parent];
		h->a[i]->index = i;
		i = parent;
	}
	h->a[i] = t;
	t->index = i;
}

static void sift_down(struct timer_heap *h, uint32_t i, struct heap_timer *t)
{
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->len)
			break;
		if (c + 1 < h->len && less(h->a[c + 1], h->a[c]))
			c++;
		if (!less(h->a[c], t))
			break;
		h->a[i] = h->a[c];
		h->a[i]->index = i;
		i = c;
	}
	h->a[i] = t;
	t->index = i;
}

void heap_cancel(struct timer_heap *h, struct heap_timer *t)
{
	uint32_t i = t->index;
	struct heap_timer *last;

	if (i == HEAP_NONE)
		return;
	t->index = HEAP_NONE;
	last = h->a[--h->len];
	if (last == t)
		return;
	if (i > 0 && less(last, h->a[(i - 1) / 2]))
		sift_up(h, i, last);
	else
		sift_down(h, i, last);
}

void heap_arm(struct timer_heap *h, struct heap_timer *t, uint64_t deadline)
{
	heap_cancel(h, t);
	t->deadline = deadline;
	t->seq = h->seq++;
	sift_up(h, h->len++, t);
}

unsigned heap_expire(struct timer_heap *h, uint64_t now)
{
	unsigned n = 0;

	while (h->len && h->a[0]->deadline <= now) {
		struct heap_timer *t = h->a[0];

		heap_cancel(h, t);
		t->fn(t, now);
		n++;
	}
	return n;
}
