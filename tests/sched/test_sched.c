/*
 * test_sched.c - fibers, wait queues and the event loop
 * (components/sched), on the hosted virtual clock: run order and yield
 * fairness, join and detach (and their errors), exact sleeps, wait-queue
 * wake-ups and timeouts (also racing in one loop turn), pollers and their
 * deadlines, -TERN_EDEADLK, stop, MXCSR and x87 control word per fiber, the
 * determinism of 1,000 sleeping fibers, a seeded random stress run, and
 * stack overflow detection (guard page and canary: in a child process,
 * since the image dies).
 *
 * Every test's teardown checks that no fiber is live, no stack is held and
 * no timer is armed.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tern/hosted.h"
#include "tern/rand.h"
#include "tern/sched.h"

#define START 1000000000ull /* virtual clock at the start of each test */

static struct tern_sched sched;

/* A log of small events ("fiber 2 ran"), in order. */
static struct {
	unsigned n;
	int ev[4096];
	uint64_t t[4096];
} elog;

static void log_ev(int ev)
{
	cr_assert(elog.n < TERN_ARRAY_SIZE(elog.ev));
	elog.t[elog.n] = tern_sched_now(&sched);
	elog.ev[elog.n++] = ev;
}

static void check_log(const int *want, unsigned n)
{
	cr_assert_eq(elog.n, n, "%u events, want %u", elog.n, n);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(elog.ev[i], want[i], "event %u is %d, want %d", i,
			     elog.ev[i], want[i]);
}

static void setup(void)
{
	tern_hosted_clock_use_virtual(START);
	tern_hosted_request_stop(false);
	tern_sched_init(&sched);
	memset(&elog, 0, sizeof(elog));
}

static void teardown(void)
{
	cr_assert_eq(tern_sched_live(&sched), 0, "fibers still live");
	cr_assert_eq(tern_sched_stacks(&sched), 0, "stacks not released");
	cr_assert_eq(tern_wheel_armed(tern_sched_wheel(&sched)), 0,
		     "timers still armed");
	tern_sched_fini(&sched);
}

TestSuite(sched, .init = setup, .fini = teardown);

/* ---- run order, yield, join, detach ------------------------------------------ */

static void log_arg(void *arg)
{
	log_ev((int)(intptr_t)arg);
}

Test(sched, runs_fibers_in_spawn_order_and_returns_when_all_done)
{
	struct tern_fiber f[3];

	for (int i = 0; i < 3; i++)
		cr_assert_eq(tern_fiber_spawn(&sched, &f[i], "f", log_arg,
					      (void *)(intptr_t)i, 0),
			     0);
	cr_assert_eq(tern_sched_live(&sched), 3);
	cr_assert_eq(tern_fiber_state(&f[0]), TERN_FIBER_READY);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 0, 1, 2 }, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(tern_fiber_state(&f[i]), TERN_FIBER_DONE);
		cr_assert_eq(tern_fiber_join(&sched, &f[i]), 0);
		cr_assert_eq(tern_fiber_state(&f[i]), TERN_FIBER_JOINED);
	}
	/* Nothing to do: returns at once. */
	cr_assert_eq(tern_sched_run(&sched), 0);
}

static void yielder(void *arg)
{
	int id = (int)(intptr_t)arg;

	cr_assert_eq(tern_fiber_current(&sched)->arg, arg);
	for (int i = 0; i < 3; i++) {
		log_ev(id * 10 + i);
		tern_fiber_yield(&sched);
	}
}

Test(sched, yield_is_round_robin)
{
	struct tern_fiber f[3];

	for (int i = 0; i < 3; i++)
		tern_fiber_spawn(&sched, &f[i], "y", yielder,
				 (void *)(intptr_t)i, 0);
	cr_assert_null(tern_fiber_current(&sched));
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 0, 10, 20, 1, 11, 21, 2, 12, 22 }, 9);
	/* All of it in one instant: no time passes while fibers run. */
	cr_assert_eq(elog.t[8], START);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(tern_fiber_join(&sched, &f[i]), 0);
}

static struct tern_fiber late_child;

static void spawner(void *arg)
{
	(void)arg;
	log_ev(1);
	/* Spawned during the turn: runs in the next one, after the fibers
	 * already ready (the yielder below), in order. */
	tern_fiber_spawn(&sched, &late_child, "child", log_arg, (void *)3, 0);
	tern_fiber_yield(&sched);
	log_ev(4);
}

static void once_yield(void *arg)
{
	(void)arg;
	log_ev(2);
	tern_fiber_yield(&sched);
	log_ev(5);
}

Test(sched, fibers_made_ready_in_a_turn_run_in_the_next)
{
	struct tern_fiber a, b;

	tern_fiber_spawn(&sched, &a, "a", spawner, NULL, 0);
	tern_fiber_spawn(&sched, &b, "b", once_yield, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 1, 2, 3, 4, 5 }, 5);
	tern_fiber_join(&sched, &a);
	tern_fiber_join(&sched, &b);
	tern_fiber_join(&sched, &late_child);
}

static struct tern_fiber jf[4];

static void sleeper_1ms(void *arg)
{
	(void)arg;
	tern_sleep(&sched, TERN_NSEC_PER_MSEC);
	log_ev(1);
}

static void joiner(void *arg)
{
	struct tern_fiber *target = arg;

	cr_assert_eq(tern_fiber_join(&sched, target), 0);
	log_ev(2);
	cr_assert_eq(tern_sched_now(&sched), START + TERN_NSEC_PER_MSEC);
	cr_assert_eq(tern_fiber_state(target), TERN_FIBER_JOINED);
	/* Joining again is an error. */
	cr_assert_eq(tern_fiber_join(&sched, target), -TERN_EINVAL);
}

