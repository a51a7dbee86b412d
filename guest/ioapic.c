/*
 * ioapic.c - routing one legacy ISA interrupt (COM1's IRQ 4) through the
 * I/O APIC to the boot CPU.
 *
 * Devices interrupt by MSI-X; only the serial console, whose received
 * bytes carry the stop request (serial.c), needs a wire. QEMU's pc and q35
 * both put the I/O APIC at 0xfec00000 with ISA IRQ n on pin n (IRQ 0 is
 * the only override, to pin 2, and the guest does not use it), so the
 * ACPI MADT is not parsed.
 */
#include "guest.h"
#include "x86.h"

#define IOAPIC_BASE 0xfec00000u
#define IOREGSEL 0x00
#define IOWIN 0x10
#define REDTBL(pin) (0x10 + 2 * (pin))

/* Writes v to I/O APIC register reg (select, then data window). */
static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE + IOREGSEL, reg);
	mmio_write32(IOAPIC_BASE + IOWIN, v);
}

void ioapic_route_isa(unsigned irq, uint8_t vector)
{
	/* Edge-triggered, active high, fixed delivery, physical
	 * destination APIC 0, unmasked. */
	ioapic_write(REDTBL(irq) + 1, 0);
	ioapic_write(REDTBL(irq), vector);
}
