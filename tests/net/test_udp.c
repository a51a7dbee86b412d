/*
 * test_udp.c - UDP: header parse/emit against scapy's bytes, checksums both
 * ways, malformed datagrams counted, and the socket API (bind, ephemeral
 * ports, connect, delivery rules, queues, zero-copy calls) including what
 * a DHCP client needs on an interface without an address.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "golden_frames.h"
#include "tern/byteorder.h"
#include "tern/err.h"
#include "tern/net.h"
#include "tern/udp.h"
#include "util_net.h"

#define UDP_OFF (14 + 20)

Test(udp, golden_parse_and_emit)
{
	const uint8_t *d = golden_udp + UDP_OFF;
	size_t len = sizeof(golden_udp) - UDP_OFF;
	struct tern_udp_hdr h;
	enum tern_wire_bad why;
	uint8_t out[8];
	struct tern_iov iov = { d + 8, len - 8 };

	cr_assert_eq(tern_udp_hdr_parse(d, len, TNET_B_IP, TNET_A_IP, &h, true,
					&why),
		     0);
	cr_assert_eq(h.sport, 40000);
	cr_assert_eq(h.dport, 7);
	cr_assert_eq(h.len, len);
	tern_udp_hdr_emit(&h, out);
	cr_assert_arr_eq(out, d, 8);
	/* The checksum Tern computes is the one scapy computed. */
	out[6] = out[7] = 0;
	cr_assert_eq(tern_udp_cksum(TNET_B_IP, TNET_A_IP, out, &iov, 1),
		     tern_load_be16(d + 6));
}

