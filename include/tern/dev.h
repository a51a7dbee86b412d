/*
 * dev.h - the device interface: the one boundary between Tern's components
 * and the world they run in.
 *
 * Everything in components/ is written only against this header. hosted/
 * implements it on Linux (TAP, pcap, memlink, wire, disk-image files, the host
 * clock); guest/ implements it on x86_64 virtio hardware. Two mechanisms:
 *
 *   Platform services (clock, entropy, console, memory, wait, halt) are plain
 *   functions chosen at link time. hosted/ and guest/ each define every one;
 *   a missing one fails the link. One platform per image.
 *
 *   Devices (netdev, blkdev) are small ops tables, because one process may
 *   hold several live instances (two stacks joined by a memlink in a test)
 *   and wrappers stack over any device (pcap recording, fault injection).
 *   Components call devices only through the tern_netdev_* and tern_blkdev_*
 *   wrappers below, which check the contract.
 *
 * Time is always nanoseconds in a uint64_t. TERN_NO_DEADLINE means never.
 */
#ifndef TERN_DEV_H
#define TERN_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/err.h"

/* ---------------------------------------------------------------------------
 * Platform services (defined by hosted/ or guest/, chosen at link time)
 * ------------------------------------------------------------------------- */

/* Monotonic time in nanoseconds since an arbitrary origin; never goes back.
 * Under the hosted virtual clock it changes only when a test advances it or
 * tern_wait() jumps it to a deadline. */
TERN_API uint64_t tern_clock_monotonic(void);

/* Wall-clock time in nanoseconds since 1970-01-01 UTC; may jump. */
TERN_API uint64_t tern_clock_wall(void);

/* Fills buf with len random bytes suitable for keys (ISNs, DNS ids, ports).
 * Returns 0, or -TERN_EIO if the source failed (buf is then unspecified). */
TERN_API int tern_entropy(void *buf, size_t len);

/* Writes len bytes to the console (stderr hosted, COM1 guest). Never fails
 * from the caller's point of view; bytes may be dropped if the console is
 * gone. Not for bulk data. */
TERN_API void tern_console_write(const char *buf, size_t len);

/* Blocks until a device may have work or the monotonic clock reaches
 * deadline, whichever is first; returns early on a stop request. Spurious
 * returns are allowed: the caller polls its devices and calls again.
 * Returns 0, or -TERN_EDEADLK if nothing can ever wake the caller (deadline
 * is TERN_NO_DEADLINE and no device can produce work: the virtual clock with
 * only idle in-memory devices). */
TERN_API int tern_wait(uint64_t deadline);

/* True once the platform was asked to stop (SIGINT or SIGTERM hosted). The
 * event loop returns when it sees it. */
TERN_API bool tern_stop_requested(void);

/* Takes the stop request: tern_stop_requested() is false again until the
 * next one (a second SIGINT/SIGTERM, Ctrl-C). For an app that drains
 * before it ends: it clears the request, runs its loop until the work in
 * progress is done, and treats a second request as "stop now". */
TERN_API void tern_stop_clear(void);

/* Whole pages for pools sized at start-up. Returns zeroed, page-aligned
 * memory of at least size bytes, or NULL when memory is exhausted. Not for
 * per-packet or per-block use. tern_mem_free() takes the same size. */
TERN_API void *tern_mem_alloc(size_t size);

/* Like tern_mem_alloc(), but the contents are undefined: for buffers that
 * are always written before they are read (frame pools, send rings). The
 * guest does not zero them, which under QEMU's TCG saves about a
 * millisecond per 2 MiB at start-up. Free with tern_mem_free(). */
TERN_API void *tern_mem_alloc_buffers(size_t size);
TERN_API void tern_mem_free(void *mem, size_t size);

/* A fiber stack. base..base+size is usable; overflow below base is caught:
 * by a guard page hosted (the process dies with a message), by a canary at
 * the lowest word that the scheduler checks at every switch in the guest. */
struct tern_stack {
	void *base;	  /* lowest usable address */
	size_t size;	  /* usable bytes, a multiple of 16 */
	void *mapping;	  /* platform bookkeeping: the whole allocation */
	size_t map_size;  /* platform bookkeeping */
	unsigned plat_id; /* platform bookkeeping (Valgrind's stack id hosted) */
};

