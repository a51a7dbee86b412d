/*
 * test_tftp_wire.c - the TFTP parser and emitters (apps/tftpd/tftp_wire.c)
 * against golden bytes: parse/emit pairs for every opcode, the option
 * grammar with its documented leniencies, malformed packets, and the
 * number reader; plus the path cleaner (tftp_path.c).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tern/err.h"
#include "tftp_server.h"
#include "tftp_wire.h"

#define S(lit) lit, sizeof(lit) - 1 /* bytes and length of a literal */

static bool str_is(const struct tftp_str *s, const char *lit)
{
	return s->len == strlen(lit) && memcmp(s->s, lit, s->len) == 0;
}

/* ---- Golden packets ---------------------------------------------------- */

/* A first packet as curl 7.88 sends it (captured in the interop test:
 * octet mode, then tsize 0, blksize and timeout 6, in this order), here
 * for tftp://host/boot/pxelinux.0 with --tftp-blksize 1428. */
static const uint8_t rrq_curl[] = {
	0x00, 0x01, 'b', 'o', 'o', 't', '/',  'p',  'x',  'e',	'l',
	'i',  'n',  'u', 'x', '.', '0', 0x00, 'o',  'c',  't',	'e',
	't',  0x00, 't', 's', 'i', 'z', 'e',  0x00, '0',  0x00, 'b',
	'l',  'k',  's', 'i', 'z', 'e', 0x00, '1',  '4',  '2',	'8',
	0x00, 't',  'i', 'm', 'e', 'o', 'u',  't',  0x00, '6',	0x00,
};

Test(tftp_wire, rrq_golden_parse_and_emit)
{
	struct tftp_msg m;
	uint8_t out[128];
	int n;

	cr_assert_eq(tftp_parse(&m, rrq_curl, sizeof(rrq_curl)), 0);
	cr_assert_eq(m.op, TFTP_RRQ);
	cr_assert(str_is(&m.file, "boot/pxelinux.0"));
	cr_assert(str_is(&m.mode, "octet"));
	cr_assert_eq(m.nopts, 3);
	cr_assert(str_is(&m.opts[0].name, "tsize"));
	cr_assert(str_is(&m.opts[0].value, "0"));
	cr_assert(str_is(&m.opts[1].name, "blksize"));
	cr_assert(str_is(&m.opts[1].value, "1428"));
	cr_assert(str_is(&m.opts[2].name, "timeout"));
	cr_assert(str_is(&m.opts[2].value, "6"));
	cr_assert_not(m.opts_junk);
	cr_assert_eq(m.opts_dropped, 0);

	n = tftp_emit_request(out, sizeof(out), TFTP_RRQ, "boot/pxelinux.0",
			      "octet", m.opts, m.nopts);
	cr_assert_eq(n, (int)sizeof(rrq_curl));
	cr_assert_arr_eq(out, rrq_curl, sizeof(rrq_curl));
	/* One byte short of room: refused, never overrun. */
	cr_assert_eq(tftp_emit_request(out, sizeof(rrq_curl) - 1, TFTP_RRQ,
				       "boot/pxelinux.0", "octet", m.opts,
				       m.nopts),
		     -TERN_EMSGSIZE);
}

Test(tftp_wire, wrq_parses_like_rrq)
{
	static const uint8_t wrq[] = {
		0, 2, 'x', 0, 'O', 'C', 'T', 'E', 'T', 0
	};
	struct tftp_msg m;

	cr_assert_eq(tftp_parse(&m, wrq, sizeof(wrq)), 0);
	cr_assert_eq(m.op, TFTP_WRQ);
	cr_assert(str_is(&m.file, "x"));
	cr_assert(tftp_str_ieq(&m.mode, "octet"));
	cr_assert_eq(m.nopts, 0);
}

