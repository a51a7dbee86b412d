/*
 * test_cksum.c - the fast checksum against a plain RFC 1071 reference on
 * random data of every length 0..2048 at every alignment 0..7, split into
 * pieces, and the RFC 1624 incremental update.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/rand.h"

#include "support/cksum_ref.h"

Test(cksum, matches_reference_every_length_and_alignment)
{
	static uint8_t buf[2048 + 16];
	struct tern_rand r;

	tern_rand_seed(&r, 1071);
	for (size_t len = 0; len <= 2048; len++) {
		for (size_t align = 0; align < 8; align++) {
			tern_rand_fill(&r, buf + align, len);
			cr_assert_eq(tern_cksum(buf + align, len),
				     ref_cksum(buf + align, len),
				     "len %zu align %zu", len, align);
		}
	}
}

Test(cksum, all_ones_and_all_zeros)
{
	static uint8_t buf[4096];

	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 0; len < sizeof(buf); len += 97)
		cr_assert_eq(tern_cksum(buf, len), ref_cksum(buf, len));
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(tern_cksum(buf, sizeof(buf)), 0xffff);
}

Test(cksum, pieces_of_any_length_equal_the_whole)
{
	static uint8_t buf[1500];
	struct tern_rand r;

	tern_rand_seed(&r, 42);
	for (int round = 0; round < 2000; round++) {
		size_t len = tern_rand_below(&r, sizeof(buf) + 1);
		struct tern_csum c;
		size_t off = 0;

		tern_rand_fill(&r, buf, len);
		tern_csum_init(&c);
		while (off < len) {
			size_t n = 1 + tern_rand_below(&r, len - off);
			tern_csum_add(&c, buf + off, n);
			off += n;
		}
		cr_assert_eq(tern_csum_finish(&c), ref_cksum(buf, len),
			     "round %d len %zu", round, len);
	}
}

Test(cksum, be_field_helpers_equal_bytes)
{
	uint8_t bytes[6] = { 0x0a, 0x00, 0x00, 0x01, 0x00, 0x11 };
	struct tern_csum c;

	tern_csum_init(&c);
	tern_csum_add_be32(&c, 0x0a000001);
	tern_csum_add_be16(&c, 0x0011);
	cr_assert_eq(tern_csum_finish(&c), ref_cksum(bytes, sizeof(bytes)));
}

Test(cksum, verifying_a_correct_header_gives_zero)
{
	/* An IPv4 header from RFC 1071-style examples, checksum 0xb1e6. */
	uint8_t hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			    0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
			    0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	tern_store_be16(hdr + 10, tern_cksum(hdr, sizeof(hdr)));
	cr_assert_eq(tern_load_be16(hdr + 10), 0xb861);
	cr_assert_eq(tern_cksum(hdr, sizeof(hdr)), 0);
}

Test(cksum, incremental_update_equals_recompute)
{
	uint8_t hdr[20];
	struct tern_rand r;

	tern_rand_seed(&r, 1624);
	for (int i = 0; i < 10000; i++) {
		uint16_t old16, new16 = (uint16_t)tern_rand_u64(&r);
		uint32_t old32, new32 = (uint32_t)tern_rand_u64(&r);
		uint16_t ck;

		tern_rand_fill(&r, hdr, sizeof(hdr));
		tern_store_be16(hdr + 10, 0);
		ck = tern_cksum(hdr, sizeof(hdr));
		tern_store_be16(hdr + 10, ck);

		old16 = tern_load_be16(hdr + 8); /* TTL + protocol */
		tern_store_be16(hdr + 8, new16);
		ck = tern_cksum_adjust16(ck, old16, new16);
		old32 = tern_load_be32(hdr + 12); /* source address */
		tern_store_be32(hdr + 12, new32);
		ck = tern_cksum_adjust32(ck, old32, new32);
		tern_store_be16(hdr + 10, ck);
		/* A correct header verifies to 0 (or its one's complement twin
		 * 0xffff form, which RFC 1624 eqn. 3 avoids). */
		cr_assert_eq(tern_cksum(hdr, sizeof(hdr)), 0, "round %d", i);
	}
}

Test(cksum, long_buffers_cross_the_vector_fold_boundary)
{
	/* The vector loop folds its 32-bit lanes every 8192 blocks of 64
	 * bytes (512 KiB); all-ones data grows the lanes fastest, and without
	 * the fold they would overflow after 16384 blocks. */
	static uint8_t buf[3 * 8192 * 64 + 200];
	struct tern_rand r;
	const size_t lens[] = { 8192 * 64 - 1, 8192 * 64, 8192 * 64 + 64,
				8192 * 64 + 65, sizeof(buf) - 8 };

	memset(buf, 0xff, sizeof(buf));
	for (size_t i = 0; i < TERN_ARRAY_SIZE(lens); i++)
		for (size_t align = 0; align < 8; align += 3)
			cr_assert_eq(tern_cksum(buf + align, lens[i]),
				     ref_cksum(buf + align, lens[i]),
				     "ones len %zu align %zu", lens[i], align);
	tern_rand_seed(&r, 512);
	tern_rand_fill(&r, buf, sizeof(buf));
	for (size_t i = 0; i < TERN_ARRAY_SIZE(lens); i++)
		cr_assert_eq(tern_cksum(buf + 1, lens[i]),
			     ref_cksum(buf + 1, lens[i]), "random len %zu",
			     lens[i]);
}
