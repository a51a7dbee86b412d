/*
 * test_wheel.c - the timing wheel (components/timer/wheel.c): exact firing,
 * past and far deadlines, ordering and ties, what callbacks may do, the
 * bounded scan of tern_wheel_next(), and long seeded random sequences of
 * arm/cancel/re-arm/advance checked against a binary heap (timer_ref.h via
 * wheel_harness.h).
 *
 * The random tests run about 2,200,000 operations; TERN_TEST_LONG=1 runs 50
 * times more (nightly, like ci/fuzz.sh), and TERN_SEED=N replays one seed.
 * A failure names its seed and operation number.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tern/err.h"
#include "tern/rand.h"
#include "tern/timer.h"

static unsigned long long g_seed, g_op;

#define HARNESS_CHECK(cond, fmt, ...)                               \
	cr_assert((cond), "seed %llu, op %llu: " fmt, g_seed, g_op, \
		  ##__VA_ARGS__)
#include "timer/wheel_harness.h"

/* ---- a small log of firings ---------------------------------------------- */

#define LOG_MAX 4096

struct fire_log {
	unsigned n;
	unsigned id[LOG_MAX];
	uint64_t deadline[LOG_MAX];
	uint64_t now[LOG_MAX];
};

static struct tern_wheel wheel;
static struct fire_log flog;

/* A test timer: its id, and what its callback does. */
struct ttimer {
	struct tern_timer t;
	unsigned id;
	uint64_t period;       /* re-arm at deadline + period ... */
	uint64_t until;	       /* ... while that is <= until */
	struct ttimer *cancel; /* cancel this one */
	struct ttimer *arm;    /* arm this one ... */
	uint64_t arm_at;       /* ... at this deadline */
	unsigned rearm_same;   /* re-arm at the same deadline n times */
};

static void logged(struct tern_timer *t, uint64_t now)
{
	struct ttimer *tt = tern_container_of(t, struct ttimer, t);
	uint64_t d = tern_timer_deadline(t);

	cr_assert(!tern_timer_armed(t));
	cr_assert(flog.n < LOG_MAX);
	flog.id[flog.n] = tt->id;
	flog.deadline[flog.n] = d;
	flog.now[flog.n] = now;
	flog.n++;
	if (tt->cancel)
		tern_timer_cancel(&wheel, &tt->cancel->t);
	if (tt->arm)
		tern_timer_arm(&wheel, &tt->arm->t, tt->arm_at);
	if (tt->period && d + tt->period <= tt->until)
		tern_timer_arm(&wheel, t, d + tt->period);
	if (tt->rearm_same) {
		tt->rearm_same--;
		tern_timer_arm(&wheel, t, d);
	}
}

static void ttimer_init(struct ttimer *tt, unsigned id)
{
	memset(tt, 0, sizeof(*tt));
	tt->id = id;
	tern_timer_init(&tt->t, logged, tt);
}

static void setup(void)
{
	memset(&flog, 0, sizeof(flog));
}

static void check_ids(const unsigned *want, unsigned n)
{
	cr_assert_eq(flog.n, n, "fired %u timers, want %u", flog.n, n);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(flog.id[i], want[i],
			     "firing %u: timer %u, want %u", i, flog.id[i],
			     want[i]);
}

TestSuite(wheel, .init = setup);

Test(wheel, empty)
{
	tern_wheel_init(&wheel, 1000, 0);
	cr_assert_eq(tern_wheel_next(&wheel), TERN_NO_DEADLINE);
	cr_assert_eq(tern_wheel_expire(&wheel, 5000), 0);
	cr_assert_eq(tern_wheel_now(&wheel), 5000);
	cr_assert_eq(tern_wheel_armed(&wheel), 0);
	cr_assert_eq(tern_wheel_verify(&wheel), 0);
}

/* tern_wheel_verify walks only the marked slots: a timer in an unmarked
 * slot, a marked empty slot and a wrong armed count must each be caught. */
