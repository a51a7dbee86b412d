/*
 * view.c - fuzz target for views and cursors reading arbitrary bytes.
 *
 * The first byte picks how many of the following bytes are a little program
 * of reads (each op byte plus an argument byte); the rest is the data,
 * copied into a buffer of exactly its size so that the sanitizer sees any
 * read past it. Invariants: every read inside the data returns the bytes
 * there (checked against a plain byte loop), every read outside returns 0
 * and marks the view bad, the flag never clears, and a cursor's position
 * never passes the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/view.h"

#include "support/fuzz_input.h"

static uint64_t manual(const uint8_t *p, size_t n, int big)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * (big ? n - 1 - i : i));
	return v;
}

/* One view read at off of n bytes, checked against the data. */
static void view_read(struct tern_view *v, const uint8_t *data, size_t len,
		      unsigned kind, size_t off)
{
	static const size_t widths[] = { 1, 2, 4, 2, 4, 8 };
	size_t n = widths[kind % 6];
	bool fits = off <= len && n <= len - off, was_bad = v->bad;
	uint64_t got = 0;

	switch (kind % 6) {
	case 0:
		got = tern_view_u8(v, off);
		break;
	case 1:
		got = tern_view_be16(v, off);
		break;
	case 2:
		got = tern_view_be32(v, off);
		break;
	case 3:
		got = tern_view_le16(v, off);
		break;
	case 4:
		got = tern_view_le32(v, off);
		break;
	case 5:
		got = tern_view_le64(v, off);
		break;
	}
	if (fits)
		TERN_ASSERT(got == manual(data + off, n, kind % 6 < 3));
	else
		TERN_ASSERT(got == 0 && v->bad);
	TERN_ASSERT(!was_bad || v->bad);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	if (size < 1)
		return 0;
	size_t prog_len = TERN_MIN((size_t)in[0] * 2, size - 1);
	const uint8_t *prog = in + 1;
	size_t len = size - 1 - prog_len;
	uint8_t *data = fuzz_dup(in + 1 + prog_len, len);
	struct tern_view v = tern_view_make(data, len);
	struct tern_cursor c = tern_cursor_make(data, len);

	for (size_t i = 0; i + 1 < prog_len; i += 2) {
		unsigned op = prog[i];
		/* Offsets near the end, and a few huge ones. */
		size_t arg = prog[i + 1] == 0xff ? SIZE_MAX - (op & 7)
						 : prog[i + 1];
		size_t before = c.pos;
		bool cbad = c.view.bad;

		switch (op >> 5) {
		case 0:
		case 1:
			view_read(&v, data, len, op, arg);
			break;
		case 2: { /* sub-view, then a read inside it */
			struct tern_view sub = tern_view_sub(&v, arg, op & 31);

			if (tern_view_ok(&sub))
				view_read(&sub, sub.data, sub.len, op, op & 3);
			else
				TERN_ASSERT(v.bad && sub.len == 0);
			break;
		}
		case 3: { /* tail */
			struct tern_view t = tern_view_tail(&v, arg);

			TERN_ASSERT(t.len <= len);
			if (tern_view_ok(&t))
				TERN_ASSERT(t.data + t.len == data + len);
			break;
		}
		case 4: { /* cursor take */
			const uint8_t *p = tern_cursor_take(&c, arg);

			TERN_ASSERT(p == NULL || (p == data + before &&
						  c.pos == before + arg));
			TERN_ASSERT(p != NULL || c.pos == before);
			break;
		}
		case 5:
			tern_cursor_skip(&c, arg & 15);
			break;
		case 6: {
			uint32_t x = (op & 1) ? tern_cursor_be32(&c)
					      : tern_cursor_be16(&c);
			size_t n = (op & 1) ? 4 : 2;

			if (!cbad && before + n <= len)
				TERN_ASSERT(x == manual(data + before, n, 1) &&
					    c.pos == before + n);
			else
				TERN_ASSERT(c.pos == before);
			break;
		}
		default: {
			uint8_t buf[32];

			tern_view_copy(&v, arg, buf, op & 31);
			break;
		}
		}
		TERN_ASSERT(c.pos <= len);
		TERN_ASSERT(tern_cursor_left(&c) == len - c.pos);
		TERN_ASSERT(!cbad || c.view.bad);
	}
	free(data);
	return 0;
}
