/*
 * siphash.h - SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed 64-bit
 * hash of short inputs.
 *
 * For values an off-path attacker must neither predict nor steer: TCP's
 * initial sequence numbers (RFC 6528), SYN cookies (RFC 4987) and the
 * connection hash table, where a keyed hash stops hash flooding. The key is
 * secret and comes from tern_entropy(), drawn once at start-up; with a known
 * key SipHash protects nothing. Not a message digest or a checksum (use
 * tern/cksum.h for those), and not a seeded PRNG for simulation (that is
 * tern/rand.h): its output is only 64 bits, and its one job is to be
 * unguessable without the key.
 *
 * tern_siphash is bit-exact with the reference implementation: the key and
 * the message are loaded little-endian, so the published test vectors apply.
 * The word forms equal tern_siphash over the words' little-endian bytes and
 * exist so that the TCP fast path hashes a 4-tuple without building a
 * buffer. Cost: two rounds per 8-byte word (the final, length-carrying word
 * included) plus four to finish, so 3u32 is 8 rounds and 4u32 is 10.
 */
#ifndef TERN_SIPHASH_H
#define TERN_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#include "tern/base.h"

struct tern_siphash_key {
	uint64_t k0; /* key bytes 0..7, little-endian */
	uint64_t k1; /* key bytes 8..15, little-endian */
};

/* Loads key from the 16 bytes at bytes (any alignment), in the reference's
 * order: k0 is bytes 0..7 little-endian, k1 is bytes 8..15. */
TERN_API void tern_siphash_key_from_bytes(struct tern_siphash_key *key,
					  const uint8_t bytes[16]);

/* SipHash-2-4 under key of the len bytes at data (any alignment). data may
 * be NULL only when len is 0. */
TERN_API uint64_t tern_siphash(const struct tern_siphash_key *key,
			       const void *data, size_t len);

/* SipHash-2-4 under key of the 12 bytes a, b, c, each stored little-endian,
 * in that order: equal to tern_siphash over those bytes. For the TCP
 * 4-tuple as two addresses and a ports word. */
TERN_API uint64_t tern_siphash_3u32(const struct tern_siphash_key *key,
				    uint32_t a, uint32_t b, uint32_t c);

/* The same over the 16 bytes a, b, c, d: a 4-tuple plus a counter or a
 * time slot (an RFC 6528 ISN, a SYN cookie). */
TERN_API uint64_t tern_siphash_4u32(const struct tern_siphash_key *key,
				    uint32_t a, uint32_t b, uint32_t c,
				    uint32_t d);

#endif
