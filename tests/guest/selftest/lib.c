/*
 * lib.c - components/lib run inside the guest: the checksum against the
 * RFC 1071 reference loop, the formatter, views and cursors, the packet
 * pool and the PRNG. The hosted Criterion tests cover these in depth; here
 * they prove the same code computes the same results when built
 * freestanding and run on the guest's CPU state (no red zone, no SSE
 * registers, the guest's memcpy/memset).
 */
#include <string.h>

#include "tern/cksum.h"
#include "tern/dev.h"
#include "tern/fmt.h"
#include "tern/pkt.h"
#include "tern/view.h"

#include "selftest.h"

#include "support/cksum_ref.h"

static void cksum_matches_reference(struct gtest *t)
{
	static uint8_t buf[1600];

	for (size_t len = 0; len <= 1514; len += 1 + len / 8) {
		for (size_t align = 0; align < 8; align++) {
			tern_rand_fill(&t->rand, buf + align, len);
			GT_ASSERT_EQ(t, tern_cksum(buf + align, len),
				     ref_cksum(buf + align, len));
		}
	}
}

static void cksum_pieces_equal_whole(struct gtest *t)
{
	static uint8_t buf[1500];

	for (int round = 0; round < 200; round++) {
		size_t len = tern_rand_below(&t->rand, sizeof(buf) + 1);
		struct tern_csum c;
		size_t off = 0;

		tern_rand_fill(&t->rand, buf, len);
		tern_csum_init(&c);
		while (off < len) {
			size_t n = 1 + tern_rand_below(&t->rand, len - off);

			tern_csum_add(&c, buf + off, n);
			off += n;
		}
		GT_ASSERT_EQ(t, tern_csum_finish(&c), ref_cksum(buf, len));
	}
}

static void fmt_conversions(struct gtest *t)
{
	char buf[64];
	int n;

	n = tern_snprintf(buf, sizeof(buf), "%d %u %x %X %o", -42, 42u, 0xbeefu,
			  0xbeefu, 8u);
	GT_ASSERT(t, strcmp(buf, "-42 42 beef BEEF 10") == 0);
	GT_ASSERT_EQ(t, n, strlen(buf));
	tern_snprintf(buf, sizeof(buf), "%llu %lld", 18446744073709551615ull,
		      -9223372036854775807ll - 1);
	GT_ASSERT(t, strcmp(buf, "18446744073709551615 "
				 "-9223372036854775808") == 0);
	tern_snprintf(buf, sizeof(buf), "[%5d|%-5d|%05d|%+d]", 42, 42, 42, 42);
	GT_ASSERT(t, strcmp(buf, "[   42|42   |00042|+42]") == 0);
	tern_snprintf(buf, sizeof(buf), "%.3s|%s|%c|%%", "abcdef", "xy", 'z');
	GT_ASSERT(t, strcmp(buf, "abc|xy|z|%") == 0);
	tern_snprintf(buf, sizeof(buf), "%zu %#x", (size_t)7, 255u);
	GT_ASSERT(t, strcmp(buf, "7 0xff") == 0);
}

static void fmt_truncates_and_counts(struct gtest *t)
{
	char buf[8];
	int n = tern_snprintf(buf, sizeof(buf), "%s", "0123456789");

	GT_ASSERT_EQ(t, n, 10);
	GT_ASSERT(t, strcmp(buf, "0123456") == 0);
	n = tern_snprintf(NULL, 0, "%d", 12345);
	GT_ASSERT_EQ(t, n, 5);
}

