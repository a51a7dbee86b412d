/*
 * guest.h - what the x86_64 guest platform tells an image about itself.
 *
 * Applications never need this: they see only dev.h and app.h, the same as
 * hosted. Guest test images and benchmarks use it to report how the guest
 * booted (clock source, timer mode, boot time) and to check platform
 * behaviour that has no hosted equivalent.
 */
#ifndef TERN_GUEST_H
#define TERN_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/base.h"

struct tern_guest_info {
	uint64_t tsc_hz;	    /* TSC frequency the clocks use */
	const char *tsc_source;	    /* "cpuid-15h", "hypervisor-leaf",
	                               "kvmclock", "tcg-apic", "pit-calibrated" */
	const char *timer_mode;	    /* "tsc-deadline" or "one-shot" */
	const char *entropy_source; /* "rdrand" or "tsc-jitter" */
	uint64_t ram_bytes;	    /* RAM given to the page allocator */
	uint64_t free_bytes;	    /* of which still free */
	uint64_t boot_ns;	    /* first instruction to the app's main */
	uint64_t irqs;		    /* interrupts taken so far */
	unsigned pci_functions;	    /* PCI functions found */
	unsigned mmio_devices;	    /* virtio_mmio.device= entries */
};

/* Fills info with the guest's current state. */
TERN_API void tern_guest_get_info(struct tern_guest_info *info);

#endif