Test(tftp_wire, data_ack_error_oack_golden)
{
	static const uint8_t data[] = { 0, 3, 0xff, 0xfe, 'a', 'b', 'c' };
	static const uint8_t data0[] = { 0, 3, 0x00, 0x07 };
	static const uint8_t ack[] = { 0, 4, 0x12, 0x34 };
	static const uint8_t err[] = { 0,   5,	 0,   1,   'f', 'i', 'l',
				       'e', ' ', 'n', 'o', 't', ' ', 'f',
				       'o', 'u', 'n', 'd', 0 };
	static const uint8_t oack[] = { 0,   6,	  'b', 'l', 'k', 's', 'i', 'z',
					'e', 0,	  '1', '4', '6', '8', 0,   't',
					's', 'i', 'z', 'e', 0,	 '4', '2', 0 };
	struct tftp_opt opts[2];
	struct tftp_msg m;
	uint8_t out[64];

	cr_assert_eq(tftp_parse(&m, data, sizeof(data)), 0);
	cr_assert_eq(m.op, TFTP_DATA);
	cr_assert_eq(m.block, 0xfffe);
	cr_assert_eq(m.data_len, 3);
	cr_assert_arr_eq(m.data, "abc", 3);
	cr_assert_eq(tftp_emit_data_hdr(out, sizeof(out), 0xfffe), 4);
	cr_assert_arr_eq(out, data, 4);

	cr_assert_eq(tftp_parse(&m, data0, sizeof(data0)), 0);
	cr_assert_eq(m.block, 7);
	cr_assert_eq(m.data_len, 0);

	cr_assert_eq(tftp_parse(&m, ack, sizeof(ack)), 0);
	cr_assert_eq(m.op, TFTP_ACK);
	cr_assert_eq(m.block, 0x1234);
	cr_assert_eq(tftp_emit_ack(out, sizeof(out), 0x1234), 4);
	cr_assert_arr_eq(out, ack, 4);
	cr_assert_eq(tftp_emit_ack(out, 3, 1), -TERN_EMSGSIZE);

	cr_assert_eq(tftp_parse(&m, err, sizeof(err)), 0);
	cr_assert_eq(m.op, TFTP_ERROR);
	cr_assert_eq(m.code, TFTP_ENOTFOUND);
	cr_assert(str_is(&m.text, "file not found"));
	cr_assert_eq(tftp_emit_error(out, sizeof(out), 1, "file not found"),
		     (int)sizeof(err));
	cr_assert_arr_eq(out, err, sizeof(err));

	cr_assert_eq(tftp_parse(&m, oack, sizeof(oack)), 0);
	cr_assert_eq(m.op, TFTP_OACK);
	cr_assert_eq(m.nopts, 2);
	cr_assert(str_is(&m.opts[0].name, "blksize"));
	cr_assert(str_is(&m.opts[0].value, "1468"));
	cr_assert(str_is(&m.opts[1].value, "42"));
	opts[0].name = tftp_str_c("blksize");
	opts[0].value = tftp_str_c("1468");
	opts[1].name = tftp_str_c("tsize");
	opts[1].value = tftp_str_c("42");
	cr_assert_eq(tftp_emit_oack(out, sizeof(out), opts, 2),
		     (int)sizeof(oack));
	cr_assert_arr_eq(out, oack, sizeof(oack));
}

/* ---- Malformed and lenient --------------------------------------------- */

Test(tftp_wire, short_and_unknown)
{
	struct tftp_msg m;

	cr_assert_eq(tftp_parse(&m, "", 0), -TERN_EBADMSG);
	cr_assert_eq(m.op, 0);
	cr_assert_eq(tftp_parse(&m, "\x00", 1), -TERN_EBADMSG);
	cr_assert_eq(m.op, 0);
	cr_assert_eq(tftp_parse(&m, S("\x00\x07xyz")), -TERN_ENOTSUP);
	cr_assert_eq(m.op, 7);
	cr_assert_eq(tftp_parse(&m, S("\x00\x00")), -TERN_ENOTSUP);
	cr_assert_eq(tftp_parse(&m, S("\x00\x04\x00")), -TERN_EBADMSG);
	cr_assert_eq(m.op, TFTP_ACK);
	cr_assert_eq(tftp_parse(&m, S("\x00\x03\x01")), -TERN_EBADMSG);
	cr_assert_eq(tftp_parse(&m, S("\x00\x05\x00")), -TERN_EBADMSG);
}

Test(tftp_wire, bad_requests)
{
	struct tftp_msg m;

	/* Zero-length filename. */
	cr_assert_eq(tftp_parse(&m, S("\x00\x01\x00octet\x00")), -TERN_EBADMSG);
	cr_assert_eq(m.op, TFTP_RRQ);
	/* No NUL after the filename. */
	cr_assert_eq(tftp_parse(&m, S("\x00\x01"
				      "file")),
		     -TERN_EBADMSG);
	/* No mode. */
	cr_assert_eq(tftp_parse(&m, S("\x00\x01"
				      "file\x00")),
		     -TERN_EBADMSG);
	/* Mode without its NUL. */
	cr_assert_eq(tftp_parse(&m, S("\x00\x01"
				      "file\x00octet")),
		     -TERN_EBADMSG);
	/* Empty mode. */
	cr_assert_eq(tftp_parse(&m, S("\x00\x02"
				      "file\x00\x00")),
		     -TERN_EBADMSG);
	/* Just the opcode. */
	cr_assert_eq(tftp_parse(&m, S("\x00\x01")), -TERN_EBADMSG);
}

