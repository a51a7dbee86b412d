/*
 * tcp_input.c - segment arrival (RFC 9293 3.10.7): checks, the listener,
 * SYN-SENT, the synchronized states and TIME_WAIT; ACK processing with
 * RTT samples, fast retransmit and NewReno recovery; in-order and
 * out-of-order data; FIN; ICMP errors.
 *
 * Every segment is checked before it touches a connection: header and
 * options (net_wire.h), flag sets no stack sends, broadcast addresses.
 * Then, for a synchronized connection: PAWS (RFC 7323 5), the window
 * (RFC 9293's acceptability table), RST and SYN per RFC 5961 (exact RST
 * resets, an in-window one draws a challenge ACK; any SYN draws one), and
 * the ACK's range (RFC 5961 5.2), a missing timestamp (RFC 7323 3.2).
 * Each rejection has its own counter.
 *
 * The packet buffer is kept when its data is queued (in order or not),
 * else freed: every path ends at the one free in tcp_input.
 */
#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"

#include "tcp_int.h"

/* Flags that decide which states accept a segment. */
#define SYN TERN_TCP_SYN
#define ACK TERN_TCP_ACK
#define RST TERN_TCP_RST
#define FIN TERN_TCP_FIN

/* ---- Checks ------------------------------------------------------------- */

/* True for flag sets that no conforming stack sends (DESIGN.md). */
static bool bad_flags(uint8_t f)
{
	if ((f & (SYN | FIN)) == (SYN | FIN) ||
	    (f & (SYN | RST)) == (SYN | RST))
		return true;
	return (f & (SYN | ACK | RST | FIN)) == 0;
}

/* Parses pkt into seg, counting a rejection; returns false to drop. The
 * checksum is verified unless the device vouched for it
 * (TERN_RX_CSUM_VALID): then only counted as skipped. */
static bool parse(struct tern_net *net, const struct ip_rx *rx,
		  struct tern_pkt *pkt, struct tcp_seg *seg)
{
	bool verify = !(pkt->rx_flags & TERN_RX_CSUM_VALID);
	enum tern_wire_bad why;

	if (tern_tcp_hdr_parse(pkt->data, pkt->len, rx->h.src, rx->h.dst,
			       &seg->h, verify, &why) < 0) {
		if (why == TERN_WIRE_SHORT)
			NET_STAT(net, tcp_short);
		else if (why == TERN_WIRE_CKSUM)
			NET_STAT(net, tcp_bad_cksum);
		else
			NET_STAT(net, tcp_bad_hlen);
		return false;
	}
	if (tern_tcp_opts_parse(pkt->data + TERN_TCP_HLEN,
				seg->h.hlen - TERN_TCP_HLEN, &seg->o) < 0) {
		NET_STAT(net, tcp_bad_options);
		return false;
	}
	if (!verify)
		NET_STAT(net, tcp_rx_csum_skipped);
	if (bad_flags(seg->h.flags)) {
		NET_STAT(net, tcp_bad_flags);
		return false;
	}
	if (rx->link_bcast || rx->ip_bcast || rx->h.src == 0) {
		NET_STAT(net, tcp_bad_addr);
		return false;
	}
	seg->src = rx->h.src;
	seg->dst = rx->h.dst;
	seg->seq = seg->h.seq;
	seg->len = pkt->len - seg->h.hlen;
	seg->end = seg->seq + seg->len + ((seg->h.flags & SYN) ? 1 : 0) +
		   ((seg->h.flags & FIN) ? 1 : 0);
	seg->wnd = seg->h.win;
	seg->has_opts_ts = seg->o.present & TERN_TCP_HAS_TS;
	tern_pkt_pull(pkt, seg->h.hlen);
	return true;
}

/* The options of a SYN or SYN-ACK from the peer: MSS, window scale,
 * timestamps, SACK (each on only if both sides offer it). */
static void take_syn_opts(struct tern_tcp *c, const struct tcp_seg *seg)
{
	const struct tern_tcp_opts *o = &seg->o;
	uint32_t mtu_mss = c->rt.ifc->dev->mtu - TERN_IPV4_HLEN - TERN_TCP_HLEN;

	c->peer_mss = (o->present & TERN_TCP_HAS_MSS) && o->mss ? o->mss : 536;
	/* A tiny MSS would make every byte a segment (and leave no room
	 * for the options): hold it to a floor, as Linux's tcp_min_snd_mss
	 * does (found by fuzz_tcp: an MSS of 1). */
	c->peer_mss = TERN_MAX(c->peer_mss, (uint16_t)TCP_MIN_MSS);
	c->mss = (uint16_t)TERN_MIN((uint32_t)c->peer_mss, mtu_mss);
	c->mss = TERN_MIN(c->mss, (uint16_t)(c->net->cfg.pkt_buf_size -
					     TERN_NET_HEADROOM));
	if (o->present & TERN_TCP_HAS_WSCALE) {
		c->ws_ok = true;
		c->snd_wscale = TERN_MIN(o->wscale, TERN_TCP_WSCALE_MAX);
	} else {
		c->ws_ok = false;
		c->snd_wscale = c->rcv_wscale = 0;
	}
	if (o->present & TERN_TCP_HAS_TS) {
		c->ts_ok = true;
		c->ts_recent = o->ts_val;
	}
	c->sack_ok = o->present & TERN_TCP_HAS_SACK_OK;
	/* Timestamps take 12 bytes of every segment. */
	if (c->ts_ok)
		c->mss -= 12;
}

