/*
 * test_dhcp_wire.c - DHCP parse/emit: dnsmasq's OFFER, ACK and NAK and
 * scapy's DISCOVER and REQUEST byte for byte, emit/parse pairs, and hostile
 * options: truncated, running past their area, wrong lengths, the overload
 * option, repeats (RFC 3396), every truncation of a real message.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tern/dhcp.h"
#include "tern/err.h"

#include "net/test_dhcp_golden.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x77, 0x00, 0x02 };

Test(dhcp_wire, golden_offer)
{
	struct tern_dhcp_msg m;

	cr_assert_eq(tern_dhcp_parse(&m, golden_dhcp_offer,
				     sizeof(golden_dhcp_offer)),
		     0);
	cr_assert_eq(m.op, TERN_DHCP_OP_REPLY);
	cr_assert_eq(m.htype, 1);
	cr_assert_eq(m.hlen, 6);
	cr_assert_eq(m.xid, 0x5465726e);
	cr_assert_eq(m.flags, TERN_DHCP_FLAG_BROADCAST);
	cr_assert_eq(m.yiaddr, IP(10, 77, 0, 146));
	cr_assert_eq(m.siaddr, IP(10, 77, 0, 1));
	cr_assert_eq(memcmp(m.chaddr, mac, 6), 0);
	cr_assert_eq(m.type, TERN_DHCP_OFFER);
	cr_assert_eq(m.server_id, IP(10, 77, 0, 1));
	cr_assert_eq(m.lease_time, 120);
	cr_assert_eq(m.t1, 20);
	cr_assert_eq(m.t2, 40);
	cr_assert_eq(m.subnet_mask, IP(255, 255, 255, 0));
	cr_assert_eq(m.router, IP(10, 77, 0, 1));
	cr_assert_eq(m.n_dns, 1);
	cr_assert_eq(m.dns[0], IP(10, 77, 0, 1));
	cr_assert_eq(m.has, TERN_DHCP_HAS_TYPE | TERN_DHCP_HAS_SERVER_ID |
				    TERN_DHCP_HAS_LEASE | TERN_DHCP_HAS_T1 |
				    TERN_DHCP_HAS_T2 | TERN_DHCP_HAS_MASK |
				    TERN_DHCP_HAS_ROUTER | TERN_DHCP_HAS_DNS);
}

Test(dhcp_wire, golden_ack_and_nak)
{
	struct tern_dhcp_msg m;

	cr_assert_eq(tern_dhcp_parse(&m, golden_dhcp_ack,
				     sizeof(golden_dhcp_ack)),
		     0);
	cr_assert_eq(m.type, TERN_DHCP_ACK);
	cr_assert_eq(m.yiaddr, IP(10, 77, 0, 146));
	cr_assert_eq(m.lease_time, 120);

	cr_assert_eq(tern_dhcp_parse(&m, golden_dhcp_nak,
				     sizeof(golden_dhcp_nak)),
		     0);
	cr_assert_eq(m.type, TERN_DHCP_NAK);
	cr_assert_eq(m.yiaddr, 0);
	cr_assert_eq(m.server_id, IP(10, 77, 0, 1));
	/* Option 56 ("wrong address") is skipped. */
	cr_assert_eq(m.has, TERN_DHCP_HAS_TYPE | TERN_DHCP_HAS_SERVER_ID);
}

Test(dhcp_wire, golden_requests)
{
	static const uint8_t prl[] = { 1, 3, 6, 51, 54, 58, 59 };
	struct tern_dhcp_msg m;

	cr_assert_eq(tern_dhcp_parse(&m, golden_dhcp_discover,
				     sizeof(golden_dhcp_discover)),
		     0);
	cr_assert_eq(m.op, TERN_DHCP_OP_REQUEST);
	cr_assert_eq(m.type, TERN_DHCP_DISCOVER);
	cr_assert_eq(m.client_id_len, 7);
	cr_assert_eq(m.client_id[0], 1);
	cr_assert_eq(memcmp(m.client_id + 1, mac, 6), 0);
	cr_assert_eq(m.n_prl, sizeof(prl));
	cr_assert_eq(memcmp(m.prl, prl, sizeof(prl)), 0);

	cr_assert_eq(tern_dhcp_parse(&m, golden_dhcp_request,
				     sizeof(golden_dhcp_request)),
		     0);
	cr_assert_eq(m.type, TERN_DHCP_REQUEST);
	cr_assert_eq(m.requested_ip, IP(10, 77, 0, 146));
	cr_assert_eq(m.server_id, IP(10, 77, 0, 1));
}

/* Our emitter writes scapy's REQUEST byte for byte (same option order),
 * then pads with zeros to the BOOTP minimum of 300 bytes. */
