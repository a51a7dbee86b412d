/*
 * test_log.c - leveled logging: level names, the filter, the line format
 * with the monotonic time, truncation of long messages, and the assertion
 * path (message, then abort).
 */
#define _GNU_SOURCE /* dup, fileno */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "support/capture.h"
#include "tern/assert.h"
#include "tern/hosted.h"
#include "tern/log.h"

Test(log, level_names_parse)
{
	cr_assert_eq(tern_log_parse_level("off"), TERN_LOG_OFF);
	cr_assert_eq(tern_log_parse_level("error"), TERN_LOG_ERROR);
	cr_assert_eq(tern_log_parse_level("warn"), TERN_LOG_WARN);
	cr_assert_eq(tern_log_parse_level("info"), TERN_LOG_INFO);
	cr_assert_eq(tern_log_parse_level("debug"), TERN_LOG_DEBUG);
	cr_assert_eq(tern_log_parse_level("trace"), TERN_LOG_TRACE);
	cr_assert_eq(tern_log_parse_level("INFO"), -TERN_EINVAL);
	cr_assert_eq(tern_log_parse_level(""), -TERN_EINVAL);
	cr_assert_eq(tern_log_parse_level("warning"), -TERN_EINVAL);
}

static void log_some(void)
{
	tern_log_set_level(TERN_LOG_WARN);
	tern_log_error("e %d", 1);
	tern_log_warn("w %s", "two");
	tern_log_info("hidden");
	tern_log_debug("hidden");
	tern_log_set_level(TERN_LOG_TRACE);
	tern_hosted_clock_advance(1000);
	tern_log_trace("t");
}

Test(log, lines_carry_time_and_level_and_the_filter_works)
{
	char out[1024];

	tern_hosted_clock_use_virtual(12 * TERN_NSEC_PER_SEC + 345678000);
	cr_assert_eq(tern_log_get_level(), TERN_LOG_INFO, "default level");
	capture_stderr(log_some, out, sizeof(out));
	cr_assert_str_eq(out, "[   12.345678] E e 1\n"
			      "[   12.345678] W w two\n"
			      "[   12.345679] T t\n");
	cr_assert_eq(tern_log_get_level(), TERN_LOG_TRACE);
}

static void log_off(void)
{
	tern_log_set_level(TERN_LOG_OFF);
	tern_log_error("dropped");
	tern_log_set_level(TERN_LOG_INFO);
}

Test(log, off_drops_even_errors)
{
	char out[64];

	capture_stderr(log_off, out, sizeof(out));
	cr_assert_str_eq(out, "");
}

static void log_long(void)
{
	char big[600];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tern_log_error("%s", big);
}

Test(log, long_messages_are_truncated_to_one_line)
{
	char out[1024];

	tern_hosted_clock_use_virtual(0);
	capture_stderr(log_long, out, sizeof(out));
	cr_assert_eq(strlen(out), TERN_LOG_LINE_MAX - 1);
	cr_assert_eq(out[strlen(out) - 1], '\n');
	cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1,
		     "exactly one newline, at the end");
}

Test(log, a_failed_assertion_aborts, .signal = SIGABRT)
{
	int x = 1;

	TERN_ASSERT(x == 2);
}
