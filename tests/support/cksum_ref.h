/*
 * cksum_ref.h - the textbook Internet checksum (RFC 1071): 16-bit
 * big-endian words, carries folded at the end. The oracle that tests, the
 * fuzz target, the guest self-test and the benchmark hold tern_cksum to.
 * Deliberately the slow, obvious loop.
 */
#ifndef TERN_TESTS_CKSUM_REF_H
#define TERN_TESTS_CKSUM_REF_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t ref_cksum(const uint8_t *p, size_t len)
{
	uint64_t sum = 0; /* 32 bits would overflow past 128 KiB */
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#endif
