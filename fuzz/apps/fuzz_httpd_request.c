/*
 * fuzz_httpd_request.c - fuzz target for the sans-I/O HTTP/1.1 core of
 * httpd (apps/httpd/http_*.c): the request-head parser, the path
 * normaliser, Range, If-None-Match, dates and the response logic.
 *
 * Input: the bytes of one or more pipelined request heads, as a client
 * would write them on one connection. The target does what httpd.c's
 * connection loop does: parse a head, answer it with http_respond against
 * a fake file system (or with http_respond_error if the parser refused
 * it, which ends the connection), drop a declared request body, advance
 * past the head, and go on while the response keeps the connection. On
 * every head it also runs the normaliser and encoder on the path, the
 * Range parser on the Range value against several sizes, the entity-tag
 * matcher on If-None-Match, and the date parser on If-Modified-Since.
 *
 * The fake file system answers from a hash of the cleaned path: a
 * directory, a file of 0, 1, 10, 16 Ki, 200 Ki, 2^40 or 2^62 bytes (with
 * a negative, small or far-future mtime), -TERN_ENOENT, -TERN_ERANGE,
 * -TERN_ENOTSUP or -TERN_EIO; the root is always a directory.
 *
 * Invariants:
 *   - http_parse returns a head length (<= the bytes given), -TERN_EAGAIN
 *     or -TERN_EBADMSG (with one of the documented statuses and a reason);
 *     every span it sets lies inside the head, the path inside the target;
 *   - every response head is shorter than its buffer, starts with
 *     "HTTP/1.1 NNN " for its status, has only CRLF line ends, ends its
 *     fields with an empty line followed by nothing or exactly the short
 *     text body, carries one Content-Length equal to content_length, says
 *     "Connection: close" when it ends the connection, and never sends
 *     bytes outside the file (body_off + body_len <= size);
 *   - a cleaned path is NUL-terminated at its length, has no leading '/',
 *     no "//" and no "." or ".." segment, and cleaning "/" + its encoding
 *     (or "/" + it, when it holds no '%') gives it back;
 *   - a satisfiable range has first <= last < size; a parsed date formats
 *     back to the same text (a leap second reads as :59).
 */
#include <string.h>

#include "fuzz_check.h"
#include "http.h"
#include "tern/assert.h"
#include "tern/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000 /* Tue, 14 Nov 2023 22:13:20 GMT */
#define MAX_REQUESTS 64

/* ---- The fake file system --------------------------------------------- */

FUZZ_CHECKER static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

/* A normalised path: no leading '/', no empty, "." or ".." segment. */
FUZZ_CHECKER static void check_clean(const char *p, size_t len)
{
	size_t i = 0;

	TERN_ASSERT(strlen(p) == len);
	if (len == 0)
		return;
	TERN_ASSERT(p[0] != '/' && p[len - 1] != '/');
	while (i < len) {
		size_t n = 0;

		while (i + n < len && p[i + n] != '/')
			n++;
		TERN_ASSERT(n > 0);
		TERN_ASSERT(!(n == 1 && p[i] == '.'));
		TERN_ASSERT(!(n == 2 && p[i] == '.' && p[i + 1] == '.'));
		i += n + 1;
	}
}

static int fk_lookup(void *ctx, const char *rel, struct http_file *f)
{
	static const uint64_t sizes[] = { 0,	     1,		 10,
					  16384,     200 * 1024, 1ull << 40,
					  1ull << 62 };
	static const int64_t mtimes[] = { -5, 0, 784111000, 253402300799,
					  INT64_MAX };
	uint64_t h;

	(void)ctx;
	check_clean(rel, strlen(rel));
	TERN_ASSERT(strlen(rel) <= HTTP_PATH_MAX + 11);
	if (rel[0] == '\0')
		return -TERN_EISDIR;
	h = hash(rel);
	switch (h % 10) {
	case 0:
	case 1:
		return -TERN_EISDIR;
	case 2:
		return -TERN_ENOENT;
	case 3:
		return -TERN_ERANGE;
	case 4:
		return -TERN_ENOTSUP;
	case 5:
		return -TERN_EIO;
	default:
		break;
	}
	f->id = h;
	f->size = sizes[(h >> 8) % (sizeof(sizes) / sizeof(sizes[0]))];
	f->mtime = mtimes[(h >> 16) % (sizeof(mtimes) / sizeof(mtimes[0]))];
	return 0;
}

