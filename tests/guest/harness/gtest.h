/*
 * gtest.h - a tiny test harness for guest images (Criterion needs an OS).
 *
 * A test is a function taking struct gtest *; checks record the first
 * failure with its file, line and expression (and the values for the _EQ
 * forms) and return from the test. gtest_run() runs a table of tests,
 * prints one TAP-like line per test and a summary with the seed, and
 * returns the number of failed tests; a guest image returns that (capped)
 * from main, so QEMU's exit code (2 * status + 1) says pass or fail.
 * Randomised tests draw from t->rand, seeded from the run's seed, so a
 * failure replays with --seed N.
 */
#ifndef TERN_TESTS_GUEST_GTEST_H
#define TERN_TESTS_GUEST_GTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/rand.h"

struct gtest {
	const char *name;
	struct tern_rand rand;
	unsigned checks;
	bool failed;
};

struct gtest_case {
	const char *name;
	void (*fn)(struct gtest *t);
};

/* Records a failure of the current test (prints it at once). */
void gtest_fail(struct gtest *t, const char *file, int line, const char *expr,
		unsigned long long a, unsigned long long b, bool values);

#define GT_ASSERT(t, cond)                                               \
	do {                                                             \
		(t)->checks++;                                           \
		if (!(cond)) {                                           \
			gtest_fail((t), __FILE__, __LINE__, #cond, 0, 0, \
				   false);                               \
			return;                                          \
		}                                                        \
	} while (0)

#define GT_ASSERT_EQ(t, a, b)                                             \
	do {                                                              \
		unsigned long long gt_a_ = (unsigned long long)(a);       \
		unsigned long long gt_b_ = (unsigned long long)(b);       \
		(t)->checks++;                                            \
		if (gt_a_ != gt_b_) {                                     \
			gtest_fail((t), __FILE__, __LINE__, #a " == " #b, \
				   gt_a_, gt_b_, true);                   \
			return;                                           \
		}                                                         \
	} while (0)

/* Runs n tests with seed; returns the number that failed. */
unsigned gtest_run(const char *suite, const struct gtest_case *cases,
		   unsigned n, uint64_t seed);

#endif
