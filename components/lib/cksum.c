/*
 * cksum.c - the Internet checksum, eight bytes per step.
 *
 * The loop adds 64-bit little-endian loads into two independent 64-bit
 * accumulators with end-around carry (s += w; s += s < w), which keeps two
 * dependency chains in flight; on x86_64 that is about 8 bytes per cycle.
 * The sum of little-endian words is the byte swap of the sum of big-endian
 * words (RFC 1071, section 2(B)), so the result is swapped once in
 * tern_csum_sum.
 */
#include "tern/cksum.h"

#include <string.h>

#include "tern/byteorder.h"

static inline uint64_t add_carry(uint64_t sum, uint64_t word)
{
	sum += word;
	return sum + (sum < word);
}

/* Folds a 64-bit one's complement sum to 16 bits. */
static uint16_t fold64(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* One's complement sum of len bytes in native (little-endian) lanes,
 * starting at an even lane. */
static uint64_t sum_bytes(const uint8_t *p, size_t len)
{
	uint64_t a = 0, b = 0, w;

	while (len >= 32) {
		uint64_t w0, w1, w2, w3;
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		memcpy(&w2, p + 16, 8);
		memcpy(&w3, p + 24, 8);
		a = add_carry(a, w0);
		b = add_carry(b, w1);
		a = add_carry(a, w2);
		b = add_carry(b, w3);
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&w, p, 8);
		a = add_carry(a, w);
		p += 8;
		len -= 8;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len); /* zero-padded little-endian tail */
		b = add_carry(b, w);
	}
	return add_carry(a, b);
}

void tern_csum_add(struct tern_csum *c, const void *data, size_t len)
{
	uint64_t part = fold64(sum_bytes(data, len));

	/* A piece that starts at an odd offset has its byte lanes swapped. */
	if (c->odd)
		part = __builtin_bswap16((uint16_t)part);
	c->sum = add_carry(c->sum, part);
	c->odd ^= len & 1;
}

void tern_csum_add_be16(struct tern_csum *c, uint16_t v)
{
	uint8_t b[2];

	tern_store_be16(b, v);
	tern_csum_add(c, b, 2);
}

void tern_csum_add_be32(struct tern_csum *c, uint32_t v)
{
	uint8_t b[4];

	tern_store_be32(b, v);
	tern_csum_add(c, b, 4);
}

uint16_t tern_csum_sum(const struct tern_csum *c)
{
	return __builtin_bswap16(fold64(c->sum));
}

uint16_t tern_cksum(const void *data, size_t len)
{
	struct tern_csum c;

	tern_csum_init(&c);
	tern_csum_add(&c, data, len);
	return tern_csum_finish(&c);
}

uint16_t tern_cksum_adjust16(uint16_t cksum, uint16_t old_val, uint16_t new_val)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~old_val;
	sum += new_val;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t tern_cksum_adjust32(uint16_t cksum, uint32_t old_val, uint32_t new_val)
{
	cksum = tern_cksum_adjust16(cksum, (uint16_t)(old_val >> 16),
				    (uint16_t)(new_val >> 16));
	return tern_cksum_adjust16(cksum, (uint16_t)old_val, (uint16_t)new_val);
}