Test(sched, join_waits_for_a_running_fiber)
{
	tern_fiber_spawn(&sched, &jf[0], "sleeper", sleeper_1ms, NULL, 0);
	tern_fiber_spawn(&sched, &jf[1], "joiner", joiner, &jf[0], 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 1, 2 }, 2);
	cr_assert_eq(tern_fiber_join(&sched, &jf[1]), 0);
}

static void join_finished(void *arg)
{
	struct tern_fiber *target = arg;

	tern_fiber_yield(&sched); /* let it finish first */
	cr_assert_eq(tern_fiber_state(target), TERN_FIBER_DONE);
	cr_assert_eq(tern_fiber_join(&sched, target), 0);
	log_ev(7);
}

Test(sched, join_of_a_finished_fiber_returns_at_once)
{
	tern_fiber_spawn(&sched, &jf[0], "quick", log_arg, (void *)1, 0);
	tern_fiber_spawn(&sched, &jf[1], "joiner", join_finished, &jf[0], 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 1, 7 }, 2);
	cr_assert_eq(tern_fiber_join(&sched, &jf[1]), 0);
}

static void self_join(void *arg)
{
	(void)arg;
	cr_assert_eq(tern_fiber_join(&sched, tern_fiber_current(&sched)),
		     -TERN_EINVAL);
	log_ev(1);
}

static void second_joiner(void *arg)
{
	int r = tern_fiber_join(&sched, arg);

	log_ev(r == 0 ? 10 : r);
}

Test(sched, join_errors)
{
	struct tern_fiber never;

	memset(&never, 0, sizeof(never));
	cr_assert_eq(tern_fiber_join(&sched, &never), -TERN_EINVAL);

	/* Self-join. */
	tern_fiber_spawn(&sched, &jf[0], "self", self_join, NULL, 0);
	/* From outside a fiber while the fiber is not done. */
	cr_assert_eq(tern_fiber_join(&sched, &jf[0]), -TERN_EAGAIN);
	cr_assert_eq(tern_sched_run(&sched), 0);
	cr_assert_eq(tern_fiber_join(&sched, &jf[0]), 0);
	cr_assert_eq(tern_fiber_join(&sched, &jf[0]), -TERN_EINVAL);

	/* Detached fibers cannot be joined. */
	tern_fiber_spawn(&sched, &jf[0], "detached", log_arg, (void *)2, 0);
	tern_fiber_detach(&jf[0]);
	cr_assert_eq(tern_fiber_join(&sched, &jf[0]), -TERN_EINVAL);

	/* Two joiners: the first wins, the second is told it was joined. */
	tern_fiber_spawn(&sched, &jf[1], "target", sleeper_1ms, NULL, 0);
	tern_fiber_spawn(&sched, &jf[2], "j1", second_joiner, &jf[1], 0);
	tern_fiber_spawn(&sched, &jf[3], "j2", second_joiner, &jf[1], 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 1, 2, 1, 10, -TERN_EINVAL }, 5);
	cr_assert_eq(tern_fiber_join(&sched, &jf[2]), 0);
	cr_assert_eq(tern_fiber_join(&sched, &jf[3]), 0);
}

static void detach_later(void *arg)
{
	(void)arg;
	tern_fiber_detach(&jf[0]); /* while jf[1] waits to join it */
}

Test(sched, detach_while_joined_fails_the_joiner)
{
	tern_fiber_spawn(&sched, &jf[0], "target", sleeper_1ms, NULL, 0);
	tern_fiber_spawn(&sched, &jf[1], "joiner", second_joiner, &jf[0], 0);
	tern_fiber_spawn(&sched, &jf[2], "detacher", detach_later, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ -TERN_EINVAL, 1 }, 2);
	cr_assert_eq(tern_fiber_join(&sched, &jf[1]), 0);
	cr_assert_eq(tern_fiber_join(&sched, &jf[2]), 0);
}

static void detach_self(void *arg)
{
	(void)arg;
	tern_fiber_detach(tern_fiber_current(&sched));
	tern_sleep(&sched, 10);
}

