/*
 * fault/main.c - dies on purpose, three calls deep, so that the test can
 * check what the guest prints when it dies: the vector and error code,
 * the registers, a backtrace whose addresses addr2line turns into these
 * functions, and QEMU exit code 255.
 *
 *   --mode pf      write through a pointer into unmapped memory (#PF)
 *   --mode ud      execute UD2 (#UD)
 *   --mode assert  fail a TERN_ASSERT (tern_abort)
 *   --mode stack   overflow a fiber's stack: the scheduler finds the
 *                  guest's canary overwritten at the next switch
 */
#include <string.h>

#include "tern/app.h"
#include "tern/assert.h"
#include "tern/log.h"
#include "tern/sched.h"

static const struct tern_flag flags[] = {
	{ "mode", TERN_FLAG_STRING, "MODE", "pf, ud, assert or stack" },
	{ NULL, TERN_FLAG_BOOL, NULL, NULL },
};

/* Far above any RAM and above the 4 GiB the boot page tables map. */
static volatile uint64_t *const unmapped =
	(volatile uint64_t *)0x7fff00000000ull;

__attribute__((noinline)) static void fault_level3(const char *mode)
{
	if (strcmp(mode, "pf") == 0)
		*unmapped = 0x5465726e;
	else if (strcmp(mode, "ud") == 0)
		__asm__ volatile("ud2");
	else
		TERN_ASSERT(strcmp(mode, "assert") != 0);
	__asm__ volatile("" ::: "memory"); /* no tail call: keep the frame */
}

__attribute__((noinline)) static void fault_level2(const char *mode)
{
	fault_level3(mode);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void fault_level1(const char *mode)
{
	fault_level2(mode);
	__asm__ volatile("" ::: "memory");
}

/* Uses, and writes every byte of, about depth KiB of stack. */
__attribute__((noinline)) static unsigned deep(unsigned depth)
{
	volatile uint8_t frame[1024];

	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)depth;
	if (depth == 0)
		return frame[0];
	return deep(depth - 1) + frame[0];
}

struct overflow {
	struct tern_sched sched;
	struct tern_fiber fiber;
};

static void overflow_fn(void *arg)
{
	struct overflow *o = arg;

	deep(12);		     /* 12 KiB on an 8 KiB stack */
	tern_fiber_yield(&o->sched); /* the switch checks the canary */
}

static void overflow_fiber_stack(void)
{
	static struct overflow o;
	/* The allocator hands out ascending addresses: the stack lands just
	 * above this pad, so the overflow tramples only the pad. */
	void *pad = tern_mem_alloc(64 * 1024);

	(void)pad;
	tern_sched_init(&o.sched);
	if (tern_fiber_spawn(&o.sched, &o.fiber, "overflower", overflow_fn, &o,
			     8 * 1024) == 0)
		tern_sched_run(&o.sched);
}

static int fault_main(struct tern_boot *boot)
{
	const char *mode = tern_args_str(boot->args, &tern_app, "mode", "pf");

	tern_log_info("fault: dying by %s", mode);
	if (strcmp(mode, "stack") == 0)
		overflow_fiber_stack();
	else
		fault_level1(mode);
	tern_log_error("fault: still alive after %s", mode);
	return 1;
}

const struct tern_app tern_app = {
	.name = "fault",
	.summary = "dies on purpose to show the guest's crash report",
	.flags = flags,
	.main = fault_main,
};
