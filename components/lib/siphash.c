/*
 * siphash.c - SipHash-2-4: each 8-byte message word gets two SipRounds, and
 * the last word (the 0..7 tail bytes with the length mod 256 in its top
 * byte) is absorbed the same way before four finalisation rounds. The byte
 * form and the word forms share that state machine; the word forms only
 * assemble their words from registers instead of loading them from memory.
 */
#include "tern/siphash.h"

#include "tern/byteorder.h"

struct sip {
	uint64_t v0, v1, v2, v3;
};

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

/* The initial state: the key xored with "somepseudorandomlygeneratedbytes". */
static inline void sip_init(struct sip *s, const struct tern_siphash_key *k)
{
	s->v0 = k->k0 ^ 0x736f6d6570736575ull;
	s->v1 = k->k1 ^ 0x646f72616e646f6dull;
	s->v2 = k->k0 ^ 0x6c7967656e657261ull;
	s->v3 = k->k1 ^ 0x7465646279746573ull;
}

/* Absorbs one 8-byte message word m (two compression rounds). */
static inline void sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* Absorbs the last word (tail bytes, length in the top byte) and runs the
 * four finalisation rounds. */
static inline uint64_t sip_final(struct sip *s, uint64_t last)
{
	sip_word(s, last);
	s->v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

void tern_siphash_key_from_bytes(struct tern_siphash_key *key,
				 const uint8_t bytes[16])
{
	key->k0 = tern_load_le64(bytes);
	key->k1 = tern_load_le64(bytes + 8);
}

uint64_t tern_siphash(const struct tern_siphash_key *key, const void *data,
		      size_t len)
{
	const uint8_t *p = data;
	size_t whole = len & ~(size_t)7;
	uint64_t last = (uint64_t)len << 56;
	struct sip s;

	/* Indexes from p rather than advancing it, so that (NULL, 0) does no
	 * pointer arithmetic on NULL. */
	sip_init(&s, key);
	for (size_t i = 0; i < whole; i += 8)
		sip_word(&s, tern_load_le64(p + i));
	for (size_t i = whole; i < len; i++)
		last |= (uint64_t)p[i] << (8 * (i - whole));
	return sip_final(&s, last);
}

uint64_t tern_siphash_3u32(const struct tern_siphash_key *key, uint32_t a,
			   uint32_t b, uint32_t c)
{
	struct sip s;

	sip_init(&s, key);
	sip_word(&s, (uint64_t)a | (uint64_t)b << 32);
	return sip_final(&s, (uint64_t)c | (uint64_t)12 << 56);
}

uint64_t tern_siphash_4u32(const struct tern_siphash_key *key, uint32_t a,
			   uint32_t b, uint32_t c, uint32_t d)
{
	struct sip s;

	sip_init(&s, key);
	sip_word(&s, (uint64_t)a | (uint64_t)b << 32);
	sip_word(&s, (uint64_t)c | (uint64_t)d << 32);
	return sip_final(&s, (uint64_t)16 << 56);
}