Test(sched, detached_fibers_release_their_stacks)
{
	static struct tern_fiber f[50];

	for (int i = 0; i < 50; i++)
		tern_fiber_spawn(&sched, &f[i], "d", detach_self, NULL, 0);
	cr_assert_eq(tern_sched_stacks(&sched), 50);
	cr_assert_eq(tern_sched_run(&sched), 0);
	cr_assert_eq(tern_sched_stacks(&sched), 0);
	/* Detaching a fiber that is already done releases it at once. */
	tern_fiber_spawn(&sched, &f[0], "done", log_arg, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	cr_assert_eq(tern_sched_stacks(&sched), 1);
	tern_fiber_detach(&f[0]);
	cr_assert_eq(tern_sched_stacks(&sched), 0);
	cr_assert_eq(tern_fiber_state(&f[0]), TERN_FIBER_JOINED);
}

Test(sched, released_stacks_are_reused)
{
	struct tern_fiber f;
	void *base;

	tern_fiber_spawn(&sched, &f, "a", log_arg, NULL, 0);
	base = f.stack.base;
	cr_assert_eq(tern_sched_run(&sched), 0);
	cr_assert_eq(tern_fiber_join(&sched, &f), 0);
	cr_assert_eq(tern_sched_stacks(&sched), 0);
	/* Same size: the same (warm) stack, with a fresh canary. */
	for (int i = 0; i < 3; i++) {
		tern_fiber_spawn(&sched, &f, "b", log_arg, NULL, 0);
		cr_assert_eq(f.stack.base, base);
		cr_assert_eq(*(uint64_t *)f.stack.base, TERN_STACK_CANARY);
		cr_assert_eq(tern_sched_run(&sched), 0);
		cr_assert_eq(tern_fiber_join(&sched, &f), 0);
	}
	/* Another size: another stack, big enough. */
	tern_fiber_spawn(&sched, &f, "c", log_arg, NULL, 256 * 1024);
	cr_assert_neq(f.stack.base, base);
	cr_assert_geq(f.stack.size, 256 * 1024);
	cr_assert_eq(tern_sched_run(&sched), 0);
	cr_assert_eq(tern_fiber_join(&sched, &f), 0);
	tern_sched_fini(&sched);
	tern_sched_fini(&sched); /* twice is fine */
}

Test(sched, spawn_without_memory_fails_cleanly)
{
	struct tern_fiber f;

	cr_assert_eq(tern_fiber_spawn(&sched, &f, "huge", log_arg, NULL,
				      (size_t)1 << 50),
		     -TERN_ENOMEM);
	cr_assert_eq(tern_sched_live(&sched), 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	cr_assert_eq(elog.n, 0);
}

/* ---- sleep ------------------------------------------------------------------ */

static void sleep_pattern(void *arg)
{
	(void)arg;
	tern_sleep(&sched, 1500);
	log_ev(1);
	cr_assert_eq(tern_clock_monotonic(), START + 1500);
	tern_sleep_until(&sched, START + 1000000);
	log_ev(2);
	tern_sleep_until(&sched, START); /* passed: the next turn */
	log_ev(3);
	tern_sleep(&sched, 0);
	log_ev(4);
}

Test(sched, sleep_wakes_exactly_at_the_deadline)
{
	struct tern_fiber f;

	tern_fiber_spawn(&sched, &f, "sleeper", sleep_pattern, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 1, 2, 3, 4 }, 4);
	cr_assert_eq(elog.t[0], START + 1500);
	cr_assert_eq(elog.t[1], START + 1000000);
	cr_assert_eq(elog.t[2], START + 1000000);
	cr_assert_eq(elog.t[3], START + 1000000);
	tern_fiber_join(&sched, &f);
}

static void sleep0_spinner(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++) {
		log_ev(1);
		tern_sleep(&sched, 0);
	}
}

Test(sched, sleep_zero_does_not_starve_others)
{
	struct tern_fiber a, b;

	tern_fiber_spawn(&sched, &a, "spin", sleep0_spinner, NULL, 0);
	tern_fiber_spawn(&sched, &b, "yield", yielder, (void *)(intptr_t)2, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	/* The sleeper's timer fires after the yielder went back on the run
	 * queue, so it runs behind it - but it runs every turn. */
	check_log((int[]){ 1, 20, 21, 1, 22, 1 }, 6);
	tern_fiber_join(&sched, &a);
	tern_fiber_join(&sched, &b);
}

/* ---- wait queues ------------------------------------------------------------ */

static struct tern_waitq q;

static void waiter(void *arg)
{
	int id = (int)(intptr_t)arg;
	int r = tern_waitq_wait(&sched, &q, TERN_NO_DEADLINE);

	cr_assert_eq(r, 0);
	log_ev(id);
}

static void wake_three_one_by_one(void *arg)
{
	(void)arg;
	cr_assert(!tern_waitq_empty(&q));
	for (int i = 0; i < 3; i++) {
		cr_assert(tern_waitq_wake_one(&sched, &q));
		tern_fiber_yield(&sched);
	}
	cr_assert(!tern_waitq_wake_one(&sched, &q));
	cr_assert(tern_waitq_empty(&q));
}

Test(sched, wake_one_is_fifo)
{
	struct tern_fiber w[3], k;

	tern_waitq_init(&q);
	for (int i = 0; i < 3; i++)
		tern_fiber_spawn(&sched, &w[i], "w", waiter,
				 (void *)(intptr_t)i, 0);
	tern_fiber_spawn(&sched, &k, "waker", wake_three_one_by_one, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 0, 1, 2 }, 3);
	for (int i = 0; i < 3; i++)
		tern_fiber_join(&sched, &w[i]);
	tern_fiber_join(&sched, &k);
}

static void wake_all_once(void *arg)
{
	(void)arg;
	cr_assert_eq(tern_waitq_wake_all(&sched, &q), 5);
	cr_assert_eq(tern_waitq_wake_all(&sched, &q), 0);
}

Test(sched, wake_all_wakes_everyone_in_order)
{
	struct tern_fiber w[5], k;

	tern_waitq_init(&q);
	for (int i = 0; i < 5; i++)
		tern_fiber_spawn(&sched, &w[i], "w", waiter,
				 (void *)(intptr_t)i, 0);
	tern_fiber_spawn(&sched, &k, "waker", wake_all_once, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 0, 1, 2, 3, 4 }, 5);
	for (int i = 0; i < 5; i++)
		tern_fiber_join(&sched, &w[i]);
	tern_fiber_join(&sched, &k);
}

