/*
 * tcp_output.c - what TCP sends and when: segments cut from the send ring,
 * their options, the windows we advertise, ACKs (immediate, delayed and
 * challenge) and resets.
 *
 * Sending is decided in one place, tcp_output: as many segments as the
 * smaller of the peer's window and the congestion window leaves room for,
 * full-sized unless the data ends there; a small segment waits while an
 * earlier small one is unacknowledged (Nagle with Minshall's refinement,
 * as in Linux: the short tail of a write never waits for the ACK of the
 * full segments before it, which the peer may delay; unless nodelay), a
 * corked connection sends no short segment at all until it is uncorked, and
 * a small window is not filled
 * with a small segment unless it is at least half the largest window the
 * peer ever offered (sender silly-window avoidance, RFC 9293 3.8.6.2.1).
 * The FIN rides on the last data segment when it can.
 *
 * On a device offering TSO (dev.h), new data leaves as super-segments:
 * whole segments of the send MSS, as many as the windows, the data and
 * the device allow, under one header, that the device cuts up; the peer,
 * and so our RTT, SACK and loss logic, sees ordinary MSS-sized segments.
 * Resends (after a timeout, in recovery, probes) go one segment at a
 * time. With no super-frame buffer free, a super-segment is cut here
 * instead (tcp_tso_nobuf). A device offering TX_CSUM completes the
 * checksum of every segment we build.
 */
#include <string.h>

#include "tern/assert.h"
#include "tern/byteorder.h"
#include "tern/cksum.h"
#include "tern/err.h"

#include "tcp_int.h"

uint32_t tcp_in_flight(const struct tern_tcp *c)
{
	return c->snd_nxt - c->snd_una;
}

uint32_t tcp_rcv_window(struct tern_tcp *c)
{
	const struct tern_net_config *cfg = &c->net->cfg;
	uint32_t queued = c->rxq_bytes + c->ooo_bytes;
	uint32_t space = c->rcvbuf > queued ? c->rcvbuf - queued : 0;
	uint32_t cur = tern_seq_gt(c->rcv_adv, c->rcv_nxt)
			       ? c->rcv_adv - c->rcv_nxt
			       : 0;
	uint32_t small = TERN_MIN(c->rcvbuf / 2, (uint32_t)c->mss);

	if (c->rxq_pkts >= cfg->tcp_rcv_pkts_max)
		space = 0;
	space = TERN_MIN(space, (uint32_t)0xffff << c->rcv_wscale);
	space &= ~((1u << c->rcv_wscale) - 1);
	/* Never move the right edge left; do not offer a sliver. */
	if (space < cur || space < small)
		space = cur;
	return space;
}

/* Puts block b into o: first if it holds the latest out-of-order
 * arrival, else after the others while there is room (max blocks). */
static void sack_place(const struct tern_tcp *c, struct tern_tcp_opts *o,
		       struct tern_tcp_sack_block b, bool *have_first,
		       unsigned max)
{
	if (!*have_first && tern_seq_leq(b.start, c->sack_recent) &&
	    tern_seq_lt(c->sack_recent, b.end)) {
		o->sack[0] = b;
		*have_first = true;
	} else if (o->n_sack < max) {
		o->sack[o->n_sack++] = b;
	}
}

/* The out-of-order queue as at most max SACK blocks, neighbours merged;
 * the block with the latest arrival goes first (RFC 2018 4), the rest in
 * sequence order. */
static void sack_blocks(const struct tern_tcp *c, struct tern_tcp_opts *o,
			unsigned max)
{
	struct tern_tcp_sack_block cur = { 0, 0 };
	bool open = false, have_first = false;

	o->n_sack = 1; /* slot 0 waits for the latest block */
	tern_list_for_each(it, &c->ooo) {
		struct tern_pkt *p = tern_list_entry(it, struct tern_pkt, link);
		uint32_t start = (uint32_t)p->cb[0];
		uint32_t end = start + p->len;

		if (p->len == 0)
			continue; /* a FIN alone: nothing to report */
		if (open && tern_seq_leq(start, cur.end)) {
			if (tern_seq_gt(end, cur.end))
				cur.end = end;
			continue;
		}
		if (open)
			sack_place(c, o, cur, &have_first, max);
		cur.start = start;
		cur.end = end;
		open = true;
	}
	if (open)
		sack_place(c, o, cur, &have_first, max);
	if (!have_first) {
		memmove(&o->sack[0], &o->sack[1],
			(o->n_sack - 1) * sizeof(o->sack[0]));
		o->n_sack--;
	}
}

