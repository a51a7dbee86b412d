/*
 * tcp.c - TCP's connection table and the API of tcp.h: the pool of
 * connections, the 4-tuple hash, listeners, ISNs and ephemeral ports, and
 * the calls that open, feed, drain and close connections.
 *
 * The hash has a power of two >= cfg.tcp_conns buckets, indexed by SipHash
 * of the 4-tuple under a key from the stack's seed, so a peer cannot aim
 * its connections at one bucket. Listeners sit on their own short list.
 *
 * Ephemeral ports come from the stack's allocator (ports.c, RFC 6056
 * algorithm 3, shared with UDP): free means no connection, TIME_WAIT
 * entry (tcp_tw.c) or listener on the 4-tuple.
 */
#include <string.h>

#include "tern/assert.h"
#include "tern/err.h"
#include "tern/udp.h"

#include "tcp_int.h"

static const char *const state_names[] = {
	[TERN_TCP_CLOSED] = "CLOSED",
	[TERN_TCP_LISTEN] = "LISTEN",
	[TERN_TCP_SYN_SENT] = "SYN_SENT",
	[TERN_TCP_SYN_RECEIVED] = "SYN_RECEIVED",
	[TERN_TCP_ESTABLISHED] = "ESTABLISHED",
	[TERN_TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TERN_TCP_FIN_WAIT_2] = "FIN_WAIT_2",
	[TERN_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TERN_TCP_CLOSING] = "CLOSING",
	[TERN_TCP_LAST_ACK] = "LAST_ACK",
	[TERN_TCP_TIME_WAIT] = "TIME_WAIT",
};

const char *tern_tcp_state_name(enum tern_tcp_state s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[s];
}

/* ---- The table ---------------------------------------------------------- */

/* A 128-bit key drawn from the stack's PRNG (seeded from cfg.seed). */
static void draw_key(struct tern_net *net, struct tern_siphash_key *k)
{
	k->k0 = tern_rand_u64(&net->rand);
	k->k1 = tern_rand_u64(&net->rand);
}

int tcp_init(struct tern_net *net)
{
	struct tcp_core *t;
	uint32_t n = net->cfg.tcp_conns, buckets = 1;

	t = tern_mem_alloc(sizeof(*t)); /* zeroed, as are the conns */
	if (!t)
		return -TERN_ENOMEM;
	while (buckets < n)
		buckets <<= 1;
	t->n_conns = n;
	t->hash_mask = buckets - 1;
	t->conns_size = (size_t)n * sizeof(struct tern_tcp);
	t->rings_size = (size_t)n * net->cfg.tcp_sndbuf;
	t->hash_size = (size_t)buckets * sizeof(struct tern_list);
	t->conns = tern_mem_alloc(t->conns_size);
	t->rings = tern_mem_alloc_buffers(t->rings_size); /* data only */
	t->hash = tern_mem_alloc(t->hash_size);
	if (!t->conns || !t->rings || !t->hash) {
		net->tcp = t;
		tcp_fini(net);
		return -TERN_ENOMEM;
	}
	tern_list_init(&t->free);
	tern_list_init(&t->listeners);
	tern_list_init(&t->ack_due);
	for (uint32_t i = 0; i < buckets; i++)
		tern_list_init(&t->hash[i]);
	for (uint32_t i = 0; i < n; i++) {
		struct tern_tcp *c = &t->conns[i];

		c->net = net;
		c->buf = t->rings + (size_t)i * net->cfg.tcp_sndbuf;
		tern_list_add_tail(&t->free, &c->link);
	}
	draw_key(net, &t->hash_key);
	draw_key(net, &t->isn_key);
	draw_key(net, &t->cookie_key);
	net->tcp = t;
	if (tcp_tw_init(net) < 0) {
		tcp_fini(net);
		return -TERN_ENOMEM;
	}
	return 0;
}