static void timed_waiter(void *arg)
{
	uint64_t timeout = (uint64_t)(uintptr_t)arg;
	int r = tern_waitq_wait(&sched, &q, tern_sched_now(&sched) + timeout);

	log_ev(r);
	cr_assert(tern_waitq_empty(&q) || r == 0);
}

Test(sched, wait_times_out_exactly_and_leaves_the_queue)
{
	struct tern_fiber w;

	tern_waitq_init(&q);
	tern_fiber_spawn(&sched, &w, "w", timed_waiter, (void *)(uintptr_t)777,
			 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ -TERN_ETIMEDOUT }, 1);
	cr_assert_eq(elog.t[0], START + 777);
	cr_assert(tern_waitq_empty(&q));
	tern_fiber_join(&sched, &w);
}

static void wake_after(void *arg)
{
	tern_sleep(&sched, (uint64_t)(uintptr_t)arg);
	cr_assert(tern_waitq_wake_one(&sched, &q));
	/* The waiter's timeout is cancelled: only our own timer was armed. */
	cr_assert_eq(tern_wheel_armed(tern_sched_wheel(&sched)), 0);
}

Test(sched, wake_before_timeout_cancels_the_timeout)
{
	struct tern_fiber w, k;

	tern_waitq_init(&q);
	tern_fiber_spawn(&sched, &w, "w", timed_waiter,
			 (void *)(uintptr_t)TERN_NSEC_PER_SEC, 0);
	tern_fiber_spawn(&sched, &k, "k", wake_after, (void *)(uintptr_t)500,
			 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 0 }, 1);
	cr_assert_eq(elog.t[0], START + 500);
	tern_fiber_join(&sched, &w);
	tern_fiber_join(&sched, &k);
}

/* A timer callback that wakes q, and records whether it found a waiter. */
static void wake_from_timer(struct tern_timer *t, uint64_t now)
{
	(void)now;
	(void)t;
	log_ev(tern_waitq_wake_one(&sched, &q) ? 100 : 200);
}

/* Waits on q until the absolute deadline arg. */
static void wait_until_d(void *arg)
{
	int r = tern_waitq_wait(&sched, &q, (uint64_t)(uintptr_t)arg);

	log_ev(r);
	cr_assert(tern_waitq_empty(&q));
}

Test(sched, wakeup_and_timeout_in_the_same_turn_resolve_one_way)
{
	struct tern_fiber w;
	struct tern_timer t;

	/* The wake-up timer is armed before the waiter's timeout, for the
	 * same deadline: it fires first, the wait returns 0. */
	tern_waitq_init(&q);
	tern_timer_init(&t, wake_from_timer, NULL);
	tern_timer_arm(tern_sched_wheel(&sched), &t, START + 1000);
	tern_fiber_spawn(&sched, &w, "w", wait_until_d,
			 (void *)(uintptr_t)(START + 1000), 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 100, 0 }, 2);
	cr_assert_eq(elog.t[1], START + 1000);
	tern_fiber_join(&sched, &w);

	/* Armed after the waiter's timeout: the timeout wins, the wake-up
	 * finds nobody. */
	elog.n = 0;
	tern_fiber_spawn(&sched, &w, "w", wait_until_d,
			 (void *)(uintptr_t)(START + 2000), 0);
	tern_sched_stop(&sched);
	cr_assert_eq(tern_sched_run(&sched), -TERN_ECANCELED); /* w waits */
	tern_timer_arm(tern_sched_wheel(&sched), &t, START + 2000);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 200, -TERN_ETIMEDOUT }, 2);
	tern_fiber_join(&sched, &w);
}

/* Sleeps until the absolute deadline arg, then wakes q. */
static void wake_at_d(void *arg)
{
	tern_sleep_until(&sched, (uint64_t)(uintptr_t)arg);
	log_ev(tern_waitq_wake_one(&sched, &q) ? 100 : 200);
}

Test(sched, waker_fiber_and_timeout_in_the_same_turn)
{
	struct tern_fiber w, k;

	/* Both timers fire in the same expire; the waiter's was armed first,
	 * so its timeout wins and the waker (same turn) finds nobody. */
	tern_waitq_init(&q);
	tern_fiber_spawn(&sched, &w, "w", wait_until_d,
			 (void *)(uintptr_t)(START + 1000), 0);
	tern_fiber_spawn(&sched, &k, "k", wake_at_d,
			 (void *)(uintptr_t)(START + 1000), 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ -TERN_ETIMEDOUT, 200 }, 2);
	cr_assert_eq(elog.t[0], START + 1000);
	cr_assert_eq(elog.t[1], START + 1000);
	tern_fiber_join(&sched, &w);
	tern_fiber_join(&sched, &k);

	/* The other way round: the waker's sleep is armed first and fires
	 * first, but the waiter's timeout fires in the same expire, before
	 * the waker runs: the wake-up finds nobody. Exactly one of the two
	 * counts, either way. */
	elog.n = 0;
	tern_fiber_spawn(&sched, &k, "k", wake_at_d,
			 (void *)(uintptr_t)(START + 2000), 0);
	tern_fiber_spawn(&sched, &w, "w", wait_until_d,
			 (void *)(uintptr_t)(START + 2000), 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 200, -TERN_ETIMEDOUT }, 2);
	cr_assert(tern_waitq_empty(&q));
	tern_fiber_join(&sched, &w);
	tern_fiber_join(&sched, &k);
}

/* ---- pollers, deadlock, stop -------------------------------------------------- */

struct test_poller {
	struct tern_poller p;
	unsigned calls;
	uint64_t nows[8];
	unsigned wake_at;		  /* wake q at this call */
	struct tern_poller *remove_other; /* remove this one when called */
	bool remove_self;
};

