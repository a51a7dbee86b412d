/*
 * udp.c - UDP: receive, socket lookup, and the socket API of udp.h.
 *
 * Sockets sit in a hash of TERN_NET_UDP_HASH buckets by local port; a
 * lookup scans one bucket and keeps the most specific match (see udp.h).
 * Ephemeral ports come from the stack's one allocator (ports.c, RFC 6056
 * algorithm 3), shared with TCP.
 *
 * A received datagram's metadata rides in its buffer's scratch words while
 * it waits in the socket queue:
 *   cb[0] = src << 32 | dst          cb[1] = sport | dport << 16 | if << 32
 */
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/err.h"
#include "tern/udp.h"

#include "net_int.h"

static struct tern_list *bucket(struct tern_net *net, uint16_t port)
{
	return &net->udp_hash[port % TERN_NET_UDP_HASH];
}

/* The best socket for a datagram, or NULL. */
static struct tern_udp *lookup(struct tern_net *net, const struct ip_rx *rx,
			       uint16_t sport, uint16_t dport)
{
	struct tern_udp *best = NULL;
	int best_score = -1;
	bool bcast = rx->ip_bcast;

	tern_list_for_each(it, bucket(net, dport)) {
		struct tern_udp *s = tern_list_entry(it, struct tern_udp, link);
		int score = 0;

		if (s->local_port != dport)
			continue;
		if (s->ifindex >= 0 && (unsigned)s->ifindex != rx->ifc->index)
			continue;
		if (s->local_addr) {
			if (bcast || s->local_addr != rx->h.dst)
				continue;
			score += 1;
		}
		if (s->connected) {
			if (s->remote_addr != rx->h.src ||
			    s->remote_port != sport)
				continue;
			score += 2;
		}
		if (score > best_score) {
			best = s;
			best_score = score;
		}
	}
	return best;
}

/* Verifies the checksum of the datagram at pkt->data (len bytes by its
 * header). With a 20-byte IP header in front, the source and destination
 * addresses sit right before the datagram; the 4 bytes before them (TTL,
 * protocol, header checksum) are set to the rest of the pseudo-header for
 * one pass over it all, then restored, so an ICMP error can still quote
 * the header. Otherwise the pseudo-header is summed apart. */
static bool cksum_ok(const struct ip_rx *rx, struct tern_pkt *pkt, uint16_t len)
{
	uint8_t *ph = pkt->data - 12;
	uint8_t saved[4];
	struct tern_csum c;
	bool ok;

	if (rx->h.hlen != TERN_IPV4_HLEN ||
	    tern_pkt_headroom(pkt) < TERN_IPV4_HLEN) {
		tern_ipv4_pseudo_csum(&c, rx->h.src, rx->h.dst,
				      TERN_IPPROTO_UDP, len);
		tern_csum_add(&c, pkt->data, len);
		return tern_csum_finish(&c) == 0;
	}
	memcpy(saved, ph, 4);
	ph[0] = 0;
	ph[1] = TERN_IPPROTO_UDP;
	tern_store_be16(ph + 2, len);
	ok = tern_cksum(ph, 12 + (size_t)len) == 0;
	memcpy(ph, saved, 4);
	return ok;
}

