/*
 * sched.h - cooperative fibers, wait queues and the event loop.
 *
 * Single core, no locks: a fiber runs until it blocks (sleep, a wait queue,
 * join) or yields. One turn of the event loop (tern_sched_run):
 *
 *   1. runs every fiber that was ready when the turn began, once, in the
 *      order they became ready (fibers made ready during the turn - woken,
 *      spawned, yielding - run in the next turn, so nobody starves the
 *      pollers); a fiber that blocks or yields switches straight to the
 *      next one, the last one switches back to the loop;
 *   2. reads the monotonic clock (tern_sched_now);
 *   3. calls every poller (device drivers: the network stack pulling frames,
 *      the block cache reaping completions);
 *   4. fires the due timers of the wheel (sleeps, wait timeouts, TCP...);
 *   5. ends the loop if every fiber is done (0) or a stop was requested
 *      (-TERN_ECANCELED);
 *   6. if no fiber is ready and no poller made progress, calls the
 *      platform's tern_wait(min(wheel next, pollers' next_deadline)); if
 *      that says nothing can ever wake the loop, returns -TERN_EDEADLK.
 *
 * Under the hosted virtual clock tern_wait jumps the clock to the deadline,
 * so a fiber sleeping until D runs with tern_sched_now() == D, and a run is
 * a deterministic function of its inputs.
 *
 * The context switch is hand-written x86_64 assembly: callee-saved
 * registers, the stack pointer, MXCSR and the x87 control word. Fibers are
 * annotated for AddressSanitizer (fiber-switch hooks) and Valgrind (stack
 * registration in tern_stack_alloc). A stack overflow is caught by a guard
 * page (hosted: "fiber stack overflow" and abort) or by the canary at the
 * bottom of the stack, checked for both fibers at every switch (both
 * worlds: a message naming the fiber, then tern_abort()).
 *
 * Memory: struct tern_fiber is the caller's (embedded or static); stacks come
 * from tern_stack_alloc() at spawn and are released at join (or, for
 * detached fibers, by the loop once they are done). Released stacks are kept
 * for reuse, up to TERN_SCHED_STACK_CACHE of them, so spawning a fiber
 * per connection costs no system call (measured: an mmap'ed, guarded
 * stack costs tens of microseconds hosted); tern_sched_fini() hands them
 * back to the platform. Nothing else allocates.
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
#define TERN_SCHED_STACK_CACHE 16 /* released stacks kept for reuse */

/* The wheel's tick: 2^10 ns. Deadlines stay exact to the nanosecond at any
 * tick; coarser ticks mean fewer levels for a timer to cascade through
 * (measured: expiry 35-40% cheaper than with 1-ns ticks), at the price of
 * scanning the timers that share a microsecond. */
#define TERN_SCHED_TICK_SHIFT 10

enum tern_fiber_state {
	TERN_FIBER_NEW,	  /* zeroed memory, never spawned */
	TERN_FIBER_READY, /* on the run queue */
	TERN_FIBER_RUNNING,
	TERN_FIBER_BLOCKED, /* sleeping or on a wait queue */
	TERN_FIBER_DONE,    /* returned or exited; not yet joined */
	TERN_FIBER_JOINED,  /* joined; its stack is released */
};

struct tern_sched;

/* Saved machine state of a suspended fiber (private): its stack pointer;
 * the registers are on its stack. */
struct tern_context {
	void *sp;
};

struct tern_waitq {
	struct tern_list waiters; /* private */
};

struct tern_fiber {
	/* private */
	struct tern_list link; /* run queue or wait queue */
	struct tern_context ctx;
	struct tern_stack stack;
	size_t stack_request; /* the size spawn asked for */
	struct tern_sched *sched;
	void (*fn)(void *arg);
	void *arg;
	const char *name;
	enum tern_fiber_state state;
	bool detached;
	int wait_result;	 /* 0 or -TERN_ETIMEDOUT */
	struct tern_timer timer; /* sleep and wait timeouts */
	struct tern_waitq joiners;
	void *asan_fake_stack; /* ASan fiber-switch bookkeeping */
};

/* The state of f (see enum tern_fiber_state). */
static inline enum tern_fiber_state tern_fiber_state(const struct tern_fiber *f)
{
	return f->state;
}

/* The name f was spawned with. */
static inline const char *tern_fiber_name(const struct tern_fiber *f)
{
	return f->name;
}

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
	struct tern_wheel wheel; /* the image's one timing wheel */
	struct tern_list ready;	 /* run in the next turn */
	struct tern_list batch;	 /* still to run in this turn */
	struct tern_list pollers;
	struct tern_list *poll_next;  /* poller iteration cursor */
	struct tern_list zombies;     /* detached and done: stacks to free */
	struct tern_list stack_cache; /* released stacks kept for reuse */
	unsigned cached_stacks;
	struct tern_fiber *current; /* NULL while the loop itself runs */
	struct tern_context loop_ctx;
	void *loop_asan_fake_stack;
	const void *loop_asan_stack_bottom;
	size_t loop_asan_stack_size;
	bool asan_from_loop; /* the last switch left the loop */
	unsigned live;	     /* fibers spawned and not yet done */
	unsigned stacks;     /* stacks held by fibers (not cached) */
	uint64_t now;	     /* monotonic time of this loop turn */
	uint64_t switches;   /* context switches so far */
	uint64_t turns;	     /* loop turns so far */
	bool running;	     /* inside tern_sched_run */
	bool stopping;
};

