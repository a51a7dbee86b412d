/*
 * http_path.c - a request target's path to a path inside the served root,
 * and back to a Location.
 *
 * The path is decoded first (%XX to the byte), then cleaned segment by
 * segment, so an encoded dot segment ("%2e%2e") is resolved like a plain
 * one and can no more climb than it. An escape that decodes to NUL (which
 * would cut the name short in the file system) or to '/' (which would
 * make "a%2Fb" and "a/b" different names for a URI but the same for the
 * file system) is refused, as is a '%' not followed by two hex digits. A
 * ".." with nothing left to remove is refused too (403), not clamped: a
 * client asking for "/../etc/passwd" is told no, not served "etc/passwd".
 */
#include <string.h>

#include "http.h"
#include "tern/err.h"
#include "tern/fmt.h"

/* Decodes the next byte of in at *i into *c, advancing *i. Returns 0 and
 * whether it was escaped in *esc, or -TERN_EBADMSG with *reason set. */
static int next_byte(const char *in, size_t len, size_t *i, uint8_t *c,
		     bool *esc, enum http_reason *reason)
{
	int hi, lo;

	*esc = false;
	if (in[*i] != '%') {
		*c = (uint8_t)in[(*i)++];
		return 0;
	}
	if (len - *i < 3 || (hi = tern_hex_digit((uint8_t)in[*i + 1])) < 0 ||
	    (lo = tern_hex_digit((uint8_t)in[*i + 2])) < 0) {
		*reason = HTTP_R_BAD_ESCAPE;
		return -TERN_EBADMSG;
	}
	*c = (uint8_t)(hi * 16 + lo);
	*i += 3;
	*esc = true;
	if (*c == 0) {
		*reason = HTTP_R_NUL_ESCAPE;
		return -TERN_EBADMSG;
	}
	if (*c == '/') {
		*reason = HTTP_R_SLASH_ESCAPE;
		return -TERN_EBADMSG;
	}
	return 0;
}

int http_path_clean(const char *in, size_t len, char *out, size_t cap,
		    bool *slash, enum http_reason *reason)
{
	size_t n = 0, i = 0;

	*slash = false;
	if (cap == 0) {
		*reason = HTTP_R_LINE_TOO_LONG;
		return -TERN_ENAMETOOLONG;
	}
	if (len == 0 || in[0] != '/') {
		*reason = HTTP_R_BAD_TARGET;
		return -TERN_EBADMSG;
	}
	while (i < len) {
		size_t start;
		uint8_t c;
		bool esc;
		int rc;

		i++; /* the '/' */
		*slash = true;
		start = n;
		if (n > 0) {
			if (n + 1 >= cap)
				goto too_long;
			out[n++] = '/';
			start = n;
		}
		while (i < len && in[i] != '/') {
			rc = next_byte(in, len, &i, &c, &esc, reason);
			if (rc < 0)
				return rc;
			if (n + 1 >= cap)
				goto too_long;
			out[n++] = (char)c;
		}
		if (n == start) {
			/* Empty segment: drop the separator added above. */
			n = start > 0 ? start - 1 : 0;
			continue;
		}
		*slash = false;
		if (n - start == 1 && out[start] == '.') {
			n = start > 0 ? start - 1 : 0;
			*slash = true;
			continue;
		}
		if (n - start == 2 && out[start] == '.' &&
		    out[start + 1] == '.') {
			if (start == 0) {
				*reason = HTTP_R_ESCAPE_ROOT;
				return -TERN_ERANGE;
			}
			/* Remove the separator and the segment before it. */
			n = start - 1;
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			*slash = true;
		}
	}
	out[n] = '\0';
	return (int)n;
too_long:
	*reason = HTTP_R_LINE_TOO_LONG;
	return -TERN_ENAMETOOLONG;
}

/* unreserved (RFC 3986 2.3). */
static bool unreserved(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

int http_path_encode(const char *path, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)path[i];

		if (unreserved(c) || c == '/') {
			if (n + 1 > cap)
				return -TERN_ENAMETOOLONG;
			out[n++] = (char)c;
			continue;
		}
		if (n + 3 > cap)
			return -TERN_ENAMETOOLONG;
		out[n++] = '%';
		out[n++] = digits[c >> 4];
		out[n++] = digits[c & 15];
	}
	return (int)n;
}