void tcp_fini(struct tern_net *net)
{
	struct tcp_core *t = net->tcp;

	if (!t)
		return;
	if (t->conns) {
		/* Connections the stack still finishes on its own (closed
		 * handles in TIME_WAIT or in a FIN handshake) are dropped;
		 * an open handle is the caller's bug. */
		for (uint32_t i = 0; i < t->n_conns; i++) {
			struct tern_tcp *c = &t->conns[i];

			if (!c->in_use)
				continue;
			TERN_ASSERT(c->user_closed || c->parent);
			c->user_closed = true;
			tcp_conn_done(c, 0);
		}
	}
	tcp_tw_fini(net);
	if (t->conns)
		tern_mem_free(t->conns, t->conns_size);
	if (t->rings)
		tern_mem_free(t->rings, t->rings_size);
	if (t->hash)
		tern_mem_free(t->hash, t->hash_size);
	tern_mem_free(t, sizeof(*t));
	net->tcp = NULL;
}

static struct tern_list *bucket(struct tcp_core *t, uint32_t laddr,
				uint16_t lport, uint32_t raddr, uint16_t rport)
{
	uint64_t h = tern_siphash_3u32(&t->hash_key, laddr, raddr,
				       (uint32_t)lport << 16 | rport);

	return &t->hash[h & t->hash_mask];
}

struct tern_tcp *tcp_lookup(struct tern_net *net, uint32_t laddr,
			    uint16_t lport, uint32_t raddr, uint16_t rport)
{
	tern_list_for_each(it, bucket(net->tcp, laddr, lport, raddr, rport)) {
		struct tern_tcp *c = tern_list_entry(it, struct tern_tcp, link);

		if (c->lport == lport && c->rport == rport &&
		    c->laddr == laddr && c->raddr == raddr)
			return c;
	}
	return NULL;
}

struct tern_tcp *tcp_lookup_listener(struct tern_net *net, uint32_t laddr,
				     uint16_t lport)
{
	struct tern_tcp *wild = NULL;

	tern_list_for_each(it, &net->tcp->listeners) {
		struct tern_tcp *l = tern_list_entry(it, struct tern_tcp, link);

		if (l->lport != lport)
			continue;
		if (l->laddr == laddr)
			return l;
		if (l->laddr == 0)
			wild = l;
	}
	return wild;
}

struct tern_tcp *tcp_conn_alloc(struct tern_net *net)
{
	struct tcp_core *t = net->tcp;
	struct tern_tcp *c;
	uint8_t *buf;

	if (tern_list_empty(&t->free)) {
		NET_STAT(net, tcp_conn_table_full);
		return NULL;
	}
	c = tern_list_entry(tern_list_pop(&t->free), struct tern_tcp, link);
	buf = c->buf;
	memset(c, 0, sizeof(*c));
	c->net = net;
	c->buf = buf;
	c->buf_cap = net->cfg.tcp_sndbuf;
	c->rcvbuf = net->cfg.tcp_rcvbuf;
	c->in_use = true;
	tern_list_init(&c->link);
	tern_list_init(&c->child_link);
	tern_list_init(&c->ack_link);
	tern_list_init(&c->rxq);
	tern_list_init(&c->ooo);
	tern_list_init(&c->syn_q);
	tern_list_init(&c->accept_q);
	tern_timer_init(&c->timer, tcp_timer_fired, c);
	tern_timer_init(&c->delack, tcp_delack_fired, c);
	t->in_use++;
	return c;
}

void tcp_conn_hash(struct tern_tcp *c, uint32_t laddr, uint16_t lport,
		   uint32_t raddr, uint16_t rport)
{
	c->laddr = laddr;
	c->lport = lport;
	c->raddr = raddr;
	c->rport = rport;
	tern_list_add_tail(bucket(c->net->tcp, laddr, lport, raddr, rport),
			   &c->link);
}

/* Returns c to the free list. */
static void conn_free(struct tern_tcp *c)
{
	struct tcp_core *t = c->net->tcp;

	c->in_use = false;
	t->in_use--;
	tern_list_add_tail(&t->free, &c->link);
}

/* Unlinks a listener's children: half-open ones are reset and freed,
 * accepted-but-waiting ones too (nobody holds their handle). */