Test(dhcp_wire, emit_matches_golden_request)
{
	struct tern_dhcp_msg m;
	uint8_t buf[TERN_DHCP_MSG_MAX];
	int len;

	cr_assert_eq(tern_dhcp_parse(&m, golden_dhcp_request,
				     sizeof(golden_dhcp_request)),
		     0);
	len = tern_dhcp_emit(&m, buf, sizeof(buf));
	cr_assert_eq(len, TERN_DHCP_BOOTP_MIN);
	cr_assert_eq((size_t)len, tern_dhcp_len(&m));
	cr_assert_eq(memcmp(buf, golden_dhcp_request,
			    sizeof(golden_dhcp_request)),
		     0);
	for (int i = (int)sizeof(golden_dhcp_request); i < len; i++)
		cr_assert_eq(buf[i], 0, "byte %d", i);
}

Test(dhcp_wire, emit_parse_pair)
{
	struct tern_dhcp_msg m, back;
	uint8_t buf[TERN_DHCP_MSG_MAX];
	int len;

	memset(&m, 0, sizeof(m));
	m.op = TERN_DHCP_OP_REPLY;
	m.htype = 1;
	m.hlen = 6;
	m.hops = 2;
	m.xid = 0xdeadbeef;
	m.secs = 7;
	m.flags = TERN_DHCP_FLAG_BROADCAST;
	m.ciaddr = IP(1, 2, 3, 4);
	m.yiaddr = IP(10, 0, 0, 9);
	m.siaddr = IP(10, 0, 0, 1);
	m.giaddr = IP(10, 0, 0, 254);
	memcpy(m.chaddr, mac, 6);
	m.has = TERN_DHCP_HAS_TYPE | TERN_DHCP_HAS_SERVER_ID |
		TERN_DHCP_HAS_LEASE | TERN_DHCP_HAS_T1 | TERN_DHCP_HAS_T2 |
		TERN_DHCP_HAS_MASK | TERN_DHCP_HAS_ROUTER | TERN_DHCP_HAS_DNS |
		TERN_DHCP_HAS_REQ_IP | TERN_DHCP_HAS_PRL |
		TERN_DHCP_HAS_CLIENT_ID | TERN_DHCP_HAS_MAX_SIZE |
		TERN_DHCP_HAS_HOSTNAME;
	m.type = TERN_DHCP_ACK;
	m.server_id = IP(10, 0, 0, 1);
	m.lease_time = 3600;
	m.t1 = 1800;
	m.t2 = 3150;
	m.subnet_mask = IP(255, 255, 0, 0);
	m.router = IP(10, 0, 0, 254);
	m.n_dns = 3;
	m.dns[0] = IP(10, 0, 0, 53);
	m.dns[1] = IP(10, 0, 1, 53);
	m.dns[2] = IP(10, 0, 2, 53);
	m.requested_ip = IP(10, 0, 0, 9);
	m.n_prl = TERN_DHCP_PRL_MAX;
	for (int i = 0; i < TERN_DHCP_PRL_MAX; i++)
		m.prl[i] = (uint8_t)(i + 1);
	m.client_id_len = TERN_DHCP_CLIENT_ID_MAX;
	memset(m.client_id, 0xab, TERN_DHCP_CLIENT_ID_MAX);
	m.max_size = 1500;
	m.hostname_len = 4;
	memcpy(m.hostname, "tern", 5);

	len = tern_dhcp_emit(&m, buf, sizeof(buf));
	cr_assert_gt(len, TERN_DHCP_BOOTP_MIN);
	cr_assert_eq((size_t)len, tern_dhcp_len(&m));
	cr_assert_eq(buf[len - 1], TERN_DHCP_OPT_END);
	cr_assert_eq(tern_dhcp_emit(&m, buf, (size_t)len - 1), -TERN_EMSGSIZE);
	cr_assert_eq(tern_dhcp_parse(&back, buf, (size_t)len), 0);
	cr_assert_eq(memcmp(&m, &back, sizeof(m)), 0);
}

/* A message: the golden OFFER's header and cookie, then opts. */
static size_t with_options(uint8_t *buf, const void *opts, size_t n)
{
	memcpy(buf, golden_dhcp_offer, TERN_DHCP_MIN_LEN);
	memcpy(buf + TERN_DHCP_MIN_LEN, opts, n);
	return TERN_DHCP_MIN_LEN + n;
}

static int parse_opts(struct tern_dhcp_msg *m, const void *opts, size_t n)
{
	uint8_t buf[TERN_DHCP_MIN_LEN + 400];
	size_t len = with_options(buf, opts, n);
	uint8_t *exact = malloc(len);
	int rc;

	/* Exactly len bytes on the heap, so ASan catches a read past. */
	memcpy(exact, buf, len);
	rc = tern_dhcp_parse(m, exact, len);
	free(exact);
	return rc;
}

