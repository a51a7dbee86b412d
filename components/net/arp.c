/*
 * arp.c - address resolution (RFC 826) with a bounded cache, a bounded
 * queue of packets waiting for resolution, retries, expiry and gratuitous
 * announcements.
 *
 * The cache is a fixed array (cfg.arp_entries <= TERN_NET_ARP_MAX) searched
 * linearly, with a one-entry hint in front: a host talks to few neighbours
 * at once, and 64 compares cost less than a hash's bookkeeping. When it is
 * full, the resolved entry confirmed longest ago is replaced; entries still
 * resolving are never evicted, so a flood of new destinations fills the
 * table and is counted (arp_table_full), it never grows.
 *
 * Lifecycle of an entry:
 *   INCOMPLETE  a request went out; packets wait on the entry (at most
 *               cfg.arp_queue_per_entry, and cfg.arp_queue_max in total);
 *               retried every cfg.arp_retry_ns, given up after
 *               cfg.arp_retries requests (waiting packets are dropped and
 *               counted in arp_unresolved).
 *   REACHABLE   resolved; expires cfg.arp_timeout_ns after the last
 *               confirmation (a reply or any ARP packet from the address).
 *
 * Learning follows RFC 826's merge rule: an ARP packet updates an existing
 * entry for its sender; it creates one only when it is addressed to us.
 */
#include <string.h>

#include "tern/err.h"
#include "tern/log.h"

#include "net_int.h"

static const uint8_t mac_bcast[TERN_ETH_ALEN] = { 0xff, 0xff, 0xff,
						  0xff, 0xff, 0xff };
static const uint8_t mac_zero[TERN_ETH_ALEN];

static struct tern_arp_entry *find(struct tern_net *net, unsigned ifindex,
				   uint32_t ip)
{
	struct tern_arp_entry *e = &net->arp[net->arp_hint];

	if (e->state != ARP_FREE && e->ip == ip && e->ifindex == ifindex)
		return e;
	for (unsigned i = 0; i < net->cfg.arp_entries; i++) {
		e = &net->arp[i];
		if (e->state != ARP_FREE && e->ip == ip &&
		    e->ifindex == ifindex) {
			net->arp_hint = i;
			return e;
		}
	}
	return NULL;
}

/* Drops the packets waiting on e, counting them as unresolved. */
static void drop_queue(struct tern_net *net, struct tern_arp_entry *e)
{
	net->stats.arp_unresolved += tern_pkt_free_list(&e->queue);
	net->arp_queued -= e->qlen;
	e->qlen = 0;
}

static void release(struct tern_net *net, struct tern_arp_entry *e)
{
	drop_queue(net, e);
	e->state = ARP_FREE;
}

/* A free entry, or the resolved one confirmed longest ago; NULL if every
 * entry is still resolving. */
static struct tern_arp_entry *alloc_entry(struct tern_net *net)
{
	struct tern_arp_entry *victim = NULL;

	for (unsigned i = 0; i < net->cfg.arp_entries; i++) {
		struct tern_arp_entry *e = &net->arp[i];

		if (e->state == ARP_FREE)
			return e;
		if (e->state == ARP_REACHABLE &&
		    (!victim || e->stamp < victim->stamp))
			victim = e;
	}
	if (victim)
		release(net, victim);
	return victim;
}

/* Builds and sends one ARP packet on ifc. */
static void send_arp(struct tern_netif *ifc, uint16_t op,
		     const uint8_t eth_dst[TERN_ETH_ALEN],
		     const uint8_t tha[TERN_ETH_ALEN], uint32_t spa,
		     uint32_t tpa)
{
	struct tern_net *net = ifc->net;
	struct tern_pkt *pkt = net_alloc(net, TERN_NET_HEADROOM);
	struct tern_arp_hdr a;

	if (!pkt)
		return;
	a.op = op;
	memcpy(a.sha, ifc->dev->mac, TERN_ETH_ALEN);
	a.spa = spa;
	memcpy(a.tha, tha, TERN_ETH_ALEN);
	a.tpa = tpa;
	tern_arp_hdr_emit(&a, tern_pkt_put(pkt, TERN_ARP_LEN));
	NET_STAT(net, arp_tx);
	if (op == TERN_ARP_REQUEST)
		NET_STAT(net, arp_requests);
	else
		NET_STAT(net, arp_replies);
	eth_output(ifc, pkt, eth_dst, TERN_ETHERTYPE_ARP);
}

static void send_request(struct tern_netif *ifc, uint32_t ip)
{
	send_arp(ifc, TERN_ARP_REQUEST, mac_bcast, mac_zero, ifc->addr, ip);
}

void arp_announce(struct tern_netif *ifc)
{
	NET_STAT(ifc->net, arp_gratuitous);
	send_arp(ifc, TERN_ARP_REQUEST, mac_bcast, mac_zero, ifc->addr,
		 ifc->addr);
}