/* The options of a segment with flags. */
static void build_opts(struct tern_tcp *c, uint8_t flags,
		       struct tern_tcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (flags & TERN_TCP_SYN) {
		bool synack = flags & TERN_TCP_ACK;
		uint32_t mtu_mss =
			c->rt.ifc->dev->mtu - TERN_IPV4_HLEN - TERN_TCP_HLEN;

		o->present |= TERN_TCP_HAS_MSS;
		o->mss = (uint16_t)TERN_MIN(mtu_mss, 0xffffu);
		/* On a SYN-ACK, only what the peer offered (RFC 7323, 2018). */
		if (!synack || c->sack_ok)
			o->present |= TERN_TCP_HAS_SACK_OK;
		if (!synack || c->ws_ok) {
			o->present |= TERN_TCP_HAS_WSCALE;
			o->wscale = c->rcv_wscale;
		}
		if (!synack || c->ts_ok) {
			o->present |= TERN_TCP_HAS_TS;
			o->ts_val = tcp_ts_now(c);
			o->ts_ecr = synack ? c->ts_recent : 0;
		}
		return;
	}
	if (c->ts_ok) {
		o->present |= TERN_TCP_HAS_TS;
		o->ts_val = tcp_ts_now(c);
		o->ts_ecr = c->ts_recent;
	}
	if (c->sack_ok && !(flags & TERN_TCP_RST) &&
	    !tern_list_empty(&c->ooo)) {
		sack_blocks(c, o, c->ts_ok ? 3 : 4);
		o->present |= TERN_TCP_HAS_SACK;
	}
}

uint32_t tcp_send_mss(struct tern_tcp *c)
{
	struct tern_tcp_opts o;
	size_t with, without;

	build_opts(c, TERN_TCP_ACK, &o);
	with = tern_tcp_opts_len(&o, false);
	o.present &= ~TERN_TCP_HAS_SACK;
	without = tern_tcp_opts_len(&o, false);
	return c->mss - (uint32_t)(with - without);
}

/* Copies len ring bytes starting at sequence number seq to out. */
static void ring_copy(const struct tern_tcp *c, uint32_t seq, uint32_t len,
		      uint8_t *out)
{
	uint32_t at = (c->buf_head + (seq - c->buf_seq)) % c->buf_cap;
	uint32_t first = TERN_MIN(len, c->buf_cap - at);

	TERN_ASSERT(seq - c->buf_seq + len <= c->buf_len);
	memcpy(out, c->buf + at, first);
	memcpy(out + first, c->buf, len - first);
}

int tcp_ip_send(struct tern_net *net, const struct ip_route *rt, uint32_t src,
		uint32_t dst, uint8_t flags, struct tern_pkt *pkt)
{
	struct ip_tx tx = { .src = src,
			    .dst = dst,
			    .proto = TERN_IPPROTO_TCP,
			    .tos = 0,
			    .df = true };

	NET_STAT(net, tcp_tx);
	if (flags & TERN_TCP_RST)
		NET_STAT(net, tcp_rst_tx);
	return ip_output(net, rt, &tx, pkt);
}

/* Stores the TCP checksum of the segment in pkt (data at its header p):
 * the pseudo-header's sum for the device to complete where it offers
 * that, else the whole checksum. */
static void put_cksum(const struct tern_tcp *c, struct tern_pkt *pkt,
		      uint8_t *p)
{
	struct tern_csum s;

	if (!(c->rt.ifc->dev->offloads & TERN_NETDEV_TX_CSUM)) {
		tern_store_be16(p + 16, tern_tcp_cksum(c->laddr, c->raddr, p,
						       pkt->len, NULL, 0));
		return;
	}
	tern_ipv4_pseudo_csum(&s, c->laddr, c->raddr, TERN_IPPROTO_TCP,
			      (uint16_t)pkt->len);
	tern_store_be16(p + 16, tern_csum_sum(&s));
	pkt->tx_csum_start = (uint16_t)tern_pkt_headroom(pkt);
	pkt->tx_csum_offset = 16;
}

