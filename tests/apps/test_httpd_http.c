/*
 * test_httpd_http.c - the sans-I/O HTTP core of apps/httpd (http_*.c):
 * golden requests through http_parse and http_respond with a fake file
 * system and a fixed Date, compared byte for byte; every hostile case the
 * parser refuses, with its status and reason; the path normaliser, dates,
 * Range and If-None-Match.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "tern/err.h"

#define NOW 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */
#define MTIME 784111000

static int fk_lookup(void *ctx, const char *rel, struct http_file *f)
{
	(void)ctx;
	if (strcmp(rel, "hello.txt") == 0 || strcmp(rel, "d/index.html") == 0) {
		f->id = 1;
		f->size = 10;
		f->mtime = MTIME;
		return 0;
	}
	if (strcmp(rel, "") == 0 || strcmp(rel, "d") == 0 ||
	    strcmp(rel, "e") == 0)
		return -TERN_EISDIR;
	if (strcmp(rel, "out") == 0)
		return -TERN_ERANGE;
	return -TERN_ENOENT;
}

static const struct http_fs fs = { fk_lookup, NULL };
static struct http_resp resp;

/* Parses and answers req; returns the head as a string. */
static const char *answer(const char *req)
{
	struct http_req r;
	int n = http_parse((const uint8_t *)req, strlen(req), &r);

	cr_assert_gt(n, 0, "parse of %s: %d (status %d)", req, n, r.status);
	http_respond(&r, (const uint8_t *)req, &fs, NOW, &resp);
	resp.head[resp.head_len] = '\0';
	return resp.head;
}

static void refused(const char *req, int status, enum http_reason why)
{
	struct http_req r;
	int n = http_parse((const uint8_t *)req, strlen(req), &r);

	cr_assert_eq(n, -TERN_EBADMSG, "%s: %d", req, n);
	cr_assert_eq(r.status, status, "%s: status %d", req, r.status);
	cr_assert_eq(r.reason, why, "%s: reason %s", req,
		     http_reason_name(r.reason));
}

#define DATE "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: tern-httpd\r\n"
#define FILE_FIELDS                                              \
	"Last-Modified: Sun, 06 Nov 1994 08:36:40 GMT\r\nETag: " \
	"\"2ebc9598-a\"\r\nAccept-Ranges: bytes\r\n"

