/*
 * httpd.c - the HTTP core on Tern's TCP sockets, tarfs and fibers (see
 * httpd.h): the file system ops, the acceptor, and the connection loop.
 */
#include "httpd.h"

#include <string.h>

#include "tern/dev.h"
#include "tern/err.h"
#include "tern/inet.h"
#include "tern/log.h"
#include "tern/print.h"

/* ---- Files -------------------------------------------------------------*/

/* True if path (normalised) is the root or under it. */
static bool under_root(const struct httpd *h, const char *path)
{
	if (h->root_len == 0)
		return true;
	return strncmp(path, h->root, h->root_len) == 0 &&
	       (path[h->root_len] == '/' || path[h->root_len] == '\0');
}

static int fs_lookup(void *ctx, const char *rel, struct http_file *f)
{
	struct httpd_conn *c = ctx;
	struct httpd *h = c->h;
	struct tern_tarfs_stat st;
	size_t rlen = strlen(rel);
	const char *where;
	uint32_t ino;
	int rc;

	if (h->root_len + 2 + rlen > TERN_TARFS_PATH_MAX)
		return -TERN_ENOENT;
	c->path[0] = '/';
	memcpy(c->path + 1, h->root, h->root_len);
	c->path[h->root_len + 1] = '/';
	memcpy(c->path + h->root_len + 2, rel, rlen + 1);
	rc = tern_tarfs_lookup(h->fs, c->path, 0, &ino);
	if (rc == -TERN_ENOTDIR || rc == -TERN_ELOOP ||
	    rc == -TERN_ENAMETOOLONG)
		rc = -TERN_ENOENT;
	if (rc == 0)
		rc = tern_tarfs_stat(h->fs, ino, &st);
	if (rc < 0)
		return rc;
	where = tern_tarfs_path(h->fs, ino);
	if (!where || !under_root(h, where))
		return -TERN_ERANGE;
	if (st.type == TERN_TARFS_DIR)
		return -TERN_EISDIR;
	if (st.type != TERN_TARFS_FILE)
		return -TERN_ENOTSUP;
	f->id = ino;
	f->size = st.size;
	f->mtime = st.mtime;
	return 0;
}

void httpd_config_default(struct httpd_config *cfg)
{
	cfg->port = 80;
	cfg->max_conns = 64;
	cfg->header_timeout_ns = 10 * TERN_NSEC_PER_SEC;
	cfg->idle_ns = 30 * TERN_NSEC_PER_SEC;
	cfg->copy_sends = false;
}

int httpd_set_root(struct httpd *h, struct tern_tarfs *fs, const char *root)
{
	struct tern_tarfs_stat st;
	const char *p;
	uint32_t ino;
	int rc;

	h->fs = fs;
	rc = tern_tarfs_lookup(fs, root, 0, &ino);
	if (rc == 0)
		rc = tern_tarfs_stat(fs, ino, &st);
	if (rc < 0)
		return rc;
	if (st.type != TERN_TARFS_DIR)
		return -TERN_ENOTDIR;
	p = tern_tarfs_path(fs, ino);
	h->root_len = strlen(p);
	memcpy(h->root, p, h->root_len + 1);
	return 0;
}

uint32_t httpd_count_files(const struct httpd *h)
{
	struct tern_tarfs_stat st;
	uint32_t n = 0;

	for (uint32_t ino = 0; ino < tern_tarfs_count(h->fs); ino++)
		if (tern_tarfs_stat(h->fs, ino, &st) == 0 &&
		    st.type == TERN_TARFS_FILE &&
		    under_root(h, tern_tarfs_path(h->fs, ino)))
			n++;
	return n;
}

/* ---- Connections -------------------------------------------------------*/

static uint64_t now(const struct httpd *h)
{
	return tern_net_loop_now(h->loop);
}

static int64_t wall(void)
{
	return (int64_t)(tern_clock_wall() / TERN_NSEC_PER_SEC);
}

static void count_status(struct httpd *h, int status)
{
	if (status < 300)
		h->stats.status_2xx++;
	else if (status < 400)
		h->stats.status_3xx++;
	else if (status < 500)
		h->stats.status_4xx++;
	else
		h->stats.status_5xx++;
}

/* Writes all len bytes of the n pieces. Returns true on success. */
static bool send_all_v(struct httpd_conn *c, const struct tern_iov *iov,
		       unsigned n, size_t len)
{
	struct httpd *h = c->h;

	if (len == 0)
		return true;
	if (tern_tsock_writev(&c->sock, iov, n, now(h) + HTTPD_SEND_NS) !=
	    (int)len) {
		h->stats.send_error++;
		return false;
	}
	h->stats.bytes_tx += len;
	return true;
}

