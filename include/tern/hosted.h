/*
 * hosted.h - the Linux platform's own controls: the clock source, and the
 * wake sources that tern_wait() sleeps on.
 *
 * Only hosted code (the runner, hosted devices, tests, benchmarks) includes
 * this. Components never do.
 */
#ifndef TERN_HOSTED_H
#define TERN_HOSTED_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/dev.h"
#include "tern/list.h"

/* ---- Memory -------------------------------------------------------------
 * tern_mem_alloc maps fresh pages and tern_mem_free unmaps them. A process
 * that builds and drops stacks or caches in a loop (a fuzz target: one per
 * input) spends most of its time in those system calls. */

/* From now on tern_mem_free keeps up to max freed mappings (at most 64)
 * instead of unmapping them, and tern_mem_alloc hands a kept one of the
 * same page-rounded size back, zeroed (tern_mem_alloc_buffers as it was
 * left, undefined to Valgrind). Kept mappings are poisoned for ASan
 * and Valgrind, so a use after free is still caught. 0 (the default)
 * unmaps at once. */
TERN_API void tern_hosted_mem_reuse(unsigned max);

/* ---- Clock --------------------------------------------------------------
 * The real clock is CLOCK_MONOTONIC / CLOCK_REALTIME. The virtual clock
 * starts at a given time and moves only when tern_hosted_clock_set/advance
 * is called or tern_wait() jumps it to the next deadline; everything driven
 * by it is deterministic. The default is the real clock. */

/* Switches to the virtual clock, starting at start_ns (monotonic); the wall
 * clock reads 1,700,000,000 s plus the same offset. */
TERN_API void tern_hosted_clock_use_virtual(uint64_t start_ns);

/* Switches back to the real clock. */
TERN_API void tern_hosted_clock_use_real(void);

/* True while the virtual clock is in use. */
TERN_API bool tern_hosted_clock_is_virtual(void);

/* Moves the virtual clock to t (ignored if t is earlier than now: the clock
 * never goes back). Asserts the virtual clock is in use. */
TERN_API void tern_hosted_clock_set(uint64_t t);

/* Moves the virtual clock forward by ns. */
TERN_API void tern_hosted_clock_advance(uint64_t ns);

/* ---- Wake sources -------------------------------------------------------
 * Hosted devices register a waker so that tern_wait() returns when they may
 * have work: a file descriptor to poll (TAP, sockets), and/or a function
 * giving the time at which the device next has work (memlink frames in
 * flight, pcap replay timestamps). */

struct tern_waker {
	struct tern_list link; /* private */
	int fd;		       /* polled for readability; -1 for none */
	/* Earliest monotonic time at which the device has work: <= now means
	 * "now", TERN_NO_DEADLINE means "nothing pending". May be NULL. */
	uint64_t (*next)(struct tern_waker *w);
	/* Set while the device's consumer has no receive buffers
	 * (tern_netdev_ops.rx_pause): tern_wait() then ignores fd and next. */
	bool paused;
};

/* Registers w (its fd and next must be set). w must stay valid until
 * removed. */
TERN_API void tern_hosted_waker_add(struct tern_waker *w);

/* Unregisters w; a no-op if it is not registered. */
TERN_API void tern_hosted_waker_remove(struct tern_waker *w);

/* ---- Stop ---------------------------------------------------------------*/

/* Installs SIGINT/SIGTERM handlers that make tern_stop_requested() true. */
TERN_API void tern_hosted_handle_signals(void);

/* Sets or clears the stop request (tests). */
TERN_API void tern_hosted_request_stop(bool stop);

#endif
