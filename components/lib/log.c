/*
 * log.c - leveled console logging, and the assertion failure path.
 *
 * The level is the one piece of process-wide state in components/lib: it is
 * a setting, not data, and every image has exactly one console.
 */
#include "tern/log.h"

#include <stdarg.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/dev.h"
#include "tern/fmt.h"

static enum tern_log_level current_level = TERN_LOG_INFO;

static const char level_letter[] = { '-', 'E', 'W', 'I', 'D', 'T' };
static const char *const level_name[] = { "off",  "error", "warn",
					  "info", "debug", "trace" };

void tern_log_set_level(enum tern_log_level level)
{
	current_level = level;
}

enum tern_log_level tern_log_get_level(void)
{
	return current_level;
}

int tern_log_parse_level(const char *name)
{
	for (unsigned i = 0; i < TERN_ARRAY_SIZE(level_name); i++)
		if (strcmp(name, level_name[i]) == 0)
			return (int)i;
	return -TERN_EINVAL;
}

void tern_log(enum tern_log_level level, const char *fmt, ...)
{
	char line[TERN_LOG_LINE_MAX];
	uint64_t now;
	va_list ap;
	int n;

	TERN_ASSERT(level != TERN_LOG_OFF);
	if (level > current_level)
		return;
	now = tern_clock_monotonic();
	n = tern_snprintf(line, sizeof(line), "[%5llu.%06llu] %c ",
			  (unsigned long long)(now / TERN_NSEC_PER_SEC),
			  (unsigned long long)(now % TERN_NSEC_PER_SEC / 1000),
			  level_letter[level]);
	va_start(ap, fmt);
	n += tern_vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	tern_console_write(line, (size_t)n);
}

void tern_assert_fail(const char *expr, const char *file, int line)
{
	char msg[TERN_LOG_LINE_MAX];
	int n = tern_snprintf(msg, sizeof(msg), "%s:%d: assertion failed: %s\n",
			      file, line, expr);

	tern_console_write(msg,
			   n < (int)sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	tern_abort();
}
