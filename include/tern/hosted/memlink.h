/*
 * memlink.h - two network devices joined in memory, with seeded faults.
 *
 * A memlink is a point-to-point Ethernet segment inside one process: what
 * end a sends, end b receives, and the other way round. Component tests put
 * two stacks on the ends and run them under the virtual clock; every fault
 * is drawn from a PRNG seeded by the caller and every delay is measured on
 * tern_clock_monotonic(), so a run replays bit for bit from its seed.
 *
 * Each direction (TERN_MEMLINK_AB: sent by a, received by b; TERN_MEMLINK_BA
 * the reverse) has its own faults, counters, PRNG and a pool of frame slots
 * sized at creation; nothing is allocated after tern_memlink_create(). A
 * frame sent at time `now` goes through these steps, in this order:
 *
 *   1. loss         dropped with probability loss_ppm (before the queue,
 *                   like netem: a lost frame does not use the link's rate);
 *   2. queue        with a rate limit, a frame that finds queue_limit frames
 *                   waiting for or in serialization is tail-dropped;
 *   3. slot         the frame is copied into a free slot; with no free slot
 *                   it is dropped (counted as nobuf): the far end is not
 *                   reading fast enough, as with a full receive ring;
 *   4. rate         serialized at rate bytes/s after the frames before it:
 *                   depart = max(now, busy until) + ceil(len * 1e9 / rate);
 *   5. delay        deliver_at = depart + delay_ns + uniform[0, jitter_ns];
 *   6. reorder      with probability reorder_ppm the frame is held back a
 *                   further reorder_ns, so frames sent after it overtake it.
 *                   Frames not held back keep their order: jitter alone
 *                   never reorders (deliver_at is at least the previous
 *                   in-order frame's);
 *   7. duplicate    with probability dup_ppm a second copy is delivered
 *                   right after the frame (same deliver_at; needs a slot);
 *   8. corrupt      each copy independently, with probability corrupt_ppm,
 *                   gets corrupt_bits distinct bits flipped.
 *
 * The far end's recv() returns frames whose deliver_at has come, in
 * deliver_at order (ties in send order). A frame waits in its slot until
 * received. send() therefore never returns 0: the link accepts every frame
 * and loses some of them, as a wire does. Both ends have the same MTU.
 *
 * The link registers a tern_waker whose next() is the earliest deliver_at
 * of any frame not yet received, so tern_wait() under the virtual clock
 * jumps exactly to the next delivery.
 *
 * Tracing: an optional callback sees every event (send, each drop, each
 * fault, each delivery) with the time and a hash of the frame's bytes; two
 * runs from the same seed give the same sequence of events.
 */
#ifndef TERN_HOSTED_MEMLINK_H
#define TERN_HOSTED_MEMLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/dev.h"
#include "tern/hosted.h"
#include "tern/list.h"
#include "tern/rand.h"

#define TERN_MEMLINK_AB 0 /* frames sent by end a, received by end b */
#define TERN_MEMLINK_BA 1 /* frames sent by end b, received by end a */

#define TERN_MEMLINK_FRAMES_DEFAULT 256 /* slots per direction */
#define TERN_MEMLINK_CORRUPT_BITS_MAX 64
#define TERN_MEMLINK_NAME_MAX (TERN_DEV_NAME_MAX - 3) /* chars; NAME + ".a" */

/* The faults of one direction. All zero: a perfect, instant link. Every
 * probability is in parts per million (0..1,000,000). */
struct tern_memlink_faults {
	uint32_t loss_ppm;
	uint32_t dup_ppm;
	uint32_t reorder_ppm;
	uint64_t reorder_ns; /* extra hold of a reordered frame */
	uint32_t corrupt_ppm;
	uint32_t corrupt_bits; /* bits flipped per corrupted copy (0: 1) */
	uint64_t delay_ns;     /* fixed one-way delay */
	uint64_t jitter_ns;    /* plus uniform [0, jitter_ns] */
	uint64_t rate;	       /* bytes per second; 0: no rate limit */
	uint32_t queue_limit;  /* frames queued for serialization; 0: only
	                            the slot pool bounds the queue */
};

/* Counters of one direction. Every frame offered to send() ends as exactly
 * one of: lost, queue_drops, nobuf, or a delivery (or still in flight);
 * duplicates add copies, each of which is delivered or dropped (nobuf,
 * too_long) on its own. */
struct tern_memlink_stats {
	uint64_t sent; /* frames offered to send() */
	uint64_t sent_bytes;
	uint64_t delivered; /* copies returned by the far end's recv() */
	uint64_t delivered_bytes;
	uint64_t lost;	      /* fault: loss */
	uint64_t queue_drops; /* rate-limit queue full (tail drop) */
	uint64_t nobuf;	      /* no free slot (a frame or a duplicate) */
	uint64_t too_long;    /* longer than the receiver's buffer */
	uint64_t duplicated;  /* extra copies made */
	uint64_t reordered;   /* copies held back by reorder_ns */
	uint64_t corrupted;   /* copies with bits flipped */
	uint64_t bits_flipped;
};

