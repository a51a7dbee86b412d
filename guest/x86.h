/*
 * x86.h - the handful of x86_64 instructions the guest needs, as inline
 * functions: port I/O, MSRs, CPUID, the TSC, control registers and MMIO
 * accessors.
 *
 * MMIO accessors go through volatile pointers so that every access reaches
 * the device exactly once and in program order; x86 keeps stores to
 * uncached memory ordered, and barrier() stops the compiler from moving
 * normal memory accesses (ring entries) across them.
 */
#ifndef TERN_GUEST_X86_H
#define TERN_GUEST_X86_H

#include <stdbool.h>
#include <stdint.h>

/* A compiler barrier: memory accesses are not moved across it. */
static inline void barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

/* A full fence: stores before it are visible before loads after it (the
 * one reordering x86 allows, which the virtio event-index checks need). */
static inline void mfence(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Port 0x80, the POST diagnostic port: reading it has no effect. */
#define PORT_POST 0x80

/* mfence() that QEMU's TCG cannot drop. TCG in QEMU before 8.1 translates
 * MFENCE (and every other barrier) to nothing when the VM has one vCPU,
 * although device models run in other host threads, so the host CPU may
 * still let a load pass an earlier store. An IN instruction orders all
 * earlier stores before it on x86, and TCG runs it in a helper that takes
 * QEMU's global lock: a locked instruction, a full fence on an x86 host.
 * Under KVM the IN exits to QEMU (microseconds), so use this only where
 * mfence() is known not to work (cpu_is_tcg()). */
static inline void io_fence(void)
{
	mfence();
	(void)inb(PORT_POST);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

/* The TSC, not serialised: good enough for clocks and deadlines. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void invlpg(uint64_t addr)
{
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* Enables interrupts for exactly the following HLT (STI's one-instruction
 * interrupt shadow makes the pair atomic), then disables them again: an
 * interrupt that became pending before the STI still ends the HLT. */
static inline void sti_hlt_cli(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

static inline void pause(void)
{
	__asm__ volatile("pause");
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
	return *(volatile uint8_t *)addr;
}

static inline uint16_t mmio_read16(uintptr_t addr)
{
	return *(volatile uint16_t *)addr;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}

static inline void mmio_write16(uintptr_t addr, uint16_t v)
{
	*(volatile uint16_t *)addr = v;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

#endif
