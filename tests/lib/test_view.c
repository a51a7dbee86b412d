/*
 * test_view.c - bounds-checked views, cursors and write views: every access
 * inside the bytes works, every access outside reads as zero (or writes
 * nothing) and sets the sticky bad flag, and the range checks cannot be
 * fooled by offsets and lengths that overflow size_t.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "tern/view.h"

static const uint8_t bytes[10] = { 0x01, 0x02, 0x03, 0x04, 0x05,
				   0x06, 0x07, 0x08, 0x09, 0x0a };

Test(view, has_is_exact_at_the_edges_and_overflow_safe)
{
	struct tern_view v = tern_view_make(bytes, sizeof(bytes));

	cr_assert(tern_view_has(&v, 0, 10));
	cr_assert(tern_view_has(&v, 10, 0));
	cr_assert(tern_view_has(&v, 9, 1));
	cr_assert_not(tern_view_has(&v, 9, 2));
	cr_assert_not(tern_view_has(&v, 11, 0));
	cr_assert_not(tern_view_has(&v, 0, 11));
	/* off + n wraps around to a small number: must still be refused. */
	cr_assert_not(tern_view_has(&v, 2, SIZE_MAX));
	cr_assert_not(tern_view_has(&v, SIZE_MAX, 2));
	cr_assert_not(tern_view_has(&v, SIZE_MAX, SIZE_MAX));
	cr_assert(tern_view_ok(&v), "has() never marks the view bad");
}

Test(view, reads_big_and_little_endian_at_any_offset)
{
	struct tern_view v = tern_view_make(bytes, sizeof(bytes));

	cr_assert_eq(tern_view_u8(&v, 9), 0x0a);
	cr_assert_eq(tern_view_be16(&v, 1), 0x0203);
	cr_assert_eq(tern_view_le16(&v, 1), 0x0302);
	cr_assert_eq(tern_view_be32(&v, 3), 0x04050607);
	cr_assert_eq(tern_view_le32(&v, 3), 0x07060504);
	cr_assert_eq(tern_view_le64(&v, 2), 0x0a09080706050403ull);
	cr_assert(tern_view_ok(&v));
}

Test(view, out_of_range_reads_are_zero_and_sticky)
{
	struct tern_view v = tern_view_make(bytes, sizeof(bytes));
	uint8_t dst[4] = { 0xee, 0xee, 0xee, 0xee };

	cr_assert_eq(tern_view_be32(&v, 7), 0, "a read crossing the end");
	cr_assert_not(tern_view_ok(&v));
	/* Later good reads still work, but the flag stays set. */
	cr_assert_eq(tern_view_u8(&v, 0), 0x01);
	cr_assert_not(tern_view_ok(&v));

	v = tern_view_make(bytes, sizeof(bytes));
	cr_assert_eq(tern_view_u8(&v, 10), 0);
	cr_assert_not(tern_view_ok(&v));
	v = tern_view_make(bytes, sizeof(bytes));
	cr_assert_eq(tern_view_le64(&v, 3), 0);
	cr_assert_not(tern_view_ok(&v));
	v = tern_view_make(bytes, sizeof(bytes));
	cr_assert_eq(tern_view_le16(&v, SIZE_MAX), 0);
	cr_assert_not(tern_view_ok(&v));
	v = tern_view_make(bytes, sizeof(bytes));
	cr_assert_null(tern_view_ptr(&v, 8, 3));
	cr_assert_not(tern_view_ok(&v));
	v = tern_view_make(bytes, sizeof(bytes));
	tern_view_copy(&v, 8, dst, 4);
	cr_assert_eq(dst[0] | dst[1] | dst[2] | dst[3], 0, "zero-filled");
	cr_assert_not(tern_view_ok(&v));
	v = tern_view_make(bytes, sizeof(bytes));
	cr_assert_not(tern_view_need(&v, 5, 6));
	cr_assert_not(tern_view_ok(&v));
}

Test(view, an_empty_or_null_view_refuses_everything)
{
	struct tern_view v = tern_view_make(NULL, 0);

	cr_assert(tern_view_has(&v, 0, 0));
	cr_assert_eq(tern_view_u8(&v, 0), 0);
	cr_assert_not(tern_view_ok(&v));
}

Test(view, ptr_copy_sub_and_tail)
{
	struct tern_view v = tern_view_make(bytes, sizeof(bytes));
	uint8_t dst[3];
	struct tern_view sub, tail;

	cr_assert_eq(tern_view_ptr(&v, 4, 6), bytes + 4);
	tern_view_copy(&v, 2, dst, 3);
	cr_assert_arr_eq(dst, bytes + 2, 3);
	sub = tern_view_sub(&v, 2, 4);
	cr_assert_eq(sub.len, 4);
	cr_assert_eq(tern_view_u8(&sub, 0), 0x03);
	cr_assert_eq(tern_view_u8(&sub, 4), 0, "the sub-view ends at its len");
	cr_assert_not(tern_view_ok(&sub));
	cr_assert(tern_view_ok(&v), "a bad child does not taint the parent");

	tail = tern_view_tail(&v, 7);
	cr_assert_eq(tail.len, 3);
	cr_assert_eq(tern_view_u8(&tail, 0), 0x08);
	tail = tern_view_tail(&v, 10);
	cr_assert_eq(tail.len, 0);
	cr_assert(tern_view_ok(&tail));
	cr_assert(tern_view_ok(&v));

	sub = tern_view_sub(&v, 8, 3);
	cr_assert_eq(sub.len, 0);
	cr_assert_not(tern_view_ok(&sub));
	cr_assert_not(tern_view_ok(&v), "a bad sub() marks the parent");
	v = tern_view_make(bytes, sizeof(bytes));
	tail = tern_view_tail(&v, 11);
	cr_assert_not(tern_view_ok(&tail));
	cr_assert_not(tern_view_ok(&v));
}

