/*
 * test_httpd_server.c - the whole HTTP server (apps/httpd/httpd.c over the
 * core of http_*.c): httpd_start on stack A, driven by clients written
 * here on stack B, over a perfect memlink under the virtual clock (the
 * two-stack rig of tests/net/util_duo.c). The files come from a tar image
 * that GNU tar makes in the test, read through the hosted file disk, the
 * block cache and tarfs - the same path as the app.
 *
 *   - get_small, get_multi_chunk: 200 with the file's bytes (1000 bytes;
 *     200 KiB, many HTTPD_CHUNK writes);
 *   - head: a HEAD of a file and of a 404 sends the head only (the next
 *     request on the connection is answered right after it);
 *   - keep_alive: three requests one after another on one connection; a
 *     request after more than header_timeout of keep-alive quiet is
 *     served; Connection: close is honoured;
 *   - pipelined: three requests in one write, answered in order; three
 *     in one write followed by the client's FIN (printf | nc -N), all
 *     answered before the server closes;
 *   - pipelined_past_the_buffer: sixty requests, more than HTTPD_RBUF
 *     bytes, in one write, answered in order; then a head sent in three
 *     pieces a second apart;
 *   - request_body: a Content-Length body, most of it after the head, is
 *     read and dropped and the next request served; one above
 *     HTTP_BODY_MAX gets 413 and close;
 *   - range: 206 with Content-Range and the range's bytes, a suffix range,
 *     416 with "bytes *\/SIZE" (the connection stays open);
 *   - conditional: If-None-Match with the ETag and If-Modified-Since with
 *     Last-Modified give 304 and no body; another tag gives 200;
 *   - directories: 301 to the name with its slash, index.html, 404 for a
 *     directory without one (and for the root of this image);
 *   - not_found: 404 with its text body, 403 for ".." above the root;
 *     the connection stays open;
 *   - hostile: obs-fold (400), a 3000-byte target (414), a 9000-byte
 *     field (431), Transfer-Encoding (501), TE with Content-Length (400):
 *     each answered with Connection: close, then the connection ends and
 *     a request pipelined behind it is not answered;
 *   - slowloris: part of a head and then nothing, and a head trickled a
 *     byte a second: 408 after header_timeout (virtual time), closed;
 *   - idle: a keep-alive connection left idle is closed after idle_ns,
 *     silently;
 *   - client_reset: a client that resets in the middle of a 200 KiB body:
 *     the server's write fails (send_error), it aborts, the slot and the
 *     connection are released, the next client is served;
 *   - max_conns: with max_conns 2, a third client gets 503 and is closed;
 *     once one of the two leaves, a new client is served;
 *   - stats: every counter of struct httpd_stats, reasons[] included,
 *     matches what the clients did, and bytes_tx is what they received.
 *
 * Every test ends the same way: the clients close, every server slot
 * goes idle, stack A holds only the listener and stack B no connection;
 * then the server is stopped (httpd.h has no stop call: the test sets
 * stopping, closes the listener and wakes the fibers, which is what one
 * would do) and all its fibers are joined. Teardown: no cache block
 * pinned, both stacks' pools empty, no fiber stack held (duo_close).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "net/util_duo.h"
#include "tern/bcache.h"
#include "tern/err.h"
#include "tern/hosted/filedisk.h"
#include "tern/tarfs.h"
#include "tern/tcp.h"

#define PORT 8080
#define SEC TERN_NSEC_PER_SEC
#define MS TERN_NSEC_PER_MSEC
#define SEED 7
#define MAX_CONNS 4
#define WAIT (60 * SEC) /* any client wait: far past every server timeout */

#define SMALL_LEN 1000
#define BIG_LEN (200 * 1024)
#define INDEX_LEN 300

/* ---- The rig: two stacks, a disk, a cache, tarfs, the server ---------- */

struct rig {
	struct duo *d; /* server on A (la), clients on B (lb) */
	struct tern_filedisk disk;
	struct tern_bcache cache;
	void *cache_mem, *fs_mem;
	struct tern_tarfs fs;
	struct httpd *h;
	struct httpd_conn *conns;
	struct httpd_config cfg;
	struct tern_fiber client;
	void (*scenario)(void);
	uint64_t rx_bytes; /* every byte the clients received */
	char dir[64], img[96];
	bool disk_open, cache_open, ran;
};

static struct rig *rig;

/* The bytes of the test files: a function of the file and the offset. */
static uint8_t byte_at(unsigned file, uint64_t off)
{
	return (uint8_t)(off * 131 + (off >> 8) + file * 17);
}