Test(wheel, verify_catches_a_broken_wheel)
{
	struct ttimer a, b;
	uint64_t saved, low, free_bit;
	unsigned k = 0;

	tern_wheel_init(&wheel, 1000, 0);
	ttimer_init(&a, 1);
	ttimer_init(&b, 2);
	tern_timer_arm(&wheel, &a.t, 5000);
	tern_timer_arm(&wheel, &b.t, 90000000);
	cr_assert_eq(tern_wheel_verify(&wheel), 0);
	while (wheel.occupied[k] == 0)
		k++;
	saved = wheel.occupied[k];
	low = saved & -saved;
	free_bit = ~saved & -~saved;
	wheel.occupied[k] = saved & ~low;
	cr_assert_eq(tern_wheel_verify(&wheel), -TERN_EINVAL,
		     "a timer in an unmarked slot");
	wheel.occupied[k] = saved | free_bit;
	cr_assert_eq(tern_wheel_verify(&wheel), -TERN_EINVAL,
		     "a marked empty slot");
	wheel.occupied[k] = saved;
	cr_assert_eq(tern_wheel_verify(&wheel), 0);
	wheel.armed++;
	cr_assert_eq(tern_wheel_verify(&wheel), -TERN_EINVAL,
		     "an armed count too high");
	wheel.armed--;
	cr_assert_eq(tern_wheel_verify(&wheel), 0);
}

Test(wheel, fires_exactly_at_deadline_never_before)
{
	struct ttimer a;

	tern_wheel_init(&wheel, 0, 0);
	ttimer_init(&a, 1);
	tern_timer_arm(&wheel, &a.t, 123456789);
	cr_assert(tern_timer_armed(&a.t));
	cr_assert_eq(tern_timer_deadline(&a.t), 123456789);
	cr_assert_eq(tern_wheel_next(&wheel), 123456789);
	cr_assert_eq(tern_wheel_expire(&wheel, 123456788), 0);
	cr_assert_eq(tern_wheel_next(&wheel), 123456789);
	cr_assert_eq(tern_wheel_expire(&wheel, 123456789), 1);
	cr_assert_eq(flog.now[0], 123456789);
	cr_assert(!tern_timer_armed(&a.t));
	cr_assert_eq(tern_wheel_next(&wheel), TERN_NO_DEADLINE);
}

Test(wheel, past_and_current_deadlines_fire_at_next_expire)
{
	struct ttimer a, b;

	tern_wheel_init(&wheel, 1000000, 0);
	ttimer_init(&a, 1);
	ttimer_init(&b, 2);
	tern_timer_arm(&wheel, &a.t, 5);
	tern_timer_arm(&wheel, &b.t, 1000000);
	cr_assert(tern_wheel_next(&wheel) <= 1000000);
	cr_assert_eq(tern_wheel_verify(&wheel), 0);
	/* An expire at an earlier time counts as the wheel's time. */
	cr_assert_eq(tern_wheel_expire(&wheel, 10), 2);
	cr_assert_eq(tern_wheel_now(&wheel), 1000000);
	check_ids((unsigned[]){ 1, 2 }, 2);
	cr_assert_eq(flog.now[0], 1000000);
}

Test(wheel, deadline_order_and_ties_in_arming_order)
{
	struct ttimer t[5];

	tern_wheel_init(&wheel, 0, 0);
	for (unsigned i = 0; i < 5; i++)
		ttimer_init(&t[i], i);
	tern_timer_arm(&wheel, &t[0].t, 30);
	tern_timer_arm(&wheel, &t[1].t, 10);
	tern_timer_arm(&wheel, &t[2].t, 20);
	tern_timer_arm(&wheel, &t[3].t, 10);
	tern_timer_arm(&wheel, &t[1].t, 10); /* re-armed: now after t[3] */
	tern_timer_arm(&wheel, &t[4].t, 5000000000ull);
	cr_assert_eq(tern_wheel_expire(&wheel, 1000000), 4);
	check_ids((unsigned[]){ 3, 1, 2, 0 }, 4);
	cr_assert_eq(tern_wheel_armed(&wheel), 1);
}