static void drop_children(struct tern_tcp *l)
{
	struct tern_list *queues[] = { &l->syn_q, &l->accept_q };

	for (unsigned i = 0; i < 2; i++) {
		while (!tern_list_empty(queues[i])) {
			struct tern_tcp *c =
				tern_list_entry(tern_list_pop(queues[i]),
						struct tern_tcp, child_link);

			c->parent = NULL;
			c->user_closed = true;
			if (c->state != TERN_TCP_CLOSED)
				tcp_send_rst_for(c);
			tcp_conn_done(c, 0);
		}
	}
	l->syn_len = l->accept_len = 0;
}

void tcp_conn_done(struct tern_tcp *c, int err)
{
	struct tern_net *net = c->net;
	bool was_open = c->state != TERN_TCP_CLOSED;

	tern_timer_cancel(&net->wheel, &c->timer);
	tern_timer_cancel(&net->wheel, &c->delack);
	c->job = TJ_NONE;
	if (c->state == TERN_TCP_LISTEN)
		drop_children(c);
	if (tern_list_linked(&c->link))
		tern_list_del_init(&c->link);
	if (tern_list_linked(&c->ack_link))
		tern_list_del_init(&c->ack_link);
	if (c->parent) {
		/* A child that died before it was accepted. */
		tern_list_del_init(&c->child_link);
		if (c->queued)
			c->parent->accept_len--;
		else
			c->parent->syn_len--;
		c->parent = NULL;
		c->user_closed = true;
	}
	tern_pkt_free_list(&c->rxq);
	tern_pkt_free_list(&c->ooo);
	c->rxq_bytes = c->rxq_pkts = c->ooo_pkts = c->ooo_bytes = 0;
	c->buf_len = 0;
	c->state = TERN_TCP_CLOSED;
	if (err && !c->error)
		c->error = err;
	if (c->user_closed) {
		conn_free(c);
		return;
	}
	if (was_open)
		tcp_notify(c, TERN_TCP_EV_READ | TERN_TCP_EV_WRITE |
				      TERN_TCP_EV_STATE);
}

void tcp_notify(struct tern_tcp *c, unsigned events)
{
	if (c->notify && !c->user_closed)
		c->notify(c, events, c->notify_ctx);
}

uint32_t tcp_isn(struct tern_net *net, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport, uint64_t now)
{
	/* RFC 6528: ISN = M + F(4-tuple, secret), M a 4 us clock. */
	uint64_t f = tern_siphash_3u32(&net->tcp->isn_key, laddr, raddr,
				       (uint32_t)lport << 16 | rport);

	return (uint32_t)(now / 4000) + (uint32_t)f;
}

void tcp_conn_defaults(struct tern_tcp *c)
{
	const struct tern_net_config *cfg = &c->net->cfg;

	c->rto = cfg->tcp_rto_init_ns;
	c->mss = 536; /* RFC 9293 3.7.1 until the peer says */
	c->peer_mss = 536;
	c->cc = &tcp_cubic;
	c->ts_offset = (uint32_t)tern_rand_u64(&c->net->rand);
	/* The shift that lets the whole receive buffer be advertised. */
	while (c->rcv_wscale < TERN_TCP_WSCALE_MAX &&
	       (cfg->tcp_rcvbuf >> c->rcv_wscale) > 0xffff)
		c->rcv_wscale++;
}

/* ---- Listening and accepting -------------------------------------------- */

int tern_tcp_listen(struct tern_net *net, uint32_t addr, uint16_t port,
		    unsigned backlog, struct tern_tcp **out)
{
	struct tern_tcp *l;

	if (port == 0 || backlog == 0 || backlog > net->cfg.tcp_backlog_max)
		return -TERN_EINVAL;
	tern_list_for_each(it, &net->tcp->listeners) {
		struct tern_tcp *o = tern_list_entry(it, struct tern_tcp, link);

		if (o->lport == port && o->laddr == addr)
			return -TERN_EADDRINUSE;
	}
	l = tcp_conn_alloc(net);
	if (!l)
		return -TERN_ENOSPC;
	l->state = TERN_TCP_LISTEN;
	l->laddr = addr;
	l->lport = port;
	l->backlog = backlog;
	tern_list_add_tail(&net->tcp->listeners, &l->link);
	*out = l;
	return 0;
}

