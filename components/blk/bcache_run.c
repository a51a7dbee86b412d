/*
 * bcache_run.c - runs: consecutive blocks moved by one scattered request
 * (dev.h's segments, a buffer per block), for read-ahead and for a flush's
 * write-backs.
 *
 * A run takes one of the cache's TERN_BCACHE_RUNS descriptors and at most
 * run_max blocks (the device's max_segments and max_sectors). With no
 * descriptor free, a device that takes one buffer per request, or a
 * refusal at submit, each block goes alone (bcache_io.c, which queues
 * requests a busy device refuses). Every block of a run keeps its own
 * state, flags and place in the I/O count, as if it were alone. A run that
 * fails is redone block by block, so an error reaches only the blocks it
 * concerns: a bad sector fails one block's read, not its neighbours', and
 * leaves only that block dirty after a flush.
 */
#include "tern/assert.h"

#include "bcache_int.h"

/* A free run, or NULL. */
static struct tern_bcache_run *free_run(struct tern_bcache *c)
{
	for (unsigned i = 0; i < TERN_BCACHE_RUNS; i++)
		if (!c->runs[i].busy)
			return &c->runs[i];
	return NULL;
}

/* Submits r (its n bufs set, consecutive) as one op request calling
 * done. Returns 0 (r in flight, its blocks counted in c->inflight) or the
 * device's refusal. */
static int run_submit(struct tern_bcache *c, struct tern_bcache_run *r,
		      enum tern_blk_op op, tern_blk_done_fn done)
{
	uint32_t count = 0;
	int rc;

	for (uint32_t i = 0; i < r->n; i++) {
		struct tern_bcache_buf *b = r->bufs[i];

		TERN_ASSERT(i == 0 ||
			    b->blockno == r->bufs[i - 1]->blockno + 1);
		r->segs[i].buf = b->data;
		r->segs[i].count = op == TERN_BLK_READ ? io_read_sectors(c, b)
						       : io_block_sectors(c, b);
		count += r->segs[i].count;
	}
	r->req = (struct tern_blk_req){
		.op = op,
		.sector = r->bufs[0]->blockno * c->spb,
		.count = count,
		.segs = r->segs,
		.nsegs = r->n,
		.done = done,
		.ctx = r,
	};
	rc = tern_blkdev_submit(c->dev, &r->req);
	if (rc == 0) {
		r->busy = true;
		c->inflight += r->n;
	} else if (rc == -TERN_EAGAIN) {
		c->stats.dev_busy++;
	}
	return rc;
}

/* A read run's completion: every block is valid, or each is read again
 * alone. */
static void read_run_done(struct tern_blk_req *req)
{
	struct tern_bcache_run *r = req->ctx;
	struct tern_bcache *c = r->bufs[0]->cache;

	r->busy = false;
	c->stats.reads++;
	if (req->status) {
		c->stats.run_retries++;
		c->inflight -= r->n;
		for (uint32_t i = 0; i < r->n; i++)
			io_start_read(c, r->bufs[i]);
		return;
	}
	for (uint32_t i = 0; i < r->n; i++)
		io_read_finished(c, r->bufs[i], 0);
}

void io_start_read_run(struct tern_bcache *c, struct tern_bcache_buf **bufs,
		       uint32_t n)
{
	struct tern_bcache_run *r = n > 1 && c->run_max > 1 ? free_run(c)
							    : NULL;

	if (r) {
		TERN_ASSERT(n <= c->run_max);
		for (uint32_t i = 0; i < n; i++) {
			TERN_ASSERT(bufs[i]->state == BUF_READING);
			r->bufs[i] = bufs[i];
		}
		r->n = n;
		if (run_submit(c, r, TERN_BLK_READ, read_run_done) == 0)
			return;
	}
	for (uint32_t i = 0; i < n; i++)
		io_start_read(c, bufs[i]);
}

/* A write run's completion: every block is clean, or each is written
 * again alone (its data unchanged: blocks under write-back are stable). */
static void write_run_done(struct tern_blk_req *req)
{
	struct tern_bcache_run *r = req->ctx;
	struct tern_bcache *c = r->bufs[0]->cache;

	r->busy = false;
	c->stats.writes++;
	if (req->status) {
		c->stats.run_retries++;
		c->inflight -= r->n;
		for (uint32_t i = 0; i < r->n; i++) {
			r->bufs[i]->flags &= (uint16_t)~BUF_WRITEBACK;
			io_start_write(c, r->bufs[i]);
		}
		return;
	}
	for (uint32_t i = 0; i < r->n; i++)
		io_write_finished(c, r->bufs[i], 0);
}

int io_start_write_run(struct tern_bcache *c, struct tern_bcache_buf *first)
{
	struct tern_bcache_run *r = c->run_max > 1 ? free_run(c) : NULL;

	TERN_ASSERT(first->state == BUF_VALID && io_flush_writable(first));
	if (r) {
		r->bufs[0] = first;
		r->n = 1;
		while (r->n < c->run_max) {
			struct tern_bcache_buf *b =
				bc_lookup(c, first->blockno + r->n);

			if (!b || b->state != BUF_VALID ||
			    !io_flush_writable(b))
				break;
			r->bufs[r->n++] = b;
		}
	}
	if (r && r->n > 1) {
		for (uint32_t i = 0; i < r->n; i++)
			r->bufs[i]->flags |= BUF_WRITEBACK;
		if (run_submit(c, r, TERN_BLK_WRITE, write_run_done) == 0)
			return 1;
		for (uint32_t i = 0; i < r->n; i++)
			r->bufs[i]->flags &= (uint16_t)~BUF_WRITEBACK;
	}
	io_start_write(c, first);
	return 1;
}
