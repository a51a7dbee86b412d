/*
 * ioapic.c - routing a wired interrupt (a global system interrupt, GSI)
 * through an I/O APIC to the boot CPU: COM1's IRQ 4 and the virtio-mmio
 * devices' lines.
 *
 * The ACPI MADT is not parsed. Every QEMU x86 machine and Firecracker put
 * the first I/O APIC at 0xfec00000 with GSIs 0-23 and ISA IRQ n on pin n
 * (IRQ 0 is the only override, to pin 2: the PIT, which the profiler
 * routes there as an NMI, prof_pit.c).
 * QEMU's microvm with ACPI adds a second one at 0xfec10000 for GSIs 24-47,
 * where its virtio-mmio lines then are; a GSI from 24 is taken to be there.
 */
#include "guest.h"
#include "x86.h"

#define IOAPIC_BASE 0xfec00000u
#define IOAPIC2_BASE 0xfec10000u
#define IOAPIC_PINS 24
#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_VERSION 0x01
#define REDTBL(pin) (0x10 + 2 * (pin))
#define REDTBL_DELIVERY_NMI (4u << 8)
#define REDTBL_MASKED (1u << 16)

/* Reads I/O APIC register reg (select, then data window). */
static uint32_t ioapic_read(uintptr_t base, uint32_t reg)
{
	mmio_write32(base + IOREGSEL, reg);
	return mmio_read32(base + IOWIN);
}

/* Writes v to I/O APIC register reg. */
static void ioapic_write(uintptr_t base, uint32_t reg, uint32_t v)
{
	mmio_write32(base + IOREGSEL, reg);
	mmio_write32(base + IOWIN, v);
}

/* Writes the redirection entry of gsi: low word low, destination APIC 0.
 * Returns 0, or -TERN_EINVAL if no I/O APIC has that pin. */
static int program(unsigned gsi, uint32_t low)
{
	uintptr_t base = gsi < IOAPIC_PINS ? IOAPIC_BASE : IOAPIC2_BASE;
	unsigned pin = gsi % IOAPIC_PINS;
	uint32_t version = ioapic_read(base, REG_VERSION);

	/* No I/O APIC there (reads as all ones), or too few pins. */
	if (gsi >= 2 * IOAPIC_PINS || version == 0xffffffffu ||
	    pin > ((version >> 16) & 0xff))
		return -TERN_EINVAL;
	ioapic_write(base, REDTBL(pin) + 1, 0);
	ioapic_write(base, REDTBL(pin), low);
	return 0;
}

int ioapic_route(unsigned gsi, uint8_t vector)
{
	/* Edge-triggered, active high, fixed delivery, physical
	 * destination, unmasked. */
	return program(gsi, vector);
}

int ioapic_route_nmi(unsigned gsi)
{
	/* The vector field is ignored for NMI delivery; 2 documents it. */
	return program(gsi, REDTBL_DELIVERY_NMI | 2);
}

void ioapic_mask(unsigned gsi)
{
	(void)program(gsi, REDTBL_MASKED);
}
