/*
 * test_icmp.c - ICMP: the echo reply against scapy's request, broadcasts
 * ignored, malformed messages counted, port/protocol unreachable with their
 * quotes and the rate limit, errors received (quote checks, delivery to a
 * connected UDP socket), and ping sockets.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "golden_frames.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/err.h"
#include "tern/icmp.h"
#include "tern/net.h"
#include "tern/udp.h"
#include "util_net.h"

Test(icmp, golden_parse_and_emit)
{
	const uint8_t *d = golden_icmp_echo + 34;
	size_t len = sizeof(golden_icmp_echo) - 34;
	struct tern_icmp_hdr h;
	enum tern_wire_bad why;
	uint8_t msg[64];

	cr_assert_eq(tern_icmp_hdr_parse(d, len, &h, true, &why), 0);
	cr_assert_eq(h.type, TERN_ICMP_ECHO_REQUEST);
	cr_assert_eq(h.code, 0);
	cr_assert_eq(h.rest, 0x42420007u);
	tern_icmp_hdr_emit(&h, msg);
	memcpy(msg + 8, d + 8, len - 8);
	tern_icmp_set_cksum(msg, len);
	cr_assert_arr_eq(msg, d, len);

	cr_assert_eq(tern_icmp_hdr_parse(d, 7, &h, true, &why), -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_SHORT);
	msg[len - 1] ^= 0x10;
	cr_assert_eq(tern_icmp_hdr_parse(msg, len, &h, true, &why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_CKSUM);
}

Test(icmp, echo_reply_mirrors_the_request)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	const uint8_t *l4;
	size_t l4len;

	tnet_learn_peers(t);
	tnet_input(t, golden_icmp_echo, sizeof(golden_icmp_echo));
	cr_assert_eq(t->dev.nsent, 1);
	cr_assert(tnet_sent_ipv4(&t->dev, 0, &eth, &ip, &l4, &l4len));
	cr_assert_arr_eq(eth.dst, tnet_mac_b, 6);
	cr_assert_eq(ip.src, TNET_A_IP);
	cr_assert_eq(ip.dst, TNET_B_IP);
	cr_assert_eq(ip.proto, TERN_IPPROTO_ICMP);
	cr_assert_eq(l4len, sizeof(golden_icmp_echo) - 34);
	cr_assert_eq(l4[0], TERN_ICMP_ECHO_REPLY);
	cr_assert_eq(tern_cksum(l4, l4len), 0, "reply checksum");
	cr_assert_arr_eq(l4 + 4, golden_icmp_echo + 34 + 4, l4len - 4);
	cr_assert_eq(tnet_stat(&t->net, "icmp_echo_reply_tx"), 1);
	cr_assert_eq(tnet_drops(&t->net), 0);
	tnet_free(t);
}

Test(icmp, echo_to_broadcast_is_ignored)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t fr[128];
	size_t n;

	n = tnet_icmp_echo(fr, TNET_B_IP, 0x0a0000ffu, 1, 1, "x", 1);
	memcpy(fr, tnet_mac_bcast, 6);
	tnet_input(t, fr, n);
	n = tnet_icmp_echo(fr, TNET_B_IP, TERN_IPV4_BROADCAST, 1, 2, "x", 1);
	tnet_input(t, fr, n);
	/* Unicast IP in a broadcast frame: still ignored. */
	n = tnet_icmp_echo(fr, TNET_B_IP, TNET_A_IP, 1, 3, "x", 1);
	memcpy(fr, tnet_mac_bcast, 6);
	tnet_input(t, fr, n);
	cr_assert_eq(tnet_stat(&t->net, "icmp_bcast"), 3);
	cr_assert_eq(t->dev.nsent, 0);
	tnet_free(t);
}

Test(icmp, malformed_messages_are_counted)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t fr[128];

	memcpy(fr, golden_icmp_echo, sizeof(golden_icmp_echo));
	fr[sizeof(golden_icmp_echo) - 1] ^= 1;
	tnet_input(t, fr, sizeof(golden_icmp_echo));
	cr_assert_eq(tnet_stat(&t->net, "icmp_bad_cksum"), 1);
	tnet_input(t, fr,
		   tnet_ipv4(fr, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
			     TERN_IPPROTO_ICMP, 9, 0, false, "\x08\0\0", 3));
	cr_assert_eq(tnet_stat(&t->net, "icmp_short"), 1);
	/* A timestamp request: a type we do not act on. */
	{
		uint8_t m[20] = { 13 };

		tern_icmp_set_cksum(m, sizeof(m));
		tnet_input(t, fr,
			   tnet_ipv4(fr, tnet_mac_a, tnet_mac_b, TNET_B_IP,
				     TNET_A_IP, TERN_IPPROTO_ICMP, 9, 0, false,
				     m, sizeof(m)));
	}
	cr_assert_eq(tnet_stat(&t->net, "icmp_ignored"), 1);
	cr_assert_eq(t->dev.nsent, 0);
	tnet_free(t);
}

