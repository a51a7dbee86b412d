/*
 * view.h - bounds-checked views over packet and disk bytes.
 *
 * Parsers never do pointer arithmetic on packet data. They wrap the bytes in
 * a view, check the length they need once (tern_view_has), and read fields at
 * named offsets. Every accessor is also safe on its own: an access outside
 * the view reads as zero and sets the view's sticky `bad` flag, so a parser
 * that forgot a check produces a wrong-but-harmless value and can test
 * tern_view_ok() at the end, instead of reading past the buffer.
 *
 * A cursor (tern_cursor) reads a view front to back for variable-length
 * formats (options, DNS names, tar headers). A wview writes an output buffer
 * with the same rules.
 */
#ifndef TERN_VIEW_H
#define TERN_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tern/byteorder.h"

/* Read-only bytes [data, data + len). */
struct tern_view {
	const uint8_t *data;
	size_t len;
	bool bad; /* set by any out-of-range access; never cleared */
};

static inline struct tern_view tern_view_make(const void *data, size_t len)
{
	struct tern_view v = { (const uint8_t *)data, len, false };
	return v;
}

/* True if n bytes at off lie inside the view (overflow-safe). */
static inline bool tern_view_has(const struct tern_view *v, size_t off,
				 size_t n)
{
	return off <= v->len && n <= v->len - off;
}

/* True if no access so far went out of range. */
static inline bool tern_view_ok(const struct tern_view *v)
{
	return !v->bad;
}

/* Checks n bytes at off; on failure marks the view bad. */
static inline bool tern_view_need(struct tern_view *v, size_t off, size_t n)
{
	if (tern_view_has(v, off, n))
		return true;
	v->bad = true;
	return false;
}

static inline uint8_t tern_view_u8(struct tern_view *v, size_t off)
{
	return tern_view_need(v, off, 1) ? v->data[off] : 0;
}

static inline uint16_t tern_view_be16(struct tern_view *v, size_t off)
{
	return tern_view_need(v, off, 2) ? tern_load_be16(v->data + off) : 0;
}

static inline uint32_t tern_view_be32(struct tern_view *v, size_t off)
{
	return tern_view_need(v, off, 4) ? tern_load_be32(v->data + off) : 0;
}

static inline uint16_t tern_view_le16(struct tern_view *v, size_t off)
{
	return tern_view_need(v, off, 2) ? tern_load_le16(v->data + off) : 0;
}

static inline uint32_t tern_view_le32(struct tern_view *v, size_t off)
{
	return tern_view_need(v, off, 4) ? tern_load_le32(v->data + off) : 0;
}

static inline uint64_t tern_view_le64(struct tern_view *v, size_t off)
{
	return tern_view_need(v, off, 8) ? tern_load_le64(v->data + off) : 0;
}

/* A pointer to n bytes at off, or NULL (and the view marked bad). */
static inline const uint8_t *tern_view_ptr(struct tern_view *v, size_t off,
					   size_t n)
{
	return tern_view_need(v, off, n) ? v->data + off : NULL;
}

/* Copies n bytes at off into dst; on a range error dst is zero-filled. */
static inline void tern_view_copy(struct tern_view *v, size_t off, void *dst,
				  size_t n)
{
	if (tern_view_need(v, off, n))
		memcpy(dst, v->data + off, n);
	else
		memset(dst, 0, n);
}

/* The sub-view of n bytes at off. If the range does not fit, the parent is
 * marked bad and the result is an empty, bad view. */
static inline struct tern_view tern_view_sub(struct tern_view *v, size_t off,
					     size_t n)
{
	struct tern_view sub = { NULL, 0, true };

	if (tern_view_need(v, off, n))
		sub = tern_view_make(v->data + off, n);
	return sub;
}

/* The bytes from off to the end (empty if off == len). */
static inline struct tern_view tern_view_tail(struct tern_view *v, size_t off)
{
	return tern_view_sub(v, off, off <= v->len ? v->len - off : 0);
}