int tern_tcp_accept(struct tern_tcp *l, struct tern_tcp **out)
{
	struct tern_tcp *c;

	if (l->state != TERN_TCP_LISTEN)
		return -TERN_EINVAL;
	if (tern_list_empty(&l->accept_q))
		return -TERN_EAGAIN;
	c = tern_list_entry(tern_list_pop(&l->accept_q), struct tern_tcp,
			    child_link);
	l->accept_len--;
	c->parent = NULL;
	c->queued = false;
	*out = c;
	return 0;
}

/* ---- Connecting --------------------------------------------------------- */

static bool tuple_taken(struct tern_net *net, uint32_t laddr, uint16_t lport,
			uint32_t raddr, uint16_t rport)
{
	return tcp_lookup(net, laddr, lport, raddr, rport) != NULL ||
	       tcp_tw_lookup(net, laddr, lport, raddr, rport) != NULL ||
	       tcp_lookup_listener(net, laddr, lport) != NULL;
}

/* The endpoints an ephemeral port is sought for (net_ephemeral_port). */
struct tuple {
	uint32_t laddr, raddr;
	uint16_t rport;
};

static bool port_taken(struct tern_net *net, uint16_t port, const void *ctx)
{
	const struct tuple *t = ctx;

	return tuple_taken(net, t->laddr, port, t->raddr, t->rport);
}

int tern_tcp_connect(struct tern_net *net, uint32_t dst, uint16_t dport,
		     uint64_t now, struct tern_tcp **out)
{
	struct ip_route rt;
	struct tern_tcp *c;
	uint16_t lport;
	int err;

	net_set_now(net, now);
	if (dport == 0 || dst == 0 || dst == TERN_IPV4_BROADCAST ||
	    tern_ipv4_is_multicast(dst))
		return -TERN_EINVAL;
	err = ip_route(net, dst, -1, &rt);
	if (err < 0)
		return err;
	if (rt.kind != RT_UNICAST || rt.src == 0)
		return rt.src == 0 ? -TERN_EHOSTUNREACH : -TERN_EINVAL;
	lport = net_ephemeral_port(net, rt.src, dst, dport, port_taken,
				   &(struct tuple){ rt.src, dst, dport });
	if (lport == 0)
		return -TERN_EADDRINUSE;
	c = tcp_conn_alloc(net);
	if (!c)
		return -TERN_ENOSPC;
	tcp_conn_defaults(c);
	c->rt = rt;
	c->iss = tcp_isn(net, rt.src, lport, dst, dport, now);
	c->snd_una = c->snd_nxt = c->snd_max = c->recover = c->iss;
	c->snd_sml = c->iss;
	c->buf_seq = c->iss + 1;
	c->cc->init(c);
	tcp_conn_hash(c, rt.src, lport, dst, dport);
	c->state = TERN_TCP_SYN_SENT;
	NET_STAT(net, tcp_active_opens);
	tern_net_batch_begin(net);
	tcp_output(c);
	tern_net_batch_end(net);
	*out = c;
	return 0;
}

/* ---- Data --------------------------------------------------------------- */

/* True in the states where our side may still send data. */
static bool can_send(const struct tern_tcp *c)
{
	switch (c->state) {
	case TERN_TCP_SYN_SENT:
	case TERN_TCP_SYN_RECEIVED:
	case TERN_TCP_ESTABLISHED:
	case TERN_TCP_CLOSE_WAIT:
		return !c->fin_queued;
	default:
		return false;
	}
}

/* Sends what c may send now, at time now, in one batch of the stack. */
static void output_at(struct tern_tcp *c, uint64_t now)
{
	net_set_now(c->net, now);
	tern_net_batch_begin(c->net);
	tcp_output(c);
	tern_net_batch_end(c->net);
}

/* Copies len bytes of p to the end of c's send ring, which has room. */
static void ring_append(struct tern_tcp *c, const uint8_t *p, uint32_t len)
{
	uint32_t tail = (c->buf_head + c->buf_len) % c->buf_cap;
	uint32_t first = TERN_MIN(len, c->buf_cap - tail);

	memcpy(c->buf + tail, p, first);
	memcpy(c->buf, p + first, len - first);
	c->buf_len += len;
}