void udp_input(struct ip_rx *rx, struct tern_pkt *pkt)
{
	struct tern_net *net = rx->ifc->net;
	struct tern_udp_hdr h;
	enum tern_wire_bad why;
	struct tern_udp *s;

	/* The parser checks lengths; the checksum is verified here, where
	 * the IP header in front of the datagram can be borrowed. */
	if (tern_udp_hdr_parse(pkt->data, pkt->len, rx->h.src, rx->h.dst, &h,
			       false, &why) < 0) {
		if (why == TERN_WIRE_SHORT)
			NET_STAT(net, udp_short);
		else
			NET_STAT(net, udp_bad_len);
		goto drop;
	}
	if (pkt->rx_flags & TERN_RX_CSUM_VALID) {
		NET_STAT(net, udp_rx_csum_skipped); /* the device vouched */
	} else if (h.cksum != 0 && !TERN_NET_FUZZING &&
		   !cksum_ok(rx, pkt, h.len)) {
		NET_STAT(net, udp_bad_cksum);
		goto drop;
	}
	NET_STAT(net, udp_rx);
	s = lookup(net, rx, h.sport, h.dport);
	if (!s) {
		NET_STAT(net, udp_no_port);
		if (!rx->link_bcast && !rx->ip_bcast && rx->h.src &&
		    net_is_local_addr(net, rx->h.dst)) {
			/* Quote the datagram as it arrived. */
			tern_pkt_push(pkt, rx->h.hlen);
			icmp_send_error(rx->ifc, pkt, TERN_ICMP_DEST_UNREACH,
					TERN_ICMP_PORT_UNREACH);
			return;
		}
		goto drop;
	}
	if (s->rxq_len >= s->rxq_max) {
		NET_STAT(net, udp_rxq_full);
		s->rx_dropped++;
		goto drop;
	}
	if (net_pool_low(pkt, NET_POOL_RESERVE)) {
		NET_STAT(net, udp_pool_low);
		s->rx_dropped++;
		goto drop;
	}
	tern_pkt_trim(pkt, h.len);
	tern_pkt_pull(pkt, TERN_UDP_HLEN);
	pkt->cb[0] = (uint64_t)rx->h.src << 32 | rx->h.dst;
	pkt->cb[1] = (uint64_t)h.sport | (uint64_t)h.dport << 16 |
		     (uint64_t)rx->ifc->index << 32;
	tern_list_add_tail(&s->rxq, &pkt->link);
	s->rxq_len++;
	if (s->notify)
		s->notify(s, s->notify_ctx);
	return;
drop:
	tern_pkt_free(pkt);
}

void udp_icmp_error(struct tern_net *net, uint32_t dst, uint16_t sport,
		    uint16_t dport, uint8_t type, uint8_t code)
{
	if (type != TERN_ICMP_DEST_UNREACH ||
	    (code != TERN_ICMP_PORT_UNREACH && code != TERN_ICMP_PROTO_UNREACH))
		return;
	tern_list_for_each(it, bucket(net, sport)) {
		struct tern_udp *s = tern_list_entry(it, struct tern_udp, link);

		/* Only a connected socket has a peer to blame (as Linux). */
		if (s->local_port == sport && s->connected &&
		    s->remote_addr == dst && s->remote_port == dport) {
			s->error = -TERN_ECONNREFUSED;
			if (s->notify)
				s->notify(s, s->notify_ctx);
		}
	}
}

bool udp_sockets_open(const struct tern_net *net)
{
	for (unsigned i = 0; i < TERN_NET_UDP_HASH; i++)
		if (!tern_list_empty(&net->udp_hash[i]))
			return true;
	return false;
}

/* ---- Socket API -------------------------------------------------------- */

int tern_udp_open(struct tern_net *net, struct tern_udp *s)
{
	memset(s, 0, sizeof(*s));
	s->net = net;
	s->ifindex = -1;
	s->rxq_max = TERN_UDP_RXQ_DEFAULT;
	tern_list_init(&s->link);
	tern_list_init(&s->rxq);
	return 0;
}

static bool port_taken(struct tern_net *net, uint32_t addr, uint16_t port)
{
	tern_list_for_each(it, bucket(net, port)) {
		struct tern_udp *s = tern_list_entry(it, struct tern_udp, link);

		if (s->local_port == port &&
		    (s->local_addr == addr || !s->local_addr || !addr))
			return true;
	}
	return false;
}

/* net_ephemeral_port's test: ctx points at the local address. */
static bool udp_port_taken(struct tern_net *net, uint16_t port, const void *ctx)
{
	return port_taken(net, *(const uint32_t *)ctx, port);
}