/* ---- LISTEN ------------------------------------------------------------- */

static bool queue_in_order(struct tern_tcp *c, struct tern_pkt *pkt);

/* Keeps the data that came on c's SYN (in pkt, at rcv_nxt) for reading
 * once the connection is established, as RFC 9293 3.10.7.2 asks ("text
 * should be queued for processing later"), so the SYN-ACK acknowledges
 * it and the peer need not send it again. What does not fit the window,
 * or finds the receive buffers or the pool short, is not acknowledged:
 * the peer resends it. Returns true if pkt was taken. */
static bool syn_data_input(struct tern_tcp *c, struct tern_pkt *pkt)
{
	if (pkt->len == 0)
		return false;
	if (pkt->len > c->rcvbuf) {
		NET_STAT(c->net, tcp_after_wnd);
		tern_pkt_trim(pkt, c->rcvbuf);
	}
	return queue_in_order(c, pkt);
}

/* A segment for listener l: a SYN opens a connection in SYN-RECEIVED
 * (or draws a cookie); an ACK is reset; the rest is ignored. Returns
 * true if pkt (the payload) was taken. */
static bool listen_input(struct tern_tcp *l, const struct ip_rx *rx,
			 const struct tcp_seg *seg, struct tern_pkt *pkt)
{
	struct tern_net *net = l->net;
	struct tern_tcp *c;
	bool taken;

	if (seg->h.flags & RST)
		return false;
	if (seg->h.flags & ACK) {
		tcp_send_reset(net, rx, seg);
		return false;
	}
	if (!(seg->h.flags & SYN))
		return false;
	if (l->accept_len >= l->backlog) {
		NET_STAT(net, tcp_listen_overflow);
		return false;
	}
	/* A full SYN queue or connection table: answer with a cookie and
	 * keep nothing (RFC 4987 3.6), data on the SYN included. */
	if (l->syn_len >= l->backlog) {
		NET_STAT(net, tcp_listen_overflow);
		tcp_cookie_send_synack(l, rx, seg);
		return false;
	}
	c = tcp_conn_alloc(net);
	if (!c) {
		tcp_cookie_send_synack(l, rx, seg);
		return false;
	}
	if (ip_route(net, seg->src, (int)rx->ifc->index, &c->rt) < 0) {
		c->user_closed = true;
		tcp_conn_done(c, 0);
		return false;
	}
	tcp_conn_defaults(c);
	take_syn_opts(c, seg);
	c->irs = seg->seq;
	c->rcv_nxt = c->rcv_adv = seg->seq + 1;
	c->iss = tcp_isn(net, seg->dst, seg->h.dport, seg->src, seg->h.sport,
			 net->now);
	c->snd_una = c->snd_nxt = c->snd_max = c->recover = c->iss;
	c->snd_sml = c->iss;
	c->buf_seq = c->iss + 1;
	c->snd_wnd = seg->wnd; /* never scaled on a SYN */
	c->snd_wnd_max = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = c->iss;
	c->cc->init(c);
	c->state = TERN_TCP_SYN_RECEIVED;
	c->parent = l;
	tern_list_add_tail(&l->syn_q, &c->child_link);
	l->syn_len++;
	tcp_conn_hash(c, seg->dst, seg->h.dport, seg->src, seg->h.sport);
	NET_STAT(net, tcp_passive_opens);
	taken = syn_data_input(c, pkt);
	tcp_output(c);
	return taken;
}

/* ---- ACKs --------------------------------------------------------------- */

static bool fin_acked(const struct tern_tcp *c)
{
	return c->fin_queued && c->buf_len == 0 && c->snd_una == c->buf_seq + 1;
}

/* Resends the first unacknowledged segment (fast retransmit, partial
 * ACK); with the FIN if it is the last one. */
static void resend_first(struct tern_tcp *c)
{
	uint32_t end = c->buf_seq + c->buf_len;
	uint32_t left = tern_seq_lt(c->snd_una, end) ? end - c->snd_una : 0;
	uint32_t len = TERN_MIN(left, tcp_send_mss(c));
	uint8_t flags = ACK;

	if (c->fin_queued && c->snd_una + len == end &&
	    tern_seq_gt(c->snd_max, end))
		flags |= FIN;
	if (len == 0 && !(flags & FIN))
		return;
	tcp_send_segment(c, flags, c->snd_una, len);
}