/* Builds the segment [seq, seq + len) with flags from c's state into pkt
 * (empty, with headroom) and sends it; gso is the payload per segment of
 * a TSO super-segment, 0 for a plain one. Does no bookkeeping. */
static int build(struct tern_tcp *c, struct tern_pkt *pkt, uint8_t flags,
		 uint32_t seq, uint32_t len, uint32_t gso)
{
	struct tern_net *net = c->net;
	struct tern_tcp_opts o;
	struct tern_tcp_hdr h;
	size_t olen;
	uint32_t wnd;
	uint8_t *p;

	if (len > 0)
		ring_copy(c, seq, len, tern_pkt_put(pkt, len));
	build_opts(c, flags, &o);
	olen = tern_tcp_opts_len(&o, flags & TERN_TCP_SYN);
	/* Options never push a segment past the interface MTU, nor a
	 * super-segment past the device's or IPv4's limit. */
	TERN_ASSERT(TERN_IPV4_HLEN + TERN_TCP_HLEN + olen + (gso ? gso : len) <=
		    c->rt.ifc->dev->mtu);
	TERN_ASSERT(!gso ||
		    TERN_ETH_HLEN + TERN_IPV4_HLEN + TERN_TCP_HLEN + olen +
				    len <=
			    TERN_MIN(c->rt.ifc->dev->gso_max,
				     TERN_ETH_HLEN + TERN_IPV4_MAX_LEN));
	p = tern_pkt_push(pkt, (uint32_t)(TERN_TCP_HLEN + olen));
	wnd = tcp_rcv_window(c);
	if (flags & TERN_TCP_ACK)
		c->rcv_adv = c->rcv_nxt + wnd;
	memset(&h, 0, sizeof(h));
	h.sport = c->lport;
	h.dport = c->rport;
	h.seq = seq;
	h.ack = flags & TERN_TCP_ACK ? c->rcv_nxt : 0;
	h.hlen = (uint8_t)(TERN_TCP_HLEN + olen);
	h.flags = flags;
	/* A SYN's window is never scaled (RFC 7323 2.2). */
	h.win = (uint16_t)((flags & TERN_TCP_SYN) ? TERN_MIN(wnd, 0xffffu)
						  : wnd >> c->rcv_wscale);
	tern_tcp_hdr_emit(&h, p);
	tern_tcp_opts_emit(&o, flags & TERN_TCP_SYN, p + TERN_TCP_HLEN);
	put_cksum(c, pkt, p);
	if (gso) {
		pkt->tx_gso_size = (uint16_t)gso;
		pkt->tx_hdr_end = (uint16_t)(tern_pkt_headroom(pkt) + h.hlen);
	}
	if (flags & TERN_TCP_ACK) {
		c->ack_now = false;
		c->unacked_segs = 0;
		tern_timer_cancel(&net->wheel, &c->delack);
	}
	return tcp_ip_send(net, &c->rt, c->laddr, c->raddr, flags, pkt);
}

/* Builds and sends one plain segment from c's state; no bookkeeping. */
static int emit(struct tern_tcp *c, uint8_t flags, uint32_t seq, uint32_t len)
{
	struct tern_pkt *pkt = net_alloc(c->net, TERN_NET_HEADROOM);

	if (!pkt) {
		NET_STAT(c->net, tcp_nobuf);
		return -TERN_ENOMEM;
	}
	return build(c, pkt, flags, seq, len, 0);
}

/* Sends [seq, seq + len), whole segments of the send MSS, as one TSO
 * super-segment, or as single segments if no super-frame buffer is free
 * (FIN and PSH on the last only, as a device does it). */