int tern_udp_bind(struct tern_udp *s, uint32_t addr, uint16_t port)
{
	struct tern_net *net = s->net;

	if (s->local_port)
		return -TERN_EINVAL;
	if (port == 0) {
		port = net_ephemeral_port(net, addr, 0, 0, udp_port_taken,
					  &addr);
		if (port == 0)
			return -TERN_EADDRINUSE;
	} else if (port_taken(net, addr, port)) {
		return -TERN_EADDRINUSE;
	}
	s->local_addr = addr;
	s->local_port = port;
	tern_list_add_tail(bucket(net, port), &s->link);
	return 0;
}

int tern_udp_bind_if(struct tern_udp *s, unsigned ifindex)
{
	if (ifindex >= s->net->n_ifs)
		return -TERN_ENODEV;
	s->ifindex = (int)ifindex;
	return 0;
}

int tern_udp_connect(struct tern_udp *s, uint32_t addr, uint16_t port)
{
	int err;

	if (addr == 0 && port == 0) {
		s->connected = false;
		s->remote_addr = 0;
		s->remote_port = 0;
		return 0;
	}
	if (port == 0)
		return -TERN_EINVAL;
	if (!s->local_port) {
		err = tern_udp_bind(s, 0, 0);
		if (err < 0)
			return err;
	}
	s->remote_addr = addr;
	s->remote_port = port;
	s->connected = true;
	s->error = 0;
	return 0;
}

/* Checks arguments, binds if needed and routes. */
static int prepare(struct tern_udp *s, uint32_t dst, uint16_t dport, size_t len,
		   uint64_t now, struct ip_route *rt)
{
	int err;

	if (len > TERN_UDP_MAX_PAYLOAD)
		return -TERN_EMSGSIZE;
	if (dport == 0)
		return -TERN_EINVAL;
	net_set_now(s->net, now);
	if (!s->local_port) {
		err = tern_udp_bind(s, 0, 0);
		if (err < 0)
			return err;
	}
	return ip_route(s->net, dst, s->ifindex, rt);
}

static void fill(const struct tern_udp *s, const struct ip_route *rt,
		 uint32_t dst, struct ip_tx *tx)
{
	tx->src = s->local_addr ? s->local_addr : rt->src;
	tx->dst = dst;
	tx->proto = TERN_IPPROTO_UDP;
	tx->tos = 0;
	tx->df = false;
}

int tern_udp_sendto(struct tern_udp *s, uint32_t dst, uint16_t dport,
		    const void *data, size_t len, uint64_t now)
{
	struct tern_net *net = s->net;
	struct tern_udp_hdr h;
	uint8_t hdr[TERN_UDP_HLEN];
	struct tern_iov iov[2];
	struct ip_route rt;
	struct ip_tx tx;
	int err;

	err = prepare(s, dst, dport, len, now, &rt);
	if (err < 0)
		return err;
	fill(s, &rt, dst, &tx);
	h.sport = s->local_port;
	h.dport = dport;
	h.len = (uint16_t)(TERN_UDP_HLEN + len);
	h.cksum = 0;
	tern_udp_hdr_emit(&h, hdr);
	iov[0].base = data;
	iov[0].len = len;
	tern_store_be16(hdr + 6, tern_udp_cksum(tx.src, dst, hdr, iov, 1));
	iov[0].base = hdr;
	iov[0].len = sizeof(hdr);
	iov[1].base = data;
	iov[1].len = len;
	NET_STAT(net, udp_tx);
	err = ip_output_iov(net, &rt, &tx, iov, 2, sizeof(hdr) + len);
	return err < 0 ? err : (int)len;
}

int tern_udp_send(struct tern_udp *s, const void *data, size_t len,
		  uint64_t now)
{
	if (!s->connected)
		return -TERN_ENOTCONN;
	return tern_udp_sendto(s, s->remote_addr, s->remote_port, data, len,
			       now);
}

/* The checksum of the UDP datagram at udp (its checksum field zero) in one
 * pass: the pseudo-header is written into the 12 bytes of headroom in
 * front of it - where the IP header goes next - so header, payload and
 * pseudo-header are summed by one call. For small datagrams the
 * checksum's per-call cost is most of it. */
