/*
 * ipv4.c - IPv4 receive (validation, destination check, reassembly
 * hand-off, transport dispatch), routing and send (with fragmentation).
 *
 * Receive checks, beyond the header checks of tern_ipv4_hdr_parse: a TTL of
 * 0 is dropped (no router forwards one, so it was crafted; RFC 1122
 * 3.2.1.7 forbids dropping TTL 1, which we accept), and a broadcast,
 * multicast or class-E source is dropped. Options are validated by the
 * parser and otherwise skipped.
 *
 * Routing is the host kind: a destination inside an interface's prefix is
 * reached directly, anything else through the first interface with a
 * gateway. 255.255.255.255 leaves through the socket's interface (or the
 * first one) even before it has an address.
 *
 * Sending: a datagram larger than the MTU is cut into fragments of
 * (MTU - 20) & ~7 payload bytes, each in its own frame buffer, all with
 * the same id. DF is never set by Tern's own transports (no path MTU
 * discovery yet), so -TERN_EMSGSIZE only comes from a caller asking for it.
 */
#include <string.h>

#include "tern/err.h"

#include "net_int.h"
#include "tcp_int.h"

/* Counts a header the parser refused. */
static void count_bad(struct tern_net *net, enum tern_wire_bad why)
{
	switch (why) {
	case TERN_WIRE_SHORT:
		NET_STAT(net, ip_short);
		break;
	case TERN_WIRE_VERSION:
		NET_STAT(net, ip_bad_version);
		break;
	case TERN_WIRE_HLEN:
		NET_STAT(net, ip_bad_hlen);
		break;
	case TERN_WIRE_CKSUM:
		NET_STAT(net, ip_bad_cksum);
		break;
	case TERN_WIRE_OPTIONS:
		NET_STAT(net, ip_bad_options);
		break;
	case TERN_WIRE_FRAG:
		NET_STAT(net, frag_bad);
		break;
	default:
		NET_STAT(net, ip_bad_len);
		break;
	}
}

/* The subnet-directed broadcast address of ifc, or 0 if it has none (no
 * address, or a /31 or /32). */
static uint32_t subnet_bcast(const struct tern_netif *ifc)
{
	if (!ifc->addr || ifc->prefix >= 31)
		return 0;
	return ifc->addr | ~ifc->mask;
}

void ipv4_input(struct tern_netif *ifc, struct tern_pkt *pkt, bool link_bcast)
{
	struct tern_net *net = ifc->net;
	enum tern_wire_bad why;
	struct ip_rx rx;
	uint32_t dst;

	if (tern_ipv4_hdr_parse(pkt->data, pkt->len, &rx.h, true, &why) < 0) {
		count_bad(net, why);
		goto drop;
	}
	NET_STAT(net, ip_rx);
	tern_pkt_trim(pkt, rx.h.total_len); /* Ethernet padding */
	if (rx.h.ttl == 0) {
		NET_STAT(net, ip_ttl_zero);
		goto drop;
	}
	if (tern_ipv4_is_martian_src(rx.h.src) ||
	    (rx.h.src && rx.h.src == subnet_bcast(ifc))) {
		NET_STAT(net, ip_bad_src);
		goto drop;
	}
	if (rx.h.hlen > TERN_IPV4_HLEN)
		NET_STAT(net, ip_options_seen);
	rx.ifc = ifc;
	rx.link_bcast = link_bcast;
	dst = rx.h.dst;
	rx.ip_bcast = dst == TERN_IPV4_BROADCAST ||
		      (dst && dst == subnet_bcast(ifc));
	if (tern_ipv4_is_multicast(dst)) {
		/* No groups are joined yet. */
		NET_STAT(net, ip_not_for_us);
		goto drop;
	}
	if (!rx.ip_bcast && !net_is_local_addr(net, dst)) {
		/* Until it has an address, an interface takes unicast to its
		 * MAC for any IP address: a DHCP server may send its offer to
		 * the address it is offering. Only UDP sockets see them. */
		if (ifc->addr || link_bcast || rx.h.proto != TERN_IPPROTO_UDP) {
			NET_STAT(net, ip_not_for_us);
			goto drop;
		}
	}
	if (rx.h.mf || rx.h.frag_off) {
		NET_STAT(net, frag_rx);
		pkt = reasm_input(ifc, pkt, &rx.h);
		if (!pkt)
			return;
	}
	tern_pkt_pull(pkt, rx.h.hlen);
	switch (rx.h.proto) {
	case TERN_IPPROTO_UDP:
		udp_input(&rx, pkt);
		return;
	case TERN_IPPROTO_ICMP:
		icmp_input(&rx, pkt);
		return;
	case TERN_IPPROTO_TCP:
		tcp_input(&rx, pkt);
		return;
	default:
		NET_STAT(net, ip_unknown_proto);
		if (!rx.link_bcast && !rx.ip_bcast && rx.h.src) {
			tern_pkt_push(pkt, rx.h.hlen);
			icmp_send_error(ifc, pkt, TERN_ICMP_DEST_UNREACH,
					TERN_ICMP_PROTO_UNREACH);
			return;
		}
		break;
	}
drop:
	tern_pkt_free(pkt);
}

