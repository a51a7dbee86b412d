/*
 * wheel_harness.h - drives a timing wheel and the reference heap
 * (timer_ref.h) through the same operations and checks, at every firing,
 * that the wheel fires the timer the reference says is next, never early,
 * and - when the driver expires at tern_wheel_next() - exactly at its
 * deadline. Callbacks cancel and re-arm other timers and themselves.
 *
 * A timer a callback arms for a deadline not after the firing timer's is
 * "late": the wheel fires it at a later step of the same call, or in the
 * next call, out of the heap's order. The harness keeps such timers out of
 * the heap and checks only that each fires, never early, no later than the
 * expire call after the one that armed it.
 *
 * Shared by the Criterion test (tests/timer/test_wheel.c, random choices
 * from a seeded PRNG) and the fuzz target (fuzz/timer/fuzz_timer.c, choices
 * read from the fuzzer's input). The includer defines
 * HARNESS_CHECK(cond, fmt, ...) to report a failure (it must not return).
 */
#ifndef TERN_TESTS_TIMER_HARNESS_H
#define TERN_TESTS_TIMER_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/timer.h"
#include "timer_ref.h"

#ifndef HARNESS_CHECK
#error "define HARNESS_CHECK(cond, fmt, ...) before including wheel_harness.h"
#endif

#define HARNESS_MAX_TIMERS 1024

struct harness;

/* A choice in [0, bound) (bound >= 1); 0 when the source is exhausted. */
typedef uint64_t (*harness_choose_fn)(struct harness *h, uint64_t bound);

struct harness {
	struct tern_wheel w;
	struct tern_timer timers[HARNESS_MAX_TIMERS];
	struct ref_timer ref_timers[HARNESS_MAX_TIMERS];
	uint32_t ref_heap[HARNESS_MAX_TIMERS];
	uint64_t armed_now[HARNESS_MAX_TIMERS]; /* wheel time when armed */
	uint64_t late_call[HARNESS_MAX_TIMERS]; /* call that armed it late */
	uint32_t late;				/* late timers armed */
	struct ref ref;
	uint32_t n;
	harness_choose_fn choose;
	void *source;
	uint64_t call_now;   /* now of the expire call in progress */
	bool stepping;	     /* the driver expires at tern_wheel_next() */
	unsigned action_ppm; /* chance a callback acts, per 1,000,000 */
	uint64_t ops, fired, calls;
};

static inline uint64_t harness_choose(struct harness *h, uint64_t bound)
{
	return bound <= 1 ? 0 : h->choose(h, bound);
}

static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - 1 - a ? UINT64_MAX - 1 : a + b;
}

/* A deadline from one of several distributions around the wheel's time:
 * past, now, near, far, days ahead, anywhere up to UINT64_MAX - 1, on a
 * level boundary, or equal to another timer's (ties). */
static inline uint64_t harness_deadline(struct harness *h)
{
	uint64_t now = h->w.now;

	switch (harness_choose(h, 10)) {
	case 0:
		return now -
		       harness_choose(h, now < 1000000 ? now + 1 : 1000000);
	case 1:
		return now;
	case 2:
		return sat_add(now, harness_choose(h, 64));
	case 3:
		return sat_add(now, harness_choose(h, 1u << 20));
	case 4:
		return sat_add(now, harness_choose(h, 1ull << 36));
	case 5: /* up to ten days */
		return sat_add(
			now, harness_choose(h, 864000ull * TERN_NSEC_PER_SEC));
	case 6:
		return now + harness_choose(h, UINT64_MAX - now);
	case 7: { /* a level boundary, give or take a little */
		unsigned k =
			1 + (unsigned)harness_choose(h, TERN_WHEEL_LEVELS - 1);
		unsigned sh = TERN_WHEEL_SLOT_BITS * k + h->w.tick_shift;
		uint64_t b = sh >= 64 ? UINT64_MAX - 1
				      : sat_add(now >> sh << sh, 1ull << sh);
		uint64_t d = harness_choose(h, 3);

		return d == 0 ? b - 1 : d == 1 ? b : sat_add(b, 1);
	}
	default: { /* another timer's deadline (ties), or near it */
		uint32_t j = (uint32_t)harness_choose(h, h->n);
		uint64_t d = h->ref_timers[j].deadline;

		if (d == TERN_NO_DEADLINE || d < now)
			d = now;
		return sat_add(d, harness_choose(h, 3));
	}
	}
}

static void harness_unlate(struct harness *h, uint32_t id)
{
	if (h->late_call[id]) {
		h->late_call[id] = 0;
		h->late--;
	}
}

