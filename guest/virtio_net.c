/*
 * virtio_net.c - a tern_netdev over a virtio-net device (PCI or MMIO:
 * the transport is set up by the caller; virtio.h).
 *
 * Queues: 0 receive, 1 transmit (one pair; no control queue, no offloads).
 * Every frame is preceded by the 12-byte struct virtio_net_hdr of virtio
 * 1.x, all zero on transmit (no checksum or segmentation offload), ignored
 * on receive.
 *
 * Receive: RX_BUFS buffers of BUF_SIZE bytes are posted once at probe;
 * recv() copies each returned frame into the caller's buffer and reposts
 * the buffer at once, publishing the batch with one notification.
 * Transmit: descriptor i owns TX buffer i; send() copies each frame (header
 * plus gathered pieces) into a free buffer, so the caller keeps its
 * buffers, and publishes the whole batch with one notification. Finished
 * TX buffers are reclaimed at the next send(); the transmit queue never
 * interrupts. The receive queue interrupts only while tern_wait() sleeps.
 *
 * Frames longer than BUF_SIZE - 12 cannot arrive (the MTU is 1500 and
 * mergeable buffers are not negotiated); a frame longer than the caller's
 * buffer is dropped and counted in rx_dropped_too_long, never truncated.
 *
 * Tunables:
 *   QUEUE_MAX  ring entries per queue (the device may offer fewer)
 *   BUF_SIZE   bytes per RX/TX buffer: header + 14 + 1500 + a VLAN tag
 */
#include <string.h>

#include "tern/log.h"

#include "virtio.h"
#include "x86.h"

#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_STATUS (1ull << 16)

#define NET_HDR_LEN 12
#define QUEUE_MAX 256
#define BUF_SIZE 2048
#define Q_RX 0
#define Q_TX 1

struct vnet {
	struct tern_netdev dev; /* first: tern_container_of */
	struct virtio_dev vio;
	struct virtq rx, tx;
	uint8_t *rx_bufs;
	uint8_t *tx_bufs;
	uint16_t tx_free[QUEUE_MAX]; /* stack of free TX buffers */
	uint16_t n_tx_free;
	struct guest_waker waker;
	bool rx_paused; /* the consumer has no buffers (vnet_rx_pause) */
	/* counters */
	uint64_t rx_frames, tx_frames, rx_runt, rx_bad_id, tx_full;
};

/* The driver state around a netdev. */
static struct vnet *to_vnet(struct tern_netdev *dev)
{
	return tern_container_of(dev, struct vnet, dev);
}

/* Queues RX buffer i for the device to fill (published by the next
 * kick). */
static void post_rx(struct vnet *n, uint16_t i)
{
	virtq_set_desc(&n->rx, i,
		       (uint64_t)(uintptr_t)(n->rx_bufs + (size_t)i * BUF_SIZE),
		       BUF_SIZE, VRING_DESC_F_WRITE, 0);
	virtq_push(&n->rx, i);
}

/* Returns the TX buffers the device has finished with to the free stack. */
static void reclaim_tx(struct vnet *n)
{
	uint32_t id, len;

	while (virtq_pop(&n->tx, &id, &len))
		if (id < n->tx.size && n->n_tx_free < n->tx.size)
			n->tx_free[n->n_tx_free++] = (uint16_t)id;
}

/* tern_netdev_ops.send: copies frames into free TX buffers and kicks
 * once. Returns the number accepted (0: ring full). */
static int vnet_send(struct tern_netdev *dev, const struct tern_tx *frames,
		     unsigned count)
{
	struct vnet *n = to_vnet(dev);
	unsigned sent = 0;

	reclaim_tx(n);
	while (sent < count && n->n_tx_free > 0) {
		uint16_t i = n->tx_free[n->n_tx_free - 1];
		uint8_t *buf = n->tx_bufs + (size_t)i * BUF_SIZE;
		int len = tern_tx_flatten(&frames[sent], buf + NET_HDR_LEN,
					  BUF_SIZE - NET_HDR_LEN);

		if (len < 0) { /* larger than any MTU we offer: a bug */
			virtq_kick(&n->tx);
			n->tx_frames += sent;
			return sent ? (int)sent : -TERN_EIO;
		}
		memset(buf, 0, NET_HDR_LEN);
		n->n_tx_free--;
		virtq_set_desc(&n->tx, i, (uint64_t)(uintptr_t)buf,
			       (uint32_t)(NET_HDR_LEN + len), 0, 0);
		virtq_push(&n->tx, i);
		sent++;
	}
	if (sent < count)
		n->tx_full++;
	n->tx_frames += sent;
	virtq_kick(&n->tx);
	return (int)sent;
}

/* tern_netdev_ops.recv: copies received frames into the caller's
 * buffers, reposting each RX buffer, and kicks once. Returns the number
 * received. */
