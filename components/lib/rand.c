/*
 * rand.c - xoshiro256** (Blackman and Vigna, 2018) with splitmix64 seeding,
 * and Lemire's multiply-shift method for unbiased bounded values.
 */
#include "tern/rand.h"

#include <string.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void tern_rand_seed(struct tern_rand *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t tern_rand_u64(struct tern_rand *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t tern_rand_below(struct tern_rand *r, uint64_t bound)
{
	unsigned __int128 m;
	uint64_t low, threshold;

	if (bound == 0)
		return 0;
	m = (unsigned __int128)tern_rand_u64(r) * bound;
	low = (uint64_t)m;
	if (low < bound) {
		threshold = -bound % bound;
		while (low < threshold) {
			m = (unsigned __int128)tern_rand_u64(r) * bound;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

bool tern_rand_ppm(struct tern_rand *r, uint32_t ppm)
{
	return tern_rand_below(r, 1000000) < ppm;
}

void tern_rand_fill(struct tern_rand *r, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t v = tern_rand_u64(r);
		size_t n = len < 8 ? len : 8;

		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}
