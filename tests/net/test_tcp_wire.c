/*
 * test_tcp_wire.c - the TCP wire layer (components/net/wire_tcp.c): header
 * and options parsed from scapy's bytes and emitted back to the same bytes,
 * checksum included; every rejection of the header parser and the options
 * walk; the options emitter's lengths and layouts re-parsed; and sequence
 * arithmetic across the 2^32 wrap.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tcp_golden.h"
#include "tern/byteorder.h"
#include "tern/err.h"
#include "tern/net_wire.h"
#include "util_net.h"

/* The values of tcp_golden.py. */
#define B_ISS 0x1a2b3c4du
#define A_ISS 0x5e6f7081u
#define B_NXT (B_ISS + 1 + 30) /* after the 30-byte request */

#define ALL_BITS                                                         \
	(TERN_TCP_HAS_MSS | TERN_TCP_HAS_WSCALE | TERN_TCP_HAS_SACK_OK | \
	 TERN_TCP_HAS_SACK | TERN_TCP_HAS_TS)

/* A golden segment and what parsing it must give. */
struct golden {
	const char *name;
	const uint8_t *seg;
	size_t len;
	uint32_t src, dst;
	struct tern_tcp_hdr h; /* cksum: taken from the bytes */
	struct tern_tcp_opts o;
	bool emit; /* in Linux's layout, so emitting reproduces it */
};

#define SEG(a) a, sizeof(a)

