/*
 * test_arp.c - ARP: packet parse/emit against scapy's bytes; answering,
 * learning by RFC 826's merge rule, resolution with a queue, retries,
 * expiry, the caps of the table and of the queues, gratuitous ARP, and
 * hostile packets counted.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "golden_frames.h"
#include "tern/err.h"
#include "tern/net.h"
#include "tern/udp.h"
#include "util_net.h"

static const uint8_t zero_mac[6];

Test(arp, golden_parse_and_emit)
{
	struct tern_arp_hdr a;
	enum tern_wire_bad why;
	uint8_t out[TERN_ARP_LEN], bad[TERN_ARP_LEN];

	cr_assert_eq(tern_arp_hdr_parse(golden_arp_request + 14, 28, &a, &why),
		     0);
	cr_assert_eq(a.op, TERN_ARP_REQUEST);
	cr_assert_arr_eq(a.sha, tnet_mac_b, 6);
	cr_assert_eq(a.spa, TNET_B_IP);
	cr_assert_arr_eq(a.tha, zero_mac, 6);
	cr_assert_eq(a.tpa, TNET_A_IP);
	tern_arp_hdr_emit(&a, out);
	cr_assert_arr_eq(out, golden_arp_request + 14, TERN_ARP_LEN);

	cr_assert_eq(tern_arp_hdr_parse(out, 27, &a, &why), -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_SHORT);
	for (int field = 0; field < 5; field++) {
		static const int off[] = { 1, 3, 4, 5, 7 };

		memcpy(bad, out, sizeof(bad));
		bad[off[field]] ^= 0x04;
		cr_assert_eq(tern_arp_hdr_parse(bad, sizeof(bad), &a, &why),
			     -TERN_EBADMSG, "field %d", field);
		cr_assert_eq(why, TERN_WIRE_FIELD);
	}
}

/* Checks that captured frame i is an ARP packet and returns it parsed. */
static struct tern_arp_hdr sent_arp(struct tnet *t, unsigned i,
				    struct tern_eth_hdr *eth)
{
	struct tern_arp_hdr a;
	enum tern_wire_bad why;

	cr_assert_lt(i, t->dev.nsent);
	cr_assert_eq(tern_eth_hdr_parse(t->dev.sent[i], t->dev.sent_len[i], eth,
					&why),
		     0);
	cr_assert_eq(eth->type, TERN_ETHERTYPE_ARP);
	cr_assert_eq(tern_arp_hdr_parse(t->dev.sent[i] + 14,
					t->dev.sent_len[i] - 14, &a, &why),
		     0);
	return a;
}

Test(arp, answers_requests_for_its_address)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_eth_hdr eth;
	struct tern_arp_hdr a;

	tnet_input(t, golden_arp_request, sizeof(golden_arp_request));
	cr_assert_eq(t->dev.nsent, 1);
	a = sent_arp(t, 0, &eth);
	cr_assert_arr_eq(eth.dst, tnet_mac_b, 6);
	cr_assert_arr_eq(eth.src, tnet_mac_a, 6);
	cr_assert_eq(a.op, TERN_ARP_REPLY);
	cr_assert_arr_eq(a.sha, tnet_mac_a, 6);
	cr_assert_eq(a.spa, TNET_A_IP);
	cr_assert_arr_eq(a.tha, tnet_mac_b, 6);
	cr_assert_eq(a.tpa, TNET_B_IP);
	cr_assert_eq(t->dev.sent_len[0], 14 + 28);

	/* B was learnt: a datagram to B needs no request. */
	tnet_dev_clear(&t->dev);
	{
		struct tern_udp s;

		tern_udp_open(&t->net, &s);
		cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, "x", 1, t->now),
			     1);
		tern_udp_close(&s);
	}
	cr_assert_eq(t->dev.nsent, 1);
	cr_assert_eq(t->dev.sent[0][12], 0x08);
	cr_assert_eq(t->dev.sent[0][13], 0x00);
	tnet_free(t);
}

Test(arp, ignores_requests_for_other_addresses)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t fr[64];
	struct tern_udp s;

	tnet_input(t, fr,
		   tnet_arp(fr, TERN_ARP_REQUEST, tnet_mac_bcast, tnet_mac_b,
			    TNET_B_IP, zero_mac, 0x0a000009u));
	cr_assert_eq(t->dev.nsent, 0);
	/* Not learnt either (RFC 826: only when addressed to us). */
	tern_udp_open(&t->net, &s);
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, "x", 1, t->now), 1);
	cr_assert_eq(t->dev.nsent, 1);
	cr_assert_eq(t->dev.sent[0][13], 0x06, "an ARP request went out");
	tern_udp_close(&s);
	tnet_free(t);
}

