/*
 * fiber_check.h - checks for test code that runs on a fiber's stack.
 *
 * Criterion's asserts cannot unwind from a fiber's stack: there a failed
 * CHECK prints the file, line and condition and aborts, and Criterion
 * counts the test as crashed.
 */
#ifndef TERN_TESTS_FIBER_CHECK_H
#define TERN_TESTS_FIBER_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b) CHECK((a) == (b))

#endif
