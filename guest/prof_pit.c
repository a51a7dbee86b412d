/*
 * prof_pit.c - the profiler's tick: the 8254 PIT's channel 0 as a rate
 * generator, its output (ISA IRQ 0) routed through the I/O APIC as an NMI.
 *
 * The guest runs with interrupts off except inside tern_wait(), so an
 * ordinary interrupt would only ever sample the idle loop. An NMI is taken
 * whatever RFLAGS.IF says. The PIT is there on every QEMU x86 machine the
 * guest boots on (pc, q35, and microvm, whose pit=auto default creates
 * one) under TCG and KVM (in-kernel PIT), and QEMU's I/O APIC, like KVM's,
 * delivers an NMI-mode redirection entry as an NMI message to the LAPIC.
 * IRQ 0 arrives on pin 2 (the MADT's one interrupt source override, which
 * QEMU's I/O APIC model and KVM's default routing both apply). The LAPIC
 * timer is not usable here: it is tern_wait()'s deadline timer, and its
 * LVT entry cannot select NMI delivery.
 *
 * clock.c's PIT calibration uses channel 2, and only at boot, before the
 * profiler starts.
 */
#include "guest.h"
#include "x86.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CMD 0x43
/* Channel 0, lo/hi byte, mode 3 (square wave), binary. Mode 2's output is
 * low for one PIT tick (838 ns) a period, which QEMU's model (7.2, TCG)
 * often never shows the I/O APIC: half the ticks were lost. Mode 3's
 * duplicate raises are merged by prof_sample.c. */
#define PIT_CH0_RATE 0x36
#define PIT_CH0_ONESHOT 0x30 /* channel 0, lo/hi byte, mode 0: stops */
#define PIT_GSI 2	     /* ISA IRQ 0 after the override */

/* The channel 0 divisor that ticks closest to hz. */
static uint32_t divisor_for(unsigned hz)
{
	return (PIT_HZ + hz / 2) / hz;
}

uint32_t prof_pit_mhz(unsigned hz)
{
	return (uint32_t)((uint64_t)PIT_HZ * 1000 / divisor_for(hz));
}

int prof_pit_start(unsigned hz)
{
	uint32_t divisor = divisor_for(hz);
	int rc;

	outb(PIT_CMD, PIT_CH0_RATE);
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));
	rc = ioapic_route_nmi(PIT_GSI);
	if (rc < 0)
		outb(PIT_CMD, PIT_CH0_ONESHOT);
	return rc;
}

void prof_pit_stop(void)
{
	ioapic_mask(PIT_GSI);
	/* Mode 0 holds the output low until a count is written. */
	outb(PIT_CMD, PIT_CH0_ONESHOT);
}
