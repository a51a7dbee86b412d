/*
 * fuzz_tftp_wire.c - fuzz target for the TFTP parser and emitters
 * (apps/tftpd/tftp_wire.c) and the path cleaner (tftp_path.c).
 *
 * Input: one datagram. Invariants: tftp_parse returns 0, -TERN_EBADMSG or
 * -TERN_ENOTSUP; every string and payload it returns lies inside the
 * input; a packet that parses is emitted again from the parsed struct and
 * parses to the same struct (options beyond TFTP_OPTS_MAX and trailing
 * junk excepted: they are dropped by design). The bytes also go through
 * tftp_str_number and, as a file name, tftp_path_clean, whose output must
 * hold no empty, "." or ".." component and no leading '/'.
 */
#include <stdlib.h>
#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"
#include "tftp_server.h"
#include "tftp_wire.h"

#include "support/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const void *p, size_t len, const uint8_t *data, size_t size)
{
	const uint8_t *b = p;

	return len == 0 || (b >= data && b + len <= data + size);
}

static bool str_eq(const struct tftp_str *a, const struct tftp_str *b)
{
	return a->len == b->len &&
	       (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

/* A C string copy of s (no NUL inside: parsed strings end at the first). */
static char *cstr(const struct tftp_str *s, char *buf)
{
	memcpy(buf, s->s, s->len);
	buf[s->len] = '\0';
	return buf;
}

static void roundtrip(const struct tftp_msg *m)
{
	static uint8_t out[70000];
	static char a[70000], b[70000];
	struct tftp_msg r;
	int n = -1;

	switch (m->op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		n = tftp_emit_request(out, sizeof(out), m->op,
				      cstr(&m->file, a), cstr(&m->mode, b),
				      m->opts, m->nopts);
		break;
	case TFTP_OACK:
		n = tftp_emit_oack(out, sizeof(out), m->opts, m->nopts);
		break;
	case TFTP_DATA:
		n = tftp_emit_data_hdr(out, sizeof(out), m->block);
		TERN_ASSERT(n == TFTP_HDR);
		TERN_ASSERT(m->data_len <= sizeof(out) - TFTP_HDR);
		if (m->data_len)
			memcpy(out + TFTP_HDR, m->data, m->data_len);
		n += (int)m->data_len;
		break;
	case TFTP_ACK:
		n = tftp_emit_ack(out, sizeof(out), m->block);
		break;
	case TFTP_ERROR:
		n = tftp_emit_error(out, sizeof(out), m->code,
				    cstr(&m->text, a));
		break;
	default:
		TERN_ASSERT(!"parse accepted an unknown opcode");
	}
	TERN_ASSERT(n > 0);
	TERN_ASSERT(tftp_parse(&r, out, (size_t)n) == 0);
	TERN_ASSERT(r.op == m->op && r.block == m->block && r.code == m->code &&
		    r.nopts == m->nopts);
	TERN_ASSERT(str_eq(&r.file, &m->file) && str_eq(&r.mode, &m->mode));
	TERN_ASSERT(str_eq(&r.text, &m->text));
	TERN_ASSERT(r.data_len == m->data_len);
	TERN_ASSERT(!r.opts_junk && r.opts_dropped == 0);
	for (unsigned i = 0; i < m->nopts; i++)
		TERN_ASSERT(str_eq(&r.opts[i].name, &m->opts[i].name) &&
			    str_eq(&r.opts[i].value, &m->opts[i].value));
}

static void check_path(const uint8_t *data, size_t size)
{
	static char out[256];
	const uint8_t *nul = memchr(data, 0, size);
	size_t len = nul ? (size_t)(nul - data) : size;
	int n = tftp_path_clean((const char *)data, len, out, sizeof(out));
	size_t start = 0;

	if (n < 0) {
		TERN_ASSERT(n == -TERN_ERANGE || n == -TERN_ENAMETOOLONG);
		return;
	}
	TERN_ASSERT((size_t)n < sizeof(out) && strlen(out) == (size_t)n);
	if (n == 0)
		return;
	TERN_ASSERT(out[0] != '/' && out[n - 1] != '/');
	for (int i = 0; i <= n; i++) {
		if (i < n && out[i] != '/')
			continue;
		TERN_ASSERT(i > (int)start); /* no empty component */
		TERN_ASSERT(!(i - start == 1 && out[start] == '.'));
		TERN_ASSERT(!(i - start == 2 && out[start] == '.' &&
			      out[start + 1] == '.'));
		start = (size_t)i + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_dup(data, size);
	struct tftp_msg m;
	struct tftp_str s;
	uint64_t v;
	int rc;

	rc = tftp_parse(&m, copy, size);
	TERN_ASSERT(rc == 0 || rc == -TERN_EBADMSG || rc == -TERN_ENOTSUP);
	if (rc == 0) {
		TERN_ASSERT(inside(m.file.s, m.file.len, copy, size));
		TERN_ASSERT(inside(m.mode.s, m.mode.len, copy, size));
		TERN_ASSERT(inside(m.text.s, m.text.len, copy, size) ||
			    m.text.len == 0);
		TERN_ASSERT(inside(m.data, m.data_len, copy, size));
		for (unsigned i = 0; i < m.nopts; i++)
			TERN_ASSERT(inside(m.opts[i].name.s, m.opts[i].name.len,
					   copy, size) &&
				    inside(m.opts[i].value.s,
					   m.opts[i].value.len, copy, size));
		roundtrip(&m);
	}
	s.s = (const char *)copy;
	s.len = size;
	if (tftp_str_number(&s, 65464, &v) == 0)
		TERN_ASSERT(v <= 65464);
	check_path(copy, size);
	free(copy);
	return 0;
}
