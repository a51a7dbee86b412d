/*
 * tap_rx.c - receive on a TAP with IFF_VNET_HDR and TUN_F_CSUM |
 * TUN_F_TSO4: the kernel may send us a frame whose checksum it left
 * partial (VIRTIO_NET_HDR_F_NEEDS_CSUM, csum_start and csum_offset) or a
 * TCP/IPv4 super-frame of up to 64 KiB (GSO_TCPV4, gso_size payload bytes
 * per segment), so that one read() moves up to 64 KiB instead of one
 * frame. The stack must still see whole frames of at most the MTU, so each
 * frame is read into tap->overflow and handed out from there, a
 * super-frame cut into segments with their headers fixed up as Linux's
 * software GSO does (IPv4 total length, id + i, checksum; TCP sequence
 * number; FIN and PSH on the last, CWR on the first).
 *
 * Checksums: such frames come from the kernel's own stack, which left the
 * TCP or UDP checksum partial, so none is computed here. A partial frame
 * and every segment of a super-frame are flagged TERN_RX_CSUM_VALID
 * (dev.h) with the checksum field as the kernel left it (the
 * pseudo-header's sum; a segment keeps the super-frame's), and so is a
 * frame the kernel marked VIRTIO_NET_HDR_F_DATA_VALID (it verified the
 * checksum). The stack then skips its own verification. Costs one more
 * copy per frame than the plain path; saves a system call, the kernel's
 * segmentation and both sides' checksum passes per segment.
 *
 * The header's hdr_len is not trusted (Linux puts the linear part's length
 * there): the headers are parsed, every length checked against the bytes
 * read. A super-frame that is not TCP over IPv4 on Ethernet, or a partial
 * checksum outside the frame, is counted in rx_offload_dropped.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/net_wire.h" /* constants only: hosted/ links no stack */

#include "tap_int.h"

#define IP TERN_ETH_HLEN /* the IPv4 header's offset */

uint64_t tap_next(struct tern_waker *w)
{
	struct tern_tap *tap = tern_container_of(w, struct tern_tap, waker);

	return tap->stage_len ? 0 : TERN_NO_DEADLINE;
}

/* True if a partial checksum at start + off (from the virtio-net header)
 * lies inside a frame of len bytes, past the Ethernet header. */
static bool csum_in_frame(size_t len, size_t start, size_t off)
{
	return start >= TERN_ETH_HLEN && start + off + 2 <= len;
}

/* Sets tap's stage up for the super-frame in overflow (len bytes) with
 * gso_size gso: its header lengths, parsed and checked. False if it is not
 * TCP over IPv4 (no fragment) with room for a segment in an MTU. */
static bool stage_gso(struct tern_tap *tap, size_t len, uint16_t gso)
{
	const uint8_t *f = tap->overflow;
	size_t ihl, l4, hl;

	if (len < IP + TERN_IPV4_HLEN + TERN_TCP_HLEN || gso == 0 ||
	    tern_load_be16(f + 12) != TERN_ETHERTYPE_IPV4 ||
	    (f[IP] >> 4) != 4 || f[IP + 9] != TERN_IPPROTO_TCP ||
	    tern_load_be16(f + IP + 2) != len - IP ||
	    (tern_load_be16(f + IP + 6) & 0x3fff) != 0)
		return false;
	ihl = (size_t)(f[IP] & 0xf) * 4;
	l4 = IP + ihl;
	if (ihl < TERN_IPV4_HLEN || l4 + TERN_TCP_HLEN > len)
		return false;
	hl = l4 + (size_t)(f[l4 + 12] >> 4) * 4;
	if (hl < l4 + TERN_TCP_HLEN || hl >= len ||
	    hl + gso > (size_t)TERN_ETH_HLEN + tap->dev.mtu)
		return false;
	tap->stage_hl = (uint16_t)hl;
	tap->stage_l4 = (uint16_t)l4;
	tap->stage_gso = gso;
	tap->stage_off = (uint32_t)hl;
	tap->stage_seg = 0;
	tap->stage_len = (uint32_t)len;
	tap->rx_gso_frames++;
	return true;
}

/* Reads one frame into overflow and stages it. Returns 1 if a frame was
 * read (staged, or dropped and counted), 0 if none was waiting, -1 if the
 * descriptor failed. */
