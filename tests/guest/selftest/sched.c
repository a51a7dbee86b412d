/*
 * sched.c - components/timer and components/sched in the guest: the wheel
 * fires in deadline order and never early, fibers switch on the guest's
 * stacks (with their canaries), sleeps end at their deadlines through
 * tern_wait() and the LAPIC timer, wait queues wake and time out.
 */
#include <string.h>

#include "tern/dev.h"
#include "tern/sched.h"
#include "tern/timer.h"

#include "selftest.h"

#define N_TIMERS 200

struct fired {
	uint64_t when[N_TIMERS];
	uint64_t deadline[N_TIMERS];
	unsigned n;
	bool early;
};

struct wtimer {
	struct tern_timer timer;
	struct fired *log;
};

static void on_timer(struct tern_timer *timer, uint64_t now)
{
	struct wtimer *w = tern_container_of(timer, struct wtimer, timer);
	struct fired *f = w->log;

	if (now < tern_timer_deadline(timer))
		f->early = true;
	if (f->n < N_TIMERS) {
		f->when[f->n] = now;
		f->deadline[f->n] = tern_timer_deadline(timer);
		f->n++;
	}
}

static void wheel_fires_in_order(struct gtest *t)
{
	static struct tern_wheel wheel;
	static struct wtimer timers[N_TIMERS];
	static struct fired log;
	uint64_t now = 1000;

	memset(&log, 0, sizeof(log));
	tern_wheel_init(&wheel, now, 10);
	for (int i = 0; i < N_TIMERS; i++) {
		timers[i].log = &log;
		tern_timer_init(&timers[i].timer, on_timer, NULL);
		tern_timer_arm(&wheel, &timers[i].timer,
			       now + tern_rand_below(&t->rand,
						     50 * TERN_NSEC_PER_SEC));
	}
	GT_ASSERT_EQ(t, tern_wheel_armed(&wheel), N_TIMERS);
	while (tern_wheel_armed(&wheel) > 0) {
		uint64_t next = tern_wheel_next(&wheel);

		GT_ASSERT(t, next != TERN_NO_DEADLINE && next >= now);
		now = next + tern_rand_below(&t->rand, 1000);
		tern_wheel_expire(&wheel, now);
	}
	GT_ASSERT_EQ(t, log.n, N_TIMERS);
	GT_ASSERT(t, !log.early);
	for (unsigned i = 1; i < log.n; i++)
		GT_ASSERT(t, log.deadline[i] >= log.deadline[i - 1]);
}

struct sleeper {
	struct tern_sched *s;
	struct tern_fiber fiber;
	uint64_t ns;
	uint64_t woke_late_by; /* UINT64_MAX: woke early */
	int id;
	int *order;
	int *n_order;
};

static void sleeper_fn(void *arg)
{
	struct sleeper *sl = arg;
	uint64_t deadline = tern_sched_now(sl->s) + sl->ns;

	tern_sleep_until(sl->s, deadline);
	sl->woke_late_by = tern_clock_monotonic() >= deadline
				   ? tern_clock_monotonic() - deadline
				   : UINT64_MAX;
	sl->order[(*sl->n_order)++] = sl->id;
}

struct parent {
	struct tern_sched *s;
	struct sleeper kids[3];
	int joined;
};

static void parent_fn(void *arg)
{
	struct parent *p = arg;

	for (int i = 0; i < 3; i++)
		if (tern_fiber_join(p->s, &p->kids[i].fiber) == 0)
			p->joined++;
}