/* Records that ip is at mac (now confirmed) and sends what waited. */
static void confirm(struct tern_netif *ifc, struct tern_arp_entry *e,
		    const uint8_t mac[TERN_ETH_ALEN])
{
	struct tern_net *net = ifc->net;
	struct tern_list *node;

	memcpy(e->mac, mac, TERN_ETH_ALEN);
	e->state = ARP_REACHABLE;
	e->stamp = net->now;
	e->deadline = net->now + net->cfg.arp_timeout_ns;
	net_note_deadline(net, e->deadline);
	while ((node = tern_list_pop(&e->queue))) {
		e->qlen--;
		net->arp_queued--;
		eth_output(ifc, tern_list_entry(node, struct tern_pkt, link),
			   e->mac, TERN_ETHERTYPE_IPV4);
	}
}

void arp_input(struct tern_netif *ifc, struct tern_pkt *pkt)
{
	struct tern_net *net = ifc->net;
	struct tern_arp_entry *e = NULL;
	enum tern_wire_bad why;
	struct tern_arp_hdr a;

	if (tern_arp_hdr_parse(pkt->data, pkt->len, &a, &why) < 0) {
		NET_STAT(net, arp_malformed);
		goto drop;
	}
	NET_STAT(net, arp_rx);
	if (tern_mac_is_multicast(a.sha) || tern_mac_is_zero(a.sha) ||
	    tern_ipv4_is_martian_src(a.spa)) {
		NET_STAT(net, arp_bad_sender);
		goto drop;
	}
	if (ifc->addr && a.spa == ifc->addr) {
		/* Another host uses our address (or a copy of our own
		 * announcement came back): never learn it. */
		if (memcmp(a.sha, ifc->dev->mac, TERN_ETH_ALEN) != 0) {
			NET_STAT(net, arp_conflict);
			tern_log_warn("%s: ARP: address conflict",
				      ifc->dev->name);
		}
		goto drop;
	}
	if (a.spa != 0) {
		e = find(net, ifc->index, a.spa);
		if (e)
			confirm(ifc, e, a.sha);
	}
	if (!ifc->addr || a.tpa != ifc->addr)
		goto drop;
	if (!e && a.spa != 0) {
		e = alloc_entry(net);
		if (e) {
			e->ifindex = (uint8_t)ifc->index;
			e->ip = a.spa;
			e->tries = 0;
			confirm(ifc, e, a.sha);
		} else {
			NET_STAT(net, arp_table_full);
		}
	}
	if (a.op == TERN_ARP_REQUEST) {
		/* Answer in the request's own buffer. */
		struct tern_arp_hdr r;

		r.op = TERN_ARP_REPLY;
		memcpy(r.sha, ifc->dev->mac, TERN_ETH_ALEN);
		r.spa = ifc->addr;
		memcpy(r.tha, a.sha, TERN_ETH_ALEN);
		r.tpa = a.spa;
		tern_pkt_trim(pkt, TERN_ARP_LEN);
		tern_arp_hdr_emit(&r, pkt->data);
		NET_STAT(net, arp_tx);
		NET_STAT(net, arp_replies);
		eth_output(ifc, pkt, a.sha, TERN_ETHERTYPE_ARP);
		return;
	}
drop:
	tern_pkt_free(pkt);
}

void arp_output(struct tern_netif *ifc, struct tern_pkt *pkt, uint32_t nexthop)
{
	struct tern_net *net = ifc->net;
	struct tern_arp_entry *e = find(net, ifc->index, nexthop);

	if (e && e->state == ARP_REACHABLE) {
		eth_output(ifc, pkt, e->mac, TERN_ETHERTYPE_IPV4);
		return;
	}
	if (!e) {
		e = alloc_entry(net);
		if (!e) {
			NET_STAT(net, arp_table_full);
			tern_pkt_free(pkt);
			return;
		}
		e->state = ARP_INCOMPLETE;
		e->ifindex = (uint8_t)ifc->index;
		e->ip = nexthop;
		e->tries = 1;
		e->stamp = net->now;
		e->deadline = net->now + net->cfg.arp_retry_ns;
		net_note_deadline(net, e->deadline);
		send_request(ifc, nexthop);
	}
	if (e->qlen >= net->cfg.arp_queue_per_entry ||
	    net->arp_queued >= net->cfg.arp_queue_max) {
		NET_STAT(net, arp_queue_full);
		tern_pkt_free(pkt);
		return;
	}
	tern_list_add_tail(&e->queue, &pkt->link);
	e->qlen++;
	net->arp_queued++;
}

void arp_flush_if(struct tern_net *net, unsigned ifindex)
{
	for (unsigned i = 0; i < net->cfg.arp_entries; i++) {
		struct tern_arp_entry *e = &net->arp[i];

		if (e->state != ARP_FREE && e->ifindex == ifindex)
			release(net, e);
	}
}

uint64_t arp_timers(struct tern_net *net, uint64_t now)
{
	uint64_t next = TERN_NO_DEADLINE;

	for (unsigned i = 0; i < net->cfg.arp_entries; i++) {
		struct tern_arp_entry *e = &net->arp[i];

		if (e->state == ARP_FREE)
			continue;
		if (e->deadline <= now) {
			if (e->state == ARP_REACHABLE ||
			    e->tries >= net->cfg.arp_retries) {
				release(net, e);
				continue;
			}
			e->tries++;
			e->deadline = now + net->cfg.arp_retry_ns;
			send_request(&net->ifs[e->ifindex], e->ip);
		}
		next = TERN_MIN(next, e->deadline);
	}
	return next;
}
