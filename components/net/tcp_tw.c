/*
 * tcp_tw.c - the TIME_WAIT table: connections that finished their close
 * and whose handles were released wait out 2 MSL here, in a 72-byte entry
 * each, instead of holding a connection and its send ring.
 *
 * An entry answers what TIME_WAIT must (RFC 9293 3.10.7.4): a
 * retransmitted FIN is acknowledged again and restarts the 2 MSL; any
 * other segment but a RST draws an ACK; a RST is ignored (RFC 1337); a SYN
 * with a newer timestamp (RFC 6191) or, without timestamps, a sequence
 * number above ours ends the entry so the listener can take it.
 *
 * Entries sit in a hash by 4-tuple (SipHash under the connection table's
 * key, so a peer cannot aim at one bucket) and on one list in expiry
 * order, watched by a single wheel timer at the oldest. Since every
 * entry lasts the same 2 MSL, an entry almost always goes at the tail;
 * when the table is full the oldest is cut short (tcp_tw_evicted), so
 * closing connections never fails.
 */
#include <string.h>

#include "tern/byteorder.h"
#include "tern/err.h"

#include "tcp_int.h"

static struct tern_list *tw_bucket(struct tcp_core *t, uint32_t laddr,
				   uint16_t lport, uint32_t raddr,
				   uint16_t rport)
{
	uint64_t h = tern_siphash_3u32(&t->hash_key, laddr, raddr,
				       (uint32_t)lport << 16 | rport);

	return &t->tw_hash[h & t->tw_hash_mask];
}

/* Returns tw to the free list. */
static void tw_free(struct tcp_core *t, struct tcp_tw *tw)
{
	tern_list_del_init(&tw->link);
	tern_list_del_init(&tw->age);
	tern_list_add_tail(&t->tw_free, &tw->link);
	t->tw_in_use--;
}

/* Keeps the table's timer at the oldest entry's expiry. */
static void tw_rearm(struct tern_net *net)
{
	struct tcp_core *t = net->tcp;
	struct tcp_tw *oldest;

	if (tern_list_empty(&t->tw_age)) {
		tern_timer_cancel(&net->wheel, &t->tw_timer);
		return;
	}
	oldest = tern_list_entry(tern_list_first(&t->tw_age), struct tcp_tw,
				 age);
	if (!tern_timer_armed(&t->tw_timer) ||
	    tern_timer_deadline(&t->tw_timer) != oldest->expires) {
		tern_timer_arm(&net->wheel, &t->tw_timer, oldest->expires);
		net_note_deadline(net, oldest->expires);
	}
}

/* Frees every entry whose 2 MSL ended. */
static void tw_expired(struct tern_timer *timer, uint64_t now)
{
	struct tern_net *net = timer->ctx;
	struct tcp_core *t = net->tcp;

	net_set_now(net, now);
	while (!tern_list_empty(&t->tw_age)) {
		struct tcp_tw *tw = tern_list_entry(tern_list_first(&t->tw_age),
						    struct tcp_tw, age);

		if (tw->expires > now)
			break;
		tw_free(t, tw);
	}
	tw_rearm(net);
}

/* Puts tw on the age list in expiry order, searching from the newest. */
static void tw_age_insert(struct tcp_core *t, struct tcp_tw *tw)
{
	struct tern_list *it = t->tw_age.prev;

	while (it != &t->tw_age &&
	       tern_list_entry(it, struct tcp_tw, age)->expires > tw->expires)
		it = it->prev;
	tern_list_add(it, &tw->age);
}

int tcp_tw_init(struct tern_net *net)
{
	struct tcp_core *t = net->tcp;
	uint32_t n = net->cfg.tcp_time_wait_max, buckets = 1;

	while (buckets < n)
		buckets <<= 1;
	t->n_tw = n;
	t->tw_hash_mask = buckets - 1;
	t->tw_size = (size_t)n * sizeof(struct tcp_tw);
	t->tw_hash_size = (size_t)buckets * sizeof(struct tern_list);
	t->tw = tern_mem_alloc(t->tw_size); /* zeroed */
	t->tw_hash = tern_mem_alloc(t->tw_hash_size);
	if (!t->tw || !t->tw_hash)
		return -TERN_ENOMEM;
	tern_list_init(&t->tw_free);
	tern_list_init(&t->tw_age);
	for (uint32_t i = 0; i < buckets; i++)
		tern_list_init(&t->tw_hash[i]);
	for (uint32_t i = 0; i < n; i++) {
		tern_list_init(&t->tw[i].age);
		tern_list_add_tail(&t->tw_free, &t->tw[i].link);
	}
	tern_timer_init(&t->tw_timer, tw_expired, net);
	return 0;
}

void tcp_tw_fini(struct tern_net *net)
{
	struct tcp_core *t = net->tcp;

	if (t->tw_hash)
		tern_timer_cancel(&net->wheel, &t->tw_timer);
	if (t->tw)
		tern_mem_free(t->tw, t->tw_size);
	if (t->tw_hash)
		tern_mem_free(t->tw_hash, t->tw_hash_size);
	t->tw = NULL;
	t->tw_hash = NULL;
	t->tw_in_use = 0;
}