/* Allocates a stack of at least size usable bytes. Returns 0 or
 * -TERN_ENOMEM. tern_stack_free() releases it; the stack must not be in use. */
TERN_API int tern_stack_alloc(struct tern_stack *stack, size_t size);
TERN_API void tern_stack_free(struct tern_stack *stack);

/* The value stored in the lowest word of every stack; a different value
 * means the stack overflowed. */
#define TERN_STACK_CANARY 0x5465726e53746b21ull /* "Tern Stk!" */

/* Ends the image: exit(status) hosted, isa-debug-exit (then halt) guest. */
TERN_API _Noreturn void tern_halt(int status);

/* Ends the image after a fatal error (a failed assertion, a stack overflow):
 * abort() hosted, so gdb and the sanitizers see where; a backtrace on the
 * console and a failing isa-debug-exit guest. */
TERN_API _Noreturn void tern_abort(void);

/* ---------------------------------------------------------------------------
 * Network devices
 * ------------------------------------------------------------------------- */

#define TERN_ETH_ALEN 6
#define TERN_ETH_HLEN 14	  /* destination, source, EtherType */
#define TERN_ETH_MTU_DEFAULT 1500 /* payload bytes after the header */
#define TERN_ETH_FRAME_MAX (TERN_ETH_HLEN + 4 + 9000) /* VLAN tag, jumbo */
#define TERN_DEV_NAME_MAX 16 /* including the terminating NUL */

/* Offloads: work a device does on frames it sends, advertised in
 * tern_netdev.offloads. The stack asks for one only on a device that
 * advertises it, so a device without offloads only ever sees frames whose
 * tern_tx.off is all zero. The fields are those of virtio-net's struct
 * virtio_net_hdr (flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset; VIRTIO_NET_F_CSUM and _HOST_TSO4), so a TAP with
 * IFF_VNET_HDR and a virtio-net driver pass them on as they are.
 *
 *   TERN_NETDEV_TX_CSUM  completes a checksum for a frame with
 *                        TERN_TX_NEEDS_CSUM: the one's complement sum of
 *                        the bytes from csum_start to the frame's end
 *                        (the stored field included), inverted, stored
 *                        big-endian at csum_start + csum_offset. The
 *                        sender puts the pseudo-header's sum there
 *                        (folded, not inverted), as virtio expects.
 *   TERN_NETDEV_TX_TSO4  cuts a frame with gso_type TERN_GSO_TCPV4 - one
 *                        Ethernet, IPv4 (no options) and TCP header,
 *                        hdr_len bytes in all, then the payload - into
 *                        segments of gso_size payload bytes (the last may
 *                        be shorter), each with the headers copied and
 *                        fixed up as Linux's and virtio's TSO do: IPv4
 *                        total length, id + i and checksum; TCP sequence
 *                        number + offset; FIN and PSH only on the last,
 *                        CWR only on the first; each TCP checksum
 *                        completed as for TX_CSUM (so such a frame has
 *                        TERN_TX_NEEDS_CSUM too, its pseudo-header sum
 *                        over the whole frame's TCP length, which the
 *                        device adjusts per segment). A device with
 *                        TX_TSO4 also has TX_CSUM and sets gso_max. */
#define TERN_NETDEV_TX_CSUM 0x1u
#define TERN_NETDEV_TX_TSO4 0x2u

#define TERN_TX_NEEDS_CSUM 0x1 /* tern_tx_offload.flags */
#define TERN_GSO_NONE 0	       /* tern_tx_offload.gso_type */
#define TERN_GSO_TCPV4 1

/* The offload a frame asks for; all zero for none. Offsets are bytes from
 * the first byte of the frame (its Ethernet header). */
struct tern_tx_offload {
	uint8_t flags;	      /* TERN_TX_NEEDS_CSUM */
	uint8_t gso_type;     /* TERN_GSO_NONE, TERN_GSO_TCPV4 */
	uint16_t hdr_len;     /* with gso: Ethernet + IPv4 + TCP header bytes */
	uint16_t gso_size;    /* with gso: payload bytes per segment, > 0 */
	uint16_t csum_start;  /* with NEEDS_CSUM: first summed byte */
	uint16_t csum_offset; /* with NEEDS_CSUM: the field, from csum_start */
};

