/*
 * lapic.c - the local APIC: its timer wakes tern_wait() at deadlines, and
 * it receives the devices' MSI-X messages.
 *
 * Timer modes, best first:
 *   tsc-deadline  the timer fires when the TSC reaches a value: exact, no
 *                 conversion, no range limit (CPUID.1:ECX[24]; KVM offers
 *                 it with -cpu host, QEMU's TCG does not);
 *   one-shot      a 32-bit count-down at the APIC bus clock, whose rate is
 *                 calibrated against the TSC at boot; a deadline beyond the
 *                 counter's reach (about 4 s at QEMU's 1 GHz) fires early,
 *                 which tern_wait()'s callers accept as a spurious return.
 *
 * Under QEMU's TCG the one-shot counter needs no calibration: QEMU's APIC
 * counts QEMU_CLOCK_VIRTUAL nanoseconds, so at divide 1 it runs at exactly
 * 1 GHz. It is also the best clock there to measure the TSC against
 * (lapic_tcg_tsc_hz): 1 ns resolution and reads that cost no I/O exit,
 * where the PIT's counts are 838 ns and each read goes through QEMU's
 * global lock (so 1000 ppm there takes about 2 ms, here 200 us).
 *
 * Registers are reached through MMIO (xAPIC) or MSRs when firmware left
 * the APIC in x2APIC mode.
 */
#include "tern/log.h"

#include "guest.h"
#include "x86.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_BASE 0x800

#define REG_TPR 0x080
#define REG_EOI 0x0b0
#define REG_SVR 0x0f0
#define REG_LVT_TIMER 0x320
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0

#define SVR_ENABLE 0x100
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define DIV_BY_1 0xb
#define CALIBRATE_NS (5 * TERN_NSEC_PER_MSEC)
#define TCG_APIC_HZ 1000000000ull /* QEMU's APIC: 1 tick/ns, divide 1 */
#define TCG_MEASURE_TICKS 200000u /* 200 us of the TCG APIC clock */

const char *lapic_timer_mode = "none";

static uintptr_t mmio_base;
static bool x2apic;
static bool tsc_deadline;
static uint64_t apic_hz;   /* one-shot counter rate */
static uint64_t apic_mult; /* ticks = ns * apic_mult >> 32 */

/* Reads LAPIC register reg (its xAPIC MMIO offset). */
static uint32_t rd(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return mmio_read32(mmio_base + reg);
}

/* Writes v to LAPIC register reg (its xAPIC MMIO offset). */
static void wr(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		mmio_write32(mmio_base + reg, v);
}

/* The one-shot counter and the TSC at one moment, from the tightest of a
 * few reads (a descheduled vCPU stretches a read's window; see clock.c). */
static void sample(uint64_t *tsc, uint32_t *count)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 8; i++) {
		uint64_t t0 = rdtsc();
		uint32_t c = rd(REG_TIMER_CUR);
		uint64_t t1 = rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*count = c;
		}
	}
}

/* Measures the one-shot counter's rate against the TSC over
 * CALIBRATE_NS and sets apic_hz and apic_mult. */
static void calibrate(void)
{
	uint64_t t0, t1;
	uint32_t c0, c1;

	wr(REG_TIMER_DIV, DIV_BY_1);
	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(REG_TIMER_INIT, 0xffffffffu);
	sample(&t0, &c0);
	clock_delay(CALIBRATE_NS);
	sample(&t1, &c1);
	wr(REG_TIMER_INIT, 0);
	apic_hz = 0;
	if (c0 > c1 && t1 > t0)
		apic_hz = (uint64_t)(c0 - c1) * TERN_NSEC_PER_SEC /
			  clock_tsc_to_ns(t1 - t0);
	if (apic_hz == 0) {
		tern_log_error("guest: the LAPIC timer does not count; "
			       "assuming 1 GHz");
		apic_hz = TERN_NSEC_PER_SEC;
	}
	if (apic_hz > 0xffffffffull) /* keeps apic_mult in 64 bits */
		apic_hz = 0xffffffffull;
	apic_mult = (apic_hz << 32) / TERN_NSEC_PER_SEC;
}

/* Finds the registers and software-enables the APIC (idempotent). */
static void enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	x2apic = base & APIC_BASE_X2APIC;
	mmio_base = (uintptr_t)(base & ~0xfffull);
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	wr(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
}

uint64_t lapic_tcg_tsc_hz(void)
{
	uint64_t t0, t1;
	uint32_t c0, c1;
	unsigned long spins = 0;

	if (!cpu_is_tcg())
		return 0;
	enable();
	wr(REG_TIMER_DIV, DIV_BY_1);
	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(REG_TIMER_INIT, 0xffffffffu);
	sample(&t0, &c0);
	do {
		sample(&t1, &c1);
		if (++spins > 10000000ul)
			break; /* the counter does not move */
	} while (c0 - c1 < TCG_MEASURE_TICKS && c1 <= c0);
	wr(REG_TIMER_INIT, 0);
	if (c1 >= c0 || t1 <= t0)
		return 0;
	return (t1 - t0) * TCG_APIC_HZ / (c0 - c1);
}

void lapic_init(void)
{
	enable();
	wr(REG_TPR, 0);
	wr(REG_LVT_ERROR, LVT_MASKED | VEC_SPURIOUS);
	tsc_deadline = cpu_has_tsc_deadline();
	if (tsc_deadline) {
		wr(REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
		lapic_timer_mode = "tsc-deadline";
	} else {
		if (cpu_is_tcg()) {
			apic_hz = TCG_APIC_HZ;
			apic_mult = (apic_hz << 32) / TERN_NSEC_PER_SEC;
		} else {
			calibrate();
		}
		wr(REG_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
		lapic_timer_mode = "one-shot";
		tern_log_debug("guest: LAPIC one-shot timer at %llu kHz",
			       (unsigned long long)(apic_hz / 1000));
	}
}

void lapic_arm(uint64_t deadline)
{
	uint64_t now, ticks;

	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, clock_tsc_at(deadline));
		return;
	}
	now = tern_clock_monotonic();
	ticks = 0;
	if (deadline > now) {
		/* Past 60 s the counter saturates anyway; the bound keeps
		 * the product's high half within 64 bits. */
		uint64_t ns = TERN_MIN(deadline - now, 60 * TERN_NSEC_PER_SEC);

		ticks = (uint64_t)(((unsigned __int128)ns * apic_mult) >> 32);
	}
	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;
	wr(REG_TIMER_INIT, (uint32_t)ticks);
}

void lapic_disarm(void)
{
	if (tsc_deadline)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else
		wr(REG_TIMER_INIT, 0);
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}
