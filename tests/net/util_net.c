/*
 * util_net.c - test doubles and frame builders for the network tests (see
 * util_net.h).
 */
#include "util_net.h"

#include <criterion/criterion.h>
#include <string.h>

#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/err.h"

#include "support/frame_ipv4.h"

const uint8_t tnet_mac_a[TERN_ETH_ALEN] = { 2, 0, 0, 0, 0, 0x0a };
const uint8_t tnet_mac_b[TERN_ETH_ALEN] = { 2, 0, 0, 0, 0, 0x0b };
const uint8_t tnet_mac_gw[TERN_ETH_ALEN] = { 2, 0, 0, 0, 0, 0xfe };
const uint8_t tnet_mac_bcast[TERN_ETH_ALEN] = { 0xff, 0xff, 0xff,
						0xff, 0xff, 0xff };

static struct tnet_dev *dev_of(struct tern_netdev *dev)
{
	return tern_container_of(dev, struct tnet_dev, dev);
}

static int dev_send(struct tern_netdev *dev, const struct tern_tx *frames,
		    unsigned count)
{
	struct tnet_dev *d = dev_of(dev);
	unsigned n = count < d->accept_max ? count : d->accept_max;

	d->send_calls++;
	if (d->fail)
		return -TERN_EIO;
	for (unsigned i = 0; i < n; i++) {
		d->sent_total++;
		if (d->nsent >= TNET_SENT_MAX)
			continue;
		int len = tern_tx_flatten(&frames[i], d->sent[d->nsent],
					  TNET_FRAME_MAX);
		cr_assert_geq(len, TERN_ETH_HLEN);
		d->sent_len[d->nsent++] = (size_t)len;
	}
	return (int)n;
}

static int dev_recv(struct tern_netdev *dev, struct tern_rx *frames,
		    unsigned count)
{
	struct tnet_dev *d = dev_of(dev);
	unsigned n = 0;

	while (n < count && d->rx_count > 0) {
		unsigned i = d->rx_head;

		cr_assert_leq(d->rx_len[i], frames[n].cap);
		memcpy(frames[n].buf, d->rx[i], d->rx_len[i]);
		frames[n].len = d->rx_len[i];
		frames[n].flags = d->rx_flags[i];
		d->rx_head = (d->rx_head + 1) % TNET_RXQ_MAX;
		d->rx_count--;
		n++;
	}
	return (int)n;
}

static const struct tern_netdev_ops tnet_ops = {
	.send = dev_send,
	.recv = dev_recv,
	.close = NULL,
};

void tnet_dev_init(struct tnet_dev *d, const char *name,
		   const uint8_t mac[TERN_ETH_ALEN], uint16_t mtu)
{
	memset(d, 0, sizeof(*d));
	tern_netdev_init(&d->dev, &tnet_ops, name, mac, mtu);
	d->accept_max = ~0u;
}

void tnet_dev_clear(struct tnet_dev *d)
{
	d->nsent = 0;
}

void tnet_dev_queue(struct tnet_dev *d, const void *frame, size_t len,
		    unsigned flags)
{
	unsigned i;

	cr_assert_lt(d->rx_count, TNET_RXQ_MAX);
	cr_assert_leq(len, TNET_FRAME_MAX);
	i = (d->rx_head + d->rx_count) % TNET_RXQ_MAX;
	memcpy(d->rx[i], frame, len);
	d->rx_len[i] = len;
	d->rx_flags[i] = flags;
	d->rx_count++;
}

struct tnet *tnet_new(const struct tern_net_config *cfg, uint32_t addr,
		      uint32_t gw)
{
	struct tern_net_config c;
	struct tnet *t = tern_mem_alloc(sizeof(*t));

	cr_assert_not_null(t);
	if (!cfg) {
		tern_net_config_default(&c);
		c.seed = 1;
		cfg = &c;
	}
	cr_assert_eq(tern_net_init(&t->net, cfg), 0);
	tnet_dev_init(&t->dev, "tnet0", tnet_mac_a, TERN_ETH_MTU_DEFAULT);
	cr_assert_eq(tern_net_add_if(&t->net, &t->dev.dev), 0);
	t->now = 1000 * TERN_NSEC_PER_SEC;
	if (addr)
		cr_assert_eq(tern_net_if_set_addr(&t->net, 0, addr, 24, gw,
						  t->now),
			     0);
	tnet_dev_clear(&t->dev);
	return t;
}

void tnet_free(struct tnet *t)
{
	uint64_t d = tern_net_next_deadline(&t->net);

	/* Drain: run every timer until none is left (bounded). */
	for (int i = 0; i < 1000 && d != TERN_NO_DEADLINE; i++) {
		if (d > t->now)
			t->now = d;
		d = tern_net_timers(&t->net, t->now);
	}
	cr_assert_eq(d, TERN_NO_DEADLINE, "timers never run out");
	cr_assert_eq(tern_net_pkts_in_use(&t->net), 0,
		     "frame buffers leaked: %u", tern_net_pkts_in_use(&t->net));
	cr_assert_eq(tern_net_reasm_in_use(&t->net), 0,
		     "reassembly buffers leaked: %u",
		     tern_net_reasm_in_use(&t->net));
	tern_net_fini(&t->net);
	tern_mem_free(t, sizeof(*t));
}

void tnet_input(struct tnet *t, const void *frame, size_t len)
{
	tern_net_input_bytes(&t->net, 0, frame, len, t->now);
}