Test(cursor, reads_front_to_back_and_stops_at_the_end)
{
	struct tern_cursor c = tern_cursor_make(bytes, sizeof(bytes));
	const uint8_t *p;

	cr_assert_eq(tern_cursor_left(&c), 10);
	cr_assert_eq(tern_cursor_u8(&c), 0x01);
	cr_assert_eq(tern_cursor_be16(&c), 0x0203);
	cr_assert_eq(tern_cursor_be32(&c), 0x04050607);
	cr_assert_eq(tern_cursor_left(&c), 3);
	p = tern_cursor_take(&c, 2);
	cr_assert_eq(p, bytes + 7);
	cr_assert(tern_cursor_ok(&c));
	/* One byte left: a 16-bit read fails without moving. */
	cr_assert_eq(tern_cursor_be16(&c), 0);
	cr_assert_not(tern_cursor_ok(&c));
	cr_assert_eq(tern_cursor_left(&c), 1);
	/* Once bad, even reads that would fit do not advance. */
	cr_assert_eq(tern_cursor_u8(&c), 0x0a);
	cr_assert_eq(tern_cursor_left(&c), 1);
	cr_assert_not(tern_cursor_ok(&c));
}

Test(cursor, take_and_skip_refuse_overlong_lengths)
{
	struct tern_cursor c = tern_cursor_make(bytes, sizeof(bytes));

	tern_cursor_skip(&c, 4);
	cr_assert_eq(tern_cursor_left(&c), 6);
	cr_assert_null(tern_cursor_take(&c, SIZE_MAX));
	cr_assert_eq(tern_cursor_left(&c), 6);
	cr_assert_not(tern_cursor_ok(&c));

	c = tern_cursor_make(bytes, sizeof(bytes));
	tern_cursor_skip(&c, 11);
	cr_assert_not(tern_cursor_ok(&c));
	cr_assert_eq(tern_cursor_left(&c), 10);

	c = tern_cursor_make(bytes, sizeof(bytes));
	cr_assert_not_null(tern_cursor_take(&c, 10));
	cr_assert_eq(tern_cursor_left(&c), 0);
	cr_assert_not_null(tern_cursor_take(&c, 0), "zero bytes at the end");
	cr_assert(tern_cursor_ok(&c));
	cr_assert_eq(tern_cursor_u8(&c), 0);
	cr_assert_not(tern_cursor_ok(&c));
}

Test(wview, writes_inside_and_refuses_outside)
{
	uint8_t out[12];
	struct tern_wview w;

	memset(out, 0xcc, sizeof(out));
	w = tern_wview_make(out, 10); /* out[10..11] are a guard */
	tern_wview_u8(&w, 0, 0x11);
	tern_wview_be16(&w, 1, 0x2233);
	tern_wview_le16(&w, 3, 0x2233);
	tern_wview_be32(&w, 5, 0x44556677);
	tern_wview_fill(&w, 9, 0x99, 1);
	cr_assert(tern_wview_ok(&w));
	const uint8_t want[10] = { 0x11, 0x22, 0x33, 0x33, 0x22,
				   0x44, 0x55, 0x66, 0x77, 0x99 };
	cr_assert_arr_eq(out, want, 10);

	tern_wview_le32(&w, 7, 0xdeadbeef);
	cr_assert_not(tern_wview_ok(&w));
	cr_assert_arr_eq(out, want, 10, "a refused write changes nothing");
	cr_assert_eq(out[10], 0xcc);
	cr_assert_eq(out[11], 0xcc);
	tern_wview_u8(&w, 0, 0x00);
	cr_assert_not(tern_wview_ok(&w), "sticky");

	w = tern_wview_make(out, 10);
	tern_wview_le64(&w, 2, 0x0807060504030201ull);
	cr_assert(tern_wview_ok(&w));
	cr_assert_eq(out[2], 0x01);
	cr_assert_eq(out[9], 0x08);
	tern_wview_le64(&w, 3, 0);
	cr_assert_not(tern_wview_ok(&w));

	w = tern_wview_make(out, 10);
	tern_wview_bytes(&w, 8, "abc", 3);
	cr_assert_not(tern_wview_ok(&w));
	cr_assert_eq(out[10], 0xcc);
	w = tern_wview_make(out, 10);
	tern_wview_fill(&w, SIZE_MAX, 0, 2);
	cr_assert_not(tern_wview_ok(&w));
	w = tern_wview_make(out, 10);
	tern_wview_bytes(&w, 7, "abc", 3);
	cr_assert(tern_wview_ok(&w));
	cr_assert_eq(out[9], 'c');
}

Test(wview, what_a_wview_writes_a_view_reads_back)
{
	uint8_t buf[32];
	struct tern_wview w = tern_wview_make(buf, sizeof(buf));
	struct tern_view v;

	tern_wview_be16(&w, 0, 0xabcd);
	tern_wview_be32(&w, 2, 0x01020304);
	tern_wview_le16(&w, 6, 0xabcd);
	tern_wview_le32(&w, 8, 0x01020304);
	tern_wview_le64(&w, 12, 0x1122334455667788ull);
	v = tern_view_make(buf, sizeof(buf));
	cr_assert_eq(tern_view_be16(&v, 0), 0xabcd);
	cr_assert_eq(tern_view_be32(&v, 2), 0x01020304);
	cr_assert_eq(tern_view_le16(&v, 6), 0xabcd);
	cr_assert_eq(tern_view_le32(&v, 8), 0x01020304);
	cr_assert_eq(tern_view_le64(&v, 12), 0x1122334455667788ull);
	cr_assert(tern_view_ok(&v) && tern_wview_ok(&w));
}