static const struct http_fs fs = { fk_lookup, NULL };

/* ---- Checks ------------------------------------------------------------ */

FUZZ_CHECKER static bool span_in(struct http_span s, size_t len)
{
	return (size_t)s.off + s.len <= len;
}

FUZZ_CHECKER static bool parse_status(int s)
{
	return s == 400 || s == 413 || s == 414 || s == 431 || s == 501 ||
	       s == 505;
}

FUZZ_CHECKER static bool respond_status(int s)
{
	return s == 200 || s == 206 || s == 301 || s == 304 || s == 400 ||
	       s == 403 || s == 404 || s == 405 || s == 414 || s == 416 ||
	       s == 500 || s == 501;
}

/* The text of the first field named name (with ": "), or NULL. */
FUZZ_CHECKER static const char *field(const char *head, size_t hlen,
				      const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i + n + 2 <= hlen; i++)
		if (head[i] == '\n' && i + 1 + n <= hlen &&
		    fuzz_same(head + i + 1, name, n))
			return head + i + 1 + n;
	return NULL;
}

/* Who made a response: http_respond, http_respond_error for a head the
 * parser refused, or http_respond_error for the server's own 408 and 503. */
enum origin { RESPOND, REFUSED, SERVER };

FUZZ_CHECKER static void check_resp(const struct http_resp *r, enum origin from)
{
	const char *h = r->head, *cl, *end;
	size_t hlen, tail;
	uint64_t v = 0;
	int nc = 0;

	TERN_ASSERT(r->head_len < sizeof(r->head));
	TERN_ASSERT((unsigned)r->reason < HTTP_R_COUNT);
	TERN_ASSERT(r->head_len > 13 && memcmp(h, "HTTP/1.1 ", 9) == 0);
	TERN_ASSERT(h[9] - '0' == r->status / 100 &&
		    h[10] - '0' == r->status / 10 % 10 &&
		    h[11] - '0' == r->status % 10 && h[12] == ' ');
	/* The fields end at the first empty line. */
	end = NULL;
	for (size_t i = 0; i + 4 <= r->head_len; i++)
		if (fuzz_same(h + i, "\r\n\r\n", 4)) {
			end = h + i + 4;
			break;
		}
	TERN_ASSERT(end != NULL);
	hlen = (size_t)(end - h);
	tail = r->head_len - hlen;
	for (size_t i = 0; i < hlen; i++) {
		TERN_ASSERT(h[i] != '\0');
		if (h[i] == '\r')
			TERN_ASSERT(i + 1 < hlen && h[i + 1] == '\n');
		if (h[i] == '\n')
			TERN_ASSERT(i > 0 && h[i - 1] == '\r');
	}
	/* One Content-Length, equal to content_length. */
	for (const char *p = h; (p = field(p, hlen - (size_t)(p - h),
					   "Content-Length: ")) != NULL;)
		nc++;
	TERN_ASSERT(nc == 1);
	cl = field(h, hlen, "Content-Length: ");
	TERN_ASSERT(*cl >= '0' && *cl <= '9');
	while (*cl >= '0' && *cl <= '9') {
		TERN_ASSERT(v <= (UINT64_MAX - 9) / 10);
		v = v * 10 + (uint64_t)(*cl++ - '0');
	}
	TERN_ASSERT(cl[0] == '\r' && cl[1] == '\n');
	TERN_ASSERT(v == r->content_length);
	if (!r->keep_alive)
		TERN_ASSERT(field(h, hlen, "Connection: close\r\n") != NULL);
	if (from == RESPOND)
		TERN_ASSERT(respond_status(r->status));
	else
		TERN_ASSERT(!r->keep_alive && tail == r->content_length &&
			    (from == REFUSED
				     ? parse_status(r->status)
				     : r->status == 408 || r->status == 503));
	/* Bodies: the short text after the head, or a range of the file. */
	if (tail) {
		TERN_ASSERT(tail == r->content_length && r->body_len == 0);
		TERN_ASSERT(!r->head_only);
		TERN_ASSERT(h[r->head_len - 1] == '\n');
	}
	if (r->status == 200 || r->status == 206) {
		TERN_ASSERT(tail == 0);
		TERN_ASSERT(r->body_off + r->body_len >= r->body_off);
		TERN_ASSERT(r->body_off + r->body_len <= r->file.size);
		if (r->head_only)
			TERN_ASSERT(r->body_len == 0);
		else
			TERN_ASSERT(r->body_len == r->content_length);
		if (r->status == 200)
			TERN_ASSERT(r->content_length == r->file.size);
		else
			TERN_ASSERT(r->content_length > 0 &&
				    field(h, hlen, "Content-Range: bytes ") !=
					    NULL);
	} else {
		TERN_ASSERT(r->body_len == 0);
	}
	if (r->status == 301)
		TERN_ASSERT(field(h, hlen, "Location: /") != NULL);
}