static int emit_tso(struct tern_tcp *c, uint8_t flags, uint32_t seq,
		    uint32_t len)
{
	uint32_t gso = tcp_send_mss(c);
	struct tern_pkt *pkt = net_alloc_tso(c->net);
	int err = 0;

	if (pkt) {
		NET_STAT(c->net, tcp_tso_sent);
		return build(c, pkt, flags, seq, len, gso);
	}
	NET_STAT(c->net, tcp_tso_nobuf);
	for (uint32_t off = 0; off < len && err == 0; off += gso) {
		uint32_t n = TERN_MIN(gso, len - off);
		uint8_t f = off + n == len
				    ? flags
				    : flags & ~(TERN_TCP_FIN | TERN_TCP_PSH);

		err = emit(c, f, seq + off, n);
	}
	return err;
}

int tcp_send_segment(struct tern_tcp *c, uint8_t flags, uint32_t seq,
		     uint32_t len)
{
	uint32_t end = seq + len + ((flags & TERN_TCP_SYN) ? 1 : 0) +
		       ((flags & TERN_TCP_FIN) ? 1 : 0);

	if (end != seq && tern_seq_lt(seq, c->snd_max)) {
		c->retransmits++;
		NET_STAT(c->net, tcp_retransmits);
	} else if (end != seq && !c->ts_ok && !c->rtt_timing) {
		/* Time one new segment at a time (no timestamps). */
		c->rtt_timing = true;
		c->rtt_seq = seq;
		c->rtt_start = c->net->now;
	}
	if (end != seq && !(flags & TERN_TCP_SYN))
		tcp_rack_sent(c, seq, end, tern_seq_lt(seq, c->snd_max));
	if (tern_seq_gt(end, c->snd_max))
		c->snd_max = end;
	return len > c->mss ? emit_tso(c, flags, seq, len)
			    : emit(c, flags, seq, len);
}

/* The sequence number of a segment without data: the highest one sent,
 * which the peer's rcv_nxt can never be beyond; snd_nxt may have gone back
 * to snd_una on a timeout, and an ACK from there would be below the
 * peer's window and dropped unread (RFC 9293 3.10.7.4). */
static uint32_t acceptable_seq(const struct tern_tcp *c)
{
	return c->snd_max;
}

void tcp_send_ack(struct tern_tcp *c)
{
	emit(c, TERN_TCP_ACK, acceptable_seq(c), 0);
}

void tcp_batch_end(struct tern_net *net)
{
	struct tern_list *due = &net->tcp->ack_due;

	while (!tern_list_empty(due)) {
		struct tern_tcp *c = tern_list_entry(tern_list_pop(due),
						     struct tern_tcp, ack_link);

		if (c->unacked_segs == 0)
			continue; /* an ACK went out with data meanwhile */
		c->ack_now = true;
		tcp_output(c);
	}
}

void tcp_send_challenge_ack(struct tern_tcp *c)
{
	uint64_t epoch = c->net->now / TERN_NSEC_PER_SEC;

	if (epoch != c->challenge_epoch) {
		c->challenge_epoch = epoch;
		c->challenges = 0;
	}
	if (c->challenges >= c->net->cfg.tcp_challenge_max) {
		NET_STAT(c->net, tcp_challenge_limited);
		return;
	}
	c->challenges++;
	NET_STAT(c->net, tcp_challenge_acks);
	tcp_send_ack(c);
}

void tcp_send_rst_for(struct tern_tcp *c)
{
	emit(c, TERN_TCP_RST | TERN_TCP_ACK, acceptable_seq(c), 0);
}

void tcp_send_reset(struct tern_net *net, const struct ip_rx *rx,
		    const struct tcp_seg *seg)
{
	struct tern_tcp_hdr h;
	struct tern_pkt *pkt;
	struct ip_route rt;
	uint8_t *p;

	if (seg->h.flags & TERN_TCP_RST || rx->link_bcast || rx->ip_bcast)
		return;
	if (ip_route(net, seg->src, (int)rx->ifc->index, &rt) < 0)
		return;
	pkt = net_alloc(net, TERN_NET_HEADROOM);
	if (!pkt) {
		NET_STAT(net, tcp_nobuf);
		return;
	}
	memset(&h, 0, sizeof(h));
	h.sport = seg->h.dport;
	h.dport = seg->h.sport;
	h.hlen = TERN_TCP_HLEN;
	/* RFC 9293 3.10.7.1: take the ACK's number, or ack what came. */
	if (seg->h.flags & TERN_TCP_ACK) {
		h.seq = seg->h.ack;
		h.flags = TERN_TCP_RST;
	} else {
		h.ack = seg->end;
		h.flags = TERN_TCP_RST | TERN_TCP_ACK;
	}
	p = tern_pkt_push(pkt, TERN_TCP_HLEN);
	tern_tcp_hdr_emit(&h, p);
	tern_store_be16(p + 16, tern_tcp_cksum(seg->dst, seg->src, p,
					       TERN_TCP_HLEN, NULL, 0));
	tcp_ip_send(net, &rt, seg->dst, seg->src, h.flags, pkt);
}

