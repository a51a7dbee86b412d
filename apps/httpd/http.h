/*
 * http.h - the sans-I/O HTTP/1.1 core of httpd (RFC 9110, RFC 9112): the
 * request-head parser, the target-to-path normaliser, HTTP dates, Range
 * and entity-tag matching, the media-type table, and the response logic
 * that turns a parsed request and a file system into the bytes of a
 * response head plus the byte range of a file to send after it.
 *
 * Nothing here reads a clock, blocks or allocates: the glue (httpd.c)
 * passes the wall-clock time in and does the socket and file I/O, so the
 * unit tests compare whole responses byte for byte with a fixed Date and
 * the fuzzer drives the parser and the normaliser with arbitrary bytes.
 *
 * Limits (hostile input; every refusal has a reason counter, see
 * enum http_reason):
 *
 *   HTTP_TARGET_MAX   2048  bytes of request-target; more: 414
 *   HTTP_LINE_MAX     2080  bytes of request line (method, target,
 *                           version); no line end within it: 414
 *   HTTP_FIELDS_MAX   8192  bytes of header section after the request
 *                           line; more: 431
 *   HTTP_NFIELDS_MAX  64    header field lines; more: 431
 *   HTTP_BODY_MAX     65536 request content (Content-Length) read and
 *                           discarded; more: 413 and close
 *
 * Decisions where RFC 9112 leaves a choice:
 *   - Line ends: CRLF, or a bare LF (RFC 9112 2.2 allows a recipient to
 *     take LF as the terminator and drop a CR before it); a CR anywhere
 *     else is a 400.
 *   - obs-fold (a field line starting with SP or HTAB) is a 400 (RFC 9112
 *     5.2 allows rejecting it), as is whitespace before the colon (5.1).
 *   - Host: missing on HTTP/1.1, repeated, or not one host[:port] token:
 *     400 (RFC 9112 3.2).
 *   - Content-Length: digits only, at most one value (repeats must be
 *     equal); otherwise 400. A body up to HTTP_BODY_MAX is read and
 *     discarded (httpd takes no content); a larger one gets 413 and close.
 *   - Transfer-Encoding in a request: 501 and close (RFC 9112 6.1: a
 *     coding the server does not implement); with Content-Length too: 400
 *     (6.3, request smuggling).
 *   - Methods: GET and HEAD; the other registered ones (POST, PUT, DELETE,
 *     CONNECT, OPTIONS, TRACE, PATCH) 405 with Allow: GET, HEAD; any other
 *     valid token 501; an invalid token 400.
 *   - Versions: HTTP/1.0 and HTTP/1.1; another HTTP/D.D 505; else 400.
 *   - Targets: origin-form ("/path?query") and absolute-form
 *     ("http://host/path"); anything else 400. The query is ignored.
 *   - Paths: %XX is decoded; an invalid escape, %00 and an encoded '/'
 *     (%2F) are 400; then "." and ".." segments are resolved; a ".." that
 *     would climb above the served root is 403 (the request is refused,
 *     not clamped to the root).
 *   - Connections are closed after every 4xx/5xx the parser produced
 *     (400, 413, 414, 431, 501, 505: the framing of what follows cannot be
 *     trusted), after "Connection: close", and after an HTTP/1.0 request
 *     without "Connection: keep-alive".
 */
#ifndef HTTPD_HTTP_H
#define HTTPD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_TARGET_MAX 2048u
#define HTTP_LINE_MAX (HTTP_TARGET_MAX + 32u)
#define HTTP_FIELDS_MAX 8192u
#define HTTP_NFIELDS_MAX 64u
#define HTTP_HEAD_MAX (HTTP_LINE_MAX + HTTP_FIELDS_MAX) /* buffer it all */
#define HTTP_BODY_MAX 65536u
#define HTTP_PATH_MAX HTTP_TARGET_MAX /* decoded path, without the NUL */
/* A response head: fixed fields plus a Location of up to three bytes per
 * path byte (percent-encoded) and a short error body. */
#define HTTP_RESP_HEAD_MAX (1024u + 3u * HTTP_PATH_MAX)
#define HTTP_DATE_LEN 29u /* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define HTTP_SERVER "tern-httpd"

/* Why a request was refused or answered the way it was: one counter each
 * (struct http_stats). */
