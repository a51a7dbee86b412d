/*
 * sched.h - cooperative fibers, wait queues and the event loop.
 *
 * Single core, no locks: a fiber runs until it blocks (sleep, a wait queue,
 * join) or yields. The event loop (tern_sched_run) runs every ready fiber,
 * calls the pollers (device drivers: the network stack pulling frames, the
 * block cache reaping completions), fires due timers, and when nothing is
 * ready asks the wheel for the next deadline and calls the platform's
 * tern_wait(deadline).
 *
 * The context switch is hand-written x86_64 assembly: callee-saved
 * registers, the stack pointer, MXCSR and the x87 control word. Fibers are
 * annotated for AddressSanitizer (fiber-switch hooks) and Valgrind (stack
 * registration in tern_stack_alloc). A stack overflow is caught by a guard
 * page (hosted) or by the canary at the bottom of the stack, checked at
 * every switch (both worlds).
 *
 * Memory: struct tern_fiber is the caller's (embedded or static); stacks come
 * from tern_stack_alloc() at spawn and are released at join (or at exit for
 * detached fibers). Nothing else allocates.
 *
 * All functions take the scheduler explicitly; blocking functions must be
 * called from a fiber (not from the loop, a poller or a timer callback).
 */
#ifndef TERN_SCHED_H
#define TERN_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/dev.h"
#include "tern/list.h"
#include "tern/timer.h"

#define TERN_FIBER_STACK_DEFAULT (64u * 1024u)

enum tern_fiber_state {
	TERN_FIBER_NEW,      /* initialised, never ran */
	TERN_FIBER_READY,    /* on the run queue */
	TERN_FIBER_RUNNING,
	TERN_FIBER_BLOCKED,  /* sleeping or on a wait queue */
	TERN_FIBER_DONE,     /* returned or exited; not yet joined */
	TERN_FIBER_JOINED,   /* joined; its stack is released */
};

struct tern_sched;

/* Saved machine state of a suspended fiber (private). */
struct tern_context {
	void *sp;
};

struct tern_waitq {
	struct tern_list waiters; /* private */
};

struct tern_fiber {
	/* private */
	struct tern_list link;         /* run queue or wait queue */
	struct tern_context ctx;
	struct tern_stack stack;
	struct tern_sched *sched;
	void (*fn)(void *arg);
	void *arg;
	const char *name;
	enum tern_fiber_state state;
	bool detached;
	int wait_result;               /* 0 or -TERN_ETIMEDOUT */
	struct tern_timer timer;       /* sleep and wait timeouts */
	struct tern_waitq joiners;
	void *asan_fake_stack;         /* ASan fiber-switch bookkeeping */
};

/* Polled by the event loop on every turn (device drivers). Returns the
 * amount of work done (> 0 if it made progress: frames received, fibers
 * woken), 0 if idle. next_deadline, if set, tells the loop when the poller
 * wants to be called at the latest (TERN_NO_DEADLINE: only when woken). */
struct tern_poller {
	struct tern_list link; /* private */
	int (*poll)(struct tern_poller *p, uint64_t now);
	uint64_t (*next_deadline)(struct tern_poller *p);
	void *ctx;
};

struct tern_sched {
	/* private */
	struct tern_wheel wheel;       /* the image's one timing wheel */
	struct tern_list ready;
	struct tern_list pollers;
	struct tern_fiber *current;    /* NULL while the loop itself runs */
	struct tern_context loop_ctx;
	void *loop_asan_stack_bottom;
	size_t loop_asan_stack_size;
	unsigned live;                 /* fibers spawned and not yet done */
	uint64_t now;                  /* monotonic time of this loop turn */
	uint64_t switches;
	bool stopping;
};

/* Initialises s; its clock starts at tern_clock_monotonic(). */
TERN_API void tern_sched_init(struct tern_sched *s);

/* The wheel of s: arm timers here; the loop fires them. */
static inline struct tern_wheel *tern_sched_wheel(struct tern_sched *s)
{
	return &s->wheel;
}

