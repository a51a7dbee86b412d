/*
 * seeds.h - the seeds of a randomized test: TERN_SEED from the environment
 * (one run, to replay a failure whose message printed it), or the test's
 * fixed list.
 */
#ifndef TERN_TESTS_SEEDS_H
#define TERN_TESTS_SEEDS_H

#include <stdint.h>
#include <stdlib.h>

/* Writes the seeds to run into out (room for max, >= 1): TERN_SEED alone if
 * it is set, else the first max of fixed[0..n_fixed). Returns how many. */
static inline unsigned test_seeds(uint64_t *out, unsigned max,
				  const uint64_t *fixed, unsigned n_fixed)
{
	const char *env = getenv("TERN_SEED");
	unsigned n = 0;

	if (env && *env) {
		out[0] = strtoull(env, NULL, 0);
		return 1;
	}
	for (; n < max && n < n_fixed; n++)
		out[n] = fixed[n];
	return n;
}

#endif