int tern_tcp_sendv(struct tern_tcp *c, const struct tern_iov *iov, unsigned n,
		   uint64_t now)
{
	uint32_t room, done = 0;

	if (c->error)
		return c->error;
	if (!can_send(c))
		return c->state == TERN_TCP_LISTEN ? -TERN_ENOTCONN
						   : -TERN_EPIPE;
	room = TERN_MIN(c->buf_cap - c->buf_len, (uint32_t)INT32_MAX);
	for (unsigned i = 0; i < n && done < room; i++) {
		uint32_t take =
			(uint32_t)TERN_MIN(iov[i].len, (size_t)(room - done));

		ring_append(c, iov[i].base, take);
		done += take;
	}
	if (done == 0) {
		for (unsigned i = 0; i < n; i++)
			if (iov[i].len)
				return -TERN_EAGAIN; /* the ring is full */
		return 0;
	}
	net_set_now(c->net, now);
	if (c->state != TERN_TCP_SYN_SENT && c->state != TERN_TCP_SYN_RECEIVED)
		output_at(c, now);
	return (int)done;
}

int tern_tcp_send(struct tern_tcp *c, const void *data, size_t len,
		  uint64_t now)
{
	struct tern_iov piece = { data, len };

	return tern_tcp_sendv(c, &piece, 1, now);
}

size_t tern_tcp_readable(const struct tern_tcp *c)
{
	return c->rxq_bytes;
}

size_t tern_tcp_writable(const struct tern_tcp *c)
{
	return can_send(c) ? c->buf_cap - c->buf_len : 0;
}

bool tern_tcp_at_eof(const struct tern_tcp *c)
{
	return c->fin_received && c->rxq_bytes == 0;
}

unsigned tern_tcp_ready(const struct tern_tcp *c)
{
	unsigned ev = 0;

	if (c->state == TERN_TCP_LISTEN)
		return c->accept_len ? TERN_TCP_EV_READ : 0;
	/* A read or write that would not wait: data, the end, an error. */
	if (c->rxq_bytes || c->fin_received || c->error ||
	    c->state == TERN_TCP_CLOSED)
		ev |= TERN_TCP_EV_READ;
	if ((can_send(c) && c->state != TERN_TCP_SYN_SENT &&
	     c->state != TERN_TCP_SYN_RECEIVED && c->buf_len < c->buf_cap) ||
	    !can_send(c))
		ev |= TERN_TCP_EV_WRITE;
	if (c->error || c->state == TERN_TCP_CLOSED)
		ev |= TERN_TCP_EV_STATE;
	return ev;
}

/* What a read returns when no data waits. */
static int no_data(const struct tern_tcp *c)
{
	if (c->fin_received)
		return 0;
	if (c->error)
		return c->error;
	if (c->state == TERN_TCP_LISTEN)
		return -TERN_ENOTCONN;
	if (c->state == TERN_TCP_CLOSED)
		return 0;
	return -TERN_EAGAIN;
}

int tern_tcp_peek(struct tern_tcp *c, const uint8_t **data, size_t *len)
{
	struct tern_pkt *pkt;

	*len = 0;
	if (tern_list_empty(&c->rxq))
		return no_data(c);
	pkt = tern_list_entry(c->rxq.next, struct tern_pkt, link);
	*data = pkt->data;
	*len = pkt->len;
	return 0;
}

/* After the application read: advertise the opened window once the
 * peer's usable window fell to half the buffer or less and the read grew
 * it by two segments or half the buffer (RFC 9293 3.8.6.2.2 for the step;
 * Linux waits for half too). A peer with more than half left gets the
 * news on the next ACK: an update per read cost a frame per two segments
 * read, on a TAP a system call each. */
static void window_update(struct tern_tcp *c)
{
	uint32_t adv = c->rcv_adv - c->rcv_nxt;
	uint32_t now_wnd = tcp_rcv_window(c);
	uint32_t step = TERN_MIN(2u * c->mss, c->rcvbuf / 2);

	if (c->state == TERN_TCP_CLOSED || c->state == TERN_TCP_LISTEN ||
	    c->state == TERN_TCP_SYN_SENT)
		return;
	if (adv <= c->rcvbuf / 2 && now_wnd >= adv + step) {
		tern_net_batch_begin(c->net);
		tcp_send_ack(c);
		tern_net_batch_end(c->net);
	}
}

