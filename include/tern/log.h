/*
 * log.h - leveled logging to the console, the same in both worlds.
 *
 * A line looks like "[    1.234567] W net0: ARP cache full" - monotonic
 * seconds, a level letter, the message. Lines above the current level cost
 * one comparison. Messages longer than TERN_LOG_LINE_MAX are truncated.
 */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include "tern/base.h"

/* TERN_LOG_OFF is a level to set, never one to log at: it drops every
 * line (what fuzz targets run with unless TERN_FUZZ_LOG asks otherwise). */
enum tern_log_level {
	TERN_LOG_OFF,
	TERN_LOG_ERROR,
	TERN_LOG_WARN,
	TERN_LOG_INFO,
	TERN_LOG_DEBUG,
	TERN_LOG_TRACE,
};

#define TERN_LOG_LINE_MAX 256

/* The level above which lines are dropped (default TERN_LOG_INFO). */
TERN_API void tern_log_set_level(enum tern_log_level level);
TERN_API enum tern_log_level tern_log_get_level(void);

/* Parses "off", "error", "warn", "info", "debug" or "trace". Returns the
 * level, or
 * -TERN_EINVAL for anything else. */
TERN_API int tern_log_parse_level(const char *name);

/* Formats and writes one line if level is enabled. */
TERN_API void tern_log(enum tern_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define tern_log_error(...) tern_log(TERN_LOG_ERROR, __VA_ARGS__)
#define tern_log_warn(...) tern_log(TERN_LOG_WARN, __VA_ARGS__)
#define tern_log_info(...) tern_log(TERN_LOG_INFO, __VA_ARGS__)
#define tern_log_debug(...) tern_log(TERN_LOG_DEBUG, __VA_ARGS__)
#define tern_log_trace(...) tern_log(TERN_LOG_TRACE, __VA_ARGS__)

#endif
