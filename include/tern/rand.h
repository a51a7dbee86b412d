/*
 * rand.h - a small seeded PRNG (xoshiro256**, seeded through splitmix64).
 *
 * For simulation and tests: fault injection, random workloads, jitter. The
 * same seed always gives the same sequence, in both worlds. Not for secrets:
 * keys and ISNs come from tern_entropy().
 */
#ifndef TERN_RAND_H
#define TERN_RAND_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/base.h"

struct tern_rand {
	uint64_t s[4];
};

/* Seeds r; any seed (including 0) is fine. */
TERN_API void tern_rand_seed(struct tern_rand *r, uint64_t seed);

/* The next 64 random bits. */
TERN_API uint64_t tern_rand_u64(struct tern_rand *r);

/* A uniform value in [0, bound), without modulo bias. bound 0 gives 0. */
TERN_API uint64_t tern_rand_below(struct tern_rand *r, uint64_t bound);

/* True with probability ppm / 1,000,000. */
TERN_API bool tern_rand_ppm(struct tern_rand *r, uint32_t ppm);

/* Fills len bytes at buf. */
TERN_API void tern_rand_fill(struct tern_rand *r, void *buf, size_t len);

#endif
