/*
 * cksum.c - benchmark: tern_cksum against a plain 16-bit loop and against
 * memcpy of the same bytes, in one run, at frame-like sizes.
 *
 * The 16-bit loop is the textbook RFC 1071 code (one big-endian word per
 * step, carries folded at the end), the baseline the fast sum must beat by
 * several times. memcpy reads the same bytes and writes them once, so
 * "tern vs memcpy" near or above 1 means the checksum costs about what
 * touching the data costs. Buffers are 64-byte aligned and warm in cache;
 * one extra case at an odd address checks that alignment does not matter.
 *
 * Records, per size N: cases cksum/tern/N, cksum/loop16/N, cksum/memcpy/N,
 * and the ratios "cksum/N: tern vs loop16" and "cksum/N: tern vs memcpy"
 * (how many times faster Tern is).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "tern/cksum.h"
#include "tern/rand.h"

#include "support/cksum_ref.h"

#define MAX_LEN (64 * 1024)

struct ctx {
	const uint8_t *src;
	uint8_t *dst;
	size_t len;
};

/* Each iteration's result is kept with a memory clobber, so the compiler
 * cannot hoist the sum out of the loop. */
static void run_tern(void *arg, uint64_t iters)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < iters; i++) {
		uint16_t s = tern_cksum(c->src, c->len);
		tern_bench_keep(s);
	}
}

static void run_loop16(void *arg, uint64_t iters)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < iters; i++) {
		uint16_t s = ref_cksum(c->src, c->len);
		tern_bench_keep(s);
	}
}

static void run_memcpy(void *arg, uint64_t iters)
{
	struct ctx *c = arg;

	for (uint64_t i = 0; i < iters; i++) {
		memcpy(c->dst, c->src, c->len);
		tern_bench_keep(c->dst);
	}
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 576, 1500, 9000, MAX_LEN };
	static _Alignas(64) uint8_t src[MAX_LEN + 64], dst[MAX_LEN + 64];
	struct tern_bench b;
	struct tern_rand r;
	char name[64], fast[64], slow[64];

	tern_bench_init(&b, "lib_cksum", argc, argv);
	tern_rand_seed(&r, 1071);
	tern_rand_fill(&r, src, sizeof(src));
	/* The three must agree before any of them is timed. */
	for (size_t i = 0; i < TERN_ARRAY_SIZE(sizes); i++) {
		if (tern_cksum(src, sizes[i]) != ref_cksum(src, sizes[i])) {
			fprintf(stderr, "bench: checksums disagree at %zu\n",
				sizes[i]);
			return 1;
		}
	}

	for (size_t i = 0; i < TERN_ARRAY_SIZE(sizes); i++) {
		struct ctx c = { src, dst, sizes[i] };
		size_t n = sizes[i];

		snprintf(name, sizeof(name), "cksum/tern/%zu", n);
		tern_bench_run(&b, name, run_tern, &c, (double)n);
		snprintf(name, sizeof(name), "cksum/loop16/%zu", n);
		tern_bench_run(&b, name, run_loop16, &c, (double)n);
		snprintf(name, sizeof(name), "cksum/memcpy/%zu", n);
		tern_bench_run(&b, name, run_memcpy, &c, (double)n);
	}
	{
		struct ctx c = { src + 1, dst, 1500 };

		tern_bench_run(&b, "cksum/tern/1500+1", run_tern, &c, 1500);
	}
	for (size_t i = 0; i < TERN_ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];

		snprintf(fast, sizeof(fast), "cksum/tern/%zu", n);
		snprintf(slow, sizeof(slow), "cksum/loop16/%zu", n);
		snprintf(name, sizeof(name), "cksum/%zu: tern vs loop16", n);
		tern_bench_ratio(&b, name, fast, slow);
		snprintf(slow, sizeof(slow), "cksum/memcpy/%zu", n);
		snprintf(name, sizeof(name), "cksum/%zu: tern vs memcpy", n);
		tern_bench_ratio(&b, name, fast, slow);
	}
	tern_bench_ratio(&b, "cksum/1500: aligned vs odd address",
			 "cksum/tern/1500", "cksum/tern/1500+1");
	return tern_bench_finish(&b);
}
