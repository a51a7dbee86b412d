/*
 * pkt.h - packet buffers from a pool sized at start-up.
 *
 * A packet is one contiguous buffer with headroom: protocol layers prepend
 * their headers with tern_pkt_push() instead of copying the payload (lwIP's
 * pbuf_layer idea, without chains). A pool never grows; when it is empty,
 * allocation fails and the pool counts it, so a flood fills the pool, never
 * memory.
 *
 * Ownership: exactly one owner per packet. A function that takes a
 * struct tern_pkt * consumes it on every path (success or error) unless its
 * contract says otherwise. Queues link packets through pkt->link.
 *
 *   |<- headroom ->|<------ len ------>|<- tailroom ->|
 *   storage        data                data+len       storage+cap
 */
#ifndef TERN_PKT_H
#define TERN_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"
#include "tern/list.h"

struct tern_pkt_pool;

struct tern_pkt {
	struct tern_list link; /* for the current owner's queue */
	struct tern_pkt_pool *pool;
	uint8_t *storage; /* start of the buffer */
	uint8_t *data;	  /* first byte of the packet */
	uint32_t len;	  /* bytes from data */
	uint32_t cap;	  /* bytes of storage */
	uint64_t cb[4];	  /* scratch for the current owner (a
	                                 timestamp, an offset, an address) */
	/* The device offload a frame to send asks for (dev.h,
	 * tern_tx_offload), offsets from storage so that they hold while
	 * headers are pushed; all 0 (as tern_pkt_alloc leaves them): none. */
	uint16_t tx_csum_start;	 /* 0: no TERN_TX_NEEDS_CSUM */
	uint16_t tx_csum_offset; /* from tx_csum_start */
	uint16_t tx_hdr_end;	 /* with tx_gso_size: the payload's start */
	uint16_t tx_gso_size;	 /* 0: no TSO (else TERN_GSO_TCPV4) */
	/* What the device said of a received frame (dev.h, tern_rx.flags:
	 * TERN_RX_CSUM_VALID); 0 (as tern_pkt_alloc leaves it): nothing, so
	 * every checksum is verified. */
	uint16_t rx_flags;
};

struct tern_pkt_pool {
	struct tern_list free;
	uint32_t buf_size;     /* storage bytes per packet */
	uint32_t count;	       /* packets in the pool */
	uint32_t used;	       /* packets allocated now */
	uint32_t peak;	       /* highest `used` seen */
	uint64_t alloc_failed; /* allocations refused because it was empty */
};

/* Bytes of memory needed for count packets of buf_size bytes each. */
TERN_API size_t tern_pkt_pool_mem_size(uint32_t count, uint32_t buf_size);

/* Carves mem (mem_size bytes, 64-byte aligned, from tern_mem_alloc or a
 * static array) into packets of buf_size bytes. Returns the number of packets
 * (> 0), or -TERN_EINVAL if mem_size holds none. The pool does not own mem. */
TERN_API int tern_pkt_pool_init(struct tern_pkt_pool *pool, void *mem,
				size_t mem_size, uint32_t buf_size);

/* An empty packet with data at headroom bytes into the buffer, or NULL if
 * the pool is empty (counted in alloc_failed). Asserts headroom <= buf_size.
 * The caller owns the packet. */
TERN_API struct tern_pkt *tern_pkt_alloc(struct tern_pkt_pool *pool,
					 uint32_t headroom);

/* Returns pkt to its pool. NULL is allowed and ignored. */
TERN_API void tern_pkt_free(struct tern_pkt *pkt);

/* Frees every packet queued on q (linked through pkt->link), leaving q
 * empty. Returns how many it freed. */
TERN_API unsigned tern_pkt_free_list(struct tern_list *q);

/* A packet holding a copy of len bytes at src, after headroom bytes; NULL if
 * the pool is empty or headroom + len exceeds the buffer size. */
TERN_API struct tern_pkt *tern_pkt_from(struct tern_pkt_pool *pool,
					uint32_t headroom, const void *src,
					size_t len);

static inline uint32_t tern_pkt_headroom(const struct tern_pkt *pkt)
{
	return (uint32_t)(pkt->data - pkt->storage);
}

static inline uint32_t tern_pkt_tailroom(const struct tern_pkt *pkt)
{
	return pkt->cap - tern_pkt_headroom(pkt) - pkt->len;
}

/* Grows the packet by n bytes at the front and returns the new first byte,
 * or NULL (packet unchanged) if the headroom is smaller than n. */
static inline uint8_t *tern_pkt_push(struct tern_pkt *pkt, uint32_t n)
{
	if (tern_pkt_headroom(pkt) < n)
		return NULL;
	pkt->data -= n;
	pkt->len += n;
	return pkt->data;
}

/* Removes n bytes from the front and returns the new first byte, or NULL
 * (packet unchanged) if the packet is shorter than n. */
static inline uint8_t *tern_pkt_pull(struct tern_pkt *pkt, uint32_t n)
{
	if (pkt->len < n)
		return NULL;
	pkt->data += n;
	pkt->len -= n;
	return pkt->data;
}

/* Grows the packet by n bytes at the end and returns the first new byte, or
 * NULL (packet unchanged) if the tailroom is smaller than n. */
static inline uint8_t *tern_pkt_put(struct tern_pkt *pkt, uint32_t n)
{
	uint8_t *tail;

	if (tern_pkt_tailroom(pkt) < n)
		return NULL;
	tail = pkt->data + pkt->len;
	pkt->len += n;
	return tail;
}

/* Shortens the packet to len bytes (no-op if it is not longer). */
static inline void tern_pkt_trim(struct tern_pkt *pkt, uint32_t len)
{
	if (len < pkt->len)
		pkt->len = len;
}

#endif
