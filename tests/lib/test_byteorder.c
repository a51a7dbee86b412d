/*
 * test_byteorder.c - big- and little-endian loads and stores at every
 * alignment, against byte-by-byte expectations.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/byteorder.h"

static const uint8_t seq[16] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10
};

Test(byteorder, loads_at_every_alignment)
{
	for (size_t off = 0; off < 8; off++) {
		const uint8_t *p = seq + off;
		uint64_t be = 0, le = 0;

		for (int i = 0; i < 8; i++) {
			be = be << 8 | p[i];
			le |= (uint64_t)p[i] << (8 * i);
		}
		cr_assert_eq(tern_load_be64(p), be, "off %zu", off);
		cr_assert_eq(tern_load_le64(p), le);
		cr_assert_eq(tern_load_be32(p), (uint32_t)(be >> 32));
		cr_assert_eq(tern_load_le32(p), (uint32_t)le);
		cr_assert_eq(tern_load_be16(p), (uint16_t)(be >> 48));
		cr_assert_eq(tern_load_le16(p), (uint16_t)le);
	}
}

Test(byteorder, stores_at_every_alignment_touch_only_their_bytes)
{
	for (size_t off = 0; off < 8; off++) {
		uint8_t buf[24];

		memset(buf, 0xee, sizeof(buf));
		tern_store_be64(buf + off, 0x0123456789abcdefull);
		cr_assert_arr_eq(buf + off, seq, 8);
		cr_assert_eq(buf[off + 8], 0xee);
		if (off)
			cr_assert_eq(buf[off - 1], 0xee);

		memset(buf, 0xee, sizeof(buf));
		tern_store_be32(buf + off, 0x01234567);
		tern_store_be16(buf + off + 4, 0x89ab);
		cr_assert_arr_eq(buf + off, seq, 6);
		cr_assert_eq(buf[off + 6], 0xee);

		memset(buf, 0xee, sizeof(buf));
		tern_store_le64(buf + off, 0xefcdab8967452301ull);
		cr_assert_arr_eq(buf + off, seq, 8);
		tern_store_le32(buf + off, 0x67452301);
		tern_store_le16(buf + off + 4, 0xab89);
		cr_assert_arr_eq(buf + off, seq, 8);
		cr_assert_eq(buf[off + 8], 0xee);
	}
}

Test(byteorder, round_trips)
{
	uint8_t b[8];

	for (uint32_t v = 0; v < 70000; v += 7) {
		tern_store_be16(b, (uint16_t)v);
		cr_assert_eq(tern_load_be16(b), (uint16_t)v);
		tern_store_le16(b, (uint16_t)v);
		cr_assert_eq(tern_load_le16(b), (uint16_t)v);
		tern_store_be32(b, v * 0x9e3779b1u);
		cr_assert_eq(tern_load_be32(b), v * 0x9e3779b1u);
		tern_store_le32(b, v * 0x9e3779b1u);
		cr_assert_eq(tern_load_le32(b), v * 0x9e3779b1u);
		tern_store_be64(b, v * 0x9e3779b97f4a7c15ull);
		cr_assert_eq(tern_load_be64(b), v * 0x9e3779b97f4a7c15ull);
	}
}
