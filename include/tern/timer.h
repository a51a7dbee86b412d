/*
 * timer.h - the system's hierarchical timing wheel.
 *
 * One wheel serves the whole image: fiber sleeps and wait timeouts, TCP's
 * retransmit, delayed-ACK, persist, keepalive and TIME_WAIT timers, ARP and
 * DHCP timers. Timers are intrusive (struct tern_timer lives inside its
 * owner), so arming never allocates.
 *
 * Layout: TERN_WHEEL_LEVELS levels of TERN_WHEEL_SLOTS slots. A tick is
 * 2^tick_shift ns. A timer due in tick E sits at the level of the highest
 * 6-bit digit in which E differs from the current tick, in the slot named
 * by E's digit there; so every timer of level k is later than every timer
 * of level k-1, and the first occupied slot of the lowest occupied level
 * holds the earliest timer (one bit scan per level finds it). When time
 * enters a slot of level k >= 1, its timers move down ("cascade"); a timer
 * moves at most once per level on its way to level 0. Deadlines are kept in
 * full, so firing is exact at any tick size.
 *
 * Costs: arm, cancel and re-arm are O(1) (a bit scan and a list link).
 * tern_wheel_expire() is O(levels) per call plus O(1) per timer that fires or
 * cascades, plus sorting the timers that fire in the same tick;
 * tern_wheel_next() is O(levels) plus a scan of at most TERN_WHEEL_SCAN
 * timers (with tick_shift > 0: of the level-0 slot it looks at).
 *
 * Tunables:
 *   TERN_WHEEL_SLOT_BITS  6   64 slots per level: one uint64_t bitmap each
 *   TERN_WHEEL_LEVELS     11  11 x 6 bits cover every 64-bit tick
 *   TERN_WHEEL_SCAN       16  slot length up to which next() is exact at
 *                             levels >= 1
 *   tick_shift            -   per wheel; the scheduler's is 10 (1.024 us)
 *
 * Semantics: a timer armed for deadline D fires in the first
 * tern_wheel_expire(w, now) call with now >= D: never earlier, and exactly
 * at D if the caller expires at the times tern_wheel_next() returns.
 * Deadlines in the past or at the current time fire at the next expire
 * call. The timers one expire call fires run in deadline order; ties fire in
 * arming order (the last arm of each timer counts). A call behaves as if
 * time advanced from deadline to deadline: a callback may arm a timer for a
 * later deadline up to now and it fires in the same call, in order; a timer
 * armed by a callback for the current tick or earlier fires at the next
 * deadline step of the same call, or at the next call if there is none.
 */
#ifndef TERN_TIMER_H
#define TERN_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/list.h"

struct tern_timer;

/* Called when the timer fires, with the now passed to tern_wheel_expire.
 * The timer is disarmed before the call (tern_timer_deadline still gives
 * the deadline it fired for, so a periodic timer re-arms at deadline +
 * period); the callback may re-arm it, arm or cancel other timers, and free
 * the memory of the timer itself. It must not call tern_wheel_expire. */
typedef void (*tern_timer_fn)(struct tern_timer *timer, uint64_t now);

struct tern_timer {
	struct tern_list link; /* private: slot list */
	uint64_t expires;      /* private: absolute deadline, ns */
	uint64_t seq;	       /* private: arming order, for ties */
	tern_timer_fn fn;
	void *ctx; /* for the owner; the wheel never touches it */
};

#define TERN_WHEEL_SLOT_BITS 6
#define TERN_WHEEL_SLOTS (1u << TERN_WHEEL_SLOT_BITS)
#define TERN_WHEEL_LEVELS 11 /* 11 x 6 bits covers 2^64 ticks */
#define TERN_WHEEL_SCAN 16

struct tern_wheel {
	/* private */
	uint64_t now;			      /* time of the last expire */
	unsigned tick_shift;		      /* tick = 2^tick_shift ns */
	bool expiring;			      /* inside tern_wheel_expire */
	uint64_t armed;			      /* number of armed timers */
	uint64_t seq;			      /* arms so far */
	uint64_t cascaded;		      /* timers moved down a level */
	uint64_t occupied[TERN_WHEEL_LEVELS]; /* bit per non-empty slot */
	struct tern_list slots[TERN_WHEEL_LEVELS][TERN_WHEEL_SLOTS];
};

/* Initialises an empty wheel whose current time is now. tick_shift (0..63)
 * sets the resolution of the lowest level (2^tick_shift ns; 0 is exact
 * nanoseconds). Deadlines stay exact at any resolution; a larger shift means
 * fewer cascades for far timers but more timers per level-0 slot, which
 * tern_wheel_next() scans. The wheel holds no pointers to outside memory,
 * but it does point into itself: do not copy or move it once timers are
 * armed. */
TERN_API void tern_wheel_init(struct tern_wheel *w, uint64_t now,
			      unsigned tick_shift);

/* Prepares a timer (unarmed) with its callback and owner context. */
TERN_API void tern_timer_init(struct tern_timer *t, tern_timer_fn fn,
			      void *ctx);

/* Arms t to fire at deadline (absolute ns). If t is armed it is moved (and
 * counts as armed now for ties). A deadline of TERN_NO_DEADLINE disarms t:
 * a timer that can never fire is not armed. O(1). */
TERN_API void tern_timer_arm(struct tern_wheel *w, struct tern_timer *t,
			     uint64_t deadline);

/* Disarms t; a no-op if it is not armed. O(1). */
TERN_API void tern_timer_cancel(struct tern_wheel *w, struct tern_timer *t);

/* True if t is armed. */
static inline bool tern_timer_armed(const struct tern_timer *t)
{
	return tern_list_linked(&t->link);
}

/* The deadline t was last armed for (TERN_NO_DEADLINE if never). */
static inline uint64_t tern_timer_deadline(const struct tern_timer *t)
{
	return t->expires;
}

/* Advances the wheel to now (a now earlier than the wheel's time counts as
 * the wheel's time: time never goes back) and fires every timer whose
 * deadline is <= now, in deadline order. Returns the number fired. Must not
 * be called from a timer callback. */
TERN_API unsigned tern_wheel_expire(struct tern_wheel *w, uint64_t now);

/* When the caller should next call tern_wheel_expire: TERN_NO_DEADLINE if
 * nothing is armed; a time no later than the wheel's time if a timer is
 * already due; otherwise a time no later than the earliest armed deadline.
 * It is that deadline exactly unless the earliest timer waits in
 * a slot of a higher level that holds more than TERN_WHEEL_SCAN timers; then
 * it is the start of that slot, where expire moves them down, and the next
 * call returns a later time. Expiring at the times this returns fires every
 * timer exactly at its deadline, with at most TERN_WHEEL_LEVELS - 1 such
 * intermediate steps. */
TERN_API uint64_t tern_wheel_next(const struct tern_wheel *w);

/* The wheel's current time: the now of the last expire (or of init). */
static inline uint64_t tern_wheel_now(const struct tern_wheel *w)
{
	return w->now;
}

/* Number of armed timers. */
static inline uint64_t tern_wheel_armed(const struct tern_wheel *w)
{
	return w->armed;
}

/* Checks the wheel's internal invariants: every armed timer in the slot its
 * deadline names, the occupancy bitmaps and the armed count consistent.
 * Returns 0 or -TERN_EINVAL. O(armed); for tests and fuzzers. */
TERN_API int tern_wheel_verify(const struct tern_wheel *w);

#endif
