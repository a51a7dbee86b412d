/*
 * test_err.c - tern_strerror: every code has its own message, the sign does
 * not matter, and unknown codes are handled.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

#include "tern/err.h"

Test(err, every_code_has_a_distinct_message)
{
	for (int e = 0; e < TERN_ERR_COUNT; e++) {
		const char *m = tern_strerror(e);

		cr_assert_not_null(m);
		cr_assert_str_neq(m, "unknown error", "code %d has no message",
				  e);
		cr_assert_str_eq(tern_strerror(-e), m);
		for (int o = 0; o < e; o++)
			cr_assert_str_neq(tern_strerror(o), m,
					  "codes %d and %d", o, e);
	}
	cr_assert_str_eq(tern_strerror(0), "success");
	cr_assert_str_eq(tern_strerror(-TERN_EIO), "I/O error");
	cr_assert_str_eq(tern_strerror(-TERN_EAGAIN), "try again later");
}

Test(err, unknown_codes)
{
	cr_assert_str_eq(tern_strerror(TERN_ERR_COUNT), "unknown error");
	cr_assert_str_eq(tern_strerror(-TERN_ERR_COUNT), "unknown error");
	cr_assert_str_eq(tern_strerror(INT_MAX), "unknown error");
	cr_assert_str_eq(tern_strerror(INT_MIN + 1), "unknown error");
}
