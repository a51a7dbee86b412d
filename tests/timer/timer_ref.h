/*
 * timer_ref.h - the reference the timing wheel is checked against: an
 * indexed binary min-heap of (deadline, arming order), as plain as it gets.
 * Shared by tests/timer/test_wheel.c and fuzz/timer/fuzz_timer.c.
 *
 * Timers are numbered 0..n-1; the caller owns the arrays (no allocation
 * here). Every operation is O(log n).
 */
#ifndef TERN_TESTS_TIMER_REF_H
#define TERN_TESTS_TIMER_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/base.h"

#define REF_NONE UINT32_MAX

struct ref_timer {
	uint64_t deadline;
	uint64_t seq;
	uint32_t pos; /* index in heap, REF_NONE if not armed */
};

struct ref {
	struct ref_timer *t; /* n entries */
	uint32_t *heap;	     /* n entries */
	uint32_t n, len;
	uint64_t seq;
};

static inline void ref_init(struct ref *r, struct ref_timer *t, uint32_t *heap,
			    uint32_t n)
{
	r->t = t;
	r->heap = heap;
	r->n = n;
	r->len = 0;
	r->seq = 0;
	for (uint32_t i = 0; i < n; i++) {
		t[i].pos = REF_NONE;
		t[i].deadline = TERN_NO_DEADLINE;
		t[i].seq = 0;
	}
}

static inline bool ref_less(const struct ref *r, uint32_t a, uint32_t b)
{
	const struct ref_timer *x = &r->t[a], *y = &r->t[b];

	return x->deadline < y->deadline ||
	       (x->deadline == y->deadline && x->seq < y->seq);
}

static inline void ref_put(struct ref *r, uint32_t pos, uint32_t id)
{
	r->heap[pos] = id;
	r->t[id].pos = pos;
}

static inline void ref_up(struct ref *r, uint32_t pos)
{
	uint32_t id = r->heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!ref_less(r, id, r->heap[parent]))
			break;
		ref_put(r, pos, r->heap[parent]);
		pos = parent;
	}
	ref_put(r, pos, id);
}

static inline void ref_down(struct ref *r, uint32_t pos)
{
	uint32_t id = r->heap[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= r->len)
			break;
		if (c + 1 < r->len && ref_less(r, r->heap[c + 1], r->heap[c]))
			c++;
		if (!ref_less(r, r->heap[c], id))
			break;
		ref_put(r, pos, r->heap[c]);
		pos = c;
	}
	ref_put(r, pos, id);
}

static inline bool ref_armed(const struct ref *r, uint32_t id)
{
	return r->t[id].pos != REF_NONE;
}

static inline void ref_cancel(struct ref *r, uint32_t id)
{
	uint32_t pos = r->t[id].pos, last;

	if (pos == REF_NONE)
		return;
	r->t[id].pos = REF_NONE;
	last = r->heap[--r->len];
	if (last == id)
		return;
	ref_put(r, pos, last);
	ref_up(r, pos);
	ref_down(r, r->t[last].pos);
}

/* Mirrors tern_timer_arm: TERN_NO_DEADLINE disarms. */
static inline void ref_arm(struct ref *r, uint32_t id, uint64_t deadline)
{
	ref_cancel(r, id);
	r->t[id].deadline = deadline;
	if (deadline == TERN_NO_DEADLINE)
		return;
	r->t[id].seq = r->seq++;
	ref_put(r, r->len++, id);
	ref_up(r, r->t[id].pos);
}

/* The earliest armed timer, or REF_NONE. */
static inline uint32_t ref_min(const struct ref *r)
{
	return r->len ? r->heap[0] : REF_NONE;
}

static inline uint64_t ref_min_deadline(const struct ref *r)
{
	return r->len ? r->t[r->heap[0]].deadline : TERN_NO_DEADLINE;
}

#endif
