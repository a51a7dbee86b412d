/*
 * capture.h - runs a function with stderr (the hosted console) captured
 * into a string, for tests of what Tern prints. Test code (Criterion);
 * the includer defines _GNU_SOURCE first (dup, fileno).
 */
#ifndef TERN_TESTS_CAPTURE_H
#define TERN_TESTS_CAPTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <unistd.h>

/* Runs fn with stderr captured into out (cap bytes, NUL-terminated,
 * truncated if longer). */
static inline void capture_stderr(void (*fn)(void), char *out, size_t cap)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	cr_assert_not_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, cap - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
}

#endif
