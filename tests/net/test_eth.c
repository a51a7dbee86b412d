/*
 * test_eth.c - the Ethernet layer: header parse/emit against scapy's bytes,
 * the receive filter (each refused frame counted under its reason), and
 * transmit batching against a device that refuses or fails.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "golden_frames.h"
#include "tern/net.h"
#include "tern/udp.h"
#include "util_net.h"

Test(eth, golden_parse_and_emit)
{
	struct tern_eth_hdr h;
	enum tern_wire_bad why;
	uint8_t out[TERN_ETH_HLEN];

	cr_assert_eq(tern_eth_hdr_parse(golden_udp, sizeof(golden_udp), &h,
					&why),
		     0);
	cr_assert_arr_eq(h.dst, tnet_mac_a, 6);
	cr_assert_arr_eq(h.src, tnet_mac_b, 6);
	cr_assert_eq(h.type, TERN_ETHERTYPE_IPV4);
	tern_eth_hdr_emit(&h, out);
	cr_assert_arr_eq(out, golden_udp, TERN_ETH_HLEN);

	cr_assert_eq(tern_eth_hdr_parse(golden_udp, 13, &h, &why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_SHORT);
	memcpy(out, golden_udp, sizeof(out));
	out[12] = 0x05;
	out[13] = 0xdc; /* 1500: an 802.3 length */
	cr_assert_eq(tern_eth_hdr_parse(out, sizeof(out), &h, &why),
		     -TERN_EBADMSG);
	cr_assert_eq(why, TERN_WIRE_FIELD);
}

Test(eth, mac_classes_and_multicast_mapping)
{
	uint8_t mac[6];

	cr_assert(tern_mac_is_broadcast(tnet_mac_bcast));
	cr_assert(tern_mac_is_multicast(tnet_mac_bcast));
	cr_assert_not(tern_mac_is_multicast(tnet_mac_a));
	tern_mac_of_ipv4_mcast(0xe0fffffbu, mac); /* 224.255.255.251 */
	cr_assert_arr_eq(mac, ((uint8_t[]){ 1, 0, 0x5e, 0x7f, 0xff, 0xfb }), 6);
}

/* Feeds a variant of golden_udp and checks which counter moved. */
static void expect_drop(struct tnet *t, const uint8_t *f, size_t len,
			const char *counter)
{
	uint64_t before = tnet_stat(&t->net, counter);

	tnet_input(t, f, len);
	cr_assert_eq(tnet_stat(&t->net, counter), before + 1, "%s", counter);
	cr_assert_eq(t->dev.nsent, 0);
}

Test(eth, receive_filter_counts_each_reason)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t f[64];

	expect_drop(t, golden_udp, 10, "eth_short");

	memcpy(f, golden_udp, sizeof(golden_udp));
	f[5] = 0x0c; /* another host's MAC */
	expect_drop(t, f, sizeof(golden_udp), "eth_not_for_us");

	memcpy(f, golden_udp, sizeof(golden_udp));
	memcpy(f, ((uint8_t[]){ 0x33, 0x33, 0, 0, 0, 1 }), 6);
	expect_drop(t, f, sizeof(golden_udp), "eth_not_for_us");

	memcpy(f, golden_udp, sizeof(golden_udp));
	f[6] = 0x03; /* multicast source */
	expect_drop(t, f, sizeof(golden_udp), "eth_bad_src");

	memcpy(f, golden_udp, sizeof(golden_udp));
	f[12] = 0x86;
	f[13] = 0xdd;
	expect_drop(t, f, sizeof(golden_udp), "eth_unknown_type");

	memcpy(f, golden_udp, sizeof(golden_udp));
	f[12] = 0x00;
	f[13] = 0x40;
	expect_drop(t, f, sizeof(golden_udp), "eth_llc");

	tern_net_input_bytes(&t->net, 3, golden_udp, sizeof(golden_udp),
			     t->now);
	cr_assert_eq(tnet_stat(&t->net, "rx_bad_if"), 1);
	tnet_free(t);
}

Test(eth, broadcast_frames_are_accepted)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	uint8_t f[64];

	memcpy(f, golden_arp_request, sizeof(golden_arp_request));
	tnet_input(t, f, sizeof(golden_arp_request));
	cr_assert_eq(tnet_stat(&t->net, "arp_rx"), 1);
	cr_assert_eq(t->dev.nsent, 1); /* the reply */
	tnet_free(t);
}

/* Sends n datagrams to B (known) inside one batch. */
static void send_burst(struct tnet *t, struct tern_udp *s, unsigned n)
{
	tern_net_batch_begin(&t->net);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(tern_udp_sendto(s, TNET_B_IP, 9, "x", 1, t->now),
			     1);
	tern_net_batch_end(&t->net);
}

Test(eth, transmit_batches_and_device_refusals)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	struct tern_udp s;

	tnet_learn_peers(t);
	tern_udp_open(&t->net, &s);

	/* 40 frames in one batch: two device calls (32 + 8). */
	t->dev.send_calls = 0;
	send_burst(t, &s, 40);
	cr_assert_eq(t->dev.nsent, 40);
	cr_assert_eq(t->dev.send_calls, 2);

	/* Outside a batch every frame goes at once. */
	t->dev.send_calls = 0;
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, "x", 1, t->now), 1);
	cr_assert_eq(t->dev.send_calls, 1);

	/* A device that takes 5 of each batch: the rest are counted. */
	t->dev.accept_max = 5;
	send_burst(t, &s, 10);
	cr_assert_eq(tnet_stat(&t->net, "tx_dev_full"), 5);

	t->dev.accept_max = ~0u;
	t->dev.fail = true;
	send_burst(t, &s, 3);
	cr_assert_eq(tnet_stat(&t->net, "tx_dev_error"), 3);

	tern_udp_close(&s);
	tnet_free(t);
}