/* One frame to send: the concatenation of iovcnt pieces. The total must be
 * at least TERN_ETH_HLEN and at most TERN_ETH_HLEN + mtu, or, with gso_type
 * TERN_GSO_TCPV4, at most the device's gso_max. Frames carry no FCS; a
 * device pads short frames itself if its medium needs it. */
struct tern_tx {
	const struct tern_iov *iov;
	unsigned iovcnt;
	struct tern_tx_offload off; /* zero unless the device offers it */
};

/* Receive offload: what a device tells the stack about a frame it
 * received, in tern_rx.flags. tern_netdev_recv() clears flags before it
 * calls the device, so a device that knows nothing more never sets it and
 * every frame is verified in full.
 *
 *   TERN_RX_CSUM_VALID   the frame's TCP or UDP checksum was verified (by
 *                        the device or a host that did), or the frame
 *                        comes from a trusted local sender that left it
 *                        partial as TX_CSUM would (the checksum field may
 *                        then hold only the pseudo-header's sum, as in
 *                        Linux's CHECKSUM_PARTIAL and CHECKSUM_UNNECESSARY
 *                        and virtio-net's VIRTIO_NET_HDR_F_NEEDS_CSUM and
 *                        _DATA_VALID). The stack then skips only the TCP
 *                        and UDP checksum verification; every length is
 *                        still checked, and the IPv4 header checksum still
 *                        verified. A device sets it only where it knows
 *                        this (the hosted TAP, from the kernel's
 *                        virtio-net header), never for bytes from a wire,
 *                        a file or a fault injector. A wrapper that copies
 *                        frames out (the pcap recorder) completes the
 *                        checksum in what it keeps. */
#define TERN_RX_CSUM_VALID 0x1u

/* One buffer to receive a frame into. The caller sets buf and cap (at least
 * TERN_ETH_HLEN + mtu); the device sets len, and flags (TERN_RX_*) where it
 * has more to say about the frame. */
struct tern_rx {
	void *buf;
	size_t cap;
	size_t len;
	unsigned flags;
};

struct tern_netdev;

struct tern_netdev_ops {
	/* Sends up to count frames, in order. The device copies (or finishes
	 * with) every accepted frame's bytes before returning: the caller keeps
	 * ownership of its buffers. Returns the number of frames accepted, from
	 * 0 (the transmit queue is full: try later) to count, or -TERN_EIO if
	 * the device failed. A frame that was accepted may still be lost on the
	 * wire, as on any Ethernet. */
	int (*send)(struct tern_netdev *dev, const struct tern_tx *frames,
		    unsigned count);

	/* Receives up to count frames into the caller's buffers, in arrival
	 * order. Returns the number received (0: nothing waiting), or -TERN_EIO
	 * if the device failed. A frame longer than its buffer's cap is dropped
	 * and counted by the device, never truncated. */
	int (*recv)(struct tern_netdev *dev, struct tern_rx *frames,
		    unsigned count);

	/* Releases the device and everything it owns. May be NULL. */
	void (*close)(struct tern_netdev *dev);

	/* Says whether the consumer can take frames (paused false) or has no
	 * buffer to receive into (paused true). While paused, frames waiting
	 * in the device do not end tern_wait(): they stay queued (or are
	 * dropped as by a full queue), so a consumer out of buffers sleeps
	 * until its deadline instead of spinning on work it cannot take. The
	 * consumer unpauses, then polls, once it has buffers again. May be
	 * NULL: waiting frames then keep ending tern_wait(). */
	void (*rx_pause)(struct tern_netdev *dev, bool paused);
};

/* A network device. Implementations embed it as the first member of their
 * own structure and recover it with tern_container_of(). */
