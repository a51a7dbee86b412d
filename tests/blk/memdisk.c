/*
 * memdisk.c - the in-memory blkdev of memdisk.h: pending requests done at
 * report time in random order, an undo log of sector before-images for
 * power cuts, and seeded faults.
 */
#include "memdisk.h"

#include <stdlib.h>
#include <string.h>

#include "tern/base.h"

struct pend {
	struct tern_blk_req *req;
	uint64_t sum; /* write: buffer checksum at submit */
	bool dead;    /* in flight at a power cut: reported -TERN_EIO */
};

static struct memdisk *of(struct tern_blkdev *dev)
{
	return tern_container_of(dev, struct memdisk, dev);
}

static uint64_t fnv(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint8_t *sector_ptr(struct memdisk *d, uint64_t s)
{
	return d->data + s * d->dev.sector_size;
}

/* First sector of [sector, sector + count) bad for op, or UINT64_MAX. */
static uint64_t first_bad(const struct memdisk *d, uint64_t sector,
			  uint32_t count, unsigned op)
{
	uint64_t first = UINT64_MAX;

	for (unsigned i = 0; i < d->nbad; i++)
		if ((d->bad_ops[i] & op) && d->bad[i] >= sector &&
		    d->bad[i] < sector + count && d->bad[i] < first)
			first = d->bad[i];
	return first;
}

/* Drops the oldest record (undo_head) from the log. */
static void undo_pop_oldest(struct memdisk *d)
{
	d->undo_head = (d->undo_head + 1) % d->undo_cap;
	d->undo_len--;
}

/* Writes one sector, saving its previous contents in the undo log. */
static void land(struct memdisk *d, uint64_t s, const uint8_t *src)
{
	uint32_t ss = d->dev.sector_size;
	uint32_t idx;

	if (d->undo_len == d->undo_cap) {
		undo_pop_oldest(d); /* it becomes durable early */
		d->stats.undo_destaged++;
	}
	idx = (d->undo_head + d->undo_len) % d->undo_cap;
	d->undo[idx].sector = s;
	d->undo[idx].cseq = d->cseq;
	memcpy(d->undo_data + (size_t)idx * ss, sector_ptr(d, s), ss);
	d->undo_len++;
	memcpy(sector_ptr(d, s), src, ss);
}

/* Checksum of a request's buffers (a write's data). */
static uint64_t req_sum(const struct memdisk *d, const struct tern_blk_req *req)
{
	uint64_t h = 0;

	for (uint32_t i = 0; i < req->count; i++)
		h = h * 31 +
		    fnv(tern_blk_req_sector(req, d->dev.sector_size, i),
			d->dev.sector_size);
	return h;
}

static void do_read(struct memdisk *d, struct tern_blk_req *req)
{
	uint32_t ss = d->dev.sector_size;
	bool fail;

	d->stats.reads++;
	fail = first_bad(d, req->sector, req->count, MEMDISK_FAIL_READ) !=
		       UINT64_MAX ||
	       tern_rand_ppm(&d->rand, d->faults.read_eio_ppm);
	for (uint32_t i = 0; i < req->count; i++) {
		uint8_t *dst = tern_blk_req_sector(req, ss, i);

		if (fail)
			memset(dst, 0xa5, ss); /* garbage, as a device may */
		else
			memcpy(dst, sector_ptr(d, req->sector + i), ss);
	}
	req->status = fail ? -TERN_EIO : 0;
	if (fail)
		d->stats.read_errors++;
}

static void do_write(struct memdisk *d, struct pend *p)
{
	struct tern_blk_req *req = p->req;
	uint32_t ss = d->dev.sector_size;
	uint64_t bad;

	d->stats.writes++;
	if (req_sum(d, req) != p->sum)
		d->stats.unstable_writes++;
	req->status = 0;
	bad = first_bad(d, req->sector, req->count, MEMDISK_FAIL_WRITE);
	if (bad != UINT64_MAX) {
		for (uint64_t s = req->sector; s < bad; s++)
			land(d, s,
			     tern_blk_req_sector(req, ss,
						 (uint32_t)(s - req->sector)));
		req->status = -TERN_EIO;
	} else if (tern_rand_ppm(&d->rand, d->faults.write_eio_ppm)) {
		req->status = -TERN_EIO;
	} else if (tern_rand_ppm(&d->rand, d->faults.torn_ppm)) {
		for (uint32_t i = 0; i < req->count; i++)
			if (tern_rand_below(&d->rand, 2))
				land(d, req->sector + i,
				     tern_blk_req_sector(req, ss, i));
		d->stats.torn++;
		req->status = -TERN_EIO;
	} else {
		for (uint32_t i = 0; i < req->count; i++)
			land(d, req->sector + i,
			     tern_blk_req_sector(req, ss, i));
	}
	if (req->status)
		d->stats.write_errors++;
}

static void do_flush(struct memdisk *d, struct tern_blk_req *req)
{
	d->stats.flushes++;
	if (tern_rand_ppm(&d->rand, d->faults.flush_eio_ppm)) {
		req->status = -TERN_EIO;
		d->stats.flush_errors++;
		return;
	}
	/* dev_data: completions reported before the flush was submitted. */
	while (d->undo_len > 0 && d->undo[d->undo_head].cseq < req->dev_data)
		undo_pop_oldest(d);
	req->status = 0;
}

static int md_submit(struct tern_blkdev *dev, struct tern_blk_req *req)
{
	struct memdisk *d = of(dev);
	struct pend *p;

	if (d->npending == d->queue_depth)
		return -TERN_EAGAIN;
	p = &((struct pend *)d->pending)[d->npending++];
	p->req = req;
	p->dead = false;
	p->sum = 0;
	if (req->op == TERN_BLK_WRITE)
		p->sum = req_sum(d, req);
	if (req->op == TERN_BLK_FLUSH)
		req->dev_data = d->cseq;
	if (d->npending > d->stats.max_pending)
		d->stats.max_pending = d->npending;
	return 0;
}

static void complete(struct memdisk *d, struct pend *p)
{
	struct tern_blk_req *req = p->req;

	if (p->dead) {
		req->status = -TERN_EIO;
	} else {
		switch (req->op) {
		case TERN_BLK_READ:
			do_read(d, req);
			break;
		case TERN_BLK_WRITE:
			do_write(d, p);
			break;
		default:
			do_flush(d, req);
			break;
		}
	}
	d->cseq++;
	req->done(req);
}

static int md_poll(struct tern_blkdev *dev)
{
	struct memdisk *d = of(dev);
	struct pend *pend = (struct pend *)d->pending;
	struct pend batch[256];
	unsigned n = 0, keep = 0;

	if (d->npending == 0)
		return 0;
	/* Choose the requests to report now; the rest stay pending. */
	for (unsigned i = 0; i < d->npending; i++) {
		bool now = d->in_order || tern_rand_below(&d->rand, 2) ||
			   (n == 0 && i == d->npending - 1);

		if (now && n < TERN_ARRAY_SIZE(batch))
			batch[n++] = pend[i];
		else
			pend[keep++] = pend[i];
	}
	d->npending = keep;
	if (!d->in_order) {
		for (unsigned i = n; i > 1; i--) {
			unsigned j = (unsigned)tern_rand_below(&d->rand, i);
			struct pend tmp = batch[i - 1];

			batch[i - 1] = batch[j];
			batch[j] = tmp;
		}
	}
	for (unsigned i = 0; i < n; i++)
		complete(d, &batch[i]);
	return (int)n;
}

static unsigned md_pending(const struct tern_blkdev *dev)
{
	const struct memdisk *d =
		tern_container_of(dev, const struct memdisk, dev);

	return d->npending;
}

static const struct tern_blkdev_ops md_ops = {
	.submit = md_submit,
	.poll = md_poll,
	.pending = md_pending,
	.close = NULL,
};

static uint64_t md_next(struct tern_waker *w)
{
	struct memdisk *d = tern_container_of(w, struct memdisk, waker);

	return d->npending ? 0 : TERN_NO_DEADLINE;
}

int memdisk_open(struct memdisk *d, const struct memdisk_opts *o)
{
	uint32_t ss = o->sector_size ? o->sector_size : 512;

	memset(d, 0, sizeof(*d));
	if (o->sectors == 0 || ss < 512 || (ss & (ss - 1)))
		return -TERN_EINVAL;
	tern_blkdev_init(&d->dev, &md_ops, "mem0", ss, o->sectors,
			 o->max_sectors);
	d->dev.max_segments = o->max_segments ? o->max_segments : 16;
	d->faults = o->faults;
	d->in_order = o->in_order;
	d->queue_depth = o->queue_depth ? o->queue_depth : 32;
	if (d->queue_depth > 256)
		d->queue_depth = 256;
	d->undo_cap = o->undo_cap ? o->undo_cap : (uint32_t)(4 * o->sectors);
	tern_rand_seed(&d->rand, o->seed);
	d->data = calloc(o->sectors, ss);
	d->pending = calloc(d->queue_depth, sizeof(struct pend));
	d->undo = calloc(d->undo_cap, sizeof(*d->undo));
	d->undo_data = calloc(d->undo_cap, ss);
	if (!d->data || !d->pending || !d->undo || !d->undo_data) {
		memdisk_close(d);
		return -TERN_ENOMEM;
	}
	if (o->waker) {
		d->waker.fd = -1;
		d->waker.next = md_next;
		tern_hosted_waker_add(&d->waker);
		d->has_waker = true;
	}
	return 0;
}

void memdisk_close(struct memdisk *d)
{
	if (d->has_waker)
		tern_hosted_waker_remove(&d->waker);
	d->has_waker = false;
	free(d->data);
	free(d->pending);
	free(d->undo);
	free(d->undo_data);
	d->data = NULL;
	d->pending = NULL;
	d->undo = NULL;
	d->undo_data = NULL;
}

uint8_t *memdisk_data(struct memdisk *d)
{
	return d->data;
}

void memdisk_settle(struct memdisk *d)
{
	d->undo_len = 0;
	d->undo_head = 0;
}

void memdisk_set_faults(struct memdisk *d, const struct memdisk_faults *f)
{
	d->faults = *f;
}

int memdisk_fail_sector(struct memdisk *d, uint64_t sector, unsigned ops)
{
	for (unsigned i = 0; i < d->nbad; i++) {
		if (d->bad[i] == sector) {
			d->bad_ops[i] = (uint8_t)ops;
			return 0;
		}
	}
	if (!ops)
		return 0;
	if (d->nbad == MEMDISK_BAD_MAX)
		return -TERN_ENOSPC;
	d->bad[d->nbad] = sector;
	d->bad_ops[d->nbad++] = (uint8_t)ops;
	return 0;
}

void memdisk_durable_image(const struct memdisk *d, uint8_t *out)
{
	uint32_t ss = d->dev.sector_size;

	memcpy(out, d->data, (size_t)d->dev.sector_count * ss);
	for (uint32_t i = d->undo_len; i-- > 0;) {
		uint32_t idx = (d->undo_head + i) % d->undo_cap;

		memcpy(out + d->undo[idx].sector * ss,
		       d->undo_data + (size_t)idx * ss, ss);
	}
}

int memdisk_power_cut(struct memdisk *d, uint32_t keep_ppm)
{
	struct pend *pend = (struct pend *)d->pending;
	uint32_t ss = d->dev.sector_size;
	int restored = 0;

	/* Completed writes not yet durable: newest first. */
	while (d->undo_len > 0) {
		uint32_t idx = (d->undo_head + d->undo_len - 1) % d->undo_cap;

		if (!tern_rand_ppm(&d->rand, keep_ppm)) {
			memcpy(sector_ptr(d, d->undo[idx].sector),
			       d->undo_data + (size_t)idx * ss, ss);
			restored++;
		}
		d->undo_len--;
	}
	d->undo_head = 0;
	/* Writes in flight: any subset of their sectors lands. */
	for (unsigned i = 0; i < d->npending; i++) {
		struct tern_blk_req *req = pend[i].req;

		if (req->op == TERN_BLK_WRITE && !pend[i].dead) {
			for (uint32_t k = 0; k < req->count; k++)
				if (tern_rand_ppm(&d->rand, keep_ppm))
					memcpy(sector_ptr(d, req->sector + k),
					       tern_blk_req_sector(req, ss, k),
					       ss);
		}
		pend[i].dead = true;
	}
	d->stats.power_cuts++;
	return restored;
}
