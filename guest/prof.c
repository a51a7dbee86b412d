/*
 * prof.c - the guest's sampling profiler, switched on by `--profile HZ` on
 * the kernel command line: its flag, and starting and ending a profile.
 *
 * HZ ticks a second (PROF_HZ_MIN..PROF_HZ_MAX) of the PIT raise an NMI
 * (prof_pit.c); each records the interrupted RIP and a frame-pointer
 * backtrace into a ring (prof_sample.c), which the event loop drains to
 * QEMU's isa-debugcon (prof_out.c, which also defines the stream). The
 * host symbolises it into folded stacks: ci/profile/symbolise.py, driven
 * by `ci/profile.sh --guest APP`.
 *
 * The flag is the guest's own (the hosted runner profiles with perf), so
 * it is taken out of the command line before the common flags are
 * parsed, like the virtio_mmio.device= words.
 *
 * | tunable          | value   | what it costs                              |
 * |------------------|---------|--------------------------------------------|
 * | PROF_RING_BYTES  | 256 KiB | RAM, taken only when profiling; about 6 s  |
 * |                  |         | of 1 kHz samples when the app never waits  |
 * | PROF_FLUSH_BYTES | 4 KiB   | the longest pause of the event loop to     |
 * |                  |         | flush (about 4 ms under TCG)               |
 * | PROF_DEPTH_MAX   | 32      | frames per sample: 6..130 bytes a record   |
 */
#include <string.h>

#include "tern/log.h"

#include "guest.h"

#define PROF_RING_BYTES (256u * 1024)
#define PROF_FLUSH_BYTES (4u * 1024)
#define PROF_HZ_MIN 20 /* the PIT's 16-bit divisor */
#define PROF_HZ_MAX 10000

static unsigned long prof_hz;
static bool running;

/* Parses the decimal HZ of --profile into prof_hz; halts with status 2
 * (a command-line error) if it is not a number in range. */
static void parse_hz(const char *s)
{
	unsigned long v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9' && v <= PROF_HZ_MAX)
		v = v * 10 + (unsigned long)(*p++ - '0');
	if (p == s || *p || v < PROF_HZ_MIN || v > PROF_HZ_MAX) {
		tern_log_error("guest: command line: --profile wants HZ "
			       "from %d to %d, not '%s'",
			       PROF_HZ_MIN, PROF_HZ_MAX, s);
		tern_halt(2);
	}
	prof_hz = v;
}

int prof_take_args(int argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--profile") == 0) {
			if (i + 1 >= argc)
				parse_hz("");
			parse_hz(argv[++i]);
		} else if (strncmp(argv[i], "--profile=", 10) == 0) {
			parse_hz(argv[i] + 10);
		} else {
			argv[out++] = argv[i];
		}
	}
	return out;
}

void prof_start(void)
{
	uint8_t *buf;
	uint32_t mhz;

	if (!prof_hz)
		return;
	if (!prof_out_present()) {
		tern_log_warn("guest: --profile: no isa-debugcon at port 0xe9 "
			      "(QEMU -debugcon file:PATH); not profiling");
		return;
	}
	buf = tern_mem_alloc_buffers(PROF_RING_BYTES);
	if (!buf) {
		tern_log_warn("guest: --profile: no memory for the ring");
		return;
	}
	mhz = prof_pit_mhz((unsigned)prof_hz);
	prof_ring_init(buf, PROF_RING_BYTES, clock_tsc_hz * 1000 / mhz);
	if (prof_pit_start((unsigned)prof_hz) < 0) {
		tern_log_warn("guest: --profile: no I/O APIC pin for the PIT");
		return;
	}
	/* Samples wait in the ring until the first flush, so the header,
	 * which carries the rate the PIT was set to, still comes first. */
	prof_out_header(mhz);
	running = true;
	tern_log_info("guest: profiling at %lu.%03lu Hz (PIT, NMI) to "
		      "isa-debugcon",
		      (unsigned long)(mhz / 1000), (unsigned long)(mhz % 1000));
}

void prof_flush_due(void)
{
	if (running && prof_ring_used() >= PROF_FLUSH_BYTES)
		prof_out_flush();
}

void prof_finish(void)
{
	struct prof_counts c;

	if (!running)
		return;
	running = false;
	prof_pit_stop();
	prof_out_flush();
	prof_ring_counts(&c);
	prof_out_trailer(&c);
	tern_log_info("guest: profile: %lu samples, %lu dropped (ring full), "
		      "%lu NMIs merged",
		      (unsigned long)c.taken, (unsigned long)c.dropped,
		      (unsigned long)c.merged);
}
