/*
 * http_parse.c - the request-head parser (RFC 9112 sections 2-3, 5-6):
 * request line, field lines, and the few fields httpd acts on.
 *
 * The head is parsed in one pass once its end is in the buffer; until
 * then only the limits are checked, so a client that never ends its line
 * or its header section is refused (414, 431) at the limit instead of
 * filling the buffer. Every index is checked against the bytes present:
 * a line is found by scanning for LF up to the limit, and every field is
 * read inside its line. The choices the RFC leaves open are listed in
 * http.h.
 */
#include <string.h>

#include "http.h"
#include "tern/assert.h"
#include "tern/base.h"
#include "tern/err.h"

#define BAD_END SIZE_MAX /* line_end's verdict on a bare CR */

/* tchar (RFC 9110 5.6.2). */
static bool is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar, SP or HTAB (RFC 9110 5.5); obs-text allowed. */
static bool is_value_byte(uint8_t c)
{
	return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* True if the len bytes at s equal the lowercase word, ignoring case. */
static bool eq_nocase(const uint8_t *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != (uint8_t)word[i])
			return false;
	return true;
}

static int refuse(struct http_req *req, int status, enum http_reason r)
{
	req->status = status;
	req->reason = r;
	return -TERN_EBADMSG;
}

/* Finds the LF ending the line that starts at pos, looking at no more
 * than max bytes of it. Returns its index, or -1. */
static long find_lf(const uint8_t *buf, size_t len, size_t pos, size_t max)
{
	size_t end = len - pos > max ? pos + max : len;
	const uint8_t *p = memchr(buf + pos, '\n', end - pos);

	return p ? (long)(p - buf) : -1;
}

/* The end of a line's content [pos, lf): without a CR just before the
 * LF. Returns it, or BAD_END if a CR remains inside (a bare CR). */
static size_t line_end(const uint8_t *buf, size_t pos, size_t lf)
{
	size_t e = lf;

	if (e > pos && buf[e - 1] == '\r')
		e--;
	if (memchr(buf + pos, '\r', e - pos))
		return BAD_END;
	return e;
}

static enum http_method classify(const uint8_t *m, size_t len)
{
	static const char *const others[] = { "POST",	 "PUT",	    "DELETE",
					      "CONNECT", "OPTIONS", "TRACE",
					      "PATCH" };

	if (len == 3 && memcmp(m, "GET", 3) == 0)
		return HTTP_M_GET;
	if (len == 4 && memcmp(m, "HEAD", 4) == 0)
		return HTTP_M_HEAD;
	for (size_t i = 0; i < TERN_ARRAY_SIZE(others); i++)
		if (strlen(others[i]) == len && memcmp(m, others[i], len) == 0)
			return HTTP_M_OTHER;
	return HTTP_M_UNKNOWN;
}

/* Checks the target [s, e) and sets req->target and req->path. */
static int parse_target(const uint8_t *buf, size_t s, size_t e,
			struct http_req *req)
{
	size_t p = s, q;

	if (e - s > HTTP_TARGET_MAX)
		return refuse(req, 414, HTTP_R_LINE_TOO_LONG);
	for (size_t i = s; i < e; i++)
		if (buf[i] < 0x21 || buf[i] > 0x7e || buf[i] == '#')
			return refuse(req, 400, HTTP_R_BAD_TARGET);
	req->target = (struct http_span){ (uint16_t)s, (uint16_t)(e - s) };
	if (buf[s] != '/') {
		/* absolute-form: http:// or https://, then the authority. */
		size_t skip = 0;

		if (e - s > 7 && eq_nocase(buf + s, 7, "http://"))
			skip = 7;
		else if (e - s > 8 && eq_nocase(buf + s, 8, "https://"))
			skip = 8;
		if (skip == 0)
			return refuse(req, 400, HTTP_R_BAD_TARGET);
		p = s + skip;
		while (p < e && buf[p] != '/' && buf[p] != '?')
			p++;
	}
	q = p;
	while (q < e && buf[q] != '?')
		q++;
	/* An empty path (absolute-form with none) is the root. */
	req->path = (struct http_span){ (uint16_t)p, (uint16_t)(q - p) };
	return 0;
}

