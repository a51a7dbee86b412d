/*
 * net.c - the stack object: set-up, interfaces and their addresses, the
 * Ethernet layer (input dispatch, output and transmit batching), time and
 * the cached deadline.
 *
 * Transmit batching: every frame is queued on its interface; outside a
 * batch the queue is sent at once, inside one (the fiber loop wraps each
 * receive batch) it is sent TERN_NET_TX_BATCH frames per device call. The
 * device copies frames (dev.h), so buffers are freed right after the call.
 * A frame the device refuses (queue full) is dropped and counted, as a NIC
 * would.
 */
#include "tern/net.h"

#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"
#include "tern/icmp.h"
#include "tern/inet.h"
#include "tern/udp.h"

#include "net_int.h"
#include "tcp_int.h"

#define MIN_BUF_SIZE 1024u
#define REASM_HEADROOM TERN_NET_HEADROOM
/* TCP's wheel ticks in 2^16 ns (65.5 us); deadlines stay exact. */
#define NET_WHEEL_TICK_SHIFT 16

void tern_net_config_default(struct tern_net_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->pkt_count = 256;
	cfg->pkt_buf_size = 2048;
	cfg->reasm_contexts = 4;
	cfg->reasm_max_len = TERN_IPV4_MAX_LEN;
	cfg->reasm_timeout_ns = 15 * TERN_NSEC_PER_SEC;
	cfg->tso_bufs = 8;
	cfg->arp_entries = 64;
	cfg->arp_timeout_ns = 60 * TERN_NSEC_PER_SEC;
	cfg->arp_retry_ns = TERN_NSEC_PER_SEC;
	cfg->arp_retries = 3;
	cfg->arp_queue_max = 32;
	cfg->arp_queue_per_entry = 8;
	cfg->icmp_err_rate = 100;
	cfg->icmp_err_burst = 20;
	cfg->ttl = 64;
	cfg->seed = 0;
	cfg->tcp_conns = 64;
	cfg->tcp_sndbuf = 64 * 1024;
	cfg->tcp_rcvbuf = 64 * 1024;
	cfg->tcp_rcv_pkts_max = 64;
	cfg->tcp_ooo_max = 32;
	cfg->tcp_backlog_max = 128;
	cfg->tcp_rto_init_ns = TERN_NSEC_PER_SEC;
	cfg->tcp_rto_min_ns = 200 * TERN_NSEC_PER_MSEC;
	cfg->tcp_rto_max_ns = 60 * TERN_NSEC_PER_SEC;
	cfg->tcp_retries = 15;
	cfg->tcp_syn_retries = 6;
	cfg->tcp_delack_ns = 40 * TERN_NSEC_PER_MSEC;
	cfg->tcp_msl_ns = 30 * TERN_NSEC_PER_SEC;
	cfg->tcp_fin_wait2_ns = 60 * TERN_NSEC_PER_SEC;
	cfg->tcp_time_wait_max = 1024;
	cfg->tcp_challenge_max = 10;
}

static bool config_ok(const struct tern_net_config *c)
{
	return c->pkt_count > 0 && c->pkt_buf_size >= MIN_BUF_SIZE &&
	       c->reasm_contexts <= TERN_NET_REASM_MAX && c->tso_bufs <= 64 &&
	       c->reasm_max_len >= 576 &&
	       c->reasm_max_len <= TERN_IPV4_MAX_LEN && c->arp_entries > 0 &&
	       c->arp_entries <= TERN_NET_ARP_MAX && c->arp_retries > 0 &&
	       c->arp_retries < 256 && c->arp_queue_per_entry > 0 &&
	       c->ttl > 0 && c->icmp_err_rate > 0 && c->tcp_conns > 0 &&
	       c->tcp_sndbuf >= 1024 && c->tcp_sndbuf <= (1u << 30) &&
	       c->tcp_rcvbuf >= 1024 && c->tcp_rcvbuf <= (1u << 30) &&
	       c->tcp_rcv_pkts_max > 0 && c->tcp_backlog_max > 0 &&
	       c->tcp_rto_min_ns > 0 &&
	       c->tcp_rto_min_ns <= c->tcp_rto_max_ns &&
	       c->tcp_rto_init_ns >= c->tcp_rto_min_ns && c->tcp_retries > 0 &&
	       c->tcp_syn_retries > 0 && c->tcp_delack_ns > 0 &&
	       c->tcp_fin_wait2_ns > 0 && c->tcp_time_wait_max > 0;
}

