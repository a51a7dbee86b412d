/*
 * bench_timer.c - the timing wheel against a binary heap (heap.h), in the
 * same run, at 1k, 100k and 1M armed timers:
 *
 *   re-arm        cancel a random armed timer and arm it again for a random
 *                 deadline up to 10 s ahead (what TCP does with every
 *                 retransmit and delayed-ACK timer); N timers stay armed
 *   expire exact  N timers over 1 s, drained by expiring at next() - one
 *                 call per deadline, as the event loop does; ns per timer
 *   expire 1ms    the same N timers drained by 1-ms steps; ns per timer
 *
 * The wheel ticks as the scheduler's does (TERN_SCHED_TICK_SHIFT); the random
 * indices and deadlines are drawn before timing starts.
 */
#include <stdio.h>
#include <stdlib.h>

#include "heap.h"
#include "runner.h"
#include "tern/rand.h"
#include "tern/sched.h"
#include "tern/timer.h"

#define SEQ (1u << 20) /* pre-drawn random operations, cycled */
#define WINDOW (1000000000ull)
#define REARM_SPAN (10ull * 1000000000ull)

struct setup {
	uint32_t n;
	struct tern_wheel *wheel;
	struct tern_timer *wt;
	struct timer_heap heap;
	struct heap_timer *ht;
	uint32_t *idx;	 /* SEQ random timer indices */
	uint64_t *delta; /* SEQ random deadline offsets */
	uint64_t now;
	uint64_t fired;
};

static void wheel_fired(struct tern_timer *t, uint64_t now)
{
	(void)now;
	((struct setup *)t->ctx)->fired++;
}

static void heap_fired(struct heap_timer *t, uint64_t now)
{
	(void)now;
	((struct setup *)t->ctx)->fired++;
}

static void rearm_wheel(void *ctx, uint64_t iters)
{
	struct setup *s = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		uint32_t k = (uint32_t)(i & (SEQ - 1));
		struct tern_timer *t = &s->wt[s->idx[k]];

		tern_timer_cancel(s->wheel, t);
		tern_timer_arm(s->wheel, t, s->now + s->delta[k]);
	}
}

static void rearm_heap(void *ctx, uint64_t iters)
{
	struct setup *s = ctx;

	for (uint64_t i = 0; i < iters; i++) {
		uint32_t k = (uint32_t)(i & (SEQ - 1));
		struct heap_timer *t = &s->ht[s->idx[k]];

		heap_cancel(&s->heap, t);
		heap_arm(&s->heap, t, s->now + s->delta[k]);
	}
}

/* Arms all n timers of both structures, spread over span from now. */
static void arm_all(struct setup *s, uint64_t span)
{
	for (uint32_t i = 0; i < s->n; i++) {
		uint64_t d = s->now + 1 + s->delta[i & (SEQ - 1)] % span;

		tern_timer_arm(s->wheel, &s->wt[i], d);
		heap_arm(&s->heap, &s->ht[i], d);
	}
}

/* Drains the wheel; step 0 means "at next()". Returns ns per timer. */
static double drain_wheel(struct setup *s, uint64_t step)
{
	uint64_t t0, fired0 = s->fired;

	t0 = tern_bench_now();
	if (step == 0) {
		uint64_t next;

		while ((next = tern_wheel_next(s->wheel)) != TERN_NO_DEADLINE)
			tern_wheel_expire(s->wheel, next);
	} else {
		uint64_t now = s->now;

		while (tern_wheel_armed(s->wheel)) {
			now += step;
			tern_wheel_expire(s->wheel, now);
		}
	}
	return (double)(tern_bench_now() - t0) / (double)(s->fired - fired0);
}

