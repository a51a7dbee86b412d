/*
 * probe/main.c - can this accelerator run Tern images? The guest tests boot
 * this first under KVM (tests/guest/accel.sh); if it does not halt with
 * status 0, they use TCG and say why.
 *
 * It runs what components do that a partial virtualiser may not: SSE
 * arithmetic and moves (compiled code uses them), MXCSR and the x87
 * control word (saved by the fiber switch), and a real fiber switch with a
 * sleep through tern_wait() and the LAPIC timer. Hosts whose "KVM" runs
 * non-paravirtual guests in KVM's instruction emulator (PVM) fail here
 * with "KVM internal error ... emulation failure" on the first MXCSR or
 * SSE instruction.
 */
#include "tern/app.h"
#include "tern/log.h"
#include "tern/sched.h"

struct probe {
	struct tern_sched sched;
	struct tern_fiber fiber;
	int slept;
};

static void fiber_fn(void *arg)
{
	struct probe *p = arg;

	tern_sleep(&p->sched, TERN_NSEC_PER_MSEC);
	p->slept = 1;
}

static int probe_main(struct tern_boot *boot)
{
	static struct probe p;
	uint32_t mxcsr = 0;
	uint16_t fcw = 0;
	unsigned out = 0;

	(void)boot;
	__asm__ volatile("stmxcsr %0\n\t"
			 "ldmxcsr %0\n\t"
			 "fnstcw %1\n\t"
			 "fldcw %1\n\t"
			 "movl $21, %%eax\n\t"
			 "movd %%eax, %%xmm0\n\t"
			 "paddd %%xmm0, %%xmm0\n\t"
			 "movd %%xmm0, %2"
			 : "+m"(mxcsr), "+m"(fcw), "=r"(out)
			 :
			 : "eax", "xmm0");
	if (out != 42)
		return 1;
	tern_sched_init(&p.sched);
	if (tern_fiber_spawn(&p.sched, &p.fiber, "probe", fiber_fn, &p, 0))
		return 1;
	tern_fiber_detach(&p.fiber);
	if (tern_sched_run(&p.sched) != 0 || !p.slept)
		return 1;
	tern_log_info("probe: sse, mxcsr, x87 and a fiber sleep work");
	return 0;
}

const struct tern_app tern_app = {
	.name = "probe",
	.summary = "checks that the accelerator runs what Tern images need",
	.flags = NULL,
	.main = probe_main,
};