static uint16_t cksum_in_place(uint8_t *udp, uint32_t src, uint32_t dst)
{
	uint8_t *ph = udp - 12;
	uint16_t len = tern_load_be16(udp + 4);
	uint16_t sum;

	tern_store_be32(ph, src);
	tern_store_be32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = TERN_IPPROTO_UDP;
	tern_store_be16(ph + 10, len);
	sum = tern_cksum(ph, 12 + (size_t)len);
	return sum == 0 ? 0xffff : sum;
}

int tern_udp_sendto_pkt(struct tern_udp *s, uint32_t dst, uint16_t dport,
			struct tern_pkt *pkt, uint64_t now)
{
	struct tern_net *net = s->net;
	size_t len = pkt->len;
	struct tern_udp_hdr h;
	struct ip_route rt;
	struct ip_tx tx;
	uint8_t *p;
	int err;

	TERN_ASSERT(tern_pkt_headroom(pkt) >=
		    TERN_ETH_HLEN + TERN_IPV4_HLEN + TERN_UDP_HLEN);
	err = prepare(s, dst, dport, len, now, &rt);
	if (err < 0) {
		tern_pkt_free(pkt);
		return err;
	}
	fill(s, &rt, dst, &tx);
	h.sport = s->local_port;
	h.dport = dport;
	h.len = (uint16_t)(TERN_UDP_HLEN + len);
	h.cksum = 0;
	p = tern_pkt_push(pkt, TERN_UDP_HLEN);
	tern_udp_hdr_emit(&h, p);
	tern_store_be16(p + 6, cksum_in_place(p, tx.src, dst));
	NET_STAT(net, udp_tx);
	err = ip_output(net, &rt, &tx, pkt);
	return err < 0 ? err : (int)len;
}

static void read_meta(const struct tern_pkt *pkt, struct tern_udp_meta *m)
{
	m->src = (uint32_t)(pkt->cb[0] >> 32);
	m->dst = (uint32_t)pkt->cb[0];
	m->sport = (uint16_t)pkt->cb[1];
	m->dport = (uint16_t)(pkt->cb[1] >> 16);
	m->ifindex = (unsigned)(pkt->cb[1] >> 32);
	m->len = pkt->len;
}

struct tern_pkt *tern_udp_recv_pkt(struct tern_udp *s,
				   struct tern_udp_meta *meta)
{
	struct tern_list *node = tern_list_pop(&s->rxq);
	struct tern_pkt *pkt;

	if (!node)
		return NULL;
	s->rxq_len--;
	pkt = tern_list_entry(node, struct tern_pkt, link);
	if (meta)
		read_meta(pkt, meta);
	return pkt;
}

int tern_udp_recvfrom(struct tern_udp *s, void *buf, size_t cap,
		      struct tern_udp_meta *meta)
{
	struct tern_pkt *pkt;
	size_t n;

	if (s->error) {
		int err = s->error;

		s->error = 0;
		return err;
	}
	pkt = tern_udp_recv_pkt(s, meta);
	if (!pkt)
		return -TERN_EAGAIN;
	n = TERN_MIN(cap, (size_t)pkt->len);
	memcpy(buf, pkt->data, n);
	tern_pkt_free(pkt);
	return (int)n;
}

bool tern_udp_readable(const struct tern_udp *s)
{
	return s->error != 0 || !tern_list_empty(&s->rxq);
}

void tern_udp_set_rxq(struct tern_udp *s, uint32_t max)
{
	TERN_ASSERT(max >= 1);
	s->rxq_max = max;
}

void tern_udp_set_notify(struct tern_udp *s,
			 void (*fn)(struct tern_udp *s, void *ctx), void *ctx)
{
	s->notify = fn;
	s->notify_ctx = ctx;
}

uint16_t tern_udp_local_port(const struct tern_udp *s)
{
	return s->local_port;
}

void tern_udp_close(struct tern_udp *s)
{
	tern_pkt_free_list(&s->rxq);
	s->rxq_len = 0;
	if (tern_list_linked(&s->link))
		tern_list_del_init(&s->link);
	s->local_port = 0;
	s->local_addr = 0;
	s->connected = false;
	s->error = 0;
}
