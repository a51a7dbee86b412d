/*
 * test_net.c - the stack object (net.c, stats.c): configuration checks,
 * interfaces, buffers running out, the counters by name and the report,
 * and tern_net_reset.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "golden_frames.h"
#include "tern/err.h"
#include "tern/net.h"
#include "tern/tcp.h"
#include "tern/udp.h"
#include "util_net.h"

Test(net, configuration_is_checked)
{
	struct tern_net_config cfg;
	struct tern_net *net = tern_mem_alloc(sizeof(*net));

	tern_net_config_default(&cfg);
	cfg.arp_entries = TERN_NET_ARP_MAX + 1;
	cr_assert_eq(tern_net_init(net, &cfg), -TERN_EINVAL);
	tern_net_config_default(&cfg);
	cfg.reasm_contexts = TERN_NET_REASM_MAX + 1;
	cr_assert_eq(tern_net_init(net, &cfg), -TERN_EINVAL);
	tern_net_config_default(&cfg);
	cfg.pkt_buf_size = 512;
	cr_assert_eq(tern_net_init(net, &cfg), -TERN_EINVAL);
	tern_net_config_default(&cfg);
	cfg.icmp_err_rate = 0;
	cr_assert_eq(tern_net_init(net, &cfg), -TERN_EINVAL);
	/* No reassembly at all is allowed: fragments are then dropped. */
	tern_net_config_default(&cfg);
	cfg.reasm_contexts = 0;
	cr_assert_eq(tern_net_init(net, &cfg), 0);
	cr_assert_eq(tern_net_reasm_in_use(net), 0);
	tern_net_fini(net);
	cr_assert_eq(tern_net_init(net, NULL), 0);
	cr_assert_eq(tern_net_pkt_payload_max(net), 2048 - TERN_NET_HEADROOM);
	tern_net_fini(net);
	tern_mem_free(net, sizeof(*net));
}

Test(net, interfaces_are_bounded_and_checked)
{
	struct tern_net *net = tern_mem_alloc(sizeof(*net));
	static struct tnet_dev devs[TERN_NET_MAX_IFS + 1], jumbo;

	cr_assert_eq(tern_net_init(net, NULL), 0);
	tnet_dev_init(&jumbo, "jumbo", tnet_mac_a, 9000);
	cr_assert_eq(tern_net_add_if(net, &jumbo.dev), -TERN_EINVAL);
	for (unsigned i = 0; i <= TERN_NET_MAX_IFS; i++) {
		tnet_dev_init(&devs[i], "d", tnet_mac_a, 1500);
		cr_assert_eq(tern_net_add_if(net, &devs[i].dev),
			     i < TERN_NET_MAX_IFS ? (int)i : -TERN_ENOSPC);
	}
	cr_assert_eq(tern_net_if_count(net), TERN_NET_MAX_IFS);
	cr_assert_eq(tern_net_if_dev(net, 2), &devs[2].dev);
	cr_assert_null(tern_net_if_dev(net, TERN_NET_MAX_IFS));
	cr_assert_eq(tern_net_if_get_addr(net, 9, NULL, NULL, NULL),
		     -TERN_ENODEV);
	cr_assert_eq(tern_net_if_clear_addr(net, 9), -TERN_ENODEV);
	tern_net_fini(net);
	tern_mem_free(net, sizeof(*net));
}