Test(arp, resolves_queues_and_flushes)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_eth_hdr eth;
	struct tern_arp_hdr a;
	struct tern_udp s;
	uint8_t fr[64];

	tern_udp_open(&t->net, &s);
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, "one", 3, t->now), 3);
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, "two", 3, t->now), 3);
	cr_assert_eq(t->dev.nsent, 1, "one request, two datagrams waiting");
	a = sent_arp(t, 0, &eth);
	cr_assert(tern_mac_is_broadcast(eth.dst));
	cr_assert_eq(a.op, TERN_ARP_REQUEST);
	cr_assert_eq(a.spa, TNET_A_IP);
	cr_assert_eq(a.tpa, TNET_B_IP);
	cr_assert_eq(tern_net_next_deadline(&t->net),
		     t->now + TERN_NSEC_PER_SEC);

	tnet_dev_clear(&t->dev);
	tnet_input(t, fr,
		   tnet_arp(fr, TERN_ARP_REPLY, tnet_mac_a, tnet_mac_b,
			    TNET_B_IP, tnet_mac_a, TNET_A_IP));
	cr_assert_eq(t->dev.nsent, 2);
	cr_assert_arr_eq(t->dev.sent[0], tnet_mac_b, 6);
	cr_assert_arr_eq(t->dev.sent[0] + 14 + 20 + 8, "one", 3);
	cr_assert_arr_eq(t->dev.sent[1] + 14 + 20 + 8, "two", 3);
	tern_udp_close(&s);
	tnet_free(t);
}

Test(arp, retries_then_gives_up)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_udp s;
	uint64_t d;

	tern_udp_open(&t->net, &s);
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, "x", 1, t->now), 1);
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, "y", 1, t->now), 1);
	cr_assert_eq(t->dev.nsent, 1);
	/* Early calls do nothing. */
	cr_assert_eq(tern_net_timers(&t->net, t->now + 1),
		     t->now + TERN_NSEC_PER_SEC);
	cr_assert_eq(t->dev.nsent, 1);
	d = tern_net_timers(&t->net, t->now + TERN_NSEC_PER_SEC);
	cr_assert_eq(t->dev.nsent, 2);
	d = tern_net_timers(&t->net, d);
	cr_assert_eq(t->dev.nsent, 3);
	cr_assert_eq(tnet_stat(&t->net, "arp_unresolved"), 0);
	d = tern_net_timers(&t->net, d);
	cr_assert_eq(t->dev.nsent, 3, "three requests in all");
	cr_assert_eq(tnet_stat(&t->net, "arp_unresolved"), 2);
	cr_assert_eq(d, TERN_NO_DEADLINE);
	cr_assert_eq(tern_net_pkts_in_use(&t->net), 0);
	tern_udp_close(&s);
	tnet_free(t);
}

Test(arp, queues_are_bounded)
{
	struct tern_net_config cfg;
	struct tnet *t;
	struct tern_udp s;

	tern_net_config_default(&cfg);
	cfg.seed = 3;
	cfg.arp_queue_per_entry = 4;
	cfg.arp_queue_max = 6;
	t = tnet_new(&cfg, TNET_A_IP, 0);
	tern_udp_open(&t->net, &s);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, "x", 1, t->now),
			     1);
	cr_assert_eq(tnet_stat(&t->net, "arp_queue_full"), 6);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(
			tern_udp_sendto(&s, 0x0a000003u, 9, "x", 1, t->now), 1);
	/* The total cap: 4 + 2. */
	cr_assert_eq(tnet_stat(&t->net, "arp_queue_full"), 6 + 8);
	cr_assert_eq(tern_net_pkts_in_use(&t->net), 6);
	tern_udp_close(&s);
	tnet_free(t);
}

Test(arp, table_is_bounded_and_evicts_oldest_resolved)
{
	struct tern_net_config cfg;
	struct tnet *t;
	struct tern_udp s;
	uint8_t fr[64], mac[6] = { 2, 0, 0, 0, 1, 0 };

	tern_net_config_default(&cfg);
	cfg.seed = 3;
	cfg.arp_entries = 4;
	t = tnet_new(&cfg, TNET_A_IP, 0);
	tern_udp_open(&t->net, &s);
	/* Four resolving entries fill the table ... */
	for (uint32_t i = 0; i < 4; i++)
		tern_udp_sendto(&s, 0x0a000010u + i, 9, "x", 1, t->now);
	/* ... so a fifth destination has no entry. */
	tern_udp_sendto(&s, 0x0a000020u, 9, "x", 1, t->now);
	cr_assert_eq(tnet_stat(&t->net, "arp_table_full"), 1);
	/* Resolve them one by one, a second apart. */
	for (uint32_t i = 0; i < 4; i++) {
		mac[5] = (uint8_t)i;
		t->now += TERN_NSEC_PER_MSEC;
		tnet_input(t, fr,
			   tnet_arp(fr, TERN_ARP_REPLY, tnet_mac_a, mac,
				    0x0a000010u + i, tnet_mac_a, TNET_A_IP));
	}
	/* Now a new destination evicts the oldest resolved entry (.16). */
	tnet_dev_clear(&t->dev);
	tern_udp_sendto(&s, 0x0a000020u, 9, "x", 1, t->now);
	tern_udp_sendto(&s, 0x0a000011u, 9, "x", 1, t->now);
	cr_assert_eq(t->dev.nsent, 2, "request for .32, datagram to .17");
	tern_udp_sendto(&s, 0x0a000010u, 9, "x", 1, t->now);
	cr_assert_eq(t->dev.nsent, 3);
	cr_assert_eq(t->dev.sent[2][13], 0x06, ".16 must be resolved again");
	tern_udp_close(&s);
	tnet_free(t);
}