static double drain_heap(struct setup *s, uint64_t step)
{
	uint64_t t0, fired0 = s->fired;

	t0 = tern_bench_now();
	if (step == 0) {
		while (s->heap.len)
			heap_expire(&s->heap, heap_next(&s->heap));
	} else {
		uint64_t now = s->now;

		while (s->heap.len) {
			now += step;
			heap_expire(&s->heap, now);
		}
	}
	return (double)(tern_bench_now() - t0) / (double)(s->fired - fired0);
}

static void bench_expire(struct tern_bench *b, struct setup *s, uint64_t step,
			 const char *what)
{
	double wns[256], hns[256];
	unsigned reps = b->reps > 256 ? 256 : b->reps;
	char wname[64], hname[64], rname[96];

	for (unsigned r = 0; r < reps; r++) {
		arm_all(s, WINDOW);
		wns[r] = drain_wheel(s, step);
		hns[r] = drain_heap(s, step);
		s->now = tern_wheel_now(s->wheel) + WINDOW;
	}
	snprintf(wname, sizeof(wname), "%s n=%u: wheel", what, s->n);
	snprintf(hname, sizeof(hname), "%s n=%u: heap", what, s->n);
	snprintf(rname, sizeof(rname), "%s n=%u: wheel vs heap", what, s->n);
	tern_bench_record(b, wname, wns, reps, 0);
	tern_bench_record(b, hname, hns, reps, 0);
	tern_bench_ratio(b, rname, wname, hname);
}

static void run_size(struct tern_bench *b, uint32_t n, uint32_t *idx,
		     uint64_t *delta)
{
	static struct tern_wheel wheel;
	struct setup s = { .n = n, .wheel = &wheel, .idx = idx, .delta = delta };
	char wname[64], hname[64], rname[96];
	struct tern_rand r;

	tern_rand_seed(&r, n);
	for (uint32_t i = 0; i < SEQ; i++) {
		idx[i] = (uint32_t)tern_rand_below(&r, n);
		delta[i] = 1 + tern_rand_below(&r, REARM_SPAN);
	}
	s.now = 1000000000ull;
	tern_wheel_init(&wheel, s.now, TERN_SCHED_TICK_SHIFT);
	s.wt = malloc((size_t)n * sizeof(*s.wt));
	s.ht = malloc((size_t)n * sizeof(*s.ht));
	if (!s.wt || !s.ht || heap_init(&s.heap, n) < 0) {
		fprintf(stderr, "bench_timer: out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i < n; i++) {
		tern_timer_init(&s.wt[i], wheel_fired, &s);
		heap_timer_init(&s.ht[i], heap_fired, &s);
	}

	arm_all(&s, REARM_SPAN);
	snprintf(wname, sizeof(wname), "re-arm n=%u: wheel", n);
	snprintf(hname, sizeof(hname), "re-arm n=%u: heap", n);
	snprintf(rname, sizeof(rname), "re-arm n=%u: wheel vs heap", n);
	tern_bench_run(b, wname, rearm_wheel, &s, 0);
	tern_bench_run(b, hname, rearm_heap, &s, 0);
	tern_bench_ratio(b, rname, wname, hname);
	/* Empty both before the expiry cases. */
	for (uint32_t i = 0; i < n; i++) {
		tern_timer_cancel(&wheel, &s.wt[i]);
		heap_cancel(&s.heap, &s.ht[i]);
	}

	bench_expire(b, &s, 0, "expire exact");
	bench_expire(b, &s, 1000000, "expire 1ms steps");

	heap_free(&s.heap);
	free(s.wt);
	free(s.ht);
}

int main(int argc, char **argv)
{
	struct tern_bench b;
	uint32_t *idx = malloc(SEQ * sizeof(*idx));
	uint64_t *delta = malloc(SEQ * sizeof(*delta));

	if (!idx || !delta)
		return 1;
	tern_bench_init(&b, "timer", argc, argv);
	run_size(&b, 1000, idx, delta);
	run_size(&b, 100000, idx, delta);
	run_size(&b, 1000000, idx, delta);
	free(idx);
	free(delta);
	return tern_bench_finish(&b);
}