/* The sequence number just past the queued data (where the FIN goes). */
static uint32_t data_end(const struct tern_tcp *c)
{
	return c->buf_seq + c->buf_len;
}

/* Sends the FIN (alone) and moves to the state that waits for its ACK. */
static void send_fin(struct tern_tcp *c, uint32_t len)
{
	tcp_send_segment(c,
			 TERN_TCP_FIN | TERN_TCP_ACK | (len ? TERN_TCP_PSH : 0),
			 c->snd_nxt, len);
	c->snd_nxt += len + 1;
	if (c->state == TERN_TCP_ESTABLISHED)
		c->state = TERN_TCP_FIN_WAIT_1;
	else if (c->state == TERN_TCP_CLOSE_WAIT)
		c->state = TERN_TCP_LAST_ACK;
}

/* How many bytes at snd_nxt the next data segment carries now (0: wait). */
static uint32_t next_len(struct tern_tcp *c, uint32_t unsent)
{
	uint32_t mss = tcp_send_mss(c);
	uint32_t wnd = TERN_MIN(c->snd_wnd, c->cwnd);
	uint32_t flight = tcp_in_flight(c);
	uint32_t avail = wnd > flight ? wnd - flight : 0;
	uint32_t len = TERN_MIN(TERN_MIN(unsent, mss), avail);

	if (len == 0 || len == mss)
		return len;
	if (len < unsent) {
		/* The window cuts it short: only if that is a fair share, or
		 * when the persist timer says waiting for more is over. */
		return len >= c->snd_wnd_max / 2 || c->sws_override ? len : 0;
	}
	/* The last of the data: a cork holds it until uncorked, and Nagle
	 * while a short segment is in flight (sent, unacknowledged, not being
	 * resent from before it); neither when a FIN goes with it. */
	if (c->fin_queued)
		return len;
	if (c->cork)
		return 0;
	if (!c->nodelay && tern_seq_gt(c->snd_sml, c->snd_una) &&
	    tern_seq_leq(c->snd_sml, c->snd_nxt))
		return 0;
	return len;
}

/* The most payload a super-segment may carry on c's device: whole
 * segments of mss within the device's gso_max and an IPv4 datagram, with
 * room for the largest TCP header; 0 without TSO. */
static uint32_t tso_max(const struct tern_tcp *c, uint32_t mss)
{
	const struct tern_netdev *dev = c->rt.ifc->dev;
	uint32_t hdrs = TERN_ETH_HLEN + TERN_IPV4_HLEN + TERN_TCP_HLEN_MAX;
	uint32_t max =
		TERN_MIN(dev->gso_max, TERN_ETH_HLEN + TERN_IPV4_MAX_LEN);

	if (!(dev->offloads & TERN_NETDEV_TX_TSO4) || !c->net->tso_mem ||
	    max < hdrs + mss)
		return 0;
	max -= hdrs;
	return max - max % mss;
}

/* Grows len, a full segment of new data at snd_nxt, into a super-segment
 * as far as the windows, the unsent data and the device allow; any other
 * segment (short, resent) stays as it is. */
static uint32_t tso_len(struct tern_tcp *c, uint32_t len, uint32_t unsent)
{
	uint32_t mss = tcp_send_mss(c);
	uint32_t wnd = TERN_MIN(c->snd_wnd, c->cwnd);
	uint32_t flight = tcp_in_flight(c);
	uint32_t max = tso_max(c, mss);

	if (len != mss || max <= mss || c->snd_nxt != c->snd_max ||
	    c->in_recovery || wnd <= flight)
		return len;
	len = TERN_MIN(TERN_MIN(unsent, wnd - flight), max);
	return len - len % mss;
}