/* Writes all len bytes. Returns true on success. */
static bool send_all(struct httpd_conn *c, const void *data, size_t len)
{
	struct tern_iov piece = { data, len };

	return send_all_v(c, &piece, 1, len);
}

/* Sends left bytes of file id from off by copying them into c->chunk
 * first (tarfs_read), then into the send ring: two copies; the measured
 * alternative to send_borrowed (cfg.copy_sends). */
static bool send_copied(struct httpd_conn *c, uint32_t id, uint64_t off,
			uint64_t left)
{
	while (left) {
		size_t want = (size_t)TERN_MIN(left, (uint64_t)HTTPD_CHUNK);
		int n = tern_tarfs_read(c->h->fs, id, c->chunk, want, off);

		if (n <= 0) {
			c->h->stats.file_error++;
			return false;
		}
		if (!send_all(c, c->chunk, (size_t)n))
			return false;
		off += (uint64_t)n;
		left -= (uint64_t)n;
	}
	return true;
}

/* Sends left bytes of file id from off straight from the cache's blocks
 * into the send ring: one copy. Blocks are borrowed only once the ring
 * has room for them, as many as fill that room (up to
 * TERN_TSOCK_IOV_MAX; only the first may wait for the disk), and written
 * in one call, so they are pinned for a copy, never for a wait on a slow
 * client or while holding others, and leave in segments as large as a
 * write of one buffer would make. */
static bool send_borrowed(struct httpd_conn *c, uint32_t id, uint64_t off,
			  uint64_t left)
{
	struct httpd *h = c->h;
	struct tern_tarfs_span span[TERN_TSOCK_IOV_MAX];
	struct tern_iov iov[TERN_TSOCK_IOV_MAX];

	while (left) {
		int room = tern_tsock_wait_writable(&c->sock,
						    now(h) + HTTPD_SEND_NS);
		uint64_t want;
		size_t got = 0;
		unsigned n = 0;
		bool bad = false, ok;

		if (room < 0) {
			h->stats.send_error++;
			return false;
		}
		want = TERN_MIN(left, (uint64_t)room);
		while (got < want && n < TERN_TSOCK_IOV_MAX) {
			int r = tern_tarfs_borrow(h->fs, id, off + got,
						  n ? TERN_TARFS_NOWAIT : 0,
						  &span[n]);

			if (r == -TERN_EAGAIN && n)
				break; /* send these; wait for it next time */
			if (r <= 0) {
				bad = true; /* an error, or the file is shorter */
				break;
			}
			iov[n].base = span[n].data;
			iov[n].len = (size_t)TERN_MIN((uint64_t)r, want - got);
			got += iov[n++].len;
		}
		ok = !bad && send_all_v(c, iov, n, got);
		while (n)
			tern_tarfs_return(h->fs, &span[--n]);
		if (bad)
			h->stats.file_error++;
		if (!ok)
			return false;
		off += got;
		left -= got;
	}
	return true;
}

/* Sends c->resp, its head and then the file range, corked so that the
 * pieces leave as full segments (a small response is one segment, not a
 * head and a body). */
static bool send_resp(struct httpd_conn *c)
{
	struct http_resp *r = &c->resp;
	struct tern_tcp *tcp = c->sock.tcp;
	uint32_t id = (uint32_t)r->file.id;
	bool ok;

	tern_tcp_set_cork(tcp, true, now(c->h));
	ok = send_all(c, r->head, r->head_len);
	if (ok && c->h->cfg.copy_sends)
		ok = send_copied(c, id, r->body_off, r->body_len);
	else if (ok)
		ok = send_borrowed(c, id, r->body_off, r->body_len);
	if (c->sock.tcp)
		tern_tcp_set_cork(tcp, false, now(c->h));
	return ok;
}

static void access_log(struct httpd_conn *c, const struct http_req *req)
{
	char ip[TERN_IPV4_STR_MAX];
	const char *m = (const char *)c->rbuf + req->method_s.off;
	const char *t = (const char *)c->rbuf + req->target.off;

	tern_log_info(
		"httpd: %s:%u \"%.*s %.*s\" %d %llu",
		tern_ipv4_format(c->addr, ip), c->port,
		(int)TERN_MIN(req->method_s.len, 16), m,
		(int)TERN_MIN(req->target.len, 120), t, c->resp.status,
		(unsigned long long)(c->resp.head_len + c->resp.body_len));
}

/* Sends an error response and reports that the connection must end. */
static bool fail(struct httpd_conn *c, int status, enum http_reason why)
{
	http_respond_error(status, why, wall(), &c->resp);
	c->h->stats.reasons[why]++;
	count_status(c->h, status);
	send_all(c, c->resp.head, c->resp.head_len);
	return false;
}

/* Reads until a whole head is in c->rbuf; parses it into *req. Returns
 * the head length, or 0 if the connection must end (answered already). */