static void fibers_sleep_in_deadline_order(struct gtest *t)
{
	static struct tern_sched s;
	static struct parent p;
	static struct tern_fiber parent_fiber;
	static const uint64_t ms[3] = { 6, 2, 4 };
	int order[3] = { -1, -1, -1 }, n_order = 0;

	memset(&p, 0, sizeof(p));
	tern_sched_init(&s);
	p.s = &s;
	for (int i = 0; i < 3; i++) {
		struct sleeper *k = &p.kids[i];

		k->s = &s;
		k->ns = ms[i] * TERN_NSEC_PER_MSEC;
		k->id = i;
		k->order = order;
		k->n_order = &n_order;
		GT_ASSERT_EQ(t,
			     tern_fiber_spawn(&s, &k->fiber, "sleeper",
					      sleeper_fn, k, 0),
			     0);
	}
	GT_ASSERT_EQ(t,
		     tern_fiber_spawn(&s, &parent_fiber, "parent", parent_fn,
				      &p, 0),
		     0);
	tern_fiber_detach(&parent_fiber);
	GT_ASSERT_EQ(t, tern_sched_run(&s), 0);
	GT_ASSERT_EQ(t, n_order, 3);
	GT_ASSERT_EQ(t, order[0], 1);
	GT_ASSERT_EQ(t, order[1], 2);
	GT_ASSERT_EQ(t, order[2], 0);
	for (int i = 0; i < 3; i++)
		GT_ASSERT(t, p.kids[i].woke_late_by != UINT64_MAX);
	GT_ASSERT_EQ(t, p.joined, 3);
	GT_ASSERT_EQ(t, tern_sched_stacks(&s), 0);
	GT_ASSERT(t, tern_sched_switches(&s) >= 6);
}

struct waiters {
	struct tern_sched *s;
	struct tern_waitq q;
	struct tern_waitq lonely;
	int woken_rc, timeout_rc;
};

static void waiter_fn(void *arg)
{
	struct waiters *w = arg;

	w->woken_rc = tern_waitq_wait(
		w->s, &w->q, tern_sched_now(w->s) + 5 * TERN_NSEC_PER_SEC);
}

static void lonely_fn(void *arg)
{
	struct waiters *w = arg;

	w->timeout_rc = tern_waitq_wait(
		w->s, &w->lonely, tern_sched_now(w->s) + TERN_NSEC_PER_MSEC);
}

static void waker_fn(void *arg)
{
	struct waiters *w = arg;

	tern_sleep(w->s, 2 * TERN_NSEC_PER_MSEC);
	tern_waitq_wake_one(w->s, &w->q);
}

static void waitq_wakes_and_times_out(struct gtest *t)
{
	static struct tern_sched s;
	static struct waiters w;
	static struct tern_fiber f[3];

	memset(&w, 0, sizeof(w));
	w.woken_rc = w.timeout_rc = 1;
	tern_sched_init(&s);
	w.s = &s;
	tern_waitq_init(&w.q);
	tern_waitq_init(&w.lonely);
	GT_ASSERT_EQ(t, tern_fiber_spawn(&s, &f[0], "waiter", waiter_fn, &w, 0),
		     0);
	GT_ASSERT_EQ(t, tern_fiber_spawn(&s, &f[1], "lonely", lonely_fn, &w, 0),
		     0);
	GT_ASSERT_EQ(t, tern_fiber_spawn(&s, &f[2], "waker", waker_fn, &w, 0),
		     0);
	for (int i = 0; i < 3; i++)
		tern_fiber_detach(&f[i]);
	GT_ASSERT_EQ(t, tern_sched_run(&s), 0);
	GT_ASSERT_EQ(t, w.woken_rc, 0);
	GT_ASSERT_EQ(t, w.timeout_rc, -TERN_ETIMEDOUT);
	GT_ASSERT_EQ(t, tern_sched_stacks(&s), 0);
}

const struct gtest_case selftest_sched[] = {
	{ "timer/wheel_fires_in_order", wheel_fires_in_order },
	{ "sched/fibers_sleep_in_deadline_order",
	  fibers_sleep_in_deadline_order },
	{ "sched/waitq_wakes_and_times_out", waitq_wakes_and_times_out },
};
const unsigned selftest_sched_count = TERN_ARRAY_SIZE(selftest_sched);
