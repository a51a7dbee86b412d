/*
 * fuzz_timer.c - libFuzzer target: the timing wheel driven by arbitrary
 * operation sequences (arm, cancel, re-arm, disarm, jumps, steps to
 * tern_wheel_next(), callbacks that cancel and re-arm) against the
 * reference heap, through the same harness as tests/timer/test_wheel.c.
 *
 * Input: byte 0 picks the timer count (1..64), byte 1 the tick size,
 * byte 2 the start time class, byte 3 the callback activity; every later
 * choice reads 1, 2 or 8 bytes (zeros once the input is used up). At most
 * 20,000 operations per input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tern/timer.h"

#define HARNESS_CHECK(cond, fmt, ...)                            \
	do {                                                     \
		if (!(cond)) {                                   \
			fprintf(stderr, "fuzz_timer: " fmt "\n", \
				##__VA_ARGS__);                  \
			abort();                                 \
		}                                                \
	} while (0)
#include "timer/wheel_harness.h"

#include "support/fuzz_input.h"

static uint64_t byte_choose(struct harness *h, uint64_t bound)
{
	struct fuzz_input *s = h->source;
	unsigned count = bound <= 256 ? 1 : bound <= 65536 ? 2 : 8;

	return fuzz_take(s, count) % bound;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned shifts[] = { 0, 0, 0, 0, 1, 3, 10, 20, 33, 63 };
	static struct harness h;
	struct fuzz_input src = { data, size };
	uint32_t n = 1 + (uint32_t)(fuzz_take(&src, 1) % 64);
	unsigned shift = shifts[fuzz_take(&src, 1) % TERN_ARRAY_SIZE(shifts)];
	uint64_t start, activity;

	switch (fuzz_take(&src, 1) % 4) {
	case 0:
		start = 0;
		break;
	case 1:
		start = fuzz_take(&src, 5);
		break;
	case 2:
		start = (1ull << 63) - fuzz_take(&src, 4);
		break;
	default:
		start = UINT64_MAX - (1ull << 42) - fuzz_take(&src, 2);
		break;
	}
	activity = fuzz_take(&src, 1);
	harness_init(&h, n, start, shift, byte_choose, &src);
	h.action_ppm = (unsigned)(activity % 5) * 250000;
	for (unsigned i = 0; i < 20000 && src.left > 0; i++)
		harness_op(&h);
	/* Drain: everything armed must fire, exactly, in order. */
	h.action_ppm = 0;
	harness_step_to(&h, UINT64_MAX - 1);
	harness_expire(&h, UINT64_MAX - 1);
	harness_check_rest(&h);
	HARNESS_CHECK(tern_wheel_armed(&h.w) == 0,
		      "timers left after the drain");
	return 0;
}