struct tern_netdev {
	const struct tern_netdev_ops *ops;
	char name[TERN_DEV_NAME_MAX]; /* stable: "net0", "tap0", "link.a" */
	uint8_t mac[TERN_ETH_ALEN];
	uint16_t mtu;		      /* payload bytes; frame max = 14 + mtu */
	uint32_t offloads;	      /* TERN_NETDEV_TX_*; 0 from init */
	uint32_t gso_max;	      /* with TX_TSO4: largest frame, bytes */
	uint64_t rx_dropped_too_long; /* frames longer than a buffer's cap */
};

/* Fills the common fields of a device: ops, a NUL-terminated copy of name
 * (truncated to TERN_DEV_NAME_MAX - 1), mac and mtu; no offloads (a device
 * that has some sets offloads and gso_max afterwards). A wrapper stacked
 * over a device offers only what it handles itself. */
TERN_API void tern_netdev_init(struct tern_netdev *dev,
			       const struct tern_netdev_ops *ops,
			       const char *name,
			       const uint8_t mac[TERN_ETH_ALEN], uint16_t mtu);

/* Sends a batch of frames; see tern_netdev_ops.send. Asserts that every
 * frame is between TERN_ETH_HLEN and TERN_ETH_HLEN + mtu bytes (gso_max
 * for a TSO frame) and asks only for offloads the device offers, with
 * offsets inside the frame (a TSO frame: hdr_len below its length, the
 * checksum field inside the headers, gso_size > 0). */
TERN_API int tern_netdev_send(struct tern_netdev *dev,
			      const struct tern_tx *frames, unsigned count);

/* Sends one frame gathered from iovcnt pieces. Returns 1 if accepted, 0 if
 * the transmit queue is full, -TERN_EIO if the device failed. */
TERN_API int tern_netdev_send1(struct tern_netdev *dev,
			       const struct tern_iov *iov, unsigned iovcnt);

/* Pauses or resumes the device's wake-ups for received frames; see
 * tern_netdev_ops.rx_pause. A no-op for a device without the op. */
TERN_API void tern_netdev_rx_pause(struct tern_netdev *dev, bool paused);

/* Receives a batch of frames; see tern_netdev_ops.recv. Asserts that every
 * buffer can hold a frame of TERN_ETH_HLEN + mtu bytes; sets every
 * buffer's len and flags to 0 before the device fills them. */
TERN_API int tern_netdev_recv(struct tern_netdev *dev, struct tern_rx *frames,
			      unsigned count);

/* Total length of a frame to send. */
TERN_API size_t tern_tx_len(const struct tern_tx *frame);

/* Copies a gathered frame into dst (cap bytes). Returns the frame length,
 * or -TERN_EMSGSIZE if it does not fit (dst is then unspecified). Helper for
 * devices that send one contiguous buffer. */
TERN_API int tern_tx_flatten(const struct tern_tx *frame, void *dst,
			     size_t cap);

/* Closes dev through its ops (no-op if close is NULL). */
TERN_API void tern_netdev_close(struct tern_netdev *dev);

/* ---------------------------------------------------------------------------
 * Block devices
 *
 * Requests are asynchronous. submit() queues a request; its completion is
 * reported later by tern_blkdev_poll(), which calls the request's done()
 * callback with status set. A completion is never reported from inside
 * submit(), so callers need not be re-entrant. A synchronous backend does the
 * I/O inside submit() and reports it at the next poll.
 *
 * Durability contract:
 *   - A write is durable once (1) its completion reported status 0 and
 *     (2) a flush submitted after that completion reported status 0.
 *   - A power cut (or crash) may lose any write not covered by such a flush,
 *     wholly or partly: a multi-sector write may land as any subset of its
 *     sectors, each sector whole (sector writes are atomic).
 *   - An I/O error is reported as a negative status on the request it
 *     concerns, never dropped. A failed write leaves its sectors' contents
 *     unspecified (some of them may have landed: a "torn" write). A failed
 *     flush means earlier completed writes may not be durable.
 *   - Requests in flight at the same time may complete and land in any order;
 *     a caller that needs order waits for the completion first.
 * ------------------------------------------------------------------------- */

enum tern_blk_op {
	TERN_BLK_READ,
	TERN_BLK_WRITE,
	TERN_BLK_FLUSH,
};

struct tern_blk_req;

/* One buffer of a scattered request: count sectors at buf. */
struct tern_blk_seg {
	void *buf;
	uint32_t count;
};