Test(wheel, ties_keep_arming_order_across_cascades)
{
	static struct ttimer early[300], late[300];
	const uint64_t d = 7ull * TERN_NSEC_PER_SEC + 12345;

	/* early[] are armed for d while it is far away (a high level);
	 * late[] are armed for d when it is near (level 0), so the cascade
	 * appends early[] behind them and the wheel has to sort. */
	tern_wheel_init(&wheel, 0, 0);
	for (unsigned i = 0; i < 300; i++) {
		ttimer_init(&early[i], i);
		ttimer_init(&late[i], 1000 + i);
		tern_timer_arm(&wheel, &early[i].t, d);
	}
	cr_assert_eq(tern_wheel_expire(&wheel, d - 3), 0);
	for (unsigned i = 0; i < 300; i++)
		tern_timer_arm(&wheel, &late[i].t, d);
	cr_assert_eq(tern_wheel_expire(&wheel, d), 600);
	for (unsigned i = 0; i < 600; i++) {
		cr_assert_eq(flog.id[i], i < 300 ? i : 1000 + i - 300);
		cr_assert_eq(flog.now[i], d);
	}
}

Test(wheel, far_future_deadlines_fire_exactly)
{
	static const uint64_t deadlines[] = {
		1ull << 40,
		(1ull << 40) + 1,
		3ull * 86400 * TERN_NSEC_PER_SEC + 17, /* three days */
		(1ull << 63) - 1,
		1ull << 63,
		UINT64_MAX - 2,
		UINT64_MAX - 1,
	};
	struct ttimer t[TERN_ARRAY_SIZE(deadlines)];
	unsigned steps = 0;

	tern_wheel_init(&wheel, 999, 0);
	for (unsigned i = 0; i < TERN_ARRAY_SIZE(deadlines); i++) {
		ttimer_init(&t[i], i);
		tern_timer_arm(&wheel, &t[i].t, deadlines[i]);
	}
	cr_assert_eq(tern_wheel_verify(&wheel), 0);
	while (tern_wheel_next(&wheel) != TERN_NO_DEADLINE) {
		uint64_t next = tern_wheel_next(&wheel);

		cr_assert(next > tern_wheel_now(&wheel));
		tern_wheel_expire(&wheel, next);
		cr_assert_eq(tern_wheel_verify(&wheel), 0);
		cr_assert(++steps < 100);
	}
	cr_assert_eq(flog.n, TERN_ARRAY_SIZE(deadlines));
	for (unsigned i = 0; i < flog.n; i++) {
		cr_assert_eq(flog.id[i], i);
		cr_assert_eq(flog.now[i], deadlines[i],
			     "timer %u fired at %llu", i,
			     (unsigned long long)flog.now[i]);
	}
}

Test(wheel, one_jump_over_days_fires_all_in_order)
{
	static struct ttimer t[1000];
	struct tern_rand r;
	uint64_t last = 0;

	tern_rand_seed(&r, 3);
	tern_wheel_init(&wheel, 0, 0);
	for (unsigned i = 0; i < 1000; i++) {
		ttimer_init(&t[i], i);
		tern_timer_arm(&wheel, &t[i].t,
			       tern_rand_below(&r,
					       5 * 86400 * TERN_NSEC_PER_SEC));
	}
	cr_assert_eq(tern_wheel_expire(&wheel, 6 * 86400 * TERN_NSEC_PER_SEC),
		     1000);
	for (unsigned i = 0; i < 1000; i++) {
		cr_assert(flog.deadline[i] >= last);
		last = flog.deadline[i];
	}
	cr_assert_eq(tern_wheel_armed(&wheel), 0);
}

