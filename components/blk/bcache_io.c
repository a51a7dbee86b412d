/*
 * bcache_io.c - the block cache's requests: reads, write-backs, device
 * flushes, their completions, and the flush protocol.
 *
 * Every buffer has one embedded request, enough since a buffer is never
 * read and written at once (only a valid block is written back; only an
 * empty one is read). Consecutive blocks read ahead or written back by a
 * flush go together as runs (bcache_run.c). Requests the device refuses (-TERN_EAGAIN: queue
 * full) wait on submitq and are retried in order by tern_bcache_poll. A
 * request refused for any other reason completes at once with that status.
 *
 * Flushes run in groups. Flushes started while a group is active wait;
 * when it completes, every waiting flush becomes the next active group and
 * takes a snapshot: every dirty block is marked BUF_FLUSHING and counted.
 * Each marked block is written (at once, or when its writer finishes, or by
 * the write-back already in flight); when the count reaches zero, one
 * device FLUSH is submitted (skipped if no write completed since the last
 * one was submitted) and its status, or the group's first write error,
 * completes every flush of the group. The FLUSH is submitted only after
 * the completions of the writes it must cover were reported, as dev.h
 * requires.
 */
#include <string.h>

#include "tern/assert.h"

#include "bcache_int.h"

static void read_done(struct tern_blk_req *req);
static void write_done(struct tern_blk_req *req);
static void flush_done(struct tern_blk_req *req);

/* Submits b's request; on refusal queues it or completes it with the
 * error. */
static void submit(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	int r = tern_blkdev_submit(c->dev, &b->req);

	if (r == 0)
		return;
	if (r == -TERN_EAGAIN) {
		c->stats.dev_busy++;
		tern_list_add_tail(&c->submitq, &b->iolink);
		return;
	}
	b->req.status = r;
	b->req.done(&b->req);
}

uint32_t io_block_sectors(const struct tern_bcache *c,
			  const struct tern_bcache_buf *b)
{
	return b->blockno == c->dev_blocks - 1 ? c->last_sectors : c->spb;
}

uint32_t io_read_sectors(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	uint32_t n = io_block_sectors(c, b);

	if (n < c->spb) {
		size_t have = (size_t)n * c->dev->sector_size;

		memset(b->data + have, 0, c->block_size - have);
	}
	return n;
}

static void prepare(struct tern_bcache *c, struct tern_bcache_buf *b,
		    enum tern_blk_op op, tern_blk_done_fn done)
{
	b->req.op = op;
	b->req.sector = b->blockno * c->spb;
	b->req.count = io_block_sectors(c, b);
	b->req.buf = b->data;
	b->req.done = done;
	b->req.ctx = b;
	b->req.status = 0;
	c->inflight++;
}

void io_start_read(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	TERN_ASSERT(b->state == BUF_READING);
	prepare(c, b, TERN_BLK_READ, read_done);
	io_read_sectors(c, b);
	submit(c, b);
}

void io_start_write(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	TERN_ASSERT(b->state == BUF_VALID && (b->flags & BUF_DIRTY) &&
		    !(b->flags & BUF_WRITEBACK) && b->writers == 0);
	b->flags |= BUF_WRITEBACK;
	prepare(c, b, TERN_BLK_WRITE, write_done);
	submit(c, b);
}

void io_read_finished(struct tern_bcache *c, struct tern_bcache_buf *b,
		      int status)
{
	c->inflight--;
	if (status == 0) {
		b->state = BUF_VALID;
	} else {
		b->state = BUF_RERROR;
		b->rerr = status;
		c->stats.read_errors++;
	}
	bc_wake(c, &b->waiters);
	/* Nobody holds a failed read-ahead: it leaves the cache now, and the
	 * error reaches whoever asks for the block next, by reading again. */
	if (b->refs == 0 && b->state == BUF_RERROR)
		bc_drop(c, b);
	bc_wake(c, &c->slot_waiters);
}

static void read_done(struct tern_blk_req *req)
{
	struct tern_bcache_buf *b = req->ctx;

	b->cache->stats.reads++;
	io_read_finished(b->cache, b, req->status);
}

void io_write_finished(struct tern_bcache *c, struct tern_bcache_buf *b,
		       int status)
{
	TERN_ASSERT(b->writers == 0);
	c->inflight--;
	b->flags &= (uint16_t)~BUF_WRITEBACK;
	if (status == 0) {
		/* Stable blocks: the data cannot have changed since submit. */
		b->flags &= (uint16_t) ~(BUF_DIRTY | BUF_WFAILED);
		tern_list_del_init(&b->dlink);
		c->ndirty--;
		c->flush_needed = true;
	} else {
		b->flags |= BUF_WFAILED;
		c->stats.write_errors++;
	}
	if (b->flags & BUF_FLUSHING) {
		b->flags &= (uint16_t)~BUF_FLUSHING;
		c->flush_remaining--;
		if (status && !c->flush_error)
			c->flush_error = status;
	}
	bc_wake(c, &b->waiters);
	bc_wake(c, &c->slot_waiters);
}