enum tern_memlink_event_kind {
	TERN_MEMLINK_EV_SEND,	    /* offered to send(); hash of its bytes */
	TERN_MEMLINK_EV_LOSS,	    /* dropped by the loss fault */
	TERN_MEMLINK_EV_QUEUE_DROP, /* dropped: rate-limit queue full */
	TERN_MEMLINK_EV_NOBUF,	    /* dropped: no free slot */
	TERN_MEMLINK_EV_REORDER,    /* held back; at = new deliver_at */
	TERN_MEMLINK_EV_DUPLICATE,  /* a second copy queued */
	TERN_MEMLINK_EV_CORRUPT,    /* bits flipped; hash after flipping */
	TERN_MEMLINK_EV_QUEUED,	    /* a copy in flight; at = deliver_at */
	TERN_MEMLINK_EV_DELIVER,    /* returned by recv(); hash as delivered */
	TERN_MEMLINK_EV_TOO_LONG,   /* dropped at recv(): buffer too small */
	TERN_MEMLINK_EV_COUNT
};

struct tern_memlink_event {
	enum tern_memlink_event_kind kind;
	unsigned dir;  /* TERN_MEMLINK_AB or TERN_MEMLINK_BA */
	uint64_t seq;  /* per-direction send number, from 0; a duplicate
	                        has its original's */
	uint64_t time; /* tern_clock_monotonic() when it happened */
	uint64_t at;   /* scheduled delivery (QUEUED, REORDER, DELIVER) */
	uint32_t len;
	uint64_t hash; /* tern_memlink_hash() of the bytes */
};

typedef void (*tern_memlink_trace_fn)(void *ctx,
				      const struct tern_memlink_event *ev);

struct tern_memlink_opts {
	const char *name; /* ends are NAME.a and NAME.b; NULL: "link" */
	uint8_t mac_a[TERN_ETH_ALEN]; /* all zero: 02:00:00:00:00:0a */
	uint8_t mac_b[TERN_ETH_ALEN]; /* all zero: 02:00:00:00:00:0b */
	uint16_t mtu;		      /* 0: TERN_ETH_MTU_DEFAULT */
	uint32_t frames;	      /* slots per direction; 0: default */
	uint64_t seed;
	struct tern_memlink_faults faults[2]; /* [TERN_MEMLINK_AB], [_BA] */
	tern_memlink_trace_fn trace;	      /* may be NULL */
	void *trace_ctx;
	bool no_waker; /* do not register with tern_wait() */
};

struct tern_memlink;
struct tern_memlink_slot;

/* One end: a netdev. Pass &link->a.dev to a stack. */
struct tern_memlink_end {
	struct tern_netdev dev;
	struct tern_memlink *link;
	unsigned tx_dir; /* the direction this end sends on */
	bool rx_paused;	 /* its consumer has no buffers (rx_pause) */
};

/* One direction. Private except for faults and stats, which may be read
 * (and faults changed with tern_memlink_set_faults). */
struct tern_memlink_dir {
	struct tern_memlink_faults faults;
	struct tern_memlink_stats stats;
	struct tern_rand rand;
	struct tern_list free;	 /* free slots */
	struct tern_list flight; /* slots by deliver_at */
	struct tern_memlink_slot *slots;
	uint32_t used;		/* slots holding a frame */
	uint64_t busy_until;	/* the serializer is busy until then */
	uint64_t last_in_order; /* deliver_at of the last in-order frame */
	uint64_t next_seq;
};

struct tern_memlink {
	struct tern_memlink_end a, b;
	struct tern_memlink_dir dir[2];
	struct tern_waker waker;
	bool waker_added;
	tern_memlink_trace_fn trace;
	void *trace_ctx;
	uint32_t frames;     /* slots per direction */
	uint32_t slot_bytes; /* TERN_ETH_HLEN + mtu */
	void *mem;
	size_t mem_size;
};

/* Creates a link (caller-owned storage) with opts (NULL: all defaults, no
 * faults). Allocates every slot now. Returns 0; -TERN_EINVAL if a
 * probability exceeds 1,000,000, corrupt_bits exceeds
 * TERN_MEMLINK_CORRUPT_BITS_MAX, the mtu is below 64 or above 9004 (a
 * frame of TERN_ETH_FRAME_MAX), the name has more than TERN_MEMLINK_NAME_MAX
 * characters, or
 * frames is above 1,000,000; -TERN_ENOMEM if the slots cannot be
 * allocated. On error nothing needs to be destroyed. */
TERN_API int tern_memlink_create(struct tern_memlink *link,
				 const struct tern_memlink_opts *opts);

/* Releases the slots and unregisters the waker. Frames still in flight are
 * discarded. The ends' close op does nothing: the link owns them. */
TERN_API void tern_memlink_destroy(struct tern_memlink *link);

/* Replaces the faults of direction dir (TERN_MEMLINK_AB or _BA) from now
 * on; frames already in flight keep their schedule. Returns 0 or
 * -TERN_EINVAL (as for create). */
TERN_API int tern_memlink_set_faults(struct tern_memlink *link, unsigned dir,
				     const struct tern_memlink_faults *faults);

/* The counters of direction dir. */
TERN_API const struct tern_memlink_stats *
tern_memlink_stats(const struct tern_memlink *link, unsigned dir);

/* Frames of direction dir held in slots (in flight or waiting for recv). */
TERN_API unsigned tern_memlink_in_flight(const struct tern_memlink *link,
					 unsigned dir);

/* The earliest deliver_at of any frame not yet received, in either
 * direction whose receiving end is not paused (tern_netdev_rx_pause), or
 * TERN_NO_DEADLINE if there is none (what the waker gives tern_wait()). */
TERN_API uint64_t tern_memlink_next(const struct tern_memlink *link);

/* The 64-bit FNV-1a hash of len bytes, as used in trace events. */
TERN_API uint64_t tern_memlink_hash(const void *data, size_t len);

/* A short name for an event kind ("send", "loss", ...). */
TERN_API const char *tern_memlink_event_name(enum tern_memlink_event_kind kind);

#endif
