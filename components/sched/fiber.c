/*
 * fiber.c - fibers: spawn, the switches between them and the loop, exit,
 * join, detach, yield and sleep; the stack canary check; the ASan
 * fiber-switch annotations.
 *
 * Every switch goes through switch_to(). A fiber that blocks or yields
 * switches directly to the next fiber of the turn's batch, and the last one
 * of the batch switches back to the loop, so a turn with n ready fibers
 * costs n + 1 switches, not 2n.
 *
 * AddressSanitizer must be told about every switch, or it mistakes the
 * fiber stacks for garbage and reports false stack-buffer overflows (and
 * cannot report real ones): __sanitizer_start_switch_fiber before the
 * switch names the stack we go to, __sanitizer_finish_switch_fiber after
 * it tells ASan we arrived. The loop's own stack is learnt from the first
 * switch out of it. The annotations compile only in ASan builds.
 */
#include "sched_int.h"

#include <string.h>

#include "ctx.h"
#include "tern/assert.h"
#include "tern/fmt.h"

#if defined(__SANITIZE_ADDRESS__)
#define TERN_SCHED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TERN_SCHED_ASAN 1
#endif
#endif

#ifdef TERN_SCHED_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* Stacks smaller than this are raised to it: the first frame and a few
 * calls must fit. */
#define STACK_MIN 4096u

void tern_waitq_init(struct tern_waitq *q)
{
	tern_list_init(&q->waiters);
}

/* ---- overflow detection ------------------------------------------------- */

static _Noreturn void stack_overflow(const struct tern_fiber *f)
{
	char msg[160];
	int n;

	n = tern_snprintf(msg, sizeof(msg),
			  "tern: fiber stack overflow: fiber \"%s\" overwrote "
			  "the canary at the bottom of its %zu-byte stack\n",
			  f->name, f->stack.size);
	if (n > (int)sizeof(msg) - 1)
		n = (int)sizeof(msg) - 1;
	tern_console_write(msg, (size_t)n);
	tern_abort();
}

/* The canary is the stack's lowest word (tern_stack_alloc wrote it). A
 * fiber that ran past it has overflowed: its stack is corrupt and so,
 * possibly, is whatever lies below, so the image ends here. */
static inline void check_canary(const struct tern_fiber *f)
{
	if (*(const volatile uint64_t *)f->stack.base != TERN_STACK_CANARY)
		stack_overflow(f);
}

/* ---- switching ------------------------------------------------------------ */

/* ASan: we arrived in self (a fiber, or the loop if NULL). */
static inline void arrived(struct tern_sched *s, struct tern_fiber *self)
{
#ifdef TERN_SCHED_ASAN
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(self ? self->asan_fake_stack
					     : s->loop_asan_fake_stack,
					&bottom, &size);
	if (self && s->asan_from_loop) {
		s->loop_asan_stack_bottom = bottom;
		s->loop_asan_stack_size = size;
	}
#else
	(void)s;
	(void)self;
#endif
}

/* Switches from the running context (fiber from, or the loop if NULL) to
 * fiber to (or the loop if NULL). If exiting, from never runs again and the
 * call does not return. */
static void switch_to(struct tern_sched *s, struct tern_fiber *from,
		      struct tern_fiber *to, bool exiting)
{
	struct tern_context *from_ctx = from ? &from->ctx : &s->loop_ctx;
	struct tern_context *to_ctx = to ? &to->ctx : &s->loop_ctx;

	if (from)
		check_canary(from);
	if (to)
		check_canary(to);
	s->current = to;
	s->switches++;
#ifdef TERN_SCHED_ASAN
	s->asan_from_loop = from == NULL;
	__sanitizer_start_switch_fiber(
		exiting ? NULL
		: from	? &from->asan_fake_stack
			: &s->loop_asan_fake_stack,
		to ? to->stack.base : s->loop_asan_stack_bottom,
		to ? to->stack.size : s->loop_asan_stack_size);
#else
	(void)exiting;
#endif
	tern_ctx_switch(from_ctx, to_ctx);
	arrived(s, from);
}

/* Leaves the current fiber self (already on whatever list it waits on) for
 * the next fiber of the batch, or for the loop if the batch is done. */