/* Allocates and carves one pool; returns 0 or -TERN_ENOMEM. */
static int pool_create(struct tern_pkt_pool *pool, void **mem, size_t *size,
		       uint32_t count, uint32_t buf_size)
{
	*size = tern_pkt_pool_mem_size(count, buf_size);
	*mem = tern_mem_alloc_buffers(*size); /* the pool sets each header */
	if (!*mem)
		return -TERN_ENOMEM;
	if (tern_pkt_pool_init(pool, *mem, *size, buf_size) < 0) {
		tern_mem_free(*mem, *size);
		*mem = NULL;
		return -TERN_ENOMEM;
	}
	return 0;
}

/* Everything tern_net_init sets up besides the pools, on a zeroed net with
 * its cfg: lists, the PRNG (from cfg.seed) and what is drawn from it, the
 * wheel, and the TCP core. Returns 0 or -TERN_ENOMEM (from tcp_init). */
static int state_init(struct tern_net *net)
{
	for (unsigned i = 0; i < TERN_NET_MAX_IFS; i++)
		tern_list_init(&net->ifs[i].txq);
	for (unsigned i = 0; i < TERN_NET_ARP_MAX; i++)
		tern_list_init(&net->arp[i].queue);
	for (unsigned i = 0; i < TERN_NET_UDP_HASH; i++)
		tern_list_init(&net->udp_hash[i]);
	tern_list_init(&net->ping_socks);
	tern_rand_seed(&net->rand, net->cfg.seed);
	net->ip_id = (uint16_t)tern_rand_u64(&net->rand);
	net_ports_init(net);
	net->icmp_tokens = (uint64_t)net->cfg.icmp_err_burst *
			   (TERN_NSEC_PER_SEC / net->cfg.icmp_err_rate);
	net->deadline = TERN_NO_DEADLINE;
	tern_wheel_init(&net->wheel, 0, NET_WHEEL_TICK_SHIFT);
	return tcp_init(net);
}

/* Drops every packet the stack holds and the TCP core: what tern_net_fini
 * and tern_net_reset both do before the pools are freed or re-carved. */
static void teardown(struct tern_net *net)
{
	TERN_ASSERT(!udp_sockets_open(net));
	TERN_ASSERT(!icmp_sockets_open(net));
	tcp_fini(net);
	for (unsigned i = 0; i < net->n_ifs; i++) {
		arp_flush_if(net, i);
		tern_pkt_free_list(&net->ifs[i].txq);
		net->ifs[i].txq_len = 0;
	}
	reasm_flush(net);
}

int tern_net_init(struct tern_net *net, const struct tern_net_config *cfg)
{
	int err;

	memset(net, 0, sizeof(*net));
	if (cfg)
		net->cfg = *cfg;
	else
		tern_net_config_default(&net->cfg);
	if (!config_ok(&net->cfg))
		return -TERN_EINVAL;
	err = pool_create(&net->pool, &net->pool_mem, &net->pool_mem_size,
			  net->cfg.pkt_count, net->cfg.pkt_buf_size);
	if (err < 0)
		return err;
	if (net->cfg.reasm_contexts > 0) {
		err = pool_create(&net->reasm_pool, &net->reasm_mem,
				  &net->reasm_mem_size,
				  2 * net->cfg.reasm_contexts,
				  REASM_HEADROOM + net->cfg.reasm_max_len);
		if (err < 0) {
			tern_mem_free(net->pool_mem, net->pool_mem_size);
			return err;
		}
	}
	err = state_init(net);
	if (err < 0) {
		if (net->reasm_mem)
			tern_mem_free(net->reasm_mem, net->reasm_mem_size);
		tern_mem_free(net->pool_mem, net->pool_mem_size);
		return err;
	}
	return 0;
}

/* Re-carves a pool over memory it already owns (nothing when mem is NULL):
 * the free list goes back to its first order, so buffer addresses repeat. */
static void pool_recarve(struct tern_pkt_pool *pool, void *mem, size_t size,
			 uint32_t buf_size)
{
	int carved;

	if (!mem)
		return;
	carved = tern_pkt_pool_init(pool, mem, size, buf_size);
	TERN_ASSERT(carved > 0);
}