static int test_poll(struct tern_poller *p, uint64_t now)
{
	struct test_poller *tp = tern_container_of(p, struct test_poller, p);

	if (tp->calls < 8)
		tp->nows[tp->calls] = now;
	tp->calls++;
	if (tp->remove_other)
		tern_sched_remove_poller(&sched, tp->remove_other);
	if (tp->remove_self)
		tern_sched_remove_poller(&sched, p);
	if (tp->wake_at && tp->calls == tp->wake_at)
		return tern_waitq_wake_one(&sched, &q) ? 1 : 0;
	return 0;
}

static uint64_t test_poll_deadline(struct tern_poller *p)
{
	struct test_poller *tp = tern_container_of(p, struct test_poller, p);

	return tp->nows[(tp->calls - 1) % 8] + 5000;
}

Test(sched, poller_deadline_drives_the_clock_and_wakes_a_fiber)
{
	struct test_poller tp;
	struct tern_fiber w;

	memset(&tp, 0, sizeof(tp));
	tp.p.poll = test_poll;
	tp.p.next_deadline = test_poll_deadline;
	tp.wake_at = 3;
	tern_waitq_init(&q);
	tern_sched_add_poller(&sched, &tp.p);
	tern_fiber_spawn(&sched, &w, "w", waiter, (void *)(intptr_t)9, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 9 }, 1);
	cr_assert_eq(tp.calls, 4);
	cr_assert_eq(tp.nows[0], START);
	cr_assert_eq(tp.nows[1], START + 5000);
	cr_assert_eq(tp.nows[2], START + 10000);
	cr_assert_eq(elog.t[0], START + 10000);
	tern_sched_remove_poller(&sched, &tp.p);
	tern_sched_remove_poller(&sched, &tp.p); /* twice is fine */
	tern_fiber_join(&sched, &w);
}

Test(sched, pollers_may_remove_pollers_while_polled)
{
	struct test_poller a, b, c;
	struct tern_fiber f;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	a.p.poll = b.p.poll = c.p.poll = test_poll;
	a.remove_other = &b.p; /* the next one in the list */
	a.remove_self = true;
	tern_sched_add_poller(&sched, &a.p);
	tern_sched_add_poller(&sched, &b.p);
	tern_sched_add_poller(&sched, &c.p);
	tern_fiber_spawn(&sched, &f, "y", yielder, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	cr_assert_eq(a.calls, 1);
	cr_assert_eq(b.calls, 0);
	cr_assert_eq(c.calls, 4);
	tern_sched_remove_poller(&sched, &c.p);
	tern_fiber_join(&sched, &f);
}

Test(sched, nothing_can_wake_returns_edeadlk_and_run_resumes)
{
	struct tern_fiber w;

	tern_waitq_init(&q);
	tern_fiber_spawn(&sched, &w, "w", waiter, (void *)(intptr_t)5, 0);
	cr_assert_eq(tern_sched_run(&sched), -TERN_EDEADLK);
	cr_assert_eq(tern_fiber_state(&w), TERN_FIBER_BLOCKED);
	cr_assert_eq(tern_sched_live(&sched), 1);
	/* Woken from outside any fiber; the loop picks up where it was. */
	cr_assert(tern_waitq_wake_one(&sched, &q));
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 5 }, 1);
	tern_fiber_join(&sched, &w);
}

static void stopper(void *arg)
{
	(void)arg;
	log_ev(1);
	tern_sched_stop(&sched);
	tern_fiber_yield(&sched);
	log_ev(2);
	tern_hosted_request_stop(true);
	tern_fiber_yield(&sched);
	log_ev(3);
	tern_fiber_yield(&sched);
	log_ev(4);
}

Test(sched, stop_returns_ecanceled_at_the_end_of_the_turn)
{
	struct tern_fiber f;

	tern_fiber_spawn(&sched, &f, "stopper", stopper, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), -TERN_ECANCELED);
	check_log((int[]){ 1 }, 1);
	cr_assert_eq(tern_sched_run(&sched), -TERN_ECANCELED); /* platform */
	check_log((int[]){ 1, 2 }, 2);
	/* Still set: one turn per call. */
	cr_assert_eq(tern_sched_run(&sched), -TERN_ECANCELED);
	check_log((int[]){ 1, 2, 3 }, 3);
	tern_hosted_request_stop(false);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 1, 2, 3, 4 }, 4);
	tern_fiber_join(&sched, &f);
}

/* ---- floating-point control state per fiber ---------------------------------- */

#define MXCSR_RC_DOWN 0x2000u
#define MXCSR_RC_UP 0x4000u
#define MXCSR_FTZ 0x8000u

static uint32_t get_mxcsr(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void set_mxcsr(uint32_t v)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(v));
}

static uint16_t get_fpucw(void)
{
	uint16_t v;

	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}

static void set_fpucw(uint16_t v)
{
	__asm__ volatile("fldcw %0" : : "m"(v));
}

static uint32_t main_mxcsr;
static uint16_t main_fpucw;
static struct tern_fiber fpu_child;

static void fpu_child_fn(void *arg)
{
	(void)arg;
	/* Spawned by fpu_a after it changed its modes: inherits them. */
	cr_assert_eq(get_mxcsr(), (main_mxcsr | MXCSR_RC_DOWN | MXCSR_FTZ));
	cr_assert_eq(get_fpucw(), 0x027f);
	log_ev(3);
}

