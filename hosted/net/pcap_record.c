/*
 * pcap_record.c - a netdev wrapper that records every frame it passes to a
 * pcap file through libpcap (format, timestamps and direction: pcap.h).
 *
 * Costs per frame: one copy (gathered frames are flattened for
 * pcap_dump), one clock read per batch, and one flush per batch; a
 * received frame flagged TERN_RX_CSUM_VALID also one checksum pass.
 */
#include <pcap/pcap.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/hosted/pcap.h"
#include "tern/log.h"
#include "tern/net_wire.h" /* constants only: hosted/ links no stack */

#define IP TERN_ETH_HLEN /* the IPv4 header's offset */

static struct tern_pcap_rec *to_rec(struct tern_netdev *dev)
{
	return tern_container_of(dev, struct tern_pcap_rec, dev);
}

/* Appends one frame stamped with wall-clock time t (nanoseconds). */
static void dump(struct tern_pcap_rec *rec, uint64_t t, const uint8_t *data,
		 size_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(t / TERN_NSEC_PER_SEC);
	h.ts.tv_usec = (suseconds_t)(t % TERN_NSEC_PER_SEC); /* nano file */
	h.caplen = (bpf_u_int32)TERN_MIN(len, (size_t)TERN_PCAP_SNAPLEN);
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)rec->dumper, &h, data);
}

/* Completes, in place, the TCP or UDP checksum of the received frame f
 * (len bytes), one flagged TERN_RX_CSUM_VALID whose field the sender may
 * have left partial, so that the capture shows a valid checksum (the
 * stack does not read the field of such a frame). Touches only an
 * unfragmented IPv4 datagram whose lengths fit the frame; leaves anything
 * else as it is. */
static void complete_csum(uint8_t *f, size_t len)
{
	size_t ihl, l4, end, field;
	struct tern_csum c;
	uint16_t sum;
	uint8_t proto;

	if (len < IP + TERN_IPV4_HLEN ||
	    tern_load_be16(f + 12) != TERN_ETHERTYPE_IPV4 ||
	    (f[IP] >> 4) != 4 || (tern_load_be16(f + IP + 6) & 0x3fff) != 0)
		return;
	ihl = (size_t)(f[IP] & 0xf) * 4;
	l4 = IP + ihl;
	end = IP + tern_load_be16(f + IP + 2);
	proto = f[IP + 9];
	if (proto == TERN_IPPROTO_TCP)
		field = l4 + 16;
	else if (proto == TERN_IPPROTO_UDP)
		field = l4 + 6;
	else
		return;
	if (ihl < TERN_IPV4_HLEN || end > len || field + 2 > end)
		return;
	tern_store_be16(f + field, 0);
	tern_csum_init(&c); /* the pseudo-header: addresses, protocol, length */
	tern_csum_add(&c, f + IP + 12, 8);
	tern_csum_add_be16(&c, proto);
	tern_csum_add_be16(&c, (uint16_t)(end - l4));
	tern_csum_add(&c, f + l4, end - l4);
	sum = tern_csum_finish(&c);
	if (sum == 0 && proto == TERN_IPPROTO_UDP)
		sum = 0xffff; /* 0 would mean "no checksum" */
	tern_store_be16(f + field, sum);
}

static void flush(struct tern_pcap_rec *rec)
{
	if (pcap_dump_flush(rec->dumper) < 0)
		rec->write_errors++;
}

static int rec_send(struct tern_netdev *dev, const struct tern_tx *frames,
		    unsigned count)
{
	struct tern_pcap_rec *rec = to_rec(dev);
	uint64_t t = tern_clock_wall();
	int n = tern_netdev_send(rec->inner, frames, count);

	for (int i = 0; i < n; i++) {
		int len = tern_tx_flatten(&frames[i], rec->scratch,
					  sizeof(rec->scratch));

		TERN_ASSERT(len >= 0); /* tern_netdev_send checked the size */
		dump(rec, t, rec->scratch, (size_t)len);
		rec->frames_sent++;
	}
	if (n > 0)
		flush(rec);
	return n;
}

static int rec_recv(struct tern_netdev *dev, struct tern_rx *frames,
		    unsigned count)
{
	struct tern_pcap_rec *rec = to_rec(dev);
	int n = tern_netdev_recv(rec->inner, frames, count);
	uint64_t t = tern_clock_wall();

	dev->rx_dropped_too_long = rec->inner->rx_dropped_too_long;
	for (int i = 0; i < n; i++) {
		if (frames[i].flags & TERN_RX_CSUM_VALID)
			complete_csum(frames[i].buf, frames[i].len);
		dump(rec, t, frames[i].buf, frames[i].len);
		rec->frames_received++;
	}
	if (n > 0)
		flush(rec);
	return n;
}

static void rec_close(struct tern_netdev *dev)
{
	struct tern_pcap_rec *rec = to_rec(dev);

	if (rec->dumper) {
		flush(rec);
		pcap_dump_close(rec->dumper);
		rec->dumper = NULL;
	}
	if (rec->pcap) {
		pcap_close(rec->pcap);
		rec->pcap = NULL;
	}
	if (rec->inner) {
		tern_netdev_close(rec->inner);
		rec->inner = NULL;
	}
}

/* netdev rx_pause: the inner device holds the frames. */
static void rec_rx_pause(struct tern_netdev *dev, bool paused)
{
	tern_netdev_rx_pause(to_rec(dev)->inner, paused);
}

static const struct tern_netdev_ops rec_ops = {
	.send = rec_send,
	.recv = rec_recv,
	.close = rec_close,
	.rx_pause = rec_rx_pause,
};

int tern_pcap_rec_open(struct tern_pcap_rec *rec, struct tern_netdev *inner,
		       const char *path)
{
	memset(rec, 0, offsetof(struct tern_pcap_rec, scratch));
	rec->pcap = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, TERN_PCAP_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	if (!rec->pcap) {
		tern_log_error("pcap: cannot open a libpcap handle");
		return -TERN_EIO;
	}
	rec->dumper = pcap_dump_open(rec->pcap, path);
	if (!rec->dumper) {
		tern_log_error("pcap: %s", pcap_geterr(rec->pcap));
		pcap_close(rec->pcap);
		rec->pcap = NULL;
		return -TERN_EIO;
	}
	/* The header reaches the file now, so an empty recording is valid. */
	flush(rec);
	tern_netdev_init(&rec->dev, &rec_ops, inner->name, inner->mac,
			 inner->mtu);
	rec->inner = inner;
	return 0;
}