int tern_net_reset(struct tern_net *net)
{
	struct tern_net_config cfg = net->cfg;
	void *pool_mem = net->pool_mem, *reasm_mem = net->reasm_mem;
	void *tso_mem = net->tso_mem;
	size_t pool_size = net->pool_mem_size, reasm_size = net->reasm_mem_size;
	size_t tso_size = net->tso_mem_size;

	teardown(net);
	TERN_ASSERT(net->pool.used == 0 && net->reasm_pool.used == 0 &&
		    net->tso_pool.used == 0);
	memset(net, 0, sizeof(*net));
	net->cfg = cfg;
	net->pool_mem = pool_mem;
	net->pool_mem_size = pool_size;
	net->reasm_mem = reasm_mem;
	net->reasm_mem_size = reasm_size;
	/* The TSO buffers stay too: the next TSO device's tern_net_add_if
	 * finds them allocated. */
	net->tso_mem = tso_mem;
	net->tso_mem_size = tso_size;
	pool_recarve(&net->pool, pool_mem, pool_size, cfg.pkt_buf_size);
	pool_recarve(&net->reasm_pool, reasm_mem, reasm_size,
		     REASM_HEADROOM + cfg.reasm_max_len);
	pool_recarve(&net->tso_pool, tso_mem, tso_size,
		     TERN_NET_HEADROOM + TERN_IPV4_MAX_LEN);
	return state_init(net);
}

void tern_net_fini(struct tern_net *net)
{
	teardown(net);
	if (net->tso_mem)
		tern_mem_free(net->tso_mem, net->tso_mem_size);
	net->tso_mem = NULL;
	if (net->reasm_mem)
		tern_mem_free(net->reasm_mem, net->reasm_mem_size);
	if (net->pool_mem)
		tern_mem_free(net->pool_mem, net->pool_mem_size);
	net->reasm_mem = NULL;
	net->pool_mem = NULL;
	net->n_ifs = 0;
}

int tern_net_add_if(struct tern_net *net, struct tern_netdev *dev)
{
	struct tern_netif *ifc;

	if (net->n_ifs >= TERN_NET_MAX_IFS)
		return -TERN_ENOSPC;
	if ((size_t)TERN_ETH_HLEN + dev->mtu + TERN_NET_HEADROOM >
		    net->cfg.pkt_buf_size ||
	    dev->mtu < 576 - TERN_ETH_HLEN)
		return -TERN_EINVAL;
	if ((dev->offloads & TERN_NETDEV_TX_TSO4) && net->cfg.tso_bufs > 0 &&
	    !net->tso_mem &&
	    pool_create(&net->tso_pool, &net->tso_mem, &net->tso_mem_size,
			net->cfg.tso_bufs,
			TERN_NET_HEADROOM + TERN_IPV4_MAX_LEN) < 0)
		return -TERN_ENOMEM;
	ifc = &net->ifs[net->n_ifs];
	ifc->net = net;
	ifc->dev = dev;
	ifc->index = net->n_ifs;
	ifc->used = true;
	return (int)net->n_ifs++;
}

unsigned tern_net_if_count(const struct tern_net *net)
{
	return net->n_ifs;
}

struct tern_netdev *tern_net_if_dev(struct tern_net *net, unsigned ifindex)
{
	return ifindex < net->n_ifs ? net->ifs[ifindex].dev : NULL;
}

int tern_net_if_set_addr(struct tern_net *net, unsigned ifindex, uint32_t addr,
			 unsigned prefix, uint32_t gw, uint64_t now)
{
	struct tern_netif *ifc;
	uint32_t mask;

	if (ifindex >= net->n_ifs)
		return -TERN_ENODEV;
	mask = tern_ipv4_mask(prefix);
	if (addr == 0 || prefix == 0 || prefix > 32 ||
	    tern_ipv4_is_martian_src(addr))
		return -TERN_EINVAL;
	if (gw && ((gw & mask) != (addr & mask) || gw == addr))
		return -TERN_EINVAL;
	net_set_now(net, now);
	ifc = &net->ifs[ifindex];
	if (ifc->addr != addr)
		arp_flush_if(net, ifindex);
	ifc->addr = addr;
	ifc->prefix = prefix;
	ifc->mask = mask;
	ifc->gw = gw;
	arp_announce(ifc);
	return 0;
}

int tern_net_if_clear_addr(struct tern_net *net, unsigned ifindex)
{
	struct tern_netif *ifc;

	if (ifindex >= net->n_ifs)
		return -TERN_ENODEV;
	ifc = &net->ifs[ifindex];
	arp_flush_if(net, ifindex);
	ifc->addr = 0;
	ifc->prefix = 0;
	ifc->mask = 0;
	ifc->gw = 0;
	return 0;
}

int tern_net_if_get_addr(const struct tern_net *net, unsigned ifindex,
			 uint32_t *addr, unsigned *prefix, uint32_t *gw)
{
	const struct tern_netif *ifc;

	if (ifindex >= net->n_ifs)
		return -TERN_ENODEV;
	ifc = &net->ifs[ifindex];
	if (addr)
		*addr = ifc->addr;
	if (prefix)
		*prefix = ifc->prefix;
	if (gw)
		*gw = ifc->gw;
	return 0;
}