/* Karn's rule with timestamps: an echo older than our last timeout is
 * from a segment sent before it, whose ACK may have been lost; its
 * sample would count the whole backoff as round trip. */
static bool echo_before_timeout(const struct tern_tcp *c, uint32_t ecr)
{
	return c->timed_out && tern_seq_lt(ecr, c->ts_rexmit);
}

/* New data acknowledged up to ack. */
static void ack_advance(struct tern_tcp *c, const struct tcp_seg *seg,
			uint32_t ack)
{
	uint32_t acked = ack - c->snd_una;
	uint32_t data = 0;

	if (c->ts_ok && seg->has_opts_ts && seg->o.ts_ecr != 0) {
		uint32_t ms = tcp_ts_now(c) - seg->o.ts_ecr;

		/* A sample under the clock's 1 ms tick counts as half. */
		if (ms < 60000 && !echo_before_timeout(c, seg->o.ts_ecr))
			tcp_rtt_sample(c, ms ? ms * TERN_NSEC_PER_MSEC
					     : TERN_NSEC_PER_MSEC / 2);
	} else if (c->rtt_timing && tern_seq_gt(ack, c->rtt_seq)) {
		tcp_rtt_sample(c, c->net->now - c->rtt_start);
		c->rtt_timing = false;
	}
	if (tern_seq_gt(ack, c->buf_seq)) {
		data = TERN_MIN(ack - c->buf_seq, c->buf_len);
		c->buf_head = (c->buf_head + data) % c->buf_cap;
		c->buf_len -= data;
		c->buf_seq += data;
	}
	c->snd_una = ack;
	if (tern_seq_lt(c->snd_nxt, ack))
		c->snd_nxt = ack;
	if (tern_seq_lt(c->snd_sml, ack))
		c->snd_sml = ack; /* never 2^31 behind: comparisons hold */
	c->rxt_watch = false;	  /* the resend of the old snd_una arrived */
	if (c->n_sacked)
		tcp_sack_prune(c);
	c->backoff = 0;
	if (c->in_recovery) {
		if (tern_seq_geq(ack, c->recover)) {
			/* Full ACK: leave recovery (RFC 6582 3.2 (3)). */
			c->cwnd = TERN_MIN(c->ssthresh,
					   tcp_in_flight(c) + c->mss);
			c->in_recovery = false;
			c->dupacks = 0;
		} else if (!c->sack_ok) {
			/* Partial ACK: the next hole is lost too. SACK
			 * recovery needs nothing here: tcp_output sends
			 * what the scoreboard says. */
			resend_first(c);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked + c->mss
						  : c->mss;
		}
	} else {
		c->dupacks = 0;
		if (data > 0) /* a SYN or FIN grows no window */
			c->cc->on_ack(c, data);
	}
	/* RFC 6298 5.3: restart the timer on new data acknowledged. */
	if (c->job == TJ_RTO || c->job == TJ_TLP)
		tcp_timer_set(c, TJ_NONE, 0);
	if (c->tlp_out && tern_seq_geq(ack, c->tlp_high))
		c->tlp_out = false; /* the probe was answered */
	if (data > 0)
		tcp_notify(c, TERN_TCP_EV_WRITE);
}

/* Enters fast recovery (RFC 5681 3.2, RFC 6582; with SACK, RFC 6675). */
static void enter_recovery(struct tern_tcp *c)
{
	NET_STAT(c->net, tcp_fast_retransmits);
	c->cc->on_loss(c);
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->rtt_timing = false;
	if (c->sack_ok) {
		NET_STAT(c->net, tcp_sack_recoveries);
		tcp_sack_enter_recovery(c);
	} else {
		resend_first(c);
	}
}

/* True if a loss may start a recovery now: not again for losses of the
 * window that the last one covered (RFC 6582 4.1). */
static bool may_recover(const struct tern_tcp *c)
{
	return !c->in_recovery && tern_seq_gt(c->snd_una, c->recover);
}

void tcp_start_recovery(struct tern_tcp *c)
{
	if (may_recover(c))
		enter_recovery(c);
}

/* A duplicate ACK (RFC 5681 2): fast retransmit on the third, unless
 * RACK decides what is lost (it needs SACK blocks to judge by: without
 * any, the third duplicate still counts). */
static void dup_ack(struct tern_tcp *c)
{
	NET_STAT(c->net, tcp_dupacks);
	c->dupacks++;
	if (c->in_recovery) {
		if (!c->sack_ok)
			c->cwnd += c->mss; /* each dup ACK: a segment left */
		return;
	}
	if (c->dupacks == 3 && (!tcp_rack_enabled(c) || c->n_sacked == 0) &&
	    may_recover(c))
		enter_recovery(c);
}

/* The ACK part of a segment in a synchronized state. Returns false if
 * the segment is to be dropped. */
