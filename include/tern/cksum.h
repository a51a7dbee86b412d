/*
 * cksum.h - the Internet checksum (RFC 1071) and its incremental update
 * (RFC 1624).
 *
 * Values are 16-bit numbers in host order, as read from or written to the
 * header with tern_load_be16/tern_store_be16. Summing is done 16 bytes (SSE2
 * lanes, hosted) or 8 bytes (guest) at a time with unaligned loads, at any
 * alignment and length (see cksum.c); the one's
 * complement sum is byte-order independent, so the result is swapped once at
 * the end instead of per word.
 *
 * Verifying: the checksum over a header that includes a correct checksum
 * field is 0.
 */
#ifndef TERN_CKSUM_H
#define TERN_CKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"

/* An accumulator for a checksum over several pieces (a pseudo-header, a
 * header, a gather list of payload). Pieces may have any length; an odd
 * piece shifts the byte lanes of the next one, which is accounted for. */
struct tern_csum {
	uint64_t sum; /* one's complement sum, native byte lanes */
	bool odd;     /* an odd number of bytes so far */
};

static inline void tern_csum_init(struct tern_csum *c)
{
	c->sum = 0;
	c->odd = false;
}

/* Adds len bytes at data. */
TERN_API void tern_csum_add(struct tern_csum *c, const void *data, size_t len);

/* Adds a 16-bit or 32-bit field given as a host-order number, as if its
 * big-endian bytes were added with tern_csum_add. */
TERN_API void tern_csum_add_be16(struct tern_csum *c, uint16_t v);
TERN_API void tern_csum_add_be32(struct tern_csum *c, uint32_t v);

/* The folded 16-bit one's complement sum (not inverted). */
TERN_API uint16_t tern_csum_sum(const struct tern_csum *c);

/* The checksum to store: the inverted folded sum. */
static inline uint16_t tern_csum_finish(const struct tern_csum *c)
{
	return (uint16_t)~tern_csum_sum(c);
}

/* The checksum of len bytes at data. */
TERN_API uint16_t tern_cksum(const void *data, size_t len);

/* RFC 1624 eqn. 3: the checksum after a 16-bit field changes from old_val
 * to new_val, given the checksum before. */
TERN_API uint16_t tern_cksum_adjust16(uint16_t cksum, uint16_t old_val,
				      uint16_t new_val);

/* The same for a 32-bit field (an IPv4 address). */
TERN_API uint16_t tern_cksum_adjust32(uint16_t cksum, uint32_t old_val,
				      uint32_t new_val);

#endif