/* Bytes queued at or after snd_nxt. */
static uint32_t unsent_bytes(const struct tern_tcp *c)
{
	return tern_seq_lt(c->snd_nxt, data_end(c)) ? data_end(c) - c->snd_nxt
						    : 0;
}

/* Sends what the windows and Nagle allow from snd_nxt, the FIN after the
 * last of the data. */
static void send_new_data(struct tern_tcp *c)
{
	for (;;) {
		uint32_t unsent = unsent_bytes(c), len;

		if (unsent == 0) {
			if (c->fin_queued && c->snd_nxt == data_end(c))
				send_fin(c, 0);
			return;
		}
		len = next_len(c, unsent);
		if (len == 0)
			return;
		len = tso_len(c, len, unsent);
		if (c->fin_queued && len == unsent) {
			send_fin(c, len);
			return;
		}
		tcp_send_segment(
			c, TERN_TCP_ACK | (len == unsent ? TERN_TCP_PSH : 0),
			c->snd_nxt, len);
		c->snd_nxt += len;
		if (len < tcp_send_mss(c))
			c->snd_sml = c->snd_nxt;
	}
}

uint32_t tcp_output_new_segment(struct tern_tcp *c)
{
	uint32_t unsent = unsent_bytes(c), mss = tcp_send_mss(c);
	uint32_t wnd_end = c->snd_una + c->snd_wnd;
	uint32_t room = tern_seq_gt(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt
							 : 0;
	uint32_t len = TERN_MIN(TERN_MIN(unsent, mss), room);

	if (unsent == 0) {
		if (!c->fin_queued || c->snd_nxt != data_end(c))
			return 0;
		send_fin(c, 0);
		return 1;
	}
	if (len == 0 || (len < mss && len < unsent))
		return 0; /* no slivers */
	if (c->fin_queued && len == unsent) {
		send_fin(c, len);
		return len + 1;
	}
	tcp_send_segment(c, TERN_TCP_ACK | (len == unsent ? TERN_TCP_PSH : 0),
			 c->snd_nxt, len);
	c->snd_nxt += len;
	return len;
}

void tcp_output(struct tern_tcp *c)
{
	uint32_t unsent = 0;

	switch (c->state) {
	case TERN_TCP_SYN_SENT:
		if (c->snd_nxt == c->iss) {
			tcp_send_segment(c, TERN_TCP_SYN, c->iss, 0);
			c->snd_nxt = c->iss + 1;
		}
		tcp_timer_rto_check(c);
		return;
	case TERN_TCP_SYN_RECEIVED:
		if (c->snd_nxt == c->iss) {
			tcp_send_segment(c, TERN_TCP_SYN | TERN_TCP_ACK, c->iss,
					 0);
			c->snd_nxt = c->iss + 1;
		}
		tcp_timer_rto_check(c);
		return;
	case TERN_TCP_ESTABLISHED:
	case TERN_TCP_CLOSE_WAIT:
	case TERN_TCP_FIN_WAIT_1:
	case TERN_TCP_CLOSING:
	case TERN_TCP_LAST_ACK:
		break;
	case TERN_TCP_FIN_WAIT_2:
	case TERN_TCP_TIME_WAIT:
		if (c->ack_now)
			tcp_send_ack(c);
		return;
	default:
		return;
	}
	if (c->in_recovery && c->sack_ok)
		tcp_sack_output(c);
	else
		send_new_data(c);
	unsent = unsent_bytes(c);
	if (c->ack_now)
		tcp_send_ack(c);
	/* Nothing in flight and a window too small for what waits: probe it
	 * if it is zero, else fill it after a while (the override timeout of
	 * sender silly-window avoidance, RFC 9293 3.8.6.2.1); either way the
	 * persist timer, or no ACK would ever come to move things on. */
	if (unsent > 0 && tcp_in_flight(c) == 0 &&
	    c->snd_wnd < TERN_MIN(unsent, tcp_send_mss(c))) {
		if (c->job != TJ_PERSIST)
			tcp_timer_set(c, TJ_PERSIST,
				      c->net->now + tcp_rto_now(c));
		return;
	}
	tcp_timer_rto_check(c);
}