static void view_reads_and_bounds(struct gtest *t)
{
	/* The views cover the first 8 bytes; the array is longer, so that
	 * gcc -Os sees no read past the object on the path of the refused
	 * read below (-Warray-bounds), which never runs. */
	static const uint8_t bytes[12] = { 0x45, 0x00, 0x00, 0x54,
					   0x12, 0x34, 0x56, 0x78 };
	const size_t len = 8;
	struct tern_view v = tern_view_make(bytes, len);
	struct tern_cursor c = tern_cursor_make(bytes, len);
	struct tern_view sub;

	GT_ASSERT_EQ(t, tern_view_u8(&v, 0), 0x45);
	GT_ASSERT_EQ(t, tern_view_be16(&v, 2), 0x0054);
	GT_ASSERT_EQ(t, tern_view_be32(&v, 4), 0x12345678);
	GT_ASSERT_EQ(t, tern_view_le32(&v, 4), 0x78563412);
	GT_ASSERT(t, tern_view_ok(&v));
	GT_ASSERT_EQ(t, tern_view_be32(&v, 6), 0); /* past the end */
	GT_ASSERT(t, !tern_view_ok(&v));
	GT_ASSERT(t, !tern_view_has(&v, SIZE_MAX, 2)); /* no overflow */

	GT_ASSERT_EQ(t, tern_cursor_be16(&c), 0x4500);
	GT_ASSERT_EQ(t, tern_cursor_left(&c), 6);
	GT_ASSERT(t, tern_cursor_take(&c, 7) == NULL);
	GT_ASSERT(t, !tern_cursor_ok(&c));

	v = tern_view_make(bytes, len);
	sub = tern_view_sub(&v, 4, 4);
	GT_ASSERT_EQ(t, tern_view_be16(&sub, 2), 0x5678);
	sub = tern_view_sub(&v, 6, 4);
	GT_ASSERT(t, !tern_view_ok(&v) && sub.len == 0);
}

static void pkt_pool_alloc_free(struct gtest *t)
{
	size_t size = tern_pkt_pool_mem_size(16, 2048);
	void *mem = tern_mem_alloc(size);
	struct tern_pkt_pool pool;
	struct tern_pkt *pkts[16], *p;
	int n;

	GT_ASSERT(t, mem != NULL);
	n = tern_pkt_pool_init(&pool, mem, size, 2048);
	GT_ASSERT_EQ(t, n, 16);
	for (int i = 0; i < 16; i++) {
		pkts[i] = tern_pkt_alloc(&pool, 128);
		GT_ASSERT(t, pkts[i] != NULL);
		GT_ASSERT_EQ(t, tern_pkt_headroom(pkts[i]), 128);
	}
	GT_ASSERT(t, tern_pkt_alloc(&pool, 0) == NULL);
	GT_ASSERT_EQ(t, pool.alloc_failed, 1);
	p = pkts[0];
	GT_ASSERT(t, tern_pkt_put(p, 100) != NULL);
	GT_ASSERT(t, tern_pkt_push(p, 14) != NULL);
	GT_ASSERT_EQ(t, p->len, 114);
	GT_ASSERT(t, tern_pkt_push(p, 200) == NULL);
	GT_ASSERT(t, tern_pkt_pull(p, 14) != NULL && p->len == 100);
	for (int i = 0; i < 16; i++)
		tern_pkt_free(pkts[i]);
	GT_ASSERT_EQ(t, pool.used, 0);
	GT_ASSERT_EQ(t, pool.peak, 16);
	tern_mem_free(mem, size);
}

static void rand_is_seeded_and_bounded(struct gtest *t)
{
	struct tern_rand a, b;
	uint64_t seen = 0;

	tern_rand_seed(&a, 7);
	tern_rand_seed(&b, 7);
	for (int i = 0; i < 1000; i++)
		GT_ASSERT_EQ(t, tern_rand_u64(&a), tern_rand_u64(&b));
	for (int i = 0; i < 1000; i++) {
		uint64_t v = tern_rand_below(&a, 37);

		GT_ASSERT(t, v < 37);
		seen |= 1ull << v;
	}
	GT_ASSERT_EQ(t, seen, (1ull << 37) - 1); /* every value appears */
	GT_ASSERT(t, !tern_rand_ppm(&a, 0));
	GT_ASSERT(t, tern_rand_ppm(&a, 1000000));
}

const struct gtest_case selftest_lib[] = {
	{ "lib/cksum_matches_reference", cksum_matches_reference },
	{ "lib/cksum_pieces_equal_whole", cksum_pieces_equal_whole },
	{ "lib/fmt_conversions", fmt_conversions },
	{ "lib/fmt_truncates_and_counts", fmt_truncates_and_counts },
	{ "lib/view_reads_and_bounds", view_reads_and_bounds },
	{ "lib/pkt_pool_alloc_free", pkt_pool_alloc_free },
	{ "lib/rand_is_seeded_and_bounded", rand_is_seeded_and_bounded },
};
const unsigned selftest_lib_count = TERN_ARRAY_SIZE(selftest_lib);