void tern_tcp_consume(struct tern_tcp *c, size_t n, uint64_t now)
{
	TERN_ASSERT(n <= c->rxq_bytes);
	net_set_now(c->net, now);
	while (n > 0) {
		struct tern_pkt *pkt =
			tern_list_entry(c->rxq.next, struct tern_pkt, link);
		uint32_t take = n < pkt->len ? (uint32_t)n : pkt->len;

		tern_pkt_pull(pkt, take);
		c->rxq_bytes -= take;
		n -= take;
		if (pkt->len == 0) {
			tern_list_del_init(&pkt->link);
			tern_pkt_free(pkt);
			c->rxq_pkts--;
		}
	}
	window_update(c);
}

int tern_tcp_recv(struct tern_tcp *c, void *buf, size_t cap, uint64_t now)
{
	uint8_t *out = buf;
	size_t got = 0;

	if (c->rxq_bytes == 0)
		return no_data(c);
	tern_list_for_each(it, &c->rxq) {
		struct tern_pkt *pkt =
			tern_list_entry(it, struct tern_pkt, link);
		size_t take = TERN_MIN(cap - got, (size_t)pkt->len);

		memcpy(out + got, pkt->data, take);
		got += take;
		if (got == cap)
			break;
	}
	tern_tcp_consume(c, got, now);
	return (int)got;
}

/* ---- Closing ------------------------------------------------------------ */

int tern_tcp_shutdown(struct tern_tcp *c, uint64_t now)
{
	if (c->error)
		return c->error;
	switch (c->state) {
	case TERN_TCP_LISTEN:
	case TERN_TCP_CLOSED:
		return -TERN_ENOTCONN;
	case TERN_TCP_SYN_SENT:
		/* Nothing reached the peer: just stop (RFC 9293 3.10.4). */
		tcp_conn_done(c, 0);
		return 0;
	default:
		break;
	}
	if (c->fin_queued)
		return 0;
	c->fin_queued = true;
	net_set_now(c->net, now);
	if (c->state != TERN_TCP_SYN_RECEIVED)
		output_at(c, now);
	return 0;
}

void tern_tcp_abort(struct tern_tcp *c, uint64_t now)
{
	net_set_now(c->net, now);
	c->user_closed = true;
	c->notify = NULL;
	switch (c->state) {
	case TERN_TCP_SYN_RECEIVED:
	case TERN_TCP_ESTABLISHED:
	case TERN_TCP_FIN_WAIT_1:
	case TERN_TCP_FIN_WAIT_2:
	case TERN_TCP_CLOSE_WAIT:
		tern_net_batch_begin(c->net);
		tcp_send_rst_for(c);
		tern_net_batch_end(c->net);
		break;
	default:
		break;
	}
	tcp_conn_done(c, 0);
}

void tern_tcp_close(struct tern_tcp *c, uint64_t now)
{
	if (c->state == TERN_TCP_LISTEN || c->state == TERN_TCP_CLOSED ||
	    c->state == TERN_TCP_SYN_SENT || c->rxq_bytes > 0) {
		tern_tcp_abort(c, now);
		return;
	}
	c->notify = NULL;
	if (c->state != TERN_TCP_TIME_WAIT && !c->error)
		tern_tcp_shutdown(c, now);
	c->user_closed = true;
	if (c->state == TERN_TCP_CLOSED)
		tcp_conn_done(c, 0);
	else if (c->state == TERN_TCP_TIME_WAIT)
		tcp_tw_enter(c);
	else
		tcp_fin_wait2_check(c);
}

/* ---- State and options -------------------------------------------------- */

enum tern_tcp_state tern_tcp_state(const struct tern_tcp *c)
{
	return c->state;
}

int tern_tcp_error(const struct tern_tcp *c)
{
	return c->error;
}

void tern_tcp_set_notify(struct tern_tcp *c, tern_tcp_notify_fn fn, void *ctx)
{
	c->notify = fn;
	c->notify_ctx = ctx;
}

void tern_tcp_set_nodelay(struct tern_tcp *c, bool on)
{
	c->nodelay = on;
}

