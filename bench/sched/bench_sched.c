/*
 * bench_sched.c - context switches and fibers against their baselines, in
 * the same run:
 *
 *   switch round trip   tern_ctx_switch there and back   vs swapcontext(3)
 *   yield round trip    two fibers yielding through the   vs swapcontext(3)
 *                       event loop (real clock)
 *   wait-queue ping-pong two fibers waking each other     vs two pthreads
 *                       through wait queues                 with a condvar
 *   spawn+join          a fiber (stack mmap included)      vs pthread_create
 *                                                            + pthread_join
 *
 * swapcontext saves and restores the signal mask with a system call on every
 * switch; that, not the register shuffling, is what the first ratio shows.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include "../../components/sched/ctx.h"
#include "runner.h"
#include "tern/hosted.h"
#include "tern/sched.h"

#define STACK 65536

/* ---- bare context switch ------------------------------------------------ */

static struct tern_context main_ctx, peer_ctx;

static _Noreturn void peer_loop(void *arg)
{
	(void)arg;
	for (;;)
		tern_ctx_switch(&peer_ctx, &main_ctx);
}

static void bench_ctx(void *ctx, uint64_t iters)
{
	(void)ctx;
	for (uint64_t i = 0; i < iters; i++)
		tern_ctx_switch(&main_ctx, &peer_ctx);
}

static ucontext_t uc_main, uc_peer;

static void uc_peer_loop(void)
{
	for (;;)
		swapcontext(&uc_peer, &uc_main);
}

static void bench_swapcontext(void *ctx, uint64_t iters)
{
	(void)ctx;
	for (uint64_t i = 0; i < iters; i++)
		swapcontext(&uc_main, &uc_peer);
}

/* ---- fibers ------------------------------------------------------------- */

static struct tern_sched sched;
static struct tern_fiber fa, fb;
static struct tern_waitq qa, qb;
static uint64_t rounds;
static bool ping_done;

static void yielder(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < rounds; i++)
		tern_fiber_yield(&sched);
}

static void bench_yield(void *ctx, uint64_t iters)
{
	(void)ctx;
	rounds = iters;
	tern_fiber_spawn(&sched, &fa, "a", yielder, NULL, STACK);
	tern_fiber_spawn(&sched, &fb, "b", yielder, NULL, STACK);
	tern_sched_run(&sched);
	tern_fiber_join(&sched, &fa);
	tern_fiber_join(&sched, &fb);
}

static void pinger(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < rounds; i++) {
		tern_waitq_wake_one(&sched, &qb);
		tern_waitq_wait(&sched, &qa, TERN_NO_DEADLINE);
	}
	ping_done = true;
	tern_waitq_wake_one(&sched, &qb);
}

static void ponger(void *arg)
{
	(void)arg;
	for (;;) {
		tern_waitq_wait(&sched, &qb, TERN_NO_DEADLINE);
		if (ping_done)
			break;
		tern_waitq_wake_one(&sched, &qa);
	}
}

static void bench_waitq(void *ctx, uint64_t iters)
{
	(void)ctx;
	rounds = iters;
	ping_done = false;
	tern_fiber_spawn(&sched, &fb, "pong", ponger, NULL, STACK);
	tern_fiber_spawn(&sched, &fa, "ping", pinger, NULL, STACK);
	tern_sched_run(&sched);
	tern_fiber_join(&sched, &fa);
	tern_fiber_join(&sched, &fb);
}

static void nothing(void *arg)
{
	(void)arg;
}

static void bench_spawn_join(void *ctx, uint64_t iters)
{
	(void)ctx;
	for (uint64_t i = 0; i < iters; i++) {
		tern_fiber_spawn(&sched, &fa, "f", nothing, NULL, STACK);
		tern_sched_run(&sched);
		tern_fiber_join(&sched, &fa);
	}
}

/* ---- pthread baselines ---------------------------------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static uint64_t turn; /* even: main's move, odd: the peer's */
static uint64_t peer_rounds;

static void *pthread_pong(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (uint64_t i = 0; i < peer_rounds; i++) {
		while (!(turn & 1))
			pthread_cond_wait(&cv, &mu);
		turn++;
		pthread_cond_signal(&cv);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void bench_condvar(void *ctx, uint64_t iters)
{
	pthread_t t;

	(void)ctx;
	turn = 0;
	peer_rounds = iters;
	pthread_create(&t, NULL, pthread_pong, NULL);
	pthread_mutex_lock(&mu);
	for (uint64_t i = 0; i < iters; i++) {
		turn++;
		pthread_cond_signal(&cv);
		while (turn & 1)
			pthread_cond_wait(&cv, &mu);
	}
	pthread_mutex_unlock(&mu);
	pthread_join(t, NULL);
}

static void *pthread_nothing(void *arg)
{
	return arg;
}

static void bench_pthread_spawn(void *ctx, uint64_t iters)
{
	pthread_attr_t attr;

	(void)ctx;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK);
	for (uint64_t i = 0; i < iters; i++) {
		pthread_t t;

		pthread_create(&t, &attr, pthread_nothing, NULL);
		pthread_join(t, NULL);
	}
	pthread_attr_destroy(&attr);
}

int main(int argc, char **argv)
{
	static char uc_stack[STACK];
	struct tern_bench b;
	struct tern_stack peer_stack;

	tern_bench_init(&b, "sched", argc, argv);
	tern_sched_init(&sched);
	tern_waitq_init(&qa);
	tern_waitq_init(&qb);

	if (tern_stack_alloc(&peer_stack, STACK) < 0)
		return 1;
	tern_ctx_init(&peer_ctx, peer_stack.base, peer_stack.size, peer_loop,
		      NULL);
	getcontext(&uc_peer);
	uc_peer.uc_stack.ss_sp = uc_stack;
	uc_peer.uc_stack.ss_size = sizeof(uc_stack);
	uc_peer.uc_link = NULL;
	makecontext(&uc_peer, uc_peer_loop, 0);

	tern_bench_run(&b, "switch round trip: tern_ctx_switch", bench_ctx,
		       NULL, 0);
	tern_bench_run(&b, "switch round trip: swapcontext", bench_swapcontext,
		       NULL, 0);
	tern_bench_run(&b, "yield round trip: 2 fibers, event loop",
		       bench_yield, NULL, 0);
	tern_bench_run(&b, "ping-pong: fibers, wait queues", bench_waitq, NULL,
		       0);
	tern_bench_run(&b, "ping-pong: pthreads, condvar", bench_condvar, NULL,
		       0);
	tern_bench_run(&b, "spawn+join: fiber", bench_spawn_join, NULL, 0);
	tern_bench_run(&b, "spawn+join: pthread", bench_pthread_spawn, NULL, 0);

	tern_bench_ratio(&b, "switch vs swapcontext",
			 "switch round trip: tern_ctx_switch",
			 "switch round trip: swapcontext");
	tern_bench_ratio(&b, "fiber yield round trip vs swapcontext",
			 "yield round trip: 2 fibers, event loop",
			 "switch round trip: swapcontext");
	tern_bench_ratio(&b, "wait-queue ping-pong vs pthread condvar",
			 "ping-pong: fibers, wait queues",
			 "ping-pong: pthreads, condvar");
	tern_bench_ratio(&b, "fiber spawn+join vs pthread", "spawn+join: fiber",
			 "spawn+join: pthread");
	tern_stack_free(&peer_stack);
	tern_sched_fini(&sched);
	return tern_bench_finish(&b);
}
