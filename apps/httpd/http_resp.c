/*
 * http_resp.c - the response logic: a parsed request and a file system in,
 * the response head (and for errors its short text body) out, with the
 * byte range of the file to send after it.
 *
 * Order of decisions: method (405, 501), path (400, 403), lookup (404,
 * 403 for a symlink out of the root, 301 for a directory without its
 * slash, index.html for one with it), conditionals (If-None-Match wins
 * over If-Modified-Since: 304), then Range (206, 416; a list or bad syntax
 * is ignored: 200). ETag is strong: "MTIME-SIZE" in hex, from the tar
 * header; Last-Modified is the tar mtime.
 */
#include <stdarg.h>
#include <string.h>

#include "http.h"
#include "tern/base.h"
#include "tern/err.h"
#include "tern/fmt.h"

static const char *const reason_names[HTTP_R_COUNT] = {
	"none",
	"bad_line",
	"bad_method",
	"bad_target",
	"bad_version",
	"version",
	"bare_cr",
	"bad_field",
	"obs_fold",
	"no_host",
	"bad_host",
	"bad_length",
	"te",
	"te_and_length",
	"body_too_large",
	"line_too_long",
	"fields_too_large",
	"too_many_fields",
	"method_not_allowed",
	"method_unknown",
	"bad_escape",
	"nul_escape",
	"slash_escape",
	"escape_root",
	"outside_root",
	"not_found",
	"not_file",
	"no_index",
	"redirect",
	"not_modified",
	"range",
	"range_unsatisfiable",
	"range_ignored",
	"fs_error",
};

const char *http_reason_name(enum http_reason r)
{
	return (unsigned)r < HTTP_R_COUNT ? reason_names[r] : "?";
}

const char *http_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* Appends formatted text to r->head (truncation cannot happen: the head
 * buffer is sized for the longest head; asserted by the length check). */
__attribute__((format(printf, 2, 3))) static void add(struct http_resp *r,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tern_vsnprintf(r->head + r->head_len, sizeof(r->head) - r->head_len,
			   fmt, ap);
	va_end(ap);
	if (n > 0)
		r->head_len =
			TERN_MIN(r->head_len + (size_t)n, sizeof(r->head) - 1);
}

/* Status line, Date and Server. */
static void start(struct http_resp *r, int64_t now)
{
	char date[HTTP_DATE_LEN];

	http_date_format(now, date);
	r->head_len = 0;
	add(r, "HTTP/1.1 %d %s\r\nDate: %.*s\r\nServer: " HTTP_SERVER "\r\n",
	    r->status, http_status_text(r->status), (int)HTTP_DATE_LEN, date);
}

/* Connection (close, or keep-alive for an HTTP/1.0 client that asked)
 * and the empty line. */
static void end(struct http_resp *r, bool http10)
{
	if (!r->keep_alive)
		add(r, "Connection: close\r\n");
	else if (http10)
		add(r, "Connection: keep-alive\r\n");
	add(r, "\r\n");
}

/* An error (or redirect) with a one-line text body. */
static void text(struct http_resp *r, int status, enum http_reason reason,
		 int64_t now, const char *extra, bool http10)
{
	const char *msg = http_status_text(status);

	r->status = status;
	r->reason = reason;
	r->body_len = 0;
	r->content_length = (uint64_t)(4 + strlen(msg) + 1);
	start(r, now);
	add(r, "Content-Type: text/plain; charset=utf-8\r\n");
	add(r, "Content-Length: %llu\r\n",
	    (unsigned long long)r->content_length);
	if (extra)
		add(r, "%s", extra);
	end(r, http10);
	if (!r->head_only)
		add(r, "%d %s\n", status, msg);
}

void http_respond_error(int status, enum http_reason reason, int64_t now,
			struct http_resp *r)
{
	r->keep_alive = false;
	r->head_only = false;
	text(r, status, reason, now, NULL, false);
}