/* Called once per request, from tern_blkdev_poll(), with req->status set. The
 * request and its buffer belong to the caller again from this call on. */
typedef void (*tern_blk_done_fn)(struct tern_blk_req *req);

struct tern_blk_req {
	/* Set by the caller before submit. */
	enum tern_blk_op op;
	uint64_t sector; /* first sector (ignored by FLUSH) */
	uint32_t count;	 /* sectors in all (0 for FLUSH) */
	void *buf;	 /* count * sector_size bytes, when nsegs is 0
				  (NULL for FLUSH) */
	const struct tern_blk_seg *segs; /* else nsegs buffers, in disk
				  order, whose counts add up to count */
	uint32_t nsegs; /* 0: one buffer, buf; at most max_segments */
	tern_blk_done_fn done;
	void *ctx; /* for the caller; the device never touches it */

	/* Set by the device at completion. */
	int status; /* 0, -TERN_EIO, or -TERN_EINVAL */

	/* Device-private while the request is in flight. */
	struct tern_blk_req *dev_next;
	uint64_t dev_data;
};

struct tern_blkdev;

struct tern_blkdev_ops {
	/* Queues req. Returns 0 (the device owns req until done() is called),
	 * -TERN_EAGAIN if the queue is full (req is not queued; try after the
	 * next poll), or -TERN_EINVAL if the range is outside the device (req
	 * is not queued). */
	int (*submit)(struct tern_blkdev *dev, struct tern_blk_req *req);

	/* Reports finished requests by calling their done() callbacks. Returns
	 * the number reported (0 if none). */
	int (*poll)(struct tern_blkdev *dev);

	/* Requests submitted and not yet reported. */
	unsigned (*pending)(const struct tern_blkdev *dev);

	/* Releases the device. No request may be in flight. May be NULL. */
	void (*close)(struct tern_blkdev *dev);
};

struct tern_blkdev {
	const struct tern_blkdev_ops *ops;
	char name[TERN_DEV_NAME_MAX]; /* stable: "blk0", "disk.img" */
	uint32_t sector_size;	      /* bytes, a power of two >= 512 */
	uint64_t sector_count;
	uint32_t max_sectors;  /* per request; 0 = no limit */
	uint32_t max_segments; /* segs per request: 1 (the default of
					  tern_blkdev_init) means buf only */
};

/* Fills the common fields of a block device; max_segments is 1 (a device
 * that takes scattered requests raises it afterwards). */
TERN_API void tern_blkdev_init(struct tern_blkdev *dev,
			       const struct tern_blkdev_ops *ops,
			       const char *name, uint32_t sector_size,
			       uint64_t sector_count, uint32_t max_sectors);

/* Submits req; see tern_blkdev_ops.submit. Returns -TERN_EINVAL without
 * calling the device if the range is out of bounds, count exceeds
 * max_sectors, nsegs exceeds max_segments, or the segments' counts do not
 * add up to count (or one is 0). Asserts req->done is set and, for READ and
 * WRITE, buf (or every segment's buf) is set. */
TERN_API int tern_blkdev_submit(struct tern_blkdev *dev,
				struct tern_blk_req *req);

/* The buffers of a READ or WRITE as segments: req->segs, or *one made of
 * req->buf and req->count. Sets *n to their number. For devices. */
TERN_API const struct tern_blk_seg *
tern_blk_req_segs(const struct tern_blk_req *req, struct tern_blk_seg *one,
		  uint32_t *n);

/* Address of the request's sector i (0 <= i < count) in its buffers, with
 * sector size ss. O(nsegs); for devices that copy sector by sector. */
TERN_API uint8_t *tern_blk_req_sector(const struct tern_blk_req *req,
				      uint32_t ss, uint32_t i);

/* Reports completions; see tern_blkdev_ops.poll. */
TERN_API int tern_blkdev_poll(struct tern_blkdev *dev);

/* Requests in flight on dev. */
TERN_API unsigned tern_blkdev_pending(const struct tern_blkdev *dev);

/* Closes dev through its ops (no-op if close is NULL). */
TERN_API void tern_blkdev_close(struct tern_blkdev *dev);

#endif
