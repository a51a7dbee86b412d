/*
 * util_tso.c - TX_CSUM and TX_TSO4 in software over another netdev (see
 * util_tso.h). Offsets below are those of an Ethernet frame carrying IPv4
 * without options: the IPv4 header at 14, TCP at 34.
 */
#include "util_tso.h"

#include <string.h>

#include "tern/base.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/net_wire.h"

#define IP 14  /* IPv4 header */
#define TCP 34 /* TCP header */

static struct tso_dev *to_tso(struct tern_netdev *dev)
{
	return tern_container_of(dev, struct tso_dev, dev);
}

/* Completes the checksum of frame f (len bytes) as dev.h says: the
 * inverted sum from csum_start to the end, stored at csum_start +
 * csum_offset. */
static void complete_csum(uint8_t *f, size_t len,
			  const struct tern_tx_offload *o)
{
	struct tern_csum c;

	tern_csum_init(&c);
	tern_csum_add(&c, f + o->csum_start, len - o->csum_start);
	tern_store_be16(f + o->csum_start + o->csum_offset,
			tern_csum_finish(&c));
}

/* True if the TCP frame f (len bytes) is laid out as TCP promises and its
 * checksum field holds the pseudo-header's sum over len - 34 bytes. */
static bool layout_ok(const uint8_t *f, size_t len,
		      const struct tern_tx_offload *o)
{
	struct tern_csum c;
	size_t thl;

	if (len < TCP + TERN_TCP_HLEN || tern_load_be16(f + 12) != 0x0800 ||
	    f[IP] != 0x45 || f[IP + 9] != TERN_IPPROTO_TCP ||
	    tern_load_be16(f + IP + 2) != len - IP)
		return false;
	thl = (size_t)(f[TCP + 12] >> 4) * 4;
	if (o->csum_start != TCP || o->csum_offset != 16 ||
	    (o->gso_type && o->hdr_len != TCP + thl))
		return false;
	tern_ipv4_pseudo_csum(&c, tern_load_be32(f + IP + 12),
			      tern_load_be32(f + IP + 16), TERN_IPPROTO_TCP,
			      (uint16_t)(len - TCP));
	return tern_load_be16(f + TCP + 16) == tern_csum_sum(&c);
}

/* Sends len bytes of t->seg on the inner device, counting a refusal. */
static void send_seg(struct tso_dev *t, size_t len)
{
	struct tern_iov iov = { t->seg, len };

	t->segments++;
	if (tern_netdev_send1(t->inner, &iov, 1) != 1)
		t->seg_refused++;
}

/* Cuts the super-frame t->frame (len bytes) into segments and sends them:
 * IPv4 total length, id + i and checksum, TCP sequence number, FIN and PSH
 * on the last only, CWR on the first only, checksums completed from the
 * frame's partial one adjusted to each segment's length. */
static void cut(struct tso_dev *t, size_t len, const struct tern_tx_offload *o)
{
	const uint8_t *f = t->frame;
	size_t hl = o->hdr_len, payload = len - hl;
	uint16_t id = tern_load_be16(f + IP + 4);
	uint32_t seq = tern_load_be32(f + TCP + 4);
	uint16_t partial = tern_load_be16(f + TCP + 16);
	uint16_t whole = (uint16_t)(len - TCP);

	for (size_t off = 0, i = 0; off < payload; off += o->gso_size, i++) {
		size_t n = TERN_MIN((size_t)o->gso_size, payload - off);
		bool last = off + n == payload;
		uint8_t *s = t->seg;
		uint16_t seglen = (uint16_t)(hl - TCP + n);

		memcpy(s, f, hl);
		memcpy(s + hl, f + hl + off, n);
		tern_store_be16(s + IP + 2, (uint16_t)(hl - IP + n));
		tern_store_be16(s + IP + 4, (uint16_t)(id + i));
		tern_store_be16(s + IP + 10, 0);
		tern_store_be16(s + IP + 10, tern_cksum(s + IP, TCP - IP));
		tern_store_be32(s + TCP + 4, seq + (uint32_t)off);
		if (!last)
			s[TCP + 13] &= (uint8_t) ~(TERN_TCP_FIN | TERN_TCP_PSH);
		if (i > 0)
			s[TCP + 13] &= (uint8_t)~0x80; /* CWR */
		/* The partial sum covers the whole TCP length: RFC 1624 on
		 * the (inverted) field takes it to this segment's. */
		tern_store_be16(s + TCP + 16,
				(uint16_t)~tern_cksum_adjust16(
					(uint16_t)~partial, whole, seglen));
		complete_csum(s, hl + n, o);
		send_seg(t, hl + n);
	}
}

/* netdev send: checks, completes and cuts each frame (see util_tso.h). */
static int tso_send(struct tern_netdev *dev, const struct tern_tx *frames,
		    unsigned count)
{
	struct tso_dev *t = to_tso(dev);

	for (unsigned i = 0; i < count; i++) {
		const struct tern_tx_offload *o = &frames[i].off;
		int len =
			tern_tx_flatten(&frames[i], t->frame, sizeof(t->frame));

		t->frames++;
		if (len < 0) {
			t->bad++;
			continue;
		}
		if (o->flags & TERN_TX_NEEDS_CSUM)
			t->csum_frames++;
		if ((o->flags & TERN_TX_NEEDS_CSUM) &&
		    !layout_ok(t->frame, (size_t)len, o)) {
			t->bad++;
			continue;
		}
		if (o->gso_type == TERN_GSO_NONE) {
			if (o->flags & TERN_TX_NEEDS_CSUM)
				complete_csum(t->frame, (size_t)len, o);
			memcpy(t->seg, t->frame, (size_t)len);
			send_seg(t, (size_t)len);
			continue;
		}
		if (o->gso_size + o->hdr_len > TERN_ETH_HLEN + t->inner->mtu) {
			t->bad++;
			continue;
		}
		t->tso_frames++;
		if (t->gso_size_min == 0 || o->gso_size < t->gso_size_min)
			t->gso_size_min = o->gso_size;
		t->gso_size_max = TERN_MAX(t->gso_size_max, o->gso_size);
		t->longest = TERN_MAX(t->longest, (uint32_t)len);
		cut(t, (size_t)len, o);
	}
	return (int)count;
}

static int tso_recv(struct tern_netdev *dev, struct tern_rx *frames,
		    unsigned count)
{
	return tern_netdev_recv(to_tso(dev)->inner, frames, count);
}

static void tso_rx_pause(struct tern_netdev *dev, bool paused)
{
	tern_netdev_rx_pause(to_tso(dev)->inner, paused);
}

static const struct tern_netdev_ops tso_ops = {
	.send = tso_send,
	.recv = tso_recv,
	.rx_pause = tso_rx_pause,
};

void tso_dev_init(struct tso_dev *t, struct tern_netdev *inner,
		  const char *name)
{
	memset(t, 0, sizeof(*t));
	tern_netdev_init(&t->dev, &tso_ops, name, inner->mac, inner->mtu);
	t->dev.offloads = TERN_NETDEV_TX_CSUM | TERN_NETDEV_TX_TSO4;
	t->dev.gso_max = TSO_DEV_MAX;
	t->inner = inner;
}
