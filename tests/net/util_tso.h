/*
 * util_tso.h - a netdev offering TX_CSUM and TX_TSO4 (dev.h) over another
 * one, doing both in software: the reference for the offload contract and
 * the rig of the TSO tests.
 *
 * Every frame the stack hands it is checked against dev.h's contract and
 * the layout TCP promises (one Ethernet, IPv4 without options and TCP
 * header, hdr_len bytes; csum_start at the TCP header, csum_offset 16;
 * the partial checksum the pseudo-header's sum over the whole TCP
 * length); a frame that breaks it is counted in bad and dropped. Good
 * frames are cut into gso_size segments with their headers fixed up as
 * Linux's and virtio's TSO do, their checksums completed, and sent on the
 * inner device one by one; a segment the inner device refuses is counted
 * in seg_refused (lost, as on a wire). Receive and rx_pause pass through.
 */
#ifndef TERN_TESTS_NET_UTIL_TSO_H
#define TERN_TESTS_NET_UTIL_TSO_H

#include <stdint.h>

#include "tern/dev.h"

#define TSO_DEV_MAX (TERN_ETH_HLEN + 65535) /* gso_max */

struct tso_dev {
	struct tern_netdev dev; /* first */
	struct tern_netdev *inner;
	uint64_t frames;      /* frames taken */
	uint64_t tso_frames;  /* ... of them super-frames */
	uint64_t csum_frames; /* ... with NEEDS_CSUM */
	uint64_t segments;    /* frames sent on the inner device */
	uint64_t seg_refused; /* ... refused by it */
	uint64_t bad;	      /* frames breaking the contract (dropped) */
	uint32_t gso_size_min, gso_size_max; /* over the super-frames */
	uint32_t longest;		     /* longest super-frame, bytes */
	uint8_t frame[TSO_DEV_MAX];	     /* the frame being cut */
	uint8_t seg[TERN_ETH_FRAME_MAX];     /* one segment */
};

/* Wraps inner (which must outlive t) as device name; same MAC and MTU. */
void tso_dev_init(struct tso_dev *t, struct tern_netdev *inner,
		  const char *name);

#endif
