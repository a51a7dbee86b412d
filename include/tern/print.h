/*
 * print.h - formatted output on the console, whatever the log level: ready
 * lines, reports of counters at exit, crash reports, test results.
 *
 * Log lines (log.h) carry a timestamp and a level and may be filtered; what
 * goes through here is always written, as is.
 */
#ifndef TERN_PRINT_H
#define TERN_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"

#define TERN_PRINT_MAX 256 /* bytes per call; longer output is truncated */

/* Formats like tern_snprintf and writes the result to the console. No
 * newline is added. Returns the number of bytes written. */
TERN_API int tern_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Prints counters as lines of " name=value" items behind a prefix, wrapped
 * before TERN_COUNTER_LINE_MAX columns, skipping zeros:
 *
 *   net: rx_frames=12 arp_requests=2 ...
 */
#define TERN_COUNTER_LINE_MAX 100

struct tern_counter_line {
	const char *prefix;
	char buf[TERN_COUNTER_LINE_MAX];
	size_t len;
};

/* Starts an empty line with prefix (kept as a pointer). */
TERN_API void tern_counter_line_init(struct tern_counter_line *l,
				     const char *prefix);

/* Adds " name=value" unless value is 0, writing out the line first if the
 * item would not fit. */
TERN_API void tern_counter_line_add(struct tern_counter_line *l,
				    const char *name, uint64_t value);

/* Writes out what is pending (nothing if no item was added since). */
TERN_API void tern_counter_line_flush(struct tern_counter_line *l);

/* tern_counter_line_add in the shape of a foreach callback (ctx is the
 * struct tern_counter_line). */
TERN_API void tern_counter_line_add_cb(const char *name, uint64_t value,
				       void *ctx);

/* Counters by name. A struct of uint64_t counters gets a table naming
 * every field (TERN_COUNTER_NAME(struct type, field)), so that reports walk
 * it and tests read a counter by its field name. */
struct tern_counter_name {
	const char *name;
	size_t off; /* offsetof the field */
};

#define TERN_COUNTER_NAME(type, field)        \
	{                                     \
#field, offsetof(type, field) \
	}

/* Calls fn(name, value, ctx) for each of the n counters of table names, in
 * table order, read from the struct at counters. */
TERN_API void tern_counters_foreach(
	const void *counters, const struct tern_counter_name *names, size_t n,
	void (*fn)(const char *name, uint64_t value, void *ctx), void *ctx);

/* The counter called name (of the n in table names) in the struct at
 * counters, or -TERN_ENOENT if the table has no such name. */
TERN_API int64_t tern_counters_get(const void *counters,
				   const struct tern_counter_name *names,
				   size_t n, const char *name);

#endif