Test(http, get_golden)
{
	cr_assert_str_eq(answer("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
			 "HTTP/1.1 200 OK\r\n" DATE
			 "Content-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: 10\r\n" FILE_FIELDS "\r\n");
	cr_assert_eq(resp.body_len, 10);
	cr_assert(resp.keep_alive);
}

Test(http, head_http10_and_close)
{
	cr_assert_str_eq(answer("HEAD /hello.txt HTTP/1.0\r\n\r\n"),
			 "HTTP/1.1 200 OK\r\n" DATE
			 "Content-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: 10\r\n" FILE_FIELDS
			 "Connection: close\r\n\r\n");
	cr_assert_eq(resp.body_len, 0);
	answer("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	cr_assert(resp.keep_alive);
	cr_assert(strstr(resp.head, "Connection: keep-alive\r\n"));
	answer("GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: "
	       "close\r\n\r\n");
	cr_assert_not(resp.keep_alive);
}

Test(http, range)
{
	cr_assert_str_eq(answer("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: "
				"bytes=2-4\r\n\r\n"),
			 "HTTP/1.1 206 Partial Content\r\n" DATE
			 "Content-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: 3\r\nContent-Range: bytes "
			 "2-4/10\r\n" FILE_FIELDS "\r\n");
	cr_assert_eq(resp.body_off, 2);
	cr_assert_eq(resp.body_len, 3);
	cr_assert_str_eq(
		answer("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: "
		       "bytes=10-\r\n\r\n"),
		"HTTP/1.1 416 Range Not Satisfiable\r\n" DATE
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 26\r\nContent-Range: bytes */10\r\n\r\n"
		"416 Range Not Satisfiable\n");
	answer("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: "
	       "bytes=0-1,3-4\r\n\r\n");
	cr_assert_eq(resp.status, 200);
	answer("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-3\r\n\r\n");
	cr_assert_eq(resp.body_off, 7);
}

Test(http, conditionals)
{
	answer("GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: "
	       "\"2ebc9598-a\"\r\n\r\n");
	cr_assert_eq(resp.status, 304);
	cr_assert_eq(resp.body_len, 0);
	answer("GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Sun, "
	       "06 Nov 1994 08:49:37 GMT\r\n\r\n");
	cr_assert_eq(resp.status, 304);
	/* If-None-Match wins: no match means 200 whatever the date says. */
	answer("GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: "
	       "\"zz\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 "
	       "GMT\r\n\r\n");
	cr_assert_eq(resp.status, 200);
}

Test(http, directories_and_errors)
{
	cr_assert_str_eq(answer("GET /d HTTP/1.1\r\nHost: x\r\n\r\n"),
			 "HTTP/1.1 301 Moved Permanently\r\n" DATE
			 "Content-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: 22\r\nLocation: /d/\r\n\r\n"
			 "301 Moved Permanently\n");
	answer("GET /d/ HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_eq(resp.status, 200);
	answer("GET /e/ HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_eq(resp.status, 404);
	answer("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_eq(resp.status, 404);
	answer("GET /out HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_eq(resp.status, 403);
	answer("GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_eq(resp.status, 403);
	answer("GET /a%2fb HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_eq(resp.status, 400);
	answer("GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_eq(resp.status, 400);
	answer("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_eq(resp.status, 400);
	cr_assert_str_eq(answer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
				"0\r\n\r\n"),
			 "HTTP/1.1 405 Method Not Allowed\r\n" DATE
			 "Content-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: 23\r\nAllow: GET, HEAD\r\n\r\n"
			 "405 Method Not Allowed\n");
	answer("BREW / HTTP/1.1\r\nHost: x\r\n\r\n");
	cr_assert_eq(resp.status, 501);
}

Test(http, hostile)
{
	static char big[HTTP_HEAD_MAX + 64];

	refused("GET / HTTP/1.1\r\n\r\n", 400, HTTP_R_NO_HOST);
	refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400,
		HTTP_R_BAD_HOST);
	refused("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400,
		HTTP_R_OBS_FOLD);
	refused("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, HTTP_R_BAD_FIELD);
	refused("GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n", 400, HTTP_R_BARE_CR);
	refused("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, HTTP_R_BAD_METHOD);
	refused("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400, HTTP_R_BAD_LINE);
	refused("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, HTTP_R_VERSION);
	refused("GET / HTTX/1.1\r\nHost: x\r\n\r\n", 400, HTTP_R_BAD_VERSION);
	refused("GET x HTTP/1.1\r\nHost: x\r\n\r\n", 400, HTTP_R_BAD_TARGET);
	refused("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
		"chunked\r\n\r\n",
		501, HTTP_R_TE);
	refused("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
		"chunked\r\nContent-Length: 3\r\n\r\n",
		400, HTTP_R_TE_AND_LENGTH);
	refused("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400,
		HTTP_R_BAD_LENGTH);
	refused("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: "
		"1\r\nContent-Length: 2\r\n\r\n",
		400, HTTP_R_BAD_LENGTH);
	refused("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
		413, HTTP_R_BODY_TOO_LARGE);
	/* A target over 2 KiB: 414, whole or still coming. */
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "GET /", 5);
	refused(big, 414, HTTP_R_LINE_TOO_LONG);
	/* Header section over 8 KiB: 431. */
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	refused(big, 431, HTTP_R_FIELDS_TOO_LARGE);
	/* Bare LF is a line end. */
	answer("GET /hello.txt HTTP/1.1\nHost: x\n\n");
	cr_assert_eq(resp.status, 200);
}

Test(http, too_many_fields)
{
	char req[4096];
	size_t n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nHost: x\r\n");

	for (int i = 0; i < 64; i++)
		n += (size_t)sprintf(req + n, "X%d: y\r\n", i);
	strcpy(req + n, "\r\n");
	refused(req, 431, HTTP_R_TOO_MANY_FIELDS);
}

Test(http, incomplete_and_pipelined)
{
	const char *two = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
			  "HEAD /d/ HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_req r;
	int n;

	cr_assert_eq(http_parse((const uint8_t *)two, 20, &r), -TERN_EAGAIN);
	n = http_parse((const uint8_t *)two, strlen(two), &r);
	cr_assert_eq(n,
		     (int)strlen("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
	cr_assert_eq(r.method, HTTP_M_GET);
	n = http_parse((const uint8_t *)two + n, strlen(two) - (size_t)n, &r);
	cr_assert_gt(n, 0);
	cr_assert_eq(r.method, HTTP_M_HEAD);
}

Test(http, path_clean)
{
	char out[64];
	enum http_reason why;
	bool slash;

	cr_assert_eq(http_path_clean("/a/./b//c/../d", 14, out, sizeof(out),
				     &slash, &why),
		     5);
	cr_assert_str_eq(out, "a/b/d");
	cr_assert_eq(http_path_clean("/a%20b/", 7, out, sizeof(out), &slash,
				     &why),
		     3);
	cr_assert_str_eq(out, "a b");
	cr_assert(slash);
	cr_assert_eq(http_path_clean("/a/../..", 8, out, sizeof(out), &slash,
				     &why),
		     -TERN_ERANGE);
	cr_assert_eq(http_path_clean("/%2e%2e/x", 9, out, sizeof(out), &slash,
				     &why),
		     -TERN_ERANGE);
}

Test(http, dates)
{
	char d[HTTP_DATE_LEN + 1] = { 0 };
	int64_t t;

	http_date_format(NOW, d);
	cr_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	cr_assert_eq(http_date_parse(d, HTTP_DATE_LEN, &t), 0);
	cr_assert_eq(t, NOW);
	cr_assert_eq(http_date_parse("Mon, 06 Nov 1994 08:49:37 GMT", 29, &t),
		     -TERN_EBADMSG);
	http_date_format(951782400, d); /* leap day 2000 */
	cr_assert_str_eq(d, "Tue, 29 Feb 2000 00:00:00 GMT");
}

/* A file past 10^12 bytes: a Content-Range of three 19-digit numbers
 * fits whole; it used to be cut at 63 bytes, gluing the rest of the head
 * onto it (found by fuzz_httpd_request). */
static int huge_lookup(void *ctx, const char *rel, struct http_file *f)
{
	(void)ctx;
	(void)rel;
	f->id = 2;
	f->size = 1ull << 62; /* 4611686018427387904 */
	f->mtime = MTIME;
	return 0;
}

Test(http, range_of_a_huge_file)
{
	static const struct http_fs huge = { huge_lookup, NULL };
	const char *req = "GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: "
			  "bytes=4611686018427387000-\r\n\r\n";
	struct http_req r;
	int n = http_parse((const uint8_t *)req, strlen(req), &r);

	cr_assert_gt(n, 0);
	http_respond(&r, (const uint8_t *)req, &huge, NOW, &resp);
	resp.head[resp.head_len] = '\0';
	cr_assert_eq(resp.status, 206);
	cr_assert_eq(resp.body_off, 4611686018427387000ull);
	cr_assert_eq(resp.body_len, 904);
	cr_assert(strstr(resp.head, "\r\nContent-Range: bytes "
				    "4611686018427387000-4611686018427387903/"
				    "4611686018427387904\r\nLast-Modified: "),
		  "%s", resp.head);
}