static void make_file(const char *name, unsigned file, size_t len)
{
	char path[256], cmd[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tree/%s", rig->dir, name);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	cr_assert_eq(system(cmd), 0);
	f = fopen(path, "wb");
	cr_assert_not_null(f, "%s", path);
	for (size_t i = 0; i < len; i++)
		cr_assert_neq(fputc(byte_at(file, i), f), EOF);
	fclose(f);
}

static void setup(void)
{
	rig = calloc(1, sizeof(*rig));
	cr_assert_not_null(rig);
	snprintf(rig->dir, sizeof(rig->dir), "/tmp/tern-httpd-%d-XXXXXX",
		 getpid());
	cr_assert_not_null(mkdtemp(rig->dir));
	snprintf(rig->img, sizeof(rig->img), "%s/site.img", rig->dir);
	httpd_config_default(&rig->cfg);
	rig->cfg.port = PORT;
	rig->cfg.max_conns = MAX_CONNS;
	rig->cfg.header_timeout_ns = 5 * SEC;
	rig->cfg.idle_ns = 8 * SEC;
}

/* The tree, the image (GNU tar), the stacks, the disk, the cache, the
 * index and the server on stack A with rig->cfg. */
static void start(void)
{
	struct tern_bcache_config cc = { 4096, 256, 16 };
	struct tern_filedisk_opts fo = { .read_only = true };
	struct tern_tarfs_config tc;
	char cmd[256];
	size_t size;

	make_file("small.txt", 1, SMALL_LEN);
	make_file("big.bin", 2, BIG_LEN);
	make_file("dir/index.html", 3, INDEX_LEN);
	make_file("noindex/other.txt", 4, 10);
	snprintf(cmd, sizeof(cmd), "tar cf '%s' -C '%s/tree' .", rig->img,
		 rig->dir);
	cr_assert_eq(system(cmd), 0, "GNU tar failed");

	rig->d = duo_open(NULL, NULL, SEED);
	cr_assert_eq(tern_filedisk_open(&rig->disk, rig->img, &fo), 0);
	rig->disk_open = true;
	size = tern_bcache_mem_size(&cc);
	rig->cache_mem = malloc(size);
	cr_assert_eq(tern_bcache_init(&rig->cache, &rig->disk.dev, &cc,
				      rig->cache_mem, size),
		     0);
	rig->cache_open = true;
	tern_bcache_attach(&rig->cache, &rig->d->sched);
	cr_assert_eq(tern_tarfs_measure(&rig->fs, &rig->cache, &tc), 0);
	size = tern_tarfs_mem_size(&tc);
	rig->fs_mem = malloc(size);
	cr_assert_eq(tern_tarfs_open(&rig->fs, &rig->cache, &tc, rig->fs_mem,
				     size),
		     0);

	rig->h = calloc(1, sizeof(*rig->h));
	rig->conns =
		calloc(rig->cfg.max_conns + HTTPD_SPARE, sizeof(*rig->conns));
	cr_assert(rig->h && rig->conns);
	cr_assert_eq(httpd_set_root(rig->h, &rig->fs, "/"), 0);
	cr_assert_eq(httpd_count_files(rig->h), 4);
	cr_assert_eq(httpd_start(rig->h, &rig->d->la, &rig->cfg, rig->conns),
		     0);
}

static void teardown(void)
{
	char cmd[160];

	if (rig->cache_open) {
		cr_assert_eq(tern_bcache_pinned(&rig->cache), 0);
		cr_assert_eq(tern_bcache_drain(&rig->cache), 0);
		tern_bcache_detach(&rig->cache);
		tern_bcache_fini(&rig->cache);
	}
	/* Both stacks' pools empty, no fiber stack held. */
	if (rig->d)
		duo_close(rig->d);
	if (rig->disk_open)
		tern_filedisk_close(&rig->disk);
	free(rig->cache_mem);
	free(rig->fs_mem);
	free(rig->conns);
	free(rig->h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rig->dir);
	cr_assert_eq(system(cmd), 0);
	free(rig);
}

TestSuite(httpd_server, .init = setup, .fini = teardown, .timeout = 120);

static struct tern_sched *sched(void)
{
	return &rig->d->sched;
}

static uint64_t after(uint64_t ns)
{
	return tern_sched_now(sched()) + ns;
}

static unsigned busy_slots(void)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < rig->h->nconns; i++)
		n += rig->conns[i].busy;
	return n;
}

/* Waits (virtual time, bounded) until every server slot is idle and the
 * stacks' connection pools are down to the listener; checks they are;
 * then stops the server (httpd_stop, a no-op if the scenario did). */
static void stop_server(void)
{
	struct httpd *h = rig->h;
	unsigned listener = h->stopping ? 0 : 1; /* the scenario stopped it */

	for (int i = 0; i < 600; i++) {
		if (busy_slots() == 0 &&
		    tern_tcp_conns_in_use(&rig->d->a) == listener &&
		    tern_tcp_conns_in_use(&rig->d->b) == 0)
			break;
		tern_sleep(sched(), 100 * MS);
	}
	cr_assert_eq(busy_slots(), 0, "server slots still busy");
	cr_assert_eq(h->serving, 0);
	cr_assert_eq(tern_tcp_conns_in_use(&rig->d->a), listener,
		     "A: the listener");
	cr_assert_eq(tern_tcp_conns_in_use(&rig->d->b), 0, "B: none");
	cr_assert_eq(httpd_stop(h, after(TERN_NSEC_PER_SEC)), 0);
	cr_assert_eq(tern_tcp_conns_in_use(&rig->d->a), 0);
}

static void client_fiber(void *arg)
{
	(void)arg;
	rig->scenario();
	stop_server();
	rig->ran = true;
}

/* Starts everything, runs scenario in a client fiber on stack B until it
 * and the server are done. */
static void run(void (*scenario)(void))
{
	start();
	rig->scenario = scenario;
	cr_assert_eq(tern_fiber_spawn(sched(), &rig->client, "client",
				      client_fiber, NULL, 0),
		     0);
	cr_assert_eq(tern_sched_run(sched()), 0);
	cr_assert_eq(tern_fiber_join(sched(), &rig->client), 0);
	cr_assert(rig->ran, "the scenario did not finish");
}

/* ---- The client -------------------------------------------------------- */

struct cl {
	struct tern_tsock s;
	uint8_t *rx; /* received, not consumed yet */
	size_t len, cap;
	bool eof;
	int err; /* the read error that ended the stream, or 0 */
};