static bool ack_input(struct tern_tcp *c, const struct tcp_seg *seg)
{
	uint32_t ack = seg->h.ack;
	uint32_t wnd = seg->wnd << c->snd_wscale;
	uint32_t max_wnd = TERN_MAX(c->snd_wnd_max, 65535u);
	uint32_t old_una = c->snd_una;
	bool sacked;

	if (tern_seq_gt(ack, c->snd_max)) {
		NET_STAT(c->net, tcp_bad_ack);
		c->ack_now = true;
		return false;
	}
	if (tern_seq_lt(ack, c->snd_una - max_wnd)) {
		NET_STAT(c->net, tcp_bad_ack);
		tcp_send_challenge_ack(c);
		return false;
	}
	sacked = tcp_sack_update(c, &seg->o);
	if (tern_seq_gt(ack, c->snd_una)) {
		ack_advance(c, seg, ack);
	} else if (ack == c->snd_una && seg->len == 0 &&
		   !(seg->h.flags & (SYN | FIN)) && wnd == c->snd_wnd &&
		   tcp_in_flight(c) > 0) {
		dup_ack(c);
	}
	/* RACK (RFC 8985) judges every ACK by time; without it, RFC 6675 5:
	 * a SACK report can show a loss before three duplicate ACKs do, and
	 * also in ACKs that carry data (which never count as duplicates). */
	if (tcp_rack_enabled(c)) {
		tcp_rack_ack(c, old_una);
		if (tcp_rack_detect(c))
			tcp_start_recovery(c);
	} else if (sacked && tcp_sack_lost(c) && may_recover(c)) {
		enter_recovery(c);
	} else if (sacked) {
		tcp_sack_check_resend(c);
	}
	if (tern_seq_lt(c->snd_wl1, seg->seq) ||
	    (c->snd_wl1 == seg->seq && tern_seq_leq(c->snd_wl2, ack))) {
		bool opened = c->snd_wnd == 0 && wnd > 0;

		c->snd_wnd = wnd;
		c->snd_wnd_max = TERN_MAX(c->snd_wnd_max, wnd);
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = ack;
		if (opened) {
			if (c->job == TJ_PERSIST)
				tcp_timer_set(c, TJ_NONE, 0);
			c->backoff = 0;
		}
	}
	return true;
}

/* ---- Data and FIN ------------------------------------------------------- */

/* The peer's FIN is at rcv_nxt: take it. */
static void fin_input(struct tern_tcp *c)
{
	c->rcv_nxt++;
	c->fin_received = true;
	c->ack_now = true;
	switch (c->state) {
	case TERN_TCP_SYN_RECEIVED:
	case TERN_TCP_ESTABLISHED:
		c->state = TERN_TCP_CLOSE_WAIT;
		break;
	case TERN_TCP_FIN_WAIT_1:
		if (fin_acked(c))
			tcp_enter_time_wait(c);
		else
			c->state = TERN_TCP_CLOSING;
		break;
	case TERN_TCP_FIN_WAIT_2:
		tcp_enter_time_wait(c);
		break;
	default:
		break;
	}
	tcp_notify(c, TERN_TCP_EV_READ | TERN_TCP_EV_STATE);
}

/* Whether holding pkt would take c's stack below the pool's reserve
 * (net_pool_low; out-of-order data keeps twice the reserve); counted in
 * tcp_pool_low. Refused data is resent by the peer. */
static bool pool_low(struct tern_tcp *c, const struct tern_pkt *pkt,
		     uint32_t div)
{
	if (!net_pool_low(pkt, div))
		return false;
	NET_STAT(c->net, tcp_pool_low);
	return true;
}

/* Frees c's out-of-order queue (RFC 2018 lets a receiver renege on what
 * it SACKed; the sender keeps data until it is cumulatively acked). */
static void prune_ooo(struct tern_tcp *c)
{
	c->net->stats.tcp_ooo_pruned += tern_pkt_free_list(&c->ooo);
	c->ooo_pkts = 0;
	c->ooo_bytes = 0;
}

/* Appends the in-order pkt (data at rcv_nxt, len bytes). Returns false
 * (pkt not taken) if the connection or the pool holds too many buffers. */
static bool queue_in_order(struct tern_tcp *c, struct tern_pkt *pkt)
{
	if (c->rxq_pkts >= c->net->cfg.tcp_rcv_pkts_max) {
		NET_STAT(c->net, tcp_rcvq_full);
		return false;
	}
	if (pool_low(c, pkt, NET_POOL_RESERVE)) {
		/* Out-of-order data waits for this very segment: let it go
		 * first, or every connection could hold its queue for good. */
		prune_ooo(c);
		if (pool_low(c, pkt, NET_POOL_RESERVE))
			return false;
	}
	tern_list_add_tail(&c->rxq, &pkt->link);
	c->rxq_pkts++;
	c->rxq_bytes += pkt->len;
	c->rcv_nxt += pkt->len;
	return true;
}

/* Moves segments that became in order from the out-of-order queue;
 * returns true if one carried the FIN. */