static int read_head(struct httpd_conn *c, struct http_req *req, bool first)
{
	struct httpd *h = c->h;
	uint64_t started = now(h);
	int n;

	for (;;) {
		uint64_t deadline;

		n = http_parse(c->rbuf, c->rlen, req);
		if (n > 0)
			return n;
		if (n == -TERN_EBADMSG) {
			tern_log_info("httpd: refused: %d %s", req->status,
				      http_reason_name(req->reason));
			fail(c, req->status, req->reason);
			return 0;
		}
		if (c->rlen == 0 && h->stopping)
			return 0; /* no new request once httpd_stop began */
		if (c->rlen == 0 && !first)
			deadline = now(h) + h->cfg.idle_ns;
		else
			deadline = started + h->cfg.header_timeout_ns;
		c->idle = c->rlen == 0;
		n = tern_tsock_read(&c->sock, c->rbuf + c->rlen,
				    sizeof(c->rbuf) - c->rlen, deadline);
		c->idle = false;
		if (n == -TERN_ETIMEDOUT) {
			if (c->rlen == 0 && !first) {
				h->stats.idle_timeout++;
				return 0;
			}
			h->stats.header_timeout++;
			fail(c, 408, HTTP_R_NONE);
			return 0;
		}
		if (n == 0) {
			if (c->rlen)
				h->stats.incomplete_head++;
			else
				h->stats.peer_closed++;
			return 0;
		}
		if (n == -TERN_ECONNRESET) {
			h->stats.peer_reset++;
			return 0;
		}
		if (n < 0) {
			h->stats.read_error++;
			return 0;
		}
		if (c->rlen == 0 && !first)
			started = now(h);
		c->rlen += (size_t)n;
	}
}

/* Drops len bytes of request content after the head (head bytes), all
 * within one header timeout: a body trickled a byte at a time cannot hold
 * the connection longer than a head could. */
static bool skip_body(struct httpd_conn *c, size_t head, uint64_t len)
{
	size_t have = c->rlen - head;
	uint64_t need, deadline = now(c->h) + c->h->cfg.header_timeout_ns;

	if (have >= len) {
		memmove(c->rbuf + head, c->rbuf + head + len,
			have - (size_t)len);
		c->rlen -= (size_t)len;
		return true;
	}
	need = len - have;
	c->rlen = head;
	while (need) {
		int n = tern_tsock_read(
			&c->sock, c->chunk,
			(size_t)TERN_MIN(need, sizeof(c->chunk)), deadline);

		if (n <= 0) {
			c->h->stats.read_error++;
			return false;
		}
		need -= (uint64_t)n;
	}
	return true;
}

/* Serves requests on c until it ends. Returns true if it may close
 * gracefully. */
static bool serve(struct httpd_conn *c)
{
	struct httpd *h = c->h;
	struct http_fs fs = { fs_lookup, c };
	struct http_req req;
	bool first = true;

	c->rlen = 0;
	for (;;) {
		int n = read_head(c, &req, first);

		first = false;
		if (n == 0)
			return true;
		h->stats.requests++;
		if (req.has_length &&
		    !skip_body(c, (size_t)n, req.content_length))
			return false;
		http_respond(&req, c->rbuf, &fs, wall(), &c->resp);
		h->stats.reasons[c->resp.reason]++;
		count_status(h, c->resp.status);
		access_log(c, &req);
		if (!send_resp(c))
			return false;
		memmove(c->rbuf, c->rbuf + n, c->rlen - (size_t)n);
		c->rlen -= (size_t)n;
		if (!c->resp.keep_alive || h->stopping)
			return true;
	}
}

static void conn_fiber(void *arg)
{
	struct httpd_conn *c = arg;
	struct httpd *h = c->h;

	for (;;) {
		while (!c->busy && !h->stopping)
			tern_waitq_wait(h->sched, &c->wq, TERN_NO_DEADLINE);
		if (!c->busy)
			return; /* httpd_stop; a connection taken is still served */
		tern_tcp_endpoints(c->sock.tcp, NULL, NULL, &c->addr, &c->port);
		/* Every response is whole writes: send each at once. */
		tern_tcp_set_nodelay(c->sock.tcp, true);
		if (c->refuse) {
			h->stats.refused_cap++;
			fail(c, 503, HTTP_R_NONE);
		} else if (!serve(c)) {
			tern_tsock_abort(&c->sock);
			goto done;
		}
		tern_tsock_shutdown(&c->sock);
		tern_tsock_close_wait(&c->sock, now(h) + HTTPD_LINGER_NS);
	done:
		if (!c->refuse)
			h->serving--;
		c->busy = false;
		tern_waitq_wake_one(h->sched, &h->slot_free);
	}
}

