/*
 * util_fuzz.c - the configured stack of the network fuzz targets (see
 * util_fuzz.h).
 */
#include "util_fuzz.h"

#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/net_wire.h"
#include "tern/tcp.h"

#include "fuzz_check.h"
#include "fuzz_trace.h"
#include "support/frame_ipv4.h"

/* How long, in simulated time, the stack may take to run out of timers
 * once every handle is closed (fz_stack_end). */
#define FZ_QUIESCE_NS (3600 * TERN_NSEC_PER_SEC)

const uint8_t fz_mac0[6] = { 2, 0, 0, 0, 0, 0x0a };
const uint8_t fz_mac1[6] = { 2, 0, 0, 0, 0, 0x1a };
const uint8_t fz_mac_peer[6] = { 2, 0, 0, 0, 0, 0x0b };

/* Checks the transport header and checksum of an unfragmented datagram. */
FUZZ_CHECKER static void check_l4(const struct tern_ipv4_hdr *ip,
				  const uint8_t *l4, size_t len)
{
	struct tern_csum c;

	if (ip->mf || ip->frag_off)
		return;
	if (ip->proto == TERN_IPPROTO_ICMP) {
		TERN_ASSERT(len >= 8);
		TERN_ASSERT(tern_cksum(l4, len) == 0);
	} else if (ip->proto == TERN_IPPROTO_UDP) {
		TERN_ASSERT(len >= 8);
		TERN_ASSERT(tern_load_be16(l4 + 4) == len);
		if (tern_load_be16(l4 + 6) == 0)
			return;
		tern_ipv4_pseudo_csum(&c, ip->src, ip->dst, TERN_IPPROTO_UDP,
				      (uint16_t)len);
		tern_csum_add(&c, l4, len);
		TERN_ASSERT(tern_csum_finish(&c) == 0);
	} else if (ip->proto == TERN_IPPROTO_TCP) {
		struct tern_tcp_hdr h;
		struct tern_tcp_opts o;
		enum tern_wire_bad why;

		/* Well formed, options included, with a correct checksum
		 * (parse does not verify in fuzz builds: check it here). */
		TERN_ASSERT(tern_tcp_hdr_parse(l4, len, ip->src, ip->dst, &h,
					       false, &why) == 0);
		TERN_ASSERT(tern_tcp_opts_parse(l4 + TERN_TCP_HLEN,
						h.hlen - TERN_TCP_HLEN,
						&o) >= 0);
		tern_ipv4_pseudo_csum(&c, ip->src, ip->dst, TERN_IPPROTO_TCP,
				      (uint16_t)len);
		tern_csum_add(&c, l4, len);
		TERN_ASSERT(tern_csum_finish(&c) == 0);
	}
}

FUZZ_CHECKER void fz_check_frame(const uint8_t *f, size_t len)
{
	struct tern_eth_hdr eth;
	struct tern_ipv4_hdr ip;
	enum tern_wire_bad why;

	TERN_ASSERT(tern_eth_hdr_parse(f, len, &eth, &why) == 0);
	TERN_ASSERT(!tern_mac_is_multicast(eth.src));
	if (eth.type == TERN_ETHERTYPE_ARP) {
		struct tern_arp_hdr a;

		TERN_ASSERT(tern_arp_hdr_parse(f + 14, len - 14, &a, &why) ==
			    0);
		return;
	}
	TERN_ASSERT(eth.type == TERN_ETHERTYPE_IPV4);
	TERN_ASSERT(tern_ipv4_hdr_parse(f + 14, len - 14, &ip, false, &why) ==
		    0);
	TERN_ASSERT(ip.hlen == 20 && ip.total_len == len - 14);
	TERN_ASSERT(tern_cksum(f + 14, 20) == 0);
	TERN_ASSERT(ip.ttl > 0);
	check_l4(&ip, f + 34, len - 34);
}

FUZZ_CHECKER static int dev_send(struct tern_netdev *dev,
				 const struct tern_tx *frames, unsigned count)
{
	struct fz_dev *d = tern_container_of(dev, struct fz_dev, dev);
	static uint8_t buf[TERN_ETH_FRAME_MAX];
	unsigned n = count < d->refuse ? count : d->refuse;

	for (unsigned i = 0; i < count; i++) {
		int len = tern_tx_flatten(&frames[i], buf, sizeof(buf));

		TERN_ASSERT(len >= TERN_ETH_HLEN);
		fz_check_frame(buf, (size_t)len);
		fuzz_trace_add(buf, (size_t)len);
	}
	d->frames += n;
	return (int)n;
}

static int dev_recv(struct tern_netdev *dev, struct tern_rx *frames,
		    unsigned count)
{
	(void)dev;
	(void)frames;
	(void)count;
	return 0;
}

static const struct tern_netdev_ops fz_ops = { .send = dev_send,
					       .recv = dev_recv };

