/*
 * prof/main.c - a guest image that spins in one known function,
 * profspin_work, for --ms milliseconds and reports the work it did: the
 * profiler's test boots it with --profile and checks that the samples name
 * that function, and bench/guest/prof_cost.py boots it with and without
 * --profile to measure what sampling costs.
 *
 * Each unit of work is a fixed number of multiply-add steps; after each
 * the loop calls tern_wait(0), as an event loop would between events, so
 * the profiler's ring is flushed the way it is in an app.
 *
 * --end abort|fault ends the run with tern_abort() or a page fault instead
 * of returning, for the test that a run which dies still leaves its whole
 * profile behind.
 */
#include <string.h>

#include "tern/app.h"
#include "tern/dev.h"
#include "tern/log.h"

#define STEPS_PER_UNIT 20000

enum { F_MS, F_END };

static const struct tern_flag flags[] = {
	[F_MS] = { "ms", TERN_FLAG_U64, "MS", "milliseconds to spin (500)" },
	[F_END] = { "end", TERN_FLAG_STRING, "HOW",
		    "return (default), abort or fault at the end" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

/* One unit of work: STEPS_PER_UNIT steps of a linear congruential
 * generator from seed; returns the last value (so none is optimised out).
 * Never inlined, so that every sample of it names it. */
__attribute__((noinline)) uint64_t profspin_work(uint64_t seed);

uint64_t profspin_work(uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < STEPS_PER_UNIT; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/* Ends the run as --end says: 0 (return), tern_abort(), or a write to
 * an unmapped page (a fatal page fault); 2 for anything else. */
static int profspin_end(const char *how)
{
	if (!how || strcmp(how, "return") == 0)
		return 0;
	if (strcmp(how, "abort") == 0)
		tern_abort();
	if (strcmp(how, "fault") == 0) {
		/* Far above any RAM QEMU gives the guest: not mapped. */
		*(volatile uint64_t *)(uintptr_t)0x7f0000000000ull = 1;
	}
	tern_log_error("profspin: --end wants return, abort or fault, not '%s'",
		       how);
	return 2;
}

/* Spins for --ms, then prints the units done and their rate. */
static int profspin_main(struct tern_boot *boot)
{
	uint64_t ms = tern_args_u64(boot->args, &tern_app, "ms", 500);
	uint64_t start = tern_clock_monotonic(), end, now;
	uint64_t units = 0, x = 1;

	end = start + ms * TERN_NSEC_PER_MSEC;
	do {
		x = profspin_work(x);
		units++;
		tern_wait(0);
		now = tern_clock_monotonic();
	} while (now < end);
	tern_log_info(
		"profspin: %llu units in %llu us: %llu units/s (%llx)",
		(unsigned long long)units,
		(unsigned long long)((now - start) / 1000),
		(unsigned long long)(units * TERN_NSEC_PER_SEC / (now - start)),
		(unsigned long long)x);
	return profspin_end(tern_args_str(boot->args, &tern_app, "end", NULL));
}

const struct tern_app tern_app = {
	.name = "profspin",
	.summary = "spins in profspin_work for --ms, reports the work done",
	.flags = flags,
	.main = profspin_main,
};