static void fpu_a(void *arg)
{
	(void)arg;
	cr_assert_eq(get_mxcsr(), main_mxcsr);
	set_mxcsr(main_mxcsr | MXCSR_RC_DOWN | MXCSR_FTZ);
	set_fpucw(0x027f); /* double precision */
	tern_fiber_spawn(&sched, &fpu_child, "child", fpu_child_fn, NULL, 0);
	for (int i = 0; i < 3; i++) {
		tern_fiber_yield(&sched);
		cr_assert_eq(get_mxcsr(),
			     (main_mxcsr | MXCSR_RC_DOWN | MXCSR_FTZ));
		cr_assert_eq(get_fpucw(), 0x027f);
	}
	log_ev(1);
}

static void fpu_b(void *arg)
{
	(void)arg;
	cr_assert_eq(get_mxcsr(), main_mxcsr);
	cr_assert_eq(get_fpucw(), main_fpucw);
	set_mxcsr(main_mxcsr | MXCSR_RC_UP);
	set_fpucw(0x0f7f); /* round toward zero */
	for (int i = 0; i < 3; i++) {
		tern_sleep(&sched, 10);
		cr_assert_eq(get_mxcsr(), (main_mxcsr | MXCSR_RC_UP));
		cr_assert_eq(get_fpucw(), 0x0f7f);
	}
	log_ev(2);
}

Test(sched, mxcsr_and_x87_control_word_are_per_fiber)
{
	struct tern_fiber a, b;

	main_mxcsr = get_mxcsr();
	main_fpucw = get_fpucw();
	tern_fiber_spawn(&sched, &a, "a", fpu_a, NULL, 0);
	tern_fiber_spawn(&sched, &b, "b", fpu_b, NULL, 0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	check_log((int[]){ 3, 1, 2 }, 3);
	cr_assert_eq(get_mxcsr(), main_mxcsr);
	cr_assert_eq(get_fpucw(), main_fpucw);
	tern_fiber_join(&sched, &a);
	tern_fiber_join(&sched, &b);
	tern_fiber_join(&sched, &fpu_child);
}

/* ---- determinism ----------------------------------------------------------------- */

#define SLEEPERS 1000

struct sleeper {
	struct tern_fiber f;
	unsigned id;
	uint64_t duration, deadline, woke;
};

static struct sleeper sleepers[SLEEPERS];
static struct {
	unsigned n;
	unsigned id[SLEEPERS];
	uint64_t t[SLEEPERS];
} trace;

static void sleeper_fn(void *arg)
{
	struct sleeper *sl = arg;

	sl->deadline = tern_clock_monotonic() + sl->duration;
	tern_sleep(&sched, sl->duration);
	sl->woke = tern_clock_monotonic();
	cr_assert_eq(tern_sched_now(&sched), sl->woke);
	trace.id[trace.n] = sl->id;
	trace.t[trace.n++] = sl->woke;
}

/* Runs SLEEPERS fibers sleeping seeded random durations (a few of them
 * equal, for ties) and checks each woke exactly at its deadline, in
 * (deadline, spawn) order. The trace is left in trace. */
static void run_sleepers(uint64_t seed)
{
	struct tern_rand r;

	tern_sched_fini(&sched);
	tern_hosted_clock_use_virtual(START);
	tern_sched_init(&sched);
	memset(&trace, 0, sizeof(trace));
	tern_rand_seed(&r, seed);
	for (unsigned i = 0; i < SLEEPERS; i++) {
		struct sleeper *sl = &sleepers[i];

		sl->id = i;
		sl->duration =
			tern_rand_below(&r, 4) == 0
				? tern_rand_below(&r, 8) * TERN_NSEC_PER_MSEC
				: tern_rand_below(&r, 10 * TERN_NSEC_PER_SEC);
		cr_assert_eq(tern_fiber_spawn(&sched, &sl->f, "sleeper",
					      sleeper_fn, sl, 16384),
			     0);
	}
	cr_assert_eq(tern_sched_run(&sched), 0, "seed %llu",
		     (unsigned long long)seed);
	cr_assert_eq(trace.n, SLEEPERS);
	for (unsigned i = 0; i < SLEEPERS; i++) {
		struct sleeper *sl = &sleepers[trace.id[i]];

		cr_assert_eq(sl->woke, sl->deadline,
			     "seed %llu: fiber %u woke at %llu, deadline %llu",
			     (unsigned long long)seed, sl->id,
			     (unsigned long long)sl->woke,
			     (unsigned long long)sl->deadline);
		if (i > 0) {
			struct sleeper *prev = &sleepers[trace.id[i - 1]];

			cr_assert(prev->deadline < sl->deadline ||
					  (prev->deadline == sl->deadline &&
					   prev->id < sl->id),
				  "seed %llu: fiber %u woke before %u",
				  (unsigned long long)seed, prev->id, sl->id);
		}
		cr_assert_eq(tern_fiber_join(&sched, &sl->f), 0);
	}
}

Test(sched, thousand_sleepers_wake_exactly_in_order_and_replay)
{
	static unsigned first_id[SLEEPERS];
	static uint64_t first_t[SLEEPERS];
	bool differs = false;

	run_sleepers(42);
	memcpy(first_id, trace.id, sizeof(first_id));
	memcpy(first_t, trace.t, sizeof(first_t));
	run_sleepers(42);
	cr_assert_arr_eq(first_id, trace.id, sizeof(first_id),
			 "same seed, different order");
	cr_assert_arr_eq(first_t, trace.t, sizeof(first_t),
			 "same seed, different times");
	run_sleepers(43);
	for (unsigned i = 0; i < SLEEPERS; i++)
		differs |= first_id[i] != trace.id[i] ||
			   first_t[i] != trace.t[i];
	cr_assert(differs, "another seed gave the same trace");
}

/* ---- seeded random stress -------------------------------------------------------- */

#define WORKERS 48
#define QUEUES 4

static struct tern_waitq queues[QUEUES];
static struct tern_fiber workers[WORKERS], waker_fiber;
static unsigned workers_done;
static uint64_t stress_hash;

static void mix(uint64_t v)
{
	stress_hash = (stress_hash ^ v) * 0x100000001b3ull;
}

static void worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct tern_rand r;

	tern_rand_seed(&r, stress_hash ^ id);
	for (unsigned step = 0; step < 60; step++) {
		unsigned qi = (unsigned)tern_rand_below(&r, QUEUES);
		int res = 0;

		switch (tern_rand_below(&r, 6)) {
		case 0:
			tern_fiber_yield(&sched);
			break;
		case 1:
			tern_sleep(&sched, tern_rand_below(&r, 5000));
			break;
		case 2:
			res = tern_waitq_wait(&sched, &queues[qi],
					      TERN_NO_DEADLINE);
			break;
		case 3:
			res = tern_waitq_wait(&sched, &queues[qi],
					      tern_sched_now(&sched) +
						      tern_rand_below(&r,
								      3000));
			break;
		case 4:
			res = tern_waitq_wake_one(&sched, &queues[qi]);
			break;
		default:
			res = (int)tern_waitq_wake_all(&sched, &queues[qi]);
			break;
		}
		mix(id);
		mix(tern_sched_now(&sched));
		mix((uint64_t)(int64_t)res);
	}
	workers_done++;
}