struct reply {
	int status;
	char head[HTTP_RESP_HEAD_MAX + 1]; /* NUL-terminated */
	size_t head_len;
	uint8_t *body; /* malloc'ed; NULL if none */
	size_t body_len;
	uint64_t content_length;
};

static struct cl *cl_open(void)
{
	struct cl *c = calloc(1, sizeof(*c));

	cr_assert_not_null(c);
	c->cap = 4096;
	c->rx = malloc(c->cap);
	cr_assert_not_null(c->rx);
	cr_assert_eq(tern_tsock_connect(&rig->d->lb, &c->s, DUO_A_IP, PORT,
					after(SEC)),
		     0);
	return c;
}

static void cl_free(struct cl *c)
{
	tern_tsock_close(&c->s);
	free(c->rx);
	free(c);
}

static void cl_send(struct cl *c, const void *p, size_t len)
{
	cr_assert_eq(tern_tsock_write(&c->s, p, len, after(SEC)), (int)len);
}

static void cl_puts(struct cl *c, const char *s)
{
	cl_send(c, s, strlen(s));
}

/* Reads once more into c->rx, until deadline. Returns the read's result. */
static int cl_read(struct cl *c, uint64_t deadline)
{
	int n;

	if (c->cap - c->len < 4096) {
		c->cap *= 2;
		c->rx = realloc(c->rx, c->cap);
		cr_assert_not_null(c->rx);
	}
	n = tern_tsock_read(&c->s, c->rx + c->len, c->cap - c->len, deadline);
	if (n > 0) {
		c->len += (size_t)n;
		rig->rx_bytes += (uint64_t)n;
	} else if (n == 0) {
		c->eof = true;
	} else if (n != -TERN_ETIMEDOUT) {
		c->eof = true;
		c->err = n;
	}
	return n;
}

/* Reads until c->rx holds want bytes; fails on the end of the stream. */
static void cl_fill(struct cl *c, size_t want)
{
	uint64_t deadline = after(WAIT);

	while (c->len < want) {
		cr_assert_not(c->eof, "stream ended at %zu of %zu bytes (%d)",
			      c->len, want, c->err);
		cr_assert_neq(cl_read(c, deadline), -TERN_ETIMEDOUT,
			      "no reply within the wait");
	}
}

static void cl_consume(struct cl *c, size_t n)
{
	memmove(c->rx, c->rx + n, c->len - n);
	c->len -= n;
}

/* The value of field name in r's head (up to its CRLF), copied into a
 * static buffer, or NULL. */
static const char *field(const struct reply *r, const char *name)
{
	static char val[HTTP_RESP_HEAD_MAX];
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	p = strstr(r->head, key);
	if (!p)
		return NULL;
	p += strlen(key);
	e = strstr(p, "\r\n");
	cr_assert_not_null(e);
	snprintf(val, sizeof(val), "%.*s", (int)(e - p), p);
	return val;
}

/* Reads one response (no body for HEAD and 304) into *r. */
static void cl_reply(struct cl *c, bool head_req, struct reply *r)
{
	const char *cl, *end;
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	for (;;) {
		end = c->len >= 4 ? memmem(c->rx, c->len, "\r\n\r\n", 4) : NULL;
		if (end)
			break;
		cr_assert_lt(c->len, sizeof(r->head), "no end of head");
		off = c->len;
		cl_fill(c, off + 1);
	}
	r->head_len = (size_t)((const uint8_t *)end - c->rx) + 4;
	memcpy(r->head, c->rx, r->head_len);
	r->head[r->head_len] = '\0';
	cl_consume(c, r->head_len);
	cr_assert_eq(strncmp(r->head, "HTTP/1.1 ", 9), 0, "%s", r->head);
	r->status = atoi(r->head + 9);
	cl = field(r, "Content-Length");
	cr_assert_not_null(cl, "no Content-Length: %s", r->head);
	r->content_length = strtoull(cl, NULL, 10);
	if (head_req || r->status == 304)
		return;
	r->body_len = (size_t)r->content_length;
	cl_fill(c, r->body_len);
	r->body = malloc(r->body_len + 1);
	cr_assert_not_null(r->body);
	memcpy(r->body, c->rx, r->body_len);
	r->body[r->body_len] = '\0';
	cl_consume(c, r->body_len);
}

static void reply_free(struct reply *r)
{
	free(r->body);
	r->body = NULL;
}

/* Checks that r is status with bytes [off, off + len) of file. */
static void expect_file(const struct reply *r, int status, unsigned file,
			uint64_t off, size_t len)
{
	cr_assert_eq(r->status, status, "%s", r->head);
	cr_assert_eq(r->body_len, len, "%s", r->head);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(r->body[i], byte_at(file, off + i),
			     "file %u: byte %llu differs", file,
			     (unsigned long long)(off + i));
}

/* Checks that r is status with the server's one-line text body. */
static void expect_text(const struct reply *r, int status)
{
	char want[64];

	snprintf(want, sizeof(want), "%d %s\n", status,
		 http_status_text(status));
	cr_assert_eq(r->status, status, "%s", r->head);
	cr_assert_str_eq((const char *)r->body, want);
}

/* One request on c: sends req, reads the reply into *r. */
static void ask(struct cl *c, const char *req, struct reply *r)
{
	cl_puts(c, req);
	cl_reply(c, strncmp(req, "HEAD ", 5) == 0, r);
}