Test(dhcp_wire, short_and_cookie)
{
	struct tern_dhcp_msg m;
	uint8_t buf[sizeof(golden_dhcp_ack)];

	for (size_t len = 0; len < TERN_DHCP_MIN_LEN; len++)
		cr_assert_eq(tern_dhcp_parse(&m, golden_dhcp_ack, len),
			     -TERN_EBADMSG, "len %zu", len);
	/* Header and cookie alone: a BOOTP message with no options. */
	cr_assert_eq(tern_dhcp_parse(&m, golden_dhcp_ack, TERN_DHCP_MIN_LEN),
		     0);
	cr_assert_eq(m.has, 0);
	memcpy(buf, golden_dhcp_ack, sizeof(buf));
	buf[239] ^= 1;
	cr_assert_eq(tern_dhcp_parse(&m, buf, sizeof(buf)), -TERN_EBADMSG);
}

Test(dhcp_wire, every_truncation_is_clean)
{
	/* Option boundaries in the golden ACK (offsets after the cookie):
	 * cutting there leaves whole options; cutting inside one fails. */
	static const size_t bounds[] = { 0, 3, 9, 15, 21, 27, 33, 39, 45, 51 };
	struct tern_dhcp_msg m;

	for (size_t len = TERN_DHCP_MIN_LEN; len <= sizeof(golden_dhcp_ack);
	     len++) {
		uint8_t *exact = malloc(len);
		size_t opt = len - TERN_DHCP_MIN_LEN;
		bool whole = opt >= 51; /* at or past END */
		int rc;

		for (size_t i = 0; i < TERN_ARRAY_SIZE(bounds); i++)
			whole |= opt == bounds[i];
		memcpy(exact, golden_dhcp_ack, len);
		rc = tern_dhcp_parse(&m, exact, len);
		free(exact);
		cr_assert_eq(rc, whole ? 0 : -TERN_EBADMSG, "len %zu", len);
	}
}

Test(dhcp_wire, option_past_end)
{
	struct tern_dhcp_msg m;
	/* Server id claims 8 bytes, 4 follow. */
	static const uint8_t past[] = { 53, 1, 2, 54, 8, 10, 77, 0, 1 };
	/* A code with no length byte. */
	static const uint8_t nolen[] = { 53, 1, 2, 54 };
	/* An unknown option running past the end. */
	static const uint8_t unknown[] = { 53, 1, 2, 200, 255, 1, 2 };

	cr_assert_eq(parse_opts(&m, past, sizeof(past)), -TERN_EBADMSG);
	cr_assert_eq(parse_opts(&m, nolen, sizeof(nolen)), -TERN_EBADMSG);
	cr_assert_eq(parse_opts(&m, unknown, sizeof(unknown)), -TERN_EBADMSG);
}

Test(dhcp_wire, wrong_option_lengths)
{
	static const uint8_t bad[][8] = {
		{ 53, 2, 1, 1 },	    /* message type of 2 bytes */
		{ 53, 0 },		    /* message type of 0 bytes */
		{ 54, 3, 1, 2, 3 },	    /* server id of 3 bytes */
		{ 51, 5, 0, 0, 0, 1, 0 },   /* lease of 5 bytes */
		{ 3, 6, 1, 2, 3, 4, 5, 6 }, /* router list of 6 bytes */
		{ 6, 0 },		    /* empty DNS list */
		{ 52, 1, 4 },		    /* overload 4 */
		{ 57, 1, 5 },		    /* max size of 1 byte */
		{ 61, 1, 1 },		    /* client id of 1 byte */
		{ 55, 0 },		    /* empty request list */
		{ 12, 0 },		    /* empty host name */
	};
	static const uint8_t lens[] = { 4, 2, 5, 7, 8, 2, 3, 3, 3, 2, 2 };
	struct tern_dhcp_msg m;

	for (size_t i = 0; i < TERN_ARRAY_SIZE(bad); i++)
		cr_assert_eq(parse_opts(&m, bad[i], lens[i]), -TERN_EBADMSG,
			     "case %zu", i);
}

Test(dhcp_wire, pads_unknowns_and_end)
{
	static const uint8_t opts[] = {
		0, 0, 53, 1, 5,	 0,   200, 3, 9, 9, 9, 0, 51,
		4, 0, 0,  0, 60, 255, 54,  4, 1, 2, 3, 4, /* after END: ignored */
	};
	struct tern_dhcp_msg m;

	cr_assert_eq(parse_opts(&m, opts, sizeof(opts)), 0);
	cr_assert_eq(m.type, TERN_DHCP_ACK);
	cr_assert_eq(m.lease_time, 60);
	cr_assert_eq(m.has, TERN_DHCP_HAS_TYPE | TERN_DHCP_HAS_LEASE);
}

