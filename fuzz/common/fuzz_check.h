/*
 * fuzz_check.h - marks a fuzz target's own checking code.
 *
 * A target's invariant checks are not the code under test: their branches
 * are assertions that always hold, and instrumenting them for coverage
 * only makes every input slower (libFuzzer's comparison hooks run on each
 * of their compares) and adds features that guide nothing. FUZZ_CHECKER on
 * a function leaves its body uninstrumented under clang; the code it calls
 * keeps its own instrumentation. gcc (replay builds) ignores it.
 */
#ifndef TERN_FUZZ_COMMON_FUZZ_CHECK_H
#define TERN_FUZZ_COMMON_FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__clang__)
#define FUZZ_CHECKER __attribute__((no_sanitize("coverage")))
#else
#define FUZZ_CHECKER
#endif

/* Whether the n bytes at a and b are equal: memcmp without libFuzzer's
 * memcmp hook, for checks that compare at every offset. */
FUZZ_CHECKER static inline bool fuzz_same(const void *a, const void *b,
					  size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

#endif
