/*
 * fmt.h - a small freestanding formatter for logs and console output.
 *
 * Supports %d %i %u %x %X %o %c %s %p %% with the length modifiers hh h l ll
 * z j t, the flags '-' '0' ' ' '+' '#', a field width and a precision (also
 * as '*'). %s with a precision prints at most that many bytes. There is no
 * floating point. An unknown conversion is printed as is. Also the one
 * hex-digit reader the parsers share.
 */
#ifndef TERN_FMT_H
#define TERN_FMT_H

#include <stdarg.h>
#include <stddef.h>

#include "tern/base.h"

/* Formats into buf (size bytes, always NUL-terminated when size > 0).
 * Returns the length the full output would have, like C's vsnprintf. */
TERN_API int tern_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

TERN_API int tern_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The value of hex digit c (either case), or -1 if c is not one. */
TERN_API int tern_hex_digit(int c);

#endif
