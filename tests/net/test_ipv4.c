/*
 * test_ipv4.c - IPv4: header parse/emit against scapy's bytes (options
 * included), every malformed header counted under its reason through the
 * stack, the receive checks (TTL, sources, destinations, padding), routing,
 * and fragmentation on send.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "golden_frames.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/err.h"
#include "tern/net.h"
#include "tern/udp.h"
#include "util_net.h"

Test(ipv4, golden_parse_and_emit)
{
	const uint8_t *d = golden_udp + 14;
	struct tern_ipv4_hdr h;
	enum tern_wire_bad why;
	uint8_t out[20];

	cr_assert_eq(tern_ipv4_hdr_parse(d, sizeof(golden_udp) - 14, &h, true,
					 &why),
		     0);
	cr_assert_eq(h.hlen, 20);
	cr_assert_eq(h.total_len, sizeof(golden_udp) - 14);
	cr_assert_eq(h.id, 0x0101);
	cr_assert(h.df);
	cr_assert_not(h.mf);
	cr_assert_eq(h.frag_off, 0);
	cr_assert_eq(h.ttl, 64);
	cr_assert_eq(h.proto, TERN_IPPROTO_UDP);
	cr_assert_eq(h.src, TNET_B_IP);
	cr_assert_eq(h.dst, TNET_A_IP);
	tern_ipv4_hdr_emit(&h, out);
	cr_assert_arr_eq(out, d, 20);
}

Test(ipv4, golden_options_are_walked_and_skipped)
{
	const uint8_t *d = golden_udp_options + 14;
	struct tern_ipv4_hdr h;
	enum tern_wire_bad why;

	cr_assert_eq(tern_ipv4_hdr_parse(d, sizeof(golden_udp_options) - 14, &h,
					 true, &why),
		     0);
	cr_assert_eq(h.hlen, 28);
	cr_assert_eq(tern_ipv4_options_check(d + 20, 8), 2, "NOP and RR");

	/* Delivered through the stack, options skipped. */
	{
		struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
		struct tern_udp s;
		char buf[8];

		tern_udp_open(&t->net, &s);
		cr_assert_eq(tern_udp_bind(&s, 0, 7), 0);
		tnet_input(t, golden_udp_options, sizeof(golden_udp_options));
		cr_assert_eq(tern_udp_recvfrom(&s, buf, sizeof(buf), NULL), 4);
		cr_assert_arr_eq(buf, "opts", 4);
		cr_assert_eq(tnet_stat(&t->net, "ip_options_seen"), 1);
		tern_udp_close(&s);
		tnet_free(t);
	}
}

Test(ipv4, options_walk_always_advances)
{
	static const struct {
		uint8_t opt[8];
		size_t len;
		int want;
	} cases[] = {
		{ { 1, 1, 1, 1 }, 4, 4 },	      /* NOPs */
		{ { 0, 7, 0, 9 }, 4, 0 },	      /* EOL ends the walk */
		{ { 1, 0x44, 0 }, 3, -TERN_EBADMSG }, /* length byte missing */
		{ { 0x44, 0 }, 2, -TERN_EBADMSG },    /* length 0 */
		{ { 0x44, 1 }, 2, -TERN_EBADMSG },    /* length 1 */
		{ { 0x44, 9, 0 }, 4, -TERN_EBADMSG }, /* past the end */
		{ { 0x44, 4, 1, 1, 1, 0 }, 6, 2 },    /* option (4), NOP, EOL */
		{ { 0x44, 2, 0x44, 2 }, 4, 2 },	      /* two empty options */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(tern_ipv4_options_check(cases[i].opt,
						     cases[i].len),
			     cases[i].want, "case %zu", i);
}

/* Applies edit to a copy of golden_udp's IP header (fixing the checksum
 * unless keep_cksum), feeds it, and checks that counter moved. */
static void expect_drop(void (*edit)(uint8_t *ip, size_t *len), bool keep_cksum,
			const char *counter)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t f[128];
	size_t len = sizeof(golden_udp);
	struct tern_udp s;

	tern_udp_open(&t->net, &s);
	cr_assert_eq(tern_udp_bind(&s, 0, 7), 0);
	memcpy(f, golden_udp, len);
	edit(f + 14, &len);
	if (!keep_cksum) {
		size_t hl = (size_t)(f[14] & 0x0f) * 4;

		if (hl >= 20 && 14 + hl <= len) {
			tern_store_be16(f + 14 + 10, 0);
			tern_store_be16(f + 14 + 10, tern_cksum(f + 14, hl));
		}
	}
	tnet_input(t, f, len);
	cr_assert_eq(tnet_stat(&t->net, counter), 1, "%s", counter);
	cr_assert_not(tern_udp_readable(&s));
	cr_assert_eq(t->dev.nsent, 0);
	tern_udp_close(&s);
	tnet_free(t);
}