bool net_is_local_addr(const struct tern_net *net, uint32_t addr)
{
	for (unsigned i = 0; i < net->n_ifs; i++)
		if (net->ifs[i].addr && net->ifs[i].addr == addr)
			return true;
	return false;
}

void net_set_now(struct tern_net *net, uint64_t now)
{
	if (now > net->now)
		net->now = now;
}

void net_note_deadline(struct tern_net *net, uint64_t t)
{
	if (t < net->deadline)
		net->deadline = t;
}

struct tern_pkt *net_alloc(struct tern_net *net, uint32_t headroom)
{
	struct tern_pkt *pkt = tern_pkt_alloc(&net->pool, headroom);

	if (!pkt)
		NET_STAT(net, tx_nobuf);
	return pkt;
}

struct tern_pkt *net_alloc_tso(struct tern_net *net)
{
	struct tern_pkt *pkt;

	if (!net->tso_mem)
		return NULL;
	pkt = tern_pkt_alloc(&net->tso_pool, TERN_NET_HEADROOM);
	if (!pkt) {
		/* Frames queued in a batch hold the buffers until it ends:
		 * send them now (the device copies them) and try again. */
		tern_net_flush(net);
		pkt = tern_pkt_alloc(&net->tso_pool, TERN_NET_HEADROOM);
	}
	return pkt;
}

struct tern_pkt *tern_net_pkt_alloc(struct tern_net *net)
{
	return net_alloc(net, TERN_NET_HEADROOM);
}

uint32_t tern_net_pkts_in_use(const struct tern_net *net)
{
	return net->pool.used;
}

uint32_t tern_net_reasm_in_use(const struct tern_net *net)
{
	return net->reasm_pool.used;
}

size_t tern_net_pkt_payload_max(const struct tern_net *net)
{
	return net->cfg.pkt_buf_size - TERN_NET_HEADROOM;
}

const struct tern_net_stats *tern_net_stats(const struct tern_net *net)
{
	return &net->stats;
}

/* ---- Transmit ---------------------------------------------------------- */

/* The device offload that pkt (data at its Ethernet header) asks for. */
static struct tern_tx_offload offload_of(const struct tern_pkt *pkt)
{
	uint32_t head = tern_pkt_headroom(pkt);
	struct tern_tx_offload o = { .flags = 0 };

	if (pkt->tx_csum_start) {
		o.flags = TERN_TX_NEEDS_CSUM;
		o.csum_start = (uint16_t)(pkt->tx_csum_start - head);
		o.csum_offset = pkt->tx_csum_offset;
	}
	if (pkt->tx_gso_size) {
		o.gso_type = TERN_GSO_TCPV4;
		o.gso_size = pkt->tx_gso_size;
		o.hdr_len = (uint16_t)(pkt->tx_hdr_end - head);
	}
	return o;
}

/* Sends every frame queued on ifc, TERN_NET_TX_BATCH per device call. */
static void flush_if(struct tern_netif *ifc)
{
	struct tern_net *net = ifc->net;

	while (!tern_list_empty(&ifc->txq)) {
		struct tern_pkt *pkts[TERN_NET_TX_BATCH];
		struct tern_iov iov[TERN_NET_TX_BATCH];
		struct tern_tx tx[TERN_NET_TX_BATCH];
		unsigned n = 0;
		int sent;

		while (n < TERN_NET_TX_BATCH && !tern_list_empty(&ifc->txq)) {
			struct tern_list *node = tern_list_pop(&ifc->txq);

			pkts[n] = tern_list_entry(node, struct tern_pkt, link);
			iov[n].base = pkts[n]->data;
			iov[n].len = pkts[n]->len;
			tx[n].iov = &iov[n];
			tx[n].iovcnt = 1;
			tx[n].off = offload_of(pkts[n]);
			n++;
		}
		ifc->txq_len -= n;
		sent = tern_netdev_send(ifc->dev, tx, n);
		for (unsigned i = 0; i < n; i++) {
			if (sent < 0) {
				NET_STAT(net, tx_dev_error);
			} else if (i < (unsigned)sent) {
				NET_STAT(net, tx_frames);
				net->stats.tx_bytes += pkts[i]->len;
			} else {
				NET_STAT(net, tx_dev_full);
			}
			tern_pkt_free(pkts[i]);
		}
	}
}

void tern_net_flush(struct tern_net *net)
{
	for (unsigned i = 0; i < net->n_ifs; i++)
		flush_if(&net->ifs[i]);
}

