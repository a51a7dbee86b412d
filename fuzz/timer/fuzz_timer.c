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

#define HARNESS_CHECK(cond, fmt, ...)                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_timer: " fmt "\n",               \
				##__VA_ARGS__);                                \
			abort();                                               \
		}                                                              \
	} while (0)
#include "timer/wheel_harness.h"

struct source {
	const uint8_t *p;
	size_t n;
};

static uint64_t next_bytes(struct source *s, unsigned count)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < count; i++) {
		v <<= 8;
		if (s->n) {
			v |= *s->p++;
			s->n--;
		}
	}
	return v;
}

static uint64_t byte_choose(struct harness *h, uint64_t bound)
{
	struct source *s = h->source;
	unsigned count = bound <= 256 ? 1 : bound <= 65536 ? 2 : 8;

	return next_bytes(s, count) % bound;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned shifts[] = { 0, 0, 0, 0, 1, 3, 10, 20, 33, 63 };
	static struct harness h;
	struct source src = { data, size };
	uint32_t n = 1 + (uint32_t)(next_bytes(&src, 1) % 64);
	unsigned shift = shifts[next_bytes(&src, 1) % TERN_ARRAY_SIZE(shifts)];
	uint64_t start, activity;

	switch (next_bytes(&src, 1) % 4) {
	case 0:
		start = 0;
		break;
	case 1:
		start = next_bytes(&src, 5);
		break;
	case 2:
		start = (1ull << 63) - next_bytes(&src, 4);
		break;
	default:
		start = UINT64_MAX - (1ull << 42) - next_bytes(&src, 2);
		break;
	}
	activity = next_bytes(&src, 1);
	harness_init(&h, n, start, shift, byte_choose, &src);
	h.action_ppm = (unsigned)(activity % 5) * 250000;
	for (unsigned i = 0; i < 20000 && src.n > 0; i++)
		harness_op(&h);
	/* Drain: everything armed must fire, exactly, in order. */
	h.action_ppm = 0;
	harness_step_to(&h, UINT64_MAX - 1);
	harness_expire(&h, UINT64_MAX - 1);
	harness_check_rest(&h);
	HARNESS_CHECK(tern_wheel_armed(&h.w) == 0, "timers left after the drain");
	return 0;
}