void tcp_tw_enter(struct tern_tcp *c)
{
	struct tern_net *net = c->net;
	struct tcp_core *t = net->tcp;
	struct tcp_tw *tw;

	if (tern_list_empty(&t->tw_free)) {
		NET_STAT(net, tcp_tw_evicted);
		tw_free(t, tern_list_entry(tern_list_first(&t->tw_age),
					   struct tcp_tw, age));
	}
	tw = tern_list_entry(tern_list_pop(&t->tw_free), struct tcp_tw, link);
	t->tw_in_use++;
	tw->expires = tern_timer_deadline(&c->timer);
	tw->laddr = c->laddr;
	tw->raddr = c->raddr;
	tw->lport = c->lport;
	tw->rport = c->rport;
	tw->snd_nxt = c->snd_nxt;
	tw->rcv_nxt = c->rcv_nxt;
	tw->ts_recent = c->ts_recent;
	tw->ts_offset = c->ts_offset;
	tw->ts_ok = c->ts_ok;
	tw->win =
		(uint16_t)TERN_MIN(tcp_rcv_window(c) >> c->rcv_wscale, 0xffffu);
	tern_list_add_tail(tw_bucket(t, tw->laddr, tw->lport, tw->raddr,
				     tw->rport),
			   &tw->link);
	tw_age_insert(t, tw);
	tcp_conn_done(c, 0);
	tw_rearm(net);
}

struct tcp_tw *tcp_tw_lookup(struct tern_net *net, uint32_t laddr,
			     uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcp_core *t = net->tcp;

	if (t->tw_in_use == 0)
		return NULL;
	tern_list_for_each(it, tw_bucket(t, laddr, lport, raddr, rport)) {
		struct tcp_tw *tw = tern_list_entry(it, struct tcp_tw, link);

		if (tw->lport == lport && tw->rport == rport &&
		    tw->laddr == laddr && tw->raddr == raddr)
			return tw;
	}
	return NULL;
}

/* Sends tw's ACK (with timestamps if they were on) back the way rx came. */
static void tw_send_ack(struct tern_net *net, const struct tcp_tw *tw,
			const struct ip_rx *rx)
{
	struct tern_tcp_opts o;
	struct tern_tcp_hdr h;
	struct ip_route rt;
	struct tern_pkt *pkt;
	size_t olen;
	uint8_t *p;

	if (ip_route(net, tw->raddr, (int)rx->ifc->index, &rt) < 0)
		return;
	pkt = net_alloc(net, TERN_NET_HEADROOM);
	if (!pkt) {
		NET_STAT(net, tcp_nobuf);
		return;
	}
	memset(&o, 0, sizeof(o));
	if (tw->ts_ok) {
		o.present = TERN_TCP_HAS_TS;
		o.ts_val = (uint32_t)(net->now / TERN_NSEC_PER_MSEC) +
			   tw->ts_offset;
		o.ts_ecr = tw->ts_recent;
	}
	olen = tern_tcp_opts_len(&o, false);
	p = tern_pkt_push(pkt, (uint32_t)(TERN_TCP_HLEN + olen));
	memset(&h, 0, sizeof(h));
	h.sport = tw->lport;
	h.dport = tw->rport;
	h.seq = tw->snd_nxt;
	h.ack = tw->rcv_nxt;
	h.hlen = (uint8_t)(TERN_TCP_HLEN + olen);
	h.flags = TERN_TCP_ACK;
	h.win = tw->win;
	tern_tcp_hdr_emit(&h, p);
	tern_tcp_opts_emit(&o, false, p + TERN_TCP_HLEN);
	tern_store_be16(p + 16, tern_tcp_cksum(tw->laddr, tw->raddr, p,
					       pkt->len, NULL, 0));
	tcp_ip_send(net, &rt, tw->laddr, tw->raddr, TERN_TCP_ACK, pkt);
}

/* RFC 6191 with timestamps; without them a sequence number above ours. */
static bool tw_reusable(const struct tcp_tw *tw, const struct tcp_seg *seg)
{
	if (tw->ts_ok && seg->has_opts_ts)
		return tern_seq_gt(seg->o.ts_val, tw->ts_recent);
	return !seg->has_opts_ts && tern_seq_gt(seg->seq, tw->rcv_nxt);
}

bool tcp_tw_input(struct tern_net *net, struct tcp_tw *tw,
		  const struct ip_rx *rx, const struct tcp_seg *seg)
{
	struct tcp_core *t = net->tcp;
	uint8_t f = seg->h.flags;

	if (f & TERN_TCP_RST)
		return false; /* RFC 1337: no assassination */
	if ((f & TERN_TCP_SYN) && !(f & TERN_TCP_ACK) && tw_reusable(tw, seg)) {
		NET_STAT(net, tcp_tw_reused);
		tw_free(t, tw);
		tw_rearm(net);
		return true;
	}
	if (tw->ts_ok && seg->has_opts_ts &&
	    tern_seq_geq(seg->o.ts_val, tw->ts_recent))
		tw->ts_recent = seg->o.ts_val;
	if (f & TERN_TCP_FIN) {
		/* A retransmitted FIN: our ACK was lost; 2 MSL again. */
		tern_list_del_init(&tw->age);
		tw->expires = net->now + 2 * net->cfg.tcp_msl_ns;
		tw_age_insert(t, tw);
		tw_rearm(net);
	}
	tw_send_ack(net, tw, rx);
	return false;
}

uint32_t tern_tcp_time_wait_count(const struct tern_net *net)
{
	return net->tcp->tw_in_use;
}