static void waker_fn(void *arg)
{
	(void)arg;
	while (workers_done < WORKERS) {
		tern_sleep(&sched, 10000);
		for (unsigned i = 0; i < QUEUES; i++)
			tern_waitq_wake_all(&sched, &queues[i]);
	}
}

static uint64_t run_stress(uint64_t seed)
{
	tern_sched_fini(&sched);
	tern_hosted_clock_use_virtual(START);
	tern_sched_init(&sched);
	stress_hash = seed;
	workers_done = 0;
	for (unsigned i = 0; i < QUEUES; i++)
		tern_waitq_init(&queues[i]);
	for (unsigned i = 0; i < WORKERS; i++)
		tern_fiber_spawn(&sched, &workers[i], "worker", worker,
				 (void *)(uintptr_t)i, 16384);
	tern_fiber_spawn(&sched, &waker_fiber, "waker", waker_fn, NULL, 16384);
	cr_assert_eq(tern_sched_run(&sched), 0, "seed %llu",
		     (unsigned long long)seed);
	for (unsigned i = 0; i < WORKERS; i++)
		cr_assert_eq(tern_fiber_join(&sched, &workers[i]), 0);
	cr_assert_eq(tern_fiber_join(&sched, &waker_fiber), 0);
	for (unsigned i = 0; i < QUEUES; i++)
		cr_assert(tern_waitq_empty(&queues[i]));
	return stress_hash;
}

Test(sched, random_stress_is_deterministic)
{
	for (uint64_t seed = 1; seed <= 5; seed++) {
		uint64_t a = run_stress(seed), b = run_stress(seed);

		cr_assert_eq(a, b, "seed %llu replayed differently",
			     (unsigned long long)seed);
	}
}

/* ---- stack overflow ---------------------------------------------------------------- */

/* Runs fn in a child process with its stderr captured into out. Returns
 * the child's wait status. */
static int run_child(void (*fn)(void), char *out, size_t cap)
{
	int pfd[2], status = 0;
	size_t len = 0;
	pid_t pid;

	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[0]);
		fn();
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], out + len, cap - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap - 1)
			break;
	}
	out[len] = '\0';
	close(pfd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (getenv("TERN_TEST_VERBOSE"))
		cr_log_info("child status %#x, stderr:\n%s", status, out);
	return status;
}

static __attribute__((noinline)) unsigned recurse(unsigned depth)
{
	volatile char buf[512];

	buf[0] = (char)depth;
	buf[511] = (char)depth;
	if (depth == 0)
		return buf[0];
	return recurse(depth - 1) + buf[511];
}

static void deep_fiber(void *arg)
{
	(void)arg;
	recurse(1000000); /* ~500 MB of frames on a 16 KiB stack */
}

static void overflow_guard_child(void)
{
	struct tern_fiber f;

	tern_hosted_clock_use_virtual(START);
	tern_sched_init(&sched);
	tern_fiber_spawn(&sched, &f, "deep", deep_fiber, NULL, 16384);
	tern_sched_run(&sched);
}

