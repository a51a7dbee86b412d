/*
 * fmt.c - fuzz target for tern_vsnprintf against the C library.
 *
 * A format string taken from the input would not be type-safe, so the
 * input chooses among fixed, well-defined pieces instead: the conversion,
 * the flags C defines for it, a width and a precision (literal or '*',
 * including negative '*'), a length modifier, the value, and the buffer
 * size. Tern's output and return value must equal snprintf's, at every
 * buffer size.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/fmt.h"

#include "support/fuzz_input.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

#define OUT 1024

/* Compares both formatters for one argument list; size is the buffer
 * size handed to both. */
#define SAME(size, fmt, ...)                                         \
	do {                                                         \
		char w_[OUT], g_[OUT];                               \
		memset(w_, 0x55, sizeof(w_));                        \
		memset(g_, 0x55, sizeof(g_));                        \
		int rw_ = snprintf(w_, size, fmt, __VA_ARGS__);      \
		int rg_ = tern_snprintf(g_, size, fmt, __VA_ARGS__); \
		TERN_ASSERT(rw_ == rg_);                             \
		TERN_ASSERT(memcmp(w_, g_, sizeof(w_)) == 0);        \
	} while (0)

#define SAME_STARS(size, fmt, stars, w, p, v)     \
	do {                                      \
		switch (stars) {                  \
		case 0:                           \
			SAME(size, fmt, v);       \
			break;                    \
		case 1:                           \
			SAME(size, fmt, w, v);    \
			break;                    \
		case 2:                           \
			SAME(size, fmt, p, v);    \
			break;                    \
		default:                          \
			SAME(size, fmt, w, p, v); \
			break;                    \
		}                                 \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char convs[] = "diuxXocs";
	static const char *const lens[] = { "",	  "hh", "h", "l",
					    "ll", "z",	"j", "t" };
	struct fuzz_input in = { data, size };
	char fmt[64], flags[8] = { 0 }, width[8] = "", prec[8] = "";
	char conv = convs[fuzz_u8(&in) % 8];
	const char *len = lens[fuzz_u8(&in) % 8];
	const char *allowed;
	uint8_t fl = fuzz_u8(&in), wb = fuzz_u8(&in), pb = fuzz_u8(&in);
	int stars = 0, w = (int8_t)fuzz_u8(&in), p = (int8_t)fuzz_u8(&in);
	size_t bufsize = fuzz_u8(&in) | (size_t)(fuzz_u8(&in) & 3) << 8;
	uint64_t v = fuzz_take(&in, 8);
	size_t nf = 0;

	if (bufsize > OUT)
		bufsize = OUT;

	switch (conv) {
	case 'd':
	case 'i':
		allowed = "-0+ ";
		break;
	case 'u':
		allowed = "-0";
		break;
	case 'x':
	case 'X':
	case 'o':
		allowed = "-0#";
		break;
	default:
		allowed = "-";
		break; /* c, s */
	}
	for (unsigned b = 0; allowed[b]; b++)
		if (fl & (1u << b))
			flags[nf++] = allowed[b];
	if (wb & 0x80) {
		stars |= 1;
		strcpy(width, "*");
	} else if (wb & 0x40) {
		snprintf(width, sizeof(width), "%u", wb & 0x3f);
	}
	if (pb & 0x80) {
		stars |= 2;
		strcpy(prec, ".*");
	} else if (pb & 0x40) {
		snprintf(prec, sizeof(prec), ".%u", pb & 0x3f);
	}
	if (conv == 'c') {
		prec[0] = '\0'; /* precision is undefined for %c */
		stars &= 1;
		len = "";
	}
	if (conv == 's')
		len = "";
	snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]", flags, width, prec, len,
		 conv);

	if (conv == 's') {
		/* The rest of the input is the string (up to a NUL). */
		char str[256];
		size_t n = in.left < sizeof(str) - 1 ? in.left
						     : sizeof(str) - 1;

		memcpy(str, in.p, n);
		str[n] = '\0';
		SAME_STARS(bufsize, fmt, stars, w, p, str);
	} else if (conv == 'c') {
		SAME_STARS(bufsize, fmt, stars, w, p, (int)(uint8_t)v);
	} else if (conv == 'd' || conv == 'i') {
		if (!strcmp(len, "l") || !strcmp(len, "ll") ||
		    !strcmp(len, "j") || !strcmp(len, "z") || !strcmp(len, "t"))
			SAME_STARS(bufsize, fmt, stars, w, p, (long long)v);
		else
			SAME_STARS(bufsize, fmt, stars, w, p, (int)v);
	} else {
		if (!strcmp(len, "l") || !strcmp(len, "ll") ||
		    !strcmp(len, "j") || !strcmp(len, "z") || !strcmp(len, "t"))
			SAME_STARS(bufsize, fmt, stars, w, p,
				   (unsigned long long)v);
		else
			SAME_STARS(bufsize, fmt, stars, w, p, (unsigned)v);
	}
	return 0;
}