/* Initialises s; its clock (and its wheel's) starts at
 * tern_clock_monotonic(). The wheel ticks are 2^TERN_SCHED_TICK_SHIFT ns. */
TERN_API void tern_sched_init(struct tern_sched *s);

/* Frees the stacks s keeps for reuse. Stacks of fibers not yet joined (or
 * reaped) are not touched. s stays usable. */
TERN_API void tern_sched_fini(struct tern_sched *s);

/* Fibers spawned and not yet done. */
static inline unsigned tern_sched_live(const struct tern_sched *s)
{
	return s->live;
}

/* Fiber stacks held: spawned fibers not yet joined (or, if detached, not yet
 * reaped by the loop). Zero once every fiber is joined or reaped: tests
 * check it in their teardown. */
static inline unsigned tern_sched_stacks(const struct tern_sched *s)
{
	return s->stacks;
}

/* Context switches so far (statistics). */
static inline uint64_t tern_sched_switches(const struct tern_sched *s)
{
	return s->switches;
}

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

/* Creates a fiber running fn(arg) with at least stack_size bytes of stack
 * (0 for TERN_FIBER_STACK_DEFAULT) and puts it on the run queue; it first
 * runs in the next loop turn, with the spawner's MXCSR and x87 control word.
 * f is the caller's memory (its previous contents are ignored) and must
 * stay valid until the fiber is joined (or, if detached, until the loop
 * reaped it: tern_sched_stacks). name is kept as a pointer. Returns 0 or
 * -TERN_ENOMEM (no stack). May be called from anywhere, including before
 * tern_sched_run. */
TERN_API int tern_fiber_spawn(struct tern_sched *s, struct tern_fiber *f,
			      const char *name, void (*fn)(void *arg),
			      void *arg, size_t stack_size);

/* Marks f detached: its stack is released when it is done (by the loop, at
 * the end of that turn; at once if it is done already) and it cannot be
 * joined. Fibers waiting to join it return -TERN_EINVAL. */
TERN_API void tern_fiber_detach(struct tern_fiber *f);

/* Puts the current fiber at the back of the run queue: it runs again in the
 * next loop turn, after the fibers already ready. */
TERN_API void tern_fiber_yield(struct tern_sched *s);

/* Ends the current fiber (returning from its function does the same) and
 * wakes the fibers joining it. */
TERN_API _Noreturn void tern_fiber_exit(struct tern_sched *s);

/* Waits until f is done, then releases its stack (state JOINED; f's memory
 * is the caller's again). Returns 0 (at once if f is already done);
 * -TERN_EINVAL if f is the caller, detached (also if detached while we
 * wait), already joined or never spawned; -TERN_EAGAIN if called outside a
 * fiber (from the loop's caller, a poller or a timer) while f is not done
 * yet. */
TERN_API int tern_fiber_join(struct tern_sched *s, struct tern_fiber *f);

/* Blocks the current fiber until the monotonic time reaches deadline; it
 * runs again in the loop turn whose time is >= deadline (exactly deadline
 * under the virtual clock). A deadline that has passed still waits for the
 * next turn, so a sleep(0) loop never starves other fibers;
 * TERN_NO_DEADLINE sleeps forever. Returns 0. */
TERN_API int tern_sleep_until(struct tern_sched *s, uint64_t deadline);

/* tern_sleep_until(tern_clock_monotonic() + ns), saturating. Returns 0. */
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

/* Registers a poller (its poll must be set; next_deadline may be NULL);
 * pollers are called in the order they were added. */
TERN_API void tern_sched_add_poller(struct tern_sched *s,
				    struct tern_poller *p);

/* Unregisters p; a no-op if it is not registered. May be called from any
 * poll callback, for any poller. */
TERN_API void tern_sched_remove_poller(struct tern_sched *s,
				       struct tern_poller *p);

/* Runs the event loop until every fiber is done (returns 0), a stop was
 * requested with tern_sched_stop() or by the platform (returns
 * -TERN_ECANCELED), or nothing can ever wake a blocked fiber (returns
 * -TERN_EDEADLK; another negative code tern_wait returned is passed on).
 * Must be called from outside any fiber. Can be called again after it
 * returns: the fibers, timers and pollers are where it left them. */
TERN_API int tern_sched_run(struct tern_sched *s);

/* Makes tern_sched_run return -TERN_ECANCELED at the end of the current
 * loop turn (called before tern_sched_run: at the end of its first turn). */
TERN_API void tern_sched_stop(struct tern_sched *s);

#endif
