/*
 * cpu.c - the descriptor tables and CPU feature checks.
 *
 * start.S already runs in long mode on its boot GDT. Here the GDT gains a
 * TSS, whose only job is its IST stacks: IST1, a known-good stack for
 * double faults and machine checks, so that a fiber that overflowed its
 * stack still gets a register dump instead of a triple fault (QEMU would
 * just reset), and IST2 for NMIs (the profiler's samples, prof_sample.c),
 * which can arrive at any instruction, the #DF handler's included: on a
 * stack of their own they never overwrite its frame. The
 * IDT points all 256 vectors at the stubs of isr.S. The legacy 8259 PICs
 * are remapped to 0xe0-0xef (away from the exception vectors the BIOS
 * mapping would hit) and masked: devices interrupt through MSI-X and the
 * timer through the LAPIC.
 */
#include <string.h>

#include "tern/byteorder.h"

#include "guest.h"
#include "x86.h"

#define SEL_CODE 0x08
#define SEL_TSS 0x18
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define TSS_SIZE 104
#define TSS_IST1 36
#define TSS_IST2 44
#define TSS_IOMAP 102

#define VEC_DF 8
#define VEC_MC 18

extern uint64_t guest_gdt[];
extern uint8_t isr_stubs[];

static uint8_t idt[256 * 16] __attribute__((aligned(16)));
static uint8_t tss[TSS_SIZE] __attribute__((aligned(16)));

struct __attribute__((packed)) table_ptr {
	uint16_t limit;
	uint64_t base;
};

/* Fills IDT entry vec: a 64-bit interrupt gate (interrupts stay off in
 * the handler) to handler, on IST stack ist (0: the current stack). */
static void set_gate(unsigned vec, uint64_t handler, unsigned ist)
{
	uint8_t *g = &idt[vec * 16];

	tern_store_le16(g, (uint16_t)handler);
	tern_store_le16(g + 2, SEL_CODE);
	g[4] = (uint8_t)ist;
	g[5] = GATE_INTERRUPT;
	tern_store_le16(g + 6, (uint16_t)(handler >> 16));
	tern_store_le32(g + 8, (uint32_t)(handler >> 32));
	tern_store_le32(g + 12, 0);
}

/* Puts the TSS (IST1 and IST2 only) into the GDT and loads the task register. */
static void load_tss(void)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t limit = TSS_SIZE - 1;

	memset(tss, 0, sizeof(tss));
	/* The stacks are in the boot scratch (guest.ld). */
	tern_store_le64(tss + TSS_IST1,
			(uint64_t)(uintptr_t)guest_ist_stack_top);
	tern_store_le64(tss + TSS_IST2,
			(uint64_t)(uintptr_t)guest_nmi_stack_top);
	tern_store_le16(tss + TSS_IOMAP, TSS_SIZE); /* no I/O bitmap */

	guest_gdt[SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
				 0x89ull << 40 | ((limit >> 16) & 0xf) << 48 |
				 ((base >> 24) & 0xff) << 56;
	guest_gdt[SEL_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS) : "memory");
}

/* Points all 256 vectors at their isr.S stubs and loads the IDT. */
static void load_idt(void)
{
	struct table_ptr p;

	for (unsigned v = 0; v < 256; v++) {
		unsigned ist = v == VEC_NMI		      ? 2
			       : (v == VEC_DF || v == VEC_MC) ? 1
							      : 0;

		set_gate(v, (uint64_t)(uintptr_t)(isr_stubs + 16 * v), ist);
	}
	p.limit = sizeof(idt) - 1;
	p.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

/* Remaps the 8259 pair to VEC_PIC_BASE and masks every line. */
static void mask_pics(void)
{
	outb(0x20, 0x11); /* ICW1: init, expect ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, VEC_PIC_BASE); /* ICW2: vector bases */
	outb(0xa1, VEC_PIC_BASE + 8);
	outb(0x21, 0x04); /* ICW3: slave on IRQ2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01); /* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff); /* mask everything */
	outb(0xa1, 0xff);
}

void cpu_init(void)
{
	load_tss();
	load_idt();
	mask_pics();
}

bool cpu_has_rdrand(void)
{
	return cpuid(1, 0).ecx & (1u << 30);
}

bool cpu_has_tsc_deadline(void)
{
	return cpuid(1, 0).ecx & (1u << 24);
}

uint32_t cpu_hypervisor_base(const char sig[12])
{
	if (!(cpuid(1, 0).ecx & (1u << 31))) /* not under a hypervisor */
		return 0;
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		struct cpuid_regs r = cpuid(base, 0);
		char got[12];

		memcpy(got, &r.ebx, 4);
		memcpy(got + 4, &r.ecx, 4);
		memcpy(got + 8, &r.edx, 4);
		if (memcmp(got, sig, 12) == 0 && r.eax >= base)
			return base;
	}
	return 0;
}

bool cpu_is_tcg(void)
{
	return cpu_hypervisor_base("TCGTCGTCGTCG") != 0;
}