/* The monotonic time the loop last read (cheap; no clock call). */
static inline uint64_t tern_sched_now(const struct tern_sched *s)
{
	return s->now;
}

/* The fiber running now, or NULL in the loop, a poller or a timer. */
static inline struct tern_fiber *tern_fiber_current(const struct tern_sched *s)
{
	return s->current;
}

/* Creates a fiber running fn(arg) with stack_size bytes of stack (0 for
 * TERN_FIBER_STACK_DEFAULT) and puts it on the run queue. f is the caller's
 * memory and must stay valid until the fiber is joined (or, if detached,
 * until it is done). name is kept as a pointer. Returns 0 or -TERN_ENOMEM.
 * May be called from anywhere, including before tern_sched_run. */
TERN_API int tern_fiber_spawn(struct tern_sched *s, struct tern_fiber *f,
			      const char *name, void (*fn)(void *arg),
			      void *arg, size_t stack_size);

/* Marks f detached: its stack is released when it is done and it cannot be
 * joined. */
TERN_API void tern_fiber_detach(struct tern_fiber *f);

/* Puts the current fiber at the back of the run queue and runs others. */
TERN_API void tern_fiber_yield(struct tern_sched *s);

/* Ends the current fiber (returning from its function does the same). */
TERN_API _Noreturn void tern_fiber_exit(struct tern_sched *s);

/* Waits until f is done, then releases its stack. Returns 0 at once if f is
 * already done; -TERN_EINVAL if f is the caller, detached or already joined. */
TERN_API int tern_fiber_join(struct tern_sched *s, struct tern_fiber *f);

/* Blocks the current fiber until the monotonic time reaches deadline (at
 * once if it has passed). Returns 0. */
TERN_API int tern_sleep_until(struct tern_sched *s, uint64_t deadline);

/* Blocks the current fiber for ns nanoseconds. Returns 0. */
TERN_API int tern_sleep(struct tern_sched *s, uint64_t ns);

TERN_API void tern_waitq_init(struct tern_waitq *q);

/* Blocks the current fiber on q until woken or until deadline
 * (TERN_NO_DEADLINE: no timeout). Returns 0 if woken, -TERN_ETIMEDOUT if the
 * deadline came first. A wake-up and a timeout due in the same loop turn
 * resolve to whichever the loop processes first; the result always says
 * which one happened, and the fiber is off the queue either way. */
TERN_API int tern_waitq_wait(struct tern_sched *s, struct tern_waitq *q,
			     uint64_t deadline);

/* Makes the longest-waiting fiber on q ready. Returns true if there was one.
 * May be called from anywhere (fibers, pollers, timer callbacks, device
 * completions). */
TERN_API bool tern_waitq_wake_one(struct tern_sched *s, struct tern_waitq *q);

/* Makes every fiber on q ready, in waiting order. Returns how many. */
TERN_API unsigned tern_waitq_wake_all(struct tern_sched *s,
				      struct tern_waitq *q);

/* True if no fiber waits on q. */
static inline bool tern_waitq_empty(const struct tern_waitq *q)
{
	return tern_list_empty(&q->waiters);
}

/* Registers a poller (its poll must be set; next_deadline may be NULL). */
TERN_API void tern_sched_add_poller(struct tern_sched *s, struct tern_poller *p);
TERN_API void tern_sched_remove_poller(struct tern_sched *s,
				       struct tern_poller *p);

/* Runs the event loop until every fiber is done (returns 0), a stop was
 * requested with tern_sched_stop() or by the platform (returns
 * -TERN_ECANCELED), or nothing can ever wake a blocked fiber (returns
 * -TERN_EDEADLK). Must be called from outside any fiber. Can be called
 * again after it returns. */
TERN_API int tern_sched_run(struct tern_sched *s);

/* Makes tern_sched_run return at the end of the current loop turn. */
TERN_API void tern_sched_stop(struct tern_sched *s);

#endif