/* A cursor reading a view front to back. */
struct tern_cursor {
	struct tern_view view;
	size_t pos;
};

static inline struct tern_cursor tern_cursor_make(const void *data, size_t len)
{
	struct tern_cursor c = { tern_view_make(data, len), 0 };
	return c;
}

/* Bytes left to read. */
static inline size_t tern_cursor_left(const struct tern_cursor *c)
{
	return c->pos <= c->view.len ? c->view.len - c->pos : 0;
}

static inline bool tern_cursor_ok(const struct tern_cursor *c)
{
	return tern_view_ok(&c->view);
}

static inline uint8_t tern_cursor_u8(struct tern_cursor *c)
{
	uint8_t v = tern_view_u8(&c->view, c->pos);
	c->pos += tern_cursor_ok(c) ? 1 : 0;
	return v;
}

static inline uint16_t tern_cursor_be16(struct tern_cursor *c)
{
	uint16_t v = tern_view_be16(&c->view, c->pos);
	c->pos += tern_cursor_ok(c) ? 2 : 0;
	return v;
}

static inline uint32_t tern_cursor_be32(struct tern_cursor *c)
{
	uint32_t v = tern_view_be32(&c->view, c->pos);
	c->pos += tern_cursor_ok(c) ? 4 : 0;
	return v;
}

/* A pointer to the next n bytes, consumed; NULL (cursor bad) if short. */
static inline const uint8_t *tern_cursor_take(struct tern_cursor *c, size_t n)
{
	const uint8_t *p = tern_view_ptr(&c->view, c->pos, n);
	if (p)
		c->pos += n;
	return p;
}

/* Skips n bytes; marks the cursor bad if fewer are left. */
static inline void tern_cursor_skip(struct tern_cursor *c, size_t n)
{
	(void)tern_cursor_take(c, n);
}

/* Writable bytes [data, data + len). */
struct tern_wview {
	uint8_t *data;
	size_t len;
	bool bad; /* set by any out-of-range write; never cleared */
};

static inline struct tern_wview tern_wview_make(void *data, size_t len)
{
	struct tern_wview w = { (uint8_t *)data, len, false };
	return w;
}

static inline bool tern_wview_ok(const struct tern_wview *w)
{
	return !w->bad;
}

static inline bool tern_wview_need(struct tern_wview *w, size_t off, size_t n)
{
	if (off <= w->len && n <= w->len - off)
		return true;
	w->bad = true;
	return false;
}

static inline void tern_wview_u8(struct tern_wview *w, size_t off, uint8_t v)
{
	if (tern_wview_need(w, off, 1))
		w->data[off] = v;
}

static inline void tern_wview_be16(struct tern_wview *w, size_t off, uint16_t v)
{
	if (tern_wview_need(w, off, 2))
		tern_store_be16(w->data + off, v);
}

static inline void tern_wview_be32(struct tern_wview *w, size_t off, uint32_t v)
{
	if (tern_wview_need(w, off, 4))
		tern_store_be32(w->data + off, v);
}

static inline void tern_wview_le16(struct tern_wview *w, size_t off, uint16_t v)
{
	if (tern_wview_need(w, off, 2))
		tern_store_le16(w->data + off, v);
}

static inline void tern_wview_le32(struct tern_wview *w, size_t off, uint32_t v)
{
	if (tern_wview_need(w, off, 4))
		tern_store_le32(w->data + off, v);
}

static inline void tern_wview_le64(struct tern_wview *w, size_t off, uint64_t v)
{
	if (tern_wview_need(w, off, 8))
		tern_store_le64(w->data + off, v);
}

static inline void tern_wview_bytes(struct tern_wview *w, size_t off,
				    const void *src, size_t n)
{
	if (tern_wview_need(w, off, n))
		memcpy(w->data + off, src, n);
}

static inline void tern_wview_fill(struct tern_wview *w, size_t off,
				   uint8_t byte, size_t n)
{
	if (tern_wview_need(w, off, n))
		memset(w->data + off, byte, n);
}

#endif