static void write_done(struct tern_blk_req *req)
{
	struct tern_bcache_buf *b = req->ctx;

	b->cache->stats.writes++;
	io_write_finished(b->cache, b, req->status);
}

/* Completes every flush of the active group with status. */
static void finish_group(struct tern_bcache *c, int status)
{
	struct tern_list *node;

	while ((node = tern_list_pop(&c->flush_active))) {
		struct tern_bcache_flush *f =
			tern_list_entry(node, struct tern_bcache_flush, link);

		f->status = status;
		bc_wake(c, &f->waiters);
	}
	c->flush_error = 0;
}

static void flush_done(struct tern_blk_req *req)
{
	struct tern_bcache *c = req->ctx;

	c->flush_submitted = false;
	c->stats.flushes++;
	if (req->status) {
		c->stats.flush_errors++;
		/* Writes before it may not be durable: the next flush must
		 * flush the device again. */
		c->flush_needed = true;
	}
	finish_group(c, c->flush_error ? c->flush_error : req->status);
	bc_wake(c, &c->slot_waiters); /* tern_bcache_drain waits there */
}

static void submit_flush(struct tern_bcache *c)
{
	int r;

	c->flush_req.op = TERN_BLK_FLUSH;
	c->flush_req.sector = 0;
	c->flush_req.count = 0;
	c->flush_req.buf = NULL;
	c->flush_req.done = flush_done;
	c->flush_req.ctx = c;
	r = tern_blkdev_submit(c->dev, &c->flush_req);
	if (r == 0) {
		c->flush_queued = false;
		return;
	}
	if (r == -TERN_EAGAIN) {
		c->stats.dev_busy++;
		c->flush_queued = true;
		return;
	}
	c->flush_queued = false;
	c->flush_req.status = r;
	flush_done(&c->flush_req);
}

/* Makes the waiting flushes the active group and snapshots the dirty
 * blocks. Returns writes started. */
static int activate(struct tern_bcache *c)
{
	int n = 0;

	tern_list_splice_tail(&c->flush_active, &c->flush_waiting);
	c->flush_error = 0;
	c->flush_remaining = 0;
	tern_list_for_each(it, &c->dirty) {
		struct tern_bcache_buf *b =
			tern_list_entry(it, struct tern_bcache_buf, dlink);

		b->flags |= BUF_FLUSHING;
		c->flush_remaining++;
	}
	/* A write refused at submit completes (and clears BUF_FLUSHING) at
	 * once, but never unlinks from the dirty list: iterating is safe. */
	tern_list_for_each(it, &c->dirty) {
		struct tern_bcache_buf *b =
			tern_list_entry(it, struct tern_bcache_buf, dlink);

		if (io_flush_writable(b))
			n += io_start_write_run(c, b);
	}
	return n;
}

int io_flush_progress(struct tern_bcache *c)
{
	int n = 0;

	if (tern_list_empty(&c->flush_active)) {
		if (tern_list_empty(&c->flush_waiting))
			return 0;
		TERN_ASSERT(!c->flush_submitted);
		n += activate(c);
	}
	if (c->flush_remaining > 0)
		return n;
	if (c->flush_submitted) {
		if (c->flush_queued) {
			submit_flush(c);
			n += c->flush_queued ? 0 : 1;
		}
		return n;
	}
	if (c->flush_needed) {
		c->flush_needed = false;
		c->flush_submitted = true;
		submit_flush(c);
		return n + 1;
	}
	finish_group(c, c->flush_error);
	return n;
}

int io_retry(struct tern_bcache *c)
{
	int n = 0;

	while (!tern_list_empty(&c->submitq)) {
		struct tern_bcache_buf *b = tern_list_entry(
			c->submitq.next, struct tern_bcache_buf, iolink);
		int r = tern_blkdev_submit(c->dev, &b->req);

		if (r == -TERN_EAGAIN)
			break;
		tern_list_del_init(&b->iolink);
		n++;
		if (r < 0) {
			b->req.status = r;
			b->req.done(&b->req);
		}
	}
	return n;
}

void tern_bcache_flush_start(struct tern_bcache *c, struct tern_bcache_flush *f)
{
	f->status = -TERN_EAGAIN;
	tern_waitq_init(&f->waiters);
	tern_list_add_tail(&c->flush_waiting, &f->link);
	io_flush_progress(c);
}
