/*
 * tap.h - a Linux TAP interface as a Tern netdev.
 *
 * Tern's side of the link is the TAP file descriptor (IFF_TAP | IFF_NO_PI:
 * each read or write is one Ethernet frame; with IFF_VNET_HDR, which
 * tern_tap_open always sets, behind a virtio-net header that carries the
 * offloads the device then offers, TX_CSUM and TX_TSO4 up to
 * TERN_TAP_GSO_MAX bytes of IPv4 datagram, and those the kernel may use
 * towards us: partial checksums, which the device completes, and TCP/IPv4
 * super-frames, which it cuts into segments of at most the MTU, so the
 * stack only ever receives whole, checksummed frames); the kernel's side is the
 * network interface of the same name, with its own MAC and IP addresses.
 * The device takes a random locally administered MAC of its own, distinct
 * from the kernel interface's MAC.
 *
 * The descriptor is non-blocking and registered as a tern_waker, so
 * tern_wait() returns as soon as the kernel queues a frame. Sends are one
 * writev() per frame (the TAP write path takes exactly one frame per call;
 * a TSO super-frame is one call for up to 64 KiB); receives are one readv()
 * per frame, or per super-frame from the kernel (then cut into frames of
 * at most the MTU), until the batch is full or nothing is waiting.
 *
 * The storage of a struct tern_tap belongs to the caller (about 64 KiB,
 * mostly the scratch space that catches oversized frames so they are counted
 * instead of silently truncated). tern_netdev_close() releases the
 * descriptor and the waker, not the storage. When an open function fails,
 * nothing is held and nothing needs closing.
 *
 * Errors on send: a frame written while the kernel side is down is lost
 * and counted (tx_link_down), as on an unplugged cable; a full queue makes
 * send() return the frames accepted so far; any other failure of the
 * descriptor is -TERN_EIO.
 */
#ifndef TERN_HOSTED_TAP_H
#define TERN_HOSTED_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/dev.h"
#include "tern/hosted.h"

#define TERN_TAP_IFNAME_MAX 16 /* IFNAMSIZ, including the NUL */

/* Flags for tern_tap_open(). */
#define TERN_TAP_ATTACH 1u /* use an existing interface */
#define TERN_TAP_CREATE 2u /* create the interface (gone when closed) */

/* The largest IPv4 datagram of a TSO super-frame written to the TAP. */
#define TERN_TAP_GSO_MAX 65535

/* Largest frame the kernel can hand a TAP reader: MTU 65535 plus headers. */
#define TERN_TAP_OVERFLOW_MAX (65536 + 64)

struct tern_tap {
	struct tern_netdev dev;	 /* first: the netdev the stack uses */
	struct tern_waker waker; /* fd readable: frames waiting */
	int fd;			 /* -1 once closed */
	char ifname[TERN_TAP_IFNAME_MAX];
	bool created; /* we created the interface */
	bool vnet;    /* IFF_VNET_HDR: frames behind virtio-net headers */

	/* With vnet: a frame read into overflow, being handed out. */
	uint32_t stage_len; /* its bytes; 0: none */
	uint32_t stage_off; /* the next payload byte to hand out */
	uint16_t stage_hl;  /* a super-frame's header bytes ... */
	uint16_t stage_l4;  /* ... its TCP header's offset ... */
	uint16_t stage_gso; /* ... payload per segment; 0: a plain frame */
	uint16_t stage_seg; /* segments handed out */
	bool stage_valid;   /* a plain frame: hand it out CSUM_VALID */

	/* Counters (read them any time). */
	uint64_t rx_frames;
	uint64_t rx_bytes;
	uint64_t rx_runts;	     /* shorter than an Ethernet header */
	uint64_t rx_offload_dropped; /* offload not TCP/IPv4, or malformed */
	uint64_t rx_gso_frames;	     /* super-frames cut into rx_frames */
	uint64_t tx_frames;
	uint64_t tx_bytes;	/* frame bytes, without virtio-net headers */
	uint64_t tx_tso_frames; /* TSO super-frames among tx_frames */
	uint64_t tx_link_down;	/* frames lost: the interface was down */
	uint64_t tx_errors;	/* frames the kernel refused (lost) */

	/* Receives the tail of a frame longer than the caller's buffer;
	 * with vnet, every frame (see stage_len). */
	uint8_t overflow[TERN_TAP_OVERFLOW_MAX];
};

/* Opens TAP interface ifname (at most 15 characters) in the current network
 * namespace. flags: TERN_TAP_ATTACH to require an existing interface,
 * TERN_TAP_CREATE to require a new one, both for either. name is the
 * netdev's name (NULL: "tap:IFNAME", truncated to TERN_DEV_NAME_MAX - 1).
 * The MTU is the interface's (capped at the largest frame Tern handles).
 * Returns 0, or:
 *   -TERN_EINVAL   ifname empty or too long, or flags is 0
 *   -TERN_ENOENT   TERN_TAP_ATTACH only and no such interface
 *   -TERN_EEXIST   TERN_TAP_CREATE only and the interface exists
 *   -TERN_EBUSY    the interface exists but is not a free TAP (a TUN, a
 *                  non-tun device, or a single-queue TAP already open)
 *   -TERN_ENODEV   /dev/net/tun is missing or not permitted
 *   -TERN_EIO      any other failure */
TERN_API int tern_tap_open(struct tern_tap *tap, const char *ifname,
			   unsigned flags, const char *name);

/* Adopts fd, a TAP descriptor already attached with TUNSETIFF (IFF_TAP |
 * IFF_NO_PI, with or without IFF_VNET_HDR: the offloads are offered with
 * it), for example one opened inside another network namespace by
 * tern_netns_tap(). Takes ownership of fd on success and on failure. mtu 0
 * means 1500. Returns 0, or -TERN_EINVAL if fd is not such a descriptor
 * (or its virtio-net header cannot be set up). */
TERN_API int tern_tap_adopt(struct tern_tap *tap, int fd, uint16_t mtu,
			    const char *name);

#endif
