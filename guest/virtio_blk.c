/*
 * virtio_blk.c - a tern_blkdev over a virtio-blk device (PCI or MMIO:
 * the transport is set up by the caller; virtio.h).
 *
 * One request queue. Each request uses a fixed slot s and one descriptor
 * chain: the 16-byte request header, the caller's buffers (used in place:
 * guest memory is identity-mapped, so an address is its physical address;
 * none for a FLUSH), and the status byte. With VIRTIO_F_RING_INDIRECT_DESC
 * the chain lives in the slot's own table and ring descriptor s points to
 * it, so every ring entry is a request in flight and a request takes up to
 * SEGS_MAX buffers (dev.h's scattered requests; the block cache's
 * read-ahead runs). Without it the chain takes ring descriptors 3s..3s+2
 * and a request one buffer. submit() queues and notifies; completions are
 * reported by poll(), never by submit(), as dev.h requires.
 *
 * virtio-blk addresses the disk in 512-byte units whatever its logical
 * block size; the blkdev exposes the device's logical block size
 * (VIRTIO_BLK_F_BLK_SIZE, else 512) and converts.
 *
 * Durability: with VIRTIO_BLK_F_FLUSH, a FLUSH request makes every
 * completed write durable (QEMU: fdatasync on the image). A device that
 * offers neither FLUSH nor CONFIG_WCE has no volatile write cache (virtio
 * 1.x, 5.2.5.2), so its completed writes are already durable: FLUSH then
 * completes at the next poll with status 0 without touching the device.
 * (QEMU drops FLUSH only with cache=writethrough/directsync, which is
 * exactly that case.) A read-only device (VIRTIO_BLK_F_RO) fails writes
 * with -TERN_EIO.
 *
 * Tunables:
 *   QUEUE_MAX      ring entries (the device may offer fewer); requests in
 *                  flight: as many (indirect) or a third of them
 *   SEGS_MAX       buffers per request (indirect), also capped by the
 *                  device's SEG_MAX
 *   REQ_BYTES_MAX  largest buffer when the device sets no SIZE_MAX
 */
#include <string.h>

#include "tern/byteorder.h"
#include "tern/log.h"

#include "virtio.h"
#include "x86.h"

#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0
#define STATUS_PENDING 0xff /* not a device status: "not written yet" */

/* struct virtio_blk_config offsets */
#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20

#define QUEUE_MAX 128
#define SLOTS_MAX QUEUE_MAX
#define SEGS_MAX 32
#define CHAIN_MAX (SEGS_MAX + 2) /* header, buffers, status */
#define REQ_BYTES_MAX (1u << 20)

struct slot {
	/* the chain, when indirect (16-byte aligned, virtio 1.x 2.7.5.3) */
	_Alignas(16) volatile struct vq_desc table[CHAIN_MAX];
	struct tern_blk_req *req;
	uint8_t hdr[16];
	uint8_t status;
};

struct vblk {
	struct tern_blkdev dev; /* first: tern_container_of */
	struct virtio_dev vio;
	struct virtq q;
	struct slot slots[SLOTS_MAX];
	uint16_t free[SLOTS_MAX];
	unsigned n_free, n_slots;
	uint32_t units_per_sector; /* 512-byte units per logical sector */
	bool has_flush, read_only;
	bool indirect; /* chains in the slots' tables */
	/* requests completed without the device, reported at next poll */
	struct tern_blk_req *local_head, *local_tail;
	unsigned n_local;
	struct guest_waker waker;
	uint64_t reads, writes, flushes, errors;
};

/* The driver state around a blkdev. */
static struct vblk *to_vblk(struct tern_blkdev *dev)
{
	return tern_container_of(dev, struct vblk, dev);
}

/* Queues req with status for the next poll without involving the device
 * (FLUSH on a write-through device, WRITE on a read-only one). */
static void complete_locally(struct vblk *b, struct tern_blk_req *req,
			     int status)
{
	req->status = status;
	req->dev_next = NULL;
	if (b->local_tail)
		b->local_tail->dev_next = req;
	else
		b->local_head = req;
	b->local_tail = req;
	b->n_local++;
}

/* Sets descriptor i of a chain starting at descriptor first of table t,
 * linked to the next one. */
static void chain_desc(volatile struct vq_desc *t, uint16_t first, unsigned i,
		       const void *addr, uint32_t len, uint16_t flags)
{
	volatile struct vq_desc *d = &t[first + i];

	d->addr = (uint64_t)(uintptr_t)addr;
	d->len = len;
	d->flags = (uint16_t)(flags | VRING_DESC_F_NEXT);
	d->next = (uint16_t)(first + i + 1);
}