static int popcount(uint32_t x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

static void assert_opts_eq(const struct tern_tcp_opts *got,
			   const struct tern_tcp_opts *want, const char *what)
{
	cr_assert_eq(got->present, want->present, "%s: present %#x, not %#x",
		     what, got->present, want->present);
	cr_assert_eq(got->mss, want->mss, "%s: mss", what);
	cr_assert_eq(got->wscale, want->wscale, "%s: wscale", what);
	cr_assert_eq(got->ts_val, want->ts_val, "%s: ts_val", what);
	cr_assert_eq(got->ts_ecr, want->ts_ecr, "%s: ts_ecr", what);
	cr_assert_eq(got->n_sack, want->n_sack, "%s: n_sack", what);
	for (unsigned i = 0; i < want->n_sack; i++) {
		cr_assert_eq(got->sack[i].start, want->sack[i].start,
			     "%s: sack[%u].start", what, i);
		cr_assert_eq(got->sack[i].end, want->sack[i].end,
			     "%s: sack[%u].end", what, i);
	}
}

/* Parses g and checks every field, then (if g->emit) emits header and
 * options from the parsed structs, computes the checksum, and compares the
 * result with the golden bytes. */
static void check_golden(const struct golden *g)
{
	const uint8_t *d = g->seg;
	struct tern_tcp_hdr h;
	struct tern_tcp_opts o;
	enum tern_wire_bad why = TERN_WIRE_SHORT;
	uint8_t out[TERN_TCP_HLEN_MAX + 64];
	struct tern_iov pay;
	size_t olen;

	cr_assert_eq(tern_tcp_hdr_parse(d, g->len, g->src, g->dst, &h, true,
					&why),
		     0, "%s: %s", g->name, tern_wire_bad_name(why));
	cr_assert_eq(why, TERN_WIRE_OK);
	cr_assert_eq(h.sport, g->h.sport, "%s", g->name);
	cr_assert_eq(h.dport, g->h.dport, "%s", g->name);
	cr_assert_eq(h.seq, g->h.seq, "%s", g->name);
	cr_assert_eq(h.ack, g->h.ack, "%s", g->name);
	cr_assert_eq(h.hlen, g->h.hlen, "%s", g->name);
	cr_assert_eq(h.flags, g->h.flags, "%s", g->name);
	cr_assert_eq(h.win, g->h.win, "%s", g->name);
	cr_assert_eq(h.urp, g->h.urp, "%s", g->name);
	cr_assert_eq(h.cksum, tern_load_be16(d + 16), "%s", g->name);
	cr_assert_eq(tern_tcp_opts_parse(d + TERN_TCP_HLEN,
					 h.hlen - TERN_TCP_HLEN, &o),
		     popcount(g->o.present), "%s", g->name);
	assert_opts_eq(&o, &g->o, g->name);
	if (!g->emit)
		return;

	cr_assert_leq(g->len, sizeof(out));
	olen = tern_tcp_opts_len(&o, h.flags & TERN_TCP_SYN);
	cr_assert_eq(olen, h.hlen - TERN_TCP_HLEN, "%s", g->name);
	memset(out, 0xee, sizeof(out));
	h.cksum = 0;
	tern_tcp_hdr_emit(&h, out);
	cr_assert_eq(tern_tcp_opts_emit(&o, h.flags & TERN_TCP_SYN,
					out + TERN_TCP_HLEN),
		     olen);
	memcpy(out + h.hlen, d + h.hlen, g->len - h.hlen);
	pay.base = out + h.hlen;
	pay.len = g->len - h.hlen;
	tern_store_be16(out + 16,
			tern_tcp_cksum(g->src, g->dst, out, h.hlen, &pay, 1));
	cr_assert_arr_eq(out, d, g->len, "%s: emitted bytes differ", g->name);
	cr_assert_eq(out[g->len], 0xee, "%s: wrote past the segment", g->name);
}

Test(tcp_wire, golden_syn)
{
	struct golden g = {
		"syn",
		SEG(golden_tcp_syn),
		TNET_B_IP,
		TNET_A_IP,
		{ .sport = 40000,
		  .dport = 80,
		  .seq = B_ISS,
		  .hlen = 40,
		  .flags = TERN_TCP_SYN,
		  .win = 64240 },
		{ .present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_SACK_OK |
			     TERN_TCP_HAS_TS | TERN_TCP_HAS_WSCALE,
		  .mss = 1460,
		  .wscale = 7,
		  .ts_val = 0x0a0b0c0d },
		true,
	};
	check_golden(&g);
}

Test(tcp_wire, golden_synack)
{
	struct golden g = {
		"synack",
		SEG(golden_tcp_synack),
		TNET_A_IP,
		TNET_B_IP,
		{ .sport = 80,
		  .dport = 40000,
		  .seq = A_ISS,
		  .ack = B_ISS + 1,
		  .hlen = 40,
		  .flags = TERN_TCP_SYN | TERN_TCP_ACK,
		  .win = 65160 },
		{ .present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_SACK_OK |
			     TERN_TCP_HAS_TS | TERN_TCP_HAS_WSCALE,
		  .mss = 1460,
		  .wscale = 7,
		  .ts_val = 0x11223344,
		  .ts_ecr = 0x0a0b0c0d },
		true,
	};
	check_golden(&g);
}

Test(tcp_wire, golden_pure_ack_with_timestamps)
{
	struct golden g = {
		"ack_ts",
		SEG(golden_tcp_ack_ts),
		TNET_B_IP,
		TNET_A_IP,
		{ .sport = 40000,
		  .dport = 80,
		  .seq = B_ISS + 1,
		  .ack = A_ISS + 1,
		  .hlen = 32,
		  .flags = TERN_TCP_ACK,
		  .win = 502 },
		{ .present = TERN_TCP_HAS_TS,
		  .ts_val = 0x0a0b0c0e,
		  .ts_ecr = 0x11223344 },
		true,
	};
	check_golden(&g);
}

Test(tcp_wire, golden_data_with_psh)
{
	struct golden g = {
		"data_psh",
		SEG(golden_tcp_data_psh),
		TNET_B_IP,
		TNET_A_IP,
		{ .sport = 40000,
		  .dport = 80,
		  .seq = B_ISS + 1,
		  .ack = A_ISS + 1,
		  .hlen = 32,
		  .flags = TERN_TCP_PSH | TERN_TCP_ACK,
		  .win = 502 },
		{ .present = TERN_TCP_HAS_TS,
		  .ts_val = 0x0a0b0c0f,
		  .ts_ecr = 0x11223344 },
		true,
	};
	check_golden(&g);
	cr_assert_eq(sizeof(golden_tcp_data_psh) - 32, 30);
	cr_assert_arr_eq(golden_tcp_data_psh + 32, "GET / HTTP/1.1\r\n", 16);
}

Test(tcp_wire, golden_ack_with_sack_blocks)
{
	const struct tern_tcp_sack_block blocks[3] = {
		{ B_NXT + 1448, B_NXT + 2896 },
		{ B_NXT + 4344, B_NXT + 5792 },
		{ B_NXT + 7240, B_NXT + 8688 },
	};
	const struct {
		const uint8_t *seg;
		size_t len;
	} segs[3] = {
		{ SEG(golden_tcp_sack1) },
		{ SEG(golden_tcp_sack2) },
		{ SEG(golden_tcp_sack3) },
	};

	for (unsigned n = 1; n <= 3; n++) {
		struct golden g = {
			"sack",
			segs[n - 1].seg,
			segs[n - 1].len,
			TNET_A_IP,
			TNET_B_IP,
			{ .sport = 80,
			  .dport = 40000,
			  .seq = A_ISS + 1,
			  .ack = B_NXT,
			  .hlen = (uint8_t)(32 + 4 + 8 * n),
			  .flags = TERN_TCP_ACK,
			  .win = 509 },
			{ .present = TERN_TCP_HAS_TS | TERN_TCP_HAS_SACK,
			  .ts_val = 0x11223350,
			  .ts_ecr = 0x0a0b0c0f,
			  .n_sack = (uint8_t)n },
			true,
		};

		memcpy(g.o.sack, blocks, n * sizeof(blocks[0]));
		check_golden(&g);
	}
}

Test(tcp_wire, golden_fin)
{
	struct golden g = {
		"fin",
		SEG(golden_tcp_fin),
		TNET_B_IP,
		TNET_A_IP,
		{ .sport = 40000,
		  .dport = 80,
		  .seq = B_NXT,
		  .ack = A_ISS + 1,
		  .hlen = 32,
		  .flags = TERN_TCP_FIN | TERN_TCP_ACK,
		  .win = 502 },
		{ .present = TERN_TCP_HAS_TS,
		  .ts_val = 0x0a0b0c20,
		  .ts_ecr = 0x11223350 },
		true,
	};
	check_golden(&g);
}

Test(tcp_wire, golden_rst_and_rst_ack)
{
	struct golden rst = {
		"rst",
		SEG(golden_tcp_rst),
		TNET_A_IP,
		TNET_B_IP,
		{ .sport = 80,
		  .dport = 40000,
		  .seq = A_ISS + 1,
		  .hlen = 20,
		  .flags = TERN_TCP_RST },
		{ .present = 0 },
		true,
	};
	struct golden rst_ack = {
		"rst_ack",
		SEG(golden_tcp_rst_ack),
		TNET_A_IP,
		TNET_B_IP,
		{ .sport = 81,
		  .dport = 40001,
		  .seq = 0,
		  .ack = B_ISS + 0x10000001u,
		  .hlen = 20,
		  .flags = TERN_TCP_RST | TERN_TCP_ACK },
		{ .present = 0 },
		true,
	};
	check_golden(&rst);
	check_golden(&rst_ack);
}

Test(tcp_wire, golden_syn_in_another_order_parses)
{
	/* Windows' order: parsing does not depend on Linux's layout. */
	struct golden g = {
		"syn_windows",
		SEG(golden_tcp_syn_windows),
		TNET_B_IP,
		TNET_A_IP,
		{ .sport = 50000,
		  .dport = 80,
		  .seq = 0xfffffff0u,
		  .hlen = 32,
		  .flags = TERN_TCP_SYN,
		  .win = 65535 },
		{ .present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_WSCALE |
			     TERN_TCP_HAS_SACK_OK,
		  .mss = 1460,
		  .wscale = 8 },
		false,
	};
	check_golden(&g);
}

/* ---- Header parser rejections ------------------------------------------ */

Test(tcp_wire, rejects_short_segments)
{
	struct tern_tcp_hdr h;
	enum tern_wire_bad why;

	for (size_t len = 0; len < TERN_TCP_HLEN; len++) {
		why = TERN_WIRE_OK;
		cr_assert_eq(tern_tcp_hdr_parse(golden_tcp_rst, len, TNET_A_IP,
						TNET_B_IP, &h, false, &why),
			     -TERN_EBADMSG, "len %zu", len);
		cr_assert_eq(why, TERN_WIRE_SHORT);
	}
}

Test(tcp_wire, rejects_bad_data_offsets)
{
	uint8_t d[64];
	struct tern_tcp_hdr h;
	enum tern_wire_bad why;

	/* Data offsets 0..4: below the fixed header. */
	for (unsigned off = 0; off < 5; off++) {
		memcpy(d, golden_tcp_syn, sizeof(golden_tcp_syn));
		d[12] = (uint8_t)(off << 4);
		cr_assert_eq(tern_tcp_hdr_parse(d, sizeof(golden_tcp_syn), 1, 2,
						&h, false, &why),
			     -TERN_EBADMSG, "offset %u", off);
		cr_assert_eq(why, TERN_WIRE_HLEN);
	}
	/* Past the bytes: a 40-byte header in 39 bytes, offset 15 in 20. */
	cr_assert_eq(tern_tcp_hdr_parse(golden_tcp_syn, 39, 1, 2, &h, false,
					&why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_HLEN);
	memcpy(d, golden_tcp_rst, sizeof(golden_tcp_rst));
	d[12] = 0xf0;
	cr_assert_eq(tern_tcp_hdr_parse(d, sizeof(golden_tcp_rst), 1, 2, &h,
					false, &why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_HLEN);
	/* Offset 15 with exactly 60 bytes is the largest header. */
	memset(d + 20, TERN_TCPOPT_NOP, 40);
	cr_assert_eq(tern_tcp_hdr_parse(d, 60, 1, 2, &h, false, &why), 0);
	cr_assert_eq(h.hlen, 60);
	/* A header with no payload: hlen == len is fine. */
	cr_assert_eq(tern_tcp_hdr_parse(golden_tcp_syn, sizeof(golden_tcp_syn),
					1, 2, &h, false, &why),
		     0);
	cr_assert_eq(h.hlen, sizeof(golden_tcp_syn));
}

Test(tcp_wire, reserved_bits_are_ignored_and_emitted_as_zero)
{
	uint8_t d[sizeof(golden_tcp_ack_ts)], out[TERN_TCP_HLEN];
	struct tern_tcp_hdr h;
	enum tern_wire_bad why;

	memcpy(d, golden_tcp_ack_ts, sizeof(d));
	d[12] |= 0x0f;
	cr_assert_eq(tern_tcp_hdr_parse(d, sizeof(d), 1, 2, &h, false, &why),
		     0);
	cr_assert_eq(h.hlen, 32);
	cr_assert_eq(h.flags, TERN_TCP_ACK);
	tern_tcp_hdr_emit(&h, out);
	cr_assert_arr_eq(out, golden_tcp_ack_ts, TERN_TCP_HLEN);
}

Test(tcp_wire, rejects_bad_checksums_unless_not_verifying)
{
	size_t len = sizeof(golden_tcp_data_psh);
	uint8_t d[sizeof(golden_tcp_data_psh)];
	struct tern_tcp_hdr h;
	enum tern_wire_bad why;

	memcpy(d, golden_tcp_data_psh, len);
	d[len - 1] ^= 0x01;
	cr_assert_eq(tern_tcp_hdr_parse(d, len, TNET_B_IP, TNET_A_IP, &h, true,
					&why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_CKSUM);
	cr_assert_eq(tern_tcp_hdr_parse(d, len, TNET_B_IP, TNET_A_IP, &h, false,
					&why),
		     0);
	cr_assert_eq(why, TERN_WIRE_OK);
	/* The pseudo-header counts: the right bytes from the wrong host. */
	cr_assert_eq(tern_tcp_hdr_parse(golden_tcp_data_psh, len, TNET_GW_IP,
					TNET_A_IP, &h, true, &why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_CKSUM);
	/* So does every byte: one cut off fails too (the length is in the
	 * pseudo-header, and the byte is gone). */
	cr_assert_eq(tern_tcp_hdr_parse(golden_tcp_data_psh, len - 1, TNET_B_IP,
					TNET_A_IP, &h, true, &why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_CKSUM);
	/* The checks come in order: a short header is SHORT, not CKSUM. */
	cr_assert_eq(tern_tcp_hdr_parse(d, 19, TNET_B_IP, TNET_A_IP, &h, true,
					&why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_SHORT);
}

Test(tcp_wire, no_checksum_verifies_past_64k)
{
	static uint8_t big[65536];
	struct tern_tcp_hdr h = { .hlen = 20, .flags = TERN_TCP_ACK };
	struct tern_tcp_hdr back;
	enum tern_wire_bad why;

	/* No IPv4 payload is this long: its length does not fit the
	 * pseudo-header, so it cannot carry a valid checksum. */
	tern_tcp_hdr_emit(&h, big);
	cr_assert_eq(tern_tcp_hdr_parse(big, sizeof(big), 1, 2, &back, true,
					&why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_CKSUM);
	cr_assert_eq(tern_tcp_hdr_parse(big, sizeof(big), 1, 2, &back, false,
					&why),
		     0);
}

Test(tcp_wire, checksum_over_pieces_of_any_length)
{
	static const char text[] = "odd-length payload!"; /* 19 bytes */
	struct tern_tcp_hdr h = { .sport = 1234,
				  .dport = 80,
				  .seq = 7,
				  .ack = 9,
				  .hlen = 20,
				  .flags = TERN_TCP_PSH | TERN_TCP_ACK,
				  .win = 1000,
				  .urp = 0 };
	uint8_t seg[20 + sizeof(text) - 1];
	struct tern_iov one = { text, sizeof(text) - 1 };
	struct tern_iov three[3] = { { text, 1 },
				     { text + 1, 3 },
				     { text + 4, sizeof(text) - 5 } };
	struct tern_tcp_hdr back;
	enum tern_wire_bad why;
	uint16_t c1, c3;

	tern_tcp_hdr_emit(&h, seg);
	c1 = tern_tcp_cksum(TNET_B_IP, TNET_A_IP, seg, 20, &one, 1);
	c3 = tern_tcp_cksum(TNET_B_IP, TNET_A_IP, seg, 20, three, 3);
	cr_assert_eq(c1, c3);
	tern_store_be16(seg + 16, c1);
	memcpy(seg + 20, text, sizeof(text) - 1);
	cr_assert_eq(tern_tcp_hdr_parse(seg, sizeof(seg), TNET_B_IP, TNET_A_IP,
					&back, true, &why),
		     0);
	/* The whole segment as "header" gives the same sum (how
	 * tcp_output.c calls it for a linear buffer). */
	seg[16] = seg[17] = 0;
	cr_assert_eq(tern_tcp_cksum(TNET_B_IP, TNET_A_IP, seg, sizeof(seg),
				    NULL, 0),
		     c1);
}

Test(tcp_wire, header_emit_keeps_every_field)
{
	struct tern_tcp_hdr h = { .sport = 0xfedc,
				  .dport = 0x0102,
				  .seq = 0xdeadbeef,
				  .ack = 0x01020304,
				  .hlen = 60,
				  .flags = 0xff,
				  .win = 0xabcd,
				  .cksum = 0x1234,
				  .urp = 0x8765 };
	uint8_t out[60];
	struct tern_tcp_hdr back;
	enum tern_wire_bad why;

	memset(out, TERN_TCPOPT_NOP, sizeof(out));
	tern_tcp_hdr_emit(&h, out);
	cr_assert_eq(out[12], 0xf0);
	cr_assert_eq(out[13], 0xff);
	cr_assert_eq(tern_tcp_hdr_parse(out, sizeof(out), 0, 0, &back, false,
					&why),
		     0);
	cr_assert_eq(back.sport, h.sport);
	cr_assert_eq(back.dport, h.dport);
	cr_assert_eq(back.seq, h.seq);
	cr_assert_eq(back.ack, h.ack);
	cr_assert_eq(back.hlen, h.hlen);
	cr_assert_eq(back.flags, h.flags);
	cr_assert_eq(back.win, h.win);
	cr_assert_eq(back.cksum, h.cksum);
	cr_assert_eq(back.urp, h.urp);
}

/* ---- The options walk --------------------------------------------------- */

/* Parses the len bytes at p; returns what tern_tcp_opts_parse returned. */
static int opts(const uint8_t *p, size_t len, struct tern_tcp_opts *o)
{
	return tern_tcp_opts_parse(p, len, o);
}

Test(tcp_wire, options_walk_rejects_bad_lengths)
{
	struct tern_tcp_opts o;
	/* Length 0 and 1, for a known kind and an unknown one. */
	static const uint8_t len0[] = { 2, 0, 5, 0xb4 };
	static const uint8_t len1[] = { 2, 1, 5, 0xb4 };
	static const uint8_t unk0[] = { 1, 1, 99, 0 };
	static const uint8_t unk1[] = { 99, 1, 1, 1 };
	/* Lengths past the end of the area. */
	static const uint8_t past_mss[] = { 2, 4, 5 };
	static const uint8_t past_ts[] = { 1, 1, 8, 10, 0, 0, 0, 1 };
	static const uint8_t past_unk[] = { 2, 4, 5, 0xb4, 77, 40, 0, 0 };
	/* A kind as the last byte, with no room for its length. */
	static const uint8_t no_len[] = { 1, 1, 1, 2 };

	cr_assert_eq(opts(len0, sizeof(len0), &o), -TERN_EBADMSG);
	cr_assert_eq(opts(len1, sizeof(len1), &o), -TERN_EBADMSG);
	cr_assert_eq(opts(unk0, sizeof(unk0), &o), -TERN_EBADMSG);
	cr_assert_eq(opts(unk1, sizeof(unk1), &o), -TERN_EBADMSG);
	cr_assert_eq(opts(past_mss, sizeof(past_mss), &o), -TERN_EBADMSG);
	cr_assert_eq(opts(past_ts, sizeof(past_ts), &o), -TERN_EBADMSG);
	cr_assert_eq(opts(past_unk, sizeof(past_unk), &o), -TERN_EBADMSG);
	cr_assert_eq(opts(no_len, sizeof(no_len), &o), -TERN_EBADMSG);
	/* The same bytes cut to end before the bad option are fine. */
	cr_assert_eq(opts(past_unk, 4, &o), 1);
	cr_assert_eq(o.mss, 1460);
	cr_assert_eq(opts(no_len, 3, &o), 0);
	/* No options at all. */
	cr_assert_eq(opts(NULL, 0, &o), 0);
	cr_assert_eq(o.present, 0);
}

Test(tcp_wire, options_walk_stops_at_eol)
{
	struct tern_tcp_opts o;
	/* After EOL: garbage that would be -TERN_EBADMSG, and an MSS. */
	static const uint8_t d[] = { 2, 4, 0x05, 0xb4, 0, 2, 1, 2, 4, 0, 1 };
	static const uint8_t first[] = { 0, 2, 4, 0x05, 0xb4 };

	cr_assert_eq(opts(d, sizeof(d), &o), 1);
	cr_assert_eq(o.present, TERN_TCP_HAS_MSS);
	cr_assert_eq(o.mss, 1460);
	cr_assert_eq(opts(first, sizeof(first), &o), 0);
	cr_assert_eq(o.present, 0);
	cr_assert_eq(o.mss, 0);
}

Test(tcp_wire, options_of_the_wrong_length_are_ignored)
{
	struct tern_tcp_opts o;
	static const uint8_t d[] = {
		2, 3, 5, 1,		/* MSS, length 3 */
		3, 4, 7, 0,		/* window scale, length 4 */
		4, 3, 0,		/* SACK-permitted, length 3 */
		8, 8, 1, 2, 3, 4, 5, 6, /* timestamps, length 8 */
		5, 2,			/* SACK, no blocks */
		5, 5, 0, 0, 0,		/* SACK, length 5 */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	};
	/* A well-formed option after a malformed one of its kind is taken:
	 * the malformed one had no value to keep. */
	static const uint8_t then_good[] = { 2, 3, 5, 1, 2, 4, 2, 0x18 };

	cr_assert_eq(sizeof(d), 40);
	cr_assert_eq(opts(d, sizeof(d), &o), 0);
	cr_assert_eq(o.present, 0);
	cr_assert_eq(o.mss, 0);
	cr_assert_eq(o.ts_val, 0);
	cr_assert_eq(opts(then_good, sizeof(then_good), &o), 1);
	cr_assert_eq(o.present, TERN_TCP_HAS_MSS);
	cr_assert_eq(o.mss, 536);
}

Test(tcp_wire, sack_lengths_other_than_2_plus_8n_are_ignored)
{
	struct tern_tcp_opts o;
	uint8_t d[48];

	/* Lengths 2..42: only 10, 18, 26, 34 (1..4 blocks) are taken. A
	 * 42-byte area does not fit a real header; the walk takes any len,
	 * which is how 5 blocks can be tried at all. */
	for (unsigned olen = 2; olen <= 42; olen++) {
		int rc;

		memset(d, 0, sizeof(d));
		d[0] = TERN_TCPOPT_SACK;
		d[1] = (uint8_t)olen;
		for (unsigned i = 2; i + 4 <= olen; i += 4)
			tern_store_be32(d + i, 1000 + i);
		rc = opts(d, olen, &o);
		if (olen >= 10 && (olen - 2) % 8 == 0 && olen <= 34) {
			cr_assert_eq(rc, 1, "length %u", olen);
			cr_assert_eq(o.present, TERN_TCP_HAS_SACK);
			cr_assert_eq(o.n_sack, (olen - 2) / 8);
			cr_assert_eq(o.sack[0].start, 1002);
			cr_assert_eq(o.sack[0].end, 1006);
			cr_assert_eq(o.sack[o.n_sack - 1].end, 1000 + olen - 4);
		} else {
			cr_assert_eq(rc, 0, "length %u", olen);
			cr_assert_eq(o.present, 0);
			cr_assert_eq(o.n_sack, 0);
		}
	}
}

Test(tcp_wire, unknown_options_are_skipped)
{
	struct tern_tcp_opts o;
	static const uint8_t d[] = {
		30,  4,	 0x10, 0x01,			     /* MPTCP */
		34,  10, 1,    2,    3, 4, 5, 6, 7, 8,	     /* fast open */
		254, 6,	 0xf9, 0x89, 0, 0,		     /* experiment */
		19,  2,					     /* MD5, empty */
		2,   4,	 0x23, 0x28,			     /* MSS 9000 */
		1,   1,	 1,    1,    1, 1, 1, 1, 1, 1, 1, 1, /* NOPs */
	};

	cr_assert_eq(sizeof(d), 38);
	cr_assert_eq(opts(d, sizeof(d), &o), 1);
	cr_assert_eq(o.present, TERN_TCP_HAS_MSS);
	cr_assert_eq(o.mss, 9000);
}

Test(tcp_wire, repeated_options_keep_the_first)
{
	struct tern_tcp_opts o;
	static const uint8_t d[] = {
		2, 4,  0x05, 0xb4,		     /* MSS 1460 */
		2, 4,  0x02, 0x18,		     /* MSS 536 */
		3, 3,  7,			     /* WS 7 */
		3, 3,  2,			     /* WS 2 */
		4, 2,  4,    2,			     /* SACK_OK twice */
		8, 10, 0,    0,	   0, 1, 0, 0, 0, 2, /* TS 1, 2 */
		8, 10, 0,    0,	   0, 3, 0, 0, 0, 4, /* TS 3, 4 */
	};

	cr_assert_eq(opts(d, sizeof(d), &o), 4);
	cr_assert_eq(o.present, TERN_TCP_HAS_MSS | TERN_TCP_HAS_WSCALE |
					TERN_TCP_HAS_SACK_OK | TERN_TCP_HAS_TS);
	cr_assert_eq(o.mss, 1460);
	cr_assert_eq(o.wscale, 7);
	cr_assert_eq(o.ts_val, 1);
	cr_assert_eq(o.ts_ecr, 2);

	/* Two SACK options: the first one's blocks. */
	{
		static const uint8_t s[] = { 5, 10, 0, 0, 0, 1, 0, 0, 0, 2,
					     5, 18, 0, 0, 0, 3, 0, 0, 0, 4,
					     0, 0,  0, 5, 0, 0, 0, 6 };

		cr_assert_eq(opts(s, sizeof(s), &o), 1);
		cr_assert_eq(o.n_sack, 1);
		cr_assert_eq(o.sack[0].start, 1);
		cr_assert_eq(o.sack[0].end, 2);
	}
}

Test(tcp_wire, large_window_scale_is_passed_through)
{
	struct tern_tcp_opts o;
	uint8_t d[3] = { TERN_TCPOPT_WSCALE, 3, 0 };

	for (unsigned ws = 0; ws <= 255; ws++) {
		d[2] = (uint8_t)ws;
		cr_assert_eq(opts(d, sizeof(d), &o), 1);
		cr_assert_eq(o.present, TERN_TCP_HAS_WSCALE);
		cr_assert_eq(o.wscale, ws, "as received, not clamped");
	}
}

Test(tcp_wire, parse_clears_the_struct_first)
{
	struct tern_tcp_opts o;
	static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };

	memset(&o, 0xa5, sizeof(o));
	cr_assert_eq(opts(mss, sizeof(mss), &o), 1);
	cr_assert_eq(o.present, TERN_TCP_HAS_MSS);
	cr_assert_eq(o.wscale, 0);
	cr_assert_eq(o.n_sack, 0);
	cr_assert_eq(o.ts_val, 0);
	cr_assert_eq(o.ts_ecr, 0);
	cr_assert_eq(o.sack[3].end, 0);
}

/* ---- Options: length and emit -------------------------------------------- */

/* Emits o into a buffer with a guard after it, checks the length against
 * tern_tcp_opts_len and that nothing past it was written, and parses the
 * result into *back. Returns the bytes written. */
static size_t emit_and_parse(const struct tern_tcp_opts *o, bool syn,
			     struct tern_tcp_opts *back, int *count)
{
	uint8_t buf[TERN_TCP_OPTS_MAX + 16];
	size_t len = tern_tcp_opts_len(o, syn);

	memset(buf, 0xee, sizeof(buf));
	cr_assert_leq(len, TERN_TCP_OPTS_MAX);
	cr_assert_eq(len % 4, 0);
	cr_assert_eq(tern_tcp_opts_emit(o, syn, buf), len);
	for (size_t i = len; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0xee, "wrote byte %zu of %zu", i, len);
	*count = tern_tcp_opts_parse(buf, len, back);
	return len;
}

Test(tcp_wire, syn_options_in_every_combination)
{
	static const uint32_t bits[4] = { TERN_TCP_HAS_MSS,
					  TERN_TCP_HAS_SACK_OK, TERN_TCP_HAS_TS,
					  TERN_TCP_HAS_WSCALE };
	static const size_t cost[4] = { 4, 4, 12, 4 };

	for (unsigned m = 0; m < 16; m++) {
		struct tern_tcp_opts o = { 0 }, back;
		size_t want = 0;
		int count;

		for (unsigned i = 0; i < 4; i++)
			if (m & (1u << i)) {
				o.present |= bits[i];
				want += cost[i];
			}
		/* SACK-permitted shares the timestamps' padding. */
		if ((o.present & TERN_TCP_HAS_TS) &&
		    (o.present & TERN_TCP_HAS_SACK_OK))
			want -= 4;
		o.mss = 1460;
		o.wscale = 14;
		o.ts_val = 0x01020304;
		o.ts_ecr = 0xa0b0c0d0;
		cr_assert_eq(emit_and_parse(&o, true, &back, &count), want,
			     "combination %#x", m);
		cr_assert_eq(count, popcount(o.present));
		cr_assert_eq(back.present, o.present);
		cr_assert_eq(back.mss,
			     (o.present & TERN_TCP_HAS_MSS) ? 1460 : 0);
		cr_assert_eq(back.wscale,
			     (o.present & TERN_TCP_HAS_WSCALE) ? 14 : 0);
		cr_assert_eq(back.ts_val,
			     (o.present & TERN_TCP_HAS_TS) ? o.ts_val : 0);
		cr_assert_eq(back.ts_ecr,
			     (o.present & TERN_TCP_HAS_TS) ? o.ts_ecr : 0);
	}
}

Test(tcp_wire, syn_layouts_are_linux_s)
{
	struct tern_tcp_opts o = { .present = TERN_TCP_HAS_MSS |
					      TERN_TCP_HAS_SACK_OK |
					      TERN_TCP_HAS_WSCALE,
				   .mss = 1460,
				   .wscale = 7 };
	static const uint8_t no_ts[] = { 2, 4, 0x05, 0xb4, 1, 1,
					 4, 2, 1,    3,	   3, 7 };
	static const uint8_t ts_only[] = { 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0 };
	uint8_t out[TERN_TCP_OPTS_MAX];

	cr_assert_eq(tern_tcp_opts_emit(&o, true, out), sizeof(no_ts));
	cr_assert_arr_eq(out, no_ts, sizeof(no_ts));
	o.present = TERN_TCP_HAS_TS;
	o.ts_val = 5;
	cr_assert_eq(tern_tcp_opts_emit(&o, true, out), sizeof(ts_only));
	cr_assert_arr_eq(out, ts_only, sizeof(ts_only));
	/* A SYN carries no SACK blocks. */
	o.present = TERN_TCP_HAS_SACK;
	o.n_sack = 1;
	cr_assert_eq(tern_tcp_opts_len(&o, true), 0);
	cr_assert_eq(tern_tcp_opts_emit(&o, true, out), 0);
}

Test(tcp_wire, non_syn_timestamps_and_sack_blocks)
{
	for (unsigned ts = 0; ts <= 1; ts++) {
		for (unsigned n = 0; n <= TERN_TCP_SACK_BLOCKS_MAX; n++) {
			/* Options a non-SYN segment never carries are set
			 * too: they must not be written. */
			struct tern_tcp_opts o = {
				.present = TERN_TCP_HAS_SACK |
					   TERN_TCP_HAS_MSS |
					   TERN_TCP_HAS_WSCALE |
					   TERN_TCP_HAS_SACK_OK,
				.mss = 1460,
				.wscale = 7,
				.n_sack = (uint8_t)n,
				.ts_val = 0xfffffffe,
				.ts_ecr = 3,
			};
			struct tern_tcp_opts back;
			unsigned fit = ts ? 3 : 4;
			unsigned k = n < fit ? n : fit;
			size_t want = (ts ? 12 : 0) + (k ? 4 + 8 * k : 0);
			int count;

			if (ts)
				o.present |= TERN_TCP_HAS_TS;
			for (unsigned i = 0; i < n; i++) {
				o.sack[i].start = 0xfffff000u + 0x800u * i;
				o.sack[i].end = o.sack[i].start + 0x400u;
			}
			cr_assert_eq(emit_and_parse(&o, false, &back, &count),
				     want, "ts %u, %u blocks", ts, n);
			cr_assert_eq(count, (ts ? 1 : 0) + (k ? 1 : 0));
			cr_assert_eq(back.present,
				     (ts ? TERN_TCP_HAS_TS : 0) |
					     (k ? TERN_TCP_HAS_SACK : 0));
			cr_assert_eq(back.ts_val, ts ? 0xfffffffe : 0);
			cr_assert_eq(back.ts_ecr, ts ? 3 : 0);
			cr_assert_eq(back.n_sack, k);
			for (unsigned i = 0; i < k; i++) {
				cr_assert_eq(back.sack[i].start,
					     o.sack[i].start);
				cr_assert_eq(back.sack[i].end, o.sack[i].end);
			}
		}
	}
	/* With the timestamps and 4 blocks: 3 blocks fill the 40 bytes. */
	{
		struct tern_tcp_opts o = { .present = TERN_TCP_HAS_TS |
						      TERN_TCP_HAS_SACK,
					   .n_sack = 4 };

		cr_assert_eq(tern_tcp_opts_len(&o, false), TERN_TCP_OPTS_MAX);
		o.present = TERN_TCP_HAS_SACK;
		cr_assert_eq(tern_tcp_opts_len(&o, false), 36);
		o.present = 0;
		cr_assert_eq(tern_tcp_opts_len(&o, false), 0);
	}
}

/* ---- Sequence numbers ---------------------------------------------------- */

Test(tcp_wire, sequence_comparisons_across_the_wrap)
{
	const uint32_t before = 0xfffffff0u, after = 0x10u;

	cr_assert(tern_seq_lt(before, after));
	cr_assert(tern_seq_leq(before, after));
	cr_assert(tern_seq_gt(after, before));
	cr_assert(tern_seq_geq(after, before));
	cr_assert_not(tern_seq_lt(after, before));
	cr_assert_not(tern_seq_gt(before, after));
	cr_assert(tern_seq_lt(0xffffffffu, 0));
	cr_assert(tern_seq_gt(0, 0xffffffffu));

	/* Equal values. */
	cr_assert(tern_seq_leq(before, before));
	cr_assert(tern_seq_geq(before, before));
	cr_assert_not(tern_seq_lt(before, before));
	cr_assert_not(tern_seq_gt(before, before));

	/* The comparison holds up to 2^31 - 1 apart, then turns. */
	cr_assert(tern_seq_lt(5, 5 + 0x7fffffffu));
	cr_assert(tern_seq_gt(5, 5 + 0x80000001u));
	cr_assert(tern_seq_lt(before, before + 0x7fffffffu));

	/* Ranges [lo, hi) that wrap. */
	cr_assert(tern_seq_in(before, before, after));
	cr_assert(tern_seq_in(0xffffffffu, before, after));
	cr_assert(tern_seq_in(0, before, after));
	cr_assert(tern_seq_in(after - 1, before, after));
	cr_assert_not(tern_seq_in(after, before, after));
	cr_assert_not(tern_seq_in(before - 1, before, after));
	cr_assert_not(tern_seq_in(0x80000000u, before, after));
	/* An empty range holds nothing, even at the wrap. */
	cr_assert_not(tern_seq_in(0, 0, 0));
	cr_assert_not(tern_seq_in(0xffffffffu, 0xffffffffu, 0xffffffffu));
	/* The whole space but one. */
	cr_assert(tern_seq_in(0x80000000u, 1, 0));
	cr_assert_not(tern_seq_in(0, 1, 0));
}
