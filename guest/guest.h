/*
 * guest.h - the guest platform's internal interfaces, grouped by the file
 * that defines them (Solo5's bindings.h). Only guest/ includes this; test
 * images use the public tern/guest.h.
 *
 * Execution model: one CPU, interrupts disabled everywhere except inside
 * tern_wait()'s STI;HLT window. Interrupt handlers only acknowledge the
 * interrupt; device work is done by the drivers when the event loop polls
 * them. So no code here needs locks, and no handler touches driver state.
 */
#ifndef TERN_GUEST_INT_H
#define TERN_GUEST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/dev.h"
#include "tern/guest.h"
#include "tern/list.h"

#define PAGE_SIZE 4096ull
#define HUGE_PAGE_SIZE (2ull * 1024 * 1024)

static inline uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

/* Interrupt vectors. */
#define VEC_NMI 2	  /* the profiler's sampling tick (prof_pit.c) */
#define VEC_TIMER 0x20	  /* LAPIC timer */
#define VEC_DEVICE 0x30	  /* every virtio MSI-X message and MMIO line */
#define VEC_SERIAL 0x31	  /* COM1 received a byte (IRQ 4 via the IOAPIC) */
#define VEC_PIC_BASE 0xe0 /* the masked 8259s, remapped out of the way */
#define VEC_SPURIOUS 0xff

/* ---- start.S / guest.ld ---- */
extern uint64_t guest_boot_tsc; /* TSC at the first instruction */
extern uint8_t __image_start[], __image_end[], __text_end[], __load_end[];
/* The boot scratch after the loaded image (guest.ld): not zeroed. */
extern uint8_t boot_stack_bottom[], boot_stack_top[];
extern uint8_t guest_ist_stack_top[], guest_nmi_stack_top[];
extern uint64_t boot_pml4[];

/* ---- serial.c ---- */
/* Programs COM1 for 115200 8N1. The console works from this call on. */
void serial_init(void);

/* Enables COM1's receive interrupt (routed by the IOAPIC to VEC_SERIAL) so
 * that a byte typed on the console ends tern_wait()'s HLT. */
void serial_rx_init(void);

/* Reads every byte waiting on COM1; returns true if one was Ctrl-C (0x03):
 * the guest's stop request. */
bool serial_poll_stop(void);

/* ---- ioapic.c ---- */
/* Routes global system interrupt gsi (ISA IRQ n is GSI n) to vector on the
 * boot CPU (edge, high). Returns 0, or -TERN_EINVAL if no I/O APIC has
 * that pin. */
int ioapic_route(unsigned gsi, uint8_t vector);

/* Routes gsi to the boot CPU as an NMI (edge, high). Returns 0, or
 * -TERN_EINVAL if no I/O APIC has that pin. */
int ioapic_route_nmi(unsigned gsi);

/* Masks gsi's redirection entry (nothing if no I/O APIC has the pin). */
void ioapic_mask(unsigned gsi);

/* ---- halt.c ---- */
/* Ends the VM through isa-debug-exit with code (QEMU exits with
 * code * 2 + 1); without that device, tries an ACPI power-off, then halts
 * forever. */
_Noreturn void guest_exit(unsigned code);

/* The isa-debug-exit codes. tern_halt(status) writes
 * GUEST_EXIT_STATUS_BASE + status, status clamped to 0..GUEST_EXIT_STATUS_MAX
 * (QEMU exits with 2 * status + 17, never 0 or 1, which QEMU gives by itself,
 * nor 124 and up, which the test scripts and signals use); tern_abort() and
 * fatal exceptions write GUEST_EXIT_ABORT (QEMU exits with 255). */
#define GUEST_EXIT_STATUS_BASE 8
#define GUEST_EXIT_STATUS_MAX 53
#define GUEST_EXIT_ABORT 127

/* ---- cpu.c ---- */
/* Loads the final GDT (with a TSS whose IST1 stack serves double faults
 * and machine checks, IST2 NMIs) and the IDT, and masks the legacy 8259
 * PICs. */
void cpu_init(void);