static struct httpd_conn *free_slot(struct httpd *h)
{
	for (uint32_t i = 0; i < h->nconns; i++)
		if (!h->conns[i].busy)
			return &h->conns[i];
	return NULL;
}

static void acceptor(void *arg)
{
	struct httpd *h = arg;

	while (!h->stopping) {
		struct httpd_conn *c = free_slot(h);

		if (!c) {
			tern_waitq_wait(h->sched, &h->slot_free,
					TERN_NO_DEADLINE);
			continue;
		}
		if (tern_tsock_accept(&h->listener, &c->sock,
				      TERN_NO_DEADLINE) < 0)
			return;
		h->stats.accepted++;
		c->refuse = h->serving >= h->cfg.max_conns;
		if (!c->refuse)
			h->serving++;
		c->busy = true;
		tern_waitq_wake_one(h->sched, &c->wq);
	}
}

int httpd_start(struct httpd *h, struct tern_net_loop *loop,
		const struct httpd_config *cfg, struct httpd_conn *conns)
{
	int rc;

	h->cfg = *cfg;
	h->loop = loop;
	h->sched = loop->sched;
	h->conns = conns;
	h->nconns = cfg->max_conns + HTTPD_SPARE;
	tern_waitq_init(&h->slot_free);
	rc = tern_tsock_listen(loop, &h->listener, 0, cfg->port, HTTPD_BACKLOG);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < h->nconns; i++) {
		struct httpd_conn *c = &conns[i];

		c->h = h;
		tern_waitq_init(&c->wq);
		rc = tern_fiber_spawn(h->sched, &c->fiber, "httpd-conn",
				      conn_fiber, c, 0);
		if (rc < 0)
			return rc;
	}
	return tern_fiber_spawn(h->sched, &h->acceptor, "httpd-accept",
				acceptor, h, 0);
}

/* Connections being served (or lingering after their last response). */
static uint32_t busy_count(const struct httpd *h)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < h->nconns; i++)
		n += h->conns[i].busy;
	return n;
}

int httpd_stop(struct httpd *h, uint64_t deadline)
{
	int rc = 0;

	h->stopping = true;
	tern_tsock_close(&h->listener);
	tern_waitq_wake_all(h->sched, &h->slot_free);
	for (uint32_t i = 0; i < h->nconns; i++) {
		struct httpd_conn *c = &h->conns[i];

		if (!c->busy)
			tern_waitq_wake_one(h->sched, &c->wq);
		else if (c->idle)
			tern_tsock_shutdown(&c->sock);
	}
	/* Each connection wakes slot_free as it ends; the acceptor is gone. */
	while (busy_count(h) > 0)
		if (tern_waitq_wait(h->sched, &h->slot_free, deadline) ==
		    -TERN_ETIMEDOUT)
			break;
	for (uint32_t i = 0; i < h->nconns; i++) {
		if (h->conns[i].busy) {
			tern_tsock_abort(&h->conns[i].sock);
			rc = -TERN_ETIMEDOUT;
		}
	}
	for (uint32_t i = 0; i < h->nconns; i++)
		tern_fiber_join(h->sched, &h->conns[i].fiber);
	tern_fiber_join(h->sched, &h->acceptor);
	return rc;
}

void httpd_print_stats(const struct httpd *h)
{
	const struct httpd_stats *s = &h->stats;
	struct tern_counter_line l;

	tern_printf("httpd: counters (non-zero)\n");
	tern_counter_line_init(&l, "httpd:");
	tern_counter_line_add(&l, "accepted", s->accepted);
	tern_counter_line_add(&l, "refused_cap", s->refused_cap);
	tern_counter_line_add(&l, "requests", s->requests);
	tern_counter_line_add(&l, "bytes_tx", s->bytes_tx);
	tern_counter_line_add(&l, "header_timeout", s->header_timeout);
	tern_counter_line_add(&l, "idle_timeout", s->idle_timeout);
	tern_counter_line_add(&l, "peer_closed", s->peer_closed);
	tern_counter_line_add(&l, "peer_reset", s->peer_reset);
	tern_counter_line_add(&l, "incomplete_head", s->incomplete_head);
	tern_counter_line_add(&l, "send_error", s->send_error);
	tern_counter_line_add(&l, "read_error", s->read_error);
	tern_counter_line_add(&l, "file_error", s->file_error);
	tern_counter_line_add(&l, "status_2xx", s->status_2xx);
	tern_counter_line_add(&l, "status_3xx", s->status_3xx);
	tern_counter_line_add(&l, "status_4xx", s->status_4xx);
	tern_counter_line_add(&l, "status_5xx", s->status_5xx);
	for (unsigned r = 1; r < HTTP_R_COUNT; r++)
		tern_counter_line_add(&l, http_reason_name(r), s->reasons[r]);
	tern_counter_line_flush(&l);
}