static int vnet_recv(struct tern_netdev *dev, struct tern_rx *frames,
		     unsigned count)
{
	struct vnet *n = to_vnet(dev);
	unsigned got = 0;
	uint32_t id, len;

	while (got < count && virtq_pop(&n->rx, &id, &len)) {
		const uint8_t *buf;
		size_t flen;

		if (id >= n->rx.size) { /* a device bug; nothing to repost */
			n->rx_bad_id++;
			continue;
		}
		buf = n->rx_bufs + (size_t)id * BUF_SIZE;
		if (len < NET_HDR_LEN + TERN_ETH_HLEN || len > BUF_SIZE) {
			n->rx_runt++;
		} else if ((flen = len - NET_HDR_LEN) > frames[got].cap) {
			dev->rx_dropped_too_long++;
		} else {
			memcpy(frames[got].buf, buf + NET_HDR_LEN, flen);
			frames[got].len = flen;
			got++;
		}
		post_rx(n, (uint16_t)id);
	}
	n->rx_frames += got;
	virtq_kick(&n->rx);
	return (int)got;
}

/* Waker: asks for an interrupt at the next received frame; true if one
 * is already waiting. While paused it asks for nothing: the frames wait in
 * the ring until the consumer has buffers. */
static bool vnet_arm(struct guest_waker *w)
{
	struct vnet *n = tern_container_of(w, struct vnet, waker);

	return !n->rx_paused && virtq_irq_enable(&n->rx);
}

/* Waker: suppresses receive interrupts again. */
static void vnet_disarm(struct guest_waker *w)
{
	struct vnet *n = tern_container_of(w, struct vnet, waker);

	virtq_irq_disable(&n->rx);
}

/* netdev rx_pause: see vnet_arm. */
static void vnet_rx_pause(struct tern_netdev *dev, bool paused)
{
	to_vnet(dev)->rx_paused = paused;
}

static const struct tern_netdev_ops vnet_ops = {
	.send = vnet_send,
	.recv = vnet_recv,
	.close = NULL, /* devices live as long as the image */
	.rx_pause = vnet_rx_pause,
};

int virtio_net_probe(const struct virtio_dev *v, const char *name,
		     struct tern_netdev **out)
{
	struct vnet *n = tern_mem_alloc(sizeof(*n));
	uint8_t mac[TERN_ETH_ALEN];
	int rc;

	if (!n)
		return -TERN_ENOMEM;
	n->vio = *v;
	rc = virtio_negotiate(&n->vio,
			      VIRTIO_NET_F_MAC | VIRTIO_F_RING_EVENT_IDX);
	if (rc == 0)
		rc = virtq_init(&n->vio, &n->rx, Q_RX, QUEUE_MAX);
	if (rc == 0)
		rc = virtq_init(&n->vio, &n->tx, Q_TX, QUEUE_MAX);
	if (rc == 0) {
		/* The device fills RX buffers, send() TX ones: no zeroing. */
		n->rx_bufs =
			tern_mem_alloc_buffers((size_t)n->rx.size * BUF_SIZE);
		n->tx_bufs =
			tern_mem_alloc_buffers((size_t)n->tx.size * BUF_SIZE);
		if (!n->rx_bufs || !n->tx_bufs)
			rc = -TERN_ENOMEM;
	}
	if (rc < 0) {
		tern_log_error("%s: virtio-net at %s: %s", name, n->vio.where,
			       tern_strerror(rc));
		virtio_fail(&n->vio);
		return rc; /* the pages are leaked: boot fails anyway */
	}

	if (n->vio.features & VIRTIO_NET_F_MAC) {
		virtio_read_config(&n->vio, 0, mac, sizeof(mac));
	} else {
		/* A locally administered unicast address. */
		tern_entropy(mac, sizeof(mac));
		mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
	}
	tern_netdev_init(&n->dev, &vnet_ops, name, mac, TERN_ETH_MTU_DEFAULT);

	for (uint16_t i = 0; i < n->tx.size; i++)
		n->tx_free[n->n_tx_free++] = (uint16_t)(n->tx.size - 1 - i);
	for (uint16_t i = 0; i < n->rx.size; i++)
		post_rx(n, i);
	virtio_driver_ok(&n->vio);
	virtq_kick(&n->rx);

	n->waker.arm = vnet_arm;
	n->waker.disarm = vnet_disarm;
	n->waker.polled = !n->vio.irq;
	guest_waker_add(&n->waker);
	tern_log_debug("%s: virtio-net at %s mac "
		       "%02x:%02x:%02x:%02x:%02x:%02x, %u/%u ring entries, "
		       "%s%s%s",
		       name, n->vio.where, mac[0], mac[1], mac[2], mac[3],
		       mac[4], mac[5], n->rx.size, n->tx.size,
		       n->vio.irq ? "irq" : "polled",
		       n->rx.event_idx ? ", event-idx" : "",
		       n->vio.io_fence ? ", io-fence" : "");
	*out = &n->dev;
	return 0;
}
