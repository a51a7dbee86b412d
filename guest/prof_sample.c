/*
 * prof_sample.c - the profiler's NMI handler and its ring: each tick
 * records the interrupted RIP and the return addresses of a frame-pointer
 * walk, already in the wire format (prof_out.c: only the frames that
 * differ from the previous sample's), into a byte ring that non-NMI code
 * drains.
 *
 * The NMI can arrive at any instruction, so this file allocates nothing,
 * prints nothing, takes no lock and calls nothing outside itself but
 * mem_is_ram() (a read-only scan of the boot memory map). The walk is
 * defensive: at most PROF_DEPTH_MAX frames, every frame pointer 8-byte
 * aligned, in RAM and above the last one (stacks grow down), every return
 * address inside the image's code; it stops at the first that is not (a
 * null frame pointer ends every chain: start.S and new fibers set it).
 *
 * The ring has one producer, the NMI, and one consumer, prof_out.c, on
 * one CPU: the NMI interrupts the consumer, never the reverse. So the
 * indexes need no lock, only ordering against the compiler: the producer
 * writes a record, then publishes head; the consumer reads head, sends
 * the bytes, then publishes tail. Both are free-running counters; a record
 * that does not fit is dropped whole and counted.
 *
 * An NMI less than three quarters of a tick period after the last sample
 * is merged into it (counted, not recorded): QEMU's PIT model (7.2, TCG)
 * in square-wave mode often raises its output again at the falling
 * transition without lowering it first (its tick rounding), and the I/O
 * APIC takes every raise of an edge-triggered pin as an edge, so about
 * half the periods deliver two NMIs, half a period apart (seen with
 * `-trace ioapic_set_irq`). Without the merge a 1 kHz profile took 1.6 to
 * 2 kHz of samples.
 */
#include "tern/assert.h"

#include "guest.h"
#include "x86.h"

static uint8_t *ring;
static uint32_t ring_size; /* a power of two */
static uint32_t head, tail;
static uint32_t taken, dropped, merged;
static uint64_t min_gap, last_tsc;    /* TSC ticks */
static uint32_t prev[PROF_DEPTH_MAX]; /* the stack of the last record */
static unsigned prev_n;

/* True if addr lies in the image's code. */
static bool in_text(uint64_t addr)
{
	return addr >= (uint64_t)(uintptr_t)__image_start &&
	       addr < (uint64_t)(uintptr_t)__text_end;
}

/* Stores v little-endian at p. */
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Fills frames with the interrupted RIP and the return addresses of the
 * frame-pointer walk from f, innermost first; returns how many. */
static unsigned walk(const struct guest_trap_frame *f,
		     uint32_t frames[PROF_DEPTH_MAX])
{
	uint64_t rbp = f->rbp;
	unsigned n = 1;

	/* RIP is kept even outside the code (the host names it
	 * [unknown]); a 32-bit field holds it as long as it is below
	 * 4 GiB, and the image's code always is. */
	frames[0] = (uint32_t)f->rip;
	while (n < PROF_DEPTH_MAX && rbp) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		uint64_t next, ret;

		if ((rbp & 7) || !mem_is_ram(rbp, 16))
			break;
		next = frame[0];
		ret = frame[1];
		if (!in_text(ret))
			break;
		frames[n++] = (uint32_t)ret;
		if (next <= rbp)
			break;
		rbp = next;
	}
	return n;
}

/* Encodes the n frames as a record in rec against the last record sent
 * (prev, prev_n): the frames that differ, then how many outermost frames
 * of prev follow them. Returns the record's length in bytes. */
static uint32_t encode(const uint32_t *frames, unsigned n,
		       uint8_t rec[PROF_RECORD_MAX])
{
	unsigned keep = 0, fresh;

	/* The innermost frame is always sent: a record has n >= 1. */
	while (keep < n - 1 && keep < prev_n &&
	       frames[n - 1 - keep] == prev[prev_n - 1 - keep])
		keep++;
	fresh = n - keep;
	rec[0] = (uint8_t)fresh;
	rec[1] = (uint8_t)keep;
	for (unsigned i = 0; i < fresh; i++)
		put32(rec + 2 + 4 * i, frames[i]);
	return 2 + 4 * fresh;
}

void prof_ring_init(uint8_t *buf, uint32_t size, uint64_t period_tsc)
{
	TERN_ASSERT(size && (size & (size - 1)) == 0);
	ring_size = size;
	head = tail = taken = dropped = merged = 0;
	prev_n = 0;
	min_gap = period_tsc / 4 * 3;
	last_tsc = 0;
	ring = buf;
}

bool prof_nmi(const struct guest_trap_frame *f)
{
	uint32_t frames[PROF_DEPTH_MAX];
	uint8_t rec[PROF_RECORD_MAX];
	uint32_t len, h, t;
	unsigned n;

	uint64_t now = rdtsc();

	if (!ring)
		return false;
	if (now - last_tsc < min_gap) {
		merged++;
		return true;
	}
	last_tsc = now;
	taken++;
	n = walk(f, frames);
	len = encode(frames, n, rec);
	h = head;
	t = __atomic_load_n(&tail, __ATOMIC_ACQUIRE);
	if (ring_size - (h - t) < len) {
		dropped++;
		return true;
	}
	for (uint32_t i = 0; i < len; i++)
		ring[(h + i) & (ring_size - 1)] = rec[i];
	__atomic_store_n(&head, h + len, __ATOMIC_RELEASE);
	/* The next record is encoded against this one; a dropped record
	 * never becomes prev, since the host never sees it. */
	for (unsigned i = 0; i < n; i++)
		prev[i] = frames[i];
	prev_n = n;
	return true;
}

uint32_t prof_ring_used(void)
{
	return __atomic_load_n(&head, __ATOMIC_ACQUIRE) - tail;
}

uint32_t prof_ring_peek(const uint8_t **p)
{
	uint32_t used = prof_ring_used();
	uint32_t off = tail & (ring_size - 1);

	*p = ring + off;
	return TERN_MIN(used, ring_size - off);
}

void prof_ring_consume(uint32_t n)
{
	__atomic_store_n(&tail, tail + n, __ATOMIC_RELEASE);
}

void prof_ring_counts(struct prof_counts *c)
{
	c->taken = __atomic_load_n(&taken, __ATOMIC_RELAXED);
	c->dropped = __atomic_load_n(&dropped, __ATOMIC_RELAXED);
	c->merged = __atomic_load_n(&merged, __ATOMIC_RELAXED);
}