static void e_short(uint8_t *ip, size_t *len)
{
	(void)ip;
	*len = 14 + 19;
}
static void e_version(uint8_t *ip, size_t *len)
{
	(void)len;
	ip[0] = 0x65;
}
static void e_ihl4(uint8_t *ip, size_t *len)
{
	(void)len;
	ip[0] = 0x44;
}
static void e_ihl_past(uint8_t *ip, size_t *len)
{
	(void)len;
	ip[0] = 0x4f; /* 60 bytes of header in a 39-byte datagram */
}
static void e_len_small(uint8_t *ip, size_t *len)
{
	(void)len;
	tern_store_be16(ip + 2, 19);
}
static void e_len_big(uint8_t *ip, size_t *len)
{
	(void)len;
	tern_store_be16(ip + 2, 200);
}
static void e_cksum(uint8_t *ip, size_t *len)
{
	(void)len;
	ip[10] ^= 0x55;
}
static void e_ttl0(uint8_t *ip, size_t *len)
{
	(void)len;
	ip[8] = 0;
}
static void e_src_bcast(uint8_t *ip, size_t *len)
{
	(void)len;
	tern_store_be32(ip + 12, TERN_IPV4_BROADCAST);
}
static void e_src_mcast(uint8_t *ip, size_t *len)
{
	(void)len;
	tern_store_be32(ip + 12, 0xe0000001u);
}
static void e_src_subnet_bcast(uint8_t *ip, size_t *len)
{
	(void)len;
	tern_store_be32(ip + 12, 0x0a0000ffu);
}
static void e_dst_other(uint8_t *ip, size_t *len)
{
	(void)len;
	tern_store_be32(ip + 16, 0x0a000009u);
}
static void e_dst_mcast(uint8_t *ip, size_t *len)
{
	(void)len;
	tern_store_be32(ip + 16, 0xe0000001u);
}
static void e_frag_past_64k(uint8_t *ip, size_t *len)
{
	(void)len;
	tern_store_be16(ip + 6, 0x1fff); /* offset 65528 + 19 bytes */
}
static void e_frag_not_multiple_of_8(uint8_t *ip, size_t *len)
{
	(void)len;
	tern_store_be16(ip + 6, 0x2000); /* MF, 19 bytes of payload */
}
static void e_bad_option(uint8_t *ip, size_t *len)
{
	/* IHL 6 with an option of length 9: it runs past the header. The
	 * total length still covers the bytes. */
	memmove(ip + 24, ip + 20, *len - 14 - 20);
	ip[0] = 0x46;
	ip[20] = 0x44;
	ip[21] = 9;
	ip[22] = ip[23] = 0;
	tern_store_be16(ip + 2, (uint16_t)(tern_load_be16(ip + 2) + 4));
	*len += 4;
}
static void e_zero_option(uint8_t *ip, size_t *len)
{
	memmove(ip + 24, ip + 20, *len - 14 - 20);
	ip[0] = 0x46;
	ip[20] = 0x44;
	ip[21] = 0; /* a zero length must not loop */
	ip[22] = ip[23] = 0;
	tern_store_be16(ip + 2, (uint16_t)(tern_load_be16(ip + 2) + 4));
	*len += 4;
}

Test(ipv4, each_malformed_header_is_counted)
{
	expect_drop(e_short, false, "ip_short");
	expect_drop(e_version, false, "ip_bad_version");
	expect_drop(e_ihl4, true, "ip_bad_hlen");
	expect_drop(e_ihl_past, true, "ip_bad_hlen");
	expect_drop(e_len_small, false, "ip_bad_len");
	expect_drop(e_len_big, false, "ip_bad_len");
	expect_drop(e_cksum, true, "ip_bad_cksum");
	expect_drop(e_ttl0, false, "ip_ttl_zero");
	expect_drop(e_src_bcast, false, "ip_bad_src");
	expect_drop(e_src_mcast, false, "ip_bad_src");
	expect_drop(e_src_subnet_bcast, false, "ip_bad_src");
	expect_drop(e_dst_other, false, "ip_not_for_us");
	expect_drop(e_dst_mcast, false, "ip_not_for_us");
	expect_drop(e_frag_past_64k, false, "frag_bad");
	expect_drop(e_frag_not_multiple_of_8, false, "frag_bad");
	expect_drop(e_bad_option, false, "ip_bad_options");
	expect_drop(e_zero_option, false, "ip_bad_options");
}