/* Sets the file fields of a found file and answers 200/206/304/416. */
static void serve_file(const struct http_req *req, const uint8_t *buf,
		       int64_t now, struct http_resp *r, bool http10)
{
	const struct http_file *f = &r->file;
	/* Content-Range: "bytes FIRST-LAST/SIZE" with three 20-digit numbers
	 * is 85 bytes with its CRLF (64 cut the field short for ranges
	 * past 10^12 bytes, gluing the rest onto the next field). */
	char etag[40], lm[HTTP_DATE_LEN], cr[21 + 3 * 20 + 4 + 1] = "";
	uint64_t first = 0, last = 0;
	int elen, rng = 0;
	bool not_mod = false;
	int64_t ims;

	elen = tern_snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
			     (unsigned long long)(f->mtime < 0 ? 0 : f->mtime),
			     (unsigned long long)f->size);
	http_date_format(f->mtime, lm);
	if (req->has_inm)
		not_mod = http_etag_match((const char *)buf + req->inm.off,
					  req->inm.len, etag, (size_t)elen);
	else if (req->has_ims &&
		 http_date_parse((const char *)buf + req->ims.off, req->ims.len,
				 &ims) == 0)
		not_mod = f->mtime <= ims;
	if (!not_mod && req->has_range && !req->range_dup) {
		rng = http_range_parse((const char *)buf + req->range.off,
				       req->range.len, f->size, &first, &last);
		if (rng == 0)
			r->reason = HTTP_R_RANGE_IGNORED;
	} else if (!not_mod && req->has_range) {
		r->reason = HTTP_R_RANGE_IGNORED;
	}
	if (rng < 0) {
		tern_snprintf(cr, sizeof(cr), "Content-Range: bytes */%llu\r\n",
			      (unsigned long long)f->size);
		text(r, 416, HTTP_R_RANGE_UNSATISFIABLE, now, cr, http10);
		return;
	}
	if (not_mod) {
		r->status = 304;
		r->reason = HTTP_R_NOT_MODIFIED;
		r->body_len = 0;
		r->content_length = f->size;
	} else if (rng > 0) {
		r->status = 206;
		r->reason = HTTP_R_RANGE;
		r->body_off = first;
		r->body_len = last - first + 1;
		r->content_length = r->body_len;
		tern_snprintf(cr, sizeof(cr),
			      "Content-Range: bytes %llu-%llu/%llu\r\n",
			      (unsigned long long)first,
			      (unsigned long long)last,
			      (unsigned long long)f->size);
	} else {
		r->status = 200;
		r->body_off = 0;
		r->body_len = f->size;
		r->content_length = f->size;
	}
	start(r, now);
	if (r->status != 304)
		add(r, "Content-Type: %s\r\n",
		    http_mime_type(r->path, strlen(r->path)));
	add(r,
	    "Content-Length: %llu\r\n%sLast-Modified: %.*s\r\nETag: "
	    "%s\r\nAccept-Ranges: bytes\r\n",
	    (unsigned long long)r->content_length, cr, (int)HTTP_DATE_LEN, lm,
	    etag);
	end(r, http10);
	if (r->head_only)
		r->body_len = 0;
}

/* 301 to the directory's name with its slash. */
static void redirect(struct http_resp *r, int64_t now, bool http10)
{
	char loc[16 + 3 * HTTP_PATH_MAX];
	size_t plen = strlen(r->path);
	int n;

	memcpy(loc, "Location: /", 11);
	n = http_path_encode(r->path, plen, loc + 11, sizeof(loc) - 16);
	if (n < 0) {
		text(r, 414, HTTP_R_LINE_TOO_LONG, now, NULL, http10);
		return;
	}
	memcpy(loc + 11 + n, "/\r\n", 4);
	text(r, 301, HTTP_R_REDIRECT, now, loc, http10);
}

void http_respond(const struct http_req *req, const uint8_t *buf,
		  const struct http_fs *fs, int64_t now, struct http_resp *r)
{
	bool http10 = req->minor == 0, slash;
	enum http_reason why = HTTP_R_NONE;
	int rc, n;

	memset(&r->file, 0, sizeof(r->file));
	r->reason = HTTP_R_NONE;
	r->body_off = r->body_len = 0;
	r->head_only = req->method == HTTP_M_HEAD;
	r->keep_alive = http10 ? req->conn_keep_alive && !req->conn_close
			       : !req->conn_close;
	if (req->method == HTTP_M_OTHER) {
		text(r, 405, HTTP_R_METHOD_NOT_ALLOWED, now,
		     "Allow: GET, HEAD\r\n", http10);
		return;
	}
	if (req->method != HTTP_M_GET && req->method != HTTP_M_HEAD) {
		text(r, 501, HTTP_R_METHOD_UNKNOWN, now, NULL, http10);
		return;
	}
	if (req->path.len == 0)
		n = http_path_clean("/", 1, r->path, HTTP_PATH_MAX + 1, &slash,
				    &why);
	else
		n = http_path_clean((const char *)buf + req->path.off,
				    req->path.len, r->path, HTTP_PATH_MAX + 1,
				    &slash, &why);
	if (n < 0) {
		text(r,
		     n == -TERN_ERANGE	       ? 403
		     : n == -TERN_ENAMETOOLONG ? 414
					       : 400,
		     why, now, NULL, http10);
		return;
	}
	rc = fs->lookup(fs->ctx, r->path, &r->file);
	if (rc == -TERN_EISDIR) {
		if (!slash && n > 0) {
			redirect(r, now, http10);
			return;
		}
		memcpy(r->path + n, n ? "/index.html" : "index.html",
		       n ? 12 : 11);
		rc = fs->lookup(fs->ctx, r->path, &r->file);
		if (rc == -TERN_ENOENT || rc == -TERN_EISDIR) {
			text(r, 404, HTTP_R_NO_INDEX, now, NULL, http10);
			return;
		}
	}
	if (rc == 0)
		serve_file(req, buf, now, r, http10);
	else if (rc == -TERN_ENOENT)
		text(r, 404, HTTP_R_NOT_FOUND, now, NULL, http10);
	else if (rc == -TERN_ENOTSUP || rc == -TERN_EISDIR)
		text(r, 404, HTTP_R_NOT_FILE, now, NULL, http10);
	else if (rc == -TERN_ERANGE)
		text(r, 403, HTTP_R_OUTSIDE_ROOT, now, NULL, http10);
	else
		text(r, 500, HTTP_R_FS_ERROR, now, NULL, http10);
}