/* Builds s->net on the first call, resets it after (see util_fuzz.h). */
static void stack_build(struct fz_stack *s, uint32_t pkt_count,
			uint32_t reasm_contexts)
{
	struct tern_net_config cfg;

	if (s->built) {
		TERN_ASSERT(s->net.cfg.pkt_count == pkt_count &&
			    s->net.cfg.reasm_contexts == reasm_contexts);
		TERN_ASSERT(tern_net_reset(&s->net) == 0);
		return;
	}
	tern_net_config_default(&cfg);
	cfg.pkt_count = pkt_count;
	cfg.reasm_contexts = reasm_contexts;
	cfg.arp_entries = 8;
	cfg.arp_queue_max = 6;
	cfg.arp_queue_per_entry = 3;
	cfg.tcp_conns = 4;
	cfg.tcp_sndbuf = 4096;
	cfg.tcp_rcvbuf = 4096;
	cfg.tcp_ooo_max = 4;
	cfg.tcp_rcv_pkts_max = 8;
	/* Small, so a fuzz input can fill it (and the reset is cheap). */
	cfg.tcp_time_wait_max = 4;
	cfg.seed = 1;
	TERN_ASSERT(tern_net_init(&s->net, &cfg) == 0);
	s->built = true;
}

void fz_stack_begin(struct fz_stack *s, uint32_t pkt_count,
		    uint32_t reasm_contexts)
{
	stack_build(s, pkt_count, reasm_contexts);
	memset(s->dev, 0, sizeof(s->dev));
	memset(s->udp, 0, sizeof(s->udp));
	memset(&s->ping, 0, sizeof(s->ping));
	tern_netdev_init(&s->dev[0].dev, &fz_ops, "fz0", fz_mac0, 1500);
	tern_netdev_init(&s->dev[1].dev, &fz_ops, "fz1", fz_mac1, 1500);
	s->dev[0].refuse = ~0u;
	s->dev[1].refuse = ~0u;
	TERN_ASSERT(tern_net_add_if(&s->net, &s->dev[0].dev) == 0);
	TERN_ASSERT(tern_net_add_if(&s->net, &s->dev[1].dev) == 1);
	s->now = 1000 * TERN_NSEC_PER_SEC;
	TERN_ASSERT(tern_net_if_set_addr(&s->net, 0, FZ_IP, 24, FZ_GW,
					 s->now) == 0);

	tern_udp_open(&s->net, &s->udp[0]);
	TERN_ASSERT(tern_udp_bind(&s->udp[0], 0, 7) == 0);
	tern_udp_set_rxq(&s->udp[0], 4);
	tern_udp_open(&s->net, &s->udp[1]);
	TERN_ASSERT(tern_udp_bind_if(&s->udp[1], 1) == 0);
	TERN_ASSERT(tern_udp_bind(&s->udp[1], 0, 68) == 0);
	tern_udp_open(&s->net, &s->udp[2]);
	TERN_ASSERT(tern_udp_connect(&s->udp[2], FZ_PEER, 9) == 0);
	TERN_ASSERT(tern_ping_open(&s->net, &s->ping, 0x4242) == 0);
}

void fz_stack_drain(struct fz_stack *s)
{
	static uint8_t buf[70000];
	struct tern_udp_meta m;
	struct tern_pkt *pkt;

	/* Port 7 echoes, zero-copy, as the echo app does; the device checks
	 * the checksums of what goes out. */
	while ((pkt = tern_udp_recv_pkt(&s->udp[0], &m)))
		(void)tern_udp_sendto_pkt(&s->udp[0], m.src, m.sport, pkt,
					  s->now);
	for (unsigned i = 0; i < 3; i++)
		while (tern_udp_readable(&s->udp[i]))
			(void)tern_udp_recvfrom(&s->udp[i], buf, sizeof(buf),
						NULL);
	while (tern_ping_readable(&s->ping))
		(void)tern_ping_recv(&s->ping, buf, sizeof(buf), NULL);
}

void fz_stack_end(struct fz_stack *s)
{
	uint64_t start = s->now, d;

	fz_stack_drain(s);
	for (unsigned i = 0; i < 3; i++)
		tern_udp_close(&s->udp[i]);
	tern_ping_close(&s->ping);
	/* Left alone, the stack lets go of everything within an hour:
	 * the longest wait is a retransmission series (tcp_retries RTOs of
	 * at most a minute each), then FIN_WAIT_2 and TIME_WAIT. Each RTO
	 * may cost an ARP series too, so the number of timer runs is bounded
	 * loosely; simulated time is the real bound. */
	d = tern_net_next_deadline(&s->net);
	for (int i = 0;
	     i < 100000 && d != TERN_NO_DEADLINE && d <= start + FZ_QUIESCE_NS;
	     i++) {
		if (d > s->now)
			s->now = d;
		d = tern_net_timers(&s->net, s->now);
	}
	TERN_ASSERT(d == TERN_NO_DEADLINE);
	/* Every TCP connection the input opened is gone, released or not:
	 * the target closed its handles and every timer has run. */
	TERN_ASSERT(tern_tcp_conns_in_use(&s->net) == 0);
	TERN_ASSERT(tern_tcp_time_wait_count(&s->net) == 0);
	TERN_ASSERT(tern_net_pkts_in_use(&s->net) == 0);
	TERN_ASSERT(tern_net_reasm_in_use(&s->net) == 0);
	fuzz_trace_add(tern_net_stats(&s->net), sizeof(struct tern_net_stats));
}

void fz_input_ipv4(struct fz_stack *s, unsigned ifindex, uint32_t src,
		   uint32_t dst, uint8_t proto, const uint8_t *payload,
		   size_t len)
{
	static uint8_t frame[TERN_ETH_HLEN + TERN_IPV4_HLEN + 1500];

	TERN_ASSERT(len <= 1500);
	tern_net_input_bytes(&s->net, ifindex, frame,
			     frame_ipv4(frame, fz_mac0, fz_mac_peer, src, dst,
					proto, 1, 0, false, payload, len),
			     s->now);
}