static void switch_away(struct tern_sched *s, struct tern_fiber *self,
			bool exiting)
{
	struct tern_list *node = tern_list_pop(&s->batch);
	struct tern_fiber *next = NULL;

	if (node) {
		next = tern_list_entry(node, struct tern_fiber, link);
		next->state = TERN_FIBER_RUNNING;
	}
	switch_to(s, self, next, exiting);
}

void tern_sched_run_batch(struct tern_sched *s)
{
	struct tern_list *node;
	struct tern_fiber *f;

	tern_list_splice_tail(&s->batch, &s->ready);
	node = tern_list_pop(&s->batch);
	if (!node)
		return;
	f = tern_list_entry(node, struct tern_fiber, link);
	f->state = TERN_FIBER_RUNNING;
	switch_to(s, NULL, f, false);
}

void tern_sched_make_ready(struct tern_sched *s, struct tern_fiber *f)
{
	f->state = TERN_FIBER_READY;
	tern_list_add_tail(&s->ready, &f->link);
}

void tern_sched_block(struct tern_sched *s)
{
	struct tern_fiber *self = s->current;

	TERN_ASSERT(self);
	self->state = TERN_FIBER_BLOCKED;
	switch_away(s, self, false);
}

/* ---- stacks ---------------------------------------------------------------- */

/* A released stack waiting for reuse; the record lives at the top of the
 * stack itself, which nothing uses while it waits. */
struct cached_stack {
	struct tern_list link;
	struct tern_stack stack;
	size_t request;
};

/* A stack for a fiber that asked for request bytes: a cached one that was
 * spawned with the same request, else a new one. Returns 0 or
 * -TERN_ENOMEM. */
static int stack_get(struct tern_sched *s, struct tern_stack *stack,
		     size_t request)
{
	tern_list_for_each(it, &s->stack_cache) {
		struct cached_stack *c =
			tern_list_entry(it, struct cached_stack, link);

		if (c->request == request) {
			*stack = c->stack;
			tern_list_del_init(it);
			s->cached_stacks--;
			*(uint64_t *)stack->base = TERN_STACK_CANARY;
			return 0;
		}
	}
	if (tern_stack_alloc(stack, request) < 0)
		return -TERN_ENOMEM;
	return 0;
}

static void release_stack(struct tern_sched *s, struct tern_fiber *f)
{
	uintptr_t top = (uintptr_t)f->stack.base + f->stack.size;
	struct cached_stack *c;

#ifdef TERN_SCHED_ASAN
	/* Frames that ran on the stack left redzones in the shadow; the next
	 * fiber on this stack, or a later mapping at the same address, must
	 * not inherit them. */
	__asan_unpoison_memory_region(f->stack.base, f->stack.size);
#endif
	s->stacks--;
	f->state = TERN_FIBER_JOINED;
	if (s->cached_stacks >= TERN_SCHED_STACK_CACHE) {
		tern_stack_free(&f->stack);
		return;
	}
	c = (struct cached_stack *)((top - sizeof(*c)) & ~(uintptr_t)15);
	c->stack = f->stack;
	c->request = f->stack_request;
	tern_list_add(&s->stack_cache, &c->link);
	s->cached_stacks++;
}

void tern_sched_fini(struct tern_sched *s)
{
	struct tern_list *node;

	while ((node = tern_list_pop(&s->stack_cache))) {
		struct cached_stack *c =
			tern_list_entry(node, struct cached_stack, link);
		struct tern_stack stack = c->stack;

		tern_stack_free(&stack);
		s->cached_stacks--;
	}
}

/* ---- life cycle ------------------------------------------------------------ */

/* The sleep and wait-timeout timer of a fiber. */
static void fiber_timer_fired(struct tern_timer *t, uint64_t now)
{
	struct tern_fiber *f = t->ctx;

	(void)now;
	if (f->state != TERN_FIBER_BLOCKED)
		return;
	if (tern_list_linked(&f->link))
		tern_list_del_init(&f->link); /* off its wait queue */
	f->wait_result = -TERN_ETIMEDOUT;
	tern_sched_make_ready(f->sched, f);
}

static void finish(struct tern_sched *s);

/* The first function of every fiber (through tern_ctx_trampoline). It ends
 * in finish() and tern_abort() rather than tern_fiber_exit(): a call to a
 * _Noreturn function as a function's last instruction leaves a return
 * address past the function's end, which perf cannot name, and every
 * sample of a fiber's exit would show "[unknown]" above the trampoline. */