Test(wheel, no_deadline_disarms)
{
	struct ttimer a;

	tern_wheel_init(&wheel, 0, 0);
	ttimer_init(&a, 1);
	cr_assert_eq(tern_timer_deadline(&a.t), TERN_NO_DEADLINE);
	tern_timer_arm(&wheel, &a.t, 50);
	tern_timer_arm(&wheel, &a.t, TERN_NO_DEADLINE);
	cr_assert(!tern_timer_armed(&a.t));
	cr_assert_eq(tern_wheel_armed(&wheel), 0);
	cr_assert_eq(tern_wheel_next(&wheel), TERN_NO_DEADLINE);
	tern_timer_cancel(&wheel, &a.t); /* cancelling twice is fine */
	cr_assert_eq(tern_wheel_expire(&wheel, UINT64_MAX), 0);
}

Test(wheel, periodic_callback_fires_every_period_within_one_call)
{
	struct ttimer p, x;

	tern_wheel_init(&wheel, 0, 0);
	ttimer_init(&p, 1);
	ttimer_init(&x, 2);
	p.period = 10;
	p.until = 50;
	tern_timer_arm(&wheel, &p.t, 10);
	tern_timer_arm(&wheel, &x.t, 35);
	cr_assert_eq(tern_wheel_expire(&wheel, 50), 6);
	check_ids((unsigned[]){ 1, 1, 1, 2, 1, 1 }, 6);
	cr_assert_eq(flog.deadline[3], 35);
	cr_assert_eq(flog.deadline[5], 50);
	for (unsigned i = 0; i < 6; i++)
		cr_assert_eq(flog.now[i], 50);
}

Test(wheel, callback_cancels_a_due_timer)
{
	struct ttimer a, b, c;

	tern_wheel_init(&wheel, 0, 0);
	ttimer_init(&a, 1);
	ttimer_init(&b, 2);
	ttimer_init(&c, 3);
	a.cancel = &b;
	tern_timer_arm(&wheel, &a.t, 10);
	tern_timer_arm(&wheel, &b.t, 10); /* same tick, later in order */
	tern_timer_arm(&wheel, &c.t, 20);
	cr_assert_eq(tern_wheel_expire(&wheel, 100), 2);
	check_ids((unsigned[]){ 1, 3 }, 2);
	cr_assert(!tern_timer_armed(&b.t));
}

Test(wheel, callback_arms_later_deadline_fires_in_same_call_in_order)
{
	struct ttimer a, b, c;

	tern_wheel_init(&wheel, 0, 0);
	ttimer_init(&a, 1);
	ttimer_init(&b, 2);
	ttimer_init(&c, 3);
	a.arm = &b;
	a.arm_at = 30;
	tern_timer_arm(&wheel, &a.t, 10);
	tern_timer_arm(&wheel, &c.t, 20);
	cr_assert_eq(tern_wheel_expire(&wheel, 100), 3);
	check_ids((unsigned[]){ 1, 3, 2 }, 3);
}

Test(wheel, callback_arms_past_deadline_fires_at_a_later_step)
{
	struct ttimer a, b;

	tern_wheel_init(&wheel, 0, 0);
	ttimer_init(&a, 1);
	ttimer_init(&b, 2);
	a.arm = &b;
	a.arm_at = 5;
	/* expire(50) ends at a's tick: b waits for the next call. */
	tern_timer_arm(&wheel, &a.t, 50);
	cr_assert_eq(tern_wheel_expire(&wheel, 50), 1);
	cr_assert(tern_timer_armed(&b.t));
	cr_assert(tern_wheel_next(&wheel) <= 50);
	cr_assert_eq(tern_wheel_expire(&wheel, 50), 1);
	check_ids((unsigned[]){ 1, 2 }, 2);
	/* expire(100) has a later step (its own now): b fires in it. */
	setup();
	tern_timer_arm(&wheel, &a.t, 60);
	cr_assert_eq(tern_wheel_expire(&wheel, 100), 2);
	check_ids((unsigned[]){ 1, 2 }, 2);
	cr_assert_eq(tern_wheel_verify(&wheel), 0);
}