/* GET path on c and checks a 200 with file's len bytes. */
static void get_ok(struct cl *c, const char *path, unsigned file, size_t len)
{
	char req[256];
	struct reply r;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
	ask(c, req, &r);
	expect_file(&r, 200, file, 0, len);
	cr_assert_null(field(&r, "Connection"));
	reply_free(&r);
}

/* The server ends the stream (FIN, or RST) with nothing more sent before
 * WAIT passes; then the client closes. */
static void expect_closed(struct cl *c)
{
	uint64_t deadline = after(WAIT);

	while (!c->eof)
		cr_assert_neq(cl_read(c, deadline), -TERN_ETIMEDOUT,
			      "the server did not close");
	cr_assert(c->err == 0 || c->err == -TERN_ECONNRESET, "read: %d",
		  c->err);
	cr_assert_eq(c->len, 0, "%zu bytes after the last reply", c->len);
	cl_free(c);
}

/* The client is done: half-closes, and the server ends its side too. */
static void finish(struct cl *c)
{
	cr_assert_eq(tern_tsock_shutdown(&c->s), 0);
	expect_closed(c);
}

static const struct httpd_stats *stats(void)
{
	return &rig->h->stats;
}

/* ---- Tests ------------------------------------------------------------- */

static void get_small(void)
{
	struct cl *c = cl_open();
	struct reply r;

	ask(c, "GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_file(&r, 200, 1, 0, SMALL_LEN);
	cr_assert_str_eq(field(&r, "Content-Type"),
			 "text/plain; charset=utf-8");
	cr_assert_str_eq(field(&r, "Accept-Ranges"), "bytes");
	cr_assert_not_null(field(&r, "ETag"));
	cr_assert_not_null(field(&r, "Last-Modified"));
	cr_assert_not_null(field(&r, "Date"));
	reply_free(&r);
	finish(c);
}

Test(httpd_server, get_small)
{
	run(get_small);
	cr_assert_eq(stats()->accepted, 1);
	cr_assert_eq(stats()->requests, 1);
	cr_assert_eq(stats()->status_2xx, 1);
}

static void get_multi_chunk(void)
{
	struct cl *c = cl_open();
	struct reply r;

	ask(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_file(&r, 200, 2, 0, BIG_LEN);
	cr_assert_str_eq(field(&r, "Content-Type"), "application/octet-stream");
	cr_assert_eq(r.content_length, BIG_LEN);
	reply_free(&r);
	finish(c);
}

Test(httpd_server, get_multi_chunk)
{
	run(get_multi_chunk);
	cr_assert_eq(stats()->status_2xx, 1);
	cr_assert_eq(stats()->file_error, 0);
	cr_assert_eq(stats()->send_error, 0);
	cr_assert_gt(stats()->bytes_tx, BIG_LEN);
}

Test(httpd_server, get_multi_chunk_copied)
{
	rig->cfg.copy_sends = true; /* the same bytes through the buffer */
	run(get_multi_chunk);
	cr_assert_eq(stats()->status_2xx, 1);
	cr_assert_eq(stats()->file_error, 0);
	cr_assert_eq(stats()->send_error, 0);
	cr_assert_gt(stats()->bytes_tx, BIG_LEN);
}

/* The head and the body of a small response leave in one segment (the
 * send is corked), though they are written apart. */
static void small_is_one_segment(void)
{
	struct cl *c = cl_open();
	uint64_t sent;

	get_ok(c, "/small.txt", 1, SMALL_LEN);
	sent = rig->d->a.stats.tcp_tx;
	get_ok(c, "/small.txt", 1, SMALL_LEN);
	cr_assert_eq(rig->d->a.stats.tcp_tx - sent, 1,
		     "the response took %llu segments",
		     (unsigned long long)(rig->d->a.stats.tcp_tx - sent));
	finish(c);
}

Test(httpd_server, small_is_one_segment)
{
	run(small_is_one_segment);
	cr_assert_eq(stats()->requests, 2);
}

static void head(void)
{
	struct cl *c = cl_open();
	struct reply r;

	ask(c, "HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.content_length, BIG_LEN);
	/* No body came: the next reply starts right after the head. */
	get_ok(c, "/small.txt", 1, SMALL_LEN);
	ask(c, "HEAD /missing HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	cr_assert_eq(r.status, 404);
	cr_assert_eq(r.content_length, strlen("404 Not Found\n"));
	get_ok(c, "/small.txt", 1, SMALL_LEN);
	finish(c);
}

Test(httpd_server, head)
{
	run(head);
	cr_assert_eq(stats()->requests, 4);
	cr_assert_eq(stats()->status_2xx, 3);
	cr_assert_eq(stats()->status_4xx, 1);
}

static void keep_alive(void)
{
	struct cl *c = cl_open();
	struct reply r;

	get_ok(c, "/small.txt", 1, SMALL_LEN);
	get_ok(c, "/big.bin", 2, BIG_LEN);
	get_ok(c, "/dir/", 3, INDEX_LEN);
	finish(c);

	/* A later request's head timeout runs from its first byte: one sent
	 * after more than header_timeout of (keep-alive) quiet is served. */
	c = cl_open();
	get_ok(c, "/small.txt", 1, SMALL_LEN);
	tern_sleep(sched(), rig->cfg.header_timeout_ns + SEC);
	get_ok(c, "/small.txt", 1, SMALL_LEN);
	/* Connection: close is honoured after the response. */
	ask(c, "GET /dir/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
	    &r);
	expect_file(&r, 200, 3, 0, INDEX_LEN);
	cr_assert_str_eq(field(&r, "Connection"), "close");
	reply_free(&r);
	expect_closed(c);
}

Test(httpd_server, keep_alive)
{
	run(keep_alive);
	cr_assert_eq(stats()->accepted, 2);
	cr_assert_eq(stats()->requests, 6);
	cr_assert_eq(stats()->status_2xx, 6);
	cr_assert_eq(stats()->peer_closed, 1);
	cr_assert_eq(stats()->header_timeout, 0);
	cr_assert_eq(stats()->idle_timeout, 0);
}

static void pipelined(void)
{
	struct cl *c = cl_open();
	struct reply r;

	cl_puts(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n"
		   "GET /dir/ HTTP/1.1\r\nHost: t\r\n\r\n"
		   "GET /small.txt HTTP/1.1\r\nHost: t\r\nRange: "
		   "bytes=10-19\r\n\r\n");
	cl_reply(c, false, &r);
	expect_file(&r, 200, 2, 0, BIG_LEN);
	reply_free(&r);
	cl_reply(c, false, &r);
	expect_file(&r, 200, 3, 0, INDEX_LEN);
	cr_assert_str_eq(field(&r, "Content-Type"), "text/html; charset=utf-8");
	reply_free(&r);
	cl_reply(c, false, &r);
	expect_file(&r, 206, 1, 10, 10);
	reply_free(&r);
	finish(c);

	/* The same with the client's side closed right after its write
	 * (printf | nc -N): every request is still answered, then EOF. */
	c = cl_open();
	cl_puts(c, "GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n"
		   "HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n"
		   "GET /dir/ HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(tern_tsock_shutdown(&c->s), 0);
	cl_reply(c, false, &r);
	expect_file(&r, 200, 1, 0, SMALL_LEN);
	reply_free(&r);
	cl_reply(c, true, &r);
	cr_assert_eq(r.status, 200);
	cl_reply(c, false, &r);
	expect_file(&r, 200, 3, 0, INDEX_LEN);
	reply_free(&r);
	expect_closed(c);
}

/* More pipelined requests than the server's request buffer holds (each
 * head padded to about 400 bytes), in one write, then a head in three
 * pieces a second apart. */
#define MANY 60

static void pipelined_many(void)
{
	static char reqs[MANY * 512];
	struct cl *c = cl_open();
	struct reply r;
	size_t n = 0;

	for (int i = 0; i < MANY; i++)
		n += (size_t)snprintf(reqs + n, sizeof(reqs) - n,
				      "GET /big.bin HTTP/1.1\r\nHost: t\r\n"
				      "Range: bytes=%d-%d\r\nX-Pad: %.320d\r\n"
				      "\r\n",
				      i * 1000, i * 1000 + i, i);
	cr_assert_gt(n, HTTPD_RBUF);
	cl_send(c, reqs, n);
	for (int i = 0; i < MANY; i++) {
		cl_reply(c, false, &r);
		expect_file(&r, 206, 2, (uint64_t)i * 1000, (size_t)i + 1);
		reply_free(&r);
	}
	cl_puts(c, "GET /small");
	tern_sleep(sched(), SEC);
	cl_puts(c, ".txt HTTP/1.1\r\nHo");
	tern_sleep(sched(), SEC);
	cl_puts(c, "st: t\r\n\r\n");
	cl_reply(c, false, &r);
	expect_file(&r, 200, 1, 0, SMALL_LEN);
	reply_free(&r);
	finish(c);
}

Test(httpd_server, pipelined)
{
	run(pipelined);
	cr_assert_eq(stats()->accepted, 2);
	cr_assert_eq(stats()->requests, 6);
	cr_assert_eq(stats()->reasons[HTTP_R_RANGE], 1);
	cr_assert_eq(stats()->peer_closed, 2);
}

Test(httpd_server, pipelined_past_the_buffer)
{
	run(pipelined_many);
	cr_assert_eq(stats()->accepted, 1);
	cr_assert_eq(stats()->requests, MANY + 1);
	cr_assert_eq(stats()->reasons[HTTP_R_RANGE], MANY);
	cr_assert_eq(stats()->header_timeout, 0);
}

/* Request content is read and dropped, also when most of it comes after
 * the head; the next request on the connection is then served. */
static void request_body(void)
{
	static char body[40000];
	struct cl *c = cl_open();
	char req[128];
	struct reply r;

	memset(body, 'b', sizeof(body));
	snprintf(req, sizeof(req),
		 "POST /form HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n"
		 "\r\n",
		 sizeof(body));
	cl_puts(c, req);
	cl_send(c, body, 100);
	tern_sleep(sched(), SEC);
	cl_send(c, body, sizeof(body) - 100);
	cl_reply(c, false, &r);
	expect_text(&r, 405);
	reply_free(&r);
	get_ok(c, "/small.txt", 1, SMALL_LEN);
	/* Above HTTP_BODY_MAX: 413 and close. */
	ask(c,
	    "POST /form HTTP/1.1\r\nHost: t\r\nContent-Length: 70000\r\n"
	    "\r\n",
	    &r);
	expect_text(&r, 413);
	reply_free(&r);
	expect_closed(c);
}

Test(httpd_server, request_body)
{
	run(request_body);
	cr_assert_eq(stats()->requests, 2);
	cr_assert_eq(stats()->reasons[HTTP_R_METHOD_NOT_ALLOWED], 1);
	cr_assert_eq(stats()->reasons[HTTP_R_BODY_TOO_LARGE], 1);
	cr_assert_eq(stats()->read_error, 0);
}

static void range(void)
{
	struct cl *c = cl_open();
	struct reply r;

	ask(c,
	    "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: "
	    "bytes=100000-150000\r\n\r\n",
	    &r);
	expect_file(&r, 206, 2, 100000, 50001);
	cr_assert_str_eq(field(&r, "Content-Range"),
			 "bytes 100000-150000/204800");
	reply_free(&r);
	ask(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=-100\r\n\r\n",
	    &r);
	expect_file(&r, 206, 2, BIG_LEN - 100, 100);
	cr_assert_str_eq(field(&r, "Content-Range"),
			 "bytes 204700-204799/204800");
	reply_free(&r);
	ask(c,
	    "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: "
	    "bytes=300000-\r\n\r\n",
	    &r);
	expect_text(&r, 416);
	cr_assert_str_eq(field(&r, "Content-Range"), "bytes */204800");
	reply_free(&r);
	/* A list of ranges is ignored: the whole file. */
	ask(c, "GET /small.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1,5-6\r\n\r\n",
	    &r);
	expect_file(&r, 200, 1, 0, SMALL_LEN);
	reply_free(&r);
	finish(c);
}

Test(httpd_server, range)
{
	run(range);
	cr_assert_eq(stats()->requests, 4);
	cr_assert_eq(stats()->reasons[HTTP_R_RANGE], 2);
	cr_assert_eq(stats()->reasons[HTTP_R_RANGE_UNSATISFIABLE], 1);
	cr_assert_eq(stats()->reasons[HTTP_R_RANGE_IGNORED], 1);
}

static void conditional(void)
{
	struct cl *c = cl_open();
	char etag[64], lm[64], req[256];
	struct reply r;

	ask(c, "GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_file(&r, 200, 1, 0, SMALL_LEN);
	snprintf(etag, sizeof(etag), "%s", field(&r, "ETag"));
	snprintf(lm, sizeof(lm), "%s", field(&r, "Last-Modified"));
	cr_assert_eq(etag[0], '"');
	reply_free(&r);

	snprintf(req, sizeof(req),
		 "GET /small.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: "
		 "\"nope\", %s\r\n\r\n",
		 etag);
	ask(c, req, &r);
	cr_assert_eq(r.status, 304, "%s", r.head);
	cr_assert_str_eq(field(&r, "ETag"), etag);
	snprintf(req, sizeof(req),
		 "GET /small.txt HTTP/1.1\r\nHost: t\r\nIf-Modified-Since: "
		 "%s\r\n\r\n",
		 lm);
	ask(c, req, &r);
	cr_assert_eq(r.status, 304, "%s", r.head);
	/* Another tag: the file. The next reply proves 304s had no body. */
	ask(c,
	    "GET /small.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: "
	    "\"other\"\r\n\r\n",
	    &r);
	expect_file(&r, 200, 1, 0, SMALL_LEN);
	reply_free(&r);
	finish(c);
}

Test(httpd_server, conditional)
{
	run(conditional);
	cr_assert_eq(stats()->reasons[HTTP_R_NOT_MODIFIED], 2);
	cr_assert_eq(stats()->status_2xx, 2);
	cr_assert_eq(stats()->status_3xx, 2);
}

static void directories(void)
{
	struct cl *c = cl_open();
	struct reply r;

	ask(c, "GET /dir HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_text(&r, 301);
	cr_assert_str_eq(field(&r, "Location"), "/dir/");
	reply_free(&r);
	get_ok(c, "/dir/", 3, INDEX_LEN);
	get_ok(c, "/dir/index.html", 3, INDEX_LEN);
	ask(c, "GET /noindex/ HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_text(&r, 404);
	reply_free(&r);
	ask(c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_text(&r, 404);
	reply_free(&r);
	finish(c);
}

Test(httpd_server, directories)
{
	run(directories);
	cr_assert_eq(stats()->reasons[HTTP_R_REDIRECT], 1);
	cr_assert_eq(stats()->reasons[HTTP_R_NO_INDEX], 2);
	cr_assert_eq(stats()->status_2xx, 2);
}

static void not_found(void)
{
	struct cl *c = cl_open();
	struct reply r;

	ask(c, "GET /missing.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_text(&r, 404);
	cr_assert_str_eq(field(&r, "Content-Type"),
			 "text/plain; charset=utf-8");
	cr_assert_null(field(&r, "Connection"));
	reply_free(&r);
	ask(c, "GET /small.txt/x HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_text(&r, 404);
	reply_free(&r);
	ask(c, "GET /../etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_text(&r, 403);
	reply_free(&r);
	/* Still open. */
	get_ok(c, "/small.txt", 1, SMALL_LEN);
	finish(c);
}

Test(httpd_server, not_found)
{
	run(not_found);
	cr_assert_eq(stats()->reasons[HTTP_R_NOT_FOUND], 2);
	cr_assert_eq(stats()->reasons[HTTP_R_ESCAPE_ROOT], 1);
	cr_assert_eq(stats()->status_4xx, 3);
}

/* Sends head (then a good request behind it) and expects status with
 * Connection: close, then the end of the connection. */
static void refused(const char *head, size_t len, int status)
{
	struct cl *c = cl_open();
	struct reply r;

	cl_send(c, head, len);
	cl_puts(c, "GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	cl_reply(c, false, &r);
	expect_text(&r, status);
	cr_assert_str_eq(field(&r, "Connection"), "close");
	reply_free(&r);
	expect_closed(c);
}

#define refused_s(s, status) refused(s, strlen(s), status)

static void hostile(void)
{
	static char big[12000];
	size_t n;

	refused_s("GET / HTTP/1.1\r\nHost: t\r\nX-A: a\r\n folded\r\n\r\n",
		  400);
	n = (size_t)snprintf(big, sizeof(big), "GET /%.3000d HTTP/1.1\r\n", 7);
	refused(big, n, 414);
	n = (size_t)snprintf(big, sizeof(big),
			     "GET / HTTP/1.1\r\nHost: t\r\nCookie: %.9000d", 7);
	refused(big, n, 431);
	refused_s("GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		  "chunked\r\n\r\n",
		  501);
	refused_s("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		  "chunked\r\nContent-Length: 4\r\n\r\n",
		  400);
}

Test(httpd_server, hostile)
{
	run(hostile);
	cr_assert_eq(stats()->accepted, 5);
	cr_assert_eq(stats()->requests, 0);
	cr_assert_eq(stats()->status_4xx, 4);
	cr_assert_eq(stats()->status_5xx, 1);
	cr_assert_eq(stats()->reasons[HTTP_R_OBS_FOLD], 1);
	cr_assert_eq(stats()->reasons[HTTP_R_LINE_TOO_LONG], 1);
	cr_assert_eq(stats()->reasons[HTTP_R_FIELDS_TOO_LARGE], 1);
	cr_assert_eq(stats()->reasons[HTTP_R_TE], 1);
	cr_assert_eq(stats()->reasons[HTTP_R_TE_AND_LENGTH], 1);
}

static void slowloris(void)
{
	struct cl *c = cl_open();
	uint64_t t0 = tern_sched_now(sched());
	struct reply r;

	/* Part of a head, then nothing. */
	cl_puts(c, "GET /small.txt HTTP/1.1\r\nHost: t\r\nX-Slow: ");
	cl_reply(c, false, &r);
	expect_text(&r, 408);
	cr_assert_str_eq(field(&r, "Connection"), "close");
	cr_assert_geq(tern_sched_now(sched()) - t0, rig->cfg.header_timeout_ns);
	reply_free(&r);
	expect_closed(c);

	/* A byte a second: the timeout runs from the accept, not the last
	 * byte. */
	c = cl_open();
	t0 = tern_sched_now(sched());
	cl_puts(c, "GET /small.txt HTTP/1.1\r\nHost: t\r\nX-Slow: ");
	for (int i = 0; !c->eof && c->len == 0; i++) {
		cr_assert_lt(i, 60, "no 408 while trickling");
		cl_puts(c, "a");
		cl_read(c, after(SEC));
	}
	cl_reply(c, false, &r);
	expect_text(&r, 408);
	cr_assert_geq(tern_sched_now(sched()) - t0, rig->cfg.header_timeout_ns);
	reply_free(&r);
	expect_closed(c);
}

Test(httpd_server, slowloris)
{
	run(slowloris);
	cr_assert_eq(stats()->header_timeout, 2);
	cr_assert_eq(stats()->requests, 0);
	cr_assert_eq(stats()->status_4xx, 2);
}

static void idle(void)
{
	struct cl *c = cl_open();
	uint64_t t0;

	get_ok(c, "/small.txt", 1, SMALL_LEN);
	t0 = tern_sched_now(sched());
	/* Nothing more: closed without a reply once idle_ns passed. */
	expect_closed(c);
	cr_assert_geq(tern_sched_now(sched()) - t0, rig->cfg.idle_ns);
}

Test(httpd_server, idle)
{
	run(idle);
	cr_assert_eq(stats()->idle_timeout, 1);
	cr_assert_eq(stats()->header_timeout, 0);
	cr_assert_eq(stats()->requests, 1);
}

static void max_conns(void)
{
	struct cl *a = cl_open(), *b, *c, *d;
	struct reply r;

	get_ok(a, "/small.txt", 1, SMALL_LEN);
	b = cl_open();
	get_ok(b, "/small.txt", 1, SMALL_LEN);
	/* Two served: a third is refused at once. */
	c = cl_open();
	cl_reply(c, false, &r);
	expect_text(&r, 503);
	cr_assert_str_eq(field(&r, "Connection"), "close");
	reply_free(&r);
	expect_closed(c);
	/* The two still work; when one leaves, a new client is served. */
	get_ok(a, "/dir/", 3, INDEX_LEN);
	finish(a);
	for (int i = 0; i < 100 && rig->h->serving > 1; i++)
		tern_sleep(sched(), 100 * MS);
	cr_assert_eq(rig->h->serving, 1);
	d = cl_open();
	get_ok(d, "/small.txt", 1, SMALL_LEN);
	get_ok(b, "/small.txt", 1, SMALL_LEN);
	finish(b);
	finish(d);
}

Test(httpd_server, max_conns)
{
	rig->cfg.max_conns = 2;
	run(max_conns);
	cr_assert_eq(stats()->accepted, 4);
	cr_assert_eq(stats()->refused_cap, 1);
	cr_assert_eq(stats()->status_5xx, 1);
	cr_assert_eq(stats()->requests, 5);
	cr_assert_eq(stats()->peer_closed, 3);
}

/* A client that resets the connection in the middle of a large body:
 * the server's write fails, it aborts, and the slot and the connection
 * are released; the next client is served. */
static void client_reset(void)
{
	struct cl *c = cl_open();
	struct reply r;

	cl_puts(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cl_fill(c, 1000);
	tern_tsock_abort(&c->s);
	cl_free(c);
	c = cl_open();
	ask(c, "GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_file(&r, 200, 1, 0, SMALL_LEN);
	reply_free(&r);
	finish(c);
}

Test(httpd_server, client_reset)
{
	run(client_reset);
	cr_assert_eq(stats()->accepted, 2);
	cr_assert_eq(stats()->send_error, 1);
	cr_assert_eq(stats()->requests, 2);
}

static void mixed(void)
{
	struct cl *a = cl_open(), *b;
	struct reply r;

	get_ok(a, "/small.txt", 1, SMALL_LEN);
	ask(a, "HEAD /big.bin HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(field(&r, "Connection"), "keep-alive");
	ask(a, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_text(&r, 404);
	reply_free(&r);
	ask(a, "GET /dir HTTP/1.1\r\nHost: t\r\n\r\n", &r);
	expect_text(&r, 301);
	reply_free(&r);
	ask(a, "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=5-9\r\n\r\n",
	    &r);
	expect_file(&r, 206, 2, 5, 5);
	reply_free(&r);
	/* A body is read and dropped; the request after it is served. */
	ask(a,
	    "POST /form HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n"
	    "hello",
	    &r);
	expect_text(&r, 405);
	cr_assert_str_eq(field(&r, "Allow"), "GET, HEAD");
	reply_free(&r);
	/* HTTP/1.0 without keep-alive: answered, then closed. */
	ask(a, "GET /small.txt HTTP/1.0\r\n\r\n", &r);
	expect_file(&r, 200, 1, 0, SMALL_LEN);
	cr_assert_str_eq(field(&r, "Connection"), "close");
	reply_free(&r);
	expect_closed(a);

	b = cl_open();
	cl_puts(b, "GET /\x01 HTTP/1.1\r\nHost: t\r\n\r\n");
	cl_reply(b, false, &r);
	expect_text(&r, 400);
	reply_free(&r);
	expect_closed(b);

	/* One that leaves half-way through a head. */
	b = cl_open();
	cl_puts(b, "GET /small.txt HTTP/1.1\r\nHo");
	finish(b);
}

Test(httpd_server, stats)
{
	const struct httpd_stats *s;
	uint64_t reasons = 0;

	run(mixed);
	s = stats();
	cr_assert_eq(s->accepted, 3);
	cr_assert_eq(s->refused_cap, 0);
	cr_assert_eq(s->requests, 7);
	cr_assert_eq(s->status_2xx, 4);
	cr_assert_eq(s->status_3xx, 1);
	cr_assert_eq(s->status_4xx, 3);
	cr_assert_eq(s->status_5xx, 0);
	cr_assert_eq(s->reasons[HTTP_R_NONE], 3);
	cr_assert_eq(s->reasons[HTTP_R_NOT_FOUND], 1);
	cr_assert_eq(s->reasons[HTTP_R_REDIRECT], 1);
	cr_assert_eq(s->reasons[HTTP_R_RANGE], 1);
	cr_assert_eq(s->reasons[HTTP_R_METHOD_NOT_ALLOWED], 1);
	cr_assert_eq(s->reasons[HTTP_R_BAD_TARGET], 1);
	for (unsigned i = 0; i < HTTP_R_COUNT; i++)
		reasons += s->reasons[i];
	cr_assert_eq(reasons, 8, "one reason per response");
	cr_assert_eq(s->incomplete_head, 1);
	cr_assert_eq(s->peer_closed, 0);
	cr_assert_eq(s->header_timeout, 0);
	cr_assert_eq(s->idle_timeout, 0);
	cr_assert_eq(s->send_error, 0);
	cr_assert_eq(s->read_error, 0);
	cr_assert_eq(s->file_error, 0);
	cr_assert_eq(s->bytes_tx, rig->rx_bytes,
		     "sent %llu, the clients received %llu",
		     (unsigned long long)s->bytes_tx,
		     (unsigned long long)rig->rx_bytes);
}

/* httpd_stop with one idle keep-alive connection and one in the middle of
 * a head: the idle one gets a FIN at once, the other is reset at the
 * deadline, new connections are refused, and the fibers are joined. */
static void stop_drains(void)
{
	struct cl *idle = cl_open(), *mid = cl_open();
	struct tern_tsock late;
	uint64_t deadline;

	get_ok(idle, "/small.txt", 1, SMALL_LEN);
	cl_puts(mid, "GET /small.txt HTTP/1.1\r\nHost: t\r\n");
	tern_sleep(sched(), 10 * MS);
	deadline = after(SEC);
	cr_assert_eq(httpd_stop(rig->h, deadline), -TERN_ETIMEDOUT);
	cr_assert_eq(tern_sched_now(sched()), deadline);
	cr_assert_eq(busy_slots(), 0);
	/* The idle connection was closed, not reset. */
	while (!idle->eof)
		cl_read(idle, after(SEC));
	cr_assert_eq(idle->err, 0, "idle: %d", idle->err);
	cl_free(idle);
	while (!mid->eof)
		cl_read(mid, after(SEC));
	cr_assert_eq(mid->err, -TERN_ECONNRESET, "mid: %d", mid->err);
	cl_free(mid);
	cr_assert_eq(tern_tsock_connect(&rig->d->lb, &late, DUO_A_IP, PORT,
					after(SEC)),
		     -TERN_ECONNREFUSED);
}

Test(httpd_server, stop_drains)
{
	run(stop_drains);
	cr_assert_eq(stats()->accepted, 2);
	cr_assert_eq(stats()->requests, 1);
}