Test(tftp_wire, option_leniency)
{
	struct tftp_msg m;

	/* A name without a value: the request stands, the junk is flagged. */
	cr_assert_eq(tftp_parse(&m, S("\x00\x01"
				      "f\x00octet\x00"
				      "blksize\x00")),
		     0);
	cr_assert_eq(m.nopts, 0);
	cr_assert(m.opts_junk);
	/* A value without its NUL. */
	cr_assert_eq(tftp_parse(&m, S("\x00\x01"
				      "f\x00octet\x00"
				      "tsize\x00"
				      "0")),
		     0);
	cr_assert_eq(m.nopts, 0);
	cr_assert(m.opts_junk);
	/* Zero padding after the options (old PXE ROMs). */
	cr_assert_eq(tftp_parse(&m, S("\x00\x01"
				      "f\x00octet\x00"
				      "tsize\x00"
				      "0\x00\x00\x00\x00")),
		     0);
	cr_assert_eq(m.nopts, 1);
	cr_assert(m.opts_junk);
	/* An empty value is a complete pair (the server judges it). */
	cr_assert_eq(tftp_parse(&m, S("\x00\x01"
				      "f\x00octet\x00"
				      "blksize\x00\x00")),
		     0);
	cr_assert_eq(m.nopts, 1);
	cr_assert_eq(m.opts[0].value.len, 0);
	cr_assert_not(m.opts_junk);
	/* But an OACK must be exact. */
	cr_assert_eq(tftp_parse(&m, S("\x00\x06"
				      "blksize\x00")),
		     -TERN_EBADMSG);
	cr_assert_eq(tftp_parse(&m, S("\x00\x06")), 0);
	cr_assert_eq(m.nopts, 0);
}

Test(tftp_wire, many_options_are_bounded)
{
	uint8_t pkt[512];
	size_t len = 0;
	struct tftp_msg m;

	memcpy(pkt,
	       "\x00\x01"
	       "f\x00octet\x00",
	       10);
	len = 10;
	for (int i = 0; i < 20; i++) {
		memcpy(pkt + len,
		       "x\x00"
		       "1\x00",
		       4);
		len += 4;
	}
	cr_assert_eq(tftp_parse(&m, pkt, len), 0);
	cr_assert_eq(m.nopts, TFTP_OPTS_MAX);
	cr_assert_eq(m.opts_dropped, 20 - TFTP_OPTS_MAX);
}

Test(tftp_wire, error_without_nul)
{
	struct tftp_msg m;

	cr_assert_eq(tftp_parse(&m, S("\x00\x05\x00\x08"
				      "refused")),
		     0);
	cr_assert_eq(m.code, TFTP_EOPTNEG);
	cr_assert(str_is(&m.text, "refused"));
	cr_assert_eq(tftp_parse(&m, S("\x00\x05\x00\x00")), 0);
	cr_assert_eq(m.text.len, 0);
}

Test(tftp_wire, numbers_and_names)
{
	struct tftp_str s;
	uint64_t v;

	s = tftp_str_c("1428");
	cr_assert_eq(tftp_str_number(&s, 65464, &v), 0);
	cr_assert_eq(v, 1428);
	s = tftp_str_c("99999999999999999999999999999");
	cr_assert_eq(tftp_str_number(&s, 65464, &v), 0);
	cr_assert_eq(v, 65464);
	s = tftp_str_c("18446744073709551616"); /* 2^64 */
	cr_assert_eq(tftp_str_number(&s, UINT64_MAX, &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	s = tftp_str_c("0007");
	cr_assert_eq(tftp_str_number(&s, 100, &v), 0);
	cr_assert_eq(v, 7);
	for (unsigned i = 0; i < 5; i++) {
		static const char *const bad[] = { "", "+1", "-1", " 1", "1x" };

		s = tftp_str_c(bad[i]);
		cr_assert_eq(tftp_str_number(&s, 100, &v), -TERN_EBADMSG,
			     "\"%s\"", bad[i]);
	}
	s = tftp_str_c("BlkSize");
	cr_assert(tftp_str_ieq(&s, "blksize"));
	cr_assert_not(tftp_str_ieq(&s, "blksiz"));
	s = tftp_str_c("NETASCII");
	cr_assert(tftp_str_ieq(&s, "netascii"));
}

/* ---- Paths ------------------------------------------------------------- */

static void path_is(const char *in, int rc, const char *want)
{
	char out[64];
	int got = tftp_path_clean(in, strlen(in), out, sizeof(out));

	cr_assert_eq(got, rc, "\"%s\": %d, want %d", in, got, rc);
	if (rc >= 0)
		cr_assert_str_eq(out, want, "\"%s\"", in);
}

Test(tftp_wire, path_clean)
{
	path_is("pxelinux.0", 10, "pxelinux.0");
	path_is("/pxelinux.0", 10, "pxelinux.0");
	path_is("//a///b/./c/", 5, "a/b/c");
	path_is("a/../b", 1, "b");
	path_is("a/b/../../c", 1, "c");
	path_is("/", 0, "");
	path_is(".", 0, "");
	path_is("a/..", 0, "");
	path_is("..", -TERN_ERANGE, NULL);
	path_is("../etc/passwd", -TERN_ERANGE, NULL);
	path_is("/a/../../etc/passwd", -TERN_ERANGE, NULL);
	path_is("a/./../..", -TERN_ERANGE, NULL);
	path_is("...", 3, "...");
	path_is("..a/b..", 7, "..a/b..");
	path_is("dir\\..\\x", 8, "dir\\..\\x"); /* a backslash is a byte */
	/* 63 bytes fit a 64-byte buffer, 64 do not. */
	path_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"a",
		63,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"a");
	path_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aa",
		-TERN_ENAMETOOLONG, NULL);
	path_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"/b",
		-TERN_ENAMETOOLONG, NULL);
}