/* ---- Routing ----------------------------------------------------------- */

static bool route_via(struct tern_netif *ifc, uint32_t dst, struct ip_route *rt)
{
	rt->ifc = ifc;
	rt->src = ifc->addr;
	rt->nexthop = dst;
	if (!ifc->addr || (dst & ifc->mask) != (ifc->addr & ifc->mask))
		return false;
	rt->kind = dst == subnet_bcast(ifc) ? RT_BCAST : RT_UNICAST;
	return true;
}

int ip_route(struct tern_net *net, uint32_t dst, int ifhint,
	     struct ip_route *rt)
{
	unsigned first = 0, last = net->n_ifs;

	if (ifhint >= 0) {
		if ((unsigned)ifhint >= net->n_ifs)
			goto unreachable;
		first = (unsigned)ifhint;
		last = first + 1;
	}
	if (first >= last)
		goto unreachable;
	if (dst == TERN_IPV4_BROADCAST || tern_ipv4_is_multicast(dst)) {
		rt->ifc = &net->ifs[first];
		rt->src = rt->ifc->addr;
		rt->nexthop = dst;
		rt->kind = dst == TERN_IPV4_BROADCAST ? RT_BCAST : RT_MCAST;
		return 0;
	}
	if (dst == 0 || net_is_local_addr(net, dst))
		goto unreachable; /* no loopback yet */
	for (unsigned i = first; i < last; i++)
		if (route_via(&net->ifs[i], dst, rt))
			return 0;
	for (unsigned i = first; i < last; i++) {
		struct tern_netif *ifc = &net->ifs[i];

		if (ifc->addr && ifc->gw) {
			rt->ifc = ifc;
			rt->src = ifc->addr;
			rt->nexthop = ifc->gw;
			rt->kind = RT_UNICAST;
			return 0;
		}
	}
unreachable:
	NET_STAT(net, ip_no_route);
	return -TERN_EHOSTUNREACH;
}

/* ---- Send -------------------------------------------------------------- */

/* Hands a datagram (data at its IP header) to the link. */
static void link_output(const struct ip_route *rt, struct tern_pkt *pkt)
{
	static const uint8_t bcast[TERN_ETH_ALEN] = { 0xff, 0xff, 0xff,
						      0xff, 0xff, 0xff };
	uint8_t mac[TERN_ETH_ALEN];

	NET_STAT(rt->ifc->net, ip_tx);
	switch (rt->kind) {
	case RT_BCAST:
		eth_output(rt->ifc, pkt, bcast, TERN_ETHERTYPE_IPV4);
		break;
	case RT_MCAST:
		tern_mac_of_ipv4_mcast(rt->nexthop, mac);
		eth_output(rt->ifc, pkt, mac, TERN_ETHERTYPE_IPV4);
		break;
	default:
		arp_output(rt->ifc, pkt, rt->nexthop);
		break;
	}
}

