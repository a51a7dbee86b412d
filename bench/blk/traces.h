/*
 * traces.h - synthetic block-access traces for the policy benchmark.
 *
 * Every trace is a seeded, reproducible array of block numbers below a
 * stated universe, scaled to a cache of `cache` blocks:
 *
 *   zipf       Zipf(alpha) popularity over 16 x cache blocks, the blocks
 *              shuffled so popular ones are not neighbours.
 *   scan_hot   a hot set of cache/2 blocks (uniform) taking 1/3 of the
 *              accesses, interleaved with one long sequential scan that
 *              never repeats: a web server's hot files while a backup or a
 *              crawler reads everything once.
 *   loop       one sequential loop of 3/2 x cache blocks, repeated: LRU's
 *              worst case (every access misses).
 *   web        files with heavy-tailed sizes (1..64 blocks) chosen by
 *              Zipf(0.9) popularity, each read whole and in order: what
 *              httpd does to a tarfs image.
 */
#ifndef TERN_BENCH_TRACES_H
#define TERN_BENCH_TRACES_H

#include <stdint.h>

enum trace_kind {
	TRACE_ZIPF,
	TRACE_SCAN_HOT,
	TRACE_LOOP,
	TRACE_WEB,
	TRACE_COUNT
};

struct trace {
	const char *name;
	uint32_t *blocks;
	uint64_t len;
	uint32_t universe; /* every block number is below this */
};

/* Builds trace kind for a cache of `cache` blocks with len accesses. Exits
 * the program if memory runs out. */
void trace_make(struct trace *t, enum trace_kind kind, uint32_t cache,
		uint64_t len, uint64_t seed);
void trace_free(struct trace *t);

#endif
