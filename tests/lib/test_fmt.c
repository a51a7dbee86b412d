/*
 * test_fmt.c - tern_snprintf against the C library's snprintf: every
 * integer conversion with every length modifier, every flag combination C
 * defines for it, widths and precisions (literal and '*', negative '*'
 * too), over edge values; strings and characters; truncation at every
 * buffer size with the C99 return value; Tern's own rules for unknown
 * conversions.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/fmt.h"

/* The C library is the reference; a non-literal format is the point. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

static unsigned long compared;

#define CMP(fmt, ...)                                                          \
	do {                                                                   \
		char want_[512], got_[512];                                    \
		int rw_ = snprintf(want_, sizeof(want_), fmt, __VA_ARGS__);    \
		int rg_ = tern_snprintf(got_, sizeof(got_), fmt, __VA_ARGS__); \
		cr_assert_eq(rg_, rw_, "\"%s\": returned %d, libc %d", fmt,    \
			     rg_, rw_);                                        \
		cr_assert_str_eq(got_, want_, "\"%s\"", fmt);                  \
		compared++;                                                    \
	} while (0)

/* Calls CMP with the '*' arguments the format needs, then the value. */
#define CMP_STARS(fmt, stars, w, p, value)     \
	do {                                   \
		switch (stars) {               \
		case 0:                        \
			CMP(fmt, value);       \
			break;                 \
		case 1:                        \
			CMP(fmt, w, value);    \
			break;                 \
		case 2:                        \
			CMP(fmt, p, value);    \
			break;                 \
		default:                       \
			CMP(fmt, w, p, value); \
			break;                 \
		}                              \
	} while (0)

static const long long values[] = {
	0,
	1,
	-1,
	7,
	-8,
	9,
	10,
	42,
	127,
	-128,
	128,
	255,
	256,
	1000,
	-1000,
	32767,
	-32768,
	65535,
	65536,
	123456789,
	-123456789,
	INT_MAX,
	INT_MIN,
	(long long)UINT_MAX,
	0x123456789abcLL,
	LLONG_MAX,
	LLONG_MIN,
};

/* Compares one integer conversion with length modifier len for a value. */
static void compare_int(const char *fmt, int stars, int w, int p,
			const char *len, char conv, long long v)
{
	bool sgn = conv == 'd' || conv == 'i';

	if (!strcmp(len, "hh") || !strcmp(len, "h") || !strcmp(len, "")) {
		if (sgn)
			CMP_STARS(fmt, stars, w, p, (int)v);
		else
			CMP_STARS(fmt, stars, w, p, (unsigned)v);
	} else if (!strcmp(len, "l")) {
		if (sgn)
			CMP_STARS(fmt, stars, w, p, (long)v);
		else
			CMP_STARS(fmt, stars, w, p, (unsigned long)v);
	} else if (!strcmp(len, "ll")) {
		if (sgn)
			CMP_STARS(fmt, stars, w, p, v);
		else
			CMP_STARS(fmt, stars, w, p, (unsigned long long)v);
	} else if (!strcmp(len, "z")) {
		if (sgn)
			CMP_STARS(fmt, stars, w, p, (ptrdiff_t)v); /* ssize_t */
		else
			CMP_STARS(fmt, stars, w, p, (size_t)v);
	} else if (!strcmp(len, "j")) {
		if (sgn)
			CMP_STARS(fmt, stars, w, p, (intmax_t)v);
		else
			CMP_STARS(fmt, stars, w, p, (uintmax_t)v);
	} else { /* t */
		if (sgn)
			CMP_STARS(fmt, stars, w, p, (ptrdiff_t)v);
		else
			CMP_STARS(fmt, stars, w, p, (size_t)v);
	}
}