enum http_reason {
	HTTP_R_NONE,
	HTTP_R_BAD_LINE,       /* request line not METHOD SP TARGET SP VER */
	HTTP_R_BAD_METHOD,     /* method is not a token */
	HTTP_R_BAD_TARGET,     /* not origin- or absolute-form, bad bytes */
	HTTP_R_BAD_VERSION,    /* not HTTP/D.D */
	HTTP_R_VERSION,	       /* HTTP/D.D other than 1.0 and 1.1: 505 */
	HTTP_R_BARE_CR,	       /* CR not followed by LF */
	HTTP_R_BAD_FIELD,      /* field name not a token, no colon, bad byte */
	HTTP_R_OBS_FOLD,       /* field line starting with SP or HTAB */
	HTTP_R_NO_HOST,	       /* HTTP/1.1 without Host */
	HTTP_R_BAD_HOST,       /* Host repeated or malformed */
	HTTP_R_BAD_LENGTH,     /* Content-Length malformed or conflicting */
	HTTP_R_TE,	       /* Transfer-Encoding: 501 */
	HTTP_R_TE_AND_LENGTH,  /* both: 400 */
	HTTP_R_BODY_TOO_LARGE, /* Content-Length above HTTP_BODY_MAX: 413 */
	HTTP_R_LINE_TOO_LONG,  /* request line or target too long: 414 */
	HTTP_R_FIELDS_TOO_LARGE,   /* header section too large: 431 */
	HTTP_R_TOO_MANY_FIELDS,	   /* more than HTTP_NFIELDS_MAX lines: 431 */
	HTTP_R_METHOD_NOT_ALLOWED, /* a known method other than GET/HEAD */
	HTTP_R_METHOD_UNKNOWN,	   /* 501 */
	HTTP_R_BAD_ESCAPE,	   /* %XX with a non-hex digit or cut short */
	HTTP_R_NUL_ESCAPE,	   /* %00 */
	HTTP_R_SLASH_ESCAPE,	   /* %2F */
	HTTP_R_ESCAPE_ROOT,	   /* ".." above the root: 403 */
	HTTP_R_OUTSIDE_ROOT, /* a symlink that leads out of the root: 403 */
	HTTP_R_NOT_FOUND,    /* 404 */
	HTTP_R_NOT_FILE,     /* a device or FIFO member: 404 */
	HTTP_R_NO_INDEX,     /* a directory without index.html: 404 */
	HTTP_R_REDIRECT,     /* directory without its slash: 301 */
	HTTP_R_NOT_MODIFIED, /* 304 */
	HTTP_R_RANGE,	     /* 206 */
	HTTP_R_RANGE_UNSATISFIABLE, /* 416 */
	HTTP_R_RANGE_IGNORED,	    /* multi-range, bad syntax: served 200 */
	HTTP_R_FS_ERROR,	    /* lookup failed otherwise: 500 */
	HTTP_R_COUNT,
};

/* The name of a reason counter ("bad_line", ...). */
const char *http_reason_name(enum http_reason r);

enum http_method {
	HTTP_M_NONE,
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_OTHER, /* known, not allowed: 405 */
	HTTP_M_UNKNOWN,
};

/* A part of the request buffer: bytes [off, off + len). Offsets, not
 * pointers, so the glue may move the buffer. */
struct http_span {
	uint16_t off, len;
};

/* A parsed request head. Spans index the buffer given to http_parse. */
struct http_req {
	enum http_method method;
	struct http_span method_s;
	struct http_span target; /* as sent */
	struct http_span path;	 /* the path part of target (no query) */
	uint8_t minor;		 /* HTTP/1.minor */
	bool conn_close, conn_keep_alive; /* Connection tokens seen */
	bool has_host;
	bool has_length, has_te;
	uint64_t content_length;
	bool has_range, range_dup;
	struct http_span range;
	bool has_inm;
	struct http_span inm; /* If-None-Match */
	bool has_ims;
	struct http_span ims; /* If-Modified-Since */
	uint32_t nfields;
	/* Set when http_parse fails: the status to answer and why. */
	int status;
	enum http_reason reason;
};

/* ---- http_parse.c ------------------------------------------------------ */

/* Parses the request head at the start of buf (len bytes, len <=
 * UINT16_MAX). Returns the bytes of the head (request line, fields and
 * the empty line) once it is complete and valid; -TERN_EAGAIN if more
 * bytes are needed and the limits still allow them; -TERN_EBADMSG if the
 * request is to be refused, with req->status (400, 413, 414, 431, 501,
 * 505) and req->reason set. req is filled either way. Parsing stops at
 * the first fault, so a head cut short is refused as soon as what is
 * there is wrong. */
int http_parse(const uint8_t *buf, size_t len, struct http_req *req);

/* ---- http_path.c ------------------------------------------------------- */