Test(ipv4, ttl_one_is_accepted_and_padding_trimmed)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_udp s;
	struct tern_udp_meta m;
	uint8_t f[128];
	char buf[32];

	tern_udp_open(&t->net, &s);
	cr_assert_eq(tern_udp_bind(&s, 0, 7), 0);
	memcpy(f, golden_udp, sizeof(golden_udp));
	f[14 + 8] = 1;
	tern_store_be16(f + 14 + 10, 0);
	tern_store_be16(f + 14 + 10, tern_cksum(f + 14, 20));
	/* Ethernet padding to 60 bytes: not part of the datagram. */
	memset(f + sizeof(golden_udp), 0xee, 60 - sizeof(golden_udp));
	tnet_input(t, f, 60);
	cr_assert_eq(tern_udp_recvfrom(&s, buf, sizeof(buf), &m), 11);
	cr_assert_eq(m.len, 11);
	tern_udp_close(&s);
	tnet_free(t);
}

Test(ipv4, routing)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_udp s;

	tern_udp_open(&t->net, &s);
	/* No gateway: off-link is unreachable, as is our own address. */
	cr_assert_eq(tern_udp_sendto(&s, 0x08080808u, 53, "x", 1, t->now),
		     -TERN_EHOSTUNREACH);
	cr_assert_eq(tern_udp_sendto(&s, TNET_A_IP, 53, "x", 1, t->now),
		     -TERN_EHOSTUNREACH);
	cr_assert_eq(tnet_stat(&t->net, "ip_no_route"), 2);
	/* Subnet broadcast goes to the broadcast MAC, no ARP. */
	cr_assert_eq(tern_udp_sendto(&s, 0x0a0000ffu, 53, "x", 1, t->now), 1);
	cr_assert(tern_mac_is_broadcast(t->dev.sent[0]));
	/* Multicast to the mapped MAC. */
	cr_assert_eq(tern_udp_sendto(&s, 0xe00000fbu, 5353, "x", 1, t->now), 1);
	cr_assert_arr_eq(t->dev.sent[1],
			 ((uint8_t[]){ 1, 0, 0x5e, 0, 0, 0xfb }), 6);
	tern_udp_close(&s);
	tnet_free(t);
}

Test(ipv4, fragmentation_on_send)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	static uint8_t payload[4000], whole[4100];
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	struct tern_udp_hdr uh;
	enum tern_wire_bad why;
	struct tern_udp s;
	const uint8_t *l4;
	size_t l4len, got = 0;
	uint16_t id = 0;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	tnet_learn_peers(t);
	tern_udp_open(&t->net, &s);
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, payload, sizeof(payload),
				     t->now),
		     (int)sizeof(payload));
	cr_assert_eq(t->dev.nsent, 3);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert(tnet_sent_ipv4(&t->dev, i, &eth, &ip, &l4, &l4len));
		cr_assert_leq(t->dev.sent_len[i], 14 + 1500);
		if (i == 0)
			id = ip.id;
		cr_assert_eq(ip.id, id);
		cr_assert_eq(ip.frag_off, got);
		cr_assert_eq(ip.mf, i < 2);
		cr_assert_eq(l4len % 8 == 0 || i == 2, true);
		memcpy(whole + got, l4, l4len);
		got += l4len;
	}
	cr_assert_eq(got, 8 + sizeof(payload));
	cr_assert_eq(tern_udp_hdr_parse(whole, got, TNET_A_IP, TNET_B_IP, &uh,
					true, &why),
		     0);
	cr_assert_arr_eq(whole + 8, payload, sizeof(payload));
	cr_assert_eq(tnet_stat(&t->net, "frag_tx"), 3);
	tern_udp_close(&s);
	tnet_free(t);
}

Test(ipv4, largest_datagram_is_sent_in_45_fragments)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	static uint8_t payload[TERN_UDP_MAX_PAYLOAD];
	struct tern_udp s;

	tnet_learn_peers(t);
	tern_udp_open(&t->net, &s);
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, payload, sizeof(payload),
				     t->now),
		     (int)sizeof(payload));
	cr_assert_eq(t->dev.nsent, 45); /* ceil(65515 / 1480) */
	tern_udp_close(&s);
	tnet_free(t);
}
