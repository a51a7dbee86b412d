/*
 * sha256.c - SHA-256 as FIPS 180-4 section 6.2 states it: each 64-byte
 * block expands into a 64-word schedule and runs 64 rounds over the eight
 * working variables; the message is padded with a 1 bit, zeros and its
 * length in bits (big-endian) to a whole number of blocks.
 */
#include "tern/sha256.h"

#include <string.h>

#include "tern/byteorder.h"

/* The first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes (FIPS 180-4 4.2.2). */
static const uint32_t round_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* Folds one 64-byte block into the state h. */
static void compress(uint32_t h[8], const uint8_t *block)
{
	uint32_t w[64], v[8];

	for (unsigned t = 0; t < 16; t++)
		w[t] = tern_load_be32(block + 4 * t);
	for (unsigned t = 16; t < 64; t++) {
		uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^
			      (w[t - 15] >> 3);
		uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^
			      (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	memcpy(v, h, sizeof(v));
	for (unsigned t = 0; t < 64; t++) {
		uint32_t e = v[4], a = v[0];
		uint32_t ch = (e & v[5]) ^ (~e & v[6]);
		uint32_t maj = (a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]);
		uint32_t t1 = v[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
			      ch + round_k[t] + w[t];
		uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + maj;

		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (unsigned i = 0; i < 8; i++)
		h[i] += v[i];
}

void tern_sha256_init(struct tern_sha256 *s)
{
	/* The first 32 bits of the fractional parts of the square roots of
	 * the first 8 primes (FIPS 180-4 5.3.3). */
	static const uint32_t initial[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, initial, sizeof(initial));
	s->len = 0;
}

void tern_sha256_update(struct tern_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t used = (size_t)(s->len % 64);

	s->len += len;
	if (used) {
		size_t take = 64 - used < len ? 64 - used : len;

		memcpy(s->block + used, p, take);
		p += take;
		len -= take;
		if (used + take < 64)
			return;
		compress(s->h, s->block);
	}
	for (; len >= 64; p += 64, len -= 64)
		compress(s->h, p);
	if (len)
		memcpy(s->block, p, len);
}

void tern_sha256_final(struct tern_sha256 *s, uint8_t out[TERN_SHA256_LEN])
{
	size_t used = (size_t)(s->len % 64);
	uint64_t bits = s->len * 8;

	s->block[used++] = 0x80;
	if (used > 56) {
		memset(s->block + used, 0, 64 - used);
		compress(s->h, s->block);
		used = 0;
	}
	memset(s->block + used, 0, 56 - used);
	tern_store_be32(s->block + 56, (uint32_t)(bits >> 32));
	tern_store_be32(s->block + 60, (uint32_t)bits);
	compress(s->h, s->block);
	for (unsigned i = 0; i < 8; i++)
		tern_store_be32(out + 4 * i, s->h[i]);
}

char *tern_sha256_hex(const uint8_t digest[TERN_SHA256_LEN],
		      char hex[TERN_SHA256_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < TERN_SHA256_LEN; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[2 * TERN_SHA256_LEN] = '\0';
	return hex;
}
