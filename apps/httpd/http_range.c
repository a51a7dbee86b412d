/*
 * http_range.c - the Range field (RFC 9110 14.2: one bytes= range; a list
 * is ignored and the whole file served) and If-None-Match matching
 * (13.1.2, weak comparison).
 */
#include <string.h>

#include "http.h"
#include "tern/err.h"

/* Reads 1*DIGIT at s[*i..len) into *v. Returns false if none or too big. */
static bool number(const char *s, size_t len, size_t *i, uint64_t *v)
{
	size_t start = *i;

	*v = 0;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		uint64_t d = (uint64_t)(s[*i] - '0');

		if (*v > (UINT64_MAX - d) / 10)
			return false;
		*v = *v * 10 + d;
		(*i)++;
	}
	return *i > start;
}

int http_range_parse(const char *s, size_t len, uint64_t size, uint64_t *first,
		     uint64_t *last)
{
	static const char unit[] = "bytes=";
	uint64_t a = 0, b = 0;
	size_t i = 6;
	bool has_a, has_b;

	if (len < 7)
		return 0;
	for (size_t k = 0; k < 6; k++) {
		char c = s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] + 32) : s[k];

		if (c != unit[k])
			return 0;
	}
	if (memchr(s, ',', len))
		return 0; /* several ranges: serve it all */
	has_a = number(s, len, &i, &a);
	if (i >= len || s[i] != '-')
		return 0;
	i++;
	has_b = number(s, len, &i, &b);
	if (i != len || (!has_a && !has_b) || (has_a && has_b && b < a))
		return 0;
	if (!has_a) {
		/* suffix: the last b bytes */
		if (b == 0 || size == 0)
			return -TERN_ERANGE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (a >= size)
		return -TERN_ERANGE;
	*first = a;
	*last = has_b && b < size ? b : size - 1;
	return 1;
}

bool http_etag_match(const char *s, size_t len, const char *etag,
		     size_t etag_len)
{
	size_t i = 0;

	if (len == 1 && s[0] == '*')
		return true;
	while (i < len) {
		size_t start;

		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		if (i == len)
			break;
		if (len - i >= 2 && s[i] == 'W' && s[i + 1] == '/')
			i += 2;
		if (i >= len || s[i] != '"')
			return false;
		start = i++;
		while (i < len && s[i] != '"')
			i++;
		if (i == len)
			return false;
		i++;
		if (i - start == etag_len &&
		    memcmp(s + start, etag, etag_len) == 0)
			return true;
	}
	return false;
}
