/*
 * timer.h - the system's hierarchical timing wheel.
 *
 * One wheel serves the whole image: fiber sleeps and wait timeouts, TCP's
 * retransmit, delayed-ACK, persist, keepalive and TIME_WAIT timers, ARP and
 * DHCP timers. Timers are intrusive (struct tern_timer lives inside its
 * owner), so arming never allocates.
 *
 * Costs: arm, cancel and re-arm are O(1). tern_wheel_expire() is O(number
 * of timers that fire or move down a level) plus O(levels) per call;
 * tern_wheel_next() is O(levels) plus the length of one slot.
 *
 * Semantics: a timer armed for deadline D fires in the first
 * tern_wheel_expire(w, now) call with now >= D - never earlier, and exactly
 * at D if the caller calls expire at tern_wheel_next(). Deadlines in the past
 * or at the current time fire at the next expire call. Timers that fire in
 * the same call fire in deadline order (ties in arming order).
 */
#ifndef TERN_TIMER_H
#define TERN_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/list.h"

struct tern_timer;

/* Called when the timer fires, with the time passed to tern_wheel_expire.
 * The timer is disarmed before the call; the callback may re-arm it, arm or
 * cancel other timers, and free the memory of the timer itself. */
typedef void (*tern_timer_fn)(struct tern_timer *timer, uint64_t now);

struct tern_timer {
	struct tern_list link; /* private: slot list */
	uint64_t expires;      /* private: absolute deadline, ns */
	tern_timer_fn fn;
	void *ctx;             /* for the owner; the wheel never touches it */
};

#define TERN_WHEEL_LEVELS 11     /* 11 x 6 bits covers 2^64 ticks */
#define TERN_WHEEL_SLOT_BITS 6
#define TERN_WHEEL_SLOTS (1u << TERN_WHEEL_SLOT_BITS)

struct tern_wheel {
	/* private */
	uint64_t now;                      /* time of the last expire */
	unsigned tick_shift;               /* tick = 2^tick_shift ns */
	uint64_t armed;                    /* number of armed timers */
	uint64_t occupied[TERN_WHEEL_LEVELS]; /* bit per non-empty slot */
	struct tern_list slots[TERN_WHEEL_LEVELS][TERN_WHEEL_SLOTS];
};

/* Initialises an empty wheel whose current time is now. tick_shift sets
 * the resolution of the lowest level (2^tick_shift ns; 0 is exact
 * nanoseconds, 10 is about a microsecond); deadlines stay exact at any
 * resolution, the shift only trades cascading work against slot scans. */
TERN_API void tern_wheel_init(struct tern_wheel *w, uint64_t now,
			      unsigned tick_shift);

/* Prepares a timer (unarmed) with its callback and owner context. */
TERN_API void tern_timer_init(struct tern_timer *t, tern_timer_fn fn,
			      void *ctx);

/* Arms t to fire at deadline (absolute ns). If t is armed it is moved. */
TERN_API void tern_timer_arm(struct tern_wheel *w, struct tern_timer *t,
			     uint64_t deadline);

/* Disarms t; a no-op if it is not armed. */
TERN_API void tern_timer_cancel(struct tern_wheel *w, struct tern_timer *t);

/* True if t is armed. */
static inline bool tern_timer_armed(const struct tern_timer *t)
{
	return tern_list_linked(&t->link);
}

/* The deadline t is armed for (meaningless if it is not armed). */
static inline uint64_t tern_timer_deadline(const struct tern_timer *t)
{
	return t->expires;
}

/* Advances the wheel to now (never backwards) and fires every timer whose
 * deadline is <= now. Returns the number fired. */
TERN_API unsigned tern_wheel_expire(struct tern_wheel *w, uint64_t now);

/* A time at which the caller should next call tern_wheel_expire: never
 * later than the earliest armed deadline, and equal to it whenever that
 * timer is in the lowest level; TERN_NO_DEADLINE if nothing is armed. */
TERN_API uint64_t tern_wheel_next(const struct tern_wheel *w);

/* Number of armed timers. */
static inline uint64_t tern_wheel_armed(const struct tern_wheel *w)
{
	return w->armed;
}

#endif
