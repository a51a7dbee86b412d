/*
 * dev.c - the wrappers through which components call devices.
 *
 * They hold the contract checks of dev.h so that every device
 * implementation, and every wrapper stacked over one, can trust its input.
 */
#include "tern/dev.h"

#include <string.h>

#include "tern/assert.h"

/* Copies a device name, truncated and always NUL-terminated. */
static void copy_name(char dst[TERN_DEV_NAME_MAX], const char *src)
{
	size_t n = 0;

	while (n < TERN_DEV_NAME_MAX - 1 && src[n])
		n++;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void tern_netdev_init(struct tern_netdev *dev,
		      const struct tern_netdev_ops *ops, const char *name,
		      const uint8_t mac[TERN_ETH_ALEN], uint16_t mtu)
{
	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	copy_name(dev->name, name);
	memcpy(dev->mac, mac, TERN_ETH_ALEN);
	dev->mtu = mtu;
}

size_t tern_tx_len(const struct tern_tx *frame)
{
	size_t len = 0;

	for (unsigned i = 0; i < frame->iovcnt; i++)
		len += frame->iov[i].len;
	return len;
}

int tern_tx_flatten(const struct tern_tx *frame, void *dst, size_t cap)
{
	uint8_t *p = dst;
	size_t len = 0;

	for (unsigned i = 0; i < frame->iovcnt; i++) {
		const struct tern_iov *iov = &frame->iov[i];

		if (iov->len > cap - len)
			return -TERN_EMSGSIZE;
		if (iov->len)
			memcpy(p + len, iov->base, iov->len);
		len += iov->len;
	}
	return (int)len;
}

/* Asserts that the offload o of a frame of len bytes asks only for what
 * dev offers, with its offsets inside the frame (dev.h). */
static void check_offload(const struct tern_netdev *dev,
			  const struct tern_tx_offload *o, size_t len)
{
	TERN_ASSERT((o->flags & ~TERN_TX_NEEDS_CSUM) == 0);
	if (o->flags & TERN_TX_NEEDS_CSUM) {
		TERN_ASSERT(dev->offloads & TERN_NETDEV_TX_CSUM);
		TERN_ASSERT(o->csum_start >= TERN_ETH_HLEN);
		TERN_ASSERT((size_t)o->csum_start + o->csum_offset + 2 <= len);
	}
	if (o->gso_type == TERN_GSO_NONE) {
		TERN_ASSERT(len <= (size_t)TERN_ETH_HLEN + dev->mtu);
		return;
	}
	TERN_ASSERT(o->gso_type == TERN_GSO_TCPV4);
	TERN_ASSERT(dev->offloads & TERN_NETDEV_TX_TSO4);
	TERN_ASSERT(o->flags & TERN_TX_NEEDS_CSUM);
	TERN_ASSERT(len <= dev->gso_max);
	TERN_ASSERT(o->gso_size > 0);
	TERN_ASSERT((size_t)o->csum_start + o->csum_offset + 2 <= o->hdr_len);
	TERN_ASSERT(o->hdr_len < len);
}

int tern_netdev_send(struct tern_netdev *dev, const struct tern_tx *frames,
		     unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		size_t len = tern_tx_len(&frames[i]);

		TERN_ASSERT(len >= TERN_ETH_HLEN);
		check_offload(dev, &frames[i].off, len);
	}
	return dev->ops->send(dev, frames, count);
}

int tern_netdev_send1(struct tern_netdev *dev, const struct tern_iov *iov,
		      unsigned iovcnt)
{
	struct tern_tx frame = { .iov = iov, .iovcnt = iovcnt };

	return tern_netdev_send(dev, &frame, 1);
}

int tern_netdev_recv(struct tern_netdev *dev, struct tern_rx *frames,
		     unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		TERN_ASSERT(frames[i].buf != NULL);
		TERN_ASSERT(frames[i].cap >= (size_t)TERN_ETH_HLEN + dev->mtu);
		frames[i].len = 0;
		frames[i].flags = 0;
	}
	return dev->ops->recv(dev, frames, count);
}

void tern_netdev_rx_pause(struct tern_netdev *dev, bool paused)
{
	if (dev->ops->rx_pause)
		dev->ops->rx_pause(dev, paused);
}

void tern_netdev_close(struct tern_netdev *dev)
{
	if (dev->ops->close)
		dev->ops->close(dev);
}

void tern_blkdev_init(struct tern_blkdev *dev,
		      const struct tern_blkdev_ops *ops, const char *name,
		      uint32_t sector_size, uint64_t sector_count,
		      uint32_t max_sectors)
{
	TERN_ASSERT(sector_size >= 512 &&
		    (sector_size & (sector_size - 1)) == 0);
	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	copy_name(dev->name, name);
	dev->sector_size = sector_size;
	dev->sector_count = sector_count;
	dev->max_sectors = max_sectors;
	dev->max_segments = 1;
}

/* Returns 0 if req's segments are set and add up to its count, else
 * -TERN_EINVAL. */
static int check_segs(const struct tern_blkdev *dev,
		      const struct tern_blk_req *req)
{
	uint64_t total = 0;

	if (req->nsegs == 0) {
		TERN_ASSERT(req->buf != NULL);
		return 0;
	}
	if (req->nsegs > dev->max_segments || req->segs == NULL)
		return -TERN_EINVAL;
	for (uint32_t i = 0; i < req->nsegs; i++) {
		TERN_ASSERT(req->segs[i].buf != NULL);
		if (req->segs[i].count == 0)
			return -TERN_EINVAL;
		total += req->segs[i].count;
	}
	return total == req->count ? 0 : -TERN_EINVAL;
}

int tern_blkdev_submit(struct tern_blkdev *dev, struct tern_blk_req *req)
{
	TERN_ASSERT(req->done != NULL);
	req->status = 0;
	if (req->op == TERN_BLK_FLUSH)
		return dev->ops->submit(dev, req);
	TERN_ASSERT(req->op == TERN_BLK_READ || req->op == TERN_BLK_WRITE);
	if (req->count == 0 || req->sector > dev->sector_count ||
	    req->count > dev->sector_count - req->sector)
		return -TERN_EINVAL;
	if (dev->max_sectors && req->count > dev->max_sectors)
		return -TERN_EINVAL;
	if (check_segs(dev, req) < 0)
		return -TERN_EINVAL;
	return dev->ops->submit(dev, req);
}

const struct tern_blk_seg *tern_blk_req_segs(const struct tern_blk_req *req,
					     struct tern_blk_seg *one,
					     uint32_t *n)
{
	if (req->nsegs) {
		*n = req->nsegs;
		return req->segs;
	}
	one->buf = req->buf;
	one->count = req->count;
	*n = 1;
	return one;
}

uint8_t *tern_blk_req_sector(const struct tern_blk_req *req, uint32_t ss,
			     uint32_t i)
{
	TERN_ASSERT(i < req->count);
	if (req->nsegs == 0)
		return (uint8_t *)req->buf + (size_t)i * ss;
	for (uint32_t k = 0;; k++) {
		TERN_ASSERT(k < req->nsegs);
		if (i < req->segs[k].count)
			return (uint8_t *)req->segs[k].buf + (size_t)i * ss;
		i -= req->segs[k].count;
	}
}

int tern_blkdev_poll(struct tern_blkdev *dev)
{
	return dev->ops->poll(dev);
}

unsigned tern_blkdev_pending(const struct tern_blkdev *dev)
{
	return dev->ops->pending(dev);
}

void tern_blkdev_close(struct tern_blkdev *dev)
{
	if (dev->ops->close)
		dev->ops->close(dev);
}
