/*
 * bcache_wait.c - the block cache's blocking API on top of the core.
 *
 * Inside a fiber of the attached scheduler, a call that must wait parks
 * the fiber on a wait queue: the buffer's (its read or write-back), the
 * cache's slot queue (a miss with no evictable block), or the flush's own.
 * The cache's poller reaps the device's completions every loop turn, and
 * each completion wakes its queue. Outside any fiber (start-up code, tools,
 * fuzzers) the same calls busy-poll the device: fine for devices that
 * complete at once (hosted files, memory disks); use fibers for anything
 * concurrent.
 */
#include <string.h>

#include "tern/assert.h"

#include "bcache_int.h"

static int poller_poll(struct tern_poller *p, uint64_t now)
{
	(void)now;
	return tern_bcache_poll(p->ctx);
}

void tern_bcache_attach(struct tern_bcache *c, struct tern_sched *s)
{
	TERN_ASSERT(c->sched == NULL);
	c->sched = s;
	c->poller.poll = poller_poll;
	c->poller.next_deadline = NULL;
	c->poller.ctx = c;
	tern_sched_add_poller(s, &c->poller);
}

void tern_bcache_detach(struct tern_bcache *c)
{
	if (!c->sched)
		return;
	tern_sched_remove_poller(c->sched, &c->poller);
	c->sched = NULL;
}

/* Waits once for progress: in a fiber, until q is woken; outside, polls
 * the device once. Returns 0 (the caller checks its condition again), or
 * -TERN_EDEADLK outside a fiber when nothing happened and the device has
 * nothing in flight, so nothing ever will. */
static int wait_step(struct tern_bcache *c, struct tern_waitq *q)
{
	if (c->sched && tern_fiber_current(c->sched)) {
		tern_waitq_wait(c->sched, q, TERN_NO_DEADLINE);
		return 0;
	}
	if (tern_bcache_poll(c) > 0 || tern_blkdev_pending(c->dev) > 0)
		return 0;
	return -TERN_EDEADLK;
}

int tern_bcache_read(struct tern_bcache *c, uint64_t blockno, unsigned flags,
		     struct tern_bcache_buf **out)
{
	struct tern_bcache_buf *b;
	int r;

	while ((r = tern_bcache_get(c, blockno, flags, &b)) == -TERN_EAGAIN) {
		r = wait_step(c, &c->slot_waiters);
		if (r)
			return r;
	}
	if (r)
		return r;
	while ((r = tern_bcache_ready(b)) == -TERN_EAGAIN) {
		r = wait_step(c, &b->waiters);
		if (r)
			break;
	}
	/* The read we shared failed, but the caller overwrites the block. */
	if (r && b->state == BUF_RERROR && (flags & TERN_BCACHE_NOREAD)) {
		bc_revive(c, b);
		r = 0;
	}
	if (r) {
		tern_bcache_put(c, b);
		return r;
	}
	*out = b;
	return 0;
}

int tern_bcache_write_lock(struct tern_bcache *c, struct tern_bcache_buf *b)
{
	int r;

	while ((r = tern_bcache_write_begin(c, b)) == -TERN_EAGAIN) {
		r = wait_step(c, &b->waiters);
		if (r)
			return r;
	}
	return r;
}

int tern_bcache_flush(struct tern_bcache *c)
{
	struct tern_bcache_flush f;

	tern_bcache_flush_start(c, &f);
	while (f.status == -TERN_EAGAIN) {
		int r = wait_step(c, &f.waiters);

		if (r) {
			/* Give up on f; its group goes on without it. */
			tern_list_del_init(&f.link);
			return r;
		}
	}
	return f.status;
}

int tern_bcache_drain(struct tern_bcache *c)
{
	while (tern_bcache_inflight(c) > 0) {
		/* Every completion wakes the slot queue. */
		int r = wait_step(c, &c->slot_waiters);

		if (r)
			return r;
	}
	return 0;
}

/* Checks that [off, off + len) lies on the device. */
static bool in_range(const struct tern_bcache *c, size_t len, uint64_t off)
{
	uint64_t bytes = tern_bcache_dev_bytes(c);

	return len <= (size_t)INT32_MAX && off <= bytes && len <= bytes - off;
}

int tern_bcache_pread(struct tern_bcache *c, void *buf, size_t len,
		      uint64_t off)
{
	uint8_t *dst = buf;
	size_t done = 0;

	if (!in_range(c, len, off))
		return -TERN_EINVAL;
	while (done < len) {
		uint64_t pos = off + done;
		uint32_t boff = (uint32_t)(pos % c->block_size);
		size_t n = TERN_MIN((size_t)(c->block_size - boff), len - done);
		struct tern_bcache_buf *b;
		int r = tern_bcache_read(c, pos / c->block_size, 0, &b);

		if (r)
			return r;
		memcpy(dst + done, b->data + boff, n);
		tern_bcache_put(c, b);
		done += n;
	}
	return (int)len;
}

int tern_bcache_pwrite(struct tern_bcache *c, const void *buf, size_t len,
		       uint64_t off)
{
	const uint8_t *src = buf;
	uint64_t dev_bytes = tern_bcache_dev_bytes(c);
	size_t done = 0;

	if (!in_range(c, len, off))
		return -TERN_EINVAL;
	while (done < len) {
		uint64_t pos = off + done, blockno = pos / c->block_size;
		uint32_t boff = (uint32_t)(pos % c->block_size);
		size_t n = TERN_MIN((size_t)(c->block_size - boff), len - done);
		uint64_t block_end =
			TERN_MIN((blockno + 1) * c->block_size, dev_bytes);
		/* Overwriting every byte the block has on the device: no need
		 * to read it first. */
		unsigned flags = boff == 0 && pos + n >= block_end
					 ? TERN_BCACHE_NOREAD
					 : 0;
		struct tern_bcache_buf *b;
		int r = tern_bcache_read(c, blockno, flags, &b);

		if (r)
			return r;
		r = tern_bcache_write_lock(c, b);
		if (r) {
			tern_bcache_put(c, b);
			return r;
		}
		memcpy(b->data + boff, src + done, n);
		tern_bcache_write_end(c, b);
		tern_bcache_put(c, b);
		done += n;
	}
	return (int)len;
}
