/*
 * main.c - the guest's C entry: bring the platform up, find the devices,
 * parse the kernel command line, run the application, halt.
 *
 * Order matters: the console first (so everything after can complain), the
 * descriptor tables (so a fault prints instead of resetting the VM), the
 * memory map and allocator, the uncached MMIO pages, then the clocks, the
 * LAPIC (its calibration needs the clock), entropy, and the devices.
 *
 * The command line takes the hosted runner's flags (tern/app.h), after the
 * virtio_mmio.device= words are taken out (devices.c, which also explains
 * --net virtio and --disk virtio) and --profile HZ (prof.c), which
 * starts sampling just before the app's main. --pcap is hosted-only and
 * rejected.
 */
#include <string.h>

#include "tern/app.h"
#include "tern/fmt.h"
#include "tern/log.h"

#include "guest.h"
#include "x86.h"

#define ARGV_MAX 64

static struct guest_bootinfo bootinfo;
static uint64_t boot_ns;

/* The TSC at the end of each boot step, for the breakdown that
 * --log debug prints (log_boot_steps). */
enum boot_step {
	STEP_CPU,
	STEP_MEMORY,
	STEP_CLOCK,
	STEP_LAPIC,
	STEP_ENTROPY,
	STEP_ARGS,
	STEP_DEVICES,
	STEP_COUNT
};
static const char *const step_names[STEP_COUNT] = {
	"console+cpu", "memory", "clock", "lapic", "entropy", "args", "devices"
};
static uint64_t step_tsc[STEP_COUNT];

/* Logs, at debug level, how long each boot step took, in us. */
static void log_boot_steps(void)
{
	char line[256];
	size_t n = 0;
	uint64_t prev = guest_boot_tsc;

	if (tern_log_get_level() < TERN_LOG_DEBUG)
		return;
	for (unsigned i = 0; i < STEP_COUNT && n < sizeof(line); i++) {
		uint64_t us = clock_tsc_to_ns(step_tsc[i] - prev) / 1000;
		int w = tern_snprintf(line + n, sizeof(line) - n, " %s %llu",
				      step_names[i], (unsigned long long)us);

		if (w < 0)
			break;
		n += (size_t)w;
		prev = step_tsc[i];
	}
	tern_log_debug("guest: boot steps (us):%s", line);
}

void tern_guest_get_info(struct tern_guest_info *info)
{
	info->tsc_hz = clock_tsc_hz;
	info->tsc_source = clock_tsc_source;
	info->timer_mode = lapic_timer_mode;
	info->entropy_source = entropy_source;
	info->ram_bytes = mem_total_bytes();
	info->free_bytes = mem_free_bytes();
	info->boot_ns = boot_ns;
	info->irqs = trap_irq_count;
	info->pci_functions = devices_pci_functions;
	info->mmio_devices = devices_mmio;
}

/* Logs why the guest cannot boot and halts with status 1. */
static _Noreturn void boot_fail(const char *what)
{
	tern_log_error("guest: %s", what);
	tern_halt(1);
}

/* Feeds the PVH memory map's RAM to the allocator and fixes up the
 * page tables (uncached MMIO, RAM above 4 GiB). */
static void setup_memory(void)
{
	for (unsigned i = 0; i < bootinfo.n_memmap; i++)
		if (bootinfo.memmap[i].type == GUEST_MEM_RAM)
			mem_add_ram(bootinfo.memmap[i].start,
				    bootinfo.memmap[i].end);
	paging_init(bootinfo.memmap, bootinfo.n_memmap);
	/* RAM above the boot map's 4 GiB needs page tables first. */
	for (unsigned i = 0; i < bootinfo.n_memmap; i++) {
		const struct guest_memrange *r = &bootinfo.memmap[i];

		if (r->type == GUEST_MEM_RAM && r->end > (1ull << 32) &&
		    paging_map(r->start, r->end - r->start, false) < 0)
			tern_log_warn("guest: cannot map RAM at 0x%llx",
				      (unsigned long long)r->start);
	}
}

_Noreturn void tern_guest_main(uint32_t start_info);

_Noreturn void tern_guest_main(uint32_t start_info)
{
	static struct tern_args args;
	static char *argv[ARGV_MAX];
	static struct tern_boot boot;
	char err[128];
	int argc, status;

	serial_init();
	cpu_init();
	step_tsc[STEP_CPU] = rdtsc();
	if (pvh_parse(start_info, &bootinfo) < 0)
		boot_fail("cannot read the PVH start info");
	setup_memory();
	step_tsc[STEP_MEMORY] = rdtsc();
	clock_init();
	step_tsc[STEP_CLOCK] = rdtsc();
	lapic_init();
	serial_rx_init();
	step_tsc[STEP_LAPIC] = rdtsc();
	entropy_init();
	step_tsc[STEP_ENTROPY] = rdtsc();

	argc = tern_args_split(bootinfo.cmdline, tern_app.name, argv, ARGV_MAX);
	argc = devices_take_mmio_args(argc, argv);
	argc = prof_take_args(argc, argv);
	if (tern_args_parse(&args, &tern_app, argc, argv, err, sizeof(err))) {
		tern_log_error("guest: command line: %s", err);
		tern_args_usage(&tern_app);
		tern_halt(2);
	}
	if (args.help) {
		tern_args_usage(&tern_app);
		tern_halt(0);
	}
	if (args.pcap)
		boot_fail("--pcap is hosted-only");
	if (bootinfo.cmdline_truncated)
		tern_log_warn("guest: command line truncated to %d bytes",
			      GUEST_CMDLINE_MAX - 1);
	tern_log_set_level((enum tern_log_level)args.log_level);
	step_tsc[STEP_ARGS] = rdtsc();

	boot.app = &tern_app;
	boot.args = &args;
	devices_attach(&boot, &args);
	step_tsc[STEP_DEVICES] = rdtsc();

	/* Nothing is printed before this at the default log level, and
	 * this line is short: under TCG each byte costs a port exit and a
	 * write by QEMU (5-15 us measured on a busy host), and the first
	 * line another half millisecond of translation. The details, and
	 * devices' lines, need --log debug. */
	boot_ns = tern_clock_monotonic(); /* the origin is the first insn */
	tern_log_info("guest: boot %llu us from first instruction to main",
		      (unsigned long long)(boot_ns / 1000));
	tern_log_debug("guest: %llu MiB RAM, TSC %llu.%03llu MHz (%s), timer "
		       "%s, entropy %s, %u net, %u blk",
		       (unsigned long long)(mem_total_bytes() >> 20),
		       (unsigned long long)(clock_tsc_hz / 1000000),
		       (unsigned long long)(clock_tsc_hz / 1000 % 1000),
		       clock_tsc_source, lapic_timer_mode, entropy_source,
		       boot.n_net, boot.n_blk);
	log_boot_steps();
	prof_start();
	status = tern_app.main(&boot);
	if (boot.report)
		boot.report(boot.report_ctx);
	tern_halt(status);
}