/* CPUID feature bits the guest checks. */
bool cpu_has_rdrand(void);
bool cpu_has_tsc_deadline(void);
/* The hypervisor's CPUID base leaf for signature sig ("KVMKVMKVM\0\0\0"),
 * or 0 if absent. */
uint32_t cpu_hypervisor_base(const char sig[12]);
/* True under QEMU's TCG (CPUID signature "TCGTCGTCGTCG"), whose MFENCE may
 * be no fence at all (x86.h, io_fence()). */
bool cpu_is_tcg(void);

/* ---- trap.c ---- */
/* The registers isr.S saves, lowest address first. */
struct guest_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Called by isr.S for every vector: interrupts are acknowledged and
 * counted; exceptions print the vector, error code, registers and a
 * backtrace, then end the VM with GUEST_EXIT_ABORT. */
void guest_trap(struct guest_trap_frame *f);

/* Prints a frame-pointer backtrace starting at rip and frame pointer rbp
 * (return addresses only; symbolise with addr2line on the .elf). */
void trap_backtrace(uint64_t rip, uint64_t rbp);

/* Number of device and timer interrupts taken so far. */
extern uint64_t trap_irq_count;

/* ---- prof.c ---- */
/* Takes `--profile HZ` (or --profile=HZ) out of argv[1..argc) and keeps
 * HZ for prof_start(); halts with status 2 if HZ is malformed or out of
 * range. Returns the new argc. */
int prof_take_args(int argc, char **argv);

/* Starts sampling if --profile was given: the ring, the stream header, the
 * PIT's NMI. Without an isa-debugcon (or an I/O APIC) it warns and does
 * not profile. */
void prof_start(void);

/* Sends the ring to the debugcon if PROF_FLUSH_BYTES are waiting (called
 * by tern_wait(), outside the NMI). */
void prof_flush_due(void);

/* Stops the tick, sends what the ring holds and the trailer, and logs the
 * counts (tern_halt(), tern_abort(), a fatal exception); nothing if not
 * profiling, or after the first call. */
void prof_finish(void);

/* ---- prof_pit.c ---- */
/* The exact rate in millihertz that prof_pit_start(hz) ticks at; hz from
 * 19 to 596591 (the 16-bit divisor). */
uint32_t prof_pit_mhz(unsigned hz);

/* Programs PIT channel 0 to tick at about hz (19..596591) and routes its
 * IRQ through the I/O APIC as an NMI. Returns 0, or -TERN_EINVAL if there
 * is no I/O APIC pin for it. */
int prof_pit_start(unsigned hz);

/* Masks the PIT's I/O APIC pin and stops channel 0. */
void prof_pit_stop(void);

/* ---- prof_sample.c ---- */
/* The deepest stack a sample holds, and the longest record (two count
 * bytes and 32-bit addresses; prof_out.c). */
#define PROF_DEPTH_MAX 32
#define PROF_RECORD_MAX (2 + 4 * PROF_DEPTH_MAX)

/* Gives the sampler its ring (size bytes at buf, a power of two) and the
 * tick period in TSC ticks; resets the counts. Called before the tick
 * starts. */
void prof_ring_init(uint8_t *buf, uint32_t size, uint64_t period_tsc);

/* The NMI hook (trap.c): records a sample of frame f and returns true, or
 * returns false if the profiler has no ring (the NMI is then not ours). */
bool prof_nmi(const struct guest_trap_frame *f);

/* Bytes waiting in the ring. */
uint32_t prof_ring_used(void);

/* Points *p at the oldest waiting bytes and returns how many follow
 * contiguously (0 if the ring is empty). */
uint32_t prof_ring_peek(const uint8_t **p);

/* Frees the oldest n bytes (n at most what prof_ring_peek returned). */
void prof_ring_consume(uint32_t n);

/* Samples taken so far, of them dropped (the ring was full), and NMIs
 * merged into the sample before them (too soon after it). */
struct prof_counts {
	uint32_t taken, dropped, merged;
};
void prof_ring_counts(struct prof_counts *c);

/* ---- prof_out.c ---- */
/* True if QEMU's isa-debugcon answers at port 0xe9. */
bool prof_out_present(void);

/* Writes the stream header, with the tick rate in millihertz. */
void prof_out_header(uint32_t mhz);