void tern_tcp_set_cork(struct tern_tcp *c, bool on, uint64_t now)
{
	c->cork = on;
	if (on || !can_send(c) || c->state == TERN_TCP_SYN_SENT ||
	    c->state == TERN_TCP_SYN_RECEIVED)
		return;
	output_at(c, now);
}

void tern_tcp_set_rack(struct tern_tcp *c, bool on)
{
	c->rack_off = !on;
	tcp_rack_clear(c);
	if (c->job == TJ_RACK || c->job == TJ_TLP) {
		tcp_timer_set(c, TJ_NONE, 0);
		tcp_timer_rto_check(c); /* the RTO in their place */
	}
}

int tern_tcp_set_buffers(struct tern_tcp *c, uint32_t sndbuf, uint32_t rcvbuf)
{
	const struct tern_net_config *cfg = &c->net->cfg;

	if (sndbuf > cfg->tcp_sndbuf || rcvbuf > cfg->tcp_rcvbuf)
		return -TERN_EINVAL;
	if (sndbuf) {
		if (sndbuf < 1024 || c->buf_len > 0)
			return -TERN_EINVAL;
		c->buf_cap = sndbuf;
		c->buf_head = 0;
	}
	if (rcvbuf) {
		if (rcvbuf < 1024)
			return -TERN_EINVAL;
		c->rcvbuf = rcvbuf;
	}
	return 0;
}

int tern_tcp_set_keepalive(struct tern_tcp *c, uint64_t idle_ns,
			   uint64_t interval_ns, uint32_t probes)
{
	if (idle_ns && (interval_ns == 0 || probes == 0))
		return -TERN_EINVAL;
	c->ka_idle = idle_ns;
	c->ka_interval = interval_ns;
	c->ka_probes = probes;
	c->ka_sent = 0;
	if (!c->last_rx)
		c->last_rx = c->net->now;
	if (c->job == TJ_KEEPALIVE)
		tcp_timer_set(c, TJ_NONE, 0);
	tcp_timer_rto_check(c);
	return 0;
}

int tern_tcp_set_cc(struct tern_tcp *c, const char *name)
{
	static const struct tcp_cc_ops *const all[] = { &tcp_cubic,
							&tcp_newreno };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(all[i]->name, name) != 0)
			continue;
		if (all[i] != c->cc) {
			/* Keep the window; the new controller starts its
			 * own state from there. */
			uint32_t cwnd = c->cwnd, ssthresh = c->ssthresh;

			c->cc = all[i];
			c->cc->init(c);
			if (c->state != TERN_TCP_SYN_SENT &&
			    c->state != TERN_TCP_LISTEN) {
				c->cwnd = cwnd;
				c->ssthresh = ssthresh;
			}
		}
		return 0;
	}
	return -TERN_EINVAL;
}

void tern_tcp_endpoints(const struct tern_tcp *c, uint32_t *laddr,
			uint16_t *lport, uint32_t *raddr, uint16_t *rport)
{
	if (laddr)
		*laddr = c->laddr;
	if (lport)
		*lport = c->lport;
	if (raddr)
		*raddr = c->raddr;
	if (rport)
		*rport = c->rport;
}

void tern_tcp_get_info(const struct tern_tcp *c, struct tern_tcp_info *info)
{
	memset(info, 0, sizeof(*info));
	info->state = c->state;
	info->mss = c->mss;
	info->cc = c->cc->name;
	info->cwnd = c->cwnd;
	info->ssthresh = c->ssthresh;
	info->snd_wnd = c->snd_wnd;
	info->rcv_wnd = c->rcv_adv - c->rcv_nxt;
	info->in_flight = tcp_in_flight(c);
	info->srtt_ns = c->srtt;
	info->rto_ns = tcp_rto_now(c);
	info->retransmits = c->retransmits;
	info->backoff = c->backoff;
	info->snd_wscale = c->snd_wscale;
	info->rcv_wscale = c->rcv_wscale;
	info->ts = c->ts_ok;
	info->sack = c->sack_ok;
}

uint32_t tern_tcp_conns_in_use(const struct tern_net *net)
{
	return net->tcp->in_use;
}