static int read_stage(struct tern_tap *tap)
{
	uint8_t h[VNET_HLEN];
	struct iovec iov[2] = {
		{ h, sizeof(h) },
		{ tap->overflow, sizeof(tap->overflow) },
	};
	ssize_t n;
	size_t len;

	do {
		n = readv(tap->fd, iov, 2);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n < VNET_HLEN + TERN_ETH_HLEN) {
		tap->rx_runts++;
		return 1;
	}
	len = (size_t)n - VNET_HLEN;
	if (len == sizeof(tap->overflow)) { /* maybe cut short */
		tap->dev.rx_dropped_too_long++;
		return 1;
	}
	if (h[1] == VNET_GSO_TCPV4) {
		if (!stage_gso(tap, len, tern_load_le16(h + 4)))
			tap->rx_offload_dropped++;
		return 1; /* every segment is flagged CSUM_VALID */
	}
	if (h[1] != 0 || ((h[0] & VNET_F_NEEDS_CSUM) &&
			  !csum_in_frame(len, tern_load_le16(h + 6),
					 tern_load_le16(h + 8)))) {
		tap->rx_offload_dropped++;
		return 1;
	}
	tap->stage_gso = 0;
	tap->stage_valid = h[0] & (VNET_F_NEEDS_CSUM | VNET_F_DATA_VALID);
	tap->stage_len = (uint32_t)len;
	return 1;
}

/* Fixes the headers of segment i of the staged super-frame, copied to s
 * with n payload bytes from payload offset off. The TCP checksum field is
 * left as the super-frame has it: the segment goes up flagged
 * TERN_RX_CSUM_VALID. */
static void fix_segment(const struct tern_tap *tap, uint8_t *s, size_t n,
			size_t off, bool last)
{
	const uint8_t *f = tap->overflow;
	size_t l4 = tap->stage_l4, hl = tap->stage_hl;

	tern_store_be16(s + IP + 2, (uint16_t)(hl - IP + n));
	tern_store_be16(s + IP + 4, (uint16_t)(tern_load_be16(f + IP + 4) +
					       tap->stage_seg));
	tern_store_be16(s + IP + 10, 0);
	tern_store_be16(s + IP + 10, tern_cksum(s + IP, l4 - IP));
	tern_store_be32(s + l4 + 4,
			tern_load_be32(f + l4 + 4) + (uint32_t)(off - hl));
	if (!last)
		s[l4 + 13] &= (uint8_t) ~(TERN_TCP_FIN | TERN_TCP_PSH);
	if (tap->stage_seg > 0)
		s[l4 + 13] &= (uint8_t)~0x80; /* CWR */
}

/* Hands the next frame of the stage to rx (the whole plain frame, or the
 * next segment), with its flags. Returns true if rx got one; false if it
 * was too long for rx's buffer (the stage is dropped, counted). */
static bool take(struct tern_tap *tap, struct tern_rx *rx)
{
	size_t len = tap->stage_len, n, hl = tap->stage_hl;
	bool last;

	if (tap->stage_gso == 0) {
		tap->stage_len = 0;
		if (len > rx->cap) {
			tap->dev.rx_dropped_too_long++;
			return false;
		}
		memcpy(rx->buf, tap->overflow, len);
		rx->len = len;
		rx->flags = tap->stage_valid ? TERN_RX_CSUM_VALID : 0;
		return true;
	}
	n = TERN_MIN((size_t)tap->stage_gso, len - tap->stage_off);
	last = tap->stage_off + n == len;
	if (hl + n > rx->cap) {
		tap->stage_len = 0;
		tap->dev.rx_dropped_too_long++;
		return false;
	}
	memcpy(rx->buf, tap->overflow, hl);
	memcpy((uint8_t *)rx->buf + hl, tap->overflow + tap->stage_off, n);
	fix_segment(tap, rx->buf, n, tap->stage_off, last);
	rx->len = hl + n;
	rx->flags = TERN_RX_CSUM_VALID;
	tap->stage_off += (uint32_t)n;
	tap->stage_seg++;
	if (last)
		tap->stage_len = 0;
	return true;
}

int tap_vnet_recv(struct tern_tap *tap, struct tern_rx *frames, unsigned count)
{
	unsigned got = 0;

	while (got < count) {
		if (tap->stage_len == 0) {
			int r = read_stage(tap);

			if (r < 0 && got == 0)
				return -TERN_EIO;
			if (r <= 0)
				break;
			continue;
		}
		if (take(tap, &frames[got])) {
			tap->rx_frames++;
			tap->rx_bytes += frames[got].len;
			got++;
		}
	}
	return (int)got;
}
