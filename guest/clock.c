/*
 * clock.c - the monotonic and wall clocks, both read from the TSC.
 *
 * The TSC is the cheapest clock a guest has (no VM exit under KVM, where it
 * runs at a constant rate: QEMU only offers an invariant TSC), so
 * tern_clock_monotonic() is one RDTSC and a 64x64->128 multiply. Its origin
 * is the TSC at the guest's first instruction, so log timestamps read as
 * time since boot. The frequency comes from the first source that works:
 *
 *   1. CPUID leaf 0x15 (crystal clock and TSC ratio; Intel, -cpu host);
 *   2. the hypervisor timing leaf 0x40000010 (TSC kHz; QEMU offers it with
 *      an invariant TSC and vmware-cpuid-freq);
 *   3. the kvmclock page (KVM): its tsc_to_system_mul and tsc_shift are the
 *      exact scale KVM itself uses for this vCPU;
 *   4. under QEMU's TCG, a 200 us measurement against the APIC timer,
 *      which counts at exactly 1 GHz there (lapic.c);
 *   5. a calibration against the 8254 PIT (channel 2, 10 ms), which every
 *      PC and every QEMU accelerator has (TCG, or KVM without kvmclock);
 *      accurate to about 0.1% even when the vCPU thread is descheduled
 *      (see pit_sample()).
 *
 * The wall clock is the CMOS RTC read once (whole seconds), at the first
 * tern_clock_wall() rather than at boot - about 30 port exits an app that
 * never asks for the date does not pay - plus the monotonic clock since.
 */
#include "tern/log.h"

#include "guest.h"
#include "x86.h"

#define MSR_KVM_SYSTEM_TIME 0x12
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE (1u << 0)
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)

#define PIT_HZ 1193182ull
#define PIT_CALIBRATE_MS 10

#define HZ_MIN (100ull * 1000 * 1000) /* sanity bounds on a result */
#define HZ_MAX (20ull * 1000 * 1000 * 1000)

uint64_t clock_tsc_hz;
const char *clock_tsc_source = "none";

static uint64_t tsc_origin;
static uint64_t ns_mult;  /* ns = ticks * ns_mult >> 32 */
static uint64_t tsc_mult; /* ticks = ns * tsc_mult >> 32 */
static uint64_t wall_base;
static bool wall_known; /* wall_base is set: the RTC was read */

/* TSC Hz from CPUID leaf 0x15 (crystal Hz * ratio), or 0 if absent. */
static uint64_t from_cpuid_15h(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	/* eax/ebx: TSC/crystal ratio; ecx: crystal Hz (0 if unknown). */
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax;
}

/* TSC Hz from the hypervisor timing leaf 0x40000010, or 0 if absent. */
static uint64_t from_hypervisor_leaf(void)
{
	if (!(cpuid(1, 0).ecx & (1u << 31)))
		return 0;
	if (cpuid(0x40000000, 0).eax < 0x40000010)
		return 0;
	return (uint64_t)cpuid(0x40000010, 0).eax * 1000; /* kHz */
}

/* The kvmclock's pvclock_vcpu_time_info: version (u32, odd while KVM
 * writes), 4 pad, tsc_timestamp (u64), system_time (u64),
 * tsc_to_system_mul (u32 at 24), tsc_shift (s8 at 28), flags, 2 pad. */
static volatile uint8_t pvclock[32] __attribute__((aligned(64)));

/* TSC Hz implied by the kvmclock scale KVM publishes for this vCPU, or 0
 * if there is no kvmclock. Enables the kvmclock page only long enough to
 * read it. */
static uint64_t from_kvmclock(void)
{
	uint32_t base = cpu_hypervisor_base("KVMKVMKVM\0\0\0");
	uint32_t features, msr, version, mul = 0;
	int8_t shift = 0;
	uint64_t hz;

	if (!base)
		return 0;
	features = cpuid(base + 1, 0).eax;
	if (features & KVM_FEATURE_CLOCKSOURCE2)
		msr = MSR_KVM_SYSTEM_TIME_NEW;
	else if (features & KVM_FEATURE_CLOCKSOURCE)
		msr = MSR_KVM_SYSTEM_TIME;
	else
		return 0;
	wrmsr(msr, (uint64_t)(uintptr_t)pvclock | 1);
	for (int tries = 0; tries < 1000; tries++) {
		version = *(volatile uint32_t *)&pvclock[0];
		barrier();
		mul = *(volatile uint32_t *)&pvclock[24];
		shift = (int8_t)pvclock[28];
		barrier();
		if (!(version & 1) && version != 0 &&
		    version == *(volatile uint32_t *)&pvclock[0])
			break;
		mul = 0;
	}
	wrmsr(msr, 0); /* stop KVM from updating our page */
	if (!mul)
		return 0;
	hz = (TERN_NSEC_PER_SEC << 32) / mul;
	return shift >= 0 ? hz >> shift : hz << -shift;
}