static void harness_arm(struct harness *h, uint32_t id, uint64_t deadline)
{
	harness_unlate(h, id);
	tern_timer_arm(&h->w, &h->timers[id], deadline);
	ref_arm(&h->ref, id, deadline);
	h->armed_now[id] = h->w.now;
}

/* From a callback: arms id late (see above), for deadline. */
static void harness_arm_late(struct harness *h, uint32_t id, uint64_t deadline)
{
	harness_unlate(h, id);
	ref_cancel(&h->ref, id);
	h->ref_timers[id].deadline = deadline;
	tern_timer_arm(&h->w, &h->timers[id], deadline);
	h->late_call[id] = h->calls;
	h->late++;
}

static void harness_cancel(struct harness *h, uint32_t id)
{
	harness_unlate(h, id);
	tern_timer_cancel(&h->w, &h->timers[id]);
	ref_cancel(&h->ref, id);
}

static void harness_fired(struct tern_timer *t, uint64_t now)
{
	struct harness *h = t->ctx;
	uint32_t id = (uint32_t)(t - h->timers), want = ref_min(&h->ref);
	uint64_t deadline = h->ref_timers[id].deadline;
	bool late = h->late_call[id] != 0;

	HARNESS_CHECK(now == h->call_now, "callback now %llu, expire now %llu",
		      (unsigned long long)now, (unsigned long long)h->call_now);
	HARNESS_CHECK(
		late || want == id,
		"timer %u (deadline %llu) fired, reference wants %u "
		"(deadline %llu)",
		id, (unsigned long long)deadline, want,
		want == REF_NONE
			? 0ull
			: (unsigned long long)h->ref_timers[want].deadline);
	HARNESS_CHECK(deadline <= now,
		      "timer %u fired early: deadline %llu, now %llu", id,
		      (unsigned long long)deadline, (unsigned long long)now);
	HARNESS_CHECK(!tern_timer_armed(t), "timer %u armed in its callback",
		      id);
	HARNESS_CHECK(tern_timer_deadline(t) == deadline,
		      "timer %u reports deadline %llu, armed for %llu", id,
		      (unsigned long long)tern_timer_deadline(t),
		      (unsigned long long)deadline);
	if (h->stepping && !late && deadline >= h->armed_now[id])
		HARNESS_CHECK(
			now == deadline,
			"timer %u fired at %llu, deadline %llu (stepping)", id,
			(unsigned long long)now, (unsigned long long)deadline);
	harness_unlate(h, id);
	ref_cancel(&h->ref, id);
	h->fired++;

	/* Callback actions: cancel any timer, re-arm any timer (this one
	 * too) after this call's now, or arm one late. */
	if (h->action_ppm && harness_choose(h, 1000000) < h->action_ppm) {
		uint32_t j = (uint32_t)harness_choose(h, h->n);
		uint64_t later =
			sat_add(now, 1 + harness_choose(h, 1ull << 30));

		switch (harness_choose(h, 5)) {
		case 4:
			harness_arm_late(
				h, j,
				deadline -
					harness_choose(h, deadline < 100
								  ? deadline + 1
								  : 100));
			break;
		case 0:
			harness_cancel(h, j);
			break;
		case 1:
			if (later > now)
				harness_arm(h, j, later);
			break;
		case 2:
			if (later > now)
				harness_arm(h, id, later);
			break;
		default:
			harness_arm(h, j, TERN_NO_DEADLINE);
			break;
		}
	}
}

static void harness_init(struct harness *h, uint32_t n, uint64_t start,
			 unsigned tick_shift, harness_choose_fn choose,
			 void *source)
{
	HARNESS_CHECK(n >= 1 && n <= HARNESS_MAX_TIMERS, "bad timer count %u",
		      n);
	h->n = n;
	h->choose = choose;
	h->source = source;
	h->stepping = false;
	h->action_ppm = 0;
	h->ops = h->fired = h->calls = 0;
	tern_wheel_init(&h->w, start, tick_shift);
	ref_init(&h->ref, h->ref_timers, h->ref_heap, n);
	h->late = 0;
	for (uint32_t i = 0; i < n; i++) {
		tern_timer_init(&h->timers[i], harness_fired, h);
		h->armed_now[i] = start;
		h->late_call[i] = 0;
	}
}

/* Checks the wheel against the reference at rest (between expire calls).
 * The O(n) checks run every op for small wheels, every 256th for big ones. */
