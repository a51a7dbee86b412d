/*
 * fuzz_trace.c - the digest of fuzz_trace.h. Process-wide state, as the
 * harness of a fuzz target is: one input runs at a time.
 */
#include "fuzz_trace.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static bool tracing;
static uint64_t digest = FNV_OFFSET;

void fuzz_trace_start(bool on)
{
	tracing = on;
	digest = FNV_OFFSET;
}

void fuzz_trace_add(const void *p, size_t n)
{
	const uint8_t *b = p;

	if (!tracing)
		return;
	for (size_t i = 0; i < n; i++)
		digest = (digest ^ b[i]) * FNV_PRIME;
}

uint64_t fuzz_trace_digest(void)
{
	return digest;
}
