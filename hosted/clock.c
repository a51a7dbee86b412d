/*
 * clock.c - the hosted clocks: real (clock_gettime) or virtual.
 *
 * The virtual clock is process-wide state of the hosted platform, like the
 * real clock it stands in for.
 */
#include <time.h>

#include "tern/assert.h"
#include "tern/hosted.h"

#define VIRTUAL_WALL_EPOCH (1700000000ull * TERN_NSEC_PER_SEC)

static bool virtual_clock;
static uint64_t virtual_now;

static uint64_t read_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * TERN_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t tern_clock_monotonic(void)
{
	return virtual_clock ? virtual_now : read_clock(CLOCK_MONOTONIC);
}

uint64_t tern_clock_wall(void)
{
	return virtual_clock ? VIRTUAL_WALL_EPOCH + virtual_now
			     : read_clock(CLOCK_REALTIME);
}

void tern_hosted_clock_use_virtual(uint64_t start_ns)
{
	virtual_clock = true;
	virtual_now = start_ns;
}

void tern_hosted_clock_use_real(void)
{
	virtual_clock = false;
}

bool tern_hosted_clock_is_virtual(void)
{
	return virtual_clock;
}

void tern_hosted_clock_set(uint64_t t)
{
	TERN_ASSERT(virtual_clock);
	if (t > virtual_now)
		virtual_now = t;
}

void tern_hosted_clock_advance(uint64_t ns)
{
	TERN_ASSERT(virtual_clock);
	virtual_now += ns;
}