void tnet_input_flags(struct tnet *t, const void *frame, size_t len,
		      unsigned rx_flags)
{
	struct tern_pkt *pkt = tern_pkt_from(&t->net.pool, 0, frame, len);

	cr_assert_not_null(pkt);
	pkt->rx_flags = (uint16_t)rx_flags;
	tern_net_input(&t->net, 0, pkt, t->now);
}

void tnet_learn_peers(struct tnet *t)
{
	static const uint8_t zero[6];
	uint8_t f[64];
	size_t n;

	n = tnet_arp(f, TERN_ARP_REQUEST, tnet_mac_bcast, tnet_mac_b, TNET_B_IP,
		     zero, TNET_A_IP);
	tnet_input(t, f, n);
	n = tnet_arp(f, TERN_ARP_REQUEST, tnet_mac_bcast, tnet_mac_gw,
		     TNET_GW_IP, zero, TNET_A_IP);
	tnet_input(t, f, n);
	tnet_dev_clear(&t->dev);
}

size_t tnet_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
		uint16_t type)
{
	struct tern_eth_hdr h;

	memcpy(h.dst, dst, 6);
	memcpy(h.src, src, 6);
	h.type = type;
	tern_eth_hdr_emit(&h, buf);
	return TERN_ETH_HLEN;
}

size_t tnet_ipv4(uint8_t *buf, const uint8_t dst_mac[6],
		 const uint8_t src_mac[6], uint32_t src, uint32_t dst,
		 uint8_t proto, uint16_t id, uint16_t frag_off, bool mf,
		 const void *payload, size_t len)
{
	return frame_ipv4(buf, dst_mac, src_mac, src, dst, proto, id, frag_off,
			  mf, payload, len);
}

size_t tnet_udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport,
		uint16_t dport, const void *payload, size_t len)
{
	uint8_t l4[TNET_FRAME_MAX];
	struct tern_udp_hdr h = { sport, dport, (uint16_t)(8 + len), 0 };
	struct tern_iov iov = { payload, len };

	tern_udp_hdr_emit(&h, l4);
	tern_store_be16(l4 + 6, tern_udp_cksum(src, dst, l4, &iov, 1));
	memcpy(l4 + 8, payload, len);
	return tnet_ipv4(buf, tnet_mac_a, tnet_mac_b, src, dst,
			 TERN_IPPROTO_UDP, 0x55, 0, false, l4, 8 + len);
}

size_t tnet_icmp_echo(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t id,
		      uint16_t seq, const void *payload, size_t len)
{
	uint8_t l4[TNET_FRAME_MAX];
	struct tern_icmp_hdr h = { TERN_ICMP_ECHO_REQUEST, 0, 0,
				   (uint32_t)id << 16 | seq };

	tern_icmp_hdr_emit(&h, l4);
	memcpy(l4 + 8, payload, len);
	tern_icmp_set_cksum(l4, 8 + len);
	return tnet_ipv4(buf, tnet_mac_a, tnet_mac_b, src, dst,
			 TERN_IPPROTO_ICMP, 0x66, 0, false, l4, 8 + len);
}

size_t tnet_arp(uint8_t *buf, uint16_t op, const uint8_t eth_dst[6],
		const uint8_t sha[6], uint32_t spa, const uint8_t tha[6],
		uint32_t tpa)
{
	struct tern_arp_hdr a;
	size_t off = tnet_eth(buf, eth_dst, sha, TERN_ETHERTYPE_ARP);

	a.op = op;
	memcpy(a.sha, sha, 6);
	a.spa = spa;
	memcpy(a.tha, tha, 6);
	a.tpa = tpa;
	tern_arp_hdr_emit(&a, buf + off);
	return off + TERN_ARP_LEN;
}

bool tnet_sent_ipv4(const struct tnet_dev *d, unsigned i,
		    struct tern_eth_hdr *eth, struct tern_ipv4_hdr *ip,
		    const uint8_t **l4, size_t *l4len)
{
	enum tern_wire_bad why;
	const uint8_t *f;
	size_t len;

	cr_assert_lt(i, d->nsent);
	f = d->sent[i];
	len = d->sent_len[i];
	if (tern_eth_hdr_parse(f, len, eth, &why) < 0 ||
	    eth->type != TERN_ETHERTYPE_IPV4)
		return false;
	if (tern_ipv4_hdr_parse(f + 14, len - 14, ip, true, &why) < 0)
		return false;
	*l4 = f + 14 + ip->hlen;
	*l4len = ip->total_len - ip->hlen;
	return true;
}

uint64_t tnet_stat(const struct tern_net *net, const char *name)
{
	int64_t v = tern_net_stat(net, name);

	cr_assert_geq(v, 0, "no counter %s", name);
	return (uint64_t)v;
}

/* Counters that are events, not drops. */
static const char *const events[] = {
	"rx_frames",
	"rx_bytes",
	"tx_frames",
	"tx_bytes",
	"arp_rx",
	"arp_tx",
	"arp_requests",
	"arp_replies",
	"arp_gratuitous",
	"ip_rx",
	"ip_tx",
	"ip_options_seen",
	"frag_rx",
	"frag_reassembled",
	"frag_tx",
	"icmp_rx",
	"icmp_tx",
	"icmp_echo_rx",
	"icmp_echo_reply_tx",
	"icmp_unreach_rx",
	"icmp_unreach_tx",
	"udp_rx",
	"udp_tx",
};

static void add_drop(const char *name, uint64_t value, void *ctx)
{
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(events[i], name) == 0)
			return;
	*(uint64_t *)ctx += value;
}

uint64_t tnet_drops(const struct tern_net *net)
{
	uint64_t sum = 0;

	tern_net_stats_foreach(net, add_drop, &sum);
	return sum;
}