/* Decodes and normalises the path of a request target (in, len bytes,
 * starting with '/') into out (cap bytes): no leading '/', "" for the
 * root, segments joined by single '/', no "." or "..". *slash says
 * whether the path ended with '/' (or a "." or ".." segment, which name
 * a directory). Returns the length written (NUL-terminated), or
 * -TERN_EBADMSG with *reason set (HTTP_R_BAD_ESCAPE, HTTP_R_NUL_ESCAPE,
 * HTTP_R_SLASH_ESCAPE, HTTP_R_BAD_TARGET: no leading '/'),
 * -TERN_ERANGE (HTTP_R_ESCAPE_ROOT: ".." above the root) or
 * -TERN_ENAMETOOLONG (out too small: HTTP_R_LINE_TOO_LONG). */
int http_path_clean(const char *in, size_t len, char *out, size_t cap,
		    bool *slash, enum http_reason *reason);

/* Percent-encodes path (len bytes) into out (cap bytes) for a Location,
 * leaving RFC 3986 unreserved bytes and '/' as they are. Returns the
 * length written (not NUL-terminated) or -TERN_ENAMETOOLONG. */
int http_path_encode(const char *path, size_t len, char *out, size_t cap);

/* ---- http_date.c ------------------------------------------------------- */

/* Writes t (seconds since 1970, UTC; 0..253402300799) as an IMF-fixdate
 * into out (HTTP_DATE_LEN bytes, no NUL). Times outside that range are
 * clamped to it. */
void http_date_format(int64_t t, char *out);

/* Parses an IMF-fixdate (RFC 9110 5.6.7) of len bytes into *t. The
 * obsolete RFC 850 and asctime forms are not accepted (a recipient may
 * then ignore the field, which httpd does). Returns 0 or -TERN_EBADMSG. */
int http_date_parse(const char *s, size_t len, int64_t *t);

/* ---- http_range.c ------------------------------------------------------ */

/* Parses a Range value (len bytes) against a representation of size
 * bytes. Returns 1 with [*first, *last] (inclusive) for one satisfiable
 * bytes= range; 0 if the field is to be ignored (another unit, several
 * ranges, bad syntax: serve the whole file); -TERN_ERANGE if the range is
 * unsatisfiable (416). */
int http_range_parse(const char *s, size_t len, uint64_t size, uint64_t *first,
		     uint64_t *last);

/* True if the If-None-Match value (len bytes: "*" or a list of entity
 * tags) matches etag (a quoted strong tag) by weak comparison (RFC 9110
 * 13.1.2). A malformed list matches nothing. */
bool http_etag_match(const char *s, size_t len, const char *etag,
		     size_t etag_len);

/* ---- http_mime.c ------------------------------------------------------- */

/* The media type for path's extension (case-insensitive), or
 * "application/octet-stream". */
const char *http_mime_type(const char *path, size_t len);

/* ---- http_resp.c ------------------------------------------------------- */

/* A file the file system found. */
struct http_file {
	uint64_t id; /* the file system's handle */
	uint64_t size;
	int64_t mtime; /* seconds since 1970 */
};

/* The file system the response logic reads. lookup resolves rel (a
 * normalised path, "" the root) and returns 0 with *f filled for a
 * regular file, -TERN_EISDIR for a directory, -TERN_ENOENT (also for a
 * component that is not a directory), -TERN_ENOTSUP (another member
 * type), -TERN_ERANGE (resolved outside the root through a symlink), or
 * another error (500). */
struct http_fs {
	int (*lookup)(void *ctx, const char *rel, struct http_file *f);
	void *ctx;
};

/* What to send: head[0..head_len) (status line, fields, and for errors a
 * short text body), then, if body_len > 0, bytes [body_off, body_off +
 * body_len) of file. */
struct http_resp {
	int status;
	enum http_reason reason;
	bool keep_alive;
	bool head_only; /* HEAD: no body even where one is counted */
	struct http_file file;
	uint64_t body_off, body_len;
	uint64_t content_length; /* what Content-Length says */
	size_t head_len;
	char head[HTTP_RESP_HEAD_MAX];
	char path[HTTP_PATH_MAX + 1 + 11]; /* scratch: + "/index.html" */
};

/* Builds the response to req (parsed from buf by http_parse, which
 * returned > 0) at wall-clock time now (seconds since 1970) from fs.
 * Fills *r; never fails (file system errors become 500). */
void http_respond(const struct http_req *req, const uint8_t *buf,
		  const struct http_fs *fs, int64_t now, struct http_resp *r);

/* Builds the error response for a request http_parse refused (req->status
 * and reason set), or for status with reason (408 on a header timeout,
 * 503 past the connection cap), always with Connection: close. */
void http_respond_error(int status, enum http_reason reason, int64_t now,
			struct http_resp *r);

/* The reason phrase of status ("Not Found"), or "Unknown". */
const char *http_status_text(int status);

#endif