static bool drain_ooo(struct tern_tcp *c)
{
	while (!tern_list_empty(&c->ooo)) {
		struct tern_pkt *p =
			tern_list_entry(c->ooo.next, struct tern_pkt, link);
		uint32_t start = (uint32_t)p->cb[0];
		bool fin = p->cb[1] != 0;
		uint32_t cut;

		if (tern_seq_gt(start, c->rcv_nxt))
			return false;
		tern_list_del_init(&p->link);
		c->ooo_pkts--;
		c->ooo_bytes -= p->len;
		cut = c->rcv_nxt - start;
		if (cut >= p->len && !(fin && cut == p->len)) {
			tern_pkt_free(p); /* all old */
			continue;
		}
		tern_pkt_pull(p, TERN_MIN(cut, p->len));
		if (p->len == 0 || !queue_in_order(c, p))
			tern_pkt_free(p);
		if (fin)
			return true;
	}
	return false;
}

/* Queues an out-of-order segment (data at seq, fin) by sequence number;
 * returns false (pkt not taken) when the queue is full or it adds
 * nothing. */
static bool queue_ooo(struct tern_tcp *c, struct tern_pkt *pkt, uint32_t seq,
		      bool fin)
{
	struct tern_list *at = &c->ooo;

	if (c->ooo_pkts >= c->net->cfg.tcp_ooo_max) {
		NET_STAT(c->net, tcp_ooo_full);
		return false;
	}
	if (pool_low(c, pkt, NET_POOL_RESERVE / 2))
		return false;
	tern_list_for_each(it, &c->ooo) {
		struct tern_pkt *p = tern_list_entry(it, struct tern_pkt, link);
		uint32_t start = (uint32_t)p->cb[0];

		if (tern_seq_leq(start, seq) &&
		    tern_seq_geq(start + p->len, seq + pkt->len) &&
		    (!fin || p->cb[1]))
			return false; /* a duplicate */
		if (tern_seq_gt(start, seq)) {
			at = it;
			break;
		}
	}
	pkt->cb[0] = seq;
	pkt->cb[1] = fin;
	c->sack_recent = seq;
	tern_list_add_tail(at, &pkt->link);
	c->ooo_pkts++;
	c->ooo_bytes += pkt->len;
	NET_STAT(c->net, tcp_ooo_rx);
	return true;
}

/* A second full segment arrived in order (RFC 5681 4.2: ACK at least
 * every second one). Inside a receive batch the ACK waits for the batch's
 * end (tcp_batch_end), so a burst of in-order segments draws one ACK, as
 * Linux's GRO gives one per merged segment of up to 64 KiB: on a TAP each
 * ACK is a system call. The stretch stops at TCP_STRETCH_SEGS, the
 * segments GRO merges. Out-of-order data, a filled hole and a FIN are
 * still answered at once (the sender's duplicate-ACK and SACK loss
 * detection need them). */
static void ack_every_second(struct tern_tcp *c)
{
	if (c->net->batch_depth == 0 || c->unacked_segs >= TCP_STRETCH_SEGS) {
		c->ack_now = true;
		return;
	}
	if (!tern_list_linked(&c->ack_link))
		tern_list_add_tail(&c->net->tcp->ack_due, &c->ack_link);
}

/* The text and FIN of a segment in a synchronized state (RFC 9293
 * 3.10.7.4, seventh and eighth steps). Returns true if pkt was taken. */
static bool data_input(struct tern_tcp *c, struct tcp_seg *seg,
		       struct tern_pkt *pkt)
{
	uint32_t seq = seg->seq + ((seg->h.flags & SYN) ? 1 : 0);
	bool fin = seg->h.flags & FIN;
	uint32_t right = c->rcv_adv;
	bool taken = false;

