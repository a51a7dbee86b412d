/*
 * valgrind_sched.c - a plain program (no Criterion, no fork) that exercises
 * every path of the scheduler once or many times - spawn, the switch in both
 * directions and fiber to fiber, yield, sleep, wait queues with and without
 * timeouts, wake one and all, join (finished and running), detach, pollers,
 * timers armed from fibers - so that Valgrind's memcheck sees the fiber
 * stacks switch under it. CTest runs it as sched_valgrind under
 * `valgrind --error-exitcode=1 --leak-check=full` (label valgrind, release
 * preset). Prints "ok" and exits 0, or names the failed check and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/hosted.h"
#include "tern/rand.h"
#include "tern/sched.h"

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			fprintf(stderr, "valgrind_sched: %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);            \
			exit(1);                                       \
		}                                                      \
	} while (0)

#define WORKERS 40
#define START 5000000ull

static struct tern_sched sched;
static struct tern_waitq queue, done_q;
static struct tern_fiber workers[WORKERS], waker, joiner, detached[8];
static unsigned finished, timeouts, wakeups, timer_fires, polls;
static int results[WORKERS];

/* Heap memory touched from fiber stacks, so memcheck has something to
 * check beyond the stacks themselves. */
static unsigned *counters;

static void tick(struct tern_timer *t, uint64_t now)
{
	(void)now;
	timer_fires++;
	if (timer_fires < 20)
		tern_timer_arm(tern_sched_wheel(&sched), t,
			       tern_timer_deadline(t) + 700);
}

static int poll_fn(struct tern_poller *p, uint64_t now)
{
	(void)p;
	(void)now;
	polls++;
	return 0;
}

static unsigned deep(unsigned n)
{
	volatile unsigned buf[64];

	buf[n % 64] = n;
	return n == 0 ? 0 : deep(n - 1) + buf[n % 64];
}

static void worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct tern_rand r;

	tern_rand_seed(&r, id);
	for (int i = 0; i < 30; i++) {
		int res;

		counters[id]++;
		switch (tern_rand_below(&r, 4)) {
		case 0:
			tern_fiber_yield(&sched);
			break;
		case 1:
			tern_sleep(&sched, tern_rand_below(&r, 2000));
			break;
		case 2:
			res = tern_waitq_wait(&sched, &queue,
					      tern_sched_now(&sched) +
						      tern_rand_below(&r,
								      3000));
			if (res == -TERN_ETIMEDOUT)
				timeouts++;
			else
				wakeups++;
			break;
		default:
			tern_waitq_wake_one(&sched, &queue);
			break;
		}
		CHECK(deep(100) == 5050);
	}
	results[id] = (int)counters[id];
	finished++;
	tern_waitq_wake_all(&sched, &done_q);
}

static void waker_fn(void *arg)
{
	(void)arg;
	while (finished < WORKERS) {
		tern_sleep(&sched, 1000);
		tern_waitq_wake_all(&sched, &queue);
	}
}

static void joiner_fn(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < WORKERS; i++)
		CHECK(tern_fiber_join(&sched, &workers[i]) == 0);
	CHECK(tern_fiber_join(&sched, &waker) == 0);
}

static void detached_fn(void *arg)
{
	(void)arg;
	tern_sleep(&sched, 100);
}

int main(void)
{
	struct tern_poller poller;
	struct tern_timer timer;

	tern_hosted_clock_use_virtual(START);
	tern_sched_init(&sched);
	tern_waitq_init(&queue);
	tern_waitq_init(&done_q);
	counters = calloc(WORKERS, sizeof(*counters));
	CHECK(counters);

	memset(&poller, 0, sizeof(poller));
	poller.poll = poll_fn;
	tern_sched_add_poller(&sched, &poller);
	tern_timer_init(&timer, tick, NULL);
	tern_timer_arm(tern_sched_wheel(&sched), &timer, START + 700);

	for (unsigned i = 0; i < WORKERS; i++)
		CHECK(tern_fiber_spawn(&sched, &workers[i], "worker", worker,
				       (void *)(uintptr_t)i, 32768) == 0);
	CHECK(tern_fiber_spawn(&sched, &waker, "waker", waker_fn, NULL, 0) ==
	      0);
	CHECK(tern_fiber_spawn(&sched, &joiner, "joiner", joiner_fn, NULL, 0) ==
	      0);
	for (unsigned i = 0; i < 8; i++) {
		CHECK(tern_fiber_spawn(&sched, &detached[i], "detached",
				       detached_fn, NULL, 0) == 0);
		tern_fiber_detach(&detached[i]);
	}
	CHECK(tern_sched_run(&sched) == 0);
	CHECK(tern_fiber_join(&sched, &joiner) == 0);

	CHECK(finished == WORKERS);
	for (unsigned i = 0; i < WORKERS; i++)
		CHECK(results[i] == 30);
	CHECK(timeouts > 0 && wakeups > 0);
	CHECK(timer_fires > 0);
	CHECK(polls > 0);
	/* The loop ends with the last fiber; the periodic timer may be left. */
	tern_timer_cancel(tern_sched_wheel(&sched), &timer);
	CHECK(tern_sched_live(&sched) == 0);
	CHECK(tern_sched_stacks(&sched) == 0);
	CHECK(tern_wheel_armed(tern_sched_wheel(&sched)) == 0);
	tern_sched_remove_poller(&sched, &poller);
	tern_sched_fini(&sched);
	free(counters);
	printf("valgrind_sched: ok: %llu switches, %u timeouts, %u wake-ups\n",
	       (unsigned long long)tern_sched_switches(&sched), timeouts,
	       wakeups);
	return 0;
}