Test(wheel, rearm_at_own_deadline_terminates)
{
	struct ttimer a;

	tern_wheel_init(&wheel, 0, 0);
	ttimer_init(&a, 1);
	a.rearm_same = 1000000;
	tern_timer_arm(&wheel, &a.t, 10);
	/* Steps: tick 10, then now (100): at most once per step. */
	cr_assert_eq(tern_wheel_expire(&wheel, 100), 2);
	cr_assert(tern_timer_armed(&a.t));
	cr_assert_eq(tern_wheel_expire(&wheel, 100), 1);
	cr_assert_eq(tern_wheel_verify(&wheel), 0);
	tern_timer_cancel(&wheel, &a.t);
}

static void free_self(struct tern_timer *t, uint64_t now)
{
	(void)now;
	(*(unsigned *)t->ctx)++;
	free(t);
}

Test(wheel, callback_may_free_its_timer)
{
	unsigned fired = 0;

	tern_wheel_init(&wheel, 0, 0);
	for (unsigned i = 0; i < 100; i++) {
		struct tern_timer *t = malloc(sizeof(*t));

		cr_assert(t);
		tern_timer_init(t, free_self, &fired);
		tern_timer_arm(&wheel, t, 1 + i % 7);
	}
	cr_assert_eq(tern_wheel_expire(&wheel, 1000), 100);
	cr_assert_eq(fired, 100);
}

Test(wheel, next_is_a_lower_bound_then_exact_for_crowded_far_slots)
{
	static struct ttimer t[200];
	struct tern_rand r;
	uint64_t min = TERN_NO_DEADLINE, base = 1ull << 32;
	unsigned steps = 0;

	/* 200 timers in one level-4 slot ([2^32, 2^32 + 2^24)): more than
	 * TERN_WHEEL_SCAN, so next() answers the slot's start first. */
	tern_rand_seed(&r, 11);
	tern_wheel_init(&wheel, 0, 0);
	for (unsigned i = 0; i < 200; i++) {
		uint64_t d = base + tern_rand_below(&r, 1u << 24);

		ttimer_init(&t[i], i);
		tern_timer_arm(&wheel, &t[i].t, d);
		min = TERN_MIN(min, d);
	}
	cr_assert_eq(tern_wheel_next(&wheel), base);
	while (tern_wheel_next(&wheel) < min) {
		cr_assert_eq(tern_wheel_expire(&wheel, tern_wheel_next(&wheel)),
			     0);
		cr_assert(++steps < TERN_WHEEL_LEVELS);
	}
	cr_assert_eq(tern_wheel_next(&wheel), min);
	cr_assert(tern_wheel_expire(&wheel, min) >= 1);
	cr_assert_eq(flog.now[0], min);
	tern_wheel_expire(&wheel, UINT64_MAX);
	cr_assert_eq(flog.n, 200);
}

Test(wheel, coarse_ticks_stay_exact)
{
	static const unsigned shifts[] = { 1, 4, 10, 20, 40, 63 };
	struct tern_rand r;

	tern_rand_seed(&r, 99);
	for (unsigned s = 0; s < TERN_ARRAY_SIZE(shifts); s++) {
		static struct ttimer t[64];
		uint64_t prev = 0, span = shifts[s] >= 56
						  ? UINT64_MAX - 1
						  : 1ull << (shifts[s] + 8);

		setup();
		tern_wheel_init(&wheel, 0, shifts[s]);
		for (unsigned i = 0; i < 64; i++) {
			ttimer_init(&t[i], i);
			tern_timer_arm(&wheel, &t[i].t,
				       tern_rand_below(&r, span));
		}
		while (tern_wheel_next(&wheel) != TERN_NO_DEADLINE) {
			uint64_t next = tern_wheel_next(&wheel);

			cr_assert(next >= prev);
			prev = next;
			tern_wheel_expire(&wheel, next);
		}
		cr_assert_eq(flog.n, 64, "shift %u", shifts[s]);
		for (unsigned i = 0; i < 64; i++)
			cr_assert_eq(flog.now[i], flog.deadline[i],
				     "shift %u: deadline %llu fired at %llu",
				     shifts[s],
				     (unsigned long long)flog.deadline[i],
				     (unsigned long long)flog.now[i]);
	}
}