/* Parses the request line [s, e). */
static int parse_request_line(const uint8_t *buf, size_t s, size_t e,
			      struct http_req *req)
{
	size_t m = s, t, v;
	int rc;

	while (m < e && buf[m] != ' ') {
		if (!is_tchar(buf[m]))
			return refuse(req, 400, HTTP_R_BAD_METHOD);
		m++;
	}
	if (m == s || m == e)
		return refuse(req, 400, HTTP_R_BAD_LINE);
	req->method_s = (struct http_span){ (uint16_t)s, (uint16_t)(m - s) };
	req->method = classify(buf + s, m - s);
	t = m + 1;
	v = t;
	while (v < e && buf[v] != ' ')
		v++;
	if (v == t || v == e)
		return refuse(req, 400, HTTP_R_BAD_LINE);
	rc = parse_target(buf, t, v, req);
	if (rc < 0)
		return rc;
	v++;
	if (e - v != 8 || memcmp(buf + v, "HTTP/", 5) != 0 ||
	    buf[v + 5] < '0' || buf[v + 5] > '9' || buf[v + 6] != '.' ||
	    buf[v + 7] < '0' || buf[v + 7] > '9')
		return refuse(req, 400, HTTP_R_BAD_VERSION);
	if (buf[v + 5] != '1' || buf[v + 7] > '1')
		return refuse(req, 505, HTTP_R_VERSION);
	req->minor = (uint8_t)(buf[v + 7] - '0');
	return 0;
}

/* Host: host [":" port] with the bytes RFC 3986 allows there. */
static bool host_ok(const uint8_t *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = v[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') ||
		      (c != 0 && strchr("-._~!$&'()*+,;=:[]%", c))))
			return false;
	}
	return true;
}

/* Connection: a comma-separated list of tokens. */
static void parse_connection(const uint8_t *v, size_t len, struct http_req *req)
{
	size_t i = 0;

	while (i < len) {
		size_t s, e;

		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (eq_nocase(v + s, e - s, "close"))
			req->conn_close = true;
		else if (eq_nocase(v + s, e - s, "keep-alive"))
			req->conn_keep_alive = true;
	}
}

/* Content-Length: 1*DIGIT, equal to any earlier one. */
static int parse_length(const uint8_t *v, size_t len, struct http_req *req)
{
	uint64_t n = 0;

	if (len == 0 || len > 18)
		return refuse(req, 400, HTTP_R_BAD_LENGTH);
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return refuse(req, 400, HTTP_R_BAD_LENGTH);
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (req->has_length && req->content_length != n)
		return refuse(req, 400, HTTP_R_BAD_LENGTH);
	req->has_length = true;
	req->content_length = n;
	return 0;
}

/* Acts on one field whose name is [n, n + nlen) and value [v, v + vlen). */
static int parse_field(const uint8_t *buf, size_t n, size_t nlen, size_t v,
		       size_t vlen, struct http_req *req)
{
	const uint8_t *name = buf + n, *val = buf + v;
	struct http_span sp = { (uint16_t)v, (uint16_t)vlen };

	if (eq_nocase(name, nlen, "host")) {
		if (req->has_host || !host_ok(val, vlen))
			return refuse(req, 400, HTTP_R_BAD_HOST);
		req->has_host = true;
	} else if (eq_nocase(name, nlen, "connection")) {
		parse_connection(val, vlen, req);
	} else if (eq_nocase(name, nlen, "content-length")) {
		return parse_length(val, vlen, req);
	} else if (eq_nocase(name, nlen, "transfer-encoding")) {
		req->has_te = true;
	} else if (eq_nocase(name, nlen, "range")) {
		req->range_dup = req->has_range;
		req->has_range = true;
		req->range = sp;
	} else if (eq_nocase(name, nlen, "if-none-match")) {
		if (!req->has_inm)
			req->inm = sp;
		req->has_inm = true;
	} else if (eq_nocase(name, nlen, "if-modified-since")) {
		if (!req->has_ims)
			req->ims = sp;
		req->has_ims = true;
	}
	return 0;
}

