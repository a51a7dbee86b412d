/*
 * assert.h - contract checks that work in both worlds.
 *
 * TERN_ASSERT is for broken contracts (a caller passing a NULL where one is
 * not allowed, a pool freed twice), never for bad input: bad input is
 * counted and dropped. It is always compiled in; a failure prints the file,
 * line and expression on the console and calls tern_abort().
 */
#ifndef TERN_ASSERT_H
#define TERN_ASSERT_H

#include "tern/base.h"

/* Prints "assertion failed" with the location and ends the image. */
TERN_API _Noreturn void tern_assert_fail(const char *expr, const char *file,
					 int line);

#define TERN_ASSERT(expr) \
	((expr) ? (void)0 : tern_assert_fail(#expr, __FILE__, __LINE__))

#endif
