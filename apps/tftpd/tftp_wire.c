/*
 * tftp_wire.c - parse and emit TFTP packets (see tftp_wire.h).
 *
 * Strings are read with a cursor: a string is the bytes up to the next NUL
 * inside the datagram, and the cursor moves past the NUL. A string whose
 * NUL is missing ends the parse. Every loop consumes at least one byte per
 * turn (the NUL), so a datagram of n bytes costs O(n).
 */
#include "tftp_wire.h"

#include <string.h>

#include "tern/err.h"
#include "tern/view.h"

/* Reads the NUL-terminated string at the cursor into *s and moves past
 * its NUL. Returns false (cursor unchanged) if no NUL follows. */
static bool take_str(struct tern_cursor *c, struct tftp_str *s)
{
	size_t left = tern_cursor_left(c);
	const uint8_t *p, *nul;

	if (left == 0)
		return false;
	p = tern_view_ptr(&c->view, c->pos, left);
	if (!p)
		return false;
	nul = memchr(p, 0, left);
	if (!nul)
		return false;
	s->s = (const char *)p;
	s->len = (size_t)(nul - p);
	tern_cursor_skip(c, s->len + 1);
	return true;
}

/* Reads name/value pairs to the end. A pair cut short, or an empty name
 * (zero padding), ends the options: flagged as junk if any byte is left
 * unread. strict: junk is an error (OACK) instead of a flag. */
static int take_opts(struct tern_cursor *c, struct tftp_msg *m, bool strict)
{
	while (tern_cursor_left(c) > 0) {
		struct tftp_opt o;
		size_t at = c->pos;

		if (!take_str(c, &o.name) || o.name.len == 0 ||
		    !take_str(c, &o.value)) {
			c->pos = at;
			if (strict)
				return -TERN_EBADMSG;
			m->opts_junk = true;
			return 0;
		}
		if (m->nopts < TFTP_OPTS_MAX)
			m->opts[m->nopts++] = o;
		else
			m->opts_dropped++;
	}
	return 0;
}

int tftp_parse(struct tftp_msg *m, const void *buf, size_t len)
{
	struct tern_cursor c = tern_cursor_make(buf, len);

	memset(m, 0, sizeof(*m));
	if (len < 2)
		return -TERN_EBADMSG;
	m->op = tern_cursor_be16(&c);
	switch (m->op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		if (!take_str(&c, &m->file) || m->file.len == 0 ||
		    !take_str(&c, &m->mode) || m->mode.len == 0)
			return -TERN_EBADMSG;
		return take_opts(&c, m, false);
	case TFTP_OACK:
		return take_opts(&c, m, true);
	case TFTP_DATA:
		if (len < TFTP_HDR)
			return -TERN_EBADMSG;
		m->block = tern_cursor_be16(&c);
		m->data_len = tern_cursor_left(&c);
		m->data = m->data_len
				  ? tern_view_ptr(&c.view, c.pos, m->data_len)
				  : NULL;
		return 0;
	case TFTP_ACK:
		if (len < TFTP_HDR)
			return -TERN_EBADMSG;
		m->block = tern_cursor_be16(&c);
		return 0;
	case TFTP_ERROR: {
		size_t left;

		if (len < TFTP_HDR)
			return -TERN_EBADMSG;
		m->code = tern_cursor_be16(&c);
		if (take_str(&c, &m->text))
			return 0;
		/* No NUL: the message is the rest of the datagram. */
		left = tern_cursor_left(&c);
		m->text.s =
			left ? (const char *)tern_view_ptr(&c.view, c.pos, left)
			     : "";
		m->text.len = left;
		return 0;
	}
	default:
		return -TERN_ENOTSUP;
	}
}

bool tftp_str_ieq(const struct tftp_str *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s->len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = s->s[i], b = lit[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

int tftp_str_number(const struct tftp_str *s, uint64_t cap, uint64_t *out)
{
	uint64_t v = 0;

	if (s->len == 0)
		return -TERN_EBADMSG;
	for (size_t i = 0; i < s->len; i++) {
		unsigned d = (unsigned)(unsigned char)s->s[i] - '0';

		if (d > 9)
			return -TERN_EBADMSG;
		/* Saturate: once above cap, stay there (no overflow). */
		if (v <= cap)
			v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	*out = v > cap ? cap : v;
	return 0;
}

struct tftp_str tftp_str_c(const char *s)
{
	struct tftp_str r = { s, strlen(s) };
	return r;
}

/* Appends s and its NUL at *pos. */
static void put_str(struct tern_wview *w, size_t *pos, const char *s,
		    size_t len)
{
	if (len)
		tern_wview_bytes(w, *pos, s, len);
	tern_wview_u8(w, *pos + len, 0);
	*pos += len + 1;
}

static void put_opts(struct tern_wview *w, size_t *pos,
		     const struct tftp_opt *opts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		put_str(w, pos, opts[i].name.s, opts[i].name.len);
		put_str(w, pos, opts[i].value.s, opts[i].value.len);
	}
}

/* The length written, or -TERN_EMSGSIZE if any write fell outside. */
static int done(const struct tern_wview *w, size_t pos)
{
	return tern_wview_ok(w) && pos <= (size_t)INT32_MAX ? (int)pos
							    : -TERN_EMSGSIZE;
}

int tftp_emit_request(void *buf, size_t cap, uint16_t op, const char *file,
		      const char *mode, const struct tftp_opt *opts, unsigned n)
{
	struct tern_wview w = tern_wview_make(buf, cap);
	size_t pos = 2;

	tern_wview_be16(&w, 0, op);
	put_str(&w, &pos, file, strlen(file));
	put_str(&w, &pos, mode, strlen(mode));
	put_opts(&w, &pos, opts, n);
	return done(&w, pos);
}

int tftp_emit_oack(void *buf, size_t cap, const struct tftp_opt *opts,
		   unsigned n)
{
	struct tern_wview w = tern_wview_make(buf, cap);
	size_t pos = 2;

	tern_wview_be16(&w, 0, TFTP_OACK);
	put_opts(&w, &pos, opts, n);
	return done(&w, pos);
}

int tftp_emit_data_hdr(void *buf, size_t cap, uint16_t block)
{
	struct tern_wview w = tern_wview_make(buf, cap);

	tern_wview_be16(&w, 0, TFTP_DATA);
	tern_wview_be16(&w, 2, block);
	return done(&w, TFTP_HDR);
}

int tftp_emit_ack(void *buf, size_t cap, uint16_t block)
{
	struct tern_wview w = tern_wview_make(buf, cap);

	tern_wview_be16(&w, 0, TFTP_ACK);
	tern_wview_be16(&w, 2, block);
	return done(&w, TFTP_HDR);
}

int tftp_emit_error(void *buf, size_t cap, uint16_t code, const char *text)
{
	struct tern_wview w = tern_wview_make(buf, cap);
	size_t pos = TFTP_HDR;

	tern_wview_be16(&w, 0, TFTP_ERROR);
	tern_wview_be16(&w, 2, code);
	put_str(&w, &pos, text, strlen(text));
	return done(&w, pos);
}
