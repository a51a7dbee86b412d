/*
 * test_rand.c - the seeded PRNG: the published xoshiro256** sequence, the
 * same stream for the same seed and a different one for another seed,
 * below() inside its bound and without bias (a chi-square test with a fixed
 * seed, so it cannot flake), ppm at its edges, and fill().
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/rand.h"

Test(rand, matches_the_reference_splitmix_and_xoshiro)
{
	/* Reference values computed from the published algorithms
	 * (splitmix64 seeding of xoshiro256**), independently of rand.c. */
	uint64_t x = 0, s[4];
	struct tern_rand r;

	for (int i = 0; i < 4; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		s[i] = z ^ (z >> 31);
	}
	/* splitmix64(0) first output, a well-known constant. */
	cr_assert_eq(s[0], 0xe220a8397b1dcdafull);
	tern_rand_seed(&r, 0);
	for (int i = 0; i < 100; i++) {
		uint64_t t = s[1] << 17;
		uint64_t v = s[1] * 5;
		uint64_t want = ((v << 7) | (v >> 57)) * 9;

		s[2] ^= s[0];
		s[3] ^= s[1];
		s[1] ^= s[2];
		s[0] ^= s[3];
		s[2] ^= t;
		s[3] = (s[3] << 45) | (s[3] >> 19);
		cr_assert_eq(tern_rand_u64(&r), want, "output %d", i);
	}
}

Test(rand, same_seed_same_stream_other_seed_other_stream)
{
	struct tern_rand a, b, c;
	int same = 0;

	tern_rand_seed(&a, 12345);
	tern_rand_seed(&b, 12345);
	tern_rand_seed(&c, 12346);
	for (int i = 0; i < 1000; i++) {
		uint64_t va = tern_rand_u64(&a);

		cr_assert_eq(va, tern_rand_u64(&b));
		same += va == tern_rand_u64(&c);
	}
	cr_assert_eq(same, 0);
	/* Seed 0 is a fine seed: not a stuck all-zero state. */
	tern_rand_seed(&a, 0);
	cr_assert_neq(tern_rand_u64(&a) | tern_rand_u64(&a), 0);
}

Test(rand, below_stays_inside_its_bound)
{
	struct tern_rand r;
	static const uint64_t bounds[] = {
		1, 2, 3, 7, 10, 1000, 1ull << 32, (1ull << 63) + 1, UINT64_MAX
	};

	tern_rand_seed(&r, 7);
	cr_assert_eq(tern_rand_below(&r, 0), 0);
	for (size_t i = 0; i < TERN_ARRAY_SIZE(bounds); i++) {
		uint64_t max = 0;

		for (int j = 0; j < 20000; j++) {
			uint64_t v = tern_rand_below(&r, bounds[i]);

			cr_assert_lt(v, bounds[i]);
			max = v > max ? v : max;
		}
		if (bounds[i] > 1)
			cr_assert_geq(max, bounds[i] / 2,
				      "bound %llu never reached its top half",
				      (unsigned long long)bounds[i]);
	}
}

/* Chi-square statistic of counts over k cells with n draws. */
static double chi_square(const uint64_t *counts, unsigned k, uint64_t n)
{
	double expected = (double)n / k, chi = 0;

	for (unsigned i = 0; i < k; i++) {
		double d = (double)counts[i] - expected;
		chi += d * d / expected;
	}
	return chi;
}

Test(rand, below_is_uniform_by_chi_square)
{
	/* With k - 1 = 99 degrees of freedom the statistic is about 99 +- 14;
	 * 160 is past the 0.9999 quantile. The seeds are fixed, so this is
	 * deterministic; a biased below() (modulo of a small range, say)
	 * lands far above it. */
	static const uint64_t bounds[] = { 100, 300, 1000000007 };
	struct tern_rand r;

	for (size_t b = 0; b < TERN_ARRAY_SIZE(bounds); b++) {
		uint64_t counts[100] = { 0 };
		const uint64_t n = 1000000;

		tern_rand_seed(&r, 100 + b);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t v = tern_rand_below(&r, bounds[b]);
			/* Fold into 100 equal cells (bounds are multiples of
			 * 100, except the prime, whose remainder is tiny). */
			counts[v * 100 / bounds[b]]++;
		}
		double chi = chi_square(counts, 100, n);
		cr_assert_lt(chi, 160.0,
			     "bound %llu: chi-square %.1f (seed %llu)",
			     (unsigned long long)bounds[b], chi,
			     (unsigned long long)(100 + b));
		cr_assert_gt(chi, 50.0, "too uniform to be random: %.1f", chi);
	}
}

Test(rand, detects_the_bias_it_is_meant_to_catch)
{
	/* The same statistic on a biased generator (u64 % 3 folded badly
	 * over a range of 2^64 * 2/3) must fail: the test has teeth. */
	struct tern_rand r;
	uint64_t counts[100] = { 0 };
	const uint64_t n = 1000000, bound = (UINT64_MAX / 3) * 2;

	tern_rand_seed(&r, 99);
	for (uint64_t i = 0; i < n; i++)
		counts[(tern_rand_u64(&r) % bound) / (bound / 100 + 1)]++;
	cr_assert_gt(chi_square(counts, 100, n), 160.0);
}

Test(rand, ppm_edges_and_rate)
{
	struct tern_rand r;
	unsigned hits = 0;

	tern_rand_seed(&r, 3);
	for (int i = 0; i < 10000; i++) {
		cr_assert_not(tern_rand_ppm(&r, 0));
		cr_assert(tern_rand_ppm(&r, 1000000));
		hits += tern_rand_ppm(&r, 250000);
	}
	/* Binomial(10000, 0.25): 2500 +- 5 * 43. */
	cr_assert(hits > 2500 - 217 && hits < 2500 + 217, "%u hits", hits);
}

Test(rand, fill_covers_every_length_and_is_the_u64_stream)
{
	struct tern_rand a, b;
	uint8_t buf[40], guard[48];

	for (size_t len = 0; len <= 33; len++) {
		memset(guard, 0x5c, sizeof(guard));
		tern_rand_seed(&a, len);
		tern_rand_fill(&a, guard + 4, len);
		for (size_t i = 0; i < 4; i++)
			cr_assert_eq(guard[i], 0x5c);
		for (size_t i = 4 + len; i < sizeof(guard); i++)
			cr_assert_eq(guard[i], 0x5c,
				     "len %zu wrote past the end", len);
	}
	tern_rand_seed(&a, 8);
	tern_rand_seed(&b, 8);
	tern_rand_fill(&a, buf, 16);
	uint64_t w0 = tern_rand_u64(&b), w1 = tern_rand_u64(&b);
	cr_assert_arr_eq(buf, &w0, 8);
	cr_assert_arr_eq(buf + 8, &w1, 8);
}