Test(net, buffers_running_out_are_counted)
{
	struct tern_net_config cfg;
	struct tnet *t;
	struct tern_udp s;
	struct tern_pkt *held[8];
	static uint8_t big[4000];

	tern_net_config_default(&cfg);
	cfg.seed = 1;
	cfg.pkt_count = 8;
	t = tnet_new(&cfg, TNET_A_IP, 0);
	tnet_learn_peers(t);
	tern_udp_open(&t->net, &s);
	for (int i = 0; i < 8; i++)
		cr_assert_not_null(held[i] = tern_net_pkt_alloc(&t->net));
	cr_assert_null(tern_net_pkt_alloc(&t->net));
	cr_assert_eq(tnet_stat(&t->net, "tx_nobuf"), 1);
	/* Input with no buffer: counted, nothing else happens. */
	tnet_input(t, golden_icmp_echo, sizeof(golden_icmp_echo));
	cr_assert_eq(tnet_stat(&t->net, "rx_nobuf"), 1);
	cr_assert_eq(tern_udp_sendto(&s, TNET_B_IP, 9, "x", 1, t->now),
		     -TERN_ENOMEM);
	for (int i = 0; i < 8; i++)
		tern_pkt_free(held[i]);
	/* A frame longer than a buffer is refused the same way. */
	tern_net_input_bytes(&t->net, 0, big, sizeof(big), t->now);
	cr_assert_eq(tnet_stat(&t->net, "rx_nobuf"), 2);
	tern_udp_close(&s);
	tnet_free(t);
}

static void count_names(const char *name, uint64_t value, void *ctx)
{
	(void)value;
	cr_assert_gt(strlen(name), 3);
	(*(unsigned *)ctx)++;
}

Test(net, counters_by_name_and_report)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);
	unsigned n = 0;

	tern_net_stats_foreach(&t->net, count_names, &n);
	cr_assert_eq(n, sizeof(struct tern_net_stats) / sizeof(uint64_t));
	tnet_input(t, golden_udp, 10);
	cr_assert_eq(tern_net_stat(&t->net, "eth_short"), 1);
	cr_assert_eq(tern_net_stats(&t->net)->eth_short, 1);
	cr_assert_eq(tern_net_stat(&t->net, "no_such_counter"), -TERN_ENOENT);
	/* The report goes to the console; it must not fail. */
	tern_net_report(&t->net);
	tnet_free(t);
}

Test(net, deadline_is_none_when_idle)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, 0);

	cr_assert_eq(tern_net_next_deadline(&t->net), TERN_NO_DEADLINE);
	cr_assert_eq(tern_net_timers(&t->net, t->now), TERN_NO_DEADLINE);
	tnet_free(t);
}

/* What a run of the reset test's scenario sent and counted. */
struct run {
	unsigned frames;
	size_t bytes;
	uint64_t digest; /* FNV-1a over every frame sent */
	struct tern_net_stats stats;
};

/* Traffic that leaves state in every table: ARP entries for the peers, a
 * datagram waiting on ARP for 10.0.0.3, an echo request, a TCP SYN and
 * its retransmit, a fragment left for reassembly; then the socket closed
 * and TCP aborted. */
static void scenario(struct tnet *t, struct run *r)
{
	static const uint8_t bytes[16] = "fragment bytes!";
	uint8_t frame[TNET_FRAME_MAX];
	struct tern_udp u;
	struct tern_tcp *c;
	uint64_t h = 0xcbf29ce484222325ull;

	tnet_learn_peers(t);
	tern_udp_open(&t->net, &u);
	cr_assert_geq(tern_udp_sendto(&u, TNET_B_IP + 1, 9, "hello", 5, t->now),
		      0);
	tnet_input(t, frame,
		   tnet_icmp_echo(frame, TNET_B_IP, TNET_A_IP, 7, 1, "ping",
				  4));
	cr_assert_eq(tern_tcp_connect(&t->net, TNET_B_IP, 80, t->now, &c), 0);
	t->now += 2 * TERN_NSEC_PER_SEC;
	tern_net_timers(&t->net, t->now);
	tnet_input(t, frame,
		   tnet_ipv4(frame, tnet_mac_a, tnet_mac_b, TNET_B_IP,
			     TNET_A_IP, TERN_IPPROTO_UDP, 7, 0, true, bytes,
			     sizeof(bytes)));
	tern_tcp_abort(c, t->now);
	tern_udp_close(&u);
	r->frames = t->dev.nsent;
	r->bytes = 0;
	for (unsigned i = 0; i < t->dev.nsent; i++) {
		r->bytes += t->dev.sent_len[i];
		for (size_t j = 0; j < t->dev.sent_len[i]; j++)
			h = (h ^ t->dev.sent[i][j]) * 0x100000001b3ull;
	}
	r->digest = h;
	r->stats = *tern_net_stats(&t->net);
}