Test(arp, entries_expire)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_net_config cfg;
	struct tern_udp s;

	tern_net_config_default(&cfg);
	tnet_learn_peers(t);
	tern_udp_open(&t->net, &s);
	tern_udp_sendto(&s, TNET_B_IP, 9, "x", 1, t->now);
	cr_assert_eq(t->dev.sent[0][13], 0x00, "resolved");
	t->now += cfg.arp_timeout_ns;
	tern_net_timers(&t->net, t->now);
	tern_udp_sendto(&s, TNET_B_IP, 9, "x", 1, t->now);
	cr_assert_eq(t->dev.sent[1][13], 0x06, "expired: resolve again");
	tern_udp_close(&s);
	tnet_free(t);
}

Test(arp, gratuitous_announcement_on_address_change)
{
	struct tnet *t = tnet_new(NULL, 0, 0);
	struct tern_eth_hdr eth;
	struct tern_arp_hdr a;

	cr_assert_eq(tern_net_if_set_addr(&t->net, 0, TNET_A_IP, 24, 0, t->now),
		     0);
	cr_assert_eq(t->dev.nsent, 1);
	a = sent_arp(t, 0, &eth);
	cr_assert(tern_mac_is_broadcast(eth.dst));
	cr_assert_eq(a.op, TERN_ARP_REQUEST);
	cr_assert_eq(a.spa, TNET_A_IP);
	cr_assert_eq(a.tpa, TNET_A_IP);
	cr_assert_arr_eq(a.tha, zero_mac, 6);
	tnet_free(t);
}

Test(arp, hostile_packets_are_counted)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t fr[64];
	uint8_t mcast[6] = { 1, 0, 0x5e, 0, 0, 1 };
	size_t n;

	/* Multicast sender hardware address. */
	n = tnet_arp(fr, TERN_ARP_REQUEST, tnet_mac_bcast, tnet_mac_b,
		     TNET_B_IP, zero_mac, TNET_A_IP);
	memcpy(fr + 14 + 8, mcast, 6);
	tnet_input(t, fr, n);
	/* Broadcast sender protocol address. */
	tnet_input(t, fr,
		   tnet_arp(fr, TERN_ARP_REQUEST, tnet_mac_bcast, tnet_mac_b,
			    TERN_IPV4_BROADCAST, zero_mac, TNET_A_IP));
	cr_assert_eq(tnet_stat(&t->net, "arp_bad_sender"), 2);
	/* Somebody claims our address. */
	tnet_input(t, fr,
		   tnet_arp(fr, TERN_ARP_REQUEST, tnet_mac_bcast, tnet_mac_b,
			    TNET_A_IP, zero_mac, TNET_A_IP));
	cr_assert_eq(tnet_stat(&t->net, "arp_conflict"), 1);
	/* Truncated and malformed. */
	tnet_input(t, fr, 14 + 20);
	n = tnet_arp(fr, TERN_ARP_REQUEST, tnet_mac_bcast, tnet_mac_b,
		     TNET_B_IP, zero_mac, TNET_A_IP);
	fr[14 + 4] = 8;
	tnet_input(t, fr, n);
	cr_assert_eq(tnet_stat(&t->net, "arp_malformed"), 2);
	cr_assert_eq(t->dev.nsent, 0);
	tnet_free(t);
}

Test(arp, probe_from_unconfigured_host_is_answered_not_learnt)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t fr[64];
	struct tern_eth_hdr eth;
	struct tern_arp_hdr a;

	/* RFC 5227 probe: sender address 0.0.0.0. */
	tnet_input(t, fr,
		   tnet_arp(fr, TERN_ARP_REQUEST, tnet_mac_bcast, tnet_mac_b, 0,
			    zero_mac, TNET_A_IP));
	cr_assert_eq(t->dev.nsent, 1);
	a = sent_arp(t, 0, &eth);
	cr_assert_eq(a.op, TERN_ARP_REPLY);
	cr_assert_eq(a.tpa, 0);
	tnet_free(t);
}