Test(icmp, port_unreachable_quotes_the_datagram)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip, q;
	enum tern_wire_bad why;
	const uint8_t *l4;
	size_t l4len;

	tnet_learn_peers(t);
	tnet_input(t, golden_udp, sizeof(golden_udp)); /* port 7: closed */
	cr_assert_eq(t->dev.nsent, 1);
	cr_assert(tnet_sent_ipv4(&t->dev, 0, &eth, &ip, &l4, &l4len));
	cr_assert_eq(ip.dst, TNET_B_IP);
	cr_assert_eq(l4[0], TERN_ICMP_DEST_UNREACH);
	cr_assert_eq(l4[1], TERN_ICMP_PORT_UNREACH);
	cr_assert_eq(tern_cksum(l4, l4len), 0);
	/* The quote is the whole datagram as received. */
	cr_assert_eq(l4len, 8 + sizeof(golden_udp) - 14);
	cr_assert_arr_eq(l4 + 8, golden_udp + 14, sizeof(golden_udp) - 14);
	cr_assert_eq(tern_ipv4_quote_parse(l4 + 8, l4len - 8, &q, &why), 0);
	cr_assert_eq(q.src, TNET_B_IP);
	tnet_free(t);
}

Test(icmp, large_datagram_quote_is_capped)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	static uint8_t fr[1600], payload[1400];
	const uint8_t *l4;
	size_t l4len;

	tnet_learn_peers(t);
	tnet_input(t, fr,
		   tnet_udp(fr, TNET_B_IP, TNET_A_IP, 1, 2, payload,
			    sizeof(payload)));
	cr_assert(tnet_sent_ipv4(&t->dev, 0, &eth, &ip, &l4, &l4len));
	cr_assert_eq(ip.total_len, 576);
	tnet_free(t);
}

Test(icmp, protocol_unreachable)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	const uint8_t *l4;
	uint8_t fr[128];
	size_t l4len;

	tnet_learn_peers(t);
	tnet_input(t, fr,
		   tnet_ipv4(fr, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
			     99, 1, 0, false, "zz", 2));
	cr_assert_eq(tnet_stat(&t->net, "ip_unknown_proto"), 1);
	cr_assert(tnet_sent_ipv4(&t->dev, 0, &eth, &ip, &l4, &l4len));
	cr_assert_eq(l4[0], TERN_ICMP_DEST_UNREACH);
	cr_assert_eq(l4[1], TERN_ICMP_PROTO_UNREACH);
	tnet_free(t);
}

Test(icmp, errors_are_rate_limited)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_net_config cfg;

	tern_net_config_default(&cfg);
	tnet_learn_peers(t);
	for (int i = 0; i < 100; i++)
		tnet_input(t, golden_udp, sizeof(golden_udp));
	cr_assert_eq(t->dev.nsent, cfg.icmp_err_burst);
	cr_assert_eq(tnet_stat(&t->net, "icmp_rate_limited"),
		     100 - cfg.icmp_err_burst);
	/* 100 ms later: 10 more tokens at 100/s. */
	t->now += 100 * TERN_NSEC_PER_MSEC;
	tnet_dev_clear(&t->dev);
	for (int i = 0; i < 100; i++)
		tnet_input(t, golden_udp, sizeof(golden_udp));
	cr_assert_eq(t->dev.nsent, 10);
	/* Echo replies are not limited. */
	tnet_dev_clear(&t->dev);
	for (int i = 0; i < 100; i++)
		tnet_input(t, golden_icmp_echo, sizeof(golden_icmp_echo));
	cr_assert_eq(t->dev.nsent, 100);
	tnet_free(t);
}