/* One reading of PIT channel 2's counter and the TSC at that moment: the
 * counter is latched between two TSC reads; the reading is only as exact as
 * that window, which the vCPU being descheduled (TCG on a busy host) can
 * stretch to milliseconds. So each end of the calibration takes the
 * reading with the smallest window out of several. */
struct pit_sample {
	uint64_t tsc;
	uint64_t window;
	uint16_t count;
};

/* The tightest of 8 (TSC, PIT channel 2 count) readings. */
static struct pit_sample pit_sample(void)
{
	struct pit_sample best = { 0, UINT64_MAX, 0 };

	for (int i = 0; i < 8; i++) {
		uint64_t t0 = rdtsc(), t1;
		uint8_t lo, hi;

		outb(0x43, 0x80); /* latch channel 2 */
		lo = inb(0x42);
		hi = inb(0x42);
		t1 = rdtsc();
		if (t1 - t0 < best.window) {
			best.window = t1 - t0;
			best.tsc = t0 + (t1 - t0) / 2;
			best.count = (uint16_t)(hi << 8 | lo);
		}
	}
	return best;
}

/* TSC ticks per second, from PIT channel 2 counting down (mode 0, from
 * 0xffff: 55 ms) for at least PIT_CALIBRATE_MS. */
static uint64_t from_pit(void)
{
	uint32_t want = (uint32_t)(PIT_HZ * PIT_CALIBRATE_MS / 1000);
	struct pit_sample a, b;
	unsigned long spins = 0;

	/* Gate channel 2 on, speaker off; mode 0, binary, lo/hi byte. */
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xb0);
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	a = pit_sample();
	do {
		b = pit_sample();
		if (++spins > 10000000ul || b.count > a.count)
			return 0; /* the counter does not move, or wrapped */
	} while ((uint32_t)(a.count - b.count) < want);
	return (b.tsc - a.tsc) * PIT_HZ / (uint32_t)(a.count - b.count);
}

/* True if hz is a believable TSC frequency. */
static bool plausible(uint64_t hz)
{
	return hz >= HZ_MIN && hz <= HZ_MAX;
}

uint64_t clock_tsc_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * ns_mult) >> 32);
}

uint64_t clock_ns_to_tsc(uint64_t ns)
{
	return (uint64_t)(((unsigned __int128)ns * tsc_mult) >> 32);
}

uint64_t clock_tsc_at(uint64_t ns)
{
	return tsc_origin + clock_ns_to_tsc(ns);
}

uint64_t tern_clock_monotonic(void)
{
	return clock_tsc_to_ns(rdtsc() - tsc_origin);
}

uint64_t tern_clock_wall(void)
{
	if (!wall_known) {
		uint64_t epoch = rtc_read_epoch();

		wall_base = epoch * TERN_NSEC_PER_SEC - tern_clock_monotonic();
		wall_known = true;
	}
	return wall_base + tern_clock_monotonic();
}

void clock_delay(uint64_t ns)
{
	uint64_t end = tern_clock_monotonic() + ns;

	while (tern_clock_monotonic() < end)
		pause();
}

void clock_init(void)
{
	uint64_t hz;

	tsc_origin = guest_boot_tsc;
	if (plausible(hz = from_cpuid_15h()))
		clock_tsc_source = "cpuid-15h";
	else if (plausible(hz = from_hypervisor_leaf()))
		clock_tsc_source = "hypervisor-leaf";
	else if (plausible(hz = from_kvmclock()))
		clock_tsc_source = "kvmclock";
	else if (plausible(hz = lapic_tcg_tsc_hz()))
		clock_tsc_source = "tcg-apic";
	else if (plausible(hz = from_pit()))
		clock_tsc_source = "pit-calibrated";
	else {
		/* Nothing worked: assume 1 GHz so time still moves. */
		hz = 1000ull * 1000 * 1000;
		clock_tsc_source = "assumed";
		tern_log_error("guest: cannot find the TSC frequency; "
			       "assuming 1 GHz");
	}
	clock_tsc_hz = hz;
	ns_mult = (TERN_NSEC_PER_SEC << 32) / hz;
	tsc_mult = ((hz / 1000) << 32) / (TERN_NSEC_PER_SEC / 1000);
}
