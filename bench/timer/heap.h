/*
 * heap.h - the baseline the timing wheel is measured against: timers in a
 * binary min-heap of pointers (libevent's min_heap, Go's timer heap before
 * 1.14), each timer remembering its index so that cancel is O(log n).
 * Same contract as the wheel - exact deadlines, ties in arming order - so
 * the two do the same work. Hosted benchmark code: the array is malloc'ed.
 */
#ifndef TERN_BENCH_TIMER_HEAP_H
#define TERN_BENCH_TIMER_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct heap_timer;

typedef void (*heap_timer_fn)(struct heap_timer *t, uint64_t now);

struct heap_timer {
	uint64_t deadline;
	uint64_t seq;
	uint32_t index; /* in the heap array; HEAP_NONE when not armed */
	heap_timer_fn fn;
	void *ctx;
};

#define HEAP_NONE UINT32_MAX

struct timer_heap {
	struct heap_timer **a;
	uint32_t len, cap;
	uint64_t seq;
};

/* Allocates room for cap timers. Returns 0 or -1. */
int heap_init(struct timer_heap *h, uint32_t cap);
void heap_free(struct timer_heap *h);

void heap_timer_init(struct heap_timer *t, heap_timer_fn fn, void *ctx);

/* Arms t for deadline (moves it if armed). O(log n). */
void heap_arm(struct timer_heap *h, struct heap_timer *t, uint64_t deadline);

/* Disarms t; a no-op if not armed. O(log n). */
void heap_cancel(struct timer_heap *h, struct heap_timer *t);

/* Fires every timer with deadline <= now, in order. Returns how many. */
unsigned heap_expire(struct timer_heap *h, uint64_t now);

/* The earliest deadline, or UINT64_MAX. O(1). */
static inline uint64_t heap_next(const struct timer_heap *h)
{
	return h->len ? h->a[0]->deadline : UINT64_MAX;
}

#endif