/* Writes slot s's chain for req of virtio type type - header, buffers,
 * status - into the slot's table, pointed to by ring descriptor s, or into
 * ring descriptors 3s.. Returns the head descriptor. */
static uint16_t write_chain(struct vblk *b, uint16_t s,
			    const struct tern_blk_req *req, uint32_t type)
{
	struct slot *sl = &b->slots[s];
	uint16_t first = b->indirect ? 0 : (uint16_t)(3 * s);
	volatile struct vq_desc *t = b->indirect ? sl->table : b->q.desc;
	uint16_t data = type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0;
	struct tern_blk_seg one;
	const struct tern_blk_seg *segs = NULL; /* a flush has none */
	uint32_t nsegs = 0;
	unsigned n = 0;

	if (type != VIRTIO_BLK_T_FLUSH)
		segs = tern_blk_req_segs(req, &one, &nsegs);
	chain_desc(t, first, n++, sl->hdr, 16, 0);
	for (uint32_t i = 0; i < nsegs; i++)
		chain_desc(t, first, n++, segs[i].buf,
			   segs[i].count * b->dev.sector_size, data);
	chain_desc(t, first, n, &sl->status, 1, VRING_DESC_F_WRITE);
	t[first + n].flags = VRING_DESC_F_WRITE; /* the end of the chain */
	if (!b->indirect)
		return first;
	virtq_set_desc(&b->q, s, (uint64_t)(uintptr_t)sl->table,
		       (uint32_t)((n + 1) * sizeof(struct vq_desc)),
		       VRING_DESC_F_INDIRECT, 0);
	return s;
}

/* tern_blkdev_ops.submit: a slot, its descriptor chain, a kick.
 * Returns 0 or -TERN_EAGAIN (every slot in flight). */
static int vblk_submit(struct tern_blkdev *dev, struct tern_blk_req *req)
{
	struct vblk *b = to_vblk(dev);
	uint32_t type;
	uint16_t s, d;
	struct slot *sl;

	if (req->op == TERN_BLK_FLUSH && !b->has_flush) {
		complete_locally(b, req, 0); /* write-through device */
		return 0;
	}
	if (req->op == TERN_BLK_WRITE && b->read_only) {
		complete_locally(b, req, -TERN_EIO);
		return 0;
	}
	if (b->n_free == 0)
		return -TERN_EAGAIN;
	s = b->free[--b->n_free];
	sl = &b->slots[s];
	sl->req = req;
	sl->status = STATUS_PENDING;
	type = req->op == TERN_BLK_READ	   ? VIRTIO_BLK_T_IN
	       : req->op == TERN_BLK_WRITE ? VIRTIO_BLK_T_OUT
					   : VIRTIO_BLK_T_FLUSH;
	tern_store_le32(sl->hdr, type);
	tern_store_le32(sl->hdr + 4, 0);
	tern_store_le64(sl->hdr + 8,
			type == VIRTIO_BLK_T_FLUSH
				? 0
				: req->sector * b->units_per_sector);
	d = write_chain(b, s, req, type);
	virtq_push(&b->q, d);
	virtq_kick(&b->q);
	if (type == VIRTIO_BLK_T_IN)
		b->reads++;
	else if (type == VIRTIO_BLK_T_OUT)
		b->writes++;
	else
		b->flushes++;
	return 0;
}

/* tern_blkdev_ops.poll: reports local and device completions; returns
 * how many. */
static int vblk_poll(struct tern_blkdev *dev)
{
	struct vblk *b = to_vblk(dev);
	struct tern_blk_req *done = b->local_head, *tail = b->local_tail;
	uint32_t id, len;
	int n = 0;

	b->local_head = b->local_tail = NULL;
	b->n_local = 0;
	/* Collect first, call back after: a callback may submit again. */
	while (virtq_pop(&b->q, &id, &len)) {
		unsigned s = b->indirect ? id : id / 3;
		struct tern_blk_req *req;

		if ((!b->indirect && id % 3) || s >= b->n_slots ||
		    !b->slots[s].req) {
			b->errors++; /* a device bug: nothing to complete */
			continue;
		}
		req = b->slots[s].req;
		req->status = b->slots[s].status == VIRTIO_BLK_S_OK ? 0
								    : -TERN_EIO;
		if (req->status)
			b->errors++;
		b->slots[s].req = NULL;
		b->free[b->n_free++] = (uint16_t)s;
		req->dev_next = NULL;
		if (tail)
			tail->dev_next = req;
		else
			done = req;
		tail = req;
	}
	while (done) {
		struct tern_blk_req *next = done->dev_next;

		done->done(done);
		done = next;
		n++;
	}
	return n;
}