Test(udp, parser_rejects_bad_lengths_and_checksums)
{
	uint8_t d[64];
	size_t len = sizeof(golden_udp) - UDP_OFF;
	struct tern_udp_hdr h;
	enum tern_wire_bad why;

	memcpy(d, golden_udp + UDP_OFF, len);
	cr_assert_eq(tern_udp_hdr_parse(d, 7, 1, 2, &h, true, &why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_SHORT);
	tern_store_be16(d + 4, (uint16_t)(len + 1));
	cr_assert_eq(tern_udp_hdr_parse(d, len, 1, 2, &h, false, &why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_LEN);
	tern_store_be16(d + 4, 7);
	cr_assert_eq(tern_udp_hdr_parse(d, len, 1, 2, &h, false, &why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_LEN);
	memcpy(d, golden_udp + UDP_OFF, len);
	d[len - 1] ^= 1;
	cr_assert_eq(tern_udp_hdr_parse(d, len, TNET_B_IP, TNET_A_IP, &h, true,
					&why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_CKSUM);
	/* Zero means "no checksum" in IPv4. */
	d[6] = d[7] = 0;
	cr_assert_eq(tern_udp_hdr_parse(d, len, TNET_B_IP, TNET_A_IP, &h, true,
					&why),
		     0);
	/* A length field shorter than the bytes: the rest is ignored. */
	memcpy(d, golden_udp + UDP_OFF, len);
	d[6] = d[7] = 0;
	tern_store_be16(d + 4, 10);
	cr_assert_eq(tern_udp_hdr_parse(d, len, 1, 2, &h, true, &why), 0);
	cr_assert_eq(h.len, 10);
}

struct fixture {
	struct tnet *t;
	struct tern_udp s;
};

static void open_bound(struct fixture *f, uint16_t port)
{
	f->t = tnet_new(NULL, TNET_A_IP, TNET_GW_IP);
	tnet_learn_peers(f->t);
	tern_udp_open(&f->t->net, &f->s);
	cr_assert_eq(tern_udp_bind(&f->s, 0, port), 0);
}

static void close_all(struct fixture *f)
{
	tern_udp_close(&f->s);
	tnet_free(f->t);
}

Test(udp, receive_golden_datagram_with_metadata)
{
	struct fixture f;
	struct tern_udp_meta m;
	char buf[64];

	open_bound(&f, 7);
	tnet_input(f.t, golden_udp, sizeof(golden_udp));
	cr_assert(tern_udp_readable(&f.s));
	cr_assert_eq(tern_udp_recvfrom(&f.s, buf, sizeof(buf), &m), 11);
	cr_assert_arr_eq(buf, "hello, tern", 11);
	cr_assert_eq(m.src, TNET_B_IP);
	cr_assert_eq(m.sport, 40000);
	cr_assert_eq(m.dst, TNET_A_IP);
	cr_assert_eq(m.dport, 7);
	cr_assert_eq(m.ifindex, 0);
	cr_assert_eq(m.len, 11);
	cr_assert_eq(tern_udp_recvfrom(&f.s, buf, sizeof(buf), &m),
		     -TERN_EAGAIN);

	/* Truncation: the return says what was copied, meta the size. */
	tnet_input(f.t, golden_udp, sizeof(golden_udp));
	cr_assert_eq(tern_udp_recvfrom(&f.s, buf, 5, &m), 5);
	cr_assert_eq(m.len, 11);
	close_all(&f);
}

/* A datagram whose checksum the device vouched for (TERN_RX_CSUM_VALID)
 * is delivered whatever its checksum field holds; without the flag the
 * same bytes are dropped. Its lengths are still checked. */
Test(udp, csum_valid_flag_skips_only_the_checksum)
{
	struct fixture f;
	struct tern_udp_meta m;
	uint8_t fr[128];
	char buf[64];

	open_bound(&f, 7);
	memcpy(fr, golden_udp, sizeof(golden_udp));
	tern_store_be16(fr + UDP_OFF + 6, 0x1234); /* wrong */
	tnet_input(f.t, fr, sizeof(golden_udp));
	cr_assert_eq(tnet_stat(&f.t->net, "udp_bad_cksum"), 1);
	cr_assert(!tern_udp_readable(&f.s));

	tnet_input_flags(f.t, fr, sizeof(golden_udp), TERN_RX_CSUM_VALID);
	cr_assert_eq(tnet_stat(&f.t->net, "udp_bad_cksum"), 1);
	cr_assert_eq(tnet_stat(&f.t->net, "udp_rx_csum_skipped"), 1);
	cr_assert_eq(tern_udp_recvfrom(&f.s, buf, sizeof(buf), &m), 11);
	cr_assert_arr_eq(buf, "hello, tern", 11);

	tern_store_be16(fr + UDP_OFF + 4, 200); /* past the datagram */
	tnet_input_flags(f.t, fr, sizeof(golden_udp), TERN_RX_CSUM_VALID);
	cr_assert_eq(tnet_stat(&f.t->net, "udp_bad_len"), 1);
	cr_assert_eq(tnet_stat(&f.t->net, "udp_rx_csum_skipped"), 1);
	close_all(&f);
}

Test(udp, malformed_datagrams_are_counted)
{
	struct fixture f;
	uint8_t fr[128];

	open_bound(&f, 7);
	memcpy(fr, golden_udp, sizeof(golden_udp));
	fr[sizeof(golden_udp) - 1] ^= 0x40;
	tnet_input(f.t, fr, sizeof(golden_udp));
	cr_assert_eq(tnet_stat(&f.t->net, "udp_bad_cksum"), 1);

	memcpy(fr, golden_udp, sizeof(golden_udp));
	tern_store_be16(fr + UDP_OFF + 4, 200); /* past the datagram */
	tnet_input(f.t, fr, sizeof(golden_udp));
	cr_assert_eq(tnet_stat(&f.t->net, "udp_bad_len"), 1);

	/* An IP datagram with 4 bytes of UDP. */
	tnet_input(f.t, fr,
		   tnet_ipv4(fr, tnet_mac_a, tnet_mac_b, TNET_B_IP, TNET_A_IP,
			     TERN_IPPROTO_UDP, 1, 0, false, "abcd", 4));
	cr_assert_eq(tnet_stat(&f.t->net, "udp_short"), 1);
	cr_assert_not(tern_udp_readable(&f.s));
	cr_assert_eq(f.t->dev.nsent, 0);
	close_all(&f);
}

Test(udp, sendto_builds_a_correct_datagram)
{
	struct fixture f;
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	struct tern_udp_hdr uh;
	enum tern_wire_bad why;
	const uint8_t *l4;
	size_t l4len;

	open_bound(&f, 5000);
	cr_assert_eq(tern_udp_sendto(&f.s, TNET_B_IP, 9, "ping!", 5, f.t->now),
		     5);
	cr_assert_eq(f.t->dev.nsent, 1);
	cr_assert(tnet_sent_ipv4(&f.t->dev, 0, &eth, &ip, &l4, &l4len));
	cr_assert_arr_eq(eth.dst, tnet_mac_b, 6);
	cr_assert_arr_eq(eth.src, tnet_mac_a, 6);
	cr_assert_eq(ip.src, TNET_A_IP);
	cr_assert_eq(ip.dst, TNET_B_IP);
	cr_assert_eq(ip.proto, TERN_IPPROTO_UDP);
	cr_assert_eq(ip.ttl, 64);
	cr_assert_eq(tern_udp_hdr_parse(l4, l4len, ip.src, ip.dst, &uh, true,
					&why),
		     0, "checksum must verify");
	cr_assert_neq(uh.cksum, 0);
	cr_assert_eq(uh.sport, 5000);
	cr_assert_eq(uh.dport, 9);
	cr_assert_arr_eq(l4 + 8, "ping!", 5);

	/* Off-link destinations go to the gateway's MAC. */
	cr_assert_eq(tern_udp_sendto(&f.s, 0x08080808u, 53, "q", 1, f.t->now),
		     1);
	cr_assert(tnet_sent_ipv4(&f.t->dev, 1, &eth, &ip, &l4, &l4len));
	cr_assert_arr_eq(eth.dst, tnet_mac_gw, 6);
	cr_assert_eq(ip.dst, 0x08080808u);

	cr_assert_eq(tern_udp_sendto(&f.s, TNET_B_IP, 0, "x", 1, f.t->now),
		     -TERN_EINVAL);
	cr_assert_eq(tern_udp_sendto(&f.s, TNET_B_IP, 9, "x",
				     TERN_UDP_MAX_PAYLOAD + 1, f.t->now),
		     -TERN_EMSGSIZE);
	close_all(&f);
}

Test(udp, bind_ports_and_ephemeral_range)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_udp a, b, c;

	tern_udp_open(&t->net, &a);
	tern_udp_open(&t->net, &b);
	tern_udp_open(&t->net, &c);
	cr_assert_eq(tern_udp_bind(&a, 0, 7), 0);
	cr_assert_eq(tern_udp_bind(&a, 0, 8), -TERN_EINVAL);
	cr_assert_eq(tern_udp_bind(&b, 0, 7), -TERN_EADDRINUSE);
	cr_assert_eq(tern_udp_bind(&b, TNET_A_IP, 7), -TERN_EADDRINUSE);
	cr_assert_eq(tern_udp_bind(&b, 0, 0), 0);
	cr_assert_geq(tern_udp_local_port(&b), TERN_UDP_EPHEMERAL_MIN);
	/* connect binds an ephemeral port too. */
	cr_assert_eq(tern_udp_connect(&c, TNET_B_IP, 9), 0);
	cr_assert_geq(tern_udp_local_port(&c), TERN_UDP_EPHEMERAL_MIN);
	cr_assert_neq(tern_udp_local_port(&c), tern_udp_local_port(&b));
	cr_assert_eq(tern_udp_connect(&c, TNET_B_IP, 0), -TERN_EINVAL);
	cr_assert_eq(tern_udp_bind_if(&c, 1), -TERN_ENODEV);
	tern_udp_close(&a);
	tern_udp_close(&b);
	tern_udp_close(&c);
	/* Reopened after close. */
	tern_udp_open(&t->net, &a);
	cr_assert_eq(tern_udp_bind(&a, 0, 7), 0);
	tern_udp_close(&a);
	tnet_free(t);
}

Test(udp, most_specific_socket_wins_and_connect_filters)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_udp any, conn;
	struct tern_udp_meta m;
	uint8_t fr[128];
	char buf[16];

	tnet_learn_peers(t);
	tern_udp_open(&t->net, &any);
	tern_udp_open(&t->net, &conn);
	cr_assert_eq(tern_udp_bind(&any, 0, 7), 0);
	cr_assert_eq(tern_udp_bind(&conn, TNET_A_IP, 8), 0);
	cr_assert_eq(tern_udp_connect(&conn, TNET_B_IP, 40000), 0);

	tnet_input(t, fr, tnet_udp(fr, TNET_B_IP, TNET_A_IP, 40000, 8, "c", 1));
	cr_assert(tern_udp_readable(&conn));
	/* From another port of B: the connected socket refuses it, and there
	 * is no other socket on port 8: port unreachable. */
	tnet_input(t, fr, tnet_udp(fr, TNET_B_IP, TNET_A_IP, 40001, 8, "d", 1));
	cr_assert_eq(tnet_stat(&t->net, "udp_no_port"), 1);
	cr_assert_eq(tnet_stat(&t->net, "icmp_unreach_tx"), 1);
	cr_assert_eq(tern_udp_recvfrom(&conn, buf, sizeof(buf), &m), 1);
	cr_assert_eq(buf[0], 'c');
	cr_assert_eq(tern_udp_recvfrom(&conn, buf, sizeof(buf), &m),
		     -TERN_EAGAIN);

	/* send() goes to the connected peer. */
	tnet_dev_clear(&t->dev);
	cr_assert_eq(tern_udp_send(&conn, "e", 1, t->now), 1);
	cr_assert_eq(tern_udp_send(&any, "e", 1, t->now), -TERN_ENOTCONN);
	cr_assert_eq(t->dev.nsent, 1);
	tern_udp_close(&any);
	tern_udp_close(&conn);
	tnet_free(t);
}

Test(udp, receive_queue_is_bounded)
{
	struct fixture f;
	char buf[16];

	open_bound(&f, 7);
	tern_udp_set_rxq(&f.s, 3);
	for (int i = 0; i < 5; i++)
		tnet_input(f.t, golden_udp, sizeof(golden_udp));
	cr_assert_eq(tnet_stat(&f.t->net, "udp_rxq_full"), 2);
	cr_assert_eq(f.s.rx_dropped, 2);
	cr_assert_eq(tern_net_pkts_in_use(&f.t->net), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(tern_udp_recvfrom(&f.s, buf, sizeof(buf), NULL),
			     11);
	cr_assert_eq(tern_net_pkts_in_use(&f.t->net), 0);
	/* Close frees what is still queued. */
	tnet_input(f.t, golden_udp, sizeof(golden_udp));
	close_all(&f);
}

/* Regression (the stall test_tsock.c found with TCP): sockets whose
 * applications do not read may not take the frame pool's reserve, so the
 * stack still answers a ping with every queue full. */
Test(udp, unread_sockets_leave_the_pool_reserve)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, TNET_GW_IP);
	struct tern_udp socks[8];
	uint8_t frame[TNET_FRAME_MAX];
	uint32_t count = t->net.pool.count;
	uint64_t sent;
	size_t n;

	tnet_learn_peers(t);
	for (unsigned i = 0; i < 8; i++) {
		tern_udp_open(&t->net, &socks[i]);
		cr_assert_eq(tern_udp_bind(&socks[i], 0, (uint16_t)(100 + i)),
			     0);
	}
	/* 8 queues of 64 could hold twice the pool. */
	for (unsigned k = 0; k < 64; k++)
		for (unsigned i = 0; i < 8; i++) {
			n = tnet_udp(frame, TNET_B_IP, TNET_A_IP, 40000,
				     (uint16_t)(100 + i), "data", 4);
			tnet_input(t, frame, n);
		}
	cr_assert_gt(tnet_stat(&t->net, "udp_pool_low"), 0);
	cr_assert_leq(tern_net_pkts_in_use(&t->net), count - count / 8);
	sent = t->dev.sent_total;
	n = tnet_icmp_echo(frame, TNET_B_IP, TNET_A_IP, 0x77, 1, "ping", 4);
	tnet_input(t, frame, n);
	cr_assert_eq(t->dev.sent_total, sent + 1, "the ping went unanswered");
	for (unsigned i = 0; i < 8; i++)
		tern_udp_close(&socks[i]);
	tnet_free(t);
}

Test(udp, zero_copy_echo)
{
	struct fixture f;
	struct tern_udp_meta m;
	struct tern_pkt *pkt;
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	struct tern_udp_hdr uh;
	enum tern_wire_bad why;
	const uint8_t *l4;
	size_t l4len;

	open_bound(&f, 7);
	tnet_input(f.t, golden_udp, sizeof(golden_udp));
	pkt = tern_udp_recv_pkt(&f.s, &m);
	cr_assert_not_null(pkt);
	cr_assert_eq(pkt->len, 11);
	cr_assert_eq(tern_udp_sendto_pkt(&f.s, m.src, m.sport, pkt, f.t->now),
		     11);
	cr_assert(tnet_sent_ipv4(&f.t->dev, 0, &eth, &ip, &l4, &l4len));
	cr_assert_eq(tern_udp_hdr_parse(l4, l4len, ip.src, ip.dst, &uh, true,
					&why),
		     0);
	cr_assert_eq(uh.dport, 40000);
	cr_assert_eq(uh.sport, 7);
	cr_assert_arr_eq(l4 + 8, "hello, tern", 11);

	/* A buffer from the stack's allocator works the same. */
	pkt = tern_net_pkt_alloc(&f.t->net);
	memcpy(tern_pkt_put(pkt, 3), "abc", 3);
	cr_assert_eq(tern_udp_sendto_pkt(&f.s, TNET_B_IP, 9, pkt, f.t->now), 3);
	/* Errors consume the buffer too. */
	pkt = tern_net_pkt_alloc(&f.t->net);
	cr_assert_eq(tern_udp_sendto_pkt(&f.s, TNET_B_IP, 0, pkt, f.t->now),
		     -TERN_EINVAL);
	close_all(&f);
}

/* What a DHCP client does before the interface has an address. */
Test(udp, broadcast_from_unconfigured_interface)
{
	struct tnet *t = tnet_new(NULL, 0, 0);
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	struct tern_udp_hdr uh;
	struct tern_udp_meta m;
	enum tern_wire_bad why;
	struct tern_udp s;
	const uint8_t *l4;
	uint8_t fr[256];
	size_t l4len, n;
	char buf[32];
	uint32_t addr;

	cr_assert_eq(tern_net_if_get_addr(&t->net, 0, &addr, NULL, NULL), 0);
	cr_assert_eq(addr, 0);
	tern_udp_open(&t->net, &s);
	cr_assert_eq(tern_udp_bind_if(&s, 0), 0);
	cr_assert_eq(tern_udp_bind(&s, 0, 68), 0);
	cr_assert_eq(tern_udp_sendto(&s, TERN_IPV4_BROADCAST, 67, "discover", 8,
				     t->now),
		     8);
	cr_assert_eq(t->dev.nsent, 1);
	cr_assert(tnet_sent_ipv4(&t->dev, 0, &eth, &ip, &l4, &l4len));
	cr_assert(tern_mac_is_broadcast(eth.dst));
	cr_assert_eq(ip.src, 0);
	cr_assert_eq(ip.dst, TERN_IPV4_BROADCAST);
	cr_assert_eq(tern_udp_hdr_parse(l4, l4len, ip.src, ip.dst, &uh, true,
					&why),
		     0);
	cr_assert_eq(uh.sport, 68);
	cr_assert_eq(uh.dport, 67);

	/* A unicast to another address cannot be routed yet. */
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 67, "x", 1, t->now),
		     -TERN_EHOSTUNREACH);

	/* The server's answer by broadcast ... */
	n = tnet_udp(fr, TNET_GW_IP, TERN_IPV4_BROADCAST, 67, 68, "offer", 5);
	memcpy(fr, tnet_mac_bcast, 6);
	tnet_input(t, fr, n);
	cr_assert_eq(tern_udp_recvfrom(&s, buf, sizeof(buf), &m), 5);
	cr_assert_eq(m.dst, TERN_IPV4_BROADCAST);
	/* ... and by unicast to our MAC and the offered address. */
	n = tnet_udp(fr, TNET_GW_IP, 0x0a000063u, 67, 68, "ack", 3);
	tnet_input(t, fr, n);
	cr_assert_eq(tern_udp_recvfrom(&s, buf, sizeof(buf), &m), 3);
	cr_assert_eq(m.dst, 0x0a000063u);
	/* No ICMP is answered while unconfigured. */
	n = tnet_icmp_echo(fr, TNET_B_IP, 0x0a000063u, 1, 1, "p", 1);
	tnet_input(t, fr, n);
	cr_assert_eq(tnet_stat(&t->net, "ip_not_for_us"), 1);

	/* Bound: the address is used as source, and the gateway routes. */
	tnet_dev_clear(&t->dev);
	cr_assert_eq(tern_net_if_set_addr(&t->net, 0, 0x0a000063u, 24,
					  TNET_GW_IP, t->now),
		     0);
	cr_assert_eq(t->dev.nsent, 1, "gratuitous ARP");
	cr_assert_eq(tnet_stat(&t->net, "arp_gratuitous"), 1);
	tnet_dev_clear(&t->dev);
	cr_assert_eq(tern_udp_sendto(&s, TERN_IPV4_BROADCAST, 67, "renew", 5,
				     t->now),
		     5);
	cr_assert(tnet_sent_ipv4(&t->dev, 0, &eth, &ip, &l4, &l4len));
	cr_assert_eq(ip.src, 0x0a000063u);
	/* Now unicast to another address is somebody else's. */
	n = tnet_udp(fr, TNET_GW_IP, 0x0a000064u, 67, 68, "x", 1);
	tnet_input(t, fr, n);
	cr_assert_not(tern_udp_readable(&s));

	/* Lease lost. */
	cr_assert_eq(tern_net_if_clear_addr(&t->net, 0), 0);
	cr_assert_eq(tern_net_if_get_addr(&t->net, 0, &addr, NULL, NULL), 0);
	cr_assert_eq(addr, 0);
	cr_assert_eq(tern_net_if_set_addr(&t->net, 1, 1, 24, 0, t->now),
		     -TERN_ENODEV);
	cr_assert_eq(tern_net_if_set_addr(&t->net, 0, 0xe0000001u, 24, 0,
					  t->now),
		     -TERN_EINVAL);
	cr_assert_eq(tern_net_if_set_addr(&t->net, 0, 0x0a000063u, 24,
					  0x0b000001u, t->now),
		     -TERN_EINVAL);
	tern_udp_close(&s);
	tnet_free(t);
}

Test(udp, broadcast_to_closed_port_gets_no_icmp)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t fr[128];
	size_t n;

	n = tnet_udp(fr, TNET_B_IP, 0x0a0000ffu, 1000, 999, "b", 1);
	memcpy(fr, tnet_mac_bcast, 6);
	tnet_input(t, fr, n);
	cr_assert_eq(tnet_stat(&t->net, "udp_no_port"), 1);
	cr_assert_eq(tnet_stat(&t->net, "icmp_unreach_tx"), 0);
	cr_assert_eq(t->dev.nsent, 0);
	tnet_free(t);
}