void tern_net_batch_begin(struct tern_net *net)
{
	net->batch_depth++;
}

void tern_net_batch_end(struct tern_net *net)
{
	TERN_ASSERT(net->batch_depth > 0);
	if (net->batch_depth == 1)
		tcp_batch_end(net); /* its ACKs join the batch */
	if (--net->batch_depth == 0)
		tern_net_flush(net);
}

void eth_output(struct tern_netif *ifc, struct tern_pkt *pkt,
		const uint8_t dst[TERN_ETH_ALEN], uint16_t type)
{
	struct tern_eth_hdr h;
	uint8_t *p;

	/* Every layer reserves TERN_NET_HEADROOM, so this cannot fail for a
	 * buffer the stack built; a caller's buffer without headroom is a
	 * broken contract. */
	p = tern_pkt_push(pkt, TERN_ETH_HLEN);
	TERN_ASSERT(p != NULL);
	memcpy(h.dst, dst, TERN_ETH_ALEN);
	memcpy(h.src, ifc->dev->mac, TERN_ETH_ALEN);
	h.type = type;
	tern_eth_hdr_emit(&h, p);
	tern_list_add_tail(&ifc->txq, &pkt->link);
	ifc->txq_len++;
	if (ifc->net->batch_depth == 0 || ifc->txq_len >= TERN_NET_TX_BATCH)
		flush_if(ifc);
}

/* ---- Receive ----------------------------------------------------------- */

void tern_net_input(struct tern_net *net, unsigned ifindex,
		    struct tern_pkt *pkt, uint64_t now)
{
	struct tern_netif *ifc;
	struct tern_eth_hdr eth;
	enum tern_wire_bad why;
	bool group;

	net_set_now(net, now);
	NET_STAT(net, rx_frames);
	net->stats.rx_bytes += pkt->len;
	if (ifindex >= net->n_ifs) {
		NET_STAT(net, rx_bad_if);
		tern_pkt_free(pkt);
		return;
	}
	ifc = &net->ifs[ifindex];
	if (tern_eth_hdr_parse(pkt->data, pkt->len, &eth, &why) < 0) {
		if (why == TERN_WIRE_SHORT)
			NET_STAT(net, eth_short);
		else
			NET_STAT(net, eth_llc);
		tern_pkt_free(pkt);
		return;
	}
	if (tern_mac_is_multicast(eth.src)) {
		NET_STAT(net, eth_bad_src);
		tern_pkt_free(pkt);
		return;
	}
	group = tern_mac_is_multicast(eth.dst);
	if (group ? !tern_mac_is_broadcast(eth.dst)
		  : memcmp(eth.dst, ifc->dev->mac, TERN_ETH_ALEN) != 0) {
		/* No multicast groups are joined yet. */
		NET_STAT(net, eth_not_for_us);
		tern_pkt_free(pkt);
		return;
	}
	tern_pkt_pull(pkt, TERN_ETH_HLEN);
	tern_net_batch_begin(net);
	switch (eth.type) {
	case TERN_ETHERTYPE_IPV4:
		ipv4_input(ifc, pkt, group);
		break;
	case TERN_ETHERTYPE_ARP:
		arp_input(ifc, pkt);
		break;
	default:
		NET_STAT(net, eth_unknown_type);
		tern_pkt_free(pkt);
		break;
	}
	tern_net_batch_end(net);
}

void tern_net_input_bytes(struct tern_net *net, unsigned ifindex,
			  const void *frame, size_t len, uint64_t now)
{
	struct tern_pkt *pkt = tern_pkt_from(&net->pool, 0, frame, len);

	if (!pkt) {
		net_set_now(net, now);
		NET_STAT(net, rx_nobuf);
		return;
	}
	tern_net_input(net, ifindex, pkt, now);
}

/* ---- Timers ------------------------------------------------------------ */

uint64_t tern_net_timers(struct tern_net *net, uint64_t now)
{
	uint64_t a, r;

	net_set_now(net, now);
	if (net->now < net->deadline)
		return net->deadline;
	tern_net_batch_begin(net);
	/* TCP's timers first: what they send may start an ARP resolution,
	 * whose deadline arp_timers must then see. */
	tern_wheel_expire(&net->wheel, net->now);
	a = arp_timers(net, net->now);
	r = reasm_timers(net, net->now);
	net->deadline = TERN_MIN(TERN_MIN(a, r), tern_wheel_next(&net->wheel));
	tern_net_batch_end(net);
	return net->deadline;
}

uint64_t tern_net_next_deadline(const struct tern_net *net)
{
	return net->deadline;
}
