/*
 * fmt.c - tern_vsnprintf, the formatter behind logging in both worlds.
 *
 * Output goes through a small sink that counts every byte but stores only
 * what fits, which gives snprintf's return value for free.
 */
#include "tern/fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct sink {
	char *buf;
	size_t size;
	size_t len; /* bytes produced, stored or not */
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_n(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	bool ptr; /* %p: "0x" even before 0 */
	int width;
	int prec; /* -1: none */
	int size; /* 'H' hh, 'h', 0 int, 'l', 'L' ll, 'z', 'j', 't' */
};

/* Formats an unsigned magnitude with sign and prefix per spec. */
static void put_number(struct sink *s, const struct spec *sp, uintmax_t v,
		       bool negative, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, pad, zeros;
	char sign = 0;
	const char *prefix = "";
	bool is_zero = v == 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;
	if (negative)
		sign = '-';
	else if (sp->plus)
		sign = '+';
	else if (sp->space)
		sign = ' ';
	zeros = sp->prec > n ? sp->prec - n : 0;
	/* C's '#': "0x" only before a nonzero value; for octal, a leading
	 * zero only if the digits do not already start with one. */
	if (sp->alt && base == 16 && (!is_zero || sp->ptr))
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8 && zeros == 0 &&
		 (n == 0 || tmp[n - 1] != '0'))
		prefix = "0";
	pad = sp->width - n - zeros - (sign ? 1 : 0);
	for (const char *p = prefix; *p; p++)
		pad--;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!sp->left)
		put_n(s, ' ', pad);
	if (sign)
		put(s, sign);
	for (const char *p = prefix; *p; p++)
		put(s, *p);
	put_n(s, '0', zeros);
	while (n > 0)
		put(s, tmp[--n]);
	if (sp->left)
		put_n(s, ' ', pad);
}

int tern_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_string(struct sink *s, const struct spec *sp, const char *str)
{
	int n = 0;

	if (!str)
		str = "(null)";
	while ((sp->prec < 0 || n < sp->prec) && str[n])
		n++;
	if (!sp->left)
		put_n(s, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(s, str[i]);
	if (sp->left)
		put_n(s, ' ', sp->width - n);
}

static uintmax_t arg_unsigned(va_list *ap, int size)
{
	switch (size) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	case 't':
		return (uintmax_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static intmax_t arg_signed(va_list *ap, int size)
{
	switch (size) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
		return (intmax_t)va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	case 't':
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

/* Parses flags, width, precision and length; returns the conversion char
 * position. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	if (f[0] == 'h' && f[1] == 'h') {
		sp->size = 'H';
		f += 2;
	} else if (f[0] == 'l' && f[1] == 'l') {
		sp->size = 'L';
		f += 2;
	} else if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 'j' ||
		   *f == 't')
		sp->size = *f++;
	return f;
}

int tern_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct sink s = { buf, size, 0 };
	struct spec sp;
	va_list ap;

	va_copy(ap, ap_in);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(&s, *f);
			continue;
		}
		const char *start = f;
		f = parse_spec(f + 1, &sp, &ap);
		if (*f != 'd' && *f != 'i')
			sp.plus = sp.space = false; /* signed ones only */
		switch (*f) {
		case 'd':
		case 'i': {
			intmax_t v = arg_signed(&ap, sp.size);
			uintmax_t mag = v < 0 ? -(uintmax_t)v : (uintmax_t)v;
			put_number(&s, &sp, mag, v < 0, 10, false);
			break;
		}
		case 'u':
			put_number(&s, &sp, arg_unsigned(&ap, sp.size), false,
				   10, false);
			break;
		case 'x':
		case 'X':
			put_number(&s, &sp, arg_unsigned(&ap, sp.size), false,
				   16, *f == 'X');
			break;
		case 'o':
			put_number(&s, &sp, arg_unsigned(&ap, sp.size), false,
				   8, false);
			break;
		case 'p':
			sp.alt = true;
			sp.ptr = true;
			put_number(&s, &sp, (uintptr_t)va_arg(ap, void *),
				   false, 16, false);
			break;
		case 'c': /* one byte, even a NUL, padded to the width */
			if (!sp.left)
				put_n(&s, ' ', sp.width - 1);
			put(&s, (char)va_arg(ap, int));
			if (sp.left)
				put_n(&s, ' ', sp.width - 1);
			break;
		case 's':
			put_string(&s, &sp, va_arg(ap, const char *));
			break;
		case '%':
			put(&s, '%');
			break;
		default: /* unknown or truncated: print it as it was */
			for (const char *p = start; p <= f && *p; p++)
				put(&s, *p);
			if (!*f)
				f--;
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return s.len > INT32_MAX ? INT32_MAX : (int)s.len;
}

int tern_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tern_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