/* Parses the field line [s, e) (no line end). */
static int parse_field_line(const uint8_t *buf, size_t s, size_t e,
			    struct http_req *req)
{
	size_t c = s, v, ve;

	if (buf[s] == ' ' || buf[s] == '\t')
		return refuse(req, 400, HTTP_R_OBS_FOLD);
	while (c < e && buf[c] != ':') {
		if (!is_tchar(buf[c]))
			return refuse(req, 400, HTTP_R_BAD_FIELD);
		c++;
	}
	if (c == s || c == e)
		return refuse(req, 400, HTTP_R_BAD_FIELD);
	for (size_t i = c + 1; i < e; i++)
		if (!is_value_byte(buf[i]))
			return refuse(req, 400, HTTP_R_BAD_FIELD);
	v = c + 1;
	while (v < e && (buf[v] == ' ' || buf[v] == '\t'))
		v++;
	ve = e;
	while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
		ve--;
	return parse_field(buf, s, c - s, v, ve - v, req);
}

/* The checks that need the whole head. */
static int finish(struct http_req *req)
{
	if (req->minor == 1 && !req->has_host)
		return refuse(req, 400, HTTP_R_NO_HOST);
	if (req->has_te && req->has_length)
		return refuse(req, 400, HTTP_R_TE_AND_LENGTH);
	if (req->has_te)
		return refuse(req, 501, HTTP_R_TE);
	if (req->has_length && req->content_length > HTTP_BODY_MAX)
		return refuse(req, 413, HTTP_R_BODY_TOO_LARGE);
	return 0;
}

int http_parse(const uint8_t *buf, size_t len, struct http_req *req)
{
	size_t pos = 0, e, fields;
	long lf;
	int rc;

	TERN_ASSERT(len <= UINT16_MAX);
	memset(req, 0, sizeof(*req));
	/* Empty lines before the request line are ignored (RFC 9112 2.2). */
	while (pos < len &&
	       (buf[pos] == '\n' ||
		(buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n')))
		pos += buf[pos] == '\r' ? 2 : 1;
	if (pos > HTTP_LINE_MAX)
		return refuse(req, 400, HTTP_R_BAD_LINE);
	lf = find_lf(buf, len, pos, HTTP_LINE_MAX + 2);
	if (lf < 0) {
		if (len - pos >= HTTP_LINE_MAX + 2)
			return refuse(req, 414, HTTP_R_LINE_TOO_LONG);
		return -TERN_EAGAIN;
	}
	e = line_end(buf, pos, (size_t)lf);
	if (e == BAD_END)
		return refuse(req, 400, HTTP_R_BARE_CR);
	if (e - pos > HTTP_LINE_MAX)
		return refuse(req, 414, HTTP_R_LINE_TOO_LONG);
	if (e == pos)
		return refuse(req, 400, HTTP_R_BAD_LINE);
	rc = parse_request_line(buf, pos, e, req);
	if (rc < 0)
		return rc;
	fields = pos = (size_t)lf + 1;
	for (;;) {
		lf = find_lf(buf, len, pos, HTTP_FIELDS_MAX - (pos - fields));
		if (lf < 0) {
			if (len - fields >= HTTP_FIELDS_MAX)
				return refuse(req, 431,
					      HTTP_R_FIELDS_TOO_LARGE);
			return -TERN_EAGAIN;
		}
		e = line_end(buf, pos, (size_t)lf);
		if (e == BAD_END)
			return refuse(req, 400, HTTP_R_BARE_CR);
		if (e == pos)
			break;
		if (++req->nfields > HTTP_NFIELDS_MAX)
			return refuse(req, 431, HTTP_R_TOO_MANY_FIELDS);
		rc = parse_field_line(buf, pos, e, req);
		if (rc < 0)
			return rc;
		pos = (size_t)lf + 1;
	}
	rc = finish(req);
	return rc < 0 ? rc : lf + 1;
}