/* Sends the bytes waiting in the ring when called. */
void prof_out_flush(void);

/* Writes the trailer: the counts and the end mark. */
void prof_out_trailer(const struct prof_counts *c);

/* ---- pvh.c ---- */
#define GUEST_CMDLINE_MAX 2048

struct guest_memrange {
	uint64_t start, end; /* [start, end) */
	uint32_t type;	     /* 1 RAM, 2 reserved, 3 ACPI, 4 NVS, ... */
#define GUEST_MEM_RAM 1
};

#define GUEST_MEMMAP_MAX 32

struct guest_bootinfo {
	char cmdline[GUEST_CMDLINE_MAX]; /* copied; "" if none */
	bool cmdline_truncated;
	struct guest_memrange memmap[GUEST_MEMMAP_MAX];
	unsigned n_memmap;
	uint64_t rsdp;
};

/* Reads the hvm_start_info at paddr into bi (copying everything the page
 * allocator might later hand out). Returns 0, or -TERN_EINVAL if the magic
 * is wrong or there is no memory map (reason on the console). */
int pvh_parse(uint32_t paddr, struct guest_bootinfo *bi);

/* ---- mem.c ---- */
/* Gives the allocator the RAM in [start, end) (rounded inward to pages),
 * minus the image and the first MiB. */
void mem_add_ram(uint64_t start, uint64_t end);

/* True if [addr, addr + len) is RAM the guest knows about (for checking
 * frame pointers in backtraces). */
bool mem_is_ram(uint64_t addr, uint64_t len);

/* Page-aligned, zeroed memory below 4 GiB for page tables (never freed);
 * NULL if none. */
void *mem_alloc_low_page(void);

/* Totals for the boot banner. */
uint64_t mem_total_bytes(void);
uint64_t mem_free_bytes(void);

/* ---- paging.c ---- */
/* start.S's page directories: BOOT_PD_ENTRIES 2 MiB pages for [0, 4 GiB). */
#define BOOT_PD_ENTRIES 2048
extern uint64_t boot_pd[BOOT_PD_ENTRIES];

/* Marks every 2 MiB page of the boot identity map in [0, 4 GiB) that
 * holds no RAM (by the n entries of map) as uncached (the LAPIC, the PCI
 * hole). */
void paging_init(const struct guest_memrange *map, unsigned n);

/* Identity-maps [phys, phys + size) with 2 MiB pages if not mapped yet
 * (RAM or BARs above 4 GiB), uncached if asked. Returns 0 or
 * -TERN_ENOMEM (no memory for a page table). */
int paging_map(uint64_t phys, uint64_t size, bool uncached);

/* ---- clock.c ---- */
/* Finds the TSC frequency (CPUID 0x15, the hypervisor timing leaf, the
 * kvmclock, or a PIT calibration) and starts the clocks. */
void clock_init(void);

extern uint64_t clock_tsc_hz;
extern const char *clock_tsc_source;

/* Nanoseconds for a number of TSC ticks, and back. */
uint64_t clock_tsc_to_ns(uint64_t ticks);
uint64_t clock_ns_to_tsc(uint64_t ns);

/* The TSC value at which tern_clock_monotonic() reads ns. */
uint64_t clock_tsc_at(uint64_t ns);

/* Busy-waits for ns nanoseconds (calibration, device resets). */
void clock_delay(uint64_t ns);

/* ---- rtc.c ---- */
/* The CMOS real-time clock as seconds since 1970 (UTC, as QEMU sets it),
 * or 0 if it reads nonsense. */
uint64_t rtc_read_epoch(void);

/* ---- lapic.c ---- */
/* Enables the local APIC and picks the timer mode (TSC-deadline if the CPU
 * has it, one-shot with a calibrated frequency otherwise). */
void lapic_init(void);

/* Arms the timer to interrupt at monotonic time deadline (ns); a deadline
 * further than the one-shot counter reaches interrupts early (tern_wait's
 * callers allow spurious returns). */
void lapic_arm(uint64_t deadline);

/* Cancels the timer. */
void lapic_disarm(void);

/* Acknowledges the interrupt being handled. */
void lapic_eoi(void);