static _Noreturn void fiber_main(void *arg)
{
	struct tern_fiber *f = arg;

	arrived(f->sched, f);
	f->fn(f->arg);
	finish(f->sched);
	tern_abort(); /* not reached */
}

int tern_fiber_spawn(struct tern_sched *s, struct tern_fiber *f,
		     const char *name, void (*fn)(void *arg), void *arg,
		     size_t stack_size)
{
	TERN_ASSERT(fn);
	memset(f, 0, sizeof(*f));
	if (stack_size == 0)
		stack_size = TERN_FIBER_STACK_DEFAULT;
	if (stack_size < STACK_MIN)
		stack_size = STACK_MIN;
	if (stack_get(s, &f->stack, stack_size) < 0)
		return -TERN_ENOMEM;
	TERN_ASSERT(*(const uint64_t *)f->stack.base == TERN_STACK_CANARY);
	TERN_ASSERT(f->stack.size >= stack_size);
	f->stack_request = stack_size;
	s->stacks++;
	f->sched = s;
	f->fn = fn;
	f->arg = arg;
	f->name = name ? name : "fiber";
	tern_list_init(&f->link);
	tern_timer_init(&f->timer, fiber_timer_fired, f);
	tern_waitq_init(&f->joiners);
	tern_ctx_init(&f->ctx, f->stack.base, f->stack.size, fiber_main, f);
	s->live++;
	tern_sched_make_ready(s, f);
	return 0;
}

/* Ends the running fiber: wakes its joiners and switches away for good
 * (returns only if something switched back to a done fiber, which never
 * happens). */
static void finish(struct tern_sched *s)
{
	struct tern_fiber *self = s->current;

	TERN_ASSERT(self);
	tern_timer_cancel(&s->wheel, &self->timer);
	self->state = TERN_FIBER_DONE;
	s->live--;
	tern_waitq_wake_all(s, &self->joiners);
	if (self->detached)
		tern_list_add_tail(&s->zombies, &self->link);
	switch_away(s, self, true);
}

void tern_fiber_exit(struct tern_sched *s)
{
	finish(s);
	tern_abort(); /* not reached: nobody switches back to a done fiber */
}

void tern_sched_reap(struct tern_sched *s)
{
	struct tern_list *node;

	while ((node = tern_list_pop(&s->zombies)))
		release_stack(s,
			      tern_list_entry(node, struct tern_fiber, link));
}

void tern_fiber_detach(struct tern_fiber *f)
{
	struct tern_sched *s = f->sched;

	if (f->detached || f->state == TERN_FIBER_NEW ||
	    f->state == TERN_FIBER_JOINED)
		return;
	f->detached = true;
	if (f->state == TERN_FIBER_DONE)
		release_stack(s, f);
	else
		tern_waitq_wake_all(s, &f->joiners);
}

int tern_fiber_join(struct tern_sched *s, struct tern_fiber *f)
{
	struct tern_fiber *self = s->current;

	if (f == self || f->detached || f->state == TERN_FIBER_NEW ||
	    f->state == TERN_FIBER_JOINED)
		return -TERN_EINVAL;
	while (f->state != TERN_FIBER_DONE) {
		if (!self)
			return -TERN_EAGAIN;
		tern_waitq_wait(s, &f->joiners, TERN_NO_DEADLINE);
		/* Another joiner may have been first, or f was detached. */
		if (f->detached || f->state == TERN_FIBER_JOINED)
			return -TERN_EINVAL;
	}
	release_stack(s, f);
	return 0;
}

void tern_fiber_yield(struct tern_sched *s)
{
	struct tern_fiber *self = s->current;

	TERN_ASSERT(self);
	tern_sched_make_ready(s, self);
	switch_away(s, self, false);
}

int tern_sleep_until(struct tern_sched *s, uint64_t deadline)
{
	struct tern_fiber *self = s->current;

	TERN_ASSERT(self);
	tern_timer_arm(&s->wheel, &self->timer, deadline);
	tern_sched_block(s);
	return 0;
}

int tern_sleep(struct tern_sched *s, uint64_t ns)
{
	uint64_t now = tern_clock_monotonic();
	uint64_t deadline = ns > TERN_NO_DEADLINE - now ? TERN_NO_DEADLINE
							: now + ns;

	return tern_sleep_until(s, deadline);
}