Test(sched, guard_page_catches_stack_overflow)
{
	static char out[16384];
	int status = run_child(overflow_guard_child, out, sizeof(out));

	/* Hosted without ASan: our handler says so and aborts. With ASan:
	 * ASan's handler reports the stack overflow and exits non-zero. */
	cr_assert(WIFSIGNALED(status) ||
			  (WIFEXITED(status) && WEXITSTATUS(status) != 0),
		  "the child survived an overflow (status %#x)", status);
	cr_assert(strstr(out, "fiber stack overflow") ||
			  strstr(out, "stack-overflow"),
		  "no overflow report in:\n%s", out);
	if (strstr(out, "fiber stack overflow"))
		cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

static void smash_canary(void *arg)
{
	(void)arg;
	/* What a small overflow past the last frame would do. */
	*(volatile uint64_t *)tern_fiber_current(&sched)->stack.base = 0;
	tern_fiber_yield(&sched);
	log_ev(1); /* never */
}

static void overflow_canary_child(void)
{
	struct tern_fiber f;

	tern_hosted_clock_use_virtual(START);
	tern_sched_init(&sched);
	tern_fiber_spawn(&sched, &f, "smash", smash_canary, NULL, 0);
	tern_sched_run(&sched);
}

Test(sched, canary_is_checked_at_every_switch)
{
	char out[4096];
	int status = run_child(overflow_canary_child, out, sizeof(out));

	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		  "status %#x, output:\n%s", status, out);
	cr_assert(strstr(out, "fiber stack overflow: fiber \"smash\""),
		  "output:\n%s", out);
}

/* ---- frame-pointer unwinding ------------------------------------------------ */

/* A frame as -fno-omit-frame-pointer lays it out (every preset keeps frame
 * pointers): the caller's frame pointer, then the return address. */
struct fp_frame {
	const struct fp_frame *next;
	uintptr_t ret;
};

void tern_ctx_trampoline(void); /* components/sched/ctx.h */

static struct {
	const void *entry_frame; /* walker's frame */
	const struct fp_frame *seen[32];
	uintptr_t last_ret;
	unsigned n;
	bool ended; /* reached a null frame pointer */
} walk;

/* Walks the frame-pointer chain from f, as perf and the guest profiler
 * do, for at most 32 frames. */
static void walk_from(const struct fp_frame *f)
{
	memset(walk.seen, 0, sizeof(walk.seen));
	walk.n = 0;
	walk.ended = false;
	while (walk.n < TERN_ARRAY_SIZE(walk.seen)) {
		if (!f) {
			walk.ended = true;
			break;
		}
		walk.seen[walk.n++] = f;
		walk.last_ret = f->ret;
		f = f->next;
	}
}

static __attribute__((noinline)) void walk_frames(void)
{
	walk_from(__builtin_frame_address(0));
}

static __attribute__((noinline)) void nested(int depth)
{
	if (depth > 0)
		nested(depth - 1);
	else
		walk_frames();
	__asm__ volatile("" ::: "memory"); /* no tail call */
}

static void check_walk(const struct tern_fiber *self)
{
	uintptr_t lo = (uintptr_t)self->stack.base;
	uintptr_t hi = lo + self->stack.size;
	uintptr_t tramp = (uintptr_t)tern_ctx_trampoline;
	bool through_entry = false;

	cr_assert(walk.ended, "no null frame within %u frames", walk.n);
	for (unsigned i = 0; i < walk.n; i++) {
		uintptr_t a = (uintptr_t)walk.seen[i];

		cr_assert(a >= lo && a < hi,
			  "frame %u at %#lx is off the stack", i,
			  (unsigned long)a);
		if (i > 0)
			cr_assert(a > (uintptr_t)walk.seen[i - 1],
				  "frame %u does not climb", i);
		through_entry |= walk.seen[i] == walk.entry_frame;
	}
	cr_assert(through_entry, "the chain skips the fiber's function");
	cr_assert(walk.last_ret >= tramp && walk.last_ret < tramp + 16,
		  "the last return address %#lx is not in the trampoline",
		  (unsigned long)walk.last_ret);
}

static void walker(void *arg)
{
	(void)arg;
	walk.entry_frame = __builtin_frame_address(0);
	nested(3);
	check_walk(tern_fiber_current(&sched));
	/* A resumed fiber unwinds the same way. */
	tern_fiber_yield(&sched);
	nested(5);
	check_walk(tern_fiber_current(&sched));
	log_ev(1);
}

Test(sched, frame_pointer_chain_ends_at_the_trampoline)
{
	struct tern_fiber f;

	cr_assert_eq(tern_fiber_spawn(&sched, &f, "walker", walker, NULL, 0),
		     0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	cr_assert_eq(tern_fiber_join(&sched, &f), 0);
	check_log((const int[]){ 1 }, 1);
}

static struct tern_fiber parked;

/* Runs while parked is suspended in the switch: the record the switch
 * left at its saved stack pointer + 48 (switch_x86_64.S) must unwind the
 * parked fiber's stack, through its function, to the trampoline. */
static void inspector(void *arg)
{
	(void)arg;
	walk_from((const struct fp_frame *)((const char *)parked.ctx.sp + 48));
	check_walk(&parked);
	log_ev(2);
}

static void parker(void *arg)
{
	(void)arg;
	walk.entry_frame = __builtin_frame_address(0);
	tern_fiber_yield(&sched);
	__asm__ volatile("" ::: "memory"); /* no tail call */
	log_ev(1);
}

Test(sched, suspended_fiber_unwinds_from_its_switch_record)
{
	struct tern_fiber g;

	cr_assert_eq(tern_fiber_spawn(&sched, &parked, "parker", parker, NULL,
				      0),
		     0);
	cr_assert_eq(tern_fiber_spawn(&sched, &g, "inspector", inspector, NULL,
				      0),
		     0);
	cr_assert_eq(tern_sched_run(&sched), 0);
	cr_assert_eq(tern_fiber_join(&sched, &parked), 0);
	cr_assert_eq(tern_fiber_join(&sched, &g), 0);
	check_log((const int[]){ 2, 1 }, 2);
}