Test(fmt, integers_match_libc_for_every_flag_width_precision_and_length)
{
	static const char convs[] = "diuxXo";
	static const char *const lens[] = { "hh", "h", "",  "l",
					    "ll", "z", "j", "t" };
	static const char *const widths[] = { "", "1", "7", "25", "*" };
	static const char *const precs[] = { "", ".", ".0", ".3", ".12", ".*" };
	static const int star_w[] = { -9, 0, 9 }, star_p[] = { -1, 0, 4 };
	/* The flags C defines for each conversion. */
	const char *flag_set;

	for (const char *c = convs; *c; c++) {
		bool sgn = *c == 'd' || *c == 'i';

		flag_set = sgn ? "-0+ " : (*c == 'u' ? "-0" : "-0#");
		unsigned nflags = (unsigned)strlen(flag_set);

		for (unsigned mask = 0; mask < (1u << nflags); mask++) {
			char flags[8];
			unsigned nf = 0;

			for (unsigned b = 0; b < nflags; b++)
				if (mask & (1u << b))
					flags[nf++] = flag_set[b];
			flags[nf] = '\0';
			for (size_t l = 0; l < TERN_ARRAY_SIZE(lens); l++)
				for (size_t wi = 0;
				     wi < TERN_ARRAY_SIZE(widths); wi++)
					for (size_t pi = 0;
					     pi < TERN_ARRAY_SIZE(precs);
					     pi++) {
						char fmt[32];
						int stars =
							(widths[wi][0] == '*') |
							(strchr(precs[pi],
								'*') !=
							 NULL) << 1;

						snprintf(fmt, sizeof(fmt),
							 "<%%%s%s%s%s%c>",
							 flags, widths[wi],
							 precs[pi], lens[l],
							 *c);
						for (size_t v = 0;
						     v <
						     TERN_ARRAY_SIZE(values);
						     v++)
							for (size_t s = 0;
							     s < 3; s++) {
								if (s > 0 &&
								    !(stars &
								      1) &&
								    !(stars &
								      2))
									break; /* nothing varies */
								compare_int(
									fmt,
									stars,
									star_w[s],
									star_p[s],
									lens[l],
									*c,
									values[v]);
							}
					}
		}
	}
	cr_log_info("compared %lu formats with libc", compared);
	cr_assert_gt(compared, 100000);
}

Test(fmt, strings_and_characters_match_libc)
{
	static const char *const strs[] = { "", "a", "hello",
					    "a longer string, 33 characters" };
	static const char *const specs[] = {
		"%s",	 "%10s",   "%-10s", "%.0s", "%.3s", "%.40s",
		"%5.2s", "%-5.2s", "%*s",   "%-*s", "%.*s", "%*.*s",
	};
	const int ws[] = { -7, 0, 3, 12 };

	for (size_t i = 0; i < TERN_ARRAY_SIZE(specs); i++)
		for (size_t s = 0; s < TERN_ARRAY_SIZE(strs); s++)
			for (size_t w = 0; w < TERN_ARRAY_SIZE(ws); w++) {
				const char *f = specs[i];
				int n = 0;

				for (const char *p = f; *p; p++)
					n += *p == '*';
				if (n == 0)
					CMP(f, strs[s]);
				else if (n == 1)
					CMP(f, ws[w], strs[s]);
				else
					CMP(f, ws[w], ws[(w + 1) % 4], strs[s]);
			}
	static const char *const cspecs[] = { "%c", "%3c", "%-3c", "[%c]" };
	for (size_t i = 0; i < TERN_ARRAY_SIZE(cspecs); i++)
		for (int ch = 1; ch < 256; ch += 7)
			CMP(cspecs[i], ch);
	for (int ch = 0; ch < 2; ch++) { /* a NUL is a byte like any other */
		CMP("%c", ch);
		CMP("a%3cb", ch);
		CMP("a%-3cb", ch);
	}
	CMP("%%%s%%", "x");
	CMP("100%% %d%%", 5);
	CMP("%s=%d,%s=%u;%c", "a", -3, "b", 4u, 'z');
}

/* A precision bounds the bytes read, so %.*s may print an array with no
 * NUL (found by httpd's Date field under ASan: the byte after it was read). */
