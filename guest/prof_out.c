/*
 * prof_out.c - the profiler's output: the sample stream, written to QEMU's
 * isa-debugcon (port 0xe9, `-debugcon file:PATH`), which stores every byte
 * written to the port in PATH unchanged.
 *
 * The stream (version 1; all integers little-endian):
 *
 *   header   "TPRF", u8 version (1), u8 address bytes (4), u16 the
 *            deepest stack a record holds (PROF_DEPTH_MAX), u32 the tick
 *            rate in mHz
 *   record   u8 n (1..PROF_DEPTH_MAX), u8 keep (0..PROF_DEPTH_MAX - n),
 *            then n u32 addresses; the sample's stack, innermost first,
 *            is those n followed by the outermost keep frames of the
 *            previous record's stack (0 in the first record). The
 *            stack is the interrupted RIP, then the return addresses of
 *            the frame-pointer walk (each points after its call)
 *   trailer  u8 0, u32 samples taken, u32 of them dropped (the ring was
 *            full), u32 NMIs merged into the sample before them
 *            (prof_sample.c), u32 end mark 0x46525054 ("TPRF" read back)
 *
 * ci/profile/symbolise.py reads it; a stream without its trailer (a guest
 * that crashed or was killed) is still read up to its last whole record.
 *
 * Every byte written is a VM exit that QEMU turns into a write() of one
 * byte on PATH (about 0.5 us under TCG), so records are compact (4 bytes
 * a frame, and a frame the previous sample shares is not sent again: 6
 * bytes for a sample that differs from the last only in its RIP) and are
 * sent from the event loop, never from the NMI: when
 * tern_wait() finds PROF_FLUSH_BYTES waiting, and at the halt.
 */
#include "guest.h"
#include "x86.h"

#define DEBUGCON_PORT 0xe9
#define PROF_VERSION 1
#define PROF_END_MARK 0x46525054u

/* Writes len bytes at p to the debugcon (one REP OUTSB). */
static void out_bytes(const void *p, size_t len)
{
	__asm__ volatile("rep outsb"
			 : "+S"(p), "+c"(len)
			 : "d"((uint16_t)DEBUGCON_PORT)
			 : "memory");
}

/* Stores v little-endian at p. */
static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

bool prof_out_present(void)
{
	/* QEMU's debugcon reads back 0xe9; an empty port reads 0xff. */
	return inb(DEBUGCON_PORT) == DEBUGCON_PORT;
}

void prof_out_header(uint32_t mhz)
{
	uint8_t h[12] = { 'T', 'P', 'R', 'F' };

	h[4] = PROF_VERSION;
	h[5] = 4; /* address bytes */
	h[6] = (uint8_t)PROF_DEPTH_MAX;
	h[7] = (uint8_t)(PROF_DEPTH_MAX >> 8);
	le32(h + 8, mhz);
	out_bytes(h, sizeof(h));
}

void prof_out_flush(void)
{
	uint32_t left = prof_ring_used();

	/* What was there on entry (records the NMI adds meanwhile wait for
	 * the next flush): at most two spans, the ring's end, then its
	 * start. */
	while (left) {
		const uint8_t *p;
		uint32_t n = TERN_MIN(prof_ring_peek(&p), left);

		out_bytes(p, n);
		prof_ring_consume(n);
		left -= n;
	}
}

void prof_out_trailer(const struct prof_counts *c)
{
	uint8_t t[17] = { 0 };

	le32(t + 1, c->taken);
	le32(t + 5, c->dropped);
	le32(t + 9, c->merged);
	le32(t + 13, PROF_END_MARK);
	out_bytes(t, sizeof(t));
}