/* An ICMP error from B about a UDP datagram A sent from sport to dport. */
static size_t unreach_frame(uint8_t *fr, uint16_t sport, uint16_t dport,
			    size_t quote_len)
{
	uint8_t inner[128], msg[160];
	size_t n;

	n = tnet_udp(inner, TNET_A_IP, TNET_B_IP, sport, dport, "data", 4);
	memset(msg, 0, 8);
	msg[0] = TERN_ICMP_DEST_UNREACH;
	msg[1] = TERN_ICMP_PORT_UNREACH;
	memcpy(msg + 8, inner + 14, quote_len);
	tern_icmp_set_cksum(msg, 8 + quote_len);
	(void)n;
	return tnet_ipv4(fr, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
			 TERN_IPPROTO_ICMP, 77, 0, false, msg, 8 + quote_len);
}

Test(icmp, port_unreachable_reaches_connected_socket)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_udp s;
	uint8_t fr[256];
	char buf[8];

	tnet_learn_peers(t);
	tern_udp_open(&t->net, &s);
	cr_assert_eq(tern_udp_bind(&s, 0, 3000), 0);
	cr_assert_eq(tern_udp_connect(&s, TNET_B_IP, 9), 0);

	/* A quote too short to hold the UDP ports is refused. */
	tnet_input(t, fr, unreach_frame(fr, 3000, 9, 24));
	cr_assert_eq(tnet_stat(&t->net, "icmp_bad_quote"), 1);
	cr_assert_not(tern_udp_readable(&s));
	/* For another port: not ours to report. */
	tnet_input(t, fr, unreach_frame(fr, 3000, 10, 28));
	cr_assert_not(tern_udp_readable(&s));
	tnet_input(t, fr, unreach_frame(fr, 3000, 9, 28));
	cr_assert_eq(tnet_stat(&t->net, "icmp_unreach_rx"), 2);
	cr_assert(tern_udp_readable(&s));
	cr_assert_eq(tern_udp_recvfrom(&s, buf, sizeof(buf), NULL),
		     -TERN_ECONNREFUSED);
	cr_assert_eq(tern_udp_recvfrom(&s, buf, sizeof(buf), NULL),
		     -TERN_EAGAIN);
	cr_assert_eq(t->dev.nsent, 0, "never an error about an error");
	tern_udp_close(&s);
	tnet_free(t);
}

Test(icmp, ping_socket_round_trip)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_ping p, p2;
	struct tern_ping_reply r;
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	const uint8_t *l4;
	uint8_t fr[256], msg[64];
	size_t l4len, n;
	char buf[32];

	tnet_learn_peers(t);
	cr_assert_eq(tern_ping_open(&t->net, &p, 0x99), 0);
	cr_assert_eq(tern_ping_open(&t->net, &p2, 0x99), -TERN_EADDRINUSE);
	cr_assert_eq(tern_ping_send(&p, TNET_B_IP, 5, "abcdef", 6, t->now), 6);
	cr_assert(tnet_sent_ipv4(&t->dev, 0, &eth, &ip, &l4, &l4len));
	cr_assert_eq(l4[0], TERN_ICMP_ECHO_REQUEST);
	cr_assert_eq(tern_cksum(l4, l4len), 0);
	cr_assert_eq(tern_load_be16(l4 + 4), 0x99);
	cr_assert_eq(tern_load_be16(l4 + 6), 5);

	/* B answers: the reply is the request with type 0. */
	memcpy(msg, l4, l4len);
	msg[0] = TERN_ICMP_ECHO_REPLY;
	tern_icmp_set_cksum(msg, l4len);
	n = tnet_ipv4(fr, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
		      TERN_IPPROTO_ICMP, 3, 0, false, msg, l4len);
	tnet_input(t, fr, n);
	cr_assert(tern_ping_readable(&p));
	cr_assert_eq(tern_ping_recv(&p, buf, sizeof(buf), &r), 6);
	cr_assert_arr_eq(buf, "abcdef", 6);
	cr_assert_eq(r.src, TNET_B_IP);
	cr_assert_eq(r.seq, 5);
	cr_assert_eq(r.ttl, 64);
	cr_assert_eq(tern_ping_recv(&p, buf, sizeof(buf), &r), -TERN_EAGAIN);

	/* A reply for another id is nobody's. */
	msg[5] = 0x98;
	tern_icmp_set_cksum(msg, l4len);
	n = tnet_ipv4(fr, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
		      TERN_IPPROTO_ICMP, 4, 0, false, msg, l4len);
	tnet_input(t, fr, n);
	cr_assert_eq(tnet_stat(&t->net, "icmp_no_socket"), 1);
	tern_ping_close(&p);
	tnet_free(t);
}