Test(net, reset_is_a_fresh_stack_on_the_same_memory)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, TNET_GW_IP);
	void *pool_mem = t->net.pool_mem;
	struct run first, again;
	struct tern_net_stats zero;

	scenario(t, &first);
	cr_assert_gt(first.frames, 3, "the scenario sent ARP, ICMP and TCP");
	cr_assert_gt(tern_net_pkts_in_use(&t->net) +
			     tern_net_reasm_in_use(&t->net),
		     0, "the scenario leaves buffers behind for the reset");

	cr_assert_eq(tern_net_reset(&t->net), 0);
	memset(&zero, 0, sizeof(zero));
	cr_assert_eq(memcmp(tern_net_stats(&t->net), &zero, sizeof(zero)), 0);
	cr_assert_eq(tern_net_pkts_in_use(&t->net), 0);
	cr_assert_eq(tern_net_reasm_in_use(&t->net), 0);
	cr_assert_eq(tern_net_if_count(&t->net), 0);
	cr_assert_eq(tern_net_next_deadline(&t->net), TERN_NO_DEADLINE);
	cr_assert_eq(t->net.pool_mem, pool_mem, "the pools are kept");

	/* Set up as tnet_new does, then the same traffic again. */
	tnet_dev_init(&t->dev, "tnet0", tnet_mac_a, TERN_ETH_MTU_DEFAULT);
	cr_assert_eq(tern_net_add_if(&t->net, &t->dev.dev), 0);
	t->now = 1000 * TERN_NSEC_PER_SEC;
	cr_assert_eq(tern_net_if_set_addr(&t->net, 0, TNET_A_IP, 24, TNET_GW_IP,
					  t->now),
		     0);
	tnet_dev_clear(&t->dev);
	scenario(t, &again);
	cr_assert_eq(again.frames, first.frames);
	cr_assert_eq(again.bytes, first.bytes);
	cr_assert_eq(again.digest, first.digest,
		     "the same frames, byte for byte");
	cr_assert_eq(memcmp(&again.stats, &first.stats, sizeof(first.stats)), 0,
		     "the same counters");
	tnet_free(t);
}

Test(net, reset_keeps_the_tso_buffers)
{
	struct tnet *t = tnet_new(NULL, TNET_A_IP, TNET_GW_IP);
	struct tnet_dev tso;
	void *tso_mem;
	uint32_t count;

	tnet_dev_init(&tso, "tso0", tnet_mac_b, TERN_ETH_MTU_DEFAULT);
	tso.dev.offloads = TERN_NETDEV_TX_CSUM | TERN_NETDEV_TX_TSO4;
	tso.dev.gso_max = TERN_ETH_HLEN + 65535;
	cr_assert_eq(tern_net_add_if(&t->net, &tso.dev), 1);
	tso_mem = t->net.tso_mem;
	count = t->net.tso_pool.count;
	cr_assert_not_null(tso_mem, "a TSO device allocates the buffers");
	cr_assert_eq(count, t->net.cfg.tso_bufs);
	tern_pkt_free(tern_pkt_alloc(&t->net.tso_pool, TERN_NET_HEADROOM));

	cr_assert_eq(tern_net_reset(&t->net), 0);
	cr_assert_eq(t->net.tso_mem, tso_mem, "kept, not leaked");
	cr_assert_eq(t->net.tso_pool.count, count, "re-carved whole");
	cr_assert_eq(t->net.tso_pool.used, 0);
	cr_assert_eq(t->net.tso_pool.peak, 0);
	cr_assert_eq(tern_net_add_if(&t->net, &tso.dev), 0);
	cr_assert_eq(t->net.tso_mem, tso_mem, "found, not allocated again");
	tnet_free(t);
}