	switch (c->state) {
	case TERN_TCP_ESTABLISHED:
	case TERN_TCP_FIN_WAIT_1:
	case TERN_TCP_FIN_WAIT_2:
	case TERN_TCP_SYN_RECEIVED:
		break;
	default:
		/* The peer's FIN came already: ignore text; a retransmitted
		 * FIN gets its ACK again. */
		if (fin || seg->len)
			c->ack_now = true;
		return false;
	}
	if (seg->len > 0 && c->user_closed) {
		/* Data for a handle nobody reads any more (RFC 9293 3.10.4). */
		tcp_send_rst_for(c);
		tcp_conn_done(c, -TERN_ECONNRESET);
		return false;
	}
	/* Trim what we have, then what the window does not cover. */
	if (tern_seq_lt(seq, c->rcv_nxt)) {
		uint32_t cut = TERN_MIN(c->rcv_nxt - seq, (uint32_t)pkt->len);

		tern_pkt_pull(pkt, cut);
		seq += cut;
	}
	if (tern_seq_lt(right, c->rcv_nxt))
		right = c->rcv_nxt;
	if (tern_seq_gt(seq + pkt->len, right)) {
		uint32_t keep = tern_seq_gt(right, seq) ? right - seq : 0;

		NET_STAT(c->net, tcp_after_wnd);
		tern_pkt_trim(pkt, keep);
		fin = false;
	}
	if (pkt->len == 0 && !fin) {
		if (seg->len > 0)
			c->ack_now = true; /* all old: tell them again */
		return false;
	}
	if (seq != c->rcv_nxt) {
		taken = queue_ooo(c, pkt, seq, fin);
		c->ack_now = true; /* a duplicate ACK with SACK blocks */
		return taken;
	}
	if (pkt->len > 0) {
		bool hole = !tern_list_empty(&c->ooo);

		taken = queue_in_order(c, pkt);
		if (!taken) {
			c->ack_now = true;
			return false;
		}
		if (drain_ooo(c))
			fin = true;
		c->unacked_segs++;
		if (hole || fin)
			c->ack_now = true;
		else if (c->unacked_segs >= 2)
			ack_every_second(c);
		else
			tcp_delack_arm(c);
		tcp_notify(c, TERN_TCP_EV_READ);
	}
	if (fin)
		fin_input(c);
	return taken;
}

/* ---- Synchronized states ------------------------------------------------ */