static void harness_check_rest(struct harness *h)
{
	uint64_t next = tern_wheel_next(&h->w), min = ref_min_deadline(&h->ref);
	bool full = h->n <= 64 || (h->ops & 255) == 0;

	HARNESS_CHECK(tern_wheel_armed(&h->w) == h->ref.len + h->late,
		      "wheel has %llu armed, reference %u + %u late",
		      (unsigned long long)tern_wheel_armed(&h->w), h->ref.len,
		      h->late);
	if (full)
		HARNESS_CHECK(tern_wheel_verify(&h->w) == 0,
			      "wheel invariants broken (%u armed)", h->ref.len);
	if (h->ref.len == 0 && h->late == 0) {
		HARNESS_CHECK(next == TERN_NO_DEADLINE,
			      "next %llu with nothing armed",
			      (unsigned long long)next);
	} else if (min <= h->w.now || h->late) {
		HARNESS_CHECK(next <= h->w.now,
			      "next %llu but %llu is due (now %llu)",
			      (unsigned long long)next, (unsigned long long)min,
			      (unsigned long long)h->w.now);
	} else {
		HARNESS_CHECK(next <= min && next > h->w.now,
			      "next %llu, earliest %llu, now %llu",
			      (unsigned long long)next, (unsigned long long)min,
			      (unsigned long long)h->w.now);
	}
	for (uint32_t i = 0; full && i < h->n; i++)
		HARNESS_CHECK(tern_timer_armed(&h->timers[i]) ==
				      (ref_armed(&h->ref, i) ||
				       h->late_call[i]),
			      "timer %u armed state differs", i);
}

/* One expire call at now (clamped as the wheel does); checks that it fired
 * everything due. Returns the number fired. */
static unsigned harness_expire(struct harness *h, uint64_t now)
{
	unsigned n;

	if (now < h->w.now)
		now = h->w.now;
	h->call_now = now;
	h->calls++;
	n = tern_wheel_expire(&h->w, now);
	HARNESS_CHECK(h->w.now == now, "wheel time %llu after expire(%llu)",
		      (unsigned long long)h->w.now, (unsigned long long)now);
	HARNESS_CHECK(ref_min_deadline(&h->ref) > now,
		      "timer %u (deadline %llu) not fired by expire(%llu)",
		      ref_min(&h->ref),
		      (unsigned long long)ref_min_deadline(&h->ref),
		      (unsigned long long)now);
	/* Late timers armed before this call are due: all fired now. */
	for (uint32_t i = 0; h->late && i < h->n; i++)
		HARNESS_CHECK(!h->late_call[i] || h->late_call[i] == h->calls,
			      "late timer %u (armed in call %llu) not fired by "
			      "call %llu",
			      i, (unsigned long long)h->late_call[i],
			      (unsigned long long)h->calls);
	return n;
}

/* Advances to target by expiring at tern_wheel_next() until it passes
 * target: every timer must fire exactly at its deadline, and the wheel must
 * make progress (fire, or cascade towards the earliest timer) at each
 * step: at most TERN_WHEEL_LEVELS steps in a row fire nothing. */
static void harness_step_to(struct harness *h, uint64_t target)
{
	unsigned idle = 0;

	h->stepping = true;
	for (;;) {
		uint64_t next = tern_wheel_next(&h->w);

		if (next > target)
			break;
		if (harness_expire(h, next) == 0) {
			HARNESS_CHECK(++idle <= TERN_WHEEL_LEVELS,
				      "no progress expiring at next() = %llu",
				      (unsigned long long)next);
		} else {
			idle = 0;
		}
	}
	harness_expire(h, target);
	h->stepping = false;
}

/* One random operation. */
static void harness_op(struct harness *h)
{
	uint32_t id = (uint32_t)harness_choose(h, h->n);
	uint64_t now = h->w.now, target;

	h->ops++;
	switch (harness_choose(h, 16)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
		harness_arm(h, id, harness_deadline(h));
		break;
	case 6:
	case 7:
		harness_cancel(h, id);
		break;
	case 8:
		harness_arm(h, id, TERN_NO_DEADLINE);
		break;
	case 9:
	case 10: /* small jumps */
		harness_expire(h, sat_add(now, harness_choose(h, 1u << 12)));
		break;
	case 11: /* a jump to some deadline, or over it */
		target = harness_deadline(h);
		if (target <= now || target - now < (1ull << 45) ||
		    harness_choose(h, 32) == 0)
			harness_expire(h, target);
		break;
	case 12: /* expire exactly at next() */
		if (tern_wheel_next(&h->w) != TERN_NO_DEADLINE)
			harness_expire(h, tern_wheel_next(&h->w));
		break;
	case 13:
	case 14: /* step to a deadline: far ones rarely, as time
			   * cannot come back from them */
		target = harness_deadline(h);
		if (target <= now || target - now < (1ull << 45) ||
		    harness_choose(h, 32) == 0)
			harness_step_to(h, target);
		break;
	default:
		harness_expire(h, now);
		break;
	}
	harness_check_rest(h);
}

#endif