/* tern_blkdev_ops.pending: slots in flight plus local completions. */
static unsigned vblk_pending(const struct tern_blkdev *dev)
{
	const struct vblk *b = tern_container_of(dev, struct vblk, dev);

	return (b->n_slots - b->n_free) + b->n_local;
}

/* Waker: asks for an interrupt at the next completion; true if one (or
 * a local completion) is already waiting. */
static bool vblk_arm(struct guest_waker *w)
{
	struct vblk *b = tern_container_of(w, struct vblk, waker);

	return b->n_local > 0 || virtq_irq_enable(&b->q);
}

/* Waker: suppresses completion interrupts again. */
static void vblk_disarm(struct guest_waker *w)
{
	struct vblk *b = tern_container_of(w, struct vblk, waker);

	virtq_irq_disable(&b->q);
}

static const struct tern_blkdev_ops vblk_ops = {
	.submit = vblk_submit,
	.poll = vblk_poll,
	.pending = vblk_pending,
	.close = NULL,
};

int virtio_blk_probe(const struct virtio_dev *v, const char *name,
		     struct tern_blkdev **out)
{
	struct vblk *b = tern_mem_alloc(sizeof(*b));
	uint64_t capacity = 0; /* 512-byte units */
	uint32_t blk_size = 512, size_max = REQ_BYTES_MAX, max_sectors;
	uint32_t seg_max = SEGS_MAX;
	int rc;

	if (!b)
		return -TERN_ENOMEM;
	b->vio = *v;
	rc = virtio_negotiate(
		&b->vio, VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX |
				 VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_BLK_F_RO |
				 VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH |
				 VIRTIO_F_RING_EVENT_IDX);
	if (rc == 0)
		rc = virtq_init(&b->vio, &b->q, 0, QUEUE_MAX);
	if (rc < 0) {
		tern_log_error("%s: virtio-blk at %s: %s", name, b->vio.where,
			       tern_strerror(rc));
		virtio_fail(&b->vio);
		return rc;
	}
	virtio_read_config(&b->vio, CFG_CAPACITY, &capacity, 8);
	if (b->vio.features & VIRTIO_BLK_F_BLK_SIZE) {
		virtio_read_config(&b->vio, CFG_BLK_SIZE, &blk_size, 4);
		if (blk_size < 512 || (blk_size & (blk_size - 1)))
			blk_size = 512;
	}
	if (b->vio.features & VIRTIO_BLK_F_SIZE_MAX) {
		virtio_read_config(&b->vio, CFG_SIZE_MAX, &size_max, 4);
		if (size_max < blk_size || size_max > REQ_BYTES_MAX)
			size_max = REQ_BYTES_MAX;
	}
	b->units_per_sector = blk_size / 512;
	b->has_flush = b->vio.features & VIRTIO_BLK_F_FLUSH;
	b->read_only = b->vio.features & VIRTIO_BLK_F_RO;
	b->indirect = b->vio.features & VIRTIO_F_RING_INDIRECT_DESC;
	if (b->indirect && (b->vio.features & VIRTIO_BLK_F_SEG_MAX))
		virtio_read_config(&b->vio, CFG_SEG_MAX, &seg_max, 4);
	b->n_slots = TERN_MIN(b->indirect ? b->q.size : b->q.size / 3u,
			      (unsigned)SLOTS_MAX);
	for (unsigned s = 0; s < b->n_slots; s++)
		b->free[b->n_free++] = (uint16_t)(b->n_slots - 1 - s);
	/* size_max bounds each buffer; a request of one buffer is at most
	 * that, and the cache's scattered runs respect max_sectors too. */
	max_sectors = size_max / blk_size;
	tern_blkdev_init(&b->dev, &vblk_ops, name, blk_size,
			 capacity / b->units_per_sector, max_sectors);
	if (b->indirect)
		b->dev.max_segments = TERN_MAX(1u, TERN_MIN(seg_max, SEGS_MAX));
	virtio_driver_ok(&b->vio);

	b->waker.arm = vblk_arm;
	b->waker.disarm = vblk_disarm;
	b->waker.polled = !b->vio.irq;
	guest_waker_add(&b->waker);
	tern_log_debug("%s: virtio-blk at %s, %llu sectors of %u "
		       "bytes, %u in flight, %u segments each, %s%s%s%s",
		       name, b->vio.where,
		       (unsigned long long)b->dev.sector_count, blk_size,
		       b->n_slots, b->dev.max_segments,
		       b->has_flush ? "flush" : "write-through",
		       b->read_only ? ", read-only" : "",
		       b->vio.irq ? ", irq" : ", polled",
		       b->vio.io_fence ? ", io-fence" : "");
	*out = &b->dev;
	return 0;
}