Test(fmt, a_precision_reads_no_byte_past_it)
{
	char *exact = malloc(5);
	char out[16];

	cr_assert_not_null(exact);
	memcpy(exact, "abcde", 5);
	cr_assert_eq(tern_snprintf(out, sizeof(out), "[%.*s]", 5, exact), 7);
	cr_assert_str_eq(out, "[abcde]");
	cr_assert_eq(tern_snprintf(out, sizeof(out), "[%.5s]", exact), 7);
	free(exact);
}

Test(fmt, pointers_match_libc)
{
	int x;
	void *ptrs[] = { &x, (void *)1, (void *)0xdeadbeefUL,
			 (void *)UINTPTR_MAX };

	for (size_t i = 0; i < TERN_ARRAY_SIZE(ptrs); i++) {
		CMP("%p", ptrs[i]);
		CMP("%20p", ptrs[i]);
		CMP("%-20p|", ptrs[i]);
	}
	/* libc prints "(nil)" for NULL; Tern prints the number. */
	char buf[32];
	cr_assert_eq(tern_snprintf(buf, sizeof(buf), "%p", (void *)0), 3);
	cr_assert_str_eq(buf, "0x0");
}

Test(fmt, truncation_at_every_size_returns_the_full_length)
{
	static const char *const fmts[] = { "%d apples", "%-12s|%5x", "x" };
	static const int full[] = { 13, 18, 1 };
	char want[64], got[64];

	for (size_t f = 0; f < TERN_ARRAY_SIZE(fmts); f++) {
		for (size_t size = 0; size <= (size_t)full[f] + 2; size++) {
			int rw, rg;

			memset(want, '#', sizeof(want));
			memset(got, '#', sizeof(got));
			if (f == 1) {
				rw = snprintf(want, size, fmts[f], "str",
					      0xbeef);
				rg = tern_snprintf(got, size, fmts[f], "str",
						   0xbeef);
			} else {
				rw = snprintf(want, size, fmts[f], -12345);
				rg = tern_snprintf(got, size, fmts[f], -12345);
			}
			cr_assert_eq(rw, full[f]);
			cr_assert_eq(rg, rw, "size %zu", size);
			cr_assert_arr_eq(got, want, sizeof(got),
					 "\"%s\" size %zu: bytes differ",
					 fmts[f], size);
		}
	}
	/* size 0 writes nothing at all, even with a NULL buffer. */
	cr_assert_eq(tern_snprintf(NULL, 0, "%d", 123456), 6);
}

static int via_va(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tern_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

Test(fmt, vsnprintf_leaves_the_callers_va_list_usable)
{
	char buf[32];

	cr_assert_eq(via_va(buf, sizeof(buf), "%d-%s", 7, "x"), 3);
	cr_assert_str_eq(buf, "7-x");
}

Test(fmt, unknown_and_truncated_conversions_print_as_written)
{
	/* Not valid C formats, so they go through variables. */
	const char *q = "a%qb", *pct = "50%", *trunc = "%-5", *lf = "%lf|%d";
	char buf[64];

	cr_assert_eq(tern_snprintf(buf, sizeof(buf), q), 4);
	cr_assert_str_eq(buf, "a%qb");
	cr_assert_eq(tern_snprintf(buf, sizeof(buf), pct), 3);
	cr_assert_str_eq(buf, "50%");
	cr_assert_eq(tern_snprintf(buf, sizeof(buf), trunc), 3);
	cr_assert_str_eq(buf, "%-5");
	cr_assert_eq(tern_snprintf(buf, sizeof(buf), lf, 3), 5);
	cr_assert_str_eq(buf, "%lf|3");
}

Test(fmt, hex_digit_reads_both_cases_and_refuses_the_rest)
{
	for (int c = 0; c < 256; c++) {
		char s[2] = { (char)c, 0 };
		char *end;
		long v = strtol(s, &end, 16);
		bool hex = c != 0 && strchr("0123456789abcdefABCDEF", c);

		cr_assert_eq(tern_hex_digit(c), hex ? (int)v : -1, "byte %d",
			     c);
	}
	cr_assert_eq(tern_hex_digit(-1), -1);
}
