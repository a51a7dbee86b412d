/*
 * platform.c - the guest's platform services against their dev.h
 * contracts: clocks, tern_wait() with the LAPIC timer, memory, stacks and
 * entropy. Checks are about behaviour (the clock reaches the deadline, a
 * timer interrupt ended the HLT), never about how long things took.
 */
#include <string.h>

#include "tern/dev.h"
#include "tern/guest.h"

#include "selftest.h"

#define JAN_2020_NS (1577836800ull * TERN_NSEC_PER_SEC)
#define JAN_2100_NS (4102444800ull * TERN_NSEC_PER_SEC)

static void monotonic_never_goes_back(struct gtest *t)
{
	uint64_t prev = tern_clock_monotonic(), first = prev;

	for (int i = 0; i < 100000; i++) {
		uint64_t now = tern_clock_monotonic();

		GT_ASSERT(t, now >= prev);
		prev = now;
	}
	GT_ASSERT(t, prev > first);
}

static void wall_clock_is_plausible(struct gtest *t)
{
	uint64_t wall = tern_clock_wall();

	GT_ASSERT(t, wall > JAN_2020_NS);
	GT_ASSERT(t, wall < JAN_2100_NS);
}

static void wait_sleeps_until_deadline(struct gtest *t)
{
	struct tern_guest_info before, after;
	uint64_t deadline = tern_clock_monotonic() + 3 * TERN_NSEC_PER_MSEC;
	int calls = 0;

	tern_guest_get_info(&before);
	while (tern_clock_monotonic() < deadline) {
		GT_ASSERT_EQ(t, tern_wait(deadline), 0);
		GT_ASSERT(t, ++calls < 10000); /* spurious returns are rare */
	}
	tern_guest_get_info(&after);
	/* The HLT ended by the LAPIC timer interrupt, not by spinning. */
	GT_ASSERT(t, after.irqs > before.irqs);
	/* A deadline in the past returns at once. */
	GT_ASSERT_EQ(t, tern_wait(deadline), 0);
}

static void wait_forever_without_devices_is_deadlock(struct gtest *t)
{
	if (selftest_boot->n_net || selftest_boot->n_blk)
		return; /* devices could wake it: nothing to check */
	GT_ASSERT_EQ(t, tern_wait(TERN_NO_DEADLINE), -TERN_EDEADLK);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Free RAM as tern_guest_get_info reports it. */
static uint64_t mem_free_bytes_now(void)
{
	struct tern_guest_info info;

	tern_guest_get_info(&info);
	return info.free_bytes;
}

static void mem_is_zeroed_and_aligned(struct gtest *t)
{
	size_t size = 3 * 4096 + 100;
	uint8_t *a = tern_mem_alloc(size), *b;

	GT_ASSERT(t, a != NULL);
	GT_ASSERT_EQ(t, (uintptr_t)a % 4096, 0);
	GT_ASSERT(t, all_zero(a, size));
	memset(a, 0xa5, size);
	tern_mem_free(a, size);
	b = tern_mem_alloc(size);
	GT_ASSERT(t, b != NULL);
	GT_ASSERT(t, all_zero(b, size)); /* reused pages are zeroed again */
	tern_mem_free(b, size);
	GT_ASSERT(t, tern_mem_alloc(0) == NULL);
}

/* Buffers: page-aligned, writable, and back to the allocator on free
 * (that they are not zeroed is a cost, not a behaviour to test). */
static void mem_buffers_are_aligned_and_writable(struct gtest *t)
{
	size_t size = 2 * 4096;
	uint64_t free_before = mem_free_bytes_now();
	uint8_t *a = tern_mem_alloc_buffers(size);

	GT_ASSERT(t, a != NULL);
	GT_ASSERT_EQ(t, (uintptr_t)a % 4096, 0);
	memset(a, 0x5a, size);
	GT_ASSERT_EQ(t, a[size - 1], 0x5a);
	tern_mem_free(a, size);
	GT_ASSERT_EQ(t, mem_free_bytes_now(), free_before);
	GT_ASSERT(t, tern_mem_alloc_buffers(0) == NULL);
}

static void stack_has_canary(struct gtest *t)
{
	struct tern_stack s;

	memset(&s, 0, sizeof(s));
	GT_ASSERT_EQ(t, tern_stack_alloc(&s, 10000), 0);
	GT_ASSERT(t, s.size >= 10000 && s.size % 16 == 0);
	GT_ASSERT_EQ(t, (uintptr_t)s.base % 16, 0);
	GT_ASSERT_EQ(t, *(const uint64_t *)s.base, TERN_STACK_CANARY);
	tern_stack_free(&s);
	GT_ASSERT(t, s.base == NULL);
}

static void entropy_fills_differ(struct gtest *t)
{
	uint8_t a[37], b[37];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	GT_ASSERT_EQ(t, tern_entropy(a, sizeof(a)), 0);
	GT_ASSERT_EQ(t, tern_entropy(b, sizeof(b)), 0);
	GT_ASSERT(t, !all_zero(a, sizeof(a)));
	GT_ASSERT(t, memcmp(a, b, sizeof(a)) != 0);
}

static void guest_info_is_sane(struct gtest *t)
{
	struct tern_guest_info info;

	tern_guest_get_info(&info);
	GT_ASSERT(t, info.tsc_hz >= 100000000ull);
	GT_ASSERT(t, info.ram_bytes >= info.free_bytes);
	GT_ASSERT(t, info.free_bytes > 0);
	GT_ASSERT(t, info.boot_ns > 0);
	/* PCI functions: none on microvm, so the boot tests check them. */
}

const struct gtest_case selftest_platform[] = {
	{ "platform/monotonic_never_goes_back", monotonic_never_goes_back },
	{ "platform/wall_clock_is_plausible", wall_clock_is_plausible },
	{ "platform/wait_sleeps_until_deadline", wait_sleeps_until_deadline },
	{ "platform/wait_forever_without_devices_is_deadlock",
	  wait_forever_without_devices_is_deadlock },
	{ "platform/mem_is_zeroed_and_aligned", mem_is_zeroed_and_aligned },
	{ "platform/mem_buffers_are_aligned_and_writable",
	  mem_buffers_are_aligned_and_writable },
	{ "platform/stack_has_canary", stack_has_canary },
	{ "platform/entropy_fills_differ", entropy_fills_differ },
	{ "platform/guest_info_is_sane", guest_info_is_sane },
};
const unsigned selftest_platform_count = TERN_ARRAY_SIZE(selftest_platform);