/* ---- random sequences against the reference ------------------------------- */

static uint64_t rand_choose(struct harness *h, uint64_t bound)
{
	return tern_rand_below(h->source, bound);
}

static bool long_mode(void)
{
	const char *v = getenv("TERN_TEST_LONG");

	return v && *v && strcmp(v, "0") != 0;
}

/* Runs ops operations in epochs: each epoch a fresh wheel with a random
 * timer count, tick size, start time (including near the end of time)
 * and callback activity, ending with a drain that steps to the end. */
static void run_random(uint64_t seed, uint64_t ops, uint32_t max_timers)
{
	static struct harness h;
	static const unsigned shifts[] = { 0, 0, 0, 0, 1, 3, 10, 20, 33, 63 };
	struct tern_rand r;
	uint64_t done = 0, fired = 0, cascaded = 0, calls = 0;

	g_seed = seed;
	tern_rand_seed(&r, seed);
	while (done < ops) {
		uint32_t n = 1 + (uint32_t)tern_rand_below(&r, max_timers);
		unsigned shift =
			shifts[tern_rand_below(&r, TERN_ARRAY_SIZE(shifts))];
		uint64_t start;

		switch (tern_rand_below(&r, 4)) {
		case 0:
			start = 0;
			break;
		case 1:
			start = tern_rand_below(&r, 1ull << 40);
			break;
		case 2:
			start = (1ull << 63) - tern_rand_below(&r, 1ull << 30);
			break;
		default:
			start = UINT64_MAX - (1ull << 42) -
				tern_rand_below(&r, 1ull << 20);
			break;
		}
		harness_init(&h, n, start, shift, rand_choose, &r);
		h.action_ppm = tern_rand_below(&r, 2) ? 200000 : 0;
		for (unsigned i = 0; i < 4000 && done < ops; i++, done++) {
			g_op = done;
			harness_op(&h);
		}
		/* Drain: no new late timers; the last ones fire at once. */
		h.action_ppm = 0;
		harness_step_to(&h, UINT64_MAX - 1);
		harness_expire(&h, UINT64_MAX - 1);
		harness_check_rest(&h);
		cr_assert_eq(tern_wheel_armed(&h.w), 0, "seed %llu", g_seed);
		fired += h.fired;
		calls += h.calls;
		cascaded += h.w.cascaded;
	}
	if (getenv("TERN_TEST_VERBOSE"))
		cr_log_info(
			"seed %llu: %llu ops, %llu expire calls, %llu fired, "
			"%llu cascaded",
			g_seed, (unsigned long long)done,
			(unsigned long long)calls, (unsigned long long)fired,
			(unsigned long long)cascaded);
	/* The sequence must have exercised the wheel, not just armed it. */
	cr_assert(fired > done / 20 && cascaded > done / 100,
		  "seed %llu: only %llu fired, %llu cascaded in %llu ops",
		  g_seed, (unsigned long long)fired,
		  (unsigned long long)cascaded, (unsigned long long)done);
}

static void run_seeds(uint64_t first_seed, unsigned seeds, uint64_t ops,
		      uint32_t max_timers)
{
	const char *fixed = getenv("TERN_SEED");
	uint64_t scale = long_mode() ? 50 : 1;

	if (fixed && *fixed) {
		run_random(strtoull(fixed, NULL, 0), ops * scale, max_timers);
		return;
	}
	for (unsigned i = 0; i < seeds * scale; i++)
		run_random(first_seed + i, ops, max_timers);
}

Test(wheel_random, few_timers_many_ties_and_steps)
{
	run_seeds(1000, 4, 200000, 8);
}

Test(wheel_random, hundreds_of_timers)
{
	run_seeds(2000, 4, 200000, 256);
}

Test(wheel_random, a_thousand_timers)
{
	run_seeds(3000, 4, 150000, HARNESS_MAX_TIMERS);
}