/* Under QEMU's TCG, the TSC frequency measured against the APIC timer,
 * which runs at exactly 1 GHz there (200 us); 0 elsewhere. */
uint64_t lapic_tcg_tsc_hz(void);

extern const char *lapic_timer_mode;

/* ---- wait.c ---- */
/* A device that can wake tern_wait(). arm() enables the device's
 * interrupts and returns true if work is already waiting (the wait then
 * returns at once); disarm() suppresses them again after the wait. A device
 * without interrupts sets polled: the wait then sleeps at most
 * GUEST_POLL_NS. */
struct guest_waker {
	struct tern_list link;
	bool (*arm)(struct guest_waker *w);
	void (*disarm)(struct guest_waker *w);
	bool polled;
};

#define GUEST_POLL_NS (1 * TERN_NSEC_PER_MSEC)

void guest_waker_add(struct guest_waker *w);

/* ---- entropy.c ---- */
/* Checks for RDRAND and seeds the fallback pool; warns on the console if
 * RDRAND is missing. */
void entropy_init(void);

extern const char *entropy_source;

/* ---- pci.c ---- */
struct guest_pci_dev {
	uint8_t bus, slot, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass;
	uint8_t header_type;
};

#define GUEST_PCI_MAX 32

/* Enumerates every function reachable from bus 0 (following bridges) into
 * devs (at most max). Returns the number found. */
unsigned pci_scan(struct guest_pci_dev *devs, unsigned max);

uint32_t pci_read32(const struct guest_pci_dev *d, uint8_t off);
uint16_t pci_read16(const struct guest_pci_dev *d, uint8_t off);
uint8_t pci_read8(const struct guest_pci_dev *d, uint8_t off);
void pci_write32(const struct guest_pci_dev *d, uint8_t off, uint32_t v);
void pci_write16(const struct guest_pci_dev *d, uint8_t off, uint16_t v);

/* The memory address BAR bar decodes (64-bit BARs included), mapped into
 * the page tables uncached; 0 if the BAR is an I/O BAR, unassigned or
 * cannot be mapped. size is the span the caller will touch. */
uint64_t pci_bar_map(const struct guest_pci_dev *d, unsigned bar,
		     uint64_t size);

/* Enables memory decoding and bus mastering, and disables INTx. */
void pci_enable(const struct guest_pci_dev *d);

/* Offset of the first capability with id cap_id at or after start (0 to
 * begin), or 0 if there is none. */
uint8_t pci_find_cap(const struct guest_pci_dev *d, uint8_t cap_id,
		     uint8_t start);

/* Points every MSI-X table entry of d at the boot CPU's LAPIC with vector
 * and enables MSI-X. Returns the number of entries, or -TERN_ENOTSUP if
 * the device has no MSI-X. */
int pci_msix_enable(const struct guest_pci_dev *d, uint8_t vector);

/* ---- devices.c ---- */
struct tern_args;
struct tern_boot;

/* Takes the virtio_mmio.device= words out of argv[1..argc) (the kernel
 * command line, split), keeping their devices for devices_attach(); halts
 * with a message on a malformed one. Returns the new argc. */
int devices_take_mmio_args(int argc, char **argv);

/* Finds the virtio devices (PCI, then the virtio-mmio list in command-line
 * order) and gives the app those its --net and --disk flags ask for (all
 * of a kind when none are given); halts if it asked for more than there
 * are. */
void devices_attach(struct tern_boot *boot, const struct tern_args *a);

/* PCI functions found and virtio-mmio devices listed, for tern_guest_info. */
extern unsigned devices_pci_functions, devices_mmio;

/* ---- virtio_net.c, virtio_blk.c ---- */
struct virtio_dev;

/* Drive the virtio-net / virtio-blk device whose transport v was set up
 * (virtio_pci_init, virtio_mmio_init) under the given stable name. Return
 * 0 with *out set, or a negative -TERN_E* (reason logged). */
int virtio_net_probe(const struct virtio_dev *v, const char *name,
		     struct tern_netdev **out);
int virtio_blk_probe(const struct virtio_dev *v, const char *name,
		     struct tern_blkdev **out);

#endif