/* RFC 9293's acceptability test against the window we advertised. */
static bool acceptable(const struct tern_tcp *c, const struct tcp_seg *seg)
{
	uint32_t wnd = tern_seq_gt(c->rcv_adv, c->rcv_nxt)
			       ? c->rcv_adv - c->rcv_nxt
			       : 0;
	uint32_t seglen = seg->end - seg->seq;

	if (seglen == 0 && wnd == 0)
		return seg->seq == c->rcv_nxt;
	if (seglen == 0)
		return tern_seq_in(seg->seq, c->rcv_nxt, c->rcv_nxt + wnd);
	if (wnd == 0)
		return false;
	return tern_seq_in(seg->seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
	       tern_seq_in(seg->end - 1, c->rcv_nxt, c->rcv_nxt + wnd);
}

/* An RST that matches rcv_nxt ends the connection. */
static void reset_input(struct tern_tcp *c)
{
	NET_STAT(c->net, tcp_rst_rx);
	switch (c->state) {
	case TERN_TCP_SYN_RECEIVED:
		if (c->parent) {
			tcp_conn_done(c, 0); /* back to LISTEN: forget it */
			return;
		}
		NET_STAT(c->net, tcp_resets);
		tcp_conn_done(c, -TERN_ECONNREFUSED);
		return;
	case TERN_TCP_CLOSING:
	case TERN_TCP_LAST_ACK:
		tcp_conn_done(c, 0);
		return;
	default:
		NET_STAT(c->net, tcp_resets);
		tcp_conn_done(c, -TERN_ECONNRESET);
		return;
	}
}

/* SYN-RECEIVED: an ACK of our SYN completes the handshake. Returns false
 * if the segment is to be dropped. */
static bool syn_received_ack(struct tern_tcp *c, const struct ip_rx *rx,
			     const struct tcp_seg *seg)
{
	struct tern_tcp *l = c->parent;

	if (!tern_seq_in(seg->h.ack, c->snd_una + 1, c->snd_max + 1)) {
		tcp_send_reset(c->net, rx, seg);
		return false;
	}
	if (l && l->accept_len >= l->backlog) {
		NET_STAT(c->net, tcp_listen_overflow);
		return false; /* the peer resends; maybe room then */
	}
	c->state = TERN_TCP_ESTABLISHED;
	tcp_rto_after_handshake(c);
	c->snd_wnd = seg->wnd << c->snd_wscale;
	c->snd_wnd_max = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->h.ack;
	if (l) {
		tern_list_del_init(&c->child_link);
		l->syn_len--;
		tern_list_add_tail(&l->accept_q, &c->child_link);
		l->accept_len++;
		c->queued = true;
		tcp_notify(l, TERN_TCP_EV_READ);
	} else {
		tcp_notify(c, TERN_TCP_EV_STATE | TERN_TCP_EV_WRITE);
	}
	return true;
}

/* State changes once our FIN is acknowledged. Returns false if the
 * connection ended. */
static bool fin_ack_input(struct tern_tcp *c)
{
	if (!fin_acked(c))
		return true;
	switch (c->state) {
	case TERN_TCP_FIN_WAIT_1:
		c->state = TERN_TCP_FIN_WAIT_2;
		tcp_fin_wait2_check(c);
		tcp_notify(c, TERN_TCP_EV_STATE);
		return true;
	case TERN_TCP_CLOSING:
		tcp_enter_time_wait(c);
		return true;
	case TERN_TCP_LAST_ACK:
		tcp_conn_done(c, 0);
		return false;
	default:
		return true;
	}
}

static bool synchronized_input(struct tern_tcp *c, const struct ip_rx *rx,
			       struct tcp_seg *seg, struct tern_pkt *pkt)
{
	uint8_t f = seg->h.flags;

	/* Our SYN-ACK was lost: the peer sends its SYN again. */
	if (c->state == TERN_TCP_SYN_RECEIVED && (f & SYN) && !(f & ACK) &&
	    seg->seq == c->irs) {
		c->snd_nxt = c->iss;
		tcp_output(c);
		return false;
	}
	/* PAWS (RFC 7323 5.3). */
	if (c->ts_ok && seg->has_opts_ts && !(f & RST) &&
	    tern_seq_lt(seg->o.ts_val, c->ts_recent)) {
		NET_STAT(c->net, tcp_paws);
		c->ack_now = true;
		tcp_output(c);
		return false;
	}
	if (!acceptable(c, seg)) {
		NET_STAT(c->net, tcp_bad_seq);
		if (f & RST)
			return false;
		/* A SYN draws a challenge ACK (RFC 5961 4.2); so does an
		 * empty segment, rate-limited, which breaks ACK loops and
		 * blind floods (Linux's tcp_invalid_ratelimit). Old data
		 * is always answered: its sender lost our ACK. */
		if ((f & SYN) || (seg->len == 0 && !(f & FIN))) {
			tcp_send_challenge_ack(c);
			return false;
		}
		c->ack_now = true;
		tcp_output(c);
		return false;
	}
	if (f & RST) {
		if (seg->seq == c->rcv_nxt)
			reset_input(c);
		else
			tcp_send_challenge_ack(c);
		return false;
	}
	if (f & SYN) {
		tcp_send_challenge_ack(c);
		return false;
	}
	/* RFC 7323 3.2: once timestamps are negotiated, a non-RST segment
	 * without one is dropped silently (FreeBSD and gVisor do; Linux
	 * takes it). Only here, after the window test: an old segment
	 * without one - a keepalive probe from a stack that leaves it off -
	 * still draws its ACK above, so no connection dies of it. */
	if (c->ts_ok && !seg->has_opts_ts) {
		NET_STAT(c->net, tcp_ts_missing);
		return false;
	}
	if (!(f & ACK))
		return false;
	c->last_rx = c->net->now; /* keepalive: the peer is alive */
	c->ka_sent = 0;
	c->persist_sent = 0;
	/* RFC 7323 4.3: remember the timestamp of an in-order segment. */
	if (c->ts_ok && seg->has_opts_ts && tern_seq_leq(seg->seq, c->rcv_nxt))
		c->ts_recent = seg->o.ts_val;
	if (c->state == TERN_TCP_SYN_RECEIVED && !syn_received_ack(c, rx, seg))
		return false;
	if (!ack_input(c, seg))
		goto out;
	if (!fin_ack_input(c))
		return false;
	if (data_input(c, seg, pkt)) {
		if (c->state != TERN_TCP_CLOSED)
			tcp_output(c);
		return true;
	}
out:
	if (c->state != TERN_TCP_CLOSED)
		tcp_output(c);
	return false;
}

/* ---- SYN-SENT ----------------------------------------------------------- */

static void syn_sent_input(struct tern_tcp *c, const struct ip_rx *rx,
			   const struct tcp_seg *seg)
{
	uint8_t f = seg->h.flags;

	if ((f & ACK) && !tern_seq_in(seg->h.ack, c->iss + 1, c->snd_max + 1)) {
		NET_STAT(c->net, tcp_bad_syn_ack);
		if (!(f & RST))
			tcp_send_reset(c->net, rx, seg);
		return;
	}
	if (f & RST) {
		if (f & ACK) {
			NET_STAT(c->net, tcp_rst_rx);
			NET_STAT(c->net, tcp_resets);
			tcp_conn_done(c, -TERN_ECONNREFUSED);
		}
		return;
	}
	if (!(f & SYN))
		return;
	take_syn_opts(c, seg);
	c->cc->init(c);
	c->irs = seg->seq;
	c->rcv_nxt = c->rcv_adv = seg->seq + 1;
	c->snd_wnd = seg->wnd; /* not scaled on a SYN */
	c->snd_wnd_max = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	if (f & ACK) {
		struct tcp_seg s = *seg;

		s.len = 0;
		ack_advance(c, &s, seg->h.ack);
		c->snd_wl2 = seg->h.ack;
		c->state = TERN_TCP_ESTABLISHED;
		tcp_rto_after_handshake(c);
		c->ack_now = true;
		tcp_notify(c, TERN_TCP_EV_STATE | TERN_TCP_EV_WRITE);
		tcp_output(c);
		return;
	}
	/* Simultaneous open: answer with SYN-ACK from the same ISN. */
	c->state = TERN_TCP_SYN_RECEIVED;
	c->snd_nxt = c->iss;
	tcp_timer_set(c, TJ_NONE, 0);
	tcp_output(c);
}

/* ---- TIME-WAIT ---------------------------------------------------------- */

/* Returns true if the SYN may open a new connection over this one (RFC
 * 6191 with timestamps; without them a sequence number above ours). */
static bool time_wait_reusable(const struct tern_tcp *c,
			       const struct tcp_seg *seg)
{
	if (c->ts_ok && seg->has_opts_ts)
		return tern_seq_gt(seg->o.ts_val, c->ts_recent);
	return !seg->has_opts_ts && tern_seq_gt(seg->seq, c->rcv_nxt);
}

/* TIME_WAIT on a connection whose handle is still held (the released
 * ones are in tcp_tw.c, which answers the same way). Returns true if the
 * segment should go on to the listener. */
static bool time_wait_input(struct tern_tcp *c, const struct tcp_seg *seg)
{
	uint8_t f = seg->h.flags;

	if (f & RST)
		return false; /* RFC 1337: no assassination */
	if ((f & SYN) && !(f & ACK) && time_wait_reusable(c, seg)) {
		NET_STAT(c->net, tcp_tw_reused);
		tcp_conn_done(c, 0);
		return true;
	}
	if (f & FIN) /* a retransmitted FIN: ACK it, wait 2 MSL again */
		tcp_enter_time_wait(c);
	tcp_send_ack(c);
	return false;
}

/* ---- Entry -------------------------------------------------------------- */

void tcp_input(struct ip_rx *rx, struct tern_pkt *pkt)
{
	struct tern_net *net = rx->ifc->net;
	struct tern_tcp *c, *l;
	struct tcp_seg seg;
	bool taken = false;

	if (!parse(net, rx, pkt, &seg))
		goto drop;
	NET_STAT(net, tcp_rx);
	c = tcp_lookup(net, seg.dst, seg.h.dport, seg.src, seg.h.sport);
	if (c && c->state == TERN_TCP_TIME_WAIT) {
		if (!time_wait_input(c, &seg))
			goto drop;
		c = NULL;
	}
	if (!c) {
		struct tcp_tw *tw = tcp_tw_lookup(net, seg.dst, seg.h.dport,
						  seg.src, seg.h.sport);

		if (tw && !tcp_tw_input(net, tw, rx, &seg))
			goto drop;
	}
	if (!c) {
		l = tcp_lookup_listener(net, seg.dst, seg.h.dport);
		/* The ACK of a SYN-ACK that a cookie stood for. */
		if (l && (seg.h.flags & (SYN | RST | ACK)) == ACK)
			c = tcp_cookie_open(l, rx, &seg);
		if (!c && l) {
			taken = listen_input(l, rx, &seg, pkt);
			goto drop;
		}
		if (!c) {
			NET_STAT(net, tcp_no_port);
			tcp_send_reset(net, rx, &seg);
			goto drop;
		}
	}
	if (c->state == TERN_TCP_SYN_SENT)
		syn_sent_input(c, rx, &seg);
	else
		taken = synchronized_input(c, rx, &seg, pkt);
	/* A released connection that just reached TIME_WAIT moves to the
	 * table now that everything it had to send is out. */
	if (c->in_use && c->user_closed && c->state == TERN_TCP_TIME_WAIT)
		tcp_tw_enter(c);
drop:
	if (!taken)
		tern_pkt_free(pkt);
}

/* ---- ICMP errors -------------------------------------------------------- */

void tcp_icmp_error(struct tern_net *net, uint32_t src, uint32_t dst,
		    uint16_t sport, uint16_t dport, uint32_t seq, uint8_t type,
		    uint8_t code, uint16_t mtu)
{
	struct tern_tcp *c = tcp_lookup(net, src, sport, dst, dport);

	/* RFC 5927 4.1: only about a segment still in flight. */
	if (!c || type != TERN_ICMP_DEST_UNREACH ||
	    !tern_seq_in(seq, c->snd_una, c->snd_max))
		return;
	NET_STAT(net, tcp_icmp_errors);
	if (code == TERN_ICMP_FRAG_NEEDED) {
		uint32_t mss = mtu > TERN_IPV4_HLEN + TERN_TCP_HLEN + 68
				       ? mtu - TERN_IPV4_HLEN - TERN_TCP_HLEN
				       : 0;

		if (c->ts_ok && mss)
			mss -= 12;
		if (mss >= TCP_MIN_MSS && mss < c->mss) {
			c->mss = (uint16_t)mss;
			/* Resend at the new size, go-back-N, as after a
			 * timeout. */
			c->snd_nxt = c->snd_una;
			c->recover = c->snd_max;
			c->in_recovery = false;
			tcp_sack_clear(c);
			tcp_output(c);
		}
		return;
	}
	/* Hard errors end a connection only while it is being opened. */
	if (c->state == TERN_TCP_SYN_SENT &&
	    (code == TERN_ICMP_PROTO_UNREACH || code == TERN_ICMP_PORT_UNREACH))
		tcp_conn_done(c, -TERN_ECONNREFUSED);
}
