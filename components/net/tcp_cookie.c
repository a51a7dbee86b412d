/*
 * tcp_cookie.c - SYN cookies (RFC 4987 3.6): when a listener's SYN queue
 * is full, its SYN-ACK carries the state in the ISN and the stack keeps
 * nothing; the peer's ACK brings the state back and opens the connection.
 *
 * The cookie (our ISN) is 32 bits:
 *
 *   31     27 26  24 23                         0
 *   | epoch  | mss  |  SipHash(key, 4-tuple, peer ISN, epoch) & 0xffffff |
 *
 * epoch counts 64-second periods (5 bits); a cookie is good in its own
 * period and the next (64 to 128 s). mss indexes a table of common sizes
 * (the largest not above what the peer offered). A blind attacker must
 * guess 24 bits per try, and cookies are checked only while the listener
 * has sent some in the last two periods. The connection a cookie opens
 * has no window scaling, timestamps or SACK: nothing of them survives in
 * the ISN (what Linux keeps in the timestamp is left out on purpose).
 */
#include <string.h>

#include "tern/byteorder.h"

#include "tcp_int.h"

#define EPOCH_NS (64 * TERN_NSEC_PER_SEC)
#define EPOCH_MASK 0x1fu
#define MAC_MASK 0xffffffu

static const uint16_t mss_table[8] = { 88,   536,  1220, 1440,
				       1460, 4312, 8960, 9000 };

static uint32_t epoch_of(uint64_t now)
{
	return (uint32_t)(now / EPOCH_NS) & EPOCH_MASK;
}

static uint32_t mac(const struct tern_net *net, const struct tcp_seg *seg,
		    uint32_t peer_isn, uint32_t epoch)
{
	uint64_t h =
		tern_siphash_4u32(&net->tcp->cookie_key, seg->dst, seg->src,
				  (uint32_t)seg->h.dport << 16 | seg->h.sport,
				  peer_isn ^ (epoch << 27));

	return (uint32_t)h & MAC_MASK;
}

/* The table index of the largest MSS not above mss. */
static uint32_t mss_index(uint32_t mss)
{
	uint32_t i = 0;

	while (i + 1 < 8 && mss_table[i + 1] <= mss)
		i++;
	return i;
}

void tcp_cookie_send_synack(struct tern_tcp *l, const struct ip_rx *rx,
			    const struct tcp_seg *seg)
{
	struct tern_net *net = l->net;
	uint32_t epoch = epoch_of(net->now), peer_mss, mtu_mss, idx;
	struct tern_tcp_opts o;
	struct tern_tcp_hdr h;
	struct tern_pkt *pkt;
	struct ip_route rt;
	size_t olen;
	uint8_t *p;

	if (ip_route(net, seg->src, (int)rx->ifc->index, &rt) < 0)
		return;
	pkt = net_alloc(net, TERN_NET_HEADROOM);
	if (!pkt) {
		NET_STAT(net, tcp_nobuf);
		return;
	}
	peer_mss = (seg->o.present & TERN_TCP_HAS_MSS) && seg->o.mss
			   ? seg->o.mss
			   : 536;
	mtu_mss = rt.ifc->dev->mtu - TERN_IPV4_HLEN - TERN_TCP_HLEN;
	idx = mss_index(TERN_MIN(peer_mss, mtu_mss));
	memset(&o, 0, sizeof(o));
	o.present = TERN_TCP_HAS_MSS;
	o.mss = mss_table[idx];
	olen = tern_tcp_opts_len(&o, true);
	memset(&h, 0, sizeof(h));
	h.sport = seg->h.dport;
	h.dport = seg->h.sport;
	h.seq = epoch << 27 | idx << 24 | mac(net, seg, seg->seq, epoch);
	h.ack = seg->seq + 1;
	h.hlen = (uint8_t)(TERN_TCP_HLEN + olen);
	h.flags = TERN_TCP_SYN | TERN_TCP_ACK;
	h.win = (uint16_t)TERN_MIN(net->cfg.tcp_rcvbuf, 0xffffu);
	p = tern_pkt_push(pkt, (uint32_t)h.hlen);
	tern_tcp_hdr_emit(&h, p);
	tern_tcp_opts_emit(&o, true, p + TERN_TCP_HLEN);
	tern_store_be16(p + 16,
			tern_tcp_cksum(seg->dst, seg->src, p, h.hlen, NULL, 0));
	NET_STAT(net, tcp_syncookies_sent);
	l->cookie_until = net->now + 2 * EPOCH_NS;
	tcp_ip_send(net, &rt, seg->dst, seg->src, h.flags, pkt);
}

/* The MSS index in cookie if it is one we made for seg lately, else -1. */
static int cookie_check(const struct tern_net *net, const struct tcp_seg *seg,
			uint32_t cookie)
{
	uint32_t now = epoch_of(net->now), epoch = cookie >> 27;

	if (((now - epoch) & EPOCH_MASK) > 1)
		return -1;
	if ((cookie & MAC_MASK) != mac(net, seg, seg->seq - 1, epoch))
		return -1;
	return (int)(cookie >> 24 & 7);
}

struct tern_tcp *tcp_cookie_open(struct tern_tcp *l, const struct ip_rx *rx,
				 const struct tcp_seg *seg)
{
	struct tern_net *net = l->net;
	uint32_t iss = seg->h.ack - 1;
	struct tern_tcp *c;
	int idx;

	if (net->now >= l->cookie_until)
		return NULL;
	idx = cookie_check(net, seg, iss);
	if (idx < 0) {
		NET_STAT(net, tcp_syncookies_bad);
		return NULL;
	}
	if (l->accept_len >= l->backlog) {
		NET_STAT(net, tcp_listen_overflow);
		return NULL;
	}
	c = tcp_conn_alloc(net);
	if (!c)
		return NULL;
	if (ip_route(net, seg->src, (int)rx->ifc->index, &c->rt) < 0) {
		c->user_closed = true;
		tcp_conn_done(c, 0);
		return NULL;
	}
	NET_STAT(net, tcp_syncookies_ok);
	tcp_conn_defaults(c);
	c->ws_ok = c->ts_ok = c->sack_ok = false;
	c->snd_wscale = c->rcv_wscale = 0;
	c->peer_mss = mss_table[idx];
	c->mss = c->peer_mss;
	c->cc->init(c);
	c->irs = seg->seq - 1;
	c->rcv_nxt = seg->seq;
	c->rcv_adv = c->rcv_nxt + TERN_MIN(c->rcvbuf, 0xffffu);
	c->iss = iss;
	c->snd_una = c->snd_nxt = c->snd_max = c->recover = iss + 1;
	c->snd_sml = iss + 1;
	c->buf_seq = iss + 1;
	c->snd_wnd = c->snd_wnd_max = seg->wnd;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->h.ack;
	c->state = TERN_TCP_ESTABLISHED;
	c->parent = l;
	c->queued = true;
	tern_list_add_tail(&l->accept_q, &c->child_link);
	l->accept_len++;
	tcp_conn_hash(c, seg->dst, seg->h.dport, seg->src, seg->h.sport);
	NET_STAT(net, tcp_passive_opens);
	tcp_notify(l, TERN_TCP_EV_READ);
	return c;
}