static void fill_hdr(struct tern_net *net, struct tern_ipv4_hdr *h,
		     const struct ip_tx *tx, uint16_t id)
{
	memset(h, 0, sizeof(*h));
	h->tos = tx->tos;
	h->id = id;
	h->df = tx->df;
	h->ttl = net->cfg.ttl;
	h->proto = tx->proto;
	h->src = tx->src;
	h->dst = tx->dst;
}

/* Copies len bytes starting at offset off of the gathered message. */
static void copy_range(uint8_t *dst, const struct tern_iov *iov, unsigned n,
		       size_t off, size_t len)
{
	for (unsigned i = 0; i < n && len > 0; i++) {
		size_t take;

		if (off >= iov[i].len) {
			off -= iov[i].len;
			continue;
		}
		take = TERN_MIN(len, iov[i].len - off);
		memcpy(dst, (const uint8_t *)iov[i].base + off, take);
		dst += take;
		len -= take;
		off = 0;
	}
}

int ip_output_iov(struct tern_net *net, const struct ip_route *rt,
		  const struct ip_tx *tx, const struct tern_iov *iov,
		  unsigned n, size_t total)
{
	size_t mtu = rt->ifc->dev->mtu;
	size_t chunk = (mtu - TERN_IPV4_HLEN) & ~(size_t)7;
	size_t room = net->cfg.pkt_buf_size - TERN_NET_HEADROOM;
	struct tern_ipv4_hdr h;
	uint16_t id = net->ip_id++;
	bool frag = total + TERN_IPV4_HLEN > mtu;
	size_t off = 0;

	if (total + TERN_IPV4_HLEN > TERN_IPV4_MAX_LEN)
		return -TERN_EMSGSIZE;
	if (frag && tx->df) {
		NET_STAT(net, ip_too_big);
		return -TERN_EMSGSIZE;
	}
	if (chunk > room)
		chunk = room & ~(size_t)7;
	fill_hdr(net, &h, tx, id);
	do {
		size_t len = frag ? TERN_MIN(chunk, total - off) : total;
		struct tern_pkt *pkt = net_alloc(net, TERN_NET_HEADROOM);

		if (!pkt)
			return -TERN_ENOMEM;
		copy_range(tern_pkt_put(pkt, (uint32_t)len), iov, n, off, len);
		h.frag_off = (uint16_t)off;
		h.mf = off + len < total;
		h.total_len = (uint16_t)(TERN_IPV4_HLEN + len);
		tern_ipv4_hdr_emit(&h, tern_pkt_push(pkt, TERN_IPV4_HLEN));
		if (frag)
			NET_STAT(net, frag_tx);
		link_output(rt, pkt);
		off += len;
	} while (off < total);
	return 0;
}

int ip_output(struct tern_net *net, const struct ip_route *rt,
	      const struct ip_tx *tx, struct tern_pkt *pkt)
{
	struct tern_ipv4_hdr h;
	struct tern_iov iov;
	int err;

	/* A TSO super-frame is cut by the device, never fragmented. */
	if ((size_t)pkt->len + TERN_IPV4_HLEN <= rt->ifc->dev->mtu ||
	    pkt->tx_gso_size) {
		uint8_t *p = tern_pkt_push(pkt, TERN_IPV4_HLEN);

		if (p && tern_pkt_headroom(pkt) >= TERN_ETH_HLEN) {
			fill_hdr(net, &h, tx, net->ip_id++);
			h.total_len = (uint16_t)pkt->len;
			tern_ipv4_hdr_emit(&h, p);
			link_output(rt, pkt);
			return 0;
		}
		if (p)
			tern_pkt_pull(pkt, TERN_IPV4_HLEN);
	}
	/* Too big for one frame, or no headroom: copy into fresh frames. */
	iov.base = pkt->data;
	iov.len = pkt->len;
	err = ip_output_iov(net, rt, tx, &iov, 1, pkt->len);
	tern_pkt_free(pkt);
	return err;
}