/* The normaliser and the encoder on a request's path bytes. */
FUZZ_CHECKER static void check_path(const char *in, size_t len)
{
	static char out[HTTP_PATH_MAX + 1], again[HTTP_PATH_MAX + 1];
	static char enc[1 + 3 * HTTP_PATH_MAX];
	enum http_reason why = HTTP_R_NONE;
	bool slash;
	int n, m, e;

	n = http_path_clean(in, len, out, sizeof(out), &slash, &why);
	if (n < 0) {
		TERN_ASSERT(n == -TERN_EBADMSG || n == -TERN_ERANGE ||
			    n == -TERN_ENAMETOOLONG);
		if (n == -TERN_EBADMSG)
			TERN_ASSERT(why == HTTP_R_BAD_ESCAPE ||
				    why == HTTP_R_NUL_ESCAPE ||
				    why == HTTP_R_SLASH_ESCAPE ||
				    why == HTTP_R_BAD_TARGET);
		else if (n == -TERN_ERANGE)
			TERN_ASSERT(why == HTTP_R_ESCAPE_ROOT);
		else
			TERN_ASSERT(why == HTTP_R_LINE_TOO_LONG);
		return;
	}
	TERN_ASSERT((size_t)n < sizeof(out) && (size_t)n <= len);
	check_clean(out, (size_t)n);
	TERN_ASSERT(http_mime_type(out, (size_t)n) != NULL);
	/* Encoded, the path cleans back to itself. */
	enc[0] = '/';
	e = http_path_encode(out, (size_t)n, enc + 1, sizeof(enc) - 1);
	TERN_ASSERT(e >= n && e <= 3 * n);
	for (int i = 1; i <= e; i++)
		TERN_ASSERT(enc[i] > 0x20 && enc[i] < 0x7f && enc[i] != '?' &&
			    enc[i] != '#');
	m = http_path_clean(enc, (size_t)e + 1, again, sizeof(again), &slash,
			    &why);
	TERN_ASSERT(m == n && memcmp(again, out, (size_t)n + 1) == 0);
	TERN_ASSERT(slash == (n == 0));
	/* Without escapes in it, "/" + out cleans to out too. */
	if (!memchr(out, '%', (size_t)n)) {
		enc[0] = '/';
		memcpy(enc + 1, out, (size_t)n);
		m = http_path_clean(enc, (size_t)n + 1, again, sizeof(again),
				    &slash, &why);
		TERN_ASSERT(m == n && memcmp(again, out, (size_t)n + 1) == 0);
	}
	/* An encoding that does not fit is refused, never cut short. */
	if (e > 0)
		TERN_ASSERT(
			http_path_encode(out, (size_t)n, enc, (size_t)e - 1) ==
			-TERN_ENAMETOOLONG);
}

FUZZ_CHECKER static void check_range(const char *s, size_t len)
{
	static const uint64_t sizes[] = {
		0, 1, 10, 1000, 1ull << 40, UINT64_MAX
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t first = 0, last = 0;
		int rc = http_range_parse(s, len, sizes[i], &first, &last);

		TERN_ASSERT(rc == 1 || rc == 0 || rc == -TERN_ERANGE);
		if (rc == 1)
			TERN_ASSERT(first <= last && last < sizes[i]);
	}
}