Test(dhcp_wire, repeated_options_append)
{
	static const uint8_t opts[] = {
		6,   8, 1, 1, 1, 1, 2,	2, 2, 2,       /* two DNS servers */
		6,   8, 3, 3, 3, 3, 4,	4, 4, 4,       /* two more: one kept */
		3,   4, 9, 9, 9, 9, 3,	4, 8, 8, 8, 8, /* first router wins */
		51,  4, 0, 0, 0, 1, 51, 4, 0, 0, 0, 2, /* last lease wins */
		255,
	};
	struct tern_dhcp_msg m;

	cr_assert_eq(parse_opts(&m, opts, sizeof(opts)), 0);
	cr_assert_eq(m.n_dns, TERN_DHCP_DNS_MAX);
	cr_assert_eq(m.dns[0], IP(1, 1, 1, 1));
	cr_assert_eq(m.dns[2], IP(3, 3, 3, 3));
	cr_assert_eq(m.router, IP(9, 9, 9, 9));
	cr_assert_eq(m.lease_time, 2);
}

Test(dhcp_wire, long_values_are_cut)
{
	uint8_t opts[2 + 100 + 2 + 60 + 1];
	struct tern_dhcp_msg m;

	opts[0] = 12; /* host name of 100 bytes */
	opts[1] = 100;
	memset(opts + 2, 'h', 100);
	opts[102] = 55; /* request list of 60 */
	opts[103] = 60;
	memset(opts + 104, 1, 60);
	opts[164] = 255;
	cr_assert_eq(parse_opts(&m, opts, sizeof(opts)), 0);
	cr_assert_eq(m.hostname_len, TERN_DHCP_HOSTNAME_MAX);
	cr_assert_eq(strlen(m.hostname), TERN_DHCP_HOSTNAME_MAX);
	cr_assert_eq(m.n_prl, TERN_DHCP_PRL_MAX);
}

Test(dhcp_wire, overload_reads_file_then_sname)
{
	uint8_t buf[TERN_DHCP_MIN_LEN + 8];
	static const uint8_t opts[] = { 53, 1, 5, 52, 1, 3, 255 };
	struct tern_dhcp_msg m;
	size_t len = with_options(buf, opts, sizeof(opts));

	memset(buf + 44, 0, 64 + 128);
	/* file (108..235): lease 3600, DNS 9.9.9.9 */
	memcpy(buf + 108,
	       (uint8_t[]){ 51, 4, 0, 0, 0x0e, 0x10, 6, 4, 9, 9, 9, 9, 255 },
	       13);
	/* sname (44..107): router, and a second DNS (appended after file's)
	 * with no END: the field's end ends it. */
	memcpy(buf + 44, (uint8_t[]){ 3, 4, 10, 0, 0, 1, 6, 4, 8, 8, 8, 8 },
	       12);
	memset(buf + 56, 0, 52);
	cr_assert_eq(tern_dhcp_parse(&m, buf, len), 0);
	cr_assert_eq(m.lease_time, 3600);
	cr_assert_eq(m.router, IP(10, 0, 0, 1));
	cr_assert_eq(m.n_dns, 2);
	cr_assert_eq(m.dns[0], IP(9, 9, 9, 9));
	cr_assert_eq(m.dns[1], IP(8, 8, 8, 8));
}

Test(dhcp_wire, overload_bounded_by_field)
{
	uint8_t buf[TERN_DHCP_MIN_LEN + 8];
	static const uint8_t opts[] = { 53, 1, 5, 52, 1, 1, 255 };
	struct tern_dhcp_msg m;
	size_t len = with_options(buf, opts, sizeof(opts));

	/* An option in `file` whose length runs past the 128-byte field
	 * (though not past the packet: the options follow). */
	memset(buf + 108, 0, 128);
	buf[108 + 120] = 200;
	buf[108 + 121] = 10;
	cr_assert_eq(tern_dhcp_parse(&m, buf, len), -TERN_EBADMSG);

	/* An overload option inside `file` does not pull in sname. */
	memset(buf + 44, 0, 64 + 128);
	memcpy(buf + 108, (uint8_t[]){ 52, 1, 2, 255 }, 4);
	memcpy(buf + 44, (uint8_t[]){ 51, 4, 0, 0, 0, 9, 255 }, 7);
	cr_assert_eq(tern_dhcp_parse(&m, buf, len), 0);
	cr_assert(!(m.has & TERN_DHCP_HAS_LEASE));
}

Test(dhcp_wire, type_names)
{
	cr_assert_str_eq(tern_dhcp_type_name(TERN_DHCP_DISCOVER), "DISCOVER");
	cr_assert_str_eq(tern_dhcp_type_name(TERN_DHCP_INFORM), "INFORM");
	cr_assert_str_eq(tern_dhcp_type_name(0), "?");
	cr_assert_str_eq(tern_dhcp_type_name(99), "?");
}