FUZZ_CHECKER static void check_date(const char *s, size_t len)
{
	char back[HTTP_DATE_LEN];
	int64_t t;

	if (http_date_parse(s, len, &t) < 0)
		return;
	TERN_ASSERT(len == HTTP_DATE_LEN && t >= 0);
	http_date_format(t, back);
	if (memcmp(s + 23, "60", 2) == 0)
		TERN_ASSERT(memcmp(back, s, 23) == 0 &&
			    memcmp(back + 23, "59", 2) == 0 &&
			    memcmp(back + 25, s + 25, 4) == 0);
	else
		TERN_ASSERT(memcmp(back, s, HTTP_DATE_LEN) == 0);
}

/* The checks of one parsed head of hlen bytes at buf. */
FUZZ_CHECKER static void check_req(const uint8_t *buf, size_t hlen,
				   const struct http_req *req)
{
	const char *b = (const char *)buf;

	TERN_ASSERT(req->method != HTTP_M_NONE);
	TERN_ASSERT(req->method_s.len > 0 && span_in(req->method_s, hlen));
	TERN_ASSERT(req->target.len > 0 && span_in(req->target, hlen));
	TERN_ASSERT(req->target.len <= HTTP_TARGET_MAX);
	TERN_ASSERT(req->path.off >= req->target.off &&
		    req->path.off + req->path.len <=
			    req->target.off + req->target.len);
	TERN_ASSERT(req->minor <= 1 && req->nfields <= HTTP_NFIELDS_MAX);
	TERN_ASSERT(req->minor == 0 || req->has_host);
	TERN_ASSERT(!req->has_te);
	TERN_ASSERT(!req->has_length || req->content_length <= HTTP_BODY_MAX);
	if (req->path.len) {
		TERN_ASSERT(buf[req->path.off] == '/');
		check_path(b + req->path.off, req->path.len);
	}
	if (req->has_range) {
		TERN_ASSERT(span_in(req->range, hlen));
		check_range(b + req->range.off, req->range.len);
	}
	if (req->has_inm) {
		TERN_ASSERT(span_in(req->inm, hlen));
		(void)http_etag_match(b + req->inm.off, req->inm.len, "\"1-2\"",
				      5);
		if (req->inm.len == 1 && buf[req->inm.off] == '*')
			TERN_ASSERT(http_etag_match(b + req->inm.off, 1,
						    "\"1-2\"", 5));
	}
	if (req->has_ims) {
		TERN_ASSERT(span_in(req->ims, hlen));
		check_date(b + req->ims.off, req->ims.len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_resp resp;
	size_t off = 0;

	/* The server's buffer holds far less; the parser takes 64 KiB. */
	if (size > UINT16_MAX)
		size = UINT16_MAX;
	for (unsigned k = 0; k < MAX_REQUESTS && off < size; k++) {
		const uint8_t *buf = data + off;
		size_t len = size - off;
		struct http_req req;
		int n = http_parse(buf, len, &req);

		if (n == -TERN_EAGAIN)
			break;
		if (n == -TERN_EBADMSG) {
			TERN_ASSERT(parse_status(req.status));
			TERN_ASSERT(req.reason != HTTP_R_NONE &&
				    (unsigned)req.reason < HTTP_R_COUNT);
			http_respond_error(req.status, req.reason, NOW, &resp);
			check_resp(&resp, REFUSED);
			TERN_ASSERT(resp.status == req.status &&
				    resp.reason == req.reason);
			break;
		}
		TERN_ASSERT(n > 0 && (size_t)n <= len);
		TERN_ASSERT(buf[n - 1] == '\n');
		check_req(buf, (size_t)n, &req);
		http_respond(&req, buf, &fs, NOW, &resp);
		check_resp(&resp, RESPOND);
		TERN_ASSERT(resp.head_only == (req.method == HTTP_M_HEAD));
		if (req.conn_close)
			TERN_ASSERT(!resp.keep_alive);
		off += (size_t)n;
		/* A declared body is read and dropped, as httpd.c does. */
		if (req.has_length)
			off += (size_t)(req.content_length < size - off
						? req.content_length
						: size - off);
		if (!resp.keep_alive)
			break;
	}
	/* The answers the server makes on its own (constant: cheap). */
	http_respond_error(408, HTTP_R_NONE, NOW, &resp);
	check_resp(&resp, SERVER);
	http_respond_error(503, HTTP_R_NONE, NOW, &resp);
	check_resp(&resp, SERVER);
	return 0;
}
